//! Terraform's numbers: exact decimals of arbitrary precision, or ±infinity.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An exact Terraform number: an arbitrary-precision decimal, or ±infinity.
///
/// Kept normalised (no leading or trailing zero digits), so the derived equality and hashing
/// are numeric: `1 == 1.0 == 10e-1`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `digits × 10^exp`; `digits` are ASCII, without leading or trailing '0'; empty for zero
    /// (which is never negative).
    Finite {
        neg: bool,
        digits: Vec<u8>,
        exp: i64,
    },
    Infinite {
        neg: bool,
    },
}

/// Why a string is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("{0:?} is not a decimal number")]
    Syntax(String),
    #[error("{0:?} is beyond the supported range (10^±{max})", max = Number::MAX_EXPONENT)]
    OutOfRange(String),
}

/// Digits of an f64's exact decimal expansion never exceed this (the smallest subnormal has 751
/// significant digits), so a longer decimal cannot be an f64.
const MAX_F64_DIGITS: usize = 800;

impl Number {
    /// Numbers are kept within 10^±MAX_EXPONENT (of their leading digit), so that printing one
    /// stays bounded whatever a peer sends; f64's range is 10^±308.
    pub const MAX_EXPONENT: i64 = 10_000;

    pub fn zero() -> Number {
        Number(Repr::Finite {
            neg: false,
            digits: Vec::new(),
            exp: 0,
        })
    }

    pub fn infinity(negative: bool) -> Number {
        Number(Repr::Infinite { neg: negative })
    }

