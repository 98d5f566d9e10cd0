//! Claims ATT-15 … ATT-19: the min-norm interpolator of §7: the reduction to token
//! patterns, the exact pattern costs, the selection threshold κ* = 2/(1 − η), and the
//! test error of the harmful and the benign pattern.

use std::collections::HashMap;
use std::sync::Arc;

use num_rational::BigRational;
use num_traits::One;
use rand::RngExt;

use super::claims_steps::{
    Candidate, broken, exceeds, rate, residual_part, scaled_snrs, tightest, token_counts,
};
use super::closed_form::GridData;
use super::data::Dataset;
use super::min_norm::{
    self, ClassChoice, ClassPattern, benign_geometry, certified_benign_error, class_pattern_costs,
    exact_noise_gram, generic_svm, pattern_cost, pattern_name, signal_pickers,
};
use super::runs::{self, TestTally, case_seeds};
use super::setting::{Setting, Simulator};
use super::theory::{self, Side};
use super::{claim, data_model};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Rule, TierRule, Value};
use crate::error::Error;
use crate::exact::{Bounds, format_rational, to_f64};
use crate::suite::{Case, memo};

pub(super) static CLAIMS: [ClaimInfo; 5] = [
    claim(
        "ATT-15",
        "min-norm reduces to token patterns",
        "For a fixed p the min-norm problem is an SVM on the attention-averaged tokens and is at least min_α SVM(α); along p = R·p_mm it does not increase (a rise of at most 1e-9 relative, the interior-point solver's accuracy, is allowed) and reaches that minimum within 1e-6 at R = 2¹²; the selection differences are linearly independent, so Δᵀ(ΔΔᵀ)⁻¹1 realises any pattern with every gap exactly 1.",
        &[ClaimKind::Inequality, ClaimKind::Monotonicity],
        &[Provenance::Derived],
        "MN (exact) against an interior-point QP (Clarabel); realisability in exact rationals",
        "SVM(p) = min ‖v‖²: y_i⟨X_iᵀs_i(p), v⟩ ≥ 1  ≥  min_α SVM(α);  p̄ = Δᵀ(ΔΔᵀ)⁻¹1",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snr",
            "signal_norm",
            "largest_radius_exponent",
            "patterns"
        ],
    ),
    claim(
        "ATT-16",
        "exact pattern costs",
        "For T = 2 the cost of a pattern is Σ_c 1[c uses its signal]/ρ² + SVM_ξ(M) exactly (against an interior-point QP, 1e-9 relative), and the minimum over the 9 class-level patterns equals the minimum over all 2ⁿ patterns, with the same minimiser.",
        &[ClaimKind::Identity, ClaimKind::ExactValue],
        &[Provenance::Derived],
        "MN (exact Gram solves) against Clarabel in SIM-G coordinates",
        "‖v‖²(α) = Σ_c 1[class c uses its signal]/ρ² + SVM_ξ(M)",
        TierRule::QuickReduced,
        data_model!["scaled_snrs"],
    ),
    claim(
        "ATT-17",
        "min-norm selection threshold",
        "Class c uses its signal in the exact min-norm solution iff ρ²n_c^cl/d > 1, for every class more than 10 % from that threshold; the balanced threshold κ* = 2/(1 − η) is at most κ_te.",
        &[ClaimKind::Threshold],
        &[Provenance::Derived],
        "MN (exact enumeration of the 9 class patterns); κ* in CF",
        "1/ρ² + n_c^fl/d < n_c/d ⇔ ρ²n_c^cl/d > 1;  κ* = 2/(1 − η) ≤ 2/(1 − 2η)² = κ_te",
        TierRule::Quick,
        data_model!["scaled_snrs", "threshold_margin"],
    ),
    claim(
        "ATT-18",
        "harmful min-norm pattern",
        "If the optimal pattern is all-noise (T = 2), then err_cl = err = 1/2 exactly: both Clopper–Pearson intervals over ≥ 4·10⁵ pooled test points lie inside 1/2 ± 0.01.",
        &[ClaimKind::ExactValue],
        &[Provenance::Derived],
        "MN plus Monte Carlo",
        "v = w⊥ ⟂ μ±  ⇒  sign f = sign⟨ξ, w⊥⟩, independent of ỹ and y",
        TierRule::Quick,
        data_model![
            "scaled_snrs",
            "test_samples",
            "min_norm_object",
            "attention_radius"
        ],
    ),
    claim(
        "ATT-19",
        "benign min-norm test error",
        "For the benign pattern, err_cl equals the bivariate-normal expression Σ_c ½P(⟨q, ξ⟩ > b_cρ, c⟨w⊥, ξ⟩ < 0) (Monte Carlo within ±0.005 of the certified value), which is at most Φ̄(min_c b_cρ/‖q‖); b_cρ ≈ rD_c/(1 + rn_c) within 5 %; err ≈ η (±0.01).",
        &[ClaimKind::ExactValue, ClaimKind::Inequality],
        &[Provenance::Derived],
        "MN (exact p_mm QP), certified bivariate normal, Monte Carlo",
        "err_cl = Σ_c ½ P(X > b_cρ, cY < 0),  (X, Y) = (⟨q, ξ⟩, ⟨w⊥, ξ⟩) jointly normal",
        TierRule::Quick,
        data_model!["scaled_snrs", "test_samples", "min_norm_object"],
    ),
];

