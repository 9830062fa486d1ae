//! Catalogues: the Instacart product tables, Google Merchant Center product
//! feeds (tab-separated and XML, [`merchant`]), and xsell's generic
//! catalogue CSV / JSON lines / Parquet
//! (`id,title,category,price,url,image,in_stock`, where `category` is a path
//! such as `Produce > Fresh Fruits`, `\>` for a `>` inside a name). The
//! generic CSV and Parquet tables share one row mapping ([`CatalogColumns`]).
//!
//! Catalogues come from feeds that shops, suppliers and marketplaces fill
//! in, so every value is hostile until checked: product and image links
//! pass the widget's own URL policy ([`xsell_core::safe_url::check_url`])
//! here, where they enter, and a link it refuses is dropped from a product
//! that is otherwise kept (and counted in [`ReadStats::cleaned`]).

mod merchant;
mod merchant_xml;

use super::parquet_table::MAGIC;
use super::{
    json_lines, read_bytes, row_err, BadRows, Columns, Dialect, InputError, ParquetTable,
    ReadStats, Record, Table,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use xsell_core::safe_url::check_url;

/// One product.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogItem {
    /// Shop id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Category path, root first.
    pub category_path: Vec<String>,
    /// Price in cents.
    pub price_cents: Option<u32>,
    /// Product URL.
    pub url: String,
    /// Image URL.
    pub image: String,
    /// In stock.
    pub in_stock: bool,
}

/// A catalogue indexed by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Products in file order.
    pub items: Vec<CatalogItem>,
    /// Id to position in `items`.
    pub index: HashMap<String, usize>,
}

impl Catalog {
    /// Looks a product up by id.
    pub fn get(&self, id: &str) -> Option<&CatalogItem> {
        self.index.get(id).map(|&k| &self.items[k])
    }
}

/// Writes `catalog` as xsell's generic catalogue JSON lines (the form
/// [`read_catalog`] reads back to the same items): for converting a shop's
/// export once, or for a demo that fills in URLs and prices.
pub fn write_catalog_jsonl(
    catalog: &Catalog,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    for it in &catalog.items {
        let mut row = serde_json::json!({
            "id": it.id,
            "title": it.title,
            "category": it.category_path,
            "in_stock": it.in_stock,
        });
        if let Some(c) = it.price_cents {
            // Cents as a decimal string parse back exactly (no float rounding).
            row["price"] = serde_json::Value::from(
                format!("{}.{:02}", c / 100, c % 100)
                    .parse::<f64>()
                    .expect("a decimal"),
            );
        }
        if !it.url.is_empty() {
            row["url"] = it.url.clone().into();
        }
        if !it.image.is_empty() {
            row["image"] = it.image.clone().into();
        }
        writeln!(out, "{row}")?;
    }
    Ok(())
}

/// Catalogue formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CatalogFormat {
    /// Decide from the first bytes, extension and first line (`PAR1` → parquet, XML → merchant-xml, a feed's tab-separated header → merchant-tsv, `aisle_id` → instacart).
    Auto,
    /// Instacart `products.csv` with `aisles.csv` and `departments.csv` beside it.
    Instacart,
    /// Generic CSV.
    Csv,
    /// Generic JSON lines.
    Jsonl,
    /// Google Merchant Center tab-separated product feed (`id`, `title`, `link`, `image_link`, `price`, ...).
    MerchantTsv,
    /// Google Merchant Center XML product feed (RSS 2.0 `<item>`s or Atom 1.0 `<entry>`s with `g:` attributes).
    MerchantXml,
    /// Generic Parquet table with the generic CSV's columns.
    Parquet,
}

