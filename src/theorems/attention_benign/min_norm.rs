//! The min-norm interpolator of spec §7 (evaluator MN): token patterns, their exact
//! costs through Gram solves, the max-margin attention direction p_mm of a pattern, and
//! the certified test error of the benign pattern.
//!
//! Every problem here is a hard-margin SVM without bias, min ‖v‖² subject to
//! ⟨a_i, v⟩ ≥ 1. It is solved through its dual, min ½λᵀHλ − 1ᵀλ over λ ≥ 0 with
//! H_ij = ⟨a_i, a_j⟩, by an active-set method (the Lawson–Hanson scheme for a positive
//! definite H): the optimum has v = Σ λ_i a_i and ‖v‖² = 1ᵀλ. The same code runs in
//! exact rationals (a finite sequence of exact Gram solves, so the cost is the exact
//! rational minimum) and in f64 for the grids; when every constraint is active the first
//! solve H⁻¹1 > 0 already is the answer. [`generic_svm`] solves the primal with an
//! independent interior-point solver (Clarabel) as the cross-check the spec asks for.
//!
//! # Formula
//! ```text
//! ‖v‖²(α) = Σ_c 1[class c uses its signal]/ρ² + SVM_ξ(M),  SVM_ξ(M) = min ‖w⊥‖²: y_i⟨w⊥, ξ_i⟩ ≥ 1 (i ∈ M)
//! p_mm(α) = argmin ‖p‖²: ⟨p, x_{i,α_i} − x_{i,t}⟩ ≥ 1 (t ≠ α_i);  p̄ = Δᵀ(ΔΔᵀ)⁻¹1 realises α
//! err_cl = Σ_c ½ P(⟨q, ξ⟩ > b_cρ, c⟨w⊥, ξ⟩ < 0)   (benign pattern, p_mm = Σ_c b_c μ_c/ρ + q)
//! ```

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::closed_form::{GridData, grid_inner, grid_units};
use super::data::{ClassTally, Dataset, class_index};
use crate::error::Error;
use crate::exact::{Interval, Scalar, bivariate_normal_above_below, solve};

/// A number type the active-set QP can run in: exact rationals or f64.
pub trait Field: Scalar {
    /// Solves the square system, `None` when it is (numerically) singular.
    fn solve_system(matrix: &[Vec<Self>], right_side: &[Self]) -> Option<Vec<Self>>;

    /// Whether the value counts as positive (f64: beyond a relative tolerance).
    fn positive(&self, scale: f64) -> bool;
}

impl Field for BigRational {
    fn solve_system(matrix: &[Vec<Self>], right_side: &[Self]) -> Option<Vec<Self>> {
        solve(matrix, right_side)
    }

    fn positive(&self, _scale: f64) -> bool {
        self.is_positive()
    }
}

impl Field for f64 {
    fn solve_system(matrix: &[Vec<Self>], right_side: &[Self]) -> Option<Vec<Self>> {
        let size = matrix.len();
        let square = nalgebra::DMatrix::from_fn(size, size, |i, j| matrix[i][j]);
        let right = nalgebra::DVector::from_column_slice(right_side);
        let solution = match nalgebra::Cholesky::new(square.clone()) {
            Some(factor) => factor.solve(&right),
            None => square.lu().solve(&right)?,
        };
        solution
            .iter()
            .all(|value| value.is_finite())
            .then(|| solution.iter().copied().collect())
    }

    fn positive(&self, scale: f64) -> bool {
        *self > 1e-12 * scale
    }
}

/// The dual solution of one SVM.
#[derive(Clone, Debug)]
pub struct DualSolution<F> {
    /// λ ≥ 0, one per constraint.
    pub multipliers: Vec<F>,
    /// ‖v‖² = 1ᵀλ.
    pub cost: F,
    /// Active-set iterations taken.
    pub iterations: usize,
}

fn residual<F: Field>(gram: &[Vec<F>], multipliers: &[F], index: usize) -> F {
    let precision = 0;
    let one = F::constant(&BigRational::one(), precision);
    gram[index]
        .iter()
        .zip(multipliers)
        .fold(one, |sum, (entry, multiplier)| {
            sum.sub(&entry.mul(multiplier))
        })
}

fn solve_on<F: Field>(gram: &[Vec<F>], passive: &[usize]) -> Option<Vec<F>> {
    let matrix: Vec<Vec<F>> = passive
        .iter()
        .map(|&i| passive.iter().map(|&j| gram[i][j].clone()).collect())
        .collect();
    let ones = vec![F::constant(&BigRational::one(), 0); passive.len()];
    F::solve_system(&matrix, &ones)
}

