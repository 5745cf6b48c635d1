//! `casegraph query ...`: investigator queries at the terminal. Each
//! subcommand reads its arguments, asks [`casegraph::query`] and renders
//! the rows (with their evidence) through [`super::output`].
//!
//! Exit status: 0 with an answer (an empty answer is still an answer), 1
//! when an entity names nothing (with "did you mean" suggestions), 2 for a
//! malformed argument.

use super::output::{Cell, Document, FormatArgs, Table};
use super::{usage, CaseArgs};
use casegraph::graph::lookup::{describe, node_text};
use casegraph::graph::provenance::{NodeRef, Sources, CALLS_CSV, PERSONS_CSV, PHONES_CSV};
use casegraph::graph::{CaseGraph, NONE};
use casegraph::model::time::show;
use casegraph::model::{NodeKind, Time};
use casegraph::query::neighbors::WalkOptions;
use casegraph::query::{
    self, describe_sources, sources, Case, Entity, QueryError, Tally, TimeRange,
};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    query: Query,
}

/// Options every query shares.
#[derive(clap::Args, Debug, Clone)]
struct QueryOpts {
    #[command(flatten)]
    case: CaseArgs,
    /// Also show the source rows (file:line) behind every row
    #[arg(long)]
    sources: bool,
    /// Resolve person records into individuals first (individual ids as
    /// entities, resolved identity in profiles; takes a while on large cases)
    #[arg(long)]
    resolve: bool,
    #[command(flatten)]
    format: FormatArgs,
}

/// `--from/--to`.
#[derive(clap::Args, Debug, Clone)]
struct Window {
    /// Only what happened at or after this time (2026-03-14 21:05:33, or a date)
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Only what happened at or before this time (a date means its whole day)
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
enum Query {
    /// The ego network: linked phones, handsets, persons and incidents, with call counts and time spans
    Neighbors {
        #[command(flatten)]
        opts: QueryOpts,
        /// Phone number (any spelling), person_id, individual id, IMEI or incident id
        entity: String,
        /// How many links out to walk
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=6))]
        hops: u32,
        /// Leave out call links with fewer calls and texts
        #[arg(long, default_value_t = 1, value_name = "K")]
        min_calls: u32,
        #[command(flatten)]
        window: Window,
    },
    /// The k shortest connecting paths between two entities, strongest links preferred
    Path {
        #[command(flatten)]
        opts: QueryOpts,
        a: String,
        b: String,
        /// Longest path considered
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10))]
        max_hops: u32,
        /// How many paths
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
        k: u32,
        #[command(flatten)]
        window: Window,
    },
    /// Contacts shared by all given parties, with counts per party
    Common {
        #[command(flatten)]
        opts: QueryOpts,
        /// Two or more entities
        #[arg(num_args = 2.., required = true)]
        entities: Vec<String>,
        #[command(flatten)]
        window: Window,
    },
    /// Everything known about an entity
    Profile {
        #[command(flatten)]
        opts: QueryOpts,
        entity: String,
        /// Also run the analysis passes for component, community and
        /// centrality ranks (reads the whole case: seconds on a large one)
        #[arg(long)]
        analysis: bool,
        #[command(flatten)]
        window: Window,
    },
    /// Calls, texts, handset changes, registrations and incidents in time order
    Timeline {
        #[command(flatten)]
        opts: QueryOpts,
        entity: String,
        #[command(flatten)]
        window: Window,
    },
    /// Phones served by the same cells at the same times, ranked by how often
    Colocated {
        #[command(flatten)]
        opts: QueryOpts,
        entity: String,
        /// How close in time two events at one cell must be (90s, 30m, 24h, 7d)
        #[arg(long, default_value = "30m")]
        window: String,
        #[command(flatten)]
        range: Window,
    },
    /// Numbers that contacted the victim's phones in the window before an incident
    CallersBefore {
        #[command(flatten)]
        opts: QueryOpts,
        incident: String,
        /// How long before the incident (90s, 30m, 24h, 7d)
        #[arg(long, default_value = "24h")]
        window: String,
    },
    /// Numbers seen at every given cell in the time window (tower-dump intersection)
    Towers {
        #[command(flatten)]
        opts: QueryOpts,
        #[arg(num_args = 1.., required = true)]
        locations: Vec<String>,
        #[arg(long, value_name = "TIME", required = true)]
        from: String,
        #[arg(long, value_name = "TIME", required = true)]
        to: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let common = match &args.query {
        Query::Neighbors { opts, .. }
        | Query::Path { opts, .. }
        | Query::Common { opts, .. }
        | Query::Profile { opts, .. }
        | Query::Timeline { opts, .. }
        | Query::Colocated { opts, .. }
        | Query::CallersBefore { opts, .. }
        | Query::Towers { opts, .. } => opts.clone(),
    };
    let graph = common.case.open()?;
    let mut case = Case::new(&graph);
    // An individual id (I0001) only means something after resolution: run
    // it when asked, or when an argument has that form and names nothing else.
    let wants_individual = entity_args(&args.query)
        .iter()
        .any(|t| Case::looks_like_individual(t) && case.find_id(t).is_none());
    if common.resolve || wants_individual {
        let r = casegraph::resolve::resolve(&graph, &Default::default())?;
        case = case.with_resolution(r);
    }
    match answer(&case, &common, &args.query) {
        Ok(doc) => {
            doc.print(common.format.format())?;
            Ok(0)
        }
        Err(QueryError::NotFound(msg)) => {
            eprintln!("casegraph: {msg}");
            Ok(1)
        }
        Err(QueryError::Malformed(msg)) => Err(usage(msg)),
    }
}

