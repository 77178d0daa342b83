//! GitLab security reports (schema 15.2.1), one per category.
//!
//! Each report validates against the official 15.2.1 schema of its category.
//! GitLab has a schema (and an `artifacts:reports` keyword) for five kinds of
//! report; secgate's other categories go into the nearest one (see
//! [`gitlab_report_kind`]).

use super::stream::ObjectWriter;
use super::time::Timestamp;
use super::{
    maybe_rank, one_line_cow, rule_key, rule_key_cow, safe_description, sort_findings, truncate,
    truncate_cow, truncate_owned, Hex, TOOL_NAME, TOOL_URI, TOOL_VERSION,
};
use crate::text::trim;
use crate::verdict::{Outcome, Verdict};
use secgate_core::fingerprint::normalize_path;
use secgate_core::{Category, Finding, Fingerprint, Identifier, Location, Scanner};
use serde::Serialize;
use serde_json::{json, Value};
use std::borrow::Cow;
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
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
            let mut p = prepare(&kind, &items, &scanners, now);
            p.mark_failed_if(failed_kind(v, &kind));
            (kind, p.to_value())
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

impl<'a> Prepared<'a> {
    /// A report of a kind whose input scan failed says `failure`, never
    /// `success`: its findings are incomplete, and GitLab must not take it
    /// for a clean scan (nor the vulnerabilities it lacks for fixed ones).
    fn mark_failed_if(&mut self, failed: bool) {
        if failed {
            self.scan["status"] = json!("failure");
            self.scan["messages"] = json!([{
                "level": "fatal",
                "value": "secgate: a scan this report merges failed, so its findings are incomplete; see the secgate job's log (failed_scan) and fix the scanner job",
            }]);
        }
    }

    fn vulnerabilities(&self) -> impl Iterator<Item = Vulnerability<'a>> + '_ {
        self.items
            .iter()
            .map(|(f, o)| vulnerability(&self.kind, f, *o))
    }

    fn to_value(&self) -> Value {
        json!({
            "version": GITLAB_SCHEMA_VERSION,
            "schema": self.schema,
            "scan": self.scan,
            // Plain data with string keys: always serialises.
            "vulnerabilities": self
                .vulnerabilities()
                .filter_map(|v| serde_json::to_value(v).ok())
                .collect::<Vec<Value>>(),
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

/// Whether a report of this GitLab kind was read from a failed scan.
fn failed_kind(v: &Verdict, kind: &Category) -> bool {
    v.failed_categories
        .iter()
        .any(|c| gitlab_report_kind(c) == *kind)
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
        let mut p = prepare(&kind, &items, &scanners, now);
        p.mark_failed_if(failed_kind(v, &kind));
        p.write(file).map_err(at)?;
        written.push(path);
    }
    Ok(written)
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(trim).filter(|s| !s.is_empty())
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
            if !trim(url).is_empty() {
                let m = nonempty(method.as_deref())
                    .unwrap_or("GET")
                    .to_ascii_uppercase();
                set.insert((m, trim(url).to_string()));
            }
        }
    }
    set.into_iter()
        .map(|(method, url)| json!({"method": method, "url": url, "type": "url"}))
        .collect()
}

fn is_link(url: &str) -> bool {
    // In place: no lower-cased copy and no substring search per link (both
    // showed in the profile of the 100k-finding report, seven links each).
    let u = trim(url).as_bytes();
    [&b"http://"[..], b"https://", b"ftp://"]
        .iter()
        .any(|scheme| u.len() > scheme.len() && u[..scheme.len()].eq_ignore_ascii_case(scheme))
}

/// An identifier's `url` (only CVE, CWE and GHSA have one; each is a link),
/// formatted as it is written.
struct IdUrl<'a>(&'a Identifier);

impl Serialize for IdUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Identifier::Cve(id) => {
                s.collect_str(&format_args!("https://nvd.nist.gov/vuln/detail/{id}"))
            }
            Identifier::Cwe(n) => s.collect_str(&format_args!(
                "https://cwe.mitre.org/data/definitions/{n}.html"
            )),
            Identifier::Ghsa(id) => {
                s.collect_str(&format_args!("https://github.com/advisories/{id}"))
            }
            other => s.serialize_str(&other.url().unwrap_or_default()),
        }
    }
}

