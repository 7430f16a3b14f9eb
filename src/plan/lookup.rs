//! Lookups in a scan plan: which lookup sources a fact source joins (their tables are
//! loaded by the engine before the fact source's scan; see `eval::lookup`).

use std::path::PathBuf;
use std::sync::Arc;

/// A lookup a fact source's scan joins.
#[derive(Clone, Debug)]
pub struct LookupPlan {
    /// The lookup source (an index into `Graph::sources`).
    pub source: usize,
    /// Its index among the fact source's `lookup` entries.
    pub entry: usize,
    pub name: String,
    pub path: PathBuf,
    pub read: Arc<crate::data::ReadOptions>,
    pub key: String,
    pub dims: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// The fact column holding the key.
    pub on: String,
}
