//! Detection by content, in one pass.
//!
//! The top-level JSON value is read once into [`Top`]: an object is read into
//! [`TopObject`], whose fields are the top-level keys of every supported
//! format, each typed by its format's module, so that no report is ever
//! parsed twice or held as an untyped tree. The keys present then say which
//! format it is. Top-level arrays are Trivy's pre-0.20 list or gitleaks; each
//! element is classified by its keys.

use crate::lenient;
use crate::{gitlab, gitleaks, sarif, trivy, zap, ParseError};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The top-level keys of every object-shaped format. Unknown keys are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TopObject {
    // ---- shared by GitLab and SARIF
    /// GitLab's schema version or SARIF's `version`.
    #[serde(deserialize_with = "lenient::text")]
    pub version: Option<String>,

    // ---- GitLab security reports
    pub vulnerabilities: Option<Vec<gitlab::Vulnerability>>,
    pub scan: Option<gitlab::Scan>,
    #[serde(deserialize_with = "lenient::list")]
    pub remediations: Vec<gitlab::Remediation>,
    pub dependency_files: Option<IgnoredAny>,
    #[serde(deserialize_with = "lenient::text")]
    pub schema: Option<String>,

    // ---- SARIF
    #[serde(rename = "$schema", deserialize_with = "lenient::text")]
    pub dollar_schema: Option<String>,
    pub runs: Option<Vec<sarif::Run>>,
    #[serde(rename = "inlineExternalProperties")]
    pub inline_external_properties: Option<IgnoredAny>,

    // ---- Trivy (SchemaVersion 2, and `trivy k8s`)
    #[serde(rename = "SchemaVersion", deserialize_with = "lenient::text")]
    pub trivy_schema_version: Option<String>,
    #[serde(rename = "Trivy")]
    pub trivy_info: Option<trivy::TrivyInfo>,
    #[serde(rename = "ArtifactName", deserialize_with = "lenient::text")]
    pub trivy_artifact_name: Option<String>,
    #[serde(rename = "ArtifactType", deserialize_with = "lenient::text")]
    pub trivy_artifact_type: Option<String>,
    #[serde(rename = "Metadata")]
    pub trivy_metadata: Option<trivy::Metadata>,
    #[serde(rename = "Results")]
    pub trivy_results: Option<Option<Vec<trivy::TrivyResult>>>,
    #[serde(
        rename = "ExperimentalModifiedFindings",
        deserialize_with = "lenient::list"
    )]
    pub trivy_modified_findings: Vec<trivy::ModifiedFinding>,
    #[serde(rename = "ClusterName", deserialize_with = "lenient::text")]
    pub trivy_cluster_name: Option<String>,
    /// `trivy k8s` (old form): resources with vulnerabilities.
    #[serde(rename = "Vulnerabilities")]
    pub trivy_k8s_vulnerabilities: Option<Option<Vec<trivy::K8sResource>>>,
    /// `trivy k8s` (old form): resources with misconfigurations.
    #[serde(rename = "Misconfigurations")]
    pub trivy_k8s_misconfigurations: Option<Option<Vec<trivy::K8sResource>>>,
    /// `trivy k8s` (new form).
    #[serde(rename = "Resources")]
    pub trivy_k8s_resources: Option<Option<Vec<trivy::K8sResource>>>,

    // ---- OWASP ZAP
    pub site: Option<Vec<zap::Site>>,
    #[serde(rename = "@version", deserialize_with = "lenient::text")]
    pub zap_version: Option<String>,
    #[serde(rename = "@generated", deserialize_with = "lenient::text")]
    pub zap_generated: Option<String>,
    #[serde(rename = "@programName", deserialize_with = "lenient::text")]
    pub zap_program_name: Option<String>,
    #[serde(rename = "created", deserialize_with = "lenient::text")]
    pub zap_created: Option<String>,
    /// ZAP automation framework plan errors (the `-plus` variant); not empty: a failed scan.
    #[serde(rename = "afPlanErrors", deserialize_with = "lenient::list")]
    pub zap_af_plan_errors: Vec<lenient::Text>,

    /// Set by the reader: how many keys the object had.
    #[serde(skip)]
    pub key_count: usize,
}

impl TopObject {
    fn has_trivy_keys(&self) -> bool {
        self.trivy_schema_version.is_some()
            || self.trivy_results.is_some()
            || self.trivy_artifact_name.is_some()
            || self.trivy_artifact_type.is_some()
            || self.trivy_cluster_name.is_some()
            || self.trivy_k8s_resources.is_some()
            || self.trivy_k8s_vulnerabilities.is_some()
            || self.trivy_k8s_misconfigurations.is_some()
    }

