//! Trivy JSON: SchemaVersion 2 (vulnerabilities, misconfigurations, secrets,
//! licenses), the pre-0.20 list layout, the two `trivy k8s` shapes, and `trivy
//! convert`'s `ExperimentalModifiedFindings`.
//!
//! # What is a finding
//!
//! - every entry of a result's `Vulnerabilities` (`null` or absent: none);
//! - every entry of `Misconfigurations` whose `Status` is `FAIL` (`PASS` and
//!   `EXCEPTION` entries are checks that passed or were waived: not findings);
//! - every entry of `Secrets` (the `Match` and `Code` lines are never read:
//!   they may hold an unmasked token);
//! - every entry of `Licenses`;
//! - every entry of `ExperimentalModifiedFindings` (result level or top level):
//!   a finding a VEX statement or an ignore file suppressed. It is kept, with
//!   [`Finding::suppressed`] set, and a note in [`Report::notes`] naming the
//!   statement and its source, so that the gate sees it and the policy decides
//!   whether a suppression is trusted. `CustomResources` are not findings.
//!
//! # Severity precedence
//!
//! 1. `Severity`, when it is a known word other than `UNKNOWN`;
//! 2. else `VendorSeverity.nvd` (4 critical .. 1 low), else the highest
//!    `VendorSeverity` of any source;
//! 3. else the CVSS base score of `CVSS.nvd` (V40Score, else V3Score, else
//!    V2Score), else the highest such score of any source;
//! 4. else unknown. The text of `Severity` is kept as the original severity.
//!
//! # Category and location
//!
//! | result | category | location |
//! |---|---|---|
//! | `os-pkgs` (any artifact), or any vulnerability when `ArtifactType` is `container_image` or `vm` | container scanning | [`Location::Container`]: image `ArtifactName` (legacy and k8s: the `Target` without its `" (os version)"` suffix), operating system `Metadata.OS` "family name" (else the suffix), package |
//! | `lang-pkgs` in a filesystem, repository or SBOM scan | dependency scanning | [`Location::Dependency`]: file `Target`, package |
//! | misconfiguration (`FAIL`) | misconfiguration | [`Location::Source`]: file `Target`, `CauseMetadata` lines, snippet from the cause lines of `Code.Lines` (ANSI escapes removed); in `trivy k8s`: [`Location::Resource`] `namespace/Kind/name` |
//! | secret | secret detection | [`Location::Secret`]: file `Target`, `StartLine` |
//! | license | license | `FilePath` as [`Location::Source`], else the package |
//!
//! In `trivy k8s` reports a vulnerability's image is the `Target` of the
//! resource's `os-pkgs` result (for every result of that resource), and the
//! resource (`namespace/Kind/name`) is appended to the title.
//!
//! The report's category is the single category of its findings; with mixed
//! or no findings, `ArtifactType` `container_image` or `vm` gives container
//! scanning, anything else none. Package fields: `PkgName`,
//! `InstalledVersion` (RPM epochs kept), `PkgIdentifier.PURL`. `FixedVersion`
//! comma lists and `Status` give the [`Fix`]. `VulnerabilityID` is typed (CVE,
//! GHSA) or kept under its prefix as scheme (`rustsec`, `go`, `dla`...) and is
//! the rule id; `CweIDs` become CWE identifiers; `PrimaryURL` and `References`
//! become links.
//!
//! Only `SchemaVersion` 2 is read (other values are
//! [`ParseError::Unsupported`]); the pre-0.20 list and `trivy k8s` have none.

use crate::detect::TopObject;
use crate::gitlab::scalar;
use crate::lenient;
use crate::ParseError;
use secgate_core::{
    Category, Confidence, Finding, Fix, FixStatus, Format, Identifier, Link, Location, Package,
    Report, Scanner, Severity,
};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;

/// One entry of `Results[]` (or of the pre-0.20 top-level list).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TrivyResult {
    #[serde(rename = "Target", deserialize_with = "scalar")]
    target: Option<String>,
    #[serde(rename = "Class", deserialize_with = "scalar")]
    class: Option<String>,
    #[serde(rename = "Type", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(rename = "Vulnerabilities", deserialize_with = "lenient::list")]
    vulnerabilities: Vec<Vuln>,
    #[serde(rename = "Misconfigurations", deserialize_with = "lenient::list")]
    misconfigurations: Vec<Misconf>,
    #[serde(rename = "Secrets", deserialize_with = "lenient::list")]
    secrets: Vec<Secret>,
    #[serde(rename = "Licenses", deserialize_with = "lenient::list")]
    licenses: Vec<License>,
    #[serde(
        rename = "ExperimentalModifiedFindings",
        deserialize_with = "lenient::list"
    )]
    modified: Vec<ModifiedFinding>,
}

