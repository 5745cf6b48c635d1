//! The page itself: sections in the order an investigator reads them —
//! summary, leads, gangs, hotspots, evidence — with the stylesheet
//! (`report.css`, screen and print) and script (`report.js`) inlined.
//!
//! The page stays small whatever the case: it shows at most
//! [`MAX_GANG_SECTIONS`] gangs, [`MAX_LEAD_ROWS`] leads, and per gang at most
//! [`MAX_LEADER_ITEMS`] leaders, [`MAX_MEMBER_ROWS`] members,
//! [`MAX_REPORT_ROWS`] fraud reports and [`MAX_LISTED`] victims and
//! accounts, each list ending with a line saying how many more there are
//! and which file has them all; each link chart draws at most
//! [`super::svg::MAX_CHART_NODES`] nodes.
//!
//! # Complexity
//! O(events of the shown gangs' phones + calls.csv events once, to describe
//! the cited call rows + gang members + leads · reasons); each link chart's
//! layout costs a bounded amount (its nodes are capped).

use super::heatmap;
use super::html::{escape, Esc};
#[cfg(test)]
use super::svg::MAX_CHART_PHONES;
use super::svg::{gang_chart, role_colour, HANDSET_COLOUR, INCIDENT_COLOUR};
use super::{gang_anchor, incident_anchor, lead_anchor, Manifest};
use crate::graph::provenance::{CALLS_CSV, INCIDENTS_CSV, LOCATIONS_CSV, PERSONS_CSV, PHONES_CSV};
use crate::graph::{CaseGraph, NONE};
use crate::lead::write::num;
use crate::lead::{Gang, LeadRun, Role};
use crate::model::time::show;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Gangs given a section (and a chart), at most; the highest scored first.
pub const MAX_GANG_SECTIONS: usize = 50;
/// Leads in the ranked table and the evidence section, at most.
pub const MAX_LEAD_ROWS: usize = 300;
/// Boss, lieutenants and brokers listed in words above a chart, at most.
pub const MAX_LEADER_ITEMS: usize = 30;
/// Rows of a gang's members table, at most (the most important first).
pub const MAX_MEMBER_ROWS: usize = 300;
/// Rows of a gang's fraud-reports table, at most.
pub const MAX_REPORT_ROWS: usize = 200;
/// Victims, and accounts, named per gang, at most.
pub const MAX_LISTED: usize = 100;

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Looks things up by the ids written in the run's outputs.
struct Index<'g> {
    g: &'g CaseGraph,
    person_by_id: FxHashMap<&'g str, u32>,
    /// Names of the person records claiming each phone.
    claimed_by: FxHashMap<u32, Vec<u32>>,
    /// calls.csv line -> event, for the lines the report cites.
    event_by_line: FxHashMap<u32, u32>,
    /// Each phone's gang membership (its first, as gangs.csv lists them).
    member_by_phone: FxHashMap<&'g str, &'g crate::lead::Member>,
    /// The leads and gangs the page shows (and so can link to).
    shown_leads: FxHashSet<&'g str>,
    shown_gangs: FxHashSet<&'g str>,
}