/// min ½λᵀHλ − 1ᵀλ over λ ≥ 0 for a positive definite H (the dual of an SVM whose
/// constraint vectors have Gram matrix H).
///
/// # Errors
/// [`Error::Numerical`] when a solve fails (a singular H) or the method does not settle.
pub fn solve_dual<F: Field>(gram: &[Vec<F>]) -> Result<DualSolution<F>, Error> {
    let size = gram.len();
    let zero = F::zero_at(0);
    if size == 0 {
        return Ok(DualSolution {
            multipliers: Vec::new(),
            cost: zero,
            iterations: 0,
        });
    }
    let scale = gram
        .iter()
        .enumerate()
        .map(|(i, row)| row[i].to_f64().abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let finish = |multipliers: Vec<F>, iterations| {
        let cost = multipliers
            .iter()
            .fold(F::zero_at(0), |sum, value| sum.add(value));
        DualSolution {
            multipliers,
            cost,
            iterations,
        }
    };
    // Every constraint active is the common case: one solve settles it.
    let everything: Vec<usize> = (0..size).collect();
    if let Some(all) = solve_on(gram, &everything)
        && all.iter().all(|value| value.positive(1.0 / scale))
    {
        return Ok(finish(all, 1));
    }
    let mut multipliers = vec![zero.clone(); size];
    let mut passive: Vec<usize> = Vec::new();
    let limit = 20 * size + 20;
    for iteration in 1..=limit {
        // The most violated constraint outside the passive set.
        let candidate = (0..size)
            .filter(|i| !passive.contains(i))
            .map(|i| (i, residual(gram, &multipliers, i)))
            .filter(|(_, value)| value.positive(1.0))
            .max_by(|a, b| {
                a.1.to_f64()
                    .partial_cmp(&b.1.to_f64())
                    .unwrap_or(Ordering::Equal)
            });
        let Some((entering, _)) = candidate else {
            return Ok(finish(multipliers, iteration));
        };
        passive.push(entering);
        loop {
            let trial = solve_on(gram, &passive).ok_or_else(|| {
                Error::Numerical("a Gram solve of the min-norm QP is singular".into())
            })?;
            if trial.iter().all(|value| value.positive(1.0 / scale)) {
                for (slot, value) in passive.iter().zip(trial) {
                    multipliers[*slot] = value;
                }
                break;
            }
            // Step from the current point toward the trial until a multiplier hits zero.
            let mut step: Option<F> = None;
            for (slot, value) in passive.iter().zip(&trial) {
                if !value.positive(1.0 / scale) {
                    let current = &multipliers[*slot];
                    let denominator = current.sub(value);
                    if denominator.sign() == Some(Ordering::Greater) {
                        let candidate = current.div(&denominator)?;
                        if step
                            .as_ref()
                            .is_none_or(|best| candidate.to_f64() < best.to_f64())
                        {
                            step = Some(candidate);
                        }
                    }
                }
            }
            let step = step.unwrap_or_else(|| F::zero_at(0));
            for (slot, value) in passive.iter().zip(&trial) {
                let current = multipliers[*slot].clone();
                multipliers[*slot] = current.add(&step.mul(&value.sub(&current)));
            }
            passive.retain(|slot| multipliers[*slot].positive(1.0 / scale));
            for slot in 0..size {
                if !passive.contains(&slot) {
                    multipliers[slot] = zero.clone();
                }
            }
            if passive.is_empty() {
                break;
            }
        }
    }
    Err(Error::Numerical(format!(
        "the min-norm active-set method did not settle in {limit} iterations"
    )))
}

/// The class-level choice of a pattern (T = 2): which samples of the class pick their
/// signal token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClassChoice {
    /// Every sample picks its noise token.
    Noise,
    /// The clean samples pick the signal, the flipped ones noise.
    Clean,
    /// The flipped samples pick the signal, the clean ones noise.
    Flipped,
}

impl ClassChoice {
    /// All three choices.
    pub const ALL: [ClassChoice; 3] =
        [ClassChoice::Noise, ClassChoice::Clean, ClassChoice::Flipped];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            ClassChoice::Noise => "noise",
            ClassChoice::Clean => "clean→signal",
            ClassChoice::Flipped => "flipped→signal",
        }
    }
}

/// A class-level pattern: the choice of class +1 and of class −1.
pub type ClassPattern = [ClassChoice; 2];

/// The name of a class-level pattern, e.g. `(+: clean→signal, −: noise)`.
pub fn pattern_name(pattern: &ClassPattern) -> String {
    format!("(+: {}, −: {})", pattern[0].name(), pattern[1].name())
}

