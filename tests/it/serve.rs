//! `casegraph serve` at the HTTP level: the real binary started on
//! 127.0.0.1 with port 0 (the address read from its first line), on a
//! snapshot of fixtures/demo and that case's leads folder, and every
//! endpoint called over TCP, bad input and the token and host rules
//! included. After each refusal the server must still answer.

use crate::util;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;

/// The G1 boss's phone of the README tour, and the same number spelled
/// another way.
const BOSS: &str = "phone:+8618641553094";
const BOSS_SPELLED: &str = "186 4155 3094";

/// A snapshot of fixtures/demo and its `leads` output folder, made once
/// per test run under target/tmp/serve.
pub fn demo() -> &'static (PathBuf, PathBuf) {
    static DEMO: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let parent = util::root().join("target/tmp/serve");
        // Folders of earlier runs whose process is gone.
        for e in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.parse::<u32>().is_ok() && !Path::new("/proc").join(&name).exists() {
                std::fs::remove_dir_all(e.path()).ok();
            }
        }
        let dir = parent.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let snapshot = dir.join("demo.cgs");
        let leads = dir.join("leads");
        let demo = util::fixture("fixtures/demo");
        let ok = util::casegraph_process()
            .arg("ingest")
            .arg(&demo)
            .arg("-o")
            .arg(&snapshot)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "ingest fixtures/demo");
        let ok = util::casegraph_process()
            .arg("leads")
            .arg(&snapshot)
            .arg("--out")
            .arg(&leads)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "leads on the demo snapshot");
        (snapshot, leads)
    })
}

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    /// `casegraph serve CASE --port 0 EXTRA…`, ready when it printed its
    /// address.
    pub fn start(case: &Path, extra: &[&str]) -> Server {
        let mut child = util::casegraph_process()
            .arg("serve")
            .arg(case)
            .args(["--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.find("http://").and_then(|at| {
            let host = line[at + "http://".len()..].split('/').next()?;
            Some((host.to_string(), host.rsplit(':').next()?.parse().ok()?))
        });
        let Some((host, port)) = address else {
            // Stop it before failing, so no server outlives the test.
            child.kill().ok();
            child.wait().ok();
            panic!("expected the address on the first line, found {line:?}");
        };
        Server {
            child,
            base: format!("http://{host}"),
            port,
        }
    }

    /// The demo snapshot with its leads, notes in `notes`.
    pub fn demo(notes: &Path) -> Server {
        let (snapshot, leads) = demo();
        Server::start(
            snapshot,
            &[
                "--leads",
                leads.to_str().unwrap(),
                "--notes",
                notes.to_str().unwrap(),
                "--analyst",
                "li.wei",
            ],
        )
    }

    pub fn get(&self, path_and_query: &str) -> (u16, Value) {
        answer(ureq::get(&format!("{}{path_and_query}", self.base)).call())
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(ureq::post(&format!("{}{path}", self.base)).send_json(body.clone()))
    }

    /// One raw HTTP/1.1 request; the status and the whole answer.
    pub fn raw(&self, request: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).ok();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// Still answering.
    pub fn alive(&self) {
        let (status, v) = self.get("/api/case");
        assert_eq!(status, 200, "{v}");
    }
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let res = match r {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = res.status();
    let text = res.into_string().unwrap();
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("expected JSON, found {e}: {text:.300}"));
    (status, v)
}

fn q(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_finds_a_number_by_another_spelling_and_suggests_close_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let (status, v) = s.get(&format!("/api/search?q={}", q(BOSS_SPELLED)));
    assert_eq!(status, 200, "{v}");
    assert_eq!(ids(&v["matches"]), [BOSS]);
    // A beginning of the number lists the numbers that start with it.
    let (_, v) = s.get("/api/search?q=1864155");
    assert!(ids(&v["starting_with"]).contains(&BOSS.to_string()), "{v}");
    // A name that is several person records lists them all to choose from.
    let (_, v) = s.get(&format!("/api/search?q={}", q("HUANG Junning")));
    let found = ids(&v["matches"]);
    assert!(found.len() >= 2, "{v}");
    assert!(found.iter().all(|i| i.starts_with("person:")), "{v}");
    // A typo gets suggestions, never an error.
    let (status, v) = s.get("/api/search?q=PI-00206");
    assert_eq!(status, 200);
    assert!(
        !v["suggestions"].as_array().unwrap().is_empty()
            || !v["starting_with"].as_array().unwrap().is_empty(),
        "{v}"
    );
}

