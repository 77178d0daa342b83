//! Trivy JSON: SchemaVersion 2 (vulnerabilities, misconfigurations, secrets,
//! licenses), the pre-0.20 list layout, the `trivy k8s` shapes, and `trivy
//! convert`'s `ExperimentalModifiedFindings`.

use crate::detect::TopObject;
use crate::ParseError;
use secgate_core::{Format, Report};
use serde::Deserialize;

/// One entry of `Results[]` (or of the pre-0.20 top-level list).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TrivyResult {}

/// The top-level `Trivy` object (`{"Version": ...}`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TrivyInfo {}

/// The top-level `Metadata` object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metadata {}

/// One resource of a `trivy k8s` report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct K8sResource {}

/// One entry of `ExperimentalModifiedFindings[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ModifiedFinding {}

/// Converts a top-level object with Trivy keys (SchemaVersion 2 or `trivy k8s`).
pub(crate) fn convert_object(top: TopObject) -> Result<Report, ParseError> {
    let _ = top;
    Err(ParseError::Unsupported {
        format: Format::TrivyJson,
        detail: "not implemented yet".into(),
    })
}

/// Converts the pre-0.20 list layout (and `null` with a Trivy hint: no results).
pub(crate) fn convert_legacy(results: Vec<TrivyResult>) -> Result<Report, ParseError> {
    let _ = results;
    Ok(Report::new(Format::TrivyJson))
}
