//! Reading the reports named on the command line: files, globs, directories,
//! stdin, each optionally declared as `TYPE=PATH`.

use crate::{io_fail, Fail};
use secgate_core::{Category, Format, Report};
use secgate_reports::{ParseError, ParseOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a `TYPE=` prefix declares.
#[derive(Debug, Clone, PartialEq)]
enum Declared {
    Category(Category),
    Format(Format),
}

fn declared(prefix: &str) -> Option<Declared> {
    let p = prefix.trim().to_ascii_lowercase();
    let format = match p.as_str() {
        "trivy" => Some(Format::TrivyJson),
        "gitleaks" => Some(Format::GitleaksJson),
        "sarif" => Some(Format::Sarif),
        "zap" => Some(Format::ZapJson),
        "gitlab" => Some(Format::GitlabSecurity),
        _ => None,
    };
    if let Some(f) = format {
        return Some(Declared::Format(f));
    }
    let c = Category::parse(&p);
    Category::KNOWN
        .contains(&c)
        .then_some(Declared::Category(c))
}

/// Splits `TYPE=PATH` when TYPE is a known type; otherwise the whole text is a path.
fn split_spec(spec: &str) -> (Option<Declared>, &str) {
    if let Some((t, path)) = spec.split_once('=') {
        if let Some(d) = declared(t) {
            return (Some(d), path);
        }
    }
    (None, spec)
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>, Fail> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| {
            Fail::input(miette::miette!(
                code = "secgate::input::bad_glob",
                "`{pattern}` is not a valid glob: {}",
                e.kind()
            ))
        })?
        .compile_matcher();
    // Walk from the longest literal prefix.
    let mut base = PathBuf::new();
    for comp in Path::new(pattern).components() {
        let s = comp.as_os_str().to_string_lossy();
        if has_glob_chars(&s) {
            break;
        }
        base.push(comp);
    }
    let walk_root = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base.clone()
    };
    let mut out = Vec::new();
    let mut stack = vec![walk_root];
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_fail(format!("cannot list {}", dir.display()), e)),
        };
        for entry in rd {
            let entry = entry.map_err(|e| io_fail(format!("cannot list {}", dir.display()), e))?;
            let path = entry.path();
            // Match on the path as the user would write it (no leading `./` when the pattern has none).
            let shown = if base.as_os_str().is_empty() {
                path.strip_prefix(".").unwrap_or(&path).to_path_buf()
            } else {
                path.clone()
            };
            let ft = entry
                .file_type()
                .map_err(|e| io_fail(format!("cannot stat {}", path.display()), e))?;
            if ft.is_dir() {
                stack.push(path);
            } else if glob.is_match(&shown) {
                out.push(shown);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Fail::input(miette::miette!(
            code = "secgate::input::no_match",
            help = "a glob that matches nothing is never a pass: check the pattern and that the scanner jobs' artifacts are downloaded",
            "`{pattern}` matched no file"
        )));
    }
    Ok(out)
}

fn dir_reports(dir: &Path) -> Result<Vec<PathBuf>, Fail> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| io_fail(format!("cannot list the directory {}", dir.display()), e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry
            .map_err(|e| io_fail(format!("cannot list the directory {}", dir.display()), e))?;
        let p = entry.path();
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if (ext == "json" || ext == "sarif") && p.is_file() {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Fail::input(miette::miette!(
            code = "secgate::input::empty_dir",
            help = "a directory with no report is never a pass: check that the scanner jobs' artifacts are downloaded here",
            "the directory {} holds no *.json or *.sarif report",
            dir.display()
        )));
    }
    Ok(out)
}

/// Reads and parses every report. Parse errors are all printed (each located
/// at file:line:col) and then fail with exit 2; I/O failures exit 3 at once.
/// A report's bytes: read into memory, or mapped when the file is large.
pub(crate) enum Bytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// Files from this size on are mapped rather than copied: a 100 MB report is
/// then parsed straight from the page cache, with no copy and no fresh pages.
const MAP_FROM: u64 = 4 << 20;

pub(crate) fn read_file(p: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(p)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() >= MAP_FROM {
        // SAFETY: the map is read-only and lives only while this report is
        // parsed. A file truncated by another process meanwhile makes the
        // kernel end the process (SIGBUS): a failed job, never a pass.
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(m));
        }
    }
    let mut b = Vec::with_capacity(meta.len() as usize);
    (&file).read_to_end(&mut b)?;
    Ok(Bytes::Owned(b))
}

