//! `query profile ENTITY`: everything known about an entity, one table per
//! kind of fact (phones, person records, registrations, handsets, cells by
//! hour, top contacts, incidents, resolved identity), and with
//! `--analysis` its standing in the whole case.

use super::{opt_text, phone, range, t, table, tally_cells, Answer, QueryOpts, Window};
use crate::cli::output::{Cell, Document, Table};
use casegraph::graph::lookup::describe;
use casegraph::graph::provenance::{NodeRef, Sources, PERSONS_CSV, PHONES_CSV};
use casegraph::model::NodeKind;
use casegraph::query::profile::Profile;
use casegraph::query::{self, describe_sources, sources, Case, Entity, QueryError, TimeRange};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    pub entity: String,
    /// Also run the analysis passes for component, community and
    /// centrality ranks (reads the whole case: seconds on a large one)
    #[arg(long)]
    analysis: bool,
    #[command(flatten)]
    window: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let range = range(case, &a.window)?;
    let e = case.entity(&a.entity)?;
    let mut doc = profile_doc(case, &e, range, a.opts.sources);
    if a.analysis {
        doc = doc.with(standing(case, &e)?);
    }
    Ok(Answer { doc, nothing: None })
}

fn standing(case: &Case, e: &Entity) -> Result<Table, QueryError> {
    let g = case.graph;
    let rows =
        query::profile::standing(case, e).map_err(|err| QueryError::Malformed(err.to_string()))?;
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
            "note",
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
            x.left_out.map(Cell::from).unwrap_or(Cell::Empty),
        ]);
    }
    Ok(tb)
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
    let mut doc = Document::default()
        .with(head)
        .with_main(phones(case, &p))
        .with(person_records(case, &p, src))
        .with(registrations(case, &p, src))
        .with(handsets(case, &p))
        .with(cells_by_hour(case, &p))
        .with(top_contacts(case, &p))
        .with(incidents(case, &p, src));
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

fn phones(case: &Case, p: &Profile) -> Table {
    let g = case.graph;
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
    phones
}

fn person_records(case: &Case, p: &Profile, src: bool) -> Table {
    let g = case.graph;
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
            // A registration alone says whose id number bought the SIM, not
            // who holds it: stolen identities register gangs' burners. The
            // word "weak" comes first so a narrow terminal still shows it.
            _ => "weak: registered only (an id number can be borrowed or stolen)",
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
    persons
}

fn registrations(case: &Case, p: &Profile, src: bool) -> Table {
    let g = case.graph;
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
    regs
}

fn handsets(case: &Case, p: &Profile) -> Table {
    let g = case.graph;
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
    handsets
}

fn cells_by_hour(case: &Case, p: &Profile) -> Table {
    let g = case.graph;
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
    cells
}

fn top_contacts(case: &Case, p: &Profile) -> Table {
    let g = case.graph;
    let mut contacts = Table::new(
        "top_contacts",
        &["contact", "calls", "texts", "seconds", "first", "last"],
    );
    for (c, x) in &p.top_contacts {
        let mut r = vec![phone(g, *c)];
        r.extend(tally_cells(x));
        contacts.push(r);
    }
    contacts
}

fn incidents(case: &Case, p: &Profile, src: bool) -> Table {
    let g = case.graph;
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
    incidents
}
