//! A parsed report: its format, scanners, scan status and findings.

use crate::finding::{Category, Finding, Scanner};
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The input format a report was read from (detected by content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A GitLab security report (SAST, DAST, dependency, container, secret detection, fuzzing).
    GitlabSecurity,
    /// Trivy JSON (any of its shapes).
    TrivyJson,
    /// SARIF 2.x.
    Sarif,
    /// OWASP ZAP traditional JSON.
    ZapJson,
    /// gitleaks JSON (v3 to v8).
    GitleaksJson,
    /// secgate's own JSON result (used as a baseline).
    SecgateJson,
}

impl Format {
    /// A short, stable name (`gitlab`, `trivy`, `sarif`, `zap`, `gitleaks`, `secgate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::GitlabSecurity => "gitlab",
            Format::TrivyJson => "trivy",
            Format::Sarif => "sarif",
            Format::ZapJson => "zap",
            Format::GitleaksJson => "gitleaks",
            Format::SecgateJson => "secgate",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the scan that wrote a report succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ScanStatus {
    /// The report says (or implies) the scan ran to completion.
    Succeeded,
    /// The report says the scan failed (SARIF `executionSuccessful: false`,
    /// GitLab `scan.status: failure`). Its findings, if any, are incomplete.
    Failed {
        /// What the report says went wrong, one entry per message.
        reasons: Vec<String>,
    },
}

impl ScanStatus {
    /// True for [`ScanStatus::Succeeded`].
    pub fn succeeded(&self) -> bool {
        matches!(self, ScanStatus::Succeeded)
    }
}

/// One parsed report.
///
/// A valid report with zero findings has `status: Succeeded` and an empty
/// `findings`; a failed scan has `status: Failed`; no report at all is not a
/// `Report` (the caller has nothing to parse) and a bad one is a parse error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Where it was read from (a path, or `-`), when the caller knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The detected format.
    pub format: Format,
    /// The version the report declares (`15.0.4`, `2.1.0`, SchemaVersion `2`...), if any.
    /// Informational only: detection never trusts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_version: Option<String>,
    /// The report's own category, where it states one (GitLab `scan.type`) or where
    /// the format implies one (gitleaks: secret detection). Mixed reports have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The tools that produced it (several for multi-run SARIF).
    pub scanners: Vec<Scanner>,
    /// Whether the scan succeeded.
    pub status: ScanStatus,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Things the parser noticed and worked around (an out-of-range `ruleIndex`,
    /// a skipped SARIF `pass` result...), for `--verbose` output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// An empty, successful report of a format.
    pub fn new(format: Format) -> Report {
        Report {
            source: None,
            format,
            format_version: None,
            category: None,
            scanners: Vec::new(),
            status: ScanStatus::Succeeded,
            findings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Counts of findings per severity (every severity present, zero or not).
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        count_by_severity(&self.findings)
    }

    /// The categories its findings belong to, or its own category.
    pub fn categories(&self) -> Vec<Category> {
        let mut c: Vec<Category> = self.findings.iter().map(|f| f.category.clone()).collect();
        if let Some(own) = &self.category {
            c.push(own.clone());
        }
        c.sort();
        c.dedup();
        c
    }
}

/// Counts findings per severity; every severity is a key.
pub fn count_by_severity(findings: &[Finding]) -> BTreeMap<Severity, usize> {
    let mut m: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for f in findings {
        *m.entry(f.severity).or_insert(0) += 1;
    }
    m
}
