//! A batch of typed rows worked out column by column: the local day of every
//! row, the ids of its dimensions and the codes of its coded columns from each
//! dictionary entry's (known) id and code, and whether each typed column's cell
//! is one that types without its text and without an error. A row where any of
//! that does not hold (a dictionary entry not interned yet, a value to parse, a
//! null event time) is "slow": it goes through [`SourceSink::accept_cells`], the
//! row-by-row path, at its turn. So ids are given in the order of the rows that
//! are accepted, as the text path gives them, and errors are the text path's.

use super::{plain, type_cell, Cell, ColKind, RowVal, SourcePlan, SourceSink, Typed};
use crate::data::scan::BadRow;
use crate::plan::filter::{CODE_NULL, MAX_CODED};
use crate::syntax::ast::AggFunc;

use super::MAX_DIMS;

/// The per-row results of a batch's column passes.
pub(super) struct Lanes {
    slow: Vec<bool>,
    days: Vec<i32>,
    ids: Vec<Vec<u32>>,
    codes: Vec<Vec<u8>>,
    /// Whether an aggregate reads a column's text (a distinct count).
    distinct: bool,
}

impl Lanes {
    pub(super) fn new(plan: &SourcePlan) -> Lanes {
        Lanes {
            slow: Vec::new(),
            days: Vec::new(),
            ids: plan.dims.iter().map(|_| Vec::new()).collect(),
            codes: plan.coded.iter().map(|_| Vec::new()).collect(),
            distinct: plan.aggs.iter().any(|a| a.func == AggFunc::CountDistinct),
        }
    }
}

/// Whether a cell of a typed column of `kind` types exactly and without an error
/// by [`type_cell`] with no text given.
#[inline(always)]
fn quick(kind: ColKind, cell: &Cell) -> bool {
    match (kind, *cell) {
        (_, Cell::Null) => true,
        (ColKind::Str, Cell::Text { .. }) => true,
        (ColKind::Num, Cell::Int(_)) => true,
        (ColKind::Num, Cell::Decimal(x, scale)) => {
            scale <= 6 && x.get().unsigned_abs() < 1_000_000_000_000_000_000
        }
        // The shortest digits of a finite float always read back as a number.
        (ColKind::Num, Cell::Float(x)) => x.is_finite(),
        (ColKind::Bool, Cell::Bool(_)) => true,
        (ColKind::Date, Cell::Date(d)) => plain(d),
        (
            ColKind::Date,
            Cell::Time {
                secs, utc: false, ..
            },
        ) => plain(secs.div_euclid(86_400)),
        _ => false,
    }
}

