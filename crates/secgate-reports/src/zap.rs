//! OWASP ZAP traditional JSON reports (2.7 to current, weekly `D-...` and
//! `Dev Build` versions, and the `traditional-json-plus` variant).
//!
//! A report is `{"@version", "@generated", "@programName"?, "created"?,
//! "site": [{"@name", "@host", "@port", "@ssl", "alerts": [...]}]}`. Almost
//! every value is a string, numbers included; `systemic` is a boolean and
//! `nodeName` may be `null`. Everything is read leniently as text.
//!
//! | finding field | ZAP |
//! |---|---|
//! | one finding per | alert *instance*; an alert with no instances is one finding at the site (`@name`) |
//! | `location` ([`Location::Dast`]) | instance `uri`, `method` (upper case), `param` (empty is none) |
//! | `title` | `alert`, else `name` |
//! | `severity` | `riskcode` ([`Severity::from_zap_riskcode`]); `riskdesc` is display text (sometimes untranslated i18n keys) and is never read |
//! | `original_severity` | `riskcode` as written |
//! | `confidence` | `confidence` ([`Confidence::parse_lenient`]: `0` false positive, `1` low, `2` medium, `3` high, `4` user confirmed) |
//! | `suppressed` | `confidence` `0` (a user marked it a false positive) |
//! | `rule_id` | `alertRef` (`10020-1`), else `pluginid` |
//! | identifiers | `CWE-<cweid>` when `cweid` > 0; `wasc:<wascid>` when > 0; `zap_plugin:<pluginid>`; `zap_alert_ref:<alertRef>` when it differs from `pluginid` |
//! | `description`, `solution` | `desc`, `solution`, HTML reduced to text |
//! | `links` | every `http(s)` URL in `reference` (HTML, one `<p>` per URL); `tags[].link` (the `-plus` variant) |
//!
//! Request and response headers and bodies, `evidence`, `attack` and
//! `otherinfo` are not kept: they may carry session tokens and credentials.
//!
//! The scanner is `zap`, named by `@programName` (`OWASP ZAP`, `ZAP`; absent up
//! to 2.11: `ZAP`), versioned by `@version`. The category is always DAST.
//! A report without a `site` array is malformed; `"site": []` is a clean
//! scan. The automation framework's `afPlanErrors` (the `-plus` variant), when
//! not empty, mark the scan failed.

use crate::detect::TopObject;
use crate::lenient;
use crate::ParseError;
use secgate_core::{
    Category, Confidence, Finding, Format, Identifier, Link, Location, Report, ScanStatus, Scanner,
    Severity,
};
use serde::Deserialize;

/// One entry of `site[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Site {
    #[serde(rename = "@name", deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(rename = "@host", deserialize_with = "lenient::text")]
    host: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    alerts: Vec<Alert>,
}

/// One alert of a site.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Alert {
    #[serde(deserialize_with = "lenient::text")]
    pluginid: Option<String>,
    #[serde(rename = "alertRef", deserialize_with = "lenient::text")]
    alert_ref: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    alert: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    riskcode: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    confidence: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    desc: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    solution: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    reference: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    cweid: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    wascid: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    instances: Vec<Instance>,
    #[serde(deserialize_with = "lenient::list")]
    tags: Vec<Tag>,
}

/// One instance of an alert.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Instance {
    #[serde(deserialize_with = "lenient::text")]
    uri: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    method: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    param: Option<String>,
}

/// One `tags[]` entry of the `-plus` variant.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Tag {
    #[serde(deserialize_with = "lenient::text")]
    tag: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    link: Option<String>,
}

