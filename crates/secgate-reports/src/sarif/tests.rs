//! One test per SARIF quirk, each with a small inline log.

use super::{ids_in_tag, uri_to_path, vuln_ids_in};
use crate::{parse, ParseError};
use secgate_core::{Category, Confidence, Format, Identifier, Location, SecretDigest, Severity};

fn log(runs: &str) -> Vec<u8> {
    format!(r#"{{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":{runs}}}"#).into_bytes()
}

fn one(run_body: &str) -> secgate_core::Report {
    parse(&log(&format!("[{run_body}]"))).unwrap()
}

#[test]
fn minimal_result_in_source() {
    let r = one(
        r#"{"tool":{"driver":{"name":"semgrep","version":"1.0","rules":[{"id":"r1","shortDescription":{"text":"Short"},"fullDescription":{"text":"Full"},"helpUri":"https://x/r1","properties":{"tags":["external/cwe/cwe-079","OWASP-A03:2021-Injection"],"precision":"high"}}]}},
      "results":[{"ruleId":"r1","ruleIndex":0,"level":"error","message":{"text":"Bad thing"},
        "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a%20b.py","uriBaseId":"%SRCROOT%"},"region":{"startLine":3,"endLine":4,"snippet":{"text":"eval(x)"}}}}],
        "partialFingerprints":{"primaryLocationLineHash":"abc:1"}}]}"#,
    );
    assert_eq!(r.format, Format::Sarif);
    assert_eq!(r.category, Some(Category::Sast));
    assert!(r.status.succeeded());
    let f = &r.findings[0];
    assert_eq!(f.title, "Bad thing");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.original_severity.as_deref(), Some("error"));
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.rule_id.as_deref(), Some("r1"));
    assert!(f.identifiers.contains(&Identifier::Cwe(79)));
    assert!(f
        .identifiers
        .iter()
        .any(|i| matches!(i, Identifier::Owasp(_))));
    assert_eq!(f.description.as_deref(), Some("Full"));
    assert_eq!(f.links[0].url, "https://x/r1");
    assert_eq!(f.source_id.as_deref(), Some("abc:1"));
    assert_eq!(
        f.location,
        Location::Source {
            file: "src/a b.py".into(),
            start_line: Some(3),
            end_line: Some(4),
            snippet: Some("eval(x)".into())
        }
    );
    assert_eq!(r.scanners[0].id, "semgrep");
    assert_eq!(r.scanners[0].version.as_deref(), Some("1.0"));
}

#[test]
fn level_fallbacks() {
    let r = one(r#"{"tool":{"driver":{"name":"t","rules":[
        {"id":"a","defaultConfiguration":{"level":"note"}},
        {"id":"b","properties":{"problem.severity":"recommendation"}},
        {"id":"c"}]}},
      "results":[{"ruleId":"a","message":{"text":"m"}},{"ruleId":"b","message":{"text":"m"}},
                 {"ruleId":"c","message":{"text":"m"}},{"ruleId":"c","level":"none","message":{"text":"m"}}]}"#);
    let s: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        s,
        vec![
            Severity::Low,
            Severity::Low,
            Severity::Medium,
            Severity::Info
        ]
    );
    assert_eq!(r.findings[2].original_severity, None);
}

#[test]
fn security_severity_number_string_or_word() {
    let r = one(r#"{"tool":{"driver":{"name":"t","rules":[
        {"id":"a","properties":{"security-severity":"9.8"}},
        {"id":"b","properties":{"security-severity":7.5}},
        {"id":"c","properties":{"security-severity":"HIGH"}},
        {"id":"d","properties":{"security-severity":"bogus"}}]}},
      "results":[{"ruleId":"a","level":"note","message":{"text":"m"}},{"ruleId":"b","message":{"text":"m"}},
                 {"ruleId":"c","message":{"text":"m"}},{"ruleId":"d","level":"note","message":{"text":"m"}},
                 {"ruleId":"d","message":{"text":"m"},"properties":{"security-severity":"4.0"}}]}"#);
    let s: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        s,
        vec![
            Severity::Critical,
            Severity::High,
            Severity::High,
            Severity::Low,
            Severity::Medium
        ]
    );
    assert_eq!(r.findings[0].original_severity.as_deref(), Some("9.8"));
}

