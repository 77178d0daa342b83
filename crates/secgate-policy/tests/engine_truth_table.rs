//! Truth tables of the engine: every rule and exception kind, and combinations.

use secgate_core::{
    fingerprint, Category, Confidence, Finding, Fix, FixStatus, Format, Identifier, Location,
    Package, Report, ScanStatus, Scanner, Severity,
};
use secgate_policy::engine::{codes, evaluate, EvalOptions};
use secgate_policy::policy::{Date, Policy};
use secgate_policy::{Baseline, Outcome, Verdict};

fn today() -> Date {
    "2026-06-01".parse().unwrap()
}

fn opts() -> EvalOptions<'static> {
    EvalOptions {
        today: today(),
        baseline: None,
        fail_on: None,
        project_dir: None,
    }
}

fn policy(yaml: &str) -> Policy {
    match Policy::parse(yaml, "test.yml") {
        Ok(p) => p,
        Err(e) => panic!(
            "{:#?}",
            e.diagnostics
                .iter()
                .map(|d| d.one_line())
                .collect::<Vec<_>>()
        ),
    }
}

fn container(
    cve: &str,
    sev: Severity,
    pkg: &str,
    fixed: Option<&str>,
    status: Option<FixStatus>,
) -> Finding {
    let mut f = Finding::new(
        Scanner::named("Trivy"),
        Category::ContainerScanning,
        sev,
        format!("{cve} in {pkg}"),
        Location::Container {
            image: "registry.example.com/app:1.0 (alpine 3.19.1)".into(),
            operating_system: None,
            package: Package {
                name: pkg.into(),
                version: Some("1.0".into()),
                purl: Some(format!("pkg:apk/alpine/{pkg}@1.0?arch=x86_64")),
            },
        },
    );
    f.add_identifier(cve.parse().unwrap());
    f.add_identifier(Identifier::Cwe(79));
    f.fix = Fix::from_fixed_version_list(fixed, status);
    f
}

fn sast(rule: &str, sev: Severity, file: &str, conf: Confidence) -> Finding {
    let mut f = Finding::new(
        Scanner::named("semgrep"),
        Category::Sast,
        sev,
        format!("{rule} finding"),
        Location::Source {
            file: file.into(),
            start_line: Some(3),
            end_line: None,
            snippet: Some(format!("code {rule}")),
        },
    );
    f.rule_id = Some(rule.into());
    f.add_identifier(Identifier::from_scheme("semgrep_id", rule));
    f.confidence = conf;
    f
}

fn report(format: Format, source: &str, mut findings: Vec<Finding>) -> Report {
    fingerprint::assign(&mut findings);
    let mut r = Report::new(format);
    r.source = Some(source.into());
    r.scanners = findings.iter().map(|f| (*f.scanner).clone()).collect();
    r.scanners.dedup();
    r.findings = findings;
    r
}

fn run(p: &str, findings: Vec<Finding>) -> Verdict {
    evaluate(
        &policy(p),
        vec![report(Format::TrivyJson, "r.json", findings)],
        &opts(),
    )
}

fn outcome_of<'a>(v: &'a Verdict, title: &str) -> &'a Outcome {
    &v.findings
        .iter()
        .find(|j| j.finding.title == title)
        .unwrap_or_else(|| panic!("{title} not in verdict"))
        .outcome
}

fn kind(o: &Outcome) -> &'static str {
    match o {
        Outcome::Failed { .. } => "failed",
        Outcome::Passed { .. } => "passed",
        Outcome::Exempted { .. } => "exempted",
        Outcome::Existing => "existing",
    }
}

#[test]
fn thresholds_every_severity() {
    // (fail_on, severity, expected)
    let table = [
        ("high", Severity::Critical, "failed"),
        ("high", Severity::High, "failed"),
        ("high", Severity::Medium, "passed"),
        ("medium", Severity::Medium, "failed"),
        ("low", Severity::Low, "failed"),
        ("low", Severity::Info, "passed"),
        ("info", Severity::Info, "failed"),
        ("info", Severity::Unknown, "passed"),
        ("unknown", Severity::Unknown, "failed"),
        ("critical", Severity::High, "passed"),
        ("none", Severity::Critical, "passed"),
    ];
    for (fail_on, sev, want) in table {
        let v = run(
            &format!("fail_on: {fail_on}\n"),
            vec![container("CVE-2021-0001", sev, "a", Some("2"), None)],
        );
        assert_eq!(
            kind(&v.findings[0].outcome),
            want,
            "fail_on {fail_on}, severity {sev}"
        );
        assert_eq!(v.passed, want != "failed");
    }
    // Default policy: high.
    let v = evaluate(
        &Policy::default_policy(),
        vec![report(
            Format::TrivyJson,
            "r",
            vec![container("CVE-2021-0001", Severity::High, "a", None, None)],
        )],
        &opts(),
    );
    assert!(!v.passed);
    assert_eq!(
        v.findings[0].outcome,
        Outcome::Failed {
            rule: "fail_on: high (severity high)".into()
        }
    );
}

