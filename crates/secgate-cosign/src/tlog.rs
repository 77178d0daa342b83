//! Offline checks of a bundle's transparency-log entry: the signed entry
//! timestamp (inclusion promise) and the Merkle inclusion proof with its
//! signed checkpoint, both against the trusted root's log keys.

use base64::Engine as _;
use p256::pkcs8::DecodePublicKey as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::trust::TrustedRoot;

/// A verified log entry.
#[derive(Debug, Clone)]
pub struct VerifiedEntry {
    /// The decoded entry body (canonical JSON text).
    pub body: String,
    /// Integrated time as written (0 when the entry has none: Rekor v2).
    /// Not trusted unless [`VerifiedEntry::signed_time`] is set.
    pub integrated_time: i64,
    /// The integrated time, when the log signed it (a verified inclusion
    /// promise). `None`: the entry proves inclusion but gives no signed time.
    pub signed_time: Option<i64>,
    /// Log index.
    pub log_index: i64,
    /// Log URL.
    pub log_url: String,
}

fn b64d(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// JSON number or protobuf-JSON string as i64.
fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Verifies one `tlogEntries[]` element. Requires a promise (SET) or an
/// inclusion proof with a checkpoint; checks every one present. Only a
/// verified promise makes the integrated time a signed time: an
/// `integratedTime` without one is not trusted.
pub fn verify_entry(e: &Value, root: &TrustedRoot) -> Result<VerifiedEntry, Vec<String>> {
    let mut p = Vec::new();
    let key_id = e["logId"]["keyId"]
        .as_str()
        .and_then(b64d)
        .map(hex::encode)
        .unwrap_or_default();
    let Some(log) = root.tlog(&key_id) else {
        return Err(vec![format!(
            "the log entry names log {key_id:?} which the trusted root does not know"
        )]);
    };
    let key = match LogVerifier::from_spki(&log.spki_der) {
        Ok(k) => k,
        Err(e) => return Err(vec![format!("log {} {e}", log.base_url)]),
    };
    let body_b64 = e["canonicalizedBody"].as_str().unwrap_or("");
    let Some(body) = b64d(body_b64) else {
        return Err(vec!["the log entry has no canonicalizedBody".into()]);
    };
    let integrated_time = int(&e["integratedTime"]).unwrap_or(0);
    let log_index = int(&e["logIndex"]).unwrap_or(-1);
    let promise = e["inclusionPromise"]["signedEntryTimestamp"].as_str();
    let proof = &e["inclusionProof"];
    if promise.is_none() && proof.is_null() {
        p.push("the log entry has neither an inclusion promise nor an inclusion proof".into());
    }
    if let Some(set) = promise {
        let canonical = format!(
            "{{\"body\":{},\"integratedTime\":{},\"logID\":{},\"logIndex\":{}}}",
            serde_json::to_string(body_b64).expect("string"),
            integrated_time,
            serde_json::to_string(&key_id).expect("string"),
            log_index
        );
        match b64d(set) {
            Some(sig) if key.verify(canonical.as_bytes(), &sig) => {}
            _ => p.push(
                "the inclusion promise (signed entry timestamp) does not verify with the log's key"
                    .into(),
            ),
        }
        if !log.validity.contains(integrated_time) {
            p.push("the entry's integrated time is outside the log key's validity".into());
        }
    }
    if !proof.is_null() {
        if let Err(x) = verify_inclusion(proof, &body, &key, &key_id) {
            p.push(x);
        }
    }
    if p.is_empty() {
        Ok(VerifiedEntry {
            body: String::from_utf8_lossy(&body).into_owned(),
            integrated_time,
            signed_time: promise.map(|_| integrated_time),
            log_index,
            log_url: log.base_url.clone(),
        })
    } else {
        Err(p)
    }
}

fn node(l: &[u8], r: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().to_vec()
}

/// RFC 9162 §2.1.3.2: the root implied by an inclusion proof.
pub fn root_from_proof(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[Vec<u8>],
) -> Option<Vec<u8>> {
    if index >= size {
        return None;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf_hash.to_vec();
    for p in proof {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

/// A transparency-log key: ECDSA P-256 (Rekor v1) or Ed25519 (Rekor v2
/// checkpoints).
#[derive(Debug, Clone)]
pub enum LogVerifier {
    /// ECDSA P-256 with SHA-256 (DER or fixed-size signatures).
    P256(p256::ecdsa::VerifyingKey),
    /// Ed25519 (RFC 8032, pure).
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// The id-Ed25519 SPKI prefix (RFC 8410): `SEQUENCE { SEQUENCE { OID
/// 1.3.101.112 } BIT STRING (32 bytes) }`.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl LogVerifier {
    /// Parses a log key from its SPKI DER (P-256 or Ed25519); any other
    /// key type is refused with a message.
    pub fn from_spki(spki: &[u8]) -> Result<Self, String> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
            return Ok(LogVerifier::P256(k));
        }
        if let Some(raw) = spki.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
            let raw: [u8; 32] = raw
                .try_into()
                .map_err(|_| "key is a malformed Ed25519 key".to_string())?;
            return ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map(LogVerifier::Ed25519)
                .map_err(|_| "key is not a valid Ed25519 point".to_string());
        }
        Err("key is neither ECDSA P-256 nor Ed25519 (unsupported)".into())
    }

    /// Verifies `sig` over `message`.
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            LogVerifier::P256(k) => crate::keys::verify_p256(k, message, sig),
            LogVerifier::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
        }
    }
}

