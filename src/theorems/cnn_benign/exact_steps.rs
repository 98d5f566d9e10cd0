//! Gradient steps of the two-layer ReLU CNN in exact rationals.
//!
//! The identities of CNN-1, 2, 4, 6 and 7 are polynomial in the weights, the data and
//! the loss derivatives ℓ′_i once the ReLU pattern is fixed, and the pattern is decided
//! exactly by the sign of each rational activation. So they can be checked exactly for
//! any rational stand-ins of ℓ′_i: no exponential is needed. Simulated f64 states enter
//! as the dyadic rationals they are.

use num_rational::BigRational;
use num_traits::{Signed, Zero};
use rand::RngExt;
use rand_chacha::ChaCha12Rng;

use super::data::{Dataset, Network};
use crate::error::Error;
use crate::exact::{dot, ratio, solve, to_f64};
use crate::sim::logistic_weight;

/// A network with rational parameters; filters are rows.
#[derive(Clone, Debug)]
pub struct RationalNetwork {
    /// w_{j,r}, 2m rows of d entries (class +1 first).
    pub hidden: Vec<Vec<BigRational>>,
    /// b_{j,r}; `None` without bias.
    pub bias: Option<Vec<BigRational>>,
    /// v_{j,r}.
    pub output: Vec<BigRational>,
    /// κ.
    pub kappa: BigRational,
    /// m.
    pub filters_per_class: usize,
}

/// Training data with rational patches and rational stand-ins for ℓ′_i.
#[derive(Clone, Debug)]
pub struct RationalData {
    /// The two patches of each sample.
    pub patches: Vec<[Vec<BigRational>; 2]>,
    /// y_i ∈ {±1}.
    pub labels: Vec<i64>,
    /// ℓ′_i (any rationals; the logistic values in (−1, 0) in a real step).
    pub loss_derivatives: Vec<BigRational>,
}

/// One neuron's gradients and its direction φ (spec §4, §7.1).
#[derive(Clone, Debug)]
pub struct NeuronGradient {
    /// g_w.
    pub hidden: Vec<BigRational>,
    /// g_b (zero without bias).
    pub bias: BigRational,
    /// g_v from its definition.
    pub output: BigRational,
    /// φ, with g_w = −v·φ.
    pub direction: Vec<BigRational>,
    /// β, with g_b = −v·β.
    pub direction_bias: BigRational,
}

fn relu(value: &BigRational) -> BigRational {
    if value.is_positive() {
        value.clone()
    } else {
        BigRational::zero()
    }
}

impl RationalNetwork {
    /// The exact dyadic values of an f64 network.
    pub fn from_network(network: &Network) -> Result<Self, Error> {
        let exact = |value: f64| {
            BigRational::from_float(value)
                .ok_or_else(|| Error::Numerical(format!("non-finite weight {value}")))
        };
        let hidden = (0..network.neurons())
            .map(|r| network.hidden.column(r).iter().map(|&w| exact(w)).collect())
            .collect::<Result<Vec<Vec<_>>, _>>()?;
        let bias = network
            .bias
            .iter()
            .any(|&b| b != 0.0)
            .then(|| network.bias.iter().map(|&b| exact(b)).collect())
            .transpose()?;
        Ok(RationalNetwork {
            hidden,
            bias,
            output: network
                .output
                .iter()
                .map(|&v| exact(v))
                .collect::<Result<_, _>>()?,
            kappa: exact(network.kappa)?,
            filters_per_class: network.filters_per_class,
        })
    }

    /// j for neuron r.
    pub fn class_sign(&self, neuron: usize) -> i64 {
        if neuron < self.filters_per_class {
            1
        } else {
            -1
        }
    }

    fn bias_of(&self, neuron: usize) -> BigRational {
        self.bias
            .as_ref()
            .map_or_else(BigRational::zero, |bias| bias[neuron].clone())
    }

    /// ⟨w_r, x⟩ + b_r.
    pub fn activation(&self, neuron: usize, patch: &[BigRational]) -> BigRational {
        dot(&self.hidden[neuron], patch) + self.bias_of(neuron)
    }

