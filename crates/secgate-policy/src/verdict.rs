//! The gate's verdict: what the policy decided about each finding and the run.
//! These types are the stable JSON result (`secgate check --output json`).

use secgate_core::{Category, Finding, Report, Scanner};
use serde::{Deserialize, Serialize};

/// What the policy decided about one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Fails the gate. `rule` names the policy rule that failed it
    /// (`fail_on: high`, `budget: medium (allowed 5, found 7)`, ...).
    Failed {
        /// The rule, in words.
        rule: String,
    },
    /// Judged and allowed (below the threshold, within a budget, unfixed while
    /// `ignore_unfixed`, below the minimum confidence...).
    Passed {
        /// Why it passed, in words.
        reason: String,
    },
    /// Matched an exception of the policy.
    Exempted {
        /// The exception's id or its first matcher.
        exception: String,
        /// The exception's reason.
        reason: String,
    },
    /// Present in the baseline: existing, not new (with `new_only`).
    Existing,
}

impl Outcome {
    /// True for [`Outcome::Failed`].
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}

/// One finding and the policy's decision about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    /// The finding.
    pub finding: Finding,
    /// The decision.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The report it came from (path), where known; shared by the findings
    /// of one report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<std::sync::Arc<str>>,
}

/// A problem with the run itself, not with a finding: a required scanner that
/// did not report, a failed scan, an expired exception. Each fails the gate
/// unless its `blocking` is false (a warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateProblem {
    /// A stable code (`missing_scanner`, `failed_scan`, `expired_exception`,
    /// `expiring_exception`, `stale_exception`, ...).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// Whether it fails the gate (false: a warning).
    pub blocking: bool,
}

/// The verdict of one gate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when the gate passes.
    pub passed: bool,
    /// The policy applied: its file as given, or `(default policy)` for the
    /// embedded one. Every output names it, so a misnamed or misplaced
    /// policy file that was never read shows.
    #[serde(default)]
    pub policy: String,
    /// Every finding with its outcome, in output order as `evaluate` leaves
    /// them: failures first (then passed, existing, exempted), then most
    /// severe first, by rule, place and fingerprint. The renderers keep that
    /// order (and sort a verdict that is not in it).
    pub findings: Vec<Judged>,
    /// Problems with the run (missing scanners, failed scans, exceptions).
    pub problems: Vec<GateProblem>,
    /// The scanners and categories that reported.
    pub scanners: Vec<Scanner>,
    /// The categories that reported (even with zero findings).
    pub categories: Vec<Category>,
    /// The categories of the reports whose scan failed (their findings are
    /// incomplete): the GitLab report of such a category says `failure`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_categories: Vec<Category>,
}

/// Everything the gate read, for renderers that need the reports themselves.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The parsed reports.
    pub reports: Vec<Report>,
}
