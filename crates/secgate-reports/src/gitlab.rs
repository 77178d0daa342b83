//! GitLab security reports (SAST, DAST, dependency scanning, container
//! scanning, secret detection, coverage fuzzing, API fuzzing), every schema
//! version seen in the wild (2.3, 3.0, 13.x, 14.x, 15.x). Detected by content;
//! the declared `version` is informational only ([`Report::format_version`]).
//!
//! # What is a finding
//!
//! Every entry of `vulnerabilities[]` is one finding, including those that
//! carry `flags` (GitLab's "flagged as likely false positive" marks): they are
//! kept unchanged, and each flag becomes a line in [`Report::notes`]; the gate
//! decides what a flag means. An empty `vulnerabilities: []` is a clean,
//! successful report; a `scan.status` other than `success` (GitLab writes
//! `failure`) is [`ScanStatus::Failed`] with the `scan.messages`.
//!
//! # Category
//!
//! 1. `scan.type` when present (`container_scanning_for_registry` and
//!    `cluster_image_scanning` are container scanning);
//! 2. else the finding's own (deprecated) `category`;
//! 3. else the location fields: `hostname` or `path` with `method` is DAST,
//!    `image` is container scanning, `dependency` with `file` is dependency
//!    scanning, `commit` is secret detection, `crash_type` is coverage fuzzing,
//!    `file` (with or without `start_line`) is SAST.
//!
//! The report's category is `scan.type`, else the single category of its
//! findings, else none.
//!
//! # Field mapping
//!
//! | GitLab | model |
//! |---|---|
//! | `scan.scanner` {id, name, version, vendor.name} | report scanner; per-finding `scanner` wins for that finding |
//! | `severity` (`Critical`..`Info`, `Unknown`) | [`Severity`] (missing: unknown), original text kept |
//! | `confidence` (null, `Unkown` and other oddities: unknown) | [`secgate_core::Confidence`] |
//! | `identifiers[]` {type, value} (value may be a number) | [`Identifier::from_scheme`] |
//! | first identifier of a scanner-specific type (not cve/cwe/owasp/ghsa/...), else a `cve` field that is a plain id | rule id |
//! | `name`, else `message`, else the first line of `description` | title |
//! | `description`, `solution`, `links[]` | description, solution, links |
//! | `solution` / `remediations[].summary` "Upgrade X to 1.2.3", "Upgrade to version 1.2.3 or above" | [`Fix::fixed_versions`] |
//! | `id` (not `:SKIP:`) | source id |
//!
//! Location per kind: SAST [`Location::Source`] (file, start/end line);
//! dependency [`Location::Dependency`] (`file`, `dependency.package.name`,
//! `dependency.version`; `package: {}` gives an empty name); container
//! [`Location::Container`] (`image`, `operating_system`, package); DAST and
//! API fuzzing [`Location::Dast`] (`hostname` + `path`, upper-case `method`,
//! `param`); secret detection [`Location::Secret`] (`file`, `start_line`,
//! `commit.sha` unless it is the all-zero placeholder, and the secret's
//! digest, below); coverage fuzzing [`Location::Resource`] (crash type, first
//! frame of the crash state).
//!
//! # The secret's digest
//!
//! A secret finding's location carries the secret's digest (the first 16 hex
//! digits of its SHA-256, [`secgate_core::SecretDigest`], the digits
//! `secgate-secrets` and the gitleaks reader use), which its fingerprint
//! hashes, from the first of:
//!
//! 1. `details.secgate_secret_digest.value`: the 16 digits, as secgate's own
//!    GitLab reports (the gate's and `secgate-secrets`') write them;
//! 2. `raw_source_code_extract`: in GitLab's secret detection, the secret
//!    itself (gitleaks' `Secret`): hashed while it is read, never kept;
//! 3. the 64-hex SHA-256 of the secret inside a compound `cve` key
//!    (`file:sha256:rule`, written by GitLab's analyzer before schema 15).
//!
//! None of them (a redacted extract, another producer): no digest, and the
//! fingerprint is the digest-free one of earlier versions.
//!
//! `evidence`, `tracking`, the rest of `details`, `scan.primary_identifiers`
//! and any other key are never read into memory: they are skipped while
//! parsing.

