//! The theorems thmcheck ships, and the interface a new theorem implements.
//!
//! A theorem is a module with a [`Theorem`] implementation: it describes its claims and
//! parameters, checks a claim on a case, and evaluates its closed forms at given
//! parameters. [`registry`] lists every theorem; adding one means adding a module, a
//! line there, and a suite file in `theorems/` — `thmcheck new NAME` writes all of them
//! (see `docs/adding-a-theorem.md`).

pub mod attention_benign;
pub mod cnn_benign;
pub mod reward_errors;
// `thmcheck new` adds modules above this line.

use crate::claim::{ClaimInfo, Part, Value};
use crate::error::Error;
use crate::suite::{Case, ParameterSpec, Parameters};

/// The paper and suite a theorem module implements.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct TheoremInfo {
    /// Suite identifier used on the command line, e.g. `reward-errors`.
    pub id: &'static str,
    /// The paper's title.
    pub title: &'static str,
    /// Authors and arXiv identifier.
    pub paper: &'static str,
    /// The theory spec this module implements.
    pub spec: &'static str,
    /// File name of the suite under `theorems/`.
    pub suite_file: &'static str,
}

/// One row of a closed-form table: a named quantity, its formula and its exact or
/// certified value.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ClosedForm {
    /// What the quantity is.
    pub name: String,
    /// The formula that gives it.
    pub formula: String,
    /// The value, exact or enclosed.
    pub value: Value,
}

/// A theorem: its claims, their parameters, and how to check them.
pub trait Theorem: Send + Sync {
    /// The paper and suite.
    fn info(&self) -> TheoremInfo;

    /// Every claim, in the spec's order.
    fn claims(&self) -> &'static [ClaimInfo];

    /// Every parameter a case may set, with defaults.
    fn parameters(&self) -> &'static [ParameterSpec];

    /// Checks that a case's parameters fit together (lengths agree, a matrix is
    /// invertible, ...), before anything runs.
    ///
    /// # Errors
    /// A message saying what is inconsistent and what would be right.
    fn validate(&self, claim: &ClaimInfo, case: &Case) -> Result<(), String> {
        let _ = (claim, case);
        Ok(())
    }

    /// Checks one claim on one case.
    ///
    /// # Errors
    /// A numerical failure; the runner turns it into an Error verdict.
    fn check(&self, claim: &ClaimInfo, case: &Case) -> Result<Vec<Part>, Error>;

    /// The closed forms at the given parameters, exactly or certified.
    ///
    /// # Errors
    /// Invalid or inconsistent parameters.
    fn closed_forms(&self, parameters: &Parameters) -> Result<Vec<ClosedForm>, Error>;

    /// Figures that illustrate the claims, as data (rendered by
    /// [`report::figure`](crate::report::figure)), from the suite's cases at the tier;
    /// none by default.
    ///
    /// # Errors
    /// A failed simulation.
    fn figures(
        &self,
        suite: &crate::suite::Suite,
        tier: crate::suite::Tier,
    ) -> Result<Vec<crate::report::figure::Figure>, Error> {
        let _ = (suite, tier);
        Ok(Vec::new())
    }

    /// The claim with this ID, if the theorem has it.
    fn claim(&self, id: &str) -> Option<&'static ClaimInfo> {
        self.claims()
            .iter()
            .find(|claim| claim.id.eq_ignore_ascii_case(id))
    }
}

/// Every theorem thmcheck ships, in a fixed order.
pub fn registry() -> Vec<&'static dyn Theorem> {
    vec![
        &reward_errors::RewardErrors,
        &cnn_benign::CnnBenign,
        &attention_benign::AttentionBenign,
        // `thmcheck new` adds registry entries above this line.
    ]
}

/// The theorem with this suite identifier.
pub fn find(id: &str) -> Option<&'static dyn Theorem> {
    registry()
        .into_iter()
        .find(|theorem| theorem.info().id == id)
}

/// The theorem that owns a claim ID (case-insensitive), with the claim.
pub fn find_claim(id: &str) -> Option<(&'static dyn Theorem, &'static ClaimInfo)> {
    registry()
        .into_iter()
        .find_map(|theorem| theorem.claim(id).map(|claim| (theorem, claim)))
}
