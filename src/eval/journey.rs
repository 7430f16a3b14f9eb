//! Journey funnels: entities (e.g. accounts) that reach step 1, then step 2, .. in
//! time order, each step within `within` of the previous one. An entity is counted
//! in the group and period of its first step-1 event.
//!
//! A journey rides along the scan of its source ([`Rider`] in the source's plan):
//! the source's sinks collect the step events of every row with its place in the
//! file; after the scan they are put together per entity, in time and then file
//! order, and counted.

use std::collections::HashMap;

use crate::data::period::period_of_day;
use crate::syntax::ast::AggFunc;

use super::accum::AccVec;
use super::intern::Interner;
use super::merge::{Groups, Merged};
use super::row::RowVal;
use super::scan::{AggPlan, SourceSink, MAX_DIMS};
use crate::plan::filter::Filter;
use crate::plan::Request;
pub use crate::plan::Rider;

#[derive(Clone, Copy)]
struct Event {
    secs: i64,
    /// Where the row is in the file: chunk (high 24 bits), then line (see
    /// [`RowSink::begin_chunk`]), so that ties keep the file order.
    ///
    /// [`RowSink::begin_chunk`]: crate::data::scan::RowSink::begin_chunk
    seq: u64,
    entity: u32,
    mask: u32,
    group: u32,
}

/// One sink's step events of one rider, with its entities and groups (the sink's
/// dimension ids).
#[derive(Default)]
pub struct RiderEvents {
    /// How many `--by` dimensions the groups have.
    ndims: usize,
    /// The `--by` dimension whose values are the entities (its ids serve as the
    /// entity ids, with no interning of their own), if one is.
    entity_dim: Option<usize>,
    entities: Interner,
    groups: HashMap<[u32; MAX_DIMS], u32, foldhash::fast::RandomState>,
    group_keys: Vec<[u32; MAX_DIMS]>,
    events: Vec<Event>,
    /// Events per entity id, so that they can be grouped by entity in one pass.
    per_entity: Vec<u32>,
    /// When every step compares the same coded column with a constant (`type ==
    /// "meeting"`): that coded slot, and the steps' mask per code.
    by_code: Option<(usize, Box<[u32; 256]>)>,
}

impl Rider {
    /// The steps the row passes, as bits (`codes`: the row's coded text columns).
    #[inline]
    pub fn mask(&self, row: &[RowVal], codes: &[u8]) -> u32 {
        let mut mask = 0u32;
        for (k, f) in self.steps.iter().enumerate() {
            // The usual step (`type == "visit"`) without a call.
            let pass = match f {
                Filter::CodeEq { slot, code, negate } => {
                    let c = codes[*slot as usize];
                    c != crate::plan::filter::CODE_NULL && ((c == *code) != *negate)
                }
                _ => f.test_coded(row, codes),
            };
            if pass {
                mask |= 1 << k;
            }
        }
        mask
    }
}

impl RiderEvents {
    /// The events of `rider`, whose entities are the values of `--by` dimension
    /// `entity_dim` (if any) of `ndims`.
    pub fn new(rider: &Rider, ndims: usize, entity_dim: Option<usize>) -> RiderEvents {
        RiderEvents {
            ndims,
            entity_dim,
            by_code: mask_table(rider),
            ..RiderEvents::default()
        }
    }

    /// The steps the row passes, as bits ([`Rider::mask`], by table when it can).
    #[inline(always)]
    pub fn mask(&self, rider: &Rider, row: &[RowVal], codes: &[u8]) -> u32 {
        match &self.by_code {
            Some((slot, table)) => table[codes[*slot] as usize],
            None => rider.mask(row, codes),
        }
    }

    /// Records an event of `entity` (non-empty) passing the steps in `mask` (non-zero).
    #[inline]
    pub fn add(
        &mut self,
        entity: &[u8],
        ids: &[u32; MAX_DIMS],
        secs: i64,
        mask: u32,
        (chunk, line): (u32, u64),
    ) {
        let entity = match self.entity_dim {
            Some(d) => ids[d],
            None => self.entities.intern(entity).0,
        };
        match self.per_entity.get_mut(entity as usize) {
            Some(n) => *n += 1,
            None => self.new_entity(entity),
        }
        // One dimension (or none): its value id is the group; more: a tuple id.
        let group = if self.ndims <= 1 {
            ids[0]
        } else {
            let next = self.group_keys.len() as u32;
            let group = *self.groups.entry(*ids).or_insert_with(|| next);
            if group == next {
                self.group_keys.push(*ids);
            }
            group
        };
        self.events.push(Event {
            secs,
            seq: (u64::from(chunk) << 40) | line.min((1 << 40) - 1),
            entity,
            mask,
            group,
        });
    }
}

