//! Normalised severities and confidences, and the mapping from every input
//! format's own scale.
//!
//! | source | critical | high | medium | low | info | unknown |
//! |---|---|---|---|---|---|---|
//! | GitLab `severity` | `Critical` | `High` | `Medium` | `Low` | `Info` | `Unknown`, missing |
//! | Trivy `Severity` | `CRITICAL` | `HIGH` | `MEDIUM` | `LOW` | | `UNKNOWN` |
//! | Trivy `VendorSeverity` | `4` | `3` | `2` | `1` | | `0` |
//! | CVSS v2/v3/v4 base score, SARIF `security-severity` | >= 9.0 | >= 7.0 | >= 4.0 | > 0.0 | 0.0 | unparseable |
//! | SARIF producer scale: `properties.severity` word (dependency-check), rule tag `CRITICAL`/`HIGH`/`MEDIUM`/`LOW` (gosec) | `critical`, `CRITICAL` | `high`, `HIGH` | `medium`, `MEDIUM` | `low`, `LOW` | `info` | |
//! | SARIF `level` (when none of the above) | | `error` | `warning` | `note` | `none` | |
//! | ZAP `riskcode` | | `3` | `2` | `1` | `0` | other |
//! | gitleaks (no scale of its own) | every leak | | | | | |
//!
//! Word forms are matched case-insensitively, so `"HIGH"` as a SARIF
//! `security-severity` (semgrep 1.69) maps like GitLab's `High`; `Informational`,
//! `Information`, `Negligible` and `Note` map to info, `Moderate` to medium,
//! `Important` and `Error` to high.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A normalised severity. Ordered: `Critical > High > Medium > Low > Info > Unknown`.
///
/// ```
/// use secgate_core::Severity;
/// assert!(Severity::Critical > Severity::High);
/// assert!(Severity::Info > Severity::Unknown);
/// assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
/// assert_eq!(Severity::from_cvss(9.8), Severity::Critical);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The scanner gave no usable severity.
    Unknown,
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    /// The lowercase name (`critical`, `high`, ...), as used in policies and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitLab's capitalised spelling (`Critical`, ..., `Info`, `Unknown`).
    pub fn gitlab_name(self) -> &'static str {
        match self {
            Severity::Unknown => "Unknown",
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// Maps a CVSS base score (v2, v3 or v4) or a SARIF `security-severity`:
    /// critical from 9.0, high from 7.0, medium from 4.0, low above 0, info at 0.
    /// Scores outside 0..=10 or NaN are unknown.
    pub fn from_cvss(score: f64) -> Severity {
        if !(0.0..=10.0).contains(&score) {
            Severity::Unknown
        } else if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// Maps a SARIF result `level` (`error`, `warning`, `note`, `none`).
    pub fn from_sarif_level(level: &str) -> Option<Severity> {
        match level.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::High),
            "warning" => Some(Severity::Medium),
            "note" => Some(Severity::Low),
            "none" => Some(Severity::Info),
            _ => None,
        }
    }

    /// Maps a ZAP `riskcode` (`"3"` high, `"2"` medium, `"1"` low, `"0"` informational).
    pub fn from_zap_riskcode(code: &str) -> Severity {
        match code.trim() {
            "3" => Severity::High,
            "2" => Severity::Medium,
            "1" => Severity::Low,
            "0" => Severity::Info,
            _ => Severity::Unknown,
        }
    }

    /// Maps Trivy's `VendorSeverity` integers (4 critical .. 1 low, 0 unknown).
    pub fn from_trivy_vendor(level: i64) -> Severity {
        match level {
            4 => Severity::Critical,
            3 => Severity::High,
            2 => Severity::Medium,
            1 => Severity::Low,
            _ => Severity::Unknown,
        }
    }

    /// Parses a severity word from any format, or a numeric score.
    /// Returns `None` when the text means nothing known.
    pub fn parse_lenient(text: &str) -> Option<Severity> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        let lower = t.to_ascii_lowercase();
        let sev = match lower.as_str() {
            "critical" | "crit" | "blocker" => Severity::Critical,
            "high" | "important" | "error" | "major" => Severity::High,
            "medium" | "moderate" | "warning" | "warn" => Severity::Medium,
            "low" | "minor" | "note" => Severity::Low,
            "info" | "informational" | "information" | "negligible" | "none" | "trivial" => {
                Severity::Info
            }
            "unknown" | "undefined" | "unspecified" => Severity::Unknown,
            _ => {
                let score: f64 = lower.parse().ok()?;
                if score.is_nan() {
                    return None;
                }
                return Some(Severity::from_cvss(score));
            }
        };
        Some(sev)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Severity`] or a [`Confidence`] from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLevel {
    /// The text that was not understood.
    pub text: String,
    /// What was expected.
    pub expected: &'static str,
}

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown value `{}`; expected {}",
            self.text, self.expected
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Severity {
    type Err = UnknownLevel;

    /// Parses the policy spelling strictly (`critical`, `high`, `medium`, `low`,
    /// `info`, `unknown`, any case). Use [`Severity::parse_lenient`] for report text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Ok(Severity::Critical),
            "high" => Ok(Severity::High),
            "medium" => Ok(Severity::Medium),
            "low" => Ok(Severity::Low),
            "info" => Ok(Severity::Info),
            "unknown" => Ok(Severity::Unknown),
            _ => Err(UnknownLevel {
                text: s.to_string(),
                expected: "one of critical, high, medium, low, info, unknown",
            }),
        }
    }
}

/// How sure the scanner is that a finding is real. Ordered from `Ignore` up to
/// `Confirmed`; `Unknown` sorts lowest so that "at least medium" excludes it.
///
/// GitLab spellings are used (`Ignore`, `Unknown`, `Experimental`, `Low`,
/// `Medium`, `High`, `Confirmed`, and the misspelt `Unkown` seen in real
/// reports); ZAP's `confidence` `"0"` (false positive) maps to `Ignore`, `"1"` low,
/// `"2"` medium, `"3"` high, `"4"` (user confirmed) `Confirmed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Not stated, or not understood.
    Unknown,
    /// The scanner says to ignore it (likely false positive).
    Ignore,
    /// Experimental rule.
    Experimental,
    /// Low confidence.
    Low,
    /// Medium confidence.
    Medium,
    /// High confidence.
    High,
    /// Confirmed.
    Confirmed,
}

