//! The GitLab CI templates (`ci-templates/`), run for real with the GitLab CI
//! emulator `gitlab-ci-local` (4.62.0, shell executor, artifact isolation) on
//! the test projects under `tests/templates/`, with the secgate binaries of
//! `cargo build --workspace --bins` on PATH.
//!
//! Where a job needs a tool that cannot run here (GitLab's SAST analyzer and
//! Trivy need a docker engine), the test project stands in for that job with
//! one that places a real report (our fixtures in `tests/templates/fixtures/`)
//! and says so in a comment; every secgate job runs for real.
//!
//! Without `gitlab-ci-local` on PATH these tests print a loud SKIPPED message,
//! unless `CI` is set: then they fail.

mod ci_support;

use ci_support::{commit_all, gitlab_ci_local, read_json, root, Project, Status};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

fn project(name: &str) -> Project {
    Project::new(&root().join("tests/templates").join(name))
}

/// A fake secret built at run time, so that this file holds none.
fn planted_aws_key() -> String {
    format!("AKIA{}", "Q7XZ4M2PJK3LRW5T")
}

// ---------------------------------------------------------------- report gate

#[test]
fn report_gate_passes_on_clean_reports_and_uploads_every_report() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    let run = p.run(&glci, &[], &[]);
    run.assert_schema_validated();
    run.assert_job("semgrep-sast", Status::Pass, None);
    run.assert_job("secgate-secrets", Status::Pass, None);
    run.assert_job("secgate-gate", Status::Pass, None);
    assert_eq!(run.code, Some(0), "{}", run.output);

    // The Free-tier widgets and the rest, where GitLab reads them.
    let cq = run
        .report("secgate-gate", "codequality", "gl-code-quality-report.json")
        .expect("codequality report uploaded");
    assert!(read_json(&cq).is_array(), "Code Quality is a JSON array");
    let junit = run
        .report("secgate-gate", "junit", "secgate-junit.xml")
        .expect("junit report uploaded");
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(junit.contains("<testsuite"), "{junit}");
    assert!(
        !junit.contains("<failure"),
        "clean input has no failure: {junit}"
    );
    let dotenv = run
        .report("secgate-gate", "dotenv", "secgate.env")
        .expect("dotenv report uploaded");
    let dotenv = std::fs::read_to_string(dotenv).unwrap();
    assert!(
        dotenv.lines().all(|l| l.is_empty() || l.contains('=')),
        "{dotenv}"
    );
    assert!(!dotenv.trim().is_empty(), "dotenv counts are written");
    let result = read_json(&run.artifact("secgate-gate", "secgate.json"));
    assert_eq!(result["passed"], true, "{result}");
    assert!(run.artifact("secgate-gate", "secgate-summary.md").is_file());
    // The secret detection job's own report.
    let secrets = run
        .report(
            "secgate-secrets",
            "secret_detection",
            "gl-secret-detection-report.json",
        )
        .expect("secret detection report uploaded");
    let secrets = read_json(&secrets);
    assert_eq!(secrets["vulnerabilities"].as_array().map(Vec::len), Some(0));
}

#[test]
fn report_gate_fails_on_a_planted_finding_and_still_uploads_its_reports() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    let run = p.run(&glci, &[], &[("SAST_FIXTURE", "planted")]);
    run.assert_job("secgate-gate", Status::Fail, Some(1));
    assert_ne!(run.code, Some(0), "a failed gate fails the pipeline");
    let log = run.log("secgate-gate");
    assert!(
        log.contains("app/views.py"),
        "the log names the finding's file:\n{log}"
    );
    // when: always: the MR widgets show why it failed.
    let junit = run
        .report("secgate-gate", "junit", "secgate-junit.xml")
        .expect("junit uploaded on failure");
    assert!(std::fs::read_to_string(junit).unwrap().contains("<failure"));
    let sast = run
        .report("secgate-gate", "sast", "gl-sast-report.json")
        .expect("the merged SAST report is uploaded");
    let sast = read_json(&sast);
    assert_eq!(sast["vulnerabilities"].as_array().map(Vec::len), Some(1));
    assert!(sast["version"].as_str().unwrap_or("").starts_with("15."));
    let result = read_json(&run.artifact("secgate-gate", "secgate.json"));
    assert_eq!(result["passed"], false);
}

