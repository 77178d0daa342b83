//! The outputs read back: the JSON result as a `--baseline` (every
//! fingerprint), and the GitLab security reports and SARIF logs through the
//! report parsers (the same findings, the same fingerprints).

mod render_fixtures;

use render_fixtures::*;
use secgate_core::{Category, Finding};
use secgate_policy::render::*;
use secgate_policy::Baseline;
use secgate_reports::ParseOptions;
use std::collections::BTreeSet;

#[test]
fn the_json_result_is_a_baseline_of_every_finding() {
    let v = verdict();
    let mut bytes = Vec::new();
    write_json(&mut bytes, &v).unwrap();
    let b = Baseline::from_bytes(&bytes, &ParseOptions::default()).unwrap();
    assert_eq!(b.len(), v.findings.len());
    for j in &v.findings {
        assert!(b.contains(&j.finding.fingerprint), "{}", j.finding.title);
    }
    let pretty = serde_json::to_vec_pretty(&json(&v)).unwrap();
    let b = Baseline::from_bytes(&pretty, &ParseOptions::default()).unwrap();
    assert_eq!(b.len(), v.findings.len());
}

fn fingerprints(findings: &[Finding]) -> BTreeSet<String> {
    findings.iter().map(|f| f.fingerprint.to_hex()).collect()
}

#[test]
fn gitlab_reports_parse_back_to_the_same_findings() {
    // Location kinds whose every fingerprinted fact is in the GitLab report.
    for (kind, findings) in [
        (
            Category::ContainerScanning,
            vec![container_log4j(), container_openssl()],
        ),
        (Category::DependencyScanning, vec![dependency_lodash()]),
        (Category::Dast, vec![dast_xss()]),
        (Category::SecretDetection, vec![secret_aws()]),
    ] {
        let doc = gitlab_security_report_at(&kind, &findings, &[], NOW);
        let bytes = serde_json::to_vec(&doc).unwrap();
        let report = secgate_reports::parse(&bytes)
            .unwrap_or_else(|e| panic!("{kind}: our report does not parse: {e}"));
        assert_eq!(report.category.as_ref(), Some(&kind));
        assert_eq!(report.findings.len(), findings.len(), "{kind}");
        assert_eq!(
            fingerprints(&report.findings),
            fingerprints(&findings),
            "{kind}"
        );
        let sev: Vec<_> = report.findings.iter().map(|f| f.severity).collect();
        let mut want: Vec<_> = findings.iter().map(|f| f.severity).collect();
        want.sort_by(|a, b| b.cmp(a));
        assert_eq!(sev, want, "{kind}");
    }
}

#[test]
fn sarif_logs_parse_back_to_the_same_findings() {
    let findings = all_findings();
    let bytes = serde_json::to_vec(&sarif_log(&findings)).unwrap();
    let report = secgate_reports::parse(&bytes).unwrap();
    assert_eq!(report.findings.len(), findings.len());
    assert_eq!(report.scanners.len(), 7);
}
