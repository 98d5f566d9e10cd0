//! Claims ATT-9 … ATT-14: the attention rules of §6.3 per sample and class, the exact
//! balanced thresholds of §6.4, the three sides of the two-step GD window, and what
//! step one alone does (§6.5).

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::claims_steps::{
    Candidate, broken, one_sided_rate, rate, residual_part, scaled_snrs, share_at_least,
    simulators, tightest, token_counts,
};
use super::closed_form::{self, GridData};
use super::data::{ClassTally, class_label};
use super::model::{self, Tokens};
use super::runs::{self, GradientRun, SampleOutcome, TestTally, case_seeds};
use super::setting::{Setting, Simulator};
use super::theory::{self, Root, Side};
use super::{claim, data_model};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Rule, TierRule, Value};
use crate::error::Error;
use crate::exact::{Bounds, Interval, format_rational, rational_from_f64_exact};
use crate::suite::Case;

pub(super) static CLAIMS: [ClaimInfo; 6] = [
    claim(
        "ATT-9",
        "attention rules per sample",
        "After two steps, a clean training sample attends its signal iff Q_k > 0 (r > r_cl), a flipped one attends noise iff r < r_fl, and a test sample of class c attends its signal iff rD_c² > n_c: every training sample outside the margin follows its rule in every seed, and at least 99 % of each class's test samples do (Clopper–Pearson lower bound).",
        &[ClaimKind::Threshold],
        &[Provenance::Derived],
        "SIM-G (and SIM-D) against the exact rules",
        "Q_k = (T−1)r(rD_c² − n_c) + ε_k rD_c − 1;  test: rD_c² − n_c",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "test_samples",
            "threshold_margin",
            "simulator"
        ],
    ),
    claim(
        "ATT-10",
        "balanced thresholds, exactly",
        "In balanced form κ_cl ≤ κ_te < κ_fl with equality iff η = 0 (exact sign tests at z_te), rational roots are detected exactly ((2, 0.2): κ_fl = 10; (3, 0.1): κ_fl = κ₁ = 5; η = 0: κ_cl = κ_te = κ* = 2), κ_fl − κ_te falls with T, and (T − 1)(κ_fl − κ_te) → 2(1 + 1/ν).",
        &[ClaimKind::Threshold],
        &[Provenance::Derived],
        "CF (exact rationals, certified surds)",
        "z_te = 1/ν²;  q_cl(z_te) = 1/ν − 1 ≥ 0;  q_fl(z_te) = −1/ν − 1 < 0",
        TierRule::Quick,
        &[
            "flip_rate",
            "precision",
            "token_counts",
            "flip_rates",
            "largest_token_count",
            "asymptotic_token_count",
        ],
    ),
    claim(
        "ATT-11",
        "benign side of the window",
        "For κ_te < κ < κ_fl: every training label is fit, clean samples put ≥ 0.99 of their attention on the signal and flipped ones ≤ 0.01, the clean test error's upper confidence bound is ≤ 0.015, and err = η + (1 − 2η)err_cl (±0.01); a certified run of both steps fits every label of one instance.",
        &[ClaimKind::PhaseBoundary],
        &[Provenance::Derived],
        "SIM-G (SIM-D at the full tier), certified GD",
        "κ_te = 2/ν² < κ < κ_fl",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "test_samples",
            "threshold_margin",
            "simulator"
        ],
    ),
    claim(
        "ATT-12",
        "harmful side of the window",
        "For κ < κ_cl ≤ κ_te: every training label is still fit, every training and test sample attends a noise token, and the clean test error is 1/2 within ±3/√n_test.",
        &[ClaimKind::PhaseBoundary],
        &[Provenance::Derived],
        "SIM-G (SIM-D at the full tier)",
        "κ < κ_cl: err_cl → 1/2",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "test_samples",
            "threshold_margin",
            "simulator"
        ],
    ),
    claim(
        "ATT-13",
        "upper side of the window",
        "For κ > κ_fl: every misfit training point is flipped, every flipped point the rules send to the signal is misfit, and the clean test error's upper confidence bound is ≤ 0.015.",
        &[ClaimKind::PhaseBoundary, ClaimKind::Inequality],
        &[Provenance::Derived],
        "SIM-G (SIM-D at the full tier)",
        "κ > κ_fl: flipped → signal → misfit",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "test_samples",
            "threshold_margin",
            "simulator"
        ],
    ),
    claim(
        "ATT-14",
        "what step one alone does",
        "After step one a flipped point is fit iff its exact margin is positive, ≈ iff ρ²D_c < (T−1)d; for T = 2 inside the window step one's training accuracy is exactly 1 − |N|/n and step two's is 1; for T = 3 and κ < κ₁ step one already fits every label.",
        &[ClaimKind::Threshold, ClaimKind::ExactValue],
        &[Provenance::Derived],
        "SIM-G (SIM-D at the full tier) against exact margins",
        "fit⁽¹⁾_k ⇔ y_k⟨S_k, w⟩ > 0;  flipped fit ⇔ ρ²D_c < (T−1)d;  κ₁ = 2(T−1)/(1−2η)",
        TierRule::QuickReduced,
        data_model![
            "token_counts",
            "scaled_snrs",
            "first_step_scale",
            "second_step_scale",
            "threshold_margin",
            "simulator"
        ],
    ),
];

