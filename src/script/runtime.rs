//! Calling script functions during evaluation. One engine per evaluation and each
//! script compiled once; a call per (group, period) row, after aggregation. Values
//! cross as numbers (always Rhai floats going in), strings, booleans and `()` for
//! null; errors (a sandbox limit, a Rhai runtime error, a result of another type)
//! become [`EvalError::Data`] with a code frame in the `.rhai` file.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use rhai::{CallFnOptions, Dynamic, EvalAltResult, Position, Scope, AST};

use super::arena::{StrArena, MAX_TEXT};
use super::sandbox::{self, Clock};
use crate::compile::graph::{Formula, Graph, NodeId, NodeKind, ScriptDef};
use crate::data::period::{period_label, Grain};
use crate::diag::{self, Diagnostic, FileId, SourceMap};
use crate::eval::EvalError;

/// A value going into a script function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arg<'a> {
    Null,
    Num(f64),
    Bool(bool),
    Str(&'a str),
    /// A day number: passed as an ISO date string.
    Date(i32),
    /// A duration: passed as a number of seconds.
    Seconds(i64),
}

/// A value coming out of a script function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Num(f64),
    Bool(bool),
    Str(&'a str),
}

/// How to name a row's group in messages.
#[derive(Clone, Copy, Debug)]
pub struct GroupNames<'a> {
    pub by: &'a [String],
    /// Dimension values of each group id.
    pub values: &'a [Vec<String>],
    pub grain: Grain,
}

/// The scripts of one evaluation, compiled, with the engine that runs them.
pub struct Runtime<'g> {
    engine: rhai::Engine,
    clock: Rc<Clock>,
    scripts: Vec<(&'g ScriptDef, Rc<AST>)>,
    /// Function name -> (arity, index in `scripts`).
    index: HashMap<&'g str, Vec<(usize, usize)>>,
    strings: StrArena,
    groups: GroupNames<'g>,
}

