#!/usr/bin/env bash
# The main job: train on the Instacart sample (tuned on train_tr -> train_valid),
# evaluate against the published baselines on the test split, write the model,
# the recommendation lists and the results under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/data/instacart
mkdir -p out
cargo build --release -p xsell-cli
./target/release/xsell eval \
  --train "$D/train_full.txt" --test "$D/test.txt" \
  --tune-train "$D/train_tr.txt" --tune-valid "$D/train_valid.txt" \
  --catalog "$D/products.csv" --history "$D/orders_sample.csv" \
  --save-recs out/recs.csv --json out/results.json --model-out out/model.xsm --theta-curve | tee out/results.md
./target/release/xsell inspect out/model.xsm
echo
echo "The cart slate for a basket of Banana (24852) and Organic Whole Milk (27845):"
./target/release/xsell recommend --model out/model.xsm 24852 27845 -n 5
