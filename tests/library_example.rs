//! Runs `examples/read_report.rs` (the library used from Rust) on the example
//! reports and checks what it prints. `cargo test` builds the example next to
//! the test executables.

use std::path::PathBuf;
use std::process::Command;

fn example_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("examples").join("read_report");
    assert!(
        bin.exists(),
        "{} not built: run `cargo build --examples` (cargo test builds it)",
        bin.display()
    );
    bin
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(example_bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn reads_filters_and_prints_a_trivy_report() {
    let (code, out, err) = run(&["examples/reports/trivy-image.json", "high"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "examples/reports/trivy-image.json: trivy report, 4 findings, scan succeeded"
        ),
        "{out}"
    );
    // Fixable findings at or above high: the critical libssl3 one and the high werkzeug one;
    // the unfixed low and the medium are filtered out.
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("critical")
            && l.contains("CVE-2024-5535")
            && l.contains("3.1.6-r0")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("high") && l.contains("CVE-2024-34069")),
        "{out}"
    );
}

#[test]
fn a_bad_report_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.json");
    std::fs::write(&p, "{\n  \"runs\": [\n    {\"results\": [\n").unwrap();
    let (code, out, err) = run(&[p.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("broken.json:4:"), "{err}");
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_bad_threshold_is_a_usage_error() {
    let (code, _, err) = run(&["examples/reports/trivy-image.json", "severe"]);
    assert_eq!(code, 2);
    assert!(err.contains("severe"), "{err}");
}
