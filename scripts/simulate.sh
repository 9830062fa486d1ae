#!/usr/bin/env bash
# The simulated experiment of the README's results: a model trained on
# train_tr only, then `xsell simulate` at 10k and 100k devices (real
# Instacart trips, the widget's core, noised reports over HTTP to the real
# collector on SQLite). Writes out/sim-{10k,100k}.{md,json} and, with the
# sensitivity runs, out/sim-sensitivity.md. See docs/simulator.md.
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/data/instacart
mkdir -p out
cargo build --release -p xsell-cli -p xsell-demo
[ -f out/demo-catalog.jsonl ] || ./target/release/xsell-demo catalog "$D/products.csv" -o out/demo-catalog.jsonl
[ -f out/sim-model.xsm ] || ./target/release/xsell train --events "$D/train_tr.txt" \
  --catalog out/demo-catalog.jsonl --history "$D/orders_sample.csv" -o out/sim-model.xsm
sim() {
  ./target/release/xsell simulate --model out/sim-model.xsm \
    --shoppers "$D/train_valid.txt" --demand "$D/test.txt" --past "$D/train_tr.txt" \
    --orders "$D/orders_sample.csv" "$@"
}
sim --clients 10000 --json out/sim-10k.json | tee out/sim-10k.md
sim --clients 100000 --json out/sim-100k.json --sensitivity | tee out/sim-100k.md
