//! Writing model files. The trainer fills a [`ModelBuilder`] and calls
//! [`ModelBuilder::build`]; the bytes it returns are read by [`crate::Model`].

use crate::error::BuildError;
use crate::format::*;
use crate::params::ScoringParams;
use crate::quant::{quantize, write_varint};

/// One catalogue item as the trainer knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemRecord {
    /// The shop's item id (SKU, product id), as text.
    pub id: String,
    /// Display title.
    pub title: String,
    /// Product page URL (may be empty).
    pub url: String,
    /// Image URL (may be empty).
    pub image: String,
    /// Price in cents, if known.
    pub price_cents: Option<u32>,
    /// Leaf category index into the category table.
    pub category: Option<u16>,
    /// Whether the item can be bought now.
    pub in_stock: bool,
    /// How many training sessions contain the item.
    pub popularity: u32,
}

/// One category; categories form a forest through `parent`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryRecord {
    /// Display name.
    pub name: String,
    /// Parent category index.
    pub parent: Option<u16>,
}

/// One weighted item-to-item link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Target item index.
    pub target: u32,
    /// Co-occurrence ("bought together") weight, >= 0.
    pub co: f32,
    /// Sequential ("added after") weight, >= 0.
    pub seq: f32,
}

/// Collects everything a model holds and serializes it.
#[derive(Debug, Clone, Default)]
pub struct ModelBuilder {
    /// Items, in index order.
    pub items: Vec<ItemRecord>,
    /// Categories, in index order.
    pub categories: Vec<CategoryRecord>,
    /// Neighbours per item (same length as `items`, or empty for none).
    pub neighbours: Vec<Vec<Neighbour>>,
    /// Item vectors, `items.len() * dim` values in `-1..=1`, row-major.
    pub vectors: Option<(usize, Vec<f32>)>,
    /// Scoring parameters.
    pub params: ScoringParams,
    /// Number of training sessions (informational).
    pub train_sessions: u32,
    /// Number of training events (informational).
    pub train_events: u32,
    /// The learned ranking layer (`None`: the linear blend ranks alone).
    pub ranker: Option<crate::rank::Forest>,
}

/// Encodes a session count as the 8-bit log popularity stored per item.
pub fn popularity_code(count: u32) -> u8 {
    (16.0 * (1.0 + count as f64).log2()).round().min(255.0) as u8
}

fn too_large(what: &str) -> BuildError {
    BuildError::TooLarge(what.to_string())
}

fn u32_len(n: usize, what: &str) -> Result<u32, BuildError> {
    u32::try_from(n).map_err(|_| too_large(what))
}

fn pad4(buf: &mut Vec<u8>) {
    while !buf.len().is_multiple_of(4) {
        buf.push(0);
    }
}

impl ModelBuilder {
    fn section_meta(&self, n: u32, dim: u16, max_nbrs: u16) -> Result<Vec<u8>, BuildError> {
        let mut s = Vec::with_capacity(META_LEN);
        s.extend(n.to_le_bytes());
        s.extend(u32_len(self.categories.len(), "categories")?.to_le_bytes());
        s.extend(dim.to_le_bytes());
        s.extend(max_nbrs.to_le_bytes());
        s.extend(self.train_sessions.to_le_bytes());
        s.extend(self.train_events.to_le_bytes());
        s.resize(META_LEN, 0);
        Ok(s)
    }

    fn section_items(&self) -> Result<Vec<u8>, BuildError> {
        let n_cat = self.categories.len() as u32;
        let mut s = Vec::with_capacity(self.items.len() * ITEM_RECORD_LEN);
        for (i, it) in self.items.iter().enumerate() {
            let cat = match it.category {
                Some(c) if u32::from(c) >= n_cat || c == NO_CATEGORY => {
                    return Err(BuildError::BadCategory {
                        item: i as u32,
                        category: u32::from(c),
                        n_categories: n_cat,
                    })
                }
                Some(c) => c,
                None => NO_CATEGORY,
            };
            let price = match it.price_cents {
                Some(p) if p == NO_PRICE => return Err(too_large("price")),
                Some(p) => p,
                None => NO_PRICE,
            };
            s.extend(price.to_le_bytes());
            s.extend(cat.to_le_bytes());
            s.push(if it.in_stock { FLAG_IN_STOCK } else { 0 });
            s.push(popularity_code(it.popularity));
            s.extend([0u8; 4]);
        }
        Ok(s)
    }