#[test]
fn pass_informational_and_not_applicable_are_not_findings() {
    let r = one(r#"{"tool":{"driver":{"name":"t"}},"results":[
        {"ruleId":"a","kind":"pass","message":{"text":"ok"}},
        {"ruleId":"a","kind":"informational","message":{"text":"i"}},
        {"ruleId":"a","kind":"notApplicable","message":{"text":"n"}},
        {"ruleId":"a","kind":"fail","message":{"text":"bad"}},
        {"ruleId":"a","kind":"review","message":{"text":"look"}}]}"#);
    assert_eq!(r.findings.len(), 2);
    assert!(
        r.notes.iter().any(|n| n.contains("`pass`")),
        "{:?}",
        r.notes
    );
}

#[test]
fn failed_invocation_is_a_failed_scan_with_messages() {
    let r = one(
        r#"{"tool":{"driver":{"name":"ESLint"}},"invocations":[{"executionSuccessful":false,
        "toolConfigurationNotifications":[{"level":"error","message":{"text":"Parsing error: x"}}]}],"results":[]}"#,
    );
    match &r.status {
        secgate_core::ScanStatus::Failed { reasons } => {
            assert!(reasons[0].contains("Parsing error: x"), "{reasons:?}")
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn error_notification_without_success_flag_fails_and_with_it_is_noted() {
    let r = one(
        r#"{"tool":{"driver":{"name":"t"}},"invocations":[{"toolExecutionNotifications":[{"level":"error","message":{"text":"cannot load"}}]}],"results":[]}"#,
    );
    assert!(!r.status.succeeded());
    let r = one(
        r#"{"tool":{"driver":{"name":"t"}},"invocations":[{"executionSuccessful":true,"toolExecutionNotifications":[{"level":"error","message":{"text":"rule disabled"}}]}],"results":[]}"#,
    );
    assert!(r.status.succeeded());
    assert!(r.notes.iter().any(|n| n.contains("rule disabled")));
}

#[test]
fn missing_results_and_no_runs_fail_closed() {
    let r = one(r#"{"tool":{"driver":{"name":"t"}}}"#);
    assert!(!r.status.succeeded());
    let r = one(r#"{"tool":{"driver":{"name":"t"}},"results":null}"#);
    assert!(!r.status.succeeded());
    let r = parse(&log("[]")).unwrap();
    assert!(!r.status.succeeded());
    let r = one(r#"{"tool":{"driver":{"name":"t"}},"results":[]}"#);
    assert!(r.status.succeeded());
    assert!(r.findings.is_empty());
}

#[test]
fn results_of_the_wrong_type_is_a_located_shape_error() {
    let e = parse(b"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},\n\"results\": 42}]}").unwrap_err();
    assert!(
        matches!(
            e,
            ParseError::Shape {
                format: Format::Sarif,
                line: 2,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn sarif_1_is_unsupported_with_advice() {
    let e =
        parse(br#"{"version":"1.0.0","runs":[{"tool":{"name":"x"},"results":[]}]}"#).unwrap_err();
    assert!(matches!(e, ParseError::Unsupported { .. }));
    assert!(e.to_string().contains("multitool"), "{e}");
}

#[test]
fn versions_2_0_drafts_2_2_and_absent_are_read() {
    for v in [
        r#""version":"2.0.0","#,
        r#""version":"2.0.0-csd.2.beta.2019-01-24","#,
        r#""version":"2.2","#,
        "",
    ] {
        let text = format!(
            r#"{{{v}"runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[{{"ruleId":"a","message":{{"text":"m"}}}}]}}]}}"#
        );
        let r = parse(text.as_bytes()).unwrap();
        assert_eq!(r.findings.len(), 1, "{v}");
    }
}

#[test]
fn draft_2_0_tool_name_resources_rules_file_location_and_suppression_states() {
    let r = parse(br#"{"version":"2.0.0","runs":[{"tool":{"name":"CodeScanner","semanticVersion":"2.1.0"},
      "resources":{"rules":{"C1":{"shortDescription":{"text":"Uninitialised"},"messageStrings":{"default":"Variable \"{0}\" unset."}}}},
      "results":[{"ruleId":"C1","suppressionStates":["suppressedInSource"],"message":{"messageId":"x"},
        "locations":[{"physicalLocation":{"fileLocation":{"uri":"file:///home/a/list.h"},"region":{"startLine":15}}}]}]}]}"#).unwrap();
    let f = &r.findings[0];
    assert_eq!(r.scanners[0].name, "CodeScanner");
    assert_eq!(r.scanners[0].version.as_deref(), Some("2.1.0"));
    assert_eq!(f.title, "Uninitialised");
    assert!(f.suppressed);
    assert_eq!(f.location.file(), Some("/home/a/list.h"));
}

#[test]
fn message_strings_with_arguments() {
    let r = one(
        r#"{"tool":{"driver":{"name":"t","rules":[{"id":"C1","messageStrings":{"default":{"text":"Variable \"{0}\" at {1}."}}}]}},
      "results":[{"ruleId":"C1","ruleIndex":0,"message":{"id":"default","arguments":["ptr","0"]}}]}"#,
    );
    assert_eq!(r.findings[0].title, "Variable \"ptr\" at 0.");
}

#[test]
fn rules_in_extensions_by_tool_component_index() {
    let r = one(
        r#"{"tool":{"driver":{"name":"CodeQL","rules":[{"id":"d0"}]},
        "extensions":[{"name":"pack","rules":[{"id":"e0"},{"id":"js/xss","shortDescription":{"text":"XSS"},"properties":{"tags":["external/cwe/cwe-079"]}}]}]},
      "results":[{"ruleId":"js/xss","rule":{"id":"js/xss","index":1,"toolComponent":{"index":0}},"message":{"text":"m"}},
                 {"ruleId":"js/xss","message":{"text":"m"}}]}"#,
    );
    for f in &r.findings {
        assert!(f.identifiers.contains(&Identifier::Cwe(79)), "{f:?}");
    }
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn rule_index_out_of_range_or_minus_one_falls_back_to_id_and_is_noted() {
    let r = one(
        r#"{"tool":{"driver":{"name":"t","rules":[{"id":"a","defaultConfiguration":{"level":"error"}}]}},
      "results":[{"ruleId":"a","ruleIndex":7,"message":{"text":"m"}},{"ruleId":"a","ruleIndex":-1,"message":{"text":"m"}},
                 {"rule":{"id":"a","index":0,"toolComponent":{"index":3}},"message":{"text":"m"}}]}"#,
    );
    for f in &r.findings {
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.rule_id.as_deref(), Some("a"));
    }
    assert!(
        r.notes.iter().any(|n| n.contains("ruleIndex 7")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("ruleIndex -1")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("toolComponent.index 3")),
        "{:?}",
        r.notes
    );
}

#[test]
fn rule_id_mismatch_is_noted_and_rule_id_wins() {
    let r = one(
        r#"{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"TST1","rule":{"id":"TST2"},"message":{"text":"m"}},{"message":{"text":"neither"}}]}"#,
    );
    assert_eq!(r.findings[0].rule_id.as_deref(), Some("TST1"));
    assert_eq!(r.findings[1].rule_id, None);
    assert_eq!(r.findings[1].title, "neither");
    assert!(r.notes.iter().any(|n| n.contains("differs")));
}

#[test]
fn fingerprints_as_objects_are_tolerated() {
    let r = one(
        r#"{"tool":{"driver":{"name":"bd"}},"results":[{"ruleId":"a","message":{"text":"m"},
        "fingerprints":{"csvRowSha256":{"value":"x"}},"partialFingerprints":{"p":"pp"}}]}"#,
    );
    assert_eq!(r.findings[0].source_id.as_deref(), Some("pp"));
}

#[test]
fn suppressions_2_1() {
    let r = one(r#"{"tool":{"driver":{"name":"t"}},"results":[
        {"ruleId":"a","message":{"text":"1"},"suppressions":[{"kind":"inSource"}]},
        {"ruleId":"a","message":{"text":"2"},"suppressions":[]},
        {"ruleId":"a","message":{"text":"3"},"suppressions":[{"kind":"external","status":"rejected"}]},
        {"ruleId":"a","message":{"text":"4"},"suppressions":[{"kind":"external","status":"accepted"}]},
        {"ruleId":"a","message":{"text":"5"}}]}"#);
    let s: Vec<bool> = r.findings.iter().map(|f| f.suppressed).collect();
    assert_eq!(s, vec![true, false, false, true, false]);
}