/// Which samples pick their signal token under a class-level pattern.
pub fn signal_pickers(dataset: &Dataset, pattern: &ClassPattern) -> Vec<bool> {
    (0..dataset.samples)
        .map(
            |sample| match pattern[class_index(dataset.clean_labels[sample])] {
                ClassChoice::Noise => false,
                ClassChoice::Clean => !dataset.flipped(sample),
                ClassChoice::Flipped => dataset.flipped(sample),
            },
        )
        .collect()
}

/// The exact Gram matrix of the training noise tokens (T = 2: one per sample).
pub fn exact_noise_gram(grid: &GridData) -> Vec<Vec<BigRational>> {
    let noise: Vec<&[i64]> = (0..grid.samples)
        .map(|sample| grid.token(sample, 1 - grid.signal_slots[sample]))
        .collect();
    grid_gram(&noise)
}

/// The f64 Gram matrix of the training noise tokens (T = 2).
pub fn noise_gram(dataset: &Dataset) -> Vec<Vec<f64>> {
    let noise: Vec<&[f64]> = (0..dataset.samples)
        .map(|sample| dataset.token(sample, 1 - dataset.signal_slots[sample]))
        .collect();
    noise
        .iter()
        .map(|a| {
            noise
                .iter()
                .map(|b| a.iter().zip(*b).map(|(x, y)| x * y).sum())
                .collect()
        })
        .collect()
}

/// SVM_ξ(M) for the noise-picking samples M (a mask), with its dual solution.
///
/// # Errors
/// A failed Gram solve.
pub fn noise_svm<F: Field>(
    gram: &[Vec<F>],
    labels: &[i8],
    noise_pickers: &[bool],
) -> Result<(Vec<usize>, DualSolution<F>), Error> {
    let members: Vec<usize> = (0..labels.len()).filter(|i| noise_pickers[*i]).collect();
    let signed: Vec<Vec<F>> = members
        .iter()
        .map(|&i| {
            members
                .iter()
                .map(|&j| {
                    let entry = gram[i][j].clone();
                    if labels[i] == labels[j] {
                        entry
                    } else {
                        entry.neg()
                    }
                })
                .collect()
        })
        .collect();
    Ok((members, solve_dual(&signed)?))
}

/// The cost of a sample-level pattern (T = 2): `None` when some class's signal pickers
/// carry both labels (infeasible), else Σ_c 1[c uses signal]/ρ² + SVM_ξ(M).
///
/// # Errors
/// A failed Gram solve.
pub fn pattern_cost<F: Field>(
    gram: &[Vec<F>],
    labels: &[i8],
    clean_labels: &[i8],
    inverse_signal_norm_squared: &F,
    signal_pickers: &[bool],
) -> Result<Option<F>, Error> {
    let mut signal_labels: [Option<i8>; 2] = [None, None];
    for sample in 0..labels.len() {
        if signal_pickers[sample] {
            let class = class_index(clean_labels[sample]);
            match signal_labels[class] {
                Some(label) if label != labels[sample] => return Ok(None),
                _ => signal_labels[class] = Some(labels[sample]),
            }
        }
    }
    let noise_pickers: Vec<bool> = signal_pickers.iter().map(|picks| !picks).collect();
    let (_, dual) = noise_svm(gram, labels, &noise_pickers)?;
    let mut cost = dual.cost;
    for _ in signal_labels.iter().flatten() {
        cost = cost.add(inverse_signal_norm_squared);
    }
    Ok(Some(cost))
}

/// The cost of every class-level pattern, in [`ClassChoice::ALL`]² order.
///
/// # Errors
/// A failed Gram solve.
pub fn class_pattern_costs<F: Field>(
    dataset: &Dataset,
    gram: &[Vec<F>],
    inverse_signal_norm_squared: &F,
) -> Result<Vec<(ClassPattern, F)>, Error> {
    let mut costs = Vec::with_capacity(9);
    for first in ClassChoice::ALL {
        for second in ClassChoice::ALL {
            let pattern = [first, second];
            let pickers = signal_pickers(dataset, &pattern);
            let cost = pattern_cost(
                gram,
                &dataset.labels,
                &dataset.clean_labels,
                inverse_signal_norm_squared,
                &pickers,
            )?
            .expect("a class-level pattern is feasible");
            costs.push((pattern, cost));
        }
    }
    Ok(costs)
}

