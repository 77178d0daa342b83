//! secgate-image end to end, through the real binary against the real local
//! registries started by `scripts/registry/start.sh` (plain HTTP, and TLS with
//! a test CA and htpasswd auth). Images are built from bytes and pushed with
//! the OCI distribution API.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_secgate-image");

fn registry_env() -> HashMap<String, String> {
    let path = std::env::var("SECGATE_REGISTRY_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/registry.env")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; start the test registries with scripts/registry/start.sh",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn plain() -> String {
    registry_env()["SECGATE_REGISTRY_PLAIN"].clone()
}

fn unique(name: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{name}-{}-{}",
        t % 1_000_000_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(b)))
}
fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Client {
    http: reqwest::blocking::Client,
    base: String,
    auth: Option<(String, String)>,
    bearer: Option<String>,
}

impl Client {
    fn plain() -> Self {
        Client {
            http: reqwest::blocking::Client::new(),
            base: format!("http://{}", plain()),
            auth: None,
            bearer: None,
        }
    }
    fn tls() -> Self {
        let env = registry_env();
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(&env["SECGATE_REGISTRY_CA"]).unwrap())
                .unwrap();
        Client {
            http: reqwest::blocking::Client::builder()
                .add_root_certificate(ca)
                .build()
                .unwrap(),
            base: format!("https://{}", env["SECGATE_REGISTRY_TLS"]),
            auth: Some((
                env["SECGATE_REGISTRY_USER"].clone(),
                env["SECGATE_REGISTRY_PASSWORD"].clone(),
            )),
            bearer: None,
        }
    }
    fn req(&self, m: reqwest::Method, url: &str) -> reqwest::blocking::RequestBuilder {
        let r = self.http.request(m, url);
        match (&self.auth, &self.bearer) {
            (Some((u, p)), _) => r.basic_auth(u, Some(p)),
            (None, Some(t)) => r.bearer_auth(t),
            (None, None) => r,
        }
    }
    fn blob(&self, repo: &str, bytes: &[u8]) -> String {
        let d = sha(bytes);
        let r = self
            .req(
                reqwest::Method::POST,
                &format!("{}/v2/{repo}/blobs/uploads/", self.base),
            )
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202, "start upload");
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let loc = if loc.starts_with('/') {
            format!("{}{loc}", self.base)
        } else {
            loc
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = self
            .req(reqwest::Method::PUT, &format!("{loc}{sep}digest={d}"))
            .body(bytes.to_vec())
            .send()
            .unwrap();
        assert!(r.status().is_success(), "blob put {}", r.status());
        d
    }
    fn manifest(&self, repo: &str, reference: &str, media: &str, bytes: &[u8]) -> String {
        let r = self
            .req(
                reqwest::Method::PUT,
                &format!("{}/v2/{repo}/manifests/{reference}", self.base),
            )
            .header("content-type", media)
            .body(bytes.to_vec())
            .send()
            .unwrap();
        assert!(
            r.status().is_success(),
            "manifest put {} {}",
            r.status(),
            r.text().unwrap_or_default()
        );
        sha(bytes)
    }
    fn get_manifest(&self, repo: &str, reference: &str) -> serde_json::Value {
        self.req(
            reqwest::Method::GET,
            &format!("{}/v2/{repo}/manifests/{reference}", self.base),
        )
        .header(
            "accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
        )
        .send()
        .unwrap()
        .json()
        .unwrap()
    }
    /// Pushes a small OCI image (config + one layer) and returns its digest.
    fn image(&self, repo: &str, tag: &str, seed: &str) -> String {
        let layer = format!("layer of {seed}").into_bytes();
        let ld = self.blob(repo, &layer);
        let config = format!(r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{ld}"]}},"config":{{"Labels":{{"seed":"{seed}"}}}}}}"#).into_bytes();
        let cd = self.blob(repo, &config);
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": layer.len()}],
        });
        self.manifest(
            repo,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            &serde_json::to_vec(&m).unwrap(),
        )
    }
}

