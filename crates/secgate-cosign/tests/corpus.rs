//! Verification on real cosign / Sigstore material from the shared corpus
//! (`$SECGATE_CORPUS`, default `../shared/corpus` beside the workspace).
//! Everything here is offline: the trusted root is the embedded public-good one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use secgate_cosign::keys::{PrivateKey, PublicKey};
use secgate_cosign::trust::TrustedRoot;
use secgate_cosign::verify::{verify_legacy, Identity, Matcher, Policy};
use sha2::{Digest as _, Sha256};

fn corpus() -> PathBuf {
    let p = match std::env::var("SECGATE_CORPUS") {
        Ok(p) => PathBuf::from(p),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    assert!(
        p.join("sigstore").is_dir(),
        "corpus not found at {} (set SECGATE_CORPUS)",
        p.display()
    );
    p.join("sigstore")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(corpus().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// containers/image's on-disk signature: magic prefix, then JSON.
fn containers_sig(name: &str) -> (Vec<u8>, BTreeMap<String, String>) {
    let raw = read(name);
    let json = raw
        .strip_prefix(b"\0sigstore-json\n")
        .expect("magic prefix");
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(v["payload"].as_str().unwrap())
        .unwrap();
    let ann = serde_json::from_value(v["annotations"].clone()).unwrap();
    (payload, ann)
}

fn digest_of(payload: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(payload).unwrap();
    v["critical"]["image"]["docker-manifest-digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn keyless(identity: &str, issuer: &str) -> Policy {
    Policy {
        identities: vec![Identity {
            subject: Matcher::Exact(identity.into()),
            issuer: Matcher::regex(issuer).unwrap(),
        }],
        ..Policy::default()
    }
}

#[test]
fn key_signed_legacy_signature_from_cosign() {
    let (payload, ann) = containers_sig("containers-image__dir-img-cosign-valid__signature-1");
    let key = PublicKey::from_pem("cosign.pub", &read("containers-image__cosign.pub")).unwrap();
    let d = digest_of(&payload);
    let mut p = Policy {
        keys: vec![key],
        insecure_ignore_tlog: true,
        ..Policy::default()
    };
    let s = verify_legacy("corpus", &payload, Some(&ann), &d, &p);
    assert!(s.verified, "{:?}", s.reasons);
    assert!(s.warnings.iter().any(|w| w.contains("INSECURE")));
    // Another image's digest: fails.
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let s = verify_legacy("corpus", &payload, Some(&ann), other, &p);
    assert!(
        !s.verified && s.reasons.iter().any(|r| r.contains("payload signs digest")),
        "{:?}",
        s.reasons
    );
    // Without a log entry and without the flag: fails.
    p.insecure_ignore_tlog = false;
    assert!(!verify_legacy("corpus", &payload, Some(&ann), &d, &p).verified);
    // A wrong key (another cosign key from the corpus).
    let wrong = PublicKey::from_pem("cosign-test.pub", &read("cosign__cosign-test.pub")).unwrap();
    let p = Policy {
        keys: vec![wrong],
        insecure_ignore_tlog: true,
        ..Policy::default()
    };
    assert!(!verify_legacy("corpus", &payload, Some(&ann), &d, &p).verified);
    // Garbage and RSA keys are refused with a message.
    assert!(PublicKey::from_pem("g", &read("cosign__garbage-there-are-limits.pub")).is_err());
    assert!(PublicKey::from_pem("r", &read("cosign__rsa-pkcs1.pub.pem")).is_err());
}

#[test]
fn keyless_legacy_signature_with_rekor_bundle() {
    let (payload, ann) =
        containers_sig("containers-image__dir-img-cosign-fulcio-rekor-valid__signature-1");
    let d = digest_of(&payload);
    let p = keyless("mitr@redhat.com", "https://.*");
    let s = verify_legacy("corpus", &payload, Some(&ann), &d, &p);
    assert!(s.verified, "{:?}", s.reasons);
    assert!(
        s.tlog
            .as_deref()
            .unwrap_or("")
            .contains("rekor.sigstore.dev"),
        "{:?}",
        s.tlog
    );
    assert!(s.signer.as_deref().unwrap().contains("mitr@redhat.com"));

    // Wrong identity; wrong issuer: each fails and says what was found.
    let s = verify_legacy(
        "corpus",
        &payload,
        Some(&ann),
        &d,
        &keyless("someone@example.com", "https://.*"),
    );
    assert!(
        !s.verified && s.reasons.iter().any(|r| r.contains("does not match")),
        "{:?}",
        s.reasons
    );
    let s = verify_legacy(
        "corpus",
        &payload,
        Some(&ann),
        &d,
        &keyless("mitr@redhat.com", "https://gitlab.com"),
    );
    assert!(
        !s.verified && s.reasons.iter().any(|r| r.contains("issuer")),
        "{:?}",
        s.reasons
    );

    // The certificate expired minutes after signing; without the log entry
    // there is no trusted signing time inside its validity: fails.
    let mut no_log = ann.clone();
    no_log.retain(|k, _| !k.ends_with("/bundle"));
    let s = verify_legacy("corpus", &payload, Some(&no_log), &d, &p);
    assert!(
        !s.verified
            && s.reasons
                .iter()
                .any(|r| r.contains("no trusted signing time")),
        "{:?}",
        s.reasons
    );

    // A trusted root without the public-good CA: not chained.
    let other_root = TrustedRoot::from_json(
        "conformance",
        &read("sigstore-conformance__intoto-expired-certificate_fail.trusted_root.json"),
    )
    .unwrap();
    let p2 = Policy {
        trusted_root: Arc::new(other_root),
        ..keyless("mitr@redhat.com", "https://.*")
    };
    assert!(!verify_legacy("corpus", &payload, Some(&ann), &d, &p2).verified);
}

/// The known forgery against sigstore-rs 0.15: a valid signature's
/// certificate, chain and Rekor bundle copied onto another image's
/// signature whose payload was signed by a throwaway key.
#[test]
fn forged_keyless_signature_with_copied_certificate_and_bundle_fails() {
    let (_, ann) =
        containers_sig("containers-image__dir-img-cosign-fulcio-rekor-valid__signature-1");
    let target = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    let payload =
        secgate_cosign::simplesigning::Payload::new("registry.example.com/victim", target)
            .to_bytes();
    let throwaway = PrivateKey::from_pem(
        "throwaway",
        p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(
            &p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap(),
            p256::pkcs8::LineEnding::LF,
        )
        .unwrap()
        .as_bytes(),
    )
    .unwrap();
    let mut forged = ann.clone();
    forged.insert(
        "dev.cosignproject.cosign/signature".into(),
        base64::engine::general_purpose::STANDARD.encode(throwaway.sign(&payload)),
    );
    let s = verify_legacy(
        "forged",
        &payload,
        Some(&forged),
        target,
        &keyless("mitr@redhat.com", "https://.*"),
    );
    assert!(!s.verified);
    assert!(
        s.reasons
            .iter()
            .any(|r| r.contains("does not verify with the certificate's key")),
        "{:?}",
        s.reasons
    );
    assert!(
        s.reasons.iter().any(|r| r.contains("records payload hash")),
        "{:?}",
        s.reasons
    );
    assert!(
        s.reasons.iter().any(|r| r.contains("different signature")),
        "{:?}",
        s.reasons
    );
}

#[test]
fn bundle_log_entries_checked_offline() {
    let root = TrustedRoot::public_good();
    let staging =
        TrustedRoot::from_json("staging", &read("sigstore-rs__staging_trusted_root.json")).unwrap();
    for (name, root) in [
        ("sigstore-conformance__happy-path-v0.3.sigstore.json", &root),
        (
            "sigstore-conformance__happy-path-v0.3-new-mediaType.sigstore.json",
            &root,
        ),
        ("sigstore-python__bundle_v3.txt.sigstore", &staging),
        ("cosign__oci-attestation.sigstore.json", &root),
    ] {
        let b: serde_json::Value = serde_json::from_slice(&read(name)).unwrap();
        let e = &b["verificationMaterial"]["tlogEntries"][0];
        let v = secgate_cosign::tlog::verify_entry(e, root);
        // The public-good log is unknown to the staging root and vice versa.
        let other = if std::ptr::eq(root, &staging) {
            &TrustedRoot::public_good()
        } else {
            &staging
        };
        assert!(
            secgate_cosign::tlog::verify_entry(e, other).is_err(),
            "{name}"
        );
        assert!(v.is_ok(), "{name}: {:?}", v.err());
        assert!(
            secgate_cosign::bundle::Bundle::parse(&read(name)).is_ok(),
            "{name}"
        );
    }
    // A proof that does not lead to its root.
    let b: serde_json::Value =
        serde_json::from_slice(&read("sigstore-conformance__happy-path-v0.3.sigstore.json"))
            .unwrap();
    let mut e = b["verificationMaterial"]["tlogEntries"][0].clone();
    let h = e["inclusionProof"]["hashes"][0]
        .as_str()
        .unwrap()
        .to_string();
    let mut raw = base64::engine::general_purpose::STANDARD.decode(h).unwrap();
    raw[0] ^= 0xff;
    e["inclusionProof"]["hashes"][0] = base64::engine::general_purpose::STANDARD.encode(raw).into();
    let err = secgate_cosign::tlog::verify_entry(&e, &root).unwrap_err();
    assert!(err.iter().any(|m| m.contains("inclusion proof")), "{err:?}");
    // A tampered body: the promise no longer verifies.
    let mut e = b["verificationMaterial"]["tlogEntries"][0].clone();
    e["integratedTime"] = "1".into();
    assert!(secgate_cosign::tlog::verify_entry(&e, &root).is_err());
    // Bad media types and empty chains are rejected.
    assert!(secgate_cosign::bundle::Bundle::parse(&read(
        "sigstore-python__bundle_invalid_version.txt.sigstore"
    ))
    .is_err());
    let nc = secgate_cosign::bundle::Bundle::parse(&read(
        "sigstore-python__bundle_no_cert_v1.txt.sigstore",
    ))
    .unwrap();
    assert!(nc.leaf().is_err());
    assert!(
        TrustedRoot::from_json("bad", &read("sigstore-python__trustedroot.badtype.json")).is_err()
    );
    // JSON Lines roots merge.
    let two = TrustedRoot::from_json(
        "jsonl",
        &read("sigstore-java__github-private-no-tlog__trusted_root.jsonl"),
    )
    .unwrap();
    assert!(two.cas.len() > 2);
}

/// The issuing CA of `leaf` among the trusted root's authorities.
fn issuer_in(root: &TrustedRoot, leaf: &secgate_cosign::x509::Cert) -> secgate_cosign::x509::Cert {
    root.cas
        .iter()
        .map(|ca| secgate_cosign::x509::Cert::from_der(&ca.chain_der[0]).unwrap())
        .find(|c| leaf.is_signed_by(c))
        .unwrap_or_else(|| panic!("no issuer for {}", leaf.subject()))
}

fn bundle_leaf(name: &str) -> secgate_cosign::x509::Cert {
    secgate_cosign::bundle::Bundle::parse(&read(name))
        .unwrap()
        .leaf()
        .unwrap()
        .unwrap_or_else(|| panic!("{name}: no certificate"))
}

#[test]
fn embedded_scts_verify_against_the_ct_logs_of_the_trusted_root() {
    use secgate_cosign::sct::verify_embedded_sct;
    let good = TrustedRoot::public_good();
    let staging =
        TrustedRoot::from_json("staging", &read("sigstore-rs__staging_trusted_root.json")).unwrap();
    // The public-good legacy keyless signature's certificate.
    let leaf =
        secgate_cosign::x509::Cert::from_pem(&read("containers-image__rekor-payload.crt.pem"))
            .unwrap();
    let issuer = issuer_in(&good, &leaf);
    let v = verify_embedded_sct(&leaf, &issuer, &good).unwrap();
    assert_eq!(v.log_url, "https://ctfe.sigstore.dev/2022");
    let (nb, _) = leaf.validity();
    assert!((v.timestamp - nb).abs() < 60, "SCT time near issuance");
    // The certificates inside the corpus bundles.
    let mut checked = 0;
    for (name, root) in [
        ("sigstore-conformance__happy-path-v0.1.sigstore.json", &good),
        ("sigstore-conformance__happy-path-v0.2.sigstore.json", &good),
        ("sigstore-conformance__happy-path-v0.3.sigstore.json", &good),
        (
            "sigstore-conformance__happy-path-v0.3-new-mediaType.sigstore.json",
            &good,
        ),
        ("sigstore-rs__bundle_v03.json", &good),
        ("cosign__oci-attestation.sigstore.json", &good),
        ("sigstore-python__bundle.txt.sigstore", &staging),
        ("sigstore-python__bundle_v3.txt.sigstore", &staging),
    ] {
        let leaf = bundle_leaf(name);
        let issuer = issuer_in(root, &leaf);
        let v = verify_embedded_sct(&leaf, &issuer, root);
        assert!(v.is_ok(), "{name}: {:?}", v.err());
        // The other root's CT logs do not know this log.
        let other = if std::ptr::eq(root, &good) {
            &staging
        } else {
            &good
        };
        let e = verify_embedded_sct(&leaf, &issuer, other).unwrap_err();
        assert!(
            e.iter().any(|m| m.contains("does not know")),
            "{name}: {e:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 8);

    // The SCT extension altered (one bit of its signature): fails.
    let der = leaf.der.clone();
    let sct_oid = [
        0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02,
    ];
    let at = der
        .windows(sct_oid.len())
        .position(|w| w == sct_oid)
        .expect("SCT extension present");
    // The extension value ends where the next extension (or the TBS) ends;
    // flip a byte inside the SCT signature, near the end of the extension.
    let ext = secgate_cosign::sct::embedded_scts(&leaf).unwrap().unwrap();
    let sig = &ext[0].signature;
    let pos = der[at..]
        .windows(sig.len())
        .position(|w| w == sig.as_slice())
        .unwrap()
        + at
        + sig.len()
        - 3;
    let mut bad = der.clone();
    bad[pos] ^= 0x01;
    let altered = secgate_cosign::x509::Cert::from_der(&bad).unwrap();
    let e = verify_embedded_sct(&altered, &issuer_in(&good, &leaf), &good).unwrap_err();
    assert!(e.iter().any(|m| m.contains("does not verify")), "{e:?}");
    // The certificate altered elsewhere (its validity): the SCT no longer
    // covers it.
    let mut bad = der.clone();
    let nb_at = bad.windows(2).position(|w| w == [0x17, 0x0d]).unwrap() + 2;
    bad[nb_at + 11] = if bad[nb_at + 11] == b'1' { b'2' } else { b'1' };
    let altered = secgate_cosign::x509::Cert::from_der(&bad).unwrap();
    let e = verify_embedded_sct(&altered, &issuer_in(&good, &leaf), &good).unwrap_err();
    assert!(e.iter().any(|m| m.contains("does not verify")), "{e:?}");
    // Another issuer key hash (the wrong CA): fails.
    let wrong_issuer = secgate_cosign::x509::Cert::from_der(&good.cas[0].chain_der[0]).unwrap();
    assert!(verify_embedded_sct(&leaf, &wrong_issuer, &good).is_err());
}

#[test]
fn keyless_verification_checks_the_sct_unless_told_not_to() {
    let (payload, ann) =
        containers_sig("containers-image__dir-img-cosign-fulcio-rekor-valid__signature-1");
    let d = digest_of(&payload);
    // A trusted root with the public-good CA and Rekor but no CT logs.
    let mut no_ct = TrustedRoot::public_good();
    no_ct.ctlogs.clear();
    let p = Policy {
        trusted_root: Arc::new(no_ct),
        ..keyless("mitr@redhat.com", "https://.*")
    };
    let s = verify_legacy("corpus", &payload, Some(&ann), &d, &p);
    assert!(!s.verified);
    assert!(
        s.reasons.iter().any(|r| r.contains("SCT from CT log")),
        "{:?}",
        s.reasons
    );
    let p = Policy {
        insecure_ignore_sct: true,
        ..p
    };
    let s = verify_legacy("corpus", &payload, Some(&ann), &d, &p);
    assert!(s.verified, "{:?}", s.reasons);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("INSECURE") && w.contains("SCT")),
        "{:?}",
        s.warnings
    );
}

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";
const GH_OAUTH: &str = "https://github.com/login/oauth";

/// What a corpus bundle is checked against.
struct Case {
    bundle: &'static str,
    /// The signed file, or None: a DSSE bundle checked against its
    /// statement's own subject digest.
    artifact: Option<&'static str>,
    root: &'static str,
    identity: &'static str,
    issuer: &'static str,
}

fn root_named(name: &str) -> TrustedRoot {
    if name == "public-good" {
        TrustedRoot::public_good()
    } else {
        TrustedRoot::from_json(name, &read(name)).unwrap()
    }
}

fn check(c: &Case, policy: Policy) -> secgate_cosign::SignatureReport {
    use secgate_cosign::bundle::{verify_bundle, Subject};
    let bytes = read(c.bundle);
    let policy = Policy {
        trusted_root: Arc::new(root_named(c.root)),
        ..policy
    };
    match c.artifact {
        Some(a) => verify_bundle(c.bundle, &bytes, Subject::Artifact(&read(a)), &policy),
        None => {
            let b: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let st = base64::engine::general_purpose::STANDARD
                .decode(b["dsseEnvelope"]["payload"].as_str().unwrap())
                .unwrap();
            let st: serde_json::Value = serde_json::from_slice(&st).unwrap();
            let d = format!(
                "sha256:{}",
                // (dsse-2sigs names its subject by sha512 only.)
                st["subject"][0]["digest"]["sha256"]
                    .as_str()
                    .unwrap_or("none")
            );
            verify_bundle(c.bundle, &bytes, Subject::Attestation(&d), &policy)
        }
    }
}

const STAGING: &str = "sigstore-rs__staging_trusted_root.json";

fn happy_cases() -> Vec<Case> {
    let a = Some("sigstore-conformance__a.txt");
    let mut v = Vec::new();
    for bundle in [
        "sigstore-conformance__happy-path-v0.1.sigstore.json",
        "sigstore-conformance__happy-path-v0.2.sigstore.json",
        "sigstore-conformance__happy-path-v0.3.sigstore.json",
        "sigstore-conformance__happy-path-v0.3-new-mediaType.sigstore.json",
    ] {
        v.push(Case {
            bundle,
            artifact: a,
            root: "public-good",
            identity: BEACON,
            issuer: GHA,
        });
    }
    v.push(Case {
        bundle: "sigstore-rs__bundle_v03.json",
        artifact: None,
        root: "public-good",
        identity: "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0",
        issuer: GHA,
    });
    v.push(Case {
        bundle: "sigstore-rs__dsse_v001_bundle.sigstore.json",
        artifact: None,
        root: "public-good",
        identity: "https://github.com/prefix-dev/sigstore-example/.github/workflows/action.yaml@refs/heads/main",
        issuer: GHA,
    });
    v.push(Case {
        bundle: "cosign__oci-attestation.sigstore.json",
        artifact: None,
        root: "public-good",
        identity: "cody@soyland.com",
        issuer: GH_OAUTH,
    });
    v.push(Case {
        bundle: "sigstore-python__bundle.txt.sigstore",
        artifact: Some("sigstore-python__bundle.txt"),
        root: STAGING,
        identity: "a@tny.town",
        issuer: GH_OAUTH,
    });
    v.push(Case {
        bundle: "sigstore-python__bundle_v3.txt.sigstore",
        artifact: Some("sigstore-python__bundle_v3.txt"),
        root: STAGING,
        identity: "william@yossarian.net",
        issuer: GH_OAUTH,
    });
    v
}

#[test]
fn keyless_bundles_verify_with_identity_and_issuer() {
    for c in happy_cases() {
        let s = check(&c, keyless(c.identity, c.issuer));
        assert!(s.verified, "{}: {:?}", c.bundle, s.reasons);
        assert!(s.tlog.is_some(), "{}", c.bundle);
        assert!(s.signer.as_deref().unwrap().contains(c.identity));
        // Another identity, another issuer, another root: each fails and
        // says why.
        let s = check(
            &c,
            keyless(
                "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main",
                c.issuer,
            ),
        );
        assert!(
            !s.verified && s.reasons.iter().any(|r| r.contains("does not match")),
            "{}: {:?}",
            c.bundle,
            s.reasons
        );
        let s = check(&c, keyless(c.identity, "https://gitlab.com"));
        assert!(
            !s.verified && s.reasons.iter().any(|r| r.contains("issuer")),
            "{}: {:?}",
            c.bundle,
            s.reasons
        );
        let other = Case {
            root: if c.root == STAGING {
                "public-good"
            } else {
                STAGING
            },
            ..c
        };
        let s = check(&other, keyless(c.identity, c.issuer));
        assert!(!s.verified, "{} under the other root", c.bundle);
        // Regex constraints (the CLI's -regexp flags) match the whole value.
        let p = Policy {
            identities: vec![Identity {
                subject: Matcher::regex(".*").unwrap(),
                issuer: Matcher::regex(
                    "https://(token.actions.githubusercontent.com|github.com/login/oauth)",
                )
                .unwrap(),
            }],
            ..Policy::default()
        };
        assert!(check(&c, p).verified, "{}", c.bundle);
    }
    // A message signature over another file fails.
    let c = &happy_cases()[0];
    let other = Case {
        artifact: Some("sigstore-python__bundle.txt"),
        ..*c
    };
    let s = check(&other, keyless(c.identity, c.issuer));
    assert!(!s.verified);
    assert!(
        s.reasons.iter().any(|r| r.contains("message digest")),
        "{:?}",
        s.reasons
    );
}

#[test]
fn corpus_bundles_that_must_fail_fail_for_their_reason() {
    let a = Some("sigstore-conformance__a.txt");
    let cases: Vec<(Case, &str)> = vec![
        (
            Case {
                bundle: "sigstore-conformance__bundle-with-root-cert_fail.sigstore.json",
                artifact: a,
                root: "public-good",
                identity: "a@tny.town",
                issuer: GH_OAUTH,
            },
            "includes a root certificate",
        ),
        (
            Case {
                bundle: "sigstore-conformance__integrated-time-in-future_fail.sigstore.json",
                artifact: a,
                root: "public-good",
                identity: BEACON,
                issuer: GHA,
            },
            "time",
        ),
        (
            Case {
                bundle: "sigstore-conformance__intoto-expired-certificate_fail.sigstore.json",
                artifact: None,
                root: "sigstore-conformance__intoto-expired-certificate_fail.trusted_root.json",
                identity: BEACON,
                issuer: GHA,
            },
            // Signed (log time 2023) while the certificate was not valid
            // (2030): no trusted signing time inside its validity.
            "outside the certificate's validity",
        ),
        (
            Case {
                bundle: "sigstore-conformance__message-digest-mismatch_fail.sigstore.json",
                artifact: a,
                root: "public-good",
                identity: BEACON,
                issuer: GHA,
            },
            "message digest is not this artifact",
        ),
        (
            Case {
                bundle: "sigstore-python__bundle_cve_2022_36056.txt.sigstore",
                artifact: Some("sigstore-python__bundle_cve_2022_36056.txt"),
                root: STAGING,
                identity: "william@yossarian.net",
                issuer: GH_OAUTH,
            },
            "CVE-2022-36056",
        ),
        (
            Case {
                bundle: "sigstore-python__bundle_no_cert_v1.txt.sigstore",
                artifact: Some("sigstore-python__bundle.txt"),
                root: STAGING,
                identity: "a@tny.town",
                issuer: GH_OAUTH,
            },
            "certificate chain is empty",
        ),
        (
            Case {
                bundle: "sigstore-python__bundle_no_log_entry.txt.sigstore",
                artifact: Some("sigstore-python__bundle.txt"),
                root: STAGING,
                identity: "a@tny.town",
                issuer: GH_OAUTH,
            },
            "without a transparency-log entry",
        ),
        // Its signed file is not in the corpus (so the digest check fails
        // too); the point is the entry: integratedTime without a promise.
        (
            Case {
                bundle: "sigstore-python__bundle_v3_no_signed_time.txt.sigstore.json",
                artifact: Some("sigstore-python__bundle_v3.txt"),
                root: "public-good",
                identity: "william@yossarian.net",
                issuer: GH_OAUTH,
            },
            "no trusted signing time",
        ),
        (
            Case {
                bundle: "sigstore-python__bundle_invalid_version.txt.sigstore",
                artifact: Some("sigstore-python__bundle_v3.txt"),
                root: STAGING,
                identity: "william@yossarian.net",
                issuer: GH_OAUTH,
            },
            "unknown bundle mediaType",
        ),
        // Rekor v2 (Ed25519 log) with its staging root, checked under the
        // public-good root: neither the log nor a TSA is known there.
        (
            Case {
                bundle: "sigstore-conformance__rekor2-happy-path.sigstore.json",
                artifact: a,
                root: "public-good",
                identity: BEACON,
                issuer: GHA,
            },
            "which the trusted root does not know",
        ),
        // The chain carries the root as well (as bundle-with-root-cert_fail).
        (
            Case {
                bundle: "sigstore-rs__dsse-2sigs.sigstore.json",
                artifact: None,
                root: "public-good",
                identity: "brian@dehamer.com",
                issuer: GH_OAUTH,
            },
            "includes a root certificate",
        ),
    ];
    // The unsigned integratedTime is never taken as a signed time.
    let b: serde_json::Value = serde_json::from_slice(&read(
        "sigstore-python__bundle_v3_no_signed_time.txt.sigstore.json",
    ))
    .unwrap();
    let e = secgate_cosign::tlog::verify_entry(
        &b["verificationMaterial"]["tlogEntries"][0],
        &TrustedRoot::public_good(),
    )
    .unwrap();
    assert!(e.integrated_time > 0 && e.signed_time.is_none());
    for (c, why) in &cases {
        let s = check(c, keyless(c.identity, c.issuer));
        assert!(!s.verified, "{} must fail", c.bundle);
        assert!(
            s.reasons.iter().any(|r| r.contains(why)),
            "{}: expected `{why}` in {:?}",
            c.bundle,
            s.reasons
        );
    }
}

#[test]
fn managed_key_bundles() {
    let c = Case {
        bundle: "sigstore-conformance__managed-key-happy-path.sigstore.json",
        artifact: Some("sigstore-conformance__a.txt"),
        root: "public-good",
        identity: "",
        issuer: "",
    };
    let key = |n: &str| PublicKey::from_pem(n, &read(n)).unwrap();
    let p = Policy {
        keys: vec![key("sigstore-conformance__managed-key-happy-path.key.pub")],
        ..Policy::default()
    };
    let s = check(&c, p);
    assert!(s.verified, "{:?}", s.reasons);
    // The conformance "wrong key" is not even a valid key: refused with a
    // message (the CLI exits 2) ...
    let e = PublicKey::from_pem(
        "wrong",
        &read("sigstore-conformance__managed-key-wrong-key_fail.key.pub"),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("not an ECDSA P-256 public key"),
        "{e}"
    );
    // ... and a real other key does not verify.
    let p = Policy {
        keys: vec![key("cosign__cosign-test.pub")],
        ..Policy::default()
    };
    let s = check(&c, p);
    assert!(!s.verified);
    assert!(
        s.reasons
            .iter()
            .any(|r| r.contains("does not verify with any of the 1 trusted key")),
        "{:?}",
        s.reasons
    );
}

const REKOR2_ROOT: &str = "sigstore-conformance__rekor2-happy-path.trusted_root.json";
const GITHUB_ROOTS: &str = "sigstore-java__github-private-no-tlog__trusted_root.jsonl";

fn any_identity() -> Policy {
    Policy {
        identities: vec![Identity {
            subject: Matcher::regex(".*").unwrap(),
            issuer: Matcher::regex(".*").unwrap(),
        }],
        ..Policy::default()
    }
}

/// The first RFC 3161 token of a bundle and the signature it timestamps.
fn token_and_signature(name: &str) -> (Vec<u8>, Vec<u8>) {
    let b: serde_json::Value = serde_json::from_slice(&read(name)).unwrap();
    let d = |s: &serde_json::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(s.as_str().unwrap())
            .unwrap()
    };
    let token = d(
        &b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
            ["signedTimestamp"],
    );
    let sig = if b["messageSignature"].is_object() {
        d(&b["messageSignature"]["signature"])
    } else {
        d(&b["dsseEnvelope"]["signatures"][0]["sig"])
    };
    (token, sig)
}

#[test]
fn rekor_v2_bundles_verify_with_ed25519_checkpoints_and_rfc3161_timestamps() {
    // Rekor v2: no inclusion promise; the Ed25519-signed checkpoint proves
    // inclusion, the TSA timestamp gives the signing time.
    for (bundle, artifact, root, identity, issuer) in [
        (
            "sigstore-conformance__rekor2-happy-path.sigstore.json",
            Some("sigstore-conformance__a.txt"),
            REKOR2_ROOT,
            BEACON,
            GHA,
        ),
        (
            "sigstore-conformance__rekor2-happy-path.sigstore.json",
            Some("sigstore-conformance__a.txt"),
            STAGING,
            BEACON,
            GHA,
        ),
        (
            "sigstore-rs__dsse_v002_bundle.sigstore.json",
            None,
            STAGING,
            "insecure-cloudtop-shared-user@cloudtop-prod-us-east.iam.gserviceaccount.com",
            "https://accounts.google.com",
        ),
    ] {
        let c = Case {
            bundle,
            artifact,
            root,
            identity,
            issuer,
        };
        let s = check(&c, keyless(identity, issuer));
        assert!(s.verified, "{bundle} under {root}: {:?}", s.reasons);
        assert!(s.tlog.is_some());
        assert_eq!(s.timestamps.len(), 1, "{bundle}");
        assert!(s.timestamps[0].starts_with("sigstore-tsa-selfsigned at "));
        // The entry has no promise: without the timestamp there is no
        // signed time, and the bundle fails.
        let mut b: serde_json::Value = serde_json::from_slice(&read(bundle)).unwrap();
        b["verificationMaterial"]["timestampVerificationData"] = serde_json::json!({});
        let bytes = serde_json::to_vec(&b).unwrap();
        let policy = Policy {
            trusted_root: Arc::new(root_named(root)),
            ..keyless(identity, issuer)
        };
        let subject = match artifact {
            Some(a) => {
                secgate_cosign::bundle::Subject::Artifact(Box::leak(read(a).into_boxed_slice()))
            }
            None => secgate_cosign::bundle::Subject::Attestation(Box::leak(
                statement_digest(&read(bundle)).into_boxed_str(),
            )),
        };
        let s = secgate_cosign::bundle::verify_bundle(bundle, &bytes, subject, &policy);
        assert!(!s.verified);
        assert!(
            s.reasons
                .iter()
                .any(|r| r.contains("no trusted signing time")),
            "{:?}",
            s.reasons
        );
        // A checkpoint signed by someone else (one byte of the Ed25519
        // signature changed) fails.
        let mut b: serde_json::Value = serde_json::from_slice(&read(bundle)).unwrap();
        let env = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
            ["envelope"]
            .as_str()
            .unwrap()
            .to_string();
        let (note, sigline) = env.split_once("\n\n").unwrap();
        let (name, sig) = sigline.trim_end().rsplit_once(' ').unwrap();
        let mut raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        raw[10] ^= 1;
        let forged = format!(
            "{note}\n\n{name} {}\n",
            base64::engine::general_purpose::STANDARD.encode(&raw)
        );
        b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] =
            forged.into();
        let e = secgate_cosign::tlog::verify_entry(
            &b["verificationMaterial"]["tlogEntries"][0],
            &root_named(root),
        )
        .unwrap_err();
        assert!(
            e.iter()
                .any(|m| m.contains("checkpoint signature does not verify")),
            "{e:?}"
        );
    }
}

fn statement_digest(bundle: &[u8]) -> String {
    let b: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    let st = base64::engine::general_purpose::STANDARD
        .decode(b["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&st).unwrap();
    format!(
        "sha256:{}",
        st["subject"][0]["digest"]["sha256"].as_str().unwrap()
    )
}

#[test]
fn rfc3161_corpus_bundles_verify_or_fail_for_their_reason() {
    // GitHub private-repository attestation: no log entry, only a GitHub
    // TSA timestamp; GitHub's private Fulcio has no CT. It verifies only
    // when both are explicitly waived, and says so.
    let c = Case {
        bundle: "sigstore-java__github-private-no-tlog__attestation.sigstore.json",
        artifact: None,
        root: GITHUB_ROOTS,
        identity: "https://github.com/neverendingsupport/slsa-attestations/.github/workflows/attest.yml@9f6d9dc1bfc02986955721eb15f89ad618f1cedb",
        issuer: GHA,
    };
    let s = check(&c, keyless(c.identity, c.issuer));
    assert!(!s.verified);
    assert!(s
        .reasons
        .iter()
        .any(|r| r.contains("without a transparency-log entry")));
    let s = check(
        &c,
        Policy {
            insecure_ignore_tlog: true,
            insecure_ignore_sct: true,
            ..keyless(c.identity, c.issuer)
        },
    );
    assert!(s.verified, "{:?}", s.reasons);
    assert_eq!(s.timestamps.len(), 1);
    assert!(s.warnings.iter().any(|w| w.contains("INSECURE")));
    // Under the public-good root alone: not its CA, no TSA.
    let s = check(
        &Case {
            root: "public-good",
            ..c
        },
        Policy {
            insecure_ignore_tlog: true,
            insecure_ignore_sct: true,
            ..keyless(c.identity, c.issuer)
        },
    );
    assert!(!s.verified);
    assert!(s
        .reasons
        .iter()
        .any(|r| r.contains("has no timestamp authorities")));

    // Conformance rekor2-dsse-happy-path: its log and CT log are in the
    // conformance suite's own trusted root, which the corpus does not have:
    // fails for the unknown log (and SCT), though its timestamp verifies.
    let s = check(
        &Case {
            bundle: "sigstore-conformance__rekor2-dsse-happy-path.sigstore.json",
            artifact: None,
            root: REKOR2_ROOT,
            identity: BEACON,
            issuer: GHA,
        },
        keyless(BEACON, GHA),
    );
    assert!(!s.verified);
    assert!(s.reasons.iter().any(|r| r.contains("does not know")));
    assert_eq!(s.timestamps.len(), 1);

    // sigstore-python staging-rekor-v2: the signed file is not in the
    // corpus, so the bundle fails on the digest; its Ed25519 log entry and
    // its timestamp verify on their own.
    let name = "sigstore-python__staging-rekor-v2.txt.sigstore.json";
    let s = check(
        &Case {
            bundle: name,
            artifact: Some("sigstore-python__a.txt"),
            root: STAGING,
            identity: "jku@goto.fi",
            issuer: ".*",
        },
        any_identity(),
    );
    assert!(!s.verified);
    assert!(s.reasons.iter().any(|r| r.contains("message digest")));
    let b: serde_json::Value = serde_json::from_slice(&read(name)).unwrap();
    let e = secgate_cosign::tlog::verify_entry(
        &b["verificationMaterial"]["tlogEntries"][0],
        &root_named(STAGING),
    )
    .unwrap();
    assert!(e.signed_time.is_none() && e.log_url.contains("log2025-alpha1"));
    let (token, sig) = token_and_signature(name);
    let t = secgate_cosign::tsa::verify_timestamp(&token, &sig, &root_named(STAGING)).unwrap();
    assert_eq!(t.authority, "sigstore-tsa-selfsigned");

    // sigstore-python's TSA fixtures timestamp the string "hello"
    // (SHA-512), with sigstore-python's own test TSA: every timestamp fails
    // for both reasons, and so do the bundles (their signed file is not in
    // the corpus either).
    for name in [
        "sigstore-python__tsa__bundle.duplicate.sigstore",
        "sigstore-python__tsa__bundle.many_timestamp.sigstore",
    ] {
        let (token, sig) = token_and_signature(name);
        let e =
            secgate_cosign::tsa::verify_timestamp(&token, &sig, &root_named(STAGING)).unwrap_err();
        assert!(e
            .iter()
            .any(|m| m.contains("messageImprint is not the hash")));
        assert!(e
            .iter()
            .any(|m| m.contains("not signed by a timestamp authority")));
        let s = check(
            &Case {
                bundle: name,
                artifact: Some("sigstore-python__a.txt"),
                root: STAGING,
                identity: "",
                issuer: "",
            },
            any_identity(),
        );
        assert!(!s.verified);
        assert!(s.timestamps.is_empty());
    }
    let s = check(
        &Case {
            bundle: "sigstore-python__tsa__bundle.duplicate.sigstore",
            artifact: Some("sigstore-python__a.txt"),
            root: STAGING,
            identity: "",
            issuer: "",
        },
        any_identity(),
    );
    assert!(s.warnings.iter().any(|w| w.contains("duplicate")));
}

#[test]
fn tampered_rfc3161_timestamps_fail() {
    let root = root_named(REKOR2_ROOT);
    let (token, sig) = token_and_signature("sigstore-conformance__rekor2-happy-path.sigstore.json");
    let good = secgate_cosign::tsa::verify_timestamp(&token, &sig, &root).unwrap();
    assert_eq!(good.gen_time, 1749729740);
    // A timestamp of another signature.
    let mut other = sig.clone();
    other[8] ^= 1;
    let e = secgate_cosign::tsa::verify_timestamp(&token, &other, &root).unwrap_err();
    assert!(
        e.iter()
            .any(|m| m.contains("messageImprint is not the hash")),
        "{e:?}"
    );
    // The messageImprint inside the token altered (to another signature's
    // hash): the TSA's signature no longer covers it.
    let imprint = Sha256::digest(&sig);
    let at = token
        .windows(32)
        .position(|w| w == imprint.as_slice())
        .expect("imprint in token");
    let mut altered = token.clone();
    altered[at..at + 32].copy_from_slice(&Sha256::digest(&other));
    let e = secgate_cosign::tsa::verify_timestamp(&altered, &other, &root).unwrap_err();
    assert!(
        e.iter()
            .any(|m| m.contains("messageDigest attribute is not the hash of the TSTInfo")),
        "{e:?}"
    );
    // Signed by a TSA that is not in the root (GitHub's TSAs only).
    let mut r = root.clone();
    r.tsas = root_named(GITHUB_ROOTS)
        .tsas
        .into_iter()
        .filter(|t| t.name != "sigstore-tsa-selfsigned")
        .collect();
    let e = secgate_cosign::tsa::verify_timestamp(&token, &sig, &r).unwrap_err();
    assert!(
        e.iter()
            .any(|m| m.contains("not signed by a timestamp authority")),
        "{e:?}"
    );
    // genTime outside the authority's validFor window.
    let mut r = root.clone();
    r.tsas[0].validity = secgate_cosign::trust::Validity {
        start: good.gen_time + 1,
        end: None,
    };
    let e = secgate_cosign::tsa::verify_timestamp(&token, &sig, &r).unwrap_err();
    assert!(e.iter().any(|m| m.contains("validFor")), "{e:?}");
    // Truncated or garbage tokens are refused, never a time.
    for bad in [&token[..token.len() / 2], b"garbage".as_slice(), &[][..]] {
        assert!(secgate_cosign::tsa::verify_timestamp(bad, &sig, &root).is_err());
    }
}
