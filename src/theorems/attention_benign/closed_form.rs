//! The exact two-step closed forms of spec §5, evaluated on a training set exactly (step
//! one, every margin and projection) or certified (step two, whose logistic weights g_i
//! are transcendental).
//!
//! The data lie on the grid 2⁻²⁴ℤ, so a token is an integer vector times 2⁻²⁴ and every
//! inner product is an integer times 2⁻⁴⁸: the closed forms run on integers and a few
//! rational scale factors, and only g_i and the final sums are intervals.
//!
//! # Formula
//! ```text
//! p₁ = 0,  v₁ = (β₀/(2nT)) w,  w = Σ_j y_j S_j,  S_i = Σ_t x_{i,t}
//! f_i⁽¹⁾ = (β₀/(2nT²)) ⟨S_i, w⟩,   g_i = 1/(1 + exp(y_i f_i⁽¹⁾))
//! p₂ = (β₁/(nT)) Σ_i g_i y_i Σ_t c_{i,t} ⟨c_{i,t}, v₁⟩,   c_{i,t} = x_{i,t} − S_i/T
//! v₂ = v₁ + (β₁/(nT)) Σ_i g_i y_i S_i
//! T = 2:  p₂ = (β₁/(4n)) Σ_i g_i y_i ⟨u_i − ξ_i, v₁⟩ (u_i − ξ_i)
//! ⟨w, μ_c⟩ = cρ²D_c,   y_k⟨S_k, w⟩ = ε_kρ²D_c + ‖ζ_k‖² + y_k Σ_{j≠k} y_j⟨ζ_k, ζ_j⟩
//! ⟨p₂, μ_c⟩ = (β₁ρ²/(nT)) Σ_{ỹ_i = c} g_i y_i ⟨u_i − x̄_i, v₁⟩
//! ```

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

use super::data::{Dataset, class_index};
use super::model::logistic_weight;
use super::setting::GRID;
use crate::error::Error;
use crate::exact::Interval;

/// 2²⁴, the grid's denominator.
pub const GRID_DENOMINATOR: i64 = 16_777_216;

/// A training set on the data grid: every value is `integer / 2²⁴`.
#[derive(Clone, Debug)]
pub struct GridData {
    /// n.
    pub samples: usize,
    /// T.
    pub tokens: usize,
    /// D.
    pub coordinates: usize,
    /// The tokens as grid integers, sample-major.
    pub values: Vec<i64>,
    /// Observed labels.
    pub labels: Vec<i8>,
    /// Clean labels.
    pub clean_labels: Vec<i8>,
    /// Signal slots.
    pub signal_slots: Vec<usize>,
    /// ρ as a grid integer.
    pub signal_norm: i64,
}

/// (integer)·2⁻ᵏ as a rational.
fn scaled(value: BigInt, grid_powers: u32) -> BigRational {
    BigRational::new(value, BigInt::from(GRID_DENOMINATOR).pow(grid_powers))
}

/// A value on the data grid as its integer count of 2⁻²⁴ units.
///
/// # Errors
/// [`Error::Numerical`] for a value off the grid or beyond 2⁴⁶ units (|value| ≥ 2²²),
/// where exact inner products could leave i128.
pub fn grid_units(value: f64) -> Result<i64, Error> {
    let units = value / GRID;
    if units.is_finite() && units == units.round() && units.abs() < 7.0e13 {
        Ok(units as i64)
    } else {
        Err(Error::Numerical(format!(
            "datum {value} is not on the 2⁻²⁴ grid within ±2²²; exact arithmetic needs grid data"
        )))
    }
}

