//! report.html in a real browser: Debian's chromium, headless. The report
//! of fixtures/tiny — with one person record renamed to a script tag, to
//! prove names stay text — is opened twice: once to dump the DOM after the
//! page's script ran (it marks <body data-report-ready="yes">; an error
//! handler in <head> records any script error on the page), once to save a
//! screenshot (target/tmp/report_browser/tiny.png, for a look).
//!
//! Needs /usr/bin/chromium (or CASEGRAPH_CHROMIUM); without it the test
//! fails, unless CASEGRAPH_SKIP_BROWSER=1. CI installs `chromium` and
//! `fonts-noto-cjk`.

use crate::util;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    let p = std::env::var_os("CASEGRAPH_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    p.is_file().then_some(p)
}

/// Run headless chromium on `page` with `extra` arguments, with a fresh
/// profile and nothing fetched from the network; its stdout.
fn run_chromium(exe: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: could not start chromium: {e}", exe.display()));
    // Read both pipes on threads so a chatty stderr cannot block chromium.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 60 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_t.join().unwrap();
    let stderr = err_t.join().unwrap();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    stdout
}

#[test]
fn the_report_opens_in_chromium_without_script_errors() {
    let Some(exe) = chromium() else {
        if std::env::var("CASEGRAPH_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("report_browser: chromium not found; skipped (CASEGRAPH_SKIP_BROWSER=1)");
            return;
        }
        panic!(
            "report_browser: /usr/bin/chromium not found (install Debian's `chromium` and `fonts-noto-cjk`, \
             point CASEGRAPH_CHROMIUM at a chromium binary, or set CASEGRAPH_SKIP_BROWSER=1 to skip)"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    std::fs::create_dir_all(&case).unwrap();
    // The demo case: fixtures/tiny reports no gang since issue 15, and the
    // charts are what most needs a browser.
    let tiny = util::fixture("fixtures/demo");
    for f in [
        "calls.csv",
        "persons.csv",
        "phones.csv",
        "locations.csv",
        "incidents.csv",
    ] {
        std::fs::copy(tiny.join(f), case.join(f)).unwrap();
    }
    let persons = std::fs::read_to_string(case.join("persons.csv")).unwrap().replacen(
        "PI-001819,Feng Danjuan,",
        "PI-001819,\"<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"\"document.body.setAttribute('data-pwned','2')\"\">\",",
        1,
    );
    std::fs::write(case.join("persons.csv"), persons).unwrap();
    let out = dir.path().join("out");
    let o = util::casegraph()
        .arg("leads")
        .arg(&case)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = out.join("report.html");

    let dom = run_chromium(&exe, &page, &["--dump-dom".to_string()]);
    let body = dom
        .find("<body")
        .map(|i| &dom[i..dom[i..].find('>').map(|j| i + j + 1).unwrap_or(dom.len())])
        .unwrap_or_else(|| panic!("no <body> in the dumped DOM: {dom}"));
    assert!(
        body.contains("data-report-ready=\"yes\""),
        "the page's script did not finish: {body}"
    );
    assert!(
        !body.contains("data-script-errors"),
        "script errors: {body}"
    );
    assert!(!body.contains("data-pwned"), "a name ran as markup: {body}");
    // One chart per gang, one lead row per lead, one circle per gang phone.
    let gangs_csv = std::fs::read_to_string(out.join("gangs.csv")).unwrap();
    let mut gang_ids: Vec<&str> = gangs_csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    gang_ids.dedup();
    let gang_phones = gangs_csv.lines().filter(|l| l.contains(",phone,")).count();
    let n_leads = std::fs::read_to_string(out.join("leads.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(!gang_ids.is_empty());
    assert!(
        body.contains(&format!("data-charts=\"{}\"", gang_ids.len())),
        "{body}"
    );
    assert!(
        body.contains(&format!("data-lead-rows=\"{n_leads}\"")),
        "{body}"
    );
    // Parsed, not just written: the SVG elements and the tables are in the DOM.
    assert_eq!(dom.matches("<circle class=\"phone").count(), gang_phones);
    assert!(dom.contains("<table id=\"leads-table\""));
    assert!(dom.contains(&format!("{n_leads} of {n_leads} leads")));
    assert!(dom.contains("&lt;script&gt;document.body.setAttribute"));

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("tiny.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        &exe,
        &page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,2000".to_string(),
        ],
    );
    let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        bytes.len() > 20_000,
        "screenshot of {} bytes looks empty",
        bytes.len()
    );
    eprintln!("report_browser: screenshot in {}", png.display());
}
