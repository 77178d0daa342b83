//! Sigstore bundles (cosign v3): parsing, and verification of image
//! signature bundles stored as OCI 1.1 referrers.
//!
//! An image signature bundle is a DSSE envelope over an in-toto statement
//! whose subject digest is the image digest, signed by a key or a Fulcio
//! certificate. The transparency-log entry's promise (SET) is checked
//! offline, and so is its binding to this envelope.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::verify::{failed, Policy, SignatureReport};
use crate::x509::Cert;

/// Bundle media types accepted (all spellings seen in the field).
pub const BUNDLE_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
];
/// The media type we write.
pub const BUNDLE_V03: &str = BUNDLE_MEDIA_TYPES[0];
/// in-toto statement payload type.
pub const INTOTO: &str = "application/vnd.in-toto+json";
/// The predicate type cosign uses for image signatures in bundles.
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// True for a Sigstore bundle media type.
pub fn is_bundle_media_type(m: &str) -> bool {
    BUNDLE_MEDIA_TYPES.contains(&m.trim())
}

/// A Sigstore bundle (fields we use).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Media type.
    pub media_type: String,
    /// Keys, certificates, log entries.
    pub verification_material: VerificationMaterial,
    /// DSSE content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
    /// Message-signature content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<serde_json::Value>,
}

/// Verification material.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// Single leaf certificate (v0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawBytes>,
    /// Chain (v0.1/0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<Chain>,
    /// Key hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<serde_json::Value>,
    /// Log entries.
    #[serde(default)]
    pub tlog_entries: Vec<serde_json::Value>,
}

/// `{ "rawBytes": b64 }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBytes {
    /// Base64 DER.
    pub raw_bytes: String,
}

/// A certificate chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chain {
    /// Leaf first.
    pub certificates: Vec<RawBytes>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Base64 payload.
    pub payload: String,
    /// Payload type.
    pub payload_type: String,
    /// Signatures.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// Base64 signature.
    pub sig: String,
    /// Key id (may be empty).
    #[serde(default)]
    pub keyid: String,
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

fn b64d(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

impl Bundle {
    /// Parses and checks the media type.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let b: Bundle =
            serde_json::from_slice(bytes).map_err(|e| format!("not a Sigstore bundle: {e}"))?;
        if !is_bundle_media_type(&b.media_type) {
            return Err(format!("unknown bundle mediaType `{}`", b.media_type));
        }
        Ok(b)
    }

    /// The leaf certificate, if any.
    pub fn leaf(&self) -> Result<Option<Cert>, String> {
        let raw = match (
            &self.verification_material.certificate,
            &self.verification_material.x509_certificate_chain,
        ) {
            (Some(c), _) => &c.raw_bytes,
            (None, Some(ch)) => {
                &ch.certificates
                    .first()
                    .ok_or("the certificate chain is empty")?
                    .raw_bytes
            }
            (None, None) => return Ok(None),
        };
        let der = b64d(raw).ok_or("certificate rawBytes is not base64")?;
        Cert::from_der(&der).map(Some)
    }
}

