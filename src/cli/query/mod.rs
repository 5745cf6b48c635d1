//! `casegraph query ...`: investigator queries at the terminal, one file
//! per query. Each reads its arguments, asks [`casegraph::query`] and maps
//! the library's rows (with their evidence) to tables for
//! [`super::output`]; this module holds what they share: the options every
//! query takes, `--from/--to`, opening the case and the exit status.
//!
//! Exit status: 0 with an answer; 1 when an entity names nothing (with
//! "did you mean" suggestions) or the answer is empty (said in a sentence:
//! on stdout for a person, on stderr beside the empty CSV or JSON for a
//! script); 2 for a malformed argument.

mod callers_before;
mod colocated;
mod common;
mod neighbors;
mod path;
mod profile;
mod timeline;
mod towers;

use super::output::{Cell, Document, Format, FormatArgs, Table};
use super::{usage, CaseArgs};
use casegraph::graph::lookup::node_text;
use casegraph::graph::provenance::NodeRef;
use casegraph::graph::{CaseGraph, NONE};
use casegraph::model::time::show;
use casegraph::model::{NodeKind, Time};
use casegraph::query::{sources, Case, Entity, QueryError, Tally, TimeRange};

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
    Neighbors(neighbors::Args),
    /// The k shortest connecting paths between two entities, strongest links preferred
    Path(path::Args),
    /// Contacts shared by all given parties, with counts per party
    Common(common::Args),
    /// Everything known about an entity
    Profile(profile::Args),
    /// Calls, texts, handset changes, registrations and incidents in time order
    Timeline(timeline::Args),
    /// Phones served by the same cells at the same times, ranked by how often
    Colocated(colocated::Args),
    /// Numbers that contacted the victim's phones in the window before an incident
    CallersBefore(callers_before::Args),
    /// Numbers seen at every given cell in the time window (tower-dump intersection)
    Towers(towers::Args),
}

impl Query {
    fn opts(&self) -> &QueryOpts {
        match self {
            Query::Neighbors(a) => &a.opts,
            Query::Path(a) => &a.opts,
            Query::Common(a) => &a.opts,
            Query::Profile(a) => &a.opts,
            Query::Timeline(a) => &a.opts,
            Query::Colocated(a) => &a.opts,
            Query::CallersBefore(a) => &a.opts,
            Query::Towers(a) => &a.opts,
        }
    }

    /// The ENTITY arguments, for deciding whether a resolution is needed.
    fn entity_args(&self) -> Vec<&str> {
        match self {
            Query::Neighbors(a) => vec![&a.entity],
            Query::Profile(a) => vec![&a.entity],
            Query::Timeline(a) => vec![&a.entity],
            Query::Colocated(a) => vec![&a.entity],
            Query::Path(a) => vec![&a.a, &a.b],
            Query::Common(a) => a.entities.iter().map(String::as_str).collect(),
            Query::CallersBefore(_) | Query::Towers(_) => Vec::new(),
        }
    }

    fn answer(&self, case: &Case) -> Result<Answer, QueryError> {
        match self {
            Query::Neighbors(a) => neighbors::answer(case, a),
            Query::Path(a) => path::answer(case, a),
            Query::Common(a) => common::answer(case, a),
            Query::Profile(a) => profile::answer(case, a),
            Query::Timeline(a) => timeline::answer(case, a),
            Query::Colocated(a) => colocated::answer(case, a),
            Query::CallersBefore(a) => callers_before::answer(case, a),
            Query::Towers(a) => towers::answer(case, a),
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let common = args.query.opts();
    let graph = common.case.open()?;
    let mut case = Case::new(&graph);
    // An individual id (I0001) only means something after resolution: run
    // it when asked, or when an argument has that form and names nothing else.
    let wants_individual = args
        .query
        .entity_args()
        .iter()
        .any(|t| Case::looks_like_individual(t) && case.find_id(t).is_none());
    // The case's recorded decisions (rejected pairs) hold for queries too.
    let resolve_config = casegraph::resolve::decisions::config_for_case(&common.case.case, &graph)?;
    if common.resolve || wants_individual {
        let r = casegraph::resolve::resolve(&graph, &resolve_config)?;
        case = case.with_resolution(r);
    }
    let format = common.format.format();
    let mut answer = args.query.answer(&case);
    // A name shared by several person records may be one individual: ask
    // the resolver once before calling it ambiguous.
    if matches!(answer, Err(QueryError::Ambiguous(_))) && case.resolution().is_none() {
        let r = casegraph::resolve::resolve(&graph, &resolve_config)?;
        case = case.with_resolution(r);
        answer = args.query.answer(&case);
    }
    match answer {
        Ok(Answer {
            doc,
            nothing: Some(sentence),
        }) => {
            if format == Format::Table {
                println!("{sentence}");
            } else {
                doc.print(format)?;
                super::output::note(&sentence);
            }
            Ok(1)
        }
        Ok(Answer { doc, nothing: None }) => {
            doc.print(format)?;
            Ok(0)
        }
        Err(QueryError::NotFound(msg) | QueryError::Ambiguous(msg)) => {
            super::output::note(&msg);
            Ok(1)
        }
        Err(QueryError::Malformed(msg)) => Err(usage(msg)),
    }
}

/// What a query prints, and when its answer is empty, the sentence that
/// says so instead of an empty table.
struct Answer {
    doc: Document,
    nothing: Option<String>,
}

impl Answer {
    /// `doc`, empty when `main` has no rows (then `sentence` says so).
    fn new(doc: Document, main_rows: usize, sentence: impl FnOnce() -> String) -> Answer {
        Answer {
            doc,
            nothing: (main_rows == 0).then(sentence),
        }
    }
}

/// `between 2026-03-01 00:00:00 and 2026-03-02 23:59:59`, or nothing for
/// the whole case: the end of a sentence about an empty answer.
fn within(range: &TimeRange) -> String {
    match (range.from, range.to) {
        (None, None) => String::new(),
        (Some(f), None) => format!(" from {}", show(f)),
        (None, Some(t)) => format!(" up to {}", show(t)),
        (Some(f), Some(t)) => format!(" between {} and {}", show(f), show(t)),
    }
}

fn range(case: &Case, w: &Window) -> Result<TimeRange, QueryError> {
    Ok(TimeRange::parse(
        &case.clock(),
        w.from.as_deref(),
        w.to.as_deref(),
    )?)
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
