//! The comparison rules of DESIGN.md, one function per rule, each returning a
//! finished [`Part`].
//!
//! Every rule turns a non-finite measurement into [`Verdict::Error`] before comparing,
//! so NaN or an infinity can never pass. Bands are never widened by a rule: the band a
//! claim states is the band it is judged by, widened only by the prediction's own
//! enclosure.

use num_rational::BigRational;

use super::{Measurement, Part, Prediction, Rule, Value, Verdict, format_number};
use crate::error::Error;
use crate::exact::{Bounds, Interval, format_rational};

/// A measured number with its interval, sample size and seeds.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The point estimate.
    pub value: f64,
    /// The interval the rules compare.
    pub interval: Bounds,
    /// Sample size behind the interval, when statistical.
    pub sample_size: Option<u64>,
    /// Seeds used.
    pub seeds: Vec<u64>,
    /// The interval is the range of a per-run statistic over seeds ([min, max]), which
    /// more seeds widen rather than narrow.
    pub range_over_seeds: bool,
}

impl Measured {
    /// A value known to working precision: its interval is the point.
    pub fn point(value: f64) -> Self {
        Measured {
            value,
            interval: Bounds::point(value),
            sample_size: None,
            seeds: Vec::new(),
            range_over_seeds: false,
        }
    }

    /// A value with an explicit interval.
    pub fn new(value: f64, interval: Bounds) -> Self {
        Measured {
            value,
            interval,
            sample_size: None,
            seeds: Vec::new(),
            range_over_seeds: false,
        }
    }

    /// A deterministic computation run at two precisions: the value from the finer one,
    /// the interval spanning both.
    pub fn deterministic(coarse: f64, fine: f64) -> Self {
        Measured::new(fine, Bounds::new(coarse.min(fine), coarse.max(fine)))
    }

    /// A certified enclosure as a measurement.
    pub fn enclosure(interval: &Interval) -> Self {
        Measured::new(
            interval.midpoint_f64(),
            Bounds::new(interval.lower_f64(), interval.upper_f64()),
        )
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

    /// Marks the interval as the range of a statistic over these seeds.
    pub fn over_seed_range(mut self, seeds: &[u64]) -> Self {
        self.seeds = seeds.to_vec();
        self.range_over_seeds = true;
        self
    }

    fn is_finite(&self) -> bool {
        self.value.is_finite() && self.interval.is_finite()
    }

    fn to_measurement(&self) -> Measurement {
        Measurement {
            value: Value::Number(self.value),
            interval: Some(self.interval),
            sample_size: self.sample_size,
            seeds: self.seeds.clone(),
        }
    }
}

/// The set of values an equivalence claim accepts.
#[derive(Clone, Debug)]
pub struct Band {
    /// Lowest accepted value.
    pub lower: f64,
    /// Highest accepted value.
    pub upper: f64,
    /// The band in words, e.g. `1/4 ± 0.05`.
    pub statement: String,
    /// The predicted center.
    pub center: Value,
}

impl Band {
    /// `center ± delta`.
    pub fn absolute(center: f64, delta: f64) -> Self {
        Band {
            lower: center - delta,
            upper: center + delta,
            statement: format!("{} ± {}", format_number(center), format_number(delta)),
            center: Value::Number(center),
        }
    }

    /// `center · (1 ± delta)`.
    pub fn relative(center: f64, delta: f64) -> Self {
        let spread = center.abs() * delta;
        Band {
            lower: center - spread,
            upper: center + spread,
            statement: format!(
                "{} within {} relative",
                format_number(center),
                format_number(delta)
            ),
            center: Value::Number(center),
        }
    }

    /// `[center / factor, center · factor]` for a positive center.
    pub fn factor(center: f64, factor: f64) -> Self {
        Band {
            lower: center / factor,
            upper: center * factor,
            statement: format!(
                "{} within ×{}",
                format_number(center),
                format_number(factor)
            ),
            center: Value::Number(center),
        }
    }

