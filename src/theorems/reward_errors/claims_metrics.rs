//! Claims RE-28 … RE-32: reward-model metrics that account for harmless errors (spec §9).

use std::sync::Arc;

use num_rational::BigRational;
use rand::RngExt;
use rayon::prelude::*;

use super::claim;
use super::configs::{no_med_proxy, reference_ground_truth, reference_policy};
use super::metrics::{
    self, IndicatorForm, METRIC_NAMES, Metrics, accuracy_indicator, harm_aware_indicator,
    harm_aware_indicator_by_maximum,
};
use super::zoo::{self, ZooSettings};
use crate::claim::rules::{self, Measured, Strictness};
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, Value, format_significant};
use crate::error::Error;
use crate::exact::{
    Bounds, clopper_pearson_lower, clopper_pearson_upper, kendall_tau_b, mean, ratio, spearman,
    to_f64,
};
use crate::suite::{Case, memo, random_stream};

const ZOO: &[&str] = &[
    "instances",
    "bandits",
    "proxies_per_bandit",
    "zoo_outputs",
    "zoo_steps",
    "learning_rate",
    "negatives_per_tuple",
];

pub(super) static CLAIMS: [ClaimInfo; 5] = [
    claim(
        "RE-28",
        "two forms of the harm-aware indicator agree",
        "1[r+ > r− ∨ r− < V̂] ≡ 1[r− < max(r+, V̂)], and the one-vs-many form 1[r+ > max r− ∨ ∀k r−_k < V̂] ≡ 1[max r− < max(r+, V̂)], on random rational data with forced ties.",
        &[ClaimKind::Identity],
        &[Provenance::Code],
        "CF",
        "code form ≡ paper form of HAcc's indicator",
        &["instances"],
    ),
    claim(
        "RE-29",
        "harm-aware accuracy is never below accuracy",
        "Acc ≤ HAcc and Acc-W ≤ HAcc-W on every evaluation set, since Acc's indicator implies HAcc's.",
        &[ClaimKind::Inequality],
        &[Provenance::Derived],
        "CF",
        "1[r+ > max r−] ≤ 1[max r− < max(r+, V̂)]",
        ZOO,
    ),
    claim(
        "RE-30",
        "metrics of the reference instance",
        "T0 with the no-med proxy, V̂ = −9/10, 7 strict pairs: Acc = 4/7, HAcc = 1, Acc-W = 19/109, HAcc-W = 1 (pair weights 1/40, 3/400, 3/40; total 109/400); with r_P = r_G all four equal 1.",
        &[ClaimKind::MetricValue],
        &[Provenance::Derived],
        "CF",
        "w(y+, y−) ∝ π₀(y+) π₀(y−)",
        &[],
    ),
    claim(
        "RE-31",
        "harm-aware metrics correlate better with the gain",
        "In most zoo bandits the HAcc-type metric correlates better with the ground-truth gain ΔV_G than Acc (Spearman and Kendall), and HAcc-W better than Acc-W: the share of bandits won exceeds 1/2.",
        &[ClaimKind::Inequality],
        &[Provenance::Stated, Provenance::Derived],
        "CF, GA",
        "ρ(HAcc, ΔV_G) > ρ(Acc, ΔV_G) in more than half the bandits (one-sided Clopper–Pearson)",
        ZOO,
    ),
    claim(
        "RE-32",
        "weighting and correlation sizes",
        "Report whether the -W variants beat the unweighted ones, and all correlation sizes; the LLM findings (no consistent weighting gain, correlations below 0.4) need not transfer to the bandit zoo.",
        &[ClaimKind::Report],
        &[Provenance::Stated],
        "CF, GA",
        "Spearman ρ and Kendall τ_b of each metric with ΔV_G, per bandit",
        ZOO,
    ),
];

/// Checks one of RE-28 … RE-32; `None` for other IDs.
pub(super) fn check(id: &str, case: &Case) -> Option<Result<Vec<Part>, Error>> {
    Some(match id {
        "RE-28" => indicator_forms(case),
        "RE-29" => harm_aware_dominates(case),
        "RE-30" => reference_metrics(),
        "RE-31" => correlation_comparison(case),
        "RE-32" => correlation_report(case),
        _ => return None,
    })
}

