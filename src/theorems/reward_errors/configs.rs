//! The spec's configurations: the stall family of §6.3, the feature geometries of §7, the
//! repository experiments of §8.

use nalgebra::{DMatrix, DVector};
use num_rational::BigRational;

use super::dynamics::Bandit;
use crate::error::Error;
use crate::exact::{parse_rational, ratio, rational_from_decimal_f64, to_f64};

/// c = 0.70710678118 as written in the authors' configs (a decimal, not 1/√2).
pub fn config_cosine() -> BigRational {
    parse_rational("0.70710678118").expect("a decimal literal")
}

/// Feature geometries of §7 (five outputs: y⋆, y_med, b1, b2, b3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Geometry {
    /// φ(y) = e_y.
    Tabular,
    /// φ(y⋆) = 1.5e₁, φ(y_med) = e₂.
    Orthogonal,
    /// φ(y_med) = (−c, c, 0, 0, 0): negative inner product with φ(y⋆).
    Negative,
    /// φ(y_med) = (c, c, 0, 0, 0): positive inner product.
    Positive,
    /// φ(y_med) = (s, √(1 − s²), 0, 0, 0): cosine s with φ(y⋆).
    Sweep(f64),
}

impl Geometry {
    /// Reads `geometry` (and `med_cosine` for the sweep).
    pub fn from_name(name: &str, cosine: f64) -> Geometry {
        match name {
            "orth" => Geometry::Orthogonal,
            "neg" => Geometry::Negative,
            "pos" => Geometry::Positive,
            "sweep" => Geometry::Sweep(cosine),
            _ => Geometry::Tabular,
        }
    }

    /// Short name for reports.
    pub fn name(&self) -> String {
        match self {
            Geometry::Tabular => "tabular".into(),
            Geometry::Orthogonal => "orth".into(),
            Geometry::Negative => "neg".into(),
            Geometry::Positive => "pos".into(),
            Geometry::Sweep(cosine) => format!("sweep s = {cosine}"),
        }
    }

    /// Exact features, when rational (all but sweep cosines with irrational √(1 − s²)).
    pub fn exact_features(&self, outputs: usize) -> Option<Vec<Vec<BigRational>>> {
        let zero = || ratio(0, 1);
        let mut rows: Vec<Vec<BigRational>> = (0..outputs)
            .map(|y| {
                (0..outputs)
                    .map(|k| if y == k { ratio(1, 1) } else { zero() })
                    .collect()
            })
            .collect();
        let c = config_cosine();
        match self {
            Geometry::Tabular => {}
            Geometry::Orthogonal => rows[0][0] = ratio(3, 2),
            Geometry::Negative => {
                rows[0][0] = ratio(3, 2);
                rows[1][0] = -c.clone();
                rows[1][1] = c;
            }
            Geometry::Positive => {
                rows[0][0] = ratio(3, 2);
                rows[1][0] = c.clone();
                rows[1][1] = c;
            }
            Geometry::Sweep(cosine) => {
                // Exact only when √(1 − s²) is rational, e.g. s = 0.6 or 0.8.
                let cosine = rational_from_decimal_f64(*cosine)?;
                let sine = rational_square_root(&(ratio(1, 1) - &cosine * &cosine))?;
                rows[0][0] = ratio(3, 2);
                rows[1][0] = cosine;
                rows[1][1] = sine;
            }
        }
        Some(rows)
    }

    /// Features as doubles.
    pub fn features(&self, outputs: usize) -> Vec<Vec<f64>> {
        match self {
            Geometry::Sweep(cosine) => {
                let mut rows = Geometry::Orthogonal.features(outputs);
                rows[1][0] = *cosine;
                rows[1][1] = (1.0 - cosine * cosine).sqrt();
                rows
            }
            _ => self
                .exact_features(outputs)
                .expect("rational geometry")
                .iter()
                .map(|row| row.iter().map(to_f64).collect())
                .collect(),
        }
    }
}

/// The rational square root of a non-negative rational, when it has one.
pub fn rational_square_root(value: &BigRational) -> Option<BigRational> {
    if *value < ratio(0, 1) {
        return None;
    }
    let (numerator, denominator) = (value.numer().sqrt(), value.denom().sqrt());
    (&numerator * &numerator == *value.numer() && &denominator * &denominator == *value.denom())
        .then(|| BigRational::new(numerator, denominator))
}

