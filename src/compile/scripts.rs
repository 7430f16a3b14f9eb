//! `script "x.rhai"` items: read each script (relative to the file declaring it),
//! compile it in the sandbox, and record its functions in the graph, so calls are
//! checked (unknown function, wrong arity) where they are written. Rhai syntax errors
//! are diagnostics in the `.rhai` file.

use std::path::Path;

use crate::diag::{did_you_mean, Diagnostic, FileId, Span};
use crate::script::sandbox::MAX_SCRIPT_BYTES;
use crate::syntax::ast::{Ident, Item};

use super::graph::{Builtin, ScriptDef};
use super::load::Loader;

/// Load the scripts declared by `files` (deduplicated by path).
pub(super) fn load(
    loader: &mut Loader,
    files: &[FileId],
    diags: &mut Vec<Diagnostic>,
) -> Vec<ScriptDef> {
    let mut declared: Vec<(String, Span, FileId)> = Vec::new();
    for &f in files {
        for item in &loader.ast(f).items {
            if let Item::Script(s) = item {
                declared.push((s.value.clone(), s.span, f));
            }
        }
    }
    let mut out: Vec<ScriptDef> = Vec::new();
    for (value, span, f) in declared {
        let dir = loader
            .map
            .get(f)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = super::load::normalize(&dir.join(&value));
        if out.iter().any(|s| s.path == path) {
            continue;
        }
        let def = load_one(loader, &path, span, diags);
        for func in &def.functions {
            let twice = out.iter().find(|o| {
                o.functions
                    .iter()
                    .any(|g| g.name == func.name && g.params.len() == func.params.len())
            });
            if let Some(first) = twice {
                diags.push(
                    Diagnostic::error(
                        "E0232",
                        format!(
                            "function `{}` ({} argument{}) is defined by two scripts",
                            func.name,
                            func.params.len(),
                            if func.params.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .at(span, format!("`{}` defines it again", path.display()))
                    .with_help(format!(
                        "it is already defined by `{}`; rename one of them",
                        first.path.display()
                    )),
                );
            }
        }
        out.push(def);
    }
    out
}

fn load_one(
    loader: &mut Loader,
    path: &Path,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> ScriptDef {
    let mut def = ScriptDef {
        path: path.to_path_buf(),
        text: String::new(),
        functions: Vec::new(),
        ok: false,
    };
    let text = match read(path) {
        Ok(t) => t,
        Err(why) => {
            diags.push(
                Diagnostic::error(
                    "E0230",
                    format!("cannot read script `{}`: {why}", path.display()),
                )
                .at(span, "script not readable")
                .with_help("the path is relative to the file that declares the script"),
            );
            return def;
        }
    };
    let file = match loader.map.find(path) {
        Some(id) => id,
        None => loader.map.add(path.to_path_buf(), text.clone()),
    };
    def.text = text;
    match crate::script::compile(&def.text) {
        Ok(ast) => {
            def.functions = crate::script::functions(&ast);
            def.ok = true;
        }
        Err(e) => diags.push(syntax_error(&e, file, loader, span)),
    }
    def
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => e.to_string(),
    })?;
    if meta.is_dir() {
        return Err("it is a directory".into());
    }
    if meta.len() > MAX_SCRIPT_BYTES {
        return Err(format!("larger than {} KiB", MAX_SCRIPT_BYTES / 1024));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())
}

/// A Rhai parse error as a diagnostic in the script, with the `script` item as context.
fn syntax_error(e: &rhai::ParseError, file: FileId, loader: &Loader, declared: Span) -> Diagnostic {
    use rhai::ParseErrorType as P;
    let (message, label, help) = match e.err_type() {
        P::Reserved(w) if w == "import" => (
            "scripts cannot load modules: `import` is not available".to_string(),
            "not allowed in kpi scripts",
            "put the functions this script needs into it, or declare another `script` in the definitions",
        ),
        P::BadInput(rhai::LexError::ImproperSymbol(s, _)) if s == "eval" => (
            "scripts cannot evaluate text as code: `eval` is disabled".to_string(),
            "not allowed in kpi scripts",
            "write the code directly",
        ),
        P::ExprTooDeep => (
            format!(
                "expression nested too deep (limit {} levels, {} inside functions)",
                crate::script::sandbox::MAX_EXPR_DEPTH,
                crate::script::sandbox::MAX_FUNCTION_EXPR_DEPTH
            ),
            "too deep",
            "split the expression with `let` variables or helper functions",
        ),
        other => (format!("Rhai syntax error: {other}"), "not valid Rhai", ""),
    };
    let source = loader.map.get(file);
    let mut d = Diagnostic::error("E0231", message);
    d = match crate::script::span_at(file, source, e.position()) {
        Some(at) => d.at(at, label),
        None => d.at(declared, label),
    };
    d = d.with_secondary(declared, "script declared here");
    if !help.is_empty() {
        d = d.with_help(help);
    }
    d
}

/// How a call to a function that is neither built in nor a window function resolves.
pub(super) enum Lookup {
    /// A script function of this name and arity.
    Call,
    /// A script function of this name, another arity (the diagnostic says which).
    Arity(Diagnostic),
    /// No script defines it.
    Unknown,
    /// No script defines it, but a script failed to load (already reported).
    Unsure,
}

pub(super) fn lookup(scripts: &[ScriptDef], f: &Ident, n: usize, span: Span) -> Lookup {
    let same: Vec<(&ScriptDef, &crate::script::ScriptFn)> = scripts
        .iter()
        .flat_map(|s| s.functions.iter().map(move |g| (s, g)))
        .filter(|(_, g)| g.name == f.name)
        .collect();
    if same.iter().any(|(_, g)| g.params.len() == n) {
        return Lookup::Call;
    }
    if let Some((s, g)) = same.first() {
        let mut arities: Vec<usize> = same.iter().map(|(_, g)| g.params.len()).collect();
        arities.sort();
        arities.dedup();
        let want = arities
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" or ");
        let plural = if arities == [1] { "" } else { "s" };
        return Lookup::Arity(
            Diagnostic::error(
                "E0212",
                format!("`{}` takes {want} argument{plural}, got {n}", f.name),
            )
            .at(span, "wrong number of arguments")
            .with_help(format!(
                "`{}` defines `fn {}({})`",
                s.path.display(),
                g.name,
                g.params.join(", ")
            )),
        );
    }
    if scripts.iter().any(|s| !s.ok) {
        Lookup::Unsure
    } else {
        Lookup::Unknown
    }
}

/// The E0211 diagnostic for an unknown function: "did you mean" over built-ins,
/// window functions, aggregations and script functions.
pub(super) fn unknown(scripts: &[ScriptDef], f: &Ident, windows: &[&str]) -> Diagnostic {
    let mut candidates: Vec<&str> = Builtin::NAMES.to_vec();
    candidates.extend(windows);
    candidates.extend([
        "count",
        "sum",
        "avg",
        "count_distinct",
        "median",
        "percentile",
    ]);
    let script_fns: Vec<&str> = scripts
        .iter()
        .flat_map(|s| s.functions.iter().map(|g| g.name.as_str()))
        .collect();
    candidates.extend(script_fns.iter().copied());
    let d = Diagnostic::error("E0211", format!("unknown function `{}`", f.name))
        .at(f.span, "not a function");
    d.with_help(match did_you_mean(&f.name, candidates) {
        Some(h) => h,
        None if script_fns.is_empty() => "built-ins: coalesce, if, min, max, abs, round, prev, change, rolling, to_date; more in a `script`".into(),
        None => format!(
            "built-ins: coalesce, if, min, max, abs, round, prev, change, rolling, to_date; from scripts: {}",
            script_fns.join(", ")
        ),
    })
}
