//! Claims CNN-19 … CNN-26: the SNR threshold S = n‖μ‖⁴/(σ_p⁴d): collapse, contour
//! slopes, the benign and harmful sides, the bounds with unspecified constants (§9), one
//! threshold for every regime, and the Kou et al. public-code protocol.

use std::collections::HashMap;
use std::sync::Arc;

use super::claims_regimes::{extreme_slopes, slices};
use super::engine::TestOutcome;
use super::runs::{self, RunSpec};
use super::setting::{OutputLayer, Setting};
use super::{claim, with_setting};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Rule, TierRule, Value};
use crate::error::Error;
use crate::exact::{Bounds, clopper_pearson, clopper_pearson_lower, clopper_pearson_upper};
use crate::suite::{Case, memo};

pub(super) static CLAIMS: [ClaimInfo; 8] = [
    claim(
        "CNN-19",
        "collapse onto S",
        "The test error depends on (n, d, ‖μ‖, σ_p) only through S: in every bin of width 0.25 in log₁₀S, slice means differ by an interval inside ±0.05; the same spread against n‖μ‖²/(σ_p²d) is reported as a contrast.",
        &[ClaimKind::ScalingExponent, ClaimKind::Report],
        &[Provenance::Literature, Provenance::Derived],
        "err = F(S),  S = n‖μ‖⁴/(σ_p⁴d)",
        TierRule::FullOnly,
        with_setting!["slices", "threshold_statistics"],
    ),
    claim(
        "CNN-20",
        "contour slopes",
        "The contour (err − p)/(1/2 − p) = 1/2 has ‖μ‖_c ∝ d^{1/4} at fixed n and ∝ n^{−1/4} at fixed d (slopes 0.25 ± 0.08 and −0.25 ± 0.08), fixed output and both trainable regimes.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Literature, Provenance::Derived],
        "S constant on the contour ⇒ ‖μ‖_c ∝ (d/n)^{1/4}",
        TierRule::FullOnly,
        with_setting!["slices", "threshold_statistics"],
    ),
    claim(
        "CNN-21",
        "benign side",
        "For S ≥ 20 the test error is at most p + 0.05 (p + (1 − 2p)q with q's CP upper bound, test draws pooled over seeds), in every regime.",
        &[ClaimKind::Inequality],
        &[Provenance::Derived],
        "err = p + (1 − 2p)q ≤ p + 0.05",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-22",
        "harmful side",
        "For S ≤ 0.1 the test error is at least p + 0.1 (CP lower bound on q), in every regime.",
        &[ClaimKind::Inequality],
        &[Provenance::Literature, Provenance::Derived],
        "err = p + (1 − 2p)q ≥ p + 0.1",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-23",
        "upper bound with constants C₁, C₂",
        "Some admissible C₁ ≤ S_hi/10, C₂ ≤ S_hi/ln 20 give err ≤ p + exp(−S/C₂) whenever S ≥ C₁, on the pooled grid (points with d < n² reported apart).",
        &[ClaimKind::ExistentialConstants],
        &[Provenance::Literature],
        "C₂*(C₁) = max{S_k/ln(1/(e_k − p)) : S_k ≥ C₁, e_k > p}",
        TierRule::FullOnly,
        with_setting!["slices", "threshold_statistics"],
    ),
    claim(
        "CNN-24",
        "lower bound with a constant C₃",
        "Some C₃ ≥ 10·S_lo gives err ≥ p + 0.1 whenever S ≤ C₃; the gap C₁,min/C₃* is reported.",
        &[ClaimKind::ExistentialConstants, ClaimKind::Report],
        &[Provenance::Literature],
        "C₃* = min{S_k : e_k < p + 0.1}",
        TierRule::FullOnly,
        with_setting!["slices", "threshold_statistics"],
    ),
    claim(
        "CNN-25",
        "one threshold for every regime",
        "Fixed output, large and small v₀ share the S threshold: CNN-21 and CNN-22 hold in every regime, and the contour S of CNN-20 agrees across regimes within a factor 2.",
        &[ClaimKind::PhaseBoundary],
        &[Provenance::Derived],
        "v₀ only selects the regime (§7.7 (a))",
        TierRule::FullOnly,
        with_setting!["slices", "threshold_statistics"],
    ),
    claim(
        "CNN-26",
        "Kou et al. public-code protocol",
        "With the protocol of the public code (n = 20, iid noise, bias on with PyTorch's uniform init, κ·v_fix = 1/2, η = 0.1, 100 steps, 1000 test points), cells with test error > 0.2 lie at ‖μ‖ < c·(d/n)^{1/4} for a c in [1/3, 3].",
        &[ClaimKind::PhaseBoundary, ClaimKind::Report],
        &[Provenance::Code, Provenance::Literature],
        "harmful ⇔ ‖μ‖ < c (d/n)^{1/4}",
        TierRule::QuickReduced,
        with_setting!["dimensions"],
    ),
];

