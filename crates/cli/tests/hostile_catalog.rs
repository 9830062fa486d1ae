//! Hostile catalogues: real CSV quoting, a bad row costs that row only,
//! category names keep their separators, and no URL the policy refuses
//! reaches the model. Small hand-written fixtures, read back through the
//! same readers the trainer uses.

use std::path::{Path, PathBuf};
use xsell_cli::input::{
    join_path, parse_catalog, parse_events, read_catalog, split_path, BadRows, CatalogFormat,
    EventFormat, UNKNOWN_CATEGORY,
};
use xsell_core::safe_url::check_url;

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn a_quoted_line_break_in_a_title_is_one_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "catalog.csv",
        "id,title,category,price,url\na,\"Milk\nwhole, 1 l\",Dairy,1.99,/p/a\nb,Eggs,Dairy,2.49,/p/b\n",
    );
    let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail).unwrap();
    assert_eq!(st.skipped, 0);
    assert_eq!(cat.get("a").unwrap().title, "Milk\nwhole, 1 l");
    assert_eq!(cat.get("b").unwrap().price_cents, Some(249));
}

#[test]
fn an_unclosed_quote_costs_its_own_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "catalog.csv",
        "id,title,price\na,\"Milk,1.99\nb,Eggs,2.49\nc,Tea,3.00\n",
    );
    let err = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(err.contains("catalog.csv:2: field `row`"), "{err}");
    let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Skip).unwrap();
    assert_eq!(st.skipped, 1);
    assert_eq!(cat.items.len(), 2, "{:?}", cat.items);
    assert_eq!(cat.get("c").unwrap().title, "Tea");
}

#[test]
fn a_quoted_separator_stays_in_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "catalog.csv",
        "id,title,category\na,Merlot,\"Beer/Wine | Spirits > Red \\> Dry, 2020\"\n",
    );
    let (cat, _) = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail).unwrap();
    let path = &cat.get("a").unwrap().category_path;
    assert_eq!(path, &["Beer/Wine | Spirits", "Red > Dry, 2020"]);
    assert_eq!(split_path(&join_path(path)), *path);
}

#[test]
fn a_bad_aisle_row_leaves_its_products_under_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "aisles.csv",
        "aisle_id,aisle\n1,fresh fruits\n2\n3,\"tea\n5,herbs\n",
    );
    write(
        dir.path(),
        "departments.csv",
        "department_id,department\n4,produce\n7,beverages\n",
    );
    let p = write(
        dir.path(),
        "products.csv",
        "product_id,product_name,aisle_id,department_id\n10,Banana,1,4\n11,Apple,2,4\n12,Green Tea,3,7\n",
    );
    let err = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(err.contains("aisles.csv:3: field `row`"), "{err}");
    let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Skip).unwrap();
    assert_eq!(cat.items.len(), 3, "no product is dropped");
    assert_eq!(st.skipped, 2, "the two bad aisle rows");
    assert_eq!(st.cleaned.unknown_categories, 2);
    assert_eq!(
        cat.get("10").unwrap().category_path,
        ["produce", "fresh fruits"]
    );
    assert_eq!(
        cat.get("11").unwrap().category_path,
        ["produce", UNKNOWN_CATEGORY]
    );
    assert_eq!(
        cat.get("12").unwrap().category_path,
        ["beverages", UNKNOWN_CATEGORY]
    );
}

#[test]
fn unsafe_and_unparseable_urls_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "catalog.csv",
        "id,title,url,image\n\
         a,A,javascript:alert(1),\"data:image/svg+xml;base64,PHN2Zz4=\"\n\
         b,B,\" java\tscript:alert(1)\",https://shop.example@evil.example/i.png\n\
         c,C,\"\"\"><img src=x onerror=alert(1)>\",https://cdn.example/c.png\n\
         d,D,/p/d,//cdn.example/d.png\n",
    );
    let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail).unwrap();
    assert_eq!(cat.items.len(), 4, "every product is kept");
    assert_eq!((st.cleaned.urls, st.cleaned.images), (3, 2));
    assert!(st.cleaned.examples[0]
        .to_string()
        .starts_with(&format!("{}:2: field `url`", p.display())));
    assert_eq!(cat.get("c").unwrap().image, "https://cdn.example/c.png");
    assert_eq!(
        (
            cat.get("d").unwrap().url.as_str(),
            cat.get("d").unwrap().image.as_str()
        ),
        ("/p/d", "//cdn.example/d.png")
    );
    for it in &cat.items[..2] {
        assert_eq!((it.url.as_str(), it.image.as_str()), ("", ""));
    }
}