/// Checks one of ATT-9 … ATT-14; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "ATT-9" => attention_rules(case),
        "ATT-10" => exact_thresholds(case),
        "ATT-11" => window_side(case, Window::Benign),
        "ATT-12" => window_side(case, Window::Harmful),
        "ATT-13" => window_side(case, Window::Upper),
        "ATT-14" => step_one(case),
        _ => return None,
    })
}

/// One run of a phase case: its setting, simulator, seed and labels. The run itself is
/// fetched when it is read ([`PhaseRun::run`]), so that SIM-D runs are not all held at
/// once.
struct PhaseRun {
    label: String,
    group: String,
    setting: Setting,
    simulator: Simulator,
    seed: u64,
}

impl PhaseRun {
    fn run(&self) -> Result<std::sync::Arc<GradientRun>, Error> {
        runs::gradient_run(&self.setting, self.simulator, self.seed)
    }
}

/// Every (simulator, T, κ, seed) run of a case, with `extra` κ values per T added. The
/// large-d rules need d ≥ dimension_ratio·n² and the reference schedule; a case that
/// breaks either is out of scope (`assumptions` false leaves that to the caller).
fn phase_runs(
    case: &Case,
    assumptions: bool,
    extra: impl Fn(&Setting) -> Result<Vec<BigRational>, Error>,
) -> Result<Result<Vec<PhaseRun>, Part>, Error> {
    let base = Setting::from_parameters(&case.parameters)?;
    if let Some(part) = broken(&base) {
        return Ok(Err(part));
    }
    if assumptions {
        let dimension_ratio = case.parameters.rational("dimension_ratio")?;
        if let Some(reason) = base.large_dimension_break(&dimension_ratio) {
            return Ok(Err(rules::out_of_scope("large dimension", reason)));
        }
        if let Some(reason) = base.schedule_break() {
            return Ok(Err(rules::out_of_scope("step schedule", reason)));
        }
    }
    let mut list = Vec::new();
    for simulator in simulators(case)? {
        for tokens in token_counts(case)? {
            let resized = base.resized(base.samples, base.dimension, tokens);
            let mut kappas = scaled_snrs(case)?;
            kappas.extend(extra(&resized)?);
            for kappa in kappas {
                let setting = resized.clone().with_scaled_snr(&kappa);
                for seed in case_seeds(&case.seeds) {
                    let group = format!(
                        "{}, T = {tokens}, κ = {}",
                        simulator.name(),
                        readable(&kappa)
                    );
                    list.push(PhaseRun {
                        label: format!("{group}, seed {seed}"),
                        group,
                        setting: setting.clone(),
                        simulator,
                        seed,
                    });
                }
            }
        }
    }
    Ok(Ok(list))
}

/// κ printed briefly (decimal when short, else to 4 significant digits).
fn readable(kappa: &BigRational) -> String {
    let text = format_rational(kappa);
    if text.len() <= 8 {
        text
    } else {
        format!("{:.4}", crate::exact::to_f64(kappa))
    }
}

/// The rule a sample follows after step two: Some(true) attends signal, Some(false)
/// attends noise, None not judged (in the margin or D_c ≤ 0).
fn training_rule(
    tokens: usize,
    tally: &ClassTally,
    flipped: bool,
    r: &BigRational,
    margin: &BigRational,
) -> Option<bool> {
    if tally.agreement() <= 0 {
        return None;
    }
    let quadratic = if flipped {
        theory::flipped_rule(tokens, tally)
    } else {
        theory::clean_rule(tokens, tally)
    };
    match theory::side(&quadratic, r, margin) {
        Side::Above => Some(true),
        Side::Below => Some(false),
        Side::InMargin => None,
    }
}

/// The test rule of a class: Some(true) test samples attend the signal.
fn test_rule(tally: &ClassTally, r: &BigRational, margin: &BigRational) -> Option<bool> {
    if tally.agreement() <= 0 {
        return None;
    }
    match theory::side(&theory::test_rule(tally), r, margin) {
        Side::Above => Some(true),
        Side::Below => Some(false),
        Side::InMargin => None,
    }
}

