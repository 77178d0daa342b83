//! Behaviour of the renderers: no secret in any output, stable names and
//! fingerprints, the fields GitLab requires, escaping, the JSON result reading
//! back as a verdict, and output that does not depend on the order of findings.

mod render_fixtures;

use render_fixtures::*;
use secgate_core::{fingerprint, Category, Location, Severity};
use secgate_policy::render::*;
use secgate_policy::verdict::{Judged, Outcome, Verdict};
use serde_json::Value;
use std::collections::HashSet;

fn every_output(v: &Verdict) -> Vec<(String, String)> {
    let mut out = vec![
        (
            "terminal".to_string(),
            terminal(v, &TerminalOptions::default()),
        ),
        (
            "terminal --explain --verbose".to_string(),
            terminal(
                v,
                &TerminalOptions {
                    color: true,
                    explain: true,
                    verbose: true,
                    max_findings: 0,
                },
            ),
        ),
        (
            "code quality".to_string(),
            code_quality(v, None).to_string(),
        ),
        ("junit".to_string(), junit(v)),
        ("sarif".to_string(), sarif(v).to_string()),
        ("markdown".to_string(), markdown(v)),
        ("dotenv".to_string(), dotenv(v)),
        ("json".to_string(), json(v).to_string()),
    ];
    for (kind, doc) in gitlab_security_reports_at(v, NOW) {
        out.push((format!("gitlab {kind}"), doc.to_string()));
    }
    out.push((
        "sarif_log".to_string(),
        sarif_log(&all_findings()).to_string(),
    ));
    out.push((
        "gitlab secret report".to_string(),
        gitlab_security_report_at(&Category::SecretDetection, &[secret_aws()], &[], NOW)
            .to_string(),
    ));
    out
}

#[test]
fn no_output_prints_a_secret_or_a_snippet() {
    let v = verdict();
    for (name, text) in every_output(&v) {
        assert!(
            !text.contains(PLANTED_SECRET),
            "{name} printed the secret planted in a description or snippet"
        );
        assert!(
            !text.contains("cursor.execute"),
            "{name} printed a code snippet"
        );
    }
}

/// A secret's digest (16 hex digits of its SHA-256) is written only where a
/// reader needs it to keep the fingerprint: the GitLab reports (read back as
/// a baseline) and the JSON result (the model, as is). Human-readable
/// outputs, SARIF and Code Quality never carry it.
#[test]
fn the_secret_digest_is_only_in_machine_outputs() {
    let digest = match secret_aws().location {
        Location::Secret {
            digest: Some(d), ..
        } => d.to_string(),
        other => panic!("the fixture has no digest: {other:?}"),
    };
    let v = verdict();
    let mut machines = 0;
    for (name, text) in every_output(&v) {
        let machine = name == "json" || (name.starts_with("gitlab") && name.contains("secret"));
        machines += usize::from(machine);
        assert_eq!(
            text.contains(&digest),
            machine,
            "{name}: the digest is {}",
            if machine { "missing" } else { "printed" }
        );
    }
    // The JSON result, the verdict's secret-detection report and one of its own.
    assert_eq!(machines, 3);
}

#[test]
fn json_result_reads_back_as_the_verdict_with_every_fingerprint() {
    let v = verdict();
    let doc = json(&v);
    assert_eq!(doc["schema_version"], JSON_SCHEMA_VERSION);
    assert_eq!(doc["tool"]["name"], "secgate");
    assert_eq!(doc["summary"]["failed"], 4);
    assert_eq!(doc["summary"]["new"], 8);
    let back: Verdict = serde_json::from_value(doc.clone()).unwrap();
    // Everything but what is redacted: snippets and secret descriptions.
    let mut redacted = v.clone();
    for j in &mut redacted.findings {
        if let Location::Source { snippet, .. } = &mut j.finding.location {
            *snippet = None;
        }
        if j.finding.category == Category::SecretDetection {
            j.finding.description = None;
        }
    }
    assert_eq!(back, redacted);
    let fps: HashSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"]["fingerprint"].as_str().unwrap())
        .collect();
    for j in &v.findings {
        assert!(fps.contains(j.finding.fingerprint.to_hex().as_str()));
    }
}

