//! # secgate-policy
//!
//! The policy engine of the secgate report gate and the renderers of its outputs.
#![deny(missing_docs)]

pub mod policy;
pub mod render;
pub mod verdict;
