//! Image verification: constraints in, a full report out.
//!
//! [`verify_image`] never stops at the first problem: the report lists every
//! unsatisfied constraint, every signature found (and where), which verified
//! and why each other one did not. Registry failures are kept apart
//! ([`ImageReport::error`]) so that "could not look" is never read as "found
//! nothing".

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::bundle;
use crate::keys::PublicKey;
use crate::reference::{cosign_tag, Reference};
use crate::registry::{Registry, RegistryError};
use crate::rekor::{LegacyBundle, Signer};
use crate::simplesigning::{annotation, Payload, PAYLOAD_TYPE, SIMPLESIGNING};
use crate::trust::TrustedRoot;
use crate::x509::Cert;

/// An exact value or a regular expression (anchored).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Must equal.
    Exact(String),
    /// Must match the whole value.
    Regex(regex::Regex),
}

impl Matcher {
    /// Builds a regex matcher, anchoring it to the whole value.
    pub fn regex(pattern: &str) -> Result<Self, regex::Error> {
        Ok(Matcher::Regex(regex::Regex::new(&format!(
            "^(?:{pattern})$"
        ))?))
    }
    /// True if `v` matches.
    pub fn matches(&self, v: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == v,
            Matcher::Regex(r) => r.is_match(v),
        }
    }
    fn describe(&self) -> String {
        match self {
            Matcher::Exact(e) => format!("`{e}`"),
            Matcher::Regex(r) => format!("/{}/", r.as_str()),
        }
    }
}

/// Keyless constraints: who must have signed, per the Fulcio certificate.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate identity (SAN).
    pub subject: Matcher,
    /// The OIDC issuer.
    pub issuer: Matcher,
}

/// What an image must satisfy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Trusted keys (any-of, or at least `min_signatures` distinct ones).
    pub keys: Vec<PublicKey>,
    /// Keyless identities (any-of).
    pub identities: Vec<Identity>,
    /// Distinct trusted signers required (default 1).
    pub min_signatures: usize,
    /// The trusted root for logs and CAs.
    pub trusted_root: Arc<TrustedRoot>,
    /// Accept key-signed signatures without a transparency-log entry.
    pub insecure_ignore_tlog: bool,
    /// Do not check the SCT embedded in Fulcio certificates (private CAs
    /// without certificate transparency).
    pub insecure_ignore_sct: bool,
    /// Registries (or `registry/path/` prefixes) images may come from; empty = any.
    pub allowed_registries: Vec<String>,
    /// Tag-only references fail.
    pub require_digest: bool,
    /// Images verified at once.
    pub concurrency: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            keys: Vec::new(),
            identities: Vec::new(),
            min_signatures: 1,
            trusted_root: Arc::new(TrustedRoot::public_good()),
            insecure_ignore_tlog: false,
            insecure_ignore_sct: false,
            allowed_registries: Vec::new(),
            require_digest: false,
            concurrency: 16,
        }
    }
}

/// One signature found for an image.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// Where it was found (`tag sha256-….sig layer 1`, `referrer sha256:…`).
    pub location: String,
    /// `legacy` (simple-signing layer) or `bundle` (Sigstore bundle).
    pub format: String,
    /// True if it verified under the policy.
    pub verified: bool,
    /// Who signed: the key (`cosign.pub (fp 1234…)`) or certificate identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Why it did not verify (empty if it did).
    pub reasons: Vec<String>,
    /// Warnings that hold even when it verified (e.g. tlog not checked).
    pub warnings: Vec<String>,
    /// Transparency-log entry, if one verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlog: Option<String>,
    /// RFC 3161 timestamps that verified (authority and time).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<String>,
    #[serde(skip)]
    pub(crate) signer_id: Option<String>,
}

/// The result for one image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    /// The reference as given.
    pub reference: String,
    /// The resolved digest, if the registry answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Every signature found.
    pub signatures: Vec<SignatureReport>,
    /// Every unsatisfied constraint.
    pub unsatisfied: Vec<String>,
    /// A registry or network failure that stopped the lookup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True if every constraint held and no error happened.
    pub verified: bool,
}

impl ImageReport {
    fn new(reference: &str) -> Self {
        ImageReport {
            reference: reference.to_string(),
            digest: None,
            signatures: Vec::new(),
            unsatisfied: Vec::new(),
            error: None,
            verified: false,
        }
    }
}

