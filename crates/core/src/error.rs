//! Errors of the core. One enum per area, wrapped by [`Error`].

use thiserror::Error;

/// Why a model file was rejected. Every variant says what is wrong and what
/// to do about it; none of them can be produced by a valid file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file is shorter than the structure it claims to contain.
    #[error("model file is truncated: {what} needs {needed} bytes but only {available} are present; re-download or re-train the model")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// The first eight bytes are not `XSELLMDL`.
    #[error("not an xsell model file (bad magic bytes); check that the URL or path points at a file written by `xsell train`")]
    BadMagic,
    /// The major version is newer than this reader understands.
    #[error("model format version {found} is newer than the supported version {supported}; upgrade the xsell widget or re-train with a matching `xsell`")]
    UnsupportedVersion {
        /// Major version in the file.
        found: u16,
        /// Highest major version this build reads.
        supported: u16,
    },
    /// The CRC-32 stored in the header does not match the content.
    #[error("model checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): the file is corrupt or was modified in transit; re-download it")]
    ChecksumMismatch {
        /// Checksum in the header.
        stored: u32,
        /// Checksum of the bytes.
        computed: u32,
    },
    /// The header's length field disagrees with the buffer length.
    #[error("model length field says {declared} bytes but the buffer holds {actual}; the download was cut short or padded")]
    LengthMismatch {
        /// Declared length.
        declared: u64,
        /// Actual length.
        actual: u64,
    },
    /// A required section is absent.
    #[error("model has no `{0}` section; it was not written by a compatible `xsell train`")]
    MissingSection(&'static str),
    /// A section appears twice.
    #[error("model has the section `{0}` twice")]
    DuplicateSection(String),
    /// A section is out of bounds, misaligned or overlaps another.
    #[error("section `{tag}` is malformed: {reason}")]
    BadSection {
        /// The section tag.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// A value inside a section is out of range.
    #[error("invalid value in `{tag}`: {reason}")]
    InvalidValue {
        /// The section tag.
        tag: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Errors building a model with [`crate::ModelBuilder`].
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Too many items, categories or bytes for the 32-bit offsets of format v1.
    #[error("model too large: {0}; split the catalogue or prune rare items")]
    TooLarge(String),
    /// A neighbour refers to an item that does not exist.
    #[error("neighbour of item {from} points at item {to}, but there are only {n_items} items")]
    BadNeighbour {
        /// Source item index.
        from: u32,
        /// Target item index.
        to: u32,
        /// Number of items.
        n_items: u32,
    },
    /// An item refers to a category that does not exist.
    #[error("item {item} has category {category}, but there are only {n_categories} categories")]
    BadCategory {
        /// Item index.
        item: u32,
        /// Category index.
        category: u32,
        /// Number of categories.
        n_categories: u32,
    },
    /// A weight or vector component is NaN, infinite or negative.
    #[error("non-finite or negative value in {0}")]
    BadNumber(&'static str),
    /// The ranking layer's trees are malformed or over another feature set.
    #[error("the ranking layer cannot be stored: {0}")]
    BadRanker(String),
    /// Vectors were given with inconsistent dimensions.
    #[error("item vectors must all have dimension {expected}, found {found}")]
    BadDimension {
        /// The expected dimension.
        expected: usize,
        /// The dimension found.
        found: usize,
    },
}

/// Settings that did not pass [`crate::ParamGuard::check`]: scoring
/// parameters, slate settings, placement configs.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ParamError {
    /// A parameter is outside its allowed range.
    #[error("parameter `{name}` = {value} is out of range ({allowed})")]
    OutOfRange {
        /// Parameter name.
        name: &'static str,
        /// Given value.
        value: f64,
        /// Allowed range, in words.
        allowed: &'static str,
    },
    /// A setting has a value it cannot take.
    #[error("`{field}` = {value:?} is not allowed; use {allowed}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Given value.
        value: String,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// A named placement's config is invalid.
    #[error("placement {placement:?}: {source}")]
    InPlacement {
        /// The placement name.
        placement: String,
        /// What is wrong with it.
        source: Box<ParamError>,
    },
    /// A config is not readable JSON of the expected shape.
    #[error("the placement config is not readable ({0}); see docs/placement-config.md")]
    Unreadable(String),
}

/// The crate's error type.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A model file was rejected.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A model could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Parameters were invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
}
