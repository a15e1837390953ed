#!/usr/bin/env bash
# Catalog read benchmark on Deno and on Bun in one invocation (see catalog_read.ts for what it
# measures). Installs wrk from Debian when it is missing, raises the open-file limit for the
# 10,000 idle watchers (the server and this client each hold one socket per watcher), then runs
# the driver on Deno; the servers it measures run on the runtimes given by --runtimes.
# Usage: bash scripts/bench/catalog_read.sh [--runtimes=deno,bun] [--seconds=10] [...]
# Linux only; every target is 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1

# One socket per watcher on each side, plus the runtimes' own descriptors.
WANT_OPEN_FILES=65536
MIN_OPEN_FILES=12000

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

ulimit -n "$WANT_OPEN_FILES" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$MIN_OPEN_FILES" ]; then
  echo "the open-file limit is $(ulimit -n); 10,000 watchers need about $MIN_OPEN_FILES" \
    "(raise the hard limit, or pass --watchers=N with a smaller N)" >&2
fi

exec node_modules/.bin/deno run -A scripts/bench/catalog_read.ts "$@"