/// Parses a decimal price such as `4.99`, `$4.99` or `4.99 USD` into cents
/// (hundredths of the unit, whatever the currency: the code is dropped).
pub fn parse_price(s: &str) -> Option<u32> {
    let s = s.trim();
    // Merchant Center feeds put the ISO 4217 code after the number.
    let s = match s.rsplit_once(' ') {
        Some((amount, code)) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
            amount.trim_end()
        }
        _ => s,
    };
    let s = s.trim_start_matches('$');
    let v: f64 = s.parse().ok()?;
    (0.0..4e7).contains(&v).then(|| (v * 100.0).round() as u32)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "in_stock" | "instock" => Some(true),
        "0" | "false" | "no" | "out_of_stock" | "outofstock" => Some(false),
        _ => None,
    }
}

/// Which link a URL is, for the count of links the policy refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Product,
    Image,
}

/// The category name a product keeps when its aisle or department cannot
/// be resolved (its row was bad, or the id is not in the table).
pub const UNKNOWN_CATEGORY: &str = "unknown";

/// `raw` if the URL policy accepts it (trimmed), else empty, counted in
/// `stats` as a dropped `link` in `field` of row `line`.
fn checked_url(
    raw: &str,
    link: Link,
    field: &str,
    path: &Path,
    line: usize,
    stats: &mut ReadStats,
) -> String {
    if raw.is_empty() {
        return String::new();
    }
    if let Some(u) = check_url(raw) {
        return u.as_str().to_string();
    }
    match link {
        Link::Product => stats.cleaned.urls += 1,
        Link::Image => stats.cleaned.images += 1,
    }
    let shown: String = raw.chars().take(60).collect();
    stats.cleaned.note(row_err(
        path,
        line,
        field,
        format!(
            "{shown:?} is not an http(s) or relative URL; dropped, the product is kept without it"
        ),
    ));
    String::new()
}

/// An id table (`aisles.csv`, `departments.csv`): id to name. A bad row
/// is rejected (stopping, or skipped and counted); its products then read
/// [`UNKNOWN_CATEGORY`].
fn id_table(
    path: &Path,
    bytes: Vec<u8>,
    columns: [&str; 2],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<HashMap<String, String>, InputError> {
    let single_line = Dialect {
        multiline: false,
        extra_fields: true,
        ..Dialect::default()
    };
    let mut table = Table::from_bytes(path, bytes, single_line)?;
    let hint = "Instacart's aisles.csv starts with aisle_id,aisle and departments.csv with department_id,department";
    let c_id = table.require(&[columns[0]], columns[0], hint)?;
    let c_name = table.require(&[columns[1]], columns[1], hint)?;
    let mut out = HashMap::new();
    table.rows(path, policy, stats, |r| {
        let (id, name) = (r.get(c_id).unwrap_or(""), r.get(c_name).unwrap_or(""));
        if id.is_empty() {
            return Err((columns[0].into(), "empty id".into()));
        }
        if name.is_empty() {
            return Err((columns[1].into(), format!("empty name for id `{id}`")));
        }
        out.insert(id.to_string(), name.to_string());
        Ok(())
    })?;
    Ok(out)
}

/// The format of a catalogue, from its extension and first bytes.
fn detect(path: &Path, bytes: &[u8]) -> CatalogFormat {
    let first = String::from_utf8_lossy(bytes.split(|&b| b == b'\n').next().unwrap_or(b""));
    let head = first.trim_start_matches('\u{feff}').trim_start();
    let xml_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    // An XML feed may start with blank lines before its declaration.
    let text_start = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]);
    let text_start = text_start.trim_start_matches('\u{feff}').trim_start();
    let columns: Vec<&str> = head
        .split('\t')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |name: &str| columns.iter().any(|c| c.eq_ignore_ascii_case(name));
    if xml_ext
        || ["<?xml", "<rss", "<feed"]
            .iter()
            .any(|p| text_start.starts_with(p))
    {
        CatalogFormat::MerchantXml
    } else if first.contains("aisle_id") {
        CatalogFormat::Instacart
    } else if head.starts_with('{') {
        CatalogFormat::Jsonl
    } else if columns.len() > 1
        && has("id")
        && has("title")
        && (has("image_link") || has("availability"))
    {
        CatalogFormat::MerchantTsv
    } else {
        CatalogFormat::Csv
    }
}

