#!/usr/bin/env python3
"""Writes the Parquet fixtures of crates/input from its hand-written text
fixtures, with DuckDB (PyPI `duckdb`, as in .ci/install), SNAPPY-compressed
like the files BigQuery, Snowflake, Spark and DuckDB write by default:

  ga4_events.jsonl -> ga4_events.parquet  GA4's BigQuery export schema:
                      event_params and items as LIST of STRUCT,
                      event_timestamp INT64 (the JSON has it as a string
                      or a number; the Parquet file as BigQuery types it)
  events.csv       -> events.parquet      the generic event table
                                          (timestamp BIGINT)
  catalog.csv      -> catalog.parquet     the generic catalogue table
                                          (price DECIMAL(18,2),
                                          in_stock BOOLEAN)
  events.parquet   -> pair_counts.parquet sql/pair_counts.sql's output over
                                          the generic events, as a
                                          warehouse writes it
  (inline values)  -> types.parquet       one column per Parquet type the
                                          flat reader turns into text
  events.csv       -> events_{gzip,zstd,lz4}.parquet  the same table in the
                                          other codecs (LZ4, which xsell
                                          does not read, for its error)

The files are small and checked in; run this after editing a text fixture:

    python3 scripts/parquet_fixtures.py

The tests in crates/input/tests/parquet.rs check that each Parquet file
reads to exactly what its text fixture reads to.
"""
import pathlib
import sys

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "input" / "tests" / "fixtures"

# GA4's key/value parameter lists (event_params, user_properties,
# items.item_params) as the BigQuery export types them.
PARAMS = (
    "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
    "float_value DOUBLE, double_value DOUBLE))[]"
)

# The columns of GA4's `events_YYYYMMDD` tables that the JSON fixture holds,
# with the export's types (STRING -> VARCHAR, INT64 -> BIGINT, FLOAT64 ->
# DOUBLE, RECORD REPEATED -> LIST of STRUCT).
GA4_COLUMNS = {
    "event_date": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "event_params": PARAMS,
    "event_previous_timestamp": "BIGINT",
    "event_value_in_usd": "DOUBLE",
    "event_bundle_sequence_id": "BIGINT",
    "event_server_timestamp_offset": "BIGINT",
    "user_id": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "user_properties": (
        "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
        "float_value DOUBLE, double_value DOUBLE, set_timestamp_micros BIGINT))[]"
    ),
    "user_first_touch_timestamp": "BIGINT",
    "device": (
        "STRUCT(category VARCHAR, operating_system VARCHAR, browser VARCHAR, "
        "language VARCHAR)"
    ),
    "geo": "STRUCT(continent VARCHAR, country VARCHAR, region VARCHAR, city VARCHAR)",
    "traffic_source": "STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)",
    "stream_id": "VARCHAR",
    "platform": "VARCHAR",
    "ecommerce": (
        "STRUCT(total_item_quantity BIGINT, purchase_revenue_in_usd DOUBLE, "
        "purchase_revenue DOUBLE, unique_items BIGINT, transaction_id VARCHAR)"
    ),
    "items": (
        "STRUCT(item_id VARCHAR, item_name VARCHAR, item_brand VARCHAR, "
        "item_variant VARCHAR, item_category VARCHAR, item_category2 VARCHAR, "
        "item_category3 VARCHAR, price_in_usd DOUBLE, price DOUBLE, quantity BIGINT, "
        "item_revenue_in_usd DOUBLE, item_revenue DOUBLE, coupon VARCHAR, "
        "item_list_name VARCHAR, item_list_index VARCHAR, "
        f"item_params {PARAMS})[]"
    ),
}


def quote(path: pathlib.Path) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def struct(columns: dict) -> str:
    """A Python dict of column types as a DuckDB struct literal."""
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def write(con, select: str, name: str, codec: str = "snappy") -> None:
    out = FIXTURES / name
    con.execute(f"COPY ({select}) TO {quote(out)} (FORMAT parquet, COMPRESSION {codec})")
    rows = con.execute(f"SELECT COUNT(*) FROM {quote(out)}").fetchone()[0]
    print(f"{name}: {rows} rows, {out.stat().st_size} bytes", file=sys.stderr)


def main() -> int:
    con = duckdb.connect()
    write(
        con,
        f"SELECT * FROM read_json({quote(FIXTURES / 'ga4_events.jsonl')}, "
        f"format = 'newline_delimited', columns = {struct(GA4_COLUMNS)})",
        "ga4_events.parquet",
    )
    events = {
        "session_id": "VARCHAR",
        "item_id": "VARCHAR",
        "event": "VARCHAR",
        "timestamp": "BIGINT",
        "user": "VARCHAR",
    }
    events_csv = (
        f"SELECT * FROM read_csv({quote(FIXTURES / 'events.csv')}, header = true, "
        f"columns = {struct(events)})"
    )
    write(con, events_csv, "events.parquet")
    for codec in ["gzip", "zstd", "lz4"]:
        write(con, events_csv, f"events_{codec}.parquet", codec)
    catalog = {
        "id": "VARCHAR",
        "title": "VARCHAR",
        "category": "VARCHAR",
        "price": "DECIMAL(18,2)",
        "url": "VARCHAR",
        "image": "VARCHAR",
        "in_stock": "BOOLEAN",
    }
    write(
        con,
        f"SELECT * FROM read_csv({quote(FIXTURES / 'catalog.csv')}, header = true, "
        f"quote = '\"', escape = '\"', columns = {struct(catalog)})",
        "catalog.parquet",
    )
    con.execute(
        "CREATE VIEW xsell_events AS SELECT session_id, item_id, timestamp AS ts "
        f"FROM {quote(FIXTURES / 'events.parquet')}"
    )
    sql = (ROOT / "sql" / "pair_counts.sql").read_text()
    # A fixed row order, so the file is the same on every run.
    write(con, f"SELECT * FROM ({sql}) ORDER BY item_id, target_id NULLS FIRST", "pair_counts.parquet")
    write(
        con,
        """SELECT * FROM (VALUES
            ('text', -8::TINYINT, -16::SMALLINT, -32::INTEGER, -64::BIGINT,
             200::UTINYINT, 18446744073709551615::UBIGINT, 1.5::FLOAT, 0.1::DOUBLE,
             true, DATE '2024-03-01',
             TIMESTAMP_MS '2024-03-01 10:15:22.123',
             TIMESTAMP '2024-03-01 10:15:22.123456',
             TIMESTAMP_NS '2024-03-01 10:15:22.123456789',
             4.99::DECIMAL(9,2), -4.99::DECIMAL(18,3), 4.99::DECIMAL(38,9),
             12::DECIMAL(9,0), 'bytes'::BLOB,
             '0f2c6d1e-8a4b-4c3d-9e5f-1a2b3c4d5e6f'::UUID, [1, 2]),
            (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        ) AS t(s, i8, i16, i32, i64, u8, u64, f32, f64, b, d, ts_ms, ts_us, ts_ns,
               dec9, dec18, dec38, dec0, blob, uuid, list)""",
        "types.parquet",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
