//! The YAML front-end: same AST as the DSL, diagnostics at exact YAML positions, and
//! no panic on malformed input.

use kpi::diag::{locate, Diagnostic, SourceMap};
use kpi::syntax::ast::{ExprKind, File, Item};
use kpi::syntax::{dsl, yaml};

fn fixture(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Debug output with every span (`@file:start..end`) removed.
fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let n1 = digits(tail);
        let after1 = &tail[n1..];
        let shaped = n1 > 0 && after1.starts_with(':') && {
            let a = &after1[1..];
            let n2 = digits(a);
            n2 > 0 && a[n2..].starts_with("..") && digits(&a[n2 + 2..]) > 0
        };
        if shaped {
            let a = &after1[1..];
            let n2 = digits(a);
            let n3 = digits(&a[n2 + 2..]);
            rest = &a[n2 + 2 + n3..];
        } else {
            out.push('@');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn parse_yaml(text: &str) -> (SourceMap, File, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let id = map.add("defs.yaml".into(), text.to_string());
    let (file, diags) = yaml::parse_file(id, text);
    (map, file, diags)
}

/// (code, line, column) of each diagnostic.
fn positions(text: &str) -> Vec<(&'static str, usize, usize)> {
    let (map, _, diags) = parse_yaml(text);
    diags
        .iter()
        .map(|d| {
            let l = locate(&map, d.span.expect("YAML diagnostics have a span"));
            (d.code, l.line, l.column)
        })
        .collect()
}

fn assert_same_ast(yaml_path: &str, kpi_path: &str) {
    let (_, from_yaml, diags) = parse_yaml(&fixture(yaml_path));
    assert!(diags.is_empty(), "{yaml_path}: {diags:#?}");
    let kpi_text = fixture(kpi_path);
    let (from_dsl, diags) = dsl::parse_file(kpi::diag::FileId(0), &kpi_text);
    assert!(diags.is_empty(), "{kpi_path}: {diags:#?}");
    assert_eq!(from_yaml.items.len(), from_dsl.items.len());
    for (y, d) in from_yaml.items.iter().zip(&from_dsl.items) {
        assert_eq!(
            strip_spans(&format!("{y:?}")),
            strip_spans(&format!("{d:?}"))
        );
    }
}

#[test]
fn strip_spans_removes_only_spans() {
    assert_eq!(
        strip_spans("Ident { span: @0:12..20 } @x @1:2"),
        "Ident { span:  } @x @1:2"
    );
}

#[test]
fn design_example_matches_the_dsl() {
    assert_same_ast(
        "tests/fixtures/yaml/design.yaml",
        "tests/fixtures/yaml/design.kpi",
    );
}

#[test]
fn shipped_sales_yaml_matches_the_dsl() {
    assert_same_ast("metrics/yaml/sales.yaml", "tests/fixtures/yaml/sales.kpi");
}

#[test]
fn params_profiles_and_overrides_match_the_dsl() {
    let yaml = r#"
params:
  target: 70
  big: 1_000_000
  rate: 12%
  ratio: 1.50
  offset: -3
  start: 2026-01-01
  label: '"north"'
  on: true
  quota: required
  base: { value: 50, override: true }
  needed: { required: true }
metrics:
  lost:
    value: count(activities where type in ["lost", "stale"])
    override: true
    review: { every: 4w, last: 2026-01-31, owner: ops }
profiles:
  enterprise: { target: 20, rate: "5%" }
"#;
    let dsl_text = r#"
param target = 70
param big = 1_000_000
param rate = 12%
param ratio = 1.50
param offset = -3
param start = 2026-01-01
param label = "north"
param on = true
param quota required
override param base = 50
param needed required
override metric lost = count(activities where type in ["lost", "stale"]) {
  review every 4w last 2026-01-31 owner "ops"
}
profile enterprise { target = 20 rate = 5% }
"#;
    let (_, y, diags) = parse_yaml(yaml);
    assert!(diags.is_empty(), "{diags:#?}");
    let (d, diags) = dsl::parse_file(kpi::diag::FileId(0), dsl_text);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(
        strip_spans(&format!("{:?}", y.items)),
        strip_spans(&format!("{:?}", d.items))
    );
}

#[test]
fn names_point_at_keys_and_tokens_inside_strings() {
    let text = "metrics:\n  hit_rate:\n    value: won_deals / opportunities\n";
    let (map, file, diags) = parse_yaml(text);
    assert!(diags.is_empty());
    let Item::Metric(m) = &file.items[0] else {
        panic!("expected a metric")
    };
    let at = |span| {
        let l = locate(&map, span);
        (l.line, l.column, l.end_column)
    };
    assert_eq!(at(m.name.span), (2, 3, 11));
    let ExprKind::Binary(_, lhs, rhs) = &m.expr.kind else {
        panic!("expected a division")
    };
    assert_eq!(at(lhs.span), (3, 12, 21));
    assert_eq!(at(rhs.span), (3, 24, 37));
}

#[test]
fn unknown_key_is_reported_at_its_line_and_column() {
    let text = "metrics:\n  hit_rate:\n    value: won_deals / opportunities\n    fromat: percent\n";
    let (map, _, diags) = parse_yaml(text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.code, "E0151");
    assert_eq!(d.message, "unknown key `fromat` in metric `hit_rate`");
    let l = locate(&map, d.span.unwrap());
    assert_eq!((l.line, l.column, l.end_column), (4, 5, 11));
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("did you mean `format`?"), "{help}");
    assert!(help.contains("valid keys: value, format, unit"), "{help}");
}

#[test]
fn every_unknown_key_gets_its_own_diagnostic() {
    let text = "\
metrix:
  a: 1
settings: { timezon: UTC, currency: EUR }
checks:
  c:
    value: calls
    pre: [rep]
    warn: < 3
";
    assert_eq!(
        positions(text),
        vec![("E0151", 1, 1), ("E0151", 3, 13), ("E0151", 7, 5)]
    );
}

#[test]
fn wrong_types_and_missing_keys() {
    let text = "\
checks:
  no_value:
    per: rep
  bad_per:
    value: calls
    per: { rep: 1 }
sources:
  s: { time: 2026, dimensions: [rep, team] }
funnels:
  j: { over: activities, by: account, steps: [visit: type == \"visit\"] }
calendars:
  nl: { holidays: [2026-02-30] }
settings: { review_required: maybe }
";
    assert_eq!(
        positions(text),
        vec![
            ("E0153", 2, 3),
            ("E0152", 6, 10),
            ("E0152", 8, 14),
            ("E0153", 10, 3),
            ("E0105", 12, 20),
            ("E0152", 13, 30),
        ]
    );
}

#[test]
fn expression_errors_point_inside_the_string() {
    // plain scalar: `*` is the 14th character of line 2
    assert_eq!(
        positions("metrics:\n  x: calls + * emails\n"),
        vec![("E0101", 2, 14)]
    );
    // quoted scalar: one more for the quote
    assert_eq!(
        positions("metrics:\n  x: \"calls + * emails\"\n"),
        vec![("E0101", 2, 15)]
    );
    // map form, on its own line
    assert_eq!(
        positions(
            "metrics:\n  x:\n    format: count\n    value: count(activities wher type == 1)\n"
        ),
        vec![("E0101", 4, 29)]
    );
    // a condition
    assert_eq!(
        positions("checks:\n  c:\n    value: calls\n    warn: < 0.5 * * target\n"),
        vec![("E0101", 4, 19)]
    );
    // a step filter inside a list of single-key maps
    assert_eq!(
        positions("funnels:\n  j:\n    over: a\n    by: b\n    within: 3d\n    steps:\n      - visit: type === 1\n"),
        vec![("E0101", 7, 23)]
    );
    // escapes: the file does not hold the value literally, so the whole scalar is marked
    assert_eq!(
        positions("metrics:\n  x: \"a \\u0041 + * b\"\n"),
        vec![("E0101", 2, 6)]
    );
}

#[test]
fn all_errors_of_a_file_are_reported() {
    let text = "metrics:\n  a: 1 +\n  B: x\n  c: y\n  d: (\n";
    let codes: Vec<_> = positions(text).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(codes, vec![("E0101", 2), ("E0107", 3), ("E0101", 5)]);
    let (_, file, _) = parse_yaml(text);
    assert_eq!(file.items.len(), 1, "the valid metric `c` is still built");
}

#[test]
fn empty_and_comment_only_files_are_empty() {
    for text in ["", "\n\n", "# nothing here\n", "---\n", "\u{FEFF}"] {
        let (_, file, diags) = parse_yaml(text);
        assert!(
            file.items.is_empty() && diags.is_empty(),
            "{text:?}: {diags:?}"
        );
    }
}

#[test]
fn yaml_syntax_errors_have_positions() {
    assert_eq!(positions("metrics:\n\tcalls: x\n"), vec![("E0150", 2, 2)]);
    assert_eq!(
        positions("metrics:\n  calls: \"unterminated\n"),
        vec![("E0150", 2, 10)]
    );
    assert_eq!(positions("metrics: {a: 1}}\n"), vec![("E0150", 1, 16)]);
    assert_eq!(positions("a: 1\n---\nb: 2\n")[0].0, "E0150");
    assert_eq!(positions("- just\n- a list\n")[0].0, "E0152");
}

#[test]
fn malformed_inputs_never_panic() {
    let design = fixture("tests/fixtures/yaml/design.yaml");
    let sales = fixture("metrics/yaml/sales.yaml");
    // every truncation of real files
    for text in [&design, &sales] {
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = parse_yaml(&text[..cut]);
        }
    }
    // random bytes (made valid UTF-8) and random YAML-ish punctuation
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: Vec<char> = " \n\t:-[]{}#&*!|>'\"%@`,?<=+/()0123456789abcxyz_.\u{FEFF}é"
        .chars()
        .collect();
    for _ in 0..2000 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = parse_yaml(&String::from_utf8_lossy(&bytes));
        let chars: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = parse_yaml(&chars);
        let _ = parse_yaml(&format!("metrics:\n  m: {chars}\n"));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep_flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_block: String = (0..10_000)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    let deep_dash = format!("{}x\n", "- ".repeat(10_000));
    let deep_map: String = (0..10_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let deep_expr = format!(
        "metrics:\n  m: {}1{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    for text in [deep_flow, deep_block, deep_dash, deep_map, deep_expr] {
        let (_, file, diags) = parse_yaml(&text);
        assert!(file.items.is_empty());
        assert!(!diags.is_empty(), "{}", &text[..40]);
    }
}

#[test]
fn alias_bombs_and_huge_documents_are_bounded() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .windows(2)
        .map(|w| (w[0], w[1]))
    {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let diags = positions(&bomb);
    assert_eq!(diags[0].0, "E0150", "{diags:?}");

    // too many nodes: an error at the node past the limit, not a hang
    let huge = format!("params: [{}]\n", vec!["1"; 250_000].join(", "));
    let diags = positions(&huge);
    assert_eq!(diags.len(), 1);
    assert_eq!((diags[0].0, diags[0].1), ("E0150", 1));

    // a large but legitimate file: every metric is built
    let mut big = String::from("metrics:\n");
    for i in 0..5_000 {
        big.push_str(&format!(
            "  m{i}: count(activities where type == \"t{i}\")\n"
        ));
    }
    let (_, file, diags) = parse_yaml(&big);
    assert!(diags.is_empty());
    assert_eq!(file.items.len(), 5_000);
}

#[test]
fn duplicate_names_reach_the_resolver_and_duplicate_keys_are_errors() {
    let (_, file, diags) = parse_yaml("metrics:\n  a: 1\n  a: 2\n");
    assert!(diags.is_empty());
    assert_eq!(file.items.len(), 2, "like two `metric a` in the DSL");
    assert_eq!(
        positions("metrics:\n  a:\n    value: 1\n    value: 2\n"),
        vec![("E0154", 4, 5)]
    );
}
