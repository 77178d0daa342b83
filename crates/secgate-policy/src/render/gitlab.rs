//! GitLab security reports (schema 15.2.1), one per category.
//!
//! Each report validates against the official 15.2.1 schema of its category.
//! GitLab has a schema (and an `artifacts:reports` keyword) for five kinds of
//! report; secgate's other categories go into the nearest one (see
//! [`gitlab_report_kind`]).

use super::stream::ObjectWriter;
use super::time::Timestamp;
use super::{
    maybe_rank, one_line, rule_key, safe_description, sort_findings, truncate, TOOL_NAME, TOOL_URI,
    TOOL_VERSION,
};
use crate::verdict::{Outcome, Verdict};
use secgate_core::fingerprint::normalize_path;
use secgate_core::{Category, Finding, Fingerprint, Identifier, Location, Scanner};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The schema version every rendered GitLab report declares.
pub const GITLAB_SCHEMA_VERSION: &str = "15.2.1";

/// The commit GitLab's own secret detection writes when a scan did not read git history.
const NO_COMMIT: &str = "0000000";

/// The GitLab report a category's findings go into: `sast`, `dast`,
/// `dependency_scanning`, `container_scanning`, `secret_detection` and
/// `api_fuzzing` (DAST schema) go into their own; misconfiguration
/// (infrastructure as code, as GitLab's IaC scanning does), coverage fuzzing and
/// any other category into `sast`; licence findings into `dependency_scanning`.
pub fn gitlab_report_kind(category: &Category) -> Category {
    match category {
        Category::Dast => Category::Dast,
        Category::ApiFuzzing => Category::ApiFuzzing,
        Category::DependencyScanning | Category::License => Category::DependencyScanning,
        Category::ContainerScanning => Category::ContainerScanning,
        Category::SecretDetection => Category::SecretDetection,
        Category::Sast
        | Category::Misconfiguration
        | Category::CoverageFuzzing
        | Category::Other(_) => Category::Sast,
    }
}

/// GitLab's artifact file name for a report kind: `gl-sast-report.json`,
/// `gl-dast-report.json`, `gl-dependency-scanning-report.json`,
/// `gl-container-scanning-report.json`, `gl-secret-detection-report.json`,
/// `gl-api-fuzzing-report.json`.
pub fn gitlab_report_file_name(category: &Category) -> String {
    let kind = gitlab_report_kind(category);
    format!("gl-{}-report.json", kind.as_str().replace('_', "-"))
}

fn schema_name(kind: &Category) -> &'static str {
    match kind {
        Category::Dast | Category::ApiFuzzing => "dast",
        Category::DependencyScanning => "dependency-scanning",
        Category::ContainerScanning => "container-scanning",
        Category::SecretDetection => "secret-detection",
        _ => "sast",
    }
}

/// A UUID-shaped id from a fingerprint: the first 16 bytes of the SHA-256, with
/// the version (8, custom) and variant bits set. Stable: the same finding has the
/// same id in every run.
///
/// ```
/// use secgate_core::Fingerprint;
/// let id = secgate_policy::render::vulnerability_uuid(&Fingerprint([0xab; 32]));
/// assert_eq!(id, "abababab-abab-8bab-abab-abababababab");
/// ```
pub fn vulnerability_uuid(fp: &Fingerprint) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&fp.0[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// One GitLab security report (schema 15.2.1) of the report kind of `category`
/// (see [`gitlab_report_kind`]), holding `findings` (deduplicated by
/// fingerprint, most severe first). `scanners` name the tools that ran; when
/// they (or the findings) name exactly one, it is `scan.scanner`, otherwise a
/// merged scanner listing them. The time is now ([`Timestamp::now`]).
pub fn gitlab_security_report(
    category: &Category,
    findings: &[Finding],
    scanners: &[Scanner],
) -> Value {
    gitlab_security_report_at(category, findings, scanners, Timestamp::now())
}

/// [`gitlab_security_report`] at a given time (`scan.start_time` and `scan.end_time`).
pub fn gitlab_security_report_at(
    category: &Category,
    findings: &[Finding],
    scanners: &[Scanner],
    now: Timestamp,
) -> Value {
    let refs: Vec<(&Finding, Option<&Outcome>)> = findings.iter().map(|f| (f, None)).collect();
    render(category, &refs, scanners, now)
}

/// Every GitLab security report of a verdict, one per report kind present
/// (a category that reported with zero findings still gets its report, so
/// that GitLab marks earlier vulnerabilities as no longer detected). Exempted
/// findings are left out (accepted by the policy, as Trivy's ignore file
/// does); failed, passed and existing ones are in. Sorted by kind.
pub fn gitlab_security_reports(v: &Verdict) -> Vec<(Category, Value)> {
    gitlab_security_reports_at(v, Timestamp::now())
}

/// [`gitlab_security_reports`] at a given time.
pub fn gitlab_security_reports_at(v: &Verdict, now: Timestamp) -> Vec<(Category, Value)> {
    verdict_kinds(v)
        .into_iter()
        .map(|(kind, items, scanners)| {
            let value = render(&kind, &items, &scanners, now);
            (kind, value)
        })
        .collect()
}

/// One report, ready to be built as a value or written item by item.
struct Prepared<'a> {
    kind: Category,
    items: Vec<(&'a Finding, Option<&'a Outcome>)>,
    schema: String,
    scan: Value,
}

