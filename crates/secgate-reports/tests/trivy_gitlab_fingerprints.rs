//! The same CVE in the same package of the same image has one fingerprint,
//! whether it comes from Trivy JSON or from the GitLab container-scanning
//! report Trivy wrote for the same image (both files are from Trivy's own
//! integration test `alpine-310`, in the shared corpus).

use secgate_core::{Category, Finding, Fingerprint, Format};
use std::collections::BTreeMap;

mod common;
use common::corpus_dir;

/// (CVE, package) -> fingerprint, asserting each pair appears once.
fn by_cve_and_package(findings: &[Finding]) -> BTreeMap<(String, String), Fingerprint> {
    let mut m = BTreeMap::new();
    for f in findings {
        let cve = f
            .cves()
            .next()
            .expect("every finding here has a CVE")
            .to_string();
        let pkg = f
            .location
            .package()
            .expect("container finding")
            .name
            .clone();
        assert!(
            m.insert((cve.clone(), pkg.clone()), f.fingerprint)
                .is_none(),
            "{cve} in {pkg} twice"
        );
    }
    m
}

#[test]
fn trivy_json_and_gitlab_container_report_agree() {
    let Some(dir) = corpus_dir() else { return };
    let trivy_bytes = std::fs::read(dir.join("trivy/trivy__alpine-310.json.golden")).unwrap();
    let gitlab_bytes =
        std::fs::read(dir.join("gitlab-container-scanning/trivy__alpine-310.gitlab.golden"))
            .unwrap();
    let trivy = secgate_reports::parse(&trivy_bytes).unwrap();
    let gitlab = secgate_reports::parse(&gitlab_bytes).unwrap();
    assert_eq!(trivy.format, Format::TrivyJson);
    assert_eq!(gitlab.format, Format::GitlabSecurity);
    assert_eq!(trivy.category, Some(Category::ContainerScanning));
    assert_eq!(gitlab.category, Some(Category::ContainerScanning));

    // Same image spelled the same way in both (the tarball path), and the
    // Trivy OS comes from Metadata.OS.
    for f in &trivy.findings {
        assert_eq!(
            f.location.image(),
            Some("testdata/fixtures/images/alpine-310.tar.gz")
        );
    }
    let t = by_cve_and_package(&trivy.findings);
    let g = by_cve_and_package(&gitlab.findings);
    assert_eq!(t.len(), 4);
    assert_eq!(
        t.keys().collect::<Vec<_>>(),
        g.keys().collect::<Vec<_>>(),
        "both files list the same CVE/package pairs"
    );
    for (key, fp) in &t {
        assert_eq!(Some(fp), g.get(key), "fingerprint of {key:?} differs");
        assert_ne!(*fp, Fingerprint::ZERO);
    }
    // And they are distinct from each other.
    let mut all: Vec<_> = t.values().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
}

#[test]
fn image_spelling_is_normalised_across_formats() {
    // Trivy names a registry image as given on the command line; GitLab's
    // analyzer writes the fully qualified docker.io name.
    let trivy =
        br#"{"SchemaVersion": 2, "ArtifactName": "alpine:3.10", "ArtifactType": "container_image",
      "Metadata": {"OS": {"Family": "alpine", "Name": "3.10.2"}},
      "Results": [{"Target": "alpine:3.10 (alpine 3.10.2)", "Class": "os-pkgs", "Type": "alpine",
        "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl",
          "InstalledVersion": "1.1.1c-r0", "FixedVersion": "1.1.1d-r0", "Severity": "MEDIUM"}]}]}"#;
    let gitlab = br#"{"version": "15.0.7", "scan": {"type": "container_scanning", "status": "success",
      "scanner": {"id": "trivy", "name": "Trivy"}},
      "vulnerabilities": [{"id": "CVE-2019-1549", "name": "openssl: information disclosure in fork()",
        "severity": "High", "location": {"image": "docker.io/library/alpine:3.10",
        "operating_system": "alpine 3.10.2",
        "dependency": {"package": {"name": "openssl"}, "version": "1.1.1c-r0"}},
        "identifiers": [{"type": "cve", "name": "CVE-2019-1549", "value": "CVE-2019-1549"}]}]}"#;
    let t = secgate_reports::parse(trivy).unwrap();
    let g = secgate_reports::parse(gitlab).unwrap();
    assert_eq!(t.findings[0].fingerprint, g.findings[0].fingerprint);
    // Severity differs between the two, and is not part of the fingerprint.
    assert_ne!(t.findings[0].severity, g.findings[0].severity);
}
