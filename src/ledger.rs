//! The row ledger: what happened to every row of a case. Each file's
//! [`FileReport`] (`rows_read = kept + rejected + duplicates`), the
//! rejected rows themselves ([`Rejects`], each kept whole with its reason)
//! and the case's [`IngestReport`]. Ingest fills it, the graph carries it,
//! snapshots store it and every command that reports rejects reads it; it
//! depends on nothing above `error` and `column`.

use crate::error::{Position, RowError};

/// A later copy of a row seen earlier in the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicate {
    pub line: u32,
    pub duplicate_of: u32,
}

/// A row of a per-number bill counted once already: the same call as a
/// row of the other party's bill, which was kept (see
/// `ingest::delivered::merge_bills`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Merged {
    pub line: u32,
    /// The kept copy: its file (with `[sheet]` for a workbook) and row.
    pub kept_file: String,
    pub kept_line: u32,
}

/// Rows of a table numbered after the contract file's: a delivered grid's
/// rows are the table's lines `base + 1 ..= last` (see
/// [`IngestReport::locate`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceSegment {
    /// The contract table (`calls.csv`).
    pub table: String,
    pub base: u32,
    pub last: u32,
    pub file: String,
    pub sheet: Option<String>,
}

/// What happened to the rows of one file (or sheet):
/// `rows_read == kept + rejected + duplicates + merged + non_data`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    pub file: String,
    pub present: bool,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
    /// Columns outside the contract that were ignored (reported once).
    pub ignored_columns: Vec<String>,
    /// Columns outside the contract kept as attributes of their rows.
    pub kept_columns: Vec<String>,
    #[serde(default)]
    pub duplicate_rows: Vec<Duplicate>,
    /// The sheet, for a workbook.
    #[serde(default)]
    pub sheet: Option<String>,
    /// The contract table the file was read as (`calls.csv`); the file's
    /// own name for the contract's files.
    #[serde(default)]
    pub table: String,
    /// `CSV, UTF-8`, `XLSX`, ...; empty for the contract's files.
    #[serde(default)]
    pub format: String,
    /// The row the header was found on (1 for the contract's files).
    #[serde(default)]
    pub header_row: u32,
    /// Rows that are not data: titles above the header, blank rows, totals
    /// and notes; with their row numbers.
    #[serde(default)]
    pub non_data: u64,
    #[serde(default)]
    pub non_data_lines: Vec<u32>,
    /// Bill rows that were the other party's copy of a kept call.
    #[serde(default)]
    pub merged: u64,
    #[serde(default)]
    pub merged_rows: Vec<Merged>,
}

impl FileReport {
    /// Whether every row read is accounted for.
    pub fn balances(&self) -> bool {
        self.rows_read == self.kept + self.rejected + self.duplicates + self.merged + self.non_data
    }

    /// `file` or `file[sheet]`.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}[{s}]", self.file),
            None => self.file.clone(),
        }
    }
}

/// The rejected rows of a case, in file order. Owned after ingest; from a
/// memory-mapped snapshot they stay unparsed until first read, so a query
/// on a case with tens of thousands of bad rows does not parse them all
/// to answer one question. Reads like a slice.
#[derive(Default)]
pub struct Rejects {
    rows: std::sync::OnceLock<Vec<RowError>>,
    /// The snapshot's `rejects` section (JSON), when not parsed yet.
    raw: Option<crate::column::Column<u8>>,
}

impl Rejects {
    pub fn new(rows: Vec<RowError>) -> Self {
        Rejects {
            rows: std::sync::OnceLock::from(rows),
            raw: None,
        }
    }

    /// Rows to be parsed from `raw` (JSON) on first read. A section whose
    /// checksums hold but which is not the JSON casegraph writes unwinds
    /// with [`crate::snapshot::Corrupted`], as a damaged block does.
    pub fn deferred(raw: crate::column::Column<u8>) -> Self {
        Rejects {
            rows: std::sync::OnceLock::new(),
            raw: Some(raw),
        }
    }

    pub fn rows(&self) -> &Vec<RowError> {
        self.rows.get_or_init(|| match &self.raw {
            None => Vec::new(),
            Some(raw) => serde_json::from_slice(raw).unwrap_or_else(|_| {
                std::panic::panic_any(crate::column::Corrupted {
                    section: "rejects".into(),
                    block: 0,
                })
            }),
        })
    }

    pub fn rows_mut(&mut self) -> &mut Vec<RowError> {
        self.rows();
        self.rows.get_mut().expect("initialised just above")
    }
}

impl std::ops::Deref for Rejects {
    type Target = [RowError];
    fn deref(&self) -> &[RowError] {
        self.rows()
    }
}

impl<'a> IntoIterator for &'a Rejects {
    type Item = &'a RowError;
    type IntoIter = std::slice::Iter<'a, RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows().iter()
    }
}

impl Clone for Rejects {
    fn clone(&self) -> Self {
        Rejects::new(self.rows().clone())
    }
}

impl PartialEq for Rejects {
    fn eq(&self, other: &Self) -> bool {
        self.rows() == other.rows()
    }
}

impl Eq for Rejects {}

impl std::fmt::Debug for Rejects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows().fmt(f)
    }
}

impl serde::Serialize for Rejects {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.rows().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Rejects {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<RowError>::deserialize(d).map(Rejects::new)
    }
}

/// The account of every row of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
    /// Every rejected row, in file order.
    pub rejects: Rejects,
    /// Things worth knowing that are not row errors (a victim_id that names
    /// no person record, say).
    pub notices: Vec<String>,
    /// Delivered files' rows, numbered after each table's contract file.
    #[serde(default)]
    pub sources: Vec<SourceSegment>,
}

impl IngestReport {
    pub fn rows_rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
    pub fn rows_kept(&self) -> u64 {
        self.files.iter().map(|f| f.kept).sum()
    }

    /// Where line `line` of a table (`calls.csv`, as the graph's rows
    /// number them: `CallEvent::line`, a person record's `line`) came
    /// from: the contract file's line, or a delivered file's (and sheet's)
    /// row. Use this, not `format!("calls.csv:{line}")`, to name a source
    /// row.
    pub fn locate(&self, table: &str, line: u64) -> Position {
        let hit = self
            .sources
            .iter()
            .filter(|s| s.table == table && (s.base as u64) < line && line <= s.last as u64)
            .max_by_key(|s| s.base);
        match hit {
            Some(s) => Position {
                file: s.file.clone(),
                sheet: s.sheet.clone(),
                line: line - s.base as u64,
            },
            None => Position {
                file: table.to_string(),
                sheet: None,
                line,
            },
        }
    }
}
