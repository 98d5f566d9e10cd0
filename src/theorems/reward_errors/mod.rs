//! # Reward errors under policy gradient (suite `reward-errors`, claims RE-1 … RE-35)
//!
//! **The theorem in words.** Policy gradient on a softmax policy raises the logit of every
//! output whose proxy reward beats the current expected proxy reward. Whether an error in
//! the proxy hurts therefore depends on the policy: an error can be harmful (it attracts
//! probability to a bad output, or makes a bad output a resting place), benign (it never
//! attracts probability, or touches a negligible output) or beneficial (it stops the
//! policy from stalling on a mediocre output). The stalling theorem makes the last point
//! quantitative: training on the true reward needs time Ω(π₀(y⋆)^{−14/13}) when a
//! mediocre output holds most of the initial mass, while a proxy that scores the mediocre
//! output low needs only O(π₀(y⋆)^{−1}); so a lower-accuracy proxy can be arbitrarily
//! faster. Two applications follow: reward-model metrics that forgive harmless ranking
//! errors, and the choice between partial and all-or-nothing credit for verifiable
//! rewards.
//!
//! **Paper.** Shang, Strauss, Wei, Arora, Razin, "When Errors Can Be Beneficial: A
//! Categorization of Imperfect Rewards for Policy Gradient", arXiv 2604.25872 (2026).
//! Spec: `shared/theory/reward_errors.md`; acceptance rules: `ACCEPTANCE.md` §2.
//!
//! **Assumptions.** One prompt, finite outputs Y (|Y| = n), a log-linear policy
//! π_θ(y) ∝ exp⟨φ(y), θ⟩ with features F (n × d; tabular F = I), fixed rewards, exact
//! expected gradients, no KL or entropy terms. Theorem 1 adds orthonormal features, a unique
//! optimum y⋆, one mediocre output y_med above all the others, and π₀(y⋆) small relative
//! to π₀(y_med).
//!
//! **Claim kinds.** identities (checked exactly in rationals, with dual numbers for
//! derivatives), exact values, inequalities and monotonicity (gradient ascent every step,
//! gradient flow at outputs), categories (the operational rule below), scaling exponents
//! (local log-log slopes of hitting times, exact instantaneous slopes at the integrator
//! state), metric values, and reports.
//!
//! # Formula
//! ```text
//! π_θ(y) = exp⟨φ(y),θ⟩ / Σ_z exp⟨φ(z),θ⟩                    (E1)
//! V_R = Σ_y π(y) r_R(y),  A_R(y) = r_R(y) − V_R,  R ∈ {G, P}     (E2)
//! ∇V_P = Fᵀ(π ⊙ A_P)                                          (E4)
//! ℓ̇ = d(Fθ)/dt = FFᵀ(π ⊙ A_P)        tabular: dθ_y/dt = π(y)A_P(y)      (E5)
//! d ln π(y)/dt = ℓ̇(y) − Σ_z π(z) ℓ̇(z)                          (E6)
//! dV_P/dt = ‖∇V_P‖² ≥ 0                                        (E7)
//! dV_G/dt = Σ_{y,z} π(y)π(z) A_G(y) A_P(z) ⟨φ(y),φ(z)⟩          (E8)
//! g(y) = r_P(y)(φ(y) − Σ_z π(z)φ(z)),  y ~ π   (one-sample REINFORCE)    (E9)
//! two levels, Δ = r_hi − r_lo, m low outputs:
//!   dπ/dt = Δ(1 + 1/m) π²(1 − π)²                               (E10)
//!   G(π) = 1/(1 − π) − 1/π + 2 ln(π/(1 − π))                   (E11)
//!   T(p → q) = [G(q) − G(p)] / (Δ(1 + 1/m))                    (E12)
//! stall with k bad outputs: ε⋆(t) ≈ C t^{−k/(k+1)}, escape ∝ π₀(y⋆)^{−(k+1)}   (E13, E14)
//! general geometry: α = ⟨φ_m, φ_m − φ⋆⟩ / (‖φ_m‖² + ‖φ_b‖²/k)    (E15)
//! ```
//! Here φ(y) is the feature row of output y, θ the parameters, r_G and r_P the
//! ground-truth and proxy rewards, y⋆ the optimal output, y_med the mediocre one, ε⋆ and
//! ε_b the mass on y⋆ and on the bad outputs during a stall.
//!
//! Categories (operational rule): r_ref is r_P with its erroneous entries restored to
//! r_G; ρ = t⋆(r_P)/t⋆(r_ref) at the target value γ. Harmful if ρ > 1 + τ or only r_ref
//! reaches γ; beneficial if ρ < 1/(1 + τ); benign otherwise (τ = `category_tolerance`).
//!
//! # Simulators
//! Gradient ascent with the exact gradient (θ ← θ + η∇V_P, logged before each update);
//! gradient flow by DOP853 in log-time u = ln(1 + t) with Brent-located crossings, run at
//! relative tolerances 1e-10 and 1e-12 so that every flow number carries the spread of the
//! two as its interval; one-sample REINFORCE and the group-relative update with ChaCha
//! streams keyed by (suite, claim, case, seed).
//!
//! # Limitations
//! - The LLM protocols of the paper (§9.3, §10.2 of the spec) are not run; the
//!   reward-model and verifiable-reward claims are checked on finite-bandit analogues.
//! - Hitting times follow the spec's convention (first crossing of V_G = γ); the paper's
//!   own definition is unknown.
//! - Certified enclosures cover closed forms (E12, one gradient step, θ₀ of the
//!   geometry configs, central differences); simulated flows are f64, judged by the
//!   spread over relative tolerances 1e-10 and 1e-12 rather than by a rigorous bound.
//! - The predicted class of an error is a literal reading of the paper's table, which
//!   looks at the mis-rewarded output alone. It misses errors that move the baseline
//!   V_P(θ₀) so far that other heavy outputs become attractors: RE-13 at v = −100 is read
//!   as benign I and measured harmful (the spec states this counterexample). A reading
//!   that flags any change in the set of outputs above V_P(θ₀) was tried and refuted:
//!   at v = −2 and −5 it predicts harm, yet the drained mass of the lowered output flows
//!   partly to y⋆ and t⋆ moves by under 5%. How far the baseline may move before an
//!   error stops being benign is not predicted from θ₀ here.
//! - The spec writes the first RE-16 anchor as 43.2720554760673…; the certified value is
//!   43.27205547606726…, so the stated digits are the rounded value, not a truncation.
//!   Stated decimals are checked as correctly rounded (|T − v| ≤ half a unit in the last
//!   place).
//! - At the quick tier, 20 REINFORCE seeds (RE-27) and 21 zoo bandits (RE-31) cannot
//!   decide every part at confidence 0.999: those parts are Inconclusive. The full tier
//!   replaces them with 1000 seeds and 101 bandits (100 random plus T0), where every part is
//!   decided and holds.
//! - Sampled runs that miss the target within the budget are censored at the budget
//!   (a lower bound on their step count), where the spec counts them as +∞; every
//!   decision a miss should push upward is still pushed upward.
//! - The zoo's targeted errors pick outputs at or below the median (ties count): in T0
//!   three outputs share the median, and a strict reading would leave T0 without hack
//!   and stall proxies.
//! - Gradient flow uses the `differential-equations` crate's DOP853 steps only: its
//!   dense output (0.7.0) was measured ~1000 times less accurate than its steps, so
//!   outputs and crossings are reached by integrating exactly to the requested times.

