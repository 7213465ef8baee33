//! The contract's objects and rules as pure functions: shapes, prices, refunds, months,
//! and input validation. Nothing here touches the clock, the network or the database,
//! so every rule can be unit-tested on its own.

use serde_json::{Map, Value};

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;
/// Stream cap of exec output (512 KB).
pub const EXEC_CAP: usize = 524_288;
/// Exec time limit in seconds.
pub const EXEC_LIMIT_SECS: u64 = 280;
pub const METADATA_MAX_BYTES: usize = 4096;
pub const USER_MAX_CHARS: usize = 200;
pub const NAME_MAX_CHARS: usize = 60;
pub const RESERVED_PORTS: [i64; 7] = [3737, 7681, 8080, 6080, 7890, 6969, 9119];
pub const MAX_TEMPLATE_PORTS: usize = 20;
pub const IMAGE_REF_MAX: usize = 255;

// ---------------------------------------------------------------- tiers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Free,
    Paid,
}

impl Tier {
    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "free" => Some(Tier::Free),
            "paid" => Some(Tier::Paid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Paid => "paid",
        }
    }

    pub fn default_instance_limit(self) -> i64 {
        match self {
            Tier::Free => 1,
            Tier::Paid => 10,
        }
    }

    /// Free tier stops at 2 vCPU / 4 GB.
    pub fn allows(self, r: Resources) -> bool {
        match self {
            Tier::Free => r.cpu <= 2 && r.memory <= 4,
            Tier::Paid => true,
        }
    }
}

// ---------------------------------------------------------------- shapes and money

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resources {
    pub cpu: i64,
    pub memory: i64,
    pub disk: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub cpu: i64,
    pub memory: i64,
    pub disk_min: i64,
    pub disk_max: i64,
    /// The one template the shape is reserved for, if any.
    pub only_template: Option<&'static str>,
}

pub const SHAPES: [Shape; 4] = [
    Shape {
        cpu: 1,
        memory: 3,
        disk_min: 6,
        disk_max: 20,
        only_template: Some("agent37-hermes-small"),
    },
    Shape {
        cpu: 2,
        memory: 4,
        disk_min: 6,
        disk_max: 20,
        only_template: None,
    },
    Shape {
        cpu: 4,
        memory: 8,
        disk_min: 20,
        disk_max: 40,
        only_template: None,
    },
    Shape {
        cpu: 8,
        memory: 16,
        disk_min: 40,
        disk_max: 80,
        only_template: None,
    },
];

pub fn shape_of(cpu: i64, memory: i64) -> Option<&'static Shape> {
    SHAPES.iter().find(|s| s.cpu == cpu && s.memory == memory)
}

pub fn valid_shapes_text() -> &'static str {
    "valid shapes (cpu/memory GB, disk GB): 1/3 disk 6-20 (agent37-hermes-small only), \
     2/4 disk 6-20, 4/8 disk 20-40, 8/16 disk 40-80"
}

/// Monthly price in micros: 0.80 × cpu + 0.70 × memory + 0.09 × disk USD.
pub fn monthly_price_micros(r: Resources) -> i64 {
    800_000 * r.cpu + 700_000 * r.memory + 90_000 * r.disk
}

/// One day = monthly × 24 / 730, rounded half-up to a micro.
pub fn day_cost_micros(r: Resources) -> i64 {
    let scaled = i128::from(monthly_price_micros(r)) * 24;
    ((scaled + 365) / 730) as i64
}

/// Refund of the unused part of a prepaid day, at least one hour billed, rounded down.
pub fn refund_micros(day_paid: i64, elapsed_in_day: i64) -> i64 {
    let unused = (DAY - elapsed_in_day.max(HOUR)).max(0);
    (i128::from(day_paid.max(0)) * i128::from(unused) / i128::from(DAY)) as i64
}

