//! A gang's link chart as inline SVG: its phones coloured by role (boss,
//! lieutenant, operator, mule), burner SIMs ringed, the handsets two or more
//! of its SIMs went through, and the fraud reports naming its phones; call
//! links drawn thicker the more calls they carry. Positions come from
//! [`super::layout`], with the boss pulled to the centre.
//!
//! # Complexity
//! O(Σ call links and handset uses of the gang's phones + layout).

use super::html::Esc;
use super::incident_anchor;
use super::layout::{layout, LayoutConfig, Link};
use crate::graph::CaseGraph;
use crate::lead::patterns::PatternKind;
use crate::lead::{Gang, Role};
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

/// The chart of gang `gang`. `name_of(person_id)`: the person's name;
/// `lead_anchor(phone)`: the id of its lead's evidence section, if it has one.
pub fn gang_chart(
    g: &CaseGraph,
    gang: &Gang,
    name_of: &dyn Fn(&str) -> Option<String>,
    lead_anchor: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut local: BTreeMap<u32, usize> = BTreeMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    for (i, m) in gang.members.iter().enumerate() {
        local.insert(m.phone_idx, i);
        let burner = m.patterns.contains(&PatternKind::Burner);
        let name = m.person_ids.iter().find_map(|p| name_of(p));
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
        nodes.push(Node {
            shape: Shape::Phone {
                role: m.role,
                burner,
            },
            label,
            // Burner SIMs are registered to whoever: a name there misleads.
            name: if burner { None } else { name },
            tooltip,
            href: lead_anchor(&m.phone),
        });
    }
    let n_phones = nodes.len();
    let mut links: BTreeMap<(usize, usize, LinkKind), f64> = BTreeMap::new();
    for m in &gang.members {
        let a = local[&m.phone_idx];
        for l in g.calls_from(m.phone_idx) {
            if let Some(&b) = local.get(&l.callee) {
                if a != b {
                    *links
                        .entry((a.min(b), a.max(b), LinkKind::Call))
                        .or_insert(0.0) += l.n_events() as f64;
                }
            }
        }
    }
    // Handsets shared by two or more of the gang's SIMs.
    let mut sims_of: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for m in &gang.members {
        for u in g.handsets_of(m.phone_idx) {
            sims_of
                .entry(u.handset)
                .or_default()
                .push(local[&m.phone_idx]);
        }
    }
    for (h, sims) in sims_of {
        let mut sims = sims;
        sims.sort_unstable();
        sims.dedup();
        if sims.len() < 2 {
            continue;
        }
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
    for inc in &g.incidents {
        let id = g.str(inc.incident_id);
        if !gang.incidents.iter().any(|x| x == id) {
            continue;
        }
        let k = nodes.len();
        nodes.push(Node {
            shape: Shape::Incident,
            label: id.to_string(),
            name: None,
            tooltip: format!("fraud report {id}, {}", crate::model::time::show(inc.time)),
            href: Some(incident_anchor(&gang.gang_id, id)),
        });
        for p in g.list(inc.phones) {
            if let Some(&a) = local.get(p) {
                links.insert((a, k, LinkKind::Incident), 1.0);
            }
        }
    }

    let rings: Vec<Option<f64>> = nodes
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
    let layout_links: Vec<Link> = links
        .iter()
        .map(|(&(a, b, _), &w)| Link { a, b, weight: w })
        .collect();
    let pos = layout(nodes.len(), &layout_links, &rings, &LayoutConfig::default());
    let margin_x = 70.0;
    let margin_y = 40.0;
    let at = |i: usize| {
        (
            WIDTH / 2.0 + pos[i].0 * (WIDTH / 2.0 - margin_x),
            HEIGHT / 2.0 + pos[i].1 * (HEIGHT / 2.0 - margin_y),
        )
    };
    let max_calls = links
        .iter()
        .filter(|(k, _)| k.2 == LinkKind::Call)
        .map(|(_, &w)| w)
        .fold(1.0, f64::max);

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="link chart of gang {}" data-nodes="{}" data-phones="{n_phones}"><title>Link chart of gang {}</title><g class="links">"#,
        Esc(&gang.gang_id),
        nodes.len(),
        Esc(&gang.gang_id)
    );
    for (&(a, b, kind), &w) in &links {
        let (x1, y1) = at(a);
        let (x2, y2) = at(b);
        match kind {
            LinkKind::Call => {
                let width = 0.7 + 5.3 * (w / max_calls).sqrt();
                let _ = write!(
                    s,
                    r#"<line class="call" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke-width="{width:.2}"><title>{} calls and texts between {} and {}</title></line>"#,
                    w,
                    Esc(&gang.members[a].phone),
                    Esc(&gang.members[b].phone)
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
    s.push_str(r#"</g><g class="nodes">"#);
    // Draw the boss and lieutenants last so they sit on top.
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| match nodes[i].shape {
        Shape::Phone { role, .. } => Role::Member as u8 - role as u8,
        _ => 0,
    });
    let radius = |sh: Shape| match sh {
        Shape::Phone { role, .. } => match role {
            Role::Boss => 14.0,
            Role::Lieutenant => 11.0,
            Role::Broker => 10.0,
            Role::Mule | Role::Member => 8.5,
            Role::Operator => 6.5,
        },
        Shape::Handset => 7.0,
        Shape::Incident => 8.0,
    };
    for &i in &order {
        let n = &nodes[i];
        let (x, y) = at(i);
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
    s.push_str(r#"</g><g class="labels">"#);
    for &i in &order {
        let n = &nodes[i];
        let (x, y) = at(i);
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
    s.push_str("</g></svg>");
    s
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

    #[test]
    fn demo_gang_chart_has_every_member_and_is_stable() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let g = crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap();
        let run = crate::lead::run(&g, &crate::lead::LeadConfig::default()).unwrap();
        let gang = &run.gangs[0];
        let names = |_: &str| Some("张伟 <&>".to_string());
        let none = |_: &str| None;
        let a = gang_chart(&g, gang, &names, &none);
        let b = gang_chart(&g, gang, &names, &none);
        assert_eq!(a, b);
        assert_eq!(a.matches("<circle").count(), gang.members.len());
        assert_eq!(a.matches("class=\"phone ").count(), gang.members.len());
        for inc in &gang.incidents {
            assert!(a.contains(inc.as_str()), "incident {inc} missing");
        }
    }
}
