//! Key-based signing as cosign does it: the legacy `.sig` tag (appending a
//! layer, never replacing the signatures already there) and, with
//! `--bundle`, a Sigstore v0.3 bundle pushed as an OCI 1.1 referrer (with
//! the referrers-tag index updated for registries without the API).

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::bundle::{self, pae, Bundle, Envelope, EnvelopeSignature, VerificationMaterial};
use crate::keys::PrivateKey;
use crate::reference::{cosign_tag, Reference};
use crate::registry::{
    sha256_digest, Descriptor, Manifest, Registry, RegistryError, OCI_EMPTY, OCI_INDEX,
    OCI_MANIFEST,
};
use crate::simplesigning::{Payload, SIMPLESIGNING};

/// What signing did.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The image digest signed.
    pub digest: String,
    /// Where the signature went (tag or referrer digest).
    pub location: String,
    /// Signatures now stored at that location (legacy format).
    pub total: usize,
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Registry failure.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The image does not exist.
    #[error("image not found: {0}")]
    NotFound(String),
}

async fn resolve(registry: &Registry, r: &Reference) -> Result<String, SignError> {
    match registry.get_manifest(r, r.manifest_ref()).await? {
        Some(m) => Ok(m.digest),
        None => Err(SignError::NotFound(r.to_string())),
    }
}

/// Signs `image` in the legacy format, appending to the `.sig` tag.
pub async fn sign_legacy(
    registry: &Registry,
    image: &Reference,
    key: &PrivateKey,
) -> Result<Signed, SignError> {
    let digest = resolve(registry, image).await?;
    let payload = Payload::new(&image.repository_name(), &digest).to_bytes();
    let sig = base64::engine::general_purpose::STANDARD.encode(key.sign(&payload));
    let tag = cosign_tag(&digest, "sig");
    let mut man = match registry.get_manifest(image, &tag).await? {
        Some(m) => m.parse().map_err(|e| RegistryError::Protocol {
            url: format!("{}:{tag}", image.repository_name()),
            message: format!("existing signature manifest is not an OCI manifest: {e}"),
        })?,
        None => Manifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST.into()),
            ..Default::default()
        },
    };
    let mut layer = registry.push_blob(image, SIMPLESIGNING, &payload).await?;
    let mut ann = BTreeMap::new();
    ann.insert(
        "dev.cosignproject.cosign/signature".to_string(),
        sig.clone(),
    );
    layer.annotations = Some(ann);
    let dup = man.layers.iter().any(|l| {
        l.digest == layer.digest
            && crate::simplesigning::annotation(l.annotations.as_ref(), "signature")
                == Some(sig.as_str())
    });
    if !dup {
        man.layers.push(layer);
    }
    let diff_ids: Vec<&str> = man.layers.iter().map(|l| l.digest.as_str()).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "", "os": "", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .expect("json");
    man.config = Some(
        registry
            .push_blob(image, "application/vnd.oci.image.config.v1+json", &config)
            .await?,
    );
    man.media_type = Some(OCI_MANIFEST.into());
    let bytes = serde_json::to_vec(&man).expect("json");
    registry
        .push_manifest(image, &tag, OCI_MANIFEST, &bytes)
        .await?;
    Ok(Signed {
        digest,
        location: format!("tag {tag}"),
        total: man.layers.len(),
    })
}

/// Builds a key-signed v0.3 bundle: DSSE over an in-toto statement whose
/// subject is `repository@digest` and whose predicate type is cosign's image
/// signature (`https://sigstore.dev/cosign/sign/v1`). It has no log entry
/// (verifying it needs `--insecure-ignore-tlog`, as for any key signature
/// not in Rekor).
pub fn make_bundle(repository: &str, digest: &str, key: &PrivateKey) -> Vec<u8> {
    make_statement_bundle(repository, digest, bundle::SIGN_PREDICATE, key)
}

/// Builds a key-signed v0.3 DSSE bundle of an in-toto statement with any
/// predicate type (an attestation when it is not the sign predicate).
pub fn make_statement_bundle(
    repository: &str,
    digest: &str,
    predicate_type: &str,
    key: &PrivateKey,
) -> Vec<u8> {
    let hexd = digest.strip_prefix("sha256:").unwrap_or(digest);
    let statement = serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": repository, "digest": {"sha256": hexd}}],
        "predicateType": predicate_type,
        "predicate": {}
    }))
    .expect("json");
    let sig = key.sign(&pae(bundle::INTOTO, &statement));
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let b = Bundle {
        media_type: bundle::BUNDLE_V03.into(),
        verification_material: VerificationMaterial {
            public_key: Some(serde_json::json!({"hint": key.public().fingerprint()})),
            ..Default::default()
        },
        dsse_envelope: Some(Envelope {
            payload: b64(&statement),
            payload_type: bundle::INTOTO.into(),
            signatures: vec![EnvelopeSignature {
                sig: b64(&sig),
                keyid: String::new(),
            }],
        }),
        message_signature: None,
    };
    serde_json::to_vec(&b).expect("json")
}

/// RFC 3339 UTC time (`2024-03-08T18:18:20Z`) of a Unix time.
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86400);
    let secs = unix.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The referrer manifest's annotations cosign v3 writes (cosign's
