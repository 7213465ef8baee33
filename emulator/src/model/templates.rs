//! Template rules: ports, the system catalog, names and image references.

use serde_json::Value;

pub const RESERVED_PORTS: [i64; 7] = [3737, 7681, 8080, 6080, 7890, 6969, 9119];
pub const MAX_TEMPLATE_PORTS: usize = 20;
pub const IMAGE_REF_MAX: usize = 255;

// ---------------------------------------------------------------- ports

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub port: i64,
    pub default: bool,
}

pub fn ports_to_json(ports: &[Port]) -> Value {
    Value::Array(
        ports
            .iter()
            .map(|p| serde_json::json!({"port": p.port, "default": p.default}))
            .collect(),
    )
}

/// Reads ports back from storage, where they were written by `ports_to_json`.
pub fn ports_from_json(v: &Value) -> Vec<Port> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| {
                    Some(Port {
                        port: p.get("port")?.as_i64()?,
                        default: p.get("default").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Validates a workspace template's `ports` array.
pub fn parse_template_ports(v: &Value) -> Result<Vec<Port>, String> {
    let items = v.as_array().ok_or("ports must be an array")?;
    if items.len() > MAX_TEMPLATE_PORTS {
        return Err(format!("ports: at most {MAX_TEMPLATE_PORTS} entries"));
    }
    let mut out: Vec<Port> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let obj = item
            .as_object()
            .ok_or_else(|| format!("ports[{i}] must be an object"))?;
        let port = obj
            .get("port")
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("ports[{i}].port must be an integer"))?;
        if !(1..=65_535).contains(&port) {
            return Err(format!("ports[{i}].port must be between 1 and 65535"));
        }
        if RESERVED_PORTS.contains(&port) {
            return Err(format!(
                "ports[{i}].port {port} is reserved (reserved: 3737, 7681, 8080, 6080, 7890, 6969, 9119)"
            ));
        }
        let default = match obj.get("default") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(format!("ports[{i}].default must be a boolean")),
        };
        if out.iter().any(|p| p.port == port) {
            return Err(format!("ports[{i}].port {port} is a duplicate"));
        }
        out.push(Port { port, default });
    }
    if out.iter().filter(|p| p.default).count() > 1 {
        return Err("ports: at most one port may be default".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------- templates

pub struct SystemTemplate {
    pub name: &'static str,
    pub agent: &'static str,
    pub image_ref: &'static str,
    pub ports: [(i64, bool); 4],
    pub smallest: (i64, i64),
    pub description: &'static str,
}

pub const SYSTEM_TEMPLATES: [SystemTemplate; 3] = [
    SystemTemplate {
        name: "agent37-hermes",
        agent: "hermes",
        image_ref: "ghcr.io/agent37-platform/hermes:2026.06.20",
        ports: [(3737, true), (9119, false), (7681, false), (8080, false)],
        smallest: (2, 4),
        description: "Hermes agent (the default template)",
    },
    SystemTemplate {
        name: "agent37-hermes-small",
        agent: "hermes",
        image_ref: "ghcr.io/agent37-platform/hermes:2026.06.20",
        ports: [(3737, true), (9119, false), (7681, false), (8080, false)],
        smallest: (1, 3),
        description: "Hermes agent on the small 1 vCPU / 3 GB shape",
    },
    SystemTemplate {
        name: "agent37-openclaw",
        agent: "openclaw",
        image_ref: "ghcr.io/agent37-platform/openclaw:2026.06.20",
        ports: [(3737, true), (18789, false), (7681, false), (8080, false)],
        smallest: (2, 4),
        description: "OpenClaw agent",
    },
];

pub const DEFAULT_TEMPLATE: &str = "agent37-hermes";
/// The agent name a workspace template's health endpoint reports (it installs no known agent).
pub const CUSTOM_AGENT: &str = "custom";

pub fn system_template(name: &str) -> Option<&'static SystemTemplate> {
    SYSTEM_TEMPLATES.iter().find(|t| t.name == name)
}

impl SystemTemplate {
    pub fn ports(&self) -> Vec<Port> {
        self.ports
            .iter()
            .map(|&(port, default)| Port { port, default })
            .collect()
    }
}

/// `^[a-z][a-z0-9-]{1,62}$` and not in the reserved `agent37-` namespace.
pub fn validate_template_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let shape_ok = (2..=63).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if !shape_ok {
        return Err(format!("name {name:?} must match ^[a-z][a-z0-9-]{{1,62}}$"));
    }
    if name.starts_with("agent37-") {
        return Err(format!(
            "name {name:?}: the agent37- prefix is reserved for system templates"
        ));
    }
    Ok(())
}

/// Does `s` look like an image reference rather than a template name?
pub fn looks_like_image_ref(s: &str) -> bool {
    s.contains('/') || s.contains(':') || s.contains('@')
}

/// `[host[:port]/]namespace/…/name[:tag][@sha256:<64 hex>]` with at least one `/`.
pub fn validate_image_ref(r: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "image_ref {r:?} is not a valid image reference: {why}"
        ))
    };
    if r.is_empty() || r.chars().count() > IMAGE_REF_MAX {
        return bad("must be 1 to 255 characters");
    }
    let (rest, digest) = match r.split_once('@') {
        Some((rest, d)) => (rest, Some(d)),
        None => (r, None),
    };
    if let Some(d) = digest {
        let hex = d.strip_prefix("sha256:");
        let ok = hex.is_some_and(|h| {
            h.len() == 64
                && h.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        });
        if !ok {
            return bad("digest must be sha256: and 64 lowercase hex digits");
        }
    }
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(i) if last_slash.is_none_or(|s| i > s) => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(t) = tag {
        let tb = t.as_bytes();
        let ok = !tb.is_empty()
            && tb.len() <= 128
            && (tb[0].is_ascii_alphanumeric() || tb[0] == b'_')
            && tb[1..]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
        if !ok {
            return bad("tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
        }
    }
    let comps: Vec<&str> = name.split('/').collect();
    if comps.len() < 2 {
        return bad("needs a namespace and a name (at least one '/'), e.g. acme/agent:v1");
    }
    let first = comps[0];
    let first_is_host =
        comps.len() >= 3 && (first.contains('.') || first.contains(':') || first == "localhost");
    let path = if first_is_host {
        if !is_valid_host(first) {
            return bad("invalid registry host");
        }
        &comps[1..]
    } else {
        &comps[..]
    };
    if !path.iter().all(|c| is_valid_path_component(c)) {
        return bad(
            "path components must be lowercase [a-z0-9] separated by '.', '_', '__' or '-'",
        );
    }
    Ok(())
}

