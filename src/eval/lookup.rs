//! Loading a lookup source (a dimension table) before the scan of a fact source that
//! joins it: every row's key, dimensions and validity, checked — a key given twice
//! (or with overlapping validity) is an error naming both lines.

use crate::data::scan::{BadRow, RowSink, ScanSpec};
use crate::data::time::TimeParser;
use crate::plan::lookup::LookupPlan;
use crate::plan::{EvalError, Request};

use super::intern::Interner;
use super::row::RowVal;

/// A lookup's rows: per key, the validity intervals and their rows' dimension values,
/// laid out flat (one probe of the key table, then adjacent reads).
pub struct LookupTable {
    /// The keys, interned (the id indexes `first`).
    keys: Interner,
    /// Per key id: its intervals, `(from, to exclusive, row)`, as a run of `spans`
    /// (start, len); built from `pending` when loading ends.
    runs: Vec<(u32, u32)>,
    spans: Vec<(i32, i32, u32)>,
    /// Per key id while loading: its intervals.
    pending: Vec<Vec<(i32, i32, u32)>>,
    /// The dimension values, `dims` per row (empty: none).
    values: Vec<Box<[u8]>>,
    dims: usize,
}

impl LookupTable {
    fn new(dims: usize) -> LookupTable {
        LookupTable {
            keys: Interner::new(),
            runs: Vec::new(),
            spans: Vec::new(),
            pending: Vec::new(),
            values: Vec::new(),
            dims,
        }
    }

    /// Adds a row valid on days `from..to` (exclusive end); the caller has checked
    /// that it overlaps no other row of the key.
    fn add(&mut self, key: &[u8], from: i32, to: i32, dims: Vec<Box<[u8]>>) {
        let row = (self.values.len() / self.dims.max(1)) as u32;
        if self.dims == 0 {
            self.values.push(Box::default());
        }
        self.values.extend(dims);
        let (id, new) = self.keys.intern(key);
        if new {
            self.pending.push(Vec::new());
        }
        self.pending[id as usize].push((from, to, row));
    }

    /// The rows of `key` so far: (from, to, row).
    fn intervals(&self, key: &[u8]) -> &[(i32, i32, u32)] {
        self.keys
            .get(key)
            .map_or(&[], |id| self.pending[id as usize].as_slice())
    }

    /// Lay the intervals out flat (after the last row).
    fn seal(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            self.runs.push((self.spans.len() as u32, p.len() as u32));
            self.spans.extend(p);
        }
    }

    /// The row valid for `key` on `day`.
    #[inline]
    pub fn find(&self, key: &[u8], day: i32) -> Option<u32> {
        let (start, len) = self.runs[self.keys.get(key)? as usize];
        self.spans[start as usize..(start + len) as usize]
            .iter()
            .find(|&&(from, to, _)| from <= day && day < to)
            .map(|r| r.2)
    }

    /// Dimension `dim` of row `row` (null when empty).
    #[inline]
    pub fn value(&self, row: usize, dim: usize) -> RowVal<'_> {
        match self.values.get(row * self.dims + dim) {
            Some(v) if !v.is_empty() => RowVal::Str(v),
            _ => RowVal::Null,
        }
    }
}

/// One row of a lookup file: its line and fields (key, dims.., valid_from, valid_to).
struct Rows {
    rows: Vec<(u64, Vec<Box<[u8]>>)>,
}

impl RowSink for Rows {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.rows
            .push((line, fields.iter().map(|f| Box::<[u8]>::from(*f)).collect()));
        Ok(())
    }
}

/// Load `plan`'s table.
pub fn load(
    plan: &LookupPlan,
    req: &Request,
    tz: &jiff::tz::TimeZone,
) -> Result<LookupTable, EvalError> {
    let mut cols = vec![plan.key.clone()];
    cols.extend(plan.dims.iter().cloned());
    cols.extend(plan.valid_from.iter().cloned());
    cols.extend(plan.valid_to.iter().cloned());
    let mut spec = ScanSpec::new(plan.path.clone(), cols, 1);
    let make = || Rows { rows: Vec::new() };
    let result = match req.inline.get(&plan.name) {
        Some(bytes) => crate::data::scan::scan_bytes(&spec, bytes, make),
        None => {
            spec.read = plan.read.clone();
            crate::data::scan::scan(&spec, make)
        }
    };
    let (sinks, _) = result.map_err(|e| super::scan_error(&plan.name, e))?;
    let rows: Vec<(u64, Vec<Box<[u8]>>)> = sinks.into_iter().flat_map(|s| s.rows).collect();
    build(plan, rows, tz)
}

