//! # secgate-reports
//!
//! Reads the security reports scanners really write into the
//! [`secgate_core`] finding model. The format is detected by content, never by
//! file name: GitLab security reports (SAST, DAST, dependency scanning,
//! container scanning, secret detection, fuzzing; every schema version seen in
//! the wild), Trivy JSON (SchemaVersion 2, the pre-0.20 list, `trivy k8s`),
//! SARIF 2.x from any producer, OWASP ZAP traditional JSON, and gitleaks JSON
//! (v3 to v8).
//!
//! Bad input is always an error, never an empty report: see [`ParseError`].
//!
//! ```
//! use secgate_core::{Format, Severity};
//!
//! let bytes = br#"{"SchemaVersion": 2, "ArtifactName": "alpine:3.10", "ArtifactType": "container_image",
//!   "Results": [{"Target": "alpine:3.10 (alpine 3.10.2)", "Class": "os-pkgs", "Type": "alpine",
//!     "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl",
//!       "InstalledVersion": "1.1.1c-r0", "FixedVersion": "1.1.1d-r0", "Severity": "MEDIUM"}]}]}"#;
//! let report = secgate_reports::parse(bytes)?;
//! assert_eq!(report.format, Format::TrivyJson);
//! assert_eq!(report.findings.len(), 1);
//! assert_eq!(report.findings[0].severity, Severity::Medium);
//! assert!(report.status.succeeded());
//!
//! // An empty file is an error, never a clean report.
//! assert!(secgate_reports::parse(b"").is_err());
//! # Ok::<(), secgate_reports::ParseError>(())
//! ```
#![deny(missing_docs)]

mod detect;
mod error;
mod lenient;

mod gitlab;
mod gitleaks;
mod sarif;
mod secret;
mod trivy;
mod zap;

pub use error::{LocatedParseError, ParseError};
pub use secgate_core::{Category, Format, Report};

use detect::{ArrayItem, Top};
use secgate_core::fingerprint;

/// The default size limit for one report: 512 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 512 * 1024 * 1024;

/// Options for [`parse_with`].
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The format the caller knows this is. Only needed for the content that
    /// cannot identify itself (`null`, `[]`); a report whose content says it is
    /// another format is still read as what it is, and then checked against
    /// `expected`.
    pub format_hint: Option<Format>,
    /// The category the caller expects (a DAST job's artifact must be DAST).
    /// A valid report of another category is [`ParseError::WrongType`].
    pub expected: Option<Category>,
    /// Reports larger than this are rejected ([`ParseError::TooLarge`]).
    pub max_size: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            format_hint: None,
            expected: None,
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// Parses a report with default options. See [`parse_with`].
pub fn parse(bytes: &[u8]) -> Result<Report, ParseError> {
    parse_with(bytes, &ParseOptions::default())
}

/// Parses a report: detects its format by content, reads every finding, and
/// assigns fingerprints.
///
/// Errors: empty input, truncated or invalid JSON, JSON `null` or `[]` without
/// a format hint, an unknown format, an unsupported version, a field of the
/// wrong shape, over the size limit, or (with `expected`) another category.
pub fn parse_with(bytes: &[u8], opts: &ParseOptions) -> Result<Report, ParseError> {
    let top = read_top(bytes, opts)?;
    finish(top, opts)
}

/// Like [`parse_with`], but takes the bytes and drops them as soon as they are
/// read, before the findings are built: the peak memory of a large report is
/// then about the larger of the input and its findings, not their sum (a
/// memory-mapped 100 MB report is unmapped before 100k findings are built).
///
/// Returns the report, and the bytes when they were not dropped yet: an error
/// found while reading them (a syntax or shape error, with a line and column
/// into them) gives them back, so that the error can be shown in place.
pub fn parse_owned<B: AsRef<[u8]>>(
    bytes: B,
    opts: &ParseOptions,
) -> (Result<Report, ParseError>, Option<B>) {
    let top = match read_top(bytes.as_ref(), opts) {
        Ok(top) => top,
        Err(e) => return (Err(e), Some(bytes)),
    };
    drop(bytes);
    (finish(top, opts), None)
}

/// Checks the size and encoding and reads the JSON into the detection shapes
/// (which own their strings: nothing borrows from `bytes` afterwards).
fn read_top(bytes: &[u8], opts: &ParseOptions) -> Result<Top, ParseError> {
    if bytes.len() as u64 > opts.max_size {
        return Err(ParseError::TooLarge {
            size: bytes.len() as u64,
            limit: opts.max_size,
        });
    }
    let bytes = strip_bom(bytes)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty { bytes: bytes.len() });
    }
    // Valid UTF-8 as a whole (checked at memory speed) is read as text, so
    // serde_json does not check each string again; otherwise as bytes, so
    // that the error points at the bad string.
    match std::str::from_utf8(bytes) {
        Ok(text) => read_json(serde_json::Deserializer::from_str(text), bytes),
        Err(_) => read_json(serde_json::Deserializer::from_slice(bytes), bytes),
    }
}

