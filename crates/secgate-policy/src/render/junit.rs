//! JUnit XML (the Free-tier merge request test summary).
//!
//! One `<testsuite>` per category (`secgate.<category>`) with one test case per
//! judged finding, and a `secgate.gate` suite with the verdict and the gate
//! problems. Test case names are built from the rule, the line-free location
//! and the fingerprint, never a line number, so that GitLab's comparison with
//! the target branch ("new failures", "fixed") follows a finding across runs.

use super::{
    judged_in_order, one_line, one_line_cow, push_one_line, push_outcome_reason, push_stable_place,
    rule_key_cow, Counts, Hex,
};
use crate::verdict::{GateProblem, Judged, Outcome, Verdict};
use secgate_core::Category;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

/// Escapes text for XML attributes, dropping characters XML 1.0 does not
/// allow (control characters other than tab, newline, carriage return).
#[cfg(test)]
fn esc(s: &str) -> String {
    let mut out = Vec::new();
    put(&mut out, s, true).unwrap();
    String::from_utf8(out).unwrap()
}

/// Escapes element text (newlines and tabs kept as they are).
#[cfg(test)]
fn esc_text(s: &str) -> String {
    let mut out = Vec::new();
    put(&mut out, s, false).unwrap();
    String::from_utf8(out).unwrap()
}

/// Whether [`put`] must look at a byte: markup, control characters, and
/// 0xEF (which starts U+FFFE and U+FFFF). Non-short-circuit operators, so
/// that [`chunk_needs_look`] compiles to vector compares.
#[inline(always)]
const fn needs_look(x: u8) -> bool {
    (x < 0x20) | (x == b'&') | (x == b'<') | (x == b'>') | (x == b'"') | (x == b'\'') | (x == 0xEF)
}

/// What [`put`] does with a byte: 0 keep, 1 look ([`needs_look`]).
const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = needs_look(i as u8) as u8;
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = byte_classes();

/// Whether any of sixteen bytes is one [`put`] must look at ([`needs_look`],
/// less newline and tab in element text, which stay as they are); no early
/// exit, so it compiles to vector compares.
#[inline(always)]
fn chunk_needs_look(c: &[u8; 16], attribute: bool) -> bool {
    let mut any = false;
    for &x in c {
        any |= needs_look(x) & (attribute | ((x != b'\n') & (x != b'\t')));
    }
    any
}

/// Writes `s` escaped for an attribute (`attribute`) or element text, as
/// [`escape`] does, a run of plain bytes at a time. Escaping maps each
/// character on its own, so pieces escaped one by one make the escaped whole.
fn put<W: Write>(w: &mut W, s: &str, attribute: bool) -> io::Result<()> {
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // Sixteen plain bytes at a time (most report text is plain); a chunk
        // with something to look at goes byte by byte, then the next chunk.
        let stop = match b.get(i..i + 16) {
            Some(chunk)
                if !chunk_needs_look(chunk.try_into().expect("sixteen bytes"), attribute) =>
            {
                i += 16;
                continue;
            }
            Some(_) => i + 16,
            None => b.len(),
        };
        while i < stop {
            let c = b[i];
            if CLASS[c as usize] == 0 {
                i += 1;
                continue;
            }
            let (replacement, len): (&[u8], usize) = match c {
                b'&' => (b"&amp;", 1),
                b'<' => (b"&lt;", 1),
                b'>' => (b"&gt;", 1),
                b'"' => (b"&quot;", 1),
                b'\'' => (b"&apos;", 1),
                b'\n' if attribute => (b"&#10;", 1),
                b'\r' => (b"&#13;", 1),
                b'\t' if attribute => (b"&#9;", 1),
                b'\n' | b'\t' => {
                    i += 1;
                    continue;
                }
                // U+FFFE and U+FFFF (EF BF BE, EF BF BF): not XML characters.
                0xEF if b.get(i + 1) == Some(&0xBF)
                    && matches!(b.get(i + 2), Some(0xBE | 0xBF)) =>
                {
                    (b"", 3)
                }
                0xEF => {
                    i += 1;
                    continue;
                }
                // Other control characters: not XML 1.0 characters.
                _ => (b"", 1),
            };
            w.write_all(&b[start..i])?;
            w.write_all(replacement)?;
            i += len;
            start = i;
        }
    }
    w.write_all(&b[start..])
}

/// The reference rule of [`put`], a character at a time.
#[cfg(test)]
fn escape(s: &str, attribute: bool) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Most text needs nothing: no markup character, no control character,
    // and no byte 0xEF (which starts U+FFFE and U+FFFF, among others).
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0..=0x1f | 0xEF))
    {
        return Cow::Borrowed(s);
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
    Cow::Owned(out)
}