/// Reads a catalogue; the Instacart format reads `aisles.csv` and
/// `departments.csv` beside `path`. A Parquet file is read where it lies, a
/// row group at a time; other formats are read whole.
pub fn read_catalog(
    path: &Path,
    format: CatalogFormat,
    policy: BadRows,
) -> Result<(Catalog, ReadStats), InputError> {
    if is_parquet(format, ParquetTable::is_parquet_file(path)?) {
        return read_parquet(path, ParquetTable::open(path)?, policy);
    }
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    parse_catalog(path, read_bytes(path)?, format, policy, &mut |name| {
        let p = dir.join(name);
        read_bytes(&p).map(|b| (p, b))
    })
}

/// Gives a file beside the catalogue: its name in, its path and bytes out.
pub type Beside<'a> = dyn FnMut(&str) -> Result<(std::path::PathBuf, Vec<u8>), InputError> + 'a;

/// Reads a catalogue held in memory (`path` names it in messages);
/// `beside` gives the Instacart format its `aisles.csv` and
/// `departments.csv` (a file name in, its path and bytes out).
pub fn parse_catalog(
    path: &Path,
    bytes: Vec<u8>,
    format: CatalogFormat,
    policy: BadRows,
    beside: &mut Beside<'_>,
) -> Result<(Catalog, ReadStats), InputError> {
    if is_parquet(format, bytes.starts_with(MAGIC)) {
        return read_parquet(path, ParquetTable::from_bytes(path, bytes)?, policy);
    }
    let format = match format {
        CatalogFormat::Auto => detect(path, &bytes),
        f => f,
    };
    let mut stats = ReadStats::default();
    let items = match format {
        CatalogFormat::Instacart => {
            let (aisles_path, aisles) = beside("aisles.csv")?;
            let aisles = id_table(
                &aisles_path,
                aisles,
                ["aisle_id", "aisle"],
                policy,
                &mut stats,
            )?;
            let (depts_path, depts) = beside("departments.csv")?;
            let depts = id_table(
                &depts_path,
                depts,
                ["department_id", "department"],
                policy,
                &mut stats,
            )?;
            read_instacart(path, bytes, &aisles, &depts, policy, &mut stats)?
        }
        CatalogFormat::Jsonl => read_jsonl(path, &bytes, policy, &mut stats)?,
        CatalogFormat::MerchantTsv => merchant::read_tsv(path, bytes, policy, &mut stats)?,
        CatalogFormat::MerchantXml => merchant_xml::read(path, &bytes, policy, &mut stats)?,
        CatalogFormat::Csv | CatalogFormat::Auto | CatalogFormat::Parquet => {
            read_csv(path, bytes, policy, &mut stats)?
        }
    };
    indexed(path, items, stats)
}

/// Whether a catalogue in `format` is read as Parquet, `magic` saying
/// whether it starts with `PAR1`: when forced, or by its magic with `auto`.
fn is_parquet(format: CatalogFormat, magic: bool) -> bool {
    format == CatalogFormat::Parquet || (magic && format == CatalogFormat::Auto)
}

/// Reads a generic catalogue table in Parquet.
fn read_parquet(
    path: &Path,
    table: ParquetTable,
    policy: BadRows,
) -> Result<(Catalog, ReadStats), InputError> {
    let mut stats = ReadStats::default();
    let items = read_table(path, table, policy, &mut stats)?;
    indexed(path, items, stats)
}