impl SourceSink<'_> {
    /// Rows `0..n` of `cols`: the column passes, then each row (slow ones one by
    /// one); the first bad row stops it.
    pub(super) fn accept_rows<const N: usize>(
        &mut self,
        t: &mut Typed,
        cols: &[&[Cell]],
        n: usize,
    ) -> Result<(), (usize, BadRow)> {
        self.lanes(t, cols, n);
        let plan = self.plan;
        let width = cols.len();
        let time = plan.time;
        for r in 0..n {
            if t.lanes.slow[r] {
                self.accept_cells::<N>(t, cols, r).map_err(|e| (r, e))?;
                continue;
            }
            let mut day = 0;
            let period = match time {
                Some(_) => {
                    day = t.lanes.days[r];
                    match self.admit(day) {
                        Some(p) => p,
                        None => continue,
                    }
                }
                None => 0,
            };
            let mut vals = [RowVal::Null; N];
            for &i in &self.typed {
                if Some(i) == time {
                    continue;
                }
                let cell = &cols[i][r];
                let kind = plan.kinds[i];
                let v = match (kind, *cell) {
                    (_, Cell::Null) => None,
                    (ColKind::Str, Cell::Text { bytes, .. }) => {
                        (!bytes.is_empty()).then_some(RowVal::Str(bytes))
                    }
                    // Quick cells: no text needed, no error possible.
                    _ => type_cell(
                        kind,
                        i,
                        cell,
                        &[],
                        &mut self.time,
                        &mut self.fixed,
                        &mut self.nums,
                        &mut t.scratch,
                        &mut t.days[i],
                    )
                    .unwrap_or(None),
                };
                match v {
                    Some(v) => vals[i] = v,
                    None => self.fixed[i] = None,
                }
            }
            if let Some(tc) = time {
                vals[tc] = RowVal::Date(day);
            }
            // The texts only matter to distinct counts.
            let mut texts: [&[u8]; N] = [&[]; N];
            let fields: &[&[u8]] = if t.lanes.distinct {
                for (c, field) in texts.iter_mut().enumerate().take(width) {
                    if let Cell::Text { bytes, .. } = cols[c][r] {
                        *field = bytes;
                    }
                }
                &texts[..width]
            } else {
                &[]
            };
            let mut ids = [0u32; MAX_DIMS];
            for (id, lane) in ids.iter_mut().zip(&t.lanes.ids) {
                *id = lane[r];
            }
            let mut codes = [CODE_NULL; MAX_CODED];
            for (code, lane) in codes.iter_mut().zip(&t.lanes.codes) {
                *code = lane[r];
            }
            self.update_slot(&vals[..width], fields, &ids, &codes, period);
        }
        Ok(())
    }

    /// The column passes of rows `0..n`.
    fn lanes(&mut self, t: &mut Typed, cols: &[&[Cell]], n: usize) {
        let plan = self.plan;
        let lanes = &mut t.lanes;
        lanes.slow.clear();
        lanes.slow.resize(n, false);
        let slow = &mut lanes.slow;
        lanes.days.clear();
        if let Some(tc) = plan.time {
            for (r, cell) in cols[tc][..n].iter().enumerate() {
                let day = match *cell {
                    Cell::Time {
                        secs, utc: false, ..
                    } => secs.div_euclid(86_400),
                    Cell::Date(d) => d,
                    _ => i64::MIN,
                };
                if plain(day) {
                    lanes.days.push(day as i32);
                } else {
                    lanes.days.push(0);
                    slow[r] = true;
                }
            }
            // A time column typed as other than a date is typed row by row.
            if plan.kinds[tc] != ColKind::Date && self.typed.contains(&tc) {
                slow.fill(true);
            }
        }
        for &i in &self.typed {
            if Some(i) == plan.time {
                continue;
            }
            let kind = plan.kinds[i];
            for (r, cell) in cols[i][..n].iter().enumerate() {
                if !quick(kind, cell) {
                    slow[r] = true;
                }
            }
        }
        if lanes.distinct {
            for (c, col) in cols.iter().enumerate() {
                if t.needs_text[c] {
                    for (r, cell) in col[..n].iter().enumerate() {
                        if !matches!(cell, Cell::Text { .. } | Cell::Null) {
                            slow[r] = true;
                        }
                    }
                }
            }
        }
        for ((lane, (col, _)), cache) in lanes.ids.iter_mut().zip(&self.dims).zip(&mut t.dims) {
            lane.clear();
            for (r, cell) in cols[*col][..n].iter().enumerate() {
                let id = match *cell {
                    Cell::Text {
                        code: Some((dict, k)),
                        ..
                    } => cache.known(dict, k),
                    _ => None,
                };
                match id {
                    Some(id) => lane.push(id),
                    None => {
                        lane.push(0);
                        slow[r] = true;
                    }
                }
            }
        }
        for ((lane, (col, table)), cache) in
            lanes.codes.iter_mut().zip(&self.coded).zip(&mut t.codes)
        {
            lane.clear();
            for (r, cell) in cols[*col][..n].iter().enumerate() {
                let code = match *cell {
                    Cell::Text {
                        bytes,
                        code: Some((dict, k)),
                    } => cache.get(dict, k, || table.code(bytes)),
                    Cell::Text { bytes, code: None } => table.code(bytes),
                    Cell::Null => table.code(b""),
                    _ => {
                        slow[r] = true;
                        CODE_NULL
                    }
                };
                lane.push(code);
            }
        }
    }
}
