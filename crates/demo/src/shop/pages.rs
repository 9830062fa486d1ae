//! The shop's pages as askama templates (`crates/demo/templates/`): one
//! struct per page, each carrying the [`Layout`] that `base.html` reads.
//! Askama HTML-escapes every `{{ value }}`; the only values written as
//! they are (`|safe`) are the JSON-LD, through askama's `json` filter,
//! which never emits `<`, `>`, `&` or `'`, and the shop's own fragments
//! from `www/`.

use askama::Template;

use super::{PageQuery, Product, Shop};

/// What the base layout shows on every page.
pub(super) struct Layout<'a> {
    /// The page's name, before " · xsell demo grocery".
    title: &'a str,
    /// The search box's value.
    query: &'a str,
    /// The model's checksum, in the `xsell-model` meta tag.
    model_version: &'a str,
    /// The static files' version (`?v=` on their URLs).
    asset_version: &'a str,
    /// The widget's script tag, on the pages that have carousels.
    widget: Option<Widget>,
}

/// The widget's script tag.
pub(super) struct Widget {
    /// The model URL the widget loads.
    model: String,
    /// Whether to load the npm package's ES module instead of the
    /// script-tag build.
    esm: bool,
}

impl<'a> Layout<'a> {
    fn new(shop: &'a Shop, q: &'a PageQuery, title: &'a str) -> Self {
        let model = match q.model.as_deref() {
            Some("missing") => "/missing.xsm".to_string(),
            Some("corrupt") => "/corrupt.xsm".to_string(),
            Some("synthetic-100k") => "/bench/synthetic-100k.xsm".to_string(),
            _ => format!("/model.xsm?v={}", shop.model_version),
        };
        Self {
            title,
            query: q.q.as_deref().unwrap_or(""),
            model_version: &shop.model_version,
            asset_version: &shop.asset_version,
            // `?widget=off`: the page as it is without xsell (the Core Web
            // Vitals benchmark's baseline).
            widget: (q.widget.as_deref() != Some("off")).then(|| Widget {
                model,
                esm: q.esm.is_some(),
            }),
        }
    }
}

/// `/`: the popular products under a carousel.
#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct Home<'a> {
    layout: Layout<'a>,
    tiles: Vec<&'a Product>,
}

/// `/search?q=`: the products whose title contains the query.
#[derive(Template)]
#[template(path = "search.html")]
pub(super) struct Search<'a> {
    layout: Layout<'a>,
    /// The query as searched (trimmed, lower case).
    needle: String,
    tiles: Vec<&'a Product>,
}

/// `/p/ID`: one product, its JSON-LD and a carousel around it.
#[derive(Template)]
#[template(path = "product.html")]
pub(super) struct ProductPage<'a> {
    layout: Layout<'a>,
    p: &'a Product,
    /// schema.org `Product`, which the widget's autotracking reads.
    ld: serde_json::Value,
}

/// `/cart`: filled in by `www/shop.js` from the shop's cart.
#[derive(Template)]
#[template(path = "cart.html")]
pub(super) struct Cart<'a> {
    layout: Layout<'a>,
}

/// `/checkout`: the summary (from `www/shop.js`), a carousel, the survey.
#[derive(Template)]
#[template(path = "checkout.html")]
pub(super) struct Checkout<'a> {
    layout: Layout<'a>,
}

/// One of the shop's own HTML files (`www/dashboard.html`,
/// `www/bench.html`) in the layout, without the widget.
#[derive(Template)]
#[template(path = "fragment.html")]
pub(super) struct Fragment<'a> {
    layout: Layout<'a>,
    /// Trusted: the shop's own file, not catalogue data.
    body: String,
}

/// `/img/ID.svg`: a coloured tile with the title's initials and the aisle.
#[derive(Template)]
#[template(path = "product.svg")]
pub(super) struct ProductImage {
    background: &'static str,
    initials: String,
    aisle: String,
}

