//! Blocking: which record pairs are worth comparing at all.
//!
//! Comparing every pair of records grows with the square of their number;
//! instead each record gets a handful of blocking keys and only records
//! sharing a key are compared. The keys, each aimed at one way the same
//! individual's records differ:
//!
//! | key | catches |
//! |---|---|
//! | `id`: normalised id number | the same number written differently |
//! | `id~i`: id number with characters i and i+1 masked | one wrong digit, or two neighbours swapped |
//! | `name`: the name's reading, family name first and run together, for each plausible family name (`zhangwei`: 张伟, Zhang Wei, ZHANG Wei and "Wei Zhang" all have it) | characters against pinyin, name order, case and spacing |
//! | `phone`: a claimed phone | records that share nothing but a number |
//! | `handset`: a handset a claimed phone was seen in | one person's different SIMs |
//! | `dob+part`: date of birth (stated or read from a valid id number) with one part of the name's reading (`zhang`, `ziwei`) | a name misspelt in its other part, with no id |
//! | `dob+initials`: date of birth with the initials of the name's reading, per plausible order (`zz`) | a name misspelt in both parts but not in their first letters |
//! | `address`: a place's road and house number (see [`super::address`]), else the normalised address | one building written in full and abbreviated |
//! | `subscriber`: the id numbers a record's phones are registered to, and its own id number | a record whose phone is registered to another record's id number |
//!
//! A misspelt name has no name key of its own: agreeing on a name alone
//! never reaches the threshold (the prior's weight, about −17 on the
//! generated cases, outweighs any name's), so such a pair only merges when
//! another field agrees too, and those fields have keys. Aliases get no
//! key: most are nicknames built from a family name (老王, Lao Wang) that
//! many people share. Measured on the generated medium cases, the earlier
//! family-name-and-initial key (`zhang|w`) made 85% of all candidate
//! pairs, nearly all of them different people, and skewed EM towards
//! them: the reading key keeps FEBRL's recall, compares about a third as
//! many pairs and raised medium F1 from 0.981 to 0.984.
//!
//! The date of birth is never a key on its own: a city's population shares
//! each date with hundreds of others, so a date-of-birth block grows with
//! the population and its pairs with the square of it (on the generated
//! large case, 1M records, the lone date made 8.08M of the 16.0M pairs,
//! nearly all of them strangers). Joined with a part of the name, a block
//! holds the records that could plausibly be one person.
//!
//! # Too large a block
//! A block far larger than the case's usual block (a very common name, a
//! shared office address) would bring back quadratic work and says little:
//! it is skipped and counted, and its records are still compared through
//! their other keys. "Far larger" is relative to the case itself, see
//! [`BlockLimits`]: more than `ratio_to_median` times the median size of
//! the case's shared blocks (all kinds of key together), and never so
//! large that the kept blocks make more than `pairs_per_record` pairs per
//! record (the largest blocks go first). An explicit ceiling, when given,
//! applies too. [`BlockingStats`] reports the median, the limit and the
//! blocks skipped per kind of key.
//!
//! # Complexity
//! O(n k log(n k)) to sort n records' k keys, plus O(Σ b²) over kept
//! blocks of size b, which the pair budget bounds by
//! `pairs_per_record · n`: linear in the records, whatever the case.

use super::score::Record;
use crate::model::NO_TIME;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

/// The kinds of blocking key, in output order.
pub const KEY_KINDS: [&str; 9] = [
    "id",
    "id~i",
    "name",
    "phone",
    "handset",
    "dob+part",
    "dob+initials",
    "address",
    "subscriber",
];

/// How large a block may be before it is skipped, relative to the case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockLimits {
    /// A block of more than this many times the median size of the case's
    /// shared blocks (blocks of at least two records, every kind of key
    /// together) is skipped.
    pub ratio_to_median: f64,
    /// The kept blocks make at most this many pairs per record: if they
    /// would make more, the largest are skipped (all blocks of one size
    /// together) until they do not.
    pub pairs_per_record: f64,
    /// An explicit ceiling on a kept block's size (`--max-block`), if any.
    pub ceiling: Option<usize>,
}

impl BlockLimits {
    pub const DEFAULT_RATIO_TO_MEDIAN: f64 = 50.0;
    pub const DEFAULT_PAIRS_PER_RECORD: f64 = 50.0;
}

impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits {
            ratio_to_median: Self::DEFAULT_RATIO_TO_MEDIAN,
            pairs_per_record: Self::DEFAULT_PAIRS_PER_RECORD,
            ceiling: None,
        }
    }
}

