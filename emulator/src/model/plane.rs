//! The instance plane's pure rules (8.3, section 6 of the 2026-08-21 delta): which host is a
//! plane host, what a label names, how a status answers, the health body, and the credential
//! kinds the traffic counters name.

use serde_json::{Value, json};

use super::ids::{Status, is_valid_instance_id};
use super::revision::Revision;

/// The label of a plane host: `{label}.{suffix}` with one DNS label before `suffix`
/// (the port and letter case ignored). `None` for any other host.
pub fn plane_label(host: &str, suffix: &str) -> Option<String> {
    let host = strip_port(host).to_ascii_lowercase();
    let label = host.strip_suffix(suffix)?.strip_suffix('.')?;
    (!label.is_empty() && !label.contains('.')).then(|| label.to_string())
}

/// `host` without a `:port` (IPv6 literals keep their brackets).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| &host[..=h.len()]);
    }
    host.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

/// `{label}.{domain}` split at the first dot, for the custom-domain mirror.
pub fn split_first_label(host: &str) -> Option<(String, String)> {
    let host = strip_port(host).to_ascii_lowercase();
    let (label, domain) = host.split_once('.')?;
    (!label.is_empty() && domain.contains('.')).then(|| (label.to_string(), domain.to_string()))
}

/// What a plane label names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// `{id}`: the instance's default port.
    Bare(String),
    /// `{id}-{port}`: a preview of any port.
    Preview(String, i64),
    /// `{prefix}-{id}`: a public port with a prefix.
    Prefixed(String, String),
    /// A 20-character minted public-port slug.
    Slug(String),
    Unknown,
}

