//! Claims CNN-9 … CNN-18: the two regimes of the output initialization, the final output
//! scale and the crossover law, early growth, sign flips, memorization, the signal/noise
//! ratio, and interpolation.

use std::sync::Arc;

use super::engine::Run;
use super::runs::{self, RunSpec, guard_violation};
use super::setting::{OutputLayer, Setting};
use super::theory;
use super::{claim, with_setting};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Rule, TierRule, Value};
use crate::error::Error;
use crate::exact::least_squares_slope;
use crate::exact::{Bounds, clopper_pearson_lower, clopper_pearson_upper, quantile};
use crate::suite::Case;

pub(super) static CLAIMS: [ClaimInfo; 10] = [
    claim(
        "CNN-9",
        "large output initialization: v barely moves",
        "With v₀ = 1 the hidden layer grows while every output weight stays within 5 % of v₀; the mean relative shift is shown against (v*/v₀)⁴/2.",
        &[ClaimKind::Regime],
        &[Provenance::Stated, Provenance::Derived],
        "max_{j,r}|v_T − v₀|/v₀ ≤ 0.05;  mean shift ≈ (v*/v₀)⁴/2",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-10",
        "small output initialization locks ‖Δw‖/|v|",
        "For v₀ < v*: once L < ε the median over neurons of ‖Δw‖/|v| lies in [0.8, 1.1], and it varies by at most 20 % from the first step with mean|v| ≥ v*/2 to T; contrast: for v₀ ≥ v* the ratio at T is below 1/2 and within ×1.5 of v*²/v_T².",
        &[ClaimKind::Ratio, ClaimKind::Regime],
        &[Provenance::Stated, Provenance::Derived],
        "‖Δw‖ ≈ |v| (small v₀);  ‖Δw‖/|v_T| ≈ v*²/v_T² (§7.5)",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-11",
        "final output scale in the small regime",
        "mean_{j,r}|v_T| is within ×1.5 of v* = √(ln(1/ε)/(κmσ_p))(n/d)^{1/4} with ε the final training loss.",
        &[ClaimKind::Ratio],
        &[Provenance::Derived],
        "v* = √(ln(1/L_T)/(κ m σ_p))·(n/d)^{1/4}",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-12",
        "crossover law for every v₀",
        "mean|v_T| is within ×1.5 of √((v₀² + √(v₀⁴ + 4v*⁴))/2); for v₀ ≥ v* the median ‖Δw‖/|v_T| is within ×1.5 of v*²/v_T².",
        &[ClaimKind::Ratio],
        &[Provenance::Derived],
        "v_T² = (v₀² + √(v₀⁴ + 4v*⁴))/2",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-13",
        "regime boundary",
        "The median ‖Δw‖/|v_T| crosses 1/2 at v₀ within ×1.5 of √(3/2)·v*, and the crossing over √ln(1/L_T) scales as (n/d)^{1/4} (exponent 0.25 ± 0.08).",
        &[ClaimKind::PhaseBoundary],
        &[Provenance::Derived],
        "v₀,boundary = √(3/2)·v* ∝ (n/d)^{1/4}(κmσ_p)^{−1/2}√ln(1/ε)",
        TierRule::FullOnly,
        with_setting!["slices", "sweep_points"],
    ),
    claim(
        "CNN-14",
        "early exponential growth of v",
        "In the window 3v₀ ≤ |v| ≤ v*/10, |v| grows by about 1 + η‖φ⁽⁰⁾‖ per step (median fitted rate within ×1.5 of ln(1 + η‖φ⁽⁰⁾‖)), and the mean ‖φ⁽⁰⁾‖ is within 20 % of κ[σ_p²d/(8n) + (1 − 2p)²‖μ‖²/16]^{1/2}.",
        &[ClaimKind::Regime],
        &[Provenance::Derived],
        "v⁺ ± ⟨w⁺, φ̂⟩ = (1 ± η‖φ‖)(v ± ⟨w, φ̂⟩);  ‖φ⁽⁰⁾‖ ≈ κ[σ_p²d/(8n) + (1 − 2p)²‖μ‖²/16]^{1/2}",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-15",
        "sign of the output weights",
        "For v₀ ≤ 0.01, sign(v_T) = sign(v₀ + ⟨w⁽⁰⁾, φ̂⁽⁰⁾⟩) (φ⁽⁰⁾ at ℓ′ = −1/2) for at least 90 % of the neurons (CP lower bound); for v₀ ≥ 10σ₀ no output weight changes sign.",
        &[ClaimKind::Regime, ClaimKind::Category],
        &[Provenance::Derived],
        "growing-mode amplitude v₀ + ⟨w⁽⁰⁾, φ̂⁽⁰⁾⟩",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-16",
        "memorization ratio ρ/|v|",
        "In the small regime the median over neurons of the median ρ_{j,r,i}/|v_{j,r}| over memorizing pairs (y_i = j, ρ > 0) is within ×2 of κσ_p²d/(2nλ_A); the signal-free 2σ_p√(d/n) is shown.",
        &[ClaimKind::Ratio],
        &[Provenance::Derived],
        "ρ/|v| ≈ κσ_p²d/(2nλ_A),  λ_A = κ[σ_p²d|A|/(4n²) + (1 − 2p)²‖μ‖²/16]^{1/2}, |A| = n/4",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-17",
        "signal-to-noise coefficient ratio",
        "γ̄/ρ̄ ≈ c·n‖μ‖²/(σ_p²d) in every regime: exponent in ‖μ‖² within [0.8, 1.2] and c within ×3 of (1 − 2p)/2.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Literature, Provenance::Derived],
        "γ/ρ̄ ≈ (1 − 2p)/2 · n‖μ‖²/(σ_p²d)",
        TierRule::FullOnly,
        with_setting!["slices"],
    ),
    claim(
        "CNN-18",
        "gradient descent interpolates",
        "Every run ends with zero training 0-1 error (flipped samples included) and L_T ≤ 1e-3.",
        &[ClaimKind::Inequality],
        &[Provenance::Literature, Provenance::Derived],
        "sign f(x_i) = y_i for all i (f = 0 → −1);  L_T ≤ ε",
        TierRule::QuickReduced,
        with_setting![],
    ),
];

