//! A gang's link chart as inline SVG: its phones coloured by role (boss,
//! lieutenant, operator, mule), burner SIMs ringed, the handsets two or more
//! of its SIMs went through, and the fraud reports naming its phones; call
//! links drawn thicker the more calls they carry. Positions come from
//! [`super::layout`], with the boss pulled to the centre.
//!
//! # Complexity
//! O(Σ call links and handset uses of the gang's phones + layout).

use super::html::Esc;
use super::layout::{layout, LayoutConfig, Link};
use crate::graph::CaseGraph;
use crate::lead::patterns::PatternKind;
use crate::lead::{Gang, Member, Role};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::fmt::Write;

pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 780.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Phone { role: Role, burner: bool },
    Handset,
    Incident,
}

struct Node {
    shape: Shape,
    label: String,
    /// A second label line (the holder's name).
    name: Option<String>,
    tooltip: String,
    href: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LinkKind {
    Call,
    Handset,
    Incident,
}

/// The fill colour of a role; the legend uses the same.
pub fn role_colour(r: Role) -> &'static str {
    match r {
        Role::Boss => "#c0392b",
        Role::Lieutenant => "#e67e22",
        Role::Broker => "#d4ac0d",
        Role::Operator => "#2e86c1",
        Role::Mule => "#27ae60",
        Role::Member => "#95a5a6",
    }
}

pub const HANDSET_COLOUR: &str = "#7f8c8d";
pub const INCIDENT_COLOUR: &str = "#8e44ad";

/// `+8613900000001` -> `139 0000 0001`; other numbers as written.
pub fn short_number(n: &str) -> String {
    match n.strip_prefix("+86") {
        Some(d) if d.len() == 11 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{} {} {}", &d[..3], &d[3..7], &d[7..])
        }
        _ => n.to_string(),
    }
}

fn tail(s: &str, n: usize) -> &str {
    let start = s
        .char_indices()
        .rev()
        .nth(n - 1)
        .map(|(i, _)| i)
        .unwrap_or(0);
    &s[start..]
}

/// The most nodes (phones, handsets and fraud reports) one link chart
/// draws. A gang whose chart would hold more is drawn by its
/// [`MAX_CHART_PHONES`] most important phones — by role (boss first), then
/// score, then number — the handsets two or more of those share and the
/// fraud reports naming them, the busiest first; the rest are counted in a
/// "+N more not drawn" note on the chart. Every member is still in the
/// members table, gangs.csv and the gang's GraphML.
pub const MAX_CHART_NODES: usize = 300;

/// The most phones one link chart draws (see [`MAX_CHART_NODES`]).
pub const MAX_CHART_PHONES: usize = 200;

/// What a chart over [`MAX_CHART_NODES`] leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotDrawn {
    pub phones_by_role: BTreeMap<Role, usize>,
    /// Handsets shared by two or more of the gang's SIMs.
    pub handsets: usize,
    pub fraud_reports: usize,
}

impl NotDrawn {
    pub fn total(&self) -> usize {
        self.phones_by_role.values().sum::<usize>() + self.handsets + self.fraud_reports
    }

    /// "+3,912 more not drawn: 3,700 mules, 212 operators; 40 shared
    /// handsets; 25 fraud reports".
    pub fn note(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let roles: Vec<String> = self
            .phones_by_role
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(r, &n)| count_of(n, role_plural(*r, n)))
            .collect();
        if !roles.is_empty() {
            parts.push(roles.join(", "));
        }
        if self.handsets > 0 {
            parts.push(count_of(
                self.handsets,
                if self.handsets == 1 {
                    "shared handset"
                } else {
                    "shared handsets"
                },
            ));
        }
        if self.fraud_reports > 0 {
            parts.push(count_of(
                self.fraud_reports,
                if self.fraud_reports == 1 {
                    "fraud report"
                } else {
                    "fraud reports"
                },
            ));
        }
        format!(
            "+{} more not drawn: {}",
            thousands(self.total()),
            parts.join("; ")
        )
    }
}

