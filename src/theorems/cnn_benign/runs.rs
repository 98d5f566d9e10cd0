//! Running simulations for claims: seeded streams, the grids a case asks for, the
//! step-size guard, and a cache so that claims sharing a run (CNN-2, 3, 7, 8 and 18 check
//! "all runs") compute it once.
//!
//! Streams are keyed by what a draw depends on, not by the claim: the training data by
//! (n, d, σ_p, p, ‖μ‖, noise law), the initialization by (d, m, σ₀, laws, bias), the
//! test draws like the data; each is numbered by the seed index. So two claims that ask
//! for the same run get the same numbers, and a sweep over v₀ or η keeps data and W⁽⁰⁾.

use std::sync::Arc;

use rayon::prelude::*;

use super::coefficients::{CoefficientRun, train_coefficients};
use super::data::{Dataset, Network};
use super::engine::{Run, RunOptions, TestOutcome, train};
use super::setting::{OutputLayer, Setting};
use super::theory::step_size_guard;
use crate::error::Error;
use crate::suite::{Case, memo, random_stream};

/// One run a claim asks for.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// A short description (regime, ‖μ‖, seed).
    pub label: String,
    /// The configuration.
    pub setting: Setting,
    /// The seed index.
    pub seed: u64,
}

/// Simulates one run without caching (grids whose runs are used once).
///
/// # Errors
/// Divergence or non-finite values.
pub fn simulate(setting: &Setting, seed: u64, options: RunOptions) -> Result<Run, Error> {
    let mut data_stream = random_stream(&["cnn-benign", "data", &setting.data_key()], seed);
    let data = Dataset::draw(setting, &mut data_stream);
    let mut init_stream = random_stream(&["cnn-benign", "init", &setting.init_key()], seed);
    let initial = Network::initialize(setting, &mut init_stream);
    let test_stream = random_stream(&["cnn-benign", "test", &setting.data_key()], seed);
    let mut run = train(setting, data, initial, options, test_stream)?;
    run.seed = seed;
    Ok(run)
}

/// The full-diagnostics run of a setting and seed, computed once per process (through
/// [`crate::suite::memo`], so claims running in parallel wait for one computation).
///
/// # Errors
/// As [`simulate`].
pub fn cached(setting: &Setting, seed: u64) -> Result<Arc<Run>, Error> {
    let key = format!("cnn-benign run {} seed={seed}", setting.run_key());
    memo::shared(&key, || {
        simulate(
            setting,
            seed,
            RunOptions {
                diagnostics: true,
                record_shifts: true,
            },
        )
    })
}

/// Many cached runs, in parallel, in the order given.
///
/// # Errors
/// The first failing run.
pub fn fetch(specs: &[RunSpec]) -> Result<Vec<Arc<Run>>, Error> {
    specs
        .par_iter()
        .map(|spec| cached(&spec.setting, spec.seed))
        .collect()
}

/// The run grid of a case: its base setting at every `output_inits` × `signal_norms`
/// (plus the fixed-output baseline when `with_fixed_output`), for every seed.
///
/// # Errors
/// A parameter of the wrong kind.
pub fn grid(case: &Case) -> Result<Vec<RunSpec>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let output_inits = case.parameters.numbers("output_inits")?;
    let signal_norms = case.parameters.numbers("signal_norms")?;
    let with_fixed = case.parameters.flag("with_fixed_output")?;
    let seeds = seeds(case);
    let mut specs = Vec::new();
    for &signal_norm in &signal_norms {
        let mut regimes: Vec<(String, Setting)> = output_inits
            .iter()
            .map(|&output_init| {
                let mut setting = base.clone();
                setting.output_layer = OutputLayer::Trainable;
                setting.output_init = output_init;
                setting.signal_norm = signal_norm;
                (format!("v₀ = {output_init}"), setting)
            })
            .collect();
        if with_fixed {
            let mut setting = base.clone();
            setting.output_layer = OutputLayer::Fixed;
            setting.signal_norm = signal_norm;
            regimes.push((format!("fixed κv = {}", base.fixed_output_weight), setting));
        }
        for (name, setting) in regimes {
            for &seed in &seeds {
                specs.push(RunSpec {
                    label: format!("{name}, ‖μ‖ = {signal_norm}, seed {seed}"),
                    setting: setting.clone(),
                    seed,
                });
            }
        }
    }
    Ok(specs)
}

/// The case's seeds, seed 0 when it names none.
pub fn seeds(case: &Case) -> Vec<u64> {
    if case.seeds.is_empty() {
        vec![0]
    } else {
        case.seeds.clone()
    }
}

/// The assumption a run breaks, if any: the step-size guard of §7.6 (claims CNN-9 …
/// CNN-17), G = ηκ²v_max²σ_p²d/(4n) ≤ 1/2 and η‖φ⁽⁰⁾‖ ≤ 1/4.
pub fn guard_violation(setting: &Setting) -> Option<String> {
    let output_weight = match setting.output_layer {
        OutputLayer::Trainable => setting.output_init,
        OutputLayer::Fixed => setting.fixed_output_weight / setting.kappa(),
    };
    let (guard, direction) = step_size_guard(setting, output_weight);
    if guard > 0.5 {
        Some(format!(
            "step-size guard of spec §7.6 broken: G = ηκ²v_max²σ_p²d/(4n) = {guard:.3} > 1/2"
        ))
    } else if direction > 0.25 {
        Some(format!(
            "step-size guard of spec §7.6 broken: η‖φ⁽⁰⁾‖ = {direction:.3} > 1/4"
        ))
    } else {
        None
    }
}