impl Confidence {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Unknown => "unknown",
            Confidence::Ignore => "ignore",
            Confidence::Experimental => "experimental",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
            Confidence::Confirmed => "confirmed",
        }
    }

    /// GitLab's capitalised spelling.
    pub fn gitlab_name(self) -> &'static str {
        match self {
            Confidence::Unknown => "Unknown",
            Confidence::Ignore => "Ignore",
            Confidence::Experimental => "Experimental",
            Confidence::Low => "Low",
            Confidence::Medium => "Medium",
            Confidence::High => "High",
            Confidence::Confirmed => "Confirmed",
        }
    }

    /// Lenient mapping of report text; anything unrecognised is `Unknown`.
    pub fn parse_lenient(text: &str) -> Confidence {
        match text.trim().to_ascii_lowercase().as_str() {
            "ignore" | "false positive" | "falsepositive" | "0" => Confidence::Ignore,
            "experimental" => Confidence::Experimental,
            "low" | "1" => Confidence::Low,
            "medium" | "2" => Confidence::Medium,
            "high" | "3" => Confidence::High,
            "confirmed" | "certain" | "4" => Confidence::Confirmed,
            _ => Confidence::Unknown,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidence {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unknown" => Ok(Confidence::Unknown),
            "ignore" => Ok(Confidence::Ignore),
            "experimental" => Ok(Confidence::Experimental),
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            "confirmed" => Ok(Confidence::Confirmed),
            _ => Err(UnknownLevel {
                text: s.to_string(),
                expected: "one of unknown, ignore, experimental, low, medium, high, confirmed",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_critical_first() {
        let mut all = Severity::ALL.to_vec();
        all.sort();
        assert_eq!(
            all,
            vec![
                Severity::Unknown,
                Severity::Info,
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical
            ]
        );
    }

    #[test]
    fn cvss_boundaries() {
        assert_eq!(Severity::from_cvss(10.0), Severity::Critical);
        assert_eq!(Severity::from_cvss(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss(8.9), Severity::High);
        assert_eq!(Severity::from_cvss(7.0), Severity::High);
        assert_eq!(Severity::from_cvss(6.9), Severity::Medium);
        assert_eq!(Severity::from_cvss(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss(3.9), Severity::Low);
        assert_eq!(Severity::from_cvss(0.1), Severity::Low);
        assert_eq!(Severity::from_cvss(0.0), Severity::Info);
        assert_eq!(Severity::from_cvss(11.0), Severity::Unknown);
        assert_eq!(Severity::from_cvss(-1.0), Severity::Unknown);
        assert_eq!(Severity::from_cvss(f64::NAN), Severity::Unknown);
    }

    #[test]
    fn every_scale_maps() {
        assert_eq!(Severity::from_sarif_level("error"), Some(Severity::High));
        assert_eq!(
            Severity::from_sarif_level("warning"),
            Some(Severity::Medium)
        );
        assert_eq!(Severity::from_sarif_level("note"), Some(Severity::Low));
        assert_eq!(Severity::from_sarif_level("none"), Some(Severity::Info));
        assert_eq!(Severity::from_sarif_level("bogus"), None);
        assert_eq!(Severity::from_zap_riskcode("3"), Severity::High);
        assert_eq!(Severity::from_zap_riskcode("0"), Severity::Info);
        assert_eq!(Severity::from_zap_riskcode("x"), Severity::Unknown);
        assert_eq!(Severity::from_trivy_vendor(4), Severity::Critical);
        assert_eq!(Severity::from_trivy_vendor(0), Severity::Unknown);
        assert_eq!(
            Severity::parse_lenient("Critical"),
            Some(Severity::Critical)
        );
        assert_eq!(Severity::parse_lenient("UNKNOWN"), Some(Severity::Unknown));
        assert_eq!(Severity::parse_lenient("6.5"), Some(Severity::Medium));
        assert_eq!(
            Severity::parse_lenient("Informational"),
            Some(Severity::Info)
        );
        assert_eq!(Severity::parse_lenient(""), None);
        assert_eq!(Severity::parse_lenient("NaN"), None);
        assert_eq!(Severity::parse_lenient("purple"), None);
    }

    #[test]
    fn strict_parse_rejects_report_words() {
        assert!("hgih".parse::<Severity>().is_err());
        assert_eq!(" High ".parse::<Severity>().unwrap(), Severity::High);
    }

    #[test]
    fn confidence_handles_real_spellings() {
        assert_eq!(Confidence::parse_lenient("Unkown"), Confidence::Unknown);
        assert_eq!(
            Confidence::parse_lenient("Confirmed"),
            Confidence::Confirmed
        );
        assert_eq!(Confidence::parse_lenient("2"), Confidence::Medium);
        assert!(Confidence::High > Confidence::Medium);
        assert!(Confidence::Unknown < Confidence::Ignore);
    }
}
