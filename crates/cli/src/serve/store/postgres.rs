//! The PostgreSQL backend: for when one machine is not enough (several
//! collectors in front of one database). Commits are durable on
//! acknowledgement with the server's default `synchronous_commit = on`.
//!
//! Connections come from a pool (`deadpool-postgres`, [`POOL_SIZE`] at
//! most). A connection the server closed (a restart, a network cut) is
//! found at its next use and replaced by a new one, so the collector
//! reconnects by itself: while the database is away, requests fail within
//! [`WAIT`] (the widget gets 503 and keeps the report), and once it is back
//! they are served again.

use super::{
    check_reports_columns, collect, days_to_roll_up, first_open_day, parse_version,
    rollup_statements, tables, tally_queries, typed_body, value_columns, Filter, ReportCount,
    StoreError, Stored, ValueCount, SCHEMA_VERSION,
};
use crate::serve::tally::{Group, Tallies, ValueColumns};
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use std::time::Duration;
use tokio_postgres::{Client, Row};
use xsell_core::privacy::report::Report;

/// Text ordered by bytes: the days, names and mechanisms are ASCII, and
/// the tally queries sort by them (the database's locale order is several
/// times slower and orders nothing better).
const TEXT: &str = "TEXT COLLATE \"C\"";

/// Serialises schema changes between collector processes starting at once
/// (`pg_advisory_xact_lock`; the number only has to be xsell's own).
const SCHEMA_LOCK: i64 = 0x7853_656c_6c00;

/// The filter with `from` as its first day's placeholder: to, placement
/// and experiment are $2, $3, $4 (the first open day is $5).
fn filter_from(from: &str) -> String {
    format!("day BETWEEN {from} AND $2 AND ($3::TEXT IS NULL OR placement = $3) AND ($4::TEXT IS NULL OR experiment = $4)")
}

/// One report and its values in one statement (so in one transaction on a
/// shared connection): the report row once per id, and its values only if
/// the row was new.
const INSERT: &str = "WITH r AS (
         INSERT INTO reports (day, placement, body, report_id, experiment, arm)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (report_id) DO NOTHING
         RETURNING id, day, placement, experiment, arm
     ), v AS (
         INSERT INTO report_values (report, day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row)
         SELECT r.id, r.day, r.placement, r.experiment, r.arm, x.mech, x.metric, x.eps, x.bound, x.bits, x.width, x.cell_row
         FROM r, unnest($7::TEXT[], $8::TEXT[], $9::INTEGER[], $10::INTEGER[], $11::INTEGER[], $12::INTEGER[], $13::INTEGER[])
             AS x(mech, metric, eps, bound, bits, width, cell_row)
     )
     SELECT COUNT(*) FROM r";

/// Many reports with ids in one statement (fixtures and benchmarks): the
/// rows of `reports`, and the values of the rows that were new, joined to
/// them by report id.
const INSERT_MANY: &str = "WITH r AS (
         INSERT INTO reports (day, placement, body, report_id, experiment, arm)
         SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[])
         ON CONFLICT (report_id) DO NOTHING
         RETURNING id, report_id, day, placement, experiment, arm
     ), v AS (
         INSERT INTO report_values (report, day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row)
         SELECT r.id, r.day, r.placement, r.experiment, r.arm, x.mech, x.metric, x.eps, x.bound, x.bits, x.width, x.cell_row
         FROM r JOIN unnest($7::TEXT[], $8::TEXT[], $9::TEXT[], $10::INTEGER[], $11::INTEGER[], $12::INTEGER[], $13::INTEGER[], $14::INTEGER[])
             AS x(report_id, mech, metric, eps, bound, bits, width, cell_row) ON x.report_id = r.report_id
     )
     SELECT COUNT(*) FROM r";

/// Connections one collector process keeps to the database at most.
pub const POOL_SIZE: usize = 8;
/// How long a request waits for a connection, or for a new connection to
/// be made, before it fails (503).
pub const WAIT: Duration = Duration::from_secs(5);

/// PostgreSQL store.
pub struct PgStore {
    pool: Pool,
}

