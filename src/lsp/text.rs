//! Positions and addresses: LSP positions count UTF-16 code units per line, spans
//! count bytes; documents are `file://` URIs, the loader reads paths.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, Uri};

/// Line starts of a text, for converting between byte offsets and LSP positions.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The position of a byte offset (clamped to the text, and back to a character
    /// boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The byte offset of a position: `None` past the last line; a column past the
    /// end of its line is the line's end.
    pub fn offset(&self, pos: Position) -> Option<usize> {
        let line = pos.line as usize;
        let start = *self.starts.get(line)?;
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let mut units = 0usize;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= pos.character as usize {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(end)
    }

    /// The range of the whole text.
    pub fn full_range(&self) -> Range {
        Range::new(Position::new(0, 0), self.position(self.text.len()))
    }
}

/// The path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file://host/path` is not a local file; `file:///path` is.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let bytes = percent_decode(rest)?;
    let decoded = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows.
    let windows = decoded.len() > 2 && decoded.as_bytes()[2] == b':';
    let path = if cfg!(windows) && windows {
        decoded[1..].to_string()
    } else {
        decoded
    };
    Some(crate::compile::load::normalize(Path::new(&path)))
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `file://` URI of an absolute path.
pub fn uri_of(path: &Path) -> Uri {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).unwrap_or_else(|_| Uri::from_str("file:///").expect("a valid URI"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_round_trip() {
        let text = "a\u{e9}\u{1F600}b\nxy";
        let idx = LineIndex::new(text);
        // `b` is after a (1), é (1), 😀 (2 UTF-16 units).
        let b = text.find('b').unwrap();
        assert_eq!(idx.position(b), Position::new(0, 4));
        assert_eq!(idx.offset(Position::new(0, 4)), Some(b));
        assert_eq!(idx.offset(Position::new(0, 99)), Some(b + 1));
        assert_eq!(idx.offset(Position::new(1, 1)), Some(b + 3));
        assert_eq!(idx.offset(Position::new(7, 0)), None);
        assert_eq!(idx.position(usize::MAX), Position::new(1, 2));
    }

    #[test]
    fn file_uris_round_trip() {
        let p = Path::new("/tmp/a dir/s\u{e9}.kpi");
        let u = uri_of(p);
        assert_eq!(u.as_str(), "file:///tmp/a%20dir/s%C3%A9.kpi");
        assert_eq!(path_of(&u).as_deref(), Some(p));
        let other = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(path_of(&other), None);
    }
}
