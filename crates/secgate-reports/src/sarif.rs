//! SARIF 2.1.0 (and the 2.0 drafts, `2.0.0-csd.*`, 2.2, and logs with no
//! `version`) from any producer.
//!
//! SARIF 1.x is rejected as [`ParseError::Unsupported`]: convert it first
//! (`sarif transform --sarif-output-version Current` of the SARIF multitool).
//!
//! ## What is a finding
//! Every `runs[].results[]` entry whose `kind` is absent, `fail`, `open` or
//! `review`. `pass`, `informational` and `notApplicable` results are not
//! findings, nor is a result whose `baselineState` is `absent` (the producer
//! compared with its own baseline and lists what is gone); how many were
//! skipped goes to [`Report::notes`].
//!
//! ## Scan status (fail closed)
//! A run has failed, and the report is [`ScanStatus::Failed`] with the
//! notification messages as reasons, when:
//! - an `invocations[].executionSuccessful` is `false`;
//! - an invocation does not say (`executionSuccessful` absent, as in the 2.0
//!   drafts) and carries an `error`-level tool execution or configuration
//!   notification (`toolExecutionNotifications`, `toolConfigurationNotifications`,
//!   2.0's `toolNotifications`, `configurationNotifications`);
//! - the run has no `results` array (absent or `null`: SARIF's way of saying
//!   the analysis did not produce results; `[]` means nothing was found);
//! - the log has no runs at all (`"runs": []`): no tool ran.
//!
//! Error notifications of an invocation that says `executionSuccessful: true`
//! are kept as notes.
//!
//! ## Rules
//! A result's rule is found by `rule.toolComponent.index` (an index into
//! `tool.extensions`, CodeQL query packs) and `rule.index` / `ruleIndex`;
//! an index that is `-1` or out of range is noted and the rule is looked up by
//! id instead (`ruleId`, else `rule.id`; a hierarchical id `A/B` also matches
//! rule `A`) in `tool.driver.rules`, every `tool.extensions[].rules`, and 2.0's
//! `run.resources.rules` map. A `ruleId` that differs from `rule.id` is noted
//! and `ruleId` wins. A rule id that no rule defines (gitleaks) is fine.
//!
//! ## Field mapping
//! | finding field | SARIF |
//! |---|---|
//! | `severity` | `security-severity` in the result's, else the rule's `properties` (CVSS number, numeric string, or word: [`Severity::parse_lenient`]); else the producer's own `severity` property (result, then rule; OWASP dependency-check) or a rule or result tag that is exactly `CRITICAL`/`HIGH`/`MEDIUM`/`LOW` (gosec); else `level` of the result, else the rule's `defaultConfiguration.level`, else CodeQL's `problem.severity` (`error`, `warning`, `recommendation`), else, for a secret-detection tool (gitleaks, trufflehog, detect-secrets), critical, as gitleaks JSON and GitLab rate a leak; else SARIF's default `warning` ([`Severity::from_sarif_level`]) |
//! | `original_severity` | the text the severity came from |
//! | `confidence` | the rule's `properties.precision` (`very-high`/`high`, `medium`, `low`/`very-low`) |
//! | `rule_id` | `ruleId`, else `rule.id`, else the indexed rule's `id` |
//! | `title` | the message's first line when the message is one short line; else the rule's `shortDescription`; else the first line, cut to 200 characters |
//! | message | `message.text`, else `message.id` looked up in the rule's `messageStrings` with `{0}`.. filled from `arguments`, else the rule's `shortDescription` |
//! | `description` | the message (when longer than the title), then the rule's `fullDescription`, else its `help` |
//! | `links` | the rule's `helpUri` |
//! | identifiers | CWE from rule and result `properties.tags` (`external/cwe/cwe-079`, `CWE-79`, `CWE-79: ...`), `properties.cwe`, and rule `relationships` into a `CWE` taxonomy; CVE, GHSA and OWASP from the rule id, `ruleId` and tags |
//! | `suppressed` | 2.1 `suppressions` not empty, with every entry's `status` (or pre-release `state`) absent or `accepted` (any case; SARIF 2.1.0 §3.35.3: absent means accepted); one `underReview`, `rejected`, or any other value (an unknown word, `null`, `""`) keeps the result unsuppressed, as GitLab's SARIF converter and the SARIF SDK keep it (fail closed); `[]` is not suppressed; 2.0 `suppressionStates` not empty |
//! | `source_id` | `guid`, else the first `fingerprints` value, else the first `partialFingerprints` value (values that are objects are skipped) |
//! | `location` | see below |
//!
//! ## Locations
//! The first `locations[]` entry: its `physicalLocation.artifactLocation`
//! (2.0: `fileLocation`; with only an `index`, the `run.artifacts` entry)
//! gives [`Location::Source`] with `region.startLine`, `endLine` and
//! `snippet.text`. URIs: `file:///abs` and `file:////abs` become `/abs`;
//! a `uriBaseId` is resolved through `originalUriBaseIds` while the bases are
//! relative (an absolute base, such as the checkout root, is not prefixed, so
//! paths stay relative to the project); `%XX` escapes are decoded; text that
//! is not a valid URI (`not a valid URI`) is kept as written. A location with
//! only `logicalLocations` (or 2.0's `fullyQualifiedLogicalName`) is a
//! [`Location::Resource`]. No location, or `[]`, is [`Location::None`].
//!
//! ## Categories
//! | tool (`tool.driver.name`, case-insensitive) | category |
//! |---|---|
//! | gitleaks, trufflehog, detect-secrets | secret detection ([`Location::Secret`]; the snippet is dropped: it holds the secret; its digest, or gitleaks 7's `properties.offender`'s, is kept, see [`secgate_core::SecretDigest`]) |
//! | grype, dependency-check, govulncheck, osv-scanner | dependency scanning |
//! | Trivy | by the rule's `properties.tags`: `secret` → secret detection, `misconfiguration` → misconfiguration, otherwise (vulnerabilities) container scanning when `run.properties` names an image (`imageName`/`imageID`) or the rule is an OS package vulnerability, else dependency scanning |
//! | anything else | SAST |
//!
//! Trivy's vulnerability results become [`Location::Container`] or
//! [`Location::Dependency`] with the package and version read from the
//! message (`Package: X` / `Installed Version: Y`), and their [`Finding::fix`]
//! from its `Fixed Version: A, B` line, split on commas as the Trivy JSON
//! reader splits `FixedVersion` (an empty or missing line: no fix; SARIF
//! carries no fix `Status`). [`Report::category`] is
//! the findings' category when they all share one (with no findings: the
//! runs' category when they agree), else none.
//!
//! Each run gives one [`Scanner`]: id from the driver name (`unknown` when
//! it is `""` or `null`), version from `version`, else `semanticVersion`,
//! vendor from `organization`.

