//! The case graph: every node and link of a case in compact, fixed-size rows
//! indexed by u32, with CSR-style offsets for adjacency.
//!
//! Each node kind has its own index space (`phone_idx`, `person_idx`, ...).
//! Rows are plain-old-data so that a snapshot is the rows' bytes and loading
//! it is a copy, not a parse. Provenance: every row that comes from one
//! source row carries its 1-based `line`; aggregated links (calls, handset
//! use, cells) keep their first line and their exact counts, and every one
//! of their lines can be re-derived from [`CallEvent::line`] (see
//! [`provenance`]).
//!
//! Why not `petgraph::Graph` for this: one generic node/edge weight per
//! element would cost an enum tag and padding on 20 million call events, and
//! could not be written to and read from disk as flat arrays. petgraph is
//! used where its algorithms are the right tool (union-find, k shortest
//! paths); the contact graph of the analysis passes is a CSR of its own.

pub mod build;
// The column type lives in `crate::column` (the ledger needs it too);
// `graph::column` stays a name for it.
pub use crate::column;
pub mod links;
pub mod lookup;
pub mod provenance;
pub mod strings;

pub use build::CaseBuilder;
pub use column::Column;
pub use strings::{Interner, Strings, Sym};

use crate::ledger::IngestReport;
use crate::model::{CallKind, IncidentCategory, PersonRole, Time};
use bytemuck::{Pod, Zeroable};

/// Marker for "no node" in an index column.
pub const NONE: u32 = u32::MAX;

/// One call or text as the carrier recorded it. Events are sorted by
/// `(start, line)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct CallEvent {
    pub start: Time,
    pub caller: u32,
    pub callee: u32,
    pub duration_s: u32,
    /// Line in calls.csv.
    pub line: u32,
    pub caller_location: u32,
    pub callee_location: u32,
    pub caller_handset: u32,
    pub callee_handset: u32,
    pub kind: u8,
    pub _pad: [u8; 7],
}

impl CallEvent {
    pub fn kind(&self) -> CallKind {
        CallKind::from_u8(self.kind).unwrap_or(CallKind::Voice)
    }
    pub fn is_text(&self) -> bool {
        self.kind == CallKind::Sms as u8
    }
}

/// All calls and texts from one phone to another, aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct CallLink {
    pub caller: u32,
    pub callee: u32,
    /// Voice calls.
    pub n_calls: u32,
    /// Text messages.
    pub n_texts: u32,
    pub total_seconds: u64,
    pub first: Time,
    pub last: Time,
    /// The first calls.csv line of this link; the rest are in the events.
    pub first_line: u32,
    pub _pad: u32,
}

impl CallLink {
    pub fn n_events(&self) -> u32 {
        self.n_calls + self.n_texts
    }
}

/// A SIM (phone) seen in a handset, from call records or a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct HandsetUse {
    pub phone: u32,
    pub handset: u32,
    /// First and last call event with the SIM in this handset ([`crate::model::NO_TIME`] if none).
    pub first: Time,
    pub last: Time,
    /// Call events that name this handset for this phone.
    pub n_events: u32,
    /// phones.csv line of a registration naming this handset (0: none).
    pub registration_line: u32,
}

/// One text a node answers to (an id, a number, a person's name or
/// alias), in [`CaseGraph::names`]: sorted by the text's bytes, then by
/// node, so that a look-up is a binary search that touches a few rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct NameEntry {
    pub text: Sym,
    /// `NodeKind as u32`.
    pub kind: u32,
    pub idx: u32,
}

/// A phone served by a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct PhoneAtLocation {
    pub phone: u32,
    pub location: u32,
    pub first: Time,
    pub last: Time,
    pub n_events: u32,
    pub _pad: u32,
}

/// A person linked to a phone: the person record claims it (persons.csv
/// `phones`), and/or a subscriber registration (phones.csv) names the
/// person's id number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct PersonPhone {
    pub person: u32,
    pub phone: u32,
    /// persons.csv line claiming the phone (0: not claimed).
    pub claimed_line: u32,
    /// phones.csv line registering the phone to the person's id number (0: none).
    pub registration_line: u32,
}

