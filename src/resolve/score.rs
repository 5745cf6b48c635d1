//! Fellegi–Sunter scoring of record pairs, with its parameters estimated
//! from the case itself by expectation–maximisation.
//!
//! Each pair of records is compared field by field; each field gives an
//! agreement *level* (exact, close, different, ...) or nothing when either
//! record leaves it empty. For each field and level, `m` is the probability
//! of that level when the two records are one individual and `u` when they
//! are two; a level's weight is `log2(m / u)`, and a pair's match weight is
//! the prior log-odds plus the sum of its fields' weights (fields are taken
//! as independent given the match status, the model's one assumption).
//!
//! Estimation: `u` comes from a seeded random sample of record pairs
//! (almost all of them two different people), `m` and the prior from the
//! blocked candidate pairs; both are refined together by EM, each pair
//! weighted by its current match posterior (so the few true matches in the
//! random sample stop inflating `u`). Nothing is tuned by hand per case.
//!
//! Names and aliases are further adjusted by how common they are (a
//! term-frequency adjustment): agreeing on `Zhang Wei` says less than
//! agreeing on a rare name, because `u` for that value is its frequency
//! among the records. Aliases need it most: a nickname built from a family
//! name (老马, Lao Ma) is shared by many unrelated people of that name,
//! while the model's one weight for "same alias" is learnt mostly from
//! rare ones. An alias's agreement weight is therefore never more than
//! `log2(m / share)`, `share` being the part of the records that carry the
//! reading the two agree on.
//!
//! # Complexity
//! Comparing a pair is O(length of its fields). EM runs over the *distinct*
//! comparison patterns (at most the product of the level counts, a few
//! hundred), so each iteration is O(patterns), whatever the number of pairs.

use super::address::{Place, PlaceMatch};
use super::normalise::{ymd, NameForm, NameKind};
use crate::model::{Time, NO_TIME};
use rustc_hash::FxHashMap;

/// The fields compared, in the order of a [`Pattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Alias,
    IdNumber,
    Dob,
    Phone,
    Address,
}

pub const FIELDS: [Field; 6] = [
    Field::Name,
    Field::Alias,
    Field::IdNumber,
    Field::Dob,
    Field::Phone,
    Field::Address,
];

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Alias => "alias",
            Field::IdNumber => "id_number",
            Field::Dob => "dob",
            Field::Phone => "phone",
            Field::Address => "address",
        }
    }
    /// The agreement levels, strongest first; the last is disagreement.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "exact",
                "same_reading",
                "homophone",
                "close",
                "similar",
                "nickname_fits",
                "nickname_other",
                "nickname_unknown",
                "different",
            ],
            Field::Alias => &["same", "different"],
            Field::IdNumber => &["exact", "one_digit_or_swap", "different"],
            Field::Dob => &["exact", "one_part_or_day_month_swap", "different"],
            Field::Phone => &[
                "shared_phone",
                "shared_one_of_many",
                "registered_to_other",
                "shared_handset",
                "different",
            ],
            Field::Address => &[
                "same_dwelling",
                "same_building",
                "same_road",
                "close_text",
                "different",
            ],
        }
    }
}

/// "Not compared": one of the records leaves the field empty.
pub const NULL: u8 = u8::MAX;

/// Position of [`Field::Alias`] in a [`Pattern`].
const ALIAS: usize = 1;

/// One comparison: the level of each field of [`FIELDS`] (or [`NULL`]).
pub type Pattern = [u8; 6];

/// A persons.csv record prepared for comparison.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub name: NameForm,
    /// [`NameForm::orderings`] of the name, computed once.
    pub name_orderings: Vec<String>,
    /// Letters of the name sorted: the key of its frequency.
    pub name_freq_key: String,
    pub aliases: Vec<NameForm>,
    /// [`freq_key`] of each alias.
    pub alias_freq_keys: Vec<String>,
    /// [`NameForm::orderings`] of each alias.
    pub alias_orderings: Vec<Vec<String>>,
    /// Normalised identity number ("" when absent).
    pub id_number: String,
    pub id_valid: bool,
    /// Stated date of birth, or [`NO_TIME`].
    pub dob: Time,
    /// Date of birth read from a valid PRC id number, or [`NO_TIME`].
    pub id_dob: Time,
    /// Phones the record claims, sorted.
    pub phones: Vec<u32>,
    /// Handsets those phones were seen in, sorted.
    pub handsets: Vec<u32>,
    /// The record lists more phones than most records of the case do (a
    /// subscriber who registered SIMs for others, a shared family list).
    pub many_phones: bool,
    /// Normalised id numbers the record's phones are registered to
    /// (phones.csv), sorted.
    pub phone_subscribers: Vec<String>,
    pub address: String,
    /// The address read as a place, when it parses (see [`super::address`]).
    pub place: Option<Place>,
    /// Whether the name is a full name, a form of address or a Latin nickname.
    pub name_kind: NameKind,
    /// Whether the name is Chinese: in characters, or all pinyin.
    pub name_chinese: bool,
    /// Readings of the name's characters, when it is a full Chinese name.
    pub name_readings: Vec<String>,
    /// Readings of the characters the record's forms of address are built
    /// on (its name's and its aliases'), sorted.
    pub nick_keys: Vec<String>,
}

impl Record {
    /// A record from its written fields: the name and aliases read (an
    /// alias that reads as the name itself, its romanisation, is dropped:
    /// it is not a second piece of evidence), the id number normalised and
    /// checked, the address read as a place. Phones and handsets are left
    /// empty for the caller.
    pub fn new(name: &str, aliases: &[&str], id_number: &str, dob: Time, address: &str) -> Record {
        use super::normalise as n;
        let name = n::normalise_name(name);
        let name_orderings = name.orderings();
        let aliases: Vec<NameForm> = aliases
            .iter()
            .map(|a| n::normalise_name(a))
            .filter(|a| !a.is_empty())
            .filter(|a| {
                let o = a.orderings();
                !(o.iter().any(|x| name_orderings.contains(x))
                    || (!a.han.is_empty() && a.han == name.han))
            })
            .collect();
        let name_kind = n::name_kind(&name);
        let name_chinese = !name.han.is_empty()
            || (!name.tokens.is_empty()
                && name.tokens.iter().all(|t| n::split_pinyin(t).is_some()));
        let mut nick_keys: Vec<String> = std::iter::once(&name)
            .filter(|_| name_kind == NameKind::Address)
            .chain(aliases.iter())
            .filter_map(|a| n::address_form_char(&a.han))
            .map(|c| n::pinyin_of(&c.to_string()))
            .filter(|p| !p.is_empty())
            .collect();
        nick_keys.sort_unstable();
        nick_keys.dedup();
        let id_number = n::normalise_id_number(id_number);
        Record {
            name_freq_key: freq_key(&name),
            alias_freq_keys: aliases.iter().map(freq_key).collect(),
            name_readings: if name_kind == NameKind::Full && name_chinese {
                n::char_readings(&name)
            } else {
                Vec::new()
            },
            name_orderings,
            name_kind,
            name_chinese,
            nick_keys,
            alias_orderings: aliases.iter().map(|a| a.orderings()).collect(),
            aliases,
            id_valid: n::is_valid_prc_id(&id_number),
            id_dob: n::prc_birth_date(&id_number).unwrap_or(NO_TIME),
            id_number,
            dob,
            phones: Vec::new(),
            handsets: Vec::new(),
            many_phones: false,
            phone_subscribers: Vec::new(),
            address: n::normalise_address(address),
            place: super::address::parse_place(address),
            name,
        }
    }
}

