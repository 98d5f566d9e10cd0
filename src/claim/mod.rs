//! Claims, predictions, measurements and verdicts.
//!
//! A theorem module describes each of its claims with a [`ClaimInfo`] and evaluates it
//! on a case into [`Part`]s: each part pairs a [`Prediction`] (exact value, certified
//! enclosure, bound or band) with a [`Measurement`] (value, interval, sample size,
//! seeds) and a [`Verdict`] reached by one of the comparison rules in [`rules`]. A
//! claim's verdict on a case is the worst over its checked parts ([`Verdict::worst`]).

pub mod rules;

use std::fmt;

use num_rational::BigRational;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::exact::{Bounds, Interval, format_rational};

/// The outcome of checking a claim, or one part of it, on one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Certified by the comparison rule of the claim's kind.
    Holds,
    /// Certified the other way.
    Violated,
    /// Neither; the reason says what sample size or precision would decide.
    Inconclusive,
    /// The case breaks a stated assumption or belongs to another tier; no claim is implied.
    OutOfScope,
    /// A report-only quantity: numbers, no pass or fail, outside the exit code.
    Reported,
    /// Invalid input or a numerical failure (NaN, overflow, no convergence).
    Error,
}

impl Verdict {
    /// Rank among the checked verdicts (higher is worse); `None` for the ones that do
    /// not count (OutOfScope, Reported).
    fn severity(self) -> Option<u8> {
        match self {
            Verdict::Holds => Some(0),
            Verdict::Inconclusive => Some(1),
            Verdict::Violated => Some(2),
            Verdict::Error => Some(3),
            Verdict::OutOfScope | Verdict::Reported => None,
        }
    }

    /// The worst checked verdict (Error, Violated, Inconclusive, Holds). When no part
    /// was checked: Reported if any part reports numbers, else OutOfScope.
    ///
    /// ```
    /// use thmcheck::claim::Verdict;
    /// use Verdict::*;
    /// assert_eq!(Verdict::worst([Holds, Inconclusive, Reported]), Inconclusive);
    /// assert_eq!(Verdict::worst([Holds, Violated, Error]), Error);
    /// assert_eq!(Verdict::worst([OutOfScope, Reported]), Reported);
    /// assert_eq!(Verdict::worst([]), OutOfScope);
    /// ```
    pub fn worst(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut worst: Option<Verdict> = None;
        let mut reported = false;
        for verdict in verdicts {
            reported |= verdict == Verdict::Reported;
            if let Some(severity) = verdict.severity()
                && worst
                    .and_then(Verdict::severity)
                    .is_none_or(|current| severity > current)
            {
                worst = Some(verdict);
            }
        }
        worst.unwrap_or(if reported {
            Verdict::Reported
        } else {
            Verdict::OutOfScope
        })
    }

    /// Whether this verdict makes `thmcheck check` exit with status 1.
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Violated | Verdict::Error)
    }

    /// What the verdict means, in one sentence.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Holds => "the measurement lies certainly on the predicted side",
            Verdict::Violated => "the measurement lies certainly on the other side",
            Verdict::Inconclusive => "the measurement's interval straddles the prediction's edge",
            Verdict::OutOfScope => {
                "the case breaks an assumption of the claim or belongs to another tier"
            }
            Verdict::Reported => "numbers for information, no pass or fail",
            Verdict::Error => "the evaluation failed numerically or the input is invalid",
        }
    }

    /// The short label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::Inconclusive => "inconclusive",
            Verdict::OutOfScope => "out of scope",
            Verdict::Reported => "reported",
            Verdict::Error => "ERROR",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.label())
    }
}

/// The mathematical kind of a claim, as the theory specs name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// Two expressions are equal for all inputs.
    Identity,
    /// A quantity equals a stated value.
    ExactValue,
    /// A quantity is bounded on one side.
    Inequality,
    /// A quantity moves in one direction along a path or grid.
    Monotonicity,
    /// A log-log slope matches an exponent.
    ScalingExponent,
    /// An error or regime falls into a named class.
    Category,
    /// A reward-model metric has a stated value.
    MetricValue,
    /// A recursion reproduces a simulated quantity.
    Recursion,
    /// The dynamics behave as one of the named regimes.
    Regime,
    /// A ratio of quantities matches a prediction.
    Ratio,
    /// A threshold separates two behaviours.
    Threshold,
    /// A boundary between phases lies where predicted.
    PhaseBoundary,
    /// Some constants in an admissible box make a bound hold.
    ExistentialConstants,
    /// Numbers reported for information.
    Report,
}

