//! `secgate`: the report gate. Reads every scanner report, applies one policy,
//! writes every output from one run, and exits 0 (pass), 1 (gate failed),
//! 2 (bad input, usage or policy) or 3 (environment: file system, I/O).

/// mimalloc: the outputs build and drop millions of small strings and JSON
/// values; with glibc's allocator a third of the run was malloc and free
/// (measured in docs/gate.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod inputs;
mod outputs;
mod timings;

use clap::{Parser, Subcommand};
use miette::Report as MReport;
use secgate_core::Severity;
use secgate_policy::policy::{Date, Policy, Threshold};
use secgate_policy::{engine, Baseline};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes: the contract of the gate.
pub mod exit {
    /// The gate passed.
    pub const PASS: u8 = 0;
    /// The gate failed: findings or problems the policy does not allow.
    pub const FAILED: u8 = 1;
    /// Bad input, usage or policy.
    pub const INPUT: u8 = 2;
    /// The environment failed (file system, I/O).
    pub const ENV: u8 = 3;
}

/// An error with its exit code.
pub struct Fail {
    /// 2 or 3.
    pub code: u8,
    /// What to print.
    pub report: MReport,
}

impl Fail {
    fn input(report: impl Into<MReport>) -> Fail {
        Fail {
            code: exit::INPUT,
            report: report.into(),
        }
    }
    fn env(report: impl Into<MReport>) -> Fail {
        Fail {
            code: exit::ENV,
            report: report.into(),
        }
    }
}

/// Which I/O failures are the user's input (a path that does not exist) and
/// which are the environment's (permissions, I/O errors, loops, full disks).
pub fn io_fail(what: String, e: std::io::Error) -> Fail {
    let msg = format!("{what}: {e}");
    match e.kind() {
        std::io::ErrorKind::NotFound => Fail::input(miette::miette!(
            code = "secgate::input::not_found",
            help = "check the path: a report that is not there is never a pass",
            "{msg}"
        )),
        _ => Fail::env(miette::miette!(
            code = "secgate::env::io",
            help = "a file-system error, not a finding: check permissions, disk space and the path",
            "{msg}"
        )),
    }
}

#[derive(Parser)]
#[command(name = "secgate", version, about = "The security report gate for GitLab CI", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Gate on reports: apply the policy, write the outputs, exit 0 (pass), 1 (failed), 2 (bad input), 3 (environment).
    Check(CheckArgs),
    /// Check, print or describe a policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Reports: files, globs, directories (every *.json and *.sarif in them) or `-` (stdin).
    /// `TYPE=PATH` declares what a file must be: a category (`sast`, `dast`,
    /// `dependency_scanning`, `container_scanning`, `secret_detection`) or a format
    /// (`trivy`, `gitleaks`, `sarif`, `zap`, `gitlab`).
    #[arg(value_name = "REPORT")]
    reports: Vec<String>,
    /// The policy file [default: .secgate.yml or .secgate.yaml in the current directory, else in $CI_PROJECT_DIR, else the embedded default].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Fail on findings at or above this severity (replaces the policy's top-level fail_on).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// An output, FORMAT[=PATH]; repeatable. FORMAT: text, json, code-quality, junit,
    /// gitlab (PATH is a directory), sarif, markdown, dotenv. Without PATH: stdout
    /// (gitlab: the current directory). With --format, a PATH alone is that format's.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<String>,
    /// One more output, as secgate-secrets and trivy take it: `--format sarif --output
    /// out.sarif` (the -o value that is not a format is its path), else to stdout.
    #[arg(short = 'f', long, value_name = "FORMAT")]
    format: Option<String>,
    /// A baseline from the target branch: secgate's JSON output, or any supported report.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Only new findings fail (findings in --baseline are existing); same as `new_only: true`.
    #[arg(long)]
    new_only: bool,
    /// For every finding that fails, the rule; for every exempted one, the exception; for every baseline hit, that it exists.
    #[arg(long)]
    explain: bool,
    /// List at most N failing findings on the console (and N others with --explain), worst first; 0 lists all. The report outputs always carry every finding.
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_findings: usize,
    /// Show passed findings and parser notes too.
    #[arg(short, long)]
    verbose: bool,
    /// Largest report accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = secgate_reports::DEFAULT_MAX_SIZE)]
    max_report_size: u64,
    /// The project directory that Code Quality paths are relative to [default: $CI_PROJECT_DIR, else the current directory].
    #[arg(long, value_name = "DIR")]
    project_dir: Option<PathBuf>,
    /// Colour: auto (a TTY without NO_COLOR), always, never.
    #[arg(
        long,
        value_name = "WHEN",
        default_value = "auto",
        value_parser = ["auto", "always", "never"]
    )]
    color: String,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check a policy file: every problem at once (exit 0 valid, 2 invalid).
    Check {
        /// The policy [default: .secgate.yml or .secgate.yaml, here or in $CI_PROJECT_DIR].
        file: Option<PathBuf>,
    },
    /// Print the effective policy, defaults filled in.
    Print {
        /// The policy [default: .secgate.yml or .secgate.yaml, here or in $CI_PROJECT_DIR, else the embedded default].
        file: Option<PathBuf>,
    },
    /// Print the JSON Schema of the policy file.
    Schema,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::INPUT
            } else {
                exit::PASS
            });
        }
    };
    let color_wanted = match &cli.command {
        Command::Check(a) => a.color.clone(),
        _ => "auto".into(),
    };
    let color = use_color(&color_wanted, std::io::stderr().is_terminal());
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .terminal_links(false)
                .force_graphical(true)
                .build(),
        )
    }));
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Policy { command } => policy_command(command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("{:?}", f.report);
            ExitCode::from(f.code)
        }
    }
}

