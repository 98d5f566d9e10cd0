//! Claims ATT-1 … ATT-8: the exact two steps of GD (§5) against both simulators, token
//! permutation invariance, the err–err_cl identity, the d^{−1/2} rate of the large-d
//! signal logit (§6.3) and its sign for any first step (§6.6).

use std::sync::Arc;

use num_rational::BigRational;
use num_traits::Zero;
use rand::seq::SliceRandom;

use super::closed_form::{self, FirstStep, GridData, relative_distance};
use super::data::{self, Dataset, GramView};
use super::model::{self, Tokens};
use super::runs::{self, case_seeds};
use super::setting::{Setting, Simulator};
use super::theory;
use super::{claim, data_model};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, TierRule, Value};
use crate::error::Error;
use crate::exact::{
    Bounds, Interval, Scalar, bootstrap_interval, clopper_pearson, clopper_pearson_lower,
    format_rational, mean, normal_quantile, rational_from_f64_exact, to_f64,
};
use crate::suite::Case;

pub(super) static CLAIMS: [ClaimInfo; 8] = [
    claim(
        "ATT-1",
        "first step in closed form",
        "For any data, one GD step from zero gives p₁ = 0 and v₁ = (β₀/(2nT))w: the generic step in exact rationals equals the closed form, and SIM-D and SIM-G in f64 are within 1e-12 of it, norm-wise relative.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF, SIM-D, SIM-G",
        "p₁ = 0,  v₁ = (β₀/(2nT)) Σ_j y_j S_j",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snr",
            "signal_norm",
            "first_step_scale"
        ],
    ),
    claim(
        "ATT-2",
        "second step in closed form",
        "p₂ and v₂ equal the §5 closed forms with certified g_i for any T, β₀, β₁ (SIM-D and SIM-G within 1e-10), the T = 2 special form equals the general one exactly, SIM-G on SIM-D's Gram matrix reproduces SIM-D's logits and outputs, and a certified run of both steps encloses the closed forms.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF (certified g_i), SIM-D, SIM-G, certified GD",
        "p₂ = (β₁/(nT)) Σ_i g_i y_i Σ_t c_{i,t}⟨c_{i,t}, v₁⟩,  v₂ = v₁ + (β₁/(nT)) Σ_i g_i y_i S_i",
        TierRule::QuickReduced,
        data_model!["token_counts", "scaled_snr", "signal_norm", "step_scales"],
    ),
    claim(
        "ATT-3",
        "token permutation invariance",
        "Permuting the tokens of every input changes no GD iterate, attention vector (after the inverse permutation) or output: SIM-D with shuffled rows agrees with the unshuffled run to 1e-12 relative.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "SIM-D",
        "f(ΠX; p, v) = f(X; p, v) for every permutation Π of the rows",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snr",
            "signal_norm",
            "first_step_scale",
            "second_step_scale"
        ],
    ),
    claim(
        "ATT-4",
        "exact projections and step-one margins",
        "⟨ξ, μ±⟩ = 0, ⟨w, μ_c⟩ = cρ²D_c, ⟨v₁, μ_c⟩ = (β₀/(2nT))cρ²D_c and y_k⟨S_k, w⟩ = ε_kρ²D_c + ‖ζ_k‖² + y_kΣ_{j≠k}y_j⟨ζ_k, ζ_j⟩, exactly on the data.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF against SIM-D, exact",
        "⟨w, μ_c⟩ = cρ²D_c;  y_k⟨S_k, w⟩ = ε_kρ²D_c + ‖ζ_k‖² + y_k Σ_{j≠k} y_j⟨ζ_k, ζ_j⟩",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snr",
            "signal_norm",
            "first_step_scale"
        ],
    ),
    claim(
        "ATT-5",
        "exact signal logit after step two",
        "⟨p₂, μ_c⟩ = (β₁ρ²/(nT)) Σ_{ỹ_i = c} g_i y_i⟨u_i − x̄_i, v₁⟩: the certified class sum against SIM-D and SIM-G (1e-10 relative) and against the certified p₂ vector.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF (certified), SIM-D, SIM-G",
        "⟨p₂, μ_c⟩ = (β₁ρ²/(nT)) Σ_{ỹ_i = c} g_i y_i ⟨u_i − x̄_i, v₁⟩",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snr",
            "signal_norm",
            "first_step_scale",
            "second_step_scale"
        ],
    ),
    claim(
        "ATT-6",
        "test error through the clean error",
        "For any trained predictor, err = η + (1 − 2η)err_cl: the residual D on the same pooled test points lies within ±0.01 (interval D ± z√(η(1 − η)/N)).",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "SIM-G (two-step GD) and MN, Monte Carlo",
        "err = η + (1 − 2η) err_cl  (the flip is independent of the prediction)",
        TierRule::Quick,
        data_model![
            "tokens",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "test_samples",
            "predictor",
            "min_norm_object",
            "attention_radius"
        ],
    ),
    claim(
        "ATT-7",
        "large-d signal logit converges at rate d^{-1/2}",
        "With g_i = 1/2 up to 1e-9 (b₀ = 1e-9), the relative error of ⟨p₂, μ_c⟩ against K((T−1)/T)ρ²(ρ²D_c² − n_c d) decays like d^{−1/2}: the bootstrap interval of the log-log slope of its mean over seeds lies inside [−0.6, −0.4].",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "SIM-G",
        "|⟨p₂, μ_c⟩ − K((T−1)/T)ρ²(ρ²D_c² − n_c d)| / |…| ∝ d^{−1/2}",
        TierRule::QuickReduced,
        &[
            "samples",
            "flip_rate",
            "class_counts",
            "flip_mode",
            "signal_position",
            "precision",
            "token_counts",
            "dimensions",
            "scaled_snr",
            "first_step_scale",
            "second_step_scale",
            "threshold_margin",
            "resamples",
        ],
    ),
    claim(
        "ATT-8",
        "sign of the signal logit for any first step",
        "For any b₀, sign⟨p₂, μ_c⟩ = sign Σ_{i∈c} ĝ_i(ε_i rD_c − 1) on every class outside the skip rule; where it is negative, at least 99 % of the class's test samples attend a noise token (Clopper–Pearson lower bound).",
        &[ClaimKind::Inequality, ClaimKind::Category],
        &[Provenance::Derived],
        "SIM-G (SIM-D at the full tier) against certified CF",
        "ĝ_i = 1/(1 + exp((b₀/(2T²))(ε_i rD_c + T − 1)))",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scales",
            "second_step_scale",
            "test_samples",
            "threshold_margin",
            "simulator"
        ],
    ),
];

