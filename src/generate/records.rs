//! The four small files: persons.csv (records of individuals from several
//! police and commercial systems, with duplicates that differ in spelling,
//! id digits and phones), phones.csv (subscriber registrations, some in a
//! stranger's name), locations.csv (cells and police stations) and
//! incidents.csv (fraud reports naming burners and mule accounts, and
//! ordinary incidents), each with a few bad rows and exact duplicates.

use super::bad::{letterify, spoil_count, spoil_date, spoil_time};
use super::gangs::{Plan, PlannedIncident};
use super::ids::{spell, CARRIERS};
use super::population::{shuffle, Individual, Part, Phone, PhoneKind, World, DISTRICTS, NONE};
use super::writer::{Ledger, Seen, Sheet};
use super::{pick, Case};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Where a person record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Hukou,
    Telecom,
    PoliceReport,
    PoliceIntel,
    PoliceInterview,
    /// Case files of thefts, disputes and old cases that name a suspect.
    PoliceCase,
    Bank,
    Hotel,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Hukou => "hukou",
            Source::Telecom => "telecom",
            Source::PoliceReport => "police-report",
            Source::PoliceIntel => "police-intel",
            Source::PoliceInterview => "police-interview",
            Source::PoliceCase => "police-case",
            Source::Bank => "bank-kyc",
            Source::Hotel => "hotel-registry",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Source::Hukou => "HK",
            Source::Telecom => "TEL",
            Source::PoliceReport => "PR",
            Source::PoliceIntel => "PI",
            Source::PoliceInterview => "PW",
            Source::PoliceCase => "PC",
            Source::Bank => "BK",
            Source::Hotel => "HT",
        }
    }
    fn role(self) -> &'static str {
        match self {
            Source::Hukou | Source::Hotel => "",
            Source::Telecom => "subscriber",
            Source::PoliceReport => "victim",
            Source::PoliceIntel | Source::PoliceCase => "suspect",
            Source::PoliceInterview => "witness",
            Source::Bank => "unknown",
        }
    }
    /// Percent of records with the id number exact, corrupted (the rest: missing).
    fn id_quality(self) -> (u32, u32) {
        match self {
            Source::Hukou => (95, 5),
            Source::Telecom => (80, 10),
            Source::PoliceReport => (85, 10),
            Source::PoliceIntel => (45, 20),
            Source::PoliceInterview => (60, 5),
            Source::PoliceCase => (75, 10),
            Source::Bank => (90, 10),
            Source::Hotel => (70, 20),
        }
    }
}

