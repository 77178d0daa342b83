//! The policy: what the gate fails on, what it lets pass, what it requires.
//!
//! Read one with [`Policy::parse`] (every problem in the file at once, each a
//! [`PolicyDiagnostic`] with a span on its YAML line) or take the embedded
//! [`Policy::default_policy`]. The reference is `docs/policy.md`; the JSON
//! Schema is [`SCHEMA`].

mod date;
mod diagnostic;
mod parse;
pub mod schema;
pub mod yaml;

pub use date::{Date, DateError};
pub use diagnostic::{DiagnosticLevel, PolicyDiagnostic, PolicyError};
pub use parse::{suggest, EXCEPTION_KEYS, REQUIRE_KEYS, RULE_KEYS, TOP_KEYS};

use globset::GlobMatcher;
use secgate_core::{Category, Confidence, Severity};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// The embedded default policy (`secgate policy print` with no policy file shows it).
pub const DEFAULT_POLICY: &str = include_str!("../default-policy.yml");

/// The JSON Schema of the policy file (`secgate policy schema`); its word
/// patterns are [`schema::patterns`].
pub const SCHEMA: &str = include_str!("../../schema/policy.schema.json");

/// The default `warn_expiring_days`.
pub const DEFAULT_WARN_EXPIRING_DAYS: u32 = 14;

/// The severity threshold: fail at or above a severity, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Never fail on severity alone (budgets and required scanners still apply).
    Never,
    /// Fail on findings at or above this severity.
    AtLeast(Severity),
}

impl Threshold {
    /// Whether a severity reaches the threshold.
    pub fn reached_by(self, s: Severity) -> bool {
        match self {
            Threshold::Never => false,
            Threshold::AtLeast(t) => s >= t,
        }
    }

    /// `none` or the severity name.
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Never => "none",
            Threshold::AtLeast(s) => s.as_str(),
        }
    }
}

impl Serialize for Threshold {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What to do with findings their producer marked suppressed (SARIF
/// `suppressions`, Trivy VEX, ZAP false positives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressedMode {
    /// They pass, with the reason "suppressed in the report" (the default).
    Ignore,
    /// They are judged like any other finding.
    Judge,
}

/// Rules that a category or scanner override may replace. `None` inherits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rules {
    /// The threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Threshold>,
    /// Per-severity budgets: allow this many findings of a severity; fail them all when exceeded.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub budgets: BTreeMap<Severity, u64>,
    /// The minimum confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<Confidence>,
    /// Let findings with no fix available pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_unfixed: Option<bool>,
    /// What to do with producer-suppressed findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_findings: Option<SuppressedMode>,
}

/// A scanner or category that must have reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// The category that must have reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The scanner (id or name, case-insensitive) that must have reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanner: Option<String>,
    /// Accept a valid report with zero findings (default false: zero findings
    /// from a required scanner fails the gate, since it usually means the
    /// scanner analysed nothing).
    pub allow_empty: bool,
    /// The line of the entry in the policy file (0 for built-in).
    #[serde(skip)]
    pub line: usize,
}

impl Requirement {
    /// `category sast` or `scanner trivy`.
    pub fn describe(&self) -> String {
        match (&self.category, &self.scanner) {
            (Some(c), Some(s)) => format!("scanner `{s}` ({c})"),
            (Some(c), None) => format!("category `{c}`"),
            (None, Some(s)) => format!("scanner `{s}`"),
            (None, None) => "nothing".to_string(),
        }
    }
}

/// An exception: findings it matches are exempted while it has not expired.
#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    /// An identifier: CVE, CWE, GHSA, OWASP, `scheme:value`, or a rule id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A fingerprint: 64 hex digits, or a prefix of at least 12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Narrows to findings whose file matches one of these globs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Narrows to a package: a name, or a purl (`pkg:npm/lodash`, with or without `@version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Narrows to an image reference or glob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Why (required).
    pub reason: String,
    /// Who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The tracking ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The last day it applies (inclusive).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_date")]
    pub expires: Option<Date>,
    /// The line of the entry in the policy file.
    #[serde(skip)]
    pub line: usize,
    #[serde(skip)]
    pub(crate) path_globs: Vec<GlobMatcher>,
    #[serde(skip)]
    pub(crate) image_glob: Option<GlobMatcher>,
    /// `id` as it was parsed, and parsed (once, with the policy).
    #[serde(skip)]
    pub(crate) id_pattern: Option<(String, secgate_core::IdPattern)>,
}

fn ser_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

