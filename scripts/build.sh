#!/usr/bin/env bash
# Builds the single self-contained binary dist/consulate with `bun build --compile` (works
# offline). For `deno compile`, which downloads Deno's runtime, use `deno task compile:deno`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist
node_modules/.bin/bun build --compile --minify --sourcemap \
  --outfile dist/consulate src/cli/main.ts
ls -l dist/consulate
