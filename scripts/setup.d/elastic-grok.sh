#!/usr/bin/env bash
# Elasticsearch's grok library (what the ingest grok processor runs) with its regex engine (joni),
# from Maven Central, for test/integration/elk: generated grok patterns are matched against real
# log lines with the same code a server would use. Needs Java 17+ and Maven.
set -euo pipefail
for cmd in java mvn; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "elastic-grok: $cmd is required (OpenJDK 17+ and Maven)" >&2; exit 69; }
done
pom=test/tools/elastic-grok/pom.xml
key=$(sha256sum "$pom" | cut -c1-16)
dest="$TOOLS_DIR/elastic-grok-$key"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dest"
  touch "$dest/.complete"
fi
ln -sfn "$dest" "$TOOLS_DIR/elastic-grok"
