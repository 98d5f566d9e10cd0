//! Claims ATT-20 … ATT-22: the (n, κ) phase diagram at fixed d for two-step GD and for
//! the min-norm interpolator: the stated windows with unspecified constants, checked as
//! existential claims, and the boundary's slope −1/2 of log ρ on log n. Also the figures
//! of the suite.

use std::sync::Arc;

use num_rational::BigRational;
use rayon::prelude::*;

use super::claim;
use super::claims_steps::broken;
use super::data::{self, Dataset};
use super::min_norm::{self, MinNormSolution};
use super::model::attends_signal;
use super::runs::{self, Reading, TestTally, case_seeds};
use super::setting::{Setting, Simulator};
use super::theory;
use crate::claim::rules::{self, Band, Measured};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Rule, TierRule, Value};
use crate::error::Error;
use crate::exact::{
    Bounds, clopper_pearson, clopper_pearson_lower, clopper_pearson_upper, format_rational,
    rational_from_f64_exact, to_f64,
};
use crate::report::figure::{Corner, Figure, Heatmap, Scale, Series, Style};
use crate::suite::{Case, Suite, Tier, memo};

pub(super) static CLAIMS: [ClaimInfo; 3] = [
    claim(
        "ATT-20",
        "two-step GD is benign inside a two-sided window",
        "Some admissible constants 0.5κ_min ≤ c₁ < c₂ ≤ 2κ_max with c₂ − c₁ ≥ 0.5 make every cell c₁ ≤ κ ≤ c₂ benign for every n: all training labels fit, clean samples attend their signal and flipped ones noise in every seed, and the clean test error's upper confidence bound is ≤ 0.05. This schedule predicts (c₁, c₂) = (κ_te, κ_fl).",
        &[ClaimKind::ExistentialConstants],
        &[Provenance::Stated],
        "SIM-G over the (n, κ) grid",
        "benign for c₁ ≤ κ = nρ²/d ≤ c₂  (SNR = Θ(1/√n))",
        TierRule::QuickReduced,
        &[
            "dimension",
            "dimension_ratio",
            "flip_rate",
            "class_counts",
            "flip_mode",
            "signal_position",
            "precision",
            "sample_sizes",
            "scaled_snr_grid",
            "test_samples",
            "tokens",
            "first_step_scale",
            "second_step_scale",
        ],
    ),
    claim(
        "ATT-21",
        "min-norm is benign above a threshold and harmful below",
        "Some admissible constants c < C (C ≤ κ_max − 0.5, c ≥ κ_min + 0.5) make every cell with κ ≥ C benign (clean test error's upper bound ≤ 0.05) and, for T = 2, every cell with κ ≤ c harmful (lower bound ≥ 0.4), for every n. κ* = 2/(1 − η) predicts both.",
        &[ClaimKind::ExistentialConstants],
        &[Provenance::Stated],
        "MN over the (n, κ) grid",
        "benign for κ ≥ C, harmful for κ ≤ c",
        TierRule::QuickReduced,
        &[
            "dimension",
            "dimension_ratio",
            "flip_rate",
            "class_counts",
            "flip_mode",
            "signal_position",
            "precision",
            "sample_sizes",
            "scaled_snr_grid",
            "test_samples",
            "min_norm_object",
            "attention_radius",
        ],
    ),
    claim(
        "ATT-22",
        "the boundary follows SNR ∝ 1/√n",
        "At fixed d the benign/harmful boundary (the err_cl = 1/4 crossing, bracketed by neighbouring cells whose confidence interval excludes 1/4) has log ρ falling with slope −1/2 in log n (the extreme least-squares slopes through the brackets lie inside −1/2 ± 0.15), for GD and for min-norm.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived, Provenance::Stated],
        "SIM-G and MN over the (n, κ) grid",
        "ρ_b² = κ_b d/n with κ_b independent of n  ⇒  d log ρ_b / d log n = −1/2",
        TierRule::QuickReduced,
        &[
            "dimension",
            "dimension_ratio",
            "flip_rate",
            "class_counts",
            "flip_mode",
            "signal_position",
            "precision",
            "sample_sizes",
            "scaled_snr_grid",
            "test_samples",
            "tokens",
            "first_step_scale",
            "second_step_scale",
            "min_norm_object",
            "attention_radius",
        ],
    ),
];

