//! Gradient descent in coefficient space: the recursions of spec §5 as a simulator.
//!
//! Every update of a filter is a combination of μ and the ξ_i, so
//! w_r⁽ᵗ⁾ = w_r⁽⁰⁾ + Σ_k C_{r,k} u_k with u_0 = μ/‖μ‖², u_i = ξ_i/‖ξ_i‖² (C_{r,0} = jγ_r,
//! C_{r,i} = ρ_{r,i}). With x_0 = μ and x_i = ξ_i, all activations of a step are
//!
//! ```text
//! ⟨w_r, x_k⟩ = ⟨w_r⁽⁰⁾, x_k⟩ + (C·A)_{r,k},   A_{l,k} = ⟨u_l, x_k⟩   (a (n+1) × (n+1) matrix)
//! ```
//!
//! so after an O((n + 2m)²d) setup a step costs O(m n²), whatever d is. The step is the
//! same as [`super::engine`]'s (loss, −ℓ′, P, β, g_v are computed by the same code); only
//! the hidden update is applied to C instead of W. WᵀW and the first coordinates, all the
//! test draws need, follow from C as well. CNN-6 checks this engine against the explicit
//! one; the grid claims (CNN-13, 17, 19–26) use it.

use nalgebra::DMatrix;
use rand_chacha::ChaCha12Rng;

use super::data::{Dataset, Network};
use super::engine::{
    TestOutcome, Workspace, direction_coefficients, evaluate_test_from_gram, score, step_output,
};
use super::setting::Setting;
use crate::error::Error;

/// A finished coefficient-space run.
#[derive(Clone, Debug)]
pub struct CoefficientRun {
    /// L_t at every visited state.
    pub losses: Vec<f64>,
    /// Steps taken.
    pub steps_taken: usize,
    /// The first t with L_t ≤ ε.
    pub first_target_step: Option<usize>,
    /// Training samples misclassified at the end.
    pub training_errors: usize,
    /// v⁽⁰⁾.
    pub initial_output: Vec<f64>,
    /// The final network's biases and output weights (its `hidden` field is W⁽⁰⁾).
    pub last: Network,
    /// C, 2m × (n + 1): column 0 is jγ, column i is ρ_{·,i}.
    pub coefficients: DMatrix<f64>,
    /// ‖w_r⁽ᵀ⁾ − w_r⁽⁰⁾‖.
    pub hidden_shifts: Vec<f64>,
    /// Test counts at the end.
    pub test_final: Option<TestOutcome>,
}

