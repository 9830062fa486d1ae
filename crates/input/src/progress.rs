//! How far a long read has got, for the command line's progress bars. The
//! readers report their position in the file every few thousand rows; a
//! caller that wants to show it runs the read inside [`watch`]. Nothing is
//! reported, and nothing costs more than a counter check, outside it.

use std::cell::RefCell;

/// A read's position: `done` of `total` units (bytes of a text file, rows
/// of a Parquet file), after `rows` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Units read so far.
    pub done: u64,
    /// Units in the file.
    pub total: u64,
    /// Rows (lines, records) read so far.
    pub rows: u64,
}

/// Rows between two reports.
const EVERY: u64 = 4096;

type Hook = Box<dyn FnMut(Progress)>;

thread_local! {
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
}

/// Runs `read` with `hook` told of its progress (on this thread), then
/// forgets the hook, also when `read` panics.
pub fn watch<R>(hook: impl FnMut(Progress) + 'static, read: impl FnOnce() -> R) -> R {
    struct Forget(Option<Hook>);
    impl Drop for Forget {
        fn drop(&mut self) {
            let before = self.0.take();
            HOOK.with(|h| *h.borrow_mut() = before);
        }
    }
    let before = HOOK.with(|h| h.borrow_mut().replace(Box::new(hook)));
    let _forget = Forget(before);
    read()
}

/// Called by the readers after each row.
pub(crate) fn report(done: u64, total: u64, rows: u64) {
    if rows.is_multiple_of(EVERY) {
        HOOK.with(|h| {
            if let Some(f) = h.borrow_mut().as_mut() {
                f(Progress { done, total, rows });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn reports_reach_the_hook_only_inside_watch() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let s = Rc::clone(&seen);
        let n = watch(
            move |p| s.borrow_mut().push(p),
            || {
                for r in 1..=3 * EVERY {
                    report(r * 10, 30 * EVERY, r);
                }
                7
            },
        );
        assert_eq!(n, 7);
        let got = seen.borrow().clone();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[2],
            Progress {
                done: 30 * EVERY,
                total: 30 * EVERY,
                rows: 3 * EVERY
            }
        );
        report(EVERY * 10, 1, EVERY);
        assert_eq!(seen.borrow().len(), 3, "no hook after watch");
    }
}
