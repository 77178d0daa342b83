//! JUnit XML (the Free-tier merge request test summary).
//!
//! One `<testsuite>` per category (`secgate.<category>`) with one test case per
//! judged finding, and a `secgate.gate` suite with the verdict and the gate
//! problems. Test case names are built from the rule, the line-free location
//! and the fingerprint, never a line number, so that GitLab's comparison with
//! the target branch ("new failures", "fixed") follows a finding across runs.

use super::{judged_in_order, one_line, outcome_reason, rule_key, stable_place, Counts};
use crate::verdict::{GateProblem, Judged, Outcome, Verdict};
use secgate_core::Category;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes text for XML attributes, dropping characters XML 1.0 does not
/// allow (control characters other than tab, newline, carriage return).
fn esc(s: &str) -> String {
    escape(s, true)
}

/// Escapes element text (newlines and tabs kept as they are).
fn esc_text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attribute: bool) -> String {
    // Most text needs nothing: no markup character, no control character,
    // and no byte 0xEF (which starts U+FFFE and U+FFFF, among others).
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0..=0x1f | 0xEF))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Case {
    classname: String,
    name: String,
    /// (message, type, body)
    failure: Option<(String, String, String)>,
    skipped: Option<String>,
    out: Option<String>,
}

fn case_of(j: &Judged) -> Case {
    let f = &j.finding;
    let name = format!(
        "{} in {} [{}]",
        rule_key(f),
        stable_place(f),
        f.fingerprint.short(12)
    );
    let classname = format!("secgate.{}.{}", f.category.as_str(), f.scanner.id);
    let mut body = String::new();
    let _ = writeln!(body, "{}", one_line(&f.title));
    let _ = writeln!(body, "severity: {}", f.severity);
    let _ = writeln!(body, "location: {}", one_line(&f.location.describe()));
    let ids: Vec<String> = f.identifiers.iter().map(|i| i.to_string()).collect();
    if !ids.is_empty() {
        let _ = writeln!(body, "identifiers: {}", ids.join(", "));
    }
    if !f.fix.fixed_versions.is_empty() {
        let _ = writeln!(body, "fixed in: {}", f.fix.fixed_versions.join(", "));
    }
    let _ = writeln!(body, "scanner: {}", f.scanner.name);
    if let Some(src) = &j.source {
        let _ = writeln!(body, "report: {src}");
    }
    let _ = writeln!(body, "fingerprint: {}", f.fingerprint);
    let _ = write!(body, "{}", outcome_reason(&j.outcome));
    let mut c = Case {
        classname,
        name,
        failure: None,
        skipped: None,
        out: None,
    };
    match &j.outcome {
        Outcome::Failed { rule } => {
            c.failure = Some((one_line(rule), f.severity.as_str().to_string(), body));
        }
        Outcome::Passed { .. } => c.out = Some(body),
        Outcome::Exempted { .. } | Outcome::Existing => {
            c.skipped = Some(outcome_reason(&j.outcome));
            c.out = Some(body);
        }
    }
    c
}

/// The subject of a problem message: its first `backquoted` part, else the
/// whole message, so that a name stays the same when a count in it changes.
fn problem_subject(p: &GateProblem) -> String {
    let m = one_line(&p.message);
    let mut parts = m.split('`');
    if let (Some(_), Some(inner), Some(_)) = (parts.next(), parts.next(), parts.next()) {
        if !inner.is_empty() {
            return inner.to_string();
        }
    }
    m
}

fn problem_case(p: &GateProblem) -> Case {
    let mut c = Case {
        classname: "secgate.gate".into(),
        name: format!("{}: {}", p.code, problem_subject(p)),
        failure: None,
        skipped: None,
        out: None,
    };
    if p.blocking {
        c.failure = Some((one_line(&p.message), p.code.clone(), p.message.clone()));
    } else {
        c.out = Some(format!("warning: {}", p.message));
    }
    c
}