/// `specs/BUNDLE_SPEC.md`), also copied to the referrers-tag index entry.
fn bundle_annotations(created: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "dev.sigstore.bundle.content".to_string(),
            "dsse-envelope".to_string(),
        ),
        (
            "dev.sigstore.bundle.predicateType".to_string(),
            bundle::SIGN_PREDICATE.to_string(),
        ),
        (
            "org.opencontainers.image.created".to_string(),
            created.to_string(),
        ),
    ])
}

/// Signs `image` with a v0.3 bundle pushed as a referrer, laid out as
/// cosign v3 does it: an OCI 1.1 image manifest with `artifactType` the
/// bundle media type, the empty config, one bundle layer titled
/// `sha256-<hex>.sigstore.json`, the image as `subject`, and the
/// `dev.sigstore.bundle.*` annotations.
pub async fn sign_bundle(
    registry: &Registry,
    image: &Reference,
    key: &PrivateKey,
) -> Result<Signed, SignError> {
    let digest = resolve(registry, image).await?;
    let subject_m = registry
        .get_manifest(image, &digest)
        .await?
        .ok_or_else(|| SignError::NotFound(image.to_string()))?;
    let bundle_bytes = make_bundle(&image.repository_name(), &digest, key);
    let mut layer = registry
        .push_blob(image, bundle::BUNDLE_V03, &bundle_bytes)
        .await?;
    layer.annotations = Some(BTreeMap::from([(
        "org.opencontainers.image.title".to_string(),
        format!("{}.sigstore.json", layer.digest.replacen(':', "-", 1)),
    )]));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let annotations = bundle_annotations(&rfc3339(now));
    let empty = registry.push_blob(image, OCI_EMPTY, b"{}").await?;
    let man = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.into()),
        artifact_type: Some(bundle::BUNDLE_V03.into()),
        config: Some(empty),
        layers: vec![layer],
        subject: Some(Descriptor {
            media_type: subject_m.media_type.clone(),
            digest: digest.clone(),
            size: subject_m.bytes.len() as u64,
            annotations: None,
            artifact_type: None,
        }),
        manifests: Vec::new(),
        annotations: Some(annotations.clone()),
    };
    let bytes = serde_json::to_vec(&man).expect("json");
    let mdigest = sha256_digest(&bytes);
    registry
        .push_manifest(image, &mdigest, OCI_MANIFEST, &bytes)
        .await?;
    // Registries without the referrers API: maintain the referrers tag index.
    if registry
        .referrers_api(image, &digest, None)
        .await?
        .is_none()
    {
        let tag = cosign_tag(&digest, "");
        let mut idx = match registry.get_manifest(image, &tag).await? {
            Some(m) => m.parse().unwrap_or_default(),
            None => Manifest::default(),
        };
        idx.schema_version = 2;
        idx.media_type = Some(OCI_INDEX.into());
        if !idx.manifests.iter().any(|d| d.digest == mdigest) {
            idx.manifests.push(Descriptor {
                media_type: OCI_MANIFEST.into(),
                digest: mdigest.clone(),
                size: bytes.len() as u64,
                annotations: Some(annotations),
                artifact_type: Some(bundle::BUNDLE_V03.into()),
            });
        }
        let ib = serde_json::to_vec(&idx).expect("json");
        registry.push_manifest(image, &tag, OCI_INDEX, &ib).await?;
    }
    Ok(Signed {
        digest,
        location: format!("referrer {mdigest}"),
        total: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;
    use crate::verify::Policy;

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1709921900), "2024-03-08T18:18:20Z");
        assert_eq!(rfc3339(951782400), "2000-02-29T00:00:00Z");
        assert_eq!(
            crate::trust::parse_rfc3339(&rfc3339(1_800_000_123)),
            Some(1_800_000_123)
        );
    }

    fn key() -> PrivateKey {
        let sk = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
        PrivateKey::from_pem(
            "k",
            p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&sk, p256::pkcs8::LineEnding::LF)
                .unwrap()
                .as_bytes(),
        )
        .unwrap()
    }

    /// With cosign v3 a signature and an attestation are the same referrer
    /// type; an attestation by a trusted key is not an image signature.
    #[test]
    fn an_attestation_is_not_an_image_signature() {
        let k = key();
        let digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        let p = Policy {
            keys: vec![k.public()],
            insecure_ignore_tlog: true,
            ..Policy::default()
        };
        let sig = make_bundle("r.example/app", digest, &k);
        let s = bundle::verify_image_bundle("t", &sig, digest, &p);
        assert!(s.verified, "{:?}", s.reasons);
        let att = make_statement_bundle(
            "r.example/app",
            digest,
            "https://slsa.dev/provenance/v1",
            &k,
        );
        let s = bundle::verify_image_bundle("t", &att, digest, &p);
        assert!(!s.verified);
        assert!(
            s.reasons.iter().any(|r| r.contains("is an attestation")),
            "{:?}",
            s.reasons
        );
        // As an attestation it verifies.
        let s = bundle::verify_bundle("t", &att, bundle::Subject::Attestation(digest), &p);
        assert!(s.verified, "{:?}", s.reasons);
        // Another digest: fails.
        let other = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
        assert!(!bundle::verify_image_bundle("t", &sig, other, &p).verified);
    }
}
