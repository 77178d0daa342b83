//! Property: the verdict does not depend on the order of the reports or of
//! the findings in them.

use proptest::prelude::*;
use secgate_core::{
    fingerprint, Category, Confidence, Finding, Fix, Format, Location, Package, Report, Scanner,
    Severity,
};
use secgate_policy::engine::{evaluate, EvalOptions};
use secgate_policy::policy::Policy;
use secgate_policy::Baseline;

const POLICY: &str = "fail_on: high\nbudgets: {medium: 3}\nignore_unfixed: true\nmin_confidence: low\nnew_only: true\nscanners:\n  semgrep: {fail_on: medium}\nexceptions:\n  - id: CVE-2021-0003\n    reason: r\n  - id: CWE-79\n    paths: ['src/**']\n    reason: r\n  - id: CVE-2021-0007\n    reason: r\n    expires: 2020-01-01\n  - id: CVE-2021-0009\n    package: pkg2\n    reason: r\n";

fn finding(kind: u8, n: u8, sev: u8, fixed: bool, conf: u8) -> Finding {
    let severity = Severity::ALL[(sev % 6) as usize];
    let mut f = if kind.is_multiple_of(2) {
        let mut f = Finding::new(
            Scanner::named("trivy"),
            Category::ContainerScanning,
            severity,
            format!("vuln {n}"),
            Location::Container {
                image: "app:1".into(),
                operating_system: None,
                package: Package {
                    name: format!("pkg{}", n % 4),
                    version: Some("1".into()),
                    purl: None,
                },
            },
        );
        f.add_identifier(format!("CVE-2021-{:04}", n % 12).parse().unwrap());
        f.fix = Fix::from_fixed_version_list(fixed.then_some("2"), None);
        f
    } else {
        let mut f = Finding::new(
            Scanner::named("semgrep"),
            Category::Sast,
            severity,
            format!("rule {n}"),
            Location::Source {
                file: format!(
                    "{}/a{}.py",
                    if n.is_multiple_of(3) { "src" } else { "lib" },
                    n % 5
                ),
                start_line: Some(n as u32),
                end_line: None,
                snippet: None,
            },
        );
        f.rule_id = Some(format!("rule{}", n % 7));
        f.add_identifier(secgate_core::Identifier::Cwe(if n.is_multiple_of(2) {
            79
        } else {
            89
        }));
        f
    };
    f.confidence = [
        Confidence::Unknown,
        Confidence::Ignore,
        Confidence::Low,
        Confidence::High,
    ][(conf % 4) as usize];
    f
}

fn shuffle<T>(v: &mut [T], seed: &[usize]) {
    for i in (1..v.len()).rev() {
        let j = seed[i % seed.len().max(1)] % (i + 1);
        v.swap(i, j);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn verdict_is_order_independent(
        specs in proptest::collection::vec((0u8..2, 0u8..40, 0u8..6, any::<bool>(), 0u8..4, 0usize..3), 0..40),
        seed in proptest::collection::vec(any::<usize>(), 1..16),
        base_mask in any::<u64>(),
    ) {
        let policy = Policy::parse(POLICY, "p.yml").unwrap();
        let mut reports: Vec<Report> = (0..3).map(|i| {
            let mut r = Report::new(Format::Sarif);
            r.source = Some(format!("r{i}.json"));
            r
        }).collect();
        for (kind, n, sev, fixed, conf, which) in specs {
            reports[which].findings.push(finding(kind, n, sev, fixed, conf));
        }
        for r in &mut reports {
            fingerprint::assign(&mut r.findings);
        }
        let base = Baseline::from_fingerprints(
            reports.iter().flat_map(|r| &r.findings).enumerate().filter(|(i, _)| base_mask >> (i % 64) & 1 == 1).map(|(_, f)| f.fingerprint),
            "t",
        );
        let opts = EvalOptions { today: "2026-06-01".parse().unwrap(), baseline: Some(&base), fail_on: None, project_dir: None };
        let a = evaluate(&policy, reports.clone(), &opts);
        let mut shuffled = reports.clone();
        shuffle(&mut shuffled, &seed);
        for r in &mut shuffled {
            shuffle(&mut r.findings, &seed);
        }
        let b = evaluate(&policy, shuffled, &opts);
        prop_assert_eq!(a, b);
    }
}