#[test]
fn code_quality_has_every_required_field_and_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.18\n").unwrap();
    let mut v = verdict();
    // An absolute path inside the project dir, as some scanners write it.
    if let Location::Source { file, .. } = &mut v.findings[0].finding.location {
        *file = format!("{}/app/db.py", dir.path().display());
    }
    let doc = code_quality(&v, Some(dir.path()));
    let entries = doc.as_array().unwrap();
    // Every judged finding but the exempted one, and one entry per blocking
    // problem (the fixture's missing scanner), first, on the policy file.
    let blocking = v.problems.iter().filter(|p| p.blocking).count();
    assert_eq!(blocking, 1);
    assert_eq!(entries.len(), v.findings.len() - 1 + blocking);
    let problem = &entries[0];
    assert_eq!(problem["check_name"], "secgate/missing_scanner");
    assert_eq!(problem["severity"], "blocker");
    assert_eq!(problem["location"]["path"], ".secgate.yml");
    assert!(
        problem["description"]
            .as_str()
            .unwrap()
            .contains("did not report"),
        "{problem}"
    );
    let mut fps = HashSet::new();
    for e in entries {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                e[key].as_str().is_some_and(|s| !s.is_empty()),
                "missing {key} in {e}"
            );
        }
        let path = e["location"]["path"].as_str().unwrap();
        assert!(!path.is_empty() && !path.starts_with('/'), "{path}");
        assert!(e["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&e["severity"].as_str().unwrap()));
        assert!(fps.insert(e["fingerprint"].as_str().unwrap().to_string()));
    }
    let by_check = |c: &str| entries.iter().find(|e| e["check_name"] == c).unwrap();
    let sql = by_check("python.lang.security.sql-injection");
    assert_eq!(sql["location"]["path"], "app/db.py");
    assert_eq!(sql["location"]["lines"]["begin"], 42);
    assert_eq!(sql["severity"], "critical");
    // A container finding goes to the project's Dockerfile when there is one.
    assert_eq!(by_check("CVE-2021-44228")["location"]["path"], "Dockerfile");
    assert_eq!(by_check("CVE-2021-44228")["severity"], "blocker");
    assert_eq!(
        by_check("GHSA-p6mc-m468-83gw")["location"]["path"],
        "web/package-lock.json"
    );
    assert_eq!(by_check("40012")["location"]["path"], ".gitlab-ci.yml");
    assert!(!entries.iter().any(|e| e["check_name"] == "CVE-2019-1549"));
    // Without a project dir there is no Dockerfile to find.
    let (p, l) = code_quality_path(&container_log4j(), None);
    assert_eq!((p.as_str(), l), (".gitlab-ci.yml", 1));
    // A report that names an empty file still gets a path GitLab keeps.
    let mut empty = sast_sql();
    if let Location::Source { file, .. } = &mut empty.location {
        *file = "./".into();
    }
    assert_eq!(code_quality_path(&empty, None).0, ".gitlab-ci.yml");
}

fn testcase_names(xml: &str) -> Vec<String> {
    xml.lines()
        .filter_map(|l| l.trim().strip_prefix("<testcase "))
        .map(|l| l.to_string())
        .collect()
}

/// A minimal well-formedness check: tags balance and attribute values hold no
/// raw `<`, `&` or quote.
fn assert_balanced(xml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
        let quotes = tag.matches('"').count();
        assert_eq!(quotes % 2, 0, "odd quotes in <{tag}>");
        assert!(
            !tag.contains('&')
                || tag.contains("&amp;")
                || tag.contains("&lt;")
                || tag.contains("&gt;")
                || tag.contains("&quot;")
                || tag.contains("&apos;")
                || tag.contains("&#"),
            "raw & in <{tag}>"
        );
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn junit_is_well_formed_and_counts_add_up() {
    let v = verdict();
    let xml = junit(&v);
    assert_balanced(&xml);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    // 9 findings + the verdict + 2 problems; failures: 4 findings, the verdict, 1 blocking problem.
    assert!(xml.contains(
        "<testsuites name=\"secgate\" tests=\"12\" failures=\"6\" errors=\"0\" skipped=\"2\">"
    ));
    assert_eq!(xml.matches("<failure ").count(), 6);
    assert_eq!(xml.matches("<skipped ").count(), 2);
    assert!(!xml.contains('\u{1}'), "control characters are dropped");
    let names = testcase_names(&xml);
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "test case names are unique");
    let passing = junit(&empty_verdict());
    assert_balanced(&passing);
    assert!(!passing.contains("<failure"));
}

