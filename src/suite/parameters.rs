//! Case parameters: their declared kinds and domains, validation of suite-file values,
//! and typed access with defaults.
//!
//! Numbers are read exactly: a TOML integer, a decimal (the decimal as written, not its
//! binary approximation) or a string such as `"1/20"` all become rationals. A value
//! outside its domain is rejected with a message that says what would be right.

use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::{One, Signed};

use crate::error::Error;
use crate::exact::{
    format_rational, format_readable, parse_rational, ratio, rational_from_decimal_f64, sum, to_f64,
};

/// An end of a numeric domain, as a fraction of machine integers.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// No limit on this side.
    Unbounded,
    /// The value may equal `numerator/denominator`.
    Inclusive(i64, i64),
    /// The value must differ from `numerator/denominator`.
    Exclusive(i64, i64),
}

/// The domain of a numeric parameter or of each entry of a list.
#[derive(Clone, Copy, Debug)]
pub struct Domain {
    /// Lower end.
    pub minimum: Limit,
    /// Upper end.
    pub maximum: Limit,
    /// Whether values must be integers.
    pub integer: bool,
}

impl Domain {
    /// Any real number.
    pub const REAL: Domain = Domain {
        minimum: Limit::Unbounded,
        maximum: Limit::Unbounded,
        integer: false,
    };
    /// Numbers > 0.
    pub const POSITIVE: Domain = Domain {
        minimum: Limit::Exclusive(0, 1),
        maximum: Limit::Unbounded,
        integer: false,
    };
    /// Numbers ≥ 0.
    pub const NON_NEGATIVE: Domain = Domain {
        minimum: Limit::Inclusive(0, 1),
        maximum: Limit::Unbounded,
        integer: false,
    };
    /// Numbers in (0, 1).
    pub const OPEN_UNIT: Domain = Domain {
        minimum: Limit::Exclusive(0, 1),
        maximum: Limit::Exclusive(1, 1),
        integer: false,
    };
    /// Numbers in [0, 1/2).
    pub const FLIP_RATE: Domain = Domain {
        minimum: Limit::Inclusive(0, 1),
        maximum: Limit::Exclusive(1, 2),
        integer: false,
    };
    /// Integers ≥ 1.
    pub const COUNT: Domain = Domain {
        minimum: Limit::Inclusive(1, 1),
        maximum: Limit::Unbounded,
        integer: true,
    };
    /// Integers ≥ 0.
    pub const NATURAL: Domain = Domain {
        minimum: Limit::Inclusive(0, 1),
        maximum: Limit::Unbounded,
        integer: true,
    };

    fn describe(&self) -> String {
        let lower = match self.minimum {
            Limit::Unbounded => None,
            Limit::Inclusive(n, d) => Some(format!("≥ {}", format_rational(&ratio(n, d)))),
            Limit::Exclusive(n, d) => Some(format!("> {}", format_rational(&ratio(n, d)))),
        };
        let upper = match self.maximum {
            Limit::Unbounded => None,
            Limit::Inclusive(n, d) => Some(format!("≤ {}", format_rational(&ratio(n, d)))),
            Limit::Exclusive(n, d) => Some(format!("< {}", format_rational(&ratio(n, d)))),
        };
        let noun = if self.integer {
            "an integer"
        } else {
            "a number"
        };
        match (lower, upper) {
            (None, None) => noun.to_string(),
            (Some(lower), None) => format!("{noun} {lower}"),
            (None, Some(upper)) => format!("{noun} {upper}"),
            (Some(lower), Some(upper)) => format!("{noun} {lower} and {upper}"),
        }
    }

    fn admits(&self, value: &BigRational) -> bool {
        let above = match self.minimum {
            Limit::Unbounded => true,
            Limit::Inclusive(n, d) => *value >= ratio(n, d),
            Limit::Exclusive(n, d) => *value > ratio(n, d),
        };
        let below = match self.maximum {
            Limit::Unbounded => true,
            Limit::Inclusive(n, d) => *value <= ratio(n, d),
            Limit::Exclusive(n, d) => *value < ratio(n, d),
        };
        above && below && (!self.integer || value.is_integer())
    }
}

