//! On-device purchase history for evaluation: maps each session (order) to
//! the same user's earlier orders, as the browser would keep them locally.
//! Reads Instacart's `orders_sample.csv` (order_id, user_id, order_number).

use crate::input::{BadRows, InputError, ReadStats, Table};
use crate::sessions::{Dataset, Session};
use std::collections::HashMap;
use std::path::Path;

/// Order id to (user, order number).
#[derive(Debug, Clone, Default)]
pub struct OrderIndex(HashMap<String, (String, u32)>);

impl OrderIndex {
    /// Reads the order table; a malformed row stops the read with its
    /// file, line and field.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let mut table = Table::open(
            path,
            ["order_id", "user_id", "order_number"],
            "history needs order_id,user_id,order_number",
        )?;
        let [co, cu, cn] = table.columns;
        let mut map = HashMap::new();
        table.rows(path, BadRows::Fail, &mut ReadStats::default(), |f| {
            let get = |c: usize| f.get(c).unwrap_or("");
            let n: u32 = get(cn).parse().map_err(|_| {
                (
                    "order_number".to_string(),
                    format!("`{}` is not a number", get(cn)),
                )
            })?;
            map.insert(get(co).to_string(), (get(cu).to_string(), n));
            Ok(())
        })?;
        Ok(Self(map))
    }

    /// The user and order number of order `id`.
    pub fn order(&self, id: &str) -> Option<(&str, u32)> {
        self.0.get(id).map(|(u, n)| (u.as_str(), *n))
    }

    /// For each query session, the same user's earlier training sessions
    /// (oldest first, as item lists over the training vocabulary).
    pub fn histories(&self, train: &Dataset, queries: &[Session]) -> Vec<Vec<Vec<u32>>> {
        let mut by_user: HashMap<&str, Vec<(u32, &Session)>> = HashMap::new();
        for s in &train.sessions {
            if let Some((u, n)) = self.0.get(&s.id) {
                by_user.entry(u.as_str()).or_default().push((*n, s));
            }
        }
        for v in by_user.values_mut() {
            v.sort_by_key(|x| x.0);
        }
        queries
            .iter()
            .map(|q| match self.0.get(&q.id) {
                None => Vec::new(),
                Some((u, n)) => by_user.get(u.as_str()).map_or_else(Vec::new, |v| {
                    v.iter()
                        .filter(|x| x.0 < *n)
                        .map(|x| x.1.items.clone())
                        .collect()
                }),
            })
            .collect()
    }
}
