//! Full-batch gradient descent on the logistic loss, over all filters and samples at
//! once.
//!
//! One step is two matrix products, both on nalgebra's `gemm` (matrixmultiply kernels):
//!
//! ```text
//! Z = Ξ·W              n × 2m noise activations ⟨w_r, ξ_i⟩
//! Φ = Ξᵀ·P             d × 2m, P_{i,r} = (κ/n)(−ℓ′_i) j_r y_i σ′(z²_{r,i})
//! φ_r = Φ_{·,r} + ‖μ‖ Σ_i P¹_{i,r} ŷ_i e₁   (the signal patch only reads coordinate 1)
//! g_w = −v·φ,   g_b = −v·β,   g_v = (κ/n) Σ_i ℓ′_i y_i j (σ(z¹) + σ(z²))
//! ```
//!
//! g_v is computed from its definition, not from ⟨w, φ⟩, so the balance identities the
//! diagnostics track are genuine checks. All buffers are allocated before the loop.
//! With diagnostics on, every step also records the balance residual of every neuron
//! (per class with shared output weights), the residuals of the two-mode form, the
//! drift D_t, and the exact coefficient recursions γ, ρ of spec §5.

use std::time::Instant;

use nalgebra::{DMatrix, SymmetricEigen};
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};

use super::data::{Dataset, Network};
use super::setting::{NoiseLaw, OutputLayer, OutputSharing, Setting, UpdateOrder};
use crate::error::Error;
use crate::sim::{logistic_loss, logistic_weight};

/// Unit roundoff u = 2⁻⁵³.
pub const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

/// Counts of test draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestOutcome {
    /// Predictions that differ from the observed label y.
    pub errors: u64,
    /// Predictions that differ from the clean label ŷ.
    pub clean_errors: u64,
    /// Draws with f(x) = 0 exactly (predicted −1 by the tie-break).
    pub ties: u64,
    /// Draws.
    pub total: u64,
}

impl TestOutcome {
    /// Adds another outcome's counts.
    pub fn pooled(mut self, other: &TestOutcome) -> TestOutcome {
        self.errors += other.errors;
        self.clean_errors += other.clean_errors;
        self.ties += other.ties;
        self.total += other.total;
        self
    }
}

/// The network state before one step, kept for exact re-checks.
#[derive(Clone, Debug)]
pub struct StepState {
    /// The step index t.
    pub step: usize,
    /// The network at step t.
    pub network: Network,
    /// The network the engine computed for step t + 1.
    pub after: Network,
    /// −ℓ′_i at step t, as computed in f64 (any rational stand-ins serve the identities).
    pub loss_weights: Vec<f64>,
    /// The neuron (or class) whose residual was largest.
    pub unit: usize,
}

/// What the identity diagnostics found over a run.
#[derive(Clone, Debug, Default)]
pub struct Identities {
    /// max over steps and units of |balance residual| / max(‖w‖², v², η²‖g_w‖²).
    pub balance_relative: f64,
    /// max over steps and units of |balance residual| / derived rounding budget.
    pub balance_budget_ratio: f64,
    /// max of |⟨w, g_w⟩ + b·g_b − v·g_v| / (‖w‖‖g_w‖/|v| + |b||g_b|/|v| + |g_v|) (neurons with v ≠ 0).
    pub gradient_relative: f64,
    /// max of the residual of ⟨w⁺, φ⟩ = ⟨w, φ⟩ + η v ‖φ‖², relative.
    pub mode_relative: f64,
    /// D_T per unit (neuron, or class with shared output weights).
    pub drift: Vec<f64>,
    /// The state before the step with the largest relative balance residual.
    pub worst_step: Option<StepState>,
}

