//! `thmcheck new NAME`: the files of a new theorem module that build and pass at once.
//!
//! The scaffold holds one real claim (an exact identity checked in rationals) so that
//! the module, its suite file, its test and its committed snapshot work before any of
//! the researcher's own mathematics is written. `docs/adding-a-theorem.md` walks from
//! there to a checked claim of a paper.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Marker in `src/theorems/mod.rs` below the module declarations.
const MODULE_MARKER: &str = "// `thmcheck new` adds modules above this line.";
/// Marker in `src/theorems/mod.rs` at the end of the registry.
const REGISTRY_MARKER: &str = "// `thmcheck new` adds registry entries above this line.";

/// The names a new theorem is known by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// Rust module and file stem, e.g. `sharp_bounds`.
    pub module: String,
    /// Suite identifier, e.g. `sharp-bounds`.
    pub suite: String,
    /// Type name, e.g. `SharpBounds`.
    pub type_name: String,
    /// Claim-ID prefix, e.g. `SB`.
    pub prefix: String,
}

impl Names {
    /// Names from a snake_case module name, with an optional claim prefix (default: the
    /// initials of the words, upper case).
    ///
    /// # Errors
    /// [`Error::Parameter`] unless the name is lower-case ASCII words joined by `_`.
    pub fn new(module: &str, prefix: Option<&str>) -> Result<Self, Error> {
        let valid = !module.is_empty()
            && module.starts_with(|c: char| c.is_ascii_lowercase())
            && module
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !module.ends_with('_')
            && !module.contains("__");
        if !valid {
            return Err(Error::Parameter {
                name: "NAME".into(),
                message: format!(
                    "`{module}` must be lower-case words joined by `_`, e.g. sharp_bounds"
                ),
            });
        }
        let words: Vec<&str> = module.split('_').collect();
        let prefix = match prefix {
            Some(prefix)
                if !prefix.is_empty()
                    && prefix
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
            {
                prefix.to_string()
            }
            Some(prefix) => {
                return Err(Error::Parameter {
                    name: "prefix".into(),
                    message: format!("`{prefix}` must be upper-case letters or digits, e.g. SB"),
                });
            }
            None => words
                .iter()
                .map(|word| word[..1].to_ascii_uppercase())
                .collect(),
        };
        Ok(Names {
            module: module.to_string(),
            suite: words.join("-"),
            type_name: words
                .iter()
                .map(|word| word[..1].to_ascii_uppercase() + &word[1..])
                .collect(),
            prefix,
        })
    }
}

/// One file of the scaffold.
#[derive(Clone, Debug)]
pub struct ScaffoldFile {
    /// Path relative to the repository root.
    pub path: PathBuf,
    /// Its content.
    pub content: String,
}

fn fill(template: &str, names: &Names) -> String {
    template
        .replace("{{module}}", &names.module)
        .replace("{{suite}}", &names.suite)
        .replace("{{Type}}", &names.type_name)
        .replace("{{PREFIX}}", &names.prefix)
}

/// The new files of a scaffold (the registry edit is separate).
pub fn files(names: &Names) -> Vec<ScaffoldFile> {
    vec![
        ScaffoldFile {
            path: PathBuf::from(format!("src/theorems/{}/mod.rs", names.module)),
            content: fill(MODULE_TEMPLATE, names),
        },
        ScaffoldFile {
            path: PathBuf::from(format!("theorems/{}.toml", names.module)),
            content: fill(SUITE_TEMPLATE, names),
        },
        ScaffoldFile {
            path: PathBuf::from(format!("tests/{}.rs", names.module)),
            content: fill(TEST_TEMPLATE, names),
        },
        ScaffoldFile {
            path: PathBuf::from(format!("snapshots/{}_verdicts.snap", names.module)),
            content: fill(SNAPSHOT_TEMPLATE, names),
        },
    ]
}

/// `src/theorems/mod.rs` with the module declared and registered.
///
/// # Errors
/// [`Error::Parameter`] when the markers are missing or the module is already there.
pub fn registered(registry_source: &str, names: &Names) -> Result<String, Error> {
    let declaration = format!("pub mod {};", names.module);
    if registry_source.contains(&declaration) {
        return Err(Error::Parameter {
            name: "NAME".into(),
            message: format!("module `{}` is already registered", names.module),
        });
    }
    if !registry_source.contains(MODULE_MARKER) || !registry_source.contains(REGISTRY_MARKER) {
        return Err(Error::Parameter {
            name: "src/theorems/mod.rs".into(),
            message: "the markers where `thmcheck new` adds a module are missing".into(),
        });
    }
    let mut lines: Vec<String> = registry_source.lines().map(str::to_string).collect();
    // Keep the `pub mod` lines sorted, as rustfmt does.
    let marker = lines
        .iter()
        .position(|line| line.trim() == MODULE_MARKER)
        .expect("checked above");
    let first_module = lines[..marker]
        .iter()
        .position(|line| line.starts_with("pub mod "))
        .unwrap_or(marker);
    let position = (first_module..marker)
        .find(|&index| lines[index].as_str() > declaration.as_str())
        .unwrap_or(marker);
    lines.insert(position, declaration);
    let registry = lines
        .iter()
        .position(|line| line.trim() == REGISTRY_MARKER)
        .expect("checked above");
    let indent: String = lines[registry]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    lines.insert(
        registry,
        format!("{indent}&{}::{},", names.module, names.type_name),
    );
    Ok(lines.join("\n") + "\n")
}