    /// `[lower, upper]`.
    pub fn range(lower: f64, upper: f64) -> Self {
        Band {
            lower,
            upper,
            statement: format!("in [{}, {}]", format_number(lower), format_number(upper)),
            center: Value::Number(0.5 * (lower + upper)),
        }
    }

    /// A certified enclosure widened by `delta` relative on each side.
    pub fn relative_around(enclosure: &Interval, delta: f64) -> Self {
        let lower = enclosure.lower_f64();
        let upper = enclosure.upper_f64();
        Band {
            lower: lower - lower.abs() * delta,
            upper: upper + upper.abs() * delta,
            statement: format!(
                "{} within {} relative",
                compact(enclosure),
                format_number(delta)
            ),
            center: Value::Enclosure(enclosure.clone()),
        }
    }

    /// A certified enclosure widened by `delta` absolute on each side.
    pub fn absolute_around(enclosure: &Interval, delta: f64) -> Self {
        Band {
            lower: enclosure.lower_f64() - delta,
            upper: enclosure.upper_f64() + delta,
            statement: format!("{} ± {}", compact(enclosure), format_number(delta)),
            center: Value::Enclosure(enclosure.clone()),
        }
    }

    /// The same band with a different description of its center (e.g. an exact value).
    pub fn described(mut self, center: Value, statement: impl Into<String>) -> Self {
        self.center = center;
        self.statement = statement.into();
        self
    }
}

/// An enclosure in a band's statement: its midpoint to 10 digits when the enclosure is
/// far narrower than that (the full ends are in the prediction's value), else its ends.
fn compact(enclosure: &Interval) -> String {
    let middle = enclosure.midpoint_f64();
    if enclosure.width_f64() <= 1e-12 * middle.abs().max(f64::MIN_POSITIVE) {
        format_number(middle)
    } else {
        Value::Enclosure(enclosure.clone()).to_string()
    }
}

fn part(
    label: impl Into<String>,
    rule: Rule,
    prediction: Prediction,
    measurement: Measurement,
    verdict: Verdict,
    reason: impl Into<String>,
) -> Part {
    Part {
        label: label.into(),
        rule,
        prediction,
        measurement,
        verdict,
        reason: reason.into(),
    }
}

fn non_finite(
    label: impl Into<String>,
    rule: Rule,
    prediction: Prediction,
    measured: &Measured,
) -> Part {
    part(
        label,
        rule,
        prediction,
        measured.to_measurement(),
        Verdict::Error,
        format!(
            "non-finite measurement {} in [{}, {}]",
            measured.value, measured.interval.lower, measured.interval.upper
        ),
    )
}

/// Exact rule: two rationals are equal, or the part is Violated.
pub fn exact_equal(
    label: impl Into<String>,
    predicted: &BigRational,
    measured: &BigRational,
) -> Part {
    let equal = predicted == measured;
    part(
        label,
        Rule::Exact,
        Prediction {
            statement: format!("= {}", format_rational(predicted)),
            value: Value::Exact(predicted.clone()),
        },
        Measurement::exact(Value::Exact(measured.clone())),
        if equal {
            Verdict::Holds
        } else {
            Verdict::Violated
        },
        if equal {
            "equal as rationals".to_string()
        } else {
            "the rationals differ".to_string()
        },
    )
}

/// Exact rule for a predicate decided in exact arithmetic (a sign, an ordering, an
/// identity over many instances): Holds when it is true, Violated when false.
pub fn exact_predicate(
    label: impl Into<String>,
    statement: impl Into<String>,
    measured: Value,
    holds: bool,
) -> Part {
    let statement = statement.into();
    part(
        label,
        Rule::Exact,
        Prediction {
            statement: statement.clone(),
            value: Value::Empty,
        },
        Measurement::exact(measured),
        if holds {
            Verdict::Holds
        } else {
            Verdict::Violated
        },
        if holds {
            "decided exactly: true".to_string()
        } else {
            format!("decided exactly: not {statement}")
        },
    )
}

/// Certified rule: a predicate decided on the ends of certified enclosures. `decided`
/// is `Some(true)` or `Some(false)` when the enclosures settle it, `None` when they
/// overlap the boundary.
pub fn certified(
    label: impl Into<String>,
    statement: impl Into<String>,
    measured: &Interval,
    decided: Option<bool>,
) -> Part {
    let statement = statement.into();
    let (verdict, reason) = match decided {
        Some(true) => (
            Verdict::Holds,
            "certified by the enclosure's ends".to_string(),
        ),
        Some(false) => (
            Verdict::Violated,
            "certified false by the enclosure's ends".to_string(),
        ),
        None => (
            Verdict::Inconclusive,
            "the enclosure overlaps the boundary; a higher precision would decide".to_string(),
        ),
    };
    part(
        label,
        Rule::Certified,
        Prediction {
            statement,
            value: Value::Empty,
        },
        Measurement::exact(Value::Enclosure(measured.clone())),
        verdict,
        reason,
    )
}

/// What would decide an inconclusive comparison. For a statistical measurement the
/// interval shrinks like 1/√n, so if the estimate stays where it is, about
/// n·(half-width / distance to the edge)² samples would move the interval off the edge it
/// straddles; a deterministic one needs a higher precision.
fn what_would_decide(measured: &Measured, edges: &[f64]) -> String {
    if measured.range_over_seeds {
        return format!(
            "the range over {} seeds straddles the edge; more seeds widen a range rather than narrow it, so a setting with less variation between draws (larger d/n) would decide",
            measured.seeds.len()
        );
    }
    let Some(size) = measured.sample_size else {
        return "a narrower interval (a higher precision) would decide".into();
    };
    let straddled = edges
        .iter()
        .copied()
        .filter(|edge| measured.interval.contains(*edge));
    let needed = straddled
        .map(|edge| {
            let distance = (measured.value - edge).abs();
            let half_width = if measured.value < edge {
                measured.interval.upper - measured.value
            } else {
                measured.value - measured.interval.lower
            };
            if distance > 0.0 {
                (size as f64 * (half_width / distance).powi(2)).ceil()
            } else {
                f64::INFINITY
            }
        })
        .fold(0.0_f64, f64::max);
    if needed.is_finite() && needed > size as f64 {
        format!("about {needed} samples instead of {size} would decide if the estimate holds")
    } else {
        "the estimate sits on the edge; more samples may not decide".into()
    }
}

/// Equivalence rule: Holds when the measured interval lies inside the band, Violated
/// when it is disjoint from it, Inconclusive otherwise.
pub fn equivalence(label: impl Into<String>, band: &Band, measured: &Measured) -> Part {
    let prediction = Prediction {
        statement: band.statement.clone(),
        value: band.center.clone(),
    };
    if !measured.is_finite() || !band.lower.is_finite() || !band.upper.is_finite() {
        return non_finite(label, Rule::Equivalence, prediction, measured);
    }
    let accepted = Bounds::new(band.lower, band.upper);
    let (verdict, reason) = if measured.interval.inside(&accepted) {
        (
            Verdict::Holds,
            "measured interval inside the band".to_string(),
        )
    } else if measured.interval.disjoint(&accepted) {
        (
            Verdict::Violated,
            "measured interval disjoint from the band".to_string(),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!(
                "the interval straddles the band [{}, {}]; {}",
                format_number(band.lower),
                format_number(band.upper),
                what_would_decide(measured, &[band.lower, band.upper])
            ),
        )
    };
    part(
        label,
        Rule::Equivalence,
        prediction,
        measured.to_measurement(),
        verdict,
        reason,
    )
}

/// Equivalence at each of several points (every point must lie in the band): the
/// verdict is the worst over the points; the measurement shows the range of values and
/// the reason names the point that decided.
pub fn equivalence_at_each(
    label: impl Into<String>,
    band: &Band,
    points: &[(String, Measured)],
) -> Part {
    let label = label.into();
    let checked: Vec<(String, Part)> = points
        .iter()
        .map(|(name, measured)| (name.clone(), equivalence(label.clone(), band, measured)))
        .collect();
    let verdict = Verdict::worst(checked.iter().map(|(_, part)| part.verdict));
    let values: Vec<f64> = points.iter().map(|(_, measured)| measured.value).collect();
    let range = Bounds::spread(&values).unwrap_or(Bounds::point(f64::NAN));
    let deciding = checked
        .iter()
        .find(|(_, part)| part.verdict == verdict)
        .map(|(name, part)| {
            format!(
                "{} point(s); deciding point {name}: {}",
                points.len(),
                part.reason
            )
        })
        .unwrap_or_else(|| "no points".to_string());
    part(
        label,
        Rule::Equivalence,
        Prediction {
            statement: band.statement.clone(),
            value: band.center.clone(),
        },
        Measurement::within(Value::Number(0.5 * (range.lower + range.upper)), range)
            .with_sample_size(points.len() as u64),
        if points.is_empty() {
            Verdict::Error
        } else {
            verdict
        },
        deciding,
    )
}

/// Whether a one-sided bound admits equality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// `<` or `>`.
    Strict,
    /// `≤` or `≥`.
    NonStrict,
}