fn role_plural(r: Role, n: usize) -> &'static str {
    match (r, n == 1) {
        (Role::Boss, true) => "boss",
        (Role::Boss, false) => "bosses",
        (Role::Lieutenant, true) => "lieutenant",
        (Role::Lieutenant, false) => "lieutenants",
        (Role::Broker, true) => "broker",
        (Role::Broker, false) => "brokers",
        (Role::Operator, true) => "operator",
        (Role::Operator, false) => "operators",
        (Role::Mule, true) => "mule",
        (Role::Mule, false) => "mules",
        (Role::Member, true) => "member",
        (Role::Member, false) => "members",
    }
}

fn count_of(n: usize, what: &str) -> String {
    format!("{} {what}", thousands(n))
}

/// 12345 -> "12,345".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Names and link targets the page knows.
struct Anchors<'a> {
    name_of: &'a dyn Fn(&str) -> Option<String>,
    lead_anchor: &'a dyn Fn(&str) -> Option<String>,
    report_anchor: &'a dyn Fn(&str) -> Option<String>,
}

/// The nodes and links a chart draws, and what it leaves out.
struct ChartContent {
    nodes: Vec<Node>,
    /// `members[i]`: the gang member drawn as node `i` (the phones come first).
    members: Vec<usize>,
    links: BTreeMap<(usize, usize, LinkKind), f64>,
    not_drawn: NotDrawn,
}

/// The chart of gang `gang`. `name_of(person_id)`: the person's name;
/// `lead_anchor(phone)`: the id of its lead's evidence section, if it has one;
/// `report_anchor(incident_id)`: the id of the fraud report's row, if listed.
pub fn gang_chart(
    g: &CaseGraph,
    gang: &Gang,
    name_of: &dyn Fn(&str) -> Option<String>,
    lead_anchor: &dyn Fn(&str) -> Option<String>,
    report_anchor: &dyn Fn(&str) -> Option<String>,
) -> String {
    let anchors = Anchors {
        name_of,
        lead_anchor,
        report_anchor,
    };
    let content = chart_content(g, gang, &anchors);
    let pos = lay_out(&content);
    draw(gang, &content, &pos)
}

/// Chooses what to draw (all of it under [`MAX_CHART_NODES`]) and builds
/// its nodes, in the order phones, handsets, fraud reports.
fn chart_content(g: &CaseGraph, gang: &Gang, anchors: &Anchors) -> ChartContent {
    let everyone: Vec<usize> = (0..gang.members.len()).collect();
    let all_handsets = shared_handsets(g, gang, &everyone);
    let all_reports = fraud_reports(g, gang, &everyone);
    let (n_handsets, n_reports) = (all_handsets.len(), all_reports.len());
    let (members, handsets, reports) =
        if everyone.len() + all_handsets.len() + all_reports.len() <= MAX_CHART_NODES {
            (everyone, all_handsets, all_reports)
        } else {
            let members = most_important_members(gang, MAX_CHART_PHONES);
            let handsets = shared_handsets(g, gang, &members);
            let reports = fraud_reports(g, gang, &members);
            let (handsets, reports) =
                busiest_within(handsets, reports, MAX_CHART_NODES - members.len());
            (members, handsets, reports)
        };
    let mut not_drawn = NotDrawn {
        handsets: n_handsets - handsets.len(),
        fraud_reports: n_reports - reports.len(),
        ..Default::default()
    };
    let mut drawn = vec![false; gang.members.len()];
    members.iter().for_each(|&m| drawn[m] = true);
    for (m, _) in gang.members.iter().enumerate().filter(|(m, _)| !drawn[*m]) {
        *not_drawn
            .phones_by_role
            .entry(gang.members[m].role)
            .or_default() += 1;
    }
    let mut nodes: Vec<Node> = members
        .iter()
        .map(|&m| phone_node(&gang.members[m], anchors))
        .collect();
    let mut links = call_links(g, gang, &members);
    for (h, sims) in handsets {
        let imei = g.str(g.handsets[h as usize]);
        let k = nodes.len();
        nodes.push(Node {
            shape: Shape::Handset,
            label: format!("IMEI …{}", tail(imei, 6)),
            name: None,
            tooltip: format!("handset {imei}: {} of the gang's SIMs", sims.len()),
            href: None,
        });
        for s in sims {
            links.insert((s, k, LinkKind::Handset), 1.0);
        }
    }
    for (i, named) in reports {
        let inc = &g.incidents[i];
        let id = g.str(inc.incident_id);
        let k = nodes.len();
        nodes.push(Node {
            shape: Shape::Incident,
            label: id.to_string(),
            name: None,
            tooltip: format!("fraud report {id}, {}", crate::model::time::show(inc.time)),
            href: (anchors.report_anchor)(id),
        });
        for a in named {
            links.insert((a, k, LinkKind::Incident), 1.0);
        }
    }
    ChartContent {
        nodes,
        members,
        links,
        not_drawn,
    }
}