#[test]
fn cli_fail_on_replaces_the_global_threshold_only() {
    let p = policy("fail_on: low\ncategories:\n  sast: {fail_on: medium}\n");
    let r = report(
        Format::TrivyJson,
        "r",
        vec![container("CVE-2021-0001", Severity::High, "a", None, None)],
    );
    let s = report(
        Format::Sarif,
        "s",
        vec![sast("r1", Severity::Medium, "a.py", Confidence::High)],
    );
    let o = EvalOptions {
        fail_on: Some(secgate_policy::policy::Threshold::AtLeast(
            Severity::Critical,
        )),
        ..opts()
    };
    let v = evaluate(&p, vec![r, s], &o);
    assert_eq!(kind(outcome_of(&v, "CVE-2021-0001 in a")), "passed");
    assert_eq!(
        outcome_of(&v, "r1 finding"),
        &Outcome::Failed {
            rule: "categories.sast.fail_on: medium (severity medium)".into()
        }
    );
}

#[test]
fn budgets_allow_n_and_fail_all_when_exceeded() {
    let mk = |n: usize| {
        (0..n)
            .map(|i| {
                container(
                    &format!("CVE-2021-{:04}", 1000 + i),
                    Severity::Medium,
                    "a",
                    Some("2"),
                    None,
                )
            })
            .collect::<Vec<_>>()
    };
    // Budget below the threshold tightens: 3 allowed.
    for (n, want_pass) in [(0, true), (2, true), (3, true), (4, false)] {
        let v = run("fail_on: high\nbudgets: {medium: 3}\n", mk(n));
        assert_eq!(v.passed, want_pass, "{n} mediums");
        if n == 4 {
            assert!(v.findings.iter().all(|j| j.outcome
                == Outcome::Failed {
                    rule: "budgets.medium: allowed 3, found 4".into()
                }));
        }
        if n == 3 {
            assert_eq!(
                v.findings[0].outcome,
                Outcome::Passed {
                    reason: "within budgets.medium: 3 of 3 allowed".into()
                }
            );
        }
    }
    // Budget at or above the threshold relaxes: 1 high allowed.
    let v = run(
        "fail_on: medium\nbudgets: {high: 1}\n",
        vec![container("CVE-2021-0001", Severity::High, "a", None, None)],
    );
    assert!(v.passed);
    // Budget 0 means none allowed, even with fail_on: none.
    let v = run(
        "fail_on: none\nbudgets: {low: 0}\n",
        vec![container("CVE-2021-0001", Severity::Low, "a", None, None)],
    );
    assert!(!v.passed);
    // Scoped budgets count within their scope only.
    let p = "budgets: {medium: 1}\nscanners:\n  semgrep: {budgets: {medium: 5}}\n";
    let v = evaluate(
        &policy(p),
        vec![
            report(
                Format::TrivyJson,
                "t",
                vec![container(
                    "CVE-2021-0001",
                    Severity::Medium,
                    "a",
                    None,
                    None,
                )],
            ),
            report(
                Format::Sarif,
                "s",
                (0..3)
                    .map(|i| sast(&format!("r{i}"), Severity::Medium, "a.py", Confidence::High))
                    .collect(),
            ),
        ],
        &opts(),
    );
    assert!(v.passed, "{:#?}", v.findings);
    assert_eq!(
        outcome_of(&v, "r0 finding"),
        &Outcome::Passed {
            reason: "within scanners.semgrep.budgets.medium: 3 of 5 allowed".into()
        }
    );
}

