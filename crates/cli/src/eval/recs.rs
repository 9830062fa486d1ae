//! Recommendation lists in session-rec's prediction-file form, so that an
//! outside scorer (session-rec's `ResultFile`, `scripts/score_recs.py`) can
//! re-score them without our code.
//!
//! The file is `;`-separated with the header
//! `SessionId;Position;Recommendations;Scores`; items and scores are
//! `,`-separated, best first. `Position` is the 0-based index of the **last
//! item of the prefix** the list was made for, so the list predicts item
//! `Position + 1` and every session starts at 0. That is session-rec's own
//! convention: its evaluation loop resets `pos` to 0 at each session and
//! passes it to the `Saver` metric before incrementing it, and `ResultFile`
//! reads the row `Position == 0` for a session's first prediction. Rows are
//! ordered as session-rec orders its test data: by session id (numerically
//! when ids are integers), then by position.

use super::Ranked;
use std::cmp::Ordering;
use std::io::Write;

/// The header line, exactly as session-rec's `Saver` writes it.
pub const RECS_HEADER: &str = "SessionId;Position;Recommendations;Scores";

/// One saved list.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedList {
    /// Session id as in the test file.
    pub session: String,
    /// 0-based index of the prefix's last item; the target is item `position + 1`.
    pub position: usize,
    /// The ranked list, best first.
    pub items: Ranked,
}

/// Session-rec sorts its test frame by session id; integer ids sort as
/// numbers. Ids that are not integers sort after all integer ids, as text.
fn session_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Writes `lists` (in any order) as a session-rec prediction file, mapping
/// item indices to their external ids.
pub fn write_recs(
    out: &mut dyn Write,
    lists: &[SavedList],
    item_ids: &[String],
) -> std::io::Result<()> {
    let mut order: Vec<&SavedList> = lists.iter().collect();
    order.sort_by(|a, b| session_order(&a.session, &b.session).then(a.position.cmp(&b.position)));
    writeln!(out, "{RECS_HEADER}")?;
    for l in order {
        let items: Vec<&str> = l
            .items
            .iter()
            .map(|(i, _)| item_ids[*i as usize].as_str())
            .collect();
        // Shortest text that reads back as the same f32.
        let scores: Vec<String> = l.items.iter().map(|(_, s)| s.to_string()).collect();
        writeln!(
            out,
            "{};{};{};{}",
            l.session,
            l.position,
            items.join(","),
            scores.join(",")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(session: &str, position: usize, items: &[u32]) -> SavedList {
        SavedList {
            session: session.into(),
            position,
            items: items.iter().map(|&i| (i, 1.0 / (i + 1) as f32)).collect(),
        }
    }

    #[test]
    fn rows_follow_session_rec_order_and_form() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let lists = vec![
            list("10", 1, &[2]),
            list("9", 0, &[0, 1]),
            list("10", 0, &[1, 2]),
            list("x", 0, &[]),
        ];
        let mut out = Vec::new();
        write_recs(&mut out, &lists, &ids).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "SessionId;Position;Recommendations;Scores\n\
             9;0;a,b;1,0.5\n\
             10;0;b,c;0.5,0.33333334\n\
             10;1;c;0.33333334\n\
             x;0;;\n"
        );
    }
}
