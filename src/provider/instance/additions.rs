//! What API revision 2026-08-21 adds to `agent37_instance` (provider-spec-2026-08 §3): the
//! environment (`env_wo` + `env_wo_version`, or the sensitive `env`), `type`, auto-sleep, and
//! the new read-only fields. Kept apart from the rest of the instance's model: a flattened
//! part of its state, with its own validators, plan decisions and API ↔ state conversions
//! (pure, unit-tested below).
//!
//! Against 2026-06-25 nothing here changes an existing state: the computed fields read as null
//! (that revision has none of them) and the optional ones keep their prior value when left out
//! of the configuration; setting one of them is refused at plan (see [`newer_only`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::api::{self, ApiRevision, CreateInstance, PatchInstance};
use crate::sdk::model::Attr;
use crate::sdk::validate::{IntRange, OneOf, check};
use crate::sdk::{Model, Value};

pub const DEDICATED: &str = "dedicated";
pub const SHARED: &str = "shared";

/// At most this many environment variables (the API's rule).
pub const ENV_MAX_ENTRIES: usize = 32;
/// Each value at most this many characters (the API's rule).
pub const ENV_VALUE_MAX_CHARS: usize = 4096;
/// Names the platform sets itself; the API refuses them (hosting-api-2026-08 §2.4).
pub const RESERVED_ENV: &[&str] = &[
    "AGENT37_INSTANCE_ID",
    "AGENT37_RUNTIME_IMAGE_REF",
    "AGENT37_AGENT_TYPE",
    "AGENT37_GATEWAY_PORT",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_CONTROL_UI_INSTANCE_ORIGIN",
];
pub const IDLE_MIN_SECONDS: i64 = 60;
pub const IDLE_MAX_SECONDS: i64 = 86_400;

/// Environment variables as configured (`map(string)`; a configuration may hold a null).
pub type EnvMap = BTreeMap<String, Option<String>>;

const ENV_RULE: &str = "At most 32 variables; names match `^[A-Z][A-Z0-9_]*$` and are not reserved by the platform (`AGENT37_INSTANCE_ID`, `AGENT37_RUNTIME_IMAGE_REF`, `AGENT37_AGENT_TYPE`, `AGENT37_GATEWAY_PORT`, `OPENCLAW_GATEWAY_PORT`, `OPENCLAW_CONTROL_UI_INSTANCE_ORIGIN`); values are strings of at most 4096 characters.";

const ENV_WO_DOC: &str = "Environment variables of the instance (API revision 2026-08-21), **write-only** (Terraform 1.11 and later): sent once, when the instance is created, and never stored in the plan or state (the API never returns them either). The platform keeps them immutable and applies them at every boot. Terraform cannot see a change of a write-only value: change `env_wo_version` to have the instance replaced with the new values. At most 32 variables; names match `^[A-Z][A-Z0-9_]*$` (the platform's own names, such as `AGENT37_INSTANCE_ID`, are refused); values at most 4096 characters. Conflicts with `env`.";
const ENV_WO_VERSION_DOC: &str = "Any string you change when `env_wo` changes: a different value replaces the instance, which is created with the current `env_wo` (the API's environment is immutable). After an import, the first value configured is adopted without a replacement.";
const ENV_DOC: &str = "Environment variables of the instance (API revision 2026-08-21), for Terraform older than 1.11: the same rules as `env_wo`, but the values are kept in the state (marked sensitive). Prefer `env_wo` on Terraform 1.11 and later. Sent only at create: a change replaces the instance. After an import (the API never returns the variables), the first value configured is adopted without a replacement. Conflicts with `env_wo`.";
const AUTO_SLEEP_DOC: &str = "API revision 2026-08-21: when true, the instance goes to sleep after `idle_timeout_seconds` without traffic through its URLs (compute released, disk kept and billed) and wakes on the next request or a start; it reads as `state = \"running\"` throughout, `status` shows `sleeping`. Changed in place. Default (and left out): the instance's current setting, `false` for a new instance.";
const IDLE_DOC: &str = "API revision 2026-08-21: seconds without traffic before an `auto_sleep` instance sleeps, 60–86400 (accepted even while `auto_sleep` is false). Changed in place. Default (and left out): the instance's current setting, 300 for a new instance.";
const TYPE_DOC: &str = "API revision 2026-08-21: `\"dedicated\"` (default) or `\"shared\"` (needs shared instances enabled for the workspace). A change replaces the instance. The API never returns it: the state keeps the configured value (an imported instance adopts the configured value without a replacement).";

