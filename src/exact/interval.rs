//! Certified real arithmetic: closed intervals with outward rounding.
//!
//! An [`Interval`] holds a lower end rounded toward −∞ and an upper end rounded toward
//! +∞, both binary floats of a chosen precision (dashu-float, whose elementary
//! functions are correctly rounded in the requested direction). Every operation
//! returns an interval that contains the exact result of applying the operation to
//! every point of its inputs, so a value computed through any chain of operations is
//! *enclosed*: the true real number lies between the ends.
//!
//! Enclosures are checked at a second precision by [`certify`]: the computation runs at
//! `p` and `2p` bits; disjoint results mean a bug, not a rounding artefact, and become an
//! error rather than a silently wrong digit.
//!
//! # Example
//! ```
//! use thmcheck::exact::{Interval, ratio};
//! let ninety_nine = Interval::from_rational(&ratio(99, 1), 128);
//! let travel = Interval::from_rational(&ratio(3920, 99), 128)
//!     .add(&Interval::from_rational(&ratio(4, 5), 128).mul(&ninety_nine.ln().unwrap()));
//! assert!(43.27205547606 <= travel.lower_f64() && travel.upper_f64() <= 43.27205547607);
//! assert!(travel.width_f64() < 1e-30);
//! ```

use std::fmt;

use dashu_float::round::mode::{Down, Up};
use dashu_float::{Context, FBig, Repr};
use dashu_int::IBig;
use num_bigint::BigInt;
use num_rational::BigRational;

use crate::error::Error;

/// Default working precision of certified evaluations, in bits.
pub const DEFAULT_PRECISION: usize = 128;

type Lower = FBig<Down, 2>;
type Upper = FBig<Up, 2>;

/// A closed interval `[lower, upper]` of reals with outward-rounded binary ends.
#[derive(Clone, Debug)]
pub struct Interval {
    lower: Lower,
    upper: Upper,
    precision: usize,
}

fn down(precision: usize) -> Context<Down> {
    Context::new(precision)
}

fn up(precision: usize) -> Context<Up> {
    Context::new(precision)
}

fn to_ibig(value: &BigInt) -> IBig {
    // Both crates read and write two's complement little-endian bytes.
    IBig::from_le_bytes(&value.to_signed_bytes_le())
}

impl Interval {
    /// The enclosure of a rational at `precision` bits (a point when it is dyadic).
    pub fn from_rational(value: &BigRational, precision: usize) -> Self {
        let numerator = Repr::<2>::new(to_ibig(value.numer()), 0);
        let denominator = Repr::<2>::new(to_ibig(value.denom()), 0);
        let lower = down(precision)
            .div(&numerator, &denominator)
            .expect("the denominator of a rational is nonzero")
            .value();
        let upper = up(precision)
            .div(&numerator, &denominator)
            .expect("the denominator of a rational is nonzero")
            .value();
        Interval {
            lower,
            upper,
            precision,
        }
    }

    /// The point interval of an integer.
    pub fn from_integer(value: i64, precision: usize) -> Self {
        Self::from_rational(&BigRational::from_integer(value.into()), precision)
    }

    /// The point interval of a finite double (doubles are exact dyadic rationals).
    ///
    /// # Errors
    /// [`Error::Numerical`] for NaN or an infinity.
    pub fn from_f64(value: f64, precision: usize) -> Result<Self, Error> {
        let rational = BigRational::from_float(value).ok_or_else(|| {
            Error::Numerical(format!(
                "non-finite value {value} entered a certified evaluation"
            ))
        })?;
        Ok(Self::from_rational(&rational, precision))
    }

    /// The interval `[lower, upper]` of two rationals.
    ///
    /// # Panics
    /// When `lower > upper`.
    pub fn between(lower: &BigRational, upper: &BigRational, precision: usize) -> Self {
        assert!(lower <= upper, "an interval needs lower <= upper");
        let low = Self::from_rational(lower, precision);
        let high = Self::from_rational(upper, precision);
        Interval {
            lower: low.lower,
            upper: high.upper,
            precision,
        }
    }