/// Writes the scaffold under `root` (a thmcheck repository): checks every path first,
/// then writes; on a failed write removes what it wrote, so nothing half-written stays.
///
/// # Errors
/// [`Error::Parameter`] when a file exists already or `root` is not a thmcheck checkout;
/// [`Error::Io`] when writing fails.
pub fn create(root: &Path, names: &Names) -> Result<Vec<PathBuf>, Error> {
    let registry_path = root.join("src/theorems/mod.rs");
    let registry_source = std::fs::read_to_string(&registry_path).map_err(|source| Error::Io {
        path: registry_path.clone(),
        source,
    })?;
    let registry = registered(&registry_source, names)?;
    let new_files = files(names);
    for file in &new_files {
        if root.join(&file.path).exists() {
            return Err(Error::Parameter {
                name: "NAME".into(),
                message: format!("{} exists already", file.path.display()),
            });
        }
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let outcome = (|| {
        for file in &new_files {
            let path = root.join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, &file.content).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        std::fs::write(&registry_path, &registry).map_err(|source| Error::Io {
            path: registry_path.clone(),
            source,
        })
    })();
    if let Err(error) = outcome {
        for path in &written {
            let _ = std::fs::remove_file(path);
        }
        let _ = std::fs::remove_dir(root.join(format!("src/theorems/{}", names.module)));
        return Err(error);
    }
    written.push(registry_path);
    Ok(written)
}

const MODULE_TEMPLATE: &str = r#"//! # {{Type}} (suite `{{suite}}`, claims {{PREFIX}}-1 …)
//!
//! **The theorem in words.** Replace this paragraph with the theorem: what is assumed,
//! what is predicted, and why it matters. The scaffold's one claim is a stand-in that
//! shows every moving part: the sum of the first n odd numbers is n².
//!
//! **Paper.** Authors, title, arXiv identifier.
//!
//! **Assumptions.** The standing assumptions of the theorem, each a sentence.
//!
//! **Claim kinds.** identity ({{PREFIX}}-1, exact in rationals).
//!
//! # Formula
//! ```text
//! Σ_{k=0}^{n−1} (2k + 1) = n²        ({{PREFIX}}-1; n the number of terms)
//! ```
//!
//! # Limitations
//! - State what is not checked and why, so that a reader needs no tracker.

use num_rational::BigRational;

use crate::claim::rules;
use crate::claim::{ClaimInfo, ClaimKind, Part, Provenance, TierRule, Value};
use crate::error::Error;
use crate::exact::{Interval, ratio};
use crate::suite::{Case, Domain, ParameterKind, ParameterSpec, Parameters};
use crate::theorems::{ClosedForm, Theorem, TheoremInfo};

/// The {{suite}} theorem.
pub struct {{Type}};

static PARAMETERS: &[ParameterSpec] = &[ParameterSpec {
    name: "largest_count",
    kind: ParameterKind::Number(Domain::COUNT),
    default: Some("50"),
    description: "the largest n checked",
}];

static CLAIMS: &[ClaimInfo] = &[ClaimInfo {
    id: "{{PREFIX}}-1",
    title: "odd numbers sum to a square",
    statement: "For every n up to largest_count, the first n odd numbers sum to n², exactly.",
    kinds: &[ClaimKind::Identity],
    provenance: &[Provenance::Derived],
    methods: "CF",
    formula: "Σ_{k=0}^{n−1} (2k + 1) = n²",
    assumptions: &["n ≥ 1"],
    tier: TierRule::Quick,
    parameters: &["largest_count"],
}];

/// Σ_{k<n} (2k + 1), exactly.
fn odd_sum(count: u64) -> BigRational {
    (0..count).map(|k| ratio(2 * k as i64 + 1, 1)).sum()
}

fn odd_numbers_sum_to_a_square(case: &Case) -> Result<Vec<Part>, Error> {
    let largest = case.parameters.count("largest_count")?;
    let holding = (1..=largest)
        .filter(|&n| odd_sum(n) == ratio((n * n) as i64, 1))
        .count() as u64;
    Ok(vec![rules::exact_predicate(
        "Σ (2k + 1) = n² for every n",
        "equal for every n",
        Value::Count {
            hits: holding,
            total: largest,
        },
        holding == largest,
    )])
}

impl Theorem for {{Type}} {
    fn info(&self) -> TheoremInfo {
        TheoremInfo {
            id: "{{suite}}",
            title: "Title of the paper",
            paper: "Authors; arXiv identifier",
            spec: "path to the theory spec",
            suite_file: "{{module}}.toml",
        }
    }

    fn claims(&self) -> &'static [ClaimInfo] {
        CLAIMS
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    fn check(&self, claim: &ClaimInfo, case: &Case) -> Result<Vec<Part>, Error> {
        match claim.id {
            "{{PREFIX}}-1" => odd_numbers_sum_to_a_square(case),
            other => Err(Error::Numerical(format!("claim {other} has no evaluator"))),
        }
    }

    fn closed_forms(&self, parameters: &Parameters) -> Result<Vec<ClosedForm>, Error> {
        let largest = parameters.count("largest_count")?;
        let sum = odd_sum(largest);
        Ok(vec![
            ClosedForm {
                name: "Σ (2k + 1)".into(),
                formula: "k = 0 … n − 1".into(),
                value: Value::Exact(sum.clone()),
            },
            ClosedForm {
                name: "√ of the sum".into(),
                formula: "certified enclosure".into(),
                value: Value::Enclosure(Interval::from_rational(&sum, 128).sqrt()?),
            },
        ])
    }
}
"#;

const SUITE_TEMPLATE: &str = r#"# Suite `{{suite}}`: the cases each claim is checked on (see `thmcheck explain {{PREFIX}}-1`).
theorem = "{{suite}}"
confidence = 0.999

[[case]]
claim = "{{PREFIX}}-1"
name = "n up to 50"
[case.parameters]
largest_count = 50
"#;

const TEST_TEMPLATE: &str = r#"//! The {{suite}} suite end to end: every claim holds at the quick tier, and the list of
//! verdicts is snapshotted.

use std::path::Path;

use thmcheck::claim::{Value, Verdict};
use thmcheck::suite::{RunOptions, Suite, Tier, run};

#[test]
fn every_claim_holds_and_matches_the_snapshot() {
    let suite = Suite::load(Path::new("theorems/{{module}}.toml")).unwrap();
    let report = run(&suite, &RunOptions::tier(Tier::Quick));
    let first = &report.results[0].parts[0];
    assert!(matches!(
        first.measurement.value,
        Value::Count {
            hits: 50,
            total: 50
        }
    ));
    assert!(
        report
            .results
            .iter()
            .all(|result| result.verdict == Verdict::Holds)
    );
    let lines: Vec<String> = report
        .results
        .iter()
        .map(|result| {
            format!(
                "{} | {} | {}",
                result.claim,
                result.case,
                result.verdict.label()
            )
        })
        .collect();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("{{module}}_verdicts", lines.join("\n")));
}
"#;

