//! The signed certificate timestamp (SCT) embedded in a Fulcio certificate
//! (RFC 6962 §3.3, extension 1.3.6.1.4.1.11129.2.4.2), checked offline
//! against the certificate-transparency logs (`ctlogs`) of the trusted root.
//!
//! Fulcio logs every certificate it issues as a precertificate; the log's
//! promise to publish it is the SCT. Its signature covers the precertificate
//! TBS (the certificate's TBS without the SCT list and the poison extension),
//! the SHA-256 of the issuing CA's public key, and the SCT's timestamp.

use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256};

use crate::trust::TrustedRoot;
use crate::x509::Cert;

/// OID of the embedded SCT list extension.
pub const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";
/// OID of the precertificate poison extension.
pub const OID_CT_POISON: &str = "1.3.6.1.4.1.11129.2.4.3";

/// One SCT as it appears in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// SCT version (0 = v1).
    pub version: u8,
    /// Log id: SHA-256 of the log's SPKI DER.
    pub log_id: [u8; 32],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// CT extensions (opaque).
    pub extensions: Vec<u8>,
    /// TLS hash algorithm (4 = SHA-256, 5 = SHA-384).
    pub hash_alg: u8,
    /// TLS signature algorithm (3 = ECDSA).
    pub sig_alg: u8,
    /// DER signature.
    pub signature: Vec<u8>,
}

/// A verified SCT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSct {
    /// The CT log's base URL from the trusted root.
    pub log_url: String,
    /// Seconds since the epoch when the log promised to include it.
    pub timestamp: i64,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the SCT list is truncated".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<usize, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]) as usize)
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes(b.try_into().expect("8 bytes")))
    }
}

/// Parses the TLS-encoded `SignedCertificateTimestampList` (RFC 6962 §3.3).
pub fn parse_sct_list(tls: &[u8]) -> Result<Vec<Sct>, String> {
    let mut r = Reader(tls);
    let total = r.u16()?;
    if total != r.0.len() {
        return Err("the SCT list length does not match its content".into());
    }
    let mut out = Vec::new();
    while !r.0.is_empty() {
        let len = r.u16()?;
        let mut s = Reader(r.take(len)?);
        let version = s.u8()?;
        let log_id: [u8; 32] = s.take(32)?.try_into().expect("32 bytes");
        let timestamp_ms = s.u64()?;
        let elen = s.u16()?;
        let extensions = s.take(elen)?.to_vec();
        let hash_alg = s.u8()?;
        let sig_alg = s.u8()?;
        let slen = s.u16()?;
        let signature = s.take(slen)?.to_vec();
        if !s.0.is_empty() {
            return Err("an SCT has trailing bytes".into());
        }
        out.push(Sct {
            version,
            log_id,
            timestamp_ms,
            extensions,
            hash_alg,
            sig_alg,
            signature,
        });
    }
    if out.is_empty() {
        return Err("the SCT list is empty".into());
    }
    Ok(out)
}

/// The embedded SCTs of `leaf` (`Ok(None)` when it has no SCT extension).
pub fn embedded_scts(leaf: &Cert) -> Result<Option<Vec<Sct>>, String> {
    let Some(ext) = leaf
        .cert
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == OID_SCT_LIST))
    else {
        return Ok(None);
    };
    let inner = der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
        .map_err(|e| format!("the SCT extension is not an OCTET STRING: {e}"))?;
    parse_sct_list(inner.as_bytes()).map(Some)
}

/// The precertificate TBS: the leaf's TBS without the SCT list and poison
/// extensions, DER-encoded.
pub fn precert_tbs(leaf: &Cert) -> Result<Vec<u8>, String> {
    let mut tbs = leaf.cert.tbs_certificate.clone();
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| {
            let oid = e.extn_id.to_string();
            oid != OID_SCT_LIST && oid != OID_CT_POISON
        });
    }
    tbs.to_der()
        .map_err(|e| format!("cannot re-encode the certificate: {e}"))
}