/// The minimal class-level pattern and its cost (the first in order on exact ties).
pub fn best_pattern<F: Field>(costs: &[(ClassPattern, F)]) -> (ClassPattern, F) {
    costs
        .iter()
        .min_by(|a, b| a.1.sub(&b.1).sign().unwrap_or(Ordering::Equal))
        .cloned()
        .expect("nine patterns")
}

/// The constraint vectors x_{i,α_i} − x_{i,t} (t ≠ α_i) of a pattern given by the chosen
/// slot of every input.
pub fn selection_differences(dataset: &Dataset, chosen_slots: &[usize]) -> Vec<Vec<f64>> {
    let mut differences = Vec::new();
    for sample in 0..dataset.samples {
        let chosen = dataset.token(sample, chosen_slots[sample]);
        for slot in (0..dataset.tokens).filter(|slot| *slot != chosen_slots[sample]) {
            let other = dataset.token(sample, slot);
            differences.push(chosen.iter().zip(other).map(|(a, b)| a - b).collect());
        }
    }
    differences
}

/// The chosen slot of every input under a signal-picker mask (T = 2).
pub fn chosen_slots(dataset: &Dataset, signal_pickers: &[bool]) -> Vec<usize> {
    (0..dataset.samples)
        .map(|sample| {
            let signal = dataset.signal_slots[sample];
            if signal_pickers[sample] {
                signal
            } else {
                dataset.noise_slots(sample).next().expect("a noise slot")
            }
        })
        .collect()
}

/// Gram matrix of f64 vectors.
pub fn gram_of(vectors: &[Vec<f64>]) -> Vec<Vec<f64>> {
    vectors
        .iter()
        .map(|a| {
            vectors
                .iter()
                .map(|b| a.iter().zip(b).map(|(x, y)| x * y).sum())
                .collect()
        })
        .collect()
}

/// Exact Gram matrix of grid vectors (values on the 2⁻²⁴ grid).
///
/// # Errors
/// [`Error::Numerical`] for a value off the grid.
pub fn exact_gram_of(vectors: &[Vec<f64>]) -> Result<Vec<Vec<BigRational>>, Error> {
    let integers: Vec<Vec<i64>> = vectors
        .iter()
        .map(|vector| {
            vector
                .iter()
                .map(|value| grid_units(*value))
                .collect::<Result<_, _>>()
        })
        .collect::<Result<_, _>>()?;
    let rows: Vec<&[i64]> = integers.iter().map(Vec::as_slice).collect();
    Ok(grid_gram(&rows))
}

/// The exact Gram matrix of grid-integer vectors: entries (Σ a_k b_k)·2⁻⁴⁸.
fn grid_gram(rows: &[&[i64]]) -> Vec<Vec<BigRational>> {
    rows.iter()
        .map(|a| {
            rows.iter()
                .map(|b| BigRational::new(grid_inner(a, b), unit_denominator()))
                .collect()
        })
        .collect()
}

/// The min-norm solution of one training set at its optimal class-level pattern (T = 2),
/// in the dataset's coordinates, as doubles.
#[derive(Clone, Debug)]
pub struct MinNormSolution {
    /// The optimal class-level pattern.
    pub pattern: ClassPattern,
    /// Its cost ‖v‖².
    pub cost: f64,
    /// The cost of every class-level pattern.
    pub costs: Vec<(ClassPattern, f64)>,
    /// v of the pattern.
    pub value: Vec<f64>,
    /// p_mm of the pattern.
    pub attention: Vec<f64>,
}

/// v of a pattern from its noise-SVM dual: a_c = y/ρ on the signal coordinate of each
/// class whose signal pickers carry label y, plus w⊥ = Σ λ_i y_i ξ_i.
pub fn pattern_value(
    dataset: &Dataset,
    pickers: &[bool],
    members: &[usize],
    multipliers: &[f64],
) -> Vec<f64> {
    let mut value = vec![0.0; dataset.coordinates];
    for sample in 0..dataset.samples {
        if pickers[sample] {
            value[class_index(dataset.clean_labels[sample])] =
                f64::from(dataset.labels[sample]) / dataset.signal_norm;
        }
    }
    for (member, multiplier) in members.iter().zip(multipliers) {
        let noise = dataset.token(*member, 1 - dataset.signal_slots[*member]);
        let signed = multiplier * f64::from(dataset.labels[*member]);
        for (entry, coordinate) in value.iter_mut().zip(noise) {
            *entry += signed * coordinate;
        }
    }
    value
}

