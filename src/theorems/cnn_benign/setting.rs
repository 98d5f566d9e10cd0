//! One simulation's configuration: the data model, the network, its initialization and the
//! gradient-descent schedule, read from a case's spelled-out parameters.

use crate::error::Error;
use crate::suite::Parameters;

/// κ, the factor in front of the output sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputScale {
    /// κ = 1.
    One,
    /// κ = 1/m.
    InverseFilters,
}

/// How the output weights start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputInitLaw {
    /// Every v = v₀.
    Constant,
    /// v ~ N(0, v₀²).
    Gaussian,
    /// v = ±v₀ with independent fair signs.
    RandomSign,
}

/// One output weight per neuron, or one per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputSharing {
    /// v_{j,r}.
    PerNeuron,
    /// v_j shared by the m neurons of class j.
    PerClass,
}

/// The law of the noise patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseLaw {
    /// N(0, σ_p²(I − μμᵀ/‖μ‖²)): orthogonal to the signal.
    Projected,
    /// N(0, σ_p² I), as in the Kou et al. public code.
    Iid,
    /// Projected noise whose samples live on disjoint coordinate blocks, so that the
    /// noise vectors are exactly orthogonal (the block variant of CNN-6).
    Blocks,
}

/// The law of the hidden weights (and biases) at initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenInitLaw {
    /// N(0, σ₀²) per entry.
    Gaussian,
    /// U(−1/√d, 1/√d) per entry: PyTorch's default for a convolution.
    Uniform,
}

/// Whether both layers step from the same state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOrder {
    /// Both layers use the gradients at step t (the model of the spec).
    Simultaneous,
    /// v first, then W with the new v: the negative control of CNN-4.
    Sequential,
}

/// Whether the output layer trains.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputLayer {
    /// v trains from its initialization.
    Trainable,
    /// v ≡ v_fix with κ·v_fix = `fixed_output_weight`.
    Fixed,
}

/// Everything one simulated training run depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// n, training samples.
    pub samples: usize,
    /// d, the dimension of a patch.
    pub dimension: usize,
    /// m, filters per class.
    pub filters_per_class: usize,
    /// η.
    pub learning_rate: f64,
    /// T, the setting's number of steps.
    pub steps: usize,
    /// σ_p.
    pub noise_std: f64,
    /// σ₀.
    pub hidden_init_std: f64,
    /// Gaussian or PyTorch-uniform hidden initialization.
    pub hidden_init_law: HiddenInitLaw,
    /// p, the label-flip probability.
    pub flip_rate: f64,
    /// ‖μ‖.
    pub signal_norm: f64,
    /// Trainable or fixed output layer.
    pub output_layer: OutputLayer,
    /// v₀ (trainable output layer).
    pub output_init: f64,
    /// κ·v_fix (fixed output layer).
    pub fixed_output_weight: f64,
    /// Law of the output initialization.
    pub output_init_law: OutputInitLaw,
    /// κ.
    pub output_scale: OutputScale,
    /// Per-neuron or per-class output weights.
    pub output_sharing: OutputSharing,
    /// Law of the noise patch.
    pub noise: NoiseLaw,
    /// Whether each filter has a trainable bias.
    pub bias: bool,
    /// Simultaneous or sequential layer updates.
    pub update: UpdateOrder,
    /// ε: training continues past T until the loss is at most ε, up to `maximum_steps`.
    pub loss_target: f64,
    /// The hard step limit (5T by default).
    pub maximum_steps: usize,
    /// Test draws for the error estimates (0: none).
    pub test_samples: usize,
}

impl Setting {
    /// κ as a number.
    pub fn kappa(&self) -> f64 {
        match self.output_scale {
            OutputScale::One => 1.0,
            OutputScale::InverseFilters => 1.0 / self.filters_per_class as f64,
        }
    }

    /// 2m, the number of filters.
    pub fn neurons(&self) -> usize {
        2 * self.filters_per_class
    }

