//! Phone numbers as investigators write them, turned into one canonical
//! spelling so that `138-0013-8000`, `+86 138 0013 8000` and `008613800138000`
//! become one phone node.
//!
//! The rule, in order (documented for users in `docs/case-format.md`):
//! 1. Separators are dropped: spaces, `-`, `.`, `(`, `)`, `/`. Anything else
//!    that is not a digit (a letter, `#`, `*`, a `+` anywhere but first)
//!    makes the value "not a number" and the row is rejected.
//! 2. `+` followed by digits is already international: kept as `+digits`.
//! 3. A leading `00` is the international call prefix: `00CC…` becomes `+CC…`.
//! 4. Short numbers (3 to 8 digits: `110`, `10086`, `95588`) are service or
//!    local numbers and are kept as dialled, without a country code.
//! 5. A leading trunk `0` (`010 1234 5678`) is dropped and the default
//!    country code put in front: `+861012345678`.
//! 6. Digits that start with the default country code and are then long
//!    enough to be a national number (at least 9 more digits) already carry
//!    the country code: `8613800138000` becomes `+8613800138000`.
//! 7. Anything else is a national number: the default country code goes in
//!    front, `13800138000` becomes `+8613800138000`.
//!
//! The result has at most 15 digits (E.164); a longer value is rejected.
//! The canonical form is a fixed point: normalising it again gives it back.

use std::fmt;

/// Shortest and longest number kept as dialled (service and short codes).
pub const SHORT_MIN_DIGITS: usize = 3;
pub const SHORT_MAX_DIGITS: usize = 8;
/// E.164 allows at most 15 digits including the country code.
pub const MAX_DIGITS: usize = 15;
/// A national significant number is at least this long (used by rule 6).
pub const NATIONAL_MIN_DIGITS: usize = 9;
/// The default country code: the People's Republic of China.
pub const DEFAULT_COUNTRY_CODE: &str = "86";

/// How numbers without a country code are completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneRules {
    country_code: String,
}

impl Default for PhoneRules {
    fn default() -> Self {
        PhoneRules {
            country_code: DEFAULT_COUNTRY_CODE.to_string(),
        }
    }
}

/// Why a value is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    NoDigits,
    BadCharacter(char),
    TooShort(usize),
    TooLong(usize),
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::Empty => write!(f, "expected a phone number, found an empty value"),
            PhoneError::NoDigits => write!(f, "expected a phone number, found no digits"),
            PhoneError::BadCharacter(c) => write!(
                f,
                "expected a phone number of digits and separators, found {c:?}"
            ),
            PhoneError::TooShort(n) => write!(
                f,
                "expected a phone number of at least {SHORT_MIN_DIGITS} digits, found {n}"
            ),
            PhoneError::TooLong(n) => write!(
                f,
                "expected a phone number of at most {MAX_DIGITS} digits, found {n}"
            ),
        }
    }
}

impl PhoneRules {
    /// Rules with another default country code (`--country 1`). The code
    /// must be 1 to 3 digits, as ITU country codes are.
    pub fn with_country_code(code: &str) -> Result<Self, String> {
        let code = code.trim().trim_start_matches('+');
        if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "expected a country code of 1 to 3 digits like 86, found {code:?}"
            ));
        }
        Ok(PhoneRules {
            country_code: code.to_string(),
        })
    }

    pub fn country_code(&self) -> &str {
        &self.country_code
    }

    /// Normalise `raw` into its canonical spelling, appending to `out`
    /// (cleared first). Allocation-free when `out` has capacity; this runs
    /// once per number field of every call row.
    pub fn normalise_into(&self, raw: &str, out: &mut String) -> Result<(), PhoneError> {
        out.clear();
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = [0u8; 64];
        let mut n = 0usize;
        let mut plus = false;
        for (i, ch) in raw.chars().enumerate() {
            match ch {
                '0'..='9' => {
                    if n == digits.len() {
                        return Err(PhoneError::TooLong(
                            raw.chars().filter(char::is_ascii_digit).count(),
                        ));
                    }
                    digits[n] = ch as u8;
                    n += 1;
                }
                '+' if i == 0 => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                other => return Err(PhoneError::BadCharacter(other)),
            }
        }
        if n == 0 {
            return Err(PhoneError::NoDigits);
        }
        let d = std::str::from_utf8(&digits[..n]).expect("ascii digits");
        let cc = self.country_code.as_str();
        if plus {
            check_len(n)?;
            out.push('+');
            out.push_str(d);
        } else if let Some(rest) = d
            .strip_prefix("00")
            .filter(|r| !r.is_empty() && !r.starts_with('0'))
        {
            check_len(rest.len())?;
            out.push('+');
            out.push_str(rest);
        } else if n <= SHORT_MAX_DIGITS {
            if n < SHORT_MIN_DIGITS {
                return Err(PhoneError::TooShort(n));
            }
            out.push_str(d);
        } else if let Some(rest) = d.strip_prefix('0') {
            check_len(cc.len() + rest.len())?;
            out.push('+');
            out.push_str(cc);
            out.push_str(rest);
        } else if d.starts_with(cc) && n - cc.len() >= NATIONAL_MIN_DIGITS {
            check_len(n)?;
            out.push('+');
            out.push_str(d);
        } else {
            check_len(cc.len() + n)?;
            out.push('+');
            out.push_str(cc);
            out.push_str(d);
        }
        Ok(())
    }

    /// Normalise `raw` into a new string.
    pub fn normalise(&self, raw: &str) -> Result<String, PhoneError> {
        let mut out = String::with_capacity(16);
        self.normalise_into(raw, &mut out)?;
        Ok(out)
    }
}

