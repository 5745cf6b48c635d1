//! Writing the case files: CSV rows with correct quoting, bad rows and exact
//! duplicates mixed in at known lines, and a tally of what the engine will
//! hold after reading them (which phones, handsets, cells and accounts occur
//! in kept rows, how many calls, texts and caller->callee pairs).
//!
//! Every row is one line (no field holds a line break), so the line of a row
//! is its position after the header: the header is line 1.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;

/// Append `value` as a CSV field, quoted when it needs to be.
pub fn push_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A row of fields as one CSV line (without the line ending).
pub fn join(fields: &[String]) -> String {
    let mut s = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_field(&mut s, f);
    }
    s
}

/// Append a row of fields as one CSV line (without the line ending) to `out`.
pub fn join_into(fields: &[String], out: &mut Vec<u8>) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(f.as_bytes());
        }
    }
}

/// What the engine will hold after reading the kept rows.
pub struct Seen {
    pub phones: Vec<bool>,
    pub handsets: Vec<bool>,
    pub locations: Vec<bool>,
    pub accounts: BTreeSet<String>,
    pub pairs: FxHashSet<u64>,
    pub voice: u64,
    pub texts: u64,
}

impl Seen {
    pub fn new(phones: usize, handsets: usize, locations: usize) -> Seen {
        Seen {
            phones: vec![false; phones],
            handsets: vec![false; handsets],
            locations: vec![false; locations],
            accounts: BTreeSet::new(),
            pairs: FxHashSet::default(),
            voice: 0,
            texts: 0,
        }
    }
}

/// Rows of one file for truth/: bad rows and exact duplicates by line.
#[derive(Default)]
pub struct Ledger {
    pub bad: Vec<(&'static str, u64, &'static str)>,
    pub duplicates: Vec<(&'static str, u64, u64)>,
    /// Per file: (rows, bad, duplicates).
    pub files: Vec<(&'static str, u64, u64, u64)>,
    /// Bad rows seen so far in the current file, by their bytes: a later
    /// identical bad row is an exact duplicate to the engine.
    bad_lines: FxHashMap<u128, u64>,
    current: Option<(&'static str, u64, u64, u64)>,
}

impl Ledger {
    pub fn start_file(&mut self, file: &'static str) {
        self.finish_file();
        self.bad_lines.clear();
        self.current = Some((file, 0, 0, 0));
    }
    pub fn finish_file(&mut self) {
        if let Some(c) = self.current.take() {
            self.files.push(c);
        }
    }
    fn cur(&mut self) -> &mut (&'static str, u64, u64, u64) {
        self.current.as_mut().expect("a file was started")
    }
    pub fn good(&mut self) {
        self.cur().1 += 1;
    }
    /// A bad row at `line` with `text`; returns nothing, files it as bad or,
    /// if an identical bad row came earlier, as a duplicate of that one.
    pub fn bad(&mut self, line: u64, text: &[u8], reason: &'static str) {
        let h = xxhash_rust::xxh3::xxh3_128(text);
        let file = self.cur().0;
        self.cur().1 += 1;
        match self.bad_lines.get(&h) {
            Some(&first) => {
                self.cur().3 += 1;
                self.duplicates.push((file, line, first));
            }
            None => {
                self.bad_lines.insert(h, line);
                self.cur().2 += 1;
                self.bad.push((file, line, reason));
            }
        }
    }
    pub fn duplicate(&mut self, line: u64, of: u64) {
        let file = self.cur().0;
        self.cur().1 += 1;
        self.cur().3 += 1;
        self.duplicates.push((file, line, of));
    }
}

/// What a row that is not a plain good row is.
#[derive(Debug, Clone, Copy)]
pub enum Extra {
    Bad(&'static str),
    /// An exact copy of good row number `n`.
    Dup(usize),
}

/// A small file assembled in memory: good rows, plus bad rows and
/// duplicates each placed after a given good row.
pub struct Sheet {
    pub header: String,
    pub good: Vec<String>,
    pub extras: Vec<(usize, String, Extra)>,
    pub crlf: bool,
    pub bom: bool,
}

impl Sheet {
    pub fn new(header: &[&str]) -> Sheet {
        Sheet {
            header: header.join(","),
            good: Vec::new(),
            extras: Vec::new(),
            crlf: false,
            bom: false,
        }
    }
    /// Add a good row; its index.
    pub fn push(&mut self, fields: &[String]) -> usize {
        self.good.push(join(fields));
        self.good.len() - 1
    }
    pub fn bad_after(&mut self, after: usize, fields: &[String], reason: &'static str) {
        self.extras.push((after, join(fields), Extra::Bad(reason)));
    }
    pub fn bad_line_after(&mut self, after: usize, line: String, reason: &'static str) {
        self.extras.push((after, line, Extra::Bad(reason)));
    }
    pub fn duplicate_after(&mut self, after: usize, of: usize) {
        let text = self.good[of].clone();
        self.extras.push((after.max(of), text, Extra::Dup(of)));
    }

    /// The file's bytes; fills the ledger.
    pub fn finish(mut self, file: &'static str, ledger: &mut Ledger) -> Vec<u8> {
        ledger.start_file(file);
        // Stable: extras after the same row keep the order they were added.
        let last = self.good.len().saturating_sub(1);
        for e in &mut self.extras {
            e.0 = e.0.min(last);
        }
        self.extras.sort_by_key(|e| e.0);
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut out = String::new();
        if self.bom {
            out.push('\u{feff}');
        }
        out.push_str(&self.header);
        out.push_str(eol);
        let mut line = 1u64;
        let mut good_line = vec![0u64; self.good.len()];
        let mut extras = self.extras.iter().peekable();
        for (i, row) in self.good.iter().enumerate() {
            line += 1;
            good_line[i] = line;
            ledger.good();
            out.push_str(row);
            out.push_str(eol);
            while let Some((_, text, kind)) = extras.next_if(|e| e.0 == i) {
                line += 1;
                match *kind {
                    Extra::Bad(reason) => ledger.bad(line, text.as_bytes(), reason),
                    Extra::Dup(of) => ledger.duplicate(line, good_line[of]),
                }
                out.push_str(text);
                out.push_str(eol);
            }
        }
        ledger.finish_file();
        out.into_bytes()
    }
}
