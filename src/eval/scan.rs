//! One fused pass over a source: every filter and aggregate of the source is updated
//! from the same row. Each chunk of the file gets its own [`SourceSink`]; their
//! partial results are merged afterwards.

use crate::data::period::period_of_day;
use crate::data::scan::{BadRow, RowSink};
use crate::data::time::TimeParser;
use crate::syntax::ast::AggFunc;

use super::accum::{nan_max, nan_min, AccVec};
use super::classes::Classes;
use super::codes::CodeTable;
use super::intern::Interner;
use super::row::RowVal;
use super::slots::SlotIndex;
pub use crate::plan::{AggPlan, ColKind, SourcePlan, MAX_COLUMNS, MAX_DIMS};

mod cells;
mod typing;

use typing::{fixed_to_f64, type_columns, type_field};

type Key = [u32; MAX_DIMS + 1];

/// Per-chunk state of a scan.
pub struct SourceSink<'p> {
    plan: &'p SourcePlan,
    /// The loaded tables of the plan's lookups.
    tables: &'p [super::lookup::LookupTable],
    time: TimeParser,
    /// Per dimension: its column and the ids of its values.
    dims: Vec<(usize, Interner)>,
    /// Per dimension that a lookup gives: the column of the lookup row, and the
    /// dimension's id per lookup row (+1; 0: no row), filled as rows come.
    pub joins: super::joins::Joins,
    /// The derived columns computed per row (indexes into the plan's): all but the
    /// lookup dimensions read only as `--by` dimensions.
    active: Vec<u32>,
    /// Per coded slot: its column and the codes of its constants.
    coded: Vec<(usize, CodeTable)>,
    index: SlotIndex,
    classes: Classes,
    /// The columns typed per row: every column but the text columns read only as
    /// dimensions, codes or the time (those need no conversion or check).
    typed: Vec<usize>,
    pub keys: Vec<Key>,
    /// Rows per group slot (complete after [`SourceSink::flush`]).
    pub rows: Vec<u64>,
    /// Rows per group slot and count group (see [`Classes::group`]), added to
    /// `rows` and the plain counts by [`SourceSink::flush`].
    counts: Vec<u64>,
    pub accs: Vec<AccVec>,
    nums: Vec<f64>,
    fixed: Vec<Option<i128>>,
    pub min_day: i32,
    pub max_day: i32,
    from_period: i32,
    /// The last day seen and its period.
    last_day: i32,
    last_period: i32,
    /// Whether `last_day` lies after the cut of its period (see [`crate::plan::Cut`]).
    last_cut: bool,
    /// Rows dated by a month (`2026-03`): values for a period, such as quotas.
    pub month_rows: u64,
    /// Per rider of the plan: its step events.
    pub riders: Vec<super::journey::RiderEvents>,
    /// The chunk being read (unordered scans; see [`RowSink::begin_chunk`]).
    chunk: u32,
    /// The derived columns read as text (dimensions, coded, distinct, entities).
    text_cols: Vec<usize>,
    /// The row's derived texts (reused from row to row).
    text: Vec<u8>,
    /// Typed rows ([`RowSink::cells`]); see [`cells::Typed`].
    typed_rows: Option<Box<cells::Typed>>,
}