/// Checks one of ATT-1 … ATT-8; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "ATT-1" => first_step(case),
        "ATT-2" => second_step(case),
        "ATT-3" => permutation_invariance(case),
        "ATT-4" => projections(case),
        "ATT-5" => signal_logit(case),
        "ATT-6" => error_identity(case),
        "ATT-7" => convergence_rate(case),
        "ATT-8" => sign_rule(case),
        _ => return None,
    })
}

/// The precondition part of a setting, when the data model cannot be built as asked.
pub(super) fn broken(setting: &Setting) -> Option<Part> {
    setting
        .broken_precondition()
        .map(|reason| rules::out_of_scope("data model", reason))
}

/// The T values of a case, as counts.
pub(super) fn token_counts(case: &Case) -> Result<Vec<usize>, Error> {
    Ok(case
        .parameters
        .numbers("token_counts")?
        .into_iter()
        .map(|tokens| tokens as usize)
        .collect())
}

/// The κ values of a case.
pub(super) fn scaled_snrs(case: &Case) -> Result<Vec<BigRational>, Error> {
    case.parameters.rationals("scaled_snrs")
}

/// One identity instance: the same setting drawn for SIM-D and for SIM-G.
struct Instance {
    label: String,
    setting: Setting,
    explicit: Arc<Dataset>,
    gram: Arc<Dataset>,
}

fn instances(case: &Case, token_counts: &[usize]) -> Result<Vec<Instance>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    let mut instances = Vec::new();
    for &tokens in token_counts {
        let setting = base.resized(base.samples, base.dimension, tokens);
        for seed in case_seeds(&case.seeds) {
            instances.push(Instance {
                label: format!("T = {tokens}, seed {seed}"),
                explicit: runs::dataset(&setting, Simulator::Explicit, seed)?,
                gram: runs::dataset(&setting, Simulator::Gram, seed)?,
                setting: setting.clone(),
            });
        }
    }
    Ok(instances)
}

fn tokens_of<S: Scalar>(dataset: &Dataset, precision: usize) -> Result<Tokens<'static, S>, Error> {
    Tokens::convert(
        &dataset.inputs,
        dataset.samples,
        dataset.tokens,
        dataset.coordinates,
        &dataset.labels,
        precision,
    )
}

/// The generic first step in exact rationals on one of an instance's training sets,
/// shared by ATT-1 and ATT-4: (p₁, v₁).
fn exact_first_step(
    instance: &Instance,
    dataset: &Dataset,
) -> Result<Arc<model::Weights<BigRational>>, Error> {
    let beta = instance.setting.first_step_size();
    let key = format!(
        "attention exact step one {}|rho={}|{}|beta={}",
        instance.setting.data_key(dataset.simulator),
        instance.setting.signal_norm,
        instance.label,
        format_rational(&beta)
    );
    crate::suite::memo::shared(&key, || {
        let exact: Tokens<'_, BigRational> = tokens_of(dataset, 0)?;
        let mut trajectory = model::steps(&exact, std::slice::from_ref(&beta), 0)?;
        Ok(trajectory.iterates.swap_remove(1))
    })
}

/// ‖a − b‖/‖b‖ for doubles against exact values.
fn exact_relative_distance(measured: &[f64], exact: &[BigRational]) -> f64 {
    let reference: Vec<f64> = exact.iter().map(to_f64).collect();
    double_relative_distance(measured, &reference)
}

/// ‖a − b‖/‖b‖ for doubles (‖a‖ when b = 0).
fn double_relative_distance(measured: &[f64], reference: &[f64]) -> f64 {
    let difference: f64 = measured
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let norm: f64 = reference.iter().map(|b| b * b).sum();
    if norm == 0.0 {
        difference.sqrt()
    } else {
        (difference / norm).sqrt()
    }
}

/// Whether `value` should replace `current` as the worst deviation (a NaN always does,
/// so that a non-finite result is reported rather than hidden).
pub(super) fn exceeds(value: f64, current: f64) -> bool {
    value.is_nan() || value > current
}

/// The largest deviation over instances, with the instance's label.
fn worst(deviations: &[(String, f64)]) -> (String, f64) {
    deviations
        .iter()
        .cloned()
        .fold((String::new(), 0.0), |best, (label, value)| {
            if exceeds(value, best.1) {
                (label, value)
            } else {
                best
            }
        })
}