/// Checks one of CNN-19 … CNN-26; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "CNN-19" => collapse(case),
        "CNN-20" => contour_slopes(case),
        "CNN-21" => benign_side(case),
        "CNN-22" => harmful_side(case),
        "CNN-23" => upper_constants(case),
        "CNN-24" => lower_constants(case),
        "CNN-25" => shared_threshold(case),
        "CNN-26" => kou_protocol(case),
        _ => return None,
    })
}

/// One point of the threshold grid, seeds pooled.
#[derive(Clone, Debug)]
struct GridPoint {
    regime: String,
    samples: usize,
    dimension: usize,
    statistic: f64,
    signal_norm: f64,
    flip_rate: f64,
    test: TestOutcome,
}

impl GridPoint {
    /// e = p + (1 − 2p)q̂, the low-variance estimator of CNN-8.
    fn error(&self) -> f64 {
        self.flip_rate
            + (1.0 - 2.0 * self.flip_rate) * self.test.clean_errors as f64 / self.test.total as f64
    }

    /// e's interval from a two-sided CP interval on q at `confidence`.
    fn error_interval(&self, confidence: f64) -> Bounds {
        let q = clopper_pearson(self.test.clean_errors, self.test.total, confidence);
        let scale = 1.0 - 2.0 * self.flip_rate;
        Bounds::new(
            self.flip_rate + scale * q.lower,
            self.flip_rate + scale * q.upper,
        )
    }

    /// One-sided bounds (e^lo, e^hi), each at `confidence`.
    fn one_sided(&self, confidence: f64) -> (f64, f64) {
        let scale = 1.0 - 2.0 * self.flip_rate;
        (
            self.flip_rate
                + scale
                    * clopper_pearson_lower(self.test.clean_errors, self.test.total, confidence),
            self.flip_rate
                + scale
                    * clopper_pearson_upper(self.test.clean_errors, self.test.total, confidence),
        )
    }

    fn slice(&self) -> (usize, usize) {
        (self.samples, self.dimension)
    }
}

/// The threshold grid of a case: slices × S values × regimes (trainable `output_inits`,
/// plus fixed output when `with_fixed_output`) × seeds, ‖μ‖ = (Sσ_p⁴d/n)^{1/4}. Shared by
/// the claims whose cases ask for the same grid.
fn threshold_grid(case: &Case) -> Result<Arc<Vec<GridPoint>>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let statistics = case.parameters.numbers("threshold_statistics")?;
    let seeds = runs::seeds(case);
    let mut regimes: Vec<(String, Setting)> = case
        .parameters
        .numbers("output_inits")?
        .into_iter()
        .map(|init| {
            let mut setting = base.clone();
            setting.output_layer = OutputLayer::Trainable;
            setting.output_init = init;
            (format!("v₀ = {init}"), setting)
        })
        .collect();
    if case.parameters.flag("with_fixed_output")? {
        let mut setting = base.clone();
        setting.output_layer = OutputLayer::Fixed;
        regimes.push((format!("fixed κv = {}", base.fixed_output_weight), setting));
    }
    let mut specs = Vec::new();
    let mut points = Vec::new();
    for (name, regime) in &regimes {
        for (samples, dimension) in slices(case)? {
            for &statistic in &statistics {
                let signal_norm = (statistic * base.noise_std.powi(4) * dimension as f64
                    / samples as f64)
                    .powf(0.25);
                let mut setting = regime.clone();
                setting.samples = samples;
                setting.dimension = dimension;
                setting.signal_norm = signal_norm;
                for &seed in &seeds {
                    specs.push(RunSpec {
                        label: name.clone(),
                        setting: setting.clone(),
                        seed,
                    });
                }
                points.push(GridPoint {
                    regime: name.clone(),
                    samples,
                    dimension,
                    statistic,
                    signal_norm,
                    flip_rate: base.flip_rate,
                    test: TestOutcome::default(),
                });
            }
        }
    }
    let key = format!("cnn-benign threshold grid {specs:?}");
    memo::shared(&key, || {
        let summaries = runs::summaries(&specs)?;
        for (point, chunk) in points.iter_mut().zip(summaries.chunks(seeds.len())) {
            for summary in chunk {
                if let Some(test) = &summary.test_final {
                    point.test = point.test.pooled(test);
                }
            }
        }
        Ok(points)
    })
}

