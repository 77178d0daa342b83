#!/usr/bin/env bash
# Runs every parser fuzz target for N seconds (default 600), seeded from the
# shared corpus (read where it lies; copied only into the git-ignored fuzz/corpus).
set -euo pipefail
secs=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${SECGATE_CORPUS:-$root/../shared/corpus}
declare -A seeds=(
  [gitlab]="gitlab-sast gitlab-dast gitlab-dependency-scanning gitlab-container-scanning gitlab-secret-detection"
  [trivy]="trivy"
  [sarif]="sarif"
  [zap]="zap"
  [gitleaks]="gitleaks"
)
cd "$root/fuzz"
for t in ${TARGETS:-gitlab trivy sarif zap gitleaks}; do
  mkdir -p "corpus/$t"
  for d in ${seeds[$t]}; do
    for f in "$corpus/$d"/*; do
      # keep seeds small enough for the fuzzer's max_len
      [ "$(stat -c %s "$f")" -le 262144 ] && cp "$f" "corpus/$t/$(basename "$f")"
    done
  done
  echo "== $t: $(ls "corpus/$t" | wc -l) seeds, ${secs}s"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=262144 -rss_limit_mb=4096 2>&1 | tail -n 12 | tee "$root/bench/out/fuzz-$t.log"
done
