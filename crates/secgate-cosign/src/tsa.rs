//! RFC 3161 signed timestamps (`timestampVerificationData.rfc3161Timestamps`
//! in Sigstore bundles), verified offline against the trusted root's
//! `timestampAuthorities`.
//!
//! A timestamp is a CMS `SignedData` (RFC 5652) over a `TSTInfo`
//! (RFC 3161 §2.4.2). It gives a signed time to a signature when:
//!
//! * its `messageImprint` is the hash of *this* signature's bytes (the DSSE
//!   signature or the message signature);
//! * its single signer's certificate is the signing certificate of a
//!   timestamp authority of the trusted root (or is issued by that
//!   authority's CA), carries the `timeStamping` extended key usage, and it
//!   and its chain up to the authority's root are valid at `genTime`, with
//!   every chain signature checked;
//! * the CMS signed attributes carry `contentType` id-ct-TSTInfo and a
//!   `messageDigest` equal to the hash of the `TSTInfo`, and the signature
//!   over the signed attributes verifies with the signer's key;
//! * `genTime` falls inside the authority's `validFor` window.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use x509_tsp::{TimeStampResp, TstInfo};

use crate::trust::{CertificateAuthority, TrustedRoot};
use crate::x509::Cert;

const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TSTINFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
const OID_SKI: &str = "2.5.29.14";

/// A timestamp that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// `genTime`, seconds since the epoch.
    pub gen_time: i64,
    /// The timestamp authority's name (trusted root `subject.commonName`).
    pub authority: String,
}

/// Hashes `data` with the digest algorithm `oid` (SHA-256/384/512).
fn hash(oid: &str, data: &[u8]) -> Option<Vec<u8>> {
    match oid {
        "2.16.840.1.101.3.4.2.1" => Some(Sha256::digest(data).to_vec()),
        "2.16.840.1.101.3.4.2.2" => Some(Sha384::digest(data).to_vec()),
        "2.16.840.1.101.3.4.2.3" => Some(Sha512::digest(data).to_vec()),
        _ => None,
    }
}

/// One DER element: tag byte, the whole element, its contents.
type Element<'a> = (u8, &'a [u8], &'a [u8]);

/// One DER element: (tag byte, whole element, contents, the bytes after it).
#[allow(clippy::type_complexity)]
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut l = 0usize;
        for i in 0..n {
            l = (l << 8) | *b.get(2 + i)? as usize;
        }
        (l, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let whole = b.get(..end)?;
    Some((tag, whole, &whole[hdr..], &b[end..]))
}

/// The DER children of a constructed element's contents.
fn children(mut b: &[u8]) -> Option<Vec<Element<'_>>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (t, whole, inner, rest) = tlv(b)?;
        out.push((t, whole, inner));
        b = rest;
    }
    Some(out)
}

/// The signer's signed attributes as they were signed: the exact bytes of
/// `signedAttrs`, re-tagged as a SET (RFC 5652 §5.4).
fn raw_signed_attrs(signed_data_contents: &[u8]) -> Option<Vec<u8>> {
    let sd = children(signed_data_contents)?;
    let (tag, _, infos) = *sd.last()?;
    if tag != 0x31 {
        return None;
    }
    let infos = children(infos)?;
    if infos.len() != 1 {
        return None;
    }
    let si = children(infos[0].2)?;
    let (t, whole, _) = *si.get(3)?;
    if t != 0xa0 {
        return None;
    }
    let mut v = whole.to_vec();
    v[0] = 0x31;
    Some(v)
}

/// The token (a CMS ContentInfo) inside a `TimeStampResp`, or the token
/// itself when given bare.
fn token_of(bytes: &[u8]) -> Result<ContentInfo, String> {
    if let Ok(resp) = TimeStampResp::from_der(bytes) {
        let status = resp.status.status as u8;
        if status > 1 {
            return Err(format!(
                "the timestamp response's status is {status} (not granted)"
            ));
        }
        return resp
            .time_stamp_token
            .ok_or_else(|| "the timestamp response carries no token".to_string());
    }
    ContentInfo::from_der(bytes)
        .map_err(|e| format!("the timestamp is neither a TimeStampResp nor a CMS token: {e}"))
}

/// True if `sid` names `cert` (issuer and serial, or subject key id).
fn names(sid: &SignerIdentifier, cert: &Cert) -> bool {
    let tbs = &cert.cert.tbs_certificate;
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(i) => {
            i.issuer == tbs.issuer && i.serial_number == tbs.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => tbs
            .extensions
            .as_ref()
            .and_then(|x| x.iter().find(|e| e.extn_id.to_string() == OID_SKI))
            .and_then(|e| der::asn1::OctetString::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|o| o.as_bytes() == k.0.as_bytes()),
    }
}