    /// S = n‖μ‖⁴/(σ_p⁴ d).
    pub fn threshold_statistic(&self) -> f64 {
        self.samples as f64 * self.signal_norm.powi(4)
            / (self.noise_std.powi(4) * self.dimension as f64)
    }

    /// Reads a setting from a case's parameters (defaults from ACCEPTANCE.md §5 and
    /// setting Q).
    ///
    /// # Errors
    /// A parameter of the wrong kind.
    pub fn from_parameters(parameters: &Parameters) -> Result<Self, Error> {
        let steps = parameters.count("steps")? as usize;
        let choice = |name: &str| parameters.text(name);
        Ok(Setting {
            samples: parameters.count("samples")? as usize,
            dimension: parameters.count("dimension")? as usize,
            filters_per_class: parameters.count("filters_per_class")? as usize,
            learning_rate: parameters.number("learning_rate")?,
            steps,
            noise_std: parameters.number("noise_std")?,
            hidden_init_std: parameters.number("hidden_init_std")?,
            hidden_init_law: match choice("hidden_init_law")?.as_str() {
                "uniform" => HiddenInitLaw::Uniform,
                _ => HiddenInitLaw::Gaussian,
            },
            flip_rate: parameters.number("flip_rate")?,
            signal_norm: parameters.number("signal_norm")?,
            output_layer: match choice("output_layer")?.as_str() {
                "fixed" => OutputLayer::Fixed,
                _ => OutputLayer::Trainable,
            },
            output_init: parameters.number("output_init")?,
            fixed_output_weight: parameters.number("fixed_output_weight")?,
            output_init_law: match choice("output_init_law")?.as_str() {
                "gaussian" => OutputInitLaw::Gaussian,
                "random_sign" => OutputInitLaw::RandomSign,
                _ => OutputInitLaw::Constant,
            },
            output_scale: match choice("output_scale")?.as_str() {
                "1/m" => OutputScale::InverseFilters,
                _ => OutputScale::One,
            },
            output_sharing: match choice("output_sharing")?.as_str() {
                "per_class" => OutputSharing::PerClass,
                _ => OutputSharing::PerNeuron,
            },
            noise: match choice("noise")?.as_str() {
                "iid" => NoiseLaw::Iid,
                "blocks" => NoiseLaw::Blocks,
                _ => NoiseLaw::Projected,
            },
            bias: parameters.flag("bias")?,
            update: match choice("update")?.as_str() {
                "sequential" => UpdateOrder::Sequential,
                _ => UpdateOrder::Simultaneous,
            },
            loss_target: parameters.number("loss_target")?,
            maximum_steps: steps * parameters.count("step_limit_factor")? as usize,
            test_samples: parameters.count("test_samples")? as usize,
        })
    }

    /// The key of the data stream: everything the training and test data depend on.
    /// Runs that differ only in the network or the schedule see the same data.
    pub fn data_key(&self) -> String {
        format!(
            "n={} d={} noise_std={:e} flip={:e} signal={:e} noise={:?}",
            self.samples,
            self.dimension,
            self.noise_std,
            self.flip_rate,
            self.signal_norm,
            self.noise
        )
    }

    /// The key of the initialization stream. It leaves out v₀ (the output weights are
    /// drawn at unit scale and multiplied by v₀), so a sweep over v₀ shares W⁽⁰⁾.
    pub fn init_key(&self) -> String {
        format!(
            "d={} m={} hidden_std={:e} law={:?} bias={} output_law={:?} sharing={:?}",
            self.dimension,
            self.filters_per_class,
            self.hidden_init_std,
            self.hidden_init_law,
            self.bias,
            self.output_init_law,
            self.output_sharing
        )
    }

    /// A key naming the whole run, for the run cache.
    pub fn run_key(&self) -> String {
        format!("{self:?}")
    }
}