/// What the small files hold, for the tally and truth/.
pub struct Small {
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub persons: u64,
    pub incidents: u64,
    /// Kept person records: (person_id, individual), in file order.
    pub records: Vec<(String, u32)>,
    /// (individual, phone, how) from records and registrations.
    pub links: Vec<(u32, u32, &'static str)>,
}

const PERSON_SPELLINGS: [u32; 7] = [30, 15, 15, 15, 10, 5, 10];
const PHONE_SPELLINGS: [u32; 7] = [60, 5, 5, 5, 10, 5, 10];
const INCIDENT_SPELLINGS: [u32; 7] = [35, 15, 10, 10, 10, 10, 10];

/// Theft, disputes and the like, and a few frauds by lone scammers outside
/// the planted gangs.
pub fn plan_other_incidents(world: &mut World, rng: &mut ChaCha8Rng, plan: &mut Plan) {
    let s = world.scale;
    let period = s.days as i64 * 86_400;
    for _ in 0..s.other_incidents {
        let victim = world.random_background(rng);
        let v = &world.individuals[victim as usize];
        let category = ["theft", "theft", "dispute", "assault", "other"][rng.gen_range(0..5)];
        let mut phones = Vec::new();
        if rng.gen_bool(0.4) {
            phones.push(v.phones[0]);
        }
        if category == "dispute" && rng.gen_bool(0.5) {
            let other = world.random_background(rng);
            phones.push(world.individuals[other as usize].phones[0]);
        }
        let location = if rng.gen_bool(0.6) {
            world.cells.len() as u32 + world.cells[v.home as usize].district as u32
        } else {
            v.home
        };
        plan.incidents.push(PlannedIncident {
            time: rng.gen_range(0..period),
            category,
            location,
            phones,
            victim,
            loss: (category == "theft").then(|| rng.gen_range(200..20_000) as f64),
            accounts: Vec::new(),
            gang: None,
        });
    }
    for _ in 0..s.gangs / 2 + 1 {
        let victim = world.random_background(rng);
        let scammer = world.new_mobile(NONE, NONE, PhoneKind::Outside, 0, s.days - 1);
        let home = world.individuals[victim as usize].home;
        plan.incidents.push(PlannedIncident {
            time: rng.gen_range(0..period),
            category: "fraud",
            location: world.cells.len() as u32 + world.cells[home as usize].district as u32,
            phones: vec![scammer],
            victim,
            loss: Some(rng.gen_range(1_000..50_000) as f64),
            accounts: vec![world.new_account()],
            gang: None,
        });
    }
}

/// A record's fields in persons.csv order, and the phones it claims. Each
/// field is drawn in persons.csv order from `rng`, so a seed keeps giving
/// the same records.
fn record(case: &Case, who: u32, source: Source, rng: &mut ChaCha8Rng) -> (Vec<String>, Vec<u32>) {
    let w = &case.world;
    let p = &w.individuals[who as usize];
    let (name, aliases) = record_names(p, source, rng);
    let id = record_id_number(p, source, rng);
    let dob = if source == Source::Hukou || rng.gen_bool(0.5) {
        format!("{:04}-{:02}-{:02}", p.dob.0, p.dob.1, p.dob.2)
    } else {
        String::new()
    };
    let phones = record_phones(case, who, source, rng);
    let sep = if rng.gen_bool(0.8) { ";" } else { "; " };
    let phone_text = phones
        .iter()
        .map(|&x| spell(&w.phones[x as usize].national, pick(&PERSON_SPELLINGS, rng)))
        .collect::<Vec<_>>()
        .join(sep);
    let address = if source == Source::Hukou || rng.gen_bool(0.4) {
        p.address.clone()
    } else {
        String::new()
    };
    let role = record_role(source, rng);
    let fields = vec![
        String::new(),
        name,
        aliases.join(";"),
        id,
        dob,
        phone_text,
        address,
        role,
        source.name().to_string(),
    ];
    (fields, phones)
}

/// The name as this source writes it (the household register in Chinese,
/// telecom and bank often in pinyin, others any variant) and the aliases it
/// knows (police intelligence mostly, anyone rarely).
fn record_names(p: &Individual, source: Source, rng: &mut ChaCha8Rng) -> (String, Vec<String>) {
    let name = match source {
        Source::Hukou if rng.gen_bool(0.92) => p.name.chinese(),
        Source::Telecom | Source::Bank => {
            if rng.gen_bool(0.5) {
                p.name.pinyin_upper(source == Source::Telecom)
            } else {
                p.name.chinese()
            }
        }
        _ => p.name.variant(rng),
    };
    let mut aliases = Vec::new();
    if source == Source::PoliceIntel && rng.gen_bool(0.7) || rng.gen_bool(0.03) {
        aliases.push(p.name.nickname(rng));
        if rng.gen_bool(0.3) {
            aliases.push(p.name.western());
        }
    }
    (name, aliases)
}

/// The ID number as this source holds it: exact, with one typing error, or
/// missing, in the source's proportions; a final X sometimes in lower case.
fn record_id_number(p: &Individual, source: Source, rng: &mut ChaCha8Rng) -> String {
    let (exact, corrupt) = source.id_quality();
    let r = rng.gen_range(0..100);
    let mut id = if r < exact {
        p.id_number.clone()
    } else if r < exact + corrupt {
        corrupt_id(&p.id_number, rng)
    } else {
        String::new()
    };
    if id.ends_with('X') && rng.gen_bool(0.5) {
        id = id.to_lowercase();
    }
    id
}

/// The phones this source lists for the person: telecom all of them, police
/// intelligence sometimes an operator's burner, others the main phone and
/// now and then the second.
fn record_phones(case: &Case, who: u32, source: Source, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let p = &case.world.individuals[who as usize];
    let mut phones = Vec::new();
    let primary = p.phones[0];
    match source {
        Source::Hukou => {
            if rng.gen_bool(0.4) {
                phones.push(primary)
            }
        }
        Source::Telecom => phones.extend(p.phones.iter().copied().filter(|&x| x != NONE)),
        Source::PoliceIntel => {
            if rng.gen_bool(0.7) {
                phones.push(primary);
            }
            if p.part == Part::Operator && rng.gen_bool(0.5) {
                // Intelligence knows one of the burners.
                if let Some(op) = case
                    .gangs
                    .iter()
                    .flat_map(|g| &g.operators)
                    .find(|o| o.who == who)
                {
                    phones.push(op.burners[rng.gen_range(0..op.burners.len())]);
                }
            }
        }
        Source::Hotel => {
            if rng.gen_bool(0.6) {
                phones.push(primary)
            }
        }
        _ => {
            if rng.gen_bool(0.9) {
                phones.push(primary);
            }
            if p.phones[1] != NONE && rng.gen_bool(0.3) {
                phones.push(p.phones[1]);
            }
        }
    }
    phones
}

/// The role column: the source's word for the person, sometimes
/// capitalised as a clerk would type it.
fn record_role(source: Source, rng: &mut ChaCha8Rng) -> String {
    let role = source.role();
    if !role.is_empty() && rng.gen_bool(0.1) {
        let mut c = role.chars();
        let first = c.next().expect("non-empty").to_ascii_uppercase();
        format!("{first}{}", c.as_str())
    } else {
        role.to_string()
    }
}

/// One wrong digit, or two neighbouring digits swapped.
pub fn corrupt_id(id: &str, rng: &mut ChaCha8Rng) -> String {
    let mut b = id.as_bytes().to_vec();
    loop {
        let i = rng.gen_range(0..16);
        if rng.gen_bool(0.5) {
            if b[i] != b[i + 1] {
                b.swap(i, i + 1);
                break;
            }
        } else {
            let d = b'0' + rng.gen_range(0..10);
            if d != b[i] {
                b[i] = d;
                break;
            }
        }
    }
    String::from_utf8(b).expect("ascii")
}

fn sources_of(part: Part, rng: &mut ChaCha8Rng) -> Vec<Source> {
    let mut s = Vec::new();
    let mut maybe = |src: Source, p: f64, rng: &mut ChaCha8Rng| {
        if rng.gen_bool(p) {
            s.push(src)
        }
    };
    match part {
        Part::Background => {
            maybe(Source::Hukou, 0.35, rng);
            maybe(Source::Telecom, 0.15, rng);
            maybe(Source::PoliceInterview, 0.02, rng);
            maybe(Source::Hotel, 0.05, rng);
        }
        Part::Boss => {
            maybe(Source::PoliceIntel, 1.0, rng);
            maybe(Source::Hukou, 0.7, rng);
            maybe(Source::Hotel, 0.3, rng);
        }
        Part::Lieutenant => {
            maybe(Source::PoliceIntel, 1.0, rng);
            maybe(Source::Hukou, 1.0, rng);
            maybe(Source::Telecom, 0.5, rng);
        }
        Part::Operator => {
            maybe(Source::PoliceIntel, 0.7, rng);
            maybe(Source::Hukou, 1.0, rng);
            maybe(Source::Hotel, 0.5, rng);
        }
        Part::Mule => {
            maybe(Source::Bank, 1.0, rng);
            maybe(Source::PoliceIntel, 0.5, rng);
            maybe(Source::Hukou, 0.5, rng);
        }
        Part::Rider => {
            maybe(Source::Hukou, 1.0, rng);
            maybe(Source::Telecom, 1.0, rng);
        }
        Part::Family => {
            maybe(Source::Hukou, 0.8, rng);
            maybe(Source::Telecom, 0.3, rng);
        }
        Part::Broker => {
            maybe(Source::Hukou, 0.8, rng);
            maybe(Source::PoliceIntel, 0.3, rng);
        }
        Part::Suspect => {
            maybe(Source::PoliceCase, 1.0, rng);
            maybe(Source::Hukou, 0.6, rng);
            // An informant's tip.
            maybe(Source::PoliceIntel, 0.25, rng);
            maybe(Source::Telecom, 0.2, rng);
        }
        Part::Associate => {
            maybe(Source::PoliceInterview, 0.6, rng);
            maybe(Source::Hukou, 0.4, rng);
        }
        Part::Relative => {
            maybe(Source::Hukou, 0.5, rng);
            maybe(Source::PoliceInterview, 0.15, rng);
            maybe(Source::Telecom, 0.15, rng);
        }
        Part::IdentityVictim => {
            maybe(Source::Hukou, 0.6, rng);
            maybe(Source::Telecom, 0.3, rng);
        }
        Part::NightWorker => {
            maybe(Source::Hukou, 0.4, rng);
            maybe(Source::Telecom, 0.2, rng);
            maybe(Source::Hotel, 0.05, rng);
        }
        Part::Driver => {
            maybe(Source::Hukou, 0.8, rng);
            maybe(Source::Telecom, 0.6, rng);
        }
        Part::Victim => {
            maybe(Source::Hukou, 0.35, rng);
            maybe(Source::Telecom, 0.15, rng);
        }
    }
    s
}

/// Write the four small files into memory; the tally and ledger are filled.
pub fn write_records(
    case: &Case,
    rng: &mut ChaCha8Rng,
    ledger: &mut Ledger,
    seen: &mut Seen,
) -> Small {
    let mut links: Vec<(u32, u32, &'static str)> = Vec::new();
    let persons = write_persons(case, rng, ledger, seen, &mut links);
    let phones_bytes = write_phones(case, rng, ledger, seen, &mut links);
    let locs_bytes = write_locations(case, rng, ledger, seen);
    let (incs_bytes, n_incidents) = write_incidents(case, rng, ledger, seen, &persons.report_of);
    Small {
        files: vec![
            ("persons.csv", persons.bytes),
            ("phones.csv", phones_bytes),
            ("locations.csv", locs_bytes),
            ("incidents.csv", incs_bytes),
        ],
        persons: persons.rows,
        incidents: n_incidents,
        records: persons.records,
        links,
    }
}

/// persons.csv, and what the other files need from it.
struct PersonsFile {
    bytes: Vec<u8>,
    rows: u64,
    /// Kept records: (person_id, individual), in file order.
    records: Vec<(String, u32)>,
    /// The police report record of each victim.
    report_of: rustc_hash::FxHashMap<u32, String>,
}

/// persons.csv: each individual's records from the sources that know him,
/// a police report per victim, shuffled; then bad and duplicate rows.
fn write_persons(
    case: &Case,
    rng: &mut ChaCha8Rng,
    ledger: &mut Ledger,
    seen: &mut Seen,
    links: &mut Vec<(u32, u32, &'static str)>,
) -> PersonsFile {
    let w = &case.world;
    let mut wanted: Vec<(u32, Source)> = Vec::new();
    for (i, p) in w.individuals.iter().enumerate() {
        for s in sources_of(p.part, rng) {
            wanted.push((i as u32, s));
        }
    }
    let mut victims: Vec<u32> = case
        .plan
        .incidents
        .iter()
        .map(|i| i.victim)
        .filter(|&v| v != NONE)
        .collect();
    victims.sort_unstable();
    victims.dedup();
    for &v in &victims {
        wanted.push((v, Source::PoliceReport));
    }
    shuffle(&mut wanted, rng);
    let mut persons = Sheet::new(&[
        "person_id",
        "name",
        "aliases",
        "id_number",
        "dob",
        "phones",
        "address",
        "role",
        "source",
    ]);
    persons.bom = true;
    let mut records: Vec<(String, u32)> = Vec::new();
    let mut report_of: rustc_hash::FxHashMap<u32, String> = Default::default();
    let mut serial = 0u32;
    for &(who, source) in &wanted {
        let (mut f, phones) = record(case, who, source, rng);
        serial += 1;
        f[0] = format!("{}-{serial:06}", source.prefix());
        for &p in &phones {
            seen.phones[p as usize] = true;
            links.push((who, p, "claimed"));
        }
        if source == Source::PoliceReport {
            report_of.insert(who, f[0].clone());
        }
        records.push((f[0].clone(), who));
        persons.push(&f);
    }
    spoil_person_rows(case, rng, &mut persons, &records, &mut serial);
    let rows = persons.good.len() as u64;
    PersonsFile {
        bytes: persons.finish("persons.csv", ledger),
        rows,
        records,
        report_of,
    }
}

/// Bad person rows of every kind (a hotel record spoilt), and duplicates.
fn spoil_person_rows(
    case: &Case,
    rng: &mut ChaCha8Rng,
    persons: &mut Sheet,
    records: &[(String, u32)],
    serial: &mut u32,
) {
    let w = &case.world;
    let n = persons.good.len();
    let reasons = [
        "missing_field",
        "bad_date",
        "bad_role",
        "duplicate_id",
        "number_with_letters",
        "field_count",
    ];
    for k in 0..(n / case.knobs.record_bad_every).max(reasons.len()) {
        let reason = reasons[k % reasons.len()];
        let who = w.random_background(rng);
        let (mut f, _) = record(case, who, Source::Hotel, rng);
        *serial += 1;
        f[0] = format!("HT-{:06}", *serial);
        let mut after = rng.gen_range(0..n);
        match reason {
            "missing_field" => {
                if rng.gen_bool(0.7) {
                    f[1].clear()
                } else {
                    f[0].clear()
                }
            }
            "bad_date" => f[4] = spoil_date(&f[4], rng),
            "bad_role" => {
                f[7] = ["boss", "suspected", "offender", "n/a"][rng.gen_range(0..4)].to_string()
            }
            "duplicate_id" => {
                let j = rng.gen_range(0..n);
                f[0] = records[j].0.clone();
                after = rng.gen_range(j..n);
            }
            "number_with_letters" => {
                let p = w.individuals[who as usize].phones[0];
                f[5] = letterify(
                    &spell(&w.phones[p as usize].national, pick(&PERSON_SPELLINGS, rng)),
                    rng,
                );
            }
            _ => spoil_count(&mut f, rng),
        }
        persons.bad_after(after, &f, reason);
    }
    for _ in 0..2 + n / 2000 {
        let of = rng.gen_range(0..n);
        let after = rng.gen_range(of..n);
        persons.duplicate_after(after, of);
    }
}

/// phones.csv: every registration, in carrier order (by number), with CRLF
/// endings as carriers export them; then bad and duplicate rows.
fn write_phones(
    case: &Case,
    rng: &mut ChaCha8Rng,
    ledger: &mut Ledger,
    seen: &mut Seen,
    links: &mut Vec<(u32, u32, &'static str)>,
) -> Vec<u8> {
    let w = &case.world;
    let mut regs: Vec<(String, Vec<String>)> = Vec::new();
    for (pi, ph) in w.phones.iter().enumerate() {
        let pi = pi as u32;
        let carrier = if rng.gen_bool(0.8) {
            CARRIERS[ph.carrier as usize].to_string()
        } else {
            ["中国移动", "中国联通", "中国电信"][ph.carrier as usize].to_string()
        };
        let rows = registrations(case, pi, ph, rng);
        for (sub, name, id, act, deact, handset, how) in rows {
            if let (Some(sub), Some(_)) = (sub, &id) {
                links.push((sub, pi, how));
            }
            seen.phones[pi as usize] = true;
            if let Some(h) = handset {
                seen.handsets[h as usize] = true;
            }
            let number = spell(&ph.national, pick(&PHONE_SPELLINGS, rng));
            let channel = ["store", "online", "agent"][rng.gen_range(0..3)].to_string();
            let imei_text = handset
                .map(|h| case.world.imeis[h as usize].clone())
                .unwrap_or_default();
            regs.push((
                ph.national.clone(),
                vec![
                    number,
                    carrier.clone(),
                    name,
                    id.unwrap_or_default(),
                    act,
                    deact,
                    imei_text,
                    channel,
                ],
            ));
        }
    }
    regs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut phones = Sheet::new(&[
        "number",
        "carrier",
        "subscriber_name",
        "subscriber_id_number",
        "activated",
        "deactivated",
        "imei",
        "channel",
    ]);
    // Carrier exports come with CRLF endings.
    phones.crlf = true;
    for (_, f) in &regs {
        phones.push(f);
    }
    spoil_phone_rows(case, rng, &mut phones);
    phones.finish("phones.csv", ledger)
}

/// One registration row of a phone: (subscriber, name, id number,
/// activated, deactivated, handset, how).
type Registration = (
    Option<u32>,
    String,
    Option<String>,
    String,
    String,
    Option<u32>,
    &'static str,
);

/// The registrations of phone `pi` (none for a service number, an outside
/// line or an unregistered burner; a recycled number has two).
fn registrations(case: &Case, pi: u32, ph: &Phone, rng: &mut ChaCha8Rng) -> Vec<Registration> {
    let w = &case.world;
    let date_of = |days_before_2026: i64| case.date(-4 - days_before_2026);
    let imei = |p: f64, rng: &mut ChaCha8Rng| {
        if ph.handset != NONE && rng.gen_bool(p) {
            Some(ph.handset)
        } else {
            None
        }
    };
    let mut rows: Vec<Registration> = Vec::new();
    match ph.kind {
        PhoneKind::Personal => rows = personal_registrations(case, ph, rng),
        PhoneKind::Agent => rows.push((
            None,
            super::decoys::CALL_CENTRE_NAME.to_string(),
            None,
            date_of(rng.gen_range(400..2000)),
            String::new(),
            imei(0.8, rng),
            "",
        )),
        PhoneKind::Telemarketing => {
            let company = case
                .confounders
                .telemarketers
                .iter()
                .find(|t| t.lines.contains(&pi))
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let deact = if ph.last_day + 1 < case.world.scale.days {
                case.date(ph.last_day as i64 + 1)
            } else {
                String::new()
            };
            rows.push((
                None,
                company,
                None,
                case.date(ph.first_day as i64 - rng.gen_range(0..400)),
                deact,
                imei(0.6, rng),
                "",
            ));
        }
        PhoneKind::Burner => {
            if ph.registrant != NONE {
                // Bought with a stolen identity.
                let sub = ph.registrant;
                let deact = if rng.gen_bool(0.5) {
                    case.date(ph.last_day as i64 + 1)
                } else {
                    String::new()
                };
                rows.push((
                    Some(sub),
                    w.individuals[sub as usize].name.variant(rng),
                    Some(w.individuals[sub as usize].id_number.clone()),
                    case.date(ph.first_day as i64),
                    deact,
                    imei(0.7, rng),
                    "nominee",
                ));
            }
        }
        PhoneKind::Service | PhoneKind::Outside => {}
    }
    rows
}

/// A personal phone's registration (7 in 10 have one; on the owner, or
/// a nominee), after its earlier subscriber's when the number was recycled.
fn personal_registrations(case: &Case, ph: &Phone, rng: &mut ChaCha8Rng) -> Vec<Registration> {
    let w = &case.world;
    let date_of = |days_before_2026: i64| case.date(-4 - days_before_2026);
    let id_or_empty = |who: u32, rng: &mut ChaCha8Rng| -> Option<String> {
        rng.gen_bool(0.92)
            .then(|| w.individuals[who as usize].id_number.clone())
    };
    let imei = |p: f64, rng: &mut ChaCha8Rng| {
        if ph.handset != NONE && rng.gen_bool(p) {
            Some(ph.handset)
        } else {
            None
        }
    };
    let mut rows: Vec<Registration> = Vec::new();
    let owner = ph.owner;
    if ph.registrant != NONE || rng.gen_bool(0.7) {
        let sub = if ph.registrant != NONE {
            ph.registrant
        } else if rng.gen_bool(0.05) {
            w.random_background(rng)
        } else {
            owner
        };
        let nominee = sub != owner;
        let activated = rng.gen_range(0..5800);
        if rng.gen_bool(0.03) {
            // A recycled number: an earlier subscriber, deactivated before.
            let before = w.random_background(rng);
            let a0 = activated + rng.gen_range(400..3000);
            let d0 = activated + rng.gen_range(1..300);
            rows.push((
                Some(before),
                w.individuals[before as usize].name.chinese(),
                id_or_empty(before, rng),
                date_of(a0),
                date_of(d0),
                None,
                "former_subscriber",
            ));
        }
        let how = if nominee { "nominee" } else { "registered" };
        let name = if rng.gen_bool(0.7) {
            w.individuals[sub as usize].name.chinese()
        } else {
            w.individuals[sub as usize].name.pinyin_upper(true)
        };
        rows.push((
            Some(sub),
            name,
            id_or_empty(sub, rng),
            date_of(activated),
            String::new(),
            imei(0.5, rng),
            how,
        ));
    }
    rows
}

/// Bad registration rows of every kind, and duplicates.
fn spoil_phone_rows(case: &Case, rng: &mut ChaCha8Rng, phones: &mut Sheet) {
    let w = &case.world;
    let date_of = |days_before_2026: i64| case.date(-4 - days_before_2026);
    let n = phones.good.len();
    let reasons = [
        "missing_field",
        "number_with_letters",
        "bad_date",
        "date_order",
        "field_count",
    ];
    for k in 0..(n / case.knobs.record_bad_every).max(reasons.len()) {
        let reason = reasons[k % reasons.len()];
        let who = w.random_background(rng);
        let p = &w.phones[w.individuals[who as usize].phones[0] as usize];
        let mut f = vec![
            spell(&p.national, pick(&PHONE_SPELLINGS, rng)),
            CARRIERS[p.carrier as usize].to_string(),
            w.individuals[who as usize].name.chinese(),
            w.individuals[who as usize].id_number.clone(),
            date_of(rng.gen_range(0..5000)),
            String::new(),
            String::new(),
            "store".to_string(),
        ];
        match reason {
            "missing_field" => f[0].clear(),
            "number_with_letters" => f[0] = letterify(&f[0], rng),
            "bad_date" => f[4] = spoil_date(&f[4], rng),
            "date_order" => f[5] = case.date(-4 - 6000 - rng.gen_range(0..300)),
            _ => spoil_count(&mut f, rng),
        }
        phones.bad_after(rng.gen_range(0..n), &f, reason);
    }
    for _ in 0..2 + n / 2000 {
        let of = rng.gen_range(0..n);
        phones.duplicate_after(rng.gen_range(of..n), of);
    }
}

/// locations.csv: the described cells and the police stations; then bad
/// and duplicate rows.
fn write_locations(
    case: &Case,
    rng: &mut ChaCha8Rng,
    ledger: &mut Ledger,
    seen: &mut Seen,
) -> Vec<u8> {
    let w = &case.world;
    let mut locs = Sheet::new(&["location_id", "name", "lat", "lon", "district"]);
    let mut loc_ids: Vec<String> = Vec::new();
    for (i, c) in w.cells.iter().chain(case.stations.iter()).enumerate() {
        if !c.described {
            continue;
        }
        seen.locations[i] = true;
        let district = if i < w.cells.len() {
            let d = DISTRICTS[c.district as usize];
            if rng.gen_bool(0.5) {
                d.0.to_string()
            } else {
                format!("{}区", d.1)
            }
        } else {
            DISTRICTS[i - w.cells.len()].0.to_string()
        };
        loc_ids.push(c.id.clone());
        locs.push(&[
            c.id.clone(),
            c.name.clone(),
            format!("{:.6}", c.lat),
            format!("{:.6}", c.lon),
            district,
        ]);
    }
    let n = locs.good.len();
    let reasons = [
        "missing_field",
        "duplicate_id",
        "bad_coordinate",
        "field_count",
    ];
    for k in 0..(n / 500).max(reasons.len()) {
        let reason = reasons[k % reasons.len()];
        let mut f = vec![
            format!("460-00-9999-{}", 100 + k),
            "Temporary cell".to_string(),
            "22.600000".to_string(),
            "114.100000".to_string(),
            "Futian".to_string(),
        ];
        let mut after = rng.gen_range(0..n);
        match reason {
            "missing_field" => f[0].clear(),
            "duplicate_id" => {
                let j = rng.gen_range(0..n);
                f[0] = loc_ids[j].clone();
                after = rng.gen_range(j..n);
            }
            "bad_coordinate" => f[2] = ["222.5", "N22.6", "-95"][rng.gen_range(0..3)].to_string(),
            _ => spoil_count(&mut f, rng),
        }
        locs.bad_after(after, &f, reason);
    }
    for _ in 0..1 + n / 2000 {
        let of = rng.gen_range(0..n);
        locs.duplicate_after(rng.gen_range(of..n), of);
    }
    locs.finish("locations.csv", ledger)
}

/// incidents.csv, in order of time, each naming its victim's police report
/// record; then bad and duplicate rows. Returns the bytes and the good rows.
fn write_incidents(
    case: &Case,
    rng: &mut ChaCha8Rng,
    ledger: &mut Ledger,
    seen: &mut Seen,
    report_of: &rustc_hash::FxHashMap<u32, String>,
) -> (Vec<u8>, u64) {
    let w = &case.world;
    let mut order: Vec<usize> = (0..case.plan.incidents.len()).collect();
    order.sort_by_key(|&i| (case.plan.incidents[i].time, i));
    let mut incs = Sheet::new(&[
        "incident_id",
        "time",
        "category",
        "location_id",
        "phones",
        "victim_id",
        "loss",
        "accounts",
    ]);
    let mut inc_ids: Vec<String> = Vec::new();
    let mut seq = 0u32;
    let mut new_id = |t: i64| {
        seq += 1;
        format!(
            "JQ{}{seq:05}",
            case.date(t.div_euclid(86_400)).replace('-', "")
        )
    };
    for &i in &order {
        let inc = &case.plan.incidents[i];
        let id = new_id(inc.time);
        let time = case.time(inc.time);
        let time = if rng.gen_bool(0.15) {
            time.replacen(' ', "T", 1)
        } else {
            time
        };
        let category = if rng.gen_bool(0.1) {
            inc.category.to_uppercase()
        } else {
            inc.category.to_string()
        };
        seen.locations[inc.location as usize] = true;
        let phones = inc
            .phones
            .iter()
            .map(|&p| {
                seen.phones[p as usize] = true;
                spell(
                    &w.phones[p as usize].national,
                    pick(&INCIDENT_SPELLINGS, rng),
                )
            })
            .collect::<Vec<_>>()
            .join(";");
        for a in &inc.accounts {
            seen.accounts.insert(a.clone());
        }
        let victim = report_of.get(&inc.victim).cloned().unwrap_or_default();
        let loss = match inc.loss {
            Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
            Some(x) => format!("{x:.2}"),
            None => String::new(),
        };
        inc_ids.push(id.clone());
        incs.push(&[
            id,
            time,
            category,
            case.location_id(inc.location).to_string(),
            phones,
            victim,
            loss,
            inc.accounts.join(";"),
        ]);
    }
    spoil_incident_rows(case, rng, &mut incs, &inc_ids, &mut new_id);
    let n_incidents = incs.good.len() as u64;
    (incs.finish("incidents.csv", ledger), n_incidents)
}

/// Bad incident rows of every kind, and duplicates; `new_id` numbers them
/// in the same series as the good rows.
fn spoil_incident_rows(
    case: &Case,
    rng: &mut ChaCha8Rng,
    incs: &mut Sheet,
    inc_ids: &[String],
    new_id: &mut dyn FnMut(i64) -> String,
) {
    let w = &case.world;
    let n = incs.good.len();
    let reasons = [
        "missing_field",
        "bad_time",
        "unknown_category",
        "duplicate_id",
        "bad_loss",
        "number_with_letters",
        "field_count",
    ];
    for k in 0..(n / case.knobs.incident_bad_every).max(reasons.len()) {
        let reason = reasons[k % reasons.len()];
        let t = rng.gen_range(0..case.world.scale.days as i64 * 86_400);
        let who = w.random_background(rng);
        let number = spell(
            &w.phones[w.individuals[who as usize].phones[0] as usize].national,
            pick(&INCIDENT_SPELLINGS, rng),
        );
        let mut f = vec![
            new_id(t),
            case.time(t),
            "theft".to_string(),
            case.stations[0].id.clone(),
            number,
            String::new(),
            "500".to_string(),
            String::new(),
        ];
        let mut after = rng.gen_range(0..n);
        match reason {
            "missing_field" => {
                let i = [0, 1, 2][rng.gen_range(0..3)];
                f[i].clear();
            }
            "bad_time" => f[1] = spoil_time(&f[1], rng),
            "unknown_category" => {
                f[2] =
                    ["scam", "fraude", "robbery", "telecom-fraud"][rng.gen_range(0..4)].to_string()
            }
            "duplicate_id" => {
                let j = rng.gen_range(0..n);
                f[0] = inc_ids[j].clone();
                after = rng.gen_range(j..n);
            }
            "bad_loss" => f[6] = ["-1200", "1.2万", "NaN", "12k"][rng.gen_range(0..4)].to_string(),
            "number_with_letters" => f[4] = letterify(&f[4], rng),
            _ => spoil_count(&mut f, rng),
        }
        incs.bad_after(after, &f, reason);
    }
    for _ in 0..1 + n / 1000 {
        let of = rng.gen_range(0..n);
        incs.duplicate_after(rng.gen_range(of..n), of);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::ids::{id_number, id_number_is_valid};
    use rand::SeedableRng;

    proptest::proptest! {
        /// MOD 11-2 catches every single wrong digit and every swap of two
        /// neighbours, so a corrupted copy never passes the check.
        #[test]
        fn a_corrupted_id_differs_and_fails_the_check(
            seed in 0u64..10_000, y in 1930i32..2008, seq in 0u32..1000,
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let id = id_number("440305", y, 6, 15, seq);
            let bad = corrupt_id(&id, &mut rng);
            proptest::prop_assert_eq!(bad.len(), 18);
            proptest::prop_assert_ne!(&bad, &id);
            proptest::prop_assert!(!id_number_is_valid(&bad));
        }
    }
}