fn write_suite(xml: &mut String, name: &str, cases: &[Case]) {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        esc(name),
        cases.len()
    );
    for c in cases {
        let _ = write!(
            xml,
            "    <testcase classname=\"{}\" name=\"{}\"",
            esc(&c.classname),
            esc(&c.name)
        );
        if c.failure.is_none() && c.skipped.is_none() && c.out.is_none() {
            xml.push_str("/>\n");
            continue;
        }
        xml.push_str(">\n");
        if let Some((message, ty, body)) = &c.failure {
            let _ = writeln!(
                xml,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                esc(message),
                esc(ty),
                esc_text(body)
            );
        }
        if let Some(m) = &c.skipped {
            let _ = writeln!(xml, "      <skipped message=\"{}\"/>", esc(m));
        }
        if let Some(o) = &c.out {
            let _ = writeln!(xml, "      <system-out>{}</system-out>", esc_text(o));
        }
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n");
}

/// The JUnit XML of a verdict, for `artifacts:reports:junit`:
///
/// - a suite `secgate.<category>` per category, a test case per judged
///   finding (class `secgate.<category>.<scanner>`, name `<rule> in
///   <location without line> [<fingerprint, 12 hex>]`): a failure for a
///   finding that fails the gate, skipped for an exempted or existing one
///   (the reason as the message), passed for an allowed one;
/// - a suite `secgate.gate`: the test case `verdict`, failed when the gate
///   fails, and a test case per gate problem (`<code>: <subject>`), failed when
///   the problem is blocking.
pub fn junit(v: &Verdict) -> String {
    let mut suites: BTreeMap<Category, Vec<Case>> = BTreeMap::new();
    for c in &v.categories {
        suites.entry(c.clone()).or_default();
    }
    for j in judged_in_order(&v.findings) {
        suites
            .entry(j.finding.category.clone())
            .or_default()
            .push(case_of(j));
    }
    let counts = Counts::of(&v.findings);
    let blocking = v.problems.iter().filter(|p| p.blocking).count();
    let mut gate = vec![Case {
        classname: "secgate.gate".into(),
        name: "verdict".into(),
        failure: (!v.passed).then(|| {
            let m = format!(
                "the gate failed: {} finding(s) fail the policy, {} blocking problem(s)",
                counts.failed, blocking
            );
            (m.clone(), "gate".to_string(), m)
        }),
        skipped: None,
        out: None,
    }];
    gate.extend(v.problems.iter().map(problem_case));

    let mut ordered: Vec<(String, Vec<Case>)> = vec![("secgate.gate".to_string(), gate)];
    ordered.extend(
        suites
            .into_iter()
            .map(|(c, cases)| (format!("secgate.{}", c.as_str()), cases)),
    );
    let tests: usize = ordered.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = ordered
        .iter()
        .map(|(_, c)| c.iter().filter(|c| c.failure.is_some()).count())
        .sum();
    let skipped: usize = ordered
        .iter()
        .map(|(_, c)| c.iter().filter(|c| c.skipped.is_some()).count())
        .sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"secgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    for (name, cases) in &ordered {
        write_suite(&mut xml, name, cases);
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b>&\"'\u{1}\n"), "a&lt;b&gt;&amp;&quot;&apos;&#10;");
        assert_eq!(esc_text("x\ny\u{7}"), "x\ny");
        // The fast path (nothing to escape) and the characters it must not skip.
        assert_eq!(esc("plain text 1.2.3"), "plain text 1.2.3");
        assert_eq!(
            esc("non-char \u{FFFE}\u{FFFF} gone, \u{F000} kept"),
            "non-char  gone, \u{F000} kept"
        );
        assert_eq!(esc_text("tab\there"), "tab\there");
        assert_eq!(esc("tab\there"), "tab&#9;here");
    }

    #[test]
    fn subjects() {
        let p = GateProblem {
            code: "expiring_exception".into(),
            message: "exception `CVE-1` expires in 3 days".into(),
            blocking: false,
        };
        assert_eq!(problem_subject(&p), "CVE-1");
        let p = GateProblem {
            code: "x".into(),
            message: "no ticks here".into(),
            blocking: true,
        };
        assert_eq!(problem_subject(&p), "no ticks here");
    }
}
