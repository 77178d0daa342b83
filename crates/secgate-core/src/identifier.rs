//! Typed identifiers of a finding: CVE, CWE, GHSA, OWASP and scanner-specific ids.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One identifier of a finding.
///
/// Well-known schemes are typed; everything else (a scanner's rule id, a
/// `gemnasium` id, an `eslint_rule_id`, ...) is kept as [`Identifier::Other`]
/// with the scheme name the report gave it.
///
/// ```
/// use secgate_core::Identifier;
/// let id: Identifier = "CVE-2021-44228".parse().unwrap();
/// assert_eq!(id, Identifier::Cve("CVE-2021-44228".into()));
/// assert_eq!("cwe-79".parse::<Identifier>().unwrap(), Identifier::Cwe(79));
/// assert_eq!(Identifier::Cwe(79).to_string(), "CWE-79");
/// assert!(matches!("ghsa-jfh8-c2jp-5v3q".parse().unwrap(), Identifier::Ghsa(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Identifier {
    /// A CVE id, normalised to upper case (`CVE-2021-44228`).
    Cve(String),
    /// A CWE number (`CWE-79` is `Cwe(79)`).
    Cwe(u32),
    /// A GitHub security advisory id, normalised to `GHSA-xxxx-xxxx-xxxx` with a lowercase body.
    Ghsa(String),
    /// An OWASP Top 10 category (`A03:2021`, `A1:2017`, `A03:2021-Injection`).
    Owasp(String),
    /// Any other scheme: the report's name for it (`gemnasium`, `semgrep_id`, `zap_plugin`, ...) and the value.
    Other {
        /// The scheme, as the report names it (lowercase).
        scheme: String,
        /// The value.
        value: String,
    },
}

/// The error of parsing an [`Identifier`] from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierError(pub String);

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a CVE, CWE, GHSA or OWASP identifier (expected e.g. CVE-2021-44228, CWE-79, GHSA-jfh8-c2jp-5v3q, A03:2021)",
            self.0
        )
    }
}

impl std::error::Error for IdentifierError {}

fn is_cve_body(rest: &str) -> bool {
    // YYYY-NNNN+ (at least four digits in the sequence number)
    let mut parts = rest.splitn(2, '-');
    let year = parts.next().unwrap_or("");
    let seq = parts.next().unwrap_or("");
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && seq.len() >= 4
        && seq.bytes().all(|b| b.is_ascii_digit())
}