#[test]
fn junit_names_survive_lines_moving() {
    let v = verdict();
    let mut moved = verdict();
    for j in &mut moved.findings {
        match &mut j.finding.location {
            Location::Source {
                start_line,
                end_line,
                ..
            } => {
                *start_line = start_line.map(|l| l + 100);
                *end_line = end_line.map(|l| l + 100);
            }
            Location::Secret { line, .. } => *line = line.map(|l| l + 7),
            _ => {}
        }
        // Fingerprints are recomputed from the moved finding: they do not change.
        let mut one = vec![j.finding.clone()];
        fingerprint::assign(&mut one);
        assert_eq!(one[0].fingerprint, j.finding.fingerprint);
    }
    assert_eq!(testcase_names(&junit(&v)), testcase_names(&junit(&moved)));
    let ids = |v: &Verdict| -> Vec<Value> {
        code_quality(v, None)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fingerprint"].clone())
            .collect()
    };
    assert_eq!(ids(&v), ids(&moved));
}

#[test]
fn sarif_rules_suppressions_and_baseline_state() {
    let v = verdict();
    let log = sarif(&v);
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    // One run per scanner.
    assert_eq!(runs.len(), v.scanners.len());
    let mut seen_exempted = false;
    let mut seen_existing = false;
    for run in runs {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: HashSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), rules.len(), "rules are deduplicated");
        for r in run["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            let fp = r["partialFingerprints"][SARIF_FINGERPRINT_KEY]
                .as_str()
                .unwrap();
            assert_eq!(fp.len(), 64);
            match r["properties"]["secgate/outcome"].as_str().unwrap() {
                "exempted" => {
                    seen_exempted = true;
                    assert_eq!(r["suppressions"][0]["status"], "accepted");
                    assert!(r["suppressions"][0]["justification"]
                        .as_str()
                        .unwrap()
                        .contains("never fork"));
                }
                "existing" => {
                    seen_existing = true;
                    assert_eq!(r["baselineState"], "unchanged");
                }
                _ => {}
            }
        }
    }
    assert!(seen_exempted && seen_existing);
    // Two Trivy findings with the same rule share it.
    let trivy = runs
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "Trivy")
        .unwrap();
    assert_eq!(trivy["results"].as_array().unwrap().len(), 3);
    let mut twice = vec![container_log4j(), container_log4j()];
    if let Location::Container { image, .. } = &mut twice[1].location {
        *image = "registry.example.com/shop/other:2".into();
    }
    let log = sarif_log(&twice);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(log["runs"][0]["results"][1]["ruleIndex"], 0);
    assert_eq!(sarif_security_severity(Severity::Critical), Some("9.5"));
}

#[test]
fn gitlab_ids_are_stable_uuids_from_fingerprints() {
    let a = gitlab_security_report_at(&Category::Sast, &[sast_sql(), weird_text()], &[], NOW);
    let b = gitlab_security_report_at(&Category::Sast, &[weird_text(), sast_sql()], &[], NOW);
    assert_eq!(a, b);
    let id = a["vulnerabilities"][0]["id"].as_str().unwrap();
    assert_eq!(id, vulnerability_uuid(&sast_sql().fingerprint));
    assert_eq!(a["scan"]["start_time"], "2026-01-02T03:04:05");
    // Duplicates (the same fingerprint from two reports) are merged.
    let d = gitlab_security_report_at(&Category::Sast, &[sast_sql(), sast_sql()], &[], NOW);
    assert_eq!(d["vulnerabilities"].as_array().unwrap().len(), 1);
    // Secret detection: the commit is kept, or GitLab's placeholder when unknown.
    let s = gitlab_security_report_at(&Category::SecretDetection, &[secret_aws()], &[], NOW);
    assert_eq!(
        s["vulnerabilities"][0]["location"]["commit"]["sha"],
        "9f1c2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6"
    );
    assert!(s["vulnerabilities"][0].get("description").is_none());
    assert_eq!(s["scan"]["scanner"]["id"], "gitleaks");
    // Several scanners: a merged scanner names them.
    let m = gitlab_security_report_at(&Category::Sast, &[sast_sql(), weird_text()], &[], NOW);
    assert_eq!(m["scan"]["scanner"]["id"], "secgate-merged");
    assert!(m["scan"]["scanner"]["name"]
        .as_str()
        .unwrap()
        .contains("eslint, semgrep"));
}

