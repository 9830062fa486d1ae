#!/usr/bin/env bash
# Core Web Vitals of a product page with and without the widget (benches/cwv.mjs):
# builds the widget and a demo model (as scripts/e2e.sh does), serves the
# shop on a loopback port and prints the table. About 3 minutes after the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-prep.sh
ADDR=127.0.0.1:8720
./target/release/xsell-demo serve --addr "$ADDR" --db "$(mktemp -d)/cwv.sqlite" \
  --model target/e2e/model.xsm --www www --dist dist 2>/dev/null &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do curl -sf "http://$ADDR/" >/dev/null && break; sleep 0.2; done
node benches/cwv.mjs "http://$ADDR"