#[test]
fn expand_pages_heaviest_first_by_link_kind_and_window() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let (status, all) = s.get(&format!("/api/expand?id={}&kind=call&limit=500", q(BOSS)));
    assert_eq!(status, 200, "{all}");
    let total = all["total"].as_u64().unwrap() as usize;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), total);
    assert!(total >= 3, "{all}");
    assert!(items.iter().all(|i| i["link"]["kind"] == "call"));
    let strengths: Vec<u64> = items
        .iter()
        .map(|i| i["link"]["strength"].as_u64().unwrap())
        .collect();
    assert!(strengths.windows(2).all(|w| w[0] >= w[1]), "{strengths:?}");
    // Pages of 2 give the same rows in the same order.
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let (_, page) = s.get(&format!(
            "/api/expand?id={}&kind=call&limit=2&offset={offset}",
            q(BOSS)
        ));
        let rows = page["items"].as_array().unwrap();
        paged.extend(rows.iter().map(|r| r["node"]["id"].clone()));
        offset += rows.len();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    let whole: Vec<Value> = items.iter().map(|r| r["node"]["id"].clone()).collect();
    assert_eq!(paged, whole);
    // A window keeps only the calls in it, counted in it.
    let (_, w) = s.get(&format!(
        "/api/expand?id={}&kind=call&from=2026-02-01&to=2026-02-07&limit=500",
        q(BOSS)
    ));
    assert!(w["total"].as_u64().unwrap() as usize <= total);
    for i in w["items"].as_array().unwrap() {
        let first = i["link"]["first"].as_str().unwrap();
        let last = i["link"]["last"].as_str().unwrap();
        assert!(
            first >= "2026-02-01" && last <= "2026-02-07 23:59:59",
            "{i}"
        );
    }
    // Other link kinds are counted, and reachable.
    let (_, any) = s.get(&format!("/api/expand?id={}&kind=all&limit=500", q(BOSS)));
    assert!(any["by_kind"]["call"].as_u64().unwrap() as usize == total);
    assert!(any["total"].as_u64().unwrap() as usize > total, "{any}");
}

