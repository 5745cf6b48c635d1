//! The analyst's decisions about pairs of person records, and the review
//! queue that asks for them.
//!
//! The model is least sure of the pairs whose match weight lies nearest
//! the threshold; [`review_queue`] lists them, nearest first, leaving out
//! pairs already decided. An analyst who looks at a pair decides *same*
//! (the records are one individual: they are merged whatever the model
//! says) or *different* (they are never put in one individual). Decisions
//! are kept in the case's decisions file, a CSV beside the case
//! (`CASE_DIR/decisions.csv`, or `case.cgs.decisions.csv` beside a
//! snapshot; see [`Decisions::default_path`]):
//!
//! ```text
//! person_a,person_b,decision,note
//! P0000043,P0001575,same,informant's 大卫 is 崔琳卫: same phone, 老崔
//! P0001446,P0003268,different,two men of one name and birthday
//! ```
//!
//! The file is rewritten atomically (temp file and rename), one line per
//! pair (a later decision on a pair replaces the earlier), in the order
//! decided. [`super::ResolveConfig::for_case`] reads it, so every command
//! that resolves a case through that configuration honours it.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// An analyst's verdict on a pair of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// One individual.
    Same,
    /// Two individuals.
    Different,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
        }
    }
    /// `same` or `different` (also `yes`/`no`, any case).
    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim().to_ascii_lowercase().as_str() {
            "same" | "yes" | "match" => Some(Verdict::Same),
            "different" | "no" | "distinct" => Some(Verdict::Different),
            _ => None,
        }
    }
}

/// One decision: two person_ids, the verdict and the analyst's note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub a: String,
    pub b: String,
    pub verdict: Verdict,
    pub note: String,
}

impl Decision {
    /// The pair as an order-free key.
    fn key(&self) -> (&str, &str) {
        if self.a <= self.b {
            (&self.a, &self.b)
        } else {
            (&self.b, &self.a)
        }
    }
}

/// The decisions of a case, in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Decisions {
    pub list: Vec<Decision>,
}

const HEADER: [&str; 4] = ["person_a", "person_b", "decision", "note"];

impl Decisions {
    /// Where a case keeps its decisions: `decisions.csv` inside a case
    /// folder, `FILE.decisions.csv` beside a snapshot `FILE`.
    pub fn default_path(case: &Path) -> PathBuf {
        if case.is_dir() {
            case.join("decisions.csv")
        } else {
            let mut name = case.as_os_str().to_owned();
            name.push(".decisions.csv");
            PathBuf::from(name)
        }
    }

    /// Read a decisions file; a file that does not exist holds no
    /// decisions. A line that is not a decision is an error naming it.
    pub fn load(path: &Path) -> Result<Decisions> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Decisions::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes.as_slice());
        let mut out = Decisions::default();
        for (i, row) in reader.records().enumerate() {
            let line = i + 1;
            let row = row.map_err(|e| {
                Error::Invalid(format!(
                    "{}:{line}: expected a CSV row, found {e}",
                    path.display()
                ))
            })?;
            if row.iter().all(str::is_empty) || (line == 1 && row.get(0) == Some(HEADER[0])) {
                continue;
            }
            let field = |k: usize| row.get(k).unwrap_or("");
            let verdict = Verdict::parse(field(2)).ok_or_else(|| {
                Error::Invalid(format!(
                    "{}:{line}: column \"decision\": expected same or different, found {:?}",
                    path.display(),
                    field(2)
                ))
            })?;
            if field(0).is_empty() || field(1).is_empty() {
                return Err(Error::Invalid(format!(
                    "{}:{line}: expected two person_ids, found {:?} and {:?}",
                    path.display(),
                    field(0),
                    field(1)
                )));
            }
            out.record(field(0), field(1), verdict, field(3));
        }
        Ok(out)
    }

    /// Add a decision, replacing any earlier one on the same pair.
    pub fn record(&mut self, a: &str, b: &str, verdict: Verdict, note: &str) {
        let new = Decision {
            a: a.trim().to_string(),
            b: b.trim().to_string(),
            verdict,
            note: note.trim().to_string(),
        };
        self.list.retain(|d| d.key() != new.key());
        self.list.push(new);
    }

    /// Write the decisions to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::Invalid(format!("{}: {e}", path.display()));
        w.write_record(HEADER).map_err(io)?;
        for d in &self.list {
            w.write_record([
                d.a.as_str(),
                d.b.as_str(),
                d.verdict.as_str(),
                d.note.as_str(),
            ])
            .map_err(io)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        crate::atomic::write_atomically(path, &bytes)
    }

    /// The pairs decided one way.
    pub fn pairs(&self, verdict: Verdict) -> Vec<(String, String)> {
        self.list
            .iter()
            .filter(|d| d.verdict == verdict)
            .map(|d| (d.a.clone(), d.b.clone()))
            .collect()
    }
}

