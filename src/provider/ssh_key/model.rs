//! Pure parts of `agent37_ssh_key`: API keys → models, the create body, and the plan (what
//! follows from the key at plan time, and when a new key replaces the old one).

use crate::api::{self, CreateSshKey};
use crate::sdk::model::Attr;

use super::key;
use super::schema::{NAME_MAX_CHARS, SshKey, SshKeyData, SshKeyItem};

/// The resource's state from the API's key; `timeouts` comes from `form` (the planned or prior
/// state). `public_key` is write-only: the SDK keeps it null.
pub fn resource_state(k: &api::SshKey, form: &SshKey) -> SshKey {
    SshKey {
        public_key: Attr::Null,
        name: Attr::from_option(k.name.clone()),
        id: k.id.clone().into(),
        fingerprint: k.fingerprint.clone().into(),
        key_type: k.key_type.clone().into(),
        created: k.created.into(),
        timeouts: form.timeouts.clone(),
    }
}

pub fn item(k: &api::SshKey) -> SshKeyItem {
    SshKeyItem {
        id: k.id.clone().into(),
        name: Attr::from_option(k.name.clone()),
        fingerprint: k.fingerprint.clone().into(),
        key_type: k.key_type.clone().into(),
        created: k.created.into(),
    }
}

/// The data source's result: every field of the key found.
pub fn data(k: &api::SshKey) -> SshKeyData {
    SshKeyData {
        id: k.id.clone().into(),
        name: Attr::from_option(k.name.clone()),
        fingerprint: k.fingerprint.clone().into(),
        key_type: k.key_type.clone().into(),
        created: k.created.into(),
    }
}

/// The name the API gives a key created without one: its comment, when the contract's length
/// allows it; a longer comment is the server's to shorten or drop (unknown until then).
fn default_name(comment: Option<&str>) -> Attr<String> {
    match comment {
        None => Attr::Null,
        Some(c) if c.chars().count() <= NAME_MAX_CHARS => c.into(),
        Some(_) => Attr::unknown(),
    }
}

/// Plans a key: on create, the fingerprint, the type and a default name follow from the
/// configured key; on update, a key with another fingerprint replaces the resource (returned
/// `true`: the replacement is marked on `fingerprint`, since the write-only key itself is never
/// in state). An unknown key is a possible new key.
pub fn plan(prior: Option<&SshKey>, config: &SshKey, planned: &mut SshKey) -> bool {
    let parsed = match &config.public_key {
        Attr::Known(text) => key::parse(text).ok(),
        _ => None,
    };
    let (fingerprint, key_type) = match &parsed {
        Some(k) => (Attr::from(k.fingerprint.clone()), Attr::from(k.key_type)),
        None => (Attr::unknown(), Attr::unknown()),
    };
    let Some(prior) = prior else {
        planned.fingerprint = fingerprint;
        planned.key_type = key_type;
        if config.name.is_null() {
            planned.name = match &parsed {
                Some(k) => default_name(k.comment.as_deref()),
                None => Attr::unknown(),
            };
        }
        return false;
    };
    if fingerprint.is_known() && fingerprint == prior.fingerprint {
        return false;
    }
    planned.fingerprint = fingerprint;
    planned.key_type = key_type;
    true
}

