//! Two-step GD runs and min-norm solutions in f64, their test draws, and the per-sample
//! and per-class summaries the phase claims read. Runs are shared between claims through
//! [`memo`]: a run is keyed by its configuration, so every claim sees the same draw.

use std::sync::Arc;

use super::data::{self, Dataset, class_index};
use super::min_norm::{self, MinNormSolution};
use super::model::{
    self, Tokens, Trajectory, attends_signal, limit_prediction, output_and_weight, predict,
};
use super::setting::{Setting, Simulator};
use crate::error::Error;
use crate::exact::format_rational;
use crate::suite::memo;

/// A training set and the two GD steps on it.
#[derive(Clone, Debug)]
pub struct GradientRun {
    /// The data.
    pub dataset: Arc<Dataset>,
    /// Iterates and models after 0, 1, 2 steps.
    pub trajectory: Trajectory<f64>,
}

/// The training set of (setting, simulator, seed). SIM-G sets (n(T − 1) + 2
/// coordinates) are shared between claims; SIM-D sets (d coordinates, up to gigabytes)
/// are drawn afresh each time, which gives the same data since the draw is seeded.
///
/// # Errors
/// A failed draw.
pub fn dataset(setting: &Setting, simulator: Simulator, seed: u64) -> Result<Arc<Dataset>, Error> {
    if simulator == Simulator::Explicit {
        return data::draw(setting, simulator, seed).map(Arc::new);
    }
    let key = format!(
        "attention dataset {}|rho={}|seed={seed}",
        setting.data_key(simulator),
        setting.signal_norm
    );
    memo::shared(&key, || data::draw(setting, simulator, seed))
}

fn tokens_of(dataset: &Dataset) -> Tokens<'_, f64> {
    Tokens::borrowed(
        &dataset.inputs,
        dataset.samples,
        dataset.tokens,
        dataset.coordinates,
        &dataset.labels,
    )
}

/// Two GD steps on a given training set, with non-finite values reported as errors.
///
/// # Errors
/// [`Error::Numerical`] when an iterate or output is not finite.
pub fn train(dataset: &Dataset, setting: &Setting) -> Result<Trajectory<f64>, Error> {
    let trajectory = model::two_steps(
        &tokens_of(dataset),
        &setting.first_step_size(),
        &setting.second_step_size(),
        0,
    )?;
    let finite = trajectory.iterates.iter().all(|weights| {
        weights
            .attention
            .iter()
            .chain(&weights.value)
            .all(|x| x.is_finite())
    }) && trajectory.forwards.iter().all(|model| {
        model
            .outputs
            .iter()
            .chain(&model.logits)
            .all(|x| x.is_finite())
    });
    if finite {
        Ok(trajectory)
    } else {
        Err(Error::Numerical(format!(
            "two-step GD produced a non-finite value (b₀ = {}, b₁ = {}, n = {}, d = {})",
            format_rational(&setting.first_step_scale),
            format_rational(&setting.second_step_scale),
            setting.samples,
            setting.dimension
        )))
    }
}

/// The GD run of (setting, simulator, seed), shared for SIM-G (see [`dataset`]).
///
/// # Errors
/// A failed draw or a non-finite iterate.
pub fn gradient_run(
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
) -> Result<Arc<GradientRun>, Error> {
    if simulator == Simulator::Explicit {
        let dataset = dataset(setting, simulator, seed)?;
        let trajectory = train(&dataset, setting)?;
        return Ok(Arc::new(GradientRun {
            dataset,
            trajectory,
        }));
    }
    let key = format!(
        "attention gd {}|rho={}|b0={}|b1={}|seed={seed}",
        setting.data_key(simulator),
        setting.signal_norm,
        format_rational(&setting.first_step_scale),
        format_rational(&setting.second_step_scale)
    );
    memo::shared(&key, || {
        let dataset = dataset(setting, simulator, seed)?;
        let trajectory = train(&dataset, setting)?;
        Ok(GradientRun {
            dataset,
            trajectory,
        })
    })
}

/// What a trained model does on one training sample.
#[derive(Clone, Copy, Debug)]
pub struct SampleOutcome {
    /// Flipped (ε = −1).
    pub flipped: bool,
    /// Clean class index.
    pub class: usize,
    /// Fit after step one: y f⁽¹⁾ > 0 under the tie-break.
    pub fit_after_first: bool,
    /// Fit after step two.
    pub fit_after_second: bool,
    /// The signal logit is the largest after step two.
    pub attends_signal: bool,
    /// The softmax weight on the signal token after step two.
    pub signal_weight: f64,
}

