//! The `.kpi` parser's fast path (a hand-written recognizer for clean items, see
//! `src/syntax/fast.rs`) must build exactly what the pest grammar and its builder build,
//! spans included, and must leave every erroneous item to pest. Checked on the shipped
//! definitions, every test fixture, generated valid programs, and mutations of them.

use std::path::Path;

use kpi::diag::FileId;
use kpi::syntax::dsl;
use proptest::prelude::*;

/// Both parsers agree on `text` (items and diagnostics).
fn same(text: &str) -> Result<(), String> {
    let fast = dsl::parse_file(FileId(0), text);
    let slow = dsl::parse_file_with_pest(FileId(0), text);
    if fast == slow {
        Ok(())
    } else {
        Err(format!(
            "fast path and pest differ on:\n{text}\n--- fast:\n{fast:#?}\n--- pest:\n{slow:#?}"
        ))
    }
}

fn kpi_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            kpi_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "kpi") {
            out.push(p);
        }
    }
}

#[test]
fn shipped_definitions_take_the_fast_path_and_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in ["metrics/sales.kpi", "metrics/clients/acme.kpi"] {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        let fast = dsl::parse_file_fast_only(FileId(0), &text)
            .unwrap_or_else(|| panic!("{rel}: an item left the fast path"));
        let (slow, diags) = dsl::parse_file_with_pest(FileId(0), &text);
        assert!(diags.is_empty());
        assert_eq!(fast, slow, "{rel}");
    }
}

#[test]
fn every_fixture_agrees() {
    let mut files = Vec::new();
    kpi_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut files,
    );
    assert!(files.len() > 50);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        }; // not UTF-8
        same(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}

/// Items that exercise every construct, including the corners of the grammar.
const CORNERS: &[&str] = &[
    "import \"a.kpi\"\nscript \"f.rhai\"",
    "settings { timezone \"UTC\" week_start monday currency EUR calendar nl review_required false }",
    "settings{currency\"EUR\"}",
    "settings { }",
    "calendar nl { weekend saturday , sunday holiday 2026-12-25,2026-12-26 weekend friday }",
    "calendar x { holiday 2026-01-01 }",
    "source s { from \"../d.csv\" time ts dimensions a, b ,c entity acct column amount : decimal column n:int }",
    "source s {}",
    "param p = 70\nparam q required\noverride param r = 12%\nparam d = 2026-09-30\nparam w = 2w",
    "metric m = count(s)\nmetric n = count (s where type == \"call\") { }",
    "metric m = sum(s.amount where a in [\"x\", \"y\",]) { format currency unit EUR description \"d \\\" \\\\ #\" owner \"o\" }",
    "metric m = a { review every quarter last 2026-09-30 owner \"x\" }",
    "metric m = a { review every 90d last 2026-09-30 }   # comment",
    "metric m = a { review every month last 2026-09-30 format percent owner \"y\" }",
    "override metric m = (a + b) * -c / not d",
    "metric m = a or b and not c == d != e < f <= g > h >= i + j - k * l / m",
    "metric m = - - a\nmetric n = not not a",
    "metric m = x in [] in [1, 2.5, 3_000] in [a.b, \"s\"]",
    "metric m = coalesce(a, b, 0) + if(a > 1, b, c) + min(a, b) + max(s.x) + abs(-a) + round(a, 2)",
    "metric m = percentile(s.d, 0.9 where t == 1) + median(s.x) + count_distinct(s.rep) + avg(s.v where true)",
    "metric m = prev(a) + change(a) + rolling(a, 4) + to_date(a, month) + workdays + days",
    "metric m = f.stage_rate + outbound.conversion",
    "metric m = 1_000_000 + 1.5 + 12% + 0.5% + 30d + 6h + true + false + \"\"",
    "metric m = a\n  # a comment between lines\n  + b",
    "funnel f { stage a = x stage b = y value v format percent review every week last 2026-01-01 }",
    "override funnel f { stage a = x }",
    "funnel j over s by acct within 30d { step v where type == \"v\" step w where t in [\"a\"] unit x }",
    "check c = a / workdays { per rep, team every week warn when < t fail when <= 0.5 * t }",
    "check c = a { every month warn when == 1 fail when != 2 owner \"x\" review every year last 2026-01-01 }",
    "override check c = a { fail when > 1 warn when >= 2 }",
    "profile p { a = 1 b = 12% c = \"x\" }",
    "profile p {}",
    "metric metric = source + check",
    "param android = 1\nmetric orange = android + notes + index + wherever + trueish",
    "\u{FEFF}metric m = 1",
    "metric m = 1\r\nmetric n = 2\r\n",
    "metric m = 2026-09-3 + 10-09-2026 + -5% + a in[1] + (a==b) + (a<-b) + a--b + 1d",
    "metric m=a{}\ncheck c=a{every week fail when<1}\nparam p=1 param q=2 metric n = a metric o = b",
    "metric m = 2026-09-301",
    "metric m = a.b.c.d + x",
];

