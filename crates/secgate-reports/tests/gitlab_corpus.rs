//! Field-level checks of real GitLab reports from the shared corpus (the
//! counts of every file are in `tests/expect/gitlab-*.tsv`).

use secgate_core::{Category, Confidence, Identifier, Location, Report, SecretDigest};
use secgate_reports::{parse, parse_with, ParseError, ParseOptions};
use std::path::Path;

mod common;
use common::corpus_dir;

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn load(dir: &Path, rel: &str) -> Report {
    parse(&read(dir, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn coverage_fuzzing_filed_as_dast_is_read_as_what_it_is() {
    let Some(dir) = corpus_dir() else { return };
    let rel = "gitlab-dast/defectdojo-wrong-type__gitlab_api_fuzzing_1_vuln_v15.json";
    let r = load(&dir, rel);
    assert_eq!(r.category, Some(Category::CoverageFuzzing));
    assert_eq!(r.findings.len(), 1);
    assert!(matches!(r.findings[0].location, Location::Resource { .. }));
    let opts = ParseOptions {
        expected: Some(Category::Dast),
        ..Default::default()
    };
    assert!(matches!(
        parse_with(&read(&dir, rel), &opts),
        Err(ParseError::WrongType { .. })
    ));
}

#[test]
fn sast_output_in_a_dependency_scanning_artifact_is_a_wrong_type() {
    let Some(dir) = corpus_dir() else { return };
    let rel = "gitlab-dependency-scanning/safedep-vet__gl-dependency-scanning-report.json";
    let r = load(&dir, rel);
    assert_eq!(r.category, Some(Category::Sast));
    assert_eq!(
        r.scanners[0].id, "vet",
        "the report scanner, not the empty per-finding one"
    );
    assert!(r.findings.iter().all(|f| f.scanner.id == "vet"));
    let opts = ParseOptions {
        expected: Some(Category::DependencyScanning),
        ..Default::default()
    };
    let e = parse_with(&read(&dir, rel), &opts).unwrap_err();
    assert!(matches!(e, ParseError::WrongType { .. }), "{e:?}");
}

#[test]
fn confidence_values_including_the_misspelt_one() {
    let Some(dir) = corpus_dir() else { return };
    let r = load(
        &dir,
        "gitlab-sast/defectdojo__gl-sast-report-confidence_v14.json",
    );
    let got: Vec<Confidence> = r.findings.iter().map(|f| f.confidence).collect();
    // null, "Ignore", "Unkown", "Experimental", "Low", "Medium", "High", "Confirmed"
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            Confidence::Unknown,
            Confidence::Unknown,
            Confidence::Ignore,
            Confidence::Experimental,
            Confidence::Low,
            Confidence::Medium,
            Confidence::High,
            Confidence::Confirmed
        ]
    );
}

#[test]
fn mixed_type_cwe_values() {
    let Some(dir) = corpus_dir() else { return };
    let r = load(&dir, "gitlab-sast/defectdojo__gl-sast-report-cwe_v14.json");
    let ids: Vec<&Identifier> = r.findings.iter().flat_map(|f| &f.identifiers).collect();
    assert!(ids.contains(&&Identifier::Cwe(79)));
    assert!(ids.contains(&&Identifier::Cwe(89)), "89 as a JSON number");
    assert!(ids.contains(&&Identifier::Other {
        scheme: "cwe".into(),
        value: "node_nosqli_injection".into()
    }));
}

#[test]
fn secret_detection_reports_never_carry_the_secret() {
    let Some(dir) = corpus_dir() else { return };
    for rel in [
        "gitlab-secret-detection/defectdojo__gitlab_secret_detection_report_1_vuln_v14.json",
        "gitlab-secret-detection/defectdojo__gitlab_secret_detection_report_3_vuln_v14.json",
    ] {
        let bytes = read(&dir, rel);
        let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let extracts: Vec<String> = raw["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["raw_source_code_extract"].as_str().map(str::to_string))
            .filter(|s| s.len() >= 8)
            .collect();
        assert!(!extracts.is_empty(), "{rel} has extracts");
        let r = parse(&bytes).unwrap();
        let out = format!("{r:?}{}", serde_json::to_string(&r).unwrap());
        for x in extracts {
            assert!(!out.contains(&x), "{rel}: the extract leaked");
        }
        for f in &r.findings {
            assert!(
                matches!(f.location, Location::Secret { commit: None, .. }),
                "{rel}: zero commit is not a commit: {:?}",
                f.location
            );
        }
    }
}

/// GitLab's analyzer writes the secret as `raw_source_code_extract` and its
/// full SHA-256 inside the compound `cve` key (`file:sha256:rule`): the
/// digest taken from the extract is the first 16 digits of that hash, so the
/// two sources agree, and it is what `secgate-secrets` would print.
#[test]
fn secret_digest_is_the_extract_hash_gitlab_also_writes_in_cve() {
    let Some(dir) = corpus_dir() else { return };
    for rel in [
        "gitlab-secret-detection/defectdojo__gitlab_secret_detection_report_1_vuln_v15.json",
        "gitlab-secret-detection/defectdojo__gitlab_secret_detection_report_3_vuln_v14.json",
    ] {
        let bytes = read(&dir, rel);
        let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let r = parse(&bytes).unwrap();
        let vulns = raw["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), r.findings.len());
        for (v, f) in vulns.iter().zip(&r.findings) {
            let extract = v["raw_source_code_extract"].as_str().unwrap();
            let cve_hash = v["cve"].as_str().unwrap().split(':').nth(1).unwrap();
            let Location::Secret {
                digest: Some(d), ..
            } = &f.location
            else {
                panic!("{rel}: no digest: {:?}", f.location)
            };
            assert_eq!(*d, SecretDigest::of(extract), "{rel}");
            assert_eq!(d.as_str(), &cve_hash[..16], "{rel}");
        }
    }
}

#[test]
fn container_report_maps_image_os_package_and_fix() {
    let Some(dir) = corpus_dir() else { return };
    let r = load(
        &dir,
        "gitlab-container-scanning/gl-cs-analyzer__schema-14__trivy-alpine.json",
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.cves().any(|c| c == "CVE-2018-14618"))
        .unwrap();
    match &f.location {
        Location::Container {
            image,
            operating_system,
            package,
        } => {
            assert!(image.starts_with("registry.gitlab.com/caneldem/trivy-test/"));
            assert_eq!(operating_system.as_deref(), Some("alpine 3.7.1"));
            assert_eq!(package.name, "curl");
            assert_eq!(package.version.as_deref(), Some("7.61.0-r0"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.fix.fixed_versions, vec!["7.61.1-r0"]);
    assert_eq!(r.scanners[0].version.as_deref(), Some("0.19.2"));
}
