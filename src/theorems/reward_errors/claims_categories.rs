//! Claims RE-11 … RE-14: one instance of each error category (spec §4).

use num_rational::BigRational;

use super::categories::{self, Category, MeasuredCategory};
use super::configs::{no_med_proxy, output_name, reference_ground_truth, reference_policy};
use super::dynamics::{self, Bandit, value};
use super::metrics::{self, METRIC_NAMES};
use super::{claim, flow_plan};
use crate::claim::rules::{self, Band, Direction, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value};
use crate::error::Error;
use crate::exact::{Bounds, format_rational, ratio, to_f64};
use crate::sim::flow::log_spaced;
use crate::suite::Case;

const FLOW: &[&str] = &[
    "target_value",
    "horizon",
    "relative_tolerance",
    "category_tolerance",
    "negligible_probability",
];

pub(super) static CLAIMS: [ClaimInfo; 4] = [
    claim(
        "RE-11",
        "harmful type I: a hacked output",
        "T0 with r_P = r_G except r_P(b1) = 2: dV_G/dt at θ₀ is 407/4000 > 0, yet the flow never reaches V_G = 0.9 and V_G → r_G(b1) = −1.",
        &[ClaimKind::Category, ClaimKind::ExactValue],
        &[Provenance::Derived],
        "CF, GF",
        "E8 at θ₀; operational rule with r_ref = r_G; V_G(1e8) + 1 ≤ 1e-6",
        FLOW,
    ),
    claim(
        "RE-12",
        "harmful type II: a stalling output that ranking metrics miss",
        "Truth (1, −1, −1, −1, −1), proxy (1, 4/5, −1, −1, −1), π₀ of T0: training on the proxy takes over 100× longer to reach V_G = 0.9; the initial rate is −17/2000; all four metrics equal 1 on the 4 strict pairs.",
        &[ClaimKind::Category, ClaimKind::MetricValue],
        &[Provenance::Derived],
        "CF, GF",
        "t⋆(r_P')/t⋆(r_G') > 100; E8 symmetric under r_G ↔ r_P",
        FLOW,
    ),
    claim(
        "RE-13",
        "benign type I: an output below the baseline",
        "T0 on the no-med proxy with r_P(b1) = v: V_P(θ₀) = −3/4 + (3/20)v, so b1 stays below it iff v < −15/17; hitting times then change by at most 5% (v ∈ {−0.95, −0.91, −2, −5}); v = −100 is not benign (more than triples t⋆). The 5% band is ACCEPTANCE's |ρ − 1| ≤ 0.05; the category parts use the operational rule's [1/(1 + τ), 1 + τ].",
        &[ClaimKind::Category],
        &[Provenance::Derived],
        "CF, GF",
        "|t⋆(v)/t⋆(−1) − 1| ≤ 0.05;  t⋆(−100)/t⋆(−1) > 3",
        &[
            "target_value",
            "horizon",
            "relative_tolerance",
            "category_tolerance",
            "negligible_probability",
            "proxy_values",
            "harmful_value",
        ],
    ),
    claim(
        "RE-14",
        "benign type II: a negligible hacked output",
        "Add y_hack to T0 with π₀(y_hack) = ε, r_G = −1, r_P = 2 (the proxy optimum): t⋆(0.9) matches r_ref within 1e-4; π(y_hack) peaks below 2ε, and on [t⋆, 1e8] V_G rises while π(y_hack) falls, late on as t^{−4/5}.",
        &[ClaimKind::Category, ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "GF",
        "(r⋆ − r_low) ε_r ≈ 1/((1 + 1/m) t),  d ln π_h/dt ≈ −(r⋆ − r_low) ε_r  ⇒  t·d ln π_h/dt → −m/(m + 1) = −4/5",
        &[
            "target_value",
            "horizon",
            "relative_tolerance",
            "category_tolerance",
            "negligible_probability",
            "hack_probability",
            "slope_times",
        ],
    ),
];

/// Checks one of RE-11 … RE-14; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-11" => hacked_output(case),
        "RE-12" => stalling_output(case),
        "RE-13" => output_below_baseline(case),
        "RE-14" => negligible_output(case),
        _ => return None,
    })
}

/// The operational rule's verdict against a stated class.
fn category_part(
    label: impl Into<String>,
    predicted: Category,
    measured: &MeasuredCategory,
) -> Part {
    match measured.category {
        Some(category) => rules::category(
            label,
            predicted.name(),
            category.name(),
            measured.evidence(),
        ),
        None => rules::undecided_category(label, predicted.name(), measured.evidence()),
    }
}