/// Suppressed only when every suppression is accepted (a `status` that is
/// absent is accepted: SARIF 2.1.0 §3.35.3). One under review or rejected
/// keeps the result, as GitLab's SARIF converter and the SARIF SDK keep it:
/// before, any suppression not `rejected` suppressed it, so an
/// `underReview` one, or `accepted` beside `rejected`, hid a finding from
/// the gate. Anything else is not accepted (fail closed).
#[test]
fn suppressions_2_1_status() {
    let cases: &[(&str, &str, bool)] = &[
        (
            "accepted",
            r#"[{"kind":"external","status":"accepted"}]"#,
            true,
        ),
        ("absent", r#"[{"kind":"inSource"}]"#, true),
        (
            "absent twice",
            r#"[{"kind":"inSource"},{"kind":"external"}]"#,
            true,
        ),
        (
            "accepted, any case",
            r#"[{"kind":"external","status":"ACCEPTED"}]"#,
            true,
        ),
        (
            "accepted and absent",
            r#"[{"kind":"external","status":"accepted"},{"kind":"inSource"}]"#,
            true,
        ),
        (
            "underReview",
            r#"[{"kind":"external","status":"underReview"}]"#,
            false,
        ),
        (
            "rejected",
            r#"[{"kind":"external","status":"rejected"}]"#,
            false,
        ),
        (
            "accepted and rejected",
            r#"[{"kind":"external","status":"accepted"},{"kind":"external","status":"rejected"}]"#,
            false,
        ),
        (
            "accepted and underReview",
            r#"[{"kind":"external","status":"accepted"},{"kind":"inSource","status":"underReview"}]"#,
            false,
        ),
        (
            "absent and underReview",
            r#"[{"kind":"inSource"},{"kind":"external","status":"UNDERREVIEW"}]"#,
            false,
        ),
        (
            "unknown word",
            r#"[{"kind":"external","status":"approved"}]"#,
            false,
        ),
        (
            "accepted and unknown word",
            r#"[{"kind":"external","status":"accepted"},{"kind":"external","status":"waived"}]"#,
            false,
        ),
        (
            "null status",
            r#"[{"kind":"external","status":null}]"#,
            false,
        ),
        (
            "empty status",
            r#"[{"kind":"external","status":""}]"#,
            false,
        ),
        (
            "status not a string",
            r#"[{"kind":"external","status":1}]"#,
            false,
        ),
        (
            "pre-release state accepted",
            r#"[{"kind":"external","state":"accepted"}]"#,
            true,
        ),
        (
            "pre-release state underReview",
            r#"[{"kind":"external","state":"underReview"}]"#,
            false,
        ),
        ("empty array", "[]", false),
    ];
    let results: Vec<String> = cases
        .iter()
        .map(|(name, sup, _)| {
            format!(r#"{{"ruleId":"a","message":{{"text":"{name}"}},"suppressions":{sup}}}"#)
        })
        .collect();
    let r = one(&format!(
        r#"{{"tool":{{"driver":{{"name":"t"}}}},"results":[{}]}}"#,
        results.join(",")
    ));
    assert_eq!(r.findings.len(), cases.len());
    for (f, (name, _, suppressed)) in r.findings.iter().zip(cases) {
        assert_eq!(f.title, *name);
        assert_eq!(f.suppressed, *suppressed, "{name}");
    }
}

#[test]
fn locations_absent_empty_logical_and_odd_uris() {
    let r = one(r#"{"tool":{"driver":{"name":"t"}},
      "originalUriBaseIds":{"ROOT":{"uri":"file:///work/"},"SRC":{"uri":"src/","uriBaseId":"ROOT"}},
      "artifacts":[{"location":{"uri":"lib/x.c","uriBaseId":"SRC"}}],
      "results":[
        {"ruleId":"a","message":{"text":"1"}},
        {"ruleId":"a","message":{"text":"2"},"locations":[]},
        {"ruleId":"a","message":{"text":"3"},"locations":[{"logicalLocations":[{"fullyQualifiedName":"ns::f","kind":"function"}]}]},
        {"ruleId":"a","message":{"text":"4"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:////src/a.js"}}}]},
        {"ruleId":"a","message":{"text":"5"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"not a valid URI","uriBaseId":"%SRCROOT%"}}}]},
        {"ruleId":"a","message":{"text":"6"},"locations":[{"physicalLocation":{"artifactLocation":{"index":0}}}]},
        {"ruleId":"a","message":{"text":"7"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"ht%tp://x"}}}]}]}"#);
    let l: Vec<&Location> = r.findings.iter().map(|f| &f.location).collect();
    assert_eq!(l[0], &Location::None);
    assert_eq!(l[1], &Location::None);
    assert_eq!(
        l[2],
        &Location::Resource {
            kind: Some("function".into()),
            name: "ns::f".into()
        }
    );
    assert_eq!(l[3].file(), Some("/src/a.js"));
    assert_eq!(l[4].file(), Some("not a valid URI"));
    assert_eq!(l[5].file(), Some("src/lib/x.c"));
    assert_eq!(l[6].file(), Some("ht%tp://x"));
}

