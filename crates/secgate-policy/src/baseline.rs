//! The baseline: the fingerprints of the findings the target branch already had.
//!
//! A baseline file is either the gate's own JSON result (`secgate check
//! --output json`, any version that carries `findings[].finding.fingerprint`
//! or `findings[].fingerprint`) or any report `secgate_reports` can parse.

use secgate_core::Fingerprint;
use secgate_reports::{ParseError, ParseOptions};
use std::collections::HashSet;
use thiserror::Error;

/// The fingerprints of a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    fingerprints: HashSet<Fingerprint>,
    /// What the baseline was read as (`secgate`, `trivy`, `sarif`...).
    pub format: String,
}

/// Why a baseline could not be read.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum BaselineError {
    /// The file is a secgate JSON result with a bad fingerprint or shape.
    #[error("the baseline is a secgate JSON result, but {0}")]
    #[diagnostic(
        code(secgate::baseline::secgate_json),
        help("use the file `secgate check --output json=FILE` wrote on the target branch, unmodified")
    )]
    SecgateJson(String),
    /// The file is not a report secgate can read.
    #[error("the baseline is not a report secgate can read: {0}")]
    #[diagnostic(code(secgate::baseline::parse))]
    Report(#[from] ParseError),
}

impl Baseline {
    /// A baseline of these fingerprints.
    pub fn from_fingerprints(fps: impl IntoIterator<Item = Fingerprint>, format: &str) -> Baseline {
        Baseline {
            fingerprints: fps.into_iter().collect(),
            format: format.to_string(),
        }
    }

    /// Reads a baseline file.
    pub fn from_bytes(bytes: &[u8], opts: &ParseOptions) -> Result<Baseline, BaselineError> {
        if let Some(fps) = secgate_json(bytes)? {
            return Ok(Baseline::from_fingerprints(fps, "secgate"));
        }
        let report = secgate_reports::parse_with(bytes, opts)?;
        // secgate's own SARIF and GitLab outputs carry each finding's
        // fingerprint as computed from the reports it read: a report written
        // from findings loses facts the fingerprint hashed (an image's
        // package, a snippet), so the fingerprint written is the one to use.
        if let Some(fps) = written_fingerprints(bytes, report.findings.len()) {
            return Ok(Baseline::from_fingerprints(
                fps,
                &format!("secgate {}", report.format.as_str()),
            ));
        }
        Ok(Baseline::from_fingerprints(
            report.findings.iter().map(|f| f.fingerprint),
            report.format.as_str(),
        ))
    }

    /// Whether a fingerprint is in the baseline.
    pub fn contains(&self, fp: &Fingerprint) -> bool {
        self.fingerprints.contains(fp)
    }

    /// The number of distinct fingerprints.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// True when it holds no fingerprint.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

/// The fingerprints secgate wrote into its own SARIF (`partialFingerprints`
/// `secgateFingerprint/v1`) or GitLab report (`details.secgate_fingerprint`),
/// when every one of the `count` findings carries a valid one; else `None`
/// (another producer's report, or one edited since), and the fingerprints
/// are computed as for any report.
fn written_fingerprints(bytes: &[u8], count: usize) -> Option<Vec<Fingerprint>> {
    use serde::Deserialize;
    use std::collections::HashMap;
    #[derive(Deserialize)]
    struct Sarif {
        runs: Vec<Run>,
    }
    #[derive(Deserialize)]
    struct Run {
        #[serde(default)]
        results: Vec<SResult>,
    }
    #[derive(Deserialize)]
    struct SResult {
        #[serde(rename = "partialFingerprints", default)]
        partial: HashMap<String, serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct Gitlab {
        vulnerabilities: Vec<Vuln>,
    }
    #[derive(Deserialize)]
    struct Vuln {
        #[serde(default)]
        details: HashMap<String, serde_json::Value>,
    }
    let parse = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str())?.parse().ok();
    let fps: Vec<Fingerprint> = if let Ok(s) = serde_json::from_slice::<Sarif>(bytes) {
        s.runs
            .iter()
            .flat_map(|r| &r.results)
            .map(|r| parse(r.partial.get(crate::render::SARIF_FINGERPRINT_KEY)))
            .collect::<Option<_>>()?
    } else if let Ok(g) = serde_json::from_slice::<Gitlab>(bytes) {
        g.vulnerabilities
            .iter()
            .map(|v| {
                parse(
                    v.details
                        .get("secgate_fingerprint")
                        .and_then(|d| d.get("value")),
                )
            })
            .collect::<Option<_>>()?
    } else {
        return None;
    };
    (fps.len() == count && count > 0).then_some(fps)
}

/// Reads the gate's own JSON result: `Some(fingerprints)` when the bytes are
/// one (an object with a `findings` array and a `passed` boolean), `None` when
/// they are something else.
fn secgate_json(bytes: &[u8]) -> Result<Option<Vec<Fingerprint>>, BaselineError> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    struct Head {
        passed: Option<bool>,
        findings: Option<Vec<Item>>,
    }
    #[derive(Deserialize)]
    struct Item {
        #[serde(default)]
        finding: Option<Inner>,
        #[serde(default)]
        fingerprint: Option<String>,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(default)]
        fingerprint: Option<String>,
    }
    // One pass that keeps only these keys; anything else is skipped cheaply.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Ok(None);
    }
    let Ok(h) = serde_json::from_slice::<Head>(bytes) else {
        return Ok(None);
    };
    let (Some(_), Some(items)) = (h.passed, h.findings) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.into_iter().enumerate() {
        let text = it
            .finding
            .and_then(|f| f.fingerprint)
            .or(it.fingerprint)
            .ok_or_else(|| {
                BaselineError::SecgateJson(format!("findings[{i}] has no fingerprint"))
            })?;
        let fp = text
            .parse::<Fingerprint>()
            .map_err(|e| BaselineError::SecgateJson(format!("findings[{i}]: {e}")))?;
        out.push(fp);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_gate_json_and_reports() {
        let fp = Fingerprint::of_parts(["x"]);
        let json = format!(
            r#"{{"schema_version":"1","passed":false,"findings":[{{"finding":{{"fingerprint":"{}"}},"outcome":"existing"}}]}}"#,
            fp.to_hex()
        );
        let b = Baseline::from_bytes(json.as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(b.format, "secgate");
        assert!(b.contains(&fp));
        assert_eq!(b.len(), 1);

        let bad = r#"{"passed":true,"findings":[{"finding":{"fingerprint":"zz"}}]}"#;
        assert!(matches!(
            Baseline::from_bytes(bad.as_bytes(), &ParseOptions::default()),
            Err(BaselineError::SecgateJson(_))
        ));

        let trivy = br#"{"SchemaVersion": 2, "ArtifactName": "alpine:3.10", "ArtifactType": "container_image",
          "Results": [{"Target": "alpine:3.10 (alpine 3.10.2)", "Class": "os-pkgs", "Type": "alpine",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl",
              "InstalledVersion": "1.1.1c-r0", "Severity": "MEDIUM"}]}]}"#;
        let b = Baseline::from_bytes(trivy, &ParseOptions::default()).unwrap();
        assert_eq!(b.format, "trivy");
        assert_eq!(b.len(), 1);

        assert!(matches!(
            Baseline::from_bytes(b"", &ParseOptions::default()),
            Err(BaselineError::Report(ParseError::Empty { .. }))
        ));
    }
}
