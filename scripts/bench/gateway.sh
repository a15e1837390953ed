#!/usr/bin/env bash
# Mesh gateway benchmark (issue 5): the Consulate gateway on Deno and on Bun against HAProxy
# doing the same SNI passthrough routing, in one invocation (see gateway.ts for what it
# measures). Installs HAProxy from Debian when it is missing, then runs the driver on Bun: the
# client and the TLS echo server run there, the gateway runs on each runtime in --runtimes.
# Every child's pid is kept in a private work directory; on exit, whatever is still running
# from that list (HAProxy included) is ended and the directory removed.
# Usage: bash scripts/bench/gateway.sh [--runtimes=deno,bun] [--bulk-mib=256] [--runs=5]
#   [--pings=10000] [--message-bytes=64] [--connects=500] [--cross-dc-reads=2000]
#   [--profile-dir=DIR] [--gateway-script=PATH]
# Linux only; every address is 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1

if ! command -v haproxy >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "haproxy is not installed; install it with: sudo apt-get install -y haproxy" >&2
    exit 1
  fi
  echo "installing haproxy (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq haproxy >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq haproxy >/dev/null
  }
fi

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/consulate-gateway-bench.XXXXXX")"

# Ends the children the driver left behind (only if it died first), then removes the files.
cleanup() {
  local pid_file pid
  for pid_file in "$work_dir"/*.pid; do
    [ -e "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

node_modules/.bin/bun scripts/bench/gateway.ts --work-dir="$work_dir" "$@"
