//! The single-head attention model of spec §3 and full-batch gradient descent on it, in
//! any arithmetic tier ([`Scalar`]): f64 for the simulators, exact rationals for the
//! first step (where every exponential is exp(0)), certified intervals for both steps.
//!
//! # Formula
//! ```text
//! f(X; p, v) = Σ_t s_t ⟨x_t, v⟩,  s = softmax(Xp)
//! ∇_v f = Xᵀs,   ∇_p f = Xᵀ J X v = Σ_t s_t (h_t − f) x_t,   h = Xv,  J = diag(s) − ssᵀ
//! L = (1/n) Σ_i ℓ(y_i f_i),  ℓ(m) = ln(1 + e^{−m}),  −ℓ'(m) = 1/(1 + e^m)
//! (p, v) ← (p, v) − β ∇L = (p, v) + (β/n) Σ_i (−ℓ'(y_i f_i)) y_i (∇_p f_i, ∇_v f_i)
//! ```
//! The gradients are the generic ones, not the two-step closed forms of §5, so that the
//! closed forms are checked against an independent computation.

use std::borrow::Cow;
use std::cmp::Ordering;

use num_rational::BigRational;

use crate::error::Error;
use crate::exact::{Scalar, ratio};

/// A training set's tokens in some arithmetic: n·T·D values, sample-major, with labels;
/// borrowed from the data in f64, converted into the exact and certified tiers.
#[derive(Clone, Debug)]
pub struct Tokens<'a, S: Clone> {
    /// n.
    pub samples: usize,
    /// T.
    pub tokens: usize,
    /// D.
    pub coordinates: usize,
    /// The values.
    pub values: Cow<'a, [S]>,
    /// Observed labels y_i ∈ {±1}.
    pub labels: Cow<'a, [i8]>,
}

impl<'a> Tokens<'a, f64> {
    /// f64 tokens borrowed as they are.
    pub fn borrowed(
        values: &'a [f64],
        samples: usize,
        tokens: usize,
        coordinates: usize,
        labels: &'a [i8],
    ) -> Tokens<'a, f64> {
        Tokens {
            samples,
            tokens,
            coordinates,
            values: Cow::Borrowed(values),
            labels: Cow::Borrowed(labels),
        }
    }
}

impl<S: Scalar> Tokens<'static, S> {
    /// Converts f64 tokens exactly into this tier.
    ///
    /// # Errors
    /// [`Error::Numerical`] for a non-finite datum in an exact tier.
    pub fn convert(
        values: &[f64],
        samples: usize,
        tokens: usize,
        coordinates: usize,
        labels: &[i8],
        precision: usize,
    ) -> Result<Tokens<'static, S>, Error> {
        Ok(Tokens {
            samples,
            tokens,
            coordinates,
            values: Cow::Owned(
                values
                    .iter()
                    .map(|value| S::from_f64(*value, precision))
                    .collect::<Result<_, _>>()?,
            ),
            labels: Cow::Owned(labels.to_vec()),
        })
    }
}

impl<S: Scalar> Tokens<'_, S> {
    /// Token t of input i.
    pub fn token(&self, sample: usize, slot: usize) -> &[S] {
        let start = (sample * self.tokens + slot) * self.coordinates;
        &self.values[start..start + self.coordinates]
    }
}

/// The trainable vectors: the attention vector p and the value vector v.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights<S> {
    /// p.
    pub attention: Vec<S>,
    /// v.
    pub value: Vec<S>,
}

impl<S: Scalar> Weights<S> {
    /// p = v = 0, the zero initialization.
    pub fn zero(coordinates: usize, precision: usize) -> Weights<S> {
        Weights {
            attention: vec![S::zero_at(precision); coordinates],
            value: vec![S::zero_at(precision); coordinates],
        }
    }
}

/// What the model computes on every training input at one iterate.
#[derive(Clone, Debug)]
pub struct Forward<S> {
    /// ⟨p, x_{i,t}⟩, n·T.
    pub logits: Vec<S>,
    /// softmax(X_i p)_t, n·T.
    pub attention: Vec<S>,
    /// h_{i,t} = ⟨x_{i,t}, v⟩, n·T.
    pub values: Vec<S>,
    /// f_i, n.
    pub outputs: Vec<S>,
}

