//! Categorizing reward errors: a predicted class from the initial state, and the
//! measured class from gradient-flow hitting times.
//!
//! # Formula
//! ```text
//! errors of r_P relative to r_ref: outputs y with r_P(y) ≠ r_ref(y)
//! single-error proxy r⁽ʸ⁾: r_ref with entry y replaced by r_P(y);  V₀ = V_{r⁽ʸ⁾}(θ₀)
//! measured: ρ = t⋆(r⁽ʸ⁾) / t⋆(r_ref) at V_G ≥ γ
//!   harmful     ρ > 1 + τ, or only r_ref reaches γ
//!   beneficial  ρ < 1/(1 + τ), or only r⁽ʸ⁾ reaches γ
//!   benign      otherwise
//! predicted by the paper's table (spec §4), first match:
//!   benign II     π₀(y) < negligible_probability
//!   harmful I     r⁽ʸ⁾(y) > V₀, y is the proxy optimum and not the ground-truth optimum
//!   harmful II    r⁽ʸ⁾(y) > V₀ and r⁽ʸ⁾(y) > r_ref(y): an overrated output attracts mass
//!   beneficial I  r⁽ʸ⁾(y) ≤ V₀ and r_ref(y) > V_{r_ref}(θ₀): an attractor of r_ref no
//!                 longer attracts
//!   benign I      r⁽ʸ⁾(y) ≤ V₀ and r_ref(y) ≤ V_{r_ref}(θ₀): it never attracted mass
//!   benign        otherwise
//! ```
//! The predicted rule is this project's literal reading of the paper's table; only the
//! measured rule is operational. The table looks at y alone: it misses an error that
//! moves the baseline V₀ so far that other outputs with large initial mass become
//! attractors (RE-13 at v = −100, where the table says benign I and the flow is more
//! than three times slower). A reading that flags any change in the set of outputs
//! above V₀ was tried and refuted: at v = −2 and v = −5 it predicts harm, yet the drained
//! mass of the lowered output flows partly to y⋆ and the hitting time moves by under 5%.
//! How far the baseline may move before an error stops being benign is not predicted
//! from θ₀ here.

use num_rational::BigRational;

use super::bandit::{ExactBandit, Reward};
use super::dynamics::{self, Bandit, FlowPlan};
use crate::error::Error;
use crate::exact::{Bounds, dot, to_f64};

/// The three classes of the operational rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Slows the rise of V_G, or prevents it.
    Harmful,
    /// Changes the hitting time by less than the tolerance.
    Benign,
    /// Speeds up the rise of V_G.
    Beneficial,
}

impl Category {
    /// The class's name.
    pub fn name(self) -> &'static str {
        match self {
            Category::Harmful => "harmful",
            Category::Benign => "benign",
            Category::Beneficial => "beneficial",
        }
    }
}

/// A predicted class with its type (e.g. "harmful I").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prediction {
    /// The class.
    pub category: Category,
    /// The paper's type label within the class.
    pub kind: &'static str,
}

/// The measured class with its evidence.
#[derive(Clone, Debug)]
pub struct MeasuredCategory {
    /// The class, when the hitting times decide it.
    pub category: Option<Category>,
    /// ρ = t⋆(proxy)/t⋆(reference) as an interval over two tolerances, when both reach.
    pub time_ratio: Option<Bounds>,
    /// Hitting times of the proxy and of the reference.
    pub proxy_time: dynamics::FlowHit,
    /// Hitting time of the reference.
    pub reference_time: dynamics::FlowHit,
}

impl MeasuredCategory {
    /// A sentence with the times behind the class.
    pub fn evidence(&self) -> String {
        let show = |hit: &dynamics::FlowHit| match hit.time() {
            Some(time) => format!("{time:.6e}"),
            None if hit.never() => "not reached".to_string(),
            None => "reached at one tolerance only".to_string(),
        };
        let ratio = self
            .time_ratio
            .map(|ratio| format!("; ρ in [{:.6}, {:.6}]", ratio.lower, ratio.upper))
            .unwrap_or_default();
        format!(
            "t⋆(proxy) = {}, t⋆(reference) = {}{ratio}",
            show(&self.proxy_time),
            show(&self.reference_time)
        )
    }
}