/// The steps' mask per code of their one coded column, when every step is an
/// equality (or inequality) of that column with a constant.
fn mask_table(rider: &Rider) -> Option<(usize, Box<[u32; 256]>)> {
    let mut slot = None;
    for f in &rider.steps {
        match f {
            Filter::CodeEq { slot: s, .. } if slot.is_none_or(|x| x == *s) => slot = Some(*s),
            _ => return None,
        }
    }
    let slot = slot?;
    let mut table = Box::new([0u32; 256]);
    for (c, m) in table.iter_mut().enumerate() {
        let c = c as u8;
        for (k, f) in rider.steps.iter().enumerate() {
            if let Filter::CodeEq { code, negate, .. } = f {
                if c != crate::plan::filter::CODE_NULL && ((c == *code) != *negate) {
                    *m |= 1 << k;
                }
            }
        }
    }
    Some((slot as usize, table))
}

impl RiderEvents {
    /// The first event of an entity id beyond those counted so far.
    #[cold]
    #[inline(never)]
    fn new_entity(&mut self, entity: u32) {
        self.per_entity.resize(entity as usize + 1, 0);
        self.per_entity[entity as usize] = 1;
    }
}

/// Count rider `k` of a scan's sinks: one `Count` state per step,
/// keyed by (group, period of step 1).
pub fn count(
    rider: &Rider,
    k: usize,
    sinks: &mut [SourceSink],
    req: &Request,
    groups: &mut Groups,
) -> (Merged, Vec<AggPlan>) {
    let p = rider;
    let aggs: Vec<AggPlan> = p
        .nodes
        .iter()
        .map(|&node| AggPlan {
            node,
            func: AggFunc::Count,
            column: None,
            fraction: None,
            filter: None,
        })
        .collect();
    let mut m = Merged {
        slots: HashMap::default(),
        rows: Vec::new(),
        accs: aggs.iter().map(|a| AccVec::new(a.func)).collect(),
        min_day: i32::MAX,
        max_day: i32::MIN,
    };
    // Global entity and group ids. Entities are independent: their events are
    // sorted and walked in parts (by entity id) on the request's threads; each
    // counted entity gives (group, day of its first step, steps reached).
    let parts = req.threads.clamp(1, 16);
    let mut entities: HashMap<Vec<u8>, u32, foldhash::fast::RandomState> = HashMap::default();
    // Per sink: its events, and its entity and group ids made global.
    let mut local: Vec<Local> = Vec::with_capacity(sinks.len());
    for sink in sinks.iter_mut() {
        let mut ev = std::mem::take(&mut sink.riders[k]);
        let dims: Vec<&Interner> = sink.dim_interners();
        let names = match ev.entity_dim {
            Some(d) => dims[d],
            None => &ev.entities,
        };
        let ent: Vec<u32> = (0..names.len() as u32)
            .map(|e| {
                let bytes = names.value(e);
                let next = entities.len() as u32;
                *entities.entry(bytes.to_vec()).or_insert(next)
            })
            .collect();
        let keys: Vec<[u32; MAX_DIMS]> = if ev.ndims <= 1 {
            let values = dims.first().map_or(1, |d| d.len().max(1));
            (0..values as u32)
                .map(|id| {
                    let mut k = [0; MAX_DIMS];
                    k[0] = id;
                    k
                })
                .collect()
        } else {
            std::mem::take(&mut ev.group_keys)
        };
        let grp: Vec<u32> = keys
            .iter()
            .map(|ids| {
                groups.id(dims
                    .iter()
                    .zip(ids)
                    .map(|(d, &id)| String::from_utf8_lossy(d.value(id)).into_owned())
                    .collect())
            })
            .collect();
        local.push(Local {
            events: ev.events,
            entity: ent,
            group: grp,
            per_entity: ev.per_entity,
        });
    }
    let (within, steps) = (p.within, p.steps.len());
    let local = &local;
    let n_entities = entities.len();
    let reached: Vec<Vec<(u32, i32, usize)>> = crate::data::on_threads(parts, |me| {
        walk(&by_entity(local, n_entities, parts, me), steps, within)
    });
    let mut counted: Vec<(u32, i32, usize)> = reached.into_iter().flatten().collect();
    // The slots in the order of a walk over all entities at once.
    counted.sort_unstable();
    for (group, day, depth) in counted {
        if req.from.is_some_and(|f| day < f) || req.to.is_some_and(|t| day > t) {
            continue;
        }
        m.min_day = m.min_day.min(day);
        m.max_day = m.max_day.max(day);
        let key = (group, period_of_day(req.grain, day));
        let slot = match m.slots.get(&key) {
            Some(&s) => s,
            None => {
                let s = m.rows.len();
                m.slots.insert(key, s);
                m.rows.push(0);
                for a in &mut m.accs {
                    a.grow();
                }
                s
            }
        };
        m.rows[slot] += 1;
        for k in 0..depth {
            if let AccVec::Count(v) = &mut m.accs[k] {
                v[slot] += 1;
            }
        }
    }
    (m, aggs)
}