/// Checks one of ATT-20 … ATT-22; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "ATT-20" => gradient_window(case),
        "ATT-21" => min_norm_window(case),
        "ATT-22" => boundary_slope(case),
        _ => return None,
    })
}

/// Which predictor a diagram cell measures.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Predictor {
    /// Two-step GD.
    Gradient,
    /// The p-free min-norm interpolator.
    MinNorm,
    /// The min-norm pattern's direction at ‖p‖ = R.
    Ball(f64),
}

/// What one cell of the diagram measured, pooled over its seeds.
#[derive(Clone, Debug)]
pub(super) struct Cell {
    /// Every training label fit in every seed.
    pub all_fit: bool,
    /// Every clean training sample attends its signal and every flipped one noise, every seed.
    pub attention_as_benign: bool,
    /// Test outcomes pooled over the seeds.
    pub test: TestTally,
}

fn predictor_of(case: &Case) -> Result<Predictor, Error> {
    Ok(match case.parameters.text("min_norm_object")?.as_str() {
        "balls" => Predictor::Ball(case.parameters.number("attention_radius")?),
        _ => Predictor::MinNorm,
    })
}

/// The min-norm solution of a training set, with the κ-independent noise SVMs shared
/// across the cells of one draw.
fn min_norm_solution(
    setting: &Setting,
    dataset: &Dataset,
    seed: u64,
) -> Result<MinNormSolution, Error> {
    let key = format!(
        "attention mn noise parts {}|seed={seed}",
        setting.data_key(Simulator::Gram)
    );
    let parts = memo::shared(&key, || min_norm::noise_parts(dataset))?;
    min_norm::solve_min_norm_with(dataset, &parts)
}

/// One cell, computed from fresh draws (runs are not kept: a diagram has thousands).
fn cell(setting: &Setting, seeds: &[u64], predictor: Predictor) -> Result<Cell, Error> {
    let key = format!(
        "attention cell {:?}|{}|rho={}|b0={}|b1={}|seeds={seeds:?}|count={}",
        predictor,
        setting.data_key(Simulator::Gram),
        setting.signal_norm,
        format_rational(&setting.first_step_scale),
        format_rational(&setting.second_step_scale),
        setting.test_samples
    );
    let shared = memo::shared(&key, || {
        let mut cell = Cell {
            all_fit: true,
            attention_as_benign: true,
            test: TestTally::default(),
        };
        for &seed in seeds {
            let dataset = data::draw(setting, Simulator::Gram, seed)?;
            let mut stream = data::test_stream(setting, Simulator::Gram, seed);
            let tally = match predictor {
                Predictor::Gradient => {
                    let trajectory = runs::train(&dataset, setting)?;
                    let run = runs::GradientRun {
                        dataset: Arc::new(dataset),
                        trajectory,
                    };
                    for outcome in runs::training_outcomes(&run) {
                        cell.all_fit &= outcome.fit_after_second;
                        cell.attention_as_benign &= outcome.attends_signal != outcome.flipped;
                    }
                    let weights = &run.trajectory.iterates[2];
                    runs::test_tally(
                        &run.dataset,
                        setting,
                        &weights.attention,
                        &weights.value,
                        Reading::Softmax,
                        setting.test_samples,
                        &mut stream,
                    )
                }
                Predictor::MinNorm | Predictor::Ball(_) => {
                    let solution = min_norm_solution(setting, &dataset, seed)?;
                    let (attention, value, reading) = match predictor {
                        Predictor::Ball(radius) => {
                            let norm = solution.attention.iter().map(|x| x * x).sum::<f64>().sqrt();
                            let attention: Vec<f64> = solution
                                .attention
                                .iter()
                                .map(|x| x * radius / norm)
                                .collect();
                            let value = runs::averaged_svm(&dataset, &attention)?.1;
                            (attention, value, Reading::Softmax)
                        }
                        _ => (
                            solution.attention.clone(),
                            solution.value.clone(),
                            Reading::Limit,
                        ),
                    };
                    runs::test_tally(
                        &dataset,
                        setting,
                        &attention,
                        &value,
                        reading,
                        setting.test_samples,
                        &mut stream,
                    )
                }
            };
            cell.test = cell.test.merged(&tally);
        }
        Ok(cell)
    })?;
    Ok((*shared).clone())
}