/// Test samples following their class's test rule, pooled over the seeds of each group.
#[derive(Default)]
struct TestFollowing {
    groups: Vec<(String, u64, u64)>,
}

impl TestFollowing {
    fn add(&mut self, group: &str, following: u64, total: u64) {
        match self.groups.iter_mut().find(|(name, ..)| name == group) {
            Some(entry) => {
                entry.1 += following;
                entry.2 += total;
            }
            None => self.groups.push((group.to_string(), following, total)),
        }
    }

    /// Every group judged against ≥ 0.99 with one-sided Clopper–Pearson bounds; the
    /// worst verdict (and among equals the smallest lower bound) is shown.
    fn part(&self, label: &str, confidence: f64, seeds: &[u64]) -> Part {
        share_at_least(label, &self.groups, 0.99, confidence, seeds)
            .unwrap_or_else(|| rules::out_of_scope(label, "no class outside the margin"))
    }
}

/// Test tally of one phase run.
fn test_of(phase: &PhaseRun, run: &GradientRun) -> Result<std::sync::Arc<TestTally>, Error> {
    runs::test_of(
        run,
        &phase.setting,
        phase.simulator,
        phase.seed,
        phase.setting.test_samples,
    )
}

fn attention_rules(case: &Case) -> Result<Vec<Part>, Error> {
    let runs = match phase_runs(case, true, |setting| {
        // κ_x(1 ± 0.15) for the three balanced thresholds.
        let row = theory::threshold_row(setting.tokens, &setting.flip_rate, setting.precision)?;
        let mut values = Vec::new();
        for kappa in [
            row.clean.to_f64(),
            crate::exact::to_f64(&row.test),
            row.flipped.to_f64(),
        ] {
            for factor in [0.85, 1.15] {
                values.push(rational_from_f64_exact(kappa * factor).expect("finite κ"));
            }
        }
        Ok(values)
    })? {
        Ok(runs) => runs,
        Err(part) => return Ok(vec![part]),
    };
    let seeds = case_seeds(&case.seeds);
    let (mut judged, mut following, mut excluded) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let mut tests = TestFollowing::default();
    for phase in &runs {
        let run = phase.run()?;
        let tallies = run.dataset.class_tallies();
        let r = phase.setting.judging_ratio();
        let margin = &phase.setting.threshold_margin;
        for (sample, outcome) in runs::training_outcomes(&run).iter().enumerate() {
            match training_rule(
                phase.setting.tokens,
                &tallies[outcome.class],
                outcome.flipped,
                &r,
                margin,
            ) {
                None => excluded += 1,
                Some(signal) => {
                    judged += 1;
                    if outcome.attends_signal == signal {
                        following += 1;
                    } else if failures.len() < 5 {
                        failures.push(format!(
                            "{}: sample {sample} ({}) attends {}",
                            phase.label,
                            if outcome.flipped { "flipped" } else { "clean" },
                            if outcome.attends_signal {
                                "signal"
                            } else {
                                "noise"
                            }
                        ));
                    }
                }
            }
        }
        let test = test_of(phase, &run)?;
        for class in 0..2 {
            if let Some(signal) = test_rule(&tallies[class], &r, margin) {
                let outcome = &test.classes[class];
                let followers = if signal {
                    outcome.attends_signal
                } else {
                    outcome.total - outcome.attends_signal
                };
                tests.add(
                    &format!("{}, class {}", phase.group, sign_name(class)),
                    followers,
                    outcome.total,
                );
            }
        }
    }
    let label = "training samples outside the margin follow their §6.3 rule, every seed";
    let mut parts = vec![if judged == 0 {
        rules::out_of_scope(
            label,
            "every training sample lies within the margin of its threshold",
        )
    } else {
        rules::decided(
            label,
            Rule::Phase,
            "all",
            Value::Count {
                hits: following,
                total: judged,
            },
            Some(following == judged),
            if failures.is_empty() {
                format!("{following} of {judged}")
            } else {
                format!(
                    "{following} of {judged}; first failures: {}",
                    failures.join("; ")
                )
            },
        )
    }];
    parts.push(tests.part(
        "test samples following the class rule rD_c² ≷ n_c",
        case.confidence,
        &seeds,
    ));
    if excluded > 0 {
        parts.push(rules::out_of_scope(
            format!("{excluded} training samples"),
            "within the margin of their threshold (or in a class with D_c ≤ 0)",
        ));
    }
    Ok(parts)
}

fn sign_name(class: usize) -> &'static str {
    if class_label(class) > 0 { "+" } else { "−" }
}