/// The indices of the `cap` most important members — by role (boss
/// first), then score (highest first), then number — in the gang's order.
fn most_important_members(gang: &Gang, cap: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..gang.members.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&gang.members[a], &gang.members[b]);
        x.role
            .cmp(&y.role)
            .then(y.score.total_cmp(&x.score))
            .then(x.phone.cmp(&y.phone))
    });
    order.truncate(cap);
    order.sort_unstable();
    order
}

/// Handsets two or more of the drawn SIMs went through, in handset order,
/// each with the nodes (positions in `members`) of those SIMs.
fn shared_handsets(g: &CaseGraph, gang: &Gang, members: &[usize]) -> Vec<(u32, Vec<usize>)> {
    let mut sims_of: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (node, &m) in members.iter().enumerate() {
        for u in g.handsets_of(gang.members[m].phone_idx) {
            sims_of.entry(u.handset).or_default().push(node);
        }
    }
    sims_of
        .into_iter()
        .filter_map(|(h, mut sims)| {
            sims.sort_unstable();
            sims.dedup();
            (sims.len() >= 2).then_some((h, sims))
        })
        .collect()
}

/// The gang's fraud reports naming a drawn phone, in the case's order, each
/// with the nodes (positions in `members`) of the phones it names.
fn fraud_reports(g: &CaseGraph, gang: &Gang, members: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let of_gang: FxHashSet<&str> = gang.incidents.iter().map(|s| s.as_str()).collect();
    let node_of: FxHashMap<u32, usize> = members
        .iter()
        .enumerate()
        .map(|(node, &m)| (gang.members[m].phone_idx, node))
        .collect();
    let drawing_everyone = members.len() == gang.members.len();
    g.incidents
        .iter()
        .enumerate()
        .filter(|(_, inc)| of_gang.contains(g.str(inc.incident_id)))
        .filter_map(|(i, inc)| {
            let named: Vec<usize> = g
                .list(inc.phones)
                .iter()
                .filter_map(|p| node_of.get(p).copied())
                .collect();
            (drawing_everyone || !named.is_empty()).then_some((i, named))
        })
        .collect()
}

/// Of the handsets and fraud reports, the ones tied to the most drawn
/// phones, `room` in all: half each, the unused half to the other; kept in
/// their original order.
#[allow(clippy::type_complexity)]
fn busiest_within(
    handsets: Vec<(u32, Vec<usize>)>,
    reports: Vec<(usize, Vec<usize>)>,
    room: usize,
) -> (Vec<(u32, Vec<usize>)>, Vec<(usize, Vec<usize>)>) {
    let for_handsets = handsets.len().min(room / 2);
    let for_reports = reports.len().min(room - for_handsets);
    let for_handsets = handsets.len().min(room - for_reports);
    (
        busiest(handsets, for_handsets),
        busiest(reports, for_reports),
    )
}