/// p_mm of a pattern in f64: the SVM over the selection differences.
///
/// # Errors
/// A failed Gram solve.
pub fn max_margin_attention(dataset: &Dataset, pickers: &[bool]) -> Result<Vec<f64>, Error> {
    let differences = selection_differences(dataset, &chosen_slots(dataset, pickers));
    let dual = solve_dual(&gram_of(&differences))?;
    let mut attention = vec![0.0; dataset.coordinates];
    for (difference, multiplier) in differences.iter().zip(&dual.multipliers) {
        for (entry, coordinate) in attention.iter_mut().zip(difference) {
            *entry += multiplier * coordinate;
        }
    }
    Ok(attention)
}

/// The part of a class-level pattern that does not depend on ρ: its noise SVM and how
/// many classes pay 1/ρ².
#[derive(Clone, Debug)]
pub struct NoisePart {
    /// The pattern.
    pub pattern: ClassPattern,
    /// SVM_ξ(M).
    pub cost: f64,
    /// The noise pickers M.
    pub members: Vec<usize>,
    /// The dual multipliers of the noise SVM.
    pub multipliers: Vec<f64>,
    /// Classes with a signal picker.
    pub signal_classes: usize,
}

/// The noise parts of the nine class-level patterns of a T = 2 training set.
///
/// # Errors
/// A failed Gram solve.
pub fn noise_parts(dataset: &Dataset) -> Result<Vec<NoisePart>, Error> {
    let gram = noise_gram(dataset);
    let mut parts = Vec::with_capacity(9);
    for first in ClassChoice::ALL {
        for second in ClassChoice::ALL {
            let pattern = [first, second];
            let pickers = signal_pickers(dataset, &pattern);
            let noise_pickers: Vec<bool> = pickers.iter().map(|picks| !picks).collect();
            let (members, dual) = noise_svm(&gram, &dataset.labels, &noise_pickers)?;
            let signal_classes = (0..2)
                .filter(|class| {
                    (0..dataset.samples)
                        .any(|i| pickers[i] && class_index(dataset.clean_labels[i]) == *class)
                })
                .count();
            parts.push(NoisePart {
                pattern,
                cost: dual.cost,
                members,
                multipliers: dual.multipliers,
                signal_classes,
            });
        }
    }
    Ok(parts)
}

/// The f64 min-norm solution of a T = 2 training set from its noise parts.
///
/// # Errors
/// A failed Gram solve for p_mm.
pub fn solve_min_norm_with(
    dataset: &Dataset,
    parts: &[NoisePart],
) -> Result<MinNormSolution, Error> {
    let inverse = 1.0 / (dataset.signal_norm * dataset.signal_norm);
    let costs: Vec<(ClassPattern, f64)> = parts
        .iter()
        .map(|part| {
            (
                part.pattern,
                part.cost + part.signal_classes as f64 * inverse,
            )
        })
        .collect();
    let (pattern, cost) = best_pattern(&costs);
    let chosen = parts
        .iter()
        .find(|part| part.pattern == pattern)
        .expect("the best pattern is listed");
    let pickers = signal_pickers(dataset, &pattern);
    let value = pattern_value(dataset, &pickers, &chosen.members, &chosen.multipliers);
    let attention = max_margin_attention(dataset, &pickers)?;
    Ok(MinNormSolution {
        pattern,
        cost,
        costs,
        value,
        attention,
    })
}

/// The f64 min-norm solution of a T = 2 training set.
///
/// # Errors
/// A failed Gram solve.
pub fn solve_min_norm(dataset: &Dataset) -> Result<MinNormSolution, Error> {
    solve_min_norm_with(dataset, &noise_parts(dataset)?)
}

/// The exact quantities of the benign pattern's test error (spec §7.4), from an exact
/// solve: b_cρ = ⟨p_mm, μ_c⟩, ‖q‖², ‖w⊥‖² and ⟨q, w⊥⟩.
#[derive(Clone, Debug)]
pub struct BenignGeometry {
    /// b_cρ per class index.
    pub signal_logits: [BigRational; 2],
    /// ‖q‖², q the noise part of p_mm.
    pub attention_noise: BigRational,
    /// ‖w⊥‖², the noise part of v.
    pub value_noise: BigRational,
    /// ⟨q, w⊥⟩.
    pub cross: BigRational,
}

