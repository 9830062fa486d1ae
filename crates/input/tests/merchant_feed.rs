//! Google Merchant Center product feeds as catalogues (`--catalog-format
//! merchant-tsv` / `merchant-xml`): the attributes kept, the links the URL
//! policy drops, and the bad rows with their lines.

use std::path::{Path, PathBuf};
use xsell_input::{
    parse_catalog, read_catalog, write_catalog_jsonl, BadRows, Catalog, CatalogFormat, CatalogItem,
    InputError, ReadStats,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture `name` with `from` replaced by `to`, as a file named `name`.
fn edited(name: &str, from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

fn read(
    path: &Path,
    format: CatalogFormat,
    policy: BadRows,
) -> Result<(Catalog, ReadStats), InputError> {
    let bytes = std::fs::read(path).unwrap();
    parse_catalog(path, bytes, format, policy, &mut |n| {
        panic!("a Merchant feed reads no file beside it: {n}")
    })
}

fn item(
    id: &str,
    title: &str,
    path: &[&str],
    price_cents: u32,
    url: &str,
    image: &str,
    in_stock: bool,
) -> CatalogItem {
    CatalogItem {
        id: id.into(),
        title: title.into(),
        category_path: path.iter().map(|s| s.to_string()).collect(),
        price_cents: Some(price_cents),
        url: url.into(),
        image: image.into(),
        in_stock,
    }
}

const KNIVES: [&str; 3] = ["Home", "Kitchen", "Knives"];
const IMG: &str = "https://cdn.shop.example/images";

#[test]
fn the_tsv_feed_maps_each_row_to_a_product() {
    let path = fixture("merchant_feed.tsv");
    let (cat, stats) = read_catalog(&path, CatalogFormat::MerchantTsv, BadRows::Fail).unwrap();
    assert_eq!(
        cat.items,
        vec![
            // The regular price, not sale_price; the quote in the title is
            // the title's.
            item(
                "KN-08",
                "Chef's Knife 8\"",
                &KNIVES,
                4900,
                "https://shop.example/products/chef-knife-8",
                &format!("{IMG}/kn-08.jpg"),
                true
            ),
            item(
                "HN-03",
                "Honing Steel 10\"",
                &KNIVES,
                2450,
                "https://shop.example/products/honing-steel",
                &format!("{IMG}/hn-03.jpg"),
                false
            ),
            // No product_type: Google's category; a preorder can be ordered;
            // the javascript: link is dropped, the product kept.
            item(
                "BD-12",
                "End-Grain Cutting Board",
                &[
                    "Home & Garden",
                    "Kitchen & Dining",
                    "Kitchen Tools & Utensils",
                    "Cutting Boards"
                ],
                6500,
                "",
                &format!("{IMG}/bd-12.jpg"),
                true
            ),
            // Shop-relative and protocol-relative links pass; backorder is in stock.
            item(
                "AP-01",
                "Linen Apron",
                &["Home", "Textiles", "Aprons"],
                2800,
                "/products/linen-apron",
                "//cdn.shop.example/images/ap-01.jpg",
                true
            ),
        ]
    );
    assert_eq!((stats.rows, stats.skipped), (4, 0));
    assert_eq!((stats.cleaned.urls, stats.cleaned.images), (1, 0));
    let dropped = stats.cleaned.examples[0].to_string();
    assert!(
        dropped.starts_with(&format!(
            "{}:4: field `link`: \"javascript:",
            path.display()
        )),
        "{dropped}"
    );
}

#[test]
fn the_rss_feed_reads_g_attributes_cdata_and_entities() {
    let path = fixture("merchant_feed.xml");
    let (cat, stats) = read_catalog(&path, CatalogFormat::MerchantXml, BadRows::Fail).unwrap();
    assert_eq!(
        cat.items,
        vec![
            // CDATA kept as written; `&amp;` in the link decoded; the first
            // product_type counts; g:shipping's g:price is not the price.
            item(
                "KN-08",
                "Chef's Knife 8\" — Hearth & Co",
                &KNIVES,
                4900,
                "https://shop.example/products/chef-knife-8?utm_source=google&utm_medium=shopping",
                &format!("{IMG}/kn-08.jpg"),
                true
            ),
            // RSS's own <title> and <link> where there is no g:title / g:link;
            // `out of stock` in the older spelling.
            item(
                "HN-03",
                "Honing Steel 10\" & Guard",
                &[
                    "Home & Garden",
                    "Kitchen & Dining",
                    "Kitchen Tools & Utensils",
                    "Knife Sharpeners"
                ],
                2450,
                "https://shop.example/products/honing-steel",
                "",
                false
            ),
            item(
                "BD-12",
                "End-Grain Cutting Board",
                &["Home", "Kitchen", "Boards"],
                6500,
                "",
                &format!("{IMG}/bd-12.jpg"),
                true
            ),
        ]
    );
    assert_eq!((stats.cleaned.urls, stats.cleaned.images), (1, 1));
    let lines: Vec<(usize, &str)> = stats
        .cleaned
        .examples
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(lines, vec![(33, "image_link"), (41, "link")]);
}

#[test]
fn the_atom_feed_reads_entries_and_link_hrefs() {
    let (cat, stats) = read_catalog(
        &fixture("merchant_feed_atom.xml"),
        CatalogFormat::MerchantXml,
        BadRows::Fail,
    )
    .unwrap();
    assert_eq!(
        cat.items,
        vec![
            // g:id wins over the entry's Atom <id>.
            item(
                "AP-01",
                "Linen Apron",
                &["Home", "Textiles", "Aprons"],
                2800,
                "https://shop.example/products/linen-apron",
                &format!("{IMG}/ap-01.jpg"),
                true
            ),
            // No g:id: the Atom <id>; numeric character references decoded.
            item(
                "WR-3P",
                "Beeswax Wraps (3 pack)",
                &["Home", "Kitchen", "Storage"],
                1200,
                "https://shop.example/products/beeswax-wraps?size=3&ref=feed",
                &format!("{IMG}/wr-3p.jpg"),
                true
            ),
        ]
    );
    assert!(stats.cleaned.is_empty());
}

#[test]
fn auto_detects_each_feed() {
    for (name, as_named, forced) in [
        (
            "merchant_feed.tsv",
            "products.txt",
            CatalogFormat::MerchantTsv,
        ),
        ("merchant_feed.xml", "feed.txt", CatalogFormat::MerchantXml),
        ("merchant_feed_atom.xml", "feed", CatalogFormat::MerchantXml),
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let (auto, _) = parse_catalog(
            Path::new(as_named),
            bytes.clone(),
            CatalogFormat::Auto,
            BadRows::Fail,
            &mut |n| panic!("{n}"),
        )
        .unwrap();
        let (cat, _) = read(&fixture(name), forced, BadRows::Fail).unwrap();
        assert_eq!(auto.items, cat.items, "{name}");
    }
    // By the extension alone.
    let (_dir, path) = edited(
        "merchant_feed.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "\n",
    );
    let (cat, _) = read(&path, CatalogFormat::Auto, BadRows::Fail).unwrap();
    assert_eq!(cat.items.len(), 3);
}

#[test]
fn a_bad_price_costs_its_product_at_the_price_s_line() {
    let (_dir, path) = edited(
        "merchant_feed.xml",
        "<g:price>49.00 USD</g:price>",
        "<g:price>forty-nine USD</g:price>",
    );
    let err = read(&path, CatalogFormat::MerchantXml, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:15: field `price`: `forty-nine USD` is not a price like 15.00 USD",
            path.display()
        )),
        "{err}"
    );
    let (cat, stats) = read(&path, CatalogFormat::MerchantXml, BadRows::Skip).unwrap();
    assert_eq!(
        cat.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        vec!["HN-03", "BD-12"]
    );
    assert_eq!((stats.rows, stats.skipped), (2, 1));
}