use crate::detect::TopObject;
use crate::lenient;
use crate::ParseError;
use secgate_core::{
    Category, Confidence, Finding, Fix, Format, Identifier, Link, Location, Package, Report,
    ScanStatus, Scanner, Severity,
};
use serde::de::Deserializer;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One entry of `runs[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Run {
    tool: Tool,
    /// `None` when absent or `null` (a run that produced no results).
    results: Option<Vec<SResult>>,
    #[serde(deserialize_with = "lenient::list")]
    invocations: Vec<Invocation>,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(deserialize_with = "lenient::list")]
    artifacts: Vec<Artifact>,
    /// 2.0 drafts: `resources.rules`, a map from id to rule.
    resources: Option<Resources>,
    properties: Option<RunProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RunProperties {
    #[serde(rename = "imageName", deserialize_with = "lenient::text")]
    image_name: Option<String>,
    #[serde(rename = "imageID", deserialize_with = "lenient::text")]
    image_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Resources {
    rules: Option<RuleSet>,
}

/// Rules as an array (2.1) or a map keyed by id (2.0 drafts).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RuleSet {
    List(Vec<Rule>),
    Map(BTreeMap<String, Rule>),
}

impl RuleSet {
    fn into_vec(self) -> Vec<Rule> {
        match self {
            RuleSet::List(v) => v,
            RuleSet::Map(m) => m
                .into_iter()
                .map(|(k, mut r)| {
                    if r.id.is_none() {
                        r.id = Some(k);
                    }
                    r
                })
                .collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tool {
    driver: Option<Component>,
    #[serde(deserialize_with = "lenient::list")]
    extensions: Vec<Component>,
    // 2.0 drafts: the tool is the component.
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    version: Option<String>,
    #[serde(rename = "semanticVersion", deserialize_with = "lenient::text")]
    semantic_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Component {
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    version: Option<String>,
    #[serde(rename = "semanticVersion", deserialize_with = "lenient::text")]
    semantic_version: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    organization: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    rules: Vec<Rule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Rule {
    #[serde(deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(rename = "shortDescription", deserialize_with = "message_text")]
    short_description: Option<String>,
    #[serde(rename = "fullDescription", deserialize_with = "message_text")]
    full_description: Option<String>,
    #[serde(deserialize_with = "message_text")]
    help: Option<String>,
    #[serde(rename = "helpUri", deserialize_with = "lenient::text")]
    help_uri: Option<String>,
    #[serde(rename = "messageStrings")]
    message_strings: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "defaultConfiguration")]
    default_configuration: Option<Configuration>,
    properties: Option<Properties>,
    #[serde(deserialize_with = "lenient::list")]
    relationships: Vec<Relationship>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Configuration {
    #[serde(deserialize_with = "lenient::text")]
    level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Relationship {
    target: Option<RelTarget>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RelTarget {
    #[serde(deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(rename = "toolComponent")]
    tool_component: Option<ComponentRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ComponentRef {
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(deserialize_with = "int")]
    index: Option<i64>,
}

/// A property bag: only the keys secgate reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Properties {
    #[serde(deserialize_with = "strings")]
    tags: Vec<String>,
    #[serde(rename = "security-severity", deserialize_with = "lenient::text")]
    security_severity: Option<String>,
    #[serde(rename = "problem.severity", deserialize_with = "lenient::text")]
    problem_severity: Option<String>,
    /// A producer's own severity word (OWASP dependency-check: `"low"`).
    #[serde(deserialize_with = "lenient::text")]
    severity: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    precision: Option<String>,
    #[serde(deserialize_with = "strings")]
    cwe: Vec<String>,
    #[serde(deserialize_with = "lenient::text")]
    commit: Option<String>,
    /// gitleaks 7 SARIF: the secret. Read only to mask it and to hash it.
    #[serde(deserialize_with = "lenient::text")]
    offender: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SResult {
    #[serde(rename = "ruleId", deserialize_with = "lenient::text")]
    rule_id: Option<String>,
    #[serde(rename = "ruleIndex", deserialize_with = "int")]
    rule_index: Option<i64>,
    rule: Option<RuleRef>,
    #[serde(deserialize_with = "lenient::text")]
    kind: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    level: Option<String>,
    #[serde(deserialize_with = "message")]
    message: Option<Message>,
    locations: Option<Vec<SLocation>>,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Option<BTreeMap<String, lenient::Text>>,
    fingerprints: Option<BTreeMap<String, lenient::Text>>,
    #[serde(deserialize_with = "lenient::text")]
    guid: Option<String>,
    suppressions: Option<Vec<Suppression>>,
    #[serde(rename = "suppressionStates", deserialize_with = "strings")]
    suppression_states: Vec<String>,
    properties: Option<Properties>,
    /// `absent`: the producer compared with its baseline and the result is no
    /// longer there (it is listed to say so, not as a finding).
    #[serde(rename = "baselineState", deserialize_with = "lenient::text")]
    baseline_state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RuleRef {
    #[serde(deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(deserialize_with = "int")]
    index: Option<i64>,
    #[serde(rename = "toolComponent")]
    tool_component: Option<ComponentRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Message {
    #[serde(deserialize_with = "lenient::text")]
    text: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    markdown: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    id: Option<String>,
    #[serde(deserialize_with = "strings")]
    arguments: Vec<String>,
}

/// A 2.1 `suppressions[]` entry. `status` (and the pre-release `state`, the
/// schema's misspelling of it) is `None` only when the key is absent; any value
/// written, even `null` or `""`, is kept as written so that it is not mistaken
/// for an absent status (which means accepted).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Suppression {
    #[serde(deserialize_with = "present")]
    status: Option<serde_json::Value>,
    #[serde(deserialize_with = "present")]
    state: Option<serde_json::Value>,
}

impl Suppression {
    /// SARIF 2.1.0 §3.35.3: a suppression with no `status` is accepted; so is
    /// `accepted` (any case). `underReview`, `rejected`, and anything else
    /// (unknown words, `null`, `""`, non-strings) are not: fail closed.
    fn is_accepted(&self) -> bool {
        match self.status.as_ref().or(self.state.as_ref()) {
            None => true,
            Some(v) => v
                .as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("accepted")),
        }
    }
}

/// A field that is present, whatever its value (`null` included): with
/// `#[serde(default)]`, an absent key stays `None`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SLocation {
    #[serde(rename = "physicalLocation")]
    physical_location: Option<Physical>,
    #[serde(rename = "logicalLocations", deserialize_with = "lenient::list")]
    logical_locations: Vec<Logical>,
    #[serde(
        rename = "fullyQualifiedLogicalName",
        deserialize_with = "lenient::text"
    )]
    fully_qualified_logical_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact_location: Option<ArtifactLocation>,
    #[serde(rename = "fileLocation")]
    file_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
