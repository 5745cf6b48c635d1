//! GEXF 1.3 for Gephi, with a timeline: every call link carries the times
//! of its calls and texts as spells, so Gephi's timeline replays the case
//! call by call. A voice call's spell lasts from its start to its end; a
//! text or an unanswered call lasts one second, so it still shows.
//! Other links (handsets, cells, persons, incidents) have no spells and
//! are present throughout.
//!
//! Times are the case's wall clock in `xs:dateTime` form without an offset
//! (`timeformat="dateTime"`, `timerepresentation="interval"`).
//!
//! Streaming: call links come in (caller, callee) order, so the spells of
//! one caller's links are found by gathering that caller's outgoing events
//! once (a buffer of one phone's events, sorted by callee then time) — the
//! only memory beyond the selection flags.

use super::{
    edge_values, node_id, node_label, node_values, xml, AttrType, Selection, Written,
    EDGE_ATTRIBUTES, NODE_ATTRIBUTES,
};
use crate::graph::links::LinkData;
use crate::graph::CaseGraph;
use crate::model::Time;
use chrono::DateTime;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Writer;
use std::borrow::Cow;
use std::io::{self, Write};

const GEXF_NS: &str = "http://gexf.net/1.3";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const GEXF_SCHEMA: &str = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd";

/// GEXF's name of an attribute type.
fn gexf_type(t: AttrType) -> &'static str {
    match t {
        AttrType::Boolean => "boolean",
        AttrType::Int => "integer",
        AttrType::Long => "long",
        AttrType::Double => "double",
        AttrType::String => "string",
    }
}

/// `2026-03-14T21:05:33`.
pub fn datetime(t: Time) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// An attribute whose value is already escaped for XML.
fn raw_attr<'a>(key: &'a str, escaped: Cow<'a, str>) -> Attribute<'a> {
    Attribute {
        key: QName(key.as_bytes()),
        value: match escaped {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        },
    }
}

/// Edge attributes as columns: everything but `weight`, which GEXF carries
/// as the edge's own `weight`.
fn edge_columns() -> impl Iterator<Item = (usize, &'static super::AttrDef)> {
    EDGE_ATTRIBUTES
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name != "weight")
}

/// Write the selection as dynamic GEXF 1.3 to `out`, streaming.
pub fn write<W: Write>(g: &CaseGraph, sel: &Selection, out: W) -> io::Result<Written> {
    let mut w = Writer::new_with_indent(io::BufWriter::new(out), b' ', 2);
    write_head(&mut w, sel)?;
    let mut written = Written::default();
    write_nodes(&mut w, g, sel, &mut written)?;
    write_edges(&mut w, g, sel, &mut written)?;
    w.write_event(Event::End(BytesEnd::new("graph")))?;
    w.write_event(Event::End(BytesEnd::new("gexf")))?;
    let mut inner = w.into_inner();
    inner.write_all(b"\n")?;
    inner.flush()?;
    Ok(written)
}

/// The XML declaration, the gexf root and its meta, the opening of the
/// dynamic directed graph and the declarations of node attributes (fixed
/// ones, then the selection's measure columns) and edge attributes.
fn write_head<X: Write>(w: &mut Writer<X>, sel: &Selection) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("gexf");
    root.push_attribute(("xmlns", GEXF_NS));
    root.push_attribute(("xmlns:xsi", XSI_NS));
    root.push_attribute(("xsi:schemaLocation", GEXF_SCHEMA));
    root.push_attribute(("version", "1.3"));
    w.write_event(Event::Start(root))?;
    w.create_element("meta").write_inner_content(|w| {
        w.create_element("creator")
            .write_text_content(quick_xml::events::BytesText::new("casegraph"))?;
        w.create_element("description")
            .write_text_content(quick_xml::events::BytesText::new(
                "case graph: persons, phones, handsets, locations, incidents, accounts; call links carry their calls as spells",
            ))?;
        Ok(())
    })?;

    let mut graph = BytesStart::new("graph");
    graph.push_attribute(("defaultedgetype", "directed"));
    graph.push_attribute(("mode", "dynamic"));
    graph.push_attribute(("timeformat", "dateTime"));
    graph.push_attribute(("timerepresentation", "interval"));
    w.write_event(Event::Start(graph))?;

    w.create_element("attributes")
        .with_attribute(("class", "node"))
        .with_attribute(("mode", "static"))
        .write_inner_content(|w| {
            for d in NODE_ATTRIBUTES {
                declare(w, d.name, d.ty)?;
            }
            for c in &sel.table.columns {
                declare(w, &c.name, c.ty.attr_type())?;
            }
            Ok(())
        })?;
    w.create_element("attributes")
        .with_attribute(("class", "edge"))
        .with_attribute(("mode", "static"))
        .write_inner_content(|w| {
            for (_, d) in edge_columns() {
                declare(w, d.name, d.ty)?;
            }
            Ok(())
        })?;
    Ok(())
}

