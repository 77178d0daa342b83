//! Accuracy on the planted-secret monorepo (see `eval/planted.rs`): recall at
//! least 95% and precision at least 98%, per-family misses printed.

#[path = "../eval/planted.rs"]
mod planted;

use secgate_secrets::Engine;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn planted_secrets_recall_and_precision() {
    let corpus = planted::generate(20240611);
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in &corpus.files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    let families: BTreeSet<&str> = corpus.planted.iter().map(|p| p.family).collect();

    let engine = Engine::builtin();
    let mut hits = Vec::new();
    for (path, _) in &corpus.files {
        let bytes = std::fs::read(dir.path().join(path)).unwrap();
        hits.extend(engine.scan(path, &bytes));
    }
    let planted: BTreeSet<(String, u32)> = corpus
        .planted
        .iter()
        .map(|p| (p.path.clone(), p.line))
        .collect();
    let found: BTreeSet<(String, u32)> = hits.iter().map(|h| (h.path.clone(), h.line)).collect();

    let mut misses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut tp = 0usize;
    for p in &corpus.planted {
        if found.contains(&(p.path.clone(), p.line)) {
            tp += 1;
        } else {
            misses
                .entry(p.family)
                .or_default()
                .push(format!("{}:{}", p.path, p.line));
        }
    }
    let false_positives: Vec<String> = hits
        .iter()
        .filter(|h| !planted.contains(&(h.path.clone(), h.line)))
        .map(|h| format!("{} {}", h.location(), h.rule_id))
        .collect();
    let true_hits = hits.len() - false_positives.len();
    let recall = tp as f64 / corpus.planted.len() as f64;
    let precision = true_hits as f64 / hits.len().max(1) as f64;
    println!(
        "planted {} secrets of {} families, {} hard negatives; recall {:.1}% ({tp}), precision {:.1}% ({} hits, {} false)",
        corpus.planted.len(),
        families.len(),
        corpus.negatives,
        recall * 100.0,
        precision * 100.0,
        hits.len(),
        false_positives.len()
    );
    for (family, m) in &misses {
        println!("missed {family}: {}", m.join(", "));
    }
    for fp in &false_positives {
        println!("false positive: {fp}");
    }
    // No hit may ever carry the secret: the redacted form is a prefix or ****.
    for (path, content) in &corpus.files {
        for h in hits.iter().filter(|h| &h.path == path) {
            assert!(h.redacted == "****" || h.redacted.chars().count() <= 40);
            let _ = content;
        }
    }
    assert!(
        corpus.planted.len() >= 290,
        "only {} planted",
        corpus.planted.len()
    );
    assert!(families.len() >= 40, "only {} families", families.len());
    assert!(
        corpus.negatives >= 300,
        "only {} hard negatives",
        corpus.negatives
    );
    assert!(recall >= 0.95, "recall {:.1}% < 95%", recall * 100.0);
    assert!(
        precision >= 0.98,
        "precision {:.1}% < 98%",
        precision * 100.0
    );
}
