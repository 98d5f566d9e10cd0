//! Suite files: loading and validating `theorems/*.toml`, and running their cases.
//!
//! # Format
//! ```toml
//! theorem = "reward-errors"   # the suite identifier of a registered theorem
//! confidence = 0.999          # optional, per claim; default 0.999
//!
//! [[case]]
//! claim = "RE-8"              # a claim ID of that theorem
//! name = "t0"                 # unique among the claim's cases
//! tier = "quick"              # quick (default: both tiers), reduced (quick only), full
//! seeds = "0..=19"            # optional: a list of integers or a range a..b / a..=b
//! [case.parameters]           # spelled-out parameter names; see `thmcheck explain`
//! initial_policy = ["1/20", "1/2", "3/20", "3/20", "3/20"]
//! ```
//! Every error names the file, line and column and says what would be right.

pub mod memo;
mod parameters;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use parameters::{
    Domain, Limit, ParameterKind, ParameterSpec, ParameterValue, Parameters, format_value, validate,
};

use crate::claim::{ClaimInfo, Part, TierRule, Verdict, rules};
use crate::error::Error;
use crate::theorems::{self, Theorem};

/// Default per-claim confidence level.
pub const DEFAULT_CONFIDENCE: f64 = 0.999;

/// Which experiments run: `quick` in CI and by default, `full` for paper-scale runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Fast cases; what CI runs.
    Quick,
    /// Paper-scale cases.
    Full,
}

impl std::fmt::Display for Tier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Tier::Quick => "quick",
            Tier::Full => "full",
        })
    }
}

/// Which tiers run a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseTier {
    /// Both tiers.
    Quick,
    /// The quick tier only: a reduction that the full tier replaces with `full` cases.
    Reduced,
    /// The full tier only.
    Full,
}

impl std::fmt::Display for CaseTier {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            CaseTier::Quick => "quick",
            CaseTier::Reduced => "reduced",
            CaseTier::Full => "full",
        })
    }
}

impl CaseTier {
    /// Whether a case of this kind runs at `tier`.
    pub fn runs_at(self, tier: Tier) -> bool {
        matches!(
            (self, tier),
            (CaseTier::Quick, _) | (CaseTier::Reduced, Tier::Quick) | (CaseTier::Full, Tier::Full)
        )
    }
}

/// Where something was written in a suite file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}:{}", self.file.display(), self.line)
    }
}

/// One case: a claim and the parameters, seeds and tier to check it at.
#[derive(Clone, Debug)]
pub struct Case {
    /// The theorem's suite identifier.
    pub theorem: String,
    /// The claim ID.
    pub claim: String,
    /// The case's name, unique among the claim's cases.
    pub name: String,
    /// Which tiers run it.
    pub tier: CaseTier,
    /// Seed indices for randomized parts.
    pub seeds: Vec<u64>,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// The validated parameters.
    pub parameters: Parameters,
    /// Where the case is written.
    pub location: Location,
}

impl Case {
    /// The random stream for one seed of this case: a ChaCha stream keyed by
    /// (theorem, claim, case) and numbered by the seed, so that results do not depend
    /// on thread count or run order.
    pub fn random_stream(&self, seed: u64) -> ChaCha12Rng {
        random_stream(&[&self.theorem, &self.claim, &self.name], seed)
    }

    /// An input error at this case's location.
    pub fn invalid(&self, message: impl Into<String>) -> Error {
        Error::Suite {
            file: self.location.file.clone(),
            line: self.location.line,
            column: 1,
            message: message.into(),
        }
    }
}

