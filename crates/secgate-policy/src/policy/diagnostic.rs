//! Policy diagnostics: one per problem, each with a stable code, a span on the
//! YAML line and, where possible, what to write instead.

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity as MietteSeverity, SourceCode};
use std::fmt;
use std::sync::Arc;

/// Whether a diagnostic is an error (the policy is rejected) or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticLevel {
    /// The policy is rejected.
    Error,
    /// The policy is accepted; the problem is worth fixing.
    Warning,
}

/// One problem in a policy file.
///
/// Codes are stable and documented in `docs/policy.md`:
/// `secgate::policy::yaml`, `unknown_key`, `wrong_type`, `bad_date`,
/// `bad_glob`, `unknown_severity`, `unknown_confidence`, `unknown_category`,
/// `bad_value`, `missing_field`, `bad_fingerprint`, `no_matcher`,
/// `bad_requirement`, `duplicate_key`, `duplicate_exception` (all under `secgate::policy::`).
#[derive(Debug, Clone)]
pub struct PolicyDiagnostic {
    /// The stable code, e.g. `secgate::policy::unknown_key`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do, where known (e.g. "did you mean `fail_on`?").
    pub help: Option<String>,
    /// Error or warning.
    pub level: DiagnosticLevel,
    /// The file name shown.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// Byte offset and length of the span.
    pub span: (usize, usize),
    /// The label on the span.
    pub label: String,
    pub(crate) source: Arc<NamedSource<String>>,
}

impl PolicyDiagnostic {
    /// `file:line:col: message` on one line (for logs and tests).
    pub fn one_line(&self) -> String {
        let mut s = if self.line > 0 {
            format!(
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            format!("{}: {}", self.file, self.message)
        };
        if let Some(h) = &self.help {
            s.push_str(&format!(" ({h})"));
        }
        s
    }
}

impl fmt::Display for PolicyDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyDiagnostic {}

impl Diagnostic for PolicyDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<MietteSeverity> {
        Some(match self.level {
            DiagnosticLevel::Error => MietteSeverity::Error,
            DiagnosticLevel::Warning => MietteSeverity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.line == 0 {
            None
        } else {
            Some(self.source.as_ref())
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.line == 0 {
            return None;
        }
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            self.span.0,
            self.span.1,
        ))))
    }
}

/// A policy that could not be read: every problem found, in file order.
#[derive(Debug, Clone)]
pub struct PolicyError {
    /// The file name.
    pub file: String,
    /// Every problem (errors and warnings), in file order.
    pub diagnostics: Vec<PolicyDiagnostic>,
}

impl PolicyError {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &PolicyDiagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors().count();
        write!(
            f,
            "the policy {} is invalid: {n} error{}",
            self.file,
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for PolicyError {}

impl Diagnostic for PolicyError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("secgate::policy::invalid"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "fix every problem listed; `secgate policy check` re-checks the file and `secgate policy schema` prints its JSON Schema",
        ))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}
