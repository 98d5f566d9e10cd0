//! The reward-errors suite end to end: the quick tier's verdict table and the exact
//! closed-form table at T0 are snapshotted; key values are asserted directly.

use std::path::Path;
use std::sync::LazyLock;

use thmcheck::claim::{Value, Verdict};
use thmcheck::report;
use thmcheck::suite::{CaseResult, CaseTier, RunOptions, Suite, SuiteReport, Tier, run};
use thmcheck::theorems;

static REPORT: LazyLock<SuiteReport> = LazyLock::new(|| {
    let suite = Suite::load(Path::new("theorems/reward_errors.toml"))
        .expect("the shipped suite file is valid");
    run(&suite, &RunOptions::tier(Tier::Quick))
});

fn result(claim: &str) -> &'static CaseResult {
    REPORT
        .results
        .iter()
        .find(|result| result.claim == claim)
        .unwrap_or_else(|| panic!("no result for {claim}"))
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn every_claim_of_the_theorem_has_a_case_and_no_case_errs() {
    let theorem = theorems::find("reward-errors").unwrap();
    for claim in theorem.claims() {
        let results: Vec<_> = REPORT
            .results
            .iter()
            .filter(|result| result.claim == claim.id)
            .collect();
        assert!(!results.is_empty(), "{} has no result", claim.id);
        for result in results {
            assert_ne!(
                result.verdict,
                Verdict::Error,
                "{} {}: {:?}",
                claim.id,
                result.case,
                result.parts
            );
            let full_tier_only = result.tier == Some(CaseTier::Full);
            assert_eq!(
                result.verdict == Verdict::OutOfScope,
                full_tier_only,
                "{} {}: out of scope exactly when it is a full-tier case",
                claim.id,
                result.case
            );
        }
    }
}

#[test]
fn verdict_table_matches_the_snapshot() {
    snapshot("reward_errors_verdicts", &report::verdict_table(&REPORT));
}

#[test]
fn closed_form_table_at_t0_matches_the_snapshot() {
    let theorem = theorems::find("reward-errors").unwrap();
    let parameters = thmcheck::suite::Parameters::new(Default::default(), theorem.parameters());
    let rows = theorem.closed_forms(&parameters).unwrap();
    snapshot(
        "reward_errors_closed_forms",
        &report::closed_form_table(&rows),
    );
}

#[test]
fn initial_rates_at_t0_are_the_stated_rationals() {
    let parts = &result("RE-8").parts;
    let values: Vec<String> = parts
        .iter()
        .map(|part| part.measurement.value.to_string())
        .collect();
    assert_eq!(values, ["23/100", "-17/2000"]);
    assert!(parts.iter().all(|part| part.verdict == Verdict::Holds));
}

#[test]
fn one_certified_step_agrees_with_gradient_ascent() {
    for part in &result("RE-9").parts {
        assert_eq!(part.verdict, Verdict::Holds, "{}", part.label);
        let Value::Enclosure(enclosure) = &part.prediction.value else {
            panic!("RE-9 predicts an enclosure")
        };
        assert!(enclosure.width_f64() < 1e-30);
        let Value::Number(measured) = part.measurement.value else {
            panic!("RE-9 measures a number")
        };
        assert!((measured - enclosure.midpoint_f64()).abs() < 1e-12);
    }
}

#[test]
fn overflowing_simulations_are_errors_never_passes() {
    let source = "theorem = \"reward-errors\"\n[[case]]\nclaim = \"RE-9\"\nname = \"huge step\"\n[case.parameters]\nlearning_rate = 1e300\n";
    let suite = Suite::parse(Path::new("overflow.toml"), source).unwrap();
    let report = run(&suite, &RunOptions::tier(Tier::Quick));
    let result = report
        .results
        .iter()
        .find(|result| result.claim == "RE-9")
        .unwrap();
    assert_eq!(result.verdict, Verdict::Error, "{:?}", result.parts);
    assert!(
        result
            .parts
            .iter()
            .all(|part| part.verdict != Verdict::Holds)
    );
}