fn read_json<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    bytes: &[u8],
) -> Result<Top, ParseError> {
    let top = match serde::Deserialize::deserialize(&mut de) {
        Ok(top) => top,
        Err(e) => return Err(ParseError::from_json(&e, guess_format(bytes))),
    };
    if let Err(e) = de.end() {
        return Err(ParseError::from_json(&e, None));
    }
    Ok(top)
}

/// Builds the report's findings and fingerprints from what [`read_top`] read.
fn finish(top: Top, opts: &ParseOptions) -> Result<Report, ParseError> {
    let mut report = convert(top, opts)?;
    fingerprint::assign(&mut report.findings);
    if let Some(expected) = &opts.expected {
        check_category(&report, expected)?;
    }
    Ok(report)
}

fn strip_bom(bytes: &[u8]) -> Result<&[u8], ParseError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Ok(rest);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ParseError::Encoding { offset: 0 });
    }
    Ok(bytes)
}

/// A cheap guess of the format from the first kilobytes, only to word a
/// shape error ("the Trivy report is malformed ..."). Never used for detection.
fn guess_format(bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    if head.contains("\"runs\"") || head.contains("sarif") {
        Some(Format::Sarif)
    } else if head.contains("\"SchemaVersion\"")
        || head.contains("\"Results\"")
        || head.contains("\"Target\"")
    {
        Some(Format::TrivyJson)
    } else if head.contains("\"vulnerabilities\"") || head.contains("\"scan\"") {
        Some(Format::GitlabSecurity)
    } else if head.contains("\"@version\"") || head.contains("\"site\"") {
        Some(Format::ZapJson)
    } else if head.contains("\"RuleID\"") || head.contains("\"offender\"") {
        Some(Format::GitleaksJson)
    } else {
        None
    }
}

fn convert(top: Top, opts: &ParseOptions) -> Result<Report, ParseError> {
    match top {
        Top::Null | Top::Array(_) if is_empty_array_or_null(&top) => match opts.format_hint {
            Some(Format::TrivyJson) => trivy::convert_legacy(Vec::new()),
            Some(Format::GitleaksJson) => gitleaks::convert(Vec::new()),
            _ if matches!(top, Top::Null) => Err(ParseError::Null),
            _ => Err(ParseError::UnknownFormat {
                detail: "the report is an empty JSON array `[]`, which says nothing about which scanner wrote it; gitleaks 8 writes this when it finds nothing: declare it (`gitleaks=FILE`, or ParseOptions::format_hint) to accept it as a clean report".into(),
            }),
        },
        Top::Null => Err(ParseError::Null),
        Top::Scalar(kind) => Err(ParseError::UnknownFormat {
            detail: format!("the report is {kind}, not a JSON object or array"),
        }),
        Top::Array(items) => convert_array(items),
        Top::Object(obj) => match detect::classify(&obj)? {
            Format::Sarif => sarif::convert(*obj),
            Format::GitlabSecurity => gitlab::convert(*obj),
            Format::TrivyJson => trivy::convert_object(*obj),
            Format::ZapJson => zap::convert(*obj),
            other => Err(ParseError::UnknownFormat {
                detail: format!("{other} is not read from a top-level object"),
            }),
        },
    }
}

fn is_empty_array_or_null(top: &Top) -> bool {
    match top {
        Top::Null => true,
        Top::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn convert_array(items: Vec<ArrayItem>) -> Result<Report, ParseError> {
    let mut trivy_results = Vec::new();
    let mut leaks = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            ArrayItem::Trivy(r) => trivy_results.push(*r),
            ArrayItem::Leak(l) => leaks.push(*l),
            ArrayItem::Other(what) => {
                return Err(ParseError::UnknownFormat {
                    detail: format!(
                        "a JSON array whose element {i} is {what}, neither a Trivy result (`Target`, `Vulnerabilities`) nor a gitleaks leak (`RuleID`, `rule`, `offender`)"
                    ),
                })
            }
        }
    }
    match (trivy_results.is_empty(), leaks.is_empty()) {
        (false, true) => trivy::convert_legacy(trivy_results),
        (true, false) => gitleaks::convert(leaks),
        _ => Err(ParseError::UnknownFormat {
            detail: "a JSON array that mixes Trivy results and gitleaks leaks".into(),
        }),
    }
}

