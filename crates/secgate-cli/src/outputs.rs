//! The outputs of one run: `-o FORMAT[=PATH]`, any combination.

use crate::{io_fail, Fail};
use secgate_policy::render;
use secgate_policy::Verdict;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Json,
    CodeQuality,
    Junit,
    Gitlab,
    Sarif,
    Markdown,
    Dotenv,
}

const NAMES: &[&str] = &[
    "text",
    "json",
    "code-quality",
    "junit",
    "gitlab",
    "sarif",
    "markdown",
    "dotenv",
];

/// One output: a format and where it goes (`None`: stdout; for gitlab: the current directory).
#[derive(Debug, Clone)]
pub struct Spec {
    pub kind: Kind,
    pub path: Option<PathBuf>,
}

fn kind_of(name: &str) -> Option<Kind> {
    Some(
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "text" | "terminal" => Kind::Text,
            "json" => Kind::Json,
            "code-quality" | "codequality" | "codeclimate" => Kind::CodeQuality,
            "junit" => Kind::Junit,
            "gitlab" => Kind::Gitlab,
            "sarif" => Kind::Sarif,
            "markdown" | "md" => Kind::Markdown,
            "dotenv" | "env" => Kind::Dotenv,
            _ => return None,
        },
    )
}

fn unknown_format(name: &str, flag: &str) -> Fail {
    let help = match secgate_policy::policy::suggest(name, NAMES) {
        Some(s) => format!("did you mean `{s}`? (formats: {})", NAMES.join(", ")),
        None => format!("formats: {}", NAMES.join(", ")),
    };
    Fail::input(miette::miette!(
        code = "secgate::input::output_format",
        help = help,
        "{flag}: unknown output format `{name}`"
    ))
}

/// A path of the wrong kind is a usage error (exit 2), found before any work:
/// `gitlab` writes into a directory, every other output into a file.
fn check_output_path(kind: Kind, path: Option<&Path>) -> Result<(), Fail> {
    let Some(p) = path else { return Ok(()) };
    let Ok(meta) = std::fs::metadata(p) else {
        return Ok(()); // created when written
    };
    let wrong = match kind {
        Kind::Gitlab => (!meta.is_dir()).then_some(
            "is a file: `-o gitlab=DIR` writes gl-<category>-report.json files into a directory",
        ),
        _ => meta
            .is_dir()
            .then_some("is a directory: this output is one file, `-o FORMAT=FILE`"),
    };
    match wrong {
        None => Ok(()),
        Some(why) => Err(Fail::input(miette::miette!(
            code = "secgate::input::output_path",
            "{} {why}",
            p.display()
        ))),
    }
}

/// Where a path points, for comparing two outputs: absolute, `.` and `..`
/// resolved, and its folder's symbolic links followed when it exists.
fn resolved(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    match (out.parent(), out.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(out),
        _ => out,
    }
}

/// Two outputs to one file (or two `gitlab` outputs to one folder, or a file
/// output named like a GitLab report in that folder) would be written at
/// once by two threads into one corrupt artifact: exit 2.
fn refuse_same_target(specs: &[Spec]) -> Result<(), Fail> {
    let mut seen: Vec<(PathBuf, Kind)> = Vec::new();
    for s in specs {
        let Some(p) = &s.path else { continue };
        let r = resolved(p);
        // Whether `file` is one the gitlab output writes into `dir`.
        let gitlab_writes = |dir: &Path, file: &Path| {
            file.parent() == Some(dir)
                && file.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    secgate_core::Category::KNOWN
                        .iter()
                        .any(|c| render::gitlab_report_file_name(c) == n)
                })
        };
        let clash = seen.iter().find(|(q, k)| match (*k, s.kind) {
            _ if *q == r => true,
            (Kind::Gitlab, Kind::Gitlab) => false,
            (Kind::Gitlab, _) => gitlab_writes(q, &r),
            (_, Kind::Gitlab) => gitlab_writes(&r, q),
            _ => false,
        });
        if let Some((q, _)) = clash {
            return Err(Fail::input(miette::miette!(
                code = "secgate::input::output_twice",
                help = "give each output its own path",
                "two outputs would be written to {} (the second names it {})",
                q.display(),
                p.display()
            )));
        }
        seen.push((r, s.kind));
    }
    Ok(())
}