#[test]
fn overrides_scanner_beats_category_beats_global() {
    let p = "fail_on: critical\ncategories:\n  sast: {fail_on: low}\nscanners:\n  semgrep: {fail_on: high}\n";
    let v = run(
        p,
        vec![sast("r1", Severity::Medium, "a.py", Confidence::High)],
    );
    assert_eq!(
        kind(&v.findings[0].outcome),
        "passed",
        "scanner override (high) wins over category (low)"
    );
    let p = "fail_on: critical\ncategories:\n  sast: {fail_on: low}\n";
    let v = run(
        p,
        vec![sast("r1", Severity::Medium, "a.py", Confidence::High)],
    );
    assert_eq!(
        v.findings[0].outcome,
        Outcome::Failed {
            rule: "categories.sast.fail_on: low (severity medium)".into()
        }
    );
    let p = "fail_on: low\ncategories:\n  container_scanning: {fail_on: critical}\n";
    let v = run(
        p,
        vec![container("CVE-2021-0001", Severity::High, "a", None, None)],
    );
    assert!(v.passed);
}

#[test]
fn ignore_unfixed_uses_fixed_versions_and_status() {
    // (fixed version, status, ignore_unfixed, expected)
    let table = [
        // The report says nothing about fixes: not known to be unfixed, judged.
        (None, None, true, "failed"),
        (None, Some(FixStatus::Unknown), true, "failed"),
        (None, Some(FixStatus::UnderInvestigation), true, "failed"),
        (None, Some(FixStatus::Affected), true, "passed"),
        (None, Some(FixStatus::FixDeferred), true, "passed"),
        (None, Some(FixStatus::EndOfLife), true, "passed"),
        (None, Some(FixStatus::WillNotFix), true, "passed"),
        (None, Some(FixStatus::Fixed), true, "failed"),
        (Some("1.2"), None, true, "failed"),
        (Some("1.2"), Some(FixStatus::Fixed), true, "failed"),
        (None, None, false, "failed"),
        (None, Some(FixStatus::Affected), false, "failed"),
    ];
    for (fixed, status, ignore, want) in table {
        let v = run(
            &format!("ignore_unfixed: {ignore}\n"),
            vec![container(
                "CVE-2021-0001",
                Severity::Critical,
                "a",
                fixed,
                status,
            )],
        );
        assert_eq!(
            kind(&v.findings[0].outcome),
            want,
            "{fixed:?} {status:?} {ignore}"
        );
    }
    // Findings without a package are not affected by ignore_unfixed.
    let v = run(
        "ignore_unfixed: true\n",
        vec![sast("r1", Severity::High, "a.py", Confidence::High)],
    );
    assert!(!v.passed);
}

#[test]
fn min_confidence_never_drops_unknown() {
    let table = [
        (Confidence::Low, "medium", "passed"),
        (Confidence::Ignore, "low", "passed"),
        (Confidence::Experimental, "low", "passed"),
        (Confidence::Medium, "medium", "failed"),
        (Confidence::Confirmed, "high", "failed"),
        (Confidence::Unknown, "high", "failed"),
    ];
    for (conf, min, want) in table {
        let v = run(
            &format!("min_confidence: {min}\n"),
            vec![sast("r1", Severity::High, "a.py", conf)],
        );
        assert_eq!(kind(&v.findings[0].outcome), want, "{conf} vs {min}");
    }
}

#[test]
fn suppressed_findings_ignore_or_judge() {
    let mut f = container("CVE-2021-0001", Severity::Critical, "a", None, None);
    f.suppressed = true;
    let v = run("{}\n", vec![f.clone()]);
    assert!(v.passed);
    assert!(
        matches!(&v.findings[0].outcome, Outcome::Passed { reason } if reason.contains("suppressed"))
    );
    let v = run("suppressed_findings: judge\n", vec![f.clone()]);
    assert!(!v.passed);
    let v = run(
        "suppressed_findings: judge\nscanners:\n  trivy: {suppressed_findings: ignore}\n",
        vec![f],
    );
    assert!(v.passed);
}

