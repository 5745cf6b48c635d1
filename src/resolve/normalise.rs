//! Normalisers for the fields entity resolution compares: names (Latin
//! script, Chinese characters and pinyin), PRC resident identity numbers,
//! dates of birth and free-text addresses.
//!
//! Every normaliser is total (never panics, whatever the input) and
//! idempotent on its own output, so a value normalised twice compares like
//! a value normalised once. Full-width forms (`ＺＨＡＮＧ`, `１１０１…`), which
//! Chinese input methods produce, are folded to ASCII first.

use crate::model::Time;
use chrono::Datelike;
use pinyin::ToPinyin;

/// Fold full-width ASCII (U+FF01..U+FF5E) and the ideographic space to
/// their ASCII forms; other characters are unchanged.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A CJK unified ideograph (the basic block and extension A), the
/// characters Chinese names are written in.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Two-character family names; everything else takes the first character
/// as the family name.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "澹台", "呼延", "万俟",
];

/// Family names whose reading differs from the character's most common
/// reading (曾 is Zeng as a surname, not ceng).
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("解", "xie"),
    ("查", "zha"),
    ("朴", "piao"),
    ("盖", "ge"),
    ("缪", "miao"),
    ("乐", "yue"),
    ("覃", "qin"),
    ("翟", "zhai"),
    ("秘", "bi"),
    ("种", "chong"),
    ("长孙", "zhangsun"),
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
];

/// Pinyin of a run of Han characters, without tones, ü written `u`;
/// characters without a reading are skipped.
pub fn pinyin_of(han: &str) -> String {
    let mut out = String::new();
    for c in han.chars() {
        if let Some(p) = c.to_pinyin() {
            for ch in p.plain().chars() {
                out.push(if ch == 'ü' { 'u' } else { ch });
            }
        }
    }
    out
}

/// A name ready for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameForm {
    /// The Han characters as written (no spaces or dots); empty for a name
    /// in Latin script.
    pub han: String,
    /// Lowercase ASCII tokens in written order; for a Han name, the pinyin
    /// of the family name then of the given name.
    pub tokens: Vec<String>,
    /// Index of the token known to be the family name: the first for a Han
    /// name or `FAMILY, Given`, an all-capitals token in a mixed-case name.
    pub family: Option<usize>,
}

impl NameForm {
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The name written family name first and run together, for each
    /// plausible choice of family name: `Wei Zhang` gives `weizhang` and
    /// `zhangwei`; a Han name gives one.
    pub fn orderings(&self) -> Vec<String> {
        let t = &self.tokens;
        if t.is_empty() {
            return Vec::new();
        }
        let joined = |family: usize| {
            let mut s = t[family].clone();
            for (i, tok) in t.iter().enumerate() {
                if i != family {
                    s.push_str(tok);
                }
            }
            s
        };
        match self.family {
            Some(f) => vec![joined(f)],
            None => {
                let mut v = vec![joined(0)];
                if t.len() > 1 {
                    let last = joined(t.len() - 1);
                    if last != v[0] {
                        v.push(last);
                    }
                }
                v
            }
        }
    }

    /// An order-free key: the tokens sorted and run together. Two spellings
    /// of one name in either order share it (used for name frequencies).
    pub fn sorted_key(&self) -> String {
        let mut t = self.tokens.clone();
        t.sort();
        t.concat()
    }
}