/// Runs grouped by everything but the seed, in grid order.
pub fn groups(specs: &[RunSpec], runs: &[Arc<Run>]) -> Vec<(String, Vec<Arc<Run>>)> {
    let mut groups: Vec<(String, Vec<Arc<Run>>)> = Vec::new();
    for (spec, run) in specs.iter().zip(runs) {
        let name = spec
            .label
            .rsplit_once(", seed")
            .map_or(spec.label.as_str(), |(head, _)| head)
            .to_string();
        match groups.iter_mut().find(|(key, _)| *key == name) {
            Some((_, members)) => members.push(run.clone()),
            None => groups.push((name, vec![run.clone()])),
        }
    }
    groups
}

/// The numbers the grid claims need from one run, so that large grids need not keep
/// whole runs in memory.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// L at the last state.
    pub final_loss: f64,
    /// Whether L ≤ ε was reached.
    pub reached_target: bool,
    /// Misclassified training samples at the end.
    pub training_errors: usize,
    /// Test counts at the end.
    pub test_final: Option<TestOutcome>,
    /// mean_{j,r} |v_T|.
    pub mean_absolute_output: f64,
    /// median_{j,r} ‖Δw‖/|v_T|.
    pub median_shift_ratio: f64,
    /// Mean γ over neurons.
    pub mean_signal_coefficient: f64,
    /// Mean ρ over memorizing pairs (y_i = j, ρ > 0).
    pub mean_memorizing_coefficient: f64,
}

/// Simulates one run in coefficient space (see [`super::coefficients`]), with the same
/// streams as [`simulate`].
///
/// # Errors
/// Divergence or non-finite values.
pub fn simulate_coefficients(setting: &Setting, seed: u64) -> Result<CoefficientRun, Error> {
    let mut data_stream = random_stream(&["cnn-benign", "data", &setting.data_key()], seed);
    let data = Dataset::draw(setting, &mut data_stream);
    let mut init_stream = random_stream(&["cnn-benign", "init", &setting.init_key()], seed);
    let initial = Network::initialize(setting, &mut init_stream);
    let test_stream = random_stream(&["cnn-benign", "test", &setting.data_key()], seed);
    train_coefficients(setting, &data, &initial, test_stream)
}

/// Summarizes a coefficient-space run (see [`RunSummary`]); `labels` are the y_i.
pub fn summarize(run: &CoefficientRun, labels: &[f64]) -> RunSummary {
    let neurons = run.last.neurons();
    let outputs: Vec<f64> = run.last.output.iter().map(|v| v.abs()).collect();
    let ratios: Vec<f64> = (0..neurons)
        .map(|r| run.hidden_shifts[r] / outputs[r])
        .collect();
    let mut memorizing = Vec::new();
    let mut signal = 0.0;
    for r in 0..neurons {
        let sign = run.last.class_sign(r);
        signal += sign * run.coefficients[(r, 0)];
        for (i, label) in labels.iter().enumerate() {
            let rho = run.coefficients[(r, i + 1)];
            if *label == sign && rho > 0.0 {
                memorizing.push(rho);
            }
        }
    }
    RunSummary {
        final_loss: *run.losses.last().expect("at least one state"),
        reached_target: run.first_target_step.is_some(),
        training_errors: run.training_errors,
        test_final: run.test_final,
        mean_absolute_output: outputs.iter().sum::<f64>() / neurons as f64,
        median_shift_ratio: crate::exact::quantile(&ratios, 0.5),
        mean_signal_coefficient: signal / neurons as f64,
        mean_memorizing_coefficient: if memorizing.is_empty() {
            0.0
        } else {
            memorizing.iter().sum::<f64>() / memorizing.len() as f64
        },
    }
}

/// Summaries of many runs, simulated in parallel in coefficient space and not cached.
///
/// # Errors
/// The first failing run.
pub fn summaries(specs: &[RunSpec]) -> Result<Vec<RunSummary>, Error> {
    specs
        .par_iter()
        .map(|spec| {
            let mut data_stream =
                random_stream(&["cnn-benign", "data", &spec.setting.data_key()], spec.seed);
            let data = Dataset::draw(&spec.setting, &mut data_stream);
            let mut init_stream =
                random_stream(&["cnn-benign", "init", &spec.setting.init_key()], spec.seed);
            let initial = Network::initialize(&spec.setting, &mut init_stream);
            let test_stream =
                random_stream(&["cnn-benign", "test", &spec.setting.data_key()], spec.seed);
            train_coefficients(&spec.setting, &data, &initial, test_stream)
                .map(|run| summarize(&run, &data.labels))
        })
        .collect()
}
