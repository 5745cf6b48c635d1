//! Crash safety: `casegraph ingest`, `export` and `leads` killed (SIGKILL)
//! at seeded random moments, and while they write a file (as soon as a
//! temp file shows, plus a seeded few milliseconds), leave every output file either as the previous
//! run left it or exactly as a complete run writes it, never half-written;
//! the only other files are hidden temp files named for their target, and
//! the next run clears them.
//!
//! For the leads folder, "previous or complete" is per file, and the folder
//! as a whole is checked through manifest.json (written last, with every
//! other file's SHA-256): when every file agrees with the manifest beside
//! it, the folder is one run's output, old or new; a folder killed between
//! files disagrees with its manifest, so a reader can tell.
//!
//! The previous outputs come from the tiny fixture, the new ones from the
//! demo case (about a second of work per command here), so the two differ
//! in every file.

use crate::util;
use casegraph::atomic::TEMP_MARK;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many kills per command.
const KILLS: usize = 4;

/// The binary, with `out` (a folder) made first.
fn bin_into(out: &Path) -> Command {
    std::fs::create_dir_all(out).unwrap();
    bin()
}

fn bin() -> Command {
    let mut c = util::casegraph_process();
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Whether a temp file of a writer is anywhere under `dir`.
fn has_temp(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let p = e.path();
            if p.is_dir() {
                has_temp(&p)
            } else {
                is_temp(&e.file_name().to_string_lossy())
            }
        })
    })
}

fn is_temp(rel: &str) -> bool {
    Path::new(rel)
        .file_name()
        .and_then(|f| f.to_str())
        .is_some_and(|f| f.starts_with('.') && f.contains(TEMP_MARK))
}

/// manifest.json without its timings (which differ between runs).
fn manifest_sans_timings(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("manifest is JSON");
    v.as_object_mut().unwrap().remove("timings");
    v
}

/// Whether `got` is `want`, byte for byte, except that manifest.json files
/// are compared without their timings.
fn same(rel: &str, got: &[u8], want: &[u8]) -> bool {
    if rel.ends_with("manifest.json") {
        serde_json::from_slice::<serde_json::Value>(got).is_ok()
            && manifest_sans_timings(got) == manifest_sans_timings(want)
    } else {
        got == want
    }
}

/// One command under test: how to run it writing into `out`.
struct Job {
    name: &'static str,
    run: fn(&Path, &Path) -> Command,
}

/// Run `cmd` to the end; panics unless it exits 0 or 1.
fn complete(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let status = cmd.status().unwrap();
    assert!(status.code().is_some_and(|c| c <= 1), "{cmd:?}: {status}");
    started.elapsed()
}

fn check_kills(job: &Job, old_input: &Path, new_input: &Path, seed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let previous_dir = tmp.path().join("previous");
    complete((job.run)(old_input, &previous_dir));
    let previous = files(&previous_dir);
    let new_dir = tmp.path().join("new");
    let took = complete((job.run)(new_input, &new_dir));
    let new = files(&new_dir);
    assert!(!previous.is_empty() && !new.is_empty());

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut dead_pid = None;
    for k in 0..KILLS {
        let dir = tmp.path().join(format!("kill{k}"));
        copy_dir(&previous_dir, &dir);
        let mut child = (job.run)(new_input, &dir).spawn().unwrap();
        let started = Instant::now();
        if k % 2 == 0 {
            // At a random moment of the run.
            std::thread::sleep(took.mul_f64(rng.gen_range(0.05..1.0)));
        } else {
            // While a file is being written: as soon as a temp file shows,
            // plus a random few milliseconds.
            while !has_temp(&dir) && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_micros(500));
            }
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..20_000)));
        }
        let delay = started.elapsed();
        child.kill().ok(); // SIGKILL; fails only if it already exited
        child.wait().unwrap();
        dead_pid = Some(child.id());

        let after = files(&dir);
        for (rel, bytes) in &after {
            if is_temp(rel) {
                continue;
            }
            let old_ok = previous.get(rel).is_some_and(|p| same(rel, bytes, p));
            let new_ok = new.get(rel).is_some_and(|n| same(rel, bytes, n));
            assert!(
                old_ok || new_ok,
                "{}: killed after {delay:?}, {rel} is neither the previous nor the new file",
                job.name
            );
        }
        for rel in previous.keys() {
            assert!(
                after.contains_key(rel),
                "{}: killed after {delay:?}, {rel} of the previous run is gone",
                job.name
            );
        }
        check_manifests(job.name, &dir, &after, &previous, &new);
        let replaced = after
            .iter()
            .filter(|(rel, b)| !is_temp(rel) && new.get(*rel).is_some_and(|n| same(rel, b, n)))
            .count();
        let temps = after.keys().filter(|r| is_temp(r)).count();
        eprintln!(
            "{}: killed after {delay:?} of {took:?}: {replaced} of {} files new, {temps} temp files",
            job.name,
            new.len()
        );
    }

    // A later run clears the temp files of a writer that is gone, and
    // writes the complete new output.
    let dir = tmp.path().join("rerun");
    copy_dir(&previous_dir, &dir);
    let some_output = new.keys().find(|r| !is_temp(r)).unwrap();
    let parent = dir.join(some_output).parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&parent).unwrap();
    let file_name = Path::new(some_output)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let stale = parent.join(format!(
        ".{file_name}{TEMP_MARK}{}-AbC123",
        dead_pid.unwrap()
    ));
    std::fs::write(&stale, b"half a file").unwrap();
    complete((job.run)(new_input, &dir));
    assert!(!stale.exists(), "{}: stale temp file left", job.name);
    let after = files(&dir);
    for (rel, bytes) in &new {
        assert!(same(rel, &after[rel], bytes), "{}: rerun {rel}", job.name);
    }
    assert!(
        !after.keys().any(|r| is_temp(r)),
        "{}: temp files after a complete run: {:?}",
        job.name,
        after.keys().filter(|r| is_temp(r)).collect::<Vec<_>>()
    );
}