/// One-sided rule, upper: the claim is `measured ≤ bound` (or `<`). `bound` is the
/// prediction's enclosure. Holds when the measured interval lies wholly below it,
/// Violated when wholly above, Inconclusive otherwise.
pub fn upper_bound(
    label: impl Into<String>,
    bound: Bounds,
    strictness: Strictness,
    measured: &Measured,
) -> Part {
    one_sided(label, Rule::Upper, bound, strictness, measured)
}

/// One-sided rule, lower: the claim is `measured ≥ bound` (or `>`).
pub fn lower_bound(
    label: impl Into<String>,
    bound: Bounds,
    strictness: Strictness,
    measured: &Measured,
) -> Part {
    one_sided(label, Rule::Lower, bound, strictness, measured)
}

fn one_sided(
    label: impl Into<String>,
    rule: Rule,
    bound: Bounds,
    strictness: Strictness,
    measured: &Measured,
) -> Part {
    let symbol = match (rule, strictness) {
        (Rule::Upper, Strictness::Strict) => "<",
        (Rule::Upper, Strictness::NonStrict) => "≤",
        (_, Strictness::Strict) => ">",
        (_, Strictness::NonStrict) => "≥",
    };
    let bound_text = if bound.width() == 0.0 {
        format_number(bound.lower)
    } else {
        format!(
            "[{}, {}]",
            format_number(bound.lower),
            format_number(bound.upper)
        )
    };
    let prediction = Prediction {
        statement: format!("{symbol} {bound_text}"),
        value: Value::Number(bound.lower),
    };
    if !measured.is_finite() || !bound.is_finite() {
        return non_finite(label, rule, prediction, measured);
    }
    let interval = measured.interval;
    let (holds, violated) = match (rule, strictness) {
        (Rule::Upper, Strictness::NonStrict) => {
            (interval.upper <= bound.lower, interval.lower > bound.upper)
        }
        (Rule::Upper, Strictness::Strict) => {
            (interval.upper < bound.lower, interval.lower >= bound.upper)
        }
        (_, Strictness::NonStrict) => (interval.lower >= bound.upper, interval.upper < bound.lower),
        (_, Strictness::Strict) => (interval.lower > bound.upper, interval.upper <= bound.lower),
    };
    let (verdict, reason) = if holds {
        (
            Verdict::Holds,
            "measured interval wholly on the predicted side".to_string(),
        )
    } else if violated {
        (
            Verdict::Violated,
            "measured interval wholly on the other side".to_string(),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!(
                "the interval overlaps the bound; {}",
                what_would_decide(measured, &[bound.lower, bound.upper])
            ),
        )
    };
    part(
        label,
        rule,
        prediction,
        measured.to_measurement(),
        verdict,
        reason,
    )
}