use crate::detect::TopObject;
use crate::lenient;
use crate::ParseError;
use secgate_core::{
    Category, Confidence, Finding, Fix, Format, Identifier, Link, Location, Package, Report,
    ScanStatus, Scanner, SecretDigest, Severity,
};
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::fmt;

/// A scalar field read as text; an array or an object is a shape error (so a
/// `"severity": {"x": 1}` is reported with its position, not read as missing).
/// Numbers and booleans are printed; `null` and blank strings are `None`.
pub(crate) fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!blank(v)).then(|| v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok((!blank(&v)).then_some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
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

/// Whether a string is empty or only whitespace (`str::trim`'s, Unicode
/// included). Most values start with a printable ASCII character: answered
/// from the first byte, without decoding the rest.
fn blank(v: &str) -> bool {
    match v.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => v.trim().is_empty(),
    }
}

/// An object that may be `null`, or (seen in the wild) an empty array `[]`
/// where the schema says object. Anything else of the wrong type is an error.
fn object_or_empty<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Loose<T>>::deserialize(d)?.and_then(|l| l.0))
}

struct Loose<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Loose<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Loose<T>, A::Error> {
                if a.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                Ok(Loose(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, a: A) -> Result<Loose<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(a)).map(|t| Loose(Some(t)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The `Visitor` methods of a lenient reader for every shape but strings and
/// objects: read (an array element by element) and give `None`.
macro_rules! other_shapes_give_none {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    };
}

/// A secret's text (`raw_source_code_extract`) read as its digest: the text
/// is hashed where it lies in the input and never kept. Any other shape, a
/// blank or a redacted text: no digest, and no error (the key was skipped,
/// whatever it held, before it was read).
fn digest_of_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretDigest>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<SecretDigest>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(crate::secret::digest_of(Some(v)))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        other_shapes_give_none!();
    }
    d.deserialize_any(V)
}

/// The value under one key of an object, read as `T`; every other key is
/// skipped unread, and any other shape (a string, an array...) gives `None`
/// without error.
struct ValueAt<T>(&'static str, std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ValueAt<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(key) = a.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.0 {
                out = Some(a.next_value::<T>()?);
            } else {
                a.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
    other_shapes_give_none!();
}

/// `details.secgate_secret_digest.value` (16 hex digits), as secgate's own
/// GitLab reports write it. The rest of `details` is skipped unread, and any
/// other shape gives `None` without error (`details` was skipped, whatever it
/// held, before it was read).
fn details_digest<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretDigest>, D::Error> {
    /// The entry (`{"name", "type": "text", "value"}`): its `value`.
    struct Entry(Option<lenient::Text>);
    impl<'de> Deserialize<'de> for Entry {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(ValueAt::<lenient::Text>("value", std::marker::PhantomData))
                .map(Entry)
        }
    }
    let entry = d.deserialize_any(ValueAt::<Entry>(
        "secgate_secret_digest",
        std::marker::PhantomData,
    ))?;
    Ok(entry
        .and_then(|e| e.0)
        .and_then(|t| t.0)
        .and_then(|v| v.parse::<SecretDigest>().ok()))
}