/// Checks one of CNN-9 … CNN-18; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "CNN-9" => large_regime(case),
        "CNN-10" => locked_ratio(case),
        "CNN-11" => final_scale(case),
        "CNN-12" => crossover(case),
        "CNN-13" => boundary(case),
        "CNN-14" => early_growth(case),
        "CNN-15" => output_signs(case),
        "CNN-16" => memorization(case),
        "CNN-17" => coefficient_ratio(case),
        "CNN-18" => interpolation(case),
        _ => return None,
    })
}

/// A per-run statistic over seeds: the mean, with the seed range as its interval.
fn over_seeds(values: &[f64], seeds: &[u64]) -> Measured {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    Measured::new(mean, Bounds::spread(values).unwrap_or(Bounds::point(mean)))
        .over_seed_range(seeds)
        .with_sample_size(values.len() as u64)
}

fn seeds_of(runs: &[Arc<Run>]) -> Vec<u64> {
    runs.iter().map(|run| run.seed).collect()
}

/// The grid's runs grouped by regime and ‖μ‖, with groups breaking the step-size guard
/// turned into out-of-scope parts.
/// Runs grouped by regime and ‖μ‖ (see [`runs::groups`]).
type Groups = Vec<(String, Vec<Arc<Run>>)>;

fn guarded_groups(case: &Case) -> Result<(Groups, Vec<Part>), Error> {
    let specs = runs::grid(case)?;
    let mut kept_specs: Vec<RunSpec> = Vec::new();
    let mut parts = Vec::new();
    for spec in specs {
        match guard_violation(&spec.setting) {
            Some(reason) => {
                let label = spec
                    .label
                    .rsplit_once(", seed")
                    .map_or(spec.label.clone(), |(h, _)| h.to_string());
                if !parts.iter().any(|part: &Part| part.label == label) {
                    parts.push(rules::out_of_scope(label, reason));
                }
            }
            None => kept_specs.push(spec),
        }
    }
    let runs = runs::fetch(&kept_specs)?;
    Ok((runs::groups(&kept_specs, &runs), parts))
}

