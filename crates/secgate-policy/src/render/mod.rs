//! Renderers of findings and verdicts: every output of one gate run.
//!
//! | function | output | GitLab reads it as |
//! |---|---|---|
//! | [`gitlab_security_report`], [`gitlab_security_reports`] | GitLab security report 15.2.1, one per category | `artifacts:reports:sast`, `dast`, `dependency_scanning`, `container_scanning`, `secret_detection` |
//! | [`sarif_log`], [`sarif`] | SARIF 2.1.0 | (GitHub code scanning, IDEs, DefectDojo) |
//! | [`code_quality`] | GitLab Code Quality JSON | `artifacts:reports:codequality` |
//! | [`junit`] | JUnit XML | `artifacts:reports:junit` |
//! | [`markdown`] | Markdown summary | an MR comment |
//! | [`dotenv`] | counts as `KEY=value` lines | `artifacts:reports:dotenv` |
//! | [`json`] | the verdict, versioned | a later run's `--baseline` |
//! | [`terminal`] | the human summary | the job log |
//!
//! The big outputs also have streaming writers ([`write_json`], [`write_sarif`],
//! [`write_code_quality`], [`write_gitlab_security_reports`], [`write_junit`]) that write one item
//! at a time: use them for files, they are several times faster on big verdicts
//! and do not hold the whole document in memory.
//!
//! Every renderer is a pure function of its input (the GitLab reports also take
//! the time, see [`Timestamp`]), so the same verdict always renders the same
//! bytes. No renderer prints a secret: findings carry none (the parsers drop
//! secret text), code snippets are never rendered, and the description of a
//! secret-detection finding is never rendered (it may quote the match).
//! `docs/outputs.md` documents each output field by field.

mod code_quality;
mod dotenv;
mod fast_json;
mod gitlab;
mod json;
mod junit;
mod markdown;
mod sarif;
mod stream;
mod terminal;
mod time;

pub use code_quality::{
    code_quality, code_quality_path, code_quality_severity, write_code_quality,
};
pub use dotenv::dotenv;

pub use gitlab::{
    gitlab_report_file_name, gitlab_report_kind, gitlab_security_report, gitlab_security_report_at,
    gitlab_security_reports, gitlab_security_reports_at, vulnerability_uuid,
    write_gitlab_security_report, write_gitlab_security_reports, GITLAB_SCHEMA_VERSION,
};
pub use json::{json, write_json, JSON_SCHEMA_VERSION};
pub use junit::{junit, write_junit};
pub use markdown::{markdown, MARKDOWN_MAX_FINDINGS};
pub use sarif::{
    sarif, sarif_log, sarif_security_severity, write_sarif, write_sarif_log, SARIF_FINGERPRINT_KEY,
};
pub use terminal::{terminal, TerminalOptions};
pub use time::Timestamp;

use crate::text::trim;
use crate::verdict::{Judged, Outcome};
use secgate_core::fingerprint::{normalize_image, normalize_path};
use secgate_core::{Category, Finding, Fingerprint, Location, Severity};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The name secgate gives itself in every output.
pub const TOOL_NAME: &str = "secgate";
/// secgate's version, as written in every output.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// secgate's home page, as written in outputs that link to the tool.
pub const TOOL_URI: &str = "https://gitlab.com/secgate/secgate";

/// The key a finding is grouped under as a "rule" or "check": the scanner's rule
/// id, else the primary identifier (CVE, GHSA...), else the title.
pub(crate) fn rule_key(f: &Finding) -> String {
    rule_key_cow(f).into_owned()
}

/// [`rule_key`] without allocating in the common case (a rule id).
pub(crate) fn rule_key_cow(f: &Finding) -> Cow<'_, str> {
    if let Some(r) = f.rule_id.as_deref().map(trim).filter(|r| !r.is_empty()) {
        return Cow::Borrowed(r);
    }
    if let Some(p) = f.primary_id_cow().filter(|p| !trim(p).is_empty()) {
        return p;
    }
    let t = one_line_cow(&f.title);
    if t.is_empty() {
        Cow::Borrowed("finding")
    } else {
        t
    }
}

/// Where a finding is, without line numbers (stable across runs): used in names
/// that must not change when a line moves.
pub(crate) fn stable_place(f: &Finding) -> String {
    let mut s = String::new();
    push_stable_place(&mut s, f);
    s
}