mod bandit;
mod dynamics;

mod categories;
mod claims_categories;
mod claims_dynamics;
mod claims_experiments;
mod claims_geometry;
mod claims_metrics;
mod claims_stalling;
mod claims_verifiable;
mod configs;
mod figures;
pub mod metrics;
mod two_level;
mod zoo;

use std::sync::LazyLock;

use num_rational::BigRational;

use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, TierRule, Value};
use crate::error::Error;
use crate::exact::{format_rational, ratio, to_f64};
use crate::suite::{Case, Domain, Limit, ParameterKind, ParameterSpec, Parameters};
use crate::theorems::{ClosedForm, Theorem, TheoremInfo};

pub use bandit::{ExactBandit, Reward, dual_gradient, dual_softmax, tabular_features};
pub use dynamics::{
    AscentTrace, Bandit, FlowHit, FlowPlan, ascend, ascend_plain, ground_truth_hitting_time, value,
};

/// The reward-errors theorem.
pub struct RewardErrors;

const INFO: TheoremInfo = TheoremInfo {
    id: "reward-errors",
    title: "When Errors Can Be Beneficial: A Categorization of Imperfect Rewards for Policy Gradient",
    paper: "Shang, Strauss, Wei, Arora, Razin; arXiv 2604.25872",
    spec: "shared/theory/reward_errors.md",
    suite_file: "reward_errors.toml",
};

