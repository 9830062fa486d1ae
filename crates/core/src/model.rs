//! The zero-copy model view. [`Model::parse`] validates every length, offset,
//! index and number once; afterwards the accessors read straight from the
//! borrowed bytes without further checks that could fail.

use crate::error::ModelError;
use crate::format::*;
use crate::params::{ScoringParams, ValidParams};
use crate::quant::{dequantize, read_varint};
use crate::rank::{Forest, FEATURE_SET, N_FEATURES};
use crate::ParamGuard;

/// CRC-32 (IEEE) of a whole model file, skipping the CRC field itself.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..CRC_RANGE.start.min(bytes.len())]);
    if bytes.len() > CRC_RANGE.end {
        h.update(&bytes[CRC_RANGE.end..]);
    }
    h.finalize()
}

fn verify_checksum(bytes: &[u8], computed: u32) -> Result<(), ModelError> {
    let stored = u32_at(bytes, CRC_RANGE.start);
    if stored != computed {
        return Err(ModelError::ChecksumMismatch { stored, computed });
    }
    Ok(())
}

#[inline]
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

#[inline]
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
fn f32_at(b: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn need(what: &'static str, buf: &[u8], needed: usize) -> Result<(), ModelError> {
    if buf.len() < needed {
        return Err(ModelError::Truncated {
            what,
            needed: needed as u64,
            available: buf.len() as u64,
        });
    }
    Ok(())
}

fn invalid(tag: &'static str, reason: impl Into<String>) -> ModelError {
    ModelError::InvalidValue {
        tag,
        reason: reason.into(),
    }
}

/// A validated, borrowed model.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    version: (u16, u16),
    n_items: u32,
    n_categories: u32,
    dim: usize,
    train_sessions: u32,
    train_events: u32,
    params: ValidParams,
    items: &'a [u8],
    cats: &'a [u8],
    str_offsets: &'a [u8],
    str_blob: &'a [u8],
    nbr_offsets: &'a [u8],
    nbr_scales: &'a [u8],
    nbr_blob: &'a [u8],
    vecs: &'a [u8],
    rank: &'a [u8],
    byte_len: usize,
}

/// A decoded neighbour entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Target item index.
    pub target: u32,
    /// Co-occurrence weight.
    pub co: f32,
    /// Sequential weight.
    pub seq: f32,
}

/// Iterator over one item's neighbours.
#[derive(Debug, Clone)]
pub struct Links<'a> {
    blob: &'a [u8],
    pos: usize,
    prev: Option<u32>,
    co_scale: f32,
    seq_scale: f32,
}

impl Iterator for Links<'_> {
    type Item = Link;
    #[inline]
    fn next(&mut self) -> Option<Link> {
        if self.pos >= self.blob.len() {
            return None;
        }
        // Validated at parse time, so neither decode can fail here.
        let delta = read_varint(self.blob, &mut self.pos)?;
        let target = self.prev.map_or(delta, |p| p + delta);
        self.prev = Some(target);
        let qc = self.blob[self.pos];
        let qs = self.blob[self.pos + 1];
        self.pos += 2;
        Some(Link {
            target,
            co: dequantize(qc, self.co_scale),
            seq: dequantize(qs, self.seq_scale),
        })
    }
}

struct SectionTable<'a> {
    bytes: &'a [u8],
    entries: Vec<([u8; 4], usize, usize)>,
}

impl<'a> SectionTable<'a> {
    fn get(&self, tag: [u8; 4]) -> Option<&'a [u8]> {
        self.entries
            .iter()
            .find(|e| e.0 == tag)
            .map(|&(_, off, len)| &self.bytes[off..off + len])
    }
    fn require(&self, tag: [u8; 4], name: &'static str) -> Result<&'a [u8], ModelError> {
        self.get(tag).ok_or(ModelError::MissingSection(name))
    }
}

