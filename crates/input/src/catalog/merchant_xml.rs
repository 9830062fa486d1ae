//! Google Merchant Center XML feeds: RSS 2.0 (`<rss><channel><item>`) and
//! Atom 1.0 (`<feed><entry>`), with the product attributes in Google's
//! namespace (`xmlns:g="http://base.google.com/ns/1.0"`, `<g:id>`,
//! `<g:price>`, ...).
//!
//! The feed is read as a stream of XML events (quick-xml), never as a
//! tree, so a feed of a million products costs one product's memory beyond
//! the file itself. Each `<item>` or `<entry>` becomes one [`Product`]
//! from its child elements: a `g:` attribute where there is one, else the
//! format's own element (RSS `<title>` and `<link>`, Atom `<title>`, `<id>`
//! and `<link href="..."/>`). Elements nested deeper (`<g:shipping>`'s
//! parts) are skipped.
//!
//! A value that is wrong (a bad price) is a bad row at its line, costing
//! that product only; XML that is not well-formed stops the read
//! ([`InputError::BadXml`]), since the parser cannot know where the next
//! product starts.

use super::merchant::{Attr, Product};
use super::CatalogItem;
use crate::{row_err, BadRows, InputError, ReadStats};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;
use std::path::Path;

/// Google's product namespace (some feeds write it with https).
fn is_google(ns: &ResolveResult<'_>) -> bool {
    match ns {
        ResolveResult::Bound(Namespace(uri)) => {
            let uri = uri.trim_end_matches('/');
            uri == "http://base.google.com/ns/1.0" || uri == "https://base.google.com/ns/1.0"
        }
        // An undeclared `g:` prefix: what the feed meant is plain.
        ResolveResult::Unknown(prefix) => prefix == "g",
        ResolveResult::Unbound => false,
    }
}

