//! The parsed AST: snapshots of every shipped definition file, and the exact tree
//! shape (precedence, associativity, literals, spans) of every operator and literal.

use std::path::Path;

use kpi::compile::graph::{Formula, NodeKind, Value};
use kpi::compile::{compile_path, Options};
use kpi::diag::{FileId, Span};
use kpi::syntax::ast::{BinOp, DurationUnit, Expr, ExprKind, Item, UnOp};
use kpi::syntax::{dsl, yaml};

#[test]
fn shipped_definitions() {
    insta::glob!("../../metrics", "**/*.{kpi,yaml}", |path| {
        if path.to_string_lossy().ends_with(".test.yaml") {
            return; // definition tests, not definitions
        }
        let text = std::fs::read_to_string(path).unwrap();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml");
        let (file, diags) = if is_yaml {
            yaml::parse_file(FileId(0), &text)
        } else {
            dsl::parse_file(FileId(0), &text)
        };
        assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        assert!(!file.items.is_empty());
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("{file:#?}"));
        });
    });
}

/// The YAML and DSL examples of the same formulas agree on their shared metrics.
#[test]
fn shipped_yaml_and_dsl_define_the_same_formulas() {
    let parse = |p: &str| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap();
        let (file, diags) = if p.ends_with(".yaml") {
            yaml::parse_file(FileId(0), &text)
        } else {
            dsl::parse_file(FileId(0), &text)
        };
        assert!(diags.is_empty());
        file.items
            .into_iter()
            .filter_map(|i| match i {
                Item::Metric(m) => Some((m.name.name, sexpr(&m.expr))),
                _ => None,
            })
            .collect::<std::collections::HashMap<_, _>>()
    };
    let dsl = parse("metrics/sales.kpi");
    let yaml = parse("metrics/yaml/sales.yaml");
    for name in [
        "calls",
        "won_amount",
        "hit_rate",
        "avg_deal_size",
        "total_sales",
        "active_reps",
    ] {
        assert_eq!(dsl[name], yaml[name], "{name}");
    }
    assert_eq!(
        yaml["total_sales"],
        "(call if (== won_deals 0) 0 (* (* opportunities hit_rate) avg_deal_size))"
    );
}

// ---- expression shapes --------------------------------------------------------------

fn parse(src: &str) -> Expr {
    dsl::parse_expr_at(src, FileId(0), 0).unwrap_or_else(|d| panic!("`{src}`: {d:?}"))
}

/// A compact, span-free rendering of an expression tree.
fn sexpr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number { value, .. } => format!("{value}"),
        ExprKind::Percent { value, .. } => format!("{value}%"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Date(d) => format!("date:{d}"),
        ExprKind::Duration(d) => format!("dur:{}{}", d.amount, d.suffix()),
        ExprKind::Name(parts) => parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Unary(UnOp::Neg, a) => format!("(neg {})", sexpr(a)),
        ExprKind::Unary(UnOp::Not, a) => format!("(not {})", sexpr(a)),
        ExprKind::IsNull(a, negated) => {
            format!(
                "({} {})",
                if *negated { "is-not-null" } else { "is-null" },
                sexpr(a)
            )
        }
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), sexpr(a), sexpr(b)),
        ExprKind::In(a, items) => format!(
            "(in {} [{}])",
            sexpr(a),
            items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Call(f, args) => {
            let mut s = format!("(call {}", f.name);
            for a in args {
                s.push(' ');
                s.push_str(&sexpr(a));
            }
            s + ")"
        }
        ExprKind::Agg(a) => {
            let mut s = format!("({} {}", a.func.name(), a.source.name);
            if let Some(x) = &a.expr {
                s = format!("{s}: {}", sexpr(x));
            }
            if let Some(c) = &a.column {
                s = format!("{s}.{}", c.name);
            }
            if let Some(arg) = &a.arg {
                s = format!("{s} {}", sexpr(arg));
            }
            if let Some(f) = &a.filter {
                s = format!("{s} where {}", sexpr(f));
            }
            s + ")"
        }
    }
}