fn verify_inclusion(
    proof: &Value,
    body: &[u8],
    key: &LogVerifier,
    log_id_hex: &str,
) -> Result<(), String> {
    let index = int(&proof["logIndex"]).ok_or("inclusion proof without logIndex")? as u64;
    let size = int(&proof["treeSize"]).ok_or("inclusion proof without treeSize")? as u64;
    let root = proof["rootHash"]
        .as_str()
        .and_then(b64d)
        .ok_or("inclusion proof without rootHash")?;
    let hashes: Vec<Vec<u8>> = proof["hashes"]
        .as_array()
        .map(|a| a.iter().filter_map(|h| h.as_str().and_then(b64d)).collect())
        .unwrap_or_default();
    let mut leaf = Sha256::new();
    leaf.update([0u8]);
    leaf.update(body);
    let computed = root_from_proof(index, size, &leaf.finalize(), &hashes)
        .ok_or("the inclusion proof is malformed for its index and tree size")?;
    if computed != root {
        return Err(
            "the inclusion proof does not lead to its root hash (entry not in the log)".into(),
        );
    }
    let cp = proof["checkpoint"]["envelope"]
        .as_str()
        .ok_or("the inclusion proof has no signed checkpoint")?;
    let (note, sigs) = cp
        .split_once("\n\n")
        .ok_or("the checkpoint is not a signed note")?;
    let lines: Vec<&str> = note.lines().collect();
    if lines.len() < 3 {
        return Err("the checkpoint note is truncated".into());
    }
    if lines[1].parse::<u64>().ok() != Some(size)
        || lines[2].trim() != proof["rootHash"].as_str().unwrap_or("").trim()
    {
        return Err("the checkpoint is for another tree size or root than the proof".into());
    }
    let signed = format!("{note}\n");
    // Signed-note lines: `— <name> base64(key hash[4] ‖ signature)`; the key
    // hash is the first 4 bytes of the log id (Rekor v1: SHA-256 of the
    // SPKI; Rekor v2: the note key hash). Lines of other keys (witnesses)
    // are skipped.
    let hint = hex::decode(log_id_hex).unwrap_or_default();
    let ok = sigs
        .lines()
        .filter_map(|l| l.strip_prefix("\u{2014} "))
        .any(|l| {
            l.rsplit_once(' ')
                .and_then(|(_, s)| b64d(s))
                .is_some_and(|raw| {
                    raw.len() > 4
                        && hint.get(..4) == Some(&raw[..4])
                        && key.verify(signed.as_bytes(), &raw[4..])
                })
        });
    if !ok {
        return Err("the checkpoint signature does not verify with the log's key".into());
    }
    Ok(())
}
