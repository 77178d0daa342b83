//! SARIF 2.1.0: one run per scanner, rules deduplicated, secgate fingerprints.

use super::stream::ObjectWriter;
use super::{
    maybe_rank, one_line, rule_key, safe_description, sort_findings, stable_place, truncate,
    TOOL_NAME,
};
use crate::verdict::{Outcome, Verdict};
use secgate_core::fingerprint::{normalize_image, normalize_path};
use secgate_core::{Finding, Location, Scanner, Severity};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufWriter, Write};

/// The `partialFingerprints` key that holds the secgate fingerprint (64 hex digits).
pub const SARIF_FINGERPRINT_KEY: &str = "secgateFingerprint/v1";

const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `security-severity` score written for a severity (the scale GitHub code
/// scanning reads: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low);
/// `None` for unknown.
pub fn sarif_security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Info => Some("0.0"),
        Severity::Unknown => None,
    }
}

/// The SARIF `level` of a severity: critical and high `error`, medium and
/// unknown `warning` (an unrated finding is not hidden), low and info `note`.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Unknown => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A SARIF 2.1.0 log of findings: one run per scanner (sorted by scanner id),
/// one rule per distinct rule key (the scanner's rule id, else the primary
/// identifier, else the title) referenced by `ruleIndex`, results most severe
/// first with the secgate fingerprint under `partialFingerprints`
/// ([`SARIF_FINGERPRINT_KEY`]). Findings the scanner marked suppressed carry an
/// external suppression.
pub fn sarif_log(findings: &[Finding]) -> Value {
    let items: Vec<(&Finding, Option<&Outcome>)> = findings.iter().map(|f| (f, None)).collect();
    render(&items)
}

/// The SARIF 2.1.0 log of a verdict: every judged finding, as in [`sarif_log`];
/// exempted findings carry an accepted external suppression with the
/// exception and its reason, existing (baseline) findings `baselineState:
/// unchanged`, and every result the secgate outcome in its properties.
pub fn sarif(v: &Verdict) -> Value {
    let items: Vec<(&Finding, Option<&Outcome>)> = v
        .findings
        .iter()
        .map(|j| (&j.finding, Some(&j.outcome)))
        .collect();
    render(&items)
}

fn groups<'a>(
    items: &[(&'a Finding, Option<&'a Outcome>)],
) -> Vec<Vec<(&'a Finding, Option<&'a Outcome>)>> {
    let mut by_scanner: BTreeMap<&str, Vec<(&Finding, Option<&Outcome>)>> = BTreeMap::new();
    for (f, o) in items {
        by_scanner
            .entry(f.scanner.id.as_str())
            .or_default()
            .push((f, *o));
    }
    by_scanner
        .into_values()
        .map(|mut group| {
            sort_findings(&mut group, |x| x.0, |x| maybe_rank(x.1));
            group
        })
        .collect()
}

