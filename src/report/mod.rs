//! Rendering results: terminal tables, JSON, Markdown, JUnit XML, and the snapshot
//! tables.
//!
//! The library computes; this module only formats. Tables are plain text with aligned
//! columns; JSON follows the schema in `docs/json-schema.md` (versioned by
//! [`SCHEMA_VERSION`]).

pub mod figure;
mod junit;
mod markdown;

pub use junit::{Timing, junit};
pub use markdown::markdown;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::claim::{Part, Verdict};
use crate::suite::{CaseResult, SuiteReport, Tier};
use crate::theorems::ClosedForm;

/// Version of the JSON report schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Counts of case verdicts.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Claims checked (distinct claim IDs).
    pub claims: usize,
    /// Cases per verdict.
    pub verdicts: BTreeMap<String, usize>,
    /// Whether any case was violated or erred.
    pub fails: bool,
}

/// Tallies the verdicts of several suite reports.
pub fn summarize(reports: &[SuiteReport]) -> Summary {
    let mut summary = Summary::default();
    for report in reports {
        summary.claims += report.claim_verdicts().len();
        for result in &report.results {
            *summary
                .verdicts
                .entry(result.verdict.label().to_string())
                .or_default() += 1;
        }
        summary.fails |= report.fails();
    }
    summary
}