impl<'g> Index<'g> {
    fn new(g: &'g CaseGraph, run: &'g LeadRun) -> Self {
        let person_by_id = g
            .persons
            .iter()
            .enumerate()
            .map(|(i, p)| (g.str(p.person_id), i as u32))
            .collect();
        let mut claimed_by: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for pp in g.person_phones.iter().filter(|pp| pp.claimed()) {
            claimed_by.entry(pp.phone).or_default().push(pp.person);
        }
        let cited: FxHashSet<u32> = run
            .leads
            .iter()
            .flat_map(|l| l.sources.iter())
            .filter_map(|s| s.strip_prefix("calls.csv:"))
            .filter_map(|n| n.parse().ok())
            .collect();
        let event_by_line = g
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| cited.contains(&e.line))
            .map(|(i, e)| (e.line, i as u32))
            .collect();
        let mut member_by_phone: FxHashMap<&str, &crate::lead::Member> = FxHashMap::default();
        for m in run.gangs.iter().flat_map(|g| g.members.iter()) {
            member_by_phone.entry(m.phone.as_str()).or_insert(m);
        }
        Index {
            g,
            person_by_id,
            claimed_by,
            event_by_line,
            member_by_phone,
            shown_leads: shown_leads(run).map(|l| l.entity.as_str()).collect(),
            shown_gangs: shown_gangs(run).map(|g| g.gang_id.as_str()).collect(),
        }
    }

    /// A link to gang `id`'s section, or its id alone when it has none.
    fn gang_link(&self, id: &str, text: &str) -> String {
        if self.shown_gangs.contains(id) {
            format!("<a href=\"#{}\">{}</a>", gang_anchor(id), escape(text))
        } else {
            escape(text)
        }
    }

    fn name_of(&self, person_id: &str) -> Option<String> {
        let &i = self.person_by_id.get(person_id)?;
        let n = self.g.str(self.g.persons[i as usize].name);
        (!n.is_empty()).then(|| n.to_string())
    }

    /// The distinct names of a lead's holder: its gang member's person
    /// records, else the records claiming the phone.
    fn holder_names(&self, phone: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        match self.member_by_phone.get(phone) {
            Some(m) => names.extend(m.person_ids.iter().filter_map(|p| self.name_of(p))),
            None => {
                if let Some(p) = self.g.find_phone(phone) {
                    for &r in self.claimed_by.get(&p).into_iter().flatten() {
                        let n = self.g.str(self.g.persons[r as usize].name);
                        if !n.is_empty() {
                            names.push(n.to_string());
                        }
                    }
                }
            }
        }
        let mut seen = FxHashSet::default();
        names.retain(|n| seen.insert(n.clone()));
        names
    }

    fn person_line(&self, line: u32) -> Option<String> {
        let p = self.g.persons.iter().find(|p| p.line == line)?;
        Some(format!(
            "person {} {} ({})",
            self.g.str(p.person_id),
            self.g.str(p.name),
            p.role().as_str()
        ))
    }

    /// What the source row `file:line` says, in a few words.
    fn describe_source(&self, source: &str) -> String {
        let g = self.g;
        let Some((file, line)) = source.rsplit_once(':') else {
            return String::new();
        };
        let Ok(line) = line.parse::<u32>() else {
            return String::new();
        };
        match file {
            CALLS_CSV => self
                .event_by_line
                .get(&line)
                .map(|&i| {
                    let e = &g.events[i as usize];
                    format!(
                        "{} {} → {}, {}{}",
                        show(e.start),
                        g.phone_number(e.caller),
                        g.phone_number(e.callee),
                        e.kind().as_str(),
                        if e.is_text() {
                            String::new()
                        } else {
                            format!(", {} s", e.duration_s)
                        }
                    )
                })
                .unwrap_or_default(),
            INCIDENTS_CSV => g
                .incidents
                .iter()
                .find(|i| i.line == line)
                .map(|i| {
                    format!(
                        "{} {} {}, victim {}",
                        g.str(i.incident_id),
                        i.category().as_str(),
                        show(i.time),
                        g.str(i.victim_id)
                    )
                })
                .unwrap_or_default(),
            PERSONS_CSV => self.person_line(line).unwrap_or_default(),
            PHONES_CSV => g
                .registrations
                .iter()
                .find(|r| r.line == line)
                .map(|r| {
                    format!(
                        "{} registered to {} ({})",
                        g.phone_number(r.phone),
                        g.str(r.subscriber_name),
                        g.str(r.subscriber_id_number)
                    )
                })
                .unwrap_or_default(),
            LOCATIONS_CSV => g
                .locations
                .iter()
                .find(|l| l.line == line)
                .map(|l| format!("{} {}", g.str(l.location_id), g.str(l.name)))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
}

fn shown_leads(run: &LeadRun) -> impl Iterator<Item = &crate::lead::Lead> {
    run.leads.iter().take(MAX_LEAD_ROWS)
}

fn shown_gangs(run: &LeadRun) -> impl Iterator<Item = &Gang> {
    run.gangs.iter().take(MAX_GANG_SECTIONS)
}

/// The line closing a list cut at its cap, if it was.
fn more_line(s: &mut String, more: usize, what: &str, file: &str) {
    if more > 0 {
        let _ = writeln!(
            s,
            "<p class=\"small more-rows\">{more} more {what} not shown here; {file} lists them all.</p>"
        );
    }
}

fn case_title(m: &Manifest) -> String {
    m.case
        .as_deref()
        .map(|c| {
            let p = std::path::Path::new(c);
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| c.to_string())
        })
        .unwrap_or_else(|| "case".into())
}

/// The whole page.
pub fn render(g: &CaseGraph, run: &LeadRun, m: &Manifest) -> String {
    let ix = Index::new(g, run);
    let title = case_title(m);
    let mut s = String::with_capacity(1 << 20);
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="casegraph {ver}">
<title>Case report: {t}</title>
<style>
{CSS}</style>
<script>
{err}
</script>
</head>
<body data-report-ready="no">
<header>
<h1>Case report: {t}</h1>
<p class="sub">casegraph {ver} · {ng} gangs · {nl} leads · {nh} pattern hits</p>
<div id="script-errors" class="script-errors" hidden></div>
</header>
"#,
        ver = Esc(&m.casegraph_version),
        t = Esc(&title),
        ng = run.gangs.len(),
        nl = run.leads.len(),
        nh = run.hits.len(),
        err = ERROR_HOOK,
    );
    nav(&mut s, run);
    s.push_str("<main>\n");
    summary(&mut s, m);
    for (k, gang) in shown_gangs(run).enumerate() {
        gang_section(&mut s, &ix, run, k, gang);
    }
    more_line(
        &mut s,
        run.gangs.len().saturating_sub(MAX_GANG_SECTIONS),
        "gangs (the lowest scored)",
        "gangs.csv",
    );
    not_gangs(&mut s, g, run);
    leads(&mut s, &ix, run);
    analyst_notes(&mut s, run);
    hotspots(&mut s, run);
    evidence(&mut s, &ix, run);
    let _ = write!(
        s,
        "</main>\n<footer>Written by casegraph {}. Every lead is explained back to the rows of the case files it rests on; the charts are drawn from the same data.</footer>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        Esc(&m.casegraph_version)
    );
    s
}

/// Registered first, in the head, so an error anywhere later is caught and
/// shown on the page (and seen by the browser test).
const ERROR_HOOK: &str = r#"window.addEventListener("error", function (e) {
  var box = document.getElementById("script-errors");
  var msg = "script error: " + (e && e.message ? e.message : "unknown");
  if (box) { box.hidden = false; var p = document.createElement("p"); p.textContent = msg; box.appendChild(p); }
  var b = document.body; if (b) { b.setAttribute("data-script-errors", String(Number(b.getAttribute("data-script-errors") || 0) + 1)); }
});"#;

