//! # secgate-secrets
//!
//! Secret detection for secgate: the built-in rules ([`rules::builtin::BUILTIN`],
//! over 150 credential formats), the scanning [`Engine`] (bytes in, [`Hit`]s
//! out, no I/O), the configuration file ([`Config`]), the ignore file of
//! fingerprints ([`IgnoreFile`]) and baselines ([`Baseline`]).
//!
//! A hit never carries the secret: only its SHA-256, a redacted form safe to
//! print, and a fingerprint `<rule-id>:<first 16 hex of the SHA-256>` that does
//! not change when lines move.
//!
//! ```
//! use secgate_secrets::{Engine, rules::sample::expand};
//! let engine = Engine::builtin();
//! let text = expand("import os\nGITHUB_TOKEN = \"{gh:ghp_}\"\n", 42);
//! let hits = engine.scan("app/settings.py", text.as_bytes());
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].rule_id, "github-pat");
//! assert_eq!((hits[0].line, hits[0].column), (2, 17));
//! assert_eq!(hits[0].redacted, "ghp_…");
//! assert!(!format!("{:?}", hits[0].to_finding()).contains(&text[25..60]));
//! ```
#![deny(missing_docs)]

pub mod allow;
pub mod baseline;
pub mod checksum;
pub mod config;
pub mod engine;
pub mod entropy;
pub mod git;
pub mod ignore;
pub mod output;
mod prefilter;

/// Hex digits of the secret's SHA-256 in a fingerprint (`<rule-id>:<digits>`):
/// the digits of [`SecretDigest`], which the gate's readers compute the same way.
pub(crate) const FINGERPRINT_HEX_DIGITS: usize = SecretDigest::HEX_DIGITS;
pub mod rules;
pub mod walk;

pub use baseline::{Baseline, BaselineEntry, BaselineError};
pub use config::{Config, ConfigError};
pub use engine::Engine;
pub use ignore::{IgnoreError, IgnoreFile};
pub use rules::{Rule, RuleKind, Validator};

use secgate_core::{
    Category, Confidence, Finding, Identifier, Location, Scanner, SecretDigest, Severity,
};

/// One secret found. Holds no secret text: only its hash and a redacted form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// The rule that matched.
    pub rule_id: String,
    /// The rule's description (what credential this is).
    pub description: String,
    /// The path, as given to the scan.
    pub path: String,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based byte column of the secret's first byte.
    pub column: u32,
    /// 1-based byte column just past the secret on its first line (exclusive).
    pub end_column: u32,
    /// SHA-256 of the secret bytes, lowercase hex.
    pub secret_sha256: String,
    /// Safe to print: the format's literal prefix followed by `…` (`ghp_…`), or `****`.
    pub redacted: String,
    /// `<rule_id>:<first 16 hex of secret_sha256>` (the [`SecretDigest`] of
    /// the secret): stable when lines move.
    pub fingerprint: String,
    /// Shannon entropy of the secret (bits per byte).
    pub entropy: Option<f32>,
    /// The commit that introduced it (filled by git sources).
    pub commit: Option<String>,
}

impl Hit {
    pub(crate) fn new(
        rule: &Rule,
        path: &str,
        line: u32,
        column: u32,
        end_column: u32,
        secret: &[u8],
    ) -> Hit {
        let secret_sha256 = engine::sha256_hex(secret);
        // The digest every reader of the gate computes for this secret.
        let fingerprint = format!("{}:{}", rule.id, SecretDigest::of(secret));
        let redacted = match rule.prefix.as_deref() {
            Some(p)
                if !p.is_empty()
                    && secret.starts_with(p.as_bytes())
                    && secret.len() >= p.len() + 8 =>
            {
                format!("{p}…")
            }
            _ => "****".to_string(),
        };
        Hit {
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            path: path.to_string(),
            line,
            column,
            end_column,
            secret_sha256,
            redacted,
            fingerprint,
            entropy: Some(entropy::shannon(secret)),
            commit: None,
        }
    }

    /// The secret's digest: the first 16 hex digits of `secret_sha256`, the
    /// ones the fingerprint ends with (`None` only for a hit whose
    /// `secret_sha256` is not a SHA-256, which [`Hit`]s made by a scan never are).
    pub fn digest(&self) -> Option<SecretDigest> {
        SecretDigest::from_sha256_hex(&self.secret_sha256)
    }

    /// `path:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.path, self.line, self.column)
    }

    /// The finding in secgate's model: category secret detection, severity
    /// critical, a [`Location::Secret`] with the secret's digest (the digits of
    /// the hit's fingerprint, which the model's fingerprint hashes), the rule
    /// id and an identifier of scheme `secgate_secrets_rule`. No secret text
    /// anywhere; the hit's fingerprint is kept as the finding's `source_id`.
    /// The caller runs `secgate_core::fingerprint::assign` over the findings
    /// of one report.
    pub fn to_finding(&self) -> Finding {
        let mut f = Finding::new(
            Scanner {
                id: "secgate-secrets".to_string(),
                name: "secgate-secrets".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
                vendor: Some("secgate".to_string()),
            },
            Category::SecretDetection,
            Severity::Critical,
            self.description.clone(),
            Location::Secret {
                file: self.path.clone(),
                line: Some(self.line),
                commit: self.commit.clone(),
                digest: self.digest(),
            },
        );
        f.confidence = Confidence::High;
        f.rule_id = Some(self.rule_id.clone());
        f.add_identifier(Identifier::Other {
            scheme: "secgate_secrets_rule".to_string(),
            value: self.rule_id.clone(),
        });
        f.description = Some(format!(
            "{} found at {} ({}).",
            self.description,
            self.location(),
            self.redacted
        ));
        f.solution = Some(
            "Rotate (revoke and reissue) the credential first: it is exposed as soon as it is committed or pushed. \
             Then remove it from the code and load it from the environment or a secret store. \
             If it is not a secret, add `secgate:allow` on the line or its fingerprint to .secgate-secrets-ignore."
                .to_string(),
        );
        f.source_id = Some(self.fingerprint.clone());
        f
    }
}
