//! One fused pass over a source: every filter and aggregate of the source is updated
//! from the same row. Each chunk of the file gets its own [`SourceSink`]; their
//! partial results are merged afterwards.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::compile::graph::NodeId;
use crate::data::period::{period_of_day, Grain};
use crate::data::scan::{BadRow, RowSink};
use crate::data::time::TimeParser;
use crate::syntax::ast::AggFunc;

use super::accum::{nan_max, nan_min, AccVec};
use super::row::{parse_bool, parse_fixed, Filter, RowVal};

/// Most columns one source scan may read.
pub const MAX_COLUMNS: usize = 64;
/// Most `--by` dimensions.
pub const MAX_DIMS: usize = 7;

/// How a column is viewed in filters and aggregations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColKind {
    Str,
    Num,
    Bool,
    Date,
}

#[derive(Clone, Debug)]
pub struct AggPlan {
    pub node: NodeId,
    pub func: AggFunc,
    pub column: Option<usize>,
    pub fraction: Option<f64>,
    pub filter: Option<Filter>,
}

/// Everything needed to scan one source.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    pub source: usize,
    pub name: String,
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub kinds: Vec<ColKind>,
    pub time: Option<usize>,
    pub dims: Vec<usize>,
    pub aggs: Vec<AggPlan>,
    pub grain: Grain,
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// Keep rows of whole periods before `from` (window functions read them).
    pub keep_before: bool,
    pub tz: jiff::tz::TimeZone,
    /// Text columns whose filter comparisons are coded, with their constants
    /// (see [`super::row::encode_filters`]); at most [`super::row::MAX_CODED`].
    pub coded: Vec<(usize, Vec<Vec<u8>>)>,
}

type Key = [u32; MAX_DIMS + 1];

/// Per-chunk state of a scan.
pub struct SourceSink<'p> {
    plan: &'p SourcePlan,
    time: TimeParser,
    dicts: Vec<HashMap<Vec<u8>, u32, foldhash::fast::RandomState>>,
    names: Vec<Vec<Vec<u8>>>,
    groups: HashMap<Key, u32, foldhash::fast::RandomState>,
    /// The same map for up to three dimensions, keyed by the ids and period packed
    /// into one `u128` (hashed in a few instructions, unlike the 32-byte array).
    small_groups: HashMap<u128, u32, foldhash::fast::RandomState>,
    pub keys: Vec<Key>,
    /// Rows per group slot.
    pub rows: Vec<u64>,
    pub accs: Vec<AccVec>,
    nums: Vec<f64>,
    fixed: Vec<Option<i128>>,
    pub min_day: i32,
    pub max_day: i32,
    from_period: i32,
}