#[test]
fn node_evidence_path_and_timeline_name_their_source_rows() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let (status, node) = s.get(&format!("/api/node?id={}", q(BOSS_SPELLED)));
    assert_eq!(status, 200, "{node}");
    assert_eq!(node["node"]["id"], BOSS);
    assert!(node["links"]["call"].as_u64().unwrap() > 0);
    let (_, ev) = s.get(&format!("/api/evidence?id={}", q(BOSS)));
    let rows: Vec<&str> = ev["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rows.iter().any(|r| r.starts_with("calls.csv:")), "{ev}");
    // The evidence of one link: its calls.csv lines, as many as its events.
    let (_, top) = s.get(&format!("/api/expand?id={}&kind=call&limit=1", q(BOSS)));
    let link = &top["items"][0]["link"];
    let (status, ev) = s.get(&format!(
        "/api/evidence?a={}&b={}&kind=call",
        q(BOSS),
        q(link["target"].as_str().unwrap())
    ));
    assert_eq!(status, 200, "{ev}");
    let events = link["calls"].as_u64().unwrap() + link["texts"].as_u64().unwrap();
    let counted: u64 = ev["link"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, events, "{ev}");
    // A path between the boss and the far end of his strongest contact's
    // strongest contact exists and starts and ends where asked.
    let peer = link["target"].as_str().unwrap();
    let (status, p) = s.get(&format!("/api/path?a={}&b={}&k=2", q(BOSS), q(peer)));
    assert_eq!(status, 200, "{p}");
    let first = &p["paths"][0];
    assert_eq!(first["nodes"][0]["id"], BOSS);
    assert_eq!(
        first["nodes"].as_array().unwrap().last().unwrap()["id"],
        peer
    );
    assert_eq!(
        first["links"].as_array().unwrap().len() + 1,
        first["nodes"].as_array().unwrap().len()
    );
    // The timeline in a window stays inside it and names its rows.
    let (status, t) = s.get(&format!(
        "/api/timeline?id={}&from=2026-02-01&to=2026-02-07",
        q(BOSS)
    ));
    assert_eq!(status, 200, "{t}");
    assert!(t["total"].as_u64().unwrap() > 0, "{t}");
    for e in t["entries"].as_array().unwrap() {
        let time = e["time"].as_str().unwrap();
        assert!(("2026-02-01".."2026-02-08").contains(&time), "{e}");
        assert!(e["source"].as_str().unwrap().contains(".csv:"), "{e}");
    }
    let hours: u64 = t["by_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_u64().unwrap())
        .sum();
    assert!(hours > 0 && hours <= t["total"].as_u64().unwrap());
    // Positions: the cells of the shown entries that have coordinates.
    let places = t["places"].as_array().unwrap();
    assert!(!places.is_empty(), "{t}");
    for p in places {
        assert!(p["lat"].as_f64().unwrap().abs() <= 90.0, "{p}");
        assert!(p["lon"].as_f64().unwrap().abs() <= 180.0, "{p}");
        assert!(t["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["cell"] == p["cell"] && e["time"] == p["time"]));
    }
}

#[test]
fn leads_list_gangs_and_leads_of_the_leads_folder() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let (status, v) = s.get("/api/leads");
    assert_eq!(status, 200);
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(demo().1.join("leads.json")).unwrap()).unwrap();
    assert_eq!(
        v["gangs"].as_array().unwrap().len(),
        on_disk["gangs"].as_array().unwrap().len()
    );
    assert_eq!(
        v["leads"].as_array().unwrap().len(),
        on_disk["leads"].as_array().unwrap().len()
    );
    let lead = &v["leads"][0];
    assert_eq!(lead["status"], "new");
    let id = lead["id"].as_str().unwrap();
    assert_eq!(
        id,
        format!(
            "{}:{}",
            lead["entity_kind"].as_str().unwrap(),
            lead["entity"].as_str().unwrap()
        )
    );
    // Every lead and member id opens on the chart.
    let member = v["gangs"][0]["members"][0]["id"].as_str().unwrap();
    for id in [id, member] {
        let (status, n) = s.get(&format!("/api/node?id={}", q(id)));
        assert_eq!(status, 200, "{id}: {n}");
        assert_eq!(n["node"]["id"], id);
    }
    // Without a leads folder the endpoint says how to get one.
    let bare = Server::start(
        &demo().0,
        &["--notes", dir.path().join("n2.json").to_str().unwrap()],
    );
    let (status, e) = bare.get("/api/leads");
    assert_eq!(status, 404);
    assert!(e["error"].as_str().unwrap().contains("--leads"), "{e}");
}

#[test]
fn notes_are_saved_merged_and_kept_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("demo.notes.json");
    let lead_id = {
        let s = Server::demo(&notes);
        // Any spelling is stored under the canonical id.
        let (status, v) = s.post(
            "/api/notes",
            &json!({"entity": BOSS_SPELLED, "label": "G1 boss <b>"}),
        );
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["entities"][BOSS]["label"], "G1 boss <b>");
        assert_eq!(v["entities"][BOSS]["analyst"], "li.wei");
        // Two writers at once (two tabs): nothing is lost.
        std::thread::scope(|sc| {
            for t in 0..2 {
                let s = &s;
                sc.spawn(move || {
                    let (_, leads) = s.get("/api/leads");
                    for l in leads["leads"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .skip(t)
                        .step_by(2)
                        .take(5)
                    {
                        let (status, v) = s.post(
                            "/api/notes",
                            &json!({"entity": l["id"], "note": format!("tab {t}")}),
                        );
                        assert_eq!(status, 200, "{v}");
                    }
                });
            }
        });
        let (_, v) = s.get("/api/notes");
        let with_note = v["entities"]
            .as_object()
            .unwrap()
            .values()
            .filter(|e| e["note"].is_string())
            .count();
        assert_eq!(with_note, 10, "{v}");
        // A dismissed lead shows as dismissed.
        let (_, leads) = s.get("/api/leads");
        let lead_id = leads["leads"][0]["id"].as_str().unwrap().to_string();
        let (status, _) = s.post(
            "/api/notes",
            &json!({"entity": lead_id, "status": "dismissed"}),
        );
        assert_eq!(status, 200);
        lead_id
    };
    // After a restart the file is read back.
    let s = Server::demo(&notes);
    let (_, leads) = s.get("/api/leads");
    let lead = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == lead_id.as_str())
        .unwrap();
    assert_eq!(lead["status"], "dismissed");
    let (_, n) = s.get(&format!("/api/node?id={}", q(BOSS)));
    assert_eq!(n["node"]["label"], "G1 boss <b>");
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&notes).unwrap()).unwrap();
    assert_eq!(on_disk["format"], "casegraph-notes/1");
    assert_eq!(on_disk["entities"][&lead_id]["status"], "dismissed");
}

