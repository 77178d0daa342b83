#!/usr/bin/env bash
# Instructions executed per output, counted by valgrind (callgrind): unlike
# CPU time, the count does not depend on the load of a shared machine, so two
# builds compare exactly (run by hand; not a test).
#
#   bench/gate/instructions.sh [FINDINGS] [BIN...]     (default: 5000, the build)
#
# For each BIN: `secgate check` over a FINDINGS-finding Trivy report
# (bench/gen-trivy.py) with the text summary only (base), then each file
# output alone; prints instructions in millions, and each output's above base.
# About 5 s per run at 5000 findings.
set -euo pipefail
N=${1:-5000}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${BENCH_DIR:-$ROOT/target/bench-gate}
mkdir -p "$W/ir"
cd "$ROOT"
BINS=("$@")
if [ ${#BINS[@]} -eq 0 ]; then
  cargo build --release -p secgate-cli --bin secgate -q
  BINS=("${CARGO_TARGET_DIR:-$ROOT/target}/release/secgate")
fi
REPORT=$W/trivy-$N.json
[ -s "$REPORT" ] || python3 bench/gen-trivy.py --findings "$N" --output "$REPORT"
printf 'fail_on: high\n' > "$W/empty-policy.yml"
export SECGATE_TODAY=2026-06-01 SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1780000000}
ir() { # bin, args...
  local bin=$1; shift
  (cd "$W/ir" && valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin" check --policy "$W/empty-policy.yml" "$REPORT" "$@" 2>&1 >/dev/null || true) |
    awk '/Collected :/ {print $4}'
}
printf '%-40s %-13s %10s %12s\n' binary output "Minstr" "above base"
for bin in "${BINS[@]}"; do
  base=$(ir "$bin")
  printf '%-40s %-13s %10.1f %12s\n' "$bin" base "$(echo "$base / 1000000" | bc -l)" -
  for o in json=secgate.json sarif=secgate.sarif gitlab=gitlab junit=junit.xml code-quality=cq.json; do
    n=$(ir "$bin" -o "$o")
    printf '%-40s %-13s %10.1f %12.1f\n' "$bin" "${o%%=*}" "$(echo "$n / 1000000" | bc -l)" "$(echo "($n - $base) / 1000000" | bc -l)"
  done
done