/// In every folder holding a manifest.json: if every file it lists agrees
/// with its SHA-256, the files are all of one run (the previous or the new).
fn check_manifests(
    job: &str,
    dir: &Path,
    after: &BTreeMap<String, Vec<u8>>,
    previous: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
) {
    for (rel, bytes) in after.iter().filter(|(r, _)| r.ends_with("manifest.json")) {
        let folder = Path::new(rel).parent().unwrap();
        let m: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let sums = m["output_sha256"].as_object().expect("output_sha256");
        let consistent = sums.iter().all(|(name, sum)| {
            let key = folder.join(name).display().to_string();
            after
                .get(&key)
                .is_some_and(|b| casegraph::results::sha256_hex(b) == sum.as_str().unwrap())
        });
        if consistent {
            let of_run = |run: &BTreeMap<String, Vec<u8>>| {
                sums.keys().all(|name| {
                    let key = folder.join(name).display().to_string();
                    run.get(&key).is_some_and(|b| *b == after[&key])
                }) && same(rel, bytes, &run[rel])
            };
            assert!(
                of_run(previous) || of_run(new),
                "{job} in {}: files agree with manifest.json but mix two runs",
                dir.display()
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn killed_runs_leave_the_previous_or_the_complete_new_output() {
    let tiny = util::root().join("fixtures/tiny");
    let demo = util::root().join("fixtures/demo");
    // Snapshots for export: one per case, written once.
    let snaps = tempfile::tempdir().unwrap();
    for (case, name) in [(&tiny, "tiny.cgs"), (&demo, "demo.cgs")] {
        complete({
            let mut c = bin();
            c.arg("ingest")
                .arg(case)
                .arg("-o")
                .arg(snaps.path().join(name));
            c
        });
    }
    let jobs = [
        Job {
            name: "ingest",
            run: |case, out| {
                let mut c = bin_into(out);
                c.arg("ingest")
                    .arg(case)
                    .arg("-o")
                    .arg(out.join("case.cgs"));
                c
            },
        },
        Job {
            name: "export",
            run: |snap, out| {
                let mut c = bin_into(out);
                c.arg("export")
                    .arg(snap)
                    .arg("--graphml")
                    .arg(out.join("case.graphml"))
                    .arg("--csv")
                    .arg(out.join("gephi"));
                c
            },
        },
        Job {
            name: "leads",
            run: |case, out| {
                let mut c = bin_into(out);
                c.arg("leads").arg(case).arg("--out").arg(out);
                c
            },
        },
    ];
    for (seed, job) in jobs.iter().enumerate() {
        let (old, new) = if job.name == "export" {
            (snaps.path().join("tiny.cgs"), snaps.path().join("demo.cgs"))
        } else {
            (tiny.clone(), demo.clone())
        };
        check_kills(job, &old, &new, seed as u64);
    }
}

#[cfg(unix)]
#[test]
fn a_rewritten_file_keeps_its_permissions_and_a_new_one_follows_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("leads.csv");
    casegraph::atomic::write_atomically(&path, b"a\n").unwrap();
    // The umask of this process, as any new file gets it.
    let probe = tmp.path().join("probe");
    std::fs::File::create(&probe).unwrap();
    let umask_mode = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), umask_mode);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    casegraph::atomic::write_atomically(&path, b"b\n").unwrap();
    assert_eq!(mode(&path), 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
    casegraph::atomic::write_atomically(&path, b"c\n").unwrap();
    assert_eq!(mode(&path), 0o664);
    assert_eq!(std::fs::read(&path).unwrap(), b"c\n");
}

#[test]
fn a_failed_write_leaves_the_file_and_no_temp() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.csv");
    casegraph::atomic::write_atomically(&path, b"old\n").unwrap();
    let r = casegraph::atomic::write_atomically_with(&path, |f| {
        use std::io::Write;
        f.write_all(b"half")?;
        Err(std::io::Error::other("disk full"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}
