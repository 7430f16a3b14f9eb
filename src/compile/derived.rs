//! Derived columns (`column revenue = qty * unit_price`, DESIGN 5.2): each source's
//! lowered into its `SourceDef::derived`, refusing a name given twice, the time column,
//! and cycles (printed whole).

use crate::diag::Diagnostic;

use super::graph::DerivedColumn;
use super::lower::Lowerer;

impl Lowerer<'_, '_> {
    /// Lower every source's derived columns (`column revenue = qty * unit_price`) into
    /// its [`SourceDef::derived`], refusing a name given twice and cycles.
    pub fn derived_columns(&mut self) {
        let scope = self.scope;
        for (s, (src, _)) in scope.sources.iter().enumerate() {
            let mut out: Vec<DerivedColumn> = Vec::new();
            for c in &src.columns {
                let Some(e) = &c.expr else { continue };
                if let Some(first) = out.iter().find(|d| d.name == c.name.name) {
                    let d = Diagnostic::error(
                        "E0412",
                        format!(
                            "column `{}` is derived twice in source `{}`",
                            c.name.name, src.name.name
                        ),
                    )
                    .at(c.name.span, "defined again here")
                    .with_secondary(first.span, "first defined here")
                    .with_help("keep one of the two definitions");
                    self.diags.push(d);
                    continue;
                }
                if src.time.as_ref().is_some_and(|t| t.name == c.name.name) {
                    let d = Diagnostic::error(
                        "E0412",
                        format!("the time column `{}` cannot be derived", c.name.name),
                    )
                    .at(c.name.span, "derived here")
                    .with_help(
                        "the event time is read from the file; derive another column from it",
                    );
                    self.diags.push(d);
                    continue;
                }
                self.row_src = Some(s);
                let x = self.row_expr(e);
                self.row_src = None;
                if let Some(x) = x {
                    out.push(DerivedColumn {
                        name: c.name.name.clone(),
                        expr: x,
                        span: c.name.span,
                    });
                }
            }
            if let Some(d) = derived_cycle(&out) {
                self.diags.push(d);
                out.clear();
            }
            if let Some(def) = self.graph.sources.get_mut(s) {
                def.derived = out;
            }
        }
    }
}

/// The first cycle among a source's derived columns, as a diagnostic printing it whole.
fn derived_cycle(cols: &[DerivedColumn]) -> Option<Diagnostic> {
    fn visit(
        i: usize,
        cols: &[DerivedColumn],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        path.push(i);
        let mut used = Vec::new();
        cols[i].expr.columns(&mut used);
        for u in used {
            let Some(j) = cols.iter().position(|d| d.name == u) else {
                continue;
            };
            match state[j] {
                1 => {
                    let at = path.iter().position(|&p| p == j).unwrap_or(0);
                    let mut cycle = path[at..].to_vec();
                    cycle.push(j);
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(j, cols, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state[i] = 2;
        None
    }
    let mut state = vec![0u8; cols.len()];
    for i in 0..cols.len() {
        if state[i] == 0 {
            if let Some(cycle) = visit(i, cols, &mut state, &mut Vec::new()) {
                let names: Vec<&str> = cycle.iter().map(|&k| cols[k].name.as_str()).collect();
                let first = &cols[cycle[0]];
                let message = if cycle.len() == 2 {
                    format!("derived column `{}` refers to itself", first.name)
                } else {
                    format!(
                        "derived columns refer to each other in a cycle: {}",
                        names.join(" -> ")
                    )
                };
                return Some(
                    Diagnostic::error("E0413", message)
                        .at(first.span, format!("cycle: {}", names.join(" -> ")))
                        .with_help("break the cycle: compute one of these columns from the file's columns alone"),
                );
            }
        }
    }
    None
}
