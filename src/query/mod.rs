//! Investigator queries: the questions a case team asks at the terminal,
//! answered from the graph's compact tables without a batch pass.
//!
//! One file per query. This module holds what they share: reading an
//! ENTITY (a phone number in any spelling, a person_id or name, an
//! individual id from resolution, an IMEI, an incident id; via
//! [`crate::graph::lookup`]), reading time windows (`30m`, `24h`) and
//! `--from/--to` bounds, and the evidence every row carries (counts,
//! first/last time and, on request, the source lines).
//!
//! An entity stands for a set of phones: a phone for itself, a person for
//! the phones claimed by or registered to them, an individual for the
//! phones resolution gave them, a handset for the SIMs seen in it, an
//! incident for the phones it names, a cell for the phones seen at it. Most queries work on that set.
//!
//! Errors come in two kinds, which the command line maps to exit codes:
//! [`QueryError::NotFound`] (exit 1, with "did you mean" suggestions) and
//! [`QueryError::Malformed`] (exit 2, showing the expected form).

pub mod callers_before;
pub mod colocated;
pub mod common;
pub mod neighbors;
pub mod path;
pub mod profile;
pub mod timeline;
pub mod towers;

use crate::graph::lookup::{describe, node_text, Lookup, LookupError};
use crate::graph::provenance::{NodeRef, Sources};
use crate::graph::CaseGraph;
pub use crate::model::window::TimeRange;
use crate::model::WindowError;
use crate::model::{Clock, NodeKind, Time, NO_TIME};
use crate::resolve::Resolution;
use std::sync::OnceLock;

/// Source lines shown per row with `--sources` (the count is always exact).
pub const SOURCE_LINES_SHOWN: usize = 10;

/// Why a query could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The entity names nothing in the case (exit status 1).
    #[error("{0}")]
    NotFound(String),
    /// An argument is not in the expected form (exit status 2).
    #[error("{0}")]
    Malformed(String),
    /// The text names several nodes (exit status 1); with a resolution,
    /// person records that are one individual are that individual.
    #[error("{0}")]
    Ambiguous(String),
}

impl From<WindowError> for QueryError {
    fn from(e: WindowError) -> Self {
        QueryError::Malformed(e.to_string())
    }
}

impl From<LookupError> for QueryError {
    fn from(e: LookupError) -> Self {
        match e {
            LookupError::UnknownKind { .. } => QueryError::Malformed(e.to_string()),
            LookupError::Ambiguous { .. } => QueryError::Ambiguous(e.to_string()),
            _ => QueryError::NotFound(e.to_string()),
        }
    }
}

pub type QueryResult<T> = std::result::Result<T, QueryError>;

/// What an ENTITY argument named.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The node, or `None` for an individual (a group of records).
    pub node: Option<NodeRef>,
    /// Individual index in the resolution, for individual ids.
    pub individual: Option<u32>,
    /// How people read it: `phone +8613900000001`, `individual I0001`.
    pub label: String,
    /// The phones it stands for, sorted.
    pub phones: Vec<u32>,
    /// The person records it stands for, sorted.
    pub persons: Vec<u32>,
}

impl Entity {
    pub fn has_phone(&self, p: u32) -> bool {
        self.phones.binary_search(&p).is_ok()
    }
}

/// Shared state of a query run: the graph, its name index and (when asked
/// for or needed) an entity resolution.
pub struct Case<'g> {
    pub graph: &'g CaseGraph,
    lookup: std::sync::OnceLock<Lookup<'g>>,
    resolution: Option<Resolution>,
    reverse: Reverse<'g>,
    /// Service numbers as the analysis commands find them, by phone; built
    /// on first need (see [`Case::is_service_number`]).
    hubs: OnceLock<Vec<bool>>,
}

/// A one-to-many index in CSR form: `get(i)` is the sorted list of `i`.
#[derive(Debug, Clone, Default)]
pub struct Multi {
    offsets: Vec<u32>,
    values: Vec<u32>,
}

