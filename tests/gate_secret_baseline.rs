//! Secret findings against a baseline, through the real `secgate` binary: the
//! fingerprint of a secret finding hashes the secret's digest (the first 16
//! hex digits of its SHA-256), so a different secret committed in the old
//! one's place (a rotated key) is a new finding and fails a `new_only` gate,
//! while the same secret on another line is still the existing one. Also: the
//! digest is the one `secgate-secrets` prints, so gitleaks, GitLab's secret
//! detection and the hook agree on one secret.
//!
//! The `secgate` binary is another package's (`secgate-cli`): build it first
//! with `cargo build --workspace --bins` (as `tests/gate_cli.rs` says).
//! Every secret here is made up for the test.

mod common;

use secgate_core::{Location, SecretDigest};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// `secgate check --policy policy.yml --explain -o json=result.json ARGS` in
/// `dir`: the exit code and the result's findings.
fn check(dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let result = dir.join("result.json");
    let _ = std::fs::remove_file(&result);
    let out = Command::new(common::gate_bin())
        .args([
            "check",
            "--policy",
            "policy.yml",
            "--explain",
            "-o",
            "json=result.json",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("CI_PROJECT_DIR")
        .env("SECGATE_TODAY", "2026-06-01")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run secgate");
    let code = out.status.code().expect("exit code");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        code == 0 || code == 1,
        "secgate {args:?}: exit {code}\n{text}"
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    (code, findings)
}

fn outcomes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|j| j["outcome"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// Only new findings fail; any secret fails.
const POLICY: &str = "version: 1\nfail_on: high\nnew_only: true\n";

/// A gitleaks 8 report of one generic API key in `config/app.env`.
fn gitleaks(secret: &str, line: u32) -> String {
    format!(
        r#"[{{"Description":"Generic API Key","StartLine":{line},"EndLine":{line},"StartColumn":9,"EndColumn":41,
  "Match":"API_KEY={secret}","Secret":"{secret}","File":"config/app.env","SymlinkFile":"",
  "Commit":"","Entropy":4.2,"Author":"","Email":"","Date":"","Message":"","Tags":[],
  "RuleID":"generic-api-key","Fingerprint":"config/app.env:generic-api-key:{line}"}}]"#
    )
}

/// A GitLab secret-detection report (schema 15, as GitLab's analyzer writes
/// it: `raw_source_code_extract` holds the secret) of one key in `config/app.env`.
fn gitlab(secret: &str, line: u32) -> String {
    format!(
        r#"{{"version":"15.0.4","vulnerabilities":[{{"id":"v{line}","name":"Generic API Key","description":"Generic API Key",
  "severity":"Critical","raw_source_code_extract":"{secret}",
  "location":{{"file":"config/app.env","start_line":{line},"end_line":{line},"commit":{{"sha":"0000000"}}}},
  "identifiers":[{{"type":"gitleaks_rule_id","name":"Gitleaks rule ID generic-api-key","value":"generic-api-key"}}]}}],
  "scan":{{"type":"secret_detection","status":"success","start_time":"2026-01-02T03:04:05","end_time":"2026-01-02T03:04:06",
    "scanner":{{"id":"gitleaks","name":"Gitleaks","version":"8.18.0","vendor":{{"name":"GitLab"}}}},
    "analyzer":{{"id":"secrets","name":"secrets","version":"6.0.0","vendor":{{"name":"GitLab"}}}}}}}}"#
    )
}

/// gitleaks 8 SARIF (`--report-format sarif`): the secret is the snippet.
fn gitleaks_sarif(secret: &str, line: u32) -> String {
    format!(
        r#"{{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{{
  "tool":{{"driver":{{"name":"gitleaks","semanticVersion":"v8.18.0","rules":[{{"id":"generic-api-key"}}]}}}},
  "results":[{{"message":{{"text":"generic-api-key has detected secret for file config/app.env."}},"ruleId":"generic-api-key",
    "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"config/app.env"}},
      "region":{{"startLine":{line},"startColumn":9,"endLine":{line},"endColumn":41,"snippet":{{"text":"{secret}"}}}}}}}}],
    "partialFingerprints":{{"commitSha":"","email":"","author":"","date":"","commitMessage":""}}}}]}}]}}"#
    )
}

const OLD: &str = "made-up-key-0ld-7Qx2Lr9Wm4Kp8Zt3";
const ROTATED: &str = "made-up-key-r0t-5Hs1Jd6Nv0Bc2Yf7";

/// The scenario for one report format: the target branch's report holds OLD
/// on line 3; the merge request's holds ROTATED there (fails: new), or OLD
/// moved to line 9 (passes: existing). The baseline is the gate's JSON result
/// on the target branch, and the target branch's report itself.
fn rotated_and_moved(make: fn(&str, u32) -> String) {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("policy.yml"), POLICY).unwrap();
    std::fs::write(dir.join("base.json"), make(OLD, 3)).unwrap();
    std::fs::write(dir.join("rotated.json"), make(ROTATED, 3)).unwrap();
    std::fs::write(dir.join("moved.json"), make(OLD, 9)).unwrap();

    // The target branch: no baseline, the secret fails; its result is the baseline.
    let (code, _) = check(dir, &["base.json"]);
    assert_eq!(code, 1);
    std::fs::rename(dir.join("result.json"), dir.join("base-result.json")).unwrap();

    for baseline in ["base-result.json", "base.json"] {
        let (code, findings) = check(dir, &["--baseline", baseline, "rotated.json"]);
        assert_eq!(
            (code, outcomes(&findings)),
            (1, vec!["failed".to_string()]),
            "baseline {baseline}: a rotated secret in the old one's place is new"
        );
        let (code, findings) = check(dir, &["--baseline", baseline, "moved.json"]);
        assert_eq!(
            (code, outcomes(&findings)),
            (0, vec!["existing".to_string()]),
            "baseline {baseline}: the same secret on another line is existing"
        );
    }
}