#[test]
fn a_bad_tsv_row_names_its_line_and_attribute() {
    let (_dir, path) = edited("merchant_feed.tsv", "\tout_of_stock\t", "\tsold out\t");
    let err = read(&path, CatalogFormat::MerchantTsv, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:3: field `availability`: `sold out` is not one of in_stock, out_of_stock, preorder, backorder",
            path.display()
        )),
        "{err}"
    );
    let (cat, stats) = read(&path, CatalogFormat::MerchantTsv, BadRows::Skip).unwrap();
    assert_eq!((cat.items.len(), stats.skipped), (3, 1));
    assert!(cat.get("HN-03").is_none());
}

#[test]
fn an_unknown_entity_is_a_bad_value_not_a_broken_feed() {
    let (_dir, path) = edited(
        "merchant_feed.xml",
        "<g:title>End-Grain Cutting Board</g:title>",
        "<g:title>End-Grain&nbsp;Cutting Board</g:title>",
    );
    let err = read(&path, CatalogFormat::MerchantXml, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:40: field `title`: unknown entity `&nbsp;`",
            path.display()
        )),
        "{err}"
    );
    let (cat, stats) = read(&path, CatalogFormat::MerchantXml, BadRows::Skip).unwrap();
    assert_eq!((cat.items.len(), stats.skipped), (2, 1));
}

