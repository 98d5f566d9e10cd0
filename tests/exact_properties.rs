//! Property tests of the certified arithmetic: every enclosure contains the true value
//! (checked against the f64 library value, which is within a few ulps of it), and
//! raising the precision narrows the enclosure inside the coarser one.

use proptest::prelude::*;
use statrs::function::erf::erfc;

use thmcheck::exact::{Interval, normal_cdf, normal_tail, ratio};

/// Whether the double `value` lies in the enclosure widened by `ulps` ulps of `value`.
/// The reference is the f64 library function at the rounded argument: one ulp of its own
/// error, plus the argument's rounding amplified by the function's condition number.
fn contains_nearly(enclosure: &Interval, value: f64, ulps: f64) -> bool {
    let slack = ulps * f64::EPSILON * value.abs();
    enclosure.lower_f64() <= value + slack && value - slack <= enclosure.upper_f64()
}

/// Whether `fine` lies inside `coarse` and is not wider.
fn nested(coarse: &Interval, fine: &Interval) -> bool {
    coarse.lower_f64() <= fine.lower_f64()
        && fine.upper_f64() <= coarse.upper_f64()
        && fine.width_f64() <= coarse.width_f64()
}

fn point(numerator: i64, denominator: i64, precision: usize) -> Interval {
    Interval::from_rational(&ratio(numerator, denominator), precision)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn exp_encloses_and_narrows(numerator in -70_000i64..=70_000, denominator in 100i64..=1000) {
        let x = numerator as f64 / denominator as f64;
        let coarse = point(numerator, denominator, 64).exp().unwrap();
        let fine = point(numerator, denominator, 256).exp().unwrap();
        prop_assert!(contains_nearly(&coarse, x.exp(), 4.0 + x.abs()));
        prop_assert!(nested(&coarse, &fine));
    }

    #[test]
    fn ln_encloses_and_narrows(numerator in 1i64..=100_000, denominator in 1i64..=1000) {
        let x = numerator as f64 / denominator as f64;
        let coarse = point(numerator, denominator, 64).ln().unwrap();
        let fine = point(numerator, denominator, 256).ln().unwrap();
        prop_assert!(contains_nearly(&coarse, x.ln(), 4.0 + 1.0 / x.ln().abs().max(1e-300)));
        prop_assert!(nested(&coarse, &fine));
    }

    #[test]
    fn sqrt_encloses_and_narrows(numerator in 0i64..=100_000, denominator in 1i64..=1000) {
        let x = numerator as f64 / denominator as f64;
        let coarse = point(numerator, denominator, 64).sqrt().unwrap();
        let fine = point(numerator, denominator, 256).sqrt().unwrap();
        prop_assert!(contains_nearly(&coarse, x.sqrt(), 4.0));
        prop_assert!(nested(&coarse, &fine));
    }

    #[test]
    fn normal_distribution_encloses_and_narrows(numerator in -800i64..=800, denominator in 1i64..=100) {
        let x = numerator as f64 / denominator as f64;
        let reference_cdf = 0.5 * erfc(-x / std::f64::consts::SQRT_2);
        let reference_tail = 0.5 * erfc(x / std::f64::consts::SQRT_2);
        let coarse = normal_cdf(&point(numerator, denominator, 64)).unwrap();
        let fine = normal_cdf(&point(numerator, denominator, 160)).unwrap();
        // statrs' erfc is a reference of limited accuracy (off by ~1e-11 relative near
        // x = 30, where the enclosures agree with 30-digit values), hence the slack.
        let slack = 1e-9 * reference_cdf.abs() + 1e-300;
        prop_assert!(coarse.lower_f64() <= reference_cdf + slack && reference_cdf - slack <= coarse.upper_f64());
        prop_assert!(nested(&coarse, &fine));
        let tail = normal_tail(&point(numerator, denominator, 64)).unwrap();
        let tail_slack = 1e-9 * reference_tail.abs() + 1e-300;
        prop_assert!(tail.lower_f64() <= reference_tail + tail_slack && reference_tail - tail_slack <= tail.upper_f64());
    }

    #[test]
    fn arithmetic_encloses_rational_results(a in (-1000i64..=1000, 1i64..=50), b in (-1000i64..=1000, 1i64..=50)) {
        let (x, y) = (ratio(a.0, a.1), ratio(b.0, b.1));
        let (ix, iy) = (Interval::from_rational(&x, 64), Interval::from_rational(&y, 64));
        prop_assert!(ix.add(&iy).contains_rational(&(&x + &y)));
        prop_assert!(ix.sub(&iy).contains_rational(&(&x - &y)));
        prop_assert!(ix.mul(&iy).contains_rational(&(&x * &y)));
        if b.0 != 0 {
            prop_assert!(ix.div(&iy).unwrap().contains_rational(&(&x / &y)));
        }
    }
}
