#!/usr/bin/env python3
"""Runs sql/pair_counts.sql unchanged in Spark SQL (PyPI `pyspark`, local
mode, needs Java 17) over a session-rec TSV and writes its result as one CSV
with a header. Usage:

    python3 scripts/pair_counts_spark.py EVENTS.tsv OUT.csv

Compare the model it gives with the in-memory one as
scripts/pair_counts_check.sh does (`PAIR_COUNTS_ENGINE=spark`).
"""
import csv
import pathlib
import sys
import time

from pyspark.sql import SparkSession


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    events, out = sys.argv[1], sys.argv[2]
    sql = (pathlib.Path(__file__).resolve().parent.parent / "sql" / "pair_counts.sql").read_text()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("xsell-pair-counts")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t0 = time.time()
    df = spark.read.csv(events, sep="\t", header=True, schema="SessionId STRING, ItemId STRING, Time BIGINT")
    df.selectExpr("SessionId AS session_id", "ItemId AS item_id", "Time AS ts").createOrReplaceTempView("xsell_events")
    rows = spark.sql(sql).collect()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "target_id", "sessions", "co", "seq_units"])
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    print(f"spark {spark.version}: {len(rows)} rows -> {out} in {time.time() - t0:.1f}s", file=sys.stderr)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
