//! `casegraph generate`: the project's own case generator, for demos, tests
//! and benchmarks. It writes a realistic case bundle (the five files of the
//! contract) and a `truth/` folder with the planted answers: which phones
//! and person records form each gang and in which role, which person
//! records are the same individual, which rows are bad or duplicated, and
//! how many nodes and links the engine must build from the files.
//!
//! The world is built first (people, ties, phones, service numbers, decoys,
//! gangs, hooked victims), then calls are generated and written one day at a
//! time, days in parallel, each day from its own random stream: memory stays
//! bounded (20M calls are never held at once) and the output is
//! byte-identical for a seed and size whatever the number of threads.
//!
//! No detector should be able to lean on one constant of this generator:
//! [`Knobs`] draws the world's parameters from the seed (how many gangs and
//! of which shapes, texts among background calls, how heavy-tailed the
//! ties are, bad-row and duplicate rates, the call volume), and each gang
//! draws its own size, habits and coordination (see [`gangs`]).
//! `truth/world.json` lists what was drawn.
//!
//! Files: [`population`] (cells, people, ties), [`services`] (hub numbers),
//! [`decoys`], [`gangs`], [`confounders`] (innocent look-alikes of gang
//! evidence), [`calls`] (one day of calls), [`records`]
//! (persons with duplicates, registrations, cells, incidents), [`names`]
//! (spellings of names), [`ids`] (id numbers, IMEIs, phone spellings),
//! [`bad`] (bad rows), [`writer`] (CSV lines and the tally), [`truth`].

pub mod bad;
pub mod call;
pub mod calls;
pub mod confounders;
pub mod decoys;
pub mod gangs;
pub mod ids;
pub mod names;
pub mod population;
pub mod records;
pub mod services;
pub mod truth;
pub mod writer;

use crate::error::{Error, Result};
use calls::{day_calls, Alias, Call, Rhythm};
use confounders::Confounders;
use decoys::Decoys;
use gangs::{Gang, Plan, Shape};
use population::{Cell, Phone, PhoneKind, World, DISTRICTS, NONE};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;
use writer::{Ledger, Seen};

/// How big a case to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Tiny,
    Small,
    /// About a million call rows: the size `casegraph dist`'s tests run on.
    Mid,
    Medium,
    Large,
}

impl Size {
    pub const ALL: [Size; 5] = [
        Size::Tiny,
        Size::Small,
        Size::Mid,
        Size::Medium,
        Size::Large,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Tiny => "tiny",
            Size::Small => "small",
            Size::Mid => "mid",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }
    pub fn parse(s: &str) -> Result<Size, String> {
        Size::ALL
            .into_iter()
            .find(|z| z.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("expected one of tiny, small, mid, medium, large, found {s:?}"))
    }

    pub fn scale(self) -> Scale {
        match self {
            Size::Tiny => Scale {
                people: 300,
                days: 21,
                calls: 4_000,
                cells: 30,
                gangs: 2,
                operators: (2, 3),
                burner_life: (3, 6),
                operator_rate: (6, 10),
                incidents_per_gang: 3,
                agents: 3,
                agent_calls: (3, 6),
                riders: 1,
                rider_calls: (6, 12),
                family: 12,
                other_incidents: 6,
            },
            Size::Small => Scale {
                people: 5_000,
                days: 60,
                calls: 100_000,
                cells: 250,
                gangs: 4,
                operators: (3, 5),
                burner_life: (4, 8),
                operator_rate: (12, 22),
                incidents_per_gang: 6,
                agents: 8,
                agent_calls: (10, 25),
                riders: 2,
                rider_calls: (15, 40),
                family: 18,
                other_incidents: 40,
            },
            Size::Mid => Scale {
                people: 50_000,
                days: 60,
                calls: 1_000_000,
                cells: 1_000,
                gangs: 6,
                operators: (3, 6),
                burner_life: (4, 8),
                operator_rate: (18, 32),
                incidents_per_gang: 8,
                agents: 15,
                agent_calls: (12, 30),
                riders: 3,
                rider_calls: (15, 45),
                family: 20,
                other_incidents: 200,
            },
            Size::Medium => Scale {
                people: 100_000,
                days: 90,
                calls: 2_000_000,
                cells: 2_000,
                gangs: 10,
                operators: (4, 7),
                burner_life: (4, 9),
                operator_rate: (25, 45),
                incidents_per_gang: 10,
                agents: 30,
                agent_calls: (15, 35),
                riders: 4,
                rider_calls: (20, 50),
                family: 22,
                other_incidents: 500,
            },
            Size::Large => Scale {
                people: 1_000_000,
                days: 90,
                calls: 20_000_000,
                cells: 8_000,
                gangs: 30,
                operators: (4, 8),
                burner_life: (4, 9),
                operator_rate: (25, 50),
                incidents_per_gang: 12,
                agents: 60,
                agent_calls: (15, 35),
                riders: 8,
                rider_calls: (20, 50),
                family: 25,
                other_incidents: 3_000,
            },
        }
    }
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Size::parse(s)
    }
}