/// A commit shortened for people: its first 12 characters (a hash is ASCII;
/// a report may hold anything, and a byte cut could split a character).
fn short_commit(c: &str) -> &str {
    match c.char_indices().nth(12) {
        Some((i, _)) => &c[..i],
        None => c,
    }
}

/// Appends [`stable_place`] to `s`.
pub(crate) fn push_stable_place(s: &mut String, f: &Finding) {
    match &f.location {
        Location::Source { file, .. } => s.push_str(&normalize_path(file)),
        Location::Secret { file, commit, .. } => {
            s.push_str(&normalize_path(file));
            if let Some(c) = commit {
                s.push_str(" @ ");
                s.push_str(short_commit(c));
            }
        }
        Location::Dependency { file, package } => {
            push_package_label(s, &package.name, package.version.as_deref());
            if let Some(file) = file {
                s.push_str(" in ");
                s.push_str(&normalize_path(file));
            }
        }
        Location::Container { image, package, .. } => {
            push_package_label(s, &package.name, package.version.as_deref());
            s.push_str(" in ");
            s.push_str(&normalize_image(image));
        }
        Location::Dast { url, method, param } => {
            let base = url.split(['?', '#']).next().unwrap_or(url);
            if let Some(m) = method {
                s.push_str(&m.to_ascii_uppercase());
                s.push(' ');
            }
            s.push_str(base);
            if let Some(p) = param {
                s.push_str(" (");
                s.push_str(p);
                s.push(')');
            }
        }
        Location::Resource { kind, name } => {
            if let Some(k) = kind {
                s.push_str(k);
                s.push(' ');
            }
            s.push_str(name);
        }
        Location::None => s.push_str("(no location)"),
    }
}

/// [`stable_place`] with the line, for people (`app/db.py:42`,
/// `config/prod.env:3 @ 9f1c2e3d4b5a`).
pub(crate) fn place_with_line(f: &Finding) -> String {
    match (&f.location, f.location.line()) {
        (Location::Source { file, .. }, Some(l)) => format!("{}:{l}", normalize_path(file)),
        (Location::Secret { file, commit, .. }, Some(l)) => match commit {
            Some(c) => format!("{}:{l} @ {}", normalize_path(file), short_commit(c)),
            None => format!("{}:{l}", normalize_path(file)),
        },
        _ => stable_place(f),
    }
}

fn push_package_label(s: &mut String, name: &str, version: Option<&str>) {
    s.push_str(name);
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        s.push('@');
        s.push_str(v);
    }
}

/// A fingerprint serialised as [`Fingerprint`] is (64 lowercase hex digits),
/// from a buffer on the stack.
pub(crate) struct Hex<'a>(pub &'a Fingerprint);

impl Hex<'_> {
    /// The hex digits.
    pub(crate) fn digits(&self) -> [u8; 64] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (i, b) in self.0 .0.iter().enumerate() {
            out[2 * i] = HEX[(b >> 4) as usize];
            out[2 * i + 1] = HEX[(b & 15) as usize];
        }
        out
    }
}

impl serde::Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.digits();
        // Hex digits are ASCII.
        s.serialize_str(std::str::from_utf8(&d).unwrap_or_default())
    }
}

/// True when the finding is about a secret: its description may quote the
/// match, so it is never rendered.
pub(crate) fn is_secret(f: &Finding) -> bool {
    f.category == Category::SecretDetection || matches!(f.location, Location::Secret { .. })
}

/// The description to render, if any: never the one of a secret finding.
pub(crate) fn safe_description(f: &Finding) -> Option<&str> {
    if is_secret(f) {
        return None;
    }
    f.description.as_deref().map(trim).filter(|d| !d.is_empty())
}

/// Text on one line: control characters and whitespace runs folded to one space.
pub(crate) fn one_line(s: &str) -> String {
    one_line_cow(s).into_owned()
}

/// [`one_line`], borrowed when the text already is on one line (most is).
pub(crate) fn one_line_cow(s: &str) -> Cow<'_, str> {
    if is_one_line(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    push_folded(&mut out, s);
    Cow::Owned(out)
}

/// Appends [`one_line`] of `s` to `out`.
pub(crate) fn push_one_line(out: &mut String, s: &str) {
    if is_one_line(s) {
        out.push_str(s);
    } else {
        push_folded(out, s);
    }
}

/// The general rule of [`one_line`], appended to `out`.
fn push_folded(out: &mut String, s: &str) {
    let start = out.len();
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            if out.len() > start {
                space = true;
            }
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
}

