//! Evaluation: the policy applied to every finding of every report.
//!
//! Each finding goes through these steps; the first that decides wins:
//!
//! 1. **exceptions** — the first active (not expired) exception in file order
//!    that matches gives [`Outcome::Exempted`];
//! 2. **suppressed** — with `suppressed_findings: ignore` (the default), a
//!    finding its producer marked suppressed passes;
//! 3. **baseline** — with `new_only: true` and a baseline, a finding whose
//!    fingerprint is in the baseline is [`Outcome::Existing`];
//! 4. **min_confidence** — a finding whose scanner *states* a lower confidence
//!    passes (an unknown confidence is never dropped: fail closed);
//! 5. **ignore_unfixed** — a finding in a package with no fix available passes;
//! 6. **budgets** — when the most specific scope (scanner, then category, then
//!    global) sets a budget for the finding's severity, the findings under that
//!    budget pass while their count is within it, and all fail when it is exceeded;
//! 7. **fail_on** — otherwise the finding fails when its severity reaches the
//!    threshold of the most specific scope.
//!
//! Problems of the run: every failed scan (blocking), every required scanner or
//! category that did not report or reported nothing (blocking), expired, expiring
//! and stale exceptions (warnings). The verdict passes when no finding failed and
//! no blocking problem was found. The verdict does not depend on the order of the
//! reports or of their findings.
//!
//! Exceptions are indexed by identifier and by fingerprint prefix, so each finding
//! costs a few hash look-ups whatever the number of exceptions.

use crate::baseline::Baseline;
use crate::policy::{Date, Exception, Policy, Rules, SuppressedMode, Threshold};
use crate::text::trim;
use crate::verdict::{GateProblem, Judged, Outcome, Verdict};
use secgate_core::fingerprint::{normalize_image, under_dir};
use secgate_core::{
    Category, Finding, IdPattern, Identifier, Report, ScanStatus, Scanner, Severity,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

/// Options of one evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions<'a> {
    /// "Today", for exception expiry (inject for tests; the CLI reads `SECGATE_TODAY` or the clock).
    pub today: Date,
    /// The baseline, if any.
    pub baseline: Option<&'a Baseline>,
    /// Replaces the policy's top-level `fail_on` (the CLI's `--fail-on`).
    pub fail_on: Option<Threshold>,
    /// The project directory (the CLI's `--project-dir`, `$CI_PROJECT_DIR`):
    /// an absolute finding path under it is matched against exception
    /// `paths` relative to it, as the Code Quality output writes it.
    pub project_dir: Option<&'a str>,
}

impl Default for EvalOptions<'_> {
    fn default() -> Self {
        EvalOptions {
            today: Date::today_utc(),
            baseline: None,
            fail_on: None,
            project_dir: None,
        }
    }
}

/// Stable problem codes (see `docs/gate.md`).
pub mod codes {
    /// A report says its scan failed.
    pub const FAILED_SCAN: &str = "failed_scan";
    /// A required category or scanner did not report.
    pub const MISSING_SCANNER: &str = "missing_scanner";
    /// A required category or scanner reported zero findings without `allow_empty`.
    pub const EMPTY_REPORT: &str = "empty_report";
    /// An exception has expired and no longer applies.
    pub const EXPIRED_EXCEPTION: &str = "expired_exception";
    /// An exception expires within `warn_expiring_days`.
    pub const EXPIRING_EXCEPTION: &str = "expiring_exception";
    /// An exception matched no finding.
    pub const STALE_EXCEPTION: &str = "stale_exception";
    /// A baseline was given but `new_only` is off.
    pub const BASELINE_UNUSED: &str = "baseline_unused";
    /// `new_only` is on but no baseline was given.
    pub const NO_BASELINE: &str = "no_baseline";
    /// A `scanners:` override names no scanner of the run but one like it
    /// (a typo: the override silently does nothing).
    pub const UNMATCHED_SCANNER_OVERRIDE: &str = "unmatched_scanner_override";
}

/// The effective rules for one finding, with the names of their sources.
struct Effective<'p> {
    fail_on: (Threshold, String),
    budget: Option<(u64, String)>,
    min_confidence: Option<secgate_core::Confidence>,
    ignore_unfixed: bool,
    suppressed: SuppressedMode,
    _p: std::marker::PhantomData<&'p ()>,
}

/// One tool under the ids its reports give it: GitLab's DAST reports name ZAP
/// `zaproxy`, its own JSON `zap`.
fn scanner_alias(id: &str) -> &str {
    match id {
        "zaproxy" | "owasp-zap" | "zed-attack-proxy" | "owasp-zed-attack-proxy" => "zap",
        other => other,
    }
}

/// How well a policy's scanner name (`scanners:` key, `require: scanner:`)
/// names a finding's or report's scanner: 0 not at all; 1 as a family (`semgrep`
/// names `semgrep-oss`, `gemnasium` names `gemnasium-maven`); 2 its id or
/// name exactly. Ids compare as [`Scanner::id_from_name`] writes them, with
/// [`scanner_alias`].
fn scanner_match(want: &str, s: &Scanner) -> u8 {
    let want = Scanner::id_from_name(want);
    let want = scanner_alias(&want);
    let by_name = Scanner::id_from_name(&s.name);
    let mut best = 0;
    for have in [s.id.as_str(), by_name.as_str()] {
        let have = scanner_alias(have);
        if have == want {
            return 2;
        }
        if have.len() > want.len() && have.starts_with(want) && have.as_bytes()[want.len()] == b'-'
        {
            best = 1;
        }
    }
    best
}

