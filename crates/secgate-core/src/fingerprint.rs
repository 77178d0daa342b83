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
//!    - secret: `secret`, the normalised path, then the secret's digest
//!      ([`SecretDigest`]: the first 16 hex digits of the SHA-256 of the secret
//!      text) when the report carries the secret or its digest; when it carries
//!      neither (Trivy, which redacts the match; a SARIF result without a
//!      snippet; a redacted gitleaks report), no part is added and the
//!      fingerprint is the one earlier versions computed;
//!    - dependency: `dep`, the normalised manifest path, the lowercase package
//!      name, the installed version;
//!    - container: `pkg`, the normalised image, the lowercase package name, the
//!      installed version;
//!    - DAST: `dast`, the upper-case method, the URL without query or fragment,
//!      the parameter;
//!    - resource: `res`, the kind, the name;
//!    - none: `none`;
//! 4. the occurrence: `0` for the first finding (in line order; ties by the full
//!    location text, the title and the producer's id) with the same 2 and 3 in
//!    one report, `1` for the second, and so on.
//!
//! Line numbers, the scanner, the severity and the description are never
//! hashed: a line moving, a scanner upgrade that re-rates a CVE, or a reworded
//! advisory do not make a finding new. The secret's digest is hashed so that a
//! different secret of the same rule in the same file (a rotated key committed
//! in the old key's place) is a new finding, not the old one renumbered: a
//! baseline must not pass it as existing. A baseline or an exception written
//! before the digest was hashed holds the digest-free fingerprints, so secret
//! findings that now carry a digest look new against it (the gate fails
//! closed); record the baseline again. Paths are normalised by turning `\` into
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
use std::borrow::Cow;
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
        write!(
            f,
            "`{}` is not a fingerprint (expected 64 hex digits)",
            self.0
        )
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

/// The digest of a secret: the first 16 hex digits (lowercase) of the
/// SHA-256 of the secret text, the same digits `secgate-secrets` prints in its
/// fingerprints (`<rule-id>:<digest>`). It is hashed into the fingerprint of a
/// secret finding (see the module docs), so that two different secrets of one
/// rule in one file are two findings.
///
/// It can only be made by hashing ([`SecretDigest::of`]) or from digits
/// (a full SHA-256 in hex, or the 16 digits themselves): never from the secret
/// text by mistake. It is not the secret, but a short hash of a weak secret can
/// be tested against guesses: it is kept out of human-readable outputs.
///
/// ```
/// use secgate_core::SecretDigest;
/// let d = SecretDigest::of("not-a-real-secret");
/// assert_eq!(d.as_str().len(), 16);
/// assert_eq!(d.as_str().parse::<SecretDigest>(), Ok(d));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretDigest([u8; SecretDigest::HEX_DIGITS]);

impl SecretDigest {
    /// How many hex digits of the SHA-256 are kept.
    pub const HEX_DIGITS: usize = 16;

    /// The digest of a secret's text (its bytes as the report or the file holds them).
    pub fn of(secret: impl AsRef<[u8]>) -> SecretDigest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let d = Sha256::digest(secret.as_ref());
        let mut out = [0u8; Self::HEX_DIGITS];
        for (i, b) in d.iter().take(Self::HEX_DIGITS / 2).enumerate() {
            out[2 * i] = HEX[(b >> 4) as usize];
            out[2 * i + 1] = HEX[(b & 15) as usize];
        }
        SecretDigest(out)
    }

    /// The digest from a secret's full SHA-256 written as 64 hex digits (any
    /// case), as GitLab's secret detection writes it in a `cve` key and
    /// `secgate-secrets` in `secret_sha256`; `None` for anything else.
    pub fn from_sha256_hex(sha256: &str) -> Option<SecretDigest> {
        let t = sha256.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        t[..Self::HEX_DIGITS].parse().ok()
    }

    /// The 16 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretDigest({})", self.as_str())
    }
}

/// The error of parsing a secret digest from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDigestError;

impl fmt::Display for SecretDigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The text is not repeated: it may be a secret given by mistake.
        write!(
            f,
            "not a secret digest (expected {} hex digits)",
            SecretDigest::HEX_DIGITS
        )
    }
}

impl std::error::Error for SecretDigestError {}

impl FromStr for SecretDigest {
    type Err = SecretDigestError;