/// Verifies a CMS signature (ECDSA P-256/P-384 with the SHA-2 digest
/// `digest_oid`) over `signed` with the SPKI of `cert`.
fn verify_cms_signature(cert: &Cert, digest_oid: &str, signed: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::pkcs8::DecodePublicKey;
    let Some(prehash) = hash(digest_oid, signed) else {
        return false;
    };
    let spki = cert.spki_der();
    if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return p256::ecdsa::Signature::from_der(sig)
            .is_ok_and(|s| k.verify_prehash(&prehash, &s).is_ok());
    }
    if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return p384::ecdsa::Signature::from_der(sig)
            .is_ok_and(|s| k.verify_prehash(&prehash, &s).is_ok());
    }
    false
}

fn is_ca(c: &Cert) -> bool {
    c.cert
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|x| x.iter().find(|e| e.extn_id.to_string() == "2.5.29.19"))
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|b| b.ca)
}

fn has_time_stamping_eku(c: &Cert) -> bool {
    c.cert
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|x| x.iter().find(|e| e.extn_id.to_string() == "2.5.29.37"))
        .and_then(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|k| k.0.iter().any(|o| o.to_string() == OID_TIME_STAMPING))
}

/// The parsed parts of a token that do not depend on the trusted root.
struct Token {
    tst: TstInfo,
    tst_der: Vec<u8>,
    sd: SignedData,
    attrs_raw: Vec<u8>,
    embedded: Vec<Cert>,
}

fn parse(bytes: &[u8]) -> Result<Token, String> {
    let ci = token_of(bytes)?;
    if ci.content_type.to_string() != ID_SIGNED_DATA {
        return Err(format!(
            "the timestamp token is a CMS {} (not SignedData)",
            ci.content_type
        ));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| format!("the timestamp token's SignedData does not parse: {e}"))?;
    let eci = &sd.encap_content_info;
    if eci.econtent_type.to_string() != ID_CT_TSTINFO {
        return Err(format!(
            "the timestamp token's content is {} (not id-ct-TSTInfo)",
            eci.econtent_type
        ));
    }
    let tst_der = eci
        .econtent
        .as_ref()
        .and_then(|a| a.decode_as::<der::asn1::OctetString>().ok())
        .map(|o| o.as_bytes().to_vec())
        .ok_or("the timestamp token has no TSTInfo content")?;
    let tst =
        TstInfo::from_der(&tst_der).map_err(|e| format!("the TSTInfo does not parse: {e}"))?;
    if sd.signer_infos.0.len() != 1 {
        return Err(format!(
            "the timestamp token has {} signers (exactly one expected)",
            sd.signer_infos.0.len()
        ));
    }
    let attrs_raw = raw_signed_attrs(ci.content.value())
        .ok_or("the timestamp token's signer has no signed attributes")?;
    let embedded = sd
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => {
                        c.to_der().ok().and_then(|d| Cert::from_der(&d).ok())
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Token {
        tst,
        tst_der,
        sd,
        attrs_raw,
        embedded,
    })
}

