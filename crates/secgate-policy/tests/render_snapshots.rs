//! insta snapshots of every renderer over the fixed verdict (and an empty one).
//! Review changes with `cargo insta review`; the GitLab reports use the fixed
//! time `render_fixtures::NOW`.

mod render_fixtures;

use render_fixtures::*;
use secgate_policy::render::{
    code_quality, dotenv, gitlab_security_reports_at, json, junit, markdown, sarif, terminal,
    TerminalOptions, TOOL_VERSION,
};

/// Pretty JSON with secgate's own version masked, so that a release does not
/// change every snapshot.
fn j(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v)
        .unwrap()
        .replace(&format!("\"{TOOL_VERSION}\""), "\"[version]\"")
        .replace(&format!("secgate {TOOL_VERSION}"), "secgate [version]")
}

#[test]
fn snapshot_terminal() {
    let v = verdict();
    insta::assert_snapshot!("terminal_plain", terminal(&v, &TerminalOptions::default()));
    insta::assert_snapshot!(
        "terminal_explain_verbose",
        terminal(
            &v,
            &TerminalOptions {
                color: false,
                explain: true,
                verbose: true,
                max_findings: 0,
            }
        )
    );
    insta::assert_snapshot!(
        "terminal_color",
        terminal(
            &v,
            &TerminalOptions {
                color: true,
                explain: false,
                verbose: false,
                max_findings: 0,
            }
        )
    );
    insta::assert_snapshot!(
        "terminal_empty",
        terminal(&empty_verdict(), &TerminalOptions::default())
    );
}

#[test]
fn snapshot_code_quality() {
    insta::assert_snapshot!("code_quality", j(&code_quality(&verdict(), None)));
}

#[test]
fn snapshot_junit() {
    insta::assert_snapshot!("junit", junit(&verdict()));
    insta::assert_snapshot!("junit_empty", junit(&empty_verdict()));
}

#[test]
fn snapshot_gitlab_reports() {
    for (kind, doc) in gitlab_security_reports_at(&verdict(), NOW) {
        insta::assert_snapshot!(format!("gitlab_{}", kind.as_str()), j(&doc));
    }
    let empty = gitlab_security_reports_at(&empty_verdict(), NOW);
    assert_eq!(empty.len(), 1);
    insta::assert_snapshot!("gitlab_empty_container_scanning", j(&empty[0].1));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!("sarif", j(&sarif(&verdict())));
}

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!("markdown", markdown(&verdict()));
    insta::assert_snapshot!("markdown_empty", markdown(&empty_verdict()));
}

#[test]
fn snapshot_dotenv() {
    insta::assert_snapshot!("dotenv", dotenv(&verdict()));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!("json", j(&json(&verdict())));
}