    /// Exactly 16 hex digits, any case, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().as_bytes();
        if t.len() != Self::HEX_DIGITS || !t.iter().all(u8::is_ascii_hexdigit) {
            return Err(SecretDigestError);
        }
        let mut out = [0u8; Self::HEX_DIGITS];
        for (o, b) in out.iter_mut().zip(t) {
            *o = b.to_ascii_lowercase();
        }
        Ok(SecretDigest(out))
    }
}

impl Serialize for SecretDigest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SecretDigest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The part of `file` under the directory `dir` (both written with `/`; a
/// trailing `/` on `dir` is ignored): `under_dir("/b/p/src/a.py", "/b/p")` is
/// `Some("src/a.py")`; `None` when `file` is not under `dir` (`/b/px/a.py`
/// is not under `/b/p`) or `dir` is empty.
///
/// ```
/// use secgate_core::fingerprint::under_dir;
/// assert_eq!(under_dir("/b/p/src/a.py", "/b/p/"), Some("src/a.py"));
/// assert_eq!(under_dir("/b/px/a.py", "/b/p"), None);
/// ```
pub fn under_dir<'a>(file: &'a str, dir: &str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return None;
    }
    file.strip_prefix(dir)?.strip_prefix('/')
}

/// Normalises a path for fingerprints: `\` to `/`, no leading `./` or `/`.
pub fn normalize_path(path: &str) -> String {
    path_part(path).into_owned()
}

/// Removes leading `./` and `/` segments.
fn strip_leading(mut t: &str) -> &str {
    loop {
        if let Some(rest) = t.strip_prefix("./") {
            t = rest;
        } else if let Some(rest) = t.strip_prefix('/') {
            t = rest;
        } else {
            return t;
        }
    }
}

/// Normalises an image reference for fingerprints: no Trivy `" (alpine 3.10.2)"`
/// suffix, no `docker.io/library/` or `docker.io/` prefix.
pub fn normalize_image(image: &str) -> String {
    normalized_image(image).to_string()
}

/// [`normalize_image`] as a slice of its input.
fn normalized_image(image: &str) -> &str {
    let mut i = image.trim();
    // The cheap test first: most names have no "(...)" suffix, and a
    // substring search costs more to set up than it searches here.
    if i.ends_with(')') {
        if let Some(pos) = i.find(" (") {
            i = &i[..pos];
        }
    }
    i.strip_prefix("docker.io/library/")
        .or_else(|| i.strip_prefix("index.docker.io/library/"))
        .or_else(|| i.strip_prefix("docker.io/"))
        .unwrap_or(i)
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
    let mut parts = Vec::with_capacity(5);
    for_each_key_part(f, |p| parts.push(p.to_string()));
    parts
}