const UNIT_CLOSED: Domain = Domain {
    minimum: Limit::Inclusive(-1, 1),
    maximum: Limit::Inclusive(1, 1),
    integer: false,
};

static PARAMETERS: &[ParameterSpec] = &[
    ParameterSpec {
        name: "initial_policy",
        kind: ParameterKind::Probabilities,
        default: Some(r#"["1/20", "1/2", "3/20", "3/20", "3/20"]"#),
        description: "π₀ over (y⋆, y_med, b1, …); the reference instance T0 by default",
    },
    ParameterSpec {
        name: "ground_truth_rewards",
        kind: ParameterKind::Numbers {
            domain: Domain::REAL,
            minimum_length: 2,
        },
        default: Some(r#"[1, "4/5", -1, -1, -1]"#),
        description: "r_G per output",
    },
    ParameterSpec {
        name: "proxy_rewards",
        kind: ParameterKind::Numbers {
            domain: Domain::REAL,
            minimum_length: 2,
        },
        default: Some("[1, -1, -1, -1, -1]"),
        description: "r_P per output; the no-med proxy by default",
    },
    ParameterSpec {
        name: "learning_rate",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("0.1"),
        description: "gradient-ascent step η",
    },
    ParameterSpec {
        name: "steps",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("50000"),
        description: "gradient-ascent or REINFORCE steps",
    },
    ParameterSpec {
        name: "target_value",
        kind: ParameterKind::Number(Domain::REAL),
        default: Some("0.9"),
        description: "γ: the hitting time is the first time V_G ≥ γ",
    },
    ParameterSpec {
        name: "horizon",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("1e12"),
        description: "last gradient-flow time",
    },
    ParameterSpec {
        name: "relative_tolerance",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("1e-10"),
        description: "coarse flow tolerance; the fine run uses 1/100 of it",
    },
    ParameterSpec {
        name: "instances",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("200"),
        description: "random rational instances for identity claims",
    },
    ParameterSpec {
        name: "maximum_outputs",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("8"),
        description: "largest n of the random instances (d ≤ n)",
    },
    ParameterSpec {
        name: "geometry",
        kind: ParameterKind::Choice(&["tabular", "orth", "neg", "pos", "sweep"]),
        default: Some(r#""tabular""#),
        description: "feature geometry of §7 (sweep uses med_cosine)",
    },
    ParameterSpec {
        name: "med_cosine",
        kind: ParameterKind::Number(UNIT_CLOSED),
        default: Some("0"),
        description: "cosine s between φ(y⋆) and φ(y_med) in the sweep geometry",
    },
    ParameterSpec {
        name: "med_cosines",
        kind: ParameterKind::Numbers {
            domain: UNIT_CLOSED,
            minimum_length: 1,
        },
        default: Some("[0, 0.5, 0.66, 0.8, 0.9, 0.95, 0.99]"),
        description: "cosines s of the sweep (RE-23)",
    },
    ParameterSpec {
        name: "bandits",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("20"),
        description: "random bandits of the zoo (T0 is added)",
    },
    ParameterSpec {
        name: "proxies_per_bandit",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("200"),
        description: "proxies drawn per zoo bandit",
    },
    ParameterSpec {
        name: "zoo_outputs",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("8"),
        description: "outputs of the random zoo bandits",
    },
    ParameterSpec {
        name: "zoo_steps",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("500"),
        description: "gradient-ascent steps behind the zoo's gain ΔV_G",
    },
    ParameterSpec {
        name: "negatives_per_tuple",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("3"),
        description: "K of the one-vs-many metrics",
    },
    ParameterSpec {
        name: "constraint_probabilities",
        kind: ParameterKind::Matrix,
        default: Some("[[0.6, 0.05], [0.9, 0.05], [0.3, 0.3], [0.6, 0.01], [0.95, 0.002]]"),
        description: "starts (a, b) = initial probabilities of meeting the easy and the hard constraint",
    },
    ParameterSpec {
        name: "easy_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.02"),
        description: "a: initial probability of meeting the easy constraint (RE-35)",
    },
    ParameterSpec {
        name: "hard_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.02"),
        description: "b: initial probability of meeting the hard constraint (RE-35)",
    },
    ParameterSpec {
        name: "group_sizes",
        kind: ParameterKind::Numbers {
            domain: Domain::COUNT,
            minimum_length: 1,
        },
        default: Some("[8, 16]"),
        description: "G of the group-relative update",
    },
    ParameterSpec {
        name: "scales",
        kind: ParameterKind::Numbers {
            domain: Domain::POSITIVE,
            minimum_length: 1,
        },
        default: Some(r#"["1/4", "1/2", 2]"#),
        description: "a in r_P' = a·r_P + c",
    },
    ParameterSpec {
        name: "shifts",
        kind: ParameterKind::Numbers {
            domain: Domain::REAL,
            minimum_length: 1,
        },
        default: Some("[-1, 0, 3]"),
        description: "c in r_P' = a·r_P + c",
    },
    ParameterSpec {
        name: "initial_optimal_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.002"),
        description: "p = π₀(y⋆)",
    },
    ParameterSpec {
        name: "initial_optimal_probabilities",
        kind: ParameterKind::Numbers {
            domain: Domain::OPEN_UNIT,
            minimum_length: 2,
        },
        default: Some("[0.20, 0.15, 0.10, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005]"),
        description: "grid of p = π₀(y⋆), decreasing (§6.3)",
    },
    ParameterSpec {
        name: "slope_probabilities",
        kind: ParameterKind::Numbers {
            domain: Domain::OPEN_UNIT,
            minimum_length: 2,
        },
        default: Some("[0.002, 0.001]"),
        description: "the pair of p between which the asymptotic slope is measured (RE-20)",
    },
    ParameterSpec {
        name: "bad_outputs",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("3"),
        description: "k: low-quality outputs of the stall family",
    },
    ParameterSpec {
        name: "bad_output_counts",
        kind: ParameterKind::Numbers {
            domain: Domain::COUNT,
            minimum_length: 1,
        },
        default: Some("[1, 2, 3]"),
        description: "values of k for the asymptotic slope (RE-20)",
    },
    ParameterSpec {
        name: "medium_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.5"),
        description: "π₀(y_med) of the stall family",
    },
    ParameterSpec {
        name: "high_reward",
        kind: ParameterKind::Number(Domain::REAL),
        default: Some("1"),
        description: "r_hi = r(y⋆)",
    },
    ParameterSpec {
        name: "medium_reward",
        kind: ParameterKind::Number(Domain::REAL),
        default: Some("0.8"),
        description: "r_G(y_med) of the stall family",
    },
    ParameterSpec {
        name: "low_reward",
        kind: ParameterKind::Number(Domain::REAL),
        default: Some("-1"),
        description: "r_lo: reward of the low outputs",
    },
    ParameterSpec {
        name: "low_outputs",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("4"),
        description: "m: outputs sharing r_lo in the two-level family",
    },
    ParameterSpec {
        name: "target_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.5"),
        description: "q: the two-level travel time runs from p to q",
    },
    ParameterSpec {
        name: "stated_rational_part",
        kind: ParameterKind::Number(Domain::REAL),
        default: None,
        description: "R of a stated closed form R + c ln Z (checked exactly when given)",
    },
    ParameterSpec {
        name: "stated_log_coefficient",
        kind: ParameterKind::Number(Domain::REAL),
        default: None,
        description: "c of a stated closed form R + c ln Z",
    },
    ParameterSpec {
        name: "stated_log_argument",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: None,
        description: "Z of a stated closed form R + c ln Z",
    },
    ParameterSpec {
        name: "stated_value",
        kind: ParameterKind::Number(Domain::REAL),
        default: None,
        description: "a stated decimal value of the travel time, checked as correctly rounded",
    },
    ParameterSpec {
        name: "window_start",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("1e3"),
        description: "first flow time of a slope window",
    },
    ParameterSpec {
        name: "window_end",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("1e6"),
        description: "last flow time of a slope window",
    },
    ParameterSpec {
        name: "points_per_decade",
        kind: ParameterKind::Number(Domain::COUNT),
        default: Some("10"),
        description: "log-spaced points per decade in a slope window",
    },
    ParameterSpec {
        name: "category_tolerance",
        kind: ParameterKind::Number(Domain::POSITIVE),
        default: Some("0.05"),
        description: "τ of the operational rule: harmful above 1 + τ, beneficial below 1/(1 + τ)",
    },
    ParameterSpec {
        name: "negligible_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("0.01"),
        description: "π₀ below which an error is predicted benign type II (the zoo's 1/100)",
    },
    ParameterSpec {
        name: "proxy_values",
        kind: ParameterKind::Numbers {
            domain: Domain::REAL,
            minimum_length: 1,
        },
        default: Some("[-0.95, -0.91, -2, -5]"),
        description: "values v of r_P(b1) predicted benign (RE-13)",
    },
    ParameterSpec {
        name: "harmful_value",
        kind: ParameterKind::Number(Domain::REAL),
        default: Some("-100"),
        description: "value of r_P(b1) predicted not benign (RE-13)",
    },
    ParameterSpec {
        name: "hack_probability",
        kind: ParameterKind::Number(Domain::OPEN_UNIT),
        default: Some("1e-6"),
        description: "ε = π₀(y_hack) (RE-14)",
    },
    ParameterSpec {
        name: "slope_times",
        kind: ParameterKind::Numbers {
            domain: Domain::POSITIVE,
            minimum_length: 1,
        },
        default: Some("[1e5, 1e6, 1e7, 1e8]"),
        description: "flow times where the instantaneous slope is measured (RE-14)",
    },
];