/// Checks the token's signer, chain, signature and time against one
/// timestamp authority. `Ok(())` if it signed the token.
fn check_authority(t: &Token, gen_time: i64, tsa: &CertificateAuthority) -> Result<(), String> {
    let chain: Vec<Cert> = tsa
        .chain_der
        .iter()
        .map(|d| Cert::from_der(d))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("its chain does not parse: {e}"))?;
    let si = t.sd.signer_infos.0.get(0).expect("one signer");
    // The signer: the authority's own signing certificate, or a
    // certificate in the token issued by the authority's first CA.
    let signer = if names(&si.sid, &chain[0]) && !is_ca(&chain[0]) {
        chain[0].clone()
    } else if is_ca(&chain[0]) {
        t.embedded
            .iter()
            .find(|c| names(&si.sid, c) && c.is_signed_by(&chain[0]))
            .cloned()
            .ok_or("the token's signer is not a certificate of this authority")?
    } else {
        return Err("the token's signer is not this authority's signing certificate".into());
    };
    let mut path = vec![signer.clone()];
    path.extend(
        chain
            .iter()
            .skip(if signer.der == chain[0].der { 1 } else { 0 })
            .cloned(),
    );
    for w in path.windows(2) {
        if !w[0].is_signed_by(&w[1]) {
            return Err(format!(
                "the certificate {} is not signed by {} (broken chain)",
                w[0].subject(),
                w[1].subject()
            ));
        }
    }
    if let Some(last) = path.last() {
        if path.len() > 1 && !last.is_signed_by(last) {
            return Err(format!(
                "the chain's last certificate {} is not a self-signed root",
                last.subject()
            ));
        }
    }
    for c in &path {
        let (nb, na) = c.validity();
        if gen_time < nb || gen_time > na {
            return Err(format!(
                "the certificate {} is not valid at the timestamp's genTime",
                c.subject()
            ));
        }
    }
    if !has_time_stamping_eku(&signer) {
        return Err("the signing certificate lacks the timeStamping extended key usage".into());
    }
    if !tsa.validity.contains(gen_time) {
        return Err(
            "genTime is outside the authority's validFor window in the trusted root".into(),
        );
    }
    // Signed attributes: content type and message digest of the TSTInfo.
    let digest_oid = si.digest_alg.oid.to_string();
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let attr = |oid: &str| {
        attrs
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .and_then(|a| a.values.get(0).cloned())
    };
    let ct = attr(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<der::asn1::ObjectIdentifier>().ok())
        .map(|o| o.to_string());
    if ct.as_deref() != Some(ID_CT_TSTINFO) {
        return Err("the signed contentType attribute is not id-ct-TSTInfo".into());
    }
    let md = attr(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
        .map(|o| o.as_bytes().to_vec())
        .ok_or("the signed attributes have no messageDigest")?;
    let want = hash(&digest_oid, &t.tst_der)
        .ok_or_else(|| format!("digest algorithm {digest_oid} is not supported"))?;
    if md != want {
        return Err(
            "the messageDigest attribute is not the hash of the TSTInfo (the token was altered)"
                .into(),
        );
    }
    if !verify_cms_signature(&signer, &digest_oid, &t.attrs_raw, si.signature.as_bytes()) {
        return Err(
            "the CMS signature over the signed attributes does not verify with the signing certificate's key (ECDSA P-256/P-384)"
                .into(),
        );
    }
    Ok(())
}

/// Verifies one RFC 3161 timestamp (a DER `TimeStampResp` or bare token, as
/// `signedTimestamp` in a bundle) over `signature` (the raw signature bytes
/// it must timestamp) with the timestamp authorities of `root`. Returns the
/// verified `genTime`, or every reason it did not verify.
pub fn verify_timestamp(
    bytes: &[u8],
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<VerifiedTimestamp, Vec<String>> {
    let t = parse(bytes).map_err(|e| vec![e])?;
    let mi = &t.tst.message_imprint;
    let alg = mi.hash_algorithm.oid.to_string();
    let Some(h) = hash(&alg, signature) else {
        return Err(vec![format!(
            "the timestamp's messageImprint uses hash {alg} (SHA-256/384/512 supported)"
        )]);
    };
    let mut p = Vec::new();
    if mi.hashed_message.as_bytes() != h.as_slice() {
        p.push(
            "the timestamp's messageImprint is not the hash of this signature (a timestamp of something else)"
                .into(),
        );
    }
    let gen_time = t.tst.gen_time.to_unix_duration().as_secs() as i64;
    if root.tsas.is_empty() {
        p.push(format!(
            "{} has no timestamp authorities (timestampAuthorities): the timestamp cannot be checked",
            root.source_name
        ));
        return Err(p);
    }
    let mut why = Vec::new();
    let mut by = None;
    for tsa in &root.tsas {
        match check_authority(&t, gen_time, tsa) {
            Ok(()) => {
                by = Some(tsa.name.clone());
                break;
            }
            Err(e) => why.push(format!("timestamp authority {}: {e}", tsa.name)),
        }
    }
    match by {
        None => {
            // The usual case is a token of another authority; say so plainly.
            if why.iter().all(|w| w.contains("signer is not")) {
                p.push(format!(
                    "the timestamp is not signed by a timestamp authority of {}",
                    root.source_name
                ));
            } else {
                p.extend(why.into_iter().filter(|w| !w.contains("signer is not")));
            }
            Err(p)
        }
        Some(authority) if p.is_empty() => Ok(VerifiedTimestamp {
            gen_time,
            authority,
        }),
        Some(_) => Err(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walker() {
        // SEQUENCE { INTEGER 1, [0] { INTEGER 2 } }
        let b = [0x30, 0x08, 0x02, 0x01, 0x01, 0xa0, 0x03, 0x02, 0x01, 0x02];
        let (t, whole, inner, rest) = tlv(&b).unwrap();
        assert_eq!((t, whole.len(), inner.len(), rest.len()), (0x30, 10, 8, 0));
        let c = children(inner).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].0, 0xa0);
        // Truncated: refused, no panic.
        assert!(tlv(&b[..5]).is_none());
        assert!(children(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(parse(&b).is_err());
        assert!(parse(&[]).is_err());
    }
}
