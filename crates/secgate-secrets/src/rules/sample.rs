//! Sample (test) secrets: templates expanded with a deterministic generator.
//!
//! Rule samples and the planted-secret evaluation are written as templates so
//! that the repository holds no string a secret scanner (or a push protection)
//! would take for a live credential; the values are built at test time, random
//! but format-valid, checksums included.
//!
//! Placeholders: `{an:N}` `[A-Za-z0-9]`, `{hex:N}` `[0-9a-f]`, `{HEX:N}`
//! `[0-9A-F]`, `{lo:N}` `[a-z0-9]`, `{up:N}` `[A-Z0-9]`, `{al:N}` `[A-Za-z]`,
//! `{low:N}` `[a-z]`, `{d:N}` digits, `{b64:N}` `[A-Za-z0-9+/]`, `{url:N}`
//! `[A-Za-z0-9_-]`, `{b32:N}` `[A-Z2-7]`, `{bech:N}` bech32 upper-case,
//! `{gh:PREFIX}` a GitHub-style token with a valid CRC-32 checksum (`{gh:ghp_}`,
//! `{gh:npm_}`), `{ghbad:PREFIX}` the same with a wrong checksum, `{jwt}` a
//! JWT, `{uuid}`, `{pem:LABEL}` a PEM block (`{pem:RSA PRIVATE KEY}`),
//! `{pemesc:LABEL}` the same with `\n` escapes (as in JSON), `{putty}` a PuTTY
//! key file, `{basic}` base64 of `user:password`, `{b64s:TEXT}` base64 of TEXT,
//! `{pw}` a random password-like value, `{{` and `}}` literal braces.

use crate::checksum::token_checksum;

/// A small deterministic random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }

    /// Picks one element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `[A-Za-z0-9]`
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const HEXU: &[u8] = b"0123456789ABCDEF";
const LO: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UP: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const AL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOW: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIG: &[u8] = b"0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BECH: &[u8] = b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
const PW: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%*+-_.";

/// Standard base64 (with padding).
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64url_nopad(data: &[u8]) -> String {
    base64(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A GitHub/npm-style token: `prefix` + 30 random base62 characters + checksum.
pub fn github_style(rng: &mut Rng, prefix: &str) -> String {
    let body = rng.string(ALNUM, 30);
    let sum = token_checksum(body.as_bytes());
    format!("{prefix}{body}{sum}")
}

/// A random password-like value (12-20 characters, mixed classes).
pub fn password(rng: &mut Rng) -> String {
    let n = 12 + rng.below(9);
    let mut s = rng.string(PW, n);
    // Guarantee a digit and an upper-case letter.
    s.push(DIG[rng.below(10)] as char);
    s.insert(0, UP[rng.below(26)] as char);
    s
}

fn pem(rng: &mut Rng, label: &str, nl: &str) -> String {
    let mut s = format!("-----BEGIN {label}-----{nl}");
    let lines = 6 + rng.below(10);
    for _ in 0..lines {
        s.push_str(&rng.string(B64, 64));
        s.push_str(nl);
    }
    let tail = 20 + rng.below(40);
    s.push_str(&rng.string(B64, tail));
    s.push_str("==");
    s.push_str(nl);
    s.push_str(&format!("-----END {label}-----"));
    s
}

/// Expands a template with a generator seeded by `seed`.
///
/// ```
/// use secgate_secrets::rules::sample::expand;
/// let s = expand("token={gh:ghp_}", 7);
/// assert_eq!(s.len(), "token=".len() + 40);
/// assert_eq!(s, expand("token={gh:ghp_}", 7)); // deterministic
/// ```
pub fn expand(template: &str, seed: u64) -> String {
    expand_with(template, &mut Rng::new(seed))
}

/// Expands a template with the given generator.
pub fn expand_with(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if after.starts_with(c as char) {
            out.push(c as char);
            rest = &after[1..];
            continue;
        }
        if c == b'}' {
            out.push('}');
            rest = after;
            continue;
        }
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let spec = &after[..end];
        rest = &after[end + 1..];
        let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
        let n: usize = arg.parse().unwrap_or(0);
        let piece = match kind {
            "an" => rng.string(ALNUM, n),
            "hex" => rng.string(HEX, n),
            "HEX" => rng.string(HEXU, n),
            "lo" => rng.string(LO, n),
            "up" => rng.string(UP, n),
            "al" => rng.string(AL, n),
            "low" => rng.string(LOW, n),
            "d" => rng.string(DIG, n),
            "b64" => rng.string(B64, n),
            "url" => rng.string(URL, n),
            "b32" => rng.string(B32, n),
            "bech" => rng.string(BECH, n),
            "gh" => github_style(rng, arg),
            "ghbad" => {
                let t = github_style(rng, arg);
                let (head, sum) = t.split_at(t.len() - 6);
                // Rotate the checksum: still base62, never equal.
                let bad: String = sum
                    .bytes()
                    .map(|b| if b == b'z' { 'A' } else { (b + 1) as char })
                    .map(|c| {
                        if c == ':' {
                            'A'
                        } else if c == '[' {
                            'a'
                        } else {
                            c
                        }
                    })
                    .collect();
                format!("{head}{bad}")
            }
            "jwt" => {
                let header = base64url_nopad(br#"{"alg":"HS256","typ":"JWT"}"#);
                let payload = base64url_nopad(
                    format!(
                        r#"{{"sub":"{}","name":"{}","iat":{}}}"#,
                        rng.string(DIG, 10),
                        rng.string(LOW, 8),
                        1_600_000_000 + rng.below(100_000_000)
                    )
                    .as_bytes(),
                );
                format!("{header}.{payload}.{}", rng.string(URL, 43))
            }
            "uuid" => format!(
                "{}-{}-4{}-a{}-{}",
                rng.string(HEX, 8),
                rng.string(HEX, 4),
                rng.string(HEX, 3),
                rng.string(HEX, 3),
                rng.string(HEX, 12)
            ),
            "pem" => pem(rng, arg, "\n"),
            "pemesc" => pem(rng, arg, "\\n"),
            "putty" => {
                let mut s = String::from("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 2\n");
                s.push_str(&rng.string(B64, 64));
                s.push('\n');
                s.push_str(&rng.string(B64, 40));
                s.push_str("\nPrivate-Lines: 3\n");
                for _ in 0..3 {
                    s.push_str(&rng.string(B64, 64));
                    s.push('\n');
                }
                s.push_str("Private-MAC: ");
                s.push_str(&rng.string(HEX, 64));
                s
            }
            "basic" => {
                let user = rng.string(LOW, 6);
                let pw = password(rng);
                base64(format!("{user}:{pw}").as_bytes())
            }
            "b64s" => base64(arg.as_bytes()),
            "pw" => password(rng),
            _ => format!("{{{spec}}}"),
        };
        out.push_str(&piece);
    }
    out.push_str(rest);
    out
}
