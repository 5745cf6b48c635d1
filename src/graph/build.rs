//! [`CaseBuilder`]: collects nodes and rows while the case files are read,
//! then aggregates the call events into links and lays out the adjacency.
//!
//! Nodes are created on first mention (a cell named only by a call still
//! becomes a location node), so no reference is ever dangling.

use super::*;
use crate::model::NO_TIME;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Collects a case while it is read. Ingest is its only user.
#[derive(Debug)]
pub struct CaseBuilder {
    pub meta: CaseMeta,
    pub interner: Interner,
    phone_of: FxHashMap<u64, u32>,
    phones: Vec<Sym>,
    handset_of: NodeIndex,
    handsets: Vec<Sym>,
    account_of: FxHashMap<Sym, u32>,
    accounts: Vec<Sym>,
    location_of: NodeIndex,
    pub locations: Vec<Location>,
    person_of: FxHashMap<Sym, u32>,
    pub persons: Vec<Person>,
    pub registrations: Vec<Registration>,
    pub incidents: Vec<Incident>,
    pub lists: Vec<u32>,
    pub attributes: Vec<Attribute>,
    pub events: Vec<CallEvent>,
}

impl CaseBuilder {
    pub fn new(meta: CaseMeta) -> Self {
        CaseBuilder {
            meta,
            interner: Interner::default(),
            phone_of: Default::default(),
            phones: Vec::new(),
            handset_of: Default::default(),
            handsets: Vec::new(),
            account_of: Default::default(),
            accounts: Vec::new(),
            location_of: Default::default(),
            locations: Vec::new(),
            person_of: Default::default(),
            persons: Vec::new(),
            registrations: Vec::new(),
            incidents: Vec::new(),
            lists: Vec::new(),
            attributes: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The phone node for a normalised number, created on first mention.
    pub fn phone(&mut self, number: &str) -> u32 {
        self.phone_keyed(crate::model::phone::phone_key(number), number)
    }
    /// [`Self::phone`] with the number's key computed by the caller (off the
    /// sequential path).
    pub fn phone_keyed(&mut self, key: u64, number: &str) -> u32 {
        if let Some(&i) = self.phone_of.get(&key) {
            return i;
        }
        let i = self.phones.len() as u32;
        self.phones.push(self.interner.intern(number));
        self.phone_of.insert(key, i);
        i
    }
    pub fn handset(&mut self, imei: &str) -> u32 {
        self.handset_hashed(text_key(imei), imei)
    }
    /// [`Self::handset`] with `text_key(imei)` computed by the caller.
    pub fn handset_hashed(&mut self, key: TextKey, imei: &str) -> u32 {
        if imei.is_empty() {
            return NONE;
        }
        let (i, new) = self
            .handset_of
            .get_or_insert(key, imei, self.handsets.len() as u32);
        if new {
            self.handsets.push(self.interner.intern(imei));
        }
        i
    }
    pub fn account(&mut self, number: &str) -> u32 {
        let sym = self.interner.intern(number);
        intern_node(&mut self.account_of, &mut self.accounts, sym)
    }
    /// The location node for an id; a location only referenced gets line 0
    /// until (and unless) locations.csv describes it.
    pub fn location(&mut self, location_id: &str) -> u32 {
        self.location_hashed(text_key(location_id), location_id)
    }
    /// [`Self::location`] with `text_key(location_id)` computed by the caller.
    pub fn location_hashed(&mut self, key: TextKey, location_id: &str) -> u32 {
        if location_id.is_empty() {
            return NONE;
        }
        let (i, new) =
            self.location_of
                .get_or_insert(key, location_id, self.locations.len() as u32);
        if !new {
            return i;
        }
        let sym = self.interner.intern(location_id);
        self.locations.push(Location {
            lat: f64::NAN,
            lon: f64::NAN,
            location_id: sym,
            name: Sym::NONE,
            district: Sym::NONE,
            line: 0,
        });
        i
    }
    /// The location already described by locations.csv under this id, if any.
    pub fn described_location(&self, location_id: &str) -> Option<u32> {
        let i = self.location_of.get(text_key(location_id), location_id)?;
        (self.locations[i as usize].line != 0).then_some(i)
    }
    pub fn person_by_id(&self, person_id: &str) -> Option<u32> {
        let sym = self.interner.lookup(person_id)?;
        self.person_of.get(&sym).copied()
    }
    pub fn add_person(&mut self, person: Person) -> u32 {
        let i = self.persons.len() as u32;
        self.person_of.insert(person.person_id, i);
        self.persons.push(person);
        i
    }
    pub fn push_list(&mut self, items: &[u32]) -> ListRange {
        let start = self.lists.len() as u32;
        self.lists.extend_from_slice(items);
        ListRange {
            start,
            len: items.len() as u32,
        }
    }
    pub fn attribute(&mut self, table: AttributeTable, row: u32, key: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let key = self.interner.intern(key);
        let value = self.interner.intern(value);
        self.attributes.push(Attribute {
            table: table as u32,
            row,
            key,
            value,
        });
    }

    /// Freeze the case: sort the events, aggregate them into links and lay
    /// out the adjacency. Deterministic: every order is by full keys.
    pub fn finish(self, report: IngestReport) -> CaseGraph {
        let CaseBuilder {
            meta,
            interner,
            phones,
            handsets,
            accounts,
            persons,
            registrations,
            mut locations,
            incidents,
            lists,
            attributes,
            mut events,
            ..
        } = self;
        let strings = interner.finish();
        // Locations mentioned but never described keep NaN coordinates; make
        // sure an explicit 0 line means exactly that.
        for l in &mut locations {
            if l.line == 0 {
                l.lat = f64::NAN;
                l.lon = f64::NAN;
            }
        }
        events.par_sort_unstable_by_key(|e| (e.start, e.line));
        let n_phones = phones.len();

        let (phone_event_offsets, phone_events) = index_events_by_phone(n_phones, &events);
        let per_phone = PhoneLinks::build(
            n_phones,
            &events,
            &phone_event_offsets,
            &phone_events,
            &registrations,
        );
        let PhoneLinks {
            call_links,
            call_out,
            handset_uses,
            phone_locations,
        } = per_phone;
        let (call_in_offsets, call_in) = index_links_by_callee(n_phones, &call_links);
        let person_phones = link_persons_to_phones(&strings, &persons, &lists, &registrations);
        let (phone_registration_offsets, phone_registrations) =
            index_by_phone(n_phones, registrations.iter().map(|r| r.phone));
        let (phone_person_offsets, phone_persons) =
            index_by_phone(n_phones, person_phones.iter().map(|pp| pp.phone));

        let mut g = CaseGraph {
            meta,
            strings,
            phones: phones.into(),
            handsets: handsets.into(),
            accounts: accounts.into(),
            persons: persons.into(),
            registrations: registrations.into(),
            locations: locations.into(),
            incidents: incidents.into(),
            lists: lists.into(),
            attributes: attributes.into(),
            events: events.into(),
            call_links: call_links.into(),
            call_out: call_out.into(),
            call_in_offsets: call_in_offsets.into(),
            call_in: call_in.into(),
            phone_event_offsets: phone_event_offsets.into(),
            phone_events: phone_events.into(),
            handset_uses: handset_uses.into(),
            phone_locations: phone_locations.into(),
            person_phones: person_phones.into(),
            phone_registration_offsets: phone_registration_offsets.into(),
            phone_registrations: phone_registrations.into(),
            phone_person_offsets: phone_person_offsets.into(),
            phone_persons: phone_persons.into(),
            names: Vec::new().into(),
            report,
            contact: Default::default(),
        };
        g.names = super::lookup::name_index(&g).into();
        g
    }
}

/// The 128-bit hash that [`NodeIndex`] looks names up by, split in two
/// halves: the lookup key and a check.
pub fn text_key(s: &str) -> TextKey {
    let h = xxhash_rust::xxh3::xxh3_128(s.as_bytes());
    TextKey {
        key: h as u64,
        check: (h >> 64) as u64,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextKey {
    key: u64,
    check: u64,
}

/// Nodes of one kind looked up by a 128-bit hash of their name, which the
/// calls reader computes in parallel; the sequential part is then one
/// integer probe, without touching the string table. Two names whose hashes
/// share the lookup half but not the check half go to a second, exact map;
/// a full 128-bit collision between two names of one case is not a
/// practical concern (below 2^-90 for a billion names).
#[derive(Debug, Default)]
struct NodeIndex {
    by_key: FxHashMap<u64, (u32, u64)>,
    collided: FxHashMap<Box<str>, u32>,
}

impl NodeIndex {
    fn get(&self, k: TextKey, name: &str) -> Option<u32> {
        match self.by_key.get(&k.key) {
            Some(&(i, check)) if check == k.check => Some(i),
            Some(_) => self.collided.get(name).copied(),
            None => None,
        }
    }
    /// The node for `name`, or `next` (and `true`) when it is new.
    fn get_or_insert(&mut self, k: TextKey, name: &str, next: u32) -> (u32, bool) {
        if let Some(i) = self.get(k, name) {
            return (i, false);
        }
        match self.by_key.entry(k.key) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(name.into(), next);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((next, k.check));
            }
        }
        (next, true)
    }
}

fn intern_node(map: &mut FxHashMap<Sym, u32>, nodes: &mut Vec<Sym>, sym: Sym) -> u32 {
    *map.entry(sym).or_insert_with(|| {
        nodes.push(sym);
        (nodes.len() - 1) as u32
    })
}

fn index_events_by_phone(n_phones: usize, events: &[CallEvent]) -> (Vec<u64>, Vec<u32>) {
    let mut offsets = vec![0u64; n_phones + 1];
    for e in events {
        offsets[e.caller as usize + 1] += 1;
        if e.callee != e.caller {
            offsets[e.callee as usize + 1] += 1;
        }
    }
    for i in 0..n_phones {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor: Vec<u64> = offsets[..n_phones].to_vec();
    let mut index = vec![0u32; offsets[n_phones] as usize];
    for (i, e) in events.iter().enumerate() {
        index[cursor[e.caller as usize] as usize] = i as u32;
        cursor[e.caller as usize] += 1;
        if e.callee != e.caller {
            index[cursor[e.callee as usize] as usize] = i as u32;
            cursor[e.callee as usize] += 1;
        }
    }
    (offsets, index)
}

/// The links of every phone, aggregated from its own events: outgoing call
/// links, handsets and cells. Phones are independent of each other, so they
/// are done in parallel in ranges; the ranges' results are joined in phone
/// order, so the output does not depend on the number of threads. Within a
/// phone, a stable sort by peer keeps the events' time order, which gives
/// first and last directly.
struct PhoneLinks {
    call_links: Vec<CallLink>,
    call_out: Vec<u32>,
    handset_uses: Vec<HandsetUse>,
    phone_locations: Vec<PhoneAtLocation>,
}

impl PhoneLinks {
    fn build(
        n_phones: usize,
        events: &[CallEvent],
        offsets: &[u64],
        index: &[u32],
        registrations: &[Registration],
    ) -> PhoneLinks {
        // Registrations naming a handset, by phone: (phone, handset, line).
        let mut registered: Vec<(u32, u32, u32)> = registrations
            .iter()
            .filter(|r| r.handset != NONE)
            .map(|r| (r.phone, r.handset, r.line))
            .collect();
        registered.sort_unstable();
        const RANGE: usize = 4096;
        let parts: Vec<PhoneLinks> = (0..n_phones.div_ceil(RANGE))
            .into_par_iter()
            .map(|r| {
                let lo = r * RANGE;
                let hi = ((r + 1) * RANGE).min(n_phones);
                let mut part = PhoneLinks {
                    call_links: Vec::new(),
                    call_out: Vec::with_capacity(hi - lo),
                    handset_uses: Vec::new(),
                    phone_locations: Vec::new(),
                };
                let mut seen = SeenWith::default();
                for p in lo..hi {
                    let pu = p as u32;
                    let own = &index[offsets[p] as usize..offsets[p + 1] as usize];
                    seen.gather(pu, own, events);
                    part.call_out.push(part.call_links.len() as u32);
                    part.add_call_links(pu, &seen.peers, events);
                    let reg_lo = registered.partition_point(|r| (r.0 as usize) < p);
                    let reg_hi = registered.partition_point(|r| (r.0 as usize) <= p);
                    part.add_handset_uses(pu, &seen.handsets, &registered[reg_lo..reg_hi], events);
                    part.add_phone_locations(pu, &seen.cells, events);
                }
                part
            })
            .collect();
        Self::join(n_phones, parts)
    }

    /// One outgoing call link per peer: calls, texts, seconds, first and
    /// last time and the first source line.
    fn add_call_links(&mut self, pu: u32, peers: &[(u32, u32)], events: &[CallEvent]) {
        for group in peers.chunk_by(|a, b| a.0 == b.0) {
            let first = &events[group[0].1 as usize];
            let mut link = CallLink {
                caller: pu,
                callee: group[0].0,
                n_calls: 0,
                n_texts: 0,
                total_seconds: 0,
                first: first.start,
                last: events[group[group.len() - 1].1 as usize].start,
                first_line: u32::MAX,
                _pad: 0,
            };
            for &(_, e) in group {
                let ev = &events[e as usize];
                if ev.is_text() {
                    link.n_texts += 1;
                } else {
                    link.n_calls += 1;
                }
                link.total_seconds += ev.duration_s as u64;
                link.first_line = link.first_line.min(ev.line);
            }
            self.call_links.push(link);
        }
    }

    /// One use per handset, merging handsets seen in calls (first, last,
    /// count) with handsets named by the phone's registrations (earliest
    /// registration line), in handset order.
    fn add_handset_uses(
        &mut self,
        pu: u32,
        handsets: &[(u32, u32)],
        registered: &[(u32, u32, u32)],
        events: &[CallEvent],
    ) {
        let mut regs = registered.iter().peekable();
        let mut groups = handsets.chunk_by(|a, b| a.0 == b.0).peekable();
        loop {
            let next_seen = groups.peek().map(|g| g[0].0);
            let next_reg = regs.peek().map(|r| r.1);
            let handset = match (next_seen, next_reg) {
                (None, None) => break,
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
            };
            let mut u = HandsetUse {
                phone: pu,
                handset,
                first: NO_TIME,
                last: NO_TIME,
                n_events: 0,
                registration_line: 0,
            };
            if next_seen == Some(handset) {
                let g = groups.next().expect("peeked");
                u.first = events[g[0].1 as usize].start;
                u.last = events[g[g.len() - 1].1 as usize].start;
                u.n_events = g.len() as u32;
            }
            while regs.peek().is_some_and(|r| r.1 == handset) {
                let line = regs.next().expect("peeked").2;
                if u.registration_line == 0 || line < u.registration_line {
                    u.registration_line = line;
                }
            }
            self.handset_uses.push(u);
        }
    }

    /// One presence per cell the phone was seen in: first, last, count.
    fn add_phone_locations(&mut self, pu: u32, cells: &[(u32, u32)], events: &[CallEvent]) {
        for g in cells.chunk_by(|a, b| a.0 == b.0) {
            self.phone_locations.push(PhoneAtLocation {
                phone: pu,
                location: g[0].0,
                first: events[g[0].1 as usize].start,
                last: events[g[g.len() - 1].1 as usize].start,
                n_events: g.len() as u32,
                _pad: 0,
            });
        }
    }

    /// The ranges' links joined in phone order, call offsets moved by the
    /// links before each range.
    fn join(n_phones: usize, parts: Vec<PhoneLinks>) -> PhoneLinks {
        let mut all = PhoneLinks {
            call_links: Vec::with_capacity(parts.iter().map(|p| p.call_links.len()).sum()),
            call_out: Vec::with_capacity(n_phones + 1),
            handset_uses: Vec::new(),
            phone_locations: Vec::with_capacity(
                parts.iter().map(|p| p.phone_locations.len()).sum(),
            ),
        };
        for part in parts {
            let base = all.call_links.len() as u32;
            all.call_out.extend(part.call_out.iter().map(|o| o + base));
            all.call_links.extend(part.call_links);
            all.handset_uses.extend(part.handset_uses);
            all.phone_locations.extend(part.phone_locations);
        }
        all.call_out.push(all.call_links.len() as u32);
        all
    }
}

/// One phone's events as (peer, event), (handset, event) and (cell, event),
/// each sorted stably by its first field so that events stay in time order
/// within a group. The buffers are reused from phone to phone.
#[derive(Default)]
struct SeenWith {
    peers: Vec<(u32, u32)>,
    handsets: Vec<(u32, u32)>,
    cells: Vec<(u32, u32)>,
}

impl SeenWith {
    /// Fills the buffers from the phone's own events. A handset or cell on
    /// both ends of a call to itself counts once.
    fn gather(&mut self, pu: u32, own: &[u32], events: &[CallEvent]) {
        self.peers.clear();
        self.handsets.clear();
        self.cells.clear();
        for &e in own {
            let ev = &events[e as usize];
            if ev.caller == pu {
                self.peers.push((ev.callee, e));
                if ev.caller_handset != NONE {
                    self.handsets.push((ev.caller_handset, e));
                }
                if ev.caller_location != NONE {
                    self.cells.push((ev.caller_location, e));
                }
            }
            if ev.callee == pu {
                if ev.callee_handset != NONE
                    && !(ev.caller == pu && ev.caller_handset == ev.callee_handset)
                {
                    self.handsets.push((ev.callee_handset, e));
                }
                if ev.callee_location != NONE
                    && !(ev.caller == pu && ev.caller_location == ev.callee_location)
                {
                    self.cells.push((ev.callee_location, e));
                }
            }
        }
        self.peers.sort_by_key(|&(peer, _)| peer);
        self.handsets.sort_by_key(|&(h, _)| h);
        self.cells.sort_by_key(|&(c, _)| c);
    }
}

/// Incoming links per phone: a counting sort of the links by callee. Links
/// come in caller order, so each phone's incoming links are in caller order.
fn index_links_by_callee(n_phones: usize, links: &[CallLink]) -> (Vec<u32>, Vec<u32>) {
    index_by_phone(n_phones, links.iter().map(|l| l.callee))
}

/// A CSR index by phone over rows whose phones are `phone_of_row` (in row
/// order): `index[offsets[p]..offsets[p + 1]]` are phone p's rows,
/// ascending. A counting sort, O(phones + rows).
fn index_by_phone(
    n_phones: usize,
    phone_of_row: impl Iterator<Item = u32> + Clone,
) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; n_phones + 1];
    for p in phone_of_row.clone() {
        offsets[p as usize + 1] += 1;
    }
    for i in 0..n_phones {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor = offsets[..n_phones].to_vec();
    let mut index = vec![0u32; offsets[n_phones] as usize];
    for (i, p) in phone_of_row.enumerate() {
        index[cursor[p as usize] as usize] = i as u32;
        cursor[p as usize] += 1;
    }
    (offsets, index)
}

/// Identity numbers compare without case and spacing (`x` and `X` are the
/// same check character).
pub fn id_number_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn link_persons_to_phones(
    strings: &Strings,
    persons: &[Person],
    lists: &[u32],
    registrations: &[Registration],
) -> Vec<PersonPhone> {
    let mut by_id_number: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for (i, p) in persons.iter().enumerate() {
        if p.id_number.is_some() {
            by_id_number
                .entry(id_number_key(strings.get(p.id_number)))
                .or_default()
                .push(i as u32);
        }
    }
    // (person, phone, claimed line, registration line)
    let mut links: Vec<(u32, u32, u32, u32)> = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        let r = p.phones;
        for &phone in &lists[r.start as usize..(r.start + r.len) as usize] {
            links.push((i as u32, phone, p.line, 0));
        }
    }
    for r in registrations {
        if r.subscriber_id_number.is_none() {
            continue;
        }
        if let Some(people) = by_id_number.get(&id_number_key(strings.get(r.subscriber_id_number)))
        {
            for &person in people {
                links.push((person, r.phone, 0, r.line));
            }
        }
    }
    links.sort_unstable();
    let mut out: Vec<PersonPhone> = Vec::new();
    for (person, phone, claimed, registered) in links {
        match out.last_mut() {
            Some(l) if l.person == person && l.phone == phone => {
                if l.claimed_line == 0 {
                    l.claimed_line = claimed;
                }
                if l.registration_line == 0 {
                    l.registration_line = registered;
                }
            }
            _ => out.push(PersonPhone {
                person,
                phone,
                claimed_line: claimed,
                registration_line: registered,
            }),
        }
    }
    out
}
