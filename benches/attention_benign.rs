//! Benchmarks of the attention-benign simulators.
//!
//! - `two_steps_gram`: one training draw and two GD steps at n = 160, d = 640 000, T = 2
//!   in the Gram basis (SIM-G, dimension n + 2; target: under 50 ms).
//! - `two_steps_explicit`: the same in explicit d-dimensional coordinates (SIM-D), whose
//!   tokens alone are 160 × 2 × 640 000 doubles (1.6 GB).
//! - `phase_diagram_full`: the full-tier phase diagram of the suite file, ATT-20, ATT-21
//!   and ATT-22 (n up to 160 at d = 640 000, 10 seeds per cell, GD and min-norm), from a
//!   cold cache on the rayon pool (target: under 2 minutes on 2 cores).
//!
//! Run with `cargo bench --bench attention_benign`.

use std::collections::BTreeMap;
use std::path::Path;

use divan::Bencher;
use thmcheck::exact::ratio;
use thmcheck::suite::{ParameterValue, Parameters, RunOptions, Suite, Tier, memo, run};
use thmcheck::theorems;
use thmcheck::theorems::attention_benign::data::draw;
use thmcheck::theorems::attention_benign::runs::train;
use thmcheck::theorems::attention_benign::setting::{Setting, Simulator};

fn main() {
    divan::main();
}

/// n = 160, d = 25·160² = 640 000, T = 2, κ = 4 and the spec's other defaults.
fn large_setting() -> Setting {
    let theorem = theorems::find("attention-benign").expect("registered");
    let mut given = BTreeMap::new();
    given.insert("samples".to_string(), ParameterValue::Number(ratio(160, 1)));
    Setting::from_parameters(&Parameters::new(given, theorem.parameters())).expect("valid")
}

#[divan::bench(sample_count = 20)]
fn two_steps_gram(bencher: Bencher) {
    let setting = large_setting();
    assert_eq!(setting.dimension, 640_000);
    bencher.bench(|| {
        let dataset = draw(&setting, Simulator::Gram, 0).expect("a draw");
        train(&dataset, &setting).expect("finite steps")
    });
}

#[divan::bench(sample_count = 1)]
fn two_steps_explicit(bencher: Bencher) {
    let setting = large_setting();
    bencher.bench(|| {
        let dataset = draw(&setting, Simulator::Explicit, 0).expect("a draw");
        train(&dataset, &setting).expect("finite steps")
    });
}

#[divan::bench(sample_count = 1)]
fn phase_diagram_full(bencher: Bencher) {
    let suite =
        Suite::load(Path::new("theorems/attention_benign.toml")).expect("the shipped suite");
    let options = RunOptions {
        claims: vec!["ATT-20".into(), "ATT-21".into(), "ATT-22".into()],
        ..RunOptions::tier(Tier::Full)
    };
    bencher.bench(|| {
        memo::clear();
        run(&suite, &options)
    });
}
