//! Confidence intervals and rank correlations.
//!
//! - Error rates: exact Clopper–Pearson bounds, the quantiles of Beta distributions,
//!   found by bisection on the regularized incomplete beta function of `statrs` and
//!   widened outward by a relative 1e-9 to cover that function's rounding error.
//! - Means over seeds: Student-t intervals; any statistic over seeds: percentile
//!   bootstrap with a seeded ChaCha stream, so the interval is reproducible.
//! - Rank correlations: Spearman's ρ with average ranks and Kendall's τ_b.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha12Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::beta_reg;

/// A closed interval of doubles, `lower ≤ upper`, as measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

impl Bounds {
    /// `[lower, upper]`; the ends are swapped into order if needed.
    pub fn new(lower: f64, upper: f64) -> Self {
        if lower <= upper {
            Bounds { lower, upper }
        } else {
            Bounds {
                lower: upper,
                upper: lower,
            }
        }
    }

    /// The degenerate interval `[value, value]`.
    pub fn point(value: f64) -> Self {
        Bounds {
            lower: value,
            upper: value,
        }
    }

    /// The smallest interval holding every value; `None` for an empty slice.
    pub fn spread(values: &[f64]) -> Option<Self> {
        let lower = values.iter().copied().fold(f64::INFINITY, f64::min);
        let upper = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (!values.is_empty()).then_some(Bounds { lower, upper })
    }

    /// Whether both ends are finite numbers.
    pub fn is_finite(&self) -> bool {
        self.lower.is_finite() && self.upper.is_finite()
    }

    /// Whether `value` lies inside.
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    /// Whether `self` lies inside `other`.
    pub fn inside(&self, other: &Bounds) -> bool {
        other.lower <= self.lower && self.upper <= other.upper
    }

    /// Whether the two intervals share no point.
    pub fn disjoint(&self, other: &Bounds) -> bool {
        self.upper < other.lower || other.upper < self.lower
    }

    /// Width `upper − lower`.
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }

    /// The image under an increasing function.
    pub fn map_increasing(&self, function: impl Fn(f64) -> f64) -> Self {
        Bounds::new(function(self.lower), function(self.upper))
    }
}

/// Relative widening applied to Clopper–Pearson ends to cover `beta_reg` rounding.
const BETA_ROUNDING_ALLOWANCE: f64 = 1e-9;

