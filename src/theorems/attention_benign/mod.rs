//! # Benign overfitting in single-head softmax attention (suite `attention-benign`, claims ATT-1 … ATT-22)
//!
//! **The theorem in words.** A single-head attention layer with a trainable query
//! direction p and value vector v, f(X) = vᵀXᵀsoftmax(Xp), is trained from zero by two
//! full-batch gradient steps on the logistic loss. Each input holds one signal token
//! (μ₊ or μ₋, orthogonal, of norm ρ) and T − 1 Gaussian noise tokens; a fraction η of the
//! labels is flipped. After two large steps the model fits every training label, the
//! flipped ones included, yet its test error is near the Bayes error η: clean samples
//! attend their signal token, flipped samples a noise token, and a fresh input attends
//! its signal. This happens inside a window of the scaled signal-to-noise ratio
//! κ = nρ²/d bounded on both sides. The min-norm interpolator (min ‖v‖ with p free) is
//! benign above a threshold κ ≍ 1 with no upper limit, and harmful below it for T = 2.
//!
//! **Paper.** Magen, Shang, Xu, Frei, Hu, Vardi, "Benign Overfitting in Single-Head
//! Attention", arXiv 2410.07746 (v1 2024: two tokens; NeurIPS 2025: several noise
//! tokens). Spec: `shared/theory/attention_benign_overfitting.md`; acceptance rules:
//! `ACCEPTANCE.md` §3. The paper's constants and step-size formulas are unknown: the
//! thresholds checked here belong to the spec's schedule b₀ = β₀d/n, b₁ = β₀β₁d²/n²
//! and are the project's hypotheses.
//!
//! **Assumptions.** μ₊ = ρe₀ and μ₋ = ρe₁; noise tokens N(0, I − μ₊μ₊ᵀ/ρ² − μ₋μ₋ᵀ/ρ²),
//! independent; labels flipped independently of the input (by default exactly η·n/2 per
//! class with exactly n/2 samples per class); p₀ = v₀ = 0; prediction sign f with
//! f = 0 → −1. The asymptotic claims assume d ≥ 25n² (a case below it is out of scope),
//! D_c = n_c^cl − n_c^fl > 0, and a unit more than 10 % away from any threshold it is
//! judged against.
//!
//! **Claim kinds.** Exact identities of the two steps (rational on the data grid, certified
//! where g_i = 1/(1 + e^{y f}) enters), checked against two simulators: SIM-D with
//! explicit d-dimensional tokens and SIM-G, the same GD in an orthonormal basis of the
//! token span (dimension n(T − 1) + 2, so d = 10⁶ costs nothing); a statistical identity
//! (err = η + (1 − 2η)err_cl); a scaling exponent (d^{−1/2}); sign and threshold rules per
//! sample and class; exact threshold values (quadratic roots, rational where the
//! discriminant is a square); min-norm pattern costs by exact Gram solves, checked
//! against an interior-point QP; a certified bivariate-normal test error; existential
//! constants for the benign windows and a boundary-slope exponent on the (n, κ) diagram.
//!
//! # Formula
//! ```text
//! f(X; p, v) = Σ_t s_t⟨x_t, v⟩,  s = softmax(Xp);   β₀ = b₀n/d,  β₁ = b₁n/(b₀d)
//! p₁ = 0,  v₁ = (β₀/(2nT)) w,  w = Σ_j y_j S_j                                     (§5)
//! p₂ = (β₁/(nT)) Σ_i g_i y_i Σ_t c_{i,t}⟨c_{i,t}, v₁⟩,  v₂ = v₁ + (β₁/(nT)) Σ_i g_i y_i S_i
//! ⟨p₂, μ_c⟩ ≈ K((T−1)/T)ρ²(ρ²D_c² − n_c d),  K = β₀β₁/(4n²T²)                      (§6.3)
//! clean → signal iff (T−1)D²r² − ((T−1)n_c − D)r − 1 > 0; flipped: + D; test: rD² > n_c
//! balanced: z = κ/2, ν = 1 − 2η, z_te = 1/ν², z_cl, z_fl roots of (T−1)ν²z² − ((T−1) ∓ ν)z − 1
//! err = η + (1 − 2η) err_cl                                                         (§3)
//! min-norm: ‖v‖²(α) = Σ_c 1[c uses signal]/ρ² + SVM_ξ(M);  κ* = 2/(1 − η)          (§7)
//! benign min-norm: err_cl = Σ_c ½ P(⟨q, ξ⟩ > b_cρ, c⟨w⊥, ξ⟩ < 0) ≤ Φ̄(min_c b_cρ/‖q‖)
//! ```
//! Here n counts training samples, d the dimension, T the tokens per input, S_i the sum
//! of input i's tokens, x̄_i = S_i/T, c_{i,t} = x_{i,t} − x̄_i, u_i the signal token, ξ_i
//! and ζ_i its noise tokens and their sum, y_i the observed and ỹ_i the clean label,
//! ε_i = y_iỹ_i, r = ρ²/d, n_c, n_c^cl, n_c^fl, D_c the realised class counts, g_i the
//! step-two logistic weight, q the noise part of p_mm and w⊥ that of v.
//!
//! # Simulators and evaluators
//! [`model`]: the generic model and GD in any [`Scalar`](crate::exact::Scalar) tier;
//! [`data`]: both coordinate systems and the test draws; [`closed_form`]: §5 exactly;
//! [`theory`]: §6–7 thresholds and asymptotics; [`min_norm`]: §7 patterns, Gram solves
//! and the certified test error; [`runs`]: shared f64 runs and test tallies.
//!
//! # Limitations
//! - The paper's theorem constants (c₁, c₂, C, c), its ε(n, d) and its step sizes are
//!   unknown; ATT-20 and ATT-21 only ask whether some admissible constants fit the
//!   measured diagram, and report the constants found.
//! - ATT-20's admissible box reaches 2κ_max, beyond the grid, so read literally a window
//!   there holds no cell and makes the claim vacuous. A window here must cover at least
//!   one grid cell; then on a grid of step 0.5 a single benign cell between non-benign
//!   neighbours already fits a window of width 0.5, so the claim is weak on coarse grids.
//!   The reported feasible set is exact: every [c₁, c₂] strictly between the nearest
//!   non-benign cells, at least 0.5 wide, covering a benign cell. ATT-21 is decided by its
//!   easiest admissible pair C = κ_max − 0.5, c = κ_min + 0.5, which takes the fewest cells.
//! - Every cell of a diagram is judged at 1 − (1 − confidence)/K for K cells (Bonferroni),
//!   stricter than a per-cell 0.999.
//! - Data are rounded to the grid 2⁻²⁴ℤ so that exact arithmetic reads the same numbers
//!   as f64 (a change of at most 3·10⁻⁸ per coordinate); ρ is rounded the same way, so
//!   the κ of an instance differs from the nominal κ by about 10⁻⁹ relative. Simulations
//!   and exact forms use the instance's ρ; the threshold rules and their margins are
//!   judged at the nominal κ, which is the same side of every threshold more than the
//!   margin away and keeps a unit sitting exactly on a margin's edge (κ = 2 in ATT-17) on
//!   the side the case states.
//! - SIM-G omits a test token's component outside the training span: p and v never meet
//!   it, so predictions are exact, but test-token norms are not drawn. SIM-D draws a test
//!   noise token's two projections (⟨p, ξ⟩, ⟨v, ξ⟩) as the Gaussian pair they are exactly
//!   in law, not its d − 2 coordinates; explicit test tokens are drawn in ATT-2, where
//!   SIM-G fed SIM-D's Gram matrix must reproduce SIM-D's outputs on them.
//! - The min-norm machinery (pattern costs, p_mm, the certified error) is derived for
//!   T = 2; realisability (ATT-15) also runs at T = 3. The `balls` object uses the
//!   p_free pattern's p_mm direction scaled to the radius, with v the SVM at that p: a
//!   feasible point of the max-margin problem, not its proven maximiser; it has no ‖v‖
//!   radius, since scaling v does not change a prediction.
//! - At d = 25n² the benign min-norm error is below 1e-10, so ATT-19(a) cannot tell a
//!   wrong formula from a right one there; the suite adds a case at d = 200 (n = 40),
//!   where it is about 0.03, so that a formula off by a factor 2 would fail, with the
//!   large-d part (c) out of scope.
//! - The attention-rule claims (ATT-9, ATT-11 … ATT-14) assume the reference schedule
//!   b₀ ≤ 1e-3, b₁ ≥ 1e4 of spec §6; another schedule is out of scope there (ATT-8 is
//!   the claim about large b₀).
//! - Runs at different κ with the same (n, d, T, η, seed) share labels, slots and noise
//!   (common random numbers), so the phase diagrams are coupled across κ; test draws
//!   depend on ρ as well and are independent across κ.
//! - Quick-tier deviations from ACCEPTANCE §3: the SIM-D case of ATT-9 draws 2000 test
//!   inputs per seed, not 200 (with 200 its test part could not reach the 0.99 bound at
//!   confidence 0.999, so it would be inconclusive). Excluded units (within a margin, or
//!   in a class with D_c ≤ 0) are listed as out-of-scope parts with their count.
pub mod closed_form;
pub mod data;
pub mod min_norm;
pub mod model;
pub mod runs;
pub mod setting;
pub mod theory;