/// Normalise a personal name written in Chinese characters or Latin script.
///
/// Han: the characters are kept as written and read as pinyin, the family
/// name (one character, or a compound such as 欧阳) first. Latin: case,
/// spacing, diacritics and punctuation are dropped, hyphens and apostrophes
/// join (`Xiao-Ming` is `xiaoming`), `lv`/`nv` are read as `lu`/`nu`.
pub fn normalise_name(raw: &str) -> NameForm {
    let folded: String = raw.chars().map(fold_width).collect();
    let han: String = folded.chars().filter(|&c| is_han(c)).collect();
    if !han.is_empty() {
        let compound = COMPOUND_SURNAMES
            .iter()
            .find(|s| han.starts_with(**s) && han.chars().count() > 2);
        let split = match compound {
            Some(s) => s.len(),
            None => han.chars().next().map_or(0, char::len_utf8),
        };
        let (family, given) = han.split_at(split);
        let family_py = SURNAME_READINGS
            .iter()
            .find(|(h, _)| *h == family)
            .map(|(_, p)| p.to_string())
            .unwrap_or_else(|| pinyin_of(family));
        let mut tokens = Vec::new();
        if !family_py.is_empty() {
            tokens.push(family_py);
        }
        let given_py = pinyin_of(given);
        if !given_py.is_empty() {
            tokens.push(given_py);
        }
        return NameForm {
            han,
            tokens,
            family: Some(0),
        };
    }
    // `FAMILY, Given`: the part before a comma is the family name.
    let (before, after) = match folded.split_once(',') {
        Some((b, a)) => (b, a),
        None => (folded.as_str(), ""),
    };
    let mut tokens = Vec::new();
    let mut shouting = Vec::new();
    let mut n_before = 0;
    for (part, text) in [before, after].into_iter().enumerate() {
        for word in text.split([' ', '\t', ',', '.', '·', '/']) {
            let letters: String = word
                .chars()
                .filter(|c| !matches!(c, '-' | '\'' | '’' | '‘'))
                .flat_map(latin_base)
                .collect();
            if letters.is_empty() {
                continue;
            }
            let alpha = || word.chars().filter(|c| c.is_alphabetic());
            shouting.push(alpha().count() > 1 && alpha().all(char::is_uppercase));
            tokens.push(canonical_syllable(letters));
            if part == 0 {
                n_before += 1;
            }
        }
    }
    let n_caps = shouting.iter().filter(|&&c| c).count();
    let family = if tokens.len() < 2 {
        None
    } else if !after.is_empty() && n_before == 1 {
        Some(0)
    } else if n_caps == 1 {
        shouting.iter().position(|&c| c)
    } else {
        None
    };
    NameForm {
        han: String::new(),
        tokens,
        family,
    }
}

/// The lowercase ASCII letters and digits of one character, diacritics
/// dropped (`é` is `e`, `ü` is `u`); other characters give nothing.
fn latin_base(c: char) -> impl Iterator<Item = char> {
    let base = match c.to_lowercase().next().unwrap_or(c) {
        c @ ('a'..='z' | '0'..='9') => Some(c),
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ǎ' => Some('a'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => Some('e'),
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ǐ' => Some('i'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ǒ' | 'ø' => Some('o'),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => Some('u'),
        'ç' => Some('c'),
        'ñ' => Some('n'),
        'ý' | 'ÿ' => Some('y'),
        _ => None,
    };
    base.into_iter()
}

/// `lv`, `nv`, `lyu`, `nyu` (ways of typing lü, nü) read as `lu`, `nu`.
fn canonical_syllable(tok: String) -> String {
    match tok.as_str() {
        "lv" | "lyu" => "lu".into(),
        "nv" | "nyu" => "nu".into(),
        _ => tok,
    }
}

/// Every toneless pinyin syllable (ü written `u`), read once from the
/// pinyin crate's table of all CJK unified ideographs.
pub fn pinyin_syllables() -> &'static rustc_hash::FxHashSet<String> {
    static SYLLABLES: std::sync::OnceLock<rustc_hash::FxHashSet<String>> =
        std::sync::OnceLock::new();
    SYLLABLES.get_or_init(|| {
        ('\u{4E00}'..='\u{9FFF}')
            .filter_map(|c| c.to_pinyin())
            .map(|p| p.plain().replace('ü', "u"))
            .collect()
    })
}

/// Split lowercase letters into pinyin syllables, as few as possible
/// (`xiaoming` is `xiao ming`), or `None` when they are not pinyin
/// (`jenny`, `amy`).
pub fn split_pinyin(word: &str) -> Option<Vec<String>> {
    let syllables = pinyin_syllables();
    let b = word.as_bytes();
    if b.is_empty() || !word.is_ascii() {
        return None;
    }
    // best[i]: fewest syllables covering word[..i], and the last one's start.
    let mut best: Vec<Option<(u32, usize)>> = vec![None; b.len() + 1];
    best[0] = Some((0, 0));
    for end in 1..=b.len() {
        for start in end.saturating_sub(6)..end {
            if let Some((n, _)) = best[start] {
                if syllables.contains(&word[start..end]) && best[end].is_none_or(|(m, _)| n + 1 < m)
                {
                    best[end] = Some((n + 1, start));
                }
            }
        }
    }
    best[b.len()]?;
    let mut out = Vec::new();
    let mut end = b.len();
    while end > 0 {
        let (_, start) = best[end]?;
        out.push(word[start..end].to_string());
        end = start;
    }
    out.reverse();
    Some(out)
}