fn regimes_of(grid: &[GridPoint]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for point in grid {
        if !names.contains(&point.regime) {
            names.push(point.regime.clone());
        }
    }
    names
}

fn collapse(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = threshold_grid(case)?;
    let mut parts = Vec::new();
    for regime in regimes_of(&grid) {
        let points: Vec<&GridPoint> = grid.iter().filter(|p| p.regime == regime).collect();
        let bin = |value: f64| (value.log10() / 0.25).floor() as i64;
        let mut worst: Option<(u8, f64, Part)> = None;
        let mut pairs = 0;
        for a in &points {
            for b in &points {
                if a.slice() >= b.slice() || bin(a.statistic) != bin(b.statistic) {
                    continue;
                }
                pairs += 1;
                let (ia, ib) = (
                    a.error_interval(case.confidence),
                    b.error_interval(case.confidence),
                );
                let difference = a.error() - b.error();
                let part = rules::equivalence(
                    format!(
                        "{regime}: worst pair of slices in a log₁₀S bin (S = {}, (n, d) = {:?} vs {:?})",
                        a.statistic,
                        a.slice(),
                        b.slice()
                    ),
                    &Band::absolute(0.0, 0.05),
                    &Measured::new(
                        difference,
                        Bounds::new(ia.lower - ib.upper, ia.upper - ib.lower),
                    ),
                );
                let rank = match part.verdict {
                    crate::claim::Verdict::Violated => 2,
                    crate::claim::Verdict::Inconclusive => 1,
                    _ => 0,
                };
                if worst
                    .as_ref()
                    .is_none_or(|(best_rank, best_difference, _)| {
                        (rank, difference.abs()) > (*best_rank, *best_difference)
                    })
                {
                    worst = Some((rank, difference.abs(), part));
                }
            }
        }
        match worst {
            Some((_, _, part)) => parts.push(part),
            None => parts.push(rules::out_of_scope(
                format!("{regime}: collapse"),
                "no log₁₀S bin holds two slices",
            )),
        }
        // Contrast: the same spread against n‖μ‖²/(σ_p²d).
        let contrast = |p: &GridPoint| {
            p.samples as f64 * p.signal_norm.powi(2)
                / (case.parameters.number("noise_std").unwrap_or(1.0).powi(2) * p.dimension as f64)
        };
        let mut spread: f64 = 0.0;
        for a in &points {
            for b in &points {
                if a.slice() != b.slice() && bin(contrast(a)) == bin(contrast(b)) {
                    spread = spread.max((a.error() - b.error()).abs());
                }
            }
        }
        parts.push(rules::report(
            format!("{regime}: largest slice-mean spread in bins of n‖μ‖²/(σ_p²d) (contrast)"),
            Value::Number(spread),
            format!("{pairs} slice pairs share an S bin"),
        ));
    }
    Ok(parts)
}