impl ClaimKind {
    /// One sentence saying what a claim of this kind asserts.
    pub fn text(self) -> &'static str {
        match self {
            ClaimKind::Identity => "two expressions agree for all inputs",
            ClaimKind::ExactValue => "a quantity equals a stated value",
            ClaimKind::Inequality => "a quantity is bounded on one side",
            ClaimKind::Monotonicity => "a quantity moves in one direction",
            ClaimKind::ScalingExponent => "a log-log slope equals an exponent",
            ClaimKind::Category => "an error or regime falls in a named class",
            ClaimKind::MetricValue => "a metric has a stated value",
            ClaimKind::Recursion => "a recursion reproduces a simulated quantity",
            ClaimKind::Regime => "the dynamics follow a named regime",
            ClaimKind::Ratio => "a ratio matches its prediction",
            ClaimKind::Threshold => "a threshold separates two behaviours",
            ClaimKind::PhaseBoundary => "a phase boundary lies where predicted",
            ClaimKind::ExistentialConstants => "some admissible constants make a bound hold",
            ClaimKind::Report => "numbers reported for information",
        }
    }
}

impl fmt::Display for ClaimKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ClaimKind::Identity => "identity",
            ClaimKind::ExactValue => "exact value",
            ClaimKind::Inequality => "inequality",
            ClaimKind::Monotonicity => "monotonicity",
            ClaimKind::ScalingExponent => "scaling exponent",
            ClaimKind::Category => "category",
            ClaimKind::MetricValue => "metric value",
            ClaimKind::Recursion => "recursion",
            ClaimKind::Regime => "regime",
            ClaimKind::Ratio => "ratio",
            ClaimKind::Threshold => "threshold",
            ClaimKind::PhaseBoundary => "phase boundary",
            ClaimKind::ExistentialConstants => "existential constants",
            ClaimKind::Report => "report",
        };
        formatter.write_str(name)
    }
}

/// Where a claim comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Asserted by the paper (abstract or reliable summaries).
    Stated,
    /// A fact about the authors' public code.
    Code,
    /// A theorem or lemma of earlier literature.
    Literature,
    /// Derived for this project: a hypothesis the harness confirms or refutes.
    Derived,
}

impl fmt::Display for Provenance {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Provenance::Stated => "[stated]",
            Provenance::Code => "[code]",
            Provenance::Literature => "[literature]",
            Provenance::Derived => "[derived]",
        })
    }
}

/// Which tiers run a claim's cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TierRule {
    /// The same cases at both tiers.
    Quick,
    /// A stated reduction at the quick tier, the spec's cases at the full tier.
    QuickReduced,
    /// Full tier only; OutOfScope at the quick tier.
    FullOnly,
}

impl fmt::Display for TierRule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            TierRule::Quick => "quick",
            TierRule::QuickReduced => "quick (reduced), full",
            TierRule::FullOnly => "full only",
        })
    }
}

/// The description of one claim: everything `list` and `explain` show.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimInfo {
    /// The spec's identifier, e.g. `RE-8`.
    pub id: &'static str,
    /// A few words naming the claim.
    pub title: &'static str,
    /// The claim in words.
    pub statement: &'static str,
    /// The spec's kinds (several when the claim has several parts).
    pub kinds: &'static [ClaimKind],
    /// Where the claim comes from.
    pub provenance: &'static [Provenance],
    /// How it is checked: CF closed form, GA gradient ascent, GF gradient flow, SR
    /// sampled REINFORCE, SIM-D, SIM-G, MN, ...
    pub methods: &'static str,
    /// The formula, with each symbol explained.
    pub formula: &'static str,
    /// The assumptions under which the claim is asserted.
    pub assumptions: &'static [&'static str],
    /// Which tiers run it.
    pub tier: TierRule,
    /// The case parameters it reads.
    pub parameters: &'static [&'static str],
}

/// A value as predicted or measured.
#[derive(Clone, Debug)]
pub enum Value {
    /// An exact rational.
    Exact(BigRational),
    /// A certified enclosure.
    Enclosure(Interval),
    /// A floating-point number.
    Number(f64),
    /// A count of events among trials.
    Count {
        /// Events.
        hits: u64,
        /// Trials.
        total: u64,
    },
    /// A category or other label.
    Label(String),
    /// A threshold was not reached within the budget (never replaced by the budget).
    NotReached,
    /// Nothing to show.
    Empty,
}

impl Value {
    /// A label from anything printable.
    pub fn label(text: impl Into<String>) -> Self {
        Value::Label(text.into())
    }
}

