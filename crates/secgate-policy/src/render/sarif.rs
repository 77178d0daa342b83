//! SARIF 2.1.0: one run per scanner, rules deduplicated, secgate fingerprints.

use super::stream::ObjectWriter;
use super::{
    maybe_rank, one_line_cow, push_one_line, push_stable_place, rule_key, safe_description,
    sort_findings, truncate_cow, truncate_owned, Hex, TOOL_NAME,
};
use crate::text::trim;
use crate::verdict::{Outcome, Verdict};
use secgate_core::fingerprint::{normalize_image, normalize_path};
use secgate_core::{Finding, Location, Scanner, Severity};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
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
                "results": run
                    .results()
                    .filter_map(|r| serde_json::to_value(r).ok())
                    .collect::<Vec<Value>>(),
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

    fn rules(&self) -> impl Iterator<Item = Rule<'_>> + '_ {
        self.rules.iter().map(|(key, f, sev)| rule(key, f, *sev))
    }

    /// The driver without its rules.
    fn driver(&self) -> Map<String, Value> {
        let scanner = self.scanner;
        let mut driver = Map::new();
        let name = if trim(&scanner.name).is_empty() {
            scanner.id.clone()
        } else {
            trim(&scanner.name).to_string()
        };
        driver.insert("name".into(), name.into());
        if let Some(v) = scanner.version.as_deref().filter(|v| !trim(v).is_empty()) {
            driver.insert("version".into(), trim(v).into());
        }
        if let Some(v) = scanner.vendor.as_deref().filter(|v| !trim(v).is_empty()) {
            driver.insert("organization".into(), trim(v).into());
        }
        driver
    }

    fn tool(&self) -> Value {
        let mut driver = self.driver();
        // Plain data with string keys: always serialises.
        let rules: Vec<Value> = self
            .rules()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
        driver.insert("rules".into(), rules.into());
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

    fn results(&self) -> impl Iterator<Item = SarifResult<'_>> + '_ {
        self.results
            .iter()
            .map(|(f, o, idx)| result(&self.rules[*idx].0, *idx, f, *o))
    }
}

/// `{"text": ...}`.
#[derive(Serialize)]
struct Text<T> {
    text: T,
}

/// One rule; fields in key order (as a `serde_json::Map` sorts them).
#[derive(Serialize)]
struct Rule<'a> {
    #[serde(rename = "defaultConfiguration")]
    default_configuration: Level,
    #[serde(rename = "fullDescription", skip_serializing_if = "Option::is_none")]
    full_description: Option<Text<Cow<'a, str>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text<Cow<'a, str>>>,
    #[serde(rename = "helpUri", skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    id: &'a str,
    properties: RuleProperties,
    #[serde(rename = "shortDescription")]
    short_description: Text<Cow<'a, str>>,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    tags: Vec<String>,
}

fn rule<'a>(key: &'a str, f: &'a Finding, sev: Severity) -> Rule<'a> {
    let title = one_line_cow(&f.title);
    let short = if title.is_empty() {
        Cow::Borrowed(key)
    } else {
        title
    };
    let help_uri = if let Some(link) = f.links.iter().find(|l| is_absolute_uri(trim(&l.url))) {
        Some(encode_uri(trim(&link.url)))
    } else {
        f.identifiers.iter().find_map(|i| i.url())
    };
    let mut tags = vec!["security".to_string(), f.category.as_str().to_string()];
    for c in f.cwes() {
        tags.push(format!("external/cwe/cwe-{c}"));
    }
    // First occurrences kept, in order. A finding has a handful of tags: a
    // linear scan, not a hash set of copies per rule.
    let mut i = 0;
    while i < tags.len() {
        if tags[..i].contains(&tags[i]) {
            tags.remove(i);
        } else {
            i += 1;
        }
    }
    Rule {
        default_configuration: Level { level: level(sev) },
        full_description: safe_description(f).map(|d| Text {
            text: truncate_cow(Cow::Borrowed(d), 64 * 1024),
        }),
        help: f
            .solution
            .as_deref()
            .map(trim)
            .filter(|s| !s.is_empty())
            .map(|s| Text {
                text: truncate_cow(Cow::Borrowed(s), 64 * 1024),
            }),
        help_uri,
        id: key,
        properties: RuleProperties {
            security_severity: sarif_security_severity(sev),
            tags,
        },
        short_description: Text {
            text: truncate_cow(short, 1024),
        },
    }
}