/// A read's products as a catalogue, refused if there are none.
fn indexed(
    path: &Path,
    items: Vec<CatalogItem>,
    mut stats: ReadStats,
) -> Result<(Catalog, ReadStats), InputError> {
    if items.is_empty() {
        return Err(InputError::Empty(path.to_path_buf()));
    }
    stats.rows = items.len();
    let index = items
        .iter()
        .enumerate()
        .map(|(k, it)| (it.id.clone(), k))
        .collect();
    Ok((Catalog { items, index }, stats))
}

fn read_instacart(
    path: &Path,
    bytes: Vec<u8>,
    aisles: &HashMap<String, String>,
    depts: &HashMap<String, String>,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let mut table = Table::open_bytes(
        path,
        bytes,
        ["product_id", "product_name", "aisle_id", "department_id"],
        "Instacart's products.csv starts with product_id,product_name,aisle_id,department_id",
    )?;
    let [c_id, c_title, c_aisle, c_dept] = table.columns;
    let mut out = Vec::new();
    let mut cleaned = std::mem::take(&mut stats.cleaned);
    table.rows(path, policy, stats, |r| {
        let get = |c: usize| r.get(c).unwrap_or("");
        let line = r.position().map_or(0, |p| p.line() as usize);
        if get(c_id).is_empty() {
            return Err(("product_id".into(), "empty id".into()));
        }
        // A product whose aisle or department did not resolve keeps
        // `unknown` there (with --skip-bad-rows): its aisle row was bad, the
        // product is not.
        let mut level = |table: &HashMap<String, String>, c: usize, field: &str, file: &str| {
            match table.get(get(c)) {
                Some(name) => Ok(name.clone()),
                None if policy == BadRows::Skip => {
                    cleaned.unknown_categories += 1;
                    cleaned.note(row_err(
                        path,
                        line,
                        field,
                        format!("`{}` is not in {file}; the product's category reads `{UNKNOWN_CATEGORY}`", get(c)),
                    ));
                    Ok(UNKNOWN_CATEGORY.to_string())
                }
                None => Err((
                    field.to_string(),
                    format!("`{}` is not in {file}; fix that table, or pass --skip-bad-rows to keep the product under `{UNKNOWN_CATEGORY}`", get(c)),
                )),
            }
        };
        let dept = level(depts, c_dept, "department_id", "departments.csv")?;
        let aisle = level(aisles, c_aisle, "aisle_id", "aisles.csv")?;
        out.push(CatalogItem {
            id: get(c_id).to_string(),
            title: get(c_title).to_string(),
            category_path: vec![dept, aisle],
            price_cents: None,
            url: String::new(),
            image: String::new(),
            in_stock: true,
        });
        Ok(())
    })?;
    stats.cleaned = cleaned;
    Ok(out)
}

/// Splits a category path on `>`; `\>` is a `>` inside a name and `\\` a
/// backslash, so a name holding the separator stays one name. (`/` and `|`
/// are not separators: names such as `Beer/Wine` hold them.)
pub fn split_path(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut name = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('>' | '\\')) => name.push(n),
                Some(n) => {
                    name.push('\\');
                    name.push(n);
                }
                None => name.push('\\'),
            },
            '>' => out.push(std::mem::take(&mut name)),
            c => name.push(c),
        }
    }
    out.push(name);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Joins a category path the way [`split_path`] reads it back.
pub fn join_path(path: &[String]) -> String {
    path.iter()
        .map(|n| n.replace('\\', "\\\\").replace('>', "\\>"))
        .collect::<Vec<_>>()
        .join(" > ")
}

fn read_csv(
    path: &Path,
    bytes: Vec<u8>,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    read_table(
        path,
        Table::from_bytes(path, bytes, Dialect::default())?,
        policy,
        stats,
    )
}

/// Reads products from a generic catalogue table, CSV or Parquet, through
/// [`CatalogColumns`].
fn read_table(
    path: &Path,
    mut table: impl Columns,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let columns = CatalogColumns::find(&table)?;
    let mut out = Vec::new();
    // The row callback counts refused links apart while the table counts
    // rows into `stats`.
    let mut links = ReadStats::default();
    table.for_each_row(policy, stats, |row| {
        out.push(columns.item(row, path, &mut links)?);
        Ok(())
    })?;
    stats.cleaned.add_links(links.cleaned);
    Ok(out)
}

