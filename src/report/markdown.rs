//! Markdown reports for pull-request comments: one summary line per suite, then the
//! claims that did not hold, then everything else folded away.

use std::fmt::Write;

use crate::claim::Verdict;
use crate::suite::{CaseResult, SuiteReport};

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The order in which verdicts are listed: what needs attention first.
fn urgency(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Error => 0,
        Verdict::Violated => 1,
        Verdict::Inconclusive => 2,
        Verdict::OutOfScope => 3,
        Verdict::Reported => 4,
        Verdict::Holds => 5,
    }
}

fn count(report: &SuiteReport, verdict: Verdict) -> usize {
    report
        .claim_verdicts()
        .iter()
        .filter(|(_, v)| *v == verdict)
        .count()
}

/// Table rows for the parts of the cases; with `only_failing`, just the parts that did
/// not hold (so a pull-request comment stays short).
fn case_rows(results: &[&CaseResult], only_failing: bool) -> String {
    let mut text = String::from(
        "| claim | case | verdict | part | prediction | measurement | note |\n|---|---|---|---|---|---|---|\n",
    );
    for result in results {
        let shown = result.parts.iter().filter(|part| {
            !only_failing || urgency(part.verdict) <= urgency(Verdict::Inconclusive)
        });
        for part in shown {
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&result.claim),
                cell(&result.case),
                part.verdict.label(),
                cell(&part.label),
                cell(&part.prediction.statement),
                cell(&part.measurement.render(6)),
                cell(&part.reason)
            );
        }
    }
    text
}

/// The Markdown report: a summary table with one line per suite (claims by verdict), the
/// claims that did not hold with their parts, and the rest in a folded section.
pub fn markdown(reports: &[SuiteReport]) -> String {
    let tier = reports
        .first()
        .map_or("quick".to_string(), |report| report.tier.to_string());
    let mut text = format!("## thmcheck, {tier} tier\n\n");
    text.push_str(
        "| suite | claims | holds | violated | error | inconclusive | out of scope | reported |\n",
    );
    text.push_str("|---|---|---|---|---|---|---|---|\n");
    for report in reports {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            report.theorem,
            report.claim_verdicts().len(),
            count(report, Verdict::Holds),
            count(report, Verdict::Violated),
            count(report, Verdict::Error),
            count(report, Verdict::Inconclusive),
            count(report, Verdict::OutOfScope),
            count(report, Verdict::Reported)
        );
    }
    // Cases of the other tier are only counted.
    let mut results: Vec<&CaseResult> = Vec::new();
    let mut other_tier = 0;
    for report in reports {
        for result in &report.results {
            if result.verdict == Verdict::OutOfScope
                && result.tier.is_some_and(|tier| !tier.runs_at(report.tier))
            {
                other_tier += 1;
            } else {
                results.push(result);
            }
        }
    }
    // A stable sort keeps claim order within each verdict.
    results.sort_by_key(|result| urgency(result.verdict));
    let (attention, rest): (Vec<&CaseResult>, Vec<&CaseResult>) = results
        .into_iter()
        .partition(|result| urgency(result.verdict) <= urgency(Verdict::Inconclusive));
    if attention.is_empty() {
        text.push_str("\nEvery checked claim holds.\n");
    } else {
        let _ = writeln!(
            text,
            "\n### Not holding ({} cases; their parts that did not hold)\n",
            attention.len()
        );
        text.push_str(&case_rows(&attention, true));
    }
    if !rest.is_empty() {
        // One line per case keeps the comment short; the JSON report has every part.
        let _ = writeln!(
            text,
            "\n<details><summary>The other {} cases</summary>\n",
            rest.len()
        );
        text.push_str("| claim | case | verdict | parts |\n|---|---|---|---|\n");
        for result in &rest {
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} |",
                cell(&result.claim),
                cell(&result.case),
                result.verdict.label(),
                result.parts.len()
            );
        }
        text.push_str("\n</details>\n");
    }
    if other_tier > 0 {
        let _ = writeln!(text, "\n{other_tier} cases of the other tier were not run.");
    }
    text
}
