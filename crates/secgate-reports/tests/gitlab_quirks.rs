//! GitLab security reports: one test per quirk, with small fixtures of our own.

use secgate_core::{
    Category, Confidence, Format, Identifier, Location, Report, ScanStatus, SecretDigest, Severity,
};
use secgate_reports::{parse, parse_with, ParseError, ParseOptions};

fn ok(json: &str) -> Report {
    match parse(json.as_bytes()) {
        Ok(r) => {
            assert_eq!(r.format, Format::GitlabSecurity);
            r
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn zero_findings_is_an_empty_successful_report() {
    let r = ok(r#"{"version": "15.0.4", "vulnerabilities": [],
        "scan": {"type": "sast", "status": "success", "start_time": ":SKIP:", "end_time": "",
          "scanner": {"id": "semgrep", "name": "Semgrep", "version": ":SKIP:", "vendor": {"name": "GitLab"}},
          "analyzer": {"id": "semgrep", "name": "Semgrep"}}}"#);
    assert!(r.findings.is_empty());
    assert!(r.status.succeeded());
    assert_eq!(r.category, Some(Category::Sast));
    assert_eq!(r.format_version.as_deref(), Some("15.0.4"));
    assert_eq!(r.scanners.len(), 1);
    assert_eq!(r.scanners[0].id, "semgrep");
    assert_eq!(r.scanners[0].version, None, ":SKIP: is not a version");
    assert_eq!(r.scanners[0].vendor.as_deref(), Some("GitLab"));
}

#[test]
fn scan_status_failure_is_a_failed_scan() {
    let r = ok(r#"{"version": "15.0.0", "vulnerabilities": [],
        "scan": {"type": "dependency_scanning", "status": "failure",
          "messages": [{"level": "fatal", "value": "no lock file found"}, {"value": "exit 2"}],
          "scanner": {"id": "gemnasium", "name": "Gemnasium"}}}"#);
    assert_eq!(
        r.status,
        ScanStatus::Failed {
            reasons: vec!["fatal: no lock file found".into(), "exit 2".into()]
        }
    );
    // Without messages it still fails, and says why.
    let r = ok(r#"{"vulnerabilities": [], "scan": {"type": "sast", "status": "failure"}}"#);
    match r.status {
        ScanStatus::Failed { reasons } => assert!(reasons[0].contains("failure")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_types_are_shape_errors_with_positions() {
    let cases: &[(&str, usize)] = &[
        ("{\"vulnerabilities\": {}}", 1),
        (
            "{\"vulnerabilities\": [\n  {\"severity\": {\"x\": 1}}\n]}",
            2,
        ),
        ("{\"vulnerabilities\": [\n {\"identifiers\": \"cwe\"}]}", 2),
        (
            "{\"vulnerabilities\": [],\n\n \"scan\": {\"status\": [1]}}",
            3,
        ),
        ("{\"vulnerabilities\": [{\"location\": \"src/a.py\"}]}", 1),
        (
            "{\"vulnerabilities\": [{\"location\": {\"start_line\": 1, \"dependency\": 5}}]}",
            1,
        ),
        (
            "{\"vulnerabilities\": [{\"evidence\": {}, \"links\": [{\"url\": [\"x\"]}]}]}",
            1,
        ),
    ];
    for (json, line) in cases {
        let e = parse(json.as_bytes()).unwrap_err();
        assert!(
            matches!(
                e,
                ParseError::Shape {
                    format: Format::GitlabSecurity,
                    ..
                }
            ),
            "{json}: {e:?}"
        );
        let (l, c) = e.position().expect("a position");
        assert_eq!(l, *line, "{json}: {e}");
        assert!(c > 0);
    }
}

#[test]
fn severity_and_confidence_oddities() {
    let r = ok(
        r#"{"version": "3.0.0", "scan": {"type": "sast", "status": "success"}, "vulnerabilities": [
        {"name": "a", "severity": "Critical", "confidence": null, "location": {"file": "a.js", "start_line": 1}, "identifiers": []},
        {"name": "b", "severity": "Info", "confidence": "Unkown", "location": {"file": "a.js", "start_line": 2}, "identifiers": []},
        {"name": "c", "confidence": "Confirmed", "location": {"file": "a.js", "start_line": 3}, "identifiers": []},
        {"name": "d", "severity": "Unknown", "confidence": "Ignore", "location": {"file": "a.js"}, "identifiers": []}
    ]}"#,
    );
    let sev: Vec<_> = r.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        sev,
        [
            Severity::Critical,
            Severity::Info,
            Severity::Unknown,
            Severity::Unknown
        ]
    );
    assert_eq!(r.findings[0].original_severity.as_deref(), Some("Critical"));
    assert_eq!(r.findings[2].original_severity, None);
    let conf: Vec<_> = r.findings.iter().map(|f| f.confidence).collect();
    assert_eq!(
        conf,
        [
            Confidence::Unknown,
            Confidence::Unknown,
            Confidence::Confirmed,
            Confidence::Ignore
        ]
    );
}

#[test]
fn identifiers_numbers_and_non_numeric_cwe_and_rule_id() {
    let r = ok(r#"{"version": "3.0.0", "vulnerabilities": [{
        "category": "sast", "name": "SQL injection", "cve": "a.java:abc:find_sec_bugs_type-SQL",
        "severity": "High", "scanner": {"id": "find_sec_bugs", "name": "Find Security Bugs"},
        "location": {"file": "src/A.java", "start_line": 10, "end_line": 12, "class": "A", "method": "run"},
        "identifiers": [
            {"type": "cwe", "name": "CWE-89", "value": 89},
            {"type": "find_sec_bugs_type", "name": "SQL", "value": "SQL_INJECTION"},
            {"type": "cwe", "name": "x", "value": "node_nosqli_injection"},
            {"type": "owasp", "value": "A1:2017"},
            {"type": "cwe", "value": "79", "url": ""}
        ]}]}"#);
    let f = &r.findings[0];
    assert_eq!(f.rule_id.as_deref(), Some("SQL_INJECTION"));
    assert_eq!(
        f.identifiers,
        vec![
            Identifier::Cwe(89),
            Identifier::Other {
                scheme: "find_sec_bugs_type".into(),
                value: "SQL_INJECTION".into()
            },
            Identifier::Other {
                scheme: "cwe".into(),
                value: "node_nosqli_injection".into()
            },
            Identifier::Owasp("A1:2017".into()),
            Identifier::Cwe(79),
        ]
    );
    assert_eq!(
        f.location,
        Location::Source {
            file: "src/A.java".into(),
            start_line: Some(10),
            end_line: Some(12),
            snippet: None
        }
    );
    assert_eq!(f.scanner.id, "find_sec_bugs");
    assert_eq!(f.category, Category::Sast);
}

#[test]
fn secret_detection_never_keeps_the_extract_and_ignores_the_zero_commit() {
    let json = r#"{"version": "14.0.0", "scan": {"type": "secret_detection", "status": "success",
        "scanner": {"id": "gitleaks", "name": "Gitleaks", "version": "v7.5.0"}},
      "vulnerabilities": [
        {"id": "1", "name": "AWS", "severity": "Critical", "raw_source_code_extract": "AKIAQYLPMN5HFIQR7X2Z",
         "location": {"file": "README.md", "start_line": 5, "end_line": 5, "commit": {"date": "0001-01-01T00:00:00Z", "sha": "0000000"}},
         "identifiers": [{"type": "gitleaks_rule_id", "name": "Gitleaks rule ID AWS", "value": "AWS"}]},
        {"id": "2", "name": "AWS", "severity": "Critical", "raw_source_code_extract": "AKIAQYLPMN5HFIQR7X2Y",
         "location": {"file": "config/x.env", "start_line": 2, "commit": {"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "author": "x"}},
         "identifiers": [{"type": "gitleaks_rule_id", "value": "AWS"}]}
      ]}"#;
    let r = ok(json);
    assert_eq!(r.category, Some(Category::SecretDetection));
    assert_eq!(
        r.findings[0].location,
        Location::Secret {
            file: "README.md".into(),
            line: Some(5),
            commit: None,
            // Only the extract's digest is kept.
            digest: Some(SecretDigest::of("AKIAQYLPMN5HFIQR7X2Z")),
        }
    );
    assert_eq!(
        r.findings[1].location,
        Location::Secret {
            file: "config/x.env".into(),
            line: Some(2),
            commit: Some("4b825dc642cb6eb9a060e54bf8d69288fbee4904".into()),
            digest: Some(SecretDigest::of("AKIAQYLPMN5HFIQR7X2Y")),
        }
    );
    assert_eq!(r.findings[0].rule_id.as_deref(), Some("AWS"));
    let everything = format!("{r:?} {}", serde_json::to_string(&r).unwrap());
    assert!(
        !everything.contains("AKIAQYLPMN5HFIQR7X2"),
        "the secret leaked"
    );
}

/// The secret's digest comes from `details.secgate_secret_digest` (secgate's
/// own reports), else `raw_source_code_extract`, else the SHA-256 in a
/// compound `cve`; a redacted extract or none of them gives no digest; and
/// `details` or an extract of any shape is still no error.
#[test]
fn secret_digest_sources_in_order_and_odd_shapes() {
    let one = |fields: &str| -> Option<SecretDigest> {
        let json = format!(
            r#"{{"version": "15.0.4", "scan": {{"type": "secret_detection", "status": "success"}},
              "vulnerabilities": [{{"id": "1", "name": "key", "severity": "Critical",
                "location": {{"file": "a.env", "start_line": 2, "commit": {{"sha": "0000000"}}}},
                "identifiers": [{{"type": "gitleaks_rule_id", "value": "generic"}}] {fields}}}]}}"#
        );
        let r = parse(json.as_bytes()).unwrap_or_else(|e| panic!("{fields}: {e}"));
        match r.findings[0].location {
            Location::Secret { digest, .. } => digest,
            ref other => panic!("{other:?}"),
        }
    };
    let secret = "made-up-value-9f8e7d6c";
    let of = SecretDigest::of(secret);
    assert_eq!(
        one(&format!(r#", "raw_source_code_extract": "{secret}""#)),
        Some(of)
    );
    // The SHA-256 of "AKIAIOSFODNN7EXAMPLE" (GitLab's documentation key) in a `cve` key.
    let cve = r#", "cve": "README.md:1a5d44a2dca19669d72edf4c4f1c27c4c1ca4b4408fbb17f6ce4ad452d78ddb3:AWS""#;
    assert_eq!(one(cve), Some(SecretDigest::of("AKIAIOSFODNN7EXAMPLE")));
    let ours = r#", "details": {"secgate_secret_digest": {"name": "secgate secret digest", "type": "text", "value": "0123456789abcdef"}}"#;
    let ours_digest: SecretDigest = "0123456789abcdef".parse().unwrap();
    assert_eq!(one(ours), Some(ours_digest));
    // In order: secgate's detail, then the extract, then `cve`.
    assert_eq!(
        one(&format!(
            "{ours}, \"raw_source_code_extract\": \"{secret}\"{cve}"
        )),
        Some(ours_digest)
    );
    assert_eq!(
        one(&format!(r#", "raw_source_code_extract": "{secret}"{cve}"#)),
        Some(of)
    );
    // Nothing usable: no digest, no error.
    for fields in [
        "",
        r#", "raw_source_code_extract": "REDACTED""#,
        r#", "raw_source_code_extract": "****""#,
        r#", "raw_source_code_extract": """#,
        r#", "raw_source_code_extract": null"#,
        r#", "raw_source_code_extract": 12"#,
        r#", "raw_source_code_extract": ["x", {"y": 1}]"#,
        r#", "raw_source_code_extract": {"a": [1]}"#,
        r#", "cve": "a.env:not-a-hash:generic""#,
        r#", "details": []"#,
        r#", "details": ["x", 1, {"secgate_secret_digest": {"value": "0123456789abcdef"}}]"#,
        r#", "details": "text""#,
        r#", "details": null"#,
        r#", "details": {"secgate_secret_digest": "0123456789abcdef"}"#,
        r#", "details": {"secgate_secret_digest": {"value": "hunter2"}}"#,
        r#", "details": {"secgate_secret_digest": {"value": ["0123456789abcdef"]}}"#,
        r#", "details": {"other": {"type": "table", "rows": [[{"type": "text", "value": "x"}]]}}"#,
    ] {
        assert_eq!(one(fields), None, "{fields}");
    }
}

#[test]
fn dast_location_evidence_as_array_and_inline_zap_report() {
    let r = ok(
        r#"{"__comment__": "cut down", "@version": "D-2020-08-26", "@generated": "now",
      "spider": {"progress": "100"},
      "vulnerabilities": [{"id": "x", "cve": "10062", "severity": "High", "confidence": "High",
        "evidence": [], "discovered_at": "2021-04-23T15:46:40.615",
        "description": "The response contains PII.\nMore.",
        "location": {"hostname": "http://api-server", "method": "get", "param": "", "path": "/v1/trees?q=1"},
        "identifiers": [{"type": "ZAProxy_PluginId", "name": "PII Disclosure", "value": "10062"},
                        {"type": "CWE", "name": "CWE-359", "value": "359"}],
        "links": [{"url": "https://example.org/a"}, {"name": "b", "url": ""}]}]}"#,
    );
    let f = &r.findings[0];
    assert_eq!(f.category, Category::Dast);
    assert_eq!(r.category, Some(Category::Dast));
    assert_eq!(
        f.location,
        Location::Dast {
            url: "http://api-server/v1/trees?q=1".into(),
            method: Some("GET".into()),
            param: None
        }
    );
    assert_eq!(f.rule_id.as_deref(), Some("10062"));
    assert_eq!(
        f.title, "The response contains PII.",
        "no name: first line of the description"
    );
    assert!(f.identifiers.contains(&Identifier::Cwe(359)));
    assert_eq!(f.links.len(), 1);
    assert_eq!(f.links[0].url, "https://example.org/a");
}

#[test]
fn dependency_with_empty_package_and_remediation_versions() {
    let r = ok(
        r#"{"version": "15.0.0", "scan": {"type": "dependency_scanning", "status": "success",
        "scanner": {"id": "gemnasium", "name": "Gemnasium", "version": "2.24.1"}},
      "vulnerabilities": [
        {"id": "a", "name": "Unknown thing", "severity": "Unknown",
         "location": {"file": "go.sum", "dependency": {"package": {}}}, "identifiers": []},
        {"id": "b", "name": "XML Entity Expansion", "severity": "High",
         "solution": "Upgrade to version 2.2.3 or above.",
         "location": {"file": "service/go.sum", "dependency": {"package": {"name": "gopkg.in/yaml.v2"}, "version": "v2.2.2"}},
         "identifiers": [{"type": "gemnasium", "value": "7368f513"}, {"type": "cve", "value": "CVE-2019-11254"}]},
        {"id": "c", "name": "Prototype pollution", "severity": "Medium",
         "location": {"file": "package-lock.json", "dependency": {"package": {"name": "async"}, "version": "2.6.3"}},
         "identifiers": [{"type": "cve", "value": "CVE-2021-43138"}]}
      ],
      "remediations": [{"fixes": [{"id": "c"}], "summary": "Upgrade async to 2.6.4, 3.2.2", "diff": "ZGlmZg=="}]}"#,
    );
    assert_eq!(
        r.findings[0].location,
        Location::Dependency {
            file: Some("go.sum".into()),
            package: Default::default()
        }
    );
    let b = &r.findings[1];
    assert_eq!(b.fix.fixed_versions, vec!["2.2.3"]);
    assert_eq!(b.rule_id.as_deref(), Some("7368f513"));
    assert_eq!(b.primary_id().as_deref(), Some("CVE-2019-11254"));
    assert_eq!(b.scanner.version.as_deref(), Some("2.24.1"));
    let c = &r.findings[2];
    assert_eq!(c.fix.fixed_versions, vec!["2.6.4", "3.2.2"]);
    assert_eq!(c.solution.as_deref(), Some("Upgrade async to 2.6.4, 3.2.2"));
    assert!(c.fix.is_fixable());
}

#[test]
fn container_scanning_keeps_unknown_image_and_per_finding_scanner() {
    let r = ok(r#"{"version": "14.0.6", "vulnerabilities": [
        {"id": "CVE-2021-43138", "category": "container_scanning", "message": "Prototype Pollution in async",
         "cve": "CVE-2021-43138", "severity": "High", "scanner": {"id": "trivy", "name": "trivy"},
         "location": {"dependency": {"package": {"name": "async"}, "version": "2.6.3"},
                      "operating_system": "Unknown", "image": "Node.js"},
         "identifiers": [{"type": "cve", "value": "CVE-2021-43138"}], "links": [], "remediateMetadata": {"x": 1}}]}"#);
    let f = &r.findings[0];
    assert_eq!(r.category, Some(Category::ContainerScanning));
    assert_eq!(f.title, "Prototype Pollution in async");
    assert_eq!(f.location.image(), Some("Node.js"));
    assert_eq!(f.location.package().unwrap().name, "async");
    assert_eq!(f.scanner.id, "trivy");
    assert_eq!(f.source_id.as_deref(), Some("CVE-2021-43138"));
    assert_eq!(r.scanners.len(), 1);
}

