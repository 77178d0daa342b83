//! Engine behaviour beyond single rules: line mode, inline allow, config
//! errors located in the YAML, ignore file and baseline semantics, Kubernetes
//! Secret decoding, long lines, redaction.

use secgate_secrets::rules::sample::{base64, expand};
use secgate_secrets::{Baseline, Config, ConfigError, Engine, IgnoreFile};

fn gh(seed: u64) -> String {
    expand("{gh:ghp_}", seed)
}

#[test]
fn whole_file_positions_are_one_based_and_exact() {
    let t = gh(1);
    let text = format!("a\nbb\n  token = \"{t}\"\n");
    let hits = Engine::builtin().scan("x.py", text.as_bytes());
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].line, hits[0].column, hits[0].end_column),
        (3, 12, 12 + 40)
    );
    assert_eq!(hits[0].redacted, "ghp_…");
}

#[test]
fn scan_lines_reports_the_given_line_numbers_and_joins_blocks() {
    let t = gh(2);
    let pem = expand("{pem:RSA PRIVATE KEY}", 3);
    let line = format!("X={t}");
    let mut lines: Vec<(u32, &[u8])> = vec![(41, line.as_bytes())];
    let pem_lines: Vec<&str> = pem.lines().collect();
    for (i, l) in pem_lines.iter().enumerate() {
        lines.push((100 + i as u32, l.as_bytes()));
    }
    let hits = Engine::builtin().scan_lines("k", lines);
    let got: Vec<(String, u32)> = hits.iter().map(|h| (h.rule_id.clone(), h.line)).collect();
    assert_eq!(
        got,
        vec![
            ("github-pat".to_string(), 41),
            ("private-key-rsa".to_string(), 100)
        ]
    );
}

#[test]
fn inline_allow_suppresses_only_that_line() {
    let text = format!(
        "a = '{}'  # secgate:allow test fixture\nb = '{}'\n",
        gh(4),
        gh(5)
    );
    let hits = Engine::builtin().scan("x.py", text.as_bytes());
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].line, 2);
}

#[test]
fn ignore_file_follows_the_secret_not_the_line() {
    let engine = Engine::builtin();
    let (a, b) = (gh(6), gh(7));
    let first = engine.scan("x.env", format!("T={a}\n").as_bytes());
    let ignore =
        IgnoreFile::parse(&format!("{}  # rotated 2024-05\n", first[0].fingerprint)).unwrap();
    // Moved down and renamed: still ignored.
    let moved = engine.scan("y.env", format!("\n\nT={a}\n").as_bytes());
    assert!(ignore.contains(&moved[0]));
    // A new secret on the ignored line: reported.
    let new = engine.scan("x.env", format!("T={b}\n").as_bytes());
    assert!(!ignore.contains(&new[0]));
    let err = IgnoreFile::parse("github-pat:123\n").unwrap_err();
    assert_eq!(err.line, 1);
}

