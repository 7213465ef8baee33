//! Exact conversions between decimal US dollars and integer micros (1 USD = 1,000,000).
//! Pure; used by the provider functions and unit-tested here.

use crate::sdk::value::Number;

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

/// `micros_to_usd`'s argument as micros: a whole number within the range of micros (i64).
/// Messages end without a full stop: Terraform adds one after an argument's error.
pub fn whole_micros(n: &Number) -> Result<i64, String> {
    if !n.is_integer() {
        return Err(format!(
            "{n} is not a whole number: micros are integers (1 USD = 1,000,000 micros); to convert dollars, use usd_to_micros"
        ));
    }
    n.as_i64().ok_or_else(|| {
        format!(
            "{n} micros is out of range: micros_to_usd takes whole numbers from {} to {}",
            i64::MIN,
            i64::MAX
        )
    })
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

    /// Issue 15, bug 7: a fraction and a number beyond i64 each get their own message (they
    /// were both "must be a whole number of micros.", with Terraform's full stop doubled).
    #[test]
    fn micros_must_be_whole_and_in_range() {
        let n = |s: &str| Number::parse(s).expect("number");
        assert_eq!(whole_micros(&n("1500000")), Ok(1_500_000));
        assert_eq!(whole_micros(&n("-9223372036854775808")), Ok(i64::MIN));
        assert_eq!(
            whole_micros(&n("1.5")),
            Err("1.5 is not a whole number: micros are integers (1 USD = 1,000,000 micros); to convert dollars, use usd_to_micros".into())
        );
        assert_eq!(
            whole_micros(&n("9223372036854775808")),
            Err("9223372036854775808 micros is out of range: micros_to_usd takes whole numbers from -9223372036854775808 to 9223372036854775807".into())
        );
        for s in ["1.5", "1e30", "9223372036854775808"] {
            assert!(!whole_micros(&n(s)).unwrap_err().ends_with('.'), "{s}");
        }
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
