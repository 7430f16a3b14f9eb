//! Merging the per-chunk partial results of every source into one keyed table:
//! (dimension values, period) -> aggregate states.

use std::collections::HashMap;

use super::accum::AccVec;
use super::scan::{SourcePlan, SourceSink, MAX_DIMS};

/// A source's aggregates over all chunks, keyed by global group id and period.
pub struct Merged {
    pub slots: HashMap<(u32, i32), usize, foldhash::fast::RandomState>,
    pub rows: Vec<u64>,
    pub accs: Vec<AccVec>,
    pub min_day: i32,
    pub max_day: i32,
}

/// Global dictionary of dimension-value tuples.
#[derive(Default)]
pub struct Groups {
    pub ids: HashMap<Vec<String>, u32>,
    pub values: Vec<Vec<String>>,
}

impl Groups {
    pub fn id(&mut self, dims: Vec<String>) -> u32 {
        if let Some(&id) = self.ids.get(&dims) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(dims.clone());
        self.ids.insert(dims, id);
        id
    }
}

pub fn merge(plan: &SourcePlan, sinks: Vec<SourceSink>, groups: &mut Groups) -> Merged {
    let mut m = Merged {
        slots: HashMap::default(),
        rows: Vec::new(),
        accs: plan.aggs.iter().map(|a| AccVec::new(a.func)).collect(),
        min_day: i32::MAX,
        max_day: i32::MIN,
    };
    for mut sink in sinks {
        sink.flush();
        m.min_day = m.min_day.min(sink.min_day);
        m.max_day = m.max_day.max(sink.max_day);
        // The first chunk's state becomes the merged state as it is (its slots are
        // distinct groups and periods); later chunks are added slot by slot.
        let adopt = m.rows.is_empty();
        if adopt {
            m.rows = std::mem::take(&mut sink.rows);
            m.accs = std::mem::take(&mut sink.accs);
            m.slots.reserve(sink.keys.len());
        }
        // The chunk's dimension ids -> global group id, once per group rather than
        // once per (group, period) slot (dim_values allocates strings).
        let mut global: HashMap<[u32; MAX_DIMS], u32, foldhash::fast::RandomState> =
            HashMap::default();
        // Where each of the chunk's slots goes in the merged state.
        let mut to = Vec::with_capacity(if adopt { 0 } else { sink.keys.len() });
        for slot in 0..sink.keys.len() {
            let mut ids = [0u32; MAX_DIMS];
            ids.copy_from_slice(&sink.keys[slot][..MAX_DIMS]);
            let g = match global.get(&ids) {
                Some(&g) => g,
                None => {
                    let g = groups.id(sink.dim_values(slot));
                    global.insert(ids, g);
                    g
                }
            };
            let key = (g, sink.period(slot));
            if adopt {
                m.slots.insert(key, slot);
                continue;
            }
            let next = m.rows.len();
            let t = *m.slots.entry(key).or_insert(next);
            if t == next {
                m.rows.push(0);
            }
            m.rows[t] += sink.rows[slot];
            to.push(t);
        }
        if !adopt {
            for (a, b) in m.accs.iter_mut().zip(sink.accs.iter_mut()) {
                a.resize(m.rows.len());
                a.merge_all(b, &to);
            }
        }
    }
    m
}