/// The numbers behind a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Background population (gang members and decoys come on top).
    pub people: u32,
    pub days: u32,
    /// Calls and texts to aim for.
    pub calls: u64,
    pub cells: u32,
    pub gangs: u32,
    /// Operators per gang (min, max).
    pub operators: (u32, u32),
    /// Days a burner lives (min, max).
    pub burner_life: (u32, u32),
    /// Cold calls per burner per day (min, max).
    pub operator_rate: (u32, u32),
    pub incidents_per_gang: u32,
    pub agents: u32,
    pub agent_calls: (u32, u32),
    pub riders: u32,
    pub rider_calls: (u32, u32),
    pub family: u32,
    pub other_incidents: u32,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateConfig {
    pub seed: u64,
    pub size: Size,
}

/// What was written: rows per file and what the graph must hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenerateSummary {
    pub files: Vec<FileCounts>,
    pub graph: GraphCounts,
    pub gangs: u32,
    /// Each gang's shape, in gang order (`truth/world.json` has the rest).
    pub shapes: Vec<String>,
    /// Confounder phones and person records listed in truth/decoys.csv.
    pub decoys: u64,
    pub individuals: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    pub file: String,
    /// Data rows written (good, bad and duplicate).
    pub rows: u64,
    pub bad: u64,
    pub duplicates: u64,
}

/// Node and link counts of the graph the engine must build.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GraphCounts {
    pub persons: u64,
    pub phones: u64,
    pub handsets: u64,
    pub locations: u64,
    pub incidents: u64,
    pub accounts: u64,
    pub voice_calls: u64,
    pub texts: u64,
    pub call_links: u64,
}

/// The world's parameters, drawn from the seed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Knobs {
    pub gangs: u32,
    /// Shape of each gang, in order.
    pub shapes: Vec<&'static str>,
    /// Share of calls.csv rows that are bad, and that are exact duplicates.
    pub call_bad_rate: f64,
    pub call_dup_rate: f64,
    /// One bad row per this many rows of persons.csv and phones.csv.
    pub record_bad_every: usize,
    /// One bad row per this many rows of incidents.csv.
    pub incident_bad_every: usize,
    /// Calls to aim for, as a share of the size's number.
    pub volume: f64,
}

impl Knobs {
    fn draw(scale: &Scale, rng: &mut ChaCha8Rng) -> (Knobs, Vec<Shape>) {
        let spread = (scale.gangs as f64 * 0.25).round() as i64;
        let gangs = (scale.gangs as i64 + rng.gen_range(-spread..=spread))
            .max(scale.gangs.min(2) as i64) as u32;
        // Every shape before any repeats, in an order of the seed's choosing.
        let mut order = Shape::ALL.to_vec();
        population::shuffle(&mut order, rng);
        let shapes: Vec<Shape> = (0..gangs as usize)
            .map(|i| order[i % order.len()])
            .collect();
        let knobs = Knobs {
            gangs,
            shapes: shapes.iter().map(|s| s.as_str()).collect(),
            call_bad_rate: rng.gen_range(0.0005..0.005),
            call_dup_rate: rng.gen_range(0.0001..0.0015),
            record_bad_every: rng.gen_range(300..1500),
            incident_bad_every: rng.gen_range(150..600),
            volume: rng.gen_range(0.9..1.1),
        };
        (knobs, shapes)
    }
}