fn prepare<'a>(
    category: &Category,
    items: &[(&'a Finding, Option<&'a Outcome>)],
    scanners: &[Scanner],
    now: Timestamp,
) -> Prepared<'a> {
    let kind = gitlab_report_kind(category);
    let mut sorted: Vec<(&Finding, Option<&Outcome>)> = items.to_vec();
    sort_findings(&mut sorted, |x| x.0, |x| maybe_rank(x.1));
    let mut seen = HashSet::new();
    sorted.retain(|(f, _)| seen.insert(f.fingerprint));

    let mut all_scanners: BTreeMap<&str, &Scanner> = BTreeMap::new();
    for s in scanners {
        all_scanners.entry(s.id.as_str()).or_insert(s);
    }
    for (f, _) in &sorted {
        all_scanners
            .entry(f.scanner.id.as_str())
            .or_insert(&f.scanner);
    }
    let scanner = scan_scanner(all_scanners.into_values().collect());

    let time = now.gitlab();
    let scan_type = match kind {
        Category::ApiFuzzing => "api_fuzzing",
        _ => kind.as_str(),
    };
    let mut scan = json!({
        "analyzer": {
            "id": TOOL_NAME,
            "name": TOOL_NAME,
            "url": TOOL_URI,
            "vendor": {"name": TOOL_NAME},
            "version": TOOL_VERSION,
        },
        "scanner": scanner,
        "type": scan_type,
        "start_time": time,
        "end_time": time,
        "status": "success",
    });
    if matches!(kind, Category::Dast | Category::ApiFuzzing) {
        scan["scanned_resources"] = Value::Array(scanned_resources(&sorted));
    }
    let schema = format!(
        "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{GITLAB_SCHEMA_VERSION}/dist/{}-report-format.json",
        schema_name(&kind)
    );
    Prepared {
        kind,
        items: sorted,
        schema,
        scan,
    }
}

impl Prepared<'_> {
    fn vulnerabilities(&self) -> impl Iterator<Item = Value> + '_ {
        self.items
            .iter()
            .map(|(f, o)| vulnerability(&self.kind, f, *o))
    }

    fn to_value(&self) -> Value {
        json!({
            "version": GITLAB_SCHEMA_VERSION,
            "schema": self.schema,
            "scan": self.scan,
            "vulnerabilities": self.vulnerabilities().collect::<Vec<Value>>(),
        })
    }

    fn write<W: Write>(&self, w: W) -> io::Result<()> {
        let mut w = BufWriter::with_capacity(super::stream::BUF, w);
        let mut o = ObjectWriter::begin(&mut w)?;
        o.field("version", GITLAB_SCHEMA_VERSION)?;
        o.field("schema", &self.schema)?;
        o.field("scan", &self.scan)?;
        o.array("vulnerabilities", self.vulnerabilities())?;
        o.end()?;
        w.flush()
    }
}

fn render(
    category: &Category,
    items: &[(&Finding, Option<&Outcome>)],
    scanners: &[Scanner],
    now: Timestamp,
) -> Value {
    prepare(category, items, scanners, now).to_value()
}

/// Writes [`gitlab_security_report_at`] to `w` (compact JSON), one
/// vulnerability at a time: for big reports, much faster and smaller in
/// memory than building the value.
pub fn write_gitlab_security_report<W: Write>(
    w: W,
    category: &Category,
    findings: &[Finding],
    scanners: &[Scanner],
    now: Timestamp,
) -> io::Result<()> {
    let refs: Vec<(&Finding, Option<&Outcome>)> = findings.iter().map(|f| (f, None)).collect();
    prepare(category, &refs, scanners, now).write(w)
}