/// The `keep` items tied to the most nodes (earlier first on ties), in
/// their original order.
fn busiest<T>(items: Vec<(T, Vec<usize>)>, keep: usize) -> Vec<(T, Vec<usize>)> {
    let mut rank: Vec<usize> = (0..items.len()).collect();
    rank.sort_by(|&a, &b| items[b].1.len().cmp(&items[a].1.len()).then(a.cmp(&b)));
    let mut kept = vec![false; items.len()];
    rank.into_iter().take(keep).for_each(|i| kept[i] = true);
    items
        .into_iter()
        .zip(kept)
        .filter_map(|(item, k)| k.then_some(item))
        .collect()
}

/// A member's node: its number (a burner operator's last four digits),
/// holder's name, role and patterns in the tooltip, link to its lead.
fn phone_node(m: &Member, anchors: &Anchors) -> Node {
    let burner = m.patterns.contains(&PatternKind::Burner);
    let name = m.person_ids.iter().find_map(|p| (anchors.name_of)(p));
    let label = if m.role == Role::Operator && burner {
        format!("…{}", tail(&m.phone, 4))
    } else {
        short_number(&m.phone)
    };
    let mut tooltip = format!("{} — {}", m.phone, m.role.as_str());
    if burner {
        tooltip.push_str(", burner SIM");
    }
    if let Some(n) = &name {
        let _ = write!(tooltip, "\n{n}");
    }
    if !m.patterns.is_empty() {
        let kinds: Vec<&str> = m.patterns.iter().map(|k| k.as_str()).collect();
        let _ = write!(tooltip, "\npatterns: {}", kinds.join(", "));
    }
    Node {
        shape: Shape::Phone {
            role: m.role,
            burner,
        },
        label,
        // Burner SIMs are registered to whoever: a name there misleads.
        name: if burner { None } else { name },
        tooltip,
        href: (anchors.lead_anchor)(&m.phone),
    }
}

/// Calls and texts between the drawn phones, per pair of nodes.
fn call_links(
    g: &CaseGraph,
    gang: &Gang,
    members: &[usize],
) -> BTreeMap<(usize, usize, LinkKind), f64> {
    let node_of: FxHashMap<u32, usize> = members
        .iter()
        .enumerate()
        .map(|(node, &m)| (gang.members[m].phone_idx, node))
        .collect();
    let mut links: BTreeMap<(usize, usize, LinkKind), f64> = BTreeMap::new();
    for (a, &m) in members.iter().enumerate() {
        for l in g.calls_from(gang.members[m].phone_idx) {
            if let Some(&b) = node_of.get(&l.callee) {
                if a != b {
                    *links
                        .entry((a.min(b), a.max(b), LinkKind::Call))
                        .or_insert(0.0) += l.n_events() as f64;
                }
            }
        }
    }
    links
}

/// Positions in the unit disc: the boss at the centre, lieutenants, brokers,
/// mules, operators and burners on rings further out, fraud reports on the rim.
fn lay_out(content: &ChartContent) -> Vec<(f64, f64)> {
    let rings: Vec<Option<f64>> = content
        .nodes
        .iter()
        .map(|n| match n.shape {
            Shape::Phone { role, burner } => Some(match role {
                Role::Boss => 0.0,
                Role::Lieutenant => 0.3,
                Role::Broker => 0.45,
                Role::Mule | Role::Member => 0.6,
                Role::Operator if burner => 0.88,
                Role::Operator => 0.7,
            }),
            Shape::Handset => None,
            Shape::Incident => Some(1.0),
        })
        .collect();
    let layout_links: Vec<Link> = content
        .links
        .iter()
        .map(|(&(a, b, _), &w)| Link { a, b, weight: w })
        .collect();
    layout(
        content.nodes.len(),
        &layout_links,
        &rings,
        &LayoutConfig::default(),
    )
}

