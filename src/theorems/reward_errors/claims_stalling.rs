//! Claims RE-15 … RE-21: the two-level closed form and the stalling theorem (spec §5, §6).

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::One;
use rand::RngExt;

use super::bandit::{ExactBandit, Reward};
use super::configs::family_policy;
use super::dynamics::{self, Bandit, FlowHit, FlowPlan};
use super::two_level::{TwoLevel, partial_fractions_hold};
use super::{claim, flow_plan};
use crate::claim::rules::{self, Band, Direction, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value, format_significant};
use crate::error::Error;
use crate::exact::{Bounds, Interval, certify, format_rational, ratio, to_f64};
use crate::sim::flow::log_spaced;
use crate::suite::{Case, Parameters};

const GRID: &[&str] = &[
    "initial_optimal_probabilities",
    "bad_outputs",
    "medium_probability",
    "high_reward",
    "medium_reward",
    "low_reward",
    "target_value",
    "horizon",
    "relative_tolerance",
];

pub(super) static CLAIMS: [ClaimInfo; 7] = [
    claim(
        "RE-15",
        "two-level velocity and potential",
        "On the two-level family the tabular E6 velocity of π(y⋆) equals Δ(1 + 1/m)π²(1 − π)² (E10), and E11's partial-fraction identity holds, exactly at 100 rational states.",
        &[ClaimKind::Identity],
        &[Provenance::Derived],
        "CF",
        "dπ/dt = Δ(1 + 1/m)π²(1 − π)²;  1/(π²(1−π)²) = 1/π² + 2/π + 1/(1−π)² + 2/(1−π)",
        &["instances"],
    ),
    claim(
        "RE-16",
        "two-level travel time",
        "The gradient-flow time for π(y⋆) to go from p to q equals the certified E12 within 1e-9 relative; the stated closed forms (e.g. 3920/99 + (4/5) ln 99 = 43.2720554760673…) are exact.",
        &[ClaimKind::ExactValue],
        &[Provenance::Derived],
        "CF (certified), GF",
        "T(p → q) = [G(q) − G(p)] / (Δ(1 + 1/m))",
        &[
            "initial_optimal_probability",
            "target_probability",
            "low_outputs",
            "high_reward",
            "low_reward",
            "relative_tolerance",
            "stated_rational_part",
            "stated_log_coefficient",
            "stated_log_argument",
            "stated_value",
        ],
    ),
    claim(
        "RE-17",
        "training on the truth stalls: exponent at least 14/13",
        "Theorem 1 (A): every local slope of t⋆(r_G) against 1/p on the §6.3 grid is at least 14/13.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Stated],
        "GF",
        "slope_i = ln(t⋆(p_{i+1})/t⋆(p_i)) / ln(p_i/p_{i+1}) ≥ 14/13",
        GRID,
    ),
    claim(
        "RE-18",
        "the no-med proxy does not stall: exponent at most 1",
        "Theorem 1 (B): all local slopes of t⋆(no-med) are at most 1, and for p ≤ 0.10 they increase toward 1 as p falls.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Stated],
        "GF",
        "slope_i(no-med) ≤ 1, increasing for p_{i+1} ≤ 0.10",
        GRID,
    ),
    claim(
        "RE-19",
        "the gap between truth and proxy is unbounded",
        "Theorem 1 (C): t⋆(r_G)/t⋆(no-med) increases strictly as p decreases along the grid.",
        &[ClaimKind::Inequality],
        &[Provenance::Stated],
        "GF",
        "t⋆(r_G)/t⋆(no-med) strictly increasing as p falls",
        GRID,
    ),
    claim(
        "RE-20",
        "the stall exponent is k + 1",
        "The local slope of t⋆(r_G) tends to k + 1 for k bad outputs: between p = 0.002 and 0.001 it is within 0.05 of k + 1 for k ∈ {1, 2, 3}; on the §6.3 grid the slopes at p ≤ 0.07 exceed 4 and do not increase.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "GF",
        "(E14) t_escape ∝ π₀(y⋆)^{−(k+1)}",
        &[
            "initial_optimal_probabilities",
            "bad_outputs",
            "bad_output_counts",
            "slope_probabilities",
            "medium_probability",
            "high_reward",
            "medium_reward",
            "low_reward",
            "target_value",
            "horizon",
            "relative_tolerance",
        ],
    ),
    claim(
        "RE-21",
        "the stall mechanism",
        "(E13) on the §6.3 family at p = 0.002 and t ∈ [1e3, 1e6]: ε_b·t is within 3% of k/((k + 1)(r_m − r_b)) = 5/12, and t·d ln ε⋆/dt within 0.05 of −k/(k + 1) = −3/4.",
        &[ClaimKind::ScalingExponent],
        &[Provenance::Derived],
        "GF",
        "(r_m − r_b) ε_b ≈ k/((k + 1) t);  ε⋆(t) ≈ C t^{−k/(k+1)}",
        &[
            "initial_optimal_probability",
            "bad_outputs",
            "medium_probability",
            "high_reward",
            "medium_reward",
            "low_reward",
            "window_start",
            "window_end",
            "points_per_decade",
            "horizon",
            "relative_tolerance",
        ],
    ),
];