    /// f(x) for each sample of `data`.
    pub fn outputs(&self, data: &RationalData) -> Vec<BigRational> {
        data.patches
            .iter()
            .map(|patches| {
                let mut total = BigRational::zero();
                for r in 0..self.output.len() {
                    let activations = relu(&self.activation(r, &patches[0]))
                        + relu(&self.activation(r, &patches[1]));
                    total += BigRational::from_integer(self.class_sign(r).into())
                        * &self.output[r]
                        * activations;
                }
                &self.kappa * total
            })
            .collect()
    }

    /// The gradients of neuron r at this state with the data's ℓ′ stand-ins.
    pub fn gradient(&self, data: &RationalData, neuron: usize) -> NeuronGradient {
        let samples = data.labels.len();
        let dimension = self.hidden[neuron].len();
        let scale = &self.kappa / BigRational::from_integer(samples.into());
        let sign = self.class_sign(neuron);
        let mut direction = vec![BigRational::zero(); dimension];
        let mut direction_bias = BigRational::zero();
        let mut output = BigRational::zero();
        for (i, patches) in data.patches.iter().enumerate() {
            let weight = &scale
                * &data.loss_derivatives[i]
                * BigRational::from_integer((data.labels[i] * sign).into());
            for patch in patches {
                let activation = self.activation(neuron, patch);
                if activation.is_positive() {
                    output += &weight * &activation;
                    // φ collects −ℓ′ terms: subtract the ℓ′-weighted patch.
                    for (entry, value) in direction.iter_mut().zip(patch) {
                        if !value.is_zero() {
                            *entry -= &weight * value;
                        }
                    }
                    direction_bias -= &weight;
                }
            }
        }
        let v = &self.output[neuron];
        let has_bias = self.bias.is_some();
        NeuronGradient {
            hidden: direction.iter().map(|entry| -(v * entry)).collect(),
            bias: if has_bias {
                -(v * &direction_bias)
            } else {
                BigRational::zero()
            },
            output,
            direction,
            direction_bias: if has_bias {
                direction_bias
            } else {
                BigRational::zero()
            },
        }
    }
}

/// ‖x‖².
pub fn norm_squared(vector: &[BigRational]) -> BigRational {
    dot(vector, vector)
}

/// The residuals of one exact simultaneous step for neuron r (per-neuron output weights):
/// `(gradient, balance, mode_output, mode_hidden)`, each zero exactly when the identity
/// holds:
/// - ⟨w, g_w⟩ + b g_b − v g_v
/// - ‖w⁺‖² + b⁺² − v⁺² − (‖w‖² + b² − v² + η²(‖g_w‖² + g_b² − g_v²))
/// - v⁺ − (v + η(⟨w, φ⟩ + bβ))
/// - ⟨w⁺, φ⟩ + b⁺β − (⟨w, φ⟩ + bβ + η v (‖φ‖² + β²))
pub fn step_residuals(
    network: &RationalNetwork,
    data: &RationalData,
    neuron: usize,
    learning_rate: &BigRational,
) -> [BigRational; 4] {
    let gradient = network.gradient(data, neuron);
    let w = &network.hidden[neuron];
    let b = network.bias_of(neuron);
    let v = &network.output[neuron];
    let eta = learning_rate;
    let new_w: Vec<BigRational> = w
        .iter()
        .zip(&gradient.hidden)
        .map(|(weight, g)| weight - eta * g)
        .collect();
    let new_b = &b - eta * &gradient.bias;
    let new_v = v - eta * &gradient.output;
    let gradient_identity = dot(w, &gradient.hidden) + &b * &gradient.bias - v * &gradient.output;
    let balance = (norm_squared(&new_w) + &new_b * &new_b - &new_v * &new_v)
        - (norm_squared(w) + &b * &b - v * v
            + eta
                * eta
                * (norm_squared(&gradient.hidden) + &gradient.bias * &gradient.bias
                    - &gradient.output * &gradient.output));
    let projection = dot(w, &gradient.direction) + &b * &gradient.direction_bias;
    let mode_output = &new_v - (v + eta * &projection);
    let new_projection = dot(&new_w, &gradient.direction) + &new_b * &gradient.direction_bias;
    let direction_squared =
        norm_squared(&gradient.direction) + &gradient.direction_bias * &gradient.direction_bias;
    let mode_hidden = new_projection - (projection + eta * v * direction_squared);
    [gradient_identity, balance, mode_output, mode_hidden]
}

