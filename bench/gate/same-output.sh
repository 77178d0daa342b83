#!/usr/bin/env bash
# Byte-identity check of every output of `secgate check` between two builds
# (run by hand when changing a renderer; not a test).
#
#   bench/gate/same-output.sh WORKDIR BIN [REFERENCE_DIR]
#
# Writes all 8 outputs of BIN over every shared-corpus report (trivy, gitlab-*,
# sarif, gitleaks, zap), each alone in two modes (A: a policy with exceptions,
# so failed, allowed and exempted findings; B: new_only with A's JSON as the
# baseline, so existing ones), and over each corpus folder at once (merged
# scanners), into WORKDIR. With REFERENCE_DIR (an earlier WORKDIR), compares
# them byte for byte (`diff -r`) and exits 1 on any difference.
# Times are pinned (SOURCE_DATE_EPOCH, SECGATE_TODAY) so runs are comparable.
set -uo pipefail
OUT=${1:?WORKDIR}
BIN=$(realpath "${2:?BIN}")
REF=${3:+$(realpath "$3")}
CORPUS=$(realpath "${SECGATE_CORPUS:-$(dirname "$0")/../../../shared/corpus}")
export SOURCE_DATE_EPOCH=1780000000 SECGATE_TODAY=2026-06-01
rm -rf "$OUT" && mkdir -p "$OUT"
OUT=$(realpath "$OUT")
# Paths inside the outputs (the policy's, in warnings) are relative, so the same
# in every WORKDIR.
cd "$OUT" || exit 2
cat > "$OUT/policy-a.yml" <<'YML'
version: 1
fail_on: high
exceptions:
  - id: CWE-79
    reason: "accepted <&> \"quoted\" 'risk'"
    expires: 2027-01-01
  - id: CWE-89
    reason: benchmark
    expires: 2027-01-01
  - id: CWE-798
    reason: test secrets
    expires: 2027-01-01
  - id: CVE-2019-14697
    reason: musl, not reachable
    expires: 2027-01-01
YML
printf 'version: 1\nfail_on: high\nnew_only: true\n' > "$OUT/policy-b.yml"
outs() { # dir
  echo -o "text=$1/summary.txt" -o "json=$1/secgate.json" -o "code-quality=$1/cq.json" \
    -o "junit=$1/junit.xml" -o "gitlab=$1/gitlab" -o "sarif=$1/secgate.sarif" \
    -o "markdown=$1/summary.md" -o "dotenv=$1/secgate.env"
}
n=0
for f in "$CORPUS"/trivy/* "$CORPUS"/gitlab-*/* "$CORPUS"/sarif/* "$CORPUS"/gitleaks/* "$CORPUS"/zap/*; do
  [ -f "$f" ] || continue
  case "$f" in */gitlab-schemas/*) continue ;; esac
  d="$(basename "$(dirname "$f")")/$(basename "$f")"
  mkdir -p "$d/a" "$d/b"
  # shellcheck disable=SC2046
  "$BIN" check --policy policy-a.yml "$f" $(outs "$d/a") >/dev/null 2>"$d/a.err"; echo "$?" > "$d/a.rc"
  if [ -s "$d/a/secgate.json" ]; then
    # shellcheck disable=SC2046
    "$BIN" check --policy policy-b.yml --baseline "$d/a/secgate.json" "$f" $(outs "$d/b") >/dev/null 2>"$d/b.err"; echo "$?" > "$d/b.rc"
  fi
  n=$((n + 1))
done
for dir in trivy sarif gitlab-sast gitlab-dependency-scanning gitlab-container-scanning gitlab-secret-detection gitlab-dast gitleaks zap; do
  [ -d "$CORPUS/$dir" ] || continue
  d="all-$dir"; mkdir -p "$d"
  # The folder's readable reports (those that were not bad input alone).
  files=()
  for f in "$CORPUS/$dir"/*; do
    [ "$(cat "$dir/$(basename "$f")/a.rc" 2>/dev/null)" = 2 ] || files+=("$f")
  done
  # shellcheck disable=SC2046
  "$BIN" check --policy policy-a.yml "${files[@]}" $(outs "$d") >/dev/null 2>"$d.err"; echo "$?" > "$d.rc"
done
echo "$n reports, outputs in $OUT ($(du -sh "$OUT" | cut -f1))"
if [ -n "$REF" ]; then
  if diff -r -q "$REF" "$OUT" >"$OUT.diff"; then echo "identical to $REF"; else
    echo "DIFFERENT from $REF:"; head -20 "$OUT.diff"; exit 1; fi
fi
