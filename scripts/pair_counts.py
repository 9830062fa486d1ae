#!/usr/bin/env python3
"""Runs sql/pair_counts.sql in DuckDB (PyPI `duckdb`) over a session-rec TSV
(`SessionId ItemId Time`) and writes its output as CSV or Parquet (by the
output's extension). Usage:

    python3 scripts/pair_counts.py EVENTS.tsv OUT.{csv,parquet}

This is the warehouse path of `xsell train` run on one machine: the same
query runs unchanged in BigQuery, Snowflake or Spark SQL over a table
`xsell_events(session_id, item_id, ts)`.
"""
import pathlib
import sys
import time

import duckdb


def quote(path: str) -> str:
    """A path as the inside of a SQL string literal."""
    return path.replace("'", "''")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    events, out = sys.argv[1], sys.argv[2]
    sql = (pathlib.Path(__file__).resolve().parent.parent / "sql" / "pair_counts.sql").read_text()
    fmt = "parquet" if out.endswith(".parquet") else "csv"
    con = duckdb.connect()
    con.execute(
        "CREATE VIEW xsell_events AS SELECT SessionId AS session_id, ItemId AS item_id, Time AS ts "
        f"FROM read_csv('{quote(events)}', delim='\t', header=true, "
        "columns={'SessionId': 'VARCHAR', 'ItemId': 'VARCHAR', 'Time': 'BIGINT'})"
    )
    t0 = time.time()
    options = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
    con.execute(f"COPY ({sql}) TO '{quote(out)}' {options}")
    rows = con.execute(f"SELECT COUNT(*) FROM '{quote(out)}'").fetchone()[0]
    print(f"duckdb {duckdb.__version__}: {rows} rows -> {out} in {time.time() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
