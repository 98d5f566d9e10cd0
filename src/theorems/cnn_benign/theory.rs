//! The closed forms of spec §7 and §9 in f64, and the certified versions used by the
//! closed-form table.
//!
//! Symbols: n samples, d dimension, m filters per class, κ output scale, σ_p noise std,
//! ‖μ‖ signal norm, p flip rate, η step, ε loss target, v₀ output initialization.

use num_rational::BigRational;

use super::setting::Setting;
use crate::error::Error;
use crate::exact::{Interval, certify, ratio};

/// S = n‖μ‖⁴/(σ_p⁴ d), exactly.
pub fn threshold_statistic(
    samples: u64,
    dimension: u64,
    signal_norm: &BigRational,
    noise_std: &BigRational,
) -> BigRational {
    let signal_squared = signal_norm * signal_norm;
    let noise_squared = noise_std * noise_std;
    ratio(samples as i64, dimension as i64) * &signal_squared * &signal_squared
        / (&noise_squared * &noise_squared)
}

/// v* = √(ln(1/ε)/(κ m σ_p))·(n/d)^{1/4} (§7.4; per-neuron output weights).
pub fn final_output_scale(setting: &Setting, loss: f64) -> f64 {
    let kappa_m = setting.kappa() * setting.filters_per_class as f64;
    ((1.0 / loss).ln() / (kappa_m * setting.noise_std)).sqrt()
        * (setting.samples as f64 / setting.dimension as f64).powf(0.25)
}

/// The crossover law of §7.5: v_T² = (v₀² + √(v₀⁴ + 4v*⁴))/2; returns v_T.
pub fn crossover_output(output_init: f64, final_scale: f64) -> f64 {
    let v0_squared = output_init * output_init;
    ((v0_squared + (v0_squared * v0_squared + 4.0 * final_scale.powi(4)).sqrt()) / 2.0).sqrt()
}

/// ‖Δw‖/|v_T| ≈ v*²/v_T² (§7.5).
pub fn crossover_ratio(output_init: f64, final_scale: f64) -> f64 {
    (final_scale / crossover_output(output_init, final_scale)).powi(2)
}

/// The ratio equals 1/2 at v₀ = √(3/2)·v* (§7.5).
pub fn regime_boundary(final_scale: f64) -> f64 {
    (1.5_f64).sqrt() * final_scale
}

/// ‖φ⁽⁰⁾‖ ≈ κ[σ_p²d/(8n) + (1 − 2p)²‖μ‖²/16]^{1/2} (§7.2).
pub fn initial_direction_norm(setting: &Setting) -> f64 {
    let (n, d) = (setting.samples as f64, setting.dimension as f64);
    let clean = 1.0 - 2.0 * setting.flip_rate;
    setting.kappa()
        * (setting.noise_std.powi(2) * d / (8.0 * n)
            + clean * clean * setting.signal_norm.powi(2) / 16.0)
            .sqrt()
}

/// λ_A = κ[σ_p²d|A|/(4n²) + (1 − 2p)²‖μ‖²/16]^{1/2} with |A| = n/4 (§7.2).
pub fn growth_rate(setting: &Setting) -> f64 {
    let (n, d) = (setting.samples as f64, setting.dimension as f64);
    let active = n / 4.0;
    let clean = 1.0 - 2.0 * setting.flip_rate;
    setting.kappa()
        * (setting.noise_std.powi(2) * d * active / (4.0 * n * n)
            + clean * clean * setting.signal_norm.powi(2) / 16.0)
            .sqrt()
}

/// ρ/|v| ≈ κσ_p²d/(2nλ_A), the signal-corrected memorization ratio (§7.2).
pub fn memorization_ratio(setting: &Setting) -> f64 {
    setting.kappa() * setting.noise_std.powi(2) * setting.dimension as f64
        / (2.0 * setting.samples as f64 * growth_rate(setting))
}

/// ρ/|v| ≈ 2σ_p√(d/n), the signal-free form (§7.2).
pub fn memorization_ratio_signal_free(setting: &Setting) -> f64 {
    2.0 * setting.noise_std * (setting.dimension as f64 / setting.samples as f64).sqrt()
}

