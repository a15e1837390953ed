#!/usr/bin/env bash
# The whole test suite: type-check, lint, format check, every test on Deno and on Bun, then
# build the single binary and smoke-run it. Ends with one line "N passed, N failed".
# Usage: scripts/test.sh            (after `npm ci`)
set -uo pipefail
export NO_COLOR=1
cd "$(dirname "$0")/.."
BIN="$PWD/node_modules/.bin"
LOGS="${TEST_LOG_DIR:-$(mktemp -d)}"
mkdir -p "$LOGS"
passed=0
failed=0
failures=()

# A single pass/fail step counted as one test.
step() {
  local name="$1"
  shift
  echo "==> $name"
  if "$@" >"$LOGS/$name.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    tail -n 60 "$LOGS/$name.log"
  fi
}

# Counts from a runner's summary. Deno: "ok | 4 passed (17 steps) | 0 failed"; steps are the
# node:test cases inside a describe, so they are added. Bun: " 18 pass" / " 0 fail".
count_deno() { # count_deno <log> <passed|failed>
  grep -E "\| [0-9]+ passed" "$1" | tail -n 1 | grep -oE "[0-9]+ $2( \([0-9]+ steps?\))?" |
    grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }'
}
count_bun() { # count_bun <log> <pass|fail>
  grep -E "^ *[0-9]+ $2$" "$1" | tail -n 1 | grep -oE '[0-9]+' || echo 0
}

# Adds a test runner's own pass/fail counts; a runner that fails without counted failures
# (crash, load error) counts as one failure.
suite() { # suite <name> <deno|bun> <command...>
  local name="$1" kind="$2"
  shift 2
  echo "==> $name"
  "$@" >"$LOGS/$name.log" 2>&1
  local code=$?
  local p f
  if [ "$kind" = deno ]; then
    p=$(count_deno "$LOGS/$name.log" passed)
    f=$(count_deno "$LOGS/$name.log" failed)
  else
    p=$(count_bun "$LOGS/$name.log" pass)
    f=$(count_bun "$LOGS/$name.log" fail)
  fi
  p=${p:-0}
  f=${f:-0}
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    failures+=("$name")
    grep -E "FAILED|\(fail\)|^error|Error:" "$LOGS/$name.log" | head -n 60
    tail -n 60 "$LOGS/$name.log"
  fi
  echo "    $name: $p passed, $f failed"
}

step deno-check "$BIN/deno" check mod.ts src/ tests/ scripts/
step deno-lint "$BIN/deno" lint
step deno-fmt "$BIN/deno" fmt --check

suite deno-test deno "$BIN/deno" test -A --parallel tests/
suite bun-test bun "$BIN/bun" test --timeout 120000 tests/

step build bash scripts/build.sh
step binary-smoke bash scripts/smoke_binary.sh dist/consulate

if [ "${#failures[@]}" -gt 0 ]; then echo "failed steps: ${failures[*]} (logs in $LOGS)"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