/// Jaro–Winkler at or above this is a "close" name or address.
pub const CLOSE: f64 = 0.92;
/// Jaro–Winkler at or above this is a "similar" name.
pub const SIMILAR: f64 = 0.80;

/// Jaro–Winkler similarity, strsim's definition. Strings of at most 64
/// characters (names, most addresses) take [`ascii_jaro_winkler`], the
/// same algorithm bit-parallel, on their bytes or, for other text, its
/// twin on their characters; anything longer goes to strsim. Profiling
/// `casegraph resolve` on FEBRL put 78% of the time in strsim's generic
/// version, which allocates its flags and rescans the second string from
/// the start for every character of the first.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.len() <= 64 && b.len() <= 64 && a.is_ascii() && b.is_ascii() {
        return ascii_jaro_winkler(a.as_bytes(), b.as_bytes());
    }
    let (mut ca, mut cb) = (['\0'; 64], ['\0'; 64]);
    match (fill_chars(a, &mut ca), fill_chars(b, &mut cb)) {
        (Some(la), Some(lb)) => char_jaro_winkler(&ca[..la], &cb[..lb]),
        _ => strsim::jaro_winkler(a, b),
    }
}

/// The characters of `s` into `buf`, or None when there are more than 64.
fn fill_chars(s: &str, buf: &mut [char; 64]) -> Option<usize> {
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// [`ascii_jaro_winkler`] on at most 64 characters: the positions of each
/// character of `b` are kept in a small open-addressing table instead of
/// an array indexed by byte.
fn char_jaro_winkler(a: &[char], b: &[char]) -> f64 {
    const EMPTY: u32 = u32::MAX; // not a char
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    } else if la == 0 || lb == 0 {
        return 0.0;
    }
    let mut keys = [EMPTY; 256];
    let mut masks = [0u64; 256];
    let slot_of = |keys: &[u32; 256], c: char| {
        let mut h = ((c as u32).wrapping_mul(0x9E37_79B1) >> 24) as usize;
        while keys[h] != EMPTY && keys[h] != c as u32 {
            h = (h + 1) & 255;
        }
        h
    };
    for (j, &y) in b.iter().enumerate() {
        let h = slot_of(&keys, y);
        keys[h] = y as u32;
        masks[h] |= 1u64 << j;
    }
    let (a_flags, b_flags, matches) = flag_matches(la, lb, |i| masks[slot_of(&keys, a[i])]);
    jaro_winkler_from_matches(a, b, a_flags, b_flags, matches)
}

/// Jaro's matching, bit-parallel: `positions_in_b(i)` is the mask of the
/// positions of b holding a's i-th symbol; each symbol of a takes the first
/// unmatched one inside its window, as strsim's scan does. Returns the
/// matched positions of a and of b and their number.
fn flag_matches(la: usize, lb: usize, positions_in_b: impl Fn(usize) -> u64) -> (u64, u64, usize) {
    let range = (la.max(lb) / 2).saturating_sub(1);
    let (mut a_flags, mut b_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(range);
        let hi = lb.min(i + range + 1);
        let candidates = positions_in_b(i) & below(hi) & !below(lo) & !b_flags;
        if candidates != 0 {
            a_flags |= 1u64 << i;
            b_flags |= candidates & candidates.wrapping_neg();
            matches += 1;
        }
    }
    (a_flags, b_flags, matches)
}

/// The bit mask of positions below `k` (all 64 for `k` ≥ 64).
fn below(k: usize) -> u64 {
    if k >= 64 {
        u64::MAX
    } else {
        (1u64 << k) - 1
    }
}

/// strsim's Jaro–Winkler on byte strings of at most 64 bytes, bit-parallel:
/// each byte value of `b` gets the mask of its positions, so the first
/// unmatched equal byte inside `a[i]`'s window is the lowest set bit of
/// `positions[a[i]] & window & !matched`, one step instead of a scan of the
/// window. It picks exactly the byte strsim's scan picks, and the rest is
/// strsim's arithmetic in strsim's order, so the value is strsim's to the
/// last bit (property tests check it on ASCII and on Chinese text).
///
/// # Complexity
/// O(|a| + |b|) time, no allocation.
pub fn ascii_jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    debug_assert!(a.len() <= 64 && b.len() <= 64);
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    } else if la == 0 || lb == 0 {
        return 0.0;
    }
    let mut positions = [0u64; 256];
    for (j, &y) in b.iter().enumerate() {
        positions[y as usize] |= 1u64 << j;
    }
    let (a_flags, b_flags, matches) = flag_matches(la, lb, |i| positions[a[i] as usize]);
    jaro_winkler_from_matches(a, b, a_flags, b_flags, matches)
}