/// One sink's events of a rider, with its entity and group ids made global.
struct Local {
    events: Vec<Event>,
    /// Global entity id per local one.
    entity: Vec<u32>,
    /// Global group id per local one.
    group: Vec<u32>,
    /// Events per local entity id.
    per_entity: Vec<u32>,
}

/// The events of part `me` of `parts` (the entities whose global id is `me` modulo
/// `parts`) of every sink's `(events, global entity ids, global group ids)`, with
/// global ids, grouped by entity and sorted within each entity by time, later steps
/// first, then place in the file. The grouping is a counting sort straight from the
/// sinks' events, which keeps each entity's events in the order the scan met them (in
/// time order for a time-ordered export); the sort within an entity is stable and
/// finds those runs already in order.
fn by_entity(local: &[Local], n_entities: usize, parts: usize, me: usize) -> Vec<Event> {
    // Events per entity of this part (entity `g` is the `g / parts`-th), and per
    // sink's entity its place in `at` (none: another part's).
    let mut at = vec![0usize; n_entities.div_ceil(parts.max(1)) + 1];
    let mut first = None;
    let mut place: Vec<Vec<u32>> = Vec::with_capacity(local.len());
    for l in local {
        let mut mine = vec![u32::MAX; l.entity.len()];
        for (e, &g) in l.entity.iter().enumerate() {
            let g = g as usize;
            if g % parts == me {
                mine[e] = (g / parts) as u32;
                at[g / parts] += l.per_entity.get(e).copied().unwrap_or(0) as usize;
            }
        }
        if first.is_none() {
            first = l
                .events
                .iter()
                .find(|e| mine[e.entity as usize] != u32::MAX)
                .copied();
        }
        place.push(mine);
    }
    let Some(first) = first else {
        return Vec::new();
    };
    let mut sum = 0;
    let mut bounds = Vec::with_capacity(at.len() + 1);
    for a in at.iter_mut() {
        bounds.push(sum);
        sum += std::mem::replace(a, sum);
    }
    bounds.push(sum);
    let mut sorted = vec![first; sum];
    for (l, mine) in local.iter().zip(&place) {
        for e in &l.events {
            let i = mine[e.entity as usize];
            if i != u32::MAX {
                let slot = &mut at[i as usize];
                sorted[*slot] = Event {
                    entity: l.entity[e.entity as usize],
                    group: l.group[e.group as usize],
                    ..*e
                };
                *slot += 1;
            }
        }
    }
    for w in bounds.windows(2) {
        sorted[w[0]..w[1]].sort_by_key(|e| (e.secs, std::cmp::Reverse(e.mask), e.seq));
    }
    sorted
}

/// Walk each entity of `events` (grouped by entity and sorted, see [`by_entity`])
/// through the steps: its group and the day of its first step-1 event, and how many
/// steps it reached (entities that never pass step 1 are left out).
fn walk(events: &[Event], n: usize, within: i64) -> Vec<(u32, i32, usize)> {
    let mut out = Vec::new();
    let mut reached: Vec<Option<i64>> = vec![None; n];
    for one in events.chunk_by(|a, b| a.entity == b.entity) {
        reached.iter_mut().for_each(|r| *r = None);
        let mut first: Option<Event> = None;
        for &e in one {
            for k in (0..n).rev() {
                if e.mask & (1 << k) == 0 {
                    continue;
                }
                if k == 0 {
                    reached[0] = Some(e.secs);
                    first.get_or_insert(e);
                } else if let Some(prev) = reached[k - 1] {
                    if e.secs - prev <= within && e.secs >= prev {
                        reached[k] = Some(e.secs);
                    }
                }
            }
        }
        let Some(first) = first else { continue };
        let depth = reached
            .iter()
            .rposition(|r| r.is_some())
            .map_or(0, |k| k + 1);
        out.push((first.group, first.secs.div_euclid(86_400) as i32, depth));
    }
    out
}
