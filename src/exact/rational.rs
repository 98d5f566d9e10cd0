//! Exact rationals: parsing, printing and conversions.
//!
//! thmcheck keeps every quantity that is rational in rational inputs as a
//! [`BigRational`] from parsing to report. Text forms are `p/q`, integers, and
//! decimals with an optional exponent (`0.05`, `1e-6`, `-2.5E3`), all read exactly.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Parses `p/q`, an integer, or a decimal with optional exponent, exactly.
///
/// ```
/// use thmcheck::exact::{parse_rational, format_rational};
/// assert_eq!(format_rational(&parse_rational("0.05").unwrap()), "1/20");
/// assert_eq!(format_rational(&parse_rational("-6/4").unwrap()), "-3/2");
/// assert_eq!(format_rational(&parse_rational("1e-3").unwrap()), "1/1000");
/// ```
///
/// # Errors
/// A message saying what was expected when the text is none of these forms or has a
/// zero denominator.
pub fn parse_rational(text: &str) -> Result<BigRational, String> {
    let text = text.trim();
    let expected = "a rational number such as 3, -1/20, 0.05 or 1e-6";
    if let Some((numerator, denominator)) = text.split_once('/') {
        let numerator = parse_decimal(numerator.trim()).ok_or_else(|| expected.to_string())?;
        let denominator = parse_decimal(denominator.trim()).ok_or_else(|| expected.to_string())?;
        if denominator.is_zero() {
            return Err(format!("`{text}` has a zero denominator"));
        }
        return Ok(numerator / denominator);
    }
    parse_decimal(text).ok_or_else(|| expected.to_string())
}

