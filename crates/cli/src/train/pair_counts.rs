//! The counting stage's output read back (`xsell train --pair-counts
//! FILE`): the reader is `xsell_input::pair_counts`; here its counts become
//! the trainer's [`Counts`].

use super::Counts;
use crate::input::{BadRows, InputError, ReadStats};
use std::path::Path;

/// Counts read from a pair-count table, over a sorted vocabulary.
#[derive(Debug, Clone, Default)]
pub struct PairCounts {
    /// Item ids, sorted (byte order).
    pub item_ids: Vec<String>,
    /// The counts, indexed like `item_ids`.
    pub counts: Counts,
    /// Link rows kept.
    pub links: usize,
}

/// Reads a pair-count table (Parquet or CSV; see
/// [`xsell_input::pair_counts::read_pair_counts`]).
pub fn read_pair_counts(
    path: &Path,
    policy: BadRows,
) -> Result<(PairCounts, ReadStats), InputError> {
    let (p, stats) = crate::input::pair_counts::read_pair_counts(path, policy)?;
    Ok((
        PairCounts {
            item_ids: p.item_ids,
            counts: Counts {
                item_sessions: p.item_sessions,
                co: p.co,
                seq: p.seq,
            },
            links: p.links,
        },
        stats,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::Dataset;
    use crate::train::{count, neighbours, TrainConfig};
    use std::fmt::Write;

    fn events(sessions: &[&[&str]]) -> Dataset {
        let ev = sessions
            .iter()
            .enumerate()
            .flat_map(|(s, items)| {
                items
                    .iter()
                    .enumerate()
                    .map(move |(t, &item)| crate::input::RawEvent {
                        session: format!("s{s}"),
                        item: item.to_string(),
                        kind: xsell_core::EventKind::AddToCart,
                        time: t as i64,
                        user: None,
                    })
            })
            .collect();
        Dataset::from_events(ev)
    }

    /// The counts as the SQL writes them, rows in reverse (a warehouse keeps
    /// no order).
    fn table(data: &Dataset, c: &Counts) -> String {
        let mut rows = Vec::new();
        for (i, id) in data.item_ids.iter().enumerate() {
            rows.push(format!("{id},,{},,", c.item_sessions[i]));
            let mut targets: Vec<u32> = c.co[i].keys().chain(c.seq[i].keys()).copied().collect();
            targets.sort_unstable();
            targets.dedup();
            for j in targets {
                rows.push(format!(
                    "{id},{},,{},{}",
                    data.item_ids[j as usize],
                    c.co[i].get(&j).copied().unwrap_or(0),
                    c.seq[i].get(&j).copied().unwrap_or(0.0)
                ));
            }
        }
        rows.reverse();
        let mut out = String::from("item_id,target_id,sessions,co,seq_units\n");
        for r in rows {
            writeln!(out, "{r}").unwrap();
        }
        out
    }

    fn read(text: &str, policy: BadRows) -> Result<(PairCounts, ReadStats), InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pairs.csv");
        std::fs::write(&path, text).unwrap();
        read_pair_counts(&path, policy)
    }

    /// Links by id: (item, target, co, seq) as stored.
    fn links(ids: &[String], n: &[Vec<xsell_core::Neighbour>]) -> Vec<(String, String, f32, f32)> {
        let mut v: Vec<_> = n
            .iter()
            .enumerate()
            .flat_map(|(i, row)| {
                row.iter()
                    .map(move |l| (ids[i].clone(), ids[l.target as usize].clone(), l.co, l.seq))
            })
            .collect();
        v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        v
    }

    #[test]
    fn counts_read_back_give_the_in_memory_links() {
        let data = events(&[
            &["b", "a", "c", "a", "d"],
            &["a", "c"],
            &["c", "b", "e", "a", "b"],
            &["d", "e"],
            &["z"],
        ]);
        let cfg = TrainConfig {
            max_neighbours: 2,
            ..TrainConfig::default()
        };
        let c = count(data.n_items(), &data.sessions, &cfg);
        let (read, stats) = read(&table(&data, &c), BadRows::Fail).unwrap();
        assert_eq!(read.item_ids, ["a", "b", "c", "d", "e", "z"]);
        assert_eq!(stats.skipped, 0);
        let native = links(&data.item_ids, &neighbours(&c, &cfg, &data.item_ids));
        let back = links(
            &read.item_ids,
            &neighbours(&read.counts, &cfg, &read.item_ids),
        );
        assert_eq!(native, back);
        assert!(native.len() >= 8, "{native:?}");
    }

    #[test]
    fn bad_rows_name_the_line_and_the_field() {
        let cases = [
            ("a,,0,,\n", 2, "sessions", "not a positive whole number"),
            ("a,,3,,\na,,2,,\n", 3, "item_id", "two item rows"),
            ("a,,3,,\na,a,,1,0\n", 3, "target_id", "links to itself"),
            ("a,,3,,\nb,,1,,\na,b,,x,0\n", 4, "co", "not a whole number"),
            ("a,,3,,\nb,,1,,\na,b,,0,0\n", 4, "co", "carries nothing"),
            ("a,,3,,\na,q,,1,0\n", 3, "target_id", "`q` has no item row"),
            (
                "a,,3,,\na,\"b\u{1}\",,1,0\n",
                3,
                "target_id",
                "without control characters",
            ),
            (",,3,,\n", 2, "item_id", "must be 1-256 bytes"),
            (
                "a,,3,,\nb,,1,,\na,b,,1,0\na,b,,2,0\n",
                5,
                "target_id",
                "appears twice",
            ),
        ];
        for (body, line, field, reason) in cases {
            // A good row after the bad one, so that skipping leaves a table.
            let text = format!("item_id,target_id,sessions,co,seq_units\n{body}zz,,1,,\n");
            let e = read(&text, BadRows::Fail).unwrap_err().to_string();
            assert!(
                e.contains(&format!("pairs.csv:{line}: field `{field}`")) && e.contains(reason),
                "{body:?}: {e}"
            );
            let (_, stats) = read(&text, BadRows::Skip).unwrap();
            assert_eq!(stats.skipped, 1, "{body:?}");
        }
        let e = read("item,target\n", BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no `item_id` column") && e.contains("sql/pair_counts.sql"),
            "{e}"
        );
    }

    #[test]
    fn floats_that_are_whole_numbers_are_accepted() {
        let (p, _) = read(
            "item_id\ttarget_id\tsessions\tco\tseq_units\na\t\t3.0\t\t\nb\t\t1\t\t\na\tb\t\t1.0\t2520.0\n",
            BadRows::Fail,
        )
        .unwrap();
        assert_eq!(p.counts.item_sessions, [3, 1]);
        assert_eq!(p.counts.co[0][&1], 1);
        assert_eq!(p.counts.seq[0][&1], 2520.0);
    }

    /// `crates/input/tests/fixtures/pair_counts.parquet` is what DuckDB's
    /// run of `sql/pair_counts.sql` wrote over `events.parquet`, made from
    /// `events.csv` (`scripts/parquet_fixtures.py`): read back, it keeps the
    /// links counting that CSV in memory keeps, once the CSV's one tie (two
    /// purchases of session s-1001 in the same second) is ordered as the
    /// SQL orders ties, by item id (docs/warehouse.md).
    #[test]
    fn the_sqls_parquet_output_gives_the_in_memory_links() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../input/tests/fixtures");
        let (events, _) = crate::input::read_events(
            &fixtures.join("events.csv"),
            crate::input::EventFormat::Csv,
            BadRows::Fail,
        )
        .unwrap();
        let cfg = TrainConfig::default();
        let native = |events: Vec<crate::input::RawEvent>| {
            let data = Dataset::from_events(events);
            let c = count(data.n_items(), &data.sessions, &cfg);
            (
                links(&data.item_ids, &neighbours(&c, &cfg, &data.item_ids)),
                data,
            )
        };
        let (read, _) =
            read_pair_counts(&fixtures.join("pair_counts.parquet"), BadRows::Fail).unwrap();
        let back = links(
            &read.item_ids,
            &neighbours(&read.counts, &cfg, &read.item_ids),
        );
        let (file_order, _) = native(events.clone());
        assert_ne!(file_order, back, "the tie orders the two paths differently");
        let mut by_item = events;
        by_item.sort_by(|a, b| (&a.session, a.time, &a.item).cmp(&(&b.session, b.time, &b.item)));
        let (tie_by_item, data) = native(by_item);
        assert!(!back.is_empty());
        assert_eq!(tie_by_item, back);
        let mut ids = data.item_ids.clone();
        ids.sort();
        assert_eq!(read.item_ids, ids);
    }
}
