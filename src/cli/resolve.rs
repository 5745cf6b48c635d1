//! `casegraph resolve CASE`: persons.csv records and phones resolved into
//! individuals, each merge explained; `--explain ID` for one individual,
//! `--reject-pair`/`--reject-file` to keep records apart, `--truth` to
//! measure against a known answer; `--review` lists the pairs the model is
//! least sure of and `--decide A B same|different` records the analyst's
//! decision in the case's decisions file, honoured by every later run.

use super::output::{Cell, Document, FormatArgs, Table};
use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::graph::{CaseGraph, NONE};
use casegraph::model::time::show_date;
use casegraph::resolve::decisions::{review_queue, Decisions, Verdict};
use casegraph::resolve::explain::{explain_individual, record_evidence, record_name, Explanation};
use casegraph::resolve::{self, Resolution, ResolveConfig, FIELDS};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    case: CaseArgs,
    /// Print the evidence behind one individual (e.g. I0003)
    #[arg(long, value_name = "ID")]
    explain: Option<String>,
    /// Keep these two person_ids apart (repeatable)
    #[arg(long, num_args = 2, value_names = ["A", "B"], action = clap::ArgAction::Append)]
    reject_pair: Vec<String>,
    /// CSV of person_id pairs to keep apart (two columns; a header row is allowed)
    #[arg(long, value_name = "FILE")]
    reject_file: Option<PathBuf>,
    /// Record the rejected pairs as a decision of the case (in decisions.csv
    /// in the case folder, or NAME.decisions.csv beside a snapshot), so that
    /// every command that resolves honours them from now on
    #[arg(long)]
    remember: bool,
    /// Also print the phones of each individual and the conflicting evidence
    #[arg(long)]
    phones: bool,
    /// Also print the estimated model: m, u and weight per field level
    #[arg(long)]
    model: bool,
    /// Match weight (log2 odds) at or above which records are one individual
    #[arg(long, default_value_t = ResolveConfig::DEFAULT_THRESHOLD, allow_negative_numbers = true)]
    threshold: f64,
    /// Also skip blocks with more records than this (by default the limit
    /// follows the case: see `--model`'s blocking table)
    #[arg(long, value_name = "N")]
    max_block: Option<usize>,
    /// List the N compared pairs the model is least sure of (match weight
    /// nearest the threshold), undecided ones only, fields side by side
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "20")]
    review: Option<usize>,
    /// Record a decision on two person_ids, `same` or `different`, in the
    /// decisions file (repeatable); the run then honours it
    #[arg(long, num_args = 3, value_names = ["A", "B", "VERDICT"], action = clap::ArgAction::Append)]
    decide: Vec<String>,
    /// The analyst's note saved with the decisions of --decide
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
    /// The case's decisions file [default: CASE/decisions.csv, or
    /// SNAPSHOT.decisions.csv beside a snapshot]
    #[arg(long, value_name = "FILE")]
    decisions: Option<PathBuf>,
    /// Measure against a known answer: CSV with person_id,individual_id
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
    /// Print how long reading the case, resolving (and each of its steps)
    /// and writing the output took (to stderr)
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    format: FormatArgs,
}

/// Resolve the case with the pairs kept apart and the analyst's decisions,
/// then print what was asked: the quality against `--truth`, the review
/// queue, one individual explained, or every individual.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let t0 = Instant::now();
    let graph = args.case.open()?;
    let t_load = t0.elapsed();
    let rejected = pairs_kept_apart(&args, &graph)?;
    let decisions = record_decisions(&args, &graph)?;
    let mut config = ResolveConfig {
        threshold: args.threshold,
        blocks: resolve::BlockLimits {
            ceiling: args.max_block.map(|m| m.max(2)),
            ..resolve::BlockLimits::default()
        },
        rejected,
        ..ResolveConfig::default()
    };
    config.apply(&decisions);
    let working = super::output::working("resolving person records");
    let res = resolve::resolve(&graph, &config).map_err(|e| usage(e.to_string()));
    working.finish_and_clear();
    let res = res?;
    let t_resolve = t0.elapsed() - t_load;
    let format = args.format.format();

    if let Some(path) = &args.truth {
        let truth = read_truth(path, &graph)?;
        let q = resolve::quality(&res.individual_of_person, &truth);
        Document::default().with(quality_table(&q)).print(format)?;
        return Ok(0);
    }

    if let Some(n) = args.review {
        review_table(&graph, &res, n).print(format)?;
        return Ok(0);
    }

    if let Some(label) = &args.explain {
        return explain_label(&graph, &res, label, format);
    }

    let mut doc = Document::default().with(persons_table(&graph, &res));
    if args.phones {
        doc = doc
            .with(phones_table(&graph, &res))
            .with(conflicts_table(&graph, &res));
    }
    if args.model {
        doc = doc.with(model_table(&res)).with(blocking_table(&res));
    }
    doc.print(format)?;
    if args.timings {
        let steps: Vec<String> = res
            .timings
            .iter()
            .map(|(step, s)| format!("{step} {s:.3}"))
            .collect();
        eprintln!(
            "timings: load {:.3} s, resolve {:.3} s ({}), output {:.3} s",
            t_load.as_secs_f64(),
            t_resolve.as_secs_f64(),
            steps.join(", "),
            (t0.elapsed() - t_load - t_resolve).as_secs_f64()
        );
    }
    Ok(0)
}

