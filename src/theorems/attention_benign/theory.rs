//! The large-d predictions of spec §6–7: attention thresholds as roots of quadratics,
//! exactly where they are rational and certified where they are surds, the rules that
//! decide a sample's attention from its class's realised counts, and the asymptotic
//! forms of the step-two signal logit and the min-norm solution.
//!
//! A rule "r > r_x" for the positive root r_x of a quadratic q with q(0) < 0 is decided
//! without the root: q(r) > 0 exactly. The margin test |r/r_x − 1| ≥ m becomes
//! q(r/(1 + m)) ≥ 0 or q(r/(1 − m)) ≤ 0, two more exact sign evaluations.
//!
//! # Formula
//! ```text
//! clean → signal:   (T−1)D²r² − ((T−1)n_c − D)r − 1 > 0
//! flipped → signal: (T−1)D²r² − ((T−1)n_c + D)r − 1 > 0
//! test → signal:    D²r − n_c > 0                               (D = D_c, r = ρ²/d)
//! balanced (z = κ/2, ν = 1 − 2η): (T−1)ν²z² − ((T−1) ∓ ν)z − 1,  z_te = 1/ν²
//! κ* = 2/(1 − η) (min-norm),  κ₁ = 2(T−1)/(1 − 2η) (step one fits the flipped points)
//! ⟨p₂, μ_c⟩ ≈ K((T−1)/T)ρ²(ρ²D² − n_c d),  K = β₀β₁/(4n²T²)
//! sign⟨p₂, μ_c⟩ = sign Σ_{i∈c} ĝ_i(ε_i rD − 1),  ĝ_i = 1/(1 + exp((b₀/(2T²))(ε_i rD + T − 1)))
//! min-norm: class c uses its signal iff ρ²n_c^cl/d > 1;  b_cρ ≈ rD/(1 + rn_c)
//! ```

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::data::ClassTally;
use crate::error::Error;
use crate::exact::{Interval, format_rational};

/// a z² + b z + c with rational coefficients, a ≥ 0 and c < 0 (one positive root).
#[derive(Clone, Debug, PartialEq)]
pub struct Quadratic {
    /// a.
    pub a: BigRational,
    /// b.
    pub b: BigRational,
    /// c.
    pub c: BigRational,
}

/// A positive root: exactly rational, or an enclosed quadratic surd.
#[derive(Clone, Debug)]
pub enum Root {
    /// The discriminant is a perfect square: the root is this rational.
    Rational(BigRational),
    /// An irrational root, enclosed.
    Surd(Interval),
}

impl Root {
    /// The root's enclosure (a point or near-point for a rational root).
    pub fn enclosure(&self, precision: usize) -> Interval {
        match self {
            Root::Rational(value) => Interval::from_rational(value, precision),
            Root::Surd(enclosure) => enclosure.clone(),
        }
    }

    /// The root times a rational.
    pub fn scaled(&self, factor: &BigRational) -> Root {
        match self {
            Root::Rational(value) => Root::Rational(value * factor),
            Root::Surd(enclosure) => {
                Root::Surd(enclosure.mul(&Interval::from_rational(factor, enclosure.precision())))
            }
        }
    }

    /// The nearest double.
    pub fn to_f64(&self) -> f64 {
        match self {
            Root::Rational(value) => crate::exact::to_f64(value),
            Root::Surd(enclosure) => enclosure.midpoint_f64(),
        }
    }
}

/// The square root of a non-negative rational when it is rational.
pub fn rational_square_root(value: &BigRational) -> Option<BigRational> {
    if value.is_negative() {
        return None;
    }
    let root = |integer: &BigInt| {
        let candidate = integer.sqrt();
        (&candidate * &candidate == *integer).then_some(candidate)
    };
    Some(BigRational::new(root(value.numer())?, root(value.denom())?))
}

impl Quadratic {
    /// q(z).
    pub fn at(&self, z: &BigRational) -> BigRational {
        (&self.a * z + &self.b) * z + &self.c
    }

    /// The sign of q(z), exactly.
    pub fn sign_at(&self, z: &BigRational) -> Ordering {
        self.at(z).cmp(&BigRational::zero())
    }

