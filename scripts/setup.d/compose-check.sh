#!/usr/bin/env bash
# Builds compose-check (test/tools/compose-check): the Compose Specification's reference loader
# (compose-go), which the integration tests use to load generated compose files as Docker Compose
# would, without a Docker engine. Cached in $TOOLS_DIR by its sources' hash.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOOLS_DIR:?TOOLS_DIR must be set (scripts/setup.sh sets it)}"

src=test/tools/compose-check
key=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
bin="$TOOLS_DIR/compose-check-$key/compose-check"
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  (cd "$src" && nice go build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
ln -sfn "$bin" "$TOOLS_DIR/compose-check"