/// The exact benign-pattern geometry of a T = 2 training set: p_mm's dual in exact
/// rationals with constraint vectors s_i(μ_c − ξ_i) (s = +1 clean, −1 flipped), and the
/// noise SVM over the flipped samples.
///
/// # Errors
/// A failed exact solve.
pub fn benign_geometry(dataset: &Dataset, grid: &GridData) -> Result<BenignGeometry, Error> {
    let noise = exact_noise_gram(grid);
    let rho_squared = grid.signal_norm_squared();
    let n = dataset.samples;
    let orientation: Vec<i64> = (0..n)
        .map(|i| if dataset.flipped(i) { -1 } else { 1 })
        .collect();
    let class: Vec<usize> = (0..n)
        .map(|i| class_index(dataset.clean_labels[i]))
        .collect();
    // ⟨δ_i, δ_j⟩ = s_i s_j (ρ²·1[c_i = c_j] + ⟨ξ_i, ξ_j⟩).
    let gram: Vec<Vec<BigRational>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let signal = if class[i] == class[j] {
                        rho_squared.clone()
                    } else {
                        BigRational::zero()
                    };
                    BigRational::from_integer((orientation[i] * orientation[j]).into())
                        * (signal + &noise[i][j])
                })
                .collect()
        })
        .collect();
    let attention = solve_dual(&gram)?;
    let lambda = &attention.multipliers;
    let mut signal_logits = [BigRational::zero(), BigRational::zero()];
    for i in 0..n {
        signal_logits[class[i]] +=
            &rho_squared * &lambda[i] * BigRational::from_integer(orientation[i].into());
    }
    // q = −Σ λ_i s_i ξ_i; w⊥ = Σ_{i ∈ M} κ_i y_i ξ_i over the flipped (noise-picking) samples.
    let flipped: Vec<bool> = (0..n).map(|i| dataset.flipped(i)).collect();
    let (members, value_dual) = noise_svm(&noise, &dataset.labels, &flipped)?;
    let q_coefficients: Vec<BigRational> = (0..n)
        .map(|i| -(&lambda[i] * BigRational::from_integer(orientation[i].into())))
        .collect();
    let mut w_coefficients = vec![BigRational::zero(); n];
    for (member, multiplier) in members.iter().zip(&value_dual.multipliers) {
        w_coefficients[*member] =
            multiplier * BigRational::from_integer(dataset.labels[*member].into());
    }
    // Quadratic forms on a common denominator: integer products, one division at the end.
    let integer_noise: Vec<Vec<BigInt>> = noise
        .iter()
        .map(|row| {
            row.iter()
                .map(|entry| entry.numer() * (&unit_denominator() / entry.denom()))
                .collect()
        })
        .collect();
    let (q_integers, q_denominator) = common_denominator(&q_coefficients);
    let (w_integers, w_denominator) = common_denominator(&w_coefficients);
    let quadratic = |left: &[BigInt], right: &[BigInt], denominator: BigInt| {
        let mut total = BigInt::zero();
        for i in 0..n {
            if left[i].is_zero() {
                continue;
            }
            let mut row = BigInt::zero();
            for j in 0..n {
                if !right[j].is_zero() {
                    row += &right[j] * &integer_noise[i][j];
                }
            }
            total += &left[i] * row;
        }
        BigRational::new(total, denominator * unit_denominator())
    };
    Ok(BenignGeometry {
        attention_noise: quadratic(&q_integers, &q_integers, &q_denominator * &q_denominator),
        value_noise: quadratic(&w_integers, &w_integers, &w_denominator * &w_denominator),
        cross: quadratic(&q_integers, &w_integers, &q_denominator * &w_denominator),
        signal_logits,
    })
}

/// 2⁴⁸, the denominator of an inner product of two grid vectors.
fn unit_denominator() -> BigInt {
    BigInt::from(super::closed_form::GRID_DENOMINATOR).pow(2)
}

/// Integers and one common denominator for a rational vector: values[i] = integers[i]/d.
fn common_denominator(values: &[BigRational]) -> (Vec<BigInt>, BigInt) {
    let denominator = values.iter().fold(BigInt::from(1), |lcm, value| {
        num_integer::Integer::lcm(&lcm, value.denom())
    });
    let integers = values
        .iter()
        .map(|value| value.numer() * (&denominator / value.denom()))
        .collect();
    (integers, denominator)
}