/// Both steps of GD from zero: the three iterates and the model at each.
#[derive(Clone, Debug)]
pub struct Trajectory<S> {
    /// (p₀, v₀) = 0, (p₁, v₁), (p₂, v₂).
    pub iterates: Vec<Weights<S>>,
    /// The model at each iterate.
    pub forwards: Vec<Forward<S>>,
}

fn dot<S: Scalar>(left: &[S], right: &[S], precision: usize) -> S {
    left.iter()
        .zip(right)
        .filter(|(_, b)| !b.is_exact_zero())
        .fold(S::zero_at(precision), |sum, (a, b)| sum.add(&a.mul(b)))
}

/// softmax, written as s_t = e^{l_t − l*} / Σ_u e^{l_u − l*} with l* the largest logit
/// (as read in f64), so nothing overflows in f64 and exact tiers see exp(0) when the
/// logits are equal.
///
/// # Errors
/// A failed exponential.
pub fn softmax<S: Scalar>(logits: &[S]) -> Result<Vec<S>, Error> {
    let reference = logits
        .iter()
        .max_by(|a, b| {
            a.to_f64()
                .partial_cmp(&b.to_f64())
                .unwrap_or(Ordering::Equal)
        })
        .expect("at least one logit")
        .clone();
    let shifted: Vec<S> = logits
        .iter()
        .map(|logit| logit.sub(&reference).exp())
        .collect::<Result<_, _>>()?;
    let precision = reference.precision();
    let total = shifted
        .iter()
        .fold(S::zero_at(precision), |sum, value| sum.add(value));
    shifted.iter().map(|value| value.div(&total)).collect()
}

/// −ℓ'(m) = 1/(1 + e^m), written as e^{−m}/(1 + e^{−m}) for m > 0 so nothing overflows.
///
/// # Errors
/// A failed exponential (or an irrational value in the exact tier).
pub fn logistic_weight<S: Scalar>(margin: &S) -> Result<S, Error> {
    let one = S::constant(&ratio(1, 1), margin.precision());
    if margin.to_f64() > 0.0 {
        let decay = margin.neg().exp()?;
        decay.div(&one.add(&decay))
    } else {
        one.div(&one.add(&margin.exp()?))
    }
}

/// The model on every training input.
///
/// # Errors
/// A failed exponential in the softmax.
pub fn forward<S: Scalar>(data: &Tokens<'_, S>, weights: &Weights<S>) -> Result<Forward<S>, Error> {
    let precision = weights
        .attention
        .first()
        .map_or(0, |value| value.precision());
    let size = data.samples * data.tokens;
    let mut logits = Vec::with_capacity(size);
    let mut values = Vec::with_capacity(size);
    for sample in 0..data.samples {
        for slot in 0..data.tokens {
            let token = data.token(sample, slot);
            logits.push(dot(token, &weights.attention, precision));
            values.push(dot(token, &weights.value, precision));
        }
    }
    let mut attention = Vec::with_capacity(size);
    let mut outputs = Vec::with_capacity(data.samples);
    for sample in 0..data.samples {
        let range = sample * data.tokens..(sample + 1) * data.tokens;
        let weights_of_sample = softmax(&logits[range.clone()])?;
        let output = weights_of_sample
            .iter()
            .zip(&values[range])
            .fold(S::zero_at(precision), |sum, (s, h)| sum.add(&s.mul(h)));
        attention.extend(weights_of_sample);
        outputs.push(output);
    }
    Ok(Forward {
        logits,
        attention,
        values,
        outputs,
    })
}

