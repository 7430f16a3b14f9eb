//! Malformed and pathological definitions: every one must end in diagnostics (or a
//! clean compile), never in a panic, a hang or a stack overflow. Everything runs
//! through the library on a thread with an 8 MiB stack, the size of a main thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::Rng;
use kpi::compile::{compile_root, Graph, Loader, Options};
use kpi::diag::{locate, render_all, to_json, Diagnostic, SourceMap};
use proptest::prelude::*;

const STACK: usize = 8 << 20;

/// Run `f` on a thread with an 8 MiB stack; a panic fails the test with its message.
fn on_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap();
    handle
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

struct Outcome {
    map: SourceMap,
    diags: Vec<Diagnostic>,
    graph: Graph,
}

impl Outcome {
    fn codes(&self) -> Vec<&'static str> {
        self.diags.iter().map(|d| d.code).collect()
    }
    /// (code, line, column) of the first diagnostic.
    fn first(&self) -> (&'static str, usize, usize) {
        let d = self.diags.first().expect("a diagnostic");
        let l = locate(&self.map, d.span.expect("a location"));
        (d.code, l.line, l.column)
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn scratch(ext: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("malformed");
    std::fs::create_dir_all(&dir).unwrap();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("case{n}.{ext}"))
}

/// Write `bytes` to a fresh file and compile it as `kpi check` does, on the current
/// thread. Every diagnostic must be well-formed and must render.
fn compile_here(ext: &str, bytes: &[u8]) -> Outcome {
    let path = scratch(ext);
    std::fs::write(&path, bytes).unwrap();
    let mut loader = Loader::new();
    let root = loader.load(&path, None).expect("the file exists");
    let opts = Options {
        require_params: true,
        ..Options::default()
    };
    let (graph, mut diags) = compile_root(&mut loader, root, &opts);
    diags.append(&mut loader.diags);
    let map = loader.map;
    let text_len = map.get(root).text.len();
    for d in &diags {
        assert!(!d.message.is_empty());
        if let Some(span) = d.span {
            let file = map.get(span.file);
            assert!(span.start <= span.end, "{d:?}");
            assert!(span.end as usize <= file.text.len(), "{d:?}");
            if span.file == root {
                assert!(span.end as usize <= text_len);
            }
        }
    }
    let rendered = render_all(&map, &diags, false);
    assert_eq!(
        rendered.matches("error[").count(),
        diags.iter().filter(|d| d.is_error()).count()
    );
    let json = to_json(&map, &diags);
    assert_eq!(json.as_array().map(Vec::len), Some(diags.len()));
    let _ = std::fs::remove_file(&path);
    Outcome { map, diags, graph }
}