/// Identity evaluated in f64: Holds within the forward-error `tolerance` of the
/// reference; past it the step is re-checked in exact or certified arithmetic by
/// `recheck`, and the part is Violated only if that re-check fails too.
pub fn float_identity(
    label: impl Into<String>,
    reference: f64,
    measured: f64,
    tolerance: f64,
    recheck: impl FnOnce() -> Result<bool, Error>,
) -> Part {
    let prediction = Prediction {
        statement: format!(
            "= {} within {}",
            format_number(reference),
            format_number(tolerance)
        ),
        value: Value::Number(reference),
    };
    let measurement = Measurement::exact(Value::Number(measured));
    if !measured.is_finite() || !reference.is_finite() {
        return part(
            label,
            Rule::FloatIdentity,
            prediction,
            measurement,
            Verdict::Error,
            "non-finite value",
        );
    }
    let deviation = (measured - reference).abs();
    if deviation <= tolerance {
        return part(
            label,
            Rule::FloatIdentity,
            prediction,
            measurement,
            Verdict::Holds,
            format!(
                "deviation {} within the forward-error bound",
                format_number(deviation)
            ),
        );
    }
    let (verdict, reason) = match recheck() {
        Ok(true) => (
            Verdict::Holds,
            format!(
                "deviation {} past the f64 bound; the exact re-check holds",
                format_number(deviation)
            ),
        ),
        Ok(false) => (
            Verdict::Violated,
            format!(
                "deviation {} past the f64 bound and the exact re-check fails",
                format_number(deviation)
            ),
        ),
        Err(error) => (Verdict::Error, format!("exact re-check failed: {error}")),
    };
    part(
        label,
        Rule::FloatIdentity,
        prediction,
        measurement,
        verdict,
        reason,
    )
}

