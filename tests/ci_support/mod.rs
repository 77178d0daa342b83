//! Shared helpers of `tests/ci_templates.rs` and `tests/examples.rs`: locate the
//! secgate binaries built by `cargo build --workspace --bins`, run the real
//! GitLab CI emulator (`gitlab-ci-local`) on a temp copy of a test project, and
//! read what it left where GitLab reads it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/debug` (the directory of the test executable's parent).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .to_path_buf()
}

/// Path of a secgate binary; panics with what to do when it was not built.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.is_file(),
        "{} was not built: run `cargo build --workspace --bins` before `cargo test --workspace`",
        path.display()
    );
    path
}

/// True when running under CI (`CI` set to anything but empty/false/0).
pub fn under_ci() -> bool {
    matches!(std::env::var("CI"), Ok(v) if !v.is_empty() && v != "false" && v != "0")
}

/// Finds `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The emulator, or `None` (after a loud message) when it is absent outside CI.
/// Under `CI=true` its absence fails the test.
pub fn gitlab_ci_local() -> Option<PathBuf> {
    match which("gitlab-ci-local") {
        Some(p) => Some(p),
        None if under_ci() => panic!(
            "gitlab-ci-local is not installed and CI is set: install it with \
             `apt-get install -y rsync && npm install -g gitlab-ci-local@4.62.0`"
        ),
        None => {
            eprintln!(
                "\n!!!!! SKIPPED: gitlab-ci-local is not on PATH, so the GitLab CI template tests \
                 did not run. Install it: `apt-get install -y rsync && npm install -g \
                 gitlab-ci-local@4.62.0` (under CI=true this is a failure) !!!!!\n"
            );
            None
        }
    }
}

