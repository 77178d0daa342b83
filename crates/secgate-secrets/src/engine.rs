//! The scanning engine: bytes in, hits out, no I/O.
//!
//! ## How a file is scanned
//!
//! 1. One Aho-Corasick DFA over every rule keyword walks the content once
//!    (ASCII case folded in its byte classes, so no lower-cased copy; large
//!    buffers as four interleaved streams, see `prefilter`) and reports
//!    every position where a keyword ends. A keyword written with an
//!    upper-case letter (`AKIA`, `eyJ`) only counts when the text has exactly
//!    that case. Each line holding a keyword is a candidate line.
//! 2. The keywords found on a candidate line give the set of rules to run;
//!    each runs its own regex (ASCII, bytes) on that line only (from the line
//!    to the following lines for multi-line rules such as PEM keys).
//! 3. The secret group of each match goes through the rule's validator
//!    (checksum, structure), entropy floor, placeholder and documented-example
//!    filters, then the configured allowlists; a `secgate:allow` marker on the
//!    line suppresses it.
//! 4. Where two rules match overlapping text, the more specific one (earlier in
//!    the rule list; configured rules first) is kept.
//!
//! Kubernetes `Secret` manifests get a second look: the base64 values under
//! `data:` are decoded and scanned as `key=value` text, and hits are reported at
//! the encoded value's line and column.

// `ConfigError` carries the YAML source (cold path).
#![allow(clippy::result_large_err)]

use crate::allow::{
    has_inline_allow, is_example_url_credential, is_generic_false_positive, is_placeholder,
};
use crate::checksum::has_valid_crc32_suffix;
use crate::config::{locate, Config, ConfigError};
use crate::entropy::shannon;
use crate::prefilter::KeywordDfa;
use crate::rules::builtin::BUILTIN;
use crate::rules::{LazyRegex, Rule, RuleKind, Validator, GENERIC_MAX_LINE};
use crate::Hit;
use globset::{Glob, GlobSet, GlobSetBuilder};
use memchr::memmem;
use regex::bytes::Regex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Where a Kubernetes Secret manifest may be (any case, as before).
const K8S_SECRET: &str = "kind: secret";

/// How much of a buffer the keyword automaton walks at a time (bounds the
/// memory of its hit positions: at most 16 bytes per byte of a window).
const WINDOW: usize = 256 * 1024;

/// How far past its first line a multi-line rule may match (bytes).
const MULTILINE_WINDOW: usize = 256 * 1024;

/// The scanner: compiled rules, the keyword prefilter and the allowlists.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Vec<Rule>,
    /// Every distinct keyword, folded: where candidate lines are.
    keywords: KeywordDfa,
    /// For each keyword, its exact form when it must match case-sensitively.
    kw_exact: Vec<Option<Box<[u8]>>>,
    /// The id of the pseudo-keyword `kind: secret` (no rule: it wakes the
    /// Kubernetes Secret decoder).
    kw_k8s: usize,
    kw_rules: Vec<Vec<u16>>,
    always: Vec<u16>,
    allow_paths: Option<GlobSet>,
    allow_regexes: Vec<Regex>,
    stopwords: Vec<Vec<u8>>,
    max_file_size: u64,
    any_rule_paths: bool,
}

/// A hit before line/column resolution.
/// A span no later (generic) rule may report: text a specific rule recognised
/// but rejected (bad checksum, placeholder), or a decoded Kubernetes value.
#[derive(Clone, Copy)]
struct Veto {
    start: usize,
    end: usize,
    /// Vetoes every rule, not only generic ones.
    all: bool,
}

struct Raw {
    rule: usize,
    /// Offsets in the scanned buffer where the hit is reported.
    start: usize,
    end: usize,
    secret: Vec<u8>,
    prio: u8,
}

/// What the line functions of one pass over a file share: the file, which
/// rules its path allows, the rules collected for the current line, a buffer
/// for the line lower-cased, and where candidates and vetoes go.
struct LinePass<'c, 'o> {
    content: &'c [u8],
    path_ok: Option<&'c [bool]>,
    ids: Vec<u16>,
    scratch: Vec<u8>,
    raws: &'o mut Vec<Raw>,
    vetoes: &'o mut Vec<Veto>,
    prio: u8,
}