/// Items the fast path must leave to pest (errors, or literals the builder reports).
const ERRORS: &[&str] = &[
    "metric m = ",
    "metric m count(s)",
    "metric M = 1",
    "metric m = \"a\\q\"",
    "metric m = \"open",
    "metric m = 2026-02-30",
    "metric m = 99999999d",
    "metric m = 1e5",
    "metric m = 1.",
    "metric m = a.",
    "metric m = a..b",
    "metric m = f(a where b)",
    "metric m = count()",
    "metric m = count(1)",
    "metric m = count(a.b.c)",
    "metric m = sum(s.a, 1, 2)",
    "metric m = a { format percentage }",
    "metric m = a { review every 90 last 2026-01-01 }",
    "settings { timezone UTC }",
    "settings { colour \"red\" }",
    "settings { review_required 1 }",
    "calendar Nl { }",
    "calendar nl { holiday 2026-01-01, x }",
    "source s { column a decimal }",
    "funnel f over s by a within 30 { }",
    "check c = a { warn when in [1] }",
    "check c = a every week",
    "profile p { a 1 }",
    "override profile p { }",
    "metric m = 1 metric",
    "metric m = (1",
    "metric m = x in [1,,]",
    "metric m = é",
    "metric m = 1 2",
    "metric m = a\nnonsense",
    "metric m = a /* not a comment */",
    "metric m = 1.x",
    "metric m = a.b(1)",
    "metric m = 5%%",
    "metric m = 5 %",
    "metric m = 1dx",
    "metric m = 0x10",
    "metric m = count(where x) ",
    "metric m = a.and",
    "metric m = true(1)",
    "param p = 1 2",
];

#[test]
fn corners_agree_and_take_the_fast_path() {
    for text in CORNERS {
        same(text).unwrap();
        let fast = dsl::parse_file_fast_only(FileId(0), text);
        assert!(fast.is_some(), "`{text}` left the fast path");
    }
}

#[test]
fn errors_are_left_to_pest() {
    for text in ERRORS {
        same(text).unwrap();
        assert!(
            dsl::parse_file_fast_only(FileId(0), text).is_none(),
            "`{text}`"
        );
        let (_, diags) = dsl::parse_file(FileId(0), text);
        assert!(!diags.is_empty(), "`{text}` must be an error");
    }
}

#[test]
fn expressions_agree() {
    let exprs = [
        "a + b * c",
        "-a * b",
        "not a == b",
        "a or b and not c",
        "x in [1, 2] in [true]",
        "(a)",
        "((a + b))",
        "f()",
        "f(a)",
        "count(s where a > (1 + 2) * 3)",
        "a.b.c",
        "12%",
        "  a  ",
        "a # c",
        "\"x\"",
        "2026-01-01 - 1",
        "1_0.5_0",
    ];
    for e in exprs {
        let fast = dsl::parse_expr_at(e, FileId(1), 7);
        let slow = dsl::parse_expr_with_pest(e, FileId(1), 7);
        assert_eq!(fast, slow, "`{e}`");
    }
}

// ---- generated programs ---------------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a",
        "b",
        "calls",
        "won_deals",
        "x1",
        "_y",
        // Item keywords are names where a name is expected (`metric metric = 1`).
        kpi::syntax::lexicon::ITEM_KEYWORDS[6],
        kpi::syntax::lexicon::ITEM_KEYWORDS[4],
        "android",
        "notes",
    ])
    .prop_map(str::to_string)
}

fn blank() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "  ", "\n", " # c\n", "\t", "\r\n"]).prop_map(str::to_string)
}