#[test]
fn exceptions_by_every_matcher() {
    let f = || container("CVE-2021-44228", Severity::Critical, "log4j", None, None);
    let fp = {
        let r = report(Format::TrivyJson, "r", vec![f()]);
        r.findings[0].fingerprint.to_hex()
    };
    // (exception yaml, matches)
    let table: Vec<(String, bool)> = vec![
        ("id: CVE-2021-44228".into(), true),
        ("id: cve-2021-44228".into(), true),
        ("id: CVE-2021-44229".into(), false),
        ("id: CWE-79".into(), true),
        ("id: CWE-80".into(), false),
        (format!("fingerprint: {fp}"), true),
        (format!("fingerprint: {}", &fp[..12]), true),
        (format!("fingerprint: {}", "0".repeat(64)), false),
        ("id: CVE-2021-44228\n    package: log4j".into(), true),
        ("id: CVE-2021-44228\n    package: LOG4J".into(), true),
        ("id: CVE-2021-44228\n    package: other".into(), false),
        (
            "id: CVE-2021-44228\n    package: pkg:apk/alpine/log4j".into(),
            true,
        ),
        (
            "id: CVE-2021-44228\n    package: pkg:apk/alpine/log4j@1.0".into(),
            true,
        ),
        (
            "id: CVE-2021-44228\n    package: pkg:apk/alpine/log4j@2.0".into(),
            false,
        ),
        (
            "id: CVE-2021-44228\n    image: registry.example.com/app:*".into(),
            true,
        ),
        (
            "id: CVE-2021-44228\n    image: registry.example.com/app:1.0".into(),
            true,
        ),
        (
            "id: CVE-2021-44228\n    image: registry.example.com/other:*".into(),
            false,
        ),
        ("id: CVE-2021-44228\n    paths: ['**']".into(), false), // container findings have no file
        (format!("id: CWE-79\n    fingerprint: {fp}"), true),
        (format!("id: CWE-80\n    fingerprint: {fp}"), false),
    ];
    for (ex, want) in table {
        let yaml = format!("exceptions:\n  - {ex}\n    reason: accepted risk\n");
        let v = run(&yaml, vec![f()]);
        assert_eq!(kind(&v.findings[0].outcome) == "exempted", want, "{ex}");
        assert_eq!(v.passed, want, "{ex}");
        let stale = v.problems.iter().any(|p| p.code == codes::STALE_EXCEPTION);
        assert_eq!(stale, !want, "stale report for {ex}");
    }
}

#[test]
fn exceptions_by_rule_id_and_path() {
    let f = || {
        sast(
            "python.eval",
            Severity::High,
            "src/app/views.py",
            Confidence::High,
        )
    };
    let table = [
        ("id: python.eval", true),
        ("id: PYTHON.EVAL", true),
        ("id: semgrep_id:python.eval", true),
        ("id: python.exec", false),
        ("id: python.eval\n    paths: ['src/**']", true),
        ("id: python.eval\n    paths: ['src/*.py']", false),
        (
            "id: python.eval\n    paths: ['src/app/*.py', 'tests/**']",
            true,
        ),
        ("id: python.eval\n    paths: ['tests/**']", false),
        ("id: python.eval\n    package: django", false),
    ];
    for (ex, want) in table {
        let yaml = format!("exceptions:\n  - {ex}\n    reason: test code\n");
        let v = run(&yaml, vec![f()]);
        assert_eq!(kind(&v.findings[0].outcome) == "exempted", want, "{ex}");
    }
}

