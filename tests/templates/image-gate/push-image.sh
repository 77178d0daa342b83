#!/usr/bin/env bash
# push-image.sh REGISTRY REPO TAG TEXT: pushes a one-layer OCI image built from
# bytes through the registry HTTP API (no docker engine here) and prints its
# manifest digest. Used by the build stand-in of the image-gate test project.
set -euo pipefail
registry="$1" repo="$2" tag="$3" text="$4"
d="$(mktemp -d)"
trap 'rm -rf "$d"' EXIT
sha256() { sha256sum "$1" | cut -d' ' -f1; }
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
mkdir -p "$d/rootfs"
printf '%s\n' "$text" > "$d/rootfs/hello.txt"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d/rootfs" -cf "$d/layer.tar" hello.txt
gzip -n -c "$d/layer.tar" > "$d/layer.tar.gz"
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$(sha256 "$d/layer.tar")" > "$d/config.json"
layer="$(push_blob "$d/layer.tar.gz")"
config="$(push_blob "$d/config.json")"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
  "$config" "$(stat -c %s "$d/config.json")" "$layer" "$(stat -c %s "$d/layer.tar.gz")" > "$d/manifest.json"
curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary "@$d/manifest.json" "http://$registry/v2/$repo/manifests/$tag" -o /dev/null
echo "sha256:$(sha256 "$d/manifest.json")"
