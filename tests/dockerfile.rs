//! The Dockerfile's build steps, kept in step with the workspace without a
//! docker engine (none runs here, and a release build of the image takes ~9
//! minutes): the builder runs the one cargo command we document, the runtime
//! stage copies exactly the workspace's binaries, runs as a non-root user, and
//! the binaries the same cargo invocation builds (the test command's
//! `cargo build --workspace --bins --locked`, in debug) exist.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Dockerfile as logical instructions: continuation lines joined,
/// comments and blank lines dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body.trim_end());
            current.push(' ');
        } else {
            current.push_str(trimmed);
            out.push(std::mem::take(&mut current));
        }
    }
    assert!(
        current.is_empty(),
        "the Dockerfile ends inside a continued line"
    );
    out
}

fn dockerfile() -> Vec<String> {
    let path = root().join("Dockerfile");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    instructions(&text)
}

/// The binaries of every workspace package, from `cargo metadata`.
fn workspace_binaries() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let mut bins = BTreeSet::new();
    for package in meta["packages"].as_array().expect("packages") {
        for target in package["targets"].as_array().expect("targets") {
            let kinds = target["kind"].as_array().expect("kind");
            if kinds.iter().any(|k| k == "bin") {
                bins.insert(target["name"].as_str().expect("name").to_string());
            }
        }
    }
    bins
}

/// The instructions grouped by stage (each starts with its FROM).
fn stages(ins: &[String]) -> Vec<Vec<String>> {
    let mut stages: Vec<Vec<String>> = Vec::new();
    for i in ins {
        if i.starts_with("FROM ") {
            stages.push(vec![i.clone()]);
        } else if let Some(stage) = stages.last_mut() {
            stage.push(i.clone());
        }
    }
    stages
}

#[test]
fn builder_runs_the_documented_release_build() {
    let ins = dockerfile();
    let stages = stages(&ins);
    assert!(
        stages.len() >= 2,
        "the Dockerfile must be multi-stage (builder, runtime)"
    );
    let runs: Vec<&String> = stages[0].iter().filter(|i| i.starts_with("RUN ")).collect();
    let cargo: Vec<&&String> = runs.iter().filter(|r| r.contains("cargo build")).collect();
    assert_eq!(
        cargo.len(),
        1,
        "exactly one cargo build in the builder stage: {runs:?}"
    );
    let words: Vec<&str> = cargo[0].split_whitespace().collect();
    assert_eq!(
        words,
        [
            "RUN",
            "cargo",
            "build",
            "--release",
            "--locked",
            "--workspace",
            "--bins"
        ],
        "docs/ci-templates.md documents this exact command; change both together"
    );
}

#[test]
fn runtime_copies_exactly_the_workspace_binaries() {
    let ins = dockerfile();
    let stages = stages(&ins);
    let runtime = stages.last().expect("a runtime stage");
    let mut copied = BTreeSet::new();
    for i in runtime
        .iter()
        .filter(|i| i.starts_with("COPY --from=builder "))
    {
        let words: Vec<&str> = i.split_whitespace().collect();
        let source = words[2];
        let name = source
            .strip_prefix("/src/target/release/")
            .unwrap_or_else(|| panic!("a COPY from the builder that is not a release binary: {i}"));
        let dest = words.last().expect("destination");
        assert!(
            dest.starts_with("/usr/local/bin/"),
            "binaries go to /usr/local/bin (on PATH): {i}"
        );
        copied.insert(name.to_string());
    }
    let expected = workspace_binaries();
    assert_eq!(
        copied, expected,
        "the runtime stage must copy every workspace binary and nothing else"
    );
    for name in ["secgate", "secgate-secrets", "secgate-image"] {
        assert!(
            expected.contains(name),
            "the workspace has no binary named {name} (the CI templates call it)"
        );
    }
}

#[test]
fn runtime_stage_is_non_root_and_has_a_shell_for_job_scripts() {
    let ins = dockerfile();
    let stages = stages(&ins);
    let runtime = stages.last().expect("a runtime stage");
    let from = &runtime[0];
    assert!(
        from.contains("debian") && from.contains("slim"),
        "GitLab runs job scripts with a shell: the runtime is Debian slim, not distroless: {from}"
    );
    let user = runtime
        .iter()
        .rev()
        .find(|i| i.starts_with("USER "))
        .expect("the runtime stage sets USER");
    let who = user["USER ".len()..].split(':').next().unwrap().trim();
    assert!(
        who != "root" && who != "0" && !who.is_empty(),
        "the runtime must not run as root: {user}"
    );
    assert!(
        !runtime
            .iter()
            .any(|i| i.starts_with("ENTRYPOINT ") && !i.contains("[\"\"]")),
        "no ENTRYPOINT: GitLab runs the job script through the image's shell"
    );
    let installs = runtime
        .iter()
        .filter(|i| i.starts_with("RUN "))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        installs.contains("ca-certificates") && installs.contains("curl"),
        "the runtime needs CA certificates (registries) and curl (the baseline fetch of report-gate.yml)"
    );
}

#[test]
fn the_binaries_the_dockerfile_copies_are_built_by_the_test_command() {
    // The README's test command runs `cargo build --workspace --bins --locked`
    // first: the same invocation as the Dockerfile's, in debug.
    let exe = std::env::current_exe().expect("test executable");
    let dir: &Path = exe.parent().and_then(Path::parent).expect("target/debug");
    let ins = dockerfile();
    for i in ins.iter().filter(|i| i.starts_with("COPY --from=builder ")) {
        let source = i.split_whitespace().nth(2).unwrap();
        let name = source.rsplit('/').next().unwrap();
        let bin = dir.join(name);
        assert!(
            bin.is_file(),
            "{} was not built: run `cargo build --workspace --bins --locked` first",
            bin.display()
        );
    }
}

#[test]
fn dockerignore_keeps_build_outputs_and_git_out_of_the_context() {
    let text = std::fs::read_to_string(root().join(".dockerignore")).expect(".dockerignore");
    let lines: BTreeSet<&str> = text.lines().map(str::trim).collect();
    for needed in ["target", ".git", "target-*"] {
        assert!(lines.contains(needed), ".dockerignore must list {needed}");
    }
    // Everything cargo needs stays in the context: no manifest or lock file excluded.
    for kept in ["Cargo.toml", "Cargo.lock", "crates", "src"] {
        assert!(
            !lines.contains(kept),
            ".dockerignore must not exclude {kept}"
        );
    }
}
