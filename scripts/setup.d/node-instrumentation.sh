#!/usr/bin/env bash
# The OpenTelemetry Node packages the generated instrumentation.mjs/.cjs loads, and the frameworks
# of the Node test services (express, fastify, pino), installed once into $TOOLS_DIR from
# test/tools/node-instrumentation's lockfile and linked as $TOOLS_DIR/node-instrumentation.
# The instrumentation integration tests link a service's node_modules to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOOLS_DIR:?TOOLS_DIR must be set (scripts/setup.sh sets it)}"

src=test/tools/node-instrumentation
key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
dest="$TOOLS_DIR/node-instrumentation-$key"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && nice npm ci --no-audit --no-fund --ignore-scripts)
  touch "$dest/.complete"
fi
ln -sfn "$dest" "$TOOLS_DIR/node-instrumentation"
