//! Keyword frequencies of the built-in rules over a source tree (to choose
//! prefilter keywords): `cargo run --release -p secgate-secrets --example secrets-kwstats -- DIR`.

use aho_corasick::{AhoCorasick, MatchKind};
#[allow(unused_imports)]
use regex as _;
use secgate_secrets::rules::builtin::BUILTIN;
use std::collections::BTreeMap;
use std::path::Path;

#[path = "text_files.rs"]
mod text_files;

/// Times `count` over every input and prints the seconds, the total count
/// (`what` after it) and the rate.
fn timed(
    label: &str,
    what: &str,
    inputs: &[Vec<u8>],
    total: usize,
    count: impl Fn(&[u8]) -> usize,
) {
    let t = std::time::Instant::now();
    let n: usize = inputs.iter().map(|f| count(f)).sum();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label}: {s:.3}s ({n}{what}) {:.0} MB/s",
        total as f64 / 1e6 / s
    );
}

fn walk(dir: &Path, f: &mut dyn FnMut(&[u8])) {
    text_files::for_each(dir, &mut |_, b| f(&b));
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
    timed("ac standard find_iter", " matches", &lowered, total, |f| {
        ac.find_iter(f).count()
    });
    timed("ac leftmost find_iter", " matches", &lowered, total, |f| {
        ac2.find_iter(f).count()
    });
    let pats: Vec<String> = kws.iter().map(|k| regex::escape(k)).collect();
    let re = regex::bytes::Regex::new(&pats.join("|")).unwrap();
    timed("regex alternation", " matches", &lowered, total, |f| {
        re.find_iter(f).count()
    });
    for (name, pf) in [("dfa no prefilter", false), ("dfa prefilter", true)] {
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .prefilter(pf)
            .build(&kws)
            .unwrap();
        timed(name, "", &lowered, total, |f| a.find_iter(f).count());
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .prefilter(pf)
            .build(&kws)
            .unwrap();
        timed(
            &format!("{name} case-insensitive on original"),
            "",
            &files,
            total,
            |f| a.find_iter(f).count(),
        );
    }
    for chunk in kws.chunks(60) {
        let a = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(chunk)
            .unwrap();
        timed(
            &format!("chunk of {} ({}..)", chunk.len(), chunk[0]),
            "",
            &lowered,
            total,
            |f| a.find_iter(f).count(),
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
        timed(
            &format!("rare chunk of {} ({}..)", chunk.len(), chunk[0]),
            "",
            &lowered,
            total,
            |f| a.find_iter(f).count(),
        );
    }
    let engine = secgate_secrets::Engine::builtin();
    timed("engine", " hits", &files, total, |f| {
        engine.scan("x", f).len()
    });
}