/// Reads `[-+]digits[.digits][e[-+]digits]` exactly.
fn parse_decimal(text: &str) -> Option<BigRational> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(position) => (&text[..position], text[position + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let significand: BigInt = format!("{whole}{fraction}").parse().ok()?;
    let scale = exponent - i32::try_from(fraction.len()).ok()?;
    let ten = BigInt::from(10);
    let mut value = BigRational::from_integer(significand);
    if scale >= 0 {
        value *= BigRational::from_integer(num_traits::pow(ten, scale as usize));
    } else {
        value /= BigRational::from_integer(num_traits::pow(ten, (-scale) as usize));
    }
    Some(if negative { -value } else { value })
}

/// Prints `p/q` in lowest terms, or `p` for an integer.
pub fn format_rational(value: &BigRational) -> String {
    if value.is_integer() {
        value.numer().to_string()
    } else {
        format!("{}/{}", value.numer(), value.denom())
    }
}

/// Prints a rational as the decimal it is when its denominator has no prime factor but 2
/// and 5 (so `43.2720554760673`, not `432720554760673/10000000000000`), else as `p/q`.
pub fn format_readable(value: &BigRational) -> String {
    if value.is_integer() {
        return value.numer().to_string();
    }
    let mut denominator = value.denom().clone();
    let mut places = 0u32;
    let (two, five, ten) = (BigInt::from(2), BigInt::from(5), BigInt::from(10));
    let (mut twos, mut fives) = (0u32, 0u32);
    while (&denominator % &two).is_zero() {
        denominator /= &two;
        twos += 1;
    }
    while (&denominator % &five).is_zero() {
        denominator /= &five;
        fives += 1;
    }
    if !denominator.is_one() {
        return format_rational(value);
    }
    places += twos.max(fives);
    let scaled = value * BigRational::from_integer(num_traits::pow(ten, places as usize));
    let digits = scaled.numer().abs().to_string();
    let sign = if value.is_negative() { "-" } else { "" };
    let places = places as usize;
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (whole, fraction) = padded.split_at(padded.len() - places);
    format!("{sign}{whole}.{fraction}")
}

/// The rational `numerator/denominator` from machine integers.
///
/// # Panics
/// When `denominator` is zero.
pub fn ratio(numerator: i64, denominator: i64) -> BigRational {
    BigRational::new(BigInt::from(numerator), BigInt::from(denominator))
}

/// The rational with the shortest decimal expansion that reads back as `value`.
///
/// A suite file's `0.05` arrives as the nearest double; this recovers the decimal the
/// user wrote (1/20), not the binary fraction 3602879701896397/72057594037927936.
/// Returns `None` for non-finite input.
pub fn rational_from_decimal_f64(value: f64) -> Option<BigRational> {
    if !value.is_finite() {
        return None;
    }
    parse_decimal(&format!("{value:e}"))
}

/// The exact rational value of a finite double (every double is a dyadic rational).
pub fn rational_from_f64_exact(value: f64) -> Option<BigRational> {
    BigRational::from_float(value)
}

/// Nearest double to a rational (infinite when out of range).
pub fn to_f64(value: &BigRational) -> f64 {
    value.to_f64().unwrap_or(if value.is_negative() {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    })
}

/// The sum of a slice of rationals.
pub fn sum(values: &[BigRational]) -> BigRational {
    values
        .iter()
        .fold(BigRational::zero(), |total, value| total + value)
}

/// The exact inner product of two equally long slices.
pub fn dot(left: &[BigRational], right: &[BigRational]) -> BigRational {
    debug_assert_eq!(left.len(), right.len());
    left.iter()
        .zip(right)
        .fold(BigRational::zero(), |total, (a, b)| total + a * b)
}

/// One, as a rational.
pub fn one() -> BigRational {
    BigRational::one()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_accepted_form_exactly() {
        assert_eq!(parse_rational("3").unwrap(), ratio(3, 1));
        assert_eq!(parse_rational("-1/20").unwrap(), ratio(-1, 20));
        assert_eq!(parse_rational("0.15").unwrap(), ratio(3, 20));
        assert_eq!(parse_rational(".5").unwrap(), ratio(1, 2));
        assert_eq!(parse_rational("2.5E3").unwrap(), ratio(2500, 1));
        assert_eq!(
            parse_rational("1e-12").unwrap(),
            ratio(1, 1_000_000_000_000)
        );
        assert_eq!(parse_rational("0.1/3").unwrap(), ratio(1, 30));
    }

    #[test]
    fn rejects_malformed_text_with_a_reason() {
        assert!(parse_rational("abc").is_err());
        assert!(
            parse_rational("1/0")
                .unwrap_err()
                .contains("zero denominator")
        );
        assert!(parse_rational("").is_err());
        assert!(parse_rational("1..2").is_err());
        assert!(parse_rational("-").is_err());
    }

    #[test]
    fn decimal_doubles_recover_the_written_decimal() {
        assert_eq!(rational_from_decimal_f64(0.05).unwrap(), ratio(1, 20));
        assert_eq!(
            rational_from_decimal_f64(1e12).unwrap(),
            ratio(1_000_000_000_000, 1)
        );
        assert_eq!(
            rational_from_decimal_f64(-0.71234567891).unwrap(),
            ratio(-71234567891, 100000000000)
        );
        assert!(rational_from_decimal_f64(f64::NAN).is_none());
    }

    #[test]
    fn terminating_fractions_print_as_decimals() {
        assert_eq!(
            format_readable(&parse_rational("43.2720554760673").unwrap()),
            "43.2720554760673"
        );
        assert_eq!(format_readable(&ratio(-3, 8)), "-0.375");
        assert_eq!(format_readable(&ratio(1, 1000)), "0.001");
        assert_eq!(format_readable(&ratio(1, 3)), "1/3");
        assert_eq!(format_readable(&ratio(5, 1)), "5");
    }

    #[test]
    fn prints_lowest_terms() {
        assert_eq!(format_rational(&ratio(6, -4)), "-3/2");
        assert_eq!(format_rational(&ratio(8, 4)), "2");
    }
}
