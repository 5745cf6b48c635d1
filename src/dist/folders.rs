//! Suspicious components written out as ordinary case folders
//! (`casegraph dist --folders K`): the parts of a city-sized case worth
//! opening with `casegraph leads`, `report`, `serve` and `export`.
//!
//! The evidence is gathered where the phone lives, at its owner worker
//! (hash partitioning, as for the hub rule):
//! - each contact pair's directed links become a [`Tally`] per phone
//!   (outgoing and incoming events, distinct numbers called, short calls,
//!   contacts, first and last event): exactly the
//!   [`crate::lead::patterns::Profile`] the library's burner rule reads,
//!   so [`crate::lead::patterns::burner::is_burner`] judges it, with its
//!   volume bars set relative to the case: at least [`FAN_OUT_FACTOR`]
//!   times the case's median number of contacts (never absolute numbers);
//! - process 0 reads the small files once ([`side_notes`]) and sends each
//!   phone's owner the [`Note`]s that name it: its registrations
//!   (phones.csv, by the subscriber's normalised id number), the person
//!   records listing it, the incidents naming it. The owner decides
//!   whether an incident names a suspect's phone or the victim's own (the
//!   victim's records list it, or it is registered to the victim's id);
//! - phones registered to one identity are joined at the owner of that
//!   identity, which sends process 0 one chain of links per identity
//!   (linear, not quadratic, in the phones of a dealer).
//!
//! Process 0 then ranks the groups (contact components joined by shared
//! identities) that hold a seed — a burner-like phone or a number named in
//! an incident — by the seeds' summed scores ([`choose`]), cuts a group
//! too large for one folder to its seeds and their strongest neighbours
//! ([`cut`]), and writes the top K ([`write_folders`]): every file of the
//! case contract restricted to the chosen phones, with `manifest.json`
//! saying why each was chosen. [`reference`] computes the same from an
//! ingested case, to check a run against.
//!
//! calls.csv is read a second time, by process 0 alone, to copy the
//! folders' call rows: the first read keeps only the calls' numbers, not
//! their rows. A run that adds batches to a stored state (`--add`) writes
//! folders from the whole state — the stored links, components and hubs
//! with the batch's — and copies the rows of the case's calls.csv and of
//! every batch the state recorded, in the order counted; the folders are
//! those a full run over the concatenated call files writes.

use super::write::{HubRow, Outputs};
use super::{owner, phone_of, phone_text, DistError, Exchanger, Phone, Result};
use crate::ingest::calls::CallChecker;
use crate::ingest::table::{field, list_items};
use crate::ingest::{optional_date, FileSpec, IngestConfig, Table};
use crate::lead::config::BurnerConfig;
use crate::lead::patterns::burner::is_burner;
use crate::lead::patterns::Profile;
use crate::model::NO_TIME;
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};
use timely::worker::Worker;

/// Folders written when `--folders` is not given: the three most
/// suspicious groups, few enough to read through the same day.
pub const DEFAULT_FOLDERS: usize = 3;

/// A burner's fan-out, relative to the case: at least this many times
/// the case's median number of contacts, in outgoing events and in
/// distinct numbers called.
pub const FAN_OUT_FACTOR: f64 = 3.0;

/// What a burner-like phone adds to its group's score; each incident
/// naming a phone (not as the victim's own) adds 1.
pub const BURNER_SCORE: u64 = 2;

/// The folder that holds the written case folders, under `--out`.
pub const FOLDERS_DIR: &str = "folders";
const TEMP_DIR: &str = ".folders.casegraph-tmp";
const OLD_DIR: &str = ".folders.casegraph-old";

/// One phone's events, summed from its links: the burner rule's
/// [`Profile`] plus its number of contacts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub phone: Phone,
    pub outgoing: u32,
    pub incoming: u32,
    pub distinct_out: u32,
    pub short_out: u32,
    /// Distinct phones it called or was called by (itself aside).
    pub contacts: u32,
    /// First and last event (`i64::MAX` / `i64::MIN` when none).
    pub first: i64,
    pub last: i64,
}

impl Tally {
    pub fn new(phone: Phone) -> Self {
        Tally {
            phone,
            outgoing: 0,
            incoming: 0,
            distinct_out: 0,
            short_out: 0,
            contacts: 0,
            first: i64::MAX,
            last: i64::MIN,
        }
    }

    fn add(&mut self, o: &Tally) {
        self.outgoing += o.outgoing;
        self.incoming += o.incoming;
        self.distinct_out += o.distinct_out;
        self.short_out += o.short_out;
        self.contacts += o.contacts;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }

    /// The profile the library's burner rule reads, without a registration.
    pub fn profile(&self) -> Profile {
        self.profile_registered(NO_TIME)
    }

    /// The profile with the activation of the registration in force at
    /// the phone's first event (as [`crate::lead::patterns::registered_at`]
    /// reads it on the single-machine graph).
    pub fn profile_registered(&self, registered: crate::model::Time) -> Profile {
        let seen = self.first <= self.last;
        Profile {
            outgoing: self.outgoing,
            incoming: self.incoming,
            distinct_out: self.distinct_out,
            short_out: self.short_out,
            odd: 0,
            first: if seen { self.first } else { NO_TIME },
            last: if seen { self.last } else { NO_TIME },
            registered: if seen { registered } else { NO_TIME },
            // The folders judge a SIM's life by the case's share alone.
            activated_in_case: false,
        }
    }
}

/// One directed link as the tallies read it: caller, callee, events
/// (calls and texts), short events, first and last.
#[derive(Debug, Clone, Copy)]
pub struct LinkFacts {
    pub caller: Phone,
    pub callee: Phone,
    pub events: u32,
    pub short: u32,
    pub first: i64,
    pub last: i64,
}

/// The tallies of one link's phones: the caller's outgoing side and the
/// callee's incoming side (a self-call is incoming, as the library counts
/// it). Contacts come from [`contact_tallies`].
pub fn link_tallies(l: &LinkFacts) -> impl Iterator<Item = Tally> {
    let (first, last) = (l.first, l.last);
    let out = (l.caller != l.callee).then(|| Tally {
        outgoing: l.events,
        distinct_out: 1,
        short_out: l.short,
        first,
        last,
        ..Tally::new(l.caller)
    });
    let inc = Tally {
        incoming: l.events,
        first,
        last,
        ..Tally::new(l.callee)
    };
    out.into_iter().chain(std::iter::once(inc))
}

/// One contact for each phone of an undirected pair.
pub fn contact_tallies(a: Phone, b: Phone) -> [Tally; 2] {
    [
        Tally {
            contacts: 1,
            ..Tally::new(a)
        },
        Tally {
            contacts: 1,
            ..Tally::new(b)
        },
    ]
}

/// Tallies summed per phone, sorted by phone.
pub fn sum_tallies(parts: impl IntoIterator<Item = Tally>) -> Vec<Tally> {
    let mut by: FxHashMap<Phone, Tally> = FxHashMap::default();
    for t in parts {
        by.entry(t.phone)
            .or_insert_with(|| Tally::new(t.phone))
            .add(&t);
    }
    let mut v: Vec<Tally> = by.into_values().collect();
    v.sort_unstable_by_key(|t| t.phone);
    v
}