/// A finished run: the trace, the final state and what the diagnostics recorded.
#[derive(Clone, Debug)]
pub struct Run {
    /// The configuration.
    pub setting: Setting,
    /// The seed index.
    pub seed: u64,
    /// The training data.
    pub data: Dataset,
    /// W⁽⁰⁾, b⁽⁰⁾, v⁽⁰⁾.
    pub initial: Network,
    /// The network after the last step.
    pub last: Network,
    /// L_t at every visited state t = 0 … steps_taken.
    pub losses: Vec<f64>,
    /// v_{j,r} at every state, row-major (steps_taken + 1) × 2m.
    pub outputs: Vec<f64>,
    /// ‖w_{j,r}⁽ᵗ⁾ − w_{j,r}⁽⁰⁾‖ at every state, row-major like `outputs`.
    pub hidden_shifts: Vec<f64>,
    /// Steps taken.
    pub steps_taken: usize,
    /// The first t with L_t ≤ ε.
    pub first_target_step: Option<usize>,
    /// Training samples misclassified at the end.
    pub training_errors: usize,
    /// Training samples on which every filter is inactive at the end (f = 0, so their
    /// loss is stuck at ln 2 and the tie-break alone decides their label).
    pub inactive_samples: usize,
    /// γ_{j,r} by the recursion of §5.
    pub signal_coefficients: Vec<f64>,
    /// ρ_{j,r,i} by the recursion of §5, n × 2m.
    pub noise_coefficients: DMatrix<f64>,
    /// ‖φ_{j,r}⁽⁰⁾‖ with the actual ℓ′ at initialization.
    pub initial_direction_norms: Vec<f64>,
    /// ⟨w⁽⁰⁾, φ̂⁽⁰⁾⟩ with φ⁽⁰⁾ taken at ℓ′ = −1/2 (the sign predictor of CNN-15).
    pub initial_mode_projection: Vec<f64>,
    /// Identity diagnostics (when enabled).
    pub identities: Option<Identities>,
    /// Test counts at the end.
    pub test_final: Option<TestOutcome>,
    /// Test counts at the first step with L ≤ ε.
    pub test_at_target: Option<TestOutcome>,
    /// Floating-point operations of the two matrix products per step, summed.
    pub matrix_flops: f64,
    /// Wall-clock seconds of the step loop.
    pub seconds: f64,
}

impl Run {
    /// L at the last state.
    pub fn final_loss(&self) -> f64 {
        *self.losses.last().expect("a run visits at least one state")
    }

    /// v at state t.
    pub fn outputs_at(&self, step: usize) -> &[f64] {
        let neurons = self.initial.neurons();
        &self.outputs[step * neurons..(step + 1) * neurons]
    }

    /// ‖Δw‖ at state t.
    pub fn shifts_at(&self, step: usize) -> &[f64] {
        let neurons = self.initial.neurons();
        &self.hidden_shifts[step * neurons..(step + 1) * neurons]
    }
}

/// The preallocated workspace of the step loop.
pub(super) struct Workspace {
    pub(super) noise_activations: DMatrix<f64>,
    pub(super) coefficients: DMatrix<f64>,
    directions: DMatrix<f64>,
    pub(super) signal_activations: Vec<f64>,
    pub(super) loss_weights: Vec<f64>,
    pub(super) signal_coefficient: Vec<f64>,
    pub(super) bias_coefficient: Vec<f64>,
    pub(super) output_gradient: Vec<f64>,
    pub(super) unit_output_gradient: Vec<f64>,
    pub(super) new_output: Vec<f64>,
    pub(super) used_output: Vec<f64>,
    norms_squared: Vec<f64>,
    new_norms_squared: Vec<f64>,
    projections: Vec<f64>,
    new_projections: Vec<f64>,
    direction_norms_squared: Vec<f64>,
    direction_bounds: Vec<f64>,
    before: Network,
    noise_norms: Vec<f64>,
    bias: bool,
}

impl Workspace {
    /// Buffers for a run of `setting` on `data` from `initial`.
    pub(super) fn new(setting: &Setting, data: &Dataset, initial: &Network) -> Workspace {
        let samples = data.samples();
        let neurons = initial.neurons();
        let units = if setting.output_sharing == OutputSharing::PerClass {
            2
        } else {
            neurons
        };
        Workspace {
            noise_activations: DMatrix::zeros(samples, neurons),
            coefficients: DMatrix::zeros(samples, neurons),
            directions: DMatrix::zeros(data.dimension(), neurons),
            signal_activations: vec![0.0; neurons],
            loss_weights: vec![0.0; samples],
            signal_coefficient: vec![0.0; neurons],
            bias_coefficient: vec![0.0; neurons],
            output_gradient: vec![0.0; neurons],
            unit_output_gradient: vec![0.0; units],
            new_output: vec![0.0; neurons],
            used_output: vec![0.0; neurons],
            norms_squared: vec![0.0; neurons],
            new_norms_squared: vec![0.0; neurons],
            projections: vec![0.0; neurons],
            new_projections: vec![0.0; neurons],
            direction_norms_squared: vec![0.0; neurons],
            direction_bounds: vec![0.0; neurons],
            before: initial.clone(),
            noise_norms: data
                .noise_norms_squared()
                .iter()
                .map(|value| value.sqrt())
                .collect(),
            bias: setting.bias,
        }
    }
}

