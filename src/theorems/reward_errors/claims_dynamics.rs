//! Claims RE-1 … RE-10: the policy-gradient dynamics (E3–E9) and their invariances.

use num_rational::BigRational;
use num_traits::Zero;
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use rayon::prelude::*;

use super::bandit::{ExactBandit, Reward, dual_gradient, dual_softmax, dual_value_derivative};
use super::configs::{Geometry, bandit_with_features, family_policy, output_name};
use super::dynamics::{self, Bandit, value};
use super::metrics::{self, METRIC_NAMES};
use super::{Instance, claim, flow_plan};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value};
use crate::error::Error;
use crate::exact::{Bounds, Interval, certify, dot, format_rational, ratio, to_f64};
use crate::sim::flow::log_spaced;
use crate::suite::Case;

/// Unit roundoff u = 2⁻⁵³.
const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

pub(super) static CLAIMS: [ClaimInfo; 10] = [
    claim(
        "RE-1",
        "policy gradient equals the derivative of the expected reward",
        "E3/E4 equal the derivative of E1–E2: exactly, by dual numbers over a rational-π state, and within 1e-20 by central differences at 50 digits.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF",
        "∇V_R(θ) = Fᵀ(π ⊙ A_R) = d/dε V_R(θ + ε e_k), k = 1..d",
        &["instances", "maximum_outputs"],
    ),
    claim(
        "RE-2",
        "logit velocity, both forms",
        "E5 in vector form FFᵀ(π ⊙ A_P) and in sum form equals F∇V_P, exactly, on random instances and the §7 geometries.",
        &[ClaimKind::Identity],
        &[Provenance::Stated],
        "CF",
        "ℓ̇(y) = π(y)A_P(y)‖φ(y)‖² + Σ_{z≠y} π(z)A_P(z)⟨φ(z),φ(y)⟩ = (F∇V_P)(y)",
        &["instances", "maximum_outputs", "initial_policy"],
    ),
    claim(
        "RE-3",
        "probability velocity",
        "E6 equals d softmax(Fθ_t)/dt: exactly by a dual-number derivative along ∇V_P, and along the flow on T0 by symmetric differences of π(θ_t) within 1e-6.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF, GF",
        "dπ(y)/dt = π(y)[ℓ̇(y) − Σ_z π(z)ℓ̇(z)]",
        &[
            "instances",
            "maximum_outputs",
            "initial_policy",
            "ground_truth_rewards",
            "proxy_rewards",
        ],
    ),
    claim(
        "RE-4",
        "the trained value never decreases",
        "V_P never decreases along gradient flow (E7), and at η = 0.1 it does not decrease at any gradient-ascent step, on the §6.3, §7, §8 and RE-11–14 configurations.",
        &[ClaimKind::Monotonicity],
        &[Provenance::Derived],
        "GF, GA",
        "dV_P/dt = ‖∇V_P‖² ≥ 0;  V_P(θ_{s+1}) − V_P(θ_s) ≥ −4u·max(1, |V_P|)",
        &["learning_rate", "steps", "horizon", "relative_tolerance"],
    ),
    claim(
        "RE-5",
        "outputs below the trained value lose logit forever",
        "Tabular: an output y with r(y) < V(θ_0) keeps r(y) < V(θ) and a non-increasing logit at every ascent step and flow output; on T0 trained on the no-med proxy (y_med, b1..b3) and on r_G (b1..b3).",
        &[ClaimKind::Monotonicity, ClaimKind::Inequality],
        &[Provenance::Derived],
        "GF, GA",
        "sign(dθ_y/dt) = sign(r(y) − V(θ_t)); V non-decreasing ⇒ r(y) < V(θ_s) for all s after the first",
        &[
            "initial_policy",
            "ground_truth_rewards",
            "proxy_rewards",
            "learning_rate",
            "steps",
            "target_value",
            "horizon",
            "relative_tolerance",
        ],
    ),
    claim(
        "RE-6",
        "a falling logit with a rising probability",
        "At π = (1/5, 1/10, 7/10), r_P = (10, 0, −1): V_P = 13/10; the middle output has A_P = −13/10 yet d ln π/dt = 331/500 > 0.",
        &[ClaimKind::ExactValue],
        &[Provenance::Derived],
        "CF",
        "tabular d ln π(y)/dt = π(y)A_P(y) − Σ_z π(z)²A_P(z)",
        &["initial_policy", "proxy_rewards"],
    ),
    claim(
        "RE-7",
        "rate of the ground-truth value",
        "E8 (double sum, and tabular form) equals the derivative of V_G along ∇V_P, exactly, and is symmetric under r_G ↔ r_P.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF",
        "dV_G/dt = ⟨∇V_G, ∇V_P⟩ = Σ_{y,z} π(y)π(z)A_G(y)A_P(z)⟨φ(y),φ(z)⟩",
        &["instances", "maximum_outputs"],
    ),
    claim(
        "RE-8",
        "initial rates at T0",
        "At T0, dV_G/dt = 23/100 training on r_G and −17/2000 training on the no-med proxy: the proxy that later wins first lowers V_G.",
        &[ClaimKind::ExactValue],
        &[Provenance::Derived],
        "CF",
        "tabular E8: Σ_y π(y)² A_G(y) A_P(y)",
        &["initial_policy", "ground_truth_rewards", "proxy_rewards"],
    ),
    claim(
        "RE-9",
        "one gradient-ascent step, certified",
        "One step at T0 with η = 1/10 gives V_G(θ_1) = Σ π₀ e^{ηπ₀A} r_G / Σ π₀ e^{ηπ₀A}; the certified value agrees with f64 gradient ascent within 1e-12, for A = A_G and A = A_P.",
        &[ClaimKind::ExactValue],
        &[Provenance::Derived],
        "CF (certified), GA",
        "θ_1(y) = ln π₀(y) + η π₀(y) A(y)",
        &[
            "initial_policy",
            "ground_truth_rewards",
            "proxy_rewards",
            "learning_rate",
        ],
    ),
    claim(
        "RE-10",
        "affine invariance of the proxy",
        "r_P' = a·r_P + c (a > 0) rescales time: GA with (r_P', η) equals GA with (r_P, aη), flow hitting times divide by a, c has no effect, and the four metrics are unchanged (all 1 for r_P = a·r_G + c).",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF, GF, GA",
        "∇V_{a r + c} = a ∇V_r;  θ'(t) = θ(a t)",
        &[
            "initial_policy",
            "ground_truth_rewards",
            "proxy_rewards",
            "learning_rate",
            "steps",
            "target_value",
            "horizon",
            "relative_tolerance",
            "scales",
            "shifts",
        ],
    ),
];