/// What the small files say about one phone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Note {
    /// A phones.csv row registers it to this identity (the subscriber's id
    /// number, spaces dropped and upper case).
    Registered { id_key: String },
    /// A phones.csv row says when a registration of it was activated and
    /// deactivated ([`NO_TIME`] when the row leaves the date out); the
    /// burner rule counts a SIM's life from the registration in force at
    /// its first event.
    Activated {
        activated: crate::model::Time,
        deactivated: crate::model::Time,
    },
    /// A phones.csv row (one ingest keeps: its dates read) registers it to
    /// a subscriber who is an organisation or not
    /// ([`crate::resolve::normalise::names_an_organisation`]).
    Subscriber { organisation: bool },
    /// A persons.csv record lists it among its phones.
    Listed { person_id: String },
    /// An incidents.csv row names it; the victim's person id and id key
    /// (empty when unknown) tell a victim's own phone from a suspect's.
    Named {
        line: u32,
        incident_id: String,
        victim_id: String,
        victim_key: String,
    },
}

/// An id number as registrations and person records are matched on it:
/// ignoring case and spaces.
pub fn id_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Every [`Note`] of the case's persons.csv, phones.csv and incidents.csv
/// (absent files add nothing; rows ingest would reject are skipped, as
/// are numbers that do not read as phones).
pub fn side_notes(case: &Path, ingest: &IngestConfig) -> Result<Vec<(Phone, Note)>> {
    let rules = &ingest.phone_rules;
    let mut notes = Vec::new();
    let mut key_of_person: FxHashMap<String, String> = FxHashMap::default();
    let mut number = String::new();
    let mut phone = |raw: &str| -> Option<Phone> {
        rules.normalise_into(raw, &mut number).ok()?;
        Some(phone_of(&number))
    };
    let mut ignored = Vec::new();
    if let Some(mut t) = open(case, ingest, FileSpec::PERSONS)? {
        t.for_each_row(&mut ignored, |row| {
            let person_id = row.required("person_id")?.to_string();
            let key = id_key(row.get("id_number"));
            for raw in list_items(row.get("phones")) {
                if let Some(p) = phone(raw) {
                    notes.push((
                        p,
                        Note::Listed {
                            person_id: person_id.clone(),
                        },
                    ));
                }
            }
            key_of_person.insert(person_id, key);
            Ok(())
        })?;
    }
    if let Some(mut t) = open(case, ingest, FileSpec::PHONES)? {
        t.for_each_row(&mut ignored, |row| {
            let key = id_key(row.get("subscriber_id_number"));
            let Some(p) = phone(row.required("number")?) else {
                return Ok(());
            };
            // Rows ingest rejects for their dates add no activation.
            let activated = optional_date("activated", row.get("activated")).ok();
            let deactivated = optional_date("deactivated", row.get("deactivated")).ok();
            if let (Some(activated), Some(deactivated)) = (activated, deactivated) {
                let organisation = crate::resolve::normalise::names_an_organisation(
                    row.get("subscriber_name"),
                    row.get("subscriber_id_number"),
                );
                notes.push((p, Note::Subscriber { organisation }));
                if activated != NO_TIME && (deactivated == NO_TIME || deactivated >= activated) {
                    notes.push((
                        p,
                        Note::Activated {
                            activated,
                            deactivated,
                        },
                    ));
                }
            }
            if !key.is_empty() {
                notes.push((p, Note::Registered { id_key: key }));
            }
            Ok(())
        })?;
    }
    if let Some(mut t) = open(case, ingest, FileSpec::INCIDENTS)? {
        t.for_each_row(&mut ignored, |row| {
            let incident_id = row.required("incident_id")?.to_string();
            let victim_id = row.get("victim_id").to_string();
            let victim_key = key_of_person.get(&victim_id).cloned().unwrap_or_default();
            for raw in list_items(row.get("phones")) {
                if let Some(p) = phone(raw) {
                    notes.push((
                        p,
                        Note::Named {
                            line: row.line(),
                            incident_id: incident_id.clone(),
                            victim_id: victim_id.clone(),
                            victim_key: victim_key.clone(),
                        },
                    ));
                }
            }
            Ok(())
        })?;
    }
    Ok(notes)
}

fn open(case: &Path, ingest: &IngestConfig, spec: FileSpec) -> Result<Option<Table>> {
    Ok(Table::open(case, spec, ingest.mapping.for_file(&spec))?)
}

/// The rules a run judges phones by: the library's burner rule with its
/// volume bars set relative to the case.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub burner: BurnerConfig,
    pub median_contacts: f64,
    pub case_days: f64,
}

impl Rules {
    /// The rules of a case whose median phone has `median_contacts`
    /// contacts and whose events span `case_days` days.
    pub fn of_case(median_contacts: f64, case_days: f64) -> Self {
        let bar = (FAN_OUT_FACTOR * median_contacts.max(1.0)).ceil() as u32;
        Rules {
            burner: BurnerConfig {
                min_outgoing: bar,
                min_distinct: bar,
                ..BurnerConfig::default()
            },
            median_contacts,
            case_days,
        }
    }

    /// The most phones one folder holds for `seeds` seeds before its group
    /// is cut: each seed with as many neighbours as the case's median
    /// phone has contacts.
    pub fn cap(&self, seeds: usize) -> usize {
        (seeds as f64 * (1.0 + self.median_contacts)).ceil() as usize
    }
}

/// A phone that makes its group suspicious, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suspect {
    pub phone: Phone,
    /// The burner rule's words, when it fires.
    pub burner: Option<String>,
    /// Incidents naming it, not as the victim's own: (line, incident id).
    pub named: Vec<(u32, String)>,
    pub score: u64,
}

/// The activation of the registration in force at `at`: the latest one
/// activated on or before `at` and not deactivated before that day
/// ([`NO_TIME`] when none is). The same rule as
/// [`crate::lead::patterns::registered_at`].
pub fn activation_at(notes: &[Note], at: crate::model::Time) -> crate::model::Time {
    if at == NO_TIME {
        return NO_TIME;
    }
    notes
        .iter()
        .filter_map(|n| match n {
            Note::Activated {
                activated,
                deactivated,
            } if *activated <= at && (*deactivated == NO_TIME || *deactivated + 86_400 > at) => {
                Some(*activated)
            }
            _ => None,
        })
        .max()
        .unwrap_or(NO_TIME)
}

/// Whether a phone's registrations (one at least) all name an
/// organisation as the subscriber.
fn is_company_line(notes: &[Note]) -> bool {
    let mut subscribers = notes.iter().filter_map(|n| match n {
        Note::Subscriber { organisation } => Some(*organisation),
        _ => None,
    });
    subscribers
        .next()
        .is_some_and(|first| first && subscribers.all(|o| o))
}

