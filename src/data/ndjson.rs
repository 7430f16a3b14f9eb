//! The NDJSON reader: one JSON object per line.
//!
//! Each line is parsed by a small hand-written JSON scanner that only keeps the
//! values of the requested keys: strings are handed over unescaped (escapes are
//! decoded into a reused scratch buffer), numbers and `true`/`false` as their
//! text, nested arrays and objects as their raw JSON text, and `null` or a
//! missing key as an empty field. Blank lines are not records; a line that is not
//! one JSON object is a bad row.

use std::path::Path;

use foldhash::{HashMap, HashMapExt};

use super::chunk::{eq_mask, recycle, Ctx, Input, Parser, Source};
use super::scan::{Header, RowSink, ScanError};

/// Where a value's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    /// Missing or null.
    Empty,
    /// `line[start..end]`.
    Line(usize, usize),
    /// `scratch[start..end]` (a string with escapes).
    Scratch(usize, usize),
}

/// The position of the first `"` or `\\` in `s[from..]`, 8 bytes at a time.
#[inline]
fn quote_or_backslash(s: &[u8], from: usize) -> Option<usize> {
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const BACKSLASHES: u64 = 0x5C5C_5C5C_5C5C_5C5C;
    let mut i = from;
    while let Some(w) = s.get(i..i + 8) {
        let x = u64::from_le_bytes(w.try_into().unwrap_or([b'"'; 8]));
        let m = eq_mask(x, QUOTES) | eq_mask(x, BACKSLASHES);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i.min(s.len())..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|k| i + k)
}

/// A JSON scanner over one line.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

type JResult<T> = Result<T, String>;

