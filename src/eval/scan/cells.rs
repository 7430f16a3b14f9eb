//! Typed rows ([`RowSink::cells`], Parquet's values) for sources without derived
//! columns, lookups or journeys: the same results as the cells' text through
//! [`RowSink::row`], without writing and parsing it where the value is known
//! exactly. The event time's local day comes from the timestamp, integers and
//! decimals of up to 6 places become the exact 10^-6 units directly, and a
//! dimension or coded column's dictionary entry is interned (or coded) once per
//! dictionary. Every other case (floats, text in a typed column, dates outside
//! years 1..=9999, bad values) goes through the cell's text, so its result and
//! its error are the text path's.

use crate::data::cell::{Cell, DayCache, FIRST_PLAIN_DAY, LAST_PLAIN_DAY};
use crate::data::scan::BadRow;
use crate::data::time::TimeParser;
use crate::decimal::DEC_SCALE;
use crate::plan::filter::{CODE_NULL, MAX_CODED};
use crate::syntax::ast::AggFunc;

use super::{fixed_to_f64, type_field, ColKind, RowVal, SourcePlan, SourceSink};
use super::{MAX_COLUMNS, MAX_DIMS};

mod batch;

/// The state of typed rows beyond the text path's.
pub(super) struct Typed {
    /// Per column: whether its text is read (a dimension, a coded column, text
    /// in a filter, a distinct count).
    needs_text: Vec<bool>,
    /// Per dimension: the id of each entry of the last dictionary seen.
    dims: Vec<Entries<u32>>,
    /// Per coded column: the code of each entry of the last dictionary seen.
    codes: Vec<Entries<u8>>,
    /// The texts of the row's cells that are read as text but are not text.
    text: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// A cell's text for the text path.
    scratch: Vec<u8>,
    days: Vec<DayCache>,
    /// The columns of a batch of rows, worked out column by column.
    lanes: batch::Lanes,
}

/// What each entry of one dictionary maps to, filled as entries come.
struct Entries<T> {
    dict: Option<u32>,
    values: Vec<Option<T>>,
}

impl<T: Copy> Entries<T> {
    fn new() -> Entries<T> {
        Entries {
            dict: None,
            values: Vec::new(),
        }
    }

    /// What entry `k` of `dict` maps to, if known.
    #[inline(always)]
    fn known(&mut self, dict: u32, k: u32) -> Option<T> {
        if self.dict != Some(dict) {
            self.dict = Some(dict);
            self.values.clear();
        }
        self.values.get(k as usize).copied().flatten()
    }

    #[inline(always)]
    fn get(&mut self, dict: u32, k: u32, make: impl FnOnce() -> T) -> T {
        if self.dict != Some(dict) {
            self.dict = Some(dict);
            self.values.clear();
        }
        let k = k as usize;
        if let Some(Some(v)) = self.values.get(k) {
            return *v;
        }
        let v = make();
        if k >= self.values.len() {
            self.values.resize(k + 1, None);
        }
        self.values[k] = Some(v);
        v
    }
}

impl Typed {
    /// The typed-row state of `plan` (`typed`: the columns typed per row), or
    /// `None` if its rows go through their text (derived columns, lookups,
    /// journeys).
    pub(super) fn new(plan: &SourcePlan, typed: &[usize]) -> Option<Box<Typed>> {
        if !plan.derived.is_empty() || !plan.lookups.is_empty() || !plan.riders.is_empty() {
            return None;
        }
        let n = plan.kinds.len();
        let needs_text = (0..n)
            .map(|c| {
                plan.dims.contains(&c)
                    || plan.coded.iter().any(|(col, _)| *col == c)
                    || (plan.kinds[c] == ColKind::Str && typed.contains(&c))
                    || plan
                        .aggs
                        .iter()
                        .any(|a| a.func == AggFunc::CountDistinct && a.column == Some(c))
            })
            .collect();
        Some(Box::new(Typed {
            needs_text,
            dims: plan.dims.iter().map(|_| Entries::new()).collect(),
            codes: plan.coded.iter().map(|_| Entries::new()).collect(),
            text: Vec::new(),
            spans: vec![(0, 0); n],
            scratch: Vec::new(),
            days: (0..n).map(|_| DayCache::default()).collect(),
            lanes: batch::Lanes::new(plan),
        }))
    }
}

/// Whether a day's date is written with a four-digit year the time parser reads.
#[inline(always)]
fn plain(day: i64) -> bool {
    (FIRST_PLAIN_DAY..=LAST_PLAIN_DAY).contains(&day)
}