/// c in γ/ρ̄ ≈ c·n‖μ‖²/(σ_p²d): (1 − 2p)/2 early in training (§7.2).
pub fn signal_noise_constant(flip_rate: f64) -> f64 {
    (1.0 - 2.0 * flip_rate) / 2.0
}

/// The step-size guard of §7.6: G = η κ² v_max² σ_p² d/(4n) with v_max = max(v₀, v*), and
/// η‖φ⁽⁰⁾‖. The run is inside the guard when G ≤ 1/2 and η‖φ⁽⁰⁾‖ ≤ 1/4.
pub fn step_size_guard(setting: &Setting, output_weight: f64) -> (f64, f64) {
    let final_scale = final_output_scale(setting, setting.loss_target);
    let largest = output_weight.abs().max(final_scale);
    let kappa = setting.kappa();
    let guard = setting.learning_rate
        * kappa
        * kappa
        * largest
        * largest
        * setting.noise_std.powi(2)
        * setting.dimension as f64
        / (4.0 * setting.samples as f64);
    (
        guard,
        setting.learning_rate * initial_direction_norm(setting),
    )
}

/// Certified v* at rational inputs: √(ln(1/ε)/(κ m σ_p))·(n/d)^{1/4}.
///
/// # Errors
/// A non-positive argument of ln or sqrt.
pub fn certified_final_output_scale(
    samples: u64,
    dimension: u64,
    kappa_times_filters: &BigRational,
    noise_std: &BigRational,
    loss_target: &BigRational,
    precision: usize,
) -> Result<Interval, Error> {
    certify(precision, |bits| {
        let log =
            Interval::from_rational(&(BigRational::from_integer(1.into()) / loss_target), bits)
                .ln()?;
        let denominator = Interval::from_rational(&(kappa_times_filters * noise_std), bits);
        let fraction = Interval::from_rational(&ratio(samples as i64, dimension as i64), bits);
        Ok(log
            .div(&denominator)?
            .sqrt()?
            .mul(&fraction.sqrt()?.sqrt()?))
    })
}

/// Certified crossover v_T from certified v₀ and v*.
///
/// # Errors
/// As [`certified_final_output_scale`].
pub fn certified_crossover(
    output_init: &BigRational,
    final_scale: &Interval,
) -> Result<Interval, Error> {
    let bits = final_scale.precision();
    let v0_squared = Interval::from_rational(&(output_init * output_init), bits);
    let fourth = final_scale.powi(4).mul(&Interval::from_integer(4, bits));
    let root = v0_squared.square().add(&fourth).sqrt()?;
    v0_squared
        .add(&root)
        .div(&Interval::from_integer(2, bits))?
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theorems::cnn_benign::tests::small_setting;

    #[test]
    fn worked_value_of_the_final_output_scale() {
        // Spec §7.4: n = 40, d = 1000, m = 10, σ_p = 1, κ = 1, ε = 1e-3 gives v* ≈ 0.3717.
        let mut setting = small_setting();
        setting.samples = 40;
        setting.dimension = 1000;
        setting.filters_per_class = 10;
        let value = final_output_scale(&setting, 1e-3);
        assert!((value - 0.3717).abs() < 5e-5, "{value}");
        let certified = certified_final_output_scale(
            40,
            1000,
            &ratio(10, 1),
            &ratio(1, 1),
            &ratio(1, 1000),
            128,
        )
        .unwrap();
        assert!(certified.contains_f64(value) || (certified.midpoint_f64() - value).abs() < 1e-15);
    }

    #[test]
    fn crossover_limits_and_boundary() {
        let star = 0.4;
        assert!((crossover_output(1e-6, star) - star).abs() < 1e-9);
        let large = crossover_output(100.0, star);
        assert!((large / 100.0 - 1.0 - (star / 100.0).powi(4) / 2.0).abs() < 1e-12);
        assert!((crossover_ratio(regime_boundary(star), star) - 0.5).abs() < 1e-12);
    }
}
