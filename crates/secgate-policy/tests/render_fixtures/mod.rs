//! Fixed findings and a fixed verdict for the renderer tests, built in code:
//! every category, every location kind, every outcome, and text that needs
//! escaping in every output format.
#![allow(dead_code)]

use secgate_core::{
    fingerprint, Category, Confidence, Finding, Fix, FixStatus, Identifier, Link, Location,
    Package, Scanner, SecretDigest, Severity,
};
use secgate_policy::render::Timestamp;
use secgate_policy::verdict::{GateProblem, Judged, Outcome, Verdict};
use std::path::PathBuf;

/// A secret value planted in a secret finding's description and a SAST
/// snippet: no renderer may print it.
pub const PLANTED_SECRET: &str = "AKIAZZZZTESTSECRET42";

/// The time injected into the GitLab reports: 2026-01-02T03:04:05.
pub const NOW: Timestamp = Timestamp(1_767_323_045);

pub fn scanner(name: &str, version: &str) -> Scanner {
    Scanner::named(name)
        .with_version(Some(version.to_string()))
        .with_vendor(Some("Example vendor".to_string()))
}

fn fp(mut f: Finding) -> Finding {
    let mut v = vec![f.clone()];
    fingerprint::assign(&mut v);
    f.fingerprint = v[0].fingerprint;
    f
}

pub fn sast_sql() -> Finding {
    let mut f = Finding::new(
        scanner("Semgrep", "1.50.0"),
        Category::Sast,
        Severity::High,
        "SQL injection: user input reaches a query",
        Location::Source {
            file: "./app/db.py".into(),
            start_line: Some(42),
            end_line: Some(44),
            snippet: Some(format!("cursor.execute(q + user) # key={PLANTED_SECRET}")),
        },
    );
    f.rule_id = Some("python.lang.security.sql-injection".into());
    f.add_identifier(Identifier::Cwe(89));
    f.add_identifier(Identifier::Owasp("A03:2021".into()));
    f.description = Some("Building SQL from user input lets an attacker change the query.".into());
    f.solution = Some("Use parameterised queries.".into());
    f.confidence = Confidence::High;
    f.links.push(Link {
        name: Some("OWASP".into()),
        url: "https://owasp.org/Top10/A03_2021-Injection/".into(),
    });
    fp(f)
}

pub fn container_log4j() -> Finding {
    let mut f = Finding::new(
        scanner("Trivy", "0.50.1"),
        Category::ContainerScanning,
        Severity::Critical,
        "log4j-core: remote code execution in JNDI lookups",
        Location::Container {
            image: "registry.example.com/shop/app:1.4.2 (alpine 3.18.4)".into(),
            operating_system: Some("alpine 3.18.4".into()),
            package: Package {
                name: "org.apache.logging.log4j:log4j-core".into(),
                version: Some("2.14.1".into()),
                purl: Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".into()),
            },
        },
    );
    f.rule_id = Some("CVE-2021-44228".into());
    f.add_identifier("CVE-2021-44228".parse().unwrap());
    f.add_identifier(Identifier::Cwe(502));
    f.fix = Fix {
        fixed_versions: vec!["2.15.0".into(), "2.12.2".into()],
        status: Some(FixStatus::Fixed),
    };
    f.links.push(Link {
        name: None,
        url: "https://avd.aquasec.com/nvd/cve-2021-44228".into(),
    });
    f.links.push(Link {
        name: Some("not a web link".into()),
        url: "javascript:alert(1)".into(),
    });
    fp(f)
}

pub fn container_openssl() -> Finding {
    let mut f = Finding::new(
        scanner("Trivy", "0.50.1"),
        Category::ContainerScanning,
        Severity::Medium,
        "openssl: information disclosure in fork()",
        Location::Container {
            image: "alpine:3.10".into(),
            operating_system: None,
            package: Package {
                name: "openssl".into(),
                version: Some("1.1.1c-r0".into()),
                purl: None,
            },
        },
    );
    f.add_identifier("CVE-2019-1549".parse().unwrap());
    f.fix = Fix {
        fixed_versions: vec![],
        status: Some(FixStatus::WillNotFix),
    };
    fp(f)
}

pub fn dependency_lodash() -> Finding {
    let mut f = Finding::new(
        scanner("Gemnasium", "4.1.0"),
        Category::DependencyScanning,
        Severity::High,
        "Prototype pollution in lodash",
        Location::Dependency {
            file: Some("web/package-lock.json".into()),
            package: Package {
                name: "lodash".into(),
                version: Some("4.17.15".into()),
                purl: Some("pkg:npm/lodash@4.17.15".into()),
            },
        },
    );
    f.add_identifier("GHSA-p6mc-m468-83gw".parse().unwrap());
    f.add_identifier(Identifier::from_scheme(
        "gemnasium",
        "6b2a4c4a-1c3f-4b5a-9a1e-1f2a3b4c5d6e",
    ));
    f.fix = Fix::from_fixed_version_list(Some("4.17.19"), None);
    fp(f)
}

pub fn dast_xss() -> Finding {
    let mut f = Finding::new(
        scanner("OWASP ZAP", "2.14.0"),
        Category::Dast,
        Severity::Medium,
        "Cross Site Scripting (Reflected)",
        Location::Dast {
            url: "https://shop.example.test:8443/search?q=<script>&page=2".into(),
            method: Some("get".into()),
            param: Some("q".into()),
        },
    );
    f.rule_id = Some("40012".into());
    f.add_identifier(Identifier::Cwe(79));
    f.add_identifier(Identifier::from_scheme("zap_plugin", "40012"));
    f.description = Some("Reflected XSS: the <script> tag & \"quotes\" came back.".into());
    f.confidence = Confidence::Medium;
    fp(f)
}

