//! Parse errors, and their located, printable form.

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use secgate_core::{Category, Format};
use thiserror::Error;

/// Why a report could not be read. Every variant is a rejection: nothing here
/// is ever turned into an empty, passing report.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum ParseError {
    /// Zero bytes, or only whitespace.
    #[error("the report is empty ({bytes} bytes, no JSON)")]
    #[diagnostic(
        code(secgate::report::empty),
        help("the scanner wrote nothing: check that its job ran and succeeded, and that it wrote this file")
    )]
    Empty {
        /// The file size.
        bytes: usize,
    },

    /// The JSON stops before it is complete.
    #[error("the report is truncated at line {line}, column {column}: {message}")]
    #[diagnostic(
        code(secgate::report::truncated),
        help("the file ends in the middle of its JSON: the scanner was killed, or the artifact upload was cut short; re-run the scanner job")
    )]
    Truncated {
        /// What the JSON parser said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },

    /// Not JSON, or not valid JSON.
    #[error("the report is not valid JSON at line {line}, column {column}: {message}")]
    #[diagnostic(
        code(secgate::report::syntax),
        help("point secgate at the scanner's JSON output (for Trivy: --format json; ZAP: the JSON report; gitleaks: --report-format json)")
    )]
    Syntax {
        /// What the JSON parser said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },

    /// Valid JSON in a known format, but a field has the wrong shape.
    #[error("the {format} report is malformed at line {line}, column {column}: {message}")]
    #[diagnostic(code(secgate::report::shape))]
    Shape {
        /// The detected format.
        format: Format,
        /// What was wrong, and what was expected.
        message: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
    },

    /// Valid JSON, but no supported format recognises it.
    #[error("unknown report format: {detail}")]
    #[diagnostic(
        code(secgate::report::unknown_format),
        help("secgate reads GitLab security reports, Trivy JSON, SARIF 2.x, OWASP ZAP JSON and gitleaks JSON, detected by content")
    )]
    UnknownFormat {
        /// What was seen.
        detail: String,
    },

    /// The whole file is JSON `null`.
    #[error("the report is JSON `null`, which says nothing about which scanner ran or whether it succeeded")]
    #[diagnostic(
        code(secgate::report::null),
        help("Trivy before 0.20 and gitleaks 7 write `null` when they find nothing; if that is what wrote this file, declare it (`trivy=FILE` or `gitleaks=FILE`, or ParseOptions::format_hint) to accept it as a clean report")
    )]
    Null,

    /// A known format, in a version that cannot be read.
    #[error("unsupported {format} version: {detail}")]
    #[diagnostic(code(secgate::report::unsupported_version))]
    Unsupported {
        /// The format.
        format: Format,
        /// Which version, and what to do.
        detail: String,
    },

    /// Over the size limit.
    #[error("the report is {size} bytes, over the limit of {limit} bytes")]
    #[diagnostic(
        code(secgate::report::too_large),
        help("raise the limit (--max-report-size) if this report is expected to be this large")
    )]
    TooLarge {
        /// The size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// A valid report, but not of the type that was asked for.
    #[error("expected a {expected} report, but this is {found}")]
    #[diagnostic(
        code(secgate::report::wrong_type),
        help("check which job's artifact was passed here: the file is a valid report of another kind")
    )]
    WrongType {
        /// The category the caller expected.
        expected: Category,
        /// What the report is.
        found: String,
    },

    /// The bytes are not UTF-8 text.
    #[error("the report is not UTF-8 text (invalid byte at offset {offset})")]
    #[diagnostic(code(secgate::report::encoding))]
    Encoding {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
}