/// A map that is a valid environment for the API (known entries only; partly unknown maps are
/// checked as far as they are known). Errors name variables, never values.
pub fn check_env(v: &Value) -> Result<(), String> {
    let Some(map) = v.as_map() else {
        return Ok(());
    };
    let mut problems = Vec::new();
    if map.len() > ENV_MAX_ENTRIES {
        problems.push(format!(
            "it has {} variables; at most {ENV_MAX_ENTRIES} are allowed",
            map.len()
        ));
    }
    for (name, value) in map {
        if let Err(e) = check_env_name(name) {
            problems.push(e);
        }
        match value {
            Value::Null => {
                problems.push(format!("{name} is null; give it a string or leave it out"))
            }
            v => {
                if let Some(s) = v.as_str()
                    && s.chars().count() > ENV_VALUE_MAX_CHARS
                {
                    problems.push(format!(
                        "the value of {name} is longer than {ENV_VALUE_MAX_CHARS} characters"
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(format!(
            "{name:?} is not a variable name: an uppercase letter, then uppercase letters, digits or underscores"
        ));
    }
    if RESERVED_ENV.contains(&name) {
        return Err(format!("{name} is set by the platform and cannot be given"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The state
// ---------------------------------------------------------------------------------------------

/// Why the latest lifecycle operation failed (API revision 2026-08-21).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct StatusReason {
    #[attr(
        computed,
        describe = "The API's error code, such as `provisioning_failed`."
    )]
    pub code: Attr<String>,
    #[attr(computed, describe = "The API's message.")]
    pub message: Attr<String>,
    #[attr(
        computed,
        describe = "The container console's last lines, when the platform has them."
    )]
    pub detail: Attr<String>,
    #[attr(
        computed,
        describe = "The operation that failed: `create`, `start`, `stop`, `restart`, `update`, `resize` or `wake`."
    )]
    pub operation: Attr<String>,
    #[attr(computed, describe = "When it failed (epoch seconds).")]
    pub at: Attr<i64>,
}

/// One public port of the instance, as the instance reads it.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct PublicPortEntry {
    #[attr(computed, describe = "The port inside the instance.")]
    pub port: Attr<i64>,
    #[attr(computed, describe = "Its public URL.")]
    pub url: Attr<String>,
    #[attr(computed, describe = "The same under each active custom domain.")]
    pub domain_urls: Attr<Vec<String>>,
    #[attr(computed, describe = "Its host prefix, or null (a minted slug).")]
    pub prefix: Attr<String>,
    #[attr(computed, describe = "Its label.")]
    pub label: Attr<String>,
    #[attr(computed, describe = "Creation time (epoch seconds).")]
    pub created: Attr<i64>,
}

/// The part of `agent37_instance`'s state that API revision 2026-08-21 adds (flattened into
/// [`Instance`](super::model::Instance)). `Debug` leaves the environment's values out.
#[derive(Clone, Default, PartialEq, Model)]
pub struct Additions {
    #[attr(optional, write_only, describe = ENV_WO_DOC, validate = check(ENV_RULE, check_env))]
    pub env_wo: Attr<EnvMap>,
    #[attr(optional, describe = ENV_WO_VERSION_DOC)]
    pub env_wo_version: Attr<String>,
    #[attr(optional, sensitive, describe = ENV_DOC, validate = check(ENV_RULE, check_env))]
    pub env: Attr<EnvMap>,
    #[attr(optional, computed, describe = AUTO_SLEEP_DOC)]
    pub auto_sleep: Attr<bool>,
    #[attr(
        optional,
        computed,
        describe = IDLE_DOC,
        validate = IntRange::between(IDLE_MIN_SECONDS, IDLE_MAX_SECONDS)
    )]
    pub idle_timeout_seconds: Attr<i64>,
    #[attr(name = "type", optional, computed, describe = TYPE_DOC, validate = OneOf(&[DEDICATED, SHARED]))]
    pub kind: Attr<String>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: `url` under each active custom domain of the workspace, oldest domain first. Null on 2026-06-25."
    )]
    pub domain_urls: Attr<Vec<String>>,
    #[attr(
        computed,
        sensitive,
        describe = "API revision 2026-08-21: the instance's public ports (`agent37_instance_public_port`). Sensitive: a port without a prefix is reached at a minted slug URL, which is its only credential. Null on 2026-06-25."
    )]
    pub public_ports: Attr<Vec<PublicPortEntry>>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: why the latest lifecycle operation failed (null when it succeeded): `code`, `message`, `detail` (the console's last lines), `operation`, `at`."
    )]
    pub status_reason: Attr<StatusReason>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: the workspace template revision the instance runs (null for system templates, and for instances older than revisions, which count as 1)."
    )]
    pub template_revision: Attr<i64>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: `sha256:` and the digest of the image the instance runs (null on instances older than digest pinning)."
    )]
    pub image_digest: Attr<String>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: when the instance fell asleep (epoch seconds), while it is `sleeping` or `waking`; else null."
    )]
    pub slept_at: Attr<i64>,
}