/// Judge one phone at its owner: a seed when the burner rule fires on its
/// tally or an incident names it (not as the victim's own). Hubs are never
/// seeds (a service number is not a suspect), nor is a company's own line
/// (every registration names an organisation), as in `leads`
/// ([`crate::lead::patterns::is_company_line`]).
pub fn judge(
    phone: Phone,
    tally: Option<&Tally>,
    notes: &[Note],
    is_hub: bool,
    rules: &Rules,
) -> Option<Suspect> {
    if is_hub || is_company_line(notes) {
        return None;
    }
    let profile = tally.map(|t| t.profile_registered(activation_at(notes, t.first)));
    let burner = tally
        .filter(|_| {
            profile
                .as_ref()
                .is_some_and(|p| is_burner(p, &rules.burner, rules.case_days))
        })
        .map(|t| {
            format!(
                "burner-like fan-out: {} outgoing to {} distinct numbers (at least {} = {} × median contacts {}), {} incoming, active {:.0} days",
                t.outgoing,
                t.distinct_out,
                rules.burner.min_distinct,
                FAN_OUT_FACTOR,
                rules.median_contacts,
                t.incoming,
                t.profile().life_days().ceil()
            )
        });
    let own = |victim_id: &str, victim_key: &str| {
        notes.iter().any(|n| match n {
            Note::Listed { person_id } => !victim_id.is_empty() && person_id == victim_id,
            Note::Registered { id_key } => !victim_key.is_empty() && id_key == victim_key,
            Note::Named { .. } | Note::Activated { .. } | Note::Subscriber { .. } => false,
        })
    };
    let mut named: Vec<(u32, String)> = notes
        .iter()
        .filter_map(|n| match n {
            Note::Named {
                line,
                incident_id,
                victim_id,
                victim_key,
            } if !own(victim_id, victim_key) => Some((*line, incident_id.clone())),
            _ => None,
        })
        .collect();
    named.sort();
    named.dedup();
    if burner.is_none() && named.is_empty() {
        return None;
    }
    let score = BURNER_SCORE * burner.is_some() as u64 + named.len() as u64;
    Some(Suspect {
        phone,
        burner,
        named,
        score,
    })
}

/// Links `(phone, phone)` that chain together the phones registered to
/// one identity: `phones` are (id key, phone) as the identity's owner
/// received them.
pub fn identity_links(mut phones: Vec<(String, Phone)>) -> Vec<(Phone, Phone)> {
    phones.sort();
    phones.dedup();
    phones
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| (w[0].1, w[1].1))
        .collect()
}

/// Which worker owns an identity.
fn identity_owner(key: &str, peers: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % peers as u64) as usize
}

/// A group chosen for a folder, before its phones are known.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Choice {
    pub rank: usize,
    /// The smallest phone of its contact components.
    #[serde(skip)]
    pub group: Phone,
    pub score: u64,
    pub seeds: Vec<Suspect>,
    /// Phones in its contact components (and identity-linked phones).
    pub group_phones: u64,
    /// Its contact components' labels (their smallest phones).
    #[serde(skip)]
    pub labels: Vec<Phone>,
    /// The folder's phone cap when the group is larger than it.
    pub cut_to: Option<u64>,
}

/// A map-based union-find whose roots are the smallest phone of each set.
#[derive(Default)]
struct Groups(FxHashMap<Phone, Phone>);

impl Groups {
    fn find(&mut self, p: Phone) -> Phone {
        let mut x = p;
        loop {
            let parent = *self.0.entry(x).or_insert(x);
            if parent == x {
                break;
            }
            let grand = *self.0.get(&parent).unwrap_or(&parent);
            self.0.insert(x, grand);
            x = parent;
        }
        x
    }
    fn union(&mut self, a: Phone, b: Phone) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0.insert(ra.max(rb), ra.min(rb));
        }
    }
}

/// Rank the groups holding suspects and keep the top `k`. A group is the
/// union of the contact components (`components`: phone, smallest phone of
/// its component) joined by `identity` links; a phone in no component is
/// one of its own. Ranked by summed score, then number of seeds, then
/// smallest phone. A group of more phones than [`Rules::cap`] allows its
/// seeds is marked to be cut.
///
/// # Complexity
/// O(components + identity links + suspects log suspects).
pub fn choose(
    mut suspects: Vec<Suspect>,
    components: &[(Phone, Phone)],
    identity: &[(Phone, Phone)],
    k: usize,
    rules: &Rules,
) -> Vec<Choice> {
    let label_of: FxHashMap<Phone, Phone> = components.iter().copied().collect();
    let mut size: FxHashMap<Phone, u64> = FxHashMap::default();
    for (_, c) in components {
        *size.entry(*c).or_default() += 1;
    }
    let label = |p: Phone| label_of.get(&p).copied().unwrap_or(p);
    let mut groups = Groups::default();
    for s in &suspects {
        groups.find(label(s.phone));
    }
    for &(a, b) in identity {
        groups.union(label(a), label(b));
    }
    let mut labels: Vec<Phone> = groups.0.keys().copied().collect();
    labels.sort_unstable();
    let mut members: FxHashMap<Phone, Vec<Phone>> = FxHashMap::default();
    for l in labels {
        let root = groups.find(l);
        members.entry(root).or_default().push(l);
    }
    suspects.sort_unstable_by_key(|s| s.phone);
    let mut by_group: FxHashMap<Phone, Vec<Suspect>> = FxHashMap::default();
    for s in suspects {
        let root = groups.find(label(s.phone));
        by_group.entry(root).or_default().push(s);
    }
    let mut ranked: Vec<(u64, usize, Phone, Vec<Suspect>)> = by_group
        .into_iter()
        .map(|(g, seeds)| (seeds.iter().map(|s| s.score).sum(), seeds.len(), g, seeds))
        .collect();
    ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranked
        .into_iter()
        .take(k)
        .enumerate()
        .map(|(i, (score, n_seeds, g, seeds))| {
            let labels = members.remove(&g).unwrap_or_default();
            let group_phones: u64 = labels
                .iter()
                .map(|l| size.get(l).copied().unwrap_or(1))
                .sum();
            let cap = rules.cap(n_seeds) as u64;
            Choice {
                rank: i + 1,
                group: g,
                score,
                seeds,
                group_phones,
                labels,
                cut_to: (group_phones > cap).then_some(cap),
            }
        })
        .collect()
}

/// The phones of a group cut to `cap`: its seeds, then their strongest
/// neighbours by events with the seeds (ties by phone) until `cap`.
/// `seed_links` are the contact links (phone, phone, events) touching a
/// seed, each once.
pub fn cut(seeds: &[Phone], seed_links: &[(Phone, Phone, u32)], cap: usize) -> Vec<Phone> {
    let is_seed: FxHashSet<Phone> = seeds.iter().copied().collect();
    let mut strength: FxHashMap<Phone, u64> = FxHashMap::default();
    for &(a, b, w) in seed_links {
        for (s, n) in [(a, b), (b, a)] {
            if is_seed.contains(&s) && !is_seed.contains(&n) {
                *strength.entry(n).or_default() += w as u64;
            }
        }
    }
    let mut neighbours: Vec<(u64, Phone)> = strength.into_iter().map(|(p, w)| (w, p)).collect();
    neighbours.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut phones: Vec<Phone> = seeds.to_vec();
    let room = cap.saturating_sub(phones.len());
    phones.extend(neighbours.into_iter().take(room).map(|n| n.1));
    phones.sort_unstable();
    phones.dedup();
    phones
}

/// The phones of each chosen group: every phone of its components, or,
/// for a group to be cut, its seeds and strongest neighbours.
pub fn members(
    choices: &[Choice],
    components: &[(Phone, Phone)],
    seed_links: &[(Phone, Phone, u32)],
) -> Vec<Vec<Phone>> {
    let mut whole: FxHashMap<Phone, usize> = FxHashMap::default();
    let mut out: Vec<Vec<Phone>> = vec![Vec::new(); choices.len()];
    for (i, c) in choices.iter().enumerate() {
        match c.cut_to {
            Some(cap) => {
                let seeds: Vec<Phone> = c.seeds.iter().map(|s| s.phone).collect();
                out[i] = cut(&seeds, seed_links, cap as usize);
            }
            None => {
                for &l in &c.labels {
                    whole.insert(l, i);
                    // A phone in no component is a label of its own.
                    out[i].push(l);
                }
            }
        }
    }
    for &(p, l) in components {
        if let Some(&i) = whole.get(&l) {
            out[i].push(p);
        }
    }
    for m in &mut out {
        m.sort_unstable();
        m.dedup();
    }
    out
}

