//! Public and private keys: PEM files or `env://VAR`.
//!
//! Supported: ECDSA P-256 (what `cosign generate-key-pair` makes). Public keys
//! are SPKI PEM (`PUBLIC KEY`); private keys PKCS#8 (`PRIVATE KEY`) or SEC1
//! (`EC PRIVATE KEY`). Other algorithms are refused with a message, never
//! ignored.

use p256::ecdsa::{signature::Verifier as _, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePublicKey as _, LineEnding};
use sha2::{Digest as _, Sha256};

/// A key that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[error("key {source_name}: {message}")]
pub struct KeyError {
    /// Where the key came from (path or `env://VAR`).
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// A trusted public key.
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// Where it came from (path or `env://VAR`).
    pub source_name: String,
    /// The key.
    pub key: VerifyingKey,
}

/// Reads `spec`: a path, or `env://VAR` for the key in an environment variable.
pub fn read_key_material(spec: &str) -> Result<Vec<u8>, KeyError> {
    let e = |m: String| KeyError {
        source_name: spec.to_string(),
        message: m,
    };
    if let Some(var) = spec.strip_prefix("env://") {
        return std::env::var(var).map(|s| s.into_bytes()).map_err(|_| {
            e(format!(
                "environment variable {var} is not set (or not UTF-8)"
            ))
        });
    }
    std::fs::read(spec).map_err(|x| e(format!("cannot read: {x}")))
}

impl PublicKey {
    /// Parses a PEM public key.
    pub fn from_pem(source_name: &str, pem: &[u8]) -> Result<Self, KeyError> {
        let e = |m: &str| KeyError {
            source_name: source_name.to_string(),
            message: m.to_string(),
        };
        let text = std::str::from_utf8(pem).map_err(|_| e("not a PEM file (not text)"))?;
        if text.contains("BEGIN RSA PUBLIC KEY") {
            return Err(e(
                "RSA keys are not supported; use an ECDSA P-256 key (`cosign generate-key-pair`)",
            ));
        }
        if !text.contains("-----BEGIN PUBLIC KEY-----") {
            if text.contains("PRIVATE KEY") {
                return Err(e(
                    "this is a PRIVATE key; verification needs the public key (cosign.pub)",
                ));
            }
            return Err(e(
                "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)",
            ));
        }
        let key = VerifyingKey::from_public_key_pem(text.trim()).map_err(|x| KeyError {
            source_name: source_name.to_string(),
            message: format!("not an ECDSA P-256 public key ({x}); only P-256 keys are supported"),
        })?;
        Ok(PublicKey {
            source_name: source_name.to_string(),
            key,
        })
    }

    /// Loads from a path or `env://VAR`.
    pub fn load(spec: &str) -> Result<Self, KeyError> {
        Self::from_pem(spec, &read_key_material(spec)?)
    }

    /// SPKI PEM of the key.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("P-256 keys encode")
    }

    /// Short fingerprint: first 16 hex digits of SHA-256 over the SPKI DER.
    pub fn fingerprint(&self) -> String {
        let der = self.key.to_public_key_der().expect("P-256 keys encode");
        hex::encode(&Sha256::digest(der.as_bytes())[..8])
    }

    /// Verifies an ECDSA signature (ASN.1 DER, or raw r‖s) over `message` with SHA-256.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        verify_p256(&self.key, message, signature)
    }
}

/// Verifies a P-256/SHA-256 signature in DER or fixed (r‖s) form.
pub fn verify_p256(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let sig = Signature::from_der(signature).or_else(|_| Signature::from_slice(signature));
    match sig {
        Ok(s) => key.verify(message, &s).is_ok(),
        Err(_) => false,
    }
}

/// A private signing key.
#[derive(Clone)]
pub struct PrivateKey {
    /// Where it came from.
    pub source_name: String,
    /// The key.
    pub key: SigningKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PrivateKey {{ source_name: {:?}, key: <redacted> }}",
            self.source_name
        )
    }
}

impl PrivateKey {
    /// Parses a PEM private key (PKCS#8 or SEC1, P-256).
    pub fn from_pem(source_name: &str, pem: &[u8]) -> Result<Self, KeyError> {
        let e = |m: String| KeyError {
            source_name: source_name.to_string(),
            message: m,
        };
        let text = std::str::from_utf8(pem).map_err(|_| e("not a PEM file (not text)".into()))?;
        let key = if text.contains("ENCRYPTED SIGSTORE PRIVATE KEY")
            || text.contains("ENCRYPTED COSIGN PRIVATE KEY")
        {
            return Err(e(
                "cosign's encrypted key format is not supported yet; export an unencrypted PKCS#8 key \
                 (e.g. `openssl pkcs8 -topk8 -nocrypt`) and pass it through a masked CI variable with env://VAR"
                    .into(),
            ));
        } else if text.contains("BEGIN EC PRIVATE KEY") {
            let sk = p256::SecretKey::from_sec1_pem(text.trim())
                .map_err(|x| e(format!("not a P-256 EC key: {x}")))?;
            SigningKey::from(sk)
        } else if text.contains("BEGIN PRIVATE KEY") {
            SigningKey::from_pkcs8_pem(text.trim())
                .map_err(|x| e(format!("not a P-256 PKCS#8 key: {x}")))?
        } else {
            return Err(e(
                "not a PEM private key (expected PRIVATE KEY or EC PRIVATE KEY)".into(),
            ));
        };
        Ok(PrivateKey {
            source_name: source_name.to_string(),
            key,
        })
    }

    /// Loads from a path or `env://VAR`.
    pub fn load(spec: &str) -> Result<Self, KeyError> {
        Self::from_pem(spec, &read_key_material(spec)?)
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            source_name: self.source_name.clone(),
            key: *self.key.verifying_key(),
        }
    }

    /// Signs `message` (ECDSA P-256, SHA-256, deterministic RFC 6979); DER.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let s: Signature = self.key.sign(message);
        s.to_der().as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip_and_refusals() {
        let sk = SigningKey::from_slice(&Sha256::digest(b"test key")).unwrap();
        let k = PrivateKey {
            source_name: "t".into(),
            key: sk,
        };
        let sig = k.sign(b"hello");
        let pk = PublicKey::from_pem("p", k.public().to_pem().as_bytes()).unwrap();
        assert!(pk.verify(b"hello", &sig));
        assert!(!pk.verify(b"hellO", &sig));
        assert!(PublicKey::from_pem(
            "x",
            b"-----BEGIN RSA PUBLIC KEY-----\nAA\n-----END RSA PUBLIC KEY-----"
        )
        .is_err());
        assert!(PublicKey::from_pem("x", b"garbage").is_err());
        assert!(!format!("{k:?}").contains("key: S"));
    }
}
