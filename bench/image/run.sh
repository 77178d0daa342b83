#!/usr/bin/env bash
# Benchmark: verify 100 signed images in one `secgate-image verify` call
# against the local plain-HTTP registry (scripts/registry/start.sh).
# Target: the whole process under 2 s on the 2-core reference machine.
# Usage: bench/image/run.sh [COUNT]   (release build; figures in bench/out/image.txt)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
count="${1:-100}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target-cosign}"
envfile="${SECGATE_REGISTRY_ENV:-$root/target/registry.env}"
[ -f "$envfile" ] || "$root/scripts/registry/start.sh"
# shellcheck disable=SC1090
. "$envfile"
cargo build -q --release -p secgate-image
bin="$CARGO_TARGET_DIR/release/secgate-image"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/k.pem"
openssl ec -in "$work/k.pem" -pubout -out "$work/k.pub" 2>/dev/null
reg="$SECGATE_REGISTRY_PLAIN"
repo="bench/app-$(date +%s)"
images=()
for i in $(seq 1 "$count"); do
  layer="$work/layer"; printf 'layer %s %s' "$repo" "$i" > "$layer"
  ld="sha256:$(sha256sum "$layer" | cut -d' ' -f1)"
  up="$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  case "$up" in /*) up="http://$reg$up";; esac
  curl -fsS -X PUT -H "content-type: application/octet-stream" --data-binary @"$layer" "$up&digest=$ld" -o /dev/null
  cfg="$work/cfg"; printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' "$ld" > "$cfg"
  cd_="sha256:$(sha256sum "$cfg" | cut -d' ' -f1)"
  up="$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  case "$up" in /*) up="http://$reg$up";; esac
  curl -fsS -X PUT -H "content-type: application/octet-stream" --data-binary @"$cfg" "$up&digest=$cd_" -o /dev/null
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$cd_" "$(stat -c %s "$cfg")" "$ld" "$(stat -c %s "$layer")" > "$work/m.json"
  curl -fsS -X PUT -H 'content-type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$work/m.json" "http://$reg/v2/$repo/manifests/v$i" -o /dev/null
  "$bin" sign --key "$work/k.pem" "$reg/$repo:v$i" >/dev/null
  images+=("$reg/$repo:v$i")
done
mkdir -p "$root/bench/out"
start=$(date +%s.%N)
"$bin" verify --insecure-ignore-tlog --key "$work/k.pub" --format json --output "$work/out.json" "${images[@]}"
end=$(date +%s.%N)
ok=$(python3 -c 'import json,sys; print(sum(1 for i in json.load(open(sys.argv[1]))["images"] if i["verified"]))' "$work/out.json")
elapsed=$(echo "$end - $start" | bc)
line="$(date -u +%FT%TZ) verify $count signed images: ${elapsed}s wall, exit 0, $ok image(s) verified (target < 2 s)"
echo "$line" | tee -a "$root/bench/out/image.txt"
