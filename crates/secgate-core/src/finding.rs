//! The finding: one thing a scanner reported, in one model for every format.

use crate::fingerprint::{Fingerprint, SecretDigest};
use crate::identifier::Identifier;
use crate::severity::{Confidence, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The tool that produced a finding or a report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Scanner {
    /// A stable, lowercase id (`trivy`, `semgrep`, `gitleaks`, `zap`, ...).
    pub id: String,
    /// The display name as the report gives it.
    pub name: String,
    /// The version as the report gives it (free text: `v8.0.0`, `dev`, a timestamp...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The vendor, where the report names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

impl Scanner {
    /// A scanner from a display name; the id is derived from it
    /// (lowercase, runs of non-alphanumerics folded to `-`).
    pub fn named(name: &str) -> Scanner {
        Scanner {
            id: Scanner::id_from_name(name),
            name: name.to_string(),
            version: None,
            vendor: None,
        }
    }

    /// Derives a stable id from a display name: `"OWASP ZAP"` gives `owasp-zap`.
    pub fn id_from_name(name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut dash = false;
        for c in name.trim().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
                dash = false;
            } else if !dash && !out.is_empty() {
                out.push('-');
                dash = true;
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        if out.is_empty() {
            "unknown".to_string()
        } else {
            out
        }
    }

    /// Sets the version (builder style).
    pub fn with_version(mut self, version: Option<String>) -> Scanner {
        self.version = version.filter(|v| !v.trim().is_empty());
        self
    }

    /// Sets the vendor (builder style).
    pub fn with_vendor(mut self, vendor: Option<String>) -> Scanner {
        self.vendor = vendor.filter(|v| !v.trim().is_empty());
        self
    }
}

/// What kind of analysis produced a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Static analysis of source code.
    Sast,
    /// Dynamic analysis of a running application.
    Dast,
    /// Vulnerable dependencies declared by the project.
    DependencyScanning,
    /// Vulnerable packages inside a container image.
    ContainerScanning,
    /// Credentials in code or history.
    SecretDetection,
    /// Infrastructure-as-code and configuration checks.
    Misconfiguration,
    /// Licence findings.
    License,
    /// Coverage-guided fuzzing crashes.
    CoverageFuzzing,
    /// API fuzzing.
    ApiFuzzing,
    /// Anything else, with the name the report gave.
    Other(String),
}

impl Category {
    /// Every named category (not `Other`).
    pub const KNOWN: [Category; 9] = [
        Category::Sast,
        Category::Dast,
        Category::DependencyScanning,
        Category::ContainerScanning,
        Category::SecretDetection,
        Category::Misconfiguration,
        Category::License,
        Category::CoverageFuzzing,
        Category::ApiFuzzing,
    ];

    /// The snake_case name (`dependency_scanning`, ...), as GitLab's `scan.type` spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Category::Sast => "sast",
            Category::Dast => "dast",
            Category::DependencyScanning => "dependency_scanning",
            Category::ContainerScanning => "container_scanning",
            Category::SecretDetection => "secret_detection",
            Category::Misconfiguration => "misconfiguration",
            Category::License => "license",
            Category::CoverageFuzzing => "coverage_fuzzing",
            Category::ApiFuzzing => "api_fuzzing",
            Category::Other(s) => s,
        }
    }

    /// Parses a category name, accepting `-` for `_` and GitLab's spellings
    /// (`container_scanning_for_registry`, `cluster_image_scanning` are container scanning).
    pub fn parse(name: &str) -> Category {
        let n = name.trim().to_ascii_lowercase().replace('-', "_");
        match n.as_str() {
            "sast" => Category::Sast,
            "dast" => Category::Dast,
            "dependency_scanning" | "dependency" | "dependencies" | "sca" => {
                Category::DependencyScanning
            }
            "container_scanning"
            | "container_scanning_for_registry"
            | "cluster_image_scanning"
            | "container" => Category::ContainerScanning,
            "secret_detection" | "secrets" | "secret" => Category::SecretDetection,
            "misconfiguration" | "misconfig" | "config" | "iac" => Category::Misconfiguration,
            "license" | "license_scanning" | "licence" => Category::License,
            "coverage_fuzzing" => Category::CoverageFuzzing,
            "api_fuzzing" => Category::ApiFuzzing,
            _ => Category::Other(n),
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Trivy's fix status of a vulnerability (`Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixStatus {
    /// `unknown`
    Unknown,
    /// `not_affected`
    NotAffected,
    /// `affected`: vulnerable, no fix released.
    Affected,
    /// `fixed`: a fixed version exists.
    Fixed,
    /// `under_investigation`
    UnderInvestigation,
    /// `will_not_fix`
    WillNotFix,
    /// `fix_deferred`
    FixDeferred,
    /// `end_of_life`
    EndOfLife,
}

impl FixStatus {
    /// Parses Trivy's spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<FixStatus> {
        // Compared byte by byte (ASCII case folded, `-` and ` ` read as `_`)
        // rather than normalised into a new string: parsed once per finding.
        let s = s.trim().as_bytes();
        Self::ALL.into_iter().find(|st| {
            let w = st.as_str().as_bytes();
            w.len() == s.len()
                && w.iter().zip(s).all(|(&w, &b)| {
                    w == b.to_ascii_lowercase() || (w == b'_' && (b == b'-' || b == b' '))
                })
        })
    }

    /// Every status, in declaration order.
    const ALL: [FixStatus; 8] = [
        FixStatus::Unknown,
        FixStatus::NotAffected,
        FixStatus::Affected,
        FixStatus::Fixed,
        FixStatus::UnderInvestigation,
        FixStatus::WillNotFix,
        FixStatus::FixDeferred,
        FixStatus::EndOfLife,
    ];

    /// Trivy's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FixStatus::Unknown => "unknown",
            FixStatus::NotAffected => "not_affected",
            FixStatus::Affected => "affected",
            FixStatus::Fixed => "fixed",
            FixStatus::UnderInvestigation => "under_investigation",
            FixStatus::WillNotFix => "will_not_fix",
            FixStatus::FixDeferred => "fix_deferred",
            FixStatus::EndOfLife => "end_of_life",
        }
    }
}