#[test]
fn report_gate_fails_closed_when_a_needed_scanner_did_not_run() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    // The SAST job is not in the pipeline (optional need): its report is missing.
    let run = p.run(&glci, &[], &[("SKIP_SAST", "true")]);
    assert!(!run.jobs.contains_key("semgrep-sast"), "{:?}", run.jobs);
    run.assert_job("secgate-gate", Status::Fail, Some(2));
    let log = run.log("secgate-gate");
    assert!(
        log.contains("gl-sast-report.json"),
        "the gate names the missing report:\n{log}"
    );
}

#[test]
fn warn_rollout_lets_a_failed_gate_pass_with_a_warning() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    let run = p.run(
        &glci,
        &["--file", ".gitlab-ci-warn.yml"],
        &[("SAST_FIXTURE", "planted")],
    );
    run.assert_schema_validated();
    run.assert_job("secgate-gate", Status::Warn, Some(1));
    assert_eq!(run.code, Some(0), "a warning does not fail the pipeline");
    assert!(run.log("secgate-gate").contains("rollout_mode is warn"));
}

#[test]
fn warn_rollout_still_fails_on_exit_2() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    let run = p.run(
        &glci,
        &["--file", ".gitlab-ci-warn.yml"],
        &[("SKIP_SAST", "true")],
    );
    run.assert_job("secgate-gate", Status::Fail, Some(2));
}

/// A one-route stand-in for the GitLab API's "download a single artifact file
/// by reference name" endpoint: serves `body` for `path` when the request
/// carries `JOB-TOKEN: token`, 404 otherwise. Records the request lines.
fn artifact_server(
    path: String,
    token: &'static str,
    body: Vec<u8>,
) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        // Bounded: the gate makes one request (plus curl's retries on errors).
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if line.to_ascii_lowercase().trim() == format!("job-token: {token}") {
                    authorized = true;
                }
            }
            seen2.lock().unwrap().push(request.trim().to_string());
            let target = request.split_whitespace().nth(1).unwrap_or("");
            let response = if authorized && target == path {
                let mut r = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(&body);
                r
            } else {
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
            };
            let _ = stream.write_all(&response);
        }
    });
    (port, seen)
}

fn mr_vars(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("SAST_FIXTURE", "planted".into()),
        ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "release/1.x".into()),
        ("CI_API_V4_URL", format!("http://127.0.0.1:{port}/api/v4")),
        ("CI_PROJECT_ID", "4242".into()),
        ("CI_JOB_TOKEN", "job-token-for-tests".into()),
    ]
}

#[test]
fn merge_request_gate_uses_the_target_branch_result_as_baseline() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    // The target branch's pipeline: the finding already exists there.
    let target = p.run(&glci, &[], &[("SAST_FIXTURE", "planted")]);
    target.assert_job("secgate-gate", Status::Fail, Some(1));
    let baseline = std::fs::read(target.artifact("secgate-gate", "secgate.json")).unwrap();

    let path =
        "/api/v4/projects/4242/jobs/artifacts/release%2F1.x/raw/secgate.json?job=secgate-gate";
    let (port, seen) = artifact_server(path.to_string(), "job-token-for-tests", baseline);
    let vars = mr_vars(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = p.run(&glci, &[], &vars);
    assert_eq!(
        seen.lock().unwrap().first().map(String::as_str),
        Some(format!("GET {path} HTTP/1.1").as_str()),
        "the gate fetched the target branch's result through the job artifacts API"
    );
    let log = run.log("secgate-gate");
    assert!(
        log.contains("baseline: the last gate result of 'release/1.x'"),
        "{log}"
    );
    // new_only: true in the project's policy: the existing finding does not fail.
    run.assert_job("secgate-gate", Status::Pass, None);
    let result = read_json(&run.artifact("secgate-gate", "secgate.json"));
    let outcomes: Vec<&str> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|j| j["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["existing"], "{result}");
}

#[test]
fn merge_request_gate_without_a_reachable_baseline_says_so_and_judges_everything() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("report-gate");
    let (port, seen) = artifact_server("/nothing-here".into(), "job-token-for-tests", Vec::new());
    let vars = mr_vars(port);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = p.run(&glci, &[], &vars);
    assert!(!seen.lock().unwrap().is_empty(), "the gate tried the API");
    let log = run.log("secgate-gate");
    assert!(log.contains("could not fetch the baseline"), "{log}");
    assert!(log.contains("gating on EVERY finding"), "{log}");
    run.assert_job("secgate-gate", Status::Fail, Some(1));
}