/// One identifier; fields in key order (as a `serde_json::Map` sorts them).
#[derive(Serialize)]
struct Ident<'a> {
    name: Cow<'a, str>,
    #[serde(rename = "type")]
    ty: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<IdUrl<'a>>,
    value: Cow<'a, str>,
}

fn identifier(id: &Identifier) -> Option<Ident<'_>> {
    let (ty, name, value): (Cow<str>, Cow<str>, Cow<str>) = match id {
        Identifier::Cve(c) => ("cve".into(), c.into(), c.into()),
        Identifier::Cwe(n) => (
            "cwe".into(),
            format!("CWE-{n}").into(),
            n.to_string().into(),
        ),
        Identifier::Ghsa(g) => ("ghsa".into(), g.into(), g.into()),
        Identifier::Owasp(o) => ("owasp".into(), format!("OWASP {o}").into(), o.into()),
        Identifier::Other { scheme, value } => {
            let v = one_line_cow(value);
            (one_line_cow(scheme), v.clone(), v)
        }
    };
    if ty.is_empty() || value.is_empty() {
        return None;
    }
    let url = matches!(
        id,
        Identifier::Cve(_) | Identifier::Cwe(_) | Identifier::Ghsa(_)
    )
    .then_some(IdUrl(id));
    Some(Ident {
        name,
        ty,
        url,
        value,
    })
}

/// `i.value().eq_ignore_ascii_case(text)` without building the value.
fn value_is(i: &Identifier, text: &str) -> bool {
    match i {
        Identifier::Cve(v) | Identifier::Ghsa(v) | Identifier::Other { value: v, .. } => {
            v.eq_ignore_ascii_case(text)
        }
        other => other.value().eq_ignore_ascii_case(text),
    }
}

/// An identifier type that names a class of weakness, not a finding's rule.
fn is_taxonomy(ty: &str) -> bool {
    ["cwe", "owasp", "wasc", "capec"]
        .iter()
        .any(|t| ty.eq_ignore_ascii_case(t))
}

fn identifiers(f: &Finding) -> Vec<Ident<'_>> {
    let mut out: Vec<Ident> = f.identifiers.iter().filter_map(identifier).collect();
    let rule = f
        .rule_id
        .as_deref()
        .map(one_line_cow)
        .filter(|r| !r.is_empty());
    if let Some(rule) = rule {
        if !f.identifiers.iter().any(|i| value_is(i, &rule)) {
            out.push(Ident {
                name: rule.clone(),
                ty: format!("{}_rule_id", f.scanner.id).into(),
                url: None,
                value: rule,
            });
        }
    }
    // GitLab keys a vulnerability on its first (primary) identifier and its
    // location: a taxonomy entry (CWE, OWASP, WASC) first would merge
    // different rules of one weakness at one place into one vulnerability.
    // Specific identifiers (CVE, GHSA, the scanner's rule) go first, in order.
    out.sort_by_key(|i| is_taxonomy(&i.ty));
    if out.is_empty() {
        // Schema: at least one identifier. The rule key (here the title) names
        // what was found; the value is the secgate fingerprint, stable.
        out.push(Ident {
            name: truncate(&rule_key(f), 255).into(),
            ty: "secgate_fingerprint".into(),
            url: None,
            value: f.fingerprint.to_hex().into(),
        });
    }
    out
}

/// One `details` entry of type text.
#[derive(Serialize)]
struct TextDetail<V> {
    name: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
    value: V,
}

fn text_detail<V>(name: &'static str, value: V) -> TextDetail<V> {
    TextDetail {
        name,
        ty: "text",
        value,
    }
}