/// Σ a_k b_k exactly: in i128 while it fits (every product of two i64 does), in big
/// integers from the first overflow of the sum on.
pub fn grid_inner(left: &[i64], right: &[i64]) -> BigInt {
    let mut sum: i128 = 0;
    for (index, (a, b)) in left.iter().zip(right).enumerate() {
        match sum.checked_add(i128::from(*a) * i128::from(*b)) {
            Some(next) => sum = next,
            None => {
                let rest: BigInt = left[index..]
                    .iter()
                    .zip(&right[index..])
                    .map(|(a, b)| BigInt::from(*a) * b)
                    .sum();
                return BigInt::from(sum) + rest;
            }
        }
    }
    BigInt::from(sum)
}

impl GridData {
    /// The grid integers of a training set.
    ///
    /// # Errors
    /// [`Error::Numerical`] when a value is off the grid.
    pub fn of(dataset: &Dataset) -> Result<GridData, Error> {
        Ok(GridData {
            samples: dataset.samples,
            tokens: dataset.tokens,
            coordinates: dataset.coordinates,
            values: dataset
                .inputs
                .iter()
                .map(|value| grid_units(*value))
                .collect::<Result<_, _>>()?,
            labels: dataset.labels.clone(),
            clean_labels: dataset.clean_labels.clone(),
            signal_slots: dataset.signal_slots.clone(),
            signal_norm: grid_units(dataset.signal_norm)?,
        })
    }

    /// Token t of input i.
    pub fn token(&self, sample: usize, slot: usize) -> &[i64] {
        let start = (sample * self.tokens + slot) * self.coordinates;
        &self.values[start..start + self.coordinates]
    }

    /// S_i = Σ_t x_{i,t}.
    pub fn token_sum(&self, sample: usize) -> Vec<i64> {
        let mut sum = vec![0i64; self.coordinates];
        for slot in 0..self.tokens {
            for (total, value) in sum.iter_mut().zip(self.token(sample, slot)) {
                *total += value;
            }
        }
        sum
    }

    /// ζ_i, the sum of the noise tokens of input i.
    pub fn noise_sum(&self, sample: usize) -> Vec<i64> {
        let mut sum = vec![0i64; self.coordinates];
        for slot in (0..self.tokens).filter(|slot| *slot != self.signal_slots[sample]) {
            for (total, value) in sum.iter_mut().zip(self.token(sample, slot)) {
                *total += value;
            }
        }
        sum
    }

    /// w = Σ_j y_j S_j in grid units.
    pub fn label_weighted_sum(&self) -> Vec<i64> {
        let mut sum = vec![0i64; self.coordinates];
        for sample in 0..self.samples {
            let label = i64::from(self.labels[sample]);
            for (total, value) in sum.iter_mut().zip(self.token_sum(sample)) {
                *total += label * value;
            }
        }
        sum
    }

    /// ρ² exactly.
    pub fn signal_norm_squared(&self) -> BigRational {
        scaled(BigInt::from(self.signal_norm) * self.signal_norm, 2)
    }

    /// D_c of class index c (0: +1, 1: −1).
    pub fn agreement(&self, class: usize) -> i64 {
        (0..self.samples)
            .filter(|&sample| class_index(self.clean_labels[sample]) == class)
            .map(|sample| i64::from(self.labels[sample] * self.clean_labels[sample]))
            .sum()
    }
}

/// The exact first step and the step-one margins.
#[derive(Clone, Debug)]
pub struct FirstStep {
    /// v₁ exactly (p₁ = 0).
    pub value: Vec<BigRational>,
    /// f_i⁽¹⁾ = ⟨x̄_i, v₁⟩ exactly.
    pub outputs: Vec<BigRational>,
    /// y_k⟨S_k, w⟩ exactly.
    pub margins: Vec<BigRational>,
}

