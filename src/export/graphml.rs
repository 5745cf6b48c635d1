//! GraphML for Gephi, yEd, Cytoscape, NetworkX and igraph.
//!
//! The plain file follows the official GraphML 1.0 schema: every attribute
//! is a `<key>` with `attr.name` and `attr.type`, nodes carry short ids
//! (`ph12`, `pe3`; names only ever in the `label` data), and values that
//! are absent or not finite are left out rather than written as `inf`/`NaN`.
//!
//! With `yed` set, each node also carries yEd's own drawing data (a
//! `y:ShapeNode` with geometry, fill colour, border, label and shape per
//! kind, under a key declared `yfiles.type="nodegraphics"`), laid out as yEd
//! itself writes it, so labels and kinds show in yEd without mapping
//! properties by hand. The official schema declares `<data>` as text only
//! and does not allow the `yfiles.type` attribute, so the yEd variant is
//! well-formed GraphML but does **not** validate against `graphml.xsd`
//! (yEd validates it against its own `ygraphml.xsd`); the plain variant does.

use super::view::{CaseView, ExportGraph};
use super::{xml, AttrType, Selection, Value, Written, EDGE_ATTRIBUTES, NODE_ATTRIBUTES};
use crate::graph::CaseGraph;
use crate::model::NodeKind;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use std::io::{self, Write};

pub const GRAPHML_NS: &str = "http://graphml.graphdrawing.org/xmlns";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
pub const GRAPHML_SCHEMA: &str =
    "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";
const YED_NS: &str = "http://www.yworks.com/xml/graphml";
const YED_SCHEMA: &str = "http://graphml.graphdrawing.org/xmlns http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd";
/// The key id of yEd's node drawing data.
pub const YED_NODE_KEY: &str = "n_yfiles";

/// GraphML options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphmlOptions {
    /// Add yEd's node graphics (label, shape, colour per kind).
    pub yed: bool,
}

/// The key id of a node attribute (`n_label`) or edge attribute (`e_calls`).
pub fn node_key(name: &str) -> String {
    format!("n_{name}")
}
pub fn edge_key(name: &str) -> String {
    format!("e_{name}")
}

