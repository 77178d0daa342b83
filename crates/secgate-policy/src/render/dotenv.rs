//! A dotenv file of counts, for later jobs (`artifacts:reports:dotenv`).

use super::Counts;
use crate::verdict::Verdict;
use secgate_core::Severity;

/// The counts of a verdict as `KEY=value` lines (GitLab's dotenv report: plain
/// values, no quotes, 15 variables, well under GitLab's limits):
///
/// | variable | value |
/// |---|---|
/// | `SECGATE_PASSED` | `true` or `false` |
/// | `SECGATE_TOTAL` | every finding judged |
/// | `SECGATE_FAILED` | findings that fail the gate |
/// | `SECGATE_ALLOWED` | findings judged and allowed (below the threshold, within a budget...) |
/// | `SECGATE_EXEMPTED` | findings matched by an exception |
/// | `SECGATE_EXISTING` | findings in the baseline |
/// | `SECGATE_NEW` | findings not in the baseline (`TOTAL - EXISTING`) |
/// | `SECGATE_CRITICAL` ... `SECGATE_UNKNOWN` | findings of that severity, any outcome |
/// | `SECGATE_PROBLEMS` | gate problems (missing scanners, expired exceptions...) |
/// | `SECGATE_BLOCKING_PROBLEMS` | those that fail the gate |
///
/// Dotenv variables take precedence over the `variables:` of later jobs, so
/// none of these names is one the secgate CI templates use as an input
/// (`SECGATE_VERSION`, `SECGATE_FAIL_ON`, ... are not written).
pub fn dotenv(v: &Verdict) -> String {
    let c = Counts::of(&v.findings);
    let mut lines = vec![
        format!("SECGATE_PASSED={}", v.passed),
        format!("SECGATE_TOTAL={}", c.total),
        format!("SECGATE_FAILED={}", c.failed),
        format!("SECGATE_ALLOWED={}", c.passed),
        format!("SECGATE_EXEMPTED={}", c.exempted),
        format!("SECGATE_EXISTING={}", c.existing),
        format!("SECGATE_NEW={}", c.total - c.existing),
    ];
    for s in Severity::ALL {
        lines.push(format!(
            "SECGATE_{}={}",
            s.as_str().to_ascii_uppercase(),
            c.by_severity[super::severity_index(s)][0]
        ));
    }
    lines.push(format!("SECGATE_PROBLEMS={}", v.problems.len()));
    lines.push(format!(
        "SECGATE_BLOCKING_PROBLEMS={}",
        v.problems.iter().filter(|p| p.blocking).count()
    ));
    let mut s = lines.join("\n");
    s.push('\n');
    s
}