/// What a parameter holds.
#[derive(Clone, Copy, Debug)]
pub enum ParameterKind {
    /// One number in a domain.
    Number(Domain),
    /// A list of numbers, each in the domain, with at least `minimum_length` entries.
    Numbers {
        /// Domain of each entry.
        domain: Domain,
        /// Fewest entries allowed.
        minimum_length: usize,
    },
    /// A probability vector: entries in [0, 1] that sum to exactly 1.
    Probabilities,
    /// A rectangular matrix of numbers (rows of equal length).
    Matrix,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// true or false.
    Flag,
}

/// The declaration of one case parameter.
#[derive(Clone, Copy, Debug)]
pub struct ParameterSpec {
    /// Spelled-out name used in suite files and on the command line.
    pub name: &'static str,
    /// What it holds.
    pub kind: ParameterKind,
    /// Default, written as a TOML value (`"0.9"`, `"[0.2, 0.1]"`, `"\"exact\""`);
    /// `None` makes the parameter required where a claim reads it.
    pub default: Option<&'static str>,
    /// What it means.
    pub description: &'static str,
}

impl ParameterSpec {
    /// One number in `domain` with a default (written as TOML, e.g. `"0.1"`).
    pub const fn number(
        name: &'static str,
        domain: Domain,
        default: &'static str,
        description: &'static str,
    ) -> Self {
        ParameterSpec {
            name,
            kind: ParameterKind::Number(domain),
            default: Some(default),
            description,
        }
    }

    /// One number in `domain` with no fixed default: a claim reads it only when it is
    /// given (its description says what stands in for it otherwise).
    pub const fn optional_number(
        name: &'static str,
        domain: Domain,
        description: &'static str,
    ) -> Self {
        ParameterSpec {
            name,
            kind: ParameterKind::Number(domain),
            default: None,
            description,
        }
    }

    /// A non-empty list of numbers in `domain` with a default.
    pub const fn numbers(
        name: &'static str,
        domain: Domain,
        default: &'static str,
        description: &'static str,
    ) -> Self {
        ParameterSpec {
            name,
            kind: ParameterKind::Numbers {
                domain,
                minimum_length: 1,
            },
            default: Some(default),
            description,
        }
    }

    /// One of `options`, with a default written as a TOML string (`"\"exact\""`).
    pub const fn choice(
        name: &'static str,
        options: &'static [&'static str],
        default: &'static str,
        description: &'static str,
    ) -> Self {
        ParameterSpec {
            name,
            kind: ParameterKind::Choice(options),
            default: Some(default),
            description,
        }
    }

    /// What a valid value looks like, for error messages.
    pub fn expectation(&self) -> String {
        match self.kind {
            ParameterKind::Number(domain) => domain.describe(),
            ParameterKind::Numbers { domain, minimum_length } => {
                format!("a list of at least {minimum_length} entries, each {}", domain.describe())
            }
            ParameterKind::Probabilities => {
                "a list of probabilities in [0, 1] summing to exactly 1 (fractions such as \"1/3\" are exact)".into()
            }
            ParameterKind::Matrix => "a list of rows, each a list of numbers, all rows of equal length".into(),
            ParameterKind::Choice(options) => format!("one of {}", options.join(", ")),
            ParameterKind::Flag => "true or false".into(),
        }
    }
}

/// A validated parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParameterValue {
    /// One exact number.
    Number(BigRational),
    /// A list of exact numbers.
    Numbers(Vec<BigRational>),
    /// A matrix of exact numbers.
    Matrix(Vec<Vec<BigRational>>),
    /// A word from a fixed set.
    Text(String),
    /// true or false.
    Flag(bool),
}