fn literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "0",
        "70",
        "1.5",
        "1_000",
        "12%",
        "0.5%",
        "\"s\"",
        "\"a\\\"b\"",
        "\"\"",
        "true",
        "false",
        "2026-09-30",
        "30d",
        "2w",
        "6h",
        "workdays",
    ])
    .prop_map(str::to_string)
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        literal(),
        name(),
        (name(), name()).prop_map(|(a, b)| format!("{a}.{b}")),
    ];
    leaf.prop_recursive(5, 40, 4, |inner| {
        let op = prop::sample::select(vec![
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/",
        ]);
        prop_oneof![
            (inner.clone(), blank(), op, blank(), inner.clone()).prop_map(
                |(a, s1, o, s2, b)| format!(
                    "{a}{} {o}{}{b}",
                    s1,
                    if s2.is_empty() { " " } else { &s2 }
                )
            ),
            (prop::sample::select(vec!["-", "not "]), inner.clone())
                .prop_map(|(o, a)| format!("{o}{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (
                inner.clone(),
                prop::collection::vec(inner.clone(), 0..3),
                any::<bool>()
            )
                .prop_map(|(a, items, trailing)| {
                    let comma = if trailing && !items.is_empty() {
                        ","
                    } else {
                        ""
                    };
                    format!("{a} in [{}{comma}]", items.join(", "))
                }),
            (
                prop::sample::select(vec![
                    "coalesce", "if", "min", "max", "abs", "round", "prev", "f"
                ]),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            (
                prop::sample::select(vec![
                    "count",
                    "sum",
                    "avg",
                    "min",
                    "max",
                    "median",
                    "count_distinct"
                ]),
                name(),
                prop::option::of(name()),
                prop::option::of(inner.clone())
            )
                .prop_map(|(f, s, c, w)| {
                    let target = match c {
                        Some(c) => format!("{s}.{c}"),
                        None => s,
                    };
                    match w {
                        Some(w) => format!("{f}({target} where {w})"),
                        None => format!("{f}({target})"),
                    }
                }),
            (name(), inner.clone(), inner)
                .prop_map(|(s, p, w)| format!("percentile({s}.v, {p} where {w})")),
        ]
    })
}

fn attrs() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "format percent",
            "format count",
            "unit calls",
            "description \"d\"",
            "owner \"o\"",
            "review every quarter last 2026-09-30",
            "review every 90d last 2026-01-01 owner \"x\"",
        ]),
        0..3,
    )
    .prop_map(|a| a.join(" "))
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<bool>(), name(), expr(), prop::option::of(attrs())).prop_map(|(o, n, e, a)| {
            let o = if o { "override " } else { "" };
            match a {
                Some(a) => format!("{o}metric {n} = {e} {{ {a} }}"),
                None => format!("{o}metric {n} = {e}"),
            }
        }),
        (name(), prop::option::of(expr())).prop_map(|(n, e)| match e {
            Some(e) => format!("param {n} = {e}"),
            None => format!("param {n} required"),
        }),
        (name(), expr(), expr(), prop::option::of(expr())).prop_map(|(n, a, b, v)| {
            let v = v.map(|v| format!(" value {v}")).unwrap_or_default();
            format!("funnel {n} {{ stage s1 = {a} stage s2 = {b}{v} }}")
        }),
        (name(), expr(), attrs()).prop_map(|(n, w, a)| format!(
            "funnel {n} over src by acct within 30d {{ step v where {w} {a} }}"
        )),
        (
            name(),
            expr(),
            expr(),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
        )
            .prop_map(|(n, e, t, op)| format!(
                "check {n} = {e} {{ per rep, team every week warn when {op} {t} }}"
            )),
        (name(), expr()).prop_map(|(n, e)| format!("profile {n} {{ a = {e} }}")),
        name().prop_map(|n| format!(
            "source {n} {{ time ts dimensions rep column amount: decimal }}"
        )),
        Just("settings { currency \"EUR\" calendar nl }".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_agree(items in prop::collection::vec((item(), blank()), 1..5)) {
        let text: String = items.iter().map(|(i, b)| format!("{i}\n{b}")).collect();
        prop_assert!(same(&text).is_ok(), "{}", same(&text).unwrap_err());
    }

    /// Mutations of valid programs: each is either parsed identically or left to pest.
    #[test]
    fn mutated_programs_agree(
        program in prop::collection::vec(item(), 1..4),
        at in any::<prop::sample::Index>(),
        edit in prop::sample::select(vec!["", "(", ")", "\"", "=", ",", "}", "{", " ", "\n", "#", ".", "-", "in", "where", "A", "%", "0"]),
        delete in 0usize..4,
    ) {
        let text = program.join("\n");
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        let mut j = (i + delete).min(text.len());
        while !text.is_char_boundary(j) {
            j += 1;
        }
        let mutated = format!("{}{edit}{}", &text[..i], &text[j..]);
        prop_assert!(same(&mutated).is_ok(), "{}", same(&mutated).unwrap_err());
    }

    #[test]
    fn generated_expressions_agree(e in expr()) {
        let fast = dsl::parse_expr_at(&e, FileId(2), 3);
        let slow = dsl::parse_expr_with_pest(&e, FileId(2), 3);
        prop_assert_eq!(fast, slow, "`{}`", e);
    }
}