/// One full-batch GD step of size `step` from `weights`, whose model is `model`.
///
/// # Errors
/// A failed logistic weight.
pub fn step<S: Scalar>(
    data: &Tokens<'_, S>,
    weights: &Weights<S>,
    model: &Forward<S>,
    step: &BigRational,
) -> Result<Weights<S>, Error> {
    let precision = weights
        .attention
        .first()
        .map_or(0, |value| value.precision());
    let scale = S::constant(
        &(step / BigRational::from_integer((data.samples as i64).into())),
        precision,
    );
    let mut next = weights.clone();
    for sample in 0..data.samples {
        let label = data.labels[sample];
        let output = &model.outputs[sample];
        let margin = if label > 0 {
            output.clone()
        } else {
            output.neg()
        };
        let signed_weight = {
            let weight = logistic_weight(&margin)?.mul(&scale);
            if label > 0 { weight } else { weight.neg() }
        };
        for slot in 0..data.tokens {
            let index = sample * data.tokens + slot;
            let share = &model.attention[index];
            let value_coefficient = signed_weight.mul(share);
            let attention_coefficient = value_coefficient.mul(&model.values[index].sub(output));
            let token = data.token(sample, slot);
            if !value_coefficient.is_exact_zero() {
                for (entry, coordinate) in next.value.iter_mut().zip(token) {
                    *entry = entry.add(&value_coefficient.mul(coordinate));
                }
            }
            // At p = v = 0 every h_t − f vanishes: the attention step is exactly zero.
            if !attention_coefficient.is_exact_zero() {
                for (entry, coordinate) in next.attention.iter_mut().zip(token) {
                    *entry = entry.add(&attention_coefficient.mul(coordinate));
                }
            }
        }
    }
    Ok(next)
}

/// Two GD steps from p = v = 0 with step sizes β₀ and β₁.
///
/// # Errors
/// A failed exponential or logistic weight (for exact rationals: the second step).
pub fn two_steps<S: Scalar>(
    data: &Tokens<'_, S>,
    first_step: &BigRational,
    second_step: &BigRational,
    precision: usize,
) -> Result<Trajectory<S>, Error> {
    steps(data, &[first_step.clone(), second_step.clone()], precision)
}

/// GD steps from zero with the given step sizes.
///
/// # Errors
/// As [`two_steps`].
pub fn steps<S: Scalar>(
    data: &Tokens<'_, S>,
    step_sizes: &[BigRational],
    precision: usize,
) -> Result<Trajectory<S>, Error> {
    let mut iterates = vec![Weights::zero(data.coordinates, precision)];
    let mut forwards = vec![forward(data, &iterates[0])?];
    for size in step_sizes {
        let next = step(
            data,
            iterates.last().expect("an iterate"),
            forwards.last().expect("a model"),
            size,
        )?;
        forwards.push(forward(data, &next)?);
        iterates.push(next);
    }
    Ok(Trajectory { iterates, forwards })
}

/// The prediction sign f with the tie-break f = 0 → −1.
pub fn predict(output: f64) -> i8 {
    if output > 0.0 { 1 } else { -1 }
}

/// f = Σ_t softmax(logits)_t · values_t in f64, and the attention on `slot`.
pub fn output_and_weight(logits: &[f64], values: &[f64], slot: usize) -> (f64, f64) {
    let maximum = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    let mut weighted = 0.0;
    for (logit, value) in logits.iter().zip(values) {
        let share = (logit - maximum).exp();
        total += share;
        weighted += share * value;
    }
    let share = (logits[slot] - maximum).exp() / total;
    (weighted / total, share)
}

/// The sign of f(X; R p, v) as R → ∞: among the tokens with a nonzero value ⟨x_t, v⟩,
/// those of the largest logit decide (f = 0 when every value is zero, predicting −1).
pub fn limit_prediction(logits: &[f64], values: &[f64]) -> i8 {
    let mut best: Option<f64> = None;
    let mut sum = 0.0;
    for (logit, value) in logits.iter().zip(values) {
        if *value == 0.0 {
            continue;
        }
        match best {
            Some(current) if *logit < current => {}
            Some(current) if *logit == current => sum += value,
            _ => {
                best = Some(*logit);
                sum = *value;
            }
        }
    }
    predict(sum)
}

