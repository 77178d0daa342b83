//! A small OCI distribution client: resolve, fetch and push manifests and
//! blobs, the referrers API and its tag fallback, with docker's credential
//! sources and bearer-token auth.
//!
//! Every failure is a typed [`RegistryError`]; nothing here turns a failed
//! request into "nothing found". A 404 is reported as `Ok(None)` only where
//! the OCI distribution spec says a 404 means "absent" (a manifest or tag, the
//! referrers endpoint of a registry that does not implement it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::auth::{Credential, Credentials};
use crate::reference::Reference;

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker schema 2 manifest media type.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list media type.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The OCI empty config descriptor's media type.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

const ACCEPT_MANIFESTS: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Largest manifest we read (the distribution spec recommends 4 MiB).
pub const MAX_MANIFEST: usize = 4 << 20;
/// Largest signature layer or bundle we read.
pub const MAX_BLOB: usize = 4 << 20;

/// A registry failure. Every variant is an environment problem (exit 3)
/// except [`RegistryError::Protocol`] on content that does not match its
/// digest, which callers report as untrusted content.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    /// Could not connect, TLS failed, or the request timed out.
    #[error("cannot reach {url}: {message}")]
    Network {
        /// The URL requested.
        url: String,
        /// What failed.
        message: String,
    },
    /// The registry answered with an unexpected status.
    #[error("{method} {url} answered HTTP {status}{detail}")]
    Status {
        /// HTTP method.
        method: String,
        /// The URL requested.
        url: String,
        /// HTTP status code.
        status: u16,
        /// A short excerpt of the error body, prefixed with ": ".
        detail: String,
    },
    /// The registry refused our credentials or we have none.
    #[error("{host}: access denied ({message}); log in with `docker login {host}`, set DOCKER_CONFIG, or CI_REGISTRY_USER/CI_REGISTRY_PASSWORD")]
    Unauthorized {
        /// Registry host.
        host: String,
        /// What the registry said.
        message: String,
    },
    /// The registry sent something that is not what the spec says.
    #[error("{url}: {message}")]
    Protocol {
        /// The URL requested.
        url: String,
        /// What is wrong.
        message: String,
    },
}

/// Settings of a [`Registry`] client.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Hosts that may be reached over plain HTTP (loopback always may).
    pub insecure_hosts: Vec<String>,
    /// Extra PEM CA certificates to trust (`--ca-file`, `SSL_CERT_FILE`).
    pub ca_pem: Vec<Vec<u8>>,
    /// Timeout of one request (default 30 s).
    pub timeout: Option<Duration>,
    /// Credentials by registry host.
    pub credentials: Credentials,
}

/// A descriptor (OCI content descriptor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// Digest `sha256:…`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
    /// Artifact type (in an index of referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

/// An OCI image manifest or index (the fields we use).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Artifact type (OCI 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Config descriptor (image manifests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Descriptor>,
    /// Layers (image manifests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<Descriptor>,
    /// Manifests (indexes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifests: Vec<Descriptor>,
    /// Subject (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// A fetched manifest: raw bytes, media type and computed digest.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    /// Raw bytes as served (the digest is over these).
    pub bytes: Vec<u8>,
    /// Content-Type the registry gave, or the manifest's `mediaType`.
    pub media_type: String,
    /// `sha256:` of `bytes`.
    pub digest: String,
}

impl FetchedManifest {
    /// Parses the bytes as a manifest.
    pub fn parse(&self) -> Result<Manifest, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
}

/// `sha256:<hex>` of bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// True for hosts that are loopback addresses (`localhost`, `127.x`, `[::1]`).
pub fn is_loopback(host: &str) -> bool {
    let h = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(host);
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An OCI registry client shared by all lookups of one run.
#[derive(Clone)]
pub struct Registry {
    http: reqwest::Client,
    opts: Arc<RegistryOptions>,
    tokens: Arc<Mutex<HashMap<(String, String), String>>>,
    schemes: Arc<Mutex<HashMap<String, &'static str>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("insecure_hosts", &self.opts.insecure_hosts)
            .finish_non_exhaustive()
    }
}