    /// Builds from digits (ASCII) × 10^exp, normalising.
    fn finite(neg: bool, mut digits: Vec<u8>, mut exp: i64) -> Option<Number> {
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..lead);
        let trail = digits.iter().rev().take_while(|&&d| d == b'0').count();
        digits.truncate(digits.len() - trail);
        if digits.is_empty() {
            return Some(Number::zero());
        }
        exp = exp.checked_add(i64::try_from(trail).ok()?)?;
        let top = exp.checked_add(i64::try_from(digits.len()).ok()?)?;
        if !(-Self::MAX_EXPONENT..=Self::MAX_EXPONENT).contains(&top) {
            return None;
        }
        Some(Number(Repr::Finite { neg, digits, exp }))
    }

    fn from_u128(neg: bool, mut v: u128) -> Number {
        // u128::MAX has 39 digits; written from the end, with no text in between.
        let mut buf = [0u8; 39];
        let mut at = buf.len();
        while v > 0 {
            at -= 1;
            buf[at] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        Number::finite(neg, buf[at..].to_vec(), 0).unwrap_or_else(Number::zero)
    }

    /// Parses a decimal: optional sign, digits with an optional fraction, optional exponent
    /// (`-12.5e3`), or `inf`/`infinity`. Surrounding whitespace is not accepted.
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let syntax = || NumberError::Syntax(clip(s));
        let b = s.as_bytes();
        let (neg, rest) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
            return Ok(Number::infinity(neg));
        }
        let mut i = 0;
        let mut digits = Vec::with_capacity(rest.len());
        while let Some(&d @ b'0'..=b'9') = rest.get(i) {
            digits.push(d);
            i += 1;
        }
        let mut frac_len: i64 = 0;
        if rest.get(i) == Some(&b'.') {
            i += 1;
            while let Some(&d @ b'0'..=b'9') = rest.get(i) {
                digits.push(d);
                frac_len += 1;
                i += 1;
            }
        }
        if digits.is_empty() {
            return Err(syntax());
        }
        let mut exp: i64 = 0;
        if matches!(rest.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exp_neg = match rest.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while let Some(&d @ b'0'..=b'9') = rest.get(i) {
                // Saturate: anything this large is out of range anyway.
                exp = (exp * 10 + i64::from(d - b'0')).min(1 << 40);
                i += 1;
            }
            if i == start {
                return Err(syntax());
            }
            if exp_neg {
                exp = -exp;
            }
        }
        if i != rest.len() {
            return Err(syntax());
        }
        Number::finite(neg, digits, exp - frac_len).ok_or_else(|| NumberError::OutOfRange(clip(s)))
    }

    /// The shortest decimal that reads back as `f` (what a person would write: 0.1 gives "0.1");
    /// None for NaN. Use [`Number::from_f64_exact`] for the binary value itself.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number::infinity(f < 0.0));
        }
        // `{:e}` prints the shortest representation that round-trips.
        Number::parse(&format!("{f:e}")).ok()
    }

    /// The exact value of `f` (0.1 gives 0.1000000000000000055511151231257827…); None for NaN.
    /// This is what a float on the wire means, so it re-encodes as the same float.
    pub fn from_f64_exact(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number::infinity(f < 0.0));
        }
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let exp_bits = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1 << 52) - 1);
        let (mut mant, mut exp2) = if exp_bits == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), exp_bits - 1075)
        };
        if mant == 0 {
            return Some(Number::zero());
        }
        while mant & 1 == 0 && exp2 < 0 {
            mant >>= 1;
            exp2 += 1;
        }
        let mut big = BigUint::from_u64(mant);
        let exp10 = if exp2 >= 0 {
            while exp2 > 0 {
                let k = exp2.min(29);
                big.mul_small(1 << k);
                exp2 -= k;
            }
            0
        } else {
            // m × 2^-k = m × 5^k × 10^-k
            let k = -exp2;
            let mut left = k;
            while left > 0 {
                let step = left.min(13); // 5^13 fits a u32
                big.mul_small(5u32.pow(step as u32));
                left -= step;
            }
            -k
        };
        Number::finite(neg, big.to_decimal(), exp10)
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.0, Repr::Infinite { .. })
    }

    pub fn is_zero(&self) -> bool {
        matches!(&self.0, Repr::Finite { digits, .. } if digits.is_empty())
    }

    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Finite { neg, .. } | Repr::Infinite { neg } => *neg,
        }
    }

    /// Finite with no fractional part.
    pub fn is_integer(&self) -> bool {
        matches!(&self.0, Repr::Finite { exp, .. } if *exp >= 0)
    }

    /// The integer digits (sign included) when the number is integral and short enough to be
    /// worth trying as a machine integer.
    /// Sign and magnitude when integral and the magnitude fits in a u64 (no text, no
    /// allocation: integers are most of the numbers a provider reads).
    fn small_integer(&self) -> Option<(bool, u64)> {
        let Repr::Finite { neg, digits, exp } = &self.0 else {
            return None;
        };
        if *exp < 0 || digits.len() as i64 + *exp > 20 {
            return None;
        }
        let mut v: u64 = 0;
        for &d in digits {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        for _ in 0..*exp {
            v = v.checked_mul(10)?;
        }
        Some((*neg, v))
    }

    /// Some when integral and within i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self.small_integer()? {
            (false, v) => i64::try_from(v).ok(),
            // -2^63 is the one magnitude beyond i64::MAX that still fits.
            (true, v) if v <= i64::MIN.unsigned_abs() => Some(0i64.wrapping_sub_unsigned(v)),
            _ => None,
        }
    }

    /// Some when integral and within u64.
    pub fn as_u64(&self) -> Option<u64> {
        match self.small_integer()? {
            (false, v) => Some(v),
            _ => None,
        }
    }

    /// The nearest f64 (±inf beyond its range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Infinite { neg: false } => f64::INFINITY,
            Repr::Infinite { neg: true } => f64::NEG_INFINITY,
            Repr::Finite { digits, .. } if digits.is_empty() => 0.0,
            Repr::Finite { neg, digits, exp } => {
                // Scientific form keeps the text short; Rust's parser rounds correctly.
                let mut s = String::with_capacity(digits.len() + 24);
                if *neg {
                    s.push('-');
                }
                s.extend(digits.iter().map(|&d| char::from(d)));
                s.push('e');
                s.push_str(&exp.to_string());
                s.parse().unwrap_or(f64::NAN)
            }
        }
    }

    /// Some when the f64 nearest this number is exactly this number.
    pub fn to_f64_exact(&self) -> Option<f64> {
        match &self.0 {
            Repr::Infinite { neg } => Some(if *neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            Repr::Finite { digits, exp, .. } => {
                let top = digits.len() as i64 + exp;
                if digits.len() > MAX_F64_DIGITS || !(-330..=310).contains(&top) {
                    return None;
                }
                let f = self.as_f64();
                (f.is_finite() && Number::from_f64_exact(f).as_ref() == Some(self)).then_some(f)
            }
        }
    }
}