/// The 15.x schema's `details` (the items object of a named list itself);
/// fields in key order.
#[derive(Serialize)]
struct Details<'a> {
    confidence: TextDetail<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_status: Option<TextDetail<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_versions: Option<TextDetail<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<TextDetail<Cow<'a, str>>>,
    scanner: TextDetail<Cow<'a, str>>,
    secgate_fingerprint: TextDetail<Hex<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secgate_outcome: Option<TextDetail<String>>,
    /// A secret's digest (16 hex digits of its SHA-256, never the secret), so
    /// that this report read back keeps the secret finding's fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    secgate_secret_digest: Option<TextDetail<&'a str>>,
}

fn details<'a>(f: &'a Finding, outcome: Option<&Outcome>) -> Details<'a> {
    let scanner: Cow<str> = match nonempty(f.scanner.version.as_deref()) {
        Some(v) => {
            let mut s = String::with_capacity(f.scanner.name.len() + 1 + v.len());
            s.push_str(&f.scanner.name);
            s.push(' ');
            s.push_str(v);
            s.into()
        }
        None => Cow::Borrowed(&f.scanner.name),
    };
    let resource = match &f.location {
        Location::Resource { kind, name } => Some(text_detail(
            "Resource",
            match kind {
                Some(k) => Cow::Owned(format!("{k} {name}")),
                None => Cow::Borrowed(name.as_str()),
            },
        )),
        _ => None,
    };
    Details {
        confidence: text_detail("Confidence", f.confidence.gitlab_name()),
        fix_status: f
            .fix
            .status
            .map(|status| text_detail("Fix status", status.as_str())),
        fixed_versions: (!f.fix.fixed_versions.is_empty())
            .then(|| text_detail("Fixed versions", f.fix.fixed_versions.join(", "))),
        resource,
        scanner: text_detail("Scanner", scanner),
        secgate_fingerprint: text_detail("secgate fingerprint", Hex(&f.fingerprint)),
        secgate_outcome: outcome.map(|o| text_detail("secgate verdict", super::outcome_reason(o))),
        secgate_secret_digest: match &f.location {
            Location::Secret {
                digest: Some(d), ..
            } => Some(text_detail("secgate secret digest", d.as_str())),
            _ => None,
        },
    }
}

fn dast_parts(url: &str) -> (String, String) {
    let u = trim(url);
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

/// A vulnerability's `location`: every key any report kind uses, in key
/// order; each kind sets its own.
#[derive(Serialize, Default)]
struct Loc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Commit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dependency: Option<Dependency<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operating_system: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
}

#[derive(Serialize)]
struct Commit<'a> {
    sha: &'a str,
}

#[derive(Serialize)]
struct Dependency<'a> {
    package: PackageName<'a>,
    version: &'a str,
}

#[derive(Serialize)]
struct PackageName<'a> {
    name: &'a str,
}

fn location<'a>(kind: &Category, f: &'a Finding) -> Loc<'a> {
    let mut o = Loc::default();
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
                o.hostname = Some(host);
                o.path = Some(path.into());
                o.method = nonempty(method.as_deref()).map(str::to_ascii_uppercase);
                o.param = nonempty(param.as_deref());
            } else if let Some(file) = file {
                o.path = Some(file.into());
            }
        }
        Category::DependencyScanning => {
            let file: Cow<str> = match file.filter(|f| !f.is_empty()) {
                Some(file) => file.into(),
                None => f.location.image().unwrap_or("(unknown manifest)").into(),
            };
            o.file = Some(file);
            o.dependency = Some(dependency(f));
        }
        Category::ContainerScanning => {
            let (image, os): (Cow<str>, Option<&str>) = match &f.location {
                Location::Container {
                    image,
                    operating_system,
                    ..
                } => (trim(image).into(), operating_system.as_deref()),
                _ => (file.unwrap_or_default().into(), None),
            };
            let image = if image.is_empty() {
                "unknown".into()
            } else {
                image
            };
            o.dependency = Some(dependency(f));
            o.operating_system = Some(nonempty(os).unwrap_or("unknown"));
            o.image = Some(image);
        }
        Category::SecretDetection => {
            let sha = match &f.location {
                Location::Secret { commit, .. } => nonempty(commit.as_deref()).unwrap_or(NO_COMMIT),
                _ => NO_COMMIT,
            };
            o.file = file.map(Cow::Owned);
            o.start_line = line;
            o.end_line = line;
            o.commit = Some(Commit { sha });
        }
        _ => {
            if let Some(file) = file {
                o.file = Some(file.into());
            } else if let Some(p) = package {
                o.file = Some(p.name.as_str().into());
            }
            if let Some(l) = line {
                o.start_line = Some(l);
                o.end_line = Some(end_line.filter(|e| *e >= l).unwrap_or(l));
            }
        }
    }
    o
}