/// The Jaro–Winkler value once the matched positions of `a` and `b` are
/// flagged: transpositions, then strsim's arithmetic in strsim's order.
fn jaro_winkler_from_matches<T: Copy + PartialEq>(
    a: &[T],
    b: &[T],
    a_flags: u64,
    b_flags: u64,
    matches: usize,
) -> f64 {
    if matches == 0 {
        return 0.0;
    }
    let (la, lb) = (a.len(), b.len());
    // Matched characters of a and of b, in order, pair up; count the pairs
    // that differ.
    let mut transpositions = 0usize;
    let (mut af, mut bf) = (a_flags, b_flags);
    while af != 0 {
        let (i, j) = (af.trailing_zeros() as usize, bf.trailing_zeros() as usize);
        af &= af - 1;
        bf &= bf - 1;
        if a[i] != b[j] {
            transpositions += 1;
        }
    }
    transpositions /= 2;
    let sim = ((matches as f64 / la as f64)
        + (matches as f64 / lb as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0;
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

fn best_jw(a: &[String], b: &[String]) -> f64 {
    let mut best = 0.0f64;
    for x in a {
        for y in b {
            best = best.max(jaro_winkler(x, y));
            if best >= CLOSE {
                return best;
            }
        }
    }
    best
}

fn same_reading(a: &NameForm, b: &NameForm, ao: &[String], bo: &[String]) -> bool {
    (!a.han.is_empty() && a.han == b.han) || ao.iter().any(|o| bo.contains(o))
}

/// The letters of a name's reading, sorted: the key its frequency is
/// counted under, the same for 老马, `Lao Ma` and `Ma Lao`.
pub fn freq_key(n: &NameForm) -> String {
    let mut letters: Vec<char> = n.tokens.concat().chars().collect();
    letters.sort_unstable();
    letters.into_iter().collect()
}

/// The name level of two full names (see [`name_level`]).
fn full_name_level(a: &NameForm, b: &NameForm, ao: &[String], bo: &[String]) -> u8 {
    let same_script_exact = if a.han.is_empty() == b.han.is_empty() {
        if a.han.is_empty() {
            a.tokens == b.tokens
        } else {
            a.han == b.han
        }
    } else {
        false
    };
    if same_script_exact {
        return 0;
    }
    if same_reading(a, b, ao, bo) {
        // Two spellings in characters that read alike are homophones (滕瑶秋,
        // 滕姚秋): a clerk who heard the name chose other characters.
        return if !a.han.is_empty() && !b.han.is_empty() {
            2
        } else {
            1
        };
    }
    if !a.han.is_empty() && !b.han.is_empty() {
        // Two names in characters: a clerk's slip changes one character
        // (close) or drops or adds one (similar); anything more is another
        // name, however alike its pinyin looks (张航, 张铭亦).
        let (x, y): (Vec<char>, Vec<char>) = (a.han.chars().collect(), b.han.chars().collect());
        return match char_edits(&x, &y) {
            1 if x.len() == y.len() => 3,
            1 => 4,
            _ => 8,
        };
    }
    let jw = best_jw(ao, bo);
    if jw >= CLOSE {
        3
    } else if jw >= SIMILAR {
        4
    } else {
        8
    }
}

/// Levenshtein distance of two short character strings, capped at 2.
fn char_edits(x: &[char], y: &[char]) -> usize {
    if x.len().abs_diff(y.len()) > 1 {
        return 2;
    }
    let mut prev: Vec<usize> = (0..=y.len()).collect();
    for (i, cx) in x.iter().enumerate() {
        let mut cur = vec![i + 1; y.len() + 1];
        for (j, cy) in y.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(cx != cy))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[y.len()].min(2)
}

/// Name agreement: the same name in the same script, the same reading in
/// another script or order, homophones, close or similar spellings, a form
/// of address or nickname that fits the other name (its character, by
/// reading, is in the other name), one that does not, or different.
fn name_level(a: &Record, b: &Record) -> u8 {
    if a.name.is_empty() || b.name.is_empty() {
        return NULL;
    }
    let (ao, bo) = (a.name_orderings.as_slice(), b.name_orderings.as_slice());
    let fits = |nick: &Record, full: &Record| {
        nick.nick_keys
            .iter()
            .any(|k| full.name_readings.iter().any(|r| r == k))
    };
    match (a.name_kind, b.name_kind) {
        (NameKind::Full, NameKind::Full) => full_name_level(&a.name, &b.name, ao, bo),
        (NameKind::Full, _) | (_, NameKind::Full) => {
            let (full, nick) = if a.name_kind == NameKind::Full {
                (a, b)
            } else {
                (b, a)
            };
            if !full.name_chinese {
                // A nickname against a name that is not Chinese (FEBRL's
                // "john smith") compares as text.
                return full_name_level(&a.name, &b.name, ao, bo);
            }
            if fits(nick, full) {
                5
            } else if nick.nick_keys.is_empty() {
                // A Latin nickname with no form of address beside it.
                7
            } else {
                6
            }
        }
        (NameKind::Latin, NameKind::Latin) => full_name_level(&a.name, &b.name, ao, bo),
        _ => {
            if full_name_level(&a.name, &b.name, ao, bo) == 0 {
                0
            } else if a.nick_keys.iter().any(|k| b.nick_keys.contains(k)) {
                5
            } else if a.nick_keys.is_empty() || b.nick_keys.is_empty() {
                7
            } else {
                6
            }
        }
    }
}

/// Every name of a record: (is it the name field, the form, its
/// orderings, its frequency key), empty ones left out.
fn name_forms(r: &Record) -> impl Iterator<Item = (bool, &NameForm, &[String], &str)> + Clone {
    std::iter::once((
        true,
        &r.name,
        r.name_orderings.as_slice(),
        r.name_freq_key.as_str(),
    ))
    .chain(
        r.aliases
            .iter()
            .zip(&r.alias_orderings)
            .zip(&r.alias_freq_keys)
            .map(|((a, o), k)| (false, a, o.as_slice(), k.as_str())),
    )
    .filter(|(_, n, _, _)| !n.is_empty())
}

/// The frequency keys of the readings two records agree on, name against
/// alias or alias against alias (name against name is the name field's).
/// `None` when no such pair was compared at all.
fn alias_agreements<'r>(a: &'r Record, b: &'r Record) -> Option<Vec<(&'r str, &'r str)>> {
    let nb = name_forms(b);
    let mut any = false;
    let mut agree = Vec::new();
    for (a_is_name, x, xo, xk) in name_forms(a) {
        for (b_is_name, y, yo, yk) in nb.clone() {
            if a_is_name && b_is_name {
                continue;
            }
            any = true;
            if same_reading(x, y, xo, yo) {
                agree.push((xk, yk));
            }
        }
    }
    any.then_some(agree)
}

fn alias_level(a: &Record, b: &Record) -> u8 {
    if a.aliases.is_empty() && b.aliases.is_empty() {
        return NULL;
    }
    // Only the same reading counts: aliases are mostly nicknames built
    // from a family name (老王, Lao Wang, Ah Li), so two different ones are
    // a letter apart ("laowang", "laoyang") and string similarity between
    // them says nothing. Counting such pairs as "close" gave EM a second,
    // false kind of match on the generated medium case 701 (every pair of
    // records with Lao-nicknames), and precision fell below 1%.
    match alias_agreements(a, b) {
        Some(agree) if !agree.is_empty() => 0,
        Some(_) => 1,
        None => NULL,
    }
}

fn id_level(a: &Record, b: &Record) -> u8 {
    if a.id_number.is_empty() || b.id_number.is_empty() {
        return NULL;
    }
    if a.id_number == b.id_number {
        return 0;
    }
    // One wrong digit or two neighbours swapped: a clerk's typo.
    if a.id_number.len() == b.id_number.len() && one_typo_apart(&a.id_number, &b.id_number) {
        return 1;
    }
    // An 18-character number with its check character cut off: a slip of
    // the same kind, counted at the same level.
    let (short, long) = if a.id_number.len() < b.id_number.len() {
        (&a.id_number, &b.id_number)
    } else {
        (&b.id_number, &a.id_number)
    };
    if short.len() == 17 && long.len() == 18 && long.starts_with(short.as_str()) {
        return 1;
    }
    2
}

/// Whether two different strings of the same length are one substitution
/// or one swap of neighbours apart: strsim's `osa_distance(a, b) == 1`,
/// in one pass over ASCII bytes (strsim fills an n × m table; this was a
/// quarter of `resolve` on the generated medium case). Non-ASCII text goes
/// to strsim.
pub fn one_typo_apart(a: &str, b: &str) -> bool {
    if !(a.is_ascii() && b.is_ascii()) || a.len() != b.len() {
        return strsim::osa_distance(a, b) == 1;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut first = None;
    let mut second = None;
    for i in 0..a.len() {
        if a[i] != b[i] {
            match (first, second) {
                (None, _) => first = Some(i),
                (Some(_), None) => second = Some(i),
                _ => return false,
            }
        }
    }
    match (first, second) {
        (Some(_), None) => true,
        (Some(i), Some(j)) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

fn dob_level(a: &Record, b: &Record) -> u8 {
    // A date of birth read from an id number is used only when the other
    // record has no id number, or it would count the id number twice.
    let eff = |r: &Record, other: &Record| {
        if r.dob != NO_TIME {
            r.dob
        } else if other.id_number.is_empty() {
            r.id_dob
        } else {
            NO_TIME
        }
    };
    let (da, db) = (eff(a, b), eff(b, a));
    if da == NO_TIME || db == NO_TIME {
        return NULL;
    }
    if da == db {
        return 0;
    }
    let (Some((ya, ma, xa)), Some((yb, mb, xb))) = (ymd(da), ymd(db)) else {
        return 2;
    };
    let differing = (ya != yb) as u8 + (ma != mb) as u8 + (xa != xb) as u8;
    if differing == 1 || (ya == yb && ma == xb && xa == mb) {
        1
    } else {
        2
    }
}

fn sorted_intersect(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Phone agreement: a phone both records list (one of the many a record
/// lists, when it lists more than most), a phone of one registered to the
/// other's id number (or both records' phones registered to one id
/// number), a handset both records' phones were seen in, or none of these.
fn phone_level(a: &Record, b: &Record) -> u8 {
    let registered = |x: &Record, y: &Record| {
        x.phone_subscribers.iter().any(|s| {
            (!y.id_number.is_empty() && *s == y.id_number)
                || y.phone_subscribers.binary_search(s).is_ok()
        })
    };
    let has_evidence = |r: &Record| !r.phones.is_empty();
    if !has_evidence(a) || !has_evidence(b) {
        // A record without phones can still be the subscriber of the
        // other's phones.
        return if registered(a, b) || registered(b, a) {
            2
        } else {
            NULL
        };
    }
    if sorted_intersect(&a.phones, &b.phones) {
        if a.many_phones || b.many_phones {
            1
        } else {
            0
        }
    } else if registered(a, b) || registered(b, a) {
        2
    } else if sorted_intersect(&a.handsets, &b.handsets) {
        3
    } else {
        4
    }
}

/// Address agreement: as places when both parse (same dwelling, same
/// building, same road, different), else as text (the same text is the
/// same dwelling; close text, different).
fn address_level(a: &Record, b: &Record) -> u8 {
    if a.address.is_empty() || b.address.is_empty() {
        return NULL;
    }
    if let (Some(x), Some(y)) = (&a.place, &b.place) {
        return match x.compare(y) {
            PlaceMatch::SameDwelling => 0,
            PlaceMatch::SameBuilding => 1,
            PlaceMatch::SameRoad => 2,
            PlaceMatch::Different => 4,
        };
    }
    if a.address == b.address {
        0
    } else if jaro_winkler(&a.address, &b.address) >= CLOSE {
        3
    } else {
        4
    }
}

/// Compare two records field by field.
pub fn compare(a: &Record, b: &Record) -> Pattern {
    [
        name_level(a, b),
        alias_level(a, b),
        id_level(a, b),
        dob_level(a, b),
        phone_level(a, b),
        address_level(a, b),
    ]
}

/// Count each distinct pattern; the result is sorted by pattern, so that
/// everything computed from it is in a fixed order.
pub fn count_patterns(patterns: impl IntoIterator<Item = Pattern>) -> Vec<(Pattern, u64)> {
    let mut counts: FxHashMap<Pattern, u64> = FxHashMap::default();
    for p in patterns {
        *counts.entry(p).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_unstable();
    v
}

/// EM settings.
#[derive(Debug, Clone, Copy)]
pub struct EmConfig {
    pub max_iterations: u32,
    /// Stop when no parameter moves by more than this.
    pub tolerance: f64,
    /// Added to every level's count, so that no level has probability 0
    /// (a level never seen is rare, not impossible).
    pub pseudo_count: f64,
}

impl EmConfig {
    pub const DEFAULT_MAX_ITERATIONS: u32 = 500;
    pub const DEFAULT_TOLERANCE: f64 = 1e-7;
    pub const DEFAULT_PSEUDO_COUNT: f64 = 0.5;
}

impl Default for EmConfig {
    fn default() -> Self {
        EmConfig {
            max_iterations: Self::DEFAULT_MAX_ITERATIONS,
            tolerance: Self::DEFAULT_TOLERANCE,
            pseudo_count: Self::DEFAULT_PSEUDO_COUNT,
        }
    }
}

/// The estimated Fellegi–Sunter model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Model {
    /// Share of matches among all record pairs.
    pub prior: f64,
    /// `m[field][level]`, fields in [`FIELDS`] order.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub iterations: u32,
    pub converged: bool,
    pub n_candidate_pairs: u64,
    /// Sampled pairs standing for the pairs blocking did not compare.
    pub n_sample_pairs: u64,
    /// All record pairs, n(n-1)/2.
    pub n_population_pairs: f64,
}

fn logit2(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

impl Model {
    /// `log2(m / u)` of one field level.
    pub fn weight(&self, field: usize, level: u8) -> f64 {
        if level == NULL {
            return 0.0;
        }
        let l = level as usize;
        (self.m[field][l] / self.u[field][l]).log2()
    }

    /// The prior log-odds that a pair of records is one individual.
    pub fn prior_weight(&self) -> f64 {
        logit2(self.prior)
    }

    /// Match weight of a pattern without frequency adjustment.
    pub fn pattern_weight(&self, p: &Pattern) -> f64 {
        let mut w = logit2(self.prior);
        for (f, &l) in p.iter().enumerate() {
            w += self.weight(f, l);
        }
        w
    }
}

/// Probability of a match from a match weight (log2 odds).
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// The position of `field` in [`FIELDS`] (and in a [`Pattern`]).
fn field_index(field: Field) -> usize {
    FIELDS.iter().position(|&f| f == field).unwrap_or(0)
}

fn initial_m(levels: usize) -> Vec<f64> {
    // Matches mostly agree: each weaker level a quarter as likely.
    let raw: Vec<f64> = (0..levels).map(|l| 0.25f64.powi(l as i32)).collect();
    let sum: f64 = raw.iter().sum();
    raw.into_iter().map(|x| x / sum).collect()
}

/// Estimate `m`, `u` and the prior by EM over all record pairs: the
/// candidate pairs' patterns as they are, and the pairs blocking did not
/// compare represented by a random sample of them (`rest`), each sampled
/// pair standing for `rest_weight` pairs. Both lists come from
/// [`count_patterns`].
///
/// Fitting the mixture over *all* pairs, not only the blocked ones, is
/// what keeps EM honest: blocked non-matches agree on something by
/// construction, and a fit over them alone would call them matches.
pub fn estimate(
    candidates: &[(Pattern, u64)],
    rest: &[(Pattern, u64)],
    rest_weight: f64,
    config: &EmConfig,
) -> Model {
    let n_levels: Vec<usize> = FIELDS.iter().map(|f| f.levels().len()).collect();
    let n_candidate_pairs: u64 = candidates.iter().map(|(_, c)| c).sum();
    let n_sample_pairs: u64 = rest.iter().map(|(_, c)| c).sum();
    let population = n_candidate_pairs as f64 + n_sample_pairs as f64 * rest_weight;
    // Weighted pattern list over the whole population of pairs.
    let all: Vec<(Pattern, f64)> = candidates
        .iter()
        .map(|&(p, c)| (p, c as f64))
        .chain(rest.iter().map(|&(p, c)| (p, c as f64 * rest_weight)))
        .collect();
    // u starts as the level shares over all pairs (nearly all non-matches).
    let mut model = Model {
        prior: (0.5 * n_candidate_pairs as f64 / population.max(1.0)).clamp(1e-9, 0.5),
        m: n_levels.iter().map(|&n| initial_m(n)).collect(),
        u: level_shares(&all, &n_levels, config, &|_| 1.0),
        iterations: 0,
        converged: false,
        n_candidate_pairs,
        n_sample_pairs,
        n_population_pairs: population,
    };
    if population == 0.0 {
        return model;
    }
    start_from_anchors(&mut model, &all, &n_levels, population, config);
    for it in 1..=config.max_iterations {
        let delta = em_step(&mut model, &all, &n_levels, population, config);
        model.iterations = it;
        if delta < config.tolerance {
            model.converged = true;
            break;
        }
    }
    model
}

/// Level counts turned into shares, each level given `pseudo_count` more
/// so that no level has probability zero.
fn shares(counts: &[f64], config: &EmConfig) -> Vec<f64> {
    let total: f64 = counts.iter().sum::<f64>() + config.pseudo_count * counts.len() as f64;
    counts
        .iter()
        .map(|c| (c + config.pseudo_count) / total)
        .collect()
}

/// Each field's level shares over all pairs, each pair counted `weights(p)`
/// times its number.
fn level_shares(
    all: &[(Pattern, f64)],
    n_levels: &[usize],
    config: &EmConfig,
    weights: &dyn Fn(&Pattern) -> f64,
) -> Vec<Vec<f64>> {
    n_levels
        .iter()
        .enumerate()
        .map(|(f, &n)| {
            let mut counts = vec![0.0; n];
            for (p, c) in all {
                if p[f] != NULL {
                    counts[p[f] as usize] += c * weights(p);
                }
            }
            shares(&counts, config)
        })
        .collect()
}

/// EM finds a local optimum, and from a neutral start it can settle on
/// a false "match" class: on the generated large case, pairs with
/// similar names from the date-of-birth blocks (precision 0.2%). So it
/// starts from the pairs that agree exactly on an identifier no two
/// people share (id number, phone): m from their levels, the prior from
/// their number. When there are none, the neutral start stays.
fn start_from_anchors(
    model: &mut Model,
    all: &[(Pattern, f64)],
    n_levels: &[usize],
    population: f64,
    config: &EmConfig,
) {
    let (id, phone) = (field_index(Field::IdNumber), field_index(Field::Phone));
    let anchor = |p: &Pattern| p[id] == 0 || p[phone] == 0;
    let anchored: f64 = all.iter().filter(|(p, _)| anchor(p)).map(|(_, c)| c).sum();
    if anchored > 0.0 {
        model.m = level_shares(all, n_levels, config, &|p| {
            if anchor(p) {
                1.0
            } else {
                0.0
            }
        });
        model.prior = (anchored / population).clamp(1e-12, 0.5);
    }
}

/// One EM iteration: each pattern's match probability under the model
/// (expectation), then m, u and the prior re-counted from them
/// (maximisation). Returns the largest change of a parameter (the prior's
/// relative to itself).
fn em_step(
    model: &mut Model,
    all: &[(Pattern, f64)],
    n_levels: &[usize],
    population: f64,
    config: &EmConfig,
) -> f64 {
    let g: Vec<f64> = all
        .iter()
        .map(|(p, _)| probability(model.pattern_weight(p)))
        .collect();
    let mut m_counts: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
    let mut u_counts: Vec<Vec<f64>> = n_levels.iter().map(|&n| vec![0.0; n]).collect();
    let mut matches = 0.0;
    for ((p, c), g) in all.iter().zip(&g) {
        matches += c * g;
        for (f, &l) in p.iter().enumerate() {
            if l != NULL {
                m_counts[f][l as usize] += c * g;
                u_counts[f][l as usize] += c * (1.0 - g);
            }
        }
    }
    let new_m: Vec<Vec<f64>> = m_counts.iter().map(|c| shares(c, config)).collect();
    let new_u: Vec<Vec<f64>> = u_counts.iter().map(|c| shares(c, config)).collect();
    let new_prior = (matches / population).clamp(1e-12, 1.0 - 1e-9);
    let mut delta = (new_prior - model.prior).abs() / model.prior;
    for f in 0..FIELDS.len() {
        for l in 0..n_levels[f] {
            delta = delta
                .max((new_m[f][l] - model.m[f][l]).abs())
                .max((new_u[f][l] - model.u[f][l]).abs());
        }
    }
    model.m = new_m;
    model.u = new_u;
    model.prior = new_prior;
    delta
}

/// The weights of one scored pair.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairScore {
    pub pattern: Pattern,
    /// Weight of each field (0 when not compared).
    pub weights: [f64; 6],
    /// Prior log-odds plus all field weights.
    pub total: f64,
}

impl PairScore {
    pub fn probability(&self) -> f64 {
        probability(self.total)
    }
}

/// How common each name is among the records (by [`Record::name_freq_key`]),
/// and each reading among the records' names and aliases together.
#[derive(Debug, Clone, Default)]
pub struct NameFrequencies {
    counts: FxHashMap<String, u32>,
    /// Records carrying a reading as their name or as one of their aliases.
    readings: FxHashMap<String, u32>,
    n_records: u32,
}

impl NameFrequencies {
    pub fn new(records: &[Record]) -> Self {
        let mut counts: FxHashMap<String, u32> = FxHashMap::default();
        let mut readings: FxHashMap<String, u32> = FxHashMap::default();
        let mut keys: Vec<&str> = Vec::new();
        for r in records {
            if !r.name_freq_key.is_empty() {
                *counts.entry(r.name_freq_key.clone()).or_default() += 1;
            }
            keys.clear();
            keys.extend(
                std::iter::once(r.name_freq_key.as_str())
                    .chain(r.alias_freq_keys.iter().map(String::as_str))
                    .filter(|k| !k.is_empty()),
            );
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                *readings.entry((*k).to_string()).or_default() += 1;
            }
        }
        NameFrequencies {
            counts,
            readings,
            n_records: records.len() as u32,
        }
    }
    /// Share of records with this name (at least one record's share).
    pub fn share(&self, key: &str) -> f64 {
        let n = self.n_records.max(1) as f64;
        f64::from(self.counts.get(key).copied().unwrap_or(1).max(1)) / n
    }
    /// Share of records carrying this reading as name or alias.
    fn reading_share(&self, key: &str) -> f64 {
        let n = self.n_records.max(1) as f64;
        f64::from(self.readings.get(key).copied().unwrap_or(1).max(1)) / n
    }
    /// For two records that agree on an alias: the share of records that
    /// carry the reading they agree on (of two readings, the commoner; of
    /// several agreements, the rarest, the one that says most). `None`
    /// when they agree on none.
    pub fn alias_share(&self, a: &Record, b: &Record) -> Option<f64> {
        alias_agreements(a, b)?
            .iter()
            .map(|(x, y)| self.reading_share(x).max(self.reading_share(y)))
            .min_by(f64::total_cmp)
    }
}

/// Score a pair: field weights from the model, the name's agreement
/// weight adjusted by how common the name is.
pub fn score(model: &Model, freq: &NameFrequencies, a: &Record, b: &Record) -> PairScore {
    score_pattern(model, freq, compare(a, b), a, b)
}

/// [`score_pattern`] for many pairs of one set of records: every level's
/// weight and every record's name share computed once, so scoring a pair
/// neither takes a logarithm nor hashes a name. Gives [`score_pattern`]'s
/// values to the last bit (the same operations in the same order).
pub struct Scorer<'a> {
    model: &'a Model,
    prior: f64,
    /// `weights[field][level]`: [`Model::weight`].
    weights: Vec<Vec<f64>>,
    /// Each record's [`NameFrequencies::share`].
    name_share: Vec<f64>,
    /// For the rare pairs that agree on an alias (see
    /// [`NameFrequencies::alias_share`]).
    freq: &'a NameFrequencies,
    records: &'a [Record],
}

impl<'a> Scorer<'a> {
    pub fn new(model: &'a Model, freq: &'a NameFrequencies, records: &'a [Record]) -> Scorer<'a> {
        Scorer {
            model,
            freq,
            records,
            prior: model.prior_weight(),
            weights: FIELDS
                .iter()
                .enumerate()
                .map(|(f, field)| {
                    (0..field.levels().len())
                        .map(|l| model.weight(f, l as u8))
                        .collect()
                })
                .collect(),
            name_share: records
                .iter()
                .map(|r| freq.share(&r.name_freq_key))
                .collect(),
        }
    }

    /// The alias share of a pair whose alias level is "same".
    fn alias_share(&self, pattern: Pattern, a: u32, b: u32) -> Option<f64> {
        (pattern[ALIAS] == 0).then(|| {
            self.freq
                .alias_share(&self.records[a as usize], &self.records[b as usize])
        })?
    }

    /// The score of records `a` and `b` (indices into the records given
    /// to [`Scorer::new`]) whose comparison gave `pattern`.
    pub fn score(&self, pattern: Pattern, a: u32, b: u32) -> PairScore {
        let share = self.name_share[a as usize].max(self.name_share[b as usize]);
        let weight = |f: usize, l: u8| {
            if l == NULL {
                0.0
            } else {
                self.weights[f][l as usize]
            }
        };
        let alias_share = self.alias_share(pattern, a, b);
        pair_score(self.model, self.prior, pattern, weight, share, alias_share)
    }
}

/// [`score`] of a pair already compared: `pattern` is `compare(a, b)`.
pub fn score_pattern(
    model: &Model,
    freq: &NameFrequencies,
    pattern: Pattern,
    a: &Record,
    b: &Record,
) -> PairScore {
    let share = freq
        .share(&a.name_freq_key)
        .max(freq.share(&b.name_freq_key));
    let alias_share = (pattern[ALIAS] == 0)
        .then(|| freq.alias_share(a, b))
        .flatten();
    pair_score(
        model,
        model.prior_weight(),
        pattern,
        |f, l| model.weight(f, l),
        share,
        alias_share,
    )
}

/// The weights of `pattern`, field by field, and their sum with the
/// prior. `name_share` is the larger frequency of the two records' names:
/// for agreement on a value v, u is the chance two different people share
/// v, v's frequency (the common-name penalty). `alias_share`, for a pair
/// that agrees on an alias, is the share of records carrying that reading:
/// the alias's weight is at most `log2(m / share)`, so a nickname half the
/// city shares says little, while a rare one keeps the model's weight.
fn pair_score(
    model: &Model,
    prior: f64,
    pattern: Pattern,
    weight: impl Fn(usize, u8) -> f64,
    name_share: f64,
    alias_share: Option<f64>,
) -> PairScore {
    let mut weights = [0.0; 6];
    let mut total = prior;
    for (f, &l) in pattern.iter().enumerate() {
        let w = if FIELDS[f] == Field::Name && l <= 2 {
            (model.m[f][l as usize] / name_share).log2()
        } else if let (Field::Alias, 0, Some(share)) = (FIELDS[f], l, alias_share) {
            weight(f, l).min((model.m[f][0] / share).log2())
        } else {
            weight(f, l)
        };
        weights[f] = w;
        total += w;
    }
    PairScore {
        pattern,
        weights,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn rec(name: &str, id: &str) -> Record {
        let mut r = Record::new(name, &[], id, NO_TIME, "");
        r.id_dob = NO_TIME;
        r
    }

    proptest::proptest! {
        /// The same answer as strsim's `osa_distance(a, b) == 1`.
        #[test]
        fn one_typo_apart_is_strsims(a in "[0-3X]{0,6}", b in "[0-3X]{0,6}") {
            proptest::prop_assert_eq!(one_typo_apart(&a, &b), strsim::osa_distance(&a, &b) == 1, "{} {}", a, b);
        }

        /// Bit for bit strsim's value, on short and long ASCII strings
        /// (a small alphabet, so that matches and transpositions happen).
        #[test]
        fn ascii_jaro_winkler_is_strsims(a in "[a-e ]{0,70}", b in "[a-e ]{0,70}") {
            proptest::prop_assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }

        /// The same on text in characters (Chinese addresses and names,
        /// mixed with Latin), up to and past the 64-character limit.
        #[test]
        fn char_jaro_winkler_is_strsims(a in "[北京市路号a1 ]{0,70}", b in "[北京市路号a1 ]{0,70}") {
            proptest::prop_assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }

        /// Any characters at all (many distinct ones, so that the table of
        /// positions has collisions to probe past), and b built from a
        /// with edits so that most pairs are close.
        #[test]
        fn any_text_jaro_winkler_is_strsims(a in "\\PC{0,66}", edits in proptest::collection::vec((0usize..70, "\\PC"), 0..4)) {
            let mut b: Vec<char> = a.chars().collect();
            for (at, c) in edits {
                let c = c.chars().next().unwrap_or('x');
                if b.is_empty() || at % 3 == 0 {
                    b.insert(at.min(b.len()), c);
                } else if at % 3 == 1 {
                    let k = at % b.len();
                    b[k] = c;
                } else {
                    b.remove(at % b.len());
                }
            }
            let b: String = b.into_iter().collect();
            proptest::prop_assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }
    }

    /// The precomputed scorer gives score_pattern's values bit for bit,
    /// common and rare names, agreeing and not.
    #[test]
    fn scorer_is_score_pattern() {
        let records = vec![
            rec("张伟", "11010519491231002X"),
            rec("Zhang Wei", "11010519491231002X"),
            rec("张伟", ""),
            rec("Li Na", "11010519491213002X"),
            rec("Ouyang Xiaoming", ""),
            rec("欧阳小明", "440524188001010014"),
            Record::new("马思", &["老马"], "", NO_TIME, ""),
            Record::new("马思", &["Lao Ma"], "", NO_TIME, ""),
        ];
        let n = records.len() as u32;
        let all: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect();
        let patterns: Vec<Pattern> = all
            .iter()
            .map(|&(a, b)| compare(&records[a as usize], &records[b as usize]))
            .collect();
        let model = estimate(
            &count_patterns(patterns.iter().copied()),
            &[],
            0.0,
            &EmConfig::default(),
        );
        let freq = NameFrequencies::new(&records);
        let scorer = Scorer::new(&model, &freq, &records);
        for (&(a, b), &p) in all.iter().zip(&patterns) {
            let (x, y) = (&records[a as usize], &records[b as usize]);
            let want = score_pattern(&model, &freq, p, x, y);
            let got = scorer.score(p, a, b);
            assert_eq!(got.total.to_bits(), want.total.to_bits(), "{a}-{b}");
            assert_eq!(got, want);
        }
    }

    #[test]
    fn the_alias_position_is_the_alias_field() {
        assert_eq!(FIELDS[ALIAS], Field::Alias);
    }

    /// A nickname built from a family name is shared by many unrelated
    /// people (the generated large case 7 merged an operator's intelligence
    /// record, 马思 "老马", with another 马思 "老马" of a police case on it:
    /// alias +19.7). Agreeing on it weighs by how many records carry it;
    /// agreeing on a rare one keeps the model's weight.
    #[test]
    fn a_common_nickname_weighs_less_than_a_rare_one() {
        let mut records: Vec<Record> = (0..40)
            .map(|i| {
                let name = format!(
                    "马{}",
                    ['一', '二', '三', '四', '五', '六', '七', '八'][i % 8]
                );
                Record::new(&name, &["老马"], "", NO_TIME, "")
            })
            .collect();
        records.push(Record::new("马思", &["老马"], "", NO_TIME, ""));
        records.push(Record::new("马思", &["Lao Ma"], "", NO_TIME, ""));
        records.push(Record::new("周明", &["铁头"], "", NO_TIME, ""));
        records.push(Record::new("周明", &["Tie Tou"], "", NO_TIME, ""));
        for i in 0..400 {
            records.push(Record::new(
                &format!("Person Number{i}"),
                &[],
                "",
                NO_TIME,
                "",
            ));
        }
        let freq = NameFrequencies::new(&records);
        let (common, rare) = ((40, 41), (42, 43));
        let share_of = |(a, b): (usize, usize)| freq.alias_share(&records[a], &records[b]);
        // 41 records carry lao ma (the 40, and record 40; 41 reads it in
        // pinyin), 2 carry tie tou.
        let n = records.len() as f64;
        assert_eq!(share_of(common), Some(42.0 / n));
        assert_eq!(share_of(rare), Some(2.0 / n));
        assert_eq!(freq.alias_share(&records[0], &records[42]), None);
        let mut model = estimate(
            &count_patterns(std::iter::empty()),
            &[],
            0.0,
            &EmConfig::default(),
        );
        // The model's "same alias": m 0.5, u 1e-6 (learnt from rare ones).
        model.m[ALIAS][0] = 0.5;
        model.u[ALIAS][0] = 1e-6;
        let scorer = Scorer::new(&model, &freq, &records);
        let alias_weight = |(a, b): (usize, usize)| {
            let p = compare(&records[a], &records[b]);
            assert_eq!(p[ALIAS], 0);
            scorer.score(p, a as u32, b as u32).weights[ALIAS]
        };
        let full = model.weight(ALIAS, 0);
        assert!((alias_weight(common) - (0.5 * n / 42.0).log2()).abs() < 1e-12);
        assert!(alias_weight(common) < full - 10.0);
        // The rare one: log2(0.5 n / 2) is still under the model's weight.
        assert!(alias_weight(rare) > alias_weight(common) + 4.0);
        assert!(alias_weight(rare) <= full);
    }

    #[test]
    fn byte_jaro_winkler_is_strsims() {
        for (a, b) in [
            ("zhangwei", "zhangwen"),
            ("martha", "marhta"),
            ("", "x"),
            ("abc", "abc"),
        ] {
            assert_eq!(jaro_winkler(a, b), strsim::jaro_winkler(a, b), "{a} {b}");
        }
        assert_eq!(
            jaro_winkler("张伟", "张炜"),
            strsim::jaro_winkler("张伟", "张炜")
        );
    }

    #[test]
    fn name_levels() {
        let lv = |a: &str, b: &str| {
            let r = |s: &str| {
                let (name, aliases) = s.split_once('|').unwrap_or((s, ""));
                let aliases: Vec<&str> = aliases.split(';').filter(|x| !x.is_empty()).collect();
                Record::new(name, &aliases, "", NO_TIME, "")
            };
            Field::Name.levels()[name_level(&r(a), &r(b)) as usize]
        };
        assert_eq!(lv("张伟", "张伟"), "exact");
        assert_eq!(lv("ZHANG Wei", "zhang wei"), "exact");
        assert_eq!(lv("张伟", "Zhang Wei"), "same_reading");
        assert_eq!(lv("张伟", "Wei Zhang"), "same_reading");
        assert_eq!(lv("Zhang Wei", "Wei Zhang"), "same_reading");
        assert_eq!(lv("张晓明", "Xiao Ming Zhang"), "same_reading");
        assert_eq!(lv("滕瑶秋", "滕姚秋"), "homophone");
        assert_eq!(lv("Zhang Xiaoming", "Zhang Xiaomin"), "close");
        assert_eq!(lv("张伟", "李娜"), "different");
        // Forms of address and nicknames fit a name by one character's reading.
        assert_eq!(lv("聂姐", "聂秀兰"), "nickname_fits");
        assert_eq!(lv("小纪|纪哥", "纪明"), "nickname_fits");
        assert_eq!(lv("阿媛", "张苑"), "nickname_fits");
        assert_eq!(lv("可可|老王;阿可", "王琪可"), "nickname_fits");
        assert_eq!(lv("Amy|小叶", "Ye Wenqing"), "nickname_fits");
        assert_eq!(lv("赵哥", "聂秀兰"), "nickname_other");
        assert_eq!(lv("Amy", "聂秀兰"), "nickname_unknown");
        assert_eq!(lv("张铭亦", "张明亦"), "homophone");
        assert_eq!(lv("张铭亦", "张敏亦"), "close");
        assert_eq!(lv("张铭", "张铭亦"), "similar");
        assert_eq!(lv("张航", "张铭亦"), "different");
        assert_eq!(lv("Amy", "Amy"), "exact");
        // Not Chinese: a single word compares as text.
        assert_eq!(lv("smith", "john smith"), "similar");
        assert_eq!(lv("smith", "smyth"), "similar");
        let r = |n: &str| Record::new(n, &[], "", NO_TIME, "");
        assert_eq!(name_level(&r(""), &r("李娜")), NULL);
    }

    #[test]
    fn id_levels_forgive_one_typo() {
        let a = rec("a", "11010519491231002X");
        assert_eq!(id_level(&a, &rec("b", "110105 19491231 002x")), 0);
        assert_eq!(id_level(&a, &rec("b", "11010519491231003X")), 1);
        assert_eq!(id_level(&a, &rec("b", "11010519492131002X")), 1); // swap
        assert_eq!(id_level(&a, &rec("b", "11010519591232002X")), 2);
        assert_eq!(id_level(&a, &rec("b", "")), NULL);
        assert_eq!(id_level(&a, &rec("b", "11010519491231002")), 1); // check cut off
    }

    #[test]
    fn phone_levels() {
        let lv = |a: &Record, b: &Record| Field::Phone.levels()[phone_level(a, b) as usize];
        let mut a = rec("a", "");
        let mut b = rec("b", "11010519491231002X");
        a.phones = vec![1, 2];
        b.phones = vec![2];
        assert_eq!(lv(&a, &b), "shared_phone");
        a.many_phones = true;
        assert_eq!(lv(&a, &b), "shared_one_of_many");
        b.phones = vec![3];
        assert_eq!(lv(&a, &b), "different");
        // a's phone is registered to b's id number, even with b listing none.
        a.phone_subscribers = vec!["11010519491231002X".into()];
        assert_eq!(lv(&a, &b), "registered_to_other");
        b.phones.clear();
        assert_eq!(lv(&a, &b), "registered_to_other");
        a.phone_subscribers.clear();
        assert_eq!(phone_level(&a, &b), NULL);
        b.phones = vec![3];
        a.handsets = vec![7];
        b.handsets = vec![7];
        assert_eq!(lv(&a, &b), "shared_handset");
    }

    #[test]
    fn address_levels() {
        let lv = |x: &str, y: &str| {
            let (a, b) = (
                Record::new("a", &[], "", NO_TIME, x),
                Record::new("b", &[], "", NO_TIME, y),
            );
            Field::Address.levels()[address_level(&a, &b) as usize]
        };
        assert_eq!(
            lv(
                "广东省广州市白云区解放北路176号2栋1102房",
                "解放北路176号2-1102"
            ),
            "same_dwelling"
        );
        assert_eq!(
            lv("广州白云解放北路176号之2 1102室", "白云区解放北路176号"),
            "same_building"
        );
        assert_eq!(lv("解放北路176号2-1102", "解放北路18号"), "same_road");
        assert_eq!(lv("解放北路176号", "沙太路176号"), "different");
        assert_eq!(lv("12 Main St", "12 Main St."), "same_dwelling");
        assert_eq!(
            lv("12 Main Street Springfield", "12 Main Streat Springfield"),
            "close_text"
        );
    }

    #[test]
    fn dob_levels() {
        let d = |s: &str| crate::model::Clock::parse_date(s).unwrap();
        let mut a = rec("a", "");
        let mut b = rec("b", "");
        a.dob = d("1985-03-04");
        b.dob = d("1985-04-03");
        assert_eq!(dob_level(&a, &b), 1);
        b.dob = d("1986-03-04");
        assert_eq!(dob_level(&a, &b), 1);
        b.dob = d("1990-07-21");
        assert_eq!(dob_level(&a, &b), 2);
        // A dob read from an id number counts only against a record with no id.
        b.dob = NO_TIME;
        b.id_dob = d("1985-03-04");
        assert_eq!(dob_level(&a, &b), 0);
        a.id_number = "x".into();
        assert_eq!(dob_level(&a, &b), NULL);
    }

    /// Synthetic pairs from a known model: EM must find weights that put
    /// matches and non-matches on the right sides, from a cold start.
    #[test]
    fn em_recovers_a_known_model() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let true_m = [
            [0.70, 0.20, 0.06, 0.03, 0.01],
            [0.6, 0.4, 0.0, 0.0, 0.0],
            [0.9, 0.08, 0.02, 0.0, 0.0],
            [0.85, 0.1, 0.05, 0.0, 0.0],
            [0.6, 0.2, 0.2, 0.0, 0.0],
            [0.6, 0.2, 0.2, 0.0, 0.0],
        ];
        let true_u = [
            [0.002, 0.003, 0.02, 0.1, 0.875],
            [0.01, 0.99, 0.0, 0.0, 0.0],
            [0.0005, 0.001, 0.9985, 0.0, 0.0],
            [0.002, 0.02, 0.978, 0.0, 0.0],
            [0.001, 0.01, 0.989, 0.0, 0.0],
            [0.02, 0.05, 0.93, 0.0, 0.0],
        ];
        let draw = |probs: &[f64], null_rate: f64, rng: &mut rand_chacha::ChaCha8Rng| {
            if rng.gen::<f64>() < null_rate {
                return NULL;
            }
            let x: f64 = rng.gen();
            let mut acc = 0.0;
            for (l, p) in probs.iter().enumerate() {
                acc += p;
                if x < acc {
                    return l as u8;
                }
            }
            (probs.iter().rposition(|&p| p > 0.0).unwrap()) as u8
        };
        let pattern = |matched: bool, rng: &mut rand_chacha::ChaCha8Rng| {
            let mut p = [0u8; 6];
            for f in 0..6 {
                let probs = if matched { &true_m[f] } else { &true_u[f] };
                p[f] = draw(probs, if f == 0 { 0.0 } else { 0.3 }, rng);
            }
            p
        };
        let mut cand = Vec::new();
        let mut truth = Vec::new();
        for i in 0..20_000 {
            let matched = i % 5 == 0; // 20% matches among candidates
            cand.push(pattern(matched, &mut rng));
            truth.push(matched);
        }
        let rest: Vec<Pattern> = (0..50_000).map(|_| pattern(false, &mut rng)).collect();
        // Each sampled non-candidate pair stands for ten.
        let model = estimate(
            &count_patterns(cand.iter().copied()),
            &count_patterns(rest),
            10.0,
            &EmConfig::default(),
        );
        assert!(model.converged, "{model:?}");
        let true_prior = 4_000.0 / 520_000.0;
        assert!(
            (model.prior / true_prior - 1.0).abs() < 0.1,
            "prior {} should be near {true_prior}",
            model.prior
        );
        // The id number's exact-agreement m is recovered closely.
        assert!((model.m[2][0] - 0.9).abs() < 0.03, "{:?}", model.m[2]);
        let mut correct = 0;
        for (p, &t) in cand.iter().zip(&truth) {
            let predicted = model.pattern_weight(p) > 0.0;
            correct += (predicted == t) as u32;
        }
        let accuracy = correct as f64 / cand.len() as f64;
        assert!(accuracy > 0.97, "accuracy {accuracy}");
    }
}