/// Reads one TOML value as an exact number, or says what was found instead.
fn number_from_toml(value: &toml::Value) -> Result<BigRational, String> {
    match value {
        toml::Value::Integer(integer) => Ok(BigRational::from_integer((*integer).into())),
        toml::Value::Float(float) => rational_from_decimal_f64(*float)
            .ok_or_else(|| format!("expected a finite number, found {float}")),
        toml::Value::String(text) => {
            parse_rational(text).map_err(|message| format!("\"{text}\" is not {message}"))
        }
        other => Err(format!("expected a number, found {}", describe_toml(other))),
    }
}

/// Names a TOML value's type and shows it, for error messages.
pub(crate) fn describe_toml(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => format!("the string \"{text}\""),
        toml::Value::Integer(integer) => format!("the integer {integer}"),
        toml::Value::Float(float) => format!("the number {float}"),
        toml::Value::Boolean(flag) => format!("the boolean {flag}"),
        toml::Value::Datetime(datetime) => format!("the date {datetime}"),
        toml::Value::Array(_) => "a list".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

fn checked_number(value: &toml::Value, domain: Domain) -> Result<BigRational, String> {
    let number = number_from_toml(value)?;
    if domain.admits(&number) {
        Ok(number)
    } else {
        Err(format!(
            "{} is out of range ({})",
            format_rational(&number),
            domain.describe()
        ))
    }
}

fn list(value: &toml::Value) -> Result<&Vec<toml::Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected a list, found {}", describe_toml(value)))
}

/// Validates a TOML value against a declaration.
///
/// # Errors
/// A message naming the offending value and what would be right.
pub fn validate(spec: &ParameterSpec, value: &toml::Value) -> Result<ParameterValue, String> {
    match spec.kind {
        ParameterKind::Number(domain) => checked_number(value, domain).map(ParameterValue::Number),
        ParameterKind::Numbers {
            domain,
            minimum_length,
        } => {
            let entries = list(value)?;
            if entries.len() < minimum_length {
                return Err(format!(
                    "expected at least {minimum_length} entries, found {}",
                    entries.len()
                ));
            }
            let numbers = entries
                .iter()
                .enumerate()
                .map(|(index, entry)| {
                    checked_number(entry, domain)
                        .map_err(|message| format!("entry {}: {message}", index + 1))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ParameterValue::Numbers(numbers))
        }
        ParameterKind::Probabilities => {
            let entries = list(value)?;
            if entries.is_empty() {
                return Err("expected at least one probability".into());
            }
            let mut probabilities = Vec::with_capacity(entries.len());
            for (index, entry) in entries.iter().enumerate() {
                let probability = number_from_toml(entry)
                    .map_err(|message| format!("entry {}: {message}", index + 1))?;
                if probability.is_negative() || probability > BigRational::one() {
                    return Err(format!(
                        "entry {} is {}: a probability must lie in [0, 1]",
                        index + 1,
                        format_rational(&probability)
                    ));
                }
                probabilities.push(probability);
            }
            let total = sum(&probabilities);
            if !total.is_one() {
                return Err(format!(
                    "the probabilities sum to {} ≈ {}, not 1; they must sum to exactly 1 (fractions such as \"1/3\" are exact)",
                    format_rational(&total),
                    to_f64(&total)
                ));
            }
            Ok(ParameterValue::Numbers(probabilities))
        }
        ParameterKind::Matrix => {
            let rows = list(value)?;
            let mut matrix = Vec::with_capacity(rows.len());
            for (row_index, row) in rows.iter().enumerate() {
                let entries =
                    list(row).map_err(|message| format!("row {}: {message}", row_index + 1))?;
                let numbers = entries
                    .iter()
                    .map(number_from_toml)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|message| format!("row {}: {message}", row_index + 1))?;
                matrix.push(numbers);
            }
            if matrix.is_empty()
                || matrix
                    .iter()
                    .any(|row| row.len() != matrix[0].len() || row.is_empty())
            {
                return Err(
                    "expected a non-empty matrix with rows of equal, non-zero length".into(),
                );
            }
            Ok(ParameterValue::Matrix(matrix))
        }
        ParameterKind::Choice(options) => match value.as_str() {
            Some(text) if options.contains(&text) => Ok(ParameterValue::Text(text.to_string())),
            Some(text) => Err(format!("\"{text}\" is not one of {}", options.join(", "))),
            None => Err(format!(
                "expected one of {}, found {}",
                options.join(", "),
                describe_toml(value)
            )),
        },
        ParameterKind::Flag => value
            .as_bool()
            .map(ParameterValue::Flag)
            .ok_or_else(|| format!("expected true or false, found {}", describe_toml(value))),
    }
}