impl SourceSink<'_> {
    /// [`RowSink::cell_rows`]: rows `0..n` typed from their cells.
    pub(super) fn typed_rows(
        &mut self,
        line: u64,
        cols: &[&[Cell]],
        n: usize,
    ) -> Result<(), (usize, BadRow)> {
        let Some(mut t) = self.typed_rows.take() else {
            return self.text_rows(line, cols, n);
        };
        let res = if cols.len() != self.plan.kinds.len() || cols.iter().any(|c| c.len() < n) {
            self.text_rows(line, cols, n)
        } else {
            match cols.len() {
                0..=8 => self.accept_rows::<8>(&mut t, cols, n),
                9..=16 => self.accept_rows::<16>(&mut t, cols, n),
                _ => self.accept_rows::<MAX_COLUMNS>(&mut t, cols, n),
            }
        };
        self.typed_rows = Some(t);
        res
    }

    /// Rows through their text ([`RowSink::row`]).
    #[cold]
    fn text_rows(&mut self, line: u64, cols: &[&[Cell]], n: usize) -> Result<(), (usize, BadRow)> {
        let mut row = Vec::with_capacity(cols.len());
        for r in 0..n {
            row.clear();
            row.extend(cols.iter().map(|c| c.get(r).copied().unwrap_or(Cell::Null)));
            self.text_row(line + r as u64, &row).map_err(|e| (r, e))?;
        }
        Ok(())
    }

    /// The row through its text ([`RowSink::row`]).
    fn text_row(&mut self, line: u64, cells: &[Cell]) -> Result<(), BadRow> {
        crate::data::scan::row_of_cells(self, line, cells)
    }

    /// The local day of the event time's cell (column `col`).
    #[inline(always)]
    fn cell_day(&mut self, t: &mut Typed, cell: &Cell, col: usize) -> Result<i32, BadRow> {
        match *cell {
            Cell::Date(d) if plain(d) => return Ok(d as i32),
            Cell::Time {
                secs, utc: false, ..
            } if plain(secs.div_euclid(86_400)) => return Ok(secs.div_euclid(86_400) as i32),
            Cell::Time {
                secs, utc: true, ..
            } if plain(secs.div_euclid(86_400)) => {
                if let Some(local) = self.time.to_local(secs) {
                    return Ok(local.div_euclid(86_400) as i32);
                }
            }
            Cell::Text { bytes, .. } => return self.day_of(bytes, col),
            _ => {}
        }
        t.scratch.clear();
        cell.write(&mut t.scratch, &mut t.days[col]);
        let text = std::mem::take(&mut t.scratch);
        let day = self.day_of(&text, col);
        t.scratch = text;
        day
    }

    /// [`RowSink::row`] of the typed cells of row `r` (`N` >= the number of
    /// columns).
    #[inline(always)]
    fn accept_cells<const N: usize>(
        &mut self,
        t: &mut Typed,
        cols: &[&[Cell]],
        r: usize,
    ) -> Result<(), BadRow> {
        let plan = self.plan;
        let n = cols.len();
        let cell = |c: usize| &cols[c][r];
        // 1. The event time first (as the text path: its error, then the range).
        let mut day = 0;
        let period = match plan.time {
            Some(tc) => {
                day = self.cell_day(t, cell(tc), tc)?;
                match self.admit(day) {
                    Some(p) => p,
                    None => return Ok(()),
                }
            }
            None => 0,
        };
        // 2. The texts that are read.
        t.text.clear();
        for c in 0..n {
            let cell = cell(c);
            if t.needs_text[c] && !matches!(cell, Cell::Text { .. }) {
                let start = t.text.len();
                cell.write(&mut t.text, &mut t.days[c]);
                t.spans[c] = (start, t.text.len());
            }
        }
        let mut fields: [&[u8]; N] = [&[]; N];
        for (c, field) in fields.iter_mut().enumerate().take(n) {
            *field = match *cell(c) {
                Cell::Text { bytes, .. } => bytes,
                _ if t.needs_text[c] => &t.text[t.spans[c].0..t.spans[c].1],
                _ => &[],
            };
        }
        // 3. Every typed column, validated before any state changes.
        let mut vals = [RowVal::Null; N];
        for &i in &self.typed {
            let v = type_cell(
                plan.kinds[i],
                i,
                cell(i),
                fields[i],
                &mut self.time,
                &mut self.fixed,
                &mut self.nums,
                &mut t.scratch,
                &mut t.days[i],
            )?;
            match v {
                Some(v) => vals[i] = v,
                None => self.fixed[i] = None,
            }
        }
        if let Some(tc) = plan.time {
            vals[tc] = RowVal::Date(day);
        }
        // 4. Dimension ids and codes, once per dictionary entry.
        let mut codes = [CODE_NULL; MAX_CODED];
        let mut ids = [0u32; MAX_DIMS];
        for ((id, (col, values)), cache) in ids.iter_mut().zip(&mut self.dims).zip(&mut t.dims) {
            *id = match *cell(*col) {
                Cell::Text {
                    bytes,
                    code: Some((dict, k)),
                } => cache.get(dict, k, || values.intern(bytes).0),
                _ => values.intern(fields[*col]).0,
            };
        }
        for ((code, (col, table)), cache) in codes.iter_mut().zip(&self.coded).zip(&mut t.codes) {
            *code = match *cell(*col) {
                Cell::Text {
                    bytes,
                    code: Some((dict, k)),
                } => cache.get(dict, k, || table.code(bytes)),
                _ => table.code(fields[*col]),
            };
        }
        self.update_slot(&vals[..n], &fields[..n], &ids, &codes, period);
        Ok(())
    }
}

