//! Speed of entity resolution on seeded synthetic person records: Chinese
//! names written in characters or pinyin (either order), PRC id numbers
//! with the occasional wrong digit, missing fields, shared addresses.
//! SMALL is 2,000 records, MEDIUM 20,000; the work should grow close to
//! linearly (blocking, not all pairs).
//!
//! Run: `cargo bench --bench resolve`. Print quality and timing once
//! without criterion: `cargo bench --bench resolve -- --quality`. Write
//! one synthetic case (with truth/individuals.csv) for
//! `benches/compare/resolve_quality.py --case DIR`:
//! `cargo bench --bench resolve -- --write-case DIR N_INDIVIDUALS`.

use casegraph::resolve::{quality, resolve, ResolveConfig};
use criterion::{criterion_group, Criterion};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::fmt::Write;
use std::path::Path;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "力", "峰", "晓", "红",
];
const CITIES: &[&str] = &[
    "北京市朝阳区",
    "上海市浦东新区",
    "广东省深圳市福田区",
    "浙江省杭州市西湖区",
];

fn check_char(first17: &str) -> char {
    casegraph::resolve::normalise::prc_check_char(first17).unwrap()
}

/// Write a case folder with `n_individuals` people, 1-3 records each;
/// returns the true individual of each record in file order.
pub fn synthetic_case(dir: &Path, n_individuals: usize, seed: u64) -> Vec<u32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut persons = String::from("person_id,name,aliases,id_number,dob,phones,address\n");
    let mut truth = Vec::new();
    let mut rid = 0;
    let mut records = Vec::new();
    for ind in 0..n_individuals {
        let surname = *SURNAMES.choose(&mut rng).unwrap();
        let n_given = rng.gen_range(1..=2);
        let given: String = (0..n_given)
            .map(|_| *GIVEN.choose(&mut rng).unwrap())
            .collect();
        let name = format!("{surname}{given}");
        let (y, m, d) = (
            rng.gen_range(1950..2005),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let first17 = format!(
            "{:06}{y:04}{m:02}{d:02}{:03}",
            rng.gen_range(110000..660000),
            rng.gen_range(0..1000)
        );
        let id = format!("{first17}{}", check_char(&first17));
        let dob = format!("{y:04}-{m:02}-{d:02}");
        let phone = format!(
            "1{}{:09}",
            rng.gen_range(30..90),
            rng.gen_range(0..1_000_000_000u64)
        );
        let address = format!(
            "{}{}路{}号",
            CITIES.choose(&mut rng).unwrap(),
            GIVEN.choose(&mut rng).unwrap(),
            rng.gen_range(1..300)
        );
        let n_records = *[1, 1, 2, 2, 3].choose(&mut rng).unwrap();
        for k in 0..n_records {
            let py = casegraph::resolve::normalise::normalise_name(&name);
            let shown_name = match (k, rng.gen_range(0..4)) {
                (0, _) | (_, 0) => name.clone(),
                (_, 1) => format!(
                    "{} {}",
                    py.tokens[0].to_uppercase(),
                    py.tokens[1..].join("")
                ),
                (_, 2) => format!("{} {}", py.tokens[1..].join(""), py.tokens[0]),
                _ => py.tokens.join(" "),
            };
            let mut id_shown = if rng.gen_bool(0.7) {
                id.clone()
            } else {
                String::new()
            };
            if k > 0 && !id_shown.is_empty() && rng.gen_bool(0.2) {
                let mut b = id_shown.into_bytes();
                let pos = rng.gen_range(6..17);
                b[pos] = b'0' + (b[pos] - b'0' + 1) % 10;
                id_shown = String::from_utf8(b).unwrap();
            }
            let dob_shown = if rng.gen_bool(0.6) { dob.as_str() } else { "" };
            let phone_shown = if rng.gen_bool(0.6) {
                phone.as_str()
            } else {
                ""
            };
            let addr_shown = if rng.gen_bool(0.5) {
                address.as_str()
            } else {
                ""
            };
            records.push((
                ind as u32,
                format!("{shown_name},,{id_shown},{dob_shown},{phone_shown},{addr_shown}"),
            ));
        }
    }
    records.shuffle(&mut rng);
    let mut truth_csv = String::from("person_id,individual_id\n");
    for (ind, row) in records {
        rid += 1;
        writeln!(persons, "P{rid:07},{row}").unwrap();
        writeln!(truth_csv, "P{rid:07},{ind}").unwrap();
        truth.push(ind);
    }
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    std::fs::create_dir_all(dir.join("truth")).unwrap();
    std::fs::write(dir.join("truth/individuals.csv"), truth_csv).unwrap();
    std::fs::write(
        dir.join("calls.csv"),
        "caller,callee,start\n13800138000,10086,2024-01-01 00:00:00\n",
    )
    .unwrap();
    truth
}

fn load(n_individuals: usize) -> (casegraph::CaseGraph, Vec<u32>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let truth = synthetic_case(dir.path(), n_individuals, 42);
    let graph =
        casegraph::open_case(dir.path(), &casegraph::ingest::IngestConfig::default()).unwrap();
    (graph, truth, dir)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("resolve");
    group.sample_size(10);
    for (label, n) in [("small", 1_000), ("medium", 10_000)] {
        let (graph, _, _dir) = load(n);
        group.bench_function(format!("{label}_{}_records", graph.persons.len()), |b| {
            b.iter(|| resolve(&graph, &ResolveConfig::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-case") {
        let dir = Path::new(&args[i + 1]);
        let n: usize = args[i + 2].parse().expect("number of individuals");
        std::fs::create_dir_all(dir).unwrap();
        let truth = synthetic_case(dir, n, 42);
        println!("{}: {} records", dir.display(), truth.len());
        return;
    }
    if args.iter().any(|a| a == "--quality") {
        for n in [1_000, 10_000, 50_000] {
            let (graph, truth, _dir) = load(n);
            let t = std::time::Instant::now();
            let res = resolve(&graph, &ResolveConfig::default()).unwrap();
            let secs = t.elapsed().as_secs_f64();
            let q = quality(&res.individual_of_person, &truth);
            println!(
                "{} records: {:.2}s, {} pairs compared, pairwise P {:.4} R {:.4} F1 {:.4}, B-cubed F1 {:.4}",
                graph.persons.len(),
                secs,
                res.blocking.n_candidate_pairs,
                q.pairwise_precision,
                q.pairwise_recall,
                q.pairwise_f1,
                q.bcubed_f1
            );
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
