//! The three simulators of the policy-gradient bandit, in f64: exact-gradient gradient
//! ascent (GA), gradient flow (GF, log-time DOP853 with located crossings), and
//! one-sample REINFORCE (SR) with recorded seeds; plus the group-relative sampled update
//! of the verifiable-rewards toy.

use rand::RngExt;
use rand_chacha::ChaCha12Rng;

use crate::error::Error;
use crate::exact::Bounds;
use crate::sim::flow::{self, FlowSettings};
use crate::sim::softmax_in_place;

/// A bandit in f64: features (row per output), rewards, initial parameters.
#[derive(Clone, Debug)]
pub struct Bandit {
    /// Rows φ(y).
    pub features: Vec<Vec<f64>>,
    /// r_G.
    pub ground_truth: Vec<f64>,
    /// The reward trained on (r_P, or r_G itself).
    pub training: Vec<f64>,
    /// θ_0.
    pub initial: Vec<f64>,
    /// Whether the features are the identity (φ(y) = e_y), which skips the products
    /// with F.
    pub tabular: bool,
}

impl Bandit {
    /// A tabular bandit started at θ_0 = ln π_0.
    pub fn tabular(initial_policy: &[f64], ground_truth: &[f64], training: &[f64]) -> Self {
        let outputs = initial_policy.len();
        Bandit {
            features: (0..outputs)
                .map(|y| {
                    (0..outputs)
                        .map(|k| if y == k { 1.0 } else { 0.0 })
                        .collect()
                })
                .collect(),
            ground_truth: ground_truth.to_vec(),
            training: training.to_vec(),
            initial: initial_policy.iter().map(|p| p.ln()).collect(),
            tabular: true,
        }
    }

    /// The same bandit trained on another reward.
    pub fn trained_on(&self, training: &[f64]) -> Self {
        Bandit {
            training: training.to_vec(),
            ..self.clone()
        }
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.features.len()
    }

    /// Dimension of θ.
    pub fn dimension(&self) -> usize {
        self.initial.len()
    }

    /// π_θ = softmax(Fθ), written into `policy`.
    pub fn policy_into(&self, parameters: &[f64], policy: &mut [f64]) {
        if self.tabular {
            policy.copy_from_slice(parameters);
            softmax_in_place(policy);
            return;
        }
        for (slot, row) in policy.iter_mut().zip(&self.features) {
            *slot = row.iter().zip(parameters).map(|(f, t)| f * t).sum();
        }
        softmax_in_place(policy);
    }

    /// π_θ.
    pub fn policy(&self, parameters: &[f64]) -> Vec<f64> {
        let mut policy = vec![0.0; self.outputs()];
        self.policy_into(parameters, &mut policy);
        policy
    }

    /// V_G(θ).
    pub fn ground_truth_value(&self, parameters: &[f64]) -> f64 {
        value(&self.policy(parameters), &self.ground_truth)
    }

    /// ∇V_train(θ) = Fᵀ(π ⊙ A) at policy π, written into `gradient`.
    ///
    /// The advantage is summed as A(y) = Σ_z π(z)(r(y) − r(z)) rather than r(y) − V:
    /// once π concentrates on one output, r(y) − V cancels to a few ulps of noise, and
    /// that noise, multiplied by t in log-time, would stall a tight-tolerance integrator.
    pub fn gradient_at_policy(&self, policy: &[f64], gradient: &mut [f64]) {
        gradient.iter_mut().for_each(|g| *g = 0.0);
        for (index, ((row, p), r)) in self
            .features
            .iter()
            .zip(policy)
            .zip(&self.training)
            .enumerate()
        {
            let advantage: f64 = policy
                .iter()
                .zip(&self.training)
                .map(|(q, other)| q * (r - other))
                .sum();
            let weight = p * advantage;
            if self.tabular {
                gradient[index] = weight;
                continue;
            }
            for (g, f) in gradient.iter_mut().zip(row) {
                *g += weight * f;
            }
        }
    }

    /// ∇V_train(θ).
    pub fn gradient(&self, parameters: &[f64]) -> Vec<f64> {
        let policy = self.policy(parameters);
        let mut gradient = vec![0.0; self.dimension()];
        self.gradient_at_policy(&policy, &mut gradient);
        gradient
    }

