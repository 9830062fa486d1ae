//! `localStorage` with the failures a real page meets: storage blocked
//! (privacy settings, sandboxed frames), quota full, and values written by
//! someone else. State always lives in memory; storage is where it is kept
//! between pages when it can be.

use crate::util::{describe, error_name, warn};

/// Largest value written under one key.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Keys under one prefix, e.g. `xsell:fatigue`. A clone is another handle
/// on the same storage.
#[derive(Clone)]
pub struct Store {
    storage: Option<web_sys::Storage>,
    prefix: String,
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// No storage on this page.
    Unavailable,
    /// The value is over [`MAX_VALUE_BYTES`].
    TooLarge(usize),
    /// The browser refused (quota full or other).
    Refused(String),
}

impl Store {
    /// Opens `localStorage`; when it is blocked the store keeps nothing and
    /// says so once.
    pub fn open(prefix: &str) -> Self {
        let storage = match web_sys::window().map(|w| w.local_storage()) {
            Some(Ok(Some(s))) => Some(s),
            Some(Err(e)) => {
                warn(format!(
                    "localStorage is blocked ({}); preferences last only for this page",
                    describe(&e)
                ));
                None
            }
            _ => None,
        };
        Self {
            storage,
            prefix: prefix.to_string(),
        }
    }

    /// Whether anything is kept between pages.
    pub fn is_persistent(&self) -> bool {
        self.storage.is_some()
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// The stored value, if any and readable.
    pub fn get(&self, name: &str) -> Option<String> {
        self.storage.as_ref()?.get_item(&self.key(name)).ok()?
    }

    /// Writes a value; on failure the old stored value stays as it was and
    /// the caller keeps the new one in memory.
    pub fn set(&self, name: &str, value: &str) -> Result<(), WriteError> {
        let Some(s) = &self.storage else {
            return Err(WriteError::Unavailable);
        };
        if value.len() > MAX_VALUE_BYTES {
            warn(format!(
                "not saving {name}: {} bytes is over the {MAX_VALUE_BYTES}-byte cap",
                value.len()
            ));
            return Err(WriteError::TooLarge(value.len()));
        }
        s.set_item(&self.key(name), value).map_err(|e| {
            let why = if error_name(&e) == "QuotaExceededError" {
                "localStorage is full".to_string()
            } else {
                describe(&e)
            };
            warn(format!(
                "could not save {name} ({why}); this page keeps it in memory"
            ));
            WriteError::Refused(why)
        })
    }
}