/// Converts a ZAP report.
pub(crate) fn convert(top: TopObject) -> Result<Report, ParseError> {
    let Some(sites) = top.site else {
        return Err(ParseError::Shape {
            format: Format::ZapJson,
            message: "a ZAP report must have a `site` array (ZAP writes `\"site\": []` when it scanned nothing); this one has ZAP's `@version`/`@generated` but no `site`".into(),
            line: 0,
            column: 0,
        });
    };
    let scanner = Scanner {
        id: "zap".into(),
        name: top.zap_program_name.unwrap_or_else(|| "ZAP".into()),
        version: top.zap_version.clone(),
        vendor: None,
    };
    let mut report = Report::new(Format::ZapJson);
    report.format_version = top.zap_version;
    report.category = Some(Category::Dast);
    report.scanners.push(scanner.clone());
    if !top.zap_af_plan_errors.is_empty() {
        report.status = ScanStatus::Failed {
            reasons: top
                .zap_af_plan_errors
                .into_iter()
                .map(|e| {
                    format!(
                        "ZAP automation plan error: {}",
                        e.0.unwrap_or_else(|| "(not text)".into())
                    )
                })
                .collect(),
        };
    }
    let shared = std::sync::Arc::new(scanner);
    for site in sites {
        let root = site
            .name
            .clone()
            .or_else(|| site.host.clone())
            .unwrap_or_default();
        for alert in site.alerts {
            convert_alert(&shared, &root, alert, &mut report.findings);
        }
    }
    Ok(report)
}

fn positive(n: Option<&str>) -> Option<u32> {
    n.and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
}

fn convert_alert(
    scanner: &std::sync::Arc<Scanner>,
    root: &str,
    alert: Alert,
    out: &mut Vec<Finding>,
) {
    let title = alert
        .alert
        .clone()
        .or_else(|| alert.name.clone())
        .map(|t| html_to_text(&t))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| match &alert.pluginid {
            Some(p) => format!("ZAP alert {p}"),
            None => "ZAP alert".to_string(),
        });
    let severity = alert
        .riskcode
        .as_deref()
        .map(Severity::from_zap_riskcode)
        .unwrap_or(Severity::Unknown);
    let confidence = alert
        .confidence
        .as_deref()
        .map(Confidence::parse_lenient)
        .unwrap_or(Confidence::Unknown);
    let mut template = Finding::new(
        scanner.clone(),
        Category::Dast,
        severity,
        title,
        Location::None,
    );
    template.original_severity = alert.riskcode.clone();
    template.confidence = confidence;
    template.suppressed = confidence == Confidence::Ignore;
    template.rule_id = alert.alert_ref.clone().or_else(|| alert.pluginid.clone());
    if let Some(cwe) = positive(alert.cweid.as_deref()) {
        template.add_identifier(Identifier::Cwe(cwe));
    }
    if let Some(wasc) = positive(alert.wascid.as_deref()) {
        template.add_identifier(Identifier::Other {
            scheme: "wasc".into(),
            value: wasc.to_string(),
        });
    }
    if let Some(p) = &alert.pluginid {
        template.add_identifier(Identifier::Other {
            scheme: "zap_plugin".into(),
            value: p.clone(),
        });
    }
    if let Some(r) = &alert.alert_ref {
        if Some(r) != alert.pluginid.as_ref() {
            template.add_identifier(Identifier::Other {
                scheme: "zap_alert_ref".into(),
                value: r.clone(),
            });
        }
    }
    template.description = alert
        .desc
        .as_deref()
        .map(html_to_text)
        .filter(|t| !t.is_empty());
    template.solution = alert
        .solution
        .as_deref()
        .map(html_to_text)
        .filter(|t| !t.is_empty());
    if let Some(r) = &alert.reference {
        for url in urls_in(r) {
            push_link(&mut template.links, None, url);
        }
    }
    for t in &alert.tags {
        if let Some(l) = t.link.as_deref().filter(|l| l.starts_with("http")) {
            push_link(&mut template.links, t.tag.clone(), l.to_string());
        }
    }

    if alert.instances.is_empty() {
        let mut f = template;
        f.location = Location::Dast {
            url: root.to_string(),
            method: None,
            param: None,
        };
        out.push(f);
        return;
    }
    for inst in alert.instances {
        let mut f = template.clone();
        f.location = Location::Dast {
            url: inst.uri.unwrap_or_else(|| root.to_string()),
            method: inst.method.map(|m| m.trim().to_ascii_uppercase()),
            param: inst.param,
        };
        out.push(f);
    }
}