impl Engine {
    /// The built-in rules only, no allowlists.
    pub fn builtin() -> Engine {
        Engine::new(&Config::default()).expect("built-in rules compile")
    }

    /// Built-in rules plus the configuration's rules, minus its disabled ones,
    /// with its allowlists.
    pub fn new(config: &Config) -> Result<Engine, ConfigError> {
        let text = &config.text;
        let name = config.name();
        let mut rules: Vec<Rule> = Vec::new();
        // Configured rules first: they are the most specific.
        for cr in &config.rules {
            let id = cr.id.value.trim();
            let (line, column, span) = locate(text, &cr.id);
            if id.is_empty() || !id.bytes().all(crate::rules::is_rule_id_byte) {
                return Err(ConfigError::RuleId {
                    name: name.to_string(),
                    line,
                    column,
                    message: format!("rule id `{id}` must be non-empty and use only letters, digits, `-`, `_` and `.`"),
                    help: "ids appear in fingerprints and in `disable:`; pick a short kebab-case name such as `acme-api-token`".into(),
                    src: config.source(),
                    span,
                });
            }
            if rules.iter().any(|r| r.id == id) || BUILTIN.iter().any(|r| r.id == id) {
                return Err(ConfigError::RuleId {
                    name: name.to_string(),
                    line,
                    column,
                    message: format!("rule id `{id}` is already used"),
                    help: "give the rule another id, or disable the built-in rule with `disable:` and reuse nothing".into(),
                    src: config.source(),
                    span,
                });
            }
            let regex = regex::bytes::RegexBuilder::new(&cr.regex.value)
                .unicode(false)
                .size_limit(50 << 20)
                .build()
                .map_err(|e| {
                    let (line, column, span) = locate(text, &cr.regex);
                    ConfigError::Regex {
                        name: name.to_string(),
                        line,
                        column,
                        message: e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim()
                            .to_string(),
                        src: config.source(),
                        span,
                    }
                })?;
            let paths = if cr.paths.is_empty() {
                None
            } else {
                Some(build_globs(config, &cr.paths)?)
            };
            rules.push(Rule {
                id: id.to_string(),
                description: cr
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("Secret matching configured rule {id}")),
                keywords: cr.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
                regex: LazyRegex::compiled(regex),
                entropy: cr.entropy,
                validator: Validator::None,
                kind: if cr.regex.value.contains("\\n") {
                    RuleKind::Multiline
                } else {
                    RuleKind::Specific
                },
                prefix: None,
                paths,
                builtin: false,
            });
        }
        for d in &config.disable {
            let id = d.value.trim();
            if !BUILTIN.iter().any(|r| r.id == id) && !rules.iter().any(|r| r.id == id) {
                let (line, column, span) = locate(text, d);
                let near = closest_rule(id);
                return Err(ConfigError::RuleId {
                    name: name.to_string(),
                    line,
                    column,
                    message: format!("`{id}` in `disable` is not a rule id"),
                    help: match near {
                        Some(n) => format!("did you mean `{n}`? (`secgate-secrets` lists rules in docs/secrets-rules.md)"),
                        None => "see docs/secrets-rules.md for the rule ids".to_string(),
                    },
                    src: config.source(),
                    span,
                });
            }
        }
        let disabled: Vec<&str> = config.disable.iter().map(|d| d.value.trim()).collect();
        rules.retain(|r| !disabled.contains(&r.id.as_str()));
        for def in BUILTIN {
            if disabled.contains(&def.id) {
                continue;
            }
            // Compiled on first use: most processes need a few rules only.
            rules.push(def.lazy());
        }
        let allow_paths = if config.allow.paths.is_empty() {
            None
        } else {
            Some(build_globs(config, &config.allow.paths)?)
        };
        let mut allow_regexes = Vec::new();
        for r in &config.allow.regexes {
            let re = regex::bytes::RegexBuilder::new(&r.value)
                .unicode(false)
                .build()
                .map_err(|e| {
                    let (line, column, span) = locate(text, r);
                    ConfigError::Regex {
                        name: name.to_string(),
                        line,
                        column,
                        message: e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim()
                            .to_string(),
                        src: config.source(),
                        span,
                    }
                })?;
            allow_regexes.push(re);
        }
        Ok(Engine::assemble(
            rules,
            allow_paths,
            allow_regexes,
            config
                .allow
                .stopwords
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.to_ascii_lowercase().into_bytes())
                .collect(),
            config.max_file_size,
        ))
    }

    fn assemble(
        rules: Vec<Rule>,
        allow_paths: Option<GlobSet>,
        allow_regexes: Vec<Regex>,
        stopwords: Vec<Vec<u8>>,
        max_file_size: u64,
    ) -> Engine {
        let mut keywords: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        // A keyword is case-sensitive when written with an upper-case letter
        // (built-in rules only; configured keywords are lower-cased on load).
        let mut kw_rules: Vec<Vec<u16>> = Vec::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.keywords.is_empty() {
                always.push(i as u16);
            }
            for k in &r.keywords {
                let slot = *index.entry(k.clone()).or_insert_with(|| {
                    keywords.push(k.clone());
                    kw_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !kw_rules[slot].contains(&(i as u16)) {
                    kw_rules[slot].push(i as u16);
                }
            }
        }
        let kw_k8s = keywords.len();
        keywords.push(K8S_SECRET.to_string());
        kw_rules.push(Vec::new());
        let folded: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.to_ascii_lowercase().into_bytes())
            .collect();
        let kw_exact = keywords
            .iter()
            .map(|k| {
                k.bytes()
                    .any(|b| b.is_ascii_uppercase())
                    .then(|| k.as_bytes().into())
            })
            .collect();
        let any_rule_paths = rules.iter().any(|r| r.paths.is_some());
        Engine {
            rules,
            keywords: KeywordDfa::new(&folded),
            kw_exact,
            kw_k8s,
            kw_rules,
            always,
            allow_paths,
            allow_regexes,
            stopwords,
            max_file_size,
            any_rule_paths,
        }
    }

    /// The active rules, configured ones first, then the built-in ones.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether the configured path allowlist excludes this path (such paths are not scanned).
    pub fn is_path_allowed(&self, path: &str) -> bool {
        match &self.allow_paths {
            Some(g) => g.is_match(normalise_path(path)),
            None => false,
        }
    }

    /// The largest file to scan, in bytes (from the configuration).
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// Scans the whole content of one file. `path` is matched against the path
    /// allowlists and reported as is.
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        if self.is_path_allowed(path) {
            return Vec::new();
        }
        self.scan_buffer(path, content, 1)
    }

    /// Scans only some lines of a file (the added lines of a diff): `(1-based
    /// line number, line bytes without the newline)`. Consecutive lines are
    /// scanned together, so a private key added as a block is found.
    pub fn scan_lines<'a>(
        &self,
        path: &str,
        lines: impl IntoIterator<Item = (u32, &'a [u8])>,
    ) -> Vec<Hit> {
        if self.is_path_allowed(path) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut first = 0u32;
        let mut last = 0u32;
        for (n, line) in lines {
            if !buf.is_empty() && n != last + 1 {
                out.extend(self.scan_buffer(path, &buf, first));
                buf.clear();
            }
            if buf.is_empty() {
                first = n;
            } else {
                buf.push(b'\n');
            }
            buf.extend_from_slice(line);
            if buf.is_empty() {
                // An empty first line: keep the run going with a marker-free buffer.
                buf.reserve(1);
            }
            last = n;
        }
        if last != 0 || !buf.is_empty() {
            out.extend(self.scan_buffer(path, &buf, first));
        }
        out
    }

    fn scan_buffer(&self, path: &str, content: &[u8], first_line: u32) -> Vec<Hit> {
        let path_ok: Option<Vec<bool>> = if self.any_rule_paths {
            let p = normalise_path(path);
            Some(
                self.rules
                    .iter()
                    .map(|r| r.paths.as_ref().is_none_or(|g| g.is_match(p)))
                    .collect(),
            )
        } else {
            None
        };
        let mut raws: Vec<Raw> = Vec::new();
        let mut vetoes: Vec<Veto> = Vec::new();
        let k8s = self.scan_candidates(content, path_ok.as_deref(), &mut raws, &mut vetoes, 0);
        if k8s {
            // A Kubernetes Secret: its decoded values come first (they veto
            // the encoded text for every rule), then the lines again.
            raws.clear();
            vetoes.clear();
            self.scan_k8s_secret(content, path_ok.as_deref(), &mut raws, &mut vetoes);
            self.scan_candidates(content, path_ok.as_deref(), &mut raws, &mut vetoes, 0);
        }
        self.resolve(path, content, first_line, raws)
    }

    /// Finds the candidate lines of `content` (lines holding a keyword, or
    /// every line when some rule has none) and runs their rules. The keyword
    /// automaton walks [`WINDOW`] bytes at a time, so its positions take
    /// bounded memory whatever the file (a run of `AAAA` is a keyword hit at
    /// every byte). Returns whether `kind: secret` occurs (any case).
    fn scan_candidates(
        &self,
        content: &[u8],
        path_ok: Option<&[bool]>,
        raws: &mut Vec<Raw>,
        vetoes: &mut Vec<Veto>,
        prio: u8,
    ) -> bool {
        let mut events: Vec<(usize, u32)> = Vec::new();
        let mut pass = LinePass {
            content,
            path_ok,
            ids: Vec::new(),
            scratch: Vec::new(),
            raws,
            vetoes,
            prio,
        };
        let k8s = self.kw_k8s as u16;
        let mut k8s_seen = false;
        // The line being collected: (start, end); its rules are in `pass.ids`.
        let mut line: Option<(usize, usize)> = None;
        let mut next_line = 0usize;
        let mut a = 0usize;
        while a < content.len() {
            let b = (a + WINDOW).min(content.len());
            events.clear();
            self.keywords.find_at(content, a, b, &mut events);
            for &ev in &events {
                if !k8s_seen && self.keywords.keywords(ev.1).contains(&k8s) {
                    k8s_seen = true;
                }
                if let Some((_, le)) = line {
                    if ev.0 <= le {
                        self.add_rules(content, ev, &mut pass.ids);
                        continue;
                    }
                }
                // A new line around this keyword (which holds no newline).
                let ls = memchr::memrchr(b'\n', &content[..ev.0])
                    .map(|p| p + 1)
                    .unwrap_or(0);
                let le = memchr::memchr(b'\n', &content[ev.0..])
                    .map(|p| ev.0 + p)
                    .unwrap_or(content.len());
                self.finish_before(&mut pass, line.take(), next_line, ls);
                line = Some((ls, le));
                next_line = le + 1;
                self.add_rules(content, ev, &mut pass.ids);
            }
            a = b;
        }
        self.finish_before(&mut pass, line.take(), next_line, content.len() + 1);
        k8s_seen
    }

    /// Everything before offset `upto`: the pending keyword line, then, when
    /// there are keyword-less rules (every line is a candidate for them), the
    /// lines from `next_line` up to `upto`.
    fn finish_before(
        &self,
        pass: &mut LinePass<'_, '_>,
        line: Option<(usize, usize)>,
        next_line: usize,
        upto: usize,
    ) {
        self.flush_line(pass, line);
        if !self.always.is_empty() {
            self.keyless_lines(pass, next_line, upto);
        }
    }

    /// Runs the collected rules (and the keyword-less ones) on a line.
    fn flush_line(&self, pass: &mut LinePass<'_, '_>, line: Option<(usize, usize)>) {
        if let Some((ls, le)) = line {
            for &r in &self.always {
                if !pass.ids.contains(&r) {
                    pass.ids.push(r);
                }
            }
            if !pass.ids.is_empty() {
                self.scan_line(pass, ls, le);
            }
        }
        pass.ids.clear();
    }

    /// The lines starting in `from..to` that hold no keyword, for the rules
    /// without keywords (configured ones; every line is a candidate).
    fn keyless_lines(&self, pass: &mut LinePass<'_, '_>, from: usize, to: usize) {
        let content = pass.content;
        let mut ls = from;
        while ls < to && ls <= content.len() {
            let le = memchr::memchr(b'\n', &content[ls..])
                .map(|p| ls + p)
                .unwrap_or(content.len());
            self.flush_line(pass, Some((ls, le)));
            ls = le + 1;
        }
    }

    /// Adds the rules of the keywords ending at `event` (case-sensitive
    /// keywords only when the text has their exact case).
    fn add_rules(&self, content: &[u8], (end, state): (usize, u32), ids: &mut Vec<u16>) {
        for &k in self.keywords.keywords(state) {
            let k = k as usize;
            if let Some(exact) = &self.kw_exact[k] {
                if content[end - exact.len()..end] != exact[..] {
                    continue;
                }
            }
            for &r in &self.kw_rules[k] {
                if !ids.contains(&r) {
                    ids.push(r);
                }
            }
        }
    }

    /// Runs the collected rules (`pass.ids`) on one line.
    fn scan_line(&self, pass: &mut LinePass<'_, '_>, line_start: usize, line_end: usize) {
        let LinePass {
            content,
            path_ok,
            ids,
            scratch,
            raws,
            vetoes,
            prio,
        } = pass;
        let (content, path_ok, prio) = (*content, *path_ok, *prio);
        scratch.clear();
        scratch.extend(
            content[line_start..line_end]
                .iter()
                .map(u8::to_ascii_lowercase),
        );
        if has_inline_allow(scratch) {
            return;
        }
        ids.sort_unstable();
        let line_len = line_end - line_start;
        for &ri in ids.iter() {
            let ri = ri as usize;
            let rule = &self.rules[ri];
            if rule.kind == RuleKind::Generic && line_len > GENERIC_MAX_LINE {
                continue;
            }
            if let Some(ok) = path_ok {
                if !ok[ri] {
                    continue;
                }
            }
            let hay_end = if rule.kind == RuleKind::Multiline {
                content.len().min(line_start + MULTILINE_WINDOW)
            } else {
                line_end
            };
            let hay = &content[line_start..hay_end];
            // The lazy DFA answers "no match" fast; capture groups cost more.
            let regex = rule.regex.get();
            if !regex.is_match(hay) {
                continue;
            }
            for caps in regex.captures_iter(hay) {
                let whole = caps.get(0).expect("group 0");
                if whole.start() > line_len {
                    break;
                }
                let m = match rule.regex.secret_group() {
                    Some(g) => caps.get(g),
                    None => (1..caps.len()).find_map(|g| caps.get(g)),
                }
                .unwrap_or(whole);
                let secret = &hay[m.start()..m.end()];
                let quoted = m.start() > 0 && matches!(hay[m.start() - 1], b'"' | b'\'' | b'`');
                let start = line_start + m.start();
                let end = line_start + m.end();
                let generic = rule.kind == RuleKind::Generic;
                if vetoes
                    .iter()
                    .any(|v| (v.all || generic) && v.start < end && start < v.end)
                {
                    continue;
                }
                let after = &hay[m.end()..line_len.max(m.end()).min(hay.len())];
                if self.is_own_fingerprint(&hay[..m.start()], secret) {
                    continue;
                }
                if !self.accept(rule, secret, quoted, after) {
                    if !generic {
                        vetoes.push(Veto {
                            start,
                            end,
                            all: false,
                        });
                    }
                    continue;
                }
                if raws.iter().any(|r| r.start < end && start < r.end) {
                    continue;
                }
                raws.push(Raw {
                    rule: ri,
                    start,
                    end,
                    secret: secret.to_vec(),
                    prio,
                });
            }
        }
    }

    /// Whether a candidate is one of this tool's own fingerprints, not a
    /// secret: a rule id of this engine, `:` and 16 lower-case hex digits
    /// ([`crate::FINGERPRINT_HEX_DIGITS`]: the shape
    /// [`crate::ignore::is_fingerprint`] accepts, in the case `Hit`s are
    /// written with), as the ignore file, the baseline and every report write
    /// them
    /// (`"fingerprint": "stripe-secret-key:ac63df81395d2bd8"` reads to the
    /// generic rule as the key `secret-key` and a 16-digit hex value, about
    /// one random fingerprint in 25 passing its filters, and
    /// `vonage-api-secret:...` to the Vonage rule). `before` is the text of
    /// the line before the candidate.
    fn is_own_fingerprint(&self, before: &[u8], secret: &[u8]) -> bool {
        if secret.len() != crate::FINGERPRINT_HEX_DIGITS
            || !secret
                .iter()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return false;
        }
        let Some(before) = before.strip_suffix(b":") else {
            return false;
        };
        // The id must start where an id can start: not after an id byte.
        let id_byte = crate::rules::is_rule_id_byte;
        self.rules.iter().any(|r| {
            before.ends_with(r.id.as_bytes())
                && before
                    .len()
                    .checked_sub(r.id.len() + 1)
                    .is_none_or(|i| !id_byte(before[i]))
        })
    }

    /// Every filter a candidate secret must pass.
    /// `after` is the text after the secret on its line.
    fn accept(&self, rule: &Rule, secret: &[u8], quoted: bool, after: &[u8]) -> bool {
        if secret.is_empty() {
            return false;
        }
        match rule.validator {
            Validator::None => {}
            Validator::Crc32Suffix(p) => {
                if !has_valid_crc32_suffix(secret, p) {
                    return false;
                }
            }
            Validator::Base64UserPass => match decode_base64(secret) {
                Some(d) => match d.iter().position(|&b| b == b':') {
                    Some(i)
                        if i > 0
                            && i + 1 < d.len()
                            && d.iter().all(|b| (0x20..0x7f).contains(b))
                            && !is_placeholder(&d[i + 1..])
                            && !is_template(&d[i + 1..]) => {}
                    _ => return false,
                },
                None => return false,
            },
            Validator::Jwt => {
                let head = secret.split(|&b| b == b'.').next().unwrap_or(b"");
                match decode_base64(head) {
                    Some(h) if h.starts_with(b"{") && memmem::find(&h, b"\"alg\"").is_some() => {}
                    _ => return false,
                }
            }
        }
        if rule.builtin && is_placeholder(secret) {
            return false;
        }
        if rule.kind == RuleKind::Generic && is_generic_false_positive(secret, quoted, after) {
            return false;
        }
        if rule.builtin && is_example_url_credential(secret, after) {
            return false;
        }
        if let Some(floor) = rule.entropy {
            if shannon(secret) < floor {
                return false;
            }
        }
        if self.allow_regexes.iter().any(|r| r.is_match(secret)) {
            return false;
        }
        if !self.stopwords.is_empty() {
            let l = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|w| memmem::find(&l, w).is_some()) {
                return false;
            }
        }
        true
    }

    /// Decodes the base64 `data:` values of a Kubernetes Secret and scans them.
    fn scan_k8s_secret(
        &self,
        content: &[u8],
        path_ok: Option<&[bool]>,
        raws: &mut Vec<Raw>,
        vetoes: &mut Vec<Veto>,
    ) {
        let mut in_data = false;
        let mut data_indent = 0usize;
        let mut start = 0usize;
        while start < content.len() {
            let end = memchr::memchr(b'\n', &content[start..])
                .map(|i| start + i)
                .unwrap_or(content.len());
            let line = &content[start..end];
            let indent = line.iter().take_while(|&&b| b == b' ').count();
            let body = trim_ascii(&line[indent..]);
            if body.is_empty() || body.starts_with(b"#") {
                start = end + 1;
                continue;
            }
            if body == b"---" {
                in_data = false;
            } else if indent == 0 || (in_data && indent <= data_indent) {
                in_data = body == b"data:";
                data_indent = indent;
            } else if body == b"data:" {
                in_data = true;
                data_indent = indent;
            } else if in_data {
                if let Some(colon) = memchr::memchr(b':', body) {
                    let key = &body[..colon];
                    let mut v = trim_ascii(&body[colon + 1..]);
                    if v.len() >= 2 && (v[0] == b'"' || v[0] == b'\'') && v[v.len() - 1] == v[0] {
                        v = &v[1..v.len() - 1];
                    }
                    if v.len() >= 8 {
                        if let Some(decoded) = decode_base64(v) {
                            let printable = decoded.iter().all(|&b| {
                                b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b)
                            });
                            if printable {
                                let mut synth = key.to_vec();
                                synth.push(b'=');
                                synth.extend_from_slice(&decoded);
                                synth.push(b'\n');
                                let v_off = v.as_ptr() as usize - content.as_ptr() as usize;
                                self.scan_decoded(&synth, path_ok, v_off, v_off + v.len(), raws);
                                vetoes.push(Veto {
                                    start: v_off,
                                    end: v_off + v.len(),
                                    all: true,
                                });
                            }
                        }
                    }
                }
            }
            start = end + 1;
        }
    }

    fn scan_decoded(
        &self,
        synth: &[u8],
        path_ok: Option<&[bool]>,
        at: usize,
        at_end: usize,
        raws: &mut Vec<Raw>,
    ) {
        let mut inner = Vec::new();
        let mut inner_vetoes = Vec::new();
        self.scan_candidates(synth, path_ok, &mut inner, &mut inner_vetoes, 0);
        for r in inner {
            if raws
                .iter()
                .any(|x| x.start < at_end && at < x.end && x.rule == r.rule)
            {
                continue;
            }
            raws.push(Raw {
                rule: r.rule,
                start: at,
                end: at_end,
                secret: r.secret,
                prio: 1,
            });
        }
    }

    /// Turns raw offsets into hits with line and column; drops overlaps.
    fn resolve(&self, path: &str, content: &[u8], first_line: u32, mut raws: Vec<Raw>) -> Vec<Hit> {
        raws.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.prio.cmp(&a.prio))
                .then(a.rule.cmp(&b.rule))
        });
        let mut kept: Vec<Raw> = Vec::with_capacity(raws.len());
        for r in raws {
            if let Some(k) = kept.last() {
                if r.start < k.end && k.start < r.end {
                    // Overlap: keep the decoded (k8s) hit, else the more specific rule.
                    let better =
                        (r.prio, std::cmp::Reverse(r.rule)) > (k.prio, std::cmp::Reverse(k.rule));
                    if better {
                        kept.pop();
                        kept.push(r);
                    }
                    continue;
                }
            }
            kept.push(r);
        }
        let mut hits = Vec::with_capacity(kept.len());
        let mut line = first_line;
        let mut pos = 0usize;
        let mut line_start = 0usize;
        for r in kept {
            for i in memchr::memchr_iter(b'\n', &content[pos..r.start]) {
                line += 1;
                line_start = pos + i + 1;
            }
            pos = r.start;
            let rule = &self.rules[r.rule];
            let column = (r.start - line_start + 1) as u32;
            let first_line_end = memchr::memchr(b'\n', &content[r.start..r.end])
                .map(|i| r.start + i)
                .unwrap_or(r.end);
            let end_column = (first_line_end - line_start + 1) as u32;
            hits.push(Hit::new(rule, path, line, column, end_column, &r.secret));
        }
        hits
    }
}

