#!/usr/bin/env bash
# What the Temporal tests need, installed once (npm's pretest runs this): the `temporal` dev
# server binary (ensure-cli.sh: built from the Go module proxy into ~/.cache/embgeo) and the
# dependencies of packages/temporal (`npm ci` there when its node_modules is missing or older
# than its package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/temporal/ensure-cli.sh >/dev/null
pkg=packages/temporal
if [ ! -d "$pkg/node_modules" ] || [ "$pkg/package-lock.json" -nt "$pkg/node_modules" ]; then
  echo "ensure-deps: npm ci in $pkg" >&2
  (cd "$pkg" && npm ci --no-audit --no-fund --silent)
  touch "$pkg/node_modules"
fi
