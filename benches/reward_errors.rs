//! Benchmarks of the reward-errors suite: the whole quick tier (target: under 5 s on
//! 2 cores) and one gradient-flow hitting time at π₀(y⋆) = 0.005 (target: under 10 ms).
//!
//! Run with `cargo bench --bench reward_errors`.

use std::path::Path;

use divan::Bencher;
use thmcheck::sim::flow::{FlowSettings, first_crossing};
use thmcheck::suite::{RunOptions, Suite, Tier, memo, run};
use thmcheck::theorems::reward_errors::value;
use thmcheck::theorems::reward_errors::{Bandit, FlowPlan, ground_truth_hitting_time};

fn main() {
    divan::main();
}

/// The §6.3 bandit at p = 0.005, trained on r_G (the stalling flow) or the no-med proxy.
fn stall_bandit(no_med: bool) -> Bandit {
    let p = 0.005;
    let rest = (0.5 - p) / 3.0;
    let truth = [1.0, 0.8, -1.0, -1.0, -1.0];
    let proxy = [1.0, -1.0, -1.0, -1.0, -1.0];
    Bandit::tabular(
        &[p, 0.5, rest, rest, rest],
        &truth,
        if no_med { &proxy } else { &truth },
    )
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn quick_tier(bencher: Bencher) {
    let suite = Suite::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/theorems/reward_errors.toml"
    )))
    .unwrap();
    let options = RunOptions {
        tier: Tier::Quick,
        claims: Vec::new(),
    };
    bencher.bench_local(|| {
        memo::clear();
        run(&suite, &options)
    });
}

/// One hitting time t⋆(0.9) at relative tolerance 1e-10.
#[divan::bench(args = [false, true])]
fn flow_hitting_time_at_p_0_005(bencher: Bencher, no_med: bool) {
    let bandit = stall_bandit(no_med);
    let settings = FlowSettings::new(1e-10, 1e12);
    let velocity = |parameters: &[f64], out: &mut [f64]| {
        let policy = bandit.policy(parameters);
        bandit.gradient_at_policy(&policy, out);
    };
    let event = |parameters: &[f64]| value(&bandit.policy(parameters), &bandit.ground_truth) - 0.9;
    bencher.bench_local(|| first_crossing(&velocity, &bandit.initial, &event, &settings).unwrap());
}

/// The same hitting time at both tolerances (1e-10 and 1e-12), as the claims measure it.
#[divan::bench(args = [false, true])]
fn flow_hitting_time_two_tolerances(bencher: Bencher, no_med: bool) {
    let bandit = stall_bandit(no_med);
    let plan = FlowPlan {
        relative_tolerance: 1e-10,
        horizon: 1e12,
    };
    bencher.bench_local(|| ground_truth_hitting_time(&bandit, 0.9, &plan).unwrap());
}
