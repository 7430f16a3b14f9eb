//! Lookups in a scan plan: which lookup sources a fact source joins, and the loaded
//! table each joined row reads its dimensions from (filled by the engine before the
//! fact source's scan; see `eval::lookup`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A lookup a fact source's scan joins.
#[derive(Clone, Debug)]
pub struct LookupPlan {
    /// The lookup source (an index into `Graph::sources`).
    pub source: usize,
    pub name: String,
    pub path: PathBuf,
    pub read: Arc<crate::data::ReadOptions>,
    pub key: String,
    pub dims: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// The fact column holding the key.
    pub on: String,
    /// The loaded rows (set once, before the scan).
    pub table: Arc<OnceLock<LookupTable>>,
}

/// Per key: its rows' validity (from, to exclusive) and index.
type KeyIndex = HashMap<Box<[u8]>, Vec<(i32, i32, u32)>, foldhash::fast::RandomState>;

/// A lookup's rows: per key, the validity intervals and their rows' dimension values.
#[derive(Default)]
pub struct LookupTable {
    index: KeyIndex,
    /// Per row: the dimension values (empty: none).
    pub rows: Vec<Vec<Box<[u8]>>>,
}

impl std::fmt::Debug for LookupTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LookupTable({} keys, {} rows)",
            self.index.len(),
            self.rows.len()
        )
    }
}

impl LookupTable {
    /// Adds a row valid on days `from..to` (exclusive end); the caller has checked
    /// that it overlaps no other row of the key.
    pub fn add(&mut self, key: &[u8], from: i32, to: i32, dims: Vec<Box<[u8]>>) {
        let row = self.rows.len() as u32;
        self.rows.push(dims);
        self.index
            .entry(key.into())
            .or_default()
            .push((from, to, row));
    }

    /// The rows of `key` so far: (from, to, row).
    pub fn intervals(&self, key: &[u8]) -> &[(i32, i32, u32)] {
        self.index.get(key).map_or(&[], |v| v.as_slice())
    }

    /// The row valid for `key` on `day`.
    #[inline]
    pub fn find(&self, key: &[u8], day: i32) -> Option<u32> {
        let rows = self.index.get(key)?;
        rows.iter()
            .find(|&&(from, to, _)| from <= day && day < to)
            .map(|r| r.2)
    }
}