/// The output layer's step: per-unit gradients g_v (summed over a class when shared),
/// the new v, and the v the hidden step uses (old v, or new v for a sequential update).
pub(super) fn step_output(setting: &Setting, network: &Network, work: &mut Workspace) {
    let m = setting.filters_per_class;
    let shared = setting.output_sharing == OutputSharing::PerClass;
    let unit_of = |r: usize| if shared { r / m } else { r };
    let trainable = setting.output_layer == OutputLayer::Trainable;
    work.unit_output_gradient.iter_mut().for_each(|g| *g = 0.0);
    for r in 0..network.neurons() {
        work.unit_output_gradient[unit_of(r)] += work.output_gradient[r];
    }
    for r in 0..network.neurons() {
        work.new_output[r] = if trainable {
            network.output[r] - setting.learning_rate * work.unit_output_gradient[unit_of(r)]
        } else {
            network.output[r]
        };
        work.used_output[r] = match setting.update {
            UpdateOrder::Simultaneous => network.output[r],
            UpdateOrder::Sequential => work.new_output[r],
        };
    }
}

/// The loss, −ℓ′_i and the training errors from the activations in the workspace.
fn forward(network: &Network, data: &Dataset, work: &mut Workspace) -> (f64, usize) {
    let neurons = network.neurons();
    work.noise_activations
        .gemm(1.0, &data.noise_rows, &network.hidden, 0.0);
    for r in 0..neurons {
        work.signal_activations[r] = data.signal_norm * network.hidden[(0, r)];
    }
    score(network, data, work)
}

/// The loss, −ℓ′_i and the training errors, given the activations ⟨w_r, μ⟩ and
/// ⟨w_r, ξ_i⟩ already in the workspace (`network.hidden` is not read).
pub(super) fn score(network: &Network, data: &Dataset, work: &mut Workspace) -> (f64, usize) {
    let samples = data.samples();
    let neurons = network.neurons();
    let mut loss = 0.0;
    let mut errors = 0;
    for i in 0..samples {
        let clean = data.clean_labels[i];
        let mut output = 0.0;
        for r in 0..neurons {
            let bias = network.bias[r];
            let first = (clean * work.signal_activations[r] + bias).max(0.0);
            let second = (work.noise_activations[(i, r)] + bias).max(0.0);
            output += network.class_sign(r) * network.output[r] * (first + second);
        }
        output *= network.kappa;
        let margin = data.labels[i] * output;
        let predicted = if output > 0.0 { 1.0 } else { -1.0 };
        if predicted != data.labels[i] {
            errors += 1;
        }
        loss += logistic_loss(margin);
        work.loss_weights[i] = logistic_weight(margin);
    }
    (loss / samples as f64, errors)
}

/// φ_r (columns of `directions`), β_r, the signal coefficients and g_v from the current
/// activations and loss weights.
fn directions(network: &Network, data: &Dataset, work: &mut Workspace) {
    direction_coefficients(network, data, work);
    work.directions
        .gemm(1.0, &data.noise_columns, &work.coefficients, 0.0);
    for r in 0..network.neurons() {
        work.directions[(0, r)] += data.signal_norm * work.signal_coefficient[r];
    }
}

