//! CSV that is safe to open in a spreadsheet. Case files come from carriers,
//! other police systems and the suspects' own phones, so a person's name,
//! an account holder or a raw rejected row can be `=HYPERLINK("http://x")`
//! or `@SUM(A1)`: Excel, LibreOffice and Google Sheets run such a cell as a
//! formula when the analyst opens the CSV ("CSV injection"). Every CSV
//! casegraph writes goes through [`Writer`], which neutralises those cells.
//!
//! # The rule
//!
//! A cell is neutralised when it starts (after any spaces, which some
//! spreadsheets trim on import) with a character that makes a spreadsheet
//! read it as a formula: `=`, `+`, `-`, `@`, tab or carriage return, or one
//! of their full-width forms `＝ ＋ － ＠` (which some East Asian
//! spreadsheet setups fold into the ASCII ones), **unless the whole cell is
//! a plain number**: an optional sign, digits with at most one
//! decimal point, and an optional exponent (`-3.5`, `+8613800138000`,
//! `-1e-3`). A spreadsheet reads a plain number as that number and nothing
//! else, so negative scores, coordinates and E.164 phone numbers stay
//! machine-readable; anything else with a leading sign (`+1-2`, `-2+3`,
//! `+86 138 0013 8000`) is an expression to a spreadsheet and is
//! neutralised. So is a list of numbers such as the `phones` column of
//! patterns.csv (`'+8613700000001;+8613700000002`): it is not one number.
//!
//! Neutralising prefixes a single quote (`'`), as OWASP recommends: the
//! spreadsheet shows the text as written (the quote is its "this is text"
//! marker), and a program can undo it by dropping one leading `'` before a
//! trigger character. A cell that already starts with `'` is left alone.
//!
//! Not covered: a spreadsheet that splits this comma-separated file on `;`
//! (some European locales) would misread every cell holding a `;`; the
//! files are RFC 4180 CSV and should be opened as such.
//!
//! # Turning it off
//!
//! Programs that read casegraph's CSV (Neo4j's importer, pandas, scripts)
//! may want the cells exactly as the case spells them: [`set_formulas`]
//! with [`Formulas::Keep`] (the CLI's `--raw-csv`) turns neutralising off
//! for the whole process. It is a process-wide setting, chosen once at
//! start-up, so that every writer (stdout tables, exports, the leads files,
//! the ingest rejects) follows the same choice without threading a flag
//! through each of them.

use std::borrow::Cow;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// What to do with cells a spreadsheet would run as formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Formulas {
    /// Prefix them with `'` (the default; safe to open in a spreadsheet).
    #[default]
    Neutralise,
    /// Write them exactly as they are (for programs).
    Keep,
}

static KEEP_FORMULAS: AtomicBool = AtomicBool::new(false);

/// Choose, for the whole process, what every CSV writer does with formula
/// cells. Call once at start-up.
pub fn set_formulas(f: Formulas) {
    KEEP_FORMULAS.store(f == Formulas::Keep, Ordering::Relaxed);
}

/// The process-wide choice (default [`Formulas::Neutralise`]).
pub fn formulas() -> Formulas {
    if KEEP_FORMULAS.load(Ordering::Relaxed) {
        Formulas::Keep
    } else {
        Formulas::Neutralise
    }
}

/// Whether a spreadsheet would treat a cell starting with `c` as a formula.
fn is_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠'
    )
}

/// Whether `s` is a plain number: `[+-]? digits [. digits] [(e|E) [+-]? digits]`,
/// with at least one digit before the exponent. Only ASCII.
pub fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Whether a spreadsheet would run `cell` as a formula (see the module
/// comment for the rule). Leading spaces are looked past, for spreadsheets
/// that trim cells on import.
pub fn is_dangerous(cell: &str) -> bool {
    let t = cell.trim_start_matches(' ');
    t.chars().next().is_some_and(is_trigger) && !is_plain_number(t)
}

/// `cell`, neutralised by a leading `'` when a spreadsheet would run it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_dangerous(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `cell` as the process-wide [`formulas`] choice writes it.
pub fn cell(cell: &str) -> Cow<'_, str> {
    match formulas() {
        Formulas::Neutralise => neutralise(cell),
        Formulas::Keep => Cow::Borrowed(cell),
    }
}

/// A `csv::Writer` that passes every field through [`cell`]. The choice is
/// read once, when the writer is made.
pub struct Writer<W: io::Write> {
    inner: csv::Writer<W>,
    formulas: Formulas,
}

