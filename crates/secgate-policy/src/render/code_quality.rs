//! GitLab Code Quality JSON (the Free-tier merge request widget).
//!
//! One entry per judged finding that is not exempted (failed, passed and
//! existing: the widget compares with the target branch's artifact by
//! fingerprint and shows what is new), deduplicated by fingerprint; before
//! them, one `blocker` entry per blocking problem of the run (`secgate/<code>`,
//! on the policy file), which fails the gate with no failing finding.

use super::stream::write_array;
use super::{
    judged_in_order, one_line_cow, push_outcome_reason, push_stable_place, rule_key_cow,
    truncate_owned, Hex,
};
use crate::text::trim;
use crate::verdict::{Outcome, Verdict};
use secgate_core::fingerprint::{normalize_path, under_dir};
use secgate_core::{Finding, Location, Severity};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// GitLab's Code Quality severity for a severity: critical `blocker`, high
/// `critical`, medium `major`, low `minor`, info `info`; unknown `major`
/// (an unrated finding is not played down).
pub fn code_quality_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium | Severity::Unknown => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

/// The file used for findings that are not in a file of the project: the
/// pipeline definition, present in every GitLab project.
const PIPELINE_FILE: &str = ".gitlab-ci.yml";

/// Where a finding is placed in the Code Quality report: `(path, line)`, the
/// path relative to `project_dir` (GitLab drops entries without a path).
///
/// - source, secret: the file and line (line 1 when unknown);
/// - dependency: its manifest or lock file, line 1; `.gitlab-ci.yml` when unknown;
/// - container: `Dockerfile` (or `Containerfile`) when `project_dir` has one, else `.gitlab-ci.yml`, line 1;
/// - DAST, resource, none: `.gitlab-ci.yml`, line 1.
pub fn code_quality_path(f: &Finding, project_dir: Option<&Path>) -> (String, u32) {
    let line = f.location.line().filter(|l| *l >= 1).unwrap_or(1);
    let (path, line) = match &f.location {
        Location::Source { file, .. } | Location::Secret { file, .. } => {
            (relative(file, project_dir), line)
        }
        Location::Dependency {
            file: Some(file), ..
        } if !trim(file).is_empty() => (relative(file, project_dir), 1),
        Location::Container { .. } => (code_quality_container_path(project_dir).to_string(), 1),
        _ => (PIPELINE_FILE.to_string(), 1),
    };
    if path.is_empty() {
        // A report that names an empty file: still shown, on the pipeline file.
        (PIPELINE_FILE.to_string(), 1)
    } else {
        (path, line)
    }
}

fn code_quality_container_path(project_dir: Option<&Path>) -> &'static str {
    let found = project_dir.and_then(|d| {
        ["Dockerfile", "Containerfile"]
            .into_iter()
            .find(|n| d.join(n).is_file())
    });
    found.unwrap_or(PIPELINE_FILE)
}

fn relative(file: &str, project_dir: Option<&Path>) -> String {
    let file = trim(file);
    if let Some(dir) = project_dir {
        let d = dir.to_string_lossy().replace('\\', "/");
        let f = file.replace('\\', "/");
        if let Some(rest) = under_dir(&f, &d) {
            return normalize_path(rest);
        }
    }
    normalize_path(file)
}

fn description(f: &Finding, o: &Outcome) -> String {
    let title = one_line_cow(&f.title);
    let mut d = String::with_capacity(title.len() + 96);
    if let Some(id) = f.primary_id_cow().filter(|id| !title.contains(id.as_ref())) {
        d.push_str(&id);
        d.push_str(": ");
    }
    d.push_str(&title);
    match &f.location {
        Location::Source { .. } | Location::Secret { .. } => {}
        _ => {
            d.push_str(" (");
            push_stable_place(&mut d, f);
            d.push(')');
        }
    }
    if !f.fix.fixed_versions.is_empty() {
        d.push_str("; fixed in ");
        push_joined(&mut d, &f.fix.fixed_versions, ", ");
    }
    d.push_str(" [");
    push_outcome_reason(&mut d, o);
    d.push(']');
    truncate_owned(d, 4096)
}