/// How a name is written, for comparing it with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameKind {
    /// A family and given name, in characters or pinyin.
    #[default]
    Full,
    /// A form of address or a pet name in characters (老王, 小纪, 赵哥,
    /// 聂姐, 张总, 王老板, 阿伟, 大伟, 伟伟): one character of the name.
    Address,
    /// A Latin-script name that is not pinyin (Amy, Jenny, David): a
    /// nickname that says nothing about a name in characters.
    Latin,
}

/// Prefixes of a form of address (老王, 小王, 阿伟, 大伟).
const ADDRESS_PREFIXES: [char; 4] = ['老', '小', '阿', '大'];
/// Suffixes of a form of address (王哥, 王姐, 王总, 王叔, 王姨, 王嫂).
const ADDRESS_SUFFIXES: [char; 6] = ['哥', '姐', '总', '叔', '姨', '嫂'];

/// The character a form of address is built on: 老王, 小王, 王哥, 王姐,
/// 王总, 王叔, 王姨, 王嫂, 王老板 (a family name); 阿伟, 大伟, 伟伟 (a
/// character of the given name). `None` for anything else.
pub fn address_form_char(han: &str) -> Option<char> {
    let c: Vec<char> = han.chars().collect();
    match c.as_slice() {
        [p, x] if ADDRESS_PREFIXES.contains(p) => Some(*x),
        [x, s] if ADDRESS_SUFFIXES.contains(s) => Some(*x),
        [x, y] if x == y => Some(*x),
        [x, '老', '板'] => Some(*x),
        _ => None,
    }
}

/// What kind of name this is (see [`NameKind`]).
pub fn name_kind(name: &NameForm) -> NameKind {
    if !name.han.is_empty() {
        return if address_form_char(&name.han).is_some() {
            NameKind::Address
        } else {
            NameKind::Full
        };
    }
    let n_syllables: Option<usize> = name
        .tokens
        .iter()
        .map(|t| split_pinyin(t).map(|s| s.len()))
        .sum();
    // One word that is not two or more pinyin syllables; a name of two
    // words or more (FEBRL's "john smith") is a full name.
    match n_syllables {
        _ if name.tokens.len() != 1 => NameKind::Full,
        Some(n) if n >= 2 => NameKind::Full,
        _ => NameKind::Latin,
    }
}

/// The readings of a name's characters, one syllable each (for a name in
/// pinyin, its tokens split into syllables).
pub fn char_readings(name: &NameForm) -> Vec<String> {
    if !name.han.is_empty() {
        // The family name's own reading first (曾 is zeng as a family name).
        return name
            .tokens
            .first()
            .cloned()
            .into_iter()
            .chain(name.han.chars().map(|c| pinyin_of(&c.to_string())))
            .filter(|p| !p.is_empty())
            .collect();
    }
    name.tokens
        .iter()
        .flat_map(|t| split_pinyin(t).unwrap_or_else(|| vec![t.clone()]))
        .collect()
}

/// An identity number: uppercase, without spaces, hyphens or full-width
/// forms; a 15-digit first-generation PRC number is upgraded to its
/// 18-character form (century `19` inserted, check character computed).
pub fn normalise_id_number(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
        let mut first17 = String::with_capacity(18);
        first17.push_str(&s[..6]);
        first17.push_str("19");
        first17.push_str(&s[6..]);
        if let Some(check) = prc_check_char(&first17) {
            first17.push(check);
            return first17;
        }
    }
    s
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits of a PRC
/// resident identity number (`0`-`9` or `X`), or `None` if `first17` is
/// not 17 ASCII digits.
pub fn prc_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Weight of position i (from the left) is 2^(17 - i) mod 11.
    let mut sum = 0u32;
    let mut weight = 1u32;
    let mut weights = [0u32; 17];
    for w in weights.iter_mut().rev() {
        weight = weight * 2 % 11;
        *w = weight;
    }
    for (d, w) in b.iter().zip(weights) {
        sum += u32::from(d - b'0') * w;
    }
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

