//! The log-linear bandit and its policy-gradient quantities in exact arithmetic.
//!
//! The state is the policy π itself, a rational probability vector. Every quantity of
//! E2–E8 is rational in (π, r, φ), so it is computed here without rounding. The
//! derivative identities (E3–E8) are checked against dual numbers: a perturbation
//! θ + εδ changes the logits by εFδ, and exp of a dual logit is exact when the real
//! part's exponential is known, since exp(ℓ + εa) = e^ℓ (1 + εa) and e^ℓ ∝ π.

use num_rational::BigRational;
use num_traits::{One, Zero};

use crate::exact::{dot, sum};

/// An exact bandit: features (one row per output), ground-truth and proxy rewards.
#[derive(Clone, Debug)]
pub struct ExactBandit {
    /// Rows φ(y) ∈ Q^d, one per output.
    pub features: Vec<Vec<BigRational>>,
    /// r_G.
    pub ground_truth: Vec<BigRational>,
    /// r_P.
    pub proxy: Vec<BigRational>,
}

/// A reward function of the bandit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reward {
    /// The ground truth r_G.
    GroundTruth,
    /// The proxy r_P.
    Proxy,
}

/// The identity matrix as tabular features.
pub fn tabular_features(outputs: usize) -> Vec<Vec<BigRational>> {
    (0..outputs)
        .map(|row| {
            (0..outputs)
                .map(|column| {
                    if row == column {
                        BigRational::one()
                    } else {
                        BigRational::zero()
                    }
                })
                .collect()
        })
        .collect()
}

impl ExactBandit {
    /// A tabular bandit (φ(y) = e_y).
    pub fn tabular(ground_truth: Vec<BigRational>, proxy: Vec<BigRational>) -> Self {
        ExactBandit {
            features: tabular_features(ground_truth.len()),
            ground_truth,
            proxy,
        }
    }

    /// Number of outputs n.
    pub fn outputs(&self) -> usize {
        self.features.len()
    }

    /// Feature dimension d.
    pub fn dimension(&self) -> usize {
        self.features.first().map_or(0, Vec::len)
    }

    /// The rewards of one function.
    pub fn rewards(&self, reward: Reward) -> &[BigRational] {
        match reward {
            Reward::GroundTruth => &self.ground_truth,
            Reward::Proxy => &self.proxy,
        }
    }

    /// (E2) V_R = Σ_y π(y) r_R(y).
    pub fn value(&self, policy: &[BigRational], reward: Reward) -> BigRational {
        dot(policy, self.rewards(reward))
    }

    /// (E2) A_R(y) = r_R(y) − V_R.
    pub fn advantages(&self, policy: &[BigRational], reward: Reward) -> Vec<BigRational> {
        let value = self.value(policy, reward);
        self.rewards(reward).iter().map(|r| r - &value).collect()
    }

    /// (E4) ∇V_R = Fᵀ(π ⊙ A_R).
    pub fn gradient(&self, policy: &[BigRational], reward: Reward) -> Vec<BigRational> {
        let weights: Vec<BigRational> = policy
            .iter()
            .zip(self.advantages(policy, reward))
            .map(|(p, a)| p * a)
            .collect();
        (0..self.dimension())
            .map(|k| {
                self.features
                    .iter()
                    .zip(&weights)
                    .fold(BigRational::zero(), |total, (row, w)| total + &row[k] * w)
            })
            .collect()
    }

    /// ⟨φ(y), φ(z)⟩.
    pub fn gram(&self, y: usize, z: usize) -> BigRational {
        dot(&self.features[y], &self.features[z])
    }

    /// (E5) logit velocity, vector form: d(Fθ)/dt = F ∇V_R.
    pub fn logit_velocity(&self, policy: &[BigRational], reward: Reward) -> Vec<BigRational> {
        let gradient = self.gradient(policy, reward);
        self.features
            .iter()
            .map(|row| dot(row, &gradient))
            .collect()
    }

    /// (E5) logit velocity, sum form: π(y)A(y)‖φ(y)‖² + Σ_{z≠y} π(z)A(z)⟨φ(z), φ(y)⟩.
    pub fn logit_velocity_by_sum(
        &self,
        policy: &[BigRational],
        reward: Reward,
    ) -> Vec<BigRational> {
        let advantages = self.advantages(policy, reward);
        (0..self.outputs())
            .map(|y| {
                let own = &policy[y] * &advantages[y] * self.gram(y, y);
                (0..self.outputs())
                    .filter(|&z| z != y)
                    .fold(own, |total, z| {
                        total + &policy[z] * &advantages[z] * self.gram(z, y)
                    })
            })
            .collect()
    }

    /// (E6) d ln π(y)/dt = ℓ̇(y) − Σ_z π(z) ℓ̇(z).
    pub fn log_probability_velocity(
        &self,
        policy: &[BigRational],
        reward: Reward,
    ) -> Vec<BigRational> {
        let velocity = self.logit_velocity(policy, reward);
        let mean = dot(policy, &velocity);
        velocity.iter().map(|v| v - &mean).collect()
    }

    /// (E6) dπ(y)/dt = π(y) · d ln π(y)/dt.
    pub fn probability_velocity(&self, policy: &[BigRational], reward: Reward) -> Vec<BigRational> {
        policy
            .iter()
            .zip(self.log_probability_velocity(policy, reward))
            .map(|(p, v)| p * v)
            .collect()
    }

    /// (E7) dV_P/dt = ‖∇V_P‖².
    pub fn proxy_rate(&self, policy: &[BigRational]) -> BigRational {
        let gradient = self.gradient(policy, Reward::Proxy);
        dot(&gradient, &gradient)
    }

