//! Money is exact: sums of `decimal` columns over a million rows print exactly what a
//! decimal reference (integer cents / mills computed here) gives, never float noise.

use crate::support::tempdir;
use std::fmt::Write as _;

use crate::support::eval::*;

/// Exact text of an integer number of thousandths (`-1005` -> `-1.005`, `150000000` -> `150000`).
fn mills_text(m: i128) -> String {
    let neg = m < 0;
    let a = m.unsigned_abs();
    let mut s = format!("{}{}", if neg { "-" } else { "" }, a / 1000);
    let f = a % 1000;
    if f != 0 {
        s.push('.');
        s.push_str(format!("{f:03}").trim_end_matches('0'));
    }
    s
}

/// `-12.5` -> -12500 thousandths; written independently of kpi's parser.
fn to_mills(s: &str) -> i128 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut frac = frac.to_string();
    while frac.len() < 3 {
        frac.push('0');
    }
    let v = int.parse::<i128>().unwrap() * 1000 + frac.parse::<i128>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

const DEFS: &str = "source s {\n  time ts\n  dimensions grp\n  column amount: decimal\n}\n\
                    metric total = sum(s.amount)\nmetric n = count(s)\nmetric pos = sum(s.amount where amount > 0)\n";

/// 1,000,000 rows alternating 0.10 and 0.20: 500,000 x 10 + 500,000 x 20 cents =
/// 15,000,000 cents = 150000 exactly (a float sum drifts: 150000.00000xxx).
#[test]
fn a_million_dimes_and_twenties_sum_to_exactly_150000() {
    let dir = tempdir("dimes");
    let mut csv = String::with_capacity(36 * 1_000_000);
    csv.push_str("ts,grp,amount\n");
    let mut cents: i128 = 0;
    let mut cents_a: i128 = 0;
    for i in 0..1_000_000u32 {
        let (text, c) = if i % 2 == 0 {
            ("0.10", 10)
        } else {
            ("0.20", 20)
        };
        let grp = if i % 3 == 0 { "a" } else { "b" };
        writeln!(csv, "2026-01-{:02}T09:00:00,{grp},{text}", 1 + i % 28).unwrap();
        cents += c;
        if grp == "a" {
            cents_a += c;
        }
    }
    assert_eq!(cents, 15_000_000);
    std::fs::write(dir.join("d.csv"), &csv).unwrap();
    std::fs::write(dir.join("d.kpi"), DEFS).unwrap();
    let defs = dir.join("d.kpi").to_string_lossy().into_owned();
    let data = dir.join("d.csv").to_string_lossy().into_owned();

    let t = eval_csv(&[&defs, "--data", &data, "--metrics", "total,n"]);
    assert_eq!(
        t.rows,
        vec![vec!["150000".to_string(), "1000000".to_string()]]
    );
    assert_eq!(cents_text(cents), "150000");

    // per group (rows of a group are spread over every parallel chunk)
    let t = eval_csv(&[&defs, "--data", &data, "--by", "grp", "--metrics", "total"]);
    expect_rows(
        &t,
        &[
            ("a", cents_text(cents_a)),
            ("b", cents_text(cents - cents_a)),
        ],
    );

    // JSON carries the exact number too.
    let r = kpi(&[
        "eval",
        &defs,
        "--data",
        &data,
        "--metrics",
        "total",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["total"].to_string(), "150000");
    let _ = std::fs::remove_dir_all(&dir);
}

fn expect_rows(t: &Table, want: &[(&str, String)]) {
    let got: Vec<(String, String)> = t
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.clone()))
        .collect();
    assert_eq!(got, want);
}

