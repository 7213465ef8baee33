//! UTC months: the calendar arithmetic behind budget periods and `?month=`.

use super::shapes::DAY;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