/// Checks one of RE-1 … RE-10; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-1" => gradient_identity(case),
        "RE-2" => logit_velocity_identity(case),
        "RE-3" => probability_velocity_identity(case),
        "RE-4" => value_monotonicity(case),
        "RE-5" => falling_logits(case),
        "RE-6" => falling_logit_rising_probability(case),
        "RE-7" => ground_truth_rate_identity(case),
        "RE-8" => initial_rates(case),
        "RE-9" => one_certified_step(case),
        "RE-10" => affine_invariance(case),
        _ => return None,
    })
}

/// A small random rational: numerator in [−range, range], denominator in [1, 4].
fn random_rational(stream: &mut ChaCha12Rng, range: i64) -> BigRational {
    ratio(
        stream.random_range(-range..=range),
        stream.random_range(1..=4),
    )
}

/// Random instances: n ∈ [2, maximum], d ∈ [1, n], rational features and rewards, a
/// rational interior policy. Drawn from the case's stream 0, so they are reproducible.
pub(super) fn random_instances(case: &Case) -> Result<Vec<(ExactBandit, Vec<BigRational>)>, Error> {
    let count = case.parameters.count("instances")?;
    let maximum = case.parameters.count("maximum_outputs")?.max(2) as usize;
    let mut stream = case.random_stream(0);
    Ok((0..count)
        .map(|_| {
            let outputs = stream.random_range(2..=maximum);
            let dimension = stream.random_range(1..=outputs);
            let features = (0..outputs)
                .map(|_| {
                    (0..dimension)
                        .map(|_| random_rational(&mut stream, 3))
                        .collect()
                })
                .collect();
            let ground_truth = (0..outputs)
                .map(|_| random_rational(&mut stream, 5))
                .collect();
            let proxy = (0..outputs)
                .map(|_| random_rational(&mut stream, 5))
                .collect();
            let weights: Vec<i64> = (0..outputs).map(|_| stream.random_range(1..=20)).collect();
            let total: i64 = weights.iter().sum();
            let policy = weights.iter().map(|w| ratio(*w, total)).collect();
            (
                ExactBandit {
                    features,
                    ground_truth,
                    proxy,
                },
                policy,
            )
        })
        .collect())
}