/// Magic, version and declared length.
fn read_header_prefix(bytes: &[u8]) -> Result<(), ModelError> {
    need("header", bytes, HEADER_LEN)?;
    if bytes[..8] != MAGIC {
        return Err(ModelError::BadMagic);
    }
    let major = u16_at(bytes, 8);
    if major != VERSION_MAJOR {
        return Err(ModelError::UnsupportedVersion {
            found: major,
            supported: VERSION_MAJOR,
        });
    }
    let declared = u32_at(bytes, 16) as u64;
    if declared != bytes.len() as u64 {
        if declared > bytes.len() as u64 {
            return Err(ModelError::Truncated {
                what: "file",
                needed: declared,
                available: bytes.len() as u64,
            });
        }
        return Err(ModelError::LengthMismatch {
            declared,
            actual: bytes.len() as u64,
        });
    }
    Ok(())
}

fn read_header(bytes: &[u8], verify_crc: bool) -> Result<SectionTable<'_>, ModelError> {
    read_header_prefix(bytes)?;
    if verify_crc {
        verify_checksum(bytes, checksum(bytes))?;
    }
    let count = u32_at(bytes, 12);
    if count > MAX_SECTIONS {
        return Err(ModelError::BadSection {
            tag: "table".into(),
            reason: format!("{count} sections declared, at most {MAX_SECTIONS} allowed"),
        });
    }
    let table_end = HEADER_LEN + count as usize * SECTION_ENTRY_LEN;
    need("section table", bytes, table_end)?;
    let mut entries: Vec<([u8; 4], usize, usize)> = Vec::with_capacity(count as usize);
    for k in 0..count as usize {
        let e = HEADER_LEN + k * SECTION_ENTRY_LEN;
        let tag: [u8; 4] = bytes[e..e + 4].try_into().expect("4 bytes");
        let name = String::from_utf8_lossy(&tag).into_owned();
        let off = u32_at(bytes, e + 4) as usize;
        let len = u32_at(bytes, e + 8) as usize;
        if !off.is_multiple_of(4)
            || off < table_end
            || off.checked_add(len).is_none_or(|end| end > bytes.len())
        {
            return Err(ModelError::BadSection {
                tag: name,
                reason: format!(
                    "offset {off} + length {len} is misaligned or outside the file ({} bytes)",
                    bytes.len()
                ),
            });
        }
        if entries.iter().any(|x| x.0 == tag) {
            return Err(ModelError::DuplicateSection(name));
        }
        if entries
            .iter()
            .any(|&(_, o, l)| off < o + l && o < off + len)
        {
            return Err(ModelError::BadSection {
                tag: name,
                reason: "overlaps another section".into(),
            });
        }
        entries.push((tag, off, len));
    }
    Ok(SectionTable { bytes, entries })
}

/// The file length a model's first bytes declare (its header's length
/// field), once `prefix` holds the magic and that field; `None` before, or
/// for bytes that are no model. A hint for a reader that fills a buffer as
/// the file arrives; `Model::parse` checks the length itself.
pub fn declared_len(prefix: &[u8]) -> Option<usize> {
    (prefix.len() >= 20 && prefix[..8] == MAGIC).then(|| u32_at(prefix, 16) as usize)
}

