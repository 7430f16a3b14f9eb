//! One row group's column chunks, read whole, and their values as [`Cell`]s.

use parquet::basic::Type as Physical;
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, FixedLenByteArray, Int96};
use parquet::file::reader::RowGroupReader;

use super::dict::{read_codes, Dict};
use super::{kind_of, Kind};
use crate::data::cell::{Cell, Unscaled};

/// One column chunk's values.
enum Values {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    I96(Vec<Int96>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
    /// A dictionary-encoded string chunk: the entry of each value.
    Codes(Vec<i32>, Dict),
    /// Nothing read yet.
    None,
}

/// A column chunk: its values and definition levels. The buffers are kept from
/// one row group to the next.
pub(super) struct Column {
    values: Values,
    defs: Vec<i16>,
    max_def: i16,
    kind: Kind,
}

impl Default for Column {
    fn default() -> Column {
        Column {
            values: Values::None,
            defs: Vec::new(),
            max_def: 0,
            kind: Kind::Other,
        }
    }
}

/// A buffer of the last chunk's values if they were of this variant, cleared.
macro_rules! reuse {
    ($values:expr, $variant:ident) => {
        match std::mem::replace(&mut $values, Values::None) {
            Values::$variant(mut v) => {
                v.clear();
                v
            }
            _ => Vec::new(),
        }
    };
}

impl Column {
    /// Reads all `rows` records of column `i` of a row group.
    pub(super) fn read(
        &mut self,
        rg: &dyn RowGroupReader,
        i: usize,
        rows: usize,
    ) -> parquet::errors::Result<()> {
        let descr = rg.metadata().schema_descr().column(i);
        self.max_def = descr.max_def_level();
        self.kind = kind_of(&descr);
        let max_def = self.max_def;
        self.defs.clear();
        if descr.physical_type() == Physical::BYTE_ARRAY {
            let mut codes = match std::mem::replace(&mut self.values, Values::None) {
                Values::Codes(mut v, _) => {
                    v.clear();
                    v
                }
                _ => Vec::new(),
            };
            // The fast way when every page is dictionary-encoded; any failure
            // (even a panic of the decoder) and the chunk is read as before, so
            // that a corrupt file fails with the same message either way.
            let fast = crate::guard::contained(|| {
                let pages = rg.get_column_page_reader(i)?;
                read_codes(&descr, pages, rows, &mut codes, &mut self.defs)
            });
            if let Ok(Ok(Some(dict))) = fast {
                self.values = Values::Codes(codes, dict);
                return Ok(());
            }
            self.defs.clear();
        }
        let defs = &mut self.defs;
        macro_rules! read_all {
            ($r:expr, $variant:ident) => {{
                let mut vals = reuse!(self.values, $variant);
                let mut done = 0;
                while done < rows {
                    let d = if max_def > 0 { Some(&mut *defs) } else { None };
                    let batch = (rows - done).min(1 << 16);
                    let (n, _, _) = $r.read_records(batch, d, None, &mut vals)?;
                    if n == 0 {
                        break;
                    }
                    done += n;
                }
                Values::$variant(vals)
            }};
        }
        self.values = match rg.get_column_reader(i)? {
            ColumnReader::BoolColumnReader(mut r) => read_all!(r, Bool),
            ColumnReader::Int32ColumnReader(mut r) => read_all!(r, I32),
            ColumnReader::Int64ColumnReader(mut r) => read_all!(r, I64),
            ColumnReader::Int96ColumnReader(mut r) => read_all!(r, I96),
            ColumnReader::FloatColumnReader(mut r) => read_all!(r, F32),
            ColumnReader::DoubleColumnReader(mut r) => read_all!(r, F64),
            ColumnReader::ByteArrayColumnReader(mut r) => read_all!(r, Bytes),
            ColumnReader::FixedLenByteArrayColumnReader(mut r) => read_all!(r, Fixed),
        };
        Ok(())
    }