/// The contour crossing ‖μ‖_c of one slice of one regime, with the crossings of the CP
/// ends: (center, low, high).
fn contour(points: &[&GridPoint], confidence: f64) -> Option<(f64, f64, f64)> {
    let level = |p: &GridPoint| p.flip_rate + (0.5 - p.flip_rate) / 2.0;
    let mut ordered: Vec<&GridPoint> = points.to_vec();
    ordered.sort_by(|a, b| a.signal_norm.total_cmp(&b.signal_norm));
    let target = level(ordered.first()?);
    let series = |value: &dyn Fn(&GridPoint) -> f64| -> Vec<(f64, f64)> {
        ordered.iter().map(|p| (p.signal_norm, value(p))).collect()
    };
    let cross = |values: Vec<(f64, f64)>| {
        values.windows(2).find_map(|pair| {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            ((y0 - target) * (y1 - target) <= 0.0 && y0 != y1 && x0 > 0.0).then(|| {
                let fraction = (y0 - target) / (y0 - y1);
                (x0.ln() + fraction * (x1.ln() - x0.ln())).exp()
            })
        })
    };
    let center = cross(series(&|p| p.error()))?;
    // The error falls with ‖μ‖: the upper CP curve crosses later, the lower earlier.
    let low = cross(series(&|p| p.error_interval(confidence).lower))?;
    let high = cross(series(&|p| p.error_interval(confidence).upper))?;
    Some((center, low.min(high), low.max(high)))
}

/// A contour crossing ‖μ‖_c: (center, low, high).
type Crossing = (f64, f64, f64);

/// Contour crossings per regime and slice.
fn contours(
    grid: &[GridPoint],
    confidence: f64,
) -> Vec<(String, (usize, usize), Option<Crossing>)> {
    let mut result = Vec::new();
    for regime in regimes_of(grid) {
        let mut slices: Vec<(usize, usize)> = Vec::new();
        for point in grid.iter().filter(|p| p.regime == regime) {
            if !slices.contains(&point.slice()) {
                slices.push(point.slice());
            }
        }
        for slice in slices {
            let points: Vec<&GridPoint> = grid
                .iter()
                .filter(|p| p.regime == regime && p.slice() == slice)
                .collect();
            result.push((regime.clone(), slice, contour(&points, confidence)));
        }
    }
    result
}

fn contour_slopes(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = threshold_grid(case)?;
    let crossings = contours(&grid, case.confidence);
    let mut parts = Vec::new();
    for regime in regimes_of(&grid) {
        let found: Vec<((usize, usize), Crossing)> = crossings
            .iter()
            .filter(|(name, _, _)| *name == regime)
            .filter_map(|(_, slice, crossing)| crossing.map(|c| (*slice, c)))
            .collect();
        let missing = crossings
            .iter()
            .filter(|(name, _, crossing)| *name == regime && crossing.is_none())
            .count();
        if missing > 0 {
            parts.push(rules::out_of_scope(
                format!("{regime}: contour"),
                format!("{missing} slices never cross the contour level on the ‖μ‖ grid"),
            ));
        }
        for (axis, expected, fixed_index) in
            [("d at fixed n", 0.25, 0usize), ("n at fixed d", -0.25, 1)]
        {
            let mut groups: HashMap<usize, Vec<(f64, f64, f64, f64)>> = HashMap::new();
            for ((samples, dimension), (center, low, high)) in &found {
                let (fixed, varying) = if fixed_index == 0 {
                    (*samples, *dimension)
                } else {
                    (*dimension, *samples)
                };
                groups.entry(fixed).or_default().push((
                    (varying as f64).ln(),
                    low.ln(),
                    high.ln(),
                    center.ln(),
                ));
            }
            let mut keys: Vec<usize> = groups.keys().copied().collect();
            keys.sort_unstable();
            for key in keys {
                let points = &groups[&key];
                let distinct = points
                    .iter()
                    .map(|p| p.0.to_bits())
                    .collect::<std::collections::HashSet<_>>()
                    .len();
                if distinct < 2 {
                    continue;
                }
                let (slope, bounds) = extreme_slopes(points);
                parts.push(rules::equivalence(
                    format!("{regime}: slope of ln‖μ‖_c on ln {axis} = {key}"),
                    &Band::absolute(expected, 0.08),
                    &Measured::new(slope, bounds),
                ));
            }
        }
    }
    Ok(parts)
}