mod claims_diagram;
mod claims_min_norm;
mod claims_phase;
mod claims_steps;

use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, TierRule, Value};
use crate::error::Error;
use crate::exact::format_rational;
use crate::suite::{Case, Domain, ParameterKind, ParameterSpec, Parameters};
use crate::theorems::{ClosedForm, Theorem, TheoremInfo};

/// The attention-benign theorem.
pub struct AttentionBenign;

/// The §6.4 threshold table the harness computes and snapshots: κ_cl, κ_te, κ_fl, κ* and
/// κ₁ for T ∈ {2, 3, 5} and η ∈ {0, 0.05, 0.1, 0.2}, exact where rational and certified
/// (width ≤ 1e-12) where not.
///
/// # Errors
/// A failed enclosure.
pub fn threshold_table() -> Result<Vec<ClosedForm>, Error> {
    let precision = crate::exact::DEFAULT_PRECISION;
    let mut rows = Vec::new();
    for row in claims_phase::threshold_table(precision)? {
        let at = format!(
            "T = {}, η = {}",
            row.tokens,
            format_rational(&row.flip_rate)
        );
        let root = |root: &theory::Root| match root {
            theory::Root::Rational(value) => Value::Exact(value.clone()),
            theory::Root::Surd(enclosure) => Value::Enclosure(enclosure.clone()),
        };
        for (name, formula, value) in [
            (
                "κ_cl",
                "2 × root of (T−1)ν²z² − ((T−1) − ν)z − 1",
                root(&row.clean),
            ),
            ("κ_te", "2/ν²", Value::Exact(row.test.clone())),
            (
                "κ_fl",
                "2 × root of (T−1)ν²z² − ((T−1) + ν)z − 1",
                root(&row.flipped),
            ),
            ("κ*", "2/(1 − η)", Value::Exact(row.min_norm.clone())),
            (
                "κ₁",
                "2(T − 1)/(1 − 2η)",
                Value::Exact(row.step_one.clone()),
            ),
        ] {
            rows.push(ClosedForm {
                name: format!("{name} at {at}"),
                formula: formula.into(),
                value,
            });
        }
    }
    Ok(rows)
}

