//! A Markdown summary for a merge request comment.

use super::{
    judged_in_order, one_line, place_with_line, rule_key, severity_index, truncate, Counts,
};
use crate::verdict::{Outcome, Verdict};
use secgate_core::Severity;
use std::fmt::Write;

/// The most failing findings listed in the Markdown summary; the rest are
/// counted ("and N more").
pub const MARKDOWN_MAX_FINDINGS: usize = 50;

/// Escapes text for a table cell or a list item: no line breaks, no table
/// breaks, no formatting, Markdown links, HTML or `@mentions` from finding
/// text (a bare URL stays as written: GitLab autolinks it).
fn cell(s: &str) -> String {
    let s = truncate(&one_line(s), 300);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("&#64;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn title_case(s: Severity) -> &'static str {
    s.gitlab_name()
}

/// The Markdown summary of a verdict: the result, a table of counts per
/// severity and outcome, the gate problems, and the failing findings (at most
/// [`MARKDOWN_MAX_FINDINGS`], then "and N more"). Text from reports is escaped
/// so that it cannot break the table, inject HTML or mention users.
pub fn markdown(v: &Verdict) -> String {
    let c = Counts::of(&v.findings);
    let blocking = v.problems.iter().filter(|p| p.blocking).count();
    let mut md = String::new();
    if v.passed {
        md.push_str("## :white_check_mark: secgate: the security gate passed\n\n");
    } else {
        md.push_str("## :x: secgate: the security gate failed\n\n");
    }
    let _ = writeln!(
        md,
        "**{}** finding(s) fail the policy; {} new, {} existing, {} exempted, {} allowed, from {} scanner(s). {} gate problem(s), {} blocking.\n",
        c.failed,
        c.total - c.existing,
        c.existing,
        c.exempted,
        c.passed,
        v.scanners.len(),
        v.problems.len(),
        blocking
    );
    if !v.policy.is_empty() {
        let _ = writeln!(md, "Policy: {}\n", cell(&v.policy));
    }
    md.push_str("| Severity | Failing | Allowed | Existing | Exempted | Total |\n");
    md.push_str("|---|--:|--:|--:|--:|--:|\n");
    for s in Severity::ALL {
        let row = c.by_severity[severity_index(s)];
        if row[0] == 0 && matches!(s, Severity::Unknown | Severity::Info) {
            continue;
        }
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            title_case(s),
            row[1],
            row[2],
            row[4],
            row[3],
            row[0]
        );
    }
    let _ = writeln!(
        md,
        "| **Total** | **{}** | {} | {} | {} | {} |",
        c.failed, c.passed, c.existing, c.exempted, c.total
    );

    if !v.problems.is_empty() {
        md.push_str("\n### Gate problems\n\n");
        for p in &v.problems {
            let mark = if p.blocking { ":x:" } else { ":warning:" };
            let _ = writeln!(md, "- {mark} **{}**: {}", cell(&p.code), cell(&p.message));
        }
    }

    let failing: Vec<_> = judged_in_order(&v.findings)
        .into_iter()
        .filter(|j| j.outcome.is_failure())
        .collect();
    if !failing.is_empty() {
        md.push_str("\n### Failing findings\n\n");
        md.push_str("| Severity | Finding | Location | Scanner | Failed by |\n");
        md.push_str("|---|---|---|---|---|\n");
        for j in failing.iter().take(MARKDOWN_MAX_FINDINGS) {
            let f = &j.finding;
            let rule = match &j.outcome {
                Outcome::Failed { rule } => rule.as_str(),
                _ => "",
            };
            let title = one_line(&f.title);
            let id = rule_key(f);
            let what = if title.contains(&id) {
                title
            } else {
                format!("{id}: {title}")
            };
            let place = place_with_line(f);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                title_case(f.severity),
                cell(&what),
                cell(&place),
                cell(&f.scanner.name),
                cell(rule)
            );
        }
        if failing.len() > MARKDOWN_MAX_FINDINGS {
            let _ = writeln!(
                md,
                "\n_…and {} more failing finding(s): see the job's reports._",
                failing.len() - MARKDOWN_MAX_FINDINGS
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_out() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(cell("@admin [x](y)"), "&#64;admin \\[x\\](y)");
    }
}