/// Per-sample outcomes of a GD run.
pub fn training_outcomes(run: &GradientRun) -> Vec<SampleOutcome> {
    let dataset = &run.dataset;
    let tokens = dataset.tokens;
    (0..dataset.samples)
        .map(|sample| {
            let after = |step: usize| {
                predict(run.trajectory.forwards[step].outputs[sample]) == dataset.labels[sample]
            };
            let model = &run.trajectory.forwards[2];
            let range = sample * tokens..(sample + 1) * tokens;
            let slot = dataset.signal_slots[sample];
            SampleOutcome {
                flipped: dataset.flipped(sample),
                class: class_index(dataset.clean_labels[sample]),
                fit_after_first: after(1),
                fit_after_second: after(2),
                attends_signal: attends_signal(&model.logits[range.clone()], slot),
                signal_weight: model.attention[range][slot],
            }
        })
        .collect()
}

/// Test outcomes of one clean class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassTest {
    /// Test inputs of the class.
    pub total: u64,
    /// Of them, attending the signal.
    pub attends_signal: u64,
    /// Predicted ≠ ỹ.
    pub clean_errors: u64,
    /// Predicted ≠ y.
    pub noisy_errors: u64,
}

/// Test outcomes by clean class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestTally {
    /// Index 0: class +1; 1: class −1.
    pub classes: [ClassTest; 2],
}

impl TestTally {
    /// All test inputs.
    pub fn total(&self) -> u64 {
        self.classes.iter().map(|class| class.total).sum()
    }

    /// Clean errors over both classes.
    pub fn clean_errors(&self) -> u64 {
        self.classes.iter().map(|class| class.clean_errors).sum()
    }

    /// Noisy-label errors over both classes.
    pub fn noisy_errors(&self) -> u64 {
        self.classes.iter().map(|class| class.noisy_errors).sum()
    }

    /// The sum of two tallies (pooling seeds).
    pub fn merged(&self, other: &TestTally) -> TestTally {
        let mut sum = *self;
        for (mine, theirs) in sum.classes.iter_mut().zip(&other.classes) {
            mine.total += theirs.total;
            mine.attends_signal += theirs.attends_signal;
            mine.clean_errors += theirs.clean_errors;
            mine.noisy_errors += theirs.noisy_errors;
        }
        sum
    }
}

/// How a predictor reads a test input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// f = Σ_t softmax(Xp)_t⟨x_t, v⟩ at the given p.
    Softmax,
    /// The limit R → ∞ of f(X; R p, v) (the p-free min-norm predictor).
    Limit,
}

/// Draws `count` test inputs and tallies what (p, v) does on them.
pub fn test_tally(
    dataset: &Dataset,
    setting: &Setting,
    attention: &[f64],
    value: &[f64],
    reading: Reading,
    count: usize,
    stream: &mut rand_chacha::ChaCha12Rng,
) -> TestTally {
    let mut tally = TestTally::default();
    let sampler = data::TestSampler::new(
        dataset,
        setting.flip_rate_f64(),
        setting.signal_position,
        attention,
        value,
    );
    for _ in 0..count {
        let input = sampler.draw(stream);
        let prediction = match reading {
            Reading::Softmax => {
                predict(output_and_weight(&input.logits, &input.values, input.signal_slot).0)
            }
            Reading::Limit => limit_prediction(&input.logits, &input.values),
        };
        let class = &mut tally.classes[class_index(input.clean_label)];
        class.total += 1;
        class.attends_signal += u64::from(attends_signal(&input.logits, input.signal_slot));
        class.clean_errors += u64::from(prediction != input.clean_label);
        class.noisy_errors += u64::from(prediction != input.label);
    }
    tally
}

/// The test tally of a GD run, shared (`count` draws from the run's test stream).
///
/// # Errors
/// A failed run.
pub fn gradient_test(
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
    count: usize,
) -> Result<Arc<TestTally>, Error> {
    test_of(
        &*gradient_run(setting, simulator, seed)?,
        setting,
        simulator,
        seed,
        count,
    )
}

/// The test tally of a given GD run of (setting, simulator, seed), shared.
///
/// # Errors
/// None beyond the memo's.
pub fn test_of(
    run: &GradientRun,
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
    count: usize,
) -> Result<Arc<TestTally>, Error> {
    let key = format!(
        "attention gd test {}|rho={}|b0={}|b1={}|seed={seed}|count={count}",
        setting.data_key(simulator),
        setting.signal_norm,
        format_rational(&setting.first_step_scale),
        format_rational(&setting.second_step_scale)
    );
    memo::shared(&key, || {
        let weights = &run.trajectory.iterates[2];
        let mut stream = data::test_stream(setting, simulator, seed);
        Ok(test_tally(
            &run.dataset,
            setting,
            &weights.attention,
            &weights.value,
            Reading::Softmax,
            count,
            &mut stream,
        ))
    })
}