/// v* at the run's final loss.
fn final_scale_of(run: &Run) -> f64 {
    theory::final_output_scale(&run.setting, run.final_loss())
}

fn median_ratio(run: &Run, step: usize) -> f64 {
    let outputs = run.outputs_at(step);
    let shifts = run.shifts_at(step);
    let ratios: Vec<f64> = shifts
        .iter()
        .zip(outputs)
        .map(|(shift, v)| shift / v.abs())
        .collect();
    quantile(&ratios, 0.5)
}

fn large_regime(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let shifts: Vec<f64> = runs
            .iter()
            .map(|run| {
                run.initial
                    .output
                    .iter()
                    .zip(&run.last.output)
                    .map(|(v0, vt)| (vt - v0).abs() / v0.abs())
                    .fold(0.0, f64::max)
            })
            .collect();
        parts.push(rules::upper_bound(
            format!("{label}: max_{{j,r}} |v_T − v₀|/v₀"),
            Bounds::point(0.05),
            Strictness::NonStrict,
            &over_seeds(&shifts, &seeds_of(runs)),
        ));
        let mean_shifts: Vec<String> = runs
            .iter()
            .map(|run| {
                let v0 = run.setting.output_init;
                let mean = run.last.output.iter().map(|vt| (vt - v0) / v0).sum::<f64>()
                    / run.last.output.len() as f64;
                format!(
                    "seed {}: {:.3e} vs (v*/v₀)⁴/2 = {:.3e}",
                    run.seed,
                    mean,
                    (final_scale_of(run) / v0).powi(4) / 2.0
                )
            })
            .collect();
        parts.push(rules::report(
            format!("{label}: mean relative shift of v against §7.5"),
            Value::label(format!("{} seeds", runs.len())),
            mean_shifts.join("; "),
        ));
    }
    Ok(parts)
}

fn locked_ratio(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let small = runs
            .iter()
            .all(|run| run.setting.output_init < final_scale_of(run));
        let seeds = seeds_of(runs);
        if small {
            let mut at_target = Vec::new();
            let mut stability = Vec::new();
            for run in runs {
                let Some(step) = run.first_target_step else {
                    continue;
                };
                at_target.push(median_ratio(run, step));
                let half = final_scale_of(run) / 2.0;
                let start = (0..=run.steps_taken).find(|&t| {
                    let outputs = run.outputs_at(t);
                    outputs.iter().map(|v| v.abs()).sum::<f64>() / outputs.len() as f64 >= half
                });
                if let Some(start) = start {
                    let medians: Vec<f64> = (start..=run.steps_taken)
                        .step_by(100)
                        .map(|t| median_ratio(run, t))
                        .collect();
                    if medians.len() >= 2 {
                        let high = medians.iter().copied().fold(f64::MIN, f64::max);
                        let low = medians.iter().copied().fold(f64::MAX, f64::min);
                        stability.push((high - low) / quantile(&medians, 0.5));
                    }
                }
            }
            if at_target.len() < runs.len() {
                parts.push(rules::out_of_scope(
                    format!("{label}: ratio once L < ε"),
                    "some run never reached the loss target (CNN-18 reports it)",
                ));
            } else {
                parts.push(rules::equivalence(
                    format!("{label}: median ‖Δw‖/|v| at the first step with L ≤ ε"),
                    &Band::range(0.8, 1.1),
                    &over_seeds(&at_target, &seeds),
                ));
            }
            if stability.is_empty() {
                parts.push(rules::out_of_scope(
                    format!("{label}: stability of the ratio"),
                    "fewer than two 100-step checkpoints after mean|v| ≥ v*/2",
                ));
            } else {
                parts.push(rules::upper_bound(
                    format!(
                        "{label}: (max − min)/median of per-100-step medians after mean|v| ≥ v*/2"
                    ),
                    Bounds::point(0.2),
                    Strictness::NonStrict,
                    &over_seeds(&stability, &seeds),
                ));
            }
        } else {
            let ratios: Vec<f64> = runs
                .iter()
                .map(|run| median_ratio(run, run.steps_taken))
                .collect();
            let relative: Vec<f64> = runs
                .iter()
                .zip(&ratios)
                .map(|(run, ratio)| {
                    ratio / theory::crossover_ratio(run.setting.output_init, final_scale_of(run))
                })
                .collect();
            parts.push(rules::upper_bound(
                format!("{label}: median ‖Δw‖/|v_T| (large v₀)"),
                Bounds::point(0.5),
                Strictness::Strict,
                &over_seeds(&ratios, &seeds),
            ));
            parts.push(rules::equivalence(
                format!("{label}: median ‖Δw‖/|v_T| ÷ v*²/v_T²"),
                &Band::factor(1.0, 1.5),
                &over_seeds(&relative, &seeds),
            ));
        }
    }
    Ok(parts)
}