fn push_link(links: &mut Vec<Link>, name: Option<String>, url: String) {
    if !links.iter().any(|l| l.url == url) {
        links.push(Link { name, url });
    }
}

/// Every `http://` or `https://` URL in a text (HTML tags and entities removed first).
fn urls_in(html: &str) -> Vec<String> {
    let text = html_to_text(html);
    let mut out = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"') {
        let w = word.trim_end_matches(['.', ',', ';', ')']);
        if (w.starts_with("http://") || w.starts_with("https://")) && w.len() > 8 {
            out.push(w.to_string());
        }
    }
    out
}

/// Reduces ZAP's HTML fragments to plain text: paragraphs and line breaks
/// become newlines, other tags are dropped, the common entities decoded,
/// blank lines folded.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let starts_tag = after[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !starts_tag {
            // `a < b`: not a tag.
            out.push('<');
            rest = &after[1..];
            continue;
        }
        match after.find('>') {
            Some(j) => {
                let tag = after[1..j].trim().to_ascii_lowercase();
                let name = tag.trim_start_matches('/');
                let name = name.split(|c: char| c.is_whitespace() || c == '/').next();
                if matches!(name, Some("p" | "br" | "li" | "div" | "ul" | "ol" | "tr")) {
                    out.push('\n');
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    let mut lines: Vec<&str> = Vec::new();
    for line in decoded.lines() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        lines.push(l);
    }
    lines.join("\n")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &after[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    if let Some(hex) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                    } else if let Some(dec) = ent.strip_prefix('#') {
                        dec.parse::<u32>().ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::html_to_text;
    use crate::{parse, ParseError};
    use secgate_core::{Category, Confidence, Format, Identifier, Location, Severity};

    const REPORT: &[u8] = br#"{"@programName":"ZAP","@version":"2.14.0","@generated":"Thu, 6 Dec 2018",
      "site":[{"@name":"https://example.com","@host":"example.com","@port":"443","@ssl":"true","alerts":[
        {"pluginid":"10020","alertRef":"10020-1","alert":"Missing Anti-clickjacking Header","name":"x",
         "riskcode":"2","confidence":"3","riskdesc":"!reports.report.risk.3! (x)",
         "desc":"<p>The response does not include &quot;X-Frame-Options&quot;.</p>",
         "instances":[{"uri":"https://example.com/a","method":"get","param":"x-frame-options","evidence":"tok=SECRET123"},
                      {"uri":"https://example.com/b","method":"POST","param":"","nodeName":null}],
         "count":"2","systemic":false,"solution":"<p>Set it.</p>",
         "reference":"<p>https://a.example/1</p><p>https://b.example/2</p>",
         "cweid":"1021","wascid":"15","sourceid":"3"},
        {"pluginid":"40012","alert":"XSS","riskcode":"3","confidence":"0","cweid":"0","wascid":"-1","instances":[]}
      ]}]}"#;

    #[test]
    fn one_finding_per_instance() {
        let r = parse(REPORT).unwrap();
        assert_eq!(r.format, Format::ZapJson);
        assert_eq!(r.category, Some(Category::Dast));
        assert_eq!(r.format_version.as_deref(), Some("2.14.0"));
        assert_eq!(r.scanners[0].id, "zap");
        assert_eq!(r.scanners[0].name, "ZAP");
        assert_eq!(r.findings.len(), 3);
        let a = &r.findings[0];
        assert_eq!(a.title, "Missing Anti-clickjacking Header");
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.original_severity.as_deref(), Some("2"));
        assert_eq!(a.confidence, Confidence::High);
        assert_eq!(a.rule_id.as_deref(), Some("10020-1"));
        assert!(a.identifiers.contains(&Identifier::Cwe(1021)));
        assert!(a.matches_id("wasc:15"));
        assert!(a.matches_id("zap_plugin:10020"));
        assert_eq!(
            a.location,
            Location::Dast {
                url: "https://example.com/a".into(),
                method: Some("GET".into()),
                param: Some("x-frame-options".into())
            }
        );
        assert_eq!(
            a.description.as_deref(),
            Some("The response does not include \"X-Frame-Options\".")
        );
        assert_eq!(a.solution.as_deref(), Some("Set it."));
        assert_eq!(a.links.len(), 2);
        assert_eq!(a.links[1].url, "https://b.example/2");
        assert!(!serde_json::to_string(&r).unwrap().contains("SECRET123"));
        let b = &r.findings[1];
        assert_eq!(
            b.location,
            Location::Dast {
                url: "https://example.com/b".into(),
                method: Some("POST".into()),
                param: None
            }
        );
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn alert_without_instances_is_one_finding_at_the_site_and_false_positive_is_suppressed() {
        let r = parse(REPORT).unwrap();
        let x = &r.findings[2];
        assert_eq!(x.severity, Severity::High);
        assert_eq!(x.confidence, Confidence::Ignore);
        assert!(x.suppressed);
        assert_eq!(x.cwes().count(), 0);
        assert!(!x.matches_id("wasc:-1"));
        assert_eq!(x.rule_id.as_deref(), Some("40012"));
        assert_eq!(
            x.location,
            Location::Dast {
                url: "https://example.com".into(),
                method: None,
                param: None
            }
        );
    }

    #[test]
    fn old_report_without_program_name_and_empty_sites() {
        let r = parse(br#"{"@version":"D-2020-08-26","@generated":"x","site":[{"@name":"http://h","alerts":[]}]}"#).unwrap();
        assert!(r.findings.is_empty());
        assert!(r.status.succeeded());
        assert_eq!(r.scanners[0].name, "ZAP");
        assert_eq!(r.scanners[0].version.as_deref(), Some("D-2020-08-26"));
    }

    #[test]
    fn unknown_riskcode_is_unknown_severity() {
        let r = parse(br#"{"@version":"2.7.0","site":[{"@name":"h","alerts":[{"alert":"a","riskcode":"9","instances":[{"uri":"h/x"}]}]}]}"#).unwrap();
        assert_eq!(r.findings[0].severity, Severity::Unknown);
        assert_eq!(r.findings[0].confidence, Confidence::Unknown);
    }

    #[test]
    fn missing_site_is_an_error_and_wrong_shape_is_located() {
        let e = parse(br#"{"@version":"2.11.0","@generated":"x"}"#).unwrap_err();
        assert!(matches!(e, ParseError::Shape { .. }), "{e:?}");
        let e = parse(b"{\"@version\":\"2.11.0\",\n\"site\": 7}").unwrap_err();
        assert!(matches!(e, ParseError::Shape { line: 2, .. }), "{e:?}");
        let e =
            parse(br#"{"@version":"2.11.0","site":[{"alerts":[{"instances":"x"}]}]}"#).unwrap_err();
        assert!(matches!(e, ParseError::Shape { .. }), "{e:?}");
    }

    #[test]
    fn automation_plan_errors_fail_the_scan() {
        let r = parse(br#"{"@version":"2.15.0","site":[],"afPlanErrors":["job spider failed"],"afPlanWarns":[]}"#).unwrap();
        assert!(!r.status.succeeded());
        assert!(format!("{:?}", r.status).contains("job spider failed"));
    }

    #[test]
    fn html_reduction() {
        assert_eq!(html_to_text("<p>a &amp; b</p><p>c&#39;d</p>"), "a & b\nc'd");
        assert_eq!(html_to_text("x < y and <b>bold</b>"), "x < y and bold");
        assert_eq!(html_to_text("a<br/>b &unknown; &#x41;"), "a\nb &unknown; A");
        assert_eq!(html_to_text("<p>unclosed <tag"), "unclosed <tag");
    }
}