fn exact_thresholds(case: &Case) -> Result<Vec<Part>, Error> {
    let precision = Setting::from_parameters(&case.parameters)?.precision;
    let tokens_list = token_counts(case)?;
    let flip_rates = case.parameters.rationals("flip_rates")?;
    let mut parts = Vec::new();
    // Exact sign tests at z_te on the rational grid.
    let (mut ordered, mut equalities, mut total) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    for &tokens in &tokens_list {
        for flip_rate in &flip_rates {
            let nu = theory::agreement_rate(flip_rate);
            let z_test = BigRational::one() / (&nu * &nu);
            let clean = theory::balanced_clean(tokens, flip_rate).at(&z_test);
            let flipped = theory::balanced_flipped(tokens, flip_rate).at(&z_test);
            total += 1;
            // q_cl(z_te) = 1/ν − 1 ≥ 0 (zero iff η = 0) and q_fl(z_te) = −1/ν − 1 < 0.
            let clean_ok = !clean.is_negative() && (clean.is_zero() == flip_rate.is_zero());
            let flipped_ok = flipped.is_negative();
            let formula_ok = clean == BigRational::one() / &nu - BigRational::one()
                && flipped == -(BigRational::one() / &nu) - BigRational::one();
            if clean_ok && flipped_ok && formula_ok {
                ordered += 1;
            } else {
                failures.push(format!("T = {tokens}, η = {}", format_rational(flip_rate)));
            }
            if flip_rate.is_zero() {
                let row = theory::threshold_row(tokens, flip_rate, precision)?;
                let two = BigRational::from_integer(2.into());
                let coincide = matches!(&row.clean, Root::Rational(value) if *value == two)
                    && row.test == two
                    && row.min_norm == two;
                equalities += u64::from(coincide);
            }
        }
    }
    parts.push(rules::exact_predicate(
        format!(
            "κ_cl ≤ κ_te < κ_fl by exact signs at z_te, T ∈ {{{}}}, {} values of η",
            join(&tokens_list),
            flip_rates.len()
        ),
        "q_cl(z_te) = 1/ν − 1 ≥ 0 (= 0 iff η = 0), q_fl(z_te) = −1/ν − 1 < 0",
        Value::Count {
            hits: ordered,
            total,
        },
        ordered == total && failures.is_empty(),
    ));
    let zero_count = tokens_list.len() as u64 * u64::from(flip_rates.iter().any(Zero::is_zero));
    if zero_count > 0 {
        parts.push(rules::exact_predicate(
            "η = 0: κ_cl = κ_te = κ* = 2 exactly (a rational root)",
            "= 2 for every T",
            Value::Count {
                hits: equalities,
                total: zero_count,
            },
            equalities == zero_count,
        ));
    }
    // The stated rational roots.
    let row = theory::threshold_row(2, &crate::exact::ratio(1, 5), precision)?;
    parts.push(rules::exact_predicate(
        "(T, η) = (2, 0.2): κ_fl = 10, a rational root",
        "κ_fl = 10 from a perfect-square discriminant",
        root_value(&row.flipped),
        matches!(&row.flipped, Root::Rational(value) if *value == crate::exact::ratio(10, 1)),
    ));
    let row = theory::threshold_row(3, &crate::exact::ratio(1, 10), precision)?;
    parts.push(rules::exact_predicate(
        "(T, η) = (3, 0.1): κ_fl = κ₁ = 5",
        "both equal 5 exactly",
        root_value(&row.flipped),
        matches!(&row.flipped, Root::Rational(value) if *value == crate::exact::ratio(5, 1))
            && row.step_one == crate::exact::ratio(5, 1),
    ));
    // κ_fl − κ_te strictly falls for T = 2 … largest, decided on certified enclosures.
    let largest = case.parameters.count("largest_token_count")? as usize;
    let flip_rate = Setting::from_parameters(&case.parameters)?.flip_rate;
    let mut gaps = Vec::new();
    for tokens in 2..=largest {
        let row = theory::threshold_row(tokens, &flip_rate, precision)?;
        let gap = row
            .flipped
            .enclosure(precision)
            .sub(&Interval::from_rational(&row.test, precision));
        gaps.push((
            format!("T = {tokens}"),
            Bounds::new(gap.lower_f64(), gap.upper_f64()),
        ));
    }
    parts.push(rules::monotone(
        format!(
            "κ_fl − κ_te at η = {}, T = 2 … {largest}",
            format_rational(&flip_rate)
        ),
        &gaps,
        rules::Direction::Decreasing,
        Strictness::Strict,
    ));
    // (T − 1)(κ_fl − κ_te) against 2(1 + 1/ν) at a large T.
    let asymptotic = case.parameters.count("asymptotic_token_count")? as usize;
    let row = theory::threshold_row(asymptotic, &flip_rate, precision)?;
    let nu = theory::agreement_rate(&flip_rate);
    let limit =
        BigRational::from_integer(2.into()) * (BigRational::one() + BigRational::one() / &nu);
    let scaled_gap = row
        .flipped
        .enclosure(precision)
        .sub(&Interval::from_rational(&row.test, precision))
        .mul(&Interval::from_integer((asymptotic - 1) as i64, precision));
    parts.push(rules::equivalence(
        format!(
            "(T − 1)(κ_fl − κ_te) at T = {asymptotic}, η = {}",
            format_rational(&flip_rate)
        ),
        &Band::relative(crate::exact::to_f64(&limit), 0.01).described(
            Value::Exact(limit.clone()),
            format!("2(1 + 1/ν) = {} within 1 %", format_rational(&limit)),
        ),
        &Measured::enclosure(&scaled_gap),
    ));
    parts.push(threshold_table_part(precision)?);
    Ok(parts)
}

