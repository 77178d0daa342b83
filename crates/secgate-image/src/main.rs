//! `secgate-image`: only signed images from trusted registries ship.
//!
//! Exit codes: 0 every image verified; 1 any image unsigned, untrusted or not
//! allowed; 2 usage or input; 3 registry or network failure.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secgate_cosign::keys::{PrivateKey, PublicKey};
use secgate_cosign::manifests;
use secgate_cosign::trust::TrustedRoot;
use secgate_cosign::verify::{Identity, Matcher, Policy};
use secgate_cosign::{auth::Credentials, ImageReport, Reference, Registry, RegistryOptions};

#[derive(Parser)]
#[command(
    name = "secgate-image",
    version,
    about = "Verify cosign signatures of container images (both generations, offline) and gate on registries"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Verify the signatures of images.
    Verify {
        /// Image references (`registry/repo:tag` or `…@sha256:…`).
        #[arg(required = true)]
        images: Vec<String>,
        #[command(flatten)]
        v: VerifyArgs,
    },
    /// Verify every image in Kubernetes YAML, Helm output or .gitlab-ci.yml files.
    Manifests {
        /// Files to read (`-` for stdin).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Rewrite tags to digests in the files (after verification).
        #[arg(long)]
        pin: bool,
        #[command(flatten)]
        v: VerifyArgs,
    },
    /// Sign an image with a key (legacy .sig tag, or --bundle as a v3 referrer).
    Sign {
        /// Private key (PEM file or env://VAR).
        #[arg(long)]
        key: String,
        /// Write a Sigstore v0.3 bundle referrer instead of the legacy .sig tag.
        #[arg(long)]
        bundle: bool,
        /// Image to sign.
        image: String,
        #[command(flatten)]
        r: RegistryArgs,
    },
}