const COLORS: [&str; 8] = [
    "#2f6f4e", "#8a4b12", "#1d5c8c", "#7a2e5a", "#5b6b12", "#8c2f2f", "#3d4f8a", "#6b4f2f",
];

impl ProductImage {
    /// The image of `p`: the colour comes from its department.
    pub(super) fn of(p: &Product) -> Self {
        let h = p
            .department
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        Self {
            background: COLORS[(h % 8) as usize],
            initials: p
                .title
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_alphanumeric())
                .take(2)
                .collect(),
            aisle: p.aisle.chars().take(24).collect(),
        }
    }
}

pub(super) fn home<'a>(shop: &'a Shop, q: &'a PageQuery) -> Home<'a> {
    Home {
        layout: Layout::new(shop, q, "Home"),
        tiles: shop.popular().collect(),
    }
}

pub(super) fn search<'a>(shop: &'a Shop, q: &'a PageQuery) -> Search<'a> {
    let needle = q.q.as_deref().unwrap_or("").trim().to_lowercase();
    Search {
        layout: Layout::new(shop, q, "Search"),
        tiles: shop.search(&needle),
        needle,
    }
}

pub(super) fn product<'a>(shop: &'a Shop, q: &'a PageQuery, p: &'a Product) -> ProductPage<'a> {
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": p.id,
        "name": p.title,
        "category": format!("{} > {}", p.department, p.aisle),
        "offers": {
            "@type": "Offer",
            "price": p.price_cents.map(|c| f64::from(c) / 100.0),
            "priceCurrency": "USD",
        }
    });
    ProductPage {
        layout: Layout::new(shop, q, &p.title),
        p,
        ld,
    }
}

pub(super) fn cart<'a>(shop: &'a Shop, q: &'a PageQuery) -> Cart<'a> {
    Cart {
        layout: Layout::new(shop, q, "Cart"),
    }
}

pub(super) fn checkout<'a>(shop: &'a Shop, q: &'a PageQuery) -> Checkout<'a> {
    Checkout {
        layout: Layout::new(shop, q, "Checkout"),
    }
}