    /// (E6) d ln π(y)/dt under the flow, at θ: ℓ̇(y) − Σ_z π(z)ℓ̇(z) with ℓ̇ = F∇V,
    /// summed as Σ_z π(z)(ℓ̇(y) − ℓ̇(z)) to avoid cancellation.
    pub fn log_probability_velocity(&self, parameters: &[f64]) -> Vec<f64> {
        let policy = self.policy(parameters);
        let mut gradient = vec![0.0; self.dimension()];
        self.gradient_at_policy(&policy, &mut gradient);
        let logit_velocity: Vec<f64> = self
            .features
            .iter()
            .map(|row| row.iter().zip(&gradient).map(|(f, g)| f * g).sum())
            .collect();
        logit_velocity
            .iter()
            .map(|v| {
                policy
                    .iter()
                    .zip(&logit_velocity)
                    .map(|(p, other)| p * (v - other))
                    .sum()
            })
            .collect()
    }
}

/// Σ π r.
pub fn value(policy: &[f64], rewards: &[f64]) -> f64 {
    policy.iter().zip(rewards).map(|(p, r)| p * r).sum()
}

/// What gradient ascent records.
#[derive(Clone, Debug, PartialEq)]
pub struct AscentTrace {
    /// V_G(θ_s) for s = 0 … steps − 1 (logged before each update).
    pub ground_truth_values: Vec<f64>,
    /// V_train(θ_s).
    pub training_values: Vec<f64>,
    /// π_s(y⋆) with y⋆ the first output.
    pub optimal_probabilities: Vec<f64>,
    /// θ after the last update.
    pub final_parameters: Vec<f64>,
}

impl AscentTrace {
    /// s⋆(γ) = min{s : V_G(θ_s) ≥ γ}; `None` when not reached within the budget.
    pub fn hitting_step(&self, target: f64) -> Option<usize> {
        self.ground_truth_values
            .iter()
            .position(|value| *value >= target)
    }
}

/// Gradient ascent with the exact expected gradient: θ_{s+1} = θ_s + η ∇V(θ_s).
///
/// `observe(s, θ_s, π_s)` sees each logged state; it returns false to stop early.
///
/// # Errors
/// [`Error::Numerical`] when a value becomes non-finite.
pub fn ascend(
    bandit: &Bandit,
    learning_rate: f64,
    steps: usize,
    mut observe: impl FnMut(usize, &[f64], &[f64]) -> bool,
) -> Result<AscentTrace, Error> {
    let mut parameters = bandit.initial.clone();
    let mut policy = vec![0.0; bandit.outputs()];
    let mut gradient = vec![0.0; bandit.dimension()];
    let mut trace = AscentTrace {
        ground_truth_values: Vec::with_capacity(steps),
        training_values: Vec::with_capacity(steps),
        optimal_probabilities: Vec::with_capacity(steps),
        final_parameters: Vec::new(),
    };
    for step in 0..steps {
        bandit.policy_into(&parameters, &mut policy);
        let ground_truth = value(&policy, &bandit.ground_truth);
        if !ground_truth.is_finite() {
            return Err(Error::Numerical(format!(
                "non-finite V_G at gradient-ascent step {step}"
            )));
        }
        trace.ground_truth_values.push(ground_truth);
        trace.training_values.push(value(&policy, &bandit.training));
        trace.optimal_probabilities.push(policy[0]);
        if !observe(step, &parameters, &policy) {
            break;
        }
        bandit.gradient_at_policy(&policy, &mut gradient);
        for (theta, g) in parameters.iter_mut().zip(&gradient) {
            *theta += learning_rate * g;
        }
    }
    trace.final_parameters = parameters;
    Ok(trace)
}

/// Gradient ascent without observation.
///
/// # Errors
/// As [`ascend`].
pub fn ascend_plain(
    bandit: &Bandit,
    learning_rate: f64,
    steps: usize,
) -> Result<AscentTrace, Error> {
    ascend(bandit, learning_rate, steps, |_, _, _| true)
}

/// A gradient-flow quantity computed at two tolerances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwoPrecisions<T> {
    /// At the coarse relative tolerance.
    pub coarse: T,
    /// At the fine one (1/100 of coarse).
    pub fine: T,
}

/// A hitting time at two tolerances; `None` where not reached within the horizon.
pub type FlowHit = TwoPrecisions<Option<f64>>;

impl FlowHit {
    /// The spread of the two times when both reached the target.
    pub fn interval(&self) -> Option<Bounds> {
        match (self.coarse, self.fine) {
            (Some(coarse), Some(fine)) => Some(Bounds::new(coarse, fine)),
            _ => None,
        }
    }