impl<'a> Cur<'a> {
    #[inline]
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\r')) {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> JResult<T> {
        match self.s.get(self.i) {
            Some(&b) if b.is_ascii_graphic() => Err(format!(
                "invalid JSON: expected {what} at column {}, found `{}`",
                self.i + 1,
                b as char
            )),
            Some(_) => Err(format!(
                "invalid JSON: expected {what} at column {}",
                self.i + 1
            )),
            None => Err(format!(
                "invalid JSON: expected {what}, found the end of the line"
            )),
        }
    }

    #[inline]
    fn eat(&mut self, b: u8, what: &str) -> JResult<()> {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            self.err(what)
        }
    }

    /// A string starting at the opening quote: its raw bounds, or its unescaped
    /// bounds in `scratch`.
    fn string(&mut self, scratch: &mut Vec<u8>) -> JResult<Val> {
        self.i += 1;
        let start = self.i;
        let Some(end) = quote_or_backslash(self.s, start) else {
            return Err("invalid JSON: unterminated string".to_string());
        };
        if self.s[end] == b'"' {
            self.i = end + 1;
            return Ok(Val::Line(start, end));
        }
        let from = scratch.len();
        scratch.extend_from_slice(&self.s[start..end]);
        self.i = end;
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err("invalid JSON: unterminated string".to_string());
            };
            self.i += 1;
            match b {
                b'"' => return Ok(Val::Scratch(from, scratch.len())),
                b'\\' => self.escape(scratch)?,
                _ => scratch.push(b),
            }
        }
    }

    fn escape(&mut self, scratch: &mut Vec<u8>) -> JResult<()> {
        let Some(&e) = self.s.get(self.i) else {
            return Err("invalid JSON: unterminated string".to_string());
        };
        self.i += 1;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                        return Err("invalid JSON: unpaired surrogate in \\u escape".to_string());
                    }
                    self.i += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err("invalid JSON: unpaired surrogate in \\u escape".to_string());
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(cp).ok_or_else(|| "invalid JSON: bad \\u escape".to_string())?
            }
            _ => return Err(format!("invalid JSON: unknown escape `\\{}`", e as char)),
        };
        let mut tmp = [0u8; 4];
        scratch.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> JResult<u32> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            return Err("invalid JSON: bad \\u escape".to_string());
        };
        let mut v = 0;
        for &b in h {
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| "invalid JSON: bad \\u escape".to_string())?;
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    /// Any value; strings go through `scratch`.
    fn value(&mut self, scratch: &mut Vec<u8>, depth: u32) -> JResult<Val> {
        self.ws();
        let start = self.i;
        match self.s.get(self.i) {
            Some(b'"') => self.string(scratch),
            Some(b'{' | b'[') => {
                self.skip_nested(scratch, depth)?;
                Ok(Val::Line(start, self.i))
            }
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null").map(|_| Val::Empty),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("a value"),
        }
    }

    fn word(&mut self, w: &[u8]) -> JResult<Val> {
        let start = self.i;
        if self.s.get(start..start + w.len()) == Some(w) {
            self.i += w.len();
            Ok(Val::Line(start, self.i))
        } else {
            self.err("a value")
        }
    }

    fn number(&mut self) -> JResult<Val> {
        let start = self.i;
        let digits = |c: &mut Cur<'_>| {
            let from = c.i;
            while c.s.get(c.i).is_some_and(u8::is_ascii_digit) {
                c.i += 1;
            }
            c.i > from
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        if !digits(self) {
            return self.err("a digit");
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return self.err("a digit");
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return self.err("a digit");
            }
        }
        Ok(Val::Line(start, self.i))
    }

    /// Skips an array or object, validating it.
    fn skip_nested(&mut self, scratch: &mut Vec<u8>, depth: u32) -> JResult<()> {
        if depth > 64 {
            return Err("invalid JSON: nested too deeply".to_string());
        }
        let mark = scratch.len();
        let open = self.s[self.i];
        self.i += 1;
        self.ws();
        let close = if open == b'{' { b'}' } else { b']' };
        if self.s.get(self.i) == Some(&close) {
            self.i += 1;
            return Ok(());
        }
        loop {
            if open == b'{' {
                self.ws();
                if self.s.get(self.i) != Some(&b'"') {
                    return self.err("a key");
                }
                self.string(scratch)?;
                self.eat(b':', "`:`")?;
            }
            self.value(scratch, depth + 1)?;
            scratch.truncate(mark);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(&c) if c == close => {
                    self.i += 1;
                    return Ok(());
                }
                _ => {
                    return self.err(if open == b'{' {
                        "`,` or `}`"
                    } else {
                        "`,` or `]`"
                    })
                }
            }
        }
    }

    /// The members of the top-level object on this line, one call of `f` per
    /// member with the key's bytes and the value.
    fn object(
        &mut self,
        scratch: &mut Vec<u8>,
        key_buf: &mut Vec<u8>,
        mut f: impl FnMut(&[u8], Val),
    ) -> JResult<()> {
        self.ws();
        if self.s.get(self.i) != Some(&b'{') {
            return self.err("a JSON object `{`");
        }
        self.i += 1;
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.s.get(self.i) != Some(&b'"') {
                    return self.err("a key");
                }
                let mark = scratch.len();
                let key = self.string(scratch)?;
                let line = self.s;
                let key: &[u8] = match key {
                    Val::Line(a, b) => &line[a..b],
                    Val::Scratch(a, b) => {
                        key_buf.clear();
                        key_buf.extend_from_slice(&scratch[a..b]);
                        scratch.truncate(mark);
                        key_buf
                    }
                    Val::Empty => &[],
                };
                self.eat(b':', "`:`")?;
                let v = self.value(scratch, 1)?;
                f(key, v);
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return self.err("`,` or `}`"),
                }
            }
        }
        self.ws();
        if self.i < self.s.len() {
            return self.err("the end of the line after the object");
        }
        Ok(())
    }
}

/// The NDJSON record parser of one chunk.
pub(crate) struct NdjsonParser {
    /// Requested key -> the indexes into the spec's columns it fills.
    wanted: HashMap<Vec<u8>, Vec<usize>>,
    /// The keys of the previous object by member position, and what they fill:
    /// objects of one file mostly list their keys in one order, so a key is
    /// usually compared once instead of hashed.
    order: Vec<(Vec<u8>, Option<Vec<usize>>)>,
    vals: Vec<Val>,
    scratch: Vec<u8>,
    key_buf: Vec<u8>,
    fields: Vec<&'static [u8]>,
}

