//! Stage timings for profiling a run: with `SECGATE_TIMINGS=1`, each stage's
//! wall time goes to stderr (`secgate timing: <stage> <ms> ms`). Off by
//! default; never part of an output.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `SECGATE_TIMINGS` is set to something other than empty or `0`.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var_os("SECGATE_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0")
    })
}

/// A running stage.
pub struct Timer(Option<Instant>);

impl Timer {
    /// Starts timing (a no-op unless [`enabled`]).
    pub fn start() -> Timer {
        Timer(enabled().then(Instant::now))
    }

    /// Prints the stage's time and starts the next one.
    pub fn lap(&mut self, stage: &str) {
        if let Some(t) = self.0 {
            report(stage, t);
            self.0 = Some(Instant::now());
        }
    }

    /// Prints the stage's time.
    pub fn done(self, stage: &str) {
        if let Some(t) = self.0 {
            report(stage, t);
        }
    }
}

fn report(stage: &str, since: Instant) {
    eprintln!(
        "secgate timing: {stage:<24} {:>9.1} ms",
        since.elapsed().as_secs_f64() * 1e3
    );
}
