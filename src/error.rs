//! Errors of the engine. A [`Position`] names the file and line a problem was
//! found at; [`RowError`] is one rejected row; [`Error`] is everything that
//! stops a command as a whole.

use std::fmt;
use std::path::PathBuf;

/// Where in the case bundle something came from: a file and a 1-based line
/// (the header is line 1; a quoted field spanning lines counts its first line).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    pub file: String,
    /// The sheet of a workbook; `line` is then the sheet's row number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(sheet) => write!(f, "{}[{sheet}]:{}", self.file, self.line),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

/// One rejected row: where it is, why it was rejected, and the raw fields so
/// the row stays whole beside its reason in the rejects file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    pub position: Position,
    pub reason: String,
    pub raw: Vec<String>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// A failure that stops a command: a file unreadable as a whole, a bad
/// snapshot, a bad argument. Rejected rows are *not* errors of this kind;
/// they are data, reported beside the result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {reason}")]
    UnreadableFile { file: String, reason: String },
    #[error("{path}: not a casegraph snapshot: {reason}")]
    Snapshot { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Config { path: PathBuf, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
