//! The walk shared by the evaluation examples: every regular file under a
//! directory, read whole, skipping files over 10 MiB and files with a NUL
//! byte in their first 8 KiB (binary).

use std::path::Path;

/// Calls `f` with the path and bytes of each text file under `dir`.
pub fn for_each(dir: &Path, f: &mut dyn FnMut(&Path, Vec<u8>)) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            for_each(&p, f);
        } else if ft.is_file() {
            if let Ok(b) = std::fs::read(&p) {
                if b.len() <= 10 << 20 && !b[..b.len().min(8192)].contains(&0) {
                    f(&p, b);
                }
            }
        }
    }
}
