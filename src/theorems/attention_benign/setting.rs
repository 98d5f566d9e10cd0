//! One configuration of the data model and the two-step schedule, read from a case's
//! spelled-out parameters (ACCEPTANCE.md §5–6 names).
//!
//! Every number that enters exact arithmetic is kept as a rational: the step scales
//! b₀, b₁ (so β₀ = b₀n/d and β₁ = b₁n/(b₀d) are exact), the flip rate, and the signal
//! norm ρ, which is rounded to the data grid of [`GRID`] so that ρ² — and with it
//! r = ρ²/d and κ = nρ²/d — is an exact rational of the instance actually simulated.

use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

use crate::error::Error;
use crate::exact::{format_rational, ratio, rational_from_f64_exact, to_f64};
use crate::suite::Parameters;

/// Data values are multiples of 2⁻²⁴: every datum is a dyadic rational with a small
/// denominator, so exact inner products stay cheap; the law differs from the Gaussian by
/// at most 2⁻²⁵ per coordinate.
pub const GRID: f64 = 1.0 / 16_777_216.0;

/// Rounds a value to the data grid.
pub fn on_grid(value: f64) -> f64 {
    (value / GRID).round() * GRID
}

/// How the clean labels are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClassCounts {
    /// Exactly n/2 samples per class.
    Balanced,
    /// Independent fair labels.
    Independent,
}

/// How the flipped samples are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlipMode {
    /// Exactly η·n/2 samples of each class (an integer), uniformly within the class.
    Exact,
    /// Each label flips independently with probability η.
    Bernoulli,
}

/// Where the signal token sits in an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalPosition {
    /// A uniformly random slot per input.
    Random,
    /// Always the first slot.
    First,
}

/// Which simulator a claim runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Simulator {
    /// SIM-D: explicit d-dimensional tokens.
    Explicit,
    /// SIM-G: the same GD in an orthonormal basis of the token span (dimension m + 2).
    Gram,
}

impl Simulator {
    /// The spec's short name.
    pub fn name(self) -> &'static str {
        match self {
            Simulator::Explicit => "SIM-D",
            Simulator::Gram => "SIM-G",
        }
    }
}

/// The interpolator the min-norm claims study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MinNormObject {
    /// inf ‖v‖² with p free (the limit ‖p‖ → ∞), attained through token patterns.
    PFree,
    /// The same pattern's direction p_mm scaled to ‖p‖ = R, with v the SVM at that p.
    Balls,
}

/// One data model and schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// n, training samples.
    pub samples: usize,
    /// d, the ambient dimension.
    pub dimension: usize,
    /// T, tokens per input.
    pub tokens: usize,
    /// η, the flip probability, exactly.
    pub flip_rate: BigRational,
    /// ρ, the norm of each signal vector, on the data grid (exact as a dyadic rational).
    pub signal_norm: f64,
    /// κ as the case states it; the instance's κ differs from it by the rounding of ρ.
    pub nominal_scaled_snr: BigRational,
    /// b₀ = β₀d/n.
    pub first_step_scale: BigRational,
    /// b₁ = β₀β₁d²/n².
    pub second_step_scale: BigRational,
    /// Clean-label law.
    pub class_counts: ClassCounts,
    /// Flip law.
    pub flip_mode: FlipMode,
    /// Signal-slot law.
    pub signal_position: SignalPosition,
    /// Test draws per seed.
    pub test_samples: usize,
    /// Relative margin around a threshold inside which a unit is not judged.
    pub threshold_margin: BigRational,
    /// Bits of the certified evaluations (each also re-run at twice this).
    pub precision: usize,
}

fn choice(parameters: &Parameters, name: &str) -> Result<String, Error> {
    parameters.text(name)
}