/// Cell `i` of kind `kind` typed as [`type_field`] types its text `f` (given for
/// text columns), exactly: directly where the value is known, else through the
/// text (written into `scratch`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn type_cell<'a>(
    kind: ColKind,
    i: usize,
    cell: &Cell<'a>,
    f: &'a [u8],
    time: &mut TimeParser,
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
    scratch: &mut Vec<u8>,
    days: &mut DayCache,
) -> Result<Option<RowVal<'a>>, BadRow> {
    const LIMIT: u128 = 1_000_000_000_000_000_000;
    let exact = match (kind, *cell) {
        (_, Cell::Null) => return Ok(None),
        (_, Cell::Text { bytes, .. }) => return type_field(kind, i, bytes, time, fixed, nums),
        (ColKind::Str, _) => return type_field(kind, i, f, time, fixed, nums),
        (ColKind::Num, Cell::Int(x)) => Some(i128::from(x) * DEC_SCALE),
        // Digits and a point that parse back to the value (at most 19 digits).
        (ColKind::Num, Cell::Decimal(x, scale)) if scale <= 6 && x.get().unsigned_abs() < LIMIT => {
            Some(x.get() * 10i128.pow(6 - scale))
        }
        (ColKind::Num, Cell::Float(x)) => exact_float(x),
        (ColKind::Bool, Cell::Bool(b)) => return Ok(Some(RowVal::Bool(b))),
        (ColKind::Date, Cell::Date(d)) if plain(d) => return Ok(Some(RowVal::Date(d as i32))),
        (
            ColKind::Date,
            Cell::Time {
                secs, utc: false, ..
            },
        ) if plain(secs.div_euclid(86_400)) => {
            return Ok(Some(RowVal::Date(secs.div_euclid(86_400) as i32)))
        }
        _ => None,
    };
    if let Some(v) = exact {
        fixed[i] = Some(v);
        let x = fixed_to_f64(v);
        nums[i] = x;
        return Ok(Some(RowVal::Num(x)));
    }
    scratch.clear();
    cell.write(scratch, days);
    Ok(match type_field(kind, i, scratch, time, fixed, nums)? {
        None => None,
        Some(RowVal::Num(x)) => Some(RowVal::Num(x)),
        Some(RowVal::Bool(b)) => Some(RowVal::Bool(b)),
        Some(RowVal::Date(d)) => Some(RowVal::Date(d)),
        // Text columns never come here (their text is `f`).
        Some(RowVal::Str(_) | RowVal::Null) => Some(RowVal::Null),
    })
}

/// What [`crate::decimal::parse_fixed`] gives the text of `x` (its shortest
/// digits, [`Cell::write`]) when that is a value: the exact 10^-6 units of a
/// float in 0.001..2^32 (plain digits, not an exponent) whose shortest digits
/// have at most 6 decimals. There, two floats are less than 10^-6 apart, so at
/// most one multiple of 10^-6 rounds to `x`; if one does, the shortest digits
/// are it. `None`: the text decides (read it).
#[inline(always)]
fn exact_float(x: f64) -> Option<i128> {
    if !(1e-3..4_294_967_296.0).contains(&x.abs()) {
        return None;
    }
    let v = (x * 1e6).round();
    // `v` is an integer below 2^53: `v / 1e6` is the float nearest to it in 10^-6.
    (v / 1e6 == x).then_some(v as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_floats_are_their_texts_values() {
        let mut seen = 0;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut check = |x: f64| {
            let mut text = Vec::new();
            crate::data::cell::float(x, &mut text);
            let want = crate::decimal::parse_fixed(&text);
            if let Some(v) = exact_float(x) {
                assert_eq!(Some(v), want, "{x}: {}", String::from_utf8_lossy(&text));
                seen += 1;
            }
        };
        for k in -200_000i64..200_000 {
            check(k as f64 / 100.0);
            check(k as f64 / 1e6);
            check(k as f64 * 21_473.0 + 0.125);
        }
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            check(x);
            check((state % 10_000_000_000) as f64 / 1e4);
            check((state % 4_294_967_296) as f64 + (state >> 40) as f64 / 1e6);
        }
        for x in [0.001, -0.001, 4_294_967_295.999_999, 0.1 + 0.2, 1e-3 * 3.0] {
            check(x);
        }
        assert!(seen > 500_000, "{seen}");
    }
}