fn use_color(when: &str, tty: bool) -> bool {
    color_for(when, tty, std::env::var_os("NO_COLOR").as_deref())
}

/// `--color`: `always`, `never`, or `auto`: a terminal, unless `NO_COLOR` is
/// set to something (no-color.org: an empty value does not count).
fn color_for(when: &str, tty: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match when {
        "always" => true,
        "never" => false,
        _ => tty && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// The policy file `secgate check` reads when `--policy` is not given:
/// `.secgate.yml` or `.secgate.yaml` in the current directory, else in
/// `$CI_PROJECT_DIR` (a job that `cd`s into a subfolder still finds the
/// project's policy); `None`: the embedded default. Both names in one
/// folder is ambiguous: exit 2.
fn default_policy_path() -> Result<Option<PathBuf>, Fail> {
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(p) = std::env::var_os("CI_PROJECT_DIR").filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(p));
    }
    for dir in dirs {
        let found: Vec<PathBuf> = [".secgate.yml", ".secgate.yaml"]
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one.strip_prefix(".").unwrap_or(one).to_path_buf())),
            _ => {
                return Err(Fail::input(miette::miette!(
                    code = "secgate::policy::two_files",
                    help = "keep one of them, or name the one to use with --policy",
                    "both {} and {} exist: which policy applies is ambiguous",
                    found[0].display(),
                    found[1].display()
                )))
            }
        }
    }
    Ok(None)
}

/// Loads the policy: `--policy FILE`, else [`default_policy_path`], else the
/// embedded default.
fn load_policy(path: Option<&PathBuf>) -> Result<Policy, Fail> {
    let (path, explicit) = match path {
        Some(p) => (p.clone(), true),
        None => match default_policy_path()? {
            Some(p) => (p, false),
            None => return Ok(Policy::default_policy()),
        },
    };
    let text = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Policy::default_policy())
        }
        Err(e) => {
            return Err(io_fail(
                format!("cannot read the policy {}", path.display()),
                e,
            ))
        }
    };
    let text = String::from_utf8(text).map_err(|_| {
        Fail::input(miette::miette!(
            code = "secgate::policy::encoding",
            "the policy {} is not UTF-8 text",
            path.display()
        ))
    })?;
    let name = path.display().to_string();
    match Policy::parse(&text, &name) {
        Ok(p) => {
            for w in &p.warnings {
                eprintln!("{:?}", MReport::new(w.clone()));
            }
            Ok(p)
        }
        Err(e) => Err(Fail::input(e)),
    }
}

fn policy_command(cmd: PolicyCommand) -> Result<u8, Fail> {
    match cmd {
        PolicyCommand::Check { file } => {
            let explicit = match file.clone() {
                Some(f) => f,
                None => default_policy_path()?.unwrap_or_else(|| PathBuf::from(".secgate.yml")),
            };
            let p = load_policy(Some(&explicit))?;
            println!(
                "{}: valid ({} exception(s), {} requirement(s), {} warning(s))",
                explicit.display(),
                p.exceptions.len(),
                p.require.len(),
                p.warnings.len()
            );
            Ok(exit::PASS)
        }
        PolicyCommand::Print { file } => {
            let p = load_policy(file.as_ref())?;
            print!("# effective policy from {}\n{}", p.source, p.to_yaml());
            Ok(exit::PASS)
        }
        PolicyCommand::Schema => {
            println!("{}", secgate_policy::policy::SCHEMA.trim_end());
            Ok(exit::PASS)
        }
    }
}

fn today() -> Result<Date, Fail> {
    match std::env::var("SECGATE_TODAY") {
        Ok(s) if !s.trim().is_empty() => s.parse::<Date>().map_err(|e| {
            Fail::input(miette::miette!(
                code = "secgate::input::today",
                help =
                    "SECGATE_TODAY overrides today's date for exception expiry; write YYYY-MM-DD",
                "SECGATE_TODAY: {e}"
            ))
        }),
        _ => Ok(Date::today_utc()),
    }
}