/// The runs of a CNN-21/22 case pooled per regime and ‖μ‖: (label, S, p, pooled test).
fn pooled_by_regime(case: &Case) -> Result<Vec<(String, f64, f64, TestOutcome)>, Error> {
    let specs = runs::grid(case)?;
    let runs = runs::fetch(&specs)?;
    Ok(runs::groups(&specs, &runs)
        .into_iter()
        .map(|(label, members)| {
            let setting = &members[0].setting;
            let pooled = members
                .iter()
                .filter_map(|run| run.test_final)
                .fold(TestOutcome::default(), |total, test| total.pooled(&test));
            (
                label,
                setting.threshold_statistic(),
                setting.flip_rate,
                pooled,
            )
        })
        .collect())
}

fn side_part(
    label: String,
    statistic: f64,
    flip_rate: f64,
    test: &TestOutcome,
    confidence: f64,
    benign: bool,
) -> Part {
    let scale = 1.0 - 2.0 * flip_rate;
    let lower = clopper_pearson_lower(test.clean_errors, test.total, confidence);
    let upper = clopper_pearson_upper(test.clean_errors, test.total, confidence);
    let estimate = flip_rate + scale * test.clean_errors as f64 / test.total as f64;
    let measured = Measured::new(
        estimate,
        Bounds::new(flip_rate + scale * lower, flip_rate + scale * upper),
    )
    .with_sample_size(test.total);
    if benign {
        rules::upper_bound(
            format!("{label} (S = {statistic:.3}): p + (1 − 2p)q"),
            Bounds::point(flip_rate + 0.05),
            Strictness::NonStrict,
            &measured,
        )
    } else {
        rules::lower_bound(
            format!("{label} (S = {statistic:.3}): p + (1 − 2p)q"),
            Bounds::point(flip_rate + 0.1),
            Strictness::NonStrict,
            &measured,
        )
    }
}

fn sides(case: &Case, benign: bool) -> Result<Vec<Part>, Error> {
    Ok(pooled_by_regime(case)?
        .into_iter()
        .map(|(label, statistic, flip_rate, test)| {
            let applies = if benign {
                statistic >= 20.0
            } else {
                statistic <= 0.1
            };
            if !applies {
                rules::out_of_scope(
                    label,
                    format!(
                        "S = {statistic:.3} is outside the claim's range ({})",
                        if benign { "S ≥ 20" } else { "S ≤ 0.1" }
                    ),
                )
            } else if test.total == 0 {
                rules::error(label, "no test draws")
            } else {
                side_part(label, statistic, flip_rate, &test, case.confidence, benign)
            }
        })
        .collect())
}

fn benign_side(case: &Case) -> Result<Vec<Part>, Error> {
    sides(case, true)
}

fn harmful_side(case: &Case) -> Result<Vec<Part>, Error> {
    sides(case, false)
}

/// The points §9(b) decides on: d ≥ n² (Kou's dimension condition), and the rest.
fn decision_points(grid: &[GridPoint]) -> (Vec<&GridPoint>, usize) {
    let used: Vec<&GridPoint> = grid
        .iter()
        .filter(|p| p.dimension >= p.samples * p.samples && p.test.total > 0)
        .collect();
    let apart = grid.len() - used.len();
    (used, apart)
}

/// C₂*(C₁) with errors `errors` (one per point): max S_k/ln(1/(e_k − p)) over S_k ≥ C₁,
/// e_k > p; 0 when empty.
fn smallest_c2(points: &[&GridPoint], errors: &[f64], c1: f64) -> f64 {
    points
        .iter()
        .zip(errors)
        .filter(|(p, e)| p.statistic >= c1 && **e > p.flip_rate)
        .map(|(p, e)| {
            let excess = (e - p.flip_rate).min(1.0);
            if excess >= 1.0 {
                f64::INFINITY
            } else {
                p.statistic / (1.0 / excess).ln()
            }
        })
        .fold(0.0, f64::max)
}

/// The smallest feasible C₁ (exclusive): the largest S_k whose point would need
/// C₂ > `limit`; 0 when every point fits.
fn smallest_c1(points: &[&GridPoint], errors: &[f64], limit: f64) -> f64 {
    points
        .iter()
        .zip(errors)
        .filter(|(p, e)| {
            **e > p.flip_rate && {
                let excess = *e - p.flip_rate;
                excess >= 1.0 || p.statistic / (1.0 / excess).ln() > limit
            }
        })
        .map(|(p, _)| p.statistic)
        .fold(0.0, f64::max)
}

