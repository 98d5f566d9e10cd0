//! Claims CNN-1 … CNN-8: the balance lemma, its step and summed forms, the coefficient
//! recursions, the two-mode form, the drift's order in η, and err = p + (1 − 2p)q.

use nalgebra::{DMatrix, DVector};
use num_traits::Zero;
use rayon::prelude::*;

use super::engine::{Run, UNIT_ROUNDOFF};
use super::exact_steps::{
    RationalNetwork, class_balance_residual, exact_decomposition, has_zero_activation,
    random_instance, rational_data, step_residuals,
};
use super::runs::{self, RunSpec};
use super::setting::{NoiseLaw, OutputLayer, OutputScale, OutputSharing, Setting, UpdateOrder};
use super::{claim, with_setting};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, TierRule, Value};
use crate::error::Error;
use crate::exact::{Bounds, least_squares_slope, normal_quantile, rational_from_decimal_f64};
use crate::suite::Case;

pub(super) static CLAIMS: [ClaimInfo; 8] = [
    claim(
        "CNN-1",
        "balance lemma",
        "⟨w, g_w⟩ = v·g_v for every filter (with bias: ⟨w, g_w⟩ + b·g_b = v·g_v), for every κ: exactly on random rational states with rational ℓ′ stand-ins and some activation exactly 0, and in f64 on the simulated states.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "z·σ′(z) = σ(z) ⇒ ⟨w, g_w⟩ = (κ/n)Σ_i ℓ′_i y_i j v [σ′(z¹)z¹ + σ′(z²)z²] = v·g_v",
        TierRule::Quick,
        with_setting![
            "instances",
            "maximum_samples",
            "maximum_dimension",
            "maximum_filters"
        ],
    ),
    claim(
        "CNN-2",
        "per-step balance identity",
        "‖w⁺‖² − v⁺² = ‖w‖² − v² + η²(‖g_w‖² − g_v²) for every neuron at every step of every run (f64 against the spec's 1e-12 and a derived rounding budget), and exactly from rationalized states.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "‖w − ηg_w‖² − (v − ηg_v)² = ‖w‖² − v² − 2η(⟨w, g_w⟩ − v g_v) + η²(‖g_w‖² − g_v²)",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-3",
        "summed balance and the shift of v",
        "(v_T)² − v₀² = ‖Δw‖² + 2⟨w⁽⁰⁾, Δw⟩ − D_T at the end of every run (f64, 1e-12·T relative); the shift v_T − v₀ it implies is reported where |v_T + v₀| > 0.1|v₀|.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "D_T = η² Σ_{s<T}(‖g_w⁽ˢ⁾‖² − (g_v⁽ˢ⁾)²);  v_T − v₀ = (‖Δw‖² + 2⟨w⁽⁰⁾, Δw⟩ − D_T)/(v_T + v₀)",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-4",
        "balance variants and the sequential control",
        "The step identity holds with κ = 1/m, with a trainable bias (‖w‖² + b²), and with one output weight per class (Σ_r‖w_{j,r}‖² − v_j²); a sequential update (v first) leaves a residual at least 100× the tolerance.",
        &[ClaimKind::Identity, ClaimKind::Inequality],
        &[Provenance::Derived],
        "sequential: residual = 2η²g_v² + η²‖g_w‖²((v⁺/v)² − 1) = O(η²)",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-5",
        "the drift is first order in η",
        "At a fixed horizon H = ηT, the mean over neurons of |D_T| is proportional to η: the log-log slope over η ∈ {0.1, 0.05, 0.025} (same data and initialization) lies in [0.8, 1.2].",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "D_T = η² Σ_{s<T}(‖g_w‖² − g_v²) ≈ η·H·mean(‖g_w‖² − g_v²)",
        TierRule::QuickReduced,
        with_setting!["learning_rates", "horizon"],
    ),
    claim(
        "CNN-6",
        "signal–noise coefficients",
        "The recursions for γ and ρ rebuild W exactly (f64 ≤ 1e-12; exact on a small rational instance), a Gram solve on Δw recovers them (≤ 1e-10), and with noise on disjoint blocks γ = j⟨Δw, μ⟩, ρ_i = ⟨Δw, ξ_i⟩ (≤ 1e-12); projected and iid noise.",
        &[ClaimKind::Recursion],
        &[Provenance::Derived],
        "γ⁺ = γ − (ηκ/n) v Σ_i ℓ′_i y_iŷ_i σ′(z¹)‖μ‖²;  ρ_i⁺ = ρ_i − (ηκ/n) v ℓ′_i j y_i σ′(z²)‖ξ_i‖²",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-7",
        "two-mode form of a neuron's step",
        "v⁺ = v + η⟨w, φ⟩ and ⟨w⁺, φ⟩ = ⟨w, φ⟩ + ηv‖φ‖² (so v ± ⟨w, φ̂⟩ scale by 1 ± η‖φ‖): exact from rationalized states, f64 ≤ 1e-12 along every run.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "v⁺ ± ⟨w⁺, φ̂⟩ = (1 ± η‖φ‖)(v ± ⟨w, φ̂⟩)",
        TierRule::QuickReduced,
        with_setting![],
    ),
    claim(
        "CNN-8",
        "test error against the noisy label",
        "err = p + (1 − 2p)q for any trained predictor with the tie-break f = 0 → −1: the residual on the pooled test draws of all runs lies within ±0.02.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "P(pred ≠ y) = p + (1 − 2p) P(pred ≠ ŷ), flips independent of x",
        TierRule::QuickReduced,
        with_setting![],
    ),
];

