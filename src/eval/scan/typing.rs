//! Typing a row's fields (the text path) by their column kinds: numbers exact
//! where plain, booleans, dates; bad values named with a hint.

use crate::data::scan::BadRow;
use crate::data::time::TimeParser;
use crate::decimal::parse_fixed;
use crate::plan::parse_bool;

use super::{ColKind, RowVal};

/// Type the columns `which` of a row into `vals` (at least `kinds.len()` long),
/// validating each field. Plain decimals are also kept exactly in `fixed` (10^-6 units).
#[inline(always)]
pub(super) fn type_columns<'a>(
    kinds: &[ColKind],
    which: impl Iterator<Item = usize>,
    fields: &[&'a [u8]],
    time: &mut TimeParser,
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
    vals: &mut [RowVal<'a>],
) -> Result<(), BadRow> {
    for i in which {
        match type_field(kinds[i], i, fields[i], time, fixed, nums)? {
            Some(v) => vals[i] = v,
            None => fixed[i] = None,
        }
    }
    Ok(())
}

/// Field `i` of kind `kind` typed (`None`: empty), validated; a number's exact
/// value in `fixed[i]` (if plain) and its float in `nums[i]`.
#[inline(always)]
pub(super) fn type_field<'a>(
    kind: ColKind,
    i: usize,
    f: &'a [u8],
    time: &mut TimeParser,
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
) -> Result<Option<RowVal<'a>>, BadRow> {
    if f.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        ColKind::Str => RowVal::Str(f),
        ColKind::Num => {
            let exact = parse_fixed(f);
            fixed[i] = exact;
            let x = match exact {
                Some(v) => fixed_to_f64(v),
                None => float_field(i, f)?,
            };
            nums[i] = x;
            RowVal::Num(x)
        }
        ColKind::Bool => match parse_bool(f) {
            Some(b) => RowVal::Bool(b),
            None => return Err(bad_field(i, "true or false", f)),
        },
        ColKind::Date => match time.parse(f) {
            Some(s) => RowVal::Date(s.div_euclid(86_400) as i32),
            None => return Err(bad_field(i, "a date", f)),
        },
    }))
}

/// The float of an exact value in 10^-6 units.
#[inline(always)]
pub(super) fn fixed_to_f64(v: i128) -> f64 {
    // Through i64 when it fits: the same nearest f64, without the slow 128-bit
    // conversion.
    let x = match i64::try_from(v) {
        Ok(w) => w as f64,
        Err(_) => v as f64,
    };
    x / crate::decimal::DEC_SCALE as f64
}

/// A number that is not a plain decimal (`1e3`, ` 12 `): read as a float, out of
/// line (rare in CSV exports).
#[cold]
#[inline(never)]
fn float_field(i: usize, f: &[u8]) -> Result<f64, BadRow> {
    match std::str::from_utf8(f)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
    {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(bad_field(i, "a number", f)),
    }
}

/// The bad-row error for field `i` holding `f` where `expected` was.
#[cold]
#[inline(never)]
fn bad_field(i: usize, expected: &str, f: &[u8]) -> BadRow {
    let text = String::from_utf8_lossy(f);
    let hint = crate::data::options::field_hint(&text, expected == "a number")
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
    BadRow::field(i, format!("expected {expected}, found `{text}`{hint}"))
}
