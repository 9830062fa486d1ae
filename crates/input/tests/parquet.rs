//! Parquet input: GA4's export, the generic event table and the generic
//! catalogue as Parquet read exactly as the JSON lines and CSV they were
//! written from (`scripts/parquet_fixtures.py`, DuckDB, SNAPPY); the flat
//! row reader's text for each type; and what a bad row, a missing column or
//! a damaged file gives.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use xsell_input::{
    parse_catalog, parse_events, read_catalog, read_events, BadRows, CatalogFormat, Columns,
    EventFormat, InputError, ParquetTable, ReadStats, RowError,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A row error without its file, to compare readers of two files.
fn at(e: &RowError) -> (usize, &str, &str) {
    (e.line, e.field.as_str(), e.reason.as_str())
}

/// `stats` with the examples' lines set to `lines` (a CSV's line numbers
/// become a Parquet file's row numbers) and their file to `file`.
fn moved(stats: &ReadStats, file: &Path, lines: &[usize]) -> ReadStats {
    let mut out = stats.clone();
    let examples = out
        .examples
        .iter_mut()
        .chain(out.cleaned.examples.iter_mut());
    for (e, &line) in examples.zip(lines) {
        e.file = file.to_path_buf();
        e.line = line;
    }
    out
}

/// A Parquet file of optional UTF-8 string columns `names`, one row group
/// per entry of `groups` (each a list of rows), written by the `parquet`
/// crate's own writer.
fn strings(names: &[&str], groups: &[&[&[Option<&str>]]]) -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let fields: String = names
        .iter()
        .map(|n| format!("optional binary {n} (UTF8); "))
        .collect();
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(&format!("message t {{ {fields} }}")).unwrap(),
    );
    let mut out = Vec::new();
    let mut file = SerializedFileWriter::new(
        &mut out,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    for rows in groups {
        let mut group = file.next_row_group().unwrap();
        for c in 0..names.len() {
            let mut column = group.next_column().unwrap().unwrap();
            let levels: Vec<i16> = rows.iter().map(|r| i16::from(r[c].is_some())).collect();
            let values: Vec<ByteArray> = rows
                .iter()
                .filter_map(|r| r[c])
                .map(ByteArray::from)
                .collect();
            column
                .typed::<ByteArrayType>()
                .write_batch(&values, Some(&levels), None)
                .unwrap();
            column.close().unwrap();
        }
        group.close().unwrap();
    }
    file.close().unwrap();
    out
}

fn no_beside(name: &str) -> Result<(PathBuf, Vec<u8>), InputError> {
    panic!("a Parquet catalogue needs no {name}")
}

#[test]
fn ga4_parquet_gives_the_events_and_stats_of_the_json_lines_it_was_written_from() {
    let (json_events, json_stats) = read_events(
        &fixture("ga4_events.jsonl"),
        EventFormat::Ga4,
        BadRows::Fail,
    )
    .unwrap();
    let path = fixture("ga4_events.parquet");
    let (events, stats) = read_events(&path, EventFormat::Ga4, BadRows::Fail).unwrap();
    assert_eq!(events, json_events);
    // One row a line: the row numbers are the JSON's line numbers.
    assert_eq!(stats, moved(&json_stats, &path, &[9, 11]));
    assert_eq!(
        (stats.rows, stats.ignored, stats.cleaned.items_without_id),
        (7, 5, 2)
    );
    assert_eq!(
        stats.cleaned.examples[0].to_string(),
        format!(
            "{}:9: field `items[0].item_id`: missing, empty or `(not set)`; this item is passed over, the event's other items are kept",
            path.display()
        )
    );
}

#[test]
fn generic_event_parquet_gives_the_events_and_stats_of_its_csv() {
    let csv = read_events(&fixture("events.csv"), EventFormat::Csv, BadRows::Fail).unwrap();
    let parquet = read_events(
        &fixture("events.parquet"),
        EventFormat::Parquet,
        BadRows::Fail,
    )
    .unwrap();
    assert_eq!(parquet, csv);
    assert_eq!(parquet.0.len(), 12);
    // A null user is no user, as an empty CSV field is.
    assert_eq!(parquet.0[6].user, None);
    assert_eq!(parquet.0[6].item, "AP-01, linen");
}