struct Keys {
    dir: tempfile::TempDir,
}
impl Keys {
    fn new() -> Self {
        Keys {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    /// Writes `<name>.key` (PKCS#8) and `<name>.pub` and returns their paths.
    fn pair(&self, name: &str) -> (String, String) {
        let sk = p256::ecdsa::SigningKey::from_slice(&Sha256::digest(name.as_bytes())).unwrap();
        let k = self.dir.path().join(format!("{name}.key"));
        let p = self.dir.path().join(format!("{name}.pub"));
        std::fs::write(&k, sk.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
        std::fs::write(
            &p,
            sk.verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .unwrap(),
        )
        .unwrap();
        (k.display().to_string(), p.display().to_string())
    }
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let empty = tempfile::tempdir().unwrap();
    let mut c = Command::new(BIN);
    c.args(args)
        .env("DOCKER_CONFIG", empty.path())
        .env_remove("SSL_CERT_FILE")
        .env_remove("CI_REGISTRY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}
fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}
fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn sign_appends_and_verify_explains_each_signature() {
    let c = Client::plain();
    let repo = unique("gate/app");
    let digest = c.image(&repo, "v1", "a");
    let keys = Keys::new();
    let (ka, pa) = keys.pair("alice");
    let (kb, pb) = keys.pair("bob");
    let (_, pc) = keys.pair("carol");
    let img = format!("{}/{repo}:v1", plain());
    let o = run(&["sign", "--key", &ka, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let o = run(&["sign", "--key", &kb, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(
        out(&o).contains("2 signature(s)"),
        "second signature appended: {}",
        out(&o)
    );
    let sig = c.get_manifest(&repo, &format!("sha256-{}.sig", &digest[7..]));
    assert_eq!(sig["layers"].as_array().unwrap().len(), 2);

    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &pa, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let text = out(&o);
    assert!(text.contains(&digest), "{text}");
    assert!(text.contains("INSECURE"), "tlog skip said loudly: {text}");
    assert!(
        text.contains("[ok ] legacy signature at tag sha256-"),
        "{text}"
    );
    assert!(
        text.contains("does not verify with any of the 1 trusted key"),
        "bob's signature explained: {text}"
    );

    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &pa,
        "--key",
        &pb,
        "--min-signatures",
        "2",
        "--format",
        "json",
        &img,
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["images"][0]["digest"], digest.as_str());
    assert_eq!(j["images"][0]["signatures"].as_array().unwrap().len(), 2);
    assert!(j["images"][0]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["verified"] == true));

    // Three required, two distinct signers: fails, and says so.
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &pa,
        "--key",
        &pb,
        "--key",
        &pc,
        "--min-signatures",
        "3",
        &img,
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(
        out(&o).contains("2 distinct trusted signer(s) verified, 3 required"),
        "{}",
        out(&o)
    );
    // Wrong key.
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &pc, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    // Without a log entry and without the explicit flag: fails closed.
    let o = run(&["verify", "--key", &pa, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(out(&o).contains("--insecure-ignore-tlog"), "{}", out(&o));
    // Unsigned image.
    c.image(&repo, "unsigned", "u");
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &pa,
        &format!("{}/{repo}:unsigned", plain()),
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(out(&o).contains("no signature found"), "{}", out(&o));
}

#[test]
fn tampering_fails() {
    let c = Client::plain();
    let repo = unique("gate/tamper");
    let keys = Keys::new();
    let (k, p) = keys.pair("signer");
    let d1 = c.image(&repo, "v1", "one");
    let img = format!("{}/{repo}:v1", plain());
    assert_eq!(code(&run(&["sign", "--key", &k, &img])), 0);
    let sig_tag1 = format!("sha256-{}.sig", &d1[7..]);
    let sig_manifest = c.get_manifest(&repo, &sig_tag1);

    // A payload for another digest: image two carries image one's signature.
    let d2 = c.image(&repo, "two", "two");
    let sig_tag2 = format!("sha256-{}.sig", &d2[7..]);
    c.manifest(
        &repo,
        &sig_tag2,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&sig_manifest).unwrap(),
    );
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        &format!("{}/{repo}:two", plain()),
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(
        out(&o).contains(&format!(
            "the payload signs digest {d1}, not this image's {d2}"
        )),
        "{}",
        out(&o)
    );

    // Changed annotation: the signature bytes altered.
    let mut bad = sig_manifest.clone();
    let s = bad["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap()
        .to_string();
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(&s)
        .unwrap();
    let n = raw.len();
    raw[n - 2] ^= 1;
    bad["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"] =
        base64::engine::general_purpose::STANDARD.encode(raw).into();
    c.manifest(
        &repo,
        &sig_tag1,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&bad).unwrap(),
    );
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &p, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    // Restore, then move the tag to another image after signing.
    c.manifest(
        &repo,
        &sig_tag1,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&sig_manifest).unwrap(),
    );
    assert_eq!(
        code(&run(&[
            "verify",
            "--insecure-ignore-tlog",
            "--key",
            &p,
            &img
        ])),
        0
    );
    let d3 = c.image(&repo, "v1", "three");
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &p, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(
        out(&o).contains(&d3),
        "reports the digest the tag now names: {}",
        out(&o)
    );
    // The pinned original still verifies.
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        &format!("{}/{repo}@{d1}", plain()),
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
}

#[test]
fn registry_policy_allowlist_and_digest() {
    let c = Client::plain();
    let repo = unique("gate/policy");
    let keys = Keys::new();
    let (k, p) = keys.pair("policy");
    let d = c.image(&repo, "v1", "p");
    let img = format!("{}/{repo}:v1", plain());
    assert_eq!(code(&run(&["sign", "--key", &k, &img])), 0);
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--allowed-registry",
        "registry.example.com",
        &img,
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(out(&o).contains("is not allowed"), "{}", out(&o));
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--allowed-registry",
        &plain(),
        "--require-digest",
        &img,
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(out(&o).contains("no digest"), "{}", out(&o));
    let pinned = format!("{}/{repo}@{d}", plain());
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--allowed-registry",
        &format!("{}/gate", plain()),
        "--require-digest",
        &pinned,
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    // The same rules from a policy file.
    let dir = tempfile::tempdir().unwrap();
    let pol = dir.path().join("image-policy.yml");
    std::fs::write(
        &pol,
        format!("keys: [{p}]\nallowed-registries: [registry.example.com]\nrequire-digest: true\n"),
    )
    .unwrap();
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--policy",
        pol.to_str().unwrap(),
        &img,
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(
        out(&o).contains("is not allowed") && out(&o).contains("no digest"),
        "every unsatisfied constraint: {}",
        out(&o)
    );
    // Usage errors: exit 2.
    assert_eq!(code(&run(&["verify", &img])), 2);
    assert_eq!(
        code(&run(&["verify", "--key", "/nonexistent.pub", &img])),
        2
    );
    assert_eq!(
        code(&run(&[
            "verify",
            "--key",
            &p,
            "--certificate-identity",
            "x",
            &img
        ])),
        2
    );
}

/// A server that answers every request with HTTP 500, or never answers.
fn bad_server(hang: bool) -> (String, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        l.set_nonblocking(false).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut held = Vec::new();
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { break };
            if hang {
                held.push(s);
                if std::time::Instant::now() > deadline {
                    break;
                }
                continue;
            }
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\nconnection: close\r\n\r\nboom\n");
        }
        std::thread::sleep(std::time::Duration::from_secs(if hang { 5 } else { 0 }));
    });
    (addr, h)
}

#[test]
fn registry_failures_exit_3_never_0() {
    let keys = Keys::new();
    let (_, p) = keys.pair("any");
    let (addr, _h) = bad_server(false);
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        &format!("{addr}/app:v1"),
    ]);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(out(&o).contains("500"), "{}", out(&o));
    let (addr, _h) = bad_server(true);
    let t = std::time::Instant::now();
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--timeout",
        "2",
        "--key",
        &p,
        &format!("{addr}/app:v1"),
    ]);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(out(&o).contains("timed out"), "{}", out(&o));
    assert!(t.elapsed().as_secs() < 15);
    // Nothing listening.
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "127.0.0.1:1/app:v1",
    ]);
    assert_eq!(code(&o), 3, "{}", out(&o));
}