    fn section_categories(&self) -> Result<Vec<u8>, BuildError> {
        let n_cat = self.categories.len();
        if n_cat >= usize::from(NO_CATEGORY) {
            return Err(too_large("more than 65,534 categories"));
        }
        let mut s = Vec::with_capacity(n_cat * CAT_RECORD_LEN);
        for (c, cat) in self.categories.iter().enumerate() {
            let parent = match cat.parent {
                Some(p) if usize::from(p) >= n_cat => {
                    return Err(BuildError::BadCategory {
                        item: c as u32,
                        category: u32::from(p),
                        n_categories: n_cat as u32,
                    })
                }
                Some(p) => p,
                None => NO_CATEGORY,
            };
            s.extend(parent.to_le_bytes());
            s.extend([0u8; 2]);
        }
        Ok(s)
    }

    fn section_strings(&self) -> Result<Vec<u8>, BuildError> {
        let strings = self
            .items
            .iter()
            .flat_map(|it| [&it.id, &it.title, &it.url, &it.image])
            .chain(self.categories.iter().map(|c| &c.name));
        let count = self.items.len() * STRINGS_PER_ITEM as usize + self.categories.len();
        let mut offsets = Vec::with_capacity(count + 1);
        let mut blob: Vec<u8> = Vec::new();
        offsets.push(0u32);
        for s in strings {
            blob.extend(s.as_bytes());
            offsets.push(u32_len(blob.len(), "string table over 4 GiB")?);
        }
        let mut s = Vec::with_capacity(4 + offsets.len() * 4 + blob.len());
        s.extend(u32_len(count, "strings")?.to_le_bytes());
        for o in offsets {
            s.extend(o.to_le_bytes());
        }
        s.extend(blob);
        Ok(s)
    }

    fn section_neighbours(&self, n: u32) -> Result<(Vec<u8>, u16), BuildError> {
        let mut offsets = Vec::with_capacity(n as usize + 1);
        let mut scales = Vec::with_capacity(n as usize * 2);
        let mut blob = Vec::new();
        let mut max_len = 0usize;
        offsets.push(0u32);
        for i in 0..n as usize {
            let empty = Vec::new();
            let row = self.neighbours.get(i).unwrap_or(&empty);
            let mut row: Vec<Neighbour> = row.clone();
            for nb in &row {
                if nb.target >= n {
                    return Err(BuildError::BadNeighbour {
                        from: i as u32,
                        to: nb.target,
                        n_items: n,
                    });
                }
                if !(nb.co.is_finite() && nb.co >= 0.0 && nb.seq.is_finite() && nb.seq >= 0.0) {
                    return Err(BuildError::BadNumber("neighbour weights"));
                }
            }
            // Self-links and repeated targets are dropped before the scales are
            // taken, so a dropped weight never coarsens the kept ones.
            row.retain(|nb| nb.target as usize != i);
            row.sort_by_key(|nb| nb.target);
            row.dedup_by_key(|nb| nb.target);
            let co_scale = row.iter().map(|nb| nb.co).fold(0.0f32, f32::max);
            let seq_scale = row.iter().map(|nb| nb.seq).fold(0.0f32, f32::max);
            scales.push(co_scale);
            scales.push(seq_scale);
            let mut prev: Option<u32> = None;
            let mut kept = 0;
            for nb in row {
                let (qc, qs) = (quantize(nb.co, co_scale), quantize(nb.seq, seq_scale));
                if qc == 0 && qs == 0 {
                    continue;
                }
                let delta = match prev {
                    None => nb.target,
                    Some(p) => nb.target - p,
                };
                write_varint(&mut blob, delta);
                blob.push(qc);
                blob.push(qs);
                prev = Some(nb.target);
                kept += 1;
            }
            max_len = max_len.max(kept);
            offsets.push(u32_len(blob.len(), "neighbour table over 4 GiB")?);
        }
        let mut s = Vec::new();
        s.extend(n.to_le_bytes());
        s.extend(u32_len(blob.len(), "neighbour table")?.to_le_bytes());
        for o in offsets {
            s.extend(o.to_le_bytes());
        }
        for sc in scales {
            s.extend(sc.to_le_bytes());
        }
        s.extend(blob);
        Ok((s, u16::try_from(max_len).unwrap_or(u16::MAX)))
    }