/// The world and everything planned in it, shared read-only by the days.
pub struct Case {
    pub knobs: Knobs,
    pub confounders: Confounders,
    pub seed: u64,
    pub world: World,
    pub services: Vec<u32>,
    pub service_total: f64,
    pub decoys: Decoys,
    pub gangs: Vec<Gang>,
    /// Go-betweens of two gangs each.
    pub brokers: Vec<gangs::Broker>,
    /// Numbers outside the population that operators cold-call.
    pub outside: Vec<u32>,
    pub plan: Plan,
    pub alias: Alias,
    pub rhythm: Rhythm,
    pub background_per_day: f64,
    pub service_per_day: f64,
    /// Police stations, one per district (location index `cells.len() + district`).
    pub stations: Vec<Cell>,
    /// The first day of the case period, as a date.
    pub first_day: chrono::NaiveDate,
}

/// Random streams: one per purpose, and one per day of calls.
const STREAM_WORLD: u64 = 1;
const STREAM_RECORDS: u64 = 2;
const STREAM_DAY: u64 = 1_000;

pub fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

impl Case {
    /// Build the world and plan the gangs' work.
    pub fn build(config: &GenerateConfig) -> Case {
        let scale = config.size.scale();
        let mut rng = rng_for(config.seed, STREAM_WORLD);
        let (knobs, shapes) = Knobs::draw(&scale, &mut rng);
        let mut world = World::new(scale, &mut rng);
        world.populate(&mut rng);
        let services = services::add_services(&mut world);
        let decoys = decoys::make_decoys(&mut world, &mut rng, services[services::hotline()]);
        let gangs = gangs::make_gangs(&mut world, &mut rng, knobs.gangs, &shapes);
        let brokers = gangs::make_brokers(&mut world, &gangs, &mut rng);

        // Numbers outside the case's population, cold-called by operators.
        let gang_per_day: f64 = gangs.iter().map(|g| g.per_day(&world)).sum();
        let n_outside = ((gang_per_day * scale.days as f64 * 0.15) as u32).max(50);
        let outside: Vec<u32> = (0..n_outside)
            .map(|_| world.new_mobile(NONE, NONE, PhoneKind::Outside, 0, scale.days - 1))
            .collect();

        let mut plan = Plan::new(scale.days);
        let police = services[services::police()];
        gangs::plan_hooks(&mut world, &gangs, police, &mut rng, &mut plan);
        gangs::plan_brokers(&world, &gangs, &brokers, &mut rng, &mut plan);
        records::plan_other_incidents(&mut world, &mut rng, &mut plan);
        let confounders = confounders::make_confounders(&mut world, &gangs, &mut rng, &mut plan);

        let stations = DISTRICTS
            .iter()
            .map(|&(en, zh, lat, lon, region)| Cell {
                id: format!("PS-{region}"),
                name: if rng.gen_bool(0.5) {
                    format!("{en} Police Station")
                } else {
                    format!("{zh}公安分局")
                },
                lat: lat + 0.004,
                lon: lon - 0.003,
                district: 0,
                described: true,
            })
            .collect();

        // Calls per day by kind: gangs and decoys as they come, services a
        // fixed share, the background the rest.
        let days = scale.days as f64;
        let gang_per_day = gang_per_day
            + plan.calls.iter().map(|d| d.len()).sum::<usize>() as f64 / days
            + confounders.per_day(&world);
        let decoy_per_day =
            scale.agents as f64 * (scale.agent_calls.0 + scale.agent_calls.1) as f64 / 2.0 * 5.0
                / 7.0
                + scale.riders as f64 * (scale.rider_calls.0 + scale.rider_calls.1) as f64 / 2.0
                    * 1.4
                    * 6.0
                    / 7.0;
        let per_day = scale.calls as f64 * knobs.volume / days;
        let service_per_day = per_day * 0.15;
        // Days lose a few calls to weekends and to calls that cannot happen
        // (a burner not yet active); aim a little high.
        let background_per_day =
            1.12 * (per_day - service_per_day - gang_per_day - decoy_per_day).max(per_day * 0.3);
        let service_total = services::SERVICES.iter().map(|s| s.weight).sum();

        let weights: Vec<f32> = world.ties.iter().map(|t| t.weight).collect();
        let alias = Alias::new(&weights);
        Case {
            knobs,
            confounders,
            seed: config.seed,
            world,
            services,
            service_total,
            decoys,
            gangs,
            brokers,
            outside,
            plan,
            alias,
            rhythm: Rhythm::new(),
            background_per_day,
            service_per_day,
            stations,
            first_day: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date"),
        }
    }

