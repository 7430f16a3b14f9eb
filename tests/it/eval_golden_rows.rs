//! Golden tests of richer models (DESIGN 5.2): row expressions inside aggregations,
//! derived columns, `is null` / `is not null`, `count(src.col)`.
//!
//! Expected values come from `tests/fixtures/eval/reference.py derived` (csv +
//! Decimal; a product rounded half-even to 10^-6; an unknown `if` condition takes
//! the else branch), quoted next to the assertions.

use crate::support::eval::*;
use crate::support::kpi;

fn rows(extra: &[&str]) -> Table {
    let mut args = vec![f("rows.kpi"), "--data".to_string(), f("rows.csv")];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    eval_csv(&args)
}

/// reference.py derived, group `*`: revenue 384.48 net 388.53 lines 10 priced 9
/// no_discount 6 discounted 3 no_team 1 avg_line 49.06625 biggest 200.01 sizes 2
/// large_revenue 90.52 share_large 0.2354348730753225135..
#[test]
fn row_expressions_and_derived_columns_overall() {
    let t = rows(&[]);
    expect(
        &t,
        &[],
        &[
            ("revenue", "384.48"),
            ("net", "388.53"),
            ("lines", "10"),
            ("priced", "9"),
            ("no_discount", "6"),
            ("discounted", "3"),
            ("no_team", "1"),
            ("avg_line", "~49.06625"),
            ("biggest", "200.01"),
            ("sizes", "2"),
            ("large_revenue", "90.52"),
            ("share_large", "~0.2354348730753225"),
            // The 8 line values, sorted: -2.5 0.5 5.05 5.5 25 59.97 99 200.01;
            // median (5.5 + 25) / 2; p90 at 6.3: 99 + 0.3 x 101.01.
            ("med_line", "~15.25"),
            ("p90_line", "~129.303"),
            ("line_values", "8"),
        ],
    );
}

/// One row expression is computed once per row however many aggregates use it:
/// `qty * unit_price` (five aggregates) is one hidden column of the scan, next to
/// the derived columns the metrics read (revenue, net, size).
#[test]
fn each_distinct_row_expression_is_one_column_of_the_scan() {
    let graph = crate::support::sql::compile("tests/fixtures/eval/rows.kpi");
    let req = crate::support::sql::Case::new("", "all")
        .request(&graph, &[("orders", "tests/fixtures/eval/rows.csv")]);
    let needed = kpi::plan::closure(&graph, &req.metrics);
    let plans = kpi::plan::source_plans(&graph, &req, &needed, false).expect("plan");
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    let derived: Vec<&str> = p
        .derived
        .iter()
        .map(|d| p.columns[d.col].as_str())
        .collect();
    assert_eq!(
        derived
            .iter()
            .filter(|c| **c == "(qty * unit_price)")
            .count(),
        1,
        "{derived:?}"
    );
    let mut names = derived.clone();
    names.sort();
    assert_eq!(names, ["(qty * unit_price)", "net", "revenue", "size"]);
}