/// True if `r` comes from one of `allowed` (host, or host/path prefix).
pub fn registry_allowed(r: &Reference, allowed: &[String]) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let full = r.repository_name();
    allowed.iter().any(|a| {
        let a = a.trim_end_matches('/');
        let a = if a == "index.docker.io" {
            "docker.io"
        } else {
            a
        };
        if a.contains('/') {
            full == a || full.starts_with(&format!("{a}/"))
        } else {
            r.registry == a
        }
    })
}

/// Constraints that need no registry: allowlist and digest pinning.
pub fn static_constraints(r: &Reference, policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    if !registry_allowed(r, &policy.allowed_registries) {
        out.push(format!(
            "registry `{}` is not allowed (allowed: {})",
            r.registry,
            policy.allowed_registries.join(", ")
        ));
    }
    if policy.require_digest && r.digest.is_none() {
        out.push("the reference has no digest (--require-digest): pin it as image@sha256:… (`secgate-image manifests --pin`)".into());
    }
    out
}

/// Verifies many images concurrently; results are in input order.
pub async fn verify_images(
    registry: &Registry,
    images: &[String],
    policy: &Policy,
) -> Vec<ImageReport> {
    stream::iter(images.iter().map(|i| verify_image(registry, i, policy)))
        .buffered(policy.concurrency.max(1))
        .collect()
        .await
}

/// Verifies one image reference.
pub async fn verify_image(registry: &Registry, image: &str, policy: &Policy) -> ImageReport {
    let mut rep = ImageReport::new(image);
    let r = match Reference::parse(image) {
        Ok(r) => r,
        Err(e) => {
            rep.unsatisfied.push(e.to_string());
            return rep;
        }
    };
    rep.unsatisfied = static_constraints(&r, policy);
    if policy.keys.is_empty() && policy.identities.is_empty() {
        rep.unsatisfied.push(
            "no trust configured: give --key or --certificate-identity/--certificate-oidc-issuer"
                .into(),
        );
    }
    if let Err(e) = lookup(registry, &r, policy, &mut rep).await {
        rep.error = Some(e.to_string());
    }
    if rep.error.is_none() && rep.digest.is_some() {
        let verified: Vec<&SignatureReport> =
            rep.signatures.iter().filter(|s| s.verified).collect();
        let distinct: BTreeSet<&str> = verified
            .iter()
            .filter_map(|s| s.signer_id.as_deref())
            .collect();
        let need = policy.min_signatures.max(1);
        if distinct.len() < need {
            rep.unsatisfied.push(if rep.signatures.is_empty() {
                "no signature found (neither a cosign .sig tag nor a Sigstore bundle referrer)"
                    .to_string()
            } else if need == 1 {
                format!(
                    "none of the {} signature(s) found verified",
                    rep.signatures.len()
                )
            } else {
                format!(
                    "{} distinct trusted signer(s) verified, {need} required (--min-signatures)",
                    distinct.len()
                )
            });
        }
    }
    rep.verified = rep.error.is_none() && rep.unsatisfied.is_empty() && rep.digest.is_some();
    rep
}

