//! A column of fixed-size rows that is either an owned `Vec` (a graph built
//! by ingest) or a borrowed, aligned slice of a memory-mapped snapshot (a
//! graph loaded with [`crate::snapshot::read`]), so that loading a
//! multi-gigabyte snapshot costs a map and a look at its index, not a copy.
//!
//! A mapped column checks the bytes it hands out against the snapshot's
//! per-block checksums the first time each block is touched
//! ([`BlockCheck`]): [`Column::range`], [`Column::at`] and
//! [`Column::partition_point`] check only the blocks they read (the hot
//! paths of queries), while `Deref` to `[T]` (any whole-slice use) checks
//! every block once. A block whose bytes do not match its checksum stops
//! the work by unwinding with a [`Corrupted`] payload, which
//! [`crate::snapshot::catch_corruption`] turns back into an error, so a
//! corrupted snapshot never gives a wrong answer.
//!
//! `len()` and `is_empty()` are inherent methods that read no rows.

use bytemuck::Pod;
use std::marker::PhantomData;
use std::ops::{Deref, Range};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

/// What a corrupted block unwinds with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupted {
    pub section: String,
    pub block: usize,
}

impl std::fmt::Display for Corrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "section {:?}, block {}: checksum mismatch (the file is corrupted)",
            self.section, self.block
        )
    }
}

/// The per-block checksums of one mapped section and which blocks have
/// been checked so far.
#[derive(Debug)]
pub struct BlockCheck {
    pub section: String,
    /// Block size in bytes (a power of two).
    pub block: usize,
    pub sums: Vec<u64>,
    checked: Vec<AtomicU64>,
    all: AtomicBool,
}

impl BlockCheck {
    pub fn new(section: &str, block: usize, sums: Vec<u64>) -> Self {
        let words = sums.len().div_ceil(64);
        BlockCheck {
            section: section.to_string(),
            block,
            checked: (0..words).map(|_| AtomicU64::new(0)).collect(),
            sums,
            all: AtomicBool::new(false),
        }
    }

    /// Check the blocks covering `bytes[range]` (`bytes` is the whole payload).
    pub fn check(&self, bytes: &[u8], range: Range<usize>) {
        if self.all.load(Ordering::Acquire) || range.start >= range.end {
            return;
        }
        let first = range.start / self.block;
        let last = (range.end - 1) / self.block;
        for b in first..=last {
            let (w, bit) = (b / 64, 1u64 << (b % 64));
            if self.checked[w].load(Ordering::Acquire) & bit != 0 {
                continue;
            }
            let lo = b * self.block;
            let hi = (lo + self.block).min(bytes.len());
            if xxh3_64(&bytes[lo..hi]) != self.sums[b] {
                std::panic::panic_any(Corrupted {
                    section: self.section.clone(),
                    block: b,
                });
            }
            self.checked[w].fetch_or(bit, Ordering::AcqRel);
        }
    }

    /// Check every block (once).
    pub fn check_all(&self, bytes: &[u8]) {
        if !self.all.load(Ordering::Acquire) {
            self.check(bytes, 0..bytes.len());
            self.all.store(true, Ordering::Release);
        }
    }
}

/// Bytes that outlive every column borrowing them (a memory map).
pub type Backing = Arc<dyn AsRef<[u8]> + Send + Sync>;

struct Mapped {
    backing: Backing,
    /// Byte offset and length of the payload in the backing.
    start: usize,
    len: usize,
    check: Arc<BlockCheck>,
}

enum Inner<T> {
    Owned(Vec<T>),
    Mapped(Mapped),
}

/// Rows of `T`, owned or mapped; derefs to `[T]`.
pub struct Column<T: Pod> {
    inner: Inner<T>,
    _t: PhantomData<T>,
}

