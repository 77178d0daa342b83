//! Every scenario under `examples/` (but `examples/reports/`, the README's
//! first command) run for real through the binaries of
//! `cargo build --workspace --bins`, checking the outcome its README documents.

mod ci_support;

use ci_support::{bin, read_json, root, under_ci};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI_PROJECT_DIR")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Each judged finding of a gate JSON result: (outcome, the finding as JSON text).
fn judged(result: &serde_json::Value) -> Vec<(String, String)> {
    result["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in the JSON result: {result}"))
        .iter()
        .map(|j| {
            let outcome = j["outcome"]
                .as_str()
                .unwrap_or_else(|| panic!("no outcome in {j}"))
                .to_string();
            (outcome, j.to_string())
        })
        .collect()
}

/// The outcome of the one finding whose JSON contains `needle`.
fn outcome_of(findings: &[(String, String)], needle: &str) -> String {
    let hits: Vec<&(String, String)> = findings
        .iter()
        .filter(|(_, j)| j.contains(needle))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one finding mentioning {needle}, got {}: {hits:#?}",
        hits.len()
    );
    hits[0].0.clone()
}

#[test]
fn vulnerable_app_fails_on_the_documented_findings_with_exceptions_applied() {
    let dir = example("vulnerable-app");
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("secgate.json");
    let json_arg = format!("json={}", json.display());
    let out = run(
        &dir,
        &bin("secgate"),
        &[
            "check",
            "reports",
            "--policy",
            ".secgate.yml",
            "--explain",
            "-o",
            "text",
            "-o",
            &json_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("CVE-2024-45490"), "{text}");
    assert!(
        text.contains("expired"),
        "the expired exception is reported:\n{text}"
    );

    let result = read_json(&json);
    assert_eq!(result["passed"], false);
    let findings = judged(&result);
    assert_eq!(
        findings.len(),
        8,
        "3 SAST + 4 Trivy + 1 secret: {findings:#?}"
    );
    // Failed, as the README says.
    assert_eq!(outcome_of(&findings, "tainted-sql-string"), "failed");
    assert_eq!(outcome_of(&findings, "CVE-2024-45490"), "failed");
    assert_eq!(outcome_of(&findings, "CVE-2024-6345"), "failed");
    // Exempted by the three live exceptions.
    assert_eq!(outcome_of(&findings, "CVE-2022-37434"), "exempted");
    assert_eq!(outcome_of(&findings, "md5-used-as-password"), "exempted");
    assert_eq!(outcome_of(&findings, "payments.json"), "exempted");
    // Below the threshold.
    assert_eq!(
        outcome_of(&findings, "directly-returned-format-string"),
        "passed"
    );
    assert_eq!(outcome_of(&findings, "CVE-2011-3374"), "passed");
    // The expired exception is a problem of the run.
    let problems = result["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p["code"] == "expired_exception" && p.to_string().contains("CVE-2024-45490")),
        "{problems:#?}"
    );
    // No stale exception: each live one matched a finding.
    assert!(
        !problems.iter().any(|p| p["code"] == "stale_exception"),
        "{problems:#?}"
    );
}

#[test]
fn mr_baseline_fails_only_the_new_finding() {
    let dir = example("mr-baseline");
    let tmp = tempfile::tempdir().unwrap();
    let baseline = tmp.path().join("secgate.json");
    let baseline_arg = format!("json={}", baseline.display());
    let secgate = bin("secgate");

    // 1. The target branch: both findings fail; its JSON result is kept.
    let target = run(
        &dir,
        &secgate,
        &[
            "check",
            "target-branch/gl-sast-report.json",
            "--policy",
            ".secgate.yml",
            "-o",
            "text",
            "-o",
            &baseline_arg,
        ],
    );
    assert_eq!(target.status.code(), Some(1), "{}", show(&target));
    assert!(baseline.is_file());

    // 2. The merge request against that baseline: only the SSRF fails.
    let result = tmp.path().join("mr.json");
    let result_arg = format!("json={}", result.display());
    let mr = run(
        &dir,
        &secgate,
        &[
            "check",
            "merge-request/gl-sast-report.json",
            "--policy",
            ".secgate.yml",
            "--baseline",
            baseline.to_str().unwrap(),
            "--explain",
            "-o",
            "text",
            "-o",
            &result_arg,
        ],
    );
    assert_eq!(mr.status.code(), Some(1), "{}", show(&mr));
    let findings = judged(&read_json(&result));
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert_eq!(outcome_of(&findings, "ssrf-requests"), "failed");
    // Moved from line 10 to 14: still existing.
    assert_eq!(outcome_of(&findings, "tainted-sql-string"), "existing");
    assert_eq!(outcome_of(&findings, "path-traversal-open"), "existing");

    // Without the baseline, all three fail.
    let all = tmp.path().join("all.json");
    let all_arg = format!("json={}", all.display());
    let out = run(
        &dir,
        &secgate,
        &[
            "check",
            "merge-request/gl-sast-report.json",
            "--policy",
            ".secgate.yml",
            "-o",
            "text",
            "-o",
            &all_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let findings = judged(&read_json(&all));
    assert_eq!(
        findings.iter().filter(|(o, _)| o == "failed").count(),
        3,
        "{findings:#?}"
    );
}

#[test]
fn secret_hook_adoption_blocks_new_secrets_but_not_old_ones() {
    let dir = example("secret-hook-adoption");
    let out = Command::new("bash")
        .arg(dir.join("run.sh"))
        .env("SECGATE_BIN", bin("secgate-secrets").parent().unwrap())
        .env("NO_COLOR", "1")
        .output()
        .expect("run examples/secret-hook-adoption/run.sh");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The script checks each exit code itself; here, that each step ran and said so.
    for step in [
        "old secrets found: exit 1",
        "baseline written",
        "with the baseline: exit 0",
        "hook installed",
        "commit touching old secrets: allowed",
        "commit adding a new secret: blocked",
        "the new secret is the only one reported",
    ] {
        assert!(text.contains(step), "missing step {step:?}:\n{text}");
    }
    assert!(!leaks_a_secret(&text), "a secret was printed:\n{text}");
}

/// True when `text` holds an unredacted AWS access key id or Stripe live key
/// (the fake credentials the adoption script generates).
fn leaks_a_secret(text: &str) -> bool {
    let b = text.as_bytes();
    let run =
        |from: usize, ok: &dyn Fn(u8) -> bool| b[from..].iter().take_while(|c| ok(**c)).count();
    text.match_indices("AKIA").any(|(i, _)| {
        run(i + 4, &|c| {
            c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)
        }) >= 16
    }) || text
        .match_indices("sk_live_")
        .any(|(i, _)| run(i + 8, &|c| c.is_ascii_alphanumeric()) >= 24)
}

/// The registry env file `scripts/registry/start.sh` writes.
fn registry_env() -> Option<PathBuf> {
    let path = std::env::var_os("SECGATE_REGISTRY_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/registry.env"));
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "the local registries are not running ({} is missing): run scripts/registry/start.sh",
        path.display()
    );
    if under_ci() {
        panic!("{msg}");
    }
    eprintln!("\n!!!!! SKIPPED examples/image-signing: {msg} !!!!!\n");
    None
}

#[test]
fn image_signing_signs_and_verifies_against_the_local_registry() {
    let Some(env) = registry_env() else { return };
    let dir = example("image-signing");
    let out = Command::new("bash")
        .arg(dir.join("run.sh"))
        .env("SECGATE_REGISTRY_ENV", &env)
        .env("SECGATE_BIN", bin("secgate-image").parent().unwrap())
        .env("NO_COLOR", "1")
        .output()
        .expect("run examples/image-signing/run.sh");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for step in [
        "signed image verified: exit 0",
        "unsigned image: exit 1",
        "wrong key: exit 1",
        "registry not allowed: exit 1",
        "manifest by tag with --require-digest: exit 1",
        "manifest pinned to the digest",
        "pinned manifest verified: exit 0",
    ] {
        assert!(text.contains(step), "missing step {step:?}:\n{text}");
    }
    assert!(
        !text.contains("PRIVATE KEY"),
        "the key never appears:\n{text}"
    );
}