/// P, the signal coefficients, β and g_v from the activations and loss weights: φ_r is
/// Σ_i P_{i,r} ξ_i + (signal coefficient)·μ.
pub(super) fn direction_coefficients(network: &Network, data: &Dataset, work: &mut Workspace) {
    let samples = data.samples();
    let neurons = network.neurons();
    let scale = network.kappa / samples as f64;
    for r in 0..neurons {
        let sign = network.class_sign(r);
        let bias = network.bias[r];
        let (mut signal, mut bias_sum, mut output_sum, mut bound) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..samples {
            let weight = scale * work.loss_weights[i] * sign * data.labels[i];
            let clean = data.clean_labels[i];
            let first = clean * work.signal_activations[r] + bias;
            let second = work.noise_activations[(i, r)] + bias;
            let noise_active = if second > 0.0 { weight } else { 0.0 };
            work.coefficients[(i, r)] = noise_active;
            bound += noise_active.abs() * work.noise_norms[i];
            if first > 0.0 {
                signal += weight * clean;
                bias_sum += weight;
            }
            if second > 0.0 {
                bias_sum += weight;
            }
            output_sum -= weight * (first.max(0.0) + second.max(0.0));
        }
        work.signal_coefficient[r] = signal;
        // Without a bias there is no β: g_b is not a gradient of the model.
        work.bias_coefficient[r] = if work.bias { bias_sum } else { 0.0 };
        work.output_gradient[r] = output_sum;
        work.direction_bounds[r] = bound + signal.abs() * data.signal_norm;
    }
}

fn column_dot(left: &DMatrix<f64>, right: &DMatrix<f64>, column: usize) -> f64 {
    left.column(column).dot(&right.column(column))
}

/// ⟨w⁽⁰⁾, φ̂⁽⁰⁾⟩ per neuron with every −ℓ′ set to 1/2 (f ≈ 0 at a small initialization).
fn half_weight_projection(network: &Network, data: &Dataset, work: &mut Workspace) -> Vec<f64> {
    // The activation patterns at initialization, then −ℓ′ = 1/2 for every sample.
    forward(network, data, work);
    work.loss_weights
        .iter_mut()
        .for_each(|weight| *weight = 0.5);
    directions(network, data, work);
    (0..network.neurons())
        .map(|r| {
            let norm = work.directions.column(r).norm();
            if norm > 0.0 {
                column_dot(&network.hidden, &work.directions, r) / norm
            } else {
                0.0
            }
        })
        .collect()
}

/// Switches for one run.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Track the identities of CNN-1 … CNN-7 at every step.
    pub diagnostics: bool,
    /// Record ‖Δw‖ of every neuron at every step.
    pub record_shifts: bool,
}

