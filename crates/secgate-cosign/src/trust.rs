//! Sigstore `trusted_root.json`: transparency-log keys, Fulcio CAs, CT logs.
//!
//! The public-good root is embedded ([`TrustedRoot::public_good`]; provenance
//! in `trust/PROVENANCE.md`); `--trusted-root FILE` replaces it. JSON Lines
//! files (several roots, one per line) are merged.

use base64::Engine as _;
use serde::Deserialize;

const PUBLIC_GOOD: &str = include_str!("../trust/public-good.trusted_root.json");

/// A trusted root that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("trusted root {source_name}: {message}")]
pub struct TrustError {
    /// File name.
    pub source_name: String,
    /// What is wrong.
    pub message: String,
}

/// A validity window in seconds since the epoch (`end` open if `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start (inclusive).
    pub start: i64,
    /// End (inclusive), if closed.
    pub end: Option<i64>,
}

impl Validity {
    /// True if `t` is inside the window.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|e| t <= e)
    }
}

/// A log key (Rekor or CT log).
#[derive(Debug, Clone)]
pub struct LogKey {
    /// Log id as the trusted root states it (hex): the SHA-256 of the key's
    /// SPKI DER (Rekor v1, CT logs), or the signed-note key hash (SHA-256 of
    /// `<origin>\n`, 0x01 and the raw Ed25519 key: Rekor v2).
    pub log_id_hex: String,
    /// SPKI DER of the key.
    pub spki_der: Vec<u8>,
    /// Key details as stated (`PKIX_ECDSA_P256_SHA_256`, …).
    pub details: String,
    /// When the key is valid.
    pub validity: Validity,
    /// Base URL of the log.
    pub base_url: String,
}

/// A certificate authority (Fulcio): chain leaf-most first, DER.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    /// DER certificates, the issuing CA first, the root last.
    pub chain_der: Vec<Vec<u8>>,
    /// When certificates it issued are trusted.
    pub validity: Validity,
    /// Subject common name, for messages.
    pub name: String,
}