fn entity_args(q: &Query) -> Vec<&str> {
    match q {
        Query::Neighbors { entity, .. }
        | Query::Profile { entity, .. }
        | Query::Timeline { entity, .. }
        | Query::Colocated { entity, .. } => vec![entity],
        Query::Path { a, b, .. } => vec![a, b],
        Query::Common { entities, .. } => entities.iter().map(String::as_str).collect(),
        Query::CallersBefore { .. } | Query::Towers { .. } => Vec::new(),
    }
}

fn range(case: &Case, w: &Window) -> Result<TimeRange, QueryError> {
    TimeRange::parse(&case.clock(), w.from.as_deref(), w.to.as_deref())
}

fn t(time: Time) -> Cell {
    show(time).into()
}

fn phone(g: &CaseGraph, p: u32) -> Cell {
    if p == NONE {
        Cell::Empty
    } else {
        g.phone_number(p).into()
    }
}

fn opt_text(g: &CaseGraph, kind: NodeKind, idx: u32) -> Cell {
    if idx == NONE {
        Cell::Empty
    } else {
        node_text(g, NodeRef { kind, idx }).into()
    }
}

fn tally_cells(x: &Tally) -> Vec<Cell> {
    vec![
        x.calls.into(),
        x.texts.into(),
        x.seconds.into(),
        t(x.first),
        t(x.last),
    ]
}

fn lines_cell(file: &'static str, lines: &[u32]) -> Cell {
    sources(file, lines.to_vec())
        .map(|s| s.describe())
        .unwrap_or_default()
        .into()
}

/// A table, with a trailing `sources` column when asked for.
fn table(name: &str, columns: &[&str], with_sources: bool) -> Table {
    let mut c = columns.to_vec();
    if with_sources {
        c.push("sources");
    }
    Table::new(name, &c)
}

fn entities(case: &Case, texts: &[String]) -> Result<Vec<Entity>, QueryError> {
    texts.iter().map(|s| case.entity(s)).collect()
}

