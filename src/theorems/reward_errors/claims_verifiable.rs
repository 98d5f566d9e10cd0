//! Claims RE-33 … RE-35: partial or all-or-nothing credit for verifiable rewards, on the
//! spec's two-constraint toy (§10.3).
//!
//! Classes o = (both, easy only, hard only, neither) with constraint indicators
//! s(o) = (1,1), (1,0), (0,1), (0,0); binary reward (1, 0, 0, 0), partial reward
//! (1, 1/2, 1/2, 0); independent start π₀ = (ab, a(1 − b), (1 − a)b, (1 − a)(1 − b)).
//! Tabular: four logits, θ₀ = ln π₀. Product features: φ(o) = s(o), θ₀ = (logit a,
//! logit b), which keeps the constraints independent.

use num_rational::BigRational;
use num_traits::{One, Zero};
use rayon::prelude::*;

use super::dynamics::{self, Bandit, FlowHit};
use super::{claim, flow_plan};
use crate::claim::rules::{self, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value, format_significant};
use crate::error::Error;
use crate::exact::{Bounds, format_rational, ratio, to_f64};
use crate::suite::Case;

const FLOW: &[&str] = &["constraint_probabilities", "horizon", "relative_tolerance"];

pub(super) static CLAIMS: [ClaimInfo; 3] = [
    claim(
        "RE-33",
        "all-or-nothing credit wins when one constraint is easy",
        "At every skewed start (one constraint met far more often than the other) binary reward reaches P(both) ≥ 1/2 sooner than partial credit under gradient flow, in both parametrizations: partial credit makes 'easy only' a mediocre output that stalls the policy.",
        &[ClaimKind::Inequality],
        &[Provenance::Stated, Provenance::Derived],
        "GF",
        "t_binary < t_partial, t = first time π(both) ≥ 1/2",
        FLOW,
    ),
    claim(
        "RE-34",
        "both schemes work for constraints of similar difficulty",
        "At a balanced start (a = b) t_partial/t_binary is below 2 in both parametrizations and below its value at every skewed start.",
        &[ClaimKind::Inequality],
        &[Provenance::Stated, Provenance::Derived],
        "GF",
        "t_partial/t_binary < 2 at a = b, and below every skewed ratio",
        FLOW,
    ),
    claim(
        "RE-35",
        "a group-relative update vanishes when all rewards agree",
        "The group-relative update θ += (η/G)Σ A_i ∇ln π(o_i), A_i = (r_i − mean)/std, vanishes iff all G rewards are equal, which for binary reward has probability (1 − P_both)^G + P_both^G; with a = b = 0.02, G ∈ {8, 16}, η = 0.1 and 2000 steps, partial credit reaches P(both) ≥ 1/2 in every seed and binary reward in none.",
        &[ClaimKind::ExactValue, ClaimKind::Category],
        &[Provenance::Stated, Provenance::Derived],
        "CF, SR (group)",
        "P(update = 0) = (1 − P)^G + P^G for binary reward",
        &[
            "easy_probability",
            "hard_probability",
            "group_sizes",
            "learning_rate",
            "steps",
        ],
    ),
];

/// Checks one of RE-33 … RE-35; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-33" => binary_wins_when_skewed(case),
        "RE-34" => balanced_start(case),
        "RE-35" => group_relative(case),
        _ => return None,
    })
}

const CONSTRAINTS: [[i64; 2]; 4] = [[1, 1], [1, 0], [0, 1], [0, 0]];

/// Binary and partial rewards, exactly.
fn rewards(partial: bool) -> Vec<BigRational> {
    if partial {
        vec![ratio(1, 1), ratio(1, 2), ratio(1, 2), ratio(0, 1)]
    } else {
        vec![ratio(1, 1), ratio(0, 1), ratio(0, 1), ratio(0, 1)]
    }
}

/// π₀ of independent constraints.
fn independent_policy(easy: &BigRational, hard: &BigRational) -> Vec<BigRational> {
    let one = BigRational::one();
    vec![
        easy * hard,
        easy * (&one - hard),
        (&one - easy) * hard,
        (&one - easy) * (&one - hard),
    ]
}

/// The two parametrizations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parametrization {
    Tabular,
    Product,
}