#[test]
fn errors_name_the_file_the_line_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "c.csv",
        "id,title,price\na,Milk,1.99\nb,Eggs,abc\n",
    );
    let e = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("c.csv:3: field `price`: `abc` is not a price like 4.99")
            && e.contains("--skip-bad-rows"),
        "{e}"
    );
    let p = write(
        dir.path(),
        "e.csv",
        "session_id,item_id,event,timestamp\ns,1,view_item,1\ns,\"2\n3\",view_item,2\n",
    );
    let e = parse_events(
        &p,
        std::fs::read(&p).unwrap(),
        EventFormat::Auto,
        BadRows::Fail,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("e.csv:3: field `row`") && e.contains("closing quote"),
        "{e}"
    );
}

#[test]
fn catalogues_read_from_memory_like_files() {
    let body = b"id,title\nx,\"A, \"\"quoted\"\" title\"\n".to_vec();
    let (cat, _) = parse_catalog(
        Path::new("mem.csv"),
        body,
        CatalogFormat::Auto,
        BadRows::Fail,
        &mut |n| panic!("no sidecar for a generic CSV: {n}"),
    )
    .unwrap();
    assert_eq!(cat.get("x").unwrap().title, "A, \"quoted\" title");
}

const PAYLOADS: [&str; 8] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    " java\tscript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "'';!--\"<XSS>=&{()}",
    "//evil.example/\"onerror=alert(1)",
];

#[test]
fn a_catalogue_of_xss_payloads_trains_and_the_model_holds_no_unsafe_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut events = String::from("session_id,item_id,event,timestamp\n");
    let mut jsonl = String::new();
    for (k, p) in PAYLOADS.iter().enumerate() {
        let id = format!("{p}{k}");
        for s in 0..3 {
            events.push_str(&format!("s{s},{},add_to_cart,{k}\n", csv_quote(&id)));
        }
        jsonl.push_str(
            &serde_json::json!({"id": id, "title": p, "category": [p, p], "url": p, "image": p})
                .to_string(),
        );
        jsonl.push('\n');
    }
    let ev = write(dir.path(), "events.csv", &events);
    let cat = write(dir.path(), "catalog.jsonl", &jsonl);
    let model = dir.path().join("m.xsm");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xsell"))
        .args(["train", "--events"])
        .arg(&ev)
        .arg("--catalog")
        .arg(&cat)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("dropped 8 product links and 8 image links"),
        "{err}"
    );
    let bytes = std::fs::read(&model).unwrap();
    let m = xsell_core::Model::parse(&bytes).unwrap();
    assert_eq!(m.len(), PAYLOADS.len());
    for i in 0..m.len() as u32 {
        for u in [m.item_url(i), m.item_image(i)] {
            assert!(u.is_empty() || check_url(u).is_some(), "{u:?} in the model");
            assert!(u.is_empty(), "every payload URL is refused: {u:?}");
        }
    }
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Windows line ends (the real Instacart tables have them) are line ends,
/// not line breaks inside a field.
#[test]
fn crlf_tables_read_like_lf_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "aisles.csv",
        "aisle_id,aisle\r\n1,fresh fruits\r\n2,tea\r\n",
    );
    write(
        dir.path(),
        "departments.csv",
        "department_id,department\r\n4,produce\r\n",
    );
    let p = write(
        dir.path(),
        "products.csv",
        "product_id,product_name,aisle_id,department_id\r\n10,\"Banana, \"\"ripe\"\"\",1,4\r\n11,Tea,2,4\r\n",
    );
    let (cat, st) = read_catalog(&p, CatalogFormat::Auto, BadRows::Fail).unwrap();
    assert_eq!(cat.items.len(), 2);
    assert_eq!(st.skipped, 0);
    assert_eq!(cat.get("10").unwrap().title, "Banana, \"ripe\"");
    assert_eq!(cat.get("11").unwrap().category_path, ["produce", "tea"]);
}
