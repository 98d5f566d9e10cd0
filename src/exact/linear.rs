//! Fraction-exact linear algebra over [`BigRational`].
//!
//! nalgebra cannot factor matrices of rationals, and Gram solves in the theorems (exact
//! feature inverses, min-norm interpolators) must not round. Gaussian elimination with
//! the first nonzero pivot is exact here because every operation is; [`solve`] clears
//! denominators row by row and eliminates fraction-free (Bareiss), so its integers grow
//! only linearly with the size instead of through repeated gcd reductions.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// A dense matrix of rationals, row-major.
pub type RationalMatrix = Vec<Vec<BigRational>>;

/// Solves `matrix · x = right_side` exactly; `None` when the matrix is singular.
///
/// ```
/// use thmcheck::exact::{ratio, solve};
/// let matrix = vec![vec![ratio(2, 1), ratio(1, 1)], vec![ratio(1, 1), ratio(3, 1)]];
/// let x = solve(&matrix, &[ratio(1, 1), ratio(2, 1)]).unwrap();
/// assert_eq!(x, vec![ratio(1, 5), ratio(3, 5)]);
/// ```
///
/// # Panics
/// When the matrix is not square or the right side has the wrong length.
pub fn solve(matrix: &[Vec<BigRational>], right_side: &[BigRational]) -> Option<Vec<BigRational>> {
    let size = matrix.len();
    assert!(
        matrix.iter().all(|row| row.len() == size),
        "solve needs a square matrix"
    );
    assert_eq!(
        right_side.len(),
        size,
        "right side length must match the matrix"
    );
    if size == 0 {
        return Some(Vec::new());
    }
    // Scaling a row by the lcm of its denominators leaves the solution unchanged and
    // turns the system into integers, which fraction-free elimination keeps integral.
    let mut augmented: Vec<Vec<BigInt>> = matrix
        .iter()
        .zip(right_side)
        .map(|(row, value)| {
            let entries: Vec<&BigRational> = row.iter().chain(std::iter::once(value)).collect();
            let common = entries
                .iter()
                .fold(BigInt::one(), |lcm, entry| lcm.lcm(entry.denom()));
            entries
                .iter()
                .map(|entry| entry.numer() * (&common / entry.denom()))
                .collect()
        })
        .collect();
    bareiss(&mut augmented, size)?;
    // Fraction-free back substitution: the last pivot is ±det A, and y = det·x is an
    // integer vector (Cramer's rule), so every division below is exact.
    let determinant = augmented[size - 1][size - 1].clone();
    let mut scaled = vec![BigInt::zero(); size];
    for row in (0..size).rev() {
        let mut remainder = &determinant * &augmented[row][size];
        for column in row + 1..size {
            if !augmented[row][column].is_zero() {
                remainder -= &augmented[row][column] * &scaled[column];
            }
        }
        scaled[row] = remainder / &augmented[row][row];
    }
    let solution = scaled
        .into_iter()
        .map(|value| BigRational::new(value, determinant.clone()))
        .collect();
    Some(solution)
}

/// Bareiss's fraction-free elimination of the first `size` columns: every division is
/// exact, so entries stay integers of size linear in the row count. `None` when singular.
fn bareiss(augmented: &mut [Vec<BigInt>], size: usize) -> Option<()> {
    let mut previous = BigInt::one();
    for column in 0..size {
        let pivot_row = (column..size).find(|&row| !augmented[row][column].is_zero())?;
        augmented.swap(column, pivot_row);
        let (upper, lower) = augmented.split_at_mut(column + 1);
        let pivot_values = &upper[column];
        for values in lower.iter_mut() {
            let factor = values[column].clone();
            for (value, pivot_value) in values.iter_mut().zip(pivot_values.iter()).skip(column + 1)
            {
                let combined = &*value * &pivot_values[column] - &factor * pivot_value;
                *value = combined / &previous;
            }
            values[column] = BigInt::zero();
        }
        previous = pivot_values[column].clone();
    }
    Some(())
}

