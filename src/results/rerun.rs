//! Back from an output folder to its run (`casegraph report OUT`): read the
//! folder's manifest, check that every file the run read still has the
//! run's SHA-256, read the case again with the run's reading options (not
//! the current command line's), run the pipeline with the run's
//! configuration, and render the report, which then equals the one the run
//! wrote.

use super::inputs::{case_files, checksums, ingest_config, sha256_hex};
use crate::error::{Error, Result};
use crate::report::{InputFile, Manifest};
use std::path::{Path, PathBuf};

/// Read and check `out_dir`/manifest.json (format included).
pub fn read_manifest(out_dir: &Path) -> Result<Manifest> {
    let path = out_dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Manifest::parse(&bytes).map_err(|e| Error::Invalid(format!("{}: {e}", out_dir.display())))
}

/// How a file the run read differs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputChange {
    /// Read by the run, with another SHA-256 now.
    Changed {
        file: String,
        then: String,
        now: String,
    },
    /// Read by the run, not there now.
    Gone { file: String },
    /// Not read by the run, and a reading now would read it.
    New { file: String },
}

impl std::fmt::Display for InputChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        match self {
            InputChange::Changed { file, then, now } => write!(
                f,
                "{file} (SHA-256 {}… at the run, {}… now)",
                short(then),
                short(now)
            ),
            InputChange::Gone { file } => write!(f, "{file} (read by the run, gone now)"),
            InputChange::New { file } => {
                write!(f, "{file} (new since the run; it would be read too)")
            }
        }
    }
}

/// The differences between the files a run read (`then`) and those a
/// reading would read now (`now`), by name, in the run's order then the
/// new ones.
pub fn input_changes(then: &[InputFile], now: &[InputFile]) -> Vec<InputChange> {
    let mut out = Vec::new();
    for t in then {
        match now.iter().find(|n| n.file == t.file) {
            Some(n) if n.sha256 != t.sha256 => out.push(InputChange::Changed {
                file: t.file.clone(),
                then: t.sha256.clone(),
                now: n.sha256.clone(),
            }),
            Some(_) => {}
            None => out.push(InputChange::Gone {
                file: t.file.clone(),
            }),
        }
    }
    for n in now {
        if !then.iter().any(|t| t.file == n.file) {
            out.push(InputChange::New {
                file: n.file.clone(),
            });
        }
    }
    out
}

/// What [`regenerate`] read and rebuilt.
#[derive(Debug, Clone)]
pub struct Regenerated {
    pub html: String,
    pub case: PathBuf,
    pub manifest: Manifest,
    pub gangs: usize,
    pub leads: usize,
    /// Whether the rebuilt report has the SHA-256 the run recorded for
    /// its report.html (it has, unless casegraph changed since the run).
    pub same_as_run: bool,
}

/// Rebuild the report of a `casegraph leads` output folder: read its
/// manifest.json, check that every file the run read from the case (at
/// `case`, or where the manifest says) still has the run's SHA-256, read
/// the case with the run's reading options, re-run the pipeline with the
/// run's configuration and render. `progress` shows the reading of the
/// calls.
pub fn regenerate(
    out_dir: &Path,
    case: Option<&Path>,
    progress: indicatif::ProgressBar,
) -> Result<Regenerated> {
    let manifest = read_manifest(out_dir)?;
    let case: PathBuf = match (case, &manifest.case) {
        (Some(c), _) => c.to_path_buf(),
        (None, Some(c)) => PathBuf::from(c),
        (None, None) => {
            return Err(Error::Invalid(format!(
                "{}: expected a \"case\" entry naming the case folder or snapshot, found none (give the case with --case)",
                out_dir.join("manifest.json").display()
            )))
        }
    };
    let mut reading = ingest_config(&manifest.reading)
        .map_err(|e| Error::Invalid(format!("{}: {e}", out_dir.display())))?;
    reading.progress = progress;
    if !case.exists() {
        return Err(Error::Invalid(format!(
            "{}: expected the case of the run in {} (a folder or a snapshot), found nothing there (give the case with --case if it has moved)",
            case.display(),
            out_dir.display()
        )));
    }
    let mut now = checksums(&case_files(&case, &reading)?)?;
    if !case.is_dir() {
        // A snapshot is its contents, whatever it is called now.
        for (n, t) in now.iter_mut().zip(&manifest.inputs) {
            n.file = t.file.clone();
        }
    }
    let changes = input_changes(&manifest.inputs, &now);
    if !changes.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: expected the files the run in {} read, with the SHA-256 in its manifest.json, found {} different: {}; the report would not be the run's (run `casegraph leads` again)",
            case.display(),
            out_dir.display(),
            changes.len(),
            changes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let g = crate::open_case(&case, &reading)?;
    let resolve = crate::resolve::ResolveConfig::for_case(&case)?;
    let mut run = crate::lead::run_with(&g, &manifest.config.0, &resolve)?;
    let notes_path = crate::notes::notes_path_for(&case);
    let notes =
        crate::notes::load(&notes_path).map_err(|e| crate::error::Error::Invalid(e.to_string()))?;
    super::notes::apply(&g, &mut run, &notes, &super::notes::file_name(&notes_path));
    let html = crate::report::render(&g, &run, &manifest);
    let same_as_run = manifest
        .output_sha256
        .get("report.html")
        .is_some_and(|s| *s == sha256_hex(html.as_bytes()));
    Ok(Regenerated {
        gangs: run.gangs.len(),
        leads: run.leads.len(),
        html,
        case,
        manifest,
        same_as_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(file: &str, sha: &str) -> InputFile {
        InputFile {
            file: file.into(),
            bytes: 1,
            sha256: sha.into(),
        }
    }

    #[test]
    fn changed_gone_and_new_files_are_each_named() {
        let then = [
            f("calls.csv", "aa"),
            f("persons.csv", "bb"),
            f("x.xlsx", "cc"),
        ];
        let now = [
            f("calls.csv", "ab"),
            f("persons.csv", "bb"),
            f("y.csv", "dd"),
        ];
        let c = input_changes(&then, &now);
        assert_eq!(
            c,
            [
                InputChange::Changed {
                    file: "calls.csv".into(),
                    then: "aa".into(),
                    now: "ab".into()
                },
                InputChange::Gone {
                    file: "x.xlsx".into()
                },
                InputChange::New {
                    file: "y.csv".into()
                },
            ]
        );
        assert!(input_changes(&then, &then).is_empty());
    }
}
