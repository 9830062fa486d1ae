//! The demo shop's catalogue: a real catalogue (the Instacart products)
//! dressed with what a shop's feed has and the dataset lacks — a product
//! page `/p/ID`, a generated image `/img/ID.svg`, and (only where the
//! catalogue has none) a made-up price between $0.99 and $14.99 derived
//! from the id, stable across runs. Nothing is evaluated on the prices. It
//! is written as xsell's generic catalogue JSON lines, which `xsell train`
//! and `xsell eval` read like any shop's export: the trainer knows nothing
//! of the demo.

use std::path::Path;

use anyhow::{Context, Result};
use xsell_cli::input::{read_catalog, write_catalog_jsonl, BadRows, Catalog, CatalogFormat};

/// Fills URLs, images and missing prices.
pub fn dress(catalog: &mut Catalog) {
    for it in &mut catalog.items {
        if it.url.is_empty() {
            it.url = format!("/p/{}", it.id);
        }
        if it.image.is_empty() {
            it.image = format!("/img/{}.svg", it.id);
        }
        if it.price_cents.is_none() {
            let h = it.id.bytes().fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            it.price_cents = Some(99 + (h % 15) * 100);
        }
    }
}

/// Reads `from` (any catalogue format `xsell` reads), dresses it and writes
/// the JSON lines to `to`.
pub fn write_dressed(from: &Path, to: &Path) -> Result<usize> {
    let (mut c, _) = read_catalog(from, CatalogFormat::Auto, BadRows::Fail)
        .with_context(|| format!("reading the catalogue {}", from.display()))?;
    dress(&mut c);
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(to).with_context(|| format!("creating {}", to.display()))?,
    );
    write_catalog_jsonl(&c, &mut out)?;
    Ok(c.items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dressing_fills_only_what_is_missing_and_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("c.csv");
        std::fs::write(
            &from,
            "id,title,category,price,url\n1,Milk,Dairy,,\n2,Tea,Drinks,3.50,https://shop.example/tea\n",
        )
        .unwrap();
        let to = dir.path().join("c.jsonl");
        assert_eq!(write_dressed(&from, &to).unwrap(), 2);
        let (c, _) = read_catalog(&to, CatalogFormat::Auto, BadRows::Fail).unwrap();
        assert_eq!(c.items[0].url, "/p/1");
        assert_eq!(c.items[0].image, "/img/1.svg");
        let p = c.items[0].price_cents.unwrap();
        assert!((99..=1499).contains(&p) && p % 100 == 99, "{p}");
        assert_eq!(c.items[1].price_cents, Some(350));
        assert_eq!(c.items[1].url, "https://shop.example/tea");
        let again = dir.path().join("again.jsonl");
        write_dressed(&from, &again).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), std::fs::read(&again).unwrap());
    }
}
