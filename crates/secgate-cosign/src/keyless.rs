//! Keyless (Fulcio certificate) checks shared by the legacy and bundle formats.

use crate::verify::Policy;
use crate::x509::Cert;

/// Checks a Fulcio leaf: issued by a CA of the trusted root (chain
/// signatures verified by us), its embedded SCT verified against the root's
/// CT logs (unless `policy.insecure_ignore_sct`, which adds a warning),
/// code-signing EKU, and identity/issuer matching one of the policy's
/// identities. Appends one reason per failure.
pub fn check_certificate(
    leaf: &Cert,
    policy: &Policy,
    reasons: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let (not_before, _) = leaf.validity();
    let mut chained = false;
    let mut why = Vec::new();
    for ca in &policy.trusted_root.cas {
        let chain: Result<Vec<Cert>, String> =
            ca.chain_der.iter().map(|d| Cert::from_der(d)).collect();
        let Ok(chain) = chain else {
            why.push(format!("CA {}: unparseable certificate", ca.name));
            continue;
        };
        if !leaf.is_signed_by(&chain[0]) {
            continue;
        }
        if !ca.validity.contains(not_before) {
            why.push(format!(
                "issued by CA {} outside its validity window in the trusted root",
                ca.name
            ));
            continue;
        }
        let inner_ok = chain.windows(2).all(|w| w[0].is_signed_by(&w[1]));
        if !inner_ok {
            why.push(format!(
                "CA {}: its chain in the trusted root does not verify",
                ca.name
            ));
            continue;
        }
        chained = true;
        if policy.insecure_ignore_sct {
            warnings.push(
                "INSECURE: the certificate's SCT (certificate transparency) was not checked (--insecure-ignore-sct)"
                    .into(),
            );
        } else if let Err(mut p) =
            crate::sct::verify_embedded_sct(leaf, &chain[0], &policy.trusted_root)
        {
            reasons.append(&mut p);
        }
        break;
    }
    if !chained {
        if why.is_empty() {
            reasons.push(format!(
                "the certificate ({}) was not issued by any certificate authority in {}",
                leaf.subject(),
                policy.trusted_root.source_name
            ));
        } else {
            reasons.extend(why);
        }
    }
    if !leaf.has_code_signing_eku() {
        reasons.push("the certificate lacks the code-signing extended key usage".into());
    }
    let ids = leaf.identities();
    let issuer = leaf.oidc_issuer();
    let matched = policy.identities.iter().any(|c| {
        ids.iter().any(|i| c.subject.matches(i))
            && issuer.as_deref().is_some_and(|x| c.issuer.matches(x))
    });
    if !matched {
        reasons.push(format!(
            "certificate identity {} from issuer {} does not match the required {}",
            if ids.is_empty() {
                "(none)".to_string()
            } else {
                ids.join(", ")
            },
            issuer.as_deref().unwrap_or("(none)"),
            crate::verify::describe_identities(&policy.identities)
        ));
    }
}