/// Applies the operational rule to two hitting times.
pub fn classify(
    proxy_time: dynamics::FlowHit,
    reference_time: dynamics::FlowHit,
    tolerance: f64,
) -> MeasuredCategory {
    // The two tolerances give two ratios; their spread is the interval.
    let time_ratio = match (
        proxy_time.coarse.zip(reference_time.coarse),
        proxy_time.fine.zip(reference_time.fine),
    ) {
        (Some((proxy_coarse, reference_coarse)), Some((proxy_fine, reference_fine))) => Some(
            Bounds::new(proxy_coarse / reference_coarse, proxy_fine / reference_fine),
        ),
        _ => None,
    };
    let category = match (time_ratio, proxy_time.never(), reference_time.never()) {
        (Some(ratio), _, _) if ratio.lower > 1.0 + tolerance => Some(Category::Harmful),
        (Some(ratio), _, _) if ratio.upper < 1.0 / (1.0 + tolerance) => Some(Category::Beneficial),
        (Some(ratio), _, _)
            if ratio.lower >= 1.0 / (1.0 + tolerance) && ratio.upper <= 1.0 + tolerance =>
        {
            Some(Category::Benign)
        }
        (None, true, false) if reference_time.interval().is_some() => Some(Category::Harmful),
        (None, false, true) if proxy_time.interval().is_some() => Some(Category::Beneficial),
        _ => None,
    };
    MeasuredCategory {
        category,
        time_ratio,
        proxy_time,
        reference_time,
    }
}

/// The bandit of a reference reward with its entry `output` replaced by the proxy's.
pub fn single_error(
    reference: &[BigRational],
    proxy: &[BigRational],
    output: usize,
) -> Vec<BigRational> {
    let mut rewards = reference.to_vec();
    rewards[output] = proxy[output].clone();
    rewards
}

/// The predicted class of the error at `output` (see the module's formula block).
pub fn predict(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    reference: &[BigRational],
    proxy: &[BigRational],
    output: usize,
    negligible_probability: &BigRational,
) -> Prediction {
    let single = single_error(reference, proxy, output);
    let baseline = dot(policy, &single);
    let reference_baseline = dot(policy, reference);
    if policy[output] < *negligible_probability {
        return Prediction {
            category: Category::Benign,
            kind: "benign II",
        };
    }
    let value = &single[output];
    let ground_truth_optimum = ground_truth.iter().max().expect("at least one output");
    if *value > baseline {
        let proxy_optimum = single
            .iter()
            .enumerate()
            .all(|(z, other)| z == output || value > other);
        if proxy_optimum && ground_truth[output] < *ground_truth_optimum {
            return Prediction {
                category: Category::Harmful,
                kind: "harmful I",
            };
        }
        if *value > reference[output] {
            return Prediction {
                category: Category::Harmful,
                kind: "harmful II",
            };
        }
        return Prediction {
            category: Category::Benign,
            kind: "benign",
        };
    }
    if reference[output] > reference_baseline {
        return Prediction {
            category: Category::Beneficial,
            kind: "beneficial I",
        };
    }
    Prediction {
        category: Category::Benign,
        kind: "benign I",
    }
}

/// Measures the class of training on `proxy` against `reference` by gradient flow, both
/// tabular from π₀.
///
/// # Errors
/// A failed integration.
pub fn measure(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    reference: &[BigRational],
    proxy: &[BigRational],
    target: f64,
    tolerance: f64,
    plan: &FlowPlan,
) -> Result<MeasuredCategory, Error> {
    let floats = |values: &[BigRational]| values.iter().map(to_f64).collect::<Vec<f64>>();
    let policy = floats(policy);
    let truth = floats(ground_truth);
    let proxy_time = dynamics::ground_truth_hitting_time(
        &Bandit::tabular(&policy, &truth, &floats(proxy)),
        target,
        plan,
    )?;
    let reference_time = dynamics::ground_truth_hitting_time(
        &Bandit::tabular(&policy, &truth, &floats(reference)),
        target,
        plan,
    )?;
    Ok(classify(proxy_time, reference_time, tolerance))
}

/// How errors are categorized: the table's negligible mass, the target value γ, the
/// tolerance τ of the operational rule, and the gradient-flow plan.
#[derive(Clone, Debug)]
pub struct Settings {
    /// π₀ below which the table calls an error benign type II.
    pub negligible_probability: BigRational,
    /// γ.
    pub target: f64,
    /// τ.
    pub tolerance: f64,
    /// Tolerances and horizon of the flows.
    pub plan: FlowPlan,
}

/// One mis-rewarded output with its predicted and measured class.
#[derive(Clone, Debug)]
pub struct ErrorCategory {
    /// The output whose proxy reward differs from the ground truth.
    pub output: usize,
    /// The class the paper's table predicts from θ₀.
    pub table: Prediction,
    /// The class the operational rule measures for this single error.
    pub measured: MeasuredCategory,
}

/// Categorizes every error of a proxy against the ground truth, one at a time: each
/// single-error proxy is trained by gradient flow and compared with r_G itself.
///
/// # Errors
/// A failed integration.
pub fn categorize_errors(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
    settings: &Settings,
) -> Result<Vec<ErrorCategory>, Error> {
    (0..proxy.len())
        .filter(|&output| proxy[output] != ground_truth[output])
        .map(|output| {
            let single = single_error(ground_truth, proxy, output);
            Ok(ErrorCategory {
                output,
                table: predict(
                    policy,
                    ground_truth,
                    ground_truth,
                    proxy,
                    output,
                    &settings.negligible_probability,
                ),
                measured: measure(
                    policy,
                    ground_truth,
                    ground_truth,
                    &single,
                    settings.target,
                    settings.tolerance,
                    &settings.plan,
                )?,
            })
        })
        .collect()
}