/// Central differences of V_G and V_P along e_k at the state π, enclosed at `precision`
/// bits: (V(θ + h e_k) − V(θ − h e_k)) / 2h, where shifting θ multiplies π(y) by
/// e^{±hφ_k(y)}. The exponentials depend only on the feature value, so each distinct
/// value is exponentiated once and its reciprocal gives the other sign.
fn central_differences(
    bandit: &ExactBandit,
    policy: &[BigRational],
    coordinate: usize,
    step: &BigRational,
    precision: usize,
) -> Result<[Interval; 2], Error> {
    let mut exponentials: Vec<(BigRational, Interval, Interval)> = Vec::new();
    let mut weights = [Vec::new(), Vec::new()];
    for (row, p) in bandit.features.iter().zip(policy) {
        let feature = &row[coordinate];
        let index = match exponentials
            .iter()
            .position(|(value, _, _)| value == feature)
        {
            Some(index) => index,
            None => {
                let up = Interval::from_rational(&(step * feature), precision).exp()?;
                let down = up.recip()?;
                exponentials.push((feature.clone(), up, down));
                exponentials.len() - 1
            }
        };
        let probability = Interval::from_rational(p, precision);
        weights[0].push(probability.mul(&exponentials[index].1));
        weights[1].push(probability.mul(&exponentials[index].2));
    }
    let shifted_value =
        |weights: &[Interval], rewards: &[BigRational]| -> Result<Interval, Error> {
            let zero = Interval::from_integer(0, precision);
            let numerator = weights
                .iter()
                .zip(rewards)
                .fold(zero.clone(), |total, (weight, r)| {
                    total.add(&weight.mul(&Interval::from_rational(r, precision)))
                });
            let denominator = weights.iter().fold(zero, |total, weight| total.add(weight));
            numerator.div(&denominator)
        };
    let twice_step = Interval::from_rational(&(step * ratio(2, 1)), precision);
    let difference = |reward: Reward| -> Result<Interval, Error> {
        let rewards = bandit.rewards(reward);
        shifted_value(&weights[0], rewards)?
            .sub(&shifted_value(&weights[1], rewards)?)
            .div(&twice_step)
    };
    Ok([difference(Reward::GroundTruth)?, difference(Reward::Proxy)?])
}

fn gradient_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let instances = random_instances(case)?;
    let count = instances.len() as u64;
    let mismatches = instances
        .iter()
        .filter(|(bandit, policy)| {
            [Reward::GroundTruth, Reward::Proxy].iter().any(|&reward| {
                dual_gradient(bandit, policy, reward) != bandit.gradient(policy, reward)
            })
        })
        .count() as u64;
    let exact = rules::exact_predicate(
        "E4 = dual-number derivative, both rewards",
        "equal on every instance",
        Value::Count {
            hits: count - mismatches,
            total: count,
        },
        mismatches == 0,
    );

    // Central differences at 170 bits (≈ 50 digits) with h = 1e-12, rechecked at 340
    // bits: truncation error is O(h²) ≈ 1e-24 and the enclosure carries every rounding
    // error. Both rewards, every coordinate of every instance.
    let step = ratio(1, 1_000_000_000_000);
    let largest = certify(170, |precision| {
        let magnitudes = instances
            .par_iter()
            .map(|(bandit, policy)| {
                let mut largest = Interval::from_integer(0, precision);
                let gradients = [
                    bandit.gradient(policy, Reward::GroundTruth),
                    bandit.gradient(policy, Reward::Proxy),
                ];
                for coordinate in 0..bandit.dimension() {
                    let differences =
                        central_differences(bandit, policy, coordinate, &step, precision)?;
                    for (difference, gradient) in differences.iter().zip(&gradients) {
                        let error = difference
                            .sub(&Interval::from_rational(&gradient[coordinate], precision));
                        largest = largest.maximum(&error.abs());
                    }
                }
                Ok(largest)
            })
            .collect::<Result<Vec<Interval>, Error>>()?;
        Ok(magnitudes.iter().fold(
            Interval::from_integer(0, precision),
            |largest, magnitude| largest.maximum(magnitude),
        ))
    })?;
    let bound = 1e-20;
    let certified = rules::certified(
        "|central difference − E4| ≤ 1e-20 at 50 digits, both rewards",
        "≤ 1e-20",
        &largest,
        if largest.upper_f64() <= bound {
            Some(true)
        } else if largest.lower_f64() > bound {
            Some(false)
        } else {
            None
        },
    );
    Ok(vec![exact, certified])
}