#[test]
fn exception_expiry_warning_and_staleness() {
    let f = || container("CVE-2021-44228", Severity::Critical, "log4j", None, None);
    // (expires, applies, expired problem, expiring problem)
    let table = [
        ("2026-05-31", false, true, false), // yesterday
        ("2026-06-01", true, false, true),  // today: still applies
        ("2026-06-15", true, false, true),  // 14 days left
        ("2026-06-16", true, false, false), // 15 days left
        ("2030-01-01", true, false, false),
    ];
    for (d, applies, expired, expiring) in table {
        let yaml = format!("exceptions:\n  - id: CVE-2021-44228\n    reason: r\n    owner: sec-team\n    ticket: SEC-1\n    expires: {d}\n");
        let v = run(&yaml, vec![f()]);
        assert_eq!(kind(&v.findings[0].outcome) == "exempted", applies, "{d}");
        assert_eq!(v.passed, applies, "{d}");
        assert_eq!(
            v.problems
                .iter()
                .any(|p| p.code == codes::EXPIRED_EXCEPTION),
            expired,
            "{d}"
        );
        assert_eq!(
            v.problems
                .iter()
                .any(|p| p.code == codes::EXPIRING_EXCEPTION),
            expiring,
            "{d}"
        );
        assert!(
            v.problems.iter().all(|p| !p.blocking),
            "exception problems are warnings"
        );
        if applies {
            let Outcome::Exempted { exception, reason } = &v.findings[0].outcome else {
                unreachable!()
            };
            assert_eq!(exception, "CVE-2021-44228");
            assert_eq!(
                reason,
                &format!("r [owner sec-team, ticket SEC-1, expires {d}]")
            );
        }
    }
    // warn_expiring_days is configurable.
    let v = run("warn_expiring_days: 30\nexceptions:\n  - id: CVE-2021-44228\n    reason: r\n    expires: 2026-06-20\n", vec![f()]);
    assert!(v
        .problems
        .iter()
        .any(|p| p.code == codes::EXPIRING_EXCEPTION));
    // An expired exception that still matches says how many findings it no longer covers.
    let v = run(
        "exceptions:\n  - id: CVE-2021-44228\n    reason: r\n    expires: 2020-01-01\n",
        vec![f()],
    );
    let p = v
        .problems
        .iter()
        .find(|p| p.code == codes::EXPIRED_EXCEPTION)
        .unwrap();
    assert!(p.message.contains("1 finding(s)"), "{}", p.message);
    assert!(p.message.contains("test.yml:2"), "{}", p.message);
    // The finding it no longer covers says why it fails (`--explain` shows the rule).
    match &v.findings[0].outcome {
        Outcome::Failed { rule } => assert!(
            rule.starts_with("fail_on: high")
                && rule.contains("exception `CVE-2021-44228` (test.yml:2) expired on 2020-01-01"),
            "{rule}"
        ),
        o => panic!("{o:?}"),
    }
}

#[test]
fn first_exception_in_file_order_wins_and_all_matching_are_used() {
    let yaml = "exceptions:\n  - id: CWE-79\n    reason: first\n  - id: CVE-2021-44228\n    reason: second\n";
    let v = run(
        yaml,
        vec![container(
            "CVE-2021-44228",
            Severity::Critical,
            "log4j",
            None,
            None,
        )],
    );
    assert_eq!(
        v.findings[0].outcome,
        Outcome::Exempted {
            exception: "CWE-79".into(),
            reason: "first".into()
        }
    );
    assert!(v.problems.iter().all(|p| p.code != codes::STALE_EXCEPTION));
}

#[test]
fn baseline_and_new_only() {
    let old = container("CVE-2021-0001", Severity::Critical, "a", None, None);
    let new = container("CVE-2021-0002", Severity::Critical, "b", None, None);
    let r = report(Format::TrivyJson, "r", vec![old.clone(), new.clone()]);
    let base = Baseline::from_fingerprints([r.findings[0].fingerprint], "test");
    let p = policy("new_only: true\n");
    let v = evaluate(
        &p,
        vec![r.clone()],
        &EvalOptions {
            baseline: Some(&base),
            ..opts()
        },
    );
    assert_eq!(outcome_of(&v, "CVE-2021-0001 in a"), &Outcome::Existing);
    assert!(outcome_of(&v, "CVE-2021-0002 in b").is_failure());
    // Without new_only the baseline is not used, and that is reported.
    let v = evaluate(
        &policy("{}"),
        vec![r.clone()],
        &EvalOptions {
            baseline: Some(&base),
            ..opts()
        },
    );
    assert!(v.findings.iter().all(|j| j.outcome.is_failure()));
    assert!(v
        .problems
        .iter()
        .any(|p| p.code == codes::BASELINE_UNUSED && !p.blocking));
    // new_only without a baseline: all new, warned.
    let v = evaluate(&p, vec![r], &opts());
    assert!(v.problems.iter().any(|p| p.code == codes::NO_BASELINE));
    // Only existing findings: passes.
    let only_old = report(Format::TrivyJson, "r", vec![old]);
    let v = evaluate(
        &p,
        vec![only_old],
        &EvalOptions {
            baseline: Some(&base),
            ..opts()
        },
    );
    assert!(v.passed);
}

