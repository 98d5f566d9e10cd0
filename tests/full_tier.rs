//! Full-tier snapshots of the constants the existential claims find (CNN-23, CNN-24,
//! ATT-20, ATT-21). They run the paper-scale grids, so they are ignored by default:
//! `cargo test --release --test full_tier -- --ignored` checks them against the committed
//! snapshots (a few minutes on 2 cores).

use std::path::Path;

use thmcheck::report;
use thmcheck::suite::{RunOptions, Suite, Tier, run};

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn full_tier_table(file: &str, claims: &[&str]) -> String {
    let suite = Suite::load(Path::new(file)).expect("the shipped suite file is valid");
    let options = RunOptions {
        claims: claims.iter().map(|claim| claim.to_string()).collect(),
        ..RunOptions::tier(Tier::Full)
    };
    report::verdict_table(&run(&suite, &options))
}

#[test]
#[ignore = "full tier: the threshold grid takes minutes"]
fn cnn_bound_constants_match_the_snapshot() {
    snapshot(
        "cnn_benign_full_constants",
        &full_tier_table("theorems/cnn_benign.toml", &["CNN-23", "CNN-24"]),
    );
}

#[test]
#[ignore = "full tier: the phase diagram of n up to 160 at d = 640 000"]
fn attention_window_constants_match_the_snapshot() {
    snapshot(
        "attention_benign_full_constants",
        &full_tier_table("theorems/attention_benign.toml", &["ATT-20", "ATT-21"]),
    );
}