fn dependency(f: &Finding) -> Dependency<'_> {
    match f.location.package() {
        Some(p) => Dependency {
            package: PackageName { name: &p.name },
            version: p.version.as_deref().unwrap_or_default(),
        },
        None => Dependency {
            package: PackageName { name: "" },
            version: "",
        },
    }
}

#[derive(Serialize)]
struct Link<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    url: &'a str,
}

#[derive(Serialize)]
struct Flag<'a> {
    description: &'static str,
    origin: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
}

/// One vulnerability, written as it is built (no `serde_json::Value`);
/// fields in key order (as a `serde_json::Map` sorts them).
#[derive(Serialize)]
struct Vulnerability<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Cow<'a, str>>,
    details: Details<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<[Flag<'a>; 1]>,
    id: String,
    identifiers: Vec<Ident<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link<'a>>,
    location: Loc<'a>,
    name: Cow<'a, str>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<Cow<'a, str>>,
}

fn vulnerability<'a>(
    kind: &Category,
    f: &'a Finding,
    outcome: Option<&Outcome>,
) -> Vulnerability<'a> {
    let title = one_line_cow(&f.title);
    let name = if title.is_empty() {
        rule_key_cow(f)
    } else {
        title
    };
    let solution = if let Some(s) = nonempty(f.solution.as_deref()) {
        Some(truncate_cow(Cow::Borrowed(s), 7000))
    } else if !f.fix.fixed_versions.is_empty() {
        f.location.package().map(|p| {
            let mut s = String::from("Upgrade ");
            s.push_str(&p.name);
            s.push_str(" to ");
            s.push_str(&f.fix.fixed_versions.join(" or "));
            Cow::Owned(truncate_owned(s, 7000))
        })
    } else {
        None
    };
    let links = f
        .links
        .iter()
        .filter(|l| is_link(&l.url))
        .map(|l| Link {
            name: nonempty(l.name.as_deref()),
            url: trim(&l.url),
        })
        .collect();
    Vulnerability {
        description: safe_description(f).map(|d| truncate_cow(Cow::Borrowed(d), 1_048_576)),
        details: details(f, outcome),
        flags: f.suppressed.then(|| {
            [Flag {
                description: "The scanner marked this finding as suppressed.",
                origin: nonempty(Some(&f.scanner.id)).unwrap_or("scanner"),
                ty: "flagged-as-likely-false-positive",
            }]
        }),
        id: vulnerability_uuid(&f.fingerprint),
        identifiers: identifiers(f),
        links,
        location: location(kind, f),
        name: truncate_cow(name, 255),
        severity: f.severity.gitlab_name(),
        solution,
    }
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

    /// The in-place test agrees with the rule as first written (lower-case
    /// copy, scheme prefix, something after `://`).
    #[test]
    fn is_link_agrees_with_the_reference_rule() {
        fn reference(url: &str) -> bool {
            let u = url.trim();
            let lower = u.to_ascii_lowercase();
            (lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("ftp://"))
                && u.len() > lower.find("://").unwrap_or(0) + 3
        }
        let parts = [
            "", " ", "http", "HTTPS", "hTtP", "ftp", "file", "://", ":/", "x", "/a", "é", "\t",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    for d in parts {
                        let url = format!("{a}{b}{c}{d}");
                        assert_eq!(is_link(&url), reference(&url), "{url:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn uuid_shape() {
        let id = vulnerability_uuid(&Fingerprint([0xff; 32]));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert_eq!(&id[19..20], "b");
    }
}