fn root_value(root: &Root) -> Value {
    match root {
        Root::Rational(value) => Value::Exact(value.clone()),
        Root::Surd(enclosure) => Value::Enclosure(enclosure.clone()),
    }
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The §6.4 table for T ∈ {2, 3, 5} and η ∈ {0, 0.05, 0.1, 0.2}, as a report part whose
/// certified widths are checked (≤ 1e-12, zero for rational roots).
fn threshold_table_part(precision: usize) -> Result<Part, Error> {
    let rows = threshold_table(precision)?;
    let widest = rows
        .iter()
        .flat_map(|row| [&row.clean, &row.flipped])
        .map(|root| match root {
            Root::Rational(_) => 0.0,
            Root::Surd(enclosure) => enclosure.width_f64(),
        })
        .fold(0.0, f64::max);
    Ok(rules::upper_bound(
        format!(
            "§6.4 table ({} rows, `eval` and the closed-form snapshot show it): widest root enclosure",
            rows.len()
        ),
        Bounds::point(1e-12),
        Strictness::NonStrict,
        &Measured::point(widest),
    ))
}

/// The rows of the §6.4 table the harness snapshots.
pub fn threshold_table(precision: usize) -> Result<Vec<theory::ThresholdRow>, Error> {
    let mut rows = Vec::new();
    for tokens in [2, 3, 5] {
        for (numerator, denominator) in [(0, 1), (1, 20), (1, 10), (1, 5)] {
            rows.push(theory::threshold_row(
                tokens,
                &crate::exact::ratio(numerator, denominator),
                precision,
            )?);
        }
    }
    Ok(rows)
}

/// Which side of the window a claim tests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Window {
    /// κ_te < κ < κ_fl.
    Benign,
    /// κ < κ_cl.
    Harmful,
    /// κ > κ_fl.
    Upper,
}

/// Whether a class sits on the window side, all three rules outside the margin.
fn class_on_side(
    window: Window,
    tokens: usize,
    tally: &ClassTally,
    r: &BigRational,
    margin: &BigRational,
) -> bool {
    let rules = (
        test_rule(tally, r, margin),
        training_rule(tokens, tally, false, r, margin),
        training_rule(tokens, tally, true, r, margin),
    );
    match window {
        Window::Benign => rules == (Some(true), Some(true), Some(false)),
        Window::Harmful => rules == (Some(false), Some(false), Some(false)),
        Window::Upper => rules == (Some(true), Some(true), Some(true)),
    }
}

