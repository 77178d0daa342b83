//! The word patterns of the JSON Schema ([`super::SCHEMA`]), generated from
//! the words the parser accepts.
//!
//! JSON Schema regexes are ECMA-262, which has no inline `(?i)` flag: editors
//! (yaml-language-server), Python's `jsonschema` and `new RegExp(p, "u")`
//! reject such a pattern outright. Case-insensitivity is therefore spelt out
//! letter by letter (`[hH][iI][gG][hH]`), and the surrounding whitespace the
//! parser trims is an explicit class of exactly the characters Rust's
//! `str::trim` removes. `tests/policy_schema.rs` checks that the checked-in
//! schema carries these patterns (`SECGATE_UPDATE_SCHEMA=1` rewrites them),
//! that each compiles as ECMA-262 and that the schema and the parser accept the
//! same words.

use super::parse::{CONFIDENCE_NAMES, SEVERITY_NAMES, SUPPRESSED_NAMES, THRESHOLD_NAMES};

/// Every spelling of a known category that `Category::parse` accepts, with `_`
/// standing for `_` or `-` (it lowercases, trims and reads `-` as `_`).
pub const CATEGORY_NAMES: &[&str] = &[
    "sast",
    "dast",
    "dependency_scanning",
    "dependency",
    "dependencies",
    "sca",
    "container_scanning",
    "container_scanning_for_registry",
    "cluster_image_scanning",
    "container",
    "secret_detection",
    "secrets",
    "secret",
    "misconfiguration",
    "misconfig",
    "config",
    "iac",
    "license",
    "license_scanning",
    "licence",
    "coverage_fuzzing",
    "api_fuzzing",
];

/// The `$defs` of the schema that are words, and their patterns.
pub fn patterns() -> Vec<(&'static str, String)> {
    vec![
        ("severity", word_pattern(SEVERITY_NAMES, false)),
        ("threshold", word_pattern(THRESHOLD_NAMES, false)),
        ("confidence", word_pattern(CONFIDENCE_NAMES, false)),
        ("suppressed", word_pattern(SUPPRESSED_NAMES, false)),
        ("category", word_pattern(CATEGORY_NAMES, true)),
    ]
}

/// An ECMA-262 pattern (also valid for the `regex` crate) matching one of
/// `words` as the parser reads them: ASCII case-insensitive, surrounded by any
/// whitespace `str::trim` removes, and with `-` for `_` when `dash_for_underscore`.
///
/// Words are lowercase ASCII letters, digits and `_`.
pub fn word_pattern(words: &[&str], dash_for_underscore: bool) -> String {
    let ws = whitespace_class();
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| match c {
                    'a'..='z' => format!("[{c}{}]", c.to_ascii_uppercase()),
                    '0'..='9' => c.to_string(),
                    '_' if dash_for_underscore => "[_-]".to_string(),
                    '_' => "_".to_string(),
                    _ => panic!("schema word {w:?} has {c:?}: only a-z, 0-9 and _ are written"),
                })
                .collect()
        })
        .collect();
    format!("^{ws}*(?:{}){ws}*$", alternatives.join("|"))
}

/// `[...]` of every character `char::is_whitespace` (what `str::trim`
/// removes), as `\uXXXX` ranges: ECMA-262's `\s` differs (it has U+FEFF and
/// lacks U+0085).
fn whitespace_class() -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for c in (0..=0xFFFFu32).filter_map(char::from_u32) {
        if c.is_whitespace() {
            let c = c as u32;
            match ranges.last_mut() {
                Some((_, hi)) if *hi + 1 == c => *hi = c,
                _ => ranges.push((c, c)),
            }
        }
    }
    // No whitespace outside the BMP (so `\uXXXX` is enough).
    debug_assert!((0x10000..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .all(|c| !c.is_whitespace()));
    let mut s = String::from("[");
    for (lo, hi) in ranges {
        s.push_str(&format!("\\u{lo:04X}"));
        if hi > lo {
            s.push_str(&format!("-\\u{hi:04X}"));
        }
    }
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use secgate_core::Category;

    #[test]
    fn category_names_are_the_known_categories() {
        for w in CATEGORY_NAMES {
            assert!(Category::KNOWN.contains(&Category::parse(w)), "{w}");
            assert!(Category::KNOWN.contains(&Category::parse(&w.replace('_', "-"))));
        }
        for c in Category::KNOWN {
            assert!(CATEGORY_NAMES.contains(&c.as_str()), "{c}");
        }
    }

    #[test]
    fn patterns_spell_case_out() {
        let p = word_pattern(&["high", "a_b"], true);
        assert!(p.contains("(?:[hH][iI][gG][hH]|[aA][_-][bB])"), "{p}");
        assert!(!p.contains("(?i"), "{p}");
        assert!(
            p.starts_with("^[\\u0009-\\u000D\\u0020\\u0085\\u00A0"),
            "{p}"
        );
    }
}