impl<'p> SourceSink<'p> {
    pub fn new(plan: &'p SourcePlan, tables: &'p [super::lookup::LookupTable]) -> SourceSink<'p> {
        let sizes: Vec<usize> = plan.coded.iter().map(|(_, v)| v.len()).collect();
        let mut read = Vec::new();
        for a in &plan.aggs {
            read.extend(a.column);
            if let Some(f) = &a.filter {
                f.columns(&mut read);
            }
        }
        for r in &plan.riders {
            for f in &r.steps {
                f.columns(&mut read);
            }
        }
        for d in &plan.derived {
            d.calc.columns(&mut read);
        }
        // Dimensions a lookup gives are interned by lookup row, not by text.
        let mut texts: Vec<usize> = plan
            .dims
            .iter()
            .copied()
            .filter(|&c| {
                !plan.derived.iter().any(|d| {
                    d.col == c && matches!(d.calc, crate::plan::derive::Calc::LookupDim { .. })
                })
            })
            .collect();
        texts.extend(plan.coded.iter().map(|(c, _)| *c));
        texts.extend(plan.riders.iter().map(|r| r.entity));
        texts.extend(
            plan.aggs
                .iter()
                .filter(|a| a.func == AggFunc::CountDistinct)
                .filter_map(|a| a.column),
        );
        texts.retain(|&c| c >= plan.raw);
        texts.sort();
        texts.dedup();
        // Lookup dimensions read only as `--by` dimensions are interned by lookup
        // row; their values are not computed per row.
        let active = super::derive::active_derived(plan, &texts);
        let typed: Vec<usize> = (0..plan.raw)
            .filter(|&c| {
                plan.kinds[c] != ColKind::Str || (read.contains(&c) && Some(c) != plan.time)
            })
            .collect();
        let typed_rows = cells::Typed::new(plan, &typed);
        SourceSink {
            plan,
            tables,
            time: TimeParser::new(plan.tz.clone()),
            dims: plan.dims.iter().map(|&c| (c, Interner::new())).collect(),
            joins: super::joins::Joins::new(plan, &active),
            active,
            coded: plan
                .coded
                .iter()
                .map(|(c, values)| (*c, CodeTable::new(values)))
                .collect(),
            index: SlotIndex::new(),
            classes: Classes::build(&plan.aggs, &sizes),
            typed,
            keys: Vec::new(),
            rows: Vec::new(),
            counts: Vec::new(),
            accs: plan.aggs.iter().map(|a| AccVec::new(a.func)).collect(),
            nums: vec![f64::NAN; plan.columns.len()],
            fixed: vec![None; plan.columns.len()],
            min_day: i32::MAX,
            max_day: i32::MIN,
            from_period: plan.from.map_or(i32::MIN, |f| period_of_day(plan.grain, f)),
            last_day: i32::MIN,
            last_period: period_of_day(plan.grain, i32::MIN),
            last_cut: false,
            month_rows: 0,
            riders: plan
                .riders
                .iter()
                .map(|r| {
                    // A dimension whose values are the entities (not one a lookup
                    // gives): its ids serve as the entity ids.
                    let dim = plan.dims.iter().position(|&c| c == r.entity).filter(|&c| {
                        !plan.derived.iter().any(|d| {
                            d.col == plan.dims[c]
                                && matches!(d.calc, crate::plan::derive::Calc::LookupDim { .. })
                        })
                    });
                    super::journey::RiderEvents::new(r, plan.dims.len(), dim)
                })
                .collect(),
            chunk: 0,
            typed_rows,
            text_cols: texts,
            text: Vec::new(),
        }
    }

    /// The dictionaries of the dimension values, per `--by` dimension.
    pub fn dim_interners(&self) -> Vec<&Interner> {
        self.dims.iter().map(|(_, values)| values).collect()
    }

    /// The dimension values of a group slot.
    pub fn dim_values(&self, slot: usize) -> Vec<String> {
        let key = &self.keys[slot];
        self.dims
            .iter()
            .enumerate()
            .map(|(d, (_, values))| String::from_utf8_lossy(values.value(key[d])).into_owned())
            .collect()
    }

    /// A new day: its period, and whether the period's cut drops it.
    fn set_day(&mut self, day: i32) {
        self.last_day = day;
        self.last_period = period_of_day(self.plan.grain, day);
        self.last_cut = self
            .plan
            .cut
            .as_ref()
            .is_some_and(|c| day > c.last_day(self.last_period));
    }

    /// The period of a row of `day`, or `None` when the range or the period's cut
    /// drops it; the days seen are widened.
    #[inline(always)]
    fn admit(&mut self, day: i32) -> Option<i32> {
        let plan = self.plan;
        if plan.to.is_some_and(|to| day > to) {
            return None;
        }
        if day != self.last_day {
            self.set_day(day);
        }
        if self.last_cut {
            return None;
        }
        let p = self.last_period;
        if let Some(from) = plan.from {
            if day < from && !(plan.keep_before && p < self.from_period) {
                return None;
            }
        }
        self.min_day = self.min_day.min(day);
        self.max_day = self.max_day.max(day);
        Some(p)
    }

    pub fn period(&self, slot: usize) -> i32 {
        self.keys[slot][MAX_DIMS] as i32
    }

    fn day_of(&mut self, field: &[u8], col: usize) -> Result<i32, BadRow> {
        if field.is_empty() {
            return Err(BadRow::field(col, "missing timestamp"));
        }
        if let Some(day) = self.time.parse_day(field) {
            return Ok(day);
        }
        // A month (`2026-01`) as used by monthly sources such as quotas.
        if field.len() == 7 && field[4] == b'-' {
            if let Ok(s) = std::str::from_utf8(field) {
                if let (Ok(y), Ok(m)) = (s[..4].parse::<i32>(), s[5..].parse::<u32>()) {
                    if (1..=12).contains(&m) {
                        self.month_rows += 1;
                        return Ok(crate::data::period::day_number(y, m, 1));
                    }
                }
            }
        }
        let text = String::from_utf8_lossy(field);
        let hint = match crate::data::options::guess_time_format(&[text.trim()]) {
            Some(f) => format!("; if the file writes times this way, add `format \"{f}\"` to the source's `time` entry"),
            None => crate::data::options::field_hint(&text, false)
                .map(|h| format!("; {h}"))
                .unwrap_or_default(),
        };
        Err(BadRow::field(
            col,
            format!(
                "expected an ISO-8601 date or timestamp (2026-01-05, 2026-01-05T09:00:00, ..Z or +01:00), found `{text}`{hint}"
            ),
        ))
    }

    /// The row's dimension ids (into `ids`) and the codes of its coded columns
    /// (into `codes`).
    #[inline(always)]
    fn intern(
        &mut self,
        fields: &[&[u8]],
        row: &[RowVal],
        ids: &mut [u32; MAX_DIMS],
        codes: &mut [u8],
    ) {
        for (d, (id, (col, values))) in ids.iter_mut().zip(self.dims.iter_mut()).enumerate() {
            if !self.joins.is_lookup_dim(d) {
                *id = values.intern(fields[*col]).0;
            }
        }
        if !self.plan.lookups.is_empty() {
            self.joins
                .intern(self.tables, fields, row, ids, &mut self.dims);
        }
        for (code, (col, table)) in codes.iter_mut().zip(&self.coded) {
            *code = table.code(fields[*col]);
        }
    }

    /// The slot of (dimension ids, period), created if new.
    #[inline(always)]
    fn slot(&mut self, ids: &[u32; MAX_DIMS], period: i32) -> usize {
        let combo = self.index.combo(&ids[..self.dims.len()]);
        let next = self.keys.len() as u32;
        let (s, new) = self.index.slot(combo, period, next);
        if new {
            self.new_slot(ids, period);
        }
        s as usize
    }

    /// Adds the state of a new slot for (`ids`, `period`).
    #[cold]
    #[inline(never)]
    fn new_slot(&mut self, ids: &[u32; MAX_DIMS], period: i32) {
        let mut key: Key = [0; MAX_DIMS + 1];
        key[..MAX_DIMS].copy_from_slice(ids);
        key[MAX_DIMS] = period as u32;
        self.keys.push(key);
        self.rows.push(0);
        let groups = self.classes.groups();
        self.counts.resize(self.counts.len() + groups, 0);
        for a in &mut self.accs {
            a.grow();
        }
    }

    /// Adds the per-group row counters into `rows` and the plain counts, and sets
    /// them to zero: `rows` and `accs` are complete after it (the scan may go on,
    /// and a second call adds only what came since).
    pub fn flush(&mut self) {
        let groups = self.classes.groups();
        let (counts, rows, accs) = (&mut self.counts, &mut self.rows, &mut self.accs);
        for (slot, per_group) in counts.chunks_mut(groups).enumerate() {
            for (g, n) in per_group.iter_mut().enumerate() {
                let n = std::mem::take(n);
                if n == 0 {
                    continue;
                }
                rows[slot] += n;
                for (w, &word) in self.classes.group_aggs(g).iter().enumerate() {
                    let mut bits = word;
                    while bits != 0 {
                        let i = w * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if let AccVec::Count(v) = &mut accs[i] {
                            v[slot] += n;
                        }
                    }
                }
            }
        }
    }
}

