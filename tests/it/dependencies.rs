//! Dependencies point one way. ARCHITECTURE.md's module table says, for
//! each top-level module of the library, which modules it may depend on;
//! this test reads that table and every `crate::` path (and `super::` path
//! that climbs to the crate root) in `src/`, and fails on an import the
//! table does not allow. It also fails when the table itself has a cycle,
//! when a module of `src/` is missing from the table, and when two files
//! of one module import each other (directly or round a loop), the kind of
//! cycle the table cannot see.
//!
//! Code in `#[cfg(test)]` modules is left out: a unit test may build its
//! input with a module above the one it tests. The binary (`src/cli`,
//! `src/main.rs`) and the crate root may use anything.
//!
//! `KNOWN` lists the imports against the table that are still in the tree,
//! each to be removed by the change that fixes it; an entry that no longer
//! matches anything fails the test too, so the list only shrinks.

use crate::util;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (file, module it imports against the table): still there, to go.
const KNOWN: &[(&str, &str)] = &[];

/// (file, file) pairs of one module that import each other, still there.
const KNOWN_SIBLING_CYCLES: &[(&str, &str)] = &[];

/// Items of the crate root (src/lib.rs) and the module each comes from.
const ROOT_ITEMS: &[(&str, &[&str])] = &[
    ("Error", &["error"]),
    ("Position", &["error"]),
    ("Result", &["error"]),
    ("RowError", &["error"]),
    ("CaseGraph", &["graph"]),
    ("open_case", &["ingest", "snapshot"]),
];

/// The module table of ARCHITECTURE.md: module -> the modules it may use.
/// Rows naming one top-level module (`` `graph` ``, not `` `graph::lookup` ``)
/// count; the last column's backticked names are the allowed modules.
fn table() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(util::root().join("ARCHITECTURE.md")).unwrap();
    let section = text
        .split("\n## Modules\n")
        .nth(1)
        .expect("ARCHITECTURE.md has a \"## Modules\" section");
    let mut out = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let first = cells[0].trim();
        let Some(name) = first
            .strip_prefix('`')
            .and_then(|s| s.strip_suffix('`'))
            .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        else {
            continue;
        };
        let allowed = backticked(cells.last().unwrap())
            .into_iter()
            .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        out.insert(name.to_string(), allowed);
    }
    assert!(out.len() > 10, "no module table found in ARCHITECTURE.md");
    out
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: src/graph/build.rs -> [graph, build],
/// src/lead/patterns/mod.rs -> [lead, patterns], src/stats.rs -> [stats].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .skip(1)
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

