//! # thmcheck
//!
//! thmcheck checks machine-learning theorems numerically. A theorem from a paper becomes
//! a module that states its claims, evaluates each closed-form prediction in exact or
//! certified arithmetic, runs the gradient-descent simulation the theorem is about, and
//! returns a verdict: [`Holds`](claim::Verdict::Holds), [`Violated`](claim::Verdict::Violated),
//! [`Inconclusive`](claim::Verdict::Inconclusive), [`OutOfScope`](claim::Verdict::OutOfScope),
//! [`Reported`](claim::Verdict::Reported) or [`Error`](claim::Verdict::Error).
//!
//! ## Map
//! - [`exact`]: rationals, certified intervals, special functions, exact linear algebra,
//!   confidence intervals.
//! - [`sim`]: gradient flow with event location; safe softmax and logistic functions.
//! - [`claim`]: claims, predictions, measurements, verdicts and the comparison rules.
//! - [`suite`]: suite files (`theorems/*.toml`), parameters, running cases.
//! - [`theorems`]: the shipped theorems and the [`Theorem`](theorems::Theorem) trait.
//! - [`report`]: tables, JSON, Markdown, JUnit XML and SVG figures.
//! - [`scaffold`]: the files of a new theorem (`thmcheck new NAME`).
//!
//! ## Checking a claim from Rust
//! ```no_run
//! use std::path::Path;
//! use thmcheck::suite::{RunOptions, Suite, Tier, run};
//!
//! let suite = Suite::load(Path::new("theorems/reward_errors.toml")).unwrap();
//! let options = RunOptions { claims: vec!["RE-8".into()], ..RunOptions::tier(Tier::Quick) };
//! let report = run(&suite, &options);
//! for result in &report.results {
//!     println!("{} {}: {}", result.claim, result.case, result.verdict);
//! }
//! ```

pub mod claim;
pub mod error;
pub mod exact;
pub mod report;
pub mod scaffold;
pub mod sim;
pub mod suite;
pub mod theorems;

pub use error::{Error, Result};
