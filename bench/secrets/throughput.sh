#!/usr/bin/env bash
# Benchmark: files-mode throughput on >= 200 MB of real source text, one core,
# warm cache, side by side with ripgrep (one token pattern: the near-floor),
# detect-secrets and secretlint; and peak RSS as the tree grows.
#
#   bench/secrets/throughput.sh [TREE_DIR] [SUBSET_MB]
#
# Needs: hyperfine, ripgrep (apt), and optionally detect-secrets (pip) and
# secretlint + @secretlint/secretlint-rule-preset-recommend (npm); set
# DETECT_SECRETS=/path/to/detect-secrets and SECRETLINT_DIR=/dir/with/node_modules.
# The peers are slow: they run on a subset of SUBSET_MB megabytes (default 20)
# and their rate is reported per MB (no extrapolation is needed: MB/s is MB/s).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tree="${1:-/tmp/secgate-bench-tree}"
subset_mb="${2:-20}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin secgate-secrets
bin="${CARGO_TARGET_DIR:-$root/target}/release/secgate-secrets"

if [ ! -d "$tree" ]; then
  echo "assembling $tree from real source text..."
  mkdir -p "$tree"
  cp -r "$HOME/.cargo/registry/src" "$tree/cargo-registry" 2>/dev/null || true
  for d in /usr/include /usr/share/perl /usr/lib/python3.11; do
    [ -d "$d" ] && cp -r "$d" "$tree/$(echo "$d" | tr / _)" 2>/dev/null || true
  done
fi
find "$tree" -type l -delete
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$tree" -type f | wc -l)
echo "tree: $tree, $files files, $((bytes / 1048576)) MiB"

# The subset for the slow peers: the first files up to SUBSET_MB.
sub="$tree.subset-${subset_mb}mb"
if [ ! -d "$sub" ]; then
  mkdir -p "$sub"
  (cd "$tree" && find . -type f -name '*.py' -printf '%s %p\n' | sort -k2 |
    awk -v lim=$((subset_mb * 1048576)) 'full == 0 { if (s + $1 > lim) full = 1; else { s += $1; print $2 } }' |
    while read -r f; do mkdir -p "$sub/$(dirname "$f")"; cp "$f" "$sub/$f"; done)
fi
sub_bytes=$(find "$sub" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "subset: $sub, $((sub_bytes / 1048576)) MiB of Python"

# Warm the cache.
cat $(find "$tree" -type f | head -n 1000000) >/dev/null 2>&1 || true
"$bin" dir --no-ignore "$tree" --format json -o /tmp/secgate-bench.json >/dev/null 2>&1 || true
python3 -c 'import json; s=json.load(open("/tmp/secgate-bench.json"))["summary"]; print("secgate-secrets summary:", s)'
text_bytes=$(python3 -c 'import json; print(json.load(open("/tmp/secgate-bench.json"))["summary"]["bytes_scanned"])')
echo "load before the timed runs: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== full tree, one core (taskset -c 0) =="
hyperfine -i --warmup 1 --runs "${RUNS:-10}" -N \
  -n secgate-secrets-dir "taskset -c 0 $bin dir --no-ignore $tree --format json -o /dev/null" \
  -n ripgrep-1-token "taskset -c 0 rg -j1 -uuu -c ghp_[A-Za-z0-9]{36} $tree" \
  --export-json /tmp/secgate-bench-full.json
python3 - "$bytes" "$text_bytes" <<'PY'
import json, sys
b, t = int(sys.argv[1]), int(sys.argv[2])
print(f"MB/s over the tree ({b / 1e6:.1f} MB, binaries included) and over the text secgate-secrets scans ({t / 1e6:.1f} MB); mean and best run")
for r in json.load(open("/tmp/secgate-bench-full.json"))["results"]:
    best = min(r["times"])
    print(f"{r['command'][:60]:60s} mean {r['mean']*1000:8.1f} ms ({b / r['mean'] / 1e6:6.1f} / {t / r['mean'] / 1e6:6.1f} MB/s)  best {best*1000:8.1f} ms ({b / best / 1e6:6.1f} / {t / best / 1e6:6.1f} MB/s)")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== files mode through xargs (as pre-commit --all-files passes them) =="
/usr/bin/time -f "files mode: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
  sh -c "cd '$tree' && find . -type f -print0 | taskset -c 0 xargs -0 -n 4000 $bin files --format json -o /dev/null >/dev/null 2>&1 || true"

echo "== memory as the tree grows (peak RSS) =="
half="$tree/cargo-registry"
/usr/bin/time -f "part of tree ($half): peak RSS %M KiB" sh -c "$bin dir --no-ignore $half --format json -o /dev/null >/dev/null 2>&1 || true"
/usr/bin/time -f "whole tree: peak RSS %M KiB" sh -c "$bin dir --no-ignore $tree --format json -o /dev/null >/dev/null 2>&1 || true"

echo "== subset ($((sub_bytes / 1048576)) MiB), every tool =="
cmds=(-n secgate-secrets "taskset -c 0 $bin dir --no-ignore $sub --format json -o /dev/null"
      -n ripgrep-1-token "taskset -c 0 rg -j1 -uuu -c ghp_[A-Za-z0-9]{36} $sub")
if [ -n "${DETECT_SECRETS:-}" ]; then
  # detect-secrets only scans below its working directory (from elsewhere it
  # reports nothing, fast): run it in the subset.
  cmds+=(-n detect-secrets "sh -c 'cd $sub && taskset -c 0 $DETECT_SECRETS scan --all-files . >/dev/null'")
fi
if [ -n "${SECRETLINT_DIR:-}" ]; then
  printf '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}\n' > "$SECRETLINT_DIR/.secretlintrc.json"
  cmds+=(-n secretlint "sh -c 'cd $SECRETLINT_DIR && taskset -c 0 ./node_modules/.bin/secretlint --secretlintrc .secretlintrc.json \"$sub/**/*\" >/dev/null'")
fi
hyperfine -i --warmup 0 --runs 1 -N "${cmds[@]}" --export-json /tmp/secgate-bench-subset.json
python3 - "$sub_bytes" <<'PY'
import json, sys
b = int(sys.argv[1])
for r in json.load(open("/tmp/secgate-bench-subset.json"))["results"]:
    print(f"{r['command'][:60]:60s} {r['mean']*1000:10.1f} ms  {b / r['mean'] / 1e6:8.2f} MB/s")
PY
