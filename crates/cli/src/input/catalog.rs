//! Catalogues: the Instacart product tables, and xsell's generic catalogue
//! CSV / JSON lines (`id,title,category,price,url,image,in_stock`, where
//! `category` is a path such as `Produce > Fresh Fruits`).

use super::{read_text, split_csv_line, BadRows, InputError, ReadStats, RowError};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CatalogFormat {
    /// Decide from the file name (`products.csv` with `aisle_id` → instacart).
    Auto,
    /// Instacart `products.csv` with `aisles.csv` and `departments.csv` beside it.
    Instacart,
    /// Generic CSV.
    Csv,
    /// Generic JSON lines.
    Jsonl,
}

fn row_err(path: &Path, line: usize, field: &str, reason: impl Into<String>) -> RowError {
    RowError {
        file: path.to_path_buf(),
        line,
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Parses a decimal price such as `4.99` into cents.
pub fn parse_price(s: &str) -> Option<u32> {
    let s = s.trim().trim_start_matches('$');
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

fn id_table(
    path: &Path,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<HashMap<String, String>, InputError> {
    let text = read_text(path)?;
    let mut out = HashMap::new();
    for (k, line) in text.lines().enumerate().skip(1) {
        match split_csv_line(line, ',') {
            Some(f) if f.len() >= 2 => {
                out.insert(f[0].trim().to_string(), f[1].trim().to_string());
            }
            _ if line.trim().is_empty() => {}
            _ => stats.reject(policy, row_err(path, k + 1, "line", "expected `id,name`"))?,
        }
    }
    Ok(out)
}

/// Reads a catalogue.
pub fn read_catalog(
    path: &Path,
    format: CatalogFormat,
    policy: BadRows,
) -> Result<(Catalog, ReadStats), InputError> {
    let text = read_text(path)?;
    let first = text.lines().next().unwrap_or("");
    let format = match format {
        CatalogFormat::Auto if first.contains("aisle_id") => CatalogFormat::Instacart,
        CatalogFormat::Auto if first.trim_start().starts_with('{') => CatalogFormat::Jsonl,
        CatalogFormat::Auto => CatalogFormat::Csv,
        f => f,
    };
    let mut stats = ReadStats::default();
    let items = match format {
        CatalogFormat::Instacart => read_instacart(path, &text, policy, &mut stats)?,
        CatalogFormat::Jsonl => read_jsonl(path, &text, policy, &mut stats)?,
        _ => read_csv(path, &text, policy, &mut stats)?,
    };
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
    text: &str,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let aisles = id_table(&dir.join("aisles.csv"), policy, stats)?;
    let depts = id_table(&dir.join("departments.csv"), policy, stats)?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate().skip(1) {
        let ln = k + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some(f) = split_csv_line(line, ',').filter(|f| f.len() == 4) else {
            stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "line",
                    "expected product_id,product_name,aisle_id,department_id",
                ),
            )?;
            continue;
        };
        let (Some(aisle), Some(dept)) = (aisles.get(f[2].trim()), depts.get(f[3].trim())) else {
            stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "aisle_id/department_id",
                    "unknown aisle or department id",
                ),
            )?;
            continue;
        };
        out.push(CatalogItem {
            id: f[0].trim().to_string(),
            title: f[1].trim().to_string(),
            category_path: vec![dept.clone(), aisle.clone()],
            price_cents: None,
            url: String::new(),
            image: String::new(),
            in_stock: true,
        });
    }
    Ok(out)
}

fn split_path(s: &str) -> Vec<String> {
    s.split(['>', '/', '|'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn read_csv(
    path: &Path,
    text: &str,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let mut lines = text.lines().enumerate();
    let Some((_, head)) = lines.next() else {
        return Err(InputError::Empty(path.to_path_buf()));
    };
    let header: Vec<String> = split_csv_line(head.trim_start_matches('\u{feff}'), ',')
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let missing = |c: &str| InputError::MissingColumn {
        file: path.to_path_buf(),
        column: c.into(),
        found: header.join(", "),
        hint: "a catalogue CSV needs id,title (category,price,url,image,in_stock optional)",
    };
    let c_id = col("id").ok_or_else(|| missing("id"))?;
    let c_title = col("title").ok_or_else(|| missing("title"))?;
    let (c_cat, c_price, c_url, c_img, c_stock) = (
        col("category"),
        col("price"),
        col("url"),
        col("image"),
        col("in_stock"),
    );
    let mut out = Vec::new();
    for (k, line) in lines {
        let ln = k + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some(f) = split_csv_line(line, ',').filter(|f| f.len() == header.len()) else {
            stats.reject(
                policy,
                row_err(
                    path,
                    ln,
                    "line",
                    format!("expected {} fields", header.len()),
                ),
            )?;
            continue;
        };
        let get = |c: Option<usize>| c.map(|c| f[c].trim().to_string()).unwrap_or_default();
        let price_text = get(c_price);
        let price = if price_text.is_empty() {
            None
        } else {
            match parse_price(&price_text) {
                Some(p) => Some(p),
                None => {
                    stats.reject(
                        policy,
                        row_err(
                            path,
                            ln,
                            "price",
                            format!("`{price_text}` is not a price like 4.99"),
                        ),
                    )?;
                    continue;
                }
            }
        };
        let Some(in_stock) = parse_bool(&get(c_stock)) else {
            stats.reject(
                policy,
                row_err(path, ln, "in_stock", "expected true/false or 1/0"),
            )?;
            continue;
        };
        if f[c_id].trim().is_empty() {
            stats.reject(policy, row_err(path, ln, "id", "empty id"))?;
            continue;
        }
        out.push(CatalogItem {
            id: f[c_id].trim().to_string(),
            title: f[c_title].trim().to_string(),
            category_path: split_path(&get(c_cat)),
            price_cents: price,
            url: get(c_url),
            image: get(c_img),
            in_stock,
        });
    }
    Ok(out)
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
    text: &str,
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let it: JsonItem = match serde_json::from_str(line) {
            Ok(it) => it,
            Err(e) => {
                stats.reject(policy, row_err(path, k + 1, "json", e.to_string()))?;
                continue;
            }
        };
        let id = match &it.id {
            serde_json::Value::String(s) if !s.is_empty() => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                stats.reject(
                    policy,
                    row_err(path, k + 1, "id", "must be a number or non-empty string"),
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
                        row_err(path, k + 1, "price", format!("{p} is not a valid price")),
                    )?;
                    continue;
                }
            },
        };
        out.push(CatalogItem {
            id,
            title: it.title,
            category_path,
            price_cents,
            url: it.url.unwrap_or_default(),
            image: it.image.unwrap_or_default(),
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