/// v₁ = (β₀/(2nT))w, f_i⁽¹⁾ and the margins y_k⟨S_k, w⟩.
pub fn first_step(grid: &GridData, first_step_size: &BigRational) -> FirstStep {
    let n = grid.samples as i64;
    let t = grid.tokens as i64;
    let w = grid.label_weighted_sum();
    let scale = first_step_size / BigRational::from_integer((2 * n * t).into());
    let value = w
        .iter()
        .map(|coordinate| &scale * scaled(BigInt::from(*coordinate), 1))
        .collect();
    let mut outputs = Vec::with_capacity(grid.samples);
    let mut margins = Vec::with_capacity(grid.samples);
    let output_scale = first_step_size / BigRational::from_integer((2 * n * t * t).into());
    for sample in 0..grid.samples {
        let product = scaled(grid_inner(&grid.token_sum(sample), &w), 2);
        outputs.push(&output_scale * &product);
        margins.push(BigRational::from_integer(grid.labels[sample].into()) * product);
    }
    FirstStep {
        value,
        outputs,
        margins,
    }
}

/// The right side of the margin identity: ε_kρ²D_c + ‖ζ_k‖² + y_k Σ_{j≠k} y_j⟨ζ_k, ζ_j⟩.
pub fn margin_decomposition(grid: &GridData) -> Vec<BigRational> {
    let rho_squared = grid.signal_norm_squared();
    let noise_sums: Vec<Vec<i64>> = (0..grid.samples).map(|i| grid.noise_sum(i)).collect();
    (0..grid.samples)
        .map(|k| {
            let class = class_index(grid.clean_labels[k]);
            let agreement =
                i64::from(grid.labels[k] * grid.clean_labels[k]) * grid.agreement(class);
            let signal = &rho_squared * BigRational::from_integer(agreement.into());
            let own = scaled(grid_inner(&noise_sums[k], &noise_sums[k]), 2);
            let mut cross = BigInt::zero();
            for j in (0..grid.samples).filter(|j| *j != k) {
                cross += grid_inner(&noise_sums[k], &noise_sums[j]) * i64::from(grid.labels[j]);
            }
            let cross = scaled(cross * i64::from(grid.labels[k]), 2);
            signal + own + cross
        })
        .collect()
}

/// The step-two logistic weights g_i = 1/(1 + exp(y_i f_i⁽¹⁾)), enclosed.
///
/// # Errors
/// An overflowing exponential.
pub fn second_step_weights(
    first: &FirstStep,
    labels: &[i8],
    precision: usize,
) -> Result<Vec<Interval>, Error> {
    first
        .outputs
        .iter()
        .zip(labels)
        .map(|(output, label)| {
            let margin = BigRational::from_integer((*label).into()) * output;
            logistic_weight(&Interval::from_rational(&margin, precision))
        })
        .collect()
}

/// An exact vector held as a rational scale times integer entries.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaledVector {
    /// The common factor.
    pub scale: BigRational,
    /// The integer entries.
    pub entries: Vec<BigInt>,
}

impl ScaledVector {
    /// The entries as rationals.
    pub fn to_rationals(&self) -> Vec<BigRational> {
        self.entries
            .iter()
            .map(|entry| &self.scale * BigRational::from_integer(entry.clone()))
            .collect()
    }
}

/// The exact per-sample vectors of step two: p₂ = Σ_i g_i·attention[i] and
/// v₂ = v₁ + Σ_i g_i·value[i].
#[derive(Clone, Debug)]
pub struct SecondStepCoefficients {
    /// (β₁/(nT)) y_i Σ_t c_{i,t}⟨c_{i,t}, v₁⟩ per sample.
    pub attention: Vec<ScaledVector>,
    /// (β₁/(nT)) y_i S_i per sample.
    pub value: Vec<ScaledVector>,
}

