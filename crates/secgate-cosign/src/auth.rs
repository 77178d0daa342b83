//! Registry credentials from the places docker and cosign read them:
//! `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) `auths`, and
//! GitLab CI's `CI_REGISTRY`/`CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD`.
//! Secrets are never printed: [`Credential`]'s `Debug` hides them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;

/// A user name and password or token for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// User name.
    pub username: String,
    /// Password or token (never printed).
    pub secret: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credential {{ username: {:?}, secret: <redacted> }}",
            self.username
        )
    }
}

/// Credentials by registry host.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_host: HashMap<String, Credential>,
}

/// A docker config that exists but cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AuthConfigError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

fn normalise_host(h: &str) -> String {
    let h = h
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let h = h.split('/').next().unwrap_or(h);
    match h {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io".to_string(),
        _ => h.to_string(),
    }
}

impl Credentials {
    /// No credentials.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the credential for `host`.
    pub fn insert(&mut self, host: &str, cred: Credential) {
        self.by_host.insert(normalise_host(host), cred);
    }

    /// The credential for a registry host, if any.
    pub fn for_host(&self, host: &str) -> Option<Credential> {
        self.by_host.get(&normalise_host(host)).cloned()
    }

    /// Reads the docker config and the GitLab CI variables from the
    /// environment. A missing config file is fine; an unreadable or
    /// malformed one is an error (we do not silently drop credentials).
    pub fn from_environment() -> Result<Self, AuthConfigError> {
        let mut c = Credentials::default();
        let dir = std::env::var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        if let Some(dir) = dir {
            let path = dir.join("config.json");
            if path.exists() {
                c.merge_docker_config(&path)?;
            }
        }
        if let (Ok(reg), Ok(user), Ok(pass)) = (
            std::env::var("CI_REGISTRY"),
            std::env::var("CI_REGISTRY_USER"),
            std::env::var("CI_REGISTRY_PASSWORD"),
        ) {
            if !reg.is_empty() && !user.is_empty() {
                c.insert(
                    &reg,
                    Credential {
                        username: user,
                        secret: pass,
                    },
                );
            }
        }
        Ok(c)
    }

    /// Adds the `auths` entries of a docker `config.json`.
    pub fn merge_docker_config(&mut self, path: &Path) -> Result<(), AuthConfigError> {
        let e = |m: String| AuthConfigError {
            path: path.to_path_buf(),
            message: m,
        };
        let text = std::fs::read(path).map_err(|x| e(format!("cannot read: {x}")))?;
        let v: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|x| e(format!("not JSON ({x}); fix or remove it")))?;
        let Some(auths) = v.get("auths").and_then(|a| a.as_object()) else {
            return Ok(());
        };
        for (host, entry) in auths {
            if let Some(a) = entry
                .get("auth")
                .and_then(|a| a.as_str())
                .filter(|a| !a.is_empty())
            {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(a.trim())
                    .map_err(|_| e(format!("auths.{host}.auth is not base64")))?;
                let raw = String::from_utf8(raw)
                    .map_err(|_| e(format!("auths.{host}.auth is not UTF-8")))?;
                let (u, p) = raw.split_once(':').ok_or_else(|| {
                    e(format!("auths.{host}.auth is not base64 of user:password"))
                })?;
                self.insert(
                    host,
                    Credential {
                        username: u.to_string(),
                        secret: p.to_string(),
                    },
                );
            } else if let (Some(u), Some(p)) = (
                entry.get("username").and_then(|x| x.as_str()),
                entry.get("password").and_then(|x| x.as_str()),
            ) {
                self.insert(
                    host,
                    Credential {
                        username: u.to_string(),
                        secret: p.to_string(),
                    },
                );
            } else if let Some(t) = entry.get("identitytoken").and_then(|x| x.as_str()) {
                self.insert(
                    host,
                    Credential {
                        username: "<token>".into(),
                        secret: t.to_string(),
                    },
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_auths() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &p,
            format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},"reg.example:5000":{{"username":"bob","password":"pw"}}}}}}"#),
        )
        .unwrap();
        let mut c = Credentials::none();
        c.merge_docker_config(&p).unwrap();
        assert_eq!(
            c.for_host("registry-1.docker.io").unwrap().username,
            "alice"
        );
        assert_eq!(c.for_host("reg.example:5000").unwrap().secret, "pw");
        assert!(!format!("{c:?}").contains("s3cret"));
        std::fs::write(&p, "{not json").unwrap();
        assert!(c.merge_docker_config(&p).is_err());
    }
}