/// Checks one of RE-15 … RE-21; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-15" => two_level_identities(case),
        "RE-16" => travel_time(case),
        "RE-17" => truth_exponent(case),
        "RE-18" => proxy_exponent(case),
        "RE-19" => unbounded_gap(case),
        "RE-20" => stall_exponent(case),
        "RE-21" => stall_mechanism(case),
        _ => return None,
    })
}

fn two_level_identities(case: &Case) -> Result<Vec<Part>, Error> {
    let count = case.parameters.count("instances")?;
    let mut stream = case.random_stream(0);
    let (mut velocity_agrees, mut fractions_hold) = (0u64, 0u64);
    for _ in 0..count {
        let denominator: i64 = stream.random_range(2..=1000);
        let probability = ratio(stream.random_range(1..denominator), denominator);
        let low = ratio(stream.random_range(-20..=10), stream.random_range(1..=5));
        let family = TwoLevel {
            high_reward: &low + ratio(stream.random_range(1..=20), stream.random_range(1..=5)),
            low_reward: low,
            low_outputs: stream.random_range(1..=8),
        };
        let rewards = family.rewards();
        let bandit = ExactBandit::tabular(rewards.clone(), rewards);
        let policy = family.policy(&probability);
        let velocity = &policy[0] * &bandit.log_probability_velocity(&policy, Reward::Proxy)[0];
        velocity_agrees += u64::from(velocity == family.velocity(&probability));
        fractions_hold += u64::from(partial_fractions_hold(&probability));
    }
    Ok(vec![
        rules::exact_predicate(
            "π(y⋆)·E6 = E10",
            "equal at every state",
            Value::Count {
                hits: velocity_agrees,
                total: count,
            },
            velocity_agrees == count,
        ),
        rules::exact_predicate(
            "E11 partial fractions",
            "equal at every state",
            Value::Count {
                hits: fractions_hold,
                total: count,
            },
            fractions_hold == count,
        ),
    ])
}

/// The resolution 10⁻ᵏ of a decimal read as a rational (the denominator divides 10ᵏ).
fn decimal_resolution(value: &BigRational) -> Option<BigRational> {
    let mut denominator = value.denom().clone();
    let mut power = BigRational::one();
    let ten = BigInt::from(10);
    while !denominator.is_one() {
        let common = denominator.gcd(&ten);
        if common.is_one() {
            return None;
        }
        denominator /= common;
        power /= BigRational::from_integer(ten.clone());
    }
    Some(power)
}

