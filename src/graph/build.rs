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
    phone_of: FxHashMap<Sym, u32>,
    phones: Vec<Sym>,
    handset_of: FxHashMap<Sym, u32>,
    handsets: Vec<Sym>,
    account_of: FxHashMap<Sym, u32>,
    accounts: Vec<Sym>,
    location_of: FxHashMap<Sym, u32>,
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
        let sym = self.interner.intern(number);
        intern_node(&mut self.phone_of, &mut self.phones, sym)
    }
    pub fn handset(&mut self, imei: &str) -> u32 {
        if imei.is_empty() {
            return NONE;
        }
        let sym = self.interner.intern(imei);
        intern_node(&mut self.handset_of, &mut self.handsets, sym)
    }
    pub fn account(&mut self, number: &str) -> u32 {
        let sym = self.interner.intern(number);
        intern_node(&mut self.account_of, &mut self.accounts, sym)
    }
    /// The location node for an id; a location only referenced gets line 0
    /// until (and unless) locations.csv describes it.
    pub fn location(&mut self, location_id: &str) -> u32 {
        if location_id.is_empty() {
            return NONE;
        }
        let sym = self.interner.intern(location_id);
        if let Some(&i) = self.location_of.get(&sym) {
            return i;
        }
        let i = self.locations.len() as u32;
        self.locations.push(Location {
            lat: f64::NAN,
            lon: f64::NAN,
            location_id: sym,
            name: Sym::NONE,
            district: Sym::NONE,
            line: 0,
        });
        self.location_of.insert(sym, i);
        i
    }
    /// The location already described by locations.csv under this id, if any.
    pub fn described_location(&self, location_id: &str) -> Option<u32> {
        let sym = self.interner.lookup(location_id)?;
        let i = *self.location_of.get(&sym)?;
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

        let call_links = aggregate_calls(&events);
        let call_out = offsets_by(n_phones, call_links.iter().map(|l| l.caller));
        let (call_in_offsets, call_in) = {
            let mut order: Vec<u32> = (0..call_links.len() as u32).collect();
            order.par_sort_unstable_by_key(|&i| {
                let l = &call_links[i as usize];
                (l.callee, l.caller)
            });
            let offsets = offsets_by(
                n_phones,
                order.iter().map(|&i| call_links[i as usize].callee),
            );
            (offsets, order)
        };
        let (phone_event_offsets, phone_events) = index_events_by_phone(n_phones, &events);
        let handset_uses = aggregate_handsets(&events, &registrations);
        let phone_locations = aggregate_locations(&events);
        let person_phones = link_persons_to_phones(&strings, &persons, &lists, &registrations);

        CaseGraph {
            meta,
            strings,
            phones,
            handsets,
            accounts,
            persons,
            registrations,
            locations,
            incidents,
            lists,
            attributes,
            events,
            call_links,
            call_out,
            call_in_offsets,
            call_in,
            phone_event_offsets,
            phone_events,
            handset_uses,
            phone_locations,
            person_phones,
            report,
        }
    }
}

fn intern_node(map: &mut FxHashMap<Sym, u32>, nodes: &mut Vec<Sym>, sym: Sym) -> u32 {
    *map.entry(sym).or_insert_with(|| {
        nodes.push(sym);
        (nodes.len() - 1) as u32
    })
}

/// CSR offsets (`n + 1` of them) for items already sorted by `key`.
fn offsets_by(n: usize, keys: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut offsets = vec![0u32; n + 1];
    for k in keys {
        offsets[k as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    offsets
}

fn aggregate_calls(events: &[CallEvent]) -> Vec<CallLink> {
    // (caller, callee) packed in a u64, then the event index: ties break by
    // time order because events are already sorted by time.
    let mut keyed: Vec<(u64, u32)> = events
        .par_iter()
        .enumerate()
        .map(|(i, e)| (((e.caller as u64) << 32) | e.callee as u64, i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut links: Vec<CallLink> = Vec::new();
    let mut last_key = u64::MAX;
    for (key, i) in keyed {
        let e = &events[i as usize];
        if key != last_key {
            last_key = key;
            links.push(CallLink {
                caller: e.caller,
                callee: e.callee,
                n_calls: 0,
                n_texts: 0,
                total_seconds: 0,
                first: e.start,
                last: e.start,
                first_line: e.line,
                _pad: 0,
            });
        }
        let l = links.last_mut().expect("pushed above");
        if e.is_text() {
            l.n_texts += 1;
        } else {
            l.n_calls += 1;
        }
        l.total_seconds += e.duration_s as u64;
        l.last = e.start;
    }
    links
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

fn aggregate_handsets(events: &[CallEvent], registrations: &[Registration]) -> Vec<HandsetUse> {
    let mut seen: Vec<(u32, u32, Time, u32)> = Vec::new(); // phone, handset, time, registration line
    for e in events {
        if e.caller_handset != NONE {
            seen.push((e.caller, e.caller_handset, e.start, 0));
        }
        if e.callee_handset != NONE {
            seen.push((e.callee, e.callee_handset, e.start, 0));
        }
    }
    for r in registrations {
        if r.handset != NONE {
            seen.push((r.phone, r.handset, NO_TIME, r.line));
        }
    }
    seen.par_sort_unstable();
    let mut uses: Vec<HandsetUse> = Vec::new();
    for (phone, handset, t, reg_line) in seen {
        let same = uses
            .last()
            .is_some_and(|u| u.phone == phone && u.handset == handset);
        if !same {
            uses.push(HandsetUse {
                phone,
                handset,
                first: NO_TIME,
                last: NO_TIME,
                n_events: 0,
                registration_line: 0,
            });
        }
        let u = uses.last_mut().expect("pushed above");
        if reg_line != 0 {
            if u.registration_line == 0 || reg_line < u.registration_line {
                u.registration_line = reg_line;
            }
        } else {
            if u.first == NO_TIME {
                u.first = t;
            }
            u.last = t;
            u.n_events += 1;
        }
    }
    uses
}

fn aggregate_locations(events: &[CallEvent]) -> Vec<PhoneAtLocation> {
    let mut seen: Vec<(u32, u32, Time)> = Vec::new();
    for e in events {
        if e.caller_location != NONE {
            seen.push((e.caller, e.caller_location, e.start));
        }
        if e.callee_location != NONE {
            seen.push((e.callee, e.callee_location, e.start));
        }
    }
    seen.par_sort_unstable();
    let mut out: Vec<PhoneAtLocation> = Vec::new();
    for (phone, location, t) in seen {
        match out.last_mut() {
            Some(p) if p.phone == phone && p.location == location => {
                p.last = t;
                p.n_events += 1;
            }
            _ => out.push(PhoneAtLocation {
                phone,
                location,
                first: t,
                last: t,
                n_events: 1,
                _pad: 0,
            }),
        }
    }
    out
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
