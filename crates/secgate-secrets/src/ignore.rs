//! The ignore file (`.secgate-secrets-ignore`): fingerprints of accepted findings.
//!
//! One fingerprint per line, `<rule-id>:<first 16 hex digits of SHA-256 of the
//! secret>` (as printed by every output format), `#` starts a comment. The
//! fingerprint holds no line number and no path: an ignored secret stays
//! ignored when lines move or the file is renamed, and a *different* secret
//! added on the same line is still reported (unlike gitleaks' line-pinned
//! `.gitleaksignore`).
//!
//! ```
//! use secgate_secrets::{Engine, IgnoreFile};
//! let engine = Engine::builtin();
//! let token = secgate_secrets::rules::sample::expand("{gh:ghp_}", 1);
//! let hits = engine.scan("a.env", format!("T={token}\n").as_bytes());
//! let ignore = IgnoreFile::parse(&format!("# accepted: test fixture\n{}\n", hits[0].fingerprint)).unwrap();
//! assert!(ignore.contains(&hits[0]));
//! // The same secret on another line of another file is still ignored.
//! let moved = engine.scan("b.env", format!("\n\nX={token}\n").as_bytes());
//! assert!(ignore.contains(&moved[0]));
//! ```

use crate::Hit;
use std::collections::BTreeSet;

/// A line of an ignore file that is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("line {line}: `{text}` is not a fingerprint (expected `<rule-id>:<16 hex digits>`, as printed in the scan output)")]
#[diagnostic(
    code(secgate_secrets::ignore::syntax),
    help("copy the fingerprint from the finding (`secgate-secrets ... --format json` shows it); `#` starts a comment")
)]
pub struct IgnoreError {
    /// 1-based line number.
    pub line: usize,
    /// The offending text.
    pub text: String,
}

/// A parsed ignore file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    fingerprints: BTreeSet<String>,
}

/// Whether `s` has the fingerprint shape `<rule-id>:<16 hex>`.
pub fn is_fingerprint(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((rule, hash)) => {
            !rule.is_empty()
                && rule.bytes().all(crate::rules::is_rule_id_byte)
                && hash.len() == crate::FINGERPRINT_HEX_DIGITS
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

impl IgnoreFile {
    /// Parses the text of an ignore file. Trailing comments (`fp  # why`) are allowed.
    pub fn parse(text: &str) -> Result<IgnoreFile, IgnoreError> {
        let mut fingerprints = BTreeSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if !is_fingerprint(line) {
                return Err(IgnoreError {
                    line: i + 1,
                    text: line.to_string(),
                });
            }
            fingerprints.insert(line.to_ascii_lowercase_hash());
        }
        Ok(IgnoreFile { fingerprints })
    }

    /// Whether the hit's fingerprint is listed.
    pub fn contains(&self, hit: &Hit) -> bool {
        self.fingerprints.contains(&hit.fingerprint)
    }

    /// Whether a fingerprint is listed.
    pub fn contains_fingerprint(&self, fp: &str) -> bool {
        self.fingerprints.contains(fp)
    }

    /// Number of fingerprints.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

trait LowerHash {
    fn to_ascii_lowercase_hash(&self) -> String;
}

impl LowerHash for str {
    /// Lowercases the hash part only (rule ids are case-sensitive).
    fn to_ascii_lowercase_hash(&self) -> String {
        match self.rsplit_once(':') {
            Some((r, h)) => format!("{r}:{}", h.to_ascii_lowercase()),
            None => self.to_string(),
        }
    }
}
