//! The two API revisions the emulator serves from one database, and the 2026-08-21 rules that
//! are plain arithmetic: its shapes, the per-minute meter, the instance-cap ladder.

use super::shapes::{Resources, Tier, monthly_price_micros};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revision {
    /// `docs/contract/hosting-api.md`.
    R20260625,
    /// `docs/contract/hosting-api-2026-08.md`.
    R20260821,
}

impl Revision {
    /// `2026-06-25` / `2026-08-21`, or the aliases `v1` / `v2`.
    pub fn parse(s: &str) -> Option<Revision> {
        match s {
            "2026-06-25" | "v1" => Some(Revision::R20260625),
            "2026-08-21" | "v2" => Some(Revision::R20260821),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Revision::R20260625 => "2026-06-25",
            Revision::R20260821 => "2026-08-21",
        }
    }

    pub fn is_v2(self) -> bool {
        self == Revision::R20260821
    }
}

/// The smallest top-up: what `tier: "paid"` means in `topups_total_micros`.
pub const PAID_TOPUP_MICROS: i64 = 5_000_000;
/// Total top-ups from which domains work and the cap is 50.
pub const DOMAIN_TOPUP_MICROS: i64 = 100_000_000;
/// Total top-ups from which the cap is 200.
pub const BIG_TOPUP_MICROS: i64 = 250_000_000;
/// Minutes in a billing month (730 h).
pub const MONTH_MINUTES: i64 = 43_800;

/// The tier follows the total top-ups (under both revisions).
pub fn tier_of(topups_total: i64) -> Tier {
    if topups_total > 0 {
        Tier::Paid
    } else {
        Tier::Free
    }
}

/// The instance cap of the 2026-08-21 ladder (section 5).
pub fn ladder_cap(topups_total: i64) -> i64 {
    match topups_total {
        t if t >= BIG_TOPUP_MICROS => 200,
        t if t >= DOMAIN_TOPUP_MICROS => 50,
        t if t > 0 => 10,
        _ => 1,
    }
}

/// A 2026-08-21 shape: every template, the same table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeV2 {
    pub cpu: i64,
    pub memory: i64,
    pub disk_min: i64,
    pub disk_max: i64,
    pub disk_default: i64,
}

pub const SHAPES_V2: [ShapeV2; 3] = [
    ShapeV2 {
        cpu: 2,
        memory: 4,
        disk_min: 2,
        disk_max: 12,
        disk_default: 4,
    },
    ShapeV2 {
        cpu: 4,
        memory: 8,
        disk_min: 2,
        disk_max: 20,
        disk_default: 6,
    },
    ShapeV2 {
        cpu: 8,
        memory: 16,
        disk_min: 2,
        disk_max: 40,
        disk_default: 12,
    },
];

pub fn shape_v2(cpu: i64, memory: i64) -> Option<&'static ShapeV2> {
    SHAPES_V2
        .iter()
        .find(|s| s.cpu == cpu && s.memory == memory)
}

pub fn valid_shapes_v2_text() -> &'static str {
    "valid shapes (cpu/memory GB, disk GB): 2/4 disk 2-12 (default 4), \
     4/8 disk 2-20 (default 6), 8/16 disk 2-40 (default 12)"
}

/// Resolves a 2026-08-21 create's resources: `cpu`/`memory` together; `disk` alone means 2/4.
pub fn resolve_resources_v2(
    shape: Option<(i64, i64)>,
    disk: Option<i64>,
) -> Result<Resources, String> {
    let (cpu, memory) = shape.unwrap_or((2, 4));
    let s = shape_v2(cpu, memory).ok_or_else(|| {
        format!(
            "resources {cpu}/{memory} is not a valid shape; {}",
            valid_shapes_v2_text()
        )
    })?;
    let disk = disk.unwrap_or(s.disk_default);
    if !(s.disk_min..=s.disk_max).contains(&disk) {
        return Err(format!(
            "resources.disk {disk} is outside {}-{} GB for shape {cpu}/{memory}; {}",
            s.disk_min,
            s.disk_max,
            valid_shapes_v2_text()
        ));
    }
    Ok(Resources { cpu, memory, disk })
}

/// Resolves a 2026-08-21 resize: omitted dimensions keep their value, a bigger shape keeps the
/// disk, no shrink, only the target is validated (a stored off-table shape may stay).
pub fn resolve_resize_v2(
    current: Resources,
    cpu: Option<i64>,
    memory: Option<i64>,
    disk: Option<i64>,
) -> Result<Resources, String> {
    let target = Resources {
        cpu: cpu.unwrap_or(current.cpu),
        memory: memory.unwrap_or(current.memory),
        disk: disk.unwrap_or(current.disk),
    };
    if target == current {
        return Ok(current);
    }
    if target.cpu < current.cpu || target.memory < current.memory || target.disk < current.disk {
        return Err(format!(
            "resize cannot shrink: {}/{} disk {} is smaller than the current {}/{} disk {}",
            target.cpu, target.memory, target.disk, current.cpu, current.memory, current.disk
        ));
    }
    let s = shape_v2(target.cpu, target.memory).ok_or_else(|| {
        format!(
            "resources {}/{} is not a valid shape; {}",
            target.cpu,
            target.memory,
            valid_shapes_v2_text()
        )
    })?;
    if !(s.disk_min..=s.disk_max).contains(&target.disk) {
        return Err(format!(
            "resources.disk {} is outside {}-{} GB for shape {}/{}; {}",
            target.disk,
            s.disk_min,
            s.disk_max,
            target.cpu,
            target.memory,
            valid_shapes_v2_text()
        ));
    }
    Ok(target)
}