#[test]
fn baseline_round_trips_and_rejects_garbage() {
    let engine = Engine::builtin();
    let hits = engine.scan("old.env", format!("A={}\nB={}\n", gh(8), gh(9)).as_bytes());
    let b = Baseline::from_hits(&hits);
    let text = b.save();
    assert!(
        !text.contains(&gh(8)),
        "the baseline must not hold the secret"
    );
    let back = Baseline::load(&text, "baseline.json").unwrap();
    assert!(hits.iter().all(|h| back.contains(h)));
    let other = engine.scan("old.env", format!("C={}\n", gh(10)).as_bytes());
    assert!(!back.contains(&other[0]));
    let err = Baseline::load(
        "{\"version\": 1, \"findings\": [{\"fingerprint\": \"nope\"}]}",
        "b.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("not a fingerprint"));
    let err = Baseline::load("{", "b.json").unwrap_err();
    assert!(err.to_string().starts_with("b.json:1:"));
}

#[test]
fn config_rules_disable_and_allowlists_apply() {
    let cfg = Config::from_yaml(
        "rules:\n  - id: acme-token\n    regex: '(?P<secret>acme_[a-z0-9]{24})'\n    keywords: [acme_]\n    paths: ['src/**']\ndisable: [generic-password]\nallow:\n  paths: ['fixtures/']\n  regexes: ['^ghp_0']\n  stopwords: [localdev]\nmax_file_size: 1000\n",
        "cfg.yml",
    )
    .unwrap();
    let e = Engine::new(&cfg).unwrap();
    assert_eq!(e.max_file_size(), 1000);
    assert_eq!(e.rules()[0].id, "acme-token");
    let tok = "acme_0123456789abcdefghijklmn";
    assert_eq!(e.scan("src/a.rs", tok.as_bytes())[0].rule_id, "acme-token");
    assert!(
        e.scan("docs/a.md", tok.as_bytes()).is_empty(),
        "rule paths restrict"
    );
    assert!(e
        .scan("fixtures/keys/a.env", format!("T={}", gh(11)).as_bytes())
        .is_empty());
    assert!(e.is_path_allowed("./fixtures/x"));
    assert!(
        e.scan("a.env", b"password = \"Xk8#mQ2v9LpZ\"").is_empty(),
        "disabled rule"
    );
    assert!(
        Engine::builtin()
            .scan("a.env", b"password = \"Xk8#mQ2v9LpZ\"")
            .len()
            == 1
    );
}

#[test]
fn config_errors_are_located() {
    let cases: &[(&str, &str, usize)] = &[
        (
            "rules:\n  - id: x\n    regex: '(unclosed'\n",
            "invalid regex",
            3,
        ),
        ("disable: [github-pta]\n", "did you mean", 1),
        ("allow:\n  paths: ['a/[b']\n", "invalid glob", 2),
        ("rulez: []\n", "", 1),
        (
            "rules:\n  - id: github-pat\n    regex: 'x'\n",
            "already used",
            2,
        ),
    ];
    for (yaml, needle, line) in cases {
        let err = Config::from_yaml(yaml, "c.yml").unwrap_err();
        let text = format!("{err}");
        let help = miette::Diagnostic::help(&err)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            text.starts_with(&format!("c.yml:{line}:")),
            "{yaml:?}: {text}"
        );
        assert!(
            text.contains(needle) || help.contains(needle),
            "{yaml:?}: {text} / {help}"
        );
        assert!(matches!(
            err,
            ConfigError::Syntax { .. }
                | ConfigError::Regex { .. }
                | ConfigError::Glob { .. }
                | ConfigError::RuleId { .. }
        ));
    }
}

#[test]
fn kubernetes_secret_data_is_decoded() {
    let pw = expand("{pw}", 12);
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DB_PASSWORD: {}\n  token: {}\n  placeholder: {}\n",
        base64(pw.as_bytes()),
        base64(gh(13).as_bytes()),
        base64(b"changeme")
    );
    let hits = Engine::builtin().scan("k8s/secret.yaml", text.as_bytes());
    let got: Vec<(&str, u32, u32)> = hits
        .iter()
        .map(|h| (h.rule_id.as_str(), h.line, h.column))
        .collect();
    assert_eq!(
        got,
        vec![("generic-password", 6, 16), ("github-pat", 7, 10)]
    );
    // The fingerprint is the decoded secret's: the same token in plain text has the same one.
    let plain = Engine::builtin().scan("a.env", format!("T={}", gh(13)).as_bytes());
    assert_eq!(plain[0].fingerprint, hits[1].fingerprint);
}

#[test]
fn long_minified_lines_keep_specific_rules_only() {
    let mut line = String::from("!function(){");
    for i in 0..200 {
        line.push_str(&format!("var password{i}=\"Xk8#mQ2v9LpZ{i}\";"));
    }
    line.push_str(&format!("var t=\"{}\";}}", gh(14)));
    let hits = Engine::builtin().scan("app.min.js", line.as_bytes());
    assert_eq!(
        hits.iter().map(|h| h.rule_id.as_str()).collect::<Vec<_>>(),
        vec!["github-pat"]
    );
}

#[test]
fn finding_carries_no_secret() {
    let t = gh(15);
    let hits = Engine::builtin().scan("a.env", format!("T={t}").as_bytes());
    let f = hits[0].to_finding();
    let json = serde_json::to_string(&f).unwrap();
    assert!(!json.contains(&t[4..]));
    assert_eq!(f.severity, secgate_core::Severity::Critical);
    assert_eq!(f.category, secgate_core::Category::SecretDetection);
    assert_eq!(f.rule_id.as_deref(), Some("github-pat"));
    assert!(matches!(
        f.location,
        secgate_core::Location::Secret { line: Some(1), .. }
    ));
}