/// Trains the network on the data from its initialization, then draws the test
/// points from `test_stream`.
///
/// # Errors
/// [`Error::Numerical`] when the loss or a weight stops being finite (divergence).
pub fn train(
    setting: &Setting,
    data: Dataset,
    initial: Network,
    options: RunOptions,
    mut test_stream: ChaCha12Rng,
) -> Result<Run, Error> {
    let samples = data.samples();
    let dimension = data.dimension();
    let neurons = initial.neurons();
    let m = setting.filters_per_class;
    let eta = setting.learning_rate;
    let shared = setting.output_sharing == OutputSharing::PerClass;
    let units = if shared { 2 } else { neurons };
    let unit_of = |r: usize| if shared { r / m } else { r };
    let noise_norms_squared = data.noise_norms_squared();
    let mut work = Workspace::new(setting, &data, &initial);
    let mut network = initial.clone();
    let mut identities = options.diagnostics.then(|| Identities {
        drift: vec![0.0; units],
        ..Identities::default()
    });
    let mut worst = WorstStep {
        step: None,
        state: initial.clone(),
        after: initial.clone(),
        loss_weights: vec![0.0; samples],
    };
    let mut signal_coefficients = vec![0.0; neurons];
    let mut noise_coefficients = DMatrix::zeros(samples, neurons);
    let mut target_state = initial.clone();
    let capacity = setting.maximum_steps.max(setting.steps) + 1;
    let mut losses = Vec::with_capacity(capacity);
    let mut outputs = Vec::with_capacity(capacity * neurons);
    let mut hidden_shifts = Vec::with_capacity(if options.record_shifts {
        capacity * neurons
    } else {
        0
    });
    let mut first_target_step = None;
    let mut initial_direction_norms = vec![0.0; neurons];
    let initial_mode_projection = half_weight_projection(&network, &data, &mut work);
    for r in 0..neurons {
        work.norms_squared[r] = network.hidden.column(r).norm_squared();
    }
    let signal_norm_squared = data.signal_norm * data.signal_norm;
    let start = Instant::now();
    let mut step = 0;
    let training_errors = loop {
        let (loss, errors) = forward(&network, &data, &mut work);
        if !loss.is_finite() || network.output.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "gradient descent diverged at step {step}: loss {loss}"
            )));
        }
        losses.push(loss);
        outputs.extend_from_slice(&network.output);
        if options.record_shifts {
            for r in 0..neurons {
                let shift = network
                    .hidden
                    .column(r)
                    .iter()
                    .zip(initial.hidden.column(r).iter())
                    .map(|(now, start)| (now - start) * (now - start))
                    .sum::<f64>();
                hidden_shifts.push(shift.sqrt());
            }
        }
        if first_target_step.is_none() && loss <= setting.loss_target {
            first_target_step = Some(step);
            target_state.hidden.copy_from(&network.hidden);
            target_state.bias.copy_from_slice(&network.bias);
            target_state.output.copy_from_slice(&network.output);
        }
        let finished =
            step >= setting.maximum_steps || (step >= setting.steps && loss <= setting.loss_target);
        if finished {
            break errors;
        }

        directions(&network, &data, &mut work);
        if step == 0 {
            for (r, norm) in initial_direction_norms.iter_mut().enumerate() {
                *norm = work.directions.column(r).norm();
            }
        }
        if options.diagnostics {
            for r in 0..neurons {
                work.projections[r] = column_dot(&network.hidden, &work.directions, r);
                work.direction_norms_squared[r] = work.directions.column(r).norm_squared();
            }
            work.before.hidden.copy_from(&network.hidden);
            work.before.bias.copy_from_slice(&network.bias);
            work.before.output.copy_from_slice(&network.output);
        }

        step_output(setting, &network, &mut work);

        // Hidden layer: w ← w + η·v·φ, b ← b + η·v·β; the recursions of §5 alongside.
        for r in 0..neurons {
            let step_size = eta * work.used_output[r];
            let mut column = network.hidden.column_mut(r);
            column.axpy(step_size, &work.directions.column(r), 1.0);
            if setting.bias {
                network.bias[r] += step_size * work.bias_coefficient[r];
            }
            signal_coefficients[r] += step_size
                * network.class_sign(r)
                * work.signal_coefficient[r]
                * signal_norm_squared;
            for i in 0..samples {
                noise_coefficients[(i, r)] +=
                    step_size * work.coefficients[(i, r)] * noise_norms_squared[i];
            }
        }
        network.output.copy_from_slice(&work.new_output);

        if let Some(identities) = identities.as_mut() {
            record_identities(
                setting, &network, &mut work, identities, step, &unit_of, units, &mut worst,
            );
        }
        step += 1;
    };
    let seconds = start.elapsed().as_secs_f64();
    let inactive_samples = (0..samples)
        .filter(|&i| {
            (0..neurons).all(|r| {
                let bias = network.bias[r];
                data.clean_labels[i] * work.signal_activations[r] + bias <= 0.0
                    && work.noise_activations[(i, r)] + bias <= 0.0
            })
        })
        .count();
    if let Some(identities) = identities.as_mut()
        && let Some((worst_step, unit)) = worst.step
    {
        identities.worst_step = Some(StepState {
            step: worst_step,
            network: worst.state,
            after: worst.after,
            loss_weights: worst.loss_weights,
            unit,
        });
    }
    // The same test draws serve both evaluations, so their difference is paired.
    let testable = setting.test_samples > 0 && setting.noise != NoiseLaw::Blocks;
    let test_final = testable.then(|| evaluate_test(&network, setting, &mut test_stream.clone()));
    let test_at_target = (testable && first_target_step.is_some())
        .then(|| evaluate_test(&target_state, setting, &mut test_stream));
    let flops_per_step = 2.0 * 2.0 * (samples * dimension * neurons) as f64;
    Ok(Run {
        setting: setting.clone(),
        seed: 0,
        data,
        initial,
        last: network,
        losses,
        outputs,
        hidden_shifts,
        steps_taken: step,
        first_target_step,
        training_errors,
        inactive_samples,
        signal_coefficients,
        noise_coefficients,
        initial_direction_norms,
        initial_mode_projection,
        identities,
        test_final,
        test_at_target,
        matrix_flops: flops_per_step * step as f64,
        seconds,
    })
}