impl fmt::Debug for Additions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |a: &Attr<EnvMap>| match a {
            Attr::Known(m) => format!("{:?}", m.keys().collect::<Vec<_>>()),
            Attr::Null => "null".into(),
            Attr::Unknown(_) => "unknown".into(),
        };
        f.debug_struct("Additions")
            .field("env_wo", &redacted(&self.env_wo))
            .field("env_wo_version", &self.env_wo_version)
            .field("env", &redacted(&self.env))
            .field("auto_sleep", &self.auto_sleep)
            .field("idle_timeout_seconds", &self.idle_timeout_seconds)
            .field("type", &self.kind)
            .field("domain_urls", &self.domain_urls)
            .field("public_ports", &"[redacted]")
            .field("status_reason", &self.status_reason)
            .field("template_revision", &self.template_revision)
            .field("image_digest", &self.image_digest)
            .field("slept_at", &self.slept_at)
            .finish()
    }
}

impl Additions {
    /// The state for `inst`; `base` (prior or planned) supplies what the API never returns
    /// (`env`, `env_wo_version`, `type`). A 2026-06-25 instance has none of the read-only
    /// fields: they stay null, so an existing state shows no change.
    pub fn from_api(inst: &api::Instance, base: &Additions) -> Additions {
        let newer = inst.url.is_some();
        Additions {
            env_wo: Attr::Null,
            env_wo_version: base.env_wo_version.clone(),
            env: base.env.clone(),
            auto_sleep: Attr::from_option(inst.auto_sleep),
            idle_timeout_seconds: Attr::from_option(inst.idle_timeout_seconds),
            kind: base.kind.clone(),
            domain_urls: Attr::from_option(newer.then(|| inst.domain_urls.clone())),
            public_ports: Attr::from_option(
                newer.then(|| inst.public_ports.iter().map(public_port).collect()),
            ),
            status_reason: Attr::from_option(inst.status_reason.as_ref().map(status_reason)),
            template_revision: Attr::from_option(inst.template_revision),
            image_digest: Attr::from_option(inst.image_digest.clone()),
            slept_at: Attr::from_option(inst.slept_at),
        }
    }

    /// Adds what is set to the create body. `config` carries `env_wo` (write-only values are
    /// in the configuration only); `self` is the planned state.
    pub fn fill_create(&self, config: &Additions, body: &mut CreateInstance) {
        let env = config.env_wo.known().or(self.env.known());
        body.env = env.map(|m| {
            api::Env(
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                    .collect(),
            )
        });
        // Only what the configuration set: a 2026-06-25 create sends nothing new.
        body.kind = config.kind.known().cloned();
        body.auto_sleep = config.auto_sleep.get();
        body.idle_timeout_seconds = config.idle_timeout_seconds.get();
    }

    /// The PATCH of an in-place change of `auto_sleep` / `idle_timeout_seconds` (empty when
    /// neither changes).
    pub fn patch(prior: &Additions, planned: &Additions) -> PatchInstance {
        let changed = |new: Option<i64>, old: Option<i64>| new.filter(|_| new != old);
        PatchInstance {
            auto_sleep: planned
                .auto_sleep
                .get()
                .filter(|_| planned.auto_sleep != prior.auto_sleep),
            idle_timeout_seconds: changed(
                planned.idle_timeout_seconds.get(),
                prior.idle_timeout_seconds.get(),
            ),
            ..PatchInstance::default()
        }
    }

    /// The attribute the PATCH of [`Additions::patch`] is blamed on when it fails.
    pub fn patch_blame(prior: &Additions, planned: &Additions) -> &'static str {
        if planned.auto_sleep != prior.auto_sleep {
            Additions::AUTO_SLEEP
        } else {
            Additions::IDLE_TIMEOUT_SECONDS
        }
    }
}