/// The seeds of groups to be cut: their links are gathered for [`cut`].
pub fn cut_seeds(choices: &[Choice]) -> Vec<Phone> {
    let mut seeds: Vec<Phone> = choices
        .iter()
        .filter(|c| c.cut_to.is_some())
        .flat_map(|c| c.seeds.iter().map(|s| s.phone))
        .collect();
    seeds.sort_unstable();
    seeds
}

/// The exchanges of the folders step, built by every worker right after
/// the passes' own (timely pairs dataflows by the order they are built).
pub(crate) struct FolderExchanges {
    tallies: Exchanger<Tally>,
    notes: Exchanger<(Phone, Note)>,
    histogram: Exchanger<(u32, u64)>,
    suspects: Exchanger<Suspect>,
    identities: Exchanger<(String, Phone)>,
    links: Exchanger<(Phone, Phone)>,
    seeds: Exchanger<Phone>,
    seed_links: Exchanger<(Phone, Phone, u32)>,
}

impl FolderExchanges {
    pub(crate) fn new(worker: &mut Worker) -> Self {
        FolderExchanges {
            tallies: Exchanger::new(worker),
            notes: Exchanger::new(worker),
            histogram: Exchanger::new(worker),
            suspects: Exchanger::new(worker),
            identities: Exchanger::new(worker),
            links: Exchanger::new(worker),
            seeds: Exchanger::new(worker),
            seed_links: Exchanger::new(worker),
        }
    }
}

/// What the passes hand the folders step on every worker.
pub(crate) struct FolderInput<'a> {
    /// This worker's directed links (it owns their phone pair).
    pub links: Vec<LinkFacts>,
    /// This worker's contact links without hubs (phone, phone, events).
    pub edges: &'a [(Phone, Phone, u32)],
    pub hubs: &'a [HubRow],
    /// Days from the case's first kept call to its last.
    pub case_days: f64,
    /// Worker 0 only: every phone with its component's smallest phone.
    pub components: Option<&'a [(Phone, Phone)]>,
    /// The case folder whose files the folders copy (the run's case, or
    /// the one a stored state recorded).
    pub case: &'a Path,
    /// Call files added to a stored state, read after the case's
    /// calls.csv when the folders' call rows are copied.
    pub more_calls: &'a [PathBuf],
}

/// The folders step on one worker: every worker takes the rounds; worker 0
/// writes the folders and returns their paths.
pub(crate) fn run_worker(
    worker: &mut Worker,
    x: &mut FolderExchanges,
    config: &super::DistConfig,
    input: FolderInput<'_>,
) -> Result<Vec<PathBuf>> {
    let peers = worker.peers();
    let me = worker.index();
    // Tallies and notes at each phone's owner. Both directions of a pair
    // are at this worker (it owns the pair), so each contact is counted
    // once here.
    let mut parts: Vec<(usize, Tally)> = Vec::new();
    let mut contacts: FxHashSet<(Phone, Phone)> = FxHashSet::default();
    for l in &input.links {
        for t in link_tallies(l) {
            parts.push((owner(t.phone, peers), t));
        }
        if l.caller != l.callee {
            contacts.insert((l.caller.min(l.callee), l.caller.max(l.callee)));
        }
    }
    for (a, b) in contacts {
        for t in contact_tallies(a, b) {
            parts.push((owner(t.phone, peers), t));
        }
    }
    let tallies = sum_tallies(x.tallies.round(worker, parts)?);
    let notes = if me == 0 {
        side_notes(input.case, &config.ingest)?
    } else {
        Vec::new()
    };
    let mut notes = x
        .notes
        .round(worker, notes.into_iter().map(|n| (owner(n.0, peers), n)))?;
    notes.sort();
    // The case's median number of contacts, from every worker.
    let mut histogram: FxHashMap<u32, u64> = FxHashMap::default();
    for t in &tallies {
        if t.contacts > 0 {
            *histogram.entry(t.contacts).or_default() += 1;
        }
    }
    let mut all: FxHashMap<u32, u64> = FxHashMap::default();
    for (d, n) in x.histogram.all(worker, histogram.into_iter().collect())? {
        *all.entry(d).or_default() += n;
    }
    let rules = Rules::of_case(super::passes::median_of(&all), input.case_days);
    // Judge this worker's phones; suspects go to worker 0.
    let is_hub: FxHashSet<Phone> = input.hubs.iter().map(|h| h.phone).collect();
    let suspects = judge_owned(&tallies, &notes, &is_hub, &rules);
    let suspects = x
        .suspects
        .round(worker, suspects.into_iter().map(|s| (0, s)))?;
    // Identities at their owners, chained; the links go to worker 0. A
    // service number registered to a company does not join its groups.
    let ids = notes.iter().filter_map(|(p, n)| match n {
        Note::Registered { id_key } if !is_hub.contains(p) => {
            Some((identity_owner(id_key, peers), (id_key.clone(), *p)))
        }
        _ => None,
    });
    let ids = x.identities.round(worker, ids.collect::<Vec<_>>())?;
    let identity = x
        .links
        .round(worker, identity_links(ids).into_iter().map(|l| (0, l)))?;
    // Worker 0 chooses; the seeds of groups to cut go to every worker,
    // which sends back the contact links touching them.
    let (choices, seeds) = match input.components {
        Some(components) if me == 0 => {
            let mut identity = identity;
            identity.sort_unstable();
            let c = choose(suspects, components, &identity, config.folders, &rules);
            let seeds = cut_seeds(&c);
            (c, seeds)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let mut seeds = x.seeds.all(worker, seeds)?;
    seeds.sort_unstable();
    let seed_set: FxHashSet<Phone> = seeds.into_iter().collect();
    let touching = input
        .edges
        .iter()
        .filter(|e| seed_set.contains(&e.0) || seed_set.contains(&e.1))
        .map(|&e| (0, e));
    let mut seed_links = x.seed_links.round(worker, touching.collect::<Vec<_>>())?;
    seed_links.sort_unstable();
    match input.components {
        Some(components) if me == 0 => {
            let phones = members(&choices, components, &seed_links);
            write_folders(
                input.case,
                input.more_calls,
                &config.ingest,
                &config.out,
                &choices,
                &phones,
                &rules,
            )
        }
        _ => Ok(Vec::new()),
    }
}

/// Judge the phones this worker owns: those with a tally or a note.
fn judge_owned(
    tallies: &[Tally],
    notes: &[(Phone, Note)],
    is_hub: &FxHashSet<Phone>,
    rules: &Rules,
) -> Vec<Suspect> {
    let mut phones: Vec<Phone> = tallies
        .iter()
        .map(|t| t.phone)
        .chain(notes.iter().map(|n| n.0))
        .collect();
    phones.sort_unstable();
    phones.dedup();
    let tally_of: FxHashMap<Phone, &Tally> = tallies.iter().map(|t| (t.phone, t)).collect();
    let mut out = Vec::new();
    for p in phones {
        let lo = notes.partition_point(|n| n.0 < p);
        let hi = notes.partition_point(|n| n.0 <= p);
        let mine: Vec<Note> = notes[lo..hi].iter().map(|n| n.1.clone()).collect();
        if let Some(s) = judge(
            p,
            tally_of.get(&p).copied(),
            &mine,
            is_hub.contains(&p),
            rules,
        ) {
            out.push(s);
        }
    }
    out
}

/// The folders from the single-machine passes on an ingested case and
/// its [`Outputs`] (for `--reference`): the same tallies from the case's
/// events, the same notes, the same choice, the same files.
pub fn reference(
    case: &crate::graph::CaseGraph,
    outputs: &Outputs,
    folder: &Path,
    ingest: &IngestConfig,
    out: &Path,
    k: usize,
) -> Result<Vec<PathBuf>> {
    let short_call_s = BurnerConfig::default().short_call_s;
    let mut links: FxHashMap<(Phone, Phone), LinkFacts> = FxHashMap::default();
    for e in case.events.iter() {
        let (a, b) = (
            phone_of(case.phone_number(e.caller)),
            phone_of(case.phone_number(e.callee)),
        );
        let l = links.entry((a, b)).or_insert(LinkFacts {
            caller: a,
            callee: b,
            events: 0,
            short: 0,
            first: e.start,
            last: e.start,
        });
        l.events += 1;
        l.short += (e.is_text() || e.duration_s < short_call_s) as u32;
        l.first = l.first.min(e.start);
        l.last = l.last.max(e.start);
    }
    let mut pairs: FxHashMap<(Phone, Phone), u32> = FxHashMap::default();
    for l in links.values() {
        if l.caller != l.callee {
            let key = (l.caller.min(l.callee), l.caller.max(l.callee));
            *pairs.entry(key).or_default() += l.events;
        }
    }
    let tallies = sum_tallies(
        links
            .values()
            .flat_map(link_tallies)
            .chain(pairs.keys().flat_map(|&(a, b)| contact_tallies(a, b)))
            .collect::<Vec<_>>(),
    );
    let mut histogram: FxHashMap<u32, u64> = FxHashMap::default();
    for t in &tallies {
        *histogram.entry(t.contacts).or_default() += (t.contacts > 0) as u64;
    }
    histogram.retain(|_, n| *n > 0);
    let (first, last) = case.events.iter().fold((i64::MAX, i64::MIN), |(f, l), e| {
        (f.min(e.start), l.max(e.start))
    });
    let case_days = if first <= last {
        (last - first) as f64 / 86_400.0
    } else {
        0.0
    };
    let rules = Rules::of_case(super::passes::median_of(&histogram), case_days);
    let mut notes = side_notes(folder, ingest)?;
    notes.sort();
    let is_hub: FxHashSet<Phone> = outputs.hubs.iter().map(|h| h.phone).collect();
    let suspects = judge_owned(&tallies, &notes, &is_hub, &rules);
    let identity = identity_links(
        notes
            .iter()
            .filter_map(|(p, n)| match n {
                Note::Registered { id_key } if !is_hub.contains(p) => Some((id_key.clone(), *p)),
                _ => None,
            })
            .collect(),
    );
    let choices = choose(suspects, &outputs.components, &identity, k, &rules);
    let seeds: FxHashSet<Phone> = cut_seeds(&choices).into_iter().collect();
    let mut seed_links: Vec<(Phone, Phone, u32)> = pairs
        .iter()
        .filter(|((a, b), _)| !is_hub.contains(a) && !is_hub.contains(b))
        .filter(|((a, b), _)| seeds.contains(a) || seeds.contains(b))
        .map(|(&(a, b), &w)| (a, b, w))
        .collect();
    seed_links.sort_unstable();
    let phones = members(&choices, &outputs.components, &seed_links);
    write_folders(folder, &[], ingest, out, &choices, &phones, &rules)
}

/// Rows written to one folder, per file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RowCounts {
    pub calls: u64,
    pub persons: u64,
    pub phones: u64,
    pub locations: u64,
    pub incidents: u64,
}

/// One folder as manifest.json describes it.
#[derive(Debug, Clone, serde::Serialize)]
struct ManifestEntry<'a> {
    rank: usize,
    folder: String,
    score: u64,
    /// The smallest phone of the group's contact components.
    group: String,
    /// Phones in the group; in the folder.
    group_phones: u64,
    phones: u64,
    cut: Option<String>,
    seeds: Vec<SeedEntry<'a>>,
    rows: RowCounts,
}