fn load_baseline(path: &Path, opts: &secgate_reports::ParseOptions) -> Result<Baseline, Fail> {
    let bytes = inputs::read_file(path)
        .map_err(|e| io_fail(format!("cannot read the baseline {}", path.display()), e))?;
    match Baseline::from_bytes(&bytes, opts) {
        Ok(b) => Ok(b),
        Err(secgate_policy::BaselineError::Report(e)) => {
            Err(Fail::input(e.located(&path.display().to_string(), &bytes)))
        }
        Err(e) => Err(Fail::input(
            MReport::new(e).wrap_err(format!("in the baseline {}", path.display())),
        )),
    }
}

fn check(args: CheckArgs) -> Result<u8, Fail> {
    // Everything that can be wrong with the command line first, before any work.
    let outputs = outputs::parse_specs(&args.outputs, args.format.as_deref())?;
    let fail_on = match &args.fail_on {
        None => None,
        Some(s) if s.eq_ignore_ascii_case("none") => Some(Threshold::Never),
        Some(s) => Some(Threshold::AtLeast(s.parse::<Severity>().map_err(|e| {
            Fail::input(miette::miette!(
                code = "secgate::input::fail_on",
                help = "--fail-on takes critical, high, medium, low, info, unknown or none",
                "--fail-on: {e}"
            ))
        })?)),
    };
    if args.reports.is_empty() {
        return Err(Fail::input(miette::miette!(
            code = "secgate::input::no_reports",
            help = "pass the scanners' report files, globs or directories, e.g. `secgate check gl-*-report.json trivy.json`",
            "no report given: a gate with nothing to read never passes"
        )));
    }
    let total = timings::Timer::start();
    let mut t = timings::Timer::start();
    let today = today()?;
    let opts = secgate_reports::ParseOptions {
        max_size: args.max_report_size,
        ..Default::default()
    };
    // The policy (a 1,000-exception one is ~40 ms of YAML) and the baseline
    // (often as big as the reports) are read on a second thread while the
    // reports are read on this one; errors are reported in that order: the
    // policy's, the baseline's, the reports'.
    let (side, reports) = std::thread::scope(|s| {
        let side = s.spawn(|| {
            let policy = load_policy(args.policy.as_ref())?;
            let baseline = args
                .baseline
                .as_ref()
                .map(|path| load_baseline(path, &opts))
                .transpose()?;
            Ok::<_, Fail>((policy, baseline))
        });
        let reports = inputs::read_all(&args.reports, &opts);
        (
            side.join()
                .expect("the policy and baseline thread panicked"),
            reports,
        )
    });
    let (mut policy, baseline) = side?;
    if args.new_only {
        policy.new_only = true;
    }
    let inputs::Inputs {
        mut reports,
        files: input_files,
    } = reports?;
    t.lap("policy, baseline and reports");
    let project_dir = args
        .project_dir
        .clone()
        .or_else(|| {
            std::env::var_os("CI_PROJECT_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| std::env::current_dir().ok());
    let project_dir_text = project_dir.as_ref().map(|p| p.display().to_string());
    if let Some(dir) = &project_dir_text {
        inputs::relativize(&mut reports, dir);
    }
    if args.verbose {
        for r in &reports {
            for n in &r.notes {
                eprintln!("note: {}: {n}", r.source.as_deref().unwrap_or("-"));
            }
        }
    }
    let eval = engine::EvalOptions {
        today,
        baseline: baseline.as_ref(),
        fail_on,
        project_dir: project_dir_text.as_deref(),
    };
    let verdict = engine::evaluate(&policy, reports, &eval);
    t.lap("evaluate");

    let term = secgate_policy::render::TerminalOptions {
        color: use_color(&args.color, std::io::stdout().is_terminal()),
        explain: args.explain,
        verbose: args.verbose,
        max_findings: args.max_findings,
    };
    outputs::refuse_overwriting_inputs(&outputs, &verdict, &input_files)?;
    outputs::write_all(&outputs, &verdict, project_dir.as_deref(), &term)?;
    t.done("outputs");
    total.done("check (before exit)");
    let code = if verdict.passed {
        exit::PASS
    } else {
        exit::FAILED
    };
    // The process ends right after this: freeing 100k findings one by one
    // would cost more than everything since the outputs were written.
    std::mem::forget(verdict);
    std::mem::forget(baseline);
    Ok(code)
}

#[cfg(test)]
mod color_tests {
    use super::color_for;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        for (when, tty, no_color, want) in [
            ("auto", true, None, true),
            ("auto", false, None, false),
            ("auto", true, set, false),
            ("auto", true, empty, true),
            ("always", false, set, true),
            ("never", true, None, false),
        ] {
            assert_eq!(
                color_for(when, tty, no_color),
                want,
                "{when} {tty} {no_color:?}"
            );
        }
    }
}
