//! `agent37_instance_integration` under API revision 2026-08-21: connect (a toolkit waiting for
//! a person, one without auth), a person finishing the flow, import by
//! `<instance_id>/<connected_account_id>` (CLI, block, identity), an in-place change that sends
//! nothing, `wait_for_active` (a person finishing meanwhile; a FAILED connection as an error),
//! an EXPIRED connection replaced, an out-of-band delete re-created, the flat 422 and 503
//! answers, the list resource, destroy; against 2026-06-25, one refusal naming the revision.
//!
//! The instance is made through the API, so these tests hold whatever `agent37_instance` does.

use std::thread;
use std::time::Duration;

use testkit::emulator::Client;
use testkit::prelude::*;

use crate::common::{actions, managed_actions};

const MAIL: &str = "agent37_instance_integration.mail";
const NEWS: &str = "agent37_instance_integration.news";
const SLACK: &str = "agent37_instance_integration.slack";
const DRIVE: &str = "agent37_instance_integration.drive";
const GHUB: &str = "agent37_instance_integration.ghub";

/// The connections of instance `id` as the API lists them.
pub fn connections(emu: &Emulator, id: &str) -> Vec<Value> {
    emu.api_ok(
        "GET",
        &format!("/instances/{id}/integrations/connections"),
        None,
    )["connections"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[track_caller]
fn connection(emu: &Emulator, id: &str, cid: &str) -> Value {
    connections(emu, id)
        .into_iter()
        .find(|c| c["id"] == cid)
        .unwrap_or_else(|| panic!("no connection {cid}: {:#?}", connections(emu, id)))
}

/// Plays a person (or Composio) for the first connection of `toolkit` that appears on
/// instance `id`: `finish` it (`"authorize"` opens the authorize page, else the status is set
/// through the control route). Bounded: gives up after about a minute of polling.
fn person(
    client: Client,
    id: String,
    toolkit: &'static str,
    finish: &'static str,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let path = format!("/v1/instances/{id}/integrations/connections?toolkit={toolkit}");
        for _ in 0..600 {
            let found = client
                .json("GET", &path, None)
                .ok()
                .and_then(|v| v["connections"][0]["id"].as_str().map(str::to_string));
            if let Some(cid) = found {
                let done = if finish == "authorize" {
                    client.send("GET", &format!("/_composio/authorize/{cid}"), None)
                } else {
                    client.send(
                        "POST",
                        &format!("/_emulator/integrations/connections/{cid}"),
                        Some(&json!({"status": finish})),
                    )
                };
                assert!(
                    done.map(|r| r.status < 400).unwrap_or(false),
                    "finishing {cid}"
                );
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!("no {toolkit} connection appeared on {id}");
    })
}

fn base(id: &str, callback: &str, extra: &str) -> String {
    config(&format!(
        r#"
resource "agent37_instance_integration" "mail" {{
  instance_id  = "{id}"
  toolkit      = "gmail"
  callback_url = "{callback}"
}}

resource "agent37_instance_integration" "news" {{
  instance_id = "{id}"
  toolkit     = "hackernews"
}}
{extra}"#
    ))
}

fn waiting(name: &str, id: &str, toolkit: &str) -> String {
    format!(
        r#"
resource "agent37_instance_integration" "{name}" {{
  instance_id     = "{id}"
  toolkit         = "{toolkit}"
  wait_for_active = true
}}
"#
    )
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "tools"}));
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(connections(&emu, &id), Vec::<Value>::new()));

    // Connect: gmail waits for a person, hackernews needs no auth.
    let first = base(&id, "https://app.example/connected", "");
    let plan = case.plan(first.clone());
    assert_eq!(
        managed_actions(&plan),
        actions(&[(MAIL, &["create"]), (NEWS, &["create"])])
    );
    case.reapply();
    let mail = case.tf().state_values(MAIL);
    let cid = mail["connected_account_id"]
        .as_str()
        .expect("id")
        .to_string();
    let on_server = connection(&emu, &id, &cid);
    assert_eq!(
        (&mail["status"], &on_server["status"]),
        (&json!("INITIATED"), &json!("INITIATED"))
    );
    assert_eq!(mail["toolkit_name"], "Gmail");
    assert_eq!(
        mail["created"],
        on_server["createdAt"].as_i64().expect("ms") / 1000
    );
    let redirect = format!("{}/_composio/authorize/{cid}", emu.root_url());
    assert_eq!(mail["redirect_url"], redirect.as_str());
    let news = case.tf().state_values(NEWS);
    let news_id = news["connected_account_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(news["status"], "ACTIVE");

    // The person finishes at redirect_url: back to the callback, ACTIVE at the next refresh.
    let done = emu
        .raw_client()
        .send("GET", &format!("/_composio/authorize/{cid}"), None)
        .expect("authorize");
    assert_eq!(done.status, 302);
    assert!(
        done.header("location")
            .is_some_and(|l| l.starts_with("https://app.example/connected?")),
        "{:?}",
        done.header("location")
    );
    case.step(Step::refresh_only());
    assert_eq!(case.tf().state_values(MAIL)["status"], "ACTIVE");

    // Imported again by `<instance_id>/<connected_account_id>` (CLI, block, identity); only the
    // create's answer knows the redirect URL.
    case.verify_import(NEWS, &format!("{id}/{news_id}"), &["redirect_url"]);

    // A new callback URL changes the state only: no connect, the same connection.
    emu.reset_requests();
    let plan = case.plan(base(&id, "https://app.example/v2", ""));
    assert_eq!(managed_actions(&plan), actions(&[(MAIL, &["update"])]));
    case.reapply();
    assert_eq!(emu.count("POST /v1/instances/{id}/integrations/connect"), 0);
    assert_eq!(
        case.tf().state_values(MAIL)["connected_account_id"],
        cid.as_str()
    );
    let second = base(&id, "https://app.example/v2", "");

    // wait_for_active: the apply waits until the person finished.
    let finisher = person(emu.client(), id.clone(), "slack", "authorize");
    case.apply(base(
        &id,
        "https://app.example/v2",
        &waiting("slack", &id, "slack"),
    ));
    finisher.join().expect("the person finished");
    let slack = case.tf().state_values(SLACK);
    assert_eq!(slack["status"], "ACTIVE");
    assert_eq!(
        connection(
            &emu,
            &id,
            slack["connected_account_id"].as_str().expect("id")
        )["status"],
        "ACTIVE"
    );

    // A connection that fails while waited for: an error naming the status, kept tainted.
    let failing = person(emu.client(), id.clone(), "googledrive", "FAILED");
    let with_drive = base(
        &id,
        "https://app.example/v2",
        &waiting("drive", &id, "googledrive"),
    );
    case.step(
        Step::apply(with_drive)
            .expect_error(Diag::error("Integration not active").detail_contains("is FAILED")),
    );
    failing.join().expect("the connection failed");
    assert_eq!(case.tf().state_values(DRIVE)["status"], "FAILED");
    case.apply(second.clone());

    // An EXPIRED connection is planned for replacement: a new connection.
    emu.control_ok(
        "POST",
        &format!("integrations/connections/{cid}"),
        Some(&json!({"status": "EXPIRED"})),
    );
    let plan = case.replan();
    assert_eq!(
        managed_actions(&plan),
        actions(&[(MAIL, &["delete", "create"])])
    );
    case.reapply();
    let new_cid = case.tf().state_values(MAIL)["connected_account_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(new_cid, cid);
    let listed: Vec<Value> = connections(&emu, &id);
    assert!(
        listed.iter().all(|c| c["id"] != cid.as_str()),
        "{listed:#?}"
    );

    // Deleted out of band: planned and made again.
    emu.api_ok(
        "DELETE",
        &format!("/instances/{id}/integrations/connections/{news_id}"),
        None,
    );
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(NEWS, &["create"])]));
    case.reapply();
    assert_eq!(connections(&emu, &id).len(), 2);

    // Managed Composio down: a refresh fails with the code and keeps everything in state.
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"integrations_available": false})),
    );
    let news_now = case.tf().state_values(NEWS)["connected_account_id"]
        .as_str()
        .expect("id")
        .to_string();
    let unavailable = |cid: &str| {
        Diag::error(&format!("Unable to read integration {id}/{cid}"))
            .detail_contains("integrations_unavailable")
    };
    case.step(
        Step::plan(second.clone()).expect_errors([unavailable(&new_cid), unavailable(&news_now)]),
    );
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"integrations_available": true})),
    );

    // A toolkit without managed OAuth: the flat 422, on the attribute.
    let salesforce = format!(
        "{second}\nresource \"agent37_instance_integration\" \"crm\" {{\n  instance_id = \"{id}\"\n  toolkit     = \"salesforce\"\n}}\n"
    );
    case.step(
        Step::apply(salesforce).expect_error(
            Diag::error("Unable to connect the integration")
                .attribute("toolkit")
                .detail_contains("custom_auth_required"),
        ),
    );

    // A connect whose answer is lost: the connection it made is found and kept (tainted),
    // never orphaned, and the next apply replaces it.
    emu.set_faults(&json!({"seed": 1, "rules": [
        {"route": "POST /v1/instances/{id}/integrations/connect", "kind": "drop_after", "requests": [1]}
    ]}));
    let with_github = format!(
        "{second}\nresource \"agent37_instance_integration\" \"ghub\" {{\n  instance_id = \"{id}\"\n  toolkit     = \"github\"\n}}\n"
    );
    case.step(
        Step::apply(with_github.clone()).expect_error(
            Diag::error("Unable to connect the integration")
                .detail_contains("The connect's answer was lost"),
        ),
    );
    emu.clear_faults();
    let github = |emu: &Emulator| -> Vec<String> {
        connections(emu, &id)
            .iter()
            .filter(|c| c["toolkitSlug"] == "github")
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    let adopted = github(&emu);
    assert_eq!(adopted.len(), 1, "one connect, one connection: {adopted:?}");
    assert_eq!(
        case.tf().state_values(GHUB)["connected_account_id"],
        adopted[0].as_str()
    );
    case.apply(with_github);
    let now = github(&emu);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, adopted, "the tainted connection was replaced");

    // An invalid callback URL never reaches the API.
    case.step(
        Step::plan(base(&id, "http://app.example/cb", ""))
            .expect_error(Diag::error("Invalid callback URL").attribute("callback_url")),
    );

    // Back to the applied configuration (a failed step leaves its own in place).
    case.tf().write_main(&second);
    if m.tf.has_actions_and_lists() {
        let tf = case.tf();
        tf.write_file(
            "integrations.tfquery.hcl",
            &format!("list \"agent37_instance_integration\" \"of\" {{\n  provider = agent37\n  config {{\n    instance_id = \"{id}\"\n  }}\n}}\n"),
        );
        let (out, lines) = tf.run_json_lines(&["query", "-json"]);
        out.assert_success();
        let mut found: Vec<String> = lines
            .iter()
            .filter(|l| l["type"] == "list_resource_found")
            .map(|l| {
                let identity = &l["list_resource_found"]["identity"];
                format!(
                    "{}/{}",
                    identity["instance_id"].as_str().unwrap_or_default(),
                    identity["connected_account_id"]
                        .as_str()
                        .unwrap_or_default()
                )
            })
            .collect();
        found.sort();
        let mut want: Vec<String> = connections(&emu, &id)
            .iter()
            .map(|c| format!("{id}/{}", c["id"].as_str().unwrap_or_default()))
            .collect();
        want.sort();
        assert_eq!(found, want);
        tf.workdir().remove("integrations.tfquery.hcl");
    }

    case.destroy();
}

matrix!(lifecycle: tf_1_15, tf_1_11; api_2026_08_21);

/// Against 2026-06-25: one error per resource naming the revision, nothing sent
/// (`agent37_instance_file` too: its plane API is 2026-08-21's).
fn refused_on_the_older_revision(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "old"}));
    let mut case = m.case(&emu);
    let needs = |what: &str| {
        Diag::error("Not available in this API revision")
            .detail_contains(&format!("{what} needs API revision 2026-08-21"))
            .detail_contains(&format!("the API at {} serves 2026-06-25", emu.base_url()))
    };
    case.step(
        Step::plan(config(&format!(
            "resource \"agent37_instance_integration\" \"mail\" {{\n  instance_id = \"{id}\"\n  toolkit     = \"gmail\"\n}}\n\nresource \"agent37_instance_file\" \"skill\" {{\n  instance_id = \"{id}\"\n  path        = \"skills/a.md\"\n  content     = \"hi\"\n}}\n"
        )))
        .expect_errors([needs("agent37_instance_integration"), needs("agent37_instance_file")]),
    );
    assert_eq!(emu.count("POST /v1/instances/{id}/integrations/connect"), 0);
}

matrix!(refused_on_the_older_revision: tf_1_15; api_2026_06_25);
