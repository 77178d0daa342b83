//! gitleaks JSON reports, v3 to v8 (camelCase and PascalCase shapes).
//!
//! gitleaks writes a top-level JSON array of leaks (`null` or `[]` when it
//! finds nothing; `lib.rs` accepts those only with a gitleaks hint).
//!
//! | finding field | v8 (PascalCase) | v3 to v7 (camelCase) |
//! |---|---|---|
//! | `rule_id`, identifier `gitleaks_rule_id` | `RuleID` | `rule` |
//! | `title` | `Description`, else `RuleID` | `rule` |
//! | `location` ([`Location::Secret`]) `file` | `File` (`SymlinkFile` noted in the description) | `file` |
//! | `location.line` | `StartLine` | `lineNumber` (absent before v6) |
//! | `location.commit` | `Commit` | `commit` |
//! | `location.digest` ([`secgate_core::SecretDigest`]) | SHA-256 of `Secret` | SHA-256 of `offender` (the whole match) |
//! | `source_id` | `Fingerprint` | |
//! | `links` | | `leakURL` |
//! | description | rule, tags (`Tags` array), column, date | rule, tags (`tags` comma-joined string), operation, date |
//!
//! An empty commit, or one of only zeros (gitleaks' `--no-git` mode), is no commit.
//! gitleaks has no severity scale: every leak is [`Severity::Critical`], as
//! GitLab's secret detection rates them, with no `original_severity`.
//!
//! **The secret is never kept.** `Secret`, `Match`, `offender` and `line` hold
//! the secret (or the line around it): they are not read at all, except to
//! mask them (as `[masked]`) should a kept field (a file name, a rule
//! description) happen to contain them, and to hash the secret into the
//! location's digest (the first 16 hex digits of its SHA-256, the digits
//! `secgate-secrets` prints for the same secret), which the fingerprint
//! hashes: a rotated key in the old key's place is a new finding. gitleaks 8's
//! `Secret` is the secret itself; before gitleaks 8 only the whole match
//! (`offender`) is written, so its digest tells secrets apart but agrees with
//! no other format. A redacted secret (`REDACTED`, only `*`) gives no digest:
//! the fingerprint is then the digest-free one of earlier versions. Author,
//! e-mail and commit message are not kept.

use crate::lenient;
use crate::ParseError;
use secgate_core::{
    Category, Confidence, Finding, Format, Identifier, Link, Location, Report, Scanner, Severity,
};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// One leak, in any gitleaks version's shape. Every scalar is read leniently.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Leak {
    // ---- v8
    #[serde(rename = "RuleID", deserialize_with = "lenient::text")]
    rule_id: Option<String>,
    #[serde(rename = "Description", deserialize_with = "lenient::text")]
    description: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
    #[serde(rename = "StartColumn", deserialize_with = "lenient::uint")]
    start_column: Option<u32>,
    #[serde(rename = "File", deserialize_with = "lenient::text")]
    file_v8: Option<String>,
    #[serde(rename = "SymlinkFile", deserialize_with = "lenient::text")]
    symlink_file: Option<String>,
    #[serde(rename = "Commit", deserialize_with = "lenient::text")]
    commit_v8: Option<String>,
    #[serde(rename = "Fingerprint", deserialize_with = "lenient::text")]
    fingerprint: Option<String>,
    #[serde(rename = "Tags", deserialize_with = "tags")]
    tags_v8: Vec<String>,
    #[serde(rename = "Date", deserialize_with = "lenient::text")]
    date_v8: Option<String>,
    /// Read only to mask it, never kept.
    #[serde(rename = "Secret", deserialize_with = "lenient::text")]
    secret: Option<String>,
    /// Read only to mask it, never kept.
    #[serde(rename = "Match", deserialize_with = "lenient::text")]
    matched: Option<String>,

    // ---- v3 to v7
    #[serde(deserialize_with = "lenient::text")]
    rule: Option<String>,
    #[serde(rename = "lineNumber", deserialize_with = "lenient::uint")]
    line_number: Option<u32>,
    #[serde(deserialize_with = "lenient::text")]
    file: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    commit: Option<String>,
    #[serde(deserialize_with = "tags")]
    tags: Vec<String>,
    #[serde(deserialize_with = "lenient::text")]
    date: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    operation: Option<String>,
    #[serde(rename = "leakURL", deserialize_with = "lenient::text")]
    leak_url: Option<String>,
    /// Read only to mask it, never kept.
    #[serde(deserialize_with = "lenient::text")]
    offender: Option<String>,
    /// Read only to mask it, never kept.
    #[serde(rename = "line", deserialize_with = "lenient::text")]
    line_text: Option<String>,
}