/// Negative and 3-decimal amounts: the sum (and the sum of the positive ones, and
/// per day) equals the integer-mills reference exactly.
#[test]
fn negative_and_three_decimal_amounts_are_exact() {
    let dir = tempdir("mills");
    let amounts = [
        "-1.005",
        "2.125",
        "0.333",
        "-0.7",
        "10.01",
        "-12345.678",
        "9999.999",
        "0.001",
        "-0.001",
        "7",
    ];
    let mut csv = String::from("ts,grp,amount\n");
    let (mut total, mut pos) = (0i128, 0i128);
    let mut per_day = [0i128; 3];
    for i in 0..300_001usize {
        let a = amounts[(i * 7 + i / 10) % amounts.len()];
        let day = i % 3;
        writeln!(csv, "2026-02-{:02}T12:00:00,g,{a}", day + 1).unwrap();
        let m = to_mills(a);
        total += m;
        per_day[day] += m;
        if m > 0 {
            pos += m;
        }
    }
    std::fs::write(dir.join("m.csv"), &csv).unwrap();
    std::fs::write(dir.join("m.kpi"), DEFS).unwrap();
    let defs = dir.join("m.kpi").to_string_lossy().into_owned();
    let data = dir.join("m.csv").to_string_lossy().into_owned();
    let t = eval_csv(&[&defs, "--data", &data]);
    assert_eq!(t.header, ["total", "n", "pos"]);
    assert_eq!(
        t.rows[0],
        [mills_text(total), "300001".to_string(), mills_text(pos)]
    );
    // the reference is not a round number, so the check has teeth
    assert_ne!(total % 1000, 0);
    let t = eval_csv(&[
        &defs,
        "--data",
        &data,
        "--grain",
        "day",
        "--metrics",
        "total",
    ]);
    let got: Vec<String> = t.column("total");
    let want: Vec<String> = per_day.iter().map(|&m| mills_text(m)).collect();
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mills_helpers() {
    assert_eq!(to_mills("-1.005"), -1005);
    assert_eq!(to_mills("7"), 7000);
    assert_eq!(to_mills("0.1"), 100);
    assert_eq!(mills_text(-1005), "-1.005");
    assert_eq!(mills_text(-5), "-0.005");
    assert_eq!(mills_text(150_000_000), "150000");
    assert_eq!(mills_text(2_500), "2.5");
}

/// The compiler types each node once (the engine and the SQL backend read it): whole
/// numbers, printed-as-integer and possibly-exact values, through aliases, sums and
/// differences, negation and windows; a ratio is none of them.
#[test]
fn the_graph_says_how_values_are_typed() {
    let dir = tempdir("typing");
    let defs = dir.join("t.kpi");
    std::fs::write(
        &defs,
        "source s {\n  time ts\n  dimensions rep\n  column amount: decimal\n}\n\
         metric calls = count(s where type == \"call\")\n\
         metric reps = count_distinct(s.rep)\n\
         metric amount = sum(s.amount)\n\
         metric mean = avg(s.amount)\n\
         metric both = calls + reps\n\
         metric net = amount - prev(amount)\n\
         metric neg = -amount\n\
         metric rolled = rolling(calls, 3)\n\
         metric ratio = amount / calls\n\
         metric shown = mean { format count }\n\
         metric mixed = calls + amount\n",
    )
    .unwrap();
    let g = compile_file(&defs);
    let t = |m: &str| {
        let x = g.node(g.metric(m).unwrap()).typing;
        (x.integral, x.count_like, x.exact)
    };
    assert_eq!(t("calls"), (true, true, false));
    assert_eq!(t("reps"), (true, true, false));
    assert_eq!(t("amount"), (false, false, true));
    assert_eq!(t("mean"), (false, false, false));
    assert_eq!(t("both"), (true, true, false));
    assert_eq!(t("net"), (false, false, true));
    assert_eq!(t("neg"), (false, false, true));
    assert_eq!(t("rolled"), (true, true, false));
    assert_eq!(t("ratio"), (false, false, false));
    assert_eq!(t("shown"), (false, true, false));
    assert_eq!(t("mixed"), (false, false, false));
}