    /// The fine time when both reached.
    pub fn time(&self) -> Option<f64> {
        self.interval().and(self.fine)
    }

    /// Whether neither tolerance reached the target.
    pub fn never(&self) -> bool {
        self.coarse.is_none() && self.fine.is_none()
    }
}

/// The gradient-flow settings of one claim: tolerance pair and horizon.
#[derive(Clone, Copy, Debug)]
pub struct FlowPlan {
    /// Coarse relative tolerance (the fine one is 1/100 of it).
    pub relative_tolerance: f64,
    /// Last flow time.
    pub horizon: f64,
}

impl FlowPlan {
    /// The two settings, coarse then fine.
    pub fn settings(&self) -> [FlowSettings; 2] {
        [
            FlowSettings::new(self.relative_tolerance, self.horizon),
            FlowSettings::new(self.relative_tolerance / 100.0, self.horizon),
        ]
    }
}

/// The gradient-flow vector field θ̇ = ∇V_train(θ).
pub fn flow_velocity(bandit: &Bandit) -> impl Fn(&[f64], &mut [f64]) + '_ {
    move |parameters: &[f64], velocity: &mut [f64]| {
        let mut policy = vec![0.0; bandit.outputs()];
        bandit.policy_into(parameters, &mut policy);
        bandit.gradient_at_policy(&policy, velocity);
    }
}

/// The first flow time at which `statistic(π) ≥ target`, at both tolerances.
///
/// # Errors
/// [`Error::Numerical`] when the integration fails.
pub fn flow_hitting_time(
    bandit: &Bandit,
    statistic: impl Fn(&[f64]) -> f64,
    target: f64,
    plan: &FlowPlan,
) -> Result<FlowHit, Error> {
    let velocity = flow_velocity(bandit);
    let event = |parameters: &[f64]| statistic(&bandit.policy(parameters)) - target;
    let [coarse, fine] = plan.settings();
    Ok(TwoPrecisions {
        coarse: flow::first_crossing(&velocity, &bandit.initial, &event, &coarse)?
            .map(|hit| hit.time),
        fine: flow::first_crossing(&velocity, &bandit.initial, &event, &fine)?.map(|hit| hit.time),
    })
}

/// t⋆(γ): the first flow time with V_G ≥ γ, at both tolerances.
///
/// # Errors
/// As [`flow_hitting_time`].
pub fn ground_truth_hitting_time(
    bandit: &Bandit,
    target: f64,
    plan: &FlowPlan,
) -> Result<FlowHit, Error> {
    let rewards = bandit.ground_truth.clone();
    flow_hitting_time(bandit, move |policy| value(policy, &rewards), target, plan)
}

/// θ(t) at the given increasing times, at both tolerances.
///
/// # Errors
/// [`Error::Numerical`] when the integration fails.
pub fn flow_states(
    bandit: &Bandit,
    times: &[f64],
    plan: &FlowPlan,
) -> Result<TwoPrecisions<Vec<Vec<f64>>>, Error> {
    let velocity = flow_velocity(bandit);
    let [coarse, fine] = plan.settings();
    Ok(TwoPrecisions {
        coarse: flow::states_at(&velocity, &bandit.initial, times, &coarse)?,
        fine: flow::states_at(&velocity, &bandit.initial, times, &fine)?,
    })
}

/// Draws an index from a probability vector.
pub fn sample(policy: &[f64], stream: &mut ChaCha12Rng) -> usize {
    let uniform: f64 = stream.random();
    let mut cumulative = 0.0;
    for (index, probability) in policy.iter().enumerate() {
        cumulative += probability;
        if uniform < cumulative {
            return index;
        }
    }
    policy.len() - 1
}

/// One-sample REINFORCE without baseline (E9): θ += η r(y)(φ(y) − Σ π φ), y ~ π_θ.
/// Returns the first step s with V_G(θ_s) ≥ target, or `None` within the budget.
///
/// # Errors
/// [`Error::Numerical`] when a value becomes non-finite.
pub fn reinforce_hitting_step(
    bandit: &Bandit,
    learning_rate: f64,
    steps: usize,
    target: f64,
    stream: &mut ChaCha12Rng,
) -> Result<Option<usize>, Error> {
    let mut parameters = bandit.initial.clone();
    let mut policy = vec![0.0; bandit.outputs()];
    let mut mean_feature = vec![0.0; bandit.dimension()];
    for step in 0..steps {
        bandit.policy_into(&parameters, &mut policy);
        let ground_truth = value(&policy, &bandit.ground_truth);
        if !ground_truth.is_finite() {
            return Err(Error::Numerical(format!(
                "non-finite V_G at REINFORCE step {step}"
            )));
        }
        if ground_truth >= target {
            return Ok(Some(step));
        }
        let drawn = sample(&policy, stream);
        mean_feature.iter_mut().for_each(|m| *m = 0.0);
        for (row, p) in bandit.features.iter().zip(&policy) {
            for (m, f) in mean_feature.iter_mut().zip(row) {
                *m += p * f;
            }
        }
        let reward = bandit.training[drawn];
        for ((theta, f), m) in parameters
            .iter_mut()
            .zip(&bandit.features[drawn])
            .zip(&mean_feature)
        {
            *theta += learning_rate * reward * (f - m);
        }
    }
    Ok(None)
}