/// Groups of suspects that were not reported as gangs (too large after
/// splitting, or a crowd rather than a gang), with the reason; at most
/// [`MAX_NOT_GANGS`] rows, the rest counted (leads.json lists every one).
fn not_gangs(s: &mut String, g: &CaseGraph, run: &LeadRun) {
    if run.dropped.is_empty() {
        return;
    }
    let _ = write!(
        s,
        "<section id=\"not-gangs\">\n<h2>Groups not reported as gangs</h2>\n<p class=\"small\">{} groups of suspects held together but are not reported: too large for a gang after splitting along their weakest ties, keeping too little of their evidence inside, or held together only by a den they share with no fraud report tying their SIMs.</p>\n<table><thead><tr><th>first phone</th><th>holders</th><th>phones</th><th>why</th></tr></thead><tbody>\n",
        run.dropped.len()
    );
    for d in run.dropped.iter().take(MAX_NOT_GANGS) {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            Esc(g.phone_number(d.first_phone)),
            d.holders,
            d.phones,
            Esc(&d.reason)
        );
    }
    s.push_str("</tbody></table>\n");
    more_line(
        s,
        run.dropped.len().saturating_sub(MAX_NOT_GANGS),
        "groups",
        "leads.json (not_gangs)",
    );
    s.push_str("</section>\n");
}

const MAX_NOT_GANGS: usize = 50;

/// The analyst's labels, notes and lead statuses from the case's notes
/// file (written in `casegraph serve`), kept apart from the evidence: at
/// most [`MAX_NOTE_ROWS`] rows, each note cut to [`MAX_NOTE_SHOWN`]
/// characters, the rest counted.
fn analyst_notes(s: &mut String, run: &LeadRun) {
    if run.analyst_notes.is_empty() {
        return;
    }
    let _ = write!(
        s,
        "<section id=\"analyst-notes\">\n<h2>Analyst notes</h2>\n<p class=\"small\">{} entities have labels, notes or a status in the case's notes file. They are the analyst's, not evidence: gangs and scores above do not read them; a dismissed lead is listed apart in dismissed.csv.</p>\n<table class=\"notes\"><thead><tr><th>entity</th><th>label</th><th>status</th><th>note</th><th>by</th><th>updated</th></tr></thead><tbody>\n",
        run.analyst_notes.len()
    );
    let opt = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    for n in run.analyst_notes.iter().take(MAX_NOTE_ROWS) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>",
            Esc(&n.entity),
            Esc(&opt(&n.label)),
            Esc(&opt(&n.status)),
        );
        push_clipped(s, &opt(&n.note), MAX_NOTE_SHOWN);
        let _ = writeln!(
            s,
            "</td><td>{}</td><td>{}</td></tr>",
            Esc(&opt(&n.analyst)),
            Esc(&opt(&n.updated))
        );
    }
    s.push_str("</tbody></table>\n");
    more_line(
        s,
        run.analyst_notes.len().saturating_sub(MAX_NOTE_ROWS),
        "notes",
        "the case's notes file",
    );
    if !run.confirmed_members.is_empty() {
        let _ = write!(
            s,
            "<h3>Confirmed gang members</h3>\n<p class=\"small\">{} phones and persons the analyst confirmed as gang members: <em>detected</em> in the gang by the evidence, <em>kept</em> in it on the confirmation alone (the detectors did not place them in this run), or listed <em>apart</em> when no gang of this run holds the phones they were confirmed with.</p>\n<table class=\"notes\" id=\"confirmed-members\"><thead><tr><th>member</th><th>gang</th><th>placement</th><th>by</th><th>why</th></tr></thead><tbody>\n",
            run.confirmed_members.len()
        );
        for c in run.confirmed_members.iter().take(MAX_NOTE_ROWS) {
            let _ = writeln!(
                s,
                "<tr><td class=\"num\">{}:{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
                c.entity_kind,
                Esc(&c.entity),
                Esc(c.gang_id.as_deref().unwrap_or("")),
                c.placement,
                Esc(&c.analyst),
                Esc(&c.reason)
            );
        }
        s.push_str("</tbody></table>\n");
        more_line(
            s,
            run.confirmed_members.len().saturating_sub(MAX_NOTE_ROWS),
            "confirmed members",
            "leads.json (confirmed_members)",
        );
    }
    s.push_str("</section>\n");
}

const MAX_NOTE_ROWS: usize = 200;
const MAX_NOTE_SHOWN: usize = 400;

