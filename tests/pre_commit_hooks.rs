//! The repository's `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (installed by `.ci/run`; `SECGATE_PRE_COMMIT` names it, else `pre-commit`
//! on `PATH`; a missing `pre-commit` fails the test, it never skips).
//!
//! The hooks file is committed into a scratch hook repository of its own, as
//! pre-commit reads it from a git repository, and the `language: system`
//! variant runs the binary under test (put first on `PATH`). Shown: a leak
//! fails `pre-commit run --all-files` (never a pass on zero bytes: gitleaks'
//! hook scans nothing there), the installed git hook blocks a leaking commit
//! and lets a clean one through, and the `pre-push` stage runs the hook too.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pre_commit() -> String {
    std::env::var("SECGATE_PRE_COMMIT").unwrap_or_else(|_| "pre-commit".to_string())
}

/// A git repository holding only the project's `.pre-commit-hooks.yaml`;
/// returns it and its commit.
fn hook_repo() -> (Repo, String) {
    let hooks = Repo::new();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    hooks.write(
        ".pre-commit-hooks.yaml",
        std::fs::read(&file).expect("the repository ships .pre-commit-hooks.yaml"),
    );
    let rev = hooks.commit_all("hooks");
    (hooks, rev)
}

/// Runs `pre-commit` (or `git`, through the installed hook) in `dir` with the
/// binary under test first on `PATH` and a private pre-commit cache.
fn command(program: &str, dir: &Path, cache: &Path) -> Command {
    let bin_dir = PathBuf::from(bin()).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = if program == "git" {
        git_cmd(dir)
    } else {
        let mut c = Command::new(program);
        c.current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        c
    };
    c.env("PATH", path)
        .env("PRE_COMMIT_HOME", cache)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    c
}

fn run(mut c: Command, what: &str) -> Run {
    let out = c.output().unwrap_or_else(|e| {
        panic!("{what} does not run ({e}): install pre-commit (bash .ci/run does)")
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_system_hook_blocks_leaks_in_every_mode_pre_commit_runs_it() {
    let (hooks, rev) = hook_repo();
    let cache = tempfile::tempdir().unwrap();
    let app = Repo::new();
    app.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: secgate-secrets-system\n        stages: [pre-commit, pre-push]\n",
            hooks.path().display()
        ),
    );
    app.write("src/app.py", "def main():\n    return 1\n");
    app.commit_all("clean");
    let pc = pre_commit();

    // `--all-files` on a clean tree passes, having scanned the files.
    let mut c = command(&pc, app.path(), cache.path());
    c.args(["run", "--all-files"]);
    let r = run(c, "pre-commit");
    r.expect_code(0);
    assert!(r.stdout.contains("Passed"), "{}", r.both());

    // A committed leak: `--all-files` fails and names the file, redacted.
    let (line, token) = token_line(41);
    app.write("src/settings.py", &line);
    app.commit_all("leak");
    let mut c = command(&pc, app.path(), cache.path());
    c.args(["run", "--all-files"]);
    let r = run(c, "pre-commit");
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("src/settings.py:1:"), "{}", r.both());

    // The pre-push stage runs the same hook.
    let mut c = command(&pc, app.path(), cache.path());
    c.args(["run", "--hook-stage", "pre-push", "--all-files"]);
    let r = run(c, "pre-commit");
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("src/settings.py:1:"), "{}", r.both());

    // The installed git hook: a leaking commit is refused, a clean one goes through.
    app.write("src/settings.py", "TOKEN = os.environ[\"GITHUB_TOKEN\"]\n");
    app.commit_all("fixed");
    let mut c = command(&pc, app.path(), cache.path());
    c.args(["install"]);
    run(c, "pre-commit").expect_code(0);
    let (line, token) = token_line(42);
    app.write("src/new.py", &line);
    app.git(&["add", "src/new.py"]);
    let mut c = command("git", app.path(), cache.path());
    c.args(["commit", "-q", "-m", "leak"]);
    let r = run(c, "git commit");
    assert_ne!(r.code, 0, "the leaking commit went through:\n{}", r.both());
    r.expect_redacted(&token);
    assert!(r.both().contains("src/new.py:1:"), "{}", r.both());
    app.write("src/new.py", "print('hello')\n");
    app.git(&["add", "src/new.py"]);
    let mut c = command("git", app.path(), cache.path());
    c.args(["commit", "-q", "-m", "clean"]);
    run(c, "git commit").expect_code(0);
}

/// The `language: rust` hook as pre-commit installs it: `cargo install --bins
/// --path .` in its clone of this repository at `HEAD` (the committed tree: a
/// working copy's changes are not in it), which must build the hook alone and
/// then block a leak. Needs the repository's git history and crates.io.
#[test]
fn the_rust_hook_builds_from_a_clone_and_blocks_a_leak() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = git_cmd(root)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    assert!(
        head.status.success(),
        "the repository's git history is needed: {}",
        String::from_utf8_lossy(&head.stderr)
    );
    let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let cache = tempfile::tempdir().unwrap();
    let app = Repo::new();
    app.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: secgate-secrets\n",
            root.display()
        ),
    );
    let (line, token) = token_line(43);
    app.write("deploy/env.py", &line);
    app.commit_all("leak");
    let mut c = command(&pre_commit(), app.path(), cache.path());
    c.args(["run", "--all-files"]);
    let r = run(c, "pre-commit");
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("deploy/env.py:1:"), "{}", r.both());
    // Only the hook's binary was installed: no TLS or signature stack.
    let installed: Vec<String> = walk_names(cache.path())
        .into_iter()
        .filter(|n| n.starts_with("secgate"))
        .collect();
    assert!(
        installed.iter().any(|n| n == "secgate-secrets"),
        "{installed:?}"
    );
    assert!(
        !installed
            .iter()
            .any(|n| n == "secgate-image" || n == "secgate"),
        "{installed:?}"
    );
}

/// Names of the files below `dir` that sit in a `bin` directory.
fn walk_names(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.parent().and_then(|q| q.file_name()) == Some("bin".as_ref()) {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}