/// C₃* with errors `errors`: the smallest S_k with e_k < p + 0.1; +∞ when none.
fn largest_c3(points: &[&GridPoint], errors: &[f64]) -> f64 {
    points
        .iter()
        .zip(errors)
        .filter(|(p, e)| **e < p.flip_rate + 0.1)
        .map(|(p, _)| p.statistic)
        .fold(f64::INFINITY, f64::min)
}

struct ConstantInputs<'a> {
    points: Vec<&'a GridPoint>,
    apart: usize,
    estimate: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    statistic_low: f64,
    statistic_high: f64,
}

fn constant_inputs<'a>(grid: &'a [GridPoint], confidence: f64) -> ConstantInputs<'a> {
    let (points, apart) = decision_points(grid);
    let level = 1.0 - (1.0 - confidence) / points.len().max(1) as f64;
    let estimate = points.iter().map(|p| p.error()).collect();
    let (lower, upper) = points.iter().map(|p| p.one_sided(level)).unzip();
    let statistic_low = points
        .iter()
        .map(|p| p.statistic)
        .fold(f64::INFINITY, f64::min);
    let statistic_high = points.iter().map(|p| p.statistic).fold(0.0, f64::max);
    ConstantInputs {
        points,
        apart,
        estimate,
        lower,
        upper,
        statistic_low,
        statistic_high,
    }
}

fn spans_box(inputs: &ConstantInputs<'_>) -> Option<String> {
    (inputs.points.is_empty() || inputs.statistic_low > 0.01 || inputs.statistic_high < 100.0).then(
        || {
            format!(
                "the decision grid spans S ∈ [{}, {}]; the admissible box of §9 needs S_lo ≤ 0.01 and S_hi ≥ 100",
                inputs.statistic_low, inputs.statistic_high
            )
        },
    )
}

fn upper_constants(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = threshold_grid(case)?;
    let inputs = constant_inputs(&grid, case.confidence);
    if let Some(reason) = spans_box(&inputs) {
        return Ok(vec![rules::out_of_scope("admissible box", reason)]);
    }
    let c1 = inputs.statistic_high / 10.0;
    let limit = inputs.statistic_high / 20f64.ln();
    let with_upper = smallest_c2(&inputs.points, &inputs.upper, c1);
    let with_lower = smallest_c2(&inputs.points, &inputs.lower, c1);
    let with_estimate = smallest_c2(&inputs.points, &inputs.estimate, c1);
    let decision = if with_upper <= limit {
        Some(true)
    } else if with_lower > limit {
        Some(false)
    } else {
        None
    };
    let c1_min = smallest_c1(&inputs.points, &inputs.estimate, limit);
    let mut parts = vec![rules::decided(
        format!(
            "C₂*(C₁ = S_hi/10 = {c1}) ≤ S_hi/ln 20 = {limit:.4} on {} pooled points ({} with d < n² apart)",
            inputs.points.len(),
            inputs.apart
        ),
        Rule::Existential,
        "some admissible (C₁, C₂) fits",
        Value::label(format!(
            "C₂* = {with_estimate:.4} (e), {with_lower:.4} (e^lo), {with_upper:.4} (e^hi)"
        )),
        decision,
        "C₂* is non-increasing in C₁, so the largest admissible C₁ decides",
    )];
    parts.push(rules::report(
        "smallest feasible C₁ (exclusive) with C₂ ≤ S_hi/ln 20, estimate e",
        Value::Number(c1_min),
        if c1_min == 0.0 {
            "every grid point meets p + exp(−S/C₂) at C₂ = S_hi/ln 20: at small S the bound is near 1 and binds nothing, so any C₁ > 0 fits"
        } else {
            "the largest S that breaks the bound at C₂ = S_hi/ln 20"
        },
    ));
    for (samples, dimension) in slices(case)? {
        let slice_points: Vec<&GridPoint> = inputs
            .points
            .iter()
            .copied()
            .filter(|p| p.slice() == (samples, dimension))
            .collect();
        if slice_points.is_empty() {
            continue;
        }
        let errors: Vec<f64> = slice_points.iter().map(|p| p.error()).collect();
        parts.push(rules::report(
            format!("n = {samples}, d = {dimension}: C₂*(S_hi/10), estimate e"),
            Value::Number(smallest_c2(&slice_points, &errors, c1)),
            "per-slice constant",
        ));
    }
    Ok(parts)
}

