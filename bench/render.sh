#!/bin/sh
# Benchmark of the report gate's renderers: every output of `secgate check`
# over a 100k-finding Trivy report, with the streaming writers the CLI uses.
#
#   bench/render.sh [FINDINGS]        (default 100000)
#
# Prints the time and size of each output, then the whole run's wall time,
# CPU time and peak RSS (GNU time). Figures are recorded in docs/outputs.md.
set -eu
cd "$(dirname "$0")/.."
n="${1:-100000}"
work="${TMPDIR:-/tmp}/secgate-render-bench"
mkdir -p "$work"
report="$work/trivy-$n.json"
[ -f "$report" ] || python3 bench/gen-trivy.py --findings "$n" --output "$report"
cargo build --release -q -p secgate-policy --example render_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples/render_bench"
if command -v /usr/bin/time >/dev/null 2>&1; then
  /usr/bin/time -f "whole run: %e s wall, %U s user, %S s sys, peak RSS %M KB" "$bin" "$report" "$work/out"
else
  "$bin" "$report" "$work/out"
fi
