//! Checksums embedded in some token formats.
//!
//! GitHub's classic tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm's
//! access tokens (`npm_`) are `prefix` + 30 random base62 characters + a
//! 6-character checksum: the CRC-32 (IEEE) of the 30 random characters,
//! written in base62 (`0-9A-Za-z`) and left-padded with `0` to 6 characters.
//! A token whose checksum does not match is a typo or a made-up example, not a
//! credential GitHub or npm would ever have issued.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC-32 (IEEE 802.3, reflected, polynomial `0xEDB88320`) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc: u32 = !0;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to `width` characters.
pub fn base62(mut n: u32, width: usize) -> String {
    let mut out = Vec::with_capacity(width);
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The 6-character checksum of a GitHub/npm token body (the 30 random characters).
pub fn token_checksum(body: &[u8]) -> String {
    base62(crc32(body), 6)
}

/// Whether `token` (`<prefix><30 chars><6 chars>`) carries a valid GitHub/npm
/// CRC-32 checksum. `prefix_len` is the length of the literal prefix (`4` for
/// `ghp_` and `npm_`).
///
/// ```
/// use secgate_secrets::checksum::{has_valid_crc32_suffix, token_checksum};
/// let body = "abcdefghijklmnopqrstuvwxyzABCD";
/// let token = format!("ghp_{body}{}", token_checksum(body.as_bytes()));
/// assert!(has_valid_crc32_suffix(token.as_bytes(), 4));
/// assert!(!has_valid_crc32_suffix(format!("ghp_{body}000000").as_bytes(), 4));
/// ```
pub fn has_valid_crc32_suffix(token: &[u8], prefix_len: usize) -> bool {
    if token.len() != prefix_len + 36 {
        return false;
    }
    let body = &token[prefix_len..prefix_len + 30];
    let sum = &token[prefix_len + 30..];
    token_checksum(body).as_bytes() == sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_vector() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_pads() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 6), "00000z");
        assert_eq!(base62(62, 6), "000010");
        assert_eq!(base62(u32::MAX, 6), "4gfFC3");
    }
}