/// What is known of a fix.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fix {
    /// Fixed versions (Trivy's comma list split, GitLab remediations...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    /// Trivy's `Status`, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FixStatus>,
}

impl Fix {
    /// True when a fix is available: a fixed version is known, or the status is `fixed`.
    /// A status of `will_not_fix`, `fix_deferred`, `end_of_life` or `affected` with no
    /// fixed version is not fixable.
    pub fn is_fixable(&self) -> bool {
        !self.fixed_versions.is_empty() || self.status == Some(FixStatus::Fixed)
    }

    /// True when the report *states* that no fix is available: no fixed
    /// version, and a status of `affected`, `will_not_fix`, `fix_deferred` or
    /// `end_of_life` (the readers set `affected` where their format always
    /// names a fix that exists: Trivy, GitLab dependency and container
    /// scanning). A finding whose report says nothing about fixes is not
    /// known to be unfixed: `ignore_unfixed` does not drop it (fail closed).
    pub fn is_known_unfixed(&self) -> bool {
        self.fixed_versions.is_empty()
            && matches!(
                self.status,
                Some(
                    FixStatus::Affected
                        | FixStatus::WillNotFix
                        | FixStatus::FixDeferred
                        | FixStatus::EndOfLife
                )
            )
    }

    /// Builds from a free-text fixed-version field such as Trivy's `"2.6.9, 3.1.0"`.
    pub fn from_fixed_version_list(text: Option<&str>, status: Option<FixStatus>) -> Fix {
        let fixed_versions = text
            .map(|t| {
                t.split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Fix {
            fixed_versions,
            status,
        }
    }
}

/// A software package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Package {
    /// Package name (`openssl`, `lodash`, `org.apache.logging.log4j:log4j-core`).
    pub name: String,
    /// Installed version, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// A place in source code or a configuration file.
    Source {
        /// The file path as the report gives it (relative where possible).
        file: String,
        /// First line (1-based), where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_line: Option<u32>,
        /// Last line (1-based), where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_line: Option<u32>,
        /// The code at that place, where the report carries it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snippet: Option<String>,
    },
    /// A dependency declared in a manifest or lock file.
    Dependency {
        /// The manifest or lock file, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        /// The package.
        package: Package,
    },
    /// A package inside a container image.
    Container {
        /// The image reference as scanned.
        image: String,
        /// The operating system, where known (`alpine 3.10.2`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operating_system: Option<String>,
        /// The package.
        package: Package,
    },
    /// A place in a running web application.
    Dast {
        /// The URL.
        url: String,
        /// The HTTP method, upper case, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// The parameter, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        param: Option<String>,
    },
    /// A secret in a file, optionally in a commit.
    Secret {
        /// The file path.
        file: String,
        /// The line (1-based), where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// The commit that holds it, where the scan read git history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        /// The secret's digest, where the report carries the secret or its
        /// digest (never the secret itself). Part of the fingerprint: a
        /// different secret at the same place is a different finding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<SecretDigest>,
    },
    /// A resource that is not a file: a Kubernetes object, a cloud resource, a binary's function.
    Resource {
        /// What it is (`Deployment`, `aws_s3_bucket`, `function`, ...), where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        /// Its name (`default/Deployment/web`, ...).
        name: String,
    },
    /// The report gives no location.
    None,
}

impl Location {
    /// The file this location is in, if any (source, secret, or a dependency's manifest).
    pub fn file(&self) -> Option<&str> {
        match self {
            Location::Source { file, .. } | Location::Secret { file, .. } => Some(file),
            Location::Dependency { file, .. } => file.as_deref(),
            _ => None,
        }
    }