impl ParseError {
    /// The 1-based (line, column) where the problem is, when known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ParseError::Truncated { line, column, .. }
            | ParseError::Syntax { line, column, .. }
            | ParseError::Shape { line, column, .. }
                if *line > 0 =>
            {
                Some((*line, *column))
            }
            _ => None,
        }
    }

    /// Builds an error from a serde_json error, as truncation, syntax or shape.
    pub(crate) fn from_json(e: &serde_json::Error, format: Option<Format>) -> ParseError {
        use serde_json::error::Category as C;
        let message = strip_position(&e.to_string());
        let (line, column) = (e.line(), e.column());
        match (e.classify(), format) {
            (C::Eof, _) => ParseError::Truncated {
                message,
                line,
                column,
            },
            (C::Syntax | C::Io, _) => ParseError::Syntax {
                message,
                line,
                column,
            },
            (C::Data, Some(format)) => ParseError::Shape {
                format,
                message,
                line,
                column,
            },
            (C::Data, None) => ParseError::Syntax {
                message,
                line,
                column,
            },
        }
    }

    /// Attaches a file name and the source text, for a diagnostic that shows
    /// the file, line and column.
    pub fn located(self, name: &str, bytes: &[u8]) -> LocatedParseError {
        let (text, first_line, span) = match self.position() {
            Some((line, column)) => window(bytes, line, column),
            None => (String::new(), 1, None),
        };
        let where_ = match self.position() {
            Some((l, c)) => format!("{name}:{l}:{c}"),
            None => name.to_string(),
        };
        LocatedParseError {
            where_,
            src: Window {
                name: name.to_string(),
                text,
                first_line,
            },
            span,
            error: self,
        }
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The text of a few lines around (line, column), and the span of the column in it.
/// Large files are not copied whole: the window starts a few lines before the error.
fn window(bytes: &[u8], line: usize, column: usize) -> (String, usize, Option<SourceSpan>) {
    const BEFORE: usize = 3;
    const MAX_LINE: usize = 400;
    let text = String::from_utf8_lossy(bytes);
    let start_line = line.saturating_sub(BEFORE).max(1);
    let mut out = String::new();
    let mut span = None;
    for (i, l) in text
        .lines()
        .enumerate()
        .skip(start_line - 1)
        .take(BEFORE + 3)
    {
        let n = i + 1;
        // Keep long (minified) lines short, centred on the column.
        let (piece, shift) = if l.len() > MAX_LINE && n == line {
            let mut from = column.saturating_sub(MAX_LINE / 2).min(l.len());
            while !l.is_char_boundary(from) {
                from -= 1;
            }
            let mut to = (from + MAX_LINE).min(l.len());
            while !l.is_char_boundary(to) {
                to -= 1;
            }
            (&l[from..to], from)
        } else if l.len() > MAX_LINE {
            let mut to = MAX_LINE;
            while !l.is_char_boundary(to) {
                to -= 1;
            }
            (&l[..to], 0)
        } else {
            (l, 0)
        };
        if n == line {
            let col0 = column
                .saturating_sub(1)
                .saturating_sub(shift)
                .min(piece.len());
            span = Some(SourceSpan::from((
                out.len() + col0,
                1usize.min(piece.len() - col0),
            )));
        }
        out.push_str(piece);
        out.push('\n');
    }
    if span.is_none() && line > 0 {
        // Error at the very end (truncation): point after the last character.
        span = Some(SourceSpan::from((out.len().saturating_sub(1), 0)));
    }
    (out, start_line, span)
}

/// A few lines of a report, numbered as in the whole file.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// The 1-based line number of the first line of `text`.
    first_line: usize,
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line - 1,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A [`ParseError`] with the file it came from: printed by miette with the
/// file name, line, column and the surrounding text.
#[derive(Debug, Error, Diagnostic)]
#[error("cannot read report {where_}")]
pub struct LocatedParseError {
    /// `file:line:col`, or the file alone.
    pub where_: String,
    #[source_code]
    src: Window,
    #[label("here")]
    span: Option<SourceSpan>,
    /// The error.
    #[source]
    #[diagnostic_source]
    pub error: ParseError,
}