/// The rational coefficient vectors of step two.
pub fn second_step_coefficients(
    grid: &GridData,
    first_step_size: &BigRational,
    second_step_size: &BigRational,
) -> SecondStepCoefficients {
    let n = grid.samples as i64;
    let t = grid.tokens as i64;
    let w = grid.label_weighted_sum();
    let alpha = first_step_size / BigRational::from_integer((2 * n * t).into());
    // c⟨c, v₁⟩ = e⟨e, w⟩·α/T² with e = T x − S (three grid factors).
    let attention_scale = second_step_size * &alpha
        / BigRational::from_integer((n * t * t * t).into())
        / BigRational::from_integer(BigInt::from(GRID_DENOMINATOR).pow(3));
    let value_scale = second_step_size
        / BigRational::from_integer((n * t).into())
        / BigRational::from_integer(BigInt::from(GRID_DENOMINATOR));
    let mut attention = Vec::with_capacity(grid.samples);
    let mut value = Vec::with_capacity(grid.samples);
    for sample in 0..grid.samples {
        let sum = grid.token_sum(sample);
        let label = i64::from(grid.labels[sample]);
        let mut accumulated = vec![BigInt::zero(); grid.coordinates];
        for slot in 0..grid.tokens {
            let centred: Vec<i64> = grid
                .token(sample, slot)
                .iter()
                .zip(&sum)
                .map(|(x, s)| t * x - s)
                .collect();
            let projection = grid_inner(&centred, &w) * label;
            for (total, coordinate) in accumulated.iter_mut().zip(&centred) {
                if *coordinate != 0 {
                    *total += &projection * coordinate;
                }
            }
        }
        attention.push(ScaledVector {
            scale: attention_scale.clone(),
            entries: accumulated,
        });
        value.push(ScaledVector {
            scale: value_scale.clone(),
            entries: sum
                .iter()
                .map(|entry| BigInt::from(entry * label))
                .collect(),
        });
    }
    SecondStepCoefficients { attention, value }
}

/// The T = 2 special form's per-sample vectors (β₁/(4n)) y_i⟨u_i − ξ_i, v₁⟩(u_i − ξ_i).
///
/// # Panics
/// Unless T = 2.
pub fn special_form_coefficients(
    grid: &GridData,
    first_step_size: &BigRational,
    second_step_size: &BigRational,
) -> Vec<Vec<BigRational>> {
    assert_eq!(grid.tokens, 2, "the special form is the T = 2 case");
    let n = grid.samples as i64;
    let w = grid.label_weighted_sum();
    let alpha = first_step_size / BigRational::from_integer((4 * n).into());
    let scale = second_step_size * alpha / BigRational::from_integer((4 * n).into());
    (0..grid.samples)
        .map(|sample| {
            let signal = grid.token(sample, grid.signal_slots[sample]);
            let noise = grid.token(sample, 1 - grid.signal_slots[sample]);
            let difference: Vec<i64> = signal.iter().zip(noise).map(|(u, x)| u - x).collect();
            let projection = grid_inner(&difference, &w) * i64::from(grid.labels[sample]);
            difference
                .iter()
                .map(|entry| &scale * scaled(&projection * entry, 3))
                .collect()
        })
        .collect()
}

/// p₂ and v₂ enclosed: Σ_i g_i times the exact coefficient vectors.
///
/// # Errors
/// An overflowing exponential in g_i.
pub fn second_step(
    grid: &GridData,
    first: &FirstStep,
    coefficients: &SecondStepCoefficients,
    precision: usize,
) -> Result<(Vec<Interval>, Vec<Interval>), Error> {
    let weights = second_step_weights(first, &grid.labels, precision)?;
    let combine = |vectors: &[ScaledVector], start: Option<&[BigRational]>| {
        // g_i times each sample's scale once; then integer entries per coordinate.
        let factors: Vec<Interval> = weights
            .iter()
            .zip(vectors)
            .map(|(weight, vector)| weight.mul(&Interval::from_rational(&vector.scale, precision)))
            .collect();
        (0..grid.coordinates)
            .map(|k| {
                let mut total = match start {
                    Some(base) => Interval::from_rational(&base[k], precision),
                    None => Interval::from_integer(0, precision),
                };
                for (factor, vector) in factors.iter().zip(vectors) {
                    let entry = &vector.entries[k];
                    if !entry.is_zero() {
                        let exact = Interval::from_rational(
                            &BigRational::from_integer(entry.clone()),
                            precision,
                        );
                        total = total.add(&factor.mul(&exact));
                    }
                }
                total
            })
            .collect::<Vec<_>>()
    };
    let attention = combine(&coefficients.attention, None);
    let value = combine(&coefficients.value, Some(&first.value));
    Ok((attention, value))
}

