//! `casegraph serve` in a real browser: headless Debian chromium driven
//! through WebDriver (chromedriver, the fantoccini client) on fixtures/demo
//! with one person record renamed to markup (it must stay text): search the
//! G1 boss's number by another spelling, expand its calls, narrow the time
//! window, find a path, draw a gang from the leads folder, dismiss a lead
//! and see it still dismissed after the server restarts; every resource the
//! page loaded came from the server; export the chart as SVG (one node
//! hidden, handset links filtered out) and read the downloaded file back. A
//! screenshot goes to target/tmp/serve_browser/serve.png (docs/serve.png is
//! a copy), the SVG to target/tmp/serve_browser/chart.svg.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's `chromium`
//! and `chromium-driver`; CASEGRAPH_CHROMIUM and CASEGRAPH_CHROMEDRIVER
//! override); without them the test fails, unless CASEGRAPH_SKIP_BROWSER=1.

use crate::serve::Server;
use crate::util;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const BOSS: &str = "phone:+8618641553094";
const HOSTILE: &str = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";

fn tool(var: &str, default: &str) -> Option<PathBuf> {
    let p = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    p.is_file().then_some(p)
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The demo case with one person's name replaced by markup, its snapshot
/// and its leads folder.
fn hostile_demo(dir: &Path) -> (PathBuf, PathBuf) {
    let case = dir.join("case");
    std::fs::create_dir_all(&case).unwrap();
    let demo = util::fixture("fixtures/demo");
    for f in [
        "calls.csv",
        "persons.csv",
        "phones.csv",
        "locations.csv",
        "incidents.csv",
    ] {
        std::fs::copy(demo.join(f), case.join(f)).unwrap();
    }
    let persons = std::fs::read_to_string(case.join("persons.csv")).unwrap();
    assert!(persons.contains("PI-001819,Feng Danjuan,"));
    let escaped = format!("\"{}\"", HOSTILE.replace('"', "\"\""));
    let persons = persons.replacen(
        "PI-001819,Feng Danjuan,",
        &format!("PI-001819,{escaped},"),
        1,
    );
    std::fs::write(case.join("persons.csv"), persons).unwrap();
    let snapshot = dir.join("case.cgs");
    let leads = dir.join("leads");
    for args in [
        vec!["ingest".into(), case.clone(), "-o".into(), snapshot.clone()],
        vec![
            "leads".into(),
            snapshot.clone(),
            "--out".into(),
            leads.clone(),
        ],
    ] {
        let ok = util::casegraph_process()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "{args:?}");
    }
    (snapshot, leads)
}

fn start_server(snapshot: &Path, leads: &Path, notes: &Path) -> Server {
    Server::start(
        snapshot,
        &[
            "--leads",
            leads.to_str().unwrap(),
            "--notes",
            notes.to_str().unwrap(),
        ],
    )
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// One `<g>` of the exported SVG: its class, `data-id` and text.
#[derive(Debug)]
struct SvgItem {
    class: String,
    id: String,
    text: String,
}

/// The elements of an SVG file by name, and its node, edge and group
/// `<g>`s; panics unless the file is well-formed XML.
fn parse_svg(svg: &str) -> (Vec<String>, Vec<SvgItem>) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(svg);
    r.config_mut().check_end_names = true;
    let (mut names, mut items) = (Vec::new(), Vec::new());
    let mut open: Option<SvgItem> = None;
    let mut depth = 0usize;
    loop {
        let ev = r.read_event().expect("well-formed SVG");
        match &ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attr = |k: &str| {
                    e.try_get_attribute(k)
                        .unwrap()
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                        .unwrap_or_default()
                };
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                    if name == "g" && open.is_none() {
                        open = Some(SvgItem {
                            class: attr("class"),
                            id: attr("data-id"),
                            text: String::new(),
                        });
                        depth = 1;
                    }
                }
                names.push(name);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(item) = open.take() {
                        items.push(item);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(item) = &mut open {
                    item.text.push_str(&t.xml10_content().unwrap());
                }
            }
            Event::GeneralRef(g) => {
                if let Some(item) = &mut open {
                    match g.resolve_char_ref().unwrap() {
                        Some(ch) => item.text.push(ch),
                        None => item.text.push_str(
                            &quick_xml::escape::unescape(&format!("&{};", g.decode().unwrap()))
                                .expect("a predefined entity"),
                        ),
                    }
                }
            }
            _ => {}
        }
    }
    (names, items)
}