fn nav(s: &mut String, run: &LeadRun) {
    s.push_str(r##"<nav><a href="#summary">Summary</a> "##);
    for gang in shown_gangs(run) {
        let _ = write!(
            s,
            r##"<a href="#{}">Gang {}</a> "##,
            gang_anchor(&gang.gang_id),
            Esc(&gang.gang_id)
        );
    }
    if !run.dropped.is_empty() {
        s.push_str(r##"<a href="#not-gangs">Not gangs</a> "##);
    }
    s.push_str(r##"<a href="#leads">Leads</a> "##);
    if !run.analyst_notes.is_empty() {
        s.push_str(r##"<a href="#analyst-notes">Notes</a> "##);
    }
    s.push_str(
        r##"<a href="#hotspots">Hotspots</a> <a href="#evidence">Evidence</a></nav>
"##,
    );
}

fn summary(s: &mut String, m: &Manifest) {
    s.push_str("<section id=\"summary\">\n<h2>Run summary</h2>\n<div class=\"cols\">\n");
    s.push_str("<div><h3>Inputs</h3><table class=\"inputs\"><thead><tr><th>file</th><th class=\"n\">bytes</th><th>SHA-256</th></tr></thead><tbody>\n");
    for i in &m.inputs {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"hash\">{}</td></tr>",
            Esc(&i.file),
            i.bytes,
            Esc(&i.sha256)
        );
    }
    s.push_str("</tbody></table>\n");
    if let Some(c) = &m.case {
        let _ = writeln!(s, "<p class=\"small\">Case: <code>{}</code></p>", Esc(c));
    }
    s.push_str("<h3>Rows</h3><table><thead><tr><th>file</th><th class=\"n\">read</th><th class=\"n\">kept</th><th class=\"n\">rejected</th><th class=\"n\">duplicates</th></tr></thead><tbody>\n");
    for r in &m.rows {
        if !r.present {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td colspan=\"4\" class=\"small\">not in the case</td></tr>",
                Esc(&r.file)
            );
            continue;
        }
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td class=\"n\">{}</td></tr>",
            Esc(&r.file),
            r.rows_read,
            r.kept,
            if r.rejected > 0 { " warn" } else { "" },
            r.rejected,
            r.duplicates
        );
    }
    s.push_str("</tbody></table><p class=\"small\">Rejected rows are listed with their reasons in rejects.csv.</p></div>\n");
    s.push_str("<div><h3>Counts</h3><table class=\"counts\"><tbody>\n");
    for (k, v) in &m.counts {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            Esc(&k.replace('_', " ")),
            Esc(&v.to_string())
        );
    }
    // No stage timings here: they differ from run to run, and the report
    // is byte-identical for the same inputs (they are in manifest.json).
    s.push_str(
        "</tbody></table></div>\n<div><p class=\"small\">Stage timings are in manifest.json.</p>\n",
    );
    let _ = write!(
        s,
        "</div>\n</div>\n<p class=\"small\">Outputs of the run: {}</p>\n",
        m.outputs
            .iter()
            .map(|o| format!("<code>{}</code>", escape(o)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let config = serde_json::to_string_pretty(&m.config).unwrap_or_default();
    let _ = write!(
        s,
        "<details class=\"no-print\"><summary>Configuration of the run</summary><pre>{}</pre></details>\n</section>\n",
        Esc(&config)
    );
}

fn role_badge(r: Option<Role>) -> String {
    match r {
        Some(r) => format!(
            "<span class=\"role\" style=\"background:{}\">{}</span>",
            role_colour(r),
            r.as_str()
        ),
        None => String::new(),
    }
}

fn leads(s: &mut String, ix: &Index, run: &LeadRun) {
    s.push_str("<section id=\"leads\">\n<h2>Ranked leads</h2>\n");
    s.push_str("<p class=\"no-print\"><input id=\"lead-filter\" type=\"search\" placeholder=\"Filter leads: number, name, gang, role, reason\" aria-label=\"filter leads\"> <span id=\"lead-count\"></span></p>\n");
    s.push_str("<table id=\"leads-table\" class=\"leads\"><thead><tr><th class=\"n\">#</th><th>phone</th><th>holder</th><th class=\"n\">score</th><th class=\"n\" title=\"patterns + role + gang\">parts</th><th>gang</th><th>role</th><th>reasons</th></tr></thead><tbody>\n");
    for l in shown_leads(run) {
        let names = ix.holder_names(&l.entity);
        let gang = l
            .gang
            .as_deref()
            .map(|id| ix.gang_link(id, id))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<tr><td class=\"n\">{}</td><td class=\"num\"><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"n\"><b>{}</b></td><td class=\"n small\">{}+{}+{}</td><td>{}</td><td>{}</td><td class=\"reasons\">",
            l.rank,
            lead_anchor(&l.entity),
            Esc(&l.entity),
            Esc(&names.join(", ")),
            num(l.score),
            num(l.parts.patterns),
            num(l.parts.role),
            num(l.parts.gang),
            gang,
            role_badge(l.role),
        );
        for (i, r) in l.reasons.iter().take(3).enumerate() {
            if i > 0 {
                s.push_str("<br>");
            }
            push_clipped(s, r, 220);
        }
        if l.reasons.len() > 3 {
            let _ = write!(
                s,
                "<br><a class=\"more\" href=\"#{}\">+{} more, and the source rows</a>",
                lead_anchor(&l.entity),
                l.reasons.len() - 3
            );
        }
        s.push_str("</td></tr>\n");
    }
    s.push_str("</tbody></table>\n");
    more_line(
        s,
        run.leads.len().saturating_sub(MAX_LEAD_ROWS),
        "leads (the lowest ranked)",
        "leads.csv",
    );
    s.push_str("</section>\n");
}

/// Escaped text cut at `max` characters (the evidence section has it all).
fn push_clipped(s: &mut String, text: &str, max: usize) {
    if text.chars().count() <= max {
        s.push_str(&escape(text));
    } else {
        let cut: String = text.chars().take(max).collect();
        s.push_str(&escape(&cut));
        s.push('…');
    }
}

fn legend(s: &mut String) {
    s.push_str("<figcaption class=\"legend\">");
    for r in [
        Role::Boss,
        Role::Lieutenant,
        Role::Broker,
        Role::Operator,
        Role::Mule,
    ] {
        let _ = write!(
            s,
            "<span><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"6\" fill=\"{}\"/></svg> {}</span>",
            role_colour(r),
            r.as_str()
        );
    }
    let _ = writeln!(
        s,
        "<span><svg width=\"14\" height=\"14\"><circle class=\"burner\" cx=\"7\" cy=\"7\" r=\"5.5\" fill=\"{}\"/></svg> burner SIM (last 4 digits)</span>\
<span><svg width=\"14\" height=\"14\"><rect x=\"1\" y=\"1\" width=\"12\" height=\"12\" fill=\"{HANDSET_COLOUR}\"/></svg> handset shared by SIMs</span>\
<span><svg width=\"14\" height=\"14\"><polygon points=\"7,0 14,7 7,14 0,7\" fill=\"{INCIDENT_COLOUR}\"/></svg> fraud report</span>\
<span>line width: calls and texts between the two phones</span></figcaption>",
        role_colour(Role::Operator)
    );
}

fn gang_section(s: &mut String, ix: &Index, run: &LeadRun, k: usize, gang: &Gang) {
    let of = |r: Role| gang.members.iter().filter(|m| m.role == r).count();
    let _ = write!(
        s,
        "<section class=\"gang\" id=\"{}\" data-gang=\"{}\">\n<h2>Gang {} <span class=\"sub\">score {} · {} phones: {} boss, {} lieutenants, {} brokers, {} operator phones, {} mules · {} fraud reports</span></h2>\n",
        gang_anchor(&gang.gang_id),
        Esc(&gang.gang_id),
        Esc(&gang.gang_id),
        num(gang.score),
        gang.members.len(),
        of(Role::Boss),
        of(Role::Lieutenant),
        of(Role::Broker),
        of(Role::Operator),
        of(Role::Mule),
        gang.incidents.len()
    );
    leaders_in_words(s, ix, gang);
    if !gang.linked_gangs.is_empty() {
        let _ = writeln!(
            s,
            "<p>Calls with gangs {}</p>",
            gang.linked_gangs
                .iter()
                .map(|o| ix.gang_link(o, o))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let reports = report_rows(ix.g, gang);
    chart_figure(s, ix, gang, &reports);
    let mut in_gang = vec![false; ix.g.phones.len()];
    for m in &gang.members {
        in_gang[m.phone_idx as usize] = true;
    }
    activity(s, ix.g, gang, &in_gang);
    patterns_table(s, run, gang, &in_gang);
    reports_table(s, ix, gang, &reports, &in_gang);
    victims_and_accounts(s, ix, gang);
    members_table(s, ix, run, gang);
    let _ = writeln!(
        s,
        "<p class=\"small\">The chart and the member list are in gang_{}.graphml too, for Gephi or yEd. Chart position {} of {}.</p>\n</section>",
        Esc(&gang.gang_id),
        k + 1,
        run.gangs.len()
    );
}

/// The boss, lieutenants and brokers in words, before the picture.
fn leaders_in_words(s: &mut String, ix: &Index, gang: &Gang) {
    s.push_str("<ul class=\"leaders\">");
    let mut leaders: Vec<&crate::lead::Member> = gang
        .members
        .iter()
        .filter(|m| matches!(m.role, Role::Boss | Role::Lieutenant | Role::Broker))
        .collect();
    leaders.sort_by(|a, b| a.role.cmp(&b.role).then(a.phone.cmp(&b.phone)));
    let more = leaders.len().saturating_sub(MAX_LEADER_ITEMS);
    for m in leaders.into_iter().take(MAX_LEADER_ITEMS) {
        let names: Vec<String> = m.person_ids.iter().filter_map(|p| ix.name_of(p)).collect();
        let mut dedup = FxHashSet::default();
        let names: Vec<&String> = names.iter().filter(|n| dedup.insert(*n)).collect();
        let _ = write!(
            s,
            "<li>{} {} {} — {}</li>",
            role_badge(Some(m.role)),
            if ix.shown_leads.contains(m.phone.as_str()) {
                format!(
                    "<a class=\"num\" href=\"#{}\">{}</a>",
                    lead_anchor(&m.phone),
                    escape(&m.phone)
                )
            } else {
                format!("<span class=\"num\">{}</span>", escape(&m.phone))
            },
            Esc(&names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")),
            Esc(&m.role_reason)
        );
    }
    s.push_str("</ul>\n");
    more_line(s, more, "leaders", "gangs.csv");
}

/// The gang's fraud reports the page lists (the first in the case's order,
/// at most [`MAX_REPORT_ROWS`]), and how many it leaves out.
fn report_rows<'g>(g: &'g CaseGraph, gang: &Gang) -> (Vec<&'g crate::graph::Incident>, usize) {
    let of_gang: FxHashSet<&str> = gang.incidents.iter().map(|s| s.as_str()).collect();
    let mut rows: Vec<&crate::graph::Incident> = g
        .incidents
        .iter()
        .filter(|i| of_gang.contains(g.str(i.incident_id)))
        .collect();
    let more = rows.len().saturating_sub(MAX_REPORT_ROWS);
    rows.truncate(MAX_REPORT_ROWS);
    (rows, more)
}

/// The link chart with its legend; its nodes link to the leads and fraud
/// reports the page lists.
fn chart_figure(
    s: &mut String,
    ix: &Index,
    gang: &Gang,
    reports: &(Vec<&crate::graph::Incident>, usize),
) {
    let g = ix.g;
    let listed: FxHashSet<&str> = reports.0.iter().map(|i| g.str(i.incident_id)).collect();
    let has_lead = &ix.shown_leads;
    let chart = gang_chart(
        g,
        gang,
        &|p| ix.name_of(p),
        &|phone| has_lead.contains(phone).then(|| lead_anchor(phone)),
        &|id| {
            listed
                .contains(id)
                .then(|| incident_anchor(&gang.gang_id, id))
        },
    );
    s.push_str("<figure class=\"chart-box\">");
    s.push_str(&chart);
    legend(s);
    s.push_str("</figure>\n");
}

/// When it works: the gang's calls by hour and weekday.
fn activity(s: &mut String, g: &CaseGraph, gang: &Gang, in_gang: &[bool]) {
    let phones: Vec<u32> = gang.members.iter().map(|m| m.phone_idx).collect();
    let grid = heatmap::gang_calls(g, &phones, in_gang);
    let _ = writeln!(
        s,
        "<h3>When it works: calls and texts by hour and weekday</h3><p class=\"small\">{} calls and texts with a phone of gang {} at either end, on the case's wall clock.</p>\n<div class=\"heat\">{}</div>",
        grid.total(),
        Esc(&gang.gang_id),
        heatmap::svg(&grid, &format!("calls of gang {} by hour and weekday", gang.gang_id))
    );
}

/// Patterns: which member phones show each, and what the detectors said.
fn patterns_table(s: &mut String, run: &LeadRun, gang: &Gang, in_gang: &[bool]) {
    s.push_str("<h3>Patterns</h3><table class=\"patterns\"><thead><tr><th>pattern</th><th class=\"n\">phones</th><th>what the detectors found (examples)</th></tr></thead><tbody>\n");
    let mut by_kind: BTreeMap<crate::lead::patterns::PatternKind, (usize, Vec<&str>)> =
        BTreeMap::new();
    for m in &gang.members {
        for &kd in &m.patterns {
            by_kind.entry(kd).or_default().0 += 1;
        }
    }
    for h in &run.hits {
        let involved = (h.entity.kind == crate::model::NodeKind::Phone
            && in_gang[h.entity.idx as usize])
            || h.phones.iter().any(|&p| in_gang[p as usize]);
        if involved {
            if let Some(e) = by_kind.get_mut(&h.kind) {
                if e.1.len() < 3 {
                    e.1.push(&h.reason);
                }
            }
        }
    }
    for (kind, (n, examples)) in &by_kind {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"n\">{n}</td><td class=\"small\">",
            kind.as_str()
        );
        for (i, e) in examples.iter().enumerate() {
            if i > 0 {
                s.push_str("<br>");
            }
            push_clipped(s, e, 200);
        }
        s.push_str("</td></tr>\n");
    }
    s.push_str("</tbody></table>\n");
}

/// The fraud reports naming its phones, one row each.
fn reports_table(
    s: &mut String,
    ix: &Index,
    gang: &Gang,
    reports: &(Vec<&crate::graph::Incident>, usize),
    in_gang: &[bool],
) {
    let g = ix.g;
    let _ = writeln!(
        s,
        "<h3>Fraud reports naming its phones ({})</h3>",
        gang.incidents.len()
    );
    s.push_str("<table class=\"incidents\"><thead><tr><th>report</th><th>time</th><th>place</th><th>victim</th><th class=\"n\">loss</th><th>accounts</th><th>gang phones named</th><th>source</th></tr></thead><tbody>\n");
    for inc in reports.0.iter().copied() {
        let id = g.str(inc.incident_id);
        let place = if inc.location == NONE {
            String::new()
        } else {
            g.str(g.locations[inc.location as usize].name).to_string()
        };
        let victim_id = g.str(inc.victim_id);
        let victim = match ix.name_of(victim_id) {
            Some(n) => format!("{victim_id} {n}"),
            None => victim_id.to_string(),
        };
        let accounts: Vec<&str> = g
            .list(inc.accounts)
            .iter()
            .map(|&a| g.str(g.accounts[a as usize]))
            .collect();
        let named: Vec<&str> = g
            .list(inc.phones)
            .iter()
            .filter(|&&p| in_gang[p as usize])
            .map(|&p| g.phone_number(p))
            .collect();
        let _ = writeln!(
            s,
            "<tr id=\"{}\"><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"src\">incidents.csv:{}</td></tr>",
            incident_anchor(&gang.gang_id, id),
            Esc(id),
            Esc(&show(inc.time)),
            Esc(&place),
            Esc(&victim),
            if inc.loss.is_finite() { num(inc.loss) } else { String::new() },
            Esc(&accounts.join(" ")),
            Esc(&named.join(" ")),
            inc.line
        );
    }
    s.push_str("</tbody></table>\n");
    more_line(s, reports.1, "fraud reports", "leads.json");
}

/// The victims and the accounts the money went to.
fn victims_and_accounts(s: &mut String, ix: &Index, gang: &Gang) {
    let victims: Vec<String> = gang
        .victims
        .iter()
        .take(MAX_LISTED)
        .map(|v| match ix.name_of(v) {
            Some(n) => format!("{v} {n}"),
            None => v.clone(),
        })
        .collect();
    let accounts: Vec<&str> = gang
        .accounts
        .iter()
        .take(MAX_LISTED)
        .map(|a| a.as_str())
        .collect();
    let and_more = |n: usize| match n.saturating_sub(MAX_LISTED) {
        0 => String::new(),
        more => format!(" and {more} more (in leads.json)"),
    };
    let _ = writeln!(
        s,
        "<p><b>Victims ({}):</b> {}{}</p><p><b>Accounts the money went to ({}):</b> <span class=\"num\">{}</span>{}</p>",
        gang.victims.len(),
        Esc(&victims.join(", ")),
        and_more(gang.victims.len()),
        gang.accounts.len(),
        Esc(&accounts.join(", ")),
        and_more(gang.accounts.len())
    );
}

/// Every member (at most [`MAX_MEMBER_ROWS`]), the most important first.
/// A member the analyst confirmed says so after why its role: kept on the
/// confirmation alone, its role reason already says that.
fn members_table(s: &mut String, ix: &Index, run: &LeadRun, gang: &Gang) {
    let has_lead = &ix.shown_leads;
    let _ = writeln!(s, "<h3>Members ({})</h3>", gang.members.len());
    s.push_str("<table class=\"members\"><thead><tr><th>phone</th><th>role</th><th>holder records</th><th>patterns</th><th class=\"n\">score</th><th>why this role</th></tr></thead><tbody>\n");
    let mut order: Vec<usize> = (0..gang.members.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&gang.members[a], &gang.members[b]);
        x.role
            .cmp(&y.role)
            .then(y.score.total_cmp(&x.score))
            .then(x.phone.cmp(&y.phone))
    });
    let more = order.len().saturating_sub(MAX_MEMBER_ROWS);
    for i in order.into_iter().take(MAX_MEMBER_ROWS) {
        let m = &gang.members[i];
        let holders: Vec<String> = m
            .person_ids
            .iter()
            .map(|p| match ix.name_of(p) {
                Some(n) => format!("{p} {n}"),
                None => p.clone(),
            })
            .collect();
        let link = if has_lead.contains(m.phone.as_str()) {
            format!(
                "<a href=\"#{}\">{}</a>",
                lead_anchor(&m.phone),
                escape(&m.phone)
            )
        } else {
            escape(&m.phone)
        };
        let why = match run.confirmation(&gang.gang_id, &m.phone) {
            Some(c) if c.placement == crate::lead::ConfirmedMember::KEPT => {
                format!("evidence: analyst. {}", m.role_reason)
            }
            Some(c) => format!(
                "{}; evidence: analyst, confirmed by {}{}",
                m.role_reason,
                c.analyst,
                c.confirmed_on
                    .as_deref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default()
            ),
            None => m.role_reason.clone(),
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"num\">{link}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td><td class=\"n\">{}</td><td class=\"small\">{}</td></tr>",
            role_badge(Some(m.role)),
            Esc(&holders.join(", ")),
            m.patterns.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
            num(m.score),
            Esc(&why)
        );
    }
    s.push_str("</tbody></table>\n");
    more_line(s, more, "members", "gangs.csv");
    confirmed_persons(s, ix, run, gang);
}

/// The persons the analyst confirmed as members of `gang`: detected (a
/// phone of theirs is a member above) or kept on the confirmation alone
/// (holding none of its phones in this run), each with why.
fn confirmed_persons(s: &mut String, ix: &Index, run: &LeadRun, gang: &Gang) {
    let confirmed: Vec<_> = run
        .confirmed_members
        .iter()
        .filter(|c| c.entity_kind == "person" && c.gang_id.as_deref() == Some(&gang.gang_id))
        .collect();
    if confirmed.is_empty() {
        return;
    }
    s.push_str("<p class=\"small confirmed-persons\">Persons confirmed by the analyst:</p>\n<ul class=\"small confirmed-persons\">\n");
    for c in confirmed {
        let name = ix
            .name_of(&c.entity)
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<li>{}{} ({}): {}</li>",
            Esc(&c.entity),
            Esc(&name),
            c.placement,
            Esc(&c.reason)
        );
    }
    s.push_str("</ul>\n");
}

