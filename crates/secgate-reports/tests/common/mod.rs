//! Shared by the corpus tests of this crate.

use std::path::{Path, PathBuf};

/// The shared corpus: `SECGATE_CORPUS` (the test fails if it is set and
/// missing), else `../shared/corpus` beside the workspace (skipped, loudly,
/// when absent and the variable is unset).
pub fn corpus_dir() -> Option<PathBuf> {
    match std::env::var_os("SECGATE_CORPUS") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_dir(),
                "SECGATE_CORPUS is set to {} but that folder does not exist",
                p.display()
            );
            Some(p)
        }
        None => {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
            if p.is_dir() {
                Some(p)
            } else {
                eprintln!(
                    "corpus not found at {} and SECGATE_CORPUS unset: skipped",
                    p.display()
                );
                None
            }
        }
    }
}