/// A canonical number packed into a u64 (exact, collision-free): the digits
/// as an integer, their count (so leading zeros of short codes count), and
/// whether a `+` leads. Used to look phones up without hashing strings.
pub fn phone_key(canonical: &str) -> u64 {
    let (plus, digits) = match canonical.strip_prefix('+') {
        Some(d) => (1u64, d),
        None => (0u64, canonical),
    };
    let value = digits.bytes().fold(0u64, |v, b| v * 10 + (b - b'0') as u64);
    (plus << 63) | ((digits.len() as u64) << 56) | value
}

fn check_len(n: usize) -> Result<(), PhoneError> {
    if n < SHORT_MIN_DIGITS {
        Err(PhoneError::TooShort(n))
    } else if n > MAX_DIGITS {
        Err(PhoneError::TooLong(n))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(raw: &str, expected: &str) {
        let got = PhoneRules::default().normalise(raw);
        assert_eq!(got.as_deref(), Ok(expected), "normalising {raw:?}");
    }

    #[test]
    fn every_spelling_in_the_contract_is_one_phone() {
        for raw in [
            "13800138000",
            "138-0013-8000",
            "138 0013 8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "008613800138000",
            "8613800138000",
            " (138) 0013.8000 ",
        ] {
            check(raw, "+8613800138000");
        }
    }

    #[test]
    fn phone_keys_are_exact() {
        let k = |s: &str| phone_key(s);
        assert_ne!(k("012"), k("12"));
        assert_ne!(k("+8613800138000"), k("8613800138000"));
        assert_eq!(k("+8613800138000"), k("+8613800138000"));
        assert_ne!(k("+999999999999999"), k("+99999999999999"));
    }

    #[test]
    fn service_numbers_are_kept_as_dialled() {
        check("10086", "10086");
        check("95588", "95588");
        check("110", "110");
    }

    #[test]
    fn landline_with_trunk_prefix() {
        check("010-1234-5678", "+861012345678");
        check("+86 10 1234 5678", "+861012345678");
    }

    #[test]
    fn other_country_codes() {
        let us = PhoneRules::with_country_code("+1").unwrap();
        assert_eq!(us.normalise("(212) 555-1234").unwrap(), "+12125551234");
        assert_eq!(us.normalise("1 212 555 1234").unwrap(), "+12125551234");
        assert_eq!(
            PhoneRules::default().normalise("+1 212 555 1234").unwrap(),
            "+12125551234"
        );
        assert!(PhoneRules::with_country_code("abc").is_err());
    }

    #[test]
    fn values_that_are_not_numbers() {
        let r = PhoneRules::default();
        assert_eq!(r.normalise(""), Err(PhoneError::Empty));
        assert_eq!(r.normalise("  - "), Err(PhoneError::NoDigits));
        assert_eq!(
            r.normalise("138001380OO"),
            Err(PhoneError::BadCharacter('O'))
        );
        assert_eq!(r.normalise("unknown"), Err(PhoneError::BadCharacter('u')));
        assert_eq!(r.normalise("1+38"), Err(PhoneError::BadCharacter('+')));
        assert_eq!(r.normalise("12"), Err(PhoneError::TooShort(2)));
        // "Fewer than 3 digits" holds with a `+` or `00` prefix too (a
        // caller written `+1-2` is not the phone `+12`).
        assert_eq!(r.normalise("+1-2"), Err(PhoneError::TooShort(2)));
        assert_eq!(r.normalise("0012"), Err(PhoneError::TooShort(2)));
        assert!(matches!(
            r.normalise("1234567890123456789"),
            Err(PhoneError::TooLong(_))
        ));
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(raw in "[+]?[0-9 ()./-]{0,24}") {
            let r = PhoneRules::default();
            if let Ok(once) = r.normalise(&raw) {
                prop_assert_eq!(r.normalise(&once), Ok(once.clone()));
            }
        }

        #[test]
        fn any_mobile_in_any_spelling_is_one_phone(
            body in "1[3-9][0-9]{9}",
            style in 0usize..7,
            sep in prop::sample::select(vec![" ", "-", ".", ""]),
        ) {
            let grouped = format!("{}{sep}{}{sep}{}", &body[..3], &body[3..7], &body[7..]);
            let raw = match style {
                0 => body.clone(),
                1 => grouped,
                2 => format!("+86{sep}{grouped}"),
                3 => format!("+86{body}"),
                4 => format!("0086{body}"),
                5 => format!("86{body}"),
                _ => format!("0086{sep}{grouped}"),
            };
            prop_assert_eq!(PhoneRules::default().normalise(&raw), Ok(format!("+86{body}")));
        }

        #[test]
        fn never_panics(raw in "\\PC{0,40}") {
            let _ = PhoneRules::default().normalise(&raw);
        }
    }
}