#[test]
fn flags_keep_the_finding_and_leave_a_note() {
    let r = ok(
        r#"{"version": "15.0.4", "scan": {"type": "sast", "status": "success"}, "vulnerabilities": [
        {"id": ":SKIP:", "name": "Path traversal", "severity": "Medium", "location": {"file": "main.go", "start_line": 11},
         "identifiers": [{"type": "semgrep_id", "value": "gosec.G304-1"}],
         "flags": [{"type": "flagged-as-likely-false-positive", "origin": "vet", "description": "maybe"}],
         "tracking": {"type": "source", "items": []}}]}"#,
    );
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert!(!f.suppressed);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.source_id, None, ":SKIP: is not an id");
    assert_eq!(r.notes.len(), 1);
    assert!(
        r.notes[0].contains("likely false positive"),
        "{}",
        r.notes[0]
    );
    assert!(r.notes[0].contains("main.go:11"));
}

#[test]
fn category_inference_without_scan() {
    let cases = [
        (
            r#"{"image": "alpine:3", "dependency": {"package": {"name": "a"}, "version": "1"}}"#,
            Category::ContainerScanning,
        ),
        (
            r#"{"file": "go.sum", "dependency": {"package": {"name": "a"}, "version": "1"}}"#,
            Category::DependencyScanning,
        ),
        (
            r#"{"file": "a.env", "start_line": 1, "commit": {"sha": "abc"}}"#,
            Category::SecretDetection,
        ),
        (
            r#"{"file": "a.py", "start_line": 1, "dependency": {"package": {}}}"#,
            Category::Sast,
        ),
        (
            r#"{"hostname": "https://x", "path": "/", "method": "POST"}"#,
            Category::Dast,
        ),
        (
            r#"{"crash_type": "Index-out-of-range", "crash_state": "f\ng\n"}"#,
            Category::CoverageFuzzing,
        ),
    ];
    for (loc, cat) in cases {
        let r = ok(&format!(
            r#"{{"version": "14.0.0", "vulnerabilities": [{{"name": "x", "location": {loc}, "identifiers": []}}]}}"#
        ));
        assert_eq!(r.findings[0].category, cat, "{loc}");
        assert_eq!(r.category, Some(cat.clone()), "{loc}");
        assert!(!matches!(r.findings[0].location, Location::None), "{loc}");
    }
    // Mixed findings and no scan: no report category.
    let r = ok(r#"{"vulnerabilities": [
        {"name": "x", "location": {"file": "a.py", "start_line": 1}},
        {"name": "y", "location": {"image": "a:1", "dependency": {"package": {"name": "b"}}}}]}"#);
    assert_eq!(r.category, None);
}