#[test]
fn tls_registry_with_auth_and_custom_ca() {
    let env = registry_env();
    let c = Client::tls();
    let repo = unique("secure/app");
    let d = c.image(&repo, "v1", "tls");
    let keys = Keys::new();
    let (k, p) = keys.pair("tls");
    let img = format!("{}/{repo}:v1", env["SECGATE_REGISTRY_TLS"]);
    let ca = env["SECGATE_REGISTRY_CA"].as_str();
    // No credentials: access denied is an environment failure.
    let o = run(&[
        "verify",
        "--ca-file",
        ca,
        "--insecure-ignore-tlog",
        "--key",
        &p,
        &img,
    ]);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(out(&o).contains("access denied"), "{}", out(&o));
    // Credentials from GitLab CI's variables; CA from SSL_CERT_FILE.
    let creds = [
        ("CI_REGISTRY", env["SECGATE_REGISTRY_TLS"].as_str()),
        ("CI_REGISTRY_USER", env["SECGATE_REGISTRY_USER"].as_str()),
        (
            "CI_REGISTRY_PASSWORD",
            env["SECGATE_REGISTRY_PASSWORD"].as_str(),
        ),
        ("SSL_CERT_FILE", ca),
    ];
    let o = run_env(&["sign", "--key", &k, &img], &creds);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(!out(&o).contains(env["SECGATE_REGISTRY_PASSWORD"].as_str()));
    // Credentials from a docker config.json.
    let dc = tempfile::tempdir().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        env["SECGATE_REGISTRY_USER"], env["SECGATE_REGISTRY_PASSWORD"]
    ));
    std::fs::write(
        dc.path().join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
            env["SECGATE_REGISTRY_TLS"]
        ),
    )
    .unwrap();
    let o = run_env(
        &[
            "verify",
            "--ca-file",
            ca,
            "--insecure-ignore-tlog",
            "--key",
            &p,
            "--format",
            "json",
            &img,
        ],
        &[("DOCKER_CONFIG", dc.path().to_str().unwrap())],
    );
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&d));
    // Without the CA the TLS handshake fails: environment error, not a pass.
    let o = run_env(
        &["verify", "--insecure-ignore-tlog", "--key", &p, &img],
        &[("DOCKER_CONFIG", dc.path().to_str().unwrap())],
    );
    assert_eq!(code(&o), 3, "{}", out(&o));
}

