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
    /// RFC 3161 timestamps (`{"rfc3161Timestamps": [{"signedTimestamp": b64}]}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<serde_json::Value>,
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

/// What a bundle must be about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// An image: a DSSE envelope over an in-toto statement whose subject
    /// digest is this `sha256:…` image digest.
    Image(&'a str),
    /// A blob (`cosign verify-blob`): a message signature over these bytes,
    /// or a DSSE in-toto statement with their SHA-256 as a subject.
    Artifact(&'a [u8]),
    /// An attestation about this `sha256:…` digest: a DSSE in-toto statement
    /// with any predicate type (`cosign verify-attestation`). Not accepted as
    /// an image signature.
    Attestation(&'a str),
}

/// Verifies an image signature bundle found as a referrer of `image_digest`.
pub fn verify_image_bundle(
    location: &str,
    bytes: &[u8],
    image_digest: &str,
    policy: &Policy,
) -> SignatureReport {
    verify_bundle(location, bytes, Subject::Image(image_digest), policy)
}

/// Verifies a Sigstore bundle (v0.1, v0.2, v0.3) about `subject` under
/// `policy`, offline: the signature with a trusted key or with a Fulcio
/// certificate (chain to a CA of the trusted root, SCT, identity and issuer),
/// the transparency-log entry (promise, inclusion proof, and that it records
/// this content, this signature and this certificate or key), and for keyless
/// a signed time inside the certificate's validity. Every problem is listed.
pub fn verify_bundle(
    location: &str,
    bytes: &[u8],
    subject: Subject<'_>,
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
    // The bytes signed, the signatures, and the content hashes a log entry
    // may record for them.
    let (signed, sigs, hashes) = match content(&b, subject, &mut s.reasons) {
        Some(c) => c,
        None => return s,
    };
    if sigs.is_empty() {
        s.reasons.push("the bundle has no signature".into());
        return s;
    }
    if let Some(ch) = &b.verification_material.x509_certificate_chain {
        for c in ch.certificates.iter().skip(1) {
            if let Some(c) = b64d(&c.raw_bytes).and_then(|d| Cert::from_der(&d).ok()) {
                if c.cert.tbs_certificate.subject == c.cert.tbs_certificate.issuer {
                    s.reasons.push(format!(
                        "the bundle's certificate chain includes a root certificate ({}); roots come only from the trusted root",
                        c.subject()
                    ));
                }
            }
        }
    }
    let leaf = match b.leaf() {
        Ok(l) => l,
        Err(e) => {
            s.reasons.push(e);
            return s;
        }
    };
    let mut signer = None;
    let mut signer_der: Vec<u8> = Vec::new();
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
                signer_der = p256::pkcs8::EncodePublicKey::to_public_key_der(&k.key)
                    .expect("encodes")
                    .as_bytes()
                    .to_vec();
            } else {
                s.reasons.push(format!(
                    "the signature does not verify with any of the {} trusted key(s)",
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
                signer_der = cert.der.clone();
            } else {
                s.reasons
                    .push("the signature does not verify with the certificate's key".into());
            }
        }
    }
    // Transparency log.
    let entries = &b.verification_material.tlog_entries;
    // Signed times: a verified inclusion promise, RFC 3161 timestamps.
    let mut times: Vec<(i64, String)> = Vec::new();
    if leaf.is_none() && policy.insecure_ignore_tlog {
        s.warnings.push(
            "INSECURE: transparency log not checked, accepted because of --insecure-ignore-tlog"
                .into(),
        );
    } else if entries.is_empty() {
        if leaf.is_none() {
            s.reasons.push("no transparency-log entry; a key-signed image without one needs --insecure-ignore-tlog".into());
        } else if policy.insecure_ignore_tlog {
            s.warnings.push(
                "INSECURE: keyless bundle without a transparency-log entry, accepted because of --insecure-ignore-tlog (the signing time comes from RFC 3161 timestamps only)"
                    .into(),
            );
        } else {
            s.reasons.push(
                "keyless bundle without a transparency-log entry (a bundle whose only evidence is an RFC 3161 timestamp, e.g. a GitHub private-repository attestation, needs --insecure-ignore-tlog)".into(),
            );
        }
    } else {
        // Every entry must verify and be this signature's; one is enough.
        let mut why = Vec::new();
        let mut good = None;
        for e in entries {
            match crate::tlog::verify_entry(e, &policy.trusted_root) {
                Ok(v) => {
                    let mut p = Vec::new();
                    if let Some((_, _, sig)) = &signer {
                        p = entry_binds(&v.body, &hashes, sig, &signer_der);
                    }
                    if p.is_empty() {
                        good = Some(v);
                        break;
                    }
                    why.extend(p);
                }
                Err(p) => why.extend(p),
            }
        }
        match good {
            None => s.reasons.extend(why),
            Some(e) => {
                s.tlog = Some(format!(
                    "{} index {} at {}",
                    e.log_url, e.log_index, e.integrated_time
                ));
                if let Some(t) = e.signed_time {
                    times.push((t, "the log entry's time".into()));
                }
            }
        }
    }
    // RFC 3161 timestamps over this signature. One that does not verify is
    // reported; it only fails the bundle when no signed time verified.
    let mut ts_why = Vec::new();
    let tokens = b
        .verification_material
        .timestamp_verification_data
        .as_ref()
        .and_then(|v| v["rfc3161Timestamps"].as_array().cloned())
        .unwrap_or_default();
    if !tokens.is_empty() {
        let sig: Vec<u8> = match &signer {
            Some((_, _, sig)) => sig.clone(),
            None => sigs[0].clone(),
        };
        let mut seen: Vec<Vec<u8>> = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let Some(token) = t["signedTimestamp"].as_str().and_then(b64d) else {
                ts_why.push(format!(
                    "RFC 3161 timestamp {}: signedTimestamp is missing or not base64",
                    i + 1
                ));
                continue;
            };
            if seen.contains(&token) {
                s.warnings.push(format!(
                    "RFC 3161 timestamp {} is a duplicate of an earlier one; counted once",
                    i + 1
                ));
                continue;
            }
            seen.push(token.clone());
            match crate::tsa::verify_timestamp(&token, &sig, &policy.trusted_root) {
                Ok(v) => {
                    s.timestamps
                        .push(format!("{} at {}", v.authority, v.gen_time));
                    times.push((
                        v.gen_time,
                        format!("the RFC 3161 timestamp of {}", v.authority),
                    ));
                }
                Err(p) => ts_why.extend(
                    p.into_iter()
                        .map(|x| format!("RFC 3161 timestamp {}: {x}", i + 1)),
                ),
            }
        }
    }
    if let Some(cert) = &leaf {
        if times.is_empty() {
            s.reasons.push(
                "no trusted signing time: no log entry with a signed time (inclusion promise) and no RFC 3161 timestamp verified".into(),
            );
            s.reasons.append(&mut ts_why);
        } else {
            let (nb, na) = cert.validity();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            for (t, what) in &times {
                if *t < nb || *t > na {
                    s.reasons
                        .push(format!("{what} is outside the certificate's validity"));
                }
                if *t > now + 300 {
                    s.reasons.push(format!("{what} is in the future"));
                }
            }
        }
    }
    for w in ts_why {
        s.warnings.push(format!("ignored: {w}"));
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

/// The signed bytes, the signatures and the content hashes (SHA-256) a log
/// entry may record, per the bundle's content and the expected subject.
#[allow(clippy::type_complexity)]
fn content(
    b: &Bundle,
    subject: Subject<'_>,
    reasons: &mut Vec<String>,
) -> Option<(Vec<u8>, Vec<Vec<u8>>, Vec<Vec<u8>>)> {
    if let Some(env) = &b.dsse_envelope {
        let Some(payload) = b64d(&env.payload) else {
            reasons.push("the DSSE payload is not base64".into());
            return None;
        };
        if env.payload_type != INTOTO {
            reasons.push(format!(
                "DSSE payload type `{}` is not {INTOTO}",
                env.payload_type
            ));
        }
        let want = match subject {
            Subject::Image(d) | Subject::Attestation(d) => {
                d.strip_prefix("sha256:").unwrap_or(d).to_string()
            }
            Subject::Artifact(a) => hex::encode(Sha256::digest(a)),
        };
        match serde_json::from_slice::<serde_json::Value>(&payload) {
            Ok(st) => {
                // With cosign v3 a signature and an attestation are the same
                // referrer type: only the sign predicate makes a signature,
                // or any SBOM or provenance signed by a trusted key would
                // admit the image.
                let pt = st["predicateType"].as_str().unwrap_or("");
                if matches!(subject, Subject::Image(_)) && pt != SIGN_PREDICATE {
                    reasons.push(format!(
                        "the bundle is an attestation (predicateType `{pt}`), not an image signature ({SIGN_PREDICATE})"
                    ));
                }
                let subjects = st["subject"].as_array().cloned().unwrap_or_default();
                if !subjects
                    .iter()
                    .any(|x| x["digest"]["sha256"].as_str() == Some(want.as_str()))
                {
                    reasons.push(match subject {
                        Subject::Image(d) | Subject::Attestation(d) => {
                            format!("the statement's subject is not this image's digest {d}")
                        }
                        Subject::Artifact(_) => {
                            format!("the statement's subject is not this artifact (sha256 {want})")
                        }
                    });
                }
            }
            Err(e) => reasons.push(format!("the DSSE payload is not an in-toto statement: {e}")),
        }
        let signed = pae(&env.payload_type, &payload);
        let sigs = env.signatures.iter().filter_map(|x| b64d(&x.sig)).collect();
        let hashes = vec![
            Sha256::digest(&payload).to_vec(),
            Sha256::digest(&signed).to_vec(),
        ];
        return Some((signed, sigs, hashes));
    }
    let Some(ms) = &b.message_signature else {
        reasons.push("the bundle has neither a DSSE envelope nor a message signature".into());
        return None;
    };
    let Subject::Artifact(artifact) = subject else {
        reasons.push(
            "the bundle is a message signature, not an image signature (image signature bundles carry a DSSE in-toto statement)"
                .into(),
        );
        return None;
    };
    let digest = Sha256::digest(artifact).to_vec();
    if let Some(md) = ms.get("messageDigest").filter(|v| !v.is_null()) {
        let alg = md["algorithm"].as_str().unwrap_or("");
        let d = md["digest"].as_str().and_then(b64d);
        if alg != "SHA2_256" {
            reasons.push(format!(
                "message digest algorithm `{alg}` is not supported (SHA2_256)"
            ));
        } else if d.as_deref() != Some(digest.as_slice()) {
            reasons.push(
                "the bundle's message digest is not this artifact's SHA-256 (signed another file)"
                    .into(),
            );
        }
    }
    let Some(sig) = ms["signature"].as_str().and_then(b64d) else {
        reasons.push("the message signature is missing or not base64".into());
        return None;
    };
    Some((artifact.to_vec(), vec![sig], vec![digest]))
}

/// Every string in a JSON value.
fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Byte strings a log-entry field may encode: base64 once or twice
/// (Rekor's intoto kind), and PEM inside.
fn decodings(s: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(d1) = b64d(s) {
        if let Some(der) = crate::rekor::pem_to_der(&d1) {
            out.push(der);
        }
        if let Some(d2) = std::str::from_utf8(&d1).ok().and_then(b64d) {
            if let Some(der) = crate::rekor::pem_to_der(&d2) {
                out.push(der);
            }
            out.push(d2);
        }
        out.push(d1);
    }
    out
}

/// Checks that a verified log entry's body records one of `hashes` (the
/// content), `sig` and `signer_der` (certificate DER or key SPKI DER), in
/// whichever kind (hashedrekord, dsse, intoto; v0.0.1 and v0.0.2) it is.
/// Without this, a valid entry of another signing could be attached
/// (CVE-2022-36056).
fn entry_binds(body: &str, hashes: &[Vec<u8>], sig: &[u8], signer_der: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return vec!["the log entry body is not JSON".into()];
    };
    let mut all = Vec::new();
    strings(&v, &mut all);
    let mut p = Vec::new();
    let hash_ok = all.iter().any(|s| {
        hashes
            .iter()
            .any(|h| s.eq_ignore_ascii_case(&hex::encode(h)) || b64d(s).is_some_and(|d| &d == h))
    });
    if !hash_ok {
        p.push(
            "the log entry does not record this content's hash (entry of another artifact)".into(),
        );
    }
    let decoded: Vec<Vec<u8>> = all.iter().flat_map(|s| decodings(s)).collect();
    if !decoded.iter().any(|d| d == sig) {
        p.push("the log entry records a different signature than this one (entry of another signing, CVE-2022-36056)".into());
    }
    let signer_ok = decoded.iter().any(|d| {
        d.as_slice() == signer_der || crate::x509::spki_of_cert(d).is_some_and(|k| k == signer_der)
    });
    if !signer_ok {
        p.push(
            "the log entry records a different key or certificate than the one that signed".into(),
        );
    }
    p
}
