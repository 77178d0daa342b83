//! `secgate check` and `secgate policy` through the real binary: every exit
//! code, the messages of a bad policy, a missing report and a malformed report,
//! and every output from one run.
//!
//! The binary is another package's (`secgate-cli`): build it first with
//! `cargo build --workspace --bins`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn secgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::gate_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("CI_PROJECT_DIR")
        .env("SECGATE_TODAY", "2026-06-01")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run secgate")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const TRIVY: &str = r#"{
  "SchemaVersion": 2,
  "ArtifactName": "registry.example.com/app:1.0",
  "ArtifactType": "container_image",
  "Results": [
    {
      "Target": "registry.example.com/app:1.0 (alpine 3.19.1)",
      "Class": "os-pkgs",
      "Type": "alpine",
      "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2021-44228", "PkgName": "log4j", "InstalledVersion": "2.14.1",
         "FixedVersion": "2.15.0", "Status": "fixed", "Severity": "CRITICAL", "Title": "log4shell"},
        {"VulnerabilityID": "CVE-2023-0001", "PkgName": "zlib", "InstalledVersion": "1.2.11",
         "Status": "affected", "Severity": "HIGH", "Title": "zlib thing"},
        {"VulnerabilityID": "CVE-2023-0002", "PkgName": "busybox", "InstalledVersion": "1.36",
         "FixedVersion": "1.37", "Severity": "LOW", "Title": "busybox thing"}
      ]
    }
  ]
}
"#;

const TRIVY_LOW: &str = r#"{"SchemaVersion": 2, "ArtifactName": "app:1", "ArtifactType": "container_image",
  "Results": [{"Target": "app:1 (alpine 3.19.1)", "Class": "os-pkgs", "Type": "alpine",
    "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-0002", "PkgName": "busybox", "InstalledVersion": "1.36", "Severity": "LOW"}]}]}
"#;

fn tmp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = d.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, body).unwrap();
    }
    d
}