/// The finding carries the secret's digest, the one the gate's readers
/// compute from a gitleaks `Secret` or a GitLab extract: the first 16 hex
/// digits of its SHA-256, which the hook's fingerprint ends with. Two tokens
/// in one file are two keys (each the first occurrence of its own), and a
/// token moved to another line keeps its fingerprint.
#[test]
fn finding_carries_the_secret_digest_of_the_fingerprint() {
    use secgate_core::{fingerprint, Location, SecretDigest};
    let (a, b) = (gh(21), gh(22));
    let hits = Engine::builtin().scan("a.env", format!("A={a}\nB={b}\n").as_bytes());
    assert_eq!(hits.len(), 2);
    for (h, t) in hits.iter().zip([&a, &b]) {
        let d = SecretDigest::of(t);
        assert_eq!(h.digest(), Some(d));
        assert_eq!(h.fingerprint, format!("github-pat:{d}"));
        assert!(h.secret_sha256.starts_with(d.as_str()));
        assert!(matches!(
            h.to_finding().location,
            Location::Secret { digest: Some(x), .. } if x == d
        ));
    }
    let mut two: Vec<_> = hits.iter().map(|h| h.to_finding()).collect();
    fingerprint::assign(&mut two);
    assert_ne!(two[0].fingerprint, two[1].fingerprint);
    let moved = Engine::builtin().scan("a.env", format!("\n\n# moved\nB={b}\n").as_bytes());
    let mut one = vec![moved[0].to_finding()];
    fingerprint::assign(&mut one);
    assert_eq!(one[0].fingerprint, two[1].fingerprint);
}

/// Token boundaries: a prefixed token needs a non-word byte (or the start)
/// before it and a non-alphanumeric byte (or the end) after it; the AWS key id
/// also accepts `_` before it. Checked at the start and end of the buffer,
/// inside a 2 MB minified line full of near-misses, and across the four
/// segments the prefilter cuts large buffers into.
#[test]
fn token_boundaries_hold_on_long_lines_and_across_segments() {
    let e = Engine::builtin();
    let t = gh(7);
    let aws = "AKIAQ5R2TZ7W3XYJ4N6P";
    let ids = |text: &str| -> Vec<String> {
        e.scan("m.js", text.as_bytes())
            .into_iter()
            .map(|h| h.rule_id)
            .collect()
    };
    assert_eq!(ids(&t), vec!["github-pat"]);
    assert_eq!(ids(&format!("({t})")), vec!["github-pat"]);
    assert!(ids(&format!("x{t}")).is_empty());
    assert!(ids(&format!("_{t}")).is_empty());
    assert!(ids(&format!("{t}9")).is_empty());
    assert_eq!(ids(&format!("KEY_{aws}")), vec!["aws-access-key-id"]);
    assert!(ids(&format!("x{aws}")).is_empty());
    // One long line: near-misses (lower-case, too short, glued) everywhere,
    // one real key and one real token in the middle of it.
    let mut line = String::new();
    while line.len() < 2 << 20 {
        line.push_str(
            "var a=\"Asia/Tokyo\",b=\"ASIAQ5R2TZ7W\",c=\"xghp_abc\",d=\"akiaq5r2tz7w3xyj4n6p\";",
        );
    }
    let mid = line.len() / 2;
    let mid = line[..mid].rfind(';').unwrap() + 1;
    let text = format!("{}k=\"{aws}\";g=\"{t}\";{}\n", &line[..mid], &line[mid..]);
    let hits = e.scan("m.js", text.as_bytes());
    let got: Vec<(&str, u32, u32)> = hits
        .iter()
        .map(|h| (h.rule_id.as_str(), h.line, h.column))
        .collect();
    let col = mid as u32 + 4;
    assert_eq!(
        got,
        vec![
            ("aws-access-key-id", 1, col),
            ("github-pat", 1, col + aws.len() as u32 + 5)
        ]
    );
    // The same token at every offset around the segment boundaries of a
    // 64 KiB buffer (a quarter is 16 KiB).
    for at in [
        16 * 1024 - 45,
        16 * 1024 - 20,
        16 * 1024 - 1,
        32 * 1024 - 3,
        48 * 1024 - 39,
    ] {
        let mut buf = vec![b' '; 64 * 1024];
        buf[at..at + t.len()].copy_from_slice(t.as_bytes());
        let hits = e.scan("seg.txt", &buf);
        assert_eq!(hits.len(), 1, "token at {at}");
        assert_eq!(hits[0].column as usize, at + 1);
    }
}

