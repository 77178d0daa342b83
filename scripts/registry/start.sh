#!/usr/bin/env bash
# Starts three local OCI registries for secgate-image's tests and benchmark:
#   plain  HTTP                     on 127.0.0.1:$SECGATE_REGISTRY_PLAIN_PORT (default 5510)
#   TLS (test CA) + htpasswd auth   on 127.0.0.1:$SECGATE_REGISTRY_TLS_PORT   (default 5511)
#   HTTP + bearer-token auth        on 127.0.0.1:$SECGATE_REGISTRY_TOKEN_PORT (default 5512)
#     (docker distribution `auth: token`): tokens come from the realm
#     http://127.0.0.1:$SECGATE_TOKEN_SERVER_PORT/token (default 5513), a token
#     server the tests run themselves; its ES256 signing key and certificate
#     (issued by the test CA, the registry's rootcertbundle) are written here.
# Installs Debian's docker-registry, apache2-utils (htpasswd) and openssl when
# missing (needs root). Writes the addresses, CA and credentials to
# $SECGATE_REGISTRY_ENV (default <repo>/target/registry.env), which the tests read.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${SECGATE_REGISTRY_DIR:-$root/target/registry}"
envfile="${SECGATE_REGISTRY_ENV:-$root/target/registry.env}"
plain_port="${SECGATE_REGISTRY_PLAIN_PORT:-5510}"
tls_port="${SECGATE_REGISTRY_TLS_PORT:-5511}"
token_port="${SECGATE_REGISTRY_TOKEN_PORT:-5512}"
token_server_port="${SECGATE_TOKEN_SERVER_PORT:-5513}"

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir/plain" "$dir/tls" "$dir/token" "$(dirname "$envfile")"

# Test CA and a server certificate for 127.0.0.1 / localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=secgate test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$dir/ext.cnf"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 30 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null

# The token issuer's ES256 key and certificate, chained to the test CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/token-issuer.key" 2>/dev/null
openssl req -new -key "$dir/token-issuer.key" -subj "/CN=secgate test token issuer" -out "$dir/token-issuer.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' > "$dir/token-ext.cnf"
openssl x509 -req -in "$dir/token-issuer.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 30 -extfile "$dir/token-ext.cnf" -out "$dir/token-issuer.pem" 2>/dev/null

user=secgate
pass="$(openssl rand -hex 12)"
htpasswd -Bbn "$user" "$pass" > "$dir/htpasswd" 2>/dev/null

cat > "$dir/plain.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir/plain}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$plain_port}
YML
cat > "$dir/tls.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir/tls}
  delete: {enabled: true}
auth:
  htpasswd: {realm: secgate-test, path: $dir/htpasswd}
http:
  addr: 127.0.0.1:$tls_port
  tls: {certificate: $dir/server.pem, key: $dir/server.key}
YML

cat > "$dir/token.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir/token}
  delete: {enabled: true}
auth:
  token:
    realm: http://127.0.0.1:$token_server_port/token
    service: secgate-test-registry
    issuer: secgate-test-token-issuer
    rootcertbundle: $dir/ca.pem
http: {addr: 127.0.0.1:$token_port}
YML

for n in plain tls token; do
  nohup docker-registry serve "$dir/$n.yml" > "$dir/$n.log" 2>&1 &
  echo $! > "$dir/$n.pid"
done

for i in $(seq 1 50); do
  if curl -fsS "http://127.0.0.1:$plain_port/v2/" >/dev/null 2>&1 &&
     [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/ca.pem" "https://127.0.0.1:$tls_port/v2/")" = 401 ] &&
     [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$token_port/v2/")" = 401 ]; then
    break
  fi
  sleep 0.2
  if [ "$i" = 50 ]; then echo "registries did not start; logs in $dir" >&2; cat "$dir"/*.log >&2; exit 1; fi
done

cat > "$envfile" <<ENV
SECGATE_REGISTRY_PLAIN=127.0.0.1:$plain_port
SECGATE_REGISTRY_TLS=127.0.0.1:$tls_port
SECGATE_REGISTRY_CA=$dir/ca.pem
SECGATE_REGISTRY_USER=$user
SECGATE_REGISTRY_PASSWORD=$pass
SECGATE_REGISTRY_TOKEN=127.0.0.1:$token_port
SECGATE_TOKEN_SERVER=127.0.0.1:$token_server_port
SECGATE_TOKEN_SERVICE=secgate-test-registry
SECGATE_TOKEN_ISSUER=secgate-test-token-issuer
SECGATE_TOKEN_KEY=$dir/token-issuer.key
SECGATE_TOKEN_CERT=$dir/token-issuer.pem
ENV
echo "registries up: plain 127.0.0.1:$plain_port, tls 127.0.0.1:$tls_port, token 127.0.0.1:$token_port (realm 127.0.0.1:$token_server_port); env in $envfile"
