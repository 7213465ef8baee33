//! Store tests: aggregates, round trips, rollback, the layout check and the migration.

use rusqlite::Connection;

use super::*;
use crate::model::{self, Budget, DAY, InstanceType, Port, Resources, Status};
use crate::objects::{Extra, Instance};

fn instance(id: &str, seq: i64, r: Resources, status: Status) -> Instance {
    Instance {
        id: id.into(),
        seq,
        workspace: "ws".into(),
        status,
        template: "agent37-hermes".into(),
        pin: None,
        template_revision: None,
        image_ref: Some("acme/a:1".into()),
        image_digest: None,
        agent: "hermes".into(),
        resources: r,
        ports: vec![Port {
            port: 3737,
            default: true,
        }],
        user: None,
        name: Some("n".into()),
        metadata: serde_json::from_str(r#"{"z":1,"a":2}"#).ok(),
        paid_through: Some(DAY),
        past_due: false,
        created: 0,
        day_paid_micros: 1,
        budget: Budget {
            monthly_cap: 1,
            monthly_consumed: 0,
            monthly_period: "2026-01".into(),
            topup_remaining: 2,
            updated_at: 0,
        },
        status_reason: None,
        kind: InstanceType::Dedicated,
        env: None,
        auto_sleep: false,
        idle_timeout: 300,
        slept_at: None,
        checkpoint_until: None,
        wake_until: None,
        last_activity: 0,
        running_since: None,
        first_run: None,
        runs: Vec::new(),
        extra: Extra::default(),
    }
}

fn workspace(key: &str) -> Workspace {
    Workspace {
        api_key: key.into(),
        topups_total: model::PAID_TOPUP_MICROS,
        wallet_micros: 0,
        instance_limit: None,
        created: 0,
        shared_enabled: false,
        ip_allowlist: Vec::new(),
        suspended: false,
    }
}

fn res(cpu: i64, memory: i64, disk: i64) -> Resources {
    Resources { cpu, memory, disk }
}

/// Live count and fleet day cost, straight from the rows.
fn from_rows(tx: &Tx<'_>, ws: &str) -> (i64, i64) {
    let live: Vec<Instance> = tx.live_instances(ws).unwrap();
    (live.len() as i64, live.iter().map(Instance::day_cost).sum())
}

#[test]
fn aggregates_follow_every_save_and_match_the_model() {
    let dir = std::env::temp_dir().join(format!("a37-store-test-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let store = Store::open(Some(&dir)).unwrap();
    store
        .with(|tx| {
            tx.save_workspace(&workspace("ws"))?;
            tx.save_workspace(&workspace("other"))?;
            let shapes = [res(1, 3, 7), res(2, 4, 6), res(4, 8, 33), res(8, 16, 80)];
            for (n, r) in shapes.iter().enumerate() {
                tx.save_instance(&instance(
                    &format!("id{n:08}"),
                    n as i64,
                    *r,
                    Status::Running,
                ))?;
            }
            let all: i64 = shapes.iter().map(|r| model::day_cost_micros(*r)).sum();
            assert_eq!((tx.count_live("ws")?, tx.fleet_day_cost("ws")?), (4, all));
            // A status change that stays live changes nothing; a resize moves the cost.
            let mut i = tx.instance("id00000001")?.unwrap();
            i.status = Status::Stopped;
            tx.save_instance(&i)?;
            i.resources = res(4, 8, 20);
            tx.save_instance(&i)?;
            assert_eq!(tx.fleet_day_cost("ws")?, from_rows(tx, "ws").1);
            // Deleting removes it; a deleted row saved again stays out.
            i.status = Status::Deleted;
            tx.save_instance(&i)?;
            tx.save_instance(&i)?;
            assert_eq!(
                (tx.count_live("ws")?, tx.fleet_day_cost("ws")?),
                from_rows(tx, "ws")
            );
            assert_eq!(tx.count_live("ws")?, 3);
            // Moving an instance to another workspace moves its share.
            let mut j = tx.instance("id00000000")?.unwrap();
            j.workspace = "other".into();
            tx.save_instance(&j)?;
            assert_eq!(
                (tx.count_live("other")?, tx.fleet_day_cost("other")?),
                from_rows(tx, "other")
            );
            assert_eq!(
                (tx.count_live("ws")?, tx.fleet_day_cost("ws")?),
                from_rows(tx, "ws")
            );
            assert_eq!(tx.count_live("nobody")?, 0);
            Ok(())
        })
        .unwrap();
    let before = store
        .with(|tx| Ok((tx.aggregates("ws")?, tx.aggregates("other")?)))
        .unwrap();
    drop(store);
    // Recomputed at open from the rows: the same figures.
    let reopened = Store::open(Some(&dir)).unwrap();
    let after = reopened
        .with(|tx| Ok((tx.aggregates("ws")?, tx.aggregates("other")?)))
        .unwrap();
    assert_eq!(before, after);
    drop(reopened);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", dir.display()));
    }
}

#[test]
fn instances_round_trip_and_failed_transactions_roll_back() {
    let store = Store::open(None).unwrap();
    let r = Resources {
        cpu: 2,
        memory: 4,
        disk: 6,
    };
    let inst = instance("abcdefghij", 1, r, Status::Stopped);
    store.with(|tx| tx.save_instance(&inst)).unwrap();
    let back = store.with(|tx| tx.instance("abcdefghij")).unwrap().unwrap();
    assert_eq!(back.to_json_v1("http://h"), inst.to_json_v1("http://h"));
    assert_eq!(back.budget, inst.budget);
    let err: ApiResult<()> = store.with(|tx| {
        tx.save_instance(&instance("zzzzzzzzzz", 2, r, Status::Running))?;
        Err(ApiError::invalid("boom"))
    });
    assert!(err.is_err());
    assert!(
        store
            .with(|tx| tx.instance("zzzzzzzzzz"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_file_of_another_layout_is_refused_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("emu-layout-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    {
        // A file from before versioning: the tables exist, user_version is 0.
        let c = Connection::open(&dir).unwrap();
        c.execute_batch("CREATE TABLE workspaces (api_key TEXT PRIMARY KEY);")
            .unwrap();
    }
    let err = Store::open(Some(&dir)).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("another version of the emulator")),
        "{err:?}"
    );
    std::fs::remove_file(&dir).unwrap();
    // A fresh file opens, and opens again.
    drop(Store::open(Some(&dir)).unwrap());
    drop(Store::open(Some(&dir)).unwrap());
    let _ = std::fs::remove_file(&dir);
}

#[test]
fn a_file_of_the_first_layout_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layout-v1.db"),
        &db,
    )
    .unwrap();
    let store = Store::open(Some(&db)).unwrap();
    store
        .with(|tx| {
            let paid = tx.workspace("sk_live_LAYOUTv1layoutV1layout0001")?.unwrap();
            let free = tx.workspace("sk_live_LAYOUTv1layoutV1layout0002")?.unwrap();
            assert_eq!((paid.topups_total, free.topups_total), (5_000_000, 0));
            let kept = tx
                .template("sk_live_LAYOUTv1layoutV1layout0001", "kept")?
                .unwrap();
            assert_eq!((kept.default_port, kept.revision), (Some(3000), 1));
            assert_eq!(kept.ports.len(), 2);
            let digest = crate::objects::sha256_digest(b"acme/kept:v1");
            assert_eq!(kept.image_digest.as_deref(), Some(digest.as_str()));
            let revs = tx.template_revisions("sk_live_LAYOUTv1layoutV1layout0001", "kept")?;
            assert_eq!(revs.len(), 1);
            let nodefault = tx
                .template("sk_live_LAYOUTv1layoutV1layout0001", "nodefault")?
                .unwrap();
            assert_eq!(nodefault.default_port, None);
            assert_eq!(tx.count_live("sk_live_LAYOUTv1layoutV1layout0001")?, 6);
            Ok(())
        })
        .unwrap();
    drop(store);
    // Opening again is a no-op at the new layout.
    let again = Store::open(Some(&db)).unwrap();
    let version: i64 = again
        .with(|tx| Ok(tx.tx.query_row("PRAGMA user_version", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn the_meter_settles_whole_minutes_when_the_rate_changes() {
    let store = Store::open(None).unwrap();
    let r = res(2, 4, 4);
    let mut w = workspace("ws");
    w.wallet_micros = 1_000_000;
    store.with(|tx| tx.save_workspace(&w)).unwrap();
    let mut i = instance("abcdefghij", 1, r, Status::Running);
    store
        .with_ctx(1000, true, |tx| tx.save_instance(&i))
        .unwrap();
    // 10 min 30 s running, then stopped: 10 minutes at 4.76 USD/month, 30 s carry over.
    i.status = Status::Stopped;
    store
        .with_ctx(1630, true, |tx| tx.save_instance(&i))
        .unwrap();
    let wallet = store
        .with(|tx| Ok(tx.workspace("ws")?.unwrap().wallet_micros))
        .unwrap();
    assert_eq!(wallet, 1_000_000 - model::meter_debit(4_760_000, 10));
    // Stopped bills the disk only; an hourly settle charges it.
    let debits = store
        .with_ctx(1600 + 3600, true, |tx| tx.settle_meters(Some("ws")))
        .unwrap();
    assert_eq!(
        debits,
        vec![("abcdefghij".to_string(), model::meter_debit(360_000, 60))]
    );
    // The running period is remembered for metrics.
    let back = store.with(|tx| tx.instance("abcdefghij")).unwrap().unwrap();
    assert_eq!(
        (back.first_run, back.running_since, back.runs.clone()),
        (Some(1000), None, vec![(1000, 1630)])
    );
}
