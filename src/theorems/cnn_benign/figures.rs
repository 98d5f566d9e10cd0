//! Figures of the cnn-benign suite: the collapse of test error onto S, the
//! hidden-to-output ratio over training for several output scales, and the Kou-protocol
//! heatmap with its fitted boundary.

use std::collections::BTreeMap;

use super::PARAMETERS;
use super::claims_threshold::best_constants;
use super::engine::{RunOptions as EngineOptions, TestOutcome};
use super::runs::{self, RunSpec};
use super::setting::{OutputLayer, Setting};
use crate::error::Error;
use crate::report::figure::{Corner, Figure, Heatmap, Scale, Series, Style};
use crate::suite::{Parameters, Suite, Tier};

/// Setting Q of ACCEPTANCE §4 (the parameter defaults).
fn setting_q() -> Result<Setting, Error> {
    Setting::from_parameters(&Parameters::new(BTreeMap::new(), PARAMETERS))
}

/// e = p + (1 − 2p)q̂, the estimator of CNN-8.
fn error(flip_rate: f64, test: &TestOutcome) -> f64 {
    flip_rate + (1.0 - 2.0 * flip_rate) * test.clean_errors as f64 / test.total as f64
}

/// Test error against S = n‖μ‖⁴/(σ_p⁴d) for several (n, d) at setting Q with v₀ = 0.1:
/// the curves fall on one another when the error depends on S alone (CNN-19).
pub fn collapse(tier: Tier) -> Result<Figure, Error> {
    let mut base = setting_q()?;
    base.output_layer = OutputLayer::Trainable;
    base.output_init = 0.1;
    let slices: &[(usize, usize)] = match tier {
        Tier::Quick => &[(20, 250), (20, 500), (40, 1000)],
        Tier::Full => &[(20, 250), (20, 500), (40, 1000), (40, 2000), (80, 4000)],
    };
    let statistics: Vec<f64> = (0..=12)
        .map(|k| 10f64.powf(-2.0 + f64::from(k) / 3.0))
        .collect();
    let mut specs = Vec::new();
    for &(samples, dimension) in slices {
        for &statistic in &statistics {
            let mut setting = base.clone();
            setting.samples = samples;
            setting.dimension = dimension;
            setting.signal_norm =
                (statistic * base.noise_std.powi(4) * dimension as f64 / samples as f64).powf(0.25);
            specs.push(RunSpec {
                label: String::new(),
                setting,
                seed: 0,
            });
        }
    }
    let summaries = runs::summaries(&specs)?;
    let mut series: Vec<Series> = slices
        .iter()
        .zip(summaries.chunks(statistics.len()))
        .map(|(&(samples, dimension), chunk)| Series {
            label: format!("n = {samples}, d = {dimension}"),
            points: statistics
                .iter()
                .zip(chunk)
                .filter_map(|(s, summary)| {
                    summary
                        .test_final
                        .as_ref()
                        .map(|test| (*s, error(base.flip_rate, test)))
                })
                .collect(),
            style: Style::Line,
        })
        .collect();
    series.push(Series {
        label: format!("Bayes error p = {}", base.flip_rate),
        points: vec![
            (statistics[0], base.flip_rate),
            (statistics[statistics.len() - 1], base.flip_rate),
        ],
        style: Style::Dashed,
    });
    Ok(Figure {
        name: "cnn_benign_collapse".into(),
        title: "CNN-19: test error against S = n‖μ‖⁴/(σ_p⁴d) for several (n, d)".into(),
        x_label: "threshold statistic S".into(),
        y_label: "test error p + (1 − 2p)·clean error".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Linear,
        series,
        heatmap: None,
        legend: Corner::UpperRight,
    })
}