/// ⟨p₂, μ_c⟩ from the class-sum formula (β₁ρ²/(nT)) Σ_{ỹ_i = c} g_i y_i⟨u_i − x̄_i, v₁⟩.
///
/// # Errors
/// An overflowing exponential in g_i.
pub fn signal_logit(
    grid: &GridData,
    first: &FirstStep,
    second_step_size: &BigRational,
    class: usize,
    precision: usize,
) -> Result<Interval, Error> {
    let weights = second_step_weights(first, &grid.labels, precision)?;
    let n = grid.samples as i64;
    let t = grid.tokens as i64;
    let scale =
        second_step_size * grid.signal_norm_squared() / BigRational::from_integer((n * t).into());
    let mut total = Interval::from_integer(0, precision);
    for sample in (0..grid.samples).filter(|i| class_index(grid.clean_labels[*i]) == class) {
        let signal = grid.token(sample, grid.signal_slots[sample]);
        let sum = grid.token_sum(sample);
        // ⟨u − x̄, v₁⟩ = ⟨T u − S, v₁⟩/T with v₁ given exactly.
        let centred: Vec<i64> = signal.iter().zip(&sum).map(|(u, s)| t * u - s).collect();
        let projection: BigRational = centred
            .iter()
            .zip(&first.value)
            .filter(|(entry, _)| **entry != 0)
            .map(|(entry, value)| scaled(BigInt::from(*entry), 1) * value)
            .fold(BigRational::zero(), |sum, term| sum + term)
            / BigRational::from_integer(t.into());
        let coefficient =
            &scale * projection * BigRational::from_integer(grid.labels[sample].into());
        total = total.add(&weights[sample].mul(&Interval::from_rational(&coefficient, precision)));
    }
    Ok(total)
}

/// ⟨w, μ_c⟩ exactly, from the data (grid units of the signal coordinate times ρ).
pub fn signal_projection_of_w(grid: &GridData, class: usize) -> BigRational {
    let w = grid.label_weighted_sum();
    scaled(BigInt::from(w[class]) * grid.signal_norm, 2)
}

/// cρ²D_c, the closed form of ⟨w, μ_c⟩.
pub fn signal_projection_closed_form(grid: &GridData, class: usize) -> BigRational {
    let sign = if class == 0 { 1 } else { -1 };
    grid.signal_norm_squared() * BigRational::from_integer((sign * grid.agreement(class)).into())
}

/// Whether every noise token is exactly orthogonal to both signal directions.
pub fn noise_is_orthogonal(grid: &GridData) -> bool {
    (0..grid.samples).all(|sample| {
        (0..grid.tokens)
            .filter(|slot| *slot != grid.signal_slots[sample])
            .all(|slot| {
                let token = grid.token(sample, slot);
                token[0] == 0 && token[1] == 0
            })
    })
}

/// The norm-wise relative distance ‖a − b‖/‖b‖ of a double vector from an enclosed one,
/// with the enclosure's own width added so that it is an upper bound.
pub fn relative_distance(measured: &[f64], reference: &[Interval]) -> f64 {
    let mut difference = 0.0;
    let mut norm = 0.0;
    for (value, enclosure) in measured.iter().zip(reference) {
        let centre = enclosure.midpoint_f64();
        let gap = (value - centre).abs() + enclosure.width_f64();
        difference += gap * gap;
        norm += centre * centre;
    }
    if norm == 0.0 {
        difference.sqrt()
    } else {
        (difference / norm).sqrt()
    }
}

