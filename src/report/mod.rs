//! `report.html`: the page a case team opens first each morning and prints
//! for the case file. One self-contained file — inline CSS, inline SVG
//! charts and a small inline script, nothing fetched — rendered from a
//! [`LeadRun`], its [`CaseGraph`] and the run's manifest.json.
//!
//! Contents: the run summary (inputs with their SHA-256, rows kept and
//! rejected, counts, timings), the ranked leads with reasons, each gang
//! (link chart, hour × weekday activity, members, patterns, incidents,
//! victims), the incident hotspots, and the evidence behind every lead
//! down to the source rows (`file:line`, with what each row says).
//!
//! Rendering is a pure function of its inputs: the timings shown are the
//! manifest's, so [`regenerate`] — which re-runs the deterministic pipeline
//! on the same case with the manifest's configuration — gives back the
//! same bytes `casegraph leads` wrote.

pub mod heatmap;
pub mod html;
pub mod layout;
pub mod page;
pub mod svg;

use crate::error::{Error, Result};
use crate::graph::CaseGraph;
use crate::ingest::IngestConfig;
use crate::lead::{LeadConfig, LeadRun};
use std::path::{Path, PathBuf};

/// The part of manifest.json the report shows.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub casegraph_version: String,
    /// The case as given to `casegraph leads` (absent in older manifests).
    pub case: Option<String>,
    pub inputs: Vec<InputFile>,
    pub rows: Vec<FileRows>,
    pub counts: serde_json::Map<String, serde_json::Value>,
    pub outputs: Vec<String>,
    pub timings: Vec<StageTime>,
    pub config: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct InputFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct FileRows {
    pub file: String,
    pub present: bool,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct StageTime {
    pub stage: String,
    pub seconds: f64,
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        serde_json::from_slice(bytes).map_err(|e| Error::Invalid(format!("manifest.json: {e}")))
    }
}

/// The id of a lead's evidence section.
pub fn lead_anchor(entity: &str) -> String {
    html::anchor("lead-", entity)
}

/// The id of a gang's section.
pub fn gang_anchor(gang_id: &str) -> String {
    html::anchor("gang-", gang_id)
}

/// The id of an incident's row in a gang's section (an incident naming two
/// gangs' phones appears in both).
pub fn incident_anchor(gang_id: &str, incident_id: &str) -> String {
    html::anchor(&format!("inc-{gang_id}-"), incident_id)
}

/// The report of `run` on `g`, with the summary from manifest.json's bytes.
pub fn render(g: &CaseGraph, run: &LeadRun, manifest_json: &[u8]) -> Result<String> {
    let manifest = Manifest::parse(manifest_json)?;
    Ok(page::render(g, run, &manifest))
}

/// What [`regenerate`] read and rebuilt.
#[derive(Debug, Clone)]
pub struct Regenerated {
    pub html: String,
    pub case: PathBuf,
    pub gangs: usize,
    pub leads: usize,
}

