//! Benchmarks of the cnn-benign engine.
//!
//! - `setting_a_run`: one full-batch GD run at n = 40, d = 1000, m = 10 per class,
//!   T = 1500 steps on one thread (target: under 1 s), counted in floating-point
//!   operations of the two matrix products per step, so divan prints FLOP/s as item/s.
//! - `kou_grid_fraction`: every 10th row and column of the 100 × 100 Kou-protocol
//!   heatmap with 10 repeats (1 % of the full grid's runs, d spread like the full grid),
//!   on the rayon pool, in coefficient space as the suite runs it; multiply by 100 for
//!   the full grid (target: under 15 minutes on 2 cores).

use std::collections::BTreeMap;

use divan::Bencher;
use divan::counter::ItemsCount;
use thmcheck::exact::{parse_rational, ratio};
use thmcheck::suite::{ParameterValue, Parameters};
use thmcheck::theorems::cnn_benign::engine::RunOptions;
use thmcheck::theorems::cnn_benign::runs::{RunSpec, simulate, summaries};
use thmcheck::theorems::cnn_benign::setting::Setting;
use thmcheck::theorems::{self};

fn main() {
    divan::main();
}

fn setting(values: &[(&str, &str)]) -> Setting {
    let theorem = theorems::find("cnn-benign").expect("registered");
    let mut given = BTreeMap::new();
    for (name, value) in values {
        let parsed = match *value {
            "true" => ParameterValue::Flag(true),
            text if text.starts_with('"') => ParameterValue::Text(text.trim_matches('"').into()),
            text => ParameterValue::Number(parse_rational(text).expect("a number")),
        };
        given.insert(name.to_string(), parsed);
    }
    given
        .entry("samples".into())
        .or_insert(ParameterValue::Number(ratio(20, 1)));
    Setting::from_parameters(&Parameters::new(given, theorem.parameters())).expect("valid")
}

fn setting_a() -> Setting {
    let mut setting = setting(&[
        ("samples", "40"),
        ("dimension", "1000"),
        ("steps", "1500"),
        ("output_init", "0.1"),
        ("test_samples", "0"),
    ]);
    // Exactly T steps: no continuation to the loss target.
    setting.maximum_steps = setting.steps;
    setting
}

#[divan::bench(sample_count = 5)]
fn setting_a_run(bencher: Bencher) {
    let setting = setting_a();
    let flops = 2.0 * 2.0 * (40 * 1000 * 20) as f64 * setting.steps as f64;
    bencher.counter(ItemsCount::new(flops as u64)).bench(|| {
        simulate(
            &setting,
            0,
            RunOptions {
                diagnostics: false,
                record_shifts: false,
            },
        )
        .expect("the run converges")
    });
}

#[divan::bench(sample_count = 3)]
fn setting_a_run_with_diagnostics(bencher: Bencher) {
    let setting = setting_a();
    let flops = 2.0 * 2.0 * (40 * 1000 * 20) as f64 * setting.steps as f64;
    bencher.counter(ItemsCount::new(flops as u64)).bench(|| {
        simulate(
            &setting,
            0,
            RunOptions {
                diagnostics: true,
                record_shifts: true,
            },
        )
        .expect("the run converges")
    });
}

#[divan::bench(sample_count = 1)]
fn kou_grid_fraction(bencher: Bencher) {
    let base = setting(&[
        ("learning_rate", "0.1"),
        ("steps", "100"),
        ("step_limit_factor", "1"),
        ("noise", "\"iid\""),
        ("bias", "true"),
        ("hidden_init_law", "\"uniform\""),
        ("output_layer", "\"fixed\""),
        ("fixed_output_weight", "0.5"),
        ("test_samples", "1000"),
    ]);
    let mut specs = Vec::new();
    for row in (0..100).step_by(10) {
        for column in (0..100).step_by(10) {
            for seed in 0..10 {
                let mut cell = base.clone();
                cell.dimension = 100 + 10 * row;
                cell.signal_norm = 0.1 * column as f64;
                specs.push(RunSpec {
                    label: String::new(),
                    setting: cell,
                    seed,
                });
            }
        }
    }
    bencher
        .counter(ItemsCount::new(specs.len() as u64))
        .bench(|| summaries(&specs).expect("every cell runs"));
}
