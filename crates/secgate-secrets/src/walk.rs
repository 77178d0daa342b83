//! Scanning files on disk: the `files PATH...` and `dir PATH` modes.
//!
//! Files are read one at a time into one reused buffer (or, from
//! [`MMAP_MIN`] bytes up, memory-mapped and unmapped after the scan) and
//! scanned whole, so memory stays flat however large the tree is (the largest
//! buffer is the largest file scanned, which [`ScanOptions::max_file_size`]
//! bounds).
//!
//! What is skipped is always said, never silently dropped:
//! - binary files (a NUL byte in the first 8000 bytes, git's own test);
//! - files over [`ScanOptions::max_file_size`];
//! - files whose path the configuration allowlists (counted apart: that is a
//!   decision of the user, not a gap in the scan);
//! - symbolic links (never followed: the target is scanned where it lies, if
//!   it is in the tree).
//!
//! ## Which files the `dir` mode reads
//! `dir PATH` walks the directory recursively, hidden files included (`.env`,
//! `.npmrc` and `.docker/config.json` are where credentials live), never
//! descending into `.git`. By default it honours `.gitignore`, `.git/info/exclude`
//! and the global git excludes, like `git add` does: the hook's job is to keep
//! secrets out of the repository, and an ignored file never reaches it (a
//! local `.env` full of real credentials is exactly what should be ignored, not
//! reported). [`WalkOptions::no_ignore`] (`--no-ignore`) scans everything, as
//! for a build context or an artifact directory that git does not govern.
//!
//! ## Never a pass on zero bytes scanned
//! When files were given and not one of them could be scanned (all binary,
//! oversized or unreadable), [`Scan::nothing_scanned`] is true and the binary
//! exits 2: a hook that was handed files and read none of them has not checked
//! anything (gitleaks#1409).

use crate::{Engine, Hit};
use serde::Serialize;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The default limit of one file's size: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Files from this size up are memory-mapped instead of read: no copy out
/// of the page cache. Measured on 414 MB of source text (`dir`, one core,
/// median of 6): read only 1.39 s; mapped from 8 KiB 1.30 s, from 32 KiB 1.06 s,
/// from 128 KiB 1.06 s (below a few pages, mapping costs more than copying).
pub const MMAP_MIN: u64 = 64 * 1024;

/// How many leading bytes are checked for a NUL byte to call a file binary (git's value).
pub const BINARY_SNIFF_LEN: usize = 8000;

/// Options shared by every scan mode.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this are skipped, and said so.
    pub max_file_size: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Options of the `dir` mode.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Scan files that `.gitignore` and git's excludes ignore too.
    pub no_ignore: bool,
}

/// Why a file was not scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// It holds a NUL byte in its first 8000 bytes.
    Binary,
    /// It is larger than the limit.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// It is a symbolic link, a socket, a device or another non-regular file.
    NotAFile,
    /// It is a git submodule (its own repository is scanned on its own).
    Submodule,
    /// Reading it failed.
    Unreadable {
        /// The operating system's message.
        error: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Binary => f.write_str("binary file"),
            SkipReason::TooLarge { size, limit } => write!(
                f,
                "{size} bytes, over the {limit}-byte limit (raise it with --max-file-size)"
            ),
            SkipReason::NotAFile => f.write_str("not a regular file"),
            SkipReason::Submodule => f.write_str("git submodule (scan it in its own repository)"),
            SkipReason::Unreadable { error } => write!(f, "unreadable: {error}"),
        }
    }
}

/// One file that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The path as given or walked (`/`-separated).
    pub path: String,
    /// The commit, in the git history modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// The result of one scan, in any mode.
#[derive(Debug, Default)]
pub struct Scan {
    /// The secrets found, in the order scanned.
    pub hits: Vec<Hit>,
    /// Files (or blobs) that were not scanned, and why.
    pub skipped: Vec<Skipped>,
    /// Files (or blobs) scanned.
    pub files_scanned: u64,
    /// Bytes scanned (whole files in the file modes, added lines in the git modes).
    pub bytes_scanned: u64,
    /// Files left out because the configuration allowlists their path.
    pub allowlisted: u64,
    /// Commits read (git history modes only).
    pub commits_scanned: u64,
    /// Whether files were given on the command line (the `files` and `dir` modes).
    pub files_given: bool,
}