impl Parametrization {
    fn name(self) -> &'static str {
        match self {
            Parametrization::Tabular => "tabular",
            Parametrization::Product => "product features",
        }
    }

    fn bandit(self, easy: f64, hard: f64, training: &[f64]) -> Bandit {
        let binary = [1.0, 0.0, 0.0, 0.0];
        let policy = [
            easy * hard,
            easy * (1.0 - hard),
            (1.0 - easy) * hard,
            (1.0 - easy) * (1.0 - hard),
        ];
        match self {
            Parametrization::Tabular => Bandit::tabular(&policy, &binary, training),
            Parametrization::Product => Bandit {
                features: CONSTRAINTS
                    .iter()
                    .map(|s| s.iter().map(|v| *v as f64).collect())
                    .collect(),
                ground_truth: binary.to_vec(),
                training: training.to_vec(),
                initial: vec![(easy / (1.0 - easy)).ln(), (hard / (1.0 - hard)).ln()],
                tabular: false,
            },
        }
    }
}

/// Success times of both schemes at one start, in one parametrization.
struct Race {
    point: String,
    balanced: bool,
    binary: FlowHit,
    partial: FlowHit,
}

impl Race {
    /// t_partial / t_binary over the two tolerances.
    fn partial_over_binary(&self) -> Option<Bounds> {
        match (
            self.partial.coarse.zip(self.binary.coarse),
            self.partial.fine.zip(self.binary.fine),
        ) {
            (Some((pc, bc)), Some((pf, bf))) => Some(Bounds::new(pc / bc, pf / bf)),
            _ => None,
        }
    }
}

fn races(case: &Case, parametrization: Parametrization) -> Result<Vec<Race>, Error> {
    let grid = case.parameters.matrix("constraint_probabilities")?;
    let plan = flow_plan(&case.parameters)?;
    let floats = |values: &[BigRational]| values.iter().map(to_f64).collect::<Vec<f64>>();
    let (binary, partial) = (floats(&rewards(false)), floats(&rewards(true)));
    grid.par_iter()
        .map(|row| {
            let (easy, hard) = (to_f64(&row[0]), to_f64(&row[1]));
            let success = |policy: &[f64]| policy[0];
            Ok(Race {
                point: format!(
                    "(a, b) = ({}, {})",
                    format_rational(&row[0]),
                    format_rational(&row[1])
                ),
                balanced: row[0] == row[1],
                binary: dynamics::flow_hitting_time(
                    &parametrization.bandit(easy, hard, &binary),
                    success,
                    0.5,
                    &plan,
                )?,
                partial: dynamics::flow_hitting_time(
                    &parametrization.bandit(easy, hard, &partial),
                    success,
                    0.5,
                    &plan,
                )?,
            })
        })
        .collect()
}

fn show(hit: &FlowHit) -> String {
    hit.time()
        .map_or("not reached".into(), |time| format_significant(time, 7))
}