fn travel_time(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let family = TwoLevel {
        high_reward: parameters.rational("high_reward")?,
        low_reward: parameters.rational("low_reward")?,
        low_outputs: parameters.count("low_outputs")?,
    };
    let (from, to) = (
        parameters.rational("initial_optimal_probability")?,
        parameters.rational("target_probability")?,
    );
    let time = family.travel_time(&from, &to);
    let enclosure = certify(128, |precision| time.enclosure(precision))?;
    let mut parts = vec![rules::report(
        "certified E12",
        Value::Enclosure(enclosure.clone()),
        "R + c ln Z at 128 and 256 bits",
    )];

    let stated = [
        ("stated_rational_part", "R", &time.rational_part),
        ("stated_log_coefficient", "c", &time.log_coefficient),
        ("stated_log_argument", "Z", &time.log_argument),
    ];
    for (name, symbol, derived) in stated {
        if parameters.is_given(name) {
            parts.push(rules::exact_equal(
                format!("stated {symbol} of R + c ln Z"),
                &parameters.rational(name)?,
                derived,
            ));
        }
    }
    if parameters.is_given("stated_value") {
        let value = parameters.rational("stated_value")?;
        let resolution = decimal_resolution(&value)
            .ok_or_else(|| case.invalid("stated_value must be a decimal"))?;
        // The stated digits are the correctly rounded value: |T − v| ≤ half a unit in
        // the last place. (The spec writes 43.2720554760673… for T = 43.27205547606726…:
        // rounded, not truncated, so a truncation reading would refute a correct value.)
        let half = &resolution / BigRational::from_integer(2.into());
        let lower = Interval::from_rational(&(&value - &half), 256);
        let upper = Interval::from_rational(&(&value + &half), 256);
        let holds = lower.certainly_at_most(&enclosure) && enclosure.certainly_at_most(&upper);
        let violated =
            enclosure.certainly_less_than(&lower) || upper.certainly_less_than(&enclosure);
        parts.push(rules::certified(
            "the stated decimal is T rounded to its last digit",
            format!(
                "|T − {}| ≤ {}",
                format_rational(&value),
                format_rational(&half)
            ),
            &enclosure,
            if holds {
                Some(true)
            } else if violated {
                Some(false)
            } else {
                None
            },
        ));
    }

    // Gradient flow: first time π(y⋆) ≥ q.
    let floats = |values: &[BigRational]| values.iter().map(to_f64).collect::<Vec<f64>>();
    let rewards = floats(&family.rewards());
    let bandit = Bandit::tabular(&floats(&family.policy(&from)), &rewards, &rewards);
    let plan = FlowPlan {
        relative_tolerance: parameters.number("relative_tolerance")?,
        horizon: 10.0 * enclosure.upper_f64(),
    };
    let target = to_f64(&to);
    let hit = dynamics::flow_hitting_time(&bandit, |policy| policy[0], target, &plan)?;
    parts.push(match hit.interval() {
        Some(interval) => rules::equivalence(
            "gradient-flow time from p to q",
            &Band::relative_around(&enclosure, 1e-9),
            &Measured::new(hit.fine.unwrap_or(f64::NAN), interval),
        ),
        None => rules::error("gradient-flow time from p to q", "π(y⋆) did not reach q"),
    });
    Ok(parts)
}

/// The §6.3 stall family: π₀ = (p, q_med, (1 − p − q_med)/k × k), rewards (r⋆, r_m, r_b × k).
struct StallFamily {
    bad_outputs: usize,
    medium_probability: BigRational,
    rewards: Vec<f64>,
    no_med: Vec<f64>,
}

impl StallFamily {
    fn from_parameters(parameters: &Parameters, bad_outputs: usize) -> Result<Self, Error> {
        let (high, medium, low) = (
            parameters.number("high_reward")?,
            parameters.number("medium_reward")?,
            parameters.number("low_reward")?,
        );
        let mut rewards = vec![high, medium];
        rewards.extend(std::iter::repeat_n(low, bad_outputs));
        let mut no_med = vec![high, low];
        no_med.extend(std::iter::repeat_n(low, bad_outputs));
        Ok(StallFamily {
            bad_outputs,
            medium_probability: parameters.rational("medium_probability")?,
            rewards,
            no_med,
        })
    }

    fn bandit(&self, optimal: &BigRational, training: &[f64]) -> Bandit {
        let policy: Vec<f64> = family_policy(optimal, &self.medium_probability, self.bad_outputs)
            .iter()
            .map(to_f64)
            .collect();
        Bandit::tabular(&policy, &self.rewards, training)
    }
}

/// Hitting times over a grid of p, training on the truth or on the no-med proxy.
fn grid_times(
    family: &StallFamily,
    grid: &[BigRational],
    no_med: bool,
    target: f64,
    plan: &FlowPlan,
) -> Result<Vec<FlowHit>, Error> {
    grid.iter()
        .map(|p| {
            let training = if no_med {
                &family.no_med
            } else {
                &family.rewards
            };
            dynamics::ground_truth_hitting_time(&family.bandit(p, training), target, plan)
        })
        .collect()
}

