#!/usr/bin/env bash
# `npm run example`, the README's first command: no server needed. obs init writes the example
# shop's observability stack from examples/shop/obs.yaml (into examples/shop/observability/, which
# git ignores), then obs analyze traces reads traces recorded by the end-to-end test while payments
# failed half its requests (examples/shop/telemetry/README.md) and names the failing service.
set -euo pipefail
cd "$(dirname "$0")/.."
samples=examples/shop/telemetry

echo "== obs init examples/shop"
node bin/run.js init examples/shop
echo
echo "== obs analyze traces $samples/incident.otlp.jsonl.gz --baseline $samples/baseline.otlp.jsonl.gz"
node bin/run.js analyze traces "$samples/incident.otlp.jsonl.gz" --baseline "$samples/baseline.otlp.jsonl.gz"