/// The direction a monotonicity claim asserts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Each interval above the previous one.
    Increasing,
    /// Each interval below the previous one.
    Decreasing,
}

/// Monotone rule: consecutive intervals are ordered in `direction` (strictly or not).
/// Holds when every consecutive pair is certainly ordered, Violated when some pair is
/// certainly ordered the other way, Inconclusive when some pair overlaps.
pub fn monotone(
    label: impl Into<String>,
    points: &[(String, Bounds)],
    direction: Direction,
    strictness: Strictness,
) -> Part {
    let word = match (direction, strictness) {
        (Direction::Increasing, Strictness::Strict) => "strictly increasing",
        (Direction::Increasing, Strictness::NonStrict) => "non-decreasing",
        (Direction::Decreasing, Strictness::Strict) => "strictly decreasing",
        (Direction::Decreasing, Strictness::NonStrict) => "non-increasing",
    };
    let prediction = Prediction {
        statement: word.to_string(),
        value: Value::Empty,
    };
    // A compact description: how many values, and the first and last.
    let centre = |interval: &Bounds| format_number(0.5 * (interval.lower + interval.upper));
    let summary = match (points.first(), points.last()) {
        (Some(first), Some(last)) if points.len() > 2 => {
            format!(
                "{} values, {}: {} … {}: {}",
                points.len(),
                first.0,
                centre(&first.1),
                last.0,
                centre(&last.1)
            )
        }
        _ => points
            .iter()
            .map(|(name, interval)| format!("{name}: {}", centre(interval)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let measurement = Measurement::exact(Value::Label(summary));
    if points.iter().any(|(_, interval)| !interval.is_finite()) {
        return part(
            label,
            Rule::Monotone,
            prediction,
            measurement,
            Verdict::Error,
            "non-finite value in the sequence",
        );
    }
    let mut undecided = None;
    for pair in points.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let (first, second) = match direction {
            Direction::Increasing => (before.1, after.1),
            Direction::Decreasing => (after.1, before.1),
        };
        // `first` must lie below `second`.
        let ordered = match strictness {
            Strictness::Strict => first.upper < second.lower,
            Strictness::NonStrict => first.upper <= second.lower,
        };
        let reversed = match strictness {
            Strictness::Strict => first.lower >= second.upper,
            Strictness::NonStrict => first.lower > second.upper,
        };
        if reversed {
            return part(
                label,
                Rule::Monotone,
                prediction,
                measurement,
                Verdict::Violated,
                format!("not {word} between {} and {}", before.0, after.0),
            );
        }
        if !ordered && undecided.is_none() {
            undecided = Some(format!(
                "intervals at {} and {} overlap; more precision would decide",
                before.0, after.0
            ));
        }
    }
    match undecided {
        Some(reason) => part(
            label,
            Rule::Monotone,
            prediction,
            measurement,
            Verdict::Inconclusive,
            reason,
        ),
        None => part(
            label,
            Rule::Monotone,
            prediction,
            measurement,
            Verdict::Holds,
            format!("{word} at every step"),
        ),
    }
}

/// Category rule: the spec's operational rule names a class, compared with the
/// predicted class.
pub fn category(
    label: impl Into<String>,
    predicted: &str,
    measured: &str,
    evidence: impl Into<String>,
) -> Part {
    let holds = predicted == measured;
    part(
        label,
        Rule::Category,
        Prediction {
            statement: predicted.to_string(),
            value: Value::label(predicted),
        },
        Measurement::exact(Value::label(measured)),
        if holds {
            Verdict::Holds
        } else {
            Verdict::Violated
        },
        evidence,
    )
}

/// Category rule when the operational rule cannot decide the class (the measured
/// interval straddles a class boundary): Inconclusive, with the evidence.
pub fn undecided_category(
    label: impl Into<String>,
    predicted: &str,
    evidence: impl Into<String>,
) -> Part {
    part(
        label,
        Rule::Category,
        Prediction {
            statement: predicted.to_string(),
            value: Value::label(predicted),
        },
        Measurement::exact(Value::label("undecided")),
        Verdict::Inconclusive,
        format!("{}; a tighter measurement would decide", evidence.into()),
    )
}

/// Category rule for a stated count (e.g. "every seed reaches the target").
pub fn stated_count(
    label: impl Into<String>,
    statement: impl Into<String>,
    hits: u64,
    total: u64,
    holds: bool,
) -> Part {
    part(
        label,
        Rule::Category,
        Prediction {
            statement: statement.into(),
            value: Value::Empty,
        },
        Measurement::exact(Value::Count { hits, total }),
        if holds {
            Verdict::Holds
        } else {
            Verdict::Violated
        },
        format!("{hits} of {total}"),
    )
}

/// A part decided by a rule without a numeric band: the phase rule (every unit outside
/// the margin on its predicted side) or the existential rule (some constants in the
/// admissible box fit). `decision` is `Some(true)` when the evidence certifies the
/// claim, `Some(false)` when it certifies the opposite, `None` when it decides neither.
pub fn decided(
    label: impl Into<String>,
    rule: Rule,
    statement: impl Into<String>,
    measured: Value,
    decision: Option<bool>,
    reason: impl Into<String>,
) -> Part {
    part(
        label,
        rule,
        Prediction {
            statement: statement.into(),
            value: Value::Empty,
        },
        Measurement::exact(measured),
        match decision {
            Some(true) => Verdict::Holds,
            Some(false) => Verdict::Violated,
            None => Verdict::Inconclusive,
        },
        reason,
    )
}

/// Report: numbers shown for information, outside pass or fail.
pub fn report(label: impl Into<String>, value: Value, note: impl Into<String>) -> Part {
    part(
        label,
        Rule::Report,
        Prediction {
            statement: "report".to_string(),
            value: Value::Empty,
        },
        Measurement::exact(value),
        Verdict::Reported,
        note,
    )
}

/// A part the case cannot check: it breaks an assumption or belongs to another tier.
pub fn out_of_scope(label: impl Into<String>, reason: impl Into<String>) -> Part {
    part(
        label,
        Rule::NotCompared,
        Prediction {
            statement: String::new(),
            value: Value::Empty,
        },
        Measurement::exact(Value::Empty),
        Verdict::OutOfScope,
        reason,
    )
}

/// A part whose evaluation failed.
pub fn error(label: impl Into<String>, reason: impl Into<String>) -> Part {
    part(
        label,
        Rule::NotCompared,
        Prediction {
            statement: String::new(),
            value: Value::Empty,
        },
        Measurement::exact(Value::Empty),
        Verdict::Error,
        reason,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::ratio;

    #[test]
    fn exact_rule_is_equal_or_violated() {
        assert_eq!(
            exact_equal("x", &ratio(23, 100), &ratio(23, 100)).verdict,
            Verdict::Holds
        );
        assert_eq!(
            exact_equal("x", &ratio(23, 100), &ratio(24, 100)).verdict,
            Verdict::Violated
        );
    }

    #[test]
    fn equivalence_on_both_sides_of_each_band_edge() {
        let band = Band::absolute(1.0, 0.1);
        let check = |lower: f64, upper: f64| {
            equivalence(
                "x",
                &band,
                &Measured::new(0.5 * (lower + upper), Bounds::new(lower, upper)),
            )
            .verdict
        };
        assert_eq!(check(0.95, 1.05), Verdict::Holds);
        assert_eq!(
            check(0.9, 1.1),
            Verdict::Holds,
            "touching the edges is inside"
        );
        assert_eq!(check(0.85, 1.0), Verdict::Inconclusive);
        assert_eq!(check(1.0, 1.15), Verdict::Inconclusive);
        assert_eq!(check(1.11, 1.2), Verdict::Violated);
        assert_eq!(check(0.7, 0.89), Verdict::Violated);
    }

    #[test]
    fn non_finite_measurements_are_errors_never_passes() {
        let band = Band::absolute(1.0, 1e300);
        assert_eq!(
            equivalence("x", &band, &Measured::point(f64::NAN)).verdict,
            Verdict::Error
        );
        let bound = Bounds::point(1.0);
        assert_eq!(
            upper_bound(
                "x",
                bound,
                Strictness::NonStrict,
                &Measured::point(f64::NEG_INFINITY)
            )
            .verdict,
            Verdict::Error
        );
        assert_eq!(
            float_identity("x", 1.0, f64::NAN, 1.0, || Ok(true)).verdict,
            Verdict::Error
        );
    }

    #[test]
    fn upper_bound_on_both_sides_of_the_boundary() {
        let bound = Bounds::new(0.05, 0.05);
        let verdict = |lower: f64, upper: f64, strictness| {
            upper_bound(
                "x",
                bound,
                strictness,
                &Measured::new(lower, Bounds::new(lower, upper)),
            )
            .verdict
        };
        assert_eq!(verdict(0.01, 0.05, Strictness::NonStrict), Verdict::Holds);
        assert_eq!(
            verdict(0.01, 0.05, Strictness::Strict),
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(0.01, 0.06, Strictness::NonStrict),
            Verdict::Inconclusive
        );
        assert_eq!(
            verdict(0.0500001, 0.06, Strictness::NonStrict),
            Verdict::Violated
        );
        assert_eq!(verdict(0.05, 0.06, Strictness::Strict), Verdict::Violated);
        assert_eq!(
            verdict(0.05, 0.06, Strictness::NonStrict),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn lower_bound_on_both_sides_of_the_boundary() {
        let bound = Bounds::new(14.0 / 13.0, 14.0 / 13.0);
        let verdict = |lower: f64, upper: f64| {
            lower_bound(
                "x",
                bound,
                Strictness::NonStrict,
                &Measured::new(lower, Bounds::new(lower, upper)),
            )
            .verdict
        };
        assert_eq!(verdict(1.2, 1.3), Verdict::Holds);
        assert_eq!(verdict(1.0, 1.3), Verdict::Inconclusive);
        assert_eq!(verdict(0.9, 1.0), Verdict::Violated);
    }

    #[test]
    fn a_prediction_enclosure_widens_one_sided_decisions() {
        let bound = Bounds::new(0.9, 1.1);
        let measured = Measured::new(1.0, Bounds::new(0.95, 1.0));
        assert_eq!(
            upper_bound("x", bound, Strictness::NonStrict, &measured).verdict,
            Verdict::Inconclusive
        );
        let below = Measured::new(0.8, Bounds::new(0.8, 0.85));
        assert_eq!(
            upper_bound("x", bound, Strictness::NonStrict, &below).verdict,
            Verdict::Holds
        );
    }

    #[test]
    fn float_identity_rechecks_past_the_tolerance() {
        assert_eq!(
            float_identity("x", 1.0, 1.0 + 1e-16, 1e-15, || panic!(
                "no re-check needed"
            ))
            .verdict,
            Verdict::Holds
        );
        assert_eq!(
            float_identity("x", 1.0, 1.1, 1e-15, || Ok(true)).verdict,
            Verdict::Holds
        );
        assert_eq!(
            float_identity("x", 1.0, 1.1, 1e-15, || Ok(false)).verdict,
            Verdict::Violated
        );
        let failing = float_identity("x", 1.0, 1.1, 1e-15, || {
            Err(Error::Numerical("overflow".into()))
        });
        assert_eq!(failing.verdict, Verdict::Error);
    }

    #[test]
    fn monotone_decides_each_consecutive_pair() {
        let series = |values: &[(f64, f64)]| -> Vec<(String, Bounds)> {
            values
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| (format!("p{i}"), Bounds::new(a, b)))
                .collect()
        };
        let increasing = series(&[(1.0, 1.1), (1.2, 1.3), (1.4, 1.5)]);
        assert_eq!(
            monotone("x", &increasing, Direction::Increasing, Strictness::Strict).verdict,
            Verdict::Holds
        );
        assert_eq!(
            monotone("x", &increasing, Direction::Decreasing, Strictness::Strict).verdict,
            Verdict::Violated
        );
        let touching = series(&[(1.0, 1.2), (1.2, 1.3)]);
        assert_eq!(
            monotone("x", &touching, Direction::Increasing, Strictness::NonStrict).verdict,
            Verdict::Holds
        );
        assert_eq!(
            monotone("x", &touching, Direction::Increasing, Strictness::Strict).verdict,
            Verdict::Inconclusive
        );
        let overlapping = series(&[(1.0, 1.3), (1.2, 1.4)]);
        assert_eq!(
            monotone("x", &overlapping, Direction::Increasing, Strictness::Strict).verdict,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn decided_parts_map_the_decision_to_a_verdict() {
        let verdict = |decision| {
            decided(
                "x",
                Rule::Existential,
                "some C fits",
                Value::Empty,
                decision,
                "",
            )
            .verdict
        };
        assert_eq!(verdict(Some(true)), Verdict::Holds);
        assert_eq!(verdict(Some(false)), Verdict::Violated);
        assert_eq!(verdict(None), Verdict::Inconclusive);
    }

    #[test]
    fn equivalence_at_each_takes_the_worst_point() {
        let band = Band::absolute(0.0, 1.0);
        let inside = ("a".to_string(), Measured::point(0.5));
        let outside = ("b".to_string(), Measured::point(2.0));
        assert_eq!(
            equivalence_at_each("x", &band, &[inside.clone()]).verdict,
            Verdict::Holds
        );
        let mixed = equivalence_at_each("x", &band, &[inside, outside]);
        assert_eq!(mixed.verdict, Verdict::Violated);
        assert!(mixed.reason.contains("deciding point b"));
        assert_eq!(equivalence_at_each("x", &band, &[]).verdict, Verdict::Error);
    }

    #[test]
    fn a_straddling_seed_range_does_not_ask_for_more_seeds() {
        let band = Band::range(0.8, 1.2);
        let range = Measured::new(1.0, Bounds::new(0.38, 1.24)).over_seed_range(&[0, 1, 2]);
        let part = equivalence("x", &band, &range);
        assert_eq!(part.verdict, Verdict::Inconclusive);
        assert!(
            part.reason.contains("more seeds widen a range"),
            "{}",
            part.reason
        );
        let deterministic = equivalence("x", &band, &Measured::new(1.0, Bounds::new(0.38, 1.24)));
        assert!(
            deterministic.reason.contains("higher precision"),
            "{}",
            deterministic.reason
        );
    }

    #[test]
    fn certified_predicates_follow_the_decision() {
        let enclosure = Interval::from_rational(&ratio(1, 3), 64);
        assert_eq!(
            certified("x", "> 0", &enclosure, Some(true)).verdict,
            Verdict::Holds
        );
        assert_eq!(
            certified("x", "< 0", &enclosure, Some(false)).verdict,
            Verdict::Violated
        );
        assert_eq!(
            certified("x", "= 1/3", &enclosure, None).verdict,
            Verdict::Inconclusive
        );
    }
}