impl PersonPhone {
    pub fn claimed(&self) -> bool {
        self.claimed_line != 0
    }
    pub fn registered(&self) -> bool {
        self.registration_line != 0
    }
}

/// A range in [`CaseGraph::lists`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
#[repr(C)]
pub struct ListRange {
    pub start: u32,
    pub len: u32,
}

/// One persons.csv record.
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct Person {
    pub dob: Time,
    pub person_id: Sym,
    pub name: Sym,
    pub id_number: Sym,
    pub address: Sym,
    pub source: Sym,
    /// Interned alias names.
    pub aliases: ListRange,
    /// Phone indices.
    pub phones: ListRange,
    pub line: u32,
    pub role: u8,
    pub _pad: [u8; 3],
    pub _pad2: u32,
}

impl Person {
    pub fn role(&self) -> PersonRole {
        PersonRole::from_u8(self.role).unwrap_or(PersonRole::Unknown)
    }
}

/// One phones.csv subscriber registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Registration {
    pub activated: Time,
    pub deactivated: Time,
    pub phone: u32,
    pub subscriber_name: Sym,
    pub subscriber_id_number: Sym,
    pub handset: u32,
    pub carrier: Sym,
    pub line: u32,
}

/// A cell site or place. `line` is 0 for a location only referenced by
/// calls or incidents and absent from locations.csv.
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct Location {
    /// NaN when unknown.
    pub lat: f64,
    pub lon: f64,
    pub location_id: Sym,
    pub name: Sym,
    pub district: Sym,
    pub line: u32,
}

/// One incidents.csv report.
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct Incident {
    pub time: Time,
    /// Yuan; NaN when not given.
    pub loss: f64,
    pub incident_id: Sym,
    pub location: u32,
    /// The victim's person index, or [`NONE`] when absent or not in persons.csv.
    pub victim: u32,
    /// The `victim_id` as written.
    pub victim_id: Sym,
    /// Phone indices.
    pub phones: ListRange,
    /// Account indices.
    pub accounts: ListRange,
    pub line: u32,
    pub category: u8,
    pub _pad: [u8; 3],
}

impl Incident {
    pub fn category(&self) -> IncidentCategory {
        IncidentCategory::from_u8(self.category).unwrap_or(IncidentCategory::Other)
    }
}

/// Which table an [`Attribute`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AttributeTable {
    Person = 0,
    Registration = 1,
    Location = 2,
    Incident = 3,
}

/// A value of a column the contract does not name, kept on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Attribute {
    pub table: u32,
    pub row: u32,
    pub key: Sym,
    pub value: Sym,
}

/// How the case was read: settings that change what the rows mean.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseMeta {
    pub country_code: String,
    pub utc_offset_s: i32,
    /// The case folder as given to `ingest`.
    pub source: String,
}

/// The typed graph of one case. Build it with [`CaseBuilder`] (ingest) or
/// load it from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseGraph {
    pub meta: CaseMeta,
    pub strings: Strings,
    /// Normalised number of each phone.
    pub phones: Column<Sym>,
    /// IMEI of each handset.
    pub handsets: Column<Sym>,
    /// Number of each bank account.
    pub accounts: Column<Sym>,
    pub persons: Column<Person>,
    pub registrations: Column<Registration>,
    pub locations: Column<Location>,
    pub incidents: Column<Incident>,
    /// Pool for the list fields of persons and incidents.
    pub lists: Column<u32>,
    pub attributes: Column<Attribute>,
    /// Call events sorted by `(start, line)`.
    pub events: Column<CallEvent>,
    /// Links sorted by `(caller, callee)`.
    pub call_links: Column<CallLink>,
    /// `call_links[call_out[p]..call_out[p+1]]` are phone p's outgoing links.
    pub call_out: Column<u32>,
    /// `call_in[call_in_offsets[p]..call_in_offsets[p+1]]` index phone p's incoming links.
    pub call_in_offsets: Column<u32>,
    pub call_in: Column<u32>,
    /// `phone_events[phone_event_offsets[p]..]`: events touching phone p, in time order.
    pub phone_event_offsets: Column<u64>,
    pub phone_events: Column<u32>,
    /// Sorted by `(phone, handset)`.
    pub handset_uses: Column<HandsetUse>,
    /// Sorted by `(phone, location)`.
    pub phone_locations: Column<PhoneAtLocation>,
    /// Sorted by `(person, phone)`.
    pub person_phones: Column<PersonPhone>,
    /// `phone_registrations[phone_registration_offsets[p]..[p + 1]]`: the
    /// registrations (phones.csv rows) of phone p, ascending.
    pub phone_registration_offsets: Column<u32>,
    pub phone_registrations: Column<u32>,
    /// `phone_persons[phone_person_offsets[p]..[p + 1]]`: the rows of
    /// `person_phones` naming phone p, ascending.
    pub phone_person_offsets: Column<u32>,
    pub phone_persons: Column<u32>,
    /// Every text a node answers to, sorted by text then node: the index
    /// behind [`lookup::Lookup`], stored in snapshots so that a fresh
    /// process finds a number without indexing the whole case.
    pub names: Column<NameEntry>,
    pub report: IngestReport,
    /// The default contact graph, derived from the rows above: computed on
    /// first use (or when a snapshot is written) and kept, or mapped from a
    /// snapshot that stores it.
    pub contact: ContactCache,
}