    /// The positive root: rational when the discriminant is a perfect square (or the
    /// quadratic is linear), else enclosed at `precision` bits.
    ///
    /// # Errors
    /// [`Error::Numerical`] unless a ≥ 0, c < 0 and the root exists.
    pub fn positive_root(&self, precision: usize) -> Result<Root, Error> {
        if self.a.is_negative() || !self.c.is_negative() {
            return Err(Error::Numerical(format!(
                "the quadratic {}z² + {}z + {} has no unique positive root",
                format_rational(&self.a),
                format_rational(&self.b),
                format_rational(&self.c)
            )));
        }
        if self.a.is_zero() {
            if !self.b.is_positive() {
                return Err(Error::Numerical(
                    "a linear rule with no positive root".into(),
                ));
            }
            return Ok(Root::Rational(-&self.c / &self.b));
        }
        let two_a = &self.a * BigRational::from_integer(2.into());
        let discriminant =
            &self.b * &self.b - BigRational::from_integer(4.into()) * &self.a * &self.c;
        if let Some(root) = rational_square_root(&discriminant) {
            return Ok(Root::Rational((root - &self.b) / two_a));
        }
        let enclosure = crate::exact::certify(precision, |bits| {
            let root = Interval::from_rational(&discriminant, bits).sqrt()?;
            root.sub(&Interval::from_rational(&self.b, bits))
                .div(&Interval::from_rational(&two_a, bits))
        })?;
        Ok(Root::Surd(enclosure))
    }
}

/// The clean rule's quadratic in r for one class: (T−1)D²r² − ((T−1)n_c − D)r − 1.
pub fn clean_rule(tokens: usize, tally: &ClassTally) -> Quadratic {
    rule(tokens, tally, 1)
}

/// The flipped rule's quadratic in r: (T−1)D²r² − ((T−1)n_c + D)r − 1.
pub fn flipped_rule(tokens: usize, tally: &ClassTally) -> Quadratic {
    rule(tokens, tally, -1)
}

fn rule(tokens: usize, tally: &ClassTally, epsilon: i64) -> Quadratic {
    let spare = BigRational::from_integer(((tokens - 1) as i64).into());
    let agreement = BigRational::from_integer(tally.agreement().into());
    let size = BigRational::from_integer((tally.size as i64).into());
    Quadratic {
        a: &spare * &agreement * &agreement,
        b: -(&spare * size - BigRational::from_integer(epsilon.into()) * &agreement),
        c: -BigRational::one(),
    }
}

/// The test rule as a linear "quadratic": D²r − n_c.
pub fn test_rule(tally: &ClassTally) -> Quadratic {
    let agreement = BigRational::from_integer(tally.agreement().into());
    Quadratic {
        a: BigRational::zero(),
        b: &agreement * &agreement,
        c: -BigRational::from_integer((tally.size as i64).into()),
    }
}

/// The min-norm selection rule as a linear "quadratic" in r: n_c^cl r − 1.
pub fn min_norm_rule(tally: &ClassTally) -> Quadratic {
    Quadratic {
        a: BigRational::zero(),
        b: BigRational::from_integer((tally.clean as i64).into()),
        c: -BigRational::one(),
    }
}

/// The step-one rule for flipped points as a linear "quadratic" in r: D r − (T − 1),
/// positive when ρ²D_c > (T−1)d, i.e. when step one misfits the flipped points.
pub fn step_one_rule(tokens: usize, tally: &ClassTally) -> Quadratic {
    Quadratic {
        a: BigRational::zero(),
        b: BigRational::from_integer(tally.agreement().into()),
        c: -BigRational::from_integer(((tokens - 1) as i64).into()),
    }
}

/// Where a unit's r lies against its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// r ≤ (1 − m) r_x: the rule says "below".
    Below,
    /// r ≥ (1 + m) r_x: the rule says "above".
    Above,
    /// Within the margin: not judged.
    InMargin,
}

/// The side of r against the positive root of `quadratic`, with relative margin m.
pub fn side(quadratic: &Quadratic, r: &BigRational, margin: &BigRational) -> Side {
    let one = BigRational::one();
    if quadratic.sign_at(&(r / (&one + margin))) != Ordering::Less {
        Side::Above
    } else if margin < &one && quadratic.sign_at(&(r / (&one - margin))) != Ordering::Greater {
        Side::Below
    } else {
        Side::InMargin
    }
}