fn render(items: &[(&Finding, Option<&Outcome>)]) -> Value {
    let runs: Vec<Value> = groups(items)
        .iter()
        .map(|group| {
            let run = PreparedRun::new(group);
            json!({
                "tool": run.tool(),
                "results": run.results().collect::<Vec<Value>>(),
                "properties": run_properties(),
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": runs,
    })
}

fn run_properties() -> Value {
    json!({"secgate/convertedBy": format!("{TOOL_NAME} {}", super::TOOL_VERSION)})
}

fn write_log<W: Write>(w: W, items: &[(&Finding, Option<&Outcome>)]) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(super::stream::BUF, w);
    let mut o = ObjectWriter::begin(&mut w)?;
    o.field("$schema", SARIF_SCHEMA)?;
    o.field("version", "2.1.0")?;
    o.array_with("runs", groups(items), |w, group| {
        let run = PreparedRun::new(&group);
        let mut r = ObjectWriter::begin(w)?;
        r.field_with("tool", |w| run.write_tool(w))?;
        r.array("results", run.results())?;
        r.field("properties", &run_properties())?;
        r.end().map(|_| ())
    })?;
    o.end()?;
    w.flush()
}

/// Writes [`sarif_log`] to `w` (compact JSON), one result at a time.
pub fn write_sarif_log<W: Write>(w: W, findings: &[Finding]) -> io::Result<()> {
    let items: Vec<(&Finding, Option<&Outcome>)> = findings.iter().map(|f| (f, None)).collect();
    write_log(w, &items)
}

/// Writes [`sarif()`] to `w` (compact JSON), one result at a time: for big
/// verdicts, much faster and smaller in memory than building the value.
pub fn write_sarif<W: Write>(w: W, v: &Verdict) -> io::Result<()> {
    let items: Vec<(&Finding, Option<&Outcome>)> = v
        .findings
        .iter()
        .map(|j| (&j.finding, Some(&j.outcome)))
        .collect();
    write_log(w, &items)
}

/// One run: its scanner, its rules (key, first finding, highest severity)
/// and its results' rule keys and indexes.
struct PreparedRun<'a> {
    scanner: &'a Scanner,
    rules: Vec<(String, &'a Finding, Severity)>,
    results: Vec<(&'a Finding, Option<&'a Outcome>, usize)>,
}

impl<'a> PreparedRun<'a> {
    fn new(group: &[(&'a Finding, Option<&'a Outcome>)]) -> PreparedRun<'a> {
        // Rules: one per key, in order of first appearance (results are sorted).
        let mut rule_index: HashMap<String, usize> = HashMap::new();
        let mut rules: Vec<(String, &Finding, Severity)> = Vec::new();
        let mut results = Vec::with_capacity(group.len());
        for (f, o) in group {
            let key = rule_key(f);
            let idx = match rule_index.get(&key) {
                Some(i) => {
                    rules[*i].2 = rules[*i].2.max(f.severity);
                    *i
                }
                None => {
                    let i = rules.len();
                    rule_index.insert(key.clone(), i);
                    rules.push((key, f, f.severity));
                    i
                }
            };
            results.push((*f, *o, idx));
        }
        PreparedRun {
            scanner: &group[0].0.scanner,
            rules,
            results,
        }
    }

    fn rules(&self) -> impl Iterator<Item = Value> + '_ {
        self.rules.iter().map(|(key, f, sev)| {
            let mut r = rule(key, f);
            if let Some(score) = sarif_security_severity(*sev) {
                r["properties"]["security-severity"] = Value::String(score.into());
            }
            r["defaultConfiguration"] = json!({"level": level(*sev)});
            r
        })
    }

    /// The driver without its rules.
    fn driver(&self) -> Map<String, Value> {
        let scanner = self.scanner;
        let mut driver = Map::new();
        let name = if scanner.name.trim().is_empty() {
            scanner.id.clone()
        } else {
            scanner.name.trim().to_string()
        };
        driver.insert("name".into(), name.into());
        if let Some(v) = scanner.version.as_deref().filter(|v| !v.trim().is_empty()) {
            driver.insert("version".into(), v.trim().into());
        }
        if let Some(v) = scanner.vendor.as_deref().filter(|v| !v.trim().is_empty()) {
            driver.insert("organization".into(), v.trim().into());
        }
        driver
    }

    fn tool(&self) -> Value {
        let mut driver = self.driver();
        driver.insert("rules".into(), self.rules().collect::<Vec<Value>>().into());
        json!({ "driver": driver })
    }

    fn write_tool<W: Write>(&self, w: W) -> io::Result<()> {
        let mut tool = ObjectWriter::begin(w)?;
        tool.field_with("driver", |w| {
            let mut d = ObjectWriter::begin(w)?;
            for (k, v) in self.driver() {
                d.field(&k, &v)?;
            }
            d.array("rules", self.rules())?;
            d.end().map(|_| ())
        })?;
        tool.end().map(|_| ())
    }

    fn results(&self) -> impl Iterator<Item = Value> + '_ {
        self.results
            .iter()
            .map(|(f, o, idx)| result(&self.rules[*idx].0, *idx, f, *o))
    }
}

