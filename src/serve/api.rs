//! The JSON answers of `casegraph serve`, one method of [`Explorer`] per
//! endpoint, each a thin mapping of an existing query ([`crate::query`])
//! or exporter ([`crate::export`]) onto JSON. The HTTP layer
//! ([`super::http`]) only routes requests here and turns [`ApiError`]s
//! into 4xx answers; nothing here knows about sockets, so every answer can
//! be tested in-process.
//!
//! Nodes are named `KIND:ID` (`phone:+8618641553094`, `person:BK-000587`),
//! the spelling [`crate::graph::lookup`] reads exactly; any parameter that
//! names an entity also accepts every other spelling the terminal commands
//! accept (`186 4155 3094`, a name in characters or pinyin, an IMEI).

use crate::export::{graphml, Selection};
use crate::graph::lookup::{describe, node_text};
use crate::graph::provenance::{node_sources, NodeRef, Sources};
use crate::graph::{CaseGraph, NONE};
use crate::model::time::show;
use crate::model::{NodeKind, Time, NO_TIME};
use crate::notes::{self, NotePatch, Notes};
use crate::query::neighbors::{adjacent, Hop, LinkKind, WalkOptions};
use crate::query::{Case, QueryError, TimeRange};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Neighbours per page when `limit` is not given.
pub const DEFAULT_PAGE: usize = 50;
/// The most neighbours, timeline entries or search hits one answer holds.
pub const MAX_PAGE: usize = 2000;
/// The most nodes an export may name.
pub const MAX_EXPORT_NODES: usize = 20_000;
/// Source lines listed per file in an evidence answer (counts are exact).
pub const EVIDENCE_LINES: usize = 50;
/// At most this many paths are asked for at once.
pub const MAX_PATHS: usize = 10;
/// Paths longer than this many links are not searched.
pub const MAX_PATH_HOPS: usize = 10;