#[test]
fn export_writes_the_selection_as_graphml() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let (_, top) = s.get(&format!("/api/expand?id={}&kind=call&limit=2", q(BOSS)));
    let mut nodes = vec![BOSS.to_string()];
    nodes.extend(ids(&Value::Array(
        top["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["node"].clone())
            .collect(),
    )));
    let res = ureq::post(&format!("{}/api/export", s.base))
        .send_json(json!({ "nodes": nodes }))
        .unwrap();
    assert!(res.content_type().contains("xml"));
    let xml = res.into_string().unwrap();
    assert!(xml.contains("<graphml"), "{xml:.200}");
    assert_eq!(xml.matches("<node ").count(), 3, "{xml}");
    assert!(xml.matches("<edge ").count() >= 2, "{xml}");
    // The same nodes through `casegraph export`'s writer give the same bytes.
    let g = casegraph::open_case(&demo().0, &Default::default()).unwrap();
    let case = casegraph::query::Case::new(&g);
    let refs: Vec<_> = nodes
        .iter()
        .map(|n| case.entity(n).unwrap().node.unwrap())
        .collect();
    let sel = casegraph::export::Selection::of_nodes(&g, refs);
    let mut expected = Vec::new();
    casegraph::export::graphml::write(&g, &sel, Default::default(), &mut expected).unwrap();
    assert_eq!(xml.as_bytes(), expected);
}

#[test]
fn bad_input_gets_a_clear_json_error_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    let cases: &[(&str, u16, &str)] = &[
        (
            "/api/node?id=nobody-at-all",
            404,
            "found nothing of that name",
        ),
        ("/api/node", 400, "id: expected a value"),
        (
            "/api/expand?id=phone:%2B8618641553094&from=yesterday",
            400,
            "found \"yesterday\"",
        ),
        (
            "/api/expand?id=phone:%2B8618641553094&from=2026-03-01&to=2026-02-01",
            400,
            "before --to",
        ),
        (
            "/api/expand?id=phone:%2B8618641553094&kind=friends",
            400,
            "kind: expected one of",
        ),
        (
            "/api/expand?id=phone:%2B8618641553094&limit=many",
            400,
            "limit: expected a whole number",
        ),
        (
            "/api/expand?id=phone:%2B8618641553094&limit=999999",
            400,
            "limit: expected a whole number",
        ),
        (
            "/api/path?a=phone:%2B8618641553094&b=phone:%2B8618641553094",
            400,
            "two different",
        ),
        (
            "/api/path?a=phone:%2B8618641553094&b=nobody-at-all",
            404,
            "b: ",
        ),
        (
            "/api/evidence?a=phone:%2B8618641553094&b=phone:%2B8618641553094&kind=call",
            404,
            "found none",
        ),
        (
            "/api/timeline?id=phone:%2B8618641553094&to=2026-13-45",
            400,
            "--to",
        ),
        ("/api/everything", 404, "no such endpoint"),
        ("/nowhere", 404, "no such page"),
    ];
    for (path, want, says) in cases {
        let (status, v) = s.get(path);
        assert_eq!(status, *want, "{path}: {v}");
        let msg = v["error"].as_str().unwrap_or_else(|| panic!("{path}: {v}"));
        assert!(msg.contains(says), "{path}: {msg}");
        s.alive();
    }
    // An unknown entity comes with suggestions.
    let (_, v) = s.get("/api/node?id=PI-00206");
    assert!(!v["suggestions"].as_array().unwrap().is_empty(), "{v}");
    // Bodies: malformed, wrong shape, unknown entity, bad status, too big.
    let posts = [
        (
            "/api/notes",
            json!("not an object"),
            400,
            "expected JSON like",
        ),
        (
            "/api/notes",
            json!({"entity": BOSS, "colour": "red"}),
            400,
            "unknown field",
        ),
        (
            "/api/notes",
            json!({"entity": "phone:+8600000000000", "label": "x"}),
            404,
            "entity:",
        ),
        (
            "/api/notes",
            json!({"entity": BOSS, "status": "maybe"}),
            400,
            "new, confirmed or dismissed",
        ),
        (
            "/api/notes",
            json!({"entity": BOSS, "label": "x".repeat(500)}),
            400,
            "at most 200",
        ),
        ("/api/export", json!({"nodes": []}), 400, "expected 1 to"),
        (
            "/api/export",
            json!({"nodes": ["nobody-at-all"]}),
            404,
            "nodes:",
        ),
        ("/api/search", json!({}), 405, "expected POST /api/notes"),
    ];
    for (path, body, want, says) in posts {
        let (status, v) = s.post(path, &body);
        assert_eq!(status, want, "{path} {body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(says), "{path}: {v}");
        s.alive();
    }
    // A body declared over the bound is refused before it is read (the
    // client may still be sending it).
    let (status, text) = s.raw(&format!(
        "POST /api/notes HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{\"entity\": \"",
        s.port,
        2 << 20
    ));
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("expected at most 1048576 bytes"), "{text}");
    s.alive();
    let long = format!("/api/search?q={}", "9".repeat(10_000));
    let (status, v) = s.get(&long);
    assert_eq!(status, 414, "{v}");
    s.alive();
    assert!(
        !dir.path().join("notes.json").exists(),
        "a refused note wrote the file"
    );
}