impl<'p> SourceSink<'p> {
    pub fn new(plan: &'p SourcePlan) -> SourceSink<'p> {
        SourceSink {
            plan,
            time: TimeParser::new(plan.tz.clone()),
            dicts: vec![HashMap::default(); plan.dims.len()],
            names: vec![Vec::new(); plan.dims.len()],
            groups: HashMap::default(),
            small_groups: HashMap::default(),
            keys: Vec::new(),
            rows: Vec::new(),
            accs: plan.aggs.iter().map(|a| AccVec::new(a.func)).collect(),
            nums: vec![f64::NAN; plan.columns.len()],
            fixed: vec![None; plan.columns.len()],
            min_day: i32::MAX,
            max_day: i32::MIN,
            from_period: plan.from.map_or(i32::MIN, |f| period_of_day(plan.grain, f)),
        }
    }

    /// The dimension values of a group slot.
    pub fn dim_values(&self, slot: usize) -> Vec<String> {
        let key = &self.keys[slot];
        (0..self.plan.dims.len())
            .map(|d| String::from_utf8_lossy(&self.names[d][key[d] as usize]).into_owned())
            .collect()
    }

    pub fn period(&self, slot: usize) -> i32 {
        self.keys[slot][MAX_DIMS] as i32
    }

    fn day_of(&mut self, field: &[u8], col: usize) -> Result<i32, BadRow> {
        if field.is_empty() {
            return Err(BadRow::field(col, "missing timestamp"));
        }
        if let Some(secs) = self.time.parse(field) {
            return Ok(secs.div_euclid(86_400) as i32);
        }
        // A month (`2026-01`) as used by monthly sources such as quotas.
        if field.len() == 7 && field[4] == b'-' {
            if let Ok(s) = std::str::from_utf8(field) {
                if let (Ok(y), Ok(m)) = (s[..4].parse::<i32>(), s[5..].parse::<u32>()) {
                    if (1..=12).contains(&m) {
                        return Ok(crate::data::period::day_number(y, m, 1));
                    }
                }
            }
        }
        Err(BadRow::field(
            col,
            format!(
                "expected an ISO-8601 date or timestamp (2026-01-05, 2026-01-05T09:00:00, ..Z or +01:00), found `{}`",
                String::from_utf8_lossy(field)
            ),
        ))
    }

    fn slot(&mut self, fields: &[&[u8]], period: i32) -> u32 {
        let mut key: Key = [0; MAX_DIMS + 1];
        for (d, &c) in self.plan.dims.iter().enumerate() {
            let v = fields[c];
            let id = match self.dicts[d].get(v) {
                Some(&id) => id,
                None => {
                    let id = self.names[d].len() as u32;
                    self.names[d].push(v.to_vec());
                    self.dicts[d].insert(v.to_vec(), id);
                    id
                }
            };
            key[d] = id;
        }
        key[MAX_DIMS] = period as u32;
        let s = self.keys.len() as u32;
        if self.plan.dims.len() <= 3 {
            let small = u128::from(key[0])
                | u128::from(key[1]) << 32
                | u128::from(key[2]) << 64
                | u128::from(key[MAX_DIMS]) << 96;
            match self.small_groups.entry(small) {
                std::collections::hash_map::Entry::Occupied(e) => return *e.get(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(s);
                }
            }
        } else {
            if let Some(&g) = self.groups.get(&key) {
                return g;
            }
            self.groups.insert(key, s);
        }
        self.keys.push(key);
        self.rows.push(0);
        for a in &mut self.accs {
            a.grow();
        }
        s
    }
}

/// Convert the raw fields of a row to typed values (`kinds[i]` says how), validating
/// every field first. Plain decimals are also kept exactly in `fixed` (10^-6 units).
pub fn typed_row<'a>(
    kinds: &[ColKind],
    fields: &[&'a [u8]],
    time: &mut TimeParser,
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
) -> Result<[RowVal<'a>; MAX_COLUMNS], BadRow> {
    let mut vals = [RowVal::Null; MAX_COLUMNS];
    typed_row_into(kinds, fields, time, fixed, nums, &mut vals)?;
    Ok(vals)
}

/// [`typed_row`] into `vals` (at least `kinds.len()` long): the hot path of a scan
/// keeps the row on the stack, sized to the plan, instead of moving a 64-column array.
#[inline]
pub fn typed_row_into<'a>(
    kinds: &[ColKind],
    fields: &[&'a [u8]],
    time: &mut TimeParser,
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
    vals: &mut [RowVal<'a>],
) -> Result<(), BadRow> {
    for (i, kind) in kinds.iter().enumerate() {
        let f = fields[i];
        if f.is_empty() {
            fixed[i] = None;
            continue;
        }
        vals[i] = match kind {
            ColKind::Str => RowVal::Str(f),
            ColKind::Num => {
                let exact = parse_fixed(f);
                fixed[i] = exact;
                let x = match exact {
                    Some(v) => v as f64 / super::row::DEC_SCALE as f64,
                    None => match std::str::from_utf8(f)
                        .ok()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                    {
                        Some(x) if x.is_finite() => x,
                        _ => {
                            return Err(BadRow::field(
                                i,
                                format!(
                                    "expected a number, found `{}`",
                                    String::from_utf8_lossy(f)
                                ),
                            ))
                        }
                    },
                };
                nums[i] = x;
                RowVal::Num(x)
            }
            ColKind::Bool => match parse_bool(f) {
                Some(b) => RowVal::Bool(b),
                None => {
                    return Err(BadRow::field(
                        i,
                        format!(
                            "expected true or false, found `{}`",
                            String::from_utf8_lossy(f)
                        ),
                    ))
                }
            },
            ColKind::Date => match time.parse(f) {
                Some(s) => RowVal::Date(s.div_euclid(86_400) as i32),
                None => {
                    return Err(BadRow::field(
                        i,
                        format!("expected a date, found `{}`", String::from_utf8_lossy(f)),
                    ))
                }
            },
        };
    }
    Ok(())
}

impl RowSink for SourceSink<'_> {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        let plan = self.plan;
        // 1. Validate and convert every field before touching any state.
        let mut day = 0;
        let period = match plan.time {
            Some(t) => {
                day = self.day_of(fields[t], t)?;
                if plan.to.is_some_and(|to| day > to) {
                    return Ok(());
                }
                let p = period_of_day(plan.grain, day);
                if let Some(from) = plan.from {
                    if day < from && !(plan.keep_before && p < self.from_period) {
                        return Ok(());
                    }
                }
                self.min_day = self.min_day.min(day);
                self.max_day = self.max_day.max(day);
                p
            }
            None => 0,
        };
        match plan.kinds.len() {
            0..=8 => self.accept::<8>(fields, day, period),
            9..=16 => self.accept::<16>(fields, day, period),
            _ => self.accept::<MAX_COLUMNS>(fields, day, period),
        }
    }
}

