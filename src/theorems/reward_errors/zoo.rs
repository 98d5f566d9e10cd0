//! The synthetic reward-model zoo (spec §9.4): many proxies on a fixed bandit, exact
//! metrics, the ground-truth gain after a fixed training budget.
//!
//! # Formula
//! ```text
//! bandit: n outputs, r_G distinct multiples of 1/100 in [−1, 1];
//!         π₀ ~ Dirichlet(1/2), k_y = max(1, round(1000 x_y)), π₀ = k / Σk
//! proxies: equal shares of dense noise r_G + σξ (σ ~ U[0.05, 1]), 1–3 outputs re-scored
//!          U[−1.5, 1.5], one swap, and targeted errors (hack, stall, beneficial,
//!          benign I, benign II); rounded to multiples of 1/1000; constants dropped
//! gain:    r̃ = (r_P − V_P(θ₀)) / sd_{π₀}(r_P);  ΔV_G = V_G(θ_s) − V_G(θ₀) after s
//!          ascent steps on r̃ from θ₀ = ln π₀
//! ```
//! Bandits are drawn from ChaCha streams keyed by ("reward-errors", "zoo") and the
//! bandit index, so every claim that uses the zoo sees the same one.

use num_rational::BigRational;
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use rand_distr::multi::Dirichlet;
use rand_distr::{Distribution, Normal};

use super::configs::{reference_ground_truth, reference_policy};
use super::dynamics::{self, Bandit};
use super::metrics::{self, Metrics};
use crate::error::Error;
use crate::exact::{dot, ratio, to_f64};
use crate::suite::random_stream;

/// The kinds of proxy in the zoo, in equal shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// r_G plus Gaussian noise of a random scale.
    Dense,
    /// One to three outputs re-scored at random.
    Rescored,
    /// Two entries swapped.
    Swapped,
    /// An output at or below the median scored above the best.
    Hack,
    /// An output at or below the median scored between the median and the maximum.
    Stall,
    /// The second-best output lowered to the minimum.
    Beneficial,
    /// An output already below V_G(θ₀) lowered further.
    BenignBelow,
    /// An output with π₀ < 1/100 re-scored.
    BenignRare,
}

const KINDS: [ProxyKind; 8] = [
    ProxyKind::Dense,
    ProxyKind::Rescored,
    ProxyKind::Swapped,
    ProxyKind::Hack,
    ProxyKind::Stall,
    ProxyKind::Beneficial,
    ProxyKind::BenignBelow,
    ProxyKind::BenignRare,
];

/// One bandit of the zoo with its proxies.
#[derive(Clone, Debug)]
pub struct ZooBandit {
    /// π₀.
    pub policy: Vec<BigRational>,
    /// r_G.
    pub ground_truth: Vec<BigRational>,
    /// The proxies kept (non-constant).
    pub proxies: Vec<Vec<BigRational>>,
    /// A note when π₀ was adjusted so that a rare output exists.
    pub note: Option<String>,
}

/// Sizes of the zoo.
#[derive(Clone, Copy, Debug)]
pub struct ZooSettings {
    /// Random bandits (T0 is added after them).
    pub bandits: usize,
    /// Proxies drawn per bandit before dropping constants.
    pub proxies_per_bandit: usize,
    /// Outputs of the random bandits.
    pub outputs: usize,
    /// Gradient-ascent steps of the gain.
    pub steps: usize,
    /// Gradient-ascent step size of the gain.
    pub learning_rate: f64,
}

fn thousandths(value: f64) -> BigRational {
    ratio((value * 1000.0).round() as i64, 1000)
}

