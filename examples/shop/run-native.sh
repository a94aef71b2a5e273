#!/usr/bin/env bash
# Runs the shop without Docker: every service on 127.0.0.1, on the ports compose.yaml publishes
# (gateway 8080, catalog 8001, cart 8002, orders 8003, payments 8004; override with
# GATEWAY_PORT, CATALOG_PORT, CART_PORT, ORDERS_PORT, PAYMENTS_PORT). Logs and SQLite stores go
# to RUN_DIR (default ./.run). Stops every service on Ctrl-C or TERM.
#
# Needs a Python 3.11 virtualenv with the services' requirements (VENV, default ./.venv) and
# `npm ci` done in cart/. FAULT_* variables set here reach every service.
set -euo pipefail
cd "$(dirname "$0")"
shop=$PWD

VENV=${VENV:-$shop/.venv}
RUN_DIR=${RUN_DIR:-$shop/.run}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
CATALOG_PORT=${CATALOG_PORT:-8001}
CART_PORT=${CART_PORT:-8002}
ORDERS_PORT=${ORDERS_PORT:-8003}
PAYMENTS_PORT=${PAYMENTS_PORT:-8004}

[ -x "$VENV/bin/gunicorn" ] && [ -x "$VENV/bin/uvicorn" ] || {
  echo "run-native.sh: no virtualenv with gunicorn and uvicorn at $VENV; create one:" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -r gateway/requirements.txt \\" >&2
  echo "    -r catalog/requirements.txt -r orders/requirements.txt -r payments/requirements.txt" >&2
  exit 69
}
[ -d cart/node_modules ] || { echo "run-native.sh: run 'npm ci' in cart/ first" >&2; exit 69; }
RUN_DIR=$(mkdir -p "$RUN_DIR" && cd "$RUN_DIR" && pwd)

export PYTHONPATH=$shop/common PYTHONUNBUFFERED=1 HOST=127.0.0.1
export CATALOG_URL=http://127.0.0.1:$CATALOG_PORT CART_URL=http://127.0.0.1:$CART_PORT
export ORDERS_URL=http://127.0.0.1:$ORDERS_PORT PAYMENTS_URL=http://127.0.0.1:$PAYMENTS_PORT

# Job control: each service gets a process group of its own, so stopping reaches its children.
set -m
pids=()
start() { # name port command...
  local name=$1 port=$2
  shift 2
  (cd "$name" && PORT=$port DATA_DIR="$RUN_DIR/$name-data" exec "$@" >>"$RUN_DIR/$name.log" 2>&1) &
  pids+=($!)
  echo "$name: http://127.0.0.1:$port (log $RUN_DIR/$name.log)"
}
stop() {
  trap - EXIT INT TERM
  echo "stopping the shop"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT INT TERM

gunicorn=("$VENV/bin/gunicorn" --workers 1 --threads 8 --graceful-timeout 5 --no-control-socket)
start catalog "$CATALOG_PORT" "${gunicorn[@]}" --bind "127.0.0.1:$CATALOG_PORT" app:app
start payments "$PAYMENTS_PORT" "$VENV/bin/uvicorn" app:app --host 127.0.0.1 --port "$PAYMENTS_PORT"
start cart "$CART_PORT" node src/server.js
start orders "$ORDERS_PORT" "${gunicorn[@]}" --bind "127.0.0.1:$ORDERS_PORT" app:app
start gateway "$GATEWAY_PORT" "$VENV/bin/uvicorn" app:app --host 127.0.0.1 --port "$GATEWAY_PORT"

for port in "$CATALOG_PORT" "$PAYMENTS_PORT" "$CART_PORT" "$ORDERS_PORT" "$GATEWAY_PORT"; do
  "$VENV/bin/python" - "$port" <<'PY' || { echo "run-native.sh: no answer on port $port" >&2; exit 1; }
import sys, time, urllib.request
deadline = time.time() + 30
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.2)
PY
done
echo "shop ready: http://127.0.0.1:$GATEWAY_PORT/api/products (Ctrl-C stops it)"
wait -n || true
echo "run-native.sh: a service exited; see $RUN_DIR" >&2
exit 1
