//! Stable finding fingerprints.
//!
//! A fingerprint is SHA-256 over facts that survive lines moving, so that a
//! baseline or an exception taken on one run still matches the same finding on
//! the next, and so that two formats that carry the same facts agree (the same
//! CVE in the same package of the same image, from Trivy JSON and from a GitLab
//! container-scanning report, has one fingerprint).
//!
//! ## Version 1 (`secgate-fp-v1`)
//! The hashed text is the NUL-joined list:
//!
//! 1. the domain tag `secgate-fp-v1`;
//! 2. the primary identifier ([`Finding::primary_id`]: lowest CVE, else lowest
//!    GHSA, else rule id, else first identifier), or the title when there is none;
//! 3. the location kind and its stable facts:
//!    - source: `src`, the normalised path, the normalised snippet (whitespace
//!      runs folded to one space, trimmed; empty when the report has none);
//!    - secret: `secret`, the normalised path;
//!    - dependency: `dep`, the normalised manifest path, the lowercase package
//!      name, the installed version;
//!    - container: `pkg`, the normalised image, the lowercase package name, the
//!      installed version;
//!    - DAST: `dast`, the upper-case method, the URL without query or fragment,
//!      the parameter;
//!    - resource: `res`, the kind, the name;
//!    - none: `none`;
//! 4. the occurrence: `0` for the first finding (in line order) with the same
//!    2 and 3 in one report, `1` for the second, and so on.
//!
//! Line numbers, the scanner, the severity and the description are never
//! hashed: a line moving, a scanner upgrade that re-rates a CVE, or a reworded
//! advisory do not make a finding new. Paths are normalised by turning `\` into
//! `/` and removing a leading `./` or `/`; images by removing a Trivy
//! `" (os version)"` suffix and a `docker.io/library/` or `docker.io/` prefix.
//!
//! ```
//! use secgate_core::{fingerprint, Category, Finding, Location, Scanner, Severity};
//! let mut a = vec![Finding::new(Scanner::named("semgrep"), Category::Sast, Severity::High,
//!     "eval", Location::Source { file: "app.py".into(), start_line: Some(3), end_line: None,
//!     snippet: Some("eval(x)".into()) })];
//! let mut b = a.clone();
//! if let Location::Source { start_line, .. } = &mut b[0].location { *start_line = Some(40); }
//! fingerprint::assign(&mut a);
//! fingerprint::assign(&mut b);
//! assert_eq!(a[0].fingerprint, b[0].fingerprint); // the line moved, the fingerprint did not
//! ```

use crate::finding::{Finding, Location};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A SHA-256 fingerprint; shown and serialised as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The all-zero fingerprint of a finding that has not been fingerprinted yet.
    pub const ZERO: Fingerprint = Fingerprint([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }

    /// The first `n` hex digits (for display).
    pub fn short(&self, n: usize) -> String {
        let mut h = self.to_hex();
        h.truncate(n.min(64));
        h
    }

    /// SHA-256 of the given parts, NUL-joined.
    pub fn of_parts<I, S>(parts: I) -> Fingerprint
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut h = Sha256::new();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                h.update([0u8]);
            }
            h.update(p.as_ref());
        }
        Fingerprint(h.finalize().into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// The error of parsing a fingerprint from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintError(pub String);

impl fmt::Display for FingerprintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a fingerprint (expected 64 hex digits)", self.0)
    }
}

