//! Simulation engines shared by the theorems: gradient flow with event location, and
//! numerically safe softmax and logistic functions.

pub mod flow;

/// Softmax of `logits` into `probabilities`, subtracting the maximum first so nothing
/// overflows.
pub fn softmax(logits: &[f64], probabilities: &mut [f64]) {
    probabilities.copy_from_slice(logits);
    softmax_in_place(probabilities);
}

/// Softmax of `values` in place, max-subtracted.
pub fn softmax_in_place(values: &mut [f64]) {
    let maximum = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for value in values.iter_mut() {
        *value = (*value - maximum).exp();
        total += *value;
    }
    for value in values.iter_mut() {
        *value /= total;
    }
}

/// The logistic loss ℓ(m) = ln(1 + e^{−m}) without overflow.
pub fn logistic_loss(margin: f64) -> f64 {
    (-margin).max(0.0) + (-margin.abs()).exp().ln_1p()
}

/// −ℓ'(m) = 1/(1 + e^{m}) without overflow.
pub fn logistic_weight(margin: f64) -> f64 {
    if margin > 0.0 {
        let decay = (-margin).exp();
        decay / (1.0 + decay)
    } else {
        1.0 / (1.0 + margin.exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_survives_huge_logits() {
        let mut probabilities = [0.0; 3];
        softmax(&[1000.0, 1000.0, -1000.0], &mut probabilities);
        assert_eq!(probabilities, [0.5, 0.5, 0.0]);
    }

    #[test]
    fn softmax_in_place_matches_softmax() {
        let logits = [0.3, -2.0, 5.0, 5.0];
        let mut expected = [0.0; 4];
        softmax(&logits, &mut expected);
        let mut values = logits;
        softmax_in_place(&mut values);
        assert_eq!(values, expected);
    }

    #[test]
    fn logistic_functions_are_finite_at_extremes() {
        assert_eq!(logistic_loss(1000.0), 0.0);
        assert_eq!(logistic_loss(-1000.0), 1000.0);
        assert_eq!(logistic_weight(-1000.0), 1.0);
        assert_eq!(logistic_weight(1000.0), 0.0);
        assert!((logistic_weight(0.0) - 0.5).abs() < 1e-16);
    }
}