fn rule(key: &str, f: &Finding) -> Value {
    let mut r = Map::new();
    r.insert("id".into(), key.into());
    let title = one_line(&f.title);
    let short = if title.is_empty() {
        key.to_string()
    } else {
        title
    };
    r.insert(
        "shortDescription".into(),
        json!({"text": truncate(&short, 1024)}),
    );
    if let Some(d) = safe_description(f) {
        r.insert(
            "fullDescription".into(),
            json!({"text": truncate(d, 64 * 1024)}),
        );
    }
    if let Some(link) = f.links.iter().find(|l| is_absolute_uri(l.url.trim())) {
        r.insert("helpUri".into(), encode_uri(link.url.trim()).into());
    } else if let Some(url) = f.identifiers.iter().find_map(|i| i.url()) {
        r.insert("helpUri".into(), url.into());
    }
    if let Some(s) = f
        .solution
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        r.insert("help".into(), json!({"text": truncate(s, 64 * 1024)}));
    }
    let mut tags = vec!["security".to_string(), f.category.as_str().to_string()];
    for c in f.cwes() {
        tags.push(format!("external/cwe/cwe-{c}"));
    }
    tags.dedup();
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    r.insert("properties".into(), json!({"tags": tags}));
    Value::Object(r)
}

fn message(f: &Finding) -> String {
    let title = one_line(&f.title);
    let mut m = match f.primary_id() {
        Some(id) if !title.contains(&id) => format!("{id}: {title}"),
        _ => title,
    };
    match &f.location {
        Location::Source { .. } | Location::Secret { .. } | Location::None => {}
        _ => {
            m.push_str(" (");
            m.push_str(&stable_place(f));
            m.push(')');
        }
    }
    if !f.fix.fixed_versions.is_empty() {
        m.push_str(&format!(". Fixed in {}", f.fix.fixed_versions.join(", ")));
    }
    if m.is_empty() {
        m = rule_key(f);
    }
    truncate(&m, 8 * 1024)
}