/// A request the explorer refuses: the HTTP status and a message saying
/// what was expected and what was found, with suggestions for an unknown
/// entity.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub suggestions: Vec<Value>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            message: message.into(),
            suggestions: Vec::new(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: 404,
            message: message.into(),
            suggestions: Vec::new(),
        }
    }
    /// The JSON body of the error answer.
    pub fn body(&self) -> Value {
        json!({"error": self.message, "status": self.status, "suggestions": self.suggestions})
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Query parameters, already decoded.
pub type Params = HashMap<String, String>;

/// How the explorer was set up.
#[derive(Debug, Clone)]
pub struct ExplorerConfig {
    /// The case folder or snapshot, as shown on the page.
    pub case_name: String,
    /// A `casegraph leads` output folder (its `leads.json` is read).
    pub leads_dir: Option<PathBuf>,
    /// The notes file ([`notes::notes_path_for`] by default).
    pub notes_path: PathBuf,
    /// Who writes the notes.
    pub analyst: String,
}

/// A gang member or lead as leads.json gives it, by `KIND:ID`.
#[derive(Debug, Clone, Default)]
struct Mark {
    gang: Option<String>,
    role: Option<String>,
    rank: Option<u64>,
}

/// A loaded case, ready to answer: the graph (kept for the life of the
/// process), its query state, the leads folder and the notes file.
pub struct Explorer {
    case: Case<'static>,
    config: ExplorerConfig,
    leads: Option<Value>,
    marks: HashMap<String, Mark>,
    /// Serialises this process's notes writers (the file lock serialises
    /// processes).
    notes_writer: Mutex<()>,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> crate::Error {
    crate::Error::Invalid(format!("{}: {e}", path.display()))
}

impl Explorer {
    /// Take the graph for the rest of the process (the server answers from
    /// it until it stops) and read the leads folder, if any.
    pub fn new(graph: CaseGraph, config: ExplorerConfig) -> crate::Result<Explorer> {
        let graph: &'static CaseGraph = Box::leak(Box::new(graph));
        let (leads, marks) = match &config.leads_dir {
            None => (None, HashMap::new()),
            Some(dir) => {
                let path = dir.join("leads.json");
                let bytes = std::fs::read(&path).map_err(|e| {
                    io_err(
                        &path,
                        format!(
                            "expected the leads.json of a `casegraph leads` output folder: {e}"
                        ),
                    )
                })?;
                let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    io_err(
                        &path,
                        format!("expected the JSON `casegraph leads` writes: {e}"),
                    )
                })?;
                if !v.get("leads").is_some_and(Value::is_array)
                    || !v.get("gangs").is_some_and(Value::is_array)
                {
                    return Err(io_err(
                        &path,
                        "expected an object with `gangs` and `leads` arrays, found another shape",
                    ));
                }
                let marks = marks_of(&v);
                (Some(v), marks)
            }
        };
        notes::load(&config.notes_path).map_err(|e| crate::Error::Invalid(e.to_string()))?;
        Ok(Explorer {
            case: Case::new(graph),
            config,
            leads,
            marks,
            notes_writer: Mutex::new(()),
        })
    }

    pub fn graph(&self) -> &'static CaseGraph {
        self.case.graph
    }

    pub fn config(&self) -> &ExplorerConfig {
        &self.config
    }

    /// Answer `GET /api/ENDPOINT?params`.
    pub fn get(&self, endpoint: &str, p: &Params) -> ApiResult<Value> {
        match endpoint {
            "case" => Ok(self.summary()),
            "search" => self.search(p),
            "node" => self.node_detail(p),
            "expand" => self.expand(p),
            "path" => self.paths(p),
            "evidence" => self.evidence(p),
            "timeline" => self.timeline(p),
            "leads" => self.leads(),
            "notes" => self
                .notes()
                .map(|n| serde_json::to_value(n).expect("notes")),
            _ => Err(unknown_endpoint(endpoint)),
        }
    }

    /// Answer `POST /api/notes` with a [`NotePatch`] body: the notes as written.
    pub fn post_notes(&self, body: &[u8], now_utc: &str) -> ApiResult<Value> {
        let mut patch: NotePatch = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!(
                "body: expected JSON like {{\"entity\": \"phone:+8613800138000\", \"label\": \"…\", \"note\": \"…\", \"status\": \"dismissed\"}}, found {e}"
            ))
        })?;
        // Store the entity under its canonical id, whatever spelling came.
        let n = self.node_param("entity", &patch.entity)?;
        patch.entity = self.id(n);
        notes::check(&patch).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if patch.status.as_deref() == Some("confirmed") {
            patch.gang = self.gang_of(&patch.entity);
        }
        let _guard = self.notes_writer.lock().unwrap_or_else(|e| e.into_inner());
        let written = notes::apply(
            &self.config.notes_path,
            &patch,
            &self.config.analyst,
            now_utc,
        )
        .map_err(|e| ApiError {
            status: 500,
            message: e.to_string(),
            suggestions: Vec::new(),
        })?;
        Ok(serde_json::to_value(written).expect("notes"))
    }

    /// Answer `POST /api/export` with `{"nodes": [ids]}`: the GraphML of
    /// exactly those nodes and the links among them, by the exporter
    /// `casegraph export` uses.
    pub fn export_graphml(&self, body: &[u8]) -> ApiResult<Vec<u8>> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Req {
            nodes: Vec<String>,
        }
        let req: Req = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!(
                "body: expected JSON like {{\"nodes\": [\"phone:+8613800138000\", …]}}, found {e}"
            ))
        })?;
        if req.nodes.is_empty() || req.nodes.len() > MAX_EXPORT_NODES {
            return Err(ApiError::bad_request(format!(
                "nodes: expected 1 to {MAX_EXPORT_NODES} node ids, found {}",
                req.nodes.len()
            )));
        }
        let nodes = req
            .nodes
            .iter()
            .map(|id| self.node_param("nodes", id))
            .collect::<ApiResult<Vec<_>>>()?;
        let sel = Selection::of_nodes(self.graph(), nodes);
        let mut out = Vec::new();
        graphml::write(self.graph(), &sel, Default::default(), &mut out).map_err(|e| ApiError {
            status: 500,
            message: format!("writing GraphML: {e}"),
            suggestions: Vec::new(),
        })?;
        Ok(out)
    }

    fn notes(&self) -> ApiResult<Notes> {
        notes::load(&self.config.notes_path).map_err(|e| ApiError {
            status: 500,
            message: e.to_string(),
            suggestions: Vec::new(),
        })
    }

    /// `KIND:ID` of a node.
    pub fn id(&self, n: NodeRef) -> String {
        format!("{}:{}", n.kind.as_str(), node_text(self.graph(), n))
    }

    /// A node as the page draws it.
    fn node_json(&self, n: NodeRef, notes: &Notes) -> Value {
        let id = self.id(n);
        let mark = self.marks.get(&id).cloned().unwrap_or_default();
        let note = notes.entities.get(&id);
        json!({
            "id": id,
            "kind": n.kind.as_str(),
            "text": node_text(self.graph(), n),
            "description": describe(self.graph(), n),
            "label": note.and_then(|x| x.label.clone()),
            "status": note.and_then(|x| x.status),
            "gang": mark.gang,
            "role": mark.role,
            "lead_rank": mark.rank,
            "service_number": n.kind == NodeKind::Phone && self.case.is_service_number(n.idx),
        })
    }

    /// The one node a parameter names, in any spelling.
    fn node_param(&self, name: &str, text: &str) -> ApiResult<NodeRef> {
        let e = self
            .case
            .entity(text)
            .map_err(|e| self.query_error(name, text, e))?;
        e.node.ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name}: expected one node, found {} (a group of records)",
                e.label
            ))
        })
    }

    fn query_error(&self, name: &str, text: &str, e: QueryError) -> ApiError {
        match e {
            QueryError::NotFound(m) => {
                let notes = Notes::default();
                ApiError {
                    status: 404,
                    message: format!("{name}: {m}"),
                    suggestions: self
                        .case
                        .lookup()
                        .suggest(text)
                        .into_iter()
                        .map(|c| self.node_json(c.node, &notes))
                        .collect(),
                }
            }
            QueryError::Ambiguous(m) => {
                let notes = Notes::default();
                ApiError {
                    status: 400,
                    message: format!("{name}: {m}"),
                    suggestions: self
                        .case
                        .lookup()
                        .find_all(text)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|n| self.node_json(n, &notes))
                        .collect(),
                }
            }
            QueryError::Malformed(m) => ApiError::bad_request(format!("{name}: {m}")),
        }
    }

    fn range(&self, p: &Params) -> ApiResult<TimeRange> {
        let get = |k: &str| {
            p.get(k)
                .map(String::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        TimeRange::parse_on_case_clock(self.graph().meta.utc_offset_s, get("from"), get("to"))
            .map_err(|e| ApiError::bad_request(e.to_string()))
    }

    /// The case's span and counts, for the page's header and time slider.
    pub fn summary(&self) -> Value {
        let g = self.graph();
        let (first, last) = match g.events.len() {
            0 => (NO_TIME, NO_TIME),
            n => (g.events[0].start, g.events[n - 1].start),
        };
        json!({
            "case": self.config.case_name,
            "nodes": {
                "person": g.persons.len(), "phone": g.phones.len(), "handset": g.handsets.len(),
                "location": g.locations.len(), "incident": g.incidents.len(), "account": g.accounts.len(),
            },
            "call_links": g.call_links.len(),
            "events": g.events.len(),
            "first": time(first),
            "last": time(last),
            "leads": self.leads.is_some(),
            "notes_file": self.config.notes_path.display().to_string(),
            "analyst": self.config.analyst,
            "link_kinds": ["call", "handset", "registration", "incident", "cell"],
        })
    }

    /// `search?q=TEXT`: the node the text names (any spelling), ids that
    /// start with it, and close spellings.
    fn search(&self, p: &Params) -> ApiResult<Value> {
        let q = required(p, "q")?;
        let notes = self.notes()?;
        // Cheap steps first, as the analyst types: an exact id in any
        // spelling, exact names, ids and names starting with the text (all
        // binary searches). Only when they find nothing is the text read
        // as `casegraph query` reads it (names in any order or script, a
        // scan of the person records) and close spellings suggested (a
        // scan of the name index).
        let mut matches: Vec<NodeRef> = Vec::new();
        let mut error = None;
        if let Some(n) = self.case.find_id(q) {
            matches.push(n);
        } else if !q.contains(':') {
            matches.extend(self.case.lookup().find_all(q).unwrap_or_default());
        }
        let mut prefixed = self.prefixed(q.trim(), 10);
        prefixed.retain(|n| !matches.contains(n));
        if matches.is_empty() && prefixed.is_empty() {
            match self.case.entity(q) {
                Ok(e) => match e.node {
                    Some(n) => matches.push(n),
                    None => matches.extend(e.phones.iter().map(|&i| NodeRef {
                        kind: NodeKind::Phone,
                        idx: i,
                    })),
                },
                Err(QueryError::Ambiguous(m)) => {
                    error = Some(m);
                    matches.extend(self.case.lookup().find_all(q).unwrap_or_default());
                    if matches.is_empty() {
                        matches.extend(self.persons_named(q));
                    }
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        let suggestions: Vec<NodeRef> = if matches.is_empty() && prefixed.is_empty() {
            self.case
                .lookup()
                .suggest(q)
                .into_iter()
                .map(|c| c.node)
                .collect()
        } else {
            Vec::new()
        };
        let list = |v: &[NodeRef]| {
            v.iter()
                .map(|&n| self.node_json(n, &notes))
                .collect::<Vec<_>>()
        };
        Ok(json!({
            "query": q,
            "matches": list(&matches),
            "starting_with": list(&prefixed),
            "suggestions": list(&suggestions),
            "message": if matches.is_empty() { error } else { None },
        }))
    }

    /// The person records whose name (or alias) the resolver reads as
    /// `text`'s, in characters, pinyin or either order: the records an
    /// ambiguous name stands for, so the analyst can pick one.
    ///
    /// # Complexity
    /// O(persons), run only for a name that named several records.
    fn persons_named(&self, text: &str) -> Vec<NodeRef> {
        use crate::resolve::normalise::normalise_name;
        let keys = |form: &crate::resolve::normalise::NameForm| {
            let mut k = form.orderings();
            k.push(form.sorted_key());
            k
        };
        let form = normalise_name(text);
        if form.is_empty() {
            return Vec::new();
        }
        let wanted = keys(&form);
        let g = self.graph();
        let named = |sym: crate::graph::Sym| {
            let name = g.str(sym);
            !name.is_empty()
                && keys(&normalise_name(name))
                    .iter()
                    .any(|k| wanted.contains(k))
        };
        (0..g.persons.len() as u32)
            .filter(|&p| {
                let rec = &g.persons[p as usize];
                named(rec.name)
                    || g.list(rec.aliases)
                        .iter()
                        .any(|&a| named(crate::graph::Sym(a)))
            })
            .map(|idx| NodeRef {
                kind: NodeKind::Person,
                idx,
            })
            .take(MAX_PAGE)
            .collect()
    }

    /// Nodes whose id or name starts with `q` (or, for digits, whose
    /// number starts with the country code and `q`): a binary search in
    /// the sorted name index.
    fn prefixed(&self, q: &str, limit: usize) -> Vec<NodeRef> {
        let g = self.graph();
        if q.chars().count() < 2 {
            return Vec::new();
        }
        let mut out: Vec<NodeRef> = Vec::new();
        let mut probes = vec![q.to_string()];
        let digits: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            probes.push(format!("+{}{digits}", g.meta.country_code));
            probes.push(format!("+{digits}"));
        }
        let names = &g.names[..];
        for probe in probes {
            let lo = names.partition_point(|n| g.str(n.text) < probe.as_str());
            for n in &names[lo..] {
                if out.len() >= limit || !g.str(n.text).starts_with(probe.as_str()) {
                    break;
                }
                if let Some(kind) = NodeKind::from_u8(n.kind as u8) {
                    let r = NodeRef { kind, idx: n.idx };
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// `node?id=`: what the node is, its links counted by kind, its
    /// sources, the analyst's note and its lead.
    fn node_detail(&self, p: &Params) -> ApiResult<Value> {
        let n = self.node_param("id", required(p, "id")?)?;
        let notes = self.notes()?;
        let hops = adjacent(&self.case, n, &WalkOptions::default());
        let mut counts: Map<String, Value> = Map::new();
        for h in &hops {
            let c = counts.entry(h.kind.as_str()).or_insert(json!(0));
            *c = json!(c.as_u64().unwrap_or(0) + 1);
        }
        let id = self.id(n);
        let lead = self.lead_of(&id);
        Ok(json!({
            "node": self.node_json(n, &notes),
            "links": counts,
            "sources": sources_json(&node_sources(self.graph(), n, EVIDENCE_LINES)),
            "note": notes.entities.get(&id),
            "lead": lead,
        }))
    }

    /// `expand?id=&kind=&node_kind=&from=&to=&min_calls=&offset=&limit=`:
    /// the node's links of one kind (or all), strongest first, one page.
    fn expand(&self, p: &Params) -> ApiResult<Value> {
        let n = self.node_param("id", required(p, "id")?)?;
        let kind = match p.get("kind").map(String::as_str) {
            None | Some("") | Some("all") => None,
            Some(k) => Some(link_kind(k)?),
        };
        let node_kind = match p.get("node_kind").map(String::as_str) {
            None | Some("") | Some("all") => None,
            Some(k) => Some(NodeKind::parse(k).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "node_kind: expected one of {}, found {k:?}",
                    NodeKind::expected()
                ))
            })?),
        };
        let options = WalkOptions {
            range: self.range(p)?,
            min_calls: number(p, "min_calls", 1, u32::MAX as usize)? as u32,
            sources: false,
            keep_hubs: true,
        };
        let offset = number(p, "offset", 0, usize::MAX)?;
        let limit = number(p, "limit", DEFAULT_PAGE, MAX_PAGE)?.max(1);
        let mut hops = adjacent(&self.case, n, &options);
        let mut by_kind: Map<String, Value> = Map::new();
        for h in &hops {
            let c = by_kind.entry(h.kind.as_str()).or_insert(json!(0));
            *c = json!(c.as_u64().unwrap_or(0) + 1);
        }
        hops.retain(|h| {
            kind.is_none_or(|k| h.kind == k) && node_kind.is_none_or(|k| h.to.kind == k)
        });
        hops.sort_by(|a, b| b.strength().cmp(&a.strength()).then(a.to.cmp(&b.to)));
        let total = hops.len();
        let notes = self.notes()?;
        let from = self.id(n);
        let items: Vec<Value> = hops
            .iter()
            .skip(offset)
            .take(limit)
            .map(|h| {
                json!({
                    "node": self.node_json(h.to, &notes),
                    "link": self.link_json(&from, h),
                })
            })
            .collect();
        Ok(json!({
            "id": from,
            "total": total,
            "offset": offset,
            "limit": limit,
            "more": offset.saturating_add(items.len()) < total,
            "by_kind": by_kind,
            "items": items,
        }))
    }

    fn link_json(&self, from: &str, h: &Hop) -> Value {
        json!({
            "source": from,
            "target": self.id(h.to),
            "kind": h.kind.as_str(),
            "detail": h.detail,
            "calls": h.tally.calls,
            "texts": h.tally.texts,
            "seconds": h.tally.seconds,
            "first": time(h.tally.first),
            "last": time(h.tally.last),
            "records": h.records,
            "strength": h.strength(),
            "sources": sources_json(&h.sources),
        })
    }

    /// `path?a=&b=&k=&max_hops=&from=&to=`: up to k shortest paths over
    /// typed links (strong links are short), as `casegraph query path`.
    fn paths(&self, p: &Params) -> ApiResult<Value> {
        let a = self.node_param("a", required(p, "a")?)?;
        let b = self.node_param("b", required(p, "b")?)?;
        if a == b {
            return Err(ApiError::bad_request(format!(
                "a, b: expected two different entities, found {} twice",
                self.id(a)
            )));
        }
        let k = number(p, "k", 3, MAX_PATHS)?.max(1);
        let max_hops = number(p, "max_hops", 6, MAX_PATH_HOPS)?.max(1);
        let options = WalkOptions {
            range: self.range(p)?,
            ..WalkOptions::default()
        };
        let ea = self.case.entity_of(a);
        let eb = self.case.entity_of(b);
        let found =
            crate::query::path::k_shortest_paths(&self.case, &ea, &eb, max_hops, k, &options);
        let notes = self.notes()?;
        let paths: Vec<Value> = found
            .iter()
            .map(|path| {
                json!({
                    "cost": path.cost,
                    "nodes": path.nodes().iter().map(|&n| self.node_json(n, &notes)).collect::<Vec<_>>(),
                    "links": path.hops.iter().map(|(from, h)| self.link_json(&self.id(*from), h)).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({"a": self.id(a), "b": self.id(b), "paths": paths}))
    }

    /// `evidence?id=` (a node) or `evidence?a=&b=&kind=` (a link): the
    /// source file:line rows behind it.
    fn evidence(&self, p: &Params) -> ApiResult<Value> {
        if let Some(id) = p.get("id") {
            let n = self.node_param("id", id)?;
            let s = node_sources(self.graph(), n, EVIDENCE_LINES);
            return Ok(json!({"id": self.id(n), "sources": sources_json(&s), "rows": rows(&s)}));
        }
        let a = self.node_param("a", required(p, "a")?)?;
        let b = self.node_param("b", required(p, "b")?)?;
        let kind = link_kind(required(p, "kind")?)?;
        let options = WalkOptions {
            range: self.range(p)?,
            sources: true,
            keep_hubs: true,
            ..WalkOptions::default()
        };
        let from = self.id(a);
        let hop = adjacent(&self.case, a, &options)
            .into_iter()
            .find(|h| h.to == b && h.kind == kind)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "a, b, kind: expected a {} link between {from} and {}, found none{}",
                    kind.as_str(),
                    self.id(b),
                    if options.range.is_all() {
                        ""
                    } else {
                        " in the time window"
                    }
                ))
            })?;
        Ok(json!({
            "link": self.link_json(&from, &hop),
            "rows": rows(&hop.sources),
        }))
    }

    /// `timeline?id=&from=&to=&limit=`: calls, texts, handset changes,
    /// registrations and incidents of the entity's phones, in time order,
    /// with counts by hour of day and by day.
    fn timeline(&self, p: &Params) -> ApiResult<Value> {
        let text = required(p, "id")?;
        let e = self
            .case
            .entity(text)
            .map_err(|e| self.query_error("id", text, e))?;
        let range = self.range(p)?;
        let limit = number(p, "limit", 500, MAX_PAGE)?.max(1);
        let entries = crate::query::timeline::timeline(&self.case, &e, range);
        let g = self.graph();
        let mut by_hour = [0u32; 24];
        let mut by_day: std::collections::BTreeMap<String, u32> = Default::default();
        for en in &entries {
            if en.other != NONE {
                by_hour[crate::model::time::hour_of_day(en.time) as usize] += 1;
                *by_day
                    .entry(crate::model::time::show_date(en.time))
                    .or_default() += 1;
            }
        }
        let phone = |i: u32| (i != NONE).then(|| format!("phone:{}", g.phone_number(i)));
        let node = |kind, i: u32| (i != NONE).then(|| self.id(NodeRef { kind, idx: i }));
        let items: Vec<Value> = entries
            .iter()
            .take(limit)
            .map(|en| {
                json!({
                    "time": time(en.time),
                    "what": en.what.as_str(),
                    "phone": phone(en.phone),
                    "other": phone(en.other),
                    "duration_s": en.duration_s,
                    "cell": node(NodeKind::Location, en.cell),
                    "handset": node(NodeKind::Handset, en.handset),
                    "previous_handset": node(NodeKind::Handset, en.previous_handset),
                    "incident": node(NodeKind::Incident, en.incident),
                    "source": format!("{}:{}", en.file, en.line),
                })
            })
            .collect();
        // Where the phones were, for cells with coordinates: positions over
        // time on a plain plane (no map tiles).
        let places: Vec<Value> = entries
            .iter()
            .take(limit)
            .filter(|en| en.cell != NONE)
            .filter_map(|en| {
                let loc = &g.locations[en.cell as usize];
                (loc.lat.is_finite() && loc.lon.is_finite()).then(|| {
                    json!({
                        "time": time(en.time),
                        "cell": self.id(NodeRef { kind: NodeKind::Location, idx: en.cell }),
                        "lat": loc.lat,
                        "lon": loc.lon,
                    })
                })
            })
            .collect();
        Ok(json!({
            "entity": e.label,
            "places": places,
            "total": entries.len(),
            "shown": items.len(),
            "by_hour": by_hour,
            "by_day": by_day,
            "entries": items,
        }))
    }

    /// `leads`: the gangs and ranked leads of the leads folder, each lead
    /// and member with its `id` and the analyst's status.
    fn leads(&self) -> ApiResult<Value> {
        let Some(v) = &self.leads else {
            return Err(ApiError::not_found(
                "leads: expected the server started with --leads OUT_DIR (a `casegraph leads` output folder), found none",
            ));
        };
        let notes = self.notes()?;
        let mut v = v.clone();
        let status = |id: &str| {
            notes
                .entities
                .get(id)
                .and_then(|n| n.status)
                .map_or(json!("new"), |s| json!(s))
        };
        if let Some(leads) = v.get_mut("leads").and_then(Value::as_array_mut) {
            for l in leads {
                let id = lead_id(l);
                if let Some(o) = l.as_object_mut() {
                    o.insert("status".into(), status(&id));
                    o.insert("id".into(), json!(id));
                }
            }
        }
        if let Some(gangs) = v.get_mut("gangs").and_then(Value::as_array_mut) {
            for gang in gangs {
                if let Some(members) = gang.get_mut("members").and_then(Value::as_array_mut) {
                    for m in members {
                        if let Some(o) = m.as_object_mut() {
                            if let Some(phone) = o.get("phone").and_then(Value::as_str) {
                                let id = format!("phone:{phone}");
                                o.insert("status".into(), status(&id));
                                o.insert("id".into(), json!(id));
                            }
                        }
                    }
                }
            }
        }
        Ok(v)
    }

    /// The gang of the leads folder with `id` as a member, as a
    /// confirmation records it: its id and its mates' phones, sorted (gang
    /// ids change between runs; the phones are the key the next `leads`
    /// run places the confirmed member by). A phone (`phone:…`) is a
    /// member of at most one gang, its mates the gang's other phones. A
    /// person (`person:…`, a person_id) is a member of a gang holding a
    /// member phone whose `person_ids` name it (the first such gang, the
    /// highest scored, when it is in several), its mates the phones of
    /// the gang's other holders: its own phones are left out, as a phone
    /// leaves itself out.
    fn gang_of(&self, id: &str) -> Option<notes::ConfirmedGang> {
        let gangs = self.leads.as_ref()?.get("gangs")?.as_array()?;
        let (kind, key) = id.split_once(':')?;
        // Is member `m` (a phone) the confirmed entity, or held by it?
        let is_own = |m: &Value| match kind {
            "phone" => m.get("phone").and_then(Value::as_str) == Some(key),
            "person" => m
                .get("person_ids")
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().any(|p| p.as_str() == Some(key))),
            _ => false,
        };
        let gang = gangs.iter().find(|g| members_of(g).iter().any(is_own))?;
        let mut phones: Vec<String> = members_of(gang)
            .iter()
            .filter(|m| !is_own(m))
            .filter_map(|m| m.get("phone").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        phones.sort();
        phones.dedup();
        Some(notes::ConfirmedGang {
            gang_id: gang.get("gang_id").and_then(Value::as_str)?.to_string(),
            phones,
        })
    }

    fn lead_of(&self, id: &str) -> Option<Value> {
        let leads = self.leads.as_ref()?.get("leads")?.as_array()?;
        leads.iter().find(|l| lead_id(l) == id).cloned()
    }
}

/// The members of a gang in leads.json.
fn members_of(gang: &Value) -> &[Value] {
    gang.get("members")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `KIND:ID` of a lead in leads.json.
fn lead_id(l: &Value) -> String {
    format!(
        "{}:{}",
        l.get("entity_kind")
            .and_then(Value::as_str)
            .unwrap_or("phone"),
        l.get("entity").and_then(Value::as_str).unwrap_or("")
    )
}

fn marks_of(v: &Value) -> HashMap<String, Mark> {
    let mut marks: HashMap<String, Mark> = HashMap::new();
    for g in v["gangs"].as_array().into_iter().flatten() {
        let gang = g.get("gang_id").and_then(Value::as_str).map(str::to_string);
        for m in g["members"].as_array().into_iter().flatten() {
            if let Some(phone) = m.get("phone").and_then(Value::as_str) {
                let mark = marks.entry(format!("phone:{phone}")).or_default();
                mark.gang = gang.clone();
                mark.role = m.get("role").and_then(Value::as_str).map(str::to_string);
            }
        }
    }
    for l in v["leads"].as_array().into_iter().flatten() {
        let mark = marks.entry(lead_id(l)).or_default();
        mark.rank = l.get("rank").and_then(Value::as_u64);
        if mark.gang.is_none() {
            mark.gang = l.get("gang").and_then(Value::as_str).map(str::to_string);
        }
        if mark.role.is_none() {
            mark.role = l.get("role").and_then(Value::as_str).map(str::to_string);
        }
    }
    marks
}

fn unknown_endpoint(endpoint: &str) -> ApiError {
    ApiError::not_found(format!(
        "/api/{endpoint}: expected one of case, search, node, expand, path, evidence, timeline, leads, notes (GET) or notes, export (POST), found no such endpoint"
    ))
}

fn required<'p>(p: &'p Params, name: &str) -> ApiResult<&'p str> {
    match p.get(name).map(String::as_str) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ApiError::bad_request(format!(
            "{name}: expected a value, found none"
        ))),
    }
}