impl<'g> Runtime<'g> {
    /// The runtime for `needed` nodes, or `None` when none of them calls a script.
    pub fn for_nodes(
        graph: &'g Graph,
        needed: &[NodeId],
        groups: GroupNames<'g>,
    ) -> Result<Option<Runtime<'g>>, EvalError> {
        let uses = needed
            .iter()
            .any(|id| matches!(&graph.node(*id).kind, NodeKind::Formula(f) if calls_script(f)));
        if !uses {
            return Ok(None);
        }
        let mut scripts = Vec::new();
        let mut index: HashMap<&'g str, Vec<(usize, usize)>> = HashMap::new();
        for def in &graph.scripts {
            let ast = super::compile(&def.text).map_err(|e| {
                EvalError::Data(format!(
                    "script `{}` does not compile: {e}",
                    def.path.display()
                ))
            })?;
            for f in &def.functions {
                index
                    .entry(f.name.as_str())
                    .or_default()
                    .push((f.params.len(), scripts.len()));
            }
            scripts.push((def, ast));
        }
        let clock = Clock::new();
        Ok(Some(Runtime {
            engine: sandbox::sandboxed_engine(clock.clone()),
            clock,
            scripts,
            index,
            strings: StrArena::default(),
            groups,
        }))
    }

    /// Call `name` for the row of group `row.0` and period `row.1`.
    pub fn call(&self, name: &str, args: &[Arg], row: (u32, i32)) -> Result<Scalar<'_>, EvalError> {
        let Some(&(_, s)) = self
            .index
            .get(name)
            .and_then(|v| v.iter().find(|(n, _)| *n == args.len()))
        else {
            return Err(EvalError::Data(format!(
                "no script defines a function `{name}` of {} arguments",
                args.len()
            )));
        };
        let (def, ast) = &self.scripts[s];
        self.clock.start_call();
        let result = call_fn(&self.engine, ast, name, args);
        self.clock.end_call();
        match result {
            Ok(v) => self.convert(v, def, name, row),
            Err(e) => Err(self.failure(*e, def, ast, name, args, row)),
        }
    }

    fn convert(
        &self,
        v: Dynamic,
        def: &ScriptDef,
        name: &str,
        row: (u32, i32),
    ) -> Result<Scalar<'_>, EvalError> {
        if v.is_unit() {
            return Ok(Scalar::Null);
        }
        if let Ok(x) = v.as_float() {
            return Ok(if x.is_finite() {
                Scalar::Num(x)
            } else {
                Scalar::Null
            });
        }
        if let Ok(i) = v.as_int() {
            return Ok(Scalar::Num(i as f64));
        }
        if let Ok(b) = v.as_bool() {
            return Ok(Scalar::Bool(b));
        }
        let kind = v.type_name();
        if let Ok(s) = v.into_immutable_string() {
            return match self.strings.alloc(&s) {
                Some(s) => Ok(Scalar::Str(s)),
                None => Err(self.report(
                    def,
                    None,
                    format!(
                        "function `{name}` returned more text than kpi keeps ({} MiB in all)",
                        MAX_TEXT >> 20
                    ),
                    row,
                    "",
                )),
            };
        }
        let at = super::definition_of(&def.text, name);
        Err(self.report(
            def,
            at.map(|o| (o, name.len())),
            format!("function `{name}` returned a value of type `{kind}`"),
            row,
            "a script function must return a number, a string, a boolean, or () for null",
        ))
    }

    /// The error of a failed call: a sandbox limit (replayed to find where it
    /// stopped) or a Rhai runtime error (with its position).
    fn failure(
        &self,
        err: EvalAltResult,
        def: &ScriptDef,
        ast: &AST,
        name: &str,
        args: &[Arg],
        row: (u32, i32),
    ) -> EvalError {
        if let Some(limit) = limit_of(&err) {
            let last = Rc::new(Cell::new(Position::NONE));
            let replay = sandbox::replay_engine(self.clock.operations.get(), last.clone());
            let _ = call_fn(&replay, ast, name, args);
            let pos = last.get();
            let at = position_text(pos);
            return self.report_at(
                def,
                pos,
                format!("function `{name}` stopped{at}: {limit}"),
                row,
                "a script call stops at the sandbox limits; see \"User functions in Rhai\" in the README",
            );
        }
        // Errors inside nested calls are wrapped: the innermost one says what and where.
        let (mut inner, mut within) = (err, name.to_string());
        while let EvalAltResult::ErrorInFunctionCall(f, _, e, _) = inner {
            within = f;
            inner = *e;
        }
        let pos = inner.take_position();
        let inside = if within != name {
            format!(" (in `{within}`)")
        } else {
            String::new()
        };
        let at = position_text(pos);
        self.report_at(
            def,
            pos,
            format!("function `{name}` failed{at}{inside}: {inner}"),
            row,
            "",
        )
    }

    fn report_at(
        &self,
        def: &ScriptDef,
        pos: Position,
        message: String,
        row: (u32, i32),
        help: &str,
    ) -> EvalError {
        let src = crate::diag::SourceFile::new(def.path.clone(), def.text.clone());
        let at = super::span_at(FileId(0), &src, pos).map(|s| (s.start as usize, s.range().len()));
        self.report(def, at, message, row, help)
    }

    /// Render an error about `def` at byte `at` (offset, length) as a diagnostic.
    fn report(
        &self,
        def: &ScriptDef,
        at: Option<(usize, usize)>,
        message: String,
        row: (u32, i32),
        help: &str,
    ) -> EvalError {
        let mut map = SourceMap::new();
        let file = map.add(def.path.clone(), def.text.clone());
        let mut d = Diagnostic::error("", format!("script `{}`: {message}", def.path.display()));
        if let Some((start, len)) = at {
            d = d.at(crate::diag::Span::new(file, start..start + len), "here");
        }
        d = d.with_note(format!("evaluating {}", self.group_text(row)));
        if !help.is_empty() {
            d = d.with_help(help);
        }
        let text = diag::render(&map, &d, false);
        let text = text
            .strip_prefix("error[]: ")
            .or_else(|| text.strip_prefix("error: "))
            .unwrap_or(&text);
        EvalError::Data(text.trim_end().to_string())
    }

    /// `group team=north, period 2026-01`
    fn group_text(&self, (id, p): (u32, i32)) -> String {
        let g = self.groups;
        let mut parts: Vec<String> =
            g.by.iter()
                .zip(g.values.get(id as usize).into_iter().flatten())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
        if g.grain != Grain::All {
            parts.push(format!("period {}", period_label(g.grain, p)));
        }
        if parts.is_empty() {
            "the whole range (one group)".into()
        } else {
            format!("group {}", parts.join(", "))
        }
    }
}