#[derive(Debug, Clone, serde::Serialize)]
struct SeedEntry<'a> {
    phone: String,
    patterns: Vec<&'static str>,
    score: u64,
    burner: Option<&'a str>,
    incidents: Vec<&'a str>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Manifest<'a> {
    median_contacts: f64,
    fan_out_bar: u32,
    case_days: f64,
    folders: Vec<ManifestEntry<'a>>,
}

/// Folder `rank-N` of each choice, with `manifest.json`, written under
/// `out/folders` as one unit: built in a hidden temp folder, then renamed
/// into place (a leftover temp folder of a killed run is removed first).
/// Returns the paths written.
pub fn write_folders(
    case: &Path,
    more_calls: &[PathBuf],
    ingest: &IngestConfig,
    out: &Path,
    choices: &[Choice],
    phones: &[Vec<Phone>],
    rules: &Rules,
) -> Result<Vec<PathBuf>> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| DistError::Case(crate::error::Error::io(p, e))
    };
    let temp = out.join(TEMP_DIR);
    let old = out.join(OLD_DIR);
    for leftover in [&temp, &old] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover).map_err(io(leftover))?;
        }
    }
    std::fs::create_dir_all(&temp).map_err(io(&temp))?;
    let names: Vec<String> = choices.iter().map(|c| format!("rank-{}", c.rank)).collect();
    let mut folder_of: FxHashMap<Phone, usize> = FxHashMap::default();
    for (i, m) in phones.iter().enumerate() {
        for &p in m {
            folder_of.entry(p).or_insert(i);
        }
    }
    let counts = copy_rows(case, more_calls, ingest, &temp, &names, &folder_of)?;
    let manifest = Manifest {
        median_contacts: rules.median_contacts,
        fan_out_bar: rules.burner.min_distinct,
        case_days: rules.case_days,
        folders: choices
            .iter()
            .zip(&names)
            .zip(phones.iter().zip(counts))
            .map(|((c, name), (m, rows))| ManifestEntry {
                rank: c.rank,
                folder: name.clone(),
                score: c.score,
                group: phone_text(c.group),
                group_phones: c.group_phones,
                phones: m.len() as u64,
                cut: c.cut_to.map(|cap| {
                    format!(
                        "cut from {} phones to {} seeds and their strongest neighbours, at most {cap} phones ({} seeds × (1 + median contacts {}))",
                        c.group_phones,
                        c.seeds.len(),
                        c.seeds.len(),
                        rules.median_contacts
                    )
                }),
                seeds: c.seeds.iter().map(seed_entry).collect(),
                rows,
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    json.push(b'\n');
    let manifest_path = temp.join("manifest.json");
    std::fs::write(&manifest_path, json).map_err(io(&manifest_path))?;
    let target = out.join(FOLDERS_DIR);
    if target.exists() {
        std::fs::rename(&target, &old).map_err(io(&target))?;
    }
    std::fs::rename(&temp, &target).map_err(io(&target))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    let mut written = vec![target.join("manifest.json")];
    written.extend(names.iter().map(|n| target.join(n)));
    Ok(written)
}

fn seed_entry(s: &Suspect) -> SeedEntry<'_> {
    let mut patterns = Vec::new();
    if s.burner.is_some() {
        patterns.push("burner");
    }
    if !s.named.is_empty() {
        patterns.push("named_in_incident");
    }
    SeedEntry {
        phone: phone_text(s.phone),
        patterns,
        score: s.score,
        burner: s.burner.as_deref(),
        incidents: s.named.iter().map(|n| n.1.as_str()).collect(),
    }
}

/// One CSV per folder being filled: its writer and row count.
struct Sinks {
    writers: Vec<csv::Writer<std::fs::File>>,
    rows: Vec<u64>,
}

impl Sinks {
    /// `file` in every folder, with `header`.
    fn create(temp: &Path, names: &[String], file: &str, header: &[String]) -> Result<Self> {
        let mut writers = Vec::with_capacity(names.len());
        for n in names {
            let dir = temp.join(n);
            std::fs::create_dir_all(&dir)
                .map_err(|e| DistError::Case(crate::error::Error::io(&dir, e)))?;
            let path = dir.join(file);
            let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
            w.write_record(header).map_err(|e| csv_error(&path, e))?;
            writers.push(w);
        }
        Ok(Sinks {
            rows: vec![0; names.len()],
            writers,
        })
    }
    fn write(&mut self, folder: usize, record: &[&str]) -> std::io::Result<()> {
        self.rows[folder] += 1;
        self.writers[folder]
            .write_record(record)
            .map_err(std::io::Error::other)
    }
    fn finish(self, temp: &Path) -> Result<Vec<u64>> {
        for mut w in self.writers {
            w.flush()
                .map_err(|e| DistError::Case(crate::error::Error::io(temp, e)))?;
        }
        Ok(self.rows)
    }
}

fn csv_error(path: &Path, e: csv::Error) -> DistError {
    DistError::Case(crate::error::Error::io(path, std::io::Error::other(e)))
}

/// The contract columns `t` has, in contract order, then (for files that
/// keep them) its other columns: the header a folder's file gets.
fn columns(t: &Table) -> (Vec<String>, Vec<usize>) {
    let mut header = Vec::new();
    let mut cols = Vec::new();
    for (i, c) in t.spec.columns.iter().enumerate() {
        if t.field_index(i).is_some() {
            header.push(c.name.to_string());
            cols.push(i);
        }
    }
    if t.spec.keeps_extra {
        header.extend(t.extra.iter().map(|(_, name)| name.clone()));
    }
    (header, cols)
}

/// A row's values for [`columns`]' header.
fn values<'r>(row: &crate::ingest::table::Row<'r>, cols: &[usize], extra: bool) -> Vec<&'r str> {
    let mut v: Vec<&str> = cols.iter().map(|&c| row.at(c)).collect();
    if extra {
        v.extend(row.extra().map(|(_, value)| value));
    }
    v
}

