//! The world of a generated case: the city's cells, its people, their
//! phones and handsets, and the ties between them (families, coworkers,
//! friends) that drive the background calls.
//!
//! Ties get heavy-tailed weights (a few pairs call each other every day,
//! most a few times a month), and the number of friends per person is
//! heavy-tailed too, so contact counts look like real call records.

use super::ids::{account_number, id_number, imei, mobile_number, MOBILE_PREFIXES, TACS};
use super::names::{random_surname, Name};
use super::Scale;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

pub const NONE: u32 = u32::MAX;

/// Districts of the case's city: English and Chinese name, centre, and the
/// region code of identity numbers issued there.
pub const DISTRICTS: &[(&str, &str, f64, f64, &str)] = &[
    ("Futian", "福田", 22.541, 114.055, "440304"),
    ("Luohu", "罗湖", 22.548, 114.131, "440303"),
    ("Nanshan", "南山", 22.533, 113.930, "440305"),
    ("Baoan", "宝安", 22.555, 113.883, "440306"),
    ("Longgang", "龙岗", 22.720, 114.247, "440307"),
    ("Longhua", "龙华", 22.697, 114.045, "440309"),
    ("Yantian", "盐田", 22.557, 114.237, "440308"),
    ("Guangming", "光明", 22.749, 113.936, "440311"),
];

/// Region codes of people who moved to the city from elsewhere.
const OTHER_REGIONS: &[&str] = &[
    "430102", "360102", "420102", "450102", "510104", "350102", "441502", "445202", "452101",
    "522101",
];

const STREETS: &[(&str, &str)] = &[
    ("Shennan", "深南"),
    ("Binhe", "滨河"),
    ("Hongli", "红荔"),
    ("Beihuan", "北环"),
    ("Xinzhou", "新洲"),
    ("Huaqiang", "华强"),
    ("Jianshe", "建设"),
    ("Renmin", "人民"),
    ("Xueyuan", "学苑"),
    ("Longgang", "龙岗"),
    ("Bulong", "布龙"),
    ("Minzhi", "民治"),
];

#[derive(Debug, Clone)]
pub struct Cell {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub district: u8,
    /// Whether locations.csv describes it (a few cells are only named by calls).
    pub described: bool,
}

/// What part of the story an individual plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Background,
    Boss,
    Lieutenant,
    Operator,
    Mule,
    Rider,
    Family,
    /// A go-between who deals with the leadership of two gangs.
    Broker,
    /// Named as a suspect in police records for something that is not the
    /// gangs' fraud (a theft, a dispute, an old case, an informant's tip).
    Suspect,
    /// A witness or associate of a non-gang suspect.
    Associate,
    /// A relative of a gang member, in no gang.
    Relative,
    /// Someone whose identity was used to register burner SIMs.
    IdentityVictim,
    /// A night-shift worker whose workplace is served by a gang's den cell.
    NightWorker,
    /// A ride-hailing or van driver who calls many customers.
    Driver,
    /// A victim hooked by a gang.
    Victim,
}

impl Part {
    /// A member of a planted gang.
    pub fn in_gang(self) -> bool {
        matches!(
            self,
            Part::Boss | Part::Lieutenant | Part::Operator | Part::Mule
        )
    }
}

#[derive(Debug, Clone)]
pub struct Individual {
    pub name: Name,
    pub male: bool,
    pub dob: (i32, u32, u32),
    pub id_number: String,
    pub home: u32,
    pub work: u32,
    /// Primary phone and an optional second phone (NONE).
    pub phones: [u32; 2],
    pub part: Part,
    pub address: String,
    /// Works nights (20:00 to 06:00) rather than days.
    pub night: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    Personal,
    Service,
    Agent,
    Burner,
    /// A number outside the case's population (cold-called by fraud operators).
    Outside,
    /// A telemarketing company's outbound line.
    Telemarketing,
}

#[derive(Debug, Clone)]
pub struct Phone {
    /// National digits (`13800138000`, `4008205555`, `95588`).
    pub national: String,
    pub carrier: u8,
    pub owner: u32,
    pub handset: u32,
    /// Days (inclusive) the SIM is in use.
    pub first_day: u32,
    pub last_day: u32,
    pub kind: PhoneKind,
    /// Whose identity registered it when that is not the owner's (a burner
    /// bought with a stolen identity, a boss's phone in a relative's name), or NONE.
    pub registrant: u32,
}