fn is_slug(s: &str) -> bool {
    s.len() == 20
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Reads a label (lowercase). `{id}-{port}` and `{prefix}-{id}` cannot be confused: a port has
/// at most 5 digits, an id 10 characters.
pub fn parse_plane_label(label: &str) -> Label {
    if is_valid_instance_id(label) {
        return Label::Bare(label.to_string());
    }
    if is_slug(label) {
        return Label::Slug(label.to_string());
    }
    if let Some((id, port)) = label.split_at_checked(10)
        && is_valid_instance_id(id)
        && let Some(port) = port.strip_prefix('-')
        && (1..=5).contains(&port.len())
        && port.bytes().all(|c| c.is_ascii_digit())
        && let Ok(p) = port.parse::<i64>()
        && (1..=65_535).contains(&p)
    {
        return Label::Preview(id.to_string(), p);
    }
    if label.len() > 11
        && let Some((prefix, id)) = label.split_at_checked(label.len() - 10)
        && is_valid_instance_id(id)
        && let Some(prefix) = prefix.strip_suffix('-')
        && super::is_valid_prefix(prefix)
    {
        return Label::Prefixed(prefix.to_string(), id.to_string());
    }
    Label::Unknown
}

/// How the plane answers for an instance in some status, before the port is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Serve,
    /// A sleeper: woken, then answered (2026-08-21).
    Wake,
    /// A flat `{"error": code}` with this status.
    Refuse(u16, &'static str),
}

/// The status table of 8.3. `public`: a public-port host (stopped or suspended → 503
/// `unavailable`). `booting`: within the boot delay.
pub fn status_verdict(
    rev: Revision,
    status: Status,
    past_due: bool,
    booting: bool,
    public: bool,
) -> Verdict {
    if !rev.is_v2() {
        return match status {
            Status::Running if booting => Verdict::Refuse(503, "container_unavailable"),
            Status::Running => Verdict::Serve,
            Status::Deleted | Status::Deleting => Verdict::Refuse(404, "not_found"),
            _ => Verdict::Refuse(502, "container_unreachable"),
        };
    }
    if past_due && status != Status::Deleted {
        return if public {
            Verdict::Refuse(503, "unavailable")
        } else {
            Verdict::Refuse(402, "instance_suspended")
        };
    }
    match status {
        Status::Running if booting => Verdict::Refuse(502, "container_unreachable"),
        Status::Running => Verdict::Serve,
        Status::Sleeping => Verdict::Wake,
        Status::Stopped | Status::Stopping if public => Verdict::Refuse(503, "unavailable"),
        Status::Stopped | Status::Stopping => Verdict::Refuse(502, "container_unavailable"),
        Status::Failed | Status::Deleting | Status::Deleted => Verdict::Refuse(404, "not_found"),
        Status::Provisioning
        | Status::Starting
        | Status::Restarting
        | Status::Updating
        | Status::Waking => Verdict::Refuse(502, "container_unreachable"),
    }
}

/// The harnesses a gateway can probe.
pub const HARNESSES: [&str; 2] = ["hermes", "openclaw"];

/// The agent a 2026-08-21 instance's health names: workspace-template instances answer like an
/// image built on the Hermes base.
pub fn harness_of(agent: &str) -> &str {
    if HARNESSES.contains(&agent) {
        agent
    } else {
        "hermes"
    }
}

/// `GET …/v1/health`: 2026-06-25 `{ok, agent, healthy}`; 2026-08-21 adds `hermes` (when Hermes
/// is probed) and `?agent=` (empty = the instance's; another harness is `healthy: false`; an
/// unknown one `400 validation_error`).
pub fn health_body(rev: Revision, agent: &str, requested: Option<&str>) -> Result<Value, Value> {
    if !rev.is_v2() {
        return Ok(json!({"ok": true, "agent": agent, "healthy": true}));
    }
    let own = harness_of(agent);
    let probed = match requested.filter(|r| !r.is_empty()) {
        None => own,
        Some(r) => match HARNESSES.iter().find(|h| **h == r) {
            Some(h) => h,
            None => {
                return Err(json!({"error": {
                    "code": "validation_error",
                    "message": format!("agent must be one of {}", HARNESSES.join(", ")),
                }}));
            }
        },
    };
    let healthy = probed == own;
    let mut body = json!({"ok": true, "agent": probed, "healthy": healthy});
    if probed == "hermes"
        && let Some(m) = body.as_object_mut()
    {
        m.insert("hermes".into(), healthy.into());
    }
    Ok(body)
}

/// How a plane request authenticated (the traffic counters of 8.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// 2026-08-21 `X-Agent37-Key`.
    XAgent37Key,
    /// `Authorization: Bearer sk_live_…` under 2026-08-21 (still accepted, deprecated).
    DeprecatedBearer,
    /// `Authorization: Bearer` under 2026-06-25, the plane's only key header there.
    Bearer,
    SignedUrl,
    Cookie,
    /// A public-port host (the slug or prefix is the credential).
    Public,
}

impl Credential {
    pub const ALL: [Credential; 6] = [
        Credential::XAgent37Key,
        Credential::DeprecatedBearer,
        Credential::Bearer,
        Credential::SignedUrl,
        Credential::Cookie,
        Credential::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Credential::XAgent37Key => "x_agent37_key",
            Credential::DeprecatedBearer => "deprecated_bearer",
            Credential::Bearer => "bearer",
            Credential::SignedUrl => "signed_url",
            Credential::Cookie => "cookie",
            Credential::Public => "public",
        }
    }
}

