#!/usr/bin/env bash
# Sets up a fresh machine for obs: Node dependencies and a build; with --test-tools also the real
# components the integration and end-to-end tests run (promtool, Jaeger, a Collector, a Python
# virtualenv). Idempotent: tools are built once into $OBS_TOOLS_DIR and reused while their
# inputs (versions, manifests, requirements) are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${OBS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/obs-dev}"
want_test_tools=0
for arg in "$@"; do
  case "$arg" in
    --test-tools) want_test_tools=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 64 ;;
  esac
done

say() { printf '\n== %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup.sh: $1 is required: $2" >&2; exit 69; }; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

need node "install Node.js 20.19 or newer"
need npm "install npm"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "setup.sh: Node.js >= 20.19 is required, found $(node -v)" >&2; exit 69; }

say "npm ci"
npm ci --no-audit --no-fund
say "build"
npm run build --silent

[ "$want_test_tools" = 1 ] || exit 0
mkdir -p "$TOOLS_DIR"
# One setup at a time per machine: builds write into the shared cache.
exec 9>"$TOOLS_DIR/.lock"
flock 9

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# promtool (check config/rules, test rules) and a Prometheus server for the integration tier.
apt_install prometheus
# Debian starts the packaged Prometheus as a service where systemd runs; tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi

# Jaeger v2 (OTLP in, query API on 16686), built with `go tool` from a pinned module.
need go "install Go (https://go.dev/dl)"
jaeger_key=$(hash_of test/tools/jaeger/go.mod test/tools/jaeger/go.sum)
jaeger_bin="$TOOLS_DIR/jaeger-$jaeger_key/jaeger"
if [ ! -x "$jaeger_bin" ]; then
  say "build Jaeger (once; cached in $TOOLS_DIR)"
  mkdir -p "$(dirname "$jaeger_bin")"
  (cd test/tools/jaeger && go build -o "$jaeger_bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$jaeger_bin.tmp" "$jaeger_bin"
fi
ln -sfn "$jaeger_bin" "$TOOLS_DIR/jaeger"

# Python virtualenv for the instrumented services, keyed by its requirements.
need python3 "install Python 3.11"
venv_key=$(hash_of test/tools/requirements.txt)
venv="$TOOLS_DIR/venv-$venv_key"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  say "python virtualenv (once; cached in $TOOLS_DIR)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r test/tools/requirements.txt
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$TOOLS_DIR/venv"

# Further tools (the Collector built from the generated builder manifest) are added here.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  say "$step"
  TOOLS_DIR="$TOOLS_DIR" bash "$step"
done

say "test tools ready in $TOOLS_DIR"
