//! The human summary for the job log.

use super::{
    judged_in_order, one_line, outcome_reason, outcome_word, place_with_line, rule_key,
    severity_index, Counts,
};
use crate::verdict::{Judged, Outcome, Verdict};
use secgate_core::Severity;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How the terminal summary is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// ANSI colours (the CLI sets it when stdout is a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// `--explain`: the outcome and its reason for every judged finding.
    pub explain: bool,
    /// `--verbose`: the report, identifiers and fingerprint of each finding listed.
    pub verbose: bool,
    /// `--max-findings`: list at most this many failing findings (and, with
    /// `explain`, at most this many others), then say how many were left out;
    /// 0 lists all. A CI job log is capped (GitLab Runner's `output_limit` is
    /// 4 MiB by default), so the gate's console lists the worst first and the
    /// report outputs carry every finding.
    pub max_findings: usize,
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info | Severity::Unknown => "2",
        };
        self.wrap(code, text)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn green(&self, s: &str) -> String {
        self.wrap("1;32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
}

fn finding_block(out: &mut String, p: &Paint, j: &Judged, opts: &TerminalOptions, why: bool) {
    let f = &j.finding;
    let sev = format!("{:<8}", f.severity.as_str().to_ascii_uppercase());
    let key = one_line(&rule_key(f));
    let title = one_line(&f.title);
    if title.is_empty() || title == key {
        let _ = writeln!(out, "  {} {}", p.sev(f.severity, &sev), p.bold(&key));
    } else {
        let _ = writeln!(
            out,
            "  {} {}  {}",
            p.sev(f.severity, &sev),
            p.bold(&key),
            title
        );
    }
    let mut facts = vec![one_line(&place_with_line(f)), one_line(&f.scanner.id)];
    if !f.fix.fixed_versions.is_empty() {
        facts.push(format!("fixed in {}", f.fix.fixed_versions.join(", ")));
    }
    let _ = writeln!(out, "           {}", p.dim(&facts.join(" · ")));
    if why {
        let _ = writeln!(out, "           {}", outcome_reason(&j.outcome));
    }
    if opts.verbose {
        if let Some(src) = &j.source {
            let _ = writeln!(
                out,
                "           {}",
                p.dim(&format!("report: {}", one_line(src)))
            );
        }
        let ids: Vec<String> = f.identifiers.iter().map(|i| i.to_string()).collect();
        if !ids.is_empty() {
            let _ = writeln!(
                out,
                "           {}",
                p.dim(&format!("ids: {}", one_line(&ids.join(", "))))
            );
        }
        let _ = writeln!(
            out,
            "           {}",
            p.dim(&format!("fingerprint: {}", f.fingerprint))
        );
    }
}

fn limit(opts: &TerminalOptions) -> usize {
    if opts.max_findings == 0 {
        usize::MAX
    } else {
        opts.max_findings
    }
}

/// Says how many of `total` findings the list left out, if any.
fn left_out(out: &mut String, p: &Paint, total: usize, opts: &TerminalOptions, what: &str) {
    let shown = total.min(limit(opts));
    if shown < total {
        let _ = writeln!(
            out,
            "  {}",
            p.dim(&format!(
                "... and {} more {what} finding(s), not listed here (--max-findings {}; 0 lists all): every finding is in the report outputs (--output json=..., gitlab-*, sarif, junit, codequality)",
                total - shown,
                opts.max_findings
            ))
        );
    }
}

/// The terminal summary of a verdict: the result line, counts by severity and
/// by scanner, the gate problems, then the failing findings each with the rule
/// that failed it. With `explain`, every judged finding and its reason (rule,
/// exception or baseline); with `verbose`, report, identifiers and fingerprint.
/// Text from reports is put on one line with control characters removed, so a
/// report cannot move the cursor or recolour the log.
pub fn terminal(v: &Verdict, opts: &TerminalOptions) -> String {
    let p = Paint(opts.color);
    let c = Counts::of(&v.findings);
    let blocking = v.problems.iter().filter(|x| x.blocking).count();
    let mut out = String::new();
    let head = if v.passed {
        p.green("secgate: PASSED")
    } else {
        p.red("secgate: FAILED")
    };
    let _ = writeln!(
        out,
        "{head}: {} of {} finding(s) fail the gate; {} blocking problem(s)",
        c.failed, c.total, blocking
    );
    let _ = writeln!(
        out,
        "  {} new, {} existing, {} exempted, {} allowed",
        c.total - c.existing,
        c.existing,
        c.exempted,
        c.passed
    );
    if !v.policy.is_empty() {
        let _ = writeln!(out, "  policy: {}", one_line(&v.policy));
    }

    out.push('\n');
    let _ = writeln!(out, "{}", p.bold("By severity"));
    for s in Severity::ALL {
        let row = c.by_severity[severity_index(s)];
        if row[0] == 0 {
            continue;
        }
        let name = format!("{:<9}", s.as_str());
        let _ = writeln!(
            out,
            "  {} {:>6}   ({} failing, {} existing, {} exempted)",
            p.sev(s, &name),
            row[0],
            row[1],
            row[4],
            row[3]
        );
    }
    if c.total == 0 {
        let _ = writeln!(out, "  no findings");
    }

    let mut by_scanner: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &v.scanners {
        by_scanner.entry(s.id.as_str()).or_default();
    }
    for j in &v.findings {
        let e = by_scanner.entry(j.finding.scanner.id.as_str()).or_default();
        e.0 += 1;
        if j.outcome.is_failure() {
            e.1 += 1;
        }
    }
    if !by_scanner.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", p.bold("By scanner"));
        let width = by_scanner.keys().map(|k| k.len()).max().unwrap_or(0);
        for (id, (n, failing)) in &by_scanner {
            let _ = writeln!(
                out,
                "  {:<width$} {:>6}   ({failing} failing)",
                one_line(id),
                n
            );
        }
    }

    if !v.problems.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", p.bold("Problems"));
        for x in &v.problems {
            let tag = if x.blocking {
                p.red("error  ")
            } else {
                p.yellow("warning")
            };
            let _ = writeln!(
                out,
                "  {tag} [{}] {}",
                one_line(&x.code),
                one_line(&x.message)
            );
        }
    }

    let ordered = judged_in_order(&v.findings);
    let failing: Vec<&Judged> = ordered
        .iter()
        .copied()
        .filter(|j| j.outcome.is_failure())
        .collect();
    if !failing.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", p.bold("Failing findings"));
        for j in failing.iter().take(limit(opts)) {
            finding_block(&mut out, &p, j, opts, true);
        }
        left_out(&mut out, &p, failing.len(), opts, "failing");
    }
    if opts.explain {
        let others: Vec<&Judged> = ordered
            .iter()
            .copied()
            .filter(|j| !j.outcome.is_failure())
            .collect();
        if !others.is_empty() {
            out.push('\n');
            let _ = writeln!(out, "{}", p.bold("Every other verdict (--explain)"));
            for j in others.iter().take(limit(opts)) {
                let _ = writeln!(out, "  [{}]", outcome_word(&j.outcome));
                finding_block(&mut out, &p, j, opts, true);
            }
            left_out(&mut out, &p, others.len(), opts, "other");
        }
    } else if c.total > c.failed {
        let hidden = c.total - c.failed;
        let exempted_or_existing = ordered
            .iter()
            .filter(|j| matches!(j.outcome, Outcome::Exempted { .. } | Outcome::Existing))
            .count();
        let _ = writeln!(
            out,
            "\n{}",
            p.dim(&format!(
                "{hidden} finding(s) not failing ({exempted_or_existing} exempted or existing): run with --explain to see why each one passed"
            ))
        );
    }
    out
}