/// What one kind of key produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KeyStats {
    /// The kind of key (see [`KEY_KINDS`]).
    pub kind: String,
    /// Blocks of at least two records that were kept.
    pub blocks: u64,
    /// Blocks skipped as too large.
    pub skipped: u64,
    /// Records in the skipped blocks (counted once per block).
    pub skipped_records: u64,
    /// Pairs made by the kept blocks (before pairs shared between keys are merged).
    pub pairs: u64,
}

/// How many blocks and pairs each kind of key produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BlockingStats {
    /// Per key kind, in [`KEY_KINDS`] order.
    pub per_key: Vec<KeyStats>,
    /// Median size of the shared blocks (at least two records), all kinds.
    pub median_block: u64,
    /// The largest block size kept: larger blocks were skipped.
    pub max_block: u64,
    /// Distinct pairs compared.
    pub n_candidate_pairs: u64,
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and distinct.
pub fn candidate_pairs(
    records: &[Record],
    limits: &BlockLimits,
) -> (Vec<(u32, u32)>, BlockingStats) {
    let mut keys: Vec<(u8, u64, u32)> = records
        .par_iter()
        .enumerate()
        .flat_map_iter(|(r, rec)| record_keys(r as u32, rec))
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    // Every shared block, as (start, end) in `keys`.
    let mut shared: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < keys.len() {
        let (kind, hash, _) = keys[start];
        let mut end = start + 1;
        while end < keys.len() && keys[end].0 == kind && keys[end].1 == hash {
            end += 1;
        }
        if end - start >= 2 {
            shared.push((start, end));
        }
        start = end;
    }
    let sizes: Vec<usize> = shared.iter().map(|&(s, e)| e - s).collect();
    let (median, limit) = block_limit(&sizes, records.len(), limits);
    let mut stats = BlockingStats {
        per_key: KEY_KINDS
            .iter()
            .map(|k| KeyStats {
                kind: k.to_string(),
                ..KeyStats::default()
            })
            .collect(),
        median_block: median as u64,
        max_block: limit as u64,
        n_candidate_pairs: 0,
    };
    let mut blocks: Vec<(usize, usize)> = Vec::with_capacity(shared.len());
    for &(start, end) in &shared {
        let size = end - start;
        let s = &mut stats.per_key[keys[start].0 as usize];
        if size > limit {
            s.skipped += 1;
            s.skipped_records += size as u64;
        } else {
            s.blocks += 1;
            s.pairs += (size * (size - 1) / 2) as u64;
            blocks.push((start, end));
        }
    }
    let mut pairs: Vec<(u32, u32)> = blocks
        .par_iter()
        .flat_map_iter(|&(start, end)| {
            let block = &keys[start..end];
            block
                .iter()
                .enumerate()
                .flat_map(move |(i, x)| block[i + 1..].iter().map(move |y| (x.2, y.2)))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    stats.n_candidate_pairs = pairs.len() as u64;
    (pairs, stats)
}

/// The median of the shared blocks' `sizes` and the largest size kept
/// (see [`BlockLimits`]), for a case of `n` records.
fn block_limit(sizes: &[usize], n: usize, limits: &BlockLimits) -> (usize, usize) {
    if sizes.is_empty() {
        return (0, 0);
    }
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let median = sorted[(sorted.len() - 1) / 2];
    let mut limit = ((limits.ratio_to_median * median as f64).floor() as usize).max(2);
    if let Some(c) = limits.ceiling {
        limit = limit.min(c.max(2));
    }
    // The pair budget: walk the sizes up from the smallest and stop before
    // the first size whose blocks would overrun it.
    let budget = limits.pairs_per_record * n as f64;
    let mut total = 0.0;
    let mut i = 0;
    while i < sorted.len() && sorted[i] <= limit {
        let size = sorted[i];
        let mut j = i;
        while j < sorted.len() && sorted[j] == size {
            j += 1;
        }
        total += (j - i) as f64 * (size * (size - 1) / 2) as f64;
        if total > budget {
            limit = sorted[..i].last().copied().unwrap_or(1);
            break;
        }
        i = j;
    }
    (median, limit)
}

/// The blocking keys of record `r`: (kind, hash of the key, r).
fn record_keys(r: u32, rec: &Record) -> Vec<(u8, u64, u32)> {
    let mut keys = Vec::with_capacity(32);
    let mut push = |kind: u8, key: &[u8]| keys.push((kind, xxh3_64(key), r));
    if !rec.id_number.is_empty() {
        push(0, rec.id_number.as_bytes());
        let b = rec.id_number.as_bytes();
        if b.len() >= 6 && rec.id_number.is_ascii() {
            let mut masked = b.to_vec();
            for i in 0..b.len() - 1 {
                masked[i] = b'_';
                masked[i + 1] = b'_';
                push(1, &masked);
                masked[i] = b[i];
                masked[i + 1] = b[i + 1];
            }
        }
    }
    for o in &rec.name_orderings {
        push(2, o.as_bytes());
    }
    for p in &rec.phones {
        push(3, &p.to_le_bytes());
    }
    for h in &rec.handsets {
        push(4, &h.to_le_bytes());
    }
    let dob = if rec.dob != NO_TIME {
        rec.dob
    } else {
        rec.id_dob
    };
    if dob != NO_TIME && !rec.name.is_empty() {
        let mut key: Vec<u8> = Vec::with_capacity(32);
        for part in &rec.name.tokens {
            key.clear();
            key.extend_from_slice(&dob.to_le_bytes());
            key.extend_from_slice(part.as_bytes());
            push(5, &key);
        }
        for initials in name_initials(&rec.name) {
            key.clear();
            key.extend_from_slice(&dob.to_le_bytes());
            key.extend_from_slice(initials.as_bytes());
            push(6, &key);
        }
    }
    // An address read as a place is keyed by its road and number, so that
    // the full and the abbreviated forms of one building meet.
    match &rec.place {
        Some(place) => push(7, place.block_key().as_bytes()),
        None if !rec.address.is_empty() => push(7, rec.address.as_bytes()),
        None => {}
    }
    if !rec.phone_subscribers.is_empty() {
        for s in &rec.phone_subscribers {
            push(8, s.as_bytes());
        }
    }
    if !rec.id_number.is_empty() {
        push(8, rec.id_number.as_bytes());
    }
    keys
}

/// The first letters of a name's reading, family name first, for each
/// plausible family name (as [`super::normalise::NameForm::orderings`]):
/// `Wei Zhang` gives `wz` and `zw`, 张子伟 gives `zz`.
fn name_initials(name: &super::normalise::NameForm) -> Vec<String> {
    let t = &name.tokens;
    let initials = |family: usize| -> String {
        let mut s = String::new();
        s.extend(t[family].chars().next());
        for (i, tok) in t.iter().enumerate() {
            if i != family {
                s.extend(tok.chars().next());
            }
        }
        s
    };
    if t.is_empty() {
        return Vec::new();
    }
    let mut v = vec![initials(name.family.unwrap_or(0))];
    if name.family.is_none() && t.len() > 1 {
        let last = initials(t.len() - 1);
        if last != v[0] {
            v.push(last);
        }
    }
    v
}
#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, id: &str) -> Record {
        let mut r = Record::new(name, &[], id, NO_TIME, "");
        r.id_dob = NO_TIME;
        r
    }

    fn born(name: &str, dob: &str) -> Record {
        let t = crate::model::time::Clock::parse_date(dob).unwrap();
        Record::new(name, &[], "", t, "")
    }

    fn ceiling(c: usize) -> BlockLimits {
        BlockLimits {
            ceiling: Some(c),
            ..BlockLimits::default()
        }
    }

    #[test]
    fn typo_and_script_variants_meet() {
        let records = vec![
            rec("张伟", "11010519491231002X"),
            rec("Li Na", "11010519491213002X"), // two digits swapped
            rec("Wei Zhang", ""),
            rec("Wang Fang", "44052418800101001"),
            rec("Zhang Wie", ""),
        ];
        let (pairs, stats) = candidate_pairs(&records, &ceiling(10));
        assert!(pairs.contains(&(0, 1)), "{pairs:?}");
        assert!(pairs.contains(&(0, 2)), "{pairs:?}");
        // A misspelt name with nothing else to go on is not compared.
        assert!(!pairs.iter().any(|&(a, b)| a == 4 || b == 4), "{pairs:?}");
        assert!(!pairs.iter().any(|&(a, b)| a == 3 || b == 3), "{pairs:?}");
        assert_eq!(stats.n_candidate_pairs, pairs.len() as u64);
    }

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let records: Vec<Record> = (0..30).map(|_| rec("Zhang Wei", "")).collect();
        let (pairs, stats) = candidate_pairs(&records, &ceiling(10));
        assert!(pairs.is_empty());
        let name = stats.per_key.iter().find(|k| k.kind == "name").unwrap();
        assert!(name.skipped >= 1);
        // One block per reading: zhangwei and weizhang.
        assert_eq!(name.skipped_records, 30 * name.skipped);
        let (pairs, _) = candidate_pairs(&records, &ceiling(30));
        assert_eq!(pairs.len(), 30 * 29 / 2);
    }

    /// A date of birth meets a misspelt name through the part of the name
    /// left whole, or through the initials when both parts are misspelt;
    /// the same date with another name does not make a pair.
    #[test]
    fn date_of_birth_keys_need_a_part_of_the_name() {
        let records = vec![
            born("张子伟", "1983-11-06"),
            born("Zhang Ziwie", "1983-11-06"), // given name misspelt
            born("Zahng Ziwei", "1983-11-06"), // family name misspelt
            born("Zhnag Ziewi", "1983-11-06"), // both, first letters kept
            born("李敏立", "1983-11-06"),      // another person, same day
            born("Zhang Zewie", "1983-11-07"), // another day
        ];
        let (pairs, stats) = candidate_pairs(&records, &BlockLimits::default());
        for other in [1, 2, 3] {
            assert!(pairs.contains(&(0, other)), "0-{other}: {pairs:?}");
        }
        assert!(!pairs.iter().any(|&(a, b)| a == 4 || b == 4), "{pairs:?}");
        assert!(!pairs.iter().any(|&(a, b)| a == 5 || b == 5), "{pairs:?}");
        let kinds: Vec<&str> = stats.per_key.iter().map(|k| k.kind.as_str()).collect();
        assert!(!kinds.contains(&"dob"), "{kinds:?}");
        let part = &stats.per_key[kinds.iter().position(|&k| k == "dob+part").unwrap()];
        let initials = &stats.per_key[kinds.iter().position(|&k| k == "dob+initials").unwrap()];
        assert!(part.blocks >= 2 && initials.blocks >= 1, "{stats:?}");
    }

    /// Thousands of records born on one day, with different names: the
    /// date alone is no key, so the pairs stay near the number of records,
    /// not its square.
    #[test]
    fn one_huge_block_of_identical_dobs_stays_bounded() {
        let family = [
            "zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao",
        ];
        let given = [
            "wei", "fang", "na", "min", "jing", "lei", "qiang", "jun", "yang", "yong", "yan",
            "jie", "tao", "ming", "chao", "xiu", "xia", "hua", "ping", "gang",
        ];
        let n = 3000;
        let records: Vec<Record> = (0..n)
            .map(|i| {
                let name = format!(
                    "{} {}{}",
                    family[i % family.len()],
                    given[(i / 7) % given.len()],
                    given[(i / 131) % given.len()]
                );
                born(&name, "1980-01-01")
            })
            .collect();
        let (pairs, stats) = candidate_pairs(&records, &BlockLimits::default());
        let budget = BlockLimits::DEFAULT_PAIRS_PER_RECORD * n as f64;
        assert!((pairs.len() as f64) <= budget, "{} pairs", pairs.len());
        assert!(stats.max_block < n as u64, "{stats:?}");
        // Every skipped block is counted with its records.
        let skipped: u64 = stats.per_key.iter().map(|k| k.skipped).sum();
        let skipped_records: u64 = stats.per_key.iter().map(|k| k.skipped_records).sum();
        assert!(skipped > 0 && skipped_records > stats.max_block * skipped);
    }

    /// The limit follows the case: a block far above the case's median
    /// block is skipped, the same block in a case of such blocks is kept
    /// unless the pairs per record would run over.
    #[test]
    fn the_limit_is_relative_to_the_cases_blocks() {
        let limits = BlockLimits {
            ratio_to_median: 10.0,
            pairs_per_record: 1000.0,
            ceiling: None,
        };
        // Many blocks of 2, one of 40: the median is 2, the limit 20.
        let mut sizes = vec![2; 99];
        sizes.push(40);
        assert_eq!(block_limit(&sizes, 238, &limits), (2, 20));
        // Blocks of 40 are this case's usual block: kept.
        let sizes = vec![40; 5];
        assert_eq!(block_limit(&sizes, 200, &limits), (40, 400));
        // ... unless they make more pairs per record than allowed: 5 blocks
        // of 40 make 3900 pairs for 200 records.
        let tight = BlockLimits {
            pairs_per_record: 10.0,
            ..limits
        };
        assert_eq!(block_limit(&sizes, 200, &tight).1, 1);
        // The budget drops the largest sizes first: 100 blocks of 2 and
        // one of 3 make 103 pairs, two of 30 would add 870 more.
        let mut sizes = vec![2; 100];
        sizes.extend([30, 30, 3]);
        let budget = BlockLimits {
            ratio_to_median: 100.0,
            pairs_per_record: 1.0,
            ceiling: None,
        };
        assert_eq!(block_limit(&sizes, 300, &budget).1, 3);
        // An explicit ceiling applies too.
        let capped = BlockLimits {
            ceiling: Some(5),
            ..limits
        };
        assert_eq!(block_limit(&[2, 2, 2, 8], 14, &capped).1, 5);
    }
}