#[test]
fn generic_catalogue_parquet_gives_the_products_and_stats_of_its_csv() {
    let (csv, csv_stats) =
        read_catalog(&fixture("catalog.csv"), CatalogFormat::Csv, BadRows::Fail).unwrap();
    let path = fixture("catalog.parquet");
    let (parquet, stats) = read_catalog(&path, CatalogFormat::Parquet, BadRows::Fail).unwrap();
    assert_eq!(parquet.items, csv.items);
    assert_eq!(parquet.index, csv.index);
    // The refused `javascript:` link is on CSV line 5, row 4; the `data:`
    // image on line 8 (a title holds a line break), row 6.
    assert_eq!(
        csv_stats
            .cleaned
            .examples
            .iter()
            .map(|e| e.line)
            .collect::<Vec<_>>(),
        [5, 8]
    );
    assert_eq!(stats, moved(&csv_stats, &path, &[4, 6]));
    assert_eq!((stats.cleaned.urls, stats.cleaned.images), (1, 1));
    // DECIMAL(18,2) prices, BOOLEAN stock, and nulls read as empty fields.
    let board = parquet.get("BD-12").unwrap();
    assert_eq!(board.price_cents, Some(6500));
    assert_eq!(board.category_path, ["Home", "Kitchen", "Boards > 40cm"]);
    let wrap = parquet.get("GW-00").unwrap();
    assert_eq!((wrap.price_cents, wrap.in_stock), (None, true));
    assert!(!parquet.get("TG-05").unwrap().in_stock);
}