const INFO: TheoremInfo = TheoremInfo {
    id: "attention-benign",
    title: "Benign Overfitting in Single-Head Attention",
    paper: "Magen, Shang, Xu, Frei, Hu, Vardi; arXiv 2410.07746",
    spec: "shared/theory/attention_benign_overfitting.md",
    suite_file: "attention_benign.toml",
};

/// Precisions of at least 64 bits.
const PRECISION: Domain = Domain {
    minimum: crate::suite::Limit::Inclusive(64, 1),
    maximum: crate::suite::Limit::Unbounded,
    integer: true,
};

/// Token counts T ≥ 2.
const TOKEN_COUNT: Domain = Domain {
    minimum: crate::suite::Limit::Inclusive(2, 1),
    maximum: crate::suite::Limit::Unbounded,
    integer: true,
};

static PARAMETERS: &[ParameterSpec] = &[
    ParameterSpec::number("samples", Domain::COUNT, "40", "n, training samples"),
    ParameterSpec::optional_number(
        "dimension",
        Domain::COUNT,
        "d, the ambient dimension; when not given, dimension_ratio · samples²",
    ),
    ParameterSpec::number(
        "dimension_ratio",
        Domain::POSITIVE,
        "25",
        "d/n² of the large-dimension assumption (and of the default d)",
    ),
    ParameterSpec::number("tokens", TOKEN_COUNT, "2", "T, tokens per input"),
    ParameterSpec::number(
        "flip_rate",
        Domain::FLIP_RATE,
        "0.1",
        "η, label-flip probability",
    ),
    ParameterSpec::number(
        "scaled_snr",
        Domain::POSITIVE,
        "4",
        "κ = nρ²/d (ρ = √(κd/n)); give this or signal_norm",
    ),
    ParameterSpec::optional_number(
        "signal_norm",
        Domain::POSITIVE,
        "ρ, the norm of μ₊ and μ₋ (instead of scaled_snr)",
    ),
    ParameterSpec::number(
        "first_step_scale",
        Domain::POSITIVE,
        "0.001",
        "b₀ = β₀d/n, the scaled first step",
    ),
    ParameterSpec::number(
        "second_step_scale",
        Domain::POSITIVE,
        "100000",
        "b₁ = β₀β₁d²/n², the scaled second step",
    ),
    ParameterSpec::choice(
        "class_counts",
        &["balanced", "iid"],
        "\"balanced\"",
        "exactly n/2 samples per class, or independent fair labels",
    ),
    ParameterSpec::choice(
        "flip_mode",
        &["exact", "bernoulli"],
        "\"exact\"",
        "exactly η·n/2 flips per class (an integer), or independent flips",
    ),
    ParameterSpec::choice(
        "signal_position",
        &["random", "first"],
        "\"random\"",
        "slot of the signal token: uniform per input, or the first",
    ),
    ParameterSpec::number(
        "test_samples",
        Domain::COUNT,
        "2000",
        "n_test, test draws per seed",
    ),
    ParameterSpec::number(
        "threshold_margin",
        Domain::OPEN_UNIT,
        "0.1",
        "units with |r/r_x − 1| below this are not judged",
    ),
    ParameterSpec::number(
        "precision",
        PRECISION,
        "128",
        "bits of the certified evaluations (each re-checked at twice the bits)",
    ),
    ParameterSpec::choice(
        "simulator",
        &["gram", "explicit", "both"],
        "\"gram\"",
        "SIM-G (Gram basis), SIM-D (explicit d-dimensional), or both",
    ),
    ParameterSpec::numbers("token_counts", TOKEN_COUNT, "[2, 3]", "T values of a case"),
    ParameterSpec::numbers("scaled_snrs", Domain::POSITIVE, "[4]", "κ values of a case"),
    ParameterSpec {
        name: "scaled_snr_grid",
        kind: ParameterKind::Numbers {
            domain: Domain::POSITIVE,
            minimum_length: 3,
        },
        default: Some("[0.5, 12, 0.5]"),
        description: "[lowest κ, highest κ, step] of a phase diagram",
    },
    ParameterSpec::numbers(
        "sample_sizes",
        Domain::COUNT,
        "[20, 40]",
        "n values of a phase diagram (d fixed)",
    ),
    ParameterSpec::numbers(
        "first_step_scales",
        Domain::POSITIVE,
        "[0.001, 1, 3, 10, 30, 100]",
        "b₀ values (ATT-8)",
    ),
    ParameterSpec {
        name: "step_scales",
        kind: ParameterKind::Matrix,
        default: Some("[[0.001, 100000], [1, 10]]"),
        description: "(b₀, b₁) pairs, one row each (ATT-2)",
    },
    ParameterSpec::numbers(
        "dimensions",
        Domain::COUNT,
        "[1000, 10000, 100000, 1000000]",
        "d values of a scaling fit (ATT-7)",
    ),
    ParameterSpec::numbers(
        "flip_rates",
        Domain::FLIP_RATE,
        "[0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]",
        "η values of the exact sign tests (ATT-10)",
    ),
    ParameterSpec::number(
        "largest_token_count",
        TOKEN_COUNT,
        "50",
        "κ_fl − κ_te is checked to fall for T = 2 … this (ATT-10)",
    ),
    ParameterSpec::number(
        "asymptotic_token_count",
        TOKEN_COUNT,
        "10000",
        "T at which (T − 1)(κ_fl − κ_te) is compared with 2(1 + 1/ν) (ATT-10)",
    ),
    ParameterSpec::choice(
        "predictor",
        &["gradient_descent", "min_norm"],
        "\"gradient_descent\"",
        "the trained predictor a claim tests (ATT-6)",
    ),
    ParameterSpec::choice(
        "min_norm_object",
        &["p_free", "balls"],
        "\"p_free\"",
        "min ‖v‖ with p free, or the max-margin point at ‖p‖ = attention_radius",
    ),
    ParameterSpec::number(
        "attention_radius",
        Domain::POSITIVE,
        "64",
        "R of the balls object",
    ),
    ParameterSpec::number(
        "largest_radius_exponent",
        Domain::NATURAL,
        "12",
        "R = 2^k for k = 0 … this (ATT-15)",
    ),
    ParameterSpec::number(
        "patterns",
        Domain::COUNT,
        "20",
        "random token patterns tested for realisability (ATT-15)",
    ),
    ParameterSpec::number(
        "resamples",
        Domain::COUNT,
        "10000",
        "bootstrap resamples (ATT-7)",
    ),
];