fn status_reason(r: &api::StatusReason) -> StatusReason {
    StatusReason {
        code: r.code.clone().into(),
        message: r.message.clone().into(),
        detail: Attr::from_option(r.detail.clone()),
        operation: Attr::from_option(r.operation.clone()),
        at: Attr::from_option(r.at),
    }
}

fn public_port(p: &api::PublicPort) -> PublicPortEntry {
    PublicPortEntry {
        port: i64::from(p.port).into(),
        url: p.url.clone().into(),
        domain_urls: p.domain_urls.clone().into(),
        prefix: Attr::from_option(p.prefix.clone()),
        label: Attr::from_option(p.label.clone()),
        created: p.created.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation and planning
// ---------------------------------------------------------------------------------------------

/// `env` and `env_wo` are two ways to give the same thing: the error of both set, if any.
pub fn conflict(config: &Additions) -> Option<(&'static str, String)> {
    (!config.env.is_null() && !config.env_wo.is_null()).then(|| {
        (
            Additions::ENV_WO,
            "`env_wo` and `env` both give the instance's environment: set only one (`env_wo` on Terraform 1.11 and later, `env` before)."
                .to_string(),
        )
    })
}

/// What the plan of these attributes decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// Attributes whose change replaces the instance.
    pub replace: Vec<&'static str>,
    /// Attributes about to be sent that only API revision 2026-08-21 honours.
    pub newer_only: Vec<&'static str>,
}

/// Plans the additions (pure). `prior` is `None` on create; `replacing` is true when another
/// attribute already replaces the instance (its create half sends everything configured).
///
/// - `type` defaults to `dedicated` at create; a prior null (an import: the API never tells)
///   adopts the configured value, as do `env` and `env_wo_version`; otherwise a change of any
///   of the three replaces the instance.
/// - `auto_sleep`, `idle_timeout_seconds`: in place.
pub fn plan(
    prior: Option<&Additions>,
    config: &Additions,
    planned: &mut Additions,
    replacing: bool,
) -> Decision {
    let mut d = Decision::default();
    let Some(prior) = prior else {
        if config.kind.is_null() {
            planned.kind = DEDICATED.into();
        }
        d.newer_only = configured(config);
        return d;
    };
    let imported = prior.kind.is_null();
    if !imported {
        if !planned.kind.is_null() && planned.kind != prior.kind {
            d.replace.push(Additions::TYPE);
        }
        if planned.env != prior.env {
            d.replace.push(Additions::ENV);
        }
        if planned.env_wo_version != prior.env_wo_version {
            d.replace.push(Additions::ENV_WO_VERSION);
        }
    }
    if replacing || !d.replace.is_empty() {
        d.newer_only = configured(config);
    } else {
        if !config.auto_sleep.is_null() && planned.auto_sleep != prior.auto_sleep {
            d.newer_only.push(Additions::AUTO_SLEEP);
        }
        if !config.idle_timeout_seconds.is_null()
            && planned.idle_timeout_seconds != prior.idle_timeout_seconds
        {
            d.newer_only.push(Additions::IDLE_TIMEOUT_SECONDS);
        }
    }
    d
}

/// The 2026-08-21-only arguments the configuration sets (all sent by a create).
fn configured(config: &Additions) -> Vec<&'static str> {
    [
        (Additions::ENV_WO, config.env_wo.is_null()),
        (Additions::ENV_WO_VERSION, config.env_wo_version.is_null()),
        (Additions::ENV, config.env.is_null()),
        (Additions::AUTO_SLEEP, config.auto_sleep.is_null()),
        (
            Additions::IDLE_TIMEOUT_SECONDS,
            config.idle_timeout_seconds.is_null(),
        ),
        (Additions::TYPE, config.kind.is_null()),
    ]
    .into_iter()
    .filter(|(_, null)| !null)
    .map(|(name, _)| name)
    .collect()
}

/// `-generate-config-out`: the API's own defaults (`auto_sleep = false`,
/// `idle_timeout_seconds = 300`) are left out of a generated configuration, like other
/// defaults, so that it stays valid against either revision.
pub fn trim_generated(config: &mut Value) {
    if let Value::Object(m) = config {
        for (name, default) in [
            (Additions::AUTO_SLEEP, Value::bool(false)),
            (Additions::IDLE_TIMEOUT_SECONDS, Value::number(300)),
        ] {
            if m.get(name) == Some(&default) {
                m.insert(name.into(), Value::Null);
            }
        }
    }
}

