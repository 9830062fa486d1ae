#!/usr/bin/env bash
# The browser benchmark in headless Chromium: builds the widget and a demo
# model (as scripts/e2e.sh does), serves the shop on a loopback port, opens
# /bench and prints the results table. Takes about a minute after the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-prep.sh
ADDR=127.0.0.1:8719
./target/release/xsell-demo serve --addr "$ADDR" --db "$(mktemp -d)/bench.sqlite" \
  --model target/e2e/model.xsm --www www --dist dist 2>/dev/null &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do curl -sf "http://$ADDR/bench" >/dev/null && break; sleep 0.2; done
node benches/browser.mjs "http://$ADDR"