/// The pairs of records to keep apart in this run (`--reject-pair`,
/// `--reject-file`), recorded in the case's decisions file with
/// `--remember`.
fn pairs_kept_apart(args: &Args, graph: &CaseGraph) -> anyhow::Result<Vec<(String, String)>> {
    let mut rejected: Vec<(String, String)> = args
        .reject_pair
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    if let Some(path) = &args.reject_file {
        rejected
            .extend(resolve::decisions::read_pairs(path, graph).map_err(|e| usage(e.to_string()))?);
    }
    if args.remember && !rejected.is_empty() {
        let path = resolve::decisions::record(&args.case.case, graph, &rejected)?;
        eprintln!(
            "casegraph: {} pair(s) recorded in {}: every command that resolves this case keeps them apart",
            rejected.len(),
            path.display()
        );
    }
    Ok(rejected)
}

/// The case's decisions file, with the analyst's `--decide` verdicts
/// checked (known person_ids, same or different) and saved into it.
fn record_decisions(args: &Args, graph: &CaseGraph) -> anyhow::Result<Decisions> {
    let decisions_path = args
        .decisions
        .clone()
        .unwrap_or_else(|| Decisions::default_path(&args.case.case));
    let mut decisions = Decisions::load(&decisions_path).map_err(|e| usage(e.to_string()))?;
    if args.decide.is_empty() {
        return Ok(decisions);
    }
    let known: std::collections::HashSet<&str> = graph
        .persons
        .iter()
        .map(|p| graph.str(p.person_id))
        .collect();
    for d in args.decide.chunks(3) {
        let verdict = Verdict::parse(&d[2]).ok_or_else(|| {
            usage(format!(
                "--decide {} {} {}: expected same or different, found {:?}",
                d[0], d[1], d[2], d[2]
            ))
        })?;
        for id in &d[..2] {
            if !known.contains(id.trim()) {
                return Err(usage(format!(
                    "--decide: expected a person_id of persons.csv, found {id:?}"
                )));
            }
        }
        decisions.record(&d[0], &d[1], verdict, &args.note);
    }
    decisions
        .save(&decisions_path)
        .with_context(|| format!("writing the decisions file {}", decisions_path.display()))?;
    eprintln!(
        "casegraph: {} decision(s) recorded in {} ({} in all)",
        args.decide.len() / 3,
        decisions_path.display(),
        decisions.list.len()
    );
    Ok(decisions)
}

/// `--truth`: how well the resolution matches the known answer.
fn quality_table(q: &resolve::Quality) -> Table {
    let mut t = Table::new(
        "quality",
        &[
            "records",
            "true_pairs",
            "predicted_pairs",
            "correct_pairs",
            "pairwise_precision",
            "pairwise_recall",
            "pairwise_f1",
            "bcubed_precision",
            "bcubed_recall",
            "bcubed_f1",
        ],
    );
    t.push(vec![
        q.n_records.into(),
        q.true_pairs.into(),
        q.predicted_pairs.into(),
        q.correct_pairs.into(),
        round(q.pairwise_precision),
        round(q.pairwise_recall),
        round(q.pairwise_f1),
        round(q.bcubed_precision),
        round(q.bcubed_recall),
        round(q.bcubed_f1),
    ]);
    t
}