/// Verifies an image signature bundle found as a referrer of `image_digest`.
pub fn verify_image_bundle(
    location: &str,
    bytes: &[u8],
    image_digest: &str,
    policy: &Policy,
) -> SignatureReport {
    let mut s = failed(location, "bundle", String::new());
    s.reasons.clear();
    let b = match Bundle::parse(bytes) {
        Ok(b) => b,
        Err(e) => {
            s.reasons.push(e);
            return s;
        }
    };
    let Some(env) = &b.dsse_envelope else {
        s.reasons.push(
            "the bundle has no DSSE envelope (image signature bundles carry an in-toto statement)"
                .into(),
        );
        return s;
    };
    let Some(payload) = b64d(&env.payload) else {
        s.reasons.push("the DSSE payload is not base64".into());
        return s;
    };
    if env.payload_type != INTOTO {
        s.reasons.push(format!(
            "DSSE payload type `{}` is not {INTOTO}",
            env.payload_type
        ));
    }
    let want = image_digest.strip_prefix("sha256:").unwrap_or(image_digest);
    match serde_json::from_slice::<serde_json::Value>(&payload) {
        Ok(st) => {
            let subjects = st["subject"].as_array().cloned().unwrap_or_default();
            if !subjects
                .iter()
                .any(|x| x["digest"]["sha256"].as_str() == Some(want))
            {
                s.reasons.push(format!(
                    "the statement's subject is not this image's digest {image_digest}"
                ));
            }
        }
        Err(e) => s
            .reasons
            .push(format!("the DSSE payload is not an in-toto statement: {e}")),
    }
    let signed = pae(&env.payload_type, &payload);
    let sigs: Vec<Vec<u8>> = env.signatures.iter().filter_map(|x| b64d(&x.sig)).collect();
    if sigs.is_empty() {
        s.reasons.push("the envelope has no signature".into());
        return s;
    }
    let leaf = match b.leaf() {
        Ok(l) => l,
        Err(e) => {
            s.reasons.push(e);
            return s;
        }
    };
    let mut signer = None;
    match &leaf {
        None => {
            if let Some((k, sig)) = policy.keys.iter().find_map(|k| {
                sigs.iter()
                    .find(|sig| k.verify(&signed, sig))
                    .map(|sig| (k, sig))
            }) {
                signer = Some((
                    format!("key {} (fingerprint {})", k.source_name, k.fingerprint()),
                    format!("key:{}", k.fingerprint()),
                    sig.clone(),
                ));
            } else {
                s.reasons.push(format!(
                    "the envelope does not verify with any of the {} trusted key(s)",
                    policy.keys.len()
                ));
            }
        }
        Some(cert) => {
            if policy.identities.is_empty() {
                s.reasons.push(
                    "keyless bundle, but no --certificate-identity/--certificate-oidc-issuer given"
                        .into(),
                );
            } else if let Some(sig) = sigs.iter().find(|sig| cert.verify_message(&signed, sig)) {
                crate::keyless::check_certificate(cert, policy, &mut s.reasons, &mut s.warnings);
                let id = cert.identities().join(", ");
                signer = Some((
                    format!(
                        "certificate {id} (issuer {})",
                        cert.oidc_issuer().unwrap_or_default()
                    ),
                    format!("cert:{id}"),
                    sig.clone(),
                ));
            } else {
                s.reasons
                    .push("the envelope does not verify with the certificate's key".into());
            }
        }
    }
    // Transparency log.
    let entries = &b.verification_material.tlog_entries;
    if entries.is_empty() {
        if leaf.is_none() && policy.insecure_ignore_tlog {
            s.warnings.push(
                "INSECURE: no transparency-log entry, accepted because of --insecure-ignore-tlog"
                    .into(),
            );
        } else if leaf.is_none() {
            s.reasons.push("no transparency-log entry; a key-signed image without one needs --insecure-ignore-tlog".into());
        } else {
            s.reasons.push(
                "keyless bundle without a transparency-log entry: no trusted signing time".into(),
            );
        }
    } else if !(leaf.is_none() && policy.insecure_ignore_tlog) {
        match crate::tlog::verify_entry(&entries[0], &policy.trusted_root) {
            Ok(e) => {
                if let Some(cert) = &leaf {
                    let (nb, na) = cert.validity();
                    if e.integrated_time < nb || e.integrated_time > na {
                        s.reasons.push(
                            "the log entry's time is outside the certificate's validity".into(),
                        );
                    }
                }
                let body_hash = hex::encode(Sha256::digest(&payload));
                if !e.body.contains(&body_hash) {
                    s.reasons
                        .push("the log entry does not record this envelope's payload hash".into());
                }
                s.tlog = Some(format!(
                    "{} index {} at {}",
                    e.log_url, e.log_index, e.integrated_time
                ));
            }
            Err(p) => s.reasons.extend(p),
        }
    }
    if let Some((name, id, _)) = signer {
        if s.reasons.is_empty() {
            s.signer = Some(name);
            s.signer_id = Some(id);
            s.verified = true;
        }
    }
    s
}