static CLAIMS: LazyLock<Vec<ClaimInfo>> = LazyLock::new(|| {
    [
        claims_dynamics::CLAIMS.as_slice(),
        claims_categories::CLAIMS.as_slice(),
        claims_stalling::CLAIMS.as_slice(),
        claims_geometry::CLAIMS.as_slice(),
        claims_experiments::CLAIMS.as_slice(),
        claims_metrics::CLAIMS.as_slice(),
        claims_verifiable::CLAIMS.as_slice(),
    ]
    .concat()
});

/// A claim group's checker: `None` when the ID belongs to another group.
type GroupCheck = fn(&str, &Case) -> Option<Result<Vec<Part>, Error>>;

const CHECKS: &[GroupCheck] = &[
    claims_dynamics::check,
    claims_categories::check,
    claims_stalling::check,
    claims_geometry::check,
    claims_experiments::check,
    claims_metrics::check,
    claims_verifiable::check,
];

impl Theorem for RewardErrors {
    fn info(&self) -> TheoremInfo {
        INFO
    }

    fn claims(&self) -> &'static [ClaimInfo] {
        CLAIMS.as_slice()
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    fn validate(&self, claim: &ClaimInfo, case: &Case) -> Result<(), String> {
        let parameters = &case.parameters;
        let uses = |name: &str| claim.parameters.contains(&name);
        if uses("initial_policy") && uses("ground_truth_rewards") {
            let lengths = [
                parameters
                    .rationals("initial_policy")
                    .map_err(|e| e.to_string())?
                    .len(),
                parameters
                    .rationals("ground_truth_rewards")
                    .map_err(|e| e.to_string())?
                    .len(),
                parameters
                    .rationals("proxy_rewards")
                    .map_err(|e| e.to_string())?
                    .len(),
            ];
            if lengths[1] != lengths[0] || (uses("proxy_rewards") && lengths[2] != lengths[0]) {
                return Err(format!(
                    "initial_policy, ground_truth_rewards and proxy_rewards must have one entry per output; found {}, {} and {}",
                    lengths[0], lengths[1], lengths[2]
                ));
            }
            if parameters
                .rationals("initial_policy")
                .map_err(|e| e.to_string())?
                .iter()
                .any(|p| *p == ratio(0, 1))
            {
                return Err("every initial probability must be positive, since θ₀ = ln π₀".into());
            }
        }
        Ok(())
    }

