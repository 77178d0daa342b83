//! Trivy JSON: one test per quirk, with small fixtures of our own.

use secgate_core::finding::FixStatus;
use secgate_core::{Category, Format, Identifier, Location, Package, Report, Severity};
use secgate_reports::{parse, parse_with, ParseError, ParseOptions};

fn ok(json: &str) -> Report {
    match parse(json.as_bytes()) {
        Ok(r) => {
            assert_eq!(r.format, Format::TrivyJson);
            r
        }
        Err(e) => panic!("{e}"),
    }
}

const IMAGE: &str = r#"{"SchemaVersion": 2, "Trivy": {"Version": "0.50.1"},
  "ArtifactName": "registry.example.com/app:1.0", "ArtifactType": "container_image",
  "Metadata": {"OS": {"Family": "centos", "Name": "7.6.1810"}, "ImageConfig": {"config": {}}},
  "Results": [
    {"Target": "registry.example.com/app:1.0 (centos 7.6.1810)", "Class": "os-pkgs", "Type": "centos",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2019-1559", "PkgName": "openssl-libs", "InstalledVersion": "1:1.0.2k-16.el7",
        "FixedVersion": "1:1.0.2k-19.el7", "Status": "fixed", "Severity": "MEDIUM",
        "PkgIdentifier": {"PURL": "pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?epoch=1", "UID": "x"},
        "CweIDs": ["CWE-203"], "VendorIDs": ["RHSA-2019:2304"], "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2019-1559",
        "References": ["https://avd.aquasec.com/nvd/cve-2019-1559", "https://access.redhat.com/errata/RHSA-2019:2304"],
        "Title": "openssl: 0-byte record padding oracle", "Description": "If an application...",
        "Layer": {"DiffID": "sha256:x"}, "DataSource": {"ID": "redhat"}, "PublishedDate": "2019-02-27T23:29:00Z"}
     ]},
    {"Target": "app/lib/log4j-core-2.14.1.jar", "Class": "lang-pkgs", "Type": "jar",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2021-44228", "PkgName": "org.apache.logging.log4j:log4j-core",
        "PkgPath": "app/lib/log4j-core-2.14.1.jar", "InstalledVersion": "2.14.1",
        "FixedVersion": "2.15.0, 2.3.1, 2.12.2", "Status": "fixed", "Severity": "CRITICAL",
        "CVSS": {"nvd": {"V3Score": 10, "V3Vector": "CVSS:3.1/AV:N"}}}
     ]},
    {"Target": "Java", "Class": "lang-pkgs", "Type": "jar"}
  ]}"#;

#[test]
fn image_scan_maps_every_field() {
    let r = ok(IMAGE);
    assert_eq!(r.category, Some(Category::ContainerScanning));
    assert_eq!(r.format_version.as_deref(), Some("2"));
    assert_eq!(r.scanners[0].id, "trivy");
    assert_eq!(r.scanners[0].version.as_deref(), Some("0.50.1"));
    assert_eq!(r.findings.len(), 2);
    let f = &r.findings[0];
    assert_eq!(f.category, Category::ContainerScanning);
    assert_eq!(
        f.location,
        Location::Container {
            image: "registry.example.com/app:1.0".into(),
            operating_system: Some("centos 7.6.1810".into()),
            package: Package {
                name: "openssl-libs".into(),
                version: Some("1:1.0.2k-16.el7".into()),
                purl: Some("pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?epoch=1".into()),
            }
        }
    );
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.original_severity.as_deref(), Some("MEDIUM"));
    assert_eq!(f.rule_id.as_deref(), Some("CVE-2019-1559"));
    assert_eq!(
        f.identifiers,
        vec![
            Identifier::Cve("CVE-2019-1559".into()),
            Identifier::Cwe(203),
            Identifier::Other {
                scheme: "rhsa".into(),
                value: "RHSA-2019:2304".into()
            }
        ]
    );
    assert_eq!(f.fix.fixed_versions, vec!["1:1.0.2k-19.el7"]);
    assert_eq!(f.fix.status, Some(FixStatus::Fixed));
    assert_eq!(f.title, "openssl: 0-byte record padding oracle");
    assert_eq!(f.links.len(), 2, "PrimaryURL is not repeated");
    assert_eq!(f.links[0].url, "https://avd.aquasec.com/nvd/cve-2019-1559");
    // A language package inside an image is container scanning, in that image.
    let g = &r.findings[1];
    assert_eq!(g.category, Category::ContainerScanning);
    assert_eq!(g.location.image(), Some("registry.example.com/app:1.0"));
    assert_eq!(g.fix.fixed_versions, vec!["2.15.0", "2.3.1", "2.12.2"]);
    assert_eq!(g.severity, Severity::Critical);
}

