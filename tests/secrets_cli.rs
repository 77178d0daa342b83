//! The `secgate-secrets` binary, end to end, in real git repositories.

mod common;

use common::*;

fn rule_of(run: &Run) -> String {
    let v = run.json();
    v["findings"][0]["rule_id"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

// ---------------------------------------------------------------- staged

#[test]
fn staged_in_a_repo_with_no_commit_yet() {
    let repo = Repo::new();
    let (line, token) = token_line(1);
    repo.write("app/settings.py", format!("import os\n\n{line}"));
    repo.git(&["add", "."]);
    let r = repo.run(&["staged"]);
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("app/settings.py:3:"), "{}", r.stdout);
    assert!(r.stdout.contains("Rotate the credential"), "{}", r.stdout);
    let j = repo.run(&["staged", "--format", "json"]);
    j.expect_code(1).expect_redacted(&token);
    assert!(rule_of(&j).contains("github"), "{}", j.stdout);
    assert_eq!(j.json()["findings"][0]["line"], 3);
}

#[test]
fn staged_clean_and_empty() {
    let repo = Repo::new();
    // Nothing staged at all (no commit, empty index).
    repo.run(&["staged"]).expect_code(0);
    repo.write("README.md", "hello\n");
    repo.git(&["add", "."]);
    let r = repo.run(&["staged"]);
    r.expect_code(0);
    assert!(r.stdout.contains("no secrets found"), "{}", r.stdout);
}

#[test]
fn staged_reports_only_added_lines() {
    let repo = Repo::new();
    let (old_line, old) = token_line(2);
    repo.write("cfg.py", format!("a = 1\n{old_line}b = 2\n"));
    repo.commit_all("old secret, already in history");
    // Editing another line of the file does not re-report the committed secret.
    repo.write("cfg.py", format!("a = 10\n{old_line}b = 2\n"));
    repo.git(&["add", "."]);
    repo.run(&["staged"]).expect_code(0).expect_redacted(&old);
    // A new secret on a new line is reported, at its line, and only it.
    let (new_line, new) = token_line(3);
    repo.write("cfg.py", format!("a = 10\n{old_line}b = 2\n{new_line}"));
    repo.git(&["add", "."]);
    let r = repo.run(&["staged", "--format", "json"]);
    r.expect_code(1).expect_redacted(&new).expect_redacted(&old);
    let v = r.json();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["line"], 4);
    assert_eq!(f[0]["file"], "cfg.py");
}

#[test]
fn staged_only_what_is_staged() {
    let repo = Repo::new();
    repo.write("a.txt", "x\n");
    repo.commit_all("init");
    let (line, token) = token_line(4);
    // In the work tree, not staged: not part of the commit.
    repo.write("a.txt", format!("x\n{line}"));
    repo.run(&["staged"]).expect_code(0).expect_redacted(&token);
    repo.git(&["add", "a.txt"]);
    repo.run(&["staged"]).expect_code(1).expect_redacted(&token);
}

#[test]
fn staged_rename_and_deletion() {
    let repo = Repo::new();
    let (line, token) = token_line(5);
    let body: String = (0..40).map(|i| format!("value_{i} = {i}\n")).collect();
    repo.write("old/name.py", format!("{body}{line}"));
    repo.write("gone.py", &line);
    repo.commit_all("base");
    // A pure rename adds nothing; a deletion adds nothing.
    std::fs::create_dir_all(repo.path().join("new")).unwrap();
    repo.git(&["mv", "old/name.py", "new/name.py"]);
    repo.git(&["rm", "-q", "gone.py"]);
    let r = repo.run(&["staged", "--format", "json"]);
    r.expect_code(0).expect_redacted(&token);
    // A rename with an edit reports only the new line, under the new name.
    let (line2, token2) = token_line(6);
    repo.write("new/name.py", format!("{body}{line}{line2}"));
    repo.git(&["add", "-A"]);
    let r = repo.run(&["staged", "--format", "json"]);
    r.expect_code(1)
        .expect_redacted(&token)
        .expect_redacted(&token2);
    let v = r.json();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["file"], "new/name.py");
    assert_eq!(f[0]["line"], 42);
}

