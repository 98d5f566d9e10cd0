//! Certified special functions: the standard normal density, distribution function and
//! upper tail.
//!
//! # Formula
//! ```text
//! φ(x) = exp(−x²/2) / √(2π)
//! Φ(y) = 1/2 + φ(y) · S(y),   S(y) = Σ_{k≥0} y^{2k+1} / (2k+1)!!        (y ≥ 0)
//! Φ̄(y) = 1 − Φ(y) = φ(y)/y · Σ_{k<K} (−1)^k (2k−1)!! / y^{2k} + R_K     (y large)
//! ```
//! The terms of S are positive and their ratio y²/(2k+3) falls below 1/2 eventually, so
//! after that point the neglected tail is at most twice the next term. The asymptotic
//! series of the tail alternates and its remainder R_K is bounded by the first omitted
//! term (Abramowitz–Stegun 7.1.24), which gives a rigorous enclosure when y is large
//! enough that the smallest term is negligible.
//!
//! For moderate y the tail is computed as 1/2 − φ(y)S(y), where the leading digits
//! cancel; the working precision is raised by about y²/(2 ln 2) bits so that the
//! requested precision survives the cancellation.

use crate::error::Error;
use crate::exact::interval::Interval;

/// φ(x), the standard normal density, enclosed.
///
/// # Panics
/// Never for finite input: exp(−x²/2) ≤ 1 cannot overflow.
pub fn normal_density(x: &Interval) -> Interval {
    let precision = x.precision();
    let half = Interval::from_rational(&crate::exact::ratio(1, 2), precision);
    let two_pi = Interval::pi(precision).mul(&Interval::from_integer(2, precision));
    let root = two_pi.sqrt().expect("2π is positive");
    x.square()
        .mul(&half)
        .neg()
        .exp()
        .expect("exp of a non-positive number is at most 1")
        .div(&root)
        .expect("√(2π) is positive")
}

/// Φ(x), the standard normal distribution function, enclosed.
///
/// Φ increases, so the enclosure runs from Φ at the lower end to Φ at the upper end.
///
/// # Errors
/// [`Error::Numerical`] when an end is too large to evaluate (|x| > 10⁴).
pub fn normal_cdf(x: &Interval) -> Result<Interval, Error> {
    let lower = cdf_at_point(&x.lower_point())?;
    let upper = cdf_at_point(&x.upper_point())?;
    Ok(Interval::spanning(&lower, &upper))
}

/// Φ̄(x) = 1 − Φ(x) = Φ(−x), the standard normal upper tail, enclosed.
///
/// # Errors
/// As [`normal_cdf`].
pub fn normal_tail(x: &Interval) -> Result<Interval, Error> {
    normal_cdf(&x.neg())
}

/// Φ at a point interval.
fn cdf_at_point(x: &Interval) -> Result<Interval, Error> {
    let estimate = x.midpoint_f64();
    if !(estimate.abs() <= 1e4) {
        return Err(Error::Numerical(format!(
            "normal distribution at {estimate} is out of the supported range |x| ≤ 1e4"
        )));
    }
    let magnitude = if estimate < 0.0 { x.neg() } else { x.clone() };
    if estimate < 0.0 {
        upper_tail_at_point(&magnitude, estimate.abs())
    } else {
        let half = Interval::from_rational(&crate::exact::ratio(1, 2), x.precision());
        Ok(half.add(&normal_density(&magnitude).mul(&series_sum(&magnitude, x.precision()))))
    }
}

/// Φ̄(y) for a point y ≥ 0 with the f64 estimate `estimate`.
fn upper_tail_at_point(y: &Interval, estimate: f64) -> Result<Interval, Error> {
    let precision = y.precision();
    // log2 of the smallest asymptotic term is about −y²/(2 ln 2).
    let smallest_term_bits = estimate * estimate / (2.0 * std::f64::consts::LN_2);
    if smallest_term_bits > (precision + 32) as f64 {
        return asymptotic_tail(y, precision);
    }
    let extra = smallest_term_bits.ceil() as usize + 32;
    let working = y.with_precision(precision + extra);
    let half = Interval::from_rational(&crate::exact::ratio(1, 2), precision + extra);
    let tail = half.sub(&normal_density(&working).mul(&series_sum(&working, precision + extra)));
    Ok(tail.with_precision(precision))
}