// ---------------------------------------------------------------- months (UTC)

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM` of the UTC month holding `epoch` seconds.
pub fn month_of(epoch: i64) -> String {
    let (y, m, _) = civil_from_days(epoch.div_euclid(DAY));
    format!("{y:04}-{m:02}")
}

/// Strict `YYYY-MM` with a month 01–12.
pub fn is_valid_month(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return false;
    }
    if !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return false;
    }
    matches!(
        &s[5..],
        "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
    )
}

// ---------------------------------------------------------------- keys and ids

/// `sk_live_` followed by at least 24 ASCII alphanumerics.
pub fn is_valid_api_key(key: &str) -> bool {
    key.strip_prefix("sk_live_")
        .is_some_and(|rest| rest.len() >= 24 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub fn is_valid_instance_id(id: &str) -> bool {
    id.len() == 10
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

// ---------------------------------------------------------------- instance status

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Provisioning,
    Running,
    Stopping,
    Stopped,
    Starting,
    Restarting,
    Updating,
    Failed,
    Deleting,
    Deleted,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Provisioning,
        Status::Running,
        Status::Stopping,
        Status::Stopped,
        Status::Starting,
        Status::Restarting,
        Status::Updating,
        Status::Failed,
        Status::Deleting,
        Status::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Provisioning => "provisioning",
            Status::Running => "running",
            Status::Stopping => "stopping",
            Status::Stopped => "stopped",
            Status::Starting => "starting",
            Status::Restarting => "restarting",
            Status::Updating => "updating",
            Status::Failed => "failed",
            Status::Deleting => "deleting",
            Status::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

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

// ---------------------------------------------------------------- request bodies

/// Parses a request body: `Ok(None)` for an empty one, 400 text for malformed JSON.
pub fn parse_body(bytes: &[u8]) -> Result<Option<Value>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| format!("malformed JSON body: {e}"))
}

/// An optional integer field: absent or null → None, anything but an integer → error.
pub fn opt_int(obj: &Map<String, Value>, key: &str, ctx: &str) -> Result<Option<i64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{ctx}{key} must be an integer")),
    }
}

/// `name` / `user`: a string up to `max` characters; `null` or `""` mean "none".
pub fn parse_label(v: &Value, field: &str, max: usize) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) if s.chars().count() <= max => Ok(Some(s.clone())),
        Value::String(_) => Err(format!("{field} must be at most {max} characters")),
        _ => Err(format!("{field} must be a string or null")),
    }
}

/// `metadata`: an object of at most 4096 bytes of compact JSON; `null` or `{}` mean "none".
pub fn parse_metadata(v: &Value) -> Result<Option<Map<String, Value>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) if m.is_empty() => Ok(None),
        Value::Object(m) => {
            let size = serde_json::to_string(m)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            if size > METADATA_MAX_BYTES {
                Err(format!(
                    "metadata is {size} bytes of JSON; at most {METADATA_MAX_BYTES} are allowed"
                ))
            } else {
                Ok(Some(m.clone()))
            }
        }
        _ => Err("metadata must be an object or null".into()),
    }
}

/// What a create request's `resources` asked for, before the template is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourcesRequest {
    pub shape: Option<(i64, i64)>,
    pub disk: Option<i64>,
}

pub fn parse_resources_request(v: Option<&Value>) -> Result<ResourcesRequest, String> {
    let obj = match v {
        None | Some(Value::Null) => return Ok(ResourcesRequest::default()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err("resources must be an object".into()),
    };
    let cpu = opt_int(obj, "cpu", "resources.")?;
    let memory = opt_int(obj, "memory", "resources.")?;
    let disk = opt_int(obj, "disk", "resources.")?;
    let shape = match (cpu, memory) {
        (Some(c), Some(m)) => Some((c, m)),
        (None, None) => None,
        _ => {
            return Err(format!(
                "resources.cpu and resources.memory must be sent together; {}",
                valid_shapes_text()
            ));
        }
    };
    Ok(ResourcesRequest { shape, disk })
}

/// Resolves a create request's resources against the template (its name and smallest shape).
pub fn resolve_resources(
    req: ResourcesRequest,
    template: &str,
    smallest: (i64, i64),
) -> Result<Resources, String> {
    let (cpu, memory) = req.shape.unwrap_or(smallest);
    let shape = shape_of(cpu, memory).ok_or_else(|| {
        format!(
            "resources {cpu}/{memory} is not a valid shape; {}",
            valid_shapes_text()
        )
    })?;
    if let Some(only) = shape.only_template
        && only != template
    {
        return Err(format!(
            "resources {cpu}/{memory} is only available for template {only}; {}",
            valid_shapes_text()
        ));
    }
    let disk = req.disk.unwrap_or(shape.disk_min);
    if !(shape.disk_min..=shape.disk_max).contains(&disk) {
        return Err(format!(
            "resources.disk {disk} is outside {}-{} GB for shape {cpu}/{memory}; {}",
            shape.disk_min,
            shape.disk_max,
            valid_shapes_text()
        ));
    }
    Ok(Resources { cpu, memory, disk })
}

/// Resolves a resize: no dimension may shrink; a bigger shape raises disk to its minimum.
pub fn resolve_resize(
    current: Resources,
    req: ResourcesRequest,
    template: &str,
) -> Result<Resources, String> {
    let (cpu, memory) = req.shape.unwrap_or((current.cpu, current.memory));
    let shape = shape_of(cpu, memory).ok_or_else(|| {
        format!(
            "resources {cpu}/{memory} is not a valid shape; {}",
            valid_shapes_text()
        )
    })?;
    if let Some(only) = shape.only_template
        && only != template
        && (cpu, memory) != (current.cpu, current.memory)
    {
        return Err(format!(
            "shape {cpu}/{memory} is only available for template {only}"
        ));
    }
    if cpu < current.cpu || memory < current.memory {
        return Err(format!(
            "resize cannot shrink: {cpu}/{memory} is smaller than the current {}/{}",
            current.cpu, current.memory
        ));
    }
    if let Some(d) = req.disk
        && d < current.disk
    {
        return Err(format!(
            "resize cannot shrink: disk {d} is smaller than the current {}",
            current.disk
        ));
    }
    let disk = req.disk.unwrap_or(current.disk).max(shape.disk_min);
    if disk > shape.disk_max {
        return Err(format!(
            "resources.disk {disk} is outside {}-{} GB for shape {cpu}/{memory}; {}",
            shape.disk_min,
            shape.disk_max,
            valid_shapes_text()
        ));
    }
    Ok(Resources { cpu, memory, disk })
}

/// `idempotency_key`: `^[A-Za-z0-9_-]{1,64}$`.
pub fn is_valid_idempotency_key(k: &str) -> bool {
    (1..=64).contains(&k.len())
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

// ---------------------------------------------------------------- budgets

/// Which revision's field names the budget object is served with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetNames {
    Topup,
    Credit,
}

impl BudgetNames {
    pub fn parse(s: &str) -> Option<BudgetNames> {
        match s {
            "topup" => Some(BudgetNames::Topup),
            "credit" => Some(BudgetNames::Credit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetNames::Topup => "topup",
            BudgetNames::Credit => "credit",
        }
    }

    pub fn remaining_field(self) -> &'static str {
        match self {
            BudgetNames::Topup => "topup_remaining_micros",
            BudgetNames::Credit => "credit_remaining_micros",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub monthly_cap: i64,
    pub monthly_consumed: i64,
    pub monthly_period: String,
    pub topup_remaining: i64,
    pub updated_at: i64,
}

impl Budget {
    /// The counters as they stand in `period`: a new month starts from zero consumed.
    pub fn rolled(&self, period: &str) -> Budget {
        let mut b = self.clone();
        if b.monthly_period != period {
            b.monthly_period = period.to_string();
            b.monthly_consumed = 0;
        }
        b
    }

    pub fn monthly_remaining(&self) -> i64 {
        (self.monthly_cap - self.monthly_consumed).max(0)
    }

    /// Spends `micros`: the monthly remainder first, then the top-up headroom.
    /// Refused whole (Err with the headroom) when both together cannot cover it.
    pub fn spend(&mut self, micros: i64) -> Result<(), i64> {
        let headroom = self
            .monthly_remaining()
            .saturating_add(self.topup_remaining);
        if micros > headroom {
            return Err(headroom);
        }
        let from_month = micros.min(self.monthly_remaining());
        self.monthly_consumed += from_month;
        self.topup_remaining -= micros - from_month;
        Ok(())
    }

    pub fn to_json(&self, names: BudgetNames) -> Value {
        let mut m = Map::new();
        m.insert("monthly_cap_micros".into(), self.monthly_cap.into());
        m.insert(
            "monthly_consumed_micros".into(),
            self.monthly_consumed.into(),
        );
        m.insert(
            "monthly_remaining_micros".into(),
            self.monthly_remaining().into(),
        );
        m.insert("monthly_period".into(), self.monthly_period.clone().into());
        m.insert(names.remaining_field().into(), self.topup_remaining.into());
        m.insert("updated_at".into(), self.updated_at.into());
        Value::Object(m)
    }
}

/// Managed-spend services metered per instance.
pub const SERVICES: [&str; 3] = ["llm", "brave", "composio"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(cpu: i64, memory: i64, disk: i64) -> Resources {
        Resources { cpu, memory, disk }
    }

    #[test]
    fn day_cost_matches_the_formula() {
        // 2/4/6: 4.94 USD a month → 4_940_000 × 24 / 730 = 162_410.958… → 162_411
        assert_eq!(monthly_price_micros(r(2, 4, 6)), 4_940_000);
        assert_eq!(day_cost_micros(r(2, 4, 6)), 162_411);
        // 1/3/6: 3.44 USD → 113_095.89… → 113_096
        assert_eq!(day_cost_micros(r(1, 3, 6)), 113_096);
        // 4/8/20: 10.60 USD → 348_493.15… → 348_493
        assert_eq!(day_cost_micros(r(4, 8, 20)), 348_493);
        // 8/16/40: 21.20 USD → 696_986.30… → 696_986
        assert_eq!(day_cost_micros(r(8, 16, 40)), 696_986);
    }

    #[test]
    fn day_cost_rounds_half_up() {
        // monthly m with m × 24 / 730 exactly .5: m × 24 = 730k + 365 → m = 365 × (2k+1) / 24;
        // pick m = 365 × 24 / 24 × ... simplest: check the helper directly on boundaries.
        let exact_half = |m: i64| ((i128::from(m) * 24 + 365) / 730) as i64;
        assert_eq!(exact_half(0), 0);
        // 45_625 × 24 = 1_095_000 = 730 × 1500 exactly
        assert_eq!(exact_half(45_625), 1500);
    }

    #[test]
    fn refund_bills_at_least_an_hour() {
        let day = 86_400;
        assert_eq!(refund_micros(day, 0), day - 3600);
        assert_eq!(refund_micros(day, 10), day - 3600);
        assert_eq!(refund_micros(day, 3600), day - 3600);
        assert_eq!(refund_micros(day, 7200), day - 7200);
        assert_eq!(refund_micros(day, 86_400), 0);
        assert_eq!(refund_micros(day, 200_000), 0);
        // rounded down: 162_411 × 82_800 / 86_400 = 155_643.875 → 155_643
        assert_eq!(refund_micros(162_411, 0), 155_643);
    }

    #[test]
    fn months_are_utc() {
        assert_eq!(month_of(0), "1970-01");
        assert_eq!(month_of(1_782_863_999), "2026-06"); // 2026-06-30T23:59:59Z
        assert_eq!(month_of(1_782_864_000), "2026-07");
        assert_eq!(month_of(951_782_400), "2000-02"); // 2000-02-29
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert!(is_valid_month("2026-07"));
        for bad in [
            "2026-7",
            "2026-13",
            "2026-00",
            "26-07",
            "2026/07",
            "abcd-07",
            "2026-07-01",
        ] {
            assert!(!is_valid_month(bad), "{bad}");
        }
    }

    #[test]
    fn api_keys_and_ids() {
        assert!(is_valid_api_key("sk_live_abcdefghijklmnopqrstuvwx"));
        assert!(!is_valid_api_key("sk_live_abcdefghijklmnopqrstuvw"));
        assert!(!is_valid_api_key("sk_test_abcdefghijklmnopqrstuvwx"));
        assert!(!is_valid_api_key("sk_live_abcdefghijklmnopqrstuv-x"));
        assert!(is_valid_instance_id("a1b2c3d4e5"));
        assert!(!is_valid_instance_id("A1b2c3d4e5"));
        assert!(!is_valid_instance_id("a1b2c3d4e"));
    }

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

    #[test]
    fn resources_resolution() {
        let none = ResourcesRequest::default();
        assert_eq!(
            resolve_resources(none, "agent37-hermes", (2, 4)),
            Ok(r(2, 4, 6))
        );
        assert_eq!(
            resolve_resources(none, "agent37-hermes-small", (1, 3)),
            Ok(r(1, 3, 6))
        );
        let disk_only = ResourcesRequest {
            shape: None,
            disk: Some(15),
        };
        assert_eq!(
            resolve_resources(disk_only, "agent37-hermes", (2, 4)),
            Ok(r(2, 4, 15))
        );
        let big = ResourcesRequest {
            shape: Some((4, 8)),
            disk: None,
        };
        assert_eq!(
            resolve_resources(big, "agent37-hermes", (2, 4)),
            Ok(r(4, 8, 20))
        );
        let small_elsewhere = ResourcesRequest {
            shape: Some((1, 3)),
            disk: None,
        };
        assert!(resolve_resources(small_elsewhere, "agent37-hermes", (2, 4)).is_err());
        let odd = ResourcesRequest {
            shape: Some((3, 4)),
            disk: None,
        };
        assert!(resolve_resources(odd, "agent37-hermes", (2, 4)).is_err());
        let disk_low = ResourcesRequest {
            shape: Some((4, 8)),
            disk: Some(19),
        };
        assert!(resolve_resources(disk_low, "agent37-hermes", (2, 4)).is_err());
        let disk_high = ResourcesRequest {
            shape: None,
            disk: Some(21),
        };
        assert!(resolve_resources(disk_high, "agent37-hermes", (2, 4)).is_err());
        assert!(parse_resources_request(Some(&json!({"cpu": 2}))).is_err());
        assert!(parse_resources_request(Some(&json!({"cpu": 2.5, "memory": 4}))).is_err());
    }

    #[test]
    fn resize_rules() {
        let cur = r(2, 4, 10);
        let grow = ResourcesRequest {
            shape: Some((4, 8)),
            disk: None,
        };
        assert_eq!(resolve_resize(cur, grow, "agent37-hermes"), Ok(r(4, 8, 20)));
        let disk = ResourcesRequest {
            shape: None,
            disk: Some(12),
        };
        assert_eq!(resolve_resize(cur, disk, "agent37-hermes"), Ok(r(2, 4, 12)));
        let same = ResourcesRequest::default();
        assert_eq!(resolve_resize(cur, same, "agent37-hermes"), Ok(cur));
        let shrink_disk = ResourcesRequest {
            shape: None,
            disk: Some(9),
        };
        assert!(resolve_resize(cur, shrink_disk, "agent37-hermes").is_err());
        let shrink = ResourcesRequest {
            shape: Some((1, 3)),
            disk: None,
        };
        assert!(resolve_resize(cur, shrink, "agent37-hermes-small").is_err());
        let too_big_disk = ResourcesRequest {
            shape: Some((4, 8)),
            disk: Some(41),
        };
        assert!(resolve_resize(cur, too_big_disk, "agent37-hermes").is_err());
    }

    #[test]
    fn labels_and_metadata() {
        assert_eq!(parse_label(&json!(""), "name", 60), Ok(None));
        assert_eq!(parse_label(&json!(null), "name", 60), Ok(None));
        assert_eq!(
            parse_label(&json!("é".repeat(60)), "name", 60),
            Ok(Some("é".repeat(60)))
        );
        assert!(parse_label(&json!("é".repeat(61)), "name", 60).is_err());
        assert!(parse_label(&json!(5), "name", 60).is_err());
        assert_eq!(parse_metadata(&json!({})), Ok(None));
        let big = json!({"k": "x".repeat(4088)}); // {"k":"…"} = 8 + 4088 = 4096 bytes
        assert!(parse_metadata(&big).is_ok());
        let too_big = json!({"k": "x".repeat(4089)});
        assert!(parse_metadata(&too_big).is_err());
        assert!(parse_metadata(&json!([1])).is_err());
    }

    #[test]
    fn budget_spend_order_and_rollover() {
        let mut b = Budget {
            monthly_cap: 100,
            monthly_consumed: 0,
            monthly_period: "2026-06".into(),
            topup_remaining: 50,
            updated_at: 0,
        };
        assert_eq!(b.spend(80), Ok(()));
        assert_eq!((b.monthly_consumed, b.topup_remaining), (80, 50));
        assert_eq!(b.spend(40), Ok(()));
        assert_eq!(
            (b.monthly_consumed, b.topup_remaining, b.monthly_remaining()),
            (100, 30, 0)
        );
        assert_eq!(b.spend(31), Err(30));
        let next = b.rolled("2026-07");
        assert_eq!((next.monthly_consumed, next.topup_remaining), (0, 30));
        assert_eq!(b.rolled("2026-06"), b);
        let j = b.to_json(BudgetNames::Credit);
        assert_eq!(j["credit_remaining_micros"], 30);
        assert!(j.get("topup_remaining_micros").is_none());
    }

    #[test]
    fn idempotency_keys() {
        assert!(is_valid_idempotency_key("abc_DEF-123"));
        assert!(!is_valid_idempotency_key(""));
        assert!(!is_valid_idempotency_key(&"a".repeat(65)));
        assert!(!is_valid_idempotency_key("a b"));
    }
}