/// True when [`one_line`] would return `s` unchanged: printable ASCII with
/// single inner spaces (most report text). Sixteen bytes at a time, each byte
/// compared with the one after it for a double space, then the rest byte by
/// byte.
fn is_one_line(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut i = 0;
    while let (Some(here), Some(next)) = (b.get(i..i + 16), b.get(i + 1..i + 17)) {
        let here: &[u8; 16] = here.try_into().expect("sixteen bytes");
        let next: &[u8; 16] = next.try_into().expect("sixteen bytes");
        let mut bad = false;
        for j in 0..16 {
            let c = here[j];
            bad |= !(0x20..0x7f).contains(&c) | ((c == b' ') & (next[j] == b' '));
        }
        if bad {
            return false;
        }
        i += 16;
    }
    let mut prev_space = false;
    for &c in &b[i..] {
        if c == b' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if (0x21..0x7f).contains(&c) {
            prev_space = false;
        } else {
            return false;
        }
    }
    true
}

/// Truncates to at most `max` bytes on a character boundary, marking the cut with `…`.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ell = "…";
    let mut end = max.saturating_sub(ell.len());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ell}", &s[..end])
}

/// [`truncate`] of an owned string, cut in place (no copy when it fits).
pub(crate) fn truncate_owned(mut s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let ell = "…";
    let mut end = max.saturating_sub(ell.len());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(ell);
    s
}

/// [`truncate`] of text that may be borrowed: no copy when it fits.
pub(crate) fn truncate_cow(s: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) if b.len() > max => Cow::Owned(truncate(b, max)),
        Cow::Borrowed(b) => Cow::Borrowed(b),
        Cow::Owned(o) => Cow::Owned(truncate_owned(o, max)),
    }
}

/// The output sort key of a finding: most severe first, then by rule, place,
/// fingerprint, line and scanner, so that output does not depend on input order.
pub(crate) type OrderKey = (
    std::cmp::Reverse<Severity>,
    String,
    String,
    secgate_core::Fingerprint,
    Option<u32>,
    String,
);

/// See [`OrderKey`].
pub(crate) fn order_key(f: &Finding) -> OrderKey {
    (
        std::cmp::Reverse(f.severity),
        rule_key(f),
        stable_place(f),
        f.fingerprint,
        f.location.line(),
        f.scanner.id.clone(),
    )
}

/// Orders two findings whose severity and rule tie, given their places
/// ([`stable_place`]): the rest of [`order_key`] (place, fingerprint, line,
/// scanner). The verdict's sort and the renderers' in-order check share it.
pub(crate) fn tie_cmp(a: &Finding, a_place: &str, b: &Finding, b_place: &str) -> Ordering {
    a_place
        .cmp(b_place)
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        .then_with(|| a.location.line().cmp(&b.location.line()))
        .then_with(|| a.scanner.id.cmp(&b.scanner.id))
}

/// Compares two findings as their [`order_key`]s compare, without building
/// the keys unless the cheap fields tie (the reference that
/// [`in_output_order`] is tested against).
#[cfg(test)]
pub(crate) fn order_cmp(a: &Finding, b: &Finding) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| rule_key_cow(a).cmp(&rule_key_cow(b)))
        .then_with(|| stable_place(a).cmp(&stable_place(b)))
        .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        .then_with(|| a.location.line().cmp(&b.location.line()))
        .then_with(|| a.scanner.id.cmp(&b.scanner.id))
}

/// Sorts items in output order: by `rank` (the outcome's, or 0), then by
/// [`order_key`]. Items already in that order (as a verdict from
/// `evaluate` is) are checked in one pass and left as they are; otherwise each
/// key is computed once.
pub(crate) fn sort_findings<T>(
    items: &mut [T],
    finding: impl Fn(&T) -> &Finding,
    rank: impl Fn(&T) -> u8,
) {
    if !in_output_order(items, &finding, &rank) {
        items.sort_by_cached_key(|t| (rank(t), order_key(finding(t))));
    }
}