/// The bytes an SCT's signature covers for a precertificate entry
/// (RFC 6962 §3.2, `digitally-signed struct` with `entry_type = precert_entry`).
pub fn signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], tbs: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(tbs.len() + 64);
    v.push(sct.version);
    v.push(0); // signature_type = certificate_timestamp
    v.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes()); // entry_type = precert_entry
    v.extend_from_slice(issuer_key_hash);
    let n = tbs.len() as u32;
    v.extend_from_slice(&n.to_be_bytes()[1..]); // uint24 length
    v.extend_from_slice(tbs);
    v.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
    v.extend_from_slice(&sct.extensions);
    v
}

/// Verifies the SCTs embedded in `leaf`, issued by `issuer`, against the CT
/// logs of `root`. At least one SCT must verify with a log the root trusts,
/// at a time inside that log key's validity. Returns every reason otherwise.
pub fn verify_embedded_sct(
    leaf: &Cert,
    issuer: &Cert,
    root: &TrustedRoot,
) -> Result<VerifiedSct, Vec<String>> {
    let scts = match embedded_scts(leaf) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(vec![
                "the certificate has no embedded SCT (certificate transparency); for a private CA without CT use --insecure-ignore-sct".into(),
            ])
        }
        Err(e) => return Err(vec![format!("embedded SCT: {e}")]),
    };
    let tbs = precert_tbs(leaf).map_err(|e| vec![e])?;
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer.spki_der()).into();
    let mut why = Vec::new();
    for sct in &scts {
        let id = hex::encode(sct.log_id);
        if sct.version != 0 {
            why.push(format!(
                "SCT from log {id}: unsupported version {}",
                sct.version
            ));
            continue;
        }
        // The log id is the SHA-256 of the log's key (RFC 6962 §3.2),
        // computed here rather than taken from the root's `logId`.
        let Some(log) = root
            .ctlogs
            .iter()
            .find(|l| Sha256::digest(&l.spki_der).as_slice() == sct.log_id)
        else {
            why.push(format!(
                "SCT from CT log {id}, which the trusted root ({}) does not know",
                root.source_name
            ));
            continue;
        };
        let alg = match (sct.hash_alg, sct.sig_alg) {
            (4, 3) => "1.2.840.10045.4.3.2",
            (5, 3) => "1.2.840.10045.4.3.3",
            (h, s) => {
                why.push(format!(
                    "SCT from {}: unsupported algorithm (hash {h}, signature {s}); only ECDSA is supported",
                    log.base_url
                ));
                continue;
            }
        };
        let data = signed_data(sct, &issuer_key_hash, &tbs);
        if !crate::x509::verify_spki(&log.spki_der, alg, &data, &sct.signature) {
            why.push(format!(
                "the SCT from {} does not verify over this certificate (altered certificate or SCT)",
                log.base_url
            ));
            continue;
        }
        let t = (sct.timestamp_ms / 1000) as i64;
        if !log.validity.contains(t) {
            why.push(format!(
                "the SCT from {} is dated outside the log key's validity",
                log.base_url
            ));
            continue;
        }
        return Ok(VerifiedSct {
            log_url: log.base_url.clone(),
            timestamp: t,
        });
    }
    Err(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sct_list_parsing_rejects_malformed_input() {
        assert!(parse_sct_list(&[]).is_err());
        assert!(parse_sct_list(&[0, 0]).is_err(), "empty list");
        assert!(parse_sct_list(&[0, 5, 0, 3, 1]).is_err(), "truncated");
        // One minimal SCT: version, id, time, no extensions, alg, 1-byte sig.
        let mut sct = vec![0u8];
        sct.extend([7u8; 32]);
        sct.extend(1_000u64.to_be_bytes());
        sct.extend([0, 0, 4, 3, 0, 1, 0xAA]);
        let mut list = (sct.len() as u16 + 2).to_be_bytes().to_vec();
        list.extend((sct.len() as u16).to_be_bytes());
        list.extend(&sct);
        let p = parse_sct_list(&list).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].timestamp_ms, 1000);
        assert_eq!(p[0].signature, [0xAA]);
        list.push(0);
        assert!(parse_sct_list(&list).is_err(), "trailing byte");
    }
}
