-- xsell's counting stage as one SQL query: what `xsell train` counts in
-- memory, for logs that outgrow one machine. Its output is read back by
-- `xsell train --pair-counts FILE` (Parquet or CSV), which builds the same
-- links with the same quantised weights as counting natively (a CI test
-- runs this file through DuckDB on the Instacart sample and compares).
--
-- Input: a table or view `xsell_events(session_id, item_id, ts)`, one row
-- per event (any event type: views, carts and purchases all count), `ts`
-- any monotone number. Create it from your export first, e.g. in DuckDB
--   CREATE VIEW xsell_events AS SELECT SessionId AS session_id,
--     ItemId AS item_id, Time AS ts FROM read_csv('train.tsv', delim='\t');
-- Output: one row per item (`target_id` NULL, `sessions` = sessions that
-- hold it) and one row per kept link (`co` = sessions holding both,
-- `seq_units` = the 1/gap-weighted count of `target_id` following `item_id`
-- within `steps` events, in units of 1/gap_unit).
--
-- It is a single SELECT in the subset DuckDB, BigQuery, Snowflake and Spark
-- SQL share (CTEs, window functions, FULL OUTER JOIN, POWER, CAST to STRING
-- and BIGINT); wrap it in the engine's own write, e.g. in DuckDB
--   COPY (<this file>) TO 'pairs.parquet' (FORMAT parquet);
-- in BigQuery `CREATE TABLE ds.pairs AS <this file>` then export, in Spark
-- `spark.sql(open(f).read()).write.parquet(...)`. Dialect notes, the output's
-- columns and the parameters are in docs/warehouse.md.
--
-- Ties: events of a session are ordered by `ts`, then by item id (the
-- in-memory counter uses file order there; the two agree whenever no two
-- events of a session share a timestamp). Links with equal weight are kept
-- in item-id order, as in the in-memory counter.
WITH params AS (
  -- Keep these equal to `xsell train`'s: --neighbours and --exponents
  -- (SOURCE,TARGET). steps and co_window are fixed in xsell; gap_unit is
  -- lcm(1..steps) = 2520 for 10 steps.
  SELECT
    10 AS steps,
    0 AS co_window,
    0.75 AS source_exponent,
    0.25 AS target_exponent,
    100 AS max_neighbours,
    2520 AS gap_unit
),
typed AS (
  SELECT CAST(session_id AS STRING) AS session_id,
         CAST(item_id AS STRING) AS item_id,
         ts
  FROM xsell_events
  WHERE session_id IS NOT NULL AND item_id IS NOT NULL AND ts IS NOT NULL
),
ev AS (
  SELECT session_id, item_id,
         ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY ts, item_id) AS pos
  FROM typed
),
-- Distinct items of each session, ranked by first appearance.
firsts AS (
  SELECT session_id, item_id, MIN(pos) AS first_pos
  FROM ev
  GROUP BY session_id, item_id
),
basket AS (
  SELECT session_id, item_id,
         ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY first_pos) AS rnk
  FROM firsts
),
item_counts AS (
  SELECT item_id, COUNT(*) AS sessions
  FROM basket
  GROUP BY item_id
),
co AS (
  SELECT a.item_id, b.item_id AS target_id, COUNT(*) AS co
  FROM basket a
  JOIN basket b ON a.session_id = b.session_id AND a.item_id <> b.item_id
  CROSS JOIN params p
  WHERE p.co_window = 0 OR ABS(a.rnk - b.rnk) <= p.co_window
  GROUP BY a.item_id, b.item_id
),
seq AS (
  SELECT a.item_id, b.item_id AS target_id,
         CAST(SUM(FLOOR(p.gap_unit / (b.pos - a.pos))) AS BIGINT) AS seq_units
  FROM ev a
  JOIN ev b ON a.session_id = b.session_id AND b.pos > a.pos
  CROSS JOIN params p
  WHERE b.pos - a.pos <= p.steps AND a.item_id <> b.item_id
  GROUP BY a.item_id, b.item_id
),
links AS (
  SELECT COALESCE(c.item_id, s.item_id) AS item_id,
         COALESCE(c.target_id, s.target_id) AS target_id,
         COALESCE(c.co, 0) AS co,
         COALESCE(s.seq_units, 0) AS seq_units
  FROM co c
  FULL OUTER JOIN seq s ON c.item_id = s.item_id AND c.target_id = s.target_id
),
-- The weights exactly as the in-memory trainer computes them, in the same
-- order of operations (so both round alike).
weighted AS (
  SELECT l.item_id, l.target_id, l.co, l.seq_units,
         l.co / (POWER(si.sessions, p.source_exponent) * POWER(ti.sessions, p.target_exponent)) AS w_co,
         l.seq_units / (p.gap_unit * POWER(si.sessions, p.source_exponent) * POWER(ti.sessions, p.target_exponent)) AS w_seq
  FROM links l
  JOIN item_counts si ON si.item_id = l.item_id
  JOIN item_counts ti ON ti.item_id = l.target_id
  CROSS JOIN params p
),
scored AS (
  SELECT item_id, target_id, co, seq_units,
         CASE WHEN MAX(w_co) OVER (PARTITION BY item_id) > 0
              THEN w_co / MAX(w_co) OVER (PARTITION BY item_id) ELSE 0 END
       + CASE WHEN MAX(w_seq) OVER (PARTITION BY item_id) > 0
              THEN w_seq / MAX(w_seq) OVER (PARTITION BY item_id) ELSE 0 END AS link_key
  FROM weighted
),
kept AS (
  SELECT item_id, target_id, co, seq_units,
         ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY link_key DESC, target_id) AS nth
  FROM scored
)
SELECT item_id, CAST(NULL AS STRING) AS target_id, sessions,
       CAST(NULL AS BIGINT) AS co, CAST(NULL AS BIGINT) AS seq_units
FROM item_counts
UNION ALL
SELECT k.item_id, k.target_id, CAST(NULL AS BIGINT) AS sessions, k.co, k.seq_units
FROM kept k
CROSS JOIN params p
WHERE k.nth <= p.max_neighbours