/// What the meter charges per month in a given situation (section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterRate {
    /// Nothing: provisioning, failed before any run, suspended, deleted.
    Free,
    /// Disk only: sleeping, stopped, waking, failed after a run.
    Disk,
    /// The whole shape.
    Full,
}

impl MeterRate {
    pub fn monthly_micros(self, r: Resources) -> i64 {
        match self {
            MeterRate::Free => 0,
            MeterRate::Disk => 90_000 * r.disk,
            MeterRate::Full => monthly_price_micros(r),
        }
    }
}

/// Micros for `minutes` whole minutes at `monthly` micros a month, half-up.
pub fn meter_debit(monthly: i64, minutes: i64) -> i64 {
    let x = i128::from(monthly) * i128::from(minutes);
    ((x + i128::from(MONTH_MINUTES / 2)) / i128::from(MONTH_MINUTES)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(cpu: i64, memory: i64, disk: i64) -> Resources {
        Resources { cpu, memory, disk }
    }

    #[test]
    fn revisions_and_aliases() {
        assert_eq!(Revision::parse("v2"), Some(Revision::R20260821));
        assert_eq!(Revision::parse("2026-06-25"), Some(Revision::R20260625));
        assert_eq!(Revision::parse("2026-08-22"), None);
        assert_eq!(Revision::R20260821.as_str(), "2026-08-21");
    }

    #[test]
    fn ladder() {
        assert_eq!(
            [
                0,
                1,
                5_000_000,
                99_999_999,
                100_000_000,
                249_999_999,
                250_000_000
            ]
            .map(ladder_cap),
            [1, 10, 10, 10, 50, 50, 200]
        );
        assert_eq!(tier_of(0), Tier::Free);
        assert_eq!(tier_of(1), Tier::Paid);
    }

    #[test]
    fn v2_shapes_and_defaults() {
        assert_eq!(resolve_resources_v2(None, None), Ok(r(2, 4, 4)));
        assert_eq!(resolve_resources_v2(None, Some(12)), Ok(r(2, 4, 12)));
        assert_eq!(resolve_resources_v2(Some((4, 8)), None), Ok(r(4, 8, 6)));
        assert_eq!(resolve_resources_v2(Some((8, 16)), None), Ok(r(8, 16, 12)));
        assert_eq!(
            resolve_resources_v2(Some((8, 16)), Some(40)),
            Ok(r(8, 16, 40))
        );
        for (shape, disk) in [
            (Some((1, 3)), None),
            (None, Some(1)),
            (None, Some(13)),
            (Some((4, 8)), Some(21)),
            (Some((8, 16)), Some(41)),
        ] {
            assert!(
                resolve_resources_v2(shape, disk).is_err(),
                "{shape:?} {disk:?}"
            );
        }
        // Monthly at default disk: $4.76, $9.34, $18.68.
        assert_eq!(monthly_price_micros(r(2, 4, 4)), 4_760_000);
        assert_eq!(monthly_price_micros(r(4, 8, 6)), 9_340_000);
        assert_eq!(monthly_price_micros(r(8, 16, 12)), 18_680_000);
    }

    #[test]
    fn v2_resize_keeps_the_disk() {
        let cur = r(2, 4, 8);
        assert_eq!(
            resolve_resize_v2(cur, Some(4), Some(8), None),
            Ok(r(4, 8, 8))
        );
        assert_eq!(
            resolve_resize_v2(cur, None, None, Some(12)),
            Ok(r(2, 4, 12))
        );
        assert_eq!(resolve_resize_v2(cur, None, None, None), Ok(cur));
        assert!(resolve_resize_v2(cur, Some(4), None, None).is_err(), "4/4");
        assert!(
            resolve_resize_v2(cur, None, None, Some(7)).is_err(),
            "shrink"
        );
        assert!(
            resolve_resize_v2(cur, None, None, Some(13)).is_err(),
            "out of range"
        );
        // A stored off-table shape stays; only a changed target is validated.
        let old = r(2, 4, 20);
        assert_eq!(resolve_resize_v2(old, None, None, None), Ok(old));
        assert_eq!(
            resolve_resize_v2(old, Some(4), Some(8), None),
            Ok(r(4, 8, 20))
        );
        assert!(resolve_resize_v2(old, None, None, Some(21)).is_err());
    }

    #[test]
    fn meter_rounds_half_up_per_whole_minute() {
        // 2/4/4 = 4_760_000 a month: one minute = 108.675… → 109; an hour = 6520.5… → 6521.
        assert_eq!(meter_debit(4_760_000, 1), 109);
        assert_eq!(meter_debit(4_760_000, 60), 6521);
        assert_eq!(meter_debit(4_760_000, MONTH_MINUTES), 4_760_000);
        assert_eq!(MeterRate::Disk.monthly_micros(r(2, 4, 4)), 360_000);
        assert_eq!(MeterRate::Free.monthly_micros(r(2, 4, 4)), 0);
    }
}