/// ν = 1 − 2η.
pub fn agreement_rate(flip_rate: &BigRational) -> BigRational {
    BigRational::one() - BigRational::from_integer(2.into()) * flip_rate
}

/// The balanced clean quadratic in z = κ/2: (T−1)ν²z² − ((T−1) − ν)z − 1.
pub fn balanced_clean(tokens: usize, flip_rate: &BigRational) -> Quadratic {
    balanced(tokens, flip_rate, 1)
}

/// The balanced flipped quadratic in z: (T−1)ν²z² − ((T−1) + ν)z − 1.
pub fn balanced_flipped(tokens: usize, flip_rate: &BigRational) -> Quadratic {
    balanced(tokens, flip_rate, -1)
}

fn balanced(tokens: usize, flip_rate: &BigRational, epsilon: i64) -> Quadratic {
    let nu = agreement_rate(flip_rate);
    let spare = BigRational::from_integer(((tokens - 1) as i64).into());
    Quadratic {
        a: &spare * &nu * &nu,
        b: -(spare - BigRational::from_integer(epsilon.into()) * nu),
        c: -BigRational::one(),
    }
}

/// The thresholds of the §6.4 table for one (T, η).
#[derive(Clone, Debug)]
pub struct ThresholdRow {
    /// T.
    pub tokens: usize,
    /// η.
    pub flip_rate: BigRational,
    /// κ_cl.
    pub clean: Root,
    /// κ_te = 2/ν².
    pub test: BigRational,
    /// κ_fl.
    pub flipped: Root,
    /// κ* = 2/(1 − η).
    pub min_norm: BigRational,
    /// κ₁ = 2(T − 1)/(1 − 2η).
    pub step_one: BigRational,
}

/// The balanced thresholds at (T, η).
///
/// # Errors
/// [`Error::Numerical`] when η ≥ 1/2 (no positive agreement rate).
pub fn threshold_row(
    tokens: usize,
    flip_rate: &BigRational,
    precision: usize,
) -> Result<ThresholdRow, Error> {
    let nu = agreement_rate(flip_rate);
    if !nu.is_positive() {
        return Err(Error::Numerical("the thresholds need η < 1/2".into()));
    }
    let two = BigRational::from_integer(2.into());
    Ok(ThresholdRow {
        tokens,
        flip_rate: flip_rate.clone(),
        clean: balanced_clean(tokens, flip_rate)
            .positive_root(precision)?
            .scaled(&two),
        test: &two / (&nu * &nu),
        flipped: balanced_flipped(tokens, flip_rate)
            .positive_root(precision)?
            .scaled(&two),
        min_norm: &two / (BigRational::one() - flip_rate),
        step_one: &two * BigRational::from_integer(((tokens - 1) as i64).into()) / nu,
    })
}

/// K((T−1)/T)ρ²(ρ²D² − n_c d), the large-d signal logit after step two.
pub fn asymptotic_signal_logit(
    first_step_size: &BigRational,
    second_step_size: &BigRational,
    samples: usize,
    dimension: usize,
    tokens: usize,
    signal_norm_squared: &BigRational,
    tally: &ClassTally,
) -> BigRational {
    let n = BigRational::from_integer((samples as i64).into());
    let t = BigRational::from_integer((tokens as i64).into());
    let k = first_step_size * second_step_size
        / (BigRational::from_integer(4.into()) * &n * &n * &t * &t);
    let agreement = BigRational::from_integer(tally.agreement().into());
    let spread = signal_norm_squared * &agreement * &agreement
        - BigRational::from_integer(((tally.size * dimension) as i64).into());
    k * (&t - BigRational::one()) / t * signal_norm_squared * spread
}

