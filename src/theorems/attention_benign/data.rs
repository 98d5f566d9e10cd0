//! The data model of spec §2 in the two coordinate systems of the simulators, and fresh
//! test draws.
//!
//! Coordinates: 0 carries μ₊ = ρe₀, 1 carries μ₋ = ρe₁, and the noise lives on the
//! coordinates from 2 on. In SIM-D (explicit) a noise token has d − 2 independent N(0, 1)
//! coordinates, which is N(0, I − μ₊μ₊ᵀ/ρ² − μ₋μ₋ᵀ/ρ²) exactly. In SIM-G the m = n(T − 1)
//! training noise tokens are the rows of a Bartlett factor L of their Wishart Gram matrix
//! (L_jj² ~ χ²_{d−2−j}, L_jk ~ N(0, 1) below the diagonal), written in the orthonormal
//! basis their Gram–Schmidt process builds; the instance has D = m + 2 coordinates. A
//! fresh test noise token has N(0, I_m) coordinates on that basis; its component outside
//! the span never meets p or v, which stay in the span, so it is not drawn. SIM-D draws a
//! test token's two projections directly ([`TestSampler`]).
//!
//! Every training datum is rounded to the grid of [`GRID`](super::setting::GRID), so the
//! exact and certified tiers read the very numbers the f64 simulators use.

use nalgebra::DMatrix;
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};

use super::setting::{ClassCounts, FlipMode, Setting, SignalPosition, Simulator, on_grid};
use crate::error::Error;
use crate::suite::random_stream;

/// Sample counts of one clean class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassTally {
    /// n_c.
    pub size: usize,
    /// n_c^cl.
    pub clean: usize,
    /// n_c^fl.
    pub flipped: usize,
}

impl ClassTally {
    /// D_c = n_c^cl − n_c^fl.
    pub fn agreement(&self) -> i64 {
        self.clean as i64 - self.flipped as i64
    }
}

/// The index of a class in per-class arrays: 0 for +1, 1 for −1.
pub fn class_index(label: i8) -> usize {
    usize::from(label < 0)
}

/// The class label of a per-class index.
pub fn class_label(index: usize) -> i8 {
    if index == 0 { 1 } else { -1 }
}

/// A training set in one simulator's coordinates.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Which simulator's coordinates these are.
    pub simulator: Simulator,
    /// n.
    pub samples: usize,
    /// T.
    pub tokens: usize,
    /// D: d for SIM-D, m + 2 for SIM-G.
    pub coordinates: usize,
    /// d, the ambient dimension.
    pub dimension: usize,
    /// ρ.
    pub signal_norm: f64,
    /// Tokens, sample-major then slot then coordinate: n·T·D values.
    pub inputs: Vec<f64>,
    /// Clean labels ỹ_i.
    pub clean_labels: Vec<i8>,
    /// Observed labels y_i.
    pub labels: Vec<i8>,
    /// The slot of each input's signal token.
    pub signal_slots: Vec<usize>,
}

impl Dataset {
    /// Token t of input i.
    pub fn token(&self, sample: usize, slot: usize) -> &[f64] {
        let start = (sample * self.tokens + slot) * self.coordinates;
        &self.inputs[start..start + self.coordinates]
    }

    /// Whether sample i's label was flipped (ε_i = −1).
    pub fn flipped(&self, sample: usize) -> bool {
        self.labels[sample] != self.clean_labels[sample]
    }

    /// The noise slots of input i, in order.
    pub fn noise_slots(&self, sample: usize) -> impl Iterator<Item = usize> + '_ {
        let signal = self.signal_slots[sample];
        (0..self.tokens).filter(move |slot| *slot != signal)
    }

    /// Per-class counts, index 0 for class +1 and 1 for class −1.
    pub fn class_tallies(&self) -> [ClassTally; 2] {
        let mut tallies = [ClassTally::default(); 2];
        for sample in 0..self.samples {
            let tally = &mut tallies[class_index(self.clean_labels[sample])];
            tally.size += 1;
            if self.flipped(sample) {
                tally.flipped += 1;
            } else {
                tally.clean += 1;
            }
        }
        tallies
    }

    /// The training noise tokens in order j = i(T − 1) + s, as rows.
    pub fn noise_tokens(&self) -> Vec<&[f64]> {
        (0..self.samples)
            .flat_map(|sample| {
                self.noise_slots(sample)
                    .map(move |slot| self.token(sample, slot))
            })
            .collect()
    }

    /// The same data with the tokens of each input permuted: input i's new slot t holds
    /// old slot `permutations[i][t]`.
    pub fn permuted(&self, permutations: &[Vec<usize>]) -> Dataset {
        let mut permuted = self.clone();
        for sample in 0..self.samples {
            for (new_slot, &old_slot) in permutations[sample].iter().enumerate() {
                let start = (sample * self.tokens + new_slot) * self.coordinates;
                permuted.inputs[start..start + self.coordinates]
                    .copy_from_slice(self.token(sample, old_slot));
                if old_slot == self.signal_slots[sample] {
                    permuted.signal_slots[sample] = new_slot;
                }
            }
        }
        permuted
    }
}