#[test]
fn filesystem_scan_gives_dependencies_misconfigurations_secrets_and_licenses() {
    let r = ok(
        r#"{"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
      "Results": [
        {"Target": "package-lock.json", "Class": "lang-pkgs", "Type": "npm",
         "Packages": [{"ID": "debug@3.0.1"}],
         "Vulnerabilities": [{"VulnerabilityID": "GHSA-9vvw-cc9w-f27h", "PkgName": "debug", "InstalledVersion": "3.0.1",
            "Severity": "LOW", "Status": "affected"}]},
        {"Target": "Dockerfile", "Class": "config", "Type": "dockerfile",
         "MisconfSummary": {"Successes": 20, "Failures": 1, "Exceptions": 1},
         "Misconfigurations": [
           {"Type": "Dockerfile Security Check", "ID": "DS002", "AVDID": "AVD-DS-0002", "Title": "Image user should not be 'root'",
            "Message": "Specify at least 1 USER command", "Description": "Run as non-root.", "Resolution": "Add USER",
            "Severity": "HIGH", "Status": "FAIL", "PrimaryURL": "https://avd.aquasec.com/misconfig/ds002",
            "CauseMetadata": {"Provider": "Dockerfile", "StartLine": 3, "EndLine": 4, "Code": {"Lines": [
              {"Number": 2, "Content": "FROM alpine", "IsCause": false},
              {"Number": 3, "Content": "RUN x", "IsCause": true, "Highlighted": "\u001b[38;5;33mRUN\u001b[0m x"},
              {"Number": 4, "Content": "\u001b[0mCMD y", "IsCause": true}]}}},
           {"ID": "DS001", "Title": "passed", "Severity": "LOW", "Status": "PASS"},
           {"ID": "DS005", "Title": "waived", "Severity": "LOW", "Status": "EXCEPTION"}]},
        {"Target": "deploy.sh", "Class": "secret",
         "Secrets": [{"RuleID": "github-pat", "Category": "GitHub", "Severity": "CRITICAL", "Title": "GitHub Personal Access Token",
           "StartLine": 7, "EndLine": 7, "Match": "export TOKEN=ghp_R8dJ2kQ9wLx3mT7vN1pZ5sY4hC6fB0aE8gUi",
           "Code": {"Lines": [{"Number": 6, "Content": "OTHER=ghp_R8dJ2kQ9wLx3mT7vN1pZ5sY4hC6fB0aE8gUj"}]}}]},
        {"Target": "Loose File License(s)", "Class": "license-file",
         "Licenses": [{"Severity": "HIGH", "Category": "restricted", "PkgName": "", "FilePath": "LICENSE", "Name": "GPL-3.0", "Confidence": 1, "Link": ""}]},
        {"Target": "Node.js", "Class": "license",
         "Licenses": [{"Severity": "LOW", "Category": "notice", "PkgName": "debug", "FilePath": "", "Name": "MIT", "Confidence": 1, "Link": ""}]}
      ]}"#,
    );
    let cats: Vec<_> = r.findings.iter().map(|f| f.category.clone()).collect();
    assert_eq!(
        cats,
        [
            Category::DependencyScanning,
            Category::Misconfiguration,
            Category::SecretDetection,
            Category::License,
            Category::License
        ]
    );
    assert_eq!(r.category, None, "mixed filesystem scan");
    let dep = &r.findings[0];
    assert_eq!(
        dep.location,
        Location::Dependency {
            file: Some("package-lock.json".into()),
            package: Package {
                name: "debug".into(),
                version: Some("3.0.1".into()),
                purl: None
            }
        }
    );
    assert!(matches!(dep.identifiers[0], Identifier::Ghsa(_)));
    assert_eq!(dep.fix.status, Some(FixStatus::Affected));
    assert!(!dep.fix.is_fixable());
    let m = &r.findings[1];
    assert_eq!(m.rule_id.as_deref(), Some("AVD-DS-0002"));
    assert_eq!(
        m.location,
        Location::Source {
            file: "Dockerfile".into(),
            start_line: Some(3),
            end_line: Some(4),
            snippet: Some("RUN x\nCMD y".into())
        }
    );
    assert_eq!(m.solution.as_deref(), Some("Add USER"));
    assert!(m
        .description
        .as_deref()
        .unwrap()
        .starts_with("Specify at least 1 USER command"));
    let s = &r.findings[2];
    assert_eq!(
        s.location,
        Location::Secret {
            file: "deploy.sh".into(),
            line: Some(7),
            commit: None,
            // Trivy redacts the match: no digest, the fingerprint of before.
            digest: None,
        }
    );
    assert_eq!(s.rule_id.as_deref(), Some("github-pat"));
    // Without a digest the key is rule, `secret`, path, as in every earlier
    // version: a different secret at that place is not told apart.
    assert_eq!(
        secgate_core::fingerprint::stable_key(s),
        ["github-pat", "secret", "deploy.sh"]
    );
    assert_eq!(s.severity, Severity::Critical);
    let everything = format!("{r:?} {}", serde_json::to_string(&r).unwrap());
    assert!(
        !everything.contains("ghp_R8dJ2kQ9wLx3mT7vN1pZ5sY4hC6fB0aE8gU"),
        "a token leaked"
    );
    assert_eq!(r.findings[3].location.file(), Some("LICENSE"));
    assert_eq!(r.findings[3].rule_id.as_deref(), Some("GPL-3.0"));
    assert_eq!(r.findings[3].severity, Severity::High);
    assert_eq!(r.findings[4].location.package().unwrap().name, "debug");
}