/// Whether `id` (normalised) is an 18-character PRC number with the right
/// check character.
pub fn is_valid_prc_id(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && prc_check_char(&id[..17]).is_some_and(|c| id.ends_with(c))
}

/// Whether `id` (normalised) is a PRC unified social credit code (GB
/// 32100-2015), the number a company, office or other organisation
/// registers a line under: 18 characters of `0-9` and the capitals without
/// I, O, S, V and Z, a six-digit region code in characters 3-8, and either
/// a letter among the organisation code (characters 9-17) — where no
/// resident identity number has one — or an enterprise's `91`-`93` prefix
/// with a correct MOD 31 check character. Sources do not always carry a
/// correct check character.
pub fn is_organisation_code(id: &str) -> bool {
    const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let b = id.as_bytes();
    if b.len() != 18 || !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut values = [0u32; 18];
    for (v, c) in values.iter_mut().zip(b) {
        match CHARSET.iter().position(|x| x == c) {
            Some(i) => *v = i as u32,
            None => return false,
        }
    }
    if b[8..17].iter().any(u8::is_ascii_uppercase) {
        return true;
    }
    // Weight of position i is 3^i mod 31.
    let mut sum = 0u32;
    let mut weight = 1u32;
    for v in &values[..17] {
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    // Digits only: a resident number with a mistyped check character passes
    // MOD 31 once in 31, so only an enterprise's code (registered by the
    // market regulator: `91`-`93`, where no province's resident numbers
    // begin) is taken on its check character.
    b[0] == b'9'
        && (b'1'..=b'3').contains(&b[1])
        && values[17] == (31 - sum % 31) % 31
        && !is_valid_prc_id(id)
}

/// Words that make a subscriber name an organisation's: a company, a
/// branch, an agency (in characters anywhere in the name; in Latin script
/// as a whole word, any case). None can be a person's given name (中心
/// could, and is left out).
const ORGANISATION_HAN: &[&str] = &[
    "公司",
    "有限",
    "集团",
    "银行",
    "事务所",
    "营业部",
    "合作社",
    "商行",
    "工作室",
];
const ORGANISATION_LATIN: &[&str] = &[
    "ltd",
    "limited",
    "co",
    "company",
    "inc",
    "llc",
    "corp",
    "corporation",
    "agency",
    "services",
    "bank",
    "group",
    "gmbh",
];

/// Whether a registration's subscriber is an organisation rather than a
/// person: its identity number is a unified social credit code, or its name
/// carries a company's words (有限公司, Ltd, Agency ...). A person's name
/// carries none of them, and a resident identity number is never taken for
/// a code ([`is_organisation_code`]).
pub fn names_an_organisation(subscriber_name: &str, id_number: &str) -> bool {
    if is_organisation_code(&normalise_id_number(id_number)) {
        return true;
    }
    let name: String = subscriber_name.chars().map(fold_width).collect();
    if ORGANISATION_HAN.iter().any(|w| name.contains(w)) {
        return true;
    }
    name.split(|c: char| !c.is_alphanumeric())
        .any(|w| ORGANISATION_LATIN.iter().any(|o| w.eq_ignore_ascii_case(o)))
}

/// The date of birth a valid PRC number carries in characters 7-14, as
/// midnight of that day.
pub fn prc_birth_date(id: &str) -> Option<Time> {
    if !is_valid_prc_id(id) {
        return None;
    }
    crate::model::Clock::parse_date(&format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14])).ok()
}

/// Year, month and day of a date.
pub fn ymd(t: Time) -> Option<(i32, u32, u32)> {
    let d = chrono::DateTime::from_timestamp(t, 0)?.date_naive();
    Some((d.year(), d.month(), d.day()))
}