/// Checks one of CNN-1 … CNN-8; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "CNN-1" => balance_lemma(case),
        "CNN-2" => step_balance(case),
        "CNN-3" => summed_balance(case),
        "CNN-4" => balance_variants(case),
        "CNN-5" => drift_order(case),
        "CNN-6" => coefficients(case),
        "CNN-7" => two_mode_form(case),
        "CNN-8" => noisy_label_identity(case),
        _ => return None,
    })
}

/// The smallest power of ten at or above a rounding residual: what a snapshot can show
/// of a number that is rounding noise.
pub(super) fn decade(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        value
    } else {
        10f64.powf(value.log10().ceil())
    }
}

/// An f64 identity part on a residual, shown to its decade; past the tolerance the step
/// is re-checked exactly by `recheck`.
pub(super) fn residual_part(
    label: impl Into<String>,
    residual: f64,
    tolerance: f64,
    recheck: impl FnOnce() -> Result<bool, Error>,
) -> Part {
    let mut part = rules::float_identity(label, 0.0, residual, tolerance, recheck);
    part.measurement.value = Value::Number(decade(residual));
    part.reason = format!(
        "{}; largest residual {residual:.3e}, shown as its decade",
        part.reason
    );
    part
}

/// The exact re-check of a run's worst balance step, kept as the states before and after
/// it: the engine's step must agree with the exact rational step of its pre-step state to
/// a forward-error bound (so the step re-checked is the one the engine took), and the
/// identities `which` of [`step_residuals`] (or the class balance with shared output
/// weights) must hold exactly at that state, for the unit whose residual was largest.
fn exact_worst_step(run: &Run, which: &[usize]) -> Result<bool, Error> {
    let Some(state) = run
        .identities
        .as_ref()
        .and_then(|ids| ids.worst_step.as_ref())
    else {
        return Err(Error::Numerical("no kept step to re-check".into()));
    };
    let network = RationalNetwork::from_network(&state.network)?;
    let data = rational_data(&run.data, &state.loss_weights)?;
    let eta = rational_from_f64(run.setting.learning_rate)?;
    let m = run.setting.filters_per_class;
    let shared = run.setting.output_sharing == OutputSharing::PerClass;
    let members: Vec<usize> = if shared {
        (state.unit * m..(state.unit + 1) * m).collect()
    } else {
        vec![state.unit]
    };
    if !engine_step_agrees(run, state, &network, &data, &members) {
        return Ok(false);
    }
    if shared {
        return Ok(class_balance_residual(&network, &data, state.unit, &eta).is_zero());
    }
    let residuals = step_residuals(&network, &data, state.unit, &eta);
    Ok(which.iter().all(|&k| residuals[k].is_zero()))
}

