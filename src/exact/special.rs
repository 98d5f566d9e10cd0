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
//!
//! Owen's T function and the bivariate normal split probability:
//! ```text
//! T(h, a) = (1/2π) ∫₀^a exp(−h²(1 + t²)/2) / (1 + t²) dt
//! P(X > h, Y < 0) = Φ̄(h)/2 − T(h, ρ/√(1 − ρ²))      (X, Y standard normal, correlation ρ)
//! T(h, a) + T(ah, 1/a) = Φ(h)/2 + Φ(ah)/2 − Φ(h)Φ(ah)  (h ≥ 0, a > 0)
//! ```
//! T is enclosed by integrating, on four panels of [0, a] (after reflecting a > 1 onto
//! 1/a), the integrand's Taylor expansion to order 16 with its Lagrange remainder; the
//! remainder is enclosed by running the coefficient recurrences over the whole panel,
//! so the enclosure is rigorous and about 10⁻¹⁵ wide or better.

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

/// Owen's T function T(h, a), enclosed.
///
/// # Errors
/// [`Error::Numerical`] when an exponential overflows (|h| beyond about 10⁹).
pub fn owen_t(h: &Interval, a: &Interval) -> Result<Interval, Error> {
    let precision = h.precision().max(a.precision());
    let zero = Interval::from_integer(0, precision);
    if a.is_negative() {
        return Ok(owen_t(h, &a.neg())?.neg());
    }
    if a.contains_zero() {
        if a.is_point() {
            return Ok(zero);
        }
        // T is odd in a and increasing in it: enclose [a_lo, 0] and [0, a_hi] apart.
        let lower = owen_t(h, &a.lower_point())?;
        let upper = owen_t(h, &a.upper_point())?;
        return Ok(lower.hull(&upper).hull(&zero));
    }
    let magnitude = h.abs();
    if a.lower_f64() > 1.0 {
        return reflected_owen_t(&magnitude, a);
    }
    let two_pi = Interval::pi(precision).mul(&Interval::from_integer(2, precision));
    taylor_integral(&magnitude, a, precision)?.div(&two_pi)
}

/// T(h, a) for h ≥ 0, a > 1 through T(ah, 1/a).
fn reflected_owen_t(h: &Interval, a: &Interval) -> Result<Interval, Error> {
    let precision = h.precision().max(a.precision());
    let product = h.mul(a);
    let half = Interval::from_rational(&crate::exact::ratio(1, 2), precision);
    let phi_h = normal_cdf(h)?;
    let (phi_product, reflected) = if product.lower_f64() > 1e3 {
        // Φ(ah) ∈ [1 − Φ̄(10³), 1] and 0 ≤ T(ah, 1/a) ≤ T(ah, ∞) = Φ̄(ah)/2.
        let far = normal_tail(&Interval::from_integer(1000, precision))?;
        let one = Interval::from_integer(1, precision);
        let zero = Interval::from_integer(0, precision);
        (
            Interval::spanning(&one.sub(&far), &one),
            Interval::spanning(&zero, &half.mul(&far)),
        )
    } else {
        (normal_cdf(&product)?, owen_t(&product, &a.recip()?)?)
    };
    Ok(half
        .mul(&phi_h.add(&phi_product))
        .sub(&phi_h.mul(&phi_product))
        .sub(&reflected))
}

/// Terms of the Taylor expansions in [`taylor_integral`].
const TAYLOR_ORDER: usize = 16;