/// `--explain LABEL`: a holder group's phones and the links that tie
/// them, or an individual's evidence; exit status 1 for an unknown label.
fn explain_label(
    graph: &CaseGraph,
    res: &Resolution,
    label: &str,
    format: super::output::Format,
) -> anyhow::Result<u8> {
    if let Some(h) = res.find_holder(label) {
        // A holder group: its phones and the links that tie them.
        let mut t = phones_table(graph, res);
        let id = resolve::holder_label(h);
        t.rows.retain(|r| r[1] == Cell::from(id.as_str()));
        Document::default().with(t).print(format)?;
        return Ok(0);
    }
    let Some(ind) = res.find_individual(label) else {
        eprintln!(
            "casegraph: --explain: expected an individual id (I and its first record's number, such as {}) or a holder group (H0001 to {}), found {label:?}",
            res.labels.first().map(String::as_str).unwrap_or("I0001"),
            resolve::holder_label(res.phones.n_holders.saturating_sub(1))
        );
        return Ok(1);
    };
    explain(graph, res, ind).print(format)?;
    Ok(0)
}

fn round(v: f64) -> Cell {
    ((v * 1e4).round() / 1e4).into()
}

fn persons_table(graph: &CaseGraph, res: &Resolution) -> Table {
    let mut t = Table::new(
        "persons",
        &["person_id", "individual_id", "score", "evidence"],
    );
    for (p, person) in graph.persons.iter().enumerate() {
        t.push(vec![
            graph.str(person.person_id).into(),
            res.labels[res.individual_of_person[p] as usize]
                .as_str()
                .into(),
            round(res.record_score[p]),
            record_evidence(graph, res, p as u32).into(),
        ]);
    }
    t
}

fn phones_table(graph: &CaseGraph, res: &Resolution) -> Table {
    let mut t = Table::new("phones", &["phone", "individual_id", "score", "evidence"]);
    let mut rows: Vec<(u32, u32, f64, String)> = res
        .phones
        .attachments
        .iter()
        .map(|a| (a.individual, a.phone, a.score, a.evidence.clone()))
        .collect();
    rows.sort_by_key(|r| (r.0, r.1));
    for (ind, phone, score, evidence) in rows {
        t.push(vec![
            graph.phone_number(phone).into(),
            res.labels[ind as usize].as_str().into(),
            round(score),
            evidence.into(),
        ]);
    }
    // Phones with no individual but a holder group.
    for (phone, &h) in res.phones.holder_of_phone.iter().enumerate() {
        if h != NONE {
            let links: Vec<String> = res
                .phones
                .links
                .iter()
                .filter(|l| {
                    (l.a == phone as u32 || l.b == phone as u32)
                        && l.score >= resolve::phones::STRONG
                })
                .map(|l| {
                    let other = if l.a == phone as u32 { l.b } else { l.a };
                    format!(
                        "{} with {} ({:.2}, {})",
                        l.kind.as_str(),
                        graph.phone_number(other),
                        l.score,
                        l.detail
                    )
                })
                .collect();
            t.push(vec![
                graph.phone_number(phone as u32).into(),
                resolve::holder_label(h).into(),
                Cell::Empty,
                format!("unknown holder: {}", links.join("; ")).into(),
            ]);
        }
    }
    t
}

fn conflicts_table(graph: &CaseGraph, res: &Resolution) -> Table {
    let mut t = Table::new("conflicts", &["phone", "individuals", "detail"]);
    for c in &res.phones.conflicts {
        t.push(vec![
            if c.phone == NONE {
                Cell::Empty
            } else {
                graph.phone_number(c.phone).into()
            },
            c.individuals
                .iter()
                .map(|&i| res.labels[i as usize].clone())
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            c.detail.as_str().into(),
        ]);
    }
    t
}

fn model_table(res: &Resolution) -> Table {
    let mut t = Table::new("model", &["field", "level", "m", "u", "weight"]);
    for (f, field) in FIELDS.iter().enumerate() {
        for (l, level) in field.levels().iter().enumerate() {
            t.push(vec![
                field.as_str().into(),
                (*level).into(),
                res.model.m[f][l].into(),
                res.model.u[f][l].into(),
                round(res.model.weight(f, l as u8)),
            ]);
        }
    }
    t.push(vec![
        "prior".into(),
        format!(
            "{} EM iterations{}",
            res.model.iterations,
            if res.model.converged {
                ""
            } else {
                " (not converged)"
            }
        )
        .into(),
        res.model.prior.into(),
        Cell::Empty,
        round(res.model.prior_weight()),
    ]);
    t
}