/// The fail-open this fixes: the fingerprint of a secret finding hashed only
/// the rule, the path and an occurrence number, so a rotated key committed in
/// the old key's place took the old key's fingerprint and passed as existing.
#[test]
fn rotated_secret_in_same_file_is_new_not_existing() {
    rotated_and_moved(gitleaks);
}

/// The same through GitLab secret-detection reports (`raw_source_code_extract`).
#[test]
fn rotated_secret_in_same_file_is_new_not_existing_gitlab() {
    rotated_and_moved(gitlab);
}

/// The same through gitleaks' SARIF (the secret in `region.snippet`).
#[test]
fn rotated_secret_in_same_file_is_new_not_existing_sarif() {
    rotated_and_moved(gitleaks_sarif);
}

fn digest_of_only_finding(report: &[u8]) -> (SecretDigest, secgate_core::Finding) {
    let r = secgate_reports::parse(report).unwrap();
    assert_eq!(r.findings.len(), 1);
    let f = r.findings.into_iter().next().unwrap();
    match &f.location {
        Location::Secret {
            digest: Some(d), ..
        } => (*d, f),
        other => panic!("no digest: {other:?}"),
    }
}

/// The hook's fingerprint `<rule>:<digest>` of its only finding.
fn hook_fingerprint(run: &common::Run) -> (String, String) {
    let v = run.json();
    let fp = v["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let (rule, hex) = fp.split_once(':').unwrap();
    (rule.to_string(), hex.to_string())
}

/// One digest for one secret: what `secgate-secrets` prints in its
/// fingerprint is what the gate computes from a gitleaks `Secret` and from a
/// GitLab `raw_source_code_extract`; with the same rule id and path, the
/// gitleaks finding and the hook's finding are even the same finding.
#[test]
fn gitleaks_gitlab_and_the_hook_agree_on_a_secret_digest() {
    let repo = common::Repo::new();
    let (line, token) = common::token_line(4242);
    repo.write("app/settings.py", format!("DEBUG = False\n{line}"));
    let r = repo.run(&["files", "app/settings.py", "--format", "json"]);
    r.expect_code(1).expect_redacted(&token);
    let (rule, hex) = hook_fingerprint(&r);
    assert_eq!(rule, "github-pat");
    assert_eq!(SecretDigest::of(&token).as_str(), hex);

    let leak = format!(
        r#"[{{"RuleID":"github-pat","Description":"GitHub Personal Access Token","StartLine":2,
        "Secret":"{token}","Match":"{token}","File":"app/settings.py","Commit":""}}]"#
    );
    let (from_gitleaks, gitleaks_finding) = digest_of_only_finding(leak.as_bytes());
    assert_eq!(from_gitleaks.as_str(), hex, "gitleaks `Secret`");
    let gl = gitlab(&token, 2).replace("config/app.env", "app/settings.py");
    let (from_gitlab, _) = digest_of_only_finding(gl.as_bytes());
    assert_eq!(
        from_gitlab.as_str(),
        hex,
        "GitLab `raw_source_code_extract`"
    );

    // The hook's own GitLab report, read by the gate: the same digest and the
    // same fingerprint as the gitleaks finding of that secret.
    let r = repo.run(&["files", "app/settings.py", "--format", "gitlab"]);
    r.expect_code(1).expect_redacted(&token);
    let (from_hook, hook_finding) = digest_of_only_finding(r.stdout.as_bytes());
    assert_eq!(from_hook.as_str(), hex, "the hook's GitLab report");
    assert_eq!(hook_finding.fingerprint, gitleaks_finding.fingerprint);
}

/// The hook's GitLab report as the gate's input and baseline: it carries the
/// digest (never the secret), so a rotated token fails and a moved one is
/// existing, as with gitleaks.
#[test]
fn the_hooks_gitlab_report_keeps_the_digest_through_the_gate() {
    let repo = common::Repo::new();
    let (old_line, old) = common::token_line(7001);
    let (new_line, new) = common::token_line(7002);
    let hook_report = |content: String, name: &str| {
        repo.write("app/settings.py", content);
        let r = repo.run(&["files", "app/settings.py", "--format", "gitlab"]);
        r.expect_code(1).expect_redacted(&old).expect_redacted(&new);
        repo.write(name, &r.stdout);
    };
    hook_report(format!("DEBUG = False\n{old_line}"), "base.json");
    hook_report(format!("DEBUG = False\n{new_line}"), "rotated.json");
    hook_report(format!("DEBUG = False\n\n\n\n{old_line}"), "moved.json");
    repo.write("policy.yml", POLICY);
    let dir = repo.path();
    let (code, findings) = check(dir, &["--baseline", "base.json", "rotated.json"]);
    assert_eq!((code, outcomes(&findings)), (1, vec!["failed".to_string()]));
    let (code, findings) = check(dir, &["--baseline", "base.json", "moved.json"]);
    assert_eq!(
        (code, outcomes(&findings)),
        (0, vec!["existing".to_string()])
    );
}