/// The expression back in the language, fully parenthesised.
fn unparse(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number { text, .. } => text.clone(),
        ExprKind::Percent { text, .. } => format!("{text}%"),
        ExprKind::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Date(d) => d.to_string(),
        ExprKind::Duration(d) => format!("{}{}", d.amount, d.suffix()),
        ExprKind::Name(parts) => parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Unary(UnOp::Neg, a) => format!("(-{})", unparse(a)),
        ExprKind::Unary(UnOp::Not, a) => format!("(not {})", unparse(a)),
        ExprKind::IsNull(a, negated) => {
            format!(
                "({} is {}null)",
                unparse(a),
                if *negated { "not " } else { "" }
            )
        }
        ExprKind::Binary(op, a, b) => format!("({} {} {})", unparse(a), op.symbol(), unparse(b)),
        ExprKind::In(a, items) => format!(
            "({} in [{}])",
            unparse(a),
            items.iter().map(unparse).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Call(f, args) => {
            format!(
                "{}({})",
                f.name,
                args.iter().map(unparse).collect::<Vec<_>>().join(", ")
            )
        }
        ExprKind::Agg(a) => {
            let mut s = match &a.expr {
                Some(x) => format!("{}({}", a.func.name(), unparse(x)),
                None => format!("{}({}", a.func.name(), a.source.name),
            };
            if let Some(c) = &a.column {
                s = format!("{s}.{}", c.name);
            }
            if let Some(arg) = &a.arg {
                s = format!("{s}, {}", unparse(arg));
            }
            if let Some(f) = &a.filter {
                s = format!("{s} where {}", unparse(f));
            }
            s + ")"
        }
    }
}

