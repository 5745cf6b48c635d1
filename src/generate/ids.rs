//! Identifiers with check characters, and phone numbers in every spelling.
//!
//! PRC resident identity numbers end in an ISO 7064 MOD 11-2 check character
//! and IMEIs in a Luhn check digit; the generator writes valid ones so that a
//! corrupted copy (one wrong digit, two digits swapped) is detectably wrong,
//! as it is in real police data. The random parts (subscriber digits, IMEI
//! serials, account bodies) are drawn by the world, which keeps them unique.

/// Weights of the first 17 characters of an identity number (2^(17-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder of the weighted sum mod 11.
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of the 17 digits `body`.
pub fn id_check_char(body: &[u8]) -> u8 {
    debug_assert_eq!(body.len(), 17);
    let sum: u32 = body
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// Whether an 18-character identity number has a valid check character.
pub fn id_number_is_valid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && id_check_char(&b[..17]) == b[17].to_ascii_uppercase()
}

/// An identity number: region code, birth date, sequence (odd for men), check.
pub fn id_number(region: &str, y: i32, m: u32, d: u32, seq: u32) -> String {
    let body = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
    let check = id_check_char(body.as_bytes()) as char;
    format!("{body}{check}")
}

/// The Luhn check digit for the digits `body` (the digit to append).
pub fn luhn_check_digit(body: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, d) in body.iter().rev().enumerate() {
        let mut v = (d - b'0') as u32;
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Whether a digit string passes the Luhn check.
pub fn luhn_is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().all(u8::is_ascii_digit)
        && luhn_check_digit(&b[..b.len() - 1]) == b[b.len() - 1]
}

/// Type allocation codes of common handset models (8 digits).
pub const TACS: [&str; 8] = [
    "35332509", "86012304", "35391110", "86769303", "35875311", "86409204", "35942411", "86123405",
];

/// The IMEI of a handset of model `tac` (index into [`TACS`]) with a
/// 6-digit serial: 14 digits and the Luhn check digit.
pub fn imei(tac: usize, serial: u32) -> String {
    let body = format!("{}{:06}", TACS[tac % TACS.len()], serial % 1_000_000);
    let check = luhn_check_digit(body.as_bytes()) as char;
    format!("{body}{check}")
}

/// Mobile prefixes and their carrier (0 China Mobile, 1 China Unicom, 2 China Telecom).
pub const MOBILE_PREFIXES: [(&str, u8); 36] = [
    ("134", 0),
    ("135", 0),
    ("136", 0),
    ("137", 0),
    ("138", 0),
    ("139", 0),
    ("147", 0),
    ("150", 0),
    ("151", 0),
    ("152", 0),
    ("157", 0),
    ("158", 0),
    ("159", 0),
    ("178", 0),
    ("182", 0),
    ("183", 0),
    ("187", 0),
    ("188", 0),
    ("198", 0),
    ("130", 1),
    ("131", 1),
    ("132", 1),
    ("155", 1),
    ("156", 1),
    ("166", 1),
    ("175", 1),
    ("176", 1),
    ("185", 1),
    ("186", 1),
    ("133", 2),
    ("153", 2),
    ("173", 2),
    ("177", 2),
    ("180", 2),
    ("189", 2),
    ("199", 2),
];

pub const CARRIERS: [&str; 3] = ["China Mobile", "China Unicom", "China Telecom"];

/// The mobile number with prefix number `prefix` (into [`MOBILE_PREFIXES`])
/// and an 8-digit subscriber part, and its carrier.
pub fn mobile_number(prefix: usize, subscriber: u32) -> (String, u8) {
    let (p, carrier) = MOBILE_PREFIXES[prefix % MOBILE_PREFIXES.len()];
    (format!("{p}{:08}", subscriber % 100_000_000), carrier)
}

/// A bank card / account number: a bank's 6-digit issuer prefix, a 12-digit
/// body and a Luhn digit, 19 digits in all.
pub fn account_number(issuer: usize, body: u64) -> String {
    const ISSUERS: [&str; 5] = ["622202", "621700", "622848", "621226", "622588"];
    let digits = format!(
        "{}{:012}",
        ISSUERS[issuer % ISSUERS.len()],
        body % 1_000_000_000_000
    );
    let check = luhn_check_digit(digits.as_bytes()) as char;
    format!("{digits}{check}")
}

/// The contract's spellings of a number. Short service numbers have one.
pub const SPELLINGS: usize = 7;