/// Trains in coefficient space (see the module documentation).
///
/// # Errors
/// [`Error::Numerical`] on divergence.
pub fn train_coefficients(
    setting: &Setting,
    data: &Dataset,
    initial: &Network,
    mut test_stream: ChaCha12Rng,
) -> Result<CoefficientRun, Error> {
    let samples = data.samples();
    let dimension = data.dimension();
    let neurons = initial.neurons();
    let eta = setting.learning_rate;
    let signal_norm = data.signal_norm;
    let signal_squared = signal_norm * signal_norm;
    let noise_squared = data.noise_norms_squared();

    // Basis u_k and patches x_k as columns (u_0 = 0 when μ = 0: no signal direction).
    let mut basis = DMatrix::zeros(dimension, samples + 1);
    let mut patches = DMatrix::zeros(dimension, samples + 1);
    if signal_norm > 0.0 {
        basis[(0, 0)] = 1.0 / signal_norm;
        patches[(0, 0)] = signal_norm;
    }
    for i in 0..samples {
        patches
            .column_mut(i + 1)
            .copy_from(&data.noise_columns.column(i));
        basis
            .column_mut(i + 1)
            .copy_from(&(data.noise_columns.column(i) / noise_squared[i]));
    }
    let cross = basis.transpose() * &patches;
    let basis_gram = basis.transpose() * &basis;
    let base_activations = initial.hidden.transpose() * &patches;
    let basis_hidden = basis.transpose() * &initial.hidden;

    let mut work = Workspace::new(setting, data, initial);
    let mut network = initial.clone();
    let mut coefficients = DMatrix::zeros(neurons, samples + 1);
    let mut activations = DMatrix::zeros(neurons, samples + 1);
    let mut losses = Vec::with_capacity(setting.maximum_steps.max(setting.steps) + 1);
    let mut first_target_step = None;
    let mut step = 0;
    let training_errors = loop {
        activations.copy_from(&base_activations);
        activations.gemm(1.0, &coefficients, &cross, 1.0);
        for r in 0..neurons {
            work.signal_activations[r] = activations[(r, 0)];
            for i in 0..samples {
                work.noise_activations[(i, r)] = activations[(r, i + 1)];
            }
        }
        let (loss, errors) = score(&network, data, &mut work);
        if !loss.is_finite() || network.output.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "gradient descent diverged at step {step}: loss {loss}"
            )));
        }
        losses.push(loss);
        if first_target_step.is_none() && loss <= setting.loss_target {
            first_target_step = Some(step);
        }
        if step >= setting.maximum_steps || (step >= setting.steps && loss <= setting.loss_target) {
            break errors;
        }
        direction_coefficients(&network, data, &mut work);
        step_output(setting, &network, &mut work);
        for r in 0..neurons {
            let step_size = eta * work.used_output[r];
            coefficients[(r, 0)] += step_size * work.signal_coefficient[r] * signal_squared;
            for i in 0..samples {
                coefficients[(r, i + 1)] +=
                    step_size * work.coefficients[(i, r)] * noise_squared[i];
            }
            if setting.bias {
                network.bias[r] += step_size * work.bias_coefficient[r];
            }
        }
        network.output.copy_from_slice(&work.new_output);
        step += 1;
    };

    // WᵀW = W₀ᵀW₀ + W₀ᵀU Cᵀ + C UᵀW₀ + C UᵀU Cᵀ and w_r[1] = W₀[1, r] + Σ_k C_{r,k} u_k[1].
    let shift_gram = &coefficients * &basis_gram * coefficients.transpose();
    let mixed = &coefficients * &basis_hidden;
    let gram =
        initial.hidden.transpose() * &initial.hidden + &mixed + mixed.transpose() + &shift_gram;
    let first: Vec<f64> = (0..neurons)
        .map(|r| {
            initial.hidden[(0, r)]
                + (0..=samples)
                    .map(|k| coefficients[(r, k)] * basis[(0, k)])
                    .sum::<f64>()
        })
        .collect();
    let test_final = (setting.test_samples > 0)
        .then(|| evaluate_test_from_gram(&network, &gram, &first, setting, &mut test_stream));
    Ok(CoefficientRun {
        losses,
        steps_taken: step,
        first_target_step,
        training_errors,
        initial_output: initial.output.clone(),
        last: network,
        hidden_shifts: (0..neurons)
            .map(|r| shift_gram[(r, r)].max(0.0).sqrt())
            .collect(),
        coefficients,
        test_final,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::random_stream;
    use crate::theorems::cnn_benign::engine::{RunOptions, train};
    use crate::theorems::cnn_benign::setting::{HiddenInitLaw, NoiseLaw, OutputLayer};
    use crate::theorems::cnn_benign::tests::small_setting;

    #[test]
    fn coefficient_and_explicit_engines_agree() {
        for variant in 0..3 {
            let mut setting = small_setting();
            setting.steps = 80;
            setting.maximum_steps = 80;
            match variant {
                1 => {
                    setting.noise = NoiseLaw::Iid;
                    setting.bias = true;
                    setting.hidden_init_law = HiddenInitLaw::Uniform;
                    setting.output_layer = OutputLayer::Fixed;
                    setting.fixed_output_weight = 0.5;
                }
                2 => setting.signal_norm = 0.0,
                _ => {}
            }
            let data = Dataset::draw(&setting, &mut random_stream(&["agree"], variant));
            let initial =
                Network::initialize(&setting, &mut random_stream(&["agree-init"], variant));
            let explicit = train(
                &setting,
                data.clone(),
                initial.clone(),
                RunOptions {
                    diagnostics: false,
                    record_shifts: false,
                },
                random_stream(&["agree-test"], variant),
            )
            .unwrap();
            let coefficient = train_coefficients(
                &setting,
                &data,
                &initial,
                random_stream(&["agree-test"], variant),
            )
            .unwrap();
            assert_eq!(explicit.steps_taken, coefficient.steps_taken);
            for (a, b) in explicit.losses.iter().zip(&coefficient.losses) {
                assert!(
                    (a - b).abs() <= 1e-10 * a.abs().max(1e-3),
                    "variant {variant}: {a} vs {b}"
                );
            }
            for (a, b) in explicit.last.output.iter().zip(&coefficient.last.output) {
                assert!((a - b).abs() <= 1e-10 * a.abs(), "variant {variant}");
            }
            let (a, b) = (
                explicit.test_final.unwrap(),
                coefficient.test_final.unwrap(),
            );
            assert!(
                a.errors.abs_diff(b.errors) <= 1 && a.total == b.total,
                "{a:?} {b:?}"
            );
        }
    }
}
