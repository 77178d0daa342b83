//! # secgate-core
//!
//! The finding model shared by every part of secgate: [`Finding`], [`Severity`],
//! [`Confidence`], [`Identifier`], [`Location`], [`Fingerprint`] and [`Report`].
//! This crate does no I/O and prints nothing; parsers live in `secgate-reports`,
//! the policy engine and renderers in `secgate-policy`.
//!
//! ```
//! use secgate_core::{fingerprint, Category, Finding, Identifier, Location, Package, Scanner, Severity};
//!
//! let mut finding = Finding::new(
//!     Scanner::named("Trivy"),
//!     Category::ContainerScanning,
//!     Severity::from_cvss(10.0),
//!     "log4j-core: remote code execution",
//!     Location::Container {
//!         image: "registry.example.com/app:1.0".into(),
//!         operating_system: None,
//!         package: Package { name: "log4j-core".into(), version: Some("2.14.1".into()), purl: None },
//!     },
//! );
//! finding.add_identifier("CVE-2021-44228".parse::<Identifier>()?);
//! let mut findings = vec![finding];
//! fingerprint::assign(&mut findings);
//! assert_eq!(findings[0].severity, Severity::Critical);
//! assert_eq!(findings[0].primary_id().as_deref(), Some("CVE-2021-44228"));
//! assert_eq!(findings[0].fingerprint.to_hex().len(), 64);
//! # Ok::<(), secgate_core::IdentifierError>(())
//! ```
#![deny(missing_docs)]

pub mod finding;
pub mod fingerprint;
pub mod identifier;
pub mod report;
pub mod severity;

pub use finding::{Category, Finding, Fix, FixStatus, IdPattern, Link, Location, Package, Scanner};
pub use fingerprint::{Fingerprint, SecretDigest, SecretDigestError};
pub use identifier::{Identifier, IdentifierError};
pub use report::{count_by_severity, Format, Report, ScanStatus};
pub use severity::{Confidence, Severity, UnknownLevel};
