//! Rules: what a secret looks like.
//!
//! A [`Rule`] is an id, a description, keywords (ASCII; the line must contain
//! one for the rule to run: the prefilter; lower-case ones in any case), a regex (ASCII-only, bytes)
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
use std::sync::OnceLock;

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
    /// Keywords; a line must contain one for the rule to run. A keyword in
    /// lower case matches in any case; one with an upper-case letter (`AKIA`)
    /// matches only that exact text.
    pub keywords: Vec<String>,
    /// The regex (bytes, ASCII), compiled on first use.
    pub regex: LazyRegex,
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

/// A rule's regex, compiled the first time a line needs it: a process that
/// scans a few lines (the pre-commit hook) compiles only the rules whose
/// keywords occur there, not all of them.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: &'static str,
    cell: OnceLock<Compiled>,
}

#[derive(Debug, Clone)]
struct Compiled {
    regex: Regex,
    secret_group: Option<usize>,
}

impl Compiled {
    fn new(regex: Regex) -> Compiled {
        let secret_group = regex.capture_names().position(|n| n == Some("secret"));
        Compiled {
            regex,
            secret_group,
        }
    }
}

/// Whether `b` may appear in a rule id: ASCII letters and digits, `-`, `_`
/// and `.` (ids appear in fingerprints, `<rule-id>:<hex>`, and in `disable:`).
pub(crate) fn is_rule_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// The one way rule regexes are built: bytes, ASCII (Unicode off).
pub(crate) fn build_regex(source: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(source)
        .unicode(false)
        .size_limit(50 << 20)
        .build()
}

impl LazyRegex {
    /// A regex compiled on first use. `source` must compile (built-in rules
    /// are all compiled by the rules test); a failure panics at first use.
    pub fn lazy(source: &'static str) -> LazyRegex {
        LazyRegex {
            source,
            cell: OnceLock::new(),
        }
    }

    /// An already compiled regex (configured rules, checked when loaded).
    pub fn compiled(regex: Regex) -> LazyRegex {
        LazyRegex {
            source: "",
            cell: OnceLock::from(Compiled::new(regex)),
        }
    }

    fn compiled_ref(&self) -> &Compiled {
        self.cell.get_or_init(|| {
            Compiled::new(build_regex(self.source).expect("built-in rule regexes compile"))
        })
    }

    /// The compiled regex (compiling it now if needed).
    pub fn get(&self) -> &Regex {
        &self.compiled_ref().regex
    }

    /// Whether it has been compiled yet.
    pub fn is_compiled(&self) -> bool {
        self.cell.get().is_some()
    }

    /// Index of the `secret` named group, if the regex has one.
    pub(crate) fn secret_group(&self) -> Option<usize> {
        self.compiled_ref().secret_group
    }
}

/// The static definition of a built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// Stable id.
    pub id: &'static str,
    /// Description.
    pub description: &'static str,
    /// Keywords for the prefilter: lower case to match in any case, with an
    /// upper-case letter to match exactly (see [`Rule::keywords`]).
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

    /// Compiles the definition now. Built-in regexes are tested, so this only
    /// fails on a programming error (reported by the rules test).
    pub fn compile(&self) -> Result<Rule, regex::Error> {
        let mut rule = self.lazy();
        rule.regex = LazyRegex::compiled(build_regex(self.regex)?);
        Ok(rule)
    }

    /// The rule with its regex compiled on first use (what the engine holds).
    pub fn lazy(&self) -> Rule {
        Rule {
            id: self.id.to_string(),
            description: self.description.to_string(),
            keywords: self.keywords.iter().map(|k| k.to_string()).collect(),
            regex: LazyRegex::lazy(self.regex),
            entropy: self.entropy,
            validator: self.validator,
            kind: self.kind,
            prefix: self.prefix.map(str::to_string),
            paths: None,
            builtin: true,
        }
    }
}