/// `POST /ssh-keys` from the configuration (the key is write-only, so it is only there), with
/// the key's fingerprint, which resolves a retried create. A name the configuration leaves out
/// is the server's default (the comment): it is not sent.
pub fn create_body(config: &SshKey) -> Result<(CreateSshKey, String), String> {
    let text = config
        .public_key
        .as_str()
        .ok_or("public_key is not a known string")?;
    let parsed = key::parse(text).map_err(|p| format!("public_key: {}", p.text()))?;
    Ok((
        CreateSshKey {
            public_key: parsed.line,
            name: config.name.as_str().map(str::to_string),
        },
        parsed.fingerprint,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;
    use crate::sdk::timeouts::Timeouts;

    use super::super::key::tests::ed25519;
    use super::super::schema::{self, SshKeysData};

    fn api_key(name: Option<&str>) -> api::SshKey {
        api::SshKey {
            id: "703eda28a72967dcfa7ba935".into(),
            name: name.map(str::to_string),
            fingerprint: "SHA256:x".into(),
            key_type: "ssh-ed25519".into(),
            created: 1786000900,
        }
    }

    fn config(line: &str, name: Option<&str>) -> SshKey {
        SshKey {
            public_key: line.into(),
            name: Attr::from_option(name.map(str::to_string)),
            ..SshKey::default()
        }
    }

    #[test]
    fn a_create_plans_what_follows_from_the_key() {
        let line = ed25519(1, "ci-runner");
        let parsed = key::parse(&line).expect("parses");
        let cfg = config(&line, None);
        let mut planned = SshKey {
            name: Attr::unknown(),
            fingerprint: Attr::unknown(),
            key_type: Attr::unknown(),
            ..cfg.clone()
        };
        assert!(!plan(None, &cfg, &mut planned));
        assert_eq!(
            planned.fingerprint.as_str(),
            Some(parsed.fingerprint.as_str())
        );
        assert_eq!(planned.key_type.as_str(), Some("ssh-ed25519"));
        assert_eq!(planned.name.as_str(), Some("ci-runner"));

        // No comment: no name; a comment too long for a name: the server decides.
        let mut bare = SshKey::default();
        plan(None, &config(&ed25519(1, ""), None), &mut bare);
        assert_eq!(bare.name, Attr::Null);
        let mut long = SshKey::default();
        plan(None, &config(&ed25519(1, &"c".repeat(65)), None), &mut long);
        assert!(long.name.is_unknown());

        // A configured name stays as configured.
        let named = config(&line, Some("mine"));
        let mut planned = named.clone();
        plan(None, &named, &mut planned);
        assert_eq!(planned.name.as_str(), Some("mine"));

        // An unknown key: everything it decides is unknown.
        let unknown = SshKey {
            public_key: Attr::unknown(),
            ..SshKey::default()
        };
        let mut planned = SshKey::default();
        plan(None, &unknown, &mut planned);
        assert!(planned.fingerprint.is_unknown() && planned.name.is_unknown());
    }

    #[test]
    fn another_key_replaces_the_same_key_does_not() {
        let line = ed25519(1, "ci");
        let fp = key::parse(&line).expect("parses").fingerprint;
        let prior = SshKey {
            id: "k".into(),
            fingerprint: fp.clone().into(),
            key_type: "ssh-ed25519".into(),
            name: "ci".into(),
            ..SshKey::default()
        };
        // The same key (e.g. after an import, whose state has no key text): nothing to do.
        let mut planned = prior.clone();
        assert!(!plan(Some(&prior), &config(&line, None), &mut planned));
        assert_eq!(planned, prior);

        let other = ed25519(2, "ci");
        let mut planned = prior.clone();
        assert!(plan(Some(&prior), &config(&other, None), &mut planned));
        assert_eq!(
            planned.fingerprint.as_str(),
            Some(key::parse(&other).expect("parses").fingerprint.as_str())
        );

        let mut planned = prior.clone();
        let unknown = SshKey {
            public_key: Attr::unknown(),
            ..SshKey::default()
        };
        assert!(plan(Some(&prior), &unknown, &mut planned));
        assert!(planned.fingerprint.is_unknown());
    }

    #[test]
    fn the_body_sends_the_trimmed_line_and_only_a_configured_name() {
        let line = ed25519(3, "laptop");
        let (body, fp) = create_body(&config(&format!("{line}\n"), None)).expect("body");
        assert_eq!(body.public_key, line);
        assert_eq!(body.name, None);
        assert!(fp.starts_with("SHA256:"));
        let (named, _) = create_body(&config(&line, Some("ci"))).expect("body");
        assert_eq!(named.name.as_deref(), Some("ci"));
        assert!(create_body(&config("nope", None)).is_err());
    }

    /// The resource's state, each data source's result and the list filter have exactly their
    /// schemas' shapes.
    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        let k = api_key(Some("ci"));
        let state = resource_state(
            &k,
            &SshKey {
                timeouts: Timeouts::default(),
                ..SshKey::default()
            },
        );
        conforms(&state.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_ssh_key: {e}"));
        conforms(
            &data(&k).to_value(),
            &schema::data_source_one().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_ssh_key (data source): {e}"));
        let all = SshKeysData {
            keys: Attr::Known(vec![item(&k), item(&api_key(None))]),
            ids: Attr::Known(vec![k.id.clone()]),
        };
        conforms(&all.to_value(), &schema::data_source_all().value_type())
            .unwrap_or_else(|e| panic!("agent37_ssh_keys: {e}"));
    }
}
