//! GitLab security reports (SAST, DAST, dependency scanning, container
//! scanning, secret detection, coverage fuzzing, API fuzzing), every schema
//! version seen in the wild. Detected by content; the declared version is
//! informational only.

use crate::detect::TopObject;
use crate::ParseError;
use secgate_core::{Format, Report};
use serde::Deserialize;

/// One entry of `vulnerabilities[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Vulnerability {}

/// The `scan` object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Scan {}

/// One entry of `remediations[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Remediation {}

/// Converts a top-level object that has `vulnerabilities`.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let _ = top;
    Err(ParseError::Unsupported {
        format: Format::GitlabSecurity,
        detail: "not implemented yet".into(),
    })
}