#[test]
fn staged_binary_and_oversized_are_skipped_and_said() {
    let repo = Repo::new();
    let (line, token) = token_line(7);
    let mut bin = b"\x89PNG\r\n\x1a\n\0\0\0".to_vec();
    bin.extend_from_slice(line.as_bytes());
    repo.write("logo.png", &bin);
    let big = format!(
        "{}{line}",
        "# padding line of a generated file\n".repeat(100)
    );
    repo.write("big.txt", &big);
    repo.git(&["add", "."]);
    let r = repo.run(&["staged", "--max-file-size", "1k"]);
    r.expect_code(0).expect_redacted(&token);
    assert!(
        r.stdout.contains("logo.png: not scanned: binary file"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("big.txt: not scanned:") && r.stdout.contains("1024-byte limit"),
        "{}",
        r.stdout
    );
    // JSON says it too, machine-readably.
    let j = repo.run(&["staged", "--max-file-size", "1k", "--format", "json"]);
    let v = j.json();
    let reasons: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"binary") && reasons.contains(&"too_large"),
        "{v}"
    );
    // With the default limit the big file is scanned.
    repo.run(&["staged"]).expect_code(1).expect_redacted(&token);
}

#[test]
fn staged_outside_a_repository_is_a_git_failure() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), &["staged"]);
    r.expect_code(3);
    assert!(r.stderr.contains("not a git repository"), "{}", r.stderr);
}

// ---------------------------------------------------------------- files, dir

#[test]
fn files_mode_scans_whole_files() {
    let repo = Repo::new();
    let (line, token) = token_line(8);
    repo.write("clean.py", "print('hi')\n");
    repo.write("leak.py", format!("x = 1\n{line}"));
    repo.run(&["files", "clean.py"]).expect_code(0);
    let r = repo.run(&["files", "clean.py", "leak.py"]);
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("leak.py:2:"), "{}", r.stdout);
    assert!(r.stdout.contains("2 files scanned"), "{}", r.stdout);
}

