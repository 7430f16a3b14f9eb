//! Lookup dimensions in a scan (DESIGN 5.2): a `--by` dimension a lookup gives is
//! interned once per lookup row, and when only grouping needs the lookup, the row a
//! fact row matches is found here rather than computed as a derived value — through
//! the key's own dimension id when the key is a `--by` dimension too, so a report
//! `--by team,rep` probes no hash table beyond the one `rep` needs anyway. Rows whose
//! key no lookup row lists are counted for the user.

use crate::plan::derive::Calc;
use crate::plan::SourcePlan;

use super::intern::Interner;
use super::lookup::LookupTable;
use super::row::RowVal;

/// A `--by` dimension that a lookup gives.
struct DimLookup {
    /// The column of the matched lookup row (computed, or found by `lazy`).
    row: usize,
    /// Index into [`Joins::lazy`] when the row column is not computed per row.
    lazy: Option<usize>,
    lookup: usize,
    dim: usize,
    /// Per lookup row (+1; 0: no row): the dimension's id, `u32::MAX` until seen.
    known: Vec<u32>,
}

/// A lookup row column that is found here, not computed per row.
struct LazyRow {
    lookup: usize,
    key: usize,
    time: Option<usize>,
    /// The `--by` dimension the key is, for a lookup without validity: its row per
    /// key id (+1; 0: none; `u32::MAX`: not yet looked up).
    key_dim: Option<(usize, Vec<u32>)>,
    /// Index into [`Joins::unmatched`].
    unmatched: usize,
}

/// Rows whose non-empty key matched no lookup row, per lookup row column.
pub struct Unmatched {
    pub col: usize,
    pub key: usize,
    pub rows: u64,
    /// The first few such keys.
    pub keys: Vec<Vec<u8>>,
    /// Counted by [`Joins::intern`] (the column is not computed).
    lazy: bool,
}

impl Unmatched {
    fn note(&mut self, key: &[u8]) {
        self.rows += 1;
        if self.keys.len() < 5 && !self.keys.iter().any(|x| x == key) {
            self.keys.push(key.to_vec());
        }
    }
}

/// The lookups of one scan sink.
pub struct Joins {
    dims: Vec<Option<DimLookup>>,
    lazy: Vec<LazyRow>,
    pub unmatched: Vec<Unmatched>,
}

impl Joins {
    /// For `plan`, whose derived columns `active` are computed per row.
    pub fn new(plan: &SourcePlan, active: &[u32]) -> Joins {
        let computed = |col: usize| active.iter().any(|&i| plan.derived[i as usize].col == col);
        let mut unmatched = Vec::new();
        let mut lazy = Vec::new();
        let mut lazy_of = Vec::new();
        for d in &plan.derived {
            if let Calc::LookupRow { lookup, key, time } = d.calc {
                let is_lazy = !computed(d.col);
                unmatched.push(Unmatched {
                    col: d.col,
                    key,
                    rows: 0,
                    keys: Vec::new(),
                    lazy: is_lazy,
                });
                if is_lazy {
                    let key_dim = match time {
                        None => plan
                            .dims
                            .iter()
                            .position(|&c| c == key)
                            .map(|p| (p, Vec::new())),
                        Some(_) => None,
                    };
                    lazy_of.push((d.col, lazy.len()));
                    lazy.push(LazyRow {
                        lookup,
                        key,
                        time,
                        key_dim,
                        unmatched: unmatched.len() - 1,
                    });
                }
            }
        }
        let dims = plan
            .dims
            .iter()
            .map(|&c| {
                plan.derived
                    .iter()
                    .find(|d| d.col == c)
                    .and_then(|d| match d.calc {
                        Calc::LookupDim { row, lookup, dim } => Some(DimLookup {
                            row,
                            lazy: lazy_of.iter().find(|(col, _)| *col == row).map(|(_, i)| *i),
                            lookup,
                            dim,
                            known: Vec::new(),
                        }),
                        _ => None,
                    })
            })
            .collect();
        Joins {
            dims,
            lazy,
            unmatched,
        }
    }

    /// Whether `--by` dimension `d` comes from a lookup.
    #[inline(always)]
    pub fn is_lookup_dim(&self, d: usize) -> bool {
        self.dims.get(d).is_some_and(|x| x.is_some())
    }

    /// The ids of the `--by` dimensions lookups give (the others are in `ids`
    /// already), interning into `dims`' dictionaries.
    #[inline]
    pub fn intern(
        &mut self,
        tables: &[LookupTable],
        fields: &[&[u8]],
        row: &[RowVal],
        ids: &mut [u32],
        dims: &mut [(usize, Interner)],
    ) {
        // The lazy rows of this row, each found once (+1; 0: none).
        let mut found = [u32::MAX; 8];
        for (d, lk) in self.dims.iter_mut().enumerate() {
            let Some(lk) = lk else { continue };
            let r = match lk.lazy {
                None => match row[lk.row] {
                    RowVal::Num(x) => x as usize + 1,
                    _ => 0,
                },
                Some(i) => {
                    if i >= found.len() || found[i] == u32::MAX {
                        let z = &mut self.lazy[i];
                        let r = find(z, tables, fields, row, ids, &mut self.unmatched);
                        if i < found.len() {
                            found[i] = r;
                        }
                        r as usize
                    } else {
                        found[i] as usize
                    }
                }
            };
            if r >= lk.known.len() {
                lk.known.resize(r + 1, u32::MAX);
            }
            if lk.known[r] == u32::MAX {
                let text = match (r, tables.get(lk.lookup)) {
                    (1.., Some(t)) => match t.value(r - 1, lk.dim) {
                        RowVal::Str(s) => s,
                        _ => b"",
                    },
                    _ => b"",
                };
                lk.known[r] = dims[d].1.intern(text).0;
            }
            ids[d] = lk.known[r];
        }
    }

    /// Count the rows whose key matched no lookup row, for the row columns computed
    /// per row.
    #[inline]
    pub fn note(&mut self, row: &[RowVal], fields: &[&[u8]]) {
        for u in &mut self.unmatched {
            if !u.lazy && row[u.col] == RowVal::Null && !fields[u.key].is_empty() {
                u.note(fields[u.key]);
            }
        }
    }
}

/// The lookup row (+1; 0: none) of a lazy row column for this row.
#[inline]
fn find(
    z: &mut LazyRow,
    tables: &[LookupTable],
    fields: &[&[u8]],
    row: &[RowVal],
    ids: &[u32],
    unmatched: &mut [Unmatched],
) -> u32 {
    let key = fields[z.key];
    if key.is_empty() {
        return 0;
    }
    let Some(t) = tables.get(z.lookup) else {
        return 0;
    };
    let day = match z.time.map(|c| row[c]) {
        Some(RowVal::Date(d)) => d,
        _ => 0,
    };
    let r = match &mut z.key_dim {
        Some((d, per_id)) => {
            let id = ids[*d] as usize;
            if id >= per_id.len() {
                per_id.resize(id + 1, u32::MAX);
            }
            if per_id[id] == u32::MAX {
                per_id[id] = t.find(key, day).map_or(0, |r| r + 1);
            }
            per_id[id]
        }
        None => t.find(key, day).map_or(0, |r| r + 1),
    };
    if r == 0 {
        unmatched[z.unmatched].note(key);
    }
    r
}