impl NdjsonParser {
    pub(crate) fn new(columns: &[String], names: &[String], positions: &[usize]) -> NdjsonParser {
        let mut wanted: HashMap<Vec<u8>, Vec<usize>> = HashMap::with_capacity(columns.len());
        for (j, &p) in positions.iter().enumerate() {
            // Match the key as the header spells it (resolution may trim).
            let key = names.get(p).map_or(columns[j].as_bytes(), |n| n.as_bytes());
            wanted.entry(key.to_vec()).or_default().push(j);
        }
        NdjsonParser {
            wanted,
            order: Vec::new(),
            vals: vec![Val::Empty; columns.len()],
            scratch: Vec::new(),
            key_buf: Vec::new(),
            fields: Vec::with_capacity(columns.len()),
        }
    }

    fn line<S: RowSink>(
        &mut self,
        s: &[u8],
        line: u64,
        check_utf8: bool,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<(), ScanError> {
        self.vals.fill(Val::Empty);
        self.scratch.clear();
        let (wanted, order, vals) = (&self.wanted, &mut self.order, &mut self.vals);
        let mut member = 0;
        let mut cur = Cur { s, i: 0 };
        let res = cur.object(&mut self.scratch, &mut self.key_buf, |k, v| {
            if order.len() <= member {
                order.push((Vec::new(), None));
            }
            let slot = &mut order[member];
            if slot.0 != k {
                slot.0.clear();
                slot.0.extend_from_slice(k);
                slot.1 = wanted.get(k).cloned();
            }
            if let Some(js) = &slot.1 {
                for &j in js {
                    vals[j] = v;
                }
            }
            member += 1;
        });
        if let Err(msg) = res {
            return ctx.bad(line, None, msg);
        }
        let mut out: Vec<&[u8]> = recycle(std::mem::take(&mut self.fields));
        for v in &self.vals {
            out.push(match *v {
                Val::Empty => &[],
                Val::Line(a, b) => &s[a..b],
                Val::Scratch(a, b) => &self.scratch[a..b],
            });
        }
        let r = ctx.emit(sink, line, &out, check_utf8);
        self.fields = recycle(out);
        r
    }
}

/// Whether a line holds only whitespace.
fn blank(s: &[u8]) -> bool {
    s.iter().all(|b| b.is_ascii_whitespace())
}

impl Parser for NdjsonParser {
    fn parse<S: RowSink>(
        &mut self,
        data: &[u8],
        eof: bool,
        line: &mut u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<usize, ScanError> {
        let check_utf8 = !data.is_ascii();
        let mut rec = 0;
        for nl in memchr::memchr_iter(b'\n', data) {
            let s = &data[rec..nl];
            if !blank(s) {
                self.line(s, *line, check_utf8, ctx, sink)?;
            }
            *line += 1;
            rec = nl + 1;
        }
        if eof && rec < data.len() {
            let s = &data[rec..];
            if !blank(s) {
                self.line(s, *line, check_utf8, ctx, sink)?;
            }
            rec = data.len();
        }
        Ok(rec)
    }

    fn may_span(&self) -> bool {
        false
    }
}

/// Reads the column names: the keys of the first object in order, then keys
/// first seen in the following objects of the first MiB. Data starts at the top.
pub(crate) fn read_header(path: &Path, input: Input<'_>) -> Result<Header, ScanError> {
    let mut src = Source::open(path, input, 0)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0;
    while filled < buf.len() {
        let n = src.read(path, &mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    let complete = filled < buf.len();
    let data = &buf[..filled];
    let bom = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut names: Vec<String> = Vec::new();
    let mut seen = foldhash::HashSet::default();
    let (mut scratch, mut key_buf) = (Vec::new(), Vec::new());
    let mut lines = data[bom..].split(|&b| b == b'\n').peekable();
    while let Some(l) = lines.next() {
        if lines.peek().is_none() && !complete {
            break; // possibly cut off
        }
        if blank(l) {
            continue;
        }
        let mut keys = Vec::new();
        let mut cur = Cur { s: l, i: 0 };
        let ok = cur
            .object(&mut scratch, &mut key_buf, |k, _| {
                keys.push(String::from_utf8_lossy(k).into_owned())
            })
            .is_ok();
        scratch.clear();
        if ok {
            for k in keys {
                if seen.insert(k.clone()) {
                    names.push(k);
                }
            }
        }
    }
    Ok(Header {
        names,
        data_start: bom as u64,
        first_line: 1,
        cr_lines: false,
        delimiter: b',',
    })
}