/// The contact graph every analysis command starts from — the default one
/// (the whole period, calls and texts, every pair, service numbers left
/// out by the default rule) — in the CSR form
/// [`crate::analysis::ContactGraph`] holds, so that a snapshot can store it
/// and a command map it instead of rebuilding it and re-detecting the hubs
/// (see [`crate::analysis::contact`] for what each column means).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactCsr {
    /// `n + 1` offsets into `neighbours` and `weights`.
    pub offsets: Column<u64>,
    pub neighbours: Column<u32>,
    pub weights: Column<f64>,
    /// Summed weight of each node's pairs.
    pub strength: Column<f64>,
    /// [`crate::model::NodeKind`] of each node, as its `u8`.
    pub kinds: Column<u8>,
    /// Node names, UTF-8, one after another; `name_ends[v]` is where node
    /// `v`'s ends.
    pub names: Column<u8>,
    pub name_ends: Column<u64>,
    /// The hubs left out, with their reasons, as JSON.
    pub hubs: Column<u8>,
}

/// A [`ContactCsr`] computed once and kept. It is derived data, so two
/// graphs are equal whatever their caches hold.
#[derive(Debug, Clone, Default)]
pub struct ContactCache(std::sync::OnceLock<ContactCsr>);

impl ContactCache {
    /// A cache holding `csr` already (a snapshot that stores it).
    pub fn filled(csr: ContactCsr) -> Self {
        ContactCache(std::sync::OnceLock::from(csr))
    }
    pub fn get(&self) -> Option<&ContactCsr> {
        self.0.get()
    }
    /// The kept value, or `make`'s, which is then kept.
    pub fn get_or_try_init<E>(
        &self,
        make: impl FnOnce() -> Result<ContactCsr, E>,
    ) -> Result<&ContactCsr, E> {
        if let Some(c) = self.0.get() {
            return Ok(c);
        }
        let made = make()?;
        Ok(self.0.get_or_init(|| made))
    }
}

