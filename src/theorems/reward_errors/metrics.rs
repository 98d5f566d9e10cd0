//! Reward-model metrics on a finite bandit, exactly (spec §9.1–9.2).
//!
//! # Formula
//! ```text
//! S = pairs {y, y'} with r_G(y) ≠ r_G(y'); y+ the better, y− the worse
//! Acc   = mean_S 1[r_P(y+) > r_P(y−)]
//! HAcc  = mean_S 1[r_P(y−) < max(r_P(y+), V̂)],   V̂ = V_P(θ₀)
//! Acc-W, HAcc-W: the same indicators weighted by w ∝ π₀(y+) π₀(y−)
//! one-vs-many: tuples (y+, y−_1..y−_K) of strictly worse outputs, max over the y−_k,
//! weights ∝ π₀(y+) Π_k π₀(y−_k)
//! ```
//! A misordering is forgiven by HAcc when every dispreferred output scores below the
//! initial expected proxy reward V̂, since such an output never attracts probability
//! (benign type I). Ties count as errors for Acc, and for HAcc unless r− < V̂.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Zero};

use crate::exact::dot;

/// The four metrics of a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metrics {
    /// Ranking accuracy Acc.
    pub accuracy: BigRational,
    /// Harm-aware accuracy HAcc.
    pub harm_aware_accuracy: BigRational,
    /// Acc weighted by initial-policy probability.
    pub weighted_accuracy: BigRational,
    /// HAcc weighted by initial-policy probability.
    pub weighted_harm_aware_accuracy: BigRational,
}

impl Metrics {
    /// The four values in the order Acc, HAcc, Acc-W, HAcc-W.
    pub fn values(&self) -> [&BigRational; 4] {
        [
            &self.accuracy,
            &self.harm_aware_accuracy,
            &self.weighted_accuracy,
            &self.weighted_harm_aware_accuracy,
        ]
    }
}

/// Names of the four metrics, in [`Metrics::values`] order.
pub const METRIC_NAMES: [&str; 4] = ["Acc", "HAcc", "Acc-W", "HAcc-W"];

/// The accuracy indicator: the preferred output scores above every dispreferred one.
pub fn accuracy_indicator<T: Ord>(preferred: &T, dispreferred: &[T]) -> bool {
    dispreferred.iter().all(|r| preferred > r)
}

/// The harm-aware indicator in the code's form: ordered correctly, or every
/// dispreferred output below V̂.
pub fn harm_aware_indicator<T: Ord>(preferred: &T, dispreferred: &[T], baseline: &T) -> bool {
    accuracy_indicator(preferred, dispreferred) || dispreferred.iter().all(|r| r < baseline)
}

/// The harm-aware indicator in the paper's form: max r− < max(r+, V̂).
pub fn harm_aware_indicator_by_maximum<T: Ord>(
    preferred: &T,
    dispreferred: &[T],
    baseline: &T,
) -> bool {
    let worst = dispreferred
        .iter()
        .max()
        .expect("a tuple has a dispreferred output");
    let ceiling = if preferred > baseline {
        preferred
    } else {
        baseline
    };
    worst < ceiling
}

/// Accumulates indicator means over weighted tuples.
///
/// Weights are products of integer numerators of π₀ over a common denominator, which
/// cancels in every ratio: sums of integers are exact and far cheaper than sums of
/// fractions.
struct Tally {
    form: IndicatorForm,
    count: u64,
    accurate: u64,
    harm_aware: u64,
    weight: BigInt,
    weight_accurate: BigInt,
    weight_harm_aware: BigInt,
}

impl Tally {
    fn new(form: IndicatorForm) -> Self {
        Tally {
            form,
            count: 0,
            accurate: 0,
            harm_aware: 0,
            weight: BigInt::zero(),
            weight_accurate: BigInt::zero(),
            weight_harm_aware: BigInt::zero(),
        }
    }

    fn add(
        &mut self,
        preferred: &BigInt,
        dispreferred: &[BigInt],
        baseline: &BigInt,
        weight: BigInt,
    ) {
        let accurate = accuracy_indicator(preferred, dispreferred);
        let harm_aware = match self.form {
            IndicatorForm::Code => harm_aware_indicator(preferred, dispreferred, baseline),
            IndicatorForm::Paper => {
                harm_aware_indicator_by_maximum(preferred, dispreferred, baseline)
            }
        };
        self.count += 1;
        if accurate {
            self.accurate += 1;
            self.weight_accurate += &weight;
        }
        if harm_aware {
            self.harm_aware += 1;
            self.weight_harm_aware += &weight;
        }
        self.weight += weight;
    }

    fn finish(self) -> Option<Metrics> {
        if self.count == 0 {
            return None;
        }
        let count = BigRational::from_integer(self.count.into());
        Some(Metrics {
            accuracy: BigRational::from_integer(self.accurate.into()) / &count,
            harm_aware_accuracy: BigRational::from_integer(self.harm_aware.into()) / &count,
            weighted_accuracy: BigRational::new(self.weight_accurate, self.weight.clone()),
            weighted_harm_aware_accuracy: BigRational::new(self.weight_harm_aware, self.weight),
        })
    }
}