    /// The convex hull of two intervals.
    pub fn hull(&self, other: &Self) -> Self {
        let lower = if self.lower <= other.lower {
            self.lower.clone()
        } else {
            other.lower.clone()
        };
        let upper = if self.upper >= other.upper {
            self.upper.clone()
        } else {
            other.upper.clone()
        };
        Interval {
            lower,
            upper,
            precision: self.precision.max(other.precision),
        }
    }

    /// The intersection, or `None` when the intervals are disjoint.
    pub fn intersect(&self, other: &Self) -> Option<Self> {
        let lower = if self.lower >= other.lower {
            self.lower.clone()
        } else {
            other.lower.clone()
        };
        let upper = if self.upper <= other.upper {
            self.upper.clone()
        } else {
            other.upper.clone()
        };
        (lower <= upper).then_some(Interval {
            lower,
            upper,
            precision: self.precision.max(other.precision),
        })
    }

    /// Working precision in bits.
    pub fn precision(&self) -> usize {
        self.precision
    }

    fn joint_precision(&self, other: &Self) -> usize {
        self.precision.max(other.precision)
    }

    /// `self + other`.
    pub fn add(&self, other: &Self) -> Self {
        let precision = self.joint_precision(other);
        Interval {
            lower: down(precision)
                .add(self.lower.repr(), other.lower.repr())
                .expect("finite sum")
                .value(),
            upper: up(precision)
                .add(self.upper.repr(), other.upper.repr())
                .expect("finite sum")
                .value(),
            precision,
        }
    }

    /// `self − other`.
    pub fn sub(&self, other: &Self) -> Self {
        self.add(&other.neg())
    }

    /// `−self`.
    pub fn neg(&self) -> Self {
        Interval {
            lower: (-self.upper.clone()).with_rounding(),
            upper: (-self.lower.clone()).with_rounding(),
            precision: self.precision,
        }
    }

    /// `self · other`: the extreme products of the ends, each rounded outward.
    pub fn mul(&self, other: &Self) -> Self {
        let precision = self.joint_precision(other);
        let ends_self = [self.lower.repr().clone(), self.upper.repr().clone()];
        let ends_other = [other.lower.repr().clone(), other.upper.repr().clone()];
        let mut lower: Option<Lower> = None;
        let mut upper: Option<Upper> = None;
        for a in &ends_self {
            for b in &ends_other {
                let low = down(precision).mul(a, b).expect("finite product").value();
                let high = up(precision).mul(a, b).expect("finite product").value();
                if lower.as_ref().is_none_or(|current| low < *current) {
                    lower = Some(low);
                }
                if upper.as_ref().is_none_or(|current| high > *current) {
                    upper = Some(high);
                }
            }
        }
        Interval {
            lower: lower.expect("four products"),
            upper: upper.expect("four products"),
            precision,
        }
    }

    /// `|self|`: the interval itself, its negation, or [0, max end] when it straddles zero.
    pub fn abs(&self) -> Self {
        if self.is_negative() {
            self.neg()
        } else if self.contains_zero() {
            let magnitude = self.neg().hull(self);
            Interval {
                lower: Lower::ZERO,
                upper: magnitude.upper,
                precision: self.precision,
            }
        } else {
            self.clone()
        }
    }

    /// The enclosure of max(x, y) for x in `self`, y in `other`.
    pub fn maximum(&self, other: &Self) -> Self {
        let lower = if self.lower >= other.lower {
            self.lower.clone()
        } else {
            other.lower.clone()
        };
        let upper = if self.upper >= other.upper {
            self.upper.clone()
        } else {
            other.upper.clone()
        };
        Interval {
            lower,
            upper,
            precision: self.precision.max(other.precision),
        }
    }