    /// The values of `rows` into `out` (cleared first); `next` counts the
    /// non-null values taken so far.
    pub(super) fn cells<'a>(
        &'a self,
        rows: std::ops::Range<usize>,
        next: &mut usize,
        out: &mut Vec<Cell<'a>>,
    ) {
        out.clear();
        let kind = self.kind;
        let (defs, max_def) = (&self.defs[..], self.max_def);
        // No nulls in the rows: the values in a row, without a test per row.
        let dense = max_def == 0
            || defs
                .get(rows.clone())
                .is_some_and(|d| d.iter().all(|&d| d == max_def));
        macro_rules! each {
            ($v:expr, |$x:pat_param| $make:expr) => {{
                let k = *next;
                match $v.get(k..k + rows.len()).filter(|_| dense) {
                    Some(vals) => {
                        out.extend(vals.iter().map(|$x| $make));
                        *next += rows.len();
                    }
                    None => {
                        for r in rows {
                            if max_def > 0 && defs.get(r).is_none_or(|&d| d < max_def) {
                                out.push(Cell::Null);
                                continue;
                            }
                            let k = *next;
                            *next += 1;
                            out.push(match $v.get(k) {
                                Some($x) => $make,
                                None => Cell::Null,
                            });
                        }
                    }
                }
            }};
        }
        match &self.values {
            Values::Codes(v, dict) => each!(v, |&e| match dict.entry(e as usize) {
                Some(b) => match kind {
                    Kind::Decimal(_) => bytes(b, kind),
                    _ => Cell::Text {
                        bytes: b,
                        code: dict.id.map(|id| (id, e as u32)),
                    },
                },
                None => Cell::Null,
            }),
            // The usual timestamps with a constant divisor.
            Values::I64(v) => match kind {
                Kind::Timestamp {
                    per_second: 1_000_000,
                    utc,
                } => each!(v, |&x| Cell::Time {
                    secs: x.div_euclid(1_000_000),
                    frac: x.rem_euclid(1_000_000),
                    digits: 6,
                    utc,
                }),
                _ => each!(v, |&x| integer(x, kind)),
            },
            Values::I32(v) => each!(v, |&x| integer(x.into(), kind)),
            Values::F64(v) => each!(v, |&x| Cell::Float(x)),
            Values::F32(v) => each!(v, |&x| Cell::Float(x.into())),
            Values::Bool(v) => each!(v, |&b| Cell::Bool(b)),
            Values::I96(v) => each!(v, |x| {
                let nanos = x.to_nanos();
                Cell::Time {
                    secs: nanos.div_euclid(1_000_000_000),
                    frac: nanos.rem_euclid(1_000_000_000),
                    digits: 9,
                    utc: true,
                }
            }),
            Values::Bytes(v) => each!(v, |x| bytes(x.data(), kind)),
            Values::Fixed(v) => each!(v, |x| bytes(x.data(), kind)),
            Values::None => out.extend(rows.map(|_| Cell::Null)),
        }
    }
}

/// An integer of a column of `kind`.
#[inline]
fn integer(x: i64, kind: Kind) -> Cell<'static> {
    match kind {
        Kind::Decimal(scale) => Cell::Decimal(Unscaled::new(x.into()), scale),
        Kind::Date => Cell::Date(x),
        Kind::Timestamp { per_second, utc } => Cell::Time {
            secs: x.div_euclid(per_second),
            frac: x.rem_euclid(per_second),
            digits: match per_second {
                1_000 => 3,
                1_000_000 => 6,
                _ => 9,
            },
            utc,
        },
        _ => Cell::Int(x),
    }
}

/// Bytes of a column of `kind`: big-endian two's complement for a decimal of at
/// most 16 bytes, else the bytes as they are.
fn bytes(b: &[u8], kind: Kind) -> Cell<'_> {
    match kind {
        Kind::Decimal(scale) if b.len() <= 16 => {
            let mut x: i128 = if b.first().is_some_and(|&f| f & 0x80 != 0) {
                -1
            } else {
                0
            };
            for &byte in b {
                x = (x << 8) | i128::from(byte);
            }
            Cell::Decimal(Unscaled::new(x), scale)
        }
        _ => Cell::Text {
            bytes: b,
            code: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_of_bytes() {
        assert_eq!(
            bytes(&[0xFF, 0x38], Kind::Decimal(1)),
            Cell::Decimal(Unscaled::new(-200), 1)
        );
        assert_eq!(
            bytes(&[0x01, 0x00], Kind::Decimal(2)),
            Cell::Decimal(Unscaled::new(256), 2)
        );
        assert_eq!(
            bytes(b"ab", Kind::Text),
            Cell::Text {
                bytes: b"ab",
                code: None
            }
        );
        assert_eq!(
            integer(
                1_500,
                Kind::Timestamp {
                    per_second: 1_000,
                    utc: false
                }
            ),
            Cell::Time {
                secs: 1,
                frac: 500,
                digits: 3,
                utc: false
            }
        );
    }
}