impl Setting {
    /// Reads the setting of a case.
    ///
    /// # Errors
    /// [`Error::Parameter`] for inconsistent values (both `signal_norm` and
    /// `scaled_snr` given, a dimension too small for the token span).
    pub fn from_parameters(parameters: &Parameters) -> Result<Setting, Error> {
        let samples = parameters.count("samples")? as usize;
        let dimension = if parameters.is_given("dimension") {
            parameters.count("dimension")? as usize
        } else {
            let ratio_value = parameters.rational("dimension_ratio")?;
            let dimension = ratio_value * BigRational::from_integer((samples * samples).into());
            dimension
                .ceil()
                .to_integer()
                .to_usize()
                .ok_or_else(|| Error::Parameter {
                    name: "dimension_ratio".into(),
                    message: "dimension_ratio · samples² does not fit a machine integer".into(),
                })?
        };
        let tokens = parameters.count("tokens")? as usize;
        let setting = Setting {
            samples,
            dimension,
            tokens,
            flip_rate: parameters.rational("flip_rate")?,
            signal_norm: 0.0,
            nominal_scaled_snr: BigRational::zero(),
            first_step_scale: parameters.rational("first_step_scale")?,
            second_step_scale: parameters.rational("second_step_scale")?,
            class_counts: match choice(parameters, "class_counts")?.as_str() {
                "iid" => ClassCounts::Independent,
                _ => ClassCounts::Balanced,
            },
            flip_mode: match choice(parameters, "flip_mode")?.as_str() {
                "bernoulli" => FlipMode::Bernoulli,
                _ => FlipMode::Exact,
            },
            signal_position: match choice(parameters, "signal_position")?.as_str() {
                "first" => SignalPosition::First,
                _ => SignalPosition::Random,
            },
            test_samples: parameters.count("test_samples")? as usize,
            threshold_margin: parameters.rational("threshold_margin")?,
            precision: parameters.count("precision")? as usize,
        };
        if parameters.is_given("signal_norm") && parameters.is_given("scaled_snr") {
            return Err(Error::Parameter {
                name: "signal_norm".into(),
                message: "give signal_norm (ρ) or scaled_snr (κ = nρ²/d), not both".into(),
            });
        }
        let setting = if parameters.is_given("signal_norm") {
            setting.with_signal_norm(parameters.number("signal_norm")?)
        } else {
            setting.with_scaled_snr(&parameters.rational("scaled_snr")?)
        };
        if !(setting.signal_norm.is_finite() && setting.signal_norm > 0.0) {
            return Err(Error::Parameter {
                name: if parameters.is_given("signal_norm") {
                    "signal_norm"
                } else {
                    "scaled_snr"
                }
                .into(),
                message: format!(
                    "gives ρ = {} on the 2⁻²⁴ data grid; ρ must be a positive finite number at least 2⁻²⁵",
                    setting.signal_norm
                ),
            });
        }
        if tokens < 2 {
            return Err(Error::Parameter {
                name: "tokens".into(),
                message: format!(
                    "{tokens} tokens; an input needs a signal and a noise token (T ≥ 2)"
                ),
            });
        }
        if setting.noise_tokens() + 2 > dimension {
            return Err(Error::Parameter {
                name: "dimension".into(),
                message: format!(
                    "d = {dimension} is below n(T − 1) + 2 = {}: the noise tokens cannot be independent",
                    setting.noise_tokens() + 2
                ),
            });
        }
        Ok(setting)
    }

    /// The same setting with ρ from κ: ρ = √(κd/n), rounded to the data grid.
    pub fn with_scaled_snr(mut self, scaled_snr: &BigRational) -> Setting {
        let squared = to_f64(scaled_snr) * self.dimension as f64 / self.samples as f64;
        self.signal_norm = on_grid(squared.sqrt());
        self.nominal_scaled_snr = scaled_snr.clone();
        self
    }

    /// The same setting with a given ρ (rounded to the data grid).
    pub fn with_signal_norm(mut self, signal_norm: f64) -> Setting {
        self.signal_norm = on_grid(signal_norm);
        self.nominal_scaled_snr = if self.signal_norm.is_finite() {
            self.scaled_snr()
        } else {
            BigRational::zero()
        };
        self
    }

    /// The same setting at other (n, d, T), keeping the nominal κ.
    pub fn resized(&self, samples: usize, dimension: usize, tokens: usize) -> Setting {
        let scaled_snr = self.nominal_scaled_snr.clone();
        let mut resized = self.clone();
        resized.samples = samples;
        resized.dimension = dimension;
        resized.tokens = tokens;
        resized.with_scaled_snr(&scaled_snr)
    }

    /// m = n(T − 1), the number of training noise tokens.
    pub fn noise_tokens(&self) -> usize {
        self.samples * (self.tokens - 1)
    }

    /// ρ² exactly.
    pub fn signal_norm_squared(&self) -> BigRational {
        let rho = rational_from_f64_exact(self.signal_norm).expect("ρ is finite");
        &rho * &rho
    }

    /// r = ρ²/d exactly.
    pub fn ratio(&self) -> BigRational {
        self.signal_norm_squared() / BigRational::from_integer(self.dimension.into())
    }

    /// r = κ/n at the nominal κ: the ratio threshold rules and their margins are judged
    /// at. The instance's r differs by about 10⁻⁹ relative (the rounding of ρ), which
    /// cannot move a unit across a threshold it is more than the margin away from, while
    /// judging at the instance's r would move units sitting exactly on a margin's edge
    /// (κ = 2 in ATT-17) inside it.
    pub fn judging_ratio(&self) -> BigRational {
        &self.nominal_scaled_snr / BigRational::from_integer(self.samples.into())
    }

    /// κ = nρ²/d of the simulated instance, exactly.
    pub fn scaled_snr(&self) -> BigRational {
        self.ratio() * BigRational::from_integer(self.samples.into())
    }

    /// β₀ = b₀ n/d.
    pub fn first_step_size(&self) -> BigRational {
        &self.first_step_scale * ratio(self.samples as i64, self.dimension as i64)
    }

    /// β₁ = b₁ n/(b₀ d), so that β₀β₁ = b₁n²/d².
    pub fn second_step_size(&self) -> BigRational {
        &self.second_step_scale * ratio(self.samples as i64, self.dimension as i64)
            / &self.first_step_scale
    }

