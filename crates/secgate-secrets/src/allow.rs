//! What is never a secret: documented examples, placeholders, variable
//! references, hashes and identifiers that merely look random.

use crate::entropy::shannon;
use memchr::memmem;

/// Documented example credentials (vendor documentation), never reported.
pub const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
];

/// Words that mark a value as a placeholder, whatever the rule (lowercase).
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "xxxxx",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourapi",
    "yourtoken",
    "yourpassword",
    "yoursecret",
    "redacted",
    "dummy",
    "<your",
    "insert",
    "replace",
    "******",
    "000000000000",
    "123456789012",
    "abcdefghij",
    "notasecret",
    "not-a-secret",
    "not_a_secret",
    "fakekey",
    "fake_",
    "fake-",
    "todo",
    "guest",
    "...",
];

/// Extra words that mark a generic (keyword = value) match as not a secret.
const GENERIC_STOPWORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "test",
    "sample",
    "admin",
    "default",
    "null",
    "none",
    "undefined",
    "true",
    "false",
    "string",
    "value",
    "token",
    "enter",
    "required",
    "optional",
    "hunter2",
    "qwerty",
    "letmein",
    "localhost",
    "foobar",
];

/// Whether `secret` is a known example or a placeholder (any rule).
pub fn is_placeholder(secret: &[u8]) -> bool {
    if DOCUMENTED_EXAMPLES
        .iter()
        .any(|e| memmem::find(secret, e.as_bytes()).is_some())
    {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    // One character repeated (after the prefix): `xxxxxxxx`, `********`, `00000000`.
    let distinct = {
        let mut seen = [false; 256];
        let mut n = 0;
        for &b in secret {
            if !seen[b as usize] {
                seen[b as usize] = true;
                n += 1;
            }
        }
        n
    };
    if (secret.len() >= 3 && distinct == 1) || (secret.len() >= 6 && distinct <= 2) {
        return true;
    }
    is_template_reference(secret)
}

/// Template and variable syntax: `${VAR}`, `$VAR`, `{{ x }}`, `<token>`,
/// `%(x)s`, `#{x}`, `@x@`, `%VAR%`.
pub fn is_template_reference(v: &[u8]) -> bool {
    if v.is_empty() {
        return true;
    }
    let starts = |p: &[u8]| v.starts_with(p);
    if starts(b"$")
        || starts(b"{{")
        || starts(b"<")
        || starts(b"%(")
        || starts(b"#{")
        || starts(b"@{")
    {
        return true;
    }
    if memmem::find(v, b"${").is_some()
        || memmem::find(v, b"{{").is_some()
        || memmem::find(v, b"$(").is_some()
    {
        return true;
    }
    if v.len() > 2
        && ((v[0] == b'%' && v[v.len() - 1] == b'%') || (v[0] == b'@' && v[v.len() - 1] == b'@'))
    {
        return true;
    }
    false
}

/// Whether a generic rule's value is not a secret: a variable or function
/// reference, an identifier, a UUID, a hash, a path, a stopword, ...
pub fn is_generic_false_positive(v: &[u8], quoted: bool) -> bool {
    if is_placeholder(v) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if GENERIC_STOPWORDS
        .iter()
        .any(|w| memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    // Environment and configuration lookups.
    for r in [
        &b"os.environ"[..],
        b"os.getenv",
        b"process.env",
        b"env.fetch",
        b"env[",
        b"getenv",
        b"system.getenv",
        b"environment.getenvironmentvariable",
        b"settings.",
        b"config.",
        b"vault:",
        b"secrets.",
        b"ref+",
        b"arn:aws:",
        b"file://",
        b"http://",
        b"https://",
    ] {
        if memmem::find(&lower, r).is_some() {
            return true;
        }
    }
    if is_uuid(v) {
        return true;
    }
    // Identifiers and dotted paths (`getPassword`, `self.password`, `cfg.db.pw`),
    // for unquoted values; quoted lowercase words too.
    let ident = v
        .iter()
        .all(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b == b'-');
    if ident {
        return true;
    }
    if !quoted {
        // Paths and types in code: `crate::T`, `a->b`, `_private_name`, `snake_case_9`.
        if memmem::find(v, b"::").is_some()
            || memmem::find(v, b"->").is_some()
            || v.starts_with(b"_")
        {
            return true;
        }
        // snake_case or SCREAMING_CASE identifiers: every `_` segment one case, or digits.
        if v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
            && v.contains(&b'_')
            && v.split(|&b| b == b'_').all(|seg| {
                seg.iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    || seg
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            })
        {
            return true;
        }
        // Unquoted values ending a call or an index are code.
        if v.ends_with(b"()") || v.contains(&b'(') {
            return true;
        }
        // A file path.
        if v.starts_with(b"/") || v.starts_with(b"./") || v.starts_with(b"~/") {
            return true;
        }
    }
    // Lock-file integrity and module hashes.
    if lower.starts_with(b"sha1-")
        || lower.starts_with(b"sha256-")
        || lower.starts_with(b"sha384-")
        || lower.starts_with(b"sha512-")
        || lower.starts_with(b"h1:")
    {
        return true;
    }
    if lower.starts_with(b"data:") {
        return true;
    }
    false
}

/// `8-4-4-4-12` hex.
pub fn is_uuid(v: &[u8]) -> bool {
    if v.len() != 36 {
        return false;
    }
    v.iter().enumerate().all(|(i, &b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

/// Pure hex of a digest length (git SHA-1, SHA-256, MD5): identifiers, not
/// credentials, when they appear in a generic assignment.
pub fn is_hash_like(v: &[u8]) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128) && v.iter().all(|b| b.is_ascii_hexdigit()) && {
        // A checksum is all lowercase or all uppercase hex.
        let has_lower = v.iter().any(|b| b.is_ascii_lowercase());
        let has_upper = v.iter().any(|b| b.is_ascii_uppercase());
        !(has_lower && has_upper)
    }
}

/// Whether a line holds an inline allow marker (`secgate:allow`), in any comment syntax.
pub fn has_inline_allow(line_lower: &[u8]) -> bool {
    memmem::find(line_lower, b"secgate:allow").is_some()
}

/// A rough check that a value has some randomness (used by generic rules
/// without an explicit floor).
pub fn looks_random(v: &[u8], floor: f32) -> bool {
    shannon(v) >= floor
}