/// The reports read, and the files they came from (canonical paths; stdin
/// has none), so that no output is written over one of them.
pub struct Inputs {
    pub reports: Vec<Report>,
    pub files: Vec<PathBuf>,
}

/// Drops a file named twice (a directory and a glob over it, say), keeping
/// its first place: each report is judged once, or budgets would count its
/// findings twice and JUnit would repeat their test cases. A file declared as
/// two different types is an error.
/// A report to read: its declared type, and its path (`None`: stdin).
type Named = (Option<Declared>, Option<PathBuf>);

fn dedup(files: Vec<Named>) -> Result<(Vec<Named>, Vec<PathBuf>), Fail> {
    let mut out: Vec<Named> = Vec::with_capacity(files.len());
    let mut seen: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (decl, path) in files {
        let Some(p) = path else {
            out.push((decl, None));
            continue;
        };
        let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        match seen.iter().position(|c| *c == canon) {
            None => {
                seen.push(canon);
                out.push((decl, Some(p)));
            }
            Some(i) => {
                // `out` holds stdin entries too: find this file's entry by path.
                let kept = out
                    .iter_mut()
                    .filter(|(_, q)| q.is_some())
                    .nth(i)
                    .expect("one entry per seen file");
                match (&kept.0, decl) {
                    (_, None) => {}
                    (None, Some(d)) => kept.0 = Some(d),
                    (Some(a), Some(b)) if *a == b => {}
                    (Some(_), Some(_)) => {
                        return Err(Fail::input(miette::miette!(
                            code = "secgate::input::declared_twice",
                            help = "declare each report's type once",
                            "{} is given twice with two different types",
                            p.display()
                        )))
                    }
                }
            }
        }
    }
    Ok((out, seen))
}

