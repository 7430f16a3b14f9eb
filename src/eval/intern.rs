//! Interning of text fields: the bytes of a field -> a small dense id, without
//! allocating or calling `memcmp` per row.
//!
//! Category values (reps, teams, activity types) are short. A key of at most 16
//! bytes is held as two words and its length: `(first 8, last 8)` bytes (or the
//! halves of shorter keys) determine a key of known length exactly, so a probe
//! compares three integers. Longer keys go to an ordinary hash map. The table is
//! open-addressed with linear probing, at most a quarter full, and hashed with a
//! per-process random seed so that crafted data cannot force long probe chains.

use std::collections::HashMap;

/// The id of an empty table cell.
const EMPTY: u32 = u32::MAX;

/// A table cell: a short key and its id, side by side (one cache line read per probe).
#[derive(Clone, Copy, Debug)]
struct Cell {
    key: Short,
    id: u32,
}

const EMPTY_CELL: Cell = Cell {
    key: Short {
        lo: 0,
        hi: 0,
        len: 0,
    },
    id: EMPTY,
};

/// A short key: two words and the length.
#[derive(Clone, Copy, Debug, Eq)]
pub(crate) struct Short {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
    pub(crate) len: u32,
}

impl PartialEq for Short {
    /// All three parts at once, without a branch per part.
    #[inline(always)]
    fn eq(&self, o: &Short) -> bool {
        (self.lo ^ o.lo) | (self.hi ^ o.hi) | u64::from(self.len ^ o.len) == 0
    }
}

/// The words of a key of at most 16 bytes (see the module docs).
#[inline(always)]
pub(crate) fn short(s: &[u8]) -> Short {
    let n = s.len();
    let (lo, hi) = if n >= 8 {
        (word8(&s[..8]), word8(&s[n - 8..]))
    } else if n >= 4 {
        (
            u64::from(word4(&s[..4])) | u64::from(word4(&s[n - 4..])) << 32,
            0,
        )
    } else if n > 0 {
        (
            u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    };
    Short {
        lo,
        hi,
        len: n as u32,
    }
}

#[inline(always)]
fn word8(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(s);
    u64::from_le_bytes(b)
}

#[inline(always)]
fn word4(s: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(s);
    u32::from_le_bytes(b)
}

/// A process-wide random seed for the hash.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x9E37_79B9_7F4A_7C15);
        h.finish() | 1
    })
}

/// Interns byte strings to ids `0, 1, 2, ..` in order of first appearance.
#[derive(Clone, Debug)]
pub struct Interner {
    seed: u64,
    /// Open-addressed cells, at most a quarter full.
    table: Vec<Cell>,
    mask: usize,
    /// The short form of each id's key (unused for long keys).
    shorts: Vec<Short>,
    long: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    /// The bytes of each id.
    values: Vec<Box<[u8]>>,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner::new()
    }
}

impl Interner {
    pub fn new() -> Interner {
        Interner {
            seed: seed(),
            table: vec![EMPTY_CELL; 64],
            mask: 63,
            shorts: Vec::new(),
            long: HashMap::default(),
            values: Vec::new(),
        }
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// The bytes of id `id`.
    pub fn value(&self, id: u32) -> &[u8] {
        &self.values[id as usize]
    }

    /// The id of `s`, if it was interned.
    #[inline(always)]
    pub fn get(&self, s: &[u8]) -> Option<u32> {
        if s.len() > 16 {
            return self.long.get(s).copied();
        }
        let k = short(s);
        let mut i = self.hash(k) & self.mask;
        loop {
            let cell = self.table[i];
            if cell.id == EMPTY {
                return None;
            }
            if cell.key == k {
                return Some(cell.id);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// A folded multiply (as in foldhash): every input bit reaches the low bits.
    #[inline(always)]
    fn hash(&self, k: Short) -> usize {
        let a = k.lo ^ self.seed;
        let b = k.hi ^ self.seed.rotate_left(32) ^ 0x2D35_8DCC_AA6C_78A5 ^ u64::from(k.len);
        let p = u128::from(a) * u128::from(b);
        (p as u64 ^ (p >> 64) as u64) as usize
    }

    /// The id of `s`, interning it if new; the flag says whether it was new.
    #[inline(always)]
    pub fn intern(&mut self, s: &[u8]) -> (u32, bool) {
        if s.len() > 16 {
            return self.intern_long(s);
        }
        let k = short(s);
        let mut i = self.hash(k) & self.mask;
        loop {
            let cell = self.table[i];
            if cell.id == EMPTY {
                return (self.insert(s, k, i), true);
            }
            if cell.key == k {
                return (cell.id, false);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Adds short key `k` (the bytes `s`) at the empty cell `i`.
    #[cold]
    #[inline(never)]
    fn insert(&mut self, s: &[u8], k: Short, i: usize) -> u32 {
        let id = self.push(s, k);
        self.table[i] = Cell { key: k, id };
        if self.shorts.len() * 4 > self.table.len() {
            self.grow();
        }
        id
    }

    #[cold]
    fn intern_long(&mut self, s: &[u8]) -> (u32, bool) {
        if let Some(&id) = self.long.get(s) {
            return (id, false);
        }
        let id = self.push(
            s,
            Short {
                lo: 0,
                hi: 0,
                len: u32::MAX,
            },
        );
        self.long.insert(s.into(), id);
        (id, true)
    }

    fn push(&mut self, s: &[u8], k: Short) -> u32 {
        let id = self.values.len() as u32;
        self.values.push(s.into());
        self.shorts.push(k);
        id
    }

    #[cold]
    fn grow(&mut self) {
        let size = self.table.len() * 2;
        self.table = vec![EMPTY_CELL; size];
        self.mask = size - 1;
        for (id, k) in self.shorts.iter().enumerate() {
            if k.len == u32::MAX {
                continue; // a long key
            }
            let mut i = self.hash(*k) & self.mask;
            while self.table[i].id != EMPTY {
                i = (i + 1) & self.mask;
            }
            self.table[i] = Cell {
                key: *k,
                id: id as u32,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_is_exact() {
        // Keys that agree on their first and last bytes but differ inside.
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for n in 0..=24 {
            for fill in [b'a', b'b'] {
                let mut k = vec![b'x'; n];
                if n > 2 {
                    k[n / 2] = fill;
                }
                if n > 9 {
                    k[8] = fill;
                }
                keys.push(k);
            }
        }
        keys.sort();
        keys.dedup();
        let mut t = Interner::new();
        let ids: Vec<u32> = keys.iter().map(|k| t.intern(k).0).collect();
        assert_eq!(ids, (0..keys.len() as u32).collect::<Vec<_>>());
        for (k, &id) in keys.iter().zip(&ids) {
            assert_eq!(t.get(k), Some(id));
            assert_eq!(t.intern(k), (id, false));
            assert_eq!(t.value(id), &k[..]);
        }
        assert_eq!(t.get(b"not there"), None);
    }

    #[test]
    fn grows_past_many_keys() {
        let mut t = Interner::new();
        for i in 0..10_000u32 {
            assert_eq!(t.intern(format!("rep_{i:05}").as_bytes()), (i, true));
        }
        for i in 0..10_000u32 {
            assert_eq!(t.get(format!("rep_{i:05}").as_bytes()), Some(i));
        }
        assert_eq!(t.len(), 10_000);
    }
}
