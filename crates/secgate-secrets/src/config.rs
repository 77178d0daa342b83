//! The configuration file (`.secgate-secrets.yml`), documented in
//! `docs/secrets-config.md`.
//!
//! ```
//! use secgate_secrets::{Config, Engine};
//! let cfg = Config::from_yaml(r#"
//! rules:
//!   - id: acme-internal-token
//!     description: ACME internal service token
//!     regex: '(acme_[a-z0-9]{32})'
//!     keywords: [acme_]
//! disable: [generic-password]
//! allow:
//!   paths: ["tests/fixtures/**"]
//!   stopwords: [localdev]
//! "#, ".secgate-secrets.yml").unwrap();
//! let engine = Engine::new(&cfg).unwrap();
//! let hits = engine.scan("src/a.py", b"T = 'acme_0123456789abcdefghijklmnopqrstuv'\n");
//! assert_eq!(hits[0].rule_id, "acme-internal-token");
//! assert!(engine.is_path_allowed("tests/fixtures/keys.pem"));
//! ```

// Config errors carry the YAML source for located diagnostics; they are built
// once, on a cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// Default largest file scanned, in bytes (files above it are skipped and said so).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// A rule defined in the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRule {
    /// Stable id (letters, digits, `-`, `_`, `.`).
    pub id: Spanned<String>,
    /// What the credential is.
    #[serde(default)]
    pub description: Option<String>,
    /// The regex: the named group `secret`, else the first group, else the whole match is the secret.
    pub regex: Spanned<String>,
    /// Keywords (case-insensitive) of which a line must contain one; none means every line.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy of the secret (bits per byte).
    #[serde(default)]
    pub entropy: Option<f32>,
    /// Only scan paths matching these globs.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
}

/// Allowlists.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Path globs never scanned (`tests/fixtures/**`, `**/*.lock`).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes: a secret matching any of them is not reported.
    #[serde(default)]
    pub regexes: Vec<Spanned<String>>,
    /// Words: a secret containing any of them (case-insensitive) is not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: Vec<ConfigRule>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    allow: AllowConfig,
    #[serde(default)]
    max_file_size: Option<u64>,
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Extra rules.
    pub rules: Vec<ConfigRule>,
    /// Disabled rule ids.
    pub disable: Vec<Spanned<String>>,
    /// Allowlists.
    pub allow: AllowConfig,
    /// Largest file scanned, in bytes.
    pub max_file_size: u64,
    pub(crate) name: String,
    pub(crate) text: String,
}

/// The default configuration (`Config::default()`): built-in rules only, no allowlists.
impl Default for Config {
    fn default() -> Self {
        Config {
            rules: Vec::new(),
            disable: Vec::new(),
            allow: AllowConfig::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            name: "(default)".to_string(),
            text: String::new(),
        }
    }
}

/// A configuration error, located in the YAML (file:line:col) with a fix.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// Not valid YAML, or not the config shape (unknown key, wrong type).
    #[error("{name}:{line}:{column}: {message}")]
    #[diagnostic(
        code(secgate_secrets::config::syntax),
        help("see docs/secrets-config.md: top-level keys are `rules`, `disable`, `allow` (`paths`, `regexes`, `stopwords`) and `max_file_size`")
    )]
    Syntax {
        /// File name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
        /// The YAML.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
    },
    /// A regex that does not compile.
    #[error("{name}:{line}:{column}: invalid regex: {message}")]
    #[diagnostic(
        code(secgate_secrets::config::regex),
        help("patterns use Rust `regex` syntax, ASCII only (no look-around or backreferences); put the secret in a group, e.g. `(acme_[a-z0-9]{{32}})`")
    )]
    Regex {
        /// File name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The regex engine's message.
        message: String,
        /// The YAML.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("this pattern")]
        span: SourceSpan,
    },
    /// A path glob that does not compile.
    #[error("{name}:{line}:{column}: invalid glob: {message}")]
    #[diagnostic(code(secgate_secrets::config::glob), help("globs use `*`, `**`, `?`, `[...]` and `{{a,b}}`; paths are relative to the repository root"))]
    Glob {
        /// File name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The glob engine's message.
        message: String,
        /// The YAML.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("this glob")]
        span: SourceSpan,
    },
    /// A rule id problem (unknown in `disable`, duplicated, malformed).
    #[error("{name}:{line}:{column}: {message}")]
    #[diagnostic(code(secgate_secrets::config::rule_id), help("{help}"))]
    RuleId {
        /// File name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
        /// The YAML.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("this id")]
        span: SourceSpan,
    },
}

/// Byte offset of a 1-based (line, column) in `text` (column counted in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return (off + col_bytes).min(text.len());
        }
        off += l.len();
    }
    text.len()
}

/// Where a spanned value is: (line, column, span).
pub(crate) fn locate<T>(text: &str, s: &Spanned<T>) -> (usize, usize, SourceSpan) {
    let loc = s.referenced;
    let line = loc.line() as usize;
    let column = loc.column() as usize;
    let start = loc
        .span()
        .byte_offset()
        .map(|o| o as usize)
        .unwrap_or_else(|| offset_of(text, line, column));
    let len = loc
        .span()
        .byte_len()
        .map(|l| l as usize)
        .unwrap_or(1)
        .max(1);
    let len = len
        .min(text.len().saturating_sub(start))
        .max(usize::from(start < text.len()));
    (line, column, SourceSpan::new(start.into(), len))
}

impl Config {
    /// Parses the YAML text of a config file; `name` (its path) is used in errors.
    pub fn from_yaml(text: &str, name: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line() as usize, l.column() as usize))
                    .unwrap_or((1, 1));
                let start = offset_of(text, line, column);
                let len = usize::from(start < text.len());
                let message = e.to_string();
                let message = message
                    .lines()
                    .next()
                    .unwrap_or("invalid configuration")
                    .to_string();
                ConfigError::Syntax {
                    name: name.to_string(),
                    line,
                    column,
                    message,
                    src: NamedSource::new(name, text.to_string()),
                    span: SourceSpan::new(start.into(), len),
                }
            })?
        };
        let cfg = Config {
            rules: raw.rules,
            disable: raw.disable,
            allow: raw.allow,
            max_file_size: raw.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            name: name.to_string(),
            text: text.to_string(),
        };
        // Compile once now so that every error surfaces at load time.
        crate::engine::Engine::new(&cfg)?;
        Ok(cfg)
    }

    /// The file name given to [`Config::from_yaml`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn source(&self) -> NamedSource<String> {
        NamedSource::new(self.name.clone(), self.text.clone())
    }
}
