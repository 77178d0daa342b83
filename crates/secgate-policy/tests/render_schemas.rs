//! Every rendered GitLab security report validates against the official 15.2.1
//! schema of its category, and every rendered SARIF log against the SARIF 2.1.0
//! schema, both from the shared corpus; for the fixed findings and verdict, and
//! for every real report of the corpus run through the parsers.

mod render_fixtures;

use render_fixtures::*;
use secgate_core::{Category, Finding, Report};
use secgate_policy::render::{
    gitlab_report_kind, gitlab_security_report_at, gitlab_security_reports_at, sarif, sarif_log,
    GITLAB_SCHEMA_VERSION,
};
use serde_json::Value;
use std::path::Path;

const KINDS: [Category; 5] = [
    Category::Sast,
    Category::Dast,
    Category::DependencyScanning,
    Category::ContainerScanning,
    Category::SecretDetection,
];

fn schema_file(kind: &Category) -> &'static str {
    match kind {
        Category::Dast | Category::ApiFuzzing => "dast",
        Category::DependencyScanning => "dependency-scanning",
        Category::ContainerScanning => "container-scanning",
        Category::SecretDetection => "secret-detection",
        _ => "sast",
    }
}

struct Validators {
    gitlab: Vec<(Category, jsonschema::Validator)>,
    sarif: jsonschema::Validator,
}

