//! The `legacy` arm: the co-purchase list a shop typically had before
//! xsell — the strongest "bought together" links of the shopper's latest
//! item, in stock and not in the cart, no diversification, no fatigue.

use crate::model::Model;
use crate::score::Reason;

/// Up to `n` items bought with `latest`, strongest first (ties: lower index).
pub(crate) fn co_purchase(
    model: &Model<'_>,
    latest: Option<u32>,
    cart: &[u32],
    n: usize,
) -> Vec<(u32, Reason)> {
    let Some(item) = latest.filter(|&i| (i as usize) < model.len()) else {
        return Vec::new();
    };
    let mut links: Vec<(f32, u32)> = model
        .links(item)
        .filter(|l| l.co > 0.0 && l.target != item)
        .filter(|l| model.item_in_stock(l.target) && !cart.contains(&l.target))
        .map(|l| (l.co, l.target))
        .collect();
    links.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    links
        .into_iter()
        .take(n)
        .map(|(_, t)| (t, Reason::BoughtWith(item)))
        .collect()
}