/// Parses the outputs: each `-o FORMAT[=PATH]`, and `--format FORMAT` (as
/// `secgate-secrets`, `secgate-image` and trivy take it) with the one `-o
/// PATH` that is not a format, if any, as its path. At most one output may go
/// to stdout. No output at all: text to stdout.
pub fn parse_specs(values: &[String], format: Option<&str>) -> Result<Vec<Spec>, Fail> {
    // `--format FORMAT=PATH` is an `-o` value like any other.
    if let Some(f) = format.filter(|f| f.contains('=')) {
        let mut all = values.to_vec();
        all.push(f.to_string());
        return parse_specs(&all, None);
    }
    let format_kind = match format {
        Some(f) => Some(kind_of(f).ok_or_else(|| unknown_format(f, "--format"))?),
        None => None,
    };
    let mut out = Vec::new();
    let mut format_path: Option<&str> = None;
    for v in values {
        let (name, path) = match v.split_once('=') {
            Some((n, p)) => (n, Some(p)),
            None => (v.as_str(), None),
        };
        let kind = match kind_of(name) {
            Some(k) => k,
            // With --format, a bare value that is not a format is its path.
            None if path.is_none() && format_kind.is_some() => {
                if let Some(first) = format_path {
                    return Err(Fail::input(miette::miette!(
                        code = "secgate::input::output_path",
                        help = "write the others as `-o FORMAT=PATH`",
                        "`--format {}` was given two paths, `{first}` and `{v}`",
                        format.unwrap_or_default()
                    )));
                }
                format_path = Some(v);
                continue;
            }
            None if path.is_none() => {
                let mut e = unknown_format(name, "-o");
                if name.contains(['.', '/']) {
                    // The format its extension suggests, for the example.
                    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
                    let f = match ext.as_deref() {
                        Some("sarif") => "sarif",
                        Some("json") => "json",
                        Some("xml") => "junit",
                        Some("md") => "markdown",
                        Some("env") => "dotenv",
                        Some("txt") => "text",
                        _ => "FORMAT",
                    };
                    e = Fail::input(miette::miette!(
                        code = "secgate::input::output_format",
                        help = format!(
                            "`-o` takes FORMAT[=PATH]: `-o {f}={name}`, or `--format {f} --output {name}`"
                        ),
                        "-o: `{name}` is not an output format (formats: {}); a path needs its format",
                        NAMES.join(", ")
                    ));
                }
                return Err(e);
            }
            None => return Err(unknown_format(name, "-o")),
        };
        if path == Some("") {
            return Err(Fail::input(miette::miette!(
                code = "secgate::input::output_path",
                "`-o {v}`: the path after `=` is empty"
            )));
        }
        check_output_path(kind, path.map(Path::new))?;
        out.push(Spec {
            kind,
            path: path.map(PathBuf::from),
        });
    }
    if let Some(kind) = format_kind {
        check_output_path(kind, format_path.map(Path::new))?;
        out.push(Spec {
            kind,
            path: format_path.map(PathBuf::from),
        });
    }
    if out.is_empty() {
        out.push(Spec {
            kind: Kind::Text,
            path: None,
        });
    }
    refuse_same_target(&out)?;
    let to_stdout = out
        .iter()
        .filter(|s| s.path.is_none() && s.kind != Kind::Gitlab)
        .count();
    if to_stdout > 1 {
        return Err(Fail::input(miette::miette!(
            code = "secgate::input::stdout_twice",
            help = "give all but one a path: `-o json=secgate.json -o junit=junit.xml`",
            "{to_stdout} outputs would be written to stdout"
        )));
    }
    Ok(out)
}

