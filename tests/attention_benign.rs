//! The attention-benign suite end to end at the quick tier: every claim gets a verdict
//! and none errs; the verdict table, the closed forms at the spec's defaults and the §6.4
//! threshold table are snapshotted; broken assumptions are out of scope and numerical
//! failures are errors.

use std::path::Path;
use std::sync::LazyLock;

use thmcheck::claim::{Value, Verdict};
use thmcheck::report;
use thmcheck::suite::{CaseResult, CaseTier, RunOptions, Suite, SuiteReport, Tier, run};
use thmcheck::theorems;
use thmcheck::theorems::attention_benign;

static REPORT: LazyLock<SuiteReport> = LazyLock::new(|| {
    let suite = Suite::load(Path::new("theorems/attention_benign.toml"))
        .expect("the shipped suite file is valid");
    run(&suite, &RunOptions::tier(Tier::Quick))
});

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn results(claim: &str) -> Vec<&'static CaseResult> {
    REPORT
        .results
        .iter()
        .filter(|result| result.claim == claim)
        .collect()
}

fn run_source(source: &str) -> SuiteReport {
    let suite = Suite::parse(Path::new("custom.toml"), source).expect("a valid suite");
    run(&suite, &RunOptions::tier(Tier::Quick))
}

#[test]
fn every_claim_gets_a_verdict_and_none_errs() {
    let theorem = theorems::find("attention-benign").unwrap();
    assert_eq!(theorem.claims().len(), 22);
    for claim in theorem.claims() {
        let cases = results(claim.id);
        assert!(!cases.is_empty(), "{} has no result", claim.id);
        for result in cases {
            assert_ne!(
                result.verdict,
                Verdict::Error,
                "{} {}: {:?}",
                claim.id,
                result.case,
                result.parts
            );
            assert_eq!(
                result.verdict == Verdict::OutOfScope,
                result.tier == Some(CaseTier::Full),
                "{} {}: out of scope exactly when it is a full-tier case",
                claim.id,
                result.case
            );
        }
    }
}

#[test]
fn the_exact_and_certified_identities_hold() {
    for claim in [
        "ATT-1", "ATT-2", "ATT-3", "ATT-4", "ATT-5", "ATT-10", "ATT-15", "ATT-16",
    ] {
        for result in results(claim)
            .into_iter()
            .filter(|r| r.tier != Some(CaseTier::Full))
        {
            assert_eq!(
                result.verdict,
                Verdict::Holds,
                "{claim}: {:?}",
                result.parts
            );
        }
    }
}

#[test]
fn the_stated_rational_thresholds_are_exact() {
    let parts = &results("ATT-10")[0].parts;
    let value_of = |label: &str| {
        parts
            .iter()
            .find(|part| part.label.starts_with(label))
            .map(|part| part.measurement.value.to_string())
            .unwrap_or_else(|| panic!("no part {label}"))
    };
    assert_eq!(value_of("(T, η) = (2, 0.2)"), "10");
    assert_eq!(value_of("(T, η) = (3, 0.1)"), "5");
}

#[test]
fn the_window_of_two_step_gd_brackets_the_predicted_thresholds() {
    let result = results("ATT-20")
        .into_iter()
        .find(|result| result.tier != Some(CaseTier::Full))
        .unwrap();
    assert_eq!(result.verdict, Verdict::Holds, "{:?}", result.parts);
    let Value::Label(window) = &result.parts[0].measurement.value else {
        panic!("ATT-20 reports its window as a label")
    };
    // The quick grid has step 0.5: κ_te = 3.125 and κ_fl ≈ 6.575 fall inside the gaps.
    assert_eq!(
        window,
        "3 < c₁ < c₂ < 6.5, c₂ − c₁ ≥ 0.5, covering a cell of 3.5 … 6"
    );
}

#[test]
fn verdict_table_matches_the_snapshot() {
    snapshot("attention_benign_verdicts", &report::verdict_table(&REPORT));
}

#[test]
fn closed_forms_at_the_defaults_match_the_snapshot() {
    let theorem = theorems::find("attention-benign").unwrap();
    let parameters = thmcheck::suite::Parameters::new(Default::default(), theorem.parameters());
    let rows = theorem.closed_forms(&parameters).unwrap();
    snapshot(
        "attention_benign_closed_forms",
        &report::closed_form_table(&rows),
    );
}

#[test]
fn the_threshold_table_matches_the_snapshot() {
    let rows = attention_benign::threshold_table().unwrap();
    assert_eq!(rows.len(), 60);
    snapshot(
        "attention_benign_thresholds",
        &report::closed_form_table(&rows),
    );
}

#[test]
fn a_dimension_below_the_assumption_is_out_of_scope() {
    let report = run_source(
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-11\"\nname = \"small d\"\n[case.parameters]\ndimension = 10000\nscaled_snrs = [4]\n",
    );
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::OutOfScope);
    assert!(
        result.parts[0]
            .reason
            .contains("large-dimension assumption d ≥ 25·n²"),
        "{}",
        result.parts[0].reason
    );
}

#[test]
fn a_fractional_flip_count_is_out_of_scope() {
    let report = run_source(
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-1\"\nname = \"n = 12\"\n[case.parameters]\nsamples = 12\ndimension = 2000\n",
    );
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::OutOfScope);
    assert!(
        result.parts[0].reason.contains("integer η·n/2"),
        "{}",
        result.parts[0].reason
    );
}

#[test]
fn an_overflowing_second_step_is_an_error_never_a_pass() {
    let report = run_source(
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-11\"\nname = \"huge step\"\n[case.parameters]\nsecond_step_scale = 1e300\nscaled_snrs = [4]\ntoken_counts = [2]\n",
    );
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::Error, "{:?}", result.parts);
    assert!(
        result
            .parts
            .iter()
            .all(|part| part.verdict != Verdict::Holds)
    );
}

#[test]
fn samples_judged_at_the_threshold_itself_violate_the_rule() {
    // A negative control: with the margin shrunk to 0.1 %, test samples at κ = 3.13,
    // just above κ_te = 3.125, are judged; the large-d rule cannot hold there.
    let report = run_source(
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-9\"\nname = \"at the threshold\"\n[case.parameters]\nthreshold_margin = 0.001\nscaled_snrs = [3.13]\ntoken_counts = [2]\n",
    );
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::Violated, "{:?}", result.parts);
    let test_part = result
        .parts
        .iter()
        .find(|part| part.label.starts_with("test samples"))
        .unwrap();
    assert_eq!(test_part.verdict, Verdict::Violated);
}

#[test]
fn a_schedule_outside_the_rules_is_out_of_scope() {
    let report = run_source(
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-9\"\nname = \"large first step\"\n[case.parameters]\nfirst_step_scale = 100\nscaled_snrs = [4]\n",
    );
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::OutOfScope);
    assert!(
        result.parts[0].reason.contains("b₀ ≤ 1e-3"),
        "{}",
        result.parts[0].reason
    );
}

#[test]
fn the_simulator_option_is_refused_where_a_claim_has_one_simulator() {
    let error = Suite::parse(
        Path::new("custom.toml"),
        "theorem = \"attention-benign\"\n[[case]]\nclaim = \"ATT-7\"\nname = \"x\"\n[case.parameters]\nsimulator = \"explicit\"\n",
    )
    .err()
    .expect("ATT-7 runs SIM-G only");
    assert!(
        error.to_string().contains("unknown parameter `simulator`"),
        "{error}"
    );
}