/// 1-based line numbers of byte offsets, counted forward as the reader
/// moves (offsets asked for only grow, but a smaller one is answered too).
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: u64) -> usize {
        let offset = (offset as usize).min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// Where a child element's text goes.
struct Capture {
    attr: Attr,
    google: bool,
    text: String,
    line: usize,
    /// Why the text cannot be trusted (an unknown entity), if it cannot.
    bad: Option<String>,
}

/// The product being read: its element's depth and line, the values of
/// its `g:` attributes and of the format's own elements.
struct Pending {
    depth: usize,
    line: usize,
    google: Product,
    plain: Product,
    /// The first bad value, rejecting the product when it ends.
    bad: Option<(Attr, usize, String)>,
}

impl Pending {
    /// The product: a `g:` attribute wins over the format's own element.
    fn merged(&self) -> Product {
        let mut p = Product::default();
        for source in [&self.google, &self.plain] {
            for attr in Attr::ALL {
                let line = source.line(attr, 0);
                if line > 0 {
                    p.set(attr, source.value(attr), line);
                }
            }
        }
        p
    }
}

/// The attribute a child element of a product gives, if xsell uses it.
fn child_attr(google: bool, local: &str) -> Option<Attr> {
    let attr = Attr::from_name(local)?;
    // Outside Google's namespace only RSS's and Atom's own elements count
    // (`<price>` without `g:` is no Merchant attribute).
    (google || matches!(attr, Attr::Id | Attr::Title | Attr::Link)).then_some(attr)
}

/// The `href` of an Atom `<link>` that points at the product page (no
/// `rel`, or `rel="alternate"`).
fn atom_href(e: &BytesStart<'_>) -> Option<String> {
    let mut href = None;
    for a in e.attributes().flatten() {
        match a.key.as_ref() {
            "href" => href = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok(),
            "rel" if a.value.as_ref() != "alternate" => return None,
            _ => {}
        }
    }
    href.map(|h| h.into_owned())
}

/// Reads a Merchant Center XML feed held in memory.
pub(super) fn read(
    path: &Path,
    bytes: &[u8],
    policy: BadRows,
    stats: &mut ReadStats,
) -> Result<Vec<CatalogItem>, InputError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut lines = Lines::new(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError::BadXml(row_err(
            path,
            lines.at(e.valid_up_to() as u64),
            "xml",
            "not valid UTF-8; save the feed as UTF-8",
        ))
    })?;
    let mut reader = NsReader::from_str(text);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut pending: Option<Pending> = None;
    let mut capture: Option<Capture> = None;
    loop {
        let start = lines.at(reader.buffer_position());
        let event = match reader.read_resolved_event() {
            Ok((ns, event)) => {
                let google = is_google(&ns);
                (google, event)
            }
            Err(e) => {
                let line = lines.at(reader.error_position());
                return Err(InputError::BadXml(row_err(
                    path,
                    line,
                    "xml",
                    format!("{e}; the feed is not well-formed XML"),
                )));
            }
        };
        match event {
            (google, Event::Start(e)) => {
                depth += 1;
                let local = e.local_name();
                let local = local.as_ref();
                match &mut pending {
                    None if !google && (local == "item" || local == "entry") => {
                        pending = Some(Pending {
                            depth,
                            line: start,
                            google: Product::default(),
                            plain: Product::default(),
                            bad: None,
                        });
                    }
                    Some(p) if depth == p.depth + 1 => {
                        if let Some(attr) = child_attr(google, local) {
                            if !google && attr == Attr::Link {
                                if let Some(href) = atom_href(&e) {
                                    p.plain.set(attr, &href, start);
                                }
                            }
                            capture = Some(Capture {
                                attr,
                                google,
                                text: String::new(),
                                line: start,
                                bad: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
            (google, Event::Empty(e)) => {
                if let Some(p) = &mut pending {
                    if depth == p.depth && !google && e.local_name().as_ref() == "link" {
                        if let Some(href) = atom_href(&e) {
                            p.plain.set(Attr::Link, &href, start);
                        }
                    }
                }
            }
            (_, Event::Text(t)) => {
                if let Some(c) = capture.as_mut().filter(|_| pending_child(&pending, depth)) {
                    c.text.push_str(&t.xml10_content());
                }
            }
            (_, Event::CData(t)) => {
                if let Some(c) = capture.as_mut().filter(|_| pending_child(&pending, depth)) {
                    c.text.push_str(&t.xml10_content());
                }
            }
            (_, Event::GeneralRef(r)) => {
                if let Some(c) = capture.as_mut().filter(|_| pending_child(&pending, depth)) {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(ch)) => Some(ch.to_string()),
                        Ok(None) => quick_xml::escape::resolve_xml_entity(&r).map(str::to_string),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => c.text.push_str(&s),
                        None => {
                            c.bad.get_or_insert_with(|| {
                                format!("unknown entity `&{};` (XML knows &amp; &lt; &gt; &quot; &apos; and numeric references such as &#233;)", &*r)
                            });
                        }
                    }
                }
            }
            (_, Event::End(_)) => {
                if let Some(p) = &mut pending {
                    if depth == p.depth + 1 {
                        if let Some(c) = capture.take() {
                            // An Atom link's `href` came first and keeps its place.
                            let values = if c.google {
                                &mut p.google
                            } else {
                                &mut p.plain
                            };
                            match c.bad {
                                Some(reason) => {
                                    p.bad.get_or_insert((c.attr, c.line, reason));
                                }
                                None => values.set(c.attr, &c.text, c.line),
                            }
                        }
                    } else if depth == p.depth {
                        let p = pending.take().expect("inside a product");
                        finish(path, p, policy, stats, &mut out)?;
                    }
                }
                depth = depth.saturating_sub(1);
            }
            (_, Event::Eof) => {
                if let Some(p) = pending {
                    return Err(InputError::BadXml(row_err(
                        path,
                        p.line,
                        "xml",
                        "the feed ends inside the product opened on this line; is the file cut short?",
                    )));
                }
                return Ok(out);
            }
            _ => {}
        }
    }
}

/// Whether text now belongs to a product's child element (not to one
/// nested deeper, such as `<g:shipping><g:price>`).
fn pending_child(pending: &Option<Pending>, depth: usize) -> bool {
    pending.as_ref().is_some_and(|p| depth == p.depth + 1)
}

/// Turns the product just closed into a catalogue item, or rejects it.
fn finish(
    path: &Path,
    p: Pending,
    policy: BadRows,
    stats: &mut ReadStats,
    out: &mut Vec<CatalogItem>,
) -> Result<(), InputError> {
    if let Some((attr, line, reason)) = &p.bad {
        return stats.reject(policy, row_err(path, *line, attr.name(), reason.clone()));
    }
    let product = p.merged();
    match product.item(path, p.line, stats) {
        Ok(item) => out.push(item),
        Err((attr, reason)) => {
            let line = product.line(attr, p.line);
            stats.reject(policy, row_err(path, line, attr.name(), reason))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_forward_and_back() {
        let mut l = Lines::new(b"a\nb\n\nc");
        assert_eq!(l.at(0), 1);
        assert_eq!(l.at(2), 2);
        assert_eq!(l.at(5), 4);
        assert_eq!(l.at(1), 1);
        assert_eq!(l.at(99), 4);
    }

    fn ids(feed: &str) -> Vec<(String, Option<u32>)> {
        let mut stats = ReadStats::default();
        read(
            Path::new("f.xml"),
            feed.as_bytes(),
            BadRows::Fail,
            &mut stats,
        )
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.price_cents))
        .collect()
    }

    #[test]
    fn google_s_namespace_counts_under_any_prefix_and_an_undeclared_g_too() {
        let other_prefix = r#"<rss xmlns:google="http://base.google.com/ns/1.0"><channel>
            <item><google:id>a</google:id><google:price>1.00 USD</google:price></item>
            </channel></rss>"#;
        assert_eq!(ids(other_prefix), vec![("a".to_string(), Some(100))]);
        let undeclared =
            "<rss><channel><item><g:id>b</g:id><g:price>2 EUR</g:price></item></channel></rss>";
        assert_eq!(ids(undeclared), vec![("b".to_string(), Some(200))]);
        // `<price>` outside Google's namespace is no Merchant attribute.
        let plain = r#"<rss xmlns:g="http://base.google.com/ns/1.0"><channel>
            <item><g:id>c</g:id><price>3.00 USD</price></item></channel></rss>"#;
        assert_eq!(ids(plain), vec![("c".to_string(), None)]);
    }
}