#[test]
fn auto_detects_each_parquet_table_by_its_magic_and_columns() {
    for (name, forced) in [
        ("ga4_events.parquet", EventFormat::Ga4),
        ("events.parquet", EventFormat::Parquet),
    ] {
        let path = fixture(name);
        let auto = read_events(&path, EventFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(
            auto,
            read_events(&path, forced, BadRows::Fail).unwrap(),
            "{name}"
        );
        // From memory, under a name that says CSV: the bytes decide.
        let bytes = std::fs::read(&path).unwrap();
        let named = Path::new("export.csv");
        let parsed = parse_events(named, bytes.clone(), EventFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(parsed.0, auto.0, "{name}");
        // GA4's own format reads a Parquet export as well as JSON lines.
        if forced == EventFormat::Ga4 {
            let ga4 = parse_events(named, bytes, EventFormat::Ga4, BadRows::Fail).unwrap();
            assert_eq!(ga4.0, auto.0);
        }
    }
    let path = fixture("catalog.parquet");
    let (auto, _) = read_catalog(&path, CatalogFormat::Auto, BadRows::Fail).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let (parsed, _) = parse_catalog(
        Path::new("products.xml"),
        bytes,
        CatalogFormat::Auto,
        BadRows::Fail,
        &mut no_beside,
    )
    .unwrap();
    assert_eq!(parsed.items, auto.items);
    assert_eq!(auto.items.len(), 6);
}

#[test]
fn a_missing_column_is_named_with_the_columns_found() {
    // GA4's export is no generic event table ...
    let err = read_events(
        &fixture("ga4_events.parquet"),
        EventFormat::Parquet,
        BadRows::Fail,
    )
    .unwrap_err();
    let InputError::MissingColumn { column, found, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(column, "session_id");
    assert!(
        found.starts_with("event_date,event_timestamp,event_name,event_params,"),
        "{found}"
    );
    // ... an event table no catalogue ...
    let err = read_catalog(
        &fixture("events.parquet"),
        CatalogFormat::Auto,
        BadRows::Fail,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        format!(
            "{}: the header has no `id` column (found: session_id,item_id,event,timestamp,user); a generic catalogue table (CSV or Parquet) needs id,title (category,price,url,image,in_stock optional)",
            fixture("events.parquet").display()
        )
    );
    // ... and no GA4 export.
    let err = read_events(&fixture("events.parquet"), EventFormat::Ga4, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no `event_name` column"), "{err}");
}

#[test]
fn a_bad_row_is_named_by_its_row_number_across_row_groups_and_skipped_with_skip() {
    let names = ["session_id", "item_id", "event", "timestamp"];
    let bytes = strings(
        &names,
        &[
            &[
                &[Some("s1"), Some("a"), Some("view_item"), Some("10")],
                &[Some("s1"), Some("b"), Some("add_to_cart"), Some("11")],
            ],
            &[
                &[Some("s1"), Some(""), Some("purchase"), Some("12")],
                &[Some("s2"), None, Some("purchase"), Some("13")],
                &[Some("s2"), Some("c"), Some("view_item"), Some("1.4e1")],
            ],
        ],
    );
    let path = Path::new("events.parquet");
    let err = parse_events(path, bytes.clone(), EventFormat::Auto, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("events.parquet:3: field `item_id`: empty item id\n"),
        "{err}"
    );
    let (events, stats) = parse_events(path, bytes, EventFormat::Auto, BadRows::Skip).unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.item.as_str(), e.time))
            .collect::<Vec<_>>(),
        [("a", 10), ("b", 11), ("c", 14)]
    );
    assert_eq!((stats.rows, stats.skipped), (3, 2));
    // A null item id is as empty as an empty one.
    assert_eq!(
        stats.examples.iter().map(at).collect::<Vec<_>>(),
        [
            (3, "item_id", "empty item id"),
            (4, "item_id", "empty item id")
        ]
    );
}

#[test]
fn a_bad_catalogue_row_is_named_by_its_row_number() {
    let bytes = strings(
        &["id", "title", "price"],
        &[&[
            &[Some("a"), Some("Milk"), Some("1.99")],
            &[Some("b"), Some("Eggs"), Some("cheap")],
        ]],
    );
    let path = Path::new("c.parquet");
    let err = parse_catalog(
        path,
        bytes.clone(),
        CatalogFormat::Auto,
        BadRows::Fail,
        &mut no_beside,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("c.parquet:2: field `price`: `cheap` is not a price"),
        "{err}"
    );
    let (cat, stats) = parse_catalog(
        path,
        bytes,
        CatalogFormat::Auto,
        BadRows::Skip,
        &mut no_beside,
    )
    .unwrap();
    assert_eq!((cat.items.len(), stats.skipped), (1, 1));
}

#[test]
fn the_flat_reader_gives_each_type_as_text() {
    let mut table = ParquetTable::open(&fixture("types.parquet")).unwrap();
    let expected = [
        ("s", "text"),
        ("i8", "-8"),
        ("i16", "-16"),
        ("i32", "-32"),
        ("i64", "-64"),
        ("u8", "200"),
        ("u64", "18446744073709551615"),
        ("f32", "1.5"),
        ("f64", "0.1"),
        ("b", "true"),
        // 2024-03-01 as days since 1970 ...
        ("d", "19783"),
        // ... and 2024-03-01 10:15:22.123456789 in each TIMESTAMP's unit.
        ("ts_ms", "1709288122123"),
        ("ts_us", "1709288122123456"),
        ("ts_ns", "1709288122123456789"),
        ("dec9", "4.99"),
        ("dec18", "-4.990"),
        ("dec38", "4.990000000"),
        ("dec0", "12"),
        ("blob", "bytes"),
        ("uuid", "0f2c6d1e-8a4b-4c3d-9e5f-1a2b3c4d5e6f"),
    ];
    // Found in any case, like a CSV header's names.
    let columns: Vec<usize> = expected
        .iter()
        .map(|(name, _)| table.require(&[&name.to_uppercase()], name, "").unwrap())
        .collect();
    let mut rows = Vec::new();
    let mut stats = ReadStats::default();
    table
        .rows(BadRows::Fail, &mut stats, |row| {
            let values: Vec<Option<String>> = columns
                .iter()
                .map(|&c| row.get(c).map(str::to_string))
                .collect();
            rows.push((row.line(), values));
            Ok(())
        })
        .unwrap();
    assert_eq!(stats.rows, 2);
    assert_eq!(rows[0].0, 1);
    for ((name, text), value) in expected.iter().zip(&rows[0].1) {
        assert_eq!(value.as_deref(), Some(*text), "{name}");
    }
    // Nulls are `None`, of every type.
    assert_eq!(rows[1], (2, vec![None; expected.len()]));
}

#[test]
fn a_nested_value_in_a_flat_column_is_a_bad_row() {
    let mut table = ParquetTable::open(&fixture("types.parquet")).unwrap();
    let list = table.require(&["list"], "list", "").unwrap();
    let mut stats = ReadStats::default();
    let err = table
        .rows(BadRows::Fail, &mut stats, |_| Ok(()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("types.parquet:1: field `list`: a nested value (a list, struct or map)"),
        "{err}"
    );
    // With Skip the row with a list is skipped, the row with a null kept.
    let mut table = ParquetTable::open(&fixture("types.parquet")).unwrap();
    assert_eq!(table.require(&["list"], "list", "").unwrap(), list);
    let mut nulls = 0;
    table
        .rows(BadRows::Skip, &mut stats, |row| {
            nulls += usize::from(row.get(list).is_none());
            Ok(())
        })
        .unwrap();
    assert_eq!((stats.rows, stats.skipped, nulls), (1, 1, 1));
}

#[test]
fn the_pair_count_table_reads_through_the_columns_trait_as_from_csv() {
    // Generic code over `Columns` reads a CSV and a Parquet table alike.
    fn links(mut table: impl Columns) -> Vec<(String, String, String)> {
        let hint = "item_id,target_id,sessions,co,seq_units";
        let c = ["item_id", "target_id", "co"].map(|n| table.require(&[n], n, hint).unwrap());
        let mut out = Vec::new();
        table
            .for_each_row(BadRows::Fail, &mut ReadStats::default(), |row| {
                let get = |k: usize| {
                    xsell_input::Record::get(row, c[k])
                        .unwrap_or("")
                        .to_string()
                };
                if !get(1).is_empty() {
                    out.push((get(0), get(1), get(2)));
                }
                Ok(())
            })
            .unwrap();
        out
    }
    let path = fixture("pair_counts.parquet");
    assert!(ParquetTable::is_parquet_file(&path).unwrap());
    assert!(!ParquetTable::is_parquet_file(&fixture("events.csv")).unwrap());
    let parquet = links(ParquetTable::open(&path).unwrap());
    let csv = b"item_id,target_id,sessions,co,seq_units\nBD-12,,2,,\nBD-12,KN-08,,2,4620\n";
    let table = xsell_input::Table::from_bytes(
        Path::new("pairs.csv"),
        csv.to_vec(),
        xsell_input::Dialect::default(),
    )
    .unwrap();
    let from_csv = links(table);
    assert_eq!(from_csv, [("BD-12".into(), "KN-08".into(), "2".into())]);
    assert!(parquet.contains(&from_csv[0]), "{parquet:?}");
    assert_eq!(parquet.len(), 8);
}

/// Whether `err` is the damaged-Parquet error for `file`.
fn is_bad_parquet(err: &InputError, file: &str) -> bool {
    let text = err.to_string();
    matches!(err, InputError::BadParquet { .. })
        && text.starts_with(&format!("{file}: not a readable Parquet file: "))
}

#[test]
fn a_parquet_file_cut_short_anywhere_is_refused_clearly() {
    let bytes = std::fs::read(fixture("ga4_events.parquet")).unwrap();
    let path = Path::new("ga4.parquet");
    for n in (0..bytes.len()).step_by(97).chain([bytes.len() - 1, 4, 8]) {
        let cut = bytes[..n].to_vec();
        for format in [EventFormat::Ga4, EventFormat::Parquet] {
            let err = parse_events(path, cut.clone(), format, BadRows::Skip).unwrap_err();
            if n >= 4 || format == EventFormat::Parquet {
                assert!(is_bad_parquet(&err, "ga4.parquet"), "{n}: {err}");
            }
        }
    }
    let err = parse_events(
        path,
        bytes[..bytes.len() - 1].to_vec(),
        EventFormat::Ga4,
        BadRows::Skip,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("does not end with `PAR1`: the file is cut short"),
        "{err}"
    );
    // Named for what it is not: a CSV forced to Parquet.
    let err = parse_events(
        Path::new("e.csv"),
        std::fs::read(fixture("events.csv")).unwrap(),
        EventFormat::Parquet,
        BadRows::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("e.csv: not a readable Parquet file: it does not start with `PAR1`"),
        "{err}"
    );
    // From a path too.
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_catalog(&cut, CatalogFormat::Parquet, BadRows::Skip).unwrap_err();
    assert!(is_bad_parquet(&err, &cut.display().to_string()), "{err}");
}

#[test]
fn a_parquet_file_with_a_byte_changed_is_read_or_refused_never_a_panic() {
    // Some of these damages make the `parquet` crate panic (an assert on
    // the definition levels, a slice past a short page): the reader
    // catches that and refuses the file like any other damage.
    for (name, step) in [
        ("ga4_events.parquet", 5),
        ("events.parquet", 1),
        ("catalog.parquet", 1),
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for k in (0..bytes.len()).step_by(step) {
            let mut damaged = bytes.clone();
            damaged[k] ^= 0xff;
            let result = if name.starts_with("catalog") {
                parse_catalog(
                    Path::new(name),
                    damaged,
                    CatalogFormat::Auto,
                    BadRows::Skip,
                    &mut no_beside,
                )
                .map(|_| ())
            } else {
                parse_events(Path::new(name), damaged, EventFormat::Auto, BadRows::Skip).map(|_| ())
            };
            // Damage is refused as such; a changed name or value may also
            // leave a required column missing or no usable row. (A changed
            // magic makes the file no Parquet file to `Auto`.)
            if let Err(err) = result {
                assert!(
                    k < 4
                        || is_bad_parquet(&err, name)
                        || matches!(err, InputError::MissingColumn { .. } | InputError::Empty(_)),
                    "{name} byte {k}: {err}"
                );
            }
        }
    }
}

#[test]
fn gzip_reads_like_snappy_and_other_codecs_are_refused_by_name() {
    let snappy = read_events(&fixture("events.parquet"), EventFormat::Auto, BadRows::Fail).unwrap();
    let gzip = read_events(
        &fixture("events_gzip.parquet"),
        EventFormat::Auto,
        BadRows::Fail,
    );
    assert_eq!(gzip.unwrap(), snappy);
    let zstd = read_events(
        &fixture("events_zstd.parquet"),
        EventFormat::Auto,
        BadRows::Fail,
    );
    if cfg!(feature = "zstd") {
        assert_eq!(zstd.unwrap(), snappy);
    } else {
        let err = zstd.unwrap_err().to_string();
        assert!(
            err.contains("compressed with ZSTD") && err.contains("`zstd` feature"),
            "{err}"
        );
    }
    // DuckDB's LZ4 is Parquet's LZ4_RAW.
    let path = fixture("events_lz4.parquet");
    let err = read_events(&path, EventFormat::Auto, BadRows::Fail).unwrap_err();
    assert!(is_bad_parquet(&err, &path.display().to_string()), "{err}");
    assert!(
        err.to_string().contains("column `session_id` is compressed with LZ4_RAW, which xsell does not read; write the file with SNAPPY"),
        "{err}"
    );
}

/// GA4 rows with `event_params` and `items` as bare repeated groups (no
/// LIST annotation), the other way writers lay out a repeated RECORD:
/// an `add_to_cart` of items A and B in session 77 of user `u`, then a
/// `page_view` with empty lists.
fn ga4_with_bare_repeated_groups() -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
    /// Writes the next leaf column: its values, definition levels and
    /// (inside a repeated group) repetition levels.
    fn column<T: DataType>(
        group: &mut SerializedRowGroupWriter<'_, &mut Vec<u8>>,
        values: &[T::T],
        def: &[i16],
        rep: Option<&[i16]>,
    ) {
        let mut column = group.next_column().unwrap().unwrap();
        column
            .typed::<T>()
            .write_batch(values, Some(def), rep)
            .unwrap();
        column.close().unwrap();
    }
    let schema = parquet::schema::parser::parse_message_type(
        "message ga4 {
            optional binary event_name (UTF8);
            optional int64 event_timestamp;
            optional binary user_pseudo_id (UTF8);
            repeated group event_params {
                optional binary key (UTF8);
                optional group value {
                    optional binary string_value (UTF8);
                    optional int64 int_value;
                }
            }
            repeated group items { optional binary item_id (UTF8); }
        }",
    )
    .unwrap();
    let text = |v: &[&str]| v.iter().map(|s| ByteArray::from(*s)).collect::<Vec<_>>();
    let mut out = Vec::new();
    let mut file = SerializedFileWriter::new(
        &mut out,
        Arc::new(schema),
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut group = file.next_row_group().unwrap();
    let g = &mut group;
    column::<ByteArrayType>(g, &text(&["add_to_cart", "page_view"]), &[1, 1], None);
    column::<Int64Type>(g, &[5, 6], &[1, 1], None);
    column::<ByteArrayType>(g, &text(&["u", "u"]), &[1, 1], None);
    // Row 1 has two parameters (ga_session_id = 77, currency = "USD") and
    // two items; row 2 has none of either.
    let (rep, lists) = (Some(&[0, 1, 0][..]), &[2, 2, 0]);
    column::<ByteArrayType>(g, &text(&["ga_session_id", "currency"]), lists, rep);
    column::<ByteArrayType>(g, &text(&["USD"]), &[2, 3, 0], rep);
    column::<Int64Type>(g, &[77], &[3, 2, 0], rep);
    column::<ByteArrayType>(g, &text(&["A", "B"]), lists, rep);
    group.close().unwrap();
    file.close().unwrap();
    out
}

#[test]
fn ga4_parquet_reads_repeated_groups_without_a_list_annotation() {
    let (events, stats) = parse_events(
        Path::new("ga4.parquet"),
        ga4_with_bare_repeated_groups(),
        EventFormat::Auto,
        BadRows::Fail,
    )
    .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.session.as_str(), e.item.as_str(), e.time))
            .collect::<Vec<_>>(),
        [("u.77", "A", 5), ("u.77", "B", 5)]
    );
    assert_eq!((stats.rows, stats.ignored), (2, 1));
}
