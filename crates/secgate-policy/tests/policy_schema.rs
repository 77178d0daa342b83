//! The policy parser and its JSON Schema agree: every example policy (the
//! embedded default, every ```yaml block of docs/policy.md) is valid for both,
//! every key the parser accepts is in the schema and the other way round, and
//! invalid policies are rejected by both; the word patterns are generated from
//! the parser's words, are ECMA-262 (what editors and JSON Schema validators
//! run) and accept exactly the words the parser accepts.

use secgate_policy::policy::{
    schema, Policy, DEFAULT_POLICY, EXCEPTION_KEYS, REQUIRE_KEYS, RULE_KEYS, SCHEMA, TOP_KEYS,
};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/policy.schema.json");

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

/// The checked-in schema carries the patterns generated from the parser's
/// words. `SECGATE_UPDATE_SCHEMA=1 cargo test -p secgate-policy --test
/// policy_schema` writes them into the file.
#[test]
fn word_patterns_are_generated_from_the_parser_words() {
    let update = std::env::var_os("SECGATE_UPDATE_SCHEMA").is_some_and(|v| v == "1");
    let s = schema();
    let mut text = SCHEMA.to_string();
    let mut stale = Vec::new();
    for (def, want) in schema::patterns() {
        let have = s["$defs"][def]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("$defs.{def} has no pattern"));
        if have == want {
            continue;
        }
        stale.push(def);
        // Replace the text of that one pattern, keeping the file's layout.
        let at = text
            .find(&format!("\"{def}\": {{"))
            .unwrap_or_else(|| panic!("$defs.{def}"));
        let old = format!("\"pattern\": {}", serde_json::to_string(have).unwrap());
        let p = at + text[at..].find(&old).expect("the pattern's text");
        let new = format!("\"pattern\": {}", serde_json::to_string(&want).unwrap());
        text.replace_range(p..p + old.len(), &new);
    }
    if update && !stale.is_empty() {
        std::fs::write(SCHEMA_PATH, &text).expect("write the schema");
        serde_json::from_str::<serde_json::Value>(&text).expect("still JSON");
        eprintln!("updated {stale:?} in {SCHEMA_PATH}: rebuild and rerun");
    }
    assert!(
        stale.is_empty(),
        "the patterns of {stale:?} are not the ones generated from the parser's words: \
         run `SECGATE_UPDATE_SCHEMA=1 cargo test -p secgate-policy --test policy_schema`"
    );
}

fn patterns_in(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("pattern", serde_json::Value::String(p)) => out.push(p.clone()),
                    _ => patterns_in(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| patterns_in(v, out)),
        _ => {}
    }
}

/// Whether `node` runs here (it does on CI: .ci/run needs npm for gitlab-ci-local).
fn node() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `script` under node with `input` as JSON on stdin; its stdout as JSON.
fn run_node(script: &str, input: &serde_json::Value) -> serde_json::Value {
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node's JSON")
}

const NODE_READ_STDIN: &str = "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n";

#[test]
fn every_pattern_is_an_ecma_262_regex() {
    let mut patterns = Vec::new();
    patterns_in(&schema(), &mut patterns);
    assert!(patterns.len() >= 7, "{patterns:?}");
    for p in &patterns {
        // ECMA-262 has no inline flags (`(?i)`, `(?x)`...): only `(?:`, `(?=`,
        // `(?!`, `(?<=`, `(?<!` and named groups `(?<name>`.
        for (i, _) in p.match_indices("(?") {
            let rest = &p[i + 2..];
            assert!(
                rest.starts_with([':', '=', '!', '<']),
                "`{p}` has an inline flag group, which ECMA-262 (JSON Schema) rejects"
            );
        }
    }
    if !node() {
        eprintln!("node not found: the patterns were not compiled as ECMA-262");
        return;
    }
    let bad = run_node(
        &format!(
            "{NODE_READ_STDIN}const bad = [];\n\
             for (const p of input) {{ try {{ new RegExp(p, 'u'); }} catch (e) {{ bad.push(p + ': ' + e.message); }} }}\n\
             console.log(JSON.stringify(bad));"
        ),
        &serde_json::json!(patterns),
    );
    assert_eq!(bad, serde_json::json!([]), "not ECMA-262 regexes");
}

