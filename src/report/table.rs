//! The text table of `kpi eval --format table`.
//!
//! comfy-table draws it (`UTF8_FULL_CONDENSED`), but keeps every cell as its own
//! allocations: 20,000 result rows took about a second and 140 MB. A table whose
//! cells hold no line break (the usual case) is written here in one pass instead,
//! to the same text: column widths are the widest display width in each column
//! (`unicode-width`, as comfy-table measures), one space of padding on each side.
//! Anything else goes to comfy-table; a property test holds both to the same
//! output.

use unicode_width::UnicodeWidthStr;

/// The table of `head` and `rows` (as many cells each as `head`), the columns from
/// `right_from` on aligned right; the text ends with a newline.
pub fn render(head: &[String], rows: &[Vec<String>], right_from: usize) -> String {
    let n = head.len();
    let plain = |s: &String| !s.contains('\n');
    let simple =
        n > 0 && head.iter().all(plain) && rows.iter().all(|r| r.len() == n && r.iter().all(plain));
    if !simple {
        return comfy(head, rows, right_from);
    }
    let mut widths: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let rule = |left: &str, fill: &str, mid: &str, right: &str, s: &mut String| {
        s.push_str(left);
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                s.push_str(mid);
            }
            for _ in 0..w + 2 {
                s.push_str(fill);
            }
        }
        s.push_str(right);
        s.push('\n');
    };
    let line = |cells: &[String], right_from: usize, s: &mut String| {
        s.push('│');
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push('┆');
            }
            let pad = w - c.width();
            s.push(' ');
            if i >= right_from {
                s.extend(std::iter::repeat_n(' ', pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                s.extend(std::iter::repeat_n(' ', pad));
            }
            s.push(' ');
        }
        s.push_str("│\n");
    };
    let row_bytes: usize = widths.iter().map(|w| w + 6).sum::<usize>() + 8;
    let mut s = String::with_capacity(row_bytes * (rows.len() + 4));
    rule("┌", "─", "┬", "┐", &mut s);
    line(head, n, &mut s);
    rule("╞", "═", "╪", "╡", &mut s);
    for r in rows {
        line(r, right_from, &mut s);
    }
    rule("└", "─", "┴", "┘", &mut s);
    s
}

/// [`render`] by comfy-table.
fn comfy(head: &[String], rows: &[Vec<String>], right_from: usize) -> String {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(head);
    for r in rows {
        t.add_row(r.iter().enumerate().map(|(i, x)| {
            let c = Cell::new(x);
            if i >= right_from {
                c.set_alignment(CellAlignment::Right)
            } else {
                c
            }
        }));
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The one-pass table is comfy-table's text, for cells of any width: empty,
        /// wide (CJK, emoji), combining marks, tabs, spaces, and no rows at all.
        #[test]
        fn one_pass_table_is_comfy_tables_text(
            cols in 1usize..5,
            right_from in 0usize..5,
            cells in proptest::collection::vec("[a-z0-9 .,%\t-]{0,6}|[é日本😀\u{301}\r\u{1b}]{0,3}|", 0..40),
        ) {
            let head: Vec<String> = (0..cols).map(|i| format!("col{i}")).collect();
            let rows: Vec<Vec<String>> = cells.chunks_exact(cols).map(<[String]>::to_vec).collect();
            proptest::prop_assert_eq!(render(&head, &rows, right_from), comfy(&head, &rows, right_from));
        }
    }

    /// The expected text, written out: widths from the widest cell, the header
    /// left-aligned, values right-aligned from `right_from`.
    #[test]
    fn plain_table_text() {
        let head = vec!["rep".to_string(), "calls".to_string()];
        let rows = vec![
            vec!["ann".to_string(), "3".to_string()],
            vec!["ánnika".to_string(), "1250".to_string()],
        ];
        let want = "\
┌────────┬───────┐
│ rep    ┆ calls │
╞════════╪═══════╡
│ ann    ┆     3 │
│ ánnika ┆  1250 │
└────────┴───────┘
";
        assert_eq!(render(&head, &rows, 1), want);
    }

    /// A cell with a line break takes two lines, as comfy-table draws it.
    #[test]
    fn line_breaks_go_to_comfy_table() {
        let head = vec!["rep".to_string(), "calls".to_string()];
        let rows = vec![vec!["ann\nlee".to_string(), "3".to_string()]];
        let want = "\
┌─────┬───────┐
│ rep ┆ calls │
╞═════╪═══════╡
│ ann ┆     3 │
│ lee ┆       │
└─────┴───────┘
";
        assert_eq!(render(&head, &rows, 1), want);
    }
}
