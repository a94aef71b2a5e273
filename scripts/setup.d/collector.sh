#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the integration and end-to-end tests run, from the builder
# manifest `obs init` generates for examples/shop/obs.yaml (scripts/collector-manifest.mjs), so the
# binary has exactly the components obs writes into a manifest, and the end-to-end test runs the
# Collector a user of the example would build. A copy of the manifest stays beside the binary. Cached in $TOOLS_DIR by the manifest's
# hash and linked as $TOOLS_DIR/otelcol; a changed generator means one new build (a few minutes on
# two cores; run niced). Needs `npm run build` (setup.sh runs it first) and Go.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOOLS_DIR:?TOOLS_DIR must be set (scripts/setup.sh sets it)}"

OCB_VERSION=v0.165.0 # the builder release that goes with the collector release obs pins
manifest=$(node scripts/collector-manifest.mjs)
key=$(printf '%s\n%s' "$OCB_VERSION" "$manifest" | sha256sum | cut -c1-16)
dir="$TOOLS_DIR/otelcol-$key"
if [ -x "$dir/otelcol-obs" ]; then
  ln -sfn "$dir/otelcol-obs" "$TOOLS_DIR/otelcol"
  exit 0
fi

# resourcedetectionprocessor v0.165.1 needs Go >= 1.26.9; go1.27.3 is the toolchain the Go proxy
# serves here, so use it when the local Go is older.
local_go=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$local_go" 1.26.9 | sort -V | head -1)" != 1.26.9 ]; then
  export GOTOOLCHAIN=go1.27.3
fi

ocb="$TOOLS_DIR/bin/builder-$OCB_VERSION"
if [ ! -x "$ocb" ]; then
  mkdir -p "$TOOLS_DIR/bin"
  tmpbin=$(mktemp -d)
  GOBIN="$tmpbin" nice go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  mv "$tmpbin/builder" "$ocb"
  rmdir "$tmpbin"
fi

build="$dir.build"
rm -rf "$build"
mkdir -p "$build"
printf '%s\n' "$manifest" >"$build/builder-config.yaml"
cd "$build"
started=$(date +%s)
# ocb's `go mod tidy` resolves every resource detector of resourcedetectionprocessor, also those
# the manifest compiles out with build tags; a few of their modules are not served by the Go proxy
# here. So: let ocb generate the sources, tidy with -e (the missing modules are never compiled),
# then let ocb compile with its build tags.
if ! nice "$ocb" --config builder-config.yaml --skip-compilation >generate.log 2>&1; then
  if ! grep -q 'failed to update go.mod' generate.log || [ ! -f _build/components.go ]; then
    cat generate.log >&2
    exit 1
  fi
  (cd _build && nice go mod tidy -e >../tidy.log 2>&1)
fi
nice "$ocb" --config builder-config.yaml --skip-generate --skip-get-modules >compile.log 2>&1 \
  || { cat compile.log >&2; exit 1; }
"_build/otelcol-obs" components >/dev/null
mkdir -p "$dir"
mv _build/otelcol-obs "$dir/otelcol-obs"
cp builder-config.yaml "$dir/"
cd "$TOOLS_DIR"
rm -rf "$build"
echo "collector built in $(($(date +%s) - started))s: $dir/otelcol-obs" >&2
ln -sfn "$dir/otelcol-obs" "$TOOLS_DIR/otelcol"