#[test]
fn bundle_referrers_via_tag_fallback() {
    let c = Client::plain();
    let repo = unique("gate/bundle");
    let keys = Keys::new();
    let (k, p) = keys.pair("bundler");
    let (_, other) = keys.pair("other");
    let d = c.image(&repo, "v1", "b");
    let img = format!("{}/{repo}:v1", plain());
    let o = run(&["sign", "--bundle", "--key", &k, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    // docker-registry 2.8 has no referrers API: the sha256-<hex> index tag holds it.
    let idx = c.get_manifest(&repo, &format!("sha256-{}", &d[7..]));
    const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
    let entry = &idx["manifests"][0];
    assert_eq!(entry["artifactType"], BUNDLE);
    assert_eq!(
        entry["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    // The layout cosign v3 writes (cosign specs/BUNDLE_SPEC.md).
    let m = c.get_manifest(&repo, entry["digest"].as_str().unwrap());
    assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(m["artifactType"], BUNDLE);
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(
        m["config"]["digest"],
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
    assert_eq!(m["config"]["size"], 2);
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
    let layer = &m["layers"][0];
    assert_eq!(layer["mediaType"], BUNDLE);
    assert_eq!(
        layer["annotations"]["org.opencontainers.image.title"],
        format!(
            "sha256-{}.sigstore.json",
            &layer["digest"].as_str().unwrap()[7..]
        )
        .as_str()
    );
    assert_eq!(m["subject"]["digest"], d.as_str());
    assert_eq!(
        m["subject"]["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    for a in [&m["annotations"], &entry["annotations"]] {
        assert_eq!(a["dev.sigstore.bundle.content"], "dsse-envelope");
        assert_eq!(
            a["dev.sigstore.bundle.predicateType"],
            "https://sigstore.dev/cosign/sign/v1"
        );
        let created = a["org.opencontainers.image.created"].as_str().unwrap();
        assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
    }
    // The bundle: v0.3, DSSE in-toto statement of the sign predicate about
    // this digest, a public-key hint.
    let r = reqwest::blocking::get(format!(
        "http://{}/v2/{repo}/blobs/{}",
        plain(),
        layer["digest"].as_str().unwrap()
    ))
    .unwrap();
    let b: serde_json::Value = r.json().unwrap();
    assert_eq!(b["mediaType"], BUNDLE);
    assert!(b["verificationMaterial"]["publicKey"]["hint"].is_string());
    assert_eq!(
        b["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    let st: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(b["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], "https://sigstore.dev/cosign/sign/v1");
    assert_eq!(st["subject"][0]["digest"]["sha256"], &d[7..]);
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &p, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(
        out(&o).contains("bundle signature at referrer sha256:")
            && out(&o).contains("referrers tag"),
        "{}",
        out(&o)
    );
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &other, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    // --insecure-ignore-sct is said loudly, in text and JSON.
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--insecure-ignore-sct",
        "--key",
        &p,
        &img,
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(
        out(&o).contains("WARNING: --insecure-ignore-sct"),
        "{}",
        out(&o)
    );
    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--insecure-ignore-sct",
        "--format",
        "json",
        "--key",
        &p,
        &img,
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["insecure_ignore_sct"], true);
    let o = run(&["verify", "--key", &p, &img]);
    assert_eq!(code(&o), 1, "no log entry without the flag: {}", out(&o));
}

#[test]
fn manifests_verify_and_pin() {
    let c = Client::plain();
    let repo = unique("gate/deploy");
    let keys = Keys::new();
    let (k, p) = keys.pair("deployer");
    let d = c.image(&repo, "1.0", "deploy");
    let img = format!("{}/{repo}:1.0", plain());
    assert_eq!(code(&run(&["sign", "--key", &k, &img])), 0);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deploy.yaml");
    std::fs::write(&f, format!("---\n# Source: chart/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {img}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\n")).unwrap();
    let ci = dir.path().join(".gitlab-ci.yml");
    std::fs::write(&ci, format!("build:\n  image: {img}\n  script: [make]\n")).unwrap();
    let o = run(&[
        "manifests",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--pin",
        f.to_str().unwrap(),
        ci.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(
        out(&o).contains("deploy.yaml:12:"),
        "file:line of the image: {}",
        out(&o)
    );
    let pinned = std::fs::read_to_string(&f).unwrap();
    assert!(pinned.contains(&format!("image: {img}@{d}")), "{pinned}");
    assert!(std::fs::read_to_string(&ci)
        .unwrap()
        .contains(&format!("{img}@{d}")));
    // An unsigned image in the same file fails the whole gate and pins nothing.
    c.image(&repo, "2.0", "unsigned");
    let g = dir.path().join("more.yaml");
    std::fs::write(&g, format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - image: {}/{repo}:2.0\n", plain())).unwrap();
    let o = run(&[
        "manifests",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--pin",
        g.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(!std::fs::read_to_string(&g).unwrap().contains("@sha256"));
}

/// How the in-test OCI 1.1 registry answers `GET /v2/<name>/referrers/<digest>`.
#[derive(Clone, Copy, PartialEq)]
enum Referrers {
    /// The OCI distribution spec 1.1 API: an image index of the subject's
    /// referrers, `artifactType` filtering with `OCI-Filters-Applied`, one
    /// descriptor per page with `Link: <…>; rel="next"`.
    Api,
    /// A registry without the API (404): clients use the referrers tag.
    NotFound,
    /// A broken registry (500).
    Error,
}

/// A second, real registry in the test: an HTTP/1.1 server on loopback that
/// serves the referrers API itself and proxies every other request (manifests,
/// blobs, uploads) to the real local registry. It records the manifests with a
/// `subject` pushed through it, which is how a registry builds its referrers
/// index. Stops after `max_conns` connections or 60 s.
struct OciProxy {
    addr: String,
    referrers_requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl OciProxy {
    fn start(mode: Referrers) -> Self {
        use std::sync::{Arc, Mutex};
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let upstream = format!("http://{}", plain());
        let me = format!("http://{addr}");
        // subject digest -> [(descriptor)]
        let store: Arc<Mutex<HashMap<String, Vec<serde_json::Value>>>> = Arc::default();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let log2 = log.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            let http = reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            for s in l.incoming().take(400) {
                if std::time::Instant::now() > deadline {
                    break;
                }
                let Ok(s) = s else { break };
                let (store, log, http, upstream, me) = (
                    store.clone(),
                    log2.clone(),
                    http.clone(),
                    upstream.clone(),
                    me.clone(),
                );
                std::thread::spawn(move || {
                    let _ = serve_conn(s, mode, &store, &log, &http, &upstream, &me);
                });
            }
        });
        OciProxy {
            addr,
            referrers_requests: log,
        }
    }
}

struct HttpReq {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_req(r: &mut std::io::BufReader<std::net::TcpStream>) -> Option<HttpReq> {
    use std::io::BufRead;
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some(HttpReq {
        method,
        target,
        headers,
        body,
    })
}

fn respond(
    w: &mut std::net::TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    w.write_all(out.as_bytes())?;
    w.write_all(body)
}

fn serve_conn(
    s: std::net::TcpStream,
    mode: Referrers,
    store: &std::sync::Mutex<HashMap<String, Vec<serde_json::Value>>>,
    log: &std::sync::Mutex<Vec<String>>,
    http: &reqwest::blocking::Client,
    upstream: &str,
    me: &str,
) -> std::io::Result<()> {
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut w = s.try_clone()?;
    let mut r = std::io::BufReader::new(s);
    // Keep-alive: serve requests until the client closes (a TLS ClientHello
    // is not HTTP and ends the connection, so clients fall back to plain HTTP).
    while let Some(req) = read_req(&mut r) {
        let (path, query) = req
            .target
            .split_once('?')
            .map(|(p, q)| (p.to_string(), q.to_string()))
            .unwrap_or((req.target.clone(), String::new()));
        if req.method == "GET" && path.contains("/referrers/") {
            log.lock().unwrap().push(req.target.clone());
            match mode {
                Referrers::NotFound => {
                    let b = br#"{"errors":[{"code":"NOT_FOUND","message":"page not found"}]}"#;
                    respond(
                        &mut w,
                        404,
                        &[("content-type".into(), "application/json".into())],
                        b,
                    )?;
                }
                Referrers::Error => {
                    respond(&mut w, 500, &[], b"internal error\n")?;
                }
                Referrers::Api => {
                    let subject = path.rsplit('/').next().unwrap().to_string();
                    if !subject.starts_with("sha256:") || subject.len() != 71 {
                        respond(&mut w, 400, &[], b"DIGEST_INVALID")?;
                        continue;
                    }
                    let q: HashMap<String, String> = query
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.replace("%2B", "+").replace("%2F", "/")))
                        .collect();
                    // An unknown subject is an empty index, never a 404.
                    let mut all = store
                        .lock()
                        .unwrap()
                        .get(&subject)
                        .cloned()
                        .unwrap_or_default();
                    let mut headers = vec![(
                        "content-type".to_string(),
                        "application/vnd.oci.image.index.v1+json".to_string(),
                    )];
                    if let Some(t) = q.get("artifactType") {
                        all.retain(|d| d["artifactType"].as_str() == Some(t.as_str()));
                        headers.push(("OCI-Filters-Applied".into(), "artifactType".into()));
                    }
                    // One descriptor per page, pages chained with Link.
                    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
                    let these: Vec<_> = all.iter().skip(page).take(1).cloned().collect();
                    if page + 1 < all.len() {
                        let mut next = format!("{path}?page={}", page + 1);
                        if let Some(t) = q.get("artifactType") {
                            next.push_str(&format!("&artifactType={t}"));
                        }
                        headers.push(("link".into(), format!("<{next}>; rel=\"next\"")));
                    }
                    let body = serde_json::to_vec(&serde_json::json!({
                        "schemaVersion": 2,
                        "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": these,
                    }))
                    .unwrap();
                    respond(&mut w, 200, &headers, &body)?;
                }
            }
            continue;
        }
        // A pushed manifest with a subject becomes a referrer of it.
        if req.method == "PUT" && path.contains("/manifests/") {
            if let Ok(m) = serde_json::from_slice::<serde_json::Value>(&req.body) {
                if let Some(subject) = m["subject"]["digest"].as_str() {
                    let media = m["mediaType"]
                        .as_str()
                        .unwrap_or("application/vnd.oci.image.manifest.v1+json");
                    let artifact_type = m["artifactType"]
                        .as_str()
                        .or(m["config"]["mediaType"].as_str())
                        .unwrap_or("");
                    let mut d = serde_json::json!({
                        "mediaType": media, "digest": sha(&req.body),
                        "size": req.body.len(), "artifactType": artifact_type,
                    });
                    if !m["annotations"].is_null() {
                        d["annotations"] = m["annotations"].clone();
                    }
                    store
                        .lock()
                        .unwrap()
                        .entry(subject.to_string())
                        .or_default()
                        .push(d);
                }
            }
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap();
        let mut up = http.request(method, format!("{upstream}{}", req.target));
        for (k, v) in &req.headers {
            if !matches!(k.as_str(), "host" | "connection" | "content-length") {
                up = up.header(k, v);
            }
        }
        let resp = match up.body(req.body).send() {
            Ok(x) => x,
            Err(_) => {
                respond(&mut w, 502, &[], b"upstream failed")?;
                continue;
            }
        };
        let status = resp.status().as_u16();
        let mut headers = Vec::new();
        for (k, v) in resp.headers() {
            let k = k.as_str().to_string();
            if matches!(
                k.as_str(),
                "content-length" | "connection" | "transfer-encoding"
            ) {
                continue;
            }
            let v = v.to_str().unwrap_or("").replace(upstream, me);
            headers.push((k, v));
        }
        let body = resp.bytes().unwrap_or_default();
        respond(&mut w, status, &headers, &body)?;
    }
    Ok(())
}

#[test]
fn bundle_referrers_via_the_oci_1_1_referrers_api() {
    let c = Client::plain();
    let keys = Keys::new();
    let (k, p) = keys.pair("api-signer");
    let (_, other) = keys.pair("api-other");
    let api = OciProxy::start(Referrers::Api);

    // Signed through a registry with the API: no referrers tag is written;
    // the bundle is found through the API.
    let repo = unique("gate/api");
    let d = c.image(&repo, "v1", "api");
    let img = format!("{}/{repo}:v1", api.addr);
    let o = run(&["sign", "--bundle", "--key", &k, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let tag = format!("sha256-{}", &d[7..]);
    let r =
        reqwest::blocking::get(format!("http://{}/v2/{repo}/manifests/{tag}", plain())).unwrap();
    assert_eq!(r.status().as_u16(), 404, "no referrers tag with the API");
    // An unrelated referrer (an SBOM) beside the signature, so that the
    // API lists two descriptors over two pages.
    let sbom = br#"{"spdxVersion":"SPDX-2.3"}"#;
    let sbom_d = c.blob(&repo, sbom);
    let empty = c.blob(&repo, b"{}");
    let subject = c.get_manifest(&repo, &d);
    let sbom_m = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/spdx+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/spdx+json", "digest": sbom_d, "size": sbom.len()}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d,
                    "size": serde_json::to_vec(&subject).unwrap().len()},
    });
    let bytes = serde_json::to_vec(&sbom_m).unwrap();
    let via = Client {
        http: reqwest::blocking::Client::new(),
        base: format!("http://{}", api.addr),
        auth: None,
        bearer: None,
    };
    via.manifest(
        &repo,
        &sha(&bytes),
        "application/vnd.oci.image.manifest.v1+json",
        &bytes,
    );

    // The library asked for one artifact type: the registry filters (and
    // says so); across its pages only that type comes back.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reg = secgate_cosign::Registry::new(secgate_cosign::RegistryOptions::default()).unwrap();
    let r = secgate_cosign::Reference::parse(&img).unwrap();
    for (t, n) in [
        ("application/vnd.dev.sigstore.bundle.v0.3+json", 1),
        ("application/spdx+json", 1),
        ("application/vnd.example.none", 0),
    ] {
        let l = rt
            .block_on(reg.referrers_api(&r, &d, Some(t)))
            .unwrap()
            .unwrap();
        assert_eq!(l.len(), n, "{t}: {l:?}");
        assert!(l.iter().all(|x| x.artifact_type.as_deref() == Some(t)));
    }
    let all = rt
        .block_on(reg.referrers_api(&r, &d, None))
        .unwrap()
        .unwrap();
    assert_eq!(all.len(), 2, "both pages: {all:?}");

    let o = run(&[
        "verify",
        "--insecure-ignore-tlog",
        "--key",
        &p,
        "--format",
        "json",
        &img,
    ]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sigs = j["images"][0]["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "the SBOM is not a signature: {sigs:?}");
    assert!(
        sigs[0]["location"]
            .as_str()
            .unwrap()
            .contains("(referrers API)"),
        "{sigs:?}"
    );
    assert!(
        api.referrers_requests
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.contains("page=1")),
        "the second page was followed: {:?}",
        api.referrers_requests.lock().unwrap()
    );
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &other, &img]);
    assert_eq!(code(&o), 1, "{}", out(&o));
    assert!(out(&o).contains("referrers API"), "{}", out(&o));

    // A registry that answers 404 on the referrers endpoint: the bundle is
    // written to and found through the sha256-<hex> referrers tag.
    let nf = OciProxy::start(Referrers::NotFound);
    let repo = unique("gate/api404");
    let d = c.image(&repo, "v1", "api404");
    let img = format!("{}/{repo}:v1", nf.addr);
    let o = run(&["sign", "--bundle", "--key", &k, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let idx = c.get_manifest(&repo, &format!("sha256-{}", &d[7..]));
    assert_eq!(idx["manifests"].as_array().unwrap().len(), 1);
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &p, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(out(&o).contains("(referrers tag sha256-"), "{}", out(&o));
    assert!(!nf.referrers_requests.lock().unwrap().is_empty());

    // A registry that answers 500 on the referrers endpoint: exit 3, even
    // though a valid legacy signature exists; never "no signatures".
    let err = OciProxy::start(Referrers::Error);
    let repo = unique("gate/api500");
    c.image(&repo, "v1", "api500");
    let direct = format!("{}/{repo}:v1", plain());
    assert_eq!(code(&run(&["sign", "--key", &k, &direct])), 0);
    assert_eq!(
        code(&run(&[
            "verify",
            "--insecure-ignore-tlog",
            "--key",
            &p,
            &direct
        ])),
        0
    );
    let img = format!("{}/{repo}:v1", err.addr);
    let o = run(&["verify", "--insecure-ignore-tlog", "--key", &p, &img]);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(out(&o).contains("500"), "{}", out(&o));
    assert!(!out(&o).contains("no signature found"), "{}", out(&o));
    // Signing against it fails too (it cannot tell whether to write the tag).
    let o = run(&["sign", "--bundle", "--key", &k, &img]);
    assert_eq!(code(&o), 3, "{}", out(&o));
}

/// The token issuer of the bearer-token registry (docker distribution's
/// token authentication: an ES256 JWT whose `x5c` header chains to the
/// registry's `rootcertbundle`).
struct TokenIssuer {
    key: p256::ecdsa::SigningKey,
    cert_der: Vec<u8>,
    issuer: String,
    service: String,
}

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl TokenIssuer {
    fn load(env: &HashMap<String, String>) -> Self {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(
            &std::fs::read_to_string(&env["SECGATE_TOKEN_KEY"]).unwrap(),
        )
        .unwrap();
        let pem = std::fs::read_to_string(&env["SECGATE_TOKEN_CERT"]).unwrap();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        TokenIssuer {
            key,
            cert_der: base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
            issuer: env["SECGATE_TOKEN_ISSUER"].clone(),
            service: env["SECGATE_TOKEN_SERVICE"].clone(),
        }
    }

    /// A signed token granting `access` (`[(repository, [actions])]`).
    fn mint(&self, subject: &str, access: &[(String, Vec<String>)]) -> String {
        use p256::ecdsa::signature::Signer;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({
            "typ": "JWT",
            "alg": "ES256",
            "x5c": [base64::engine::general_purpose::STANDARD.encode(&self.cert_der)],
        });
        let claims = serde_json::json!({
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": unique("jti"),
            "access": access.iter().map(|(name, actions)| serde_json::json!({
                "type": "repository", "name": name, "actions": actions,
            })).collect::<Vec<_>>(),
        });
        let input = format!(
            "{}.{}",
            b64url(&serde_json::to_vec(&header).unwrap()),
            b64url(&serde_json::to_vec(&claims).unwrap())
        );
        let sig: p256::ecdsa::Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64url(&sig.to_bytes()))
    }
}

/// A token server on `addr` (the registry's realm): `GET
/// /token?service=..&scope=repository:<name>:<actions>` with HTTP Basic
/// `user:password`, answering `{"token": <JWT>}` granting the scopes asked;
/// 401 for wrong or missing credentials. Logs each request's scopes.
fn token_server(
    addr: &str,
    issuer: TokenIssuer,
    user: String,
    password: String,
) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let listener = TcpListener::bind(addr)
        .unwrap_or_else(|e| panic!("token server port {addr} (SECGATE_TOKEN_SERVER): {e}"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log2 = log.clone();
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    );
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(s) = s else { continue };
            let mut w = s.try_clone().unwrap();
            let mut r = std::io::BufReader::new(s);
            let Some(req) = read_req(&mut r) else {
                continue;
            };
            let url = url_of(&req.target);
            let authz = req
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone());
            let service = url
                .query_pairs()
                .find(|(k, _)| k == "service")
                .map(|(_, v)| v.to_string());
            let scopes: Vec<String> = url
                .query_pairs()
                .filter(|(k, _)| k == "scope")
                .map(|(_, v)| v.to_string())
                .collect();
            log2.lock().unwrap().push(scopes.join(" "));
            if req.method != "GET" || url.path() != "/token" {
                let _ = respond(&mut w, 404, &[], b"{}");
                continue;
            }
            if authz.as_deref() != Some(want.as_str()) {
                let _ = respond(
                    &mut w,
                    401,
                    &[("content-type".into(), "application/json".into())],
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
                );
                continue;
            }
            if service.as_deref() != Some(issuer.service.as_str()) {
                let _ = respond(&mut w, 400, &[], b"{}");
                continue;
            }
            let access: Vec<(String, Vec<String>)> = scopes
                .iter()
                .filter_map(|s| {
                    let mut p = s.splitn(3, ':');
                    (p.next()? == "repository").then_some(())?;
                    let name = p.next()?.to_string();
                    let actions = p.next()?.split(',').map(str::to_string).collect();
                    Some((name, actions))
                })
                .collect();
            let token = issuer.mint(&user, &access);
            let body = serde_json::to_vec(&serde_json::json!({
                "token": token, "access_token": token, "expires_in": 300,
            }))
            .unwrap();
            let _ = respond(
                &mut w,
                200,
                &[("content-type".into(), "application/json".into())],
                &body,
            );
        }
    });
    log
}

fn url_of(target: &str) -> reqwest::Url {
    reqwest::Url::parse(&format!("http://x{target}")).unwrap()
}

#[test]
fn bearer_token_registry_end_to_end() {
    let env = registry_env();
    let reg = env["SECGATE_REGISTRY_TOKEN"].clone();
    let user = env["SECGATE_REGISTRY_USER"].clone();
    let password = env["SECGATE_REGISTRY_PASSWORD"].clone();
    let issuer = TokenIssuer::load(&env);
    let repo = unique("token/app");
    // Push the image with a token the test mints itself.
    let c = Client {
        http: reqwest::blocking::Client::new(),
        base: format!("http://{reg}"),
        auth: None,
        bearer: Some(issuer.mint(&user, &[(repo.clone(), vec!["pull".into(), "push".into()])])),
    };
    let d = c.image(&repo, "v1", "token");
    let img = format!("{reg}/{repo}:v1");
    let keys = Keys::new();
    let (k, p) = keys.pair("token");
    let config = |pass: &str| {
        let dc = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        std::fs::write(
            dc.path().join("config.json"),
            format!(r#"{{"auths":{{"{reg}":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        dc
    };
    let good = config(&password);
    let good_env = [("DOCKER_CONFIG", good.path().to_str().unwrap())];
    let verify = ["verify", "--insecure-ignore-tlog", "--key", &p, &img];

    // The token server is down: environment failure, never a pass.
    let o = run_env(&verify, &good_env);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(
        out(&o).contains(&env["SECGATE_TOKEN_SERVER"]),
        "{}",
        out(&o)
    );
    let o = run_env(&["sign", "--key", &k, &img], &good_env);
    assert_eq!(code(&o), 3, "{}", out(&o));

    let log = token_server(
        &env["SECGATE_TOKEN_SERVER"],
        TokenIssuer::load(&env),
        user.clone(),
        password.clone(),
    );
    // The right credentials: sign (push scope) and verify (pull scope).
    let o = run_env(&["sign", "--key", &k, &img], &good_env);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let o = run_env(&verify, &good_env);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(out(&o).contains(&d), "{}", out(&o));
    assert!(!out(&o).contains(&password));
    {
        let log = log.lock().unwrap();
        assert!(
            log.iter()
                .any(|s| s == &format!("repository:{repo}:pull,push")),
            "{log:?}"
        );
        assert!(
            log.iter().any(|s| s == &format!("repository:{repo}:pull")),
            "{log:?}"
        );
    }
    // Wrong credentials: exit 3, naming the registry, never the password.
    let wrong_pass = format!("wrong-{}", unique("pw"));
    let wrong = config(&wrong_pass);
    for args in [&verify[..], &["sign", "--key", &k, &img][..]] {
        let o = run_env(args, &[("DOCKER_CONFIG", wrong.path().to_str().unwrap())]);
        assert_eq!(code(&o), 3, "{}", out(&o));
        assert!(out(&o).contains(&reg), "{}", out(&o));
        assert!(!out(&o).contains(&wrong_pass), "{}", out(&o));
        assert!(!out(&o).contains(&password));
    }
    // No credentials at all: the token server refuses, exit 3.
    let o = run(&verify);
    assert_eq!(code(&o), 3, "{}", out(&o));
}

#[test]
fn docker_credential_helpers() {
    use std::os::unix::fs::PermissionsExt;
    let env = registry_env();
    let reg = env["SECGATE_REGISTRY_TLS"].clone();
    let ca = env["SECGATE_REGISTRY_CA"].clone();
    let password = env["SECGATE_REGISTRY_PASSWORD"].clone();
    let c = Client::tls();
    let repo = unique("helper/app");
    let d = c.image(&repo, "v1", "helper");
    let img = format!("{reg}/{repo}:v1");
    let keys = Keys::new();
    let (k, p) = keys.pair("helper");
    // Real helper programs on PATH: one that answers for the registry (and
    // logs what it was asked), one that fails after printing the secret.
    let bin = tempfile::tempdir().unwrap();
    let asked = bin.path().join("asked");
    let helper = |name: &str, body: &str| {
        let f = bin.path().join(format!("docker-credential-{name}"));
        std::fs::write(&f, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    helper(
        "secgatetest",
        &format!(
            r#"[ "$1" = get ] || exit 2
read -r server
printf '%s\n' "$server" >> '{}'
if [ "$server" = '{reg}' ]; then
  printf '{{"ServerURL":"%s","Username":"{}","Secret":"{password}"}}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi"#,
            asked.display(),
            env["SECGATE_REGISTRY_USER"]
        ),
    );
    helper(
        "secgatebroken",
        &format!("echo 'partial {{\"Secret\":\"{password}\"'; echo 'keychain locked' >&2; exit 1"),
    );
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_config = |json: &str, args: &[&str]| {
        let dc = tempfile::tempdir().unwrap();
        std::fs::write(dc.path().join("config.json"), json).unwrap();
        run_env(
            args,
            &[
                ("DOCKER_CONFIG", dc.path().to_str().unwrap()),
                ("PATH", &path),
                ("SSL_CERT_FILE", &ca),
            ],
        )
    };
    let verify = ["verify", "--insecure-ignore-tlog", "--key", &p, &img];
    // credHelpers for this registry: sign and verify.
    let helpers = format!(r#"{{"credHelpers":{{"{reg}":"secgatetest"}}}}"#);
    let o = with_config(&helpers, &["sign", "--key", &k, &img]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let o = with_config(&helpers, &verify);
    assert_eq!(code(&o), 0, "{}", out(&o));
    assert!(out(&o).contains(&d));
    assert!(!out(&o).contains(&password));
    assert!(std::fs::read_to_string(&asked)
        .unwrap()
        .lines()
        .all(|l| l == reg));
    // credsStore (the default helper) does the same.
    let o = with_config(r#"{"credsStore":"secgatetest","auths":{}}"#, &verify);
    assert_eq!(code(&o), 0, "{}", out(&o));
    // A helper that fails: exit 3, naming the helper and the registry,
    // never its output (which held the secret).
    let o = with_config(
        &format!(r#"{{"credHelpers":{{"{reg}":"secgatebroken"}}}}"#),
        &verify,
    );
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(
        out(&o).contains("docker-credential-secgatebroken"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains(&reg), "{}", out(&o));
    assert!(!out(&o).contains(&password), "{}", out(&o));
    // A helper that is not installed: exit 3, saying so.
    let o = with_config(r#"{"credsStore":"secgate-not-installed"}"#, &verify);
    assert_eq!(code(&o), 3, "{}", out(&o));
    assert!(out(&o).contains("cannot be run"), "{}", out(&o));
    // A helper configured for another registry only: no credentials here,
    // access denied (exit 3).
    let o = with_config(
        &format!(r#"{{"credHelpers":{{"{reg}":"secgatetest"}}}}"#).replace(&reg, "127.0.0.1:1"),
        &verify,
    );
    assert_eq!(code(&o), 3, "{}", out(&o));
}