fn final_scale(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let relative: Vec<f64> = runs
            .iter()
            .map(|run| {
                let mean = run.last.output.iter().map(|v| v.abs()).sum::<f64>()
                    / run.last.output.len() as f64;
                mean / final_scale_of(run)
            })
            .collect();
        parts.push(rules::equivalence(
            format!(
                "{label}: mean|v_T| ÷ v*(L_T) (v* = {:.4})",
                final_scale_of(&runs[0])
            ),
            &Band::factor(1.0, 1.5),
            &over_seeds(&relative, &seeds_of(runs)),
        ));
        let shares: Vec<f64> = runs.iter().map(|run| signal_margin_share(run)).collect();
        parts.push(rules::report(
            format!("{label}: share of the clean training margins carried by the signal patch"),
            Value::Number(shares.iter().sum::<f64>() / shares.len() as f64),
            "v* of §7.4 assumes noise memorization carries every margin",
        ));
    }
    Ok(parts)
}

/// Mean over clean training samples of y·κΣ_r j v_r σ(⟨w_r, ŷμ⟩ + b_r) / (y f(x)) at the
/// end of a run: how much of a margin the signal patch carries.
fn signal_margin_share(run: &Run) -> f64 {
    let network = &run.last;
    let data = &run.data;
    let activations = &data.noise_rows * &network.hidden;
    let mut shares = Vec::new();
    for i in 0..data.samples() {
        if data.labels[i] != data.clean_labels[i] {
            continue;
        }
        let (mut signal, mut total) = (0.0, 0.0);
        for r in 0..network.neurons() {
            let weight = network.kappa * network.class_sign(r) * network.output[r];
            let first = (data.clean_labels[i] * data.signal_norm * network.hidden[(0, r)]
                + network.bias[r])
                .max(0.0);
            let second = (activations[(i, r)] + network.bias[r]).max(0.0);
            signal += weight * first;
            total += weight * (first + second);
        }
        if total != 0.0 {
            shares.push(signal / total);
        }
    }
    shares.iter().sum::<f64>() / shares.len().max(1) as f64
}

fn crossover(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let seeds = seeds_of(runs);
        let relative: Vec<f64> = runs
            .iter()
            .map(|run| {
                let mean = run.last.output.iter().map(|v| v.abs()).sum::<f64>()
                    / run.last.output.len() as f64;
                mean / theory::crossover_output(run.setting.output_init, final_scale_of(run))
            })
            .collect();
        parts.push(rules::equivalence(
            format!("{label}: mean|v_T| ÷ crossover v_T"),
            &Band::factor(1.0, 1.5),
            &over_seeds(&relative, &seeds),
        ));
        if runs
            .iter()
            .all(|run| run.setting.output_init >= final_scale_of(run))
        {
            let ratios: Vec<f64> = runs
                .iter()
                .map(|run| {
                    median_ratio(run, run.steps_taken)
                        / theory::crossover_ratio(run.setting.output_init, final_scale_of(run))
                })
                .collect();
            parts.push(rules::equivalence(
                format!("{label}: median ‖Δw‖/|v_T| ÷ v*²/v_T²"),
                &Band::factor(1.0, 1.5),
                &over_seeds(&ratios, &seeds),
            ));
        }
    }
    Ok(parts)
}