#[test]
fn exit_0_when_nothing_reaches_the_threshold() {
    let d = tmp_with(&[("trivy.json", TRIVY_LOW)]);
    let o = secgate(d.path(), &["check", "trivy.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    assert!(out.contains("PASSED") || out.contains("passed"), "{out}");
    assert!(out.contains("low"), "{out}");
}

#[test]
fn exit_1_on_findings_at_or_above_fail_on_and_readme_command() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    let o = secgate(d.path(), &["check", "trivy.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(
        out.contains("CVE-2021-44228") && out.contains("CVE-2023-0001"),
        "{out}"
    );
    // --fail-on critical: only log4shell fails.
    let o = secgate(d.path(), &["check", "--fail-on", "critical", "trivy.json"]);
    assert_eq!(code(&o), 1);
    // --fail-on none never fails on severity.
    let o = secgate(d.path(), &["check", "--fail-on", "none", "trivy.json"]);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    // The README's first command.
    let o = secgate(&root(), &["check", "examples/reports"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(
        out.contains("By severity") && out.contains("By scanner"),
        "{out}"
    );
}

#[test]
fn exit_2_bad_policy_lists_every_problem_with_file_line_col() {
    let policy = "fial_on: high\nbudgets:\n  medum: 3\nexceptions:\n  - id: CVE-2021-44228\n    reason: x\n    expires: 2026-02-30\n  - id: CWE-79\n    paths: ['src/[a-']\n    reason: y\n  - id: CWE-89\n    owner: me\n";
    let d = tmp_with(&[("bad.yml", policy), ("trivy.json", TRIVY)]);
    let o = secgate(d.path(), &["check", "--policy", "bad.yml", "trivy.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 2, "{out}\n{err}");
    for want in [
        "bad.yml:1:1",
        "unknown key `fial_on`",
        "did you mean `fail_on`?",
        "bad.yml:3:3",
        "unknown severity `medum`",
        "did you mean `medium`?",
        "bad.yml:7:14",
        "`2026-02-30` is not a date",
        "bad.yml:9:13",
        "not a valid glob",
        "bad.yml:11:5",
        "has no `reason`",
        "secgate::policy::unknown_key",
        "secgate::policy::bad_date",
        "secgate::policy::bad_glob",
        "secgate::policy::missing_field",
        "secgate::policy::unknown_severity",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    // policy check says the same, exit 2.
    let o = secgate(d.path(), &["policy", "check", "bad.yml"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).1.contains("bad.yml:1:1"));
    // Wrong type and YAML syntax errors are located too.
    let d = tmp_with(&[
        ("t.yml", "fail_on: high\nignore_unfixed: maybe\n"),
        ("s.yml", "fail_on: [high\n"),
    ]);
    let (_, err) = text(&secgate(d.path(), &["policy", "check", "t.yml"]));
    assert!(
        err.contains("t.yml:2:17") && err.contains("must be true or false"),
        "{err}"
    );
    let o = secgate(d.path(), &["policy", "check", "s.yml"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o).1.contains("secgate::policy::yaml"),
        "{}",
        text(&o).1
    );
}

#[test]
fn exit_2_missing_report() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    let o = secgate(d.path(), &["check", "trivy.json", "gl-sast-report.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 2, "{out}\n{err}");
    assert!(
        err.contains("report not found: gl-sast-report.json"),
        "{err}"
    );
    // A glob that matches nothing, an empty directory: also never a pass.
    std::fs::create_dir(d.path().join("empty")).unwrap();
    let o = secgate(d.path(), &["check", "gl-*-report.json"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).1.contains("matched no file"));
    let o = secgate(d.path(), &["check", "empty"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).1.contains("holds no *.json or *.sarif report"));
}

#[test]
fn exit_2_malformed_report_is_located() {
    let truncated = &TRIVY[..TRIVY.len() / 2];
    let bad_syntax = "{\n  \"SchemaVersion\": 2,\n  \"Results\": [ oops ]\n}\n";
    let d = tmp_with(&[
        ("cut.json", truncated),
        ("syntax.json", bad_syntax),
        ("empty.json", ""),
    ]);
    let o = secgate(d.path(), &["check", "syntax.json"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("syntax.json:3:16"), "{err}");
    let o = secgate(d.path(), &["check", "cut.json", "empty.json"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(err.contains("cut.json:"), "{err}");
    assert!(err.contains("empty"), "{err}");
    assert!(err.contains("2 report(s) could not be read"), "{err}");
}

#[test]
fn exit_2_usage() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    for args in [
        &["check"][..],
        &["check", "--fail-on", "severe", "trivy.json"],
        &["check", "-o", "xml", "trivy.json"],
        &["check", "-o", "json", "-o", "sarif", "trivy.json"],
        &["check", "--no-such-flag", "trivy.json"],
        &["frobnicate"],
    ] {
        let o = secgate(d.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {:?}", text(&o));
        assert!(!o.stderr.is_empty(), "{args:?} says nothing");
    }
    let (_, err) = text(&secgate(d.path(), &["check", "-o", "jsn", "trivy.json"]));
    assert!(err.contains("did you mean `json`"), "{err}");
    // A declared type that the file is not.
    let o = secgate(d.path(), &["check", "dast=trivy.json"]);
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    let o = secgate(d.path(), &["check", "sarif=trivy.json"]);
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    assert!(text(&o)
        .1
        .contains("declared sarif but this is a trivy report"));
}

#[cfg(unix)]
#[test]
fn exit_3_environment_failures() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    // A symlink loop: the file system cannot resolve the path.
    std::os::unix::fs::symlink("loop.json", d.path().join("loop.json")).unwrap();
    let o = secgate(d.path(), &["check", "loop.json"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 3, "{err}");
    assert!(err.contains("cannot read the report loop.json"), "{err}");
    // A full disk when writing an output.
    if Path::new("/dev/full").exists() {
        let o = secgate(d.path(), &["check", "-o", "json=/dev/full", "trivy.json"]);
        let (_, err) = text(&o);
        assert_eq!(code(&o), 3, "{err}");
        assert!(err.contains("/dev/full"), "{err}");
    }
}

/// `--format F --output PATH`, as secgate-secrets, secgate-image and trivy take
/// it, beside `-o F=PATH`; a path given without its format is exit 2 with both
/// spellings shown.
#[test]
fn format_and_output_as_trivy_takes_them() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    let o = secgate(
        d.path(),
        &[
            "check",
            "trivy.json",
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "-o",
            "junit=j.xml",
        ],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(d.path().join("j.xml"))
        .unwrap()
        .contains("<testsuites"));
    // With --format and no path: to stdout.
    let o = secgate(d.path(), &["check", "trivy.json", "--format", "json"]);
    let (out, _) = text(&o);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], false);
    // A path without its format.
    let o = secgate(d.path(), &["check", "trivy.json", "--output", "x.sarif"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    // As one line (the help is wrapped to the terminal's width).
    let err = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        err.contains("-o sarif=x.sarif") && err.contains("--format sarif --output x.sarif"),
        "{err}"
    );
}

/// A report named twice (itself, its directory, a glob over it) is judged
/// once: budgets count its findings once and JUnit does not repeat them.
#[test]
fn a_report_named_twice_is_judged_once() {
    let d = tmp_with(&[
        ("reports/trivy.json", TRIVY),
        ("budget.yml", "budgets:\n  high: 1\n"),
    ]);
    let count = |args: &[&str]| {
        let mut all = vec!["check", "--policy", "budget.yml", "-o", "json=out.json"];
        all.extend_from_slice(args);
        let o = secgate(d.path(), &all);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path().join("out.json")).unwrap()).unwrap();
        (code(&o), v["findings"].as_array().unwrap().len())
    };
    let once = count(&["reports/trivy.json"]);
    assert_eq!(
        count(&[
            "reports/trivy.json",
            "reports",
            "reports/*.json",
            "./reports/trivy.json"
        ]),
        once
    );
    // Declared and undeclared: one report, the declaration kept.
    assert_eq!(
        count(&["reports/trivy.json", "trivy=reports/trivy.json"]),
        once
    );
}

/// No output is written over a report the run reads: `-o gitlab` into the
/// folder of the scanners' `gl-*-report.json`, or `-o json=` an input.
#[test]
fn an_output_over_an_input_report_is_refused_and_nothing_is_written() {
    let d = tmp_with(&[]);
    let sast = root().join("examples/reports/gl-sast-report.json");
    let original = std::fs::read(&sast).unwrap();
    std::fs::write(d.path().join("gl-sast-report.json"), &original).unwrap();
    for out in [
        "gitlab",
        "gitlab=.",
        "json=gl-sast-report.json",
        "sarif=./gl-sast-report.json",
    ] {
        let o = secgate(
            d.path(),
            &[
                "check",
                "gl-sast-report.json",
                "-o",
                "junit=j.xml",
                "-o",
                out,
            ],
        );
        let (stdout, err) = text(&o);
        assert_eq!(code(&o), 2, "{out}: {stdout}\n{err}");
        assert!(
            err.contains("gl-sast-report.json") && err.contains("reads"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(d.path().join("gl-sast-report.json")).unwrap(),
            original
        );
        assert!(!d.path().join("j.xml").exists(), "nothing is written");
    }
    // Into another folder: fine.
    let o = secgate(
        d.path(),
        &["check", "gl-sast-report.json", "-o", "gitlab=out"],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    assert!(d.path().join("out/gl-sast-report.json").exists());
}

/// Which policy applied is never a guess: `.secgate.yml` or `.secgate.yaml`,
/// here or in `$CI_PROJECT_DIR`, both names at once is exit 2, and the summary
/// and the JSON result name the policy (or the embedded default).
#[test]
fn the_policy_file_is_found_and_named() {
    let d = tmp_with(&[("trivy.json", TRIVY_LOW), ("sub/.keep", "")]);
    let strict = "fail_on: low\n";
    let run = |dir: &Path, project: Option<&Path>| {
        let mut c = Command::new(common::gate_bin());
        c.args(["check", "-o", "text", "-o", "json=out.json"])
            .arg(d.path().join("trivy.json"))
            .current_dir(dir)
            .env_remove("CI_PROJECT_DIR")
            .env("NO_COLOR", "1")
            .env("SECGATE_TODAY", "2026-06-01");
        if let Some(p) = project {
            c.env("CI_PROJECT_DIR", p);
        }
        let o = c.output().unwrap();
        let json: serde_json::Value = std::fs::read(dir.join("out.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        (code(&o), text(&o).0, text(&o).1, json)
    };
    // No policy file: the embedded default (fail on high) passes the low finding, and says so.
    let (c, out, _, json) = run(d.path(), None);
    assert_eq!(c, 0, "{out}");
    assert!(out.contains("policy: (default policy)"), "{out}");
    assert_eq!(json["policy"], "(default policy)");
    // `.secgate.yaml` is read like `.secgate.yml`.
    std::fs::write(d.path().join(".secgate.yaml"), strict).unwrap();
    let (c, out, _, json) = run(d.path(), None);
    assert_eq!(c, 1, "{out}");
    assert!(out.contains("policy: .secgate.yaml"), "{out}");
    assert_eq!(json["policy"], ".secgate.yaml");
    // From a subfolder of the project: $CI_PROJECT_DIR's policy.
    let sub = d.path().join("sub");
    let (c, out, _, _) = run(&sub, Some(d.path()));
    assert_eq!(c, 1, "{out}");
    assert!(out.contains(".secgate.yaml"), "{out}");
    // Both names: ambiguous.
    std::fs::write(d.path().join(".secgate.yml"), "fail_on: critical\n").unwrap();
    let (c, _, err, _) = run(d.path(), None);
    assert_eq!(c, 2, "{err}");
    assert!(
        err.contains(".secgate.yml") && err.contains(".secgate.yaml"),
        "{err}"
    );
}

/// secgate's own SARIF and GitLab reports work as baselines as its JSON
/// result does: every finding of the same reports is existing (their written
/// fingerprints are read, not recomputed from the converted findings).
#[test]
fn the_gates_own_sarif_and_gitlab_reports_are_baselines() {
    let d = tmp_with(&[]);
    let reports = root().join("examples/reports");
    let reports = reports.to_str().unwrap();
    let o = secgate(
        d.path(),
        &[
            "check",
            reports,
            "-o",
            "json=base.json",
            "-o",
            "sarif=base.sarif",
            "-o",
            "gitlab=gl",
        ],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let mut baselines = vec!["base.json".to_string(), "base.sarif".to_string()];
    for e in std::fs::read_dir(d.path().join("gl")).unwrap() {
        baselines.push(format!("gl/{}", e.unwrap().file_name().to_string_lossy()));
    }
    let total = |b: &str| {
        let o = secgate(
            d.path(),
            &[
                "check",
                reports,
                "--new-only",
                "--baseline",
                b,
                "-o",
                "json=now.json",
            ],
        );
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path().join("now.json")).unwrap()).unwrap();
        (
            code(&o),
            v["summary"]["existing"].as_u64().unwrap(),
            v["summary"]["total"].as_u64().unwrap(),
        )
    };
    let (_, _, all) = total("base.json");
    for b in ["base.json", "base.sarif"] {
        assert_eq!(total(b), (0, all, all), "{b}");
    }
    // The GitLab reports, one per category: each holds its category's findings.
    let existing: u64 = baselines[2..].iter().map(|b| total(b).1).sum();
    assert_eq!(existing, all, "{baselines:?}");
}

/// A GitLab report merged from a failed scan says `failure` (with a fatal
/// message), never `success`: GitLab must not take an incomplete scan for a
/// clean one. The other kinds of the run still say `success`; both validate.
#[test]
fn a_failed_scan_is_a_failed_gitlab_report() {
    let failed = r#"{"version":"15.0.4","vulnerabilities":[],"scan":{"status":"failure","type":"sast",
      "messages":[{"level":"fatal","value":"semgrep crashed"}],
      "scanner":{"id":"semgrep","name":"Semgrep","version":"1.0","vendor":{"name":"GitLab"}},
      "analyzer":{"id":"semgrep","name":"Semgrep","version":"1.0","vendor":{"name":"GitLab"}},
      "start_time":"2024-01-01T00:00:00","end_time":"2024-01-01T00:00:01"}}"#;
    let d = tmp_with(&[("gl-sast-report.json", failed), ("trivy.json", TRIVY)]);
    let o = secgate(
        d.path(),
        &[
            "check",
            "gl-sast-report.json",
            "trivy.json",
            "-o",
            "gitlab=out",
        ],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.path().join("out").join(name)).unwrap()).unwrap()
    };
    let sast = read("gl-sast-report.json");
    assert_eq!(sast["scan"]["status"], "failure");
    assert_eq!(sast["scan"]["messages"][0]["level"], "fatal");
    let cs = read("gl-container-scanning-report.json");
    assert_eq!(cs["scan"]["status"], "success");
    let Some(corpus) = corpus() else {
        eprintln!("corpus not found; schema check skipped (set SECGATE_CORPUS)");
        return;
    };
    for (doc, schema) in [(&sast, "sast"), (&cs, "container-scanning")] {
        let path = corpus.join(format!(
            "gitlab-schemas/gitlabhq__15.2.1__{schema}-report-format.json"
        ));
        let schema: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn every_output_from_one_run() {
    let d = tmp_with(&[("trivy.json", TRIVY)]);
    let o = secgate(
        d.path(),
        &[
            "check",
            "trivy.json",
            "-o",
            "text=out/summary.txt",
            "-o",
            "json=out/secgate.json",
            "-o",
            "code-quality=out/gl-code-quality-report.json",
            "-o",
            "junit=out/junit.xml",
            "-o",
            "gitlab=out/gitlab",
            "-o",
            "sarif=out/secgate.sarif",
            "-o",
            "markdown=out/summary.md",
            "-o",
            "dotenv=out/secgate.env",
        ],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let out = d.path().join("out");
    let env = std::fs::read_to_string(out.join("secgate.env")).unwrap();
    assert!(env.contains("SECGATE_PASSED=false"), "{env}");
    for f in [
        "summary.txt",
        "secgate.json",
        "gl-code-quality-report.json",
        "junit.xml",
        "secgate.sarif",
        "summary.md",
        "gitlab/gl-container-scanning-report.json",
    ] {
        let p = out.join(f);
        let body = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(body.contains("CVE-2021-44228"), "{f} lacks the finding");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("secgate.json")).unwrap()).unwrap();
    assert_eq!(json["passed"], false);
    for f in [
        "gl-code-quality-report.json",
        "secgate.sarif",
        "gitlab/gl-container-scanning-report.json",
    ] {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(out.join(f)).unwrap())
            .unwrap();
    }
    // No text output requested: the summary still reaches the user, on stdout,
    // or on stderr when stdout carries a machine format.
    let o = secgate(d.path(), &["check", "trivy.json", "-o", "json=x.json"]);
    assert!(text(&o).0.contains("CVE-2021-44228"));
    let o = secgate(d.path(), &["check", "trivy.json", "-o", "json"]);
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout is pure JSON");
    assert!(text(&o).1.contains("CVE-2021-44228"));
}

#[test]
fn a_bad_baseline_is_exit_2_naming_it_even_when_the_reports_are_bad_too() {
    let d = tmp_with(&[
        ("trivy.json", TRIVY),
        (
            "truncated-baseline.json",
            r#"{"passed": true, "findings": ["#,
        ),
        (
            "broken-report.json",
            "{\"SchemaVersion\": 2, \"Results\": [",
        ),
    ]);
    // Exit 2 and the baseline's error on stderr, never a pass.
    let stderr_of = |baseline: &str, report: &str| {
        let o = secgate(
            d.path(),
            &["check", "--new-only", "--baseline", baseline, report],
        );
        let (out, err) = text(&o);
        assert_eq!(code(&o), 2, "{out}\n{err}");
        err
    };
    // Missing, truncated: the baseline is named and located.
    let err = stderr_of("nope.json", "trivy.json");
    assert!(
        err.contains("baseline") && err.contains("nope.json"),
        "{err}"
    );
    let err = stderr_of("truncated-baseline.json", "trivy.json");
    assert!(err.contains("truncated-baseline.json"), "{err}");
    // The baseline is read beside the reports: both bad, the baseline's error
    // is the one reported.
    let err = stderr_of("truncated-baseline.json", "broken-report.json");
    assert!(err.contains("truncated-baseline.json"), "{err}");
}

/// The policy is read beside the baseline and the reports: with all three bad,
/// the policy's error is the one reported, then the baseline's.
#[test]
fn a_bad_policy_is_reported_before_a_bad_baseline_and_bad_reports() {
    let d = tmp_with(&[
        ("bad-policy.yml", "fail_on: hgih\n"),
        (
            "truncated-baseline.json",
            r#"{"passed": true, "findings": ["#,
        ),
        (
            "broken-report.json",
            "{\"SchemaVersion\": 2, \"Results\": [",
        ),
    ]);
    let run = |args: &[&str]| {
        let o = secgate(d.path(), args);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 2, "{out}\n{err}");
        err
    };
    let err = run(&[
        "check",
        "--policy",
        "bad-policy.yml",
        "--new-only",
        "--baseline",
        "truncated-baseline.json",
        "broken-report.json",
    ]);
    assert!(
        err.contains("bad-policy.yml") && err.contains("hgih"),
        "{err}"
    );
    assert!(!err.contains("truncated-baseline.json"), "{err}");
    let err = run(&[
        "check",
        "--policy",
        "missing-policy.yml",
        "broken-report.json",
    ]);
    assert!(err.contains("missing-policy.yml"), "{err}");
}

#[test]
fn exceptions_baseline_and_explain() {
    let policy = "exceptions:\n  - id: CVE-2021-44228\n    reason: patched in the base image\n    ticket: SEC-42\n    expires: 2026-12-31\n  - id: CVE-1999-0001\n    reason: gone\n";
    let d = tmp_with(&[("trivy.json", TRIVY), (".secgate.yml", policy)]);
    // .secgate.yml in the current directory is the policy by default.
    let o = secgate(d.path(), &["check", "--explain", "trivy.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "zlib still fails: {out}\n{err}");
    assert!(out.contains("patched in the base image"), "{out}");
    assert!(
        out.contains("CVE-1999-0001")
            && (out.contains("matched no finding") || err.contains("matched no finding")),
        "stale exception: {out}\n{err}"
    );
    // Record a baseline on the "target branch", then gate only new findings.
    let o = secgate(d.path(), &["check", "trivy.json", "-o", "json=base.json"]);
    assert_eq!(code(&o), 1);
    let o = secgate(
        d.path(),
        &[
            "check",
            "--baseline",
            "base.json",
            "--new-only",
            "--explain",
            "trivy.json",
        ],
    );
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}\n{err}");
    assert!(out.to_lowercase().contains("existing"), "{out}");
    // A baseline given as a scanner report works too.
    let o = secgate(
        d.path(),
        &[
            "check",
            "--baseline",
            "trivy.json",
            "--new-only",
            "trivy.json",
        ],
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    // Expired: the exception no longer applies, the finding fails, and the expiry is reported.
    let o = Command::new(common::gate_bin())
        .args(["check", "--fail-on", "critical", "trivy.json"])
        .current_dir(d.path())
        .env("SECGATE_TODAY", "2027-01-01")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(
        format!("{out}{err}").contains("expired on 2026-12-31"),
        "{out}\n{err}"
    );
}

#[test]
fn required_scanner_missing_fails_the_gate() {
    let policy = "require:\n  - category: sast\n  - scanner: trivy\n";
    let d = tmp_with(&[("trivy.json", TRIVY_LOW), ("p.yml", policy)]);
    let o = secgate(d.path(), &["check", "--policy", "p.yml", "trivy.json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(
        format!("{out}{err}").contains("category `sast`"),
        "{out}\n{err}"
    );
    // An empty gitleaks report declared as such, required with allow_empty: passes.
    let policy = "require:\n  - category: secret_detection\n    allow_empty: true\n";
    let d = tmp_with(&[("gitleaks.json", "[]"), ("p.yml", policy)]);
    let o = secgate(
        d.path(),
        &["check", "--policy", "p.yml", "gitleaks=gitleaks.json"],
    );
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    // Undeclared, `[]` says nothing: bad input.
    let o = secgate(d.path(), &["check", "--policy", "p.yml", "gitleaks.json"]);
    assert_eq!(code(&o), 2, "{:?}", text(&o));
}

#[test]
fn stdin_report() {
    let mut child = Command::new(common::gate_bin())
        .args(["check", "-"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(TRIVY.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1, "{:?}", text(&o));
}

#[test]
fn policy_print_schema_check() {
    let d = tmp_with(&[(
        "p.yml",
        "fail_on: medium\ncategories:\n  dast: {fail_on: low}\n",
    )]);
    let o = secgate(d.path(), &["policy", "print", "p.yml"]);
    let (out, _) = text(&o);
    assert_eq!(code(&o), 0);
    assert!(
        out.contains("fail_on: medium")
            && out.contains("warn_expiring_days: 14")
            && out.contains("suppressed_findings: ignore"),
        "{out}"
    );
    let o = secgate(d.path(), &["policy", "print"]);
    assert!(text(&o).0.contains("fail_on: high"), "{:?}", text(&o));
    let o = secgate(d.path(), &["policy", "schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(schema["type"], "object");
    let o = secgate(d.path(), &["policy", "check", "p.yml"]);
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(text(&o).0.contains("valid"));
}

/// The corpus, where it lies: `SECGATE_CORPUS`, else `../shared/corpus` from the workspace root.
fn corpus() -> Option<PathBuf> {
    match std::env::var_os("SECGATE_CORPUS") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_dir(),
                "SECGATE_CORPUS is set to {} but it is not a directory",
                p.display()
            );
            Some(p)
        }
        None => {
            let p = root().join("../shared/corpus");
            p.is_dir().then_some(p)
        }
    }
}

#[test]
fn corpus_reports_through_the_gate() {
    let Some(c) = corpus() else {
        eprintln!("corpus not found; skipped (set SECGATE_CORPUS)");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    // VEX-suppressed findings pass by default and fail with suppressed_findings: judge.
    let vex = c.join("trivy/trivy__npm-with-suppressed.json.golden");
    let o = secgate(
        d.path(),
        &[
            "check",
            "--fail-on",
            "low",
            "--explain",
            vex.to_str().unwrap(),
        ],
    );
    let (out, err) = text(&o);
    assert!(out.contains("suppressed"), "{out}\n{err}");
    // A failed SARIF scan or a GitLab `scan.status: failure`, if the corpus has one, fails closed;
    // a big real report runs through every output.
    let big = c.join("trivy/trivy-2021-10__centos-7.json.golden");
    let o = secgate(
        d.path(),
        &[
            "check",
            big.to_str().unwrap(),
            "-o",
            "json=o.json",
            "-o",
            "gitlab=gl",
            "-o",
            "sarif=o.sarif",
        ],
    );
    assert_eq!(code(&o), 1, "{:?}", text(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("o.json")).unwrap()).unwrap();
    assert!(json["findings"].as_array().unwrap().len() > 100);
}