struct ArtifactLocation {
    #[serde(deserialize_with = "lenient::text")]
    uri: Option<String>,
    #[serde(rename = "uriBaseId", deserialize_with = "lenient::text")]
    uri_base_id: Option<String>,
    #[serde(deserialize_with = "int")]
    index: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Region {
    #[serde(rename = "startLine", deserialize_with = "lenient::uint")]
    start_line: Option<u32>,
    #[serde(rename = "endLine", deserialize_with = "lenient::uint")]
    end_line: Option<u32>,
    #[serde(deserialize_with = "message_text")]
    snippet: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Logical {
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(rename = "fullyQualifiedName", deserialize_with = "lenient::text")]
    fully_qualified_name: Option<String>,
    #[serde(rename = "decoratedName", deserialize_with = "lenient::text")]
    decorated_name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Artifact {
    location: Option<ArtifactLocation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Invocation {
    #[serde(rename = "executionSuccessful", deserialize_with = "lenient::text")]
    execution_successful: Option<String>,
    #[serde(
        rename = "toolExecutionNotifications",
        deserialize_with = "lenient::list"
    )]
    tool_execution_notifications: Vec<Notification>,
    #[serde(
        rename = "toolConfigurationNotifications",
        deserialize_with = "lenient::list"
    )]
    tool_configuration_notifications: Vec<Notification>,
    #[serde(rename = "toolNotifications", deserialize_with = "lenient::list")]
    tool_notifications: Vec<Notification>,
    #[serde(
        rename = "configurationNotifications",
        deserialize_with = "lenient::list"
    )]
    configuration_notifications: Vec<Notification>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Notification {
    #[serde(deserialize_with = "lenient::text")]
    level: Option<String>,
    #[serde(deserialize_with = "message")]
    message: Option<Message>,
}

/// An integer that may be a number or a numeric string (indexes can be `-1`).
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(lenient::number(d)?.and_then(|v| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            Some(v as i64)
        } else {
            None
        }
    }))
}

/// A message object, or a bare string (SARIF 1.x, some 2.0 drafts).
fn message<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Message>, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(Message {
            text: Some(s).filter(|s| !s.trim().is_empty()),
            ..Message::default()
        })),
        Some(v @ serde_json::Value::Object(_)) => {
            Message::deserialize(v).map(Some).map_err(D::Error::custom)
        }
        Some(_) => Ok(None),
    }
}

/// A list of scalars read as text (non-scalars skipped), or one scalar as a one-element list.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Ok(match v {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(other) => scalar(&other).into_iter().collect(),
        None => Vec::new(),
    })
}

/// A SARIF message or multiformat string: `{"text": ...}` (else `markdown`),
/// or a bare string (2.0 drafts).
fn message_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref().and_then(value_text))
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o
            .get("text")
            .or_else(|| o.get("markdown"))
            .and_then(|t| t.as_str())
            .map(str::to_string),
        _ => None,
    }
    .filter(|s| !s.trim().is_empty())
}

/// Notes, counted so that one note per quirk is kept however many results share it.
#[derive(Default)]
struct Notes {
    order: Vec<String>,
    counts: BTreeMap<String, usize>,
}

impl Notes {
    fn add(&mut self, note: String) {
        let c = self.counts.entry(note.clone()).or_insert(0);
        if *c == 0 {
            self.order.push(note);
        }
        *c += 1;
    }

    fn into_vec(self) -> Vec<String> {
        let counts = self.counts;
        self.order
            .into_iter()
            .map(|n| match counts.get(&n) {
                Some(c) if *c > 1 => format!("{n} ({c} results)"),
                _ => n,
            })
            .collect()
    }
}