/// Checks one of ATT-15 … ATT-19; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "ATT-15" => reduction(case),
        "ATT-16" => exact_costs(case),
        "ATT-17" => selection_threshold(case),
        "ATT-18" => harmful_pattern(case),
        "ATT-19" => benign_pattern(case),
        _ => return None,
    })
}

/// The T = 2 precondition of the pattern machinery.
fn two_tokens(setting: &Setting) -> Option<Part> {
    (setting.tokens != 2).then(|| {
        rules::out_of_scope(
            "token patterns",
            format!(
                "the pattern costs of §7.2 are derived for T = 2, not T = {}",
                setting.tokens
            ),
        )
    })
}

/// The exact class-pattern costs of a training set, shared (they depend on ρ only
/// through the number of classes that use their signal, so the noise part is memoized
/// per draw).
fn exact_class_costs(
    setting: &Setting,
    seed: u64,
) -> Result<Arc<Vec<(ClassPattern, BigRational)>>, Error> {
    let noise_key = format!(
        "attention mn exact noise {}|seed={seed}",
        setting.data_key(Simulator::Gram)
    );
    let dataset = runs::dataset(setting, Simulator::Gram, seed)?;
    let zero_signal = memo::shared(&noise_key, || {
        let grid = GridData::of(&dataset)?;
        let gram = exact_noise_gram(&grid);
        // With 1/ρ² = 0 the cost is SVM_ξ(M) alone.
        class_pattern_costs(&dataset, &gram, &BigRational::from_integer(0.into()))
    })?;
    let inverse = BigRational::one() / GridData::of(&dataset)?.signal_norm_squared();
    Ok(Arc::new(
        zero_signal
            .iter()
            .map(|(pattern, noise_cost)| {
                let classes = signal_classes(&dataset, &signal_pickers(&dataset, pattern));
                (
                    *pattern,
                    noise_cost + &inverse * BigRational::from_integer((classes as i64).into()),
                )
            })
            .collect(),
    ))
}

/// How many classes have a signal picker.
fn signal_classes(dataset: &Dataset, pickers: &[bool]) -> usize {
    (0..2)
        .filter(|class| {
            (0..dataset.samples)
                .any(|i| pickers[i] && super::data::class_index(dataset.clean_labels[i]) == *class)
        })
        .count()
}

fn best_exact(costs: &[(ClassPattern, BigRational)]) -> (ClassPattern, BigRational) {
    costs
        .iter()
        .min_by(|a, b| a.1.cmp(&b.1))
        .cloned()
        .expect("nine patterns")
}

