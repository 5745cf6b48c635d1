//! The export writers fed random graphs: arbitrary rows (names, places,
//! numbers from a small pool so that calls link up) are written as a case,
//! ingested, and the whole graph is exported as GraphML (plain and yEd),
//! GEXF, Gephi CSV and Neo4j CSV. Checks: no panic, the XML is well-formed
//! to an XML parser, and every CSV parses with the header's field count.
#![no_main]

use arbitrary::Arbitrary;
use casegraph::export::{self, Selection};
use casegraph::ingest::{ingest_readers, IngestConfig};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Rows {
    locations: Vec<(u8, String, String)>,
    persons: Vec<(u8, String, String, Vec<u8>, u8)>,
    phones: Vec<(u8, String, String, u16)>,
    calls: Vec<(u8, u8, u32, u16, bool, u8, u16)>,
    incidents: Vec<(u8, u32, bool, u8, Vec<u8>, u8, String)>,
}

fn phone(i: u8) -> String {
    format!("+86139000{:05}", i % 32)
}

fn time(t: u32) -> String {
    let t = 1_767_225_600 + (t % (365 * 86_400)) as i64;
    casegraph::model::time::show(t)
}

fn csv_of(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(&r).unwrap();
    }
    w.into_inner().unwrap()
}

fn well_formed(xml: &[u8]) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Text(t)) => {
                t.decode().expect("text decodes");
            }
            Ok(quick_xml::events::Event::Start(s)) | Ok(quick_xml::events::Event::Empty(s)) => {
                for a in s.attributes() {
                    let a = a.expect("a well-formed attribute");
                    a.unescape_value()
                        .expect("an attribute value that unescapes");
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML at {}: {e}", reader.buffer_position()),
        }
        buf.clear();
    }
}

fn csv_files_parse(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        let mut r = csv::ReaderBuilder::new().from_path(&path).unwrap();
        let width = r.byte_headers().unwrap().len();
        for rec in r.byte_records() {
            let rec = rec.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(rec.len(), width, "{}", path.display());
        }
    }
}

fuzz_target!(|rows: Rows| {
    let cell = |i: u8| format!("C{}", i % 8);
    let files = [
        (
            "locations.csv",
            csv_of(
                &["location_id", "name", "district"],
                rows.locations
                    .iter()
                    .map(|(i, n, d)| vec![cell(*i), n.clone(), d.clone()]),
            ),
        ),
        (
            "persons.csv",
            csv_of(
                &["person_id", "name", "aliases", "phones", "role"],
                rows.persons.iter().map(|(i, name, alias, phones, role)| {
                    let phones: Vec<String> = phones.iter().take(4).map(|&p| phone(p)).collect();
                    let role = ["", "suspect", "victim", "witness", "boss"][*role as usize % 5];
                    vec![
                        format!("P{i}"),
                        name.clone(),
                        alias.clone(),
                        phones.join(";"),
                        role.into(),
                    ]
                }),
            ),
        ),
        (
            "phones.csv",
            csv_of(
                &["number", "subscriber_name", "subscriber_id_number", "imei"],
                rows.phones.iter().map(|(p, name, id, imei)| {
                    vec![
                        phone(*p),
                        name.clone(),
                        id.clone(),
                        format!("35693803564{:04}", imei % 16),
                    ]
                }),
            ),
        ),
        (
            "calls.csv",
            csv_of(
                &[
                    "caller",
                    "callee",
                    "start",
                    "duration_s",
                    "kind",
                    "caller_location",
                    "caller_imei",
                ],
                rows.calls.iter().map(|(a, b, t, d, sms, c, imei)| {
                    vec![
                        phone(*a),
                        phone(*b),
                        time(*t),
                        d.to_string(),
                        if *sms { "sms" } else { "voice" }.into(),
                        cell(*c),
                        format!("49015420323{:04}", imei % 16),
                    ]
                }),
            ),
        ),
        (
            "incidents.csv",
            csv_of(
                &[
                    "incident_id",
                    "time",
                    "category",
                    "location_id",
                    "phones",
                    "victim_id",
                    "accounts",
                ],
                rows.incidents
                    .iter()
                    .map(|(i, t, fraud, c, phones, v, account)| {
                        let phones: Vec<String> =
                            phones.iter().take(4).map(|&p| phone(p)).collect();
                        vec![
                            format!("I{i}"),
                            time(*t),
                            if *fraud { "fraud" } else { "theft" }.into(),
                            cell(*c),
                            phones.join(";"),
                            format!("P{v}"),
                            account.clone(),
                        ]
                    }),
            ),
        ),
    ];
    let files = files.iter().map(|(n, b)| (n.to_string(), b.as_slice()));
    let Ok(g) = ingest_readers("fuzz", files, &IngestConfig::default()) else {
        return;
    };
    let sel = Selection::whole(&g);
    for yed in [false, true] {
        let mut out = Vec::new();
        export::graphml::write(&g, &sel, export::graphml::GraphmlOptions { yed }, &mut out)
            .expect("GraphML to memory");
        well_formed(&out);
    }
    let mut out = Vec::new();
    export::gexf::write(&g, &sel, &mut out).expect("GEXF to memory");
    well_formed(&out);
    let dir = tempfile::tempdir().unwrap();
    export::csv::write_gephi(&g, &sel, &dir.path().join("gephi")).expect("Gephi CSV");
    csv_files_parse(&dir.path().join("gephi"));
    export::csv::write_neo4j(&g, &sel, &dir.path().join("neo4j")).expect("Neo4j CSV");
    csv_files_parse(&dir.path().join("neo4j"));
});
