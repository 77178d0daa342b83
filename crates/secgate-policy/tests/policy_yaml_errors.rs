//! YAML problems in a policy are located where the YAML parser says they are
//! (not at 1:1), and a repeated key is one located `duplicate_key` among every
//! other problem of the file rather than the only error reported.

use secgate_policy::policy::{Policy, PolicyError};

fn errors(text: &str) -> PolicyError {
    Policy::parse(text, "p.yml").expect_err("an invalid policy")
}

/// The one error of a file that is not YAML: its code, line:col, and the
/// source text its span starts at.
fn syntax_error(text: &str) -> (String, &str) {
    let e = errors(text);
    let all: Vec<_> = e.errors().collect();
    assert_eq!(all.len(), 1, "{:#?}", all);
    let d = all[0];
    assert_eq!(d.code, "secgate::policy::yaml");
    // The span is where the line and column say, so miette labels that line.
    let (line, col) = line_col(text, d.span.0);
    assert_eq!((line, col), (d.line, d.column), "{}", d.one_line());
    assert!(d.span.1 >= 1, "a visible span: {:?}", d.span);
    (d.one_line(), &text[d.span.0..])
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[test]
fn bad_indentation_is_located_on_its_line() {
    let (msg, at) = syntax_error("fail_on: high\nbudgets:\n  medium: 1\n   low: 2\n");
    assert!(
        msg.starts_with("p.yml:4:7: the policy is not valid YAML"),
        "{msg}"
    );
    assert!(at.starts_with(": 2\n"), "{at:?}");
}

#[test]
fn an_unclosed_quote_is_located_at_the_quote() {
    let (msg, at) =
        syntax_error("fail_on: high\nexceptions:\n  - id: \"CVE-2021-1\n    reason: x\n");
    assert!(msg.starts_with("p.yml:3:9: "), "{msg}");
    assert!(msg.contains("unclosed quote"), "{msg}");
    assert!(at.starts_with("\"CVE-2021-1"), "{at:?}");
}

#[test]
fn a_tab_used_for_indentation_is_located_on_its_line() {
    let (msg, at) = syntax_error("fail_on: high\nbudgets:\n\tmedium: 1\n");
    assert!(msg.starts_with("p.yml:3:2: "), "{msg}");
    assert!(msg.contains("tab"), "{msg}");
    assert!(at.starts_with("medium: 1"), "{at:?}");
}

#[test]
fn columns_count_characters_not_bytes() {
    // `é` is two bytes: the span still starts at the reported column.
    let (msg, at) = syntax_error("# clé\nexceptions:\n  - id: x\n    reason: \"é\n");
    assert!(msg.starts_with("p.yml:4:13: "), "{msg}");
    assert!(at.starts_with("\"é"), "{at:?}");
}

#[test]
fn a_duplicate_key_is_one_problem_among_all_the_others() {
    let text = "budgets: {medium: 1, medium: 2}\nfial_on: high\nmin_confidence: hgh\n";
    let e = errors(text);
    let got: Vec<(usize, usize, &str)> = e.errors().map(|d| (d.line, d.column, d.code)).collect();
    assert_eq!(
        got,
        vec![
            (1, 22, "secgate::policy::duplicate_key"),
            (2, 1, "secgate::policy::unknown_key"),
            (3, 17, "secgate::policy::unknown_confidence"),
        ],
        "{:#?}",
        e.diagnostics
            .iter()
            .map(|d| d.one_line())
            .collect::<Vec<_>>()
    );
    let dup = e.errors().next().unwrap();
    // The span is the second `medium`, not the first.
    assert_eq!(dup.span.0, 21);
    assert_eq!(&text[dup.span.0..dup.span.0 + dup.span.1], "medium");
    assert_eq!(
        dup.one_line(),
        "p.yml:1:22: `medium` appears twice in `budgets` (keep one of them)"
    );
}

#[test]
fn duplicate_keys_in_block_mappings_at_every_level() {
    let text = "fail_on: high\nexceptions:\n  - id: CVE-2021-44228\n    reason: a\n    reason: b\nfail_on: low\ncategories:\n  sast: {fail_on: low}\n  SAST: {fail_on: info}\nbudgets:\n  medium: 1\n  Medium: 2\n";
    let e = errors(text);
    let got: Vec<(usize, usize, &str)> = e.errors().map(|d| (d.line, d.column, d.code)).collect();
    assert_eq!(
        got,
        vec![
            (5, 5, "secgate::policy::duplicate_key"),
            (6, 1, "secgate::policy::duplicate_key"),
            (9, 3, "secgate::policy::duplicate_key"),
            (12, 3, "secgate::policy::duplicate_key"),
        ],
        "{:#?}",
        e.diagnostics
            .iter()
            .map(|d| d.one_line())
            .collect::<Vec<_>>()
    );
}