/// Per-step identity residuals after the update (see [`Identities`]). `work.before`
/// holds the state before the step.
#[allow(clippy::too_many_arguments)]
fn record_identities(
    setting: &Setting,
    network: &Network,
    work: &mut Workspace,
    identities: &mut Identities,
    step: usize,
    unit_of: &dyn Fn(usize) -> usize,
    units: usize,
    worst: &mut WorstStep,
) {
    let eta = setting.learning_rate;
    let neurons = network.neurons();
    let dimension = network.hidden.nrows();
    let samples = work.loss_weights.len();
    for r in 0..neurons {
        work.new_norms_squared[r] = network.hidden.column(r).norm_squared();
        work.new_projections[r] = column_dot(&network.hidden, &work.directions, r);
    }

    // ⟨w, g_w⟩ + b·g_b = v·g_v, i.e. g_v = −(⟨w, φ⟩ + bβ), and the rational two-mode form
    // ⟨w⁺, φ⟩ + b⁺β = ⟨w, φ⟩ + bβ + η·v·(‖φ‖² + β²).
    if setting.output_sharing == OutputSharing::PerNeuron {
        for r in 0..neurons {
            let old_output = work.before.output[r];
            let old_bias = work.before.bias[r];
            let beta = work.bias_coefficient[r];
            let projection = work.projections[r] + old_bias * beta;
            let direction_squared = work.direction_norms_squared[r] + beta * beta;
            let gradient_scale = work.norms_squared[r].sqrt() * work.direction_bounds[r]
                + old_bias.abs() * beta.abs()
                + work.output_gradient[r].abs();
            if gradient_scale > 0.0 {
                identities.gradient_relative = identities
                    .gradient_relative
                    .max((projection + work.output_gradient[r]).abs() / gradient_scale);
            }
            if setting.update == UpdateOrder::Simultaneous {
                let new_projection = work.new_projections[r] + network.bias[r] * beta;
                let predicted = projection + eta * old_output * direction_squared;
                let scale = (work.new_norms_squared[r] + network.bias[r] * network.bias[r])
                    .sqrt()
                    .max(work.norms_squared[r].sqrt())
                    * direction_squared.sqrt()
                    + eta * old_output.abs() * direction_squared;
                if scale > 0.0 {
                    identities.mode_relative = identities
                        .mode_relative
                        .max((new_projection - predicted).abs() / scale);
                }
            }
        }
    }

    // ‖w⁺‖² + b⁺² − v⁺² = ‖w‖² + b² − v² + η²(‖g_w‖² + g_b² − g_v²), per unit; a fixed
    // output layer takes no v step, so the identity does not apply to it.
    if setting.output_layer == OutputLayer::Fixed {
        work.norms_squared.copy_from_slice(&work.new_norms_squared);
        return;
    }
    let operations = (dimension + samples + 8) as f64;
    let mut worst_this_step = (0.0, 0);
    for unit in 0..units {
        let (mut before, mut after, mut hidden_gradient, mut cross) = (0.0, 0.0, 0.0, 0.0);
        let (mut output_before, mut output_after) = (0.0, 0.0);
        for r in (0..neurons).filter(|&r| unit_of(r) == unit) {
            let old_bias = work.before.bias[r];
            let used = work.used_output[r];
            let beta = work.bias_coefficient[r];
            before += work.norms_squared[r] + old_bias * old_bias;
            after += work.new_norms_squared[r] + network.bias[r] * network.bias[r];
            hidden_gradient += used * used * (work.direction_norms_squared[r] + beta * beta);
            cross += used.abs()
                * (work.norms_squared[r].sqrt() * work.direction_bounds[r]
                    + old_bias.abs() * beta.abs());
            output_before = work.before.output[r];
            output_after = network.output[r];
        }
        let output_gradient = work.unit_output_gradient[unit];
        let increment = eta * eta * (hidden_gradient - output_gradient * output_gradient);
        let left = after - output_after * output_after;
        let right = before - output_before * output_before + increment;
        let residual = (left - right).abs();
        identities.drift[unit] += increment;
        let normalizer = before
            .max(output_before * output_before)
            .max(eta * eta * hidden_gradient);
        let relative = if normalizer > 0.0 {
            residual / normalizer
        } else {
            0.0
        };
        // Forward-error budget: each term is a sum of at most d + n + 8 rounded
        // operations on quantities bounded by the magnitudes below.
        let budget = 8.0
            * operations
            * UNIT_ROUNDOFF
            * (before
                + after
                + output_before * output_before
                + output_after * output_after
                + eta * eta * (hidden_gradient + output_gradient * output_gradient)
                + 2.0 * eta * (cross + output_before.abs() * output_gradient.abs()));
        if budget > 0.0 {
            identities.balance_budget_ratio =
                identities.balance_budget_ratio.max(residual / budget);
        }
        if relative > worst_this_step.0 {
            worst_this_step = (relative, unit);
        }
    }
    if worst.step.is_none() || worst_this_step.0 > identities.balance_relative {
        identities.balance_relative = identities.balance_relative.max(worst_this_step.0);
        worst.step = Some((step, worst_this_step.1));
        std::mem::swap(&mut worst.state, &mut work.before);
        worst.after.hidden.copy_from(&network.hidden);
        worst.after.bias.copy_from_slice(&network.bias);
        worst.after.output.copy_from_slice(&network.output);
        worst.loss_weights.copy_from_slice(&work.loss_weights);
    }
    work.norms_squared.copy_from_slice(&work.new_norms_squared);
}