struct Case {
    classname: String,
    name: String,
    /// (message, type, body)
    failure: Option<(String, String, String)>,
    skipped: Option<String>,
    out: Option<String>,
}

/// Writes the test case of a judged finding (`body`: a buffer reused
/// across findings).
fn write_finding_case<W: Write>(w: &mut W, j: &Judged, body: &mut String) -> io::Result<()> {
    let f = &j.finding;
    w.write_all(b"    <testcase classname=\"secgate.")?;
    put(w, f.category.as_str(), true)?;
    w.write_all(b".")?;
    put(w, &f.scanner.id, true)?;
    w.write_all(b"\" name=\"")?;
    put(w, &rule_key_cow(f), true)?;
    w.write_all(b" in ")?;
    body.clear();
    push_stable_place(body, f);
    put(w, body, true)?;
    w.write_all(b" [")?;
    w.write_all(&Hex(&f.fingerprint).digits()[..12])?;
    w.write_all(b"]\">\n")?;

    body.clear();
    push_one_line(body, &f.title);
    body.push('\n');
    let _ = writeln!(body, "severity: {}", f.severity);
    body.push_str("location: ");
    body.push_str(&one_line_cow(&f.location.describe()));
    body.push('\n');
    if !f.identifiers.is_empty() {
        body.push_str("identifiers: ");
        for (i, id) in f.identifiers.iter().enumerate() {
            if i > 0 {
                body.push_str(", ");
            }
            let _ = write!(body, "{id}");
        }
        body.push('\n');
    }
    if !f.fix.fixed_versions.is_empty() {
        body.push_str("fixed in: ");
        body.push_str(&f.fix.fixed_versions.join(", "));
        body.push('\n');
    }
    let _ = writeln!(body, "scanner: {}", f.scanner.name);
    if let Some(src) = &j.source {
        let _ = writeln!(body, "report: {src}");
    }
    body.push_str("fingerprint: ");
    body.push_str(std::str::from_utf8(&Hex(&f.fingerprint).digits()).unwrap_or_default());
    body.push('\n');
    push_outcome_reason(body, &j.outcome);

    match &j.outcome {
        Outcome::Failed { rule } => {
            w.write_all(b"      <failure message=\"")?;
            put(w, &one_line_cow(rule), true)?;
            w.write_all(b"\" type=\"")?;
            put(w, f.severity.as_str(), true)?;
            w.write_all(b"\">")?;
            put(w, body, false)?;
            w.write_all(b"</failure>\n")?;
        }
        Outcome::Passed { .. } => write_out(w, body)?,
        Outcome::Exempted { .. } | Outcome::Existing => {
            let mut reason = String::new();
            push_outcome_reason(&mut reason, &j.outcome);
            w.write_all(b"      <skipped message=\"")?;
            put(w, &reason, true)?;
            w.write_all(b"\"/>\n")?;
            write_out(w, body)?;
        }
    }
    w.write_all(b"    </testcase>\n")
}

fn write_out<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    w.write_all(b"      <system-out>")?;
    put(w, text, false)?;
    w.write_all(b"</system-out>\n")
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
    // No named subject: the message up to its first `:` or `;`, so a name
    // does not carry a scanner's error text, which changes from run to run
    // (`the scan that wrote a.json (Semgrep) failed`).
    match m.find([':', ';']) {
        Some(i) if i > 0 => m[..i].trim_end().to_string(),
        _ => m,
    }
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