pub fn secret_aws() -> Finding {
    let mut f = Finding::new(
        scanner("Gitleaks", "8.18.0"),
        Category::SecretDetection,
        Severity::Critical,
        "AWS access key",
        Location::Secret {
            file: "config/prod.env".into(),
            line: Some(3),
            commit: Some("9f1c2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6".into()),
            // As the gitleaks reader computes it from `Secret`.
            digest: Some(SecretDigest::of(PLANTED_SECRET)),
        },
    );
    f.rule_id = Some("aws-access-token".into());
    f.description = Some(format!("Found {PLANTED_SECRET} in config/prod.env"));
    fp(f)
}

pub fn misconfig_k8s() -> Finding {
    let mut f = Finding::new(
        scanner("Trivy", "0.50.1"),
        Category::Misconfiguration,
        Severity::Low,
        "Process can elevate its own privileges",
        Location::Resource {
            kind: Some("Deployment".into()),
            name: "default/web".into(),
        },
    );
    f.rule_id = Some("KSV001".into());
    fp(f)
}

pub fn unknown_suppressed() -> Finding {
    let mut f = Finding::new(
        scanner("Custom Tool", ""),
        Category::Other("custom".into()),
        Severity::Unknown,
        "Something odd",
        Location::None,
    );
    f.suppressed = true;
    fp(f)
}

pub fn weird_text() -> Finding {
    let mut f = Finding::new(
        scanner("ESLint", "8.57.0"),
        Category::Sast,
        Severity::Low,
        "Unsafe `innerHTML` <b>&</b> | \"quoted\" 'single'\nsecond line \u{1}",
        Location::Source {
            file: "src/my file ü.js".into(),
            start_line: Some(7),
            end_line: None,
            snippet: None,
        },
    );
    f.rule_id = Some("no-unsanitized/property".into());
    fp(f)
}

pub fn all_findings() -> Vec<Finding> {
    vec![
        sast_sql(),
        container_log4j(),
        container_openssl(),
        dependency_lodash(),
        dast_xss(),
        secret_aws(),
        misconfig_k8s(),
        unknown_suppressed(),
        weird_text(),
    ]
}

fn judged(finding: Finding, outcome: Outcome, source: &str) -> Judged {
    Judged {
        finding,
        outcome,
        source: Some(source.into()),
    }
}

/// A failing verdict with every outcome and two problems.
pub fn verdict() -> Verdict {
    let failed = |rule: &str| Outcome::Failed { rule: rule.into() };
    let passed = |reason: &str| Outcome::Passed {
        reason: reason.into(),
    };
    let findings = vec![
        judged(sast_sql(), failed("fail_on: high"), "gl-sast-report.json"),
        judged(container_log4j(), failed("fail_on: high"), "trivy.json"),
        judged(
            container_openssl(),
            Outcome::Exempted {
                exception: "CVE-2019-1549".into(),
                reason: "not reachable: we never fork after init (SEC-12)".into(),
            },
            "trivy.json",
        ),
        judged(
            dependency_lodash(),
            Outcome::Existing,
            "gl-dependency-scanning-report.json",
        ),
        judged(
            dast_xss(),
            failed("budget: medium (allowed 0, found 1)"),
            "zap.json",
        ),
        judged(secret_aws(), failed("fail_on: high"), "gitleaks.json"),
        judged(misconfig_k8s(), passed("below fail_on: high"), "trivy.json"),
        judged(
            unknown_suppressed(),
            passed("suppressed by the scanner"),
            "custom.sarif",
        ),
        judged(weird_text(), passed("below fail_on: high"), "eslint.sarif"),
    ];
    let mut scanners: Vec<Scanner> = findings
        .iter()
        .map(|j| (*j.finding.scanner).clone())
        .collect();
    scanners.sort_by(|a, b| a.id.cmp(&b.id));
    scanners.dedup_by(|a, b| a.id == b.id);
    let mut categories: Vec<Category> = findings
        .iter()
        .map(|j| j.finding.category.clone())
        .collect();
    categories.sort();
    categories.dedup();
    Verdict {
        passed: false,
        policy: ".secgate.yml".into(),
        findings,
        problems: vec![
            GateProblem {
                code: "missing_scanner".into(),
                message:
                    "required scanner `sast` did not report: add its report to the job's artifacts"
                        .into(),
                blocking: true,
            },
            GateProblem {
                code: "expiring_exception".into(),
                message: "exception `CVE-2019-1549` expires on 2026-01-09 (in 7 days)".into(),
                blocking: false,
            },
        ],
        scanners,
        categories,
        failed_categories: vec![],
    }
}

/// A passing verdict with nothing to report.
pub fn empty_verdict() -> Verdict {
    Verdict {
        passed: true,
        policy: "(default policy)".into(),
        findings: vec![],
        problems: vec![],
        scanners: vec![scanner("Trivy", "0.50.1")],
        categories: vec![Category::ContainerScanning],
        failed_categories: vec![],
    }
}

/// The shared corpus, or None (with a note) when it is absent and
/// `SECGATE_CORPUS` is unset. Panics when `SECGATE_CORPUS` names a missing folder.
pub fn corpus_dir() -> Option<PathBuf> {
    match std::env::var_os("SECGATE_CORPUS") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_dir(),
                "SECGATE_CORPUS is set to {} but that folder does not exist",
                p.display()
            );
            Some(p)
        }
        None => {
            let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
            if p.is_dir() {
                Some(p)
            } else {
                eprintln!(
                    "corpus not found at {} and SECGATE_CORPUS unset: skipped",
                    p.display()
                );
                None
            }
        }
    }
}