/// The local slope between consecutive grid points, as the extreme slopes through the
/// two time intervals; `None` where a time was not reached.
fn local_slopes(grid: &[BigRational], times: &[FlowHit]) -> Vec<Option<Bounds>> {
    grid.windows(2)
        .zip(times.windows(2))
        .map(|(p, t)| {
            let (before, after) = (t[0].interval()?, t[1].interval()?);
            let run = (to_f64(&p[0]) / to_f64(&p[1])).ln();
            Some(Bounds::new(
                (after.lower / before.upper).ln() / run,
                (after.upper / before.lower).ln() / run,
            ))
        })
        .collect()
}

fn show_hit(hit: &FlowHit) -> String {
    match hit.interval() {
        Some(interval) => format!("{:.7e}", 0.5 * (interval.lower + interval.upper)),
        None => "not reached".into(),
    }
}

fn show_bounds(bounds: &Option<Bounds>) -> String {
    bounds.map_or("-".into(), |b| {
        format_significant(0.5 * (b.lower + b.upper), 6)
    })
}

struct Grid {
    probabilities: Vec<BigRational>,
    truth: Vec<FlowHit>,
    no_med: Vec<FlowHit>,
}

fn grid(case: &Case, with_no_med: bool) -> Result<Grid, Error> {
    let parameters = &case.parameters;
    let family =
        StallFamily::from_parameters(parameters, parameters.count("bad_outputs")? as usize)?;
    let probabilities = parameters.rationals("initial_optimal_probabilities")?;
    let target = parameters.number("target_value")?;
    let plan = flow_plan(parameters)?;
    let truth = grid_times(&family, &probabilities, false, target, &plan)?;
    let no_med = if with_no_med {
        grid_times(&family, &probabilities, true, target, &plan)?
    } else {
        Vec::new()
    };
    Ok(Grid {
        probabilities,
        truth,
        no_med,
    })
}

impl Grid {
    /// The table of times, ratio and local slopes, for reports and snapshots.
    fn table(&self) -> Value {
        let truth_slopes = local_slopes(&self.probabilities, &self.truth);
        let no_med_slopes = local_slopes(&self.probabilities, &self.no_med);
        let rows: Vec<String> = self
            .probabilities
            .iter()
            .enumerate()
            .map(|(index, p)| {
                let slope = |slopes: &[Option<Bounds>]| {
                    if index == 0 {
                        "-".to_string()
                    } else {
                        show_bounds(&slopes[index - 1])
                    }
                };
                let mut row = format!(
                    "p = {}: t⋆(r_G) = {}, slope {}",
                    format_rational(p),
                    show_hit(&self.truth[index]),
                    slope(&truth_slopes)
                );
                if let Some(no_med) = self.no_med.get(index) {
                    let ratio = match (self.truth[index].time(), no_med.time()) {
                        (Some(truth), Some(proxy)) => format_significant(truth / proxy, 6),
                        _ => "-".into(),
                    };
                    row.push_str(&format!(
                        "; t⋆(no-med) = {}, slope {}; ratio {ratio}",
                        show_hit(no_med),
                        slope(&no_med_slopes)
                    ));
                }
                row
            })
            .collect();
        Value::Label(rows.join(" | "))
    }
}

/// The smallest slope as a measurement for a lower bound on all of them: Holds iff every
/// interval clears the bound, Violated iff one lies wholly below it.
fn smallest(slopes: &[Bounds]) -> Measured {
    let lower = slopes.iter().map(|b| b.lower).fold(f64::INFINITY, f64::min);
    let upper = slopes.iter().map(|b| b.upper).fold(f64::INFINITY, f64::min);
    Measured::new(lower, Bounds::new(lower, upper))
}

/// The largest slope as a measurement for an upper bound on all of them.
fn largest(slopes: &[Bounds]) -> Measured {
    let lower = slopes
        .iter()
        .map(|b| b.lower)
        .fold(f64::NEG_INFINITY, f64::max);
    let upper = slopes
        .iter()
        .map(|b| b.upper)
        .fold(f64::NEG_INFINITY, f64::max);
    Measured::new(upper, Bounds::new(lower, upper))
}

