#!/usr/bin/env bash
# The warehouse path gives the in-memory path's model links: sql/pair_counts.sql
# run by DuckDB over the Instacart sample and read back by
# `xsell train --pair-counts` keeps the same links with the same quantised
# weights as `xsell train --events` (compared link by link through
# `xsell inspect --links`). Usage: scripts/pair_counts_check.sh [XSELL_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
X=${1:-target/debug/xsell}
EVENTS=../shared/data/instacart/train_full.txt
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 scripts/pair_counts.py "$EVENTS" "$T/pairs.csv"
"$X" train --events "$EVENTS" --no-tune -o "$T/native.xsm"
"$X" train --pair-counts "$T/pairs.csv" -o "$T/sql.xsm"
"$X" inspect "$T/native.xsm" --links "$T/native.tsv" >/dev/null
"$X" inspect "$T/sql.xsm" --links "$T/sql.tsv" >/dev/null
if ! cmp -s "$T/native.tsv" "$T/sql.tsv"; then
  echo "pair counts: the DuckDB path's links differ from the in-memory path's:" >&2
  diff "$T/native.tsv" "$T/sql.tsv" | head -20 >&2
  exit 1
fi
echo "pair counts: DuckDB and in-memory counting keep the same $(($(wc -l < "$T/native.tsv") - 1)) links with the same weights"
