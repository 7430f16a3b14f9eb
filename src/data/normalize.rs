//! Rewrites the fields of an export into the forms the engine reads (DESIGN 5.1):
//! a null marker (`NA`, `NULL`, `-`) becomes the empty field, a number written
//! with a decimal comma or grouping separators (`1.234,56`) becomes `1234.56`,
//! and a time written in the source's pattern (`05-01-2026 09:00`) becomes ISO
//! (`2026-01-05T09:00:00`). A sink wrapped in [`Normalized`] sees only those
//! forms, whatever the file's format; untouched fields are passed as they are.

use super::options::ReadOptions;
use super::scan::{BadRow, RowSink};

/// What the engine reads a column as, which says how its text is rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Text,
    Number,
    Time,
}

/// The rewriting rules of one scan.
#[derive(Clone, Debug)]
pub(crate) struct Normalizer {
    nulls: Vec<Vec<u8>>,
    decimal: u8,
    thousands: Option<u8>,
    /// Numbers need rewriting (a decimal comma or a grouping separator).
    numbers: bool,
    time_format: Option<String>,
    roles: Vec<Role>,
    /// The reader gives typed values already in the engine's forms (xlsx,
    /// Parquet): numbers are left alone, and a time that does not match the
    /// pattern is passed on as it is.
    typed: bool,
    /// The columns that may need rewriting; `None`: all (null markers apply to all).
    active: Option<Vec<usize>>,
}

impl Normalizer {
    /// The rules for `options` over columns of `roles` (missing roles are text);
    /// `None` if nothing needs rewriting.
    pub(crate) fn new(options: &ReadOptions, roles: &[Role], typed: bool) -> Option<Normalizer> {
        if !options.rewrites_fields() {
            return None;
        }
        let decimal = options.decimal.unwrap_or(b'.');
        let numbers = !typed && (decimal != b'.' || options.thousands.is_some());
        let nulls = options.null.iter().flatten().any(|n| !n.is_empty());
        let active = (!nulls).then(|| {
            (0..roles.len())
                .filter(|&i| match roles[i] {
                    Role::Number => numbers,
                    Role::Time => options.time_format.is_some(),
                    Role::Text => false,
                })
                .collect()
        });
        Some(Normalizer {
            active,
            nulls: options
                .null
                .iter()
                .flatten()
                .filter(|n| !n.is_empty())
                .map(|n| n.as_bytes().to_vec())
                .collect(),
            decimal,
            thousands: options.thousands,
            numbers,
            time_format: options.time_format.clone(),
            roles: roles.to_vec(),
            typed,
        })
    }

    fn role(&self, i: usize) -> Role {
        self.roles.get(i).copied().unwrap_or(Role::Text)
    }

    /// Appends the engine's form of field `i` to `out` if it differs from `f`;
    /// returns whether it did.
    fn rewrite(&self, i: usize, f: &[u8], out: &mut Vec<u8>) -> Result<bool, BadRow> {
        if !f.is_empty() && self.nulls.iter().any(|n| n.as_slice() == f) {
            return Ok(true); // an empty field
        }
        match self.role(i) {
            Role::Number if self.numbers && !f.is_empty() => {
                self.number(i, f, out)?;
                Ok(true)
            }
            Role::Time if !f.is_empty() => match &self.time_format {
                Some(fmt) => match time(fmt, f, out) {
                    Ok(()) => Ok(true),
                    Err(_) if self.typed => Ok(false),
                    Err(e) => Err(BadRow::field(
                        i,
                        format!(
                            "`{}` does not match the time format `{fmt}` ({e})",
                            String::from_utf8_lossy(f)
                        ),
                    )),
                },
                None => Ok(false),
            },
            _ => Ok(false),
        }
    }

    /// `1.234,56` -> `1234.56` (with `decimal ","` and `thousands "."`).
    fn number(&self, i: usize, f: &[u8], out: &mut Vec<u8>) -> Result<(), BadRow> {
        for &b in f {
            if Some(b) == self.thousands {
                continue;
            }
            if b == self.decimal {
                out.push(b'.');
            } else if b == b'.' || b == b',' {
                return Err(BadRow::field(
                    i,
                    format!(
                        "`{}`: a `{}` in a number whose decimal separator is `{}`{}",
                        String::from_utf8_lossy(f),
                        b as char,
                        self.decimal as char,
                        if self.thousands.is_none() {
                            format!(
                                "; if it groups thousands, add `thousands \"{}\"` to the source",
                                b as char
                            )
                        } else {
                            String::new()
                        }
                    ),
                ));
            } else {
                out.push(b);
            }
        }
        Ok(())
    }
}