#[test]
fn markdown_caps_the_failing_list_and_escapes_cells() {
    let mut v = verdict();
    let base = v.findings[0].clone();
    for i in 0..60 {
        let mut j: Judged = base.clone();
        j.finding.title = format!("injection | number {i} @here <b>");
        j.finding.fingerprint = secgate_core::Fingerprint::of_parts([format!("extra-{i}")]);
        v.findings.push(j);
    }
    let md = markdown(&v);
    let rows = md
        .lines()
        .filter(|l| {
            l.starts_with("| Critical |")
                || l.starts_with("| High |")
                || l.starts_with("| Medium |")
        })
        .count();
    // 3 count rows + MARKDOWN_MAX_FINDINGS finding rows.
    assert_eq!(rows, 3 + MARKDOWN_MAX_FINDINGS);
    assert!(md.contains("…and 14 more failing finding(s)"), "{md}");
    assert!(!md.contains("@here"));
    assert!(!md.contains("<b>"));
    assert!(md.contains("injection \\| number 0"));
}

#[test]
fn dotenv_is_valid_and_counts_match() {
    let v = verdict();
    let env = dotenv(&v);
    let mut keys = HashSet::new();
    for line in env.lines() {
        let (k, val) = line.split_once('=').unwrap();
        assert!(k.starts_with("SECGATE_") && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        assert!(!val.is_empty() && !val.contains(['"', '\'', ' ']), "{line}");
        assert!(keys.insert(k.to_string()));
    }
    assert!(keys.len() <= 20, "GitLab's dotenv variable limit");
    // Never a name the CI templates use for their inputs (dotenv wins over job variables).
    for taken in [
        "SECGATE_VERSION",
        "SECGATE_FAIL_ON",
        "SECGATE_POLICY",
        "SECGATE_BASELINE",
    ] {
        assert!(!keys.contains(taken), "{taken}");
    }
    assert!(env.contains("SECGATE_PASSED=false\n"));
    assert!(env.contains("SECGATE_FAILED=4\n"));
    assert!(env.contains("SECGATE_CRITICAL=2\n"));
    assert!(env.contains("SECGATE_NEW=8\n"));
    assert!(dotenv(&empty_verdict()).contains("SECGATE_PASSED=true\n"));
}

#[test]
fn terminal_caps_the_listed_findings_worst_first_and_says_how_many_are_left_out() {
    let mut v = verdict();
    let base = v
        .findings
        .iter()
        .find(|j| j.outcome.is_failure())
        .expect("a failing finding")
        .clone();
    for i in 0..30 {
        let mut j: Judged = base.clone();
        j.finding.title = format!("extra failing {i}");
        j.finding.severity = if i == 29 {
            secgate_core::Severity::Critical
        } else {
            secgate_core::Severity::Medium
        };
        j.finding.fingerprint = secgate_core::Fingerprint::of_parts([format!("cap-{i}")]);
        v.findings.push(j);
    }
    let failing = v.findings.iter().filter(|j| j.outcome.is_failure()).count();
    let opts = |max_findings| TerminalOptions {
        max_findings,
        ..TerminalOptions::default()
    };
    let capped = terminal(&v, &opts(5));
    let listed = capped
        .lines()
        .filter(|l| l.starts_with("           fails the gate"))
        .count();
    assert_eq!(listed, 5, "{capped}");
    assert!(
        capped.contains(&format!("... and {} more failing finding(s)", failing - 5)),
        "{capped}"
    );
    // The worst is listed even when it came last.
    assert!(capped.contains("extra failing 29"), "{capped}");
    // 0 lists every failing finding and says nothing is left out.
    let all = terminal(&v, &opts(0));
    let listed = all
        .lines()
        .filter(|l| l.starts_with("           fails the gate"))
        .count();
    assert_eq!(listed, failing);
    assert!(!all.contains("more failing finding(s)"));
    // With --explain the other verdicts are capped the same way.
    let explained = terminal(
        &v,
        &TerminalOptions {
            explain: true,
            max_findings: 1,
            ..TerminalOptions::default()
        },
    );
    let others = v.findings.len() - failing;
    if others > 1 {
        assert!(
            explained.contains(&format!("... and {} more other finding(s)", others - 1)),
            "{explained}"
        );
    }
}

#[test]
fn terminal_colour_only_when_asked_and_no_escape_from_reports() {
    let mut v = verdict();
    v.findings[0].finding.title = "evil \u{1b}[2J\u{1b}]0;pwned\u{7} title".into();
    let plain = terminal(&v, &TerminalOptions::default());
    assert!(
        !plain.contains('\u{1b}'),
        "no escape sequences without colour"
    );
    let coloured = terminal(
        &v,
        &TerminalOptions {
            color: true,
            explain: false,
            verbose: false,
            max_findings: 0,
        },
    );
    assert!(coloured.contains("\u{1b}[1;31m"));
    assert!(!coloured.contains("\u{1b}[2J") && !coloured.contains("\u{1b}]0;"));
    // --explain gives the reason of every judged finding.
    let explained = terminal(
        &v,
        &TerminalOptions {
            color: false,
            explain: true,
            verbose: false,
            max_findings: 0,
        },
    );
    for j in &v.findings {
        let why = match &j.outcome {
            Outcome::Failed { rule } => rule.clone(),
            Outcome::Passed { reason } => reason.clone(),
            Outcome::Exempted { reason, .. } => reason.clone(),
            Outcome::Existing => "in the baseline".into(),
        };
        assert!(explained.contains(&why), "--explain lacks {why}");
    }
    assert!(
        !plain.contains("never fork"),
        "without --explain, no exemption detail"
    );
}

#[test]
fn outputs_do_not_depend_on_the_order_of_findings() {
    let v = verdict();
    let mut r = verdict();
    r.findings.reverse();
    r.problems.reverse();
    r.problems.reverse();
    let mut s = verdict();
    s.findings.rotate_left(4);
    for other in [&r, &s] {
        assert_eq!(code_quality(&v, None), code_quality(other, None));
        assert_eq!(junit(&v), junit(other));
        assert_eq!(sarif(&v), sarif(other));
        assert_eq!(markdown(&v), markdown(other));
        assert_eq!(dotenv(&v), dotenv(other));
        assert_eq!(
            terminal(
                &v,
                &TerminalOptions {
                    color: false,
                    explain: true,
                    verbose: true,
                    max_findings: 0,
                }
            ),
            terminal(
                other,
                &TerminalOptions {
                    color: false,
                    explain: true,
                    verbose: true,
                    max_findings: 0,
                }
            )
        );
        assert_eq!(
            gitlab_security_reports_at(&v, NOW),
            gitlab_security_reports_at(other, NOW)
        );
    }
}

#[test]
fn streaming_writers_write_what_the_values_hold() {
    let v = verdict();
    let parse = |bytes: Vec<u8>| -> Value { serde_json::from_slice(&bytes).unwrap() };
    let mut buf = Vec::new();
    write_json(&mut buf, &v).unwrap();
    assert_eq!(parse(buf), json(&v));
    let mut buf = Vec::new();
    write_sarif(&mut buf, &v).unwrap();
    assert_eq!(parse(buf), sarif(&v));
    let mut buf = Vec::new();
    write_sarif_log(&mut buf, &all_findings()).unwrap();
    assert_eq!(parse(buf), sarif_log(&all_findings()));
    let mut buf = Vec::new();
    write_code_quality(&mut buf, &v, None).unwrap();
    assert_eq!(parse(buf), code_quality(&v, None));
    let mut buf = Vec::new();
    write_gitlab_security_report(&mut buf, &Category::Sast, &all_findings(), &[], NOW).unwrap();
    assert_eq!(
        parse(buf),
        gitlab_security_report_at(&Category::Sast, &all_findings(), &[], NOW)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let written = write_gitlab_security_reports(&v, NOW, &out).unwrap();
    let values = gitlab_security_reports_at(&v, NOW);
    assert_eq!(written.len(), values.len());
    for (path, (kind, value)) in written.iter().zip(&values) {
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            gitlab_report_file_name(kind)
        );
        assert_eq!(&parse(std::fs::read(path).unwrap()), value);
    }
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "gl-sast-report.json",
            "gl-dast-report.json",
            "gl-dependency-scanning-report.json",
            "gl-container-scanning-report.json",
            "gl-secret-detection-report.json"
        ]
    );
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any order of the judged findings renders the same bytes.
    #[test]
    fn any_order_renders_the_same(perm in Just((0..9usize).collect::<Vec<_>>()).prop_shuffle()) {
        let v = verdict();
        let mut shuffled = verdict();
        shuffled.findings = perm.iter().map(|&i| v.findings[i].clone()).collect();
        prop_assert_eq!(junit(&v), junit(&shuffled));
        prop_assert_eq!(code_quality(&v, None), code_quality(&shuffled, None));
        prop_assert_eq!(sarif(&v), sarif(&shuffled));
        prop_assert_eq!(markdown(&v), markdown(&shuffled));
        prop_assert_eq!(
            gitlab_security_reports_at(&v, NOW),
            gitlab_security_reports_at(&shuffled, NOW)
        );
        let opts = TerminalOptions { color: false, explain: true, verbose: true, max_findings: 0 };
        prop_assert_eq!(terminal(&v, &opts), terminal(&shuffled, &opts));
    }
}