fn first_step(case: &Case) -> Result<Vec<Part>, Error> {
    let setting = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&setting) {
        return Ok(vec![part]);
    }
    let instances = instances(case, &token_counts(case)?)?;
    // Per simulator: instances whose exact generic step equals the closed form, and the
    // f64 deviations.
    let mut exact_matches = [0u64; 2];
    let mut deviations: [Vec<(String, f64)>; 2] = [Vec::new(), Vec::new()];
    for instance in &instances {
        let beta = instance.setting.first_step_size();
        for (index, dataset) in [&instance.explicit, &instance.gram].into_iter().enumerate() {
            let closed = closed_form::first_step(&GridData::of(dataset)?, &beta);
            let generic = exact_first_step(instance, dataset)?;
            if generic.attention.iter().all(Zero::is_zero) && generic.value == closed.value {
                exact_matches[index] += 1;
            }
            let doubles = model::steps(
                &tokens_of::<f64>(dataset, 0)?,
                std::slice::from_ref(&beta),
                0,
            )?;
            let attention_norm: f64 = doubles.iterates[1].attention.iter().map(|x| x * x).sum();
            let deviation = exact_relative_distance(&doubles.iterates[1].value, &closed.value)
                .max(attention_norm.sqrt());
            deviations[index].push((instance.label.clone(), deviation));
        }
    }
    let total = instances.len() as u64;
    let mut parts = Vec::new();
    for (index, simulator) in ["SIM-D", "SIM-G"].into_iter().enumerate() {
        parts.push(rules::stated_count(
            format!("generic step in exact rationals ({simulator} data) equals (0, β₀w/(2nT))"),
            "every instance, coordinate by coordinate",
            exact_matches[index],
            total,
            exact_matches[index] == total,
        ));
    }
    for (index, simulator) in ["SIM-D", "SIM-G"].into_iter().enumerate() {
        let (label, deviation) = worst(&deviations[index]);
        // Past the bound, the exact generic step on the same data re-checks the identity.
        let exact = exact_matches[index] == total;
        parts.push(rules::float_identity(
            format!("{simulator} f64 step one vs exact CF, norm-wise relative (worst: {label})"),
            0.0,
            deviation,
            1e-12,
            || Ok(exact),
        ));
    }
    Ok(parts)
}

/// p₂, v₂ of the closed form, enclosed.
fn closed_second_step(
    dataset: &Dataset,
    setting: &Setting,
    precision: usize,
) -> Result<(Vec<Interval>, Vec<Interval>), Error> {
    let grid = GridData::of(dataset)?;
    let first = closed_form::first_step(&grid, &setting.first_step_size());
    let coefficients = closed_form::second_step_coefficients(
        &grid,
        &setting.first_step_size(),
        &setting.second_step_size(),
    );
    closed_form::second_step(&grid, &first, &coefficients, precision)
}

/// The certified generic run of both steps: does it overlap the closed form?
fn certified_run_overlaps(dataset: &Dataset, setting: &Setting) -> Result<bool, Error> {
    let precision = setting.precision;
    let certified: Tokens<'_, Interval> = tokens_of(dataset, precision)?;
    let generic = model::two_steps(
        &certified,
        &setting.first_step_size(),
        &setting.second_step_size(),
        precision,
    )?;
    let (attention, value) = closed_second_step(dataset, setting, precision)?;
    Ok(
        closed_form::enclosures_overlap(&attention, &generic.iterates[2].attention)
            && closed_form::enclosures_overlap(&value, &generic.iterates[2].value),
    )
}