    fn check(&self, claim: &ClaimInfo, case: &Case) -> Result<Vec<Part>, Error> {
        CHECKS
            .iter()
            .find_map(|check| check(claim.id, case))
            .unwrap_or_else(|| {
                Err(Error::Numerical(format!(
                    "claim {} has no evaluator",
                    claim.id
                )))
            })
    }

    fn figures(
        &self,
        _suite: &crate::suite::Suite,
        _tier: crate::suite::Tier,
    ) -> Result<Vec<crate::report::figure::Figure>, Error> {
        Ok(vec![
            figures::value_curves()?,
            figures::hitting_time_scaling()?,
        ])
    }

    fn closed_forms(&self, parameters: &Parameters) -> Result<Vec<ClosedForm>, Error> {
        let instance = Instance::from_parameters(parameters)?;
        let bandit = &instance.exact;
        let policy = &instance.policy;
        let row = |name: &str, formula: &str, value: BigRational| ClosedForm {
            name: name.to_string(),
            formula: formula.to_string(),
            value: Value::Exact(value),
        };
        let list = |values: &[BigRational]| {
            values
                .iter()
                .map(format_rational)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut rows = vec![
            row(
                "V_G(θ₀)",
                "Σ π₀ r_G",
                bandit.value(policy, Reward::GroundTruth),
            ),
            row("V_P(θ₀)", "Σ π₀ r_P", bandit.value(policy, Reward::Proxy)),
            row(
                "dV_G/dt, training on r_G",
                "E8 with r_P = r_G",
                instance.on_ground_truth().ground_truth_rate(policy),
            ),
            row(
                "dV_G/dt, training on r_P",
                "E8",
                bandit.ground_truth_rate(policy),
            ),
            row(
                "dV_P/dt, training on r_P",
                "E7 ‖∇V_P‖²",
                bandit.proxy_rate(policy),
            ),
        ];
        let vectors = [
            ("A_P", "r_P − V_P", bandit.advantages(policy, Reward::Proxy)),
            (
                "∇V_P",
                "E4 Fᵀ(π ⊙ A_P)",
                bandit.gradient(policy, Reward::Proxy),
            ),
            (
                "logit velocity",
                "E5 FFᵀ(π ⊙ A_P)",
                bandit.logit_velocity(policy, Reward::Proxy),
            ),
            (
                "d ln π/dt",
                "E6",
                bandit.log_probability_velocity(policy, Reward::Proxy),
            ),
        ];
        rows.extend(
            vectors
                .into_iter()
                .map(|(name, formula, values)| ClosedForm {
                    name: name.to_string(),
                    formula: formula.to_string(),
                    value: Value::Label(format!("({})", list(&values))),
                }),
        );
        if let Some(metrics) = metrics::pairwise(policy, &bandit.ground_truth, &bandit.proxy) {
            for (name, value) in metrics::METRIC_NAMES.iter().zip(metrics.values()) {
                rows.push(row(
                    name,
                    "§9.2 pairwise, V̂ = V_P(θ₀), w ∝ π₀(y+)π₀(y−)",
                    value.clone(),
                ));
            }
        }
        let errors = categories::categorize_errors(
            policy,
            &bandit.ground_truth,
            &bandit.proxy,
            &categories::Settings {
                negligible_probability: parameters.rational("negligible_probability")?,
                target: parameters.number("target_value")?,
                tolerance: parameters.number("category_tolerance")?,
                plan: flow_plan(parameters)?,
            },
        )?;
        rows.extend(errors.iter().map(|error| {
            ClosedForm {
                name: format!("error at output {}", error.output),
                formula: format!(
                    "table: {}; flow: {}",
                    error.table.kind,
                    error.measured.evidence()
                ),
                value: Value::label(
                    error
                        .measured
                        .category
                        .map_or("undecided", categories::Category::name),
                ),
            }
        }));
        Ok(rows)
    }
}

/// One bandit instance read from a case: exact and f64 forms.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Exact features and rewards.
    pub exact: ExactBandit,
    /// π₀, exactly.
    pub policy: Vec<BigRational>,
}