/// Copy the rows of one of the small files into the folders `route`
/// sends each row to (ascending, each once), and return the rows written
/// per folder (none when the case has no such file). Rows ingest would
/// reject are skipped.
fn copy_small_file(
    case: &Path,
    ingest: &IngestConfig,
    spec: FileSpec,
    temp: &Path,
    names: &[String],
    mut route: impl FnMut(&crate::ingest::table::Row<'_>) -> Vec<usize>,
) -> Result<Vec<u64>> {
    let Some(mut t) = open(case, ingest, spec)? else {
        return Ok(vec![0; names.len()]);
    };
    let (header, cols) = columns(&t);
    let mut sinks = Sinks::create(temp, names, spec.file, &header)?;
    let mut failed = None;
    let mut ignored = Vec::new();
    t.for_each_row(&mut ignored, |row| {
        for f in route(row) {
            if let Err(e) = sinks.write(f, &values(row, &cols, true)) {
                failed.get_or_insert(e);
            }
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return Err(DistError::Case(crate::error::Error::io(temp, e)));
    }
    sinks.finish(temp)
}

/// Copy each file's rows into the folders whose phones they touch:
/// calls with either end in the folder; registrations of its phones;
/// incidents naming them; persons listing them, registered under their
/// ids, or the victims of those incidents; locations its calls and
/// incidents use. Returns the rows written per folder. `more_calls`: call
/// files added to a stored state after the case's calls.csv.
fn copy_rows(
    case: &Path,
    more_calls: &[PathBuf],
    ingest: &IngestConfig,
    temp: &Path,
    names: &[String],
    folder_of: &FxHashMap<Phone, usize>,
) -> Result<Vec<RowCounts>> {
    let n = names.len();
    let io_err = |e: std::io::Error| DistError::Case(crate::error::Error::io(temp, e));
    let mut counts = vec![RowCounts::default(); n];
    let mut places: Vec<FxHashSet<String>> = vec![FxHashSet::default(); n];
    let mut ids: Vec<FxHashSet<String>> = vec![FxHashSet::default(); n];
    let mut victims: Vec<FxHashSet<String>> = vec![FxHashSet::default(); n];
    let rules = &ingest.phone_rules;
    let mut number = String::new();
    let mut folder_of_raw = |raw: &str| -> Option<usize> {
        rules.normalise_into(raw, &mut number).ok()?;
        folder_of.get(&phone_of(&number)).copied()
    };

    // calls.csv, then the added batches: kept rows with either end in a
    // folder, under the case's calls.csv header (an added file's columns
    // are found by name, as when it was counted).
    let first = open(case, ingest, FileSpec::CALLS)?.expect("calls.csv is required");
    let (header, cols) = columns(&first);
    let mut sinks = Sinks::create(temp, names, "calls.csv", &header)?;
    let loc_cols = [
        FileSpec::CALLS.col("caller_location"),
        FileSpec::CALLS.col("callee_location"),
    ];
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut tables = vec![Ok(first)];
    tables.extend(
        more_calls
            .iter()
            .map(|f| super::read::open_added(f, ingest)),
    );
    for t in tables {
        let mut t = t?;
        let checker = CallChecker::of(&t, ingest);
        loop {
            let got = t.rows.read_chunk(&mut buf, 4096)?;
            if got == 0 {
                break;
            }
            for rec in &buf[..got] {
                let Ok(call) = checker.check(rec, &mut text) else {
                    continue;
                };
                let a = folder_of.get(&phone_of(call.caller())).copied();
                let b = folder_of.get(&phone_of(call.callee())).copied();
                let mut targets = [a, b];
                if a == b {
                    targets[1] = None;
                }
                for f in targets.into_iter().flatten() {
                    let vals: Vec<&str> =
                        cols.iter().map(|&c| field(rec, t.field_index(c))).collect();
                    sinks.write(f, &vals).map_err(io_err)?;
                    for c in loc_cols {
                        let place = field(rec, t.field_index(c));
                        if !place.is_empty() {
                            places[f].insert(place.to_string());
                        }
                    }
                }
            }
        }
    }
    for (c, r) in counts.iter_mut().zip(sinks.finish(temp)?) {
        c.calls = r;
    }

    // phones.csv: registrations of the folders' phones.
    let phones = copy_small_file(case, ingest, FileSpec::PHONES, temp, names, |row| {
        let Some(f) = folder_of_raw(row.get("number")) else {
            return Vec::new();
        };
        let key = id_key(row.get("subscriber_id_number"));
        if !key.is_empty() {
            ids[f].insert(key);
        }
        vec![f]
    })?;
    for (c, r) in counts.iter_mut().zip(phones) {
        c.phones = r;
    }

    // incidents.csv: incidents naming a folder's phone.
    let incidents = copy_small_file(case, ingest, FileSpec::INCIDENTS, temp, names, |row| {
        let mut named: Vec<usize> = list_items(row.get("phones"))
            .filter_map(&mut folder_of_raw)
            .collect();
        named.sort_unstable();
        named.dedup();
        for &f in &named {
            let place = row.get("location_id");
            if !place.is_empty() {
                places[f].insert(place.to_string());
            }
            let victim = row.get("victim_id");
            if !victim.is_empty() {
                victims[f].insert(victim.to_string());
            }
        }
        named
    })?;
    for (c, r) in counts.iter_mut().zip(incidents) {
        c.incidents = r;
    }

    // persons.csv: listing a folder's phone, registered under its ids, or
    // the victim of its incidents.
    let persons = copy_small_file(case, ingest, FileSpec::PERSONS, temp, names, |row| {
        let key = id_key(row.get("id_number"));
        let person = row.get("person_id");
        let mut to: Vec<usize> = list_items(row.get("phones"))
            .filter_map(&mut folder_of_raw)
            .collect();
        for f in 0..n {
            if (!key.is_empty() && ids[f].contains(&key)) || victims[f].contains(person) {
                to.push(f);
            }
        }
        to.sort_unstable();
        to.dedup();
        to
    })?;
    for (c, r) in counts.iter_mut().zip(persons) {
        c.persons = r;
    }

    // locations.csv: the cells and places the folder's rows use.
    let locations = copy_small_file(case, ingest, FileSpec::LOCATIONS, temp, names, |row| {
        let id = row.get("location_id");
        (0..n).filter(|&f| places[f].contains(id)).collect()
    })?;
    for (c, r) in counts.iter_mut().zip(locations) {
        c.locations = r;
    }
    Ok(counts)
}

/// What a finished run wrote under `out/folders`: manifest.json, then the
/// folders in rank order (read back by the process that started a
/// `--procs` run, which did not write them itself).
pub fn written(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join(FOLDERS_DIR);
    let manifest = dir.join("manifest.json");
    let text = match std::fs::read_to_string(&manifest) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(DistError::Case(crate::error::Error::io(&manifest, e))),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        DistError::Invalid(format!(
            "{}: expected the manifest a run writes, found JSON that does not read: {e}",
            manifest.display()
        ))
    })?;
    let mut paths = vec![manifest];
    for f in value["folders"].as_array().into_iter().flatten() {
        if let Some(name) = f["folder"].as_str() {
            paths.push(dir.join(name));
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn tiny() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny")
    }

    fn p(n: &str) -> Phone {
        phone_of(n)
    }

    fn suspect(phone: u128, score: u64) -> Suspect {
        Suspect {
            phone,
            burner: None,
            named: vec![(2, "I".into())],
            score,
        }
    }

    /// A phone that called 20 numbers once each over two days and was
    /// called once.
    fn fan_out() -> Tally {
        Tally {
            outgoing: 20,
            incoming: 1,
            distinct_out: 20,
            short_out: 20,
            contacts: 21,
            first: 0,
            last: 2 * DAY,
            ..Tally::new(7)
        }
    }

    #[test]
    fn a_companys_own_line_is_no_seed_however_it_fans_out() {
        let t = fan_out();
        let rules = Rules::of_case(5.0, 30.0);
        let company = Note::Subscriber { organisation: true };
        let person = Note::Subscriber {
            organisation: false,
        };
        assert_eq!(
            judge(7, Some(&t), std::slice::from_ref(&company), false, &rules),
            None
        );
        // Registered once to a company and once to a person: a person may
        // hold it, so the burner rule still judges it.
        assert!(judge(7, Some(&t), &[company, person.clone()], false, &rules).is_some());
        assert!(judge(7, Some(&t), &[person], false, &rules).is_some());
    }

    #[test]
    fn the_burner_bar_is_a_multiple_of_the_case_median() {
        let r = Rules::of_case(6.0, 20.0);
        assert_eq!(r.burner.min_distinct, 18);
        assert_eq!(r.burner.min_outgoing, 18);
        assert_eq!(r.cap(25), 175);
        // A case where most phones have no contact at all still asks for
        // FAN_OUT_FACTOR numbers.
        assert_eq!(Rules::of_case(0.0, 20.0).burner.min_distinct, 3);
    }

    #[test]
    fn fan_out_makes_a_burner_relative_to_the_case_and_a_hub_never_is() {
        let t = fan_out();
        let quiet_case = Rules::of_case(5.0, 30.0);
        let s = judge(7, Some(&t), &[], false, &quiet_case).expect("a burner");
        assert_eq!(s.score, BURNER_SCORE);
        assert!(s
            .burner
            .unwrap()
            .contains("20 distinct numbers (at least 15"));
        // The same phone in a case whose median phone has 10 contacts.
        assert_eq!(
            judge(7, Some(&t), &[], false, &Rules::of_case(10.0, 30.0)),
            None
        );
        assert_eq!(judge(7, Some(&t), &[], true, &quiet_case), None);
        // Seen over most of a short case: not short-lived.
        assert_eq!(
            judge(7, Some(&t), &[], false, &Rules::of_case(5.0, 2.0)),
            None
        );
    }

    #[test]
    fn a_line_registered_long_before_its_fan_out_is_no_burner() {
        // The same rule as the single-machine burner pass: the SIM's life
        // counts from the registration in force at its first event.
        let t = fan_out();
        let rules = Rules::of_case(5.0, 30.0);
        let day = 86_400;
        let old = Note::Activated {
            activated: t.first - 200 * day,
            deactivated: NO_TIME,
        };
        assert_eq!(
            activation_at(std::slice::from_ref(&old), t.first),
            t.first - 200 * day
        );
        assert_eq!(judge(7, Some(&t), &[old], false, &rules), None);
        // Registered the day it began calling: still a burner.
        let fresh = Note::Activated {
            activated: t.first,
            deactivated: NO_TIME,
        };
        assert!(judge(7, Some(&t), &[fresh], false, &rules).is_some());
        // An old registration that ended before the first event is not
        // the one in force; a later one is not yet.
        let ended = Note::Activated {
            activated: t.first - 200 * day,
            deactivated: t.first - 2 * day,
        };
        let later = Note::Activated {
            activated: t.first + day,
            deactivated: NO_TIME,
        };
        assert_eq!(activation_at(&[ended, later], t.first), NO_TIME);
    }

    #[test]
    fn an_incident_naming_the_victims_own_phone_makes_no_seed() {
        let rules = Rules::of_case(5.0, 30.0);
        let named = |victim_id: &str, victim_key: &str| Note::Named {
            line: 4,
            incident_id: "I9".into(),
            victim_id: victim_id.into(),
            victim_key: victim_key.into(),
        };
        let listed = Note::Listed {
            person_id: "P1".into(),
        };
        let registered = Note::Registered {
            id_key: "ID1".into(),
        };
        let own_by_record = [listed.clone(), named("P1", "")];
        assert_eq!(judge(1, None, &own_by_record, false, &rules), None);
        let own_by_registration = [registered.clone(), named("P2", "ID1")];
        assert_eq!(judge(1, None, &own_by_registration, false, &rules), None);
        let suspects = [listed, registered, named("P2", "ID2"), named("P3", "")];
        let s = judge(1, None, &suspects, false, &rules).expect("named");
        // One incident, named twice over, counts once.
        assert_eq!(s.named, vec![(4, "I9".to_string())]);
        assert_eq!(s.score, 1);
    }

    #[test]
    fn link_tallies_add_up_to_the_burner_rules_profile() {
        let link = |caller, callee, events, first| LinkFacts {
            caller,
            callee,
            events,
            short: events - 1,
            first,
            last: first + DAY,
        };
        let links = [link(1, 2, 3, 0), link(2, 1, 1, 5 * DAY), link(1, 1, 2, DAY)];
        let t = sum_tallies(
            links
                .iter()
                .flat_map(link_tallies)
                .chain(contact_tallies(1, 2))
                .collect::<Vec<_>>(),
        );
        let one = t.iter().find(|t| t.phone == 1).unwrap();
        // A self-call is incoming, as the library counts it.
        assert_eq!(
            (one.outgoing, one.incoming, one.distinct_out, one.short_out),
            (3, 3, 1, 2)
        );
        assert_eq!((one.contacts, one.first, one.last), (1, 0, 6 * DAY));
        assert_eq!(one.profile().life_days(), 6.0);
        assert_eq!(Tally::new(3).profile().life_days(), 0.0);
    }

    #[test]
    fn phones_of_one_identity_are_chained_once_each() {
        let ids = vec![
            ("X".to_string(), 3),
            ("X".into(), 1),
            ("Y".into(), 2),
            ("X".into(), 2),
            ("X".into(), 1),
        ];
        assert_eq!(identity_links(ids), vec![(1, 2), (2, 3)]);
        assert_eq!(id_key(" 32010219920707006x "), "32010219920707006X");
    }

    #[test]
    fn the_small_files_name_phones_registrations_and_victims() {
        let mut notes = side_notes(&tiny(), &IngestConfig::default()).unwrap();
        notes.sort();
        let of = |n: &str| -> Vec<&Note> {
            notes.iter().filter(|x| x.0 == p(n)).map(|x| &x.1).collect()
        };
        // 137 0000 0001 is named in I1 and I2 (victims P05 and P06, whose
        // phones are others), registered to the same id as 137 0000 0002,
        // and its registration (to a person, not a company) ran from
        // 2026-03-01 to 2026-03-10.
        let burner = of("+8613700000001");
        assert_eq!(burner.len(), 5, "{burner:?}");
        assert!(burner.contains(&&Note::Subscriber {
            organisation: false
        }));
        assert!(burner.contains(&&Note::Activated {
            activated: 1_772_323_200,
            deactivated: 1_773_100_800
        }));
        let rules = Rules::of_case(1.0, 12.0);
        let owned: Vec<Note> = burner.into_iter().cloned().collect();
        let s = judge(p("+8613700000001"), None, &owned, false, &rules).unwrap();
        assert_eq!(s.named.len(), 2);
        let ids: Vec<(String, Phone)> = notes
            .iter()
            .filter_map(|(q, n)| match n {
                Note::Registered { id_key } => Some((id_key.clone(), *q)),
                _ => None,
            })
            .collect();
        assert!(identity_links(ids).contains(&(p("+8613700000001"), p("+8613700000002"))));
        // The victim P05's own phone is listed in her record.
        assert!(of("+8613600000001").contains(&&Note::Listed {
            person_id: "P05".into()
        }));
    }

    #[test]
    fn groups_rank_by_score_and_join_by_registered_identity() {
        let components = [
            (1, 1),
            (2, 1),
            (3, 1),
            (10, 10),
            (11, 10),
            (12, 10),
            (20, 20),
            (21, 20),
        ];
        let suspects = vec![
            suspect(2, 2),
            suspect(11, 1),
            suspect(21, 2),
            suspect(30, 1),
        ];
        let rules = Rules::of_case(3.0, 30.0);
        // 3 and 12 share an identity: components 1 and 10 are one group.
        let c = choose(suspects.clone(), &components, &[(3, 12)], 10, &rules);
        let got: Vec<(Phone, u64, usize, u64)> = c
            .iter()
            .map(|c| (c.group, c.score, c.seeds.len(), c.group_phones))
            .collect();
        assert_eq!(got, vec![(1, 3, 2, 6), (20, 2, 1, 2), (30, 1, 1, 1)]);
        assert_eq!(c.iter().map(|c| c.rank).collect::<Vec<_>>(), vec![1, 2, 3]);
        let m = members(&c, &components, &[]);
        assert_eq!(m[0], vec![1, 2, 3, 10, 11, 12]);
        assert_eq!(m[2], vec![30]);
        // Without the identity, score ties go to more seeds, then the
        // smaller phone.
        let c = choose(suspects, &components, &[], 2, &rules);
        assert_eq!(c.iter().map(|c| c.group).collect::<Vec<_>>(), vec![1, 20]);
    }

    #[test]
    fn a_group_over_its_cap_is_cut_to_seeds_and_strongest_neighbours() {
        let components: Vec<(Phone, Phone)> = (1..=5).map(|q| (q, 1)).collect();
        // One seed, median 1 contact: at most 2 phones.
        let rules = Rules::of_case(1.0, 30.0);
        let c = choose(vec![suspect(1, 2)], &components, &[], 1, &rules);
        assert_eq!(c[0].cut_to, Some(2));
        assert_eq!(cut_seeds(&c), vec![1]);
        let links = [(1, 2, 5), (1, 3, 9), (4, 1, 9), (2, 3, 50)];
        assert_eq!(members(&c, &components, &links)[0], vec![1, 3]);
        assert_eq!(cut(&[1], &links, 3), vec![1, 3, 4]);
        assert_eq!(cut(&[1, 2], &links, 3), vec![1, 2, 3]);
    }

    #[test]
    fn folders_copy_the_rows_of_their_phones_and_replace_the_last_run() {
        let out = tempfile::tempdir().unwrap();
        let leftover = out.path().join(TEMP_DIR).join("rank-9");
        std::fs::create_dir_all(&leftover).unwrap();
        std::fs::create_dir_all(out.path().join("folders/rank-5")).unwrap();
        let burner = p("+8613700000001");
        let rules = Rules::of_case(1.0, 12.0);
        let choices = choose(vec![suspect(burner, 2)], &[], &[], 1, &rules);
        let ingest = IngestConfig::default();
        let written = write_folders(
            &tiny(),
            &[],
            &ingest,
            out.path(),
            &choices,
            &[vec![burner]],
            &rules,
        )
        .unwrap();
        let dir = out.path().join("folders");
        assert_eq!(written, vec![dir.join("manifest.json"), dir.join("rank-1")]);
        assert!(!out.path().join(TEMP_DIR).exists());
        assert!(!dir.join("rank-5").exists());
        let rows = |f: &str| -> Vec<String> {
            std::fs::read_to_string(dir.join("rank-1").join(f))
                .unwrap()
                .lines()
                .skip(1)
                .map(String::from)
                .collect()
        };
        // Four calls of 137 0000 0001 in any spelling, either end.
        assert_eq!(rows("calls.csv").len(), 4, "{:?}", rows("calls.csv"));
        let first = |f: &str| -> Vec<String> {
            rows(f)
                .iter()
                .map(|r| r.split(',').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(first("incidents.csv"), vec!["I1", "I2"]);
        assert_eq!(first("phones.csv"), vec!["13700000001"]);
        // The victims of its incidents.
        assert_eq!(first("persons.csv"), vec!["P05", "P06"]);
        assert_eq!(first("locations.csv"), vec!["C1", "C2"]);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["folders"][0]["rows"]["calls"], 4);
        assert_eq!(
            manifest["folders"][0]["seeds"][0]["phone"],
            "+8613700000001"
        );
        assert_eq!(written.len(), super::written(out.path()).unwrap().len());
    }
}