/// Source text with comments, string and char literals blanked (lengths and
/// line breaks kept), so only code is searched.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (b[i + 1..].starts_with(b"\"") || b[i + 1..].starts_with(b"#"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // Raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == b'#' {
                hashes += 1;
                j += 1;
            }
            if j >= b.len() || b[j] != b'"' {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let end = b[j + 1..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| j + 1 + p + close.len());
            for &c in &b[i..end] {
                blank(&mut out, c);
            }
            i = end;
        } else if b[i] == b'"' {
            blank(&mut out, b[i]);
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
                blank(&mut out, b[i]);
                i += 1;
            }
            if i < b.len() {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if b[i] == b'\'' && (b[i + 1..].starts_with(b"\\") || b.get(i + 2) == Some(&b'\'')) {
            // A char literal ('x', '\n', '\''); lifetimes ('a) are left alone.
            let mut j = i + 1;
            if b[j] == b'\\' {
                j += 2;
            }
            while j < b.len() && b[j] != b'\'' {
                j += 1;
            }
            for &c in &b[i..=j.min(b.len() - 1)] {
                blank(&mut out, c);
            }
            i = j + 1;
        } else {
            // Non-ASCII outside comments and strings (a char literal like
            // '…') is never part of a path: blank it byte by byte, so the
            // text stays ASCII and any byte offset is a char boundary.
            out.push(if b[i].is_ascii() { b[i] } else { b' ' });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// `code` with every `#[cfg(test)]` item (a test module, a test-only
/// function) blanked.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|p| p + from) {
        let bytes = out.as_bytes();
        let mut i = at;
        let mut depth = 0;
        let mut end = bytes.len();
        while i < bytes.len() {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let blanked: String = out[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
        from = end;
    }
    out
}

/// The paths a file uses, as absolute module paths from the crate root
/// (`crate::graph::Column` -> [graph, Column]), with their line numbers.
/// `use crate::{a::b, c}` groups are expanded one level: each name in the
/// braces is a path of its own.
fn paths_used(code: &str, here: &[String]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in 0..bytes.len() {
        let before_ok = start == 0
            || !(bytes[start - 1].is_ascii_alphanumeric()
                || bytes[start - 1] == b'_'
                || bytes[start - 1] == b':');
        if !before_ok {
            continue;
        }
        let (mut base, mut i) = if code[start..].starts_with("crate::") {
            (Vec::new(), start + "crate::".len())
        } else if code[start..].starts_with("super::") {
            let mut base: Vec<String> = here.to_vec();
            let mut i = start;
            while code[i..].starts_with("super::") {
                if base.pop().is_none() {
                    break;
                }
                i += "super::".len();
            }
            if !base.is_empty() {
                continue; // stays inside the top-level module
            }
            (base, i)
        } else {
            continue;
        };
        let line = code[..start].matches('\n').count() + 1;
        // Walk `a::b::c`, stopping at a group `{...}`.
        loop {
            let rest = &code[i..];
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                base.push(ident.clone());
                i += ident.len();
                if code[i..].starts_with("::") {
                    i += 2;
                    continue;
                }
                out.push((line, base));
                break;
            }
            if rest.starts_with('{') && base.is_empty() {
                // `crate::{graph::X, model}`: each top-level name in the group.
                let mut open = 0;
                let close = rest
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '{' => open += 1,
                            '}' => open -= 1,
                            _ => {}
                        }
                        open == 0
                    })
                    .map_or(rest.len(), |(p, _)| p + 1);
                let group = &rest[1..close - 1];
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars().chain(std::iter::once(',')) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            let name: String = item
                                .trim()
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            if !name.is_empty() {
                                out.push((line, vec![name]));
                            }
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth >= 0 {
                        item.push(c);
                    }
                }
            } else if !base.is_empty() {
                out.push((line, base));
            }
            break;
        }
    }
    out
}

struct Import {
    file: String,
    line: usize,
    /// Module path of the importing file.
    from: Vec<String>,
    /// Absolute path imported.
    to: Vec<String>,
}

fn imports() -> Vec<Import> {
    let root = util::root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut out = Vec::new();
    for p in files {
        let rel = p.strip_prefix(&root).unwrap().to_path_buf();
        let here = module_path(&rel);
        if here.is_empty() || here[0] == "main" || here[0] == "lib" || here[0] == "cli" {
            continue; // the crate root and the binary may use anything
        }
        let code = without_tests(&code_only(&std::fs::read_to_string(&p).unwrap()));
        for (line, to) in paths_used(&code, &here) {
            out.push(Import {
                file: rel.display().to_string(),
                line,
                from: here.clone(),
                to,
            });
        }
    }
    out
}

/// The top-level modules an absolute path reaches (a root item counts as
/// the modules it comes from).
fn targets(to: &[String], modules: &BTreeSet<String>) -> Vec<String> {
    let first = to[0].as_str();
    if modules.contains(first) {
        return vec![first.to_string()];
    }
    if let Some((_, homes)) = ROOT_ITEMS.iter().find(|(n, _)| *n == first) {
        return homes.iter().map(|s| s.to_string()).collect();
    }
    // A name of the crate root this test does not know: make it fail loudly.
    vec![format!("(crate root item `{first}`, add it to ROOT_ITEMS)")]
}