/// Error messages quote the input, but not all of a huge one.
fn clip(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

impl fmt::Display for Number {
    /// Plain decimal, no exponent: `-12.5`, `1000000`, `0.001`; `Inf` and `-Inf`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (neg, digits, exp) = match &self.0 {
            Repr::Infinite { neg } => return f.write_str(if *neg { "-Inf" } else { "Inf" }),
            Repr::Finite { digits, .. } if digits.is_empty() => return f.write_str("0"),
            Repr::Finite { neg, digits, exp } => (*neg, digits, *exp),
        };
        let digits = std::str::from_utf8(digits).map_err(|_| fmt::Error)?;
        let mut s = String::with_capacity(digits.len() + exp.unsigned_abs() as usize + 3);
        if neg {
            s.push('-');
        }
        if exp >= 0 {
            s.push_str(digits);
            s.extend(std::iter::repeat_n('0', exp as usize));
        } else {
            let int_len = digits.len() as i64 + exp;
            if int_len > 0 {
                let (int, frac) = digits.split_at(int_len as usize);
                s.push_str(int);
                s.push('.');
                s.push_str(frac);
            } else {
                s.push_str("0.");
                s.extend(std::iter::repeat_n('0', (-int_len) as usize));
                s.push_str(digits);
            }
        }
        f.write_str(&s)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Number, NumberError> {
        Number::parse(s)
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        // -inf < negatives < zero < positives < +inf
        fn rank(n: &Number) -> u8 {
            match &n.0 {
                Repr::Infinite { neg: true } => 0,
                Repr::Finite { digits, .. } if digits.is_empty() => 2,
                Repr::Finite { neg: true, .. } => 1,
                Repr::Finite { neg: false, .. } => 3,
                Repr::Infinite { neg: false } => 4,
            }
        }
        rank(self)
            .cmp(&rank(other))
            .then_with(|| match (&self.0, &other.0) {
                (
                    Repr::Finite {
                        neg,
                        digits: da,
                        exp: ea,
                    },
                    Repr::Finite {
                        digits: db,
                        exp: eb,
                        ..
                    },
                ) => {
                    // Same sign here: compare magnitudes by leading-digit position, then digits
                    // (normalised digits have no trailing zeros, so lexicographic order is numeric).
                    let mag = (da.len() as i64 + ea)
                        .cmp(&(db.len() as i64 + eb))
                        .then_with(|| da.cmp(db));
                    if *neg { mag.reverse() } else { mag }
                }
                _ => Ordering::Equal,
            })
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

macro_rules! number_from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::from_u128(v < 0, (v as i128).unsigned_abs())
            }
        }
    )*};
}
macro_rules! number_from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::from_u128(false, v as u128)
            }
        }
    )*};
}
number_from_signed!(i8, i16, i32, i64, isize);
number_from_unsigned!(u8, u16, u32, u64, usize);

