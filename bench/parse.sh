#!/usr/bin/env bash
# The foundation issue's parser benchmark: a ~100 MB Trivy JSON report
# (~100k vulnerabilities), measured side by side in one run:
#   1. `secgate check` on it: whole process, MB/s and peak RSS;
#   2. serde_json reading the same bytes into IgnoredAny (the floor of parsing),
#      whole process (read + parse), and in-process;
#   3. jq counting the same findings by severity.
# Targets: (1) within 2x of (2); at least 10x faster than (3); peak RSS under 3x the file size.
# Usage: bench/parse.sh [FINDINGS]   (needs python3, jq, GNU time)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}
out=$root/bench/out
mkdir -p "$out"
file=$out/trivy-$n.json
[ -s "$file" ] || python3 "$root/bench/gen-trivy.py" --compact --findings "$n" --output "$file"
size=$(stat -c %s "$file")
cd "$root"
cargo build -q --release --bin secgate
cargo build -q --release -p secgate-reports --example json_floor
runs=${RUNS:-3}
jq_runs=${JQ_RUNS:-$(( runs < 3 ? runs : 3 ))}
# The machine's speed drifts (on this VM, mostly the cost of fresh pages), so
# the three commands are interleaved run by run: each round runs each once,
# and each command's best round (wall time, and the peak RSS of that run) is
# kept. jq is slow: it runs in the first JQ_RUNS rounds only.
declare -A best rss all
run1() { # name command...
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || true
  local t m
  read -r t m < <(tail -n 1 "$out/time.txt")
  all[$name]="${all[$name]:-} $t"
  if [ -z "${best[$name]:-}" ] || awk "BEGIN{exit !($t < ${best[$name]})}"; then best[$name]=$t; rss[$name]=$m; fi
}
for i in $(seq "$runs"); do
  run1 check target/release/secgate check "$file"
  run1 floor target/release/examples/json_floor "$file"
  if [ "$i" -le "$jq_runs" ]; then
    run1 jq jq -c '[.Results[]?.Vulnerabilities[]?.Severity] | group_by(.) | map({(.[0]): length}) | add' "$file"
  fi
done
cat /dev/null > "$out/parse.txt"
row() { # name seconds rss_kb
  awk -v n="$1" -v t="$2" -v m="$3" -v s="$size" 'BEGIN{printf "%-34s %7.3f s %8.0f MB/s %8.0f MB peak RSS\n", n, t, s/1e6/(t>0?t:1e-9), m/1024}' | tee -a "$out/parse.txt"
}
echo "file: $file ($size bytes, $n findings); best of $runs interleaved rounds (jq: $jq_runs)" | tee -a "$out/parse.txt"
row "secgate check (whole process)" "${best[check]}" "${rss[check]}"; tc=${best[check]}; mc=${rss[check]}
row "serde_json IgnoredAny (process)" "${best[floor]}" "${rss[floor]}"; tf=${best[floor]}
row "jq count by severity" "${best[jq]}" "${rss[jq]}"; tj=${best[jq]}
target/release/examples/json_floor "$file" | sed 's/^/in-process IgnoredAny: /' | tee -a "$out/parse.txt"
target/release/examples/json_floor --parse "$file" | sed 's/^/in-process secgate_reports::parse: /' | tee -a "$out/parse.txt"
awk -v c="$tc" -v f="$tf" -v j="$tj" -v m="$mc" -v s="$size" 'BEGIN{
  printf "check / floor = %.2fx (target <= 2x); jq / check = %.1fx (target >= 10x); peak RSS / file = %.2fx (target < 3x)\n", c/f, j/c, m*1024/s }' | tee -a "$out/parse.txt"
# The medians too: on this VM a round can be twice as slow as the best one.
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
mc_=$(echo "${all[check]}" | median); mf_=$(echo "${all[floor]}" | median); mj_=$(echo "${all[jq]}" | median)
awk -v c="$mc_" -v f="$mf_" -v j="$mj_" 'BEGIN{
  printf "medians: check %.3f s, floor %.3f s, jq %.3f s; check / floor = %.2fx; jq / check = %.1fx\n", c, f, j, c/f, j/c }' | tee -a "$out/parse.txt"
