//! # secgate-cosign
//!
//! The image gate's library: an OCI registry client ([`registry`]), cosign
//! signatures of both generations (legacy `sha256-<hex>.sig` simple-signing
//! layers and cosign v3 Sigstore bundles stored as OCI 1.1 referrers), key
//! and keyless verification done offline against a Sigstore trusted root,
//! key-based signing ([`sign`]), and image references from Kubernetes, Helm
//! and GitLab CI files ([`manifests`]).
//!
//! Verification takes its constraints as values ([`verify::Policy`]) and
//! reports every unsatisfied one ([`verify::ImageReport`]). A registry error
//! is never read as "no signatures".
#![deny(missing_docs)]

pub mod auth;
pub mod bundle;
pub mod keyless;
pub mod keys;
pub mod manifests;
pub mod reference;
pub mod registry;
pub mod rekor;
pub mod sct;
pub mod sign;
pub mod simplesigning;
pub mod tlog;
pub mod trust;
pub mod tsa;
pub mod verify;
pub mod x509;

pub use reference::Reference;
pub use registry::{Registry, RegistryError, RegistryOptions};
pub use verify::{verify_image, verify_images, ImageReport, Policy, SignatureReport};