fn reduction(case: &Case) -> Result<Vec<Part>, Error> {
    let setting = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&setting) {
        return Ok(vec![part]);
    }
    let seeds = case_seeds(&case.seeds);
    let largest = case.parameters.count("largest_radius_exponent")? as i32;
    let mut parts = Vec::new();
    let mut lower_gap: Option<(f64, String)> = None;
    let mut increase: Option<(f64, String)> = None;
    let mut final_gap: Option<(f64, f64, String)> = None;
    if setting.tokens == 2 {
        for &seed in &seeds {
            let dataset = runs::dataset(&setting, Simulator::Gram, seed)?;
            let costs = exact_class_costs(&setting, seed)?;
            let (pattern, minimum) = best_exact(&costs);
            let minimum = to_f64(&minimum);
            let direction =
                min_norm::max_margin_attention(&dataset, &signal_pickers(&dataset, &pattern))?;
            let mut previous: Option<f64> = None;
            for exponent in 0..=largest {
                let radius = 2f64.powi(exponent);
                let attention: Vec<f64> = direction.iter().map(|x| x * radius).collect();
                let averaged = runs::averaged_tokens(&dataset, &attention);
                let label = format!("seed {seed}, R = 2^{exponent}");
                let value = generic_svm(&averaged)?.ok_or_else(|| {
                    Error::Numerical(format!("the averaged-token SVM is infeasible at {label}"))
                })?;
                let ratio = value / minimum;
                if lower_gap
                    .as_ref()
                    .is_none_or(|(current, _)| ratio < *current)
                {
                    lower_gap = Some((ratio, label.clone()));
                }
                if let Some(before) = previous {
                    let rise = value / before - 1.0;
                    if increase.as_ref().is_none_or(|(current, _)| rise > *current) {
                        increase = Some((rise, label.clone()));
                    }
                }
                previous = Some(value);
                if exponent == largest {
                    let gap = (ratio - 1.0).abs();
                    if final_gap
                        .as_ref()
                        .is_none_or(|(current, ..)| gap > *current)
                    {
                        final_gap = Some((gap, ratio, label));
                    }
                }
            }
        }
        if let Some((ratio, label)) = lower_gap {
            parts.push(rules::lower_bound(
                format!("SVM(R·p_mm) / min_α SVM(α), smallest ({label})"),
                Bounds::point(1.0 - 1e-9),
                Strictness::NonStrict,
                &Measured::point(ratio).with_seeds(&seeds),
            ));
        }
        if let Some((rise, label)) = increase {
            parts.push(rules::upper_bound(
                format!(
                    "largest relative rise of SVM(R·p_mm) from R to 2R ({label}): non-increasing"
                ),
                Bounds::point(1e-9),
                Strictness::NonStrict,
                &Measured::point(rise),
            ));
        }
        if let Some((_, ratio, label)) = final_gap {
            parts.push(rules::equivalence(
                format!("SVM(2^{largest}·p_mm) / min_α SVM(α) ({label})"),
                &Band::relative(1.0, 1e-6),
                &Measured::point(ratio),
            ));
        }
    } else {
        parts.push(rules::out_of_scope(
            "pattern bound",
            "the 9-pattern minimum is derived for T = 2",
        ));
    }
    // Realisability at every T of the case.
    let (mut realised, mut tried) = (0u64, 0u64);
    let patterns = case.parameters.count("patterns")? as usize;
    for tokens in token_counts(case)? {
        let resized = setting.resized(setting.samples, setting.dimension, tokens);
        for &seed in &seeds {
            let dataset = runs::dataset(&resized, Simulator::Gram, seed)?;
            let mut stream = case.random_stream(seed * 100 + tokens as u64);
            for _ in 0..patterns {
                let slots: Vec<usize> = (0..dataset.samples)
                    .map(|_| stream.random_range(0..tokens))
                    .collect();
                tried += 1;
                realised += u64::from(min_norm::realises_pattern(
                    &min_norm::selection_differences(&dataset, &slots),
                )?);
            }
        }
    }
    parts.push(rules::stated_count(
        format!(
            "p̄ = Δᵀ(ΔΔᵀ)⁻¹1 gives every gap exactly 1, T ∈ {{{}}}",
            token_counts(case)?
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "every random pattern, in exact rationals",
        realised,
        tried,
        realised == tried,
    ));
    Ok(parts)
}