/// The class the paper's table predicts from θ₀ (`categories::predict`), against the
/// measured one.
fn predicted_part(
    policy: &[BigRational],
    truth: &[BigRational],
    reference: &[BigRational],
    proxy: &[BigRational],
    output: usize,
    case: &Case,
    measured: &MeasuredCategory,
) -> Result<Part, Error> {
    let negligible = case.parameters.rational("negligible_probability")?;
    let prediction = categories::predict(policy, truth, reference, proxy, output, &negligible);
    let label = format!(
        "class of the error at {} by the table ({})",
        output_name(output),
        prediction.kind
    );
    Ok(category_part(label, prediction.category, measured))
}

struct FlowSetup {
    target: f64,
    tolerance: f64,
    plan: dynamics::FlowPlan,
}

fn flow_setup(case: &Case) -> Result<FlowSetup, Error> {
    Ok(FlowSetup {
        target: case.parameters.number("target_value")?,
        tolerance: case.parameters.number("category_tolerance")?,
        plan: flow_plan(&case.parameters)?,
    })
}

fn hacked_output(case: &Case) -> Result<Vec<Part>, Error> {
    let setup = flow_setup(case)?;
    let (policy, truth) = (reference_policy(), reference_ground_truth());
    let mut proxy = truth.clone();
    proxy[2] = ratio(2, 1);
    let measured = categories::measure(
        &policy,
        &truth,
        &truth,
        &proxy,
        setup.target,
        setup.tolerance,
        &setup.plan,
    )?;

    // V_G at t = 1e8, at both tolerances: the flow settles on b1.
    let floats = |values: &[BigRational]| values.iter().map(to_f64).collect::<Vec<f64>>();
    let bandit = Bandit::tabular(&floats(&policy), &floats(&truth), &floats(&proxy));
    let states = dynamics::flow_states(&bandit, &[1e8], &setup.plan)?;
    let late = |state: &[f64]| value(&bandit.policy(state), &bandit.ground_truth) + 1.0;
    let gap = Measured::deterministic(late(&states.coarse[0]), late(&states.fine[0]));
    Ok(vec![
        rules::exact_equal(
            "dV_G/dt at θ₀ (E8)",
            &ratio(407, 4000),
            &categories::initial_rate(&policy, &truth, &proxy),
        ),
        rules::stated_count(
            "no V_G = γ crossing on [0, horizon] when trained on the proxy",
            "0 of 2 tolerances reach γ",
            u64::from(measured.proxy_time.coarse.is_some())
                + u64::from(measured.proxy_time.fine.is_some()),
            2,
            measured.proxy_time.never(),
        ),
        category_part(
            "class by the operational rule (r_ref = r_G)",
            Category::Harmful,
            &measured,
        ),
        predicted_part(&policy, &truth, &truth, &proxy, 2, case, &measured)?,
        rules::upper_bound(
            "V_G(1e8) + 1",
            Bounds::point(1e-6),
            Strictness::NonStrict,
            &gap,
        ),
    ])
}

fn stalling_output(case: &Case) -> Result<Vec<Part>, Error> {
    let setup = flow_setup(case)?;
    let policy = reference_policy();
    let truth = no_med_proxy();
    let proxy = reference_ground_truth();
    let measured = categories::measure(
        &policy,
        &truth,
        &truth,
        &proxy,
        setup.target,
        setup.tolerance,
        &setup.plan,
    )?;
    let ratio_part = match measured.time_ratio {
        Some(time_ratio) => rules::lower_bound(
            "t⋆(r_P')/t⋆(r_G')",
            Bounds::point(100.0),
            Strictness::Strict,
            &Measured::new(time_ratio.upper, time_ratio),
        ),
        None => rules::error("t⋆(r_P')/t⋆(r_G')", measured.evidence()),
    };
    let metrics = metrics::pairwise(&policy, &truth, &proxy).expect("the truth is not constant");
    let mut parts = vec![
        category_part(
            "class by the operational rule (r_ref = r_G')",
            Category::Harmful,
            &measured,
        ),
        predicted_part(&policy, &truth, &truth, &proxy, 1, case, &measured)?,
        ratio_part,
        rules::exact_equal(
            "dV_G'/dt at θ₀ (E8)",
            &ratio(-17, 2000),
            &categories::initial_rate(&policy, &truth, &proxy),
        ),
    ];
    for (name, value) in METRIC_NAMES.iter().zip(metrics.values()) {
        parts.push(rules::exact_equal(
            format!("{name} on the 4 strict pairs"),
            &ratio(1, 1),
            value,
        ));
    }
    Ok(parts)
}