impl PartialEq for Exception {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.id,
            &self.fingerprint,
            &self.paths,
            &self.package,
            &self.image,
            &self.reason,
            &self.owner,
            &self.ticket,
            &self.expires,
        ) == (
            &o.id,
            &o.fingerprint,
            &o.paths,
            &o.package,
            &o.image,
            &o.reason,
            &o.owner,
            &o.ticket,
            &o.expires,
        )
    }
}

impl Exception {
    /// `id` parsed: the pattern parsed with the policy, or parsed now if `id`
    /// was changed since (the fields are public).
    pub(crate) fn parsed_id(&self) -> Option<std::borrow::Cow<'_, secgate_core::IdPattern>> {
        use std::borrow::Cow;
        let id = self.id.as_ref()?;
        Some(match &self.id_pattern {
            Some((from, p)) if from == id => Cow::Borrowed(p),
            _ => Cow::Owned(secgate_core::IdPattern::new(id)),
        })
    }

    /// A short label: the id, else `fingerprint <12 hex>`, with the policy line.
    pub fn label(&self) -> String {
        let what = match (&self.id, &self.fingerprint) {
            (Some(id), _) => id.clone(),
            (None, Some(fp)) => format!(
                "fingerprint {}",
                &fp[..fp.char_indices().nth(12).map_or(fp.len(), |(i, _)| i)]
            ),
            (None, None) => "exception".to_string(),
        };
        let mut narrow = Vec::new();
        if !self.paths.is_empty() {
            narrow.push(format!("paths {}", self.paths.join(", ")));
        }
        if let Some(p) = &self.package {
            narrow.push(format!("package {p}"));
        }
        if let Some(i) = &self.image {
            narrow.push(format!("image {i}"));
        }
        if narrow.is_empty() {
            what
        } else {
            format!("{what} ({})", narrow.join("; "))
        }
    }

    /// The reason with owner, ticket and expiry, for explanations.
    pub fn reason_text(&self) -> String {
        let mut s = self.reason.clone();
        let mut extra = Vec::new();
        if let Some(o) = &self.owner {
            extra.push(format!("owner {o}"));
        }
        if let Some(t) = &self.ticket {
            extra.push(format!("ticket {t}"));
        }
        if let Some(e) = &self.expires {
            extra.push(format!("expires {e}"));
        }
        if !extra.is_empty() {
            s.push_str(&format!(" [{}]", extra.join(", ")));
        }
        s
    }
}

/// A complete policy, defaults filled in.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// The policy format version (1).
    pub version: u32,
    /// The global threshold and rules.
    #[serde(flatten)]
    pub rules: Rules,
    /// Only new findings fail: those whose fingerprint is in the `--baseline` are existing.
    pub new_only: bool,
    /// Warn about exceptions expiring within this many days.
    pub warn_expiring_days: u32,
    /// Overrides per category (by name: `sast`, `dast`, `dependency_scanning`...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, Rules>,
    /// Overrides per scanner (by id, lowercase: `trivy`, `semgrep`...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub scanners: BTreeMap<String, Rules>,
    /// Required scanners or categories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub require: Vec<Requirement>,
    /// Exceptions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
    /// Where it was read from (a path, or `(default)`).
    #[serde(skip)]
    pub source: String,
    /// Warnings found while reading it (not errors).
    #[serde(skip)]
    pub warnings: Vec<PolicyDiagnostic>,
}

impl Policy {
    /// Parses a policy file; `name` is the path shown in diagnostics.
    /// Every problem in the file is reported at once.
    pub fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
        parse::parse(text, name)
    }

    /// The embedded default policy: fail on high and critical, nothing required,
    /// suppressed findings ignored, no exceptions.
    pub fn default_policy() -> Policy {
        parse::parse(DEFAULT_POLICY, "(default policy)")
            .expect("the embedded default policy is valid")
    }

    /// The effective policy as YAML (`secgate policy print`).
    pub fn to_yaml(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        fill_defaults(&mut value);
        serde_saphyr::to_string(&value).unwrap_or_default()
    }

    /// The global threshold (`fail_on`, default high).
    pub fn fail_on(&self) -> Threshold {
        self.rules
            .fail_on
            .unwrap_or(Threshold::AtLeast(Severity::High))
    }
}

fn fill_defaults(v: &mut serde_json::Value) {
    if let Some(o) = v.as_object_mut() {
        o.entry("fail_on").or_insert("high".into());
        o.entry("ignore_unfixed").or_insert(false.into());
        o.entry("suppressed_findings").or_insert("ignore".into());
        o.entry("min_confidence").or_insert(serde_json::Value::Null);
        o.entry("budgets").or_insert(serde_json::json!({}));
    }
}