fn window_side(case: &Case, window: Window) -> Result<Vec<Part>, Error> {
    let runs = match phase_runs(case, true, |_| Ok(Vec::new()))? {
        Ok(runs) => runs,
        Err(part) => return Ok(vec![part]),
    };
    let seeds = case_seeds(&case.seeds);
    let mut parts = Vec::new();
    let mut samples_judged = 0u64;
    let mut fit = 0u64;
    let mut noise_attending = 0u64;
    let mut misfit_clean = 0u64;
    let mut misfit_total = 0u64;
    let mut sent_to_signal = 0u64;
    let mut sent_and_misfit = 0u64;
    let mut lowest_clean_weight: Option<(f64, String)> = None;
    let mut highest_flipped_weight: Option<(f64, String)> = None;
    let mut excluded_classes = Vec::new();
    let mut groups: Vec<(String, f64, TestTally)> = Vec::new();
    let mut tests = TestFollowing::default();
    for phase in &runs {
        let run = phase.run()?;
        let tallies = run.dataset.class_tallies();
        let r = phase.setting.judging_ratio();
        let margin = &phase.setting.threshold_margin;
        let on_side: Vec<bool> = (0..2)
            .map(|class| class_on_side(window, phase.setting.tokens, &tallies[class], &r, margin))
            .collect();
        for class in 0..2 {
            if !on_side[class] {
                excluded_classes.push(format!("{}, class {}", phase.label, sign_name(class)));
            }
        }
        let outcomes: Vec<SampleOutcome> = runs::training_outcomes(&run);
        for outcome in outcomes.iter().filter(|outcome| on_side[outcome.class]) {
            samples_judged += 1;
            fit += u64::from(outcome.fit_after_second);
            noise_attending += u64::from(!outcome.attends_signal);
            if !outcome.fit_after_second {
                misfit_total += 1;
                misfit_clean += u64::from(!outcome.flipped);
            }
            // On the upper side the rules send every flipped sample to the signal.
            if outcome.flipped && window == Window::Upper {
                sent_to_signal += 1;
                sent_and_misfit += u64::from(!outcome.fit_after_second);
            }
            let record = |slot: &mut Option<(f64, String)>, value: f64, lower: bool| {
                if slot.as_ref().is_none_or(|(current, _)| {
                    if lower {
                        value < *current
                    } else {
                        value > *current
                    }
                }) {
                    *slot = Some((value, phase.label.clone()));
                }
            };
            if outcome.flipped {
                record(&mut highest_flipped_weight, outcome.signal_weight, false);
            } else {
                record(&mut lowest_clean_weight, outcome.signal_weight, true);
            }
        }
        if !on_side.iter().any(|side| *side) {
            continue;
        }
        let test = test_of(phase, &run)?;
        let mut judged = TestTally::default();
        for class in (0..2).filter(|class| on_side[*class]) {
            judged.classes[class] = test.classes[class];
            let outcome = &test.classes[class];
            tests.add(
                &format!("{}, class {}", phase.group, sign_name(class)),
                outcome.total - outcome.attends_signal,
                outcome.total,
            );
        }
        match groups.iter_mut().find(|(name, ..)| *name == phase.group) {
            Some(entry) => entry.2 = entry.2.merged(&judged),
            None => groups.push((phase.group.clone(), phase.setting.flip_rate_f64(), judged)),
        }
    }
    if samples_judged == 0 {
        return Ok(vec![rules::out_of_scope(
            "window side",
            format!(
                "no class lies on this side outside the margin ({} excluded)",
                excluded_classes.len()
            ),
        )]);
    }
    match window {
        Window::Benign | Window::Harmful => parts.push(rules::stated_count(
            "training labels fit after step two",
            "every label, flipped ones included",
            fit,
            samples_judged,
            fit == samples_judged,
        )),
        Window::Upper => {
            let label = "misfit training points that are clean";
            parts.push(if misfit_total == 0 {
                rules::out_of_scope(label, "no training point is misfit")
            } else {
                rules::stated_count(
                    label,
                    "none: every misfit point is flipped",
                    misfit_clean,
                    misfit_total,
                    misfit_clean == 0,
                )
            });
            let label = "flipped points the rules send to the signal (r > r_fl) that are misfit";
            parts.push(if sent_to_signal == 0 {
                rules::out_of_scope(label, "no flipped sample in a class on the upper side")
            } else {
                rules::stated_count(
                    label,
                    "every one of them",
                    sent_and_misfit,
                    sent_to_signal,
                    sent_and_misfit == sent_to_signal,
                )
            });
        }
    }
    if window == Window::Benign {
        if let Some((weight, label)) = &lowest_clean_weight {
            parts.push(rules::lower_bound(
                format!("smallest signal weight of a clean training sample ({label})"),
                Bounds::point(0.99),
                Strictness::NonStrict,
                &Measured::point(*weight),
            ));
        }
        if let Some((weight, label)) = &highest_flipped_weight {
            parts.push(rules::upper_bound(
                format!("largest signal weight of a flipped training sample ({label})"),
                Bounds::point(0.01),
                Strictness::NonStrict,
                &Measured::point(*weight),
            ));
        }
    }
    if window == Window::Harmful {
        parts.push(rules::stated_count(
            "training samples attending a noise token",
            "every one",
            noise_attending,
            samples_judged,
            noise_attending == samples_judged,
        ));
        parts.push(tests.part(
            "test samples attending a noise token",
            case.confidence,
            &seeds,
        ));
    }
    // The clean test error per group, the worst group shown.
    let test_samples = Setting::from_parameters(&case.parameters)?.test_samples as f64;
    let mut error_parts: Vec<Candidate> = Vec::new();
    let mut residual_parts: Vec<Candidate> = Vec::new();
    for (group, flip_rate, tally) in &groups {
        let (errors, total) = (tally.clean_errors(), tally.total());
        if total == 0 {
            continue;
        }
        error_parts.push(match window {
            Window::Harmful => {
                let measured = rate(errors, total, case.confidence, &seeds);
                let delta = 3.0 / test_samples.sqrt();
                (
                    delta - (measured.interval.upper - 0.5).max(0.5 - measured.interval.lower),
                    rules::equivalence(
                        format!("clean test error, {group}"),
                        &Band::absolute(0.5, delta),
                        &measured,
                    ),
                )
            }
            _ => {
                let measured = one_sided_rate(errors, total, case.confidence, &seeds);
                (
                    0.015 - measured.interval.upper,
                    rules::upper_bound(
                        format!("clean test error, {group}"),
                        Bounds::point(0.015),
                        Strictness::NonStrict,
                        &measured,
                    ),
                )
            }
        });
        if window == Window::Benign {
            residual_parts.push(residual_part(
                &format!("{group}: D = err − (η + (1 − 2η)err_cl)"),
                *flip_rate,
                errors,
                tally.noisy_errors(),
                total,
                case.confidence,
                &seeds,
            ));
        }
    }
    parts.extend(tightest(error_parts));
    parts.extend(tightest(residual_parts));
    if window == Window::Benign {
        parts.push(certified_fit(&runs)?);
    }
    if !excluded_classes.is_empty() {
        parts.push(rules::out_of_scope(
            format!("{} of {} classes", excluded_classes.len(), 2 * runs.len()),
            format!(
                "not on this side outside the margin: {}",
                excluded_classes
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    Ok(parts)
}

/// A certified run of both steps on the first SIM-G run of the case: every training
/// label fit, decided on enclosures.
fn certified_fit(runs: &[PhaseRun]) -> Result<Part, Error> {
    let Some(phase) = runs.iter().find(|phase| phase.simulator == Simulator::Gram) else {
        return Ok(rules::out_of_scope(
            "certified run",
            "the case runs no SIM-G instance",
        ));
    };
    let precision = phase.setting.precision;
    let run = phase.run()?;
    let dataset = &run.dataset;
    let tokens: Tokens<'_, Interval> = Tokens::convert(
        &dataset.inputs,
        dataset.samples,
        dataset.tokens,
        dataset.coordinates,
        &dataset.labels,
        precision,
    )?;
    let trajectory = model::two_steps(
        &tokens,
        &phase.setting.first_step_size(),
        &phase.setting.second_step_size(),
        precision,
    )?;
    let margins: Vec<Interval> = trajectory.forwards[2]
        .outputs
        .iter()
        .zip(&dataset.labels)
        .map(|(output, label)| {
            if *label > 0 {
                output.clone()
            } else {
                output.neg()
            }
        })
        .collect();
    let certainly_fit = margins.iter().filter(|margin| margin.is_positive()).count() as u64;
    let certainly_misfit = margins.iter().filter(|margin| margin.is_negative()).count() as u64;
    let smallest = margins
        .iter()
        .min_by(|a, b| a.lower_f64().total_cmp(&b.lower_f64()))
        .cloned()
        .unwrap_or_else(|| Interval::from_integer(0, precision));
    Ok(rules::certified(
        format!(
            "certified two-step run ({}): every y_i f_i > 0 ({certainly_fit} of {} certified)",
            phase.label,
            margins.len()
        ),
        "min_i y_i f_i(X_i; p₂, v₂) > 0",
        &smallest,
        if certainly_fit == margins.len() as u64 {
            Some(true)
        } else if certainly_misfit > 0 {
            Some(false)
        } else {
            None
        },
    ))
}

fn step_one(case: &Case) -> Result<Vec<Part>, Error> {
    // The exact-margin part holds for any d and schedule; the approximate rules need a
    // large d, and "step two fits every label" also the reference schedule.
    let runs = match phase_runs(case, false, |_| Ok(Vec::new()))? {
        Ok(runs) => runs,
        Err(part) => return Ok(vec![part]),
    };
    let base = Setting::from_parameters(&case.parameters)?;
    let small_dimension = base.large_dimension_break(&case.parameters.rational("dimension_ratio")?);
    let off_schedule = base.schedule_break();
    let (mut agree, mut samples) = (0u64, 0u64);
    let (mut rule_judged, mut rule_following, mut rule_excluded) = (0u64, 0u64, 0u64);
    let (mut exact_runs, mut exact_total) = (0u64, 0u64);
    let (mut interpolating, mut interpolation_total) = (0u64, 0u64);
    let mut notes = Vec::new();
    for phase in &runs {
        let run = phase.run()?;
        let dataset = &run.dataset;
        let grid = GridData::of(dataset)?;
        let first = closed_form::first_step(&grid, &phase.setting.first_step_size());
        let outcomes = runs::training_outcomes(&run);
        let tallies = dataset.class_tallies();
        let r = phase.setting.judging_ratio();
        for (sample, outcome) in outcomes.iter().enumerate() {
            samples += 1;
            let margin = &first.margins[sample];
            // f = 0 predicts −1: a zero margin is a fit only for y = −1.
            let exact_fit =
                margin.is_positive() || (margin.is_zero() && dataset.labels[sample] < 0);
            if exact_fit == outcome.fit_after_first {
                agree += 1;
            } else if notes.len() < 3 {
                notes.push(format!("{} sample {sample}", phase.label));
            }
            if outcome.flipped {
                let tally = &tallies[outcome.class];
                match theory::side(
                    &theory::step_one_rule(phase.setting.tokens, tally),
                    &r,
                    &phase.setting.threshold_margin,
                ) {
                    Side::InMargin => rule_excluded += 1,
                    Side::Above => {
                        rule_judged += 1;
                        rule_following += u64::from(!outcome.fit_after_first);
                    }
                    Side::Below => {
                        rule_judged += 1;
                        rule_following += u64::from(outcome.fit_after_first);
                    }
                }
            }
        }
        let in_window = (0..2).all(|class| {
            class_on_side(
                Window::Benign,
                phase.setting.tokens,
                &tallies[class],
                &r,
                &phase.setting.threshold_margin,
            )
        });
        let flipped = outcomes.iter().filter(|outcome| outcome.flipped).count();
        let first_fits = outcomes
            .iter()
            .filter(|outcome| outcome.fit_after_first)
            .count();
        let second_fits = outcomes
            .iter()
            .filter(|outcome| outcome.fit_after_second)
            .count();
        if phase.setting.tokens == 2 && in_window {
            exact_total += 1;
            let clean_all_right = outcomes
                .iter()
                .all(|outcome| outcome.flipped != outcome.fit_after_first);
            exact_runs += u64::from(
                first_fits == outcomes.len() - flipped
                    && clean_all_right
                    && second_fits == outcomes.len(),
            );
        }
        // Below κ₁ with the realised counts: every class holding a flipped sample has
        // ρ²D_c < (T − 1)d outside the margin.
        let below_limit = (0..2).all(|class| {
            tallies[class].flipped == 0
                || theory::side(
                    &theory::step_one_rule(phase.setting.tokens, &tallies[class]),
                    &r,
                    &phase.setting.threshold_margin,
                ) == Side::Below
        });
        if phase.setting.tokens == 3 && below_limit {
            interpolation_total += 1;
            interpolating += u64::from(first_fits == outcomes.len());
        }
    }
    let mut parts = vec![
        rules::exact_predicate(
            "step-one fit equals the sign of the exact margin y_k⟨S_k, w⟩",
            "every training sample of every run",
            Value::Count {
                hits: agree,
                total: samples,
            },
            agree == samples,
        ),
        if let Some(reason) = &small_dimension {
            rules::out_of_scope(
                "flipped points and the ρ²D_c < (T − 1)d rule",
                reason.clone(),
            )
        } else if rule_judged == 0 {
            rules::out_of_scope(
                "flipped points and the ρ²D_c < (T − 1)d rule",
                "every flipped point lies within κ₁'s margin",
            )
        } else {
            rules::decided(
                "flipped points: fit after step one iff ρ²D_c < (T − 1)d, outside κ₁'s margin",
                Rule::Phase,
                "all",
                Value::Count {
                    hits: rule_following,
                    total: rule_judged,
                },
                Some(rule_following == rule_judged),
                format!(
                    "{rule_following} of {rule_judged}; {rule_excluded} within the margin not judged"
                ),
            )
        },
    ];
    let window_label = "T = 2 in the window: step one fits exactly the clean points (accuracy 1 − |N|/n), step two all";
    if let Some(reason) = small_dimension.as_ref().or(off_schedule.as_ref()) {
        if exact_total > 0 {
            parts.push(rules::out_of_scope(window_label, reason.clone()));
        }
    } else if exact_total > 0 {
        parts.push(rules::stated_count(
            window_label,
            "every run",
            exact_runs,
            exact_total,
            exact_runs == exact_total,
        ));
    }
    if let Some(reason) = &small_dimension {
        if interpolation_total > 0 {
            parts.push(rules::out_of_scope(
                "T = 3 below κ₁: step one already fits every label",
                reason.clone(),
            ));
        }
    } else if interpolation_total > 0 {
        parts.push(rules::stated_count(
            "T = 3 below κ₁: step one already fits every label",
            "every run",
            interpolating,
            interpolation_total,
            interpolating == interpolation_total,
        ));
    }
    if !notes.is_empty() {
        parts.push(rules::report(
            "samples whose step-one fit differs from the exact margin",
            Value::label(notes.join("; ")),
            "first few",
        ));
    }
    Ok(parts)
}