    /// The first line, if any.
    pub fn line(&self) -> Option<u32> {
        match self {
            Location::Source { start_line, .. } => *start_line,
            Location::Secret { line, .. } => *line,
            _ => None,
        }
    }

    /// The package, if any.
    pub fn package(&self) -> Option<&Package> {
        match self {
            Location::Dependency { package, .. } | Location::Container { package, .. } => {
                Some(package)
            }
            _ => None,
        }
    }

    /// The image, if any.
    pub fn image(&self) -> Option<&str> {
        match self {
            Location::Container { image, .. } => Some(image),
            _ => None,
        }
    }

    /// A short human description: `src/a.py:12`, `openssl 1.1.1c in alpine:3.10`, `GET https://x/y (q)`.
    pub fn describe(&self) -> String {
        match self {
            Location::Source {
                file, start_line, ..
            } => match start_line {
                Some(l) => format!("{file}:{l}"),
                None => file.clone(),
            },
            Location::Secret {
                file, line, commit, ..
            } => {
                let mut s = match line {
                    Some(l) => format!("{file}:{l}"),
                    None => file.clone(),
                };
                if let Some(c) = commit {
                    let short: String = c.chars().take(12).collect();
                    s.push_str(&format!(" (commit {short})"));
                }
                s
            }
            Location::Dependency { file, package } => {
                let mut s = package.name.clone();
                if let Some(v) = &package.version {
                    s.push(' ');
                    s.push_str(v);
                }
                if let Some(f) = file {
                    s.push_str(" in ");
                    s.push_str(f);
                }
                s
            }
            Location::Container { image, package, .. } => {
                let mut s = package.name.clone();
                if let Some(v) = &package.version {
                    s.push(' ');
                    s.push_str(v);
                }
                s.push_str(" in ");
                s.push_str(image);
                s
            }
            Location::Dast { url, method, param } => {
                let mut s = String::new();
                if let Some(m) = method {
                    s.push_str(m);
                    s.push(' ');
                }
                s.push_str(url);
                if let Some(p) = param {
                    s.push_str(&format!(" ({p})"));
                }
                s
            }
            Location::Resource { kind, name } => match kind {
                Some(k) => format!("{k} {name}"),
                None => name.clone(),
            },
            Location::None => "(no location)".to_string(),
        }
    }
}

/// A link to more information.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    /// Display name, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The URL, as given.
    pub url: String,
}

/// One security finding, in the model shared by every format.
///
/// Build one with [`Finding::new`] and set the rest of the fields directly;
/// parsers call [`crate::fingerprint::assign`] on a report's findings once
/// they are complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The tool that reported it. Shared: the findings of one report point to
    /// one `Scanner` (reads go through `Deref`: `finding.scanner.id`; to change
    /// it, `Arc::make_mut(&mut finding.scanner)`).
    pub scanner: Arc<Scanner>,
    /// The kind of analysis.
    pub category: Category,
    /// The normalised severity.
    pub severity: Severity,
    /// The severity as the report wrote it (`"HIGH"`, `"3"`, `"error"`, `"6.5"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_severity: Option<String>,
    /// The scanner's confidence.
    pub confidence: Confidence,
    /// The scanner's rule or check id, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// All identifiers: CVE, CWE, GHSA, OWASP, scanner-specific.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    /// A one-line title.
    pub title: String,
    /// The longer description, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What to do about it, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
    /// Fix information.
    #[serde(default)]
    pub fix: Fix,
    /// Where it is.
    pub location: Location,
    /// Links to more information.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Whether the producer marked it suppressed (SARIF `suppressions`, Trivy VEX
    /// `ExperimentalModifiedFindings`, ZAP false positives). The gate decides what that means.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// The producer's own id for the finding, where it has one (not trusted to be unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The stable fingerprint (see [`crate::fingerprint`]).
    pub fingerprint: Fingerprint,
}

impl Finding {
    /// A finding with the required fields; everything else empty. The fingerprint is
    /// zero until [`crate::fingerprint::assign`] runs.
    pub fn new(
        scanner: impl Into<Arc<Scanner>>,
        category: Category,
        severity: Severity,
        title: impl Into<String>,
        location: Location,
    ) -> Finding {
        Finding {
            scanner: scanner.into(),
            category,
            severity,
            original_severity: None,
            confidence: Confidence::Unknown,
            rule_id: None,
            identifiers: Vec::new(),
            title: title.into(),
            description: None,
            solution: None,
            fix: Fix::default(),
            location,
            links: Vec::new(),
            suppressed: false,
            source_id: None,
            fingerprint: Fingerprint::ZERO,
        }
    }

