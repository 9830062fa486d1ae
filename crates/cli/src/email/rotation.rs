//! Rotation across campaigns: which items each recipient was shown in
//! their recent campaigns, so the next one does not repeat them. The shop
//! keeps this file beside its recipients export (it holds recipient keys:
//! it never leaves the shop); `xsell email` reads and updates it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

const VERSION: u32 = 1;

/// One campaign's items for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shown {
    /// The campaign.
    pub campaign: String,
    /// When it was built, ms since 1970.
    pub time_ms: u64,
    /// The shop's item ids.
    pub items: Vec<String>,
}

/// The rotation state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// Format version.
    pub v: u32,
    /// Per recipient key, the campaigns they were shown, oldest first.
    pub recipients: BTreeMap<String, Vec<Shown>>,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            v: VERSION,
            recipients: BTreeMap::new(),
        }
    }
}

/// Errors of the rotation file.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// It could not be read or written.
    #[error("rotation file {file}: {source}")]
    Io {
        /// The file.
        file: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// It is not a rotation file of this version.
    #[error("rotation file {file} is not valid ({reason}); fix it, or move it away to start the rotation afresh")]
    Invalid {
        /// The file.
        file: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl Rotation {
    /// Reads `path`; a missing file is an empty rotation.
    pub fn load(path: &Path) -> Result<Self, RotationError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(RotationError::Io {
                    file: path.to_path_buf(),
                    source,
                })
            }
        };
        let r: Rotation = serde_json::from_str(&text).map_err(|e| RotationError::Invalid {
            file: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if r.v != VERSION {
            return Err(RotationError::Invalid {
                file: path.to_path_buf(),
                reason: format!("version {} (this xsell writes {VERSION})", r.v),
            });
        }
        Ok(r)
    }

    /// Writes `path` atomically (a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), RotationError> {
        let io = |source| RotationError::Io {
            file: path.to_path_buf(),
            source,
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string(self).expect("plain data")).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Items `key` was shown by campaigns other than `campaign` within
    /// `window_ms` before `now_ms`.
    pub fn recent(&self, key: &str, campaign: &str, now_ms: u64, window_ms: u64) -> Vec<&str> {
        self.recipients.get(key).map_or_else(Vec::new, |shown| {
            shown
                .iter()
                .filter(|s| s.campaign != campaign && s.time_ms.saturating_add(window_ms) > now_ms)
                .flat_map(|s| s.items.iter().map(String::as_str))
                .collect()
        })
    }

    /// Records what `campaign` shows `key` (replacing an earlier run of the
    /// same campaign) and drops entries older than `window_ms`.
    pub fn record(
        &mut self,
        key: &str,
        campaign: &str,
        now_ms: u64,
        window_ms: u64,
        items: Vec<String>,
    ) {
        let shown = self.recipients.entry(key.to_string()).or_default();
        shown.retain(|s| s.campaign != campaign && s.time_ms.saturating_add(window_ms) > now_ms);
        if !items.is_empty() {
            shown.push(Shown {
                campaign: campaign.to_string(),
                time_ms: now_ms,
                items,
            });
        }
        if shown.is_empty() {
            self.recipients.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_excludes_other_recent_campaigns_and_round_trips() {
        let day = 86_400_000;
        let mut r = Rotation::default();
        r.record("a", "spring", 0, 14 * day, vec!["1".into(), "2".into()]);
        r.record("a", "summer", 5 * day, 14 * day, vec!["3".into()]);
        assert_eq!(r.recent("a", "autumn", 6 * day, 14 * day), ["1", "2", "3"]);
        assert_eq!(r.recent("a", "summer", 6 * day, 14 * day), ["1", "2"]);
        assert_eq!(r.recent("a", "autumn", 15 * day, 14 * day), ["3"]);
        // A re-run of a campaign replaces its entry.
        r.record("a", "summer", 5 * day, 14 * day, vec!["4".into()]);
        assert_eq!(r.recent("a", "x", 6 * day, 14 * day), ["1", "2", "4"]);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("rotation.json");
        r.save(&f).unwrap();
        assert_eq!(Rotation::load(&f).unwrap(), r);
        std::fs::write(&f, "{\"v\":9,\"recipients\":{}}").unwrap();
        assert!(Rotation::load(&f)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
        assert_eq!(
            Rotation::load(&dir.path().join("none.json")).unwrap(),
            Rotation::default()
        );
    }
}