#[test]
fn a_line_moving_does_not_make_a_finding_new() {
    let mut a = sast("python.eval", Severity::High, "a.py", Confidence::High);
    let base_report = report(Format::Sarif, "base", vec![a.clone()]);
    if let Location::Source { start_line, .. } = &mut a.location {
        *start_line = Some(300);
    }
    let base =
        Baseline::from_fingerprints(base_report.findings.iter().map(|f| f.fingerprint), "sarif");
    let v = evaluate(
        &policy("new_only: true\n"),
        vec![report(Format::Sarif, "head", vec![a])],
        &EvalOptions {
            baseline: Some(&base),
            ..opts()
        },
    );
    assert!(v.passed);
    assert_eq!(v.findings[0].outcome, Outcome::Existing);
}

#[test]
fn combinations_follow_the_documented_order() {
    let mut f = container(
        "CVE-2021-44228",
        Severity::Critical,
        "log4j",
        None,
        Some(FixStatus::Affected),
    );
    f.suppressed = true;
    f.confidence = Confidence::Low;
    let r = report(Format::TrivyJson, "r", vec![f]);
    let base = Baseline::from_fingerprints([r.findings[0].fingerprint], "t");
    let all = "new_only: true\nignore_unfixed: true\nmin_confidence: high\nexceptions:\n  - id: CVE-2021-44228\n    reason: e\n";
    let o = EvalOptions {
        baseline: Some(&base),
        ..opts()
    };
    // Exception first.
    let v = evaluate(&policy(all), vec![r.clone()], &o);
    assert_eq!(kind(&v.findings[0].outcome), "exempted");
    // Then suppressed.
    let no_ex = "new_only: true\nignore_unfixed: true\nmin_confidence: high\n";
    let v = evaluate(&policy(no_ex), vec![r.clone()], &o);
    assert!(
        matches!(&v.findings[0].outcome, Outcome::Passed { reason } if reason.contains("suppressed"))
    );
    // Then baseline.
    let judge = format!("suppressed_findings: judge\n{no_ex}");
    let v = evaluate(&policy(&judge), vec![r.clone()], &o);
    assert_eq!(v.findings[0].outcome, Outcome::Existing);
    // Then confidence.
    let v = evaluate(&policy(&judge), vec![r.clone()], &opts());
    assert!(
        matches!(&v.findings[0].outcome, Outcome::Passed { reason } if reason.contains("confidence"))
    );
    // Then unfixed.
    let v = evaluate(
        &policy("suppressed_findings: judge\nignore_unfixed: true\n"),
        vec![r.clone()],
        &opts(),
    );
    assert!(
        matches!(&v.findings[0].outcome, Outcome::Passed { reason } if reason.contains("no fix available, status affected"))
    );
    // An expired exception does not stop the later rules.
    let v = evaluate(&policy("suppressed_findings: judge\nexceptions:\n  - id: CVE-2021-44228\n    reason: e\n    expires: 2020-01-01\n"), vec![r], &opts());
    assert!(v.findings[0].outcome.is_failure());
}

fn empty_report(format: Format, source: &str, scanner: &str, category: Option<Category>) -> Report {
    let mut r = Report::new(format);
    r.source = Some(source.into());
    r.scanners = vec![Scanner::named(scanner)];
    r.category = category;
    r
}

#[test]
fn required_scanners_fail_closed() {
    let p = policy("require:\n  - category: sast\n  - scanner: trivy\n    allow_empty: true\n");
    let sast_report = report(
        Format::GitlabSecurity,
        "gl-sast-report.json",
        vec![sast("r1", Severity::Low, "a.py", Confidence::High)],
    );
    let trivy_empty = empty_report(Format::TrivyJson, "trivy.json", "Trivy", None);

    // Both present: pass.
    let v = evaluate(&p, vec![sast_report.clone(), trivy_empty.clone()], &opts());
    assert!(v.passed, "{:#?}", v.problems);
    // sast missing.
    let v = evaluate(&p, vec![trivy_empty.clone()], &opts());
    assert!(!v.passed);
    let prob = v
        .problems
        .iter()
        .find(|p| p.code == codes::MISSING_SCANNER)
        .unwrap();
    assert!(
        prob.blocking && prob.message.contains("category `sast`"),
        "{}",
        prob.message
    );
    // sast present but empty, without allow_empty: fails, naming the report.
    let sast_empty = empty_report(
        Format::GitlabSecurity,
        "gl-sast-report.json",
        "Semgrep",
        Some(Category::Sast),
    );
    let v = evaluate(&p, vec![sast_empty.clone(), trivy_empty.clone()], &opts());
    let prob = v
        .problems
        .iter()
        .find(|p| p.code == codes::EMPTY_REPORT)
        .unwrap();
    assert!(
        prob.message.contains("gl-sast-report.json") && prob.message.contains("allow_empty"),
        "{}",
        prob.message
    );
    assert!(!v.passed);
    // With allow_empty on the sast requirement: passes.
    let p2 = policy("require:\n  - category: sast\n    allow_empty: true\n");
    assert!(evaluate(&p2, vec![sast_empty], &opts()).passed);
    // A failed scan of the required scanner fails, and is reported twice: failed scan + requirement.
    let mut failed = trivy_empty.clone();
    failed.status = ScanStatus::Failed {
        reasons: vec!["database download failed".into()],
    };
    let v = evaluate(&p, vec![sast_report.clone(), failed], &opts());
    assert!(!v.passed);
    assert!(v
        .problems
        .iter()
        .any(|p| p.code == codes::FAILED_SCAN && p.message.contains("database download failed")));
    assert!(v
        .problems
        .iter()
        .any(|p| p.code == codes::MISSING_SCANNER && p.message.contains("scanner `trivy`")));
}

