//! The SDK's semantic layer (`sdk::core`) driven in process against the test provider, without
//! Terraform: planning (defaults, unknowns, quiet and volatile values, replacement, destroy),
//! apply (consistency with the plan, private state, identity, the failed-delete rule), upgrade,
//! import, validation, data sources, actions and list resources.

use agent37_provider::sdk::core::{
    ActionRun, ApplyRequest, ApplyResponse, Core, ImportRequest, PlanRequest, PlanResponse,
    ReadRequest,
};
use agent37_provider::sdk::traits::ConfigureEnv;
use agent37_provider::sdk::{Diagnostics, Path, Value};

use super::{THING_VERSION, TestProvider};

const THING: &str = "sdktest_thing";

/// The core of a configured test provider, and the directory of its store.
struct Harness {
    core: Core<TestProvider>,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().expect("temporary directory");
        let core = Core::new(TestProvider);
        let config = Value::object([("dir", Value::string(dir.path().to_string_lossy()))]);
        let d = core.configure(&config, ConfigureEnv::default()).await;
        assert!(d.is_empty(), "{d:?}");
        Harness { core, dir }
    }

    fn unconfigured() -> Core<TestProvider> {
        Core::new(TestProvider)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    fn store(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(&self.file("things.json")).unwrap_or_default()
    }

    async fn plan(&self, prior: &Value, config: &Value) -> PlanResponse {
        self.plan_with(prior, config, b"").await
    }

    async fn plan_with(&self, prior: &Value, config: &Value, private: &[u8]) -> PlanResponse {
        let req = PlanRequest {
            prior: prior.clone(),
            proposed: proposed(prior, config),
            config: config.clone(),
            prior_private: private.to_vec(),
        };
        self.core
            .plan_resource_change(THING, req)
            .await
            .expect("plan")
    }

    async fn apply(&self, prior: &Value, planned: &PlanResponse, config: &Value) -> ApplyResponse {
        let req = ApplyRequest {
            prior: prior.clone(),
            planned: planned.planned.clone(),
            config: config.clone(),
            planned_private: planned.private.clone(),
        };
        self.core.apply_resource_change(THING, req).await
    }

    /// Plans and applies a create of `config`.
    async fn create(&self, config: &Value) -> ApplyResponse {
        let plan = self.plan(&Value::Null, config).await;
        assert!(!plan.diags.has_errors(), "{:?}", plan.diags);
        self.apply(&Value::Null, &plan, config).await
    }
}

