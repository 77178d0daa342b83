//! Fuzzes the trivy parser: any bytes must give a report or an error, never a
//! panic, and a successful parse must carry fingerprints for every finding.
//! Seeded from the corpus folder(s) of this format (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secgate_reports::{parse_with, Format, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions {
        format_hint: Some(Format::TrivyJson),
        ..Default::default()
    };
    match parse_with(data, &opts) {
        Ok(report) => {
            for f in &report.findings {
                assert_ne!(f.fingerprint, secgate_core::Fingerprint::ZERO);
                // Describing the location must not panic either.
                let _ = f.location.describe();
            }
        }
        Err(e) => {
            let _ = e.located("fuzz.json", data).to_string();
        }
    }
});
