#!/usr/bin/env bash
# Benchmark: the whole `secgate-secrets staged` process on a typical commit
# (10 changed files, 500 added lines), as the git pre-commit hook runs it.
#
#   bench/secrets/staged.sh            # needs hyperfine (apt-get install hyperfine)
#
# Target (issue 4): under 20 ms wall on the 2-core reference machine.
# Also times `range` over 50 such commits (blobs read through git2).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin secgate-secrets
bin="${CARGO_TARGET_DIR:-$root/target}/release/secgate-secrets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
cd "$work"
git init -q -b main .
# A project of 200 files of ~200 lines of real-looking code.
python3 - <<'PY'
import os, random
random.seed(7)
words = ["config", "token", "value", "client", "request", "handler", "api_key", "session", "user", "password_field"]
for i in range(200):
    os.makedirs(f"src/m{i % 20}", exist_ok=True)
    with open(f"src/m{i % 20}/f{i}.py", "w") as f:
        for j in range(200):
            w = random.choice(words)
            f.write(f"    {w}_{j} = compute_{w}(request, {j}, timeout=30)  # line {j}\n")
PY
git add -A && git commit -q -m base
# The typical commit: 10 files, 50 added lines each.
python3 - <<'PY'
import random
random.seed(8)
for i in range(10):
    p = f"src/m{i % 20}/f{i}.py"
    with open(p, "a") as f:
        for j in range(50):
            f.write(f"    result_{j} = service.call('endpoint/{j}', retries={j % 5}, api_version='v{i}')\n")
PY
git add -A
git diff --cached --numstat | awk '{a+=$1; n++} END {print n " files, " a " added lines staged"}'
"$bin" staged >/dev/null
hyperfine --warmup 10 --min-runs 50 -N "$bin staged"
/usr/bin/time -f "staged: peak RSS %M KiB" "$bin" staged >/dev/null

# range: 50 such commits.
for c in $(seq 1 50); do
  python3 - "$c" <<'PY'
import sys
c = int(sys.argv[1])
for i in range(10):
    p = f"src/m{(i + c) % 20}/f{(i + c * 10) % 200}.py"
    with open(p, "a") as f:
        for j in range(50):
            f.write(f"    r{c}_{j} = service.call('e/{j}', retries={j % 5})\n")
PY
  git add -A && git commit -q -m "c$c"
done
hyperfine --warmup 3 --min-runs 10 -N "$bin range HEAD~50..HEAD"
"$bin" range HEAD~50..HEAD --format json | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print("range:", s)'
hyperfine --warmup 1 --min-runs 5 -N "$bin history"
"$bin" history --format json | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print("history:", s)'
