//! The DOM of a card, and the element helpers the carousel builds with.
//!
//! Cards are cloned from molds: an empty card of each shape (with or
//! without a link, an image, a price) is built once per render, and each
//! card is a deep clone of its mold with its own values set as text and
//! attributes. A render thus makes one clone and about ten calls into the
//! DOM per card instead of building every element and attribute anew
//! (the first render is on the host page's main thread).
//!
//! Catalogue values go in only through `textContent` and `setAttribute`,
//! never as markup.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use crate::util::js_error;
use xsell_core::shopper::Card;

/// `<tag>` with the attributes.
pub(crate) fn el(doc: &Document, tag: &str, attrs: &[(&str, &str)]) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    for (k, v) in attrs {
        e.set_attribute(k, v)?;
    }
    Ok(e)
}

/// `<tag>` with the attributes, showing the text `t`.
pub(crate) fn text(
    doc: &Document,
    tag: &str,
    attrs: &[(&str, &str)],
    t: &str,
) -> Result<Element, JsValue> {
    let e = el(doc, tag, attrs)?;
    e.set_text_content(Some(t));
    Ok(e)
}

/// `<button type="button">` with its part, `data-act` action and accessible
/// label, showing `shown`.
pub(crate) fn button(
    doc: &Document,
    part: &str,
    act: &str,
    label: &str,
    shown: &str,
) -> Result<Element, JsValue> {
    text(
        doc,
        "button",
        &[
            ("type", "button"),
            ("part", part),
            ("data-act", act),
            ("aria-label", label),
        ],
        shown,
    )
}

pub(crate) fn append(parent: &Element, child: &Element) -> Result<(), JsValue> {
    parent.append_child(child)?;
    Ok(())
}

/// Which optional parts a card has.
#[derive(Clone, Copy)]
struct Shape {
    link: bool,
    image: bool,
    price: bool,
}

impl Shape {
    fn of(c: &Card) -> Shape {
        Shape {
            link: c.url.is_some(),
            image: c.image.is_some(),
            price: c.price_text.is_some(),
        }
    }

    fn index(self) -> usize {
        usize::from(self.link) | usize::from(self.image) << 1 | usize::from(self.price) << 2
    }
}

/// The empty card of a shape: every element, class, part and fixed
/// attribute, no catalogue value.
fn mold(doc: &Document, shape: Shape) -> Result<Element, JsValue> {
    // A list item (the list gives "k of n" too); no `group` role, which
    // would leave the list without items.
    let li = el(
        doc,
        "li",
        &[("class", "card"), ("part", "card"), ("tabindex", "-1")],
    )?;
    let link = if shape.link {
        el(
            doc,
            "a",
            &[("part", "link"), ("class", "link"), ("data-act", "open")],
        )?
    } else {
        el(doc, "span", &[("part", "link"), ("class", "link")])?
    };
    if shape.image {
        let img = el(
            doc,
            "img",
            &[
                ("part", "image"),
                ("loading", "lazy"),
                ("decoding", "async"),
                ("alt", ""),
                ("width", "160"),
                ("height", "160"),
            ],
        )?;
        append(&link, &img)?;
    }
    append(
        &link,
        &el(doc, "span", &[("part", "title"), ("class", "title")])?,
    )?;
    append(&li, &link)?;
    if shape.price {
        append(
            &li,
            &el(doc, "span", &[("part", "price"), ("class", "price")])?,
        )?;
    }
    append(
        &li,
        &el(doc, "span", &[("part", "reason"), ("class", "reason")])?,
    )?;
    let actions = el(doc, "div", &[("class", "actions")])?;
    for (act, shown) in [("add", "Add to cart"), ("dismiss", "Not interested")] {
        let b = button(doc, act, act, shown, shown)?;
        b.set_attribute("class", act)?;
        append(&actions, &b)?;
    }
    append(&li, &actions)?;
    Ok(li)
}

/// The molds of one render, made as the cards need them.
pub(crate) struct Molds {
    doc: Document,
    made: [Option<Element>; 8],
}

fn first_child(e: &Element) -> Result<Element, JsValue> {
    e.first_element_child()
        .ok_or_else(|| js_error("a card lost its parts while it was built"))
}

fn next(e: &Element) -> Result<Element, JsValue> {
    e.next_element_sibling()
        .ok_or_else(|| js_error("a card lost its parts while it was built"))
}

impl Molds {
    pub(crate) fn new(doc: &Document) -> Molds {
        Molds {
            doc: doc.clone(),
            made: Default::default(),
        }
    }

    /// Card `k` of `n`: a clone of its shape's mold with `c`'s values.
    pub(crate) fn card(&mut self, c: &Card, k: usize, n: usize) -> Result<Element, JsValue> {
        let shape = Shape::of(c);
        let mold = match &mut self.made[shape.index()] {
            Some(m) => m,
            slot => slot.insert(mold(&self.doc, shape)?),
        };
        let li: Element = mold.clone_node_with_deep(true)?.unchecked_into();
        li.set_attribute("aria-label", &format!("{} of {n}: {}", k + 1, c.title))?;
        if k == 0 {
            li.set_attribute("tabindex", "0")?;
        }
        li.set_attribute("data-id", &c.id)?;
        let link = first_child(&li)?;
        if let Some(u) = &c.url {
            link.set_attribute("href", u)?;
        }
        let mut part = first_child(&link)?;
        if let Some(src) = &c.image {
            part.set_attribute("src", src)?;
            part = next(&part)?;
        }
        part.set_text_content(Some(&c.title));
        let mut part = next(&link)?;
        if let Some(p) = &c.price_text {
            part.set_text_content(Some(p));
            part = next(&part)?;
        }
        part.set_text_content(Some(&c.reason));
        let add = first_child(&next(&part)?)?;
        // The visible label starts the accessible name (WCAG 2.5.3).
        add.set_attribute("aria-label", &format!("Add to cart: {}", c.title))?;
        next(&add)?.set_attribute("aria-label", &format!("Not interested: {}", c.title))?;
        Ok(li)
    }
}
