//! The signal–noise patch data (spec §2) and the network's initialization (§3).
//!
//! The signal is μ = ‖μ‖e₁, so the signal patch of sample i is ŷ_i‖μ‖e₁ and its
//! activations only read the first coordinate of each filter. Noise patches are stored
//! twice, as rows (n × d) and as columns (d × n), so that both matrix products of a
//! gradient step read contiguous memory.

use nalgebra::DMatrix;
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};

use super::setting::{HiddenInitLaw, NoiseLaw, OutputInitLaw, OutputLayer, Setting};

/// A training set of n two-patch samples.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// ‖μ‖.
    pub signal_norm: f64,
    /// Clean labels ŷ_i ∈ {±1}.
    pub clean_labels: Vec<f64>,
    /// Observed labels y_i ∈ {±1}.
    pub labels: Vec<f64>,
    /// Noise patches as rows, n × d.
    pub noise_rows: DMatrix<f64>,
    /// Noise patches as columns, d × n.
    pub noise_columns: DMatrix<f64>,
}

impl Dataset {
    /// Draws n samples: fair clean labels, flips with probability p, noise of the
    /// setting's law.
    pub fn draw(setting: &Setting, stream: &mut ChaCha12Rng) -> Dataset {
        let (samples, dimension) = (setting.samples, setting.dimension);
        let mut clean_labels = Vec::with_capacity(samples);
        let mut labels = Vec::with_capacity(samples);
        for _ in 0..samples {
            let clean = if stream.random_bool(0.5) { 1.0 } else { -1.0 };
            let flipped = stream.random_bool(setting.flip_rate);
            clean_labels.push(clean);
            labels.push(if flipped { -clean } else { clean });
        }
        let mut noise_columns = DMatrix::zeros(dimension, samples);
        let block = (dimension - 1) / samples.max(1);
        for i in 0..samples {
            let column = noise_columns.column_mut(i);
            let (start, end) = match setting.noise {
                NoiseLaw::Iid => (0, dimension),
                // Projection off μ = ‖μ‖e₁ zeroes the first coordinate exactly.
                NoiseLaw::Projected => (1, dimension),
                NoiseLaw::Blocks => (1 + i * block, 1 + (i + 1) * block),
            };
            let mut column = column;
            for k in start..end {
                let draw: f64 = StandardNormal.sample(stream);
                column[k] = setting.noise_std * draw;
            }
        }
        Dataset {
            signal_norm: setting.signal_norm,
            clean_labels,
            labels,
            noise_rows: noise_columns.transpose(),
            noise_columns,
        }
    }

    /// n.
    pub fn samples(&self) -> usize {
        self.labels.len()
    }

    /// d.
    pub fn dimension(&self) -> usize {
        self.noise_columns.nrows()
    }

    /// ‖ξ_i‖² for every sample.
    pub fn noise_norms_squared(&self) -> Vec<f64> {
        self.noise_columns
            .column_iter()
            .map(|column| column.norm_squared())
            .collect()
    }
}

/// The network's parameters: filters as the columns of a d × 2m matrix (class +1 first,
/// then class −1), biases, output weights (one per neuron; per-class sharing keeps the m
/// entries of a class equal) and κ.
#[derive(Clone, Debug)]
pub struct Network {
    /// w_{j,r} as columns, d × 2m.
    pub hidden: DMatrix<f64>,
    /// b_{j,r} (all zero and never updated without bias).
    pub bias: Vec<f64>,
    /// v_{j,r}.
    pub output: Vec<f64>,
    /// κ.
    pub kappa: f64,
    /// m.
    pub filters_per_class: usize,
}

impl Network {
    /// j for neuron r: +1 for the first m filters, −1 for the rest.
    pub fn class_sign(&self, neuron: usize) -> f64 {
        if neuron < self.filters_per_class {
            1.0
        } else {
            -1.0
        }
    }

    /// 2m.
    pub fn neurons(&self) -> usize {
        self.output.len()
    }

    /// Draws W⁽⁰⁾, b⁽⁰⁾ and v⁽⁰⁾ for a setting.
    pub fn initialize(setting: &Setting, stream: &mut ChaCha12Rng) -> Network {
        let neurons = setting.neurons();
        let dimension = setting.dimension;
        let half_width = 1.0 / (dimension as f64).sqrt();
        let draw = |stream: &mut ChaCha12Rng| -> f64 {
            match setting.hidden_init_law {
                HiddenInitLaw::Gaussian => {
                    let value: f64 = StandardNormal.sample(stream);
                    setting.hidden_init_std * value
                }
                HiddenInitLaw::Uniform => stream.random_range(-half_width..half_width),
            }
        };
        let mut hidden = DMatrix::zeros(dimension, neurons);
        for value in hidden.iter_mut() {
            *value = draw(stream);
        }
        let bias = (0..neurons)
            .map(|_| if setting.bias { draw(stream) } else { 0.0 })
            .collect();
        // Unit-scale draws times v₀, so that runs differing only in v₀ share signs.
        let unit: Vec<f64> = (0..neurons)
            .map(|_| match setting.output_init_law {
                OutputInitLaw::Constant => 1.0,
                OutputInitLaw::Gaussian => StandardNormal.sample(stream),
                OutputInitLaw::RandomSign => {
                    if stream.random_bool(0.5) {
                        1.0
                    } else {
                        -1.0
                    }
                }
            })
            .collect();
        let m = setting.filters_per_class;
        let output = (0..neurons)
            .map(|r| match setting.output_layer {
                OutputLayer::Fixed => setting.fixed_output_weight / setting.kappa(),
                OutputLayer::Trainable => {
                    let source = match setting.output_sharing {
                        super::setting::OutputSharing::PerNeuron => r,
                        super::setting::OutputSharing::PerClass => (r / m) * m,
                    };
                    setting.output_init * unit[source]
                }
            })
            .collect();
        Network {
            hidden,
            bias,
            output,
            kappa: setting.kappa(),
            filters_per_class: m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::random_stream;
    use crate::theorems::cnn_benign::tests::small_setting;

    #[test]
    fn projected_noise_is_orthogonal_to_the_signal_and_blocks_to_each_other() {
        let mut setting = small_setting();
        let data = Dataset::draw(&setting, &mut random_stream(&["test"], 0));
        assert!(data.noise_columns.row(0).iter().all(|&value| value == 0.0));
        setting.noise = NoiseLaw::Blocks;
        let blocks = Dataset::draw(&setting, &mut random_stream(&["test"], 0));
        let gram = blocks.noise_rows.clone() * blocks.noise_columns.clone();
        for i in 0..setting.samples {
            for k in 0..setting.samples {
                assert_eq!(gram[(i, k)] == 0.0, i != k);
            }
        }
    }

    #[test]
    fn shared_outputs_are_equal_within_a_class() {
        let mut setting = small_setting();
        setting.output_init_law = OutputInitLaw::Gaussian;
        setting.output_sharing = super::super::setting::OutputSharing::PerClass;
        let network = Network::initialize(&setting, &mut random_stream(&["test"], 1));
        let m = setting.filters_per_class;
        assert!(network.output[..m].iter().all(|&v| v == network.output[0]));
        assert!(network.output[m..].iter().all(|&v| v == network.output[m]));
    }
}