/// A ChaCha stream keyed by names and numbered by `seed` (FNV-1a of the names).
pub fn random_stream(names: &[&str], seed: u64) -> ChaCha12Rng {
    let mut key: u64 = 0xcbf2_9ce4_8422_2325;
    for name in names {
        for byte in name.bytes().chain(std::iter::once(0)) {
            key ^= u64::from(byte);
            key = key.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut stream = ChaCha12Rng::seed_from_u64(key);
    stream.set_stream(seed);
    stream
}

/// A loaded, validated suite file.
pub struct Suite {
    /// The theorem the file checks.
    pub theorem: &'static dyn Theorem,
    /// The file.
    pub file: PathBuf,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    theorem: Spanned<String>,
    confidence: Option<Spanned<f64>>,
    #[serde(default, rename = "case")]
    cases: Vec<Spanned<RawCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    claim: Spanned<String>,
    name: Spanned<String>,
    tier: Option<Spanned<String>>,
    seeds: Option<Spanned<toml::Value>>,
    confidence: Option<Spanned<f64>>,
    #[serde(default)]
    parameters: BTreeMap<String, Spanned<toml::Value>>,
}

/// 1-based line and column of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    (line, column)
}

fn suite_error(file: &Path, source: &str, offset: usize, message: impl Into<String>) -> Error {
    let (line, column) = line_column(source, offset);
    Error::Suite {
        file: file.to_path_buf(),
        line,
        column,
        message: message.into(),
    }
}

/// The candidate closest to `target` (case-insensitive Damerau–Levenshtein similarity of at
/// least 0.6), for "did you mean" hints.
pub fn closest<'a>(target: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(
                    &target.to_lowercase(),
                    &candidate.to_lowercase(),
                ),
                *candidate,
            )
        })
        .filter(|(similarity, _)| *similarity >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A deserializer message with what would be right added where the key is known.
fn explain_syntax(message: &str) -> String {
    let fix = |key: &str| -> Option<&'static str> {
        Some(match key {
            "claim" => "every [[case]] names its claim, e.g. claim = \"RE-8\"",
            "name" => {
                "every [[case]] has a name unique among its claim's cases, e.g. name = \"t0\""
            }
            "theorem" => {
                "the file starts with the suite it checks, e.g. theorem = \"reward-errors\""
            }
            _ => return None,
        })
    };
    match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .and_then(|(key, _)| fix(key))
    {
        Some(hint) => format!("{message}; {hint}"),
        None => message.to_string(),
    }
}

fn check_confidence(file: &Path, source: &str, confidence: &Spanned<f64>) -> Result<f64, Error> {
    let value = *confidence.get_ref();
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(suite_error(
            file,
            source,
            confidence.span().start,
            format!("confidence {value} must lie strictly between 0 and 1, e.g. 0.999"),
        ))
    }
}

fn parse_seeds(value: &toml::Value) -> Result<Vec<u64>, String> {
    let expected = "seeds must be a list of non-negative integers such as [0, 1, 2] or a range such as \"0..=19\"";
    match value {
        toml::Value::Array(entries) => entries
            .iter()
            .map(|entry| {
                entry
                    .as_integer()
                    .and_then(|seed| u64::try_from(seed).ok())
                    .ok_or_else(|| expected.to_string())
            })
            .collect(),
        toml::Value::String(text) => {
            let (start, end, inclusive) = if let Some((start, end)) = text.split_once("..=") {
                (start, end, true)
            } else if let Some((start, end)) = text.split_once("..") {
                (start, end, false)
            } else {
                return Err(expected.to_string());
            };
            let start: u64 = start.trim().parse().map_err(|_| expected.to_string())?;
            let end: u64 = end.trim().parse().map_err(|_| expected.to_string())?;
            let end = if inclusive { end + 1 } else { end };
            if start >= end {
                return Err(format!("the seed range \"{text}\" is empty"));
            }
            Ok((start..end).collect())
        }
        _ => Err(expected.to_string()),
    }
}

impl Suite {
    /// Reads and validates a suite file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Suite`] for anything wrong
    /// inside it.
    pub fn load(file: &Path) -> Result<Suite, Error> {
        let source = std::fs::read_to_string(file).map_err(|source| Error::Io {
            path: file.to_path_buf(),
            source,
        })?;
        Suite::parse(file, &source)
    }