/// The validated parameters of one case, with defaults from the declarations.
#[derive(Clone, Debug)]
pub struct Parameters {
    values: BTreeMap<String, ParameterValue>,
    specs: &'static [ParameterSpec],
}

impl Parameters {
    /// Parameters holding `values`, falling back to the defaults of `specs`.
    pub fn new(values: BTreeMap<String, ParameterValue>, specs: &'static [ParameterSpec]) -> Self {
        Parameters { values, specs }
    }

    /// Whether the case gave the parameter explicitly.
    pub fn is_given(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The given values, by name.
    pub fn given(&self) -> &BTreeMap<String, ParameterValue> {
        &self.values
    }

    fn lookup(&self, name: &str) -> Result<ParameterValue, Error> {
        if let Some(value) = self.values.get(name) {
            return Ok(value.clone());
        }
        let spec = self
            .specs
            .iter()
            .find(|spec| spec.name == name)
            .unwrap_or_else(|| panic!("parameter `{name}` is read but not declared"));
        let default = spec.default.ok_or_else(|| Error::Parameter {
            name: name.to_string(),
            message: format!("required but not given; expected {}", spec.expectation()),
        })?;
        let parsed: toml::Table = toml::from_str(&format!("value = {default}"))
            .unwrap_or_else(|error| panic!("default of `{name}` is not TOML: {error}"));
        validate(spec, &parsed["value"]).map_err(|message| Error::Parameter {
            name: name.to_string(),
            message,
        })
    }

    fn mismatch(name: &str, wanted: &str) -> Error {
        Error::Parameter {
            name: name.to_string(),
            message: format!("declared kind does not hold {wanted}"),
        }
    }

    /// A number, exactly.
    ///
    /// # Errors
    /// When required and absent.
    pub fn rational(&self, name: &str) -> Result<BigRational, Error> {
        match self.lookup(name)? {
            ParameterValue::Number(value) => Ok(value),
            _ => Err(Self::mismatch(name, "a number")),
        }
    }

    /// A number as the nearest double.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn number(&self, name: &str) -> Result<f64, Error> {
        self.rational(name).map(|value| to_f64(&value))
    }

    /// An integer.
    ///
    /// # Errors
    /// As [`Parameters::rational`], or when the value does not fit in `u64`.
    pub fn count(&self, name: &str) -> Result<u64, Error> {
        let value = self.rational(name)?;
        num_traits::ToPrimitive::to_u64(value.numer())
            .filter(|_| value.is_integer())
            .ok_or_else(|| Self::mismatch(name, "a non-negative integer"))
    }