impl Instance {
    /// Reads `initial_policy`, `ground_truth_rewards` and `proxy_rewards` (tabular).
    ///
    /// # Errors
    /// When the lengths disagree.
    pub fn from_parameters(parameters: &Parameters) -> Result<Self, Error> {
        let policy = parameters.rationals("initial_policy")?;
        let ground_truth = parameters.rationals("ground_truth_rewards")?;
        let proxy = parameters.rationals("proxy_rewards")?;
        if ground_truth.len() != policy.len() || proxy.len() != policy.len() {
            return Err(Error::Parameter {
                name: "initial_policy".into(),
                message: format!(
                    "needs one entry per output like ground_truth_rewards ({}) and proxy_rewards ({}), found {}",
                    ground_truth.len(),
                    proxy.len(),
                    policy.len()
                ),
            });
        }
        Ok(Instance {
            exact: ExactBandit::tabular(ground_truth, proxy),
            policy,
        })
    }

    /// The same instance trained on r_G (r_P replaced by r_G).
    pub fn on_ground_truth(&self) -> ExactBandit {
        ExactBandit {
            proxy: self.exact.ground_truth.clone(),
            ..self.exact.clone()
        }
    }

    /// The f64 bandit trained on `reward`.
    pub fn float_bandit(&self, reward: Reward) -> Bandit {
        let policy: Vec<f64> = self.policy.iter().map(to_f64).collect();
        let truth: Vec<f64> = self.exact.ground_truth.iter().map(to_f64).collect();
        let training: Vec<f64> = self.exact.rewards(reward).iter().map(to_f64).collect();
        Bandit::tabular(&policy, &truth, &training)
    }
}

/// Reads the flow plan of a case.
pub(crate) fn flow_plan(parameters: &Parameters) -> Result<FlowPlan, Error> {
    Ok(FlowPlan {
        relative_tolerance: parameters.number("relative_tolerance")?,
        horizon: parameters.number("horizon")?,
    })
}

/// The common claim shape for `ClaimInfo` tables.
pub(crate) const fn claim(
    id: &'static str,
    title: &'static str,
    statement: &'static str,
    kinds: &'static [ClaimKind],
    provenance: &'static [Provenance],
    methods: &'static str,
    formula: &'static str,
    parameters: &'static [&'static str],
) -> ClaimInfo {
    ClaimInfo {
        id,
        title,
        statement,
        kinds,
        provenance,
        methods,
        formula,
        assumptions: &[
            "log-linear softmax policy over a finite output set",
            "exact expected gradients, fixed rewards",
        ],
        tier: TierRule::Quick,
        parameters,
    }
}