#[test]
fn stacks_with_empty_frames_are_tolerated() {
    let r = one(
        r#"{"tool":{"driver":{"name":"t"}},"results":[{"message":{"text":"m"},"stacks":[{}],"codeFlows":[{}]}]}"#,
    );
    assert_eq!(r.findings.len(), 1);
}

#[test]
fn tool_names_empty_or_null_and_several_runs() {
    let r = parse(&log(r#"[{"tool":{"driver":{"name":""}},"results":[]},{"tool":{"driver":{"name":null}},"results":[]},
        {"tool":{"driver":{"name":"A","semanticVersion":"v8.0.0"}},"results":[]}]"#)).unwrap();
    assert_eq!(r.scanners.len(), 3);
    assert_eq!(r.scanners[0].id, "unknown");
    assert_eq!(r.scanners[1].id, "unknown");
    assert_eq!(r.scanners[2].version.as_deref(), Some("v8.0.0"));
}

#[test]
fn gitleaks_sarif_is_secret_detection_without_the_secret() {
    let r = one(
        r#"{"tool":{"driver":{"name":"gitleaks","semanticVersion":"v8.0.0","rules":[{"id":"aws"}]}},
      "results":[{"message":{"text":"test-rule has detected secret for file auth.py: hunter2hunter2"},"ruleId":"test-rule",
        "locations":[{"physicalLocation":{"artifactLocation":{"uri":"auth.py"},"region":{"startLine":1,"snippet":{"text":"hunter2hunter2"}}}}],
        "partialFingerprints":{"commitSha":"abc123","email":"x@y"},"properties":{"offender":"hunter2hunter2"}}]}"#,
    );
    assert_eq!(r.category, Some(Category::SecretDetection));
    let f = &r.findings[0];
    assert_eq!(
        f.location,
        Location::Secret {
            file: "auth.py".into(),
            line: Some(1),
            commit: Some("abc123".into()),
            // gitleaks 7's `offender` (gitleaks 8: the snippet), hashed.
            digest: Some(SecretDigest::of("hunter2hunter2")),
        }
    );
    let all = serde_json::to_string(&r).unwrap();
    assert!(!all.contains("hunter2"), "{all}");
    assert_eq!(
        f.fingerprint,
        secgate_core::fingerprint::compute(f, 0),
        "the first occurrence"
    );
    assert_eq!(
        secgate_core::fingerprint::stable_key(f),
        [
            "test-rule",
            "secret",
            "auth.py",
            SecretDigest::of("hunter2hunter2").as_str()
        ],
    );
}

