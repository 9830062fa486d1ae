//! The simulated shoppers: real Instacart users, each with the basket they
//! filled (a `train_valid` order, the shopper's current trip) and the order
//! they placed next (their `test` order: the latent demand a good
//! cross-sell can meet today).

use crate::history::OrderIndex;
use crate::input::RawEvent;
use std::collections::{BTreeMap, HashMap};

/// One real shopping trip and the demand behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// The user (for the record only: it never reaches a shopper).
    pub user: String,
    /// Items in add-to-cart order, each once.
    pub basket: Vec<String>,
    /// Items of the user's next order that are not in this basket.
    pub demand: Vec<String>,
    /// The user's earlier orders, oldest first: what the device keeps of
    /// past purchases (on-device history).
    pub past: Vec<Vec<String>>,
}

/// Every trip with a next order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Population {
    /// Trips, by user id.
    pub trips: Vec<Trip>,
    /// Current orders without a user or a next order (left out).
    pub unpaired: usize,
}

/// Orders as item lists in file order, each item once, by order id.
fn orders(events: &[RawEvent]) -> HashMap<&str, Vec<String>> {
    let mut by: HashMap<&str, Vec<String>> = HashMap::new();
    for e in events {
        let items = by.entry(e.session.as_str()).or_default();
        if !items.contains(&e.item) {
            items.push(e.item.clone());
        }
    }
    by
}

impl Population {
    /// Pairs each user's current order with their next one through the
    /// order table (order id → user); `past` holds earlier orders, which
    /// become the devices' purchase history.
    pub fn pair(
        current: &[RawEvent],
        next: &[RawEvent],
        past: &[RawEvent],
        index: &OrderIndex,
    ) -> Self {
        let mut past_of: HashMap<&str, Vec<(u32, Vec<String>)>> = HashMap::new();
        for (id, items) in orders(past) {
            if let Some((user, n)) = index.order(id) {
                past_of.entry(user).or_default().push((n, items));
            }
        }
        for v in past_of.values_mut() {
            v.sort_by_key(|(n, _)| *n);
        }
        let mut next_of: HashMap<&str, (u32, Vec<String>)> = HashMap::new();
        for (id, items) in orders(next) {
            if let Some((user, n)) = index.order(id) {
                // A user's latest order is their next one.
                if next_of.get(user).is_none_or(|(m, _)| n > *m) {
                    next_of.insert(user, (n, items));
                }
            }
        }
        let mut trips: BTreeMap<String, (u32, Trip)> = BTreeMap::new();
        let mut unpaired = 0;
        for (id, basket) in orders(current) {
            let paired = index.order(id).and_then(|(user, n)| {
                let (m, next) = next_of.get(user)?;
                (*m > n).then_some((user, n, next))
            });
            let Some((user, n, next)) = paired else {
                unpaired += 1;
                continue;
            };
            let demand = next
                .iter()
                .filter(|i| !basket.contains(i))
                .cloned()
                .collect();
            // A user's latest current order is their trip.
            if trips.get(user).is_some_and(|(m, _)| *m > n) {
                continue;
            }
            let past = past_of.get(user).map_or_else(Vec::new, |v| {
                v.iter()
                    .filter(|(m, _)| *m < n)
                    .map(|(_, items)| items.clone())
                    .collect()
            });
            let trip = Trip {
                user: user.to_string(),
                basket,
                demand,
                past,
            };
            trips.insert(user.to_string(), (n, trip));
        }
        Self {
            trips: trips.into_values().map(|(_, t)| t).collect(),
            unpaired,
        }
    }
}
