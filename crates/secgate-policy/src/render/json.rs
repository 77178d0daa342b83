//! The JSON result: the verdict, versioned. A later run reads it back as a
//! baseline (`--baseline`), so it holds every finding with its fingerprint.

use super::stream::{write_item, ObjectWriter};
use super::{Counts, TOOL_NAME, TOOL_VERSION};
use crate::verdict::Verdict;
use secgate_core::{Category, Finding, Location, Severity};
use serde_json::{json, Map, Value};
use std::io::{self, BufWriter, Write};

/// The version of the JSON result's shape. It changes only when a field
/// changes meaning or goes away; new fields may appear without a change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The verdict as JSON: every field of [`Verdict`] (`passed`, `findings`
/// with each finding, its `outcome` and its `source`, `problems`, `scanners`,
/// `categories`), plus `schema_version` ([`JSON_SCHEMA_VERSION`]), `tool`
/// (`name`, `version`) and `summary` (the counts of [`super::dotenv`]).
/// `serde_json::from_value::<Verdict>` reads it back (the added keys are ignored).
///
/// Redacted: code snippets and the descriptions of secret findings are left
/// out (see `docs/outputs.md`); fingerprints are kept as computed.
pub fn json(v: &Verdict) -> Value {
    let mut out = Map::new();
    out.insert("schema_version".into(), JSON_SCHEMA_VERSION.into());
    out.insert("tool".into(), tool());
    out.insert("summary".into(), summary(v));
    // The verdict always serialises (plain data, string keys).
    if let Ok(Value::Object(mut fields)) = serde_json::to_value(v) {
        if let Some(Value::Array(findings)) = fields.get_mut("findings") {
            findings.iter_mut().for_each(redact);
        }
        out.extend(fields);
    }
    Value::Object(out)
}

/// Writes [`json()`] to `w` (compact JSON), one finding at a time: for big
/// verdicts, much faster and smaller in memory than building the value.
pub fn write_json<W: Write>(w: W, v: &Verdict) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(super::stream::BUF, w);
    let mut o = ObjectWriter::begin(&mut w)?;
    o.field("schema_version", &JSON_SCHEMA_VERSION)?;
    o.field("tool", &tool())?;
    o.field("summary", &summary(v))?;
    o.field("passed", &v.passed)?;
    o.field("policy", &v.policy)?;
    let mut buf = Vec::new();
    o.array_with("findings", &v.findings, |w, j| {
        if needs_redaction(&j.finding) {
            let mut value = serde_json::to_value(j)?;
            redact(&mut value);
            write_item(w, &mut buf, &value)
        } else {
            write_item(w, &mut buf, j)
        }
    })?;
    o.field("problems", &v.problems)?;
    o.field("scanners", &v.scanners)?;
    o.field("categories", &v.categories)?;
    o.end()?;
    w.flush()
}

fn tool() -> Value {
    json!({"name": TOOL_NAME, "version": TOOL_VERSION})
}

fn summary(v: &Verdict) -> Value {
    let c = Counts::of(&v.findings);
    let mut by_severity = Map::new();
    for s in Severity::ALL {
        by_severity.insert(
            s.as_str().into(),
            c.by_severity[super::severity_index(s)][0].into(),
        );
    }
    json!({
        "total": c.total,
        "failed": c.failed,
        "allowed": c.passed,
        "exempted": c.exempted,
        "existing": c.existing,
        "new": c.total - c.existing,
        "by_severity": by_severity,
        "problems": v.problems.len(),
        "blocking_problems": v.problems.iter().filter(|p| p.blocking).count(),
    })
}

/// Whether [`redact`] would change the finding.
fn needs_redaction(f: &Finding) -> bool {
    let secret =
        f.category == Category::SecretDetection || matches!(f.location, Location::Secret { .. });
    (secret && f.description.is_some())
        || matches!(
            &f.location,
            Location::Source {
                snippet: Some(_),
                ..
            }
        )
}

/// Never print a secret: code snippets (a SAST rule about a hard-coded
/// password quotes it) and the description of a secret finding are left out.
/// The fingerprint, computed from the snippet when it was read, is kept.
fn redact(judged: &mut Value) {
    let Some(f) = judged.get_mut("finding").and_then(Value::as_object_mut) else {
        return;
    };
    let secret = f.get("category").and_then(Value::as_str) == Some("secret_detection")
        || f.get("location")
            .and_then(|l| l.get("type"))
            .and_then(Value::as_str)
            == Some("secret");
    if secret {
        f.remove("description");
    }
    if let Some(Value::Object(loc)) = f.get_mut("location") {
        loc.remove("snippet");
    }
}