/// PATH with the secgate binaries first.
pub fn path_with_bins() -> OsString {
    let mut dirs = vec![bin_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH")
}

/// Copies a directory tree (files and folders; no symlinks expected).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Runs `git` in `dir`, asserting success; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=secgate test",
            "-c",
            "user.email=test@secgate.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Commits everything in `dir`; returns the new commit's id.
pub fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A temp copy of a test project under `tests/templates/<name>` (or any
/// directory), with `ci-templates/` and `tests/templates/fixtures/` copied in,
/// as a git repository on branch `main` with one commit.
pub struct Project {
    /// Keeps the temp dir alive.
    pub tmp: tempfile::TempDir,
}

impl Project {
    /// Copies `source` and the templates into a fresh git repository.
    pub fn new(source: &Path) -> Project {
        let tmp = tempfile::Builder::new()
            .prefix("secgate-ci-")
            .tempdir()
            .expect("temp dir");
        copy_tree(source, tmp.path());
        copy_tree(
            &root().join("ci-templates"),
            &tmp.path().join("ci-templates"),
        );
        copy_tree(
            &root().join("tests/templates/fixtures"),
            &tmp.path().join("fixtures"),
        );
        git(tmp.path(), &["init", "-q", "-b", "main"]);
        commit_all(tmp.path(), "initial commit");
        Project { tmp }
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Runs the pipeline (or the jobs named in `args`) with the emulator.
    pub fn run(&self, glci: &Path, args: &[&str], vars: &[(&str, &str)]) -> Pipeline {
        let _ = std::fs::remove_dir_all(self.dir().join(".gitlab-ci-local"));
        let mut cmd = Command::new(glci);
        cmd.current_dir(self.dir())
            .env("PATH", path_with_bins())
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .args([
                "--force-shell-executor",
                "--shell-isolation",
                "--no-artifacts-to-source",
                "--no-color",
                "--json-schema-validation",
                "--max-job-name-padding",
                "0",
            ]);
        for (k, v) in vars {
            cmd.arg("--variable").arg(format!("{k}={v}"));
        }
        cmd.args(args);
        let out = cmd.output().expect("run gitlab-ci-local");
        Pipeline::new(self.dir().to_path_buf(), out)
    }
}

/// How a job ended, as the emulator reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Succeeded.
    Pass,
    /// Failed with an allowed failure (`allow_failure`).
    Warn,
    /// Failed.
    Fail,
}

/// One emulator run.
pub struct Pipeline {
    /// The project directory.
    pub dir: PathBuf,
    /// The emulator's exit status.
    pub code: Option<i32>,
    /// Its stdout and stderr.
    pub output: String,
    /// Each job's status and, when it failed, its exit code.
    pub jobs: BTreeMap<String, (Status, Option<i32>)>,
}

impl Pipeline {
    fn new(dir: PathBuf, out: Output) -> Pipeline {
        let output = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut jobs = BTreeMap::new();
        let mut codes = BTreeMap::new();
        for line in output.lines() {
            let t = line.trim();
            // "<job> finished in 1.2 s  FAIL 2" / "... WARN 1"
            if let Some(pos) = t.find(" finished in ") {
                let job = t[..pos].trim().to_string();
                let words: Vec<&str> = t.split_whitespace().collect();
                if words.len() >= 2 {
                    let (tag, code) = (words[words.len() - 2], words[words.len() - 1]);
                    if tag == "FAIL" || tag == "WARN" {
                        codes.insert(job, code.parse::<i32>().ok());
                    }
                }
                continue;
            }
            let mut words = t.split_whitespace();
            let status = match words.next() {
                Some("PASS") => Status::Pass,
                Some("WARN") => Status::Warn,
                Some("FAIL") => Status::Fail,
                _ => continue,
            };
            if let Some(job) = words.next() {
                jobs.insert(job.to_string(), (status, None));
            }
        }
        for (job, code) in codes {
            if let Some(entry) = jobs.get_mut(&job) {
                entry.1 = code;
            }
        }
        Pipeline {
            dir,
            code: out.status.code(),
            output,
            jobs,
        }
    }

    /// The job's status and exit code; panics with the whole log if the job did not run.
    pub fn job(&self, name: &str) -> (Status, Option<i32>) {
        match self.jobs.get(name) {
            Some(s) => *s,
            None => panic!(
                "job {name} did not run; jobs: {:?}\n--- emulator output ---\n{}",
                self.jobs, self.output
            ),
        }
    }

    /// Asserts the job's status and exit code, showing the log otherwise.
    pub fn assert_job(&self, name: &str, status: Status, code: Option<i32>) {
        let got = self.job(name);
        assert_eq!(
            got,
            (status, code),
            "job {name}: expected {status:?} {code:?}, got {got:?}\n--- emulator output ---\n{}",
            self.output
        );
    }

    /// The job's log as the emulator saved it.
    pub fn log(&self, job: &str) -> String {
        std::fs::read_to_string(
            self.dir
                .join(".gitlab-ci-local/output")
                .join(format!("{job}.log")),
        )
        .unwrap_or_default()
    }

    /// A plain artifact (`artifacts:paths`) of a job.
    pub fn artifact(&self, job: &str, path: &str) -> PathBuf {
        self.dir
            .join(".gitlab-ci-local/artifacts")
            .join(job)
            .join(path)
    }

    /// The file a job leaves for `artifacts:reports:<kind>`: the path the
    /// job's expanded configuration declares for that report type (it must end
    /// with `file_name`), in the job's workspace as the job left it (the
    /// emulator keeps each job's isolated workspace in
    /// `.gitlab-ci-local/builds/<job>/`; it exports only dotenv reports
    /// itself). `None` when not declared or not written.
    pub fn report(&self, job: &str, kind: &str, file_name: &str) -> Option<PathBuf> {
        let declared = self.declared_report(job, kind)?;
        assert!(
            declared.ends_with(file_name),
            "job {job} declares artifacts:reports:{kind} as {declared}, expected a file named {file_name}"
        );
        let path = self
            .dir
            .join(".gitlab-ci-local/builds")
            .join(job)
            .join(&declared);
        path.is_file().then_some(path)
    }

    /// The path of `artifacts:reports:<kind>` in the job's expanded configuration
    /// (`.gitlab-ci-local/expanded-gitlab-ci.yml`, as the emulator resolved
    /// includes, inputs and extends).
    pub fn declared_report(&self, job: &str, kind: &str) -> Option<String> {
        let text =
            std::fs::read_to_string(self.dir.join(".gitlab-ci-local/expanded-gitlab-ci.yml"))
                .ok()?;
        let mut lines = text.lines().skip_while(|l| *l != format!("{job}:"));
        lines.next()?;
        let block: Vec<&str> = lines
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .collect();
        let mut in_artifacts = false;
        let mut in_reports = false;
        for line in block {
            let indent = line.len() - line.trim_start().len();
            let t = line.trim();
            match indent {
                2 => {
                    in_artifacts = t == "artifacts:";
                    in_reports = false;
                }
                4 if in_artifacts => in_reports = t == "reports:",
                6 if in_reports => {
                    if let Some(path) = t.strip_prefix(&format!("{kind}:")) {
                        return Some(
                            path.trim()
                                .trim_matches(|c| c == '\'' || c == '"')
                                .to_string(),
                        );
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Asserts the emulator loaded the configuration through its JSON schema.
    pub fn assert_schema_validated(&self) {
        assert!(
            self.output.contains("json schema validated"),
            "gitlab-ci-local did not validate the configuration against its schema:\n{}",
            self.output
        );
    }
}

/// Reads and parses a JSON file, panicking with its path on error.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}