    /// Validates a suite given as text; `file` names it in errors.
    ///
    /// # Errors
    /// [`Error::Suite`] for the first problem found.
    pub fn parse(file: &Path, source: &str) -> Result<Suite, Error> {
        let raw: RawSuite = toml::from_str(source).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            suite_error(file, source, offset, explain_syntax(error.message().trim()))
        })?;
        let theorem = theorems::find(raw.theorem.get_ref()).ok_or_else(|| {
            let known: Vec<_> = theorems::registry()
                .iter()
                .map(|theorem| theorem.info().id)
                .collect();
            suite_error(
                file,
                source,
                raw.theorem.span().start,
                format!(
                    "unknown theorem \"{}\"; expected one of {}",
                    raw.theorem.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        let confidence = match &raw.confidence {
            Some(confidence) => check_confidence(file, source, confidence)?,
            None => DEFAULT_CONFIDENCE,
        };
        let mut seen = HashSet::new();
        let mut cases = Vec::with_capacity(raw.cases.len());
        for spanned in &raw.cases {
            let case = Self::parse_case(theorem, file, source, spanned, confidence)?;
            if !seen.insert((case.claim.clone(), case.name.clone())) {
                return Err(suite_error(
                    file,
                    source,
                    spanned.get_ref().name.span().start,
                    format!(
                        "claim {} already has a case named \"{}\"; case names must be unique per claim",
                        case.claim, case.name
                    ),
                ));
            }
            cases.push(case);
        }
        Ok(Suite {
            theorem,
            file: file.to_path_buf(),
            cases,
        })
    }

    fn parse_case(
        theorem: &'static dyn Theorem,
        file: &Path,
        source: &str,
        spanned: &Spanned<RawCase>,
        suite_confidence: f64,
    ) -> Result<Case, Error> {
        let raw = spanned.get_ref();
        let claim = theorem.claim(raw.claim.get_ref()).ok_or_else(|| {
            suite_error(
                file,
                source,
                raw.claim.span().start,
                format!(
                    "unknown claim \"{}\" for theorem {}; expected one of {}",
                    raw.claim.get_ref(),
                    theorem.info().id,
                    theorem
                        .claims()
                        .iter()
                        .map(|claim| claim.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let tier = match raw
            .tier
            .as_ref()
            .map(|tier| (tier.get_ref().as_str(), tier.span().start))
        {
            None | Some(("quick", _)) => CaseTier::Quick,
            Some(("reduced", _)) => CaseTier::Reduced,
            Some(("full", _)) => CaseTier::Full,
            Some((other, offset)) => {
                return Err(suite_error(
                    file,
                    source,
                    offset,
                    format!("unknown tier \"{other}\"; expected quick, reduced or full"),
                ));
            }
        };
        let seeds = match &raw.seeds {
            Some(seeds) => parse_seeds(seeds.get_ref())
                .map_err(|message| suite_error(file, source, seeds.span().start, message))?,
            None => Vec::new(),
        };
        let confidence = match &raw.confidence {
            Some(confidence) => check_confidence(file, source, confidence)?,
            None => suite_confidence,
        };
        let mut values = BTreeMap::new();
        for (name, value) in &raw.parameters {
            let offset = value.span().start;
            if !claim.parameters.contains(&name.as_str()) {
                return Err(suite_error(
                    file,
                    source,
                    offset,
                    format!(
                        "unknown parameter `{name}` for claim {}{}; expected one of {}",
                        claim.id,
                        closest(name, claim.parameters)
                            .map(|candidate| format!("; did you mean `{candidate}`?"))
                            .unwrap_or_default(),
                        claim.parameters.join(", ")
                    ),
                ));
            }
            let spec = theorem
                .parameters()
                .iter()
                .find(|spec| spec.name == name)
                .unwrap_or_else(|| {
                    panic!("claim {} lists undeclared parameter `{name}`", claim.id)
                });
            let validated = validate(spec, value.get_ref()).map_err(|message| {
                suite_error(
                    file,
                    source,
                    offset,
                    format!(
                        "parameter `{name}`: {message}; expected {}",
                        spec.expectation()
                    ),
                )
            })?;
            values.insert(name.clone(), validated);
        }
        let (line, _) = line_column(source, raw.claim.span().start);
        let case = Case {
            theorem: theorem.info().id.to_string(),
            claim: claim.id.to_string(),
            name: raw.name.get_ref().clone(),
            tier,
            seeds,
            confidence,
            parameters: Parameters::new(values, theorem.parameters()),
            location: Location {
                file: file.to_path_buf(),
                line,
            },
        };
        theorem.validate(claim, &case).map_err(|message| {
            case.invalid(format!(
                "claim {}, case \"{}\": {message}",
                claim.id, case.name
            ))
        })?;
        Ok(case)
    }
}

/// The result of checking one claim on one case.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseResult {
    /// The claim ID.
    pub claim: String,
    /// The case name (empty when the suite has no case for the claim).
    pub case: String,
    /// Where the case is written.
    pub location: Option<Location>,
    /// Which tiers run the case (none when the suite has no case for the claim).
    pub tier: Option<CaseTier>,
    /// The worst verdict over the parts.
    pub verdict: Verdict,
    /// Each checked part.
    pub parts: Vec<Part>,
    /// Seeds used.
    pub seeds: Vec<u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The results of one suite at one tier.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SuiteReport {
    /// The theorem's suite identifier.
    pub theorem: String,
    /// The suite file.
    pub file: PathBuf,
    /// The tier run.
    pub tier: Tier,
    /// The share of the cases this report holds, when the run was sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// One result per case, in claim order then file order; a claim asked for by name
    /// that has no case gets one OutOfScope row.
    pub results: Vec<CaseResult>,
}

impl SuiteReport {
    /// The verdict per claim: the worst over its cases, in claim order.
    pub fn claim_verdicts(&self) -> Vec<(String, Verdict)> {
        let mut verdicts: Vec<(String, Verdict)> = Vec::new();
        for result in &self.results {
            match verdicts
                .iter_mut()
                .find(|(claim, _)| *claim == result.claim)
            {
                Some((_, verdict)) => *verdict = Verdict::worst([*verdict, result.verdict]),
                None => verdicts.push((result.claim.clone(), result.verdict)),
            }
        }
        verdicts
    }

    /// Whether any case was violated or erred.
    pub fn fails(&self) -> bool {
        self.results.iter().any(|result| result.verdict.fails())
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The tier.
    pub tier: Tier,
    /// Claim IDs to run; empty means all.
    pub claims: Vec<String>,
    /// A deterministic share of the cases, for splitting a run across machines.
    pub shard: Option<Shard>,
}

impl RunOptions {
    /// Every case of the tier.
    pub fn tier(tier: Tier) -> Self {
        RunOptions {
            tier,
            claims: Vec::new(),
            shard: None,
        }
    }
}

/// Share `index` (0-based) of `count`: the cases whose position in the suite's ordered
/// case list is `index` modulo `count`. The union of all shares is the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which share, from 0.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Reads `k/N` with 1 ≤ k ≤ N, as written on the command line.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = format!("`{text}` is not a shard; expected k/N with 1 ≤ k ≤ N, e.g. 2/4");
        let (share, count) = text.split_once('/').ok_or_else(|| expected.clone())?;
        let share: usize = share.trim().parse().map_err(|_| expected.clone())?;
        let count: usize = count.trim().parse().map_err(|_| expected.clone())?;
        if share == 0 || share > count {
            return Err(expected);
        }
        Ok(Shard {
            index: share - 1,
            count,
        })
    }
}

/// How far a run has come, for progress displays.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Cases finished.
    pub done: usize,
    /// Cases in the run.
    pub total: usize,
}

/// Checks one case, turning failures and panics into Error parts.
pub fn check_case(theorem: &dyn Theorem, claim: &ClaimInfo, case: &Case, tier: Tier) -> CaseResult {
    let start = Instant::now();
    let parts = if !case.tier.runs_at(tier) {
        vec![rules::out_of_scope(
            "case",
            match case.tier {
                CaseTier::Full => "full-tier case; run with --tier full",
                _ => "quick-tier reduction; the full tier runs the spec's cases instead",
            },
        )]
    } else if claim.tier == TierRule::FullOnly && tier == Tier::Quick {
        vec![rules::out_of_scope("case", "full-tier claim")]
    } else {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| theorem.check(claim, case)));
        match outcome {
            Ok(Ok(parts)) if parts.is_empty() => {
                vec![rules::error("case", "the check produced no parts")]
            }
            Ok(Ok(parts)) => parts,
            Ok(Err(error)) => vec![rules::error("case", error.to_string())],
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                vec![rules::error(
                    "case",
                    format!("the check panicked: {message}"),
                )]
            }
        }
    };
    CaseResult {
        claim: claim.id.to_string(),
        case: case.name.clone(),
        location: Some(case.location.clone()),
        tier: Some(case.tier),
        verdict: Verdict::worst(parts.iter().map(|part| part.verdict)),
        parts,
        seeds: case.seeds.clone(),
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Runs a suite's cases in parallel; results come back in a fixed order.
pub fn run(suite: &Suite, options: &RunOptions) -> SuiteReport {
    run_observed(suite, options, &|_| {})
}

/// Runs a suite like [`run`], telling `observe` after each finished case.
pub fn run_observed(
    suite: &Suite,
    options: &RunOptions,
    observe: &(dyn Fn(Progress) + Sync),
) -> SuiteReport {
    let wanted = |id: &str| {
        options.claims.is_empty()
            || options
                .claims
                .iter()
                .any(|claim| claim.eq_ignore_ascii_case(id))
    };
    let claims: Vec<&ClaimInfo> = suite
        .theorem
        .claims()
        .iter()
        .filter(|claim| wanted(claim.id))
        .collect();
    // A claim without a case is reported only when it was asked for by name: a suite
    // file may cover a few claims, and the shipped suites cover all of them (tested).
    let jobs: Vec<(&ClaimInfo, Option<&Case>)> = claims
        .iter()
        .flat_map(|claim| {
            let cases: Vec<_> = suite
                .cases
                .iter()
                .filter(|case| case.claim == claim.id)
                .collect();
            if cases.is_empty() {
                if options.claims.is_empty() {
                    Vec::new()
                } else {
                    vec![(*claim, None)]
                }
            } else {
                cases.into_iter().map(|case| (*claim, Some(case))).collect()
            }
        })
        .collect();
    let jobs: Vec<_> = match options.shard {
        Some(shard) => jobs
            .into_iter()
            .enumerate()
            .filter(|(index, _)| index % shard.count == shard.index)
            .map(|(_, job)| job)
            .collect(),
        None => jobs,
    };
    let total = jobs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results = jobs
        .par_iter()
        .map(|(claim, case)| {
            let result = match case {
                Some(case) => check_case(suite.theorem, claim, case, options.tier),
                None => CaseResult {
                    claim: claim.id.to_string(),
                    case: String::new(),
                    location: None,
                    tier: None,
                    verdict: Verdict::OutOfScope,
                    parts: vec![rules::out_of_scope("case", "no case in the suite file")],
                    seeds: Vec::new(),
                    seconds: 0.0,
                },
            };
            let done = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            observe(Progress { done, total });
            result
        })
        .collect();
    SuiteReport {
        theorem: suite.theorem.info().id.to_string(),
        file: suite.file.clone(),
        tier: options.tier,
        shard: options.shard,
        results,
    }
}

/// Combines the reports of shards into one report per suite, in the order a single run
/// would give: claim order, then the order of the cases in the suite file.
///
/// # Errors
/// [`Error::Parameter`] when the shards were run at different tiers, or when a case
/// appears in two shards.
pub fn merge(shards: Vec<SuiteReport>) -> Result<Vec<SuiteReport>, Error> {
    let refuse = |message: String| Error::Parameter {
        name: "shards".into(),
        message,
    };
    // Group the shards of each suite, checking tier and completeness.
    let mut groups: Vec<Vec<SuiteReport>> = Vec::new();
    for shard in shards {
        match groups
            .iter_mut()
            .find(|group| group[0].theorem == shard.theorem && group[0].file == shard.file)
        {
            Some(group) if group[0].tier != shard.tier => {
                return Err(refuse(format!(
                    "shards of {} were run at the {} and the {} tier",
                    shard.theorem, group[0].tier, shard.tier
                )));
            }
            Some(group) => group.push(shard),
            None => groups.push(vec![shard]),
        }
    }
    let mut merged = Vec::with_capacity(groups.len());
    for group in groups {
        let theorem = group[0].theorem.clone();
        let count = group[0].shard.map_or(1, |shard| shard.count);
        let mut seen = vec![false; count];
        for report in &group {
            let shard = report.shard.unwrap_or(Shard { index: 0, count: 1 });
            if shard.count != count {
                return Err(refuse(format!(
                    "{theorem}: shards of a {count}-way and a {}-way split were mixed",
                    shard.count
                )));
            }
            if std::mem::replace(&mut seen[shard.index], true) {
                return Err(refuse(format!(
                    "{theorem}: shard {}/{count} was given twice",
                    shard.index + 1
                )));
            }
        }
        let missing: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, seen)| !**seen)
            .map(|(index, _)| format!("{}/{count}", index + 1))
            .collect();
        if !missing.is_empty() {
            return Err(refuse(format!(
                "{theorem}: {} {} missing",
                if missing.len() == 1 {
                    "shard"
                } else {
                    "shards"
                },
                if missing.len() == 1 {
                    format!("{} is", missing[0])
                } else {
                    format!("{} are", missing.join(", "))
                }
            )));
        }
        let mut report = group
            .into_iter()
            .reduce(|mut all, shard| {
                all.results.extend(shard.results);
                all
            })
            .expect("a group has a shard");
        report.shard = None;
        let order: Vec<&str> = theorems::find(&report.theorem)
            .map(|theorem| theorem.claims().iter().map(|claim| claim.id).collect())
            .unwrap_or_default();
        let position = |claim: &str| {
            order
                .iter()
                .position(|id| *id == claim)
                .unwrap_or(usize::MAX)
        };
        report.results.sort_by(|a, b| {
            let line =
                |result: &CaseResult| result.location.as_ref().map_or(0, |location| location.line);
            (position(&a.claim), &a.claim, line(a)).cmp(&(position(&b.claim), &b.claim, line(b)))
        });
        merged.push(report);
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_one_based_shares() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("two".parse::<Shard>().is_err());
    }

    #[test]
    fn lines_and_columns_are_one_based() {
        assert_eq!(line_column("a\nbc\nd", 0), (1, 1));
        assert_eq!(line_column("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_column("a\nbc\nd", 5), (3, 1));
    }

    #[test]
    fn seeds_accept_lists_and_ranges() {
        assert_eq!(
            parse_seeds(&toml::Value::String("0..=3".into())).unwrap(),
            vec![0, 1, 2, 3]
        );
        assert_eq!(
            parse_seeds(&toml::Value::String("2..4".into())).unwrap(),
            vec![2, 3]
        );
        assert!(parse_seeds(&toml::Value::String("4..4".into())).is_err());
        assert!(parse_seeds(&toml::Value::Integer(3)).is_err());
    }

    #[test]
    fn random_streams_depend_on_every_key() {
        use rand::RngExt;
        let mut first = random_stream(&["suite", "claim", "case"], 0);
        let mut again = random_stream(&["suite", "claim", "case"], 0);
        let mut other_seed = random_stream(&["suite", "claim", "case"], 1);
        let mut other_case = random_stream(&["suite", "claim", "case2"], 0);
        let value: u64 = first.random();
        assert_eq!(value, again.random::<u64>());
        assert_ne!(value, other_seed.random::<u64>());
        assert_ne!(value, other_case.random::<u64>());
    }

    #[test]
    fn case_tiers_select_the_right_runs() {
        assert!(CaseTier::Quick.runs_at(Tier::Quick) && CaseTier::Quick.runs_at(Tier::Full));
        assert!(CaseTier::Reduced.runs_at(Tier::Quick) && !CaseTier::Reduced.runs_at(Tier::Full));
        assert!(!CaseTier::Full.runs_at(Tier::Quick) && CaseTier::Full.runs_at(Tier::Full));
    }
}
