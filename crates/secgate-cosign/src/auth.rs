//! Registry credentials from the places docker and cosign read them:
//! `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) `auths`, and
//! GitLab CI's `CI_REGISTRY`/`CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD`, and
//! docker credential helpers (`credHelpers`, `credsStore`: the program
//! `docker-credential-<name> get`, the server on stdin, `{"Username",
//! "Secret"}` on stdout). Secrets are never printed: [`Credential`]'s
//! `Debug` hides them, and a failing helper's output is not repeated.

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

/// A credential helper's answer for one host.
type HelperAnswer = Result<Option<Credential>, String>;

/// Credentials by registry host.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    by_host: HashMap<String, Credential>,
    /// `credHelpers`: host -> helper name.
    helpers: HashMap<String, String>,
    /// `credsStore`: the default helper.
    store: Option<String>,
    /// Helper answers, one run per host.
    cache: std::sync::Arc<std::sync::Mutex<HashMap<String, HelperAnswer>>>,
}

/// Runs `docker-credential-<helper> get` for `server`, as docker does:
/// `Ok(None)` when the helper has no credentials for it; an error (without
/// the helper's output, which may hold a secret) when it fails.
pub fn run_helper(helper: &str, server: &str) -> Result<Option<Credential>, String> {
    use std::io::Write as _;
    let program = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("credential helper {program} cannot be run ({e}); install it or fix credHelpers/credsStore in the docker config")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("credential helper {program}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // docker-credential-helpers' "not found" answer (on stdout).
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!(
            "credential helper {program} get failed ({}) for {server}; its output is not shown (it may contain a secret)",
            out.status
        ));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: Answer = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!(
            "credential helper {program} did not answer JSON with Username and Secret for {server}"
        )
    })?;
    if a.secret.is_empty() {
        return Ok(None);
    }
    // `<token>` as the user name means an identity token, kept as such.
    Ok(Some(Credential {
        username: a.username,
        secret: a.secret,
    }))
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

    /// The credential stored for a registry host (config `auths`, GitLab CI
    /// variables), if any. Credential helpers are not run: see
    /// [`Credentials::lookup`].
    pub fn for_host(&self, host: &str) -> Option<Credential> {
        self.by_host.get(&normalise_host(host)).cloned()
    }

    /// The credential for a registry host, as docker resolves it: the
    /// host's `credHelpers` helper, else a stored credential (`auths`,
    /// GitLab CI variables), else the `credsStore` helper. A helper runs at
    /// most once per host; its failure is an error (never "no credentials").
    pub fn lookup(&self, host: &str) -> Result<Option<Credential>, String> {
        let h = normalise_host(host);
        let helper = match self.helpers.get(&h) {
            Some(x) => Some(x.clone()),
            None => match self.by_host.get(&h) {
                Some(c) => return Ok(Some(c.clone())),
                None => self.store.clone(),
            },
        };
        let Some(helper) = helper else {
            return Ok(None);
        };
        let mut cache = self.cache.lock().expect("poisoned");
        if let Some(r) = cache.get(&h) {
            return r.clone();
        }
        let server = if h == "docker.io" {
            "https://index.docker.io/v1/".to_string()
        } else {
            h.clone()
        };
        let r = run_helper(&helper, &server);
        cache.insert(h, r.clone());
        r
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
        if let Some(store) = v.get("credsStore") {
            let s = store
                .as_str()
                .ok_or_else(|| e("credsStore is not a string".into()))?;
            if !s.is_empty() {
                self.store = Some(s.to_string());
            }
        }
        if let Some(helpers) = v.get("credHelpers") {
            let m = helpers
                .as_object()
                .ok_or_else(|| e("credHelpers is not an object".into()))?;
            for (host, name) in m {
                let name = name
                    .as_str()
                    .ok_or_else(|| e(format!("credHelpers.{host} is not a string")))?;
                self.helpers.insert(normalise_host(host), name.to_string());
            }
        }
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
        std::fs::write(&p, r#"{"credHelpers":{"a.example":7}}"#).unwrap();
        assert!(c.merge_docker_config(&p).is_err());
    }

    #[test]
    fn helpers_take_precedence_and_a_missing_helper_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(
            &p,
            r#"{"credsStore":"secgate-none-such","credHelpers":{"h.example":"secgate-none-such-either"},"auths":{"a.example":{"username":"u","password":"pw"}}}"#,
        )
        .unwrap();
        let mut c = Credentials::none();
        c.merge_docker_config(&p).unwrap();
        // The stored credential wins over credsStore ...
        assert_eq!(c.lookup("a.example").unwrap().unwrap().secret, "pw");
        // ... credHelpers wins over everything, and a helper that cannot
        // run is an error naming it.
        let e = c.lookup("h.example").unwrap_err();
        assert!(
            e.contains("docker-credential-secgate-none-such-either"),
            "{e}"
        );
        let e = c.lookup("other.example").unwrap_err();
        assert!(e.contains("docker-credential-secgate-none-such "), "{e}");
    }
}
