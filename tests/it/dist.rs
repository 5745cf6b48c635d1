//! `casegraph dist`: the passes spread over processes give the
//! single-machine answers byte for byte whatever the number of processes;
//! a dead worker stops the run promptly and says which; a process without
//! the shared secret is refused.

use crate::util;
use casegraph::generate::{generate, GenerateConfig, Size};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SECRET: &str = "test-secret-0123456789abcdef";

/// A generated case of about a million call rows (`--size mid`), made once
/// per test run.
fn mid_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dist-mid-case");
        let _ = std::fs::remove_dir_all(&dir);
        generate(
            &GenerateConfig {
                seed: 7,
                size: Size::Mid,
            },
            &dir,
        )
        .unwrap();
        dir
    })
}

fn dist(case: &Path, out: &Path, extra: &[&str]) {
    util::casegraph()
        .arg("dist")
        .arg(case)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("CASEGRAPH_DIST_SECRET")
        .assert()
        .success();
}

/// A run on `procs` processes, without case folders, that keeps its state
/// in `state` for a later `--add`.
fn dist_keeping_state(case: &Path, out: &Path, procs: &str, state: &Path) {
    let state = state.to_str().unwrap();
    dist(
        case,
        out,
        &["--procs", procs, "--folders", "0", "--state", state],
    );
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// pagerank.csv as (phone, rank).
fn ranks(dir: &Path) -> Vec<(String, f64)> {
    read(dir, "pagerank.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let (p, r) = l.split_once(',').unwrap();
            (p.to_string(), r.parse().unwrap())
        })
        .collect()
}

/// The distributed run's files equal the single machine's: byte for byte,
/// PageRank (fixed point there, floating point here) within 1e-12.
fn assert_same_as_reference(reference: &Path, run: &Path) {
    for f in ["ledger.json", "pairs.csv", "hubs.csv", "components.csv"] {
        assert!(
            read(reference, f) == read(run, f),
            "{f} of {} differs from the single machine's",
            run.display()
        );
    }
    let (a, b) = (ranks(reference), ranks(run));
    assert_eq!(a.len(), b.len());
    for ((pa, ra), (pb, rb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!((ra - rb).abs() < 1e-12, "{pa}: {ra} vs {rb}");
    }
}

#[test]
fn one_two_and_four_processes_give_the_single_machine_outputs_byte_for_byte() {
    let case = mid_case();
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    dist(case, &reference, &["--reference"]);
    let ledger: serde_json::Value = serde_json::from_str(&read(&reference, "ledger.json")).unwrap();
    let n = |k: &str| ledger[k].as_u64().unwrap();
    assert!(n("rows_read") > 900_000, "{ledger}");
    assert!(n("rejected") > 0 && n("duplicates") > 0, "{ledger}");
    assert_eq!(n("rows_read"), n("kept") + n("rejected") + n("duplicates"));
    assert!(read(&reference, "hubs.csv").lines().count() > 1);
    let runs = [
        ("p1", vec!["--procs", "1"]),
        ("p2", vec!["--procs", "2", "--workers", "2"]),
        ("p4", vec!["--procs", "4"]),
    ];
    for (name, args) in &runs {
        let out = tmp.path().join(name);
        dist(case, &out, args);
        assert_same_as_reference(&reference, &out);
    }
    // The fixed-point ranks are the same bytes on every split.
    let p1 = read(&tmp.path().join("p1"), "pagerank.csv");
    for (name, _) in &runs[1..] {
        assert!(p1 == read(&tmp.path().join(name), "pagerank.csv"), "{name}");
    }
}

#[test]
fn cuts_inside_quoted_newlines_crlf_and_duplicates_read_as_ingest_reads_them() {
    // Every byte range boundary of seven workers lands somewhere in rows
    // with quoted newlines, CRLF endings, blank lines, bad rows and exact
    // duplicates of rows read by other workers.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("caller,callee,start,duration_s,kind,caller_location\r\n");
    for i in 0..300u32 {
        let a = 13_800_000_000u64 + (i % 17) as u64;
        let b = 13_900_000_000u64 + (i % 11) as u64;
        // Most of the file's bytes are inside quoted fields.
        let place = if i % 3 == 0 {
            format!("\"cell\n{i}, \"\"north\"\"\"")
        } else if i % 3 == 1 {
            format!("\"cell {i}\r\nby the \"\"old\"\" market,\nsecond floor\nback room\"")
        } else {
            format!("cell {i}")
        };
        csv.push_str(&format!(
            "{a},{b},2026-03-{:02} {:02}:10:00,{},voice,{place}\r\n",
            1 + i % 28,
            i % 24,
            i * 7
        ));
        if i % 29 == 0 {
            csv.push_str(&format!(
                "not a phone {i},1390000000,2026-03-01 10:00:00,5,voice,x\r\n\r\n"
            ));
        }
        if i % 31 == 0 {
            // An exact copy of row 0 (read by the first worker).
            csv.push_str(&format!(
                "13800000000,13900000000,2026-03-01 00:10:00,0,voice,{}\r\n",
                "\"cell\n0, \"\"north\"\"\""
            ));
        }
    }
    std::fs::write(dir.path().join("calls.csv"), csv).unwrap();
    let reference = dir.path().join("reference");
    dist(dir.path(), &reference, &["--reference"]);
    let ledger = read(&reference, "ledger.json");
    assert!(ledger.contains("\"duplicates\": 10"), "{ledger}");
    assert!(ledger.contains("\"rejected\": 11"), "{ledger}");
    for (name, args) in [
        ("w7", vec!["--procs", "1", "--workers", "7"]),
        ("w16", vec!["--procs", "1", "--workers", "16"]),
        ("p3", vec!["--procs", "3", "--workers", "2"]),
    ] {
        let out = dir.path().join(name);
        dist(dir.path(), &out, &args);
        assert_same_as_reference(&reference, &out);
    }
}

/// A started process whose stderr lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str], secret: Option<&str>) -> Running {
        let mut cmd = util::casegraph_process();
        cmd.args(args)
            .env_remove("CASEGRAPH_DIST_SECRET")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(s) = secret {
            cmd.env("CASEGRAPH_DIST_SECRET", s);
        }
        let mut child = cmd.spawn().unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                let _ = tx.send(l);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Wait for a stderr line containing `text`; the line.
    fn wait_for(&mut self, text: &str, within: Duration) -> String {
        let end = Instant::now() + within;
        while let Ok(l) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(l.clone());
            if l.contains(text) {
                return l;
            }
        }
        panic!(
            "no line with {text:?} within {within:?}; saw {:?}",
            self.seen
        );
    }

    /// Wait for the process to end (killing it after `within`); its exit
    /// code and all it wrote on stderr.
    fn finish(mut self, within: Duration) -> (Option<i32>, String, Duration) {
        let t0 = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t0.elapsed() > within {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("still running after {within:?}; said {:?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = t0.elapsed();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(l);
        }
        (status.code(), self.seen.join("\n"), took)
    }
}