fn exact_costs(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base).or_else(|| two_tokens(&base)) {
        return Ok(vec![part]);
    }
    if base.samples > 16 {
        return Ok(vec![rules::out_of_scope(
            "full enumeration",
            format!(
                "2ⁿ patterns at n = {} is beyond the enumeration limit n ≤ 16",
                base.samples
            ),
        )]);
    }
    let seeds = case_seeds(&case.seeds);
    let samples = base.samples;
    let mut worst_qp: (f64, String) = (0.0, String::new());
    let mut infeasible_mismatch = 0u64;
    let (mut equal_minima, mut same_argmin, mut instances) = (0u64, 0u64, 0u64);
    for &seed in &seeds {
        // Noise SVM costs per mask do not depend on κ: memoize them per draw.
        let mut noise_costs: HashMap<u32, Option<BigRational>> = HashMap::new();
        for kappa in scaled_snrs(case)? {
            let setting = base.clone().with_scaled_snr(&kappa);
            let dataset = runs::dataset(&setting, Simulator::Gram, seed)?;
            let grid = GridData::of(&dataset)?;
            let gram = exact_noise_gram(&grid);
            let inverse = BigRational::one() / grid.signal_norm_squared();
            let mut best: Option<(BigRational, u32)> = None;
            for mask in 0..(1u32 << samples) {
                let pickers: Vec<bool> = (0..samples).map(|i| mask & (1 << i) != 0).collect();
                let zero = BigRational::from_integer(0.into());
                let noise = match noise_costs.get(&mask) {
                    Some(cost) => cost.clone(),
                    None => {
                        let cost = pattern_cost(
                            &gram,
                            &dataset.labels,
                            &dataset.clean_labels,
                            &zero,
                            &pickers,
                        )?;
                        noise_costs.insert(mask, cost.clone());
                        cost
                    }
                };
                let classes = signal_classes(&dataset, &pickers);
                let cost = noise.map(|noise| {
                    noise + &inverse * BigRational::from_integer((classes as i64).into())
                });
                // The generic QP on the pattern's signed tokens y_i x_{i,α_i}.
                let chosen = min_norm::chosen_slots(&dataset, &pickers);
                let vectors: Vec<Vec<f64>> = (0..samples)
                    .map(|i| {
                        dataset
                            .token(i, chosen[i])
                            .iter()
                            .map(|x| x * f64::from(dataset.labels[i]))
                            .collect()
                    })
                    .collect();
                let generic = generic_svm(&vectors)?;
                match (&cost, generic) {
                    (Some(exact), Some(value)) => {
                        let gap = (value / to_f64(exact) - 1.0).abs();
                        if exceeds(gap, worst_qp.0) {
                            worst_qp = (
                                gap,
                                format!(
                                    "seed {seed}, κ = {}, mask {mask:#b}",
                                    format_rational(&kappa)
                                ),
                            );
                        }
                    }
                    (None, None) => {}
                    _ => infeasible_mismatch += 1,
                }
                if let Some(cost) = cost
                    && best.as_ref().is_none_or(|(current, _)| cost < *current)
                {
                    best = Some((cost, mask));
                }
            }
            let (minimum, argmin) = best.expect("the all-noise pattern is feasible");
            let class_costs = class_pattern_costs(&dataset, &gram, &inverse)?;
            let (pattern, class_minimum) = best_exact(&class_costs);
            let class_mask = signal_pickers(&dataset, &pattern).iter().enumerate().fold(
                0u32,
                |mask, (i, picks)| if *picks { mask | (1 << i) } else { mask },
            );
            instances += 1;
            equal_minima += u64::from(minimum == class_minimum);
            same_argmin += u64::from(argmin == class_mask);
        }
    }
    Ok(vec![
        rules::upper_bound(
            format!(
                "exact pattern cost vs Clarabel, every pattern, relative (worst: {})",
                worst_qp.1
            ),
            Bounds::point(1e-9),
            Strictness::NonStrict,
            &Measured::point(worst_qp.0).with_seeds(&seeds),
        ),
        rules::stated_count(
            "patterns infeasible for one solver and feasible for the other",
            "none",
            infeasible_mismatch,
            instances << samples,
            infeasible_mismatch == 0,
        ),
        rules::exact_predicate(
            "min over the 9 class-level patterns = min over all 2ⁿ patterns",
            "equal as rationals, every (κ, seed)",
            Value::Count {
                hits: equal_minima,
                total: instances,
            },
            equal_minima == instances,
        ),
        rules::stated_count(
            "the 2ⁿ minimiser is the class-level minimiser",
            "every (κ, seed)",
            same_argmin,
            instances,
            same_argmin == instances,
        ),
    ])
}

