//! Determinism: the same case and configuration give byte-identical
//! outputs on one thread and on two, and from one run to the next. Each
//! run ingests the demo case (its calls.csv is read in parallel chunks),
//! exports the snapshot in every format, and runs the leads job; every file
//! written is compared byte for byte with the first run's. (The yEd
//! variant of GraphML differs from plain GraphML only by fixed markup, so
//! it is not run again here.)
//!
//! The one exception, by design: manifest.json of the leads job records
//! how long each stage took (`timings`), which no two runs share; it is
//! compared with `timings` removed. Everything else in it (inputs and
//! outputs with their SHA-256, counts, configuration) must match.

use crate::util;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

/// `casegraph ARGS` on `threads` rayon threads; panics unless it exits 0.
fn casegraph(threads: usize, args: &[&std::ffi::OsStr]) {
    let status = util::casegraph_process()
        .args(args)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "casegraph {args:?}: {status}");
}

/// Every output of one full run into `out`.
fn run_all(threads: usize, out: &Path, export: bool) -> BTreeMap<String, Vec<u8>> {
    let demo = util::root().join("fixtures/demo");
    let snap = out.join("demo.cgs");
    let o = |p: &Path| p.as_os_str().to_owned();
    let s = |t: &str| std::ffi::OsString::from(t);
    std::fs::create_dir_all(out).unwrap();
    casegraph(threads, &[&s("ingest"), &o(&demo), &s("-o"), &o(&snap)]);
    if export {
        casegraph(
            threads,
            &[
                &s("export"),
                &o(&snap),
                &s("--graphml"),
                &o(&out.join("demo.graphml")),
                &s("--gexf"),
                &o(&out.join("demo.gexf")),
                &s("--csv"),
                &o(&out.join("gephi")),
                &s("--neo4j"),
                &o(&out.join("neo4j")),
            ],
        );
    }
    casegraph(
        threads,
        &[&s("leads"), &o(&snap), &s("--out"), &o(&out.join("leads"))],
    );
    let mut files = BTreeMap::new();
    collect(out, out, &mut files);
    files
}

fn collect(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(base, &p, out);
            continue;
        }
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        let mut bytes = std::fs::read(&p).unwrap();
        // The case is this run's own snapshot: manifest.json and report.html
        // name its path, which holds the run's folder and differs by design
        // (its size and SHA-256 must not). The report's checksum in the
        // manifest is compared through the report itself.
        if rel.ends_with("report.html") {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text
                .replace(&base.display().to_string(), "OUT")
                .into_bytes();
        }
        if rel.ends_with("manifest.json") {
            let text = String::from_utf8(bytes).unwrap();
            let text = text.replace(&base.display().to_string(), "OUT");
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["output_sha256"]
                .as_object_mut()
                .unwrap()
                .remove("report.html");
            assert!(v.as_object_mut().unwrap().remove("timings").is_some());
            bytes = serde_json::to_vec_pretty(&v).unwrap();
        }
        out.insert(rel, bytes);
    }
}

#[test]
fn one_thread_two_threads_and_a_second_run_write_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let first = run_all(1, &tmp.path().join("t1"), true);
    assert!(first.len() >= 12, "{:?}", first.keys());
    // The second run on two threads skips the exports (single-threaded
    // writers of the snapshot, which is compared) to keep the test short.
    for (name, threads, export) in [("t2", 2, true), ("t2_again", 2, false)] {
        let other = run_all(threads, &tmp.path().join(name), export);
        if export {
            assert_eq!(
                first.keys().collect::<Vec<_>>(),
                other.keys().collect::<Vec<_>>(),
                "{name}: different files"
            );
        }
        let first = first.iter().filter(|(rel, _)| other.contains_key(*rel));
        assert!(first.clone().count() >= 8, "{name}: {:?}", other.keys());
        for (rel, bytes) in first {
            assert!(
                *bytes == other[rel],
                "{rel} differs between one thread and {name} ({threads} threads)"
            );
        }
    }
}
