#!/usr/bin/env bash
# Smoke-runs the compiled binary as an operator would on day one: version, help, certificate
# creation, config validation. Usage: scripts/smoke_binary.sh dist/consulate
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

expect() { # expect <description> <pattern> <command...>
  local what="$1" pattern="$2"
  shift 2
  local out
  out="$("$@" 2>&1)" || { echo "FAIL: $what exited non-zero:"; echo "$out"; exit 1; }
  grep -qE "$pattern" <<<"$out" || { echo "FAIL: $what: expected /$pattern/ in:"; echo "$out"; exit 1; }
  echo "ok: $what"
}

expect "version" '^Consulate v[0-9]+\.[0-9]+\.[0-9]+' "$bin" version
expect "help lists the commands" 'Available commands are:' "$bin" -h
expect "tls ca create" 'Saved consul-agent-ca.pem' "$bin" tls ca create
expect "tls cert create -server" 'Saved dc1-server-consul-0.pem' "$bin" tls cert create -server -dc dc1 -node s1
if command -v openssl >/dev/null 2>&1; then
  expect "openssl accepts the server certificate" 'OK' openssl verify -CAfile consul-agent-ca.pem dc1-server-consul-0.pem
fi
cat >server.hcl <<HCL
datacenter = "dc1"
node_name  = "s1"
server     = true
bootstrap  = true
data_dir   = "$work/data"
connect {
  enabled                            = true
  enable_mesh_gateway_wan_federation = true
}
HCL
expect "validate accepts a wanfed primary config" 'Configuration is valid!' "$bin" validate server.hcl
printf 'datacentre = "dc1"\n' >bad.hcl
if out="$("$bin" validate bad.hcl 2>&1)"; then
  echo "FAIL: validate accepted an unknown key:"; echo "$out"; exit 1
fi
grep -q 'bad.hcl:1' <<<"$out" && grep -q 'datacenter' <<<"$out" || {
  echo "FAIL: validate error does not name the file, line and suggestion:"; echo "$out"; exit 1
}
echo "ok: validate refuses an unknown key, naming file, line and the right key"
expect "demo federates two datacenters through mesh gateways" 'Federated in [0-9.]+ s' \
  timeout 180 "$bin" demo -once -dir "$work/demo"
