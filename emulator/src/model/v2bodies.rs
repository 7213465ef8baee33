//! Request-body rules that revision 2026-08-21 adds: `env`, public ports, template pins,
//! auto-sleep settings, the instance type, and the status reason object.

use serde_json::{Map, Value, json};

/// `env` names the platform sets itself.
pub const RESERVED_ENV: [&str; 6] = [
    "AGENT37_INSTANCE_ID",
    "AGENT37_RUNTIME_IMAGE_REF",
    "AGENT37_AGENT_TYPE",
    "AGENT37_GATEWAY_PORT",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_CONTROL_UI_INSTANCE_ORIGIN",
];
pub const ENV_MAX_ENTRIES: usize = 32;
pub const ENV_VALUE_MAX_CHARS: usize = 4096;
/// Ports no public port may expose.
pub const PUBLIC_PORT_RESERVED: [i64; 7] = [3737, 9119, 7681, 8080, 6080, 7890, 22022];
/// The SSH tunnel's port: no signed URL or public port reaches it.
pub const SSH_PORT: i64 = 22022;
pub const MAX_PUBLIC_PORTS: usize = 20;
pub const PUBLIC_LABEL_MAX_CHARS: usize = 64;
pub const IDLE_TIMEOUT_RANGE: (i64, i64) = (60, 86_400);
pub const DEFAULT_IDLE_TIMEOUT: i64 = 300;

fn env_key_ok(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// `env`: string → string, ≤ 32 entries, keys `^[A-Z][A-Z0-9_]*$`, values ≤ 4096 characters,
/// no reserved name; `null` means none.
pub fn parse_env(v: &Value) -> Result<Option<Map<String, Value>>, String> {
    let m = match v {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        _ => return Err("env must be an object of strings".into()),
    };
    if m.len() > ENV_MAX_ENTRIES {
        return Err(format!("env: at most {ENV_MAX_ENTRIES} entries"));
    }
    for (k, val) in m {
        if !env_key_ok(k) {
            return Err(format!("env key {k:?} must match ^[A-Z][A-Z0-9_]*$"));
        }
        if RESERVED_ENV.contains(&k.as_str()) {
            return Err(format!("env key {k:?} is reserved by the platform"));
        }
        match val {
            Value::String(s) if s.chars().count() <= ENV_VALUE_MAX_CHARS => {}
            Value::String(_) => {
                return Err(format!("env.{k}: at most {ENV_VALUE_MAX_CHARS} characters"));
            }
            _ => return Err(format!("env.{k} must be a string")),
        }
    }
    Ok(Some(m.clone()))
}

/// `dedicated` (default) or `shared`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    Dedicated,
    Shared,
}

impl InstanceType {
    pub fn parse(v: Option<&Value>) -> Result<InstanceType, String> {
        match v {
            None | Some(Value::Null) => Ok(InstanceType::Dedicated),
            Some(Value::String(s)) if s == "dedicated" => Ok(InstanceType::Dedicated),
            Some(Value::String(s)) if s == "shared" => Ok(InstanceType::Shared),
            Some(_) => Err("type must be dedicated or shared".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceType::Dedicated => "dedicated",
            InstanceType::Shared => "shared",
        }
    }
}

/// `idle_timeout_seconds`: 60-86400.
pub fn parse_idle_timeout(v: &Value) -> Result<i64, String> {
    match v.as_i64() {
        Some(n) if (IDLE_TIMEOUT_RANGE.0..=IDLE_TIMEOUT_RANGE.1).contains(&n) => Ok(n),
        _ => Err("idle_timeout_seconds must be an integer from 60 to 86400".into()),
    }
}

pub fn parse_bool(v: &Value, field: &str) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("{field} must be a boolean"))
}

/// A public port request: `{port, prefix?, label?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPortRequest {
    pub port: i64,
    pub prefix: Option<String>,
    pub label: Option<String>,
}

/// `^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$`
pub fn is_valid_prefix(p: &str) -> bool {
    let b = p.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=30).contains(&b.len())
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

pub fn parse_public_port(v: &Value, ctx: &str) -> Result<PublicPortRequest, String> {
    let o = v
        .as_object()
        .ok_or_else(|| format!("{ctx} must be an object"))?;
    let port = o
        .get("port")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{ctx}port must be an integer"))?;
    if !(1..=65_535).contains(&port) {
        return Err(format!("{ctx}port must be between 1 and 65535"));
    }
    if PUBLIC_PORT_RESERVED.contains(&port) {
        return Err(format!(
            "{ctx}port {port} is reserved (3737, 9119, 7681, 8080, 6080, 7890, 22022)"
        ));
    }
    let prefix = match o.get("prefix") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if is_valid_prefix(p) => Some(p.clone()),
        Some(_) => {
            return Err(format!(
                "{ctx}prefix must match ^[a-z0-9]([a-z0-9-]{{0,28}}[a-z0-9])?$"
            ));
        }
    };
    let label = match o.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(l)) if l.chars().count() <= PUBLIC_LABEL_MAX_CHARS => Some(l.clone()),
        Some(_) => {
            return Err(format!(
                "{ctx}label must be a string of at most {PUBLIC_LABEL_MAX_CHARS} characters"
            ));
        }
    };
    Ok(PublicPortRequest {
        port,
        prefix,
        label,
    })
}

