//! Image references as docker and cosign read them.
//!
//! `alpine` is `docker.io/library/alpine:latest`; `localhost:5000/app@sha256:…`
//! names a registry because its first component has a port; a reference may
//! carry a tag, a digest or both (`app:1.0@sha256:…`, where the digest wins).

use std::fmt;

/// The registry that a reference without a registry component names.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry host (and port), e.g. `registry.gitlab.com` or `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path inside the registry, e.g. `group/project/app`.
    pub repository: String,
    /// Tag, if the reference names one.
    pub tag: Option<String>,
    /// Digest (`sha256:<64 hex>`), if the reference pins one.
    pub digest: Option<String>,
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference `{reference}`: {reason}")]
pub struct ReferenceError {
    /// The text that was given.
    pub reference: String,
    /// What is wrong with it.
    pub reason: String,
}

fn err(reference: &str, reason: impl Into<String>) -> ReferenceError {
    ReferenceError {
        reference: reference.to_string(),
        reason: reason.into(),
    }
}

/// Checks that `d` is `sha256:` followed by 64 lowercase hex digits
/// (or `sha512:` and 128), the digest forms registries accept.
pub fn is_valid_digest(d: &str) -> bool {
    let (alg, hex) = match d.split_once(':') {
        Some(p) => p,
        None => return false,
    };
    let want = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == want
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Reference {
    /// Parses a reference the way docker does (lower-case repository,
    /// `docker.io/library/` for single-name images).
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(err(s, "empty"));
        }
        if s.contains(char::is_whitespace) {
            return Err(err(s, "contains whitespace"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !is_valid_digest(d) {
                    return Err(err(
                        s,
                        format!("`{d}` is not a digest (expected sha256:<64 hex digits>)"),
                    ));
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let t = &rest[last_slash + i + 1..];
                (&rest[..last_slash + i], Some(t.to_string()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
            if !ok {
                return Err(err(s, format!("`{t}` is not a valid tag")));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), remainder.to_string())
            }
            _ => (DEFAULT_REGISTRY.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            DEFAULT_REGISTRY.to_string()
        } else {
            registry
        };
        let repository = if registry == DEFAULT_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty()
            || repository.split('/').any(|c| {
                c.is_empty()
                    || !c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
                    || !c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            })
        {
            return Err(err(s, "the repository must be lower-case letters, digits and separators (`.`, `_`, `-`, `/`)"));
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host to talk to for this registry (`docker.io` is served by
    /// `registry-1.docker.io`).
    pub fn api_host(&self) -> &str {
        if self.registry == DEFAULT_REGISTRY {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// What to ask the registry for: the digest if pinned, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The same repository pinned to `digest` (no tag).
    pub fn with_digest(&self, digest: &str) -> Reference {
        Reference {
            digest: Some(digest.to_string()),
            tag: None,
            ..self.clone()
        }
    }

    /// The same repository with `tag` (no digest).
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference {
            digest: None,
            tag: Some(tag.to_string()),
            ..self.clone()
        }
    }

    /// `registry/repository` without tag or digest (cosign's docker-reference).
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// The tag cosign derives from a digest: `sha256:abc` → `sha256-abc.<suffix>`.
pub fn cosign_tag(digest: &str, suffix: &str) -> String {
    let t = digest.replacen(':', "-", 1);
    if suffix.is_empty() {
        t
    } else {
        format!("{t}.{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn docker_normalisation() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = Reference::parse("bitnami/nginx:1.25").unwrap();
        assert_eq!(r.to_string(), "docker.io/bitnami/nginx:1.25");
    }

    #[test]
    fn registries_with_ports_tags_and_digests() {
        let r = Reference::parse(&format!("127.0.0.1:5000/a/b:v1@{D}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.manifest_ref(), D);
        let r = Reference::parse("localhost/app").unwrap();
        assert_eq!(r.registry, "localhost");
        let r = Reference::parse("registry.gitlab.com/g/p").unwrap();
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(cosign_tag(D, "sig"), format!("sha256-{}.sig", &D[7..]));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "UPPER/case",
            "a@sha256:12",
            "a:b c",
            "reg.io/a:-x",
            "reg.io//a",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