#[test]
fn a_failed_scan_fails_the_gate_even_with_no_requirement() {
    let mut r = empty_report(Format::Sarif, "x.sarif", "CodeQL", None);
    r.status = ScanStatus::Failed { reasons: vec![] };
    let v = evaluate(&Policy::default_policy(), vec![r], &opts());
    assert!(!v.passed);
    assert_eq!(v.problems[0].code, codes::FAILED_SCAN);
}

#[test]
fn no_reports_no_requirements_passes_but_lists_nothing() {
    let v = evaluate(&Policy::default_policy(), vec![], &opts());
    assert!(v.passed);
    assert!(v.findings.is_empty());
}

/// The engine works out the effective rules once per (scanner, category,
/// severity) and reuses them: findings of one report that differ in any of
/// the three must still each get their own rules and outcome text.
#[test]
fn mixed_scanners_categories_and_severities_each_get_their_own_rules() {
    let p = "fail_on: critical\ncategories:\n  sast: {fail_on: medium}\nscanners:\n  gosec: {fail_on: low}\n";
    let mut gosec = sast("g1", Severity::Low, "b.go", Confidence::High);
    gosec.scanner = std::sync::Arc::new(Scanner::named("gosec"));
    gosec.title = "gosec low".into();
    let mut findings = vec![
        sast("s1", Severity::Low, "a.py", Confidence::High),
        container("CVE-2021-0001", Severity::High, "a", None, None),
        sast("s2", Severity::Medium, "a.py", Confidence::High),
        gosec,
        container("CVE-2021-0002", Severity::Critical, "a", None, None),
        sast("s3", Severity::Low, "c.py", Confidence::High),
    ];
    // Interleave the same combinations again, so that reuse is exercised.
    findings.push(container("CVE-2021-0003", Severity::High, "b", None, None));
    let v = run(p, findings);
    let expect = [
        (
            "s1 finding",
            "passed",
            "severity low is below categories.sast.fail_on: medium",
        ),
        (
            "s3 finding",
            "passed",
            "severity low is below categories.sast.fail_on: medium",
        ),
        (
            "s2 finding",
            "failed",
            "categories.sast.fail_on: medium (severity medium)",
        ),
        (
            "gosec low",
            "failed",
            "scanners.gosec.fail_on: low (severity low)",
        ),
        (
            "CVE-2021-0002 in a",
            "failed",
            "fail_on: critical (severity critical)",
        ),
    ];
    for (title, want_kind, text) in expect {
        let o = outcome_of(&v, title);
        assert_eq!(kind(o), want_kind, "{title}");
        let got = match o {
            Outcome::Failed { rule } => rule.as_str(),
            Outcome::Passed { reason } => reason.as_str(),
            _ => "",
        };
        assert_eq!(got, text, "{title}");
    }
    let highs: Vec<&Outcome> = v
        .findings
        .iter()
        .filter(|j| j.finding.severity == Severity::High)
        .map(|j| &j.outcome)
        .collect();
    assert_eq!(highs.len(), 2);
    for o in highs {
        assert_eq!(
            o,
            &Outcome::Passed {
                reason: "severity high is below fail_on: critical".into()
            }
        );
    }
}