fn blocking_table(res: &Resolution) -> Table {
    let b = &res.blocking;
    let mut t = Table::new(
        "blocking",
        &[
            "key",
            "blocks",
            "skipped_as_too_large",
            "records_in_skipped",
            "pairs",
        ],
    );
    for k in &b.per_key {
        t.push(vec![
            k.kind.as_str().into(),
            k.blocks.into(),
            k.skipped.into(),
            k.skipped_records.into(),
            k.pairs.into(),
        ]);
    }
    t.push(vec![
        "distinct pairs compared".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        b.n_candidate_pairs.into(),
    ]);
    t.push(vec![
        format!(
            "block limit {} records (median shared block {})",
            b.max_block, b.median_block
        )
        .into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ]);
    t
}

/// An address read as a place, part by part (`road 解放北路; number 176;
/// building 2; room 1102`), or empty when it does not parse.
fn place_text(address: &str) -> String {
    let Some(p) = resolve::address::parse_place(address) else {
        return String::new();
    };
    let admin: Vec<&str> = p.admin.iter().map(|(_, n)| n.as_str()).collect();
    [
        ("admin", admin.join(" ")),
        ("road", p.road),
        ("number", p.number),
        ("building", p.building),
        ("unit", p.unit),
        ("room", p.room),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k} {v}"))
    .collect::<Vec<_>>()
    .join("; ")
}

/// One field of a record as written, for the review queue.
fn field_text(graph: &CaseGraph, person: u32, field: resolve::Field) -> String {
    let r = &graph.persons[person as usize];
    let list = |l| {
        graph
            .list(l)
            .iter()
            .map(|&s| graph.str(casegraph::graph::Sym(s)))
            .collect::<Vec<_>>()
            .join(";")
    };
    match field {
        resolve::Field::Name => graph.str(r.name).to_string(),
        resolve::Field::Alias => list(r.aliases),
        resolve::Field::IdNumber => graph.str(r.id_number).to_string(),
        resolve::Field::Dob => show_date(r.dob),
        resolve::Field::Phone => graph
            .list(r.phones)
            .iter()
            .map(|&ph| graph.phone_number(ph))
            .collect::<Vec<_>>()
            .join(";"),
        resolve::Field::Address => graph.str(r.address).to_string(),
    }
}

/// The pairs nearest the threshold, each field as the two records write
/// it, its agreement level and weight.
fn review_table(graph: &CaseGraph, res: &Resolution, n: usize) -> Document {
    let decided: rustc_hash::FxHashSet<(u32, u32)> =
        res.decided.iter().map(|&(a, b, _)| (a, b)).collect();
    let mut cols = vec!["record_a", "record_b", "weight", "probability", "now"];
    cols.extend(FIELDS.iter().map(|f| f.as_str()));
    let mut t = Table::new("review", &cols);
    for pair in review_queue(res, n, &decided) {
        let same =
            res.individual_of_person[pair.a as usize] == res.individual_of_person[pair.b as usize];
        let mut row: Vec<Cell> = vec![
            record_name(graph, pair.a).into(),
            record_name(graph, pair.b).into(),
            round(pair.score.total),
            round(pair.score.probability()),
            if same {
                format!(
                    "same individual {}",
                    res.labels[res.individual_of_person[pair.a as usize] as usize]
                )
            } else {
                "apart".to_string()
            }
            .into(),
        ];
        for (f, field) in FIELDS.iter().enumerate() {
            let level = pair.score.pattern[f];
            let verdict = if level == resolve::score::NULL {
                "not compared".to_string()
            } else {
                format!(
                    "{} {:+.2}",
                    field.levels()[level as usize],
                    pair.score.weights[f]
                )
            };
            row.push(
                format!(
                    "{} | {} ({verdict})",
                    field_text(graph, pair.a, *field),
                    field_text(graph, pair.b, *field)
                )
                .into(),
            );
        }
        t.push(row);
    }
    Document::default().with(t)
}

/// Everything behind one individual: its records, the evidence that joined
/// them (and refused links leaving it), its phones and the conflicts.
fn explain(graph: &CaseGraph, res: &Resolution, ind: u32) -> Document {
    let e = explain_individual(graph, res, ind);
    Document::default()
        .with(records_table(graph, &e))
        .with(evidence_table(graph, &e))
        .with(explained_phones_table(graph, &e))
        .with(explained_conflicts_table(graph, res, &e))
}