/// `Authorization: Bearer sk_live_…`: the form the 2026-08-21 edge reads (and strips); other
/// `Authorization` values reach the instance.
pub fn bearer_api_key(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token.starts_with("sk_live_")).then_some(token)
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_labels() {
        assert_eq!(
            plane_label("Abcdefghij.LOCALHOST:8080", "localhost"),
            Some("abcdefghij".into())
        );
        assert_eq!(plane_label("localhost:8080", "localhost"), None);
        assert_eq!(plane_label("a.b.localhost", "localhost"), None);
        assert_eq!(plane_label("127.0.0.1:80", "localhost"), None);
        assert_eq!(plane_label("xlocalhost", "localhost"), None);
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(
            split_first_label("abcdefghij.bots-example.net:1"),
            Some(("abcdefghij".into(), "bots-example.net".into()))
        );
        assert_eq!(split_first_label("example.net"), None);
        assert_eq!(
            parse_plane_label("abcdefghij"),
            Label::Bare("abcdefghij".into())
        );
        assert_eq!(
            parse_plane_label("abcdefghij-9119"),
            Label::Preview("abcdefghij".into(), 9119)
        );
        assert_eq!(parse_plane_label("abcdefghij-0"), Label::Unknown);
        assert_eq!(parse_plane_label("abcdefghij-123456"), Label::Unknown);
        assert_eq!(
            parse_plane_label("hooks-abcdefghij"),
            Label::Prefixed("hooks".into(), "abcdefghij".into())
        );
        assert_eq!(
            parse_plane_label("k2j4h6g8f0d1s3a5p7o9"),
            Label::Slug("k2j4h6g8f0d1s3a5p7o9".into())
        );
        assert_eq!(parse_plane_label("-abcdefghij"), Label::Unknown);
        assert_eq!(parse_plane_label("www"), Label::Unknown);
    }

    #[test]
    fn the_status_table() {
        use Revision::*;
        use Verdict::*;
        let v = |rev, s, due, boot, public| status_verdict(rev, s, due, boot, public);
        assert_eq!(v(R20260625, Status::Running, false, false, false), Serve);
        assert_eq!(
            v(R20260625, Status::Running, false, true, false),
            Refuse(503, "container_unavailable")
        );
        assert_eq!(
            v(R20260625, Status::Stopped, false, false, false),
            Refuse(502, "container_unreachable")
        );
        assert_eq!(
            v(R20260625, Status::Failed, false, false, false),
            Refuse(502, "container_unreachable")
        );
        assert_eq!(
            v(R20260821, Status::Stopped, false, false, false),
            Refuse(502, "container_unavailable")
        );
        assert_eq!(
            v(R20260821, Status::Running, false, true, false),
            Refuse(502, "container_unreachable")
        );
        assert_eq!(
            v(R20260821, Status::Failed, false, false, false),
            Refuse(404, "not_found")
        );
        assert_eq!(v(R20260821, Status::Sleeping, false, false, false), Wake);
        assert_eq!(
            v(R20260821, Status::Sleeping, true, false, false),
            Refuse(402, "instance_suspended")
        );
        assert_eq!(
            v(R20260821, Status::Sleeping, true, false, true),
            Refuse(503, "unavailable")
        );
        assert_eq!(
            v(R20260821, Status::Stopped, false, false, true),
            Refuse(503, "unavailable")
        );
    }

    #[test]
    fn health_bodies() {
        let v1 = Revision::R20260625;
        let v2 = Revision::R20260821;
        assert_eq!(
            health_body(v1, "custom", Some("x")),
            Ok(json!({"ok": true, "agent": "custom", "healthy": true}))
        );
        assert_eq!(
            health_body(v2, "custom", None),
            Ok(json!({"ok": true, "agent": "hermes", "healthy": true, "hermes": true}))
        );
        assert_eq!(
            health_body(v2, "hermes", Some("openclaw")),
            Ok(json!({"ok": true, "agent": "openclaw", "healthy": false}))
        );
        assert_eq!(
            health_body(v2, "openclaw", Some("hermes")),
            Ok(json!({"ok": true, "agent": "hermes", "healthy": false, "hermes": false}))
        );
        assert_eq!(
            health_body(v2, "openclaw", Some("")),
            Ok(json!({"ok": true, "agent": "openclaw", "healthy": true}))
        );
        assert!(health_body(v2, "hermes", Some("gpt")).is_err());
    }

    #[test]
    fn headers() {
        assert_eq!(bearer_api_key("Bearer sk_live_abc"), Some("sk_live_abc"));
        assert_eq!(bearer_api_key("Bearer app-token"), None);
        assert_eq!(bearer_api_key("Basic sk_live_abc"), None);
        assert_eq!(cookie("a=1; a37_session=t; b=2", "a37_session"), Some("t"));
        assert_eq!(cookie("a=1", "a37_session"), None);
    }
}