/// Where a generic catalogue table's columns are:
/// `id,title[,category,price,url,image,in_stock]`.
struct CatalogColumns {
    id: usize,
    title: usize,
    category: Option<usize>,
    price: Option<usize>,
    url: Option<usize>,
    image: Option<usize>,
    in_stock: Option<usize>,
}

impl CatalogColumns {
    fn find(table: &impl Columns) -> Result<Self, InputError> {
        let hint = "a generic catalogue table (CSV or Parquet) needs id,title (category,price,url,image,in_stock optional)";
        Ok(Self {
            id: table.require(&["id"], "id", hint)?,
            title: table.require(&["title"], "title", hint)?,
            category: table.find(&["category"]),
            price: table.find(&["price"]),
            url: table.find(&["url"]),
            image: table.find(&["image"]),
            in_stock: table.find(&["in_stock"]),
        })
    }

    /// One row as a product, or the field at fault and why; links the URL
    /// policy refuses are dropped and counted in `links.cleaned`.
    fn item(
        &self,
        row: &impl Record,
        path: &Path,
        links: &mut ReadStats,
    ) -> Result<CatalogItem, (String, String)> {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("");
        let line = row.line();
        let price_text = get(self.price);
        let price_cents = if price_text.is_empty() {
            None
        } else {
            Some(parse_price(price_text).ok_or_else(|| {
                (
                    "price".to_string(),
                    format!("`{price_text}` is not a price like 4.99"),
                )
            })?)
        };
        let in_stock = parse_bool(get(self.in_stock)).ok_or_else(|| {
            (
                "in_stock".to_string(),
                "expected true/false or 1/0".to_string(),
            )
        })?;
        let id = get(Some(self.id));
        if id.is_empty() {
            return Err(("id".into(), "empty id".into()));
        }
        Ok(CatalogItem {
            id: id.to_string(),
            title: get(Some(self.title)).to_string(),
            category_path: split_path(get(self.category)),
            price_cents,
            url: checked_url(get(self.url), Link::Product, "url", path, line, links),
            image: checked_url(get(self.image), Link::Image, "image", path, line, links),
            in_stock,
        })
    }
}

#[derive(Deserialize)]
struct JsonItem {
    id: serde_json::Value,
    title: String,
    #[serde(default)]
    category: Option<serde_json::Value>,
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    in_stock: Option<bool>,
}