/// Converts a SARIF log.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let version = top.version.clone();
    if let Some(v) = &version {
        let v = v.trim();
        if v.starts_with("1.") || v == "1" {
            return Err(ParseError::Unsupported {
                format: Format::Sarif,
                detail: format!(
                    "SARIF {v}: secgate reads SARIF 2.x; convert the log to 2.1.0 first, e.g. with the SARIF multitool (`sarif transform --sarif-output-version Current LOG`)"
                ),
            });
        }
        if !v.starts_with('2') {
            return Err(ParseError::Unsupported {
                format: Format::Sarif,
                detail: format!(
                    "SARIF version `{v}`: secgate reads SARIF 2.x (2.0 drafts, 2.1.0, 2.2)"
                ),
            });
        }
    }
    let Some(runs) = top.runs else {
        return Err(ParseError::Shape {
            format: Format::Sarif,
            message: "a SARIF log must have a `runs` array (this one has a SARIF `$schema` but no `runs`)".into(),
            line: 0,
            column: 0,
        });
    };
    let mut report = Report::new(Format::Sarif);
    report.format_version = version;
    let mut notes = Notes::default();
    let mut failures = Vec::new();
    let mut run_categories = Vec::new();
    if runs.is_empty() {
        failures.push("the SARIF log has no runs (`\"runs\": []`): no tool ran, so it is no evidence of a clean scan".to_string());
    }
    for (i, run) in runs.into_iter().enumerate() {
        let (scanner, default_category) =
            convert_run(i, run, &mut report.findings, &mut notes, &mut failures);
        report.scanners.push(scanner);
        run_categories.push(default_category);
    }
    report.category = uniform(report.findings.iter().map(|f| &f.category))
        .or_else(|| {
            if report.findings.is_empty() {
                uniform(run_categories.iter())
            } else {
                None
            }
        })
        .cloned();
    if !failures.is_empty() {
        report.status = ScanStatus::Failed { reasons: failures };
    }
    report.notes = notes.into_vec();
    Ok(report)
}

fn uniform<'a>(mut it: impl Iterator<Item = &'a Category>) -> Option<&'a Category> {
    let first = it.next()?;
    it.all(|c| c == first).then_some(first)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ToolKind {
    Secrets,
    Dependencies,
    Trivy,
    Other,
}

fn tool_kind(name: &str) -> ToolKind {
    let n = name.to_ascii_lowercase();
    if ["gitleaks", "trufflehog", "detect-secrets"]
        .iter()
        .any(|t| n.contains(t))
    {
        ToolKind::Secrets
    } else if ["grype", "dependency-check", "govulncheck", "osv-scanner"]
        .iter()
        .any(|t| n.contains(t))
    {
        ToolKind::Dependencies
    } else if n.contains("trivy") {
        ToolKind::Trivy
    } else {
        ToolKind::Other
    }
}

/// Everything a run's results share.
struct RunCtx<'a> {
    index: usize,
    tool_name: String,
    kind: ToolKind,
    image: Option<String>,
    driver_rules: &'a [Rule],
    extensions: &'a [Component],
    legacy_rules: &'a [Rule],
    bases: &'a BTreeMap<String, serde_json::Value>,
    artifacts: &'a [Artifact],
}

fn convert_run(
    index: usize,
    run: Run,
    out: &mut Vec<Finding>,
    notes: &mut Notes,
    failures: &mut Vec<String>,
) -> (Scanner, Category) {
    let Run {
        tool,
        results,
        invocations,
        original_uri_base_ids,
        artifacts,
        resources,
        properties,
    } = run;
    let driver = tool.driver.unwrap_or_default();
    let name = driver.name.clone().or(tool.name).unwrap_or_default();
    let version = driver
        .version
        .clone()
        .or(driver.semantic_version.clone())
        .or(tool.version)
        .or(tool.semantic_version);
    let scanner = Scanner {
        id: Scanner::id_from_name(&name),
        name: if name.trim().is_empty() {
            "unknown".to_string()
        } else {
            name.clone()
        },
        version,
        vendor: driver.organization.clone(),
    };
    let label = format!("run {index} ({})", scanner.name);
    let kind = tool_kind(&name);
    let image = properties
        .as_ref()
        .and_then(|p| p.image_name.clone().or(p.image_id.clone()));
    let default_category = match kind {
        ToolKind::Secrets => Category::SecretDetection,
        ToolKind::Dependencies => Category::DependencyScanning,
        ToolKind::Trivy if image.is_some() => Category::ContainerScanning,
        ToolKind::Trivy => Category::DependencyScanning,
        ToolKind::Other => Category::Sast,
    };

    // Did the tool run?
    for inv in &invocations {
        let said = inv
            .execution_successful
            .as_deref()
            .map(|s| s.trim().eq_ignore_ascii_case("true"));
        let messages: Vec<(bool, String)> = inv
            .tool_execution_notifications
            .iter()
            .chain(&inv.tool_configuration_notifications)
            .chain(&inv.tool_notifications)
            .chain(&inv.configuration_notifications)
            .map(|n| {
                let error = n
                    .level
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("error"));
                let text = n
                    .message
                    .as_ref()
                    .and_then(|m| m.text.clone().or(m.markdown.clone()).or(m.id.clone()))
                    .unwrap_or_else(|| "(no message)".into());
                (error, text)
            })
            .collect();
        match said {
            Some(false) => {
                let mut reason = format!("{label}: the tool reports executionSuccessful: false");
                if !messages.is_empty() {
                    reason.push_str(": ");
                    reason.push_str(
                        &messages
                            .iter()
                            .map(|(_, m)| m.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                }
                failures.push(reason);
            }
            None if messages.iter().any(|(e, _)| *e) => {
                let errors: Vec<&str> = messages
                    .iter()
                    .filter(|(e, _)| *e)
                    .map(|(_, m)| m.as_str())
                    .collect();
                failures.push(format!(
                    "{label}: the tool reported errors (and did not say it succeeded): {}",
                    errors.join("; ")
                ));
            }
            _ => {
                for (_, m) in messages.iter().filter(|(e, _)| *e) {
                    notes.add(format!(
                        "{label}: the tool reported an error but says it succeeded: {m}"
                    ));
                }
            }
        }
    }
    let Some(results) = results else {
        failures.push(format!(
            "{label} has no `results` array: the analysis did not produce results (a run that found nothing writes `\"results\": []`)"
        ));
        return (scanner, default_category);
    };

    let legacy_rules = resources
        .and_then(|r| r.rules)
        .map(RuleSet::into_vec)
        .unwrap_or_default();
    let empty = BTreeMap::new();
    let ctx = RunCtx {
        index,
        tool_name: scanner.name.clone(),
        kind,
        image,
        driver_rules: &driver.rules,
        extensions: &tool.extensions,
        legacy_rules: &legacy_rules,
        bases: original_uri_base_ids.as_ref().unwrap_or(&empty),
        artifacts: &artifacts,
    };
    let shared = std::sync::Arc::new(scanner.clone());
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (ri, result) in results.into_iter().enumerate() {
        if let Some(k) = result.kind.as_deref() {
            if ["pass", "informational", "notapplicable"].contains(&k.to_ascii_lowercase().as_str())
            {
                *skipped.entry(format!("of kind `{k}`")).or_insert(0) += 1;
                continue;
            }
        }
        if result
            .baseline_state
            .as_deref()
            .is_some_and(|b| b.trim().eq_ignore_ascii_case("absent"))
        {
            *skipped
                .entry("with `baselineState: absent` (gone since the producer's baseline)".into())
                .or_insert(0) += 1;
            continue;
        }
        out.push(convert_result(&ctx, &shared, ri, result, notes));
    }
    for (k, n) in skipped {
        notes.add(format!(
            "{label}: {n} result(s) {k} are not findings and were skipped"
        ));
    }
    (scanner, default_category)
}

/// Finds a rule by id in every rule list of the run (a hierarchical id `A/B` also matches `A`).
fn rule_by_id<'a>(ctx: &RunCtx<'a>, id: &str) -> Option<&'a Rule> {
    let all = || {
        ctx.driver_rules
            .iter()
            .chain(ctx.extensions.iter().flat_map(|e| e.rules.iter()))
            .chain(ctx.legacy_rules.iter())
    };
    all().find(|r| r.id.as_deref() == Some(id)).or_else(|| {
        let base = id.split('/').next().filter(|b| *b != id)?;
        all().find(|r| r.id.as_deref() == Some(base))
    })
}