/// A tuple (r+, r−_1..r−_K, V̂) of small rationals.
struct Tuple {
    preferred: BigRational,
    dispreferred: Vec<BigRational>,
    baseline: BigRational,
}

/// Random tuples with forced ties (r−_1 = r+ or r−_1 = V̂ in two thirds of them), from
/// the stream keyed by ("reward-errors", "tuples") so RE-28 and RE-29 see the same set.
fn random_tuples(count: u64) -> Vec<Tuple> {
    let mut stream = random_stream(&["reward-errors", "tuples"], 0);
    let small = |stream: &mut rand_chacha::ChaCha12Rng| {
        ratio(stream.random_range(-6..=6), stream.random_range(1..=3))
    };
    (0..count)
        .map(|_| {
            let negatives = stream.random_range(1..=4);
            let preferred = small(&mut stream);
            let baseline = small(&mut stream);
            let mut dispreferred: Vec<BigRational> =
                (0..negatives).map(|_| small(&mut stream)).collect();
            match stream.random_range(0..3) {
                0 => dispreferred[0] = preferred.clone(),
                1 => dispreferred[0] = baseline.clone(),
                _ => {}
            }
            Tuple {
                preferred,
                dispreferred,
                baseline,
            }
        })
        .collect()
}

fn indicator_forms(case: &Case) -> Result<Vec<Part>, Error> {
    let count = case.parameters.count("instances")?;
    let (mut pairwise_agree, mut tuple_agree, mut ties) = (0u64, 0u64, 0u64);
    for Tuple {
        preferred,
        dispreferred,
        baseline,
    } in random_tuples(count)
    {
        ties += u64::from(
            dispreferred
                .iter()
                .any(|r| *r == preferred || *r == baseline),
        );
        let single = std::slice::from_ref(&dispreferred[0]);
        pairwise_agree += u64::from(
            harm_aware_indicator(&preferred, single, &baseline)
                == harm_aware_indicator_by_maximum(&preferred, single, &baseline),
        );
        tuple_agree += u64::from(
            harm_aware_indicator(&preferred, &dispreferred, &baseline)
                == harm_aware_indicator_by_maximum(&preferred, &dispreferred, &baseline),
        );
    }
    Ok(vec![
        rules::exact_predicate(
            "pairwise forms agree",
            "equal on every case",
            Value::Count {
                hits: pairwise_agree,
                total: count,
            },
            pairwise_agree == count,
        ),
        rules::exact_predicate(
            "one-vs-many forms agree",
            "equal on every case",
            Value::Count {
                hits: tuple_agree,
                total: count,
            },
            tuple_agree == count,
        ),
        rules::report(
            "cases with a forced tie",
            Value::Count {
                hits: ties,
                total: count,
            },
            "r− = r+ or r− = V̂",
        ),
    ])
}

fn zoo_settings(case: &Case) -> Result<ZooSettings, Error> {
    let parameters = &case.parameters;
    Ok(ZooSettings {
        bandits: parameters.count("bandits")? as usize,
        proxies_per_bandit: parameters.count("proxies_per_bandit")? as usize,
        outputs: parameters.count("zoo_outputs")? as usize,
        steps: parameters.count("zoo_steps")? as usize,
        learning_rate: parameters.number("learning_rate")?,
    })
}