/// Lays out rows of cells in aligned columns separated by two spaces.
pub fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if column + 1 < row.len() {
                line.push_str(&" ".repeat(widths[column] - cell.chars().count() + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn part_row(part: &Part, digits: usize) -> Vec<String> {
    vec![
        String::new(),
        String::new(),
        part.verdict.label().to_string(),
        part.label.clone(),
        part.rule.to_string(),
        part.prediction.statement.clone(),
        part.measurement.render(digits),
        part.reason.clone(),
    ]
}

/// Significant digits of simulated numbers in snapshot tables: enough to review, few
/// enough to survive last-digit differences between machines.
pub const SNAPSHOT_DIGITS: usize = 4;

/// Whether a result is a case of the other tier, listed only as a count.
fn other_tier(report: &SuiteReport, result: &CaseResult) -> bool {
    result.verdict == Verdict::OutOfScope
        && result.tier.is_some_and(|tier| !tier.runs_at(report.tier))
}

/// Shortens a cell to `width` characters, marking the cut with "…".
fn clip(text: String, width: usize) -> String {
    if text.chars().count() <= width {
        text
    } else {
        text.chars()
            .take(width.saturating_sub(1))
            .collect::<String>()
            + "…"
    }
}

/// Table rows. The terminal table clips long cells (the JSON report has them whole) and
/// counts the other tier's cases instead of listing them; the snapshot table keeps
/// every row whole, without notes.
fn rows(report: &SuiteReport, terminal: bool) -> Vec<Vec<String>> {
    let digits = if terminal { 10 } else { SNAPSHOT_DIGITS };
    let widths = if terminal {
        [12, 40, 16, 60, 6, 40, 60, 100]
    } else {
        [usize::MAX; 8]
    };
    let mut rows = vec![
        [
            "claim",
            "case",
            "verdict",
            "part",
            "rule",
            "prediction",
            "measurement",
            "note",
        ]
        .iter()
        .map(|cell| cell.to_string())
        .collect::<Vec<_>>(),
    ];
    for result in &report.results {
        if terminal && other_tier(report, result) {
            continue;
        }
        if result.parts.len() == 1 {
            let mut row = part_row(&result.parts[0], digits);
            row[0] = result.claim.clone();
            row[1] = result.case.clone();
            row[2] = result.verdict.label().to_string();
            rows.push(row);
        } else {
            rows.push(vec![
                result.claim.clone(),
                result.case.clone(),
                result.verdict.label().to_string(),
            ]);
            rows.extend(result.parts.iter().map(|part| {
                let mut row = part_row(part, digits);
                row[2] = format!("· {}", part.verdict.label());
                row
            }));
        }
    }
    for row in &mut rows {
        if !terminal {
            row.truncate(7);
        }
        for (cell, width) in row.iter_mut().zip(widths) {
            *cell = clip(std::mem::take(cell), width);
        }
    }
    rows
}

/// "56 holds, 3 inconclusive" for a list of verdicts.
fn verdict_counts(verdicts: impl Iterator<Item = Verdict>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for verdict in verdicts {
        *counts.entry(verdict.label()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(label, count)| format!("{count} {label}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The terminal table of several suite reports: per suite its rows, a count of the
/// other tier's cases, and a line of claim verdicts; then a summary with the wall time
/// when known.
pub fn table(reports: &[SuiteReport], seconds: Option<f64>) -> String {
    let mut text = String::new();
    for report in reports {
        let _ = writeln!(
            text,
            "{} ({}), {} tier",
            report.theorem,
            report.file.display(),
            report.tier
        );
        text.push_str(&align(&rows(report, true)));
        let skipped = report
            .results
            .iter()
            .filter(|result| other_tier(report, result))
            .count();
        if skipped > 0 {
            let other = match report.tier {
                Tier::Quick => "full-tier cases not run at the quick tier (--tier full runs them)",
                Tier::Full => "quick-tier reductions replaced by full-tier cases",
            };
            let _ = writeln!(text, "({skipped} {other})");
        }
        let verdicts = report.claim_verdicts();
        let _ = writeln!(
            text,
            "{}: {}: {}\n",
            report.theorem,
            count_of(verdicts.len(), "claim"),
            verdict_counts(verdicts.iter().map(|(_, v)| *v))
        );
    }
    let claims = claim_verdicts(reports);
    let time = seconds
        .map(|seconds| format!(" ({seconds:.1} s)"))
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "{}: {}{time}",
        count_of(claims.len(), "claim"),
        verdict_counts(claims.iter().map(|(_, v)| *v))
    );
    text
}

/// "1 claim", "2 claims".
fn count_of(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The verdict table for snapshots: verdicts, predictions and measurements, no timings
/// or reasons that vary between machines.
pub fn verdict_table(report: &SuiteReport) -> String {
    let mut text = format!("{} verdicts, {} tier\n", report.theorem, report.tier);
    text.push_str(&align(&rows(report, false)));
    text
}

/// A closed-form table: name, formula, value.
pub fn closed_form_table(rows: &[ClosedForm]) -> String {
    let mut table = vec![vec![
        "quantity".to_string(),
        "formula".to_string(),
        "value".to_string(),
    ]];
    table.extend(rows.iter().map(|row| {
        vec![
            row.name.clone(),
            row.formula.clone(),
            with_decimal(&row.value),
        ]
    }));
    align(&table)
}

/// A value as text; a long exact fraction also shows its decimal value.
fn with_decimal(value: &crate::claim::Value) -> String {
    let text = value.to_string();
    match value {
        crate::claim::Value::Exact(rational) if text.len() > 12 && !rational.is_integer() => {
            format!(
                "{text} ≈ {}",
                crate::claim::format_significant(crate::exact::to_f64(rational), 12)
            )
        }
        _ => text,
    }
}

/// The JSON report: schema version, tool version, tier, every suite's results and the
/// summary.
pub fn json(reports: &[SuiteReport], tier: Tier) -> serde_json::Value {
    serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "thmcheck_version": env!("CARGO_PKG_VERSION"),
        "tier": tier,
        "suites": reports,
        "summary": summarize(reports),
    })
}

/// Reads the suite reports back from a JSON report (for merging shards).
///
/// # Errors
/// A message when the text is not a JSON report of this schema version.
pub fn suites_from_json(text: &str) -> Result<Vec<SuiteReport>, String> {
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    match document
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(version) if version == u64::from(SCHEMA_VERSION) => {}
        Some(version) => {
            return Err(format!(
                "schema version {version}; this thmcheck reads version {SCHEMA_VERSION}"
            ));
        }
        None => return Err("no schema_version: not a thmcheck JSON report".into()),
    }
    let suites = document
        .get("suites")
        .cloned()
        .ok_or("no suites in the report")?;
    serde_json::from_value(suites).map_err(|error| format!("malformed suites: {error}"))
}

/// The worst verdict of each claim, across reports, for exit codes and summaries.
pub fn claim_verdicts(reports: &[SuiteReport]) -> Vec<(String, Verdict)> {
    reports
        .iter()
        .flat_map(SuiteReport::claim_verdicts)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_pads_columns_and_trims_line_ends() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string(), "".to_string()],
            vec!["ccc".to_string(), "d".to_string(), "".to_string()],
        ];
        assert_eq!(align(&rows), "a    bb\nccc  d\n");
    }
}
