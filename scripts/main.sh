#!/usr/bin/env bash
# The main job: train on the Instacart sample (tuned on train_tr -> train_valid),
# evaluate against the published baselines on the test split, write the model,
# the recommendation lists and the results under out/, build the widget, and
# serve the demo shop with the trained model and the feedback collector
# (embedded SQLite, out/feedback.sqlite) on http://127.0.0.1:8710/.
# XSELL_SKIP_EVAL=1 reuses out/model.xsm; XSELL_ADDR changes the address.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
D=../shared/data/instacart
ADDR="${XSELL_ADDR:-127.0.0.1:8710}"
mkdir -p out
bash .ci/install build   # wasm32 target, wasm-bindgen CLI, npm packages (skipped when present)
cargo build --release -p xsell-cli -p xsell-demo
if [ "${XSELL_SKIP_EVAL:-0}" != 1 ] || [ ! -f out/model.xsm ]; then
  # The demo's catalogue: Instacart's products with the shop's URLs, images
  # and (made-up) prices filled in; the evaluation does not read them.
  ./target/release/xsell-demo catalog "$D/products.csv" -o out/demo-catalog.jsonl
  ./target/release/xsell eval \
    --train "$D/train_full.txt" --test "$D/test.txt" \
    --tune-train "$D/train_tr.txt" --tune-valid "$D/train_valid.txt" \
    --catalog out/demo-catalog.jsonl --history "$D/orders_sample.csv" \
    --save-recs out/recs.csv --json out/results.json --model-out out/model.xsm --theta-curve | tee out/results.md
  ./target/release/xsell inspect out/model.xsm
  echo
  echo "The cart slate for a basket of Banana (24852) and Organic Whole Milk (27845):"
  ./target/release/xsell recommend --model out/model.xsm 24852 27845 -n 5
fi
echo
echo "== building the widget"
bash scripts/build-web.sh
echo
echo "== serving the demo shop (Ctrl-C stops it)"
exec ./target/release/xsell-demo serve --addr "$ADDR" --db out/feedback.sqlite \
  --model out/model.xsm --www www --dist dist