/// The (n, d) slices of a case.
pub(super) fn slices(case: &Case) -> Result<Vec<(usize, usize)>, Error> {
    Ok(case
        .parameters
        .matrix("slices")?
        .iter()
        .map(|row| {
            (
                crate::exact::to_f64(&row[0]) as usize,
                crate::exact::to_f64(&row[1]) as usize,
            )
        })
        .collect())
}

/// The crossing of a decreasing series through `level`, by linear interpolation in log
/// x; `None` if it does not cross.
fn crossing(points: &[(f64, f64)], level: f64) -> Option<f64> {
    points.windows(2).find_map(|pair| {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        ((y0 - level) * (y1 - level) <= 0.0 && y0 != y1).then(|| {
            let fraction = (y0 - level) / (y0 - y1);
            (x0.ln() + fraction * (x1.ln() - x0.ln())).exp()
        })
    })
}

fn boundary(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let points = case.parameters.count("sweep_points")? as usize;
    let seeds = runs::seeds(case);
    let mut parts = Vec::new();
    let mut scaling = Vec::new();
    for (samples, dimension) in slices(case)? {
        let mut setting = base.clone();
        setting.samples = samples;
        setting.dimension = dimension;
        let star = theory::final_output_scale(&setting, setting.loss_target);
        let inits: Vec<f64> = (0..points)
            .map(|k| star / 5.0 * 25f64.powf(k as f64 / (points - 1) as f64))
            .collect();
        let mut specs = Vec::new();
        for &init in &inits {
            for &seed in &seeds {
                let mut run_setting = setting.clone();
                run_setting.output_init = init;
                if let Some(reason) = guard_violation(&run_setting) {
                    parts.push(rules::out_of_scope(
                        format!("n = {samples}, d = {dimension}, v₀ = {init:.4}"),
                        reason,
                    ));
                    continue;
                }
                specs.push(RunSpec {
                    label: String::new(),
                    setting: run_setting,
                    seed,
                });
            }
        }
        let summaries = runs::summaries(&specs)?;
        let mut curve = Vec::new();
        let mut low_curve = Vec::new();
        let mut high_curve = Vec::new();
        let mut losses = Vec::new();
        for &init in &inits {
            let values: Vec<f64> = specs
                .iter()
                .zip(&summaries)
                .filter(|(spec, _)| spec.setting.output_init == init)
                .map(|(_, summary)| {
                    losses.push(summary.final_loss);
                    summary.median_shift_ratio
                })
                .collect();
            if let Some(spread) = Bounds::spread(&values) {
                curve.push((init, values.iter().sum::<f64>() / values.len() as f64));
                low_curve.push((init, spread.lower));
                high_curve.push((init, spread.upper));
            }
        }
        let mean_loss = losses.iter().sum::<f64>() / losses.len().max(1) as f64;
        let predicted = theory::regime_boundary(theory::final_output_scale(&setting, mean_loss));
        let label = format!("n = {samples}, d = {dimension}");
        match (
            crossing(&curve, 0.5),
            crossing(&low_curve, 0.5),
            crossing(&high_curve, 0.5),
        ) {
            (Some(center), Some(low), Some(high)) => {
                parts.push(rules::equivalence(
                    format!("{label}: crossing of the median ratio through 1/2 ÷ √(3/2)v*"),
                    &Band::factor(1.0, 1.5),
                    &Measured::new(
                        center / predicted,
                        Bounds::new(low / predicted, high / predicted),
                    )
                    .with_seeds(&seeds),
                ));
                let normalizer = (1.0 / mean_loss).ln().sqrt();
                scaling.push((
                    (samples as f64 / dimension as f64).ln(),
                    (low.min(high) / normalizer).ln(),
                    (low.max(high) / normalizer).ln(),
                    (center / normalizer).ln(),
                ));
            }
            _ => parts.push(rules::equivalence(
                format!("{label}: crossing of the median ratio through 1/2"),
                &Band::factor(1.0, 1.5),
                &Measured::point(f64::NAN),
            )),
        }
    }
    if scaling.len() >= 2 {
        let (slope, bounds) = extreme_slopes(&scaling);
        parts.push(rules::equivalence(
            "exponent of crossing/√ln(1/L_T) on n/d",
            &Band::absolute(0.25, 0.08),
            &Measured::new(slope, bounds).with_seeds(&seeds),
        ));
    }
    Ok(parts)
}