impl TrivyResult {
    /// At most how many findings the result converts to (misconfigurations
    /// that passed are counted, and dropped later).
    fn finding_bound(&self) -> usize {
        self.vulnerabilities.len()
            + self.misconfigurations.len()
            + self.secrets.len()
            + self.licenses.len()
            + self.modified.len()
    }
}

/// One vulnerability. Only the kept fields are declared; `Layer`,
/// `DataSource`, dates, vectors and the rest are skipped by the parser.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Vuln {
    #[serde(rename = "VulnerabilityID", deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(rename = "PkgName", deserialize_with = "scalar")]
    pkg_name: Option<String>,
    #[serde(rename = "PkgIdentifier")]
    pkg_identifier: Option<PkgIdentifier>,
    #[serde(rename = "InstalledVersion", deserialize_with = "scalar")]
    installed_version: Option<String>,
    #[serde(rename = "FixedVersion", deserialize_with = "scalar")]
    fixed_version: Option<String>,
    #[serde(rename = "Status", deserialize_with = "scalar")]
    status: Option<String>,
    #[serde(rename = "PrimaryURL", deserialize_with = "scalar")]
    primary_url: Option<String>,
    #[serde(rename = "Title", deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(rename = "Description", deserialize_with = "scalar")]
    description: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(rename = "CweIDs", deserialize_with = "lenient::list")]
    cwe_ids: Vec<String>,
    #[serde(rename = "VendorIDs", deserialize_with = "lenient::list")]
    vendor_ids: Vec<String>,
    #[serde(rename = "VendorSeverity")]
    vendor_severity: VendorSeverity,
    #[serde(rename = "CVSS")]
    cvss: CvssScores,
    #[serde(rename = "References", deserialize_with = "lenient::list")]
    references: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PkgIdentifier {
    #[serde(rename = "PURL", deserialize_with = "scalar")]
    purl: Option<String>,
}

/// A map key compared with `nvd` without allocating.
struct IsNvd(bool);

impl<'de> Deserialize<'de> for IsNvd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IsNvd;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a source name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IsNvd, E> {
                Ok(IsNvd(v.eq_ignore_ascii_case("nvd")))
            }
        }
        d.deserialize_str(V)
    }
}

/// `VendorSeverity`, reduced while parsing to the NVD level and the highest level.
#[derive(Debug, Default, Clone, Copy)]
struct VendorSeverity {
    nvd: Option<i64>,
    max: Option<i64>,
}