    /// (E8) dV_G/dt = Σ_{y,z} π(y)π(z) A_G(y) A_P(z) ⟨φ(y), φ(z)⟩ when training on r_P.
    pub fn ground_truth_rate(&self, policy: &[BigRational]) -> BigRational {
        let truth = self.advantages(policy, Reward::GroundTruth);
        let proxy = self.advantages(policy, Reward::Proxy);
        let mut total = BigRational::zero();
        for y in 0..self.outputs() {
            for z in 0..self.outputs() {
                total += &policy[y] * &policy[z] * &truth[y] * &proxy[z] * self.gram(y, z);
            }
        }
        total
    }

    /// (E8) tabular form Σ_y π(y)² A_G(y) A_P(y) (valid for φ(y) = e_y only).
    pub fn ground_truth_rate_tabular(&self, policy: &[BigRational]) -> BigRational {
        let truth = self.advantages(policy, Reward::GroundTruth);
        let proxy = self.advantages(policy, Reward::Proxy);
        (0..self.outputs()).fold(BigRational::zero(), |total, y| {
            total + &policy[y] * &policy[y] * &truth[y] * &proxy[y]
        })
    }

    /// The same bandit with r_G and r_P exchanged.
    pub fn swapped(&self) -> Self {
        ExactBandit {
            features: self.features.clone(),
            ground_truth: self.proxy.clone(),
            proxy: self.ground_truth.clone(),
        }
    }
}

/// A dual number a + bε with ε² = 0, over the rationals.
#[derive(Clone, Debug, PartialEq)]
pub struct Dual {
    /// Real part.
    pub real: BigRational,
    /// Infinitesimal part: the derivative.
    pub derivative: BigRational,
}

impl Dual {
    fn mul(&self, other: &Dual) -> Dual {
        Dual {
            real: &self.real * &other.real,
            derivative: &self.real * &other.derivative + &self.derivative * &other.real,
        }
    }

    fn div(&self, other: &Dual) -> Dual {
        let real = &self.real / &other.real;
        let derivative = (&self.derivative - &real * &other.derivative) / &other.real;
        Dual { real, derivative }
    }
}

/// softmax(ℓ + εFδ) as duals, where the real logits have softmax π: the unnormalized
/// weights are π(y)(1 + ε⟨φ(y), δ⟩).
pub fn dual_softmax(
    features: &[Vec<BigRational>],
    policy: &[BigRational],
    direction: &[BigRational],
) -> Vec<Dual> {
    let weights: Vec<Dual> = features
        .iter()
        .zip(policy)
        .map(|(row, p)| Dual {
            real: p.clone(),
            derivative: p * dot(row, direction),
        })
        .collect();
    let total = Dual {
        real: sum(&weights.iter().map(|w| w.real.clone()).collect::<Vec<_>>()),
        derivative: sum(&weights
            .iter()
            .map(|w| w.derivative.clone())
            .collect::<Vec<_>>()),
    };
    weights.iter().map(|w| w.div(&total)).collect()
}

/// d/dε V_R(θ + εδ) at ε = 0, by dual numbers.
pub fn dual_value_derivative(
    bandit: &ExactBandit,
    policy: &[BigRational],
    reward: Reward,
    direction: &[BigRational],
) -> BigRational {
    let probabilities = dual_softmax(&bandit.features, policy, direction);
    let rewards = bandit.rewards(reward);
    probabilities
        .iter()
        .zip(rewards)
        .map(|(p, r)| {
            p.mul(&Dual {
                real: r.clone(),
                derivative: BigRational::zero(),
            })
            .derivative
        })
        .fold(BigRational::zero(), |total, term| total + term)
}

/// The gradient of V_R by dual numbers, one coordinate direction at a time.
pub fn dual_gradient(
    bandit: &ExactBandit,
    policy: &[BigRational],
    reward: Reward,
) -> Vec<BigRational> {
    (0..bandit.dimension())
        .map(|k| {
            let direction: Vec<BigRational> = (0..bandit.dimension())
                .map(|j| {
                    if j == k {
                        BigRational::one()
                    } else {
                        BigRational::zero()
                    }
                })
                .collect();
            dual_value_derivative(bandit, policy, reward, &direction)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    fn reference_instance() -> (ExactBandit, Vec<BigRational>) {
        let bandit = ExactBandit::tabular(
            vec![
                ratio(1, 1),
                ratio(4, 5),
                ratio(-1, 1),
                ratio(-1, 1),
                ratio(-1, 1),
            ],
            vec![
                ratio(1, 1),
                ratio(-1, 1),
                ratio(-1, 1),
                ratio(-1, 1),
                ratio(-1, 1),
            ],
        );
        let policy = vec![
            ratio(1, 20),
            ratio(1, 2),
            ratio(3, 20),
            ratio(3, 20),
            ratio(3, 20),
        ];
        (bandit, policy)
    }

    #[test]
    fn reference_values_at_t0() {
        let (bandit, policy) = reference_instance();
        assert_eq!(bandit.value(&policy, Reward::GroundTruth), ratio(0, 1));
        assert_eq!(bandit.value(&policy, Reward::Proxy), ratio(-9, 10));
        assert_eq!(bandit.ground_truth_rate(&policy), ratio(-17, 2000));
        assert_eq!(bandit.ground_truth_rate_tabular(&policy), ratio(-17, 2000));
    }

    #[test]
    fn dual_gradient_equals_closed_form() {
        let (bandit, policy) = reference_instance();
        for reward in [Reward::GroundTruth, Reward::Proxy] {
            assert_eq!(
                dual_gradient(&bandit, &policy, reward),
                bandit.gradient(&policy, reward)
            );
        }
    }
}