// ----------------------------------------------------------- secret detection

/// The secret-detection project with a merge request: a clean base commit and
/// a commit that adds `file` with `content`. Returns the project and the base.
fn secrets_mr(file: &str, content: &str) -> (Project, String) {
    let p = project("secret-detection");
    let base = ci_support::git(p.dir(), &["rev-parse", "HEAD"]);
    let path = p.dir().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    commit_all(p.dir(), "add settings");
    (p, base)
}

fn mr_secret_vars(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.into()),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".into()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

#[test]
fn secret_detection_passes_on_a_clean_tree_and_writes_its_report() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("secret-detection");
    let run = p.run(&glci, &[], &[]);
    run.assert_schema_validated();
    run.assert_job("secgate-secrets", Status::Pass, None);
    let report = run
        .report(
            "secgate-secrets",
            "secret_detection",
            "gl-secret-detection-report.json",
        )
        .expect("artifacts:reports:secret_detection uploaded");
    let report = read_json(&report);
    assert_eq!(report["vulnerabilities"].as_array().map(Vec::len), Some(0));
    assert!(run.log("secgate-secrets").contains("scanning the tree"));
}

#[test]
fn secret_detection_fails_on_a_secret_added_in_the_merge_request_without_printing_it() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let key = planted_aws_key();
    let (p, base) = secrets_mr(
        "config/settings.py",
        &format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"),
    );
    let run = p.run(&glci, &[], &as_refs(&mr_secret_vars(&base)));
    run.assert_job("secgate-secrets", Status::Fail, Some(1));
    let log = run.log("secgate-secrets");
    assert!(log.contains("merge request: scanning the commits"), "{log}");
    assert!(log.contains("config/settings.py"), "{log}");
    assert!(!log.contains(&key), "the secret is never printed:\n{log}");
    let report = run
        .report(
            "secgate-secrets",
            "secret_detection",
            "gl-secret-detection-report.json",
        )
        .expect("report uploaded on failure");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(&key), "the report never holds the secret");
    let report = read_json(&report);
    assert_eq!(report["vulnerabilities"].as_array().map(Vec::len), Some(1));
}

#[test]
fn secret_detection_warn_rollout_passes_exit_1_but_not_a_git_failure() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let key = planted_aws_key();
    let (p, base) = secrets_mr(
        "config/settings.py",
        &format!("AWS_ACCESS_KEY_ID = \"{key}\"\n"),
    );
    let warn = ["--file", ".gitlab-ci-warn.yml"];
    let run = p.run(&glci, &warn, &as_refs(&mr_secret_vars(&base)));
    run.assert_job("secgate-secrets", Status::Warn, Some(1));
    // A diff base that is not in the repository: a git failure (exit 3),
    // which fails the job in warn mode too.
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let run = p.run(&glci, &warn, &as_refs(&mr_secret_vars(missing)));
    let (status, code) = run.job("secgate-secrets");
    assert_eq!(status, Status::Fail, "{}", run.output);
    assert!(
        matches!(code, Some(2) | Some(3)),
        "exit {code:?}\n{}",
        run.output
    );
}

// ------------------------------------------------------------------ all-in-one

#[test]
fn all_in_one_runs_trivy_stand_ins_secrets_and_the_gate() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let p = project("all-in-one");
    // The image verification needs a registry with a signed image: covered by
    // image_gate_* below; here everything up to the gate.
    let run = p.run(&glci, &["secgate-gate", "--needs"], &[]);
    run.assert_schema_validated();
    run.assert_job("build", Status::Pass, None);
    run.assert_job("secgate-trivy-fs", Status::Pass, None);
    run.assert_job("secgate-trivy-image", Status::Pass, None);
    run.assert_job("secgate-secrets", Status::Pass, None);
    run.assert_job("secgate-gate", Status::Pass, None);
    let planted = p.run(
        &glci,
        &["secgate-gate", "--needs"],
        &[("TRIVY_FIXTURE", "planted")],
    );
    planted.assert_job("secgate-gate", Status::Fail, Some(1));
    let cs = planted
        .report(
            "secgate-gate",
            "container_scanning",
            "gl-container-scanning-report.json",
        )
        .expect("merged container scanning report uploaded");
    assert!(!read_json(&cs)["vulnerabilities"]
        .as_array()
        .unwrap()
        .is_empty());
    let missing = p.run(
        &glci,
        &["secgate-gate", "--needs"],
        &[("TRIVY_FIXTURE", "missing")],
    );
    missing.assert_job("secgate-gate", Status::Fail, Some(2));
}