fn answer(case: &Case, c: &QueryOpts, q: &Query) -> Result<Document, QueryError> {
    let g = case.graph;
    let src = c.sources;
    match q {
        Query::Neighbors {
            entity,
            hops,
            min_calls,
            window,
            ..
        } => {
            let range = range(case, window)?;
            let e = case.entity(entity)?;
            let o = WalkOptions {
                range,
                min_calls: *min_calls,
                sources: src,
            };
            let rows = query::neighbors::neighbors(case, &e, *hops, &o);
            let mut tb = table(
                "neighbors",
                &[
                    "hop", "from", "node", "kind", "link", "detail", "calls", "texts", "seconds",
                    "first", "last", "records",
                ],
                src,
            );
            for n in rows {
                let mut r: Vec<Cell> = vec![
                    n.hop.into(),
                    case.text(n.from).into(),
                    case.text(n.link.to).into(),
                    n.link.to.kind.as_str().into(),
                    n.link.kind.as_str().into(),
                    n.link.detail.into(),
                ];
                r.extend(tally_cells(&n.link.tally));
                r.push(n.link.records.into());
                if src {
                    r.push(describe_sources(&n.link.sources).into());
                }
                tb.push(r);
            }
            Ok(Document::default().with(tb))
        }
        Query::Path {
            a,
            b,
            max_hops,
            k,
            window,
            ..
        } => {
            let range = range(case, window)?;
            let (ea, eb) = (case.entity(a)?, case.entity(b)?);
            let o = WalkOptions {
                range,
                min_calls: 1,
                sources: src,
            };
            let paths =
                query::path::k_shortest_paths(case, &ea, &eb, *max_hops as usize, *k as usize, &o);
            let mut tb = table(
                "paths",
                &[
                    "path", "cost", "hop", "from", "to", "to_kind", "link", "detail", "calls",
                    "texts", "seconds", "first", "last", "records",
                ],
                src,
            );
            for (i, p) in paths.iter().enumerate() {
                for (j, (from, h)) in p.hops.iter().enumerate() {
                    let mut r: Vec<Cell> = vec![
                        (i + 1).into(),
                        ((p.cost * 1000.0).round() / 1000.0).into(),
                        (j + 1).into(),
                        case.text(*from).into(),
                        case.text(h.to).into(),
                        h.to.kind.as_str().into(),
                        h.kind.as_str().into(),
                        h.detail.into(),
                    ];
                    r.extend(tally_cells(&h.tally));
                    r.push(h.records.into());
                    if src {
                        r.push(describe_sources(&h.sources).into());
                    }
                    tb.push(r);
                }
            }
            Ok(Document::default().with(tb))
        }
        Query::Common {
            entities: texts,
            window,
            ..
        } => {
            let range = range(case, window)?;
            let parties = entities(case, texts)?;
            let rows = query::common::common_contacts(g, &parties, range, src);
            let mut cols: Vec<String> = vec!["contact".into(), "parties_events".into()];
            for (i, _) in parties.iter().enumerate() {
                for f in ["calls", "texts", "first", "last"] {
                    cols.push(format!("party{}_{f}", i + 1));
                }
            }
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            let mut tb = table("common_contacts", &cols, src);
            for s in &rows {
                let mut r: Vec<Cell> = vec![phone(g, s.phone), s.total_events().into()];
                for x in &s.per_party {
                    r.extend([x.calls.into(), x.texts.into(), t(x.first), t(x.last)]);
                }
                if src {
                    let all: Vec<u32> = s.lines.iter().flatten().copied().collect();
                    r.push(lines_cell(CALLS_CSV, &all));
                }
                tb.push(r);
            }
            let mut legend = Table::new("parties", &["party", "entity", "phones"]);
            for (i, p) in parties.iter().enumerate() {
                legend.push(vec![
                    format!("party{}", i + 1).into(),
                    p.label.clone().into(),
                    p.phones.len().into(),
                ]);
            }
            Ok(Document::default().with(legend).with(tb))
        }
        Query::Profile {
            entity,
            window,
            analysis,
            ..
        } => {
            let range = range(case, window)?;
            let e = case.entity(entity)?;
            let mut doc = profile_doc(case, &e, range, src);
            if *analysis {
                let rows = query::profile::standing(case, &e)
                    .map_err(|err| QueryError::Malformed(err.to_string()))?;
                let mut tb = Table::new(
                    "standing",
                    &[
                        "phone",
                        "component",
                        "component_size",
                        "community",
                        "community_size",
                        "degree_rank",
                        "pagerank_rank",
                    ],
                );
                let opt = |v: Option<u32>| v.map(Cell::from).unwrap_or(Cell::Empty);
                for x in rows {
                    tb.push(vec![
                        phone(g, x.phone),
                        opt(x.component.map(|c| c.0)),
                        opt(x.component.map(|c| c.1 as u32)),
                        opt(x.community.map(|c| c.0)),
                        opt(x.community.map(|c| c.1 as u32)),
                        opt(x.degree_rank),
                        opt(x.pagerank_rank),
                    ]);
                }
                doc = doc.with(tb);
            }
            Ok(doc)
        }
        Query::Timeline { entity, window, .. } => {
            let range = range(case, window)?;
            let e = case.entity(entity)?;
            let rows = query::timeline::timeline(case, &e, range);
            let mut tb = Table::new(
                "timeline",
                &[
                    "time",
                    "what",
                    "phone",
                    "other",
                    "duration_s",
                    "cell",
                    "handset",
                    "previous_handset",
                    "incident",
                    "source",
                ],
            );
            for x in rows {
                tb.push(vec![
                    t(x.time),
                    x.what.as_str().into(),
                    phone(g, x.phone),
                    phone(g, x.other),
                    if x.other != NONE {
                        x.duration_s.into()
                    } else {
                        Cell::Empty
                    },
                    opt_text(g, NodeKind::Location, x.cell),
                    opt_text(g, NodeKind::Handset, x.handset),
                    opt_text(g, NodeKind::Handset, x.previous_handset),
                    opt_text(g, NodeKind::Incident, x.incident),
                    format!("{}:{}", x.file, x.line).into(),
                ]);
            }
            Ok(Document::default().with(tb))
        }
        Query::Colocated {
            entity,
            window,
            range: w,
            ..
        } => {
            let secs = query::parse_window("--window", window)?;
            let range = range(case, w)?;
            let e = case.entity(entity)?;
            let rows = query::colocated::colocated(g, &e, secs, range);
            let mut tb = table(
                "colocated",
                &["phone", "times", "cells", "first", "last"],
                src,
            );
            for x in rows {
                let cells: Vec<&str> = x
                    .cells
                    .iter()
                    .map(|&c| {
                        node_text(
                            g,
                            NodeRef {
                                kind: NodeKind::Location,
                                idx: c,
                            },
                        )
                    })
                    .collect();
                let mut r = vec![
                    phone(g, x.phone),
                    x.times.into(),
                    cells.join(";").into(),
                    t(x.first),
                    t(x.last),
                ];
                if src {
                    r.push(lines_cell(CALLS_CSV, &x.lines));
                }
                tb.push(r);
            }
            Ok(Document::default().with(tb))
        }
        Query::CallersBefore {
            incident, window, ..
        } => {
            let secs = query::parse_window("--window", window)?;
            let i = case.incident(incident)?;
            let rows = query::callers_before::callers_before(g, i, secs);
            let mut tb = table(
                "callers_before",
                &[
                    "caller",
                    "calls",
                    "texts",
                    "seconds",
                    "first",
                    "last",
                    "also_called",
                    "also_called_count",
                ],
                src,
            );
            for x in rows {
                let mut r = vec![phone(g, x.phone)];
                r.extend(tally_cells(&x.to_victim));
                let also: Vec<String> = x
                    .also_called
                    .iter()
                    .take(5)
                    .map(|&(p, n)| format!("{} ({n})", g.phone_number(p)))
                    .collect();
                r.push(also.join("; ").into());
                r.push(x.also_called.len().into());
                if src {
                    r.push(lines_cell(CALLS_CSV, &x.lines));
                }
                tb.push(r);
            }
            let inc = &g.incidents[i as usize];
            let victims = query::callers_before::victim_phones(g, i);
            let mut head = Table::new(
                "incident",
                &["incident", "time", "window_from", "victim", "victim_phones"],
            );
            head.push(vec![
                node_text(
                    g,
                    NodeRef {
                        kind: NodeKind::Incident,
                        idx: i,
                    },
                )
                .into(),
                t(inc.time),
                t(inc.time - secs),
                g.str(inc.victim_id).into(),
                victims
                    .iter()
                    .map(|&p| g.phone_number(p))
                    .collect::<Vec<_>>()
                    .join(";")
                    .into(),
            ]);
            Ok(Document::default().with(head).with(tb))
        }
        Query::Towers {
            locations,
            from,
            to,
            ..
        } => {
            let range = TimeRange::parse(&case.clock(), Some(from), Some(to))?;
            let cells: Vec<u32> = locations
                .iter()
                .map(|l| case.location(l))
                .collect::<Result<_, _>>()?;
            let rows = query::towers::tower_dump(g, &cells, range, src);
            let mut cols = vec!["phone".to_string(), "events".to_string()];
            for &c in &cells {
                let id = node_text(
                    g,
                    NodeRef {
                        kind: NodeKind::Location,
                        idx: c,
                    },
                );
                for f in ["events", "first", "last"] {
                    cols.push(format!("{id}_{f}"));
                }
            }
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            let mut tb = table("towers", &cols, src);
            for x in rows {
                let mut r = vec![phone(g, x.phone), x.total_events().into()];
                for c in &x.per_cell {
                    r.extend([c.events().into(), t(c.first), t(c.last)]);
                }
                if src {
                    let all: Vec<u32> = x.lines.iter().flatten().copied().collect();
                    r.push(lines_cell(CALLS_CSV, &all));
                }
                tb.push(r);
            }
            Ok(Document::default().with(tb))
        }
    }
}