fn all_reached(slopes: &[Option<Bounds>]) -> Option<Vec<Bounds>> {
    slopes.iter().copied().collect()
}

fn truth_exponent(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = grid(case, false)?;
    let slopes = local_slopes(&grid.probabilities, &grid.truth);
    let bound = 14.0 / 13.0;
    let part = match all_reached(&slopes) {
        Some(slopes) => rules::lower_bound(
            "every local slope of t⋆(r_G)",
            Bounds::point(bound),
            Strictness::NonStrict,
            &smallest(&slopes),
        ),
        None => rules::error(
            "every local slope of t⋆(r_G)",
            "t⋆(r_G) not reached within the horizon at some p",
        ),
    };
    Ok(vec![
        part,
        rules::report("grid", grid.table(), "hitting times and local slopes"),
    ])
}

fn proxy_exponent(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = grid(case, true)?;
    let slopes = local_slopes(&grid.probabilities, &grid.no_med);
    let Some(slopes) = all_reached(&slopes) else {
        return Ok(vec![rules::error(
            "no-med slopes",
            "t⋆(no-med) not reached at some p",
        )]);
    };
    let rising: Vec<(String, Bounds)> = grid
        .probabilities
        .iter()
        .skip(1)
        .zip(&slopes)
        .filter(|(p, _)| **p <= ratio(1, 10))
        .map(|(p, slope)| (format!("p = {}", format_rational(p)), *slope))
        .collect();
    Ok(vec![
        rules::upper_bound(
            "every local slope of t⋆(no-med)",
            Bounds::point(1.0),
            Strictness::NonStrict,
            &largest(&slopes),
        ),
        rules::monotone(
            "no-med slopes as p falls, p ≤ 0.10",
            &rising,
            Direction::Increasing,
            Strictness::Strict,
        ),
        rules::report("grid", grid.table(), "hitting times and local slopes"),
    ])
}

fn unbounded_gap(case: &Case) -> Result<Vec<Part>, Error> {
    let grid = grid(case, true)?;
    let mut ratios = Vec::new();
    for ((p, truth), no_med) in grid.probabilities.iter().zip(&grid.truth).zip(&grid.no_med) {
        match (truth.coarse.zip(no_med.coarse), truth.fine.zip(no_med.fine)) {
            (Some((truth_coarse, proxy_coarse)), Some((truth_fine, proxy_fine))) => ratios.push((
                format!("p = {}", format_rational(p)),
                Bounds::new(truth_coarse / proxy_coarse, truth_fine / proxy_fine),
            )),
            _ => {
                return Ok(vec![rules::error(
                    "t⋆(r_G)/t⋆(no-med)",
                    format!(
                        "a hitting time was not reached at p = {}",
                        format_rational(p)
                    ),
                )]);
            }
        }
    }
    let growth = ratios.last().map(|(_, b)| b.upper).unwrap_or(f64::NAN)
        / ratios.first().map(|(_, b)| b.lower).unwrap_or(f64::NAN);
    Ok(vec![
        rules::monotone(
            "t⋆(r_G)/t⋆(no-med) as p falls",
            &ratios,
            Direction::Increasing,
            Strictness::Strict,
        ),
        rules::report(
            "growth of the ratio over the grid",
            Value::Number(growth),
            "last ratio / first ratio",
        ),
        rules::report(
            "grid",
            grid.table(),
            "hitting times, ratios and local slopes",
        ),
    ])
}