/// The data-model parameters every sampled claim reads, then the claim's own: a claim
/// lists exactly what it reads, so that a value it would ignore (a single `tokens`
/// beside `token_counts`, a step scale beside `step_scales`) is refused by the suite
/// file's validation instead.
macro_rules! data_model {
    ($($extra:literal),* $(,)?) => {
        &[
            "samples", "dimension", "dimension_ratio", "flip_rate", "class_counts",
            "flip_mode", "signal_position", "precision",
            $($extra),*
        ]
    };
}
pub(crate) use data_model;

/// The common claim shape.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn claim(
    id: &'static str,
    title: &'static str,
    statement: &'static str,
    kinds: &'static [ClaimKind],
    provenance: &'static [Provenance],
    methods: &'static str,
    formula: &'static str,
    tier: TierRule,
    parameters: &'static [&'static str],
) -> ClaimInfo {
    ClaimInfo {
        id,
        title,
        statement,
        kinds,
        provenance,
        methods,
        formula,
        assumptions: &[
            "orthogonal signals μ₊ = ρe₀, μ₋ = ρe₁; projected Gaussian noise tokens; flips independent of the input",
            "p₀ = v₀ = 0, logistic loss, two full-batch GD steps with β₀ = b₀n/d and β₁ = b₁n/(b₀d)",
        ],
        tier,
        parameters,
    }
}

