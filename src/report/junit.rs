//! JUnit XML for CI systems: one test suite per theorem, one test case per claim and
//! case. Violated and Error cases are failures, Inconclusive and OutOfScope cases are
//! skipped with their reason, Holds and Reported cases pass; every part is listed in
//! the case's standard output.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::claim::Verdict;
use crate::suite::{CaseResult, SuiteReport};

/// Whether wall-clock times appear in the XML (off for reproducible snapshots).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Include `time` attributes.
    Include,
    /// Leave them out.
    Omit,
}

fn parts_text(result: &CaseResult) -> String {
    result
        .parts
        .iter()
        .map(|part| {
            format!(
                "{} | {} | {} | predicted {} | measured {} | {}",
                part.verdict.label(),
                part.label,
                part.rule,
                part.prediction.statement,
                part.measurement.render(10),
                part.reason
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first reason among the parts with the case's verdict.
fn deciding_reason(result: &CaseResult) -> String {
    result
        .parts
        .iter()
        .find(|part| part.verdict == result.verdict)
        .map(|part| format!("{}: {}", part.label, part.reason))
        .unwrap_or_default()
}

fn write_case(
    writer: &mut Writer<Vec<u8>>,
    suite: &str,
    result: &CaseResult,
    timing: Timing,
) -> std::io::Result<()> {
    let classname = format!("{suite}.{}", result.claim);
    let name = if result.case.is_empty() {
        result.claim.clone()
    } else {
        result.case.clone()
    };
    let time = format!("{:.3}", result.seconds);
    let mut element = writer
        .create_element("testcase")
        .with_attribute(("classname", classname.as_str()))
        .with_attribute(("name", name.as_str()));
    if timing == Timing::Include {
        element = element.with_attribute(("time", time.as_str()));
    }
    element.write_inner_content(|writer| {
        let reason = deciding_reason(result);
        match result.verdict {
            Verdict::Violated | Verdict::Error => {
                writer
                    .create_element("failure")
                    .with_attribute(("type", result.verdict.label()))
                    .with_attribute(("message", reason.as_str()))
                    .write_text_content(BytesText::new(&parts_text(result)))?;
            }
            Verdict::Inconclusive | Verdict::OutOfScope => {
                writer
                    .create_element("skipped")
                    .with_attribute(("message", reason.as_str()))
                    .write_empty()?;
            }
            Verdict::Holds | Verdict::Reported => {}
        }
        writer
            .create_element("system-out")
            .write_text_content(BytesText::new(&parts_text(result)))?;
        Ok(())
    })?;
    Ok(())
}

/// The JUnit XML document of several suite reports.
pub fn junit(reports: &[SuiteReport], timing: Timing) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let count = |results: &mut dyn Iterator<Item = &CaseResult>, verdicts: &[Verdict]| {
        results
            .filter(|result| verdicts.contains(&result.verdict))
            .count()
            .to_string()
    };
    let all = || reports.iter().flat_map(|report| &report.results);
    let tests = all().count().to_string();
    let failures = count(&mut all(), &[Verdict::Violated, Verdict::Error]);
    let skipped = count(&mut all(), &[Verdict::Inconclusive, Verdict::OutOfScope]);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("testsuites")
            .with_attribute(("name", "thmcheck"))
            .with_attribute(("tests", tests.as_str()))
            .with_attribute(("failures", failures.as_str()))
            .with_attribute(("skipped", skipped.as_str()))
            .write_inner_content(|writer| {
                for report in reports {
                    let tests = report.results.len().to_string();
                    let failures = count(
                        &mut report.results.iter(),
                        &[Verdict::Violated, Verdict::Error],
                    );
                    let skipped = count(
                        &mut report.results.iter(),
                        &[Verdict::Inconclusive, Verdict::OutOfScope],
                    );
                    writer
                        .create_element("testsuite")
                        .with_attribute(("name", report.theorem.as_str()))
                        .with_attribute(("tests", tests.as_str()))
                        .with_attribute(("failures", failures.as_str()))
                        .with_attribute(("errors", "0"))
                        .with_attribute(("skipped", skipped.as_str()))
                        .write_inner_content(|writer| {
                            for result in &report.results {
                                write_case(writer, &report.theorem, result, timing)?;
                            }
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    written.expect("writing XML into memory cannot fail");
    String::from_utf8(writer.into_inner()).expect("the XML writer emits UTF-8")
}
