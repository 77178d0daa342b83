//! Properties of fingerprints: independent of the order findings come in, and
//! unchanged when lines move without reordering same-key findings.

use proptest::prelude::*;
use secgate_core::{fingerprint, Category, Finding, Location, Package, Scanner, Severity};

fn finding(kind: u8, a: u8, b: u8, line: u32) -> Finding {
    let location = match kind % 3 {
        0 => Location::Source {
            file: format!("src/f{a}.py"),
            start_line: Some(line),
            end_line: None,
            snippet: Some(format!("call{b}(x)")),
        },
        1 => Location::Container {
            image: "alpine:3.19".into(),
            operating_system: None,
            package: Package {
                name: format!("pkg{a}"),
                version: Some(format!("1.{b}")),
                purl: None,
            },
        },
        _ => Location::Dast {
            url: format!("https://app.example/p{a}?q={line}"),
            method: Some("GET".into()),
            param: Some(format!("q{b}")),
        },
    };
    let mut f = Finding::new(
        Scanner::named("s"),
        Category::Sast,
        Severity::High,
        "t",
        location,
    );
    f.rule_id = Some(format!("rule{}", b % 3));
    f
}

fn strategy() -> impl Strategy<Value = Vec<(u8, u8, u8, u32)>> {
    // distinct lines so that order among same-key findings is defined by line
    prop::collection::vec((0u8..3, 0u8..3, 0u8..3, 1u32..10_000), 1..40).prop_map(|mut v| {
        v.sort_by_key(|t| t.3);
        v.dedup_by_key(|t| t.3);
        v
    })
}

proptest! {
    #[test]
    fn independent_of_input_order(spec in strategy(), seed in any::<u64>()) {
        let mut a: Vec<Finding> = spec.iter().map(|&(k, x, y, l)| finding(k, x, y, l)).collect();
        let mut b = a.clone();
        // a deterministic shuffle
        let n = b.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            b.swap(i, (s >> 33) as usize % (i + 1));
        }
        fingerprint::assign(&mut a);
        fingerprint::assign(&mut b);
        // Each distinct finding keeps its fingerprint; identical twins (same key,
        // no line to order them) share the same set of fingerprints.
        for f in &a {
            let same = |g: &&Finding| g.location == f.location && g.rule_id == f.rule_id;
            let mut fa: Vec<_> = a.iter().filter(same).map(|g| g.fingerprint).collect();
            let mut fb: Vec<_> = b.iter().filter(same).map(|g| g.fingerprint).collect();
            fa.sort();
            fb.sort();
            prop_assert_eq!(fa, fb);
        }
        let mut fa: Vec<_> = a.iter().map(|f| f.fingerprint).collect();
        fa.sort();
        let before = fa.len();
        fa.dedup();
        prop_assert_eq!(before, fa.len(), "fingerprints are unique within a report");
    }

    #[test]
    fn lines_moving_in_order_keep_fingerprints(spec in strategy(), shift in 1u32..500) {
        let mut a: Vec<Finding> = spec.iter().map(|&(k, x, y, l)| finding(k, x, y, l)).collect();
        let mut b: Vec<Finding> = spec.iter().map(|&(k, x, y, l)| finding(k, x, y, l * 2 + shift)).collect();
        fingerprint::assign(&mut a);
        fingerprint::assign(&mut b);
        for (f, g) in a.iter().zip(&b) {
            if matches!(f.location, Location::Source { .. }) {
                prop_assert_eq!(f.fingerprint, g.fingerprint);
            }
        }
    }
}