fn lower(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    if t.bytes().any(|b| b.is_ascii_uppercase()) || !t.is_ascii() {
        Cow::Owned(t.to_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

fn path_part(p: &str) -> Cow<'_, str> {
    let t = p.trim();
    if t.contains('\\') {
        Cow::Owned(strip_leading(&t.replace('\\', "/")).to_string())
    } else {
        Cow::Borrowed(strip_leading(t))
    }
}

/// Calls `part` with each key part in order, without building the list.
fn for_each_key_part(f: &Finding, mut part: impl FnMut(&str)) {
    match f.primary_id_cow() {
        Some(id) => part(&id),
        None => part(f.title.trim()),
    }
    match &f.location {
        Location::Source { file, snippet, .. } => {
            part("src");
            part(&path_part(file));
            part(
                &snippet
                    .as_deref()
                    .map(normalize_snippet)
                    .unwrap_or_default(),
            );
        }
        Location::Secret { file, digest, .. } => {
            part("secret");
            part(&path_part(file));
            // No part without a digest: the fingerprint of earlier versions.
            if let Some(d) = digest {
                part(d.as_str());
            }
        }
        Location::Dependency { file, package } => {
            part("dep");
            part(&file.as_deref().map(path_part).unwrap_or_default());
            part(&lower(&package.name));
            part(package.version.as_deref().unwrap_or_default());
        }
        Location::Container { image, package, .. } => {
            part("pkg");
            part(normalized_image(image));
            part(&lower(&package.name));
            part(package.version.as_deref().unwrap_or_default());
        }
        Location::Dast { url, method, param } => {
            part("dast");
            part(&method.as_deref().unwrap_or_default().to_ascii_uppercase());
            part(strip_query(url.trim()));
            part(param.as_deref().unwrap_or_default());
        }
        Location::Resource { kind, name } => {
            part("res");
            part(kind.as_deref().unwrap_or_default());
            part(name);
        }
        Location::None => part("none"),
    }
}

/// A hasher fed with the tag and the key parts (NUL-separated), ready for the occurrence.
fn key_hasher(f: &Finding) -> Sha256 {
    let mut h = Sha256::new();
    h.update(b"secgate-fp-v1");
    for_each_key_part(f, |p| {
        h.update([0u8]);
        h.update(p.as_bytes());
    });
    h
}

fn finish(mut h: Sha256, occurrence: usize) -> Fingerprint {
    h.update([0u8]);
    // The occurrence in decimal, written on the stack.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = occurrence;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    h.update(&digits[at..]);
    Fingerprint(h.finalize().into())
}

/// The fingerprint of a finding given its occurrence number (see the module docs).
pub fn compute(f: &Finding, occurrence: usize) -> Fingerprint {
    finish(key_hasher(f), occurrence)
}

/// Hashes a SHA-256 digest key by taking its first eight bytes.
#[derive(Clone, Copy, Default)]
struct BuildDigestHasher;

#[derive(Default)]
struct DigestHasher(u64);

impl std::hash::BuildHasher for BuildDigestHasher {
    type Hasher = DigestHasher;
    fn build_hasher(&self) -> DigestHasher {
        DigestHasher(0)
    }
}

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its length then its bytes: keep the first
        // eight bytes of the digest, mixed with anything before them.
        for chunk in bytes.chunks(8).take(1) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = self.0.rotate_left(5) ^ n as u64;
    }
}