impl From<PoolError> for StoreError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Backend(e) => StoreError::Postgres(e),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl PgStore {
    /// Connects (e.g. `postgres://xsell:xsell@127.0.0.1/xsell`), makes or
    /// updates the tables, and refuses a database whose `reports` table is
    /// not xsell's or whose schema is newer.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                // A connection is checked (`is_closed`) before reuse.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = Self { pool };
        let mut client = store.client().await?;
        prepare_schema(&mut client).await?;
        drop(client);
        Ok(store)
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// See [`super::Store::insert`].
    pub async fn insert(&self, r: &Report) -> Result<Stored, StoreError> {
        let values = value_columns(r).map_err(StoreError::Task)?;
        let col = |f: fn(&ValueColumns) -> i32| values.iter().map(f).collect::<Vec<i32>>();
        let mechs: Vec<&str> = values.iter().map(|v| v.mech.as_str()).collect();
        let metrics: Vec<&str> = values.iter().map(|v| v.metric.as_str()).collect();
        let row = self
            .client()
            .await?
            .query_one(
                INSERT,
                &[
                    &r.day,
                    &r.placement,
                    &r.to_json(),
                    &r.id,
                    &r.experiment,
                    &r.arm,
                    &mechs,
                    &metrics,
                    &col(|v| v.eps),
                    &col(|v| v.bound),
                    &col(|v| v.bits),
                    &col(|v| v.width),
                    &col(|v| v.cell_row),
                ],
            )
            .await?;
        Ok(Stored::of_rows(row.get::<_, i64>(0) as u64))
    }

    /// Stores many validated reports (fixtures and benchmarks: the
    /// collector commits each report on its own): those with ids a few
    /// thousand to a statement, the others one by one. Returns how many
    /// were new.
    pub async fn insert_many(&self, reports: &[Report]) -> Result<u64, StoreError> {
        let mut new = 0;
        let mut seen = std::collections::HashSet::new();
        let mut with_id = Vec::new();
        for r in reports {
            match &r.id {
                // A repeat within the batch would join its values twice.
                Some(id) if seen.insert(id.as_str()) => with_id.push(r),
                Some(_) => {}
                None => new += u64::from(self.insert(r).await? == Stored::New),
            }
        }
        for chunk in with_id.chunks(4096) {
            new += self.insert_batch(chunk).await?;
        }
        Ok(new)
    }

    async fn insert_batch(&self, reports: &[&Report]) -> Result<u64, StoreError> {
        let text =
            |f: fn(&Report) -> Option<String>| reports.iter().map(|r| f(r)).collect::<Vec<_>>();
        let mut values: Vec<(String, ValueColumns)> = Vec::new();
        for r in reports {
            let id = r.id.clone().unwrap_or_default();
            values.extend(
                value_columns(r)
                    .map_err(StoreError::Task)?
                    .into_iter()
                    .map(|v| (id.clone(), v)),
            );
        }
        let col =
            |f: fn(&ValueColumns) -> i32| values.iter().map(|(_, v)| f(v)).collect::<Vec<i32>>();
        let value_text =
            |f: fn(&(String, ValueColumns)) -> &str| values.iter().map(f).collect::<Vec<&str>>();
        let row = self
            .client()
            .await?
            .query_one(
                INSERT_MANY,
                &[
                    &text(|r| Some(r.day.clone())),
                    &text(|r| Some(r.placement.clone())),
                    &text(|r| Some(r.to_json())),
                    &text(|r| r.id.clone()),
                    &text(|r| r.experiment.clone()),
                    &text(|r| r.arm.clone()),
                    &value_text(|(id, _)| id),
                    &value_text(|(_, v)| &v.mech),
                    &value_text(|(_, v)| &v.metric),
                    &col(|v| v.eps),
                    &col(|v| v.bound),
                    &col(|v| v.bits),
                    &col(|v| v.width),
                    &col(|v| v.cell_row),
                ],
            )
            .await?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    /// See [`super::Store::tallies`].
    pub async fn tallies(
        &self,
        filter: &Filter,
        closed_before: Option<&str>,
    ) -> Result<Tallies, StoreError> {
        if let Some(before) = closed_before {
            self.roll_up(filter, before).await?;
        }
        let (reports_sql, values_sql) = tally_queries(&filter_from("$1"), &filter_from("$5"));
        let open = first_open_day(filter, closed_before);
        let p: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &filter.from,
            &filter.to,
            &filter.placement,
            &filter.experiment,
            &open,
        ];
        let client = self.client().await?;
        let (reports, values) = tokio::try_join!(
            client.query(&reports_sql, &p),
            client.query(&values_sql, &p)
        )?;
        let group = |row: &Row| Group {
            day: row.get(0),
            placement: row.get(1),
            experiment: row.get(2),
            arm: row.get(3),
        };
        let reports = reports
            .iter()
            .map(|row| ReportCount {
                group: group(row),
                n: row.get(4),
            })
            .collect();
        let values = values
            .iter()
            .map(|row| ValueCount {
                group: group(row),
                value: ValueColumns {
                    mech: row.get(4),
                    metric: row.get(5),
                    eps: row.get(6),
                    bound: row.get(7),
                    bits: row.get(8),
                    width: row.get(9),
                    cell_row: row.get(10),
                },
                n: row.get(11),
            })
            .collect();
        Ok(collect(reports, values))
    }

