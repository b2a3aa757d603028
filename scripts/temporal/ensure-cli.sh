#!/usr/bin/env bash
# Build (once) and print the path of the Temporal CLI, whose `temporal server start-dev` is the
# development server the Temporal tests run against. The binary is cached under
# ${EMBGEO_CACHE:-~/.cache/embgeo}/temporal-<version>/temporal; the Go module proxy serves the
# source (github.com/temporalio/cli). Needs Go >= 1.24 on PATH. Prints the binary's path.
set -euo pipefail
VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
CACHE="${EMBGEO_CACHE:-$HOME/.cache/embgeo}/temporal-$VERSION"
BIN="$CACHE/temporal"
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "ensure-cli: go is not on PATH (needed to build the Temporal CLI)" >&2; exit 1; }
  mkdir -p "$CACHE"
  echo "ensure-cli: building temporal $VERSION into $CACHE (a few minutes, once)" >&2
  GOFLAGS=-mod=mod GOBIN="$CACHE" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
fi
echo "$BIN"