fn hotspots(s: &mut String, run: &LeadRun) {
    s.push_str("<section id=\"hotspots\">\n<h2>Incident hotspots</h2>\n<p class=\"small\">Incidents by hour and weekday of the report, per category, on the case's wall clock.</p>\n");
    let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
    for h in &run.hotspots {
        *totals.entry(h.category.as_str()).or_default() += h.incidents;
    }
    let mut cats: Vec<(&str, u32)> = totals.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    s.push_str("<div class=\"heat-grid\">\n");
    for (cat, n) in &cats {
        let grid = heatmap::incidents(&run.hotspots, Some(cat));
        let _ = writeln!(
            s,
            "<div class=\"heat\" data-category=\"{}\"><h3>{} ({n})</h3>{}</div>",
            Esc(cat),
            Esc(cat),
            heatmap::svg(&grid, &format!("{cat} incidents by hour and weekday"))
        );
    }
    s.push_str("</div>\n<h3>Top places and hours</h3><table class=\"hotspots\"><thead><tr><th class=\"n\">#</th><th>category</th><th>place</th><th>when</th><th class=\"n\">incidents</th><th class=\"n\">loss</th><th>sources</th></tr></thead><tbody>\n");
    for (i, h) in run.hotspots.iter().take(20).enumerate() {
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{} <span class=\"small\">{}</span></td><td>{} {:02}:00</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"src\">{}</td></tr>",
            i + 1,
            Esc(&h.category),
            Esc(&h.location_name),
            Esc(&h.location_id),
            crate::lead::hotspot::WEEKDAYS[h.weekday as usize % 7],
            h.hour,
            h.incidents,
            num(h.loss),
            Esc(&h.sources.join(" "))
        );
    }
    let _ = writeln!(
        s,
        "</tbody></table><p class=\"small\">{} place-and-hour groups in all; hotspots.csv lists every one.</p>\n</section>",
        run.hotspots.len()
    );
}