    /// A list of numbers (or probabilities), exactly.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn rationals(&self, name: &str) -> Result<Vec<BigRational>, Error> {
        match self.lookup(name)? {
            ParameterValue::Numbers(values) => Ok(values),
            _ => Err(Self::mismatch(name, "a list of numbers")),
        }
    }

    /// A list of numbers as doubles.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, Error> {
        Ok(self.rationals(name)?.iter().map(to_f64).collect())
    }

    /// A matrix of numbers, exactly.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn matrix(&self, name: &str) -> Result<Vec<Vec<BigRational>>, Error> {
        match self.lookup(name)? {
            ParameterValue::Matrix(values) => Ok(values),
            _ => Err(Self::mismatch(name, "a matrix")),
        }
    }

    /// A word from a fixed set.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn text(&self, name: &str) -> Result<String, Error> {
        match self.lookup(name)? {
            ParameterValue::Text(value) => Ok(value),
            _ => Err(Self::mismatch(name, "a word")),
        }
    }

    /// true or false.
    ///
    /// # Errors
    /// As [`Parameters::rational`].
    pub fn flag(&self, name: &str) -> Result<bool, Error> {
        match self.lookup(name)? {
            ParameterValue::Flag(value) => Ok(value),
            _ => Err(Self::mismatch(name, "a flag")),
        }
    }
}

/// Formats a parameter value for reports.
pub fn format_value(value: &ParameterValue) -> String {
    let join = |values: &[BigRational]| {
        values
            .iter()
            .map(format_readable)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value {
        ParameterValue::Number(value) => format_readable(value),
        ParameterValue::Numbers(values) => format!("[{}]", join(values)),
        ParameterValue::Matrix(rows) => {
            format!(
                "[{}]",
                rows.iter()
                    .map(|row| format!("[{}]", join(row)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        ParameterValue::Text(text) => text.clone(),
        ParameterValue::Flag(flag) => flag.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml_value(text: &str) -> toml::Value {
        let table: toml::Table = toml::from_str(&format!("value = {text}")).unwrap();
        table["value"].clone()
    }

    const PROBABILITIES: ParameterSpec = ParameterSpec {
        name: "policy",
        kind: ParameterKind::Probabilities,
        default: None,
        description: "",
    };

    #[test]
    fn probabilities_must_be_in_range_and_sum_to_one() {
        assert!(validate(&PROBABILITIES, &toml_value("[0.05, 0.5, 0.15, 0.15, 0.15]")).is_ok());
        assert!(validate(&PROBABILITIES, &toml_value("[\"1/3\", \"1/3\", \"1/3\"]")).is_ok());
        let negative = validate(&PROBABILITIES, &toml_value("[-0.1, 1.1]")).unwrap_err();
        assert!(negative.contains("entry 1 is -1/10"), "{negative}");
        let short = validate(&PROBABILITIES, &toml_value("[0.3, 0.3]")).unwrap_err();
        assert!(short.contains("sum to 3/5"), "{short}");
    }

    #[test]
    fn numbers_report_type_and_domain_errors() {
        let spec = ParameterSpec {
            name: "learning_rate",
            kind: ParameterKind::Number(Domain::POSITIVE),
            default: None,
            description: "",
        };
        assert_eq!(
            validate(&spec, &toml_value("0.1")).unwrap(),
            ParameterValue::Number(ratio(1, 10))
        );
        assert_eq!(
            validate(&spec, &toml_value("\"1/10\"")).unwrap(),
            ParameterValue::Number(ratio(1, 10))
        );
        assert!(
            validate(&spec, &toml_value("\"fast\""))
                .unwrap_err()
                .contains("\"fast\" is not a rational")
        );
        assert!(
            validate(&spec, &toml_value("true"))
                .unwrap_err()
                .contains("found the boolean true")
        );
        assert!(
            validate(&spec, &toml_value("0"))
                .unwrap_err()
                .contains("0 is out of range (a number > 0)")
        );
    }

    #[test]
    fn defaults_are_parsed_like_suite_values() {
        static SPECS: [ParameterSpec; 1] = [ParameterSpec {
            name: "steps",
            kind: ParameterKind::Number(Domain::COUNT),
            default: Some("50000"),
            description: "",
        }];
        let parameters = Parameters::new(BTreeMap::new(), &SPECS);
        assert_eq!(parameters.count("steps").unwrap(), 50_000);
    }
}