/// The κ grid [low, high] with the given step.
fn kappa_grid(case: &Case) -> Result<Vec<BigRational>, Error> {
    let grid = case.parameters.rationals("scaled_snr_grid")?;
    let (low, high, step) = (&grid[0], &grid[1], &grid[2]);
    let mut values = Vec::new();
    let mut value = low.clone();
    while &value <= high {
        values.push(value.clone());
        value += step;
    }
    Ok(values)
}

/// The sample sizes, the κ grid and the cells of a diagram, cells in (n, κ) order.
type Diagram = (Vec<usize>, Vec<BigRational>, Vec<Cell>);

/// Every cell of a case's diagram, in (n, κ) order, computed in parallel.
fn diagram(case: &Case, predictor: Predictor) -> Result<Result<Diagram, Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let sizes: Vec<usize> = case
        .parameters
        .numbers("sample_sizes")?
        .into_iter()
        .map(|n| n as usize)
        .collect();
    let kappas = kappa_grid(case)?;
    let dimension_ratio = case.parameters.rational("dimension_ratio")?;
    for &samples in &sizes {
        let setting = base.resized(samples, base.dimension, base.tokens);
        if let Some(part) = broken(&setting) {
            return Ok(Err(part));
        }
        if let Some(reason) = setting.large_dimension_break(&dimension_ratio) {
            return Ok(Err(rules::out_of_scope("large dimension", reason)));
        }
    }
    if predictor != Predictor::Gradient && base.tokens != 2 {
        return Ok(Err(rules::out_of_scope(
            "min-norm diagram",
            "the min-norm patterns are derived for T = 2",
        )));
    }
    let seeds = case_seeds(&case.seeds);
    let jobs: Vec<Setting> = sizes
        .iter()
        .flat_map(|&samples| {
            let resized = base.resized(samples, base.dimension, base.tokens);
            kappas
                .iter()
                .map(move |kappa| resized.clone().with_scaled_snr(kappa))
        })
        .collect();
    let cells = jobs
        .par_iter()
        .map(|setting| cell(setting, &seeds, predictor))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ok((sizes, kappas, cells)))
}

/// A three-valued cell status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Certified on the wanted side.
    Yes,
    /// Certified on the other side.
    No,
    /// Neither.
    Undecided,
}

impl Status {
    /// The status over several n: Yes if all are, No if any is.
    fn joint(statuses: impl Iterator<Item = Status>) -> Status {
        let mut joint = Status::Yes;
        for status in statuses {
            match status {
                Status::No => return Status::No,
                Status::Undecided => joint = Status::Undecided,
                Status::Yes => {}
            }
        }
        joint
    }
}

/// Per-cell confidence with a Bonferroni split over the diagram's cells.
fn cell_confidence(confidence: f64, cells: usize) -> f64 {
    1.0 - (1.0 - confidence) / cells.max(1) as f64
}

fn gradient_status(cell: &Cell, confidence: f64) -> Status {
    let (errors, total) = (cell.test.clean_errors(), cell.test.total());
    if !cell.all_fit
        || !cell.attention_as_benign
        || clopper_pearson_lower(errors, total, confidence) > 0.05
    {
        Status::No
    } else if clopper_pearson_upper(errors, total, confidence) <= 0.05 {
        Status::Yes
    } else {
        Status::Undecided
    }
}

fn benign_status(cell: &Cell, confidence: f64) -> Status {
    let (errors, total) = (cell.test.clean_errors(), cell.test.total());
    if clopper_pearson_upper(errors, total, confidence) <= 0.05 {
        Status::Yes
    } else if clopper_pearson_lower(errors, total, confidence) > 0.05 {
        Status::No
    } else {
        Status::Undecided
    }
}

fn harmful_status(cell: &Cell, confidence: f64) -> Status {
    let (errors, total) = (cell.test.clean_errors(), cell.test.total());
    if clopper_pearson_lower(errors, total, confidence) >= 0.4 {
        Status::Yes
    } else if clopper_pearson_upper(errors, total, confidence) < 0.4 {
        Status::No
    } else {
        Status::Undecided
    }
}