fn table(races: &[Race]) -> Value {
    Value::Label(
        races
            .iter()
            .map(|race| {
                format!(
                    "{}: t_binary = {}, t_partial = {}",
                    race.point,
                    show(&race.binary),
                    show(&race.partial)
                )
            })
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

fn binary_wins_when_skewed(case: &Case) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    for parametrization in [Parametrization::Tabular, Parametrization::Product] {
        let races = races(case, parametrization)?;
        let skewed: Vec<&Race> = races.iter().filter(|race| !race.balanced).collect();
        let mut largest: Option<(String, Bounds)> = None;
        let mut unreached = Vec::new();
        for race in &skewed {
            match race.partial_over_binary() {
                // t_binary / t_partial is the reciprocal of the ratio.
                Some(ratio) => {
                    let inverse = Bounds::new(1.0 / ratio.upper, 1.0 / ratio.lower);
                    if largest
                        .as_ref()
                        .is_none_or(|(_, current)| inverse.upper > current.upper)
                    {
                        largest = Some((race.point.clone(), inverse));
                    }
                }
                None if race.partial.never() && race.binary.time().is_some() => {}
                None => unreached.push(race.point.clone()),
            }
        }
        let name = parametrization.name();
        parts.push(match (largest, unreached.is_empty()) {
            (Some((point, ratio)), true) => rules::upper_bound(
                format!(
                    "{name}: largest t_binary/t_partial over {} skewed starts (at {point})",
                    skewed.len()
                ),
                Bounds::point(1.0),
                Strictness::Strict,
                &Measured::new(ratio.upper, ratio),
            ),
            (_, false) => rules::error(
                format!("{name}: t_binary/t_partial"),
                format!("binary reward did not succeed at {}", unreached.join(", ")),
            ),
            (None, true) => rules::error(
                format!("{name}: t_binary/t_partial"),
                "no skewed start in the grid",
            ),
        });
        parts.push(rules::report(
            format!("{name}: success times"),
            table(&races),
            "gradient flow",
        ));
    }
    Ok(parts)
}

fn balanced_start(case: &Case) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    for parametrization in [Parametrization::Tabular, Parametrization::Product] {
        let races = races(case, parametrization)?;
        let name = parametrization.name();
        // A skewed start where only partial credit succeeds has ratio 0 (it would make
        // the balanced ratio fail to be below it); one where only binary succeeds has
        // ratio +∞ and bounds nothing; any other miss leaves the comparison undecided.
        let mut skewed = Vec::new();
        let mut undecided = Vec::new();
        for race in races.iter().filter(|race| !race.balanced) {
            match race.partial_over_binary() {
                Some(ratio) => skewed.push(ratio),
                None if race.binary.never() && race.partial.interval().is_some() => {
                    skewed.push(Bounds::point(0.0))
                }
                None if race.partial.never() && race.binary.interval().is_some() => {}
                None => undecided.push(race.point.clone()),
            }
        }
        if !undecided.is_empty() {
            parts.push(rules::error(
                format!("{name}: skewed ratios"),
                format!(
                    "a success time was reached at one tolerance only at {}",
                    undecided.join(", ")
                ),
            ));
            continue;
        }
        let smallest_skewed = Bounds::new(
            skewed.iter().map(|b| b.lower).fold(f64::INFINITY, f64::min),
            skewed.iter().map(|b| b.upper).fold(f64::INFINITY, f64::min),
        );
        for race in races.iter().filter(|race| race.balanced) {
            let Some(ratio) = race.partial_over_binary() else {
                parts.push(rules::error(
                    format!("{name} {}: t_partial/t_binary", race.point),
                    "a scheme did not succeed",
                ));
                continue;
            };
            let measured = Measured::new(ratio.upper, ratio);
            parts.push(rules::upper_bound(
                format!("{name} {}: t_partial/t_binary < 2", race.point),
                Bounds::point(2.0),
                Strictness::Strict,
                &measured,
            ));
            parts.push(rules::upper_bound(
                format!(
                    "{name} {}: t_partial/t_binary below every skewed ratio",
                    race.point
                ),
                smallest_skewed,
                Strictness::Strict,
                &measured,
            ));
        }
    }
    Ok(parts)
}

/// Count vectors (n_both, n_easy, n_hard, n_neither) summing to `size`.
fn compositions(size: u32) -> Vec<[u32; 4]> {
    let mut all = Vec::new();
    for a in 0..=size {
        for b in 0..=size - a {
            for c in 0..=size - a - b {
                all.push([a, b, c, size - a - b - c]);
            }
        }
    }
    all
}

/// The multinomial probability of a count vector under π, exactly.
fn multinomial(counts: &[u32; 4], policy: &[BigRational]) -> BigRational {
    let factorial = |n: u32| {
        (1..=n).fold(BigRational::one(), |product, k| {
            product * BigRational::from_integer(k.into())
        })
    };
    let total: u32 = counts.iter().sum();
    let mut probability = factorial(total);
    for (count, p) in counts.iter().zip(policy) {
        probability = probability / factorial(*count) * num_traits::pow(p.clone(), *count as usize);
    }
    probability
}

/// Whether the group update vanishes: Σ_i (r_i − mean) φ(o_i) = 0 (the mean feature term
/// cancels because the centred rewards sum to zero; a nonzero std only rescales).
fn update_vanishes(
    counts: &[u32; 4],
    rewards: &[BigRational],
    features: &[Vec<BigRational>],
) -> bool {
    let size: u32 = counts.iter().sum();
    let mean = counts
        .iter()
        .zip(rewards)
        .fold(BigRational::zero(), |total, (n, r)| {
            total + r * BigRational::from_integer((*n).into())
        })
        / BigRational::from_integer(size.into());
    let dimension = features[0].len();
    (0..dimension).all(|k| {
        counts
            .iter()
            .zip(rewards)
            .zip(features)
            .fold(BigRational::zero(), |total, ((n, r), row)| {
                total + BigRational::from_integer((*n).into()) * (r - &mean) * &row[k]
            })
            .is_zero()
    })
}

