//! Scanning what git holds: staged changes, a range of commits, a whole history,
//! and installing the git hook.
//!
//! Everything is read through libgit2 (git2, vendored): no `git` executable is
//! needed. Blobs are read one file at a time and only the lines a change
//! *adds* are scanned, so a secret is reported once, where it came in.
//!
//! - [`scan_staged`]: the index against `HEAD` (against the empty tree in a
//!   repository with no commit yet). Renames are detected (a renamed file
//!   contributes only the lines it gained), deletions add nothing, binary blobs
//!   (a NUL byte in the first 8000 bytes) and blobs over the size limit are
//!   skipped and listed, submodules are skipped and listed.
//! - [`scan_commits`]: every commit of a range (`BASE..HEAD`, `BASE...HEAD`,
//!   `--since REF`, or one revision and everything behind it), each diffed
//!   against its first parent (a root commit against the empty tree); each hit
//!   names the commit that introduced it. A merge commit is charged only with
//!   the lines it added against *every* parent (a conflict resolution or an
//!   "evil merge"); the lines a merge brings in from a branch are charged to the
//!   branch's own commits, which the range holds too.
//! - [`install_hook`]: writes `pre-commit` (or `pre-push`) into the hooks
//!   directory (`core.hooksPath` if set), refusing to replace a hook that is not
//!   ours unless forced.

use crate::walk::{looks_binary, Scan, ScanOptions, SkipReason, Skipped};
use crate::Engine;
use git2::{
    Delta, Diff, DiffFindOptions, DiffOptions, ErrorCode, FileMode, ObjectType, Oid, Patch,
    Repository, Sort, Tree,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A git failure. The binary maps every variant to exit code 3, except
/// [`GitError::BadRange`] (a usage error, 2).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The directory is not in a git repository.
    #[error("{dir}: not a git repository (or any parent up to the root); run this inside a repository, or use `secgate-secrets files`/`dir`")]
    NotARepo {
        /// Where the search started.
        dir: String,
    },
    /// A revision could not be found.
    #[error("revision `{rev}` not found: {message}; in a shallow CI clone fetch more history (GitLab: `GIT_DEPTH: 0`, or `git fetch --unshallow`)")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
        /// libgit2's message.
        message: String,
    },
    /// The range text is not understood.
    #[error("`{spec}` is not a range: {message}")]
    BadRange {
        /// The text as given.
        spec: String,
        /// What is expected.
        message: String,
    },
    /// A hook exists that this tool did not write.
    #[error("{path} exists and was not written by secgate-secrets; chain it by hand, or replace it with `secgate-secrets install --force`")]
    ForeignHook {
        /// The hook's path.
        path: String,
    },
    /// Writing the hook failed.
    #[error("{path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The system's message.
        message: String,
    },
    /// Any other libgit2 failure.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// Opens the repository that holds `dir` (searching parents, like `git` does).
pub fn open_repo(dir: &Path) -> Result<Repository, GitError> {
    Repository::discover(dir).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            GitError::NotARepo {
                dir: dir.display().to_string(),
            }
        } else {
            GitError::Git(e)
        }
    })
}

/// The repository's working directory, or its git directory when it is bare.
pub fn repo_root(repo: &Repository) -> PathBuf {
    repo.workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.path().to_path_buf())
}

fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>, GitError> {
    match repo.head() {
        Ok(h) => Ok(Some(h.peel_to_tree()?)),
        Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn diff_options(pathspecs: &[String]) -> DiffOptions {
    let mut o = DiffOptions::new();
    // We decide what is binary ourselves (NUL sniff on the new blob), so that a
    // `-diff` or `binary` gitattribute cannot hide a text file from the scan.
    o.force_text(true)
        .context_lines(0)
        .ignore_submodules(false)
        .include_typechange(true);
    for p in pathspecs {
        o.pathspec(p);
        o.disable_pathspec_match(true);
    }
    o
}

fn find_renames(diff: &mut Diff<'_>) -> Result<(), GitError> {
    let mut f = DiffFindOptions::new();
    f.renames(true).copies(false);
    diff.find_similar(Some(&mut f))?;
    Ok(())
}

/// The lines one commit (or the index) added to one file.
struct FileAdds {
    path: String,
    lines: Vec<(u32, Vec<u8>)>,
}

/// Walks a diff: for each file that gained lines, checks size and binariness on
/// the new blob, then collects the added lines. Skips are pushed to `scan`.
fn added_lines(
    repo: &Repository,
    diff: &Diff<'_>,
    opts: &ScanOptions,
    commit: Option<&str>,
    engine: &Engine,
    scan: &mut Scan,
    mut each: impl FnMut(FileAdds, &mut Scan),
) -> Result<(), GitError> {
    let odb = repo.odb()?;
    for idx in 0..diff.deltas().len() {
        let delta = diff.get_delta(idx).expect("index within deltas");
        match delta.status() {
            Delta::Added
            | Delta::Modified
            | Delta::Renamed
            | Delta::Copied
            | Delta::Typechange
            | Delta::Untracked => {}
            // Deleted, unmodified, ignored, conflicted: nothing was added.
            _ => continue,
        }
        let new = delta.new_file();
        let path = match new.path() {
            Some(p) => crate::walk::display_path(p),
            None => continue,
        };
        let skip = |scan: &mut Scan, reason| {
            scan.skipped.push(Skipped {
                path: path.clone(),
                commit: commit.map(str::to_string),
                reason,
            })
        };
        match new.mode() {
            FileMode::Commit => {
                skip(scan, SkipReason::Submodule);
                continue;
            }
            FileMode::Tree | FileMode::Unreadable => continue,
            _ => {}
        }
        if engine.is_path_allowed(&path) {
            scan.allowlisted += 1;
            continue;
        }
        let (size, kind) = odb.read_header(new.id())?;
        if kind != ObjectType::Blob {
            continue;
        }
        let size = size as u64;
        if size > opts.max_file_size {
            skip(
                scan,
                SkipReason::TooLarge {
                    size,
                    limit: opts.max_file_size,
                },
            );
            continue;
        }
        {
            let blob = repo.find_blob(new.id())?;
            if looks_binary(blob.content()) {
                skip(scan, SkipReason::Binary);
                continue;
            }
        }
        let Some(patch) = Patch::from_diff(diff, idx)? else {
            continue;
        };
        let mut lines = Vec::new();
        for h in 0..patch.num_hunks() {
            let n = patch.num_lines_in_hunk(h)?;
            for l in 0..n {
                let line = patch.line_in_hunk(h, l)?;
                if line.origin() != '+' {
                    continue;
                }
                let Some(no) = line.new_lineno() else {
                    continue;
                };
                let mut content = line.content();
                if let Some(c) = content.strip_suffix(b"\n") {
                    content = c;
                }
                lines.push((no, content.to_vec()));
            }
        }
        scan.files_scanned += 1;
        if lines.is_empty() {
            continue;
        }
        scan.bytes_scanned += lines.iter().map(|(_, l)| l.len() as u64 + 1).sum::<u64>();
        each(FileAdds { path, lines }, scan);
    }
    Ok(())
}

fn scan_adds(engine: &Engine, adds: &FileAdds, commit: Option<&str>, scan: &mut Scan) {
    let hits = engine.scan_lines(
        &adds.path,
        adds.lines.iter().map(|(n, l)| (*n, l.as_slice())),
    );
    for mut h in hits {
        if let Some(c) = commit {
            h.commit = Some(c.to_string());
        }
        scan.hits.push(h);
    }
}

/// Scans the staged changes: the lines the index adds against `HEAD`.
pub fn scan_staged(
    repo: &Repository,
    engine: &Engine,
    opts: &ScanOptions,
) -> Result<Scan, GitError> {
    let tree = head_tree(repo)?;
    let index = repo.index()?;
    let mut dopts = diff_options(&[]);
    let mut diff = repo.diff_tree_to_index(tree.as_ref(), Some(&index), Some(&mut dopts))?;
    find_renames(&mut diff)?;
    let mut scan = Scan::default();
    added_lines(repo, &diff, opts, None, engine, &mut scan, |adds, scan| {
        scan_adds(engine, &adds, None, scan)
    })?;
    Ok(scan)
}

/// Which commits [`scan_commits`] reads.
#[derive(Debug, Clone, Default)]
pub struct RangeSpec {
    /// Commits reachable from these are included.
    pub include: Vec<String>,
    /// Commits reachable from these are excluded.
    pub exclude: Vec<String>,
    /// Exclude everything reachable from a remote-tracking branch (`refs/remotes/*`):
    /// what a push of a new branch brings.
    pub not_remotes: bool,
}

fn is_zero_oid(s: &str) -> bool {
    !s.is_empty() && s.len() >= 7 && s.bytes().all(|b| b == b'0')
}

impl RangeSpec {
    /// Parses the command line's range: `BASE..HEAD`, `BASE...HEAD` (from the
    /// merge base), or one revision (it and everything behind it). An all-zero
    /// base (`CI_COMMIT_BEFORE_SHA` of a new branch, a pre-push of a new ref)
    /// means "no base": the whole history of the head is read.
    pub fn parse(spec: &str) -> Result<RangeSpec, GitError> {
        let spec = spec.trim();
        let bad = |message: &str| GitError::BadRange {
            spec: spec.to_string(),
            message: message.to_string(),
        };
        if spec.is_empty() {
            return Err(bad("empty; expected BASE..HEAD, BASE...HEAD or a revision"));
        }
        if let Some((a, b)) = spec.split_once("...") {
            if a.is_empty() || b.is_empty() {
                return Err(bad(
                    "both sides of `...` are needed (is a CI variable empty?)",
                ));
            }
            return Ok(RangeSpec {
                include: vec![b.to_string()],
                exclude: if is_zero_oid(a) {
                    vec![]
                } else {
                    vec![format!("merge-base:{a}:{b}")]
                },
                not_remotes: false,
            });
        }
        if let Some((a, b)) = spec.split_once("..") {
            if a.is_empty() || b.is_empty() {
                return Err(bad(
                    "both sides of `..` are needed (is a CI variable such as CI_MERGE_REQUEST_DIFF_BASE_SHA empty?)",
                ));
            }
            return Ok(RangeSpec {
                include: vec![b.to_string()],
                exclude: if is_zero_oid(a) {
                    vec![]
                } else {
                    vec![a.to_string()]
                },
                not_remotes: false,
            });
        }
        Ok(RangeSpec {
            include: vec![spec.to_string()],
            exclude: vec![],
            not_remotes: false,
        })
    }

    /// `--since REF`: the commits of `HEAD` that `REF` does not hold.
    pub fn since(reference: &str) -> RangeSpec {
        RangeSpec {
            include: vec!["HEAD".into()],
            exclude: vec![reference.to_string()],
            not_remotes: false,
        }
    }

    /// `history`: every commit reachable from `HEAD`.
    pub fn history() -> RangeSpec {
        RangeSpec {
            include: vec!["HEAD".into()],
            exclude: vec![],
            not_remotes: false,
        }
    }
}

fn resolve(repo: &Repository, rev: &str) -> Result<Oid, GitError> {
    let obj = repo
        .revparse_single(rev)
        .map_err(|e| GitError::UnknownRevision {
            rev: rev.to_string(),
            message: e.message().to_string(),
        })?;
    let commit = obj
        .peel_to_commit()
        .map_err(|e| GitError::UnknownRevision {
            rev: rev.to_string(),
            message: e.message().to_string(),
        })?;
    Ok(commit.id())
}

/// Scans every commit of a range; each hit carries the commit that introduced it.
/// Commits are read oldest first.
pub fn scan_commits(
    repo: &Repository,
    engine: &Engine,
    range: &RangeSpec,
    opts: &ScanOptions,
) -> Result<Scan, GitError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for inc in &range.include {
        walk.push(resolve(repo, inc)?)?;
    }
    for exc in &range.exclude {
        if let Some(rest) = exc.strip_prefix("merge-base:") {
            let (a, b) = rest.split_once(':').unwrap_or((rest, "HEAD"));
            let (a, b) = (resolve(repo, a)?, resolve(repo, b)?);
            match repo.merge_base(a, b) {
                Ok(base) => walk.hide(base)?,
                Err(e) if e.code() == ErrorCode::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        } else {
            walk.hide(resolve(repo, exc)?)?;
        }
    }
    if range.not_remotes {
        for r in repo.references_glob("refs/remotes/*")? {
            let r = r?;
            if let Ok(c) = r.peel_to_commit() {
                walk.hide(c.id())?;
            }
        }
    }
    let mut scan = Scan::default();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        let id = oid.to_string();
        let tree = commit.tree()?;
        scan.commits_scanned += 1;
        let parents: Vec<_> = commit.parents().collect();
        let first_tree = match parents.first() {
            Some(p) => Some(p.tree()?),
            None => None,
        };
        let mut dopts = diff_options(&[]);
        let mut diff =
            repo.diff_tree_to_tree(first_tree.as_ref(), Some(&tree), Some(&mut dopts))?;
        find_renames(&mut diff)?;
        if parents.len() <= 1 {
            added_lines(
                repo,
                &diff,
                opts,
                Some(&id),
                engine,
                &mut scan,
                |adds, scan| scan_adds(engine, &adds, Some(&id), scan),
            )?;
            continue;
        }
        // A merge: collect what it added against the first parent, then keep only
        // the lines it also added against every other parent.
        let mut per_file: Vec<FileAdds> = Vec::new();
        added_lines(
            repo,
            &diff,
            opts,
            Some(&id),
            engine,
            &mut scan,
            |adds, _| per_file.push(adds),
        )?;
        if per_file.is_empty() {
            continue;
        }
        let paths: Vec<String> = per_file.iter().map(|f| f.path.clone()).collect();
        for p in &parents[1..] {
            let ptree = p.tree()?;
            let mut dopts = diff_options(&paths);
            let mut d = repo.diff_tree_to_tree(Some(&ptree), Some(&tree), Some(&mut dopts))?;
            find_renames(&mut d)?;
            let mut added: HashSet<(String, Vec<u8>)> = HashSet::new();
            let mut throwaway = Scan::default();
            added_lines(
                repo,
                &d,
                opts,
                Some(&id),
                engine,
                &mut throwaway,
                |adds, _| {
                    for (_, l) in adds.lines {
                        added.insert((adds.path.clone(), l));
                    }
                },
            )?;
            for f in &mut per_file {
                f.lines
                    .retain(|(_, l)| added.contains(&(f.path.clone(), l.clone())));
            }
        }
        for f in per_file.iter().filter(|f| !f.lines.is_empty()) {
            scan_adds(engine, f, Some(&id), &mut scan);
        }
    }
    Ok(scan)
}

/// Which git hook [`install_hook`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookType {
    /// `pre-commit`: runs `secgate-secrets staged`.
    PreCommit,
    /// `pre-push`: runs `secgate-secrets range` on what each pushed ref brings.
    PrePush,
}

