//! Walks every report in the shared corpus and checks, per file, the detected
//! format, the number of findings and the category, or the clear rejection of
//! the files that must be rejected. The expectations are the tables in
//! `tests/expect/<folder>.tsv`, checked by hand against each file.
//!
//! Columns (tab-separated): `path`, `outcome` (a format name: gitlab, trivy,
//! sarif, zap, gitleaks; or `reject:<kind>` with kind one of empty, truncated,
//! syntax, shape, unknown_format, null, unsupported, wrong_type, encoding),
//! `findings` (a count, or `-`), `category` (the report's own category, `none`,
//! or `-` for not checked), `options` (comma-separated: `hint=<format>`,
//! `expect=<category>`, `failed` for a scan that reports failure, `-` for none),
//! then free notes.
//!
//! The corpus path comes from `SECGATE_CORPUS` (default `../shared/corpus`
//! from the workspace root). When the variable is set and the folder is
//! missing, the test fails; when it is unset and the default is missing, the
//! test says so and passes (a checkout without the corpus beside it).

use secgate_reports::{parse_with, Category, Format, ParseError, ParseOptions};
use std::collections::BTreeMap;
use std::path::Path;

const FOLDERS: &[&str] = &[
    "gitlab-sast",
    "gitlab-dast",
    "gitlab-dependency-scanning",
    "gitlab-container-scanning",
    "gitlab-secret-detection",
    "trivy",
    "sarif",
    "zap",
    "gitleaks",
];

mod common;
use common::corpus_dir;

#[derive(Debug)]
struct Expect {
    outcome: String,
    findings: Option<usize>,
    category: Option<String>,
    hint: Option<Format>,
    expected: Option<Category>,
    failed: bool,
}

fn format_by_name(n: &str) -> Format {
    match n {
        "gitlab" => Format::GitlabSecurity,
        "trivy" => Format::TrivyJson,
        "sarif" => Format::Sarif,
        "zap" => Format::ZapJson,
        "gitleaks" => Format::GitleaksJson,
        other => panic!("unknown format name {other} in an expectation table"),
    }
}

fn load_tables() -> BTreeMap<String, Expect> {
    let mut all = BTreeMap::new();
    for folder in FOLDERS {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/expect")
            .join(format!("{folder}.tsv"));
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(cols.len() >= 5, "{}:{}: need 5 columns", p.display(), n + 1);
            let mut e = Expect {
                outcome: cols[1].to_string(),
                findings: if cols[2] == "-" {
                    None
                } else {
                    Some(cols[2].parse().expect("findings count"))
                },
                category: if cols[3] == "-" {
                    None
                } else {
                    Some(cols[3].to_string())
                },
                hint: None,
                expected: None,
                failed: false,
            };
            for opt in cols[4].split(',').filter(|o| *o != "-" && !o.is_empty()) {
                if let Some(h) = opt.strip_prefix("hint=") {
                    e.hint = Some(format_by_name(h));
                } else if let Some(c) = opt.strip_prefix("expect=") {
                    e.expected = Some(Category::parse(c));
                } else if opt == "failed" {
                    e.failed = true;
                } else {
                    panic!("{}:{}: unknown option {opt}", p.display(), n + 1);
                }
            }
            let prev = all.insert(cols[0].to_string(), e);
            assert!(prev.is_none(), "{} listed twice", cols[0]);
        }
    }
    all
}

fn reject_kind(e: &ParseError) -> &'static str {
    match e {
        ParseError::Empty { .. } => "empty",
        ParseError::Truncated { .. } => "truncated",
        ParseError::Syntax { .. } => "syntax",
        ParseError::Shape { .. } => "shape",
        ParseError::UnknownFormat { .. } => "unknown_format",
        ParseError::Null => "null",
        ParseError::Unsupported { .. } => "unsupported",
        ParseError::TooLarge { .. } => "too_large",
        ParseError::WrongType { .. } => "wrong_type",
        ParseError::Encoding { .. } => "encoding",
        _ => "other",
    }
}

#[test]
fn every_corpus_report_parses_as_expected() {
    let Some(dir) = corpus_dir() else { return };
    let table = load_tables();
    let mut failures = Vec::new();
    let mut seen = 0;
    for folder in FOLDERS {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(folder))
            .unwrap_or_else(|e| panic!("corpus folder {folder}: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let rel = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            let Some(exp) = table.get(&rel) else {
                failures.push(format!("{rel}: not in any expectation table"));
                continue;
            };
            seen += 1;
            let bytes = std::fs::read(&path).unwrap();
            let opts = ParseOptions {
                format_hint: exp.hint,
                expected: exp.expected.clone(),
                ..Default::default()
            };
            let result = parse_with(&bytes, &opts);
            match (exp.outcome.strip_prefix("reject:"), result) {
                (Some(kind), Err(e)) => {
                    if reject_kind(&e) != kind {
                        failures.push(format!(
                            "{rel}: rejected as {} ({e}), expected {kind}",
                            reject_kind(&e)
                        ));
                    }
                    // The diagnostic must render with the file name.
                    let located = e.located(&rel, &bytes);
                    assert!(located.to_string().contains(&rel));
                }
                (Some(kind), Ok(r)) => failures.push(format!(
                    "{rel}: expected rejection {kind}, parsed as {} with {} findings",
                    r.format,
                    r.findings.len()
                )),
                (None, Err(e)) => {
                    failures.push(format!("{rel}: expected {}, got error: {e}", exp.outcome))
                }
                (None, Ok(r)) => {
                    let want = format_by_name(&exp.outcome);
                    if r.format != want {
                        failures.push(format!("{rel}: format {} != {}", r.format, want));
                    }
                    if let Some(n) = exp.findings {
                        if r.findings.len() != n {
                            failures.push(format!(
                                "{rel}: {} findings, expected {n}",
                                r.findings.len()
                            ));
                        }
                    }
                    if let Some(c) = &exp.category {
                        let got = r
                            .category
                            .as_ref()
                            .map(|c| c.as_str().to_string())
                            .unwrap_or_else(|| "none".into());
                        if &got != c {
                            failures.push(format!("{rel}: category {got}, expected {c}"));
                        }
                    }
                    if exp.failed == r.status.succeeded() {
                        failures.push(format!(
                            "{rel}: scan status {:?}, expected failed={}",
                            r.status, exp.failed
                        ));
                    }
                    for f in &r.findings {
                        if f.fingerprint == secgate_core::Fingerprint::ZERO {
                            failures.push(format!("{rel}: a finding has no fingerprint"));
                            break;
                        }
                    }
                }
            }
        }
    }
    let listed_missing: Vec<_> = table
        .keys()
        .filter(|k| !dir.join(k).exists())
        .cloned()
        .collect();
    for k in listed_missing {
        failures.push(format!("{k}: listed but not in the corpus"));
    }
    assert!(seen > 0, "no corpus file was checked");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