/// The certified clean test error Σ_c ½ P(⟨q, ξ⟩ > b_cρ, c⟨w⊥, ξ⟩ < 0) and the bound
/// Φ̄(min_c b_cρ/‖q‖).
///
/// # Errors
/// A failed enclosure.
pub fn certified_benign_error(
    geometry: &BenignGeometry,
    precision: usize,
) -> Result<(Interval, Interval), Error> {
    let half = Interval::from_rational(&crate::exact::ratio(1, 2), precision);
    let q_norm = Interval::from_rational(&geometry.attention_noise, precision).sqrt()?;
    let mut total = Interval::from_integer(0, precision);
    let mut smallest: Option<Interval> = None;
    for class in 0..2 {
        let h = Interval::from_rational(&geometry.signal_logits[class], precision).div(&q_norm)?;
        // The enclosure of min(h₊, h₋): min(a, b) = −max(−a, −b).
        smallest = Some(match smallest {
            Some(current) => current.neg().maximum(&h.neg()).neg(),
            None => h.clone(),
        });
        if geometry.value_noise.is_zero() {
            // w⊥ = 0: noise tokens carry no value and the signal token decides.
            continue;
        }
        let sign = if class == 0 { 1 } else { -1 };
        let correlation = Interval::from_rational(
            &(BigRational::from_integer(sign.into()) * &geometry.cross),
            precision,
        )
        .div(&q_norm.mul(&Interval::from_rational(&geometry.value_noise, precision).sqrt()?))?;
        total = total.add(&half.mul(&bivariate_normal_above_below(&h, &correlation)?));
    }
    let bound = crate::exact::normal_tail(&smallest.expect("two classes"))?;
    Ok((total, bound))
}

/// The benign pattern's class tallies' prediction b_cρ ≈ rD/(1 + rn_c), per class.
pub fn approximate_signal_logits(
    ratio_value: &BigRational,
    tallies: &[ClassTally; 2],
) -> [BigRational; 2] {
    [0, 1].map(|class| super::theory::approximate_signal_coefficient(ratio_value, &tallies[class]))
}

/// min ‖v‖² subject to ⟨a_i, v⟩ ≥ 1 by Clarabel's interior-point method, on vectors
/// rescaled to unit mean square norm; `None` when the problem is infeasible.
///
/// # Errors
/// [`Error::Numerical`] when the solver stops without an answer.
pub fn generic_svm(vectors: &[Vec<f64>]) -> Result<Option<f64>, Error> {
    use clarabel::algebra::CscMatrix;
    use clarabel::solver::{
        DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
    };
    if vectors.is_empty() {
        return Ok(Some(0.0));
    }
    let dimension = vectors[0].len();
    let scale = (vectors
        .iter()
        .map(|v| v.iter().map(|x| x * x).sum::<f64>())
        .sum::<f64>()
        / vectors.len() as f64)
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let objective = CscMatrix::identity(dimension);
    let linear = vec![0.0; dimension];
    let rows: Vec<Vec<f64>> = vectors
        .iter()
        .map(|vector| vector.iter().map(|x| -x / scale).collect())
        .collect();
    let constraints = CscMatrix::from(&rows);
    let bounds = vec![-1.0; vectors.len()];
    let cones = [SupportedConeT::NonnegativeConeT(vectors.len())];
    let settings = DefaultSettings {
        verbose: false,
        tol_gap_abs: 1e-14,
        tol_gap_rel: 1e-14,
        tol_feas: 1e-13,
        max_iter: 400,
        ..DefaultSettings::default()
    };
    let mut solver =
        DefaultSolver::new(&objective, &linear, &constraints, &bounds, &cones, settings)
            .map_err(|error| Error::Numerical(format!("Clarabel setup: {error:?}")))?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {
            // The scaled problem's optimum is ṽ = scale·v.
            let norm: f64 = solver.solution.x.iter().map(|x| x * x).sum();
            Ok(Some(norm / (scale * scale)))
        }
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => Ok(None),
        other => Err(Error::Numerical(format!("Clarabel stopped with {other:?}"))),
    }
}

/// Whether the exact enclosure of `value` is certainly below `bound`.
pub fn certainly_below(value: &Interval, bound: &Interval) -> Option<bool> {
    if value.certainly_at_most(bound) {
        Some(true)
    } else if bound.certainly_less_than(value) {
        Some(false)
    } else {
        None
    }
}