/// A finding to render and, from a verdict, its outcome.
type Item<'a> = (&'a Finding, Option<&'a Outcome>);

/// The kinds, findings and scanners of a verdict's GitLab reports.
fn verdict_kinds(v: &Verdict) -> Vec<(Category, Vec<Item<'_>>, Vec<Scanner>)> {
    let mut kinds: BTreeMap<Category, Vec<(&Finding, Option<&Outcome>)>> = BTreeMap::new();
    for c in &v.categories {
        kinds.entry(gitlab_report_kind(c)).or_default();
    }
    for j in &v.findings {
        let entry = kinds
            .entry(gitlab_report_kind(&j.finding.category))
            .or_default();
        if !matches!(j.outcome, Outcome::Exempted { .. }) {
            entry.push((&j.finding, Some(&j.outcome)));
        }
    }
    kinds
        .into_iter()
        .map(|(kind, items)| {
            // The scanners of this kind: those of its findings, else (no findings)
            // the verdict's scanners when there is exactly one.
            let scanners = if items.is_empty() && v.scanners.len() == 1 {
                v.scanners.clone()
            } else {
                Vec::new()
            };
            (kind, items, scanners)
        })
        .collect()
}

/// Writes every GitLab security report of a verdict ([`gitlab_security_reports_at`])
/// into `dir` (created if missing), each under GitLab's artifact name
/// ([`gitlab_report_file_name`]), one vulnerability at a time. Returns the
/// paths written, sorted by kind.
pub fn write_gitlab_security_reports(
    v: &Verdict,
    now: Timestamp,
    dir: &Path,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (kind, items, scanners) in verdict_kinds(v) {
        let path = dir.join(gitlab_report_file_name(&kind));
        let at = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let file = std::fs::File::create(&path).map_err(at)?;
        prepare(&kind, &items, &scanners, now)
            .write(file)
            .map_err(at)?;
        written.push(path);
    }
    Ok(written)
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn scan_scanner(scanners: Vec<&Scanner>) -> Value {
    if let [s] = scanners.as_slice() {
        let name = nonempty(Some(&s.name)).unwrap_or(&s.id);
        let id = nonempty(Some(&s.id)).unwrap_or("unknown");
        return json!({
            "id": id,
            "name": name,
            "version": nonempty(s.version.as_deref()).unwrap_or("unknown"),
            "vendor": {"name": nonempty(s.vendor.as_deref()).unwrap_or(name)},
        });
    }
    let names: Vec<&str> = scanners.iter().map(|s| s.id.as_str()).collect();
    let name = if names.is_empty() {
        "secgate".to_string()
    } else {
        format!("secgate (merged: {})", names.join(", "))
    };
    json!({
        "id": "secgate-merged",
        "name": name,
        "version": TOOL_VERSION,
        "vendor": {"name": TOOL_NAME},
    })
}

fn scanned_resources(items: &[(&Finding, Option<&Outcome>)]) -> Vec<Value> {
    let mut set = BTreeSet::new();
    for (f, _) in items {
        if let Location::Dast { url, method, .. } = &f.location {
            if !url.trim().is_empty() {
                let m = nonempty(method.as_deref())
                    .unwrap_or("GET")
                    .to_ascii_uppercase();
                set.insert((m, url.trim().to_string()));
            }
        }
    }
    set.into_iter()
        .map(|(method, url)| json!({"method": method, "url": url, "type": "url"}))
        .collect()
}

fn is_link(url: &str) -> bool {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("ftp://"))
        && u.len() > lower.find("://").unwrap_or(0) + 3
}

fn identifier(id: &Identifier) -> Option<Value> {
    let (ty, name, value) = match id {
        Identifier::Cve(c) => ("cve".to_string(), c.clone(), c.clone()),
        Identifier::Cwe(n) => ("cwe".to_string(), format!("CWE-{n}"), n.to_string()),
        Identifier::Ghsa(g) => ("ghsa".to_string(), g.clone(), g.clone()),
        Identifier::Owasp(o) => ("owasp".to_string(), format!("OWASP {o}"), o.clone()),
        Identifier::Other { scheme, value } => {
            let v = one_line(value);
            (one_line(scheme), v.clone(), v)
        }
    };
    if ty.is_empty() || value.is_empty() {
        return None;
    }
    let mut o = json!({"type": ty, "name": name, "value": value});
    if let Some(url) = id.url().filter(|u| is_link(u)) {
        o["url"] = Value::String(url);
    }
    Some(o)
}