/// S(y) = Σ y^{2k+1}/(2k+1)!! with its truncation tail added to the upper end.
fn series_sum(y: &Interval, precision: usize) -> Interval {
    let y_squared = y.square();
    let mut term = y.clone();
    let mut sum = y.clone();
    let mut k: i64 = 0;
    let negligible = 2f64.powi(-(precision as i32) - 8);
    loop {
        term = term
            .mul(&y_squared)
            .div(&Interval::from_integer(2 * k + 3, precision))
            .expect("positive divisor");
        let ratio_bound = y_squared.upper_f64() / (2 * k + 5) as f64;
        if ratio_bound <= 0.5
            && term.upper_f64() <= negligible * sum.lower_f64().max(f64::MIN_POSITIVE)
        {
            // Remaining terms after `term` are bounded by a geometric series of ratio ≤ 1/2.
            let tail = term.mul(&Interval::from_integer(2, precision));
            return sum.widen_up(&tail);
        }
        sum = sum.add(&term);
        k += 1;
    }
}

/// Φ̄(y) from the alternating asymptotic series, for y large.
fn asymptotic_tail(y: &Interval, precision: usize) -> Result<Interval, Error> {
    let y_squared_inverse = y.square().recip()?;
    let mut term = Interval::from_integer(1, precision);
    let mut sum = term.clone();
    let negligible = 2f64.powi(-(precision as i32) - 8);
    let mut k: i64 = 1;
    loop {
        term = term
            .mul(&y_squared_inverse)
            .mul(&Interval::from_integer(-(2 * k - 1), precision));
        if term.upper_f64().abs().max(term.lower_f64().abs()) <= negligible {
            // The remainder lies between 0 and this first omitted term.
            sum = sum.add(&term.hull(&Interval::from_integer(0, precision)));
            break;
        }
        sum = sum.add(&term);
        k += 1;
    }
    Ok(normal_density(y).div(y)?.mul(&sum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    fn point(numerator: i64, denominator: i64) -> Interval {
        Interval::from_rational(&ratio(numerator, denominator), 128)
    }

    #[test]
    fn cdf_at_one_matches_reference_digits() {
        // Φ(1) = 0.841344746068542948585232545632...
        let value = normal_cdf(&point(1, 1)).unwrap();
        let (lower, upper) = value.decimal_ends(25);
        assert!(lower.starts_with("0.84134474606854294858523"), "{lower}");
        assert!(upper.starts_with("0.84134474606854294858523"), "{upper}");
    }

    #[test]
    fn moderate_tail_matches_reference_digits() {
        // Φ̄(5) = 2.866515718791939116737523329...e-7
        let value = normal_tail(&point(5, 1)).unwrap();
        let (lower, _) = value.decimal_ends(20);
        assert!(lower.starts_with("2.86651571879193911"), "{lower}");
    }

    #[test]
    fn far_tail_uses_the_asymptotic_series_and_matches() {
        // Φ̄(30) = 4.906713927148187059533809288e-198
        let value = normal_tail(&point(30, 1)).unwrap();
        let (lower, upper) = value.decimal_ends(20);
        assert!(lower.starts_with("4.906713927148187059"), "{lower}");
        assert!(upper.starts_with("4.906713927148187059"), "{upper}");
    }

    #[test]
    fn symmetric_ends_sum_to_one() {
        let x = point(7, 10);
        let total = normal_cdf(&x).unwrap().add(&normal_tail(&x).unwrap());
        assert!(total.contains_rational(&ratio(1, 1)));
        assert!(total.width_f64() < 1e-35);
    }
}
