//! The snapshot loaders on damaged and forged files. The first byte is a
//! flag: when odd, every checksum of the rest is recomputed first
//! ([`snapshot::reseal`]), so mutations of a valid snapshot get past the
//! checksums and reach the rows (a forged file); when even, the bytes are
//! loaded as they are (random or damaged bytes). Both loaders run: the
//! checking one ([`snapshot::from_bytes`]) must give a graph or an error,
//! and the lazy one, used inside [`snapshot::catch_corruption`] the way the
//! CLI uses it, must give an answer or an error, never a panic, while a
//! battery of reads (stats, per-phone lookups, contact graph, leads,
//! GraphML) runs on what it loaded. A snapshot that passes the full check
//! must work lazily too.
#![no_main]

use casegraph::snapshot;
use casegraph::CaseGraph;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

/// Bytes at an 8-aligned address, as a memory map would be.
struct Aligned {
    words: Vec<u64>,
    len: usize,
}

impl AsRef<[u8]> for Aligned {
    fn as_ref(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }
}

fn exercise(g: &CaseGraph) {
    let _ = casegraph::stats::case_stats(g, 5);
    for p in 0..g.phones.len() as u32 {
        let _ = g.phone_number(p);
        let _ = g.calls_from(p).len();
        let _ = g.calls_to(p).count();
        let _ = g.events_of(p).count();
        let _ = g.handsets_of(p).len();
        let _ = g.locations_of(p).len();
        let _ = g.contact_count(p);
    }
    for i in 0..g.persons.len() as u32 {
        let _ = g.phones_of_person(i).len();
    }
    let _ = g.time_span();
    if let Ok(contacts) = casegraph::analysis::ContactGraph::from_case(g, &Default::default()) {
        let _ = contacts.n_edges();
    }
    let _ = casegraph::lead::run(g, &Default::default());
    let sel = casegraph::export::Selection::whole(g);
    let _ = casegraph::export::graphml::write(g, &sel, Default::default(), std::io::sink());
}

fuzz_target!(
    // libFuzzer's panic hook aborts at once; a corrupted block unwinds to
    // `catch_corruption` by design, so let the CLI's hook judge first (it
    // passes every other panic on to libFuzzer's hook).
    init: snapshot::quiet_corruption_panics(),
    |data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = rest.to_vec();
    if flag & 1 == 1 && snapshot::reseal(&mut bytes).is_err() {
        return;
    }
    let verified = snapshot::from_bytes(&bytes);
    let len = bytes.len();
    let mut words = vec![0u64; len.div_ceil(8)];
    bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..len].copy_from_slice(&bytes);
    let backing: casegraph::graph::column::Backing = Arc::new(Aligned { words, len });
    let lazy = snapshot::catch_corruption(|| {
        let g = snapshot::read_lazily("fuzz.cgs", backing)?;
        exercise(&g);
        Ok::<_, casegraph::Error>(())
    });
    if verified.is_ok() {
        if let Ok(Err(e)) | Err(e) = lazy {
            panic!("a snapshot that passes the full check fails lazily: {e}");
        }
    }
});