/// The `probability` quantile of Beta(a, b), by bisection on the regularized
/// incomplete beta function.
fn beta_quantile(probability: f64, a: f64, b: f64) -> f64 {
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if beta_reg(a, b, middle) < probability {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// One-sided Clopper–Pearson upper bound on a rate at the given confidence.
///
/// With `successes` events in `trials`, the returned p satisfies
/// P(Binomial(trials, p) ≤ successes) = 1 − confidence (1 when successes = trials).
///
/// ```
/// use thmcheck::exact::clopper_pearson_upper;
/// // Zero events in 3000 trials: the 95% upper bound is about 3/3000 (rule of three).
/// let bound = clopper_pearson_upper(0, 3000, 0.95);
/// assert!((bound - 0.000998).abs() < 1e-5);
/// ```
pub fn clopper_pearson_upper(successes: u64, trials: u64, confidence: f64) -> f64 {
    assert!(
        successes <= trials && trials > 0,
        "need 0 ≤ successes ≤ trials, trials > 0"
    );
    if successes == trials {
        return 1.0;
    }
    let quantile = beta_quantile(
        confidence,
        (successes + 1) as f64,
        (trials - successes) as f64,
    );
    (quantile * (1.0 + BETA_ROUNDING_ALLOWANCE)).min(1.0)
}

/// One-sided Clopper–Pearson lower bound on a rate at the given confidence.
pub fn clopper_pearson_lower(successes: u64, trials: u64, confidence: f64) -> f64 {
    assert!(
        successes <= trials && trials > 0,
        "need 0 ≤ successes ≤ trials, trials > 0"
    );
    if successes == 0 {
        return 0.0;
    }
    let quantile = beta_quantile(
        1.0 - confidence,
        successes as f64,
        (trials - successes + 1) as f64,
    );
    (quantile * (1.0 - BETA_ROUNDING_ALLOWANCE)).max(0.0)
}

/// Two-sided Clopper–Pearson interval: each side at (1 + confidence)/2.
pub fn clopper_pearson(successes: u64, trials: u64, confidence: f64) -> Bounds {
    let side = 0.5 * (1.0 + confidence);
    Bounds::new(
        clopper_pearson_lower(successes, trials, side),
        clopper_pearson_upper(successes, trials, side),
    )
}

/// The standard normal quantile z with Φ(z) = probability (for statistical intervals).
pub fn normal_quantile(probability: f64) -> f64 {
    Normal::standard().inverse_cdf(probability)
}

/// Arithmetic mean; NaN for an empty slice.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Student-t interval for the mean of independent values, two-sided.
///
/// Returns `None` with fewer than two values.
pub fn mean_interval(values: &[f64], confidence: f64) -> Option<Bounds> {
    let count = values.len();
    if count < 2 {
        return None;
    }
    let center = mean(values);
    let variance = values.iter().map(|v| (v - center).powi(2)).sum::<f64>() / (count - 1) as f64;
    let student = StudentsT::new(0.0, 1.0, (count - 1) as f64).ok()?;
    let quantile = student.inverse_cdf(0.5 * (1.0 + confidence));
    let half_width = quantile * (variance / count as f64).sqrt();
    Some(Bounds::new(center - half_width, center + half_width))
}

/// The `fraction` quantile of a sample by linear interpolation between order statistics
/// (type 7). Non-finite values sort last, so a quantile can be +∞ on purpose.
pub fn quantile(values: &[f64], fraction: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_of_sorted(&sorted, fraction)
}

fn quantile_of_sorted(sorted: &[f64], fraction: f64) -> f64 {
    let position = fraction * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    if below == above || sorted[below] == sorted[above] {
        return sorted[below];
    }
    let weight = position - below as f64;
    sorted[below] + weight * (sorted[above] - sorted[below])
}

/// Percentile bootstrap interval of a statistic over resamples of `values`.
///
/// `seed` fixes the resampling stream so the interval is reproducible.
pub fn bootstrap_interval(
    values: &[f64],
    statistic: impl Fn(&[f64]) -> f64,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Bounds {
    let mut rng = ChaCha12Rng::seed_from_u64(seed);
    let mut resample = vec![0.0; values.len()];
    let mut statistics: Vec<f64> = (0..resamples)
        .map(|_| {
            for slot in resample.iter_mut() {
                *slot = values[rng.random_range(0..values.len())];
            }
            statistic(&resample)
        })
        .collect();
    statistics.sort_by(f64::total_cmp);
    let tail = 0.5 * (1.0 - confidence);
    Bounds::new(
        quantile_of_sorted(&statistics, tail),
        quantile_of_sorted(&statistics, 1.0 - tail),
    )
}

/// The ordinary least-squares slope of y on x through the points (x, y).
pub fn least_squares_slope(points: &[(f64, f64)]) -> f64 {
    let count = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
    let covariance: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    covariance / variance
}

/// The smallest and largest least-squares slope of y on x over every choice of y_i in
/// `ranges[i]` = [low, high]: the slope is linear in y, so each extreme takes every y_i
/// at one end.
///
/// ```
/// use thmcheck::exact::extreme_least_squares_slopes;
/// let slopes = extreme_least_squares_slopes(&[0.0, 1.0, 2.0], &[(0.0, 0.1), (1.0, 1.1), (2.0, 2.1)]);
/// assert!((slopes.lower - 0.95).abs() < 1e-12 && (slopes.upper - 1.05).abs() < 1e-12);
/// ```
pub fn extreme_least_squares_slopes(x: &[f64], ranges: &[(f64, f64)]) -> Bounds {
    let mean_x = x.iter().sum::<f64>() / x.len() as f64;
    let variance: f64 = x.iter().map(|a| (a - mean_x).powi(2)).sum();
    let weights: Vec<f64> = x.iter().map(|a| (a - mean_x) / variance).collect();
    let pick = |upper: bool| -> f64 {
        weights
            .iter()
            .zip(ranges)
            .map(|(w, (low, high))| w * if (*w > 0.0) == upper { *high } else { *low })
            .sum()
    };
    Bounds::new(pick(false), pick(true))
}

/// Ranks starting at 1, ties sharing their average rank.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let shared = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = shared;
        }
        start = end + 1;
    }
    ranks
}