/// GitLab keys a vulnerability on its first identifier: never a taxonomy
/// (CWE, OWASP, WASC) when the finding has a specific one, or different rules
/// of one weakness at one place would merge into one vulnerability.
#[test]
fn gitlab_primary_identifier_is_never_a_taxonomy_when_a_rule_exists() {
    for (_, doc) in gitlab_security_reports_at(&verdict(), NOW) {
        for v in doc["vulnerabilities"].as_array().unwrap() {
            let ids = v["identifiers"].as_array().unwrap();
            let taxonomy =
                |i: &Value| ["cwe", "owasp", "wasc"].contains(&i["type"].as_str().unwrap());
            if ids.iter().any(|i| !taxonomy(i)) {
                assert!(
                    !taxonomy(&ids[0]),
                    "{}",
                    serde_json::to_string_pretty(ids).unwrap()
                );
            }
        }
    }
}

/// The gate suite's case names are unique, and a failed scan's name leaves
/// out the scanner's error text (it changes from run to run).
#[test]
fn junit_gate_case_names_are_unique_and_stable() {
    let mut v = verdict();
    let problem = |code: &str, message: &str| secgate_policy::GateProblem {
        code: code.into(),
        message: message.into(),
        blocking: true,
    };
    v.problems = vec![
        problem(
            "missing_scanner",
            "required scanner `trivy` (policy line 3) did not report",
        ),
        problem(
            "missing_scanner",
            "required scanner `trivy` (policy line 5) did not report",
        ),
        problem(
            "failed_scan",
            "the scan that wrote a.json (Semgrep) failed: the report says boom 0x7f3a; fix it",
        ),
    ];
    let names = |v: &Verdict| {
        let mut out = Vec::new();
        write_junit(&mut out, v).unwrap();
        let xml = String::from_utf8(out).unwrap();
        testcase_names(&xml)
            .into_iter()
            .filter(|n| n.contains("secgate.gate"))
            .collect::<Vec<_>>()
    };
    let first = names(&v);
    let unique: HashSet<&String> = first.iter().collect();
    assert_eq!(unique.len(), first.len(), "{first:?}");
    assert!(
        first
            .iter()
            .any(|n| n.contains("missing_scanner: trivy #2")),
        "{first:?}"
    );
    assert!(
        first
            .iter()
            .any(|n| n.contains("failed_scan: the scan that wrote a.json (Semgrep) failed\"")),
        "{first:?}"
    );
    v.problems[2].message =
        "the scan that wrote a.json (Semgrep) failed: the report says boom 0x9c1b; fix it".into();
    assert_eq!(names(&v), first);
}