fn resolve_rule<'a>(
    ctx: &RunCtx<'a>,
    result: &SResult,
    label: &str,
    notes: &mut Notes,
) -> (Option<String>, Option<&'a Rule>) {
    let ref_id = result.rule.as_ref().and_then(|r| r.id.clone());
    if let (Some(a), Some(b)) = (&result.rule_id, &ref_id) {
        if a != b {
            notes.add(format!(
                "{label}: ruleId `{a}` differs from rule.id `{b}`; `{a}` is used"
            ));
        }
    }
    let mut id = result.rule_id.clone().or(ref_id);

    // By index, in the driver or an extension.
    let comp_index = result
        .rule
        .as_ref()
        .and_then(|r| r.tool_component.as_ref())
        .and_then(|t| t.index);
    let rules: Option<&'a [Rule]> = match comp_index {
        None => Some(ctx.driver_rules),
        Some(ci) => match usize::try_from(ci)
            .ok()
            .and_then(|ci| ctx.extensions.get(ci))
        {
            Some(ext) => Some(&ext.rules),
            None => {
                notes.add(format!(
                    "{label}: rule.toolComponent.index {ci} does not name an extension; the rule is looked up by id"
                ));
                None
            }
        },
    };
    let index = result
        .rule
        .as_ref()
        .and_then(|r| r.index)
        .or(result.rule_index);
    let mut by_index = None;
    if let (Some(ix), Some(rules)) = (index, rules) {
        match usize::try_from(ix).ok().and_then(|i| rules.get(i)) {
            Some(r) => by_index = Some(r),
            None => notes.add(format!(
                "{label}: ruleIndex {ix} is out of range ({} rules); the rule is looked up by id",
                rules.len()
            )),
        }
    }
    if let (Some(r), Some(want)) = (by_index, &id) {
        if r.id
            .as_deref()
            .is_some_and(|rid| rid != want && !want.starts_with(&format!("{rid}/")))
        {
            notes.add(format!(
                "{label}: ruleIndex points at rule `{}` but ruleId is `{want}`; the rule is looked up by id",
                r.id.as_deref().unwrap_or_default()
            ));
            by_index = None;
        }
    }
    let rule = by_index.or_else(|| id.as_deref().and_then(|i| rule_by_id(ctx, i)));
    if id.is_none() {
        id = rule.and_then(|r| r.id.clone());
    }
    (id, rule)
}