fn stall_exponent(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let target = parameters.number("target_value")?;
    let plan = flow_plan(parameters)?;
    let pair = parameters.rationals("slope_probabilities")?;
    let mut parts = Vec::new();
    for bad_outputs in parameters.rationals("bad_output_counts")? {
        let k = to_f64(&bad_outputs);
        let family = StallFamily::from_parameters(parameters, k as usize)?;
        let times = grid_times(&family, &pair, false, target, &plan)?;
        let label = format!(
            "slope between p = {} and {} with k = {k}",
            format_rational(&pair[0]),
            format_rational(&pair[1])
        );
        parts.push(match local_slopes(&pair, &times)[0] {
            Some(slope) => rules::equivalence(
                label,
                &Band::absolute(k + 1.0, 0.05),
                &Measured::new(0.5 * (slope.lower + slope.upper), slope),
            ),
            None => rules::error(label, "t⋆(r_G) not reached within the horizon"),
        });
    }
    let grid = grid(case, false)?;
    let slopes = local_slopes(&grid.probabilities, &grid.truth);
    let small: Vec<(String, Option<Bounds>)> = grid
        .probabilities
        .iter()
        .skip(1)
        .zip(&slopes)
        .filter(|(p, _)| **p <= ratio(7, 100))
        .map(|(p, slope)| (format!("p = {}", format_rational(p)), *slope))
        .collect();
    let k = parameters.count("bad_outputs")? as f64;
    let unreached: Vec<&str> = small
        .iter()
        .filter(|(_, slope)| slope.is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    if unreached.is_empty() && !small.is_empty() {
        let reached: Vec<(String, Bounds)> = small
            .iter()
            .map(|(name, slope)| (name.clone(), slope.expect("checked")))
            .collect();
        let bounds: Vec<Bounds> = reached.iter().map(|(_, b)| *b).collect();
        parts.push(rules::lower_bound(
            format!("§6.3 slopes at p ≤ 0.07 exceed k + 1 = {}", k + 1.0),
            Bounds::point(k + 1.0),
            Strictness::Strict,
            &smallest(&bounds),
        ));
        parts.push(rules::monotone(
            "§6.3 slopes at p ≤ 0.07 as p falls",
            &reached,
            Direction::Decreasing,
            Strictness::NonStrict,
        ));
    } else {
        parts.push(rules::error(
            "§6.3 slopes at p ≤ 0.07",
            format!(
                "t⋆(r_G) not reached within the horizon next to {}",
                unreached.join(", ")
            ),
        ));
    }
    parts.push(rules::report(
        "grid",
        grid.table(),
        "hitting times and local slopes",
    ));
    Ok(parts)
}

fn stall_mechanism(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let bad_outputs = parameters.count("bad_outputs")? as usize;
    let family = StallFamily::from_parameters(parameters, bad_outputs)?;
    let optimal = parameters.rational("initial_optimal_probability")?;
    let bandit = family.bandit(&optimal, &family.rewards);
    let times = log_spaced(
        parameters.number("window_start")?,
        parameters.number("window_end")?,
        parameters.count("points_per_decade")? as usize,
    );
    let states = dynamics::flow_states(&bandit, &times, &flow_plan(parameters)?)?;
    let k = bad_outputs as f64;
    let gap = family.rewards[1] - family.rewards[2];
    let mass_center = k / ((k + 1.0) * gap);
    let mut mass = Vec::new();
    let mut slope = Vec::new();
    for (index, time) in times.iter().enumerate() {
        let bad_mass = |state: &[f64]| time * bandit.policy(state)[2..].iter().sum::<f64>();
        let optimal_slope = |state: &[f64]| time * bandit.log_probability_velocity(state)[0];
        let name = format!("t = {time:.3e}");
        mass.push((
            name.clone(),
            Measured::deterministic(
                bad_mass(&states.coarse[index]),
                bad_mass(&states.fine[index]),
            ),
        ));
        slope.push((
            name,
            Measured::deterministic(
                optimal_slope(&states.coarse[index]),
                optimal_slope(&states.fine[index]),
            ),
        ));
    }
    // The same centre k/((k + 1)(r_m − r_b)) exactly, for the report.
    let bad = BigRational::from_integer((bad_outputs as i64).into());
    let exact_gap = parameters.rational("medium_reward")? - parameters.rational("low_reward")?;
    let center = &bad / ((&bad + BigRational::one()) * exact_gap);
    Ok(vec![
        rules::equivalence_at_each(
            "ε_b · t over the window",
            &Band::relative(mass_center, 0.03).described(
                Value::Exact(center.clone()),
                format!("{} within 3%", format_rational(&center)),
            ),
            &mass,
        ),
        rules::equivalence_at_each(
            "t · d ln ε⋆/dt over the window",
            &Band::absolute(-k / (k + 1.0), 0.05),
            &slope,
        ),
    ])
}
