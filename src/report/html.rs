//! HTML-safe text. Every string that comes from a case file (names,
//! addresses, ids, reasons quoting them) passes through [`escape`] before it
//! reaches the report, in element text and in attribute values alike: a
//! person record named `<script>` must show as that text, never run.
//!
//! Control characters are not allowed in HTML text; they are shown as the
//! Unicode "control pictures" (U+2400..) so an investigator sees that the
//! source row held one, instead of the browser silently dropping it.

use std::fmt;

/// `s` made safe for element text and for double- or single-quoted
/// attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// Append `s`, escaped, to `out`.
pub fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Tab, line feed and carriage return are ordinary white space.
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('\u{2421}'),
            // C1 controls have no pictures.
            '\u{80}'..='\u{9f}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
}

/// Escapes its text when formatted: `write!(out, "<td>{}</td>", Esc(name))`.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        // Most text needs no change; write it in one piece.
        if !s.chars().any(|c| {
            matches!(c, '&' | '<' | '>' | '"' | '\'')
                || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        }) {
            return f.write_str(s);
        }
        f.write_str(&escape(s))
    }
}

/// A string usable as an `id` and in `href="#…"`: ASCII letters, digits,
/// `-` and `_` kept, everything else written as `_xx` hex bytes, so two
/// different inputs never give the same id.
pub fn anchor(prefix: &str, s: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + s.len());
    out.push_str(prefix);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape(r#"Tom & "Jerry""#), "Tom &amp; &quot;Jerry&quot;");
        // An entity in the input is text, not an entity.
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn chinese_and_latin_names_pass_unchanged() {
        for s in [
            "张伟",
            "Zhang Wei",
            "南京市秦淮区中山南路1号",
            "Zoë Ünal",
            "老张 (Boss Zhang)",
        ] {
            assert_eq!(escape(s), s);
            assert_eq!(Esc(s).to_string(), s);
        }
    }

    #[test]
    fn control_characters_are_shown_as_pictures() {
        assert_eq!(escape("a\u{0}b"), "a\u{2400}b");
        assert_eq!(escape("bell\u{7}"), "bell\u{2407}");
        assert_eq!(escape("del\u{7f}"), "del\u{2421}");
        assert_eq!(escape("c1\u{85}"), "c1\u{fffd}");
        assert_eq!(escape("tab\tnew\nline\r"), "tab\tnew\nline\r");
    }

    #[test]
    fn anchors_are_safe_and_distinct() {
        assert_eq!(anchor("lead-", "+8613900000001"), "lead-_2b8613900000001");
        assert_eq!(anchor("g-", "G1"), "g-G1");
        assert_ne!(anchor("x", "a_2b"), anchor("x", "a+"));
        assert!(anchor("x", "<\"'>")
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_markup_or_controls(s in "\\PC*|[\\x00-\\x7f]*") {
            let e = escape(&s);
            prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
            prop_assert!(!e.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')));
            // Every & starts one of the entities written here.
            for (i, _) in e.match_indices('&') {
                let rest = &e[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|x| rest.starts_with(x)));
            }
            prop_assert_eq!(Esc(&s).to_string(), e);
        }

        #[test]
        fn anchors_are_injective(a in "[ -~]{0,12}", b in "[ -~]{0,12}") {
            prop_assert_eq!(anchor("p", &a) == anchor("p", &b), a == b);
        }
    }
}
