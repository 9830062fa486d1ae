//! E-mail HTML and plain text of a [`BlockView`](super::view::BlockView).
//!
//! The HTML is an MJML document built with [`maud::html!`], so catalogue text
//! is escaped by construction, then rendered to table-based, inline-styled
//! HTML by `mrml`. No fonts, scripts, external CSS or images other than the
//! item images.
//!
//! What we found about mrml 6 escaping: its parser keeps attribute values and
//! text verbatim (it decodes no entities), and its renderer writes text as is
//! but writes attribute values with Rust's `{:?}` formatting, not HTML
//! escaping. So maud's `&quot;`/`&amp;`/`&lt;` pass through intact and nothing
//! breaks out of an attribute, but in attributes a `\` would come out doubled
//! and combining marks, NBSP, soft hyphens, zero-width and bidi characters
//! as literal `\u{..}` text. [`Attr`] therefore writes those characters as
//! numeric character references, which `{:?}` leaves alone.

use super::view::{BlockView, SlotView};
use maud::{html, Markup, PreEscaped, Render};

/// Errors of rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The generated MJML did not parse.
    #[error("the MJML did not parse: {0}")]
    Parse(#[from] mrml::prelude::parser::Error),
    /// mrml could not render the parsed MJML.
    #[error("the MJML did not render: {0}")]
    Render(#[from] mrml::prelude::render::Error),
    /// A link or image URL is not absolute http(s).
    #[error("not an absolute http(s) URL: {0:?}")]
    UnsafeUrl(String),
    /// The rendered document has no `<body>` to cut a fragment from.
    #[error("the rendered document has no <body>")]
    NoBody,
}

const TEXT: &str = "#1a1a1a";
const MUTED: &str = "#555555";
const BG: &str = "#ffffff";
const FONT: &str = "Helvetica, Arial, sans-serif";
/// Dark-mode overrides (a constant: no catalogue text in it).
const DARK_CSS: &str = "@media (prefers-color-scheme: dark) { \
body, body > div, .xs-bg, .xs-bg table, .xs-bg td { background: #121212 !important; background-color: #121212 !important; } \
.xs-text div, .xs-text a { color: #f0f0f0 !important; } \
.xs-muted div { color: #c8c8c8 !important; } }";
const ANSWERS: [&str; 5] = ["not at all", "a little", "somewhat", "quite", "very"];

/// Attribute text (also the title, which mrml copies into an attribute):
/// HTML-escaped, plus numeric references for what mrml's `{:?}` would mangle.
struct Attr<'a>(&'a str);

impl Render for Attr<'_> {
    fn render_to(&self, out: &mut String) {
        for c in clean(self.0).chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c if c.escape_debug().len() != 1 => out.push_str(&format!("&#x{:x};", c as u32)),
                c => out.push(c),
            }
        }
    }
}

/// Catalogue text without control characters other than `\n`.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| c == '\n' || !c.is_control())
        .collect()
}

/// `url`, if it is absolute http(s).
fn checked(url: &str) -> Result<Attr<'_>, RenderError> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Ok(Attr(url))
    } else {
        Err(RenderError::UnsafeUrl(url.to_string()))
    }
}

fn slot_section(s: &SlotView) -> Result<Markup, RenderError> {
    let url = checked(&s.url)?;
    let image = s.image.as_deref().map(checked).transpose()?;
    let link = format!("color:{TEXT};font-weight:bold;text-decoration:none;");
    Ok(html! {
        mj-section css-class="xs-bg" background-color=(BG) padding="8px 0" {
            mj-group {
                @if let Some(src) = image {
                    mj-column width="30%" {
                        mj-image src=(src) href=(url) alt=(Attr(&s.title))
                            width="120px" height="120px" padding="4px 16px" {}
                    }
                }
                mj-column width=(if s.image.is_some() { "70%" } else { "100%" }) {
                    mj-text css-class="xs-text" font-size="16px" {
                        a href=(url) style=(link) { (clean(&s.title)) }
                    }
                    @if let Some(price) = &s.price {
                        mj-text css-class="xs-text" { (clean(price)) }
                    }
                    mj-text css-class="xs-muted" color=(MUTED) font-size="13px" {
                        (clean(&s.reason))
                    }
                }
            }
        }
    })
}

