//! The phone normaliser on arbitrary text and country codes: never a panic,
//! and a canonical number is `+` and at most 15 digits (or a short code),
//! spelt the same when normalised again.
#![no_main]

use casegraph::model::PhoneRules;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (code, raw) = input;
    let rules = match PhoneRules::with_country_code(code) {
        Ok(r) => r,
        Err(_) => PhoneRules::default(),
    };
    let Ok(number) = rules.normalise(raw) else {
        return;
    };
    let digits = number.strip_prefix('+').unwrap_or(&number);
    assert!(
        !digits.is_empty() && digits.len() <= 15,
        "{raw:?} -> {number:?}"
    );
    assert!(
        digits.bytes().all(|b| b.is_ascii_digit()),
        "{raw:?} -> {number:?}"
    );
    assert_eq!(
        rules.normalise(&number).as_deref(),
        Ok(number.as_str()),
        "{raw:?}"
    );
    let mut into = String::new();
    rules
        .normalise_into(raw, &mut into)
        .expect("normalise_into agrees");
    assert_eq!(into, number);
    let _ = casegraph::model::phone::phone_key(&number);
});
