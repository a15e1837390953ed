#!/usr/bin/env bash
# `deno task bench`: every benchmark in scripts/bench/, each on Deno and on Bun, one after the
# other (never in parallel: each compares figures measured side by side in its own run).
# Usage: bash scripts/bench/run.sh [yamux] [log_store] [catalog_read] [cross_dc] [gateway]
# (default: all of them)
# Extra flags for catalog_read go in CATALOG_READ_FLAGS, e.g. CATALOG_READ_FLAGS="--seconds=5".
set -uo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1
BIN="$PWD/node_modules/.bin"
selected=("$@")
[ "${#selected[@]}" -eq 0 ] && selected=(yamux log_store catalog_read cross_dc gateway)
failed=()

# run_bench <title> <command...>: runs one benchmark and prints its results under a title.
run_bench() {
  local title="$1"
  shift
  echo
  echo "=== $title"
  if ! "$@"; then failed+=("$title"); fi
}

for bench in "${selected[@]}"; do
  case "$bench" in
  yamux | log_store)
    run_bench "$bench (deno)" "$BIN/deno" run -A "scripts/bench/$bench.ts"
    run_bench "$bench (bun)" "$BIN/bun" "scripts/bench/$bench.ts"
    ;;
  catalog_read)
    # shellcheck disable=SC2086 # the flags are meant to split into words
    run_bench "catalog_read (deno and bun)" bash scripts/bench/catalog_read.sh \
      ${CATALOG_READ_FLAGS:-}
    ;;
  cross_dc) run_bench "cross_dc (deno then bun)" bash scripts/bench/cross_dc.sh ;;
  gateway) run_bench "gateway vs HAProxy (deno and bun)" bash scripts/bench/gateway.sh ;;
  *)
    echo "unknown benchmark '$bench' (known: yamux log_store catalog_read cross_dc gateway)" >&2
    failed+=("$bench")
    ;;
  esac
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