/// A random bandit: distinct rewards in [−1, 1] on a 1/100 grid, a floored Dirichlet π₀.
fn random_bandit(
    stream: &mut ChaCha12Rng,
    outputs: usize,
) -> Result<(Vec<BigRational>, Vec<BigRational>, Option<String>), Error> {
    let mut rewards: Vec<i64> = Vec::with_capacity(outputs);
    while rewards.len() < outputs {
        let candidate = stream.random_range(-100..=100);
        if !rewards.contains(&candidate) {
            rewards.push(candidate);
        }
    }
    let dirichlet = Dirichlet::<f64>::new(&vec![0.5; outputs])
        .map_err(|error| Error::Numerical(format!("Dirichlet: {error}")))?;
    let draw: Vec<f64> = dirichlet.sample(stream);
    let counts: Vec<i64> = draw
        .iter()
        .map(|x| ((1000.0 * x).round() as i64).max(1))
        .collect();
    let total: i64 = counts.iter().sum();
    let mut policy: Vec<BigRational> = counts.iter().map(|k| ratio(*k, total)).collect();
    let mut note = None;
    if !policy.iter().any(|p| *p < ratio(1, 100)) {
        let smallest = (0..outputs)
            .min_by(|&a, &b| policy[a].cmp(&policy[b]).then(a.cmp(&b)))
            .expect("outputs");
        let rest = ratio(1, 1) - &policy[smallest];
        let scale = ratio(999, 1000) / rest;
        for (index, p) in policy.iter_mut().enumerate() {
            *p = if index == smallest {
                ratio(1, 1000)
            } else {
                &*p * &scale
            };
        }
        note = Some(format!(
            "output {smallest} set to 1/1000 so that a rare output exists"
        ));
    }
    Ok((
        rewards.iter().map(|r| ratio(*r, 100)).collect(),
        policy,
        note,
    ))
}

/// Indices sorted by ground-truth reward, ascending.
fn by_reward(ground_truth: &[BigRational]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ground_truth.len()).collect();
    order.sort_by(|&a, &b| ground_truth[a].cmp(&ground_truth[b]));
    order
}

/// One proxy of the given kind, or `None` when the bandit has no output the kind needs.
fn proxy(
    kind: ProxyKind,
    ground_truth: &[BigRational],
    policy: &[BigRational],
    stream: &mut ChaCha12Rng,
) -> Option<Vec<BigRational>> {
    let values: Vec<f64> = ground_truth.iter().map(to_f64).collect();
    let outputs = values.len();
    let order = by_reward(ground_truth);
    let (minimum, maximum) = (values[order[0]], values[order[outputs - 1]]);
    let median = 0.5 * (values[order[(outputs - 1) / 2]] + values[order[outputs / 2]]);
    let mut proxy = values.clone();
    // Outputs at or below the median (ties count, as in T0 where three outputs share the
    // median), never the best one.
    let below_median: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&y| values[y] <= median && y != order[outputs - 1])
        .collect();
    let uniform =
        |stream: &mut ChaCha12Rng, low: f64, high: f64| low + (high - low) * stream.random::<f64>();
    match kind {
        ProxyKind::Dense => {
            let scale = uniform(stream, 0.05, 1.0);
            let noise = Normal::new(0.0, scale).expect("positive scale");
            proxy.iter_mut().for_each(|r| *r += noise.sample(stream));
        }
        ProxyKind::Rescored => {
            for _ in 0..stream.random_range(1..=3) {
                let y = stream.random_range(0..outputs);
                proxy[y] = uniform(stream, -1.5, 1.5);
            }
        }
        ProxyKind::Swapped => {
            let a = stream.random_range(0..outputs);
            let b = (a + stream.random_range(1..outputs)) % outputs;
            proxy.swap(a, b);
        }
        ProxyKind::Hack => {
            let y = *below_median.get(stream.random_range(0..below_median.len().max(1)))?;
            proxy[y] = maximum + uniform(stream, 0.05, 0.5);
        }
        ProxyKind::Stall => {
            let y = *below_median.get(stream.random_range(0..below_median.len().max(1)))?;
            proxy[y] = uniform(stream, median, maximum);
        }
        ProxyKind::Beneficial => proxy[order[outputs - 2]] = minimum,
        ProxyKind::BenignBelow => {
            let baseline = to_f64(&dot(policy, ground_truth));
            let below: Vec<usize> = (0..outputs).filter(|&y| values[y] < baseline).collect();
            let y = *below.get(stream.random_range(0..below.len().max(1)))?;
            proxy[y] -= uniform(stream, 0.1, 1.0);
        }
        ProxyKind::BenignRare => {
            let rare: Vec<usize> = (0..outputs)
                .filter(|&y| policy[y] < ratio(1, 100))
                .collect();
            let y = *rare.get(stream.random_range(0..rare.len().max(1)))?;
            proxy[y] = uniform(stream, -1.5, 1.5);
        }
    }
    let rounded: Vec<BigRational> = proxy.iter().map(|r| thousandths(*r)).collect();
    (!rounded.iter().all(|r| *r == rounded[0])).then_some(rounded)
}