impl<'a> Model<'a> {
    /// Validates `bytes` and returns a view over them.
    ///
    /// ```
    /// # use xsell_core::{ModelBuilder, ItemRecord, Model};
    /// let mut b = ModelBuilder::default();
    /// b.items.push(ItemRecord { id: "sku-1".into(), title: "Bananas".into(), in_stock: true, ..Default::default() });
    /// let bytes = b.build()?;
    /// let model = Model::parse(&bytes)?;
    /// assert_eq!(model.item_title(0), "Bananas");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ModelError> {
        let model = Self::structure(read_header(bytes, true)?, bytes)?;
        model.validate_rows(0..model.len())?;
        Ok(model)
    }

    /// Everything but the CRC and the neighbour rows: sections, counts,
    /// strings, scales and row bounds.
    fn structure(table: SectionTable<'a>, bytes: &'a [u8]) -> Result<Self, ModelError> {
        let version = (u16_at(bytes, 8), u16_at(bytes, 10));

        let meta = table.require(TAG_META, "META")?;
        need("META", meta, META_LEN)?;
        let n_items = u32_at(meta, 0);
        let n_categories = u32_at(meta, 4);
        let dim = u16_at(meta, 8) as usize;
        let train_sessions = u32_at(meta, 12);
        let train_events = u32_at(meta, 16);
        let n = n_items as usize;
        if n_categories >= u32::from(NO_CATEGORY) {
            return Err(invalid(
                "META",
                format!("{n_categories} categories exceed the limit of 65,534"),
            ));
        }

        let params = match table.get(TAG_PARM) {
            None => ValidParams::default(),
            Some(p) => {
                need("PARM", p, 4)?;
                let count = u32_at(p, 0) as usize;
                if count > 1024 {
                    return Err(invalid("PARM", format!("{count} parameters declared")));
                }
                need("PARM", p, 4 + count * 4)?;
                let values: Vec<f32> = (0..count).map(|k| f32_at(p, 4 + 4 * k)).collect();
                ScoringParams::from_slice(&values)
                    .check()
                    .map_err(|e| invalid("PARM", e.to_string()))?
            }
        };

        let items = table.require(TAG_ITEM, "ITEM")?;
        need("ITEM", items, n.saturating_mul(ITEM_RECORD_LEN))?;
        let items = &items[..n * ITEM_RECORD_LEN];
        let cats = table.get(TAG_CATS).unwrap_or(&[]);
        need("CATS", cats, n_categories as usize * CAT_RECORD_LEN)?;
        let cats = &cats[..n_categories as usize * CAT_RECORD_LEN];
        for i in 0..n {
            let c = u16_at(items, i * ITEM_RECORD_LEN + 4);
            if c != NO_CATEGORY && u32::from(c) >= n_categories {
                return Err(invalid(
                    "ITEM",
                    format!("item {i} has category {c} of {n_categories}"),
                ));
            }
        }
        for c in 0..n_categories as usize {
            let p = u16_at(cats, c * CAT_RECORD_LEN);
            if p != NO_CATEGORY && u32::from(p) >= n_categories {
                return Err(invalid(
                    "CATS",
                    format!("category {c} has parent {p} of {n_categories}"),
                ));
            }
        }

        let strs = table.require(TAG_STRS, "STRS")?;
        need("STRS", strs, 4)?;
        let n_strings = u32_at(strs, 0) as u64;
        let expected = n as u64 * u64::from(STRINGS_PER_ITEM) + u64::from(n_categories);
        if n_strings != expected {
            return Err(invalid(
                "STRS",
                format!("{n_strings} strings, expected {expected}"),
            ));
        }
        let off_len = (n_strings as usize + 1) * 4;
        need("STRS", strs, 4 + off_len)?;
        let str_offsets = &strs[4..4 + off_len];
        let str_blob = &strs[4 + off_len..];
        let mut prev = 0u32;
        for k in 0..=n_strings as usize {
            let o = u32_at(str_offsets, 4 * k);
            if (k == 0 && o != 0) || o < prev || o as usize > str_blob.len() {
                return Err(invalid(
                    "STRS",
                    format!("string offset {k} = {o} is out of order or past the end"),
                ));
            }
            prev = o;
        }
        // Every string is UTF-8 iff the used blob is and every offset falls
        // on a character boundary: one pass instead of one per string.
        let used = &str_blob[..prev as usize];
        let whole = std::str::from_utf8(used).ok();
        for k in 0..n_strings as usize {
            let (a, b) = (
                u32_at(str_offsets, 4 * k) as usize,
                u32_at(str_offsets, 4 * (k + 1)) as usize,
            );
            let ok = match whole {
                Some(w) => w.is_char_boundary(a) && w.is_char_boundary(b),
                None => std::str::from_utf8(&used[a..b]).is_ok(),
            };
            if !ok {
                return Err(invalid("STRS", format!("string {k} is not UTF-8")));
            }
        }

        let nbrs = table.require(TAG_NBRS, "NBRS")?;
        need("NBRS", nbrs, 8)?;
        if u32_at(nbrs, 0) != n_items {
            return Err(invalid(
                "NBRS",
                format!("{} rows for {n_items} items", u32_at(nbrs, 0)),
            ));
        }
        let blob_len = u32_at(nbrs, 4) as usize;
        let offs_at = 8;
        let scales_at = offs_at + (n + 1) * 4;
        let blob_at = scales_at + n * 8;
        need("NBRS", nbrs, blob_at.saturating_add(blob_len))?;
        let nbr_offsets = &nbrs[offs_at..scales_at];
        let nbr_scales = &nbrs[scales_at..blob_at];
        let nbr_blob = &nbrs[blob_at..blob_at + blob_len];
        for k in 0..n * 2 {
            let s = f32_at(nbr_scales, 4 * k);
            if !(s.is_finite() && s >= 0.0) {
                return Err(invalid("NBRS", format!("row scale {k} is {s}")));
            }
        }
        if n > 0 && u32_at(nbr_offsets, 4 * n) as usize != blob_len {
            return Err(invalid(
                "NBRS",
                format!("rows end at {} of {blob_len}", u32_at(nbr_offsets, 4 * n)),
            ));
        }
        if n == 0 && blob_len != 0 {
            return Err(invalid("NBRS", "neighbour bytes without items"));
        }

        let vecs = match table.get(TAG_VECS) {
            None => &[][..],
            Some(v) => {
                need("VECS", v, 4)?;
                if u16_at(v, 0) as usize != dim || dim == 0 {
                    return Err(invalid(
                        "VECS",
                        format!("dimension {} but META says {dim}", u16_at(v, 0)),
                    ));
                }
                need("VECS", v, 4 + n * dim)?;
                &v[4..4 + n * dim]
            }
        };
        let dim = if vecs.is_empty() { 0 } else { dim };

        let rank = table.get(TAG_RANK).unwrap_or(&[]);
        if !rank.is_empty() {
            Forest::from_bytes(rank, FEATURE_SET, N_FEATURES as u16)?;
        }

        Ok(Model {
            version,
            n_items,
            n_categories,
            dim,
            train_sessions,
            train_events,
            params,
            items,
            cats,
            str_offsets,
            str_blob,
            nbr_offsets,
            nbr_scales,
            nbr_blob,
            vecs,
            rank,
            byte_len: bytes.len(),
        })
    }

    /// Validates neighbour rows `rows` (targets in range, sorted, no self
    /// links, entries whole). [`ModelLoader`] calls it in slices.
    fn validate_rows(&self, rows: std::ops::Range<usize>) -> Result<(), ModelError> {
        let n = self.len();
        let n_items = self.n_items;
        let blob_len = self.nbr_blob.len();
        let (nbr_offsets, nbr_blob) = (self.nbr_offsets, self.nbr_blob);
        let mut prev_off = match rows.start {
            0 => 0,
            k => u32_at(nbr_offsets, 4 * k) as usize,
        };
        for i in rows {
            let start = u32_at(nbr_offsets, 4 * i) as usize;
            let end = u32_at(nbr_offsets, 4 * (i + 1)) as usize;
            if (i == 0 && start != 0)
                || start != prev_off
                || end < start
                || end > blob_len
                || (i + 1 == n && end != blob_len)
            {
                return Err(invalid(
                    "NBRS",
                    format!("row {i} spans {start}..{end} of {blob_len}"),
                ));
            }
            prev_off = end;
            let row = &nbr_blob[start..end];
            let mut pos = 0;
            let mut last: Option<u32> = None;
            while pos < row.len() {
                let delta = read_varint(row, &mut pos)
                    .ok_or_else(|| invalid("NBRS", format!("row {i}: bad varint at byte {pos}")))?;
                if last.is_some() && delta == 0 {
                    return Err(invalid("NBRS", format!("row {i}: repeated neighbour")));
                }
                let t = match last {
                    None => Some(delta),
                    Some(p) => p.checked_add(delta),
                };
                let t = t.filter(|&t| t < n_items).ok_or_else(|| {
                    invalid("NBRS", format!("row {i}: neighbour index past {n_items}"))
                })?;
                if t as usize == i {
                    return Err(invalid(
                        "NBRS",
                        format!("row {i}: item is its own neighbour"),
                    ));
                }
                if pos + 2 > row.len() {
                    return Err(invalid("NBRS", format!("row {i}: entry cut short")));
                }
                pos += 2;
                last = Some(t);
            }
        }
        Ok(())
    }

    /// Format version `(major, minor)` of the file.
    pub fn version(&self) -> (u16, u16) {
        self.version
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.n_items as usize
    }
    /// Whether the model has no items.
    pub fn is_empty(&self) -> bool {
        self.n_items == 0
    }
    /// Number of categories.
    pub fn n_categories(&self) -> usize {
        self.n_categories as usize
    }
    /// Size of the file in bytes.
    pub fn byte_len(&self) -> usize {
        self.byte_len
    }
    /// Training sessions and events the model was built from.
    pub fn training_size(&self) -> (u32, u32) {
        (self.train_sessions, self.train_events)
    }
    /// The tuned scoring parameters.
    pub fn params(&self) -> ValidParams {
        self.params
    }
    /// Dimension of the item vectors (0 when the model has none).
    pub fn vector_dim(&self) -> usize {
        self.dim
    }

    fn string(&self, k: usize) -> &'a str {
        let a = u32_at(self.str_offsets, 4 * k) as usize;
        let b = u32_at(self.str_offsets, 4 * (k + 1)) as usize;
        debug_assert!(std::str::from_utf8(&self.str_blob[a..b]).is_ok());
        // SAFETY: `parse` checked that every string `a..b` of the blob is
        // UTF-8 (offsets in order, in bounds, on character boundaries of a
        // valid prefix), and the bytes are borrowed immutably since.
        unsafe { std::str::from_utf8_unchecked(&self.str_blob[a..b]) }
    }
    /// The shop's id of item `i`. Panics if `i >= len()`.
    pub fn item_id(&self, i: u32) -> &'a str {
        self.string(i as usize * 4)
    }
    /// Title of item `i`.
    pub fn item_title(&self, i: u32) -> &'a str {
        self.string(i as usize * 4 + 1)
    }
    /// URL of item `i` (may be empty).
    pub fn item_url(&self, i: u32) -> &'a str {
        self.string(i as usize * 4 + 2)
    }
    /// Image URL of item `i` (may be empty).
    pub fn item_image(&self, i: u32) -> &'a str {
        self.string(i as usize * 4 + 3)
    }
    /// Price of item `i` in cents.
    pub fn item_price_cents(&self, i: u32) -> Option<u32> {
        let p = u32_at(self.items, i as usize * ITEM_RECORD_LEN);
        (p != NO_PRICE).then_some(p)
    }
    /// Leaf category of item `i`.
    pub fn item_category(&self, i: u32) -> Option<u16> {
        let c = u16_at(self.items, i as usize * ITEM_RECORD_LEN + 4);
        (c != NO_CATEGORY).then_some(c)
    }
    /// Whether item `i` is in stock.
    pub fn item_in_stock(&self, i: u32) -> bool {
        self.items[i as usize * ITEM_RECORD_LEN + 6] & FLAG_IN_STOCK != 0
    }
    /// Log-popularity code of item `i` (`16 * log2(1 + sessions)`, 0..=255).
    pub fn item_popularity(&self, i: u32) -> u8 {
        self.items[i as usize * ITEM_RECORD_LEN + 7]
    }
    /// Name of category `c`.
    pub fn category_name(&self, c: u16) -> &'a str {
        self.string(self.len() * 4 + c as usize)
    }
    /// Parent of category `c`.
    pub fn category_parent(&self, c: u16) -> Option<u16> {
        let p = u16_at(self.cats, c as usize * CAT_RECORD_LEN);
        (p != NO_CATEGORY).then_some(p)
    }
    /// The neighbours of item `i`, in ascending target order.
    pub fn links(&self, i: u32) -> Links<'a> {
        let i = i as usize;
        let a = u32_at(self.nbr_offsets, 4 * i) as usize;
        let b = u32_at(self.nbr_offsets, 4 * (i + 1)) as usize;
        Links {
            blob: &self.nbr_blob[a..b],
            pos: 0,
            prev: None,
            co_scale: f32_at(self.nbr_scales, 8 * i),
            seq_scale: f32_at(self.nbr_scales, 8 * i + 4),
        }
    }
    /// The raw (i8) vector of item `i`; empty if the model has no vectors.
    pub fn item_vector_raw(&self, i: u32) -> &'a [u8] {
        if self.dim == 0 {
            return &[];
        }
        &self.vecs[i as usize * self.dim..(i as usize + 1) * self.dim]
    }
    /// Appends the unit-length f32 vector of item `i` to `out` (`vector_dim()`
    /// values; zeros for an all-zero vector, nothing without vectors).
    pub fn push_unit_vector(&self, i: u32, out: &mut Vec<f32>) {
        let raw = self.item_vector_raw(i);
        let norm = raw
            .iter()
            .map(|&b| f32::from(b as i8).powi(2))
            .sum::<f32>()
            .sqrt();
        let inv = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        out.extend(raw.iter().map(|&b| f32::from(b as i8) * inv));
    }

    /// The learned ranking layer, if the model holds one (checked at load).
    pub fn ranker(&self) -> Option<Forest> {
        (!self.rank.is_empty()).then(|| {
            Forest::from_bytes(self.rank, FEATURE_SET, N_FEATURES as u16)
                .expect("checked when the model was parsed")
        })
    }

    /// Bytes of the `RANK` section (0 without a ranking layer).
    pub fn ranker_bytes(&self) -> usize {
        self.rank.len()
    }

    /// Cosine similarity of the vectors of items `a` and `b` (0 without vectors).
    pub fn similarity(&self, a: u32, b: u32) -> f32 {
        let (va, vb) = (self.item_vector_raw(a), self.item_vector_raw(b));
        let (mut dot, mut na, mut nb) = (0i32, 0i32, 0i32);
        for (&x, &y) in va.iter().zip(vb) {
            let (x, y) = (i32::from(x as i8), i32::from(y as i8));
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        if na == 0 || nb == 0 {
            return 0.0;
        }
        dot as f32 / ((na as f32).sqrt() * (nb as f32).sqrt())
    }
}