/// The training stream of a setting, seed and simulator.
fn training_stream(setting: &Setting, simulator: Simulator, seed: u64) -> ChaCha12Rng {
    random_stream(
        &["attention-benign", &setting.data_key(simulator), "train"],
        seed,
    )
}

/// The test stream of a setting, seed and simulator. Unlike the training data it also
/// depends on ρ, so that cases at different κ draw independent test sets.
pub fn test_stream(setting: &Setting, simulator: Simulator, seed: u64) -> ChaCha12Rng {
    let signal = format!("rho={}", setting.signal_norm);
    random_stream(
        &[
            "attention-benign",
            &setting.data_key(simulator),
            &signal,
            "test",
        ],
        seed,
    )
}

fn standard_normal(stream: &mut ChaCha12Rng) -> f64 {
    StandardNormal.sample(stream)
}

/// Draws the labels, flips and signal slots of n samples.
fn draw_labels(setting: &Setting, stream: &mut ChaCha12Rng) -> (Vec<i8>, Vec<i8>, Vec<usize>) {
    let samples = setting.samples;
    let clean_labels: Vec<i8> = match setting.class_counts {
        ClassCounts::Balanced => (0..samples)
            .map(|sample| if sample < samples / 2 { 1 } else { -1 })
            .collect(),
        ClassCounts::Independent => (0..samples)
            .map(|_| if stream.random_bool(0.5) { 1 } else { -1 })
            .collect(),
    };
    let mut labels = clean_labels.clone();
    match setting.flip_mode {
        FlipMode::Exact => {
            let per_class = setting.flips_per_class().unwrap_or(0);
            for class in [1i8, -1] {
                let mut members: Vec<usize> = (0..samples)
                    .filter(|&sample| clean_labels[sample] == class)
                    .collect();
                // A partial Fisher–Yates shuffle picks the flipped members uniformly.
                let count = per_class.min(members.len());
                for position in 0..count {
                    let pick = stream.random_range(position..members.len());
                    members.swap(position, pick);
                    labels[members[position]] = -class;
                }
            }
        }
        FlipMode::Bernoulli => {
            let rate = setting.flip_rate_f64();
            for label in labels.iter_mut() {
                if stream.random_bool(rate) {
                    *label = -*label;
                }
            }
        }
    }
    let signal_slots = (0..samples)
        .map(|_| match setting.signal_position {
            SignalPosition::First => 0,
            SignalPosition::Random => stream.random_range(0..setting.tokens),
        })
        .collect();
    (clean_labels, labels, signal_slots)
}