fn kill(pid: u32) {
    // SAFETY: a plain kill(2) of a process this test started.
    let r = unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    assert_eq!(r, 0, "kill {pid}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The command line of process `i` of a cluster run from a hosts file.
fn cluster_args(case: &Path, out: &Path, hosts: &Path, i: usize, timeout_s: u32) -> Vec<String> {
    [
        "dist".to_string(),
        case.display().to_string(),
        "--out".to_string(),
        out.display().to_string(),
        "--process".to_string(),
        i.to_string(),
        "--hosts".to_string(),
        hosts.display().to_string(),
        "--connect-timeout".to_string(),
        timeout_s.to_string(),
    ]
    .to_vec()
}

fn hosts_file(dir: &Path, n: usize) -> PathBuf {
    let hosts: String = (0..n)
        .map(|_| format!("127.0.0.1:{}\n", free_port()))
        .collect();
    let path = dir.join("hosts.txt");
    std::fs::write(&path, hosts).unwrap();
    path
}

#[test]
fn a_killed_local_worker_stops_the_run_promptly_and_is_named() {
    let case = mid_case();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut run = Running::start(
        &[
            "dist",
            case.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--procs",
            "2",
        ],
        None,
    );
    let line = run.wait_for("process 1 started (pid ", Duration::from_secs(20));
    let pid: u32 = line
        .split("(pid ")
        .nth(1)
        .and_then(|s| s.trim_end_matches(')').parse().ok())
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    kill(pid);
    let (code, stderr, took) = run.finish(Duration::from_secs(20));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("process 1 was killed (SIGKILL); the other processes were stopped"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(!out.join("pagerank.csv").exists());
}

#[test]
fn a_peer_lost_mid_run_stops_the_others_promptly_and_is_named() {
    let case = mid_case();
    let tmp = tempfile::tempdir().unwrap();
    let hosts = hosts_file(tmp.path(), 2);
    let out = tmp.path().join("out");
    let a0 = cluster_args(case, &out, &hosts, 0, 30);
    let a1 = cluster_args(case, &out, &hosts, 1, 30);
    let mut p0 = Running::start(
        &a0.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        Some(SECRET),
    );
    let mut p1 = Running::start(
        &a1.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        Some(SECRET),
    );
    p0.wait_for(
        "connected to the other 1 processes",
        Duration::from_secs(30),
    );
    p1.wait_for(
        "connected to the other 1 processes",
        Duration::from_secs(30),
    );
    kill(p1.child.id());
    let (code, stderr, took) = p0.finish(Duration::from_secs(30));
    let _ = p1.finish(Duration::from_secs(5));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("process 1 was lost mid-run"), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(!out.join("pagerank.csv").exists());
}

#[test]
fn a_process_with_the_wrong_secret_is_refused_before_any_data_flows() {
    let tmp = tempfile::tempdir().unwrap();
    let hosts = hosts_file(tmp.path(), 2);
    let out = tmp.path().join("out");
    let wrong = tmp.path().join("wrong-secret");
    std::fs::write(&wrong, "another-secret-0123456789abcdef\n").unwrap();
    let case = util::fixture("fixtures/tiny");
    let a0 = cluster_args(&case, &out, &hosts, 0, 20);
    let mut a1 = cluster_args(&case, &out, &hosts, 1, 20);
    a1.extend(["--secret-file".to_string(), wrong.display().to_string()]);
    let p0 = Running::start(
        &a0.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        Some(SECRET),
    );
    let p1 = Running::start(&a1.iter().map(|s| s.as_str()).collect::<Vec<_>>(), None);
    let (c0, e0, t0) = p0.finish(Duration::from_secs(20));
    let (c1, e1, _) = p1.finish(Duration::from_secs(20));
    assert_eq!(c0, Some(2), "{e0}");
    assert_eq!(c1, Some(2), "{e1}");
    assert!(
        e0.contains("(claiming to be process 1) failed authentication"),
        "{e0}"
    );
    assert!(
        e1.contains("process 0 at 127.0.0.1:") && e1.contains("refused this process"),
        "{e1}"
    );
    assert!(t0 < Duration::from_secs(10), "took {t0:?}");
    assert!(!out.exists(), "nothing is written");
}

/// Every file under `dir` as (path relative to it, bytes), sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                files.push((p.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// The phone ids of `gangs.csv`-shaped rows (gang_id,node_kind,node_id,role,...)
/// by gang, keeping rows whose role `keep` accepts.
fn gang_phones(text: &str, keep: impl Fn(&str) -> bool) -> Vec<(String, Vec<String>)> {
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f[1] == "phone" && keep(f[3]) {
            by.entry(f[0].to_string())
                .or_default()
                .push(f[2].to_string());
        }
    }
    by.into_iter().collect()
}

#[test]
fn dist_folders_hold_a_planted_gangs_burners_and_leads_finds_the_gang_in_them() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    generate(
        &GenerateConfig {
            seed: 3,
            size: Size::Tiny,
        },
        &case,
    )
    .unwrap();
    let reference = tmp.path().join("reference");
    dist(&case, &reference, &["--reference", "--folders", "2"]);
    // A leftover of a killed run is cleared and an older result replaced.
    let p1 = tmp.path().join("p1");
    std::fs::create_dir_all(p1.join("folders/.folders.casegraph-tmp/rank-9")).unwrap();
    std::fs::create_dir_all(p1.join("folders/rank-7")).unwrap();
    std::fs::create_dir_all(p1.join(".folders.casegraph-tmp/rank-9")).unwrap();
    dist(&case, &p1, &["--procs", "1", "--folders", "2"]);
    let p2 = tmp.path().join("p2");
    dist(&case, &p2, &["--procs", "2", "--folders", "2"]);
    let folders = tree(&reference.join("folders"));
    assert!(folders == tree(&p1.join("folders")), "--procs 1 differs");
    assert!(folders == tree(&p2.join("folders")), "--procs 2 differs");
    assert!(!p1.join(".folders.casegraph-tmp").exists());

    let manifest: serde_json::Value =
        serde_json::from_str(&read(&p2.join("folders"), "manifest.json")).unwrap();
    let top = &manifest["folders"][0];
    assert_eq!(top["rank"], 1);
    assert_eq!(manifest["folders"].as_array().unwrap().len(), 2);
    // The tiny city is one component: the top group is cut, and says so.
    assert!(
        top["phones"].as_u64() < top["group_phones"].as_u64(),
        "{top}"
    );
    assert!(top["cut"]
        .as_str()
        .unwrap()
        .contains("strongest neighbours"));

    // The top folder holds every operator phone (burner) of a planted
    // gang, and its burner seeds are planted operators.
    let top_dir = p2.join("folders/rank-1");
    let calls = read(&top_dir, "calls.csv");
    let in_folder: std::collections::BTreeSet<&str> = calls
        .lines()
        .skip(1)
        .flat_map(|l| l.split(',').take(2))
        .collect();
    let planted = read(&case.join("truth"), "gangs.csv");
    let operators = gang_phones(&planted, |r| r == "operator");
    let local = |p: &str| p.trim_start_matches("+86").to_string();
    let held = operators
        .iter()
        .filter(|(_, phones)| phones.iter().all(|p| in_folder.contains(local(p).as_str())))
        .count();
    assert!(held >= 1, "no planted gang's operators all in rank-1");
    let all_operators: Vec<&String> = operators.iter().flat_map(|g| &g.1).collect();
    let burners: Vec<&str> = top["seeds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["burner"].is_string())
        .map(|s| s["phone"].as_str().unwrap())
        .collect();
    assert!(!burners.is_empty());
    let planted_burners = burners
        .iter()
        .filter(|b| all_operators.iter().any(|o| o == *b))
        .count();
    assert!(
        planted_burners * 2 > burners.len(),
        "{planted_burners} of {} burner seeds are planted operators",
        burners.len()
    );

    // `casegraph leads` runs on the folder as on any case and finds a gang
    // sharing phones with a planted one.
    let leads = tmp.path().join("leads");
    util::casegraph()
        .arg("leads")
        .arg(&top_dir)
        .arg("--out")
        .arg(&leads)
        .assert()
        .success();
    let found = gang_phones(&read(&leads, "gangs.csv"), |_| true);
    let planted_all = gang_phones(&planted, |_| true);
    assert!(
        found.iter().any(|(_, f)| planted_all.iter().any(|(_, p)| f
            .iter()
            .filter(|x| p.contains(x))
            .count()
            >= 2)),
        "no gang found in rank-1 shares two phones with a planted gang: {found:?}"
    );
}

// ---- Incremental batches: `--state DIR`, then `--add CALLS...` ----

/// The canonical outputs, compared byte for byte (PageRank, written by
/// an added batch only with `--pagerank`, too: the fixed-point ranks are
/// exact).
const CANONICAL: [&str; 5] = [
    "ledger.json",
    "pairs.csv",
    "hubs.csv",
    "components.csv",
    "pagerank.csv",
];

/// The incremental run's outputs are the full run's; pagerank.csv too
/// when `ranks`, else the incremental run has none.
fn assert_same_outputs(full: &Path, incremental: &Path, ranks: bool) {
    for f in &CANONICAL[..4] {
        assert!(
            read(full, f) == read(incremental, f),
            "{f} of the incremental run {} differs from the full run's {}:\n{}\n---\n{}",
            incremental.display(),
            full.display(),
            short(&read(incremental, f)),
            short(&read(full, f))
        );
    }
    if ranks {
        assert!(
            read(full, CANONICAL[4]) == read(incremental, CANONICAL[4]),
            "pagerank.csv of {} differs from the full run's",
            incremental.display()
        );
    } else {
        assert!(
            !incremental.join(CANONICAL[4]).exists(),
            "{} holds a pagerank.csv of an earlier run",
            incremental.display()
        );
    }
}

/// A file's text for a failure message, when short.
fn short(text: &str) -> &str {
    if text.len() < 4000 {
        text
    } else {
        "(long)"
    }
}

/// A copy of the files of folder `from` in `to` (a state, outputs).
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// `casegraph dist` with these arguments (no case, no secret from the
/// environment); returns (exit code, stderr).
fn dist_args(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = util::casegraph()
        .arg("dist")
        .args(args)
        .env_remove("CASEGRAPH_DIST_SECRET")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Add `files` to the state in `state`, writing the outputs to `out`.
fn add(state: &Path, out: &Path, files: &[&Path], extra: &[&str]) -> String {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--out".as_ref(),
        out.as_os_str(),
        "--folders".as_ref(),
        "0".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.push("--add".as_ref());
    args.extend(files.iter().map(|f| f.as_os_str()));
    let (code, stderr) = dist_args(&args);
    assert_eq!(code, Some(0), "{stderr}");
    stderr
}

/// A case folder holding only `calls` as its calls.csv.
fn calls_case(dir: &Path, calls: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("calls.csv"), calls).unwrap();
    dir.to_path_buf()
}

/// The inputs of a batch test, under `tmp`: the whole case (calls.csv:
/// `header`, `early`, `later`), the case of the early rows alone, and the
/// later rows as the call file `name` to add; `make` builds a case folder
/// around a calls.csv.
fn split_case(
    tmp: &Path,
    make: fn(&Path, &str) -> PathBuf,
    header: &str,
    early: &str,
    later: &str,
    name: &str,
) -> (PathBuf, PathBuf, PathBuf) {
    let whole = make(&tmp.join("whole"), &format!("{header}{early}{later}"));
    let first = make(&tmp.join("early"), &format!("{header}{early}"));
    let file = tmp.join(name);
    std::fs::write(&file, format!("{header}{later}")).unwrap();
    (whole, first, file)
}

/// A generated tiny case's calls.csv cut at the start of its last day (the
/// generator writes the days in order): (header, earlier days, last day).
/// Each caller generates into its own folder: tests run in parallel, and a
/// folder shared by two of them was removed under the other's feet (CI,
/// 2026-12-04).
fn tiny_calls_by_day() -> (String, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("case");
    generate(
        &GenerateConfig {
            seed: 11,
            size: Size::Tiny,
        },
        &dir,
    )
    .unwrap();
    let text = read(&dir, "calls.csv");
    assert!(!text.contains('"'), "the split below cuts at newlines");
    let mut lines = text.split_inclusive('\n');
    let header = lines.next().unwrap().to_string();
    let rows: Vec<&str> = lines.collect();
    let date = |l: &str| -> Option<String> {
        let d = l.split(',').nth(2)?.get(..10)?;
        (d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-').then(|| d.to_string())
    };
    let last_day = rows.iter().filter_map(|l| date(l)).max().unwrap();
    let cut = rows
        .iter()
        .position(|l| date(l).as_deref() == Some(last_day.as_str()))
        .unwrap();
    assert!(
        cut > rows.len() / 2 && cut < rows.len(),
        "cut {cut} of {}",
        rows.len()
    );
    (header, rows[..cut].concat(), rows[cut..].concat())
}

/// [`split_case`] of the generated tiny case at the start of its last
/// day ([`tiny_calls_by_day`]): (whole case, earlier days, last-day file).
fn by_last_day(tmp: &Path, make: fn(&Path, &str) -> PathBuf) -> (PathBuf, PathBuf, PathBuf) {
    let (header, earlier, last) = tiny_calls_by_day();
    split_case(tmp, make, &header, &earlier, &last, "last-day.csv")
}

#[test]
fn a_state_of_the_earlier_days_plus_the_last_day_gives_the_full_runs_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, early, day) = by_last_day(tmp.path(), calls_case);
    for (procs, workers, parts) in [("1", "1", 1), ("2", "1", 2), ("1", "2", 2)] {
        let name = format!("{procs}x{workers}");
        let shape = ["--procs", procs, "--workers", workers];
        let full = tmp.path().join(format!("full-{name}"));
        dist(&whole, &full, &[&shape[..], &["--folders", "0"]].concat());
        let state = tmp.path().join(format!("state-{name}"));
        let first = tmp.path().join(format!("first-{name}"));
        dist(
            &early,
            &first,
            &[
                &shape[..],
                &["--folders", "0", "--state", state.to_str().unwrap()],
            ]
            .concat(),
        );
        let found = std::fs::read_dir(&state).unwrap().count();
        assert_eq!(found, parts, "one part per worker");
        // The earlier days alone differ from the whole case.
        assert!(read(&first, "pairs.csv") != read(&full, "pairs.csv"));
        let copy = tmp.path().join(format!("state-copy-{name}"));
        copy_files(&state, &copy);
        // Into the first run's outputs: updated from the changed rows,
        // PageRank computed again on request.
        let said = add(
            &state,
            &first,
            &[&day],
            &[&shape[..], &["--pagerank"]].concat(),
        );
        assert!(said.contains("state generation 2"), "{said}");
        assert!(said.contains("updated from their changed rows"), "{said}");
        assert_same_outputs(&full, &first, true);
        // Into another folder: written whole; no PageRank unless asked.
        let out = tmp.path().join(format!("incr-{name}"));
        let said = add(&copy, &out, &[&day], &shape);
        assert!(said.contains("written whole"), "{said}");
        assert!(said.contains("no pagerank.csv"), "{said}");
        assert_same_outputs(&full, &out, false);
    }
    // The added batch's outputs do not depend on the split either.
    for f in CANONICAL {
        for other in ["first-2x1", "first-1x2"] {
            assert!(read(&tmp.path().join("first-1x1"), f) == read(&tmp.path().join(other), f));
        }
    }
}

/// A generated tiny case (seed 11, every file) in `dir`, its calls.csv
/// replaced by `calls`.
fn tiny_case_with_calls(dir: &Path, calls: &str) -> PathBuf {
    generate(
        &GenerateConfig {
            seed: 11,
            size: Size::Tiny,
        },
        dir,
    )
    .unwrap();
    std::fs::write(dir.join("calls.csv"), calls).unwrap();
    dir.to_path_buf()
}

#[test]
fn folders_written_on_an_added_batch_are_the_full_runs_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, early, day) = by_last_day(tmp.path(), tiny_case_with_calls);
    for procs in ["1", "2"] {
        let full = tmp.path().join(format!("full-{procs}"));
        dist(&whole, &full, &["--procs", procs, "--folders", "3"]);
        let full_folders = tree(&full.join("folders"));
        assert!(
            full_folders.iter().any(|(p, _)| p.ends_with("calls.csv")),
            "the full run writes folders"
        );
        let state = tmp.path().join(format!("state-{procs}"));
        dist_keeping_state(
            &early,
            &tmp.path().join(format!("first-{procs}")),
            procs,
            &state,
        );
        // Without --folders an added batch writes none, as before.
        let copy = tmp.path().join(format!("state-copy-{procs}"));
        copy_files(&state, &copy);
        let plain = tmp.path().join(format!("plain-{procs}"));
        add(&copy, &plain, &[&day], &["--procs", procs]);
        assert!(!plain.join("folders").exists());
        // With it, the folders of the whole case, rows of both files.
        let out = tmp.path().join(format!("incr-{procs}"));
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--out".as_ref(),
            out.as_os_str(),
            "--procs".as_ref(),
            procs.as_ref(),
            "--folders".as_ref(),
            "3".as_ref(),
            "--state".as_ref(),
            state.as_os_str(),
            "--add".as_ref(),
            day.as_os_str(),
        ];
        let (code, stderr) = dist_args(&args);
        assert_eq!(code, Some(0), "{stderr}");
        let incr_folders = tree(&out.join("folders"));
        assert_eq!(
            incr_folders.iter().map(|f| &f.0).collect::<Vec<_>>(),
            full_folders.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for (a, b) in incr_folders.iter().zip(&full_folders) {
            assert!(a.1 == b.1, "{} differs from the full run's", a.0.display());
        }
        assert_same_outputs(&full, &out, false);
        // A counted call file that changed since is refused, naming it:
        // the folders would copy other rows than the state counted.
        let again = tmp.path().join(format!("again-{procs}.csv"));
        std::fs::copy(&day, &again).unwrap();
        let counted = early.join("calls.csv");
        let kept = std::fs::read(&counted).unwrap();
        std::fs::copy(whole.join("calls.csv"), &counted).unwrap();
        args[1] = tmp
            .path()
            .join(format!("refused-{procs}"))
            .into_os_string()
            .leak();
        args[9] = again.as_os_str();
        let (code, stderr) = dist_args(&args);
        assert_eq!(code, Some(2), "{stderr}");
        // Named in the file of worker 0's state that records the call
        // files: its whole part, or its last delta.
        assert!(stderr.contains("part-00000."), "{stderr}");
        // Checked before any process starts: one message, no process
        // stopped mid-run.
        assert!(!stderr.contains("[process"), "{stderr}");
        assert!(stderr.contains("when the state counted it"), "{stderr}");
        assert!(
            stderr.contains(&*counted.canonicalize().unwrap().to_string_lossy()),
            "{stderr}"
        );
        std::fs::write(&counted, kept).unwrap();
    }
}