    /// `self²`, which is never negative even when `self` straddles zero.
    pub fn square(&self) -> Self {
        let product = self.mul(self);
        if self.contains_zero() {
            Interval {
                lower: Lower::ZERO,
                upper: product.upper,
                precision: product.precision,
            }
        } else {
            product
        }
    }

    /// `1 / self`.
    ///
    /// # Errors
    /// [`Error::Numerical`] when the interval contains zero.
    pub fn recip(&self) -> Result<Self, Error> {
        if self.contains_zero() {
            return Err(Error::Numerical(format!(
                "division by an interval containing zero: {self}"
            )));
        }
        let one = Repr::<2>::one();
        Ok(Interval {
            lower: down(self.precision)
                .div(&one, self.upper.repr())
                .expect("nonzero divisor")
                .value(),
            upper: up(self.precision)
                .div(&one, self.lower.repr())
                .expect("nonzero divisor")
                .value(),
            precision: self.precision,
        })
    }

    /// `self / other`.
    ///
    /// # Errors
    /// [`Error::Numerical`] when `other` contains zero.
    pub fn div(&self, other: &Self) -> Result<Self, Error> {
        Ok(self.mul(&other.recip()?))
    }

    /// `exp(self)`; exp is increasing, so the ends map to the ends.
    ///
    /// # Errors
    /// [`Error::Numerical`] when the result overflows the float format's exponent range
    /// (arguments beyond about ±10¹⁸).
    pub fn exp(&self) -> Result<Self, Error> {
        let lower = down(self.precision).exp(self.lower.repr(), None);
        let upper = up(self.precision).exp(self.upper.repr(), None);
        match (lower, upper) {
            (Ok(lower), Ok(upper))
                if lower.value_ref().repr().is_finite() && upper.value_ref().repr().is_finite() =>
            {
                Ok(Interval {
                    lower: lower.value(),
                    upper: upper.value(),
                    precision: self.precision,
                })
            }
            _ => Err(Error::Numerical(format!("exp overflows at {self}"))),
        }
    }

    /// `ln(self)`.
    ///
    /// # Errors
    /// [`Error::Numerical`] unless the interval is positive.
    pub fn ln(&self) -> Result<Self, Error> {
        if !self.is_positive() {
            return Err(Error::Numerical(format!(
                "logarithm of a non-positive interval {self}"
            )));
        }
        Ok(Interval {
            lower: down(self.precision)
                .ln(self.lower.repr(), None)
                .expect("positive ln")
                .value(),
            upper: up(self.precision)
                .ln(self.upper.repr(), None)
                .expect("positive ln")
                .value(),
            precision: self.precision,
        })
    }

    /// `√self`.
    ///
    /// # Errors
    /// [`Error::Numerical`] when the interval reaches below zero.
    pub fn sqrt(&self) -> Result<Self, Error> {
        if self.lower < Lower::ZERO {
            return Err(Error::Numerical(format!(
                "square root of an interval reaching below zero {self}"
            )));
        }
        Ok(Interval {
            lower: down(self.precision)
                .sqrt(self.lower.repr())
                .expect("non-negative sqrt")
                .value(),
            upper: up(self.precision)
                .sqrt(self.upper.repr())
                .expect("non-negative sqrt")
                .value(),
            precision: self.precision,
        })
    }

    /// `self^power` for a non-negative integer power, by repeated multiplication.
    pub fn powi(&self, power: u32) -> Self {
        if power == 0 {
            return Self::from_integer(1, self.precision);
        }
        let mut result = self.clone();
        for _ in 1..power {
            result = result.mul(self);
        }
        if power % 2 == 0 && self.contains_zero() {
            result.lower = Lower::ZERO;
        }
        result
    }

    /// π at this interval's precision.
    pub fn pi(precision: usize) -> Self {
        Interval {
            lower: down(precision).pi::<2>(None).value(),
            upper: up(precision).pi::<2>(None).value(),
            precision,
        }
    }

