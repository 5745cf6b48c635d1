//! Text made safe for XML 1.0: characters XML 1.0 does not allow (C0
//! controls other than tab, newline and carriage return; U+FFFE, U+FFFF)
//! are dropped, markup characters are escaped, and the whitespace a parser
//! would normalise away is written as character references so it survives.
//!
//! Why our own escaping on top of quick-xml's: quick-xml escapes markup but
//! passes control characters through (a file with U+0001 in a name is not
//! well-formed and Gephi refuses it), and it leaves `\r`, `\t`, `\n` as
//! they are, which an XML parser turns into `\n` (text) or spaces
//! (attributes). Both writers here hand quick-xml text already escaped.

use std::borrow::Cow;

/// Whether XML 1.0 allows `c` in a document.
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` without the characters XML 1.0 does not allow.
pub fn sanitise(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| allowed(c)).collect())
    }
}

/// Escape for element content: `&`, `<`, `>` and `\r` (which a parser
/// would turn into `\n`).
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Escape for a double-quoted attribute value: also `"`, `'`, and tab and
/// newline (which a parser would turn into spaces).
pub fn attribute(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, in_attribute: bool) -> Cow<'_, str> {
    let needs = |c: char| match c {
        '&' | '<' | '>' | '\r' => true,
        '"' | '\'' | '\t' | '\n' => in_attribute,
        c => !allowed(c),
    };
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            c if !allowed(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markup_is_escaped_and_controls_dropped() {
        assert_eq!(text("<script>&\"x\"\u{1}"), "&lt;script&gt;&amp;\"x\"");
        assert_eq!(
            attribute("a\"b'c\td\ne\r"),
            "a&quot;b&apos;c&#9;d&#10;e&#13;"
        );
        assert_eq!(text("张伟 🚀 Zhang"), "张伟 🚀 Zhang");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(sanitise("a\u{0}b\u{FFFF}c\u{1b}"), "abc");
    }

    proptest! {
        /// Whatever the input, the escaped text holds no raw markup or
        /// disallowed character, and unescaping it gives the sanitised input.
        #[test]
        fn escaping_round_trips_through_the_sanitised_text(s in "\\PC*|[\\x00-\\x20<>&\"'\\r\\n\\t\u{FFFE}\u{FFFF}a-z]*") {
            for (escaped, attr) in [(text(&s), false), (attribute(&s), true)] {
                prop_assert!(escaped.chars().all(allowed));
                prop_assert!(!escaped.contains('<'));
                if attr {
                    prop_assert!(!escaped.contains('"') && !escaped.contains('\n'));
                }
                let back = quick_xml::escape::unescape(&escaped).unwrap();
                let clean = sanitise(&s);
                prop_assert_eq!(back.as_ref(), clean.as_ref());
            }
        }
    }
}