fn result(key: &str, idx: usize, f: &Finding, outcome: Option<&Outcome>) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), key.into());
    r.insert("ruleIndex".into(), idx.into());
    r.insert("level".into(), level(f.severity).into());
    r.insert("message".into(), json!({"text": message(f)}));
    let (physical, logical) = locations(f);
    if physical.is_some() || logical.is_some() {
        let mut loc = Map::new();
        if let Some(p) = physical {
            loc.insert("physicalLocation".into(), p);
        }
        if let Some(l) = logical {
            loc.insert("logicalLocations".into(), json!([l]));
        }
        r.insert("locations".into(), json!([loc]));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({SARIF_FINGERPRINT_KEY: f.fingerprint.to_hex()}),
    );
    let mut props = Map::new();
    props.insert("secgate/severity".into(), f.severity.as_str().into());
    props.insert("secgate/category".into(), f.category.as_str().into());
    props.insert("secgate/confidence".into(), f.confidence.as_str().into());
    if let Some(score) = sarif_security_severity(f.severity) {
        props.insert("security-severity".into(), score.into());
    }
    let mut suppressions = Vec::new();
    if f.suppressed {
        suppressions.push(json!({
            "kind": "external",
            "justification": "Suppressed by the scanner.",
        }));
    }
    if let Some(o) = outcome {
        props.insert("secgate/outcome".into(), super::outcome_word(o).into());
        match o {
            Outcome::Failed { rule } => {
                props.insert("secgate/rule".into(), one_line(rule).into());
            }
            Outcome::Passed { reason } => {
                props.insert("secgate/reason".into(), one_line(reason).into());
            }
            Outcome::Exempted { exception, reason } => {
                suppressions.push(json!({
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("secgate exception {}: {}", one_line(exception), one_line(reason)),
                }));
            }
            Outcome::Existing => {
                r.insert("baselineState".into(), "unchanged".into());
            }
        }
    }
    if !suppressions.is_empty() {
        r.insert("suppressions".into(), suppressions.into());
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

fn region(start: Option<u32>, end: Option<u32>) -> Option<Value> {
    let s = start.filter(|s| *s >= 1)?;
    let mut r = json!({"startLine": s});
    if let Some(e) = end.filter(|e| *e >= s) {
        r["endLine"] = e.into();
    }
    Some(r)
}

fn physical(uri: String, region: Option<Value>) -> Value {
    let mut p = json!({"artifactLocation": {"uri": uri}});
    if let Some(r) = region {
        p["region"] = r;
    }
    p
}

fn locations(f: &Finding) -> (Option<Value>, Option<Value>) {
    match &f.location {
        Location::Source {
            file,
            start_line,
            end_line,
            ..
        } => (
            Some(physical(
                encode_path(&normalize_path(file)),
                region(*start_line, *end_line),
            )),
            None,
        ),
        Location::Secret { file, line, .. } => (
            Some(physical(
                encode_path(&normalize_path(file)),
                region(*line, *line),
            )),
            None,
        ),
        Location::Dependency { file, package } => (
            file.as_deref()
                .map(|file| physical(encode_path(&normalize_path(file)), None)),
            Some(json!({
                "name": package.name,
                "fullyQualifiedName": package_fqn(&package.name, package.version.as_deref(), package.purl.as_deref()),
                "kind": "module",
            })),
        ),
        Location::Container { image, package, .. } => (
            Some(physical(encode_path(&normalize_image(image)), None)),
            Some(json!({
                "name": package.name,
                "fullyQualifiedName": format!("{}/{}", normalize_image(image), package_fqn(&package.name, package.version.as_deref(), None)),
                "kind": "module",
            })),
        ),
        Location::Dast { url, .. } => {
            let u = url.trim();
            let uri = if is_absolute_uri(u) {
                encode_uri(u)
            } else {
                encode_path(u)
            };
            (Some(physical(uri, None)), None)
        }
        Location::Resource { kind, name } => (
            None,
            Some(match kind {
                Some(k) => {
                    json!({"name": name, "fullyQualifiedName": format!("{k}/{name}"), "kind": "resource"})
                }
                None => json!({"name": name, "kind": "resource"}),
            }),
        ),
        Location::None => (None, None),
    }
}

fn package_fqn(name: &str, version: Option<&str>, purl: Option<&str>) -> String {
    if let Some(p) = purl.filter(|p| !p.trim().is_empty()) {
        return p.trim().to_string();
    }
    match version {
        Some(v) if !v.is_empty() => format!("{name}@{v}"),
        _ => name.to_string(),
    }
}

fn is_absolute_uri(u: &str) -> bool {
    let Some(pos) = u.find(':') else { return false };
    let scheme = &u[..pos];
    !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && u[pos + 1..].starts_with("//")
}

fn pct(out: &mut String, b: u8) {
    out.push_str(&format!("%{b:02X}"));
}

/// A relative path as a URI reference: everything but unreserved characters
/// and `/` percent-encoded (so `C:` or `a b` stay a path).
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            pct(&mut out, b);
        }
    }
    out
}

/// An absolute URI kept as written, with characters that are never valid in
/// a URI (spaces, quotes, non-ASCII, a `%` not followed by two hex digits)
/// percent-encoded.
fn encode_uri(u: &str) -> String {
    let bytes = u.as_bytes();
    let mut out = String::with_capacity(u.len());
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(b as char);
        } else {
            pct(&mut out, b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders() {
        assert_eq!(encode_path("src/a b.py"), "src/a%20b.py");
        assert_eq!(encode_path("alpine:3.10"), "alpine%3A3.10");
        assert_eq!(encode_uri("https://x/a b?q=%zz"), "https://x/a%20b?q=%25zz");
        assert_eq!(encode_uri("https://x/%41"), "https://x/%41");
        assert!(is_absolute_uri("https://x"));
        assert!(!is_absolute_uri("alpine:3.10"));
        assert!(!is_absolute_uri("/x"));
    }
}