/// gitleaks 8 SARIF holds the secret in the snippet only: a rotated secret in
/// the old one's place is another fingerprint, the same secret on another
/// line the same one; without a snippet or offender (or redacted), no digest.
#[test]
fn rotated_secret_in_gitleaks_sarif_is_a_new_fingerprint() {
    let at = |secret: &str, line: u32| {
        let snippet = if secret.is_empty() {
            String::new()
        } else {
            format!(r#","snippet":{{"text":"{secret}"}}"#)
        };
        one(&format!(
            r#"{{"tool":{{"driver":{{"name":"gitleaks","semanticVersion":"v8.18.0"}}}},
          "results":[{{"message":{{"text":"generic-api-key has detected secret for file app.env"}},"ruleId":"generic-api-key",
            "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"app.env"}},"region":{{"startLine":{line}{snippet}}}}}}}]}}]}}"#
        ))
        .findings
        .remove(0)
    };
    let old = at("made-up-0ld-7Qx2Lr9Wm4Kp8Zt3", 3);
    assert_ne!(
        old.fingerprint,
        at("made-up-r0t-5Hs1Jd6Nv0Bc2Yf7", 3).fingerprint
    );
    assert_eq!(
        old.fingerprint,
        at("made-up-0ld-7Qx2Lr9Wm4Kp8Zt3", 9).fingerprint
    );
    for none in ["", "REDACTED"] {
        let f = at(none, 3);
        assert!(
            matches!(f.location, Location::Secret { digest: None, .. }),
            "{:?}",
            f.location
        );
    }
}

#[test]
fn trivy_image_and_filesystem_and_dependency_tools() {
    let r = one(
        r#"{"tool":{"driver":{"name":"Trivy","rules":[{"id":"CVE-2019-1549","name":"OsPackageVulnerability","properties":{"security-severity":"5.3","tags":["vulnerability","security","MEDIUM"]}}]}},
      "properties":{"imageName":"alpine:3.10"},
      "results":[{"ruleId":"CVE-2019-1549","ruleIndex":0,"level":"warning","message":{"text":"Package: libssl1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1549"},
        "locations":[{"physicalLocation":{"artifactLocation":{"uri":"alpine:3.10","uriBaseId":"ROOTPATH"},"region":{"startLine":1}}}]}]}"#,
    );
    assert_eq!(r.category, Some(Category::ContainerScanning));
    let f = &r.findings[0];
    assert_eq!(f.cves().collect::<Vec<_>>(), vec!["CVE-2019-1549"]);
    assert_eq!(f.location.image(), Some("alpine:3.10"));
    assert_eq!(f.location.package().unwrap().name, "libssl1.1");
    assert_eq!(f.title, "Package: libssl1.1");

    let r = one(
        r#"{"tool":{"driver":{"name":"Trivy","rules":[{"id":"CVE-2021-33203","properties":{"tags":["vulnerability"]}}]}},
      "results":[{"ruleId":"CVE-2021-33203","message":{"text":"Package: django\nInstalled Version: 1.11.29"},
        "locations":[{"physicalLocation":{"artifactLocation":{"uri":"requirements.txt"}}}]}]}"#,
    );
    assert_eq!(r.category, Some(Category::DependencyScanning));
    assert_eq!(r.findings[0].location.file(), Some("requirements.txt"));
    assert_eq!(
        r.findings[0].location.package().unwrap().version.as_deref(),
        Some("1.11.29")
    );

    let r = one(
        r#"{"tool":{"driver":{"name":"Grype"}},"results":[{"ruleId":"CVE-2008-0732-geronimo","message":{"text":"m"}}]}"#,
    );
    assert_eq!(r.category, Some(Category::DependencyScanning));
    assert_eq!(
        r.findings[0].cves().collect::<Vec<_>>(),
        vec!["CVE-2008-0732"]
    );
}

#[test]
fn trivy_fixed_version_gives_the_fix() {
    // Trivy's SARIF template: the fixed versions are only in the message.
    // Without them `ignore_unfixed: true` passed every fixable finding.
    let result = |pkg: &str, fixed: Option<&str>| {
        let fixed = fixed
            .map(|v| format!("\\nFixed Version: {v}"))
            .unwrap_or_default();
        format!(
            r#"{{"ruleId":"CVE-2019-1547","ruleIndex":0,"level":"note","message":{{"text":"Package: {pkg}\nInstalled Version: 1.0\nVulnerability CVE-2019-1547\nSeverity: LOW{fixed}\nLink: [CVE-2019-1547](https://avd.aquasec.com/nvd/cve-2019-1547)"}},
            "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"alpine:3.10","uriBaseId":"ROOTPATH"}}}}}}]}}"#
        )
    };
    let results = [
        result("one", Some("1.1.1d-r0")),
        result("several", Some("2.2.24, 3.1.12,3.2.4")),
        result("empty", Some("")),
        result("blank", Some("  ")),
        result("none", None),
    ]
    .join(",");
    let r = one(&format!(
        r#"{{"tool":{{"driver":{{"name":"Trivy","rules":[{{"id":"CVE-2019-1547","name":"OsPackageVulnerability","properties":{{"tags":["vulnerability"]}}}}]}}}},
      "properties":{{"imageName":"alpine:3.10"}},"results":[{results}]}}"#
    ));
    // (package, fixed versions, fixable, stated unfixed): an empty line is
    // Trivy saying there is no fix; no line says nothing.
    let fixes: Vec<(&str, Vec<&str>, bool, bool)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.location.package().unwrap().name.as_str(),
                f.fix.fixed_versions.iter().map(String::as_str).collect(),
                f.fix.is_fixable(),
                f.fix.is_known_unfixed(),
            )
        })
        .collect();
    assert_eq!(
        fixes,
        vec![
            ("one", vec!["1.1.1d-r0"], true, false),
            ("several", vec!["2.2.24", "3.1.12", "3.2.4"], true, false),
            ("empty", vec![], false, true),
            ("blank", vec![], false, true),
            ("none", vec![], false, false),
        ]
    );
    // The same value as the Trivy JSON reader gives for `FixedVersion`.
    assert_eq!(
        r.findings[1].fix,
        secgate_core::Fix::from_fixed_version_list(Some("2.2.24, 3.1.12,3.2.4"), None)
    );
}