impl HookType {
    /// The hook's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            HookType::PreCommit => "pre-commit",
            HookType::PrePush => "pre-push",
        }
    }
}

/// The line that marks a hook as ours (so that re-installing is idempotent and
/// a foreign hook is never overwritten silently).
pub const HOOK_MARKER: &str = "# secgate-secrets hook: managed by `secgate-secrets install`";

/// What [`install_hook`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    /// A new hook was written.
    Installed(PathBuf),
    /// Our hook was there already; it was rewritten (idempotent).
    Updated(PathBuf),
    /// A foreign hook was replaced (with `--force`); the old one was kept as `<hook>.secgate-backup`.
    Replaced {
        /// The hook.
        path: PathBuf,
        /// Where the previous hook was saved.
        backup: PathBuf,
    },
}

/// The text of the hook script. `exe` is the binary to run when
/// `secgate-secrets` is not on `PATH` (GUI git clients often have a short `PATH`).
pub fn hook_script(kind: HookType, exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', "'\\''");
    let find = format!(
        "bin=secgate-secrets\nif ! command -v \"$bin\" >/dev/null 2>&1; then bin='{exe}'; fi\n"
    );
    match kind {
        HookType::PreCommit => format!(
            "#!/bin/sh\n{HOOK_MARKER}\n# Stops commits that add a credential. Bypass once (not recommended): git commit --no-verify\n{find}exec \"$bin\" staged\n"
        ),
        HookType::PrePush => format!(
            "#!/bin/sh\n{HOOK_MARKER}\n# Stops pushes that bring a credential. Bypass once (not recommended): git push --no-verify\n{find}status=0\nwhile read -r local_ref local_sha remote_ref remote_sha; do\n  case \"$local_sha\" in *[!0]*) ;; *) continue ;; esac\n  if echo \"$remote_sha\" | grep -q '[^0]' && git cat-file -e \"$remote_sha^{{commit}}\" 2>/dev/null; then\n    \"$bin\" range \"$remote_sha..$local_sha\" || status=$?\n  else\n    \"$bin\" range --not-remotes \"$local_sha\" || status=$?\n  fi\ndone\nexit $status\n"
        ),
    }
}