fn evidence(s: &mut String, ix: &Index, run: &LeadRun) {
    s.push_str("<section id=\"evidence\">\n<h2>Evidence behind each lead</h2>\n<p class=\"small\">Each lead's reasons in full and the rows of the case files they rest on (a sample of at most 16 per lead; leads.csv and patterns.csv have the same).</p>\n");
    for l in shown_leads(run) {
        let names = ix.holder_names(&l.entity);
        let _ = write!(
            s,
            "<article class=\"evidence\" id=\"{}\"><h3>#{} <span class=\"num\">{}</span> {} {} <span class=\"sub\">score {}</span>{}</h3>\n<ul>",
            lead_anchor(&l.entity),
            l.rank,
            Esc(&l.entity),
            Esc(&names.join(", ")),
            role_badge(l.role),
            num(l.score),
            l.gang
                .as_deref()
                .map(|id| format!(" {}", ix.gang_link(id, &format!("gang {id}"))))
                .unwrap_or_default()
        );
        for r in &l.reasons {
            let _ = write!(s, "<li>{}</li>", Esc(r));
        }
        s.push_str("</ul>");
        if !l.sources.is_empty() {
            s.push_str("<table class=\"sources\"><tbody>");
            for src in &l.sources {
                let _ = write!(
                    s,
                    "<tr><td class=\"src\">{}</td><td>{}</td></tr>",
                    Esc(src),
                    Esc(&ix.describe_source(src))
                );
            }
            s.push_str("</tbody></table>");
        }
        s.push_str("</article>\n");
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo case, its leads run and the run's manifest.
    fn demo() -> (CaseGraph, LeadRun, Manifest) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let reading = crate::ingest::IngestConfig::default();
        let g = crate::open_case(&dir, &reading).unwrap();
        let config = crate::lead::LeadConfig::default();
        let run = crate::lead::run(&g, &config).unwrap();
        let inputs = crate::results::RunInputs {
            case: &dir,
            reading: &reading,
            columns_file: None,
            config: &config,
            config_file: None,
        };
        let manifest =
            crate::results::manifest(&g, &run, &inputs, &[], &Default::default()).unwrap();
        (g, run, manifest)
    }

    /// The inside of `<section id="ID">` on the page.
    fn section<'a>(html: &'a str, id: &str) -> &'a str {
        html.split(&format!("<section id=\"{id}\">"))
            .nth(1)
            .and_then(|t| t.split("</section>").next())
            .unwrap()
    }

    #[test]
    fn groups_not_reported_as_gangs_are_listed_with_why_and_bounded() {
        let (g, mut run, manifest) = demo();
        let none = render(&g, &run, &manifest);
        assert!(run.dropped.is_empty() && !none.contains("id=\"not-gangs\""));
        let n = MAX_NOT_GANGS + 7;
        run.dropped = (0..n)
            .map(|k| crate::lead::gang::Dropped {
                holders: 50 + k,
                phones: 300,
                reason: format!("too large <{k}>"),
                first_phone: 0,
            })
            .collect();
        let html = render(&g, &run, &manifest);
        let section = section(&html, "not-gangs");
        assert_eq!(
            section.matches("<tr>").count(),
            MAX_NOT_GANGS + 1,
            "header + rows"
        );
        assert!(section.contains(g.phone_number(0)));
        assert!(section.contains("too large &lt;0&gt;"), "reason escaped");
        assert!(section.contains("7 more groups not shown here"));
        assert!(html.contains("href=\"#not-gangs\""));
    }

    #[test]
    fn the_analysts_notes_are_shown_apart_escaped_and_bounded() {
        let (g, mut run, manifest) = demo();
        assert!(!render(&g, &run, &manifest).contains("id=\"analyst-notes\""));
        let n = MAX_NOTE_ROWS + 3;
        run.analyst_notes = (0..n)
            .map(|k| crate::lead::AnalystNote {
                entity: format!("phone:+86138{k:08}"),
                label: Some(format!("<boss {k}>")),
                note: Some("x".repeat(MAX_NOTE_SHOWN * 2)),
                status: Some("confirmed".into()),
                analyst: Some("wang".into()),
                updated: None,
            })
            .collect();
        let html = render(&g, &run, &manifest);
        let section = section(&html, "analyst-notes");
        assert_eq!(
            section.matches("<tr>").count(),
            MAX_NOTE_ROWS + 1,
            "header + rows"
        );
        assert!(section.contains("&lt;boss 0&gt;"), "label escaped");
        assert!(
            !section.contains(&"x".repeat(MAX_NOTE_SHOWN + 1)),
            "note cut"
        );
        assert!(section.contains("3 more notes not shown here"));
        assert!(html.contains("href=\"#analyst-notes\""));
    }

    #[test]
    fn a_giant_gang_keeps_the_page_small_and_says_how_many_rows_are_not_shown() {
        let (g, mut run, manifest) = demo();
        let giant = super::super::svg::giant_gang(&g);
        let n = giant.members.len();
        assert!(n > MAX_MEMBER_ROWS + MAX_CHART_PHONES);
        run.gangs[0] = giant;
        let html = render(&g, &run, &manifest);
        let members = html
            .split("<table class=\"members\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap();
        assert_eq!(
            members.matches("<tr>").count(),
            MAX_MEMBER_ROWS + 1,
            "header + rows"
        );
        assert!(html.contains(&format!(
            "{} more members not shown here; gangs.csv lists them all.",
            n - MAX_MEMBER_ROWS
        )));
        let reports = html
            .split("<table class=\"incidents\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap();
        let rows = g.incidents.len().min(MAX_REPORT_ROWS);
        assert_eq!(reports.matches("<tr id=").count(), rows);
        assert!(html.contains("more not drawn: "));
        // Every link on the page leads somewhere on it.
        for href in html.split("href=\"#").skip(1) {
            let id = &href[..href.find('"').unwrap()];
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "link to missing #{id}"
            );
        }
        assert!(html.len() < 3 << 20, "report of {} bytes", html.len());
    }
}