impl Multi {
    /// Build from `(key, value)` pairs, keys below `n`. Two counting
    /// passes, no per-key allocation: O(n + pairs).
    pub fn build(n: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Multi {
        let mut offsets = vec![0u32; n + 1];
        for (k, _) in pairs.clone() {
            offsets[k as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut values = vec![0u32; offsets[n] as usize];
        for (k, v) in pairs {
            values[fill[k as usize] as usize] = v;
            fill[k as usize] += 1;
        }
        for i in 0..n {
            let s = &mut values[offsets[i] as usize..offsets[i + 1] as usize];
            if s.len() > 1 {
                s.sort_unstable();
            }
        }
        Multi { offsets, values }
    }

    pub fn get(&self, i: u32) -> &[u32] {
        let i = i as usize;
        if i + 1 >= self.offsets.len() {
            return &[];
        }
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// Reverse indexes the graph does not keep: phone → persons, handset →
/// phones, phone → incidents, person → incidents as victim, account →
/// incidents. Each is built on first use, O(rows of its table), so a query
/// pays only for the ones it needs.
pub struct Reverse<'g> {
    g: &'g CaseGraph,
    persons_of_phone: OnceLock<Multi>,
    phones_of_handset: OnceLock<Multi>,
    incidents_of_phone: OnceLock<Multi>,
    incidents_of_victim: OnceLock<Multi>,
    incidents_of_account: OnceLock<Multi>,
    phones_of_location: OnceLock<Multi>,
}

impl<'g> Reverse<'g> {
    fn new(g: &'g CaseGraph) -> Self {
        Reverse {
            g,
            persons_of_phone: OnceLock::new(),
            phones_of_handset: OnceLock::new(),
            incidents_of_phone: OnceLock::new(),
            incidents_of_victim: OnceLock::new(),
            incidents_of_account: OnceLock::new(),
            phones_of_location: OnceLock::new(),
        }
    }

    /// The person records linked to one phone (the graph's per-phone
    /// index: no scan).
    pub fn persons_of(&self, phone: u32) -> Vec<u32> {
        let mut v: Vec<u32> = self.g.persons_of_phone(phone).map(|pp| pp.person).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub fn persons_of_phone(&self) -> &Multi {
        let g = self.g;
        self.persons_of_phone.get_or_init(|| {
            Multi::build(
                g.phones.len(),
                g.person_phones.iter().map(|pp| (pp.phone, pp.person)),
            )
        })
    }

    pub fn phones_of_handset(&self) -> &Multi {
        let g = self.g;
        self.phones_of_handset.get_or_init(|| {
            let uses = g.handset_uses.iter().map(|u| (u.handset, u.phone));
            let regs = g
                .registrations
                .iter()
                .filter(|r| r.handset != crate::graph::NONE)
                .map(|r| (r.handset, r.phone));
            let mut m = Multi::build(g.handsets.len(), uses.chain(regs));
            dedup(&mut m);
            m
        })
    }

    /// The phones seen at each cell (from the calls' cell columns).
    pub fn phones_of_location(&self) -> &Multi {
        let g = self.g;
        self.phones_of_location.get_or_init(|| {
            Multi::build(
                g.locations.len(),
                g.phone_locations.iter().map(|u| (u.location, u.phone)),
            )
        })
    }

    fn per_incident(
        &self,
        n: usize,
        f: fn(&CaseGraph, &crate::graph::Incident) -> Vec<u32>,
    ) -> Multi {
        let g = self.g;
        Multi::build(
            n,
            g.incidents
                .iter()
                .enumerate()
                .flat_map(move |(i, inc)| f(g, inc).into_iter().map(move |k| (k, i as u32))),
        )
    }

    pub fn incidents_of_phone(&self) -> &Multi {
        self.incidents_of_phone.get_or_init(|| {
            self.per_incident(self.g.phones.len(), |g, inc| g.list(inc.phones).to_vec())
        })
    }

    pub fn incidents_of_account(&self) -> &Multi {
        self.incidents_of_account.get_or_init(|| {
            self.per_incident(self.g.accounts.len(), |g, inc| {
                g.list(inc.accounts).to_vec()
            })
        })
    }

    pub fn incidents_of_victim(&self) -> &Multi {
        self.incidents_of_victim.get_or_init(|| {
            self.per_incident(self.g.persons.len(), |_, inc| {
                if inc.victim == crate::graph::NONE {
                    Vec::new()
                } else {
                    vec![inc.victim]
                }
            })
        })
    }
}

/// Drop repeated values within each key of a [`Multi`].
fn dedup(m: &mut Multi) {
    let n = m.offsets.len().saturating_sub(1);
    let mut out = Vec::with_capacity(m.values.len());
    let mut offsets = vec![0u32; n + 1];
    for i in 0..n {
        let s = &m.values[m.offsets[i] as usize..m.offsets[i + 1] as usize];
        for (j, &v) in s.iter().enumerate() {
            if j == 0 || s[j - 1] != v {
                out.push(v);
            }
        }
        offsets[i + 1] = out.len() as u32;
    }
    m.offsets = offsets;
    m.values = out;
}

impl<'g> Case<'g> {
    pub fn new(graph: &'g CaseGraph) -> Self {
        Case {
            graph,
            lookup: std::sync::OnceLock::new(),
            resolution: None,
            reverse: Reverse::new(graph),
            hubs: OnceLock::new(),
        }
    }

    /// The name look-up (a binary search over the graph's sorted name
    /// index; nothing to build).
    pub fn lookup(&self) -> &Lookup<'g> {
        self.lookup.get_or_init(|| Lookup::new(self.graph))
    }

    /// The one node whose id (number in any spelling, person_id, IMEI,
    /// incident id, location id, account) is exactly `text`, preferring a
    /// phone: a text that spells exactly one phone number is that phone.
    /// `None` when no id or several match; [`Lookup::find`] then decides
    /// (names, aliases, ambiguity, suggestions).
    pub fn find_id(&self, text: &str) -> Option<NodeRef> {
        if text.contains(':') || text.trim().is_empty() {
            return None;
        }
        let all = self.lookup().find_all(text).ok()?;
        let mut phones = all.iter().filter(|n| n.kind == NodeKind::Phone);
        if let (Some(&p), None) = (phones.next(), phones.next()) {
            return Some(p);
        }
        let ids: Vec<NodeRef> = all
            .into_iter()
            .filter(|&n| n.kind == NodeKind::Phone || node_text(self.graph, n) == text.trim())
            .collect();
        (ids.len() == 1).then(|| ids[0])
    }

    /// Whether a phone is a service number (bank, carrier, courier, call
    /// centre) by the rule the analysis commands use
    /// ([`crate::analysis::hubs`]), so that walks leave it out as they do.
    ///
    /// # Complexity
    /// O(1) for a phone with fewer call links than the rule's floor (no
    /// phone below it can be a hub); the first phone above it builds the
    /// case's contact counts once, O(call links).
    pub fn is_service_number(&self, phone: u32) -> bool {
        use crate::analysis::hubs::DEFAULT_HUB_FLOOR;
        let g = self.graph;
        let o = g.call_in_offsets.range(phone as usize..phone as usize + 2);
        let links = g.calls_from(phone).len() + (o[1] - o[0]) as usize;
        if links < DEFAULT_HUB_FLOOR as usize {
            return false;
        }
        let hubs = self.hubs.get_or_init(|| {
            let mut is_hub = vec![false; g.phones.len()];
            let config = crate::analysis::ContactConfig::default();
            if let Ok(cg) = crate::analysis::ContactGraph::from_case(g, &config) {
                for h in &cg.hubs {
                    is_hub[h.phone_idx as usize] = true;
                }
            }
            is_hub
        });
        hubs[phone as usize]
    }

    /// The reverse indexes, built on first use.
    pub fn reverse(&self) -> &Reverse<'g> {
        &self.reverse
    }

    /// Attach a resolution (individual ids become entities; profiles show
    /// the resolved identity).
    pub fn with_resolution(mut self, r: Resolution) -> Self {
        self.resolution = Some(r);
        self
    }

    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }

    /// Whether `text` has the form of an individual id (`I0001`), for
    /// callers that resolve only when needed.
    pub fn looks_like_individual(text: &str) -> bool {
        let t = text.trim();
        let t = t.strip_prefix("individual:").unwrap_or(t);
        t.len() >= 5
            && (t.starts_with(['I', 'i', 'H', 'h']))
            && t[1..].bytes().all(|b| b.is_ascii_digit())
    }

    /// Read an ENTITY argument.
    pub fn entity(&self, text: &str) -> QueryResult<Entity> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(QueryError::Malformed(format!(
                "{text:?}: expected an entity (a phone number, person_id, individual id, IMEI or incident id), found nothing"
            )));
        }
        let explicit_individual = trimmed.strip_prefix("individual:");
        if explicit_individual.is_none() {
            if let Some(node) = self.find_id(trimmed) {
                return Ok(self.entity_of(node));
            }
            match self.lookup().find(trimmed) {
                Ok(node) => return Ok(self.entity_of(node)),
                Err(LookupError::NotFound { .. }) if self.individual(trimmed).is_some() => {}
                Err(LookupError::Ambiguous { matches, .. })
                    if matches.iter().all(|m| m.node.kind == NodeKind::Person) =>
                {
                    let persons: Vec<u32> = matches.iter().map(|m| m.node.idx).collect();
                    return self.one_individual(trimmed, &persons);
                }
                Err(e @ LookupError::NotFound { .. }) => {
                    return match self.loose(trimmed)? {
                        Some(found) => Ok(found),
                        None => Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let label = explicit_individual.unwrap_or(trimmed);
        match self.individual(label) {
            Some(e) => Ok(e),
            None if self.resolution.is_none() && Self::looks_like_individual(label) => {
                Err(QueryError::NotFound(format!(
                    "{label:?}: expected a phone number, person_id, name, IMEI, incident id or individual id, found nothing of that name (individual ids need a resolution: run with --resolve)"
                )))
            }
            None => Err(self.lookup().find(label).err().map(Into::into).unwrap_or_else(|| {
                QueryError::NotFound(format!("{label:?}: no individual of that id"))
            })),
        }
    }

    /// What an exact look-up missed: an IMEI or number written with
    /// dashes, spaces or full-width digits, then a person's name as the
    /// resolver reads it (characters or pinyin, any case, either order:
    /// `Song Yangning`, `song yangning` and `宋洋宁` are one name).
    ///
    /// # Complexity
    /// The name step reads every person record's name and aliases once:
    /// O(persons), run only when every exact look-up failed.
    fn loose(&self, text: &str) -> QueryResult<Option<Entity>> {
        use crate::resolve::normalise::{fold_width, normalise_name};
        let folded: String = text.chars().map(fold_width).collect();
        let digits: String = folded
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '.' | '/'))
            .collect();
        if digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit()) && digits != text {
            if let Ok(node) = self.lookup().find(&digits) {
                return Ok(Some(self.entity_of(node)));
            }
        }
        if text.contains(':') {
            return Ok(None);
        }
        let form = normalise_name(text);
        if form.is_empty() {
            return Ok(None);
        }
        let keys = name_keys(&form);
        let g = self.graph;
        let matches = |sym: crate::graph::Sym| {
            let name = g.str(sym);
            !name.is_empty()
                && name_keys(&normalise_name(name))
                    .iter()
                    .any(|k| keys.contains(k))
        };
        let persons: Vec<u32> = (0..g.persons.len() as u32)
            .filter(|&p| {
                let rec = &g.persons[p as usize];
                matches(rec.name)
                    || g.list(rec.aliases)
                        .iter()
                        .any(|&a| matches(crate::graph::Sym(a)))
            })
            .collect();
        match persons.len() {
            0 => Ok(None),
            1 => Ok(Some(self.entity_of(NodeRef {
                kind: NodeKind::Person,
                idx: persons[0],
            }))),
            _ => self.one_individual(text, &persons).map(Some),
        }
    }

    /// Several person records named by `text`: their individual when a
    /// resolution makes them one, else an ambiguity naming their ids.
    fn one_individual(&self, text: &str, persons: &[u32]) -> QueryResult<Entity> {
        if let Some(r) = &self.resolution {
            let mut ids: Vec<u32> = persons
                .iter()
                .map(|&p| r.individual_of_person[p as usize])
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if let [one] = ids[..] {
                if let Some(e) = self.individual(&r.labels[one as usize]) {
                    return Ok(e);
                }
            }
        }
        let g = self.graph;
        let person = |p: u32| {
            describe(
                g,
                NodeRef {
                    kind: NodeKind::Person,
                    idx: p,
                },
            )
        };
        let message = match &self.resolution {
            // Grouped by the individual each record resolves to: records
            // of one man are not "different individuals".
            Some(r) => {
                let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
                for &p in persons {
                    let i = r.individual_of_person[p as usize];
                    match groups.iter_mut().find(|(j, _)| *j == i) {
                        Some((_, ps)) => ps.push(p),
                        None => groups.push((i, vec![p])),
                    }
                }
                let listed: Vec<String> = groups
                    .iter()
                    .map(|(i, ps)| {
                        let records: Vec<String> = ps.iter().map(|&p| person(p)).collect();
                        format!("{}: {}", r.labels[*i as usize], records.join(", "))
                    })
                    .collect();
                format!(
                    "{text:?}: expected one person, found {} records of {} individuals ({}); write an individual id or a person_id to choose",
                    persons.len(),
                    groups.len(),
                    listed.join("; ")
                )
            }
            None => {
                let listed: Vec<String> = persons.iter().map(|&p| person(p)).collect();
                format!(
                    "{text:?}: expected one person, found {} records ({}); write one of their person_ids to choose, or --resolve to take the individual they are",
                    persons.len(),
                    listed.join(", ")
                )
            }
        };
        Err(QueryError::Ambiguous(message))
    }

    fn individual(&self, label: &str) -> Option<Entity> {
        let r = self.resolution.as_ref()?;
        if let Some(h) = r.find_holder(label) {
            return Some(Entity {
                node: None,
                individual: None,
                label: format!(
                    "holder group {} (phones tied together, holder unknown)",
                    crate::resolve::holder_label(h)
                ),
                phones: r.holder_phones(h),
                persons: Vec::new(),
            });
        }
        let i = r.find_individual(label)?;
        let mut phones = r.phones_of(i);
        let persons = r.persons_of(i);
        for &p in &persons {
            phones.extend(self.graph.phones_of_person(p).iter().map(|pp| pp.phone));
        }
        phones.sort_unstable();
        phones.dedup();
        Some(Entity {
            node: None,
            individual: Some(i),
            label: format!("individual {}", r.labels[i as usize]),
            phones,
            persons,
        })
    }

    /// The entity a node stands for.
    pub fn entity_of(&self, node: NodeRef) -> Entity {
        let g = self.graph;
        let i = node.idx;
        let mut persons = Vec::new();
        let mut phones: Vec<u32> = match node.kind {
            NodeKind::Phone => vec![i],
            NodeKind::Person => {
                persons.push(i);
                g.phones_of_person(i).iter().map(|pp| pp.phone).collect()
            }
            NodeKind::Handset => self.reverse().phones_of_handset().get(i).to_vec(),
            NodeKind::Incident => g.list(g.incidents[i as usize].phones).to_vec(),
            NodeKind::Account => self
                .reverse()
                .incidents_of_account()
                .get(i)
                .iter()
                .flat_map(|&inc| g.list(g.incidents[inc as usize].phones).iter().copied())
                .collect(),
            // A cell stands for the phones seen at it.
            NodeKind::Location => self.reverse().phones_of_location().get(i).to_vec(),
        };
        phones.sort_unstable();
        phones.dedup();
        Entity {
            node: Some(node),
            individual: None,
            label: describe(g, node),
            phones,
            persons,
        }
    }

    /// A LOCATION argument: a location id (or name).
    pub fn location(&self, text: &str) -> QueryResult<u32> {
        let t = text.trim();
        let t = if t.contains(':') {
            t.to_string()
        } else {
            format!("location:{t}")
        };
        Ok(self.lookup().find(&t)?.idx)
    }

    /// An INCIDENT argument: an incident id.
    pub fn incident(&self, text: &str) -> QueryResult<u32> {
        let t = text.trim();
        let t = if t.contains(':') {
            t.to_string()
        } else {
            format!("incident:{t}")
        };
        Ok(self.lookup().find(&t)?.idx)
    }

    /// The id of a node as the case files write it.
    pub fn text(&self, node: NodeRef) -> &str {
        node_text(self.graph, node)
    }

    /// The clock of the case (for reading `--from/--to`).
    pub fn clock(&self) -> Clock {
        crate::model::window::case_clock(self.graph.meta.utc_offset_s)
    }
}

/// The events whose start is in the range, as an index range into the
/// time-sorted event table.
pub fn event_span(range: &TimeRange, g: &CaseGraph) -> std::ops::Range<usize> {
    let lo = range
        .from
        .map_or(0, |f| g.events.partition_point(|e| e.start < f));
    let hi = range.to.map_or(g.events.len(), |t| {
        g.events.partition_point(|e| e.start <= t)
    });
    lo..hi.max(lo)
}

/// The texts two names share when the resolver would read them as one
/// name: each family-name-first reading, and the order-free key.
fn name_keys(form: &crate::resolve::normalise::NameForm) -> Vec<String> {
    let mut keys = form.orderings();
    keys.push(form.sorted_key());
    keys
}

/// Read a window like `30m`, `24h`, `90s`, `7d` into seconds.
pub fn parse_window(flag: &str, raw: &str) -> QueryResult<i64> {
    let bad = || {
        QueryError::Malformed(format!(
            "{flag}: expected a window like 90s, 30m, 24h or 7d, found {raw:?}"
        ))
    };
    let s = raw.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    n.checked_mul(mult).ok_or_else(bad)
}

/// Calls and texts between parties, with their time span: the evidence of
/// a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub calls: u32,
    pub texts: u32,
    pub seconds: u64,
    pub first: Time,
    pub last: Time,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            calls: 0,
            texts: 0,
            seconds: 0,
            first: NO_TIME,
            last: NO_TIME,
        }
    }
}