/// Every key the file declares, as `(for, attr.name, attr.type)`, in file
/// order: the fixed node attributes, the selection's table columns, the
/// edge attributes.
pub fn keys(sel: &Selection) -> Vec<(&'static str, String, AttrType)> {
    let mut out: Vec<(&'static str, String, AttrType)> = NODE_ATTRIBUTES
        .iter()
        .map(|d| ("node", d.name.to_string(), d.ty))
        .collect();
    out.extend(
        sel.table
            .columns
            .iter()
            .map(|c| ("node", c.name.clone(), c.ty.attr_type())),
    );
    out.extend(
        EDGE_ATTRIBUTES
            .iter()
            .map(|d| ("edge", d.name.to_string(), d.ty)),
    );
    out
}

/// Write the selection as GraphML to `out`, streaming.
pub fn write<W: Write>(
    g: &CaseGraph,
    sel: &Selection,
    options: GraphmlOptions,
    out: W,
) -> io::Result<Written> {
    write_graph(
        &CaseView {
            case: g,
            selection: sel,
        },
        options,
        out,
    )
}

/// Write any graph for export (the phone level, the individual level) as
/// GraphML to `out`, streaming. yEd's drawing data goes on the nodes that
/// have a case kind.
pub fn write_graph<W: Write, G: ExportGraph + ?Sized>(
    graph: &G,
    options: GraphmlOptions,
    out: W,
) -> io::Result<Written> {
    let mut w = Writer::new_with_indent(io::BufWriter::new(out), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("graphml");
    root.push_attribute(("xmlns", GRAPHML_NS));
    root.push_attribute(("xmlns:xsi", XSI_NS));
    if options.yed {
        root.push_attribute(("xmlns:y", YED_NS));
        root.push_attribute(("xsi:schemaLocation", YED_SCHEMA));
    } else {
        root.push_attribute(("xsi:schemaLocation", GRAPHML_SCHEMA));
    }
    w.write_event(Event::Start(root))?;

    // Key ids once, not per value.
    let (node_attrs, edge_attrs) = (graph.node_keys(), graph.edge_keys());
    let node_keys: Vec<String> = node_attrs.iter().map(|(n, _)| node_key(n)).collect();
    let edge_keys: Vec<String> = edge_attrs.iter().map(|(n, _)| edge_key(n)).collect();
    let declared = node_attrs
        .iter()
        .zip(&node_keys)
        .map(|(a, id)| ("node", a, id))
        .chain(
            edge_attrs
                .iter()
                .zip(&edge_keys)
                .map(|(a, id)| ("edge", a, id)),
        );
    for (domain, (name, ty), id) in declared {
        w.create_element("key")
            .with_attribute(("id", id.as_str()))
            .with_attribute(("for", domain))
            .with_attribute(("attr.name", name.as_str()))
            .with_attribute(("attr.type", ty.as_str()))
            .write_empty()?;
    }
    if options.yed {
        w.create_element("key")
            .with_attribute(("for", "node"))
            .with_attribute(("id", YED_NODE_KEY))
            .with_attribute(("yfiles.type", "nodegraphics"))
            .write_empty()?;
    }

    let mut element = BytesStart::new("graph");
    element.push_attribute(("id", graph.graph_id()));
    element.push_attribute(("edgedefault", "directed"));
    w.write_event(Event::Start(element))?;

    let mut written = Written::default();
    graph.each_node(&mut |n| {
        let mut node = BytesStart::new("node");
        node.push_attribute(("id", n.id));
        w.write_event(Event::Start(node))?;
        for (k, v) in n.values {
            data(&mut w, &node_keys[*k], v)?;
        }
        if let (true, Some((kind, label))) = (options.yed, n.drawn) {
            yed_shape(&mut w, kind, label, written.nodes as usize)?;
        }
        w.write_event(Event::End(BytesEnd::new("node")))?;
        written.nodes += 1;
        Ok(())
    })?;
    graph.each_edge(&mut |e| {
        let id = format!("e{}", written.edges);
        let mut edge = BytesStart::new("edge");
        edge.push_attribute(("id", id.as_str()));
        edge.push_attribute(("source", e.source));
        edge.push_attribute(("target", e.target));
        w.write_event(Event::Start(edge))?;
        for (k, v) in e.values {
            data(&mut w, &edge_keys[*k], v)?;
        }
        w.write_event(Event::End(BytesEnd::new("edge")))?;
        written.edges += 1;
        Ok(())
    })?;

    w.write_event(Event::End(BytesEnd::new("graph")))?;
    w.write_event(Event::End(BytesEnd::new("graphml")))?;
    let mut inner = w.into_inner();
    inner.write_all(b"\n")?;
    inner.flush()?;
    Ok(written)
}

fn data<W: Write>(w: &mut Writer<W>, key: &str, v: &Value<'_>) -> io::Result<()> {
    let text = v.text();
    let escaped = xml::text(&text);
    w.create_element("data")
        .with_attribute(("key", key))
        .write_text_content(BytesText::from_escaped(escaped))?;
    Ok(())
}

/// yEd's look for each kind: shape and fill colour.
pub fn yed_style(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Person => ("ellipse", "#FFCC00"),
        NodeKind::Phone => ("roundrectangle", "#99CCFF"),
        NodeKind::Handset => ("hexagon", "#C0C0C0"),
        NodeKind::Location => ("triangle", "#99CC66"),
        NodeKind::Incident => ("octagon", "#FF6666"),
        NodeKind::Account => ("diamond", "#CC99FF"),
    }
}

/// Nodes start on a grid (yEd has no automatic placement on load; the
/// analyst runs a layout), sized to their label.
const GRID_COLUMNS: usize = 40;
const GRID_STEP: f64 = 160.0;

fn yed_shape<W: Write>(
    w: &mut Writer<W>,
    kind: NodeKind,
    label: &str,
    seq: usize,
) -> io::Result<()> {
    let (shape, fill) = yed_style(kind);
    let chars = label.chars().count().min(40) as f64;
    let width = (chars * 8.0 + 16.0).max(30.0);
    let x = (seq % GRID_COLUMNS) as f64 * GRID_STEP;
    let y = (seq / GRID_COLUMNS) as f64 * GRID_STEP / 2.0;
    w.create_element("data")
        .with_attribute(("key", YED_NODE_KEY))
        .write_inner_content(|w| {
            w.create_element("y:ShapeNode").write_inner_content(|w| {
                w.create_element("y:Geometry")
                    .with_attribute(("height", "30.0"))
                    .with_attribute(("width", format!("{width:.1}").as_str()))
                    .with_attribute(("x", format!("{x:.1}").as_str()))
                    .with_attribute(("y", format!("{y:.1}").as_str()))
                    .write_empty()?;
                w.create_element("y:Fill")
                    .with_attribute(("color", fill))
                    .with_attribute(("transparent", "false"))
                    .write_empty()?;
                w.create_element("y:BorderStyle")
                    .with_attribute(("color", "#000000"))
                    .with_attribute(("raised", "false"))
                    .with_attribute(("type", "line"))
                    .with_attribute(("width", "1.0"))
                    .write_empty()?;
                let label = xml::text(label);
                w.create_element("y:NodeLabel")
                    .with_attribute(("alignment", "center"))
                    .with_attribute(("autoSizePolicy", "content"))
                    .with_attribute(("fontFamily", "Dialog"))
                    .with_attribute(("fontSize", "12"))
                    .with_attribute(("fontStyle", "plain"))
                    .with_attribute(("hasBackgroundColor", "false"))
                    .with_attribute(("hasLineColor", "false"))
                    .with_attribute(("horizontalTextPosition", "center"))
                    .with_attribute(("iconTextGap", "4"))
                    .with_attribute(("modelName", "internal"))
                    .with_attribute(("modelPosition", "c"))
                    .with_attribute(("textColor", "#000000"))
                    .with_attribute(("verticalTextPosition", "bottom"))
                    .with_attribute(("visible", "true"))
                    .with_attribute(("xml:space", "preserve"))
                    .write_text_content(BytesText::from_escaped(label))?;
                w.create_element("y:Shape")
                    .with_attribute(("type", shape))
                    .write_empty()?;
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}