    /// `YYYY-MM-DD` of day `d` of the period (may be past its end).
    pub fn date(&self, d: i64) -> String {
        (self.first_day + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    }

    /// A time `t` seconds after the period's start, in the common spelling.
    pub fn time(&self, t: i64) -> String {
        let day = t.div_euclid(86_400);
        let s = t.rem_euclid(86_400);
        format!(
            "{} {:02}:{:02}:{:02}",
            self.date(day),
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }

    /// Location index space: cells, then stations.
    pub fn n_locations(&self) -> usize {
        self.world.cells.len() + self.stations.len()
    }

    pub fn location_id(&self, l: u32) -> &str {
        let c = self.world.cells.len() as u32;
        if l < c {
            &self.world.cells[l as usize].id
        } else {
            &self.stations[(l - c) as usize].id
        }
    }

    pub fn phone(&self, p: u32) -> &Phone {
        &self.world.phones[p as usize]
    }
}

/// Choose an index by integer weights.
pub fn pick(weights: &[u32], rng: &mut ChaCha8Rng) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.gen_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// How often each spelling of a number occurs in calls.csv (see [`ids::spell`]).
const CALL_SPELLINGS: [u32; 7] = [70, 3, 3, 3, 10, 3, 8];

/// One day of calls.csv, formatted: rows, bad rows and duplicates placed by
/// their index within the day, and the kept calls for the tally.
struct DayChunk {
    bytes: Vec<u8>,
    rows: u64,
    /// (row index within the day, reason, row text range in `bytes`)
    bad: Vec<(u64, &'static str, std::ops::Range<usize>)>,
    dups: Vec<(u64, u64)>,
    kept: Vec<Call>,
}

/// Format a call into its nine fields.
fn call_fields(case: &Case, c: &Call, day_date: &str, rng: &mut ChaCha8Rng, f: &mut Vec<String>) {
    use std::fmt::Write as _;
    // Nine reused buffers: this runs for every call of the case.
    f.resize_with(9, String::new);
    f.truncate(9);
    for s in f.iter_mut() {
        s.clear();
    }
    let w = &case.world;
    let caller = &w.phones[c.caller as usize];
    let callee = &w.phones[c.callee as usize];
    ids::spell_into(&mut f[0], &caller.national, pick(&CALL_SPELLINGS, rng));
    ids::spell_into(&mut f[1], &callee.national, pick(&CALL_SPELLINGS, rng));
    let s = c.start % 86_400;
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let t = &mut f[2];
    let _ = match pick(&[90, 5, 3, 2], rng) {
        0 => write!(t, "{day_date} {h:02}:{m:02}:{sec:02}"),
        1 => write!(t, "{day_date}T{h:02}:{m:02}:{sec:02}"),
        2 => write!(t, "{day_date}T{h:02}:{m:02}:{sec:02}+08:00"),
        _ => {
            // The same instant in UTC.
            let utc = case.time(c.start as i64 - 8 * 3600);
            write!(t, "{}T{}Z", &utc[..10], &utc[11..])
        }
    };
    if !(c.sms && rng.gen_bool(0.3)) {
        let _ = write!(f[3], "{}", c.duration);
    }
    f[4].push_str(match (c.sms, rng.gen_range(0..100)) {
        (true, 0..=2) => "SMS",
        (true, _) => "sms",
        (false, 0..=2) => "Voice",
        (false, 3..=5) => "",
        (false, _) => "voice",
    });
    if c.caller_cell != NONE {
        f[5].push_str(case.location_id(c.caller_cell));
    }
    if c.callee_cell != NONE {
        f[6].push_str(case.location_id(c.callee_cell));
    }
    if c.imei & 1 != 0 && caller.handset != NONE {
        f[7].push_str(&w.imeis[caller.handset as usize]);
    }
    if c.imei & 2 != 0 && callee.handset != NONE {
        f[8].push_str(&w.imeis[callee.handset as usize]);
    }
}

fn day_chunk(case: &Case, day: u32) -> DayChunk {
    let mut rng = rng_for(case.seed, STREAM_DAY + day as u64);
    let calls = day_calls(case, day, &mut rng);
    let date = case.date(day as i64);
    let mut chunk = DayChunk {
        bytes: Vec::with_capacity(calls.len() * 128),
        rows: 0,
        bad: Vec::new(),
        dups: Vec::new(),
        kept: Vec::new(),
    };
    let mut f: Vec<String> = Vec::with_capacity(10);
    // Day 0 carries one bad row of every reason, so that even a tiny case has them all.
    let mut forced: Vec<(usize, &'static str)> = Vec::new();
    if day == 0 && !calls.is_empty() {
        for &r in bad::CALL_REASONS {
            forced.push((rng.gen_range(0..calls.len()), r));
        }
        forced.sort_unstable();
    }
    let dup_at = if calls.len() > 4 {
        rng.gen_range(1..calls.len())
    } else {
        usize::MAX
    };
    let mut forced = forced.into_iter().peekable();
    for (i, c) in calls.iter().enumerate() {
        call_fields(case, c, &date, &mut rng, &mut f);
        let start = chunk.bytes.len();
        writer::join_into(&f, &mut chunk.bytes);
        chunk.bytes.push(b'\n');
        let good = start..chunk.bytes.len();
        let good_row = chunk.rows;
        chunk.rows += 1;
        let reason = if let Some((_, r)) = forced.next_if(|f| f.0 <= i) {
            Some(r)
        } else if rng.gen_bool(case.knobs.call_bad_rate) {
            Some(bad::CALL_REASONS[rng.gen_range(0..bad::CALL_REASONS.len())])
        } else {
            None
        };
        if let Some(reason) = reason {
            let mut spoilt = f.clone();
            bad::spoil_call(&mut spoilt, reason, &mut rng);
            let from = chunk.bytes.len();
            chunk
                .bytes
                .extend_from_slice(writer::join(&spoilt).as_bytes());
            let to = chunk.bytes.len();
            chunk.bytes.push(b'\n');
            chunk.bad.push((chunk.rows, reason, from..to));
            chunk.rows += 1;
        }
        if rng.gen_bool(case.knobs.call_dup_rate) || (day == 0 && i == dup_at) {
            let copy = chunk.bytes[good].to_vec();
            chunk.bytes.extend_from_slice(&copy);
            chunk.dups.push((chunk.rows, good_row));
            chunk.rows += 1;
        }
    }
    // Every generated call is written as a good row and kept by the engine.
    chunk.kept = calls;
    chunk
}

const CALLS_HEADER: &str =
    "caller,callee,start,duration_s,kind,caller_location,callee_location,caller_imei,callee_imei\n";

/// Write calls.csv day by day (days in parallel batches) into `path`.
fn write_calls(case: &Case, path: &Path, ledger: &mut Ledger, seen: &mut Seen) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp);
    out.write_all(CALLS_HEADER.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    ledger.start_file("calls.csv");
    let mut line = 1u64;
    let days = case.world.scale.days;
    let batch = (rayon::current_num_threads() as u32 * 2).max(2);
    let mut first = 0;
    while first < days {
        let last = (first + batch).min(days);
        let chunks: Vec<DayChunk> = (first..last)
            .into_par_iter()
            .map(|d| day_chunk(case, d))
            .collect();
        for chunk in chunks {
            out.write_all(&chunk.bytes)
                .map_err(|e| Error::io(path, e))?;
            let mut bad = chunk.bad.iter().peekable();
            let mut dups = chunk.dups.iter().peekable();
            for r in 0..chunk.rows {
                let l = line + 1 + r;
                if let Some((_, reason, range)) = bad.next_if(|b| b.0 == r) {
                    ledger.bad(l, &chunk.bytes[range.clone()], reason);
                } else if let Some(&(_, of)) = dups.next_if(|d| d.0 == r) {
                    ledger.duplicate(l, line + 1 + of);
                } else {
                    ledger.good();
                }
            }
            line += chunk.rows;
            for c in &chunk.kept {
                tally_call(case, c, seen);
            }
        }
        first = last;
    }
    ledger.finish_file();
    let tmp = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn tally_call(case: &Case, c: &Call, seen: &mut Seen) {
    seen.phones[c.caller as usize] = true;
    seen.phones[c.callee as usize] = true;
    seen.pairs
        .insert(((c.caller as u64) << 32) | c.callee as u64);
    if c.sms {
        seen.texts += 1;
    } else {
        seen.voice += 1;
    }
    for (l, phone, bit) in [
        (c.caller_cell, c.caller, 1u8),
        (c.callee_cell, c.callee, 2u8),
    ] {
        if l != NONE {
            seen.locations[l as usize] = true;
        }
        let h = case.world.phones[phone as usize].handset;
        if c.imei & bit != 0 && h != NONE {
            seen.handsets[h as usize] = true;
        }
    }
}

/// Temp files are created private; a case bundle is meant to be shared.
fn readable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(path, e))?;
    }
    let _ = path;
    Ok(())
}

/// Generate a case into the folder `out` (created if needed): the five
/// case files and `truth/`.
pub fn generate(config: &GenerateConfig, out: &Path) -> Result<GenerateSummary> {
    std::fs::create_dir_all(out.join("truth")).map_err(|e| Error::io(out, e))?;
    let case = Case::build(config);
    let mut seen = Seen::new(
        case.world.phones.len(),
        case.world.n_handsets() as usize,
        case.n_locations(),
    );
    let mut ledger = Ledger::default();
    let mut rng = rng_for(config.seed, STREAM_RECORDS);

    let small = records::write_records(&case, &mut rng, &mut ledger, &mut seen);
    write_calls(&case, &out.join("calls.csv"), &mut ledger, &mut seen)?;
    for (file, bytes) in &small.files {
        crate::atomic::write_atomically(&out.join(file), bytes)?;
    }
    for file in [
        "calls.csv",
        "persons.csv",
        "phones.csv",
        "locations.csv",
        "incidents.csv",
    ] {
        readable(&out.join(file))?;
    }

    let count = |v: &[bool]| v.iter().filter(|&&b| b).count() as u64;
    let graph = GraphCounts {
        persons: small.persons,
        phones: count(&seen.phones),
        handsets: count(&seen.handsets),
        locations: count(&seen.locations),
        incidents: small.incidents,
        accounts: seen.accounts.len() as u64,
        voice_calls: seen.voice,
        texts: seen.texts,
        call_links: seen.pairs.len() as u64,
    };
    // Files in the contract's order.
    let order = [
        "calls.csv",
        "persons.csv",
        "phones.csv",
        "locations.csv",
        "incidents.csv",
    ];
    let mut files: Vec<FileCounts> = ledger
        .files
        .iter()
        .map(|&(file, rows, bad, duplicates)| FileCounts {
            file: file.to_string(),
            rows,
            bad,
            duplicates,
        })
        .collect();
    files.sort_by_key(|f| order.iter().position(|o| *o == f.file));
    let mut summary = GenerateSummary {
        files,
        graph,
        gangs: case.gangs.len() as u32,
        shapes: case.knobs.shapes.iter().map(|s| s.to_string()).collect(),
        decoys: 0,
        individuals: case.world.individuals.len() as u64,
    };
    summary.decoys =
        truth::write_truth(&case, &small, &ledger, &summary, &seen, &out.join("truth"))?;
    Ok(summary)
}