fn output_below_baseline(case: &Case) -> Result<Vec<Part>, Error> {
    let setup = flow_setup(case)?;
    let (policy, truth, reference) = (reference_policy(), reference_ground_truth(), no_med_proxy());
    let values = case.parameters.rationals("proxy_values")?;
    let harmful_value = case.parameters.rational("harmful_value")?;
    let with_value = |v: &BigRational| {
        let mut proxy = reference.clone();
        proxy[2] = v.clone();
        proxy
    };

    // Exact: V_P(θ₀) = −3/4 + (3/20)v for every v used, and b1 sits exactly at the
    // baseline at v = −15/17.
    let checked_values: Vec<&BigRational> = values
        .iter()
        .chain(std::iter::once(&harmful_value))
        .collect();
    let formula_matches = checked_values
        .iter()
        .filter(|v| {
            categories::initial_value(&policy, &with_value(v)) == ratio(-3, 4) + ratio(3, 20) * **v
        })
        .count() as u64;
    let formula_holds = formula_matches == checked_values.len() as u64;
    let threshold = ratio(-15, 17);
    let at_threshold = categories::initial_value(&policy, &with_value(&threshold));
    let mut parts = vec![
        rules::exact_predicate(
            "V_P(θ₀) = −3/4 + (3/20)v at every v",
            "equal",
            Value::Count {
                hits: formula_matches,
                total: checked_values.len() as u64,
            },
            formula_holds,
        ),
        rules::exact_equal(
            "V_P(θ₀) at v = −15/17 (b1 exactly at the baseline)",
            &threshold,
            &at_threshold,
        ),
    ];

    for v in &values {
        let proxy = with_value(v);
        let measured = categories::measure(
            &policy,
            &truth,
            &reference,
            &proxy,
            setup.target,
            setup.tolerance,
            &setup.plan,
        )?;
        let label = format!("t⋆(v)/t⋆(−1) at v = {}", format_rational(v));
        parts.push(match measured.time_ratio {
            Some(time_ratio) => rules::equivalence(
                label,
                &Band::range(0.95, 1.05).described(Value::Number(1.0), "1 ± 0.05"),
                &Measured::new(0.5 * (time_ratio.lower + time_ratio.upper), time_ratio),
            ),
            None => rules::error(label, measured.evidence()),
        });
        parts.push(predicted_part(
            &policy, &truth, &reference, &proxy, 2, case, &measured,
        )?);
    }
    let proxy = with_value(&harmful_value);
    let measured = categories::measure(
        &policy,
        &truth,
        &reference,
        &proxy,
        setup.target,
        setup.tolerance,
        &setup.plan,
    )?;
    let label = format!("t⋆(v)/t⋆(−1) at v = {}", format_rational(&harmful_value));
    parts.push(match measured.time_ratio {
        Some(time_ratio) => rules::lower_bound(
            label,
            Bounds::point(3.0),
            Strictness::Strict,
            &Measured::new(time_ratio.lower, time_ratio),
        ),
        None => rules::error(label, measured.evidence()),
    });
    // The claim states that the table's benign-I condition fails here; its reading is
    // reported beside the claim's own verdict.
    let negligible = case.parameters.rational("negligible_probability")?;
    let prediction = categories::predict(&policy, &truth, &reference, &proxy, 2, &negligible);
    parts.push(rules::report(
        format!("class by the table at v = {}", format_rational(&harmful_value)),
        Value::label(format!("table: {}; measured: {}", prediction.kind, measured.category.map_or("undecided", Category::name))),
        "the claim states that the error is not benign although r_P(b1) < V_P(θ₀): the table's condition is not sufficient",
    ));
    Ok(parts)
}

