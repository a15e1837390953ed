#!/usr/bin/env bash
# Cross-DC read benchmark (see cross_dc.ts): on Deno, then on Bun — each run drives servers
# and gateways of its own runtime. Installs wrk from Debian when it is missing (as root).
# Usage: bash scripts/bench/cross_dc.sh [--reads=2000] [--seconds=5] [--endpoints=kv,catalog] ...
# Linux only; every process listens on 127.0.0.1 and is stopped before the script returns.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "wrk is not installed; install it with: sudo apt-get install -y wrk" >&2
    exit 1
  fi
  echo "installing wrk (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq wrk >/dev/null
  }
fi

status=0
echo "--- deno"
node_modules/.bin/deno run -A scripts/bench/cross_dc.ts --runtimes=deno "$@" || status=1
echo
echo "--- bun"
node_modules/.bin/bun scripts/bench/cross_dc.ts --runtimes=bun "$@" || status=1
exit "$status"
