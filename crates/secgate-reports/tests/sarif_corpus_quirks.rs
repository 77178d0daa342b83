//! The SARIF, ZAP and gitleaks quirks of real corpus files, checked on the
//! files themselves (the counts are in `tests/expect/*.tsv`).

use secgate_core::{Category, Identifier, Location, ScanStatus, SecretDigest, Severity};
use secgate_reports::{parse, Report};

mod common;
use common::corpus_dir;

fn load(rel: &str) -> Option<Report> {
    let dir = corpus_dir()?;
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    Some(parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

#[test]
fn codeql_results_without_level_take_the_rule_default() {
    let Some(r) = load("sarif/defectdojo__codeQL-output.sarif") else {
        return;
    };
    assert!(r.findings.iter().all(|f| f.severity != Severity::Unknown));
    assert!(r.findings.iter().all(|f| f.original_severity.is_some()));
    assert!(r.findings.iter().any(|f| f.cwes().next().is_some()));
    assert!(r.findings.iter().all(|f| f.source_id.is_some()));
    assert_eq!(r.scanners[0].version.as_deref(), Some("2.5.4"));
}

#[test]
fn appendix_k_message_strings_and_relative_base_ids() {
    let Some(r) = load("sarif/defectdojo__appendix_k.sarif") else {
        return;
    };
    let f = &r.findings[0];
    assert!(
        f.title
            .starts_with("Variable \"ptr\" was used without being initialized"),
        "{}",
        f.title
    );
    assert_eq!(f.location.file(), Some("src/collections/list.h"));
    assert!(f.suppressed);
    assert!(r.status.succeeded());
    assert!(
        r.notes.iter().any(|n| n.contains("Rule disabled")),
        "{:?}",
        r.notes
    );
}

#[test]
fn suppressions_real_files() {
    let Some(r) = load("sarif/defectdojo__suppression_test.sarif") else {
        return;
    };
    let n = r.findings.iter().filter(|f| f.suppressed).count();
    assert!(
        n >= 2 && n < r.findings.len(),
        "{n} of {}",
        r.findings.len()
    );
    let Some(r) = load("sarif/sarif-sdk__prerelease__WithSuppressions.sarif") else {
        return;
    };
    assert!(r.findings.iter().any(|f| f.suppressed));
}

#[test]
fn flawfinder_pass_result_is_skipped_and_noted() {
    let Some(r) = load("sarif/defectdojo__flawfinder.sarif") else {
        return;
    };
    assert_eq!(r.findings.len(), 53);
    assert!(r.notes.iter().any(|n| n.contains("`pass`")));
}

#[test]
fn index_and_rule_id_quirks_are_noted() {
    let Some(r) =
        load("sarif/sarif-sdk__validate__SARIF2004.OptimizeFileSize_SentinelIndexBloat.sarif")
    else {
        return;
    };
    assert!(
        r.notes.iter().any(|n| n.contains("ruleIndex -1")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.findings[0].location.file(), Some("src/foo.cs"));
    let Some(r) = load("sarif/sarif-sdk__validate__SARIF1010.RuleIdMustBeConsistent_Invalid.sarif")
    else {
        return;
    };
    assert!(
        r.notes.iter().any(|n| n.contains("differs")),
        "{:?}",
        r.notes
    );
    let Some(r) = load("sarif/sarif-sdk__validate__SARIF1009.IndexPropertiesMustBeConsistentWithArrays_Invalid.sarif") else { return };
    assert!(
        matches!(&r.status, ScanStatus::Failed { reasons } if reasons[0].contains("Tool execution notification 1"))
    );
}

#[test]
fn failed_runs_are_never_clean() {
    for rel in [
        "sarif/codacy-cli__eslint-failed-run__expected.sarif",
        "sarif/codeql-action__tool-names.sarif",
        "sarif/sarif-sdk__BinSkim__Corrupted_Native_x86_VS2013_Default.exe.sarif",
        "sarif/defectdojo__spotbugs.sarif",
    ] {
        let Some(r) = load(rel) else { return };
        match &r.status {
            ScanStatus::Failed { reasons } => assert!(!reasons.is_empty(), "{rel}"),
            s => panic!("{rel}: {s:?}"),
        }
    }
    let Some(r) = load("sarif/codacy-cli__eslint-failed-run__expected.sarif") else {
        return;
    };
    assert!(format!("{:?}", r.status).contains("Parsing error"));
}

#[test]
fn uris_real_files() {
    let Some(r) = load("sarif/defectdojo__dependency_check.sarif") else {
        return;
    };
    assert!(r
        .findings
        .iter()
        .all(|f| f.location.file().is_some_and(|p| p.starts_with("/src/"))));
    let Some(r) = load("sarif/codeql-action__with-invalid-uri.sarif") else {
        return;
    };
    assert_eq!(r.findings[0].location.file(), Some("not a valid URI"));
    let Some(r) = load("sarif/defectdojo__appendix_k3.sarif") else {
        return;
    };
    assert!(matches!(r.findings[0].location, Location::Resource { .. }));
    let Some(r) = load("sarif/defectdojo__dockle_0_3_15.sarif") else {
        return;
    };
    assert!(r.findings.iter().all(|f| f.location == Location::None));
}

#[test]
fn security_severity_words_and_strings() {
    let Some(r) = load("sarif/defectdojo__semgrep-1.69.0__issue_10191.json") else {
        return;
    };
    assert!(r.findings.iter().any(|f| f.severity == Severity::Critical));
    assert!(r.findings.iter().all(|f| f.severity != Severity::Unknown));
    assert!(r
        .findings
        .iter()
        .any(|f| f.identifiers.contains(&Identifier::Cwe(346))));
    let Some(r) = load("sarif/defectdojo__cxf-3.4.6.sarif") else {
        return;
    };
    assert_eq!(r.category, Some(Category::DependencyScanning));
    assert!(r.findings.iter().all(|f| f.cves().count() == 1
        || f.identifiers
            .iter()
            .any(|i| matches!(i, Identifier::Ghsa(_)))));
}

#[test]
fn gosec_cwe_from_taxonomy_relationships() {
    let Some(r) = load("sarif/amadeus-gh-app-auth__gosec-dev__gosec.sarif") else {
        return;
    };
    assert!(r.findings.iter().all(|f| f.cwes().next().is_some()));
}

#[test]
fn producer_severity_words_beat_the_sarif_level() {
    // gosec: `level` is error/warning, its own severity is a rule tag.
    let Some(r) = load("sarif/amadeus-gh-app-auth__gosec-dev__gosec.sarif") else {
        return;
    };
    for f in &r.findings {
        let want = match f.rule_id.as_deref() {
            Some("G104") => Severity::Low,
            Some("G301") | Some("G304") => Severity::Medium,
            other => panic!("unexpected rule {other:?}"),
        };
        assert_eq!(f.severity, want, "{:?}", f.rule_id);
    }
    // OWASP dependency-check: `properties.severity` when it has one (3
    // medium, 1 low), else the level (error: high).
    let Some(r) = load("sarif/defectdojo__dependency_check.sarif") else {
        return;
    };
    let count = |s| r.findings.iter().filter(|f| f.severity == s).count();
    assert_eq!(
        (
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::High)
        ),
        (3, 1, 9)
    );
}

#[test]
fn trivy_sarif_is_container_scanning_with_packages() {
    let Some(r) = load("sarif/trivy__alpine-310.sarif.golden") else {
        return;
    };
    for f in &r.findings {
        assert_eq!(f.category, Category::ContainerScanning);
        assert!(f.location.package().is_some(), "{f:?}");
        assert_eq!(f.cves().count(), 1);
    }
    let Some(r) = load("sarif/trivy-2021-07__alpine-310.sarif.golden") else {
        return;
    };
    assert!(r.findings.iter().all(|f| f.cves().count() == 1));
}

#[test]
fn zap_real_reports() {
    let Some(r) = load("zap/zap-extensions__basic-traditional-json.json") else {
        return;
    };
    assert_eq!(r.scanners[0].version.as_deref(), Some("Dev Build"));
    assert!(r.findings.iter().all(|f| f.severity == Severity::High));
    let Some(r) = load("zap/bcgov-pipeline-templates-2024-04__zap-2.14.0__report_json.json") else {
        return;
    };
    assert_eq!(r.scanners[0].name, "ZAP");
    assert!(r
        .findings
        .iter()
        .all(|f| matches!(f.location, Location::Dast { .. })));
    assert!(
        r.findings
            .iter()
            .filter(|f| f.identifiers.contains(&Identifier::Cwe(352)))
            .count()
            >= 4
    );
    assert!(r.findings.iter().all(|f| !f
        .description
        .as_deref()
        .unwrap_or_default()
        .contains("<p>")));
    assert!(r.findings.iter().any(|f| !f.links.is_empty()));
    let Some(r) = load("zap/heimdall2__zap-2.7.0__webgoat.json") else {
        return;
    };
    let sev: std::collections::BTreeSet<Severity> = r.findings.iter().map(|f| f.severity).collect();
    assert!(
        sev.contains(&Severity::High) && sev.contains(&Severity::Info),
        "{sev:?}"
    );
}

#[test]
fn gitleaks_real_reports() {
    let Some(r) = load("gitleaks/gitleaks__json_simple.json") else {
        return;
    };
    assert_eq!(
        r.findings[0].location,
        Location::Secret {
            file: "auth.py".into(),
            line: Some(1),
            commit: None,
            // gitleaks 8's `Secret`, hashed.
            digest: Some(SecretDigest::of("a secret")),
        }
    );
    let Some(r) = load("gitleaks/defectdojo__gitleaks8_many.json") else {
        return;
    };
    assert!(r
        .findings
        .iter()
        .all(|f| f.severity == Severity::Critical && f.rule_id.is_some()));
    assert!(
        matches!(&r.findings[0].location, Location::Secret { commit: Some(c), .. } if c.len() == 64)
    );
}