    /// The same enclosure, re-rounded outward to `precision` bits.
    pub fn with_precision(&self, precision: usize) -> Self {
        Interval {
            lower: self.lower.clone().with_precision(precision).value(),
            upper: self.upper.clone().with_precision(precision).value(),
            precision,
        }
    }

    /// The lower end as a point interval.
    pub fn lower_point(&self) -> Self {
        Interval {
            lower: self.lower.clone(),
            upper: self.lower.clone().with_rounding(),
            precision: self.precision,
        }
    }

    /// The upper end as a point interval.
    pub fn upper_point(&self) -> Self {
        Interval {
            lower: self.upper.clone().with_rounding(),
            upper: self.upper.clone(),
            precision: self.precision,
        }
    }

    /// The interval `[lower.lower, upper.upper]` spanned by two enclosures.
    pub fn spanning(lower: &Self, upper: &Self) -> Self {
        Interval {
            lower: lower.lower.clone(),
            upper: upper.upper.clone(),
            precision: lower.precision.max(upper.precision),
        }
    }

    /// `[self.lower, self.upper + amount.upper]`: widens upward by a non-negative amount.
    pub fn widen_up(&self, amount: &Self) -> Self {
        let precision = self.joint_precision(amount);
        Interval {
            lower: self.lower.clone(),
            upper: up(precision)
                .add(self.upper.repr(), amount.upper.repr())
                .expect("finite sum")
                .value(),
            precision,
        }
    }

    /// Lower end as a double rounded toward −∞.
    pub fn lower_f64(&self) -> f64 {
        self.lower.to_f64().value()
    }

    /// Upper end as a double rounded toward +∞.
    pub fn upper_f64(&self) -> f64 {
        self.upper.to_f64().value()
    }

    /// Midpoint as the nearest double (for display and f64 comparisons only).
    pub fn midpoint_f64(&self) -> f64 {
        let lower = self.lower.to_f64().value();
        let upper = self.upper.to_f64().value();
        lower / 2.0 + upper / 2.0
    }

    /// Width as a double rounded upward.
    pub fn width_f64(&self) -> f64 {
        up(self.precision)
            .sub(self.upper.repr(), self.lower.repr())
            .expect("finite width")
            .value()
            .to_f64()
            .value()
    }

    /// Whether the ends coincide (the enclosure is a single dyadic number).
    pub fn is_point(&self) -> bool {
        self.lower == self.upper
    }

    /// Whether every point is > 0.
    pub fn is_positive(&self) -> bool {
        self.lower > Lower::ZERO
    }

    /// Whether every point is < 0.
    pub fn is_negative(&self) -> bool {
        self.upper < Upper::ZERO
    }

    /// Whether 0 lies in the interval.
    pub fn contains_zero(&self) -> bool {
        self.lower <= Lower::ZERO && self.upper >= Upper::ZERO
    }

    /// Whether the rational lies in the interval, decided exactly: the ends are dyadic
    /// rationals and are compared as such.
    pub fn contains_rational(&self, value: &BigRational) -> bool {
        dyadic(self.lower.repr()) <= *value && *value <= dyadic(self.upper.repr())
    }

    /// Whether the double lies in the interval (decided exactly).
    pub fn contains_f64(&self, value: f64) -> bool {
        match Repr::<2>::try_from(value) {
            Ok(repr) => {
                let point = Lower::from_repr(repr, down(self.precision));
                self.lower <= point && point <= self.upper
            }
            Err(_) => false,
        }
    }

    /// Whether every point of `self` is at most every point of `other`.
    pub fn certainly_at_most(&self, other: &Self) -> bool {
        self.upper <= other.lower
    }

    /// Whether every point of `self` is below every point of `other`.
    pub fn certainly_less_than(&self, other: &Self) -> bool {
        self.upper < other.lower
    }