    fn section_vectors(&self, n: usize) -> Result<Option<(Vec<u8>, u16)>, BuildError> {
        let Some((dim, values)) = &self.vectors else {
            return Ok(None);
        };
        let dim = *dim;
        if dim == 0 || dim > 1024 {
            return Err(BuildError::BadDimension {
                expected: 16,
                found: dim,
            });
        }
        if values.len() != n * dim {
            return Err(BuildError::BadDimension {
                expected: dim,
                found: values.len() / n.max(1),
            });
        }
        let mut s = Vec::with_capacity(4 + values.len());
        s.extend((dim as u16).to_le_bytes());
        s.extend([0u8; 2]);
        for &v in values {
            if !v.is_finite() {
                return Err(BuildError::BadNumber("item vectors"));
            }
            s.push((v.clamp(-1.0, 1.0) * 127.0).round() as i8 as u8);
        }
        Ok(Some((s, dim as u16)))
    }

    /// Serializes the model. The output is deterministic for equal input.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        let n = u32_len(self.items.len(), "items")?;
        if !self.neighbours.is_empty() && self.neighbours.len() != self.items.len() {
            return Err(too_large("neighbour rows must match the item count"));
        }
        let (nbrs, max_nbrs) = self.section_neighbours(n)?;
        let vecs = self.section_vectors(self.items.len())?;
        let dim = vecs.as_ref().map_or(0, |v| v.1);
        let mut parm = Vec::new();
        let values = self.params.to_array();
        parm.extend((values.len() as u32).to_le_bytes());
        for v in values {
            parm.extend(v.to_le_bytes());
        }
        let mut sections: Vec<([u8; 4], Vec<u8>)> = vec![
            (TAG_META, self.section_meta(n, dim, max_nbrs)?),
            (TAG_PARM, parm),
            (TAG_ITEM, self.section_items()?),
            (TAG_CATS, self.section_categories()?),
            (TAG_STRS, self.section_strings()?),
            (TAG_NBRS, nbrs),
        ];
        if let Some((v, _)) = vecs {
            sections.push((TAG_VECS, v));
        }
        if let Some(forest) = &self.ranker {
            use crate::rank::{FEATURE_SET, N_FEATURES};
            if forest.feature_set != FEATURE_SET || usize::from(forest.n_features) != N_FEATURES {
                return Err(BuildError::BadRanker(format!(
                    "trees over feature set {} ({} features), this build computes set {FEATURE_SET} ({N_FEATURES})",
                    forest.feature_set, forest.n_features
                )));
            }
            forest.check().map_err(BuildError::BadRanker)?;
            sections.push((TAG_RANK, forest.to_bytes()));
        }
        let mut out = Vec::new();
        out.extend(MAGIC);
        out.extend(VERSION_MAJOR.to_le_bytes());
        out.extend(VERSION_MINOR.to_le_bytes());
        out.extend((sections.len() as u32).to_le_bytes());
        out.extend([0u8; 4]); // total length, patched below
        out.extend([0u8; 4]); // CRC-32, patched below
        out.extend([0u8; 8]); // reserved
        let table_at = out.len();
        out.resize(table_at + sections.len() * SECTION_ENTRY_LEN, 0);
        for (k, (tag, body)) in sections.iter().enumerate() {
            pad4(&mut out);
            let off = u32_len(out.len(), "file over 4 GiB")?;
            let len = u32_len(body.len(), "section over 4 GiB")?;
            let e = table_at + k * SECTION_ENTRY_LEN;
            out[e..e + 4].copy_from_slice(tag);
            out[e + 4..e + 8].copy_from_slice(&off.to_le_bytes());
            out[e + 8..e + 12].copy_from_slice(&len.to_le_bytes());
            out.extend(body);
        }
        pad4(&mut out);
        let total = u32_len(out.len(), "file over 4 GiB")?;
        out[16..20].copy_from_slice(&total.to_le_bytes());
        let crc = crate::model::checksum(&out);
        out[CRC_RANGE].copy_from_slice(&crc.to_le_bytes());
        Ok(out)
    }
}
