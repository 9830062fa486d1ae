#!/usr/bin/env bash
# Shared by scripts/e2e.sh and scripts/bench-browser.sh (sourced): builds the
# CLI, the widget (unless dist/ exists and XSELL_REBUILD_WEB is unset) and the
# demo model target/e2e/model.xsm (untuned, about 2 s).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
D=../shared/data/instacart
[ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund >/dev/null
cargo build --release -p xsell-cli -p xsell-demo
[ -f dist/script/xsell.js ] && [ -z "${XSELL_REBUILD_WEB:-}" ] || bash scripts/build-web.sh
mkdir -p target/e2e
./target/release/xsell-demo catalog "$D/products.csv" -o target/e2e/demo-catalog.jsonl
./target/release/xsell train --events "$D/train_full.txt" --catalog target/e2e/demo-catalog.jsonl \
  --no-tune -o target/e2e/model.xsm