/// Proxy values and V̂ as integers over their least common denominator: comparisons of
/// integers decide the same orderings as comparisons of the fractions, much faster.
fn integer_scores(proxy: &[BigRational], baseline: &BigRational) -> (Vec<BigInt>, BigInt) {
    let denominator = proxy
        .iter()
        .chain(std::iter::once(baseline))
        .fold(BigInt::one(), |common, r| common.lcm(r.denom()));
    let scale = |r: &BigRational| r.numer() * (&denominator / r.denom());
    (proxy.iter().map(scale).collect(), scale(baseline))
}

/// Integer numerators of π₀ over the least common denominator.
fn numerators(policy: &[BigRational]) -> Vec<BigInt> {
    let denominator = policy
        .iter()
        .fold(BigInt::one(), |common, p| common.lcm(p.denom()));
    policy
        .iter()
        .map(|p| p.numer() * (&denominator / p.denom()))
        .collect()
}

/// Which form of the harm-aware indicator a tally uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndicatorForm {
    /// The authors' code: ordered correctly, or every dispreferred output below V̂.
    Code,
    /// The paper: max r− < max(r+, V̂).
    Paper,
}

/// Pairwise metrics over all ground-truth-strict pairs; `None` when r_G is constant.
pub fn pairwise(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
) -> Option<Metrics> {
    pairwise_in_form(policy, ground_truth, proxy, IndicatorForm::Code)
}

/// Pairwise metrics with the chosen form of the harm-aware indicator.
pub fn pairwise_in_form(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
    form: IndicatorForm,
) -> Option<Metrics> {
    let (proxy, baseline) = integer_scores(proxy, &dot(policy, proxy));
    let weights = numerators(policy);
    let mut tally = Tally::new(form);
    for y in 0..policy.len() {
        for z in 0..policy.len() {
            if ground_truth[y] > ground_truth[z] {
                tally.add(
                    &proxy[y],
                    std::slice::from_ref(&proxy[z]),
                    &baseline,
                    &weights[y] * &weights[z],
                );
            }
        }
    }
    tally.finish()
}

/// One-vs-many metrics: each output with each K-subset of strictly worse outputs;
/// `None` when no output has K strictly worse ones.
pub fn one_vs_many(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
    negatives: usize,
) -> Option<Metrics> {
    one_vs_many_in_form(policy, ground_truth, proxy, negatives, IndicatorForm::Code)
}

/// One-vs-many metrics with the chosen form of the harm-aware indicator.
pub fn one_vs_many_in_form(
    policy: &[BigRational],
    ground_truth: &[BigRational],
    proxy: &[BigRational],
    negatives: usize,
    form: IndicatorForm,
) -> Option<Metrics> {
    let (proxy, baseline) = integer_scores(proxy, &dot(policy, proxy));
    let weights = numerators(policy);
    let mut tally = Tally::new(form);
    for preferred in 0..policy.len() {
        let worse: Vec<usize> = (0..policy.len())
            .filter(|&z| ground_truth[z] < ground_truth[preferred])
            .collect();
        for subset in subsets(&worse, negatives) {
            let rewards: Vec<BigInt> = subset.iter().map(|&z| proxy[z].clone()).collect();
            let weight = subset
                .iter()
                .fold(weights[preferred].clone(), |product, &z| {
                    product * &weights[z]
                });
            tally.add(&proxy[preferred], &rewards, &baseline, weight);
        }
    }
    tally.finish()
}

/// All `size`-element subsets of `items`, in lexicographic order.
fn subsets(items: &[usize], size: usize) -> Vec<Vec<usize>> {
    if size == 0 {
        return vec![Vec::new()];
    }
    if items.len() < size {
        return Vec::new();
    }
    let mut result = Vec::new();
    for (index, &first) in items.iter().enumerate() {
        for mut rest in subsets(&items[index + 1..], size - 1) {
            rest.insert(0, first);
            result.push(rest);
        }
    }
    result
}

/// Whether every metric equals one.
pub fn all_one(metrics: &Metrics) -> bool {
    metrics.values().iter().all(|value| value.is_one())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    #[test]
    fn reference_instance_metrics() {
        let policy = vec![
            ratio(1, 20),
            ratio(1, 2),
            ratio(3, 20),
            ratio(3, 20),
            ratio(3, 20),
        ];
        let truth = vec![
            ratio(1, 1),
            ratio(4, 5),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        let proxy = vec![
            ratio(1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
            ratio(-1, 1),
        ];
        let metrics = pairwise(&policy, &truth, &proxy).unwrap();
        assert_eq!(metrics.accuracy, ratio(4, 7));
        assert_eq!(metrics.harm_aware_accuracy, ratio(1, 1));
        assert_eq!(metrics.weighted_accuracy, ratio(19, 109));
        assert_eq!(metrics.weighted_harm_aware_accuracy, ratio(1, 1));
        assert!(all_one(&pairwise(&policy, &truth, &truth).unwrap()));
    }

    #[test]
    fn subsets_enumerate_combinations() {
        assert_eq!(
            subsets(&[1, 2, 3], 2),
            vec![vec![1, 2], vec![1, 3], vec![2, 3]]
        );
        assert!(subsets(&[1], 2).is_empty());
    }
}