/// Group-relative sampled update: G draws, advantages (r_i − mean)/std with the
/// population std (zero advantages when the std is zero), θ += (η/G) Σ A_i ∇ln π(o_i).
/// Returns the first step with `success(π) ≥ 1/2`, or `None` within the budget.
///
/// # Errors
/// [`Error::Numerical`] when a value becomes non-finite.
pub fn group_relative_hitting_step(
    bandit: &Bandit,
    group_size: usize,
    learning_rate: f64,
    steps: usize,
    success: impl Fn(&[f64]) -> f64,
    stream: &mut ChaCha12Rng,
) -> Result<Option<usize>, Error> {
    let mut parameters = bandit.initial.clone();
    let mut policy = vec![0.0; bandit.outputs()];
    let mut mean_feature = vec![0.0; bandit.dimension()];
    let mut drawn = vec![0usize; group_size];
    for step in 0..steps {
        bandit.policy_into(&parameters, &mut policy);
        let achieved = success(&policy);
        if !achieved.is_finite() {
            return Err(Error::Numerical(format!(
                "non-finite success probability at step {step}"
            )));
        }
        if achieved >= 0.5 {
            return Ok(Some(step));
        }
        for slot in drawn.iter_mut() {
            *slot = sample(&policy, stream);
        }
        let rewards: Vec<f64> = drawn.iter().map(|&o| bandit.training[o]).collect();
        let mean = rewards.iter().sum::<f64>() / group_size as f64;
        let deviation =
            (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / group_size as f64).sqrt();
        if deviation == 0.0 {
            continue;
        }
        mean_feature.iter_mut().for_each(|m| *m = 0.0);
        for (row, p) in bandit.features.iter().zip(&policy) {
            for (m, f) in mean_feature.iter_mut().zip(row) {
                *m += p * f;
            }
        }
        for (&o, r) in drawn.iter().zip(&rewards) {
            let advantage = (r - mean) / deviation;
            for ((theta, f), m) in parameters
                .iter_mut()
                .zip(&bandit.features[o])
                .zip(&mean_feature)
            {
                *theta += learning_rate / group_size as f64 * advantage * (f - m);
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Bandit {
        Bandit::tabular(
            &[0.05, 0.5, 0.15, 0.15, 0.15],
            &[1.0, 0.8, -1.0, -1.0, -1.0],
            &[1.0, 0.8, -1.0, -1.0, -1.0],
        )
    }

    #[test]
    fn ascent_raises_the_training_value_at_every_step() {
        let trace = ascend_plain(&reference(), 0.1, 2000).unwrap();
        assert!(
            trace
                .training_values
                .windows(2)
                .all(|pair| pair[1] >= pair[0])
        );
        assert_eq!(trace.ground_truth_values.len(), 2000);
    }

    #[test]
    fn flow_and_ascent_agree_on_the_hitting_time() {
        let bandit = Bandit::tabular(
            &[0.2, 0.5, 0.1, 0.1, 0.1],
            &[1.0, 0.8, -1.0, -1.0, -1.0],
            &[1.0, 0.8, -1.0, -1.0, -1.0],
        );
        let plan = FlowPlan {
            relative_tolerance: 1e-10,
            horizon: 1e6,
        };
        let time = ground_truth_hitting_time(&bandit, 0.9, &plan)
            .unwrap()
            .time()
            .unwrap();
        let step = ascend_plain(&bandit, 0.1, 10_000)
            .unwrap()
            .hitting_step(0.9)
            .unwrap() as f64;
        assert!(
            (step - time / 0.1).abs() <= (0.02 * time / 0.1).max(1.0),
            "{step} vs {}",
            time / 0.1
        );
    }
}
