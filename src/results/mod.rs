//! The output folder of `casegraph leads`: gangs.csv, leads.csv,
//! leads.json, patterns.csv, hotspots.csv, hubs.csv, rejects.csv, one
//! GraphML per gang ([`files`]), report.html ([`crate::report`]) and
//! manifest.json ([`crate::report::Manifest`]), each written atomically;
//! and the way back from a folder to its run ([`rerun`]: `casegraph report
//! OUT`).
//!
//! This module sits above both [`crate::lead`] (the run) and
//! [`crate::report`] (the page): neither knows of the folder, so the page
//! can be rendered from a run without writing one, and the run does not
//! depend on the page.
//!
//! Everything but the timings in manifest.json is a function of the
//! inputs, the reading options and the configuration, byte for byte.

pub mod files;
pub mod inputs;
pub mod notes;
pub mod rerun;

pub use inputs::{case_files, checksums, ingest_config, sha256_hex};
pub use rerun::{read_manifest, regenerate, InputChange, Regenerated};

use crate::error::Result;
use crate::graph::CaseGraph;
use crate::ingest::IngestConfig;
use crate::lead::{LeadConfig, LeadRun};
use crate::report::{Manifest, RecordedConfig, StageTime, MANIFEST_FORMAT};
use std::collections::BTreeMap;
use std::path::Path;

/// What a run was given besides its graph: the case, how it was read and
/// the lead configuration, with the files they came from.
#[derive(Debug, Clone, Copy)]
pub struct RunInputs<'a> {
    /// The case as given: a folder or a snapshot.
    pub case: &'a Path,
    /// How a case folder was read (a snapshot ignores it).
    pub reading: &'a IngestConfig,
    /// The `--columns` file `reading.mapping` was loaded from, recorded
    /// whole in the manifest.
    pub columns_file: Option<&'a Path>,
    pub config: &'a LeadConfig,
    /// The `--config` file `config` was loaded from.
    pub config_file: Option<&'a Path>,
}

/// The manifest of `run`: the reading options, the configuration, every
/// file read with its SHA-256 (read again here), the row ledger, the
/// counts, `outputs` and their checksums `output_sha256`, the timings.
pub fn manifest(
    g: &CaseGraph,
    run: &LeadRun,
    given: &RunInputs,
    outputs: &[String],
    output_sha256: &BTreeMap<String, String>,
) -> Result<Manifest> {
    let is_folder = given.case.is_dir();
    let reading = inputs::reading_options(
        &g.meta.country_code,
        g.meta.utc_offset_s,
        given.columns_file.filter(|_| is_folder),
    )?;
    let config_file = match given.config_file {
        Some(p) => Some(inputs::checksum(p, p.display().to_string())?),
        None => None,
    };
    let counts: BTreeMap<String, u64> = [
        ("phones", g.phones.len()),
        ("persons", g.persons.len()),
        ("individuals", run.n_individuals),
        ("call_events", g.events.len()),
        ("call_links", g.call_links.len()),
        ("incidents", g.incidents.len()),
        ("hubs_left_out", run.hubs.len()),
        ("pattern_hits", run.hits.len()),
        ("evidence_links", run.evidence_links),
        ("gangs", run.gangs.len()),
        ("leads", run.leads.len()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v as u64))
    .collect();
    Ok(Manifest {
        format: MANIFEST_FORMAT,
        casegraph_version: env!("CARGO_PKG_VERSION").to_string(),
        case: Some(given.case.display().to_string()),
        reading,
        config: RecordedConfig(given.config.clone()),
        config_file,
        inputs: checksums(&case_files(given.case, given.reading)?)?,
        rows: g.report.files.clone(),
        counts,
        outputs: outputs.to_vec(),
        output_sha256: output_sha256.clone(),
        timings: run
            .timings
            .iter()
            .map(|t| StageTime {
                stage: t.stage.to_string(),
                seconds: t.seconds,
            })
            .collect(),
    })
}

/// Write every output of `run` into `dir` (created if needed); returns the
/// file names written, in order.
pub fn write_all(
    g: &CaseGraph,
    run: &LeadRun,
    given: &RunInputs,
    dir: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    let mut names: Vec<String> = [
        "gangs.csv",
        "leads.csv",
        "leads.json",
        "patterns.csv",
        "hotspots.csv",
        "hubs.csv",
        "rejects.csv",
        "dismissed.csv",
    ]
    .map(String::from)
    .to_vec();
    let at = |name: &str| dir.join(name);
    files::gangs_csv(&at("gangs.csv"), run)?;
    files::leads_csv(&at("leads.csv"), &run.leads)?;
    files::leads_csv(&at("dismissed.csv"), &run.dismissed)?;
    files::leads_json(&at("leads.json"), g, run)?;
    files::patterns_csv(&at("patterns.csv"), g, run)?;
    files::hotspots_csv(&at("hotspots.csv"), run)?;
    files::hubs_csv(&at("hubs.csv"), run)?;
    files::rejects_csv(&at("rejects.csv"), g)?;
    for (k, gang) in run.gangs.iter().enumerate() {
        let name = format!("gang_{}.graphml", gang.gang_id);
        files::gang_graphml(&at(&name), g, run, k)?;
        names.push(name);
    }
    // The folder's consistency check: each file is replaced atomically, and
    // manifest.json, written last, holds every other file's SHA-256 (of
    // the file as written). A run killed part-way leaves files that
    // disagree with the manifest beside them, which a reader can tell
    // from a complete run.
    let mut sums = BTreeMap::new();
    for name in &names {
        let written = inputs::checksum(&at(name), name.clone())?;
        sums.insert(name.clone(), written.sha256);
    }
    names.push("report.html".into());
    names.push("manifest.json".into());
    // The report shows the manifest's summary, so it is rendered from it
    // (from everything but output_sha256, which it does not show); then
    // its own checksum joins the others in the manifest written last.
    let mut manifest = manifest(g, run, given, &names, &sums)?;
    let report = crate::report::render(g, run, &manifest);
    manifest
        .output_sha256
        .insert("report.html".into(), sha256_hex(report.as_bytes()));
    crate::atomic::write_atomically(&at("report.html"), report.as_bytes())?;
    crate::atomic::write_atomically(&at("manifest.json"), &manifest.to_json()?)?;
    Ok(names)
}