/// Parsed trust material.
#[derive(Debug, Clone, Default)]
pub struct TrustedRoot {
    /// Rekor keys.
    pub tlogs: Vec<LogKey>,
    /// Certificate authorities.
    pub cas: Vec<CertificateAuthority>,
    /// CT log keys.
    pub ctlogs: Vec<LogKey>,
    /// RFC 3161 timestamp authorities (`timestampAuthorities`): chain with
    /// the TSA's signing certificate first, the root last; `validity` is
    /// when its timestamps are trusted (`validFor`).
    pub tsas: Vec<CertificateAuthority>,
    /// Where it came from.
    pub source_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawCa>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawCa>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawKey,
    log_id: RawLogId,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: Option<String>,
    #[serde(default)]
    key_details: String,
    valid_for: Option<RawValid>,
}
#[derive(Deserialize)]
struct RawValid {
    start: Option<String>,
    end: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCa {
    #[serde(default)]
    subject: serde_json::Value,
    cert_chain: RawChain,
    valid_for: Option<RawValid>,
}
#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

/// Parses an RFC 3339 UTC time (`2021-03-07T03:20:29.000Z`) to epoch seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let re = regex::Regex::new(
        r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    )
    .ok()?;
    let c = re.captures(s)?;
    let n = |i: usize| c[i].parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (n(1)?, n(2)?, n(3)?, n(4)?, n(5)?, n(6)?);
    let days = days_from_civil(y, mo, d);
    let mut t = days * 86400 + h * 3600 + mi * 60 + se;
    let tz = &c[7];
    if tz != "Z" {
        let sign = if tz.starts_with('-') { -1 } else { 1 };
        let oh: i64 = tz[1..3].parse().ok()?;
        let om: i64 = tz[4..6].parse().ok()?;
        t -= sign * (oh * 3600 + om * 60);
    }
    Some(t)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn validity(v: &Option<RawValid>, src: &str) -> Result<Validity, TrustError> {
    let e = |m: String| TrustError {
        source_name: src.to_string(),
        message: m,
    };
    let Some(v) = v else {
        return Ok(Validity {
            start: i64::MIN,
            end: None,
        });
    };
    let start = match &v.start {
        Some(s) => parse_rfc3339(s).ok_or_else(|| e(format!("bad validFor.start `{s}`")))?,
        None => i64::MIN,
    };
    let end = match &v.end {
        Some(s) => Some(parse_rfc3339(s).ok_or_else(|| e(format!("bad validFor.end `{s}`")))?),
        None => None,
    };
    Ok(Validity { start, end })
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

impl TrustedRoot {
    /// The embedded Sigstore public-good trusted root.
    pub fn public_good() -> Self {
        Self::from_json(
            "embedded public-good trusted_root.json",
            PUBLIC_GOOD.as_bytes(),
        )
        .expect("embedded trusted root parses")
    }

    /// Parses a trusted root (one JSON document or JSON Lines).
    pub fn from_json(source_name: &str, bytes: &[u8]) -> Result<Self, TrustError> {
        let e = |m: String| TrustError {
            source_name: source_name.to_string(),
            message: m,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| e("not UTF-8".into()))?;
        let docs: Vec<&str> = if serde_json::from_str::<serde_json::Value>(text).is_ok() {
            vec![text]
        } else {
            text.lines().filter(|l| !l.trim().is_empty()).collect()
        };
        let mut out = TrustedRoot {
            source_name: source_name.to_string(),
            ..Default::default()
        };
        for (i, doc) in docs.iter().enumerate() {
            let raw: RawRoot =
                serde_json::from_str(doc).map_err(|x| e(format!("document {}: {x}", i + 1)))?;
            if !raw
                .media_type
                .starts_with("application/vnd.dev.sigstore.trustedroot")
            {
                return Err(e(format!(
                    "mediaType `{}` is not a Sigstore trusted root",
                    raw.media_type
                )));
            }
            for (list, target) in [(&raw.tlogs, &mut out.tlogs), (&raw.ctlogs, &mut out.ctlogs)] {
                for l in list {
                    let der = l
                        .public_key
                        .raw_bytes
                        .as_deref()
                        .and_then(b64)
                        .ok_or_else(|| e("log key without rawBytes".into()))?;
                    let id =
                        b64(&l.log_id.key_id).ok_or_else(|| e("log id is not base64".into()))?;
                    target.push(LogKey {
                        log_id_hex: hex::encode(id),
                        spki_der: der,
                        details: l.public_key.key_details.clone(),
                        validity: validity(&l.public_key.valid_for, source_name)?,
                        base_url: l.base_url.clone(),
                    });
                }
            }
            for (ca, is_tsa) in raw
                .certificate_authorities
                .iter()
                .map(|c| (c, false))
                .chain(raw.timestamp_authorities.iter().map(|c| (c, true)))
            {
                if ca.cert_chain.certificates.is_empty() {
                    return Err(e(format!(
                        "a {} has an empty chain",
                        if is_tsa {
                            "timestamp authority"
                        } else {
                            "certificate authority"
                        }
                    )));
                }
                let chain = ca
                    .cert_chain
                    .certificates
                    .iter()
                    .map(|c| {
                        b64(&c.raw_bytes)
                            .ok_or_else(|| e("certificate rawBytes is not base64".into()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let target = if is_tsa { &mut out.tsas } else { &mut out.cas };
                target.push(CertificateAuthority {
                    chain_der: chain,
                    validity: validity(&ca.valid_for, source_name)?,
                    name: ca
                        .subject
                        .get("commonName")
                        .and_then(|v| v.as_str())
                        .unwrap_or("?")
                        .to_string(),
                });
            }
        }
        Ok(out)
    }

    /// Reads a trusted root file.
    pub fn load(path: &std::path::Path) -> Result<Self, TrustError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|x| TrustError {
            source_name: name.clone(),
            message: format!("cannot read: {x}"),
        })?;
        Self::from_json(&name, &bytes)
    }

    /// The Rekor key whose log id is `log_id_hex`.
    pub fn tlog(&self, log_id_hex: &str) -> Option<&LogKey> {
        self.tlogs
            .iter()
            .find(|l| l.log_id_hex.eq_ignore_ascii_case(log_id_hex))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_root_and_times() {
        let r = TrustedRoot::public_good();
        assert_eq!(r.tlogs.len(), 1);
        assert_eq!(r.cas.len(), 2);
        assert_eq!(
            r.tlogs[0].log_id_hex,
            "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"
        );
        assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some(86400));
        assert_eq!(parse_rfc3339("2021-01-12T11:53:27.000Z"), Some(1610452407));
        assert!(TrustedRoot::from_json("x", br#"{"mediaType":"bad"}"#).is_err());
    }
}