/// The balance residual of one exact simultaneous step for a class with one shared
/// output weight v_j: Σ_r(‖w_r⁺‖² + b_r⁺²) − v_j⁺² against
/// Σ_r(‖w_r‖² + b_r²) − v_j² + η²(Σ_r(‖g_{w_r}‖² + g_{b_r}²) − g_{v_j}²), g_{v_j} = Σ_r g_{v_r}.
pub fn class_balance_residual(
    network: &RationalNetwork,
    data: &RationalData,
    class: usize,
    learning_rate: &BigRational,
) -> BigRational {
    let m = network.filters_per_class;
    let members = class * m..(class + 1) * m;
    let eta = learning_rate;
    let v = &network.output[class * m];
    let (mut before, mut after, mut hidden_gradient) = (
        BigRational::zero(),
        BigRational::zero(),
        BigRational::zero(),
    );
    let mut output_gradient = BigRational::zero();
    for r in members {
        let gradient = network.gradient(data, r);
        let w = &network.hidden[r];
        let b = network.bias_of(r);
        let new_b = &b - eta * &gradient.bias;
        let new_w: Vec<BigRational> = w
            .iter()
            .zip(&gradient.hidden)
            .map(|(weight, g)| weight - eta * g)
            .collect();
        before += norm_squared(w) + &b * &b;
        after += norm_squared(&new_w) + &new_b * &new_b;
        hidden_gradient += norm_squared(&gradient.hidden) + &gradient.bias * &gradient.bias;
        output_gradient += &gradient.output;
    }
    let new_v = v - eta * &output_gradient;
    (after - &new_v * &new_v)
        - (before - v * v + eta * eta * (hidden_gradient - &output_gradient * &output_gradient))
}

/// The training data of a simulation as rationals: patch 1 is ŷ_i‖μ‖e₁, patch 2 is ξ_i,
/// and ℓ′_i = −(the f64 loss weights), exactly.
pub fn rational_data(data: &Dataset, loss_weights: &[f64]) -> Result<RationalData, Error> {
    let dimension = data.dimension();
    let exact = |value: f64| {
        BigRational::from_float(value)
            .ok_or_else(|| Error::Numerical(format!("non-finite {value}")))
    };
    let signal = exact(data.signal_norm)?;
    let mut patches = Vec::with_capacity(data.samples());
    for i in 0..data.samples() {
        let mut first = vec![BigRational::zero(); dimension];
        first[0] = &signal * BigRational::from_integer((data.clean_labels[i] as i64).into());
        let second = data
            .noise_columns
            .column(i)
            .iter()
            .map(|&value| exact(value))
            .collect::<Result<Vec<_>, _>>()?;
        patches.push([first, second]);
    }
    Ok(RationalData {
        patches,
        labels: data.labels.iter().map(|&y| y as i64).collect(),
        loss_derivatives: loss_weights
            .iter()
            .map(|&weight| exact(-weight))
            .collect::<Result<_, _>>()?,
    })
}

/// A random rational instance for CNN-1: n ≤ `samples`, d ≤ `dimension`, m ≤ `filters`,
/// small rational entries, ℓ′ stand-ins in (−1, 0), and at least one activation made
/// exactly zero by solving for the last coordinate of a patch.
pub fn random_instance(
    stream: &mut ChaCha12Rng,
    samples: usize,
    dimension: usize,
    filters: usize,
    with_bias: bool,
    inverse_filters: bool,
) -> (RationalNetwork, RationalData) {
    let n = stream.random_range(1..=samples.max(1));
    let d = stream.random_range(2..=dimension.max(2));
    let m = stream.random_range(1..=filters.max(1));
    let small =
        |stream: &mut ChaCha12Rng| ratio(stream.random_range(-9..=9), stream.random_range(1..=8));
    let mut hidden: Vec<Vec<BigRational>> = (0..2 * m)
        .map(|_| (0..d).map(|_| small(stream)).collect())
        .collect();
    for row in hidden.iter_mut() {
        if row[d - 1].is_zero() {
            row[d - 1] = ratio(1, 3);
        }
    }
    let bias = with_bias.then(|| (0..2 * m).map(|_| small(stream)).collect::<Vec<_>>());
    let output = (0..2 * m).map(|_| small(stream)).collect();
    let mut patches: Vec<[Vec<BigRational>; 2]> = (0..n)
        .map(|_| {
            [
                (0..d).map(|_| small(stream)).collect(),
                (0..d).map(|_| small(stream)).collect(),
            ]
        })
        .collect();
    let network = RationalNetwork {
        hidden,
        bias,
        output,
        kappa: if inverse_filters {
            ratio(1, m as i64)
        } else {
            ratio(1, 1)
        },
        filters_per_class: m,
    };
    // Force ⟨w_r, x⟩ + b_r = 0 for one (neuron, sample, patch).
    let neuron = stream.random_range(0..2 * m);
    let sample = stream.random_range(0..n);
    let which = stream.random_range(0..2);
    let patch = &mut patches[sample][which];
    patch[d - 1] = BigRational::zero();
    let partial = network.activation(neuron, patch);
    patch[d - 1] = -partial / &network.hidden[neuron][d - 1];
    let labels = (0..n)
        .map(|_| if stream.random_bool(0.5) { 1 } else { -1 })
        .collect();
    let loss_derivatives = (0..n)
        .map(|_| ratio(-stream.random_range(1..=99), 100))
        .collect();
    (
        network,
        RationalData {
            patches,
            labels,
            loss_derivatives,
        },
    )
}