impl<T: Pod> Column<T> {
    /// A column over `backing[start..start + len]`, which must be aligned
    /// for `T` and a whole number of rows (checked).
    pub fn mapped(
        backing: Backing,
        start: usize,
        len: usize,
        check: Arc<BlockCheck>,
    ) -> Result<Self, String> {
        let bytes = (*backing)
            .as_ref()
            .get(start..start + len)
            .ok_or_else(|| format!("section {:?} out of the file", check.section))?;
        if bytemuck::try_cast_slice::<u8, T>(bytes).is_err() {
            return Err(format!(
                "section {:?}: expected rows aligned to {} bytes",
                check.section,
                std::mem::align_of::<T>()
            ));
        }
        Ok(Column {
            inner: Inner::Mapped(Mapped {
                backing,
                start,
                len,
                check,
            }),
            _t: PhantomData,
        })
    }

    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::Owned(v) => v.len(),
            Inner::Mapped(m) => m.len / std::mem::size_of::<T>().max(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn payload(m: &Mapped) -> &[u8] {
        &(*m.backing).as_ref()[m.start..m.start + m.len]
    }

    fn cast(bytes: &[u8]) -> &[T] {
        bytemuck::cast_slice(bytes)
    }

    /// Rows `r`, checking only the blocks they lie in.
    pub fn range(&self, r: Range<usize>) -> &[T] {
        match &self.inner {
            Inner::Owned(v) => &v[r],
            Inner::Mapped(m) => {
                let size = std::mem::size_of::<T>();
                assert!(
                    r.start <= r.end && r.end <= self.len(),
                    "rows {r:?} out of range"
                );
                let bytes = Self::payload(m);
                let br = r.start * size..r.end * size;
                m.check.check(bytes, br.clone());
                Self::cast(&bytes[br])
            }
        }
    }

    /// Row `i`, checking only its block.
    pub fn at(&self, i: usize) -> &T {
        &self.range(i..i + 1)[0]
    }

    /// `partition_point` reading only the rows the binary search visits.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.at(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    pub fn into_vec(self) -> Vec<T> {
        match self.inner {
            Inner::Owned(v) => v,
            Inner::Mapped(_) => self.deref().to_vec(),
        }
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.inner {
            Inner::Owned(v) => v,
            Inner::Mapped(m) => {
                let bytes = Self::payload(m);
                m.check.check_all(bytes);
                Self::cast(bytes)
            }
        }
    }
}

impl<T: Pod> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column {
            inner: Inner::Owned(v),
            _t: PhantomData,
        }
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Pod> Clone for Column<T> {
    fn clone(&self) -> Self {
        match &self.inner {
            Inner::Owned(v) => v.clone().into(),
            Inner::Mapped(m) => Column {
                inner: Inner::Mapped(Mapped {
                    backing: m.backing.clone(),
                    start: m.start,
                    len: m.len,
                    check: m.check.clone(),
                }),
                _t: PhantomData,
            },
        }
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.deref().fmt(f)
    }
}

impl<T: Pod + PartialEq> PartialEq for Column<T> {
    fn eq(&self, o: &Self) -> bool {
        self.deref() == o.deref()
    }
}

impl<T: Pod + Eq> Eq for Column<T> {}

impl<'a, T: Pod> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.deref().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(bytes: Vec<u8>, sums: Vec<u64>, block: usize) -> Column<u32> {
        let n = bytes.len();
        let check = Arc::new(BlockCheck::new("t", block, sums));
        Column::mapped(Arc::new(bytes), 0, n, check).unwrap()
    }

    fn sums(bytes: &[u8], block: usize) -> Vec<u64> {
        bytes.chunks(block).map(xxh3_64).collect()
    }

    #[test]
    fn a_mapped_column_reads_like_the_vec_it_was_written_from() {
        let rows: Vec<u32> = (0..1000).collect();
        let bytes: Vec<u8> = bytemuck::cast_slice(&rows).to_vec();
        let c = mapped(bytes.clone(), sums(&bytes, 64), 64);
        assert_eq!(c.len(), 1000);
        assert_eq!(*c.at(500), 500);
        assert_eq!(c.range(10..13), &[10, 11, 12]);
        assert_eq!(c.partition_point(|&x| x < 777), 777);
        assert_eq!(&c[..], &rows[..]);
        assert_eq!(c, Column::from(rows));
    }

    #[test]
    fn a_corrupted_block_unwinds_only_when_read() {
        let rows: Vec<u32> = (0..1000).collect();
        let mut bytes: Vec<u8> = bytemuck::cast_slice(&rows).to_vec();
        let s = sums(&bytes, 64);
        bytes[3000] ^= 1; // block 46, rows 750..765
        let c = mapped(bytes, s, 64);
        assert_eq!(*c.at(10), 10, "other blocks still read");
        let err =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *c.at(751))).unwrap_err();
        let corrupted = err
            .downcast_ref::<Corrupted>()
            .expect("a Corrupted payload");
        assert_eq!(corrupted.block, 46);
        assert!(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.iter().count())).is_err()
        );
    }
}