fn group_relative(case: &Case) -> Result<Vec<Part>, Error> {
    let parameters = &case.parameters;
    let (easy, hard) = (
        parameters.rational("easy_probability")?,
        parameters.rational("hard_probability")?,
    );
    let policy = independent_policy(&easy, &hard);
    let group_sizes = parameters.rationals("group_sizes")?;
    let tabular: Vec<Vec<BigRational>> = (0..4)
        .map(|y| {
            (0..4)
                .map(|k| if y == k { ratio(1, 1) } else { ratio(0, 1) })
                .collect()
        })
        .collect();
    let product: Vec<Vec<BigRational>> = CONSTRAINTS
        .iter()
        .map(|s| s.iter().map(|v| ratio(*v, 1)).collect())
        .collect();
    let mut parts = Vec::new();
    for size in &group_sizes {
        let size = to_f64(size) as u32;
        let all = compositions(size);
        let (mut agreeing, mut checked) = (0u64, 0u64);
        let mut vanishing = BigRational::zero();
        for counts in &all {
            for partial in [false, true] {
                let rewards = rewards(partial);
                let equal = counts
                    .iter()
                    .zip(&rewards)
                    .filter(|(n, _)| **n > 0)
                    .map(|(_, r)| r)
                    .collect::<Vec<_>>()
                    .windows(2)
                    .all(|pair| pair[0] == pair[1]);
                for features in [&tabular, &product] {
                    checked += 1;
                    agreeing += u64::from(update_vanishes(counts, &rewards, features) == equal);
                }
                if !partial && update_vanishes(counts, &rewards, &product) {
                    vanishing += multinomial(counts, &policy);
                }
            }
        }
        let both = &policy[0];
        let predicted = num_traits::pow(BigRational::one() - both, size as usize)
            + num_traits::pow(both.clone(), size as usize);
        parts.push(rules::exact_predicate(
            format!("G = {size}: update = 0 iff all rewards are equal (both rewards, both parametrizations)"),
            "for every composition of the group",
            Value::Count { hits: agreeing, total: checked },
            agreeing == checked,
        ));
        parts.push(rules::exact_equal(
            format!("G = {size}: P(binary update = 0) = (1 − P)^G + P^G"),
            &predicted,
            &vanishing,
        ));
    }

    if case.seeds.is_empty() {
        return Err(case.invalid("RE-35 needs seeds for its sampled runs"));
    }
    let learning_rate = parameters.number("learning_rate")?;
    let steps = parameters.count("steps")? as usize;
    let (a, b) = (to_f64(&easy), to_f64(&hard));
    for size in &group_sizes {
        let size = to_f64(size) as usize;
        for (partial, expected_all) in [(true, true), (false, false)] {
            let training: Vec<f64> = rewards(partial).iter().map(to_f64).collect();
            let bandit = Parametrization::Product.bandit(a, b, &training);
            let offset = (size as u64) * 1_000 + u64::from(partial) * 100_000;
            let reached = case
                .seeds
                .par_iter()
                .map(|seed| {
                    let mut stream = case.random_stream(offset + seed);
                    dynamics::group_relative_hitting_step(
                        &bandit,
                        size,
                        learning_rate,
                        steps,
                        |policy| policy[0],
                        &mut stream,
                    )
                })
                .collect::<Result<Vec<_>, Error>>()?
                .iter()
                .filter(|step| step.is_some())
                .count() as u64;
            let total = case.seeds.len() as u64;
            let scheme = if partial { "partial" } else { "binary" };
            let (statement, holds) = if expected_all {
                ("every seed", reached == total)
            } else {
                ("no seed", reached == 0)
            };
            parts.push(rules::stated_count(
                format!("G = {size}, {scheme}: seeds reaching P(both) ≥ 1/2 in {steps} steps"),
                statement,
                reached,
                total,
                holds,
            ));
        }
    }
    Ok(parts)
}
