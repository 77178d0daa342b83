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
}

impl Client {
    fn plain() -> Self {
        Client {
            http: reqwest::blocking::Client::new(),
            base: format!("http://{}", plain()),
            auth: None,
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
        }
    }
    fn req(&self, m: reqwest::Method, url: &str) -> reqwest::blocking::RequestBuilder {
        let r = self.http.request(m, url);
        match &self.auth {
            Some((u, p)) => r.basic_auth(u, Some(p)),
            None => r,
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
    assert_eq!(
        idx["manifests"][0]["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
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