#[test]
fn an_added_batch_inside_the_cases_span_judges_only_the_touched_phones_and_equals_a_full_run() {
    // Every 40th row of the tiny case held back and added later: the
    // case's first and last rows stay in the first batch, so its days
    // (and here its median contacts) do not change.
    let (header, earlier, last) = tiny_calls_by_day();
    let rows: Vec<&str> = earlier
        .split_inclusive('\n')
        .chain(last.split_inclusive('\n'))
        .collect();
    let (mut kept, mut held) = (String::new(), String::new());
    for (i, r) in rows.iter().enumerate() {
        if i % 40 == 20 && i + 1 < rows.len() {
            held.push_str(r);
        } else {
            kept.push_str(r);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let whole = calls_case(
        &tmp.path().join("whole"),
        &format!("{header}{}", rows.concat()),
    );
    let early = calls_case(&tmp.path().join("early"), &format!("{header}{kept}"));
    let batch = tmp.path().join("held.csv");
    std::fs::write(&batch, format!("{header}{held}")).unwrap();
    for procs in ["1", "2"] {
        let full = tmp.path().join(format!("full-{procs}"));
        dist(&whole, &full, &["--procs", procs, "--folders", "3"]);
        let state = tmp.path().join(format!("state-{procs}"));
        let out = tmp.path().join(format!("out-{procs}"));
        dist_keeping_state(&early, &out, procs, &state);
        let copy = tmp.path().join(format!("state-copy-{procs}"));
        copy_files(&state, &copy);
        let said = add(&state, &out, &[&batch], &["--procs", procs]);
        assert!(
            said.contains("judged the stored hubs and the touched phones only"),
            "{said}"
        );
        assert!(said.contains("updated from their changed rows"), "{said}");
        assert_same_outputs(&full, &out, false);
        // Folders from the components the batch was unioned into: the
        // full run's, the held-back rows copied after calls.csv's (so the
        // calls are the same rows in another order).
        let with_folders = tmp.path().join(format!("folders-{procs}"));
        let (code, said) = dist_args(&[
            "--out".as_ref(),
            with_folders.as_os_str(),
            "--procs".as_ref(),
            procs.as_ref(),
            "--folders".as_ref(),
            "3".as_ref(),
            "--state".as_ref(),
            copy.as_os_str(),
            "--add".as_ref(),
            batch.as_os_str(),
        ]);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("the hubs are unchanged"), "{said}");
        let (a, b) = (
            tree(&full.join("folders")),
            tree(&with_folders.join("folders")),
        );
        assert!(a.iter().any(|(p, _)| p.ends_with("calls.csv")));
        assert_eq!(
            a.iter().map(|f| &f.0).collect::<Vec<_>>(),
            b.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        let sorted_lines = |b: &[u8]| {
            let mut l: Vec<String> = String::from_utf8_lossy(b)
                .lines()
                .map(String::from)
                .collect();
            l.sort();
            l
        };
        for ((path, full_bytes), (_, bytes)) in a.iter().zip(&b) {
            if path.ends_with("calls.csv") {
                assert!(
                    sorted_lines(full_bytes) == sorted_lines(bytes),
                    "{} differs",
                    path.display()
                );
            } else {
                assert!(full_bytes == bytes, "{} differs", path.display());
            }
        }
    }
}

/// A hand-made case: ten rings of five phones (two contacts each) over
/// days 1–20, joined by a number that calls one phone of each ring; on day
/// 22 that number calls 45 new numbers once each, which makes it a service
/// number (55 contacts, none two-way, active 21 days): the rings fall
/// apart.
fn hub_case_rows() -> (String, String, String) {
    let header = "caller,callee,start,duration_s,kind\n".to_string();
    let mut early = String::new();
    let ring = |g: u64, k: u64| 13_800_000_000 + g * 10 + k;
    for g in 0..10u64 {
        for k in 0..5u64 {
            let day = 1 + (g + k) % 20;
            early.push_str(&format!(
                "{},{},2026-03-{day:02} 10:{:02}:00,60,voice\n",
                ring(g, k),
                ring(g, (k + 1) % 5),
                k * 7
            ));
        }
        early.push_str(&format!(
            "13999999999,{},2026-03-{:02} 09:00:00,30,voice\n",
            ring(g, 0),
            1 + 2 * g
        ));
    }
    let mut day22 = String::new();
    for j in 0..45u64 {
        day22.push_str(&format!(
            "13999999999,{},2026-03-22 {:02}:{:02}:00,30,voice\n",
            13_700_000_000 + j,
            8 + j / 10,
            j % 60
        ));
    }
    // One ring gets a new link that day, too.
    day22.push_str(&format!(
        "{},{},2026-03-22 20:00:00,45,voice\n",
        ring(0, 0),
        ring(1, 0)
    ));
    (header, early, day22)
}

#[test]
fn an_added_day_that_makes_a_new_hub_recomputes_the_components_as_a_full_run_does() {
    let (header, early, day22) = hub_case_rows();
    let tmp = tempfile::tempdir().unwrap();
    let (whole, first, day) =
        split_case(tmp.path(), calls_case, &header, &early, &day22, "day22.csv");
    for procs in ["1", "2"] {
        let full = tmp.path().join(format!("full-{procs}"));
        dist(&whole, &full, &["--procs", procs, "--folders", "0"]);
        assert!(read(&full, "hubs.csv").contains("+8613999999999"));
        let state = tmp.path().join(format!("state-{procs}"));
        let before = tmp.path().join(format!("before-{procs}"));
        dist_keeping_state(&first, &before, procs, &state);
        // Before day 22 the number is no hub and holds the rings together.
        assert_eq!(read(&before, "hubs.csv").lines().count(), 1);
        let c = read(&before, "components.csv");
        let labels: std::collections::BTreeSet<&str> = c
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(labels.len(), 1, "one component before day 22");
        // Into the earlier outputs (pairs.csv updated from its changed
        // rows, components.csv written whole).
        let out = before;
        let said = add(&state, &out, &[&day], &["--procs", procs, "--pagerank"]);
        assert!(
            said.contains("the hubs changed (0 before, 1 now)"),
            "{said}"
        );
        assert!(said.contains("updated from their changed rows"), "{said}");
        assert_same_outputs(&full, &out, true);
        // Nine components after: rings 0 and 1 joined on day 22.
        let c = read(&out, "components.csv");
        let labels: std::collections::BTreeSet<&str> = c
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(labels.len(), 9, "{c}");
    }
}

#[test]
fn an_added_batch_that_repeats_old_rows_counts_them_as_duplicates_as_a_full_run_does() {
    let (header, early, day22) = hub_case_rows();
    let tmp = tempfile::tempdir().unwrap();
    let early_rows: Vec<&str> = early.split_inclusive('\n').collect();
    // Day 23: two rows of day 1–20 again, one of day 22, a new row twice,
    // and a bad row that was not read before.
    let new_row = "13800000003,13800000044,2026-03-23 11:00:00,12,voice\n";
    let day23 = format!(
        "{}{}{}{new_row}{new_row}13800000003,not-a-number,2026-03-23 12:00:00,5,voice\n",
        early_rows[3],
        early_rows[17],
        day22.lines().next().unwrap().to_string() + "\n",
    );
    let whole = calls_case(
        &tmp.path().join("whole"),
        &format!("{header}{early}{day22}{day23}"),
    );
    let first = calls_case(&tmp.path().join("early"), &format!("{header}{early}"));
    let (d22, d23) = (tmp.path().join("day22.csv"), tmp.path().join("day23.csv"));
    std::fs::write(&d22, format!("{header}{day22}")).unwrap();
    std::fs::write(&d23, format!("{header}{day23}")).unwrap();
    let full = tmp.path().join("full");
    dist(&whole, &full, &["--procs", "2", "--folders", "0"]);
    let ledger: serde_json::Value = serde_json::from_str(&read(&full, "ledger.json")).unwrap();
    assert_eq!(ledger["duplicates"], 4, "{ledger}");
    assert_eq!(ledger["rejected"], 1, "{ledger}");
    let state = tmp.path().join("state");
    dist(
        &first,
        &tmp.path().join("first"),
        &[
            "--procs",
            "2",
            "--folders",
            "0",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    // Two nights, one at a time, each updating the last night's outputs:
    // the repeats of day 23 are duplicates of rows stored two generations
    // back.
    let out = tmp.path().join("first");
    add(&state, &out, &[&d22], &["--procs", "2"]);
    let said = add(&state, &out, &[&d23], &["--procs", "2", "--pagerank"]);
    assert!(said.contains("state generation 3"), "{said}");
    assert!(said.contains("the hubs are unchanged"), "{said}");
    assert!(said.contains("updated from their changed rows"), "{said}");
    assert_same_outputs(&full, &out, true);
    // Both days in one batch give the same, too.
    let state2 = tmp.path().join("state2");
    dist(
        &first,
        &tmp.path().join("first2"),
        &[
            "--procs",
            "1",
            "--folders",
            "0",
            "--state",
            state2.to_str().unwrap(),
        ],
    );
    let out2 = tmp.path().join("both");
    add(&state2, &out2, &[&d22, &d23], &["--procs", "1"]);
    assert_same_outputs(&full, &out2, false);
}

#[test]
fn a_damaged_truncated_or_mismatched_state_is_refused_naming_the_file() {
    let (header, early, day22) = hub_case_rows();
    let tmp = tempfile::tempdir().unwrap();
    let first = calls_case(&tmp.path().join("early"), &format!("{header}{early}"));
    let day = tmp.path().join("day22.csv");
    std::fs::write(&day, format!("{header}{day22}")).unwrap();
    let state = tmp.path().join("state");
    dist(
        &first,
        &tmp.path().join("first"),
        &[
            "--procs",
            "1",
            "--folders",
            "0",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    let part = state.join("part-00000.cgstate");
    let good = std::fs::read(&part).unwrap();
    let refused = |what: &str, extra: &[&str], expect: &[&str]| {
        let out = tmp.path().join(what);
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "--out".as_ref(),
            out.as_os_str(),
            "--state".as_ref(),
            state.as_os_str(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        args.push("--add".as_ref());
        args.push(day.as_os_str());
        let (code, stderr) = dist_args(&args);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        for e in expect {
            assert!(stderr.contains(e), "{what}: expected {e:?} in {stderr}");
        }
        assert!(!out.join("pairs.csv").exists(), "{what}: wrote outputs");
    };
    // A flipped byte in the stored links.
    let mut damaged = good.clone();
    let at = good.len() - 100;
    damaged[at] ^= 1;
    std::fs::write(&part, &damaged).unwrap();
    refused(
        "damaged",
        &["--procs", "1"],
        &["part-00000.cgstate", "checksum"],
    );
    // Cut short.
    std::fs::write(&part, &good[..good.len() / 2]).unwrap();
    refused(
        "truncated",
        &["--procs", "1"],
        &["part-00000.cgstate", "truncated"],
    );
    // Sound, but made by one process: two processes partition otherwise.
    std::fs::write(&part, &good).unwrap();
    refused(
        "two processes",
        &["--procs", "2"],
        &[
            "part-00000.cgstate",
            "made by a run of 1 processes of 1 workers",
            "this run has 2 processes",
        ],
    );
    refused(
        "two workers",
        &["--procs", "1", "--workers", "2"],
        &[
            "made by a run of 1 processes of 1 workers",
            "this run has 1 processes of 2 workers",
        ],
    );
    // Other reading options.
    refused(
        "other clock",
        &["--procs", "1", "--utc-offset", "+02:00"],
        &["part-00000.cgstate", "other settings"],
    );
    // The state is untouched by the refusals: adding to it still works.
    add(&state, &tmp.path().join("ok"), &[&day], &["--procs", "1"]);
    // Parts of two runs in one folder (one written, one not, say).
    let (a, b) = (tmp.path().join("state-a"), tmp.path().join("state-b"));
    for s in [&a, &b] {
        dist(
            &first,
            &tmp.path().join("out-ab"),
            &[
                "--procs",
                "2",
                "--folders",
                "0",
                "--state",
                s.to_str().unwrap(),
            ],
        );
    }
    add(&b, &tmp.path().join("out-b"), &[&day], &["--procs", "2"]);
    std::fs::copy(b.join("part-00001.cgstate"), a.join("part-00001.cgstate")).unwrap();
    let out = tmp.path().join("mixed");
    let (code, stderr) = dist_args(&[
        "--out".as_ref(),
        out.as_os_str(),
        "--procs".as_ref(),
        "2".as_ref(),
        "--state".as_ref(),
        a.as_os_str(),
        "--add".as_ref(),
        day.as_os_str(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("expected every part from one run"),
        "{stderr}"
    );
}

/// A company's own lines are no seed of a case folder, as they are no
/// burner in `leads` (found on the own generator's medium 404 by `leads`;
/// `dist --folders` judged its seeds without the registrations' names).
#[test]
fn dist_folders_take_no_companys_line_for_a_burner() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    std::fs::create_dir_all(&case).unwrap();
    let (gang, company) = crate::leads::two_burner_groups(&case, ["DEN-1", "OFFICE-2"]);
    let seeds = |subscriber: &str, out: &str| -> Vec<String> {
        let mut rows = String::from("number,subscriber_name,subscriber_id_number,activated\n");
        for sim in &gang {
            rows.push_str(&format!("{sim},张三,440106198001011234,2026-03-01\n"));
        }
        for sim in &company {
            rows.push_str(&format!("{sim},{subscriber},2026-03-01\n"));
        }
        std::fs::write(case.join("phones.csv"), rows).unwrap();
        let out = tmp.path().join(out);
        dist(&case, &out, &["--procs", "1", "--folders", "2"]);
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&out.join("folders"), "manifest.json")).unwrap();
        let mut seeds: Vec<String> = manifest["folders"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["seeds"].as_array().unwrap().iter())
            .map(|s| s["phone"].as_str().unwrap().to_string())
            .collect();
        seeds.sort();
        seeds
    };
    let canonical =
        |sims: &[String]| -> Vec<String> { sims.iter().map(|s| format!("+86{s}")).collect() };
    // In people's names both groups are burner-like seeds.
    let all: Vec<String> = canonical(&gang)
        .into_iter()
        .chain(canonical(&company))
        .collect();
    assert_eq!(seeds("李四,440106198001011234", "people"), all);
    // Under a company's name or its credit code only: the gang's alone.
    for (subscriber, out) in [
        ("深圳市优选家居营销有限公司,", "by-name"),
        (",91440111R4HEH8W1CR", "by-code"),
    ] {
        assert_eq!(seeds(subscriber, out), canonical(&gang), "{subscriber}");
    }
}

#[test]
fn nights_saved_as_deltas_then_a_whole_part_again_each_give_the_full_runs_outputs() {
    // The tiny case's rows cut into a first batch and four nights of
    // growing size: the small nights are saved as deltas over the whole
    // parts, a large one outgrows half of them and writes them whole.
    let (header, earlier, last) = tiny_calls_by_day();
    let rows: Vec<&str> = earlier
        .split_inclusive('\n')
        .chain(last.split_inclusive('\n'))
        .collect();
    let n = rows.len();
    let cuts = [n * 60 / 100, n * 62 / 100, n * 64 / 100, n * 90 / 100, n];
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let out = tmp.path().join("out");
    let first = calls_case(
        &tmp.path().join("first"),
        &format!("{header}{}", rows[..cuts[0]].concat()),
    );
    dist_keeping_state(&first, &out, "2", &state);
    let mut saved = Vec::new();
    for (night, w) in cuts.windows(2).enumerate() {
        let file = tmp.path().join(format!("night-{night}.csv"));
        std::fs::write(&file, format!("{header}{}", rows[w[0]..w[1]].concat())).unwrap();
        let said = add(&state, &out, &[&file], &["--procs", "2"]);
        let how = if said.contains("part saved a delta") {
            "delta"
        } else {
            "whole"
        };
        saved.push(how);
        let generation = night as u64 + 2;
        assert!(
            said.contains(&format!("state generation {generation}")),
            "{said}"
        );
        // The outputs are a full run's over every row so far.
        let so_far = calls_case(
            &tmp.path().join(format!("so-far-{night}")),
            &format!("{header}{}", rows[..w[1]].concat()),
        );
        let full = tmp.path().join(format!("full-{night}"));
        dist(&so_far, &full, &["--procs", "2", "--folders", "0"]);
        assert_same_outputs(&full, &out, false);
        // Deltas are there only while their whole part is older.
        let deltas: Vec<String> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".cgdelta"))
            .collect();
        match how {
            "delta" => assert!(
                deltas
                    .iter()
                    .any(|f| f.ends_with(&format!("{generation:010}.cgdelta"))),
                "{deltas:?}"
            ),
            _ => assert!(deltas.is_empty(), "{deltas:?}"),
        }
    }
    assert_eq!(saved[0], "delta", "{saved:?}");
    assert!(saved.contains(&"whole"), "{saved:?}");
}