/// Where the hooks of `repo` live: `core.hooksPath` when set (relative to the
/// working directory), else `<common git dir>/hooks`.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf, GitError> {
    let cfg = repo.config()?;
    if let Ok(p) = cfg.get_path("core.hooksPath") {
        return Ok(if p.is_absolute() {
            p
        } else {
            repo_root(repo).join(p)
        });
    }
    Ok(repo.commondir().join("hooks"))
}

/// Writes the hook. Refuses to replace a hook that is not ours unless `force`
/// (the foreign hook is then kept as `<hook>.secgate-backup`).
pub fn install_hook(
    repo: &Repository,
    kind: HookType,
    force: bool,
    exe: &Path,
) -> Result<InstallOutcome, GitError> {
    let dir = hooks_dir(repo)?;
    let io = |path: &Path, e: std::io::Error| GitError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let path = dir.join(kind.file_name());
    let script = hook_script(kind, exe);
    let outcome = match std::fs::read(&path) {
        Ok(existing) => {
            let ours = String::from_utf8_lossy(&existing).contains(HOOK_MARKER);
            if ours {
                InstallOutcome::Updated(path.clone())
            } else if force {
                let backup = dir.join(format!("{}.secgate-backup", kind.file_name()));
                std::fs::write(&backup, &existing).map_err(|e| io(&backup, e))?;
                InstallOutcome::Replaced {
                    path: path.clone(),
                    backup,
                }
            } else {
                return Err(GitError::ForeignHook {
                    path: path.display().to_string(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            InstallOutcome::Installed(path.clone())
        }
        Err(e) => return Err(io(&path, e)),
    };
    std::fs::write(&path, script).map_err(|e| io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| io(&path, e))?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_forms() {
        let r = RangeSpec::parse("a1b2..c3d4").unwrap();
        assert_eq!(r.include, vec!["c3d4"]);
        assert_eq!(r.exclude, vec!["a1b2"]);
        let r = RangeSpec::parse("0000000000000000000000000000000000000000..c3d4").unwrap();
        assert!(r.exclude.is_empty(), "a zero base means the whole history");
        let r = RangeSpec::parse("main...topic").unwrap();
        assert_eq!(r.exclude, vec!["merge-base:main:topic"]);
        assert!(matches!(
            RangeSpec::parse("..c3d4"),
            Err(GitError::BadRange { .. })
        ));
        assert!(matches!(
            RangeSpec::parse(" "),
            Err(GitError::BadRange { .. })
        ));
        let r = RangeSpec::parse("v1.0").unwrap();
        assert_eq!(r.include, vec!["v1.0"]);
        assert!(r.exclude.is_empty());
    }

    #[test]
    fn hook_scripts_carry_the_marker_and_the_mode() {
        let pc = hook_script(HookType::PreCommit, Path::new("/opt/it's/secgate-secrets"));
        assert!(pc.starts_with("#!/bin/sh\n"));
        assert!(pc.contains(HOOK_MARKER));
        assert!(pc.contains("exec \"$bin\" staged"));
        assert!(pc.contains("'/opt/it'\\''s/secgate-secrets'"));
        let pp = hook_script(HookType::PrePush, Path::new("/x"));
        assert!(pp.contains("range \"$remote_sha..$local_sha\""));
        assert!(pp.contains("--not-remotes"));
    }
}