/// Tags: a JSON array of strings (v8) or one comma-joined string (v7).
fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let list = match v {
        serde_json::Value::String(s) => s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|i| match i {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        serde_json::Value::Null => Vec::new(),
        other => {
            return Err(de::Error::custom(format!(
                "gitleaks `tags` must be a string or an array of strings, not {other}"
            )))
        }
    };
    Ok(list)
}

/// The text that replaces a secret found inside a kept field.
const MASK: &str = "[masked]";

/// Masks every secret text (of 4 characters or more) inside `text`.
pub(crate) fn mask(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        let s = s.trim();
        if s.chars().count() >= 4 && out.contains(s) {
            out = out.replace(s, MASK);
        }
    }
    out
}

/// True for a commit id that names no commit: empty, or all zeros.
pub(crate) fn is_null_commit(c: &str) -> bool {
    let c = c.trim();
    c.is_empty() || c.bytes().all(|b| b == b'0')
}

/// The scanner of every gitleaks JSON report (the JSON carries no version).
fn scanner() -> Scanner {
    Scanner {
        id: "gitleaks".into(),
        name: "gitleaks".into(),
        version: None,
        vendor: None,
    }
}

/// Converts a list of leaks (an empty list: a clean report).
pub(crate) fn convert(leaks: Vec<Leak>) -> Result<Report, ParseError> {
    let mut report = Report::new(Format::GitleaksJson);
    report.category = Some(Category::SecretDetection);
    report.scanners.push(scanner());
    for (i, leak) in leaks.into_iter().enumerate() {
        report.findings.push(convert_leak(i, leak)?);
    }
    Ok(report)
}