impl Value {
    /// The value as text, floating-point numbers to `digits` significant digits.
    pub fn render(&self, digits: usize) -> String {
        match self {
            Value::Exact(value) => format_rational(value),
            Value::Enclosure(interval) => {
                let (lower, upper) = interval.decimal_ends(17);
                if lower == upper {
                    lower
                } else {
                    format!("[{lower}, {upper}]")
                }
            }
            Value::Number(value) => format_significant(*value, digits),
            Value::Count { hits, total } => format!("{hits}/{total}"),
            Value::Label(text) => text.clone(),
            Value::NotReached => "not reached".into(),
            Value::Empty => String::new(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.render(10))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Value::Exact(value) => map.serialize_entry("exact", &format_rational(value))?,
            Value::Enclosure(interval) => {
                let (lower, upper) = interval.decimal_ends(20);
                map.serialize_entry("enclosure", &[lower, upper])?
            }
            Value::Number(value) => map.serialize_entry("number", &finite_or_text(*value))?,
            Value::Count { hits, total } => map.serialize_entry("count", &[hits, total])?,
            Value::Label(text) => map.serialize_entry("label", text)?,
            Value::NotReached => map.serialize_entry("not_reached", &true)?,
            Value::Empty => map.serialize_entry("empty", &true)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Reads the forms [`Value`] serializes to. An enclosure comes back as the interval
    /// between its printed decimal ends, which were rounded outward and so still
    /// enclose the original value.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let (key, content) = map
            .into_iter()
            .next()
            .ok_or_else(|| de::Error::custom("an empty value"))?;
        let rational = |text: &serde_json::Value| -> Result<BigRational, D::Error> {
            let text = text
                .as_str()
                .ok_or_else(|| de::Error::custom("a rational must be a string"))?;
            crate::exact::parse_rational(text).map_err(de::Error::custom)
        };
        Ok(match key.as_str() {
            "exact" => Value::Exact(rational(&content)?),
            "enclosure" => {
                let ends = content
                    .as_array()
                    .filter(|ends| ends.len() == 2)
                    .ok_or_else(|| de::Error::custom("an enclosure has two ends"))?;
                Value::Enclosure(Interval::between(
                    &rational(&ends[0])?,
                    &rational(&ends[1])?,
                    crate::exact::DEFAULT_PRECISION,
                ))
            }
            "number" => Value::Number(match &content {
                serde_json::Value::String(text) => text.parse().map_err(de::Error::custom)?,
                other => other
                    .as_f64()
                    .ok_or_else(|| de::Error::custom("a number"))?,
            }),
            "count" => {
                let pair: [u64; 2] = serde_json::from_value(content).map_err(de::Error::custom)?;
                Value::Count {
                    hits: pair[0],
                    total: pair[1],
                }
            }
            "label" => Value::Label(
                content
                    .as_str()
                    .ok_or_else(|| de::Error::custom("a label is a string"))?
                    .to_string(),
            ),
            "not_reached" => Value::NotReached,
            "empty" => Value::Empty,
            other => return Err(de::Error::custom(format!("unknown value kind `{other}`"))),
        })
    }
}

/// JSON cannot hold NaN or infinities; they travel as strings.
fn finite_or_text(value: f64) -> serde_json::Value {
    if value.is_finite() {
        serde_json::json!(value)
    } else {
        serde_json::json!(value.to_string())
    }
}

/// Prints a double with up to 10 significant digits, in scientific form when large or
/// small.
pub fn format_number(value: f64) -> String {
    format_significant(value, 10)
}

/// Prints a double rounded to `digits` significant digits (trailing zeros dropped), in
/// scientific form outside [1e-4, 1e7).
pub fn format_significant(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    // Round first, so that the choice of notation sees the rounded magnitude.
    let rounded: f64 = format!("{:.*e}", digits - 1, value)
        .parse()
        .unwrap_or(value);
    let magnitude = rounded.abs();
    if (1e-4..1e7).contains(&magnitude) {
        let digits_before = magnitude.log10().floor() as i32 + 1;
        let decimals = (digits as i32 - digits_before).max(0) as usize;
        trim_zeros(&format!("{rounded:.decimals$}"))
    } else {
        let text = format!("{:.*e}", digits - 1, rounded);
        match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => text,
        }
    }
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// Prints `value` to the number of significant digits its interval supports: digits
/// below the interval's width are noise and are dropped (at least 2, at most 10).
pub fn format_supported(value: f64, interval: &Bounds) -> String {
    if !value.is_finite() || value == 0.0 {
        return format_number(value);
    }
    let width = interval.width().abs().max(value.abs() * 1e-10);
    let digits = ((value.abs() / width).log10().floor() as i32 + 1).clamp(2, 10) as usize;
    format_significant(value, digits)
}

/// What the theory predicts for one part of a claim.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Prediction {
    /// The relation and value in words, e.g. `= 23/100`, `≤ 0.05`, `∈ [0.95, 1.05]`.
    pub statement: String,
    /// The predicted value itself.
    pub value: Value,
}

