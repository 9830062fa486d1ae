//! Groups raw events into sessions over a dense item index.

use crate::input::RawEvent;
use std::collections::HashMap;
use xsell_core::EventKind;

/// One session: item indices in event order.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Session id from the log.
    pub id: String,
    /// Item indices, in order.
    pub items: Vec<u32>,
    /// Event type of each item.
    pub kinds: Vec<EventKind>,
    /// Time of the first event.
    pub start: i64,
    /// Time of the last event (V-SKNN samples the sessions that ended last).
    pub end: i64,
    /// User pseudonym, if the log has one.
    pub user: Option<String>,
}

/// Training sessions and their item vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// External id of each item index.
    pub item_ids: Vec<String>,
    /// External id to index.
    pub index: HashMap<String, u32>,
    /// Sessions ordered by start time (ties by id).
    pub sessions: Vec<Session>,
}

/// Events of one session while grouping: (time, file position, item, kind, user).
type Pending = Vec<(i64, usize, u32, EventKind, Option<String>)>;

fn group(events: Vec<RawEvent>, mut item_of: impl FnMut(&str) -> Option<u32>) -> Vec<Session> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Pending> = HashMap::new();
    for (k, e) in events.into_iter().enumerate() {
        let Some(item) = item_of(&e.item) else {
            continue;
        };
        let v = by_id.entry(e.session.clone()).or_insert_with(|| {
            order.push(e.session.clone());
            Vec::new()
        });
        v.push((e.time, k, item, e.kind, e.user));
    }
    let mut out: Vec<Session> = order
        .into_iter()
        .map(|id| {
            let mut ev = by_id.remove(&id).unwrap_or_default();
            ev.sort_by_key(|e| (e.0, e.1));
            Session {
                start: ev.first().map_or(0, |e| e.0),
                end: ev.last().map_or(0, |e| e.0),
                user: ev.iter().find_map(|e| e.4.clone()),
                items: ev.iter().map(|e| e.2).collect(),
                kinds: ev.iter().map(|e| e.3).collect(),
                id,
            }
        })
        .collect();
    out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    out
}

impl Dataset {
    /// Builds the vocabulary from the events (first appearance order) and groups them.
    pub fn from_events(events: Vec<RawEvent>) -> Self {
        let mut item_ids = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        for e in &events {
            if !index.contains_key(&e.item) {
                index.insert(e.item.clone(), item_ids.len() as u32);
                item_ids.push(e.item.clone());
            }
        }
        let sessions = group(events, |id| index.get(id).copied());
        Dataset {
            item_ids,
            index,
            sessions,
        }
    }

    /// Maps held-out events onto this vocabulary the session-rec way: events
    /// on items unseen in training are dropped, then sessions with fewer than
    /// two events are dropped.
    pub fn map_test(&self, events: Vec<RawEvent>) -> Vec<Session> {
        let mut s = group(events, |id| self.index.get(id).copied());
        s.retain(|s| s.items.len() >= 2);
        s
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.item_ids.len()
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.sessions.iter().map(|s| s.items.len()).sum()
    }

    /// Splits off a validation set from the training data itself: each user's
    /// last session where users are known, otherwise the latest `share` of
    /// sessions. The remainder is re-indexed over its own vocabulary, and the
    /// validation sessions are mapped onto it (unseen items dropped).
    pub fn holdout(&self, share: f64) -> (Dataset, Vec<Session>) {
        let mut valid_idx = vec![false; self.sessions.len()];
        let has_users =
            self.sessions.iter().filter(|s| s.user.is_some()).count() * 2 > self.sessions.len();
        if has_users {
            let mut last: HashMap<&str, usize> = HashMap::new();
            for (k, s) in self.sessions.iter().enumerate() {
                if let Some(u) = &s.user {
                    last.insert(u, k);
                }
            }
            for k in last.values() {
                valid_idx[*k] = true;
            }
        } else {
            let cut = ((self.sessions.len() as f64) * (1.0 - share)).round() as usize;
            for v in valid_idx.iter_mut().skip(cut) {
                *v = true;
            }
        }
        self.split_by(&valid_idx)
    }

    /// Splits off the sessions marked in `held_out` (parallel to
    /// `sessions`): a dataset of the others, and the marked ones mapped onto
    /// its vocabulary as test sessions ([`Dataset::map_test`]).
    pub fn split_by(&self, held_out: &[bool]) -> (Dataset, Vec<Session>) {
        assert_eq!(held_out.len(), self.sessions.len());
        let to_events = |pick: bool| -> Vec<RawEvent> {
            self.sessions
                .iter()
                .zip(held_out)
                .filter(|(_, &v)| v == pick)
                .flat_map(|(s, _)| {
                    s.items
                        .iter()
                        .zip(&s.kinds)
                        .enumerate()
                        .map(move |(k, (&i, &kind))| RawEvent {
                            session: s.id.clone(),
                            item: self.item_ids[i as usize].clone(),
                            kind,
                            time: s.start + k as i64,
                            user: s.user.clone(),
                        })
                })
                .collect()
        };
        let train = Dataset::from_events(to_events(false));
        let valid = train.map_test(to_events(true));
        (train, valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str, i: &str, t: i64) -> RawEvent {
        RawEvent {
            session: s.into(),
            item: i.into(),
            kind: EventKind::AddToCart,
            time: t,
            user: None,
        }
    }

    #[test]
    fn groups_orders_and_filters_like_session_rec() {
        let train = Dataset::from_events(vec![
            ev("b", "x", 5),
            ev("a", "y", 1),
            ev("b", "z", 4),
            ev("a", "x", 2),
        ]);
        assert_eq!(train.n_items(), 3);
        assert_eq!(train.sessions[0].id, "a");
        // within session b, time order: z (4) then x (5)
        let b = &train.sessions[1];
        assert_eq!(b.items, vec![train.index["z"], train.index["x"]]);
        let test = train.map_test(vec![
            ev("t1", "x", 9),
            ev("t1", "new", 10),
            ev("t2", "y", 1),
            ev("t2", "unseen", 2),
            ev("t1", "y", 11),
        ]);
        // t2 keeps one known item only and is dropped; t1 loses "new"
        assert_eq!(test.len(), 1);
        assert_eq!(test[0].items, vec![train.index["x"], train.index["y"]]);
    }
}