impl Phone {
    pub fn active(&self, day: u32) -> bool {
        self.first_day <= day && day <= self.last_day
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieKind {
    Family,
    Coworker,
    Friend,
}

/// Two individuals who call each other.
#[derive(Debug, Clone, Copy)]
pub struct Tie {
    pub a: u32,
    pub b: u32,
    pub weight: f32,
    /// Probability that a call on this tie is placed by `a`.
    pub a_share: f32,
    pub kind: TieKind,
}

/// Everything the case is generated from.
pub struct World {
    pub scale: Scale,
    pub cells: Vec<Cell>,
    pub cells_by_district: Vec<Vec<u32>>,
    pub individuals: Vec<Individual>,
    pub phones: Vec<Phone>,
    /// IMEI of each handset.
    pub imeis: Vec<String>,
    pub ties: Vec<Tie>,
    /// Tail index of tie weights (drawn per seed).
    pub tie_alpha: f64,
    /// Share of background contacts that are texts (drawn per seed).
    pub sms_share: f64,
    /// Draws numbers, serials and accounts (its own stream, so that adding
    /// a phone does not shift every later draw of the world).
    numbers: ChaCha8Rng,
    used_numbers: FxHashSet<u64>,
    used_serials: FxHashSet<u64>,
    used_accounts: FxHashSet<String>,
    used_ids: FxHashSet<String>,
}

/// A Pareto draw with minimum 1 and tail index `alpha`.
pub fn pareto(rng: &mut ChaCha8Rng, alpha: f64) -> f64 {
    let u: f64 = rng.gen_range(1e-12..1.0);
    u.powf(-1.0 / alpha)
}

impl World {
    pub fn new(scale: Scale, rng: &mut ChaCha8Rng) -> World {
        let numbers = ChaCha8Rng::seed_from_u64(rng.gen());
        let mut w = World {
            scale,
            cells: Vec::new(),
            cells_by_district: vec![Vec::new(); DISTRICTS.len()],
            individuals: Vec::new(),
            phones: Vec::new(),
            imeis: Vec::new(),
            ties: Vec::new(),
            tie_alpha: rng.gen_range(1.35..1.9),
            sms_share: rng.gen_range(0.1..0.34),
            numbers,
            used_numbers: FxHashSet::default(),
            used_serials: FxHashSet::default(),
            used_accounts: FxHashSet::default(),
            used_ids: FxHashSet::default(),
        };
        w.make_cells(rng);
        w
    }

    fn make_cells(&mut self, rng: &mut ChaCha8Rng) {
        for i in 0..self.scale.cells {
            // Central districts get more cells.
            let d = (pareto(rng, 1.3) as usize - 1).min(DISTRICTS.len() - 1);
            let (en, zh, lat, lon, _) = DISTRICTS[d];
            let lac = 9500 + d as u32 * 10 + (i % 7);
            let ci = 10_000 + i * 7 + rng.gen_range(0..7);
            let (street, street_zh) = STREETS[rng.gen_range(0..STREETS.len())];
            let name = if rng.gen_bool(0.5) {
                format!("{en} {street} Rd cell {}", i + 1)
            } else {
                format!("{zh}区{street_zh}路基站{:04}", i + 1)
            };
            self.cells.push(Cell {
                id: format!("460-00-{lac}-{ci}"),
                name,
                lat: lat + rng.gen_range(-0.035..0.035),
                lon: lon + rng.gen_range(-0.045..0.045),
                district: d as u8,
                described: !rng.gen_bool(0.02),
            });
            self.cells_by_district[d].push(i);
        }
        // Every district has at least one cell.
        for (d, &(en, _, lat, lon, _)) in DISTRICTS.iter().enumerate() {
            if self.cells_by_district[d].is_empty() {
                let i = self.cells.len() as u32;
                self.cells.push(Cell {
                    id: format!("460-00-{}-{}", 9500 + d * 10, 90_000 + i),
                    name: format!("{en} central cell"),
                    lat,
                    lon,
                    district: d as u8,
                    described: true,
                });
                self.cells_by_district[d].push(i);
            }
        }
    }

    pub fn random_cell(&self, rng: &mut ChaCha8Rng) -> u32 {
        rng.gen_range(0..self.cells.len() as u32)
    }

    /// A cell in the same district as `cell`.
    pub fn near(&self, cell: u32, rng: &mut ChaCha8Rng) -> u32 {
        let list = &self.cells_by_district[self.cells[cell as usize].district as usize];
        list[rng.gen_range(0..list.len())]
    }

    /// A new handset with a unique IMEI; its index.
    pub fn new_handset(&mut self) -> u32 {
        loop {
            let tac = self.numbers.gen_range(0..TACS.len());
            let serial = self.numbers.gen_range(0..1_000_000u32);
            if self
                .used_serials
                .insert(tac as u64 * 1_000_000 + serial as u64)
            {
                self.imeis.push(imei(tac, serial));
                return (self.imeis.len() - 1) as u32;
            }
        }
    }

    pub fn n_handsets(&self) -> u32 {
        self.imeis.len() as u32
    }

    /// A new bank account number, unique in the case.
    pub fn new_account(&mut self) -> String {
        loop {
            let a = account_number(
                self.numbers.gen_range(0..5),
                self.numbers.gen_range(0..1_000_000_000_000u64),
            );
            if self.used_accounts.insert(a.clone()) {
                return a;
            }
        }
    }

    /// A new mobile number for `owner`, active on days `first..=last`.
    pub fn new_mobile(
        &mut self,
        owner: u32,
        handset: u32,
        kind: PhoneKind,
        first: u32,
        last: u32,
    ) -> u32 {
        let (national, carrier) = loop {
            let prefix = self.numbers.gen_range(0..MOBILE_PREFIXES.len());
            let subscriber = self.numbers.gen_range(0..100_000_000u32);
            if self
                .used_numbers
                .insert(prefix as u64 * 100_000_000 + subscriber as u64)
            {
                break mobile_number(prefix, subscriber);
            }
        };
        self.push_phone(Phone {
            national,
            carrier,
            owner,
            handset,
            first_day: first,
            last_day: last,
            kind,
            registrant: NONE,
        })
    }

    pub fn push_phone(&mut self, phone: Phone) -> u32 {
        self.phones.push(phone);
        (self.phones.len() - 1) as u32
    }

    /// A new individual with a primary phone in their own handset.
    pub fn new_individual(
        &mut self,
        rng: &mut ChaCha8Rng,
        name: Name,
        home: u32,
        part: Part,
    ) -> u32 {
        let male = rng.gen_bool(0.5);
        let age = rng.gen_range(18..78);
        let y = 2026 - age;
        let m = rng.gen_range(1..=12);
        let d = rng.gen_range(1..=28);
        let region = if rng.gen_bool(0.55) {
            DISTRICTS[self.cells[home as usize].district as usize].4
        } else {
            OTHER_REGIONS[rng.gen_range(0..OTHER_REGIONS.len())]
        };
        let id = loop {
            let seq = rng.gen_range(0..500) * 2 + male as u32;
            let id = id_number(region, y, m, d, seq);
            if self.used_ids.insert(id.clone()) {
                break id;
            }
        };
        let work = self.random_cell(rng);
        let me = self.individuals.len() as u32;
        let handset = self.new_handset();
        let days = self.scale.days;
        let phone = self.new_mobile(me, handset, PhoneKind::Personal, 0, days - 1);
        let (street_en, street_zh) = STREETS[rng.gen_range(0..STREETS.len())];
        let (den, dzh, ..) = DISTRICTS[self.cells[home as usize].district as usize];
        let no = rng.gen_range(1..400);
        let address = match rng.gen_range(0..3) {
            0 => format!("{dzh}区{street_zh}路{no}号"),
            1 => format!("No. {no} {street_en} Rd, {den} District"),
            _ => format!("{den} {street_en} Road {no}"),
        };
        self.individuals.push(Individual {
            name,
            male,
            dob: (y, m, d),
            id_number: id,
            home,
            work,
            phones: [phone, NONE],
            part,
            address,
            night: false,
        });
        me
    }

    /// Give an individual a second phone, sometimes in the same (dual-SIM) handset.
    pub fn add_second_phone(&mut self, rng: &mut ChaCha8Rng, who: u32) -> u32 {
        let first = self.individuals[who as usize].phones[0];
        let handset = if rng.gen_bool(0.5) {
            self.phones[first as usize].handset
        } else {
            self.new_handset()
        };
        let days = self.scale.days;
        let p = self.new_mobile(who, handset, PhoneKind::Personal, 0, days - 1);
        self.individuals[who as usize].phones[1] = p;
        p
    }

    pub fn tie(&mut self, rng: &mut ChaCha8Rng, a: u32, b: u32, kind: TieKind, base: f64) {
        if a == b {
            return;
        }
        let weight = (base * pareto(rng, self.tie_alpha).min(60.0)) as f32;
        self.ties.push(Tie {
            a,
            b,
            weight,
            a_share: rng.gen_range(0.25..0.75),
            kind,
        });
    }

    /// The background population: households, workplaces and friendships.
    pub fn populate(&mut self, rng: &mut ChaCha8Rng) {
        let n = self.scale.people;
        let start = self.individuals.len() as u32;
        // Households of 1 to 5 sharing a home cell and mostly a surname.
        let mut households: Vec<(u32, u32)> = Vec::new();
        while self.individuals.len() < (start + n) as usize {
            let size = *[1u32, 2, 2, 3, 3, 3, 4, 4, 5]
                .get(rng.gen_range(0..9))
                .expect("in range");
            let home = self.random_cell(rng);
            let surname = random_surname(rng);
            let first = self.individuals.len() as u32;
            for k in 0..size {
                if self.individuals.len() >= (start + n) as usize {
                    break;
                }
                let name = if k < 2 && rng.gen_bool(0.3) || rng.gen_bool(0.15) {
                    Name::random(rng)
                } else {
                    Name::with_surname(rng, surname)
                };
                let who = self.new_individual(rng, name, home, Part::Background);
                if rng.gen_bool(0.08) {
                    self.add_second_phone(rng, who);
                }
            }
            let last = self.individuals.len() as u32;
            households.push((first, last));
            for a in first..last {
                for b in a + 1..last {
                    self.tie(rng, a, b, TieKind::Family, 3.0);
                }
            }
        }
        // Extended family: households linked to another household.
        for h in 0..households.len() {
            if rng.gen_bool(0.3) {
                let other = households[rng.gen_range(0..households.len())];
                let (f, l) = households[h];
                let a = rng.gen_range(f..l);
                let b = rng.gen_range(other.0..other.1);
                self.tie(rng, a, b, TieKind::Family, 1.5);
            }
        }
        // Workplaces: people in a random order, cut into groups of heavy-tailed size.
        let mut order: Vec<u32> = (start..start + n).collect();
        shuffle(&mut order, rng);
        let mut i = 0usize;
        while i < order.len() {
            let size = ((2.0 * pareto(rng, 1.2)) as usize)
                .clamp(2, 80)
                .min(order.len() - i);
            let group = order[i..i + size].to_vec();
            let work = self.random_cell(rng);
            for &m in &group {
                self.individuals[m as usize].work = work;
            }
            // Most people call one colleague; a manager now and then calls many.
            for &m in &group {
                let links = if rng.gen_bool(0.06) {
                    rng.gen_range(3..=8)
                } else {
                    rng.gen_bool(0.55) as u32
                };
                for _ in 0..links {
                    let o = group[rng.gen_range(0..size)];
                    self.tie(rng, m, o, TieKind::Coworker, 1.0);
                }
            }
            i += size;
        }
        // Friends: a heavy-tailed number each, half of them nearby.
        for m in start..start + n {
            let k = (pareto(rng, 1.5) as usize - 1).min(80);
            for _ in 0..k {
                let o = if rng.gen_bool(0.5) {
                    // Someone living near: pick a random person and keep them if
                    // they share the district, else anyone.
                    let o = rng.gen_range(start..start + n);
                    let same = self.cells[self.individuals[o as usize].home as usize].district
                        == self.cells[self.individuals[m as usize].home as usize].district;
                    if same {
                        o
                    } else {
                        rng.gen_range(start..start + n)
                    }
                } else {
                    rng.gen_range(start..start + n)
                };
                self.tie(rng, m, o, TieKind::Friend, 0.6);
            }
        }
    }

    /// A random background individual: someone with no part in the story yet.
    pub fn random_background(&self, rng: &mut ChaCha8Rng) -> u32 {
        loop {
            let i = rng.gen_range(0..self.individuals.len() as u32);
            if self.individuals[i as usize].part == Part::Background {
                return i;
            }
        }
    }

    /// Anyone in no gang (a customer, a cold-called number, a bank's client):
    /// confounders and victims get ordinary calls like everyone else.
    pub fn random_resident(&self, rng: &mut ChaCha8Rng) -> u32 {
        loop {
            let i = rng.gen_range(0..self.individuals.len() as u32);
            if !self.individuals[i as usize].part.in_gang() {
                return i;
            }
        }
    }

    /// Anyone at all, gang members included (banks text them too).
    pub fn random_person(&self, rng: &mut ChaCha8Rng) -> u32 {
        rng.gen_range(0..self.individuals.len() as u32)
    }
}

/// Fisher-Yates shuffle with the case's generator (fixed order for a seed).
pub fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.gen_range(0..=i);
        v.swap(i, j);
    }
}