fn lower_constants(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = threshold_grid(case)?;
    let inputs = constant_inputs(&grid, case.confidence);
    if let Some(reason) = spans_box(&inputs) {
        return Ok(vec![rules::out_of_scope("admissible box", reason)]);
    }
    let bound = 10.0 * inputs.statistic_low;
    let with_lower = largest_c3(&inputs.points, &inputs.lower);
    let with_upper = largest_c3(&inputs.points, &inputs.upper);
    let with_estimate = largest_c3(&inputs.points, &inputs.estimate);
    let decision = if with_lower >= bound {
        Some(true)
    } else if with_upper < bound {
        Some(false)
    } else {
        None
    };
    let limit = inputs.statistic_high / 20f64.ln();
    let c1_min = smallest_c1(&inputs.points, &inputs.estimate, limit);
    Ok(vec![
        rules::decided(
            format!(
                "C₃* ≥ 10·S_lo = {bound} on {} pooled points ({} with d < n² apart)",
                inputs.points.len(),
                inputs.apart
            ),
            Rule::Existential,
            "some admissible C₃ fits",
            Value::label(format!(
                "C₃* = {with_estimate} (e), {with_lower} (e^lo), {with_upper} (e^hi)"
            )),
            decision,
            "C₃* = the smallest S with e < p + 0.1 (exclusive)",
        ),
        rules::report(
            "gap C₁,min/C₃* (estimates)",
            Value::Number(c1_min / with_estimate),
            if c1_min == 0.0 {
                "0: the upper bound binds nowhere on this grid (see CNN-23), so the gap is not measured"
            } else {
                "nearly matching bounds predict an O(1) gap"
            },
        ),
    ])
}

fn shared_threshold(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = threshold_grid(case)?;
    let mut parts = Vec::new();
    for regime in regimes_of(&grid) {
        for benign in [true, false] {
            let candidates: Vec<&GridPoint> = grid
                .iter()
                .filter(|p| {
                    p.regime == regime
                        && p.test.total > 0
                        && if benign {
                            p.statistic >= 20.0
                        } else {
                            p.statistic <= 0.1
                        }
                })
                .collect();
            let confidence = 1.0 - (1.0 - case.confidence) / candidates.len().max(1) as f64;
            // The point nearest to failing decides the regime's side.
            let worst = candidates.iter().max_by(|a, b| {
                let key = |p: &GridPoint| {
                    let (low, high) = p.one_sided(confidence);
                    if benign { high } else { -low }
                };
                key(a).total_cmp(&key(b))
            });
            if let Some(point) = worst {
                parts.push(side_part(
                    format!(
                        "{regime}, n = {}, d = {}, {} side, worst of {} points",
                        point.samples,
                        point.dimension,
                        if benign { "benign" } else { "harmful" },
                        candidates.len()
                    ),
                    point.statistic,
                    point.flip_rate,
                    &point.test,
                    confidence,
                    benign,
                ));
            }
        }
    }
    let crossings = contours(&grid, case.confidence);
    let regimes = regimes_of(&grid);
    let reference = regimes
        .iter()
        .find(|name| name.starts_with("fixed"))
        .unwrap_or(&regimes[0])
        .clone();
    let statistic = |(samples, dimension): (usize, usize), norm: f64| {
        samples as f64 * norm.powi(4)
            / (case.parameters.number("noise_std").unwrap_or(1.0).powi(4) * dimension as f64)
    };
    for (regime, slice, crossing) in &crossings {
        if *regime == reference {
            continue;
        }
        let other = crossings
            .iter()
            .find(|(name, s, _)| *name == reference && s == slice)
            .and_then(|(_, _, c)| *c);
        if let (Some((center, low, high)), Some((r_center, r_low, r_high))) = (crossing, other) {
            let ratio = statistic(*slice, *center) / statistic(*slice, r_center);
            parts.push(rules::equivalence(
                format!("{regime} ÷ {reference}: contour S, (n, d) = {slice:?}"),
                &Band::range(0.5, 2.0),
                &Measured::new(
                    ratio,
                    Bounds::new(
                        statistic(*slice, *low) / statistic(*slice, r_high),
                        statistic(*slice, *high) / statistic(*slice, r_low),
                    ),
                ),
            ));
        }
    }
    Ok(parts)
}

