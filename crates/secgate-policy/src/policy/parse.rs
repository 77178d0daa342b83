//! Reading a policy file: a span-aware YAML tree, then validation of every
//! key and value (all problems at once), then second-pass checks across entries.

use super::diagnostic::{DiagnosticLevel, PolicyDiagnostic, PolicyError};
use super::yaml::{self, Kind, Node, Pos};
use super::{
    Date, Exception, Policy, Requirement, Rules, SuppressedMode, Threshold,
    DEFAULT_WARN_EXPIRING_DAYS,
};
use globset::{GlobBuilder, GlobMatcher};
use miette::NamedSource;
use secgate_core::{Category, Confidence, Fingerprint, IdPattern, Severity};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Keys accepted at the top level of a policy.
pub const TOP_KEYS: &[&str] = &[
    "version",
    "fail_on",
    "budgets",
    "min_confidence",
    "ignore_unfixed",
    "suppressed_findings",
    "new_only",
    "warn_expiring_days",
    "categories",
    "scanners",
    "require",
    "exceptions",
];

/// Keys accepted in a `categories:` or `scanners:` override.
pub const RULE_KEYS: &[&str] = &[
    "fail_on",
    "budgets",
    "min_confidence",
    "ignore_unfixed",
    "suppressed_findings",
];

/// Keys accepted in a `require:` entry.
pub const REQUIRE_KEYS: &[&str] = &["category", "scanner", "allow_empty"];

/// Keys accepted in an `exceptions:` entry.
pub const EXCEPTION_KEYS: &[&str] = &[
    "id",
    "fingerprint",
    "paths",
    "package",
    "image",
    "reason",
    "owner",
    "ticket",
    "expires",
];

pub(crate) const SEVERITY_NAMES: &[&str] =
    &["critical", "high", "medium", "low", "info", "unknown"];
pub(crate) const THRESHOLD_NAMES: &[&str] = &[
    "critical", "high", "medium", "low", "info", "unknown", "none",
];
pub(crate) const SUPPRESSED_NAMES: &[&str] = &["ignore", "judge"];
pub(crate) const CONFIDENCE_NAMES: &[&str] = &[
    "unknown",
    "ignore",
    "experimental",
    "low",
    "medium",
    "high",
    "confirmed",
];

/// The closest candidate to a misspelt word, if one is close enough.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&w, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(w.len()) / 3).max(2) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

struct Ctx {
    text: Arc<String>,
    file: String,
    source: Arc<NamedSource<String>>,
    diags: Vec<PolicyDiagnostic>,
}

impl Ctx {
    fn push(
        &mut self,
        level: DiagnosticLevel,
        code: &'static str,
        pos: Pos,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        // Keep the span on the node's own line.
        let mut len = pos.len;
        if let Some(rest) = self.text.get(pos.offset..) {
            let eol = rest.find('\n').unwrap_or(rest.len());
            if len == 0 || len > eol {
                len = eol.max(1).min(rest.len().max(1));
            }
        }
        self.diags.push(PolicyDiagnostic {
            code,
            message,
            help,
            level,
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            span: (pos.offset.min(self.text.len()), len),
            label: label.to_string(),
            source: self.source.clone(),
        });
    }

    fn err(
        &mut self,
        code: &'static str,
        n: &Node,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        self.push(DiagnosticLevel::Error, code, n.pos, message, label, help);
    }

    fn wrong_type(&mut self, n: &Node, what: &str, expected: &str) {
        self.err(
            "secgate::policy::wrong_type",
            n,
            format!("`{what}` must be {expected}, found {}", n.kind.type_name()),
            &format!("expected {expected}"),
            None,
        );
    }