fn identifiers(f: &Finding) -> Vec<Value> {
    let mut out: Vec<Value> = f.identifiers.iter().filter_map(identifier).collect();
    let rule = f.rule_id.as_deref().map(one_line).filter(|r| !r.is_empty());
    if let Some(rule) = rule {
        if !f
            .identifiers
            .iter()
            .any(|i| i.value().eq_ignore_ascii_case(&rule))
        {
            out.push(json!({
                "type": format!("{}_rule_id", f.scanner.id),
                "name": rule,
                "value": rule,
            }));
        }
    }
    if out.is_empty() {
        // Schema: at least one identifier. The rule key (here the title) names
        // what was found; the value is the secgate fingerprint, stable.
        out.push(json!({
            "type": "secgate_fingerprint",
            "name": truncate(&rule_key(f), 255),
            "value": f.fingerprint.to_hex(),
        }));
    }
    out
}

fn text_detail(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "type": "text", "value": value.into()})
}

fn details(f: &Finding, outcome: Option<&Outcome>) -> Value {
    let mut items = Map::new();
    items.insert(
        "secgate_fingerprint".into(),
        text_detail("secgate fingerprint", f.fingerprint.to_hex()),
    );
    let mut scanner = f.scanner.name.clone();
    if let Some(v) = nonempty(f.scanner.version.as_deref()) {
        scanner.push(' ');
        scanner.push_str(v);
    }
    items.insert("scanner".into(), text_detail("Scanner", scanner));
    items.insert(
        "confidence".into(),
        text_detail("Confidence", f.confidence.gitlab_name()),
    );
    if !f.fix.fixed_versions.is_empty() {
        items.insert(
            "fixed_versions".into(),
            text_detail("Fixed versions", f.fix.fixed_versions.join(", ")),
        );
    }
    if let Some(status) = f.fix.status {
        items.insert(
            "fix_status".into(),
            text_detail("Fix status", status.as_str()),
        );
    }
    if let Location::Resource { kind, name } = &f.location {
        let r = match kind {
            Some(k) => format!("{k} {name}"),
            None => name.clone(),
        };
        items.insert("resource".into(), text_detail("Resource", r));
    }
    if let Some(o) = outcome {
        items.insert(
            "secgate_outcome".into(),
            text_detail("secgate verdict", super::outcome_reason(o)),
        );
    }
    // The 15.x schema's `details` is the items object of a named list itself.
    Value::Object(items)
}

fn dast_parts(url: &str) -> (String, String) {
    let u = url.trim();
    if let Some(pos) = u.find("://") {
        let rest = &u[pos + 3..];
        let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host = &u[..pos + 3 + cut];
        let path = &rest[cut..];
        let path = if path.is_empty() { "/" } else { path };
        (host.to_string(), path.to_string())
    } else {
        (String::new(), u.to_string())
    }
}

fn location(kind: &Category, f: &Finding) -> Value {
    let mut o = Map::new();
    let file = f.location.file().map(normalize_path);
    let line = f.location.line();
    let end_line = match &f.location {
        Location::Source { end_line, .. } => *end_line,
        _ => None,
    };
    let package = f.location.package();
    match kind {
        Category::Dast | Category::ApiFuzzing => {
            if let Location::Dast { url, method, param } = &f.location {
                let (host, path) = dast_parts(url);
                o.insert("hostname".into(), host.into());
                o.insert("path".into(), path.into());
                if let Some(m) = nonempty(method.as_deref()) {
                    o.insert("method".into(), m.to_ascii_uppercase().into());
                }
                if let Some(p) = nonempty(param.as_deref()) {
                    o.insert("param".into(), p.into());
                }
            } else if let Some(file) = file {
                o.insert("path".into(), file.into());
            }
        }
        Category::DependencyScanning => {
            let file = file
                .filter(|f| !f.is_empty())
                .or_else(|| f.location.image().map(str::to_string))
                .unwrap_or_else(|| "(unknown manifest)".to_string());
            o.insert("file".into(), file.into());
            o.insert("dependency".into(), dependency(f));
        }
        Category::ContainerScanning => {
            let (image, os) = match &f.location {
                Location::Container {
                    image,
                    operating_system,
                    ..
                } => (image.trim().to_string(), operating_system.clone()),
                _ => (file.clone().unwrap_or_default(), None),
            };
            let image = if image.is_empty() {
                "unknown".to_string()
            } else {
                image
            };
            let os = nonempty(os.as_deref()).unwrap_or("unknown").to_string();
            o.insert("dependency".into(), dependency(f));
            o.insert("operating_system".into(), os.into());
            o.insert("image".into(), image.into());
        }
        Category::SecretDetection => {
            let sha = match &f.location {
                Location::Secret { commit, .. } => nonempty(commit.as_deref()).unwrap_or(NO_COMMIT),
                _ => NO_COMMIT,
            };
            if let Some(file) = file {
                o.insert("file".into(), file.into());
            }
            if let Some(l) = line {
                o.insert("start_line".into(), l.into());
                o.insert("end_line".into(), l.into());
            }
            o.insert("commit".into(), json!({"sha": sha}));
        }
        _ => {
            if let Some(file) = file {
                o.insert("file".into(), file.into());
            } else if let Some(p) = package {
                o.insert("file".into(), p.name.clone().into());
            }
            if let Some(l) = line {
                o.insert("start_line".into(), l.into());
                let end = end_line.filter(|e| *e >= l).unwrap_or(l);
                o.insert("end_line".into(), end.into());
            }
        }
    }
    Value::Object(o)
}