    /// Outward-rounded decimal ends with `digits` significant digits, in scientific
    /// notation outside [1e-4, 1e7).
    pub fn decimal_ends(&self, digits: usize) -> (String, String) {
        let lower = self
            .lower
            .clone()
            .with_base_and_precision::<10>(digits)
            .value();
        let upper = self
            .upper
            .clone()
            .with_base_and_precision::<10>(digits)
            .value();
        (
            decimal_text(lower.repr().significand(), lower.repr().exponent()),
            decimal_text(upper.repr().significand(), upper.repr().exponent()),
        )
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (lower, upper) = self.decimal_ends(20);
        write!(formatter, "[{lower}, {upper}]")
    }
}

/// The exact value of a binary float: significand · 2^exponent.
fn dyadic(repr: &Repr<2>) -> BigRational {
    let significand = BigInt::from_signed_bytes_le(&repr.significand().to_le_bytes());
    let exponent = repr.exponent();
    let power = BigRational::from_integer(BigInt::from(1) << exponent.unsigned_abs());
    let significand = BigRational::from_integer(significand);
    if exponent >= 0 {
        significand * power
    } else {
        significand / power
    }
}

/// Prints significand·10^exponent, in scientific notation when very large or small.
fn decimal_text(significand: &IBig, exponent: isize) -> String {
    let text = significand.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        return "0".into();
    }
    let trailing = text.trim_start_matches('-').len() - digits.len();
    let exponent = exponent + trailing as isize;
    // The value is 0.d1d2… × 10^scientific+1 with `scientific` the power of the first digit.
    let scientific = exponent + digits.len() as isize - 1;
    if (-4..7).contains(&scientific) {
        if exponent >= 0 {
            format!("{sign}{digits}{}", "0".repeat(exponent as usize))
        } else {
            let split = digits.len() as isize + exponent;
            if split > 0 {
                format!(
                    "{sign}{}.{}",
                    &digits[..split as usize],
                    &digits[split as usize..]
                )
            } else {
                format!("{sign}0.{}{digits}", "0".repeat((-split) as usize))
            }
        }
    } else if digits.len() == 1 {
        format!("{sign}{digits}e{scientific}")
    } else {
        format!("{sign}{}.{}e{scientific}", &digits[..1], &digits[1..])
    }
}

