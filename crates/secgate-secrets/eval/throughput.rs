//! Quick throughput check of the engine in whole-file mode (one core):
//! `cargo run --release -p secgate-secrets --example secrets-throughput -- DIR [DIR...]`.
//! Reads every regular file under the directories into memory first (so the
//! figure is the engine's, not the disk's), skips files over 10 MiB and files
//! with a NUL byte in their first 8 KiB (binary), then scans them all and
//! prints MB/s and the hits per rule. With `SECGATE_READ_EACH=1` it first
//! times reading and scanning file after file (as `dir` does) for comparison.

use secgate_secrets::Engine;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

#[path = "text_files.rs"]
mod text_files;

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: secrets-throughput DIR [DIR...]");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for d in &dirs {
        text_files::for_each(Path::new(d), &mut |p, b| {
            files.push((p.display().to_string(), b))
        });
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let engine = Engine::builtin();
    if std::env::var_os("SECGATE_READ_EACH").is_some() {
        // As the `dir` mode does: read a file into one reused buffer, scan
        // it, next file (the page cache is warm after the collection above).
        let mut buf = Vec::new();
        for round in 0..3 {
            let t = Instant::now();
            let mut n = 0;
            for (p, _) in &files {
                use std::io::Read;
                buf.clear();
                if let Ok(mut f) = std::fs::File::open(p) {
                    let _ = f.read_to_end(&mut buf);
                }
                n += engine.scan(p, &buf).len();
            }
            eprintln!(
                "read each, round {round}: {n} hits in {:.3}s",
                t.elapsed().as_secs_f64()
            );
        }
    }
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut best = f64::MAX;
    for round in 0..3 {
        let t = Instant::now();
        let mut n = 0;
        for (p, b) in &files {
            let hits = engine.scan(p, b);
            n += hits.len();
            if round == 0 {
                if std::env::var_os("SECGATE_SHOW_HITS").is_some() {
                    for h in &hits {
                        eprintln!("{} {}", h.location(), h.rule_id);
                    }
                }
                for h in hits {
                    *per_rule.entry(h.rule_id).or_default() += 1;
                }
            }
        }
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        eprintln!("round {round}: {n} hits in {s:.3}s");
    }
    println!(
        "{} files, {:.1} MB, best {:.3}s: {:.0} MB/s on one core",
        files.len(),
        total as f64 / 1e6,
        best,
        total as f64 / 1e6 / best
    );
    for (r, n) in per_rule {
        println!("{n:8} {r}");
    }
}
