//! The digest of a secret a report carries in clear (see
//! [`secgate_core::SecretDigest`]): the same first 16 hex digits of SHA-256
//! that `secgate-secrets` prints, so the formats agree on one secret.

use secgate_core::SecretDigest;

/// True when the scanner redacted the secret: `REDACTED` (gitleaks
/// `--redact`, any case) or nothing but masking characters (`*`, `•`, as in
/// gitleaks' own fixtures and Trivy's matches). Its hash would name no secret.
pub(crate) fn is_redacted(text: &str) -> bool {
    let t = text.trim();
    t.eq_ignore_ascii_case("redacted") || t.chars().all(|c| c == '*' || c == '•')
}

/// The digest of a secret as the report writes it (not trimmed: the bytes the
/// scanner matched), or `None` when there is none: blank or redacted. A secret
/// gitleaks redacted only in part (`--redact=N`: a prefix and `...`) is hashed
/// as written; it then tells apart secrets whose kept prefixes differ.
pub(crate) fn digest_of(secret: Option<&str>) -> Option<SecretDigest> {
    let s = secret?;
    if is_redacted(s) {
        return None;
    }
    Some(SecretDigest::of(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_and_blank_secrets_have_no_digest() {
        for s in [
            "",
            "  ",
            "REDACTED",
            "redacted",
            "************************",
            "•••",
        ] {
            assert_eq!(digest_of(Some(s)), None, "{s:?}");
        }
        assert_eq!(digest_of(None), None);
        assert_eq!(
            digest_of(Some("fake-secret-AAAA-1111")),
            Some(SecretDigest::of("fake-secret-AAAA-1111"))
        );
        // Not trimmed: the bytes as the scanner reports them.
        assert_ne!(
            digest_of(Some(" fake-secret-AAAA-1111")),
            digest_of(Some("fake-secret-AAAA-1111"))
        );
        assert!(digest_of(Some("AKIAIOSF...")).is_some());
    }
}
