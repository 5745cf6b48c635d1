//! Column mapping (`--columns mapping.toml`): carriers and other police
//! systems name their columns differently. A mapping names, per case file,
//! the header each contract column has in the export, and optionally the
//! file to read instead of the contract's name:
//!
//! ```toml
//! [calls]
//! file = "cdr_export.csv"   # read this instead of calls.csv
//! caller = "CALLING_NBR"
//! callee = "CALLED_NBR"
//! start = "START_TIME"
//! duration_s = "CALL_DURATION"
//!
//! [persons]
//! person_id = "RECORD_NO"
//! name = "FULL_NAME"
//! ```
//!
//! Columns not named keep their contract name. Header matching ignores case
//! and surrounding spaces.
//!
//! For files read as delivered (see [`super::delivered`]), the same tables
//! add header names to the built-in ones ([`super::headers`]): a key may
//! also be a delivered field (`own_number`, `other_number`, `direction`,
//! `lac`, `ci`, `cell`, `imei`, `address`, ...), and a value may be a list
//! of names:
//!
//! ```toml
//! [calls]
//! own_number = ["MSISDN", "服务号码"]
//! direction = "CDR_TYPE"
//! ```

use super::spec::FileSpec;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The mapping for one case file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileMapping {
    /// File name to read instead of the contract's.
    pub file: Option<String>,
    /// Contract column -> header in the file.
    pub columns: BTreeMap<String, String>,
    /// More header names for delivered files: (field, header), including
    /// fields that are not contract columns and every name of a list.
    pub names: Vec<(String, String)>,
}

/// Mappings for all files of a case, keyed by the contract's file stem
/// (`calls`, `persons`, `phones`, `locations`, `incidents`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    pub files: BTreeMap<String, FileMapping>,
}

impl ColumnMapping {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text).map_err(|reason| Error::Config {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parse and check a mapping: every table must be a case file and every
    /// key one of its contract columns (or `file`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, toml::Value> = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut files = BTreeMap::new();
        for (stem, table) in raw {
            let spec = FileSpec::ALL
                .iter()
                .find(|s| s.stem() == stem)
                .ok_or_else(|| {
                    let names: Vec<&str> = FileSpec::ALL.iter().map(|s| s.stem()).collect();
                    format!(
                        "table [{stem}]: expected one of {}, found {stem:?}",
                        names.join(", ")
                    )
                })?;
            let table = table.as_table().ok_or_else(|| {
                format!("[{stem}]: expected a table of column = \"header\" pairs")
            })?;
            let mut mapping = FileMapping::default();
            let fields = super::headers::fields_of(spec.stem());
            for (key, value) in table {
                let values: Vec<String> = match value {
                    toml::Value::String(v) => vec![v.clone()],
                    toml::Value::Array(items) if key != "file" => items
                        .iter()
                        .map(|i| i.as_str().map(String::from))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            format!("[{stem}] {key}: expected a string or a list of strings, found {value}")
                        })?,
                    _ => return Err(format!("[{stem}] {key}: expected a string, found {value}")),
                };
                if key == "file" {
                    mapping.file = values.into_iter().next();
                } else if spec.columns.iter().any(|c| c.name == key) {
                    if values.len() == 1 {
                        mapping.columns.insert(key.clone(), values[0].clone());
                    }
                    mapping
                        .names
                        .extend(values.into_iter().map(|v| (key.clone(), v)));
                } else if fields.iter().any(|f| f.name == key) {
                    mapping
                        .names
                        .extend(values.into_iter().map(|v| (key.clone(), v)));
                } else {
                    let mut names: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
                    for f in fields {
                        if !names.contains(&f.name) {
                            names.push(f.name);
                        }
                    }
                    return Err(format!(
                        "[{stem}] {key}: expected `file`, a column of {} or a field of its delivered files ({}), found {key:?}",
                        spec.file,
                        names.join(", ")
                    ));
                }
            }
            files.insert(stem, mapping);
        }
        Ok(ColumnMapping { files })
    }

    pub fn for_file(&self, spec: &FileSpec) -> Option<&FileMapping> {
        self.files.get(spec.stem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carrier_mapping() {
        let m = ColumnMapping::parse(
            "[calls]\nfile = \"cdr.csv\"\ncaller = \"CALLING_NBR\"\nstart = \"START_TIME\"\n",
        )
        .unwrap();
        let calls = &m.files["calls"];
        assert_eq!(calls.file.as_deref(), Some("cdr.csv"));
        assert_eq!(calls.columns["caller"], "CALLING_NBR");
    }

    #[test]
    fn mistakes_are_named() {
        let e = ColumnMapping::parse("[cdr]\ncaller = \"A\"\n").unwrap_err();
        assert!(
            e.contains("expected one of locations, persons, phones, calls, incidents"),
            "{e}"
        );
        let e = ColumnMapping::parse("[calls]\ncallr = \"A\"\n").unwrap_err();
        assert!(e.contains("found \"callr\""), "{e}");
        let e = ColumnMapping::parse("[calls]\ncaller = 3\n").unwrap_err();
        assert!(e.contains("expected a string"), "{e}");
        assert!(ColumnMapping::parse("[calls\n").is_err());
    }
}