/// Realisability (spec §7.1): p̄ = Δᵀ(ΔΔᵀ)⁻¹1 in exact rationals, and whether every gap
/// ⟨p̄, δ_k⟩ equals 1 exactly when recomputed from the vector p̄ itself.
///
/// The differences are grid vectors (integers times 2⁻²⁴); with λ = λ'/q on a common
/// denominator, p̄ = 2⁻²⁴/q · Σ_k λ'_k δ'_k, and a gap is 1 iff ⟨Σ λ'_k δ'_k, δ'_j⟩ = q·2⁴⁸.
///
/// The substance is that ΔΔᵀ is nonsingular (the differences are linearly independent):
/// then the gaps are 1 by construction, and recomputing them from the vector p̄ checks
/// the arithmetic. Dependent differences are a failure (`false`), not an error.
///
/// # Errors
/// [`Error::Numerical`] for a value off the grid.
pub fn realises_pattern(differences: &[Vec<f64>]) -> Result<bool, Error> {
    let gram = exact_gram_of(differences)?;
    let ones = vec![BigRational::one(); differences.len()];
    let Some(multipliers) = solve(&gram, &ones) else {
        return Ok(false);
    };
    let (integers, denominator) = common_denominator(&multipliers);
    let grid: Vec<Vec<i64>> = differences
        .iter()
        .map(|vector| {
            vector
                .iter()
                .map(|value| grid_units(*value))
                .collect::<Result<_, _>>()
        })
        .collect::<Result<_, _>>()?;
    let coordinates = differences[0].len();
    let mut direction = vec![BigInt::zero(); coordinates];
    for (vector, multiplier) in grid.iter().zip(&integers) {
        for (entry, value) in direction.iter_mut().zip(vector) {
            if *value != 0 {
                *entry += multiplier * value;
            }
        }
    }
    let target = &denominator * unit_denominator();
    Ok(grid.iter().all(|vector| {
        let gap = vector
            .iter()
            .zip(&direction)
            .filter(|(value, _)| **value != 0)
            .fold(BigInt::zero(), |sum, (value, entry)| sum + entry * value);
        gap == target
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;
    use crate::theorems::attention_benign::data::draw;
    use crate::theorems::attention_benign::setting::Simulator;
    use crate::theorems::attention_benign::setting::tests::default_setting;

    fn small(kappa: i64) -> Dataset {
        let mut setting = default_setting();
        setting.samples = 8;
        setting.dimension = 1600;
        setting.flip_rate = ratio(1, 4);
        let setting = setting.with_scaled_snr(&ratio(kappa, 1));
        draw(&setting, Simulator::Gram, 0).unwrap()
    }

    #[test]
    fn the_dual_active_set_handles_an_inactive_constraint() {
        // a₁ = (1, 0), a₂ = (2, 0): only a₁ is active; ‖v‖² = 1 at v = (1, 0).
        let gram = vec![
            vec![ratio(1, 1), ratio(2, 1)],
            vec![ratio(2, 1), ratio(4, 1) + ratio(1, 1000)],
        ];
        let dual = solve_dual(&gram).unwrap();
        assert!(dual.cost > ratio(1, 2) && dual.cost <= ratio(1, 1));
        let simple = vec![
            vec![ratio(2, 1), ratio(-1, 1)],
            vec![ratio(-1, 1), ratio(2, 1)],
        ];
        assert_eq!(solve_dual(&simple).unwrap().cost, ratio(2, 1));
        // The second vector is nearly parallel and longer: its constraint is inactive.
        let inactive = vec![vec![1.0, 1.9], vec![1.9, 4.0]];
        let dual = solve_dual(&inactive).unwrap();
        assert!((dual.cost - 1.0).abs() < 1e-12, "{dual:?}");
        assert_eq!(dual.multipliers[1], 0.0);
    }

    #[test]
    fn exact_and_f64_pattern_costs_agree_with_the_generic_qp() {
        let dataset = small(2);
        let grid = GridData::of(&dataset).unwrap();
        let exact_gram = exact_noise_gram(&grid);
        let inverse = BigRational::one() / grid.signal_norm_squared();
        let exact = class_pattern_costs(&dataset, &exact_gram, &inverse).unwrap();
        let approximate = class_pattern_costs(
            &dataset,
            &noise_gram(&dataset),
            &(1.0 / dataset.signal_norm.powi(2)),
        )
        .unwrap();
        for ((pattern, cost), (_, double)) in exact.iter().zip(&approximate) {
            let pickers = signal_pickers(&dataset, pattern);
            let tokens = chosen_slots(&dataset, &pickers);
            let vectors: Vec<Vec<f64>> = (0..dataset.samples)
                .map(|i| {
                    dataset
                        .token(i, tokens[i])
                        .iter()
                        .map(|x| x * f64::from(dataset.labels[i]))
                        .collect()
                })
                .collect();
            let generic = generic_svm(&vectors).unwrap().unwrap();
            let exact_value = crate::exact::to_f64(cost);
            assert!(
                (generic / exact_value - 1.0).abs() < 1e-9,
                "{} {generic} {exact_value}",
                pattern_name(pattern)
            );
            assert!((double / exact_value - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn realisability_gives_unit_gaps() {
        let dataset = small(4);
        let pickers = vec![true, false, true, true, false, false, true, false];
        let differences = selection_differences(&dataset, &chosen_slots(&dataset, &pickers));
        assert!(realises_pattern(&differences).unwrap());
    }
}
