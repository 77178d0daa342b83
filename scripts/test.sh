#!/usr/bin/env bash
# The README's test command: formatting, lints, docs, every binary, every test.
# Needs what .ci/run installs and starts (the local registries, gitlab-ci-local, pre-commit in SECGATE_PRE_COMMIT);
# on a fresh machine run `bash .ci/run` instead, which installs them and then runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
export SECGATE_CORPUS=${SECGATE_CORPUS:-$(cd .. && pwd)/shared/corpus}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
step() { printf '\n==> %s\n' "$*"; }
step "cargo fmt --check";  cargo fmt --all -- --check
step "cargo clippy";       cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo doc";          RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q
step "cargo build (bins, examples)"; cargo build --workspace --bins --examples --locked
step "cargo test";         cargo test --workspace --locked --no-fail-fast