static CLAIMS: std::sync::LazyLock<Vec<ClaimInfo>> = std::sync::LazyLock::new(|| {
    let mut claims = Vec::with_capacity(22);
    claims.extend_from_slice(&claims_steps::CLAIMS);
    claims.extend_from_slice(&claims_phase::CLAIMS);
    claims.extend_from_slice(&claims_min_norm::CLAIMS);
    claims.extend_from_slice(&claims_diagram::CLAIMS);
    claims
});

impl Theorem for AttentionBenign {
    fn info(&self) -> TheoremInfo {
        INFO
    }

    fn claims(&self) -> &'static [ClaimInfo] {
        CLAIMS.as_slice()
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    fn validate(&self, claim: &ClaimInfo, case: &Case) -> Result<(), String> {
        let parameters = &case.parameters;
        let setting =
            setting::Setting::from_parameters(parameters).map_err(|error| error.to_string())?;
        // Every (n, d, T) the claim will draw needs n(T − 1) + 2 ≤ d, or its noise tokens
        // cannot be independent.
        let reads = |name: &str| claim.parameters.contains(&name);
        let counts = |name: &str, single: usize| -> Result<Vec<usize>, String> {
            if reads(name) {
                Ok(parameters
                    .numbers(name)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .map(|value| value as usize)
                    .collect())
            } else {
                Ok(vec![single])
            }
        };
        let tokens = counts("token_counts", setting.tokens)?;
        let dimensions = counts("dimensions", setting.dimension)?;
        let sizes = counts("sample_sizes", setting.samples)?;
        for &samples in &sizes {
            for &dimension in &dimensions {
                for &token_count in &tokens {
                    if samples * (token_count - 1) + 2 > dimension {
                        return Err(format!(
                            "n = {samples}, T = {token_count} need d ≥ n(T − 1) + 2 = {} for independent noise tokens, but d = {dimension}",
                            samples * (token_count - 1) + 2
                        ));
                    }
                }
            }
        }
        if claim.parameters.contains(&"step_scales") {
            let rows = parameters
                .matrix("step_scales")
                .map_err(|e| e.to_string())?;
            let positive = |value: &num_rational::BigRational| {
                *value > num_rational::BigRational::from_integer(0.into())
            };
            if rows
                .iter()
                .any(|row| row.len() != 2 || !row.iter().all(positive))
            {
                return Err("step_scales must be rows [b₀, b₁] of two positive numbers".into());
            }
        }
        if claim.parameters.contains(&"scaled_snr_grid") {
            let grid = parameters
                .rationals("scaled_snr_grid")
                .map_err(|e| e.to_string())?;
            if grid.len() != 3 || grid[0] >= grid[1] {
                return Err(
                    "scaled_snr_grid must be [lowest κ, highest κ, step] with lowest < highest"
                        .into(),
                );
            }
        }
        Ok(())
    }

