//! Table-driven test of every built-in rule: each has at least one true-positive
//! and one true-negative sample next to its definition; every true positive must
//! be found by that rule (over several random seeds) and no true negative may be.

use secgate_secrets::rules::builtin::BUILTIN;
use secgate_secrets::rules::sample::expand;
use secgate_secrets::Engine;
use std::collections::BTreeSet;

const SEEDS: u64 = 8;

#[test]
fn at_least_150_rules_with_unique_ids() {
    assert!(
        BUILTIN.len() >= 150,
        "only {} built-in rules",
        BUILTIN.len()
    );
    let mut ids = BTreeSet::new();
    for r in BUILTIN {
        assert!(ids.insert(r.id), "duplicate rule id {}", r.id);
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "rule id {} is not kebab-case",
            r.id
        );
        assert!(!r.description.is_empty(), "{} has no description", r.id);
        assert!(
            !r.keywords.is_empty(),
            "{} has no keyword for the prefilter",
            r.id
        );
        for k in r.keywords {
            // Lower case matches any case; an upper-case letter makes the
            // keyword exact (see the test of exact-case keywords below).
            assert!(
                !k.is_empty() && k.is_ascii() && !k.contains('\n'),
                "{}: keyword {k:?} must be non-empty ASCII on one line",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_has_both_samples() {
    let missing: Vec<&str> = BUILTIN
        .iter()
        .filter(|r| r.tp.is_empty() || r.tn.is_empty())
        .map(|r| r.id)
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a true-positive and a true-negative sample: {missing:?}"
    );
}

#[test]
fn every_rule_is_ascii_only() {
    // Unicode classes in the set cut throughput ~25x; the builder turns Unicode off,
    // so a non-ASCII pattern would not even compile. Check compile and ASCII.
    for r in BUILTIN {
        assert!(r.regex.is_ascii(), "{} has a non-ASCII pattern", r.id);
        r.compile().unwrap_or_else(|e| panic!("{}: {e}", r.id));
    }
}

#[test]
fn true_positives_are_found_by_their_rule() {
    let engine = Engine::builtin();
    let mut failures = Vec::new();
    for r in BUILTIN {
        for tp in r.tp {
            for seed in 0..SEEDS {
                let text = expand(tp, seed);
                let hits = engine.scan("sample.txt", text.as_bytes());
                if !hits.iter().any(|h| h.rule_id == r.id) {
                    let got: Vec<&str> = hits.iter().map(|h| h.rule_id.as_str()).collect();
                    failures.push(format!("{} seed {seed}: {tp:?} -> {got:?}", r.id));
                    break;
                }
                // The hit never carries the secret.
                for h in &hits {
                    assert!(h.redacted.ends_with('…') || h.redacted == "****");
                    assert_eq!(
                        h.fingerprint,
                        format!("{}:{}", h.rule_id, &h.secret_sha256[..16])
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} true positives missed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn true_negatives_are_not_reported_by_their_rule() {
    let engine = Engine::builtin();
    let mut failures = Vec::new();
    for r in BUILTIN {
        for tn in r.tn {
            for seed in 0..SEEDS {
                let text = expand(tn, seed);
                let hits = engine.scan("sample.txt", text.as_bytes());
                if hits.iter().any(|h| h.rule_id == r.id) {
                    failures.push(format!("{} seed {seed}: {tn:?}", r.id));
                    break;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} true negatives reported:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn docs_list_every_rule() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/secrets-rules.md");
    let doc = std::fs::read_to_string(&path).expect("docs/secrets-rules.md");
    let missing: Vec<&str> = BUILTIN
        .iter()
        .filter(|r| !doc.contains(&format!("| `{}` |", r.id)))
        .map(|r| r.id)
        .collect();
    assert!(
        missing.is_empty(),
        "rules missing from docs/secrets-rules.md: {missing:?}"
    );
    assert!(
        doc.contains(&format!("ships {} built-in rules", BUILTIN.len())),
        "docs/secrets-rules.md must state the rule count ({})",
        BUILTIN.len()
    );
}

/// A keyword with an upper-case letter only counts in that exact case (the
/// prefilter then skips "Asia/Tokyo" for `ASIA`). That loses nothing only if
/// the rule's regex itself requires that literal, case-sensitively: checked
/// here on the regex source, and on the samples in the other case.
#[test]
fn exact_case_keywords_are_literals_of_their_case_sensitive_regex() {
    let engine = Engine::builtin();
    let mut exact = 0;
    for r in BUILTIN {
        for k in r.keywords {
            if !k.bytes().any(|b| b.is_ascii_uppercase()) {
                continue;
            }
            exact += 1;
            let unescaped = r.regex.replace("\\.", ".");
            assert!(
                unescaped.contains(k) && !r.regex.contains("(?i"),
                "{}: exact-case keyword {k:?} is not a literal of its case-sensitive regex",
                r.id
            );
        }
    }
    assert!(exact >= 8, "only {exact} exact-case keywords");
    // The AWS key id in lower case, or "Asia" in a time zone, runs no rule.
    let text = b"tz = \"Asia/Tokyo\"\nkey = akiaq5r2tz7w3xyj4n6p\n";
    assert!(engine.scan("a.py", text).is_empty());
    let hits = engine.scan("a.py", b"key = AKIAQ5R2TZ7W3XYJ4N6P # Asia\n");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].rule_id, "aws-access-key-id");
}

/// Generic rules run only on lines of at most `GENERIC_MAX_LINE` bytes: a
/// repetition bound above that is vacuous and only makes the regex bigger to
/// compile (write `{20,}`, not `{20,2000}`).
#[test]
fn generic_rules_have_no_vacuous_repetition_bounds() {
    use secgate_secrets::rules::{RuleKind, GENERIC_MAX_LINE};
    let bound = regex::Regex::new(r"\{[0-9]*,([0-9]+)\}").unwrap();
    for r in BUILTIN.iter().filter(|r| r.kind == RuleKind::Generic) {
        for c in bound.captures_iter(r.regex) {
            let max: usize = c[1].parse().unwrap();
            assert!(
                max <= GENERIC_MAX_LINE,
                "{}: bound {} exceeds the generic line limit {GENERIC_MAX_LINE}",
                r.id,
                &c[0]
            );
        }
    }
}