/// `name` or `name@version`, with `@` raw (a decoded `%40` arrives the same).
pub fn split_pin(s: &str) -> (&str, Option<&str>) {
    match s.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    }
}

/// Why the latest lifecycle operation failed (`status_reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReason {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub operation: String,
    pub at: i64,
}

pub const OPERATIONS: [&str; 7] = [
    "create", "start", "stop", "restart", "update", "resize", "wake",
];

impl StatusReason {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), self.code.clone().into());
        m.insert("message".into(), self.message.clone().into());
        if let Some(d) = &self.detail {
            m.insert("detail".into(), d.clone().into());
        }
        m.insert("operation".into(), self.operation.clone().into());
        m.insert("at".into(), self.at.into());
        Value::Object(m)
    }

    /// Reads the stored (or control-given) object back.
    pub fn from_json(v: &Value) -> Result<StatusReason, String> {
        let o = v
            .as_object()
            .ok_or("status_reason must be an object or null")?;
        let s = |k: &str| -> Result<String, String> {
            o.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("status_reason.{k} must be a string"))
        };
        let operation = s("operation")?;
        if !OPERATIONS.contains(&operation.as_str()) {
            return Err(format!(
                "status_reason.operation must be one of {OPERATIONS:?}"
            ));
        }
        Ok(StatusReason {
            code: s("code")?,
            message: s("message")?,
            detail: o.get("detail").and_then(Value::as_str).map(str::to_string),
            operation,
            at: o
                .get("at")
                .and_then(Value::as_i64)
                .ok_or("status_reason.at must be an integer")?,
        })
    }
}

/// The console tail a failed create reports when the fault gives none: host paths and IPs
/// already redacted, as the platform does.
pub fn default_console_tail(template: &str) -> String {
    format!(
        "[boot] starting {template}\n[boot] Error: the container exited during boot (exit code 1)\n[boot] see <redacted-path>/app.log\n"
    )
}

/// The console detail is capped at 2,000 characters (the last ones kept).
pub fn cap_detail(d: &str) -> String {
    let n = d.chars().count();
    if n <= 2000 {
        d.to_string()
    } else {
        d.chars().skip(n - 2000).collect()
    }
}

pub fn empty_object() -> Value {
    json!({})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_rules() {
        assert_eq!(parse_env(&json!(null)), Ok(None));
        assert!(parse_env(&json!({"API_URL": "x", "A1_B": ""})).is_ok());
        let too_many: Map<String, Value> = (0..33).map(|i| (format!("K{i}"), json!("v"))).collect();
        for bad in [
            json!({"lower": "x"}),
            json!({"1A": "x"}),
            json!({"A": 1}),
            json!({"A": null}),
            json!({"AGENT37_INSTANCE_ID": "x"}),
            json!({"A": "x".repeat(4097)}),
            json!(["A"]),
            Value::Object(too_many),
        ] {
            assert!(parse_env(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_port_rules() {
        let ok = parse_public_port(&json!({"port": 9100, "prefix": "hooks", "label": "in"}), "")
            .unwrap();
        assert_eq!((ok.port, ok.prefix.as_deref()), (9100, Some("hooks")));
        for bad in [
            json!({"port": 3737}),
            json!({"port": 22022}),
            json!({"port": 0}),
            json!({"port": "9100"}),
            json!({"port": 9100, "prefix": "-x"}),
            json!({"port": 9100, "prefix": "Hooks"}),
            json!({"port": 9100, "prefix": "a".repeat(31)}),
            json!({"port": 9100, "label": "l".repeat(65)}),
            json!(9100),
        ] {
            assert!(parse_public_port(&bad, "").is_err(), "{bad}");
        }
        assert!(is_valid_prefix("a") && is_valid_prefix("a-1") && !is_valid_prefix("a-"));
    }

    #[test]
    fn pins_and_reasons() {
        assert_eq!(split_pin("crawler@3"), ("crawler", Some("3")));
        assert_eq!(split_pin("crawler"), ("crawler", None));
        let r = StatusReason {
            code: "provisioning_failed".into(),
            message: "m".into(),
            detail: Some("d".into()),
            operation: "create".into(),
            at: 5,
        };
        assert_eq!(StatusReason::from_json(&r.to_json()), Ok(r));
        assert!(
            StatusReason::from_json(
                &json!({"code": "x", "message": "m", "operation": "fly", "at": 1})
            )
            .is_err()
        );
        assert_eq!(cap_detail(&"x".repeat(2500)).len(), 2000);
    }
}