fn number(p: &Params, name: &str, default: usize, max: usize) -> ApiResult<usize> {
    match p.get(name).map(String::as_str) {
        None | Some("") => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "{name}: expected a whole number from 0 to {max}, found {v:?}"
            ))),
        },
    }
}

fn link_kind(k: &str) -> ApiResult<LinkKind> {
    [
        LinkKind::Call,
        LinkKind::Handset,
        LinkKind::Registration,
        LinkKind::Incident,
        LinkKind::Cell,
    ]
    .into_iter()
    .find(|l| l.as_str() == k)
    .ok_or_else(|| {
        ApiError::bad_request(format!(
            "kind: expected one of call, handset, registration, incident, cell, all, found {k:?}"
        ))
    })
}

fn time(t: Time) -> Option<String> {
    (t != NO_TIME).then(|| show(t))
}

fn sources_json(s: &[Sources]) -> Value {
    json!(s
        .iter()
        .map(|s| json!({"file": s.file, "count": s.count, "lines": s.lines}))
        .collect::<Vec<_>>())
}

/// Every listed source row as `file:line`.
fn rows(s: &[Sources]) -> Vec<String> {
    s.iter()
        .flat_map(|s| s.lines.iter().map(move |l| format!("{}:{l}", s.file)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An explorer on fixtures/tiny with a leads folder holding `leads`.
    fn explorer(dir: &Path, leads: Value) -> Explorer {
        let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        let g = crate::open_case(&case, &crate::ingest::IngestConfig::default()).unwrap();
        let out = dir.join("leads");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("leads.json"), leads.to_string()).unwrap();
        Explorer::new(
            g,
            ExplorerConfig {
                case_name: "tiny".into(),
                leads_dir: Some(out),
                notes_path: dir.join("tiny.notes.json"),
                analyst: "li.wei".into(),
            },
        )
        .unwrap()
    }

    fn member(phone: &str, person_ids: &[&str]) -> Value {
        json!({"phone": phone, "person_ids": person_ids})
    }

    #[test]
    fn a_person_is_recorded_with_its_first_gang_and_the_phones_of_the_other_holders() {
        let dir = tempfile::tempdir().unwrap();
        let e = explorer(
            dir.path(),
            json!({"leads": [], "gangs": [
                {"gang_id": "G1", "members": [
                    member("+8613800000003", &["P02"]),
                    member("+8613800000001", &["P01", "P07"]),
                    member("+8613800000002", &["P01", "P07"]),
                    member("+8613800000004", &[]),
                ]},
                {"gang_id": "G2", "members": [
                    member("+8613800000005", &["P07", "P01"]),
                    member("+8613800000006", &[]),
                ]},
            ]}),
        );
        // P07, merged with P01 by entity resolution, holds two phones of
        // G1 and one of G2: G1, its own phones left out, the rest sorted.
        let g = e.gang_of("person:P07").unwrap();
        assert_eq!(g.gang_id, "G1");
        assert_eq!(g.phones, vec!["+8613800000003", "+8613800000004"]);
        // A phone leaves itself out only.
        let g = e.gang_of("phone:+8613800000001").unwrap();
        assert_eq!(
            g.phones,
            vec!["+8613800000002", "+8613800000003", "+8613800000004"]
        );
        // Not a gang's person: nothing recorded.
        assert_eq!(e.gang_of("person:P99"), None);
        assert_eq!(e.gang_of("handset:P01"), None);
    }
}