impl std::error::Error for FingerprintError {}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() != 64 || !t.is_ascii() {
            return Err(FingerprintError(s.to_string()));
        }
        let mut out = [0u8; 32];
        for (i, chunk) in t.as_bytes().chunks(2).enumerate() {
            let hi = (chunk[0] as char).to_digit(16);
            let lo = (chunk[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(h), Some(l)) => out[i] = (h * 16 + l) as u8,
                _ => return Err(FingerprintError(s.to_string())),
            }
        }
        Ok(Fingerprint(out))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Normalises a path for fingerprints: `\` to `/`, no leading `./` or `/`.
pub fn normalize_path(path: &str) -> String {
    let mut p = path.trim().replace('\\', "/");
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest.to_string();
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest.to_string();
        } else {
            break;
        }
    }
    p
}

/// Normalises an image reference for fingerprints: no Trivy `" (alpine 3.10.2)"`
/// suffix, no `docker.io/library/` or `docker.io/` prefix.
pub fn normalize_image(image: &str) -> String {
    let mut i = image.trim();
    if let Some(pos) = i.find(" (") {
        if i.ends_with(')') {
            i = &i[..pos];
        }
    }
    let i = i
        .strip_prefix("docker.io/library/")
        .or_else(|| i.strip_prefix("index.docker.io/library/"))
        .or_else(|| i.strip_prefix("docker.io/"))
        .unwrap_or(i);
    i.to_string()
}

/// Folds whitespace runs to one space and trims.
pub fn normalize_snippet(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    for word in snippet.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The stable, line-free key of a finding (parts 2 and 3 of the fingerprint text).
pub fn stable_key(f: &Finding) -> Vec<String> {
    let id = f.primary_id().unwrap_or_else(|| f.title.trim().to_string());
    let mut parts = vec![id];
    match &f.location {
        Location::Source { file, snippet, .. } => {
            parts.push("src".into());
            parts.push(normalize_path(file));
            parts.push(snippet.as_deref().map(normalize_snippet).unwrap_or_default());
        }
        Location::Secret { file, .. } => {
            parts.push("secret".into());
            parts.push(normalize_path(file));
        }
        Location::Dependency { file, package } => {
            parts.push("dep".into());
            parts.push(file.as_deref().map(normalize_path).unwrap_or_default());
            parts.push(package.name.trim().to_lowercase());
            parts.push(package.version.clone().unwrap_or_default());
        }
        Location::Container { image, package, .. } => {
            parts.push("pkg".into());
            parts.push(normalize_image(image));
            parts.push(package.name.trim().to_lowercase());
            parts.push(package.version.clone().unwrap_or_default());
        }
        Location::Dast { url, method, param } => {
            parts.push("dast".into());
            parts.push(method.clone().unwrap_or_default().to_ascii_uppercase());
            parts.push(strip_query(url.trim()).to_string());
            parts.push(param.clone().unwrap_or_default());
        }
        Location::Resource { kind, name } => {
            parts.push("res".into());
            parts.push(kind.clone().unwrap_or_default());
            parts.push(name.clone());
        }
        Location::None => parts.push("none".into()),
    }
    parts
}

/// The fingerprint of a finding given its occurrence number (see the module docs).
pub fn compute(f: &Finding, occurrence: usize) -> Fingerprint {
    hash_key(&stable_key(f), occurrence)
}

fn hash_key(key: &[String], occurrence: usize) -> Fingerprint {
    let occ = occurrence.to_string();
    Fingerprint::of_parts(
        std::iter::once("secgate-fp-v1")
            .chain(key.iter().map(String::as_str))
            .chain(std::iter::once(occ.as_str())),
    )
}

/// Assigns fingerprints to all findings of one report, numbering occurrences of
/// the same key in line order (ties in input order).
pub fn assign(findings: &mut [Finding]) {
    let keys: Vec<Vec<String>> = findings.iter().map(stable_key).collect();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (findings[i].location.line().unwrap_or(0), i));
    let mut seen: HashMap<&[String], usize> = HashMap::with_capacity(findings.len());
    let mut occurrence = vec![0usize; findings.len()];
    for &i in &order {
        let n = seen.entry(keys[i].as_slice()).or_insert(0);
        occurrence[i] = *n;
        *n += 1;
    }
    for (i, f) in findings.iter_mut().enumerate() {
        f.fingerprint = hash_key(&keys[i], occurrence[i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Package, Scanner};
    use crate::identifier::Identifier;
    use crate::severity::Severity;

    fn container(scanner: &str, image: &str, cve: &str, pkg: &str, ver: &str) -> Finding {
        let mut f = Finding::new(
            Scanner::named(scanner),
            Category::ContainerScanning,
            Severity::High,
            format!("{cve} in {pkg}"),
            Location::Container {
                image: image.into(),
                operating_system: Some("alpine 3.10.2".into()),
                package: Package {
                    name: pkg.into(),
                    version: Some(ver.into()),
                    purl: None,
                },
            },
        );
        f.add_identifier(cve.parse().unwrap());
        f
    }

    fn source(file: &str, line: u32, snippet: Option<&str>) -> Finding {
        let mut f = Finding::new(
            Scanner::named("semgrep"),
            Category::Sast,
            Severity::Medium,
            "Use of eval",
            Location::Source {
                file: file.into(),
                start_line: Some(line),
                end_line: Some(line),
                snippet: snippet.map(str::to_string),
            },
        );
        f.rule_id = Some("python.eval".into());
        f
    }

    /// Golden values: changing them breaks every stored baseline and exception.
    #[test]
    fn golden_fingerprints() {
        let mut v = vec![container(
            "trivy",
            "alpine:3.10 (alpine 3.10.2)",
            "CVE-2019-1549",
            "openssl",
            "1.1.1c-r0",
        )];
        assign(&mut v);
        assert_eq!(
            v[0].fingerprint.to_hex(),
            "224c307192270c0ad6a58a96ee34d478468186d27bc7a3901e4374de3d690b22"
        );
        let mut s = vec![source("./src/app.py", 10, Some("  eval(\n  user_input)"))];
        assign(&mut s);
        assert_eq!(s[0].fingerprint.to_hex(), "756bea1a4921667e20cbc7b46d403e071c0d92130eb1603988d35a7058f2b7e6");
    }

    #[test]
    fn same_facts_from_two_formats_agree() {
        let mut trivy = vec![container(
            "trivy",
            "alpine:3.10 (alpine 3.10.2)",
            "CVE-2019-1549",
            "openssl",
            "1.1.1c-r0",
        )];
        let mut gitlab = vec![container(
            "GitLab container scanning",
            "docker.io/library/alpine:3.10",
            "cve-2019-1549",
            "OpenSSL",
            "1.1.1c-r0",
        )];
        gitlab[0].severity = Severity::Critical;
        gitlab[0].add_identifier(Identifier::Cwe(200));
        assign(&mut trivy);
        assign(&mut gitlab);
        assert_eq!(trivy[0].fingerprint, gitlab[0].fingerprint);
    }

    #[test]
    fn lines_moving_keep_fingerprints_and_duplicates_stay_distinct() {
        let mut a = vec![
            source("src/app.py", 10, Some("eval(x)")),
            source("src/app.py", 20, Some("eval(x)")),
        ];
        let mut b = vec![
            source("src/app.py", 55, Some("eval(x)")),
            source("src/app.py", 30, Some("  eval(x)\n")),
        ];
        assign(&mut a);
        assign(&mut b);
        assert_ne!(a[0].fingerprint, a[1].fingerprint);
        // order by line: b[1] (line 30) is the first occurrence, b[0] the second
        assert_eq!(a[0].fingerprint, b[1].fingerprint);
        assert_eq!(a[1].fingerprint, b[0].fingerprint);
    }

    #[test]
    fn different_facts_differ() {
        let mut v = vec![
            container("trivy", "alpine:3.10", "CVE-2019-1549", "openssl", "1.1.1c-r0"),
            container("trivy", "alpine:3.11", "CVE-2019-1549", "openssl", "1.1.1c-r0"),
            container("trivy", "alpine:3.10", "CVE-2019-1550", "openssl", "1.1.1c-r0"),
            container("trivy", "alpine:3.10", "CVE-2019-1549", "openssl", "1.1.1d-r0"),
        ];
        assign(&mut v);
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                assert_ne!(v[i].fingerprint, v[j].fingerprint, "{i} vs {j}");
            }
        }
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let f = Fingerprint::of_parts(["a", "b"]);
        assert_eq!(f.to_hex().parse::<Fingerprint>().unwrap(), f);
        assert!("zz".parse::<Fingerprint>().is_err());
        assert!("g".repeat(64).parse::<Fingerprint>().is_err());
        let j = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Fingerprint>(&j).unwrap(), f);
    }

    #[test]
    fn normalisers() {
        assert_eq!(normalize_path(".\\src\\a.py"), "src/a.py");
        assert_eq!(normalize_path("/conf/aws.tf"), "conf/aws.tf");
        assert_eq!(normalize_image("alpine:3.10 (alpine 3.10.2)"), "alpine:3.10");
        assert_eq!(normalize_image("docker.io/library/nginx:1"), "nginx:1");
        assert_eq!(normalize_snippet(" a \n\t b "), "a b");
        assert_eq!(strip_query("https://x/y?q=1#f"), "https://x/y");
    }
}