impl PartialEq for ContactCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl CaseGraph {
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }
    pub fn phone_number(&self, phone_idx: u32) -> &str {
        self.str(*self.phones.at(phone_idx as usize))
    }
    pub fn list(&self, r: ListRange) -> &[u32] {
        self.lists
            .range(r.start as usize..(r.start as usize + r.len as usize))
    }
    /// Outgoing call links of a phone.
    pub fn calls_from(&self, phone_idx: u32) -> &[CallLink] {
        let o = self
            .call_out
            .range(phone_idx as usize..phone_idx as usize + 2);
        self.call_links.range(o[0] as usize..o[1] as usize)
    }
    /// Incoming call links of a phone.
    pub fn calls_to(&self, phone_idx: u32) -> impl Iterator<Item = &CallLink> + '_ {
        let o = self
            .call_in_offsets
            .range(phone_idx as usize..phone_idx as usize + 2);
        self.call_in
            .range(o[0] as usize..o[1] as usize)
            .iter()
            .map(|&l| self.call_links.at(l as usize))
    }
    /// The first and the last timed call of the case
    /// (`(NO_TIME, NO_TIME)` without any). Events are sorted by time, and
    /// untimed ones (`NO_TIME`, the smallest time) come first.
    pub fn period(&self) -> (crate::model::Time, crate::model::Time) {
        use crate::model::NO_TIME;
        let timed = self.events.partition_point(|e| e.start == NO_TIME);
        match (timed < self.events.len()).then(|| self.events.at(timed)) {
            Some(first) => (first.start, self.events.at(self.events.len() - 1).start),
            None => (NO_TIME, NO_TIME),
        }
    }
    /// Events touching a phone (as caller or callee), in time order.
    pub fn events_of(&self, phone_idx: u32) -> impl Iterator<Item = &CallEvent> + '_ {
        let o = self
            .phone_event_offsets
            .range(phone_idx as usize..phone_idx as usize + 2);
        self.phone_events
            .range(o[0] as usize..o[1] as usize)
            .iter()
            .map(|&e| self.events.at(e as usize))
    }
    /// Number of distinct phones this phone called or was called by.
    pub fn contact_count(&self, phone_idx: u32) -> usize {
        let mut peers: Vec<u32> = self
            .calls_from(phone_idx)
            .iter()
            .map(|l| l.callee)
            .collect();
        peers.extend(self.calls_to(phone_idx).map(|l| l.caller));
        peers.sort_unstable();
        peers.dedup();
        peers.len()
    }
    /// Handsets a phone was seen in.
    pub fn handsets_of(&self, phone_idx: u32) -> &[HandsetUse] {
        let lo = self.handset_uses.partition_point(|u| u.phone < phone_idx);
        let hi = self.handset_uses.partition_point(|u| u.phone <= phone_idx);
        self.handset_uses.range(lo..hi)
    }
    /// Cells that served a phone.
    pub fn locations_of(&self, phone_idx: u32) -> &[PhoneAtLocation] {
        let lo = self
            .phone_locations
            .partition_point(|u| u.phone < phone_idx);
        let hi = self
            .phone_locations
            .partition_point(|u| u.phone <= phone_idx);
        self.phone_locations.range(lo..hi)
    }
    /// Phones linked to a person record.
    /// Registrations (phones.csv row indices) of one phone.
    pub fn registrations_of(&self, phone_idx: u32) -> &[u32] {
        let p = phone_idx as usize;
        let (lo, hi) = (
            self.phone_registration_offsets[p] as usize,
            self.phone_registration_offsets[p + 1] as usize,
        );
        self.phone_registrations.range(lo..hi)
    }
    /// Person–phone links naming one phone.
    pub fn persons_of_phone(&self, phone_idx: u32) -> impl Iterator<Item = &PersonPhone> + '_ {
        let p = phone_idx as usize;
        let (lo, hi) = (
            self.phone_person_offsets[p] as usize,
            self.phone_person_offsets[p + 1] as usize,
        );
        self.phone_persons
            .range(lo..hi)
            .iter()
            .map(move |&i| &self.person_phones[i as usize])
    }
    pub fn phones_of_person(&self, person_idx: u32) -> &[PersonPhone] {
        let lo = self
            .person_phones
            .partition_point(|u| u.person < person_idx);
        let hi = self
            .person_phones
            .partition_point(|u| u.person <= person_idx);
        self.person_phones.range(lo..hi)
    }
    /// Earliest and latest call event, if any.
    pub fn time_span(&self) -> Option<(Time, Time)> {
        let n = self.events.len();
        if n == 0 {
            return None;
        }
        Some((self.events.at(0).start, self.events.at(n - 1).start))
    }
    /// Look a phone up by any spelling of its number.
    pub fn find_phone(&self, raw: &str) -> Option<u32> {
        let rules = crate::model::PhoneRules::with_country_code(&self.meta.country_code).ok()?;
        let number = rules.normalise(raw).ok()?;
        // Phones are few enough next to events that a linear scan is fine for
        // one-off lookups; queries build an index once.
        self.phones
            .iter()
            .position(|&s| self.str(s) == number)
            .map(|i| i as u32)
    }
}