/// The joint status of each κ over every n.
fn joint_statuses(
    sizes: usize,
    kappas: usize,
    cells: &[Cell],
    status: impl Fn(&Cell) -> Status,
) -> Vec<Status> {
    (0..kappas)
        .map(|k| Status::joint((0..sizes).map(|n| status(&cells[n * kappas + k]))))
        .collect()
}

/// Maximal runs of indices whose status passes `keep`, with room for a window of width
/// ≥ 0.5 strictly between the neighbouring grid points (or up to the box's closed ends).
fn windows(
    kappas: &[f64],
    statuses: &[Status],
    keep: impl Fn(Status) -> bool,
    box_low: f64,
    box_high: f64,
) -> Vec<(usize, usize, f64, f64)> {
    let mut found = Vec::new();
    let mut start = None;
    for index in 0..=statuses.len() {
        let kept = index < statuses.len() && keep(statuses[index]);
        match (kept, start) {
            (true, None) => start = Some(index),
            (false, Some(first)) => {
                let last = index - 1;
                let low = if first == 0 {
                    box_low
                } else {
                    kappas[first - 1]
                };
                let high = if index == statuses.len() {
                    box_high
                } else {
                    kappas[index]
                };
                let closed = first == 0 && index == statuses.len();
                let room = high - low;
                if room > 0.5 || (closed && room >= 0.5) {
                    found.push((first, last, low, high));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

fn gradient_window(case: &Case) -> Result<Vec<Part>, Error> {
    let (sizes, kappas, cells) = match diagram(case, Predictor::Gradient)? {
        Ok(diagram) => diagram,
        Err(part) => return Ok(vec![part]),
    };
    let confidence = cell_confidence(case.confidence, cells.len());
    let values: Vec<f64> = kappas.iter().map(to_f64).collect();
    let statuses = joint_statuses(sizes.len(), kappas.len(), &cells, |cell| {
        gradient_status(cell, confidence)
    });
    let (box_low, box_high) = (0.5 * values[0], 2.0 * values[values.len() - 1]);
    let certified = windows(&values, &statuses, |s| s == Status::Yes, box_low, box_high);
    let possible = windows(&values, &statuses, |s| s != Status::No, box_low, box_high);
    let base = Setting::from_parameters(&case.parameters)?;
    let row = theory::threshold_row(base.tokens, &base.flip_rate, base.precision)?;
    // A run of benign cells κ_a … κ_b between non-benign neighbours (or the box's ends)
    // admits every [c₁, c₂] strictly between the neighbours, at least 0.5 wide, that
    // covers one of its cells.
    let describe = |found: &[(usize, usize, f64, f64)]| {
        found
            .iter()
            .map(|(first, last, low, high)| {
                format!(
                    "{} < c₁ < c₂ < {}, c₂ − c₁ ≥ 0.5, covering a cell of {} … {}",
                    short(*low),
                    short(*high),
                    short(values[*first]),
                    short(values[*last])
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let decision = if !certified.is_empty() {
        Some(true)
    } else if possible.is_empty() {
        Some(false)
    } else {
        None
    };
    let benign_count = statuses.iter().filter(|s| **s == Status::Yes).count();
    let mut parts = vec![rules::decided(
        format!(
            "an admissible window [c₁, c₂] of only benign cells, n ∈ {{{}}}",
            join(&sizes)
        ),
        Rule::Existential,
        "some [c₁, c₂] ⊂ [0.5κ_min, 2κ_max], c₂ − c₁ ≥ 0.5",
        Value::label(if certified.is_empty() {
            "none certified".to_string()
        } else {
            describe(&certified)
        }),
        decision,
        format!(
            "{benign_count} of {} κ values benign for every n (Bonferroni over {} cells)",
            values.len(),
            cells.len()
        ),
    )];
    parts.push(rules::report(
        "predicted window of this schedule (κ_te, κ_fl)",
        Value::label(format!(
            "({}, {})",
            short(to_f64(&row.test)),
            short(row.flipped.to_f64())
        )),
        format!("κ_cl = {}", short(row.clean.to_f64())),
    ));
    for (index, &samples) in sizes.iter().enumerate() {
        let benign: Vec<f64> = (0..kappas.len())
            .filter(|k| {
                gradient_status(&cells[index * kappas.len() + k], confidence) == Status::Yes
            })
            .map(|k| values[k])
            .collect();
        parts.push(rules::report(
            format!("n = {samples}: benign cells"),
            Value::label(span(&benign)),
            format!("{} of {}", benign.len(), values.len()),
        ));
    }
    Ok(parts)
}

fn min_norm_window(case: &Case) -> Result<Vec<Part>, Error> {
    let predictor = predictor_of(case)?;
    let (sizes, kappas, cells) = match diagram(case, predictor)? {
        Ok(diagram) => diagram,
        Err(part) => return Ok(vec![part]),
    };
    let confidence = cell_confidence(case.confidence, cells.len());
    let values: Vec<f64> = kappas.iter().map(to_f64).collect();
    let benign = joint_statuses(sizes.len(), kappas.len(), &cells, |cell| {
        benign_status(cell, confidence)
    });
    let harmful = joint_statuses(sizes.len(), kappas.len(), &cells, |cell| {
        harmful_status(cell, confidence)
    });
    let (low, high) = (values[0], values[values.len() - 1]);
    // The easiest admissible pair takes the fewest cells: C = κ_max − 0.5, c = κ_min + 0.5.
    let (upper_constant, lower_constant) = (high - 0.5, low + 0.5);
    if lower_constant >= upper_constant {
        return Ok(vec![rules::out_of_scope(
            "admissible box",
            "the κ grid is too short for c < C",
        )]);
    }
    let benign_side: Vec<Status> = (0..values.len())
        .filter(|k| values[*k] >= upper_constant)
        .map(|k| benign[k])
        .collect();
    let harmful_side: Vec<Status> = (0..values.len())
        .filter(|k| values[*k] <= lower_constant)
        .map(|k| harmful[k])
        .collect();
    let all = benign_side.iter().chain(&harmful_side);
    let decision = if all.clone().all(|s| *s == Status::Yes) {
        Some(true)
    } else if all.clone().any(|s| *s == Status::No) {
        Some(false)
    } else {
        None
    };
    // The feasible constants: C above the last non-benign cell, c below the first non-harmful.
    let last_not_benign = (0..values.len()).rev().find(|k| benign[*k] != Status::Yes);
    let first_not_harmful = (0..values.len()).find(|k| harmful[*k] != Status::Yes);
    let smallest_upper = last_not_benign.map_or(0.5 * low, |k| values[k]);
    let largest_lower = first_not_harmful.map_or(2.0 * high, |k| values[k]);
    let base = Setting::from_parameters(&case.parameters)?;
    let predicted = theory::threshold_row(2, &base.flip_rate, base.precision)?.min_norm;
    Ok(vec![
        rules::decided(
            format!(
                "admissible (c, C): κ ≥ C benign and κ ≤ c harmful, n ∈ {{{}}}",
                join(&sizes)
            ),
            Rule::Existential,
            "some c < C, c ≥ κ_min + 0.5, C ≤ κ_max − 0.5",
            Value::label(format!(
                "C ∈ {}, c ∈ {}",
                if smallest_upper < upper_constant {
                    format!("({}, {}]", short(smallest_upper), short(upper_constant))
                } else {
                    "none".to_string()
                },
                if lower_constant < largest_lower {
                    format!("[{}, {})", short(lower_constant), short(largest_lower))
                } else {
                    "none".to_string()
                }
            )),
            decision,
            format!(
                "Bonferroni over {} cells; feasible ranges as shown when non-empty",
                cells.len()
            ),
        ),
        rules::report(
            "predicted threshold κ* = 2/(1 − η)",
            Value::Exact(predicted),
            "both C and c are predicted at κ*",
        ),
    ])
}

fn boundary_slope(case: &Case) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    let base = Setting::from_parameters(&case.parameters)?;
    let mut predictors = vec![("two-step GD", Predictor::Gradient)];
    if base.tokens == 2 {
        predictors.push(("min-norm", predictor_of(case)?));
    }
    for (name, predictor) in predictors {
        let (sizes, kappas, cells) = match diagram(case, predictor)? {
            Ok(diagram) => diagram,
            Err(part) => return Ok(vec![part]),
        };
        let confidence = cell_confidence(case.confidence, cells.len());
        let values: Vec<f64> = kappas.iter().map(to_f64).collect();
        let mut log_sizes = Vec::new();
        let mut brackets = Vec::new();
        let mut missing = Vec::new();
        for (index, &samples) in sizes.iter().enumerate() {
            let row = &cells[index * kappas.len()..(index + 1) * kappas.len()];
            let intervals: Vec<Bounds> = row
                .iter()
                .map(|cell| {
                    clopper_pearson(cell.test.clean_errors(), cell.test.total(), confidence)
                })
                .collect();
            let below = (0..row.len()).rev().find(|k| intervals[*k].lower > 0.25);
            let above =
                below.and_then(|low| (low + 1..row.len()).find(|k| intervals[*k].upper < 0.25));
            // One crossing: no cell below the bracket is already certainly below 1/4.
            let unique = below.is_some_and(|low| (0..low).all(|k| intervals[k].upper >= 0.25));
            match (below, above) {
                (Some(low), Some(high)) if unique => {
                    let dimension = base.dimension as f64;
                    let log_rho = |kappa: f64| 0.5 * (kappa * dimension / samples as f64).ln();
                    log_sizes.push((samples as f64).ln());
                    brackets.push((
                        log_rho(values[low]),
                        log_rho(values[high]),
                        values[low],
                        values[high],
                    ));
                }
                _ => missing.push(samples),
            }
        }
        if !missing.is_empty() || brackets.len() < 2 {
            parts.push(rules::decided(
                format!("{name}: slope of log ρ_b on log n"),
                Rule::Equivalence,
                "−1/2 ± 0.15",
                Value::label(format!("no single bracketed crossing at n = {missing:?}")),
                None,
                "the κ grid does not bracket one err_cl = 1/4 crossing for every n (none, or the curve crosses more than once)",
            ));
            continue;
        }
        let middles: Vec<(f64, f64)> = log_sizes
            .iter()
            .zip(&brackets)
            .map(|(x, (a, b, ..))| (*x, 0.5 * (a + b)))
            .collect();
        let slope = crate::exact::least_squares_slope(&middles);
        let ranges: Vec<(f64, f64)> = brackets.iter().map(|(a, b, ..)| (*a, *b)).collect();
        let slopes = crate::exact::extreme_least_squares_slopes(&log_sizes, &ranges);
        parts.push(rules::equivalence(
            format!(
                "{name}: slope of log ρ_b on log n (κ_b brackets {})",
                brackets
                    .iter()
                    .map(|(_, _, a, b)| format!("[{}, {}]", short(*a), short(*b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &Band::absolute(-0.5, 0.15),
            &Measured::new(slope, slopes).with_sample_size(sizes.len() as u64),
        ));
    }
    Ok(parts)
}

fn short(value: f64) -> String {
    crate::claim::format_significant(value, 4)
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn span(values: &[f64]) -> String {
    match (values.first(), values.last()) {
        (Some(first), Some(last)) => format!("{} … {}", short(*first), short(*last)),
        _ => "none".into(),
    }
}

/// The suite's figures: the (n, SNR) phase diagrams of GD and min-norm with their
/// predicted boundaries, and the signal attention of clean and flipped samples over κ.
pub(super) fn figures(suite: &Suite, tier: Tier) -> Result<Vec<Figure>, Error> {
    // The boundary-slope case spans the most sample sizes at one d.
    let Some(case) = suite
        .cases
        .iter()
        .find(|case| case.claim == "ATT-22" && case.tier.runs_at(tier))
        .or_else(|| {
            suite
                .cases
                .iter()
                .find(|case| case.claim == "ATT-20" && case.tier.runs_at(tier))
        })
    else {
        return Ok(Vec::new());
    };
    let base = Setting::from_parameters(&case.parameters)?;
    let sizes: Vec<usize> = case
        .parameters
        .numbers("sample_sizes")?
        .into_iter()
        .map(|n| n as usize)
        .collect();
    let seeds = case_seeds(&case.seeds);
    let dimension = base.dimension as f64;
    let (smallest, largest) = (
        *sizes.iter().min().unwrap_or(&20) as f64,
        *sizes.iter().max().unwrap_or(&40) as f64,
    );
    // A geometric SNR grid covering κ from 0.5 at the largest n to 12 at the smallest.
    let (low, high) = ((0.5 / largest).sqrt(), (12.0 / smallest).sqrt());
    let steps = 24;
    let snrs: Vec<f64> = (0..=steps)
        .map(|k| low * (high / low).powf(k as f64 / steps as f64))
        .collect();
    let row = theory::threshold_row(base.tokens, &base.flip_rate, base.precision)?;
    let mut drawn = Vec::new();
    for (name, predictor, boundaries) in [
        (
            "two-step GD",
            Predictor::Gradient,
            vec![("κ_te", to_f64(&row.test)), ("κ_fl", row.flipped.to_f64())],
        ),
        (
            "min-norm",
            Predictor::MinNorm,
            vec![("κ*", to_f64(&row.min_norm))],
        ),
    ] {
        if predictor != Predictor::Gradient && base.tokens != 2 {
            continue;
        }
        let jobs: Vec<Setting> = snrs
            .iter()
            .flat_map(|snr| {
                let base = &base;
                sizes.iter().map(move |&samples| {
                    let resized = base.resized(samples, base.dimension, base.tokens);
                    let kappa =
                        rational_from_f64_exact(samples as f64 * snr * snr).expect("finite κ");
                    resized.with_scaled_snr(&kappa)
                })
            })
            .collect();
        let cells = jobs
            .par_iter()
            .map(|setting| cell(setting, &seeds, predictor))
            .collect::<Result<Vec<_>, _>>()?;
        let values: Vec<Vec<f64>> = cells
            .chunks(sizes.len())
            .map(|row| {
                row.iter()
                    .map(|cell| cell.test.clean_errors() as f64 / cell.test.total().max(1) as f64)
                    .collect()
            })
            .collect();
        let mut series: Vec<Series> = boundaries
            .iter()
            .map(|(label, kappa)| Series {
                label: format!(
                    "predicted boundary {label} = {}: SNR = √({label}/n)",
                    short(*kappa)
                ),
                points: sizes
                    .iter()
                    .map(|&n| (n as f64, (kappa / n as f64).sqrt()))
                    .collect(),
                style: Style::Dashed,
            })
            .collect();
        let misfit: Vec<(f64, f64)> = cells
            .chunks(sizes.len())
            .zip(&snrs)
            .flat_map(|(row, snr)| {
                row.iter()
                    .zip(&sizes)
                    .filter(|(cell, _)| !cell.all_fit)
                    .map(move |(_, &n)| (n as f64, *snr))
            })
            .collect();
        if !misfit.is_empty() {
            series.push(Series {
                label: "cells with a misfit training label (flipped samples attend the signal)"
                    .into(),
                points: misfit,
                style: Style::Points,
            });
        }
        let claim = if predictor == Predictor::Gradient {
            "ATT-20/22"
        } else {
            "ATT-21/22"
        };
        drawn.push(Figure {
            name: format!(
                "attention_benign_phase_{}",
                if predictor == Predictor::Gradient {
                    "gradient_descent"
                } else {
                    "min_norm"
                }
            ),
            title: format!(
                "{claim}: clean test error of {name} over (n, SNR), d = {}",
                base.dimension
            ),
            x_label: "training samples n".into(),
            y_label: format!("SNR = ρ/√d (d = {dimension})"),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            series,
            heatmap: Some(Heatmap {
                x_values: sizes.iter().map(|n| *n as f64).collect(),
                y_values: snrs.clone(),
                values,
                range: (0.0, 0.5),
                value_label: "clean test error".into(),
            }),
            legend: Corner::LowerLeft,
        });
    }
    drawn.push(signal_attention(&base, &seeds)?);
    Ok(drawn)
}

/// Mean softmax weight on the signal token of clean and flipped training samples, and the
/// share of test samples attending their signal, after two GD steps over κ (ATT-9, ATT-11).
fn signal_attention(base: &Setting, seeds: &[u64]) -> Result<Figure, Error> {
    let samples = base.samples.min(40);
    let setting = base.resized(
        samples,
        base.dimension.max(25 * samples * samples),
        base.tokens,
    );
    let kappas: Vec<f64> = (1..=48).map(|k| 0.25 * k as f64).collect();
    let curves = kappas
        .par_iter()
        .map(|&kappa| -> Result<(f64, f64, f64), Error> {
            let at = setting
                .clone()
                .with_scaled_snr(&rational_from_f64_exact(kappa).expect("finite κ"));
            let (mut clean, mut flipped, mut test) = ((0.0, 0usize), (0.0, 0usize), (0u64, 0u64));
            for &seed in seeds {
                let run = runs::gradient_run(&at, Simulator::Gram, seed)?;
                for outcome in runs::training_outcomes(&run) {
                    let slot = if outcome.flipped {
                        &mut flipped
                    } else {
                        &mut clean
                    };
                    slot.0 += outcome.signal_weight;
                    slot.1 += 1;
                }
                let weights = &run.trajectory.iterates[2];
                let mut stream = data::test_stream(&at, Simulator::Gram, seed);
                let sampler = data::TestSampler::new(
                    &run.dataset,
                    at.flip_rate_f64(),
                    at.signal_position,
                    &weights.attention,
                    &weights.value,
                );
                for _ in 0..200 {
                    let input = sampler.draw(&mut stream);
                    test.0 += u64::from(attends_signal(&input.logits, input.signal_slot));
                    test.1 += 1;
                }
            }
            let share = |(sum, count): (f64, usize)| {
                if count == 0 {
                    f64::NAN
                } else {
                    sum / count as f64
                }
            };
            Ok((
                share(clean),
                share(flipped),
                test.0 as f64 / test.1.max(1) as f64,
            ))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let row = theory::threshold_row(setting.tokens, &setting.flip_rate, setting.precision)?;
    let mut series = vec![
        Series {
            label: "clean training samples: signal weight".into(),
            points: kappas.iter().zip(&curves).map(|(k, c)| (*k, c.0)).collect(),
            style: Style::Line,
        },
        Series {
            label: "flipped training samples: signal weight".into(),
            points: kappas.iter().zip(&curves).map(|(k, c)| (*k, c.1)).collect(),
            style: Style::Line,
        },
        Series {
            label: "test samples attending their signal (share)".into(),
            points: kappas.iter().zip(&curves).map(|(k, c)| (*k, c.2)).collect(),
            style: Style::Points,
        },
    ];
    for (label, kappa) in [
        ("κ_cl", row.clean.to_f64()),
        ("κ_te", to_f64(&row.test)),
        ("κ_fl", row.flipped.to_f64()),
    ] {
        series.push(Series {
            label: format!("{label} = {}", short(kappa)),
            points: vec![(kappa, 0.0), (kappa, 1.0)],
            style: Style::Dashed,
        });
    }
    Ok(Figure {
        name: "attention_benign_signal_weight".into(),
        title: format!(
            "ATT-9/11: attention on the signal token after two GD steps, n = {samples}, T = {}, η = {}",
            setting.tokens,
            format_rational(&setting.flip_rate)
        ),
        x_label: "scaled SNR κ = nρ²/d".into(),
        y_label: "softmax weight on the signal token".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series,
        heatmap: None,
        legend: Corner::LowerRight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_need_room_between_neighbours() {
        let kappas = [1.0, 1.5, 2.0, 2.5, 3.0];
        use Status::*;
        // One benign cell between non-benign neighbours 1.0 apart: room 1.0 > 0.5.
        let found = windows(&kappas, &[No, No, Yes, No, No], |s| s == Yes, 0.5, 6.0);
        assert_eq!(found, vec![(2, 2, 1.5, 2.5)]);
        let tight = [1.0, 1.2, 1.4];
        assert!(windows(&tight, &[No, Yes, No], |s| s == Yes, 0.5, 2.8).is_empty());
    }

    #[test]
    fn joint_status_is_no_if_any_and_yes_if_all() {
        use Status::*;
        assert_eq!(Status::joint([Yes, Yes].into_iter()), Yes);
        assert_eq!(Status::joint([Yes, Undecided].into_iter()), Undecided);
        assert_eq!(Status::joint([Undecided, No].into_iter()), No);
    }
}