fn is_valid_host(h: &str) -> bool {
    let (host, port) = match h.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (h, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()));
    host_ok && port_ok
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !is_alnum_lower(b[0]) || !is_alnum_lower(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum_lower(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum_lower(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_names() {
        assert!(validate_template_name("my-agent").is_ok());
        assert!(validate_template_name("ab").is_ok());
        for bad in [
            "a",
            "1abc",
            "My-agent",
            "agent37-foo",
            "my_agent",
            &"a".repeat(64),
        ] {
            assert!(validate_template_name(bad).is_err(), "{bad}");
        }
        assert!(validate_template_name(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn image_refs() {
        let digest = format!("acme/agent@sha256:{}", "a".repeat(64));
        for ok in [
            "ghcr.io/acme/agent:v1",
            "acme/agent:v1",
            "acme/agent",
            "localhost:5000/acme/agent:1.0",
            "registry.example.com/a/b/c:latest",
            "acme/my-agent_x.y:V1_2-3",
            "ghcr.io/agent",
            digest.as_str(),
        ] {
            assert!(validate_image_ref(ok).is_ok(), "{ok}");
        }
        let long = format!("acme/{}", "a".repeat(251));
        for bad in [
            "nginx:latest",
            "nginx",
            "Acme/agent:v1",
            "acme/agent:",
            "acme/agent:-v1",
            "acme//agent",
            "acme/agent@sha256:abc",
            "localhost:5000/agent",
            "",
            long.as_str(),
        ] {
            assert!(validate_image_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn template_ports() {
        let ok = parse_template_ports(&json!([{"port": 3000, "default": true}, {"port": 4000}]))
            .unwrap();
        assert_eq!(
            ok,
            vec![
                Port {
                    port: 3000,
                    default: true
                },
                Port {
                    port: 4000,
                    default: false
                }
            ]
        );
        for bad in [
            json!([{"port": 3737}]),
            json!([{"port": 0}]),
            json!([{"port": 65536}]),
            json!([{"port": 3000}, {"port": 3000}]),
            json!([{"port": 3000, "default": true}, {"port": 3001, "default": true}]),
            json!([{"port": "3000"}]),
            json!([{"port": 3000, "default": "yes"}]),
            json!({"port": 3000}),
            json!(
                (1..=21)
                    .map(|p| json!({"port": 10_000 + p}))
                    .collect::<Vec<_>>()
            ),
        ] {
            assert!(parse_template_ports(&bad).is_err(), "{bad}");
        }
    }
}