/// What the harness measured for one part of a claim.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// The measured value.
    pub value: Value,
    /// Its interval (confidence interval, spread over precisions, or enclosure).
    pub interval: Option<Bounds>,
    /// Sample size behind the interval, when statistical.
    pub sample_size: Option<u64>,
    /// The seeds the measurement used.
    pub seeds: Vec<u64>,
}

impl Measurement {
    /// An exact measurement (no interval needed).
    pub fn exact(value: Value) -> Self {
        Measurement {
            value,
            interval: None,
            sample_size: None,
            seeds: Vec::new(),
        }
    }

    /// A measurement with its interval.
    pub fn within(value: Value, interval: Bounds) -> Self {
        Measurement {
            value,
            interval: Some(interval),
            sample_size: None,
            seeds: Vec::new(),
        }
    }

    /// Adds the sample size.
    pub fn with_sample_size(mut self, sample_size: u64) -> Self {
        self.sample_size = Some(sample_size);
        self
    }

    /// Adds the seeds.
    pub fn with_seeds(mut self, seeds: &[u64]) -> Self {
        self.seeds = seeds.to_vec();
        self
    }
}

impl Measurement {
    /// The measurement as text, floating-point numbers to at most `digits` significant
    /// digits (fewer when the interval supports fewer).
    pub fn render(&self, digits: usize) -> String {
        let mut text = match (&self.value, &self.interval) {
            (Value::Number(value), Some(interval)) if interval.width() > 0.0 => format!(
                "{} [{}, {}]",
                format_significant(
                    format_supported(*value, interval).parse().unwrap_or(*value),
                    digits
                ),
                format_significant(interval.lower, digits),
                format_significant(interval.upper, digits)
            ),
            (value, _) => value.render(digits),
        };
        if let Some(size) = self.sample_size {
            text.push_str(&format!(" (n = {size})"));
        }
        text
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.render(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_round_and_trim() {
        assert_eq!(format_significant(1.527867721e-9, 4), "1.528e-9");
        assert_eq!(format_significant(0.0229542051, 4), "0.02295");
        assert_eq!(format_significant(9999.96, 4), "10000");
        assert_eq!(format_significant(-2.5, 10), "-2.5");
        assert_eq!(format_significant(6.299816e8, 3), "6.3e8");
    }

    #[test]
    fn supported_digits_follow_the_interval() {
        assert_eq!(
            format_supported(43.27205547, &Bounds::new(43.2720, 43.2721)),
            "43.2721"
        );
        assert_eq!(format_supported(1.0, &Bounds::new(0.5, 1.5)), "1");
    }
}

/// The comparison rule that decided a part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Rational identity or value: equal, or Violated.
    Exact,
    /// Certified enclosures decided on their ends.
    Certified,
    /// f64 against a forward-error tolerance, with an exact re-check past it.
    FloatIdentity,
    /// The measured interval inside the band.
    Equivalence,
    /// One-sided: at most the bound.
    Upper,
    /// One-sided: at least the bound.
    Lower,
    /// Consecutive intervals ordered.
    Monotone,
    /// Per unit outside the margin.
    Phase,
    /// Some constants in the admissible box fit.
    Existential,
    /// The spec's operational rule names a class.
    Category,
    /// Numbers for information.
    Report,
    /// The case was not checked (out of scope or failed before comparing).
    NotCompared,
}

impl fmt::Display for Rule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Rule::Exact => "exact",
            Rule::Certified => "cert",
            Rule::FloatIdentity => "f64",
            Rule::Equivalence => "equiv",
            Rule::Upper => "upper",
            Rule::Lower => "lower",
            Rule::Monotone => "mono",
            Rule::Phase => "phase",
            Rule::Existential => "exist",
            Rule::Category => "cat",
            Rule::Report => "report",
            Rule::NotCompared => "-",
        })
    }
}

/// One checked part of a claim on one case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Part {
    /// What this part checks, e.g. `(b) initial rate dV_G/dt`.
    pub label: String,
    /// The rule that decided it.
    pub rule: Rule,
    /// The prediction.
    pub prediction: Prediction,
    /// The measurement.
    pub measurement: Measurement,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: the comparison made, or what would decide an inconclusive part.
    pub reason: String,
}
