#!/usr/bin/env bash
# xsell's LambdaMART trees against LightGBM's lambdarank on the same ranking
# queries (issue #12: LightGBM is the anchor).
#
# Usage: scripts/rank_reference.sh [OUT_DIR] [-- extra lightgbm_reference.py args]
#
# Runs `xsell eval` on the Instacart data with --ranker-data (about 3.5
# minutes on 2 cores), takes xsell's numbers from its `ranking layer:` stderr
# line, trains LightGBM on the dumped queries with
# scripts/lightgbm_reference.py and prints one markdown table: held-back
# validation MRR@20 (session only and with on-device history), trees and
# training seconds for the linear blend, xsell's trees, LightGBM with
# xsell's settings and LightGBM with its own defaults.
#
# OUT_DIR (default: a new temp dir) keeps eval.err, eval.md, rankdata/*.svm
# and lightgbm.json. With REUSE=1 and an OUT_DIR from an earlier run, the
# eval is skipped. Needs target/release/xsell (not built here) and
# `python3 -m pip install lightgbm==4.6.0`.
# Environment: XSELL_BIN, XSELL_DATA (default ../shared/data/instacart
# beside the repo), THREADS (default 2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
bin=${XSELL_BIN:-$root/target/release/xsell}
data=${XSELL_DATA:-$root/../shared/data/instacart}
threads=${THREADS:-2}
out=${1:-}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
if [ -z "$out" ]; then
    out=$(mktemp -d -t xsell-rankref.XXXXXX)
fi
mkdir -p "$out"

if [ "${REUSE:-0}" = 1 ] && [ -s "$out/eval.err" ] && [ -s "$out/rankdata/train.svm" ]; then
    echo "reusing $out/eval.err and $out/rankdata" >&2
else
    if [ ! -x "$bin" ]; then
        echo "missing $bin: build it first (cargo build --release)" >&2
        exit 1
    fi
    python3 -c 'import lightgbm' 2>/dev/null || {
        echo "lightgbm is missing: python3 -m pip install lightgbm==4.6.0" >&2
        exit 1
    }
    echo "running xsell eval into $out (about 3.5 minutes)" >&2
    start=$(date +%s)
    RAYON_NUM_THREADS=$threads "$bin" eval \
        --train "$data/train_full.txt" --test "$data/test.txt" \
        --tune-train "$data/train_tr.txt" --tune-valid "$data/train_valid.txt" \
        --catalog "$data/products.csv" --history "$data/orders_sample.csv" \
        --ranker-data "$out/rankdata" 2> "$out/eval.err" > "$out/eval.md"
    echo "xsell eval took $(( $(date +%s) - start )) s" >&2
fi

# "ranking layer: 114 trees from 12512 queries (1250833 rows) in 74.4s;
#  held-back validation MRR@20 0.1143 -> 0.1239 (linear -> trees, 2824
#  queries), with history 0.1557 -> 0.1693; kept"
line=$(grep -E 'ranking layer: [0-9]+ trees from' "$out/eval.err" | tail -n 1 || true)
if [ -z "$line" ]; then
    echo "no 'ranking layer:' line in $out/eval.err" >&2
    exit 1
fi
num='([0-9.]+)'
field() { sed -E -n "s/.*$1.*/\\$2/p" <<< "$line"; }
trees=$(field "ranking layer: $num trees" 1)
seconds=$(field "\\) in ${num}s;" 1)
linear=$(field "MRR@20 $num -> $num \\(linear" 1)
held=$(field "MRR@20 $num -> $num \\(linear" 2)
hist=$(field "with history $num -> $num" 2)
echo "xsell: $line" >&2

python3 "$here/lightgbm_reference.py" "$out/rankdata" --threads "$threads" --summary \
    --json "$out/lightgbm.json" \
    --xsell "trees=$trees,seconds=$seconds,held=$held,held_history=$hist,linear=$linear" "$@"
echo "details: $out/lightgbm.json" >&2
