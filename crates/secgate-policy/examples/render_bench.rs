//! Times every renderer over a big report (see `bench/render.sh`).
//!
//! ```text
//! cargo run --release -p secgate-policy --example render_bench -- REPORT [OUT_DIR] [--values]
//! ```
//!
//! Parses REPORT, judges its findings round-robin (failed, passed, existing,
//! exempted: every renderer path is taken), then writes every output into
//! OUT_DIR (default: a temporary folder) with the streaming writers, as
//! `secgate check` does. `--values` also times the `serde_json::Value`
//! renderers. Prints one line per output: time and bytes.

use secgate_policy::render::*;
use secgate_policy::verdict::{Judged, Outcome, Verdict};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let values = args.iter().any(|a| a == "--values");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(path) = pos.first() else {
        eprintln!("usage: render_bench REPORT [OUT_DIR] [--values]");
        std::process::exit(2);
    };
    let out: PathBuf = pos
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("secgate-render-bench"));
    std::fs::create_dir_all(&out).expect("output folder");

    let t = Instant::now();
    let bytes = std::fs::read(path).expect("report");
    let report = secgate_reports::parse(&bytes).expect("a report secgate reads");
    drop(bytes);
    println!(
        "{:>16}: {:>9.1} ms  ({} findings)",
        "parse",
        t.elapsed().as_secs_f64() * 1e3,
        report.findings.len()
    );
    let findings: Vec<Judged> = report
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| Judged {
            finding: f.clone(),
            outcome: match i % 4 {
                0 => Outcome::Failed {
                    rule: "fail_on: high".into(),
                },
                1 => Outcome::Passed {
                    reason: "below fail_on: high".into(),
                },
                2 => Outcome::Existing,
                _ => Outcome::Exempted {
                    exception: "bench".into(),
                    reason: "benchmark".into(),
                },
            },
            source: Some(path.as_str().into()),
        })
        .collect();
    let v = Verdict {
        passed: false,
        policy: "(default policy)".into(),
        findings,
        problems: vec![],
        scanners: report.scanners.clone(),
        categories: report.categories(),
        failed_categories: vec![],
    };
    drop(report);

    let file = |n: &str| std::fs::File::create(out.join(n)).expect("output file");
    let size = |n: &str| std::fs::metadata(out.join(n)).map(|m| m.len()).unwrap_or(0);
    let mut total = 0.0;
    let mut time = |name: &str, f: &mut dyn FnMut() -> u64| {
        let t = Instant::now();
        let n = f();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        total += ms;
        println!("{name:>16}: {ms:>9.1} ms  {n:>11} bytes");
    };
    let now = Timestamp(0);
    time("text", &mut || {
        terminal(&v, &TerminalOptions::default()).len() as u64
    });
    time("json", &mut || {
        write_json(file("secgate.json"), &v).unwrap();
        size("secgate.json")
    });
    time("code-quality", &mut || {
        write_code_quality(file("gl-code-quality-report.json"), &v, None).unwrap();
        size("gl-code-quality-report.json")
    });
    time("junit", &mut || {
        std::fs::write(out.join("secgate-junit.xml"), junit(&v)).unwrap();
        size("secgate-junit.xml")
    });
    time("gitlab", &mut || {
        write_gitlab_security_reports(&v, now, &out)
            .unwrap()
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum()
    });
    time("sarif", &mut || {
        write_sarif(file("secgate.sarif"), &v).unwrap();
        size("secgate.sarif")
    });
    time("markdown", &mut || markdown(&v).len() as u64);
    time("dotenv", &mut || dotenv(&v).len() as u64);
    println!("{:>16}: {total:>9.1} ms", "all outputs");

    if values {
        let mut total = 0.0;
        let mut time = |name: &str, f: &mut dyn FnMut() -> usize| {
            let t = Instant::now();
            let n = f();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            total += ms;
            println!("{name:>16}: {ms:>9.1} ms  {n:>11} bytes (value)");
        };
        time("json", &mut || json(&v).to_string().len());
        time("code-quality", &mut || {
            code_quality(&v, None).to_string().len()
        });
        time("gitlab", &mut || {
            gitlab_security_reports_at(&v, now)
                .iter()
                .map(|(_, d)| d.to_string().len())
                .sum()
        });
        time("sarif", &mut || sarif(&v).to_string().len());
        println!("{:>16}: {total:>9.1} ms (values)", "all");
    }
}
