//! OWASP ZAP traditional JSON reports (2.7 to current, and `-plus`).

use crate::detect::TopObject;
use crate::ParseError;
use secgate_core::{Format, Report};
use serde::Deserialize;

/// One entry of `site[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Site {}

/// Converts a ZAP report.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let _ = top;
    Err(ParseError::Unsupported {
        format: Format::ZapJson,
        detail: "not implemented yet".into(),
    })
}
