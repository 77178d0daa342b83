//! Where the per-line time goes, rule by rule: for every line holding one of a
//! rule's keywords, time the rule's `is_match` (and `captures_iter` when it
//! matches) over a source tree, one core:
//! `cargo run --release -p secgate-secrets --example secrets-rulecost -- DIR`.
//! Prints the compile time of the costliest regexes, then the 25 costliest
//! rules: candidate lines, regex matches, seconds.

use aho_corasick::{AhoCorasick, MatchKind};
use secgate_secrets::Engine;
use std::path::Path;
use std::time::Instant;

#[path = "text_files.rs"]
mod text_files;

fn walk(dir: &Path, f: &mut dyn FnMut(&[u8])) {
    text_files::for_each(dir, &mut |_, b| f(&b));
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: secrets-rulecost DIR");
    let engine = Engine::builtin();
    let rules = engine.rules();
    let mut kws: Vec<String> = Vec::new();
    let mut kw_rules: Vec<Vec<usize>> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        for k in &r.keywords {
            match kws.iter().position(|x| x == k) {
                Some(p) => kw_rules[p].push(i),
                None => {
                    kws.push(k.clone());
                    kw_rules.push(vec![i]);
                }
            }
        }
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .build(&kws)
        .expect("keywords");
    // Compile time of each rule's regex (paid once per process that needs it).
    let mut compile: Vec<(f64, &str)> = rules
        .iter()
        .map(|r| {
            let t = Instant::now();
            r.regex.get();
            (t.elapsed().as_secs_f64(), r.id.as_str())
        })
        .collect();
    compile.sort_by(|a, b| b.0.total_cmp(&a.0));
    let all: f64 = compile.iter().map(|c| c.0).sum();
    println!(
        "compiling all {} rule regexes: {all:.3}s; costliest:",
        rules.len()
    );
    for (t, id) in compile.iter().take(8) {
        println!("{:>40} {t:.4}s", id);
    }
    // (candidate lines, is_match true, is_match seconds, captures seconds)
    let mut cost = vec![(0usize, 0usize, 0f64, 0f64); rules.len()];
    let mut ids = Vec::new();
    walk(Path::new(&dir), &mut |b| {
        for line in b.split(|&c| c == b'\n') {
            ids.clear();
            for m in ac.find_overlapping_iter(line) {
                let k = &kws[m.pattern().as_usize()];
                // As the engine: a keyword with an upper-case letter is exact.
                if k.bytes().any(|b| b.is_ascii_uppercase()) && &line[m.range()] != k.as_bytes() {
                    continue;
                }
                for &r in &kw_rules[m.pattern().as_usize()] {
                    if !ids.contains(&r) {
                        ids.push(r);
                    }
                }
            }
            for &r in &ids {
                let re = rules[r].regex.get();
                let t = Instant::now();
                let hit = re.is_match(line);
                cost[r].2 += t.elapsed().as_secs_f64();
                cost[r].0 += 1;
                if hit {
                    cost[r].1 += 1;
                    let t = Instant::now();
                    let n = re.captures_iter(line).count();
                    std::hint::black_box(n);
                    cost[r].3 += t.elapsed().as_secs_f64();
                }
            }
        }
    });
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by(|&a, &b| (cost[b].2 + cost[b].3).total_cmp(&(cost[a].2 + cost[a].3)));
    let total: f64 = cost.iter().map(|c| c.2 + c.3).sum();
    println!("total per-rule regex time {total:.3}s");
    println!(
        "{:>40} {:>9} {:>7} {:>8} {:>8}",
        "rule", "lines", "match", "is_match", "captures"
    );
    for &i in order.iter().take(25) {
        let c = cost[i];
        println!(
            "{:>40} {:9} {:7} {:8.3} {:8.3}",
            rules[i].id, c.0, c.1, c.2, c.3
        );
    }
}
