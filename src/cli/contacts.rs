//! `casegraph contacts CASE`: the filtered contact graph as an edge list
//! (`source,target,weight`), and the graph options every analysis command
//! shares ([`ContactArgs`]): time window, call kind, minimum calls per pair,
//! hub handling and level. CASE may also be an edge-list CSV
//! (`source,target[,weight]`), which is analysed as given.

use super::output::{Cell, Document, Format, FormatArgs, Table};
use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::analysis::hubs::HubConfig;
use casegraph::analysis::{ContactConfig, ContactGraph, EventKinds, Hub};
use casegraph::model::{NodeKind, TimeRange};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindArg {
    Voice,
    Text,
    Both,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelArg {
    /// One node per phone number
    Phone,
    /// One node per resolved individual (needs entity resolution)
    Individual,
}

/// Which contacts make the graph.
#[derive(clap::Args, Debug, Clone)]
pub struct ContactArgs {
    #[command(flatten)]
    pub case: CaseArgs,
    /// Only calls at or after this time (2026-03-14, 2026-03-14 21:05 or 2026-03-14 21:05:33; an offset such as +08:00 or Z is moved onto the case's clock)
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only calls at or before this time (a date alone includes that whole day, a minute its 59th second)
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Keep a pair of phones only with at least N calls and texts between them
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_calls: u32,
    /// Which events count as contact
    #[arg(long, value_enum, default_value = "both")]
    pub kind: KindArg,
    /// Keep service numbers (hubs) in the graph instead of leaving them out
    #[arg(long)]
    pub keep_hubs: bool,
    /// Treat every phone with at least N distinct contacts as a hub
    #[arg(long, value_name = "N")]
    pub hub_degree: Option<u32>,
    /// Leave out the numbers listed in FILE (one per line, # comments)
    #[arg(long, value_name = "FILE")]
    pub exclude: Option<PathBuf>,
    /// Nodes of the graph
    #[arg(long, value_enum, default_value = "phone")]
    pub level: LevelArg,
    /// Print load and pass times to stderr
    #[arg(long)]
    pub timings: bool,
    /// List every hub left out, with its reason (by default only how many)
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// A contact graph ready for a pass.
pub struct Loaded {
    pub graph: ContactGraph,
    pub started: Instant,
    pub timings: bool,
    pub verbose: bool,
    /// Whether the graph was mapped from the snapshot instead of built.
    pub stored: bool,
    /// Whether phones were grouped into resolved individuals.
    pub individual_level: bool,
}

impl Loaded {
    /// The `node_kind` column: `individual` for a group of phones at
    /// individual level (`I0001`, or `H0001` for linked phones whose holder
    /// is unknown), else the node's kind.
    pub fn kind_text(&self, v: u32) -> &'static str {
        match self.graph.kind(v) {
            NodeKind::Person if self.individual_level => "individual",
            k => k.as_str(),
        }
    }

    /// Report how long loading took and how long `pass` took since.
    pub fn report_time(&self, pass: &str, pass_started: Instant) {
        if self.timings {
            eprintln!(
                "timings: load {:.3} s, {pass} {:.3} s ({})",
                (pass_started - self.started).as_secs_f64(),
                pass_started.elapsed().as_secs_f64(),
                if self.stored {
                    "contact graph mapped from the snapshot"
                } else {
                    "contact graph built"
                }
            );
        }
    }

    /// Tell the investigator about the hubs left out, on stderr: how many
    /// and where the list is, or (`--verbose`) every one with its reason.
    pub fn report_hubs(&self) {
        report_hubs(&self.graph.hubs, self.verbose);
    }
}

fn is_edge_list(path: &std::path::Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

impl ContactArgs {
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let started = Instant::now();
        let individual_level = self.level == LevelArg::Individual;
        if is_edge_list(&self.case.case) {
            return self.load_edge_list(started);
        }
        let case = self.case.open()?;
        let working = super::output::working("building the contact graph");
        let hubs = self.hubs_to_leave_out(&case)?;
        let config = match self.contact_config(&case, hubs) {
            Ok(c) => c,
            Err(e) => {
                working.finish_and_clear();
                return Err(e);
            }
        };
        let grouping = if individual_level {
            Some(self.individuals(&case)?)
        } else {
            None
        };
        // The default graph of a snapshot is stored in it: mapped, not built.
        let stored = grouping.is_none() && ContactGraph::is_kept(&case, &config);
        let graph = match &grouping {
            None => ContactGraph::from_case(&case, &config),
            Some(g) => ContactGraph::from_case_grouped(&case, &config, Some(g)),
        }
        .map_err(|e| usage(e.to_string()));
        working.finish_and_clear();
        let graph = graph?;
        Ok(Loaded {
            graph,
            started,
            timings: self.timings,
            verbose: self.verbose,
            stored,
            individual_level,
        })
    }

    /// An edge list given as the case: analysed as given, so the options
    /// that choose calls from a case are refused.
    fn load_edge_list(&self, started: Instant) -> anyhow::Result<Loaded> {
        let path = &self.case.case;
        if self.level == LevelArg::Individual {
            return Err(usage(format!(
                "--level individual: needs a case folder or snapshot to resolve, found an edge list {}",
                path.display()
            )));
        }
        let case_only = [
            ("--from", self.from.is_some()),
            ("--to", self.to.is_some()),
            ("--min-calls", self.min_calls != 1),
            ("--kind", self.kind != KindArg::Both),
            ("--hub-degree", self.hub_degree.is_some()),
            ("--exclude", self.exclude.is_some()),
        ];
        if let Some((flag, _)) = case_only.iter().find(|(_, set)| *set) {
            return Err(usage(format!(
                "{flag}: applies to a case folder or snapshot, found an edge list {}",
                path.display()
            )));
        }
        let f = std::fs::File::open(path)
            .with_context(|| format!("opening edge list {}", path.display()))?;
        let graph = ContactGraph::read_edge_list(
            std::io::BufReader::with_capacity(1 << 20, f),
            &path.display().to_string(),
            NodeKind::Phone,
        )?;
        Ok(Loaded {
            graph,
            started,
            timings: self.timings,
            verbose: self.verbose,
            stored: false,
            individual_level: false,
        })
    }

    /// The hub rule as the options set it: kept, a contact count that makes
    /// a hub, and the numbers of `--exclude` (those not in the case are
    /// named on stderr).
    fn hubs_to_leave_out(&self, case: &casegraph::graph::CaseGraph) -> anyhow::Result<HubConfig> {
        let mut hubs = HubConfig {
            keep: self.keep_hubs,
            min_degree: self.hub_degree,
            ..HubConfig::default()
        };
        if let Some(file) = &self.exclude {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading --exclude {}", file.display()))?;
            let numbers: Vec<String> = text
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            let (found, missing) = casegraph::analysis::hubs::resolve_numbers(case, &numbers);
            for m in missing {
                eprintln!(
                    "casegraph: note: {}: {m:?} is not a phone of this case",
                    file.display()
                );
            }
            hubs.exclude = found;
        }
        Ok(hubs)
    }

    /// Which calls make a contact: the time window, the kind of call and
    /// the fewest calls a pair needs.
    fn contact_config(
        &self,
        case: &casegraph::graph::CaseGraph,
        hubs: HubConfig,
    ) -> anyhow::Result<ContactConfig> {
        // The one window parser, on the case's own clock (as `query` reads it).
        let window = TimeRange::parse_on_case_clock(
            case.meta.utc_offset_s,
            self.from.as_deref(),
            self.to.as_deref(),
        )
        .map_err(|e| usage(e.to_string()))?;
        Ok(ContactConfig {
            from: window.from,
            to: window.to,
            min_events: self.min_calls,
            kinds: match self.kind {
                KindArg::Voice => EventKinds::Voice,
                KindArg::Text => EventKinds::Text,
                KindArg::Both => EventKinds::Both,
            },
            hubs,
        })
    }

    /// The case's phones grouped into resolved individuals, for
    /// `--level individual`.
    fn individuals(
        &self,
        case: &casegraph::graph::CaseGraph,
    ) -> anyhow::Result<casegraph::analysis::contact::Grouping> {
        // The case's recorded decisions (rejected pairs) hold here too.
        let config = casegraph::resolve::decisions::config_for_case(&self.case.case, case)?;
        let resolution = casegraph::resolve::resolve(case, &config)?;
        Ok(casegraph::analysis::contact::Grouping::from_resolution(
            &resolution,
            case,
        ))
    }
}

/// The hubs left out, on stderr: how many, and that `--verbose` lists
/// them; with `verbose`, one line per hub with its reason.
pub fn report_hubs(hubs: &[Hub], verbose: bool) {
    if verbose {
        for h in hubs {
            super::output::note(&format!("hub left out: {} ({})", h.phone, h.reason));
        }
    } else if !hubs.is_empty() {
        eprintln!(
            "casegraph: {} hub{} (service number{}) left out of the contact graph;\n  --verbose lists {} with the reasons, --format json holds the list, --keep-hubs keeps them",
            hubs.len(),
            if hubs.len() == 1 { "" } else { "s" },
            if hubs.len() == 1 { "" } else { "s" },
            if hubs.len() == 1 { "it" } else { "them" },
        );
    }
}

/// Print a command's result: `main` tables on stdout in every format;
/// `about` (key/value facts of the run, with the number of hubs left out)
/// goes beside them as a table in table and JSON format, and to stderr in
/// CSV format so that the CSV on stdout keeps its documented columns. The
/// list of hubs left out is a table of the JSON document, and of the
/// table view with `--verbose`; otherwise stderr says how many there are
/// ([`report_hubs`]).
pub fn emit(
    format: Format,
    main: Vec<Table>,
    mut about: Vec<(&str, Cell)>,
    loaded: &Loaded,
) -> anyhow::Result<()> {
    let hubs = &loaded.graph.hubs[..];
    about.push(("hubs_left_out", hubs.len().into()));
    let mut doc = Document::default();
    let mut about_t = Table::new("about", &["what", "value"]);
    for (k, v) in &about {
        about_t.push(vec![(*k).into(), v.clone()]);
    }
    let mut hubs_t = Table::new(
        "hubs_left_out",
        &[
            "phone",
            "contacts",
            "two_way_share",
            "one_off_share",
            "reason",
        ],
    );
    for h in hubs {
        hubs_t.push(vec![
            h.phone.as_str().into(),
            h.contacts.into(),
            h.reciprocity.into(),
            h.one_off_share.into(),
            h.reason.as_str().into(),
        ]);
    }
    if format == Format::Csv {
        for t in main {
            doc = doc.with(t);
        }
        doc.print(format)?;
        if !about.is_empty() {
            let facts: Vec<String> = about
                .iter()
                .map(|(k, v)| format!("{k}={}", v.text()))
                .collect();
            super::output::note(&facts.join(" "));
        }
        loaded.report_hubs();
        return Ok(());
    }
    if format == Format::Table {
        doc = doc.with(about_t);
        for t in main {
            doc = doc.with(t);
        }
    } else {
        for t in main {
            doc = doc.with(t);
        }
        doc = doc.with(about_t);
    }
    if format == Format::Json || (loaded.verbose && !hubs.is_empty()) {
        doc = doc.with(hubs_t);
    }
    doc.print(format)?;
    if format == Format::Table && !loaded.verbose {
        loaded.report_hubs();
    }
    Ok(())
}

/// The strongest members of a group, by degree then id: "a (12), b (9)".
/// The table of a partition (components, communities): on a terminal one
/// row per group with its size and best-connected members (the first
/// `top` groups), otherwise one row per member: `id,node_kind,node_id`.
pub fn group_table<'a>(
    loaded: &Loaded,
    (title, id): (&str, &str),
    n_groups: usize,
    members_of: impl Fn(u32) -> &'a [u32],
    top: usize,
    format: super::output::Format,
) -> super::output::Table {
    use super::output::{Format, Table};
    let g = &loaded.graph;
    if format == Format::Table {
        // Say how many there are when only the largest are shown.
        let name = if n_groups > top {
            format!("{title}: the {top} largest of {n_groups} (--top N shows more)")
        } else {
            format!("{title}: {n_groups}")
        };
        let mut t = Table::new(&name, &[id, "size", "best_connected_members"]);
        for k in (0..n_groups as u32).take(top) {
            let members = members_of(k);
            t.push(vec![
                k.into(),
                members.len().into(),
                top_members(g, members, 5).into(),
            ]);
        }
        t
    } else {
        let mut t = Table::new("members", &[id, "node_kind", "node_id"]);
        for k in 0..n_groups as u32 {
            for &v in members_of(k) {
                t.push(vec![
                    k.into(),
                    Cell::label(loaded.kind_text(v)),
                    g.name(v).into(),
                ]);
            }
        }
        t
    }
}