fn convert_result(
    ctx: &RunCtx<'_>,
    scanner: &std::sync::Arc<Scanner>,
    ri: usize,
    result: SResult,
    notes: &mut Notes,
) -> Finding {
    let label = format!("run {} ({})", ctx.index, ctx.tool_name);
    let (rule_id, rule) = resolve_rule(ctx, &result, &label, notes);
    let rule_props = rule.and_then(|r| r.properties.as_ref());
    let res_props = result.properties.as_ref();
    let tags: Vec<&str> = rule_props
        .iter()
        .chain(res_props.iter())
        .flat_map(|p| p.tags.iter().map(String::as_str))
        .collect();

    // Category.
    let category = match ctx.kind {
        ToolKind::Secrets => Category::SecretDetection,
        ToolKind::Dependencies => Category::DependencyScanning,
        ToolKind::Other => Category::Sast,
        ToolKind::Trivy => {
            let has = |t: &str| tags.iter().any(|x| x.eq_ignore_ascii_case(t));
            let os_pkg = rule
                .and_then(|r| r.name.as_deref())
                .is_some_and(|n| n.starts_with("OsPackage") || n.starts_with("OS Package"));
            if has("secret") {
                Category::SecretDetection
            } else if has("misconfiguration") {
                Category::Misconfiguration
            } else if ctx.image.is_some() || os_pkg {
                Category::ContainerScanning
            } else {
                Category::DependencyScanning
            }
        }
    };

    // Severity.
    let sec_sev = res_props
        .and_then(|p| p.security_severity.clone())
        .or_else(|| rule_props.and_then(|p| p.security_severity.clone()));
    let from_sec = sec_sev
        .as_deref()
        .and_then(|s| Severity::parse_lenient(s).map(|v| (v, s.to_string())));
    // Else the producer's own scale: a `severity` property (dependency-check)
    // or a tag that is exactly an upper-case severity word (gosec's `LOW`,
    // `MEDIUM`, `HIGH`), which `level` only approximates.
    let from_producer = from_sec.or_else(|| {
        res_props
            .and_then(|p| p.severity.as_deref())
            .or_else(|| rule_props.and_then(|p| p.severity.as_deref()))
            .and_then(|s| Severity::parse_lenient(s).map(|v| (v, s.to_string())))
            .or_else(|| {
                res_props
                    .into_iter()
                    .chain(rule_props)
                    .flat_map(|p| p.tags.iter())
                    .find_map(|t| severity_tag(t).map(|v| (v, t.clone())))
            })
    });
    let (severity, original) = match from_producer {
        Some((s, t)) => (s, Some(t)),
        None => {
            let level = result.level.clone().or_else(|| {
                rule.and_then(|r| r.default_configuration.as_ref())
                    .and_then(|c| c.level.clone())
            });
            match level {
                Some(l) => (
                    Severity::from_sarif_level(&l).unwrap_or(Severity::Unknown),
                    Some(l),
                ),
                None => match rule_props.and_then(|p| p.problem_severity.clone()) {
                    Some(ps) => {
                        let s = match ps.trim().to_ascii_lowercase().as_str() {
                            "error" => Severity::High,
                            "warning" => Severity::Medium,
                            "recommendation" => Severity::Low,
                            _ => Severity::Unknown,
                        };
                        (s, Some(ps))
                    }
                    // Nothing stated. A leaked secret is critical, as the
                    // gitleaks JSON reader and GitLab's secret detection rate
                    // it (gitleaks' SARIF writes no `level`: SARIF's default
                    // `warning` would let every leak pass `fail_on: high`).
                    None if category == Category::SecretDetection => (Severity::Critical, None),
                    None => (Severity::Medium, None),
                },
            }
        }
    };

    // Secrets to mask (gitleaks SARIF puts the secret in the snippet and `offender`).
    let first = result.locations.as_ref().and_then(|l| l.first());
    let region = first
        .and_then(|l| l.physical_location.as_ref())
        .and_then(|p| p.region.as_ref());
    let mut secrets: Vec<String> = Vec::new();
    if category == Category::SecretDetection {
        secrets.extend(region.and_then(|r| r.snippet.clone()));
        secrets.extend(res_props.and_then(|p| p.offender.clone()));
    }
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let m = |t: &str| crate::gitleaks::mask(t, &secret_refs);

    // Message, title, description.
    let message = message_of(result.message.as_ref(), rule).map(|t| m(&t));
    let short = rule
        .and_then(|r| r.short_description.clone())
        .map(|t| m(&t));
    let first_line = message
        .as_deref()
        .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string);
    let one_short_line = message
        .as_deref()
        .is_some_and(|t| t.trim().lines().count() == 1 && t.trim().chars().count() <= 200);
    let title = if one_short_line {
        message.as_deref().unwrap_or_default().trim().to_string()
    } else if let Some(s) = &short {
        s.trim().to_string()
    } else if let Some(l) = &first_line {
        cut(l, 200)
    } else if let Some(id) = &rule_id {
        id.clone()
    } else {
        format!("{} result {ri}", ctx.tool_name)
    };
    let mut desc_parts: Vec<String> = Vec::new();
    if let Some(msg) = &message {
        if msg.trim() != title {
            desc_parts.push(msg.trim().to_string());
        }
    }
    if let Some(d) = rule
        .and_then(|r| r.full_description.clone().or(r.help.clone()))
        .map(|t| m(&t))
    {
        if !desc_parts.iter().any(|p| p == d.trim()) && d.trim() != title {
            desc_parts.push(d.trim().to_string());
        }
    }

    // Location.
    let location = location_of(ctx, &result, &category, first, region, &m);

    let mut f = Finding::new(scanner.clone(), category, severity, title, location);
    f.original_severity = original;
    f.confidence = rule_props
        .and_then(|p| p.precision.as_deref())
        .map(|p| match p.trim().to_ascii_lowercase().as_str() {
            "very-high" | "high" => Confidence::High,
            "medium" => Confidence::Medium,
            "low" | "very-low" => Confidence::Low,
            _ => Confidence::Unknown,
        })
        .unwrap_or(Confidence::Unknown);
    f.description = (!desc_parts.is_empty()).then(|| desc_parts.join("\n\n"));
    // Trivy's fixed versions, as the Trivy JSON reader fills `fix`: without
    // them `ignore_unfixed: true` would pass every fixable vulnerability.
    if ctx.kind == ToolKind::Trivy
        && matches!(
            f.category,
            Category::ContainerScanning | Category::DependencyScanning
        )
    {
        f.fix = trivy_fix(&result);
    }
    if let Some(u) = rule.and_then(|r| r.help_uri.clone()) {
        f.links.push(Link { name: None, url: u });
    }

    // Identifiers.
    for text in rule_id
        .iter()
        .chain(rule.and_then(|r| r.id.as_ref()))
        .map(String::as_str)
    {
        for id in vuln_ids_in(text) {
            f.add_identifier(id);
        }
    }
    for tag in &tags {
        for id in ids_in_tag(tag) {
            f.add_identifier(id);
        }
    }
    for p in rule_props.iter().chain(res_props.iter()) {
        for c in &p.cwe {
            for id in ids_in_tag(c) {
                f.add_identifier(id);
            }
            if let Ok(n) = c.trim().parse::<u32>() {
                f.add_identifier(Identifier::Cwe(n));
            }
        }
    }
    for rel in rule.map(|r| r.relationships.as_slice()).unwrap_or_default() {
        let Some(t) = &rel.target else { continue };
        let is_cwe = t
            .tool_component
            .as_ref()
            .and_then(|c| c.name.as_deref())
            .is_some_and(|n| n.eq_ignore_ascii_case("cwe"));
        if is_cwe {
            if let Some(id) = t.id.as_deref() {
                if let Ok(n) = id.trim().trim_start_matches("CWE-").parse::<u32>() {
                    f.add_identifier(Identifier::Cwe(n));
                }
            }
        }
    }
    f.rule_id = rule_id;

    // Suppression: only when every suppression is accepted. One that is
    // `underReview` or `rejected` keeps the result, as GitLab's SARIF
    // converter and the SARIF SDK keep it.
    f.suppressed = match &result.suppressions {
        Some(s) if !s.is_empty() => s.iter().all(Suppression::is_accepted),
        _ => !result.suppression_states.is_empty(),
    };

    // The producer's id.
    let first_value = |m: &Option<BTreeMap<String, lenient::Text>>| {
        m.as_ref()
            .and_then(|m| m.values().find_map(|v| v.0.clone()))
    };
    f.source_id = result.guid.clone().or_else(|| {
        if f.category == Category::SecretDetection {
            None
        } else {
            first_value(&result.fingerprints).or_else(|| first_value(&result.partial_fingerprints))
        }
    });
    f
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// The result's message text: `text`, else `markdown`, else `id` in the
/// rule's `messageStrings` with `{N}` filled from `arguments`, else the rule's
/// `shortDescription`.
fn message_of(msg: Option<&Message>, rule: Option<&Rule>) -> Option<String> {
    if let Some(t) = msg.and_then(|m| m.text.clone().or(m.markdown.clone())) {
        return Some(t);
    }
    if let (Some(m), Some(r)) = (msg, rule) {
        if let Some(id) = &m.id {
            if let Some(tpl) = r
                .message_strings
                .as_ref()
                .and_then(|ms| ms.get(id))
                .and_then(value_text)
            {
                let mut s = tpl;
                for (i, a) in m.arguments.iter().enumerate() {
                    s = s.replace(&format!("{{{i}}}"), a);
                }
                return Some(s);
            }
        }
    }
    rule.and_then(|r| r.short_description.clone())
}