fn call_fn(
    engine: &rhai::Engine,
    ast: &AST,
    name: &str,
    args: &[Arg],
) -> Result<Dynamic, Box<EvalAltResult>> {
    let values: Vec<Dynamic> = args.iter().map(|a| to_dynamic(*a)).collect();
    let mut scope = Scope::new();
    let opts = CallFnOptions::new().eval_ast(false).rewind_scope(true);
    engine.call_fn_with_options::<Dynamic>(opts, &mut scope, ast, name, values)
}

fn to_dynamic(a: Arg) -> Dynamic {
    match a {
        Arg::Null => Dynamic::UNIT,
        Arg::Num(x) => Dynamic::from_float(x),
        Arg::Bool(b) => Dynamic::from_bool(b),
        Arg::Str(s) => s.into(),
        Arg::Date(d) => {
            let (y, m, day) = crate::data::period::civil_from_day(d);
            format!("{y:04}-{m:02}-{day:02}").into()
        }
        Arg::Seconds(s) => Dynamic::from_float(s as f64),
    }
}

fn position_text(pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!(" at {l}:{c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

/// The sandbox limit an error reports, if it is one.
fn limit_of(err: &EvalAltResult) -> Option<String> {
    use sandbox::*;
    Some(match err {
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!("too many operations (limit {MAX_OPERATIONS} per call)")
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            format!("function calls nested too deep (limit {MAX_CALL_LEVELS} levels)")
        }
        EvalAltResult::ErrorTooManyVariables(_) => {
            format!("too many variables (limit {MAX_VARIABLES})")
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => match what.as_str() {
            "Length of string" => format!("string too long (limit {MAX_STRING_SIZE} bytes)"),
            "Size of object map" => format!("object map too large (limit {MAX_MAP_SIZE} entries)"),
            w if w.starts_with("Size of array") => {
                format!("array too large (limit {MAX_ARRAY_SIZE} items)")
            }
            w => format!("{} too large", w.to_lowercase()),
        },
        EvalAltResult::ErrorTerminated(why, _) => {
            if why
                .clone()
                .into_immutable_string()
                .is_ok_and(|s| s == STOP_RUN_TIME)
            {
                format!(
                    "script calls of this evaluation ran longer than {} s together (wall-clock limit)",
                    MAX_RUN_TIME.as_secs()
                )
            } else {
                format!(
                    "ran longer than {} s (wall-clock limit per call)",
                    MAX_CALL_TIME.as_secs()
                )
            }
        }
        _ => return None,
    })
}

/// Whether a formula calls a script function.
pub(crate) fn calls_script(f: &Formula) -> bool {
    match f {
        Formula::Script(..) => true,
        Formula::Unary(_, a) => calls_script(a),
        Formula::Binary(_, a, b) => calls_script(a) || calls_script(b),
        Formula::In(a, items) => calls_script(a) || items.iter().any(calls_script),
        Formula::Call(_, args) => args.iter().any(calls_script),
        _ => false,
    }
}