fn message(f: &Finding) -> String {
    let title = one_line_cow(&f.title);
    let mut m = String::with_capacity(title.len() + 64);
    if let Some(id) = f.primary_id_cow().filter(|id| !title.contains(id.as_ref())) {
        m.push_str(&id);
        m.push_str(": ");
    }
    m.push_str(&title);
    match &f.location {
        Location::Source { .. } | Location::Secret { .. } | Location::None => {}
        _ => {
            m.push_str(" (");
            push_stable_place(&mut m, f);
            m.push(')');
        }
    }
    if !f.fix.fixed_versions.is_empty() {
        m.push_str(". Fixed in ");
        for (i, v) in f.fix.fixed_versions.iter().enumerate() {
            if i > 0 {
                m.push_str(", ");
            }
            m.push_str(v);
        }
    }
    if m.is_empty() {
        m = rule_key(f);
    }
    truncate_owned(m, 8 * 1024)
}

/// One result; fields in key order (as a `serde_json::Map` sorts them).
#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "baselineState", skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[ResultLocation<'a>; 1]>,
    message: Text<String>,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: PartialFingerprints<'a>,
    properties: ResultProperties<'a>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
}

#[derive(Serialize)]
struct PartialFingerprints<'a> {
    #[serde(rename = "secgateFingerprint/v1")]
    secgate: Hex<'a>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(rename = "secgate/category")]
    category: &'a str,
    #[serde(rename = "secgate/confidence")]
    confidence: &'static str,
    #[serde(rename = "secgate/outcome", skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
    #[serde(rename = "secgate/reason", skip_serializing_if = "Option::is_none")]
    reason: Option<Cow<'a, str>>,
    #[serde(rename = "secgate/rule", skip_serializing_if = "Option::is_none")]
    rule: Option<Cow<'a, str>>,
    #[serde(rename = "secgate/severity")]
    severity: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
struct Suppression<'a> {
    justification: Cow<'a, str>,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

#[derive(Serialize)]
struct ResultLocation<'a> {
    #[serde(rename = "logicalLocations", skip_serializing_if = "Option::is_none")]
    logical: Option<[Logical<'a>; 1]>,
    #[serde(rename = "physicalLocation", skip_serializing_if = "Option::is_none")]
    physical: Option<Physical>,
}

#[derive(Serialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact_location: Uri,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "endLine", skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(rename = "startLine")]
    start_line: u32,
}

#[derive(Serialize)]
struct Logical<'a> {
    #[serde(rename = "fullyQualifiedName", skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<Cow<'a, str>>,
    kind: &'static str,
    name: &'a str,
}

fn result<'a>(
    key: &'a str,
    idx: usize,
    f: &'a Finding,
    outcome: Option<&'a Outcome>,
) -> SarifResult<'a> {
    let (physical, logical) = locations(f);
    let locations = (physical.is_some() || logical.is_some()).then(|| {
        [ResultLocation {
            logical: logical.map(|l| [l]),
            physical,
        }]
    });
    let mut props = ResultProperties {
        category: f.category.as_str(),
        confidence: f.confidence.as_str(),
        outcome: None,
        reason: None,
        rule: None,
        severity: f.severity.as_str(),
        security_severity: sarif_security_severity(f.severity),
    };
    let mut suppressions = Vec::new();
    if f.suppressed {
        suppressions.push(Suppression {
            justification: Cow::Borrowed("Suppressed by the scanner."),
            kind: "external",
            status: None,
        });
    }
    let mut baseline_state = None;
    if let Some(o) = outcome {
        props.outcome = Some(super::outcome_word(o));
        match o {
            Outcome::Failed { rule } => props.rule = Some(one_line_cow(rule)),
            Outcome::Passed { reason } => props.reason = Some(one_line_cow(reason)),
            Outcome::Exempted { exception, reason } => {
                let mut j = String::from("secgate exception ");
                push_one_line(&mut j, exception);
                j.push_str(": ");
                push_one_line(&mut j, reason);
                suppressions.push(Suppression {
                    justification: Cow::Owned(j),
                    kind: "external",
                    status: Some("accepted"),
                });
            }
            Outcome::Existing => baseline_state = Some("unchanged"),
        }
    }
    SarifResult {
        baseline_state,
        level: level(f.severity),
        locations,
        message: Text { text: message(f) },
        partial_fingerprints: PartialFingerprints {
            secgate: Hex(&f.fingerprint),
        },
        properties: props,
        rule_id: key,
        rule_index: idx,
        suppressions,
    }
}