/// Appends `items` joined by `sep` to `s`.
fn push_joined(s: &mut String, items: &[String], sep: &str) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(x);
    }
}

/// One Code Quality entry; fields in the order of the keys (as a
/// `serde_json::Map` sorts them).
#[derive(Serialize)]
struct Entry<'a> {
    categories: [&'static str; 1],
    check_name: Cow<'a, str>,
    description: String,
    engine_name: &'a str,
    fingerprint: Fp,
    location: EntryLocation<'a>,
    severity: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
}

/// A fingerprint held by value (it is 32 bytes), written as [`Hex`] writes it.
struct Fp(secgate_core::Fingerprint);

impl Serialize for Fp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Hex(&self.0).serialize(s)
    }
}

#[derive(Serialize)]
struct EntryLocation<'a> {
    lines: Lines,
    path: Cow<'a, str>,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// The GitLab Code Quality report of a verdict (a JSON array), for
/// `artifacts:reports:codequality`. Paths are relative to `project_dir`
/// (`CI_PROJECT_DIR`); see [`code_quality_path`] for findings not in a file.
pub fn code_quality(v: &Verdict, project_dir: Option<&Path>) -> Value {
    // The entries always serialise (plain data, string keys).
    Value::Array(
        entries(v, project_dir)
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect(),
    )
}

/// Writes [`code_quality`] to `w` (compact JSON), one entry at a time.
pub fn write_code_quality<W: Write>(
    w: W,
    v: &Verdict,
    project_dir: Option<&Path>,
) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(super::stream::BUF, w);
    write_array(&mut w, entries(v, project_dir))?;
    w.flush()
}

fn entries<'a>(
    v: &'a Verdict,
    project_dir: Option<&'a Path>,
) -> impl Iterator<Item = Entry<'a>> + 'a {
    // Whether the project has a Dockerfile is looked up once.
    let container_path = code_quality_container_path(project_dir);
    // A blocking problem (a missing or failed scanner) fails the gate with no
    // failing finding: it is an entry too, or the widget would show nothing
    // wrong. On the policy file when there is one, else the pipeline file.
    let policy_path = if v.policy.is_empty() || v.policy.starts_with('(') {
        PIPELINE_FILE.to_string()
    } else {
        relative(&v.policy, project_dir)
    };
    let problems = v
        .problems
        .iter()
        .filter(|p| p.blocking)
        .map(move |p| Entry {
            categories: ["Security"],
            check_name: Cow::Owned(format!("secgate/{}", p.code)),
            description: truncate_owned(one_line_cow(&p.message).into_owned(), 4096),
            engine_name: "secgate",
            fingerprint: Fp(secgate_core::Fingerprint::of_parts([
                "secgate-problem",
                p.code.as_str(),
                p.message.as_str(),
            ])),
            location: EntryLocation {
                lines: Lines { begin: 1 },
                path: Cow::Owned(policy_path.clone()),
            },
            severity: "blocker",
            ty: "issue",
        });
    let mut seen = HashSet::new();
    let findings = judged_in_order(&v.findings)
        .into_iter()
        .filter(|j| !matches!(j.outcome, Outcome::Exempted { .. }))
        .filter(move |j| seen.insert(j.finding.fingerprint))
        .map(move |j| {
            let f = &j.finding;
            let (path, line) = match &f.location {
                Location::Container { .. } => (Cow::Borrowed(container_path), 1),
                _ => {
                    let (p, l) = code_quality_path(f, project_dir);
                    (Cow::Owned(p), l)
                }
            };
            Entry {
                categories: ["Security"],
                check_name: rule_key_cow(f),
                description: description(f, &j.outcome),
                engine_name: &f.scanner.id,
                fingerprint: Fp(f.fingerprint),
                location: EntryLocation {
                    lines: Lines { begin: line },
                    path,
                },
                severity: code_quality_severity(f.severity),
                ty: "issue",
            }
        });
    problems.collect::<Vec<_>>().into_iter().chain(findings)
}