/// Does a certified run of both steps give ρ·p₂[c] overlapping the certified class sum
/// ⟨p₂, μ_c⟩ of §5, for both classes?
fn certified_logits_overlap(dataset: &Dataset, setting: &Setting) -> Result<bool, Error> {
    let precision = setting.precision;
    let certified: Tokens<'_, Interval> = tokens_of(dataset, precision)?;
    let generic = model::two_steps(
        &certified,
        &setting.first_step_size(),
        &setting.second_step_size(),
        precision,
    )?;
    let grid = GridData::of(dataset)?;
    let first = closed_form::first_step(&grid, &setting.first_step_size());
    let rho = Interval::from_f64(dataset.signal_norm, precision)?;
    for class in 0..2 {
        let closed = closed_form::signal_logit(
            &grid,
            &first,
            &setting.second_step_size(),
            class,
            precision,
        )?;
        if generic.iterates[2].attention[class]
            .mul(&rho)
            .intersect(&closed)
            .is_none()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

fn step_scales(case: &Case) -> Result<Vec<(BigRational, BigRational)>, Error> {
    Ok(case
        .parameters
        .matrix("step_scales")?
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect())
}

/// The largest relative deviation between two lists of doubles, relative to the larger
/// magnitude in the reference list.
fn scaled_deviation(measured: &[f64], reference: &[f64]) -> f64 {
    let scale = reference
        .iter()
        .map(|x| x.abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    measured
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max)
}

fn second_step(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base) {
        return Ok(vec![part]);
    }
    let precision = base.precision;
    let mut explicit_attention = Vec::new();
    let mut explicit_value = Vec::new();
    let mut gram_deviations = Vec::new();
    let mut cross_deviations = Vec::new();
    let mut special_checked = 0u64;
    let mut special_equal = 0u64;
    let mut certified_total = 0u64;
    let mut certified_overlapping = 0u64;
    // Instances past the f64 bound, per part, for the certified re-check.
    let tolerance = 1e-10;
    let mut past_bound: [Vec<(Arc<Dataset>, Setting)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (first_scale, second_scale) in step_scales(case)? {
        for instance in instances(case, &token_counts(case)?)? {
            let mut setting = instance.setting.clone();
            setting.first_step_scale = first_scale.clone();
            setting.second_step_scale = second_scale.clone();
            let label = format!(
                "{}, b₀ = {}, b₁ = {}",
                instance.label,
                format_rational(&first_scale),
                format_rational(&second_scale)
            );
            // SIM-D against the certified closed form.
            let explicit_run = runs::train(&instance.explicit, &setting)?;
            let (attention, value) = closed_second_step(&instance.explicit, &setting, precision)?;
            let attention_gap = relative_distance(&explicit_run.iterates[2].attention, &attention);
            let value_gap = relative_distance(&explicit_run.iterates[2].value, &value);
            for (part, gap) in [(0, attention_gap), (1, value_gap)] {
                if exceeds(gap, tolerance) {
                    past_bound[part].push((instance.explicit.clone(), setting.clone()));
                }
            }
            explicit_attention.push((label.clone(), attention_gap));
            explicit_value.push((label.clone(), value_gap));
            // SIM-G on its own data against the certified closed form.
            let gram_run = runs::train(&instance.gram, &setting)?;
            let (gram_attention, gram_value) =
                closed_second_step(&instance.gram, &setting, precision)?;
            let gram_gap = relative_distance(&gram_run.iterates[2].attention, &gram_attention)
                .max(relative_distance(&gram_run.iterates[2].value, &gram_value));
            if exceeds(gram_gap, tolerance) {
                past_bound[2].push((instance.gram.clone(), setting.clone()));
            }
            gram_deviations.push((label.clone(), gram_gap));
            // The special form at T = 2.
            if setting.tokens == 2 {
                let grid = GridData::of(&instance.explicit)?;
                let general = closed_form::second_step_coefficients(
                    &grid,
                    &setting.first_step_size(),
                    &setting.second_step_size(),
                );
                special_checked += 1;
                let general: Vec<Vec<BigRational>> = general
                    .attention
                    .iter()
                    .map(closed_form::ScaledVector::to_rationals)
                    .collect();
                if closed_form::special_form_coefficients(
                    &grid,
                    &setting.first_step_size(),
                    &setting.second_step_size(),
                ) == general
                {
                    special_equal += 1;
                }
            }
            // SIM-G fed SIM-D's Gram matrix reproduces SIM-D's logits and outputs.
            let view = GramView::of(&instance.explicit)?;
            let viewed_run = runs::train(&view.dataset, &setting)?;
            let mut deviation = 0.0_f64;
            for step in 1..=2 {
                let (left, right) = (&viewed_run.forwards[step], &explicit_run.forwards[step]);
                deviation = deviation
                    .max(scaled_deviation(&left.logits, &right.logits))
                    .max(scaled_deviation(&left.outputs, &right.outputs));
            }
            let mut stream = case.random_stream(1000 + instance.gram.samples as u64);
            let (p, v) = (&explicit_run.iterates[2], &viewed_run.iterates[2]);
            let mut explicit_outputs = Vec::new();
            let mut viewed_outputs = Vec::new();
            for index in 0..20 {
                let label_sign = if index % 2 == 0 { 1 } else { -1 };
                let slot = index % setting.tokens;
                let tokens = data::draw_explicit_test_tokens(
                    &instance.explicit,
                    label_sign,
                    slot,
                    &mut stream,
                );
                let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
                let (mut logits, mut values, mut viewed_logits, mut viewed_values) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for token in tokens.chunks(instance.explicit.coordinates) {
                    logits.push(dot(token, &p.attention));
                    values.push(dot(token, &p.value));
                    let mapped = view.coordinates_of(token);
                    viewed_logits.push(dot(&mapped, &v.attention));
                    viewed_values.push(dot(&mapped, &v.value));
                }
                explicit_outputs.push(model::output_and_weight(&logits, &values, 0).0);
                viewed_outputs.push(model::output_and_weight(&viewed_logits, &viewed_values, 0).0);
            }
            deviation = deviation.max(scaled_deviation(&viewed_outputs, &explicit_outputs));
            cross_deviations.push((label.clone(), deviation));
            // A certified run of both steps on the SIM-G instance.
            certified_total += 1;
            if certified_run_overlaps(&instance.gram, &setting)? {
                certified_overlapping += 1;
            }
        }
    }
    let mut parts = Vec::new();
    // Past the bound, every instance that broke it is re-run in certified arithmetic and
    // must enclose the closed forms.
    let recheck = |part: usize| -> Result<bool, Error> {
        for (dataset, setting) in &past_bound[part] {
            if !certified_run_overlaps(dataset, setting)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    for (part, what, deviations) in [
        (
            0,
            "SIM-D p₂ vs certified §5, norm-wise relative",
            &explicit_attention,
        ),
        (
            1,
            "SIM-D v₂ vs certified §5, norm-wise relative",
            &explicit_value,
        ),
        (
            2,
            "SIM-G p₂, v₂ vs certified §5 on its own data",
            &gram_deviations,
        ),
    ] {
        let (label, gap) = worst(deviations);
        parts.push(rules::float_identity(
            format!("{what} (worst: {label})"),
            0.0,
            gap,
            tolerance,
            || recheck(part),
        ));
    }
    if special_checked > 0 {
        parts.push(rules::stated_count(
            "T = 2: special form (β₁/(4n))Σ g_i y_i⟨u_i − ξ_i, v₁⟩(u_i − ξ_i) = general form",
            "every sample's coefficient vector equal as rationals",
            special_equal,
            special_checked,
            special_equal == special_checked,
        ));
    }
    let (label, gap) = worst(&cross_deviations);
    parts.push(rules::upper_bound(
        format!("SIM-G on SIM-D's Gram matrix: logits and outputs, relative (worst: {label})"),
        Bounds::point(1e-10),
        Strictness::NonStrict,
        &Measured::point(gap),
    ));
    parts.push(rules::stated_count(
        "certified GD run of both steps (SIM-G data) overlaps the certified §5 forms",
        "every coordinate of p₂ and v₂",
        certified_overlapping,
        certified_total,
        certified_overlapping == certified_total,
    ));
    Ok(parts)
}

fn permutation_invariance(case: &Case) -> Result<Vec<Part>, Error> {
    let setting = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&setting) {
        return Ok(vec![part]);
    }
    let mut iterate_gap: (String, f64) = (String::new(), 0.0);
    let mut attention_gap: (String, f64) = (String::new(), 0.0);
    let mut output_gap: (String, f64) = (String::new(), 0.0);
    for instance in instances(case, &token_counts(case)?)? {
        let dataset = &instance.explicit;
        let mut stream = case.random_stream(dataset.tokens as u64);
        let permutations: Vec<Vec<usize>> = (0..dataset.samples)
            .map(|_| {
                let mut order: Vec<usize> = (0..dataset.tokens).collect();
                order.shuffle(&mut stream);
                order
            })
            .collect();
        let shuffled = dataset.permuted(&permutations);
        let original = runs::train(dataset, &instance.setting)?;
        let permuted = runs::train(&shuffled, &instance.setting)?;
        let mut iterate = 0.0_f64;
        for (a, b) in permuted.iterates.iter().zip(&original.iterates).skip(1) {
            iterate = iterate
                .max(double_relative_distance(&a.attention, &b.attention))
                .max(double_relative_distance(&a.value, &b.value));
        }
        let mut attention = 0.0_f64;
        let mut outputs = 0.0_f64;
        for (a, b) in permuted.forwards.iter().zip(&original.forwards) {
            for sample in 0..dataset.samples {
                for (new_slot, &old_slot) in permutations[sample].iter().enumerate() {
                    let shuffled_share = a.attention[sample * dataset.tokens + new_slot];
                    let share = b.attention[sample * dataset.tokens + old_slot];
                    attention = attention.max((shuffled_share - share).abs());
                }
            }
            outputs = outputs.max(scaled_deviation(&a.outputs, &b.outputs));
        }
        for (gap, value) in [
            (&mut iterate_gap, iterate),
            (&mut attention_gap, attention),
            (&mut output_gap, outputs),
        ] {
            if exceeds(value, gap.1) {
                *gap = (instance.label.clone(), value);
            }
        }
    }
    Ok([
        ("iterates p₁, v₁, p₂, v₂, norm-wise relative", iterate_gap),
        (
            "attention vectors after the inverse permutation, absolute",
            attention_gap,
        ),
        ("outputs f on the training inputs, relative", output_gap),
    ]
    .into_iter()
    .map(|(what, (label, gap))| {
        rules::upper_bound(
            format!("shuffled vs unshuffled SIM-D: {what} (worst: {label})"),
            Bounds::point(1e-12),
            Strictness::NonStrict,
            &Measured::point(gap),
        )
    })
    .collect())
}

fn projections(case: &Case) -> Result<Vec<Part>, Error> {
    let setting = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&setting) {
        return Ok(vec![part]);
    }
    let instances = instances(case, &token_counts(case)?)?;
    let total = instances.len() as u64;
    let (mut orthogonal, mut signal, mut value, mut margins) = (0u64, 0u64, 0u64, 0u64);
    for instance in &instances {
        let grid = GridData::of(&instance.explicit)?;
        orthogonal += u64::from(closed_form::noise_is_orthogonal(&grid));
        signal += u64::from((0..2).all(|class| {
            closed_form::signal_projection_of_w(&grid, class)
                == closed_form::signal_projection_closed_form(&grid, class)
        }));
        // ⟨v₁, μ_c⟩ from the generic exact step against (β₀/(2nT))cρ²D_c.
        let beta = instance.setting.first_step_size();
        let generic = exact_first_step(instance, &instance.explicit)?;
        let rho = rational_from_f64_exact(instance.explicit.signal_norm).expect("finite ρ");
        let scale =
            &beta / BigRational::from_integer(((2 * grid.samples * grid.tokens) as i64).into());
        value += u64::from((0..2).all(|class| {
            &generic.value[class] * &rho
                == &scale * closed_form::signal_projection_closed_form(&grid, class)
        }));
        let first: FirstStep = closed_form::first_step(&grid, &beta);
        margins += u64::from(first.margins == closed_form::margin_decomposition(&grid));
    }
    Ok(vec![
        rules::stated_count(
            "generator: every noise token has zero signal coordinates, so ⟨ξ_{i,t}, μ±⟩ = 0",
            "every instance",
            orthogonal,
            total,
            orthogonal == total,
        ),
        rules::stated_count(
            "⟨w, μ_c⟩ = cρ²D_c, both classes",
            "every instance, exactly",
            signal,
            total,
            signal == total,
        ),
        rules::stated_count(
            "⟨v₁, μ_c⟩ of the exact generic step = (β₀/(2nT))cρ²D_c",
            "every instance, exactly",
            value,
            total,
            value == total,
        ),
        rules::stated_count(
            "y_k⟨S_k, w⟩ = ε_kρ²D_c + ‖ζ_k‖² + y_kΣ_{j≠k}y_j⟨ζ_k, ζ_j⟩ for every k",
            "every instance, exactly",
            margins,
            total,
            margins == total,
        ),
    ])
}

fn signal_logit(case: &Case) -> Result<Vec<Part>, Error> {
    let setting = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&setting) {
        return Ok(vec![part]);
    }
    let precision = setting.precision;
    let mut explicit = Vec::new();
    let mut gram = Vec::new();
    let (mut consistent, mut total) = (0u64, 0u64);
    // Instances past the f64 bound per simulator (0: SIM-D, 1: SIM-G), for the re-check.
    let mut past_bound: [Vec<(Arc<Dataset>, Setting)>; 2] = [Vec::new(), Vec::new()];
    for instance in instances(case, &token_counts(case)?)? {
        for (dataset, deviations) in [
            (&instance.explicit, &mut explicit),
            (&instance.gram, &mut gram),
        ] {
            let grid = GridData::of(dataset)?;
            let first = closed_form::first_step(&grid, &instance.setting.first_step_size());
            let run = runs::train(dataset, &instance.setting)?;
            let mut deviation = 0.0_f64;
            for class in 0..2 {
                let closed = crate::exact::certify(precision, |bits| {
                    closed_form::signal_logit(
                        &grid,
                        &first,
                        &instance.setting.second_step_size(),
                        class,
                        bits,
                    )
                })?;
                let simulated = run.iterates[2].attention[class] * dataset.signal_norm;
                let centre = closed.midpoint_f64();
                deviation =
                    deviation.max(((simulated - centre).abs() + closed.width_f64()) / centre.abs());
                if dataset.simulator == Simulator::Gram {
                    let (attention, _) = closed_second_step(dataset, &instance.setting, precision)?;
                    let vector =
                        attention[class].mul(&Interval::from_f64(dataset.signal_norm, precision)?);
                    total += 1;
                    consistent += u64::from(vector.intersect(&closed).is_some());
                }
            }
            let index = usize::from(dataset.simulator == Simulator::Gram);
            if exceeds(deviation, 1e-10) {
                past_bound[index].push((dataset.clone(), instance.setting.clone()));
            }
            deviations.push((instance.label.clone(), deviation));
        }
    }
    let mut parts = Vec::new();
    for (index, (simulator, deviations)) in [("SIM-D", &explicit), ("SIM-G", &gram)]
        .into_iter()
        .enumerate()
    {
        let (label, gap) = worst(deviations);
        // Past the bound: a certified run of both steps on every instance that broke it
        // must give ρ·p₂[c] overlapping the certified class sum.
        let recheck = || -> Result<bool, Error> {
            for (dataset, setting) in &past_bound[index] {
                if !certified_logits_overlap(dataset, setting)? {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        parts.push(rules::float_identity(
            format!("{simulator} ⟨p₂, μ_c⟩ vs the certified class sum, relative (worst: {label})"),
            0.0,
            gap,
            1e-10,
            recheck,
        ));
    }
    parts.push(rules::stated_count(
        "class-sum formula overlaps ρ·p₂[c] of the certified §5 vector (SIM-G data)",
        "every class and instance",
        consistent,
        total,
        consistent == total,
    ));
    Ok(parts)
}

/// The residual D = err − (η + (1 − 2η)err_cl) on N pooled points with its interval
/// D ± z√(η(1 − η)/N), judged against ±0.01.
pub(super) fn residual_part(
    label: &str,
    flip_rate: f64,
    clean_errors: u64,
    noisy_errors: u64,
    total: u64,
    confidence: f64,
    seeds: &[u64],
) -> Candidate {
    let count = total as f64;
    let residual = noisy_errors as f64 / count
        - (flip_rate + (1.0 - 2.0 * flip_rate) * clean_errors as f64 / count);
    let z = normal_quantile(0.5 * (1.0 + confidence));
    let half_width = z * (flip_rate * (1.0 - flip_rate) / count).sqrt();
    (
        0.01 - residual.abs() - half_width,
        rules::equivalence(
            label,
            &Band::absolute(0.0, 0.01),
            &Measured::new(
                residual,
                Bounds::new(residual - half_width, residual + half_width),
            )
            .with_sample_size(total)
            .with_seeds(seeds),
        ),
    )
}

/// A part with its slack: how far its measurement lies inside its band or bound
/// (negative when outside), so that a family of parts can show its tightest member.
pub(super) type Candidate = (f64, Part);

/// The part with the worst verdict (Error, Violated, Inconclusive, Holds) and, among
/// those, the smallest slack.
pub(super) fn tightest(candidates: Vec<Candidate>) -> Option<Part> {
    let rank = |part: &Part| match part.verdict {
        crate::claim::Verdict::Error => 4,
        crate::claim::Verdict::Violated => 3,
        crate::claim::Verdict::Inconclusive => 2,
        crate::claim::Verdict::Holds => 1,
        _ => 0,
    };
    let total = candidates.len();
    let failing = candidates
        .iter()
        .filter(|(_, part)| part.verdict != crate::claim::Verdict::Holds)
        .count();
    candidates
        .into_iter()
        .max_by(|a, b| rank(&a.1).cmp(&rank(&b.1)).then(b.0.total_cmp(&a.0)))
        .map(|(_, mut part)| {
            if total > 1 {
                part.reason = if failing > 0 {
                    format!("{}; {failing} of {total} groups do not hold", part.reason)
                } else {
                    format!("{}; all {total} groups hold", part.reason)
                };
            }
            part
        })
}

/// "At least `bound` of each group's units", each group a (name, hits, total): every
/// group judged with one-sided Clopper–Pearson bounds at 1 − (1 − confidence)/K for K
/// groups (so the claim's confidence covers the family), the tightest group shown.
pub(super) fn share_at_least(
    label: &str,
    groups: &[(String, u64, u64)],
    bound: f64,
    confidence: f64,
    seeds: &[u64],
) -> Option<Part> {
    let judged: Vec<&(String, u64, u64)> =
        groups.iter().filter(|(_, _, total)| *total > 0).collect();
    let level = 1.0 - (1.0 - confidence) / judged.len().max(1) as f64;
    let candidates = judged
        .into_iter()
        .map(|(name, hits, total)| {
            let measured = one_sided_rate(*hits, *total, level, seeds);
            (
                measured.interval.lower - bound,
                rules::lower_bound(
                    format!("{label} (weakest: {name})"),
                    Bounds::point(bound),
                    Strictness::NonStrict,
                    &measured,
                ),
            )
        })
        .collect();
    tightest(candidates)
}

fn error_identity(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base) {
        return Ok(vec![part]);
    }
    let seeds = case_seeds(&case.seeds);
    let predictor = case.parameters.text("predictor")?;
    let mut parts = Vec::new();
    for kappa in scaled_snrs(case)? {
        let setting = base.clone().with_scaled_snr(&kappa);
        let mut pooled = runs::TestTally::default();
        for &seed in &seeds {
            let tally = if predictor == "min_norm" {
                if setting.tokens != 2 {
                    return Ok(vec![rules::out_of_scope(
                        "min-norm predictor",
                        "the min-norm patterns are derived for T = 2",
                    )]);
                }
                match case.parameters.text("min_norm_object")?.as_str() {
                    "balls" => runs::ball_test(
                        &setting,
                        Simulator::Gram,
                        seed,
                        case.parameters.number("attention_radius")?,
                        setting.test_samples,
                    )?,
                    _ => {
                        *runs::min_norm_test(&setting, Simulator::Gram, seed, setting.test_samples)?
                    }
                }
            } else {
                *runs::gradient_test(&setting, Simulator::Gram, seed, setting.test_samples)?
            };
            pooled = pooled.merged(&tally);
        }
        let name = if predictor == "min_norm" {
            "min-norm"
        } else {
            "two-step GD"
        };
        parts.push(
            residual_part(
                &format!(
                    "{name}, κ = {}: D = err − (η + (1 − 2η)err_cl)",
                    format_rational(&kappa)
                ),
                setting.flip_rate_f64(),
                pooled.clean_errors(),
                pooled.noisy_errors(),
                pooled.total(),
                case.confidence,
                &seeds,
            )
            .1,
        );
        let interval = clopper_pearson(pooled.clean_errors(), pooled.total(), case.confidence);
        parts.push(rules::report(
            format!(
                "{name}, κ = {}: clean test error err_cl",
                format_rational(&kappa)
            ),
            Value::Count {
                hits: pooled.clean_errors(),
                total: pooled.total(),
            },
            format!(
                "Clopper–Pearson [{:.4}, {:.4}]",
                interval.lower, interval.upper
            ),
        ));
    }
    Ok(parts)
}

fn convergence_rate(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base) {
        return Ok(vec![part]);
    }
    let dimensions: Vec<usize> = case
        .parameters
        .numbers("dimensions")?
        .into_iter()
        .map(|d| d as usize)
        .collect();
    if base.first_step_scale > crate::exact::ratio(1, 1_000_000_000) {
        return Ok(vec![rules::out_of_scope(
            "first step",
            format!(
                "the rate is stated for g_i = 1/2 up to 1e-9, i.e. b₀ ≤ 1e-9; b₀ = {}",
                format_rational(&base.first_step_scale)
            ),
        )]);
    }
    let seeds = case_seeds(&case.seeds);
    let resamples = case.parameters.count("resamples")? as usize;
    let mut parts = Vec::new();
    for tokens in token_counts(case)? {
        // errors[seed][dimension]: the mean over the judged classes of one seed.
        let mut errors = vec![vec![f64::NAN; dimensions.len()]; seeds.len()];
        let mut skipped = 0u64;
        for (d_index, &dimension) in dimensions.iter().enumerate() {
            let setting = base.resized(base.samples, dimension, tokens);
            for (s_index, &seed) in seeds.iter().enumerate() {
                let run = runs::gradient_run(&setting, Simulator::Gram, seed)?;
                let tallies = run.dataset.class_tallies();
                let r = setting.judging_ratio();
                let mut relative = Vec::new();
                for class in 0..2 {
                    let tally = &tallies[class];
                    if tally.agreement() <= 0
                        || theory::side(&theory::test_rule(tally), &r, &setting.threshold_margin)
                            == theory::Side::InMargin
                    {
                        skipped += 1;
                        continue;
                    }
                    let predicted = to_f64(&theory::asymptotic_signal_logit(
                        &setting.first_step_size(),
                        &setting.second_step_size(),
                        setting.samples,
                        dimension,
                        tokens,
                        &setting.signal_norm_squared(),
                        tally,
                    ));
                    let simulated =
                        run.trajectory.iterates[2].attention[class] * run.dataset.signal_norm;
                    relative.push(((simulated - predicted) / predicted).abs());
                }
                if !relative.is_empty() {
                    errors[s_index][d_index] = mean(&relative);
                }
            }
        }
        let log_dimensions: Vec<f64> = dimensions.iter().map(|d| (*d as f64).ln()).collect();
        // A seed enters the fit when it has a judged class at every d.
        let complete: Vec<usize> = (0..seeds.len())
            .filter(|&s| errors[s].iter().all(|value| value.is_finite()))
            .collect();
        let label = format!(
            "T = {tokens}: slope of log mean relative error on log d, d = {} … {}",
            dimensions.first().copied().unwrap_or(0),
            dimensions.last().copied().unwrap_or(0)
        );
        if skipped > 0 {
            parts.push(rules::out_of_scope(
                format!(
                    "T = {tokens}: {skipped} of {} classes",
                    2 * seeds.len() * dimensions.len()
                ),
                format!(
                    "within the margin ({}) of the test threshold, |rD_c²/n_c − 1| < margin",
                    format_rational(&base.threshold_margin)
                ),
            ));
        }
        if complete.len() < 2 {
            parts.push(rules::out_of_scope(
                label,
                "fewer than two seeds have a class outside the margin at every d",
            ));
            continue;
        }
        let slope_of = |chosen: &[usize]| -> f64 {
            let means: Vec<f64> = (0..dimensions.len())
                .map(|d| {
                    let values: Vec<f64> = chosen
                        .iter()
                        .map(|&s| errors[s][d])
                        .filter(|x| x.is_finite())
                        .collect();
                    mean(&values).ln()
                })
                .collect();
            let points: Vec<(f64, f64)> = log_dimensions.iter().copied().zip(means).collect();
            crate::exact::least_squares_slope(&points)
        };
        let slope = slope_of(&complete);
        let indices: Vec<f64> = complete.iter().map(|&s| s as f64).collect();
        let interval = bootstrap_interval(
            &indices,
            |resample| {
                let chosen: Vec<usize> = resample.iter().map(|&x| x as usize).collect();
                slope_of(&chosen)
            },
            resamples,
            case.confidence,
            tokens as u64,
        );
        let used: Vec<u64> = complete.iter().map(|&s| seeds[s]).collect();
        parts.push(rules::equivalence(
            label,
            &Band::range(-0.6, -0.4).described(Value::Number(-0.5), "−1/2, in [−0.6, −0.4]"),
            &Measured::new(slope, interval)
                .with_sample_size(used.len() as u64)
                .with_seeds(&used),
        ));
    }
    Ok(parts)
}

fn sign_rule(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base) {
        return Ok(vec![part]);
    }
    if let Some(reason) = base.large_dimension_break(&case.parameters.rational("dimension_ratio")?)
    {
        return Ok(vec![rules::out_of_scope("large dimension", reason)]);
    }
    let simulators = simulators(case)?;
    let seeds = case_seeds(&case.seeds);
    let precision = base.precision;
    let mut units = 0u64;
    let mut agreeing = 0u64;
    let mut skipped = 0u64;
    let mut disagreements = Vec::new();
    let mut attention_groups: Vec<(String, u64, u64)> = Vec::new();
    for &simulator in &simulators {
        for tokens in token_counts(case)? {
            for kappa in scaled_snrs(case)? {
                for first_scale in case.parameters.rationals("first_step_scales")? {
                    let mut setting = base
                        .resized(base.samples, base.dimension, tokens)
                        .with_scaled_snr(&kappa);
                    setting.first_step_scale = first_scale.clone();
                    let group = format!(
                        "{}, T = {tokens}, κ = {}, b₀ = {}",
                        simulator.name(),
                        format_rational(&kappa),
                        format_rational(&first_scale)
                    );
                    let mut noise_attending = [0u64; 2];
                    let mut class_totals = [0u64; 2];
                    for &seed in &seeds {
                        let run = runs::gradient_run(&setting, simulator, seed)?;
                        let tallies = run.dataset.class_tallies();
                        let tally_of_test =
                            runs::test_of(&run, &setting, simulator, seed, setting.test_samples)?;
                        for class in 0..2 {
                            let (sum, magnitude) = theory::step_one_weighted_signal(
                                &first_scale,
                                tokens,
                                &setting.judging_ratio(),
                                &tallies[class],
                                precision,
                            )?;
                            let threshold = magnitude.mul(&Interval::from_rational(
                                &setting.threshold_margin,
                                precision,
                            ));
                            let decided = sum.abs().lower_f64() >= threshold.upper_f64()
                                && sum.sign().is_some();
                            if !decided {
                                skipped += 1;
                                continue;
                            }
                            units += 1;
                            let predicted_positive = sum.is_positive();
                            let measured = run.trajectory.iterates[2].attention[class]
                                * run.dataset.signal_norm;
                            if (measured > 0.0) == predicted_positive && measured != 0.0 {
                                agreeing += 1;
                            } else {
                                disagreements.push(format!(
                                    "{group}, seed {seed}, class {}",
                                    if class == 0 { "+" } else { "−" }
                                ));
                            }
                            if !predicted_positive {
                                let test = &tally_of_test.classes[class];
                                noise_attending[class] += test.total - test.attends_signal;
                                class_totals[class] += test.total;
                            }
                        }
                    }
                    for class in 0..2 {
                        attention_groups.push((
                            format!("{group}, class {}", if class == 0 { "+" } else { "−" }),
                            noise_attending[class],
                            class_totals[class],
                        ));
                    }
                }
            }
        }
    }
    let mut parts = vec![if units == 0 {
        rules::out_of_scope("sign rule", "every class falls under the skip rule")
    } else {
        rules::stated_count(
            "sign⟨p₂, μ_c⟩ = sign Σ_{i∈c} ĝ_i(ε_i rD_c − 1), classes outside the skip rule",
            "every judged class of every run",
            agreeing,
            units,
            agreeing == units,
        )
    }];
    if !disagreements.is_empty() {
        parts.push(rules::report(
            "classes whose measured sign differs",
            Value::label(
                disagreements
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            format!("{} in all", disagreements.len()),
        ));
    }
    parts.push(
        share_at_least(
            "share of test samples attending noise where the sign is negative",
            &attention_groups,
            0.99,
            case.confidence,
            &seeds,
        )
        .unwrap_or_else(|| {
            rules::out_of_scope(
                "test attention where the sign is negative",
                "no judged class has a negative predicted sign",
            )
        }),
    );
    if skipped > 0 {
        parts.push(rules::out_of_scope(
            format!("{skipped} of {} classes", skipped + units),
            "skip rule: |Σĝ(εrD − 1)| < margin · Σĝ|εrD − 1|",
        ));
    }
    Ok(parts)
}

/// The simulators a case names.
pub(super) fn simulators(case: &Case) -> Result<Vec<Simulator>, Error> {
    Ok(match case.parameters.text("simulator")?.as_str() {
        "explicit" => vec![Simulator::Explicit],
        "both" => vec![Simulator::Gram, Simulator::Explicit],
        _ => vec![Simulator::Gram],
    })
}

/// A rate with one-sided Clopper–Pearson bounds, each at `confidence` (for one-sided
/// claims: the lower end decides "at least", the upper end "at most").
pub(super) fn one_sided_rate(hits: u64, total: u64, confidence: f64, seeds: &[u64]) -> Measured {
    Measured::new(
        hits as f64 / total.max(1) as f64,
        Bounds::new(
            clopper_pearson_lower(hits, total, confidence),
            crate::exact::clopper_pearson_upper(hits, total, confidence),
        ),
    )
    .with_sample_size(total)
    .with_seeds(seeds)
}

/// A Clopper–Pearson interval measurement of a rate.
pub(super) fn rate(hits: u64, total: u64, confidence: f64, seeds: &[u64]) -> Measured {
    let interval = clopper_pearson(hits, total, confidence);
    Measured::new(hits as f64 / total.max(1) as f64, interval)
        .with_sample_size(total)
        .with_seeds(seeds)
}
