//! Offline check of a cosign legacy Rekor bundle (the `dev.sigstore.cosign/bundle`
//! annotation): the log's signed entry timestamp (SET) over the entry, and
//! that the entry records *this* payload's hash, *this* signature and *this*
//! key or certificate. Without the last three checks a valid log entry could
//! be copied onto a forged signature.

use base64::Engine as _;
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::DecodePublicKey as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::trust::TrustedRoot;

/// The legacy cosign bundle (`{"SignedEntryTimestamp", "Payload"}`).
#[derive(Debug, Clone, Deserialize)]
pub struct LegacyBundle {
    /// Base64 DER ECDSA signature of the log over the canonical payload.
    #[serde(rename = "SignedEntryTimestamp")]
    pub signed_entry_timestamp: String,
    /// The log entry.
    #[serde(rename = "Payload")]
    pub payload: LegacyBundlePayload,
}

/// The log entry inside a legacy bundle.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyBundlePayload {
    /// Base64 of the canonical entry body.
    pub body: String,
    /// Unix time the log integrated the entry.
    pub integrated_time: i64,
    /// Index in the log.
    pub log_index: i64,
    /// Hex log id (SHA-256 of the log's key).
    #[serde(rename = "logID")]
    pub log_id: String,
}

/// What the verified log entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Time the log integrated it (trusted: covered by the SET).
    pub integrated_time: i64,
    /// Log index.
    pub log_index: i64,
    /// Log base URL.
    pub log_url: String,
}

/// What the signature is bound to in the log entry.
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// A public key (SPKI DER).
    KeyDer(&'a [u8]),
    /// A certificate (DER).
    CertDer(&'a [u8]),
}

fn b64(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| "not base64".to_string())
}

/// DER bytes of the first PEM block in `pem` (or `pem` itself if it is DER).
pub fn pem_to_der(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let start = text.find("-----BEGIN ")?;
    let body_start = start + text[start..].find('\n')? + 1;
    let end = body_start + text[body_start..].find("-----END ")?;
    let b: String = text[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(b).ok()
}

impl LegacyBundle {
    /// Parses the annotation value.
    pub fn parse(s: &str) -> Result<Self, String> {
        serde_json::from_str(s)
            .map_err(|e| format!("Rekor bundle annotation is not a cosign bundle: {e}"))
    }

    /// The canonical JSON that the SET signs.
    pub fn canonical_payload(&self) -> String {
        let p = &self.payload;
        format!(
            "{{\"body\":{},\"integratedTime\":{},\"logID\":{},\"logIndex\":{}}}",
            serde_json::to_string(&p.body).expect("string"),
            p.integrated_time,
            serde_json::to_string(&p.log_id).expect("string"),
            p.log_index
        )
    }

    /// Verifies the SET with the trusted root's log key and that the entry
    /// binds `payload`, `signature` and `signer`. Returns every problem found.
    pub fn verify(
        &self,
        root: &TrustedRoot,
        payload: &[u8],
        signature: &[u8],
        signer: Signer<'_>,
    ) -> Result<LogEntry, Vec<String>> {
        let mut problems = Vec::new();
        let Some(log) = root.tlog(&self.payload.log_id) else {
            return Err(vec![format!(
                "the Rekor bundle names log {} which the trusted root ({}) does not know",
                self.payload.log_id, root.source_name
            )]);
        };
        match (
            VerifyingKey::from_public_key_der(&log.spki_der),
            b64(&self.signed_entry_timestamp),
        ) {
            (Ok(k), Ok(set)) => {
                if !crate::keys::verify_p256(&k, self.canonical_payload().as_bytes(), &set) {
                    problems.push(
                        "the Rekor signed entry timestamp does not verify with the log's key"
                            .to_string(),
                    );
                }
            }
            (Err(_), _) => problems.push(format!(
                "log key for {} is not an ECDSA P-256 key",
                log.base_url
            )),
            (_, Err(_)) => {
                problems.push("the Rekor signed entry timestamp is not base64".to_string())
            }
        }
        if !log.validity.contains(self.payload.integrated_time) {
            problems
                .push("the entry's integrated time is outside the log key's validity".to_string());
        }
        match self.check_body(payload, signature, signer) {
            Ok(()) => {}
            Err(mut p) => problems.append(&mut p),
        }
        if problems.is_empty() {
            Ok(LogEntry {
                integrated_time: self.payload.integrated_time,
                log_index: self.payload.log_index,
                log_url: log.base_url.clone(),
            })
        } else {
            Err(problems)
        }
    }

    fn check_body(
        &self,
        payload: &[u8],
        signature: &[u8],
        signer: Signer<'_>,
    ) -> Result<(), Vec<String>> {
        let body = b64(&self.payload.body).map_err(|e| vec![format!("Rekor entry body: {e}")])?;
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| vec![format!("Rekor entry body is not JSON: {e}")])?;
        let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        if kind != "hashedrekord" {
            return Err(vec![format!(
                "Rekor entry kind `{kind}` is not supported (expected hashedrekord)"
            )]);
        }
        let spec = &v["spec"];
        let mut problems = Vec::new();
        let alg = spec["data"]["hash"]["algorithm"].as_str().unwrap_or("");
        let hash = spec["data"]["hash"]["value"].as_str().unwrap_or("");
        let want = hex::encode(Sha256::digest(payload));
        if alg != "sha256" || !hash.eq_ignore_ascii_case(&want) {
            problems.push(format!(
                "the Rekor entry records payload hash {alg}:{hash}, but this payload's is sha256:{want} (entry copied from another signature)"
            ));
        }
        let logged_sig = spec["signature"]["content"].as_str().map(b64);
        if logged_sig != Some(Ok(signature.to_vec())) {
            problems.push("the Rekor entry records a different signature than this one (entry copied from another signature)".into());
        }
        let logged_key = spec["signature"]["publicKey"]["content"]
            .as_str()
            .and_then(|s| b64(s).ok())
            .and_then(|pem| pem_to_der(&pem));
        let same = match (signer, &logged_key) {
            (Signer::KeyDer(k), Some(l)) => {
                l.as_slice() == k || crate::x509::spki_of_cert(l).is_some_and(|s| s == k)
            }
            (Signer::CertDer(c), Some(l)) => l.as_slice() == c,
            _ => false,
        };
        if !same {
            problems.push(
                "the Rekor entry records a different key or certificate than the one that signed"
                    .into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}