/// Whether `items` are in output order: each adjacent pair compares as
/// `(rank, order_cmp)` does, with each item's cheap key (rank, severity,
/// rule) worked out once and its place (a formatted string) only when its
/// key ties with a neighbour's, at most once, into reused buffers. Every
/// renderer checks the verdict it is given, so this runs once per output.
fn in_output_order<T>(
    items: &[T],
    finding: &impl Fn(&T) -> &Finding,
    rank: &impl Fn(&T) -> u8,
) -> bool {
    use std::cmp::Reverse;
    let mut prev: Option<(u8, Reverse<Severity>, Cow<'_, str>)> = None;
    // The previous item's place, when it was needed (`prev_place_set`).
    let (mut prev_place, mut place) = (String::new(), String::new());
    let mut prev_place_set = false;
    for (i, t) in items.iter().enumerate() {
        let f = finding(t);
        let key = (rank(t), Reverse(f.severity), rule_key_cow(f));
        let mut place_set = false;
        if let Some(p) = &prev {
            match p.cmp(&key) {
                Ordering::Less => {}
                Ordering::Greater => return false,
                Ordering::Equal => {
                    let pf = finding(&items[i - 1]);
                    if !prev_place_set {
                        prev_place.clear();
                        push_stable_place(&mut prev_place, pf);
                    }
                    place.clear();
                    push_stable_place(&mut place, f);
                    place_set = true;
                    if tie_cmp(pf, &prev_place, f, &place) == Ordering::Greater {
                        return false;
                    }
                }
            }
        }
        std::mem::swap(&mut prev_place, &mut place);
        prev_place_set = place_set;
        prev = Some(key);
    }
    true
}

/// The rank of an optional outcome, for [`sort_findings`] (none: 0).
pub(crate) fn maybe_rank(o: Option<&Outcome>) -> u8 {
    o.map(outcome_rank).unwrap_or(0)
}

/// Judged findings in output order: failures first, then by [`order_key`].
pub(crate) fn judged_in_order(v: &[Judged]) -> Vec<&Judged> {
    let mut out: Vec<&Judged> = v.iter().collect();
    sort_findings(&mut out, |j| &j.finding, |j| outcome_rank(&j.outcome));
    out
}

/// Failed 0, passed 1, existing 2, exempted 3.
pub(crate) fn outcome_rank(o: &Outcome) -> u8 {
    match o {
        Outcome::Failed { .. } => 0,
        Outcome::Passed { .. } => 1,
        Outcome::Existing => 2,
        Outcome::Exempted { .. } => 3,
    }
}

/// A short word for an outcome: `failed`, `passed`, `existing`, `exempted`.
pub(crate) fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Failed { .. } => "failed",
        Outcome::Passed { .. } => "passed",
        Outcome::Existing => "existing",
        Outcome::Exempted { .. } => "exempted",
    }
}

/// Why the policy decided what it did, in words.
pub(crate) fn outcome_reason(o: &Outcome) -> String {
    let mut s = String::new();
    push_outcome_reason(&mut s, o);
    s
}

/// Appends [`outcome_reason`] to `s`.
pub(crate) fn push_outcome_reason(s: &mut String, o: &Outcome) {
    match o {
        Outcome::Failed { rule } => {
            s.push_str("fails the gate: ");
            push_one_line(s, rule);
        }
        Outcome::Passed { reason } => {
            s.push_str("allowed: ");
            push_one_line(s, reason);
        }
        Outcome::Exempted { exception, reason } => {
            s.push_str("exempted by ");
            push_one_line(s, exception);
            s.push_str(": ");
            push_one_line(s, reason);
        }
        Outcome::Existing => s.push_str("existing: in the baseline, not new"),
    }
}

/// Counts of a verdict's findings, per outcome and per severity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub total: usize,
    pub failed: usize,
    pub passed: usize,
    pub exempted: usize,
    pub existing: usize,
    /// Per severity (index by `severity_index`): [total, failed, passed, exempted, existing].
    pub by_severity: [[usize; 5]; 6],
}

pub(crate) fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(5)
}