fn logit_velocity_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let mut instances = random_instances(case)?;
    let policy = case.parameters.rationals("initial_policy")?;
    let geometries = [
        Geometry::Orthogonal,
        Geometry::Negative,
        Geometry::Positive,
        Geometry::Sweep(0.6),
        Geometry::Sweep(0.8),
    ];
    for geometry in geometries {
        let features = geometry
            .exact_features(policy.len())
            .expect("rational geometry");
        let ground_truth = vec![
            ratio(1, 1),
            ratio(4, 5),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        let proxy = vec![
            ratio(1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        instances.push((
            ExactBandit {
                features,
                ground_truth,
                proxy,
            },
            policy.clone(),
        ));
    }
    let total = instances.len() as u64;
    let agreeing = instances
        .iter()
        .filter(|(bandit, policy)| {
            let gradient = bandit.gradient(policy, Reward::Proxy);
            let direct: Vec<BigRational> = bandit
                .features
                .iter()
                .map(|row| dot(row, &gradient))
                .collect();
            // The vector form FFᵀ(π ⊙ A_P), with the Gram matrix built entry by entry.
            let weights: Vec<BigRational> = policy
                .iter()
                .zip(bandit.advantages(policy, Reward::Proxy))
                .map(|(p, a)| p * a)
                .collect();
            let outputs = bandit.outputs();
            let by_gram: Vec<BigRational> = (0..outputs)
                .map(|y| {
                    dot(
                        &(0..outputs).map(|z| bandit.gram(y, z)).collect::<Vec<_>>(),
                        &weights,
                    )
                })
                .collect();
            by_gram == direct && bandit.logit_velocity_by_sum(policy, Reward::Proxy) == direct
        })
        .count() as u64;
    Ok(vec![rules::exact_predicate(
        "E5 as FFᵀ(π ⊙ A_P) and as the sum form = F∇V_P",
        "equal on every instance (random, §7 geometries, sweep s = 0.6 and 0.8)",
        Value::Count {
            hits: agreeing,
            total,
        },
        agreeing == total,
    )])
}

fn probability_velocity_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let instances = random_instances(case)?;
    let total = instances.len() as u64;
    let agreeing = instances
        .iter()
        .filter(|(bandit, policy)| {
            let gradient = bandit.gradient(policy, Reward::Proxy);
            let dual: Vec<BigRational> = dual_softmax(&bandit.features, policy, &gradient)
                .into_iter()
                .map(|d| d.derivative)
                .collect();
            dual == bandit.probability_velocity(policy, Reward::Proxy)
        })
        .count() as u64;
    let exact = rules::exact_predicate(
        "E6 = dual-number d softmax/dt along ∇V_P",
        "equal on every instance",
        Value::Count {
            hits: agreeing,
            total,
        },
        agreeing == total,
    );

    // Along the flow on T0: symmetric differences of π(θ_t) at 10 log-spaced times.
    let instance = Instance::from_parameters(&case.parameters)?;
    let bandit = instance.float_bandit(Reward::Proxy);
    let times: Vec<f64> = (0..10)
        .map(|index| 10f64.powf(-1.0 + 4.0 * f64::from(index) / 9.0))
        .collect();
    let mut sampled = Vec::new();
    for &time in &times {
        let step = 1e-4 * (1.0 + time);
        sampled.extend([time - step, time, time + step]);
    }
    let plan = super::FlowPlan {
        relative_tolerance: 1e-12,
        horizon: 1e3 + 1.0,
    };
    let velocity = dynamics::flow_velocity(&bandit);
    let states = crate::sim::flow::states_at(
        &velocity,
        &bandit.initial,
        &sampled,
        &crate::sim::flow::FlowSettings::new(plan.relative_tolerance, plan.horizon),
    )?;
    let mut largest = 0.0_f64;
    for (index, &time) in times.iter().enumerate() {
        let step = 1e-4 * (1.0 + time);
        let (before, at, after) = (
            &states[3 * index],
            &states[3 * index + 1],
            &states[3 * index + 2],
        );
        let (policy_before, policy_after, policy_at) = (
            bandit.policy(before),
            bandit.policy(after),
            bandit.policy(at),
        );
        let log_velocity = bandit.log_probability_velocity(at);
        for y in 0..bandit.outputs() {
            let difference = (policy_after[y] - policy_before[y]) / (2.0 * step);
            largest = largest.max((difference - policy_at[y] * log_velocity[y]).abs());
        }
    }
    let flow = rules::upper_bound(
        "flow on T0: |Δπ/2h − E6| at 10 times ≤ 1e-6",
        Bounds::point(1e-6),
        Strictness::NonStrict,
        &Measured::point(largest),
    );
    Ok(vec![exact, flow])
}

/// A named configuration for the monotonicity claims.
struct Configuration {
    name: String,
    bandit: Bandit,
}

fn exact_rewards(values: &[(i64, i64)]) -> Vec<f64> {
    values.iter().map(|&(n, d)| n as f64 / d as f64).collect()
}

/// The configurations of §6.3, §7, §8 and RE-11 … RE-14, each trained on r_G and on
/// its proxy.
fn monotonicity_configurations() -> Result<Vec<Configuration>, Error> {
    let truth = exact_rewards(&[(1, 1), (4, 5), (-1, 1), (-1, 1), (-1, 1)]);
    let no_med = exact_rewards(&[(1, 1), (-1, 1), (-1, 1), (-1, 1), (-1, 1)]);
    let mut configurations = Vec::new();
    let mut push_both = |name: String, bandit: Bandit, proxy: &[f64]| {
        configurations.push(Configuration {
            name: format!("{name}, r_G"),
            bandit: bandit.trained_on(&bandit.ground_truth.clone()),
        });
        configurations.push(Configuration {
            name: format!("{name}, proxy"),
            bandit: bandit.trained_on(proxy),
        });
    };
    for optimal in [
        "0.2", "0.15", "0.1", "0.07", "0.05", "0.03", "0.02", "0.01", "0.005",
    ] {
        let p = crate::exact::parse_rational(optimal).expect("literal");
        let policy: Vec<f64> = family_policy(&p, &ratio(1, 2), 3)
            .iter()
            .map(to_f64)
            .collect();
        push_both(
            format!("§6.3 p = {optimal}"),
            Bandit::tabular(&policy, &truth, &truth),
            &no_med,
        );
    }
    let reference = [0.05, 0.5, 0.15, 0.15, 0.15];
    for geometry in [Geometry::Orthogonal, Geometry::Negative, Geometry::Positive] {
        let bandit = bandit_with_features(geometry.features(5), &reference, &truth, &truth)?;
        push_both(format!("§7 {}", geometry.name()), bandit, &no_med);
    }
    for cosine in [0.0, 0.5, 0.66, 0.8, 0.9, 0.95, 0.99] {
        let geometry = Geometry::Sweep(cosine);
        let bandit = bandit_with_features(geometry.features(5), &reference, &truth, &truth)?;
        push_both(format!("§7 {}", geometry.name()), bandit, &no_med);
    }
    let harmful = exact_rewards(&[(1, 1), (4, 5), (2, 1), (-1, 1), (-1, 1)]);
    push_both(
        "RE-11".into(),
        Bandit::tabular(&reference, &truth, &truth),
        &harmful,
    );
    let stalled_truth = exact_rewards(&[(1, 1), (-1, 1), (-1, 1), (-1, 1), (-1, 1)]);
    push_both(
        "RE-12".into(),
        Bandit::tabular(&reference, &stalled_truth, &stalled_truth),
        &truth,
    );
    for value in [-0.95, -0.91, -2.0, -5.0, -100.0] {
        let mut benign = no_med.clone();
        benign[2] = value;
        push_both(
            format!("RE-13 v = {value}"),
            Bandit::tabular(&reference, &truth, &truth),
            &benign,
        );
    }
    for epsilon in [1e-6, 1e-9] {
        let mut hacked: Vec<f64> = reference.iter().map(|p| p * (1.0 - epsilon)).collect();
        hacked.push(epsilon);
        let hacked_truth = exact_rewards(&[(1, 1), (4, 5), (-1, 1), (-1, 1), (-1, 1), (-1, 1)]);
        let hacked_proxy = exact_rewards(&[(1, 1), (-1, 1), (-1, 1), (-1, 1), (-1, 1), (2, 1)]);
        push_both(
            format!("RE-14 ε = {epsilon:e}"),
            Bandit::tabular(&hacked, &hacked_truth, &hacked_truth),
            &hacked_proxy,
        );
    }
    Ok(configurations)
}

fn value_monotonicity(case: &Case) -> Result<Vec<Part>, Error> {
    let learning_rate = case.parameters.number("learning_rate")?;
    let steps = case.parameters.count("steps")? as usize;
    let plan = flow_plan(&case.parameters)?;
    let configurations = monotonicity_configurations()?;

    // Gradient ascent: the smallest step change of V_P relative to its roundoff allowance.
    let worst_ascent = configurations
        .par_iter()
        .map(|configuration| {
            let trace = dynamics::ascend_plain(&configuration.bandit, learning_rate, steps)?;
            let slack = trace
                .training_values
                .windows(2)
                .map(|pair| (pair[1] - pair[0]) + 4.0 * UNIT_ROUNDOFF * pair[0].abs().max(1.0))
                .fold(f64::INFINITY, f64::min);
            Ok((slack, configuration.name.clone()))
        })
        .collect::<Result<Vec<_>, Error>>()?
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((f64::NAN, String::new()));
    let ascent = rules::lower_bound(
        format!(
            "GA: min over steps of ΔV_P + 4u·max(1, |V_P|) ≥ 0 ({} configurations; worst: {})",
            configurations.len(),
            worst_ascent.1
        ),
        Bounds::point(0.0),
        Strictness::NonStrict,
        &Measured::point(worst_ascent.0),
    );

    // Gradient flow: V_P at about 100 log-spaced outputs, at both tolerances; a decrease
    // smaller than the run's own relative tolerance is integration noise.
    let times = log_spaced(
        1e-2,
        plan.horizon,
        (100.0 / (plan.horizon / 1e-2).log10()).ceil() as usize,
    );
    let worst = configurations
        .par_iter()
        .map(|configuration| {
            let velocity = dynamics::flow_velocity(&configuration.bandit);
            let slacks = plan
                .settings()
                .iter()
                .map(|settings| {
                    let states = crate::sim::flow::states_at(
                        &velocity,
                        &configuration.bandit.initial,
                        &times,
                        settings,
                    )?;
                    let values: Vec<f64> = states
                        .iter()
                        .map(|state| {
                            value(
                                &configuration.bandit.policy(state),
                                &configuration.bandit.training,
                            )
                        })
                        .collect();
                    Ok(values
                        .windows(2)
                        .map(|pair| {
                            (pair[1] - pair[0])
                                + settings.relative_tolerance * pair[0].abs().max(1.0)
                        })
                        .fold(f64::INFINITY, f64::min))
                })
                .collect::<Result<Vec<f64>, Error>>()?;
            Ok((slacks[0], slacks[1], configuration.name.clone()))
        })
        .collect::<Result<Vec<_>, Error>>()?
        .into_iter()
        .min_by(|a, b| a.0.min(a.1).total_cmp(&b.0.min(b.1)))
        .unwrap_or((f64::NAN, f64::NAN, String::new()));
    let flow = rules::lower_bound(
        format!(
            "GF: min over {} outputs of ΔV_P + rtol·max(1, |V_P|), rtol 1e-10 and 1e-12 ({} configurations; worst: {})",
            times.len(),
            configurations.len(),
            worst.2
        ),
        Bounds::point(0.0),
        Strictness::NonStrict,
        &Measured::new(worst.0.min(worst.1), Bounds::new(worst.0, worst.1)),
    );
    Ok(vec![ascent, flow])
}

fn falling_logits(case: &Case) -> Result<Vec<Part>, Error> {
    let instance = Instance::from_parameters(&case.parameters)?;
    let learning_rate = case.parameters.number("learning_rate")?;
    let steps = case.parameters.count("steps")? as usize;
    let target = case.parameters.number("target_value")?;
    let plan = flow_plan(&case.parameters)?;
    let mut parts = Vec::new();
    for (reward, label) in [(Reward::Proxy, "proxy"), (Reward::GroundTruth, "r_G")] {
        let values = instance.exact.rewards(reward);
        let initial_value = instance.exact.value(&instance.policy, reward);
        let named: Vec<usize> = (0..values.len())
            .filter(|&y| values[y] < initial_value)
            .collect();
        let names = named
            .iter()
            .map(|y| output_name(*y))
            .collect::<Vec<_>>()
            .join(", ");
        let bandit = instance.float_bandit(reward);
        let rewards: Vec<f64> = values.iter().map(to_f64).collect();

        // Gradient ascent: the largest r(y) − V(θ_s) and the largest logit increase.
        let mut largest_gap = f64::NEG_INFINITY;
        let mut largest_rise = f64::NEG_INFINITY;
        let mut previous: Option<Vec<f64>> = None;
        dynamics::ascend(&bandit, learning_rate, steps, |_, parameters, policy| {
            let current = value(policy, &bandit.training);
            for &y in &named {
                largest_gap = largest_gap.max(rewards[y] - current);
                if let Some(previous) = &previous {
                    largest_rise = largest_rise.max(parameters[y] - previous[y]);
                }
            }
            previous = Some(parameters.to_vec());
            true
        })?;
        parts.push(rules::upper_bound(
            format!("GA, trained on {label}: max_s r(y) − V(θ_s) < 0 for {names}"),
            Bounds::point(0.0),
            Strictness::Strict,
            &Measured::point(largest_gap),
        ));
        parts.push(rules::upper_bound(
            format!("GA, trained on {label}: max_s θ_{{s+1}}(y) − θ_s(y) ≤ 0 for {names}"),
            Bounds::point(0.0),
            Strictness::NonStrict,
            &Measured::point(largest_rise),
        ));

        // Gradient flow at outputs up to min(t⋆, horizon).
        let hit = dynamics::ground_truth_hitting_time(&bandit, target, &plan)?;
        let end = hit.fine.unwrap_or(plan.horizon).min(plan.horizon);
        let times = log_spaced(1e-2, end, 10);
        let states = dynamics::flow_states(&bandit, &times, &plan)?.fine;
        let mut flow_gap = f64::NEG_INFINITY;
        let mut flow_rise = f64::NEG_INFINITY;
        let mut largest_logit = 1.0_f64;
        for pair in states.windows(2) {
            let current = value(&bandit.policy(&pair[1]), &bandit.training);
            for &y in &named {
                flow_gap = flow_gap.max(rewards[y] - current);
                flow_rise = flow_rise.max(pair[1][y] - pair[0][y]);
                largest_logit = largest_logit.max(pair[1][y].abs());
            }
        }
        // A flat logit may move by the fine integration's own error: its relative
        // tolerance times the logit's size, for each of the two outputs compared.
        let fine_tolerance = plan.settings()[1].relative_tolerance;
        let allowance = 2.0 * fine_tolerance * largest_logit;
        parts.push(rules::upper_bound(
            format!(
                "GF, trained on {label}: max r(y) − V(θ_t) < 0 at {} outputs to t = {end:.3e}",
                times.len()
            ),
            Bounds::point(0.0),
            Strictness::Strict,
            &Measured::point(flow_gap),
        ));
        parts.push(rules::upper_bound(
            format!(
                "GF, trained on {label}: logits of {names} non-increasing (max rise between outputs, integration allowance 2·rtol·max|θ| = {allowance:.1e})"
            ),
            Bounds::point(allowance),
            Strictness::NonStrict,
            &Measured::point(flow_rise),
        ));
    }
    Ok(parts)
}

fn falling_logit_rising_probability(case: &Case) -> Result<Vec<Part>, Error> {
    let policy = case.parameters.rationals("initial_policy")?;
    let proxy = case.parameters.rationals("proxy_rewards")?;
    let bandit = ExactBandit::tabular(proxy.clone(), proxy);
    let advantages = bandit.advantages(&policy, Reward::Proxy);
    let log_velocity = bandit.log_probability_velocity(&policy, Reward::Proxy);
    Ok(vec![
        rules::exact_equal("V_P", &ratio(13, 10), &bandit.value(&policy, Reward::Proxy)),
        rules::exact_equal("A_P(y_2)", &ratio(-13, 10), &advantages[1]),
        rules::exact_equal("d ln π(y_2)/dt", &ratio(331, 500), &log_velocity[1]),
        rules::exact_predicate(
            "logit of y_2 falls while its probability rises",
            "π(y_2)A_P(y_2) < 0 < d ln π(y_2)/dt",
            Value::label(format!(
                "{} and {}",
                format_rational(&(&policy[1] * &advantages[1])),
                format_rational(&log_velocity[1])
            )),
            &policy[1] * &advantages[1] < BigRational::zero()
                && log_velocity[1] > BigRational::zero(),
        ),
    ])
}

fn ground_truth_rate_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let instances = random_instances(case)?;
    let total = instances.len() as u64;
    let mut derivative_agrees = 0;
    let mut symmetric = 0;
    for (bandit, policy) in &instances {
        let direction = bandit.gradient(policy, Reward::Proxy);
        let along = dual_value_derivative(bandit, policy, Reward::GroundTruth, &direction);
        let rate = bandit.ground_truth_rate(policy);
        derivative_agrees += u64::from(rate == along);
        symmetric += u64::from(rate == bandit.swapped().ground_truth_rate(policy));
    }
    let tabular_total = 50u64;
    let mut stream = case.random_stream(1);
    let mut tabular_agrees = 0;
    for _ in 0..tabular_total {
        let outputs = stream.random_range(2..=8);
        let weights: Vec<i64> = (0..outputs).map(|_| stream.random_range(1..=20)).collect();
        let total_weight: i64 = weights.iter().sum();
        let policy: Vec<BigRational> = weights.iter().map(|w| ratio(*w, total_weight)).collect();
        let bandit = ExactBandit::tabular(
            (0..outputs)
                .map(|_| random_rational(&mut stream, 5))
                .collect(),
            (0..outputs)
                .map(|_| random_rational(&mut stream, 5))
                .collect(),
        );
        tabular_agrees += u64::from(
            bandit.ground_truth_rate(&policy) == bandit.ground_truth_rate_tabular(&policy),
        );
    }
    Ok(vec![
        rules::exact_predicate(
            "E8 = dual derivative of V_G along ∇V_P",
            "equal on every instance",
            Value::Count {
                hits: derivative_agrees,
                total,
            },
            derivative_agrees == total,
        ),
        rules::exact_predicate(
            "E8 symmetric under r_G ↔ r_P",
            "equal on every instance",
            Value::Count {
                hits: symmetric,
                total,
            },
            symmetric == total,
        ),
        rules::exact_predicate(
            "tabular form of E8 = double sum",
            "equal on every tabular instance",
            Value::Count {
                hits: tabular_agrees,
                total: tabular_total,
            },
            tabular_agrees == tabular_total,
        ),
    ])
}