/// Draws a training set of `setting` in the coordinates of `simulator` for one seed.
///
/// # Errors
/// [`Error::Numerical`] when a χ² law cannot be built (d − 2 − j ≤ 0).
pub fn draw(setting: &Setting, simulator: Simulator, seed: u64) -> Result<Dataset, Error> {
    let mut stream = training_stream(setting, simulator, seed);
    let (clean_labels, labels, signal_slots) = draw_labels(setting, &mut stream);
    let noise_count = setting.noise_tokens();
    let coordinates = match simulator {
        Simulator::Explicit => setting.dimension,
        Simulator::Gram => noise_count + 2,
    };
    let mut noise = vec![0.0; noise_count * coordinates];
    match simulator {
        Simulator::Explicit => {
            for value in noise
                .chunks_mut(coordinates)
                .flat_map(|row| row[2..].iter_mut())
            {
                *value = on_grid(standard_normal(&mut stream));
            }
        }
        Simulator::Gram => {
            for (row_index, row) in noise.chunks_mut(coordinates).enumerate() {
                for value in &mut row[2..2 + row_index] {
                    *value = on_grid(standard_normal(&mut stream));
                }
                let freedom = (setting.dimension - 2 - row_index) as f64;
                let chi_squared = ChiSquared::new(freedom).map_err(|error| {
                    Error::Numerical(format!("χ² with {freedom} degrees of freedom: {error}"))
                })?;
                let draw: f64 = chi_squared.sample(&mut stream);
                row[2 + row_index] = on_grid(draw.sqrt());
            }
        }
    }
    let layout = Layout {
        samples: setting.samples,
        tokens: setting.tokens,
        dimension: setting.dimension,
        signal_norm: setting.signal_norm,
    };
    Ok(assemble(
        &layout,
        simulator,
        coordinates,
        &noise,
        clean_labels,
        labels,
        signal_slots,
    ))
}

/// The sizes and signal norm of a training set.
struct Layout {
    samples: usize,
    tokens: usize,
    dimension: usize,
    signal_norm: f64,
}

/// Places signal tokens and the given noise rows (in order j = i(T − 1) + s) into inputs.
fn assemble(
    setting: &Layout,
    simulator: Simulator,
    coordinates: usize,
    noise: &[f64],
    clean_labels: Vec<i8>,
    labels: Vec<i8>,
    signal_slots: Vec<usize>,
) -> Dataset {
    let tokens = setting.tokens;
    let mut inputs = vec![0.0; setting.samples * tokens * coordinates];
    let mut next_noise = 0;
    for sample in 0..setting.samples {
        for slot in 0..tokens {
            let start = (sample * tokens + slot) * coordinates;
            let token = &mut inputs[start..start + coordinates];
            if slot == signal_slots[sample] {
                token[class_index(clean_labels[sample])] = setting.signal_norm;
            } else {
                token.copy_from_slice(
                    &noise[next_noise * coordinates..(next_noise + 1) * coordinates],
                );
                next_noise += 1;
            }
        }
    }
    Dataset {
        simulator,
        samples: setting.samples,
        tokens,
        coordinates,
        dimension: setting.dimension,
        signal_norm: setting.signal_norm,
        inputs,
        clean_labels,
        labels,
        signal_slots,
    }
}

/// SIM-G coordinates of a SIM-D training set: its noise Gram matrix K = LLᵀ, with the
/// rows of the Cholesky factor L as the noise tokens' coordinates.
#[derive(Clone, Debug)]
pub struct GramView {
    /// The training set in SIM-G coordinates (D = m + 2).
    pub dataset: Dataset,
    /// The explicit noise tokens, m × d.
    noise: DMatrix<f64>,
    /// L, lower triangular, m × m.
    factor: DMatrix<f64>,
}

impl GramView {
    /// The Gram view of an explicit training set.
    ///
    /// # Errors
    /// [`Error::Numerical`] when the noise Gram matrix is not positive definite.
    pub fn of(explicit: &Dataset) -> Result<GramView, Error> {
        let rows = explicit.noise_tokens();
        let noise_count = rows.len();
        let noise = DMatrix::from_fn(noise_count, explicit.coordinates, |row, column| {
            rows[row][column]
        });
        let gram = &noise * noise.transpose();
        let factor = nalgebra::Cholesky::new(gram)
            .ok_or_else(|| {
                Error::Numerical("the noise Gram matrix is not positive definite".into())
            })?
            .l();
        let coordinates = noise_count + 2;
        let mut noise_rows = vec![0.0; noise_count * coordinates];
        for row in 0..noise_count {
            for column in 0..=row {
                noise_rows[row * coordinates + 2 + column] = factor[(row, column)];
            }
        }
        let layout = Layout {
            samples: explicit.samples,
            tokens: explicit.tokens,
            dimension: explicit.dimension,
            signal_norm: explicit.signal_norm,
        };
        let dataset = assemble(
            &layout,
            Simulator::Gram,
            coordinates,
            &noise_rows,
            explicit.clean_labels.clone(),
            explicit.labels.clone(),
            explicit.signal_slots.clone(),
        );
        Ok(GramView {
            dataset,
            noise,
            factor,
        })
    }