fn location_of(
    ctx: &RunCtx<'_>,
    result: &SResult,
    category: &Category,
    first: Option<&SLocation>,
    region: Option<&Region>,
    m: &dyn Fn(&str) -> String,
) -> Location {
    let Some(loc) = first else {
        return Location::None;
    };
    let physical = loc.physical_location.as_ref();
    let art = physical.and_then(|p| p.artifact_location.as_ref().or(p.file_location.as_ref()));
    let file = art.and_then(|a| artifact_path(ctx, a)).map(|f| m(&f));
    let start_line = region.and_then(|r| r.start_line).filter(|l| *l > 0);
    let end_line = region.and_then(|r| r.end_line).filter(|l| *l > 0);

    if let Some(file) = file {
        match category {
            Category::SecretDetection => {
                let commit = result
                    .partial_fingerprints
                    .as_ref()
                    .and_then(|p| p.get("commitSha"))
                    .and_then(|t| t.0.clone())
                    .or_else(|| result.properties.as_ref().and_then(|p| p.commit.clone()))
                    .filter(|c| !crate::gitleaks::is_null_commit(c));
                // The secret's digest, from gitleaks 7's `properties.offender`
                // (as the gitleaks JSON reader hashes `offender`), else the
                // snippet (gitleaks 8 writes the secret there, as its JSON's
                // `Secret`): hashed, never kept. Another producer's snippet
                // may hold the line around the secret: a different secret
                // then differs too (a change elsewhere on the line makes the
                // finding new: the safe side).
                let offender = result
                    .properties
                    .as_ref()
                    .and_then(|p| p.offender.as_deref());
                let digest = crate::secret::digest_of(offender).or_else(|| {
                    crate::secret::digest_of(region.and_then(|r| r.snippet.as_deref()))
                });
                return Location::Secret {
                    file,
                    line: start_line,
                    commit,
                    digest,
                };
            }
            Category::ContainerScanning | Category::DependencyScanning
                if ctx.kind == ToolKind::Trivy =>
            {
                if let Some(package) = trivy_package(result) {
                    return match (category, &ctx.image) {
                        (Category::ContainerScanning, Some(image)) => Location::Container {
                            image: image.clone(),
                            operating_system: None,
                            package,
                        },
                        (Category::ContainerScanning, None) => Location::Container {
                            image: file,
                            operating_system: None,
                            package,
                        },
                        _ => Location::Dependency {
                            file: Some(file),
                            package,
                        },
                    };
                }
            }
            _ => {}
        }
        return Location::Source {
            file,
            start_line,
            end_line,
            snippet: region.and_then(|r| r.snippet.clone()),
        };
    }
    // Logical only.
    let logical = loc.logical_locations.iter().find_map(|l| {
        l.fully_qualified_name
            .clone()
            .or(l.name.clone())
            .or(l.decorated_name.clone())
            .map(|n| (l.kind.clone(), n))
    });
    if let Some((kind, name)) = logical {
        return Location::Resource {
            kind,
            name: m(&name),
        };
    }
    if let Some(name) = &loc.fully_qualified_logical_name {
        return Location::Resource {
            kind: None,
            name: m(name),
        };
    }
    Location::None
}

/// The value of a `Key: value` line of Trivy's message (`Package: X\n
/// Installed Version: Y\n...\nFixed Version: Z\n...`), trimmed; the first
/// such line wins (the template's fields come before any free text). `None`
/// when the result has no message text or no such line.
fn trivy_field<'a>(result: &'a SResult, key: &str) -> Option<&'a str> {
    let text = result.message.as_ref()?.text.as_deref()?;
    text.lines()
        .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