    /// Adds an identifier unless it is already present.
    pub fn add_identifier(&mut self, id: Identifier) {
        if !self.identifiers.contains(&id) {
            self.identifiers.push(id);
        }
    }

    /// The CVE ids among the identifiers.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        self.identifiers.iter().filter_map(|i| match i {
            Identifier::Cve(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// The CWE numbers among the identifiers.
    pub fn cwes(&self) -> impl Iterator<Item = u32> + '_ {
        self.identifiers.iter().filter_map(|i| match i {
            Identifier::Cwe(c) => Some(*c),
            _ => None,
        })
    }

    /// The primary identifier used for display and fingerprints: the lowest CVE,
    /// else the lowest GHSA, else the rule id, else the first identifier.
    pub fn primary_id(&self) -> Option<String> {
        self.primary_id_cow().map(Cow::into_owned)
    }

    /// [`Finding::primary_id`] without allocating when the text is the
    /// finding's own (a CVE, a GHSA, the rule id, an `Other` identifier's value).
    pub fn primary_id_cow(&self) -> Option<Cow<'_, str>> {
        if let Some(c) = self.cves().min() {
            return Some(Cow::Borrowed(c));
        }
        let ghsa = self
            .identifiers
            .iter()
            .filter_map(|i| match i {
                Identifier::Ghsa(g) => Some(g.as_str()),
                _ => None,
            })
            .min();
        if let Some(g) = ghsa {
            return Some(Cow::Borrowed(g));
        }
        if let Some(r) = &self.rule_id {
            return Some(Cow::Borrowed(r));
        }
        self.identifiers.first().map(|i| match i {
            Identifier::Other { value, .. } => Cow::Borrowed(value.as_str()),
            other => Cow::Owned(other.value()),
        })
    }

    /// Whether any identifier, the rule id or the fingerprint matches policy text
    /// such as `CVE-2021-44228`, `CWE-79`, `semgrep_id:x` or a rule id.
    pub fn matches_id(&self, pattern: &str) -> bool {
        self.matches_id_pattern(&IdPattern::new(pattern))
    }

    /// [`Finding::matches_id`] with the pattern parsed once beforehand (a
    /// policy checks the same exception against many findings).
    pub fn matches_id_pattern(&self, pattern: &IdPattern) -> bool {
        let p = pattern.text.as_str();
        let hit = match &pattern.typed {
            Some(t) => self.identifiers.iter().any(|i| i == t),
            None => self.identifiers.iter().any(|i| i.matches_other_text(p)),
        };
        if hit {
            return true;
        }
        if let Some(r) = &self.rule_id {
            if r.eq_ignore_ascii_case(p) {
                return true;
            }
        }
        false
    }
}

/// Policy text naming an identifier or a rule (`CVE-2021-44228`, `CWE-79`,
/// `semgrep_id:x`, a rule id), parsed once for [`Finding::matches_id_pattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPattern {
    /// The text, trimmed.
    text: String,
    /// The typed identifier it names, if it names one (not `Other`).
    typed: Option<Identifier>,
}

impl IdPattern {
    /// Parses policy text.
    pub fn new(pattern: &str) -> IdPattern {
        let text = pattern.trim();
        let typed = text
            .parse::<Identifier>()
            .ok()
            .filter(|t| !matches!(t, Identifier::Other { .. }));
        IdPattern {
            text: text.to_string(),
            typed,
        }
    }

    /// The text, trimmed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The typed identifier it names (CVE, CWE, GHSA, ...), if any.
    pub fn typed(&self) -> Option<&Identifier> {
        self.typed.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_status_spellings() {
        use FixStatus::*;
        for (text, want) in [
            ("fixed", Some(Fixed)),
            ("  Fixed\n", Some(Fixed)),
            ("will_not_fix", Some(WillNotFix)),
            ("WILL-NOT-FIX", Some(WillNotFix)),
            ("will not_fix", Some(WillNotFix)),
            ("not affected", Some(NotAffected)),
            ("affected", Some(Affected)),
            ("End-Of-Life", Some(EndOfLife)),
            ("under investigation", Some(UnderInvestigation)),
            ("fix_deferred", Some(FixDeferred)),
            ("unknown", Some(Unknown)),
            ("", None),
            ("fixed!", None),
            ("fix", None),
            ("not__affected", None),
            ("f\u{131}xed", None),
        ] {
            assert_eq!(FixStatus::parse(text), want, "{text:?}");
        }
        for st in FixStatus::ALL {
            assert_eq!(FixStatus::parse(st.as_str()), Some(st));
        }
    }
}