    /// The SIM-G coordinates of an explicit token: its signal coordinates, then
    /// L⁻¹Ξx for its part in the training noise span (the rest never meets p or v).
    pub fn coordinates_of(&self, token: &[f64]) -> Vec<f64> {
        let inner = &self.noise * nalgebra::DVector::from_column_slice(token);
        let solved = self
            .factor
            .solve_lower_triangular(&inner)
            .expect("the Cholesky factor has a positive diagonal");
        let mut coordinates = vec![token[0], token[1]];
        coordinates.extend(solved.iter());
        coordinates
    }
}

/// One fresh test input, reduced to what a two-step model reads: the logits ⟨p, x_t⟩ and
/// values ⟨v, x_t⟩ of its tokens.
#[derive(Clone, Debug)]
pub struct TestInput {
    /// ỹ.
    pub clean_label: i8,
    /// y: ỹ flipped with probability η, independently.
    pub label: i8,
    /// The signal token's slot.
    pub signal_slot: usize,
    /// ⟨p, x_t⟩ per slot.
    pub logits: Vec<f64>,
    /// ⟨v, x_t⟩ per slot.
    pub values: Vec<f64>,
}

/// Draws fresh test inputs and reads them through one (p, v).
///
/// The signal token is ρe_c. A noise token meets the model only through the pair
/// (⟨p, ξ⟩, ⟨v, ξ⟩). In SIM-G its coordinates on the training span are drawn, N(0, I_m),
/// as the spec describes. In SIM-D the pair is drawn directly: for ξ ~ N(0, I_{d−2}) on
/// the noise block it is centred Gaussian with covariance Gram(p_noise, v_noise), so the
/// draw is exact in law and costs two normals instead of d − 2.
#[derive(Clone, Debug)]
pub struct TestSampler<'a> {
    dataset: &'a Dataset,
    flip_rate: f64,
    position: SignalPosition,
    attention: &'a [f64],
    value: &'a [f64],
    /// SIM-D: (σ_p, c/σ_p, √(σ_v² − c²/σ_p²)) of the pair's Cholesky factor.
    pair: Option<(f64, f64, f64)>,
}

impl<'a> TestSampler<'a> {
    /// A sampler for (p, v) = (`attention`, `value`) on the data model of `dataset`.
    pub fn new(
        dataset: &'a Dataset,
        flip_rate: f64,
        position: SignalPosition,
        attention: &'a [f64],
        value: &'a [f64],
    ) -> TestSampler<'a> {
        let pair = (dataset.simulator == Simulator::Explicit).then(|| {
            let dot =
                |a: &[f64], b: &[f64]| a[2..].iter().zip(&b[2..]).map(|(x, y)| x * y).sum::<f64>();
            let attention_scale = dot(attention, attention).sqrt();
            let value_squared = dot(value, value);
            if attention_scale > 0.0 {
                let loading = dot(attention, value) / attention_scale;
                (
                    attention_scale,
                    loading,
                    (value_squared - loading * loading).max(0.0).sqrt(),
                )
            } else {
                (0.0, 0.0, value_squared.sqrt())
            }
        });
        TestSampler {
            dataset,
            flip_rate,
            position,
            attention,
            value,
            pair,
        }
    }

    /// One fresh test input.
    pub fn draw(&self, stream: &mut ChaCha12Rng) -> TestInput {
        let dataset = self.dataset;
        let clean_label: i8 = if stream.random_bool(0.5) { 1 } else { -1 };
        let label = if stream.random_bool(self.flip_rate) {
            -clean_label
        } else {
            clean_label
        };
        let signal_slot = match self.position {
            SignalPosition::First => 0,
            SignalPosition::Random => stream.random_range(0..dataset.tokens),
        };
        let coordinate = class_index(clean_label);
        let mut logits = vec![0.0; dataset.tokens];
        let mut values = vec![0.0; dataset.tokens];
        for slot in 0..dataset.tokens {
            if slot == signal_slot {
                logits[slot] = dataset.signal_norm * self.attention[coordinate];
                values[slot] = dataset.signal_norm * self.value[coordinate];
            } else if let Some((scale, loading, rest)) = self.pair {
                let (first, second) = (standard_normal(stream), standard_normal(stream));
                logits[slot] = scale * first;
                values[slot] = loading * first + rest * second;
            } else {
                let (mut logit, mut output) = (0.0, 0.0);
                for k in 2..dataset.coordinates {
                    let draw = standard_normal(stream);
                    logit += self.attention[k] * draw;
                    output += self.value[k] * draw;
                }
                logits[slot] = logit;
                values[slot] = output;
            }
        }
        TestInput {
            clean_label,
            label,
            signal_slot,
            logits,
            values,
        }
    }
}

