//! What one recipient's block shows, after every check: the renderer only
//! lays it out. No recipient field reaches this type: it holds catalogue
//! text, checked absolute URLs that carry campaign, arm and slot only, and
//! the survey links.

use serde::Serialize;

/// One card of a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotView {
    /// 1-based slot.
    pub slot: usize,
    /// The shop's item id.
    pub item: String,
    /// Title (plain catalogue text; the renderer escapes it).
    pub title: String,
    /// Landing URL: absolute http(s), carrying campaign, arm and slot.
    pub url: String,
    /// Image URL: absolute http(s), if the item has a safe one.
    pub image: Option<String>,
    /// Price as text, e.g. `$3.99`.
    pub price: Option<String>,
    /// Why it is recommended (plain text).
    pub reason: String,
}

/// The relevance question under the cards: five links, answer 1 to 5.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyView {
    /// The question, e.g. "How relevant are these picks for you?".
    pub question: String,
    /// `(answer, url)` for answers 1..=5, in order.
    pub answers: Vec<(u8, String)>,
}

/// One recipient's block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockView {
    /// Heading over the cards, e.g. "Picked for you".
    pub heading: String,
    /// The cards, in slot order (at least one).
    pub slots: Vec<SlotView>,
    /// The relevance question, if the campaign asks it.
    pub survey: Option<SurveyView>,
}
