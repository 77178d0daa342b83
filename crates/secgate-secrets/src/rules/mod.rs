//! Rules: what a secret looks like.
//!
//! A [`Rule`] is an id, a description, keywords (lowercase ASCII; the line must
//! contain one for the rule to run: the prefilter), a regex (ASCII-only, bytes)
//! whose named group `secret`, or else whose first participating group, is the
//! secret, an optional Shannon entropy floor, and an optional [`Validator`]
//! (a checksum or a structural check).
//!
//! The built-in rules are [`builtin::BUILTIN`]: Rust data, each definition next
//! to its true-positive and true-negative samples (templates expanded by
//! [`sample::expand`], so that no real-looking credential is committed).

pub mod builtin;
pub mod sample;

use globset::GlobSet;
use regex::bytes::Regex;

/// How a rule's matches are found and filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// A format with a distinctive prefix or structure: runs on every line,
    /// including very long (minified) lines.
    Specific,
    /// A keyword-and-value assignment (`password = "..."`): gated by entropy and
    /// placeholder filters, skipped on lines longer than [`GENERIC_MAX_LINE`].
    Generic,
    /// A block that spans lines (PEM private keys, PuTTY key files): the regex
    /// runs from the start of the keyword's line over the following lines.
    Multiline,
}

/// Generic rules skip lines longer than this (minified code, embedded data).
pub const GENERIC_MAX_LINE: usize = 1000;

/// An extra check on a candidate secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// No extra check.
    None,
    /// GitHub/npm CRC-32 base62 checksum in the last 6 characters; the value is
    /// the length of the literal prefix.
    Crc32Suffix(usize),
    /// The secret is base64 of `user:password` with a non-empty password
    /// (docker `auth`, HTTP Basic).
    Base64UserPass,
    /// The secret is a JWT whose header decodes to JSON with an `alg`.
    Jwt,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id (`github-pat`, `aws-access-key-id`, ...), used in fingerprints and config.
    pub id: String,
    /// One-line description: what credential this is.
    pub description: String,
    /// Lowercase keywords; a line must contain one (case-insensitively) for the rule to run.
    pub keywords: Vec<String>,
    /// The regex (bytes, ASCII).
    pub regex: Regex,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f32>,
    /// Extra validation.
    pub validator: Validator,
    /// How it is matched.
    pub kind: RuleKind,
    /// The literal prefix every secret of this rule starts with, shown in redacted output.
    pub prefix: Option<String>,
    /// When set, the rule only applies to paths matching these globs.
    pub paths: Option<GlobSet>,
    /// Whether it is built in (false for rules from a config file).
    pub builtin: bool,
}

impl Rule {
    /// Index of the `secret` named group, if the regex has one.
    pub(crate) fn secret_group_index(&self) -> Option<usize> {
        self.regex.capture_names().position(|n| n == Some("secret"))
    }
}

/// The static definition of a built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// Stable id.
    pub id: &'static str,
    /// Description.
    pub description: &'static str,
    /// Lowercase keywords for the prefilter.
    pub keywords: &'static [&'static str],
    /// The regex source.
    pub regex: &'static str,
    /// Entropy floor.
    pub entropy: Option<f32>,
    /// Validator.
    pub validator: Validator,
    /// Kind.
    pub kind: RuleKind,
    /// Literal prefix shown in redacted output.
    pub prefix: Option<&'static str>,
    /// True-positive samples (templates, see [`sample::expand`]): each must give a hit of this rule.
    pub tp: &'static [&'static str],
    /// True-negative samples (templates): none may give a hit of this rule.
    pub tn: &'static [&'static str],
}

impl RuleDef {
    /// The defaults every definition starts from (`..RuleDef::BASE`).
    pub const BASE: RuleDef = RuleDef {
        id: "",
        description: "",
        keywords: &[],
        regex: "",
        entropy: None,
        validator: Validator::None,
        kind: RuleKind::Specific,
        prefix: None,
        tp: &[],
        tn: &[],
    };

    /// Compiles the definition. Built-in regexes are tested, so this only fails
    /// on a programming error (reported by the rules test).
    pub fn compile(&self) -> Result<Rule, regex::Error> {
        Ok(Rule {
            id: self.id.to_string(),
            description: self.description.to_string(),
            keywords: self
                .keywords
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
            regex: regex::bytes::RegexBuilder::new(self.regex)
                .unicode(false)
                .size_limit(50 << 20)
                .build()?,
            entropy: self.entropy,
            validator: self.validator,
            kind: self.kind,
            prefix: self.prefix.map(str::to_string),
            paths: None,
            builtin: true,
        })
    }
}
