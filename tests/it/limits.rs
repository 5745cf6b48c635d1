//! Hostile case folders: rows and fields of absurd size, files that are not
//! text, symlink loops, things that are not files where files should be.
//! Each must end in a clear error or a rejected row, in bounded memory, and
//! never hang. The commands run as child processes with a deadline, so a
//! hang fails the test instead of stalling the suite, and their peak memory
//! is read from the kernel (`wait4`'s resource usage).

use crate::util;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CALLS_HEADER: &str = "caller,callee,start,duration_s\n";
const GOOD_ROW: &str = "13900000001,13900000002,2026-03-01 09:00:00,60\n";
const OTHER_ROW: &str = "13900000002,13900000003,2026-03-01 10:00:00,30\n";

/// What a finished command did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident set size in bytes.
    peak_rss: u64,
}

/// Run casegraph with `args`; fail the test if it takes over `deadline`.
fn casegraph(args: &[&std::ffi::OsStr], deadline: Duration) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    // Reaped by wait4 below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = util::casegraph_process()
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: plain FFI calls on a zeroed struct and our own child's pid.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(got >= 0, "wait4 failed");
        if got == pid {
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -libc::WTERMSIG(status)
            };
            return Run {
                code,
                stdout: std::fs::read_to_string(&out).unwrap(),
                stderr: std::fs::read_to_string(&err).unwrap(),
                peak_rss: usage.ru_maxrss as u64 * 1024,
            };
        }
        if started.elapsed() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let mut status = 0;
            unsafe { libc::waitpid(pid, &mut status, 0) };
            panic!("casegraph {args:?} still running after {deadline:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `casegraph ingest CASE` writing its snapshot and rejects into `work`.
fn ingest(case: &Path, work: &Path) -> Run {
    let snap = work.join("case.cgs");
    let rejects = work.join("rejects.csv");
    casegraph(
        &[
            os("ingest"),
            case.as_os_str(),
            os("--out"),
            snap.as_os_str(),
            os("--rejects"),
            rejects.as_os_str(),
            os("--format"),
            os("json"),
        ],
        Duration::from_secs(60),
    )
}

/// Rows of calls.csv kept, from `ingest --format json`.
fn kept_calls(run: &Run) -> u64 {
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    let calls = files.iter().find(|f| f["file"] == "calls.csv").unwrap();
    calls["kept"].as_u64().unwrap()
}

fn rejects_of(work: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(work.join("rejects.csv")).unwrap();
    r.records().map(Result::unwrap).collect()
}

fn case_with_calls(body: impl FnOnce(&mut std::fs::File)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut f = std::fs::File::create(dir.path().join("calls.csv")).unwrap();
    body(&mut f);
    dir
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[test]
fn a_line_of_64_mib_is_one_rejected_row_and_memory_stays_bounded() {
    // The bound does not depend on the line's length (the reader never holds
    // more than 1 MiB of a row), so 64 MiB shows it as well as 500 MB would.
    const LINE: usize = 64 << 20;
    let small = case_with_calls(|f| {
        write!(f, "{CALLS_HEADER}{GOOD_ROW}{OTHER_ROW}").unwrap();
    });
    let big = case_with_calls(|f| {
        write!(f, "{CALLS_HEADER}{GOOD_ROW}").unwrap();
        let chunk = vec![b'7'; 1 << 20];
        for _ in 0..LINE >> 20 {
            f.write_all(&chunk).unwrap();
        }
        write!(f, ",x,y,z\n{OTHER_ROW}").unwrap();
    });
    let work = tempfile::tempdir().unwrap();
    let base = ingest(small.path(), work.path());
    assert_eq!(base.code, 0, "{}", base.stderr);
    let run = ingest(big.path(), work.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rejects = rejects_of(work.path());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(&rejects[0][1], "3", "the long row is line 3");
    assert_eq!(
        &rejects[0][2],
        format!(
            "expected a row of at most 1048576 bytes, found {}",
            LINE + 3
        ),
        "its true size (fields without commas) is reported"
    );
    // file, line, reason, sheet, then the row's fields: the stand-in is one.
    assert!(rejects[0][4].len() <= 200, "only a preview of it is kept");
    // Both good rows are kept, the one after the long line too.
    assert_eq!(kept_calls(&run), 2);
    // The file is memory-mapped, so reading it makes its pages resident
    // (LINE bytes); anything the reader kept of the row would come on top
    // (the csv reader alone would grow a LINE-sized buffer, twice over).
    let extra = run.peak_rss.saturating_sub(base.peak_rss);
    eprintln!(
        "peak RSS: {} MiB for the 64 MiB line, {} MiB for the small case",
        run.peak_rss >> 20,
        base.peak_rss >> 20
    );
    assert!(
        extra < LINE as u64 + (24 << 20),
        "peak RSS {} MiB against {} MiB for the small case",
        run.peak_rss >> 20,
        base.peak_rss >> 20
    );
}

#[test]
fn an_unclosed_quote_swallows_the_rest_of_the_file_as_one_rejected_row() {
    let case = case_with_calls(|f| {
        write!(f, "{CALLS_HEADER}{GOOD_ROW}13900000001,\"13900000002").unwrap();
        for _ in 0..40_000 {
            f.write_all(OTHER_ROW.as_bytes()).unwrap();
        }
    });
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rejects = rejects_of(work.path());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(
        rejects[0][2].starts_with("expected a row of at most 1048576 bytes, found 18"),
        "{:?}",
        &rejects[0][2]
    );
    assert_eq!(kept_calls(&run), 1);
}

#[test]
fn a_row_of_a_million_columns_is_rejected_and_its_record_capped() {
    let case = case_with_calls(|f| {
        write!(f, "{CALLS_HEADER}{GOOD_ROW}").unwrap();
        f.write_all(&vec![b','; 999_999]).unwrap();
        write!(f, "\n{OTHER_ROW}").unwrap();
    });
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rejects = rejects_of(work.path());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(
        &rejects[0][2],
        "expected 4 fields as in the header, found 1000000"
    );
    // file, line, reason, sheet, then the row's fields, the last saying
    // how many more there were.
    assert_eq!(rejects[0].len(), 4 + 4096 + 1);
    assert_eq!(
        &rejects[0][rejects[0].len() - 1],
        "[995904 more fields not kept]",
        "the rejects file keeps the first 4096 fields"
    );
    assert_eq!(kept_calls(&run), 2);
}

#[test]
fn a_header_of_a_million_columns_is_not_a_case_file() {
    let case = case_with_calls(|f| {
        f.write_all(b"caller,callee,start").unwrap();
        for i in 0..1_000_000 {
            write!(f, ",c{i}").unwrap();
        }
        write!(f, "\n{GOOD_ROW}").unwrap();
    });
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    // Over 1 MiB of header: the size limit speaks first.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("calls.csv: expected a header row of at most 1048576 bytes"),
        "{}",
        run.stderr
    );
    // A header within 1 MiB but with 100 000 columns.
    let case = case_with_calls(|f| {
        f.write_all(b"caller,callee,start").unwrap();
        f.write_all(&vec![b','; 100_000]).unwrap();
        write!(f, "\n{GOOD_ROW}").unwrap();
    });
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("calls.csv: expected at most 4096 columns, found 100003 in the header"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_is_not_text_is_a_clear_error() {
    // Pseudo-random bytes (a fixed xorshift, no NULs, no line breaks for
    // 2 MiB): a photo or an archive saved as calls.csv.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..2 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match (x >> 24) as u8 {
                b'\n' | b'\r' | b'"' | 0 => b'?',
                b => b,
            }
        })
        .collect();
    let case = case_with_calls(|f| f.write_all(&bytes).unwrap());
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("calls.csv: expected a header row of at most 1048576 bytes"),
        "{}",
        run.stderr
    );
    // Binary rows under a good header are rejected one by one.
    let case = case_with_calls(|f| {
        write!(f, "{CALLS_HEADER}{GOOD_ROW}").unwrap();
        f.write_all(b"\x00\xff\xfe,\x89PNG\r\n").unwrap();
        f.write_all(b"\xc3\x28,\xa0\xa1,x,1\n").unwrap();
        write!(f, "{OTHER_ROW}").unwrap();
    });
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rejects = rejects_of(work.path());
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert_eq!(kept_calls(&run), 2);
}

