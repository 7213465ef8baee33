//! Pure parts of `agent37_instance_file`: the configured bytes, their hash (known at plan), the
//! plan's decision, API stats → state, import ids.

use sha2::{Digest, Sha256};

use crate::api::FileStat;
use crate::sdk::model::Attr;

use super::schema::{InstanceFile, decode_base64};

/// What the configuration says the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Known(Vec<u8>),
    /// Known only at apply (it depends on another resource).
    Unknown,
}

/// The exactly-one rule of `content` / `content_base64`, for validate.
pub fn exactly_one(config: &InstanceFile) -> Result<(), &'static str> {
    match (config.content.is_null(), config.content_base64.is_null()) {
        (false, false) => Err("set only one of `content` and `content_base64`"),
        (true, true) => Err("set one of `content` (text) and `content_base64` (binary)"),
        _ => Ok(()),
    }
}

/// The configured content (write-only values: only the configuration has them).
pub fn content(config: &InstanceFile) -> Result<Content, String> {
    exactly_one(config).map_err(str::to_string)?;
    match (&config.content, &config.content_base64) {
        (Attr::Known(text), _) => Ok(Content::Known(text.clone().into_bytes())),
        (_, Attr::Known(b64)) => decode_base64(b64).map(Content::Known),
        _ => Ok(Content::Unknown),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Sets what the plan knows: the configured content's hash and size (unknown when the content
/// is), and `modified` unknown when the file will be written (created, or its hash differs
/// from the prior state's, which a refresh set from the instance).
pub fn plan(prior: Option<&InstanceFile>, config: &InstanceFile, planned: &mut InstanceFile) {
    match content(config) {
        Ok(Content::Known(bytes)) => {
            planned.sha256 = sha256_hex(&bytes).into();
            planned.size = i64::try_from(bytes.len()).unwrap_or(i64::MAX).into();
        }
        // Unknown content, or a rule validate reported already.
        _ => {
            planned.sha256 = Attr::unknown();
            planned.size = Attr::unknown();
        }
    }
    let writes = match prior {
        None => true,
        Some(p) => planned.sha256.as_str().is_none() || planned.sha256 != p.sha256,
    };
    planned.modified = if writes {
        Attr::unknown()
    } else {
        prior.map(|p| p.modified.clone()).unwrap_or_default()
    };
}

/// The state for the file the plane describes; `form` (planned or prior) keeps `timeouts`.
pub fn state(stat: &FileStat, instance_id: &str, path: &str, form: &InstanceFile) -> InstanceFile {
    InstanceFile {
        instance_id: instance_id.into(),
        path: path.into(),
        content: Attr::Null,
        content_base64: Attr::Null,
        sha256: stat.sha256.clone().into(),
        size: i64::try_from(stat.size).unwrap_or(i64::MAX).into(),
        modified: stat.modified.into(),
        timeouts: form.timeouts.clone(),
    }
}

/// Whether the file on the instance is not what the state recorded (written since, by hand or
/// by the agent): its modification time or its hash moved.
pub fn drifted(stat: &FileStat, s: &InstanceFile) -> bool {
    s.modified.get() != Some(stat.modified) || s.sha256.as_str() != Some(stat.sha256.as_str())
}

/// `<instance_id>/<path>` (the path may hold `/`: the id is cut at the first one).
pub fn import_id(instance_id: &str, path: &str) -> String {
    format!("{instance_id}/{path}")
}

pub fn split_import_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(i, p)| !i.is_empty() && !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;

    use super::super::schema;

    fn cfg(content: Option<&str>, b64: Option<&str>) -> InstanceFile {
        InstanceFile {
            instance_id: "abc123defg".into(),
            path: "skills/a.md".into(),
            content: Attr::from_option(content.map(str::to_string)),
            content_base64: Attr::from_option(b64.map(str::to_string)),
            ..InstanceFile::default()
        }
    }

    const HI: &str = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";

    #[test]
    fn one_content_of_either_form() {
        assert_eq!(
            content(&cfg(Some("hi"), None)),
            Ok(Content::Known(b"hi".to_vec()))
        );
        assert_eq!(
            content(&cfg(None, Some("aGk="))),
            Ok(Content::Known(b"hi".to_vec()))
        );
        assert!(exactly_one(&cfg(Some("a"), Some("YQ=="))).is_err());
        assert!(exactly_one(&cfg(None, None)).is_err());
        let unknown = InstanceFile {
            content: Attr::unknown(),
            ..cfg(None, None)
        };
        assert_eq!(content(&unknown), Ok(Content::Unknown));
    }

    #[test]
    fn the_plan_writes_only_what_differs() {
        let c = cfg(Some("hi"), None);
        let mut planned = c.clone();
        plan(None, &c, &mut planned);
        assert_eq!(
            (planned.sha256.as_str(), planned.size.get()),
            (Some(HI), Some(2))
        );
        assert!(planned.modified.is_unknown());

        let prior = InstanceFile {
            sha256: HI.into(),
            size: 2.into(),
            modified: 100.into(),
            ..cfg(None, None)
        };
        // The same content in either form: nothing to write.
        for c in [cfg(Some("hi"), None), cfg(None, Some("aGk="))] {
            let mut planned = prior.clone();
            plan(Some(&prior), &c, &mut planned);
            assert_eq!(planned, prior);
        }
        // Changed here, or there (a refresh put the instance's hash in the prior state).
        let mut planned = prior.clone();
        plan(Some(&prior), &cfg(Some("ho"), None), &mut planned);
        assert!(planned.modified.is_unknown());
        assert_ne!(planned.sha256, prior.sha256);
    }

    #[test]
    fn drift_and_state() {
        let stat = FileStat {
            path: "skills/a.md".into(),
            size: 2,
            sha256: HI.into(),
            modified: 100,
        };
        let s = state(&stat, "abc123defg", "skills/a.md", &InstanceFile::default());
        assert!(!drifted(&stat, &s));
        assert!(drifted(
            &FileStat {
                modified: 101,
                ..stat.clone()
            },
            &s
        ));
        assert!(drifted(
            &FileStat {
                sha256: "x".into(),
                ..stat.clone()
            },
            &s
        ));
        conforms(&s.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_file: {e}"));
    }

    #[test]
    fn import_ids_cut_at_the_first_slash() {
        assert_eq!(
            split_import_id("abc123defg/skills/a.md"),
            Some(("abc123defg", "skills/a.md"))
        );
        assert_eq!(split_import_id("abc123defg"), None);
        assert_eq!(split_import_id("/a"), None);
        assert_eq!(split_import_id("abc123defg/"), None);
        assert_eq!(
            import_id("abc123defg", "skills/a.md"),
            "abc123defg/skills/a.md"
        );
    }
}
