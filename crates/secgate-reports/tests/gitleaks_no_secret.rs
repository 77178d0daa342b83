//! No secret text from any gitleaks report in the shared corpus survives
//! parsing: `Secret`, `Match`, `offender` and `line` (and, for gitleaks SARIF,
//! the region snippet and `properties.offender`) must appear nowhere in the
//! serialised `Report`.

use secgate_reports::{parse_with, Format, ParseOptions};
use serde_json::Value;
use std::path::Path;

mod common;
use common::corpus_dir;

/// Every string under one of `keys`, anywhere in the value.
fn collect(v: &Value, keys: &[&str], out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if keys.contains(&k.as_str()) {
                    match val {
                        Value::String(s) => out.push(s.clone()),
                        Value::Object(o) => {
                            if let Some(Value::String(s)) = o.get("text") {
                                out.push(s.clone());
                            }
                        }
                        _ => {}
                    }
                }
                collect(val, keys, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, keys, out)),
        _ => {}
    }
}

fn check(path: &Path, keys: &[&str]) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let opts = ParseOptions {
        format_hint: Some(Format::GitleaksJson),
        ..Default::default()
    };
    let report = parse_with(&bytes, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let serialized = serde_json::to_string(&report).unwrap();
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    let mut secrets = Vec::new();
    collect(&raw, keys, &mut secrets);
    let mut checked = 0;
    for s in secrets {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        checked += 1;
        assert!(
            !serialized.contains(s),
            "{}: secret text {s:?} appears in the parsed report",
            path.display()
        );
        // The JSON-escaped form too (quotes, backslashes, non-ASCII).
        let escaped = serde_json::to_string(s).unwrap();
        let escaped = &escaped[1..escaped.len() - 1];
        assert!(
            !serialized.contains(escaped),
            "{}: escaped secret text {escaped:?} appears",
            path.display()
        );
    }
    checked
}

#[test]
fn no_gitleaks_secret_survives_parsing() {
    let Some(dir) = corpus_dir() else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("gitleaks")).unwrap() {
        let path = entry.unwrap().path();
        checked += check(&path, &["Secret", "Match", "offender", "line"]);
    }
    for name in [
        "defectdojo__gitleaks_7.5.0.sarif",
        "gitleaks__sarif_simple.sarif",
    ] {
        checked += check(&dir.join("sarif").join(name), &["snippet", "offender"]);
    }
    assert!(checked > 50, "only {checked} secret texts were checked");
}