/// The revision these attributes need.
pub const NEEDED: ApiRevision = ApiRevision::R2026_08_21;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> Attr<EnvMap> {
        Attr::Known(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn env_rules_name_variables_never_values() {
        let ok = Value::map([
            ("API_TOKEN", Value::string("s3cret")),
            ("X1_", Value::unknown()),
        ]);
        assert!(check_env(&ok).is_ok());
        let e = check_env(&Value::map([("lower", Value::string("s3cret"))])).unwrap_err();
        assert!(
            e.contains("\"lower\" is not a variable name") && !e.contains("s3cret"),
            "{e}"
        );
        let e = check_env(&Value::map([("AGENT37_INSTANCE_ID", Value::string("x"))])).unwrap_err();
        assert!(e.contains("set by the platform"), "{e}");
        let long = "v".repeat(ENV_VALUE_MAX_CHARS + 1);
        let e = check_env(&Value::map([("BIG", Value::string(long.clone()))])).unwrap_err();
        assert!(
            e.contains("BIG is longer than 4096") || e.contains("value of BIG"),
            "{e}"
        );
        assert!(!e.contains(&long));
        let e = check_env(&Value::map([("N", Value::Null)])).unwrap_err();
        assert!(e.contains("N is null"), "{e}");
        let many: Vec<(String, Value)> = (0..=ENV_MAX_ENTRIES)
            .map(|i| (format!("V{i}"), Value::string("x")))
            .collect();
        let e = check_env(&Value::map(many)).unwrap_err();
        assert!(e.contains("33 variables"), "{e}");
        assert!(check_env(&Value::string("A")).is_ok());
    }

    #[test]
    fn debug_shows_names_only() {
        let a = Additions {
            env: env(&[("TOKEN", "s3cret")]),
            env_wo: env(&[("OTHER", "hidden")]),
            ..Additions::default()
        };
        let text = format!("{a:?}");
        assert!(text.contains("TOKEN") && !text.contains("s3cret") && !text.contains("hidden"));
        let body = api::Env([("TOKEN".to_string(), "s3cret".to_string())].into());
        assert!(!format!("{body:?}").contains("s3cret"));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"TOKEN": "s3cret"})
        );
    }

    #[test]
    fn create_sends_what_is_configured_and_env_wo_comes_from_the_configuration() {
        let config = Additions {
            env_wo: env(&[("TOKEN", "t")]),
            auto_sleep: true.into(),
            kind: SHARED.into(),
            ..Additions::default()
        };
        let mut planned = Additions {
            env_wo: Attr::Null,
            auto_sleep: true.into(),
            idle_timeout_seconds: Attr::unknown(),
            kind: SHARED.into(),
            ..Additions::default()
        };
        let d = plan(None, &config, &mut planned, false);
        assert_eq!(d.newer_only, ["env_wo", "auto_sleep", "type"]);
        assert_eq!(planned.kind.as_str(), Some(SHARED), "the configured type");
        let mut body = CreateInstance::default();
        planned.fill_create(&config, &mut body);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"env": {"TOKEN": "t"}, "type": "shared", "auto_sleep": true})
        );
        // Nothing configured: nothing new sent, `type` planned as the default.
        let mut planned = Additions {
            kind: Attr::unknown(),
            ..Additions::default()
        };
        let d = plan(None, &Additions::default(), &mut planned, false);
        assert!(d.newer_only.is_empty());
        assert_eq!(planned.kind.as_str(), Some(DEDICATED));
        let mut body = CreateInstance::default();
        planned.fill_create(&Additions::default(), &mut body);
        assert_eq!(serde_json::to_value(&body).unwrap(), json!({}));
    }

    #[test]
    fn env_type_and_version_replace_except_after_an_import() {
        let prior = Additions {
            kind: DEDICATED.into(),
            env: env(&[("A", "1")]),
            env_wo_version: "1".into(),
            auto_sleep: false.into(),
            idle_timeout_seconds: 300.into(),
            ..Additions::default()
        };
        let mut planned = Additions {
            env: env(&[("A", "2")]),
            env_wo_version: "2".into(),
            kind: SHARED.into(),
            ..prior.clone()
        };
        let d = plan(Some(&prior), &planned.clone(), &mut planned, false);
        assert_eq!(d.replace, ["type", "env", "env_wo_version"]);
        // The replacement's create sends every configured argument.
        assert_eq!(
            d.newer_only,
            [
                "env_wo_version",
                "env",
                "auto_sleep",
                "idle_timeout_seconds",
                "type"
            ]
        );

        // Imported: the API told neither: the configured values are adopted.
        let imported = Additions {
            kind: Attr::Null,
            env: Attr::Null,
            env_wo_version: Attr::Null,
            ..prior.clone()
        };
        let mut planned2 = planned.clone();
        let d = plan(Some(&imported), &planned.clone(), &mut planned2, false);
        assert!(d.replace.is_empty() && d.newer_only.is_empty(), "{d:?}");

        // Auto-sleep: in place, needing 2026-08-21 only when it changes.
        let config = Additions {
            auto_sleep: true.into(),
            ..Additions::default()
        };
        let mut planned = Additions {
            auto_sleep: true.into(),
            ..prior.clone()
        };
        let d = plan(Some(&prior), &config, &mut planned, false);
        assert!(d.replace.is_empty());
        assert_eq!(d.newer_only, ["auto_sleep"]);
        let p = Additions::patch(&prior, &planned);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"auto_sleep": true})
        );
        assert_eq!(Additions::patch_blame(&prior, &planned), "auto_sleep");
        assert!(Additions::patch(&prior, &prior).is_empty());
        // The same value as the state: nothing to send, nothing needed.
        let mut same = prior.clone();
        let d = plan(
            Some(&prior),
            &Additions {
                auto_sleep: false.into(),
                ..Additions::default()
            },
            &mut same,
            false,
        );
        assert_eq!(d, Decision::default());
    }

    #[test]
    fn a_2026_06_25_instance_has_null_new_fields_and_keeps_what_was_configured() {
        let base = Additions {
            env: env(&[("A", "1")]),
            env_wo: env(&[("B", "2")]),
            env_wo_version: "v1".into(),
            kind: SHARED.into(),
            ..Additions::default()
        };
        let old = super::super::model::tests::inst();
        let a = Additions::from_api(&old, &base);
        assert!(a.domain_urls.is_null() && a.public_ports.is_null() && a.auto_sleep.is_null());
        assert!(a.env_wo.is_null(), "write-only: never in state");
        assert_eq!(a.env, base.env);
        assert_eq!(a.kind.as_str(), Some(SHARED));
        assert_eq!(a.env_wo_version.as_str(), Some("v1"));

        let mut newer = super::super::model::tests::inst_2026_08_21("sleeping");
        newer.status_reason = Some(api::StatusReason {
            code: "wake_failed".into(),
            message: "m".into(),
            detail: None,
            operation: Some("wake".into()),
            at: Some(5),
        });
        newer.public_ports = serde_json::from_value(json!([{"port": 9100,
            "url": "https://hooks-abc123defg.agent37.app", "domain_urls": [], "prefix": "hooks",
            "label": null, "created": 7}]))
        .unwrap();
        let a = Additions::from_api(&newer, &base);
        assert_eq!(a.auto_sleep.get(), Some(true));
        assert_eq!(a.idle_timeout_seconds.get(), Some(900));
        assert_eq!(a.slept_at.get(), Some(1_786_004_800));
        assert_eq!(a.template_revision.get(), Some(3));
        assert_eq!(a.domain_urls, Attr::Known(vec![]));
        let ports = a.public_ports.known().expect("ports");
        assert_eq!(ports[0].prefix.as_str(), Some("hooks"));
        let reason = a.status_reason.known().expect("reason");
        assert_eq!(reason.operation.as_str(), Some("wake"));
        assert!(reason.detail.is_null());
    }

    #[test]
    fn generated_configuration_leaves_out_the_api_defaults() {
        let mut c = Value::object([
            ("auto_sleep", Value::bool(false)),
            ("idle_timeout_seconds", Value::number(300)),
        ]);
        trim_generated(&mut c);
        assert!(c.attr("auto_sleep").is_some_and(Value::is_null));
        assert!(c.attr("idle_timeout_seconds").is_some_and(Value::is_null));
        let mut c = Value::object([
            ("auto_sleep", Value::bool(true)),
            ("idle_timeout_seconds", Value::number(600)),
        ]);
        trim_generated(&mut c);
        assert_eq!(c.attr("auto_sleep"), Some(&Value::bool(true)));
    }

    #[test]
    fn env_and_env_wo_conflict() {
        let both = Additions {
            env: env(&[("A", "1")]),
            env_wo: env(&[("A", "1")]),
            ..Additions::default()
        };
        assert_eq!(conflict(&both).map(|c| c.0), Some("env_wo"));
        assert!(conflict(&Additions::default()).is_none());
    }
}