fn top_modules() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(util::root().join("src")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if (p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
            && !["main", "lib", "cli"].contains(&name.as_str())
        {
            out.insert(name);
        }
    }
    out
}

#[test]
fn every_module_is_in_the_table_and_the_table_has_no_cycle() {
    let table = table();
    let modules = top_modules();
    let missing: Vec<&String> = modules.iter().filter(|m| !table.contains_key(*m)).collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md: modules of src/ missing from the module table: {missing:?}"
    );
    for (m, allowed) in &table {
        for a in allowed {
            assert!(
                table.contains_key(a) || a == "anything",
                "ARCHITECTURE.md: `{m}` may depend on `{a}`, which is not in the table"
            );
        }
    }
    // Depth-first search for a cycle in "may depend on".
    fn visit(
        m: &str,
        table: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) {
        match state.get(m) {
            Some(2) => return,
            Some(1) => {
                let from = stack.iter().position(|s| s == m).unwrap();
                panic!(
                    "ARCHITECTURE.md: the module table has a cycle: {} -> {m}",
                    stack[from..].join(" -> ")
                );
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for d in table.get(m).into_iter().flatten() {
            visit(d, table, state, stack);
        }
        stack.pop();
        state.insert(m.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    for m in table.keys() {
        visit(m, &table, &mut state, &mut Vec::new());
    }
}

#[test]
fn modules_import_only_what_the_architecture_table_allows() {
    let table = table();
    let modules = top_modules();
    let mut against = Vec::new();
    let mut seen_known = BTreeSet::new();
    for imp in imports() {
        let from = &imp.from[0];
        let Some(allowed) = table.get(from) else {
            continue; // reported by the other test
        };
        for to in targets(&imp.to, &modules) {
            if &to == from || allowed.contains(&to) {
                continue;
            }
            if let Some(k) = KNOWN.iter().find(|(f, m)| *f == imp.file && *m == to) {
                seen_known.insert(*k);
                continue;
            }
            against.push(format!(
                "{}:{}: `{from}` uses `crate::{}`, but ARCHITECTURE.md lets `{from}` depend only on {:?}",
                imp.file,
                imp.line,
                imp.to.join("::"),
                allowed
            ));
        }
    }
    let stale: Vec<_> = KNOWN.iter().filter(|k| !seen_known.contains(*k)).collect();
    assert!(
        against.is_empty(),
        "imports against the module table:\n{}",
        against.join("\n")
    );
    assert!(
        stale.is_empty(),
        "KNOWN in tests/it/dependencies.rs lists imports that are gone; remove {stale:?}"
    );
}

#[test]
fn no_two_files_of_a_module_import_each_other() {
    // Edges between the files directly under one top-level module
    // (src/ingest/columns.rs -> src/ingest/spec.rs); mod.rs is the parent
    // that declares them and is left out.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut files_of: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let root = util::root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for p in files {
        let rel = p.strip_prefix(&root).unwrap().to_path_buf();
        let here = module_path(&rel);
        if here.len() < 2 || here[0] == "cli" {
            continue;
        }
        let node: Vec<String> = here[..2].to_vec();
        files_of
            .entry(node.clone())
            .or_insert_with(|| rel.display().to_string());
        let code = without_tests(&code_only(&std::fs::read_to_string(&p).unwrap()));
        // Sibling paths: `super::x` from a direct child, `crate::m::x` anywhere.
        let mut targets = BTreeSet::new();
        for (_, to) in paths_used(&code, &here) {
            if to.len() >= 2 && to[0] == here[0] {
                targets.insert(to[..2].to_vec());
            }
        }
        let parent: &[String] = &here[..here.len() - 1];
        let bytes = code.as_bytes();
        for (at, _) in code.match_indices("super::") {
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b':') {
                continue;
            }
            let mut base = parent.to_vec();
            let mut i = at + "super::".len();
            while code[i..].starts_with("super::") {
                base.pop();
                i += "super::".len();
            }
            let ident: String = code[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if base.len() == 1 && !ident.is_empty() {
                targets.insert(vec![base[0].clone(), ident]);
            }
        }
        for t in targets {
            if t != node {
                edges.entry(node.clone()).or_default().insert(t);
            }
        }
    }
    // Only edges to files that exist as siblings (not to items of mod.rs).
    let nodes: BTreeSet<Vec<String>> = files_of.keys().cloned().collect();
    let mut cycles = Vec::new();
    for (a, outs) in &edges {
        for b in outs.iter().filter(|b| nodes.contains(*b)) {
            // Is there a way back from b to a?
            let mut seen = BTreeSet::new();
            let mut stack = vec![b.clone()];
            let mut back = false;
            while let Some(n) = stack.pop() {
                if &n == a {
                    back = true;
                    break;
                }
                if seen.insert(n.clone()) {
                    for m in edges.get(&n).into_iter().flatten() {
                        if nodes.contains(m) {
                            stack.push(m.clone());
                        }
                    }
                }
            }
            if back {
                let (fa, fb) = (files_of[a].as_str(), files_of[b].as_str());
                if !KNOWN_SIBLING_CYCLES.contains(&(fa, fb)) {
                    cycles.push(format!("{fa} -> {fb} -> ... -> {fa}"));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "files of one module that import each other:\n{}",
        cycles.join("\n")
    );
}

/// The modules `m` may reach through the table, itself excluded.
fn reachable(table: &BTreeMap<String, BTreeSet<String>>, m: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = table.get(m).into_iter().flatten().cloned().collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            stack.extend(table.get(&n).into_iter().flatten().cloned());
        }
    }
    seen
}

/// The output folder of `casegraph leads` (the result files, report.html,
/// manifest.json) is written by `results`, above both `lead` and `report`:
/// `lead::write` used to call `report::render` while `report` imported
/// `lead`, a cycle. The table says so and the source keeps to it: no module
/// of the library imports `results` (only the binary does), `lead` reaches
/// neither `report` nor `results`, and `report` does not reach `results`.
#[test]
fn the_output_folder_is_written_above_lead_and_report() {
    let table = table();
    let results = reachable(&table, "results");
    assert!(
        results.contains("lead") && results.contains("report"),
        "ARCHITECTURE.md: `results` should sit above `lead` and `report`, reaches {results:?}"
    );
    for (below, not) in [
        ("lead", "report"),
        ("lead", "results"),
        ("report", "results"),
    ] {
        assert!(
            !reachable(&table, below).contains(not),
            "ARCHITECTURE.md: `{below}` may reach `{not}`"
        );
    }
    let modules = top_modules();
    let into_results: Vec<String> = imports()
        .into_iter()
        .filter(|i| i.from[0] != "results")
        .filter(|i| targets(&i.to, &modules).iter().any(|t| t == "results"))
        .map(|i| format!("{}:{}", i.file, i.line))
        .collect();
    assert!(
        into_results.is_empty(),
        "library modules importing `results` (only the binary may): {into_results:?}"
    );
}

/// The scanner itself: groups, `super::` to the root, comments, strings
/// and test modules.
#[test]
fn the_import_scanner_reads_what_rust_reads() {
    let src = r#"
//! crate::doc::link is not an import
use crate::{graph::Column, model::{Time, NO_TIME}, Result};
use super::super::ingest::FileSpec;
fn f() { let s = "crate::query::neighbors"; let c = '{'; crate::stats::case_stats(); }
/* crate::report::render */
#[cfg(test)]
mod tests { use crate::lead::run; }
"#;
    let code = without_tests(&code_only(src));
    let here = vec!["analysis".to_string(), "contact".to_string()];
    let got: Vec<String> = paths_used(&code, &here)
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert_eq!(
        got,
        [
            "graph",
            "model",
            "Result",
            "ingest::FileSpec",
            "stats::case_stats"
        ]
    );
}