/// A YAML double-quoted scalar of `s`, every non-ASCII or control character escaped.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Words near the accepted ones: case, whitespace, `-`/`_`, typos, and
/// Unicode look-alikes that a case-insensitive regex (but not the parser) folds.
fn candidate_words(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = vec![
        "".into(),
        " ".into(),
        "none".into(),
        "high high".into(),
        "sast,dast".into(),
    ];
    for w in words {
        let upper = w.to_ascii_uppercase();
        let mut cap = w.to_string();
        cap[..1].make_ascii_uppercase();
        out.extend([
            w.to_string(),
            upper.clone(),
            cap,
            format!(" {w}"),
            format!("{w}\t"),
            format!("\u{85}{upper}\u{3000}"),
            format!("\u{a0}{w}\n"),
            format!("\u{feff}{w}"),
            format!("{w}\u{200b}"),
            w.replace('_', "-"),
            w.replacen('_', "-", 1),
            w.replace('_', ""),
            w.replace('_', " "),
            w.replace('_', "__"),
            format!("{w}_"),
            format!("{w}-"),
            format!("-{w}"),
            format!("{w}s"),
            w[1..].to_string(),
            w[..w.len() - 1].to_string(),
            w.replace('k', "\u{212a}").replace('s', "\u{17f}"),
            w.replace('i', "\u{130}"),
            format!("{w}{w}"),
            w.chars().map(|c| format!("{c}-")).collect::<String>(),
        ]);
    }
    out.sort();
    out.dedup();
    out
}

/// The `$defs` whose pattern is a word list, the policies that use it, and the words.
fn word_cases() -> Vec<(&'static str, String, String)> {
    let mut words: Vec<&str> = Vec::new();
    for (_, w) in word_lists() {
        words.extend(w);
    }
    let candidates = candidate_words(&words);
    let mut cases = Vec::new();
    for (def, _) in word_lists() {
        for w in &candidates {
            let q = yaml_quoted(w);
            let policies: Vec<String> = match def {
                "severity" => vec![format!("budgets: {{{q}: 1}}\n")],
                "threshold" => vec![
                    format!("fail_on: {q}\n"),
                    format!("scanners: {{trivy: {{fail_on: {q}}}}}\n"),
                ],
                "confidence" => vec![format!("min_confidence: {q}\n")],
                "suppressed" => vec![format!("suppressed_findings: {q}\n")],
                "category" => vec![
                    format!("categories: {{{q}: {{fail_on: low}}}}\n"),
                    format!("require: [{{category: {q}}}]\n"),
                ],
                _ => unreachable!(),
            };
            for p in policies {
                cases.push((def, w.clone(), p));
            }
        }
    }
    cases
}

fn word_lists() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "severity",
            vec!["critical", "high", "medium", "low", "info", "unknown"],
        ),
        (
            "threshold",
            vec![
                "critical", "high", "medium", "low", "info", "unknown", "none",
            ],
        ),
        (
            "confidence",
            vec![
                "unknown",
                "ignore",
                "experimental",
                "low",
                "medium",
                "high",
                "confirmed",
            ],
        ),
        ("suppressed", vec!["ignore", "judge"]),
        ("category", schema::CATEGORY_NAMES.to_vec()),
    ]
}

#[test]
fn the_schema_accepts_exactly_the_words_the_parser_accepts() {
    let s = schema();
    let validator = jsonschema::validator_for(&s).unwrap();
    let mut disagree = Vec::new();
    let mut accepted = 0;
    let cases = word_cases();
    for (def, w, policy) in &cases {
        let parser = Policy::parse(policy, "p.yml").is_ok();
        let schema = validator.is_valid(&yaml_to_json(policy));
        accepted += parser as usize;
        if parser != schema {
            disagree.push(format!(
                "{def} {w:?}: parser {parser}, schema {schema}: {policy}"
            ));
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");
    assert!(accepted > 100 && accepted < cases.len() / 2, "{accepted}");
    // The same verdicts from an ECMA-262 engine (what editors run), on the words alone.
    if !node() {
        eprintln!("node not found: the patterns were not run as ECMA-262");
        return;
    }
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|(def, w, policy)| {
            serde_json::json!([
                s["$defs"][def]["pattern"],
                w,
                Policy::parse(policy, "p.yml").is_ok()
            ])
        })
        .collect();
    let bad = run_node(
        &format!(
            "{NODE_READ_STDIN}const bad = [];\n\
             for (const [p, w, ok] of input) {{ if (new RegExp(p, 'u').test(w) !== ok) bad.push([p, w, ok]); }}\n\
             console.log(JSON.stringify(bad));"
        ),
        &serde_json::json!(input),
    );
    assert_eq!(
        bad,
        serde_json::json!([]),
        "ECMA-262 disagrees with the parser"
    );
}

#[test]
fn printed_policies_are_valid_for_the_schema() {
    // `secgate policy print` writes every default, `min_confidence: null` included.
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut printed = vec![Policy::default_policy().to_yaml()];
    for text in doc_examples() {
        printed.push(Policy::parse(&text, "p.yml").unwrap().to_yaml());
    }
    for p in printed {
        let errors: Vec<String> = validator
            .iter_errors(&yaml_to_json(&p))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{p}");
    }
}
