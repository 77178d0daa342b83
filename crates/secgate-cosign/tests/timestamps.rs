//! RFC 3161 timestamps from a real TSA (`openssl ts -reply`) over real
//! keyless signatures (a test CA and leaf certificates made by `openssl`):
//! the timestamp is the only signed time, so the leaf's validity window is
//! checked against it.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use secgate_cosign::bundle::{verify_bundle, Subject};
use secgate_cosign::trust::TrustedRoot;
use secgate_cosign::verify::{Identity, Matcher, Policy};

const SCRIPT: &str = r#"
set -eu
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:$1 -nodes"; }
q openssl req -x509 $(ec prime256v1) -days 30 -subj "/O=secgate test/CN=test fulcio" \
  -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
q openssl req -x509 $(ec secp384r1) -days 30 -subj "/O=secgate test/CN=test tsa root" \
  -keyout tsaroot.key -out tsaroot.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
q openssl req $(ec prime256v1) -subj "/O=secgate test/CN=test tsa" -keyout tsa.key -out tsa.csr
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' > tsa.ext
q openssl x509 -req -in tsa.csr -CA tsaroot.pem -CAkey tsaroot.key -CAcreateserial -days 30 -extfile tsa.ext -out tsa.pem
q openssl req $(ec prime256v1) -subj "/O=secgate test" -keyout leaf.key -out leaf.csr
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\nsubjectAltName=critical,URI:https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main\n1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://gitlab.com\n' > leaf.ext
q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile leaf.ext -out leaf.pem
# The same key, certified for one day in 2020 only.
printf '[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\nnew_certs_dir=.\nserial=caserial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\norganizationName=optional\n' > ca.cnf
: > index.txt; echo 1000 > caserial
q openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in leaf.csr -out old.pem \
  -startdate 20200101000000Z -enddate 20200102000000Z -extfile leaf.ext -notext
printf 'hello from secgate\n' > artifact
q openssl dgst -sha256 -sign leaf.key -out sig artifact
printf '[tsa]\ndefault_tsa=t\n[t]\nserial=tsaserial\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\ndigests=sha256\naccuracy=secs:1\ness_cert_id_alg=sha256\n' > ts.cnf
echo 01 > tsaserial
q openssl ts -query -data sig -sha256 -cert -no_nonce -out req.tsq
q openssl ts -reply -config ts.cnf -queryfile req.tsq -signer tsa.pem -inkey tsa.key -out resp.tsr
"#;

fn der_of_pem(dir: &Path, name: &str) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["x509", "-outform", "der", "-in"])
        .arg(dir.join(name))
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

struct Fixture {
    dir: tempfile::TempDir,
    root: TrustedRoot,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("bash")
        .arg("-c")
        .arg(SCRIPT)
        .current_dir(dir.path())
        .status()
        .expect("bash and openssl (Debian: openssl)");
    assert!(st.success(), "fixture script failed");
    let p = dir.path();
    let root = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "certificateAuthorities": [{
            "subject": {"commonName": "test fulcio"},
            "certChain": {"certificates": [{"rawBytes": b64(&der_of_pem(p, "ca.pem"))}]},
            "validFor": {"start": "2019-01-01T00:00:00Z"}
        }],
        "timestampAuthorities": [{
            "subject": {"commonName": "test tsa"},
            "certChain": {"certificates": [
                {"rawBytes": b64(&der_of_pem(p, "tsa.pem"))},
                {"rawBytes": b64(&der_of_pem(p, "tsaroot.pem"))}
            ]},
            "validFor": {"start": "2019-01-01T00:00:00Z"}
        }]
    });
    let root = TrustedRoot::from_json("test root", root.to_string().as_bytes()).unwrap();
    Fixture { dir, root }
}

impl Fixture {
    fn read(&self, n: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(n)).unwrap()
    }

    /// A message-signature bundle with the leaf `cert` and the timestamp
    /// `tsr`, no log entry.
    fn bundle(&self, cert: &str, tsr: &str) -> Vec<u8> {
        use sha2::Digest as _;
        let artifact = self.read("artifact");
        serde_json::to_vec(&serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(&der_of_pem(self.dir.path(), cert))},
                "tlogEntries": [],
                "timestampVerificationData": {"rfc3161Timestamps": [{"signedTimestamp": b64(&self.read(tsr))}]}
            },
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&sha2::Sha256::digest(&artifact))},
                "signature": b64(&self.read("sig"))
            }
        }))
        .unwrap()
    }

    fn verify(&self, cert: &str, tsr: &str) -> secgate_cosign::SignatureReport {
        let policy = Policy {
            identities: vec![Identity {
                subject: Matcher::Exact(
                    "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main".into(),
                ),
                issuer: Matcher::Exact("https://gitlab.com".into()),
            }],
            trusted_root: Arc::new(self.root.clone()),
            insecure_ignore_tlog: true,
            insecure_ignore_sct: true,
            ..Policy::default()
        };
        let artifact = self.read("artifact");
        verify_bundle(
            "test",
            &self.bundle(cert, tsr),
            Subject::Artifact(&artifact),
            &policy,
        )
    }
}

#[test]
fn a_timestamp_is_the_signed_time_for_the_certificate() {
    let f = fixture();
    // Valid leaf, timestamp now: verified, with the timestamp's authority.
    let s = f.verify("leaf.pem", "resp.tsr");
    assert!(s.verified, "{:?}", s.reasons);
    assert_eq!(s.timestamps.len(), 1);
    assert!(s.timestamps[0].starts_with("test tsa at "));
    // The same key certified only in 2020: the timestamp (now) is outside
    // the certificate's validity.
    let s = f.verify("old.pem", "resp.tsr");
    assert!(!s.verified);
    assert!(
        s.reasons.iter().any(
            |r| r == "the RFC 3161 timestamp of test tsa is outside the certificate's validity"
        ),
        "{:?}",
        s.reasons
    );
    // The TSA's window in the trusted root closed before now: no signed
    // time at all.
    let mut root = f.root.clone();
    root.tsas[0].validity.end = Some(1_600_000_000);
    let f2 = Fixture { dir: f.dir, root };
    let s = f2.verify("leaf.pem", "resp.tsr");
    assert!(!s.verified);
    assert!(
        s.reasons.iter().any(|r| r.contains("validFor")),
        "{:?}",
        s.reasons
    );
    assert!(s
        .reasons
        .iter()
        .any(|r| r.contains("no trusted signing time")));
}
