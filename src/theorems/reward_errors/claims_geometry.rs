//! Claims RE-22 … RE-24: feature geometry (spec §7, App. A.1 of the paper).

use super::configs::{
    Geometry, bandit_with_features, family_policy, reference_policy, stall_exponent,
};
use super::dynamics::{self, Bandit, FlowHit, value};
use super::{claim, flow_plan};
use crate::claim::rules::{self, Band, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value, format_significant};
use crate::error::Error;
use crate::exact::{Bounds, Interval, certify, inverse, parse_rational, ratio, to_f64};
use crate::sim::flow::log_spaced;
use crate::suite::Case;

pub(super) static CLAIMS: [ClaimInfo; 3] = [
    claim(
        "RE-22",
        "initial parameters of the geometry configs",
        "Solving Fθ = ln π₀ in certified arithmetic reproduces the configs' θ₀ column to 5 decimals, and softmax(Fθ₀) = π₀ to working precision, for the orth, neg and pos geometries.",
        &[ClaimKind::Identity],
        &[Provenance::Code],
        "CF",
        "θ₀ = F⁻¹ ln π₀ with φ(y⋆) = 1.5e₁, φ(y_med) = e₂ or (∓c, c, 0, 0, 0), c = 0.70710678118",
        &[],
    ),
    claim(
        "RE-23",
        "geometry deepens or relieves the stall",
        "Training on r_G: (a) with a negative inner product the stall deepens: V_G stays below 0.9 for 50 000 steps and π(y⋆) falls at every step; (b) with a positive one t⋆ is at least 10× shorter than orth; (c) the no-med proxy beats r_G at the three geometries and along the cosine sweep; (d) whether a positive inner product makes a medium y_med reward necessary is reported.",
        &[ClaimKind::Category, ClaimKind::Report],
        &[Provenance::Stated, Provenance::Derived],
        "GA, GF",
        "(E15) α = ⟨φ_m, φ_m − φ⋆⟩ / (‖φ_m‖² + ‖φ_b‖²/k): stall for 0 < α < 1, no escape for α > 1",
        &[
            "learning_rate",
            "steps",
            "target_value",
            "horizon",
            "relative_tolerance",
            "med_cosines",
        ],
    ),
    claim(
        "RE-24",
        "the stall exponent of a geometry",
        "(E15) in the stall the instantaneous slope t·d ln π(y⋆)/dt is within 0.05 of −α at 10 points per decade of the window; where α > 1 the flow never reaches V_G = 0.9 up to the horizon.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "GF",
        "d ln ε⋆/dt ≈ ‖φ⋆ − φ_m‖²(r⋆ − r_m) ε⋆ − α/t",
        &[
            "geometry",
            "med_cosine",
            "initial_optimal_probability",
            "window_start",
            "window_end",
            "points_per_decade",
            "target_value",
            "horizon",
            "relative_tolerance",
        ],
    ),
];

/// Checks one of RE-22 … RE-24; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-22" => initial_parameters(),
        "RE-23" => geometry_categories(case),
        "RE-24" => geometry_exponent(case),
        _ => return None,
    })
}

/// r_G of the geometry experiments and the no-med proxy, as doubles.
fn rewards() -> (Vec<f64>, Vec<f64>) {
    (
        vec![1.0, 0.8, -1.0, -1.0, -1.0],
        vec![1.0, -1.0, -1.0, -1.0, -1.0],
    )
}

/// The θ₀ column of the authors' configs (5 decimals).
fn configured_parameters(geometry: Geometry) -> [&'static str; 5] {
    let medium = match geometry {
        Geometry::Negative => "-2.97741",
        Geometry::Positive => "1.01690",
        _ => "-0.69315",
    };
    ["-1.99715", medium, "-1.89712", "-1.89712", "-1.89712"]
}

fn initial_parameters() -> Result<Vec<Part>, Error> {
    let policy = reference_policy();
    let mut parts = Vec::new();
    for geometry in [Geometry::Orthogonal, Geometry::Negative, Geometry::Positive] {
        let features = geometry.exact_features(5).expect("rational geometry");
        let inverse =
            inverse(&features).ok_or_else(|| Error::Numerical("singular features".into()))?;
        let deviation = certify(128, |precision| {
            let logs: Vec<Interval> = policy
                .iter()
                .map(|p| Interval::from_rational(p, precision).ln())
                .collect::<Result<_, _>>()?;
            let mut largest = Interval::from_integer(0, precision);
            for (row, configured) in inverse.iter().zip(configured_parameters(geometry)) {
                let theta = row
                    .iter()
                    .zip(&logs)
                    .fold(Interval::from_integer(0, precision), |total, (f, log)| {
                        total.add(&Interval::from_rational(f, precision).mul(log))
                    });
                let configured = parse_rational(configured).expect("a decimal literal");
                let difference = theta.sub(&Interval::from_rational(&configured, precision));
                let magnitude = if difference.is_negative() {
                    difference.neg()
                } else {
                    difference
                };
                largest = if magnitude.upper_f64() > largest.upper_f64() {
                    magnitude
                } else {
                    largest
                };
            }
            Ok(largest)
        })?;
        parts.push(rules::upper_bound(
            format!("{}: max |θ₀ − configured| (certified)", geometry.name()),
            Bounds::point(5e-6),
            Strictness::NonStrict,
            &Measured::enclosure(&deviation),
        ));

        let floats: Vec<f64> = policy.iter().map(to_f64).collect();
        let (truth, _) = rewards();
        let bandit = bandit_with_features(geometry.features(5), &floats, &truth, &truth)?;
        let recovered = bandit.policy(&bandit.initial);
        let error = recovered
            .iter()
            .zip(&floats)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        parts.push(rules::upper_bound(
            format!("{}: max |softmax(Fθ₀) − π₀| in f64", geometry.name()),
            Bounds::point(1e-14),
            Strictness::NonStrict,
            &Measured::point(error),
        ));
    }
    Ok(parts)
}

