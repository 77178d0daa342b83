//! Baselines: adopting the hook in a repository that already holds old secrets.
//!
//! A baseline is a JSON file listing the fingerprints of findings that existed
//! when it was taken (with the path and rule, for the reader only). Findings in
//! the baseline are not reported; a new secret, even in the same file or on the
//! same line, is. Like the ignore file, entries survive lines moving.
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": "secgate-secrets",
//!   "findings": [
//!     { "fingerprint": "github-pat:0123456789abcdef", "rule": "github-pat", "path": "old/config.env" }
//!   ]
//! }
//! ```

use crate::Hit;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One baseline entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// `<rule-id>:<16 hex>`.
    pub fingerprint: String,
    /// The rule id (informational).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule: String,
    /// Where it was when the baseline was taken (informational).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version (1).
    pub version: u32,
    /// Always `secgate-secrets`.
    #[serde(default)]
    pub tool: String,
    /// The accepted findings.
    pub findings: Vec<BaselineEntry>,
    #[serde(skip)]
    index: BTreeSet<String>,
}

/// A baseline that cannot be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BaselineError {
    /// Not JSON, or not the baseline shape.
    #[error("{name}:{line}:{column}: not a secgate-secrets baseline: {message}")]
    #[diagnostic(
        code(secgate_secrets::baseline::parse),
        help("create one with `secgate-secrets ... --format json` output converted by `Baseline::from_hits`, or delete the file to start over")
    )]
    Parse {
        /// File name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// An entry whose fingerprint is malformed.
    #[error("{name}: entry {index}: `{fingerprint}` is not a fingerprint (expected `<rule-id>:<16 hex digits>`)")]
    #[diagnostic(code(secgate_secrets::baseline::fingerprint))]
    Fingerprint {
        /// File name.
        name: String,
        /// 0-based entry index.
        index: usize,
        /// The bad value.
        fingerprint: String,
    },
    /// An unsupported version.
    #[error("{name}: baseline version {version} is not supported (expected 1)")]
    #[diagnostic(code(secgate_secrets::baseline::version))]
    Version {
        /// File name.
        name: String,
        /// The version found.
        version: u32,
    },
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            version: 1,
            tool: "secgate-secrets".to_string(),
            findings: Vec::new(),
            index: BTreeSet::new(),
        }
    }
}

impl Baseline {
    /// A baseline of these hits (deduplicated by fingerprint, sorted).
    pub fn from_hits<'a>(hits: impl IntoIterator<Item = &'a Hit>) -> Baseline {
        let mut findings: Vec<BaselineEntry> = hits
            .into_iter()
            .map(|h| BaselineEntry {
                fingerprint: h.fingerprint.clone(),
                rule: h.rule_id.clone(),
                path: h.path.clone(),
            })
            .collect();
        findings.sort();
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        let mut b = Baseline {
            findings,
            ..Baseline::default()
        };
        b.reindex();
        b
    }

    /// Parses a baseline from JSON text; `name` is used in errors.
    pub fn load(text: &str, name: &str) -> Result<Baseline, BaselineError> {
        let mut b: Baseline = serde_json::from_str(text).map_err(|e| BaselineError::Parse {
            name: name.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if b.version != 1 {
            return Err(BaselineError::Version {
                name: name.to_string(),
                version: b.version,
            });
        }
        for (i, e) in b.findings.iter().enumerate() {
            if !crate::ignore::is_fingerprint(&e.fingerprint) {
                return Err(BaselineError::Fingerprint {
                    name: name.to_string(),
                    index: i,
                    fingerprint: e.fingerprint.clone(),
                });
            }
        }
        b.reindex();
        Ok(b)
    }

    /// Serialises to pretty JSON (with a trailing newline).
    pub fn save(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Whether the hit is in the baseline.
    pub fn contains(&self, hit: &Hit) -> bool {
        self.index.contains(&hit.fingerprint)
    }

    fn reindex(&mut self) {
        self.index = self
            .findings
            .iter()
            .map(|e| e.fingerprint.clone())
            .collect();
    }
}
