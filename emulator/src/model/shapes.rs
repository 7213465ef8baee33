//! Tiers, shapes and money: which cpu/memory/disk combinations exist, what they cost per
//! month and per day, the delete refund, and how create and resize resolve resources.

use serde_json::Value;

use super::bodies::opt_int;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

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
}