/// Loads a model in slices, so a page can yield between them and never
/// block its main thread for long: the CRC in chunks, then the structure,
/// then the neighbour rows in chunks. The result equals [`Model::parse`].
pub struct ModelLoader<'a> {
    bytes: &'a [u8],
    crc: crc32fast::Hasher,
    crc_pos: usize,
    model: Option<Model<'a>>,
    row: usize,
}

impl<'a> ModelLoader<'a> {
    /// Checks the header (magic, version, length); nothing else yet.
    pub fn new(bytes: &'a [u8]) -> Result<Self, ModelError> {
        read_header_prefix(bytes)?;
        Ok(Self {
            bytes,
            crc: crc32fast::Hasher::new(),
            crc_pos: 0,
            model: None,
            row: 0,
        })
    }

    /// Does about `budget` bytes of work; `Some(model)` when done.
    pub fn step(&mut self, budget: usize) -> Result<Option<Model<'a>>, ModelError> {
        let b = self.bytes;
        let budget = budget.max(1);
        if self.crc_pos < b.len() {
            let end = (self.crc_pos + budget).min(b.len());
            let (lo, hi) = (self.crc_pos, end);
            // The CRC field itself is skipped, as in [`checksum`].
            if lo < CRC_RANGE.start {
                self.crc.update(&b[lo..hi.min(CRC_RANGE.start)]);
            }
            if hi > CRC_RANGE.end {
                self.crc.update(&b[lo.max(CRC_RANGE.end)..hi]);
            }
            self.crc_pos = end;
            return Ok(None);
        }
        let Some(model) = &self.model else {
            verify_checksum(b, self.crc.clone().finalize())?;
            self.model = Some(Model::structure(read_header(b, false)?, b)?);
            return Ok(None);
        };
        let n = model.len();
        let mut end = self.row;
        let mut bytes = 0;
        while end < n && bytes < budget {
            bytes += 16
                + (u32_at(model.nbr_offsets, 4 * (end + 1)) - u32_at(model.nbr_offsets, 4 * end))
                    as usize
                    * 4;
            end += 1;
        }
        model.validate_rows(self.row..end)?;
        self.row = end;
        Ok((end == n).then(|| model.clone()))
    }

    /// Share of the work done, 0..=1.
    pub fn progress(&self) -> f64 {
        let crc = self.crc_pos as f64 / self.bytes.len().max(1) as f64;
        match &self.model {
            None => 0.5 * crc,
            Some(m) => 0.5 + 0.5 * self.row as f64 / m.len().max(1) as f64,
        }
    }
}