impl Tally {
    pub fn add_event(&mut self, e: &crate::graph::CallEvent) {
        if e.is_text() {
            self.texts += 1;
        } else {
            self.calls += 1;
        }
        self.seconds += e.duration_s as u64;
        self.see(e.start);
    }
    pub fn add_link(&mut self, l: &crate::graph::CallLink) {
        self.calls += l.n_calls;
        self.texts += l.n_texts;
        self.seconds += l.total_seconds;
        self.see(l.first);
        self.see(l.last);
    }
    pub fn merge(&mut self, o: &Tally) {
        self.calls += o.calls;
        self.texts += o.texts;
        self.seconds += o.seconds;
        self.see(o.first);
        self.see(o.last);
    }
    pub fn see(&mut self, t: Time) {
        if t == NO_TIME {
            return;
        }
        if self.first == NO_TIME || t < self.first {
            self.first = t;
        }
        if self.last == NO_TIME || t > self.last {
            self.last = t;
        }
    }
    pub fn events(&self) -> u32 {
        self.calls + self.texts
    }
}

/// Source lines of one file, as rows carry them with `--sources`.
pub fn sources(file: &'static str, mut lines: Vec<u32>) -> Option<Sources> {
    if lines.is_empty() {
        return None;
    }
    lines.sort_unstable();
    lines.dedup();
    let count = lines.len() as u64;
    lines.truncate(SOURCE_LINES_SHOWN);
    Some(Sources { file, count, lines })
}