/// The OLS slope through the centers, and the extreme OLS slopes over every choice of
/// y inside each point's interval: points are (x, y_low, y_high, y_center).
pub(super) fn extreme_slopes(points: &[(f64, f64, f64, f64)]) -> (f64, Bounds) {
    let centers: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.3)).collect();
    let x: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ranges: Vec<(f64, f64)> = points.iter().map(|p| (p.1, p.2)).collect();
    (
        least_squares_slope(&centers),
        crate::exact::extreme_least_squares_slopes(&x, &ranges),
    )
}

/// The first run of t with a ≤ |v_t| ≤ b for one neuron, as (t, ln|v_t|).
fn growth_window(run: &Run, neuron: usize, low: f64, high: f64) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for t in 0..=run.steps_taken {
        let v = run.outputs_at(t)[neuron].abs();
        if v > high {
            break;
        }
        if v >= low {
            points.push((t as f64, v.ln()));
        }
    }
    points
}

fn early_growth(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let seeds = seeds_of(runs);
        let mut rate_ratios = Vec::new();
        let mut norm_ratios = Vec::new();
        for run in runs {
            let star = theory::final_output_scale(&run.setting, run.setting.loss_target);
            let v0 = run.setting.output_init;
            let eta = run.setting.learning_rate;
            let ratios: Vec<f64> = (0..run.initial.neurons())
                .filter_map(|r| {
                    let window = growth_window(run, r, 3.0 * v0, star / 10.0);
                    (window.len() >= 3).then(|| {
                        least_squares_slope(&window)
                            / (1.0 + eta * run.initial_direction_norms[r]).ln()
                    })
                })
                .collect();
            if !ratios.is_empty() {
                rate_ratios.push(quantile(&ratios, 0.5));
            }
            let mean_norm = run.initial_direction_norms.iter().sum::<f64>()
                / run.initial_direction_norms.len() as f64;
            norm_ratios.push(mean_norm / theory::initial_direction_norm(&run.setting));
        }
        if rate_ratios.len() < runs.len() {
            parts.push(rules::out_of_scope(
                format!("{label}: growth rate"),
                "a run has no neuron with 3 steps inside 3v₀ ≤ |v| ≤ v*/10",
            ));
        } else {
            parts.push(rules::equivalence(
                format!("{label}: median fitted ln-growth per step ÷ ln(1 + η‖φ⁽⁰⁾‖)"),
                &Band::factor(1.0, 1.5),
                &over_seeds(&rate_ratios, &seeds),
            ));
        }
        parts.push(rules::equivalence(
            format!(
                "{label}: mean ‖φ⁽⁰⁾‖ ÷ closed form {:.4}",
                theory::initial_direction_norm(&runs[0].setting)
            ),
            &Band::relative(1.0, 0.2),
            &over_seeds(&norm_ratios, &seeds),
        ));
    }
    Ok(parts)
}

