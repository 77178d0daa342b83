//! cosign's simple-signing payload and signature-layer annotations.

use serde::{Deserialize, Serialize};

/// Media type of a legacy cosign signature layer.
pub const SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The `type` every cosign image signature payload carries.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";
/// Annotation prefixes cosign has used (both accepted).
pub const PREFIXES: [&str; 2] = ["dev.cosignproject.cosign/", "dev.sigstore.cosign/"];

/// The simple-signing payload (`{"critical":{…},"optional":…}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// The signed claims.
    pub critical: Critical,
    /// Free-form annotations (`cosign sign -a`).
    #[serde(default)]
    pub optional: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The critical section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Critical {
    /// Identity.
    pub identity: Identity,
    /// Image.
    pub image: Image,
    /// Always [`PAYLOAD_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// The identity section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    /// Repository the signer named (informational: the digest binds).
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// The image section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    /// The signed manifest digest.
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

impl Payload {
    /// The payload cosign writes for `repository` at `digest`.
    pub fn new(repository: &str, digest: &str) -> Self {
        Payload {
            critical: Critical {
                identity: Identity {
                    docker_reference: repository.to_string(),
                },
                image: Image {
                    docker_manifest_digest: digest.to_string(),
                },
                kind: PAYLOAD_TYPE.to_string(),
            },
            optional: None,
        }
    }

    /// Serialises as cosign does (compact JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("payload serialises")
    }
}

/// The value of annotation `name` (e.g. `signature`) under either prefix.
pub fn annotation<'a>(
    ann: Option<&'a std::collections::BTreeMap<String, String>>,
    name: &str,
) -> Option<&'a str> {
    let ann = ann?;
    PREFIXES
        .iter()
        .find_map(|p| ann.get(&format!("{p}{name}")).map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_matches_cosign_shape() {
        let p = Payload::new("reg/app", "sha256:ab");
        assert_eq!(
            String::from_utf8(p.to_bytes()).unwrap(),
            r#"{"critical":{"identity":{"docker-reference":"reg/app"},"image":{"docker-manifest-digest":"sha256:ab"},"type":"cosign container image signature"},"optional":null}"#
        );
    }
}