fn write_suite_start<W: Write>(
    w: &mut W,
    name: &str,
    tests: usize,
    failures: usize,
    skipped: usize,
) -> io::Result<()> {
    w.write_all(b"  <testsuite name=\"")?;
    put(w, name, true)?;
    writeln!(
        w,
        "\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    )
}

fn write_case<W: Write>(w: &mut W, c: &Case) -> io::Result<()> {
    w.write_all(b"    <testcase classname=\"")?;
    put(w, &c.classname, true)?;
    w.write_all(b"\" name=\"")?;
    put(w, &c.name, true)?;
    w.write_all(b"\"")?;
    if c.failure.is_none() && c.skipped.is_none() && c.out.is_none() {
        return w.write_all(b"/>\n");
    }
    w.write_all(b">\n")?;
    if let Some((message, ty, body)) = &c.failure {
        w.write_all(b"      <failure message=\"")?;
        put(w, message, true)?;
        w.write_all(b"\" type=\"")?;
        put(w, ty, true)?;
        w.write_all(b"\">")?;
        put(w, body, false)?;
        w.write_all(b"</failure>\n")?;
    }
    if let Some(m) = &c.skipped {
        w.write_all(b"      <skipped message=\"")?;
        put(w, m, true)?;
        w.write_all(b"\"/>\n")?;
    }
    if let Some(o) = &c.out {
        write_out(w, o)?;
    }
    w.write_all(b"    </testcase>\n")
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
    let mut out = Vec::new();
    // Writing into memory does not fail, and every piece written is UTF-8.
    let _ = write_junit(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`junit()`] to `w`, one test case at a time: for big verdicts, much
/// faster and smaller in memory than building the document.
pub fn write_junit<W: Write>(w: W, v: &Verdict) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(super::stream::BUF, w);
    let mut suites: BTreeMap<&Category, Vec<&Judged>> = BTreeMap::new();
    for c in &v.categories {
        suites.entry(c).or_default();
    }
    for j in judged_in_order(&v.findings) {
        suites.entry(&j.finding.category).or_default().push(j);
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
    // Names are unique within the suite (GitLab compares test cases by name
    // across runs): a repeated one gets ` #2`, ` #3`... in problem order.
    let mut names: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    gate.extend(v.problems.iter().map(problem_case).map(|mut c| {
        let n = names.entry(c.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.name = format!("{} #{n}", c.name);
        }
        c
    }));
    let gate_failures = gate.iter().filter(|c| c.failure.is_some()).count();
    let gate_skipped = gate.iter().filter(|c| c.skipped.is_some()).count();

    // A finding's case fails when the finding does, is skipped when it is
    // exempted or existing.
    let suite_counts = |js: &[&Judged]| {
        let failures = js
            .iter()
            .filter(|j| matches!(j.outcome, Outcome::Failed { .. }))
            .count();
        let skipped = js
            .iter()
            .filter(|j| matches!(j.outcome, Outcome::Exempted { .. } | Outcome::Existing))
            .count();
        (js.len(), failures, skipped)
    };
    let (mut tests, mut failures, mut skipped) = (gate.len(), gate_failures, gate_skipped);
    for js in suites.values() {
        let (t, f, s) = suite_counts(js);
        tests += t;
        failures += f;
        skipped += s;
    }
    w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        w,
        "<testsuites name=\"secgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    )?;
    write_suite_start(
        &mut w,
        "secgate.gate",
        gate.len(),
        gate_failures,
        gate_skipped,
    )?;
    for c in &gate {
        write_case(&mut w, c)?;
    }
    w.write_all(b"  </testsuite>\n")?;
    let mut body = String::new();
    for (c, js) in &suites {
        let (t, f, s) = suite_counts(js);
        write_suite_start(&mut w, &format!("secgate.{}", c.as_str()), t, f, s)?;
        for j in js {
            write_finding_case(&mut w, j, &mut body)?;
        }
        w.write_all(b"  </testsuite>\n")?;
    }
    w.write_all(b"</testsuites>\n")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn put_string(s: &str, attribute: bool) -> String {
        if attribute {
            esc(s)
        } else {
            esc_text(s)
        }
    }

    #[test]
    fn chunk_check_agrees_with_the_byte_classes() {
        for byte in 0..=255u8 {
            for pos in 0..16 {
                let mut c = [b'a'; 16];
                c[pos] = byte;
                let look = CLASS[byte as usize] != 0;
                assert_eq!(chunk_needs_look(&c, true), look, "{byte:#x} at {pos}");
                let kept_in_text = byte == b'\n' || byte == b'\t';
                assert_eq!(
                    chunk_needs_look(&c, false),
                    look && !kept_in_text,
                    "{byte:#x} at {pos}"
                );
            }
        }
    }

    /// Long text crosses the sixteen-byte fast path at every offset.
    #[test]
    fn long_text_escapes_as_the_reference_rule_at_every_offset() {
        let specials = [
            "&", "<", ">", "\"", "'", "\n", "\r", "\t", "\u{1b}", "\u{FFFE}", "\u{FFFD}", "é",
        ];
        for sp in specials {
            for at in 0..40 {
                let s = format!("{}{sp}{}", "x".repeat(at), "y".repeat(40 - at));
                for attribute in [true, false] {
                    let mut out = Vec::new();
                    put(&mut out, &s, attribute).unwrap();
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        escape(&s, attribute).into_owned(),
                        "{sp:?} at {at}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn put_agrees_with_the_reference_rule(
            s in "[ a-z&<>\"'\t\n\r\u{0}\u{1b}\u{7f}\u{a0}\u{F000}\u{FEFF}\u{FFFD}\u{FFFE}\u{FFFF}é]{0,48}",
            attribute in any::<bool>(),
        ) {
            prop_assert_eq!(put_string(&s, attribute), escape(&s, attribute).into_owned());
        }
    }

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
