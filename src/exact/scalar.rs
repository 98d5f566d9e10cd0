//! One arithmetic interface over the three tiers, so that a small simulation can run the
//! same code in `f64`, in exact rationals and in certified intervals.
//!
//! A simulator written against [`Scalar`] is checked against itself: the f64 run gives
//! the numbers, the rational run proves the steps that are rational (a gradient step at
//! a point where every exponential is exp(0) = 1), and the interval run encloses the
//! steps that are not. Exact rationals refuse `exp` of anything but zero, because the
//! result would be irrational; that refusal is an error, never a rounded value.
//!
//! # Example
//! ```
//! use thmcheck::exact::{Interval, Scalar, ratio};
//! fn logistic_weight<S: Scalar>(margin: &S) -> Result<S, thmcheck::Error> {
//!     let one = S::constant(&ratio(1, 1), margin.precision());
//!     one.div(&one.add(&margin.exp()?))
//! }
//! let exact = logistic_weight(&ratio(0, 1)).unwrap();
//! assert_eq!(exact, ratio(1, 2));
//! let enclosed = logistic_weight(&Interval::from_rational(&ratio(1, 3), 128)).unwrap();
//! let double = 1.0 / (1.0 + (1.0_f64 / 3.0).exp());
//! assert!((enclosed.midpoint_f64() - double).abs() < 1e-15 && enclosed.width_f64() < 1e-30);
//! assert!(logistic_weight(&ratio(1, 3)).is_err());
//! ```

use std::cmp::Ordering;

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use crate::error::Error;
use crate::exact::Interval;
use crate::exact::rational::{rational_from_f64_exact, to_f64};

/// A number type a simulator can run in: `f64`, [`BigRational`] or [`Interval`].
///
/// `precision` is the working precision in bits of certified constants; the other
/// tiers ignore it.
pub trait Scalar: Clone + Send + Sync + std::fmt::Debug {
    /// The value of a rational at `precision` bits (exact or enclosed where the tier can).
    fn constant(value: &BigRational, precision: usize) -> Self;

    /// A double as this tier holds it (exactly, since a finite double is dyadic).
    ///
    /// # Errors
    /// [`Error::Numerical`] for a non-finite double in an exact or certified tier.
    fn from_f64(value: f64, precision: usize) -> Result<Self, Error>;

    /// The working precision (0 for the tiers without one).
    fn precision(&self) -> usize;

    /// `self + other`.
    fn add(&self, other: &Self) -> Self;

    /// `self − other`.
    fn sub(&self, other: &Self) -> Self;

    /// `self · other`.
    fn mul(&self, other: &Self) -> Self;

    /// `−self`.
    fn neg(&self) -> Self;

    /// `self / other`.
    ///
    /// # Errors
    /// [`Error::Numerical`] when `other` is (or may be) zero.
    fn div(&self, other: &Self) -> Result<Self, Error>;

    /// `exp(self)`.
    ///
    /// # Errors
    /// [`Error::Numerical`] on overflow, or for exact rationals other than 0.
    fn exp(&self) -> Result<Self, Error>;

    /// The sign when it is certain: `None` for an interval that contains zero and other
    /// points.
    fn sign(&self) -> Option<Ordering>;

    /// The nearest double (the midpoint of an enclosure).
    fn to_f64(&self) -> f64;

    /// Whether the value is a finite number (always true for exact tiers).
    fn is_finite(&self) -> bool;

    /// Whether the value is exactly zero (an interval: the point 0), so that work with
    /// it can be skipped.
    fn is_exact_zero(&self) -> bool;

    /// The zero of the tier.
    fn zero_at(precision: usize) -> Self {
        Self::constant(&<BigRational as Zero>::zero(), precision)
    }
}

impl Scalar for f64 {
    fn constant(value: &BigRational, _precision: usize) -> Self {
        to_f64(value)
    }

    fn from_f64(value: f64, _precision: usize) -> Result<Self, Error> {
        Ok(value)
    }

    fn precision(&self) -> usize {
        0
    }

    #[inline]
    fn add(&self, other: &Self) -> Self {
        self + other
    }

    #[inline]
    fn sub(&self, other: &Self) -> Self {
        self - other
    }

    #[inline]
    fn mul(&self, other: &Self) -> Self {
        self * other
    }

    #[inline]
    fn neg(&self) -> Self {
        -self
    }

    fn div(&self, other: &Self) -> Result<Self, Error> {
        Ok(self / other)
    }

    fn exp(&self) -> Result<Self, Error> {
        Ok(f64::exp(*self))
    }

