//! The X.509 checks keyless verification needs, done by us: chain signatures
//! (ECDSA P-256/P-384), validity windows, the Fulcio identity (SAN) and
//! OIDC issuer extensions.

use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256, Sha384};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
/// Fulcio OIDC issuer (v1, raw string value; deprecated).
pub const OID_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio OIDC issuer (v2, DER UTF8String).
pub const OID_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
const OID_SAN: &str = "2.5.29.17";
const OID_EKU: &str = "2.5.29.37";
const OID_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";

/// A parsed certificate with the parts we use.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The DER bytes.
    pub der: Vec<u8>,
    /// Parsed form.
    pub cert: Certificate,
}

/// SPKI DER of a DER certificate.
pub fn spki_of_cert(der: &[u8]) -> Option<Vec<u8>> {
    let c = Certificate::from_der(der).ok()?;
    c.tbs_certificate.subject_public_key_info.to_der().ok()
}

impl Cert {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let cert =
            Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
        Ok(Cert {
            der: der.to_vec(),
            cert,
        })
    }

    /// Parses the first PEM certificate in `pem`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        let der = crate::rekor::pem_to_der(pem).ok_or("not a PEM certificate")?;
        Self::from_der(&der)
    }

    /// All PEM certificates in `pem` (a chain annotation).
    pub fn chain_from_pem(pem: &str) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        for block in pem.split("-----END CERTIFICATE-----") {
            if block.contains("-----BEGIN CERTIFICATE-----") {
                out.push(Self::from_pem(
                    format!("{block}-----END CERTIFICATE-----").as_bytes(),
                )?);
            }
        }
        Ok(out)
    }

    /// SPKI DER.
    pub fn spki_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .expect("encodes")
    }

    /// notBefore, notAfter in epoch seconds.
    pub fn validity(&self) -> (i64, i64) {
        let v = &self.cert.tbs_certificate.validity;
        (
            v.not_before.to_unix_duration().as_secs() as i64,
            v.not_after.to_unix_duration().as_secs() as i64,
        )
    }

    /// Subject as a string, for messages.
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    fn extension(&self, oid: &str) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id.to_string() == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    /// Subject alternative names (URI and e-mail forms).
    pub fn identities(&self) -> Vec<String> {
        let Some(v) = self.extension(OID_SAN) else {
            return Vec::new();
        };
        let Ok(san) = SubjectAltName::from_der(v) else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|g| match g {
                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                GeneralName::Rfc822Name(m) => Some(m.to_string()),
                GeneralName::OtherName(o) => o
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .ok()
                    .map(|s| s.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The OIDC issuer Fulcio recorded (v2 extension, else v1).
    pub fn oidc_issuer(&self) -> Option<String> {
        if let Some(v) = self.extension(OID_ISSUER_V2) {
            if let Ok(s) = der::asn1::Utf8StringRef::from_der(v) {
                return Some(s.to_string());
            }
        }
        self.extension(OID_ISSUER_V1)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_string)
    }

    /// True if the extended key usage includes code signing.
    pub fn has_code_signing_eku(&self) -> bool {
        self.extension(OID_EKU).is_some_and(|v| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(v)
                .map(|e| e.0.iter().any(|o| o.to_string() == OID_CODE_SIGNING))
                .unwrap_or(false)
        })
    }

    /// True if `issuer`'s key signed this certificate.
    pub fn is_signed_by(&self, issuer: &Cert) -> bool {
        let Ok(tbs) = self.cert.tbs_certificate.to_der() else {
            return false;
        };
        let sig = self.cert.signature.raw_bytes();
        let alg = self.cert.signature_algorithm.oid.to_string();
        verify_spki(&issuer.spki_der(), &alg, &tbs, sig)
    }

    /// Verifies `signature` over `message` with this certificate's key
    /// (ECDSA P-256 + SHA-256, or P-384 + SHA-384).
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        let spki = self.spki_der();
        verify_spki(&spki, ECDSA_SHA256, message, signature)
            || verify_spki(&spki, ECDSA_SHA384, message, signature)
    }
}

/// Verifies an ECDSA signature with an SPKI (P-256 or P-384) under the
/// signature algorithm `alg_oid` (ecdsa-with-SHA256/384).
pub fn verify_spki(spki: &[u8], alg_oid: &str, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::pkcs8::DecodePublicKey;
    let prehash: Vec<u8> = match alg_oid {
        ECDSA_SHA256 => Sha256::digest(message).to_vec(),
        ECDSA_SHA384 => Sha384::digest(message).to_vec(),
        _ => return false,
    };
    if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
        let Ok(s) = p256::ecdsa::Signature::from_der(signature) else {
            return false;
        };
        return k.verify_prehash(&prehash, &s).is_ok();
    }
    if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(spki) {
        let Ok(s) = p384::ecdsa::Signature::from_der(signature) else {
            return false;
        };
        return k.verify_prehash(&prehash, &s).is_ok();
    }
    false
}