fn selection_threshold(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base).or_else(|| two_tokens(&base)) {
        return Ok(vec![part]);
    }
    if let Some(reason) = base.large_dimension_break(&case.parameters.rational("dimension_ratio")?)
    {
        return Ok(vec![rules::out_of_scope("large dimension", reason)]);
    }
    let seeds = case_seeds(&case.seeds);
    let (mut judged, mut agreeing, mut excluded) = (0u64, 0u64, 0u64);
    let mut disagreements = Vec::new();
    for kappa in scaled_snrs(case)? {
        let setting = base.clone().with_scaled_snr(&kappa);
        let r = setting.judging_ratio();
        for &seed in &seeds {
            let dataset = runs::dataset(&setting, Simulator::Gram, seed)?;
            let tallies = dataset.class_tallies();
            let (pattern, _) = best_exact(&exact_class_costs(&setting, seed)?);
            for class in 0..2 {
                match theory::side(
                    &theory::min_norm_rule(&tallies[class]),
                    &r,
                    &setting.threshold_margin,
                ) {
                    Side::InMargin => excluded += 1,
                    side => {
                        judged += 1;
                        let predicted = if side == Side::Above {
                            ClassChoice::Clean
                        } else {
                            ClassChoice::Noise
                        };
                        if pattern[class] == predicted {
                            agreeing += 1;
                        } else {
                            disagreements.push(format!(
                                "κ = {}, seed {seed}, class {}: {}",
                                format_rational(&kappa),
                                if class == 0 { "+" } else { "−" },
                                pattern_name(&pattern)
                            ));
                        }
                    }
                }
            }
        }
    }
    let flip_rate = base.flip_rate.clone();
    let row = theory::threshold_row(2, &flip_rate, base.precision)?;
    let label = "class uses its signal iff ρ²n_c^cl/d > 1 (exact enumeration), outside the margin";
    let mut parts = vec![if judged == 0 {
        rules::out_of_scope(
            label,
            "every class lies within the margin of ρ²n_c^cl/d = 1",
        )
    } else {
        rules::decided(
            label,
            Rule::Phase,
            "all judged classes",
            Value::Count {
                hits: agreeing,
                total: judged,
            },
            Some(agreeing == judged),
            if disagreements.is_empty() {
                format!("{agreeing} of {judged}")
            } else {
                format!("{agreeing} of {judged}; {}", disagreements.join("; "))
            },
        )
    }];
    if excluded > 0 {
        parts.push(rules::out_of_scope(
            format!("{excluded} of {} classes", judged + excluded),
            "within the margin of ρ²n_c^cl/d = 1",
        ));
    }
    parts.extend([rules::exact_predicate(
        format!(
            "κ* = 2/(1 − η) ≤ κ_te = 2/(1 − 2η)² at η = {}",
            format_rational(&flip_rate)
        ),
        "κ* ≤ κ_te",
        Value::Exact(row.min_norm.clone()),
        row.min_norm <= row.test,
    )]);
    Ok(parts)
}

/// The pooled min-norm test tally over seeds whose optimal pattern is `wanted`, with the
/// seeds that were excluded.
fn pooled_min_norm(
    case: &Case,
    setting: &Setting,
    wanted: ClassPattern,
) -> Result<(TestTally, Vec<u64>, Vec<u64>), Error> {
    let mut pooled = TestTally::default();
    let (mut used, mut excluded) = (Vec::new(), Vec::new());
    for seed in case_seeds(&case.seeds) {
        let solved = runs::min_norm_run(setting, Simulator::Gram, seed)?;
        if solved.1.pattern != wanted {
            excluded.push(seed);
            continue;
        }
        used.push(seed);
        let tally = match case.parameters.text("min_norm_object")?.as_str() {
            "balls" => runs::ball_test(
                setting,
                Simulator::Gram,
                seed,
                case.parameters.number("attention_radius")?,
                setting.test_samples,
            )?,
            _ => *runs::min_norm_test(setting, Simulator::Gram, seed, setting.test_samples)?,
        };
        pooled = pooled.merged(&tally);
    }
    Ok((pooled, used, excluded))
}

fn harmful_pattern(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base).or_else(|| two_tokens(&base)) {
        return Ok(vec![part]);
    }
    let mut parts = Vec::new();
    for kappa in scaled_snrs(case)? {
        let setting = base.clone().with_scaled_snr(&kappa);
        let (pooled, used, excluded) =
            pooled_min_norm(case, &setting, [ClassChoice::Noise, ClassChoice::Noise])?;
        let name = format!("κ = {}", format_rational(&kappa));
        if used.is_empty() {
            parts.push(rules::out_of_scope(
                name,
                "no seed has the all-noise optimal pattern",
            ));
            continue;
        }
        for (what, errors) in [
            ("err_cl", pooled.clean_errors()),
            ("err", pooled.noisy_errors()),
        ] {
            parts.push(rules::equivalence(
                format!("{name}, all-noise pattern: {what}"),
                &Band::absolute(0.5, 0.01)
                    .described(Value::Exact(crate::exact::ratio(1, 2)), "1/2 ± 0.01"),
                &rate(errors, pooled.total(), case.confidence, &used),
            ));
        }
        if !excluded.is_empty() {
            parts.push(rules::out_of_scope(
                format!("{name}: seeds {excluded:?}"),
                "their optimal pattern is not all-noise",
            ));
        }
    }
    Ok(parts)
}