/// A finding of `scanner` (its display name), SAST, high.
fn by_scanner(scanner: &str, title: &str) -> Finding {
    let mut f = sast("r.x", Severity::Medium, "a.py", Confidence::High);
    f.scanner = Scanner::named(scanner).into();
    f.title = title.into();
    f
}

/// A `scanners:` key names a tool under every id its reports give it: its
/// family (`semgrep` for Semgrep OSS, `gemnasium` for gemnasium-maven) and
/// its aliases (`zap` for GitLab DAST's `zaproxy`); the exact id wins over a
/// family; a prefix that is not a family does not match.
#[test]
fn scanner_overrides_name_a_tool_under_its_ids() {
    let findings = || {
        vec![
            by_scanner("Semgrep OSS", "oss"),
            by_scanner("semgrep", "plain"),
            by_scanner("gemnasium-maven", "gem"),
            by_scanner("zaproxy", "zap"),
            by_scanner("Semgrepper", "other"),
        ]
    };
    let v = run(
        "fail_on: critical\nscanners:\n  semgrep: {fail_on: medium}\n  gemnasium: {fail_on: medium}\n  zap: {fail_on: medium}\n",
        findings(),
    );
    for (title, want) in [
        ("oss", "failed"),
        ("plain", "failed"),
        ("gem", "failed"),
        ("zap", "failed"),
        ("other", "passed"),
    ] {
        assert_eq!(kind(outcome_of(&v, title)), want, "{title}");
    }
    // The exact id wins over the family.
    let v = run(
        "fail_on: critical\nscanners:\n  semgrep: {fail_on: medium}\n  semgrep-oss: {fail_on: critical}\n",
        findings(),
    );
    assert_eq!(kind(outcome_of(&v, "oss")), "passed");
    assert_eq!(kind(outcome_of(&v, "plain")), "failed");
    // `require` the same way: zap is satisfied by zaproxy.
    let v = run(
        "require:\n  - scanner: zap\n  - scanner: semgrep\n",
        findings(),
    );
    assert!(
        !v.problems.iter().any(|p| p.code == codes::MISSING_SCANNER),
        "{:?}",
        v.problems
    );
}

/// An override a typo away from a scanner of the run is reported (it does
/// nothing); one for a scanner that simply did not run this time is not.
#[test]
fn a_misspelt_scanner_override_is_reported() {
    let v = run(
        "scanners:\n  semgerp: {fail_on: low}\n  trivy: {fail_on: low}\n",
        vec![by_scanner("semgrep", "plain")],
    );
    let unmatched: Vec<&str> = v
        .problems
        .iter()
        .filter(|p| p.code == codes::UNMATCHED_SCANNER_OVERRIDE)
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(unmatched[0].contains("semgerp") && unmatched[0].contains("`semgrep`"));
    assert!(
        !v.problems
            .iter()
            .find(|p| p.code == codes::UNMATCHED_SCANNER_OVERRIDE)
            .unwrap()
            .blocking
    );
}

/// Exception `paths` see a finding's path resolved (`tests/../src/a.py` is
/// not under `tests/`) and relative to the project directory (an absolute
/// `/builds/grp/proj/tests/a.py` is `tests/a.py`, as Code Quality writes it).
#[test]
fn exception_paths_are_resolved_and_relative_to_the_project() {
    let p = policy("exceptions:\n  - id: r.x\n    paths: [\"tests/**\"]\n    reason: test code\n");
    let at = |file: &str| {
        let mut f = sast("r.x", Severity::High, file, Confidence::High);
        f.title = file.into();
        f
    };
    let files = [
        "tests/a.py",
        "tests/../src/a.py",
        "/builds/grp/proj/tests/b.py",
        "/elsewhere/tests/c.py",
    ];
    let judge = |project_dir: Option<&str>| {
        let v = evaluate(
            &p,
            vec![report(
                Format::Sarif,
                "r.sarif",
                files.iter().map(|f| at(f)).collect(),
            )],
            &EvalOptions {
                project_dir,
                ..opts()
            },
        );
        files.map(|f| kind(outcome_of(&v, f)))
    };
    assert_eq!(
        judge(Some("/builds/grp/proj")),
        ["exempted", "failed", "exempted", "failed"]
    );
    assert_eq!(judge(None), ["exempted", "failed", "failed", "failed"]);
}