#[test]
fn every_answer_forbids_requests_off_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(&dir.path().join("notes.json"));
    for path in ["/", "/assets/app.js", "/api/case", "/api/node?id=nobody"] {
        let (_, text) = s.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            s.port
        ));
        let csp = text
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-security-policy:")
            })
            .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy in {text:.400}"));
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }
    // The page loads only its own scripts, and escapes case strings.
    let (_, page) = s.raw(&format!(
        "GET / HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        s.port
    ));
    assert!(page.contains("src=\"/assets/cytoscape.min.js\""));
    assert!(!page.contains("http://") && !page.contains("https://"));
    let js = include_str!("../../src/serve/assets/app.js");
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!js.contains(sink), "app.js uses {sink}");
    }
    // A request naming another host (DNS rebinding) is refused.
    let (status, text) =
        s.raw("GET /api/case HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("evil.example"));
    s.alive();
}

#[test]
fn a_token_is_required_off_loopback_and_checked_on_every_request() {
    let (snapshot, _) = demo();
    // Another address without a token is refused before the case is read.
    let out = util::casegraph()
        .arg("serve")
        .arg(snapshot)
        .args(["--bind", "0.0.0.0", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--bind 0.0.0.0: expected a loopback address"),
        "{err}"
    );
    let out = util::casegraph()
        .arg("serve")
        .arg(snapshot)
        .args(["--bind", "0.0.0.0", "--port", "0", "--token", "short"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));
    // With a token, every request carries it.
    let dir = tempfile::tempdir().unwrap();
    let token = "s3cret-token-for-tests";
    let s = Server::start(
        snapshot,
        &[
            "--token",
            token,
            "--notes",
            dir.path().join("n.json").to_str().unwrap(),
        ],
    );
    for path in ["/", "/assets/app.js", "/api/case"] {
        let (status, _) = s.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 401, "{path}");
        let (status, _) = s.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Casegraph-Token: wrong-token-wrong-token\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 401, "{path}");
    }
    let (status, _) = s.raw(&format!(
        "GET /api/case HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Casegraph-Token: {token}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
    let (status, _) = s.raw(&format!(
        "GET /api/case HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
    // Opening the page with ?token= gives the cookie its scripts then carry.
    let (status, text) = s.raw(&format!(
        "GET /?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
    let cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let (status, _) = s.raw(&format!(
        "GET /assets/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: casegraph_token={token}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
}

/// A gangs.csv row by column name.
type Row = BTreeMap<String, String>;

/// gangs.csv's phone rows: gang id → its phones, and the rows by phone.
fn gang_rows(dir: &Path) -> (BTreeMap<String, Vec<String>>, BTreeMap<String, Row>) {
    let mut r = csv::Reader::from_path(dir.join("gangs.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let (mut gangs, mut rows) = (BTreeMap::<String, Vec<String>>::new(), BTreeMap::new());
    for rec in r.records() {
        let row: Row = header
            .iter()
            .cloned()
            .zip(rec.unwrap().iter().map(str::to_string))
            .collect();
        if row["node_kind"] == "phone" {
            gangs
                .entry(row["gang_id"].clone())
                .or_default()
                .push(row["node_id"].clone());
            rows.insert(row["node_id"].clone(), row);
        }
    }
    (gangs, rows)
}

fn leads_run(case: &Path, out: &Path, config: Option<&Path>) {
    let mut cmd = util::casegraph_process();
    cmd.arg("leads").arg(case).arg("--out").arg(out);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "leads {}", case.display());
}

/// Gang settings under which the detectors place fewer phones in the
/// demo's gangs: three kinds of evidence instead of two.
const STRICTER_GANGS: &str = "[gangs]\nmin_kinds = 3\n";

/// The demo snapshot copied into `dir` (its notes file beside it), the
/// stricter settings written there, and a first `leads` run under them
/// before anything is confirmed: (case, settings, that run's folder).
fn strict_demo_case(dir: &Path, snapshot: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let case = dir.join("case.cgs");
    std::fs::copy(snapshot, &case).unwrap();
    let strict = dir.join("strict.toml");
    std::fs::write(&strict, STRICTER_GANGS).unwrap();
    let unconfirmed = dir.join("unconfirmed");
    leads_run(&case, &unconfirmed, Some(&strict));
    (case, strict, unconfirmed)
}

/// Issue 19 item 5. The analyst confirms a gang member in `serve`; the
/// next `leads` run, with settings under which the detectors no longer put
/// that phone in any gang, keeps it in the gang that holds the phones it
/// was confirmed with, its evidence `analyst`, the analyst named and no
/// membership confidence made up. A member the detectors still place gets
/// the analyst named beside their evidence.
#[test]
fn a_member_confirmed_in_serve_stays_in_its_gang_when_the_next_run_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let (snapshot, leads) = demo();
    // The case in a folder of its own, so its notes file is beside it.
    let (case, strict, unconfirmed) = strict_demo_case(dir.path(), snapshot);
    let (before, _) = gang_rows(leads);
    let (after, _) = gang_rows(&unconfirmed);
    let in_after = |p: &str| after.values().any(|g| g.iter().any(|q| q == p));
    // A member the stricter run drops while it keeps some of its mates in a gang.
    let (gang, dropped) = before
        .iter()
        .flat_map(|(g, phones)| phones.iter().map(move |p| (g, p)))
        .find(|(g, p)| !in_after(p) && before[*g].iter().any(|q| q != *p && in_after(q)))
        .expect("the stricter settings drop a member whose gang stays");
    let (_, still) = before
        .iter()
        .flat_map(|(g, phones)| phones.iter().map(move |p| (g, p)))
        .find(|(_, p)| in_after(p))
        .unwrap();

    let s = Server::start(
        &case,
        &["--leads", leads.to_str().unwrap(), "--analyst", "li.wei"],
    );
    for phone in [dropped, still] {
        let (status, v) = s.post(
            "/api/notes",
            &json!({"entity": format!("phone:{phone}"), "status": "confirmed"}),
        );
        assert_eq!(status, 200, "{v}");
    }
    let (_, notes) = s.get("/api/notes");
    let recorded = &notes["entities"][format!("phone:{dropped}")]["gang"];
    assert_eq!(recorded["gang_id"], gang.as_str(), "{notes}");
    let mut mates: Vec<&String> = before[gang].iter().filter(|p| *p != dropped).collect();
    mates.sort();
    assert_eq!(recorded["phones"], json!(mates), "its gang's other phones");
    drop(s);
    assert!(dir.path().join("case.notes.json").is_file());

    let confirmed = dir.path().join("confirmed");
    leads_run(&case, &confirmed, Some(&strict));
    let (gangs, rows) = gang_rows(&confirmed);
    let kept = rows
        .get(dropped.as_str())
        .expect("the confirmed member kept in a gang");
    // The gang now holding most of its confirmed mates.
    let home = after
        .iter()
        .max_by_key(|(id, g)| {
            (
                g.iter().filter(|p| mates.contains(p)).count(),
                std::cmp::Reverse(after.keys().position(|k| k == *id)),
            )
        })
        .unwrap()
        .0;
    assert_eq!(&kept["gang_id"], home);
    assert_eq!(kept["evidence"], "analyst");
    assert_eq!(kept["confidence_from"], "analyst");
    assert_eq!(kept["confidence"], "", "no membership confidence made up");
    assert_eq!(kept["role"], "member");
    assert_eq!(kept["confirmed_by"], "li.wei");
    assert!(!kept["confirmed_on"].is_empty());
    // Nothing else moved: the other gangs are the detectors'.
    for (id, phones) in &after {
        let mut now = gangs[id].clone();
        now.retain(|p| p != dropped);
        assert_eq!(&now, phones, "gang {id}");
    }
    let named = &rows[still.as_str()];
    assert!(named["evidence"].ends_with(";analyst"), "{named:?}");
    assert_eq!(named["confidence_from"], "evidence");
    assert_eq!(named["confirmed_by"], "li.wei");
    // leads.json and the report say the same.
    let v: Value =
        serde_json::from_slice(&std::fs::read(confirmed.join("leads.json")).unwrap()).unwrap();
    let c = v["confirmed_members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["phone"] == dropped.as_str())
        .unwrap();
    assert_eq!(c["placement"], "kept");
    assert_eq!(c["gang_id"], home.as_str());
    assert_eq!(c["confirmed_gang"], gang.as_str());
    let member = v["gangs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["members"].as_array().unwrap())
        .find(|m| m["phone"] == dropped.as_str())
        .unwrap();
    assert_eq!(member["evidence"], json!(["analyst"]));
    assert_eq!(member["confidence"], Value::Null);
    assert_eq!(member["confirmed"]["by"], "li.wei");
    let html = std::fs::read_to_string(confirmed.join("report.html")).unwrap();
    assert!(html.contains("Confirmed gang members"));
    assert!(
        html.contains(&format!(
            "evidence: analyst. kept in gang {home} on li.wei&#39;s confirmation"
        )),
        "the report says why it is kept"
    );
}

/// gangs.csv's person rows: (gang id, person_id) → the row.
fn person_rows(dir: &Path) -> BTreeMap<(String, String), Row> {
    let mut r = csv::Reader::from_path(dir.join("gangs.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut rows = BTreeMap::new();
    for rec in r.records() {
        let row: Row = header
            .iter()
            .cloned()
            .zip(rec.unwrap().iter().map(str::to_string))
            .collect();
        if row["node_kind"] == "person" {
            rows.insert((row["gang_id"].clone(), row["node_id"].clone()), row);
        }
    }
    rows
}

fn leads_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("leads.json")).unwrap()).unwrap()
}

/// A person record of a gang in a leads.json: the gang, the person_id,
/// its holder's phones there, and the phones of the gang's other holders
/// (its mates, sorted).
struct Holder {
    gang: String,
    person: String,
    own: Vec<String>,
    mates: Vec<String>,
}

fn holders(v: &Value) -> Vec<Holder> {
    let mut out = Vec::new();
    for g in v["gangs"].as_array().unwrap() {
        let members = g["members"].as_array().unwrap();
        let phone = |m: &Value| m["phone"].as_str().unwrap().to_string();
        let names =
            |m: &Value, pid: &str| m["person_ids"].as_array().unwrap().iter().any(|p| p == pid);
        let mut pids: Vec<&str> = members
            .iter()
            .flat_map(|m| m["person_ids"].as_array().unwrap())
            .map(|p| p.as_str().unwrap())
            .collect();
        pids.sort();
        pids.dedup();
        for pid in pids {
            let own = members
                .iter()
                .filter(|m| names(m, pid))
                .map(phone)
                .collect();
            let mut mates: Vec<String> = members
                .iter()
                .filter(|m| !names(m, pid))
                .map(phone)
                .collect();
            mates.sort();
            mates.dedup();
            out.push(Holder {
                gang: g["gang_id"].as_str().unwrap().to_string(),
                person: pid.to_string(),
                own,
                mates,
            });
        }
    }
    out
}

/// Issue 19 item 5, for persons. Two tabs confirm, at once in `serve`,
/// two person records of the leads folder's gangs (in the demo a gang's
/// people are a few holders, each named by the records entity resolution
/// merged into one individual); each confirmation records the phones of
/// its gang's other holders. The next `leads` run, under settings that
/// drop every phone of those holders, keeps each person in the gang
/// holding most of its mates (gangs.csv's person row with evidence
/// `analyst`, no confidence made up, the analyst named; in leads.json and
/// the report too) and moves no phone. A run under the served settings
/// names the analyst beside the detectors' evidence; one with no gang
/// lists both apart.
#[test]
fn a_person_confirmed_in_serve_stays_in_its_gang_when_the_next_run_drops_its_phones() {
    let dir = tempfile::tempdir().unwrap();
    let (snapshot, leads) = demo();
    let (case, strict, unconfirmed) = strict_demo_case(dir.path(), snapshot);
    let (after, _) = gang_rows(&unconfirmed);
    let in_after = |p: &String| after.values().any(|g| g.contains(p));
    let persons_after = person_rows(&unconfirmed);
    let placed_after = |pid: &str| persons_after.keys().any(|(_, p)| p == pid);
    let served = holders(&leads_json(leads));
    // Persons all of whose phones the stricter run drops while some of
    // their mates stay in a gang, in two gangs of the leads folder.
    let dropped = |h: &&Holder| {
        !placed_after(&h.person) && !h.own.iter().any(in_after) && h.mates.iter().any(in_after)
    };
    let first = served
        .iter()
        .find(dropped)
        .expect("the stricter settings drop a holder whose gang stays");
    let second = served
        .iter()
        .filter(dropped)
        .find(|h| h.gang != first.gang)
        .expect("and one of another gang");
    let confirmed_ones = [first, second];

    let s = Server::start(
        &case,
        &["--leads", leads.to_str().unwrap(), "--analyst", "li.wei"],
    );
    // Two tabs at once, through the one locked write path.
    std::thread::scope(|scope| {
        for h in confirmed_ones {
            let s = &s;
            scope.spawn(move || {
                let (status, v) = s.post(
                    "/api/notes",
                    &json!({"entity": format!("person:{}", h.person), "status": "confirmed"}),
                );
                assert_eq!(status, 200, "{v}");
            });
        }
    });
    let (_, notes) = s.get("/api/notes");
    for h in confirmed_ones {
        let recorded = &notes["entities"][format!("person:{}", h.person)]["gang"];
        assert_eq!(recorded["gang_id"], h.gang.as_str(), "{notes}");
        assert_eq!(
            recorded["phones"],
            json!(h.mates),
            "the phones of its gang's other holders, its own left out"
        );
        assert!(!h.own.is_empty() && h.own.iter().all(|p| !h.mates.contains(p)));
    }
    drop(s);

    let confirmed = dir.path().join("confirmed");
    leads_run(&case, &confirmed, Some(&strict));
    let persons = person_rows(&confirmed);
    let v = leads_json(&confirmed);
    let html = std::fs::read_to_string(confirmed.join("report.html")).unwrap();
    let order = leads_json(&unconfirmed);
    for h in confirmed_ones {
        // The gang of the unconfirmed run holding most of its mates (ties:
        // the first, in the run's order).
        let home = order["gangs"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let id = g["gang_id"].as_str().unwrap().to_string();
                let n = after[&id].iter().filter(|p| h.mates.contains(p)).count();
                (n, std::cmp::Reverse(i), id)
            })
            .max()
            .unwrap()
            .2;
        let kept = persons
            .get(&(home.clone(), h.person.clone()))
            .unwrap_or_else(|| panic!("{} kept in {home}: {persons:?}", h.person));
        assert_eq!(kept["evidence"], "analyst");
        assert_eq!(kept["confidence_from"], "analyst");
        assert_eq!(kept["confidence"], "", "no membership confidence made up");
        assert_eq!(kept["role_confidence"], "");
        assert_eq!(kept["role"], "member");
        assert_eq!(kept["confirmed_by"], "li.wei");
        assert!(!kept["confirmed_on"].is_empty());
        assert_eq!(
            persons.keys().filter(|(_, p)| p == &h.person).count(),
            1,
            "in one gang only"
        );
        // leads.json and the report say the same.
        let c = v["confirmed_members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == h.person.as_str())
            .unwrap();
        assert_eq!(c["entity_kind"], "person");
        assert_eq!(c["placement"], "kept");
        assert_eq!(c["gang_id"], home.as_str());
        assert_eq!(c["confirmed_gang"], h.gang.as_str());
        let gang = v["gangs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["gang_id"] == home.as_str())
            .unwrap();
        let p = gang["confirmed_persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person_id"] == h.person.as_str())
            .unwrap();
        assert_eq!(p["evidence"], json!(["analyst"]));
        assert_eq!(p["confidence"], Value::Null);
        assert_eq!(p["phones"], json!([]), "its phones are in no gang");
        assert_eq!(p["confirmed"]["by"], "li.wei");
        assert_eq!(p["confirmed"]["placement"], "kept");
        assert!(html.contains(&format!("person:{}", h.person)));
        assert!(
            html.contains(&format!("kept in gang {home} on li.wei&#39;s confirmation")),
            "the report says why it is kept"
        );
    }
    assert!(html.contains("Persons confirmed by the analyst"));
    // Its phones stay where the detectors put them: the phone rows are
    // the unconfirmed run's.
    let (gangs, _) = gang_rows(&confirmed);
    assert_eq!(gangs, after);

    // Under the settings the analyst saw, the detectors place both: the
    // analyst is named beside their evidence.
    let same = dir.path().join("same");
    leads_run(&case, &same, None);
    let persons = person_rows(&same);
    for h in confirmed_ones {
        let row = &persons[&(h.gang.clone(), h.person.clone())];
        assert!(row["evidence"].ends_with(";analyst"), "{row:?}");
        assert!(row["evidence"].len() > ";analyst".len(), "{row:?}");
        assert_eq!(row["confidence_from"], "evidence");
        assert!(!row["confidence"].is_empty());
        assert_eq!(row["confirmed_by"], "li.wei");
    }
    let v = leads_json(&same);
    assert!(v["confirmed_members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["placement"] == "detected"));
    // Every other record of the holder's individual is the detectors' alone.
    for h in confirmed_ones {
        let others: Vec<_> = persons
            .iter()
            .filter(|((g, p), _)| g == &h.gang && p != &h.person)
            .collect();
        assert!(others.iter().all(|(_, row)| row["confirmed_by"].is_empty()));
    }

    // A run in which no group is a gang: both listed apart, in no gang.
    let none = dir.path().join("none.toml");
    std::fs::write(&none, NO_GANGS).unwrap();
    let apart = dir.path().join("apart");
    leads_run(&case, &apart, Some(&none));
    let v = leads_json(&apart);
    assert_eq!(v["gangs"], json!([]), "the settings leave no gang");
    for h in confirmed_ones {
        let c = v["confirmed_members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == h.person.as_str())
            .unwrap_or_else(|| panic!("{} listed: {v:#}", h.person));
        assert_eq!(c["placement"], "apart");
        assert_eq!(c["gang_id"], Value::Null);
        assert!(c["reason"].as_str().unwrap().contains("listed apart"));
    }
    assert!(person_rows(&apart).is_empty());
}

/// Gang settings under which no group of the demo is a gang.
const NO_GANGS: &str = "[gangs]\nmin_phones = 200\n";