fn is_ghsa_body(rest: &str) -> bool {
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn parse_owasp(s: &str) -> Option<String> {
    // A1:2017, A01:2021, A03:2021-Injection, "OWASP A03:2021", API1:2019
    let t = s.trim();
    let t = t
        .strip_prefix("OWASP ")
        .or_else(|| t.strip_prefix("owasp "))
        .or_else(|| t.strip_prefix("OWASP-"))
        .unwrap_or(t)
        .trim();
    let (head, year_and_rest) = t.split_once(':')?;
    let upper = head.to_ascii_uppercase();
    let digits = upper
        .strip_prefix("API")
        .or_else(|| upper.strip_prefix('A'))?;
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: String = year_and_rest.chars().take(4).collect();
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &year_and_rest[4..];
    if !(rest.is_empty() || rest.starts_with('-') || rest.starts_with(' ')) {
        return None;
    }
    Some(format!("{upper}:{year_and_rest}"))
}

impl Identifier {
    /// Builds an identifier from a report's `(scheme, value)` pair, typing it
    /// when the scheme or the value is a known one. `("cwe", "79")`, `("CWE", "CWE-79")`,
    /// `("cve", "CVE-2021-1")`, `("owasp", "A1:2017")` are typed; a `cwe` scheme whose
    /// value is not a number (seen: `"node_nosqli_injection"`) stays [`Identifier::Other`].
    pub fn from_scheme(scheme: &str, value: &str) -> Identifier {
        let scheme_l = scheme.trim().to_ascii_lowercase();
        let value = value.trim();
        match scheme_l.as_str() {
            "cwe" | "cwe_id" | "cweid" => {
                let digits = value
                    .strip_prefix("CWE-")
                    .or_else(|| value.strip_prefix("cwe-"))
                    .unwrap_or(value);
                if let Ok(n) = digits.parse::<u32>() {
                    return Identifier::Cwe(n);
                }
            }
            "owasp" => {
                if let Some(o) = parse_owasp(value) {
                    return Identifier::Owasp(o);
                }
            }
            _ => {}
        }
        if let Ok(id) = value.parse::<Identifier>() {
            // A typed value under a generic or matching scheme ("cve", "ghsa", "" ...)
            let matches_scheme = match &id {
                Identifier::Cve(_) => {
                    matches!(scheme_l.as_str(), "cve" | "" | "vulnerability" | "nvd")
                }
                Identifier::Ghsa(_) => matches!(scheme_l.as_str(), "ghsa" | "" | "github"),
                Identifier::Cwe(_) => matches!(scheme_l.as_str(), "cwe" | ""),
                Identifier::Owasp(_) => matches!(scheme_l.as_str(), "owasp" | ""),
                Identifier::Other { .. } => false,
            };
            if matches_scheme {
                return id;
            }
        }
        Identifier::Other {
            scheme: if scheme_l.is_empty() {
                "unknown".to_string()
            } else {
                scheme_l
            },
            value: value.to_string(),
        }
    }

    /// The scheme name: `cve`, `cwe`, `ghsa`, `owasp`, or the other scheme's name.
    pub fn scheme(&self) -> &str {
        match self {
            Identifier::Cve(_) => "cve",
            Identifier::Cwe(_) => "cwe",
            Identifier::Ghsa(_) => "ghsa",
            Identifier::Owasp(_) => "owasp",
            Identifier::Other { scheme, .. } => scheme,
        }
    }

    /// The value as text (`CVE-2021-44228`, `CWE-79`, ...; for others the raw value).
    pub fn value(&self) -> String {
        match self {
            Identifier::Other { value, .. } => value.clone(),
            other => other.to_string(),
        }
    }

    /// A well-known public reference URL for typed identifiers.
    pub fn url(&self) -> Option<String> {
        match self {
            Identifier::Cve(id) => Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
            Identifier::Cwe(n) => Some(format!("https://cwe.mitre.org/data/definitions/{n}.html")),
            Identifier::Ghsa(id) => Some(format!("https://github.com/advisories/{id}")),
            _ => None,
        }
    }

    /// True for vulnerability ids that name one flaw across tools (CVE, GHSA).
    pub fn is_vulnerability_id(&self) -> bool {
        matches!(self, Identifier::Cve(_) | Identifier::Ghsa(_))
    }

    /// Whether this identifier matches a pattern as written in a policy:
    /// `CVE-2021-44228`, `CWE-79`, `GHSA-...`, `A03:2021`, or `scheme:value`
    /// for others. Matching is case-insensitive.
    pub fn matches_text(&self, pattern: &str) -> bool {
        let p = pattern.trim();
        if let Ok(typed) = p.parse::<Identifier>() {
            if !matches!(typed, Identifier::Other { .. }) {
                return &typed == self;
            }
        }
        self.matches_other_text(p)
    }

    /// The textual half of [`Identifier::matches_text`], for a pattern that
    /// is not a typed identifier: `scheme:value` or the value alone, ASCII
    /// case-insensitive, against an [`Identifier::Other`].
    pub(crate) fn matches_other_text(&self, p: &str) -> bool {
        match self {
            Identifier::Other { scheme, value } => {
                if let Some((s, v)) = p.split_once(':') {
                    if s.eq_ignore_ascii_case(scheme) && v.eq_ignore_ascii_case(value) {
                        return true;
                    }
                }
                p.eq_ignore_ascii_case(value)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Cve(id) => f.write_str(id),
            Identifier::Cwe(n) => write!(f, "CWE-{n}"),
            Identifier::Ghsa(id) => f.write_str(id),
            Identifier::Owasp(id) => write!(f, "OWASP {id}"),
            Identifier::Other { scheme, value } => write!(f, "{scheme}:{value}"),
        }
    }
}

impl FromStr for Identifier {
    type Err = IdentifierError;

    /// Parses `CVE-YYYY-NNNN`, `CWE-N`, `GHSA-xxxx-xxxx-xxxx`, OWASP categories
    /// (`A03:2021`, `OWASP A1:2017`), any case. Other text is an error: build
    /// scanner-specific ids with [`Identifier::from_scheme`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("CVE-") {
            if is_cve_body(rest) {
                return Ok(Identifier::Cve(upper));
            }
        }
        if let Some(rest) = upper.strip_prefix("CWE-") {
            if let Ok(n) = rest.parse::<u32>() {
                return Ok(Identifier::Cwe(n));
            }
        }
        if upper.starts_with("GHSA-") && is_ghsa_body(&t[5..]) {
            return Ok(Identifier::Ghsa(format!(
                "GHSA-{}",
                t[5..].to_ascii_lowercase()
            )));
        }
        if let Some(o) = parse_owasp(t) {
            return Ok(Identifier::Owasp(o));
        }
        Err(IdentifierError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typed_ids() {
        assert_eq!(
            "cve-2019-1549".parse::<Identifier>().unwrap(),
            Identifier::Cve("CVE-2019-1549".into())
        );
        assert_eq!(
            "CWE-352".parse::<Identifier>().unwrap(),
            Identifier::Cwe(352)
        );
        assert_eq!(
            "GHSA-JFH8-C2JP-5V3Q".parse::<Identifier>().unwrap(),
            Identifier::Ghsa("GHSA-jfh8-c2jp-5v3q".into())
        );
        assert_eq!(
            "A1:2017".parse::<Identifier>().unwrap(),
            Identifier::Owasp("A1:2017".into())
        );
        assert_eq!(
            "OWASP A03:2021-Injection".parse::<Identifier>().unwrap(),
            Identifier::Owasp("A03:2021-Injection".into())
        );
        assert!("CVE-21-1".parse::<Identifier>().is_err());
        assert!("CVE-2021-12".parse::<Identifier>().is_err());
        assert!("hello".parse::<Identifier>().is_err());
        assert!("".parse::<Identifier>().is_err());
        assert!("A:2017".parse::<Identifier>().is_err());
    }

    #[test]
    fn from_scheme_types_what_it_can() {
        assert_eq!(Identifier::from_scheme("cwe", "79"), Identifier::Cwe(79));
        assert_eq!(
            Identifier::from_scheme("CWE", "CWE-89"),
            Identifier::Cwe(89)
        );
        assert_eq!(
            Identifier::from_scheme("cwe", "node_nosqli_injection"),
            Identifier::Other {
                scheme: "cwe".into(),
                value: "node_nosqli_injection".into()
            }
        );
        assert_eq!(
            Identifier::from_scheme("cve", "CVE-2021-44228"),
            Identifier::Cve("CVE-2021-44228".into())
        );
        // A cve-typed identifier whose value is not a CVE (ZAP plugin ids appear there).
        assert_eq!(
            Identifier::from_scheme("cve", "10062"),
            Identifier::Other {
                scheme: "cve".into(),
                value: "10062".into()
            }
        );
        assert_eq!(
            Identifier::from_scheme("gemnasium", "abc"),
            Identifier::Other {
                scheme: "gemnasium".into(),
                value: "abc".into()
            }
        );
        // A gemnasium id that happens to look like a CVE stays scheme-specific.
        assert!(matches!(
            Identifier::from_scheme("gemnasium", "CVE-2021-44228"),
            Identifier::Other { .. }
        ));
    }

    #[test]
    fn policy_text_matching() {
        let cve = Identifier::Cve("CVE-2021-44228".into());
        assert!(cve.matches_text("cve-2021-44228"));
        assert!(!cve.matches_text("CVE-2021-44229"));
        let other = Identifier::from_scheme("semgrep_id", "bandit.B303");
        assert!(other.matches_text("semgrep_id:bandit.B303"));
        assert!(other.matches_text("bandit.B303"));
        assert!(!other.matches_text("eslint:bandit.B303"));
    }

    #[test]
    fn serde_round_trip() {
        for id in [
            Identifier::Cve("CVE-2021-44228".into()),
            Identifier::Cwe(79),
            Identifier::from_scheme("x", "y"),
        ] {
            let j = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<Identifier>(&j).unwrap(), id);
        }
    }
}