fn read_jsonl(
    path: &Path,
    bytes: &[u8],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let mut out = Vec::new();
    for (line, text) in json_lines(bytes) {
        let parsed = text
            .map_err(|_| "not valid UTF-8; save the file as UTF-8".to_string())
            .and_then(|t| {
                serde_json::from_str::<JsonItem>(t.trim_start_matches('\u{feff}'))
                    .map_err(|e| e.to_string())
            });
        let it = match parsed {
            Ok(it) => it,
            Err(e) => {
                stats.reject(policy, row_err(path, line, "json", e))?;
                continue;
            }
        };
        let id = match &it.id {
            serde_json::Value::String(s) if !s.is_empty() => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                stats.reject(
                    policy,
                    row_err(path, line, "id", "must be a number or non-empty string"),
                )?;
                continue;
            }
        };
        let category_path = match &it.category {
            Some(serde_json::Value::String(s)) => split_path(s),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let price_cents = match it.price {
            None => None,
            Some(p) => match parse_price(&p.to_string()) {
                Some(c) => Some(c),
                None => {
                    stats.reject(
                        policy,
                        row_err(path, line, "price", format!("{p} is not a valid price")),
                    )?;
                    continue;
                }
            },
        };
        let url = checked_url(
            it.url.as_deref().unwrap_or(""),
            Link::Product,
            "url",
            path,
            line,
            stats,
        );
        let image = checked_url(
            it.image.as_deref().unwrap_or(""),
            Link::Image,
            "image",
            path,
            line,
            stats,
        );
        out.push(CatalogItem {
            id,
            title: it.title,
            category_path,
            price_cents,
            url,
            image,
            in_stock: it.in_stock.unwrap_or(true),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_real_instacart_tables() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/instacart/products.csv");
        assert!(
            p.exists(),
            "{} is missing: the tests need ../shared/data",
            p.display()
        );
        let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(cat.items.len(), 49_688);
        assert_eq!(st.skipped, 0);
        // Written as JSON lines and read back: the same items, in order.
        let mut jsonl = Vec::new();
        write_catalog_jsonl(&cat, &mut jsonl).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("catalog.jsonl");
        std::fs::write(&out, &jsonl).unwrap();
        let (back, _) = read_catalog(&out, CatalogFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(back.items, cat.items);
        let bananas = cat.get("24852").unwrap();
        assert_eq!(bananas.title, "Banana");
        assert_eq!(
            bananas.category_path,
            vec!["produce".to_string(), "fresh fruits".to_string()]
        );
    }

    #[test]
    fn prices_read_with_or_without_a_currency() {
        assert_eq!(parse_price("4.99"), Some(499));
        assert_eq!(parse_price("$4.99"), Some(499));
        assert_eq!(parse_price("15.00 USD"), Some(1500));
        assert_eq!(parse_price(" 28 EUR "), Some(2800));
        assert_eq!(
            parse_price("15.00 usd"),
            None,
            "ISO 4217 codes are upper case"
        );
        assert_eq!(parse_price("USD"), None);
        assert_eq!(parse_price("fifteen USD"), None);
    }

    #[test]
    fn auto_tells_feeds_from_generic_tables() {
        let d = |name: &str, head: &str| detect(Path::new(name), head.as_bytes());
        assert_eq!(d("f.xml", "id,title\n"), CatalogFormat::MerchantXml);
        assert_eq!(d("f", "\r\n\n<rss>"), CatalogFormat::MerchantXml);
        assert_eq!(
            d("f", "\u{feff}<?xml version=\"1.0\"?>"),
            CatalogFormat::MerchantXml
        );
        assert_eq!(d("f", "  <feed xmlns=\"\">"), CatalogFormat::MerchantXml);
        assert_eq!(
            d("f.txt", "id\ttitle\tavailability\n"),
            CatalogFormat::MerchantTsv
        );
        assert_eq!(
            d("f.txt", "ID\tTitle\tImage_Link\n"),
            CatalogFormat::MerchantTsv
        );
        // A tab-separated table without a feed's attributes is no feed.
        assert_eq!(d("f.txt", "id\ttitle\tprice\n"), CatalogFormat::Csv);
        assert_eq!(d("f.csv", "id,title,image_link\n"), CatalogFormat::Csv);
        assert_eq!(
            d(
                "products.csv",
                "product_id,product_name,aisle_id,department_id"
            ),
            CatalogFormat::Instacart
        );
        assert_eq!(d("f", "{\"id\": 1}"), CatalogFormat::Jsonl);
    }

    #[test]
    fn generic_csv_validates_prices() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "id,title,category,price,in_stock\na,\"Milk, whole\",Dairy > Milk,1.99,true\nb,Eggs,Dairy,abc,true\n").unwrap();
        let err = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.csv:3") && err.contains("price"), "{err}");
        let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Skip).unwrap();
        assert_eq!(st.skipped, 1);
        let milk = cat.get("a").unwrap();
        assert_eq!(
            (milk.title.as_str(), milk.price_cents),
            ("Milk, whole", Some(199))
        );
        assert_eq!(milk.category_path, vec!["Dairy", "Milk"]);
    }
}