/// A `sdktest_thing` configuration: every attribute null but the given ones.
fn config(pairs: &[(&str, Value)]) -> Value {
    let mut m: agent37_provider::sdk::value::ValueMap = [
        "id", "name", "kind", "size", "secret", "token_wo", "tags", "items", "writes", "created",
        "timeouts",
    ]
    .iter()
    .map(|k| (k.to_string(), Value::Null))
    .collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

/// Terraform's proposed new state: configured values, and the prior value of computed
/// attributes the configuration leaves null.
fn proposed(prior: &Value, config: &Value) -> Value {
    const COMPUTED: [&str; 5] = ["id", "kind", "size", "writes", "created"];
    let mut out = config.as_map().cloned().unwrap_or_default();
    for name in COMPUTED {
        if config.attr(name).is_none_or(Value::is_null) {
            out.insert(
                name.to_string(),
                prior.attr(name).cloned().unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(out)
}

fn attr<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.attr(name).unwrap_or(&Value::Null)
}

fn item(key: &str, weight: Option<i64>) -> Value {
    Value::object([
        ("key", Value::string(key)),
        ("weight", weight.map(Value::number).unwrap_or(Value::Null)),
    ])
}

fn summaries(d: &Diagnostics) -> Vec<(String, String)> {
    d.iter()
        .map(|d| {
            (
                d.attribute
                    .as_ref()
                    .map(Path::to_string)
                    .unwrap_or_default(),
                d.summary.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Planning

#[tokio::test]
async fn create_plan_fills_defaults_and_leaves_computed_values_unknown() {
    let h = Harness::new().await;
    let cfg = config(&[
        ("name", Value::string("a")),
        ("items", Value::list([item("x", None), item("y", Some(5))])),
    ]);
    let plan = h.plan(&Value::Null, &cfg).await;
    assert!(plan.diags.is_empty(), "{:?}", plan.diags);
    let p = &plan.planned;
    assert_eq!(attr(p, "kind"), &Value::string("plain"), "default");
    assert_eq!(
        attr(p, "name"),
        &Value::string("a"),
        "configured value kept"
    );
    let items = attr(p, "items").as_list().expect("items");
    assert_eq!(
        attr(&items[0], "weight"),
        &Value::number(1),
        "nested default"
    );
    assert_eq!(attr(&items[1], "weight"), &Value::number(5));
    for computed in ["id", "size", "writes", "created"] {
        assert!(
            !attr(p, computed).is_known(),
            "{computed} unknown on create"
        );
    }
    assert_eq!(
        attr(p, "secret"),
        &Value::Null,
        "optional left out stays null"
    );
    assert!(plan.requires_replace.is_empty());
    assert_eq!(
        plan.identity, None,
        "a create's identity is known after apply"
    );
}

#[tokio::test]
async fn an_unknown_configured_value_stays_unknown_in_the_plan() {
    let h = Harness::new().await;
    let cfg = config(&[("name", Value::unknown_not_null())]);
    let plan = h.plan(&Value::Null, &cfg).await;
    assert_eq!(attr(&plan.planned, "name"), &Value::unknown_not_null());
}

#[tokio::test]
async fn update_plan_keeps_quiet_values_and_marks_volatile_ones_unknown() {
    let h = Harness::new().await;
    let created = h
        .create(&config(&[("name", Value::string("a"))]))
        .await
        .state;
    let plan = h
        .plan(&created, &config(&[("name", Value::string("b"))]))
        .await;
    let p = &plan.planned;
    assert_eq!(attr(p, "name"), &Value::string("b"));
    for quiet in ["id", "kind", "size", "created"] {
        assert_eq!(
            attr(p, quiet),
            attr(&created, quiet),
            "{quiet} keeps its prior value"
        );
    }
    assert!(!attr(p, "writes").is_known(), "volatile on update");
    assert!(plan.requires_replace.is_empty());
    assert_eq!(
        plan.identity,
        Some(Value::object([("id", attr(&created, "id").clone())]))
    );
}

#[tokio::test]
async fn a_plan_without_change_is_the_prior_state() {
    let h = Harness::new().await;
    let cfg = config(&[("name", Value::string("a")), ("size", Value::number(4))]);
    let created = h.create(&cfg).await.state;
    let plan = h.plan(&created, &cfg).await;
    assert_eq!(plan.planned, created);
    assert!(plan.diags.is_empty() && plan.requires_replace.is_empty());
}

#[tokio::test]
async fn changing_a_requires_replace_attribute_or_shrinking_replaces() {
    let h = Harness::new().await;
    let cfg = config(&[("name", Value::string("a")), ("size", Value::number(4))]);
    let created = h.create(&cfg).await.state;
    let kind = config(&[
        ("name", Value::string("a")),
        ("size", Value::number(4)),
        ("kind", Value::string("fancy")),
    ]);
    assert_eq!(
        h.plan(&created, &kind).await.requires_replace,
        [Path::attr("kind")]
    );
    let shrink = config(&[("name", Value::string("a")), ("size", Value::number(2))]);
    assert_eq!(
        h.plan(&created, &shrink).await.requires_replace,
        [Path::attr("size")],
        "the hook's own rule"
    );
    let grow = config(&[("name", Value::string("a")), ("size", Value::number(9))]);
    assert!(h.plan(&created, &grow).await.requires_replace.is_empty());
}

#[tokio::test]
async fn destroy_is_planned_without_calling_the_hook() {
    let h = Harness::new().await;
    let created = h.create(&config(&[("name", Value::string("gone"))])).await;
    let before = h.file("plans.log");
    assert_eq!(before, "plan gone\n");
    let req = PlanRequest {
        prior: created.state.clone(),
        proposed: Value::Null,
        config: Value::Null,
        prior_private: created.private.clone(),
    };
    let plan = h.core.plan_resource_change(THING, req).await.expect("plan");
    assert_eq!(plan.planned, Value::Null);
    assert_eq!(plan.private, created.private, "private state carried");
    assert!(plan.diags.is_empty());
    assert_eq!(
        h.file("plans.log"),
        before,
        "plan hook not called for a destroy"
    );
}

// ---------------------------------------------------------------------------------------------
// Apply

#[tokio::test]
async fn create_returns_state_private_state_and_identity() {
    let h = Harness::new().await;
    let out = h
        .create(&config(&[
            ("name", Value::string("a")),
            ("tags", Value::map([("team", Value::string("t"))])),
        ]))
        .await;
    assert!(out.diags.is_empty(), "{:?}", out.diags);
    let id = attr(&out.state, "id").as_str().expect("id").to_string();
    assert_eq!(
        attr(&out.state, "size"),
        &Value::number(3),
        "filled by the provider"
    );
    assert_eq!(attr(&out.state, "writes"), &Value::number(1));
    assert_eq!(out.private, b"writes=1");
    assert_eq!(
        out.identity,
        Some(Value::object([("id", Value::string(&id))]))
    );
    assert_eq!(h.store()[&id]["tags"]["team"], "t");
}

#[tokio::test]
async fn applied_values_match_every_known_planned_value() {
    let h = Harness::new().await;
    let cfg = config(&[
        ("name", Value::string("a")),
        ("secret", Value::string("s3cret")),
        ("items", Value::list([item("x", None)])),
    ]);
    let plan = h.plan(&Value::Null, &cfg).await;
    let out = h.apply(&Value::Null, &plan, &cfg).await;
    let planned = plan.planned.as_map().expect("object");
    for (name, v) in planned {
        if v.is_fully_known() {
            assert_eq!(attr(&out.state, name), v, "{name} changed during apply");
        }
    }
    assert!(out.state.is_fully_known());
}

#[tokio::test]
async fn a_refused_create_reports_on_the_attribute_and_stores_nothing() {
    let h = Harness::new().await;
    let out = h
        .create(&config(&[("name", Value::string("fail-apply"))]))
        .await;
    assert_eq!(
        summaries(&out.diags),
        [("name".into(), "Create refused".into())]
    );
    assert_eq!(out.state, Value::Null);
    assert!(h.store().is_empty());
}

#[tokio::test]
async fn an_unknown_left_in_applied_state_is_a_provider_bug() {
    let h = Harness::new().await;
    let out = h
        .create(&config(&[("name", Value::string("leave-unknown"))]))
        .await;
    assert_eq!(
        summaries(&out.diags),
        [(String::new(), "Provider returned an unknown value".into())]
    );
    assert_eq!(out.state, Value::Null, "the prior (null) state stays");
    assert_eq!(out.identity, None);
}

#[tokio::test]
async fn update_counts_writes_through_private_state() {
    let h = Harness::new().await;
    let created = h.create(&config(&[("name", Value::string("a"))])).await;
    let cfg = config(&[("name", Value::string("b"))]);
    let plan = h.plan_with(&created.state, &cfg, &created.private).await;
    assert_eq!(
        plan.private, created.private,
        "prior private state carried to apply"
    );
    let out = h.apply(&created.state, &plan, &cfg).await;
    assert!(out.diags.is_empty(), "{:?}", out.diags);
    assert_eq!(attr(&out.state, "writes"), &Value::number(2));
    assert_eq!(out.private, b"writes=2");
    assert_eq!(attr(&out.state, "created"), attr(&created.state, "created"));
}

#[tokio::test]
async fn delete_removes_the_object_and_a_failed_delete_keeps_the_prior_state() {
    let h = Harness::new().await;
    for (name, deleted) in [("plain", true), ("stuck", false)] {
        let created = h.create(&config(&[("name", Value::string(name))])).await;
        let id = attr(&created.state, "id").as_str().expect("id").to_string();
        let req = ApplyRequest {
            prior: created.state.clone(),
            planned: Value::Null,
            config: Value::Null,
            planned_private: created.private.clone(),
        };
        let out = h.core.apply_resource_change(THING, req).await;
        if deleted {
            assert!(out.diags.is_empty(), "{:?}", out.diags);
            assert_eq!(out.state, Value::Null);
            assert!(!h.store().contains_key(&id));
        } else {
            assert_eq!(
                summaries(&out.diags),
                [(String::new(), "Delete refused".into())]
            );
            assert_eq!(out.state, created.state, "nothing is forgotten");
            assert!(h.store().contains_key(&id));
        }
    }
}

#[tokio::test]
async fn every_apply_gets_the_deadline_of_its_timeouts_phase() {
    let h = Harness::new().await;
    let timeouts = Value::object([
        ("create", Value::string("90s")),
        ("update", Value::Null),
        ("delete", Value::string("2m")),
    ]);
    let cfg = config(&[("name", Value::string("a")), ("timeouts", timeouts.clone())]);
    let created = h.create(&cfg).await;
    let cfg2 = config(&[("name", Value::string("b")), ("timeouts", timeouts)]);
    let plan = h.plan_with(&created.state, &cfg2, &created.private).await;
    let updated = h.apply(&created.state, &plan, &cfg2).await;
    let req = ApplyRequest {
        prior: updated.state.clone(),
        planned: Value::Null,
        config: Value::Null,
        planned_private: updated.private.clone(),
    };
    let deleted = h.core.apply_resource_change(THING, req).await;
    assert!(deleted.diags.is_empty(), "{:?}", deleted.diags);
    // Update has no entry: the default of 10 minutes.
    assert_eq!(h.file("ops.log"), "create 90s\nupdate 600s\ndelete 120s\n");
}

#[tokio::test]
async fn write_only_values_reach_apply_but_never_plan_or_state() {
    let h = Harness::new().await;
    let cfg = config(&[
        ("name", Value::string("a")),
        ("token_wo", Value::string("hunter22")),
    ]);
    let plan = h.plan(&Value::Null, &cfg).await;
    assert_eq!(
        attr(&plan.planned, "token_wo"),
        &Value::Null,
        "null in the plan"
    );
    let out = h.apply(&Value::Null, &plan, &cfg).await;
    assert!(out.diags.is_empty(), "{:?}", out.diags);
    assert_eq!(
        attr(&out.state, "token_wo"),
        &Value::Null,
        "null in the state"
    );
    let id = attr(&out.state, "id").as_str().expect("id").to_string();
    assert_eq!(
        h.store()[&id]["token_wo_length"],
        8,
        "the handler had it from the config"
    );
    let read = h
        .core
        .read_resource(
            THING,
            ReadRequest {
                state: out.state.clone(),
                private: out.private.clone(),
            },
        )
        .await;
    assert_eq!(
        read.state.map(|s| attr(&s, "token_wo").clone()),
        Some(Value::Null)
    );
}

#[tokio::test]
async fn write_only_attributes_are_refused_by_a_terraform_that_cannot_keep_them() {
    let h = Harness::new().await;
    let cfg = config(&[("name", Value::string("a")), ("token_wo", Value::unknown())]);
    let d = h.core.validate_resource_config(THING, &cfg, false);
    assert_eq!(
        summaries(&d),
        [("token_wo".into(), "Write-only attribute not allowed".into())]
    );
    assert!(
        h.core
            .validate_resource_config(THING, &cfg, true)
            .is_empty()
    );
    let unset = config(&[("name", Value::string("a"))]);
    assert!(
        h.core
            .validate_resource_config(THING, &unset, false)
            .is_empty()
    );
    // The flag reaches Terraform in the schema.
    let schema =
        agent37_provider::sdk::convert::schema(h.core.resource(THING).expect("thing").schema());
    let attrs = schema.block.expect("block").attributes;
    let flagged: Vec<&str> = attrs
        .iter()
        .filter(|a| a.write_only)
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(flagged, ["token_wo"]);
}

// ---------------------------------------------------------------------------------------------
// Read

#[tokio::test]
async fn read_refreshes_drift_and_an_object_gone_out_of_band_is_removed() {
    let h = Harness::new().await;
    let created = h.create(&config(&[("name", Value::string("a"))])).await;
    let id = attr(&created.state, "id").as_str().expect("id").to_string();
    let mut store = h.store();
    store[&id]["name"] = serde_json::json!("changed");
    std::fs::write(
        h.dir.path().join("things.json"),
        serde_json::to_vec(&store).expect("json"),
    )
    .expect("write");
    let read = |state: &Value| ReadRequest {
        state: state.clone(),
        private: created.private.clone(),
    };
    let out = h.core.read_resource(THING, read(&created.state)).await;
    let state = out.state.expect("refreshed");
    assert_eq!(attr(&state, "name"), &Value::string("changed"));
    assert_eq!(out.private, created.private);
    assert_eq!(
        out.identity,
        Some(Value::object([("id", Value::string(&id))]))
    );

    std::fs::write(h.dir.path().join("things.json"), b"{}").expect("write");
    let out = h.core.read_resource(THING, read(&created.state)).await;
    assert_eq!(out.state, Some(Value::Null), "gone: removed from state");
    assert!(out.diags.is_empty());
}

#[tokio::test]
async fn handlers_before_configure_report_it_and_keep_the_state() {
    let core = Harness::unconfigured();
    let state = config(&[("id", Value::string("t1")), ("name", Value::string("a"))]);
    let out = core
        .read_resource(
            THING,
            ReadRequest {
                state,
                private: Vec::new(),
            },
        )
        .await;
    assert_eq!(out.state, None, "the state Terraform holds stays");
    assert_eq!(
        summaries(&out.diags),
        [(String::new(), "Provider not configured".into())]
    );
}

// ---------------------------------------------------------------------------------------------
// Upgrade

#[tokio::test]
async fn upgrade_from_version_0_renames_and_keeps_numbers_exact() {
    let h = Harness::new().await;
    let stored = br#"{"id": "t1", "title": "old", "kind": "plain",
        "size": 9007199254740993, "secret": null, "tags": null,
        "items": [{"key": "k", "weight": 0.1000000000000000000000000000000000001}],
        "writes": 18446744073709551616, "created": "2026-01-01", "timeouts": null,
        "dropped_since": true}"#;
    let v = h
        .core
        .upgrade_resource_state(THING, 0, stored)
        .expect("upgraded");
    assert_eq!(
        attr(&v, "name"),
        &Value::string("old"),
        "renamed by version 1"
    );
    assert_eq!(
        attr(&v, "size").as_number().map(ToString::to_string),
        Some("9007199254740993".into())
    );
    assert_eq!(
        attr(&v, "writes").as_number().map(ToString::to_string),
        Some("18446744073709551616".into())
    );
    let items = attr(&v, "items").as_list().expect("items");
    assert_eq!(
        attr(&items[0], "weight")
            .as_number()
            .map(ToString::to_string),
        Some("0.1000000000000000000000000000000000001".into())
    );
    assert_eq!(
        v.attr("dropped_since"),
        None,
        "attributes the schema lost are dropped"
    );
}

#[tokio::test]
async fn upgrade_refuses_newer_versions_and_bad_json() {
    let h = Harness::new().await;
    let err = h
        .core
        .upgrade_resource_state(THING, THING_VERSION + 1, br#"{"id": "t1"}"#)
        .expect_err("newer");
    assert_eq!(err.0[0].summary, "Unable to upgrade stored state");
    let err = h
        .core
        .upgrade_resource_state(THING, THING_VERSION, b"[1]")
        .expect_err("not an object");
    assert_eq!(err.0[0].detail, "The stored state is not a JSON object.");
    let err = h
        .core
        .upgrade_resource_state(THING, THING_VERSION, b"{\"id\": ")
        .expect_err("not JSON");
    assert_eq!(err.0[0].summary, "Invalid stored state");
    let v = h
        .core
        .upgrade_resource_state(THING, THING_VERSION, b"")
        .expect("empty");
    assert_eq!(v, Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Import, identity, generated configuration

#[tokio::test]
async fn import_by_id_and_by_identity_seeds_state_private_state_and_identity() {
    let h = Harness::new().await;
    let created = h
        .create(&config(&[
            ("name", Value::string("a")),
            ("size", Value::number(9)),
        ]))
        .await;
    let id = attr(&created.state, "id").as_str().expect("id").to_string();
    let by_id = h
        .core
        .import_resource_state(THING, ImportRequest::Id(id.clone()))
        .await
        .expect("import");
    assert_eq!(attr(&by_id.state, "size"), &Value::number(9));
    assert_eq!(by_id.private, b"writes=1");
    assert_eq!(
        by_id.identity,
        Some(Value::object([("id", Value::string(&id))]))
    );

    let identity = Value::object([("id", Value::string(&id))]);
    let by_identity = h
        .core
        .import_resource_state(THING, ImportRequest::Identity(identity))
        .await
        .expect("import by identity");
    assert_eq!(by_identity.state, by_id.state);

    let err = h
        .core
        .import_resource_state(
            THING,
            ImportRequest::Identity(Value::object([("id", Value::Null)])),
        )
        .await
        .expect_err("no id");
    assert_eq!(
        summaries(&err),
        [("id".into(), "Missing identity attribute".into())]
    );
    let err = h
        .core
        .import_resource_state(THING, ImportRequest::Id("nope".into()))
        .await
        .expect_err("missing");
    assert_eq!(err.0[0].summary, "Cannot import");
}

#[tokio::test]
async fn generated_config_is_what_a_user_writes() {
    let h = Harness::new().await;
    let created = h
        .create(&config(&[
            ("name", Value::string("a")),
            ("kind", Value::string("plain")),
        ]))
        .await;
    let cfg = h
        .core
        .generate_resource_config(THING, &created.state)
        .expect("config");
    let set: Vec<&String> = cfg
        .as_map()
        .expect("object")
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k)
        .collect();
    // `kind` is its default, `id`/`writes`/`created` computed only: left out.
    assert_eq!(set, ["name", "size"]);
}

// ---------------------------------------------------------------------------------------------
// Validation

#[tokio::test]
async fn validation_errors_point_at_attributes() {
    let h = Harness::new().await;
    let d = h.core.validate_resource_config(
        THING,
        &config(&[("name", Value::string("bad")), ("size", Value::number(500))]),
        true,
    );
    let mut got = summaries(&d);
    got.sort();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "name");
    assert_eq!(got[1].0, "size");
    // Unknown values are not judged.
    let d = h
        .core
        .validate_resource_config(THING, &config(&[("name", Value::unknown())]), true);
    assert!(d.is_empty(), "{d:?}");
}

#[tokio::test]
async fn unknown_type_names_are_diagnostics() {
    let h = Harness::new().await;
    let d = h
        .core
        .validate_resource_config("sdktest_nothing", &Value::Null, true);
    assert_eq!(d.0[0].summary, "Unknown resource type");
    let err = h
        .core
        .plan_resource_change(
            "sdktest_nothing",
            PlanRequest {
                prior: Value::Null,
                proposed: Value::Null,
                config: Value::Null,
                prior_private: Vec::new(),
            },
        )
        .await
        .expect_err("unknown");
    assert_eq!(err.0[0].summary, "Unknown resource type");
    let err = h
        .core
        .read_data_source("sdktest_nothing", &Value::Null)
        .await
        .expect_err("unknown");
    assert_eq!(err.0[0].summary, "Unknown data source type");
}

// ---------------------------------------------------------------------------------------------
// Data sources, actions, lists

#[tokio::test]
async fn data_source_reads_and_reports_a_missing_object_on_its_id() {
    let h = Harness::new().await;
    let created = h.create(&config(&[("name", Value::string("a"))])).await;
    let id = attr(&created.state, "id").clone();
    let query =
        |id: Value| Value::object([("id", id), ("name", Value::Null), ("size", Value::Null)]);
    let (v, d) = h
        .core
        .read_data_source(THING, &query(id.clone()))
        .await
        .expect("read");
    assert!(d.is_empty());
    assert_eq!(
        v,
        Value::object([
            ("id", id),
            ("name", Value::string("a")),
            ("size", Value::number(3))
        ])
    );
    let err = h
        .core
        .read_data_source(THING, &query(Value::string("nope")))
        .await
        .expect_err("missing");
    assert_eq!(summaries(&err), [("id".into(), "Not found".into())]);
}

#[tokio::test]
async fn actions_report_progress_then_complete_or_fail() {
    let h = Harness::new().await;
    for (message, fail) in [("hello", false), ("boom", true)] {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let config = Value::object([
            ("message", Value::string(message)),
            ("fail", Value::bool(fail)),
        ]);
        let d = h
            .core
            .invoke_action("sdktest_touch", &config, ActionRun { progress: tx })
            .await;
        let mut progress = Vec::new();
        while let Ok(m) = rx.try_recv() {
            progress.push(m);
        }
        assert_eq!(
            progress,
            (1..=3)
                .map(|s| format!("step {s}: {message}"))
                .collect::<Vec<_>>()
        );
        assert_eq!(d.has_errors(), fail, "{d:?}");
    }
    assert_eq!(h.file("touched.log"), "hello\nboom\n");
}

#[tokio::test]
async fn list_filters_limits_and_carries_identity() {
    let h = Harness::new().await;
    for name in ["alpha", "beta", "beta2"] {
        h.create(&config(&[("name", Value::string(name))])).await;
    }
    let filter = Value::object([("prefix", Value::string("beta"))]);
    let found = h.core.list_resource(THING, &filter, 0).await.expect("list");
    let mut names: Vec<&str> = found.iter().map(|l| l.display_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["beta", "beta2"]);
    for l in &found {
        assert_eq!(
            l.identity,
            Some(Value::object([("id", attr(&l.state, "id").clone())]))
        );
    }
    let one = h.core.list_resource(THING, &filter, 1).await.expect("list");
    assert_eq!(one.len(), 1, "limit");
}