/// Evaluates an enclosure at `precision` and `2·precision` bits and returns the
/// tighter one.
///
/// The two must overlap; disjoint enclosures of one real number prove a defect in the
/// evaluation, which is reported as [`Error::Numerical`], never hidden.
///
/// # Errors
/// Whatever `evaluate` returns, or the disagreement described above.
pub fn certify<F>(precision: usize, evaluate: F) -> Result<Interval, Error>
where
    F: Fn(usize) -> Result<Interval, Error>,
{
    let coarse = evaluate(precision)?;
    let fine = evaluate(2 * precision)?;
    match coarse.intersect(&fine) {
        Some(_) => Ok(if fine.width_f64() <= coarse.width_f64() {
            fine
        } else {
            coarse
        }),
        None => Err(Error::Numerical(format!(
            "enclosures at {precision} and {} bits disagree: {coarse} and {fine}",
            2 * precision
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::rational::ratio;

    #[test]
    fn one_third_is_enclosed_and_not_a_point() {
        let third = Interval::from_rational(&ratio(1, 3), 128);
        assert!(!third.is_point());
        assert!(third.contains_rational(&ratio(1, 3)));
        assert!(third.width_f64() < 1e-37);
        assert!(Interval::from_rational(&ratio(3, 8), 128).is_point());
    }

    #[test]
    fn ln_of_two_matches_thirty_digits() {
        let ln2 = Interval::from_integer(2, 128).ln().unwrap();
        let (lower, upper) = ln2.decimal_ends(30);
        assert!(lower.starts_with("0.69314718055994530941723212"), "{lower}");
        assert!(upper.starts_with("0.69314718055994530941723212"), "{upper}");
    }

    #[test]
    fn products_of_signed_intervals_take_the_extreme_corners() {
        let a = Interval::between(&ratio(-2, 1), &ratio(3, 1), 64);
        let b = Interval::between(&ratio(-5, 1), &ratio(1, 1), 64);
        let product = a.mul(&b);
        assert_eq!(product.lower_f64(), -15.0);
        assert_eq!(product.upper_f64(), 10.0);
        assert_eq!(a.square().lower_f64(), 0.0);
        assert_eq!(a.square().upper_f64(), 9.0);
    }

    #[test]
    fn absolute_value_and_maximum() {
        let straddling = Interval::between(&ratio(-3, 1), &ratio(2, 1), 64);
        let magnitude = straddling.abs();
        assert_eq!((magnitude.lower_f64(), magnitude.upper_f64()), (0.0, 3.0));
        let negative = Interval::between(&ratio(-3, 1), &ratio(-2, 1), 64).abs();
        assert_eq!((negative.lower_f64(), negative.upper_f64()), (2.0, 3.0));
        let larger = Interval::between(&ratio(1, 1), &ratio(4, 1), 64).maximum(&Interval::between(
            &ratio(2, 1),
            &ratio(3, 1),
            64,
        ));
        assert_eq!((larger.lower_f64(), larger.upper_f64()), (2.0, 4.0));
    }

    #[test]
    fn exp_overflow_is_an_error() {
        let huge = Interval::from_rational(&ratio(10, 1).pow(30), 64);
        assert!(matches!(huge.exp(), Err(Error::Numerical(_))));
        assert!(
            Interval::from_integer(-1000, 64)
                .exp()
                .unwrap()
                .is_positive()
        );
    }

    #[test]
    fn domain_errors_are_reported() {
        let straddling = Interval::between(&ratio(-1, 1), &ratio(1, 1), 64);
        assert!(straddling.recip().is_err());
        assert!(straddling.ln().is_err());
        assert!(straddling.sqrt().is_err());
    }

    #[test]
    fn certify_returns_the_tighter_enclosure_and_rejects_disagreement() {
        let sqrt2 = certify(64, |precision| Interval::from_integer(2, precision).sqrt()).unwrap();
        assert_eq!(sqrt2.precision(), 128);
        let broken = certify(64, |precision| {
            Ok(Interval::from_integer(precision as i64, precision))
        });
        assert!(broken.is_err());
    }

    #[test]
    fn decimal_text_switches_to_scientific_notation() {
        assert_eq!(decimal_text(&IBig::from(12345), -2), "123.45");
        assert_eq!(decimal_text(&IBig::from(-5), -3), "-0.005");
        assert_eq!(decimal_text(&IBig::from(4906), -201), "4.906e-198");
        assert_eq!(decimal_text(&IBig::from(12), 10), "1.2e11");
        assert_eq!(decimal_text(&IBig::from(1200), 0), "1200");
        assert_eq!(decimal_text(&IBig::from(0), 0), "0");
    }

    #[test]
    fn big_integers_cross_between_the_two_crates() {
        for text in [
            "0",
            "-1",
            "255",
            "-256",
            "123456789012345678901234567890",
            "-98765432109876543210",
        ] {
            let value: BigInt = text.parse().unwrap();
            assert_eq!(to_ibig(&value).to_string(), text);
            let rational = BigRational::from_integer(value.clone());
            assert!(Interval::from_rational(&rational, 256).contains_rational(&rational));
        }
    }

    #[test]
    fn f64_containment_is_exact() {
        let tenth = Interval::from_rational(&ratio(1, 10), 200);
        assert!(!tenth.contains_f64(0.1), "0.1 as a double is not 1/10");
        // At 40 bits the enclosure of 1/10 is ~1e-14 wide and covers the double 0.1.
        let wide = Interval::from_rational(&ratio(1, 10), 40);
        assert!(wide.contains_f64(0.1));
    }
}