pub fn read_all(specs: &[String], opts: &ParseOptions) -> Result<Inputs, Fail> {
    let mut files: Vec<Named> = Vec::new();
    let mut stdin_used = false;
    for spec in specs {
        let (decl, path) = split_spec(spec);
        if path == "-" {
            if stdin_used {
                return Err(Fail::input(miette::miette!(
                    code = "secgate::input::stdin_twice",
                    "`-` (stdin) is given twice"
                )));
            }
            stdin_used = true;
            files.push((decl, None));
            continue;
        }
        if path.is_empty() {
            return Err(Fail::input(miette::miette!(
                code = "secgate::input::empty_path",
                "`{spec}` names no file"
            )));
        }
        let p = Path::new(path);
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                for f in dir_reports(p)? {
                    files.push((decl.clone(), Some(f)));
                }
            }
            Ok(_) => files.push((decl, Some(p.to_path_buf()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && has_glob_chars(path) => {
                for f in expand_glob(path)? {
                    files.push((decl.clone(), Some(f)));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Fail::input(miette::miette!(
                    code = "secgate::input::missing_report",
                    help = "the scanner job did not write it, or its artifact was not passed to this job (check `needs:`/`dependencies:` and the artifact paths): a missing report is never a pass",
                    "report not found: {path}"
                )));
            }
            Err(e) => return Err(io_fail(format!("cannot read the report {path}"), e)),
        }
    }

    let (files, canonical) = dedup(files)?;
    let mut reports = Vec::new();
    let mut bad = 0usize;
    for (decl, path) in files {
        let (name, bytes) = match &path {
            None => {
                let mut b = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(opts.max_size.saturating_add(1))
                    .read_to_end(&mut b)
                    .map_err(|e| io_fail("cannot read stdin".into(), e))?;
                ("-".to_string(), Bytes::Owned(b))
            }
            Some(p) => {
                let name = p.display().to_string();
                if let Ok(m) = std::fs::metadata(p) {
                    if m.is_file() && m.len() > opts.max_size {
                        eprintln!(
                            "{:?}",
                            miette::Report::new(
                                ParseError::TooLarge {
                                    size: m.len(),
                                    limit: opts.max_size
                                }
                                .located(&name, b"")
                            )
                        );
                        bad += 1;
                        continue;
                    }
                }
                let b = read_file(p)
                    .map_err(|e| io_fail(format!("cannot read the report {name}"), e))?;
                (name, b)
            }
        };
        let mut o = opts.clone();
        match &decl {
            Some(Declared::Format(f)) => o.format_hint = Some(*f),
            Some(Declared::Category(c)) => o.expected = Some(c.clone()),
            None => {}
        }
        // The bytes (a map of a large file) are dropped once read, before the
        // findings are built; they come back with an error that points into them.
        let (parsed, bytes) = secgate_reports::parse_owned(bytes, &o);
        match parsed {
            Ok(mut r) => {
                if let Some(Declared::Format(f)) = &decl {
                    if r.format != *f {
                        eprintln!(
                            "{:?}",
                            miette::miette!(
                                code = "secgate::report::wrong_type",
                                help = "check which job's artifact was passed here: the file is a valid report of another kind",
                                "{name}: declared {} but this is a {} report",
                                f.as_str(),
                                r.format.as_str()
                            )
                        );
                        bad += 1;
                        continue;
                    }
                }
                if let Some(Declared::Category(c)) = &decl {
                    if r.category.is_none() {
                        r.category = Some(c.clone());
                    }
                }
                r.source = Some(name);
                reports.push(r);
            }
            Err(e) => {
                let bytes: &[u8] = bytes.as_deref().unwrap_or_default();
                eprintln!("{:?}", miette::Report::new(e.located(&name, bytes)));
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(Fail::input(miette::miette!(
            code = "secgate::input::bad_reports",
            help =
                "an unreadable report is never a pass: fix or re-run the scanner job that wrote it",
            "{bad} report(s) could not be read (see above)"
        )));
    }
    Ok(Inputs {
        reports,
        files: canonical,
    })
}

/// Makes finding paths under the project directory relative to it, as the
/// scanners that write relative paths do, so that every output (GitLab
/// reports, JUnit names, SARIF) shows `src/a.py`, and a fingerprint does not
/// change with the runner's build directory (`/builds/<runner>/<n>/group/proj`).
/// A report whose paths changed gets its fingerprints again; the others are
/// left as they are (nothing is recomputed when no path is absolute).
pub fn relativize(reports: &mut [Report], project_dir: &str) {
    let strip = |file: &mut String| -> bool {
        match secgate_core::fingerprint::under_dir(file, project_dir) {
            Some(rest) if !rest.is_empty() => {
                *file = rest.to_string();
                true
            }
            _ => false,
        }
    };
    for r in reports {
        let mut changed = false;
        for f in &mut r.findings {
            use secgate_core::Location;
            let file = match &mut f.location {
                Location::Source { file, .. } | Location::Secret { file, .. } => Some(file),
                Location::Dependency {
                    file: Some(file), ..
                } => Some(file),
                _ => None,
            };
            if let Some(file) = file {
                changed |= strip(file);
            }
        }
        if changed {
            secgate_core::fingerprint::assign(&mut r.findings);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            split_spec("dast=a.json"),
            (Some(Declared::Category(Category::Dast)), "a.json")
        );
        assert_eq!(
            split_spec("gitleaks=x=y.json"),
            (Some(Declared::Format(Format::GitleaksJson)), "x=y.json")
        );
        assert_eq!(split_spec("weird=a.json"), (None, "weird=a.json"));
        assert_eq!(split_spec("a.json"), (None, "a.json"));
    }

    /// The same finding under two runners' build directories has one path
    /// and one fingerprint; a path outside the project is kept.
    #[test]
    fn paths_under_the_project_are_made_relative_and_fingerprinted_again() {
        use secgate_core::{Finding, Location, Scanner, Severity};
        let report = |file: &str| {
            let mut f = Finding::new(
                Scanner::named("semgrep"),
                Category::Sast,
                Severity::High,
                "t".to_string(),
                Location::Source {
                    file: file.into(),
                    start_line: Some(3),
                    end_line: None,
                    snippet: None,
                },
            );
            f.rule_id = Some("r".into());
            let mut r = Report::new(Format::Sarif);
            r.findings = vec![f];
            secgate_core::fingerprint::assign(&mut r.findings);
            r
        };
        let mut a = vec![report("/builds/abc/0/grp/proj/src/a.py")];
        let mut b = vec![report("/builds/abc/1/grp/proj/src/a.py")];
        let c = [report("src/a.py")];
        relativize(&mut a, "/builds/abc/0/grp/proj");
        relativize(&mut b, "/builds/abc/1/grp/proj/");
        assert_eq!(a[0].findings[0].location.file(), Some("src/a.py"));
        assert_eq!(a[0].findings[0].fingerprint, b[0].findings[0].fingerprint);
        assert_eq!(a[0].findings[0].fingerprint, c[0].findings[0].fingerprint);
        let mut outside = vec![report("/etc/passwd")];
        let before = outside[0].findings[0].fingerprint;
        relativize(&mut outside, "/builds/abc/0/grp/proj");
        assert_eq!(outside[0].findings[0].location.file(), Some("/etc/passwd"));
        assert_eq!(outside[0].findings[0].fingerprint, before);
    }
}