pub(super) fn fragment<'a>(
    shop: &'a Shop,
    q: &'a PageQuery,
    title: &'a str,
    body: String,
) -> Fragment<'a> {
    Fragment {
        layout: Layout {
            widget: None,
            ..Layout::new(shop, q, title)
        },
        body,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use askama::Template;
    use xsell_core::{CategoryRecord, ItemRecord, ModelBuilder};

    use super::super::{PageQuery, Shop};

    const HOSTILE_TITLE: &str = "<script>alert(1)</script> Bananas";
    const ESCAPED_TITLE: &str = "&#60;script&#62;alert(1)&#60;/script&#62; Bananas";

    /// A catalogue with a hostile item (script in the title, `javascript:`
    /// URLs, markup in the aisle) beside an ordinary one.
    fn shop() -> Shop {
        let b = ModelBuilder {
            categories: vec![
                CategoryRecord {
                    name: "Produce".into(),
                    parent: None,
                },
                CategoryRecord {
                    name: "<img src=x onerror=alert(3)>".into(),
                    parent: Some(0),
                },
            ],
            items: vec![
                ItemRecord {
                    id: "evil".into(),
                    title: HOSTILE_TITLE.into(),
                    url: "javascript:alert(1)".into(),
                    image: "javascript:alert(2)".into(),
                    price_cents: Some(199),
                    category: Some(1),
                    in_stock: true,
                    popularity: 50,
                },
                ItemRecord {
                    id: "tabbed".into(),
                    title: "Tabbed Strawberries".into(),
                    url: "java\tscript:alert(4)".into(),
                    image: "data:image/svg+xml,<svg onload=alert(5)>".into(),
                    price_cents: None,
                    category: Some(0),
                    in_stock: true,
                    popularity: 45,
                },
                ItemRecord {
                    id: "ok".into(),
                    title: "Organic Bananas".into(),
                    url: "/p/ok".into(),
                    image: "/img/ok.svg".into(),
                    price_cents: Some(1205),
                    category: Some(0),
                    in_stock: true,
                    popularity: 40,
                },
            ],
            ..ModelBuilder::default()
        };
        let bytes = b.build().expect("a valid model");
        Shop::new(&bytes, PathBuf::from("www"), PathBuf::from("dist")).expect("the model parses")
    }

    fn query(q: Option<&str>) -> PageQuery {
        PageQuery {
            q: q.map(str::to_string),
            ..PageQuery::default()
        }
    }

    /// The `<li>` of item `id` in a grid.
    fn tile<'h>(html: &'h str, id: &str) -> &'h str {
        let at = html
            .find(&format!(r#"data-add="{id}""#))
            .unwrap_or_else(|| panic!("no tile for {id}"));
        let start = html[..at].rfind("<li").expect("the tile's <li>");
        let end = at + html[at..].find("</li>").expect("the tile's </li>");
        &html[start..end]
    }

    fn assert_nothing_hostile(page: &str, html: &str) {
        for bad in [
            "<script>alert",
            "javascript:",
            "java\tscript",
            "data:",
            "<img src=x",
            "<svg onload",
        ] {
            assert!(!html.contains(bad), "{page} contains {bad:?}:\n{html}");
        }
    }

    #[test]
    fn a_javascript_url_in_the_catalogue_is_never_a_link() {
        let shop = shop();
        let q = query(None);
        let html = super::home(&shop, &q).render().unwrap();
        assert_nothing_hostile("home", &html);
        for id in ["evil", "tabbed"] {
            let t = tile(&html, id);
            assert!(!t.contains("<a"), "{id} is a link: {t}");
            assert!(!t.contains("<img"), "{id} has its unsafe image: {t}");
            assert!(
                t.contains(r#"<span class="name">"#),
                "{id} lost its title: {t}"
            );
        }
        let ok = tile(&html, "ok");
        assert!(
            ok.contains(r#"<a href="/p/ok"><img src="/img/ok.svg""#),
            "{ok}"
        );
    }

    #[test]
    fn catalogue_text_is_escaped_on_every_page() {
        let shop = shop();
        let (plain, searched) = (query(None), query(Some("<SCRIPT>")));
        let evil = shop.get("evil").unwrap();
        let pages = [
            ("home", super::home(&shop, &plain).render().unwrap()),
            ("search", super::search(&shop, &searched).render().unwrap()),
            (
                "product",
                super::product(&shop, &plain, evil).render().unwrap(),
            ),
        ];
        for (page, html) in &pages {
            assert_nothing_hostile(page, html);
            assert!(
                html.contains(ESCAPED_TITLE),
                "{page} lacks the escaped title:\n{html}"
            );
        }
        let search = &pages[1].1;
        assert!(
            search.contains("Results for “&#60;script&#62;”"),
            "{search}"
        );
        assert!(search.contains(r#"value="&#60;SCRIPT&#62;""#), "{search}");
        assert!(search.contains("<p>1 products</p>"), "{search}");
        let product = &pages[2].1;
        assert!(product.contains(&format!(
            "<title>{ESCAPED_TITLE} · xsell demo grocery</title>"
        )));
        assert!(product.contains(&format!(r#"heading="Goes well with {ESCAPED_TITLE}""#)));
        assert!(product.contains("› Produce › &#60;img src=x onerror=alert(3)&#62;</nav>"));
    }

    #[test]
    fn the_json_ld_gives_the_title_back_without_closing_its_script() {
        let shop = shop();
        let q = query(None);
        let html = super::product(&shop, &q, shop.get("evil").unwrap())
            .render()
            .unwrap();
        let open = r#"<script type="application/ld+json">"#;
        let start = html.find(open).expect("JSON-LD") + open.len();
        let json = &html[start..start + html[start..].find("</script>").unwrap()];
        assert!(!json.contains('<'), "{json}");
        let ld: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(ld["name"], HOSTILE_TITLE);
        assert_eq!(ld["sku"], "evil");
        assert_eq!(ld["offers"]["price"], 1.99);
    }

    #[test]
    fn the_cart_api_sends_no_unsafe_url() {
        let shop = shop();
        let rows = serde_json::to_value(shop.lookup("evil,tabbed,ok,nope")).unwrap();
        let urls: Vec<_> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].clone(), r["url"].clone(), r["image"].clone()))
            .collect();
        assert_eq!(
            urls,
            [
                (
                    "evil".into(),
                    serde_json::Value::Null,
                    serde_json::Value::Null
                ),
                (
                    "tabbed".into(),
                    serde_json::Value::Null,
                    serde_json::Value::Null
                ),
                ("ok".into(), "/p/ok".into(), "/img/ok.svg".into()),
            ]
        );
    }

    #[test]
    fn prices_come_from_the_one_formatter() {
        let shop = shop();
        let q = query(None);
        let html = super::home(&shop, &q).render().unwrap();
        assert!(tile(&html, "evil").contains(r#"<span class="price">$1.99</span>"#));
        assert!(tile(&html, "ok").contains(r#"<span class="price">$12.05</span>"#));
        assert!(tile(&html, "tabbed").contains(r#"<span class="price"></span>"#));
        let ok = super::product(&shop, &q, shop.get("ok").unwrap())
            .render()
            .unwrap();
        assert!(ok.contains(r#"<p class="price">$12.05</p>"#), "{ok}");
    }

    #[test]
    fn the_widget_tag_carries_model_configs_and_endpoint() {
        let shop = shop();
        let v = shop.model_version.clone();
        let a = shop.asset_version.clone();
        let script = super::cart(&shop, &query(None)).render().unwrap();
        assert!(script.contains(&format!(
            r#"<script src="/xsell/xsell.js?v={a}" data-model="/model.xsm?v={v}" data-config="/placements.json" data-experiments="/experiments.json" data-endpoint="/v1/reports" async></script>"#
        )), "{script}");
        let esm = PageQuery {
            esm: Some("1".into()),
            model: Some("missing".into()),
            ..PageQuery::default()
        };
        let module = super::checkout(&shop, &esm).render().unwrap();
        assert!(module.contains(&format!(r#"<script type="module" src="/static/esm-demo.js?v={a}" data-model="/missing.xsm" data-config="/placements.json" data-experiments="/experiments.json" data-endpoint="/v1/reports" id="xsell-esm"></script>"#)), "{module}");
        assert!(
            module.contains(&format!(
                r#"<link rel="stylesheet" href="/static/shop.css?v={a}">"#
            )),
            "{module}"
        );
        let dashboard = super::fragment(&shop, &esm, "Dashboard", "<p id=x>ours</p>".into())
            .render()
            .unwrap();
        assert!(!dashboard.contains("data-model"), "{dashboard}");
        assert!(
            dashboard.contains("<main id=\"main\">\n<p id=x>ours</p>\n</main>"),
            "{dashboard}"
        );
        // The Core Web Vitals benchmark's two pages: no widget, and the
        // synthetic 100k-item model.
        let off = PageQuery {
            widget: Some("off".into()),
            ..PageQuery::default()
        };
        let bare = super::cart(&shop, &off).render().unwrap();
        assert!(
            !bare.contains("xsell.js") && !bare.contains("data-model"),
            "{bare}"
        );
        assert!(
            bare.contains("<xsell-recommendations"),
            "the element stays, empty"
        );
        let big = PageQuery {
            model: Some("synthetic-100k".into()),
            ..PageQuery::default()
        };
        let big = super::cart(&shop, &big).render().unwrap();
        assert!(
            big.contains(r#"data-model="/bench/synthetic-100k.xsm""#),
            "{big}"
        );
    }

    #[test]
    fn the_generated_image_escapes_the_aisle() {
        let shop = shop();
        let svg = super::ProductImage::of(shop.get("evil").unwrap())
            .render()
            .unwrap();
        assert!(!svg.contains("<img"), "{svg}");
        assert!(
            svg.contains(">&#60;img src=x onerror=alert</text>"),
            "{svg}"
        );
    }
}
