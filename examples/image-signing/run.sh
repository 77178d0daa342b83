#!/usr/bin/env bash
# Sign and verify a container image with a key against a local registry, with
# secgate-image only (no cosign, no docker engine). Each step checks its exit
# code and says what happened; the script exits non-zero at the first surprise.
#
# Needs: the local registries (scripts/registry/start.sh writes
# target/registry.env), curl, openssl, and secgate-image (from SECGATE_BIN,
# default target/debug).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
envfile="${SECGATE_REGISTRY_ENV:-$root/target/registry.env}"
[ -f "$envfile" ] || { echo "no registry env at $envfile: run scripts/registry/start.sh first" >&2; exit 2; }
# shellcheck disable=SC1090
. "$envfile"
registry="$SECGATE_REGISTRY_PLAIN"
export PATH="${SECGATE_BIN:-$root/target/debug}:$PATH"
command -v secgate-image >/dev/null || { echo "secgate-image not found: cargo build --bins" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo="examples/hello-$$-$RANDOM"

# expect CODE LABEL COMMAND...: run, compare the exit code, say it.
expect() {
  local want="$1" label="$2"; shift 2
  local got=0
  "$@" > "$work/out.txt" 2>&1 || got=$?
  sed 's/^/    | /' "$work/out.txt"
  if [ "$got" != "$want" ]; then
    echo "UNEXPECTED: $label: exit $got, expected $want" >&2
    exit 1
  fi
  echo "==> $label: exit $got"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# push_blob FILE: monolithic upload through the registry HTTP API.
push_blob() {
  local file="$1" digest location sep
  digest="sha256:$(sha256 "$file")"
  location="$(curl -fsS -X POST -D - -o /dev/null "http://$registry/v2/$repo/blobs/uploads/" \
    | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')"
  case "$location" in http*) ;; *) location="http://$registry$location" ;; esac
  case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" \
    "$location${sep}digest=$digest" -o /dev/null
  echo "$digest"
}

# push_image TAG TEXT: a one-layer OCI image built from bytes; prints its digest.
push_image() {
  local tag="$1" text="$2" d="$work/img-$1"
  mkdir -p "$d/rootfs"
  printf '%s\n' "$text" > "$d/rootfs/hello.txt"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d/rootfs" -cf "$d/layer.tar" hello.txt
  gzip -n -c "$d/layer.tar" > "$d/layer.tar.gz"
  local diff_id layer config
  diff_id="sha256:$(sha256 "$d/layer.tar")"
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/hello"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$diff_id" > "$d/config.json"
  layer="$(push_blob "$d/layer.tar.gz")"
  config="$(push_blob "$d/config.json")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
    "$config" "$(stat -c %s "$d/config.json")" "$layer" "$(stat -c %s "$d/layer.tar.gz")" > "$d/manifest.json"
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$d/manifest.json" "http://$registry/v2/$repo/manifests/$tag" -o /dev/null
  echo "sha256:$(sha256 "$d/manifest.json")"
}

echo "== 1. a signing key pair (P-256, PKCS#8; in CI: a masked, protected variable)"
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$work/cosign.key"
openssl ec -in "$work/cosign.key" -pubout -out "$work/cosign.pub" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$work/other.key"
openssl ec -in "$work/other.key" -pubout -out "$work/other.pub" 2>/dev/null

echo "== 2. build and push two images (what the pipeline's build job does)"
signed="$(push_image 1.0 "hello from the signed image")"
unsigned="$(push_image 1.1-unsigned "hello from an image nobody signed")"
echo "    $registry/$repo:1.0 is $signed"

echo "== 3. sign by digest (what ci-templates/image-sign.yml runs)"
expect 0 "image signed" secgate-image sign --key "$work/cosign.key" "$registry/$repo@$signed"

echo "== 4. verify (what ci-templates/image-gate.yml runs)"
# Signed with a key and no transparency log (nothing leaves this machine):
# --insecure-ignore-tlog says so explicitly, and the output says it loudly.
verify=(secgate-image verify --key "$work/cosign.pub" --insecure-ignore-tlog)
manifests=(secgate-image manifests --key "$work/cosign.pub" --insecure-ignore-tlog)
expect 0 "signed image verified" "${verify[@]}" "$registry/$repo@$signed"
expect 1 "unsigned image" "${verify[@]}" "$registry/$repo@$unsigned"
expect 1 "wrong key" secgate-image verify --key "$work/other.pub" --insecure-ignore-tlog "$registry/$repo@$signed"
expect 1 "registry not allowed" "${verify[@]}" --allowed-registry registry.example.com "$registry/$repo@$signed"

echo "== 5. the deployment manifest"
cat > "$work/deploy.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
        - name: hello
          image: $registry/$repo:1.0
YAML
expect 1 "manifest by tag with --require-digest" "${manifests[@]}" --require-digest "$work/deploy.yaml"
expect 0 "manifest pinned" "${manifests[@]}" --pin "$work/deploy.yaml"
grep -q "@$signed" "$work/deploy.yaml" || { echo "UNEXPECTED: --pin did not write the digest" >&2; cat "$work/deploy.yaml" >&2; exit 1; }
echo "==> manifest pinned to the digest $signed"
expect 0 "pinned manifest verified" "${manifests[@]}" --require-digest "$work/deploy.yaml"
echo "== done: every step behaved as documented"