/// Builds the zoo: `bandits` random bandits, then T0.
///
/// # Errors
/// A failed Dirichlet draw.
pub fn build(settings: &ZooSettings) -> Result<Vec<ZooBandit>, Error> {
    let mut zoo = Vec::with_capacity(settings.bandits + 1);
    for index in 0..=settings.bandits {
        let mut stream = random_stream(&["reward-errors", "zoo"], index as u64);
        let (ground_truth, policy, note) = if index < settings.bandits {
            random_bandit(&mut stream, settings.outputs)?
        } else {
            (reference_ground_truth(), reference_policy(), None)
        };
        let proxies = (0..settings.proxies_per_bandit)
            .filter_map(|draw| {
                proxy(
                    KINDS[draw % KINDS.len()],
                    &ground_truth,
                    &policy,
                    &mut stream,
                )
            })
            .collect();
        zoo.push(ZooBandit {
            policy,
            ground_truth,
            proxies,
            note,
        });
    }
    Ok(zoo)
}

/// ΔV_G after gradient ascent on the whitened proxy.
///
/// # Errors
/// A non-finite value during ascent.
pub fn gain(
    bandit: &ZooBandit,
    proxy: &[BigRational],
    settings: &ZooSettings,
) -> Result<f64, Error> {
    let policy: Vec<f64> = bandit.policy.iter().map(to_f64).collect();
    let truth: Vec<f64> = bandit.ground_truth.iter().map(to_f64).collect();
    let raw: Vec<f64> = proxy.iter().map(to_f64).collect();
    let mean = dynamics::value(&policy, &raw);
    let deviation = policy
        .iter()
        .zip(&raw)
        .map(|(p, r)| p * (r - mean).powi(2))
        .sum::<f64>()
        .sqrt();
    let whitened: Vec<f64> = raw.iter().map(|r| (r - mean) / deviation).collect();
    let trace = dynamics::ascend_plain(
        &Bandit::tabular(&policy, &truth, &whitened),
        settings.learning_rate,
        settings.steps + 1,
    )?;
    Ok(trace.ground_truth_values[settings.steps] - trace.ground_truth_values[0])
}

/// The exact pairwise metrics of a proxy.
pub fn proxy_metrics(bandit: &ZooBandit, proxy: &[BigRational]) -> Metrics {
    metrics::pairwise(&bandit.policy, &bandit.ground_truth, proxy)
        .expect("zoo rewards are distinct")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::sum;

    /// Whether π₀ sums to one (the exact renormalization).
    fn normalized(bandit: &ZooBandit) -> bool {
        sum(&bandit.policy) == ratio(1, 1)
    }

    #[test]
    fn the_zoo_is_reproducible_and_well_formed() {
        let settings = ZooSettings {
            bandits: 3,
            proxies_per_bandit: 40,
            outputs: 8,
            steps: 50,
            learning_rate: 0.1,
        };
        let first = build(&settings).unwrap();
        let second = build(&settings).unwrap();
        assert_eq!(first.len(), 4);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.proxies, b.proxies);
            assert!(normalized(a));
            assert!(
                a.policy.iter().any(|p| *p < ratio(1, 100))
                    || a.ground_truth == reference_ground_truth()
            );
            assert!(a.proxies.len() >= 30, "{} proxies kept", a.proxies.len());
        }
        let bandit = &first[0];
        assert!(gain(bandit, &bandit.ground_truth, &settings).unwrap() > 0.0);
    }
}