fn pearson(left: &[f64], right: &[f64]) -> f64 {
    let (mean_left, mean_right) = (mean(left), mean(right));
    let mut covariance = 0.0;
    let mut variance_left = 0.0;
    let mut variance_right = 0.0;
    for (a, b) in left.iter().zip(right) {
        covariance += (a - mean_left) * (b - mean_right);
        variance_left += (a - mean_left).powi(2);
        variance_right += (b - mean_right).powi(2);
    }
    covariance / (variance_left * variance_right).sqrt()
}

/// Spearman's rank correlation with average ranks for ties; NaN when either side is
/// constant.
pub fn spearman(left: &[f64], right: &[f64]) -> f64 {
    pearson(&average_ranks(left), &average_ranks(right))
}

/// Kendall's τ_b, which corrects for ties on either side; NaN when either side is
/// constant.
pub fn kendall_tau_b(left: &[f64], right: &[f64]) -> f64 {
    let count = left.len();
    let (mut concordant, mut discordant) = (0i64, 0i64);
    let (mut tied_left, mut tied_right) = (0i64, 0i64);
    for i in 0..count {
        for j in i + 1..count {
            let a = (left[i] - left[j])
                .partial_cmp(&0.0)
                .map_or(0, |o| o as i64);
            let b = (right[i] - right[j])
                .partial_cmp(&0.0)
                .map_or(0, |o| o as i64);
            match (a, b) {
                (0, 0) => {}
                (0, _) => tied_left += 1,
                (_, 0) => tied_right += 1,
                _ if a == b => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    let untied_left = (concordant + discordant + tied_right) as f64;
    let untied_right = (concordant + discordant + tied_left) as f64;
    (concordant - discordant) as f64 / (untied_left * untied_right).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_reference_values() {
        // binom.test(3, 20) in R: [0.0320709372, 0.3789268265] at 95%.
        let interval = clopper_pearson(3, 20, 0.95);
        assert!((interval.lower - 0.0320709372).abs() < 1e-9, "{interval:?}");
        assert!((interval.upper - 0.3789268265).abs() < 1e-9, "{interval:?}");
        assert_eq!(clopper_pearson_lower(0, 10, 0.99), 0.0);
        assert_eq!(clopper_pearson_upper(10, 10, 0.99), 1.0);
    }

    #[test]
    fn one_sided_bounds_bracket_the_rate_and_tighten_with_trials() {
        let small = clopper_pearson_upper(5, 100, 0.999);
        let large = clopper_pearson_upper(500, 10_000, 0.999);
        assert!(small > 0.05 && large > 0.05 && large < small);
        assert!(clopper_pearson_lower(500, 10_000, 0.999) < 0.05);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    fn correlations_of_known_samples() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&x, &[5.0, 6.0, 7.0, 8.0, 7.0]) - 0.8207826816681233).abs() < 1e-12);
        assert!((kendall_tau_b(&x, &[5.0, 6.0, 7.0, 8.0, 7.0]) - 0.7378647873726218).abs() < 1e-12);
        assert_eq!(spearman(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]), -1.0);
        assert!(spearman(&x, &[1.0; 5]).is_nan());
    }

    #[test]
    fn bootstrap_is_reproducible_and_covers_the_mean() {
        let values: Vec<f64> = (0..40).map(|i| (i % 7) as f64).collect();
        let first = bootstrap_interval(&values, mean, 2000, 0.99, 7);
        let second = bootstrap_interval(&values, mean, 2000, 0.99, 7);
        assert_eq!(first, second);
        assert!(first.contains(mean(&values)));
    }

    #[test]
    fn quantiles_interpolate_and_keep_infinities() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(
            quantile(&[1.0, f64::INFINITY, f64::INFINITY], 0.9),
            f64::INFINITY
        );
    }

    #[test]
    fn student_interval_of_a_known_sample() {
        // R: t.test(c(1,2,3,4,5))$conf.int = [1.036757, 4.963243]
        let interval = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        assert!((interval.lower - 1.036757).abs() < 1e-6);
        assert!((interval.upper - 4.963243).abs() < 1e-6);
    }
}