/// Whether two enclosure vectors overlap in every coordinate.
pub fn enclosures_overlap(left: &[Interval], right: &[Interval]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .all(|(a, b)| a.intersect(b).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::{Scalar, ratio};
    use crate::theorems::attention_benign::data::draw;
    use crate::theorems::attention_benign::model::{Tokens, two_steps};
    use crate::theorems::attention_benign::setting::Simulator;
    use crate::theorems::attention_benign::setting::tests::default_setting;

    fn small(tokens: usize) -> (Dataset, GridData, BigRational, BigRational) {
        let mut setting = default_setting();
        setting.samples = 6;
        setting.dimension = 120;
        setting.tokens = tokens;
        setting.flip_rate = ratio(1, 3);
        setting.first_step_scale = ratio(1, 1);
        setting.second_step_scale = ratio(10, 1);
        let setting = setting.with_scaled_snr(&ratio(4, 1));
        let dataset = draw(&setting, Simulator::Explicit, 3).unwrap();
        let grid = GridData::of(&dataset).unwrap();
        (
            dataset,
            grid,
            setting.first_step_size(),
            setting.second_step_size(),
        )
    }

    #[test]
    fn the_closed_first_step_equals_the_generic_exact_step() {
        for tokens in [2, 3] {
            let (dataset, grid, first_size, _) = small(tokens);
            let exact: Tokens<'_, BigRational> = Tokens::convert(
                &dataset.inputs,
                6,
                tokens,
                dataset.coordinates,
                &dataset.labels,
                0,
            )
            .unwrap();
            let generic = crate::theorems::attention_benign::model::steps(
                &exact,
                std::slice::from_ref(&first_size),
                0,
            )
            .unwrap();
            let closed = first_step(&grid, &first_size);
            assert_eq!(generic.iterates[1].value, closed.value);
            assert!(generic.iterates[1].attention.iter().all(Zero::is_zero));
            assert_eq!(generic.forwards[1].outputs, closed.outputs);
            assert_eq!(closed.margins, margin_decomposition(&grid));
        }
    }

    #[test]
    fn the_closed_second_step_encloses_the_certified_generic_step() {
        for tokens in [2, 3] {
            let (dataset, grid, first_size, second_size) = small(tokens);
            let certified: Tokens<'_, Interval> = Tokens::convert(
                &dataset.inputs,
                6,
                tokens,
                dataset.coordinates,
                &dataset.labels,
                128,
            )
            .unwrap();
            let generic = two_steps(&certified, &first_size, &second_size, 128).unwrap();
            let first = first_step(&grid, &first_size);
            let coefficients = second_step_coefficients(&grid, &first_size, &second_size);
            let (attention, value) = second_step(&grid, &first, &coefficients, 128).unwrap();
            assert!(enclosures_overlap(
                &attention,
                &generic.iterates[2].attention
            ));
            assert!(enclosures_overlap(&value, &generic.iterates[2].value));
            for class in 0..2 {
                let logit = signal_logit(&grid, &first, &second_size, class, 128).unwrap();
                let from_vector =
                    attention[class].mul(&Interval::from_f64(dataset.signal_norm, 128).unwrap());
                assert!(logit.intersect(&from_vector).is_some(), "class {class}");
                assert_eq!(
                    signal_projection_of_w(&grid, class),
                    signal_projection_closed_form(&grid, class)
                );
            }
            assert!(Scalar::sign(&attention[2]).is_some());
        }
    }

    #[test]
    fn the_special_form_equals_the_general_form_at_two_tokens() {
        let (_, grid, first_size, second_size) = small(2);
        let general = second_step_coefficients(&grid, &first_size, &second_size);
        let general: Vec<Vec<BigRational>> = general
            .attention
            .iter()
            .map(ScaledVector::to_rationals)
            .collect();
        assert_eq!(
            special_form_coefficients(&grid, &first_size, &second_size),
            general
        );
        assert!(noise_is_orthogonal(&grid));
    }
}