fn compile(ext: &'static str, bytes: Vec<u8>) -> Outcome {
    on_stack(move || compile_here(ext, &bytes))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// Whether a prefix of DSL text leaves a bracket or a string open.
fn unbalanced(text: &[u8]) -> bool {
    let (mut depth, mut in_string, mut escaped, mut in_comment) = (0i64, false, false, false);
    for &b in text {
        if in_comment {
            in_comment = b != b'\n';
        } else if in_string {
            match b {
                b'\\' if !escaped => escaped = true,
                b'"' if !escaped => in_string = false,
                b'\n' => return true,
                _ => escaped = false,
            }
        } else {
            match b {
                b'#' => in_comment = true,
                b'"' => in_string = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
    }
    depth != 0 || in_string
}

#[test]
fn every_truncation_of_the_shipped_dsl() {
    let full = read("metrics/sales.kpi");
    on_stack(move || {
        let mut with_errors = 0;
        let mut cuts = 0;
        for cut in (0..full.len()).step_by(7) {
            let prefix = &full[..cut];
            let out = compile_here("kpi", prefix);
            cuts += 1;
            if out.diags.iter().any(Diagnostic::is_error) {
                with_errors += 1;
            }
            if unbalanced(prefix) {
                assert!(
                    out.codes().contains(&"E0101"),
                    "cut at {cut} leaves a bracket or string open but gives {:?}",
                    out.codes()
                );
            }
        }
        // Most cuts fall inside an item; the others end after a complete one.
        assert!(
            with_errors * 10 > cuts * 7,
            "{with_errors} of {cuts} cuts have errors"
        );
    });
}

#[test]
fn every_truncation_of_the_shipped_yaml() {
    let full = read("metrics/yaml/sales.yaml");
    on_stack(move || {
        let mut with_errors = 0;
        let mut cuts = 0;
        for cut in (0..full.len()).step_by(7) {
            let out = compile_here("yaml", &full[..cut]);
            cuts += 1;
            if out.diags.iter().any(Diagnostic::is_error) {
                with_errors += 1;
            }
        }
        assert!(
            with_errors * 2 > cuts,
            "{with_errors} of {cuts} cuts have errors"
        );
    });
}

#[test]
fn random_bytes() {
    on_stack(|| {
        let alphabet = b"metric param source funnel check = + - * / ( ) [ ] { } \" \\ # , . : < > ! 0 9 % _ a z\n\t";
        for seed in 1..=200u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let len = rng.below(600) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match seed % 3 {
                    0 => rng.next() as u8,                                    // anything
                    1 => alphabet[rng.below(alphabet.len() as u64) as usize], // language characters
                    _ => b' ' + (rng.below(95) as u8),                        // printable ASCII
                })
                .collect();
            for ext in ["kpi", "yaml"] {
                let out = compile_here(ext, &bytes);
                match std::str::from_utf8(&bytes) {
                    Err(e) => {
                        assert_eq!(out.codes(), ["E0102"], "seed {seed}");
                        let line = bytes[..e.valid_up_to()]
                            .iter()
                            .filter(|&&b| b == b'\n')
                            .count()
                            + 1;
                        assert_eq!(out.first().1, line, "seed {seed}");
                    }
                    Ok(text) if text.trim().is_empty() => {
                        assert!(out.diags.is_empty(), "seed {seed}")
                    }
                    Ok(_) => {}
                }
            }
        }
    });
}

/// Tokens of the token soup besides the language's words (those come from
/// `kpi::syntax::lexicon`, so the soup follows the language).
const OTHER_TOKENS: &[&str] = &[
    "a",
    "calls",
    "activities",
    "activities.amount",
    "count",
    "sum",
    "percentile",
    "prev",
    "rolling",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "1",
    "0.5",
    "12%",
    "1_000",
    "\"x\"",
    "\"",
    "\\",
    "2026-09-30",
    "2026-02-30",
    "30d",
    "#",
    "\n",
    "metrics:",
    "  ",
    "- ",
    "value:",
];

/// Every token of the token soup.
fn tokens() -> Vec<&'static str> {
    use kpi::syntax::lexicon::{KEYWORDS, RESERVED};
    KEYWORDS
        .iter()
        .chain(RESERVED.iter())
        .chain(OTHER_TOKENS)
        .copied()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Sequences of the language's own tokens get deep into the grammar and the compiler.
    #[test]
    fn token_soup(tokens in prop::collection::vec(prop::sample::select(tokens()), 0..60), yaml in any::<bool>()) {
        let text = tokens.join(" ");
        let out = compile(if yaml { "yaml" } else { "kpi" }, text.into_bytes());
        for d in &out.diags {
            prop_assert!(d.code.starts_with('E') || d.code.starts_with('W'));
        }
    }

    /// Any string handed to the expression parser (as YAML does) gives a tree or one
    /// diagnostic inside the string.
    #[test]
    fn any_expression_text(text in "\\PC{0,80}") {
        let len = text.len();
        let result = on_stack(move || {
            kpi::syntax::dsl::parse_expr_at(&text, kpi::diag::FileId(0), 10).map(|_| ()).map_err(|d| d.span)
        });
        if let Err(span) = result {
            let span = span.expect("expression errors have a location");
            prop_assert!(span.start >= 10 && span.end as usize <= 10 + len);
        }
    }
}

#[test]
fn non_utf8_is_e0102_at_its_line() {
    let out = compile("kpi", b"metric a = 1\nmetric b = \"\xff\"\n".to_vec());
    assert_eq!(out.codes(), ["E0102"]);
    assert_eq!(out.first(), ("E0102", 2, 13));
    let out = compile("yaml", b"params:\n  a: 1\n  b: caf\xe9\n".to_vec());
    assert_eq!(out.first(), ("E0102", 3, 9));
    // A truncated multi-byte sequence at the very end.
    let out = compile("kpi", b"param a = 1 # \xe2\x82".to_vec());
    assert_eq!(out.first(), ("E0102", 1, 15));
}