    fn has_zap_keys(&self) -> bool {
        self.site.is_some() || self.zap_version.is_some() || self.zap_generated.is_some()
    }

    fn looks_like_sarif(&self) -> bool {
        self.runs.is_some()
            || self
                .dollar_schema
                .as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains("sarif") && !self.has_trivy_keys())
    }
}

/// One element of a top-level array: a Trivy (pre-0.20) result or a gitleaks leak.
#[derive(Debug)]
pub(crate) enum ArrayItem {
    Trivy(Box<trivy::TrivyResult>),
    Leak(Box<gitleaks::Leak>),
    Other(String),
}

impl<'de> Deserialize<'de> for ArrayItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Elements are small (one target or one leak); classify by their keys.
        let value = serde_json::Value::deserialize(d)?;
        let Some(obj) = value.as_object() else {
            return Ok(ArrayItem::Other(kind_of(&value).to_string()));
        };
        let is_trivy = obj.contains_key("Target")
            || obj.contains_key("Vulnerabilities")
            || obj.contains_key("Misconfigurations");
        let is_leak = [
            "RuleID",
            "rule",
            "offender",
            "Match",
            "Secret",
            "leakURL",
            "lineNumber",
        ]
        .iter()
        .any(|k| obj.contains_key(*k));
        if is_trivy {
            trivy::TrivyResult::deserialize(value)
                .map(|r| ArrayItem::Trivy(Box::new(r)))
                .map_err(de::Error::custom)
        } else if is_leak {
            gitleaks::Leak::deserialize(value)
                .map(|l| ArrayItem::Leak(Box::new(l)))
                .map_err(de::Error::custom)
        } else {
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(6).collect();
            keys.sort_unstable();
            Ok(ArrayItem::Other(format!(
                "an object with keys {}",
                keys.join(", ")
            )))
        }
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The top-level value.
#[derive(Debug)]
pub(crate) enum Top {
    Null,
    Object(Box<TopObject>),
    Array(Vec<ArrayItem>),
    Scalar(&'static str),
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
                Ok(Top::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
                Ok(Top::Scalar("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
                Ok(Top::Scalar("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
                Ok(Top::Scalar("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
                Ok(Top::Scalar("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
                Ok(Top::Scalar("a string"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Top, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element::<ArrayItem>()? {
                    items.push(item);
                }
                Ok(Top::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Top, A::Error> {
                let counting = CountingMap { inner: a, count: 0 };
                let mut obj = CountingAccess(counting);
                let mut top =
                    TopObject::deserialize(de::value::MapAccessDeserializer::new(&mut obj))?;
                top.key_count = obj.0.count;
                Ok(Top::Object(Box::new(top)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Counts the keys of the top-level object (to tell `{}` from other unknown objects).
struct CountingMap<A> {
    inner: A,
    count: usize,
}

struct CountingAccess<A>(CountingMap<A>);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for &mut CountingAccess<A> {
    type Error = A::Error;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let k = self.0.inner.next_key_seed(seed)?;
        if k.is_some() {
            self.0.count += 1;
        }
        Ok(k)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.inner.next_value_seed(seed)
    }
}

/// Which format a top-level object is, by its keys.
pub(crate) fn classify(top: &TopObject) -> Result<secgate_core::Format, ParseError> {
    use secgate_core::Format;
    if top.looks_like_sarif() {
        return Ok(Format::Sarif);
    }
    if top.vulnerabilities.is_some() {
        return Ok(Format::GitlabSecurity);
    }
    if top.has_trivy_keys() {
        return Ok(Format::TrivyJson);
    }
    if top.has_zap_keys() {
        return Ok(Format::ZapJson);
    }
    if top.scan.is_some() {
        return Err(ParseError::Shape {
            format: Format::GitlabSecurity,
            message: "a GitLab security report must have a `vulnerabilities` array (use [] when nothing was found); this one has a `scan` object but no `vulnerabilities`".into(),
            line: 0,
            column: 0,
        });
    }
    if top.key_count == 0 {
        return Err(ParseError::UnknownFormat {
            detail: "the report is an empty JSON object `{}`: no scanner wrote this".into(),
        });
    }
    Err(ParseError::UnknownFormat {
        detail: "a JSON object with none of the keys of a known format (GitLab `vulnerabilities`, SARIF `runs`, Trivy `SchemaVersion`/`Results`/`ArtifactName`/`ClusterName`, ZAP `site`)".into(),
    })
}