fn convert_leak(index: usize, leak: Leak) -> Result<Finding, ParseError> {
    let secrets: Vec<&str> = [&leak.secret, &leak.matched, &leak.offender, &leak.line_text]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .collect();
    let m = |t: &str| mask(t, &secrets);

    let rule = leak.rule_id.as_deref().or(leak.rule.as_deref()).map(m);
    let file = leak.file_v8.as_deref().or(leak.file.as_deref()).map(m);
    let Some(file) = file else {
        return Err(ParseError::Shape {
            format: Format::GitleaksJson,
            message: format!(
                "leak {index} has no file (`File` in gitleaks 8, `file` before): a leak must say where it is"
            ),
            line: 0,
            column: 0,
        });
    };
    let line = leak.start_line.or(leak.line_number).filter(|l| *l > 0);
    let commit = leak
        .commit_v8
        .as_deref()
        .or(leak.commit.as_deref())
        .filter(|c| !is_null_commit(c))
        .map(|c| c.trim().to_string());
    let rule_desc = leak.description.as_deref().map(m);
    let title = match (&rule_desc, &rule) {
        (Some(d), _) => d.clone(),
        (None, Some(r)) => r.clone(),
        (None, None) => "Credential found by gitleaks".to_string(),
    };

    let mut desc = String::new();
    match &rule {
        Some(r) => desc.push_str(&format!("gitleaks rule `{r}` matched in `{file}`")),
        None => desc.push_str(&format!("gitleaks matched a credential in `{file}`")),
    }
    if let Some(l) = line {
        desc.push_str(&format!(", line {l}"));
        if let Some(c) = leak.start_column.filter(|c| *c > 0) {
            desc.push_str(&format!(", column {c}"));
        }
    }
    if let Some(c) = &commit {
        desc.push_str(&format!(", commit {c}"));
    }
    desc.push('.');
    if let Some(s) = leak.symlink_file.as_deref() {
        desc.push_str(&format!(" Found through the symbolic link `{}`.", m(s)));
    }
    if let Some(op) = leak.operation.as_deref() {
        desc.push_str(&format!(" Git operation: {}.", m(op)));
    }
    let tags: Vec<String> = leak
        .tags_v8
        .iter()
        .chain(leak.tags.iter())
        .map(|t| m(t))
        .collect();
    if !tags.is_empty() {
        desc.push_str(&format!(" Tags: {}.", tags.join(", ")));
    }
    if let Some(d) = leak.date_v8.as_deref().or(leak.date.as_deref()) {
        if !d.starts_with("0001-01-01") {
            desc.push_str(&format!(" Date: {}.", m(d)));
        }
    }

    // gitleaks 8's secret, else the match of gitleaks 3 to 7 (never both).
    let digest = crate::secret::digest_of(leak.secret.as_deref().or(leak.offender.as_deref()));
    let mut f = Finding::new(
        scanner(),
        Category::SecretDetection,
        Severity::Critical,
        title,
        Location::Secret {
            file,
            line,
            commit,
            digest,
        },
    );
    f.confidence = Confidence::Unknown;
    f.description = Some(desc);
    f.solution = Some(
        "Revoke and rotate this credential at its issuer first (it must be treated as leaked), then remove it from the code and, where needed, from the git history."
            .into(),
    );
    if let Some(r) = &rule {
        f.add_identifier(Identifier::Other {
            scheme: "gitleaks_rule_id".into(),
            value: r.clone(),
        });
    }
    f.rule_id = rule;
    f.source_id = leak.fingerprint.as_deref().map(m);
    if let Some(u) = leak.leak_url.as_deref() {
        f.links.push(Link {
            name: None,
            url: m(u),
        });
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use crate::{parse, parse_with, ParseOptions};
    use secgate_core::{Category, Format, Location, SecretDigest, Severity};

    #[test]
    fn v8_pascal_case() {
        let r = parse(br#"[{"RuleID":"aws-access-token","Description":"AWS","StartLine":2,"EndLine":2,
            "StartColumn":24038,"Match":"AKIAXXXXXXXXXXXXXXXX","Secret":"AKIAXXXXXXXXXXXXXXXX",
            "File":"/conf/aws.tf","SymlinkFile":"","Commit":"74d5","Entropy":3.5,"Tags":["aws","key"],
            "Date":"10-19-2003","Fingerprint":"74d5:/conf/aws.tf:aws-access-token:2"}]"#)
        .unwrap();
        assert_eq!(r.format, Format::GitleaksJson);
        assert_eq!(r.category, Some(Category::SecretDetection));
        let f = &r.findings[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.original_severity, None);
        assert_eq!(f.rule_id.as_deref(), Some("aws-access-token"));
        assert_eq!(f.title, "AWS");
        assert!(f.matches_id("gitleaks_rule_id:aws-access-token"));
        assert_eq!(
            f.location,
            Location::Secret {
                file: "/conf/aws.tf".into(),
                line: Some(2),
                commit: Some("74d5".into()),
                digest: Some(SecretDigest::of("AKIAXXXXXXXXXXXXXXXX")),
            }
        );
        assert_eq!(
            f.source_id.as_deref(),
            Some("74d5:/conf/aws.tf:aws-access-token:2")
        );
        let all = serde_json::to_string(&r).unwrap();
        assert!(!all.contains("AKIAXXXXXXXXXXXXXXXX"), "{all}");
        assert!(all.contains("Tags: aws, key"));
    }

    #[test]
    fn v7_camel_case_with_string_tags_and_zero_commit() {
        let r = parse(br#"[{"line":"key = \"hunter2hunter2\"","lineNumber":"5","offender":"hunter2hunter2",
            "offenderEntropy":-1,"commit":"0000000000000000","repo":"r","rule":"Generic Key",
            "commitMessage":"x","author":"a","email":"e","file":"k.txt","date":"0001-01-01T00:00:00Z",
            "tags":"key, Generic","leakURL":"","operation":"addition","severity":""}]"#)
        .unwrap();
        let f = &r.findings[0];
        assert_eq!(f.title, "Generic Key");
        assert_eq!(
            f.location,
            Location::Secret {
                file: "k.txt".into(),
                line: Some(5),
                commit: None,
                digest: Some(SecretDigest::of("hunter2hunter2")),
            }
        );
        let all = serde_json::to_string(&r).unwrap();
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("Tags: key, Generic"));
        assert!(!all.contains("0001-01-01"));
        assert!(f.links.is_empty());
    }

    #[test]
    fn a_secret_inside_a_kept_field_is_masked() {
        let r = parse(br#"[{"RuleID":"r","File":"dir/s3cr3tvalue.txt","Secret":"s3cr3tvalue","Match":"x=s3cr3tvalue"}]"#).unwrap();
        let all = serde_json::to_string(&r).unwrap();
        assert!(!all.contains("s3cr3tvalue"), "{all}");
        assert!(all.contains("dir/[masked].txt"));
    }

    /// The secret enters the fingerprint through its digest: a different
    /// secret of the same rule in the same file is a different finding, the
    /// same secret on another line the same one.
    #[test]
    fn the_secret_digest_tells_rotated_secrets_apart() {
        let leak = |secret: &str, line: u32| {
            let json = format!(
                r#"[{{"RuleID":"generic-api-key","File":"conf/app.env","StartLine":{line},"Secret":"{secret}","Match":"KEY={secret}"}}]"#
            );
            parse(json.as_bytes()).unwrap().findings.remove(0)
        };
        let a = leak("fake-secret-AAAA-1111", 3);
        let b = leak("fake-secret-BBBB-2222", 3);
        let a_moved = leak("fake-secret-AAAA-1111", 30);
        assert!(matches!(
            &a.location,
            Location::Secret { digest: Some(d), .. } if d.as_str() == "4933b829171d9b7d"
        ));
        assert_ne!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint, a_moved.fingerprint);
    }

    /// A redacted secret (gitleaks `--redact`, or masked with `*`) gives no
    /// digest: the fingerprint is the digest-free one, as before.
    #[test]
    fn a_redacted_secret_gives_no_digest() {
        for secret in ["REDACTED", "************"] {
            let json =
                format!(r#"[{{"RuleID":"r","File":"f","StartLine":1,"Secret":"{secret}"}}]"#);
            let r = parse(json.as_bytes()).unwrap();
            assert!(
                matches!(
                    r.findings[0].location,
                    Location::Secret { digest: None, .. }
                ),
                "{secret}"
            );
        }
        let r =
            parse(br#"[{"offender":"REDACTED","rule":"AWS","file":"f","lineNumber":2}]"#).unwrap();
        assert!(matches!(
            r.findings[0].location,
            Location::Secret { digest: None, .. }
        ));
        let r = parse(br#"[{"RuleID":"r","File":"f","StartLine":1}]"#).unwrap();
        assert!(matches!(
            r.findings[0].location,
            Location::Secret { digest: None, .. }
        ));
    }

    #[test]
    fn leak_without_file_is_an_error() {
        let e = parse(br#"[{"RuleID":"r","Secret":"abc"}]"#).unwrap_err();
        assert!(e.to_string().contains("no file"), "{e}");
    }

    #[test]
    fn bad_tags_shape_is_an_error() {
        assert!(parse(br#"[{"RuleID":"r","File":"f","Tags":{"a":1}}]"#).is_err());
    }

    #[test]
    fn null_and_empty_with_hint_are_clean() {
        let opts = ParseOptions {
            format_hint: Some(Format::GitleaksJson),
            ..Default::default()
        };
        for input in [&b"[]"[..], b"null"] {
            let r = parse_with(input, &opts).unwrap();
            assert!(r.findings.is_empty());
            assert!(r.status.succeeded());
            assert_eq!(r.category, Some(Category::SecretDetection));
        }
    }
}