#[test]
fn unknown_severity_falls_back_to_vendor_then_cvss() {
    let r = ok(
        r#"{"SchemaVersion": 2, "ArtifactName": "x", "ArtifactType": "repository", "Results": [
      {"Target": "go.mod", "Class": "lang-pkgs", "Type": "gomod", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2020-0001", "PkgName": "a", "Severity": "UNKNOWN", "VendorSeverity": {"ghsa": 4, "nvd": 2}},
        {"VulnerabilityID": "CVE-2020-0002", "PkgName": "a", "Severity": "UNKNOWN", "VendorSeverity": {"ghsa": 1, "redhat": 3}},
        {"VulnerabilityID": "CVE-2020-0003", "PkgName": "a", "Severity": "UNKNOWN", "VendorSeverity": null,
         "CVSS": {"redhat": {"V3Score": 9.8}, "nvd": {"V2Score": 5.0, "V3Score": 7.5}}},
        {"VulnerabilityID": "CVE-2020-0004", "PkgName": "a", "CVSS": {"ghsa": {"V40Score": 9.3, "V3Score": 5.0}}},
        {"VulnerabilityID": "CVE-2020-0005", "PkgName": "a", "Severity": "UNKNOWN", "CVSS": {"nvd": {"V2Vector": "AV:N"}}},
        {"VulnerabilityID": "CVE-2020-0006", "PkgName": "a", "Severity": "LOW", "VendorSeverity": {"nvd": 4}}
      ]}]}"#,
    );
    let sev: Vec<_> = r.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        sev,
        [
            Severity::Medium,
            Severity::High,
            Severity::High,
            Severity::Critical,
            Severity::Unknown,
            Severity::Low
        ]
    );
    assert_eq!(r.findings[0].original_severity.as_deref(), Some("UNKNOWN"));
    assert_eq!(r.category, Some(Category::DependencyScanning));
}

#[test]
fn absent_and_null_results_and_vulnerabilities_are_clean() {
    for json in [
        r#"{"SchemaVersion": 2, "ArtifactName": "hello-world", "ArtifactType": "container_image", "Metadata": {}}"#,
        r#"{"SchemaVersion": 2, "ArtifactName": "hello-world", "ArtifactType": "container_image", "Results": null}"#,
        r#"{"SchemaVersion": 2, "ArtifactName": "a", "ArtifactType": "container_image",
            "Results": [{"Target": "a (debian 12)", "Class": "os-pkgs", "Vulnerabilities": null},
                        {"Target": "b", "Class": "lang-pkgs"}]}"#,
    ] {
        let r = ok(json);
        assert!(r.findings.is_empty());
        assert!(r.status.succeeded());
        assert_eq!(r.category, Some(Category::ContainerScanning));
    }
    // The pre-0.20 `null` is clean only with a hint.
    assert!(matches!(parse(b"null"), Err(ParseError::Null)));
    let opts = ParseOptions {
        format_hint: Some(Format::TrivyJson),
        ..Default::default()
    };
    let r = parse_with(b"null", &opts).unwrap();
    assert_eq!(r.format, Format::TrivyJson);
    assert!(r.findings.is_empty());
}