fn net_err(url: &str, e: reqwest::Error) -> RegistryError {
    let mut msg = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_timeout() {
        msg = format!("timed out ({msg})");
    }
    RegistryError::Network {
        url: url.to_string(),
        message: msg,
    }
}

#[derive(Debug)]
struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Registry {
    /// Builds a client.
    pub fn new(opts: RegistryOptions) -> Result<Self, RegistryError> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(opts.timeout.unwrap_or(Duration::from_secs(30)))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("secgate-image/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(32);
        for pem in &opts.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                RegistryError::Protocol {
                    url: "CA file".into(),
                    message: format!("not a PEM certificate bundle: {e}"),
                }
            })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let http = b.build().map_err(|e| net_err("(client)", e))?;
        Ok(Registry {
            http,
            opts: Arc::new(opts),
            tokens: Arc::default(),
            schemes: Arc::default(),
        })
    }

    fn plain_http_allowed(&self, host: &str) -> bool {
        is_loopback(host) || self.opts.insecure_hosts.iter().any(|h| h == host)
    }

    /// Sends one request to `host` path `path`, handling scheme choice and auth.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        method: Method,
        host: &str,
        repo: &str,
        push: bool,
        path: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        max: usize,
    ) -> Result<Resp, RegistryError> {
        let scheme = self.schemes.lock().expect("poisoned").get(host).copied();
        let schemes: Vec<&'static str> = match scheme {
            Some(s) => vec![s],
            None if self.plain_http_allowed(host) => vec!["https", "http"],
            None => vec!["https"],
        };
        let mut last = None;
        for s in schemes {
            let url = if path.starts_with("http://") || path.starts_with("https://") {
                path.to_string()
            } else {
                format!("{s}://{host}{path}")
            };
            match self
                .send_auth(
                    method.clone(),
                    host,
                    repo,
                    push,
                    &url,
                    headers.clone(),
                    body.clone(),
                    max,
                )
                .await
            {
                Ok(r) => {
                    self.schemes
                        .lock()
                        .expect("poisoned")
                        .insert(host.to_string(), s);
                    return Ok(r);
                }
                Err(e @ RegistryError::Network { .. }) if scheme.is_none() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("at least one scheme"))
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_auth(
        &self,
        method: Method,
        host: &str,
        repo: &str,
        push: bool,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        max: usize,
    ) -> Result<Resp, RegistryError> {
        let scope = format!(
            "repository:{repo}:{}",
            if push { "pull,push" } else { "pull" }
        );
        let key = (host.to_string(), scope.clone());
        let cached = self.tokens.lock().expect("poisoned").get(&key).cloned();
        let r = self
            .raw(
                method.clone(),
                url,
                headers.clone(),
                body.clone(),
                cached.as_deref(),
                max,
            )
            .await?;
        if r.status != StatusCode::UNAUTHORIZED {
            return Ok(r);
        }
        let challenge = r
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let cred =
            self.opts
                .credentials
                .lookup(host)
                .map_err(|message| RegistryError::Unauthorized {
                    host: host.to_string(),
                    message,
                })?;
        let authz = if challenge.to_ascii_lowercase().starts_with("bearer") {
            let token = self
                .fetch_token(host, &challenge, &scope, cred.as_ref())
                .await?;
            format!("Bearer {token}")
        } else if let Some(c) = &cred {
            let raw = format!("{}:{}", c.username, c.secret);
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        } else {
            return Err(RegistryError::Unauthorized {
                host: host.to_string(),
                message: "the registry requires credentials and none are configured".into(),
            });
        };
        let r = self
            .raw(method, url, headers, body, Some(&authz), max)
            .await?;
        if r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN {
            return Err(RegistryError::Unauthorized {
                host: host.to_string(),
                message: format!(
                    "HTTP {} {}",
                    r.status.as_u16(),
                    if cred.is_some() {
                        "with the configured credentials"
                    } else {
                        "without credentials"
                    }
                ),
            });
        }
        self.tokens.lock().expect("poisoned").insert(key, authz);
        Ok(r)
    }

    async fn fetch_token(
        &self,
        host: &str,
        challenge: &str,
        scope: &str,
        cred: Option<&Credential>,
    ) -> Result<String, RegistryError> {
        let params = parse_challenge(challenge);
        let realm = params.get("realm").ok_or_else(|| RegistryError::Protocol {
            url: host.to_string(),
            message: format!("bearer challenge without realm: {challenge}"),
        })?;
        let mut url = url::Url::parse(realm).map_err(|e| RegistryError::Protocol {
            url: realm.clone(),
            message: format!("bad token realm: {e}"),
        })?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = params.get("service") {
                q.append_pair("service", s);
            }
            q.append_pair("scope", scope);
        }
        let mut req = self.http.get(url.as_str());
        if let Some(c) = cred {
            req = req.basic_auth(&c.username, Some(&c.secret));
        }
        let resp = req.send().await.map_err(|e| net_err(url.as_str(), e))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(RegistryError::Unauthorized {
                host: host.to_string(),
                message: format!("token service answered HTTP {}", status.as_u16()),
            });
        }
        if !status.is_success() {
            return Err(RegistryError::Status {
                method: "GET".into(),
                url: url.to_string(),
                status: status.as_u16(),
                detail: String::new(),
            });
        }
        #[derive(Deserialize)]
        struct Tok {
            token: Option<String>,
            access_token: Option<String>,
        }
        let t: Tok = resp.json().await.map_err(|e| RegistryError::Protocol {
            url: url.to_string(),
            message: format!("token response is not JSON: {e}"),
        })?;
        t.token
            .or(t.access_token)
            .ok_or_else(|| RegistryError::Protocol {
                url: url.to_string(),
                message: "token response has no token".into(),
            })
    }

    async fn raw(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        authz: Option<&str>,
        max: usize,
    ) -> Result<Resp, RegistryError> {
        let mut req = self.http.request(method, url).headers(headers);
        if let Some(a) = authz {
            if let Ok(v) = HeaderValue::from_str(a) {
                req = req.header(AUTHORIZATION, v);
            }
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let mut resp = req.send().await.map_err(|e| net_err(url, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| net_err(url, e))? {
            if body.len() + chunk.len() > max {
                return Err(RegistryError::Protocol {
                    url: url.to_string(),
                    message: format!("response larger than {max} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    fn status_err(method: &str, url: String, r: &Resp) -> RegistryError {
        let text = String::from_utf8_lossy(&r.body);
        let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
        RegistryError::Status {
            method: method.to_string(),
            url,
            status: r.status.as_u16(),
            detail: if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            },
        }
    }

    /// Fetches a manifest by tag or digest. `Ok(None)` when the registry says
    /// it does not exist (404). A manifest fetched by digest must hash to it.
    pub async fn get_manifest(
        &self,
        image: &Reference,
        reference: &str,
    ) -> Result<Option<FetchedManifest>, RegistryError> {
        let host = image.api_host();
        let path = format!("/v2/{}/manifests/{}", image.repository, reference);
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static(ACCEPT_MANIFESTS));
        let r = self
            .send(
                Method::GET,
                host,
                &image.repository,
                false,
                &path,
                h,
                None,
                MAX_MANIFEST,
            )
            .await?;
        let url = format!("{host}{path}");
        if r.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !r.status.is_success() {
            return Err(Self::status_err("GET", url, &r));
        }
        let digest = sha256_digest(&r.body);
        if reference.contains(':') && reference.starts_with("sha256:") && digest != reference {
            return Err(RegistryError::Protocol {
                url,
                message: format!(
                    "manifest content hashes to {digest}, not the requested {reference}"
                ),
            });
        }
        let media_type = r
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or(s).trim().to_string())
            .filter(|s| !s.is_empty() && s != "application/json")
            .or_else(|| {
                serde_json::from_slice::<Manifest>(&r.body)
                    .ok()
                    .and_then(|m| m.media_type)
            })
            .unwrap_or_else(|| OCI_MANIFEST.to_string());
        Ok(Some(FetchedManifest {
            bytes: r.body,
            media_type,
            digest,
        }))
    }

    /// Fetches a blob and checks it hashes to its digest.
    pub async fn get_blob(
        &self,
        image: &Reference,
        digest: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        let host = image.api_host();
        let path = format!("/v2/{}/blobs/{}", image.repository, digest);
        let r = self
            .send(
                Method::GET,
                host,
                &image.repository,
                false,
                &path,
                HeaderMap::new(),
                None,
                MAX_BLOB,
            )
            .await?;
        let url = format!("{host}{path}");
        if !r.status.is_success() {
            return Err(Self::status_err("GET", url, &r));
        }
        let got = sha256_digest(&r.body);
        if got != digest {
            return Err(RegistryError::Protocol {
                url,
                message: format!("blob content hashes to {got}, not {digest}"),
            });
        }
        Ok(r.body)
    }

    /// Lists referrers of `digest` through the OCI 1.1 referrers API
    /// (`GET /v2/<name>/referrers/<digest>`), following `Link: <…>; rel="next"`
    /// pages. With `artifact_type` the registry is asked to filter
    /// (`?artifactType=`); a registry that did not (no `OCI-Filters-Applied:
    /// artifactType` answer header) is filtered here, as the spec requires of
    /// clients. `Ok(None)` when the registry does not implement the API (404),
    /// so the caller falls back to the `sha256-<hex>` referrers tag; any other
    /// failure (5xx, a body that is not an index) is an error, never "none".
    pub async fn referrers_api(
        &self,
        image: &Reference,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>, RegistryError> {
        let host = image.api_host();
        let mut path = format!("/v2/{}/referrers/{}", image.repository, digest);
        if let Some(t) = artifact_type {
            let q: String = url::form_urlencoded::byte_serialize(t.as_bytes()).collect();
            path = format!("{path}?artifactType={q}");
        }
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for page in 0.. {
            if page >= MAX_REFERRER_PAGES {
                return Err(RegistryError::Protocol {
                    url: format!("{host}{path}"),
                    message: format!("more than {MAX_REFERRER_PAGES} pages of referrers"),
                });
            }
            if !seen.insert(path.clone()) {
                return Err(RegistryError::Protocol {
                    url: format!("{host}{path}"),
                    message: "the referrers pages link back to an earlier page".into(),
                });
            }
            let mut h = HeaderMap::new();
            h.insert(ACCEPT, HeaderValue::from_static(OCI_INDEX));
            let r = self
                .send(
                    Method::GET,
                    host,
                    &image.repository,
                    false,
                    &path,
                    h,
                    None,
                    MAX_MANIFEST,
                )
                .await?;
            let url = format!("{host}{path}");
            if r.status == StatusCode::NOT_FOUND && page == 0 {
                return Ok(None);
            }
            if !r.status.is_success() {
                return Err(Self::status_err("GET", url, &r));
            }
            let applied = r
                .headers
                .get_all(OCI_FILTERS_APPLIED)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            let (list, _) = referrers_from_response(&r.body, Some(&applied), artifact_type)
                .map_err(|message| RegistryError::Protocol {
                    url: url.clone(),
                    message,
                })?;
            out.extend(list);
            let next = r
                .headers
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            match next {
                Some(n) => path = n,
                None => break,
            }
        }
        Ok(Some(out))
    }

    /// Lists referrers, from the API or else the referrers tag fallback.
    /// Returns where they were found (`"referrers API"` or the tag).
    pub async fn referrers(
        &self,
        image: &Reference,
        digest: &str,
    ) -> Result<(Vec<Descriptor>, String), RegistryError> {
        if let Some(list) = self.referrers_api(image, digest, None).await? {
            return Ok((list, "referrers API".to_string()));
        }
        let tag = crate::reference::cosign_tag(digest, "");
        match self.get_manifest(image, &tag).await? {
            None => Ok((Vec::new(), format!("referrers tag {tag} (absent)"))),
            Some(m) => {
                let idx = m.parse().map_err(|e| RegistryError::Protocol {
                    url: format!("{}/{}:{tag}", image.registry, image.repository),
                    message: format!("referrers tag is not an OCI index: {e}"),
                })?;
                Ok((idx.manifests, format!("referrers tag {tag}")))
            }
        }
    }

    /// Uploads a blob unless the registry already has it. Returns its descriptor.
    pub async fn push_blob(
        &self,
        image: &Reference,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Descriptor, RegistryError> {
        let digest = sha256_digest(bytes);
        let host = image.api_host();
        let repo = &image.repository;
        let desc = Descriptor {
            media_type: media_type.to_string(),
            digest: digest.clone(),
            size: bytes.len() as u64,
            annotations: None,
            artifact_type: None,
        };
        let head = format!("/v2/{repo}/blobs/{digest}");
        let r = self
            .send(
                Method::HEAD,
                host,
                repo,
                true,
                &head,
                HeaderMap::new(),
                None,
                0,
            )
            .await?;
        if r.status.is_success() {
            return Ok(desc);
        }
        let start = format!("/v2/{repo}/blobs/uploads/");
        let r = self
            .send(
                Method::POST,
                host,
                repo,
                true,
                &start,
                HeaderMap::new(),
                Some(Vec::new()),
                1 << 16,
            )
            .await?;
        if r.status != StatusCode::ACCEPTED && !r.status.is_success() {
            return Err(Self::status_err("POST", format!("{host}{start}"), &r));
        }
        let loc = r
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Protocol {
                url: format!("{host}{start}"),
                message: "upload started without a Location".into(),
            })?;
        let sep = if loc.contains('?') { '&' } else { '?' };
        let put = format!("{loc}{sep}digest={digest}");
        let put = if put.starts_with('/') {
            put
        } else {
            put.to_string()
        };
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let r = self
            .send(
                Method::PUT,
                host,
                repo,
                true,
                &put,
                h,
                Some(bytes.to_vec()),
                1 << 16,
            )
            .await?;
        if !r.status.is_success() {
            return Err(Self::status_err("PUT", format!("{host}{put}"), &r));
        }
        Ok(desc)
    }

    /// Uploads a manifest under a tag or its digest; returns its digest.
    pub async fn push_manifest(
        &self,
        image: &Reference,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, RegistryError> {
        let host = image.api_host();
        let path = format!("/v2/{}/manifests/{}", image.repository, reference);
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(media_type).map_err(|_| RegistryError::Protocol {
                url: path.clone(),
                message: "bad media type".into(),
            })?,
        );
        let r = self
            .send(
                Method::PUT,
                host,
                &image.repository,
                true,
                &path,
                h,
                Some(bytes.to_vec()),
                1 << 16,
            )
            .await?;
        if !r.status.is_success() {
            return Err(Self::status_err("PUT", format!("{host}{path}"), &r));
        }
        Ok(sha256_digest(bytes))
    }
}

/// The answer header that says which filters a referrers response applied.
pub const OCI_FILTERS_APPLIED: &str = "OCI-Filters-Applied";
/// Most referrers pages followed for one subject.
pub const MAX_REFERRER_PAGES: usize = 64;

/// Reads one referrers API response: `body` must be an OCI image index.
/// `filters_applied` is the `OCI-Filters-Applied` header (comma-separated
/// filter names). When `artifact_type` was asked for and the registry did not
/// say it applied the `artifactType` filter, the descriptors are filtered
/// here; when it said so, they are still checked (a registry that claims the
/// filter but returns other types is filtered all the same). Returns the
/// descriptors and whether the registry applied the filter itself.
pub fn referrers_from_response(
    body: &[u8],
    filters_applied: Option<&str>,
    artifact_type: Option<&str>,
) -> Result<(Vec<Descriptor>, bool), String> {
    let idx: Manifest = serde_json::from_slice(body)
        .map_err(|e| format!("referrers response is not an OCI image index: {e}"))?;
    if let Some(mt) = idx.media_type.as_deref() {
        if mt != OCI_INDEX {
            return Err(format!(
                "referrers response has mediaType `{mt}`, not {OCI_INDEX}"
            ));
        }
    }
    if idx.schema_version != 2 {
        return Err(format!(
            "referrers response has schemaVersion {}, not 2",
            idx.schema_version
        ));
    }
    let Some(want) = artifact_type else {
        return Ok((idx.manifests, false));
    };
    let registry_filtered = filters_applied.is_some_and(|h| {
        h.split(',')
            .any(|f| f.trim().eq_ignore_ascii_case("artifactType"))
    });
    // Whether or not the registry says it filtered, a descriptor of another
    // type is dropped (one that claims the filter and ignores it is a bug).
    let list = idx
        .manifests
        .into_iter()
        .filter(|d| d.artifact_type.as_deref() == Some(want))
        .collect();
    Ok((list, registry_filtered))
}

/// The target of a `Link: <url>; rel="next"` header (RFC 5988), as a path
/// or absolute URL.
pub fn next_link(h: &str) -> Option<String> {
    h.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        let t = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        (is_next && !t.is_empty()).then(|| t.to_string())
    })
}

fn parse_challenge(h: &str) -> HashMap<String, String> {
    let rest = h.split_once(' ').map(|(_, r)| r).unwrap_or("");
    let mut out = HashMap::new();
    let re = regex::Regex::new(r#"(\w+)="([^"]*)""#).expect("static regex");
    for c in re.captures_iter(rest) {
        out.insert(c[1].to_ascii_lowercase(), c[2].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parsing() {
        let p = parse_challenge(
            r#"Bearer realm="https://gitlab.com/jwt/auth",service="container_registry",scope="repository:a/b:pull""#,
        );
        assert_eq!(p["realm"], "https://gitlab.com/jwt/auth");
        assert_eq!(p["service"], "container_registry");
    }

    fn index(entries: &[(&str, &str)]) -> Vec<u8> {
        let manifests: Vec<serde_json::Value> = entries
            .iter()
            .map(|(d, t)| {
                serde_json::json!({"mediaType": OCI_MANIFEST, "digest": d, "size": 10, "artifactType": t})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests
        }))
        .unwrap()
    }

    #[test]
    fn referrers_filter_honoured_or_not() {
        let bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
        let sbom = "application/spdx+json";
        // The registry applied the filter: one descriptor, said so.
        let (l, by_registry) = referrers_from_response(
            &index(&[("sha256:a", bundle)]),
            Some("artifactType"),
            Some(bundle),
        )
        .unwrap();
        assert!(by_registry);
        assert_eq!(l.len(), 1);
        // It ignored the filter (no header): filtered here.
        let all = index(&[
            ("sha256:a", bundle),
            ("sha256:b", sbom),
            ("sha256:c", bundle),
        ]);
        let (l, by_registry) = referrers_from_response(&all, None, Some(bundle)).unwrap();
        assert!(!by_registry);
        assert_eq!(
            l.iter().map(|d| d.digest.as_str()).collect::<Vec<_>>(),
            ["sha256:a", "sha256:c"]
        );
        let (l, by_registry) = referrers_from_response(&all, Some(""), Some(bundle)).unwrap();
        assert!(!by_registry && l.len() == 2);
        // It claims the filter but did not apply it: still filtered.
        let (l, _) =
            referrers_from_response(&all, Some("annotation, artifactType"), Some(bundle)).unwrap();
        assert_eq!(l.len(), 2);
        // No filter asked: everything.
        let (l, _) = referrers_from_response(&all, None, None).unwrap();
        assert_eq!(l.len(), 3);
        // Not an index: an error, never an empty list.
        assert!(referrers_from_response(b"<html>", None, None).is_err());
        assert!(referrers_from_response(
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#,
            None,
            None
        )
        .is_err());
        assert!(referrers_from_response(br#"{"manifests":[]}"#, None, None).is_err());
    }

    #[test]
    fn link_header_pagination() {
        assert_eq!(
            next_link(r#"</v2/a/referrers/sha256:x?n=1&last=sha256:y>; rel="next""#).as_deref(),
            Some("/v2/a/referrers/sha256:x?n=1&last=sha256:y")
        );
        assert_eq!(
            next_link(r#"<https://r.example/v2/a?p=2>; rel=next, </p1>; rel="prev""#).as_deref(),
            Some("https://r.example/v2/a?p=2")
        );
        assert_eq!(next_link(r#"</p1>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.gitlab.com"));
        assert!(!is_loopback("127.evil.com"));
    }
}
