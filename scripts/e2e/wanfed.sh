#!/usr/bin/env bash
# The proof of WAN federation via mesh gateways, on its own: two datacenters in network
# namespaces on the same private subnet, joined only through mesh gateways
# (tests/e2e/wanfed_netns.test.ts; see docs/operations.md, "Verifying a federation").
# Needs root. Uses CONSULATE_BINARY when set, else compiles this checkout into a temp dir.
# Namespaces are removed on exit, however the test ends. Extra arguments go to `deno test`.
# Usage: sudo scripts/e2e/wanfed.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/e2e/netns.sh run node_modules/.bin/deno test -A "$@" tests/e2e/wanfed_netns.test.ts