#[test]
fn scan_type_wins_and_a_wrong_type_is_detected() {
    let fuzz = r#"{"version": "3.0", "scan": {"type": "coverage_fuzzing", "status": "success",
        "scanner": {"id": "libfuzzer", "name": "libfuzzer"}},
      "vulnerabilities": [{"id": "x", "name": "name", "cve": "", "severity": "Low",
        "location": {"crash_type": "Index-out-of-range", "crash_state": "pkg.Parse.func6\npkg.Parse\n", "stacktrace_snippet": "panic"},
        "identifiers": [{"type": "libFuzzer", "name": "Index-out-of-range", "value": "Index-out-of-range"}]}]}"#;
    let r = ok(fuzz);
    assert_eq!(r.category, Some(Category::CoverageFuzzing));
    assert_eq!(
        r.findings[0].location,
        Location::Resource {
            kind: Some("Index-out-of-range".into()),
            name: "pkg.Parse.func6".into()
        }
    );
    let opts = ParseOptions {
        expected: Some(Category::Dast),
        ..Default::default()
    };
    assert!(matches!(
        parse_with(fuzz.as_bytes(), &opts),
        Err(ParseError::WrongType { .. })
    ));
    let opts = ParseOptions {
        expected: Some(Category::CoverageFuzzing),
        ..Default::default()
    };
    assert!(parse_with(fuzz.as_bytes(), &opts).is_ok());
    // A registry scan type is container scanning.
    let r = ok(
        r#"{"vulnerabilities": [], "scan": {"type": "container_scanning_for_registry", "status": "success"}}"#,
    );
    assert_eq!(r.category, Some(Category::ContainerScanning));
}

#[test]
fn missing_vulnerabilities_is_not_a_clean_report() {
    let e = parse(br#"{"version": "3.0", "scan": {"type": "coverage_fuzzing", "status": "success"}, "remediations": []}"#)
        .unwrap_err();
    assert!(matches!(e, ParseError::Shape { .. }), "{e:?}");
    // `vulnerabilities: null` says nothing was reported: not a clean report either.
    let e = parse(br#"{"version": "15.0.0", "vulnerabilities": null}"#).unwrap_err();
    assert!(
        matches!(
            e,
            ParseError::UnknownFormat { .. } | ParseError::Shape { .. }
        ),
        "{e:?}"
    );
}
