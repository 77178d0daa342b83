#!/usr/bin/env bash
# The report gate benchmark (run by hand; not a test).
#
#   bench/gate/run.sh [FINDINGS] [EXCEPTIONS]      (defaults: 100000 1000)
#
# Compares the whole `secgate check` process over a FINDINGS-finding Trivy
# report (bench/gen-trivy.py)
#   base: no policy, no exceptions, no baseline, text summary only;
#   base+outputs: the same, writing every output;
#   full: a policy with EXCEPTIONS exceptions, a FINDINGS-finding baseline
#         (the gate's own JSON output) and new_only, writing every output.
# Target: full within 2x of base. Peak RSS from /usr/bin/time -v.
# Work files go to ${BENCH_DIR:-target/bench-gate}. The binary is built into
# ${CARGO_TARGET_DIR:-target}; SECGATE_BIN=path runs that binary instead (to
# compare two builds). The time written into the GitLab reports is pinned
# (SOURCE_DATE_EPOCH), so two builds' outputs compare byte for byte.
set -euo pipefail
N=${1:-100000}
E=${2:-1000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${BENCH_DIR:-$ROOT/target/bench-gate}
mkdir -p "$W"
cd "$ROOT"
if [ -n "${SECGATE_BIN:-}" ]; then
  BIN=$SECGATE_BIN
else
  cargo build --release -p secgate-cli --bin secgate -q
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/secgate
fi
REPORT=$W/trivy-$N.json
[ -s "$REPORT" ] || python3 bench/gen-trivy.py --findings "$N" --output "$REPORT"
printf 'fail_on: high\n' > "$W/empty-policy.yml"
export SECGATE_TODAY=2026-06-01 SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1780000000}
OUTS=(-o "text=$W/out/summary.txt" -o "json=$W/out/secgate.json" -o "code-quality=$W/out/cq.json" -o "junit=$W/out/junit.xml"
      -o "gitlab=$W/out/gitlab" -o "sarif=$W/out/secgate.sarif" -o "markdown=$W/out/summary.md" -o "dotenv=$W/out/secgate.env")
# The baseline: the gate's JSON output over the same report (every finding existing).
[ -s "$W/baseline.json" ] || { "$BIN" check --policy "$W/empty-policy.yml" "$REPORT" -o "json=$W/baseline.json" >/dev/null || true; }
python3 bench/gate/gen-policy.py --exceptions "$E" --report "$REPORT" --baseline "$W/baseline.json" --output "$W/policy-$E.yml"

run() { # name, args...
  local name=$1; shift
  /usr/bin/time -v "$BIN" check "$@" >/dev/null 2>"$W/$name.time" || true
  local rss wall
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$W/$name.time")
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$W/$name.time")
  printf '%-14s wall %-10s peak RSS %6d MiB\n' "$name" "$wall" $((rss / 1024))
}
echo "secgate check over $N findings ($(du -h "$REPORT" | cut -f1) report), $E exceptions, $(nproc) cores"
hyperfine -w 1 -r "${RUNS:-3}" -N --export-markdown "$W/hyperfine.md" \
  -n base "$BIN check --policy $W/empty-policy.yml $REPORT" \
  -n base+outputs "$BIN check --policy $W/empty-policy.yml $REPORT ${OUTS[*]}" \
  -n full "$BIN check --policy $W/policy-$E.yml --baseline $W/baseline.json $REPORT ${OUTS[*]}" -i
run base --policy "$W/empty-policy.yml" "$REPORT"
run base+outputs --policy "$W/empty-policy.yml" "$REPORT" "${OUTS[@]}"
run full --policy "$W/policy-$E.yml" --baseline "$W/baseline.json" "$REPORT" "${OUTS[@]}"
"$BIN" check --policy "$W/policy-$E.yml" --baseline "$W/baseline.json" "$REPORT" -o "dotenv=$W/full.env" >/dev/null || true
echo "full run counts:"; cat "$W/full.env"