/// Parses `f` with the strftime pattern `fmt` and appends its ISO form: a date,
/// a local date and time, or a time with its offset (`%z`).
fn time(fmt: &str, f: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let text = std::str::from_utf8(f).map_err(|_| "not UTF-8".to_string())?;
    let tm = jiff::fmt::strtime::parse(fmt, text.trim()).map_err(|e| e.to_string())?;
    use std::io::Write;
    if let Some(off) = tm.offset() {
        let ts = tm.to_timestamp().map_err(|e| e.to_string())?;
        let dt = off.to_datetime(ts);
        let secs = off.seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let (h, m) = (secs.abs() / 3600, secs.abs() / 60 % 60);
        let _ = write!(
            out,
            "{}{sign}{h:02}:{m:02}",
            dt.strftime("%Y-%m-%dT%H:%M:%S")
        );
        return Ok(());
    }
    if tm.hour().is_some() {
        let dt = tm.to_datetime().map_err(|e| e.to_string())?;
        let _ = write!(out, "{}", dt.strftime("%Y-%m-%dT%H:%M:%S"));
    } else {
        let d = tm.to_date().map_err(|e| e.to_string())?;
        let _ = write!(out, "{}", d.strftime("%Y-%m-%d"));
    }
    Ok(())
}

/// A sink that sees the rewritten fields.
pub(crate) struct Normalized<'n, S> {
    norm: &'n Normalizer,
    pub inner: S,
    buf: Vec<u8>,
    /// Where each rewritten field is in `buf`.
    spans: Vec<Option<(usize, usize)>>,
    fields: Vec<&'static [u8]>,
}

impl<'n, S> Normalized<'n, S> {
    pub(crate) fn new(norm: &'n Normalizer, inner: S) -> Normalized<'n, S> {
        Normalized {
            norm,
            inner,
            buf: Vec::with_capacity(256),
            spans: Vec::new(),
            fields: Vec::new(),
        }
    }
}

impl<S: RowSink> RowSink for Normalized<'_, S> {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.buf.clear();
        self.spans.clear();
        let mut any = false;
        let all = 0..fields.len();
        let cols: &mut dyn Iterator<Item = usize> = match &self.norm.active {
            Some(a) => &mut a.iter().copied(),
            None => &mut all.into_iter(),
        };
        for i in cols {
            let Some(f) = fields.get(i) else { break };
            let start = self.buf.len();
            if self.norm.rewrite(i, f, &mut self.buf)? {
                if !any {
                    self.spans.resize(fields.len(), None);
                    any = true;
                }
                self.spans[i] = Some((start, self.buf.len()));
            }
        }
        if !any {
            return self.inner.row(line, fields);
        }
        let mut out: Vec<&[u8]> = super::chunk::recycle(std::mem::take(&mut self.fields));
        for (f, span) in fields.iter().zip(&self.spans) {
            out.push(match span {
                Some((a, b)) => &self.buf[*a..*b],
                None => f,
            });
        }
        let res = self.inner.row(line, &out);
        self.fields = super::chunk::recycle(out);
        res
    }

    fn begin_chunk(&mut self, k: usize) {
        self.inner.begin_chunk(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(options: ReadOptions, roles: &[Role]) -> Normalizer {
        Normalizer::new(&options, roles, false).expect("rewrites")
    }

    fn one(n: &Normalizer, i: usize, f: &str) -> Result<String, String> {
        let mut out = Vec::new();
        match n.rewrite(i, f.as_bytes(), &mut out) {
            Ok(true) => Ok(String::from_utf8(out).unwrap()),
            Ok(false) => Ok(f.to_string()),
            Err(b) => Err(b.message),
        }
    }

    #[test]
    fn european_numbers_nulls_and_times() {
        let n = norm(
            ReadOptions {
                decimal: Some(b','),
                thousands: Some(b'.'),
                null: Some(vec!["".into(), "NA".into(), "-".into()]),
                time_format: Some("%d-%m-%Y %H:%M".into()),
                ..ReadOptions::default()
            },
            &[Role::Number, Role::Time, Role::Text],
        );
        assert_eq!(one(&n, 0, "1.234,56").unwrap(), "1234.56");
        assert_eq!(one(&n, 0, "-0,5").unwrap(), "-0.5");
        assert_eq!(one(&n, 0, "NA").unwrap(), "");
        assert_eq!(one(&n, 2, "-").unwrap(), "");
        assert_eq!(one(&n, 2, "1.234,56").unwrap(), "1.234,56");
        assert_eq!(
            one(&n, 1, "05-01-2026 09:00").unwrap(),
            "2026-01-05T09:00:00"
        );
        let e = one(&n, 1, "2026-01-05").unwrap_err();
        assert!(
            e.contains("does not match the time format `%d-%m-%Y %H:%M`"),
            "{e}"
        );
    }

    #[test]
    fn a_point_under_a_decimal_comma_says_what_to_add() {
        let n = norm(
            ReadOptions {
                decimal: Some(b','),
                ..ReadOptions::default()
            },
            &[Role::Number],
        );
        let e = one(&n, 0, "1.234,5").unwrap_err();
        assert!(e.contains("add `thousands \".\"`"), "{e}");
    }

    #[test]
    fn offsets_and_dates() {
        let mut out = Vec::new();
        time("%d/%m/%Y %H:%M %z", b"05/01/2026 09:00 +0100", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "2026-01-05T09:00:00+01:00");
        let mut out = Vec::new();
        time("%m/%d/%Y", b"01/05/2026", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "2026-01-05");
    }
}
