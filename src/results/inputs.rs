//! What a run read and how: the files of the case it read (each with its
//! SHA-256) and its reading options, as recorded in the manifest, and the
//! way back from a manifest's reading options to an [`IngestConfig`].

use crate::error::{Error, Result};
use crate::ingest::{delivered, ColumnMapping, FileSpec, IngestConfig};
use crate::model::{Clock, PhoneRules};
use crate::report::{InputFile, ReadingOptions, RecordedMapping};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The contract's files in the order the manifest lists them (calls
/// first, as manifests always had them; ingest reads them in
/// [`FileSpec::ALL`]'s order).
const LISTED: [FileSpec; 5] = [
    FileSpec::CALLS,
    FileSpec::PERSONS,
    FileSpec::PHONES,
    FileSpec::LOCATIONS,
    FileSpec::INCIDENTS,
];

/// Every file reading `case` with `reading` reads, as (path, name in the
/// manifest): a snapshot is itself; a folder's contract files present
/// (under the mapping's file names when the mapping renames them), then
/// the files as delivered that ingest reads beside them
/// ([`delivered::discover`]: bills, workbooks, station tables, in
/// sub-folders named after a table too), whether or not a table was found
/// in them.
pub fn case_files(case: &Path, reading: &IngestConfig) -> Result<Vec<(PathBuf, String)>> {
    let mut files = case_data_files(case, reading)?;
    // The analyst's notes beside the case decide which leads are dismissed.
    let notes = crate::notes::notes_path_for(case);
    if notes.is_file() {
        let name = notes
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((notes, name));
    }
    Ok(files)
}

fn case_data_files(case: &Path, reading: &IngestConfig) -> Result<Vec<(PathBuf, String)>> {
    if !case.is_dir() {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| case.display().to_string());
        let mut files = vec![(case.to_path_buf(), name)];
        // The analyst's decisions beside a snapshot change who is who.
        let decisions = crate::resolve::decisions::Decisions::default_path(case);
        if decisions.is_file() {
            let name = decisions
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((decisions, name));
        }
        return Ok(files);
    }
    let mut files = Vec::new();
    for spec in LISTED {
        let name = reading
            .mapping
            .for_file(&spec)
            .and_then(|m| m.file.clone())
            .unwrap_or_else(|| spec.file.to_string());
        let path = case.join(&name);
        if path.is_file() {
            files.push((path, name));
        }
    }
    files.extend(delivered::discover(case, reading)?);
    Ok(files)
}

/// Size and SHA-256 of each of `files`, each streamed through the hash
/// (not held in memory).
pub fn checksums(files: &[(PathBuf, String)]) -> Result<Vec<InputFile>> {
    files
        .iter()
        .map(|(path, name)| checksum(path, name.clone()))
        .collect()
}

/// Size and SHA-256 of the file at `path`, recorded under `name`.
pub fn checksum(path: &Path, name: String) -> Result<InputFile> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hash = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hash).map_err(|e| Error::io(path, e))?;
    Ok(InputFile {
        file: name,
        bytes,
        sha256: hex(&hash.finalize()),
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `+08:00`, `-05:30`: an offset from UTC as `--utc-offset` takes it.
pub fn utc_offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The reading options of a run on a graph read with `country` and
/// `utc_offset_s` (the graph's own: for a snapshot, those it was read
/// with) and, for a case folder, the column mapping in `columns_file`.
pub fn reading_options(
    country: &str,
    utc_offset_s: i32,
    columns_file: Option<&Path>,
) -> Result<ReadingOptions> {
    let columns = match columns_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            Some(RecordedMapping {
                file: path.display().to_string(),
                sha256: sha256_hex(text.as_bytes()),
                text,
            })
        }
        None => None,
    };
    Ok(ReadingOptions {
        country: country.to_string(),
        utc_offset: utc_offset_text(utc_offset_s),
        columns,
    })
}

/// How to read the case again exactly as the run did: its country code,
/// clock and column mapping (from the mapping's text as recorded, so a
/// mapping file moved or edited since does not matter).
pub fn ingest_config(reading: &ReadingOptions) -> Result<IngestConfig> {
    let bad = |what: &str, e: String| {
        Error::Invalid(format!(
            "manifest.json: expected the run's {what} under \"reading\", found one that does not read: {e}"
        ))
    };
    let phone_rules =
        PhoneRules::with_country_code(&reading.country).map_err(|e| bad("country code", e))?;
    let clock = Clock::with_offset(&reading.utc_offset).map_err(|e| bad("UTC offset", e))?;
    let mapping = match &reading.columns {
        Some(m) => ColumnMapping::parse(&m.text)
            .map_err(|e| bad(&format!("column mapping ({})", m.file), e))?,
        None => ColumnMapping::default(),
    };
    Ok(IngestConfig {
        phone_rules,
        clock,
        mapping,
        ..IngestConfig::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_back_as_written() {
        for s in [8 * 3600, 0, -5 * 3600 - 1800, 5 * 3600 + 2700, -12 * 3600] {
            let text = utc_offset_text(s);
            assert_eq!(
                Clock::with_offset(&text).unwrap().offset_seconds(),
                s,
                "{text}"
            );
        }
        assert_eq!(utc_offset_text(8 * 3600), "+08:00");
        assert_eq!(utc_offset_text(-(5 * 3600 + 1800)), "-05:30");
    }

    #[test]
    fn a_checksum_is_the_sha256_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("calls.csv");
        std::fs::write(&p, b"abc").unwrap();
        let f = checksum(&p, "calls.csv".into()).unwrap();
        assert_eq!(f.bytes, 3);
        assert_eq!(
            f.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(f.sha256, sha256_hex(b"abc"));
    }
}
