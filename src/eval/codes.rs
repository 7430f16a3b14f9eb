//! The code of a coded column's field (see [`super::row::encode_filters`]): which
//! of the column's filter constants it equals, without comparing it with each.
//!
//! Constants of at most 16 bytes are held in their short form (two words and the
//! length, see [`super::intern`]) in a 256-cell table indexed by a hash of that
//! form; a field is hashed the same way and compared with the one constant of its
//! cell. A cell two constants share, and constants longer than 16 bytes, fall
//! back to comparing with every constant: the result is always exact.

use super::intern::{short, Short};
use crate::plan::filter::{CODE_NULL, CODE_OTHER};

const CELLS: usize = 256;
/// No constant hashes to the cell.
const NONE: u8 = 255;
/// Several constants hash to the cell.
const SHARED: u8 = 254;

/// The codes of one coded column.
#[derive(Clone, Debug)]
pub struct CodeTable {
    values: Vec<Vec<u8>>,
    shorts: Vec<Option<Short>>,
    cells: [u8; CELLS],
    /// Some constant is longer than 16 bytes.
    has_long: bool,
}

#[inline(always)]
fn cell(k: Short) -> usize {
    let h = (k.lo ^ k.hi.rotate_left(29) ^ u64::from(k.len)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 56) as usize
}

impl CodeTable {
    /// The table of `values` (code = index; at most 64 of them).
    pub fn new(values: &[Vec<u8>]) -> CodeTable {
        let mut cells = [NONE; CELLS];
        let mut shorts = Vec::with_capacity(values.len());
        let mut has_long = false;
        for (i, v) in values.iter().enumerate() {
            if v.len() > 16 {
                has_long = true;
                shorts.push(None);
                continue;
            }
            let k = short(v);
            shorts.push(Some(k));
            let c = &mut cells[cell(k)];
            *c = if *c == NONE { i as u8 } else { SHARED };
        }
        CodeTable {
            values: values.to_vec(),
            shorts,
            cells,
            has_long,
        }
    }

    /// The code of field `f`: the index of the constant it equals, [`CODE_OTHER`],
    /// or [`CODE_NULL`] for an empty field.
    #[inline(always)]
    pub fn code(&self, f: &[u8]) -> u8 {
        if f.is_empty() {
            return CODE_NULL;
        }
        if f.len() > 16 {
            return self.scan(f);
        }
        let k = short(f);
        match self.cells[cell(k)] {
            NONE => CODE_OTHER,
            SHARED => self.scan(f),
            i if self.shorts[i as usize] == Some(k) => i,
            _ => CODE_OTHER,
        }
    }

    #[cold]
    fn scan(&self, f: &[u8]) -> u8 {
        if f.len() > 16 && !self.has_long {
            return CODE_OTHER;
        }
        self.values
            .iter()
            .position(|v| v == f)
            .map_or(CODE_OTHER, |i| i as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::row::{code_of, RowVal};

    /// The table agrees with comparing against every constant, for constants and
    /// near misses of every length, including a crowded table with shared cells.
    #[test]
    fn agrees_with_comparison() {
        let mut values: Vec<Vec<u8>> = [
            "call",
            "email",
            "visit",
            "meeting",
            "opportunity",
            "deal_won",
            "deal_lost",
            "a",
            "",
            "exactly_16_bytes",
            "seventeen_bytes_x",
            "a much longer constant than sixteen",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for i in 0..50 {
            values.push(format!("v{i}").into_bytes());
        }
        values.dedup();
        let table = CodeTable::new(&values);
        let mut probes = values.clone();
        for v in &values {
            let mut w = v.clone();
            w.push(b'x');
            probes.push(w);
            if let Some(b) = v.first() {
                let mut w = v.clone();
                w[0] = b.wrapping_add(1);
                probes.push(w);
                probes.push(v[..v.len() - 1].to_vec());
            }
        }
        for p in &probes {
            let want = if p.is_empty() {
                CODE_NULL
            } else {
                code_of(RowVal::Str(p), &values)
            };
            assert_eq!(table.code(p), want, "{:?}", String::from_utf8_lossy(p));
        }
    }
}
