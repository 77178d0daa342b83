//! Using secgate as a library: read any report, keep what matters, print it.
//!
//! ```text
//! cargo run --example read_report -- examples/reports/trivy-image.json high
//! ```
//!
//! Reads the report (format detected by content), keeps the findings at or
//! above the given severity (default `high`) that have a fix available, and
//! prints one line each. Exits 2 when the report cannot be read.

use secgate_core::Severity;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: read_report REPORT [SEVERITY]");
        return ExitCode::from(2);
    };
    let threshold: Severity = match args.next().as_deref().unwrap_or("high").parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match secgate_reports::parse(&bytes) {
        Ok(r) => r,
        Err(e) => {
            // A located diagnostic: file, line and column where known.
            eprintln!("{:?}", miette::Report::new(e.located(&path, &bytes)));
            return ExitCode::from(2);
        }
    };
    println!(
        "{path}: {} report, {} findings, scan {}",
        report.format,
        report.findings.len(),
        if report.status.succeeded() {
            "succeeded"
        } else {
            "FAILED"
        }
    );
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity >= threshold && f.fix.is_fixable())
    {
        println!(
            "{:<8} {:<16} {} [{}] fix: {}",
            f.severity,
            f.primary_id().unwrap_or_default(),
            f.location.describe(),
            f.fingerprint.short(12),
            f.fix.fixed_versions.join(", ")
        );
    }
    ExitCode::SUCCESS
}
