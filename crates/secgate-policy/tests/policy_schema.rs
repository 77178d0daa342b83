//! The policy parser and its JSON Schema agree: every example policy (the
//! embedded default, every ```yaml block of docs/policy.md) is valid for both,
//! every key the parser accepts is in the schema and the other way round, and
//! invalid policies are rejected by both.

use secgate_policy::policy::{
    Policy, DEFAULT_POLICY, EXCEPTION_KEYS, REQUIRE_KEYS, RULE_KEYS, SCHEMA, TOP_KEYS,
};
use std::collections::BTreeSet;

fn schema() -> serde_json::Value {
    serde_json::from_str(SCHEMA).expect("the schema is JSON")
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

fn set(k: &[&str]) -> BTreeSet<String> {
    k.iter().map(|s| s.to_string()).collect()
}

fn yaml_to_json(text: &str) -> serde_json::Value {
    if text.trim().is_empty() {
        return serde_json::json!({});
    }
    serde_saphyr::from_str::<serde_json::Value>(text).expect("YAML")
}

fn doc_examples() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/policy.md");
    let doc = std::fs::read_to_string(path).expect("docs/policy.md");
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") => cur = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => out.push(cur.take().unwrap()),
            (Some(s), _) => {
                s.push_str(line);
                s.push('\n');
            }
            _ => {}
        }
    }
    assert!(out.len() >= 5, "docs/policy.md should have yaml examples");
    out
}

#[test]
fn every_parser_key_is_in_the_schema_and_back() {
    let s = schema();
    assert_eq!(keys(&s), set(TOP_KEYS), "top-level keys");
    assert_eq!(keys(&s["$defs"]["rules"]), set(RULE_KEYS), "override keys");
    assert_eq!(
        keys(&s["$defs"]["requirement"]),
        set(REQUIRE_KEYS),
        "require keys"
    );
    assert_eq!(
        keys(&s["$defs"]["exception"]),
        set(EXCEPTION_KEYS),
        "exception keys"
    );
    // Every key of an override is also a top-level key.
    for k in RULE_KEYS {
        assert!(TOP_KEYS.contains(k));
    }
}

#[test]
fn examples_are_valid_for_the_parser_and_the_schema() {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    let mut examples = vec![DEFAULT_POLICY.to_string()];
    examples.extend(doc_examples());
    for (i, text) in examples.iter().enumerate() {
        if let Err(e) = Policy::parse(text, "example.yml") {
            panic!(
                "example {i} rejected by the parser: {:?}\n{text}",
                e.diagnostics
                    .iter()
                    .map(|d| d.one_line())
                    .collect::<Vec<_>>()
            );
        }
        let json = yaml_to_json(text);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "example {i} rejected by the schema: {errors:?}\n{text}"
        );
    }
}

#[test]
fn invalid_policies_are_rejected_by_both() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    for bad in [
        "fial_on: high\n",
        "fail_on: severe\n",
        "budgets: {medum: 1}\n",
        "budgets: {medium: -1}\n",
        "ignore_unfixed: maybe\n",
        "min_confidence: sure\n",
        "suppressed_findings: drop\n",
        "categories: {dastt: {fail_on: low}}\n",
        "categories: {dast: {fail_onn: low}}\n",
        "require: [{allow_empty: true}]\n",
        "require: [{category: sast, typo: 1}]\n",
        "exceptions: [{id: CVE-2021-44228}]\n",
        "exceptions: [{reason: x}]\n",
        "exceptions: [{id: x, reason: y, expires: 31-12-2026}]\n",
        "exceptions: [{fingerprint: xyz, reason: y}]\n",
        "exceptions: [{id: x, reason: y, owner: z, tikcet: 1}]\n",
        "version: 2\n",
    ] {
        assert!(
            Policy::parse(bad, "bad.yml").is_err(),
            "parser accepted {bad}"
        );
        assert!(
            !validator.is_valid(&yaml_to_json(bad)),
            "schema accepted {bad}"
        );
    }
}

#[test]
fn all_problems_at_once_each_located_with_a_code() {
    let text = "fail_on: hihg\nignore_unfixed: 1\nwarn_expiring_days: soon\ncategories:\n  sats: {fail_on: low}\nexceptions:\n  - id: CVE-2021-1234\n    reason: ok\n    expires: 2026-13-01\n  - fingerprint: abc\n    reason: r\n  - id: x\n    paths: ['a/{b']\n    reason: r\n  - id: y\n    reason: r\n    iamge: nginx\n";
    let e = Policy::parse(text, "p.yml").unwrap_err();
    let got: Vec<(usize, &str)> = e.errors().map(|d| (d.line, d.code)).collect();
    assert_eq!(
        got,
        vec![
            (1, "secgate::policy::unknown_severity"),
            (2, "secgate::policy::wrong_type"),
            (3, "secgate::policy::wrong_type"),
            (5, "secgate::policy::unknown_category"),
            (9, "secgate::policy::bad_date"),
            (10, "secgate::policy::bad_fingerprint"),
            (13, "secgate::policy::bad_glob"),
            (17, "secgate::policy::unknown_key"),
        ],
        "{:#?}",
        e.diagnostics
            .iter()
            .map(|d| d.one_line())
            .collect::<Vec<_>>()
    );
    let first = e.errors().next().unwrap();
    assert_eq!(first.one_line(), "p.yml:1:10: unknown severity `hihg` in `fail_on` (did you mean `high`? (expected one of: critical, high, medium, low, info, unknown, none))");
    let cat = e.errors().nth(3).unwrap();
    assert_eq!(
        cat.help
            .as_deref()
            .unwrap()
            .split(' ')
            .take(4)
            .collect::<Vec<_>>()
            .join(" "),
        "did you mean `sast`?"
    );
    let key = e.errors().last().unwrap();
    assert_eq!(key.help.as_deref(), Some("did you mean `image`?"));
    assert_eq!(&text[key.span.0..key.span.0 + key.span.1], "iamge");
}

#[test]
fn effective_policy_prints_and_reparses() {
    let p = Policy::parse("fail_on: medium\nscanners:\n  Trivy: {ignore_unfixed: true}\nexceptions:\n  - id: CVE-2021-44228\n    reason: r\n    expires: 2026-12-31\n    ticket: 1234\n", "p.yml").unwrap();
    assert!(p.scanners.contains_key("trivy"));
    assert_eq!(p.exceptions[0].ticket.as_deref(), Some("1234"));
    let printed = p.to_yaml();
    let again = Policy::parse(&printed, "printed.yml").unwrap_or_else(|e| {
        panic!(
            "{printed}\n{:?}",
            e.diagnostics
                .iter()
                .map(|d| d.one_line())
                .collect::<Vec<_>>()
        )
    });
    assert_eq!(again.exceptions, p.exceptions);
    assert_eq!(again.to_yaml(), printed, "printing is idempotent");
    assert_eq!(again.rules.fail_on, p.rules.fail_on);
    assert_eq!(again.scanners, p.scanners);
    let d = Policy::default_policy();
    assert_eq!(d.fail_on().as_str(), "high");
    // An empty file: the defaults, with a warning.
    let e = Policy::parse("", "empty.yml").unwrap();
    assert_eq!(e.warnings.len(), 1);
}