    fn check(&self, claim: &ClaimInfo, case: &Case) -> Result<Vec<Part>, Error> {
        claims_steps::check(claim.id, case)
            .or_else(|| claims_phase::check(claim.id, case))
            .or_else(|| claims_min_norm::check(claim.id, case))
            .or_else(|| claims_diagram::check(claim.id, case))
            .unwrap_or_else(|| {
                Err(Error::Numerical(format!(
                    "claim {} has no evaluator",
                    claim.id
                )))
            })
    }

    fn figures(
        &self,
        suite: &crate::suite::Suite,
        tier: crate::suite::Tier,
    ) -> Result<Vec<crate::report::figure::Figure>, Error> {
        claims_diagram::figures(suite, tier)
    }

    fn closed_forms(&self, parameters: &Parameters) -> Result<Vec<ClosedForm>, Error> {
        let setting = setting::Setting::from_parameters(parameters)?;
        let precision = setting.precision;
        let row = theory::threshold_row(setting.tokens, &setting.flip_rate, precision)?;
        let root = |root: &theory::Root| match root {
            theory::Root::Rational(value) => Value::Exact(value.clone()),
            theory::Root::Surd(enclosure) => Value::Enclosure(enclosure.clone()),
        };
        let exact = |name: &str, formula: &str, value: num_rational::BigRational| ClosedForm {
            name: name.into(),
            formula: formula.into(),
            value: Value::Exact(value),
        };
        let kappa = setting.scaled_snr();
        let kappa_enclosure = crate::exact::Interval::from_rational(&kappa, precision);
        let gradient_regime = if kappa < row.test {
            "harmful: test samples attend noise (κ < κ_te)"
        } else if row
            .flipped
            .enclosure(precision)
            .certainly_less_than(&kappa_enclosure)
        {
            "upper side: flipped samples attend the signal and are misfit (κ > κ_fl)"
        } else {
            "benign window: κ_te ≤ κ ≤ κ_fl"
        };
        let min_norm_regime = if kappa > row.min_norm {
            "benign: clean samples select their signal (κ > κ*)"
        } else {
            "harmful: every sample selects noise (κ ≤ κ*)"
        };
        Ok(vec![
            ClosedForm {
                name: "samples n, dimension d, tokens T".into(),
                formula: "d = dimension_ratio·n² unless given".into(),
                value: Value::label(format!(
                    "{}, {}, {}",
                    setting.samples, setting.dimension, setting.tokens
                )),
            },
            ClosedForm {
                name: "signal norm ρ".into(),
                formula: "√(κd/n), rounded to the 2⁻²⁴ grid".into(),
                value: Value::Number(setting.signal_norm),
            },
            exact("instance κ = nρ²/d", "ρ on the 2⁻²⁴ grid", kappa.clone()),
            exact("first step β₀", "b₀n/d", setting.first_step_size()),
            exact("second step β₁", "b₁n/(b₀d)", setting.second_step_size()),
            ClosedForm {
                name: "κ_cl (clean samples attend the signal above)".into(),
                formula: "2 × positive root of (T−1)ν²z² − ((T−1) − ν)z − 1".into(),
                value: root(&row.clean),
            },
            exact(
                "κ_te (test samples attend the signal above)",
                "2/ν²",
                row.test.clone(),
            ),
            ClosedForm {
                name: "κ_fl (flipped samples attend the signal above)".into(),
                formula: "2 × positive root of (T−1)ν²z² − ((T−1) + ν)z − 1".into(),
                value: root(&row.flipped),
            },
            exact(
                "κ* (min-norm uses the signal above)",
                "2/(1 − η)",
                row.min_norm.clone(),
            ),
            exact(
                "κ₁ (step one fits the flipped points below)",
                "2(T − 1)/(1 − 2η)",
                row.step_one.clone(),
            ),
            ClosedForm {
                name: "two-step GD at this κ (balanced classes, large d)".into(),
                formula: "§6.4".into(),
                value: Value::label(gradient_regime),
            },
            ClosedForm {
                name: "min-norm at this κ (balanced classes, large d)".into(),
                formula: "§7.3".into(),
                value: Value::label(min_norm_regime),
            },
            ClosedForm {
                name: "flip count per class".into(),
                formula: "η·n/2 (exact mode)".into(),
                value: match setting.flips_per_class() {
                    Some(count) => {
                        Value::Exact(num_rational::BigRational::from_integer(count.into()))
                    }
                    None => Value::label(format!(
                        "not an integer ({})",
                        format_rational(
                            &(&setting.flip_rate * crate::exact::ratio(setting.samples as i64, 2))
                        )
                    )),
                },
            },
        ])
    }
}
