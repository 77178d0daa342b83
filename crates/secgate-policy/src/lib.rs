//! # secgate-policy
//!
//! The policy engine of the secgate report gate and the renderers of its outputs.
//!
//! ```
//! use secgate_policy::{engine, policy::{Date, Policy}};
//! let policy = Policy::parse("fail_on: medium\n", ".secgate.yml").unwrap();
//! let report = secgate_reports::parse(br#"{"SchemaVersion": 2, "ArtifactName": "alpine:3.10", "ArtifactType": "container_image",
//!   "Results": [{"Target": "alpine:3.10 (alpine 3.10.2)", "Class": "os-pkgs", "Type": "alpine",
//!     "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl",
//!       "InstalledVersion": "1.1.1c-r0", "FixedVersion": "1.1.1d-r0", "Severity": "MEDIUM"}]}]}"#).unwrap();
//! let opts = engine::EvalOptions { today: "2026-01-01".parse::<Date>().unwrap(), ..Default::default() };
//! let verdict = engine::evaluate(&policy, vec![report], &opts);
//! assert!(!verdict.passed);
//! assert!(verdict.findings[0].outcome.is_failure());
//! ```
#![deny(missing_docs)]

pub mod baseline;
pub mod engine;
pub mod policy;
pub mod render;
mod text;
pub mod verdict;

pub use baseline::{Baseline, BaselineError};
pub use engine::{evaluate, EvalOptions};
pub use policy::{Policy, PolicyError};
pub use verdict::{GateProblem, Judged, Outcome, Verdict};