/// The sign of E8 at θ₀ for a proxy: reported beside a category, never deciding it.
pub fn initial_rate(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
) -> BigRational {
    ExactBandit::tabular(ground_truth.to_vec(), proxy.to_vec()).ground_truth_rate(policy)
}

/// V_R(θ₀) for a reward of an exact tabular bandit.
pub fn initial_value(policy: &[BigRational], rewards: &[BigRational]) -> BigRational {
    ExactBandit::tabular(rewards.to_vec(), rewards.to_vec()).value(policy, Reward::GroundTruth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    fn t0() -> (Vec<BigRational>, Vec<BigRational>) {
        (
            vec![
                ratio(1, 20),
                ratio(1, 2),
                ratio(3, 20),
                ratio(3, 20),
                ratio(3, 20),
            ],
            vec![
                ratio(1, 1),
                ratio(4, 5),
                ratio(-1, 1),
                ratio(-1, 1),
                ratio(-1, 1),
            ],
        )
    }

    #[test]
    fn predictions_of_the_spec_instances() {
        let (policy, truth) = t0();
        let hack = vec![
            ratio(1, 1),
            ratio(4, 5),
            ratio(2, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        let negligible = ratio(1, 1000);
        assert_eq!(
            predict(&policy, &truth, &truth, &hack, 2, &negligible).kind,
            "harmful I"
        );
        let no_med = vec![
            ratio(1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        assert_eq!(
            predict(&policy, &truth, &truth, &no_med, 1, &negligible).kind,
            "beneficial I"
        );
        let mut benign = no_med.clone();
        benign[2] = ratio(-2, 1);
        assert_eq!(
            predict(&policy, &truth, &no_med, &benign, 2, &negligible).kind,
            "benign I"
        );
        // The table looks at b1 alone; the spec's v = −100 counterexample is still read
        // as benign I.
        benign[2] = ratio(-100, 1);
        assert_eq!(
            predict(&policy, &truth, &no_med, &benign, 2, &negligible).kind,
            "benign I"
        );
    }

    #[test]
    fn each_error_of_the_no_med_proxy_is_categorized() {
        let (policy, truth) = t0();
        let mut proxy = truth.clone();
        proxy[1] = ratio(-1, 1);
        proxy[2] = ratio(2, 1);
        let settings = Settings {
            negligible_probability: ratio(1, 1000),
            target: 0.9,
            tolerance: 0.05,
            plan: FlowPlan {
                relative_tolerance: 1e-10,
                horizon: 1e12,
            },
        };
        let errors = categorize_errors(&policy, &truth, &proxy, &settings).unwrap();
        let found: Vec<(usize, &str, Option<Category>)> = errors
            .iter()
            .map(|e| (e.output, e.table.kind, e.measured.category))
            .collect();
        assert_eq!(
            found,
            vec![
                (1, "beneficial I", Some(Category::Beneficial)),
                (2, "harmful I", Some(Category::Harmful))
            ]
        );
    }

    #[test]
    fn operational_rule_on_both_sides_of_each_threshold() {
        let hit = |time: f64| dynamics::FlowHit {
            coarse: Some(time),
            fine: Some(time),
        };
        let never = dynamics::FlowHit {
            coarse: None,
            fine: None,
        };
        assert_eq!(
            classify(hit(106.0), hit(100.0), 0.05).category,
            Some(Category::Harmful)
        );
        assert_eq!(
            classify(hit(104.0), hit(100.0), 0.05).category,
            Some(Category::Benign)
        );
        assert_eq!(
            classify(hit(96.0), hit(100.0), 0.05).category,
            Some(Category::Benign)
        );
        assert_eq!(
            classify(hit(95.0), hit(100.0), 0.05).category,
            Some(Category::Beneficial)
        );
        assert_eq!(
            classify(hit(95.0), hit(100.0), 0.06).category,
            Some(Category::Benign)
        );
        assert_eq!(
            classify(hit(90.0), hit(100.0), 0.05).category,
            Some(Category::Beneficial)
        );
        assert_eq!(
            classify(never, hit(100.0), 0.05).category,
            Some(Category::Harmful)
        );
        assert_eq!(
            classify(hit(100.0), never, 0.05).category,
            Some(Category::Beneficial)
        );
        assert_eq!(classify(never, never, 0.05).category, None);
        let straddling = dynamics::FlowHit {
            coarse: Some(104.0),
            fine: Some(106.0),
        };
        assert_eq!(classify(straddling, hit(100.0), 0.05).category, None);
    }
}
