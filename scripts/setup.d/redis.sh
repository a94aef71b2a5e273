#!/usr/bin/env bash
# Redis server (Debian package) for the dashboards' integration test, whose orders service caches
# in Redis; the test starts its own server on a free port.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server
  # The package may start its own service; tests run theirs on free ports.
  if command -v service >/dev/null 2>&1; then $sudo service redis-server stop >/dev/null 2>&1 || true; fi
fi
