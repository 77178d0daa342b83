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
/// reference, an identifier, a UUID, a hash, a path, a stopword, code around
/// an unquoted value ([`is_code_context`]; `after` is the text that follows
/// the value on its line), ...
pub fn is_generic_false_positive(v: &[u8], quoted: bool, after: &[u8]) -> bool {
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
        if is_code_context(v, after) {
            return true;
        }
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
    // A version (`'Test2::Event::Pass' => '1.302138'`).
    if is_version(v) {
        return true;
    }
    // Percent-escaped punctuation (URL parser test data: `%3A%40c`).
    if is_mostly_percent_escapes(v) {
        return true;
    }
    false
}

/// Whether the text around a generic rule's unquoted value shows code rather
/// than a value assigned to a name. `after` is the text that follows the value
/// on its line.
///
/// - `Pass::doInitialization`, `private_key::from(..)`: the `:` read as an
///   assignment is the first half of a path separator (the value starts with
///   the second); likewise `==` (a comparison).
/// - `signing_key: &VerificationKey`, `*secret_ptr`: a reference or pointer.
/// - `PrivateKeyFlag: X509Flag = 16`, `private_key: Seed<'_> = ..`: a type
///   annotation (the "value" is a type followed by `=` or by generics).
pub fn is_code_context(v: &[u8], after: &[u8]) -> bool {
    if matches!(v.first(), Some(b':' | b'=' | b'&' | b'*')) {
        return true;
    }
    if after.starts_with(b"<") {
        return true;
    }
    let rest = after.trim_ascii_start();
    rest.starts_with(b"=") && !rest.starts_with(b"==") && !rest.starts_with(b"=>")
}

/// A version number: `1.2`, `v1.302138`, `2.0.117` (digits and dots, at least one dot).
pub fn is_version(v: &[u8]) -> bool {
    let d = v.strip_prefix(b"v").unwrap_or(v);
    d.first().is_some_and(u8::is_ascii_digit)
        && d.last().is_some_and(u8::is_ascii_digit)
        && d.contains(&b'.')
        && !d.windows(2).any(|w| w == b"..")
        && d.iter().all(|&b| b.is_ascii_digit() || b == b'.')
}

/// At least two `%XX` escapes covering at least half of the value: encoded
/// punctuation (URL test data), not a credential.
pub fn is_mostly_percent_escapes(v: &[u8]) -> bool {
    let mut escapes = 0usize;
    let mut i = 0;
    while i + 2 < v.len() {
        if v[i] == b'%' && v[i + 1].is_ascii_hexdigit() && v[i + 2].is_ascii_hexdigit() {
            escapes += 1;
            i += 3;
        } else {
            i += 1;
        }
    }
    escapes >= 2 && escapes * 3 * 2 >= v.len()
}

/// Hosts reserved for documentation and tests (RFC 2606, RFC 6761): a
/// credential in a URL to one of them is an example, never a real one.
pub fn is_reserved_host(host: &[u8]) -> bool {
    let h = host.to_ascii_lowercase();
    let h = h.strip_suffix(b".").unwrap_or(&h);
    for d in [&b"example.com"[..], b"example.net", b"example.org"] {
        if h == d || (h.ends_with(d) && h[h.len() - d.len() - 1] == b'.') {
            return true;
        }
    }
    [&b".example"[..], b".test", b".invalid", b".localhost"]
        .iter()
        .any(|t| h.ends_with(t))
        || h == b"example"
        || h == b"test"
        || h == b"invalid"
}

/// Passwords written in URLs of documentation and tests (`user:pass@`,
/// `me:secret1@`, RFC 7617's Aladdin `opensesame`), compared ignoring case
/// and trailing digits.
const URL_DUMMY_PASSWORDS: &[&[u8]] = &[
    b"pass",
    b"password",
    b"passwd",
    b"pwd",
    b"pw",
    b"secret",
    b"foo",
    b"bar",
    b"baz",
    b"foobar",
    b"test",
    b"opensesame",
];

/// Whether a secret followed by `@host` (the password of a URL's user
/// information) is an example: a reserved documentation host, a dummy
/// password, or one made of percent escapes (URL parser test data). `after`
/// is the text after the secret.
pub fn is_example_url_credential(secret: &[u8], after: &[u8]) -> bool {
    let Some(rest) = after.strip_prefix(b"@") else {
        return false;
    };
    let host_len = rest
        .iter()
        .position(|b| {
            matches!(
                b,
                b':' | b'/'
                    | b'?'
                    | b'#'
                    | b'"'
                    | b'\''
                    | b'`'
                    | b'<'
                    | b'>'
                    | b')'
                    | b']'
                    | b'}'
                    | b','
                    | b';'
            ) || b.is_ascii_whitespace()
        })
        .unwrap_or(rest.len());
    if is_reserved_host(&rest[..host_len]) || is_mostly_percent_escapes(secret) {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    let word_end = lower.len()
        - lower
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
    URL_DUMMY_PASSWORDS.contains(&&lower[..word_end])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_hosts_are_the_documentation_names_only() {
        for h in [
            "example.com",
            "EXAMPLE.org.",
            "proxy.example.net",
            "h.test",
            "a.example",
            "x.invalid",
            "app.localhost",
        ] {
            assert!(is_reserved_host(h.as_bytes()), "{h}");
        }
        for h in [
            "myexample.com",
            "example.company.io",
            "localhost",
            "github.com",
            "test.acme.io",
            "example.co",
        ] {
            assert!(!is_reserved_host(h.as_bytes()), "{h}");
        }
    }

    #[test]
    fn url_credentials_to_documentation_hosts_or_dummy_passwords_are_examples() {
        assert!(is_example_url_credential(
            b"s3cr3tValue9",
            b"@example.com/x"
        ));
        assert!(is_example_url_credential(b"Secret123", b"@db.acme.io:5432"));
        assert!(is_example_url_credential(b"%60%7B%7D", b"@h/"));
        assert!(!is_example_url_credential(
            b"s3cr3tValue9",
            b"@db.acme.io:5432"
        ));
        assert!(
            !is_example_url_credential(b"s3cr3tValue9", b""),
            "not a URL"
        );
        assert!(!is_example_url_credential(b"passport9x", b"@db.acme.io"));
    }

    #[test]
    fn code_context_versions_and_escapes() {
        assert!(is_code_context(b":doInitialization", b";"));
        assert!(is_code_context(b"&EncryptedPrivateKeyInfo", b"<'_>)"));
        assert!(is_code_context(b"X509Flag", b" = 16i32;"));
        assert!(is_code_context(b"Seed", b"<'_> = key"));
        assert!(!is_code_context(b"hunter22Zx", b""));
        assert!(!is_code_context(b"hunter22Zx", b" == other"));
        assert!(!is_code_context(b"hunter22Zx", b"  # comment"));
        assert!(is_version(b"1.302138") && is_version(b"v2.0.117"));
        assert!(!is_version(b"1302138") && !is_version(b"1..2") && !is_version(b"1.2a"));
        assert!(is_mostly_percent_escapes(b"%3A%40c"));
        assert!(!is_mostly_percent_escapes(b"p%40ssw0rdLong"));
    }
}
