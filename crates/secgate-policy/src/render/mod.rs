//! Renderers of findings and verdicts.
