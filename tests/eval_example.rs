//! The shipped example: `metrics/sales.kpi` over `data/` evaluates, and a few values
//! agree with a reference computed with Python's csv + Decimal:
//!
//! ```python
//! import csv; from decimal import Decimal
//! acts = list(csv.DictReader(open("data/activities.csv")))   # local times, no offsets
//! quotas = list(csv.DictReader(open("data/quotas.csv")))
//! won = lambda f: sum((Decimal(r["amount"]) for r in acts if r["type"] == "deal_won" and f(r)), Decimal(0))
//! quota = lambda f: sum(Decimal(r["amount"]) for r in quotas if f(r))
//! sum(1 for r in acts if r["team"] == "north" and r["ts"][:7] == "2026-02" and r["type"] == "call")  # 178
//! won(lambda r: r["rep"] == "ann" and r["ts"][:7] == "2026-03")                                       # 82704.06
//! won(lambda r: r["rep"] == "bob" and r["ts"][:7] == "2026-01")                                       # 0
//! quota(lambda r: r["rep"] == "bob" and r["month"] == "2026-01")                                      # 30000.00 -> attainment 0
//! won(lambda r: r["rep"] == "ann" and r["ts"][:7] == "2026-01") / quota(... ann, 2026-01)             # 33652.12 / 30000 = 1.121737333..
//! won(north, 2026-03) / quota(north, 2026-03)                                                        # 140257.78 / 90000 = 1.558419777..
//! ```

mod eval_support;

use eval_support::*;

fn close(got: &str, want: f64) {
    let g: f64 = got.parse().unwrap();
    assert!((g - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
}

#[test]
fn sales_example_by_team_and_month() {
    let r = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--by",
        "team",
        "--grain",
        "month",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("north") && r.stdout.contains("2026-02"),
        "{}",
        r.stdout
    );

    let t = eval_csv(&["metrics/sales.kpi", "--by", "team", "--grain", "month"]);
    assert_eq!(t.header[..3], ["team", "period", "calls"]);
    assert_eq!(t.get(&["north", "2026-02"], "calls"), "178");
    assert_eq!(t.get(&["north", "2026-03"], "won_amount"), "140257.78");
    assert_eq!(t.get(&["north", "2026-03"], "quota"), "90000");
    close(
        &t.get(&["north", "2026-03"], "attainment"),
        140257.78 / 90000.0,
    );
}

#[test]
fn sales_example_by_rep_and_month() {
    let t = eval_csv(&[
        "metrics/sales.kpi",
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "won_amount,quota,attainment",
    ]);
    assert_eq!(t.get(&["ann", "2026-03"], "won_amount"), "82704.06");
    assert_eq!(t.get(&["bob", "2026-01"], "won_amount"), "0");
    assert_eq!(t.get(&["bob", "2026-01"], "quota"), "30000");
    assert_eq!(t.get(&["bob", "2026-01"], "attainment"), "0");
    close(
        &t.get(&["ann", "2026-01"], "attainment"),
        33652.12 / 30000.0,
    );
}