/// The min-norm interpolator of (setting, simulator, seed) in f64, shared (T = 2).
///
/// # Errors
/// A failed draw or Gram solve.
pub fn min_norm_run(
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
) -> Result<Arc<(Arc<Dataset>, MinNormSolution)>, Error> {
    let key = format!(
        "attention mn {}|rho={}|seed={seed}",
        setting.data_key(simulator),
        setting.signal_norm
    );
    memo::shared(&key, || {
        let dataset = dataset(setting, simulator, seed)?;
        let solution = min_norm::solve_min_norm(&dataset)?;
        Ok((dataset, solution))
    })
}

/// The test tally of the min-norm interpolator (the p-free limit predictor), shared.
///
/// # Errors
/// A failed solve.
pub fn min_norm_test(
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
    count: usize,
) -> Result<Arc<TestTally>, Error> {
    let solved = min_norm_run(setting, simulator, seed)?;
    let key = format!(
        "attention mn test {}|rho={}|seed={seed}|count={count}",
        setting.data_key(simulator),
        setting.signal_norm
    );
    memo::shared(&key, || {
        let (dataset, solution) = &*solved;
        let mut stream = data::test_stream(setting, simulator, seed);
        Ok(test_tally(
            dataset,
            setting,
            &solution.attention,
            &solution.value,
            Reading::Limit,
            count,
            &mut stream,
        ))
    })
}

/// The test tally of the `balls` object: p = R·p_mm/‖p_mm‖ and v the SVM on the
/// attention-averaged tokens at that p, read at finite R.
///
/// # Errors
/// A failed solve, or an infeasible SVM at that p.
pub fn ball_test(
    setting: &Setting,
    simulator: Simulator,
    seed: u64,
    radius: f64,
    count: usize,
) -> Result<TestTally, Error> {
    let solved = min_norm_run(setting, simulator, seed)?;
    let (dataset, solution) = &*solved;
    let norm = solution.attention.iter().map(|x| x * x).sum::<f64>().sqrt();
    let attention: Vec<f64> = solution
        .attention
        .iter()
        .map(|x| x * radius / norm)
        .collect();
    let value = averaged_svm(dataset, &attention)?.1;
    let mut stream = data::test_stream(setting, simulator, seed);
    Ok(test_tally(
        dataset,
        setting,
        &attention,
        &value,
        Reading::Softmax,
        count,
        &mut stream,
    ))
}

/// min ‖v‖² subject to y_i⟨X_iᵀs_i(p), v⟩ ≥ 1, the SVM on attention-averaged tokens at a
/// fixed p (f64 active set), with its solution v.
///
/// # Errors
/// A failed Gram solve.
pub fn averaged_svm(dataset: &Dataset, attention: &[f64]) -> Result<(f64, Vec<f64>), Error> {
    let averaged = averaged_tokens(dataset, attention);
    let dual = min_norm::solve_dual(&min_norm::gram_of(&averaged))?;
    let mut value = vec![0.0; dataset.coordinates];
    for (vector, multiplier) in averaged.iter().zip(&dual.multipliers) {
        for (entry, coordinate) in value.iter_mut().zip(vector) {
            *entry += multiplier * coordinate;
        }
    }
    Ok((dual.cost, value))
}

/// y_i X_iᵀ s_i(p) for every training input.
pub fn averaged_tokens(dataset: &Dataset, attention: &[f64]) -> Vec<Vec<f64>> {
    (0..dataset.samples)
        .map(|sample| {
            let logits: Vec<f64> = (0..dataset.tokens)
                .map(|slot| {
                    dataset
                        .token(sample, slot)
                        .iter()
                        .zip(attention)
                        .map(|(x, p)| x * p)
                        .sum()
                })
                .collect();
            let mut weights = logits.clone();
            crate::sim::softmax_in_place(&mut weights);
            let label = f64::from(dataset.labels[sample]);
            let mut averaged = vec![0.0; dataset.coordinates];
            for (slot, weight) in weights.iter().enumerate() {
                for (entry, coordinate) in averaged.iter_mut().zip(dataset.token(sample, slot)) {
                    *entry += label * weight * coordinate;
                }
            }
            averaged
        })
        .collect()
}

/// The seeds of a case, 0–2 when it names none (the spec's default).
pub fn case_seeds(seeds: &[u64]) -> Vec<u64> {
    if seeds.is_empty() {
        vec![0, 1, 2]
    } else {
        seeds.to_vec()
    }
}