const SNAPSHOT_TEMPLATE: &str = r#"---
source: tests/{{module}}.rs
expression: "lines.join(\"\\n\")"
---
{{PREFIX}}-1 | n up to 50 | holds
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_derive_from_the_module_name() {
        let names = Names::new("sharp_bounds", None).unwrap();
        assert_eq!(names.suite, "sharp-bounds");
        assert_eq!(names.type_name, "SharpBounds");
        assert_eq!(names.prefix, "SB");
        assert!(Names::new("Sharp", None).is_err());
        assert!(Names::new("a__b", None).is_err());
        assert!(Names::new("ok", Some("lower")).is_err());
    }

    #[test]
    fn registration_inserts_sorted_and_refuses_twice() {
        let source = format!(
            "pub mod alpha;\npub mod zeta;\n{MODULE_MARKER}\n\nfn registry() {{\n    vec![\n        &alpha::Alpha,\n        {REGISTRY_MARKER}\n    ]\n}}\n"
        );
        let names = Names::new("middle", None).unwrap();
        let updated = registered(&source, &names).unwrap();
        assert!(updated.contains("pub mod alpha;\npub mod middle;\npub mod zeta;"));
        assert!(updated.contains("        &middle::Middle,\n        // `thmcheck new`"));
        assert!(registered(&updated, &names).is_err());
    }

    #[test]
    fn the_shipped_registry_has_the_markers() {
        let source = include_str!("theorems/mod.rs");
        assert!(registered(source, &Names::new("scaffold_check", None).unwrap()).is_ok());
    }
}