fn is_template(v: &[u8]) -> bool {
    crate::allow::is_template_reference(v)
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map(|i| i + 1)
        .unwrap_or(s);
    &b[s..e.max(s)]
}

fn normalise_path(p: &str) -> &str {
    let p = p.strip_prefix("./").unwrap_or(p);
    p.strip_prefix('/').unwrap_or(p)
}

fn build_globs(
    config: &Config,
    globs: &[serde_saphyr::Spanned<String>],
) -> Result<GlobSet, ConfigError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let pat = g.value.trim();
        let glob = Glob::new(pat).map_err(|e| {
            let (line, column, span) = locate(&config.text, g);
            ConfigError::Glob {
                name: config.name().to_string(),
                line,
                column,
                message: e.kind().to_string(),
                src: config.source(),
                span,
            }
        })?;
        b.add(glob);
        // `dir/` or `dir` also covers everything below it.
        if !pat.contains('*') {
            if let Ok(sub) = Glob::new(&format!("{}/**", pat.trim_end_matches('/'))) {
                b.add(sub);
            }
        }
    }
    b.build().map_err(|e| {
        let (line, column, span) = locate(&config.text, &globs[0]);
        ConfigError::Glob {
            name: config.name().to_string(),
            line,
            column,
            message: e.to_string(),
            src: config.source(),
            span,
        }
    })
}

