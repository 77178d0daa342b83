//! Helpers of the CLI tests: real git repositories in temp dirs, the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_secgate-secrets")
}

/// The report gate's binary, `secgate`: another package's (`secgate-cli`),
/// so Cargo does not build it for these tests; `cargo build --workspace
/// --bins` does (`scripts/test.sh` runs it first).
pub fn gate_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/<test>-HASH -> target/debug/secgate
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let p = dir.join(format!("secgate{}", std::env::consts::EXE_SUFFIX));
    assert!(
        p.is_file(),
        "the `secgate` binary is not built at {}: run `cargo build --workspace --bins` before these tests",
        p.display()
    );
    p
}

/// A format-valid GitHub classic token (valid CRC-32 checksum), built at run
/// time so that the repository holds no credential-looking string.
pub fn github_token(seed: u64) -> String {
    let mut rng = secgate_secrets::rules::sample::Rng::new(seed);
    let body = rng.string(secgate_secrets::rules::sample::ALNUM, 30);
    let sum = secgate_secrets::checksum::token_checksum(body.as_bytes());
    format!("{}{}{}", "gh", "p_", body + &sum)
}

/// A line of Python that assigns a token.
pub fn token_line(seed: u64) -> (String, String) {
    let t = github_token(seed);
    (format!("GITHUB_TOKEN = \"{t}\"\n"), t)
}

/// A temp dir with a fresh git repository (branch `main`, no global config).
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = Repo { dir };
        r.git(&["init", "-q", "-b", "main", "."]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Runs git; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = git_cmd(self.path()).args(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs git and returns the raw output (for commands expected to fail).
    pub fn git_output(&self, args: &[&str]) -> Output {
        git_cmd(self.path()).args(args).output().expect("git runs")
    }

    /// Stages everything and commits; returns the new commit id.
    pub fn commit_all(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs the binary here.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), args)
    }
}

/// A `git` command with an isolated configuration.
pub fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
    c
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails unless the exit code is `code`, showing both streams.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Fails if the secret appears in stdout or stderr.
    pub fn expect_redacted(&self, secret: &str) -> &Run {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "the secret was printed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        // Not even its distinctive middle.
        let mid = &secret[8..secret.len() - 8];
        assert!(!self.stdout.contains(mid) && !self.stderr.contains(mid));
        self
    }

    pub fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs the binary in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The shared corpus: `$SECGATE_CORPUS`, else `../shared/corpus` from the workspace root.
/// Fails (never skips) when it is missing.
pub fn corpus() -> PathBuf {
    let p = match std::env::var_os("SECGATE_CORPUS") {
        Some(v) => PathBuf::from(v),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "the shared corpus is missing at {} (set SECGATE_CORPUS)",
        p.display()
    );
    p
}