/// The compared pairs the model is least sure of: nearest the threshold
/// first (ties by record index), at most `n`, leaving out pairs in
/// `decided` (as `(min, max)` record indices).
pub fn review_queue<'r>(
    res: &'r super::Resolution,
    n: usize,
    decided: &rustc_hash::FxHashSet<(u32, u32)>,
) -> Vec<&'r super::ScoredPair> {
    let mut pairs: Vec<&super::ScoredPair> = res
        .pairs
        .iter()
        .filter(|p| !decided.contains(&(p.a.min(p.b), p.a.max(p.b))))
        .collect();
    pairs.sort_by(|x, y| {
        let dx = (x.score.total - res.threshold).abs();
        let dy = (y.score.total - res.threshold).abs();
        dx.total_cmp(&dy).then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    pairs.truncate(n);
    pairs
}

/// The decisions file of the case at `case` (see [`Decisions::default_path`]).
pub fn case_file(case: &Path) -> PathBuf {
    Decisions::default_path(case)
}

/// A plain list of rejected pairs (`person_a,person_b` per line, an
/// optional header, `#` comments), every id checked against the case: the
/// file of `resolve --reject-file`.
pub fn read_pairs(path: &Path, graph: &crate::graph::CaseGraph) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let known: std::collections::HashSet<&str> = graph
        .persons
        .iter()
        .map(|p| graph.str(p.person_id))
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 1;
        let row = row.map_err(|e| Error::Invalid(format!("{}:{line}: {e}", path.display())))?;
        if row.iter().all(str::is_empty) || row.get(0).is_some_and(|c| c.starts_with('#')) {
            continue;
        }
        if row.len() < 2 {
            return Err(Error::Invalid(format!(
                "{}:{line}: expected two person_ids, found {} field(s)",
                path.display(),
                row.len()
            )));
        }
        let (a, b) = (row[0].to_string(), row[1].to_string());
        if line == 1 && !known.contains(a.as_str()) && !known.contains(b.as_str()) {
            continue; // a header
        }
        for id in [&a, &b] {
            if !known.contains(id.as_str()) {
                return Err(Error::Invalid(format!(
                    "{}:{line}: expected a person_id of the case, found {id:?}",
                    path.display()
                )));
            }
        }
        out.push((a, b));
    }
    Ok(out)
}

/// The pairs the case's decisions file keeps apart.
pub fn case_pairs(case: &Path, _graph: &crate::graph::CaseGraph) -> Result<Vec<(String, String)>> {
    Ok(Decisions::load(&case_file(case))?.pairs(Verdict::Different))
}

/// The resolver's configuration for the case at `case`, with its decisions.
pub fn config_for_case(
    case: &Path,
    _graph: &crate::graph::CaseGraph,
) -> Result<super::ResolveConfig> {
    super::ResolveConfig::for_case(case)
}

/// Record `pairs` as "different" in the case's decisions file; returns its path.
pub fn record(
    case: &Path,
    _graph: &crate::graph::CaseGraph,
    pairs: &[(String, String)],
) -> Result<PathBuf> {
    let path = case_file(case);
    let mut d = Decisions::load(&path)?;
    for (a, b) in pairs {
        d.record(a, b, Verdict::Different, "resolve --reject-pair --remember");
    }
    d.save(&path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_round_trip_and_later_ones_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.csv");
        assert_eq!(Decisions::load(&path).unwrap(), Decisions::default());
        let mut d = Decisions::default();
        d.record("P1", "P2", Verdict::Same, "same phone, 老崔");
        d.record("P3", "P4", Verdict::Different, "");
        d.record("P2", "P1", Verdict::Different, "on second thoughts");
        d.save(&path).unwrap();
        let back = Decisions::load(&path).unwrap();
        assert_eq!(back, d);
        assert_eq!(back.list.len(), 2);
        assert_eq!(back.pairs(Verdict::Different).len(), 2);
        assert!(back.pairs(Verdict::Same).is_empty());
    }

    #[test]
    fn a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.csv");
        std::fs::write(&path, "person_a,person_b,decision,note\nP1,P2,maybe,\n").unwrap();
        let e = Decisions::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("decisions.csv:2") && e.contains("\"maybe\""),
            "{e}"
        );
    }

    #[test]
    fn default_paths() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Decisions::default_path(dir.path()),
            dir.path().join("decisions.csv")
        );
        let snap = dir.path().join("case.cgs");
        assert_eq!(
            Decisions::default_path(&snap),
            dir.path().join("case.cgs.decisions.csv")
        );
    }
}
