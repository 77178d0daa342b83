//! The foundation issue's bad-input cases through the real `secgate` binary:
//! every one is exit 2 with a message naming the file, never a panic and never
//! a pass. (Build first: `cargo build --workspace --bins`.)

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let o: Output = Command::new(common::gate_bin())
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run secgate");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!all.contains("panicked"), "{all}");
    (o.status.code().expect("exit code"), all)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn every_bad_input_is_exit_2_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut deep = b"{\"vulnerabilities\": ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 50_000));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.json", b"".to_vec(), "empty"),
        ("blank.json", b"  \n\n".to_vec(), "empty"),
        (
            "truncated.json",
            br#"{"SchemaVersion": 2, "Results": [{"Target": "x""#.to_vec(),
            "truncated",
        ),
        (
            "malformed.json",
            b"{\n  \"runs\": [,]\n}".to_vec(),
            "not valid JSON",
        ),
        ("null.json", b"null".to_vec(), "null"),
        (
            "unknown.json",
            br#"{"hello": "world"}"#.to_vec(),
            "unknown report format",
        ),
        ("scalar.json", b"42".to_vec(), "unknown report format"),
        ("deep.json", deep, "deep.json"),
        ("utf16.json", b"\xFF\xFE{\x00}\x00".to_vec(), "UTF-8"),
        // a GitLab report whose vulnerability lacks a required field of the wrong type
        (
            "shape.json",
            br#"{"version": "15.0.0", "vulnerabilities": [{"identifiers": 7}]}"#.to_vec(),
            "shape.json",
        ),
    ];
    for (name, bytes, needle) in &cases {
        write(p, name, bytes);
        let (code, out) = check(p, &[name]);
        assert_eq!(code, 2, "{name}: {out}");
        assert!(
            out.contains(name),
            "{name}: the message names the file: {out}"
        );
        assert!(
            out.to_lowercase().contains(&needle.to_lowercase()),
            "{name}: expected `{needle}` in: {out}"
        );
    }
}

#[test]
fn a_1_gib_report_is_refused_quickly_without_reading_it() {
    let d = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(d.path().join("huge.json")).unwrap();
    f.set_len(1 << 30).unwrap(); // sparse: 1 GiB of NUL bytes on disk for free
    drop(f);
    let t = std::time::Instant::now();
    let (code, out) = check(d.path(), &["huge.json"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("huge.json") && out.contains("limit"), "{out}");
    assert!(
        out.contains("--max-report-size"),
        "the message says what to do: {out}"
    );
    // Not a timed test of speed: it just must not read a gigabyte into memory.
    assert!(t.elapsed().as_secs() < 60);
}

#[test]
fn a_wrong_type_artifact_is_exit_2() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "gl-sast-report.json",
        br#"{"version": "15.0.4", "vulnerabilities": [], "scan": {"type": "sast", "status": "success",
            "scanner": {"id": "semgrep", "name": "Semgrep", "version": "1", "vendor": {"name": "GitLab"}},
            "analyzer": {"id": "semgrep", "name": "Semgrep", "version": "1", "vendor": {"name": "GitLab"}},
            "start_time": "2026-01-01T00:00:00", "end_time": "2026-01-01T00:00:01"}}"#,
    );
    let (code, out) = check(d.path(), &["dast=gl-sast-report.json"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("expected a dast report"), "{out}");
    // The same file declared as what it is passes (zero findings).
    let (code, out) = check(d.path(), &["sast=gl-sast-report.json"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn null_and_empty_array_need_a_declared_format() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "gitleaks.json", b"[]\n");
    write(d.path(), "trivy.json", b"null");
    let (code, out) = check(d.path(), &["gitleaks.json"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = check(d.path(), &["trivy.json"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = check(d.path(), &["gitleaks=gitleaks.json", "trivy=trivy.json"]);
    assert_eq!(code, 0, "{out}");
}
