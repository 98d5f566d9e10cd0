//! Exact and certified arithmetic.
//!
//! Three tiers serve the theorems: exact rationals ([`BigRational`](num_rational::BigRational))
//! for everything rational in rational inputs; certified [`Interval`]s with outward
//! rounding for exp, ln, sqrt and the normal distribution; and, outside this module,
//! plain `f64` for large simulations. This module also holds fraction-exact linear
//! algebra and the statistics that turn simulated samples into confidence intervals.

mod interval;
mod linear;
mod rational;
mod scalar;
mod special;
mod stats;

pub use interval::{DEFAULT_PRECISION, Interval, certify};
pub use linear::{RationalMatrix, inverse, multiply, solve, transpose};
pub use rational::{
    dot, format_rational, format_readable, one, parse_rational, ratio, rational_from_decimal_f64,
    rational_from_f64_exact, sum, to_f64,
};
pub use scalar::Scalar;
pub use special::{bivariate_normal_above_below, normal_cdf, normal_density, normal_tail, owen_t};
pub use stats::{
    Bounds, bootstrap_interval, clopper_pearson, clopper_pearson_lower, clopper_pearson_upper,
    extreme_least_squares_slopes, kendall_tau_b, least_squares_slope, mean, mean_interval,
    normal_quantile, quantile, spearman,
};
