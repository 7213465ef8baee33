//! Public ports of an instance (revision 2026-08-21, contract 7.1): a port reachable without a
//! key, on a server-minted slug host (the slug is the only credential) or on `{prefix}-{id}`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One public port. Without a prefix its URLs hold the slug, a bearer credential: `Debug`
/// leaves them out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPort {
    pub port: u16,
    pub url: String,
    #[serde(default)]
    pub domain_urls: Vec<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    /// The docs' instance page omits it: absent reads as null.
    #[serde(default)]
    pub label: Option<String>,
    pub created: i64,
}

impl PublicPort {
    /// Whether its URLs carry a minted slug (the credential) rather than `{prefix}-{id}`.
    pub fn url_is_secret(&self) -> bool {
        self.prefix.is_none()
    }
}

impl fmt::Debug for PublicPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (url, domain_urls): (&dyn fmt::Debug, &dyn fmt::Debug) = if self.url_is_secret() {
            (&"[redacted]", &"[redacted]")
        } else {
            (&self.url, &self.domain_urls)
        };
        f.debug_struct("PublicPort")
            .field("port", &self.port)
            .field("url", url)
            .field("domain_urls", domain_urls)
            .field("prefix", &self.prefix)
            .field("label", &self.label)
            .field("created", &self.created)
            .finish()
    }
}

/// Body of `POST /instances/{id}/public-ports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatePublicPort {
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl CreatePublicPort {
    /// Whether `p` is what this body made (after an ambiguous create answered
    /// `public_port_exists` on the retry). An empty label may come back as null.
    pub fn matches(&self, p: &PublicPort) -> bool {
        fn label(l: Option<&str>) -> Option<&str> {
            l.filter(|l| !l.is_empty())
        }
        p.port == self.port
            && p.prefix == self.prefix
            && label(p.label.as_deref()) == label(self.label.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn port(prefix: Option<&str>) -> PublicPort {
        serde_json::from_value(json!({
            "port": 9100, "url": "https://k2j4h6g8f0d1s3a5p7o9.agent37.app",
            "domain_urls": ["https://k2j4h6g8f0d1s3a5p7o9.bots-example.net"],
            "prefix": prefix, "created": 1786001200
        }))
        .expect("decodes")
    }

    #[test]
    fn decodes_without_a_label_and_hides_slug_urls() {
        let slug = port(None);
        assert_eq!(slug.label, None);
        let shown = format!("{slug:?}");
        assert!(!shown.contains("k2j4h6g8f0d1s3a5p7o9"), "{shown}");
        let prefixed = port(Some("hooks"));
        assert!(format!("{prefixed:?}").contains("k2j4h6g8f0d1s3a5p7o9"));
    }

    #[test]
    fn create_body_and_match() {
        let body = CreatePublicPort {
            port: 9100,
            prefix: None,
            label: Some(String::new()),
        };
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"port": 9100, "label": ""}))
        );
        assert!(body.matches(&port(None)));
        assert!(!body.matches(&port(Some("hooks"))));
        let other = CreatePublicPort { port: 9101, ..body };
        assert!(!other.matches(&port(None)));
    }
}