#[derive(Args, Clone)]
struct RegistryArgs {
    /// Registry host reachable over plain HTTP (loopback always is).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure_registry: Vec<String>,
    /// Extra CA certificates (PEM) to trust for registries (also SSL_CERT_FILE).
    #[arg(long = "ca-file", value_name = "FILE")]
    ca_file: Vec<PathBuf>,
    /// Timeout of one registry request, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

#[derive(Args, Clone)]
struct VerifyArgs {
    /// Trusted public key (PEM file or env://VAR); repeatable.
    #[arg(long)]
    key: Vec<String>,
    /// Distinct trusted signers required.
    #[arg(long = "min-signatures", default_value_t = 1)]
    min_signatures: usize,
    /// Keyless: certificate identity (exact).
    #[arg(long = "certificate-identity")]
    certificate_identity: Option<String>,
    /// Keyless: certificate identity (regular expression, whole match).
    #[arg(long = "certificate-identity-regexp")]
    certificate_identity_regexp: Option<String>,
    /// Keyless: OIDC issuer (exact).
    #[arg(long = "certificate-oidc-issuer")]
    certificate_oidc_issuer: Option<String>,
    /// Keyless: OIDC issuer (regular expression, whole match).
    #[arg(long = "certificate-oidc-issuer-regexp")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// Sigstore trusted_root.json (default: the embedded public-good root).
    #[arg(long = "trusted-root")]
    trusted_root: Option<PathBuf>,
    /// Accept key-signed signatures without a transparency-log entry.
    #[arg(long = "insecure-ignore-tlog")]
    insecure_ignore_tlog: bool,
    /// Keyless: do not check the certificate's embedded SCT (for private
    /// CAs without certificate transparency). Said loudly in the output.
    #[arg(long = "insecure-ignore-sct")]
    insecure_ignore_sct: bool,
    /// Registry (or registry/path prefix) images may come from; repeatable.
    #[arg(long = "allowed-registry")]
    allowed_registry: Vec<String>,
    /// Fail references that are not pinned by digest.
    #[arg(long = "require-digest")]
    require_digest: bool,
    /// Policy file (YAML: keys, allowed-registries, require-digest, min-signatures, identities).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    r: RegistryArgs,
}

/// A failure with its exit code.
struct Fail(u8, String);

fn usage(m: impl std::fmt::Display) -> Fail {
    Fail(2, m.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(Fail(code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

fn registry(r: &RegistryArgs) -> Result<Registry, Fail> {
    let mut ca = Vec::new();
    let mut files = r.ca_file.clone();
    if let Some(f) = std::env::var_os("SSL_CERT_FILE") {
        files.push(PathBuf::from(f));
    }
    for f in files {
        ca.push(std::fs::read(&f).map_err(|e| usage(format!("--ca-file {}: {e}", f.display())))?);
    }
    let credentials =
        Credentials::from_environment().map_err(|e| usage(format!("docker config {e}")))?;
    Registry::new(RegistryOptions {
        insecure_hosts: r.insecure_registry.clone(),
        ca_pem: ca,
        timeout: Some(Duration::from_secs(r.timeout.max(1))),
        credentials,
    })
    .map_err(|e| usage(e.to_string()))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    allowed_registries: Vec<String>,
    #[serde(default)]
    require_digest: bool,
    min_signatures: Option<usize>,
    #[serde(default)]
    identities: Vec<PolicyIdentity>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PolicyIdentity {
    identity: Option<String>,
    identity_regexp: Option<String>,
    issuer: Option<String>,
    issuer_regexp: Option<String>,
}

fn matcher(
    exact: Option<&String>,
    re: Option<&String>,
    what: &str,
) -> Result<Option<Matcher>, Fail> {
    match (exact, re) {
        (Some(_), Some(_)) => Err(usage(format!(
            "give either {what} or {what}-regexp, not both"
        ))),
        (Some(e), None) => Ok(Some(Matcher::Exact(e.clone()))),
        (None, Some(r)) => Matcher::regex(r)
            .map(Some)
            .map_err(|e| usage(format!("{what}-regexp: {e}"))),
        (None, None) => Ok(None),
    }
}

fn policy(v: &VerifyArgs) -> Result<Policy, Fail> {
    let file: PolicyFile = match &v.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| usage(format!("--policy {}: {e}", p.display())))?;
            serde_saphyr_from(&text).map_err(|e| usage(format!("--policy {}: {e}", p.display())))?
        }
        None => PolicyFile::default(),
    };
    let mut keys = Vec::new();
    for k in v.key.iter().chain(file.keys.iter()) {
        keys.push(PublicKey::load(k).map_err(usage)?);
    }
    let mut identities = Vec::new();
    let subject = matcher(
        v.certificate_identity.as_ref(),
        v.certificate_identity_regexp.as_ref(),
        "--certificate-identity",
    )?;
    let issuer = matcher(
        v.certificate_oidc_issuer.as_ref(),
        v.certificate_oidc_issuer_regexp.as_ref(),
        "--certificate-oidc-issuer",
    )?;
    match (subject, issuer) {
        (Some(s), Some(i)) => identities.push(Identity { subject: s, issuer: i }),
        (None, None) => {}
        _ => return Err(usage("keyless verification needs both --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]")),
    }
    for pi in &file.identities {
        match (
            matcher(
                pi.identity.as_ref(),
                pi.identity_regexp.as_ref(),
                "identity",
            )?,
            matcher(pi.issuer.as_ref(), pi.issuer_regexp.as_ref(), "issuer")?,
        ) {
            (Some(s), Some(i)) => identities.push(Identity {
                subject: s,
                issuer: i,
            }),
            _ => {
                return Err(usage(
                    "each policy identity needs identity[-regexp] and issuer[-regexp]",
                ))
            }
        }
    }
    if keys.is_empty() && identities.is_empty() {
        return Err(usage("nothing to verify against: give --key KEY, or --certificate-identity and --certificate-oidc-issuer"));
    }
    let trusted_root = match &v.trusted_root {
        Some(p) => TrustedRoot::load(p).map_err(usage)?,
        None => TrustedRoot::public_good(),
    };
    let min = if v.min_signatures != 1 {
        v.min_signatures
    } else {
        file.min_signatures.unwrap_or(1)
    };
    if min == 0 {
        return Err(usage("--min-signatures must be at least 1"));
    }
    let mut allowed = v.allowed_registry.clone();
    allowed.extend(file.allowed_registries);
    Ok(Policy {
        keys,
        identities,
        min_signatures: min,
        trusted_root: Arc::new(trusted_root),
        insecure_ignore_tlog: v.insecure_ignore_tlog,
        insecure_ignore_sct: v.insecure_ignore_sct,
        allowed_registries: allowed,
        require_digest: v.require_digest || file.require_digest,
        concurrency: 16,
    })
}

fn serde_saphyr_from(text: &str) -> Result<PolicyFile, String> {
    let v: serde_json::Value = secgate_cosign::manifests::yaml_value(text)?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn render_text(reports: &[ImageReport], policy: &Policy) -> String {
    let mut o = String::new();
    if policy.insecure_ignore_tlog {
        o.push_str("WARNING: --insecure-ignore-tlog: key signatures (and keyless bundles with a verified RFC 3161 timestamp) are accepted without a transparency-log entry\n\n");
    }
    if policy.insecure_ignore_sct {
        o.push_str("WARNING: --insecure-ignore-sct: keyless certificates are accepted without checking their certificate-transparency SCT\n\n");
    }
    for r in reports {
        let mark = if r.verified {
            "VERIFIED"
        } else if r.error.is_some() {
            "ERROR"
        } else {
            "FAILED"
        };
        o.push_str(&format!("{mark}  {}\n", r.reference));
        if let Some(d) = &r.digest {
            o.push_str(&format!("  digest: {d}\n"));
        }
        if let Some(e) = &r.error {
            o.push_str(&format!("  registry error: {e}\n"));
        }
        for u in &r.unsatisfied {
            o.push_str(&format!("  x {u}\n"));
        }
        if r.signatures.is_empty() && r.error.is_none() && r.digest.is_some() {
            o.push_str("  signatures: none found\n");
        }
        for s in &r.signatures {
            let st = if s.verified { "ok " } else { "bad" };
            o.push_str(&format!(
                "  [{st}] {} signature at {}\n",
                s.format, s.location
            ));
            if let Some(who) = &s.signer {
                o.push_str(&format!("        signed by {who}\n"));
            }
            if let Some(t) = &s.tlog {
                o.push_str(&format!("        transparency log: {t}\n"));
            }
            for t in &s.timestamps {
                o.push_str(&format!("        RFC 3161 timestamp: {t}\n"));
            }
            for w in &s.warnings {
                o.push_str(&format!("        ! {w}\n"));
            }
            for why in &s.reasons {
                o.push_str(&format!("        - {why}\n"));
            }
        }
    }
    let ok = reports.iter().filter(|r| r.verified).count();
    o.push_str(&format!("\n{ok} of {} image(s) verified\n", reports.len()));
    o
}

fn exit_code(reports: &[ImageReport]) -> u8 {
    if reports.iter().any(|r| r.error.is_some()) {
        3
    } else if reports.iter().all(|r| r.verified) && !reports.is_empty() {
        0
    } else {
        1
    }
}

fn emit(
    v: &VerifyArgs,
    reports: &[ImageReport],
    policy: &Policy,
    extra: Option<serde_json::Value>,
) -> Result<(), Fail> {
    let text = if v.format == "json" {
        let mut j = serde_json::json!({
            "verified": reports.iter().all(|r| r.verified) && !reports.is_empty(),
            "insecure_ignore_tlog": policy.insecure_ignore_tlog,
            "insecure_ignore_sct": policy.insecure_ignore_sct,
            "images": reports,
        });
        if let Some(e) = extra {
            j["files"] = e;
        }
        serde_json::to_string_pretty(&j).expect("json") + "\n"
    } else {
        render_text(reports, policy)
    };
    match &v.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Fail(3, format!("--output {}: {e}", p.display())))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Fail> {
    match cli.cmd {
        Cmd::Verify { images, v } => {
            let policy = policy(&v)?;
            let reg = registry(&v.r)?;
            let reports = secgate_cosign::verify_images(&reg, &images, &policy).await;
            emit(&v, &reports, &policy, None)?;
            Ok(exit_code(&reports))
        }
        Cmd::Manifests { paths, pin, v } => {
            let policy = policy(&v)?;
            let reg = registry(&v.r)?;
            let mut texts = Vec::new();
            let mut found = Vec::new();
            for p in &paths {
                let text = if p.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin())
                        .map_err(|e| usage(format!("stdin: {e}")))?
                } else {
                    std::fs::read_to_string(p)
                        .map_err(|e| usage(format!("{}: {e}", p.display())))?
                };
                let imgs = manifests::extract(&p.display().to_string(), &text).map_err(usage)?;
                for i in &imgs {
                    found.push((p.display().to_string(), i.clone()));
                }
                texts.push((p.clone(), text));
            }
            if found.is_empty() {
                return Err(usage("no image found in the given files (is this Kubernetes YAML or .gitlab-ci.yml?)"));
            }
            let mut uniq: Vec<String> = found.iter().map(|(_, i)| i.image.clone()).collect();
            uniq.sort();
            uniq.dedup();
            let reports = secgate_cosign::verify_images(&reg, &uniq, &policy).await;
            let files: Vec<serde_json::Value> = found
                .iter()
                .map(|(f, i)| serde_json::json!({"file": f, "line": i.line, "context": i.context, "image": i.image}))
                .collect();
            if v.format == "text" && v.output.is_none() {
                for (f, i) in &found {
                    println!("{f}:{}: {} ({})", i.line, i.image, i.context);
                }
                println!();
            }
            emit(&v, &reports, &policy, Some(serde_json::Value::Array(files)))?;
            let code = exit_code(&reports);
            if pin && code == 0 {
                for (p, mut text) in texts {
                    if p.as_os_str() == "-" {
                        continue;
                    }
                    let mut changed = 0;
                    for r in &reports {
                        let (Some(d), Ok(parsed)) = (&r.digest, Reference::parse(&r.reference))
                        else {
                            continue;
                        };
                        if parsed.digest.is_some() {
                            continue;
                        }
                        let (t, n) =
                            manifests::pin(&text, &r.reference, &format!("{}@{d}", r.reference));
                        text = t;
                        changed += n;
                    }
                    if changed > 0 {
                        std::fs::write(&p, text)
                            .map_err(|e| Fail(3, format!("{}: {e}", p.display())))?;
                        eprintln!("pinned {changed} reference(s) in {}", p.display());
                    }
                }
            } else if pin {
                eprintln!("not pinning: verification failed");
            }
            Ok(code)
        }
        Cmd::Sign {
            key,
            bundle,
            image,
            r,
        } => {
            let key = PrivateKey::load(&key).map_err(usage)?;
            let reference = Reference::parse(&image).map_err(usage)?;
            let reg = registry(&r)?;
            let res = if bundle {
                secgate_cosign::sign::sign_bundle(&reg, &reference, &key).await
            } else {
                secgate_cosign::sign::sign_legacy(&reg, &reference, &key).await
            };
            match res {
                Ok(s) => {
                    println!(
                        "signed {}@{} -> {} ({} signature(s) there)",
                        reference.repository_name(),
                        s.digest,
                        s.location,
                        s.total
                    );
                    Ok(0)
                }
                Err(secgate_cosign::sign::SignError::NotFound(m)) => {
                    Err(Fail(1, format!("image not found: {m}")))
                }
                Err(e) => Err(Fail(3, e.to_string())),
            }
        }
    }
}