/// Solves Fθ = ln π₀ in f64 (F square and invertible).
///
/// # Errors
/// [`Error::Numerical`] when F is singular.
pub fn initial_parameters(features: &[Vec<f64>], policy: &[f64]) -> Result<Vec<f64>, Error> {
    let size = features.len();
    let matrix = DMatrix::from_fn(size, size, |row, column| features[row][column]);
    let logs = DVector::from_iterator(size, policy.iter().map(|p| p.ln()));
    matrix
        .lu()
        .solve(&logs)
        .map(|solution| solution.iter().copied().collect())
        .ok_or_else(|| {
            Error::Numerical("the feature matrix is singular; θ₀ = F⁻¹ ln π₀ does not exist".into())
        })
}

/// A bandit with the given features, started at θ₀ = F⁻¹ ln π₀.
///
/// # Errors
/// As [`initial_parameters`].
pub fn bandit_with_features(
    features: Vec<Vec<f64>>,
    policy: &[f64],
    ground_truth: &[f64],
    training: &[f64],
) -> Result<Bandit, Error> {
    let initial = initial_parameters(&features, policy)?;
    Ok(Bandit {
        tabular: false,
        features,
        ground_truth: ground_truth.to_vec(),
        training: training.to_vec(),
        initial,
    })
}

/// The stall family of §6.3: π₀ = (p, q_med, (1 − p − q_med)/k × k).
pub fn family_policy(
    optimal: &BigRational,
    medium: &BigRational,
    bad_outputs: usize,
) -> Vec<BigRational> {
    let rest =
        (ratio(1, 1) - optimal - medium) / BigRational::from_integer((bad_outputs as i64).into());
    let mut policy = vec![optimal.clone(), medium.clone()];
    policy.extend(std::iter::repeat_n(rest, bad_outputs));
    policy
}

/// (E15) the stall exponent α = ⟨φ_m, φ_m − φ⋆⟩ / (‖φ_m‖² + ‖φ_b‖²/k) with y⋆ = row 0,
/// y_med = row 1 and k equal-norm bad rows after them.
pub fn stall_exponent(features: &[Vec<f64>]) -> f64 {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let (optimal, medium, bad) = (&features[0], &features[1], &features[2]);
    let bad_outputs = (features.len() - 2) as f64;
    let difference: Vec<f64> = medium.iter().zip(optimal).map(|(m, o)| m - o).collect();
    dot(medium, &difference) / (dot(medium, medium) + dot(bad, bad) / bad_outputs)
}

/// π₀ of the reference instance T0: (1/20, 1/2, 3/20, 3/20, 3/20).
pub fn reference_policy() -> Vec<BigRational> {
    vec![
        ratio(1, 20),
        ratio(1, 2),
        ratio(3, 20),
        ratio(3, 20),
        ratio(3, 20),
    ]
}

/// r_G of T0: (1, 4/5, −1, −1, −1).
pub fn reference_ground_truth() -> Vec<BigRational> {
    vec![
        ratio(1, 1),
        ratio(4, 5),
        ratio(-1, 1),
        ratio(-1, 1),
        ratio(-1, 1),
    ]
}

/// The no-med proxy: (1, −1, −1, −1, −1).
pub fn no_med_proxy() -> Vec<BigRational> {
    vec![
        ratio(1, 1),
        ratio(-1, 1),
        ratio(-1, 1),
        ratio(-1, 1),
        ratio(-1, 1),
    ]
}

/// The spec's name of an output in the five-output layout (y⋆, y_med, b1, b2, …), with
/// `y_hack` for the extra output of RE-14.
pub fn output_name(index: usize) -> String {
    match index {
        0 => "y⋆".into(),
        1 => "y_med".into(),
        5 => "y_hack".into(),
        bad => format!("b{}", bad - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_exponents_match_the_spec() {
        assert!((stall_exponent(&Geometry::Tabular.features(5)) - 0.75).abs() < 1e-15);
        assert!((stall_exponent(&Geometry::Orthogonal.features(5)) - 0.75).abs() < 1e-15);
        assert!((stall_exponent(&Geometry::Negative.features(5)) - 1.5455).abs() < 1e-4);
        assert!((stall_exponent(&Geometry::Positive.features(5)) + 0.0455).abs() < 1e-4);
        assert!((stall_exponent(&Geometry::Sweep(-0.4).features(5)) - 1.2).abs() < 1e-12);
    }

    #[test]
    fn initial_parameters_reproduce_the_table() {
        let policy = [0.05, 0.5, 0.15, 0.15, 0.15];
        let theta = initial_parameters(&Geometry::Negative.features(5), &policy).unwrap();
        assert!((theta[0] + 1.99715).abs() < 5e-6 && (theta[1] + 2.97741).abs() < 5e-6);
    }
}