/// An address for comparison: lowercase letters, digits and Han
/// characters only (spacing and punctuation differ between clerks).
pub fn normalise_address(raw: &str) -> String {
    raw.chars()
        .map(fold_width)
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_unified_social_credit_code_is_an_organisation_and_a_person_id_is_not() {
        // Letters in the organisation code, as a source wrote it.
        assert!(is_organisation_code("91440111R4HEH8W1CR"));
        // A digit-only organisation code: only with the right MOD 31
        // check character.
        assert!(is_organisation_code("91350100000000001L"));
        assert!(!is_organisation_code("91350100000000001M"));
        assert!(!is_organisation_code("913501000000000013"));
        // Regression (foreign mid-41): a resident number with a mistyped
        // check character that happens to pass MOD 31 is no company's.
        assert!(!is_valid_prc_id("34122119930916744X"));
        assert!(!is_organisation_code("34122119930916744X"));
        assert!(!names_an_organisation("彭慧菁", "34122119930916744X"));
        // Not the code's alphabet (O), or no region code.
        assert!(!is_organisation_code("91440111O4HEH8W1CR"));
        assert!(!is_organisation_code("91A40111R4HEH8W1CR"));
        // A valid resident identity number is not a code.
        assert!(is_valid_prc_id("11010519491231002X"));
        assert!(!is_organisation_code("11010519491231002X"));
        assert!(!is_organisation_code(""));
    }

    #[test]
    fn a_company_name_or_code_names_an_organisation() {
        assert!(names_an_organisation("深圳市优选家居营销有限公司", ""));
        assert!(names_an_organisation("Pengcheng Broadband Sales Ltd", ""));
        assert!(names_an_organisation(
            "Shenzhen Huaxin Insurance Agency",
            ""
        ));
        assert!(names_an_organisation("", "91440111R4HEH8W1CR"));
        assert!(!names_an_organisation("李羽磊", "440513200012127971"));
        assert!(!names_an_organisation("Coco Li", ""));
        assert!(!names_an_organisation("王中心", "440106198001011234"));
        assert!(!names_an_organisation("", ""));
    }
    use super::*;
    use proptest::prelude::*;

    fn check_name(raw: &str, tokens: &[&str], family: Option<usize>) {
        let n = normalise_name(raw);
        assert_eq!(n.tokens, tokens, "{raw}");
        assert_eq!(n.family, family, "{raw}");
    }

    #[test]
    fn latin_names_lose_case_spacing_and_punctuation() {
        check_name("Zhang Wei", &["zhang", "wei"], None);
        check_name("  zhang   wei ", &["zhang", "wei"], None);
        check_name("ZHANG Wei", &["zhang", "wei"], Some(0));
        check_name("Wei ZHANG", &["wei", "zhang"], Some(1));
        check_name("Zhang, Wei", &["zhang", "wei"], Some(0));
        check_name("Zhang Xiao-Ming", &["zhang", "xiaoming"], None);
        check_name("Ｚｈａｎｇ　Ｗｅｉ", &["zhang", "wei"], None);
        check_name("Lv Bu", &["lu", "bu"], None);
        check_name("José Núñez", &["jose", "nunez"], None);
    }

    #[test]
    fn chinese_names_meet_their_pinyin() {
        let han = normalise_name("张伟");
        assert_eq!(han.han, "张伟");
        assert_eq!(han.tokens, ["zhang", "wei"]);
        for latin in ["Zhang Wei", "ZHANG Wei", "Wei Zhang", "wei  zhang"] {
            let l = normalise_name(latin);
            assert!(
                l.orderings().iter().any(|o| han.orderings().contains(o)),
                "{latin}"
            );
            assert_eq!(l.sorted_key(), han.sorted_key(), "{latin}");
        }
        assert_eq!(normalise_name("欧阳娜娜").tokens, ["ouyang", "nana"]);
        assert_eq!(normalise_name("曾小贤").tokens, ["zeng", "xiaoxian"]);
        assert_eq!(normalise_name("吕布").tokens, ["lu", "bu"]);
        assert_eq!(normalise_name("张 伟").han, "张伟");
    }

    /// Real numbers' structure: 6-digit region, 8-digit birth date, 3-digit
    /// sequence, check. This one is the standard's worked example.
    #[test]
    fn prc_check_character() {
        assert_eq!(prc_check_char("11010519491231002"), Some('X'));
        assert!(is_valid_prc_id("11010519491231002X"));
        assert!(!is_valid_prc_id("110105194912310021"));
        assert_eq!(prc_check_char("44052418800101001"), Some('4'));
        assert!(is_valid_prc_id("440524188001010014"));
        assert_eq!(prc_check_char("4405241880010100"), None);
        assert_eq!(prc_check_char("4405241880010100A"), None);
        assert!(!is_valid_prc_id("11010519491231002Ｘ"));
        assert_eq!(
            normalise_id_number("11010519491231002ｘ"),
            "11010519491231002X"
        );
        assert_eq!(
            normalise_id_number("110105 19491231 002x"),
            "11010519491231002X"
        );
        let d = prc_birth_date("11010519491231002X").unwrap();
        assert_eq!(ymd(d), Some((1949, 12, 31)));
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let up = normalise_id_number("110105491231002");
        assert_eq!(up, "11010519491231002X");
        assert!(is_valid_prc_id(&up));
    }

    #[test]
    fn addresses_keep_only_letters_digits_and_han() {
        assert_eq!(
            normalise_address("No. 12,  Renmin Rd."),
            normalise_address("no 12 renmin rd")
        );
        assert_eq!(
            normalise_address("深圳市 福田区，１２号"),
            "深圳市福田区12号"
        );
    }

    #[test]
    fn names_as_they_are_spoken() {
        assert_eq!(split_pinyin("xiaoming").unwrap(), ["xiao", "ming"]);
        assert_eq!(split_pinyin("zhuang").unwrap(), ["zhuang"]);
        assert_eq!(split_pinyin("jenny"), None);
        for (han, c) in [
            ("老王", '王'),
            ("小纪", '纪'),
            ("赵哥", '赵'),
            ("聂姐", '聂'),
            ("张总", '张'),
            ("王老板", '王'),
            ("阿伟", '伟'),
            ("亮亮", '亮'),
        ] {
            assert_eq!(address_form_char(han), Some(c), "{han}");
            assert_eq!(name_kind(&normalise_name(han)), NameKind::Address, "{han}");
        }
        for full in ["王伟", "欧阳娜娜", "张小明", "Zhang Wei", "ZHANG Xiaoming"] {
            assert_eq!(name_kind(&normalise_name(full)), NameKind::Full, "{full}");
        }
        for latin in ["Amy", "Jenny", "David"] {
            assert_eq!(
                name_kind(&normalise_name(latin)),
                NameKind::Latin,
                "{latin}"
            );
        }
        assert_eq!(
            char_readings(&normalise_name("曾小贤")),
            ["zeng", "ceng", "xiao", "xian"]
        );
        assert_eq!(
            char_readings(&normalise_name("Zhang Xiaoming")),
            ["zhang", "xiao", "ming"]
        );
    }

    proptest! {
        #[test]
        fn name_normaliser_is_total_and_idempotent(raw in "\\PC{0,30}") {
            let n = normalise_name(&raw);
            // The normalised spelling normalises to itself.
            let again_src = if n.han.is_empty() { n.tokens.join(" ") } else { n.han.clone() };
            let again = normalise_name(&again_src);
            prop_assert_eq!(&again.tokens, &n.tokens);
            prop_assert_eq!(&again.han, &n.han);
            let _ = n.orderings();
        }

        #[test]
        fn han_names_are_idempotent(raw in "[\u{4E00}-\u{9FA5}]{1,4}") {
            let n = normalise_name(&raw);
            prop_assert_eq!(normalise_name(&n.han), n);
        }

        #[test]
        fn id_normaliser_is_total_and_idempotent(raw in "\\PC{0,25}") {
            let id = normalise_id_number(&raw);
            prop_assert_eq!(normalise_id_number(&id), id.clone());
            let _ = is_valid_prc_id(&id);
            let _ = prc_birth_date(&id);
        }

        #[test]
        fn one_changed_digit_breaks_the_check(first17 in "[0-9]{17}", pos in 0usize..17, delta in 1u8..10) {
            let check = prc_check_char(&first17).unwrap();
            let id = format!("{first17}{check}");
            prop_assert!(is_valid_prc_id(&id));
            let mut b = id.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            prop_assert!(!is_valid_prc_id(&String::from_utf8(b).unwrap()));
        }

        #[test]
        fn address_normaliser_is_idempotent(raw in "\\PC{0,40}") {
            let a = normalise_address(&raw);
            prop_assert_eq!(normalise_address(&a), a.clone());
        }
    }
}
