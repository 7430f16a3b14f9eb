//! Loading a lookup source (a dimension table) before the scan of a fact source that
//! joins it: every row's key, dimensions and validity, checked — a key given twice
//! (or with overlapping validity) is an error naming both lines.

use crate::data::scan::{BadRow, RowSink, ScanSpec};
use crate::data::time::TimeParser;
use crate::plan::lookup::{LookupPlan, LookupTable};
use crate::plan::{EvalError, Request};

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

/// Load `plan`'s table (once; later calls do nothing).
pub fn load(plan: &LookupPlan, req: &Request, tz: &jiff::tz::TimeZone) -> Result<(), EvalError> {
    if plan.table.get().is_some() {
        return Ok(());
    }
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
    let table = build(plan, rows, tz)?;
    let _ = plan.table.set(table);
    Ok(())
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
    let mut table = LookupTable::default();
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
        .unmatched
        .iter()
        .enumerate()
        .map(|(i, (col, _, _, _))| {
            let at = plan
                .lookups
                .iter()
                .position(|l| plan.columns[*col] == format!("({}@{})", l.name, l.on));
            (at.unwrap_or(usize::MAX), i)
        })
        .collect();
    order.sort();
    for (_, i) in order {
        let (col, key, _, _) = &first.unmatched[i];
        let mut n = 0;
        let mut keys: Vec<&[u8]> = Vec::new();
        for s in sinks {
            let (_, _, m, ks) = &s.unmatched[i];
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