#[test]
fn fifty_thousand_nested_parentheses() {
    let deep = format!("param x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
    let out = compile("kpi", deep.into_bytes());
    // The 65th parenthesis opens one level too many.
    assert_eq!(out.codes(), ["E0103"]);
    assert_eq!(out.first(), ("E0103", 1, 11 + 64));
    let yaml = format!(
        "params:\n  x: \"{}1{}\"\n",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let out = compile("yaml", yaml.into_bytes());
    assert_eq!(out.first(), ("E0103", 2, 7 + 64));
    // Brackets and braces count too.
    let out = compile(
        "kpi",
        format!("param x = 1 in {}\n", "[".repeat(50_000)).into_bytes(),
    );
    assert_eq!(out.first(), ("E0103", 1, 16 + 64));
}

#[test]
fn a_hundred_thousand_term_sum_ends_cleanly() {
    let sum = vec!["a"; 100_000].join(" + ");
    let out = compile(
        "kpi",
        format!("param a = 1\nmetric s = {sum}\nmetric t = a\n").into_bytes(),
    );
    assert_eq!(out.codes(), ["E0104"]);
    assert_eq!(out.first(), ("E0104", 2, 12));
    assert_eq!(out.diags[0].message, "expression is too long");
    assert!(
        out.graph.metric("t").is_some(),
        "the items around it still compile"
    );
}

#[test]
fn long_operator_chains_are_bounded_by_depth() {
    let limit = kpi::syntax::dsl::MAX_EXPR_DEPTH;
    // A left-deep sum of `limit` terms is `limit` levels deep: accepted.
    let sum = vec!["a"; limit].join(" + ");
    let out = compile(
        "kpi",
        format!("param a = 1\nmetric s = {sum}\n").into_bytes(),
    );
    assert!(out.diags.is_empty(), "{:?}", out.codes());
    // One more term is refused before any recursive pass sees the tree.
    let sum = vec!["a"; limit + 1].join(" + ");
    let out = compile(
        "kpi",
        format!("param a = 1\nmetric s = {sum}\n").into_bytes(),
    );
    assert_eq!(out.first(), ("E0104", 2, 12));
    assert_eq!(out.diags[0].message, "expression is too deep");
    // Chains of prefix operators (the parser itself recurses on those).
    for chain in [
        format!("{}1", "-".repeat(19_990)),
        format!("{}true", "not ".repeat(19_990)),
    ] {
        let out = compile("kpi", format!("param x = {chain}\n").into_bytes());
        assert_eq!(out.first(), ("E0104", 1, 11));
    }
    // A long filter: `x == 1 and x == 1 and ..`.
    let filter = vec!["x == 1"; limit / 2].join(" and ");
    let out = compile(
        "kpi",
        format!("source s {{ time ts }}\nmetric m = count(s where {filter})\n").into_bytes(),
    );
    assert!(out.diags.is_empty(), "{:?}", out.codes());
    // The same bound holds inside YAML strings.
    let sum = vec!["a"; limit + 1].join(" + ");
    let out = compile(
        "yaml",
        format!("params:\n  a: 1\nmetrics:\n  s: {sum}\n").into_bytes(),
    );
    assert_eq!(out.first(), ("E0104", 4, 6));
}

#[test]
fn a_chain_of_twenty_thousand_metrics_compiles() {
    let mut text = String::from("source s { time ts }\nmetric m0 = count(s)\n");
    for i in 1..20_000 {
        text.push_str(&format!("metric m{i} = m{} + 1\n", i - 1));
    }
    let out = compile("kpi", text.into_bytes());
    assert!(
        out.diags.is_empty(),
        "{:?}",
        &out.codes()[..out.codes().len().min(5)]
    );
    assert_eq!(out.graph.metric_order.len(), 20_000);
    let last = out.graph.metric("m19999").unwrap();
    let prev = out.graph.metric("m19998").unwrap();
    let mut deps = Vec::new();
    match &out.graph.node(last).kind {
        kpi::compile::graph::NodeKind::Formula(f) => f.deps(&mut deps),
        other => panic!("{other:?}"),
    }
    assert_eq!(deps, [prev]);
    // The dependency order puts each metric after the one it reads.
    let order = out.graph.topo_order();
    let pos = |id| order.iter().position(|&x| x == id).unwrap();
    assert!(pos(prev) < pos(last));
    // A cycle closing that chain is found (iteratively) and printed whole.
    let mut text = String::from("metric m0 = m4999\n");
    for i in 1..5_000 {
        text.push_str(&format!("metric m{i} = m{} + 1\n", i - 1));
    }
    let out = compile("kpi", text.into_bytes());
    assert_eq!(out.codes(), ["E0213"]);
    assert_eq!(out.diags[0].notes[0].matches(" -> ").count(), 5_000);
}

#[test]
fn huge_number_literals() {
    let out = compile("kpi", b"param x = 1e400\n".to_vec());
    assert_eq!(out.first(), ("E0101", 1, 11));
    assert!(out.diags[0].help.as_deref().unwrap().contains("exponents"));
    let out = compile(
        "kpi",
        format!("param x = 1{}\n", "0".repeat(400)).into_bytes(),
    );
    assert_eq!(out.codes(), ["E0105"]);
    assert_eq!(out.first(), ("E0105", 1, 11));
    let out = compile(
        "kpi",
        format!("param x = 1{}%\n", "0".repeat(400)).into_bytes(),
    );
    assert_eq!(out.codes(), ["E0105"]);
    let out = compile("kpi", b"param x = 9999999999999999999999d\n".to_vec());
    assert_eq!(out.codes(), ["E0105"]);
    let out = compile("yaml", b"params:\n  x: 1e400\n".to_vec());
    assert_eq!(out.first(), ("E0105", 2, 6));
}

#[test]
fn a_one_megabyte_string_literal() {
    let big = "x".repeat(1 << 20);
    let out = compile(
        "kpi",
        format!("param label = \"{big}\"\nparam n = 1\n").into_bytes(),
    );
    assert!(out.diags.is_empty(), "{:?}", out.codes());
    match &out.graph.node(out.graph.params["label"]).kind {
        kpi::compile::graph::NodeKind::Param {
            value: Some(kpi::compile::graph::Value::Str(s)),
        } => {
            assert_eq!(s.len(), 1 << 20)
        }
        other => panic!("{other:?}"),
    }
    // Unterminated: one error, pointing at the opening quote.
    let out = compile(
        "kpi",
        format!("param label = \"{big}\nparam n = 1\n").into_bytes(),
    );
    assert_eq!(out.codes(), ["E0101"]);
    assert_eq!(out.first(), ("E0101", 1, 15));
    assert_eq!(out.diags[0].message, "unterminated string");
    let out = compile(
        "yaml",
        format!("params:\n  label: '\"{big}\"'\n").into_bytes(),
    );
    assert!(out.diags.is_empty(), "{:?}", out.codes());
}

#[test]
fn deeply_nested_yaml() {
    let mut block = String::new();
    for i in 0..2_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    let out = compile("yaml", block.into_bytes());
    assert_eq!(out.codes(), ["E0150"]);
    let flow = format!("metrics: {}1{}\n", "[".repeat(50_000), "]".repeat(50_000));
    let out = compile("yaml", flow.into_bytes());
    assert_eq!(out.codes(), ["E0150"]);
    assert_eq!(out.first().1, 1);
    let flow = format!("metrics: {}\n", "{a: ".repeat(50_000));
    let out = compile("yaml", flow.into_bytes());
    assert_eq!(out.codes(), ["E0150"]);
    // An alias bomb is bounded too.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let name = (b'a' + i) as char;
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let out = compile("yaml", bomb.into_bytes());
    assert_eq!(out.codes(), ["E0150"]);
}

#[test]
fn thousands_of_broken_items_are_all_reported() {
    let mut text = String::new();
    for i in 0..2_000 {
        text.push_str(&format!("metric m{i} = +\n"));
    }
    let out = compile("kpi", text.into_bytes());
    assert_eq!(out.diags.len(), 2_000);
    assert!(out.codes().iter().all(|&c| c == "E0101"));
    assert_eq!(out.first(), ("E0101", 1, 13));
    let last = out.diags.last().unwrap();
    assert_eq!(locate(&out.map, last.span.unwrap()).line, 2_000);
}