/// The SVG: links, then nodes and labels with the leaders on top, then the
/// note of what was not drawn.
fn draw(gang: &Gang, content: &ChartContent, pos: &[(f64, f64)]) -> String {
    let n_phones = content.members.len();
    let mut s = String::new();
    let cut = content.not_drawn.total();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="link chart of gang {}" data-nodes="{}" data-phones="{n_phones}"{}><title>Link chart of gang {}</title><g class="links">"#,
        Esc(&gang.gang_id),
        content.nodes.len(),
        if cut > 0 {
            format!(r#" data-not-drawn="{cut}""#)
        } else {
            String::new()
        },
        Esc(&gang.gang_id)
    );
    draw_links(&mut s, gang, content, pos);
    s.push_str(r#"</g><g class="nodes">"#);
    // Draw the boss and lieutenants last so they sit on top.
    let nodes = &content.nodes;
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| match nodes[i].shape {
        Shape::Phone { role, .. } => Role::Member as u8 - role as u8,
        _ => 0,
    });
    for &i in &order {
        draw_node(&mut s, &nodes[i], at(pos[i]));
    }
    s.push_str(r#"</g><g class="labels">"#);
    for &i in &order {
        draw_label(&mut s, &nodes[i], at(pos[i]));
    }
    s.push_str("</g>");
    if cut > 0 {
        let _ = write!(
            s,
            r##"<text class="not-drawn" x="12" y="{:.1}" font-size="13" fill="#263238">{}</text>"##,
            HEIGHT - 12.0,
            Esc(&content.not_drawn.note())
        );
    }
    s.push_str("</svg>");
    s
}

/// Chart coordinates of a layout position.
fn at(p: (f64, f64)) -> (f64, f64) {
    let margin_x = 70.0;
    let margin_y = 40.0;
    (
        WIDTH / 2.0 + p.0 * (WIDTH / 2.0 - margin_x),
        HEIGHT / 2.0 + p.1 * (HEIGHT / 2.0 - margin_y),
    )
}

fn draw_links(s: &mut String, gang: &Gang, content: &ChartContent, pos: &[(f64, f64)]) {
    let max_calls = content
        .links
        .iter()
        .filter(|(k, _)| k.2 == LinkKind::Call)
        .map(|(_, &w)| w)
        .fold(1.0, f64::max);
    for (&(a, b, kind), &w) in &content.links {
        let (x1, y1) = at(pos[a]);
        let (x2, y2) = at(pos[b]);
        match kind {
            LinkKind::Call => {
                let width = 0.7 + 5.3 * (w / max_calls).sqrt();
                let _ = write!(
                    s,
                    r#"<line class="call" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke-width="{width:.2}"><title>{} calls and texts between {} and {}</title></line>"#,
                    w,
                    Esc(&gang.members[content.members[a]].phone),
                    Esc(&gang.members[content.members[b]].phone)
                );
            }
            LinkKind::Handset => {
                let _ = write!(
                    s,
                    r#"<line class="handset" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"#
                );
            }
            LinkKind::Incident => {
                let _ = write!(
                    s,
                    r#"<line class="incident" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"#
                );
            }
        }
    }
}

fn radius(sh: Shape) -> f64 {
    match sh {
        Shape::Phone { role, .. } => match role {
            Role::Boss => 14.0,
            Role::Lieutenant => 11.0,
            Role::Broker => 10.0,
            Role::Mule | Role::Member => 8.5,
            Role::Operator => 6.5,
        },
        Shape::Handset => 7.0,
        Shape::Incident => 8.0,
    }
}

fn draw_node(s: &mut String, n: &Node, (x, y): (f64, f64)) {
    let r = radius(n.shape);
    if let Some(h) = &n.href {
        let _ = write!(s, r##"<a href="#{}">"##, Esc(h));
    }
    let _ = write!(s, "<g><title>{}</title>", Esc(&n.tooltip));
    match n.shape {
        Shape::Phone { role, burner } => {
            let _ = write!(
                s,
                r#"<circle class="phone {}{}" cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}"/>"#,
                role.as_str(),
                if burner { " burner" } else { "" },
                role_colour(role)
            );
        }
        Shape::Handset => {
            let _ = write!(
                s,
                r#"<rect class="handset" x="{:.1}" y="{:.1}" width="{}" height="{}" fill="{HANDSET_COLOUR}"/>"#,
                x - r,
                y - r,
                2.0 * r,
                2.0 * r
            );
        }
        Shape::Incident => {
            let _ = write!(
                s,
                r#"<polygon class="incident" points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{INCIDENT_COLOUR}"/>"#,
                x,
                y - r,
                x + r,
                y,
                x,
                y + r,
                x - r,
                y
            );
        }
    }
    s.push_str("</g>");
    if n.href.is_some() {
        s.push_str("</a>");
    }
}

fn draw_label(s: &mut String, n: &Node, (x, y): (f64, f64)) {
    let r = radius(n.shape);
    let class = match n.shape {
        Shape::Phone { role, .. } => role.as_str(),
        Shape::Handset => "handset",
        Shape::Incident => "incident",
    };
    let _ = write!(
        s,
        r#"<text class="lbl {class}" x="{x:.1}" y="{:.1}">{}"#,
        y + r + 11.0,
        Esc(&n.label)
    );
    if let Some(name) = &n.name {
        let _ = write!(s, r#"<tspan x="{x:.1}" dy="12">{}</tspan>"#, Esc(name));
    }
    s.push_str("</text>");
}

#[cfg(test)]
/// Every phone of the demo case as one gang (thousands of members): a
/// boss, a lieutenant in 97, a mule in 5, operators; all its reports.
pub(crate) fn giant_gang(g: &CaseGraph) -> Gang {
    let members = (0..g.phones.len() as u32)
        .map(|p| Member {
            phone: g.phone_number(p).to_string(),
            phone_idx: p,
            role: match p {
                0 => Role::Boss,
                p if p % 97 == 1 => Role::Lieutenant,
                p if p % 5 == 2 => Role::Mule,
                _ => Role::Operator,
            },
            role_reason: String::new(),
            role_confidence: 0.5,
            confidence: 0.5,
            evidence: Vec::new(),
            score: (p as u64 * 7919 % 1000) as f64 / 10.0,
            person_ids: Vec::new(),
            registered_to: Vec::new(),
            patterns: Vec::new(),
            sources: Vec::new(),
        })
        .collect();
    Gang {
        gang_id: "G1".into(),
        score: 1.0,
        cohesion: 0.1,
        leadership: Vec::new(),
        members,
        incidents: g
            .incidents
            .iter()
            .map(|i| g.str(i.incident_id).to_string())
            .collect(),
        victims: Vec::new(),
        accounts: Vec::new(),
        linked_gangs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shortened_for_labels() {
        assert_eq!(short_number("+8613900000001"), "139 0000 0001");
        assert_eq!(short_number("+4420794600000"), "+4420794600000");
        assert_eq!(tail("+8613189984179", 4), "4179");
        assert_eq!(tail("12", 4), "12");
    }

    fn demo() -> CaseGraph {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap()
    }

    fn no_anchor(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn demo_gang_chart_has_every_member_and_is_stable() {
        let g = demo();
        let run = crate::lead::run(&g, &crate::lead::LeadConfig::default()).unwrap();
        let gang = &run.gangs[0];
        let names = |_: &str| Some("张伟 <&>".to_string());
        let reports = |id: &str| Some(crate::report::incident_anchor(&gang.gang_id, id));
        let a = gang_chart(&g, gang, &names, &no_anchor, &reports);
        let b = gang_chart(&g, gang, &names, &no_anchor, &reports);
        assert_eq!(a, b);
        assert_eq!(a.matches("<circle").count(), gang.members.len());
        assert_eq!(a.matches("class=\"phone ").count(), gang.members.len());
        for inc in &gang.incidents {
            assert!(a.contains(inc.as_str()), "incident {inc} missing");
        }
        assert!(!a.contains("not drawn"), "a small gang is drawn whole");
    }

    fn anchors<'a>(f: &'a dyn Fn(&str) -> Option<String>) -> Anchors<'a> {
        Anchors {
            name_of: f,
            lead_anchor: f,
            report_anchor: f,
        }
    }

    #[test]
    fn a_giant_gang_chart_draws_its_most_important_phones_and_counts_the_rest() {
        let g = demo();
        let gang = giant_gang(&g);
        assert!(gang.members.len() > 3000, "{} phones", gang.members.len());
        let c = chart_content(&g, &gang, &anchors(&no_anchor));
        assert!(c.nodes.len() <= MAX_CHART_NODES);
        assert_eq!(c.members.len(), MAX_CHART_PHONES);
        // Drawn and not drawn add up to the gang, role by role.
        let mut by_role: BTreeMap<Role, usize> = BTreeMap::new();
        gang.members
            .iter()
            .for_each(|m| *by_role.entry(m.role).or_default() += 1);
        let mut seen = c.not_drawn.phones_by_role.clone();
        c.members
            .iter()
            .for_each(|&m| *seen.entry(gang.members[m].role).or_default() += 1);
        assert_eq!(seen, by_role);
        // No phone left out outranks a drawn one.
        let rank = |m: &Member| (m.role, -m.score);
        let worst_drawn = c.members.iter().map(|&m| rank(&gang.members[m])).fold(
            (Role::Boss, f64::NEG_INFINITY),
            |a, b| {
                if b.partial_cmp(&a).unwrap().is_gt() {
                    b
                } else {
                    a
                }
            },
        );
        let drawn: FxHashSet<usize> = c.members.iter().copied().collect();
        for (i, m) in gang
            .members
            .iter()
            .enumerate()
            .filter(|(i, _)| !drawn.contains(i))
        {
            assert!(
                rank(m) >= worst_drawn,
                "phone {i} left out but outranks a drawn one"
            );
        }
        assert!(c.members.contains(&0), "the boss is drawn");
        // Handsets and fraud reports: drawn + counted = all of them.
        let everyone: Vec<usize> = (0..gang.members.len()).collect();
        let all_handsets = shared_handsets(&g, &gang, &everyone).len();
        let count = |sh: Shape| c.nodes.iter().filter(|n| n.shape == sh).count();
        assert_eq!(count(Shape::Handset) + c.not_drawn.handsets, all_handsets);
        assert_eq!(
            count(Shape::Incident) + c.not_drawn.fraud_reports,
            g.incidents.len()
        );
        assert_eq!(
            c.not_drawn.total() + c.nodes.len(),
            gang.members.len() + all_handsets + g.incidents.len()
        );
        // The picture says so, and is the same twice.
        let svg = gang_chart(&g, &gang, &no_anchor, &no_anchor, &no_anchor);
        assert!(svg.contains(&format!("data-not-drawn=\"{}\"", c.not_drawn.total())));
        assert!(svg.contains(&Esc(&c.not_drawn.note()).to_string()));
        assert_eq!(svg.matches("class=\"phone ").count(), MAX_CHART_PHONES);
        assert_eq!(
            svg,
            gang_chart(&g, &gang, &no_anchor, &no_anchor, &no_anchor)
        );
    }

    #[test]
    fn the_note_counts_what_was_left_out_by_role() {
        let cut = NotDrawn {
            phones_by_role: [
                (Role::Lieutenant, 1),
                (Role::Operator, 1210),
                (Role::Mule, 0),
            ]
            .into_iter()
            .collect(),
            handsets: 1,
            fraud_reports: 25,
        };
        assert_eq!(cut.total(), 1237);
        assert_eq!(
            cut.note(),
            "+1,237 more not drawn: 1 lieutenant, 1,210 operators; 1 shared handset; 25 fraud reports"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
