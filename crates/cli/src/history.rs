//! On-device purchase history for evaluation: maps each session (order) to
//! the same user's earlier orders, as the browser would keep them locally.
//! Reads Instacart's `orders_sample.csv` (order_id, user_id, order_number).

use crate::input::{split_csv_line, InputError, RowError};
use crate::sessions::{Dataset, Session};
use std::collections::HashMap;
use std::path::Path;

/// Order id to (user, order number).
#[derive(Debug, Clone, Default)]
pub struct OrderIndex(HashMap<String, (String, u32)>);

impl OrderIndex {
    /// Reads the order table.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
            file: path.into(),
            source,
        })?;
        let mut lines = text.lines().enumerate();
        let header = split_csv_line(lines.next().map_or("", |l| l.1), ',').unwrap_or_default();
        let col = |n: &str| header.iter().position(|h| h == n);
        let missing = |c: &str| InputError::MissingColumn {
            file: path.into(),
            column: c.into(),
            found: header.join(", "),
            hint: "history needs order_id,user_id,order_number",
        };
        let (co, cu, cn) = (
            col("order_id").ok_or_else(|| missing("order_id"))?,
            col("user_id").ok_or_else(|| missing("user_id"))?,
            col("order_number").ok_or_else(|| missing("order_number"))?,
        );
        let mut map = HashMap::new();
        for (k, line) in lines {
            let Some(f) = split_csv_line(line, ',').filter(|f| f.len() == header.len()) else {
                continue;
            };
            let n: u32 = f[cn].trim().parse().map_err(|_| {
                InputError::Row(RowError {
                    file: path.into(),
                    line: k + 1,
                    field: "order_number".into(),
                    reason: format!("`{}` is not a number", f[cn]),
                })
            })?;
            map.insert(f[co].trim().to_string(), (f[cu].trim().to_string(), n));
        }
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