// ------------------------------------------------------------ schema and layout

#[test]
fn every_template_loads_with_its_defaults_through_the_schema() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    for template in templates() {
        let tmp = tempfile::tempdir().unwrap();
        // Only a build job (the image templates need it): every other input
        // keeps its default.
        let ci = format!(
            "include:\n  - local: ci-templates/{template}\n\
             build:\n  stage: build\n  script: [\"true\"]\n"
        );
        std::fs::write(tmp.path().join(".gitlab-ci.yml"), ci).unwrap();
        ci_support::copy_tree(
            &root().join("ci-templates"),
            &tmp.path().join("ci-templates"),
        );
        ci_support::git(tmp.path(), &["init", "-q", "-b", "main"]);
        commit_all(tmp.path(), "init");
        let out = std::process::Command::new(&glci)
            .args(["--list-all", "--json-schema-validation", "--no-color"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{template} does not load:\n{text}");
        assert!(
            text.contains("json schema validated"),
            "{template}:\n{text}"
        );
        assert!(
            text.contains("secgate"),
            "{template} defines no secgate job:\n{text}"
        );
    }
}

fn templates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("ci-templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_template_has_the_required_typed_inputs() {
    for template in templates() {
        let text = std::fs::read_to_string(root().join("ci-templates").join(&template)).unwrap();
        let (header, body) = text
            .split_once("\n---\n")
            .unwrap_or_else(|| panic!("{template}: no `spec:` header document"));
        assert!(header.contains("spec:\n  inputs:"), "{template}");
        let required: &[&str] = if template == "all-in-one.yml" {
            &[
                "scan_stage",
                "gate_stage",
                "policy",
                "image",
                "version",
                "rollout_mode",
            ]
        } else if template == "image-sign.yml" {
            &["stage", "image", "version"]
        } else if template == "report-gate.yml" {
            &["stage", "policy", "image", "version", "rollout_mode"]
        } else {
            &["stage", "image", "version", "rollout_mode"]
        };
        for input in required {
            assert!(
                header.contains(&format!("\n    {input}:\n")),
                "{template} lacks the input {input}"
            );
        }
        // Every input has a description, and every input used is declared.
        let declared: Vec<&str> = header
            .lines()
            .filter(|l| l.starts_with("    ") && !l.starts_with("     ") && l.ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':'))
            .collect();
        assert_eq!(
            header.matches("\n      description:").count(),
            declared.len(),
            "{template}: every input has a description"
        );
        for used in body.split("$[[ inputs.").skip(1) {
            let name = used.split(" ]]").next().unwrap();
            assert!(
                declared.contains(&name),
                "{template} uses undeclared input {name}"
            );
        }
        if header.contains("\n    rollout_mode:\n") {
            assert!(header.contains("options: [enforce, warn]"), "{template}");
            if template == "all-in-one.yml" {
                // It passes the mode to each of the three templates it includes.
                assert_eq!(
                    body.matches("rollout_mode: $[[ inputs.rollout_mode ]]")
                        .count(),
                    3,
                    "{template}"
                );
            } else {
                assert!(body.contains("exit_codes: [1]"), "{template}");
            }
        }
    }
}

#[test]
fn component_copies_match_the_templates() {
    // GitLab's CI/CD catalog reads components from templates/<name>.yml.
    for template in templates() {
        let original = std::fs::read(root().join("ci-templates").join(&template)).unwrap();
        let component = root().join("templates").join(&template);
        let copy = std::fs::read(&component).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run ci-templates/sync-components.sh)",
                component.display()
            )
        });
        assert!(
            original == copy,
            "{} differs from ci-templates/{template}: run ci-templates/sync-components.sh",
            component.display()
        );
    }
}

// ----------------------------------------------------------- image gate / sign