fn dependency(f: &Finding) -> Value {
    match f.location.package() {
        Some(p) => json!({
            "package": {"name": p.name},
            "version": p.version.clone().unwrap_or_default(),
        }),
        None => json!({"package": {"name": ""}, "version": ""}),
    }
}

fn vulnerability(kind: &Category, f: &Finding, outcome: Option<&Outcome>) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), vulnerability_uuid(&f.fingerprint).into());
    let title = one_line(&f.title);
    let name = if title.is_empty() { rule_key(f) } else { title };
    v.insert("name".into(), truncate(&name, 255).into());
    if let Some(d) = safe_description(f) {
        v.insert("description".into(), truncate(d, 1_048_576).into());
    }
    v.insert("severity".into(), f.severity.gitlab_name().into());
    if let Some(s) = nonempty(f.solution.as_deref()) {
        v.insert("solution".into(), truncate(s, 7000).into());
    } else if !f.fix.fixed_versions.is_empty() {
        if let Some(p) = f.location.package() {
            v.insert(
                "solution".into(),
                truncate(
                    &format!(
                        "Upgrade {} to {}",
                        p.name,
                        f.fix.fixed_versions.join(" or ")
                    ),
                    7000,
                )
                .into(),
            );
        }
    }
    v.insert("identifiers".into(), identifiers(f).into());
    let links: Vec<Value> = f
        .links
        .iter()
        .filter(|l| is_link(&l.url))
        .map(|l| match nonempty(l.name.as_deref()) {
            Some(n) => json!({"name": n, "url": l.url.trim()}),
            None => json!({"url": l.url.trim()}),
        })
        .collect();
    if !links.is_empty() {
        v.insert("links".into(), links.into());
    }
    v.insert("location".into(), location(kind, f));
    v.insert("details".into(), details(f, outcome));
    if f.suppressed {
        v.insert(
            "flags".into(),
            json!([{
                "type": "flagged-as-likely-false-positive",
                "origin": nonempty(Some(&f.scanner.id)).unwrap_or("scanner"),
                "description": "The scanner marked this finding as suppressed.",
            }]),
        );
    }
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_file_names() {
        assert_eq!(
            gitlab_report_file_name(&Category::Sast),
            "gl-sast-report.json"
        );
        assert_eq!(
            gitlab_report_file_name(&Category::DependencyScanning),
            "gl-dependency-scanning-report.json"
        );
        assert_eq!(
            gitlab_report_file_name(&Category::Misconfiguration),
            "gl-sast-report.json"
        );
        assert_eq!(
            gitlab_report_file_name(&Category::SecretDetection),
            "gl-secret-detection-report.json"
        );
        assert_eq!(
            gitlab_report_file_name(&Category::ContainerScanning),
            "gl-container-scanning-report.json"
        );
        assert_eq!(
            gitlab_report_file_name(&Category::Dast),
            "gl-dast-report.json"
        );
    }

    #[test]
    fn dast_url_split() {
        assert_eq!(
            dast_parts("https://x.test:8443/a/b?q=1"),
            ("https://x.test:8443".to_string(), "/a/b?q=1".to_string())
        );
        assert_eq!(
            dast_parts("http://x.test"),
            ("http://x.test".to_string(), "/".to_string())
        );
        assert_eq!(dast_parts("/rel"), (String::new(), "/rel".to_string()));
    }

    #[test]
    fn uuid_shape() {
        let id = vulnerability_uuid(&Fingerprint([0xff; 32]));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert_eq!(&id[19..20], "b");
    }
}
