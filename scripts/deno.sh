#!/usr/bin/env bash
# Runs the project's Deno (installed from npm into node_modules) or, without it, the one on PATH.
# deno.json's tasks call this because `deno task` mistakes node_modules/.bin/deno for a Node
# script and fails to run it.
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -x "$root/node_modules/.bin/deno" ]; then exec "$root/node_modules/.bin/deno" "$@"; fi
exec deno "$@"