/// Trivy's message: `Package: X\nInstalled Version: Y\n...`.
fn trivy_package(result: &SResult) -> Option<Package> {
    let name = trivy_field(result, "Package").filter(|n| !n.is_empty())?;
    let version = trivy_field(result, "Installed Version").filter(|v| !v.is_empty());
    Some(Package {
        name: name.to_string(),
        version: version.map(str::to_string),
        purl: None,
    })
}

/// Trivy's message: `Fixed Version: A, B` (Trivy JSON's `FixedVersion`,
/// a comma list; empty when there is no fix). SARIF carries no `Status`.
fn trivy_fix(result: &SResult) -> Fix {
    let field = trivy_field(result, "Fixed Version");
    let mut fix = Fix::from_fixed_version_list(field, None);
    // The template writes the line for every vulnerability: present and
    // empty, Trivy found no fix; absent, the message says nothing about fixes.
    if field.is_some() && fix.fixed_versions.is_empty() {
        fix.status = Some(secgate_core::FixStatus::Affected);
    }
    fix
}

/// The path of an artifact location, resolved as described in the module docs.
fn artifact_path(ctx: &RunCtx<'_>, a: &ArtifactLocation) -> Option<String> {
    let (uri, base) = match &a.uri {
        Some(u) => (u.clone(), a.uri_base_id.clone()),
        None => {
            let art = a
                .index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| ctx.artifacts.get(i))
                .and_then(|x| x.location.as_ref())?;
            (art.uri.clone()?, art.uri_base_id.clone())
        }
    };
    let mut path = uri_to_path(&uri);
    if is_absolute(&path) {
        return Some(path);
    }
    // Prefix relative bases, stop at an absolute one.
    let mut base = base;
    for _ in 0..8 {
        let Some(b) = base.take() else { break };
        let Some(v) = ctx.bases.get(&b) else { break };
        let (buri, next) = match v {
            serde_json::Value::String(s) => (Some(s.clone()), None),
            serde_json::Value::Object(o) => (
                o.get("uri").and_then(|u| u.as_str()).map(str::to_string),
                o.get("uriBaseId")
                    .and_then(|u| u.as_str())
                    .map(str::to_string),
            ),
            _ => (None, None),
        };
        let Some(buri) = buri.map(|u| u.trim().to_string()) else {
            break;
        };
        let bpath = uri_to_path(&buri);
        if bpath.is_empty() || is_absolute(&bpath) || buri.contains("://") {
            break;
        }
        path = format!("{}/{}", bpath.trim_end_matches('/'), path);
        base = next;
    }
    Some(path)
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || p.as_bytes().get(1) == Some(&b':')
}

/// `file:///abs` and `file:////abs` → `/abs`, `file:///C:/x` → `C:/x`,
/// percent escapes decoded; text that is not a URI is kept.
fn uri_to_path(uri: &str) -> String {
    let u = uri.trim();
    let decoded = percent_decode(u).unwrap_or_else(|| u.to_string());
    if let Some(rest) = decoded
        .strip_prefix("file://")
        .or_else(|| decoded.strip_prefix("FILE://"))
    {
        let trimmed = rest.trim_start_matches('/');
        if trimmed.as_bytes().get(1) == Some(&b':') {
            return trimmed.to_string();
        }
        if rest.starts_with('/') {
            return format!("/{trimmed}");
        }
        // file://host/path: keep the host as part of the path.
        return format!("//{rest}");
    }
    decoded
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// CVE and GHSA ids anywhere in a text (rule ids such as
/// `alpine (3.10): libcrypto1.1-1.1.1c-r0 CVE-2019-1549` or `CVE-2008-0732-geronimo`).
fn vuln_ids_in(text: &str) -> Vec<Identifier> {
    let mut out = Vec::new();
    let upper = text.to_ascii_uppercase();
    for prefix in ["CVE-", "GHSA-"] {
        let mut from = 0;
        while let Some(pos) = upper[from..].find(prefix) {
            let start = from + pos;
            let boundary = start == 0 || !upper.as_bytes()[start - 1].is_ascii_alphanumeric();
            from = start + prefix.len();
            if !boundary {
                continue;
            }
            let candidate = if prefix == "CVE-" {
                // CVE-YYYY-NNNN+: take the digits after the year.
                let rest = &upper[from..];
                let year: String = rest.chars().take(4).collect();
                let seq: String = rest
                    .chars()
                    .skip(5)
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                format!("CVE-{year}-{seq}")
            } else {
                text.get(start..(start + 19).min(text.len()))
                    .unwrap_or_default()
                    .to_string()
            };
            if let Ok(id) = candidate.parse::<Identifier>() {
                if !matches!(id, Identifier::Other { .. }) && !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

/// Typed ids in one tag: `CWE-79`, `CWE-79: ...`, `external/cwe/cwe-079`,
/// `OWASP-A05:2021-...`, `A03:2021`, CVE and GHSA ids.
fn ids_in_tag(tag: &str) -> Vec<Identifier> {
    let t = tag.trim();
    let lower = t.to_ascii_lowercase();
    let mut out = Vec::new();
    if let Some(pos) = lower.find("cwe-") {
        let digits: String = lower[pos + 4..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let boundary = pos == 0 || !lower.as_bytes()[pos - 1].is_ascii_alphanumeric();
        if boundary {
            if let Ok(n) = digits.parse::<u32>() {
                out.push(Identifier::Cwe(n));
            }
        }
    }
    if out.is_empty() {
        if let Ok(id) = t.parse::<Identifier>() {
            if !matches!(id, Identifier::Other { .. }) {
                out.push(id);
            }
        }
    }
    for id in vuln_ids_in(t) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A tag that states a severity: exactly `CRITICAL`, `HIGH`, `MEDIUM` or `LOW`
/// (upper case, as gosec writes them; a lower-case `high` tag may mean
/// something else, such as precision).
fn severity_tag(tag: &str) -> Option<Severity> {
    match tag {
        "CRITICAL" => Some(Severity::Critical),
        "HIGH" => Some(Severity::High),
        "MEDIUM" => Some(Severity::Medium),
        "LOW" => Some(Severity::Low),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
