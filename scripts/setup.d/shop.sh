#!/usr/bin/env bash
# Dependencies of the example shop's Node service (examples/shop/cart), from its lock file.
# Its Python services run from the test virtualenv (test/tools/requirements.txt). Skipped while
# node_modules matches the lock file: a stamp in node_modules holds the lock's hash.
set -euo pipefail
dir=examples/shop/cart
stamp="$dir/node_modules/.obs-lock-hash"
want=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "examples/shop/cart: node_modules up to date"
  exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund)
echo "$want" >"$stamp"