/// A configured rule without keywords runs on every line (the first, the
/// last without a newline, lines between keyword lines, lines past the
/// prefilter's 256 KiB windows), next to keyword rules on the same lines.
#[test]
fn keywordless_configured_rules_see_every_line() {
    let cfg = Config::from_yaml(
        "rules:\n  - id: internal-id\n    regex: '\\b(?P<secret>IX[0-9]{12})\\b'\n",
        "c.yml",
    )
    .unwrap();
    let e = Engine::new(&cfg).unwrap();
    let t = gh(11);
    let mut text = String::from("IX000000000001\n");
    text.push_str(&format!("token {t} IX000000000002\n"));
    text.push_str("plain IX000000000003\n");
    while text.len() < 600 * 1024 {
        text.push_str("filler line without anything interesting\n");
    }
    text.push_str(&format!("x = IX000000000004 {t}\n"));
    text.push_str("IX000000000005");
    let hits = e.scan("ids.txt", text.as_bytes());
    let got: Vec<(&str, u32)> = hits.iter().map(|h| (h.rule_id.as_str(), h.line)).collect();
    let last = text.lines().count() as u32;
    assert_eq!(
        got,
        vec![
            ("internal-id", 1),
            ("github-pat", 2),
            ("internal-id", 2),
            ("internal-id", 3),
            ("internal-id", last - 1),
            ("github-pat", last - 1),
            ("internal-id", last),
        ]
    );
}

/// A buffer where nearly every byte ends a keyword (base64 padding `AAAA`,
/// lower-case `aaaa` for the exact-case keyword) scans correctly; its memory
/// stays bounded by the prefilter window (not checked here: see
/// `bench/secrets/throughput.sh` for peak RSS).
#[test]
fn a_buffer_of_keyword_hits_is_scanned() {
    let e = Engine::builtin();
    let t = gh(12);
    let mut text = "A".repeat(700 * 1024);
    text.push('\n');
    text.push_str(&"a".repeat(300 * 1024));
    text.push_str(&format!("\nTOKEN={t}\n"));
    let hits = e.scan("blob.txt", text.as_bytes());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0].rule_id.as_str(), hits[0].line), ("github-pat", 3));
}

/// The JWT rule once bounded its segments (1,000 / 4,000 / 1,000 characters):
/// an identity token with many group claims was missed, and the bounded
/// repetitions made the rule the costliest to compile (~7 ms in every
/// process that met `eyJ`). The segments are now unbounded.
#[test]
fn jwt_with_a_payload_over_four_thousand_characters_is_found() {
    let header = base64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let header = header
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    let groups: Vec<String> = (0..400).map(|i| format!("\"group-{i:04}\"")).collect();
    let payload = base64(format!(r#"{{"sub":"u1","groups":[{}]}}"#, groups.join(",")).as_bytes());
    let payload = payload
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    assert!(payload.len() > 4000, "{}", payload.len());
    let signature = "Sig_".repeat(86);
    let token = format!("{header}.{payload}.{signature}");
    let text = format!("Authorization: Bearer {token}\n");
    let hits = Engine::builtin().scan("req.http", text.as_bytes());
    assert_eq!(
        hits.iter().map(|h| h.rule_id.as_str()).collect::<Vec<_>>(),
        ["jwt"]
    );
}

/// Likewise a PGP private key block of more than 2,000 lines (the rule's old
/// bound on its lines).
#[test]
fn pgp_private_key_block_over_two_thousand_lines_is_found() {
    let body: String = (0..2100)
        .map(|i| format!("{}\n", "QUJD".repeat(16) + &format!("{i:04}")))
        .collect();
    let text = format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n"
    );
    let hits = Engine::builtin().scan("key.asc", text.as_bytes());
    assert_eq!(
        hits.iter().map(|h| h.rule_id.as_str()).collect::<Vec<_>>(),
        ["private-key-pgp"]
    );
}
