//! The group slot of a row: (dimension ids, period) -> a dense slot number.
//!
//! The tuple of dimension ids is first numbered (a "combo": the id itself for one
//! dimension, a hash map for several). Each combo then holds a direct-mapped run of
//! periods, so that the common lookup is two array reads. Runs grow on demand
//! within a memory budget proportional to the number of slots; a (combo, period)
//! outside it (very long runs of days with few rows each) goes to a hash map.

use std::collections::HashMap;

type Fast = foldhash::fast::RandomState;

/// No slot yet.
const NONE: u32 = u32::MAX;

/// Periods of one combo, from `base`.
#[derive(Clone, Debug, Default)]
struct Run {
    base: i32,
    slots: Vec<u32>,
}

/// The slot index of one scan chunk.
#[derive(Clone, Debug, Default)]
pub struct SlotIndex {
    combos: HashMap<Vec<u32>, u32, Fast>,
    ncombos: u32,
    runs: Vec<Run>,
    /// Cells of all runs.
    cells: usize,
    slots: usize,
    sparse: HashMap<(u32, i32), u32, Fast>,
}

impl SlotIndex {
    pub fn new() -> SlotIndex {
        SlotIndex::default()
    }

    /// The combo number of a tuple of dimension ids.
    #[inline(always)]
    pub fn combo(&mut self, ids: &[u32]) -> u32 {
        match ids {
            [] => 0,
            [id] => *id,
            _ => self.combo_of(ids),
        }
    }

    fn combo_of(&mut self, ids: &[u32]) -> u32 {
        match self.combos.get(ids) {
            Some(&c) => c,
            None => {
                let c = self.ncombos;
                self.ncombos += 1;
                self.combos.insert(ids.to_vec(), c);
                c
            }
        }
    }

    /// The slot of (`combo`, `period`), or `next` (which the caller then creates)
    /// if it has none yet; the flag says whether it was new.
    #[inline(always)]
    pub fn slot(&mut self, combo: u32, period: i32, next: u32) -> (u32, bool) {
        if let Some(run) = self.runs.get(combo as usize) {
            let i = i64::from(period) - i64::from(run.base);
            if let Some(&s) = usize::try_from(i).ok().and_then(|i| run.slots.get(i)) {
                if s != NONE {
                    return (s, false);
                }
            }
        }
        self.slow(combo, period, next)
    }

    #[cold]
    fn slow(&mut self, combo: u32, period: i32, next: u32) -> (u32, bool) {
        if let Some(&s) = self.sparse.get(&(combo, period)) {
            return (s, false);
        }
        self.slots += 1;
        match self.cell(combo, period) {
            Some(cell) => *cell = next,
            None => {
                self.sparse.insert((combo, period), next);
            }
        }
        (next, true)
    }

    /// The run cell of (`combo`, `period`), growing the run if the budget allows.
    fn cell(&mut self, combo: u32, period: i32) -> Option<&mut u32> {
        let c = combo as usize;
        if c >= self.runs.len() {
            if c > 4 * self.slots + 1024 {
                return None; // ids far ahead of the groups seen: keep it sparse
            }
            self.runs.resize(c + 1, Run::default());
        }
        let budget = 16 * self.slots + 4096;
        let run = &mut self.runs[c];
        let len = run.slots.len() as i64;
        let (p, base) = (i64::from(period), i64::from(run.base));
        let (lo, hi) = if len == 0 {
            (p, p + 8)
        } else if p < base {
            (p - len.max(8), base + len)
        } else if p >= base + len {
            (base, p + 1 + len.max(8))
        } else {
            (base, base + len)
        };
        let new_len = hi - lo;
        let grow = usize::try_from(new_len - len).ok()?;
        if grow > 0 && self.cells + grow > budget {
            return None;
        }
        if lo < i64::from(i32::MIN) || hi > i64::from(i32::MAX) {
            return None;
        }
        if grow > 0 {
            let mut slots = vec![NONE; new_len as usize];
            let at = (base - lo) as usize;
            if len > 0 {
                slots[at..at + len as usize].copy_from_slice(&run.slots);
            }
            run.slots = slots;
            run.base = lo as i32;
            self.cells += grow;
        }
        let i = (p - i64::from(run.base)) as usize;
        run.slots.get_mut(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (combo, period) gets one slot, found again whatever the order.
    #[test]
    fn agrees_with_a_hash_map() {
        let mut ix = SlotIndex::new();
        let mut reference: HashMap<(u32, i32), u32> = HashMap::new();
        let mut state: u64 = 7;
        for n in 0..200_000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let combo = (state % 300) as u32;
            // Mostly a dense range, sometimes far-away periods (sparse).
            let period = if n % 97 == 0 {
                ((state >> 20) % 1_000_000) as i32 - 500_000
            } else {
                ((state >> 40) % 120) as i32 + 2800
            };
            let next = reference.len() as u32;
            let want = *reference.entry((combo, period)).or_insert(next);
            let (got, new) = ix.slot(combo, period, next);
            assert_eq!(got, want);
            assert_eq!(new, want == next);
        }
        assert!(!ix.sparse.is_empty(), "far periods use the map");
        assert!(ix.cells <= 16 * reference.len() + 4096);
    }

    #[test]
    fn combos_of_several_dimensions() {
        let mut ix = SlotIndex::new();
        assert_eq!(ix.combo(&[]), 0);
        assert_eq!(ix.combo(&[5]), 5);
        assert_eq!(ix.combo(&[1, 2]), 0);
        assert_eq!(ix.combo(&[2, 1]), 1);
        assert_eq!(ix.combo(&[1, 2]), 0);
        let (s, new) = ix.slot(0, i32::MIN, 0);
        assert_eq!((s, new), (0, true));
        assert_eq!(ix.slot(0, i32::MAX, 1), (1, true));
        assert_eq!(ix.slot(0, i32::MIN, 2), (0, false));
        assert_eq!(ix.slot(0, i32::MAX, 2), (1, false));
    }
}
