//! Constants of the model file format, version 1. The byte-by-byte
//! description lives in `docs/model-format.md`; this module and that page
//! must agree.

/// First eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"XSELLMDL";
/// Major version written and read by this build. A file with a higher major
/// version is rejected; a higher minor version only adds sections or
/// trailing parameters, which older readers ignore.
pub const VERSION_MAJOR: u16 = 1;
/// Minor version written by this build.
pub const VERSION_MINOR: u16 = 1;
/// Header size in bytes.
pub const HEADER_LEN: usize = 32;
/// Size of one section-table entry.
pub const SECTION_ENTRY_LEN: usize = 16;
/// Byte range of the CRC-32 field inside the header.
pub const CRC_RANGE: std::ops::Range<usize> = 20..24;
/// Most sections a file may declare (guards the section-table scan).
pub const MAX_SECTIONS: u32 = 64;

/// Fixed-size model metadata.
pub const TAG_META: [u8; 4] = *b"META";
/// Scoring parameters tuned by the trainer.
pub const TAG_PARM: [u8; 4] = *b"PARM";
/// Item attribute table.
pub const TAG_ITEM: [u8; 4] = *b"ITEM";
/// Category table.
pub const TAG_CATS: [u8; 4] = *b"CATS";
/// String table (item ids, titles, URLs, images, category names).
pub const TAG_STRS: [u8; 4] = *b"STRS";
/// Sparse item-to-item weights.
pub const TAG_NBRS: [u8; 4] = *b"NBRS";
/// Item vectors.
pub const TAG_VECS: [u8; 4] = *b"VECS";
/// The learned ranking layer's trees (optional; format 1.1).
pub const TAG_RANK: [u8; 4] = *b"RANK";

/// Bytes of the META section.
pub const META_LEN: usize = 32;
/// Bytes per item in the ITEM section.
pub const ITEM_RECORD_LEN: usize = 12;
/// Bytes per category in the CATS section.
pub const CAT_RECORD_LEN: usize = 4;
/// Strings per item in the string table (id, title, url, image).
pub const STRINGS_PER_ITEM: u32 = 4;
/// "No category" / "no parent".
pub const NO_CATEGORY: u16 = u16::MAX;
/// "Price unknown".
pub const NO_PRICE: u32 = u32::MAX;
/// ITEM flag bit: the item is in stock.
pub const FLAG_IN_STOCK: u8 = 1;
