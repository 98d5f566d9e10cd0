//! Property tests of the policy-gradient identities (proptest) and of the metric
//! equivalences with ties (quickcheck).

use num_rational::BigRational;
use proptest::prelude::*;
use quickcheck::quickcheck;

use thmcheck::exact::ratio;
use thmcheck::sim::flow::{FlowSettings, states_at};
use thmcheck::theorems::reward_errors::metrics::{
    accuracy_indicator, harm_aware_indicator, harm_aware_indicator_by_maximum, pairwise,
};
use thmcheck::theorems::reward_errors::{Bandit, ExactBandit, Reward, ascend_plain, value};

/// A small rational from a pair of integers.
fn rational((numerator, denominator): (i64, i64)) -> BigRational {
    ratio(numerator, denominator)
}

/// A rational probability vector from positive integer weights.
fn policy(weights: &[u32]) -> Vec<BigRational> {
    let total: i64 = weights.iter().map(|w| i64::from(*w)).sum();
    weights
        .iter()
        .map(|w| ratio(i64::from(*w), total))
        .collect()
}

fn rationals(size: usize) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-20i64..=20, 1i64..=5), size)
}

fn bandit_strategy() -> impl Strategy<
    Value = (
        Vec<Vec<(i64, i64)>>,
        Vec<(i64, i64)>,
        Vec<(i64, i64)>,
        Vec<u32>,
    ),
> {
    (2usize..=6).prop_flat_map(|outputs| {
        (1usize..=outputs).prop_flat_map(move |dimension| {
            (
                prop::collection::vec(rationals(dimension), outputs),
                rationals(outputs),
                rationals(outputs),
                prop::collection::vec(1u32..=30, outputs),
            )
        })
    })
}

fn exact_bandit(
    features: &[Vec<(i64, i64)>],
    truth: &[(i64, i64)],
    proxy: &[(i64, i64)],
) -> ExactBandit {
    ExactBandit {
        features: features
            .iter()
            .map(|row| row.iter().copied().map(rational).collect())
            .collect(),
        ground_truth: truth.iter().copied().map(rational).collect(),
        proxy: proxy.iter().copied().map(rational).collect(),
    }
}

