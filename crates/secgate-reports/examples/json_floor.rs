//! The floor of parsing, for the benchmark in `bench/parse.sh`: reads a file
//! and runs serde_json over it into `serde::de::IgnoredAny` (validates the
//! JSON, builds nothing), or, with `--parse`, through `secgate_reports::parse`.
//! Prints the bytes and the in-process time.

use serde::de::IgnoredAny;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = args.iter().any(|a| a == "--parse");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: json_floor [--parse] FILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).expect("read");
    let t = Instant::now();
    let n = if parse {
        secgate_reports::parse(&bytes)
            .expect("parse")
            .findings
            .len()
    } else {
        let _: IgnoredAny = serde_json::from_slice(&bytes).expect("json");
        0
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} bytes, {} findings, {:.3} s in process, {:.0} MB/s",
        bytes.len(),
        n,
        secs,
        bytes.len() as f64 / 1e6 / secs
    );
}