fn initial_rates(case: &Case) -> Result<Vec<Part>, Error> {
    let instance = Instance::from_parameters(&case.parameters)?;
    Ok(vec![
        rules::exact_equal(
            "dV_G/dt at θ₀ training on r_G",
            &ratio(23, 100),
            &instance
                .on_ground_truth()
                .ground_truth_rate(&instance.policy),
        ),
        rules::exact_equal(
            "dV_G/dt at θ₀ training on the proxy",
            &ratio(-17, 2000),
            &instance.exact.ground_truth_rate(&instance.policy),
        ),
    ])
}

/// V_G after one ascent step from ln π₀, enclosed: Σ π₀ e^{ηπ₀A} r_G / Σ π₀ e^{ηπ₀A}.
pub(super) fn certified_one_step(
    instance: &Instance,
    training: &ExactBandit,
    learning_rate: &BigRational,
    precision: usize,
) -> Result<Interval, Error> {
    let advantages = training.advantages(&instance.policy, Reward::Proxy);
    let mut numerator = Interval::from_integer(0, precision);
    let mut denominator = Interval::from_integer(0, precision);
    for ((p, a), r) in instance
        .policy
        .iter()
        .zip(&advantages)
        .zip(&instance.exact.ground_truth)
    {
        let weight = Interval::from_rational(p, precision)
            .mul(&Interval::from_rational(&(learning_rate * p * a), precision).exp()?);
        numerator = numerator.add(&weight.mul(&Interval::from_rational(r, precision)));
        denominator = denominator.add(&weight);
    }
    numerator.div(&denominator)
}