impl SourceSink<'_> {
    /// Step 2 of [`RowSink::row`]: type the row (on the stack, `N` >= its columns)
    /// and update the group's accumulators.
    #[inline(always)]
    fn accept<const N: usize>(
        &mut self,
        fields: &[&[u8]],
        day: i32,
        period: i32,
    ) -> Result<(), BadRow> {
        let plan = self.plan;
        let mut vals = [RowVal::Null; N];
        typed_row_into(
            &plan.kinds,
            fields,
            &mut self.time,
            &mut self.fixed,
            &mut self.nums,
            &mut vals,
        )?;
        // The event time is the local day (in the settings' time zone), so filters such
        // as `ts >= 2026-03-29` compare days, not the text of an offset timestamp.
        if let Some(t) = plan.time {
            vals[t] = RowVal::Date(day);
        }
        let row = &vals[..plan.kinds.len()];
        let mut codes = [super::row::CODE_NULL; super::row::MAX_CODED];
        for (code, (c, values)) in codes.iter_mut().zip(&plan.coded) {
            *code = super::row::code_of(row[*c], values);
        }
        // 2. Update the group's accumulators.
        let slot = self.slot(fields, period) as usize;
        self.rows[slot] += 1;
        for (a, acc) in plan.aggs.iter().zip(self.accs.iter_mut()) {
            if let Some(f) = &a.filter {
                if !f.test_coded(row, &codes) {
                    continue;
                }
            }
            match acc {
                AccVec::Count(v) => {
                    if a.column.is_none_or(|c| row[c] != RowVal::Null) {
                        v[slot] += 1;
                    }
                }
                AccVec::Sum(v) => {
                    let Some(c) = a.column else { continue };
                    if row[c] == RowVal::Null {
                        continue;
                    }
                    let s = &mut v[slot];
                    s.n += 1;
                    match self.fixed[c] {
                        Some(x) => s.fixed += x,
                        None => {
                            s.float += self.nums[c];
                            s.inexact = true;
                        }
                    }
                }
                AccVec::Min(v) | AccVec::Max(v) => {
                    let Some(c) = a.column else { continue };
                    let x = match row[c] {
                        RowVal::Num(x) => x,
                        RowVal::Date(d) => d as f64,
                        _ => continue,
                    };
                    v[slot] = if a.func == AggFunc::Min {
                        nan_min(v[slot], x)
                    } else {
                        nan_max(v[slot], x)
                    };
                }
                AccVec::Distinct(v) => {
                    let Some(c) = a.column else { continue };
                    let f = fields[c];
                    if !f.is_empty() && !v[slot].contains(f) {
                        v[slot].insert(f.to_vec());
                    }
                }
                AccVec::Values(v) => {
                    let Some(c) = a.column else { continue };
                    if let RowVal::Num(x) = row[c] {
                        v[slot].push(x);
                    }
                }
            }
        }
        Ok(())
    }
}