#[test]
fn malformed_xml_stops_the_read_at_its_line_whatever_the_policy() {
    let (_dir, path) = edited(
        "merchant_feed.xml",
        "<g:price>24.50 USD</g:price>",
        "<g:price>24.50 USD</g:prize>",
    );
    for policy in [BadRows::Fail, BadRows::Skip] {
        let err = read(&path, CatalogFormat::MerchantXml, policy).unwrap_err();
        assert!(
            matches!(err, InputError::BadXml(ref e) if e.line == 35),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("cannot be read past a syntax error"),
            "{err}"
        );
    }
}

#[test]
fn a_feed_cut_short_inside_a_product_is_refused() {
    let text = std::fs::read_to_string(fixture("merchant_feed.xml")).unwrap();
    let cut = &text[..text.find("<g:image_link>javascript").unwrap()];
    let err = parse_catalog(
        Path::new("feed.xml"),
        cut.as_bytes().to_vec(),
        CatalogFormat::MerchantXml,
        BadRows::Skip,
        &mut |n| panic!("{n}"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(
            "feed.xml:28: field `xml`: the feed ends inside the product opened on this line"
        ),
        "{err}"
    );
}

#[test]
fn a_feed_that_is_not_utf8_is_refused_at_the_line() {
    let mut bytes = std::fs::read(fixture("merchant_feed_atom.xml")).unwrap();
    let at = bytes.windows(11).position(|w| w == b"Linen Apron").unwrap();
    bytes[at + 5] = 0xa0; // Latin-1's no-break space
    let err = parse_catalog(
        Path::new("feed.xml"),
        bytes,
        CatalogFormat::MerchantXml,
        BadRows::Skip,
        &mut |n| panic!("{n}"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("feed.xml:11: field `xml`: not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn feed_catalogues_round_trip_through_the_generic_json_lines() {
    for (name, format) in [
        ("merchant_feed.tsv", CatalogFormat::MerchantTsv),
        ("merchant_feed.xml", CatalogFormat::MerchantXml),
        ("merchant_feed_atom.xml", CatalogFormat::MerchantXml),
    ] {
        let (cat, _) = read(&fixture(name), format, BadRows::Fail).unwrap();
        let mut jsonl = Vec::new();
        write_catalog_jsonl(&cat, &mut jsonl).unwrap();
        let (back, _) = parse_catalog(
            Path::new("back.jsonl"),
            jsonl,
            CatalogFormat::Auto,
            BadRows::Fail,
            &mut |n| panic!("{n}"),
        )
        .unwrap();
        assert_eq!(back.items, cat.items, "{name}");
    }
}
