//! The outputs of `secgate-secrets`: text, JSON, SARIF 2.1.0 and a GitLab
//! secret-detection report (schema 15.2.1).
//!
//! No output ever holds a secret: a [`Hit`] carries only its redacted form
//! (a known prefix and the last characters at most) and a fingerprint of the
//! rule and a hash of the secret; SARIF and the GitLab report are built from
//! [`Hit::to_finding`], which carries no secret text either.
//!
//! | format | what | for |
//! |---|---|---|
//! | `text` | `file:line:col: rule: description`, the redacted value, the commit, then what to do | a person, the git hook |
//! | `json` | `{"version": 1, "tool", "mode", "summary", "findings": [...], "skipped": [...]}` | scripts; as is, a later run's `--baseline` (it is a superset of the baseline format) |
//! | `sarif` | SARIF 2.1.0 | GitHub code scanning, IDEs, DefectDojo |
//! | `gitlab` | GitLab secret-detection report 15.2.1 | `artifacts:reports:secret_detection` |

use crate::walk::Scan;
use crate::Hit;
use secgate_core::{fingerprint, Category, Finding, Scanner};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The version of the JSON output's shape.
pub const JSON_VERSION: u32 = 1;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human text.
    Text,
    /// secgate-secrets JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitLab secret-detection report.
    Gitlab,
}

impl Format {
    /// Parses `text`, `json`, `sarif` or `gitlab`.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "text" => Format::Text,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "gitlab" | "gitlab-secret-detection" | "secret-detection" => Format::Gitlab,
            _ => return None,
        })
    }
}

/// An output that cannot be produced (reserved: every format renders today).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The format is not available in this build.
    #[error("the {0} output is not available in this build; use --format text or json")]
    NotAvailable(&'static str),
}

/// What a run was, for the outputs.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The mode: `staged`, `files`, `dir`, `range`, `history`.
    pub mode: String,
    /// Whether the text output may use colour.
    pub color: bool,
}

/// The scanner as written into SARIF and GitLab reports.
pub fn scanner() -> Scanner {
    Scanner::named("secgate-secrets")
        .with_version(Some(env!("CARGO_PKG_VERSION").to_string()))
        .with_vendor(Some("secgate".to_string()))
}

/// The hits as findings of the shared model, fingerprinted.
pub fn findings(scan: &Scan) -> Vec<Finding> {
    let mut out: Vec<Finding> = scan.hits.iter().map(Hit::to_finding).collect();
    fingerprint::assign(&mut out);
    out
}

/// Renders a scan in a format.
pub fn render(format: Format, scan: &Scan, info: &RunInfo) -> Result<String, OutputError> {
    match format {
        Format::Text => Ok(text(scan, info)),
        Format::Json => Ok(pretty(&json_report(scan, info))),
        Format::Sarif => sarif(scan).map(|v| pretty(&v)),
        Format::Gitlab => gitlab(scan).map(|v| pretty(&v)),
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

fn short_commit(c: &str) -> &str {
    c.get(..12).unwrap_or(c)
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// The text output: one block per secret, a summary, the skipped files, and
/// what to do.
pub fn text(scan: &Scan, info: &RunInfo) -> String {
    let c = info.color;
    let mut out = String::new();
    for h in &scan.hits {
        let _ = write!(
            out,
            "{}: {}\n    {}\n    secret: {}",
            paint(c, "1", &format!("{}:{}:{}", h.path, h.line, h.column)),
            paint(c, "31;1", &h.rule_id),
            h.description,
            h.redacted,
        );
        if let Some(commit) = &h.commit {
            let _ = write!(out, "  commit: {}", short_commit(commit));
        }
        let _ = writeln!(out, "  fingerprint: {}", h.fingerprint);
    }
    for s in &scan.skipped {
        let _ = write!(out, "note: {}: not scanned: {}", s.path, s.reason);
        if let Some(commit) = &s.commit {
            let _ = write!(out, " (commit {})", short_commit(commit));
        }
        out.push('\n');
    }
    let mut summary = format!(
        "secgate-secrets {}: {} scanned ({} bytes)",
        info.mode,
        plural(scan.files_scanned, "file"),
        scan.bytes_scanned
    );
    if scan.commits_scanned > 0 || info.mode == "range" || info.mode == "history" {
        let _ = write!(summary, " in {}", plural(scan.commits_scanned, "commit"));
    }
    if !scan.skipped.is_empty() {
        let _ = write!(summary, ", {} skipped", scan.skipped.len());
    }
    if scan.allowlisted > 0 {
        let _ = write!(summary, ", {} allowlisted by config", scan.allowlisted);
    }
    if scan.hits.is_empty() {
        let _ = writeln!(out, "{summary}: no secrets found.");
    } else {
        let _ = writeln!(
            out,
            "{summary}: {}.",
            paint(
                c,
                "31;1",
                &format!("{} found", plural(scan.hits.len() as u64, "secret"))
            )
        );
        out.push_str(WHAT_TO_DO);
    }
    out
}

/// The advice printed after findings.
pub const WHAT_TO_DO: &str = "\
What to do:
  1. Rotate the credential first: revoke it and issue a new one at its provider.
     A secret that reached a commit, a push or a CI log must be treated as leaked.
  2. Then remove it: read it from the environment or a secret store instead
     (unstage with `git restore --staged FILE`; for pushed history, rewrite it
     with git filter-repo and tell the provider the old value is compromised).
  3. Not a secret? Add `secgate:allow` in a comment on that line, or add the
     fingerprint to `.secgate-secrets-ignore`. Adopting the hook in a repository
     with old secrets: `--baseline`. See docs/secrets-hook.md.
";

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The JSON output.
pub fn json_report(scan: &Scan, info: &RunInfo) -> Value {
    let findings: Vec<Value> = scan
        .hits
        .iter()
        .map(|h| {
            json!({
                "rule_id": h.rule_id,
                "rule": h.rule_id,
                "description": h.description,
                "file": h.path,
                "path": h.path,
                "line": h.line,
                "column": h.column,
                "end_column": h.end_column,
                "redacted": h.redacted,
                "fingerprint": h.fingerprint.to_string(),
                "entropy": h.entropy,
                "commit": h.commit,
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "tool": "secgate-secrets",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "mode": info.mode,
        "summary": {
            "secrets": scan.hits.len(),
            "files_scanned": scan.files_scanned,
            "bytes_scanned": scan.bytes_scanned,
            "commits_scanned": scan.commits_scanned,
            "skipped": scan.skipped.len(),
            "allowlisted": scan.allowlisted,
        },
        "findings": findings,
        "skipped": scan.skipped,
    })
}

/// SARIF 2.1.0, through the shared renderer (`secgate_policy::render::sarif_log`).
pub fn sarif(scan: &Scan) -> Result<Value, OutputError> {
    Ok(secgate_policy::render::sarif_log(&findings(scan)))
}

/// A GitLab secret-detection report (schema 15.2.1), through the shared
/// renderer (`secgate_policy::render::gitlab_security_report`).
pub fn gitlab(scan: &Scan) -> Result<Value, OutputError> {
    Ok(secgate_policy::render::gitlab_security_report(
        &Category::SecretDetection,
        &findings(scan),
        &[scanner()],
    ))
}