/// ∫₀¹ a f(au) du with f(t) = exp(−x(1 + t²))/(1 + t²), x = h²/2, for 0 < a ≤ 1.
///
/// On each of `panels` panels [c − δ, c + δ] the integrand is expanded to order K in
/// s = u − c; the coefficients follow from two three-term recurrences (the reciprocal
/// of the quadratic 1 + t² and the exponential of −x times it) and one product. The
/// Lagrange remainder F_K(ξ)s^K integrates to F_K(panel)·2δ^{K+1}/(K + 1), where
/// F_K(panel) is the same recurrence run with the whole panel as its centre.
fn taylor_integral(h: &Interval, a: &Interval, precision: usize) -> Result<Interval, Error> {
    let x = h.square().mul(&Interval::from_rational(
        &crate::exact::ratio(1, 2),
        precision,
    ));
    let panels = 4usize;
    let half_width = crate::exact::ratio(1, 2 * panels as i64);
    let delta = Interval::from_rational(&half_width, precision);
    let mut total = Interval::from_integer(0, precision);
    for panel in 0..panels {
        let centre = crate::exact::ratio(2 * panel as i64 + 1, 2 * panels as i64);
        let centre_point = Interval::from_rational(&centre, precision);
        let whole = Interval::between(
            &(&centre - &half_width),
            &(&centre + &half_width),
            precision,
        );
        let at_centre = taylor_coefficients(&x, a, &centre_point, TAYLOR_ORDER)?;
        let over_panel = taylor_coefficients(&x, a, &whole, TAYLOR_ORDER + 1)?;
        // Σ_{k < K, even} 2 F_k δ^{k+1}/(k + 1), then the remainder at k = K.
        let mut power = delta.clone();
        let delta_squared = delta.square();
        for (k, coefficient) in at_centre.iter().enumerate().step_by(2) {
            let weight = power
                .mul(&Interval::from_integer(2, precision))
                .div(&Interval::from_integer(k as i64 + 1, precision))?;
            total = total.add(&coefficient.mul(&weight));
            power = power.mul(&delta_squared);
        }
        let remainder_weight = power
            .mul(&Interval::from_integer(2, precision))
            .div(&Interval::from_integer(TAYLOR_ORDER as i64 + 1, precision))?;
        total = total.add(&over_panel[TAYLOR_ORDER].mul(&remainder_weight));
    }
    Ok(total)
}

/// Taylor coefficients F_0 … F_{order−1} of F(u) = a f(au) at the centre `centre`
/// (a point, or a whole panel for the remainder).
fn taylor_coefficients(
    x: &Interval,
    a: &Interval,
    centre: &Interval,
    order: usize,
) -> Result<Vec<Interval>, Error> {
    let precision = x.precision().max(a.precision());
    let t = a.mul(centre);
    // 1 + t² = q₀ + q₁s + q₂s² in s = u − centre.
    let q0 = Interval::from_integer(1, precision).add(&t.square());
    let q1 = Interval::from_integer(2, precision).mul(&t).mul(a);
    let q2 = a.square();
    let inverse_q0 = q0.recip()?;
    // r = 1/q: q₀r_k + q₁r_{k−1} + q₂r_{k−2} = 0.
    let mut reciprocal = vec![inverse_q0.clone()];
    // g = exp(−x q): k g_k = −x (q₁ g_{k−1} + 2 q₂ g_{k−2}).
    let mut exponential = vec![x.mul(&q0).neg().exp()?];
    for k in 1..order {
        let mut sum = q1.mul(&reciprocal[k - 1]);
        if k >= 2 {
            sum = sum.add(&q2.mul(&reciprocal[k - 2]));
        }
        reciprocal.push(sum.mul(&inverse_q0).neg());
        let mut derivative = q1.mul(&exponential[k - 1]);
        if k >= 2 {
            derivative = derivative.add(
                &Interval::from_integer(2, precision)
                    .mul(&q2)
                    .mul(&exponential[k - 2]),
            );
        }
        exponential.push(
            x.mul(&derivative)
                .neg()
                .div(&Interval::from_integer(k as i64, precision))?,
        );
    }
    Ok((0..order)
        .map(|k| {
            let mut sum = Interval::from_integer(0, precision);
            for j in 0..=k {
                sum = sum.add(&exponential[j].mul(&reciprocal[k - j]));
            }
            a.mul(&sum)
        })
        .collect())
}

