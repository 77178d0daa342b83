#!/usr/bin/env bash
# Adopting the secgate-secrets pre-commit hook in a repository that already
# holds old secrets: write a baseline, install the hook, and see that a new
# secret is blocked while the old ones (already known, to be rotated on their
# own schedule) do not block every commit. Each step checks its exit code; the
# script stops at the first surprise. It never prints a secret: the fake
# credentials are generated here, at run time, and every output is redacted.
#
# Needs: git, and secgate-secrets (from SECGATE_BIN, default target/debug).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${SECGATE_BIN:-$root/target/debug}"
[ -x "$bin/secgate-secrets" ] || { echo "no $bin/secgate-secrets: cargo build --bins" >&2; exit 2; }
export PATH="$bin:$PATH"

repo="$(mktemp -d)"
trap 'rm -rf "$repo"' EXIT
cd "$repo"
export GIT_AUTHOR_NAME="Dev" GIT_AUTHOR_EMAIL="dev@example.invalid"
export GIT_COMMITTER_NAME="Dev" GIT_COMMITTER_EMAIL="dev@example.invalid"
git init -q -b main .
git config commit.gpgsign false

# Fake, format-valid credentials (random, so no real key is ever involved).
fake_aws() { printf 'AKIA%s' "$(LC_ALL=C tr -dc 'A-Z2-7' </dev/urandom | head -c16)"; }
fake_stripe() { printf 'sk_live_%s' "$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c24)"; }

# step CODE LABEL COMMAND...: run, compare the exit code, say it.
step() {
  local want="$1" label="$2"; shift 2
  local got=0
  "$@" > out.log 2>&1 || got=$?
  sed 's/^/    | /' out.log; rm -f out.log
  if [ "$got" != "$want" ]; then echo "UNEXPECTED: $label: exit $got, expected $want" >&2; exit 1; fi
  echo "==> $label: exit $got"
}

echo "== 1. a repository with old secrets in its history"
mkdir -p config scripts
printf '# legacy settings\nregion = eu-west-1\naws_access_key_id = %s\n' "$(fake_aws)" > config/legacy.env
printf '#!/bin/sh\n# deploy script\nSTRIPE_KEY=%s\n./deploy --key "$STRIPE_KEY"\n' "$(fake_stripe)" > scripts/deploy.sh
echo "print('hello')" > app.py
git add -A && git commit -q -m "old code, old secrets"
step 1 "old secrets found" secgate-secrets dir .

echo "== 2. the baseline: the secrets already there (commit it; rotate them on their own schedule)"
secgate-secrets dir . --format json --output .secgate-secrets-baseline.json 2>/dev/null || true
[ -s .secgate-secrets-baseline.json ] || { echo "UNEXPECTED: no baseline written" >&2; exit 1; }
echo "==> baseline written: $(grep -c '"fingerprint"' .secgate-secrets-baseline.json) known secret(s)"
step 0 "with the baseline" secgate-secrets dir . --baseline .secgate-secrets-baseline.json
git add .secgate-secrets-baseline.json && git commit -q -m "secret scanning baseline"

echo "== 3. install the pre-commit hook"
step 0 "hook installed" secgate-secrets install

echo "== 4. everyday commits go through"
printf '# legacy settings (owner: platform team)\n' | cat - config/legacy.env > config/legacy.env.new
mv config/legacy.env.new config/legacy.env
echo "print('hello, world')" > app.py
git add -A
step 0 "commit touching old secrets: allowed" git commit -q -m "document the legacy settings"
# The old secret moved one line down: the baseline still knows it (its
# fingerprint is the rule and a hash of the secret, not a line number).
step 0 "moved old secret still known" secgate-secrets dir . --baseline .secgate-secrets-baseline.json

echo "== 5. a new secret is blocked"
head_before="$(git rev-parse HEAD)"
printf 'aws_access_key_id = %s\n' "$(fake_aws)" > config/new.env
git add config/new.env
step 1 "commit adding a new secret: blocked" git commit -q -m "add the new service's settings"
[ "$(git rev-parse HEAD)" = "$head_before" ] || { echo "UNEXPECTED: the commit went through" >&2; exit 1; }
found=0
secgate-secrets dir . --baseline .secgate-secrets-baseline.json --format json --output scan.json 2>/dev/null || found=$?
count="$(grep -c '"fingerprint"' scan.json)"
if [ "$found" != 1 ] || [ "$count" != 1 ] || ! grep -q '"path": "config/new.env"' scan.json; then
  echo "UNEXPECTED: expected exactly the new secret (exit $found, $count finding(s)):" >&2; grep '"path"' scan.json >&2; exit 1
fi
echo "==> the new secret is the only one reported: config/new.env"
echo "== done: every step behaved as documented"