/// One entry of `vulnerabilities[]`. Keys that are not declared here
/// (`evidence`, `tracking`, the rest of `details`...) are skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Vulnerability {
    #[serde(deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(deserialize_with = "scalar")]
    category: Option<String>,
    #[serde(deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(deserialize_with = "scalar")]
    message: Option<String>,
    #[serde(deserialize_with = "scalar")]
    description: Option<String>,
    #[serde(deserialize_with = "scalar")]
    cve: Option<String>,
    #[serde(deserialize_with = "scalar")]
    severity: Option<String>,
    #[serde(deserialize_with = "scalar")]
    confidence: Option<String>,
    #[serde(deserialize_with = "scalar")]
    solution: Option<String>,
    #[serde(deserialize_with = "object_or_empty")]
    scanner: Option<RawScanner>,
    #[serde(deserialize_with = "object_or_empty")]
    location: Option<RawLocation>,
    #[serde(deserialize_with = "lenient::list")]
    identifiers: Vec<RawIdentifier>,
    #[serde(deserialize_with = "lenient::list")]
    links: Vec<RawLink>,
    #[serde(deserialize_with = "lenient::list")]
    flags: Vec<RawFlag>,
    /// The secret (secret detection): only its digest is kept.
    #[serde(deserialize_with = "digest_of_secret")]
    raw_source_code_extract: Option<SecretDigest>,
    /// Only `secgate_secret_digest` is read.
    #[serde(deserialize_with = "details_digest")]
    details: Option<SecretDigest>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawScanner {
    #[serde(deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(deserialize_with = "scalar")]
    version: Option<String>,
    #[serde(deserialize_with = "object_or_empty")]
    vendor: Option<RawVendor>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawVendor {
    #[serde(deserialize_with = "scalar")]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawIdentifier {
    #[serde(rename = "type", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(deserialize_with = "scalar")]
    value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawLink {
    #[serde(deserialize_with = "scalar")]
    name: Option<String>,
    #[serde(deserialize_with = "scalar")]
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawFlag {
    #[serde(rename = "type", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(deserialize_with = "scalar")]
    origin: Option<String>,
    #[serde(deserialize_with = "scalar")]
    description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawLocation {
    #[serde(deserialize_with = "scalar")]
    file: Option<String>,
    #[serde(deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
    #[serde(deserialize_with = "lenient::uint")]
    end_line: Option<u32>,
    #[serde(deserialize_with = "object_or_empty")]
    dependency: Option<RawDependency>,
    #[serde(deserialize_with = "scalar")]
    image: Option<String>,
    #[serde(deserialize_with = "scalar")]
    operating_system: Option<String>,
    #[serde(deserialize_with = "scalar")]
    hostname: Option<String>,
    #[serde(deserialize_with = "scalar")]
    path: Option<String>,
    /// The HTTP method (DAST) or the method name (SAST).
    #[serde(deserialize_with = "scalar")]
    method: Option<String>,
    #[serde(deserialize_with = "scalar")]
    param: Option<String>,
    #[serde(deserialize_with = "object_or_empty")]
    commit: Option<RawCommit>,
    #[serde(deserialize_with = "scalar")]
    crash_type: Option<String>,
    #[serde(deserialize_with = "scalar")]
    crash_state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawDependency {
    #[serde(deserialize_with = "object_or_empty")]
    package: Option<RawPackage>,
    #[serde(deserialize_with = "scalar")]
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPackage {
    #[serde(deserialize_with = "scalar")]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCommit {
    #[serde(deserialize_with = "scalar")]
    sha: Option<String>,
}

/// The `scan` object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Scan {
    #[serde(rename = "type", deserialize_with = "scalar")]
    kind: Option<String>,
    #[serde(deserialize_with = "scalar")]
    status: Option<String>,
    #[serde(deserialize_with = "object_or_empty")]
    scanner: Option<RawScanner>,
    #[serde(deserialize_with = "object_or_empty")]
    analyzer: Option<RawScanner>,
    #[serde(deserialize_with = "lenient::list")]
    messages: Vec<RawMessage>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawMessage {
    #[serde(deserialize_with = "scalar")]
    level: Option<String>,
    #[serde(deserialize_with = "scalar")]
    value: Option<String>,
}

/// One entry of `remediations[]`. The `diff` (a base64 patch) is skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Remediation {
    #[serde(deserialize_with = "lenient::list")]
    fixes: Vec<RawFixRef>,
    #[serde(deserialize_with = "scalar")]
    summary: Option<String>,
}

/// `remediations[].fixes[]`: keyed by `cve` (schema 14) or `id` (schema 15).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawFixRef {
    #[serde(deserialize_with = "scalar")]
    id: Option<String>,
    #[serde(deserialize_with = "scalar")]
    cve: Option<String>,
}

/// Placeholder GitLab's own QA expectations use for ids, times and versions.
const SKIP: &str = ":SKIP:";

fn not_placeholder(s: Option<String>) -> Option<String> {
    s.filter(|v| v.trim() != SKIP)
}

fn to_scanner(raw: RawScanner) -> Option<Scanner> {
    let name = raw.name.filter(|n| !n.trim().is_empty());
    let id = raw.id.filter(|i| !i.trim().is_empty());
    let (id, name) = match (id, name) {
        (None, None) => return None,
        (Some(id), None) => (id.trim().to_ascii_lowercase(), id),
        (None, Some(name)) => (Scanner::id_from_name(&name), name),
        (Some(id), Some(name)) => (id.trim().to_ascii_lowercase(), name),
    };
    Some(
        Scanner {
            id,
            name,
            version: None,
            vendor: None,
        }
        .with_version(not_placeholder(raw.version))
        .with_vendor(raw.vendor.and_then(|v| v.name)),
    )
}

/// Identifier types that name a flaw across tools, not a scanner's own rule.
fn is_generic_scheme(scheme: &str) -> bool {
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "cve"
            | "cwe"
            | "owasp"
            | "ghsa"
            | "osvdb"
            | "usn"
            | "elsa"
            | "rhsa"
            | "dsa"
            | "alas"
            | "wasc"
            | "hackerone"
            | "nvd"
    )
}

/// Which kind of location the fields describe (step 3 of the category inference).
fn infer_from_location(loc: &RawLocation) -> Option<Category> {
    if loc.hostname.is_some() || (loc.path.is_some() && loc.method.is_some() && loc.file.is_none())
    {
        Some(Category::Dast)
    } else if loc.image.is_some() {
        Some(Category::ContainerScanning)
    } else if loc.crash_type.is_some() || loc.crash_state.is_some() {
        Some(Category::CoverageFuzzing)
    } else if loc.commit.is_some() {
        Some(Category::SecretDetection)
    } else if loc.file.is_some()
        && loc
            .dependency
            .as_ref()
            .and_then(|d| d.package.as_ref())
            .is_some_and(|p| p.name.is_some())
    {
        Some(Category::DependencyScanning)
    } else if loc.file.is_some() {
        Some(Category::Sast)
    } else {
        None
    }
}

fn package_of(dep: Option<RawDependency>) -> Package {
    let dep = dep.unwrap_or_default();
    Package {
        name: dep.package.and_then(|p| p.name).unwrap_or_default(),
        version: dep.version,
        purl: None,
    }
}

fn source_location(loc: RawLocation) -> Location {
    match loc.file {
        Some(file) => Location::Source {
            file,
            start_line: loc.start_line,
            end_line: loc.end_line,
            snippet: None,
        },
        None => Location::None,
    }
}

fn dast_location(loc: RawLocation) -> Location {
    let host = loc.hostname.unwrap_or_default();
    let path = loc.path.unwrap_or_default();
    let url = if host.is_empty() || path.is_empty() || host.ends_with('/') || path.starts_with('/')
    {
        format!("{host}{path}")
    } else {
        format!("{host}/{path}")
    };
    if url.is_empty() {
        return Location::None;
    }
    Location::Dast {
        url,
        method: loc.method.map(|m| m.trim().to_ascii_uppercase()),
        param: loc.param,
    }
}

/// Builds the location of the kind the category implies, or of the kind the
/// fields show when they do not fit the category (an artifact of another type).
fn build_location(
    category: &Category,
    loc: Option<RawLocation>,
    digest: Option<SecretDigest>,
) -> Location {
    let Some(loc) = loc else {
        return Location::None;
    };
    let kind = match category {
        Category::Sast | Category::Misconfiguration if loc.file.is_some() => Category::Sast,
        Category::Dast | Category::ApiFuzzing if loc.hostname.is_some() || loc.path.is_some() => {
            Category::Dast
        }
        Category::ContainerScanning if loc.image.is_some() || loc.dependency.is_some() => {
            Category::ContainerScanning
        }
        Category::DependencyScanning if loc.dependency.is_some() => Category::DependencyScanning,
        Category::SecretDetection if loc.file.is_some() => Category::SecretDetection,
        Category::CoverageFuzzing if loc.crash_type.is_some() || loc.crash_state.is_some() => {
            Category::CoverageFuzzing
        }
        _ => infer_from_location(&loc).unwrap_or(Category::Sast),
    };
    match kind {
        Category::Dast => dast_location(loc),
        Category::ContainerScanning => Location::Container {
            image: loc.image.unwrap_or_default(),
            operating_system: loc.operating_system,
            package: package_of(loc.dependency),
        },
        Category::DependencyScanning => Location::Dependency {
            file: loc.file,
            package: package_of(loc.dependency),
        },
        Category::SecretDetection => match loc.file {
            Some(file) => Location::Secret {
                file,
                line: loc.start_line,
                commit: loc
                    .commit
                    .and_then(|c| c.sha)
                    .filter(|s| !s.trim().chars().all(|c| c == '0')),
                digest,
            },
            None => Location::None,
        },
        Category::CoverageFuzzing => {
            let frame = loc
                .crash_state
                .as_deref()
                .and_then(|s| s.lines().map(str::trim).find(|l| !l.is_empty()))
                .map(str::to_string);
            Location::Resource {
                kind: loc.crash_type.clone().or(Some("crash".into())),
                name: frame.or(loc.crash_type).unwrap_or_default(),
            }
        }
        _ => source_location(loc),
    }
}

/// Fixed versions from an upgrade advice: `Upgrade curl to 7.61.1-r0`,
/// `Upgrade to version 2.2.3 or above.`, `Upgrade async to 2.6.4, 3.2.2`,
/// `Upgrade to versions 1.2.3, 2.0.1 or above`. Anything else gives nothing.
pub(crate) fn fixed_versions_from_advice(text: &str) -> Vec<String> {
    let t = text.trim();
    let Some(rest) = t
        .strip_prefix("Upgrade ")
        .or_else(|| t.strip_prefix("upgrade "))
    else {
        return Vec::new();
    };
    let Some(pos) = rest
        .rfind(" to ")
        .map(|p| p + 4)
        .or_else(|| rest.strip_prefix("to ").map(|_| 3))
    else {
        return Vec::new();
    };
    let mut list = &rest[pos..];
    for prefix in ["versions ", "version "] {
        if let Some(r) = list.strip_prefix(prefix) {
            list = r;
        }
    }
    let list = list
        .split('\n')
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.');
    let list = list
        .trim_end_matches(" or above")
        .trim_end_matches(" or later")
        .trim_end_matches(" or higher");
    list.split([',', ' '])
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && *v != "or" && *v != "and")
        .filter(|v| {
            let v = v.strip_prefix('v').unwrap_or(v);
            let v = v
                .split_once(':')
                .map(|(e, r)| {
                    if e.bytes().all(|b| b.is_ascii_digit()) {
                        r
                    } else {
                        v
                    }
                })
                .unwrap_or(v);
            v.bytes().next().is_some_and(|b| b.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .trim_start_matches('#')
        .trim();
    if line.chars().count() > 160 {
        let cut: String = line.chars().take(157).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// Converts a top-level object that has `vulnerabilities`.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let TopObject {
        version,
        vulnerabilities,
        scan,
        remediations,
        schema,
        ..
    } = top;
    let mut report = Report::new(Format::GitlabSecurity);
    report.format_version = version.or(schema);
    let scan = scan.unwrap_or_default();
    let scan_category = scan.kind.as_deref().map(Category::parse);

    // Status: only `success` (or no status at all, before schema 14) is a success.
    match scan
        .status
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
    {
        None => {}
        Some(s) if s == "success" || s == "succeeded" => {}
        Some(s) => {
            let mut reasons: Vec<String> = scan
                .messages
                .into_iter()
                .filter_map(|m| match (m.level, m.value) {
                    (Some(l), Some(v)) => Some(format!("{l}: {v}")),
                    (None, Some(v)) => Some(v),
                    _ => None,
                })
                .collect();
            if reasons.is_empty() {
                reasons.push(format!(
                    "the report says scan.status is `{s}`, with no message"
                ));
            }
            report.status = ScanStatus::Failed { reasons };
        }
    }

    let report_scanner = scan
        .scanner
        .and_then(to_scanner)
        .or_else(|| scan.analyzer.and_then(to_scanner));
    if let Some(s) = &report_scanner {
        report.scanners.push(s.clone());
    }

    // Remediation summaries, by the finding id or cve they fix.
    let mut advice: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for r in remediations {
        if let Some(summary) = r.summary {
            for f in r.fixes {
                for key in [f.id, f.cve].into_iter().flatten() {
                    advice.entry(key).or_insert_with(|| summary.clone());
                }
            }
        }
    }

    let vulnerabilities = vulnerabilities.unwrap_or_default();
    let mut findings = Vec::with_capacity(vulnerabilities.len());
    for v in vulnerabilities {
        let category = scan_category
            .clone()
            .or_else(|| v.category.as_deref().map(Category::parse))
            .or_else(|| v.location.as_ref().and_then(infer_from_location))
            .unwrap_or(Category::Sast);
        let scanner = v
            .scanner
            .and_then(to_scanner)
            .map(|mut s| {
                if let Some(r) = &report_scanner {
                    if r.id == s.id {
                        s.version = s.version.or(r.version.clone());
                        s.vendor = s.vendor.or(r.vendor.clone());
                    }
                }
                s
            })
            .or_else(|| report_scanner.clone())
            .unwrap_or_else(|| Scanner::named("GitLab"));
        if !report.scanners.contains(&scanner) {
            report.scanners.push(scanner.clone());
        }
        let severity = v
            .severity
            .as_deref()
            .and_then(Severity::parse_lenient)
            .unwrap_or(Severity::Unknown);
        // The secret's digest, in the order of the module docs.
        let digest = v.details.or(v.raw_source_code_extract).or_else(|| {
            v.cve
                .as_deref()
                .and_then(|c| c.split(':').find_map(SecretDigest::from_sha256_hex))
        });
        let location = build_location(&category, v.location, digest);

        let mut identifiers = Vec::with_capacity(v.identifiers.len() + 1);
        let mut rule_id = None;
        for raw in v.identifiers {
            let Some(value) = raw.value else { continue };
            let scheme = raw.kind.unwrap_or_default();
            if rule_id.is_none() && !scheme.is_empty() && !is_generic_scheme(&scheme) {
                rule_id = Some(value.trim().to_string());
            }
            let id = Identifier::from_scheme(&scheme, &value);
            if !identifiers.contains(&id) {
                identifiers.push(id);
            }
        }
        // `cve` is a plain id in some reports (`CVE-2019-1549`, a ZAP plugin id),
        // a compound key (`file:hash:rule`) in others: only a plain one is kept.
        let cve = v.cve.filter(|c| !c.contains(':') && !c.contains(' '));
        if let Some(c) = &cve {
            if let Ok(id) = c.parse::<Identifier>() {
                if !identifiers.contains(&id) {
                    identifiers.push(id);
                }
            } else if rule_id.is_none() {
                rule_id = Some(c.trim().to_string());
            }
        }

        let description = v.description;
        let title = v
            .name
            .clone()
            .or_else(|| v.message.clone())
            .or_else(|| {
                description
                    .as_deref()
                    .map(first_line)
                    .filter(|l| !l.is_empty())
            })
            .or_else(|| rule_id.clone())
            .or_else(|| identifiers.first().map(|i| i.to_string()))
            .unwrap_or_else(|| "(untitled finding)".to_string());
        let source_id = not_placeholder(v.id);
        let remediation = source_id
            .as_ref()
            .and_then(|id| advice.get(id))
            .or_else(|| cve.as_ref().and_then(|c| advice.get(c)))
            .cloned();
        let solution = v.solution.or(remediation.clone());
        let mut fixed = solution
            .as_deref()
            .map(fixed_versions_from_advice)
            .unwrap_or_default();
        if fixed.is_empty() {
            if let Some(r) = &remediation {
                fixed = fixed_versions_from_advice(r);
            }
        }

        let mut f = Finding::new(scanner, category, severity, title, location);
        f.original_severity = v.severity;
        f.confidence = v
            .confidence
            .as_deref()
            .map(Confidence::parse_lenient)
            .unwrap_or(Confidence::Unknown);
        f.rule_id = rule_id;
        f.identifiers = identifiers;
        f.description = description.or_else(|| {
            // A message that is not the title says something the title does not.
            v.message
                .filter(|m| Some(m) != v.name.as_ref() && v.name.is_some())
        });
        let status = if !fixed.is_empty() {
            None
        } else {
            solution.as_deref().and_then(fix_status_from_advice)
        };
        f.solution = solution;
        f.fix = Fix {
            fixed_versions: fixed,
            status,
        };
        f.links = v
            .links
            .into_iter()
            .filter_map(|l| {
                l.url.map(|url| Link {
                    name: l.name,
                    url: url.trim().to_string(),
                })
            })
            .collect();
        f.source_id = source_id;
        for flag in v.flags {
            let kind = flag.kind.unwrap_or_else(|| "flag".into());
            let mut note = format!(
                "finding `{}` at {} is {}",
                f.title,
                f.location.describe(),
                kind.replace('-', " ")
            );
            if let Some(o) = flag.origin {
                note.push_str(&format!(" (by {o})"));
            }
            if let Some(d) = flag.description {
                note.push_str(&format!(": {d}"));
            }
            note.push_str("; it is kept as a finding");
            report.notes.push(note);
        }
        findings.push(f);
    }

    report.category = scan_category.or_else(|| {
        let first = findings.first()?.category.clone();
        findings
            .iter()
            .all(|f| f.category == first)
            .then_some(first)
    });
    // A dependency or container scanner that writes a solution for the
    // vulnerabilities it can fix (GitLab's analyzers do) says, by writing none,
    // that there is no fix. A report with no solution at all says nothing
    // about fixes: its findings stay unknown, and `ignore_unfixed` does not
    // drop them.
    let writes_fixes = findings.iter().any(|f| {
        matches!(
            f.category,
            Category::DependencyScanning | Category::ContainerScanning
        ) && (f.fix.is_fixable() || f.solution.is_some())
    });
    if writes_fixes {
        for f in &mut findings {
            if matches!(
                f.category,
                Category::DependencyScanning | Category::ContainerScanning
            ) && f.solution.is_none()
                && f.fix.fixed_versions.is_empty()
                && f.fix.status.is_none()
            {
                f.fix.status = Some(secgate_core::FixStatus::Affected);
            }
        }
    }
    report.findings = findings;
    Ok(report)
}

/// What an advice with no version in it says about a fix: one to upgrade or
/// update (`Upgrade to the latest version`, `Update to version 1.2.3`) means
/// a fix exists; `No solution provided`, `There is no fix available` that
/// none does; anything else says nothing.
pub(crate) fn fix_status_from_advice(text: &str) -> Option<secgate_core::FixStatus> {
    use secgate_core::FixStatus;
    let t = text.trim().to_ascii_lowercase();
    let none = [
        "no solution",
        "no fix",
        "not fixed",
        "no known fix",
        "no patch",
        "no upgrade",
        "there is no solution",
        "unfortunately, there is no",
        "will not be fixed",
        "won't fix",
    ];
    if none.iter().any(|n| t.contains(n)) {
        Some(FixStatus::Affected)
    } else if ["upgrade", "update", "bump"]
        .iter()
        .any(|w| t.starts_with(w))
    {
        Some(FixStatus::Fixed)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report whose scanner writes solutions says "no fix" by writing none;
    /// a report with no solution at all says nothing about fixes.
    #[test]
    fn a_missing_solution_is_no_fix_only_where_the_report_writes_solutions() {
        let report = |vulns: &str| {
            format!(
                r#"{{"version":"15.0.4","vulnerabilities":[{vulns}],"scan":{{"type":"container_scanning","status":"success",
                "start_time":"2024-01-01T00:00:00","end_time":"2024-01-01T00:00:01",
                "scanner":{{"id":"trivy","name":"Trivy","version":"0.50","vendor":{{"name":"GitLab"}}}},
                "analyzer":{{"id":"cs","name":"cs","version":"7","vendor":{{"name":"GitLab"}}}}}}}}"#
            )
        };
        let vuln = |id: &str, solution: Option<&str>| {
            let sol = solution
                .map(|s| format!(r#","solution":"{s}""#))
                .unwrap_or_default();
            format!(
                r#"{{"id":"{id}","name":"{id}","severity":"High"{sol},
                "location":{{"image":"alpine:3","operating_system":"alpine 3","dependency":{{"package":{{"name":"p{id}"}},"version":"1"}}}},
                "identifiers":[{{"type":"cve","name":"CVE-2024-{id}","value":"CVE-2024-{id}"}}]}}"#
            )
        };
        let r = crate::parse(
            report(
                &[
                    vuln("1001", Some("Upgrade p to 2")),
                    vuln("1002", None),
                    vuln("1003", Some("No solution provided")),
                ]
                .join(","),
            )
            .as_bytes(),
        )
        .unwrap();
        let unfixed: Vec<bool> = r
            .findings
            .iter()
            .map(|f| f.fix.is_known_unfixed())
            .collect();
        assert_eq!(unfixed, [false, true, true]);
        let r =
            crate::parse(report(&[vuln("1001", None), vuln("1002", None)].join(",")).as_bytes())
                .unwrap();
        assert!(r
            .findings
            .iter()
            .all(|f| !f.fix.is_known_unfixed() && !f.fix.is_fixable()));
    }

    #[test]
    fn advice_says_whether_a_fix_exists() {
        use secgate_core::FixStatus;
        for (text, want) in [
            ("Upgrade to the latest version", Some(FixStatus::Fixed)),
            ("Update to version 1.2.3", Some(FixStatus::Fixed)),
            ("upgrade the package", Some(FixStatus::Fixed)),
            ("No solution provided", Some(FixStatus::Affected)),
            (
                "Unfortunately, there is no solution available yet.",
                Some(FixStatus::Affected),
            ),
            ("There is no fix available", Some(FixStatus::Affected)),
            ("Sanitize the input", None),
            ("", None),
        ] {
            assert_eq!(fix_status_from_advice(text), want, "{text}");
        }
    }

    #[test]
    fn blank_is_trim_empty() {
        for v in [
            "",
            " ",
            "\t\n",
            "\u{a0}",
            "\u{2003}x",
            "x",
            " x ",
            "\u{1b}",
            "é",
            "\u{feff}",
        ] {
            assert_eq!(blank(v), v.trim().is_empty(), "{v:?}");
        }
    }

    #[test]
    fn advice_parsing() {
        assert_eq!(
            fixed_versions_from_advice("Upgrade curl to 7.61.1-r0"),
            vec!["7.61.1-r0"]
        );
        assert_eq!(
            fixed_versions_from_advice("Upgrade to version 2.2.3 or above."),
            vec!["2.2.3"]
        );
        assert_eq!(
            fixed_versions_from_advice("Upgrade async to 2.6.4, 3.2.2"),
            vec!["2.6.4", "3.2.2"]
        );
        assert_eq!(
            fixed_versions_from_advice("Upgrade to versions 1.2.3, 2.0.1 or above"),
            vec!["1.2.3", "2.0.1"]
        );
        assert_eq!(
            fixed_versions_from_advice("Upgrade openssl to 1:1.0.2k-19.el7"),
            vec!["1:1.0.2k-19.el7"]
        );
        assert!(fixed_versions_from_advice("No solution provided").is_empty());
        assert!(fixed_versions_from_advice("Upgrade to the latest version").is_empty());
        assert!(fixed_versions_from_advice("").is_empty());
    }

    #[test]
    fn location_inference() {
        let loc = |j: &str| serde_json::from_str::<RawLocation>(j).unwrap();
        assert_eq!(
            infer_from_location(&loc(
                r#"{"hostname":"http://x","path":"/a","method":"GET"}"#
            )),
            Some(Category::Dast)
        );
        assert_eq!(
            infer_from_location(&loc(
                r#"{"image":"alpine:3","dependency":{"package":{"name":"a"}}}"#
            )),
            Some(Category::ContainerScanning)
        );
        assert_eq!(
            infer_from_location(&loc(
                r#"{"file":"go.sum","dependency":{"package":{"name":"a"},"version":"1"}}"#
            )),
            Some(Category::DependencyScanning)
        );
        assert_eq!(
            infer_from_location(&loc(r#"{"file":"a.py","commit":{"sha":"abc"}}"#)),
            Some(Category::SecretDetection)
        );
        assert_eq!(
            infer_from_location(&loc(
                r#"{"file":"a.py","start_line":3,"dependency":{"package":{}}}"#
            )),
            Some(Category::Sast)
        );
        assert_eq!(
            infer_from_location(&loc(r#"{"crash_type":"x","crash_state":"f\ng"}"#)),
            Some(Category::CoverageFuzzing)
        );
        assert_eq!(infer_from_location(&loc("{}")), None);
    }
}