impl<'de> Deserialize<'de> for VendorSeverity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VendorSeverity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from source to a severity number, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<VendorSeverity, E> {
                Ok(VendorSeverity::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<VendorSeverity, E> {
                Ok(VendorSeverity::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<VendorSeverity, A::Error> {
                let mut out = VendorSeverity::default();
                while let Some(IsNvd(nvd)) = a.next_key()? {
                    let level: Option<i64> = a.next_value()?;
                    if let Some(l) = level {
                        if nvd {
                            out.nvd = Some(l);
                        }
                        out.max = Some(out.max.map_or(l, |m| m.max(l)));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// `CVSS`, reduced while parsing to the NVD score and the highest score
/// (per source: V40Score, else V3Score, else V2Score).
#[derive(Debug, Default, Clone, Copy)]
struct CvssScores {
    nvd: Option<f64>,
    max: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CvssEntry {
    #[serde(rename = "V2Score", deserialize_with = "score")]
    v2: Option<f64>,
    #[serde(rename = "V3Score", deserialize_with = "score")]
    v3: Option<f64>,
    #[serde(rename = "V40Score", deserialize_with = "score")]
    v40: Option<f64>,
}

/// A CVSS score: a JSON number (or a numeric string), read without going
/// through text; `null` and non-numeric strings are no score.
fn score<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a CVSS score")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v).filter(|v| v.is_finite()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

impl<'de> Deserialize<'de> for CvssScores {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CvssScores;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from source to CVSS scores, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<CvssScores, E> {
                Ok(CvssScores::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<CvssScores, E> {
                Ok(CvssScores::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<CvssScores, A::Error> {
                let mut out = CvssScores::default();
                while let Some(IsNvd(nvd)) = a.next_key()? {
                    let entry: Option<CvssEntry> = a.next_value()?;
                    let Some(e) = entry else { continue };
                    let Some(score) = e.v40.or(e.v3).or(e.v2) else {
                        continue;
                    };
                    if nvd {
                        out.nvd = Some(score);
                    }
                    out.max = Some(out.max.map_or(score, |m| m.max(score)));
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// One misconfiguration check result.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Misconf {
    #[serde(rename = "ID", deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(rename = "AVDID", deserialize_with = "scalar")]
    avdid: Option<String>,
    #[serde(rename = "Title", deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(rename = "Description", deserialize_with = "scalar")]
    description: Option<String>,
    #[serde(rename = "Message", deserialize_with = "scalar")]
    message: Option<String>,
    #[serde(rename = "Resolution", deserialize_with = "scalar")]
    resolution: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(rename = "PrimaryURL", deserialize_with = "scalar")]
    primary_url: Option<String>,
    #[serde(rename = "Status", deserialize_with = "scalar")]
    status: Option<String>,
    #[serde(rename = "References", deserialize_with = "lenient::list")]
    references: Vec<String>,
    #[serde(rename = "CauseMetadata")]
    cause: Option<Cause>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Cause {
    #[serde(rename = "StartLine", deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
    #[serde(rename = "EndLine", deserialize_with = "lenient::uint")]
    end_line: Option<u32>,
    #[serde(rename = "Code")]
    code: Option<Code>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Code {
    #[serde(rename = "Lines", deserialize_with = "lenient::list")]
    lines: Vec<CodeLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeLine {
    #[serde(rename = "Content", deserialize_with = "scalar")]
    content: Option<String>,
    #[serde(rename = "IsCause")]
    is_cause: Option<bool>,
}

/// One secret. `Match`, `Code` and `Offset` are deliberately not declared.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Secret {
    #[serde(rename = "RuleID", deserialize_with = "scalar")]
    rule_id: Option<String>,
    #[serde(rename = "Category", deserialize_with = "scalar")]
    category: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(rename = "Title", deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
}

/// One license finding.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct License {
    #[serde(rename = "Severity", deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(rename = "Category", deserialize_with = "scalar")]
    category: Option<String>,
    #[serde(rename = "PkgName", deserialize_with = "scalar")]
    pkg_name: Option<String>,
    #[serde(rename = "FilePath", deserialize_with = "scalar")]
    file_path: Option<String>,
    #[serde(rename = "Name", deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(rename = "Link", deserialize_with = "scalar")]
    link: Option<String>,
}

/// The top-level `Trivy` object (`{"Version": ...}`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TrivyInfo {
    #[serde(rename = "Version", deserialize_with = "scalar")]
    version: Option<String>,
}

/// The top-level `Metadata` object: only the OS is kept.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metadata {
    #[serde(rename = "OS")]
    os: Option<Os>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Os {
    #[serde(rename = "Family", deserialize_with = "scalar")]
    family: Option<String>,
    #[serde(rename = "Name", deserialize_with = "scalar")]
    name: Option<String>,
}

/// One resource of a `trivy k8s` report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct K8sResource {
    #[serde(rename = "Namespace", deserialize_with = "scalar")]
    namespace: Option<String>,
    #[serde(rename = "Kind", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(rename = "Name", deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(rename = "Results", deserialize_with = "lenient::list")]
    results: Vec<TrivyResult>,
}

/// One entry of `ExperimentalModifiedFindings[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ModifiedFinding {
    #[serde(rename = "Type", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(rename = "Status", deserialize_with = "scalar")]
    status: Option<String>,
    #[serde(rename = "Statement", deserialize_with = "scalar")]
    statement: Option<String>,
    #[serde(rename = "Source", deserialize_with = "scalar")]
    source: Option<String>,
    #[serde(rename = "Finding")]
    finding: Option<AnyFinding>,
}

/// The nested `Finding` of a modified finding: the union of the fields of the
/// four kinds, read once; [`ModifiedFinding::kind`] says which kind it is.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AnyFinding {
    #[serde(rename = "VulnerabilityID", deserialize_with = "scalar")]
    vulnerability_id: Option<String>,
    #[serde(rename = "PkgName", deserialize_with = "scalar")]
    pkg_name: Option<String>,
    #[serde(rename = "PkgIdentifier")]
    pkg_identifier: Option<PkgIdentifier>,
    #[serde(rename = "InstalledVersion", deserialize_with = "scalar")]
    installed_version: Option<String>,
    #[serde(rename = "FixedVersion", deserialize_with = "scalar")]
    fixed_version: Option<String>,
    #[serde(rename = "Status", deserialize_with = "scalar")]
    status: Option<String>,
    #[serde(rename = "PrimaryURL", deserialize_with = "scalar")]
    primary_url: Option<String>,
    #[serde(rename = "Title", deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(rename = "Description", deserialize_with = "scalar")]
    description: Option<String>,
    #[serde(rename = "Severity", deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(rename = "CweIDs", deserialize_with = "lenient::list")]
    cwe_ids: Vec<String>,
    #[serde(rename = "VendorIDs", deserialize_with = "lenient::list")]
    vendor_ids: Vec<String>,
    #[serde(rename = "VendorSeverity")]
    vendor_severity: VendorSeverity,
    #[serde(rename = "CVSS")]
    cvss: CvssScores,
    #[serde(rename = "References", deserialize_with = "lenient::list")]
    references: Vec<String>,
    #[serde(rename = "ID", deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(rename = "AVDID", deserialize_with = "scalar")]
    avdid: Option<String>,
    #[serde(rename = "Message", deserialize_with = "scalar")]
    message: Option<String>,
    #[serde(rename = "Resolution", deserialize_with = "scalar")]
    resolution: Option<String>,
    #[serde(rename = "CauseMetadata")]
    cause: Option<Cause>,
    #[serde(rename = "RuleID", deserialize_with = "scalar")]
    rule_id: Option<String>,
    #[serde(rename = "Category", deserialize_with = "scalar")]
    category: Option<String>,
    #[serde(rename = "StartLine", deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
    #[serde(rename = "FilePath", deserialize_with = "scalar")]
    file_path: Option<String>,
    #[serde(rename = "Name", deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(rename = "Link", deserialize_with = "scalar")]
    link: Option<String>,
}

impl AnyFinding {
    fn into_vuln(self) -> Vuln {
        Vuln {
            id: self.vulnerability_id,
            pkg_name: self.pkg_name,
            pkg_identifier: self.pkg_identifier,
            installed_version: self.installed_version,
            fixed_version: self.fixed_version,
            status: self.status,
            primary_url: self.primary_url,
            title: self.title,
            description: self.description,
            severity: self.severity,
            cwe_ids: self.cwe_ids,
            vendor_ids: self.vendor_ids,
            vendor_severity: self.vendor_severity,
            cvss: self.cvss,
            references: self.references,
        }
    }

    fn into_misconf(self) -> Misconf {
        Misconf {
            id: self.id,
            avdid: self.avdid,
            title: self.title,
            description: self.description,
            message: self.message,
            resolution: self.resolution,
            severity: self.severity,
            primary_url: self.primary_url,
            status: self.status,
            references: self.references,
            cause: self.cause,
        }
    }

    fn into_secret(self) -> Secret {
        Secret {
            rule_id: self.rule_id,
            category: self.category,
            severity: self.severity,
            title: self.title,
            start_line: self.start_line,
        }
    }

    fn into_license(self) -> License {
        License {
            severity: self.severity,
            category: self.category,
            pkg_name: self.pkg_name,
            file_path: self.file_path,
            name: self.name,
            link: self.link,
        }
    }
}

// ---------------------------------------------------------------- conversion

/// What a result is, from `Class` (or, in old reports without it, from the target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    OsPkgs,
    LangPkgs,
    Other,
}

const OS_FAMILIES: &[&str] = &[
    "alpine",
    "alma",
    "amazon",
    "azurelinux",
    "bottlerocket",
    "cbl-mariner",
    "centos",
    "chainguard",
    "debian",
    "echo",
    "fedora",
    "minimos",
    "opensuse",
    "opensuse-leap",
    "opensuse-tumbleweed",
    "opensuse.leap",
    "opensuse.tumbleweed",
    "oracle",
    "photon",
    "redhat",
    "rocky",
    "sles",
    "suse linux enterprise micro",
    "suse linux enterprise server",
    "ubuntu",
    "wolfi",
];

/// Splits `"alpine:3.10 (alpine 3.10.2)"` into the image and the OS.
fn split_os_suffix(target: &str) -> (&str, Option<&str>) {
    if let Some(pos) = target.rfind(" (") {
        if target.ends_with(')') {
            let os = &target[pos + 2..target.len() - 1];
            return (&target[..pos], Some(os).filter(|o| !o.trim().is_empty()));
        }
    }
    (target, None)
}

fn class_of(r: &TrivyResult) -> Class {
    match r.class.as_deref().map(str::trim) {
        Some("os-pkgs") => Class::OsPkgs,
        Some("lang-pkgs") => Class::LangPkgs,
        Some(_) => Class::Other,
        None => {
            let os_type = r
                .kind
                .as_deref()
                .is_some_and(|t| OS_FAMILIES.contains(&t.to_ascii_lowercase().as_str()));
            let suffix = r
                .target
                .as_deref()
                .is_some_and(|t| split_os_suffix(t).1.is_some());
            if os_type || suffix {
                Class::OsPkgs
            } else {
                Class::LangPkgs
            }
        }
    }
}

fn severity_of(word: Option<&str>, vendor: VendorSeverity, cvss: CvssScores) -> Severity {
    if let Some(s) = word.and_then(Severity::parse_lenient) {
        if s != Severity::Unknown {
            return s;
        }
    }
    if let Some(s) = vendor
        .nvd
        .map(Severity::from_trivy_vendor)
        .filter(|s| *s != Severity::Unknown)
        .or_else(|| {
            vendor
                .max
                .map(Severity::from_trivy_vendor)
                .filter(|s| *s != Severity::Unknown)
        })
    {
        return s;
    }
    cvss.nvd
        .or(cvss.max)
        .map(Severity::from_cvss)
        .unwrap_or(Severity::Unknown)
}

/// The identifier of a `VulnerabilityID` or `VendorIDs` entry: CVE and GHSA
/// typed, anything else under its lowercase prefix (`RUSTSEC-2021-1` is `rustsec`).
fn vuln_identifier(id: &str) -> Identifier {
    if let Ok(typed) = id.parse::<Identifier>() {
        if typed.is_vulnerability_id() {
            return typed;
        }
    }
    let prefix = id.split(['-', '_', ':']).next().unwrap_or("");
    let scheme = if !prefix.is_empty()
        && prefix.len() < id.len()
        && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        prefix.to_ascii_lowercase()
    } else {
        "trivy".to_string()
    };
    Identifier::Other {
        scheme,
        value: id.trim().to_string(),
    }
}

fn links(primary: Option<String>, references: Vec<String>) -> Vec<Link> {
    let mut out = Vec::with_capacity(references.len() + 1);
    for url in primary.into_iter().chain(references) {
        let trimmed = url.trim();
        if trimmed.is_empty() || out.iter().any(|l: &Link| l.url == trimmed) {
            continue;
        }
        let url = if trimmed.len() == url.len() {
            url
        } else {
            trimmed.to_string()
        };
        out.push(Link { name: None, url });
    }
    out
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, and lone `ESC x`).
fn strip_ansi(s: &str) -> String {
    if !s.contains('\u{1b}') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for n in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&n) {
                        break;
                    }
                }
            }
            Some(']') => {
                // OSC: up to BEL or ESC \
                while let Some(n) = chars.next() {
                    if n == '\u{7}' {
                        break;
                    }
                    if n == '\u{1b}' {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Where the findings of one result are, and what the conversion knows about it.
struct Ctx<'a> {
    scanner: &'a Arc<Scanner>,
    artifact_name: Option<&'a str>,
    image_artifact: bool,
    os: Option<&'a str>,
    /// `namespace/Kind/name` of a `trivy k8s` resource.
    resource: Option<(&'a str, String)>,
    /// The image of a `trivy k8s` resource (its os-pkgs target).
    k8s_image: Option<(&'a str, Option<&'a str>)>,
}

struct Out {
    findings: Vec<Finding>,
    notes: Vec<String>,
}

impl Ctx<'_> {
    fn vuln(&self, class: Class, target: &str, v: Vuln) -> Finding {
        let package = Package {
            name: v.pkg_name.unwrap_or_default(),
            version: v.installed_version,
            purl: v.pkg_identifier.and_then(|p| p.purl),
        };
        let container = class == Class::OsPkgs || self.image_artifact || self.resource.is_some();
        let (category, location) = if container {
            let (image, os) = match (self.k8s_image, self.artifact_name) {
                (Some((image, os)), _) => (image, os),
                // The pre-0.20 list has no `ArtifactName`: the image is the target.
                (None, Some(name)) => (name, None),
                _ => split_os_suffix(target),
            };
            let operating_system = self
                .os
                .or(os)
                .or_else(|| split_os_suffix(target).1)
                .map(str::to_string);
            (
                Category::ContainerScanning,
                Location::Container {
                    image: image.to_string(),
                    operating_system,
                    package,
                },
            )
        } else {
            (
                Category::DependencyScanning,
                Location::Dependency {
                    file: Some(target.to_string()).filter(|t| !t.is_empty()),
                    package,
                },
            )
        };
        let severity = severity_of(v.severity.as_deref(), v.vendor_severity, v.cvss);
        let vid = v.id.unwrap_or_default();
        let status = v.status.as_deref().and_then(FixStatus::parse);
        let mut fix = Fix::from_fixed_version_list(v.fixed_version.as_deref(), status);
        // Trivy writes `FixedVersion` whenever a fix exists: without one (and
        // without a `Status`, which Trivy before 0.35 does not write), no fix
        // is available.
        if fix.status.is_none() && fix.fixed_versions.is_empty() {
            fix.status = Some(FixStatus::Affected);
        }
        let mut identifiers = Vec::with_capacity(1 + v.cwe_ids.len() + v.vendor_ids.len());
        if !vid.is_empty() {
            identifiers.push(vuln_identifier(&vid));
        }
        for c in &v.cwe_ids {
            let id = Identifier::from_scheme("cwe", c);
            if !identifiers.contains(&id) {
                identifiers.push(id);
            }
        }
        for other in &v.vendor_ids {
            let id = vuln_identifier(other);
            if !identifiers.contains(&id) {
                identifiers.push(id);
            }
        }
        let pkg_name = location.package().map(|p| p.name.as_str()).unwrap_or("");
        let solution = (!fix.fixed_versions.is_empty())
            .then(|| format!("Upgrade {pkg_name} to {}", fix.fixed_versions.join(", ")));
        let mut title = v.title.unwrap_or_else(|| {
            if pkg_name.is_empty() {
                vid.clone()
            } else {
                format!("{vid} in {pkg_name}")
            }
        });
        if let Some((_, r)) = &self.resource {
            title = format!("{title} [{r}]");
        }
        let mut f = Finding::new(self.scanner.clone(), category, severity, title, location);
        f.original_severity = v.severity;
        f.rule_id = Some(vid).filter(|s| !s.is_empty());
        f.identifiers = identifiers;
        f.description = v.description;
        f.solution = solution;
        f.fix = fix;
        f.links = links(v.primary_url, v.references);
        f
    }

    fn misconf(&self, target: &str, m: Misconf) -> Finding {
        let cause = m.cause.unwrap_or_default();
        let location = match &self.resource {
            Some((kind, name)) => Location::Resource {
                kind: Some(kind.to_string()),
                name: name.clone(),
            },
            None => {
                let snippet: Vec<String> = cause
                    .code
                    .map(|c| c.lines)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|l| l.is_cause == Some(true))
                    .map(|l| strip_ansi(l.content.as_deref().unwrap_or("")))
                    .collect();
                Location::Source {
                    file: target.to_string(),
                    start_line: cause.start_line,
                    end_line: cause.end_line,
                    snippet: (!snippet.is_empty()).then(|| snippet.join("\n")),
                }
            }
        };
        let severity = m
            .severity
            .as_deref()
            .and_then(Severity::parse_lenient)
            .unwrap_or(Severity::Unknown);
        let rule = m.avdid.clone().or(m.id.clone());
        let title = m
            .title
            .or(rule.clone())
            .unwrap_or_else(|| "misconfiguration".to_string());
        let mut f = Finding::new(
            self.scanner.clone(),
            Category::Misconfiguration,
            severity,
            title,
            location,
        );
        f.original_severity = m.severity;
        if let Some(a) = &m.avdid {
            f.add_identifier(Identifier::from_scheme("avd", a));
        }
        if let Some(id) = &m.id {
            if Some(id) != m.avdid.as_ref() {
                f.add_identifier(Identifier::from_scheme("trivy_check", id));
            }
        }
        f.rule_id = rule;
        f.description = match (m.message, m.description) {
            (Some(msg), Some(d)) => Some(format!("{msg}\n\n{}", d.trim_end())),
            (a, b) => a.or(b),
        };
        f.solution = m.resolution;
        f.links = links(m.primary_url, m.references);
        f
    }

    fn secret(&self, target: &str, s: Secret) -> Finding {
        let severity = s
            .severity
            .as_deref()
            .and_then(Severity::parse_lenient)
            .unwrap_or(Severity::Unknown);
        let title = s
            .title
            .clone()
            .or(s.rule_id.clone())
            .unwrap_or_else(|| "secret".to_string());
        let mut f = Finding::new(
            self.scanner.clone(),
            Category::SecretDetection,
            severity,
            title,
            // No digest: Trivy redacts the secret in `Match` and `Code`.
            Location::Secret {
                file: target.to_string(),
                line: s.start_line,
                commit: None,
                digest: None,
            },
        );
        f.original_severity = s.severity;
        f.confidence = Confidence::Unknown;
        if let Some(r) = &s.rule_id {
            f.add_identifier(Identifier::from_scheme("trivy_secret_rule", r));
        }
        f.rule_id = s.rule_id;
        f.description = s.category.map(|c| format!("Secret category: {c}"));
        f
    }

    fn license(&self, target: &str, l: License) -> Finding {
        let severity = l
            .severity
            .as_deref()
            .and_then(Severity::parse_lenient)
            .unwrap_or(Severity::Unknown);
        let name = l.name.unwrap_or_else(|| "unknown license".to_string());
        let location = match (l.file_path, l.pkg_name) {
            (Some(file), _) => Location::Source {
                file,
                start_line: None,
                end_line: None,
                snippet: None,
            },
            (None, Some(pkg)) => {
                let package = Package {
                    name: pkg,
                    version: None,
                    purl: None,
                };
                if self.image_artifact || self.k8s_image.is_some() {
                    let (image, os) = match (self.k8s_image, self.artifact_name) {
                        (Some((i, os)), _) => (i, os),
                        (None, Some(a)) => (a, None),
                        (None, None) => (target, None),
                    };
                    Location::Container {
                        image: image.to_string(),
                        operating_system: self.os.or(os).map(str::to_string),
                        package,
                    }
                } else {
                    Location::Dependency {
                        file: Some(target.to_string()).filter(|t| !t.is_empty()),
                        package,
                    }
                }
            }
            (None, None) => Location::None,
        };
        let title = match &l.category {
            Some(c) => format!("License {name} ({c})"),
            None => format!("License {name}"),
        };
        let mut f = Finding::new(
            self.scanner.clone(),
            Category::License,
            severity,
            title,
            location,
        );
        f.original_severity = l.severity;
        f.add_identifier(Identifier::from_scheme("license", &name));
        f.rule_id = Some(name);
        f.links = links(l.link, Vec::new());
        f
    }

    fn result(&self, r: TrivyResult, out: &mut Out) {
        out.findings.reserve(r.finding_bound());
        let class = class_of(&r);
        let TrivyResult {
            target,
            vulnerabilities,
            misconfigurations,
            secrets,
            licenses,
            modified,
            ..
        } = r;
        let target = target.unwrap_or_default();
        for v in vulnerabilities {
            out.findings.push(self.vuln(class, &target, v));
        }
        for m in misconfigurations {
            if m.status
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("fail"))
            {
                out.findings.push(self.misconf(&target, m));
            }
        }
        for s in secrets {
            out.findings.push(self.secret(&target, s));
        }
        for l in licenses {
            out.findings.push(self.license(&target, l));
        }
        for m in modified {
            self.modified(class, &target, m, out);
        }
    }

    fn modified(&self, class: Class, target: &str, m: ModifiedFinding, out: &mut Out) {
        let Some(inner) = m.finding else {
            out.notes.push(format!(
                "a modified (suppressed) finding in {target} has no `Finding`: ignored"
            ));
            return;
        };
        let kind = m.kind.unwrap_or_default().to_ascii_lowercase();
        let mut f = match kind.as_str() {
            "misconfiguration" => self.misconf(target, inner.into_misconf()),
            "secret" => self.secret(target, inner.into_secret()),
            "license" => self.license(target, inner.into_license()),
            _ => self.vuln(class, target, inner.into_vuln()),
        };
        f.suppressed = true;
        let mut note = format!(
            "{} at {} is suppressed",
            f.primary_id().unwrap_or_else(|| f.title.clone()),
            f.location.describe()
        );
        if let Some(s) = m.source {
            note.push_str(&format!(" by {s}"));
        }
        match (m.status, m.statement) {
            (Some(st), Some(sm)) => note.push_str(&format!(": {st} ({sm})")),
            (Some(x), None) | (None, Some(x)) => note.push_str(&format!(": {x}")),
            (None, None) => {}
        }
        out.notes.push(note);
        out.findings.push(f);
    }
}

fn trivy_scanner(version: Option<String>) -> Scanner {
    Scanner {
        id: "trivy".into(),
        name: "Trivy".into(),
        version: None,
        vendor: None,
    }
    .with_version(version)
    .with_vendor(Some("Aqua Security".into()))
}

fn finish(mut report: Report, out: Out, artifact_type: Option<&str>) -> Result<Report, ParseError> {
    report.findings = out.findings;
    report.notes.extend(out.notes);
    let uniform = report
        .findings
        .first()
        .map(|f| f.category.clone())
        .filter(|c| report.findings.iter().all(|f| &f.category == c));
    report.category = uniform.or(match artifact_type {
        Some("container_image") | Some("vm") => Some(Category::ContainerScanning),
        _ => None,
    });
    Ok(report)
}

/// Converts a top-level object with Trivy keys (SchemaVersion 2 or `trivy k8s`).
pub(crate) fn convert_object(top: TopObject) -> Result<Report, ParseError> {
    let TopObject {
        trivy_schema_version,
        trivy_info,
        trivy_artifact_name,
        trivy_artifact_type,
        trivy_metadata,
        trivy_results,
        trivy_modified_findings,
        trivy_cluster_name,
        trivy_k8s_vulnerabilities,
        trivy_k8s_misconfigurations,
        trivy_k8s_resources,
        ..
    } = top;
    if let Some(v) = &trivy_schema_version {
        if v.trim() != "2" {
            return Err(ParseError::Unsupported {
                format: Format::TrivyJson,
                detail: format!(
                    "SchemaVersion {v}: secgate reads Trivy's SchemaVersion 2 (Trivy 0.20 and later), the older list layout and `trivy k8s` reports; re-run Trivy with `--format json` from a supported release"
                ),
            });
        }
    }
    let scanner = Arc::new(trivy_scanner(trivy_info.and_then(|i| i.version)));
    let mut report = Report::new(Format::TrivyJson);
    report.format_version = trivy_schema_version;
    report.scanners.push((*scanner).clone());
    let os = trivy_metadata
        .and_then(|m| m.os)
        .and_then(|o| match (o.family, o.name) {
            (Some(f), Some(n)) => Some(format!("{f} {n}")),
            (a, b) => a.or(b),
        });
    let artifact_type = trivy_artifact_type.as_deref().map(str::trim);
    let image_artifact = matches!(artifact_type, Some("container_image") | Some("vm"));
    let mut out = Out {
        findings: Vec::new(),
        notes: Vec::new(),
    };
    let ctx = Ctx {
        scanner: &scanner,
        artifact_name: trivy_artifact_name.as_deref(),
        image_artifact,
        os: os.as_deref(),
        resource: None,
        k8s_image: None,
    };
    let results = trivy_results.flatten().unwrap_or_default();
    // One allocation for every finding of every result (growing result by
    // result copied the findings so far into fresh memory each time).
    out.findings
        .reserve_exact(results.iter().map(TrivyResult::finding_bound).sum());
    for r in results {
        ctx.result(r, &mut out);
    }
    for m in trivy_modified_findings {
        let target = trivy_artifact_name.as_deref().unwrap_or("");
        let class = if image_artifact {
            Class::OsPkgs
        } else {
            Class::LangPkgs
        };
        ctx.modified(class, target, m, &mut out);
    }

    let k8s = [
        trivy_k8s_vulnerabilities,
        trivy_k8s_misconfigurations,
        trivy_k8s_resources,
    ];
    let is_k8s = trivy_cluster_name.is_some() || k8s.iter().any(Option::is_some);
    for resources in k8s.into_iter().flatten().flatten() {
        for res in resources {
            let kind = res.kind.unwrap_or_default();
            let name = format!(
                "{}/{}/{}",
                res.namespace.as_deref().unwrap_or(""),
                kind,
                res.name.as_deref().unwrap_or("")
            );
            let image_target = res
                .results
                .iter()
                .find(|r| class_of(r) == Class::OsPkgs)
                .and_then(|r| r.target.clone());
            let k8s_image = image_target.as_deref().map(split_os_suffix);
            for r in res.results {
                // A result without an OS is an image of its own (its target).
                let own = r.target.clone().unwrap_or_default();
                let fallback = split_os_suffix(&own);
                let rctx = Ctx {
                    scanner: &scanner,
                    artifact_name: None,
                    image_artifact: false,
                    os: None,
                    resource: Some((kind.as_str(), name.clone())),
                    k8s_image: Some(k8s_image.unwrap_or(fallback)),
                };
                rctx.result(r, &mut out);
            }
        }
    }
    let artifact_type = if is_k8s { None } else { artifact_type };
    finish(report, out, artifact_type)
}

/// Converts the pre-0.20 list layout (and `null` with a Trivy hint: no results).
pub(crate) fn convert_legacy(results: Vec<TrivyResult>) -> Result<Report, ParseError> {
    let scanner = Arc::new(trivy_scanner(None));
    let mut report = Report::new(Format::TrivyJson);
    report.scanners.push((*scanner).clone());
    let mut out = Out {
        findings: Vec::new(),
        notes: Vec::new(),
    };
    let ctx = Ctx {
        scanner: &scanner,
        artifact_name: None,
        image_artifact: false,
        os: None,
        resource: None,
        k8s_image: None,
    };
    for r in results {
        ctx.result(r, &mut out);
    }
    finish(report, out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[38;5;33mresource\u{1b}[0m \"x\""),
            "resource \"x\""
        );
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("a\u{1b}"), "a");
    }

    #[test]
    fn os_suffix() {
        assert_eq!(
            split_os_suffix("alpine:3.10 (alpine 3.10.2)"),
            ("alpine:3.10", Some("alpine 3.10.2"))
        );
        assert_eq!(
            split_os_suffix("package-lock.json"),
            ("package-lock.json", None)
        );
    }

    #[test]
    fn vulnerability_ids() {
        assert_eq!(
            vuln_identifier("CVE-2019-1549"),
            Identifier::Cve("CVE-2019-1549".into())
        );
        assert!(matches!(
            vuln_identifier("GHSA-jfh8-c2jp-5v3q"),
            Identifier::Ghsa(_)
        ));
        assert_eq!(
            vuln_identifier("RUSTSEC-2021-0001"),
            Identifier::Other {
                scheme: "rustsec".into(),
                value: "RUSTSEC-2021-0001".into()
            }
        );
        assert_eq!(vuln_identifier("weird").scheme(), "trivy");
    }

    #[test]
    fn severity_precedence() {
        let none = VendorSeverity::default();
        let no_cvss = CvssScores::default();
        assert_eq!(severity_of(Some("HIGH"), none, no_cvss), Severity::High);
        let vendor = VendorSeverity {
            nvd: Some(2),
            max: Some(4),
        };
        assert_eq!(
            severity_of(Some("UNKNOWN"), vendor, no_cvss),
            Severity::Medium
        );
        let vendor = VendorSeverity {
            nvd: None,
            max: Some(4),
        };
        assert_eq!(
            severity_of(Some("UNKNOWN"), vendor, no_cvss),
            Severity::Critical
        );
        let cvss = CvssScores {
            nvd: Some(7.5),
            max: Some(9.8),
        };
        assert_eq!(severity_of(Some("UNKNOWN"), none, cvss), Severity::High);
        let cvss = CvssScores {
            nvd: None,
            max: Some(9.8),
        };
        assert_eq!(severity_of(None, none, cvss), Severity::Critical);
        assert_eq!(
            severity_of(Some("UNKNOWN"), none, no_cvss),
            Severity::Unknown
        );
    }
}
