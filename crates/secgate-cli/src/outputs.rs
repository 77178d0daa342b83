//! The outputs of one run: `-o FORMAT[=PATH]`, any combination.

use crate::{io_fail, Fail};
use secgate_policy::render;
use secgate_policy::Verdict;
use std::io::Write;
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

/// Parses `-o` values; at most one may go to stdout. No `-o` at all: text to stdout.
pub fn parse_specs(values: &[String]) -> Result<Vec<Spec>, Fail> {
    let mut out = Vec::new();
    for v in values {
        let (name, path) = match v.split_once('=') {
            Some((n, p)) => (n, Some(p)),
            None => (v.as_str(), None),
        };
        let kind = match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "text" | "terminal" => Kind::Text,
            "json" => Kind::Json,
            "code-quality" | "codequality" | "codeclimate" => Kind::CodeQuality,
            "junit" => Kind::Junit,
            "gitlab" => Kind::Gitlab,
            "sarif" => Kind::Sarif,
            "markdown" | "md" => Kind::Markdown,
            "dotenv" | "env" => Kind::Dotenv,
            other => {
                let help = match secgate_policy::policy::suggest(other, NAMES) {
                    Some(s) => format!("did you mean `{s}`? (formats: {})", NAMES.join(", ")),
                    None => format!("formats: {}", NAMES.join(", ")),
                };
                return Err(Fail::input(miette::miette!(
                    code = "secgate::input::output_format",
                    help = help,
                    "unknown output format `{other}`"
                )));
            }
        };
        if path == Some("") {
            return Err(Fail::input(miette::miette!(
                code = "secgate::input::output_path",
                "`-o {v}`: the path after `=` is empty"
            )));
        }
        out.push(Spec {
            kind,
            path: path.map(PathBuf::from),
        });
    }
    if out.is_empty() {
        out.push(Spec {
            kind: Kind::Text,
            path: None,
        });
    }
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

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Fail> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| io_fail(format!("cannot create {}", parent.display()), e))?;
    }
    let mut f = std::fs::File::create(path)
        .map_err(|e| io_fail(format!("cannot write {}", path.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .map_err(|e| io_fail(format!("cannot write {}", path.display()), e))
}

fn emit(path: &Option<PathBuf>, text: &[u8]) -> Result<(), Fail> {
    match path {
        Some(p) => write_file(p, text),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text)
                .and_then(|_| out.flush())
                .map_err(|e| io_fail("cannot write to stdout".into(), e))
        }
    }
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut b = Vec::with_capacity(1 << 16);
    // Serialising a Value into memory cannot fail.
    let _ = serde_json::to_writer_pretty(&mut b, v);
    b.push(b'\n');
    b
}

/// Renders and writes every output.
pub fn write_all(
    specs: &[Spec],
    v: &Verdict,
    project_dir: Option<&Path>,
    term: &render::TerminalOptions,
) -> Result<(), Fail> {
    let mut printed_text = false;
    for s in specs {
        match s.kind {
            Kind::Text => {
                let mut o = *term;
                if s.path.is_some() {
                    o.color = false;
                }
                emit(&s.path, render::terminal(v, &o).as_bytes())?;
                printed_text = true;
            }
            Kind::Json => emit(&s.path, &pretty(&render::json(v)))?,
            Kind::CodeQuality => emit(&s.path, &pretty(&render::code_quality(v, project_dir)))?,
            Kind::Junit => emit(&s.path, render::junit(v).as_bytes())?,
            Kind::Sarif => emit(&s.path, &pretty(&render::sarif(v)))?,
            Kind::Markdown => emit(&s.path, render::markdown(v).as_bytes())?,
            Kind::Dotenv => emit(&s.path, render::dotenv(v).as_bytes())?,
            Kind::Gitlab => {
                let dir = s.path.clone().unwrap_or_else(|| PathBuf::from("."));
                std::fs::create_dir_all(&dir)
                    .map_err(|e| io_fail(format!("cannot create {}", dir.display()), e))?;
                for (cat, report) in render::gitlab_security_reports(v) {
                    write_file(
                        &dir.join(render::gitlab_report_file_name(&cat)),
                        &pretty(&report),
                    )?;
                }
            }
        }
    }
    // The summary always reaches a person: on stderr when stdout carries a machine format.
    if !printed_text {
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