fn negligible_output(case: &Case) -> Result<Vec<Part>, Error> {
    let setup = flow_setup(case)?;
    let epsilon = case.parameters.rational("hack_probability")?;
    let slope_times = case.parameters.numbers("slope_times")?;
    let scale = ratio(1, 1) - &epsilon;
    let mut policy: Vec<BigRational> = reference_policy().iter().map(|p| p * &scale).collect();
    policy.push(epsilon.clone());
    let mut truth = reference_ground_truth();
    truth.push(ratio(-1, 1));
    let mut reference = no_med_proxy();
    reference.push(ratio(-1, 1));
    let mut proxy = reference.clone();
    proxy[5] = ratio(2, 1);
    let hack = 5;
    let measured = categories::measure(
        &policy,
        &truth,
        &reference,
        &proxy,
        setup.target,
        setup.tolerance,
        &setup.plan,
    )?;
    let epsilon_value = to_f64(&epsilon);

    let mut parts = vec![
        match measured.time_ratio {
            Some(time_ratio) => rules::equivalence(
                "(a) t⋆ / t⋆(r_ref)",
                &Band::relative(1.0, 1e-4),
                &Measured::new(0.5 * (time_ratio.lower + time_ratio.upper), time_ratio),
            ),
            None => rules::error("(a) t⋆ / t⋆(r_ref)", measured.evidence()),
        },
        predicted_part(&policy, &truth, &reference, &proxy, hack, case, &measured)?,
    ];

    // (b) The peak of π(y_hack): where d ln π_h/dt turns negative.
    let floats = |values: &[BigRational]| values.iter().map(to_f64).collect::<Vec<f64>>();
    let bandit = Bandit::tabular(&floats(&policy), &floats(&truth), &floats(&proxy));
    // A start that already falls is a crossing at t = 0 (the peak is ε itself); no
    // crossing at all means π(y_hack) was still rising at the horizon.
    let velocity = dynamics::flow_velocity(&bandit);
    let falling = |parameters: &[f64]| -bandit.log_probability_velocity(parameters)[hack];
    let peaks: Vec<Option<f64>> = setup
        .plan
        .settings()
        .iter()
        .map(|settings| {
            crate::sim::flow::first_crossing(&velocity, &bandit.initial, &falling, settings).map(
                |crossing| crossing.map(|peak| bandit.policy(&peak.state)[hack] / epsilon_value),
            )
        })
        .collect::<Result<_, _>>()?;
    parts.push(match (peaks[0], peaks[1]) {
        (Some(coarse), Some(fine)) => rules::upper_bound(
            "(b) peak π(y_hack) / ε",
            Bounds::point(2.0),
            Strictness::Strict,
            &Measured::deterministic(coarse, fine),
        ),
        _ => rules::stated_count(
            "(b) π(y_hack) peaks before the horizon",
            "a peak at both tolerances",
            peaks.iter().filter(|peak| peak.is_some()).count() as u64,
            2,
            false,
        ),
    });

    // (b) On [t⋆, 1e8]: V_G rises and π(y_hack) falls at 10 outputs per decade.
    match measured.proxy_time.time() {
        Some(start) if start < 1e8 => {
            let times = log_spaced(start, 1e8, 10);
            let states = dynamics::flow_states(&bandit, &times, &setup.plan)?;
            let spread = |statistic: &dyn Fn(&[f64]) -> f64| -> Vec<(String, Bounds)> {
                times
                    .iter()
                    .zip(states.coarse.iter().zip(&states.fine))
                    .map(|(time, (coarse, fine))| {
                        (
                            format!("t = {time:.3e}"),
                            Bounds::new(statistic(coarse), statistic(fine)),
                        )
                    })
                    .collect()
            };
            let ground_truth = |state: &[f64]| value(&bandit.policy(state), &bandit.ground_truth);
            let hacked = |state: &[f64]| bandit.policy(state)[hack];
            parts.push(rules::monotone(
                "(b) V_G on [t⋆, 1e8]",
                &spread(&ground_truth),
                Direction::Increasing,
                Strictness::Strict,
            ));
            parts.push(rules::monotone(
                "(b) π(y_hack) on [t⋆, 1e8]",
                &spread(&hacked),
                Direction::Decreasing,
                Strictness::Strict,
            ));
        }
        _ => parts.push(rules::error(
            "(b) V_G and π(y_hack) on [t⋆, 1e8]",
            measured.evidence(),
        )),
    }

    // (c) The instantaneous slope t · d ln π_h/dt from E6 at the integrator state.
    let states = dynamics::flow_states(&bandit, &slope_times, &setup.plan)?;
    for (index, time) in slope_times.iter().enumerate() {
        let slope = |state: &[f64]| time * bandit.log_probability_velocity(state)[hack];
        parts.push(rules::equivalence(
            format!("(c) t·d ln π_h/dt at t = {time:e}"),
            &Band::absolute(-0.8, 0.01),
            &Measured::deterministic(slope(&states.coarse[index]), slope(&states.fine[index])),
        ));
    }
    Ok(parts)
}