fn output_signs(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    let mut by_init: Vec<(f64, Vec<Arc<Run>>)> = Vec::new();
    for (_, runs) in groups {
        let init = runs[0].setting.output_init;
        match by_init.iter_mut().find(|(value, _)| *value == init) {
            Some((_, members)) => members.extend(runs),
            None => by_init.push((init, runs)),
        }
    }
    for (init, runs) in &by_init {
        let hidden_std = runs[0].setting.hidden_init_std;
        let mut agree = 0u64;
        let mut flips = 0u64;
        let mut total = 0u64;
        for run in runs {
            for r in 0..run.initial.neurons() {
                let v0 = run.initial.output[r];
                let vt = run.last.output[r];
                let predicted = v0 + run.initial_mode_projection[r];
                total += 1;
                agree += u64::from(vt.signum() == predicted.signum());
                flips += u64::from(vt.signum() != v0.signum());
            }
        }
        if *init <= 0.01 {
            let rate = agree as f64 / total as f64;
            let lower = clopper_pearson_lower(agree, total, case.confidence);
            let upper = clopper_pearson_upper(agree, total, case.confidence);
            parts.push(rules::lower_bound(
                format!(
                    "v₀ = {init}: share of neurons with sign(v_T) = sign(v₀ + ⟨w⁽⁰⁾, φ̂⁽⁰⁾⟩), pooled"
                ),
                Bounds::point(0.9),
                Strictness::NonStrict,
                &Measured::new(rate, Bounds::new(lower, upper)).with_sample_size(total),
            ));
        }
        if *init >= 10.0 * hidden_std {
            parts.push(rules::stated_count(
                format!("v₀ = {init} ≥ 10σ₀: output weights that changed sign"),
                "none",
                flips,
                total,
                flips == 0,
            ));
        }
        if *init > 0.01 && *init < 10.0 * hidden_std {
            parts.push(rules::report(
                format!("v₀ = {init}: between the two regimes of the claim"),
                Value::Count { hits: flips, total },
                "sign changes, for information",
            ));
        }
    }
    Ok(parts)
}

fn memorization(case: &Case) -> Result<Vec<Part>, Error> {
    let (groups, mut parts) = guarded_groups(case)?;
    for (label, runs) in &groups {
        let prediction = theory::memorization_ratio(&runs[0].setting);
        let values: Vec<f64> = runs
            .iter()
            .map(|run| {
                let per_neuron: Vec<f64> = (0..run.initial.neurons())
                    .filter_map(|r| {
                        let sign = run.initial.class_sign(r);
                        let v = run.last.output[r].abs();
                        let ratios: Vec<f64> = (0..run.data.samples())
                            .filter(|&i| {
                                run.data.labels[i] == sign && run.noise_coefficients[(i, r)] > 0.0
                            })
                            .map(|i| run.noise_coefficients[(i, r)] / v)
                            .collect();
                        (!ratios.is_empty()).then(|| quantile(&ratios, 0.5))
                    })
                    .collect();
                quantile(&per_neuron, 0.5)
            })
            .collect();
        parts.push(rules::equivalence(
            format!("{label}: median ρ/|v| over memorizing pairs"),
            &Band::factor(prediction, 2.0),
            &over_seeds(&values, &seeds_of(runs)),
        ));
        parts.push(rules::report(
            format!("{label}: signal-free form 2σ_p√(d/n)"),
            Value::Number(theory::memorization_ratio_signal_free(&runs[0].setting)),
            "§7.2, for comparison",
        ));
    }
    Ok(parts)
}