#[test]
fn symlink_loops_are_errors_not_hangs() {
    use std::os::unix::fs::symlink;
    // calls.csv pointing at itself.
    let case = tempfile::tempdir().unwrap();
    symlink("calls.csv", case.path().join("calls.csv")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("calls.csv"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("symbolic links"),
        "{}",
        run.stderr
    );
    // Two files pointing at each other.
    let case = tempfile::tempdir().unwrap();
    std::fs::write(
        case.path().join("calls.csv"),
        format!("{CALLS_HEADER}{GOOD_ROW}"),
    )
    .unwrap();
    symlink("phones.csv", case.path().join("persons.csv")).unwrap();
    symlink("persons.csv", case.path().join("phones.csv")).unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("persons.csv"), "{}", run.stderr);
    // A folder holding a link to itself: only the contract's files are
    // read, so the loop is never followed.
    let case = tempfile::tempdir().unwrap();
    std::fs::write(
        case.path().join("calls.csv"),
        format!("{CALLS_HEADER}{GOOD_ROW}"),
    )
    .unwrap();
    symlink(".", case.path().join("again")).unwrap();
    symlink(case.path(), case.path().join("again_absolute")).unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The case path itself a loop.
    let tmp = tempfile::tempdir().unwrap();
    let looped = tmp.path().join("case");
    symlink(&looped, &looped).unwrap();
    let run = ingest(&looped, work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn things_that_are_not_files_where_files_should_be() {
    let work = tempfile::tempdir().unwrap();
    // calls.csv a folder.
    let case = tempfile::tempdir().unwrap();
    std::fs::create_dir(case.path().join("calls.csv")).unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("calls.csv: expected a CSV file, found a directory or special file"),
        "{}",
        run.stderr
    );
    // calls.csv a FIFO that nobody writes to: opening it would block.
    let case = tempfile::tempdir().unwrap();
    mkfifo(&case.path().join("calls.csv"));
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("calls.csv: expected a CSV file"),
        "{}",
        run.stderr
    );
    // persons.csv a device that never ends.
    let case = tempfile::tempdir().unwrap();
    std::fs::write(
        case.path().join("calls.csv"),
        format!("{CALLS_HEADER}{GOOD_ROW}"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", case.path().join("persons.csv")).unwrap();
    let run = ingest(case.path(), work.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("persons.csv: expected a CSV file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_case_path_that_is_a_fifo_or_a_device_is_an_error() {
    let work = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("case.cgs");
    mkfifo(&fifo);
    for case in [fifo, PathBuf::from("/dev/zero"), PathBuf::from("/dev/null")] {
        let run = ingest(&case, work.path());
        assert_eq!(run.code, 2, "{}: {}", case.display(), run.stderr);
        assert!(
            run.stderr.contains("expected a case folder"),
            "{}: {}",
            case.display(),
            run.stderr
        );
        // Commands that open a case (folder or snapshot) say the same.
        let run = casegraph(&[os("stats"), case.as_os_str()], Duration::from_secs(30));
        assert_eq!(run.code, 2, "{}: {}", case.display(), run.stderr);
    }
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let case = tempfile::tempdir().unwrap();
    std::fs::write(
        case.path().join("calls.csv"),
        format!("{CALLS_HEADER}{GOOD_ROW}"),
    )
    .unwrap();
    let persons = case.path().join("persons.csv");
    std::fs::write(&persons, "person_id,name\nP1,Li\n").unwrap();
    std::fs::set_permissions(&persons, std::fs::Permissions::from_mode(0o000)).unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = ingest(case.path(), work.path());
    // SAFETY: a plain FFI call.
    if unsafe { libc::geteuid() } == 0 {
        // Root reads a mode-000 file anyway; the case reads normally. The
        // not-a-file cases above are what root cannot read.
        assert_eq!(run.code, 0, "{}", run.stderr);
    } else {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("persons.csv"), "{}", run.stderr);
        assert!(run.stderr.contains("ermission denied"), "{}", run.stderr);
    }
}

#[test]
fn two_mib_of_blank_lines_before_a_row_do_not_make_it_too_long() {
    // Blank lines are skipped, not part of the row: the row after them is
    // read whole (through the slow path that re-reads a long stretch) and
    // keeps its true line number.
    let mut calls = format!("{CALLS_HEADER}{GOOD_ROW}").into_bytes();
    calls.extend(std::iter::repeat_n(b'\n', 2 << 20));
    calls.extend_from_slice(OTHER_ROW.as_bytes());
    calls.extend_from_slice(b"13900000009,x,2026-03-01 11:00:00,1\n");
    let g = casegraph::ingest::ingest_readers(
        "memory",
        [("calls.csv".to_string(), calls.as_slice())],
        &casegraph::ingest::IngestConfig::default(),
    )
    .unwrap();
    let calls = &g.report.files[3];
    assert_eq!((calls.kept, calls.rejected), (2, 1));
    let lines: Vec<u32> = g.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3 + (2 << 20)]);
    assert_eq!(g.report.rejects[0].position.line, 4 + (2 << 20));
}