#[test]
fn legacy_list_layout() {
    let r = ok(r#"[
      {"Target": "alpine:3.10 (alpine 3.10.2)", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl", "InstalledVersion": "1.1.1c-r0", "FixedVersion": "1.1.1d-r0", "Severity": "MEDIUM"}]},
      {"Target": "node-app/package-lock.json", "Type": "npm", "Vulnerabilities": [
        {"VulnerabilityID": "NSWG-ECO-428", "PkgName": "lodash", "InstalledVersion": "4.17.4", "Severity": "HIGH"}]},
      {"Target": "php-app/composer.lock", "Type": "composer", "Vulnerabilities": null}
    ]"#);
    assert_eq!(r.findings.len(), 2);
    assert_eq!(
        r.findings[0].location,
        Location::Container {
            image: "alpine:3.10".into(),
            operating_system: Some("alpine 3.10.2".into()),
            package: Package {
                name: "openssl".into(),
                version: Some("1.1.1c-r0".into()),
                purl: None
            }
        }
    );
    assert_eq!(r.findings[1].category, Category::DependencyScanning);
    assert_eq!(
        r.findings[1].location.file(),
        Some("node-app/package-lock.json")
    );
    assert_eq!(
        r.findings[1].identifiers,
        vec![Identifier::Other {
            scheme: "nswg".into(),
            value: "NSWG-ECO-428".into()
        }]
    );
    assert_eq!(r.category, None);
}

#[test]
fn k8s_old_and_new_shapes_carry_the_resource() {
    let old = ok(r#"{"ClusterName": "prod",
      "Vulnerabilities": [{"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": [
        {"Target": "docker.io/redis:6.0.5 (debian 10.4)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [
          {"VulnerabilityID": "CVE-2020-27350", "PkgName": "apt", "InstalledVersion": "1.8.2.1", "Severity": "MEDIUM", "Title": "apt: overflow"}]},
        {"Target": "usr/local/bin/gosu", "Class": "lang-pkgs", "Type": "gobinary", "Vulnerabilities": [
          {"VulnerabilityID": "CVE-2021-0001", "PkgName": "stdlib", "InstalledVersion": "1.18", "Severity": "HIGH"}]}]}],
      "Misconfigurations": [{"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": [
        {"Target": "Deployment/web", "Class": "config", "Type": "kubernetes", "Misconfigurations": [
          {"ID": "KSV001", "AVDID": "AVD-KSV-0001", "Title": "Process can elevate its own privileges", "Severity": "MEDIUM", "Status": "FAIL",
           "CauseMetadata": {"StartLine": 10, "EndLine": 20}},
          {"ID": "KSV002", "Title": "ok", "Severity": "MEDIUM", "Status": "PASS"}]}]}]}"#);
    assert_eq!(old.findings.len(), 3);
    let v = &old.findings[0];
    assert_eq!(v.location.image(), Some("docker.io/redis:6.0.5"));
    assert!(v.title.ends_with("[default/Deployment/web]"), "{}", v.title);
    assert_eq!(
        old.findings[1].location.image(),
        Some("docker.io/redis:6.0.5")
    );
    assert_eq!(old.findings[1].category, Category::ContainerScanning);
    assert_eq!(
        old.findings[2].location,
        Location::Resource {
            kind: Some("Deployment".into()),
            name: "default/Deployment/web".into()
        }
    );
    assert_eq!(old.category, None);

    let new = ok(r#"{"ClusterName": "", "Resources": [
      {"Namespace": "kube-system", "Kind": "Service", "Name": "dns", "Metadata": {"ImageConfig": {}}, "Results": [
        {"Target": "Service/dns", "Class": "config", "Type": "kubernetes", "Misconfigurations": [
          {"ID": "KSV116", "AVDID": "AVD-KSV-0116", "Title": "root GID", "Severity": "LOW", "Status": "FAIL",
           "CauseMetadata": {"Code": {"Lines": null}}}]}]},
      {"Namespace": "kube-system", "Kind": "Pod", "Name": "empty", "Results": null}]}"#);
    assert_eq!(new.findings.len(), 1);
    assert_eq!(new.category, Some(Category::Misconfiguration));
    assert_eq!(
        new.findings[0].location,
        Location::Resource {
            kind: Some("Service".into()),
            name: "kube-system/Service/dns".into()
        }
    );
}