/// The set of c minimizing misclassified cells, as intervals, and the minimum count.
/// A cell at threshold t = ‖μ‖/(d/n)^{1/4} is predicted harmful iff c > t.
pub(super) fn best_constants(cells: &[(f64, bool)]) -> (Vec<(f64, f64)>, usize) {
    let mut cuts: Vec<f64> = cells.iter().map(|c| c.0).collect();
    cuts.push(0.0);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let misfits = |cut: f64| {
        cells
            .iter()
            .filter(|(threshold, harmful)| (*threshold <= cut) != *harmful)
            .count()
    };
    // On (cut_k, cut_{k+1}] the prediction is constant: harmful iff t ≤ cut_k.
    let mut best = usize::MAX;
    let mut intervals: Vec<(f64, f64)> = Vec::new();
    for (k, &cut) in cuts.iter().enumerate() {
        let next = cuts.get(k + 1).copied().unwrap_or(f64::INFINITY);
        let count = misfits(cut);
        if count < best {
            best = count;
            intervals.clear();
        }
        if count == best {
            intervals.push((cut, next));
        }
    }
    (intervals, best)
}

fn kou_protocol(case: &Case) -> Result<Vec<Part>, Error> {
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
    let samples = base.samples as f64;
    let mut cells = Vec::new();
    let mut excluded = 0;
    let mut losses = 0.0;
    for (spec_chunk, chunk) in specs.chunks(seeds.len()).zip(summaries.chunks(seeds.len())) {
        let setting = &spec_chunk[0].setting;
        let pooled = chunk
            .iter()
            .filter_map(|s| s.test_final)
            .fold(TestOutcome::default(), |total, test| total.pooled(&test));
        losses += chunk.iter().map(|s| s.final_loss).sum::<f64>();
        let interval = clopper_pearson(pooled.errors, pooled.total, case.confidence);
        let threshold = setting.signal_norm / (setting.dimension as f64 / samples).powf(0.25);
        if interval.contains(0.2) {
            excluded += 1;
        } else {
            cells.push((threshold, interval.lower > 0.2));
        }
    }
    let (intervals, misfits) = best_constants(&cells);
    let admissible = Bounds::new(1.0 / 3.0, 3.0);
    let inside = intervals
        .iter()
        .all(|&(low, high)| low >= admissible.lower && high <= admissible.upper);
    let disjoint = intervals
        .iter()
        .all(|&(low, high)| high < admissible.lower || low > admissible.upper);
    let decision = if inside {
        Some(true)
    } else if disjoint {
        Some(false)
    } else {
        None
    };
    let described = intervals
        .iter()
        .map(|(low, high)| format!("({low:.4}, {high:.4}]"))
        .collect::<Vec<_>>()
        .join(" ∪ ");
    Ok(vec![
        rules::decided(
            format!(
                "{} cells ({} repeats each), {excluded} excluded (CP contains 0.2): c minimizing misfit cells",
                specs.len() / seeds.len(),
                seeds.len()
            ),
            Rule::Phase,
            "⊂ [1/3, 3]",
            Value::label(described),
            decision,
            "harmful ⇔ ‖μ‖ < c(d/n)^{1/4}",
        ),
        rules::report(
            "misfit share at the best c",
            Value::Count {
                hits: misfits as u64,
                total: cells.len() as u64,
            },
            "cells on the wrong side of the fitted boundary",
        ),
        rules::report(
            "mean final training loss over the grid",
            Value::Number(losses / specs.len() as f64),
            "the public code's train grid is a loss",
        ),
        rules::report(
            "mean |Δ| to data_test100.csv",
            Value::label("not computed"),
            "the published grid is not available to the harness",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_constants_separate_a_clean_boundary() {
        // Harmful below t = 1, benign above.
        let cells = [(0.5, true), (0.8, true), (1.2, false), (2.0, false)];
        let (intervals, misfits) = best_constants(&cells);
        assert_eq!(misfits, 0);
        assert_eq!(intervals, vec![(0.8, 1.2)]);
    }
}