    fn sign(&self) -> Option<Ordering> {
        self.partial_cmp(&0.0)
    }

    fn to_f64(&self) -> f64 {
        *self
    }

    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }

    fn is_exact_zero(&self) -> bool {
        *self == 0.0
    }
}

impl Scalar for BigRational {
    fn constant(value: &BigRational, _precision: usize) -> Self {
        value.clone()
    }

    fn from_f64(value: f64, _precision: usize) -> Result<Self, Error> {
        rational_from_f64_exact(value).ok_or_else(|| {
            Error::Numerical(format!(
                "non-finite value {value} entered an exact evaluation"
            ))
        })
    }

    fn precision(&self) -> usize {
        0
    }

    fn add(&self, other: &Self) -> Self {
        self + other
    }

    fn sub(&self, other: &Self) -> Self {
        self - other
    }

    fn mul(&self, other: &Self) -> Self {
        self * other
    }

    fn neg(&self) -> Self {
        -self
    }

    fn div(&self, other: &Self) -> Result<Self, Error> {
        if other.is_zero() {
            Err(Error::Numerical("exact division by zero".into()))
        } else {
            Ok(self / other)
        }
    }

    fn exp(&self) -> Result<Self, Error> {
        if self.is_zero() {
            Ok(BigRational::one())
        } else {
            Err(Error::Numerical(format!(
                "exp({}) is irrational; this step needs the certified tier",
                crate::exact::format_rational(self)
            )))
        }
    }

    fn sign(&self) -> Option<Ordering> {
        Some(if self.is_positive() {
            Ordering::Greater
        } else if self.is_negative() {
            Ordering::Less
        } else {
            Ordering::Equal
        })
    }

    fn to_f64(&self) -> f64 {
        to_f64(self)
    }

    fn is_finite(&self) -> bool {
        true
    }

    fn is_exact_zero(&self) -> bool {
        self.is_zero()
    }
}

impl Scalar for Interval {
    fn constant(value: &BigRational, precision: usize) -> Self {
        Interval::from_rational(value, precision)
    }

    fn from_f64(value: f64, precision: usize) -> Result<Self, Error> {
        Interval::from_f64(value, precision)
    }

    fn precision(&self) -> usize {
        Interval::precision(self)
    }

    fn add(&self, other: &Self) -> Self {
        Interval::add(self, other)
    }

    fn sub(&self, other: &Self) -> Self {
        Interval::sub(self, other)
    }

    fn mul(&self, other: &Self) -> Self {
        Interval::mul(self, other)
    }

    fn neg(&self) -> Self {
        Interval::neg(self)
    }

    fn div(&self, other: &Self) -> Result<Self, Error> {
        Interval::div(self, other)
    }

    fn exp(&self) -> Result<Self, Error> {
        Interval::exp(self)
    }

    fn sign(&self) -> Option<Ordering> {
        if self.is_positive() {
            Some(Ordering::Greater)
        } else if self.is_negative() {
            Some(Ordering::Less)
        } else if self.is_point() {
            Some(Ordering::Equal)
        } else {
            None
        }
    }

    fn to_f64(&self) -> f64 {
        self.midpoint_f64()
    }

    fn is_finite(&self) -> bool {
        true
    }

    fn is_exact_zero(&self) -> bool {
        self.is_point() && self.contains_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    fn square_plus_one<S: Scalar>(x: &S) -> S {
        x.mul(x).add(&S::constant(&ratio(1, 1), x.precision()))
    }

    #[test]
    fn the_three_tiers_agree_on_a_polynomial() {
        assert_eq!(square_plus_one(&0.5_f64), 1.25);
        assert_eq!(square_plus_one(&ratio(1, 3)), ratio(10, 9));
        let enclosed = square_plus_one(&Interval::from_rational(&ratio(1, 3), 128));
        assert!(enclosed.contains_rational(&ratio(10, 9)));
    }

    #[test]
    fn exact_exp_is_refused_away_from_zero() {
        assert_eq!(ratio(0, 1).exp().unwrap(), ratio(1, 1));
        assert!(ratio(1, 2).exp().is_err());
    }

    #[test]
    fn signs_are_certain_or_absent() {
        assert_eq!(Scalar::sign(&ratio(-1, 2)), Some(Ordering::Less));
        let straddling = Interval::between(&ratio(-1, 1), &ratio(1, 1), 64);
        assert_eq!(Scalar::sign(&straddling), None);
        assert_eq!(
            Scalar::sign(&Interval::from_integer(0, 64)),
            Some(Ordering::Equal)
        );
        assert_eq!(Scalar::sign(&f64::NAN), None);
    }
}