fn to_f64(value: &BigRational) -> f64 {
    thmcheck::exact::to_f64(value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// E4 against central differences of V_P in f64 at the state θ = ln π (logits offset
    /// so that softmax(Fθ + offset) = π for any F).
    #[test]
    fn gradient_matches_central_differences((features, truth, proxy, weights) in bandit_strategy()) {
        let bandit = exact_bandit(&features, &truth, &proxy);
        let policy = policy(&weights);
        let gradient = bandit.gradient(&policy, Reward::Proxy);
        let logits: Vec<f64> = policy.iter().map(|p| to_f64(p).ln()).collect();
        let rewards: Vec<f64> = bandit.proxy.iter().map(to_f64).collect();
        let value_at = |shift: f64, coordinate: usize| {
            let shifted: Vec<f64> = logits
                .iter()
                .zip(&bandit.features)
                .map(|(l, row)| l + shift * to_f64(&row[coordinate]))
                .collect();
            let mut probabilities = vec![0.0; shifted.len()];
            thmcheck::sim::softmax(&shifted, &mut probabilities);
            value(&probabilities, &rewards)
        };
        let step = 1e-5;
        for (coordinate, exact) in gradient.iter().enumerate() {
            let difference = (value_at(step, coordinate) - value_at(-step, coordinate)) / (2.0 * step);
            prop_assert!((difference - to_f64(exact)).abs() <= 1e-6 * (1.0 + to_f64(exact).abs()),
                "coordinate {coordinate}: {difference} vs {}", to_f64(exact));
        }
    }

    /// Adding a constant to r_P changes no gradient; scaling r_P by a scales it by a.
    #[test]
    fn proxy_affine_maps_act_on_the_gradient(
        (features, truth, proxy, weights) in bandit_strategy(),
        scale in (1i64..=9, 1i64..=4),
        shift in (-9i64..=9, 1i64..=4),
    ) {
        let bandit = exact_bandit(&features, &truth, &proxy);
        let policy = policy(&weights);
        let (scale, shift) = (rational(scale), rational(shift));
        let transformed = ExactBandit {
            proxy: bandit.proxy.iter().map(|r| &scale * r + &shift).collect(),
            ..bandit.clone()
        };
        let expected: Vec<BigRational> = bandit.gradient(&policy, Reward::Proxy).iter().map(|g| &scale * g).collect();
        prop_assert_eq!(transformed.gradient(&policy, Reward::Proxy), expected);
    }

    /// Gradient ascent on a·r_P with step η equals ascent on r_P with step aη.
    #[test]
    fn scaling_the_proxy_rescales_time(
        weights in prop::collection::vec(1u32..=30, 3..=6),
        proxy in prop::collection::vec(-5i32..=5, 6),
        scale in prop::sample::select(vec![0.25, 0.5, 2.0, 4.0]),
    ) {
        let outputs = weights.len();
        let total: f64 = weights.iter().map(|w| f64::from(*w)).sum();
        let initial: Vec<f64> = weights.iter().map(|w| f64::from(*w) / total).collect();
        let rewards: Vec<f64> = proxy[..outputs].iter().map(|r| f64::from(*r)).collect();
        let scaled: Vec<f64> = rewards.iter().map(|r| scale * r).collect();
        let base = Bandit::tabular(&initial, &rewards, &rewards);
        let left = ascend_plain(&base.trained_on(&scaled), 0.1, 200).unwrap();
        let right = ascend_plain(&base, 0.1 * scale, 200).unwrap();
        for (a, b) in left.final_parameters.iter().zip(&right.final_parameters) {
            prop_assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    /// V_P never decreases along the gradient flow (E7), up to the integrator tolerance.
    #[test]
    fn trained_value_rises_along_the_flow(
        weights in prop::collection::vec(1u32..=30, 2..=6),
        proxy in prop::collection::vec(-5i32..=5, 6),
    ) {
        let outputs = weights.len();
        let total: f64 = weights.iter().map(|w| f64::from(*w)).sum();
        let initial: Vec<f64> = weights.iter().map(|w| f64::from(*w) / total).collect();
        let rewards: Vec<f64> = proxy[..outputs].iter().map(|r| f64::from(*r)).collect();
        let bandit = Bandit::tabular(&initial, &rewards, &rewards);
        let velocity = |parameters: &[f64], out: &mut [f64]| {
            let current = bandit.policy(parameters);
            bandit.gradient_at_policy(&current, out);
        };
        let times: Vec<f64> = (0..30).map(|k| 10f64.powf(-2.0 + 0.25 * f64::from(k))).collect();
        let states = states_at(&velocity, &bandit.initial, &times, &FlowSettings::new(1e-11, 1e6)).unwrap();
        let values: Vec<f64> = states.iter().map(|state| value(&bandit.policy(state), &rewards)).collect();
        for pair in values.windows(2) {
            prop_assert!(pair[1] >= pair[0] - 1e-9 * pair[0].abs().max(1.0), "{} then {}", pair[0], pair[1]);
        }
    }
}

quickcheck! {
    /// The code's harm-aware indicator equals the paper's max form, ties included
    /// (small integers make ties frequent).
    fn harm_aware_forms_agree(preferred: i8, dispreferred: Vec<i8>, baseline: i8) -> bool {
        if dispreferred.is_empty() {
            return true;
        }
        let small = |v: i8| i64::from(v % 4);
        let preferred = small(preferred);
        let dispreferred: Vec<i64> = dispreferred.iter().map(|v| small(*v)).collect();
        let baseline = small(baseline);
        harm_aware_indicator(&preferred, &dispreferred, &baseline)
            == harm_aware_indicator_by_maximum(&preferred, &dispreferred, &baseline)
    }

    /// Accuracy's indicator implies the harm-aware one.
    fn accuracy_implies_harm_aware(preferred: i8, dispreferred: Vec<i8>, baseline: i8) -> bool {
        dispreferred.is_empty()
            || !accuracy_indicator(&preferred, &dispreferred)
            || harm_aware_indicator(&preferred, &dispreferred, &baseline)
    }

    /// Acc ≤ HAcc and Acc-W ≤ HAcc-W on whole bandits with tied rewards.
    fn metrics_are_ordered(weights: Vec<u8>, truth: Vec<i8>, proxy: Vec<i8>) -> bool {
        let outputs = weights.len().min(truth.len()).min(proxy.len()).min(8);
        if outputs < 2 {
            return true;
        }
        let policy = policy(&weights[..outputs].iter().map(|w| u32::from(*w) + 1).collect::<Vec<_>>());
        let truth: Vec<BigRational> = truth[..outputs].iter().map(|v| ratio(i64::from(*v % 3), 1)).collect();
        let proxy: Vec<BigRational> = proxy[..outputs].iter().map(|v| ratio(i64::from(*v % 3), 1)).collect();
        match pairwise(&policy, &truth, &proxy) {
            None => true,
            Some(metrics) => {
                metrics.accuracy <= metrics.harm_aware_accuracy
                    && metrics.weighted_accuracy <= metrics.weighted_harm_aware_accuracy
            }
        }
    }
}