#[test]
fn modified_findings_are_kept_as_suppressed() {
    let r = ok(
        r#"{"SchemaVersion": 2, "ArtifactName": "package-lock.json", "ArtifactType": "filesystem",
      "Results": [{"Target": "package-lock.json", "Class": "lang-pkgs", "Type": "npm",
        "Vulnerabilities": [{"VulnerabilityID": "CVE-2017-20165", "PkgName": "debug", "InstalledVersion": "3.0.1", "Severity": "HIGH"}],
        "ExperimentalModifiedFindings": [{"Type": "vulnerability", "Status": "not_affected",
          "Statement": "vulnerable_code_not_in_execute_path", "Source": "./vex.json",
          "Finding": {"VulnerabilityID": "CVE-2017-16137", "PkgName": "debug", "InstalledVersion": "3.0.1",
            "FixedVersion": "2.6.9, 3.1.0", "Status": "fixed", "Severity": "LOW"}}]}]}"#,
    );
    assert_eq!(r.findings.len(), 2);
    assert!(!r.findings[0].suppressed);
    let s = &r.findings[1];
    assert!(s.suppressed);
    assert_eq!(s.rule_id.as_deref(), Some("CVE-2017-16137"));
    assert_eq!(s.category, Category::DependencyScanning);
    assert_eq!(s.fix.fixed_versions, vec!["2.6.9", "3.1.0"]);
    assert_eq!(r.notes.len(), 1);
    assert!(r.notes[0].contains("./vex.json") && r.notes[0].contains("not_affected"));
    assert_ne!(r.findings[0].fingerprint, s.fingerprint);
}

#[test]
fn wrong_types_are_shape_errors_with_positions() {
    let cases: &[(&str, usize)] = &[
        ("{\"SchemaVersion\": 2,\n \"Results\": {}}", 2),
        ("{\"SchemaVersion\": 2, \"Results\": [\n {\"Target\": \"a\", \"Vulnerabilities\": {\"x\": 1}}]}", 2),
        ("{\"SchemaVersion\": 2, \"Results\": [{\"Target\": \"a\",\n \"Vulnerabilities\": [{\"PkgName\": [\"x\"]}]}]}", 2),
        ("{\"SchemaVersion\": 2, \"Results\": [{\"Target\": \"a\", \"Vulnerabilities\": [\n\n {\"CVSS\": [1]}]}]}", 3),
        ("{\"SchemaVersion\": 2, \"Results\": [{\"Target\": \"a\", \"Vulnerabilities\": [{\"VendorSeverity\": {\"nvd\": \"high\"}}]}]}", 1),
        ("{\"SchemaVersion\": 2, \"Results\": [{\"Target\": {\"a\": 1}}]}", 1),
        ("{\"ClusterName\": \"x\", \"Resources\": [{\"Results\": 5}]}", 1),
    ];
    for (json, line) in cases {
        let e = parse(json.as_bytes()).unwrap_err();
        assert!(
            matches!(
                e,
                ParseError::Shape {
                    format: Format::TrivyJson,
                    ..
                }
            ),
            "{json}: {e:?}"
        );
        assert_eq!(e.position().expect("a position").0, *line, "{json}: {e}");
    }
}

#[test]
fn unsupported_schema_version_is_rejected() {
    let e = parse(br#"{"SchemaVersion": 3, "ArtifactName": "x", "Results": []}"#).unwrap_err();
    assert!(
        matches!(
            e,
            ParseError::Unsupported {
                format: Format::TrivyJson,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("SchemaVersion 3"));
}

#[test]
fn custom_results_and_empty_targets_are_not_findings() {
    let r = ok(
        r#"{"SchemaVersion": 2, "ArtifactName": "spring4shell/jre8", "ArtifactType": "container_image",
      "Results": [{"Target": "", "Class": "custom", "CustomResources": [{"Type": "spring4shell/java-major-version", "Data": "1.8.0"}]}]}"#,
    );
    assert!(r.findings.is_empty());
}