impl Scan {
    /// True when files were given but none could be scanned for a reason other
    /// than the user's own allowlist: the run checked nothing and must not pass.
    pub fn nothing_scanned(&self) -> bool {
        self.files_given && self.files_scanned == 0 && !self.skipped.is_empty()
    }

    /// Folds another scan into this one.
    pub fn merge(&mut self, other: Scan) {
        self.hits.extend(other.hits);
        self.skipped.extend(other.skipped);
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.allowlisted += other.allowlisted;
        self.commits_scanned += other.commits_scanned;
        self.files_given |= other.files_given;
    }
}

/// An error that stops a file-mode scan (as opposed to one file being skipped).
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A path given on the command line does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: String,
    },
    /// `files` was given a directory, or `dir` a file.
    #[error("{path}: {message}")]
    WrongKind {
        /// The path as given.
        path: String,
        /// What to do instead.
        message: String,
    },
    /// Walking a directory failed (permissions, a loop...).
    #[error("{path}: {message}")]
    Walk {
        /// Where.
        path: String,
        /// The walker's message.
        message: String,
    },
}

/// Whether bytes look binary: a NUL in the first [`BINARY_SNIFF_LEN`] bytes.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let n = bytes.len().min(BINARY_SNIFF_LEN);
    memchr_nul(&bytes[..n])
}

fn memchr_nul(b: &[u8]) -> bool {
    b.contains(&0)
}

/// A path for display and reports: `/`-separated, without a leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

/// Scans one regular file into `scan`, reusing `buf`.
fn scan_one(engine: &Engine, path: &Path, opts: &ScanOptions, buf: &mut Vec<u8>, scan: &mut Scan) {
    let shown = display_path(path);
    if engine.is_path_allowed(&shown) {
        scan.allowlisted += 1;
        return;
    }
    let skip = |scan: &mut Scan, reason| {
        scan.skipped.push(Skipped {
            path: shown.clone(),
            commit: None,
            reason,
        })
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return skip(scan, SkipReason::Unreadable { error: io_msg(&e) }),
    };
    let size = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return skip(scan, SkipReason::Unreadable { error: io_msg(&e) }),
    };
    let too_large = |size| SkipReason::TooLarge {
        size,
        limit: opts.max_file_size,
    };
    if size > opts.max_file_size {
        return skip(scan, too_large(size));
    }
    // SAFETY: the map is only read. Another process may change the file
    // while it is mapped: the scan then sees some mix of old and new bytes
    // (as a read racing a write would), and if the file is truncated the read
    // past its new end raises SIGBUS and the process dies of it, which fails
    // the hook (it never passes). ripgrep takes the same risk. A file system
    // that cannot map files is read instead.
    let mapped = (size >= MMAP_MIN)
        .then(|| unsafe { memmap2::Mmap::map(&file) }.ok())
        .flatten();
    let content: &[u8] = match &mapped {
        Some(map) => map,
        None => match read_whole(&file, size, opts.max_file_size, buf) {
            Ok(n) => &buf[..n],
            Err(e) => return skip(scan, SkipReason::Unreadable { error: io_msg(&e) }),
        },
    };
    // The size check above, again: the file may have changed since.
    if content.len() as u64 > opts.max_file_size {
        return skip(scan, too_large(content.len() as u64));
    }
    if looks_binary(content) {
        return skip(scan, SkipReason::Binary);
    }
    scan.files_scanned += 1;
    scan.bytes_scanned += content.len() as u64;
    scan.hits.extend(engine.scan(&shown, content));
}