/// The geometry bandit with π₀ = T0's, trained on `training`.
fn geometry_bandit(geometry: Geometry, training: &[f64]) -> Result<Bandit, Error> {
    let policy: Vec<f64> = reference_policy().iter().map(to_f64).collect();
    let (truth, _) = rewards();
    bandit_with_features(geometry.features(5), &policy, &truth, training)
}

fn show(hit: &FlowHit) -> String {
    match hit.time() {
        Some(time) => format_significant(time, 7),
        None if hit.never() => "not reached".into(),
        None => "reached at one tolerance only".into(),
    }
}

fn geometry_categories(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let (truth, no_med) = rewards();
    let target = parameters.number("target_value")?;
    let plan = flow_plan(parameters)?;
    let mut parts = Vec::new();

    // (a) Negative inner product, gradient ascent on r_G.
    let negative = geometry_bandit(Geometry::Negative, &truth)?;
    let steps = parameters.count("steps")? as usize;
    let trace = dynamics::ascend_plain(&negative, parameters.number("learning_rate")?, steps)?;
    let highest = trace
        .ground_truth_values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    parts.push(rules::upper_bound(
        format!("(a) neg: max V_G over {steps} ascent steps"),
        Bounds::point(target),
        Strictness::Strict,
        &Measured::point(highest),
    ));
    let falls = trace
        .optimal_probabilities
        .windows(2)
        .filter(|pair| pair[1] < pair[0])
        .count() as u64;
    let transitions = trace.optimal_probabilities.len().saturating_sub(1) as u64;
    parts.push(rules::stated_count(
        "(a) neg: π(y⋆) falls at every ascent step",
        "every step",
        falls,
        transitions,
        falls == transitions,
    ));

    // (b) Positive against orthogonal, gradient flow on r_G.
    let positive = dynamics::ground_truth_hitting_time(
        &geometry_bandit(Geometry::Positive, &truth)?,
        target,
        &plan,
    )?;
    let orthogonal = dynamics::ground_truth_hitting_time(
        &geometry_bandit(Geometry::Orthogonal, &truth)?,
        target,
        &plan,
    )?;
    parts.push(
        match (
            positive.coarse.zip(orthogonal.coarse),
            positive.fine.zip(orthogonal.fine),
        ) {
            (Some((pc, oc)), Some((pf, of))) => rules::upper_bound(
                "(b) t⋆(pos) / t⋆(orth)",
                Bounds::point(0.1),
                Strictness::NonStrict,
                &Measured::new(pf / of, Bounds::new(pc / oc, pf / of)),
            ),
            _ => rules::error(
                "(b) t⋆(pos) / t⋆(orth)",
                format!("pos {}, orth {}", show(&positive), show(&orthogonal)),
            ),
        },
    );

    // (c) The no-med proxy against r_G at every geometry of the comparison.
    let mut geometries = vec![Geometry::Orthogonal, Geometry::Negative, Geometry::Positive];
    geometries.extend(
        parameters
            .numbers("med_cosines")?
            .into_iter()
            .map(Geometry::Sweep),
    );
    let mut ratios = Vec::new();
    let mut unreached_proxy = Vec::new();
    let mut one_tolerance = Vec::new();
    let mut rows = Vec::new();
    let mut truth_unreached = 0;
    for geometry in &geometries {
        let on_truth = dynamics::ground_truth_hitting_time(
            &geometry_bandit(*geometry, &truth)?,
            target,
            &plan,
        )?;
        let on_proxy = dynamics::ground_truth_hitting_time(
            &geometry_bandit(*geometry, &no_med)?,
            target,
            &plan,
        )?;
        rows.push(format!(
            "{}: t⋆(r_G) = {}, t⋆(no-med) = {}",
            geometry.name(),
            show(&on_truth),
            show(&on_proxy)
        ));
        match (on_proxy.interval(), on_truth.interval()) {
            (Some(_), Some(_)) => {
                let coarse = on_proxy.coarse.unwrap() / on_truth.coarse.unwrap();
                let fine = on_proxy.fine.unwrap() / on_truth.fine.unwrap();
                ratios.push(Bounds::new(coarse, fine));
            }
            (Some(_), None) if on_truth.never() => truth_unreached += 1,
            (None, _) if on_proxy.never() => unreached_proxy.push(geometry.name()),
            _ => one_tolerance.push(geometry.name()),
        }
    }
    parts.push(if !one_tolerance.is_empty() {
        rules::undecided_category(
            "(c) the no-med proxy beats r_G at every geometry",
            "faster everywhere",
            format!("a hitting time was reached at one tolerance only at {}", one_tolerance.join(", ")),
        )
    } else if unreached_proxy.is_empty() {
        let lower = ratios.iter().map(|b| b.lower).fold(f64::NEG_INFINITY, f64::max);
        let upper = ratios.iter().map(|b| b.upper).fold(f64::NEG_INFINITY, f64::max);
        rules::upper_bound(
            format!(
                "(c) largest t⋆(no-med)/t⋆(r_G) over {} geometries ({truth_unreached} where r_G never reaches)",
                geometries.len()
            ),
            Bounds::point(1.0),
            Strictness::Strict,
            &Measured::new(upper, Bounds::new(lower, upper)),
        )
    } else {
        rules::category(
            "(c) the no-med proxy reaches V_G = γ at every geometry",
            "reached everywhere",
            &format!("not reached at {}", unreached_proxy.join(", ")),
            rows.join("; "),
        )
    });
    parts.push(rules::report(
        "(c) hitting times by geometry",
        Value::Label(rows.join(" | ")),
        "gradient flow, both rewards",
    ));

    // (d) The reversal at a positive inner product.
    let on_proxy = dynamics::ground_truth_hitting_time(
        &geometry_bandit(Geometry::Positive, &no_med)?,
        target,
        &plan,
    )?;
    let verdict = match (on_proxy.time(), positive.time()) {
        (Some(proxy), Some(truth)) if proxy < truth => {
            "not reproduced: the no-med proxy is still faster at pos"
        }
        (Some(_), Some(_)) => "reproduced: r_G is faster than the no-med proxy at pos",
        _ => "undecided: a hitting time was not reached",
    };
    parts.push(rules::report(
        "(d) reversal at a positive inner product",
        Value::Label(format!(
            "t⋆(r_G) = {}, t⋆(no-med) = {}",
            show(&positive),
            show(&on_proxy)
        )),
        verdict,
    ));
    Ok(parts)
}