fn coefficient_ratio(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let signal_norms = case.parameters.numbers("signal_norms")?;
    let inits = case.parameters.numbers("output_inits")?;
    let seeds = runs::seeds(case);
    let target = theory::signal_noise_constant(base.flip_rate);
    let mut parts = Vec::new();
    let mut regimes: Vec<(String, Setting)> = inits
        .iter()
        .map(|&init| {
            let mut setting = base.clone();
            setting.output_init = init;
            (format!("v₀ = {init}"), setting)
        })
        .collect();
    if case.parameters.flag("with_fixed_output")? {
        let mut setting = base.clone();
        setting.output_layer = OutputLayer::Fixed;
        regimes.push((format!("fixed κv = {}", base.fixed_output_weight), setting));
    }
    for (name, regime) in &regimes {
        for (samples, dimension) in slices(case)? {
            let mut specs = Vec::new();
            for &signal_norm in &signal_norms {
                for &seed in &seeds {
                    let mut setting = regime.clone();
                    setting.samples = samples;
                    setting.dimension = dimension;
                    setting.signal_norm = signal_norm;
                    specs.push(RunSpec {
                        label: String::new(),
                        setting,
                        seed,
                    });
                }
            }
            let label = format!("{name}, n = {samples}, d = {dimension}");
            if let Some(reason) = specs.iter().find_map(|spec| guard_violation(&spec.setting)) {
                parts.push(rules::out_of_scope(label, reason));
                continue;
            }
            let summaries = runs::summaries(&specs)?;
            let mut points = Vec::new();
            let mut constants = Vec::new();
            for &signal_norm in &signal_norms {
                let ratios: Vec<f64> = specs
                    .iter()
                    .zip(&summaries)
                    .filter(|(spec, _)| spec.setting.signal_norm == signal_norm)
                    .map(|(_, s)| s.mean_signal_coefficient / s.mean_memorizing_coefficient)
                    .collect();
                let ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
                let spread = Bounds::spread(&ratios).unwrap_or(Bounds::point(ratio));
                let scale = samples as f64 * signal_norm * signal_norm
                    / (base.noise_std.powi(2) * dimension as f64);
                points.push((
                    (signal_norm * signal_norm).ln(),
                    spread.lower.ln(),
                    spread.upper.ln(),
                    ratio.ln(),
                ));
                constants.push(ratio / scale);
            }
            if points
                .iter()
                .any(|p| !(p.1.is_finite() && p.2.is_finite() && p.3.is_finite()))
            {
                // A seed with γ̄/ρ̄ ≤ 0 (flipped samples pushing γ below 0 at a weak
                // signal) leaves ln(γ̄/ρ̄), hence the slope, unbounded below.
                parts.push(rules::decided(
                    format!("{label}: exponent of γ̄/ρ̄ in ‖μ‖²"),
                    Rule::Equivalence,
                    "in [0.8, 1.2]",
                    Value::label("unbounded"),
                    None,
                    "some seed has γ̄/ρ̄ ≤ 0 at some ‖μ‖, so the seed range of ln(γ̄/ρ̄) is unbounded; more seeds cannot narrow it, a larger ‖μ‖ grid would",
                ));
            } else {
                let (slope, bounds) = extreme_slopes(&points);
                parts.push(rules::equivalence(
                    format!("{label}: exponent of γ̄/ρ̄ in ‖μ‖²"),
                    &Band::range(0.8, 1.2),
                    &Measured::new(slope, bounds).over_seed_range(&seeds),
                ));
            }
            let constant = constants.iter().sum::<f64>() / constants.len() as f64;
            parts.push(rules::equivalence(
                format!("{label}: c = (γ̄/ρ̄)·σ_p²d/(n‖μ‖²)"),
                &Band::factor(target, 3.0),
                &Measured::new(
                    constant,
                    Bounds::spread(&constants).unwrap_or(Bounds::point(constant)),
                )
                .over_seed_range(&seeds),
            ));
        }
    }
    Ok(parts)
}

fn interpolation(case: &Case) -> Result<Vec<Part>, Error> {
    let specs = runs::grid(case)?;
    let runs = runs::fetch(&specs)?;
    let fitted = runs.iter().filter(|run| run.training_errors == 0).count() as u64;
    let (worst_index, worst_loss) = runs.iter().map(|run| run.final_loss()).enumerate().fold(
        (0, 0.0),
        |best, (index, loss)| if loss > best.1 { (index, loss) } else { best },
    );
    let target = case.parameters.number("loss_target")?;
    let longest = runs.iter().map(|run| run.steps_taken).max().unwrap_or(0);
    let inactive: usize = runs.iter().map(|run| run.inactive_samples).sum();
    let with_inactive = runs.iter().filter(|run| run.inactive_samples > 0).count();
    Ok(vec![
        rules::report(
            "training samples on which every filter is inactive at T (f = 0, loss ln 2)",
            Value::Count {
                hits: inactive as u64,
                total: runs.iter().map(|run| run.data.samples() as u64).sum(),
            },
            format!(
                "in {with_inactive} runs; such a sample gets no gradient and is labelled by the tie-break"
            ),
        ),
        rules::stated_count(
            "runs with zero training 0-1 error at T",
            "every run",
            fitted,
            runs.len() as u64,
            fitted == runs.len() as u64,
        ),
        rules::upper_bound(
            format!(
                "largest L_T over the runs ({}; longest run {longest} steps)",
                specs[worst_index].label
            ),
            Bounds::point(target),
            Strictness::NonStrict,
            &Measured::point(worst_loss),
        ),
    ])
}