#[test]
fn fixed_version_of_another_tool_is_not_read() {
    // Only Trivy's template is read: another tool's message is free text.
    let r = one(
        r#"{"tool":{"driver":{"name":"Grype"}},"results":[{"ruleId":"CVE-2019-1547","message":{"text":"Package: x\nFixed Version: 2.0"}}]}"#,
    );
    assert!(!r.findings[0].fix.is_fixable());
}

#[test]
fn mixed_categories_have_no_report_category() {
    let r = parse(&log(r#"[{"tool":{"driver":{"name":"gitleaks"}},"results":[{"ruleId":"a","message":{"text":"m"}}]},
        {"tool":{"driver":{"name":"semgrep"}},"results":[{"ruleId":"b","message":{"text":"m"}}]}]"#)).unwrap();
    assert_eq!(r.category, None);
    assert_eq!(r.findings[0].category, Category::SecretDetection);
    assert_eq!(r.findings[1].category, Category::Sast);
}

#[test]
fn title_falls_back_for_long_messages() {
    let long = "x".repeat(300);
    let r = one(&format!(
        r#"{{"tool":{{"driver":{{"name":"t","rules":[{{"id":"a","shortDescription":{{"text":"Short"}}}}]}}}},"results":[{{"ruleId":"a","message":{{"text":"{long}"}}}},{{"ruleId":"zz","message":{{"text":"{long}"}}}}]}}"#
    ));
    assert_eq!(r.findings[0].title, "Short");
    assert!(r.findings[0]
        .description
        .as_deref()
        .unwrap()
        .starts_with("xxx"));
    assert_eq!(r.findings[1].title.chars().count(), 201);
}

#[test]
fn the_sarif_json_schema_is_not_a_sarif_log() {
    let e = parse(br#"{"$schema":"http://json-schema.org/draft-07/schema#","title":"Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema","id":"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json","properties":{"runs":{"type":"array"}}}"#).unwrap_err();
    assert!(matches!(e, ParseError::UnknownFormat { .. }), "{e:?}");
}

#[test]
fn helpers() {
    assert_eq!(uri_to_path("file:///C:/src/a.c"), "C:/src/a.c");
    assert_eq!(uri_to_path("file:///home/u/a.py"), "/home/u/a.py");
    assert_eq!(uri_to_path("file:////src/x"), "/src/x");
    assert_eq!(uri_to_path("a%2Fb%20c"), "a/b c");
    assert_eq!(uri_to_path("bad%zz"), "bad%zz");
    assert_eq!(
        vuln_ids_in("x (alpine 3.10.2): libcrypto1.1-1.1.1c-r0 CVE-2019-1549"),
        vec![Identifier::Cve("CVE-2019-1549".into())]
    );
    assert!(vuln_ids_in("XCVE-2019-1549").is_empty());
    assert_eq!(
        ids_in_tag("CWE-346: Origin Validation Error"),
        vec![Identifier::Cwe(346)]
    );
    assert_eq!(
        ids_in_tag("external/cwe/cwe-079"),
        vec![Identifier::Cwe(79)]
    );
    assert!(ids_in_tag("security").is_empty());
    assert!(matches!(
        ids_in_tag("GHSA-jfh8-c2jp-5v3q")[0],
        Identifier::Ghsa(_)
    ));
}

#[test]
fn sarif_1_with_string_messages_is_still_unsupported_not_a_shape_error() {
    let e = parse(br#"{"version":"1.0.0","runs":[{"tool":{"name":"x"},"results":[{"ruleId":"a","message":"Check fails.","locations":[]}]}]}"#).unwrap_err();
    assert!(matches!(e, ParseError::Unsupported { .. }), "{e:?}");
}

#[test]
fn producer_severity_property_and_upper_case_tags_beat_level() {
    let r = one(r#"{"tool":{"driver":{"name":"gosec","rules":[
            {"id":"G1","defaultConfiguration":{"level":"error"},"properties":{"tags":["security","LOW"]}},
            {"id":"G2","defaultConfiguration":{"level":"error"},"properties":{"tags":["security","high"]}},
            {"id":"G3","properties":{"tags":["MEDIUM"],"security-severity":"9.8"}}]}},
          "results":[
            {"ruleId":"G1","ruleIndex":0,"level":"error","message":{"text":"tag LOW"}},
            {"ruleId":"G2","ruleIndex":1,"level":"warning","message":{"text":"lower-case tag is not a severity"}},
            {"ruleId":"G3","ruleIndex":2,"level":"note","message":{"text":"security-severity first"}},
            {"ruleId":"G2","ruleIndex":1,"level":"error","message":{"text":"property"},"properties":{"severity":"medium"}}]}"#);
    let sev: Vec<(Severity, Option<&str>)> = r
        .findings
        .iter()
        .map(|f| (f.severity, f.original_severity.as_deref()))
        .collect();
    assert_eq!(
        sev,
        vec![
            (Severity::Low, Some("LOW")),
            (Severity::Medium, Some("warning")),
            (Severity::Critical, Some("9.8")),
            (Severity::Medium, Some("medium")),
        ]
    );
}