fn geometry_exponent(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let geometry = Geometry::from_name(
        &parameters.text("geometry")?,
        parameters.number("med_cosine")?,
    );
    let optimal = parameters.rational("initial_optimal_probability")?;
    let policy: Vec<f64> = family_policy(&optimal, &ratio(1, 2), 3)
        .iter()
        .map(to_f64)
        .collect();
    let (truth, _) = rewards();
    let features = geometry.features(5);
    let exponent = stall_exponent(&features);
    let bandit = bandit_with_features(features, &policy, &truth, &truth)?;
    let plan = flow_plan(parameters)?;
    let times = log_spaced(
        parameters.number("window_start")?,
        parameters.number("window_end")?,
        parameters.count("points_per_decade")? as usize,
    );
    let states = dynamics::flow_states(&bandit, &times, &plan)?;
    let slopes: Vec<(String, Measured)> = times
        .iter()
        .enumerate()
        .map(|(index, time)| {
            let slope = |state: &[f64]| time * bandit.log_probability_velocity(state)[0];
            (
                format!("t = {time:.3e}"),
                Measured::deterministic(slope(&states.coarse[index]), slope(&states.fine[index])),
            )
        })
        .collect();
    let exponent_text = format_significant(exponent, 6);
    let mut parts = vec![rules::equivalence_at_each(
        format!("{}: t·d ln π(y⋆)/dt over the window", geometry.name()),
        &Band::absolute(-exponent, 0.05).described(
            Value::Number(-exponent),
            format!("−α = −{exponent_text} ± 0.05"),
        ),
        &slopes,
    )];
    if exponent > 1.0 {
        let target = parameters.number("target_value")?;
        let hit = dynamics::ground_truth_hitting_time(&bandit, target, &plan)?;
        let final_value = {
            let states = dynamics::flow_states(&bandit, &[plan.horizon], &plan)?;
            let at = |state: &[f64]| value(&bandit.policy(state), &bandit.ground_truth);
            Measured::deterministic(at(&states.coarse[0]), at(&states.fine[0]))
        };
        parts.push(rules::stated_count(
            format!("α = {exponent_text} > 1: no V_G = γ crossing up to the horizon"),
            "0 of 2 tolerances reach γ",
            u64::from(hit.coarse.is_some()) + u64::from(hit.fine.is_some()),
            2,
            hit.never(),
        ));
        parts.push(rules::report(
            "V_G at the horizon",
            Value::Number(final_value.value),
            "E15 predicts V_G → r_G(y_med)",
        ));
    }
    Ok(parts)
}
