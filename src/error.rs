//! The library's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in thmcheck.
///
/// Input errors name where the input was and what would be right; numerical failures
/// become [`Verdict::Error`](crate::claim::Verdict::Error) when they happen inside a
/// claim, never a pass.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A suite file is malformed: wrong syntax, a missing or unknown key, a value of the
    /// wrong type or outside its domain.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Suite {
        /// The suite file.
        file: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column of the offending text.
        column: usize,
        /// What was wrong and what would be right.
        message: String,
    },
    /// A parameter given on the command line is malformed or out of its domain.
    #[error("parameter `{name}`: {message}")]
    Parameter {
        /// The parameter's name.
        name: String,
        /// What was wrong and what would be right.
        message: String,
    },
    /// A name on the command line matches no theorem, suite or claim.
    #[error("`{0}` is not a theorem, suite file or claim ID; `thmcheck list` shows them")]
    UnknownTarget(String),
    /// A computation failed: non-finite values, no convergence, a domain error.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// Reading a file failed.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
}

/// `Result` with thmcheck's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