/// Σ_{i∈c} ĝ_i(ε_i rD − 1) for one class, enclosed (the sign rule of §6.6), with the
/// sum of the magnitudes Σ ĝ_i|ε_i rD − 1| for the claim's skip rule.
///
/// # Errors
/// An overflowing exponential.
pub fn step_one_weighted_signal(
    first_step_scale: &BigRational,
    tokens: usize,
    ratio_value: &BigRational,
    tally: &ClassTally,
    precision: usize,
) -> Result<(Interval, Interval), Error> {
    let agreement = BigRational::from_integer(tally.agreement().into());
    let t = (tokens as i64).pow(2) * 2;
    let scale = first_step_scale / BigRational::from_integer(t.into());
    let mut total = Interval::from_integer(0, precision);
    let mut magnitude = Interval::from_integer(0, precision);
    for (epsilon, count) in [(1i64, tally.clean), (-1, tally.flipped)] {
        if count == 0 {
            continue;
        }
        let signed = BigRational::from_integer(epsilon.into()) * ratio_value * &agreement;
        let exponent = &scale * (&signed + BigRational::from_integer(((tokens - 1) as i64).into()));
        let weight = super::model::logistic_weight(&Interval::from_rational(&exponent, precision))?;
        let term = &signed - BigRational::one();
        let count = Interval::from_integer(count as i64, precision);
        total = total.add(
            &count
                .mul(&weight)
                .mul(&Interval::from_rational(&term, precision)),
        );
        magnitude = magnitude.add(
            &count
                .mul(&weight)
                .mul(&Interval::from_rational(&term.abs(), precision)),
        );
    }
    Ok((total, magnitude))
}

/// rD/(1 + rn_c), the decoupled-QP approximation of b_cρ.
pub fn approximate_signal_coefficient(
    ratio_value: &BigRational,
    tally: &ClassTally,
) -> BigRational {
    let agreement = BigRational::from_integer(tally.agreement().into());
    let size = BigRational::from_integer((tally.size as i64).into());
    ratio_value * agreement / (BigRational::one() + ratio_value * size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    #[test]
    fn rational_roots_are_detected_exactly() {
        // (T, η) = (2, 0.2): κ_fl = 10; (3, 0.1): κ_fl = κ₁ = 5; η = 0: κ_cl = κ_te = 2.
        let row = threshold_row(2, &ratio(1, 5), 128).unwrap();
        assert!(matches!(&row.flipped, Root::Rational(value) if *value == ratio(10, 1)));
        let row = threshold_row(3, &ratio(1, 10), 128).unwrap();
        assert!(matches!(&row.flipped, Root::Rational(value) if *value == ratio(5, 1)));
        assert_eq!(row.step_one, ratio(5, 1));
        for tokens in 2..=6 {
            let row = threshold_row(tokens, &ratio(0, 1), 128).unwrap();
            assert!(matches!(&row.clean, Root::Rational(value) if *value == ratio(2, 1)));
            assert_eq!(row.test, ratio(2, 1));
            assert_eq!(row.min_norm, ratio(2, 1));
        }
    }

    #[test]
    fn surd_roots_are_certified_and_solve_the_quadratic() {
        let quadratic = balanced_flipped(2, &ratio(1, 10));
        let Root::Surd(enclosure) = quadratic.positive_root(128).unwrap() else {
            panic!("√5.8 is irrational");
        };
        assert!(enclosure.width_f64() < 1e-30);
        // 2z = κ_fl ≈ 6.5754.
        assert!((2.0 * enclosure.midpoint_f64() - 6.575_498_3).abs() < 1e-6);
    }

    #[test]
    fn sides_respect_the_margin() {
        let tally = ClassTally {
            size: 20,
            clean: 18,
            flipped: 2,
        };
        // r_te = 20/256; κ_te = 40 r_te = 3.125.
        let test = test_rule(&tally);
        let r = |kappa: BigRational| kappa / BigRational::from_integer(40.into());
        assert_eq!(side(&test, &r(ratio(35, 10)), &ratio(1, 10)), Side::Above);
        assert_eq!(
            side(&test, &r(ratio(33, 10)), &ratio(1, 10)),
            Side::InMargin
        );
        assert_eq!(side(&test, &r(ratio(2, 1)), &ratio(1, 10)), Side::Below);
        assert_eq!(
            side(&min_norm_rule(&tally), &r(ratio(24, 10)), &ratio(1, 10)),
            Side::InMargin
        );
    }
}