/// A derived column as a check's `per` and as a journey's entity; its unit follows
/// the row algebra (qty, an int, times unit_price, a decimal: the currency).
#[test]
fn derived_columns_as_per_and_entity_and_their_units() {
    let out = kpi(&["explain", &f("rows.kpi"), "revenue"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("unit        EUR"), "{}", out.stdout);
    let dir = crate::support::tempdir("derived_per");
    std::fs::copy(f("rows.csv"), dir.join("rows.csv")).unwrap();
    std::fs::write(
        dir.join("d.kpi"),
        "source orders {\n  from \"rows.csv\"\n  time ts\n  dimensions seller\n  column seller = coalesce(rep, \"nobody\")\n}\n\
         metric lines = count(orders)\n\
         check few_lines = lines {\n  per seller\n  every month\n  warn when < 2\n}\n\
         funnel open_then_paid over orders by seller within 30d {\n  step opened where status == \"open\"\n  step paid where status == \"paid\"\n}\n",
    )
    .unwrap();
    let defs = dir.join("d.kpi");
    let defs = defs.to_str().unwrap();
    let out = kpi(&["checks", defs, "--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // ann has 3 rows in 2026-01 (one in 2025-12), bob 3, cid 2, dan 1: warn below 2.
    assert!(
        out.stdout.contains("few_lines,seller=dan,2026-01,1,"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("few_lines,seller=bob,2026-01,3,"),
        "{}",
        out.stdout
    );
    // Journeys by the derived entity: ann opened on 12-31 and paid on 01-05; bob
    // opened on 01-12 and paid nothing after it.
    let t = eval_csv(&[
        defs,
        "--metrics",
        "open_then_paid.opened,open_then_paid.paid",
    ]);
    expect(
        &t,
        &[],
        &[("open_then_paid.opened", "2"), ("open_then_paid.paid", "1")],
    );
}

/// reference.py derived, per rep. bob's line without a qty has no revenue (null in
/// the product, left out of sums and the average); cid's refund has a negative qty;
/// ann's line without a price is counted but has no revenue.
#[test]
fn row_expressions_per_rep_with_nulls() {
    let t = rows(&["--by", "rep"]);
    assert_eq!(
        t.keys(1),
        vec![vec!["ann"], vec!["bob"], vec!["cid"], vec!["dan"]]
    );
    expect(
        &t,
        &["ann"],
        &[
            ("revenue", "60.47"),
            ("net", "65.47"),
            ("priced", "3"),
            ("avg_line", "~21.99"),
            ("sizes", "2"),
        ],
    );
    expect(
        &t,
        &["bob"],
        &[
            ("revenue", "200.01"),
            ("net", "204.06"),
            ("avg_line", "~102.53"),
            ("large_revenue", "5.05"),
        ],
    );
    expect(
        &t,
        &["cid"],
        &[
            ("revenue", "25"),
            ("net", "20"),
            ("avg_line", "~11.25"),
            ("biggest", "25"),
        ],
    );
    expect(
        &t,
        &["dan"],
        &[("revenue", "99"), ("no_team", "1"), ("share_large", "0")],
    );
}

/// A derived column as a `--by` dimension: reference.py derived, groups `large` and
/// `small` (a row whose qty is null is `small`: `if` with an unknown condition).
#[test]
fn a_derived_column_groups_rows() {
    let t = rows(&["--by", "size"]);
    assert_eq!(t.keys(1), vec![vec!["large"], vec!["small"]]);
    expect(
        &t,
        &["large"],
        &[
            ("revenue", "85.47"),
            ("net", "88.02"),
            ("lines", "5"),
            ("large_revenue", "90.52"),
        ],
    );
    expect(
        &t,
        &["small"],
        &[
            ("revenue", "299.01"),
            ("net", "300.51"),
            ("lines", "5"),
            ("no_team", "1"),
        ],
    );
}

/// ISO weeks: 2025-12-29 .. 2026-01-04 is 2026-W01 (23:30Z on the 4th still in it),
/// so W01 holds ann's 59.97 and bob's 200.01 (paid; the open line is not revenue,
/// bob's qty-less line has none); W02 holds 0.5 + 25 + 0 (ann's price-less line).
#[test]
fn row_expressions_by_iso_week() {
    let t = rows(&["--grain", "week"]);
    expect(&t, &["2026-W01"], &[("revenue", "259.98"), ("lines", "4")]);
    expect(&t, &["2026-W02"], &[("revenue", "25.5"), ("lines", "4")]);
    expect(&t, &["2026-W03"], &[("revenue", "99"), ("lines", "2")]);
}

/// A product's decimals past the sixth round half to even, as Python's
/// `Decimal.quantize(.., ROUND_HALF_EVEN)`: 0.000003 * 0.5 = 0.0000015 -> 0.000002,
/// 0.000001 * 0.5 -> 0, and 1.0000005 (= 2.000001 * 0.5) -> 1 (even).
#[test]
fn products_round_half_to_even() {
    let dir = crate::support::tempdir("half_even");
    std::fs::write(
        dir.join("d.csv"),
        "ts,a,b\n2026-01-05,0.000003,0.5\n2026-01-05,0.000001,0.5\n2026-01-05,2.000001,0.5\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("d.kpi"),
        "source d { from \"d.csv\" time ts column a: decimal column b: decimal }\n\
         metric s = sum(d.a * d.b)\nmetric m = max(d.a * d.b)\nmetric z = min(d.a * d.b)\n",
    )
    .unwrap();
    let out = kpi(&[
        "eval",
        dir.join("d.kpi").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "s,m,z\n1.000002,1,0\n");
}

/// Derived columns that each read the one before twice (`c1 = c0 + c0`, ..) are
/// computed once each: units are worked out once per column, the engine evaluates
/// 2^39 exactly, and `kpi sql`, which writes derived columns out inline, refuses the
/// column whose SQL would pass a megabyte instead of building 2^39 copies.
#[test]
fn a_chain_of_doubling_derived_columns_stays_linear() {
    let dir = crate::support::tempdir("doubling");
    let mut defs = String::from("source s {\n  time ts\n  column x: decimal\n  column c0 = x\n");
    for i in 1..40 {
        defs.push_str(&format!("  column c{i} = c{} + c{}\n", i - 1, i - 1));
    }
    defs.push_str("}\nmetric m = sum(s.c39)\n");
    let path = dir.join("doubling.kpi");
    std::fs::write(&path, defs).unwrap();
    std::fs::write(dir.join("d.csv"), "ts,x\n2026-01-01,1\n2026-01-02,0.5\n").unwrap();
    let p = path.to_str().unwrap();
    let out = kpi(&["check", p]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let data = format!("s={}", dir.join("d.csv").display());
    let t = eval_csv(&[p, "--data", &data]);
    // (1 + 0.5) x 2^39
    expect(&t, &[], &[("m", "824633720832")]);
    let out = kpi(&["sql", p, "--dialect", "duckdb"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("derived column `c18`, whose SQL would be"),
        "{}",
        out.stderr
    );
}