/// The `k` best-connected of `members`, as "name (degree)", then "…" when
/// there are more. Each member's degree is read once and only the `k` best are sorted:
/// O(n + k log k) for a group of n (a city-wide component has 10^5).
pub fn top_members(g: &ContactGraph, members: &[u32], k: usize) -> String {
    // Highest degree first, ties by the lower node: a total order, so the
    // selection is the same as a full sort's first k.
    let mut m: Vec<(std::cmp::Reverse<usize>, u32)> = members
        .iter()
        .map(|&v| (std::cmp::Reverse(g.degree(v)), v))
        .collect();
    if m.len() > k && k > 0 {
        m.select_nth_unstable(k - 1);
        m.truncate(k);
    }
    m.sort_unstable();
    let mut s: Vec<String> = m
        .iter()
        .take(k)
        .map(|&(d, v)| format!("{} ({})", g.name(v), d.0))
        .collect();
    if members.len() > k {
        s.push("…".into());
    }
    s.join(", ")
}

/// Weights are counts of calls for a case: written as integers when they are.
fn weight_text(w: f64) -> String {
    if w.fract() == 0.0 && w.abs() < 1e15 {
        format!("{}", w as i64)
    } else {
        format!("{w}")
    }
}

fn weight_cell(w: f64) -> Cell {
    if w.fract() == 0.0 && w.abs() < 1e15 {
        Cell::Int(w as i64)
    } else {
        Cell::Float(w)
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    contacts: ContactArgs,
    /// Write the edge list to FILE (atomically) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = args.contacts.load()?;
    let g = &loaded.graph;
    let columns = ["source", "target", "weight"];
    if let Some(out) = &args.out {
        super::output::write_csv_file(
            out,
            &columns,
            g.pairs().map(|(a, b, w)| {
                vec![g.name(a).to_string(), g.name(b).to_string(), weight_text(w)]
            }),
        )?;
        eprintln!(
            "casegraph: wrote {} pairs over {} {}s to {}",
            g.n_edges(),
            g.n_nodes(),
            NodeKind::Phone.as_str(),
            out.display()
        );
        loaded.report_hubs();
    } else {
        let mut t = Table::new("contacts", &columns);
        for (a, b, w) in g.pairs() {
            t.push(vec![g.name(a).into(), g.name(b).into(), weight_cell(w)]);
        }
        emit(
            args.format.format(),
            vec![t],
            vec![("nodes", g.n_nodes().into()), ("pairs", g.n_edges().into())],
            &loaded,
        )?;
    }
    Ok(if g.n_edges() == 0 { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A star around node 0, a triangle 1-2-3 on it, and a leaf on 4: the
    /// partial selection must give what a full sort by degree gives.
    #[test]
    fn top_members_are_the_best_connected_in_order() {
        let labels = (0..6).map(|i| (NodeKind::Phone, format!("p{i}"))).collect();
        let pairs = vec![
            (0, 1, 1.0),
            (0, 2, 1.0),
            (0, 3, 1.0),
            (0, 4, 1.0),
            (1, 2, 1.0),
            (2, 3, 1.0),
            (4, 5, 1.0),
        ];
        let g = ContactGraph::from_pairs(labels, pairs, Vec::new()).unwrap();
        let all: Vec<u32> = (0..6).collect();
        assert_eq!(top_members(&g, &all, 3), "p0 (4), p2 (3), p1 (2), …");
        assert_eq!(
            top_members(&g, &all, 6),
            "p0 (4), p2 (3), p1 (2), p3 (2), p4 (2), p5 (1)"
        );
        assert_eq!(top_members(&g, &[5, 4], 5), "p4 (2), p5 (1)");
        assert_eq!(top_members(&g, &all, 0), "…");
    }
}