fn region(start: Option<u32>, end: Option<u32>) -> Option<Region> {
    let s = start.filter(|s| *s >= 1)?;
    Some(Region {
        end_line: end.filter(|e| *e >= s),
        start_line: s,
    })
}

fn physical(uri: String, region: Option<Region>) -> Physical {
    Physical {
        artifact_location: Uri { uri },
        region,
    }
}

fn locations(f: &Finding) -> (Option<Physical>, Option<Logical<'_>>) {
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
            Some(Logical {
                fully_qualified_name: Some(package_fqn(
                    &package.name,
                    package.version.as_deref(),
                    package.purl.as_deref(),
                )),
                kind: "module",
                name: &package.name,
            }),
        ),
        Location::Container { image, package, .. } => {
            let image = normalize_image(image);
            let uri = encode_path(&image);
            let mut fqn = image;
            fqn.push('/');
            fqn.push_str(&package_fqn(
                &package.name,
                package.version.as_deref(),
                None,
            ));
            (
                Some(physical(uri, None)),
                Some(Logical {
                    fully_qualified_name: Some(Cow::Owned(fqn)),
                    kind: "module",
                    name: &package.name,
                }),
            )
        }
        Location::Dast { url, .. } => {
            let u = trim(url);
            let uri = if is_absolute_uri(u) {
                encode_uri(u)
            } else {
                encode_path(u)
            };
            (Some(physical(uri, None)), None)
        }
        Location::Resource { kind, name } => (
            None,
            Some(Logical {
                fully_qualified_name: kind.as_ref().map(|k| Cow::Owned(format!("{k}/{name}"))),
                kind: "resource",
                name,
            }),
        ),
        Location::None => (None, None),
    }
}

fn package_fqn<'a>(name: &'a str, version: Option<&str>, purl: Option<&'a str>) -> Cow<'a, str> {
    if let Some(p) = purl.filter(|p| !trim(p).is_empty()) {
        return Cow::Borrowed(trim(p));
    }
    match version {
        Some(v) if !v.is_empty() => Cow::Owned(format!("{name}@{v}")),
        _ => Cow::Borrowed(name),
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
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
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

    /// Repeated CWEs (adjacent or not) give one tag each, first occurrences
    /// in order.
    #[test]
    fn rule_tags_are_deduplicated_in_order() {
        use secgate_core::{Category, Identifier, Location, Scanner};
        let mut f = Finding::new(
            Scanner::named("semgrep"),
            Category::Sast,
            Severity::High,
            "t".to_string(),
            Location::Source {
                file: "a.py".into(),
                start_line: Some(1),
                end_line: None,
                snippet: None,
            },
        );
        f.identifiers = [79, 20, 79, 79, 22, 20]
            .into_iter()
            .map(Identifier::Cwe)
            .collect();
        let r = rule("r", &f, Severity::High);
        assert_eq!(
            r.properties.tags,
            [
                "security",
                "sast",
                "external/cwe/cwe-79",
                "external/cwe/cwe-20",
                "external/cwe/cwe-22"
            ]
        );
    }
}