/// Spell a national number (`13800138000`, `4008205555`, `95588`) in style
/// `0..SPELLINGS`: plain, dashed, spaced, `+86` spaced, `+86`, `0086`, `86`.
pub fn spell(national: &str, style: usize) -> String {
    let n = national.len();
    if n <= 8 {
        return national.to_string();
    }
    // Group as carriers print them: 3-4-4 for mobiles, 3-3-4 for 400 numbers.
    let (a, b, c) = if n == 11 {
        (&national[..3], &national[3..7], &national[7..])
    } else {
        (&national[..3], &national[3..6], &national[6..])
    };
    match style % SPELLINGS {
        0 => national.to_string(),
        1 => format!("{a}-{b}-{c}"),
        2 => format!("{a} {b} {c}"),
        3 => format!("+86 {a} {b} {c}"),
        4 => format!("+86{national}"),
        5 => format!("0086{national}"),
        _ => format!("86{national}"),
    }
}

/// [`spell`] into a buffer, without allocating for the plain spelling.
pub fn spell_into(out: &mut String, national: &str, style: usize) {
    if national.len() <= 8 || style % SPELLINGS == 0 {
        out.push_str(national);
    } else {
        out.push_str(&spell(national, style));
    }
}

/// The canonical number the engine makes of a national number.
pub fn canonical(national: &str) -> String {
    if national.len() <= 8 {
        national.to_string()
    } else {
        format!("+86{national}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PhoneRules;

    #[test]
    fn id_check_character_of_known_numbers() {
        // The worked example of GB 11643-1999.
        assert_eq!(id_check_char(b"11010519491231002"), b'X');
        assert!(id_number_is_valid("11010519491231002X"));
        assert!(id_number_is_valid("11010519491231002x"));
        assert!(!id_number_is_valid("110105194912310021"));
        let id = id_number("440304", 1985, 3, 7, 123);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("44030419850307123"));
        assert!(id_number_is_valid(&id));
    }

    #[test]
    fn one_wrong_digit_breaks_the_check() {
        let id = id_number("440305", 1990, 12, 1, 57);
        for pos in 0..17 {
            let mut b = id.clone().into_bytes();
            b[pos] = if b[pos] == b'9' { b'0' } else { b[pos] + 1 };
            assert!(!id_number_is_valid(std::str::from_utf8(&b).unwrap()));
        }
    }

    #[test]
    fn imeis_pass_luhn() {
        // A known valid IMEI.
        assert!(luhn_is_valid("490154203237518"));
        assert!(!luhn_is_valid("490154203237519"));
        for k in 0..20_000u32 {
            let i = imei(k as usize, k * 37);
            assert_eq!(i.len(), 15);
            assert!(luhn_is_valid(&i), "{i}");
        }
    }

    #[test]
    fn every_spelling_of_a_mobile_is_one_phone() {
        let rules = PhoneRules::default();
        for k in 0..5_000u32 {
            let (n, _) = mobile_number(k as usize, k * 7_919);
            assert_eq!(n.len(), 11);
            for style in 0..SPELLINGS {
                assert_eq!(rules.normalise(&spell(&n, style)).unwrap(), canonical(&n));
            }
        }
        for n in ["4008205555", "95588", "10086", "110"] {
            for style in 0..SPELLINGS {
                assert_eq!(rules.normalise(&spell(n, style)).unwrap(), canonical(n));
            }
        }
        assert_eq!(spell("13800138000", 3), "+86 138 0013 8000");
    }

    proptest::proptest! {
        #[test]
        fn any_generated_mobile_in_any_spelling_is_one_phone(
            prefix in 0usize..MOBILE_PREFIXES.len(),
            subscriber in 0u32..100_000_000,
            style in 0usize..SPELLINGS,
        ) {
            let (n, _) = mobile_number(prefix, subscriber);
            let mut into = String::new();
            spell_into(&mut into, &n, style);
            proptest::prop_assert_eq!(&into, &spell(&n, style));
            proptest::prop_assert_eq!(PhoneRules::default().normalise(&into), Ok(canonical(&n)));
        }

        #[test]
        fn generated_ids_and_imeis_check(
            y in 1930i32..2008, m in 1u32..=12, d in 1u32..=28, seq in 0u32..1000,
            tac in 0usize..TACS.len(), serial in 0u32..1_000_000,
        ) {
            proptest::prop_assert!(id_number_is_valid(&id_number("440304", y, m, d, seq)));
            proptest::prop_assert!(luhn_is_valid(&imei(tac, serial)));
        }
    }

    #[test]
    fn account_numbers_pass_luhn() {
        for k in 0..1000u64 {
            let a = account_number(k as usize, k * 123_457);
            assert_eq!(a.len(), 19);
            assert!(luhn_is_valid(&a));
        }
    }
}