fn effective<'p>(policy: &'p Policy, f: &Finding, cli_fail_on: Option<Threshold>) -> Effective<'p> {
    // The override that names the scanner best: exactly, else the longest family.
    let scanner = policy
        .scanners
        .iter()
        .map(|(k, r)| (scanner_match(k, &f.scanner), k.len(), k, r))
        .filter(|(m, ..)| *m > 0)
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| b.2.cmp(a.2)))
        .map(|(_, _, k, r)| (r, format!("scanners.{k}")));
    let category = policy
        .categories
        .get(f.category.as_str())
        .map(|r| (r, format!("categories.{}", f.category)));
    let global_fail_on = match cli_fail_on {
        Some(t) => (t, "--fail-on".to_string()),
        None => (policy.fail_on(), "fail_on".to_string()),
    };
    let scopes: Vec<(&Rules, String)> = scanner.into_iter().chain(category).collect();
    let pick = |get: &dyn Fn(&Rules) -> bool| scopes.iter().find(|(r, _)| get(r));
    let fail_on = match pick(&|r| r.fail_on.is_some()) {
        Some((r, name)) => (r.fail_on.unwrap(), format!("{name}.fail_on")),
        None => global_fail_on,
    };
    let budget = scopes
        .iter()
        .find_map(|(r, name)| {
            r.budgets
                .get(&f.severity)
                .map(|n| (*n, format!("{name}.budgets.{}", f.severity)))
        })
        .or_else(|| {
            policy
                .rules
                .budgets
                .get(&f.severity)
                .map(|n| (*n, format!("budgets.{}", f.severity)))
        });
    let min_confidence = pick(&|r| r.min_confidence.is_some())
        .map(|(r, _)| r.min_confidence)
        .unwrap_or(policy.rules.min_confidence);
    let ignore_unfixed = pick(&|r| r.ignore_unfixed.is_some())
        .and_then(|(r, _)| r.ignore_unfixed)
        .unwrap_or(policy.rules.ignore_unfixed.unwrap_or(false));
    let suppressed = pick(&|r| r.suppressed_findings.is_some())
        .and_then(|(r, _)| r.suppressed_findings)
        .unwrap_or(
            policy
                .rules
                .suppressed_findings
                .unwrap_or(SuppressedMode::Ignore),
        );
    Effective {
        fail_on,
        budget,
        min_confidence,
        ignore_unfixed,
        suppressed,
        _p: std::marker::PhantomData,
    }
}

/// The effective rules for findings of one scanner, category and severity,
/// and the outcome the severity threshold gives them.
struct RulesFor<'p> {
    scanner_id: String,
    category: Category,
    severity: Severity,
    eff: Effective<'p>,
    by_severity: Outcome,
}

impl<'p> RulesFor<'p> {
    fn new(policy: &'p Policy, f: &Finding, cli_fail_on: Option<Threshold>) -> Self {
        let eff = effective(policy, f, cli_fail_on);
        let (t, name) = &eff.fail_on;
        let by_severity = if t.reached_by(f.severity) {
            Outcome::Failed {
                rule: format!("{name}: {} (severity {})", t.as_str(), f.severity),
            }
        } else {
            Outcome::Passed {
                reason: format!("severity {} is below {name}: {}", f.severity, t.as_str()),
            }
        };
        RulesFor {
            scanner_id: f.scanner.id.clone(),
            category: f.category.clone(),
            severity: f.severity,
            eff,
            by_severity,
        }
    }

    /// Whether `f` is of this scanner, category and severity (what
    /// [`effective`] reads of a finding).
    fn applies_to(&self, f: &Finding) -> bool {
        self.severity == f.severity
            && self.category == f.category
            && self.scanner_id == f.scanner.id
    }
}

/// Exceptions indexed for matching.
struct Index<'p> {
    exceptions: &'p [Exception],
    project_dir: Option<&'p str>,
    /// By identifier key; an exception narrowed to a package by name is
    /// under its identifier key joined to the package ([`with_package`]), so
    /// a CWE excepted in forty packages does not make forty candidates of
    /// every finding with that CWE.
    by_key: HashMap<String, Vec<usize>>,
    by_fp: HashMap<[u8; 6], Vec<usize>>,
}

/// An index key narrowed to a package name: `key`, NUL, the name in ASCII
/// lower case (as [`package_matches`] compares names), appended to `out`.
fn with_package(out: &mut String, key: &str, name: &str) {
    out.clear();
    out.push_str(key);
    out.push('\0');
    out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
}

