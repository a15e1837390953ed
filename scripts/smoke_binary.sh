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