/// Whether the engine's step for `members` matches the exact gradient step from the
/// kept pre-step state within 64u(n + d) times the size of the terms.
fn engine_step_agrees(
    run: &Run,
    state: &super::engine::StepState,
    network: &RationalNetwork,
    data: &super::exact_steps::RationalData,
    members: &[usize],
) -> bool {
    use crate::exact::to_f64;
    let eta = run.setting.learning_rate;
    let (samples, dimension) = (run.data.samples(), run.data.dimension());
    let tolerance = 64.0 * UNIT_ROUNDOFF * (samples + dimension) as f64;
    let gradients: Vec<_> = members.iter().map(|&r| network.gradient(data, r)).collect();
    // |φ_k| ≤ (κ/n) Σ_i (|ξ_ik| + |μ_k|) since |ℓ′_i| ≤ 1: a bound on the terms summed.
    let kappa = run.initial.kappa;
    let term_bounds: Vec<f64> = (0..dimension)
        .map(|k| {
            let noise: f64 = (0..samples)
                .map(|i| run.data.noise_rows[(i, k)].abs())
                .sum();
            let signal = if k == 0 {
                samples as f64 * run.data.signal_norm
            } else {
                0.0
            };
            kappa / samples as f64 * (noise + signal)
        })
        .collect();
    let trainable = run.setting.output_layer == OutputLayer::Trainable;
    let output_gradient: f64 = gradients.iter().map(|g| to_f64(&g.output)).sum();
    for (&r, gradient) in members.iter().zip(&gradients) {
        let before = &state.network;
        let after = &state.after;
        let used = match run.setting.update {
            UpdateOrder::Simultaneous => before.output[r],
            UpdateOrder::Sequential => after.output[r],
        };
        let scale_factor = if before.output[r] != 0.0 {
            used / before.output[r]
        } else {
            1.0
        };
        for k in 0..dimension {
            let step = eta * to_f64(&gradient.hidden[k]) * scale_factor;
            let expected = before.hidden[(k, r)] - step;
            let size = before.hidden[(k, r)].abs() + step.abs() + eta * used.abs() * term_bounds[k];
            if (after.hidden[(k, r)] - expected).abs() > tolerance * size.max(f64::MIN_POSITIVE) {
                return false;
            }
        }
        let expected_output = if trainable {
            let g = if members.len() > 1 {
                output_gradient
            } else {
                to_f64(&gradient.output)
            };
            before.output[r] - eta * g
        } else {
            before.output[r]
        };
        let size = before.output[r].abs() + (expected_output - before.output[r]).abs();
        if (after.output[r] - expected_output).abs() > tolerance * size.max(f64::MIN_POSITIVE) {
            return false;
        }
    }
    true
}

/// The exact value of a double.
fn rational_from_f64(value: f64) -> Result<num_rational::BigRational, Error> {
    num_rational::BigRational::from_float(value)
        .ok_or_else(|| Error::Numerical(format!("non-finite {value}")))
}

