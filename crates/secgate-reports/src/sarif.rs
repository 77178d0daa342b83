//! SARIF 2.1.0 (and the 2.0 drafts and 2.2) from any producer.

use crate::detect::TopObject;
use crate::ParseError;
use secgate_core::{Format, Report};
use serde::Deserialize;

/// One entry of `runs[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Run {}

/// Converts a SARIF log.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let _ = top;
    Err(ParseError::Unsupported {
        format: Format::Sarif,
        detail: "not implemented yet".into(),
    })
}
