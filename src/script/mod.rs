//! User functions in Rhai (`script "functions.rhai"`): the sandbox
//! ([`sandbox::sandboxed_engine`], the whole policy in one function), compiling a
//! script (once per run: compiled scripts are kept per thread, keyed by their text),
//! positions in a script as spans, and the [`Runtime`] that calls script functions
//! per (group, period) row during evaluation.

mod arena;
mod runtime;
pub mod sandbox;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::{FileId, SourceFile, Span};

pub(crate) use runtime::calls_script;
pub use runtime::{Arg, GroupNames, Runtime, Scalar};
pub use sandbox::sandboxed_engine;

/// A public function of a script: its name and parameter names.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptFn {
    pub name: String,
    pub params: Vec<String>,
}

/// At most this many compiled scripts are kept per thread.
const KEEP_COMPILED: usize = 64;

thread_local! {
    static COMPILED: RefCell<HashMap<String, Rc<rhai::AST>>> = RefCell::new(HashMap::new());
}

/// Compile a script with the sandboxed engine. The result is kept, so checking the
/// definitions and evaluating them compile each script once.
pub fn compile(text: &str) -> Result<Rc<rhai::AST>, rhai::ParseError> {
    if let Some(ast) = COMPILED.with(|c| c.borrow().get(text).cloned()) {
        return Ok(ast);
    }
    let engine = sandboxed_engine(sandbox::Clock::new());
    let ast = Rc::new(engine.compile(text)?);
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEEP_COMPILED {
            c.clear();
        }
        c.insert(text.to_string(), ast.clone());
    });
    Ok(ast)
}

/// The public functions a compiled script defines (`private fn` helpers are not callable
/// from definitions).
pub fn functions(ast: &rhai::AST) -> Vec<ScriptFn> {
    let mut fns: Vec<ScriptFn> = ast
        .iter_functions()
        .filter(|f| f.access != rhai::FnAccess::Private)
        .map(|f| ScriptFn {
            name: f.name.to_string(),
            params: f.params.iter().map(|p| p.to_string()).collect(),
        })
        .collect();
    fns.sort_by(|a, b| (&a.name, a.params.len()).cmp(&(&b.name, b.params.len())));
    fns
}

/// The span of the token at a Rhai position (line and column from 1) in `file`:
/// a word, or one character.
pub fn span_at(file: FileId, source: &SourceFile, pos: rhai::Position) -> Option<Span> {
    let (line, col) = (pos.line()?, pos.position().unwrap_or(1));
    let start = source.offset_of(line, col);
    let rest = source.text.get(start..).unwrap_or("");
    let word = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    let len = if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    Some(Span::new(file, start..start + len))
}

/// Where `fn name(` is defined in a script's text (byte offset of `name`), if found.
pub fn definition_of(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(name).map(|i| i + from) {
        let before = text[..i].trim_end();
        let after = text[i + name.len()..].trim_start();
        let word_before = before.ends_with("fn")
            && before[..before.len() - 2]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if word_before && before.len() < i && after.starts_with('(') {
            return Some(i);
        }
        from = i + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_definitions() {
        let text = "// tier\nfn tiers() {}\nfn tier(x) { x }\n";
        assert_eq!(
            definition_of(text, "tier"),
            Some(text.find("tier(x").unwrap())
        );
        assert_eq!(definition_of(text, "nope"), None);
    }

    #[test]
    fn import_and_eval_are_refused_when_compiling() {
        assert!(compile("import \"x\" as y;").is_err());
        assert!(compile("fn f() { eval(\"1\") }").is_err());
        assert!(compile("fn f(a) { a + 1 }").is_ok());
    }
}