    /// Rolls up the closed days of `filter` not rolled up yet, in one
    /// statement: a second collector rolling the same days up waits on
    /// `rollup_days`' key and then adds nothing.
    async fn roll_up(&self, filter: &Filter, before: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        let rolled: Vec<String> = client
            .query(
                "SELECT day FROM rollup_days WHERE day BETWEEN $1 AND $2",
                &[&filter.from, &filter.to],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let days = days_to_roll_up(filter, before, &rolled);
        if days.is_empty() {
            return Ok(());
        }
        let (reports_sql, values_sql) = rollup_statements("day IN (SELECT day FROM d)");
        let sql = format!(
            "WITH d AS (
                 INSERT INTO rollup_days (day) SELECT unnest($1::TEXT[])
                 ON CONFLICT DO NOTHING RETURNING day
             ),
             a AS ({reports_sql}),
             b AS ({values_sql})
             SELECT COUNT(*) FROM d"
        );
        client.query_one(&sql, &[&days]).await?;
        Ok(())
    }

    /// The days rolled up so far, oldest first.
    pub async fn rolled_up_days(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()
            .await?
            .query("SELECT day FROM rollup_days ORDER BY day", &[])
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Number of stored reports.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let row = self
            .client()
            .await?
            .query_one("SELECT COUNT(*) FROM reports", &[])
            .await?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}

/// Makes or updates the schema in one transaction, one collector process
/// at a time.
async fn prepare_schema(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await?;
    let place: String = tx.query_one("SELECT current_database()", &[]).await?.get(0);
    let place = format!("database {place}");
    let columns: Vec<String> = tx
        .query(
            "SELECT column_name::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'reports'",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !columns.is_empty() {
        check_reports_columns(&place, &columns)?;
    }
    let has_meta: bool = tx
        .query_one("SELECT to_regclass('xsell_meta') IS NOT NULL", &[])
        .await?
        .get(0);
    let version = if has_meta {
        let row = tx
            .query_opt("SELECT value FROM xsell_meta WHERE key = 'schema'", &[])
            .await?;
        parse_version(&place, row.map(|r| r.get(0)))?
    } else {
        None
    };
    if !columns.is_empty() {
        tx.batch_execute(&format!(
            "ALTER TABLE reports ADD COLUMN IF NOT EXISTS report_id {TEXT};
             ALTER TABLE reports ADD COLUMN IF NOT EXISTS experiment {TEXT};
             ALTER TABLE reports ADD COLUMN IF NOT EXISTS arm {TEXT};"
        ))
        .await?;
        if version.unwrap_or(1) < SCHEMA_VERSION {
            tx.batch_execute(&format!(
                "ALTER TABLE reports ALTER COLUMN day TYPE {TEXT}, ALTER COLUMN placement TYPE {TEXT};"
            ))
            .await?;
        }
    }
    tx.batch_execute(&tables("BIGSERIAL PRIMARY KEY", TEXT))
        .await?;
    if version.unwrap_or(1) < SCHEMA_VERSION {
        fill_typed_columns(&tx, &place).await?;
    }
    tx.execute(
        "INSERT INTO xsell_meta (key, value) VALUES ('schema', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&SCHEMA_VERSION.to_string()],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Schema 1 → 2: the typed columns of every stored report, from its body.
async fn fill_typed_columns(
    tx: &tokio_postgres::Transaction<'_>,
    place: &str,
) -> Result<(), StoreError> {
    tx.batch_execute("DELETE FROM report_values; DELETE FROM rollup_days; DELETE FROM rollup_reports; DELETE FROM rollup_values;")
        .await?;
    let rows = tx
        .query("SELECT id, body FROM reports ORDER BY id", &[])
        .await?;
    let insert = tx
        .prepare(
            "INSERT INTO report_values (report, day, placement, experiment, arm, mech, metric, eps, bound, bits, width, cell_row)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    for row in rows {
        let (id, body): (i64, String) = (row.get(0), row.get(1));
        let (r, values) = typed_body(place, id, &body)?;
        tx.execute(
            "UPDATE reports SET experiment = $1, arm = $2 WHERE id = $3",
            &[&r.experiment, &r.arm, &id],
        )
        .await?;
        for v in &values {
            tx.execute(
                &insert,
                &[
                    &id,
                    &r.day,
                    &r.placement,
                    &r.experiment,
                    &r.arm,
                    &v.mech,
                    &v.metric,
                    &v.eps,
                    &v.bound,
                    &v.bits,
                    &v.width,
                    &v.cell_row,
                ],
            )
            .await?;
        }
    }
    Ok(())
}
