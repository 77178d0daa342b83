//! `secgate-secrets`: the pre-commit secret hook of secgate.
//!
//! Exit codes: 0 clean, 1 secrets found, 2 usage, configuration or input
//! error (including "given files, scanned none"), 3 git or environment failure.
//! See `docs/secrets-hook.md`.

use clap::{Parser, Subcommand, ValueEnum};
use secgate_secrets::git::{self, GitError, HookType, InstallOutcome, RangeSpec};
use secgate_secrets::output::{self, Format, RunInfo};
use secgate_secrets::walk::{self, Scan, ScanOptions, WalkError, WalkOptions};
use secgate_secrets::{Baseline, Config, Engine, IgnoreFile};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The configuration file looked for at the repository root (or the current
/// directory outside a repository) when `--config` is not given.
const DEFAULT_CONFIG: &str = ".secgate-secrets.yml";
/// The ignore file of fingerprints, looked for next to the configuration.
const IGNORE_FILE: &str = ".secgate-secrets-ignore";

#[derive(Parser, Debug)]
#[command(
    name = "secgate-secrets",
    version,
    about = "Finds credentials before they reach git: staged changes, files, commit ranges, history.",
    after_help = "Exit codes: 0 clean, 1 secrets found, 2 usage/config/input, 3 git failure.\nDocs: docs/secrets-hook.md"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Configuration file (default: .secgate-secrets.yml at the repository root, if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutFormat::Text)]
    format: OutFormat,
    /// Write the report to this file instead of stdout (a one-line summary still goes to stderr).
    #[arg(long, short = 'o', global = true, value_name = "PATH")]
    output: Option<PathBuf>,
    /// A baseline: secrets it lists are known and not reported (a `--format json`
    /// output of an earlier run is one).
    #[arg(long, global = true, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Skip files (or blobs) larger than this many bytes, and say so. Suffixes k, m, g
    /// (binary). Default: the configuration's `max_file_size`, else 10m.
    #[arg(long, global = true, value_name = "BYTES", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Never colour the text output (also: NO_COLOR set, or stdout not a terminal).
    #[arg(long, global = true)]
    no_color: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan the staged changes (index against HEAD): what the git pre-commit hook runs.
    Staged,
    /// Scan whole files, as `pre-commit run --files` and `--all-files` pass them.
    Files {
        /// The files (a directory is walked as by `dir`).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Inside directories, also scan what .gitignore ignores.
        #[arg(long)]
        no_ignore: bool,
    },
    /// Scan a directory tree (honours .gitignore unless --no-ignore; never enters .git).
    Dir {
        /// The directory.
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Also scan what .gitignore ignores.
        #[arg(long)]
        no_ignore: bool,
    },
    /// Scan every commit of a range, naming the commit that introduced each secret.
    Range {
        /// BASE..HEAD, BASE...HEAD, or one revision (it and all its history).
        /// In GitLab CI: "$CI_MERGE_REQUEST_DIFF_BASE_SHA..$CI_COMMIT_SHA".
        #[arg(
            value_name = "RANGE",
            required_unless_present = "since",
            conflicts_with = "since"
        )]
        range: Option<String>,
        /// Scan the commits of HEAD that REF does not hold (REF..HEAD).
        #[arg(long, value_name = "REF")]
        since: Option<String>,
        /// Leave out commits any remote-tracking branch holds (a new branch's push).
        #[arg(long)]
        not_remotes: bool,
    },
    /// Scan every commit reachable from HEAD.
    History,
    /// Write the git hook that runs `secgate-secrets staged` (or `range`, for pre-push).
    Install {
        /// Replace a hook that secgate-secrets did not write (the old one is kept as *.secgate-backup).
        #[arg(long)]
        force: bool,
        /// Which hook.
        #[arg(long, value_enum, default_value_t = HookKind::PreCommit)]
        hook_type: HookKind,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutFormat {
    Text,
    Json,
    Sarif,
    Gitlab,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum HookKind {
    PreCommit,
    PrePush,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mult) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (t.as_str(), 1u64),
        Some((i, _)) => {
            let mult = match t[i..].trim_end_matches(['b', 'i']) {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                other => return Err(format!("unknown size suffix `{other}`; use k, m or g")),
            };
            (&t[..i], mult)
        }
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size in bytes (e.g. 1048576, 512k, 10m)"))?;
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{s}` is not a usable size"))
}

/// A failure, with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    fn env(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
}

impl From<GitError> for Failure {
    fn from(e: GitError) -> Failure {
        match e {
            GitError::BadRange { .. } => Failure::usage(e.to_string()),
            _ => Failure::env(e.to_string()),
        }
    }
}

impl From<WalkError> for Failure {
    fn from(e: WalkError) -> Failure {
        match e {
            WalkError::NotFound { .. } | WalkError::WrongKind { .. } => {
                Failure::usage(e.to_string())
            }
            WalkError::Walk { .. } => Failure::env(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("secgate-secrets: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn cwd() -> Result<PathBuf, Failure> {
    std::env::current_dir()
        .map_err(|e| Failure::env(format!("cannot read the current directory: {e}")))
}

/// Loads the engine from `--config`, else the default file at `root`, else the built-in rules.
fn load_engine(explicit: Option<&Path>, root: &Path) -> Result<Engine, Failure> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => (root.join(DEFAULT_CONFIG), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Engine::builtin())
        }
        Err(e) => {
            return Err(Failure::usage(format!(
                "{}: cannot read the configuration: {e}",
                path.display()
            )))
        }
    };
    let name = path.display().to_string();
    let config = Config::from_yaml(&text, &name).map_err(|e| {
        let report = miette::Report::new(e);
        Failure::usage(format!("{report:?}"))
    })?;
    Engine::new(&config).map_err(|e| {
        let report = miette::Report::new(e);
        Failure::usage(format!("{report:?}"))
    })
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let here = cwd()?;
    let opts = |engine: &Engine| ScanOptions {
        max_file_size: cli.max_file_size.unwrap_or_else(|| engine.max_file_size()),
    };
    let (mode, mut scan, root) = match &cli.command {
        Command::Install { force, hook_type } => {
            let repo = git::open_repo(&here)?;
            let kind = match hook_type {
                HookKind::PreCommit => HookType::PreCommit,
                HookKind::PrePush => HookType::PrePush,
            };
            let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("secgate-secrets"));
            let msg = match git::install_hook(&repo, kind, *force, &exe).map_err(|e| match e {
                GitError::ForeignHook { .. } => Failure::usage(e.to_string()),
                other => Failure::from(other),
            })? {
                InstallOutcome::Installed(p) => format!("installed {}", p.display()),
                InstallOutcome::Updated(p) => format!("{} is up to date", p.display()),
                InstallOutcome::Replaced { path, backup } => format!(
                    "replaced {} (the previous hook is kept as {})",
                    path.display(),
                    backup.display()
                ),
            };
            eprintln!("secgate-secrets: {msg}");
            return Ok(0);
        }
        Command::Staged => {
            let repo = git::open_repo(&here)?;
            let root = git::repo_root(&repo);
            let engine = load_engine(cli.config.as_deref(), &root)?;
            (
                "staged",
                git::scan_staged(&repo, &engine, &opts(&engine))?,
                root,
            )
        }
        Command::Range {
            range,
            since,
            not_remotes,
        } => {
            let repo = git::open_repo(&here)?;
            let root = git::repo_root(&repo);
            let engine = load_engine(cli.config.as_deref(), &root)?;
            let mut spec = match (range, since) {
                (_, Some(r)) => RangeSpec::since(r),
                (Some(r), None) => RangeSpec::parse(r)?,
                (None, None) => return Err(Failure::usage("give a RANGE or --since REF")),
            };
            spec.not_remotes = *not_remotes;
            (
                "range",
                git::scan_commits(&repo, &engine, &spec, &opts(&engine))?,
                root,
            )
        }
        Command::History => {
            let repo = git::open_repo(&here)?;
            let root = git::repo_root(&repo);
            let engine = load_engine(cli.config.as_deref(), &root)?;
            let scan = git::scan_commits(&repo, &engine, &RangeSpec::history(), &opts(&engine))?;
            ("history", scan, root)
        }
        Command::Files { paths, no_ignore } => {
            let root = git::open_repo(&here)
                .map(|r| git::repo_root(&r))
                .unwrap_or_else(|_| here.clone());
            let engine = load_engine(cli.config.as_deref(), &root)?;
            let walk = WalkOptions {
                no_ignore: *no_ignore,
            };
            (
                "files",
                walk::scan_files(&engine, paths, &opts(&engine), &walk)?,
                root,
            )
        }
        Command::Dir { path, no_ignore } => {
            let root = git::open_repo(&here)
                .map(|r| git::repo_root(&r))
                .unwrap_or_else(|_| here.clone());
            let engine = load_engine(cli.config.as_deref(), &root)?;
            let walk = WalkOptions {
                no_ignore: *no_ignore,
            };
            (
                "dir",
                walk::scan_dir(&engine, path, &opts(&engine), &walk)?,
                root,
            )
        }
    };
    let suppressed = apply_ignores(&cli, &root, &mut scan)?;
    finish(&cli, mode, scan, suppressed)
}

/// Drops the hits the ignore file (`.secgate-secrets-ignore` at `root`) or the
/// `--baseline` accept. Returns how many were dropped.
fn apply_ignores(cli: &Cli, root: &Path, scan: &mut Scan) -> Result<usize, Failure> {
    let before = scan.hits.len();
    let ignore_path = root.join(IGNORE_FILE);
    match std::fs::read_to_string(&ignore_path) {
        Ok(text) => {
            let ignore = IgnoreFile::parse(&text)
                .map_err(|e| Failure::usage(format!("{}: {e}", ignore_path.display())))?;
            scan.hits.retain(|h| !ignore.contains(h));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Failure::usage(format!(
                "{}: cannot read the ignore file: {e}",
                ignore_path.display()
            )))
        }
    }
    if let Some(path) = &cli.baseline {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("{}: cannot read the baseline: {e}", path.display()))
        })?;
        let baseline = Baseline::load(&text, &path.display().to_string())
            .map_err(|e| Failure::usage(format!("{:?}", miette::Report::new(e))))?;
        scan.hits.retain(|h| !baseline.contains(h));
    }
    Ok(before - scan.hits.len())
}

fn finish(cli: &Cli, mode: &str, scan: Scan, suppressed: usize) -> Result<u8, Failure> {
    let format = match cli.format {
        OutFormat::Text => Format::Text,
        OutFormat::Json => Format::Json,
        OutFormat::Sarif => Format::Sarif,
        OutFormat::Gitlab => Format::Gitlab,
    };
    let to_terminal = cli.output.is_none() && std::io::stdout().is_terminal();
    let info = RunInfo {
        mode: mode.to_string(),
        color: to_terminal && !cli.no_color && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered =
        output::render(format, &scan, &info).map_err(|e| Failure::usage(e.to_string()))?;
    match &cli.output {
        Some(path) => {
            std::fs::write(path, rendered.as_bytes()).map_err(|e| {
                Failure::env(format!("{}: cannot write the report: {e}", path.display()))
            })?;
            // The report went to a file: the log still says what happened.
            let summary = output::text(
                &scan,
                &RunInfo {
                    mode: mode.to_string(),
                    color: false,
                },
            );
            eprint!("{summary}");
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(rendered.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return Err(Failure::env("cannot write to stdout"));
            }
            if format != Format::Text {
                for s in &scan.skipped {
                    eprintln!(
                        "secgate-secrets: note: {}: not scanned: {}",
                        s.path, s.reason
                    );
                }
            }
        }
    }
    if suppressed > 0 {
        eprintln!(
            "secgate-secrets: {suppressed} known secret(s) not reported (ignore file or baseline)"
        );
    }
    if !scan.hits.is_empty() {
        return Ok(1);
    }
    if scan.nothing_scanned() {
        return Err(Failure::usage(format!(
            "given {} to scan and none could be scanned ({} skipped, listed above): nothing was checked, so this is not a pass",
            if mode == "dir" { "a directory" } else { "files" },
            scan.skipped.len()
        )));
    }
    Ok(0)
}
