//! Trivy's SARIF carries the fixed versions only in each result's message
//! (`Fixed Version: A, B`). Without them a fixable vulnerability looked
//! unfixed and `ignore_unfixed: true` passed it, where the same scan as
//! Trivy JSON failed. Checked on every Trivy run of the corpus's SARIF files,
//! and against the Trivy JSON goldens of the same fixture.

use std::collections::BTreeMap;
use std::path::Path;

use secgate_core::{Finding, Report};
use secgate_reports::parse;

mod common;
use common::corpus_dir;

/// `Key: value` of a Trivy message line, as written by Trivy's template.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

fn is_trivy(f: &Finding) -> bool {
    f.scanner.id.eq_ignore_ascii_case("trivy")
}

/// (rule id, package, installed version) → the fixed versions written in the
/// message, for every result of a Trivy run whose message has a non-empty
/// `Fixed Version:` line.
fn fixed_in_messages(raw: &serde_json::Value) -> BTreeMap<(String, String, String), Vec<String>> {
    let mut out = BTreeMap::new();
    let runs = raw.get("runs").and_then(|r| r.as_array());
    for run in runs.into_iter().flatten() {
        let name = run
            .pointer("/tool/driver/name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        if !name.eq_ignore_ascii_case("trivy") {
            continue;
        }
        let results = run.get("results").and_then(|r| r.as_array());
        for res in results.into_iter().flatten() {
            let Some(text) = res.pointer("/message/text").and_then(|t| t.as_str()) else {
                continue;
            };
            let Some(fixed) = field(text, "Fixed Version") else {
                continue;
            };
            let fixed: Vec<String> = fixed
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if fixed.is_empty() {
                continue;
            }
            let key = (
                res.get("ruleId")
                    .and_then(|r| r.as_str())
                    .unwrap_or_default()
                    .to_string(),
                field(text, "Package").unwrap_or_default().to_string(),
                field(text, "Installed Version")
                    .unwrap_or_default()
                    .to_string(),
            );
            if let Some(prev) = out.insert(key.clone(), fixed.clone()) {
                assert_eq!(prev, fixed, "{key:?} written twice with different fixes");
            }
        }
    }
    out
}

fn sarif_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("sarif"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn trivy_sarif_findings_with_a_fixed_version_are_fixable() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for path in sarif_files(&dir) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let Ok(raw) =
            serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'))
        else {
            continue;
        };
        let expected = fixed_in_messages(&raw);
        if expected.is_empty() {
            continue;
        }
        let name = path.display();
        let report = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut seen = 0;
        let mut matched = std::collections::BTreeSet::new();
        for f in report.findings.iter().filter(|f| is_trivy(f)) {
            let Some(pkg) = f.location.package() else {
                continue;
            };
            let key = (
                f.rule_id.clone().unwrap_or_default(),
                pkg.name.clone(),
                pkg.version.clone().unwrap_or_default(),
            );
            let Some(fixed) = expected.get(&key) else {
                assert!(
                    !f.fix.is_fixable(),
                    "{name}: {key:?} has no fixed version in its message but {:?}",
                    f.fix
                );
                continue;
            };
            assert!(f.fix.is_fixable(), "{name}: {key:?} {:?}", f.fix);
            assert_eq!(&f.fix.fixed_versions, fixed, "{name}: {key:?}");
            matched.insert(key);
            seen += 1;
        }
        let missing: Vec<_> = expected.keys().filter(|k| !matched.contains(k)).collect();
        assert!(
            missing.is_empty(),
            "{name}: no finding with a package for {missing:?}"
        );
        checked += seen;
    }
    // trivy__alpine-310 (4), codacy-cli trivy-0.69.3 (17), merged-4-tools (1).
    assert!(checked >= 22, "only {checked} Trivy SARIF findings checked");
}

fn load(path: &Path) -> Report {
    let bytes = std::fs::read(path).unwrap();
    parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (CVE, package) → fixed versions of the Trivy findings of a report.
fn fixes_by_cve_and_package(r: &Report) -> BTreeMap<(String, String), (Vec<String>, bool)> {
    let mut out = BTreeMap::new();
    for f in r.findings.iter().filter(|f| is_trivy(f)) {
        let Some(pkg) = f.location.package() else {
            continue;
        };
        for cve in f.cves() {
            out.insert(
                (cve.to_string(), pkg.name.clone()),
                (f.fix.fixed_versions.clone(), f.fix.is_fixable()),
            );
        }
    }
    out
}

#[test]
fn trivy_sarif_and_trivy_json_of_the_same_fixture_agree_on_fixes() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut compared = 0;
    for sarif in sarif_files(&dir) {
        let file = sarif.file_name().unwrap().to_string_lossy().into_owned();
        // `trivy-2021-07__alpine-310.sarif.golden`: the fixture is `alpine-310`.
        let Some(stem) = file.strip_suffix(".sarif.golden") else {
            continue;
        };
        if !stem.starts_with("trivy") {
            continue;
        }
        let fixture = stem.rsplit("__").next().unwrap();
        let s = fixes_by_cve_and_package(&load(&sarif));
        let mut jsons: Vec<_> = std::fs::read_dir(dir.join("trivy"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .ends_with(&format!("__{fixture}.json.golden"))
            })
            .collect();
        jsons.sort();
        for json in jsons {
            let j = fixes_by_cve_and_package(&load(&json));
            for (key, fix) in &s {
                if let Some(jfix) = j.get(key) {
                    assert_eq!(
                        fix,
                        jfix,
                        "{key:?}: {file} and {}",
                        json.file_name().unwrap().to_string_lossy()
                    );
                    compared += 1;
                }
            }
        }
    }
    // trivy__alpine-310.sarif.golden against trivy__ and trivy-2021-07__,
    // trivy-2021-10__ alpine-310.json.golden: 4 each.
    assert!(compared >= 12, "only {compared} findings compared");
}
