#!/usr/bin/env bash
# End-to-end tests of the demo shop in headless Chromium (playwright-core):
# builds the CLI, the widget and a demo model, then runs tests/e2e/run.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
D=../shared/data/instacart
[ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund >/dev/null
cargo build --release -p xsell-cli
[ -f dist/script/xsell.js ] && [ -z "${XSELL_REBUILD_WEB:-}" ] || bash scripts/build-web.sh
mkdir -p target/e2e
./target/release/xsell train --events "$D/train_full.txt" --catalog "$D/products.csv" \
  --demo-shop --no-tune -o target/e2e/model.xsm
node --test --test-reporter=spec tests/e2e/run.mjs