#[test]
fn files_mode_never_passes_on_zero_bytes_scanned() {
    let repo = Repo::new();
    repo.write("a.bin", b"\0\x01\x02binary");
    let r = repo.run(&["files", "a.bin"]);
    r.expect_code(2);
    assert!(r.stderr.contains("none could be scanned"), "{}", r.stderr);
    assert!(
        r.both().contains("a.bin: not scanned: binary file"),
        "{}",
        r.both()
    );
    // A file that does not exist is an input error, not a silent pass.
    let r = repo.run(&["files", "missing.py"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("missing.py: no such file"),
        "{}",
        r.stderr
    );
    // No file at all is a usage error.
    repo.run(&["files"]).expect_code(2);
    // An empty file was scanned (there was nothing in it): a pass.
    repo.write("empty.py", "");
    repo.run(&["files", "empty.py"]).expect_code(0);
}

#[test]
fn files_mode_like_pre_commit_all_files() {
    let repo = Repo::new();
    let (line, token) = token_line(9);
    let mut args: Vec<String> = vec!["files".into()];
    for i in 0..400 {
        let rel = format!("pkg{}/mod{i}.py", i % 13);
        let content = if i == 321 {
            format!("def f():\n    pass\n{line}")
        } else {
            format!("def f{i}():\n    return {i}\n")
        };
        repo.write(&rel, content);
        args.push(rel);
    }
    repo.write("assets/icon.png", b"\x89PNG\0\0");
    args.push("assets/icon.png".into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = repo.run(&argv);
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains("pkg9/mod321.py:3:"), "{}", r.stdout);
    assert!(r.stdout.contains("400 files scanned"), "{}", r.stdout);
    assert!(r.stdout.contains("1 skipped"), "{}", r.stdout);
}

#[test]
fn dir_mode_honours_gitignore_unless_told() {
    let repo = Repo::new();
    let (line, token) = token_line(10);
    repo.write(".gitignore", ".env\n");
    repo.write(".env", &line);
    repo.write("src/main.py", "print(1)\n");
    let r = repo.run(&["dir", "."]);
    r.expect_code(0).expect_redacted(&token);
    let r = repo.run(&["dir", ".", "--no-ignore"]);
    r.expect_code(1).expect_redacted(&token);
    assert!(r.stdout.contains(".env:1:"), "{}", r.stdout);
    // Hidden files are scanned; .git is not entered.
    repo.write(".npmrc", &line);
    let r = repo.run(&["dir", "."]);
    r.expect_code(1);
    assert!(r.stdout.contains(".npmrc:1:"), "{}", r.stdout);
    // `dir` on a file is a usage error.
    repo.run(&["dir", "src/main.py"]).expect_code(2);
}

// ---------------------------------------------------------------- range, history

#[test]
fn range_reports_the_commit_that_introduced_the_secret() {
    let repo = Repo::new();
    repo.write("a.py", "a = 1\n");
    let c1 = repo.commit_all("c1");
    let (line, token) = token_line(11);
    repo.write("a.py", format!("a = 1\n{line}"));
    let c2 = repo.commit_all("c2 leaks");
    repo.write("b.py", "b = 2\n");
    let c3 = repo.commit_all("c3");
    // The secret stays in the tree at c3, but c3 did not introduce it.
    let r = repo.run(&["range", &format!("{c1}..{c3}"), "--format", "json"]);
    r.expect_code(1).expect_redacted(&token);
    let v = r.json();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["commit"], c2.as_str());
    assert_eq!(f[0]["line"], 2);
    assert_eq!(v["summary"]["commits_scanned"], 2);
    // Text names the commit too.
    let t = repo.run(&["range", &format!("{c1}..HEAD")]);
    t.expect_code(1);
    assert!(t.stdout.contains(&c2[..12]), "{}", t.stdout);
    // --since c2: only c3, which is clean.
    repo.run(&["range", "--since", &c2]).expect_code(0);
    // A zero base (a new branch in CI) reads the whole history.
    let zero = "0".repeat(40);
    repo.run(&["range", &format!("{zero}..{c3}")])
        .expect_code(1);
}

#[test]
fn range_charges_a_merge_only_with_its_own_lines() {
    let repo = Repo::new();
    repo.write("a.py", "a = 1\n");
    let base = repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let (line, token) = token_line(12);
    repo.write("topic.py", format!("t = 1\n{line}"));
    let leak = repo.commit_all("topic leaks");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.py", "m = 1\n");
    repo.commit_all("main moves");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "topic"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let r = repo.run(&["range", &format!("{base}..{merge}"), "--format", "json"]);
    r.expect_code(1).expect_redacted(&token);
    let v = r.json();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(
        f.len(),
        1,
        "reported once, not again for the merge: {}",
        r.stdout
    );
    assert_eq!(f[0]["commit"], leak.as_str());
    // A secret added while resolving the merge is charged to the merge.
    repo.git(&["checkout", "-q", "-b", "side", &base]);
    repo.write("a.py", "a = 2\n");
    repo.commit_all("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.py", "a = 3\n");
    repo.commit_all("main edit");
    let out = repo.git_output(&["merge", "-q", "--no-edit", "side"]);
    assert!(!out.status.success(), "a conflict was expected");
    let (line2, token2) = token_line(13);
    repo.write("a.py", format!("a = 4\n{line2}"));
    repo.git(&["add", "a.py"]);
    repo.git(&["commit", "-q", "--no-verify", "--no-edit"]);
    let evil = repo.git(&["rev-parse", "HEAD"]);
    let r = repo.run(&["range", &format!("{merge}..{evil}"), "--format", "json"]);
    r.expect_code(1).expect_redacted(&token2);
    let v = r.json();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{}", r.stdout);
    assert_eq!(f[0]["commit"], evil.as_str());
}

