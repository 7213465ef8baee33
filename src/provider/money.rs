//! Exact conversions between decimal US dollars and integer micros (1 USD = 1,000,000).
//! Pure; used by the provider functions and unit-tested here.

const MICROS_PER_USD: i64 = 1_000_000;

/// Parses decimal dollars (`"5"`, `"0.25"`, `"-1.5"`, `"1e2"` is refused) into micros.
pub fn usd_to_micros(text: &str) -> Result<i64, String> {
    let s = text.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let well_formed = !(whole.is_empty() && frac.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(format!(
            "{text:?} is not a decimal number of dollars, such as \"5\" or \"0.25\""
        ));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 6 {
        return Err(format!(
            "{text:?} has more than 6 decimal places; a micro (0.000001 USD) is the smallest unit"
        ));
    }
    let too_large = || format!("{text:?} is too large to express in micros");
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .trim_start_matches('0')
            .parse::<i64>()
            .or_else(|e| {
                if whole.trim_start_matches('0').is_empty() {
                    Ok(0)
                } else {
                    Err(e)
                }
            })
            .map_err(|_| too_large())?
    };
    let frac_micros: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().map_err(|_| too_large())?
    };
    let micros = whole
        .checked_mul(MICROS_PER_USD)
        .and_then(|w| w.checked_add(frac_micros))
        .ok_or_else(too_large)?;
    Ok(if negative { -micros } else { micros })
}

/// Formats micros as dollars with at least two decimals and no trailing zeros beyond them:
/// `1500000` → `"1.50"`, `114` → `"0.000114"`.
pub fn micros_to_usd(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let whole = abs / MICROS_PER_USD as u64;
    let frac = format!("{:06}", abs % MICROS_PER_USD as u64);
    let trimmed = frac.trim_end_matches('0');
    let shown = if trimmed.len() < 2 {
        &frac[..2]
    } else {
        trimmed
    };
    format!("{sign}{whole}.{shown}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_to_micros() {
        let cases = [
            ("5", 5_000_000),
            ("0.25", 250_000),
            ("1.000001", 1_000_001),
            ("0.100000", 100_000),
            (".5", 500_000),
            ("10.", 10_000_000),
            ("-1.5", -1_500_000),
            ("007", 7_000_000),
            ("0", 0),
            ("9223372036854", 9_223_372_036_854_000_000),
        ];
        for (text, want) in cases {
            assert_eq!(usd_to_micros(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_inexact_or_malformed() {
        for bad in [
            "1.0000001",
            "abc",
            "",
            ".",
            "1e6",
            "1,5",
            "9223372036855",
            "--1",
        ] {
            assert!(usd_to_micros(bad).is_err(), "{bad:?}");
        }
        assert!(
            usd_to_micros("0.1234567")
                .unwrap_err()
                .contains("6 decimal")
        );
    }

    #[test]
    fn micros_to_dollars() {
        let cases = [
            (1_500_000, "1.50"),
            (114, "0.000114"),
            (0, "0.00"),
            (5_000_000, "5.00"),
            (1_230_000, "1.23"),
            (1_234_000, "1.234"),
            (-2_500_000, "-2.50"),
            (i64::MIN, "-9223372036854.775808"),
        ];
        for (m, want) in cases {
            assert_eq!(micros_to_usd(m), want, "{m}");
        }
    }
}