fn profile_doc(case: &Case, e: &Entity, range: TimeRange, src: bool) -> Document {
    let g = case.graph;
    let p = query::profile::profile(case, e, range);
    let mut head = Table::new("entity", &["entity", "phones", "individual"]);
    head.push(vec![
        e.label.clone().into(),
        e.phones.len().into(),
        p.identity
            .as_ref()
            .map(|i| Cell::from(i.label.clone()))
            .unwrap_or(Cell::Empty),
    ]);
    let mut phones = table(
        "phones",
        &[
            "phone",
            "calls_out",
            "calls_in",
            "texts",
            "contacts",
            "seconds",
            "first",
            "last",
        ],
        false,
    );
    for x in &p.phones {
        phones.push(vec![
            phone(g, x.phone),
            x.calls_out.into(),
            x.calls_in.into(),
            x.texts.into(),
            x.contacts.into(),
            x.tally.seconds.into(),
            t(x.tally.first),
            t(x.tally.last),
        ]);
    }
    let mut persons = table(
        "person_records",
        &[
            "person_id",
            "name",
            "id_number",
            "role",
            "source",
            "phone",
            "link",
        ],
        src,
    );
    for pp in &p.person_links {
        let rec = &g.persons[pp.person as usize];
        let link = match (pp.claimed(), pp.registered()) {
            (true, true) => "claimed and registered",
            (true, false) => "claimed",
            _ => "registered",
        };
        let mut r = vec![
            g.str(rec.person_id).into(),
            g.str(rec.name).into(),
            g.str(rec.id_number).into(),
            rec.role().as_str().into(),
            g.str(rec.source).into(),
            phone(g, pp.phone),
            link.into(),
        ];
        if src {
            let mut s: Vec<Sources> = sources(PERSONS_CSV, vec![rec.line]).into_iter().collect();
            if pp.registered() {
                s.extend(sources(PHONES_CSV, vec![pp.registration_line]));
            }
            r.push(describe_sources(&s).into());
        }
        persons.push(r);
    }
    let mut regs = table(
        "registrations",
        &[
            "phone",
            "subscriber_name",
            "subscriber_id_number",
            "handset",
            "activated",
            "deactivated",
            "carrier",
        ],
        src,
    );
    for &ri in &p.registrations {
        let r0 = &g.registrations[ri as usize];
        let mut r = vec![
            phone(g, r0.phone),
            g.str(r0.subscriber_name).into(),
            g.str(r0.subscriber_id_number).into(),
            opt_text(g, NodeKind::Handset, r0.handset),
            casegraph::model::time::show_date(r0.activated).into(),
            casegraph::model::time::show_date(r0.deactivated).into(),
            g.str(r0.carrier).into(),
        ];
        if src {
            r.push(format!("{PHONES_CSV}:{}", r0.line).into());
        }
        regs.push(r);
    }
    let mut handsets = table(
        "handsets",
        &["phone", "handset", "events", "first", "last", "registered"],
        false,
    );
    for u in &p.handsets {
        handsets.push(vec![
            phone(g, u.phone),
            opt_text(g, NodeKind::Handset, u.handset),
            u.n_events.into(),
            t(u.first),
            t(u.last),
            (u.registration_line != 0).into(),
        ]);
    }
    let hours: Vec<String> = (0..24).map(|h| format!("h{h:02}")).collect();
    let mut cols: Vec<&str> = vec!["cell", "events"];
    cols.extend(hours.iter().map(String::as_str));
    let mut cells = Table::new("cells_by_hour", &cols);
    for (c, by_hour) in &p.cells_by_hour {
        let mut r = vec![
            opt_text(g, NodeKind::Location, *c),
            by_hour.iter().sum::<u32>().into(),
        ];
        r.extend(by_hour.iter().map(|&n| Cell::from(n)));
        cells.push(r);
    }
    let mut contacts = Table::new(
        "top_contacts",
        &["contact", "calls", "texts", "seconds", "first", "last"],
    );
    for (c, x) in &p.top_contacts {
        let mut r = vec![phone(g, *c)];
        r.extend(tally_cells(x));
        contacts.push(r);
    }
    let mut incidents = table(
        "incidents",
        &["incident", "time", "category", "how", "loss"],
        src,
    );
    for &(i, how) in &p.incidents {
        let inc = &g.incidents[i as usize];
        let mut r = vec![
            describe(
                g,
                NodeRef {
                    kind: NodeKind::Incident,
                    idx: i,
                },
            )
            .into(),
            t(inc.time),
            inc.category().as_str().into(),
            how.into(),
            inc.loss.into(),
        ];
        if src {
            r.push(format!("incidents.csv:{}", inc.line).into());
        }
        incidents.push(r);
    }
    let mut doc = Document::default()
        .with(head)
        .with(phones)
        .with(persons)
        .with(regs)
        .with(handsets)
        .with(cells)
        .with(contacts)
        .with(incidents);
    if let Some(id) = &p.identity {
        let mut t = Table::new("individual", &["individual", "person_ids", "phones"]);
        t.push(vec![
            id.label.clone().into(),
            id.persons
                .iter()
                .map(|&x| g.str(g.persons[x as usize].person_id))
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            id.phones
                .iter()
                .map(|&x| g.phone_number(x))
                .collect::<Vec<_>>()
                .join(";")
                .into(),
        ]);
        doc = doc.with(t);
    }
    doc
}