async fn lookup(
    registry: &Registry,
    r: &Reference,
    policy: &Policy,
    rep: &mut ImageReport,
) -> Result<(), RegistryError> {
    let Some(m) = registry.get_manifest(r, r.manifest_ref()).await? else {
        rep.unsatisfied
            .push(format!("image not found in the registry: {r}"));
        return Ok(());
    };
    let digest = m.digest.clone();
    rep.digest = Some(digest.clone());

    // Legacy: the sha256-<hex>.sig tag.
    let sig_tag = cosign_tag(&digest, "sig");
    if let Some(sm) = registry.get_manifest(r, &sig_tag).await? {
        let man = sm.parse().map_err(|e| RegistryError::Protocol {
            url: format!("{}:{sig_tag}", r.repository_name()),
            message: format!("signature manifest is not an OCI manifest: {e}"),
        })?;
        for (i, layer) in man.layers.iter().enumerate() {
            let location = format!("tag {sig_tag} layer {}", i + 1);
            if layer.media_type != SIMPLESIGNING {
                rep.signatures.push(failed(
                    &location,
                    "legacy",
                    format!(
                        "layer media type `{}` is not {SIMPLESIGNING}",
                        layer.media_type
                    ),
                ));
                continue;
            }
            let payload = registry.get_blob(r, &layer.digest).await?;
            rep.signatures.push(verify_legacy(
                &location,
                &payload,
                layer.annotations.as_ref(),
                &digest,
                policy,
            ));
        }
        if man.layers.is_empty() {
            rep.signatures.push(failed(
                &format!("tag {sig_tag}"),
                "legacy",
                "the signature manifest has no layers".into(),
            ));
        }
    }

    // cosign v3: Sigstore bundles as OCI 1.1 referrers (API, else tag fallback).
    let (referrers, via) = registry.referrers(r, &digest).await?;
    for d in referrers {
        let art = d.artifact_type.clone().unwrap_or_default();
        if !bundle::is_bundle_media_type(&art) {
            continue;
        }
        let location = format!("referrer {} ({via})", d.digest);
        let Some(bm) = registry.get_manifest(r, &d.digest).await? else {
            rep.signatures.push(failed(
                &location,
                "bundle",
                "listed referrer manifest is missing".into(),
            ));
            continue;
        };
        let man = bm.parse().map_err(|e| RegistryError::Protocol {
            url: format!("{}@{}", r.repository_name(), d.digest),
            message: format!("referrer is not an OCI manifest: {e}"),
        })?;
        if man.subject.as_ref().map(|s| s.digest.as_str()) != Some(digest.as_str()) {
            rep.signatures.push(failed(
                &location,
                "bundle",
                "the referrer's subject is not this image".into(),
            ));
            continue;
        }
        let Some(layer) = man
            .layers
            .iter()
            .find(|l| bundle::is_bundle_media_type(&l.media_type))
        else {
            rep.signatures.push(failed(
                &location,
                "bundle",
                "the referrer has no bundle layer".into(),
            ));
            continue;
        };
        let bytes = registry.get_blob(r, &layer.digest).await?;
        rep.signatures.push(bundle::verify_image_bundle(
            &location, &bytes, &digest, policy,
        ));
    }
    Ok(())
}

pub(crate) fn failed(location: &str, format: &str, reason: String) -> SignatureReport {
    SignatureReport {
        location: location.to_string(),
        format: format.to_string(),
        verified: false,
        signer: None,
        reasons: vec![reason],
        warnings: Vec::new(),
        tlog: None,
        timestamps: Vec::new(),
        signer_id: None,
    }
}

