#!/usr/bin/env bash
# The warehouse path gives the in-memory path's model links: sql/pair_counts.sql
# run by DuckDB over the Instacart sample and read back by
# `xsell train --pair-counts` keeps the same links with the same quantised
# weights as `xsell train --events` (compared link by link through
# `xsell inspect --links`). Usage: scripts/pair_counts_check.sh [XSELL_BINARY]
# PAIR_COUNTS_ENGINE=spark runs the same query in Spark SQL instead (local
# mode; needs `pip install pyspark` and Java 17; not run in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
X=${1:-target/debug/xsell}
EVENTS=../shared/data/instacart/train_full.txt
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ENGINE=${PAIR_COUNTS_ENGINE:-duckdb}
case "$ENGINE" in
  duckdb)
    python3 scripts/pair_counts.py "$EVENTS" "$T/pairs.csv"
    python3 scripts/pair_counts.py "$EVENTS" "$T/pairs.parquet" ;;
  spark)
    python3 scripts/pair_counts_spark.py "$EVENTS" "$T/pairs.csv" 2>"$T/spark.log" \
      || { cat "$T/spark.log" >&2; exit 1; }
    tr '\r' '\n' < "$T/spark.log" | grep -o "spark [0-9].*" ;;
  *) echo "PAIR_COUNTS_ENGINE: unknown engine $ENGINE (duckdb or spark)" >&2; exit 2 ;;
esac
"$X" train --events "$EVENTS" --no-tune -o "$T/native.xsm"
"$X" inspect "$T/native.xsm" --links "$T/native.tsv" >/dev/null
same() { # the links of the model built from pair-count table $1
  "$X" train --pair-counts "$1" -o "$T/sql.xsm"
  "$X" inspect "$T/sql.xsm" --links "$T/sql.tsv" >/dev/null
  if ! cmp -s "$T/native.tsv" "$T/sql.tsv"; then
    echo "pair counts: the $ENGINE path's links ($1) differ from the in-memory path's:" >&2
    diff "$T/native.tsv" "$T/sql.tsv" | head -20 >&2
    exit 1
  fi
}
same "$T/pairs.csv"
if [ -f "$T/pairs.parquet" ]; then same "$T/pairs.parquet"; fi
echo "pair counts: $ENGINE (CSV$([ -f "$T/pairs.parquet" ] && echo ' and Parquet')) and in-memory counting keep the same $(($(wc -l < "$T/native.tsv") - 1)) links with the same weights"
