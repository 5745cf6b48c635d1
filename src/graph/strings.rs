//! Interned strings. Every id, number and name in a case is stored once and
//! referred to by a [`Sym`] (a u32), so rows stay small and fixed-size.

use super::Column;
use rustc_hash::FxHashMap;

/// A reference to an interned string; [`Sym::NONE`] for an empty field.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(transparent)]
pub struct Sym(pub u32);

impl Sym {
    pub const NONE: Sym = Sym(u32::MAX);
    pub fn is_none(self) -> bool {
        self == Sym::NONE
    }
    pub fn is_some(self) -> bool {
        self != Sym::NONE
    }
}

/// The frozen string table of a case: one text blob and the end offset of
/// each string in it.
///
/// Both parts are [`Column`]s, so a table loaded from a snapshot is read in
/// place; [`Strings::get`] checks its offsets and the UTF-8 of the one
/// string it returns, so it cannot panic on any input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strings {
    pub(crate) blob: Column<u8>,
    pub(crate) ends: Column<u64>,
}

impl Strings {
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// The string behind `sym` ("" for [`Sym::NONE`]).
    pub fn get(&self, sym: Sym) -> &str {
        // Checked per string rather than once for the whole blob, so that a
        // mapped table need not be read in full; a valid table (ingest, or a
        // snapshot whose checksums hold) always passes.
        std::str::from_utf8(self.bytes(sym)).unwrap_or("")
    }
    /// The bytes behind `sym` (empty for [`Sym::NONE`] or an id out of
    /// range), without the UTF-8 check of [`Strings::get`]: for sorting and
    /// comparing, where byte order is the strings' order.
    pub fn bytes(&self, sym: Sym) -> &[u8] {
        if sym.is_none() {
            return &[];
        }
        let i = sym.0 as usize;
        if i >= self.ends.len() {
            return &[];
        }
        let (start, end) = if i == 0 {
            (0, *self.ends.at(0) as usize)
        } else {
            let e = self.ends.range(i - 1..i + 1);
            (e[0] as usize, e[1] as usize)
        };
        if start > end || end > self.blob.len() {
            return &[];
        }
        self.blob.range(start..end)
    }
    /// A table over already-checked parts (the lazy snapshot loader).
    pub(crate) fn from_columns(blob: Column<u8>, ends: Column<u64>) -> Self {
        Strings { blob, ends }
    }
    /// Rebuild a table from its parts, checking that they agree (used by the
    /// snapshot loader, which must never trust its input).
    pub fn from_parts(blob: String, ends: Vec<u64>) -> Result<Self, String> {
        let mut prev = 0u64;
        for &e in &ends {
            if e < prev || e as usize > blob.len() || !blob.is_char_boundary(e as usize) {
                return Err(format!(
                    "string table offset {e} out of order or out of range"
                ));
            }
            prev = e;
        }
        Ok(Strings {
            blob: blob.into_bytes().into(),
            ends: ends.into(),
        })
    }
    /// A lookup map from string to symbol, built on demand by queries.
    pub fn index(&self) -> FxHashMap<&str, Sym> {
        (0..self.len())
            .map(|i| (self.get(Sym(i as u32)), Sym(i as u32)))
            .collect()
    }
}

/// Builds a [`Strings`] table, handing out one [`Sym`] per distinct string.
#[derive(Debug, Default)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    blob: String,
    ends: Vec<u64>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if s.is_empty() {
            return Sym::NONE;
        }
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym(self.ends.len() as u32);
        self.blob.push_str(s);
        self.ends.push(self.blob.len() as u64);
        self.map.insert(s.into(), sym);
        sym
    }
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }
    pub fn get(&self, sym: Sym) -> &str {
        if sym.is_none() {
            return "";
        }
        let i = sym.0 as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.blob[start..self.ends[i] as usize]
    }
    /// Number of strings interned so far.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn finish(self) -> Strings {
        Strings {
            blob: self.blob.into_bytes().into(),
            ends: self.ends.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_one_symbol_per_string() {
        let mut i = Interner::default();
        let a = i.intern("张伟");
        let b = i.intern("+8613800138000");
        assert_eq!(i.intern("张伟"), a);
        assert_ne!(a, b);
        assert_eq!(i.intern(""), Sym::NONE);
        let s = i.finish();
        assert_eq!(s.get(a), "张伟");
        assert_eq!(s.get(b), "+8613800138000");
        assert_eq!(s.get(Sym::NONE), "");
        assert_eq!(s.index()["张伟"], a);
        assert!(Strings::from_parts("ab".into(), vec![1, 3]).is_err());
    }
}