#[test]
fn history_reads_every_commit() {
    let repo = Repo::new();
    let (line, token) = token_line(14);
    repo.write("a.py", &line);
    let leak = repo.commit_all("leak");
    repo.write("a.py", "fixed = True\n");
    repo.commit_all("remove it (too late)");
    // Gone from the tree, still in history.
    repo.run(&["dir", "."]).expect_code(0);
    let r = repo.run(&["history", "--format", "json"]);
    r.expect_code(1).expect_redacted(&token);
    assert_eq!(r.json()["findings"][0]["commit"], leak.as_str());
    assert_eq!(r.json()["summary"]["commits_scanned"], 2);
}

#[test]
fn range_errors_have_their_exit_codes() {
    let repo = Repo::new();
    repo.write("a.py", "a = 1\n");
    repo.commit_all("c1");
    let r = repo.run(&["range", "..HEAD"]);
    r.expect_code(2);
    assert!(r.stderr.contains("both sides"), "{}", r.stderr);
    let r = repo.run(&["range", "deadbeefdeadbeef..HEAD"]);
    r.expect_code(3);
    assert!(r.stderr.contains("GIT_DEPTH"), "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &["history"]).expect_code(3);
    // Usage errors.
    repo.run(&["bogus"]).expect_code(2);
    repo.run(&["staged", "--format", "xml"]).expect_code(2);
    repo.run(&["staged", "--max-file-size", "ten"])
        .expect_code(2);
}

// ---------------------------------------------------------------- install

#[test]
fn install_writes_an_idempotent_hook_that_blocks_a_leaking_commit() {
    let repo = Repo::new();
    let r = repo.run(&["install"]);
    r.expect_code(0);
    let hook = repo.path().join(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("secgate-secrets install"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111);
    }
    // Idempotent.
    let r = repo.run(&["install"]);
    r.expect_code(0);
    assert!(r.stderr.contains("up to date"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), text);
    // The hook runs on `git commit` and stops the leak.
    repo.write("ok.py", "ok = 1\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "clean"]);
    let (line, token) = token_line(15);
    repo.write("leak.py", &line);
    repo.git(&["add", "."]);
    let out = repo.git_output(&["commit", "-q", "-m", "leak"]);
    assert!(!out.status.success(), "the hook must stop the commit");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // git sends a hook's stdout to its stderr.
    assert!(stderr.contains("leak.py:1:"), "{stdout}\n{stderr}");
    assert!(!stdout.contains(&token) && !stderr.contains(&token));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");
}

#[test]
fn install_refuses_a_foreign_hook_without_force() {
    let repo = Repo::new();
    let hooks = repo.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let foreign = "#!/bin/sh\necho my own hook\n";
    std::fs::write(hooks.join("pre-commit"), foreign).unwrap();
    let r = repo.run(&["install"]);
    r.expect_code(2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        foreign
    );
    let r = repo.run(&["install", "--force"]);
    r.expect_code(0);
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .contains("secgate-secrets"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.secgate-backup")).unwrap(),
        foreign
    );
    // pre-push too.
    repo.run(&["install", "--hook-type", "pre-push"])
        .expect_code(0);
    let pp = std::fs::read_to_string(hooks.join("pre-push")).unwrap();
    assert!(pp.contains("range"), "{pp}");
    // Outside a repository: a git failure.
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &["install"]).expect_code(3);
}

// ---------------------------------------------------------------- config

#[test]
fn a_broken_config_is_a_usage_error() {
    let repo = Repo::new();
    repo.write(".secgate-secrets.yml", "rules: [ {{{ not yaml\n");
    repo.write("a.py", "a = 1\n");
    let r = repo.run(&["files", "a.py"]);
    r.expect_code(2);
    assert!(r.stderr.contains(".secgate-secrets.yml"), "{}", r.stderr);
    // An explicit config that does not exist is an error, not the defaults.
    let r = repo.run(&["files", "a.py", "--config", "nope.yml"]);
    r.expect_code(2);
    assert!(r.stderr.contains("nope.yml"), "{}", r.stderr);
}