fn check_category(report: &Report, expected: &Category) -> Result<(), ParseError> {
    let cats = report.categories();
    let ok = match &report.category {
        Some(c) => c == expected,
        None => cats.iter().all(|c| c == expected),
    };
    if ok {
        return Ok(());
    }
    let found = if cats.is_empty() {
        format!("a {} report", report.format)
    } else {
        format!(
            "a {} report of {}",
            report.format,
            cats.iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(ParseError::WrongType {
        expected: expected.clone(),
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace_are_errors() {
        assert!(matches!(parse(b""), Err(ParseError::Empty { .. })));
        assert!(matches!(parse(b" \n\t"), Err(ParseError::Empty { .. })));
        assert!(matches!(
            parse(b"\xEF\xBB\xBF"),
            Err(ParseError::Empty { .. })
        ));
    }

    #[test]
    fn null_needs_a_hint() {
        assert!(matches!(parse(b"null"), Err(ParseError::Null)));
        assert!(matches!(
            parse(b"[]"),
            Err(ParseError::UnknownFormat { .. })
        ));
        let opts = ParseOptions {
            format_hint: Some(Format::GitleaksJson),
            ..Default::default()
        };
        let r = parse_with(b"null\n", &opts).unwrap();
        assert_eq!(r.format, Format::GitleaksJson);
        assert!(r.findings.is_empty());
        assert!(r.status.succeeded());
    }

    #[test]
    fn truncated_and_syntax_errors_have_positions() {
        let e = parse(b"{\"runs\": [").unwrap_err();
        assert!(matches!(e, ParseError::Truncated { .. }), "{e:?}");
        assert_eq!(e.position(), Some((1, 10)));
        let e = parse(b"{\n  \"a\": 1,\n}").unwrap_err();
        assert!(matches!(e, ParseError::Syntax { line: 3, .. }), "{e:?}");
        let e = parse(b"{} {}").unwrap_err();
        assert!(matches!(e, ParseError::Syntax { .. }), "{e:?}");
    }

    #[test]
    fn scalars_and_unknown_objects_are_rejected() {
        assert!(matches!(
            parse(b"42"),
            Err(ParseError::UnknownFormat { .. })
        ));
        assert!(matches!(
            parse(b"{}"),
            Err(ParseError::UnknownFormat { .. })
        ));
        assert!(matches!(
            parse(br#"{"hello": "world"}"#),
            Err(ParseError::UnknownFormat { .. })
        ));
        assert!(matches!(
            parse(b"\xFF\xFEx"),
            Err(ParseError::Encoding { .. })
        ));
    }

    #[test]
    fn invalid_utf8_in_a_string_is_located_and_valid_text_parses_the_same() {
        // Latin-1 in a title: the whole input is not UTF-8, so it is read as
        // bytes and the error points at the string.
        let bad = b"{\"SchemaVersion\": 2, \"Results\": [\n {\"Target\": \"caf\xE9\"}]}";
        let e = parse(bad).unwrap_err();
        assert_eq!(e.position().map(|p| p.0), Some(2), "{e:?}");
        // The same report in UTF-8 reads (as text) to the same findings as
        // through the byte reader.
        let good = "{\"SchemaVersion\": 2, \"ArtifactName\": \"caf\u{e9}:1\", \"ArtifactType\": \"container_image\", \"Results\": [{\"Target\": \"caf\u{e9}:1 (alpine 3.19)\", \"Class\": \"os-pkgs\", \"Type\": \"alpine\", \"Vulnerabilities\": [{\"VulnerabilityID\": \"CVE-2024-0001\", \"PkgName\": \"z\\u00e9\", \"InstalledVersion\": \"1\", \"Severity\": \"HIGH\", \"Title\": \"t\\n\\u00e9\u{e9}\"}]}]}";
        let text = parse(good.as_bytes()).unwrap();
        let mut de = serde_json::Deserializer::from_slice(good.as_bytes());
        let top: Top = serde::Deserialize::deserialize(&mut de).unwrap();
        let bytes = finish(top, &ParseOptions::default()).unwrap();
        assert_eq!(text.findings, bytes.findings);
        assert_eq!(text.findings[0].title, "t\n\u{e9}\u{e9}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut deep = Vec::new();
        deep.extend(std::iter::repeat_n(b'[', 100_000));
        deep.extend(std::iter::repeat_n(b']', 100_000));
        assert!(parse(&deep).is_err());
        let mut deep = b"{\"runs\": ".to_vec();
        deep.extend(std::iter::repeat_n(b'[', 100_000));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn size_limit() {
        let opts = ParseOptions {
            max_size: 4,
            ..Default::default()
        };
        assert!(matches!(
            parse_with(b"[1, 2]", &opts),
            Err(ParseError::TooLarge { size: 6, limit: 4 })
        ));
    }
}