/// Whether the signal slot's logit exceeds every other logit.
pub fn attends_signal(logits: &[f64], signal_slot: usize) -> bool {
    logits
        .iter()
        .enumerate()
        .all(|(slot, logit)| slot == signal_slot || *logit < logits[signal_slot])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::Interval;

    fn tiny() -> Tokens<'static, f64> {
        // n = 2, T = 2, D = 3.
        Tokens {
            samples: 2,
            tokens: 2,
            coordinates: 3,
            values: Cow::Owned(vec![
                1.0, 0.0, 0.5, 0.0, 2.0, -1.0, 0.0, 1.0, 0.25, -0.5, 0.0, 1.5,
            ]),
            labels: Cow::Owned(vec![1, -1]),
        }
    }

    fn loss(data: &Tokens<'_, f64>, weights: &Weights<f64>) -> f64 {
        let model = forward(data, weights).unwrap();
        (0..data.samples)
            .map(|i| crate::sim::logistic_loss(f64::from(data.labels[i]) * model.outputs[i]))
            .sum::<f64>()
            / data.samples as f64
    }

    #[test]
    fn a_step_follows_the_negative_gradient_of_the_loss() {
        let data = tiny();
        let weights = Weights {
            attention: vec![0.3, -0.2, 0.1],
            value: vec![0.5, 0.4, -0.3],
        };
        let model = forward(&data, &weights).unwrap();
        let next = step(&data, &weights, &model, &ratio(1, 1)).unwrap();
        // The step is −∇L: compare each coordinate with central differences.
        for block in 0..2 {
            for k in 0..3 {
                let mut plus = weights.clone();
                let mut minus = weights.clone();
                let h = 1e-6;
                let (slot_plus, slot_minus, moved) = if block == 0 {
                    (
                        &mut plus.attention[k],
                        &mut minus.attention[k],
                        next.attention[k] - weights.attention[k],
                    )
                } else {
                    (
                        &mut plus.value[k],
                        &mut minus.value[k],
                        next.value[k] - weights.value[k],
                    )
                };
                *slot_plus += h;
                *slot_minus -= h;
                let gradient = (loss(&data, &plus) - loss(&data, &minus)) / (2.0 * h);
                assert!(
                    (moved + gradient).abs() < 1e-8,
                    "block {block}, k {k}: {moved} vs {}",
                    -gradient
                );
            }
        }
    }

    #[test]
    fn the_first_step_is_exact_in_rationals_and_the_second_is_not() {
        let data = tiny();
        let exact: Tokens<'_, BigRational> =
            Tokens::convert(&data.values, 2, 2, 3, &data.labels, 0).unwrap();
        let one_step = steps(&exact, &[ratio(1, 2)], 0).unwrap();
        let approximate = steps(&data, &[ratio(1, 2)], 0).unwrap();
        for (a, b) in one_step.iterates[1]
            .value
            .iter()
            .zip(&approximate.iterates[1].value)
        {
            assert_eq!(crate::exact::to_f64(a), *b);
        }
        assert!(two_steps(&exact, &ratio(1, 2), &ratio(1, 2), 0).is_err());
        let certified: Tokens<'_, Interval> =
            Tokens::convert(&data.values, 2, 2, 3, &data.labels, 128).unwrap();
        let enclosed = two_steps(&certified, &ratio(1, 2), &ratio(1, 2), 128).unwrap();
        let doubles = two_steps(&data, &ratio(1, 2), &ratio(1, 2), 0).unwrap();
        for (a, b) in enclosed.iterates[2]
            .attention
            .iter()
            .zip(&doubles.iterates[2].attention)
        {
            assert!((a.midpoint_f64() - b).abs() < 1e-14);
            assert!(a.width_f64() < 1e-30);
        }
    }

    #[test]
    fn the_limit_prediction_skips_zero_values() {
        assert_eq!(limit_prediction(&[5.0, 1.0], &[0.0, 2.0]), 1);
        assert_eq!(limit_prediction(&[5.0, 1.0], &[-1.0, 2.0]), -1);
        assert_eq!(limit_prediction(&[1.0, 1.0], &[0.0, 0.0]), -1);
        assert!(attends_signal(&[2.0, 1.0], 0));
        assert!(!attends_signal(&[1.0, 1.0], 0));
    }
}