/// Every operator and literal: (source, tree).
const SHAPES: &[(&str, &str)] = &[
    // literals
    ("70", "70"),
    ("1.5", "1.5"),
    ("1_000_000", "1000000"),
    ("12%", "12%"),
    ("2.5%", "2.5%"),
    (r#""text""#, r#""text""#),
    (r#""a\"b\\c""#, r#""a\"b\\c""#),
    ("true", "true"),
    ("false", "false"),
    ("2026-09-30", "date:2026-09-30"),
    ("30d", "dur:30d"),
    ("2w", "dur:2w"),
    ("6h", "dur:6h"),
    ("calls", "calls"),
    ("outbound.meetings_rate", "outbound.meetings_rate"),
    // each operator
    ("a or b", "(or a b)"),
    ("a and b", "(and a b)"),
    ("not a", "(not a)"),
    ("a == b", "(== a b)"),
    ("a != b", "(!= a b)"),
    ("a < b", "(< a b)"),
    ("a <= b", "(<= a b)"),
    ("a > b", "(> a b)"),
    ("a >= b", "(>= a b)"),
    (r#"x in ["a", "b"]"#, r#"(in x ["a" "b"])"#),
    ("x in []", "(in x [])"),
    ("x is null", "(is-null x)"),
    ("x is not null", "(is-not-null x)"),
    ("a + b", "(+ a b)"),
    ("a - b", "(- a b)"),
    ("a * b", "(* a b)"),
    ("a / b", "(/ a b)"),
    ("-a", "(neg a)"),
    // precedence, lowest binding first: or; and; not; comparisons and in; + -; * /; unary -
    ("a + b * c", "(+ a (* b c))"),
    ("a * b + c", "(+ (* a b) c)"),
    ("a or b and c", "(or a (and b c))"),
    ("a and b or c", "(or (and a b) c)"),
    ("a or b and not c", "(or a (and b (not c)))"),
    ("not a == b", "(not (== a b))"),
    ("not a and b", "(and (not a) b)"),
    ("a + 1 > b * 2", "(> (+ a 1) (* b 2))"),
    ("a == b and c != d", "(and (== a b) (!= c d))"),
    (r#"x + 1 in [2, 3]"#, "(in (+ x 1) [2 3])"),
    (r#"not x in ["a"]"#, r#"(not (in x ["a"]))"#),
    ("x + 1 is null", "(is-null (+ x 1))"),
    (
        "not x is null and y is not null",
        "(and (not (is-null x)) (is-not-null y))",
    ),
    ("sum(o.qty * o.price)", "(sum o: (* o.qty o.price))"),
    ("-a * b", "(* (neg a) b)"),
    ("-a + b", "(+ (neg a) b)"),
    ("a - -b", "(- a (neg b))"),
    ("- -a", "(neg (neg a))"),
    // associativity: left
    ("a + b - c", "(- (+ a b) c)"),
    ("a - b - c", "(- (- a b) c)"),
    ("a * b / c", "(/ (* a b) c)"),
    ("a / b / c", "(/ (/ a b) c)"),
    ("a or b or c", "(or (or a b) c)"),
    // parentheses group
    ("(a + b) * c", "(* (+ a b) c)"),
    ("a * (b + c)", "(* a (+ b c))"),
    ("((a))", "a"),
    ("not (a or b)", "(not (or a b))"),
    // calls
    ("coalesce(a, b)", "(call coalesce a b)"),
    ("coalesce(a, b, 0)", "(call coalesce a b 0)"),
    ("if(a > 1, b, c)", "(call if (> a 1) b c)"),
    ("min(a, b)", "(call min a b)"),
    ("max(a, 1)", "(call max a 1)"),
    ("abs(-a)", "(call abs (neg a))"),
    ("round(a / b, 2)", "(call round (/ a b) 2)"),
    ("prev(calls)", "(call prev calls)"),
    ("change(calls)", "(call change calls)"),
    ("rolling(calls, 4)", "(call rolling calls 4)"),
    ("to_date(calls, month)", "(call to_date calls month)"),
    ("calls / workdays", "(/ calls workdays)"),
    // aggregations
    ("count(activities)", "(count activities)"),
    (
        r#"count(activities where type == "call")"#,
        r#"(count activities where (== type "call"))"#,
    ),
    (
        r#"sum(activities.amount where type == "deal_won")"#,
        r#"(sum activities.amount where (== type "deal_won"))"#,
    ),
    ("avg(activities.duration_s)", "(avg activities.duration_s)"),
    ("min(activities.amount)", "(min activities.amount)"),
    (
        "max(activities.amount where amount > 0)",
        "(max activities.amount where (> amount 0))",
    ),
    (
        "count_distinct(activities.rep)",
        "(count_distinct activities.rep)",
    ),
    ("median(activities.amount)", "(median activities.amount)"),
    (
        "percentile(activities.duration_s, 0.9)",
        "(percentile activities.duration_s 0.9)",
    ),
    (
        r#"percentile(activities.duration_s, 90% where type in ["call", "visit"])"#,
        r#"(percentile activities.duration_s 90% where (in type ["call" "visit"]))"#,
    ),
    (
        r#"count(activities where type == "meeting" and channel == "outbound")"#,
        r#"(count activities where (and (== type "meeting") (== channel "outbound")))"#,
    ),
    (
        "sum(activities.amount) / count(activities) * 100%",
        "(* (/ (sum activities.amount) (count activities)) 100%)",
    ),
    // whitespace and comments are insignificant
    ("a\n  +\tb # trailing comment", "(+ a b)"),
];

#[test]
fn every_operator_and_literal_has_its_tree_shape() {
    for (src, want) in SHAPES {
        assert_eq!(sexpr(&parse(src)), *want, "`{src}`");
    }
}

#[test]
fn fully_parenthesised_output_parses_back_to_the_same_tree() {
    for (src, _) in SHAPES {
        let e = parse(src);
        let again = parse(&unparse(&e));
        assert_eq!(sexpr(&again), sexpr(&e), "`{src}` -> `{}`", unparse(&e));
    }
}

#[test]
fn literal_values() {
    let number = |src: &str| match parse(src).kind {
        ExprKind::Number { value, text } => (value, text),
        other => panic!("`{src}`: {other:?}"),
    };
    assert_eq!(number("1_000_000"), (1e6, "1_000_000".to_string()));
    assert_eq!(number("0.5"), (0.5, "0.5".to_string()));
    assert_eq!(number("1_000.25"), (1000.25, "1_000.25".to_string()));
    match parse("12%").kind {
        ExprKind::Percent { value, text } => assert_eq!((value, text.as_str()), (12.0, "12")),
        other => panic!("{other:?}"),
    }
    assert_eq!(parse(r#""a\"b\\c""#).kind, ExprKind::Str("a\"b\\c".into()));
    assert_eq!(parse(r#""""#).kind, ExprKind::Str(String::new()));
    assert_eq!(
        parse(r#""ünïcødé €""#).kind,
        ExprKind::Str("ünïcødé €".into())
    );
    assert_eq!(
        parse("2026-09-30").kind,
        ExprKind::Date(jiff::civil::date(2026, 9, 30))
    );
    assert_eq!(
        parse("2028-02-29").kind,
        ExprKind::Date(jiff::civil::date(2028, 2, 29))
    );
    for (src, amount, unit, seconds) in [
        ("30d", 30, DurationUnit::Days, 30 * 86_400),
        ("2w", 2, DurationUnit::Weeks, 14 * 86_400),
        ("6h", 6, DurationUnit::Hours, 6 * 3_600),
    ] {
        match parse(src).kind {
            ExprKind::Duration(d) => {
                assert_eq!(
                    (d.amount, d.unit, d.seconds()),
                    (amount, unit, seconds),
                    "{src}"
                )
            }
            other => panic!("{src}: {other:?}"),
        }
    }
    assert_eq!(parse("true").kind, ExprKind::Bool(true));
    // Keywords are not names; names may start with a keyword.
    assert_eq!(sexpr(&parse("order and android")), "(and order android)");
    assert_eq!(sexpr(&parse("notes")), "notes");
}

#[test]
fn lowered_literals_are_values() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ast_literals");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("defs.kpi");
    std::fs::write(
        &path,
        "param pct = 12%\nparam big = 1_000_000\nparam neg = -2.5\nparam expr = 2 * 50% + 1\n\
         param when = 2026-09-30\nparam span = 2w\nparam flag = true\nparam label = \"a\\\"b\"\n\
         source s { time ts }\nmetric m = count(s) * 12%\n",
    )
    .unwrap();
    let mut loader = kpi::compile::Loader::new();
    let (graph, diags) = compile_path(&mut loader, &path, &Options::default());
    assert!(diags.is_empty(), "{diags:#?}");
    let graph = graph.expect("compiles");
    let value = |name: &str| match &graph.node(graph.params[name]).kind {
        NodeKind::Param { value: Some(v) } => v.clone(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(value("pct"), Value::Num(0.12));
    assert_eq!(value("big"), Value::Num(1e6));
    assert_eq!(value("neg"), Value::Num(-2.5));
    assert_eq!(value("expr"), Value::Num(2.0));
    // Day number: days since 1970-01-01.
    let days = jiff::civil::date(2026, 9, 30)
        .since(jiff::civil::date(1970, 1, 1))
        .unwrap()
        .get_days();
    assert_eq!(value("when"), Value::Date(days));
    assert_eq!(value("span"), Value::Duration(14 * 86_400));
    assert_eq!(value("flag"), Value::Bool(true));
    assert_eq!(value("label"), Value::Str("a\"b".into()));
    match &graph.node(graph.metric("m").unwrap()).kind {
        NodeKind::Formula(Formula::Binary(BinOp::Mul, _, b)) => {
            assert_eq!(**b, Formula::Const(Value::Num(0.12)))
        }
        other => panic!("{other:?}"),
    }
}

/// Spans cover exactly the text of each node, so carets land on the right token.
#[test]
fn spans_cover_their_text() {
    let src = r#"a + b * c"#;
    let e = parse(src);
    let text = |s: Span| &src[s.range()];
    assert_eq!(text(e.span), "a + b * c");
    let ExprKind::Binary(BinOp::Add, a, mul) = &e.kind else {
        panic!()
    };
    assert_eq!((text(a.span), text(mul.span)), ("a", "b * c"));

    let src = r#"not (x in ["a", "b"]) or -y >= round(z, 2)"#;
    let e = parse(src);
    let ExprKind::Binary(BinOp::Or, not, cmp) = &e.kind else {
        panic!()
    };
    assert_eq!(&src[not.span.range()], r#"not (x in ["a", "b"])"#);
    assert_eq!(&src[cmp.span.range()], "-y >= round(z, 2)");
    let ExprKind::Binary(BinOp::Ge, neg, call) = &cmp.kind else {
        panic!()
    };
    assert_eq!(
        (&src[neg.span.range()], &src[call.span.range()]),
        ("-y", "round(z, 2)")
    );

    let src = r#"sum(activities.amount where type == "won")"#;
    let e = parse(src);
    let ExprKind::Agg(agg) = &e.kind else {
        panic!()
    };
    assert_eq!(&src[agg.func_span.range()], "sum");
    assert_eq!(&src[agg.source.span.range()], "activities");
    assert_eq!(&src[agg.column.as_ref().unwrap().span.range()], "amount");
    assert_eq!(
        &src[agg.filter.as_ref().unwrap().span.range()],
        r#"type == "won""#
    );

    // A parenthesised group's span includes its parentheses.
    let src = "(a + b) * c";
    let e = parse(src);
    let ExprKind::Binary(BinOp::Mul, group, _) = &e.kind else {
        panic!()
    };
    assert_eq!(
        (&src[e.span.range()], &src[group.span.range()]),
        ("(a + b) * c", "(a + b)")
    );

    // An expression parsed at an offset (as inside a YAML string) is shifted by it.
    let e = dsl::parse_expr_at("x / y", FileId(3), 100).unwrap();
    assert_eq!(e.span, Span::new(FileId(3), 100..105));
}

/// Item spans end at their last token, not at the blanks and comments after it.
#[test]
fn item_spans_end_at_their_last_token() {
    let src = "metric m = 1 {\n  review every quarter last 2026-09-30   # a comment\n}\nsource s {\n  time ts\n  dimensions rep, team   # dims\n}\n";
    let (file, diags) = dsl::parse_file(FileId(0), src);
    assert!(diags.is_empty(), "{diags:?}");
    let Item::Metric(m) = &file.items[0] else {
        panic!()
    };
    let review = m.attrs.review.as_ref().unwrap();
    assert_eq!(
        &src[review.span.range()],
        "review every quarter last 2026-09-30"
    );
    assert_eq!(
        &src[m.span.range()],
        "metric m = 1 {\n  review every quarter last 2026-09-30   # a comment\n}"
    );
    let Item::Source(s) = &file.items[1] else {
        panic!()
    };
    assert_eq!(&src[s.dimensions[1].span.range()], "team");
}

#[test]
fn malformed_expressions_are_errors_at_the_token() {
    for (src, code, at) in [
        ("a +", "E0101", 3),
        ("a + * b", "E0101", 4),
        ("(a + b", "E0101", 6),
        ("a b", "E0101", 2),
        (r#""open"#, "E0101", 0),
        ("x in [1, 2", "E0101", 10),
        ("2026-02-30", "E0105", 0),
        (r#""\q""#, "E0108", 1),
        ("f(a where)", "E0101", 9),
        ("", "E0101", 0),
    ] {
        let d = dsl::parse_expr_at(src, FileId(0), 0).expect_err(src);
        assert_eq!(
            (d.code, d.span.unwrap().start as usize),
            (code, at),
            "`{src}`: {d:?}"
        );
    }
}