impl Counts {
    pub(crate) fn of(findings: &[Judged]) -> Counts {
        let mut c = Counts::default();
        for j in findings {
            let col = match j.outcome {
                Outcome::Failed { .. } => {
                    c.failed += 1;
                    1
                }
                Outcome::Passed { .. } => {
                    c.passed += 1;
                    2
                }
                Outcome::Exempted { .. } => {
                    c.exempted += 1;
                    3
                }
                Outcome::Existing => {
                    c.existing += 1;
                    4
                }
            };
            c.total += 1;
            let row = &mut c.by_severity[severity_index(j.finding.severity)];
            row[0] += 1;
            row[col] += 1;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report's commit is text, not always a hash: shortening it never
    /// splits a character (it panicked on `0123456789aé`).
    #[test]
    fn a_non_ascii_commit_is_shortened_by_characters() {
        assert_eq!(short_commit("0123456789aébc"), "0123456789aé");
        assert_eq!(short_commit("abcdefghijkéé"), "abcdefghijké");
        assert_eq!(short_commit("9f1c2e3d4b5a6c7d"), "9f1c2e3d4b5a");
        assert_eq!(short_commit("é"), "é");
        let mut f = Finding::new(
            secgate_core::Scanner::named("gitleaks"),
            secgate_core::Category::SecretDetection,
            secgate_core::Severity::Critical,
            "t".to_string(),
            Location::Secret {
                file: "a.env".into(),
                line: Some(3),
                commit: Some("0123456789aé".into()),
                digest: None,
            },
        );
        assert_eq!(place_with_line(&f), "a.env:3 @ 0123456789aé");
        f.location = Location::Secret {
            file: "a.env".into(),
            line: None,
            commit: Some("abcdefghijkéé".into()),
            digest: None,
        };
        assert_eq!(stable_place(&f), "a.env @ abcdefghijké");
    }
    use proptest::prelude::*;

    /// The general rule of [`one_line`], without the fast path.
    fn one_line_by_chars(s: &str) -> String {
        s.split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest! {
        #[test]
        fn one_line_fast_path_agrees_with_the_general_rule(
            s in "[ a-z\t\n\r\u{0}\u{1b}\u{7f}\u{a0}\u{2028}é&<>]{0,48}"
        ) {
            prop_assert_eq!(one_line(&s), one_line_by_chars(&s));
        }
    }

    /// Long text: every kind of break at every offset, across the sixteen-byte
    /// chunks of the fast check and the double space straddling two chunks.
    #[test]
    fn one_line_fast_check_at_every_offset() {
        for bad in ["  ", "\t", "\n", "\u{7f}", "\u{1}", "é", "\u{a0}", "x"] {
            for at in 1..45 {
                let s = format!("{}{bad}{}", "a".repeat(at), "b".repeat(45 - at));
                assert_eq!(one_line(&s), one_line_by_chars(&s), "{bad:?} at {at}");
                // Exact on ASCII; elsewhere it may only say "look closer".
                let unchanged = one_line_by_chars(&s) == s;
                if s.is_ascii() {
                    assert_eq!(is_one_line(&s), unchanged, "{bad:?} at {at}");
                } else {
                    assert!(!is_one_line(&s) || unchanged, "{bad:?} at {at}");
                }
            }
        }
    }

    /// A finding from small domains, so that keys tie often.
    fn small_finding(sev: u8, rule: u8, file: u8, line: u8, fp: u8) -> Finding {
        let sev = Severity::ALL[sev as usize % Severity::ALL.len()];
        let mut f = Finding::new(
            secgate_core::Scanner::named(if fp.is_multiple_of(2) {
                "semgrep"
            } else {
                "gosec"
            }),
            Category::Sast,
            sev,
            "t".to_string(),
            Location::Source {
                file: format!("src/f{file}.py"),
                start_line: Some(u32::from(line)),
                end_line: None,
                snippet: None,
            },
        );
        f.rule_id = Some(format!(" r{rule} "));
        f.fingerprint = Fingerprint([fp; 32]);
        f
    }

    proptest! {
        /// The one-pass check agrees with comparing each pair in full, on
        /// lists in and out of order.
        #[test]
        fn in_output_order_agrees_with_pairwise_order_cmp(
            raw in proptest::collection::vec((0u8..4, 0u8..3, 0u8..3, 0u8..3, 0u8..3, 0u8..2), 0..12),
            sort_first in any::<bool>(),
        ) {
            let mut items: Vec<(Finding, u8)> = raw
                .iter()
                .map(|&(s, r, f, l, p, rank)| (small_finding(s, r, f, l, p), rank))
                .collect();
            if sort_first {
                items.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| order_cmp(&a.0, &b.0)));
            }
            let naive = items.is_sorted_by(|a, b| {
                a.1.cmp(&b.1).then_with(|| order_cmp(&a.0, &b.0)).is_le()
            });
            prop_assert_eq!(in_output_order(&items, &|x: &(Finding, u8)| &x.0, &|x: &(Finding, u8)| x.1), naive);
            if sort_first {
                prop_assert!(naive);
            }
        }
    }

    #[test]
    fn one_line_examples() {
        assert_eq!(one_line("plain words here"), "plain words here");
        assert_eq!(one_line(" lead"), "lead");
        assert_eq!(one_line("trail "), "trail");
        assert_eq!(one_line("a  b\tc\nd\u{1b}[2Je"), "a b c d [2Je");
        assert_eq!(one_line("a\u{a0}b"), "a b");
    }
}
