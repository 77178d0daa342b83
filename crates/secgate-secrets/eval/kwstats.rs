//! Keyword frequencies of the built-in rules over a source tree (to choose
//! prefilter keywords): `cargo run --release -p secgate-secrets --example secrets-kwstats -- DIR`.

use aho_corasick::{AhoCorasick, MatchKind};
#[allow(unused_imports)]
use regex as _;
use secgate_secrets::rules::builtin::BUILTIN;
use std::collections::BTreeMap;
use std::path::Path;

fn walk(dir: &Path, f: &mut dyn FnMut(&[u8])) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&p, f);
        } else if ft.is_file() {
            if let Ok(b) = std::fs::read(&p) {
                if b.len() <= 10 << 20 && !b[..b.len().min(8192)].contains(&0) {
                    f(&b);
                }
            }
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("DIR");
    let mut kws: Vec<String> = BUILTIN
        .iter()
        .flat_map(|r| r.keywords.iter().map(|k| k.to_string()))
        .collect();
    kws.sort();
    kws.dedup();
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&kws)
        .unwrap();
    let mut counts = vec![0usize; kws.len()];
    walk(Path::new(&dir), &mut |b| {
        let l = b.to_ascii_lowercase();
        for m in ac.find_overlapping_iter(&l) {
            counts[m.pattern().as_usize()] += 1;
        }
    });
    let mut v: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (i, c) in counts.iter().enumerate() {
        v.entry(*c).or_default().push(&kws[i]);
    }
    for (c, k) in v.iter().rev().take(40) {
        println!("{c:9} {k:?}");
    }
    // Stage timings.
    let mut files: Vec<Vec<u8>> = Vec::new();
    walk(Path::new(&dir), &mut |b| files.push(b.to_vec()));
    let total: usize = files.iter().map(|f| f.len()).sum();
    let t = std::time::Instant::now();
    let mut x = 0usize;
    for f in &files {
        x += f.to_ascii_lowercase().len();
    }
    println!("lowercase: {:.3}s ({x})", t.elapsed().as_secs_f64());
    let ac2 = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(&kws)
        .unwrap();
    let lowered: Vec<Vec<u8>> = files.iter().map(|f| f.to_ascii_lowercase()).collect();
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for f in &lowered {
        n += ac.find_iter(f).count();
    }
    println!(
        "ac standard find_iter: {:.3}s ({n} matches) {:.0} MB/s",
        t.elapsed().as_secs_f64(),
        total as f64 / 1e6 / t.elapsed().as_secs_f64()
    );
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for f in &lowered {
        n += ac2.find_iter(f).count();
    }
    println!(
        "ac leftmost find_iter: {:.3}s ({n} matches) {:.0} MB/s",
        t.elapsed().as_secs_f64(),
        total as f64 / 1e6 / t.elapsed().as_secs_f64()
    );
    let pats: Vec<String> = kws.iter().map(|k| regex::escape(k)).collect();
    let re = regex::bytes::Regex::new(&pats.join("|")).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for f in &lowered {
        n += re.find_iter(f).count();
    }
    println!(
        "regex alternation: {:.3}s ({n} matches) {:.0} MB/s",
        t.elapsed().as_secs_f64(),
        total as f64 / 1e6 / t.elapsed().as_secs_f64()
    );
    for (name, pf) in [("dfa no prefilter", false), ("dfa prefilter", true)] {
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .prefilter(pf)
            .build(&kws)
            .unwrap();
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for f in &lowered {
            n += a.find_iter(f).count();
        }
        println!(
            "{name}: {:.3}s ({n}) {:.0} MB/s",
            t.elapsed().as_secs_f64(),
            total as f64 / 1e6 / t.elapsed().as_secs_f64()
        );
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .prefilter(pf)
            .build(&kws)
            .unwrap();
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for f in &files {
            n += a.find_iter(f).count();
        }
        println!(
            "{name} case-insensitive on original: {:.3}s ({n}) {:.0} MB/s",
            t.elapsed().as_secs_f64(),
            total as f64 / 1e6 / t.elapsed().as_secs_f64()
        );
    }
    for chunk in kws.chunks(60) {
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(chunk)
            .unwrap();
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for f in &lowered {
            n += a.find_iter(f).count();
        }
        println!(
            "chunk of {} ({}..): {:.3}s ({n}) {:.0} MB/s",
            chunk.len(),
            chunk[0],
            t.elapsed().as_secs_f64(),
            total as f64 / 1e6 / t.elapsed().as_secs_f64()
        );
    }
    let common = [
        "pat",
        "://",
        "asia",
        "token",
        "lob",
        "-us",
        "hc",
        "sq",
        "pass",
        "aaaa",
        "aaaaaaaaaaaaaaaaaaaaa",
        "sk_",
        "rk_",
    ];
    let rare: Vec<&String> = kws
        .iter()
        .filter(|k| !common.contains(&k.as_str()))
        .collect();
    for chunk in rare.chunks(60) {
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(chunk)
            .unwrap();
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for f in &lowered {
            n += a.find_iter(f).count();
        }
        println!(
            "rare chunk of {} ({}..): {:.3}s ({n}) {:.0} MB/s",
            chunk.len(),
            chunk[0],
            t.elapsed().as_secs_f64(),
            total as f64 / 1e6 / t.elapsed().as_secs_f64()
        );
    }
    let engine = secgate_secrets::Engine::builtin();
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for f in &files {
        n += engine.scan("x", f).len();
    }
    println!(
        "engine: {:.3}s ({n} hits) {:.0} MB/s",
        t.elapsed().as_secs_f64(),
        total as f64 / 1e6 / t.elapsed().as_secs_f64()
    );
}