impl RowSink for SourceSink<'_> {
    fn begin_chunk(&mut self, k: usize) {
        self.chunk = k as u32;
    }

    fn typed(&self) -> bool {
        self.typed_rows.is_some()
    }

    fn cell_rows(
        &mut self,
        line: u64,
        cols: &[&[crate::data::cell::Cell]],
        n: usize,
    ) -> Result<(), (usize, BadRow)> {
        self.typed_rows(line, cols, n)
    }

    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        let plan = self.plan;
        if !plan.riders.is_empty() {
            return match plan.kinds.len() {
                0..=8 => self.row_with_riders::<8>(line, fields),
                9..=16 => self.row_with_riders::<16>(line, fields),
                _ => self.row_with_riders::<MAX_COLUMNS>(line, fields),
            };
        }
        // 1. Validate and convert every field before touching any state.
        let mut day = 0;
        let period = match plan.time {
            Some(t) => {
                day = self.day_of(fields[t], t)?;
                match self.admit(day) {
                    Some(p) => p,
                    None => return Ok(()),
                }
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

impl<'p> SourceSink<'p> {
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
        type_columns(
            &plan.kinds,
            self.typed.iter().copied(),
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
        if !plan.derived.is_empty() && self.text_cols.is_empty() {
            // Derived values read as values only (row expressions of aggregates,
            // numbers in filters): the file's fields serve for the rest.
            super::derive::compute(
                &plan.derived,
                &self.active,
                &mut vals,
                &mut self.fixed,
                &mut self.nums,
                self.tables,
            );
        } else if !plan.derived.is_empty() {
            let mut text = std::mem::take(&mut self.text);
            let ext = self.derive_row(fields, &mut vals, &mut text);
            let row = &vals[..plan.kinds.len()];
            self.joins.note(row, &ext);
            let mut codes = [crate::plan::filter::CODE_NULL; crate::plan::filter::MAX_CODED];
            let mut ids = [0u32; MAX_DIMS];
            self.intern(&ext, row, &mut ids, &mut codes);
            self.update_slot(row, &ext, &ids, &codes, period);
            self.text = text;
            return Ok(());
        }
        let row = &vals[..plan.kinds.len()];
        if !plan.lookups.is_empty() {
            self.joins.note(row, fields);
        }
        let mut codes = [crate::plan::filter::CODE_NULL; crate::plan::filter::MAX_CODED];
        let mut ids = [0u32; MAX_DIMS];
        self.intern(fields, row, &mut ids, &mut codes);
        self.update_slot(row, fields, &ids, &codes, period);
        Ok(())
    }

    /// The rows of a source with journey riders: the whole row is typed and every
    /// rider sees it (journeys read rows outside `--from`/`--to` too: a step after
    /// the range still counts for an entity that started inside it); then the
    /// aggregates as in [`RowSink::row`].
    fn row_with_riders<const N: usize>(
        &mut self,
        line: u64,
        fields: &[&[u8]],
    ) -> Result<(), BadRow> {
        let plan = self.plan;
        let Some(t) = plan.time else {
            return Err(BadRow::row("a journey funnel needs the source's time"));
        };
        let day = self.day_of(fields[t], t)?;
        let mut vals = [RowVal::Null; N];
        type_columns(
            &plan.kinds,
            self.typed.iter().copied(),
            fields,
            &mut self.time,
            &mut self.fixed,
            &mut self.nums,
            &mut vals,
        )?;
        vals[t] = RowVal::Date(day);
        let mut text = std::mem::take(&mut self.text);
        let ext;
        let fields: &[&[u8]] = if plan.derived.is_empty() {
            fields
        } else {
            ext = self.derive_row(fields, &mut vals, &mut text);
            &ext
        };
        let row = &vals[..plan.kinds.len()];
        let mut codes = [crate::plan::filter::CODE_NULL; crate::plan::filter::MAX_CODED];
        let mut ids = [0u32; MAX_DIMS];
        self.intern(fields, row, &mut ids, &mut codes);
        let mut secs = None;
        for (r, events) in plan.riders.iter().zip(&mut self.riders) {
            let mask = events.mask(r, row, &codes);
            let entity = fields[r.entity];
            if mask == 0 || entity.is_empty() {
                continue;
            }
            // The time to the second, only for rows that are events.
            let s = match secs {
                Some(s) => s,
                None => {
                    let Some(s) = self.time.parse_on(fields[t], day) else {
                        return Err(BadRow::field(
                            t,
                            format!(
                                "expected an ISO-8601 date or timestamp, found `{}`",
                                String::from_utf8_lossy(fields[t])
                            ),
                        ));
                    };
                    *secs.insert(s)
                }
            };
            events.add(entity, &ids, s, mask, (self.chunk, line));
        }
        if plan.aggs.is_empty() || plan.to.is_some_and(|to| day > to) {
            return Ok(());
        }
        if day != self.last_day {
            self.set_day(day);
        }
        if self.last_cut {
            return Ok(());
        }
        let period = self.last_period;
        if let Some(from) = plan.from {
            if day < from && !(plan.keep_before && period < self.from_period) {
                return Ok(());
            }
        }
        self.min_day = self.min_day.min(day);
        self.max_day = self.max_day.max(day);
        if !plan.lookups.is_empty() {
            self.joins.note(row, fields);
        }
        self.update_slot(row, fields, &ids, &codes, period);
        self.text = text;
        Ok(())
    }

    /// The row's derived columns computed (see [`super::derive::derive_row`]): the
    /// row's fields with the derived columns' texts after the file's.
    #[inline(always)]
    fn derive_row<'a, const N: usize>(
        &mut self,
        fields: &[&'a [u8]],
        vals: &mut [RowVal<'a>; N],
        text: &'a mut Vec<u8>,
    ) -> [&'a [u8]; N]
    where
        'p: 'a,
    {
        super::derive::derive_row(
            self.plan,
            self.tables,
            &self.active,
            &self.text_cols,
            fields,
            vals,
            &mut self.fixed,
            &mut self.nums,
            text,
        )
    }

    /// Step 2 of [`RowSink::row`]: update the accumulators of the row's group.
    #[inline(always)]
    fn update_slot(
        &mut self,
        row: &[RowVal],
        fields: &[&[u8]],
        ids: &[u32; MAX_DIMS],
        codes: &[u8; crate::plan::filter::MAX_CODED],
        period: i32,
    ) {
        // 2. Update the group's accumulators: those whose filter passes for the
        // row's class, and those whose filter is tested per row and passes.
        let slot = self.slot(ids, period);
        let classes = &self.classes;
        let class = classes.class(codes);
        self.counts[slot * classes.groups() + classes.group(class)] += 1;
        if classes.has_rest(class) {
            self.update_rest(class, slot, row, fields, codes);
        }
    }

    /// Updates the accumulators of `slot` that are not counted by group: those
    /// whose filter passes for the row's class, and those whose filter is tested
    /// per row and passes. Out of line: most rows of a typical report need none.
    #[inline(never)]
    fn update_rest(
        &mut self,
        class: usize,
        slot: usize,
        row: &[RowVal],
        fields: &[&[u8]],
        codes: &[u8],
    ) {
        let plan = self.plan;
        let (fixed, nums) = (&self.fixed, &self.nums);
        let classes = &self.classes;
        for (w, (&pass, &test)) in classes
            .rest(class)
            .iter()
            .zip(classes.per_row(class))
            .enumerate()
        {
            let mut mask = pass;
            let mut rest = test;
            while rest != 0 {
                let i = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if classes.test(w * 64 + i, row, codes) {
                    mask |= 1 << i;
                }
            }
            while mask != 0 {
                let i = w * 64 + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                update(
                    &plan.aggs[i],
                    &mut self.accs[i],
                    slot,
                    row,
                    fields,
                    fixed,
                    nums,
                );
            }
        }
    }
}

/// Adds a row that passed `a`'s filter to slot `slot` of its accumulator.
#[inline(always)]
fn update(
    a: &AggPlan,
    acc: &mut AccVec,
    slot: usize,
    row: &[RowVal],
    fields: &[&[u8]],
    fixed: &[Option<i128>],
    nums: &[f64],
) {
    match acc {
        AccVec::Count(v) => {
            if a.column.is_none_or(|c| row[c] != RowVal::Null) {
                v[slot] += 1;
            }
        }
        AccVec::Sum(v) => {
            let Some(c) = a.column else { return };
            if row[c] == RowVal::Null {
                return;
            }
            let s = &mut v[slot];
            s.n += 1;
            match fixed[c] {
                Some(x) => s.fixed += x,
                None => {
                    s.float += nums[c];
                    s.inexact = true;
                }
            }
        }
        AccVec::Min(v) | AccVec::Max(v) => {
            let Some(c) = a.column else { return };
            let x = match row[c] {
                RowVal::Num(x) => x,
                RowVal::Date(d) => d as f64,
                _ => return,
            };
            v[slot] = if a.func == AggFunc::Min {
                nan_min(v[slot], x)
            } else {
                nan_max(v[slot], x)
            };
        }
        AccVec::Distinct(v) => {
            let Some(c) = a.column else { return };
            let f = fields[c];
            if !f.is_empty() && !v[slot].contains(f) {
                v[slot].insert(f.to_vec());
            }
        }
        AccVec::Values(v) => {
            let Some(c) = a.column else { return };
            if let RowVal::Num(x) = row[c] {
                v[slot].push(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::graph::NodeId;
    use crate::data::period::Grain;
    use crate::plan::filter::Filter;
    use std::path::PathBuf;

    fn count(filter: Option<Filter>, column: Option<usize>) -> AggPlan {
        AggPlan {
            node: NodeId(0),
            func: AggFunc::Count,
            column,
            fraction: None,
            filter,
        }
    }

    /// Rows counted by count group end up in `rows` and the plain counts at
    /// flush, alongside the counts updated row by row; flushing again adds only
    /// the rows since.
    #[test]
    fn count_groups_flush_into_the_counts() {
        let is = |code| {
            Some(Filter::CodeEq {
                slot: 0,
                code,
                negate: false,
            })
        };
        let plan = SourcePlan {
            source: 0,
            name: "a".into(),
            path: PathBuf::from("a.csv"),
            columns: vec!["rep".into(), "type".into(), "amount".into()],
            kinds: vec![ColKind::Str, ColKind::Str, ColKind::Num],
            read: Default::default(),
            time: None,
            dims: vec![0],
            aggs: vec![
                count(None, None),  // grouped: every row
                count(is(0), None), // grouped: calls
                count(is(1), None), // grouped: emails
                count(
                    Some(Filter::CodeEq {
                        slot: 0,
                        code: 0,
                        negate: true,
                    }),
                    None,
                ), // grouped: a type other than call (not an empty one)
                count(is(0), Some(2)), // row by row: calls with an amount
            ],
            grain: Grain::All,
            from: None,
            to: None,
            keep_before: false,
            cut: None,
            tz: jiff::tz::TimeZone::UTC,
            coded: vec![(1, vec![b"call".to_vec(), b"email".to_vec()])],
            riders: Vec::new(),
            derived: Vec::new(),
            raw: 3,
            lookups: Vec::new(),
        };
        let mut sink = SourceSink::new(&plan, &[]);
        assert!(sink.classes.groups() > 1, "the plain counts are grouped");
        let rows: [[&[u8]; 3]; 7] = [
            [b"ann", b"call", b"5"],
            [b"ann", b"call", b""],
            [b"ann", b"email", b""],
            [b"bob", b"call", b"7"],
            [b"bob", b"visit", b""],
            [b"bob", b"", b""],
            [b"ann", b"call", b"1"],
        ];
        for r in &rows[..6] {
            sink.row(1, r).unwrap();
        }
        sink.flush();
        let counts = |sink: &SourceSink, slot: usize| -> Vec<u64> {
            let mut v = vec![sink.rows[slot]];
            v.extend(sink.accs.iter().map(|a| match a {
                AccVec::Count(c) => c[slot],
                _ => unreachable!(),
            }));
            v
        };
        // Slot 0 is ann, slot 1 bob: rows, all, calls, emails, not calls, calls
        // with an amount.
        assert_eq!(counts(&sink, 0), [3, 3, 2, 1, 1, 1]);
        assert_eq!(counts(&sink, 1), [3, 3, 1, 0, 1, 1]);
        sink.flush();
        assert_eq!(
            counts(&sink, 0),
            [3, 3, 2, 1, 1, 1],
            "a second flush adds nothing"
        );
        sink.row(1, &rows[6]).unwrap();
        sink.flush();
        assert_eq!(counts(&sink, 0), [4, 4, 3, 1, 1, 2]);
        assert_eq!(counts(&sink, 1), [3, 3, 1, 0, 1, 1]);
    }
}