/// `SECGATE_REGISTRY_PLAIN` from the env file of `scripts/registry/start.sh`,
/// or `None` (loudly) when the registries are not running outside CI.
fn local_registry() -> Option<String> {
    let path = std::env::var_os("SECGATE_REGISTRY_ENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target/registry.env"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!(
                "the local registries are not running ({}: {e}): run scripts/registry/start.sh",
                path.display()
            );
            if ci_support::under_ci() {
                panic!("{msg}");
            }
            eprintln!("\n!!!!! SKIPPED the image template tests: {msg} !!!!!\n");
            return None;
        }
    };
    let plain = text
        .lines()
        .find_map(|l| l.strip_prefix("SECGATE_REGISTRY_PLAIN="))
        .unwrap_or_else(|| panic!("{} has no SECGATE_REGISTRY_PLAIN", path.display()))
        .trim()
        .to_string();
    Some(plain)
}

/// The image-gate project with a fresh key pair (the public key committed, the
/// private one returned for the TEST_SIGNING_KEY variable) and its own repository.
fn image_project() -> (Project, String, String) {
    let p = project("image-gate");
    let key = p.dir().join("cosign.key");
    let sh = |cmd: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(p.dir())
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    sh("openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out cosign.key");
    sh("openssl ec -in cosign.key -pubout -out cosign.pub 2>/dev/null");
    let private = std::fs::read_to_string(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    commit_all(p.dir(), "the verification key");
    let name = p
        .dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    (p, private, format!("tests/{name}"))
}

fn image_vars<'a>(
    registry: &'a str,
    repo: &'a str,
    key: &'a str,
    sign: bool,
) -> Vec<(&'a str, &'a str)> {
    let mut vars = vec![
        ("TEST_REGISTRY", registry),
        ("TEST_REPO", repo),
        ("TEST_SIGNING_KEY", key),
    ];
    if sign {
        // The sign job runs on protected refs only (protected_only: true).
        vars.push(("CI_COMMIT_REF_PROTECTED", "true"));
    }
    vars
}

#[test]
fn image_gate_verifies_the_signed_image_and_the_manifests() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let Some(registry) = local_registry() else {
        return;
    };
    let (p, key, repo) = image_project();
    let run = p.run(&glci, &[], &image_vars(&registry, &repo, &key, true));
    run.assert_schema_validated();
    run.assert_job("build", Status::Pass, None);
    run.assert_job("secgate-image-sign", Status::Pass, None);
    run.assert_job("secgate-image", Status::Pass, None);
    let log = run.log("secgate-image");
    assert!(
        log.contains("deploy/app.yaml"),
        "the manifests were verified:\n{log}"
    );
    assert!(log.contains("every image verified"), "{log}");
    assert!(
        !run.output.contains("PRIVATE KEY"),
        "the signing key is never printed"
    );
}

#[test]
fn image_gate_fails_an_unsigned_image_and_warn_rollout_lets_it_pass_with_a_warning() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let Some(registry) = local_registry() else {
        return;
    };
    let (p, key, repo) = image_project();
    // Not a protected ref: the sign job is not in the pipeline.
    let run = p.run(&glci, &[], &image_vars(&registry, &repo, &key, false));
    assert!(
        !run.jobs.contains_key("secgate-image-sign"),
        "{:?}",
        run.jobs
    );
    run.assert_job("secgate-image", Status::Fail, Some(1));
    let warn = p.run(
        &glci,
        &["--file", ".gitlab-ci-warn.yml"],
        &image_vars(&registry, &repo, &key, false),
    );
    warn.assert_job("secgate-image", Status::Warn, Some(1));
}

#[test]
fn image_gate_fails_closed_without_the_build_jobs_digest_even_in_warn_mode() {
    let Some(glci) = gitlab_ci_local() else {
        return;
    };
    let Some(registry) = local_registry() else {
        return;
    };
    let (p, key, repo) = image_project();
    let mut vars = image_vars(&registry, &repo, &key, false);
    vars.push(("NO_DIGEST", "true"));
    let run = p.run(&glci, &["--file", ".gitlab-ci-warn.yml"], &vars);
    run.assert_job("secgate-image", Status::Fail, Some(2));
    assert!(
        run.log("secgate-image")
            .contains("SECGATE_IMAGE_DIGEST is not set"),
        "{}",
        run.log("secgate-image")
    );
}