/// The individual's person records, each with its persons.csv line and
/// whether its id number is a valid one.
fn records_table(graph: &CaseGraph, e: &Explanation) -> Table {
    let mut records = Table::new(
        &format!("records of {}", e.label),
        &[
            "person_id",
            "source_line",
            "name",
            "aliases",
            "id_number",
            "id_check",
            "dob",
            "phones",
            "address",
            "address_as_place",
            "source",
        ],
    );
    for &p in &e.records {
        let r = &graph.persons[p as usize];
        let id = graph.str(r.id_number);
        let norm = resolve::normalise::normalise_id_number(id);
        let check = if id.is_empty() {
            ""
        } else if resolve::normalise::is_valid_prc_id(&norm) {
            "valid"
        } else {
            "invalid"
        };
        records.push(vec![
            graph.str(r.person_id).into(),
            format!("persons.csv:{}", r.line).into(),
            graph.str(r.name).into(),
            graph
                .list(r.aliases)
                .iter()
                .map(|&s| graph.str(casegraph::graph::Sym(s)))
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            id.into(),
            check.into(),
            show_date(r.dob).into(),
            graph
                .list(r.phones)
                .iter()
                .map(|&ph| graph.phone_number(ph))
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            graph.str(r.address).into(),
            place_text(graph.str(r.address)).into(),
            graph.str(r.source).into(),
        ]);
    }
    records
}

/// The compared pairs inside the individual and the refused links leaving
/// it: weight, probability, outcome, and each field's agreement level and
/// weight.
fn evidence_table(graph: &CaseGraph, e: &Explanation) -> Table {
    let mut cols = vec!["record_a", "record_b", "weight", "probability", "outcome"];
    cols.extend(FIELDS.iter().map(|f| f.as_str()));
    let mut links = Table::new("evidence", &cols);
    for l in &e.links {
        let mut row: Vec<Cell> = vec![
            record_name(graph, l.a).into(),
            record_name(graph, l.b).into(),
            round(l.weight),
            round(l.probability),
            l.outcome.as_str().into(),
        ];
        for f in FIELDS {
            let term = l.terms.iter().find(|t| t.field == f);
            row.push(match term {
                Some(t) if t.level != "not_compared" => {
                    format!("{} {:+.2}", t.level, t.weight).into()
                }
                _ => "not compared".into(),
            });
        }
        links.push(row);
    }
    links
}

/// The individual's phones, each with its score and evidence.
fn explained_phones_table(graph: &CaseGraph, e: &Explanation) -> Table {
    let mut phones = Table::new("phones", &["phone", "score", "evidence"]);
    for a in &e.phones {
        phones.push(vec![
            graph.phone_number(a.phone).into(),
            round(a.score),
            a.evidence.as_str().into(),
        ]);
    }
    phones
}

/// The conflicting evidence: a phone that several individuals claim, or
/// two individuals' phones linked to each other.
fn explained_conflicts_table(graph: &CaseGraph, res: &Resolution, e: &Explanation) -> Table {
    let mut conflicts = Table::new("conflicts", &["phone", "individuals", "detail"]);
    for c in &e.conflicts {
        conflicts.push(vec![
            if c.phone == NONE {
                Cell::Empty
            } else {
                graph.phone_number(c.phone).into()
            },
            c.individuals
                .iter()
                .map(|&i| res.labels[i as usize].clone())
                .collect::<Vec<_>>()
                .join(";")
                .into(),
            c.detail.as_str().into(),
        ]);
    }
    conflicts
}

/// The known answer: an individual label per person record.
fn read_truth(path: &Path, graph: &CaseGraph) -> anyhow::Result<Vec<u32>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("{}: cannot read the truth file", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            usage(format!(
                "{}:1: expected a column {name:?}, found {:?}",
                path.display(),
                headers.iter().collect::<Vec<_>>()
            ))
        })
    };
    let (pc, ic) = (col("person_id")?, col("individual_id")?);
    let mut label: std::collections::HashMap<String, String> = Default::default();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{}:{}", path.display(), i + 2))?;
        label.insert(
            row.get(pc).unwrap_or("").to_string(),
            row.get(ic).unwrap_or("").to_string(),
        );
    }
    let mut ids: std::collections::HashMap<String, u32> = Default::default();
    let mut out = Vec::with_capacity(graph.persons.len());
    for p in &graph.persons {
        let pid = graph.str(p.person_id);
        let Some(l) = label.get(pid) else {
            return Err(usage(format!(
                "{}: expected a row for person_id {pid:?}, found none",
                path.display()
            )));
        };
        let next = ids.len() as u32;
        out.push(*ids.entry(l.clone()).or_insert(next));
    }
    Ok(out)
}