fn fp_prefix_key(hex: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let b = hex.as_bytes();
    if b.len() < 12 {
        return None;
    }
    for i in 0..6 {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

fn pattern_keys(pattern: &IdPattern) -> Vec<String> {
    let lower = pattern.text().to_ascii_lowercase();
    let mut keys = vec![format!("rule:{lower}")];
    match pattern.typed() {
        Some(typed) => keys.push(format!("typed:{typed}")),
        None => keys.push(format!("other:{lower}")),
    }
    keys
}

/// Calls `visit` with each index key of a finding (see [`pattern_keys`]),
/// each written into `key` (reused: no allocation per key).
fn for_each_finding_key(f: &Finding, key: &mut String, mut visit: impl FnMut(&str)) {
    use std::fmt::Write;
    let push_lower = |key: &mut String, s: &str| {
        key.extend(s.chars().map(|c| c.to_ascii_lowercase()));
    };
    if let Some(r) = &f.rule_id {
        key.clear();
        key.push_str("rule:");
        push_lower(key, r.trim());
        visit(key);
    }
    for id in &f.identifiers {
        match id {
            Identifier::Other { scheme, value } => {
                key.clear();
                key.push_str("other:");
                push_lower(key, scheme);
                key.push(':');
                push_lower(key, value);
                visit(key);
                key.clear();
                key.push_str("other:");
                push_lower(key, value);
                visit(key);
            }
            typed => {
                key.clear();
                key.push_str("typed:");
                // As `Display` writes them; the common kinds without `fmt`.
                match typed {
                    Identifier::Cve(s) | Identifier::Ghsa(s) => key.push_str(s),
                    Identifier::Cwe(n) => {
                        let _ = write!(key, "CWE-{n}");
                    }
                    other => {
                        let _ = write!(key, "{other}");
                    }
                }
                visit(key);
            }
        }
    }
}

impl<'p> Index<'p> {
    fn new(exceptions: &'p [Exception], project_dir: Option<&'p str>) -> Index<'p> {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_fp: HashMap<[u8; 6], Vec<usize>> = HashMap::new();
        let mut narrowed = String::new();
        for (i, e) in exceptions.iter().enumerate() {
            if let Some(id) = e.parsed_id() {
                // A purl is matched by prefix, not by name: not narrowed here.
                let name = e
                    .package
                    .as_deref()
                    .filter(|p| !p.starts_with("pkg:"))
                    .map(trim);
                for k in pattern_keys(&id) {
                    let k = match name {
                        Some(name) => {
                            with_package(&mut narrowed, &k, name);
                            narrowed.clone()
                        }
                        None => k,
                    };
                    by_key.entry(k).or_default().push(i);
                }
            } else if let Some(key) = e.fingerprint.as_deref().and_then(fp_prefix_key) {
                by_fp.entry(key).or_default().push(i);
            }
        }
        Index {
            exceptions,
            project_dir,
            by_key,
            by_fp,
        }
    }

    /// Indices of the exceptions that match the finding, ascending, expired or not.
    fn candidates(&self, f: &Finding, key: &mut String, narrowed: &mut String) -> Vec<usize> {
        let mut out = Vec::new();
        if !self.by_key.is_empty() {
            let package = f.location.package().map(|p| p.name.as_str());
            for_each_finding_key(f, key, |k| {
                if let Some(v) = self.by_key.get(k) {
                    out.extend_from_slice(v);
                }
                if let Some(name) = package {
                    with_package(narrowed, k, name);
                    if let Some(v) = self.by_key.get(narrowed.as_str()) {
                        out.extend_from_slice(v);
                    }
                }
            });
        }
        let mut fpk = [0u8; 6];
        fpk.copy_from_slice(&f.fingerprint.0[..6]);
        if let Some(v) = self.by_fp.get(&fpk) {
            out.extend_from_slice(v);
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| matches_in(&self.exceptions[i], f, self.project_dir));
        out
    }
}

/// Whether an exception's matchers all match a finding (expiry aside).
pub fn matches(e: &Exception, f: &Finding) -> bool {
    matches_in(e, f, None)
}

/// A finding's path as exception `paths` globs see it: `\` as `/`, relative
/// to `project_dir` when under it, no leading `./` or `/`, and `.` and `..`
/// segments resolved (so `tests/../src/a.py` is `src/a.py`, which `tests/**`
/// does not match; a `..` above the top is kept).
pub fn exception_path(file: &str, project_dir: Option<&str>) -> String {
    let file = file.replace('\\', "/");
    let mut rest = file.as_str();
    if let Some(dir) = project_dir.map(|d| d.replace('\\', "/")) {
        if let Some(r) = under_dir(rest, &dir) {
            rest = r;
        }
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// [`matches()`], with the project directory that exception paths are relative to.
pub fn matches_in(e: &Exception, f: &Finding, project_dir: Option<&str>) -> bool {
    if let Some(id) = e.parsed_id() {
        if !f.matches_id_pattern(&id) {
            return false;
        }
    }
    if let Some(fp) = &e.fingerprint {
        if !hex_starts_with(&f.fingerprint, fp) {
            return false;
        }
    }
    if !e.path_globs.is_empty() {
        let Some(file) = f.location.file() else {
            return false;
        };
        let file = exception_path(file, project_dir);
        if !e.path_globs.iter().any(|g| g.is_match(&file)) {
            return false;
        }
    }
    if let Some(want) = &e.package {
        let Some(pkg) = f.location.package() else {
            return false;
        };
        if !package_matches(want, pkg) {
            return false;
        }
    }
    if let Some(want) = &e.image {
        let Some(image) = f.location.image() else {
            return false;
        };
        let norm = normalize_image(image);
        let glob_ok = e
            .image_glob
            .as_ref()
            .is_some_and(|g| g.is_match(image) || g.is_match(&norm));
        if !(glob_ok || want == image || normalize_image(want) == norm) {
            return false;
        }
    }
    true
}

/// Whether the fingerprint's hex form (lowercase, as [`Fingerprint::to_hex`]
/// writes it) starts with `prefix`, without writing it.
fn hex_starts_with(fp: &secgate_core::Fingerprint, prefix: &str) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    prefix.len() <= 64
        && prefix.bytes().enumerate().all(|(i, c)| {
            let b = fp.0[i / 2];
            let nibble = if i % 2 == 0 { b >> 4 } else { b & 15 };
            HEX[nibble as usize] == c
        })
}

fn strip_purl_extras(p: &str) -> &str {
    let end = p.find(['?', '#']).unwrap_or(p.len());
    &p[..end]
}

fn package_matches(want: &str, pkg: &secgate_core::Package) -> bool {
    if want.starts_with("pkg:") {
        let Some(purl) = pkg.purl.as_deref() else {
            return false;
        };
        let have = strip_purl_extras(purl);
        let want = strip_purl_extras(want);
        if want.contains('@') {
            have.eq_ignore_ascii_case(want)
        } else {
            have.split('@')
                .next()
                .is_some_and(|h| h.eq_ignore_ascii_case(want))
        }
    } else {
        pkg.name.eq_ignore_ascii_case(trim(want))
    }
}

fn scanner_matches(s: &Scanner, want: &str) -> bool {
    scanner_match(want, s) > 0
}

/// Evaluates a policy over reports.
pub fn evaluate(policy: &Policy, reports: Vec<Report>, opts: &EvalOptions<'_>) -> Verdict {
    let mut problems = Vec::new();

    // Reports: failed scans, scanners and categories present.
    let mut scanners: Vec<Scanner> = Vec::new();
    let mut categories: Vec<Category> = Vec::new();
    let mut failed_categories: Vec<Category> = Vec::new();
    for r in &reports {
        if let ScanStatus::Failed { reasons } = &r.status {
            failed_categories.extend(r.categories());
            let mut reasons = reasons.clone();
            reasons.sort();
            problems.push(GateProblem {
                code: codes::FAILED_SCAN.into(),
                message: format!(
                    "the scan that wrote {} ({}) failed{}; its findings are incomplete: fix the scanner job and run it again",
                    r.source.as_deref().unwrap_or("a report"),
                    r.scanners.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                    if reasons.is_empty() { String::new() } else { format!(": {}", reasons.join("; ")) }
                ),
                blocking: true,
            });
        }
        scanners.extend(r.scanners.iter().cloned());
        categories.extend(r.categories());
    }

    // Required scanners and categories.
    for req in &policy.require {
        let matching: Vec<&Report> = reports
            .iter()
            .filter(|r| {
                let cat_ok = req
                    .category
                    .as_ref()
                    .is_none_or(|c| r.categories().contains(c));
                let scan_ok = req.scanner.as_ref().is_none_or(|s| {
                    r.scanners.iter().any(|x| scanner_matches(x, s))
                        || r.findings.iter().any(|f| scanner_matches(&f.scanner, s))
                });
                cat_ok && scan_ok
            })
            .collect();
        let what = req.describe();
        let at = if req.line > 0 {
            format!(" (policy line {})", req.line)
        } else {
            String::new()
        };
        if matching.is_empty() {
            problems.push(GateProblem {
                code: codes::MISSING_SCANNER.into(),
                message: match &req.category {
                    Some(c) => format!(
                        "required {what}{at} did not report: no report given to the gate is of it; check that its job ran and that its report is passed to `secgate check` (declare a report's type with TYPE=PATH, e.g. `{}=gl-report.json`)",
                        c.as_str()
                    ),
                    None => format!(
                        "required {what}{at} did not report: no report given to the gate is of it; check that its job ran and that its report is passed to `secgate check` (`secgate check --verbose` lists the scanners it read)"
                    ),
                },
                blocking: true,
            });
            continue;
        }
        let succeeded: Vec<&&Report> = matching.iter().filter(|r| r.status.succeeded()).collect();
        if succeeded.is_empty() {
            problems.push(GateProblem {
                code: codes::MISSING_SCANNER.into(),
                message: format!("required {what}{at} did not report successfully: every report of it says the scan failed"),
                blocking: true,
            });
            continue;
        }
        let total: usize = succeeded
            .iter()
            .map(|r| {
                r.findings
                    .iter()
                    .filter(|f| {
                        req.category.as_ref().is_none_or(|c| &f.category == c)
                            && req
                                .scanner
                                .as_ref()
                                .is_none_or(|s| scanner_matches(&f.scanner, s))
                    })
                    .count()
            })
            .sum();
        if total == 0 && !req.allow_empty {
            let mut sources: Vec<&str> = succeeded
                .iter()
                .filter_map(|r| r.source.as_deref())
                .collect();
            sources.sort_unstable();
            problems.push(GateProblem {
                code: codes::EMPTY_REPORT.into(),
                message: format!(
                    "required {what}{at} reported zero findings ({}): a scanner that analysed nothing looks the same; if a clean result is expected, set `allow_empty: true` on this requirement",
                    if sources.is_empty() { "no path".to_string() } else { sources.join(", ") }
                ),
                blocking: true,
            });
        }
    }

    // Baseline use.
    let baseline = match (policy.new_only, opts.baseline) {
        (true, Some(b)) => Some(b),
        (false, Some(_)) => {
            problems.push(GateProblem {
                code: codes::BASELINE_UNUSED.into(),
                message: "a baseline was given but the policy does not set `new_only: true` (or pass --new-only): every finding is judged, existing or not".into(),
                blocking: false,
            });
            None
        }
        (true, None) => {
            problems.push(GateProblem {
                code: codes::NO_BASELINE.into(),
                message: "the policy sets `new_only: true` but no --baseline was given: every finding is judged as new".into(),
                blocking: false,
            });
            None
        }
        (false, None) => None,
    };

    // Judge every finding.
    let index = Index::new(&policy.exceptions, opts.project_dir);
    let n_ex = policy.exceptions.len();
    let mut used = vec![0usize; n_ex];
    let mut expired_hits = vec![0usize; n_ex];
    let expired: Vec<bool> = policy
        .exceptions
        .iter()
        .map(|e| e.expires.is_some_and(|d| d < opts.today))
        .collect();

    // (report, finding, outcome): the findings stay where they are until
    // they are moved once, in output order, into the verdict.
    let mut judged: Vec<(usize, usize, Outcome)> =
        Vec::with_capacity(reports.iter().map(|r| r.findings.len()).sum());
    // Findings awaiting their budget: (index into judged, budget key, allowed, rule name)
    let mut pending: Vec<(usize, String)> = Vec::new();
    let mut budget_counts: HashMap<String, (u64, u64)> = HashMap::new();

    // The effective rules depend on the scanner, the category and the
    // severity only, and so does the text of the severity outcome: each
    // combination is worked out once (a report has a handful), not per finding.
    let mut rules_for: Vec<RulesFor<'_>> = Vec::new();
    let mut exempt_words: Vec<Option<(String, String)>> = vec![None; n_ex];
    let (mut key, mut narrowed) = (String::new(), String::new());
    for (ri, report) in reports.iter().enumerate() {
        for (fi, f) in report.findings.iter().enumerate() {
            let ei = match rules_for.iter().position(|m| m.applies_to(f)) {
                Some(i) => i,
                None => {
                    rules_for.push(RulesFor::new(policy, f, opts.fail_on));
                    rules_for.len() - 1
                }
            };
            let eff = &rules_for[ei].eff;
            let mut outcome: Option<Outcome> = None;
            let cands = if n_ex > 0 {
                index.candidates(f, &mut key, &mut narrowed)
            } else {
                Vec::new()
            };
            let mut expired_match: Option<usize> = None;
            for &i in &cands {
                if expired[i] {
                    expired_hits[i] += 1;
                    expired_match.get_or_insert(i);
                    continue;
                }
                used[i] += 1;
                if outcome.is_none() {
                    // Each exception's words, written once and copied.
                    let (exception, reason) = exempt_words[i].get_or_insert_with(|| {
                        let e = &policy.exceptions[i];
                        (e.label(), e.reason_text())
                    });
                    outcome = Some(Outcome::Exempted {
                        exception: exception.clone(),
                        reason: reason.clone(),
                    });
                }
            }
            if outcome.is_none() && f.suppressed && eff.suppressed == SuppressedMode::Ignore {
                outcome = Some(Outcome::Passed {
                    reason:
                        "suppressed in the report by its producer (suppressed_findings: ignore)"
                            .into(),
                });
            }
            if outcome.is_none() && baseline.is_some_and(|b| b.contains(&f.fingerprint)) {
                outcome = Some(Outcome::Existing);
            }
            if outcome.is_none() {
                if let Some(min) = eff.min_confidence {
                    if f.confidence != secgate_core::Confidence::Unknown && f.confidence < min {
                        outcome = Some(Outcome::Passed {
                            reason: format!(
                                "confidence {} is below min_confidence: {}",
                                f.confidence, min
                            ),
                        });
                    }
                }
            }
            if outcome.is_none()
                && eff.ignore_unfixed
                && f.location.package().is_some()
                && f.fix.is_known_unfixed()
            {
                outcome = Some(Outcome::Passed {
                    reason: format!(
                        "no fix available{} (ignore_unfixed: true)",
                        f.fix
                            .status
                            .map(|s| format!(", status {}", s.as_str()))
                            .unwrap_or_default()
                    ),
                });
            }
            let outcome = match outcome {
                Some(o) => o,
                None => match &eff.budget {
                    Some((allowed, name)) => {
                        let c = budget_counts.entry(name.clone()).or_insert((*allowed, 0));
                        c.1 += 1;
                        pending.push((judged.len(), name.clone()));
                        // Placeholder; decided once every finding is counted.
                        Outcome::Passed {
                            reason: String::new(),
                        }
                    }
                    None => rules_for[ei].by_severity.clone(),
                },
            };
            // A finding that fails because its exception expired says so.
            let outcome = match (outcome, expired_match) {
                (Outcome::Failed { rule }, Some(i)) => {
                    let e = &policy.exceptions[i];
                    Outcome::Failed {
                        rule: format!(
                            "{rule}; exception `{}` ({}:{}) expired on {}",
                            e.label(),
                            policy.source,
                            e.line,
                            e.expires.expect("expired implies a date")
                        ),
                    }
                }
                (o, _) => o,
            };
            judged.push((ri, fi, outcome));
        }
    }
    for (i, name) in pending {
        let (allowed, found) = budget_counts[&name];
        judged[i].2 = if found > allowed {
            Outcome::Failed {
                rule: format!("{name}: allowed {allowed}, found {found}"),
            }
        } else {
            Outcome::Passed {
                reason: format!("within {name}: {found} of {allowed} allowed"),
            }
        };
    }

    // A `scanners:` override that names no scanner of the run but is a few
    // letters from one: most likely a typo, and the override does nothing.
    let mut ids: Vec<&str> = scanners
        .iter()
        .map(|s| s.id.as_str())
        .chain(rules_for.iter().map(|r| r.scanner_id.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for key in policy.scanners.keys() {
        let named = scanners.iter().any(|s| scanner_match(key, s) > 0)
            || rules_for
                .iter()
                .any(|r| scanner_match(key, &Scanner::named(&r.scanner_id)) > 0);
        if named {
            continue;
        }
        if let Some(like) = crate::policy::suggest(key, &ids) {
            problems.push(GateProblem {
                code: codes::UNMATCHED_SCANNER_OVERRIDE.into(),
                message: format!(
                    "`scanners.{key}` in the policy names no scanner of this run, and does nothing; did you mean `{like}`?"
                ),
                blocking: false,
            });
        }
    }

    // Exceptions: expired, expiring, stale.
    for (i, e) in policy.exceptions.iter().enumerate() {
        let label = format!("exception `{}` ({}:{})", e.label(), policy.source, e.line);
        if expired[i] {
            let d = e.expires.expect("expired implies a date");
            problems.push(GateProblem {
                code: codes::EXPIRED_EXCEPTION.into(),
                message: format!(
                    "{label} expired on {d} and no longer applies{}; renew it with a new `expires` and reason, or fix the findings",
                    if expired_hits[i] > 0 { format!(" ({} finding(s) it matched are judged without it)", expired_hits[i]) } else { String::new() }
                ),
                blocking: false,
            });
            continue;
        }
        if let Some(d) = e.expires {
            let left = opts.today.days_until(d);
            if left <= policy.warn_expiring_days as i64 {
                problems.push(GateProblem {
                    code: codes::EXPIRING_EXCEPTION.into(),
                    message: format!(
                        "{label} expires on {d} ({left} day(s) left){}",
                        e.owner
                            .as_ref()
                            .map(|o| format!("; owner {o}"))
                            .unwrap_or_default()
                    ),
                    blocking: false,
                });
            }
        }
        if used[i] == 0 {
            problems.push(GateProblem {
                code: codes::STALE_EXCEPTION.into(),
                message: format!("{label} matched no finding: remove it if the finding is gone"),
                blocking: false,
            });
        }
    }

    let judged = in_output_order(reports, judged);
    scanners.sort_by(|a, b| {
        (&a.id, &a.name, &a.version, &a.vendor).cmp(&(&b.id, &b.name, &b.version, &b.vendor))
    });
    scanners.dedup();
    categories.sort();
    categories.dedup();
    failed_categories.sort();
    failed_categories.dedup();
    problems.sort_by(|a, b| {
        (!a.blocking, &a.code, &a.message).cmp(&(!b.blocking, &b.code, &b.message))
    });

    let passed =
        !judged.iter().any(|j| j.outcome.is_failure()) && !problems.iter().any(|p| p.blocking);
    Verdict {
        passed,
        policy: policy.source.clone(),
        findings: judged,
        problems,
        scanners,
        categories,
        failed_categories,
    }
}

/// A finding's sort key in [`in_output_order`]: its outcome's rank, its
/// severity (most severe first), its rule, and its index.
type Keyed<'a> = (
    u8,
    std::cmp::Reverse<Severity>,
    std::borrow::Cow<'a, str>,
    usize,
);

/// Below this many findings the verdict is sorted on one thread.
const PARALLEL_SORT_MIN: usize = 16 * 1024;

/// Sorts `keyed` by `cmp` and returns the indices (the keys' last field) in
/// that order: each half on its own thread, then merged (the sort of 100k
/// findings by their text keys was a tenth of a plain `check`). `cmp` must be
/// a total order (no two keys equal), as the verdict's is.
fn sort_on_two_threads<F>(keyed: &mut [Keyed<'_>], cmp: &F) -> Vec<usize>
where
    F: Fn(&Keyed<'_>, &Keyed<'_>) -> Ordering + Sync,
{
    if keyed.len() < PARALLEL_SORT_MIN {
        keyed.sort_unstable_by(cmp);
        return keyed.iter().map(|x| x.3).collect();
    }
    let mid = keyed.len() / 2;
    let (left, right) = keyed.split_at_mut(mid);
    std::thread::scope(|s| {
        let other = s.spawn(|| right.sort_unstable_by(cmp));
        left.sort_unstable_by(cmp);
        // A panic there is a bug in the comparison: raise it here.
        if let Err(p) = other.join() {
            std::panic::resume_unwind(p);
        }
    });
    let (left, right) = keyed.split_at(mid);
    let mut order = Vec::with_capacity(keyed.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if cmp(&right[j], &left[i]) == Ordering::Less {
            order.push(right[j].3);
            j += 1;
        } else {
            order.push(left[i].3);
            i += 1;
        }
    }
    order.extend(left[i..].iter().map(|x| x.3));
    order.extend(right[j..].iter().map(|x| x.3));
    order
}

/// Sorts judged findings into a total order, the renderers' output order:
/// failures first (then passed, existing, exempted), then by
/// [`crate::render::order_key`] (severity, rule, place, fingerprint, line,
/// scanner), then source, and finally the whole finding. Each key is computed
/// once, keys and indices are sorted, and each finding then moves once, out of
/// its report into the verdict (a finding is ~500 bytes).
fn in_output_order(mut reports: Vec<Report>, judged: Vec<(usize, usize, Outcome)>) -> Vec<Judged> {
    use crate::render::{outcome_rank, rule_key_cow, stable_place, tie_cmp};
    use std::cmp::Reverse;
    use std::sync::OnceLock;
    let finding = |k: usize| {
        let (ri, fi, _) = &judged[k];
        &reports[*ri].findings[*fi]
    };
    // The cheap parts of each key up front; the place (a formatted string) only
    // for findings whose severity and rule tie with another's, once each.
    let mut keyed: Vec<Keyed<'_>> = judged
        .iter()
        .enumerate()
        .map(|(k, (_, _, outcome))| {
            let f = finding(k);
            (
                outcome_rank(outcome),
                Reverse(f.severity),
                rule_key_cow(f),
                k,
            )
        })
        .collect();
    let places: Vec<OnceLock<String>> = (0..judged.len()).map(|_| OnceLock::new()).collect();
    let place = |k: usize| places[k].get_or_init(|| stable_place(finding(k))).as_str();
    let whole = |k: usize| {
        let (ri, fi, outcome) = &judged[k];
        serde_json::to_string(&(&reports[*ri].findings[*fi], outcome)).unwrap_or_default()
    };
    // The same order as `order_key` (the renderers check it), then the source,
    // the whole finding, and the index last: every key is distinct, so an
    // unstable sort is exact.
    let cmp = |a: &Keyed<'_>, b: &Keyed<'_>| {
        (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)).then_with(|| {
            tie_cmp(finding(a.3), place(a.3), finding(b.3), place(b.3))
                .then_with(|| {
                    reports[judged[a.3].0]
                        .source
                        .cmp(&reports[judged[b.3].0].source)
                })
                .then_with(|| whole(a.3).cmp(&whole(b.3)))
                .then(a.3.cmp(&b.3))
        })
    };
    let order = sort_on_two_threads(&mut keyed, &cmp);
    let sources: Vec<Option<std::sync::Arc<str>>> = reports
        .iter_mut()
        .map(|r| r.source.take().map(Into::into))
        .collect();
    let mut judged: Vec<Option<(usize, usize, Outcome)>> = judged.into_iter().map(Some).collect();
    // Each report's findings as slots to take from (collected in place: an
    // `Option<Finding>` is as large as a `Finding`); taking one writes its
    // slot's tag, not a whole placeholder finding.
    let mut slots: Vec<Vec<Option<Finding>>> = reports
        .iter_mut()
        .map(|r| {
            std::mem::take(&mut r.findings)
                .into_iter()
                .map(Some)
                .collect()
        })
        .collect();
    order
        .into_iter()
        .map(|k| {
            let (ri, fi, outcome) = judged[k].take().expect("each finding once");
            Judged {
                // Moved once; the emptied slots are dropped afterwards.
                finding: slots[ri][fi].take().expect("each finding once"),
                outcome,
                source: sources[ri].clone(),
            }
        })
        .collect()
}

/// Counts of findings per outcome kind and severity, for summaries.
pub fn failing_by_severity(v: &Verdict) -> BTreeMap<Severity, usize> {
    let mut m = BTreeMap::new();
    for j in v.findings.iter().filter(|j| j.outcome.is_failure()) {
        *m.entry(j.finding.severity).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use secgate_core::Fingerprint;

    #[test]
    fn two_thread_sort_is_the_sort() {
        use std::borrow::Cow;
        use std::cmp::Reverse;
        // Enough keys for two threads, with many ties on the first fields.
        let n = PARALLEL_SORT_MIN * 2 + 7;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let keys: Vec<Keyed<'static>> = (0..n)
            .map(|k| {
                let r = next();
                (
                    (r % 4) as u8,
                    Reverse(Severity::ALL[(r >> 8) as usize % 6]),
                    Cow::Owned(format!("CVE-2021-{}", (r >> 16) % 50)),
                    k,
                )
            })
            .collect();
        let cmp = |a: &Keyed<'_>, b: &Keyed<'_>| a.cmp(b);
        let mut want = keys.clone();
        want.sort();
        let want: Vec<usize> = want.iter().map(|x| x.3).collect();
        let mut got = keys.clone();
        assert_eq!(sort_on_two_threads(&mut got, &cmp), want);
        let mut small = keys[..100].to_vec();
        let mut small_want = small.clone();
        small_want.sort();
        assert_eq!(
            sort_on_two_threads(&mut small, &cmp),
            small_want.iter().map(|x| x.3).collect::<Vec<_>>()
        );
    }

    #[test]
    fn hex_prefix_is_to_hex_starts_with() {
        let fp = Fingerprint(std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xa5));
        let hex = fp.to_hex();
        for len in 0..=64 {
            assert!(hex_starts_with(&fp, &hex[..len]), "{len}");
            if len > 0 {
                let mut wrong = hex[..len].to_string();
                let last = wrong.pop().unwrap();
                wrong.push(if last == '0' { '1' } else { '0' });
                assert!(!hex_starts_with(&fp, &wrong), "{wrong}");
                // Upper case is not what `to_hex` writes.
                let upper = hex[..len].to_ascii_uppercase();
                assert_eq!(
                    hex_starts_with(&fp, &upper),
                    hex.starts_with(&upper),
                    "{upper}"
                );
            }
        }
        assert!(!hex_starts_with(&fp, &format!("{hex}0")));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The index is only a shortcut: for any exceptions and findings, its
        /// candidates are exactly the exceptions `matches` accepts, in order.
        #[test]
        fn the_index_finds_exactly_what_matches_accepts(
            exceptions in proptest::collection::vec((0usize..5, 0usize..8), 1..24),
            findings in proptest::collection::vec((0usize..3, 0usize..4, proptest::bool::ANY), 1..12),
        ) {
            const IDS: [&str; 5] = ["CVE-2024-1001", "CWE-79", "cve-2024-1002", "rule.a", "CWE-20"];
            const PACKAGES: [&str; 8] = [
                "", "zlib", "ZLIB", " zlib ", "openssl", "pkg:apk/alpine/zlib",
                "pkg:apk/alpine/zlib@1.0", "pkg:apk/alpine/openssl",
            ];
            let mut yaml = String::from("exceptions:\n");
            for (id, pkg) in &exceptions {
                yaml.push_str(&format!("  - id: {}\n    reason: r\n", IDS[*id]));
                if !PACKAGES[*pkg].is_empty() {
                    yaml.push_str(&format!("    package: \"{}\"\n", PACKAGES[*pkg]));
                }
            }
            let policy = Policy::parse(&yaml, "p.yml").expect("a valid policy");
            let index = Index::new(&policy.exceptions, None);
            let (mut key, mut narrowed) = (String::new(), String::new());
            for (cve, pkg, rule) in findings {
                let name = ["zlib", "Zlib", "openssl", "libc"][pkg];
                let mut f = Finding::new(
                    Scanner::named("trivy"),
                    Category::ContainerScanning,
                    Severity::High,
                    "t".to_string(),
                    secgate_core::Location::Container {
                        image: "alpine:3".into(),
                        operating_system: None,
                        package: secgate_core::Package {
                            name: name.into(),
                            version: Some("1.0".into()),
                            purl: Some(format!("pkg:apk/alpine/{}@1.0", name.to_ascii_lowercase())),
                        },
                    },
                );
                f.add_identifier(["CVE-2024-1001", "CVE-2024-1002", "CVE-2024-1003"][cve].parse().unwrap());
                f.add_identifier(Identifier::Cwe(if cve == 0 { 79 } else { 20 }));
                if rule {
                    f.rule_id = Some("Rule.A".into());
                }
                let brute: Vec<usize> = policy
                    .exceptions
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| matches(e, &f))
                    .map(|(i, _)| i)
                    .collect();
                proptest::prop_assert_eq!(index.candidates(&f, &mut key, &mut narrowed), brute);
            }
        }
    }

    #[test]
    fn exception_paths_are_resolved_and_relative_to_the_project() {
        let p = Some("/builds/grp/proj");
        for (file, dir, want) in [
            ("tests/a.py", None, "tests/a.py"),
            ("./tests/a.py", None, "tests/a.py"),
            ("tests/../src/a.py", None, "src/a.py"),
            ("tests/./x/../a.py", None, "tests/a.py"),
            ("../outside/a.py", None, "../outside/a.py"),
            ("a/../../b.py", None, "../b.py"),
            ("tests\\win\\a.py", None, "tests/win/a.py"),
            ("/builds/grp/proj/tests/a.py", p, "tests/a.py"),
            (
                "/builds/grp/proj/tests/a.py",
                Some("/builds/grp/proj/"),
                "tests/a.py",
            ),
            ("/builds/grp/project2/a.py", p, "builds/grp/project2/a.py"),
            (
                "/builds/grp/proj/tests/a.py",
                None,
                "builds/grp/proj/tests/a.py",
            ),
        ] {
            assert_eq!(exception_path(file, dir), want, "{file} in {dir:?}");
        }
    }

    #[test]
    fn finding_keys_are_the_patterns_keys() {
        let mut f = Finding::new(
            Scanner::named("semgrep"),
            Category::Sast,
            Severity::High,
            "t".to_string(),
            secgate_core::Location::None,
        );
        f.rule_id = Some(" Python.Lang.Eval ".into());
        f.add_identifier(Identifier::from_scheme("cve", "cve-2021-44228"));
        f.add_identifier(Identifier::from_scheme("Semgrep_ID", "Python.Lang.EVAL"));
        let mut keys = Vec::new();
        for_each_finding_key(&f, &mut String::new(), |k| keys.push(k.to_string()));
        for pattern in [
            "python.lang.eval",
            "CVE-2021-44228",
            "semgrep_id:python.lang.eval",
        ] {
            assert!(
                pattern_keys(&IdPattern::new(pattern))
                    .iter()
                    .any(|k| keys.contains(k)),
                "{pattern}: {keys:?}"
            );
        }
    }
}