fn benign_pattern(case: &Case) -> Result<Vec<Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base).or_else(|| two_tokens(&base)) {
        return Ok(vec![part]);
    }
    if case.parameters.text("min_norm_object")? != "p_free" {
        return Ok(vec![rules::out_of_scope(
            "certified error",
            "the bivariate-normal error of §7.4 is derived for the p-free limit",
        )]);
    }
    let precision = base.precision;
    let benign = [ClassChoice::Clean, ClassChoice::Clean];
    // Part (c) is a large-d approximation; (a), (b) and (d) hold for any d.
    let small_dimension = base.large_dimension_break(&case.parameters.rational("dimension_ratio")?);
    let mut agreement: Vec<Candidate> = Vec::new();
    let mut bounds: Vec<Candidate> = Vec::new();
    let mut coefficients: Vec<Candidate> = Vec::new();
    let mut residuals: Vec<Candidate> = Vec::new();
    let mut excluded = Vec::new();
    for kappa in scaled_snrs(case)? {
        let setting = base.clone().with_scaled_snr(&kappa);
        for seed in case_seeds(&case.seeds) {
            let name = format!("κ = {}, seed {seed}", format_rational(&kappa));
            let solved = runs::min_norm_run(&setting, Simulator::Gram, seed)?;
            if solved.1.pattern != benign {
                excluded.push(name);
                continue;
            }
            let dataset = &solved.0;
            let grid = GridData::of(dataset)?;
            let geometry = benign_geometry(dataset, &grid)?;
            let error = crate::exact::certify(precision, |bits| {
                certified_benign_error(&geometry, bits).map(|pair| pair.0)
            })?;
            let bound = crate::exact::certify(precision, |bits| {
                certified_benign_error(&geometry, bits).map(|pair| pair.1)
            })?;
            let tally = runs::min_norm_test(&setting, Simulator::Gram, seed, setting.test_samples)?;
            let seeds = [seed];
            let measured = rate(tally.clean_errors(), tally.total(), case.confidence, &seeds);
            let band = Band::absolute_around(&error, 0.005);
            agreement.push((
                (band.upper - measured.interval.upper).min(measured.interval.lower - band.lower),
                rules::equivalence(
                    format!("{name}: Monte Carlo err_cl vs the certified value"),
                    &band,
                    &measured,
                ),
            ));
            bounds.push((
                bound.lower_f64() - error.upper_f64(),
                rules::certified(
                    format!(
                        "{name}: certified err_cl ≤ Φ̄(min_c b_cρ/‖q‖) = {}",
                        Value::Enclosure(bound.clone())
                    ),
                    "err_cl ≤ Φ̄(min_c b_cρ/‖q‖)",
                    &error,
                    min_norm::certainly_below(&error, &bound),
                ),
            ));
            let tallies = dataset.class_tallies();
            let approximate = min_norm::approximate_signal_logits(&setting.ratio(), &tallies);
            for class in (0..2).filter(|_| small_dimension.is_none()) {
                let ratio = to_f64(&(&geometry.signal_logits[class] / &approximate[class]));
                coefficients.push((
                    0.05 - (ratio - 1.0).abs(),
                    rules::equivalence(
                        format!(
                            "{name}, class {}: b_cρ(1 + rn_c)/(rD_c)",
                            if class == 0 { "+" } else { "−" }
                        ),
                        &Band::relative(1.0, 0.05),
                        &Measured::point(ratio),
                    ),
                ));
            }
            residuals.push(residual_part(
                &format!("{name}: D = err − (η + (1 − 2η)err_cl)"),
                setting.flip_rate_f64(),
                tally.clean_errors(),
                tally.noisy_errors(),
                tally.total(),
                case.confidence,
                &seeds,
            ));
        }
    }
    let mut parts = Vec::new();
    for group in [agreement, bounds, coefficients, residuals] {
        parts.extend(tightest(group));
    }
    if let Some(reason) = small_dimension {
        parts.push(rules::out_of_scope(
            "(c) b_cρ against rD_c/(1 + rn_c)",
            reason,
        ));
    }
    if !excluded.is_empty() {
        parts.push(rules::out_of_scope(
            format!("{} runs without the benign optimal pattern", excluded.len()),
            excluded.join("; "),
        ));
    }
    if parts.is_empty() {
        parts.push(rules::out_of_scope(
            "benign pattern",
            "no run has the benign optimal pattern",
        ));
    }
    Ok(parts)
}