impl<W: io::Write> Writer<W> {
    /// A writer with the process-wide choice and the csv crate's defaults
    /// (comma, quote only where needed, `\n` line ends).
    pub fn from_writer(w: W) -> Self {
        Self::with_formulas(w, formulas())
    }

    /// A writer with an explicit choice (tests, library callers).
    pub fn with_formulas(w: W, formulas: Formulas) -> Self {
        Writer {
            inner: csv::Writer::from_writer(w),
            formulas,
        }
    }

    /// Write one record, neutralising its fields as chosen.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        match self.formulas {
            Formulas::Keep => self.inner.write_record(record.into_iter().map(Field)),
            Formulas::Neutralise => {
                // Field by field, so that a cell needing no change is not
                // copied; the empty record ends the line.
                for f in record {
                    self.inner.write_field(neutralise(f.as_ref()).as_bytes())?;
                }
                self.inner.write_record(None::<&[u8]>)
            }
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// Flush and give back the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

/// Write a CSV file atomically (through [`crate::atomic`]): `fill` writes
/// the records with the one [`Writer`], and the file appears complete or
/// not at all. The one way a CSV file is written.
pub fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut Writer<io::BufWriter<&mut std::fs::File>>) -> io::Result<()>,
) -> crate::error::Result<()> {
    crate::atomic::write_atomically_with(path, |file| {
        let mut w = Writer::from_writer(io::BufWriter::new(file));
        fill(&mut w)?;
        w.flush()
    })
}

/// A header and its rows as a CSV file, written atomically ([`write_file`]).
pub fn write_rows<R, T>(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> crate::error::Result<()>
where
    R: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    write_file(path, |w| {
        w.write_record(header).map_err(csv_io)?;
        for row in rows {
            w.write_record(row).map_err(csv_io)?;
        }
        Ok(())
    })
}

/// A CSV error as the I/O error it wraps, or one that describes it.
pub fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A field as bytes, for `csv::Writer::write_record`.
struct Field<T>(T);

impl<T: AsRef<str>> AsRef<[u8]> for Field<T> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_get_a_quote_and_numbers_stay_numbers() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+1-2", "'+1-2"),
            ("-2+3", "'-2+3"),
            ("=1", "'=1"),
            ("\tx", "'\tx"),
            ("\r=x", "'\r=x"),
            ("-", "'-"),
            ("+", "'+"),
            ("+86 138 0013 8000", "'+86 138 0013 8000"),
            ("＝1+1", "'＝1+1"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("  =1+1", "'  =1+1"),
            (" -3.5", " -3.5"),
            (
                "+8613700000001;+8613700000002",
                "'+8613700000001;+8613700000002",
            ),
            ("-3.5", "-3.5"),
            ("+8613800138000", "+8613800138000"),
            ("-1e-3", "-1e-3"),
            ("+.5", "+.5"),
            ("-7.", "-7."),
            ("12", "12"),
            ("Li Na", "Li Na"),
            ("'=already", "'=already"),
            ("a=b", "a=b"),
            ("", ""),
            ("2026-03-01 09:00:00", "2026-03-01 09:00:00"),
        ] {
            assert_eq!(neutralise(cell), out, "{cell:?}");
        }
    }

    #[test]
    fn not_plain_numbers() {
        for s in [
            "", "+", "-.", ".", "1e", "1e+", "1.2.3", "0x10", "1 2", "١٢",
        ] {
            assert!(!is_plain_number(s), "{s:?}");
        }
    }

    #[test]
    fn the_writer_neutralises_or_keeps_as_told() {
        let row = ["=A1", "-3.5", "x,y", "@b"];
        let mut w = Writer::with_formulas(Vec::new(), Formulas::Neutralise);
        w.write_record(row).unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "'=A1,-3.5,\"x,y\",'@b\n"
        );
        let mut w = Writer::with_formulas(Vec::new(), Formulas::Keep);
        w.write_record(row).unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "=A1,-3.5,\"x,y\",@b\n"
        );
    }

    proptest! {
        /// Whatever the cell, what comes out is safe (no trigger first,
        /// or a plain number), and dropping the added quote gives it back.
        #[test]
        fn neutralised_cells_are_safe_and_reversible(s in "[=+\\-@\t\r'0-9.eE a-z(),\"]{0,12}") {
            let out = neutralise(&s);
            prop_assert!(!is_dangerous(&out));
            let back = if is_dangerous(&s) { &out[1..] } else { &out[..] };
            prop_assert_eq!(back, s.as_str());
        }
    }
}