fn one_certified_step(case: &Case) -> Result<Vec<Part>, Error> {
    let instance = Instance::from_parameters(&case.parameters)?;
    let learning_rate = case.parameters.rational("learning_rate")?;
    let mut parts = Vec::new();
    for (reward, label, training) in [
        (Reward::GroundTruth, "r_G", instance.on_ground_truth()),
        (Reward::Proxy, "proxy", instance.exact.clone()),
    ] {
        let enclosure = crate::exact::certify(128, |precision| {
            certified_one_step(&instance, &training, &learning_rate, precision)
        })?;
        let trace =
            dynamics::ascend_plain(&instance.float_bandit(reward), to_f64(&learning_rate), 2)?;
        parts.push(rules::equivalence(
            format!("V_G(θ_1) trained on {label}: f64 GA vs certified"),
            &Band::absolute_around(&enclosure, 1e-12),
            &Measured::point(trace.ground_truth_values[1]),
        ));
    }
    Ok(parts)
}

fn affine_invariance(case: &Case) -> Result<Vec<Part>, Error> {
    let instance = Instance::from_parameters(&case.parameters)?;
    let learning_rate = case.parameters.number("learning_rate")?;
    let steps = case.parameters.count("steps")? as usize;
    let target = case.parameters.number("target_value")?;
    let plan = flow_plan(&case.parameters)?;
    let scales = case.parameters.rationals("scales")?;
    let shifts = case.parameters.rationals("shifts")?;
    let base = instance.float_bandit(Reward::Proxy);
    let base_hit = dynamics::ground_truth_hitting_time(&base, target, &plan)?;
    let reference_metrics = metrics::pairwise(
        &instance.policy,
        &instance.exact.ground_truth,
        &instance.exact.proxy,
    );

    let mut worst_ascent = f64::NEG_INFINITY;
    let mut ratios = Vec::new();
    let mut metrics_equal = 0u64;
    let mut metrics_one = 0u64;
    let mut combinations = 0u64;
    for scale in &scales {
        let a = to_f64(scale);
        let mut scaled_parameters = Vec::with_capacity(steps);
        dynamics::ascend(&base, a * learning_rate, steps, |_, parameters, _| {
            scaled_parameters.push(parameters.to_vec());
            true
        })?;
        for shift in &shifts {
            combinations += 1;
            let transformed: Vec<BigRational> = instance
                .exact
                .proxy
                .iter()
                .map(|r| scale * r + shift)
                .collect();
            let bandit = base.trained_on(&transformed.iter().map(to_f64).collect::<Vec<_>>());
            dynamics::ascend(&bandit, learning_rate, steps, |s, parameters, _| {
                let reference = &scaled_parameters[s];
                let distance = parameters
                    .iter()
                    .zip(reference)
                    .map(|(x, y)| (x - y).powi(2))
                    .sum::<f64>()
                    .sqrt();
                let norm = reference.iter().map(|x| x * x).sum::<f64>().sqrt();
                let allowance = 64.0 * UNIT_ROUNDOFF * (s.max(1) as f64) * norm.max(1.0);
                worst_ascent = worst_ascent.max(distance / allowance);
                true
            })?;
            let hit = dynamics::ground_truth_hitting_time(&bandit, target, &plan)?;
            if let (Some(shifted), Some(reference)) = (hit.interval(), base_hit.interval()) {
                ratios.push(Bounds::new(
                    a * shifted.lower / reference.upper,
                    a * shifted.upper / reference.lower,
                ));
            }
            let transformed_metrics =
                metrics::pairwise(&instance.policy, &instance.exact.ground_truth, &transformed);
            metrics_equal += u64::from(transformed_metrics == reference_metrics);
            let of_truth: Vec<BigRational> = instance
                .exact
                .ground_truth
                .iter()
                .map(|r| scale * r + shift)
                .collect();
            metrics_one += u64::from(
                metrics::pairwise(&instance.policy, &instance.exact.ground_truth, &of_truth)
                    .is_some_and(|m| metrics::all_one(&m)),
            );
        }
    }
    let flow = if ratios.len() as u64 == combinations {
        let ratio_bounds = Bounds::spread(
            &ratios
                .iter()
                .flat_map(|b| [b.lower, b.upper])
                .collect::<Vec<_>>(),
        )
        .unwrap_or(Bounds::point(f64::NAN));
        rules::equivalence(
            format!("GF: a·t⋆' / t⋆ over {} combinations", ratios.len()),
            &Band::relative(1.0, 1e-8),
            &Measured::new(
                0.5 * (ratio_bounds.lower + ratio_bounds.upper),
                ratio_bounds,
            ),
        )
    } else {
        rules::error(
            "GF: a·t⋆' / t⋆",
            format!(
                "the target was not reached in {} of {combinations} flows",
                combinations - ratios.len() as u64
            ),
        )
    };
    Ok(vec![
        rules::upper_bound(
            "GA: max_s ‖θ'_s − θ_s‖ / (64u·s·max(1, ‖θ_s‖)) ≤ 1",
            Bounds::point(1.0),
            Strictness::NonStrict,
            &Measured::point(worst_ascent),
        ),
        flow,
        rules::exact_predicate(
            format!("{} of r_P' equal those of r_P", METRIC_NAMES.join(", ")),
            "equal for every (a, c)",
            Value::Count {
                hits: metrics_equal,
                total: combinations,
            },
            metrics_equal == combinations,
        ),
        rules::exact_predicate(
            "all four metrics of a·r_G + c equal 1",
            "1 for every (a, c)",
            Value::Count {
                hits: metrics_one,
                total: combinations,
            },
            metrics_one == combinations,
        ),
    ])
}