/// The state before the step with the largest balance residual so far.
struct WorstStep {
    step: Option<(usize, usize)>,
    state: Network,
    after: Network,
    loss_weights: Vec<f64>,
}

/// Test error and clean error of a network on fresh draws.
///
/// The noise activations (⟨w_r, ξ⟩)_r of a fresh noise patch are jointly Gaussian with
/// covariance σ_p²WᵀW (iid noise) or σ_p²Wᵀ(I − e₁e₁ᵀ)W (projected noise), so they are
/// drawn exactly in law as L·g with LLᵀ that covariance and g ~ N(0, I_{2m}): the same
/// distribution as drawing the d-dimensional patch, at 2m normals per test point instead
/// of d.
pub fn evaluate_test(
    network: &Network,
    setting: &Setting,
    stream: &mut ChaCha12Rng,
) -> TestOutcome {
    let gram = network.hidden.transpose() * &network.hidden;
    let first: Vec<f64> = network.hidden.row(0).iter().copied().collect();
    evaluate_test_from_gram(network, &gram, &first, setting, stream)
}

/// [`evaluate_test`] from WᵀW and the first coordinate of every filter alone (the other
/// fields of `network` give b, v and κ): what the coefficient engine has at hand.
pub fn evaluate_test_from_gram(
    network: &Network,
    gram: &DMatrix<f64>,
    first_coordinates: &[f64],
    setting: &Setting,
    stream: &mut ChaCha12Rng,
) -> TestOutcome {
    let neurons = network.neurons();
    let mut covariance = gram.clone();
    if setting.noise != NoiseLaw::Iid {
        let first = nalgebra::DVector::from_column_slice(first_coordinates);
        covariance -= &first * first.transpose();
    }
    covariance *= setting.noise_std * setting.noise_std;
    let eigen = SymmetricEigen::new(covariance);
    let mut factor = eigen.eigenvectors.clone();
    for (k, value) in eigen.eigenvalues.iter().enumerate() {
        let root = value.max(0.0).sqrt();
        factor.column_mut(k).scale_mut(root);
    }
    let signal: Vec<f64> = first_coordinates
        .iter()
        .map(|w| setting.signal_norm * w)
        .collect();
    let mut normals = nalgebra::DVector::zeros(neurons);
    let mut activations = nalgebra::DVector::zeros(neurons);
    let mut outcome = TestOutcome::default();
    for _ in 0..setting.test_samples {
        let clean = if stream.random_bool(0.5) { 1.0 } else { -1.0 };
        let label = if stream.random_bool(setting.flip_rate) {
            -clean
        } else {
            clean
        };
        for value in normals.iter_mut() {
            *value = StandardNormal.sample(stream);
        }
        activations.gemv(1.0, &factor, &normals, 0.0);
        let mut output = 0.0;
        for r in 0..neurons {
            let bias = network.bias[r];
            let first = (clean * signal[r] + bias).max(0.0);
            let second = (activations[r] + bias).max(0.0);
            output += network.class_sign(r) * network.output[r] * (first + second);
        }
        output *= network.kappa;
        let predicted = if output > 0.0 { 1.0 } else { -1.0 };
        outcome.total += 1;
        outcome.errors += u64::from(predicted != label);
        outcome.clean_errors += u64::from(predicted != clean);
        outcome.ties += u64::from(output == 0.0);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::to_f64;
    use crate::suite::random_stream;
    use crate::theorems::cnn_benign::exact_steps::{RationalNetwork, rational_data};
    use crate::theorems::cnn_benign::setting::{OutputScale, OutputSharing};
    use crate::theorems::cnn_benign::tests::small_setting;

    fn one_step(setting: &Setting) -> (Dataset, Network, Run) {
        let mut single = setting.clone();
        single.steps = 1;
        single.maximum_steps = 1;
        let data = Dataset::draw(&single, &mut random_stream(&["engine"], 0));
        let initial = Network::initialize(&single, &mut random_stream(&["engine-init"], 0));
        let options = RunOptions {
            diagnostics: true,
            record_shifts: true,
        };
        let run = train(
            &single,
            data.clone(),
            initial.clone(),
            options,
            random_stream(&["t"], 0),
        )
        .unwrap();
        (data, initial, run)
    }

    #[test]
    fn divergence_is_an_error_not_a_result() {
        let mut setting = small_setting();
        setting.output_init = 1.0;
        setting.learning_rate = 1e6;
        let data = Dataset::draw(&setting, &mut random_stream(&["engine"], 1));
        let initial = Network::initialize(&setting, &mut random_stream(&["engine-init"], 1));
        let options = RunOptions {
            diagnostics: false,
            record_shifts: false,
        };
        let outcome = train(&setting, data, initial, options, random_stream(&["t"], 1));
        assert!(matches!(outcome, Err(Error::Numerical(_))));
    }

    #[test]
    fn the_step_size_guard_names_itself() {
        let mut setting = small_setting();
        setting.output_init = 10.0;
        let reason = crate::theorems::cnn_benign::runs::guard_violation(&setting).unwrap();
        assert!(reason.contains("§7.6"), "{reason}");
        setting.output_init = 0.1;
        assert!(crate::theorems::cnn_benign::runs::guard_violation(&setting).is_none());
    }

    /// The engine's step agrees with the exact rational gradient step.
    #[test]
    fn one_engine_step_matches_the_exact_step() {
        for variant in 0..4 {
            let mut setting = small_setting();
            setting.output_init = 0.3;
            match variant {
                1 => setting.output_scale = OutputScale::InverseFilters,
                2 => setting.bias = true,
                3 => setting.output_sharing = OutputSharing::PerClass,
                _ => {}
            }
            let (data, initial, run) = one_step(&setting);
            let exact = RationalNetwork::from_network(&initial).unwrap();
            let mut work_weights = vec![0.0; data.samples()];
            // −ℓ′ at the initial state, as the engine computed it.
            for (i, weight) in work_weights.iter_mut().enumerate() {
                let f: f64 = to_f64(
                    &exact.outputs(&rational_data(&data, &vec![0.0; data.samples()]).unwrap())[i],
                );
                *weight = logistic_weight(data.labels[i] * f);
            }
            let rational = rational_data(&data, &work_weights).unwrap();
            let eta = setting.learning_rate;
            let m = setting.filters_per_class;
            let gradients: Vec<_> = (0..initial.neurons())
                .map(|r| exact.gradient(&rational, r))
                .collect();
            for r in 0..initial.neurons() {
                let g = &gradients[r];
                let class_gradient: f64 = if setting.output_sharing == OutputSharing::PerClass {
                    (0..initial.neurons())
                        .filter(|&k| k / m == r / m)
                        .map(|k| to_f64(&gradients[k].output))
                        .sum()
                } else {
                    to_f64(&g.output)
                };
                let expected_v = initial.output[r] - eta * class_gradient;
                assert!(
                    (run.last.output[r] - expected_v).abs() < 1e-12,
                    "variant {variant} v {r}: {} vs {expected_v}",
                    run.last.output[r]
                );
                for k in 0..setting.dimension {
                    let expected = initial.hidden[(k, r)] - eta * to_f64(&g.hidden[k]);
                    assert!(
                        (run.last.hidden[(k, r)] - expected).abs() < 1e-12,
                        "variant {variant} w {r} {k}"
                    );
                }
                let expected_b = initial.bias[r] - eta * to_f64(&g.bias);
                assert!(
                    (run.last.bias[r] - expected_b).abs() < 1e-12,
                    "variant {variant} b {r}"
                );
            }
            let identities = run.identities.unwrap();
            assert!(
                identities.balance_relative < 1e-13,
                "variant {variant}: {}",
                identities.balance_relative
            );
        }
    }
}