fn harm_aware_dominates(case: &Case) -> Result<Vec<Part>, Error> {
    let settings = zoo_settings(case)?;
    let negatives = case.parameters.count("negatives_per_tuple")? as usize;
    let zoo = shared_zoo(&settings)?;
    let dominated = |metrics: &Metrics| {
        metrics.accuracy <= metrics.harm_aware_accuracy
            && metrics.weighted_accuracy <= metrics.weighted_harm_aware_accuracy
    };
    let (sets, holding) = zoo
        .par_iter()
        .map(|bandit| {
            let mut counts = (0u64, 0u64);
            for proxy in &bandit.proxies {
                // HAcc in the paper's max form, computed apart from Acc's indicator, so
                // the inequality is tested rather than built in.
                let forms = [
                    metrics::pairwise_in_form(
                        &bandit.policy,
                        &bandit.ground_truth,
                        proxy,
                        IndicatorForm::Paper,
                    ),
                    metrics::one_vs_many_in_form(
                        &bandit.policy,
                        &bandit.ground_truth,
                        proxy,
                        negatives,
                        IndicatorForm::Paper,
                    ),
                ];
                for metrics in forms.iter().flatten() {
                    counts.0 += 1;
                    counts.1 += u64::from(dominated(metrics));
                }
            }
            counts
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let tuples = random_tuples(case.parameters.count("instances")?);
    let implied = tuples
        .iter()
        .filter(|tuple| {
            !accuracy_indicator(&tuple.preferred, &tuple.dispreferred)
                || harm_aware_indicator_by_maximum(
                    &tuple.preferred,
                    &tuple.dispreferred,
                    &tuple.baseline,
                )
        })
        .count() as u64;
    Ok(vec![
        rules::exact_predicate(
            "Acc ≤ HAcc and Acc-W ≤ HAcc-W, HAcc in the paper's form (pairwise and one-vs-many, every zoo proxy)",
            "on every evaluation set",
            Value::Count {
                hits: holding,
                total: sets,
            },
            holding == sets,
        ),
        rules::exact_predicate(
            "Acc's indicator implies HAcc's on the RE-28 tuples",
            "on every tuple",
            Value::Count {
                hits: implied,
                total: tuples.len() as u64,
            },
            implied == tuples.len() as u64,
        ),
    ])
}

fn reference_metrics() -> Result<Vec<Part>, Error> {
    let (policy, truth, proxy) = (reference_policy(), reference_ground_truth(), no_med_proxy());
    let measured = metrics::pairwise(&policy, &truth, &proxy).expect("the truth is not constant");
    let expected = [ratio(4, 7), ratio(1, 1), ratio(19, 109), ratio(1, 1)];
    let mut parts: Vec<Part> = METRIC_NAMES
        .iter()
        .zip(expected.iter().zip(measured.values()))
        .map(|(name, (expected, value))| {
            rules::exact_equal(format!("{name}, no-med proxy"), expected, value)
        })
        .collect();
    let total_weight: BigRational = (0..5)
        .flat_map(|y| (0..5).map(move |z| (y, z)))
        .filter(|&(y, z)| truth[y] > truth[z])
        .map(|(y, z)| &policy[y] * &policy[z])
        .sum();
    parts.push(rules::exact_equal(
        "total pair weight",
        &ratio(109, 400),
        &total_weight,
    ));
    let exact = metrics::pairwise(&policy, &truth, &truth).expect("the truth is not constant");
    parts.push(rules::exact_predicate(
        "all four metrics of r_P = r_G",
        "= 1",
        Value::label(
            exact
                .values()
                .iter()
                .map(|v| crate::exact::format_rational(v))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        metrics::all_one(&exact),
    ));
    Ok(parts)
}

/// Per-bandit correlations of each metric with the gain.
struct Correlations {
    spearman: [f64; 4],
    kendall: [f64; 4],
}

/// The zoo for the case's settings, built once per process.
fn shared_zoo(settings: &ZooSettings) -> Result<Arc<Vec<zoo::ZooBandit>>, Error> {
    memo::shared(&format!("reward-errors zoo {settings:?}"), || {
        zoo::build(settings)
    })
}

fn zoo_correlations(case: &Case) -> Result<Arc<(Vec<Correlations>, Vec<Option<String>>)>, Error> {
    let settings = zoo_settings(case)?;
    memo::shared(
        &format!("reward-errors zoo correlations {settings:?}"),
        || compute_correlations(&settings),
    )
}

fn compute_correlations(
    settings: &ZooSettings,
) -> Result<(Vec<Correlations>, Vec<Option<String>>), Error> {
    let zoo = shared_zoo(settings)?;
    let correlations = zoo
        .par_iter()
        .map(|bandit| {
            let mut columns: [Vec<f64>; 4] = Default::default();
            let mut gains = Vec::with_capacity(bandit.proxies.len());
            for proxy in &bandit.proxies {
                let metrics = zoo::proxy_metrics(bandit, proxy);
                for (column, value) in columns.iter_mut().zip(metrics.values()) {
                    column.push(to_f64(value));
                }
                gains.push(zoo::gain(bandit, proxy, settings)?);
            }
            Ok(Correlations {
                spearman: std::array::from_fn(|index| spearman(&columns[index], &gains)),
                kendall: std::array::from_fn(|index| kendall_tau_b(&columns[index], &gains)),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((
        correlations,
        zoo.iter().map(|bandit| bandit.note.clone()).collect(),
    ))
}

/// Whether `better` beats `worse` (NaN and ties lose).
fn wins(better: f64, worse: f64) -> bool {
    better > worse
}

fn correlation_comparison(case: &Case) -> Result<Vec<Part>, Error> {
    let shared = zoo_correlations(case)?;
    let correlations = &shared.0;
    let total = correlations.len() as u64;
    // Four comparisons share the claim's error budget (Bonferroni).
    let confidence = 1.0 - (1.0 - case.confidence) / 4.0;
    let comparisons: [(&str, fn(&Correlations) -> &[f64; 4], usize, usize); 4] = [
        ("Spearman: HAcc over Acc", |c| &c.spearman, 1, 0),
        ("Spearman: HAcc-W over Acc-W", |c| &c.spearman, 3, 2),
        ("Kendall: HAcc over Acc", |c| &c.kendall, 1, 0),
        ("Kendall: HAcc-W over Acc-W", |c| &c.kendall, 3, 2),
    ];
    Ok(comparisons
        .iter()
        .map(|(label, select, better, worse)| {
            let won = correlations
                .iter()
                .filter(|c| wins(select(c)[*better], select(c)[*worse]))
                .count() as u64;
            let interval = Bounds::new(
                clopper_pearson_lower(won, total, confidence),
                clopper_pearson_upper(won, total, confidence),
            );
            rules::lower_bound(
                format!("{label}: share of bandits won ({won} of {total})"),
                Bounds::point(0.5),
                Strictness::Strict,
                &Measured::new(won as f64 / total as f64, interval).with_sample_size(total),
            )
        })
        .collect())
}

fn correlation_report(case: &Case) -> Result<Vec<Part>, Error> {
    let shared = zoo_correlations(case)?;
    let (correlations, notes) = (&shared.0, &shared.1);
    let total = correlations.len();
    let mut parts = Vec::new();
    for (kind, select) in [
        (
            "Spearman",
            (|c: &Correlations| c.spearman) as fn(&Correlations) -> [f64; 4],
        ),
        ("Kendall", |c| c.kendall),
    ] {
        let means: Vec<String> = (0..4)
            .map(|index| {
                let values: Vec<f64> = correlations
                    .iter()
                    .map(|c| select(c)[index])
                    .filter(|v| v.is_finite())
                    .collect();
                format!(
                    "{} {}",
                    METRIC_NAMES[index],
                    format_significant(mean(&values), 3)
                )
            })
            .collect();
        parts.push(rules::report(
            format!("mean {kind} correlation with ΔV_G"),
            Value::Label(means.join(", ")),
            format!("over {total} bandits"),
        ));
        for (better, worse) in [(2, 0), (3, 1)] {
            let won = correlations
                .iter()
                .filter(|c| wins(select(c)[better], select(c)[worse]))
                .count() as u64;
            parts.push(rules::report(
                format!(
                    "{kind}: {} beats {}",
                    METRIC_NAMES[better], METRIC_NAMES[worse]
                ),
                Value::Count {
                    hits: won,
                    total: total as u64,
                },
                "bandits where weighting improves the correlation",
            ));
        }
        let per_bandit: Vec<String> = correlations
            .iter()
            .map(|c| {
                select(c)
                    .iter()
                    .map(|v| format_significant(*v, 2))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        parts.push(rules::report(
            format!("{kind} per bandit (Acc/HAcc/Acc-W/HAcc-W)"),
            Value::Label(per_bandit.join(" ")),
            "the last bandit is T0",
        ));
    }
    let adjusted = notes.iter().filter(|note| note.is_some()).count() as u64;
    parts.push(rules::report(
        "bandits whose π₀ was adjusted to hold a rare output",
        Value::Count {
            hits: adjusted,
            total: total as u64,
        },
        "spec §9.4",
    ));
    Ok(parts)
}