/// Draws a full explicit test token set (T × d values) for cross-simulator checks.
pub fn draw_explicit_test_tokens(
    dataset: &Dataset,
    clean_label: i8,
    signal_slot: usize,
    stream: &mut ChaCha12Rng,
) -> Vec<f64> {
    let mut tokens = vec![0.0; dataset.tokens * dataset.coordinates];
    for (slot, token) in tokens.chunks_mut(dataset.coordinates).enumerate() {
        if slot == signal_slot {
            token[class_index(clean_label)] = dataset.signal_norm;
        } else {
            for value in &mut token[2..] {
                *value = standard_normal(stream);
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theorems::attention_benign::setting::tests::default_setting;

    #[test]
    fn balanced_exact_draws_have_the_stated_counts() {
        let setting = default_setting();
        let dataset = draw(&setting, Simulator::Gram, 0).unwrap();
        for tally in dataset.class_tallies() {
            assert_eq!(tally.size, 20);
            assert_eq!(tally.flipped, 2);
            assert_eq!(tally.agreement(), 16);
        }
        assert_eq!(dataset.coordinates, 42);
    }

    #[test]
    fn explicit_noise_is_orthogonal_to_both_signals() {
        let mut setting = default_setting();
        setting.samples = 6;
        setting.dimension = 300;
        setting.flip_rate = crate::exact::ratio(1, 3);
        let dataset = draw(&setting, Simulator::Explicit, 1).unwrap();
        for noise in dataset.noise_tokens() {
            assert_eq!((noise[0], noise[1]), (0.0, 0.0));
        }
        for sample in 0..6 {
            let signal = dataset.token(sample, dataset.signal_slots[sample]);
            let coordinate = class_index(dataset.clean_labels[sample]);
            assert_eq!(signal[coordinate], dataset.signal_norm);
            assert_eq!(signal.iter().filter(|value| **value != 0.0).count(), 1);
        }
    }

    #[test]
    fn the_gram_view_preserves_inner_products() {
        let mut setting = default_setting();
        setting.samples = 6;
        setting.dimension = 300;
        setting.tokens = 3;
        setting.flip_rate = crate::exact::ratio(1, 3);
        let dataset = draw(&setting, Simulator::Explicit, 2).unwrap();
        let view = GramView::of(&dataset).unwrap();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        for (i, j) in [(0, 1), (3, 3), (5, 2)] {
            for (s, t) in [(0, 1), (2, 2)] {
                let explicit = dot(dataset.token(i, s), dataset.token(j, t));
                let gram = dot(view.dataset.token(i, s), view.dataset.token(j, t));
                assert!((explicit - gram).abs() <= 1e-9 * explicit.abs().max(1.0));
            }
        }
        let token = dataset.token(4, dataset.noise_slots(4).next().unwrap());
        let mapped = view.coordinates_of(token);
        let gram_token = view
            .dataset
            .token(4, dataset.noise_slots(4).next().unwrap());
        for (a, b) in mapped.iter().zip(gram_token) {
            assert!((a - b).abs() < 1e-9, "{a} {b}");
        }
    }

    #[test]
    fn permuting_tokens_moves_the_signal_slot() {
        let mut setting = default_setting();
        setting.samples = 4;
        setting.dimension = 100;
        setting.tokens = 3;
        setting.flip_rate = crate::exact::ratio(1, 2);
        let dataset = draw(&setting, Simulator::Explicit, 0).unwrap();
        let permutations = vec![vec![2, 0, 1]; 4];
        let permuted = dataset.permuted(&permutations);
        for sample in 0..4 {
            assert_eq!(permuted.token(sample, 0), dataset.token(sample, 2));
            let slot = permuted.signal_slots[sample];
            assert_eq!(
                permuted.token(sample, slot),
                dataset.token(sample, dataset.signal_slots[sample])
            );
        }
    }
}