/// Just enough of a big unsigned integer (base 10^9 limbs, little-endian) to expand an f64.
struct BigUint(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl BigUint {
    fn from_u64(mut v: u64) -> BigUint {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push((v % LIMB) as u32);
            v /= LIMB;
        }
        BigUint(limbs)
    }

    fn mul_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let p = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (p % LIMB) as u32;
            carry = p / LIMB;
        }
        while carry > 0 {
            self.0.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }

    fn to_decimal(&self) -> Vec<u8> {
        let mut s = String::with_capacity(self.0.len() * 9);
        for (i, limb) in self.0.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&limb.to_string());
            } else {
                s.push_str(&format!("{limb:09}"));
            }
        }
        s.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn numbers_normalise_and_compare_numerically() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10e-1"));
        assert_eq!(n("-0"), Number::zero());
        assert_eq!(n("0.000"), Number::zero());
        assert_eq!(n("001.500"), n("1.5"));
        assert_eq!(Number::from(1i64), n("1.0"));
        assert!(n("-2") < n("-1.5"));
        assert!(n("-1") < Number::zero());
        assert!(n("0.001") < n("0.01"));
        assert!(n("12") < n("12.0001"));
        assert!(n("99") < n("100"));
        assert!(Number::infinity(true) < n("-1e9999"));
        assert!(n("1e9999") < Number::infinity(false));
    }

    #[test]
    fn numbers_print_canonically() {
        for (input, out) in [
            ("0", "0"),
            ("-0.0", "0"),
            ("1e3", "1000"),
            ("+12.50", "12.5"),
            ("-0.0012", "-0.0012"),
            (
                "123456789012345678901234567890.5",
                "123456789012345678901234567890.5",
            ),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.5E+2", "150"),
            ("inf", "Inf"),
            ("-Infinity", "-Inf"),
        ] {
            assert_eq!(n(input).to_string(), out, "{input}");
        }
        assert_eq!(Number::from(i64::MIN).to_string(), "-9223372036854775808");
        assert_eq!(Number::from(u64::MAX).to_string(), "18446744073709551615");
    }

    #[test]
    fn number_parse_rejects_garbage() {
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", " 1", "1 ", "0x10", "nan", "1_000",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Number::parse("1e20000"),
            Err(NumberError::OutOfRange(_))
        ));
        assert!(matches!(
            Number::parse("1e99999999999999999999999"),
            Err(NumberError::OutOfRange(_))
        ));
    }

    #[test]
    fn integer_views() {
        assert_eq!(n("42").as_i64(), Some(42));
        assert_eq!(n("4.2e1").as_i64(), Some(42));
        assert_eq!(n("42.5").as_i64(), None);
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_u64(), Some(1 << 63));
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1e30").as_i64(), None);
        assert_eq!(Number::zero().as_i64(), Some(0));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("-9223372036854775809").as_i64(), None);
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("1e19").as_u64(), Some(10_000_000_000_000_000_000));
        assert_eq!(n("-3e2").as_i64(), Some(-300));
        for v in [0, 7, -7, 1200, i64::MIN, i64::MAX] {
            assert_eq!(Number::from(v).as_i64(), Some(v));
        }
        assert_eq!(Number::from(u64::MAX).to_string(), u64::MAX.to_string());
    }

    #[test]
    fn floats_exact_and_shortest() {
        assert_eq!(Number::from_f64(0.1).unwrap().to_string(), "0.1");
        assert_eq!(
            Number::from_f64_exact(0.1).unwrap().to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(Number::from_f64_exact(1.5).unwrap(), n("1.5"));
        assert_eq!(Number::from_f64_exact(-0.0).unwrap(), Number::zero());
        assert_eq!(
            Number::from_f64_exact(2f64.powi(70)).unwrap().to_string(),
            "1180591620717411303424"
        );
        assert!(Number::from_f64(f64::NAN).is_none());
        for f in [
            0.1,
            1.5,
            -3.25,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            123456.789,
        ] {
            let exact = Number::from_f64_exact(f).unwrap();
            assert_eq!(exact.as_f64(), f);
            assert_eq!(exact.to_f64_exact(), Some(f));
            assert_eq!(Number::from_f64(f).unwrap().as_f64(), f);
        }
        assert_eq!(n("0.1").to_f64_exact(), None);
        assert_eq!(n("0.5").to_f64_exact(), Some(0.5));
        assert_eq!(n("123456789012345678901234567890.5").to_f64_exact(), None);
    }
}