/// Whether some activation of the instance is exactly zero.
pub fn has_zero_activation(network: &RationalNetwork, data: &RationalData) -> bool {
    (0..network.output.len()).any(|r| {
        data.patches.iter().any(|patches| {
            patches
                .iter()
                .any(|patch| network.activation(r, patch).is_zero())
        })
    })
}

/// Outcome of the exact multi-step check of the §5 decomposition on a small instance.
#[derive(Clone, Debug)]
pub struct DecompositionCheck {
    /// W_T equals W₀ + jγμ/‖μ‖² + Σ_i ρ_i ξ_i/‖ξ_i‖² exactly, every neuron.
    pub rebuilt: bool,
    /// A Gram solve on Δw recovers (γ, ρ) exactly, every neuron.
    pub recovered: bool,
    /// Steps taken.
    pub steps: usize,
}

/// Runs `steps` exact simultaneous GD steps on a small projected-noise instance (ℓ′ from
/// the f64 logistic at the exact margins, rationalized), tracking γ and ρ by the
/// recursions of §5, then rebuilds W and recovers the coefficients by an exact Gram solve.
pub fn exact_decomposition(
    stream: &mut ChaCha12Rng,
    steps: usize,
    project: bool,
) -> DecompositionCheck {
    let (n, d, m) = (4, 8, 2);
    let signal_norm = ratio(3, 2);
    let small =
        |stream: &mut ChaCha12Rng| ratio(stream.random_range(-9..=9), stream.random_range(1..=8));
    let clean: Vec<i64> = (0..n).map(|i| if i % 2 == 0 { 1 } else { -1 }).collect();
    let labels: Vec<i64> = clean
        .iter()
        .enumerate()
        .map(|(i, &c)| if i == 3 { -c } else { c })
        .collect();
    let noise: Vec<Vec<BigRational>> = (0..n)
        .map(|_| {
            (0..d)
                .map(|k| {
                    if project && k == 0 {
                        BigRational::zero()
                    } else {
                        small(stream)
                    }
                })
                .collect()
        })
        .collect();
    let patches = (0..n)
        .map(|i| {
            let mut first = vec![BigRational::zero(); d];
            first[0] = &signal_norm * BigRational::from_integer(clean[i].into());
            [first, noise[i].clone()]
        })
        .collect();
    let mut network = RationalNetwork {
        hidden: (0..2 * m)
            .map(|_| {
                (0..d)
                    .map(|_| small(stream) / BigRational::from_integer(10.into()))
                    .collect()
            })
            .collect(),
        bias: None,
        output: vec![ratio(1, 2); 2 * m],
        kappa: ratio(1, 1),
        filters_per_class: m,
    };
    let initial = network.hidden.clone();
    let mut data = RationalData {
        patches,
        labels: labels.clone(),
        loss_derivatives: vec![BigRational::zero(); n],
    };
    let eta = ratio(1, 4);
    let signal_squared = &signal_norm * &signal_norm;
    let noise_squared: Vec<BigRational> = noise.iter().map(|xi| norm_squared(xi)).collect();
    let mut gamma = vec![BigRational::zero(); 2 * m];
    let mut rho = vec![vec![BigRational::zero(); n]; 2 * m];
    for _ in 0..steps {
        let outputs = network.outputs(&data);
        data.loss_derivatives = outputs
            .iter()
            .zip(&labels)
            .map(|(f, &y)| {
                let margin = to_f64(f) * y as f64;
                BigRational::from_float(-logistic_weight(margin)).expect("finite")
            })
            .collect();
        let mut updates = Vec::with_capacity(2 * m);
        for r in 0..2 * m {
            let gradient = network.gradient(&data, r);
            // Recursions of §5 with the step-t activations.
            let v = network.output[r].clone();
            let scale = &eta * &network.kappa / BigRational::from_integer(n.into()) * &v;
            let sign = network.class_sign(r);
            for i in 0..n {
                let lp = &data.loss_derivatives[i];
                let y = BigRational::from_integer(labels[i].into());
                let yhat = BigRational::from_integer(clean[i].into());
                if network.activation(r, &data.patches[i][0]).is_positive() {
                    gamma[r] -= &scale * lp * &y * &yhat * &signal_squared;
                }
                if network.activation(r, &data.patches[i][1]).is_positive() {
                    rho[r][i] -= &scale
                        * lp
                        * BigRational::from_integer(sign.into())
                        * &y
                        * &noise_squared[i];
                }
            }
            updates.push(gradient);
        }
        for (r, gradient) in updates.into_iter().enumerate() {
            for (weight, g) in network.hidden[r].iter_mut().zip(&gradient.hidden) {
                *weight -= &eta * g;
            }
            network.output[r] -= &eta * &gradient.output;
        }
    }
    let mut rebuilt = true;
    let mut recovered = true;
    // Gram system in the basis (μ/‖μ‖², ξ_i/‖ξ_i‖²).
    let mut basis: Vec<Vec<BigRational>> = Vec::with_capacity(n + 1);
    let mut mu = vec![BigRational::zero(); d];
    mu[0] = signal_norm.clone();
    basis.push(mu.iter().map(|x| x / &signal_squared).collect());
    for (xi, squared) in noise.iter().zip(&noise_squared) {
        basis.push(xi.iter().map(|x| x / squared).collect());
    }
    let gram: Vec<Vec<BigRational>> = basis
        .iter()
        .map(|left| basis.iter().map(|right| dot(left, right)).collect())
        .collect();
    for r in 0..2 * m {
        let sign = BigRational::from_integer(network.class_sign(r).into());
        let mut coefficients = vec![&sign * &gamma[r]];
        coefficients.extend(rho[r].iter().cloned());
        let rebuilt_row: Vec<BigRational> = (0..d)
            .map(|k| {
                &initial[r][k]
                    + coefficients
                        .iter()
                        .zip(&basis)
                        .map(|(c, vector)| c * &vector[k])
                        .fold(BigRational::zero(), |a, b| a + b)
            })
            .collect();
        rebuilt &= rebuilt_row == network.hidden[r];
        let shift: Vec<BigRational> = network.hidden[r]
            .iter()
            .zip(&initial[r])
            .map(|(a, b)| a - b)
            .collect();
        let right: Vec<BigRational> = basis.iter().map(|vector| dot(vector, &shift)).collect();
        recovered &= solve(&gram, &right).is_some_and(|solution| solution == coefficients);
    }
    DecompositionCheck {
        rebuilt,
        recovered,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::random_stream;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn every_exact_step_identity_holds(seed in 0u64..1_000_000, bias in any::<bool>(), inverse in any::<bool>()) {
            let mut stream = random_stream(&["exact-steps"], seed);
            let (network, data) = random_instance(&mut stream, 6, 10, 3, bias, inverse);
            prop_assert!(has_zero_activation(&network, &data));
            for r in 0..network.output.len() {
                for residual in step_residuals(&network, &data, r, &ratio(1, 7)) {
                    prop_assert!(residual.is_zero());
                }
            }
        }
    }

    #[test]
    fn the_decomposition_is_exact_for_both_noise_laws() {
        for project in [true, false] {
            let check = exact_decomposition(&mut random_stream(&["decomposition"], 3), 3, project);
            assert!(check.rebuilt && check.recovered, "{check:?}");
        }
    }
}