    /// The entries of a mapping with string keys; unknown keys reported.
    fn map<'n>(
        &mut self,
        n: &'n Node,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Vec<(String, &'n Node, &'n Node)> {
        let entries = match &n.kind {
            Kind::Map(e) => e,
            Kind::Null => return Vec::new(),
            _ => {
                self.wrong_type(n, what, "a mapping");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (k, v) in entries {
            let Kind::Str(key) = &k.kind else {
                self.err(
                    "secgate::policy::wrong_type",
                    k,
                    format!(
                        "a key in `{what}` must be a string, found {}",
                        k.kind.type_name()
                    ),
                    "expected a string key",
                    None,
                );
                continue;
            };
            if !seen.insert(key.clone()) {
                self.err(
                    "secgate::policy::duplicate_key",
                    k,
                    format!("`{key}` appears twice in `{what}`"),
                    "duplicate key",
                    Some("keep one of them".into()),
                );
                continue;
            }
            if let Some(allowed) = allowed {
                if !allowed.contains(&key.as_str()) {
                    let help = match suggest(key, allowed) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("expected one of: {}", allowed.join(", ")),
                    };
                    self.err(
                        "secgate::policy::unknown_key",
                        k,
                        format!("unknown key `{key}` in `{what}`"),
                        "unknown key",
                        Some(help),
                    );
                    continue;
                }
            }
            out.push((key.clone(), k, v));
        }
        out
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match &n.kind {
            Kind::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Kind::Str(_) => {
                self.err(
                    "secgate::policy::bad_value",
                    n,
                    format!("`{what}` is empty"),
                    "empty",
                    None,
                );
                None
            }
            // A plain scalar YAML reads as a number (a ticket `1234`, a fingerprint of
            // digits, `1e5...`): keep the text as written.
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => self
                .text
                .get(n.pos.offset..n.pos.offset + n.pos.len)
                .map(|t| t.trim().trim_matches(['"', '\'']).to_string())
                .filter(|t| !t.is_empty())
                .or_else(|| n.scalar_text()),
            _ => {
                self.wrong_type(n, what, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, n: &Node, what: &str) -> Option<bool> {
        match &n.kind {
            Kind::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(n, what, "true or false");
                None
            }
        }
    }

    fn uint(&mut self, n: &Node, what: &str) -> Option<u64> {
        match &n.kind {
            Kind::Int(i) if *i >= 0 && *i <= u32::MAX as i128 => Some(*i as u64),
            Kind::Int(_) => {
                self.err(
                    "secgate::policy::bad_value",
                    n,
                    format!("`{what}` must be a whole number from 0 to {}", u32::MAX),
                    "out of range",
                    None,
                );
                None
            }
            _ => {
                self.wrong_type(n, what, "a whole number");
                None
            }
        }
    }

    fn word<'c>(
        &mut self,
        n: &Node,
        what: &str,
        names: &[&'c str],
        code: &'static str,
        kind: &str,
    ) -> Option<&'c str> {
        let text = match &n.kind {
            Kind::Str(s) => s.trim().to_ascii_lowercase(),
            _ => {
                self.wrong_type(n, what, &format!("one of {}", names.join(", ")));
                return None;
            }
        };
        if let Some(found) = names.iter().find(|c| **c == text) {
            return Some(found);
        }
        let help = match suggest(&text, names) {
            Some(s) => format!(
                "did you mean `{s}`? (expected one of: {})",
                names.join(", ")
            ),
            None => format!("expected one of: {}", names.join(", ")),
        };
        self.err(
            code,
            n,
            format!("unknown {kind} `{text}` in `{what}`"),
            &format!("unknown {kind}"),
            Some(help),
        );
        None
    }

    fn severity_word(&mut self, n: &Node, what: &str) -> Option<Severity> {
        self.word(
            n,
            what,
            SEVERITY_NAMES,
            "secgate::policy::unknown_severity",
            "severity",
        )
        .and_then(|w| w.parse().ok())
    }

    fn threshold(&mut self, n: &Node, what: &str) -> Option<Threshold> {
        let w = self.word(
            n,
            what,
            THRESHOLD_NAMES,
            "secgate::policy::unknown_severity",
            "severity",
        )?;
        if w == "none" {
            Some(Threshold::Never)
        } else {
            w.parse().ok().map(Threshold::AtLeast)
        }
    }

    fn confidence(&mut self, n: &Node, what: &str) -> Option<Confidence> {
        self.word(
            n,
            what,
            CONFIDENCE_NAMES,
            "secgate::policy::unknown_confidence",
            "confidence",
        )
        .and_then(|w| w.parse().ok())
    }

    fn category(&mut self, n: &Node, text: &str, what: &str) -> Option<Category> {
        let c = Category::parse(text);
        if Category::KNOWN.contains(&c) {
            return Some(c);
        }
        let names: Vec<&str> = Category::KNOWN.iter().map(|c| c.as_str()).collect();
        let help = match suggest(text, &names) {
            Some(s) => format!(
                "did you mean `{s}`? (expected one of: {})",
                names.join(", ")
            ),
            None => format!("expected one of: {}", names.join(", ")),
        };
        self.err(
            "secgate::policy::unknown_category",
            n,
            format!("unknown category `{text}` in `{what}`"),
            "unknown category",
            Some(help),
        );
        None
    }

    fn glob(
        &mut self,
        n: &Node,
        pattern: &str,
        what: &str,
        literal_separator: bool,
    ) -> Option<GlobMatcher> {
        match GlobBuilder::new(pattern)
            .literal_separator(literal_separator)
            .backslash_escape(true)
            .build()
        {
            Ok(g) => Some(g.compile_matcher()),
            Err(e) => {
                self.err(
                    "secgate::policy::bad_glob",
                    n,
                    format!("`{pattern}` in `{what}` is not a valid glob: {}", e.kind()),
                    "invalid glob",
                    Some("globs use `*` (within a path segment), `**` (any depth), `?`, `[abc]` and `{a,b}`".into()),
                );
                None
            }
        }
    }

    fn rules(&mut self, entries: &[(String, &Node, &Node)], prefix: &str) -> Rules {
        let mut r = Rules::default();
        for (key, _k, v) in entries {
            if matches!(v.kind, Kind::Null) {
                continue; // `key:` or `key: null` leaves the default
            }
            let what = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match key.as_str() {
                "fail_on" => r.fail_on = self.threshold(v, &what),
                "min_confidence" => r.min_confidence = self.confidence(v, &what),
                "ignore_unfixed" => r.ignore_unfixed = self.boolean(v, &what),
                "suppressed_findings" => {
                    r.suppressed_findings = self
                        .word(
                            v,
                            &what,
                            SUPPRESSED_NAMES,
                            "secgate::policy::bad_value",
                            "value",
                        )
                        .map(|w| {
                            if w == "judge" {
                                SuppressedMode::Judge
                            } else {
                                SuppressedMode::Ignore
                            }
                        })
                }
                "budgets" => {
                    for (sev, sk, sv) in self.map(v, &what, None) {
                        let Some(s) = self.severity_word(sk, &what) else {
                            continue;
                        };
                        let _ = sev;
                        if let Some(n) = self.uint(sv, &format!("{what}.{}", s.as_str())) {
                            // `medium` and `Medium` are two YAML keys but one budget.
                            if r.budgets.insert(s, n).is_some() {
                                self.err(
                                    "secgate::policy::duplicate_key",
                                    sk,
                                    format!("severity `{s}` appears twice in `{what}`"),
                                    "duplicate",
                                    Some("keep one of them".into()),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn requirement(&mut self, n: &Node, i: usize) -> Option<Requirement> {
        let what = format!("require[{i}]");
        if !matches!(n.kind, Kind::Map(_)) {
            self.wrong_type(
                n,
                &what,
                "a mapping such as `{category: sast}` or `{scanner: trivy}`",
            );
            return None;
        }
        let entries = self.map(n, &what, Some(REQUIRE_KEYS));
        let mut req = Requirement {
            category: None,
            scanner: None,
            allow_empty: false,
            line: n.pos.line,
        };
        let mut ok = true;
        for (key, _k, v) in &entries {
            match key.as_str() {
                "category" => match self.string(v, &format!("{what}.category")) {
                    Some(t) => req.category = self.category(v, &t, &format!("{what}.category")),
                    None => ok = false,
                },
                "scanner" => match self.string(v, &format!("{what}.scanner")) {
                    Some(t) => req.scanner = Some(t.to_ascii_lowercase()),
                    None => ok = false,
                },
                "allow_empty" => {
                    req.allow_empty = self
                        .boolean(v, &format!("{what}.allow_empty"))
                        .unwrap_or(false)
                }
                _ => {}
            }
        }
        let has = |k: &str| entries.iter().any(|(key, _, _)| key == k);
        if !has("category") && !has("scanner") {
            self.err(
                "secgate::policy::bad_requirement",
                n,
                format!("`{what}` names neither a category nor a scanner"),
                "nothing required",
                Some("write `category: sast` or `scanner: trivy` (or both)".into()),
            );
            return None;
        }
        if !ok || (has("category") && req.category.is_none()) {
            return None;
        }
        Some(req)
    }

    fn exception(&mut self, n: &Node, i: usize) -> Option<Exception> {
        let what = format!("exceptions[{i}]");
        if !matches!(n.kind, Kind::Map(_)) {
            self.wrong_type(
                n,
                &what,
                "a mapping with `id` or `fingerprint` and a `reason`",
            );
            return None;
        }
        let errors_before = self.error_count();
        let entries = self.map(n, &what, Some(EXCEPTION_KEYS));
        let mut ex = Exception {
            id: None,
            fingerprint: None,
            paths: Vec::new(),
            package: None,
            image: None,
            reason: String::new(),
            owner: None,
            ticket: None,
            expires: None,
            line: n.pos.line,
            path_globs: Vec::new(),
            image_glob: None,
            id_pattern: None,
        };
        for (key, _k, v) in &entries {
            let w = format!("{what}.{key}");
            match key.as_str() {
                "id" => ex.id = self.string(v, &w),
                "fingerprint" => {
                    if let Some(fp) = self.string(v, &w) {
                        let fp = fp.to_ascii_lowercase();
                        let hex = fp.bytes().all(|b| b.is_ascii_hexdigit());
                        if !hex
                            || fp.len() < 12
                            || fp.len() > 64
                            || (fp.len() == 64 && fp.parse::<Fingerprint>().is_err())
                        {
                            self.err(
                                "secgate::policy::bad_fingerprint",
                                v,
                                format!("`{fp}` in `{w}` is not a fingerprint"),
                                "not a fingerprint",
                                Some("use the 64 hex digits secgate prints for the finding (`secgate check --output json`), or a prefix of at least 12".into()),
                            );
                        } else {
                            ex.fingerprint = Some(fp);
                        }
                    }
                }
                "paths" => {
                    let items: Vec<&Node> = match &v.kind {
                        Kind::Seq(items) => items.iter().collect(),
                        Kind::Str(_) => vec![*v],
                        _ => {
                            self.wrong_type(v, &w, "a list of globs");
                            Vec::new()
                        }
                    };
                    for item in items {
                        if let Some(p) = self.string(item, &w) {
                            if let Some(g) = self.glob(item, &p, &w, true) {
                                ex.path_globs.push(g);
                                ex.paths.push(p);
                            }
                        }
                    }
                }
                "package" => ex.package = self.string(v, &w),
                "image" => {
                    if let Some(img) = self.string(v, &w) {
                        ex.image_glob = self.glob(v, &img, &w, false);
                        ex.image = Some(img);
                    }
                }
                "reason" => ex.reason = self.string(v, &w).unwrap_or_default(),
                "owner" => ex.owner = self.string(v, &w),
                "ticket" => ex.ticket = self.string(v, &w),
                "expires" => {
                    if let Some(t) = self.string(v, &w) {
                        match t.parse::<Date>() {
                            Ok(d) => ex.expires = Some(d),
                            Err(e) => self.err(
                                "secgate::policy::bad_date",
                                v,
                                format!("{e} in `{w}`"),
                                "not a date",
                                Some("write the last day the exception applies, e.g. `expires: 2026-12-31`".into()),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
        let has = |k: &str| entries.iter().any(|(key, _, _)| key == k);
        if !has("reason") {
            self.err(
                "secgate::policy::missing_field",
                n,
                format!("`{what}` has no `reason`"),
                "reason missing",
                Some(
                    "every exception needs a reason (and may carry owner, ticket and expires)"
                        .into(),
                ),
            );
        }
        if !has("id") && !has("fingerprint") {
            self.err(
                "secgate::policy::no_matcher",
                n,
                format!("`{what}` has neither `id` nor `fingerprint`"),
                "matches nothing specific",
                Some("name a CVE, CWE, GHSA or rule id (`id: CVE-2021-44228`) or a finding's `fingerprint`; `paths`, `package` and `image` only narrow them".into()),
            );
        }
        if self.error_count() > errors_before {
            return None;
        }
        ex.id_pattern = ex.id.clone().map(|id| {
            let p = IdPattern::new(&id);
            (id, p)
        });
        Some(ex)
    }

    fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .count()
    }
}

pub(crate) fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
    let shared = Arc::new(text.to_string());
    let mut cx = Ctx {
        text: shared.clone(),
        file: name.to_string(),
        source: Arc::new(NamedSource::new(name, text.to_string()).with_language("yaml")),
        diags: Vec::new(),
    };
    let root = match yaml::parse(text) {
        Ok(r) => r,
        Err(e) => {
            let node = Node {
                kind: Kind::Null,
                pos: e.pos,
            };
            cx.err(
                "secgate::policy::yaml",
                &node,
                format!("the policy is not valid YAML: {}", first_line(&e.message)),
                "here",
                Some("check the indentation and quoting on this line".into()),
            );
            return Err(PolicyError {
                file: name.to_string(),
                diagnostics: cx.diags,
            });
        }
    };
    let mut policy = Policy {
        version: 1,
        rules: Rules::default(),
        new_only: false,
        warn_expiring_days: DEFAULT_WARN_EXPIRING_DAYS,
        categories: BTreeMap::new(),
        scanners: BTreeMap::new(),
        require: Vec::new(),
        exceptions: Vec::new(),
        source: name.to_string(),
        warnings: Vec::new(),
    };
    if matches!(root.kind, Kind::Null) {
        cx.push(
            DiagnosticLevel::Warning,
            "secgate::policy::empty",
            root.pos,
            "the policy file is empty: the defaults apply (fail on high)".into(),
            "empty",
            None,
        );
    }
    let entries = cx.map(&root, "policy", Some(TOP_KEYS));
    policy.rules = cx.rules(&entries, "");
    for (key, _k, v) in &entries {
        match key.as_str() {
            "version" => match &v.kind {
                Kind::Int(1) => {}
                _ => cx.err(
                    "secgate::policy::bad_value",
                    v,
                    "unsupported policy `version`".into(),
                    "expected 1",
                    Some("this secgate reads policy version 1".into()),
                ),
            },
            "new_only" => policy.new_only = cx.boolean(v, "new_only").unwrap_or(false),
            "warn_expiring_days" => {
                policy.warn_expiring_days = cx
                    .uint(v, "warn_expiring_days")
                    .map(|n| n as u32)
                    .unwrap_or(DEFAULT_WARN_EXPIRING_DAYS)
            }
            "categories" => {
                for (name, k, rv) in cx.map(v, "categories", None) {
                    let Some(c) = cx.category(k, &name, "categories") else {
                        continue;
                    };
                    let what = format!("categories.{c}");
                    let re = cx.map(rv, &what, Some(RULE_KEYS));
                    let rules = cx.rules(&re, &what);
                    if policy
                        .categories
                        .insert(c.as_str().to_string(), rules)
                        .is_some()
                    {
                        cx.err(
                            "secgate::policy::duplicate_key",
                            k,
                            format!("category `{c}` is overridden twice"),
                            "duplicate",
                            None,
                        );
                    }
                }
            }
            "scanners" => {
                for (name, k, rv) in cx.map(v, "scanners", None) {
                    let id = secgate_core::Scanner::id_from_name(&name);
                    let what = format!("scanners.{name}");
                    let re = cx.map(rv, &what, Some(RULE_KEYS));
                    let rules = cx.rules(&re, &what);
                    if policy.scanners.insert(id.clone(), rules).is_some() {
                        cx.err(
                            "secgate::policy::duplicate_key",
                            k,
                            format!("scanner `{id}` is overridden twice"),
                            "duplicate",
                            None,
                        );
                    }
                }
            }
            "require" => match &v.kind {
                Kind::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(r) = cx.requirement(item, i) {
                            policy.require.push(r);
                        }
                    }
                }
                Kind::Null => {}
                _ => cx.wrong_type(v, "require", "a list"),
            },
            "exceptions" => match &v.kind {
                Kind::Seq(items) => {
                    let mut seen: HashSet<String> = HashSet::new();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(e) = cx.exception(item, i) {
                            // Second pass: the same matchers twice is a copy-paste slip.
                            let key = format!(
                                "{:?}",
                                (&e.id, &e.fingerprint, &e.paths, &e.package, &e.image)
                            );
                            if !seen.insert(key) {
                                cx.push(
                                    DiagnosticLevel::Warning,
                                    "secgate::policy::duplicate_exception",
                                    item.pos,
                                    format!("`exceptions[{i}]` matches exactly what an earlier exception matches"),
                                    "duplicate",
                                    Some("remove one; the first one in the file applies".into()),
                                );
                            }
                            policy.exceptions.push(e);
                        }
                    }
                }
                Kind::Null => {}
                _ => cx.wrong_type(v, "exceptions", "a list"),
            },
            _ => {}
        }
    }
    cx.diags.sort_by_key(|d| (d.line, d.column));
    if cx.error_count() > 0 {
        return Err(PolicyError {
            file: name.to_string(),
            diagnostics: cx.diags,
        });
    }
    policy.warnings = cx.diags;
    Ok(policy)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