fn closest_rule(id: &str) -> Option<&'static str> {
    let mut best: Option<(usize, &'static str)> = None;
    for r in BUILTIN {
        let d = edit_distance(id, r.id);
        if d <= 3 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, r.id));
        }
    }
    best.map(|(_, id)| id)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Decodes standard or URL-safe base64, padded or not; `None` if it is not base64.
pub fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let s = {
        let mut e = s.len();
        while e > 0 && s[e - 1] == b'=' {
            e -= 1;
        }
        &s[..e]
    };
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// SHA-256 of `data` in lowercase hex.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hook's own fingerprints (in its baseline, ignore file and reports)
    /// are not secrets, whatever their hex digits; a regression: about one in
    /// 25 baselines failed the adoption example's second step.
    #[test]
    fn own_fingerprints_are_not_secrets() {
        let e = Engine::builtin();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut text = String::new();
        for i in 0..400 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let rule = &e.rules()[i % e.rules().len()].id;
            text.push_str(&format!("      \"fingerprint\": \"{rule}:{x:016x}\",\n"));
            text.push_str(&format!(
                "{rule}:{x:016x} # a line of .secgate-secrets-ignore\n"
            ));
        }
        let hits = e.scan(".secgate-secrets-baseline.json", text.as_bytes());
        assert!(
            hits.is_empty(),
            "{:?}",
            hits.iter().map(|h| &h.rule_id).collect::<Vec<_>>()
        );
        // The same digits after a key that is not a rule id are still judged.
        let own =
            |before: &str, secret: &str| e.is_own_fingerprint(before.as_bytes(), secret.as_bytes());
        assert!(own("  \"stripe-secret-key:", "ac63df81395d2bd8"));
        assert!(own("generic-secret:", "30c7a9004a4add7f"));
        assert!(!own("secret-key: ", "ac63df81395d2bd8"));
        assert!(!own("  xstripe-secret-key:", "ac63df81395d2bd8"));
        // `.` belongs to rule ids: `acme.stripe-secret-key` is another id.
        assert!(!own("acme.stripe-secret-key:", "ac63df81395d2bd8"));
        assert!(!own("stripe-secret-key:", "AC63DF81395D2BD8"));
        assert!(!own("stripe-secret-key:", "ac63df81395d2bd"));
    }

    /// Building the engine compiles no rule regex; scanning a line compiles
    /// only the rules whose keywords it holds (the hook's startup cost).
    #[test]
    fn rule_regexes_compile_on_first_use_only() {
        let e = Engine::builtin();
        assert!(e.rules().len() >= 150);
        assert_eq!(
            e.rules().iter().filter(|r| r.regex.is_compiled()).count(),
            0
        );
        assert!(e.scan("a.rs", b"fn main() { let x = 1; }\n").is_empty());
        assert_eq!(
            e.rules().iter().filter(|r| r.regex.is_compiled()).count(),
            0
        );
        let hits = e.scan("a.env", b"AWS_ACCESS_KEY_ID=AKIAQ5R2TZ7W3XYJ4N6P\n");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].rule_id, "aws-access-key-id");
        let compiled: Vec<&str> = e
            .rules()
            .iter()
            .filter(|r| r.regex.is_compiled())
            .map(|r| r.id.as_str())
            .collect();
        assert!(compiled.contains(&"aws-access-key-id"), "{compiled:?}");
        assert!(compiled.len() <= 5, "compiled too many: {compiled:?}");
    }
}