/// Rebuild the report of a `casegraph leads` output folder: read its
/// manifest.json, check that the case's files (at `case`, or where the
/// manifest says) still have the run's SHA-256 checksums, re-run the
/// pipeline with the run's configuration and render. The result equals the
/// report.html the run wrote.
pub fn regenerate(
    out_dir: &Path,
    case: Option<&Path>,
    ingest: &IngestConfig,
) -> Result<Regenerated> {
    let manifest_path = out_dir.join("manifest.json");
    let bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let manifest = Manifest::parse(&bytes)
        .map_err(|e| Error::Invalid(format!("{}: {e}", manifest_path.display())))?;
    let case: PathBuf = match (case, &manifest.case) {
        (Some(c), _) => c.to_path_buf(),
        (None, Some(c)) => PathBuf::from(c),
        (None, None) => {
            return Err(Error::Invalid(format!(
                "{}: expected a \"case\" entry naming the case folder or snapshot, found none (give the case with --case)",
                manifest_path.display()
            )))
        }
    };
    let config: LeadConfig = serde_json::from_value(manifest.config.clone()).map_err(|e| {
        Error::Invalid(format!(
            "{}: expected the run's leads configuration under \"config\", found one that does not parse: {e}",
            manifest_path.display()
        ))
    })?;
    let now = crate::lead::write::input_files(&case)?;
    let now: Vec<(String, String)> = now
        .iter()
        .map(|v| {
            (
                v["file"].as_str().unwrap_or_default().to_string(),
                v["sha256"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let then: Vec<(String, String)> = manifest
        .inputs
        .iter()
        .map(|i| (i.file.clone(), i.sha256.clone()))
        .collect();
    if now != then {
        let differs: Vec<String> = then
            .iter()
            .filter(|t| !now.contains(t))
            .map(|t| t.0.clone())
            .chain(
                now.iter()
                    .filter(|n| !then.iter().any(|t| t.0 == n.0))
                    .map(|n| n.0.clone()),
            )
            .collect();
        return Err(Error::Invalid(format!(
            "{}: expected the case files of the run in {} (SHA-256 in manifest.json), found different ones: {}",
            case.display(),
            out_dir.display(),
            differs.join(", ")
        )));
    }
    let g = crate::open_case(&case, ingest)?;
    let run = crate::lead::run(&g, &config)?;
    Ok(Regenerated {
        html: page::render(&g, &run, &manifest),
        case,
        gangs: run.gangs.len(),
        leads: run.leads.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo case: fixtures/tiny's hand-made gang is tied by calls alone
    /// (one kind of evidence), which is not enough to be reported as a gang.
    fn tiny() -> (CaseGraph, LeadRun, Vec<u8>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let g = crate::open_case(&dir, &IngestConfig::default()).unwrap();
        let config = LeadConfig::default();
        let run = crate::lead::run(&g, &config).unwrap();
        let manifest = crate::lead::write::manifest(
            &g,
            &run,
            &config,
            &dir,
            &["report.html".to_string()],
            &Default::default(),
        )
        .unwrap();
        (g, run, manifest)
    }

    #[test]
    fn every_gang_and_every_lead_has_its_section() {
        let (g, run, manifest) = tiny();
        let html = render(&g, &run, &manifest).unwrap();
        assert!(!run.gangs.is_empty() && !run.leads.is_empty());
        for gang in &run.gangs {
            assert!(html.contains(&format!("id=\"{}\"", gang_anchor(&gang.gang_id))));
            assert!(html.contains(&format!("href=\"#{}\"", gang_anchor(&gang.gang_id))));
        }
        for l in &run.leads {
            let a = lead_anchor(&l.entity);
            assert_eq!(html.matches(&format!("id=\"{a}\"")).count(), 1, "{a}");
            assert!(html.contains(&format!("href=\"#{a}\"")));
            for src in &l.sources {
                assert!(html.contains(src.as_str()), "{src} not cited");
            }
        }
        assert_eq!(
            html.matches("<svg class=\"chart\"").count(),
            run.gangs.len()
        );
        // One grid per gang, one per incident category present.
        let mut categories: Vec<u8> = g.incidents.iter().map(|i| i.category).collect();
        categories.sort_unstable();
        categories.dedup();
        assert_eq!(
            html.matches("<svg class=\"heatmap\"").count(),
            run.gangs.len() + categories.len()
        );
        // A checksum of the manifest.
        let m = Manifest::parse(&manifest).unwrap();
        assert!(html.contains(&m.inputs[0].sha256));
        // Cited call rows are described with their time and parties.
        assert!(html.contains(" → +86") && html.contains("calls.csv:"));
    }

    #[test]
    fn the_page_is_self_contained() {
        let (g, run, manifest) = tiny();
        let html = render(&g, &run, &manifest).unwrap();
        // Nothing fetched: no external scripts, styles, images or fonts.
        for bad in ["src=", "<link", "@import", "url(", "http://", "https://"] {
            let hits: Vec<&str> = html
                .match_indices(bad)
                .map(|(i, _)| &html[i.saturating_sub(20)..(i + 40).min(html.len())])
                // The SVG namespace is a name, not a fetch.
                .filter(|ctx| !ctx.contains("www.w3.org/2000/svg"))
                .collect();
            assert!(hits.is_empty(), "{bad}: {hits:?}");
        }
        assert_eq!(html.matches("<script>").count(), 2);
        assert!(html.contains("Noto Sans CJK SC"));
        assert!(html.contains("@media print"));
    }

    #[test]
    fn rendering_depends_on_the_manifest_timings_not_the_run() {
        let (g, mut run, manifest) = tiny();
        let a = render(&g, &run, &manifest).unwrap();
        for t in run.timings.iter_mut() {
            t.seconds += 1.0;
        }
        assert_eq!(a, render(&g, &run, &manifest).unwrap());
    }
}
