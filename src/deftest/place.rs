//! Where a test file says something: a name in a test, located in the file's text
//! (the YAML is read through serde, without positions), and rendered as a diagnostic
//! with file, line, column, caret and a "did you mean".

use std::path::Path;

use crate::diag::{self, Diagnostic, SourceMap, Span};

/// A test file's path and text.
pub struct TestText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl TestText<'_> {
    /// The byte range of `name` as a whole word in the test named `test`: the first
    /// occurrence after the test's `name:` line (the whole file if that is not found).
    fn find(&self, test: &str, name: &str) -> Option<std::ops::Range<usize>> {
        let from = self
            .text
            .match_indices("name:")
            .map(|(i, _)| i)
            .find(|&i| {
                let line_end = self.text[i..].find('\n').map_or(self.text.len(), |e| i + e);
                self.text[i + 5..line_end].trim().trim_matches(['"', '\'']) == test
            })
            .unwrap_or(0);
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        let bytes = self.text.as_bytes();
        self.text[from..]
            .match_indices(name)
            .map(|(i, _)| from + i)
            .find(|&i| {
                let before = i == 0 || !word(bytes[i - 1]);
                let after = bytes.get(i + name.len()).is_none_or(|&b| !word(b));
                before && after
            })
            .map(|i| i..i + name.len())
    }

    /// An error about `name` in test `test`, rendered (ends with a newline).
    pub fn unknown<'c>(
        &self,
        test: &str,
        code: &'static str,
        message: String,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> String {
        let mut map = SourceMap::new();
        let id = map.add(self.path.to_path_buf(), self.text.to_string());
        let mut d = Diagnostic::error(code, message);
        if let Some(r) = self.find(test, name) {
            d = d.at(Span::new(id, r), "not defined");
        }
        if let Some(h) = diag::did_you_mean(name, candidates) {
            d = d.with_help(h);
        }
        let text = diag::render_all(&map, &[d], false);
        if text.ends_with('\n') {
            text
        } else {
            text + "\n"
        }
    }
}