/// Assigns fingerprints to all findings of one report, numbering occurrences of
/// the same key in line order (ties by the full location text, the title and the
/// producer's id, then input order).
pub fn assign(findings: &mut [Finding]) {
    // Group by the fingerprint of the first occurrence (a digest of the key
    // alone, so equal keys and only they share it). Most keys occur once:
    // that digest is then their fingerprint, and only repeated keys hash again.
    let groups: Vec<[u8; 32]> = findings
        .iter()
        .map(|f| finish(key_hasher(f), 0).0)
        .collect();
    // The keys are SHA-256 digests already: their first bytes are the hash.
    let mut counts: HashMap<[u8; 32], u32, BuildDigestHasher> =
        HashMap::with_capacity_and_hasher(findings.len(), BuildDigestHasher);
    for g in &groups {
        *counts.entry(*g).or_insert(0) += 1;
    }
    let mut occurrence = vec![0usize; findings.len()];
    let mut repeated: Vec<usize> = (0..findings.len())
        .filter(|&i| counts[&groups[i]] > 1)
        .collect();
    if !repeated.is_empty() {
        // Order repeated keys by line, then by the rest of what they say (so the
        // numbering does not depend on input order), then by input position.
        let tie = |i: usize| {
            let f = &findings[i];
            (
                f.location.line().unwrap_or(0),
                f.location.describe(),
                f.title.clone(),
                f.source_id.clone(),
            )
        };
        repeated.sort_by_cached_key(|&i| (groups[i], tie(i), i));
        let mut n = 0;
        for (k, &i) in repeated.iter().enumerate() {
            n = if k > 0 && groups[repeated[k - 1]] == groups[i] {
                n + 1
            } else {
                0
            };
            occurrence[i] = n;
        }
    }
    for ((f, g), occ) in findings.iter_mut().zip(groups).zip(occurrence) {
        f.fingerprint = if occ == 0 {
            Fingerprint(g)
        } else {
            finish(key_hasher(f), occ)
        };
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
        assert_eq!(
            s[0].fingerprint.to_hex(),
            "756bea1a4921667e20cbc7b46d403e071c0d92130eb1603988d35a7058f2b7e6"
        );
    }

    fn secret(file: &str, line: u32, digest: Option<SecretDigest>) -> Finding {
        let mut f = Finding::new(
            Scanner::named("gitleaks"),
            Category::SecretDetection,
            Severity::Critical,
            "AWS access key",
            Location::Secret {
                file: file.into(),
                line: Some(line),
                commit: None,
                digest,
            },
        );
        f.rule_id = Some("aws-access-token".into());
        f
    }

    /// Golden values of secret findings. Without a digest the fingerprint is
    /// the one every earlier version computed (rule, `secret`, path,
    /// occurrence); with one, the digest is hashed after the path.
    #[test]
    fn golden_secret_fingerprints() {
        let mut none = vec![secret("./conf/aws.tf", 3, None)];
        assign(&mut none);
        assert_eq!(
            none[0].fingerprint.to_hex(),
            "2de269840b79a44c85c30f4a040330351d0c00408860ad26ebd79bc01e3b90ea"
        );
        let a = SecretDigest::of("fake-secret-AAAA-1111");
        let b = SecretDigest::of("fake-secret-BBBB-2222");
        assert_eq!(a.as_str(), "4933b829171d9b7d");
        assert_eq!(b.as_str(), "cbbc0a478d8049af");
        let mut with = vec![
            secret("conf/aws.tf", 3, Some(a)),
            secret("conf/aws.tf", 9, Some(b)),
        ];
        assign(&mut with);
        assert_eq!(
            with[0].fingerprint.to_hex(),
            "10da99dfefd873b4eede3f7d53f20a48fab2219318d9b8b8310b780718e18872"
        );
        assert_eq!(
            with[1].fingerprint.to_hex(),
            "328e510d221a11c94929fa2ebf5047c63a6dbd1766711a00c0d9e59d31fc70fb"
        );
    }

    /// The fail-open this guards against: a rotated key committed in the old
    /// key's place took the old key's fingerprint (same rule, same file,
    /// occurrence 0), so a baseline passed it as existing.
    #[test]
    fn rotated_secret_in_same_file_is_a_different_fingerprint() {
        let old = SecretDigest::of("fake-secret-AAAA-1111");
        let new = SecretDigest::of("fake-secret-BBBB-2222");
        let mut base = vec![secret("conf/aws.tf", 3, Some(old))];
        let mut rotated = vec![secret("conf/aws.tf", 3, Some(new))];
        let mut moved = vec![secret("conf/aws.tf", 40, Some(old))];
        assign(&mut base);
        assign(&mut rotated);
        assign(&mut moved);
        assert_ne!(base[0].fingerprint, rotated[0].fingerprint);
        // The same secret on another line is the same finding.
        assert_eq!(base[0].fingerprint, moved[0].fingerprint);

        // Two different secrets of one rule in one file are each the first
        // occurrence of their own key: removing one leaves the other's
        // fingerprint alone (before, the second was renumbered to 0).
        let mut both = vec![
            secret("conf/aws.tf", 3, Some(new)),
            secret("conf/aws.tf", 1, Some(old)),
        ];
        assign(&mut both);
        assert_eq!(both[1].fingerprint, base[0].fingerprint);
        assert_eq!(both[0].fingerprint, rotated[0].fingerprint);
        // The same secret twice in a file is still two occurrences.
        let mut twice = vec![
            secret("conf/aws.tf", 3, Some(old)),
            secret("conf/aws.tf", 8, Some(old)),
        ];
        assign(&mut twice);
        assert_eq!(twice[0].fingerprint, base[0].fingerprint);
        assert_eq!(twice[1].fingerprint, compute(&twice[1], 1));
        assert_ne!(twice[0].fingerprint, twice[1].fingerprint);
    }

    /// Without a digest (Trivy, a SARIF result without a snippet, a redacted
    /// report) nothing changes: the key is rule, `secret`, path, and a
    /// different secret at that place is not told apart (documented; those
    /// reports do not carry the secret).
    #[test]
    fn secret_without_a_digest_keys_as_before() {
        let f = secret("conf/aws.tf", 3, None);
        assert_eq!(
            stable_key(&f),
            ["aws-access-token", "secret", "conf/aws.tf"]
        );
        assert_eq!(
            compute(&f, 0),
            Fingerprint::of_parts([
                "secgate-fp-v1",
                "aws-access-token",
                "secret",
                "conf/aws.tf",
                "0"
            ])
        );
        let d = SecretDigest::of("fake-secret-AAAA-1111");
        let g = secret("conf/aws.tf", 3, Some(d));
        assert_eq!(
            stable_key(&g),
            [
                "aws-access-token",
                "secret",
                "conf/aws.tf",
                "4933b829171d9b7d"
            ]
        );
        assert_ne!(compute(&f, 0), compute(&g, 0));
    }

    #[test]
    fn secret_digest_forms() {
        let d = SecretDigest::of(b"fake-secret-AAAA-1111");
        // The first 16 hex digits of the SHA-256, as `secgate-secrets` prints them.
        let full = "4933b829171d9b7d";
        assert_eq!(d.to_string(), full);
        assert_eq!(format!("{d:?}"), format!("SecretDigest({full})"));
        let sha = {
            let h = Sha256::digest(b"fake-secret-AAAA-1111");
            h.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(SecretDigest::from_sha256_hex(&sha), Some(d));
        assert_eq!(SecretDigest::from_sha256_hex(&sha.to_uppercase()), Some(d));
        assert_eq!(SecretDigest::from_sha256_hex(full), None);
        assert_eq!(SecretDigest::from_sha256_hex(&sha[..63]), None);
        assert_eq!(" 4933B829171D9B7D ".parse::<SecretDigest>(), Ok(d));
        for bad in [
            "",
            "4933b829171d9b7",
            "4933b829171d9b7d0",
            "4933b829171d9b7g",
            &sha,
        ] {
            assert!(bad.parse::<SecretDigest>().is_err(), "{bad}");
        }
        // The error never repeats its input (it may be a secret given by mistake).
        let e = "hunter2hunter2".parse::<SecretDigest>().unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
        // Serialised as the digits; absent when there is none, and a finding
        // serialised before the field existed still reads.
        let loc = Location::Secret {
            file: "a".into(),
            line: None,
            commit: None,
            digest: Some(d),
        };
        let j = serde_json::to_string(&loc).unwrap();
        assert_eq!(
            j,
            format!(r#"{{"type":"secret","file":"a","digest":"{full}"}}"#)
        );
        assert_eq!(serde_json::from_str::<Location>(&j).unwrap(), loc);
        let old: Location = serde_json::from_str(r#"{"type":"secret","file":"a"}"#).unwrap();
        assert!(matches!(old, Location::Secret { digest: None, .. }));
        assert!(serde_json::from_str::<Location>(
            r#"{"type":"secret","file":"a","digest":"hunter2"}"#
        )
        .is_err());
    }

    /// Repeated keys: each occurrence's number, in decimal, ends the hashed
    /// text (`0` for the first, which is also the group key `assign` uses).
    #[test]
    fn repeated_keys_hash_their_occurrence_in_decimal() {
        let f = source("src/app.py", 1, Some("eval(x)"));
        let mut parts: Vec<String> = vec!["secgate-fp-v1".into()];
        for_each_key_part(&f, |p| parts.push(p.to_string()));
        for occ in [0usize, 1, 9, 10, 12, 123_456] {
            let mut want = parts.clone();
            want.push(occ.to_string());
            assert_eq!(compute(&f, occ), Fingerprint::of_parts(&want), "{occ}");
        }
        let mut many: Vec<Finding> = (1..=12)
            .map(|line| source("src/app.py", line, Some("eval(x)")))
            .collect();
        assign(&mut many);
        for (k, g) in many.iter().enumerate() {
            assert_eq!(g.fingerprint, compute(&f, k), "line {}", k + 1);
        }
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
            container(
                "trivy",
                "alpine:3.10",
                "CVE-2019-1549",
                "openssl",
                "1.1.1c-r0",
            ),
            container(
                "trivy",
                "alpine:3.11",
                "CVE-2019-1549",
                "openssl",
                "1.1.1c-r0",
            ),
            container(
                "trivy",
                "alpine:3.10",
                "CVE-2019-1550",
                "openssl",
                "1.1.1c-r0",
            ),
            container(
                "trivy",
                "alpine:3.10",
                "CVE-2019-1549",
                "openssl",
                "1.1.1d-r0",
            ),
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
        assert_eq!(
            normalize_image("alpine:3.10 (alpine 3.10.2)"),
            "alpine:3.10"
        );
        assert_eq!(normalize_image("docker.io/library/nginx:1"), "nginx:1");
        assert_eq!(normalize_snippet(" a \n\t b "), "a b");
        assert_eq!(strip_query("https://x/y?q=1#f"), "https://x/y");
    }
}