/// P(X > h, Y < 0) for standard normals X, Y with correlation `correlation`, enclosed.
///
/// # Errors
/// [`Error::Numerical`] unless −1 < correlation < 1 certainly, or when Φ fails.
pub fn bivariate_normal_above_below(
    h: &Interval,
    correlation: &Interval,
) -> Result<Interval, Error> {
    let precision = h.precision().max(correlation.precision());
    let one = Interval::from_integer(1, precision);
    let spare = one.sub(&correlation.square());
    if !spare.is_positive() {
        return Err(Error::Numerical(format!(
            "correlation {correlation} must lie strictly inside (−1, 1)"
        )));
    }
    let slope = correlation.div(&spare.sqrt()?)?;
    let half = Interval::from_rational(&crate::exact::ratio(1, 2), precision);
    let value = half.mul(&normal_tail(h)?).sub(&owen_t(h, &slope)?);
    // A probability: clip the enclosure to [0, 1] where rounding pushed it past.
    let clipped = value
        .intersect(&Interval::between(
            &crate::exact::ratio(0, 1),
            &crate::exact::ratio(1, 1),
            precision,
        ))
        .ok_or_else(|| Error::Numerical(format!("probability enclosure {value} outside [0, 1]")))?;
    Ok(clipped)
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

    fn decimal(text: &str) -> crate::exact::Interval {
        Interval::from_rational(&crate::exact::parse_rational(text).unwrap(), 128)
    }

    fn assert_encloses(value: &Interval, reference: f64, tolerance: f64) {
        assert!(
            value.lower_f64() <= reference + tolerance
                && reference - tolerance <= value.upper_f64(),
            "{value} does not enclose {reference}"
        );
        assert!(value.width_f64() < 1e-12, "{value} is too wide");
    }

    #[test]
    fn owen_t_matches_reference_values() {
        // References: mpmath quadrature at 40 digits.
        assert_encloses(
            &owen_t(&decimal("0.5"), &decimal("0.5")).unwrap(),
            0.064488602847503757,
            1e-17,
        );
        assert_encloses(
            &owen_t(&point(2, 1), &point(3, 1)).unwrap(),
            0.011375065971545041,
            1e-17,
        );
        assert_encloses(
            &owen_t(&decimal("0.3"), &point(-7, 1)).unwrap(),
            -0.19069750414203753,
            1e-16,
        );
        // T(0, 1) = arctan(1)/(2π) = 1/8 and T(h, 1) = Φ(h)(1 − Φ(h))/2.
        assert_encloses(&owen_t(&point(0, 1), &point(1, 1)).unwrap(), 0.125, 1e-17);
        let h = decimal("1.3");
        let phi = normal_cdf(&h).unwrap();
        let expected = phi
            .mul(&Interval::from_integer(1, 128).sub(&phi))
            .mul(&decimal("0.5"));
        let value = owen_t(&h, &point(1, 1)).unwrap();
        assert!(value.intersect(&expected).is_some());
    }

    #[test]
    fn bivariate_split_matches_quadrature_references() {
        let value =
            |h: &str, r: &str| bivariate_normal_above_below(&decimal(h), &decimal(r)).unwrap();
        assert_encloses(&value("0.7", "0.35"), 0.076924004282339052, 1e-17);
        assert_encloses(&value("-0.4", "-0.8"), 0.45935033150704691, 1e-16);
        assert_encloses(&value("3", "-0.5"), 0.0013089532007139985, 1e-18);
        let steep = value("1", "0.999");
        assert!(
            steep.lower_f64() >= 0.0 && steep.upper_f64() < 1e-15,
            "{steep}"
        );
    }

    #[test]
    fn the_two_correlation_signs_split_the_tail() {
        let h = decimal("0.9");
        for r in ["0.2", "0.6", "0.95"] {
            let total = bivariate_normal_above_below(&h, &decimal(r))
                .unwrap()
                .add(&bivariate_normal_above_below(&h, &decimal(r).neg()).unwrap());
            assert!(
                total.intersect(&normal_tail(&h).unwrap()).is_some(),
                "ρ = {r}"
            );
        }
    }
}