fn load(corpus: &Path) -> Validators {
    let gitlab = KINDS
        .iter()
        .chain([Category::ApiFuzzing].iter())
        .map(|k| {
            let path = corpus.join(format!(
                "gitlab-schemas/gitlabhq__{GITLAB_SCHEMA_VERSION}__{}-report-format.json",
                schema_file(k)
            ));
            let schema: Value = serde_json::from_slice(
                &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            )
            .unwrap();
            let v = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (k.clone(), v)
        })
        .collect();
    let path = corpus.join("sarif/sarif-spec__sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let sarif = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    Validators { gitlab, sarif }
}

impl Validators {
    fn gitlab(&self, kind: &Category, doc: &Value, what: &str) {
        let (_, v) = self
            .gitlab
            .iter()
            .find(|(k, _)| k == kind)
            .unwrap_or_else(|| panic!("no schema for {kind}"));
        let errors: Vec<String> = v
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the {kind} report is not valid against the 15.2.1 schema:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(doc).unwrap()
        );
    }

    fn sarif(&self, doc: &Value, what: &str) {
        let errors: Vec<String> = self
            .sarif
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the SARIF log is not valid against the 2.1.0 schema:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn every_kind_of_report_from_every_kind_of_finding_is_valid() {
    let Some(corpus) = corpus_dir() else { return };
    let val = load(&corpus);
    let findings = all_findings();
    // Every finding forced into every kind: the location is adapted to the
    // shape the kind's schema requires.
    for kind in KINDS.iter().chain([Category::ApiFuzzing].iter()) {
        let doc = gitlab_security_report_at(kind, &findings, &[], NOW);
        val.gitlab(kind, &doc, "all fixture findings");
        assert_eq!(
            doc["vulnerabilities"].as_array().unwrap().len(),
            findings.len(),
            "{kind}: one vulnerability per finding"
        );
        let empty = gitlab_security_report_at(kind, &[], &[], NOW);
        val.gitlab(kind, &empty, "no findings");
    }
}

#[test]
fn verdict_reports_are_valid_and_grouped_by_kind() {
    let Some(corpus) = corpus_dir() else { return };
    let val = load(&corpus);
    let v = verdict();
    let reports = gitlab_security_reports_at(&v, NOW);
    let kinds: Vec<&Category> = reports.iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        vec![
            &Category::Sast,
            &Category::Dast,
            &Category::DependencyScanning,
            &Category::ContainerScanning,
            &Category::SecretDetection
        ]
    );
    for (kind, doc) in &reports {
        val.gitlab(kind, doc, "fixture verdict");
    }
    // The exempted openssl finding is left out; log4j is in.
    let cs = &reports
        .iter()
        .find(|(k, _)| *k == Category::ContainerScanning)
        .unwrap()
        .1;
    assert_eq!(cs["vulnerabilities"].as_array().unwrap().len(), 1);
    // SAST holds the SAST findings, the misconfiguration and the custom one.
    let sast = &reports[0].1;
    assert_eq!(sast["vulnerabilities"].as_array().unwrap().len(), 4);
    val.sarif(&sarif(&v), "fixture verdict");
    val.sarif(&sarif_log(&all_findings()), "fixture findings");
    val.sarif(&sarif_log(&[]), "no findings");
}

fn corpus_reports(corpus: &Path) -> Vec<(String, Report)> {
    let mut out = Vec::new();
    for folder in [
        "gitlab-sast",
        "gitlab-dast",
        "gitlab-dependency-scanning",
        "gitlab-container-scanning",
        "gitlab-secret-detection",
        "trivy",
        "sarif",
        "zap",
        "gitleaks",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(corpus.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            if let Ok(r) = secgate_reports::parse(&bytes) {
                out.push((p.display().to_string(), r));
            }
        }
    }
    out
}

#[test]
fn every_corpus_report_renders_to_valid_gitlab_and_sarif() {
    let Some(corpus) = corpus_dir() else { return };
    let val = load(&corpus);
    let reports = corpus_reports(&corpus);
    assert!(
        reports.len() > 150,
        "only {} corpus reports parsed",
        reports.len()
    );
    let mut rendered = 0usize;
    let mut vulns = 0usize;
    for (path, report) in &reports {
        let mut by_kind: std::collections::BTreeMap<Category, Vec<Finding>> = Default::default();
        for f in &report.findings {
            by_kind
                .entry(gitlab_report_kind(&f.category))
                .or_default()
                .push(f.clone());
        }
        for (kind, findings) in &by_kind {
            let doc = gitlab_security_report_at(kind, findings, &report.scanners, NOW);
            val.gitlab(kind, &doc, path);
            rendered += 1;
            vulns += doc["vulnerabilities"].as_array().unwrap().len();
        }
        val.sarif(&sarif_log(&report.findings), path);
    }
    assert!(rendered > 150, "only {rendered} GitLab reports rendered");
    assert!(vulns > 5000, "only {vulns} vulnerabilities rendered");
}

#[test]
fn the_validators_reject_broken_documents() {
    let Some(corpus) = corpus_dir() else { return };
    let val = load(&corpus);
    let mut doc = gitlab_security_report_at(&Category::Sast, &all_findings(), &[], NOW);
    doc["scan"].as_object_mut().unwrap().remove("analyzer");
    let (_, sast) = val
        .gitlab
        .iter()
        .find(|(k, _)| *k == Category::Sast)
        .unwrap();
    assert!(
        !sast.is_valid(&doc),
        "a report without scan.analyzer must be rejected"
    );
    let mut doc =
        gitlab_security_report_at(&Category::ContainerScanning, &all_findings(), &[], NOW);
    doc["vulnerabilities"][0]["identifiers"] = serde_json::json!([]);
    let (_, cs) = val
        .gitlab
        .iter()
        .find(|(k, _)| *k == Category::ContainerScanning)
        .unwrap();
    assert!(
        !cs.is_valid(&doc),
        "a vulnerability without identifiers must be rejected"
    );
    let mut log = sarif_log(&[sast_sql()]);
    log["version"] = Value::String("2.0.0".into());
    assert!(
        !val.sarif.is_valid(&log),
        "a wrong SARIF version must be rejected"
    );
    let mut log = sarif_log(&[sast_sql()]);
    log["runs"][0]["results"][0]["suppressions"] = serde_json::json!([{"kind": "somewhere"}]);
    assert!(
        !val.sarif.is_valid(&log),
        "a bad suppression kind must be rejected"
    );
}