/// Verifies one legacy signature layer (simple-signing payload + annotations).
pub fn verify_legacy(
    location: &str,
    payload: &[u8],
    ann: Option<&std::collections::BTreeMap<String, String>>,
    image_digest: &str,
    policy: &Policy,
) -> SignatureReport {
    let mut s = failed(location, "legacy", String::new());
    s.reasons.clear();
    match serde_json::from_slice::<Payload>(payload) {
        Ok(p) => {
            if p.critical.kind != PAYLOAD_TYPE {
                s.reasons.push(format!(
                    "payload type `{}` is not `{PAYLOAD_TYPE}`",
                    p.critical.kind
                ));
            }
            if p.critical.image.docker_manifest_digest != image_digest {
                s.reasons.push(format!(
                    "the payload signs digest {}, not this image's {image_digest}",
                    p.critical.image.docker_manifest_digest
                ));
            }
        }
        Err(e) => s.reasons.push(format!(
            "the payload is not a cosign simple-signing payload: {e}"
        )),
    }
    let sig = match annotation(ann, "signature")
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()))
    {
        Some(Ok(sig)) => sig,
        Some(Err(_)) => {
            s.reasons
                .push("the signature annotation is not base64".into());
            return s;
        }
        None => {
            s.reasons.push(
                "the layer has no signature annotation (dev.cosignproject.cosign/signature)".into(),
            );
            return s;
        }
    };
    let bundle = annotation(ann, "bundle").map(LegacyBundle::parse);
    let cert = annotation(ann, "certificate").filter(|c| !c.trim().is_empty());

    // Key-based.
    let mut key_ok = false;
    if !policy.keys.is_empty() {
        if let Some(k) = policy.keys.iter().find(|k| k.verify(payload, &sig)) {
            key_ok = true;
            s.signer = Some(format!(
                "key {} (fingerprint {})",
                k.source_name,
                k.fingerprint()
            ));
            s.signer_id = Some(format!("key:{}", k.fingerprint()));
            let spki = p256::pkcs8::EncodePublicKey::to_public_key_der(&k.key).expect("encodes");
            tlog_check(
                &mut s,
                bundle.as_ref(),
                policy,
                payload,
                &sig,
                Signer::KeyDer(spki.as_bytes()),
                None,
            );
        } else if policy.identities.is_empty() || cert.is_none() {
            s.reasons.push(format!(
                "the signature does not verify with any of the {} trusted key(s)",
                policy.keys.len()
            ));
        }
    }
    // Keyless.
    if !key_ok && !policy.identities.is_empty() {
        match cert {
            None if policy.keys.is_empty() => s
                .reasons
                .push("no certificate annotation: not a keyless signature".into()),
            None => {}
            Some(pem) => match Cert::from_pem(pem.as_bytes()) {
                Err(e) => s.reasons.push(format!("certificate annotation: {e}")),
                Ok(leaf) => {
                    let mut reasons = Vec::new();
                    if !leaf.verify_message(payload, &sig) {
                        reasons.push("the signature does not verify with the certificate's key over this payload".into());
                    }
                    crate::keyless::check_certificate(&leaf, policy, &mut reasons, &mut s.warnings);
                    let mut probe = failed(location, "legacy", String::new());
                    probe.reasons.clear();
                    let time = tlog_check(
                        &mut probe,
                        bundle.as_ref(),
                        policy,
                        payload,
                        &sig,
                        Signer::CertDer(&leaf.der),
                        Some(&leaf),
                    );
                    reasons.append(&mut probe.reasons);
                    s.tlog = probe.tlog;
                    if time.is_none() && bundle.is_none() {
                        reasons.push("keyless signature without a transparency-log entry: no trusted signing time".into());
                    }
                    if reasons.is_empty() {
                        let id = leaf.identities().join(", ");
                        s.signer = Some(format!(
                            "certificate {id} (issuer {})",
                            leaf.oidc_issuer().unwrap_or_default()
                        ));
                        s.signer_id = Some(format!("cert:{id}"));
                    }
                    s.reasons.append(&mut reasons);
                }
            },
        }
    }
    s.verified = s.reasons.is_empty() && s.signer_id.is_some();
    if !s.verified {
        s.signer_id = None;
        if s.reasons.is_empty() {
            s.reasons
                .push("no configured key or identity matched this signature".into());
        }
    }
    s
}

/// Checks the transparency-log entry; returns the trusted integrated time.
fn tlog_check(
    s: &mut SignatureReport,
    bundle: Option<&Result<LegacyBundle, String>>,
    policy: &Policy,
    payload: &[u8],
    sig: &[u8],
    signer: Signer<'_>,
    leaf: Option<&Cert>,
) -> Option<i64> {
    if leaf.is_none() && policy.insecure_ignore_tlog {
        s.warnings
            .push("INSECURE: transparency log not checked (--insecure-ignore-tlog)".into());
        return None;
    }
    match bundle {
        Some(Ok(b)) => match b.verify(&policy.trusted_root, payload, sig, signer) {
            Ok(entry) => {
                s.tlog = Some(format!(
                    "{} index {} at {}",
                    entry.log_url, entry.log_index, entry.integrated_time
                ));
                if let Some(leaf) = leaf {
                    let (nb, na) = leaf.validity();
                    if entry.integrated_time < nb || entry.integrated_time > na {
                        s.reasons.push(
                            "the log entry's time is outside the certificate's validity".into(),
                        );
                    }
                }
                Some(entry.integrated_time)
            }
            Err(p) => {
                s.reasons.extend(p);
                None
            }
        },
        Some(Err(e)) => {
            s.reasons.push(e.clone());
            None
        }
        None if leaf.is_none() => {
            s.reasons.push("no transparency-log entry; a key-signed image without one needs --insecure-ignore-tlog".into());
            None
        }
        None => None,
    }
}

/// Describes the identity constraints, for messages.
pub fn describe_identities(ids: &[Identity]) -> String {
    ids.iter()
        .map(|i| format!("{} from {}", i.subject.describe(), i.issuer.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}