/// The median over neurons of ‖Δw‖/|v| along training for several v₀ at setting Q
/// (CNN-10, CNN-12): small scales lock near 1, large ones stay far below it.
pub fn ratio_over_training() -> Result<Figure, Error> {
    let mut base = setting_q()?;
    base.output_layer = OutputLayer::Trainable;
    base.signal_norm = 1.0;
    let mut series = Vec::new();
    for output_init in [1.0, 0.3, 0.1, 0.01, 0.001] {
        let mut setting = base.clone();
        setting.output_init = output_init;
        let run = runs::simulate(
            &setting,
            0,
            EngineOptions {
                diagnostics: false,
                record_shifts: true,
            },
        )?;
        let points: Vec<(f64, f64)> = (1..=run.steps_taken)
            .step_by((run.steps_taken / 150).max(1))
            .map(|step| {
                let mut ratios: Vec<f64> = run
                    .shifts_at(step)
                    .iter()
                    .zip(run.outputs_at(step))
                    .map(|(shift, v)| shift / v.abs())
                    .collect();
                ratios.sort_by(f64::total_cmp);
                (step as f64, ratios[ratios.len() / 2])
            })
            .filter(|(_, ratio)| ratio.is_finite() && *ratio > 0.0)
            .collect();
        series.push(Series {
            label: format!("v₀ = {output_init}"),
            points,
            style: Style::Line,
        });
    }
    series.push(Series {
        label: "ratio 1 (small-scale lock)".into(),
        points: vec![(1.0, 1.0), (base.steps as f64, 1.0)],
        style: Style::Dashed,
    });
    Ok(Figure {
        name: "cnn_benign_ratio".into(),
        title: "CNN-10/CNN-12: hidden-to-output ratio over training for several output scales"
            .into(),
        x_label: "gradient-descent step t".into(),
        y_label: "median over neurons of ‖w_t − w_0‖/|v_t|".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        series,
        heatmap: None,
        legend: Corner::LowerRight,
    })
}

/// Test error of the Kou protocol over (‖μ‖, d), with the boundary ‖μ‖ = c(d/n)^{1/4}
/// of the best-fitting c (CNN-26), from the suite's CNN-26 case at the tier.
pub fn kou_heatmap(suite: &Suite, tier: Tier) -> Result<Option<Figure>, Error> {
    let Some(case) = suite
        .cases
        .iter()
        .find(|case| case.claim == "CNN-26" && case.tier.runs_at(tier))
    else {
        return Ok(None);
    };
    let base = Setting::from_parameters(&case.parameters)?;
    let signal_norms = case.parameters.numbers("signal_norms")?;
    let dimensions = case.parameters.numbers("dimensions")?;
    let seeds = runs::seeds(case);
    let mut specs = Vec::new();
    for &dimension in &dimensions {
        for &signal_norm in &signal_norms {
            for &seed in &seeds {
                let mut setting = base.clone();
                setting.dimension = dimension as usize;
                setting.signal_norm = signal_norm;
                specs.push(RunSpec {
                    label: String::new(),
                    setting,
                    seed,
                });
            }
        }
    }
    let summaries = runs::summaries(&specs)?;
    let pooled: Vec<TestOutcome> = summaries
        .chunks(seeds.len())
        .map(|chunk| {
            chunk
                .iter()
                .filter_map(|s| s.test_final)
                .fold(TestOutcome::default(), |total, test| total.pooled(&test))
        })
        .collect();
    let values: Vec<Vec<f64>> = pooled
        .chunks(signal_norms.len())
        .map(|row| {
            row.iter()
                .map(|test| test.errors as f64 / test.total.max(1) as f64)
                .collect()
        })
        .collect();
    let samples = base.samples as f64;
    let cells: Vec<(f64, bool)> = specs
        .chunks(seeds.len())
        .zip(&pooled)
        .map(|(chunk, test)| {
            let setting = &chunk[0].setting;
            (
                setting.signal_norm / (setting.dimension as f64 / samples).powf(0.25),
                (test.errors as f64 / test.total.max(1) as f64) > 0.2,
            )
        })
        .collect();
    let (intervals, _) = best_constants(&cells);
    let mut series = Vec::new();
    if let Some(&(low, high)) = intervals.first() {
        let constant = 0.5 * (low + high.min(low * 2.0));
        series.push(Series {
            label: format!("fitted boundary ‖μ‖ = {constant:.2}·(d/n)^(1/4)"),
            points: dimensions
                .iter()
                .map(|d| (constant * (d / samples).powf(0.25), *d))
                .collect(),
            style: Style::Dashed,
        });
    }
    Ok(Some(Figure {
        name: "cnn_benign_kou_heatmap".into(),
        title: format!(
            "CNN-26: Kou-protocol test error over (‖μ‖, d), {} repeat(s)",
            seeds.len()
        ),
        x_label: "signal norm ‖μ‖".into(),
        y_label: "dimension d".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series,
        heatmap: Some(Heatmap {
            x_values: signal_norms,
            y_values: dimensions,
            values,
            range: (0.0, 0.5),
            value_label: "test error".into(),
        }),
        legend: Corner::UpperLeft,
    }))
}
