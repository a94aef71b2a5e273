#!/usr/bin/env bash
# Installs the Node packages the dashboards' integration test runs its Node service with
# (OpenTelemetry SDK 2.x, auto-instrumentations, prom-client, express) from the lock file in
# test/tools/node-otel. Cached in $TOOLS_DIR by the lock's hash, linked as $TOOLS_DIR/node-otel.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOOLS_DIR:?TOOLS_DIR must be set (scripts/setup.sh sets it)}"

src=test/tools/node-otel
key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
dir="$TOOLS_DIR/node-otel-$key"
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && nice npm ci --no-audit --no-fund --omit=dev)
  touch "$dir/.complete"
fi
ln -sfn "$dir" "$TOOLS_DIR/node-otel"