/// `calls.csv:3,5; phones.csv:2`: several files' lines in one cell.
pub fn describe_sources(s: &[Sources]) -> String {
    s.iter()
        .map(Sources::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Calls and texts between phone `a` and each peer (both directions), in
/// `range`, sorted by peer. Reads the pre-aggregated call links when the
/// range is the whole case, the phone's events otherwise.
pub fn contacts_of(g: &CaseGraph, a: u32, range: TimeRange) -> Vec<(u32, Tally, Vec<u32>)> {
    contacts_with_lines(g, a, range, false)
}

/// The contacts of `phone` among `members` (sorted phone indices), each
/// with its tally and every calls.csv line behind it: the evidence a
/// role reason ("in contact with 2 of the gang's lieutenants") should cite.
///
/// # Complexity
/// O(events of `phone` + its contacts · log members).
pub fn contacts_among(g: &CaseGraph, phone: u32, members: &[u32]) -> Vec<(u32, Tally, Vec<u32>)> {
    contacts_with_lines(g, phone, TimeRange::ALL, true)
        .into_iter()
        .filter(|(peer, _, _)| members.binary_search(peer).is_ok())
        .collect()
}

/// [`contacts_of`], with the calls.csv lines of each contact when `lines`.
/// Sorted by peer phone.
pub fn contacts_with_lines(
    g: &CaseGraph,
    a: u32,
    range: TimeRange,
    lines: bool,
) -> Vec<(u32, Tally, Vec<u32>)> {
    let mut out: Vec<(u32, Tally, Vec<u32>)> = Vec::new();
    if range.is_all() && !lines {
        for l in g.calls_from(a) {
            let mut t = Tally::default();
            t.add_link(l);
            out.push((l.callee, t, Vec::new()));
        }
        for l in g.calls_to(a) {
            let mut t = Tally::default();
            t.add_link(l);
            out.push((l.caller, t, Vec::new()));
        }
    } else {
        for e in g.events_of(a) {
            if !range.contains(e.start) {
                continue;
            }
            let peer = if e.caller == a { e.callee } else { e.caller };
            let mut t = Tally::default();
            t.add_event(e);
            out.push((peer, t, if lines { vec![e.line] } else { Vec::new() }));
        }
    }
    out.sort_by_key(|x| x.0);
    let mut merged: Vec<(u32, Tally, Vec<u32>)> = Vec::with_capacity(out.len());
    for (p, t, l) in out {
        match merged.last_mut() {
            Some(last) if last.0 == p => {
                last.1.merge(&t);
                last.2.extend(l);
            }
            _ => merged.push((p, t, l)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_in_every_unit_and_refuse_the_rest() {
        assert_eq!(parse_window("--window", "90s"), Ok(90));
        assert_eq!(parse_window("--window", "30m"), Ok(1800));
        assert_eq!(parse_window("--window", "24h"), Ok(86_400));
        assert_eq!(parse_window("--window", "7d"), Ok(604_800));
        for bad in ["30x", "m", "", "30", "-5m", "0h", "1.5h"] {
            let e = parse_window("--window", bad).unwrap_err();
            assert!(matches!(e, QueryError::Malformed(_)), "{bad}");
            assert!(e.to_string().contains("expected a window like"), "{e}");
        }
    }

    #[test]
    fn contacts_among_members_name_every_line() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        let g = crate::ingest::ingest_case(&dir, &Default::default()).unwrap();
        let l = Lookup::new(&g);
        let p = |s: &str| l.find(s).unwrap().idx;
        let (boss, lt1, lt2) = (p("13900000001"), p("13900000002"), p("13900000003"));
        let mut members = vec![lt1, lt2];
        members.sort_unstable();
        let c = contacts_among(&g, boss, &members);
        assert_eq!(c.len(), 2);
        for (_, tally, lines) in &c {
            assert_eq!(tally.events() as usize, lines.len());
        }
        assert!(contacts_among(&g, boss, &[]).is_empty());
    }

    #[test]
    fn individual_ids_are_recognised_by_form() {
        assert!(Case::looks_like_individual("I0001"));
        assert!(Case::looks_like_individual("individual:I0012"));
        assert!(!Case::looks_like_individual("I1"));
        assert!(!Case::looks_like_individual("P0001"));
    }
}