/// The exact inverse; `None` when the matrix is singular.
pub fn inverse(matrix: &[Vec<BigRational>]) -> Option<RationalMatrix> {
    let size = matrix.len();
    let mut augmented: RationalMatrix = matrix
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let identity_row = (0..size).map(|j| {
                if i == j {
                    BigRational::one()
                } else {
                    BigRational::zero()
                }
            });
            row.iter().cloned().chain(identity_row).collect()
        })
        .collect();
    eliminate(&mut augmented, size)?;
    Some(
        augmented
            .into_iter()
            .map(|row| row[size..].to_vec())
            .collect(),
    )
}

/// Gauss–Jordan elimination on the first `size` columns, leaving the identity there.
fn eliminate(augmented: &mut RationalMatrix, size: usize) -> Option<()> {
    for column in 0..size {
        let pivot_row = (column..size).find(|&row| !augmented[row][column].is_zero())?;
        augmented.swap(column, pivot_row);
        let pivot = augmented[column][column].clone();
        for value in augmented[column].iter_mut() {
            *value /= &pivot;
        }
        let pivot_values = augmented[column].clone();
        for (row, values) in augmented.iter_mut().enumerate() {
            if row == column || values[column].is_zero() {
                continue;
            }
            let factor = values[column].clone();
            for (value, pivot_value) in values.iter_mut().zip(&pivot_values) {
                *value -= &factor * pivot_value;
            }
        }
    }
    Some(())
}

/// `matrix · vector`.
pub fn multiply(matrix: &[Vec<BigRational>], vector: &[BigRational]) -> Vec<BigRational> {
    matrix
        .iter()
        .map(|row| crate::exact::dot(row, vector))
        .collect()
}

/// `matrixᵀ`.
pub fn transpose(matrix: &[Vec<BigRational>]) -> RationalMatrix {
    let columns = matrix.first().map_or(0, Vec::len);
    (0..columns)
        .map(|j| matrix.iter().map(|row| row[j].clone()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    #[test]
    fn inverse_times_matrix_is_identity() {
        let matrix = vec![
            vec![ratio(0, 1), ratio(1, 2), ratio(2, 1)],
            vec![ratio(3, 1), ratio(-1, 3), ratio(0, 1)],
            vec![ratio(1, 1), ratio(1, 1), ratio(1, 7)],
        ];
        let inverse = inverse(&matrix).unwrap();
        for i in 0..3 {
            let column: Vec<_> = (0..3).map(|k| inverse[k][i].clone()).collect();
            let product = multiply(&matrix, &column);
            for (j, value) in product.iter().enumerate() {
                assert_eq!(*value, if i == j { ratio(1, 1) } else { ratio(0, 1) });
            }
        }
    }

    #[test]
    fn fraction_free_solves_match_the_inverse() {
        let matrix = vec![
            vec![ratio(2, 3), ratio(1, 5), ratio(-1, 1), ratio(0, 1)],
            vec![ratio(0, 1), ratio(0, 1), ratio(3, 7), ratio(1, 1)],
            vec![ratio(4, 1), ratio(-2, 9), ratio(1, 2), ratio(5, 1)],
            vec![ratio(1, 1), ratio(1, 1), ratio(1, 1), ratio(-1, 4)],
        ];
        let right = vec![ratio(1, 1), ratio(-2, 3), ratio(0, 1), ratio(7, 2)];
        let solution = solve(&matrix, &right).unwrap();
        assert_eq!(multiply(&matrix, &solution), right);
        assert_eq!(solution, multiply(&inverse(&matrix).unwrap(), &right));
    }

    #[test]
    fn singular_matrices_have_no_solution() {
        let matrix = vec![
            vec![ratio(1, 1), ratio(2, 1)],
            vec![ratio(2, 1), ratio(4, 1)],
        ];
        assert!(solve(&matrix, &[ratio(1, 1), ratio(1, 1)]).is_none());
        assert!(inverse(&matrix).is_none());
    }
}
