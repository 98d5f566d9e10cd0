//! Reports: Markdown and JUnit XML are snapshotted on a fixed report holding every
//! verdict; JSON reads back into the same report; shards merge into exactly the single
//! run.

use std::path::{Path, PathBuf};

use thmcheck::claim::Verdict;
use thmcheck::claim::rules::{self, Band, Measured};
use thmcheck::exact::ratio;
use thmcheck::report;
use thmcheck::suite::{
    CaseResult, CaseTier, Location, RunOptions, Shard, Suite, SuiteReport, Tier, merge, run,
};

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn case(claim: &str, name: &str, line: usize, parts: Vec<thmcheck::claim::Part>) -> CaseResult {
    CaseResult {
        claim: claim.into(),
        case: name.into(),
        location: Some(Location {
            file: PathBuf::from("example.toml"),
            line,
        }),
        tier: Some(CaseTier::Quick),
        verdict: Verdict::worst(parts.iter().map(|part| part.verdict)),
        parts,
        seeds: vec![0, 1],
        seconds: 0.25,
    }
}

/// A report with one case of every verdict, built from the comparison rules.
fn every_verdict() -> Vec<SuiteReport> {
    let band = Band::absolute(1.0, 0.1);
    let results = vec![
        case(
            "X-1",
            "exact | piped",
            3,
            vec![rules::exact_equal("a rational", &ratio(1, 3), &ratio(1, 3))],
        ),
        case(
            "X-2",
            "violated",
            7,
            vec![rules::equivalence(
                "a band",
                &band,
                &Measured::new(2.0, thmcheck::exact::Bounds::new(1.9, 2.1)),
            )],
        ),
        case(
            "X-3",
            "inconclusive",
            11,
            vec![
                rules::exact_equal("holds part", &ratio(2, 1), &ratio(2, 1)),
                rules::equivalence(
                    "straddles <edge>",
                    &band,
                    &Measured::new(1.1, thmcheck::exact::Bounds::new(1.0, 1.2)),
                ),
            ],
        ),
        case(
            "X-4",
            "error",
            15,
            vec![rules::error("a run", "non-finite value & overflow")],
        ),
        case(
            "X-5",
            "scope",
            19,
            vec![rules::out_of_scope("case", "full-tier case")],
        ),
        case(
            "X-6",
            "report",
            23,
            vec![rules::report(
                "numbers",
                thmcheck::claim::Value::Number(0.5),
                "for information",
            )],
        ),
    ];
    vec![SuiteReport {
        theorem: "example".into(),
        file: PathBuf::from("example.toml"),
        tier: Tier::Quick,
        shard: None,
        results,
    }]
}

#[test]
fn markdown_lists_what_did_not_hold_first() {
    let text = report::markdown(&every_verdict());
    let error = text.find("| X-4 |").unwrap();
    let holds = text.find("| X-1 |").unwrap();
    assert!(error < holds, "errors come before holding claims");
    assert!(
        text.contains("exact \\| piped"),
        "pipes in cells are escaped"
    );
    snapshot("report_markdown", &text);
}

#[test]
fn junit_marks_failures_and_skips() {
    let text = report::junit(&every_verdict(), report::Timing::Omit);
    assert!(
        text.contains(r#"<testsuites name="thmcheck" tests="6" failures="2" skipped="2">"#),
        "{text}"
    );
    assert!(text.contains(r#"<failure type="VIOLATED""#));
    assert!(text.contains(r#"<failure type="ERROR""#));
    assert!(
        text.contains("straddles &lt;edge&gt;"),
        "markup in text is escaped"
    );
    snapshot("report_junit", &text);
}

fn quick_run(shard: Option<Shard>) -> SuiteReport {
    let suite = Suite::load(Path::new("theorems/reward_errors.toml")).unwrap();
    let options = RunOptions {
        claims: [
            "RE-6", "RE-8", "RE-9", "RE-15", "RE-16", "RE-22", "RE-30", "RE-33",
        ]
        .map(String::from)
        .to_vec(),
        shard,
        ..RunOptions::tier(Tier::Quick)
    };
    run(&suite, &options)
}

#[test]
fn merged_shards_equal_a_single_run() {
    let single = quick_run(None);
    let shards: Vec<SuiteReport> = (1..=3)
        .map(|k| quick_run(Some(format!("{k}/3").parse().unwrap())))
        .collect();
    assert!(
        shards
            .iter()
            .all(|shard| shard.results.len() < single.results.len()),
        "each shard runs a share"
    );
    // Shards travel as JSON between machines.
    let texts: Vec<String> = shards
        .iter()
        .map(|shard| report::json(std::slice::from_ref(shard), Tier::Quick).to_string())
        .collect();
    let parsed: Vec<SuiteReport> = texts
        .iter()
        .flat_map(|text| report::suites_from_json(text).unwrap())
        .collect();
    let merged = merge(parsed).unwrap();
    assert_eq!(merged.len(), 1);
    assert_eq!(
        report::verdict_table(&merged[0]),
        report::verdict_table(&single)
    );
    let cases = |report: &SuiteReport| {
        report
            .results
            .iter()
            .map(|r| (r.claim.clone(), r.case.clone(), r.verdict))
            .collect::<Vec<_>>()
    };
    assert_eq!(cases(&merged[0]), cases(&single));
}

#[test]
fn incomplete_or_repeated_shards_are_refused() {
    let single = quick_run(None);
    assert!(
        merge(vec![single.clone(), single])
            .unwrap_err()
            .to_string()
            .contains("given twice")
    );
    let first = quick_run(Some("1/3".parse().unwrap()));
    let second = quick_run(Some("2/3".parse().unwrap()));
    let error = merge(vec![first.clone(), second]).unwrap_err().to_string();
    assert!(error.contains("shard 3/3 is missing"), "{error}");
    let other_split = quick_run(Some("2/2".parse().unwrap()));
    assert!(
        merge(vec![first, other_split])
            .unwrap_err()
            .to_string()
            .contains("mixed")
    );
}

#[test]
fn json_reports_read_back_with_exact_values() {
    let single = quick_run(None);
    let text = report::json(std::slice::from_ref(&single), Tier::Quick).to_string();
    let parsed = report::suites_from_json(&text).unwrap();
    assert_eq!(
        report::verdict_table(&parsed[0]),
        report::verdict_table(&single)
    );
    assert!(
        report::suites_from_json("{\"schema_version\": 99, \"suites\": []}")
            .unwrap_err()
            .contains("schema version 99")
    );
}