fn worst_run(runs: &[std::sync::Arc<Run>], key: impl Fn(&Run) -> f64) -> (&Run, f64) {
    runs.iter()
        .map(|run| (run.as_ref(), key(run)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a grid has at least one run")
}

fn balance_lemma(case: &Case) -> Result<Vec<Part>, Error> {
    let instances = case.parameters.count("instances")?;
    let samples = case.parameters.count("maximum_samples")? as usize;
    let dimension = case.parameters.count("maximum_dimension")? as usize;
    let filters = case.parameters.count("maximum_filters")? as usize;
    let mut stream = case.random_stream(0);
    let (mut holding, mut with_zero) = (0, 0);
    for index in 0..instances {
        let bias = index % 2 == 1;
        let inverse = (index / 2) % 2 == 1;
        let (network, data) =
            random_instance(&mut stream, samples, dimension, filters, bias, inverse);
        with_zero += u64::from(has_zero_activation(&network, &data));
        let eta = rational_from_decimal_f64(0.05).expect("finite");
        if (0..network.output.len()).all(|r| step_residuals(&network, &data, r, &eta)[0].is_zero())
        {
            holding += 1;
        }
    }
    let specs = runs::grid(case)?;
    let runs = runs::fetch(&specs)?;
    let (worst, residual) = worst_run(&runs, |run| {
        run.identities
            .as_ref()
            .map_or(0.0, |ids| ids.gradient_relative)
    });
    Ok(vec![
        rules::exact_predicate(
            format!(
                "⟨w, g_w⟩ + b·g_b = v·g_v on {instances} rational states (κ = 1 and 1/m, bias off and on; {with_zero} with an activation exactly 0)"
            ),
            "= on every state and neuron",
            Value::Count {
                hits: holding,
                total: instances,
            },
            holding == instances && with_zero == instances,
        ),
        residual_part(
            format!(
                "f64, every step of {} runs: |⟨w, φ⟩ + bβ + g_v| relative",
                runs.len()
            ),
            residual,
            1e-12,
            || exact_worst_step(worst, &[0]),
        ),
    ])
}

/// The trainable runs of a case's grid: the balance identities concern a trained v.
fn trainable_runs(case: &Case) -> Result<(Vec<RunSpec>, Vec<std::sync::Arc<Run>>), Error> {
    let specs: Vec<RunSpec> = runs::grid(case)?
        .into_iter()
        .filter(|spec| spec.setting.output_layer == OutputLayer::Trainable)
        .collect();
    let runs = runs::fetch(&specs)?;
    Ok((specs, runs))
}

fn step_balance(case: &Case) -> Result<Vec<Part>, Error> {
    let (_, runs) = trainable_runs(case)?;
    let (worst, relative) = worst_run(&runs, |run| {
        run.identities
            .as_ref()
            .map_or(0.0, |ids| ids.balance_relative)
    });
    let (worst_budget, budget_ratio) = worst_run(&runs, |run| {
        run.identities
            .as_ref()
            .map_or(0.0, |ids| ids.balance_budget_ratio)
    });
    let exact: Vec<bool> = runs
        .par_iter()
        .map(|run| exact_worst_step(run, &[1]))
        .collect::<Result<_, _>>()?;
    let exact_holding = exact.iter().filter(|&&holds| holds).count() as u64;
    Ok(vec![
        residual_part(
            format!(
                "f64, every neuron and step of {} trainable runs: residual / max(‖w‖², v², η²‖g_w‖²)",
                runs.len()
            ),
            relative,
            1e-12,
            || exact_worst_step(worst, &[1]),
        ),
        residual_part(
            "f64: residual / derived rounding budget 8(d + n + 8)u·Σ|terms|",
            budget_ratio,
            1.0,
            || exact_worst_step(worst_budget, &[1]),
        ),
        rules::exact_predicate(
            "exact one-step identity from each run's rationalized worst step",
            "= 0 exactly",
            Value::Count {
                hits: exact_holding,
                total: runs.len() as u64,
            },
            exact_holding == runs.len() as u64,
        ),
    ])
}

/// Per unit at the end of a run: (relative residual of the summed identity, shift of v
/// from the quotient form when |v_T + v₀| > 0.1|v₀|).
fn summed_identity(run: &Run) -> (f64, Vec<f64>) {
    let identities = run
        .identities
        .as_ref()
        .expect("cached runs keep diagnostics");
    let neurons = run.initial.neurons();
    let m = run.setting.filters_per_class;
    let shared = run.setting.output_sharing == OutputSharing::PerClass;
    let units = identities.drift.len();
    let mut worst: f64 = 0.0;
    let mut shifts = Vec::new();
    for unit in 0..units {
        let members: Vec<usize> = (0..neurons)
            .filter(|&r| if shared { r / m == unit } else { r == unit })
            .collect();
        let (mut start, mut end) = (0.0, 0.0);
        for &r in &members {
            start += run.initial.hidden.column(r).norm_squared() + run.initial.bias[r].powi(2);
            end += run.last.hidden.column(r).norm_squared() + run.last.bias[r].powi(2);
        }
        let v0 = run.initial.output[members[0]];
        let vt = run.last.output[members[0]];
        let drift = identities.drift[unit];
        // ‖w_T‖² − ‖w₀‖² = ‖Δw‖² + 2⟨w⁽⁰⁾, Δw⟩ (with the bias terms alongside).
        let hidden_change = end - start;
        let residual = (vt * vt - v0 * v0) - (hidden_change - drift);
        let scale = (vt * vt).max(v0 * v0).max(end).max(start).max(drift.abs());
        worst = worst.max(residual.abs() / scale);
        if (vt + v0).abs() > 0.1 * v0.abs() {
            shifts.push((hidden_change - drift) / (vt + v0));
        }
    }
    (worst, shifts)
}

fn summed_balance(case: &Case) -> Result<Vec<Part>, Error> {
    let (specs, runs) = trainable_runs(case)?;
    let mut worst_per_step: f64 = 0.0;
    let mut longest = 0;
    let mut mean_shifts = Vec::new();
    for run in &runs {
        let (relative, shifts) = summed_identity(run);
        worst_per_step = worst_per_step.max(relative / run.steps_taken.max(1) as f64);
        longest = longest.max(run.steps_taken);
        if !shifts.is_empty() {
            mean_shifts.push(format!(
                "{}: {:.3e}",
                specs
                    .iter()
                    .find(|spec| spec.setting == run.setting && spec.seed == run.seed)
                    .map_or("run", |spec| spec.label.as_str()),
                shifts.iter().sum::<f64>() / shifts.len() as f64
            ));
        }
    }
    Ok(vec![
        residual_part(
            format!(
                "f64 at T (up to {longest} steps), {} trainable runs: relative residual / T",
                runs.len()
            ),
            worst_per_step,
            1e-12,
            || {
                Err(Error::Numerical(
                    "the summed identity has no exact re-check (a whole trajectory); CNN-2 checks each step exactly".into(),
                ))
            },
        ),
        rules::report(
            "mean shift v_T − v₀ per run from the quotient form",
            Value::label(format!("{} runs", mean_shifts.len())),
            mean_shifts.join("; "),
        ),
    ])
}

fn variant(case: &Case, change: impl Fn(&mut Setting)) -> Result<RunSpec, Error> {
    let mut setting = Setting::from_parameters(&case.parameters)?;
    change(&mut setting);
    Ok(RunSpec {
        label: String::new(),
        setting,
        seed: runs::seeds(case)[0],
    })
}

fn balance_variants(case: &Case) -> Result<Vec<Part>, Error> {
    let variants: [(&str, RunSpec); 4] = [
        (
            "κ = 1/m",
            variant(case, |s| s.output_scale = OutputScale::InverseFilters)?,
        ),
        ("trainable bias", variant(case, |s| s.bias = true)?),
        (
            "per-class output weights",
            variant(case, |s| s.output_sharing = OutputSharing::PerClass)?,
        ),
        (
            "sequential update",
            variant(case, |s| s.update = UpdateOrder::Sequential)?,
        ),
    ];
    let specs: Vec<RunSpec> = variants.iter().map(|(_, spec)| spec.clone()).collect();
    let runs = runs::fetch(&specs)?;
    let mut parts = Vec::new();
    for ((name, _), run) in variants.iter().zip(&runs) {
        let relative = run
            .identities
            .as_ref()
            .map_or(0.0, |ids| ids.balance_relative);
        if run.setting.update == UpdateOrder::Sequential {
            let mut part = rules::lower_bound(
                format!("{name}: largest relative residual ≥ 100 × 1e-12 (negative control)"),
                Bounds::point(1e-10),
                Strictness::NonStrict,
                &Measured::point(relative),
            );
            part.measurement.value = Value::Number(decade(relative));
            parts.push(part);
        } else {
            let run = run.clone();
            parts.push(residual_part(
                format!(
                    "{name}: largest relative step residual, {} steps",
                    run.steps_taken
                ),
                relative,
                1e-12,
                move || exact_worst_step(&run, &[1]),
            ));
        }
    }
    Ok(parts)
}

fn drift_order(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let horizon = case.parameters.number("horizon")?;
    let rates = case.parameters.numbers("learning_rates")?;
    let seed = runs::seeds(case)[0];
    let mut points = Vec::new();
    for &rate in &rates {
        let mut setting = base.clone();
        setting.learning_rate = rate;
        setting.steps = (horizon / rate).round() as usize;
        // A fixed horizon: no continuation to the loss target.
        setting.maximum_steps = setting.steps;
        let run = runs::cached(&setting, seed)?;
        let drift = &run.identities.as_ref().expect("diagnostics").drift;
        let mean = drift.iter().map(|d| d.abs()).sum::<f64>() / drift.len() as f64;
        points.push((rate.ln(), mean.ln(), rate, mean));
    }
    let slope = least_squares_slope(&points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    let listing = points
        .iter()
        .map(|p| format!("η = {}: {:.4e}", p.2, p.3))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(vec![
        rules::equivalence(
            format!("log-log slope of mean|D_T| on η at H = {horizon}"),
            &Band::range(0.8, 1.2),
            &Measured::point(slope).with_seeds(&[seed]),
        ),
        rules::report(
            "mean |D_T| per η",
            Value::label(listing),
            "same data and initialization",
        ),
    ])
}

/// The largest relative difference between the explicit and the coefficient-space run:
/// output weights, the loss along the run, and ‖Δw‖ at the end (different step counts
/// count as a difference of 1).
fn engine_difference(run: &Run, other: &super::coefficients::CoefficientRun) -> f64 {
    if run.steps_taken != other.steps_taken {
        return 1.0;
    }
    let relative = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    let outputs = run
        .last
        .output
        .iter()
        .zip(&other.last.output)
        .map(|(a, b)| relative(*a, *b));
    let losses = run
        .losses
        .iter()
        .zip(&other.losses)
        .map(|(a, b)| relative(*a, *b));
    let shifts = (0..run.initial.neurons()).map(|r| {
        relative(
            (run.last.hidden.column(r) - run.initial.hidden.column(r)).norm(),
            other.hidden_shifts[r],
        )
    });
    outputs.chain(losses).chain(shifts).fold(0.0, f64::max)
}

/// W rebuilt from (γ, ρ) against the simulated W: the largest relative column error.
fn rebuild_error(run: &Run) -> f64 {
    let data = &run.data;
    let norms = data.noise_norms_squared();
    let mu_squared = data.signal_norm * data.signal_norm;
    let mut worst: f64 = 0.0;
    for r in 0..run.initial.neurons() {
        let mut rebuilt = run.initial.hidden.column(r).clone_owned();
        if mu_squared > 0.0 {
            // jγ μ/‖μ‖² with μ = ‖μ‖e₁.
            rebuilt[0] += run.initial.class_sign(r) * run.signal_coefficients[r] * data.signal_norm
                / mu_squared;
        }
        for i in 0..data.samples() {
            rebuilt.axpy(
                run.noise_coefficients[(i, r)] / norms[i],
                &data.noise_columns.column(i),
                1.0,
            );
        }
        let target = run.last.hidden.column(r);
        worst = worst.max((rebuilt - target).norm() / target.norm());
    }
    worst
}

/// Coefficients recovered from Δw: by a Gram solve in the basis (μ/‖μ‖², ξ_i/‖ξ_i‖²), or
/// by inner products when `inner_products`; the largest error relative to the largest
/// recursion coefficient of the neuron.
fn recovery_error(run: &Run, inner_products: bool) -> Result<f64, Error> {
    let data = &run.data;
    let (samples, dimension) = (data.samples(), data.dimension());
    let norms = data.noise_norms_squared();
    let mut basis = DMatrix::zeros(dimension, samples + 1);
    basis[(0, 0)] = 1.0 / data.signal_norm;
    for i in 0..samples {
        basis
            .column_mut(i + 1)
            .copy_from(&(data.noise_columns.column(i) / norms[i]));
    }
    let gram = basis.transpose() * &basis;
    let cholesky = gram
        .cholesky()
        .ok_or_else(|| Error::Numerical("the Gram matrix of μ, ξ_1, …, ξ_n is singular".into()))?;
    let mut worst: f64 = 0.0;
    for r in 0..run.initial.neurons() {
        let shift = run.last.hidden.column(r) - run.initial.hidden.column(r);
        let sign = run.initial.class_sign(r);
        let recovered: DVector<f64> = if inner_products {
            let mut values = DVector::zeros(samples + 1);
            values[0] = shift[0] * data.signal_norm;
            for i in 0..samples {
                values[i + 1] = shift.dot(&data.noise_columns.column(i));
            }
            values
        } else {
            cholesky.solve(&(basis.transpose() * &shift))
        };
        // Both forms read jγ in the first slot (⟨Δw, μ⟩ = jγ for orthogonal noise).
        let mut expected = DVector::zeros(samples + 1);
        expected[0] = sign * run.signal_coefficients[r];
        for i in 0..samples {
            expected[i + 1] = run.noise_coefficients[(i, r)];
        }
        let scale = expected.amax().max(f64::MIN_POSITIVE);
        worst = worst.max((recovered - expected).amax() / scale);
    }
    Ok(worst)
}

fn coefficients(case: &Case) -> Result<Vec<Part>, Error> {
    let seed = runs::seeds(case)[0];
    let laws = [("projected", NoiseLaw::Projected), ("iid", NoiseLaw::Iid)];
    let mut parts = Vec::new();
    for (name, law) in laws {
        let spec = variant(case, |s| s.noise = law)?;
        let run = runs::cached(&spec.setting, seed)?;
        parts.push(residual_part(
            format!("{name} noise: W rebuilt from (γ, ρ), relative"),
            rebuild_error(&run),
            1e-12,
            || {
                Err(Error::Numerical(
                    "no exact re-run of a whole trajectory; see the exact part".into(),
                ))
            },
        ));
        parts.push(residual_part(
            format!("{name} noise: Gram solve on Δw recovers (jγ, ρ), relative"),
            recovery_error(&run, false)?,
            1e-10,
            || {
                Err(Error::Numerical(
                    "no exact Gram solve at this size; see the exact part".into(),
                ))
            },
        ));
        // The recursions as a simulator: the coefficient-space engine against W.
        let coefficient_run = runs::simulate_coefficients(&spec.setting, seed)?;
        let (samples, dimension) = (run.data.samples(), run.data.dimension());
        let tolerance =
            64.0 * UNIT_ROUNDOFF * (samples + dimension) as f64 * run.steps_taken as f64;
        parts.push(residual_part(
            format!(
                "{name} noise: coefficient-space GD reproduces v_T, L_t, ‖Δw‖ (tolerance 64u(n + d)T)"
            ),
            engine_difference(&run, &coefficient_run),
            tolerance,
            || {
                Err(Error::Numerical(
                    "no exact re-run of a whole trajectory; see the exact part".into(),
                ))
            },
        ));
    }
    let spec = variant(case, |s| s.noise = NoiseLaw::Blocks)?;
    let run = runs::cached(&spec.setting, seed)?;
    parts.push(residual_part(
        "noise on disjoint blocks: γ = j⟨Δw, μ⟩, ρ_i = ⟨Δw, ξ_i⟩, relative",
        recovery_error(&run, true)?,
        1e-12,
        || {
            Err(Error::Numerical(
                "no exact re-run of a whole trajectory; see the exact part".into(),
            ))
        },
    ));
    let mut stream = case.random_stream(seed);
    let checks: Vec<_> = [true, false]
        .into_iter()
        .map(|project| exact_decomposition(&mut stream, 3, project))
        .collect();
    let holding = checks.iter().filter(|c| c.rebuilt && c.recovered).count() as u64;
    parts.push(rules::exact_predicate(
        "exact rationals, n = 4, d = 8, m = 2, 3 steps, projected and iid noise: rebuild and Gram solve",
        "equal exactly",
        Value::Count {
            hits: holding,
            total: 2,
        },
        holding == 2,
    ));
    Ok(parts)
}

fn two_mode_form(case: &Case) -> Result<Vec<Part>, Error> {
    let specs = runs::grid(case)?;
    let runs = runs::fetch(&specs)?;
    let (worst, residual) = worst_run(&runs, |run| {
        run.identities.as_ref().map_or(0.0, |ids| ids.mode_relative)
    });
    let eligible: Vec<&std::sync::Arc<Run>> = runs
        .iter()
        .filter(|run| {
            run.setting.output_sharing == OutputSharing::PerNeuron
                && run.setting.output_layer == OutputLayer::Trainable
        })
        .collect();
    let checked = eligible.len() as u64;
    let exact: Vec<bool> = eligible
        .par_iter()
        .map(|run| exact_worst_step(run, &[2, 3]))
        .collect::<Result<_, _>>()?;
    let exact_holding = exact.iter().filter(|&&holds| holds).count() as u64;
    Ok(vec![
        residual_part(
            format!(
                "f64, every neuron and step of {} runs: ⟨w⁺, φ⟩ − ⟨w, φ⟩ − ηv‖φ‖², relative",
                runs.len()
            ),
            residual,
            1e-12,
            || exact_worst_step(worst, &[2, 3]),
        ),
        rules::exact_predicate(
            "exact from each trainable run's rationalized worst step: v⁺ = v + η⟨w, φ⟩ and ⟨w⁺, φ⟩ = ⟨w, φ⟩ + ηv‖φ‖²",
            "= 0 exactly",
            Value::Count {
                hits: exact_holding,
                total: checked,
            },
            exact_holding == checked,
        ),
    ])
}

fn noisy_label_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let specs = runs::grid(case)?;
    let runs = runs::fetch(&specs)?;
    let flip_rate = case.parameters.number("flip_rate")?;
    let mut pooled = super::engine::TestOutcome::default();
    for run in &runs {
        if let Some(outcome) = &run.test_final {
            pooled = pooled.pooled(outcome);
        }
    }
    if pooled.total == 0 {
        return Ok(vec![rules::out_of_scope(
            "pooled test draws",
            "no test draws",
        )]);
    }
    let total = pooled.total as f64;
    let error = pooled.errors as f64 / total;
    let clean = pooled.clean_errors as f64 / total;
    let residual = error - (flip_rate + (1.0 - 2.0 * flip_rate) * clean);
    let z = normal_quantile(1.0 - (1.0 - case.confidence) / 2.0);
    let half = z * (flip_rate * (1.0 - flip_rate) / total).sqrt();
    Ok(vec![
        rules::equivalence(
            format!("D = err − (p + (1 − 2p)q), {} runs pooled", runs.len()),
            &Band::absolute(0.0, 0.02),
            &Measured::new(residual, Bounds::new(residual - half, residual + half))
                .with_sample_size(pooled.total),
        ),
        rules::report(
            "draws with f = 0 (predicted −1)",
            Value::Count {
                hits: pooled.ties,
                total: pooled.total,
            },
            "the tie-break keeps the identity exact",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::theorems::cnn_benign::engine::RunOptions;
    use crate::theorems::cnn_benign::runs::simulate;
    use crate::theorems::cnn_benign::tests::small_setting;

    #[test]
    fn the_exact_recheck_confirms_real_steps_and_catches_a_wrong_one() {
        for variant in 0..5 {
            let mut setting = small_setting();
            setting.output_init = 0.3;
            match variant {
                1 => setting.output_scale = OutputScale::InverseFilters,
                2 => setting.bias = true,
                3 => setting.output_sharing = OutputSharing::PerClass,
                4 => setting.update = UpdateOrder::Sequential,
                _ => {}
            }
            let options = RunOptions {
                diagnostics: true,
                record_shifts: false,
            };
            let mut run = simulate(&setting, 0, options).unwrap();
            let which: &[usize] = if variant == 4 { &[0] } else { &[0, 1] };
            assert!(exact_worst_step(&run, which).unwrap(), "variant {variant}");
            // A step the engine did not take must fail the re-check.
            let state = run
                .identities
                .as_mut()
                .unwrap()
                .worst_step
                .as_mut()
                .unwrap();
            let neuron = state.unit
                * if variant == 3 {
                    setting.filters_per_class
                } else {
                    1
                };
            state.after.hidden[(1, neuron)] += 1e-6;
            assert!(!exact_worst_step(&run, which).unwrap(), "variant {variant}");
        }
    }

    #[test]
    fn decades_round_up() {
        assert_eq!(decade(3.2e-16), 1e-15);
        assert_eq!(decade(0.0), 0.0);
    }

    #[test]
    fn slope_of_a_line() {
        assert!((least_squares_slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) - 2.0).abs() < 1e-12);
    }
}
