#!/usr/bin/env bash
# CPU time of each output alone (run by hand; not a test).
#
#   bench/gate/per-output.sh [FINDINGS]      (default: 100000)
#
# Runs `secgate check` over the FINDINGS-finding Trivy report of run.sh (no
# policy, no baseline) with the text summary only (base), then with each
# file output alone, and prints each one's mean user and wall time and its
# user time above base. Same environment as run.sh (BENCH_DIR, SECGATE_BIN,
# CARGO_TARGET_DIR, RUNS); run run.sh once first to generate the report.
set -euo pipefail
N=${1:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${BENCH_DIR:-$ROOT/target/bench-gate}
cd "$ROOT"
if [ -n "${SECGATE_BIN:-}" ]; then
  BIN=$SECGATE_BIN
else
  cargo build --release -p secgate-cli --bin secgate -q
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/secgate
fi
REPORT=$W/trivy-$N.json
[ -s "$REPORT" ] || { echo "no $REPORT: run bench/gate/run.sh $N first" >&2; exit 2; }
[ -s "$W/empty-policy.yml" ] || printf 'fail_on: high\n' > "$W/empty-policy.yml"
export SECGATE_TODAY=2026-06-01 SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1780000000}
mkdir -p "$W/one"
args=(-w 1 -r "${RUNS:-3}" -N -i --export-json "$W/per-output.json"
  -n base "$BIN check --policy $W/empty-policy.yml $REPORT")
for o in json=secgate.json sarif=secgate.sarif gitlab=gitlab junit=junit.xml code-quality=cq.json; do
  args+=(-n "${o%%=*}" "$BIN check --policy $W/empty-policy.yml $REPORT -o $o")
done
(cd "$W/one" && hyperfine "${args[@]}" >/dev/null)
echo "secgate check over $N findings, one output each, load $(cut -d' ' -f1-3 /proc/loadavg), ${RUNS:-3} runs"
python3 - "$W/per-output.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["base"]["user"]
print("%-14s %8s %8s %12s" % ("output", "user s", "wall s", "user - base"))
for name, x in r.items():
    print("%-14s %8.2f %8.2f %12.2f" % (name, x["user"], x["mean"], x["user"] - base))
PY
