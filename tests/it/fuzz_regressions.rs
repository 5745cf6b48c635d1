//! What the fuzz targets in `fuzz/` found, kept as ordinary tests: each
//! input that crashed a target, and the behaviour the fix gives it. The
//! known gap they start from: a lazily loaded snapshot skips the full
//! index check, so a forged file whose checksums hold used to panic.

use crate::util;
use casegraph::snapshot;
use std::ops::Range;

fn tiny_snapshot() -> Vec<u8> {
    let dir = util::fixture("fixtures/tiny");
    let g = casegraph::ingest::ingest_case(&dir, &Default::default()).unwrap();
    snapshot::to_bytes(&g)
}

/// The payload of section `name`, walking the layout the way the loader
/// does (see the module comment of `casegraph::snapshot`).
fn payload(bytes: &[u8], name: &str) -> Range<usize> {
    let mut at = 16;
    loop {
        let h = &bytes[at..at + 48];
        let found = String::from_utf8_lossy(&h[..16])
            .trim_end_matches('\0')
            .to_string();
        let len = u64::from_le_bytes(h[32..40].try_into().unwrap()) as usize;
        let start = at + 48;
        if found == name {
            return start..start + len;
        }
        let end = start + len;
        at = end + (8 - end % 8) % 8 + len.div_ceil(1 << snapshot::BLOCK_LOG2) * 8;
    }
}

/// Overwrite a little-endian u32 at `at` and reseal the checksums.
fn forge(bytes: &[u8], at: usize, value: u32) -> Vec<u8> {
    let mut forged = bytes.to_vec();
    forged[at..at + 4].copy_from_slice(&value.to_le_bytes());
    snapshot::reseal(&mut forged).unwrap();
    forged
}

#[test]
fn resealing_a_valid_snapshot_changes_nothing() {
    let bytes = tiny_snapshot();
    let mut again = bytes.clone();
    snapshot::reseal(&mut again).unwrap();
    assert_eq!(again, bytes);
}

#[test]
fn a_forged_snapshot_is_an_error_from_every_loader_never_a_panic() {
    let bytes = tiny_snapshot();
    // The first call's caller (byte 8 of the row) points past the phones.
    let events = payload(&bytes, "events");
    let forged = forge(&bytes, events.start + 8, 0x00ff_ffff);
    let err = snapshot::from_bytes(&forged).unwrap_err();
    assert_eq!(err, "inconsistent snapshot: call event out of range");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forged.cgs");
    std::fs::write(&path, &forged).unwrap();
    // Lazily loaded and used, inside the guard commands run in.
    let got = snapshot::catch_corruption(|| {
        let g = snapshot::read(&path)?;
        casegraph::lead::run(&g, &Default::default()).map(|run| run.leads.len())
    });
    let err = got.expect_err("a forged snapshot is an error").to_string();
    assert!(
        err.contains("forged.cgs")
            && err.contains("inconsistent snapshot: call event out of range"),
        "{err}"
    );

    // And from the command line: a clear error, no panic message. (A
    // command that never reads the forged row, `export` of the call links,
    // rightly succeeds: lazily, damage counts where it is read.)
    {
        let (command, out) = ("leads", "--out");
        let mut cmd = util::casegraph_process();
        cmd.arg(command)
            .arg(&path)
            .arg(out)
            .arg(dir.path().join(command));
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("inconsistent snapshot"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
}

#[test]
fn a_panic_on_a_sound_snapshot_still_unwinds() {
    // The guard only turns a panic into an error when a watched snapshot
    // fails the full check; a bug in code stays a panic.
    let bytes = tiny_snapshot();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.cgs");
    std::fs::write(&path, &bytes).unwrap();
    let unwound = std::panic::catch_unwind(|| {
        snapshot::catch_corruption(|| {
            let _g = snapshot::read(&path).unwrap();
            panic!("a bug");
        })
    });
    assert!(unwound.is_err());
}
