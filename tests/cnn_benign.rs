//! The cnn-benign suite end to end at the quick tier: every claim gets a verdict, no case
//! errs, the verdict table and the closed-form table at setting Q are snapshotted.

use std::path::Path;
use std::sync::LazyLock;

use thmcheck::claim::Verdict;
use thmcheck::report;
use thmcheck::suite::{CaseResult, RunOptions, Suite, SuiteReport, Tier, run};
use thmcheck::theorems;

static REPORT: LazyLock<SuiteReport> = LazyLock::new(|| {
    let suite = Suite::load(Path::new("theorems/cnn_benign.toml"))
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

#[test]
fn every_claim_gets_a_verdict_and_none_errs() {
    let theorem = theorems::find("cnn-benign").unwrap();
    assert_eq!(theorem.claims().len(), 26);
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
        }
    }
}

#[test]
fn full_only_claims_are_out_of_scope_at_the_quick_tier() {
    for claim in [
        "CNN-13", "CNN-17", "CNN-19", "CNN-20", "CNN-23", "CNN-24", "CNN-25",
    ] {
        for result in results(claim) {
            assert_eq!(result.verdict, Verdict::OutOfScope, "{claim}");
        }
    }
}

#[test]
fn the_exact_identities_hold() {
    for claim in ["CNN-1", "CNN-2", "CNN-4", "CNN-6", "CNN-7"] {
        let checked: Vec<_> = results(claim)
            .into_iter()
            .filter(|result| result.verdict != Verdict::OutOfScope)
            .collect();
        assert!(!checked.is_empty(), "{claim} was not checked");
        for result in checked {
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
fn verdict_table_matches_the_snapshot() {
    snapshot("cnn_benign_verdicts", &report::verdict_table(&REPORT));
}

#[test]
fn closed_form_table_at_setting_q_matches_the_snapshot() {
    let theorem = theorems::find("cnn-benign").unwrap();
    let parameters = thmcheck::suite::Parameters::new(Default::default(), theorem.parameters());
    let rows = theorem.closed_forms(&parameters).unwrap();
    snapshot("cnn_benign_closed_forms", &report::closed_form_table(&rows));
}

#[test]
fn a_diverging_run_is_an_error_never_a_pass() {
    let source = "theorem = \"cnn-benign\"\n[[case]]\nclaim = \"CNN-18\"\nname = \"huge step\"\n[case.parameters]\nlearning_rate = 1e6\noutput_inits = [1]\nsignal_norms = [1]\n";
    let suite = Suite::parse(Path::new("diverging.toml"), source).unwrap();
    let report = run(&suite, &RunOptions::tier(Tier::Quick));
    let result = &report.results[0];
    assert_eq!(result.verdict, Verdict::Error, "{:?}", result.parts);
    assert!(
        result.parts[0].reason.contains("diverged"),
        "{}",
        result.parts[0].reason
    );
    assert!(
        !result.parts[0]
            .reason
            .contains("numerical failure: numerical failure")
    );
}