/// Hide a node, filter out a link kind, click SVG: the downloaded file
/// parses as XML, has one node per node on the chart and one edge per
/// link shown, is what `chartSvg()` builds, and holds the renamed
/// person's markup as escaped text.
async fn svg_export(c: &Client, downloads: &tempfile::TempDir) {
    let hidden = js(
        c,
        "const hide = cy.nodes(\"[kind = 'phone']\").filter(n => n.degree() > 0)[0]; \
         const id = hide.id(); \
         cy.elements().unselect(); hide.select(); document.getElementById('hide').click(); \
         const box = document.getElementById('kind-handset'); box.checked = false; \
         box.dispatchEvent(new Event('change')); return id",
    )
    .await;
    let hidden = hidden.as_str().expect("a phone to hide").to_string();
    let shown = js(
        c,
        "return [cy.nodes().filter(n => !n.isParent()).length, \
                 cy.edges().filter(e => !e.hasClass('filtered')).length, \
                 cy.edges('.filtered').length]",
    )
    .await;
    let (n_nodes, n_edges) = (shown[0].as_u64().unwrap(), shown[1].as_u64().unwrap());
    assert!(n_nodes > 2 && n_edges > 0, "{shown}");
    assert!(
        shown[2].as_u64().unwrap() > 0,
        "some links filtered out: {shown}"
    );
    c.find(Locator::Id("export-svg"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = downloads.path().join("chart.svg");
    let started = Instant::now();
    while !file.is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no chart.svg downloaded into {}",
            downloads.path().display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let svg = std::fs::read_to_string(&file).unwrap();
    let keep = util::root().join("target/tmp/serve_browser");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("chart.svg"), &svg).unwrap();
    let built = js(c, "return chartSvg()").await;
    assert_eq!(json!(svg), built, "the download is chartSvg()");
    let (names, items) = parse_svg(&svg);
    assert_eq!(names[0], "svg");
    let count = |class: &str| items.iter().filter(|i| i.class == class).count() as u64;
    assert_eq!(count("node"), n_nodes, "one <g class=node> per node shown");
    assert_eq!(count("edge"), n_edges, "one <g class=edge> per link shown");
    assert!(
        items.iter().all(|i| i.id != hidden
            && !i.id.contains(&format!("|{hidden}|"))
            && !i.id.ends_with(&format!("|{hidden}"))),
        "the hidden node and its links are not in the SVG"
    );
    for kind in ["script", "img"] {
        assert!(
            !names.iter().any(|n| n == kind),
            "a <{kind}> element in the SVG"
        );
    }
    let person = items
        .iter()
        .find(|i| i.id == "person:PI-001819")
        .expect("the renamed person in the SVG");
    assert!(person.text.contains(HOSTILE), "{person:?}");
    assert!(svg.contains("&lt;script&gt;document.body.setAttribute(&apos;data-pwned&apos;"));
    // The escaper itself: markup characters escaped, characters XML 1.0
    // cannot hold (a control, a lone surrogate) replaced.
    let escaped = js(c, r#"return xmlText('a\u0001<&>"\'\uD800b\uD83D\uDE00')"#).await;
    assert_eq!(
        escaped,
        json!("a\u{FFFD}&lt;&amp;&gt;&quot;&apos;\u{FFFD}b\u{1F600}")
    );
    // The filters back as they were.
    js(
        c,
        "const box = document.getElementById('kind-handset'); box.checked = true; \
         box.dispatchEvent(new Event('change')); return true",
    )
    .await;
}

/// Wait until `script` returns true (10 s at most).
async fn until(c: &Client, what: &str, script: &str) {
    let started = Instant::now();
    loop {
        if js(c, script).await == json!(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let status = js(c, "return document.getElementById('status').textContent").await;
            panic!("waited 20 s for {what} ({script}); status line: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open(c: &Client, s: &Server) {
    c.goto(&format!("{}/", s.base)).await.unwrap();
    until(
        c,
        "the page",
        "return document.body.dataset.ready === 'yes'",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_explores_the_demo_case_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        tool("CASEGRAPH_CHROMIUM", "/usr/bin/chromium"),
        tool("CASEGRAPH_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ) else {
        if std::env::var("CASEGRAPH_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("serve_browser: chromium or chromedriver not found; skipped (CASEGRAPH_SKIP_BROWSER=1)");
            return;
        }
        panic!(
            "serve_browser: /usr/bin/chromium or /usr/bin/chromedriver not found (install Debian's `chromium` \
             and `chromium-driver`, or set CASEGRAPH_SKIP_BROWSER=1 to skip)"
        );
    };
    if std::env::var("CASEGRAPH_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("serve_browser: skipped (CASEGRAPH_SKIP_BROWSER=1)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (snapshot, leads) = tokio::task::block_in_place(|| hostile_demo(dir.path()));
    let notes = dir.path().join("case.notes.json");
    let server = start_server(&snapshot, &leads, &notes);

    let port = free_port();
    let _driver = Driver(
        std::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,900", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "download.default_directory": downloads.path(),
                "download.prompt_for_download": false,
            },
        }
    }))
    .unwrap();
    let started = Instant::now();
    let c = loop {
        let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        b.capabilities(caps.clone());
        match b.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(c) => break c,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver on port {port}: {e}"),
        }
    };

    open(&c, &server).await;
    // Search the boss's number as a victim wrote it, and put it on the chart.
    let search = c.find(Locator::Id("search")).await.unwrap();
    search.send_keys("186-4155-3094").await.unwrap();
    let hit = format!("#suggestions button[data-id='{BOSS}']");
    until(
        &c,
        "the search hit",
        &format!("return !!document.querySelector(\"{hit}\")"),
    )
    .await;
    c.find(Locator::Css(&hit))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &c,
        "the boss on the chart",
        &format!("return cy.getElementById('{BOSS}').nonempty()"),
    )
    .await;
    // Expand its calls: heaviest first, one page.
    until(
        &c,
        "the expand buttons",
        "return !!document.querySelector(\"#expand-buttons button[data-kind='call']\")",
    )
    .await;
    c.find(Locator::Css("#expand-buttons button[data-kind='call']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&c, "the expansion", "return cy.edges().length > 0").await;
    let (_, expected) = server.get(&format!(
        "/api/expand?id={}&kind=call&limit=50",
        "phone:%2B8618641553094"
    ));
    let n_calls = expected["items"].as_array().unwrap().len();
    assert_eq!(
        js(&c, "return cy.edges('[kind = \"call\"]').length").await,
        json!(n_calls)
    );
    // Narrow the time window to one week: calls outside it are hidden.
    js(&c, "const f = document.getElementById('from'), t = document.getElementById('to'); \
            const i = state.days.indexOf('2026-02-01'), j = state.days.indexOf('2026-02-07'); \
            f.value = String(i); t.value = String(j); f.dispatchEvent(new Event('input')); return true").await;
    until(
        &c,
        "the window counted",
        "return document.body.dataset.window === '2026-02-01..2026-02-07'",
    )
    .await;
    let text = js(
        &c,
        "return document.getElementById('window-text').textContent",
    )
    .await;
    assert!(
        text.as_str()
            .unwrap()
            .starts_with("2026-02-01 to 2026-02-07"),
        "{text}"
    );
    let hidden = js(&c, "return cy.edges('.filtered').length").await;
    let (_, week) = server.get(
        "/api/expand?id=phone:%2B8618641553094&kind=call&limit=500&from=2026-02-01&to=2026-02-07",
    );
    assert_eq!(
        hidden.as_u64().unwrap() as usize,
        n_calls
            - week["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| {
                    let id = i["node"]["id"].as_str().unwrap();
                    expected["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["node"]["id"] == id)
                })
                .count(),
        "links outside the week are hidden"
    );
    // Each call link left shows its calls and texts in the week.
    let labels = js(
        &c,
        "return cy.edges(\"[kind = 'call']\").filter(e => !e.hasClass('filtered')).map(e => \
         [e.target().id() === 'phone:+8618641553094' ? e.source().id() : e.target().id(), e.data('name')])",
    )
    .await;
    assert!(!labels.as_array().unwrap().is_empty());
    for pair in labels.as_array().unwrap() {
        let row = week["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["node"]["id"] == pair[0])
            .unwrap();
        let events =
            row["link"]["calls"].as_u64().unwrap() + row["link"]["texts"].as_u64().unwrap();
        assert_eq!(pair[1], json!(events.to_string()), "{}", pair[0]);
    }
    js(
        &c,
        "document.getElementById('window-clear').click(); return true",
    )
    .await;
    until(
        &c,
        "the whole case again",
        "return document.body.dataset.window === 'all'",
    )
    .await;
    assert_eq!(
        js(&c, "return cy.edges('.filtered').length").await,
        json!(0)
    );
    // A path from the boss to the farthest node of the chart.
    let far = expected["items"].as_array().unwrap().last().unwrap()["node"]["id"].clone();
    js(&c, &format!("cy.elements().unselect(); cy.getElementById('{BOSS}').select(); document.getElementById('set-a').click(); \
                     cy.elements().unselect(); cy.getElementById({far}).select(); document.getElementById('set-b').click(); \
                     document.getElementById('find-path').click(); return true")).await;
    until(
        &c,
        "a path",
        "return document.querySelectorAll('#path-result .path-line').length > 0",
    )
    .await;
    assert!(
        js(&c, "return cy.edges('.path').length")
            .await
            .as_u64()
            .unwrap()
            >= 1
    );
    // Open a gang from the leads folder: its phones are drawn with their roles.
    js(&c, "cy.elements().remove(); return true").await;
    let (_, all) = server.get("/api/leads");
    let g1 = all["gangs"][0].clone();
    let gang_id = g1["gang_id"].as_str().unwrap();
    c.find(Locator::Css(&format!("button[data-gang='{gang_id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let members = g1["members"].as_array().unwrap().len();
    until(
        &c,
        "the gang",
        &format!("return document.body.dataset.gang === '{gang_id}'"),
    )
    .await;
    let member_ids: Vec<&Value> = g1["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(member_ids.len(), members);
    let on_chart = js(
        &c,
        &format!(
            "return {}.filter(id => cy.getElementById(id).nonempty() && cy.getElementById(id).data('gang') === '{gang_id}').length",
            json!(member_ids)
        ),
    )
    .await;
    assert_eq!(on_chart, json!(members), "every member drawn with its gang");
    assert!(js(&c, "return cy.edges().length").await.as_u64().unwrap() > 0);
    // The boss's timeline with his positions drawn.
    js(&c, &format!("showTimeline('{BOSS}'); return true")).await;
    until(
        &c,
        "the positions",
        "return !!document.getElementById('places')",
    )
    .await;
    std::fs::create_dir_all(util::root().join("target/tmp/serve_browser")).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(util::root().join("target/tmp/serve_browser/serve.png"), png).unwrap();
    // The renamed person stays text wherever it shows.
    search.clear().await.unwrap();
    search.send_keys("PI-001819").await.unwrap();
    until(
        &c,
        "the renamed person",
        "return !!document.querySelector(\"#suggestions button[data-id='person:PI-001819']\")",
    )
    .await;
    c.find(Locator::Css(
        "#suggestions button[data-id='person:PI-001819']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    until(&c, "its detail", "return document.querySelector('#detail h3') !== null && document.querySelector('#detail h3').textContent.includes('<script>')").await;
    // Export the chart as SVG, with one node hidden and the handset links
    // filtered out: the file is the chart as drawn, and the markup name
    // is text in it.
    svg_export(&c, &downloads).await;
    // Dismiss the first lead: it moves to the dismissed list, and stays
    // there after a restart.
    let first = all["leads"][0]["id"].as_str().unwrap().to_string();
    js(
        &c,
        &format!(
            "const s = document.querySelector(\"#lead-list select[data-lead='{first}']\"); \
                     s.value = 'dismissed'; s.dispatchEvent(new Event('change')); return true"
        ),
    )
    .await;
    let dismissed =
        format!("return !!document.querySelector(\"#dismissed-list select[data-lead='{first}']\")");
    until(&c, "the dismissed lead", &dismissed).await;
    drop(server);
    let server = start_server(&snapshot, &leads, &notes);
    open(&c, &server).await;
    until(&c, "the dismissed lead after a restart", &dismissed).await;
    // Nothing ran as markup, no script failed, nothing was fetched elsewhere.
    let body = js(
        &c,
        "return [document.body.dataset.pwned || '', document.body.dataset.scriptError || '']",
    )
    .await;
    assert_eq!(body, json!(["", ""]), "markup ran or a script failed");
    let foreign = js(&c, &format!(
        "return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith('{}/'))",
        server.base
    ))
    .await;
    assert_eq!(foreign, json!([]), "requests left the server");
    c.close().await.unwrap();
}