fn mjml(block: &BlockView) -> Result<String, RenderError> {
    let slots = block
        .slots
        .iter()
        .map(slot_section)
        .collect::<Result<Vec<_>, _>>()?;
    let answers = match &block.survey {
        Some(s) => s
            .answers
            .iter()
            .map(|(n, u)| Ok((*n, checked(u)?)))
            .collect::<Result<Vec<_>, RenderError>>()?,
        None => Vec::new(),
    };
    let answer_style = format!(
        "display:inline-block;padding:6px 12px;margin:0 2px;\
         border:1px solid {MUTED};color:{TEXT};text-decoration:none;"
    );
    let label = |n: u8| match ANSWERS.get(usize::from(n).wrapping_sub(1)) {
        Some(a) => format!("{n} – {a} relevant"),
        None => n.to_string(),
    };
    let doc = html! {
        mjml lang="en" {
            mj-head {
                mj-title { (Attr(&block.heading)) }
                mj-attributes {
                    mj-all font-family=(FONT) {}
                    mj-text color=(TEXT) font-size="15px" line-height="1.4" padding="2px 16px" {}
                }
                mj-raw {
                    meta name="color-scheme" content="light dark";
                    meta name="supported-color-schemes" content="light dark";
                }
                mj-style { (PreEscaped(DARK_CSS)) }
            }
            mj-body width="600px" background-color=(BG) {
                mj-section css-class="xs-bg" background-color=(BG) padding="16px 0 8px" {
                    mj-column {
                        mj-text css-class="xs-text" font-size="20px" font-weight="bold" {
                            (clean(&block.heading))
                        }
                    }
                }
                @for s in &slots { (s) }
                @if let Some(survey) = &block.survey {
                    mj-section css-class="xs-bg" background-color=(BG) padding="16px 0" {
                        mj-column {
                            mj-text css-class="xs-text" { (clean(&survey.question)) }
                            mj-text css-class="xs-text" {
                                @for (n, url) in &answers {
                                    a href=(url) aria-label=(label(*n)) title=(label(*n)) style=(answer_style) {
                                        (n)
                                    } " "
                                }
                            }
                            mj-text css-class="xs-muted" color=(MUTED) font-size="12px" {
                                "1 = not at all, 5 = very"
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(doc.into_string())
}

/// The block as a complete e-mail-safe HTML document (for previews and for
/// tools that take a whole HTML part), with a dark-mode style in its head.
pub fn render_document(block: &BlockView) -> Result<String, RenderError> {
    let parsed = mrml::parse(mjml(block)?)?;
    let opts = mrml::prelude::render::RenderOptions {
        fonts: Default::default(), // never link a web font
        ..Default::default()
    };
    Ok(parsed.element.render(&opts)?)
}

/// The block as an HTML fragment to paste into the shop's own template: what
/// [`render_document`]'s `<body>` holds. It has no `<style>`: dark mode relies
/// on the explicit inline colours (image and text columns are an `mj-group`,
/// so their widths are inline too and need no media query).
pub fn render_fragment(block: &BlockView) -> Result<String, RenderError> {
    let doc = render_document(block)?;
    let start = doc
        .find("<body")
        .and_then(|i| doc[i..].find('>').map(|j| i + j + 1));
    let end = doc.rfind("</body>");
    match (start, end) {
        (Some(s), Some(e)) if s <= e => Ok(doc[s..e].to_string()),
        _ => Err(RenderError::NoBody),
    }
}

/// The plain-text alternative: the heading, one paragraph per slot
/// (`N. Title — $price`, the reason and the URL, indented), then the survey
/// question and one `N: url` line per answer. Not escaped; control
/// characters other than `\n` are removed.
pub fn render_text(block: &BlockView) -> String {
    let line = |s: &str| clean(s).replace('\n', " ");
    let mut out = format!("{}\n", line(&block.heading));
    for s in &block.slots {
        out += &format!("\n{}. {}", s.slot, line(&s.title));
        if let Some(p) = &s.price {
            out += &format!(" — {}", line(p));
        }
        out += &format!(
            "\n   {}\n   {}\n",
            clean(&s.reason).replace('\n', "\n   "),
            line(&s.url)
        );
    }
    if let Some(survey) = &block.survey {
        out += &format!("\n{}\n", line(&survey.question));
        for (n, url) in &survey.answers {
            out += &format!("{n}: {}\n", line(url));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::view::SurveyView;
    use proptest::prelude::*;

    fn slot(n: usize, title: &str, reason: &str, image: bool) -> SlotView {
        SlotView {
            slot: n,
            item: format!("sku-{n}"),
            title: title.into(),
            url: format!("https://shop.example/p/{n}?c=camp&a=arm&s={n}"),
            image: image.then(|| format!("https://cdn.example/i/{n}.jpg")),
            price: Some(format!("${n}.99")),
            reason: reason.into(),
        }
    }

    /// `n` slots; slot 3 has no image.
    fn block(n: usize) -> BlockView {
        let slots = (1..=n).map(|i| slot(i, &format!("Item {i}"), "Bought with tea", i != 3));
        BlockView {
            heading: "Picked for you".into(),
            slots: slots.collect(),
            survey: Some(SurveyView {
                question: "How relevant are these picks for you?".into(),
                answers: (1..=5)
                    .map(|a| (a, format!("https://shop.example/s?a={a}&x=1")))
                    .collect(),
            }),
        }
    }

    fn both(b: &BlockView) -> [String; 2] {
        [render_document(b).unwrap(), render_fragment(b).unwrap()]
    }

    #[test]
    fn mjml_is_valid_and_layout_is_600px_tables_inline_styles() {
        assert!(mrml::parse(mjml(&block(4)).unwrap())
            .unwrap()
            .warnings
            .is_empty());
        let doc = render_document(&block(4)).unwrap();
        assert!(doc.starts_with("<!doctype html><html lang=\"en\""));
        assert!(doc.contains("max-width:600px") && doc.contains("width=\"600\""));
        assert!(
            doc.contains("<table")
                && doc.contains("style=\"font-family:Helvetica, Arial, sans-serif;")
        );
    }

    #[test]
    fn each_slot_has_image_title_link_price_and_muted_reason() {
        let doc = render_document(&block(4)).unwrap();
        for i in 1..=4 {
            let href = format!("href=\"https://shop.example/p/{i}?c=camp&amp;a=arm&amp;s={i}\"");
            assert_eq!(
                doc.matches(&href).count(),
                if i == 3 { 1 } else { 2 },
                "slot {i}"
            );
            assert!(doc.contains(&format!(
                "font-weight:bold;text-decoration:none;\">Item {i}</a>"
            )));
            assert!(doc.contains(&format!(">${i}.99</div>")));
        }
        assert!(doc.contains(
            "<img alt=\"Item 1\" height=\"120\" src=\"https://cdn.example/i/1.jpg\" width=\"120\""
        ));
        assert!(doc.contains("color:#555555;\">Bought with tea</div>"));
        // The item images and nothing else: no tracking pixel.
        assert_eq!(doc.matches("<img").count(), 3);
        assert_eq!(doc.matches("src=\"").count(), 3);
        assert!(!doc.contains("<img alt=\"Item 3\""));
    }

    #[test]
    fn no_script_link_font_import_or_javascript() {
        for html in both(&block(4)) {
            let lower = html.to_ascii_lowercase();
            for bad in [
                "<script",
                "<link",
                "fonts.googleapis",
                "@import",
                "javascript:",
                "<iframe",
            ] {
                assert!(!lower.contains(bad), "{bad}");
            }
        }
    }

    #[test]
    fn unsafe_urls_are_refused() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<RenderError>(); // so `?` into anyhow works
        let mut b = block(1);
        b.slots[0].url = " javascript:alert(1)".into();
        assert!(matches!(
            render_document(&b),
            Err(RenderError::UnsafeUrl(_))
        ));
        let mut b = block(1);
        b.slots[0].image = Some("data:image/gif;base64,R0lGOD".into());
        assert!(matches!(
            render_fragment(&b),
            Err(RenderError::UnsafeUrl(_))
        ));
    }

    fn luminance(hex: &str) -> f64 {
        let ch = |i| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5)
    }

    #[test]
    fn readable_in_light_and_dark_mode() {
        for fg in [TEXT, MUTED] {
            assert!(
                (luminance(BG) + 0.05) / (luminance(fg) + 0.05) >= 4.5,
                "{fg}"
            );
        }
        let doc = render_document(&block(2)).unwrap();
        let head = &doc[..doc.find("</head>").unwrap()];
        assert!(head.contains("<meta name=\"color-scheme\" content=\"light dark\""));
        assert!(head.contains("<meta name=\"supported-color-schemes\" content=\"light dark\""));
        assert!(head.contains("@media (prefers-color-scheme: dark)"));
        assert!(doc.contains("<body style=\"word-spacing:normal;background-color:#ffffff;\">"));
        assert!(doc.contains("color:#1a1a1a;\">Picked for you</div>"));
    }

    #[test]
    fn fragment_is_the_body_content_without_style() {
        let [doc, frag] = both(&block(4));
        assert!(doc.contains(&frag) && frag.starts_with("<div") && frag.ends_with("</div>"));
        for bad in ["<style", "<head", "<body", "<html", "<meta", "</body"] {
            assert!(!frag.contains(bad), "{bad}");
        }
    }

    #[test]
    fn survey_has_five_labelled_links() {
        let doc = render_document(&block(1)).unwrap();
        assert!(doc.contains(">How relevant are these picks for you?</div>"));
        for a in 1..=5 {
            let link =
                format!("<a href=\"https://shop.example/s?a={a}&amp;x=1\" aria-label=\"{a} – ");
            assert!(doc.contains(&link), "{a}");
            assert!(doc.contains(&format!(";\">{a}</a>")));
        }
        let mut b = block(1);
        b.survey = None;
        assert!(!render_document(&b).unwrap().contains("How relevant"));
    }

    #[test]
    fn attribute_text_survives_mrml() {
        let mut b = block(1);
        b.slots[0].title = "a\"b\\c e\u{301}\u{a0}<x> & 'q'\u{7}".into();
        let doc = render_document(&b).unwrap();
        let alt = "alt=\"a&quot;b&#x5c;c e&#x301;&#xa0;&lt;x&gt; &amp; &#x27;q&#x27;\" height";
        assert!(doc.contains(alt));
        assert!(doc.contains(">a&quot;b\\c e\u{301}\u{a0}&lt;x&gt; &amp; 'q'</a>"));
    }

    /// Why [`Attr`] exists: mrml writes attribute values with `{:?}`.
    #[test]
    fn mrml_writes_attributes_with_debug_formatting() {
        let src = "<mjml><mj-body><mj-image src=\"https://i.example/1\" \
                   alt=\"a\\b &quot;\u{301}\"></mj-image></mj-body></mjml>";
        let out = mrml::parse(src)
            .unwrap()
            .element
            .render(&Default::default())
            .unwrap();
        assert!(out.contains(r#"alt="a\\b &quot;\u{301}""#));
    }

    #[test]
    fn text_part() {
        let mut b = block(2);
        b.slots[0].title = "Tea <b>&\u{1b}[31m\n cup".into();
        b.slots[1].price = None;
        b.slots[1].reason = "Two\nlines".into();
        b.survey.as_mut().unwrap().answers.truncate(2);
        let want = "Picked for you\n\n\
            1. Tea <b>&[31m  cup — $1.99\n   Bought with tea\n   https://shop.example/p/1?c=camp&a=arm&s=1\n\n\
            2. Item 2\n   Two\n   lines\n   https://shop.example/p/2?c=camp&a=arm&s=2\n\n\
            How relevant are these picks for you?\n\
            1: https://shop.example/s?a=1&x=1\n2: https://shop.example/s?a=2&x=1\n";
        assert_eq!(render_text(&b), want);
    }

    const NASTY: [&str; 8] = [
        "<",
        ">",
        "&",
        "\"",
        "'",
        "</mj-text>",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ];

    fn catalogue_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            prop::sample::select(NASTY.to_vec()).prop_map(String::from),
            any::<String>()
        ];
        prop::collection::vec(piece, 0..5).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn catalogue_text_is_escaped(title in catalogue_text(), reason in catalogue_text()) {
            let b = BlockView { slots: vec![slot(1, &title, &reason, true)], ..block(0) };
            for html in both(&b) {
                prop_assert!(!html.contains("<script"));
                prop_assert!(!html.contains("<img src=x"));
                prop_assert!(!html.contains("</mj-"));
                prop_assert_eq!(html.matches("<img").count(), 1);
                // mrml copied the escaped alt through: the attribute holds.
                let alt = format!("<img alt=\"{}\" height=\"120\"", Attr(&title).render().into_string());
                prop_assert!(html.contains(&alt));
            }
        }
    }

    /// `cargo test -p xsell-cli --lib email::render -- --ignored` writes a preview.
    #[test]
    #[ignore]
    fn write_sample() {
        let [doc, frag] = both(&block(4));
        println!(
            "4 slots: document {} bytes, fragment {} bytes",
            doc.len(),
            frag.len()
        );
        std::fs::write("/tmp/email-sample.html", doc).unwrap();
    }
}