/// Reads a file that measured `size` bytes into `buf[..n]`, at most
/// `limit + 1` bytes (a file that grows while it is read stays bounded), and
/// returns `n`. `buf` keeps its length between files (only growth is zeroed).
///
/// Usually one `read` call: asked for more than `size` bytes, a read that
/// returns exactly `size` has met the end of the file (a regular file only
/// reads short at its end). A file that changed since it was measured is read
/// on to its end.
fn read_whole(file: &File, size: u64, limit: u64, buf: &mut Vec<u8>) -> io::Result<usize> {
    let cap = limit.saturating_add(1);
    let want = size.min(limit).saturating_add(1) as usize;
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut n = 0usize;
    loop {
        if n as u64 >= cap {
            return Ok(n);
        }
        if n == buf.len() {
            let grow = (n.saturating_mul(2).max(n + 4096) as u64).min(cap) as usize;
            buf.resize(grow, 0);
        }
        let end = (buf.len() as u64).min(cap) as usize;
        match (&*file).read(&mut buf[n..end]) {
            Ok(0) => return Ok(n),
            Ok(k) => {
                n += k;
                if n as u64 == size && n < end {
                    return Ok(n);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn io_msg(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// `files PATH...`: scans each path whole. A directory among the paths is walked
/// as by [`scan_dir`] (pre-commit never passes one, a person might).
///
/// A path that does not exist is an error (a typo must not pass). Unreadable,
/// binary and oversized files are skipped and listed in [`Scan::skipped`].
pub fn scan_files<P: AsRef<Path>>(
    engine: &Engine,
    paths: &[P],
    opts: &ScanOptions,
    walk: &WalkOptions,
) -> Result<Scan, WalkError> {
    let mut scan = Scan {
        files_given: true,
        ..Scan::default()
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    for p in paths {
        let path = p.as_ref();
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(WalkError::NotFound {
                    path: display_path(path),
                })
            }
            Err(e) => {
                scan.skipped.push(Skipped {
                    path: display_path(path),
                    commit: None,
                    reason: SkipReason::Unreadable { error: io_msg(&e) },
                });
                continue;
            }
        };
        if meta.is_dir() {
            let sub = walk_dir(engine, path, opts, walk, &mut buf)?;
            scan.merge(sub);
        } else if meta.is_file() {
            scan_one(engine, path, opts, &mut buf, &mut scan);
        } else if meta.file_type().is_symlink() {
            // pre-commit passes symlinks as files; scan what they point to when it is
            // a regular file, so that a link into the tree is not a blind spot.
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => scan_one(engine, path, opts, &mut buf, &mut scan),
                _ => scan.skipped.push(Skipped {
                    path: display_path(path),
                    commit: None,
                    reason: SkipReason::NotAFile,
                }),
            }
        } else {
            scan.skipped.push(Skipped {
                path: display_path(path),
                commit: None,
                reason: SkipReason::NotAFile,
            });
        }
    }
    Ok(scan)
}

/// `dir PATH`: walks a directory (see the module documentation for what is read).
pub fn scan_dir(
    engine: &Engine,
    root: &Path,
    opts: &ScanOptions,
    walk: &WalkOptions,
) -> Result<Scan, WalkError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(WalkError::WrongKind {
                path: display_path(root),
                message: "not a directory; use `secgate-secrets files` for files".into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(WalkError::NotFound {
                path: display_path(root),
            })
        }
        Err(e) => {
            return Err(WalkError::Walk {
                path: display_path(root),
                message: io_msg(&e),
            })
        }
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut scan = walk_dir(engine, root, opts, walk, &mut buf)?;
    scan.files_given = true;
    Ok(scan)
}

fn walk_dir(
    engine: &Engine,
    root: &Path,
    opts: &ScanOptions,
    walk: &WalkOptions,
    buf: &mut Vec<u8>,
) -> Result<Scan, WalkError> {
    let mut scan = Scan {
        files_given: true,
        ..Scan::default()
    };
    let use_ignore = !walk.no_ignore;
    let walker = ::ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(use_ignore)
        .ignore(false)
        .git_ignore(use_ignore)
        .git_global(use_ignore)
        .git_exclude(use_ignore)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A directory we cannot read is a gap in the scan: say so.
                let path = match &e {
                    ::ignore::Error::WithPath { path, .. } => display_path(path),
                    _ => display_path(root),
                };
                scan.skipped.push(Skipped {
                    path,
                    commit: None,
                    reason: SkipReason::Unreadable {
                        error: e.to_string(),
                    },
                });
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        if ft.is_file() {
            scan_one(engine, entry.path(), opts, buf, &mut scan);
        } else if ft.is_symlink() {
            // Not followed: the target is scanned where it lies if it is in the tree.
            continue;
        } else {
            scan.skipped.push(Skipped {
                path: display_path(entry.path()),
                commit: None,
                reason: SkipReason::NotAFile,
            });
        }
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_sniff_looks_at_the_first_8000_bytes_only() {
        assert!(looks_binary(b"abc\0def"));
        assert!(!looks_binary(b"plain text\n"));
        let mut late = vec![b'a'; BINARY_SNIFF_LEN];
        late.push(0);
        assert!(!looks_binary(&late));
    }

    /// Read files (under [`MMAP_MIN`]) and mapped ones alike: a binary file
    /// is skipped, a text file is scanned whole (its last line included), and
    /// the size limit holds.
    #[test]
    fn read_and_mapped_files_are_scanned_whole_or_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let token = crate::rules::sample::expand("{gh:ghp_}", 5);
        let engine = Engine::builtin();
        for lines in [5000usize, 20_000] {
            let mut text = "x = 1\n".repeat(lines).into_bytes();
            text.extend_from_slice(format!("TOKEN={token}\n").as_bytes());
            let mut bin = vec![b'a'; text.len()];
            bin[100] = 0;
            bin.extend_from_slice(format!("TOKEN={token}\n").as_bytes());
            let (t, b, s) = (
                dir.path().join("t.txt"),
                dir.path().join("b.bin"),
                dir.path().join("short.txt"),
            );
            std::fs::write(&t, &text).unwrap();
            std::fs::write(&b, &bin).unwrap();
            std::fs::write(&s, format!("TOKEN={token}").as_bytes()).unwrap();
            assert_eq!(text.len() as u64 >= MMAP_MIN, lines == 20_000);
            let scan = scan_files(
                &engine,
                &[&t, &b, &s],
                &ScanOptions::default(),
                &WalkOptions::default(),
            )
            .unwrap();
            assert_eq!(scan.files_scanned, 2, "{lines}");
            assert_eq!(scan.bytes_scanned, text.len() as u64 + 46);
            let found: Vec<u32> = scan.hits.iter().map(|h| h.line).collect();
            assert_eq!(found, vec![lines as u32 + 1, 1]);
            assert_eq!(scan.skipped.len(), 1);
            assert_eq!(scan.skipped[0].reason, SkipReason::Binary);
            let small = ScanOptions {
                max_file_size: 9000,
            };
            let scan = scan_files(&engine, &[&t], &small, &WalkOptions::default()).unwrap();
            assert!(matches!(
                scan.skipped[0].reason,
                SkipReason::TooLarge { .. }
            ));
            assert!(scan.hits.is_empty());
        }
    }

    /// One read when the measured size holds; a file that grew or shrank
    /// since it was measured is read to its end; never past the limit.
    #[test]
    fn read_whole_reads_to_the_end_and_never_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let read = |size: u64, limit: u64, buf: &mut Vec<u8>| {
            let f = File::open(&p).unwrap();
            let n = read_whole(&f, size, limit, buf).unwrap();
            buf[..n].to_vec()
        };
        let mut buf = Vec::new();
        // Measured right; a stale size either way; a reused, larger buffer.
        for size in [10_000, 100, 0, 50_000, 10_000] {
            assert_eq!(read(size, 1 << 20, &mut buf), data, "size {size}");
        }
        // Exactly at the limit, and one byte over it (the caller's test).
        assert_eq!(read(10_000, 10_000, &mut Vec::new()), data);
        assert_eq!(read(10_000, 9_999, &mut Vec::new()).len(), 10_000);
        assert_eq!(read(10, 5_000, &mut Vec::new()).len(), 5_001);
        std::fs::write(&p, b"").unwrap();
        assert!(read(0, 100, &mut buf).is_empty());
    }

    #[test]
    fn display_path_drops_dot_slash() {
        assert_eq!(display_path(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(display_path(Path::new("a/b.txt")), "a/b.txt");
        assert_eq!(display_path(Path::new("./")), "./");
    }

    #[test]
    fn nothing_scanned_only_when_files_were_skipped() {
        let mut s = Scan {
            files_given: true,
            ..Scan::default()
        };
        assert!(!s.nothing_scanned(), "no files at all is not a skip");
        s.skipped.push(Skipped {
            path: "a.png".into(),
            commit: None,
            reason: SkipReason::Binary,
        });
        assert!(s.nothing_scanned());
        s.files_scanned = 1;
        assert!(!s.nothing_scanned());
    }
}
