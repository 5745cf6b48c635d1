//! `report.html`: the page a case team opens first each morning and prints
//! for the case file. One self-contained file — inline CSS, inline SVG
//! charts and a small inline script, nothing fetched — rendered from a
//! [`LeadRun`], its [`CaseGraph`] and the run's [`Manifest`].
//!
//! Contents: the run summary (inputs with their SHA-256, rows kept and
//! rejected, counts), the ranked leads with reasons, each gang (link
//! chart, hour × weekday activity, members, patterns, incidents, victims),
//! the incident hotspots, and the evidence behind every lead down to the
//! source rows (`file:line`, with what each row says).
//!
//! Rendering is a pure function of its inputs: nothing that differs from
//! run to run (the timings) is shown, so `casegraph report OUT` — which
//! re-runs the deterministic pipeline exactly as the manifest says
//! (`crate::results::regenerate`) — gives back the bytes `casegraph leads`
//! wrote. [`Manifest`] is manifest.json itself, one typed struct written
//! and read back.

pub mod heatmap;
pub mod html;
pub mod layout;
pub mod page;
pub mod svg;

use crate::error::{Error, Result};
use crate::graph::CaseGraph;
use crate::lead::{LeadConfig, LeadRun};
use crate::ledger::FileReport;
use std::collections::BTreeMap;

/// The format of manifest.json this casegraph writes and reads. Format 1
/// is the manifests written before the field existed (no reading options,
/// checksums of the five contract files only); they cannot be re-run
/// exactly and are refused with a message that says so.
pub const MANIFEST_FORMAT: u32 = 2;

/// manifest.json: how a `casegraph leads` run read its case, with which
/// configuration, from which files (each with its SHA-256), what it found
/// and what it wrote. Written last into the output folder and read back by
/// `casegraph report OUT` to re-run the same way.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    pub casegraph_version: String,
    /// The case as given to `casegraph leads` (a folder or a snapshot).
    pub case: Option<String>,
    /// How the case was read (`--country`, `--utc-offset`, `--columns`).
    pub reading: ReadingOptions,
    /// The run's whole lead configuration (defaults filled in).
    pub config: RecordedConfig,
    /// The `--config` file it came from, if any, with its SHA-256.
    pub config_file: Option<InputFile>,
    /// Every file the run read from the case, with its size and SHA-256:
    /// the contract's files (under the mapping's names when `--columns`
    /// renames them), calls first, then the files as delivered (bills,
    /// workbooks, station tables) in reading order; a snapshot is one file.
    pub inputs: Vec<InputFile>,
    /// The row ledger of each file or sheet read.
    pub rows: Vec<FileReport>,
    /// What the run counted (phones, call events, gangs, leads, ...).
    pub counts: BTreeMap<String, u64>,
    /// The files of the output folder, in writing order.
    pub outputs: Vec<String>,
    /// SHA-256 of every output but manifest.json itself.
    pub output_sha256: BTreeMap<String, String>,
    /// Seconds per stage; the one part that differs between runs.
    pub timings: Vec<StageTime>,
}

/// The reading options of a run: what `--country`, `--utc-offset` and
/// `--columns` were (for a snapshot, what the snapshot was read with; a
/// column mapping does not apply to it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadingOptions {
    /// The default country code of numbers written without one (`86`).
    pub country: String,
    /// The case's wall clock as an offset from UTC (`+08:00`).
    pub utc_offset: String,
    /// The column mapping, whole.
    pub columns: Option<RecordedMapping>,
}

/// A `--columns` mapping as the run read it: the file as given, its
/// SHA-256 and its text, so the run can be repeated when the file has
/// moved or changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordedMapping {
    pub file: String,
    pub sha256: String,
    pub text: String,
}

/// The run's lead configuration. Written with its keys in alphabetical
/// order, as manifests always had them (and as the report shows it).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct RecordedConfig(pub LeadConfig);

impl serde::Serialize for RecordedConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // serde_json's maps are sorted (no `preserve_order`).
        serde_json::to_value(&self.0)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// A file read by the run: its name (relative to the case folder, or the
/// path as given for a snapshot or a configuration file), size and SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The time one stage took.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageTime {
    pub stage: String,
    pub seconds: f64,
}

/// Just the format field, read first so that an older or newer manifest
/// is named as such rather than as a missing field.
#[derive(serde::Deserialize)]
struct FormatOnly {
    format: Option<u32>,
}

impl Manifest {
    /// Read manifest.json's bytes. A manifest of another format is an
    /// error that says which format was found and what to do.
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        let bad = |e: serde_json::Error| Error::Invalid(format!("manifest.json: {e}"));
        let probe: FormatOnly = serde_json::from_slice(bytes).map_err(bad)?;
        match probe.format {
            Some(MANIFEST_FORMAT) => serde_json::from_slice(bytes).map_err(bad),
            found => Err(Error::Invalid(format!(
                "manifest.json: expected format {MANIFEST_FORMAT}, found {}; {}",
                match found {
                    Some(f) => format!("format {f}"),
                    None => "a manifest without a format (format 1, written by casegraph before the reading options and the checksum of every file read were recorded)".into(),
                },
                match found {
                    Some(f) if f > MANIFEST_FORMAT => "it was written by a newer casegraph: use that version",
                    _ => "it cannot be re-run exactly: run `casegraph leads` on the case again",
                }
            ))),
        }
    }

    /// manifest.json's bytes: pretty JSON and a final newline.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Invalid(format!("manifest.json: {e}")))?;
        bytes.push(b'\n');
        Ok(bytes)
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

/// The report of `run` on `g`, with the summary from the run's manifest.
pub fn render(g: &CaseGraph, run: &LeadRun, manifest: &Manifest) -> String {
    page::render(g, run, manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo case: fixtures/tiny's hand-made gang is tied by calls alone
    /// (one kind of evidence), which is not enough to be reported as a gang.
    fn tiny() -> (CaseGraph, LeadRun, Manifest) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let reading = crate::ingest::IngestConfig::default();
        let g = crate::open_case(&dir, &reading).unwrap();
        let config = LeadConfig::default();
        let run = crate::lead::run(&g, &config).unwrap();
        let inputs = crate::results::RunInputs {
            case: &dir,
            reading: &reading,
            columns_file: None,
            config: &config,
            config_file: None,
        };
        let manifest = crate::results::manifest(
            &g,
            &run,
            &inputs,
            &["report.html".to_string()],
            &Default::default(),
        )
        .unwrap();
        (g, run, manifest)
    }

    #[test]
    fn every_gang_and_every_lead_has_its_section() {
        let (g, run, manifest) = tiny();
        let html = render(&g, &run, &manifest);
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
        assert!(html.contains(&manifest.inputs[0].sha256));
        // Cited call rows are described with their time and parties.
        assert!(html.contains(" → +86") && html.contains("calls.csv:"));
    }

    #[test]
    fn the_page_is_self_contained() {
        let (g, run, manifest) = tiny();
        let html = render(&g, &run, &manifest);
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
        let a = render(&g, &run, &manifest);
        for t in run.timings.iter_mut() {
            t.seconds += 1.0;
        }
        assert_eq!(a, render(&g, &run, &manifest));
    }
}