/// The buffer of indented JSON on a terminal, the one output written in many
/// small pieces here (the streaming renderers keep a buffer of their own).
const BUF: usize = 1 << 20;

/// Creates `path` (and its parent directories) for writing.
fn create(path: &Path) -> Result<File, Fail> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| io_fail(format!("cannot create {}", parent.display()), e))?;
    }
    File::create(path).map_err(|e| io_fail(format!("cannot write {}", path.display()), e))
}

/// Writes one output to `path` (`None`: stdout) with `write`; the file is
/// flushed and its errors (a full disk) reported with the path. Unbuffered:
/// the streaming renderers keep their own buffer ([`BUF`] bytes) and the
/// other outputs are written in one piece, so a buffer here would only copy
/// every byte once more.
fn emit_with(
    path: &Option<PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Fail> {
    match path {
        Some(p) => {
            let mut f = create(p)?;
            write(&mut f)
                .and_then(|_| f.flush())
                .map_err(|e| io_fail(format!("cannot write {}", p.display()), e))
        }
        None => {
            let mut out = std::io::stdout().lock();
            write(&mut out)
                .and_then(|_| out.flush())
                .map_err(|e| io_fail("cannot write to stdout".into(), e))
        }
    }
}

/// A JSON output: streamed item by item (compact), except to a terminal,
/// where a person reads it (indented; `serde_json`'s pretty writer makes many
/// small writes, so it gets a buffer).
fn emit_json(
    path: &Option<PathBuf>,
    stream: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    value: impl FnOnce() -> serde_json::Value,
) -> Result<(), Fail> {
    if path.is_none() && std::io::stdout().is_terminal() {
        return emit_with(path, |w| {
            let mut w = BufWriter::with_capacity(BUF, w);
            serde_json::to_writer_pretty(&mut w, &value())?;
            w.write_all(b"\n")?;
            w.flush()
        });
    }
    emit_with(path, |w| {
        stream(&mut *w)?;
        w.write_all(b"\n")
    })
}

/// Writes one output.
fn write_one(
    s: &Spec,
    v: &Verdict,
    project_dir: Option<&Path>,
    term: &render::TerminalOptions,
    now: render::Timestamp,
) -> Result<(), Fail> {
    match s.kind {
        Kind::Text => {
            let mut o = *term;
            if s.path.is_some() {
                o.color = false;
            }
            emit_with(&s.path, |w| w.write_all(render::terminal(v, &o).as_bytes()))
        }
        Kind::Json => emit_json(&s.path, |w| render::write_json(w, v), || render::json(v)),
        Kind::CodeQuality => emit_json(
            &s.path,
            |w| render::write_code_quality(w, v, project_dir),
            || render::code_quality(v, project_dir),
        ),
        Kind::Sarif => emit_json(&s.path, |w| render::write_sarif(w, v), || render::sarif(v)),
        Kind::Junit => emit_with(&s.path, |w| render::write_junit(w, v)),
        Kind::Markdown => emit_with(&s.path, |w| w.write_all(render::markdown(v).as_bytes())),
        Kind::Dotenv => emit_with(&s.path, |w| w.write_all(render::dotenv(v).as_bytes())),
        Kind::Gitlab => {
            let dir = s.path.clone().unwrap_or_else(|| PathBuf::from("."));
            render::write_gitlab_security_reports(v, now, &dir)
                .map(|_| ())
                .map_err(|e| {
                    io_fail(
                        format!("cannot write the GitLab reports into {}", dir.display()),
                        e,
                    )
                })
        }
    }
}

/// Refuses, before anything is written, an output that would replace one of
/// the reports it reads (`-o gitlab` in the directory holding the scanners'
/// `gl-*-report.json`, `-o json=` an input): the evidence would be gone, and a
/// rerun would read the gate's own output. Exit 2.
pub fn refuse_overwriting_inputs(
    specs: &[Spec],
    v: &Verdict,
    inputs: &[PathBuf],
) -> Result<(), Fail> {
    let mut targets: Vec<PathBuf> = Vec::new();
    for s in specs {
        match (s.kind, &s.path) {
            (Kind::Gitlab, p) => {
                let dir = p.clone().unwrap_or_else(|| PathBuf::from("."));
                for c in &v.categories {
                    targets.push(dir.join(render::gitlab_report_file_name(c)));
                }
            }
            (_, Some(p)) => targets.push(p.clone()),
            (_, None) => {}
        }
    }
    for t in targets {
        // A file that does not exist yet is no input.
        let Ok(canon) = std::fs::canonicalize(&t) else {
            continue;
        };
        if inputs.contains(&canon) {
            return Err(Fail::input(miette::miette!(
                code = "secgate::input::output_is_input",
                help = "write the outputs elsewhere, e.g. `-o gitlab=secgate-reports/` or `-o json=secgate.json`",
                "an output would be written over {}, a report this run reads",
                t.display()
            )));
        }
    }
    Ok(())
}

/// How much work an output is, roughly (bytes per finding), to balance threads.
fn weight(k: Kind) -> u32 {
    match k {
        Kind::Json | Kind::Sarif | Kind::Gitlab => 3,
        Kind::CodeQuality | Kind::Junit => 2,
        Kind::Text | Kind::Markdown | Kind::Dotenv => 1,
    }
}

/// Renders and writes every output. Outputs are independent renderings of
/// the same verdict, so they are written concurrently: one thread per output,
/// heaviest first (the OS shares the cores; each streams through its own
/// buffer, so memory stays one buffer per output). With `SECGATE_TIMINGS=1`
/// each output's time goes to stderr.
pub fn write_all(
    specs: &[Spec],
    v: &Verdict,
    project_dir: Option<&Path>,
    term: &render::TerminalOptions,
) -> Result<(), Fail> {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") {
        if render::Timestamp::from_source_date_epoch(&v).is_none() {
            eprintln!(
                "warning: SOURCE_DATE_EPOCH={v:?} is not a number of seconds from 0 to {}: the reports carry the current time",
                render::Timestamp::MAX
            );
        }
    }
    let now = render::Timestamp::now();
    let mut order: Vec<(usize, &Spec)> = specs.iter().enumerate().collect();
    order.sort_by_key(|(_, s)| std::cmp::Reverse(weight(s.kind)));
    let mut results: Vec<(usize, Result<(), Fail>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = order
            .iter()
            .map(|&(i, s)| {
                std::thread::Builder::new()
                    .name(format!("output-{:?}", s.kind))
                    .spawn_scoped(scope, move || {
                        let t = crate::timings::Timer::start();
                        let r = write_one(s, v, project_dir, term, now);
                        t.done(&format!("output {:?}", s.kind));
                        (i, r)
                    })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(e) => (0, Err(io_fail("cannot start an output thread".into(), e))),
            })
            .collect()
    });
    // The first failure in the order the outputs were given.
    results.sort_by_key(|(i, _)| *i);
    for (_, r) in results {
        r?;
    }
    // The summary always reaches a person: on stderr when stdout carries a machine format.
    if !specs.iter().any(|s| s.kind == Kind::Text) {
        let stdout_taken = specs
            .iter()
            .any(|s| s.path.is_none() && s.kind != Kind::Gitlab);
        let text = render::terminal(v, term);
        if stdout_taken {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(values: &[&str], format: Option<&str>) -> Result<Vec<(Kind, Option<String>)>, String> {
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        parse_specs(&values, format)
            .map(|v| {
                v.into_iter()
                    .map(|s| (s.kind, s.path.map(|p| p.display().to_string())))
                    .collect()
            })
            .map_err(|e| {
                let help = e.report.help().map(|h| h.to_string()).unwrap_or_default();
                format!("{} / {help}", e.report)
            })
    }

    #[test]
    fn output_values_and_the_format_flag() {
        assert_eq!(specs(&[], None).unwrap(), vec![(Kind::Text, None)]);
        assert_eq!(
            specs(&["json=a.json", "sarif"], None).unwrap(),
            vec![(Kind::Json, Some("a.json".into())), (Kind::Sarif, None)]
        );
        // A path of the wrong kind: exit 2 before any work.
        let dir = std::env::temp_dir();
        let d = dir.display().to_string();
        assert!(specs(&[&format!("json={d}")], None)
            .unwrap_err()
            .contains("is a directory"));
        let file = std::env::current_exe().unwrap().display().to_string();
        assert!(specs(&[&format!("gitlab={file}")], None)
            .unwrap_err()
            .contains("is a file"));
        assert!(specs(&[&format!("gitlab={d}")], None).is_ok());
        // Two outputs to one file: refused, however the path is spelt.
        let e = specs(&["json=a.json", "code-quality=./a.json"], None).unwrap_err();
        assert!(e.contains("two outputs"), "{e}");
        let e = specs(&["json=a.json", "json=sub/../a.json"], None).unwrap_err();
        assert!(e.contains("two outputs"), "{e}");
        let e = specs(&["gitlab=out", "json=out/gl-sast-report.json"], None).unwrap_err();
        assert!(e.contains("two outputs"), "{e}");
        let e = specs(&["json=out/gl-sast-report.json", "gitlab=./out"], None).unwrap_err();
        assert!(e.contains("two outputs"), "{e}");
        assert!(specs(&["gitlab=out", "json=out/secgate.json"], None).is_ok());
        // Only the names the gitlab output writes clash (not Code Quality's).
        assert!(specs(
            &["gitlab=.", "code-quality=gl-code-quality-report.json"],
            None
        )
        .is_ok());
        let e = specs(&["gitlab=.", "json=gl-secret-detection-report.json"], None).unwrap_err();
        assert!(e.contains("two outputs"), "{e}");
        // trivy's and secgate-secrets' form: the bare non-format value is the path.
        assert_eq!(
            specs(&["out.sarif"], Some("sarif")).unwrap(),
            vec![(Kind::Sarif, Some("out.sarif".into()))]
        );
        assert_eq!(
            specs(&["junit=j.xml", "out.json"], Some("JSON")).unwrap(),
            vec![
                (Kind::Junit, Some("j.xml".into())),
                (Kind::Json, Some("out.json".into()))
            ]
        );
        // --format alone: stdout; --format FORMAT=PATH: as -o.
        assert_eq!(specs(&[], Some("json")).unwrap(), vec![(Kind::Json, None)]);
        assert_eq!(
            specs(&[], Some("json=x.json")).unwrap(),
            vec![(Kind::Json, Some("x.json".into()))]
        );
    }

    #[test]
    fn output_mistakes_are_named() {
        // A path without its format: the two ways to write it are shown.
        let e = specs(&["out.sarif"], None).unwrap_err();
        assert!(
            e.contains("sarif=out.sarif") && e.contains("--format"),
            "{e}"
        );
        // A typo is suggested, with or without --format.
        let e = specs(&["sraif"], None).unwrap_err();
        assert!(e.contains("did you mean `sarif`"), "{e}");
        let e = specs(&[], Some("jsno")).unwrap_err();
        assert!(
            e.contains("--format") && e.contains("did you mean `json`"),
            "{e}"
        );
        // --format with two paths, and two outputs on stdout.
        let e = specs(&["a.json", "b.json"], Some("json")).unwrap_err();
        assert!(e.contains("two paths"), "{e}");
        let e = specs(&["sarif"], Some("json")).unwrap_err();
        assert!(e.contains("stdout"), "{e}");
    }
}