/// The table of a lookup's rows, checked.
fn build(
    plan: &LookupPlan,
    rows: Vec<(u64, Vec<Box<[u8]>>)>,
    tz: &jiff::tz::TimeZone,
) -> Result<LookupTable, EvalError> {
    let at = |line: u64| format!("{}:{line}", plan.path.display());
    let mut time = TimeParser::new(tz.clone());
    let n = plan.dims.len();
    let mut day = |f: &[u8], line: u64, col: &str| -> Result<Option<i32>, EvalError> {
        if f.is_empty() {
            return Ok(None);
        }
        time.parse_day(f).map(Some).ok_or_else(|| {
            EvalError::Data(format!(
                "lookup `{}` ({}): `{col}` is `{}`, not a date (2026-03-01)",
                plan.name,
                at(line),
                String::from_utf8_lossy(f)
            ))
        })
    };
    let mut table = LookupTable::new(n);
    let mut lines: Vec<u64> = Vec::with_capacity(rows.len());
    for (line, f) in rows {
        let key = &f[0];
        if key.is_empty() {
            return Err(EvalError::Data(format!(
                "lookup `{}` ({}): the row has no `{}`",
                plan.name,
                at(line),
                plan.key
            )));
        }
        let mut k = 1 + n;
        let from = match &plan.valid_from {
            Some(c) => {
                k += 1;
                day(&f[1 + n], line, c)?.unwrap_or(i32::MIN)
            }
            None => i32::MIN,
        };
        let to = match &plan.valid_to {
            Some(c) => day(&f[k], line, c)?.unwrap_or(i32::MAX),
            None => i32::MAX,
        };
        if to <= from {
            return Err(EvalError::Data(format!(
                "lookup `{}` ({}): `{}` is not after `{}`: the row is valid on no day",
                plan.name,
                at(line),
                plan.valid_to.as_deref().unwrap_or_default(),
                plan.valid_from.as_deref().unwrap_or_default()
            )));
        }
        if let Some(&(_, _, other)) = table
            .intervals(key)
            .iter()
            .find(|&&(a, b, _)| a < to && from < b)
        {
            let what = match plan.valid_from {
                Some(_) => "rows whose validity overlaps",
                None => "two rows (a lookup without `valid_from` has one row per key)",
            };
            return Err(EvalError::Data(format!(
                "lookup `{}` ({}): `{}` `{}` has {what}: lines {} and {line}",
                plan.name,
                plan.path.display(),
                plan.key,
                String::from_utf8_lossy(key),
                lines[other as usize]
            )));
        }
        lines.push(line);
        table.add(key, from, to, f[1..1 + n].to_vec());
    }
    table.seal();
    Ok(table)
}

/// One line per lookup of `plan` whose keys some rows did not find: how many rows,
/// and a few of the keys.
pub fn unmatched(plan: &crate::plan::SourcePlan, sinks: &[super::scan::SourceSink]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(first) = sinks.first() else {
        return out;
    };
    // In the order of the source's `lookup` entries.
    let mut order: Vec<(usize, usize)> = first
        .joins
        .unmatched
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let col = &u.col;
            let at = plan
                .lookups
                .iter()
                .find(|l| plan.columns[*col] == format!("({}@{})", l.name, l.on))
                .map(|l| l.entry);
            (at.unwrap_or(usize::MAX), i)
        })
        .collect();
    order.sort();
    for (_, i) in order {
        let (col, key) = (&first.joins.unmatched[i].col, &first.joins.unmatched[i].key);
        let mut n = 0;
        let mut keys: Vec<&[u8]> = Vec::new();
        for s in sinks {
            let u = &s.joins.unmatched[i];
            let (m, ks) = (&u.rows, &u.keys);
            n += m;
            for k in ks {
                if keys.len() < 5 && !keys.contains(&k.as_slice()) {
                    keys.push(k);
                }
            }
        }
        if n == 0 {
            continue;
        }
        let name = &plan.columns[*col];
        let l = plan
            .lookups
            .iter()
            .find(|l| name == &format!("({}@{})", l.name, l.on));
        let (lookup, dims) = l.map_or((name.as_str(), String::new()), |l| {
            (l.name.as_str(), l.dims.join(", "))
        });
        let shown: Vec<String> = keys
            .iter()
            .map(|k| format!("`{}`", String::from_utf8_lossy(k)))
            .collect();
        out.push(format!(
            "{n} row{} of source `{}`: `{}` not listed by lookup `{lookup}`{} (e.g. {}); {} empty for them",
            if n == 1 { "" } else { "s" },
            plan.name,
            plan.columns[*key],
            if plan.lookups.iter().any(|l| l.name == lookup && l.valid_from.is_some()) { " on the row's day" } else { "" },
            shown.join(", "),
            if dims.is_empty() { "its dimensions are".to_string() } else { format!("{dims} {}", if dims.contains(',') { "are" } else { "is" }) }
        ));
    }
    out
}