/// Every selected node with its label, its attributes and its measures.
fn write_nodes<X: Write>(
    w: &mut Writer<X>,
    g: &CaseGraph,
    sel: &Selection,
    written: &mut Written,
) -> io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("nodes")))?;
    let mut values = Vec::new();
    for n in sel.nodes() {
        let id = node_id(n);
        let label = xml::attribute(node_label(g, n));
        let mut node = BytesStart::new("node");
        node.push_attribute(("id", id.as_str()));
        node.push_attribute(raw_attr("label", label));
        w.write_event(Event::Start(node))?;
        node_values(g, n, &mut values);
        w.write_event(Event::Start(BytesStart::new("attvalues")))?;
        for (k, v) in &values {
            attvalue(w, NODE_ATTRIBUTES[*k].name, &v.text())?;
        }
        for (c, col) in sel.table.columns.iter().enumerate() {
            if let Some(v) = sel.table.value(c, n) {
                attvalue(w, &col.name, &v.text())?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("attvalues")))?;
        w.write_event(Event::End(BytesEnd::new("node")))?;
        written.nodes += 1;
    }
    w.write_event(Event::End(BytesEnd::new("nodes")))?;
    Ok(())
}

/// Every selected link with its weight and attributes; a call link also
/// carries each of its calls as a spell.
fn write_edges<X: Write>(
    w: &mut Writer<X>,
    g: &CaseGraph,
    sel: &Selection,
    written: &mut Written,
) -> io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("edges")))?;
    let mut evalues = Vec::new();
    let mut spells = CallerSpells::default();
    for link in sel.links(g) {
        let id = format!("e{}", written.edges);
        let source = node_id(link.source);
        let target = node_id(link.target);
        edge_values(&link, &mut evalues);
        let weight = evalues
            .iter()
            .find(|(k, _)| EDGE_ATTRIBUTES[*k].name == "weight")
            .map(|(_, v)| v.text().into_owned())
            .unwrap_or_else(|| "1".into());
        let mut edge = BytesStart::new("edge");
        edge.push_attribute(("id", id.as_str()));
        edge.push_attribute(("source", source.as_str()));
        edge.push_attribute(("target", target.as_str()));
        edge.push_attribute(("weight", weight.as_str()));
        w.write_event(Event::Start(edge))?;
        w.write_event(Event::Start(BytesStart::new("attvalues")))?;
        for (k, v) in &evalues {
            if EDGE_ATTRIBUTES[*k].name != "weight" {
                attvalue(w, EDGE_ATTRIBUTES[*k].name, &v.text())?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("attvalues")))?;
        if let LinkData::Call(l) = link.data {
            spells.write(w, g, l.caller, l.callee)?;
        }
        w.write_event(Event::End(BytesEnd::new("edge")))?;
        written.edges += 1;
    }
    w.write_event(Event::End(BytesEnd::new("edges")))?;
    Ok(())
}

/// The outgoing calls of the caller whose links are being written, as
/// `(callee, start, end)`; links come in caller order, so each caller's
/// events are gathered once.
#[derive(Default)]
struct CallerSpells {
    spells: Vec<(u32, Time, Time)>,
    of: Option<u32>,
}

impl CallerSpells {
    /// The `spells` element of the link from `caller` to `callee`.
    fn write<X: Write>(
        &mut self,
        w: &mut Writer<X>,
        g: &CaseGraph,
        caller: u32,
        callee: u32,
    ) -> io::Result<()> {
        if self.of != Some(caller) {
            gather_spells(g, caller, &mut self.spells);
            self.of = Some(caller);
        }
        let lo = self.spells.partition_point(|s| s.0 < callee);
        let hi = self.spells.partition_point(|s| s.0 <= callee);
        w.write_event(Event::Start(BytesStart::new("spells")))?;
        for &(_, start, end) in &self.spells[lo..hi] {
            let (start, end) = (datetime(start), datetime(end));
            w.create_element("spell")
                .with_attribute(("start", start.as_str()))
                .with_attribute(("end", end.as_str()))
                .write_empty()?;
        }
        w.write_event(Event::End(BytesEnd::new("spells")))?;
        Ok(())
    }
}

/// The calls and texts `caller` placed, as `(callee, start, end)` sorted by
/// callee then time (events of a phone are already in time order and the
/// sort is stable).
fn gather_spells(g: &CaseGraph, caller: u32, out: &mut Vec<(u32, Time, Time)>) {
    out.clear();
    out.extend(g.events_of(caller).filter(|e| e.caller == caller).map(|e| {
        let end = e.start + (e.duration_s as i64).max(1);
        (e.callee, e.start, end)
    }));
    out.sort_by_key(|s| s.0);
}

fn declare<W: Write>(w: &mut Writer<W>, name: &str, ty: AttrType) -> io::Result<()> {
    w.create_element("attribute")
        .with_attribute(("id", name))
        .with_attribute(("title", name))
        .with_attribute(("type", gexf_type(ty)))
        .write_empty()?;
    Ok(())
}

fn attvalue<W: Write>(w: &mut Writer<W>, key: &str, value: &str) -> io::Result<()> {
    let mut e = BytesStart::new("attvalue");
    e.push_attribute(("for", key));
    e.push_attribute(raw_attr("value", xml::attribute(value)));
    w.write_event(Event::Empty(e))
}
