//! The `thmcheck` command line: parses arguments, calls the library, renders results.
//!
//! Exit status: 0 when nothing is violated, 1 when a claim is violated or errs, 2 on
//! bad usage or input.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use thmcheck::claim::ClaimInfo;
use thmcheck::report;
use thmcheck::suite::{self, RunOptions, Shard, Suite, SuiteReport, Tier, format_value, validate};
use thmcheck::theorems::{self, Theorem};

#[derive(Parser)]
#[command(
    name = "thmcheck",
    version,
    about = "Checks machine-learning theorems numerically"
)]
struct Arguments {
    /// Directory holding the suite files (default: ./theorems, else the crate's own).
    #[arg(long, global = true)]
    suites: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List theorems and their claims: kinds, provenance, tier.
    List,
    /// Run suites or claims and report a verdict for every claim.
    Check {
        /// Suite identifiers, suite files or claim IDs; all suites when empty.
        targets: Vec<String>,
        /// quick (CI) or full (paper scale).
        #[arg(long, value_enum, default_value_t = TierArgument::Quick)]
        tier: TierArgument,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Run only share k of N (k/N, from 1): a deterministic split of the cases, to be
        /// combined with `thmcheck merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
        /// Write the report to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write SVG figures of the checked suites into this directory.
        #[arg(long, value_name = "DIRECTORY")]
        figures: Option<PathBuf>,
    },
    /// Combine the JSON reports of shards (`check --shard k/N --format json`) into one.
    Merge {
        /// The shards' JSON reports.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show a claim's statement, formula, assumptions, parameters and cases, and run it.
    Explain {
        /// A claim ID such as RE-16.
        claim: String,
        /// Tier of the cases to run.
        #[arg(long, value_enum, default_value_t = TierArgument::Quick)]
        tier: TierArgument,
        /// Describe only; do not run the cases.
        #[arg(long)]
        no_run: bool,
    },
    /// Scaffold a new theorem: module, suite file, test and snapshot that pass at once.
    New {
        /// Module name: lower-case words joined by `_`, e.g. sharp_bounds.
        name: String,
        /// Claim-ID prefix (default: the initials, e.g. SB).
        #[arg(long)]
        prefix: Option<String>,
        /// The thmcheck repository to write into.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Evaluate a theorem's closed forms exactly at given parameters.
    Eval {
        /// Suite identifier, e.g. reward-errors.
        theorem: String,
        /// Parameter assignments name=value (values in TOML syntax: 0.05, "1/20", [1, 2]).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        assignments: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TierArgument {
    Quick,
    Full,
}

impl From<TierArgument> for Tier {
    fn from(tier: TierArgument) -> Tier {
        match tier {
            TierArgument::Quick => Tier::Quick,
            TierArgument::Full => Tier::Full,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned text for the terminal.
    Table,
    /// The versioned JSON report (docs/json-schema.md).
    Json,
    /// A pull-request comment: summary per suite, then what did not hold.
    Markdown,
    /// JUnit XML for CI systems.
    Junit,
}

/// An error the user caused (bad input): exit status 2.
#[derive(Debug)]
struct InputError(anyhow::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{:#}", self.0)
    }
}

impl std::error::Error for InputError {}

fn input_error(error: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(InputError(error.into()))
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match execute(arguments) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn suite_directory(explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| {
        let local = PathBuf::from("theorems");
        if local.is_dir() {
            local
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("theorems")
        }
    })
}

fn execute(arguments: Arguments) -> Result<ExitCode> {
    let directory = suite_directory(arguments.suites);
    match arguments.command {
        Command::List => {
            write_out(&list());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            targets,
            tier,
            format,
            shard,
            output,
            figures,
        } => {
            let options = RunOptions {
                shard,
                ..RunOptions::tier(tier.into())
            };
            let status = check(&directory, &targets, &options, format, output.as_deref())?;
            if let Some(figures) = figures {
                write_figures(&directory, &targets, options.tier, &figures)?;
            }
            Ok(status)
        }
        Command::New { name, prefix, root } => scaffold(&name, prefix.as_deref(), &root),
        Command::Merge {
            reports,
            format,
            output,
        } => merge(&reports, format, output.as_deref()),
        Command::Explain {
            claim,
            tier,
            no_run,
        } => explain(&directory, &claim, tier.into(), no_run),
        Command::Eval {
            theorem,
            assignments,
            format,
        } => eval(&theorem, &assignments, format),
    }
}

fn list() -> String {
    let mut text = String::new();
    for theorem in theorems::registry() {
        let info = theorem.info();
        text.push_str(&format!("{}: {} ({})\n", info.id, info.title, info.paper));
        let rows: Vec<Vec<String>> = theorem
            .claims()
            .iter()
            .map(|claim| {
                vec![
                    format!("  {}", claim.id),
                    kinds(claim),
                    claim
                        .provenance
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                    claim.tier.to_string(),
                    claim.title.to_string(),
                ]
            })
            .collect();
        text.push_str(&report::align(&rows));
        text.push('\n');
    }
    text.push_str(
        "provenance: [stated] asserted by the paper; [derived] derived for this project, a hypothesis \
         the harness tests; [literature] earlier literature; [code] the authors' public code\n\
         tier: quick runs in CI and by default; quick (reduced), full: a smaller case at the quick \
         tier, the spec's at --tier full; full only: out of scope at the quick tier\n",
    );
    text
}

fn kinds(claim: &ClaimInfo) -> String {
    claim
        .kinds
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A suite file and the claims to run from it (empty: all).
struct Selection {
    file: PathBuf,
    claims: Vec<String>,
}

fn select(directory: &Path, targets: &[String]) -> Result<Vec<Selection>> {
    let default_file = |theorem: &dyn Theorem| directory.join(theorem.info().suite_file);
    if targets.is_empty() {
        // Every suite the directory holds (a custom directory may hold a few).
        let selections: Vec<Selection> = theorems::registry()
            .into_iter()
            .map(|theorem| Selection {
                file: default_file(theorem),
                claims: Vec::new(),
            })
            .filter(|selection| selection.file.is_file())
            .collect();
        if selections.is_empty() {
            return Err(input_error(anyhow::anyhow!(
                "{} holds no suite file of a registered theorem (expected names such as reward_errors.toml)",
                directory.display()
            )));
        }
        return Ok(selections);
    }
    let mut selections: Vec<Selection> = Vec::new();
    for target in targets {
        let (file, claim) = if let Some(theorem) = theorems::find(target) {
            (default_file(theorem), None)
        } else if target.ends_with(".toml") || Path::new(target).is_file() {
            (PathBuf::from(target), None)
        } else if let Some((theorem, claim)) = theorems::find_claim(target) {
            (default_file(theorem), Some(claim.id.to_string()))
        } else {
            let mut known: Vec<&str> = theorems::registry()
                .into_iter()
                .map(|theorem| theorem.info().id)
                .collect();
            known.extend(
                theorems::registry()
                    .into_iter()
                    .flat_map(|theorem| theorem.claims().iter().map(|claim| claim.id)),
            );
            return Err(input_error(anyhow::anyhow!(
                "`{target}` is not a theorem, suite file or claim ID{}; `thmcheck list` shows them",
                suggestion(target, &known)
            )));
        };
        match selections
            .iter_mut()
            .find(|selection| selection.file == file)
        {
            Some(selection) => match claim {
                Some(claim) if !selection.claims.is_empty() => selection.claims.push(claim),
                Some(_) => {}
                None => selection.claims.clear(),
            },
            None => selections.push(Selection {
                file,
                claims: claim.into_iter().collect(),
            }),
        }
    }
    Ok(selections)
}

fn run_selections(
    directory: &Path,
    targets: &[String],
    options: &RunOptions,
) -> Result<Vec<SuiteReport>> {
    let selections = select(directory, targets)?;
    // Load and validate every file before running anything.
    let suites = selections
        .iter()
        .map(|selection| Suite::load(&selection.file).map_err(input_error))
        .collect::<Result<Vec<_>>>()?;
    Ok(suites
        .iter()
        .zip(&selections)
        .map(|(suite, selection)| {
            let options = RunOptions {
                claims: selection.claims.clone(),
                ..options.clone()
            };
            let bar = ProgressDisplay::new(suite.theorem.info().id);
            let report = suite::run_observed(suite, &options, &|progress| bar.update(progress));
            bar.finish();
            report
        })
        .collect())
}

/// A progress bar on standard error while a suite runs, shown only when standard
/// error is a terminal (and after a second, so short runs stay quiet).
struct ProgressDisplay {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressDisplay {
    fn new(name: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return ProgressDisplay { bar: None };
        }
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} cases, {elapsed} elapsed, about {eta} left",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_string());
        ProgressDisplay { bar: Some(bar) }
    }

    fn update(&self, progress: suite::Progress) {
        if let Some(bar) = &self.bar {
            bar.set_length(progress.total as u64);
            bar.set_position(progress.done as u64);
            if bar.is_hidden() && bar.elapsed().as_secs_f64() > 1.0 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Renders reports in a format, to a file or standard output.
fn emit(
    reports: &[SuiteReport],
    tier: Tier,
    format: Format,
    seconds: Option<f64>,
    output: Option<&Path>,
) -> Result<()> {
    let text = match format {
        Format::Table => report::table(reports, seconds),
        Format::Json => serde_json::to_string_pretty(&report::json(reports, tier))? + "\n",
        Format::Markdown => report::markdown(reports),
        Format::Junit => report::junit(reports, report::Timing::Include),
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            write_out(&text);
            Ok(())
        }
    }
}

fn exit_status(reports: &[SuiteReport]) -> ExitCode {
    if reports.iter().any(SuiteReport::fails) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn check(
    directory: &Path,
    targets: &[String],
    options: &RunOptions,
    format: Format,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let start = Instant::now();
    let reports = run_selections(directory, targets, options)?;
    emit(
        &reports,
        options.tier,
        format,
        Some(start.elapsed().as_secs_f64()),
        output,
    )?;
    Ok(exit_status(&reports))
}

/// Writes the figures of every theorem among the targets and lists the files on
/// standard error.
fn write_figures(directory: &Path, targets: &[String], tier: Tier, figures: &Path) -> Result<()> {
    let mut theorems_seen: Vec<&str> = Vec::new();
    for selection in select(directory, targets)? {
        let suite = Suite::load(&selection.file).map_err(input_error)?;
        let id = suite.theorem.info().id;
        if theorems_seen.contains(&id) {
            continue;
        }
        theorems_seen.push(id);
        let drawn = suite
            .theorem
            .figures(&suite, tier)
            .with_context(|| format!("computing the figures of {id}"))?;
        for path in report::figure::write_all(&drawn, figures)? {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn merge(files: &[PathBuf], format: Format, output: Option<&Path>) -> Result<ExitCode> {
    let mut shards = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|source| {
            input_error(thmcheck::Error::Io {
                path: file.clone(),
                source,
            })
        })?;
        let suites = report::suites_from_json(&text)
            .map_err(|message| input_error(anyhow::anyhow!("{}: {message}", file.display())))?;
        shards.extend(suites);
    }
    let reports = suite::merge(shards).map_err(input_error)?;
    let tier = reports.first().map_or(Tier::Quick, |report| report.tier);
    // The shards ran elsewhere: no wall time to show.
    emit(&reports, tier, format, None, output)?;
    Ok(exit_status(&reports))
}

/// What the method abbreviations of the specs mean.
const METHODS: &[(&str, &str)] = &[
    ("CF", "CF closed form, exact or certified"),
    ("GA", "GA gradient ascent"),
    ("GF", "GF gradient flow"),
    ("SR", "SR sampled REINFORCE"),
    ("SIM-D", "SIM-D explicit d-dimensional simulator"),
    ("SIM-G", "SIM-G Gram-basis simulator"),
    ("MN", "MN min-norm solver"),
];

/// Whether `text` uses `abbreviation` as a word (not inside a longer one).
fn mentions(text: &str, abbreviation: &str) -> bool {
    text.match_indices(abbreviation).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + abbreviation.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '-');
        boundary(before) && boundary(after)
    })
}

fn explain(directory: &Path, claim_id: &str, tier: Tier, no_run: bool) -> Result<ExitCode> {
    let (theorem, claim) = theorems::find_claim(claim_id).ok_or_else(|| unknown_claim(claim_id))?;
    let info = theorem.info();
    let provenance = claim
        .provenance
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut text = format!(
        "{} · {} · {provenance}\n{}\n\n",
        claim.id,
        kinds(claim),
        claim.title
    );
    text += &format!(
        "theorem: {} — {} ({}); spec {}\n",
        info.id, info.title, info.paper, info.spec
    );
    let legend: Vec<&str> = METHODS
        .iter()
        .filter(|(abbreviation, _)| mentions(claim.methods, abbreviation))
        .map(|(abbreviation, meaning)| {
            if meaning.is_empty() {
                *abbreviation
            } else {
                meaning
            }
        })
        .collect();
    text += &format!("checked by: {}", claim.methods);
    if !legend.is_empty() {
        text += &format!(" ({})", legend.join("; "));
    }
    text += &format!("; tier: {}\n\n", claim.tier);
    text += &format!(
        "{}\n\nformula:\n{}\n\n",
        claim.statement,
        indent(claim.formula)
    );
    if !claim.assumptions.is_empty() {
        text += "assumptions:\n";
        for assumption in claim.assumptions {
            text += &format!("  - {assumption}\n");
        }
        text += "\n";
    }
    if !claim.parameters.is_empty() {
        let rows: Vec<Vec<String>> = claim
            .parameters
            .iter()
            .filter_map(|name| theorem.parameters().iter().find(|spec| spec.name == *name))
            .map(|spec| {
                let description = match spec.kind {
                    thmcheck::suite::ParameterKind::Choice(options) => {
                        format!("{} (one of {})", spec.description, options.join(", "))
                    }
                    _ => spec.description.to_string(),
                };
                vec![
                    format!("  {}", spec.name),
                    spec.default.unwrap_or("(no default)").to_string(),
                    description,
                ]
            })
            .collect();
        text += &format!("parameters (default):\n{}\n", report::align(&rows));
    }
    let file = directory.join(info.suite_file);
    let suite = Suite::load(&file).map_err(input_error)?;
    let cases: Vec<_> = suite
        .cases
        .iter()
        .filter(|case| case.claim == claim.id)
        .collect();
    text += &format!("cases in {}:\n", file.display());
    for case in &cases {
        let given: Vec<String> = case
            .parameters
            .given()
            .iter()
            .map(|(name, value)| format!("{name} = {}", format_value(value)))
            .collect();
        text += &format!(
            "  {} ({} tier, line {}): {}\n",
            case.name,
            case.tier,
            case.location.line,
            given.join("; ")
        );
    }
    if no_run || cases.is_empty() {
        write_out(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let options = RunOptions {
        claims: vec![claim.id.to_string()],
        ..RunOptions::tier(tier)
    };
    let start = Instant::now();
    let report = suite::run(&suite, &options);
    text += "\n";
    text += &report::table(
        std::slice::from_ref(&report),
        Some(start.elapsed().as_secs_f64()),
    );
    write_out(&text);
    Ok(exit_status(std::slice::from_ref(&report)))
}

/// Writes to standard output; a closed pipe (`| head`) ends the program quietly.
fn write_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing the output failed: {error}");
        std::process::exit(1);
    }
}

/// An unknown claim ID, with the closest known ones.
fn unknown_claim(target: &str) -> anyhow::Error {
    let known: Vec<&str> = theorems::registry()
        .into_iter()
        .flat_map(|theorem| theorem.claims().iter().map(|claim| claim.id))
        .collect();
    input_error(anyhow::anyhow!(
        "`{target}` is not a claim ID{}; `thmcheck list` shows them",
        suggestion(target, &known)
    ))
}

/// ", did you mean X?" for the closest candidate, when one is close.
fn suggestion(target: &str, candidates: &[&str]) -> String {
    thmcheck::suite::closest(target, candidates)
        .map(|candidate| format!("; did you mean {candidate}?"))
        .unwrap_or_default()
}

fn scaffold(name: &str, prefix: Option<&str>, root: &Path) -> Result<ExitCode> {
    let names = thmcheck::scaffold::Names::new(name, prefix).map_err(input_error)?;
    if let Some((theorem, _)) = theorems::find_claim(&format!("{}-1", names.prefix)) {
        bail!(input_error(anyhow::anyhow!(
            "claim prefix {} is taken by {}; choose another with --prefix",
            names.prefix,
            theorem.info().id
        )));
    }
    for path in thmcheck::scaffold::create(root, &names).map_err(input_error)? {
        println!("wrote {}", path.display());
    }
    println!(
        "next: cargo test --release --test {}; then see docs/adding-a-theorem.md",
        names.module
    );
    Ok(ExitCode::SUCCESS)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn eval(theorem_id: &str, assignments: &[String], format: Format) -> Result<ExitCode> {
    let theorem = theorems::find(theorem_id)
        .ok_or_else(|| input_error(thmcheck::Error::UnknownTarget(theorem_id.to_string())))?;
    let mut values = BTreeMap::new();
    for assignment in assignments {
        let Some((name, text)) = assignment.split_once('=') else {
            bail!(input_error(anyhow::anyhow!(
                "`{assignment}` is not of the form name=value"
            )));
        };
        let name = name.trim();
        let spec = theorem
            .parameters()
            .iter()
            .find(|spec| spec.name == name)
            .ok_or_else(|| {
                let names: Vec<_> = theorem.parameters().iter().map(|spec| spec.name).collect();
                input_error(anyhow::anyhow!(
                    "unknown parameter `{name}` for {theorem_id}; expected one of {}",
                    names.join(", ")
                ))
            })?;
        let value = toml::from_str::<toml::Table>(&format!("value = {text}"))
            .map(|mut table| table.remove("value").expect("the key was just written"))
            .unwrap_or_else(|_| toml::Value::String(text.to_string()));
        let validated = validate(spec, &value).map_err(|message| {
            input_error(thmcheck::Error::Parameter {
                name: name.to_string(),
                message: format!("{message}; expected {}", spec.expectation()),
            })
        })?;
        values.insert(name.to_string(), validated);
    }
    let parameters = suite::Parameters::new(values, theorem.parameters());
    let rows = theorem
        .closed_forms(&parameters)
        .map_err(input_error)
        .context("evaluating the closed forms")?;
    match format {
        Format::Json => write_out(&(serde_json::to_string_pretty(&rows)? + "\n")),
        Format::Table => write_out(&report::closed_form_table(&rows)),
        Format::Markdown | Format::Junit => {
            bail!(input_error(anyhow::anyhow!(
                "eval prints closed forms as a table or as JSON; use --format table or --format json"
            )))
        }
    }
    Ok(ExitCode::SUCCESS)
}