    /// η as a double.
    pub fn flip_rate_f64(&self) -> f64 {
        to_f64(&self.flip_rate)
    }

    /// The flip count per class in the exact mode, when η·n/2 is an integer.
    pub fn flips_per_class(&self) -> Option<usize> {
        let count = &self.flip_rate * ratio(self.samples as i64, 2);
        count
            .is_integer()
            .then(|| count.to_integer().to_usize())
            .flatten()
    }

    /// The first broken precondition of the data model, if any: an odd n with balanced
    /// classes, or a non-integer flip count in the exact mode.
    pub fn broken_precondition(&self) -> Option<String> {
        if self.class_counts == ClassCounts::Balanced && self.samples % 2 == 1 {
            return Some(format!(
                "balanced classes need an even n, not {}",
                self.samples
            ));
        }
        if self.flip_mode == FlipMode::Exact && self.flips_per_class().is_none() {
            return Some(format!(
                "the exact flip mode needs an integer η·n/2; η = {}, n = {} give {} flips per class: choose a flip_rate with η·n/2 whole (e.g. \"{}\") or flip_mode = \"bernoulli\"",
                format_rational(&self.flip_rate),
                self.samples,
                format_rational(&(&self.flip_rate * ratio(self.samples as i64, 2))),
                format_rational(&ratio(2, self.samples as i64))
            ));
        }
        None
    }

    /// Whether d ≥ `dimension_ratio`·n², the large-dimension assumption.
    pub fn large_dimension_break(&self, dimension_ratio: &BigRational) -> Option<String> {
        let needed =
            dimension_ratio * BigRational::from_integer((self.samples * self.samples).into());
        (BigRational::from_integer(self.dimension.into()) < needed).then(|| {
            format!(
                "large-dimension assumption d ≥ {}·n² broken: d = {} < {}",
                format_rational(dimension_ratio),
                self.dimension,
                format_rational(&needed.ceil())
            )
        })
    }

    /// Whether the schedule is one the §6.3 rules are derived for: b₀ ≤ 1e-3 (so that
    /// g_i ≈ 1/2 at step two) and b₁ ≥ 1e4 (a saturated step-two softmax).
    pub fn schedule_break(&self) -> Option<String> {
        (self.first_step_scale > ratio(1, 1000) || self.second_step_scale < ratio(10_000, 1)).then(
            || {
                format!(
                    "the attention rules of §6.3 assume b₀ ≤ 1e-3 and b₁ ≥ 1e4; b₀ = {}, b₁ = {}",
                    format_rational(&self.first_step_scale),
                    format_rational(&self.second_step_scale)
                )
            },
        )
    }

    /// A key naming everything the training data depend on except ρ: runs at different κ
    /// with the same key see the same labels, slots and noise (common random numbers).
    pub fn data_key(&self, simulator: Simulator) -> String {
        format!(
            "{}|n={}|d={}|T={}|eta={}|{:?}|{:?}|{:?}",
            simulator.name(),
            self.samples,
            self.dimension,
            self.tokens,
            format_rational(&self.flip_rate),
            self.class_counts,
            self.flip_mode,
            self.signal_position
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn default_setting() -> Setting {
        Setting {
            samples: 40,
            dimension: 40_000,
            tokens: 2,
            flip_rate: ratio(1, 10),
            signal_norm: 0.0,
            nominal_scaled_snr: BigRational::zero(),
            first_step_scale: ratio(1, 1000),
            second_step_scale: ratio(100_000, 1),
            class_counts: ClassCounts::Balanced,
            flip_mode: FlipMode::Exact,
            signal_position: SignalPosition::Random,
            test_samples: 2000,
            threshold_margin: ratio(1, 10),
            precision: 128,
        }
        .with_scaled_snr(&ratio(4, 1))
    }

    #[test]
    fn step_sizes_follow_the_scales() {
        let setting = default_setting();
        assert_eq!(setting.first_step_size(), ratio(1, 1_000_000));
        // β₀β₁ = b₁ n²/d² = 1e5 · 1e-6.
        assert_eq!(
            setting.first_step_size() * setting.second_step_size(),
            ratio(1, 10)
        );
    }

    #[test]
    fn the_signal_norm_is_on_the_grid_and_near_kappa() {
        let setting = default_setting();
        assert_eq!(setting.signal_norm, on_grid(setting.signal_norm));
        let kappa = to_f64(&setting.scaled_snr());
        assert!((kappa - 4.0).abs() < 1e-8, "{kappa}");
    }

    #[test]
    fn preconditions_name_what_is_broken() {
        let mut setting = default_setting();
        assert!(setting.broken_precondition().is_none());
        setting.flip_rate = ratio(1, 30);
        assert!(
            setting
                .broken_precondition()
                .unwrap()
                .contains("integer η·n/2")
        );
        assert!(setting.large_dimension_break(&ratio(25, 1)).is_none());
        setting.dimension = 10_000;
        assert!(
            setting
                .large_dimension_break(&ratio(25, 1))
                .unwrap()
                .contains("d = 10000 < 40000")
        );
    }
}