/// gitleaks' SARIF writes no `level`: SARIF's default `warning` (medium) would
/// let every leak pass a `fail_on: high` gate. A secret tool's result with no
/// stated severity is critical, as gitleaks JSON and GitLab rate it; a stated
/// level is kept.
#[test]
fn a_secret_tools_result_without_a_level_is_critical() {
    let with = |level: &str| {
        one(&format!(
            r#"{{"tool":{{"driver":{{"name":"gitleaks"}}}},"results":[{{"ruleId":"aws","message":{{"text":"leak"}}{level},
              "locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"a.env"}},"region":{{"startLine":1}}}}}}]}}]}}"#
        ))
        .findings
        .remove(0)
        .severity
    };
    assert_eq!(with(""), Severity::Critical);
    assert_eq!(with(r#","level":"note""#), Severity::Low);
    // Not a secret tool: SARIF's default, medium.
    let other = one(
        r#"{"tool":{"driver":{"name":"semgrep"}},"results":[{"ruleId":"r","message":{"text":"m"},
          "locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.py"},"region":{"startLine":1}}}]}]}"#,
    );
    assert_eq!(other.findings[0].severity, Severity::Medium);
}

/// A result the producer marks `baselineState: absent` is gone since its own
/// baseline (listed to say so): not a finding; `new`, `unchanged` and
/// `updated` ones are.
#[test]
fn absent_results_are_not_findings() {
    let r = one(r#"{"tool":{"driver":{"name":"CodeQL"}},"results":[
          {"ruleId":"a","message":{"text":"gone"},"baselineState":"absent"},
          {"ruleId":"b","message":{"text":"new"},"baselineState":"new"},
          {"ruleId":"c","message":{"text":"same"},"baselineState":"unchanged"},
          {"ruleId":"d","message":{"text":"plain"}}]}"#);
    let rules: Vec<_> = r
        .findings
        .iter()
        .map(|f| f.rule_id.clone().unwrap())
        .collect();
    assert_eq!(rules, ["b", "c", "d"]);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("1 result(s) with `baselineState: absent`")),
        "{:?}",
        r.notes
    );
}
