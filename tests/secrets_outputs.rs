//! `secgate-secrets` outputs: no format ever prints the secret; the GitLab
//! report validates against the official 15.2.1 secret-detection schema and
//! the SARIF log against the SARIF 2.1.0 schema, both from the shared corpus.

mod common;

use common::*;
use serde_json::Value;

fn validator(schema_rel: &str, draft: jsonschema::Draft) -> jsonschema::Validator {
    let path = corpus().join(schema_rel);
    let schema: Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: not valid:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

/// A repository with two commits holding three different kinds of secrets,
/// the last change staged but not committed.
fn leaky_repo() -> (Repo, Vec<String>, String) {
    let repo = Repo::new();
    repo.write("README.md", "# app\n");
    let base = repo.commit_all("base");
    let (l1, t1) = token_line(101);
    let (l2, t2) = token_line(102);
    repo.write("app/settings.py", format!("DEBUG = False\n{l1}"));
    repo.commit_all("settings");
    repo.write("deploy/env.sh", format!("export X=1\n{l2}"));
    repo.commit_all("deploy");
    let (l3, t3) = token_line(103);
    repo.write("app/staged.py", &l3);
    repo.git(&["add", "."]);
    (repo, vec![t1, t2, t3], base)
}

#[test]
fn no_format_and_no_mode_prints_the_secret() {
    let (repo, secrets, base) = leaky_repo();
    let range = format!("{base}..HEAD");
    let modes: Vec<Vec<&str>> = vec![
        vec!["staged"],
        vec!["files", "app/settings.py", "deploy/env.sh", "app/staged.py"],
        vec!["dir", "."],
        vec!["range", &range],
        vec!["history"],
    ];
    let out_file = repo.path().join("report.out");
    let out_arg = out_file.to_str().unwrap().to_string();
    for mode in &modes {
        for format in ["text", "json", "sarif", "gitlab"] {
            let mut args = mode.clone();
            args.extend(["--format", format]);
            let r = repo.run(&args);
            r.expect_code(1);
            for s in &secrets {
                r.expect_redacted(s);
            }
            // To a file: the file and the log are clean too.
            let mut args = args.clone();
            args.extend(["--output", &out_arg]);
            let r = repo.run(&args);
            r.expect_code(1);
            let written = std::fs::read_to_string(&out_file).unwrap();
            for s in &secrets {
                r.expect_redacted(s);
                assert!(
                    !written.contains(s.as_str()),
                    "{mode:?} {format}: {written}"
                );
            }
            assert!(!written.is_empty());
            std::fs::remove_file(&out_file).unwrap();
        }
    }
}

#[test]
fn gitlab_report_is_valid_against_the_official_schema() {
    let v = validator(
        "gitlab-schemas/gitlabhq__15.2.1__secret-detection-report-format.json",
        jsonschema::Draft::Draft7,
    );
    let (repo, _secrets, base) = leaky_repo();
    let range = format!("{base}..HEAD");
    for args in [
        vec!["staged", "--format", "gitlab"],
        vec!["range", &range, "--format", "gitlab"],
        vec!["dir", ".", "--format", "gitlab"],
    ] {
        let r = repo.run(&args);
        r.expect_code(1);
        let doc = r.json();
        assert_valid(&v, &doc, &format!("{args:?}"));
        assert_eq!(doc["scan"]["type"], "secret_detection");
        let vulns = doc["vulnerabilities"].as_array().unwrap();
        assert!(!vulns.is_empty(), "{doc}");
        for vu in vulns {
            assert!(vu["location"]["file"].as_str().is_some(), "{vu}");
            assert!(vu["location"]["commit"]["sha"].as_str().is_some(), "{vu}");
        }
    }
    // In range mode the commit is the one that introduced the secret.
    let r = repo.run(&["range", &range, "--format", "gitlab"]);
    let doc = r.json();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let shas: Vec<&str> = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["location"]["commit"]["sha"].as_str().unwrap())
        .collect();
    assert!(shas.contains(&head.as_str()), "{shas:?} vs {head}");
    // A clean run is a valid, empty report.
    let clean = Repo::new();
    clean.write("a.py", "a = 1\n");
    let r = clean.run(&["files", "a.py", "--format", "gitlab"]);
    r.expect_code(0);
    let doc = r.json();
    assert_valid(&v, &doc, "clean");
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 0);
}

#[test]
fn sarif_log_is_valid_against_the_sarif_schema() {
    let v = validator(
        "sarif/sarif-spec__sarif-schema-2.1.0.json",
        jsonschema::Draft::Draft4,
    );
    let (repo, _secrets, _) = leaky_repo();
    let r = repo.run(&["dir", ".", "--format", "sarif"]);
    r.expect_code(1);
    let doc = r.json();
    assert_valid(&v, &doc, "sarif");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{doc}");
    let rule = results[0]["ruleId"].as_str().unwrap();
    assert!(rule.contains("github"), "{rule}");
}

#[test]
fn json_output_is_a_baseline_and_the_ignore_file_is_by_fingerprint() {
    let repo = Repo::new();
    let (l1, t1) = token_line(201);
    repo.write("old.py", format!("x = 1\n{l1}"));
    let r = repo.run(&["dir", ".", "--format", "json", "-o", "baseline.json"]);
    r.expect_code(1).expect_redacted(&t1);
    // The JSON report of an earlier run is accepted as a baseline.
    repo.run(&["dir", ".", "--baseline", "baseline.json"])
        .expect_code(0);
    // The old secret moving does not make it new; a new secret is still caught.
    let (l2, t2) = token_line(202);
    repo.write("old.py", format!("\n\n\nx = 1\n{l1}{l2}"));
    let r = repo.run(&[
        "dir",
        ".",
        "--baseline",
        "baseline.json",
        "--format",
        "json",
    ]);
    r.expect_code(1).expect_redacted(&t1).expect_redacted(&t2);
    let v = r.json();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["findings"][0]["line"], 6);
    // The ignore file takes the printed fingerprint.
    let fp = v["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    repo.write(".secgate-secrets-ignore", format!("# test fixture\n{fp}\n"));
    repo.run(&["dir", ".", "--baseline", "baseline.json"])
        .expect_code(0);
    // A broken ignore file or baseline is a usage error, not a silent pass.
    repo.write(".secgate-secrets-ignore", "not a fingerprint\n");
    repo.run(&["dir", "."]).expect_code(2);
    std::fs::remove_file(repo.path().join(".secgate-secrets-ignore")).unwrap();
    repo.write("bad.json", "{ \"version\": 1, ");
    repo.run(&["dir", ".", "--baseline", "bad.json"])
        .expect_code(2);
    repo.run(&["dir", ".", "--baseline", "missing.json"])
        .expect_code(2);
}
