//! Golden tests of lookup sources with history (DESIGN 5.2), over
//! `tests/fixtures/eval/lookup*.{kpi,csv}` (time zone Europe/Amsterdam: CET until
//! 2026-03-29, CEST after).
//!
//! Worked out by hand from the fixture rows (the DuckDB and PostgreSQL differential
//! suites check the same cases against a LEFT JOIN):
//! - ann: 03-01 09:00Z east; 03-14 22:30Z = 23:30 local on the 14th, east; 03-14
//!   23:30Z = 00:30 local on the 15th, west (she moved on 03-15); won 120.50 on
//!   03-16, west.
//! - bob: west always (a call, and a won 80 of a product without a category).
//! - cid: listed 02-01 .. 04-01 (exclusive). 01-20: before, no team; 02-03 won
//!   10.25 east (product p9 is not listed); 03-31 21:30Z = 23:30 CEST east; 03-31
//!   22:30Z = 00:30 on 04-01, no team.
//! - dan: listed with an empty team (no team) and region apac; zed: not listed; one
//!   row has no rep at all (no team, and not an unmatched key).

use crate::support::eval::*;
use crate::support::{kpi, tempdir};

fn args(extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        f("lookup.kpi"),
        "--data".into(),
        format!("acts={}", f("lookup_acts.csv")),
        "--data".into(),
        format!("reps={}", f("lookup_reps.csv")),
        "--data".into(),
        format!("products={}", f("lookup_products.csv")),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn lookup(extra: &[&str]) -> Table {
    let a = args(extra);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    eval_csv(&a)
}

/// calls: ann 3, bob 1, cid 3, dan 1, zed 1, no rep 1 = 10; won 120.5 + 80 + 10.25;
/// emea rows: ann's two east calls, cid's east deal and call = 4; rows without a team:
/// cid twice, dan, zed, no rep = 5; hardware (p1): 6.
#[test]
fn lookup_dimensions_in_filters_and_distinct_counts() {
    let t = lookup(&[]);
    expect(
        &t,
        &[],
        &[
            ("calls", "10"),
            ("won", "210.75"),
            ("emea_calls", "4"),
            ("no_team", "5"),
            ("teams", "2"),
            ("hardware", "6"),
        ],
    );
}

/// A rep who changes team mid-month counts for each team on its own days.
#[test]
fn a_rep_who_moves_counts_for_the_team_of_each_day() {
    let t = lookup(&["--by", "team,rep"]);
    expect(&t, &["east", "ann"], &[("calls", "2"), ("won", "0")]);
    expect(&t, &["west", "ann"], &[("calls", "1"), ("won", "120.5")]);
    expect(&t, &["east", "cid"], &[("calls", "1"), ("won", "10.25")]);
    expect(&t, &["", "cid"], &[("calls", "2"), ("no_team", "2")]);
    expect(&t, &["", "dan"], &[("calls", "1")]);
    let t = lookup(&["--by", "team"]);
    assert_eq!(t.keys(1), vec![vec![""], vec!["east"], vec!["west"]]);
    expect(
        &t,
        &["east"],
        &[("calls", "3"), ("won", "10.25"), ("emea_calls", "4")],
    );
    expect(&t, &["west"], &[("calls", "2"), ("won", "200.5")]);
}

/// ISO weeks in local time: ann's 00:30 call on Sunday 03-15 is west in 2026-W11.
#[test]
fn lookup_dimensions_by_week() {
    let t = lookup(&["--by", "team", "--grain", "week"]);
    expect(&t, &["east", "2026-W11"], &[("calls", "1")]);
    expect(&t, &["west", "2026-W11"], &[("calls", "1")]);
    expect(&t, &["west", "2026-W12"], &[("won", "200.5")]);
    expect(&t, &["east", "2026-W14"], &[("calls", "1")]);
    expect(&t, &["", "2026-W14"], &[("calls", "1")]);
}

/// Unmatched keys give empty dimensions and one line per lookup on stderr.
#[test]
fn unmatched_keys_are_reported_once_per_lookup() {
    let mut a = vec!["eval".to_string()];
    a.extend(args(&["--by", "category", "--format", "csv"]));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = kpi(&a);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "warning: 3 rows of source `acts`: `rep` not listed by lookup `reps` on the row's day (e.g. `cid`, `zed`); team, region, manager are empty for them\n\
         warning: 1 row of source `acts`: `item` not listed by lookup `products` (e.g. `p9`); category is empty for them\n"
    );
    let t = Table::parse(&out.stdout);
    // No category: p9 (cid's 10.25) and p3 (bob's 80, listed without one).
    expect(&t, &[""], &[("won", "90.25"), ("calls", "0")]);
}

fn run_with_reps(reps: &str) -> crate::support::Run {
    let dir = tempdir("lookup_errors");
    let path = dir.join("reps.csv");
    std::fs::write(&path, reps).unwrap();
    kpi(&[
        "eval",
        &f("lookup.kpi"),
        "--data",
        &format!("acts={}", f("lookup_acts.csv")),
        "--data",
        &format!("reps={}", path.display()),
        "--data",
        &format!("products={}", f("lookup_products.csv")),
    ])
}

/// Overlapping validity, a row valid on no day, and a bad date are data errors
/// (exit 1) naming the lines.
#[test]
fn bad_lookup_rows_are_errors_naming_their_lines() {
    let head = "rep,team,region,manager,start_date,end_date\n";
    let out = run_with_reps(&format!(
        "{head}ann,east,emea,m,2026-01-01,2026-03-15\nbob,west,amer,j,,\nann,west,amer,j,2026-03-01,\n"
    ));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`rep` `ann` has rows whose validity overlaps: lines 2 and 4"),
        "{}",
        out.stderr
    );
    let out = run_with_reps(&format!("{head}ann,east,emea,m,2026-03-15,2026-03-15\n"));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("reps.csv:2): `end_date` is not after `start_date`"),
        "{}",
        out.stderr
    );
    let out = run_with_reps(&format!("{head}ann,east,emea,m,15/03/2026,\n"));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("reps.csv:2): `start_date` is `15/03/2026`, not a date"),
        "{}",
        out.stderr
    );
}

/// Without validity columns a key may appear once.
#[test]
fn a_key_twice_in_a_lookup_without_validity_names_both_lines() {
    let dir = tempdir("lookup_twice");
    std::fs::write(dir.join("p.csv"), "sku,category\np1,a\np2,b\np1,c\n").unwrap();
    let out = kpi(&[
        "eval",
        &f("lookup.kpi"),
        "--data",
        &format!("acts={}", f("lookup_acts.csv")),
        "--data",
        &format!("reps={}", f("lookup_reps.csv")),
        "--data",
        &format!("products={}", dir.join("p.csv").display()),
        "--metrics",
        "hardware",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("`sku` `p1` has two rows (a lookup without `valid_from` has one row per key): lines 2 and 4"),
        "{}",
        out.stderr
    );
}

/// `kpi fmt` and `kpi convert` keep lookups and derived columns: the YAML form
/// evaluates to the same table.
#[test]
fn lookups_and_derived_columns_survive_fmt_and_convert() {
    let dir = tempdir("lookup_convert");
    for name in ["lookup.kpi", "rows.kpi"] {
        let out = kpi(&["fmt", "--check", &f(name)]);
        assert_eq!(out.code, 0, "{name} is formatted: {}", out.stderr);
        let yaml = dir.join(name.replace(".kpi", ".yaml"));
        let out = kpi(&[
            "convert",
            &f(name),
            "--to",
            "yaml",
            "-o",
            &yaml.to_string_lossy(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let back = kpi(&["convert", &yaml.to_string_lossy(), "--to", "kpi"]);
        assert_eq!(back.code, 0, "{}", back.stderr);
        assert!(back.stdout.contains(if name == "lookup.kpi" {
            "lookup products on item"
        } else {
            "column revenue = qty * unit_price"
        }));
    }
    let a = args(&["--by", "team,category"]);
    let mut y = a.clone();
    y[0] = dir.join("lookup.yaml").to_string_lossy().into_owned();
    let (a, y): (Vec<&str>, Vec<&str>) = (
        a.iter().map(String::as_str).collect(),
        y.iter().map(String::as_str).collect(),
    );
    assert_eq!(eval_csv(&a).rows, eval_csv(&y).rows);
}

/// `kpi checks` tells about unmatched keys too, once however many checks read them.
#[test]
fn checks_report_unmatched_keys_once() {
    let dir = tempdir("lookup_checks");
    let mut defs = std::fs::read_to_string(f("lookup.kpi")).unwrap();
    defs.push_str("check few_calls = calls {\n  per team\n  every month\n  warn when < 1\n}\n");
    defs.push_str("check few_won = won {\n  per team\n  every month\n  warn when < 1\n}\n");
    let path = dir.join("checks.kpi");
    std::fs::write(&path, defs).unwrap();
    let mut a = vec!["checks".to_string()];
    let mut rest = args(&["--format", "csv"]);
    rest[0] = path.to_string_lossy().into_owned();
    a.extend(rest);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = kpi(&a);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: 3 rows of source `acts`: `rep` not listed by lookup `reps` on the row's day (e.g. `cid`, `zed`); team, region, manager are empty for them",
        ],
        "{}",
        out.stderr
    );
}

/// A lookup written by real tools reads as its CSV: `lookup_reps.parquet` (DuckDB
/// 1.x `COPY .. (FORMAT parquet)` of the CSV read with DATE validity columns, so
/// empty cells are Parquet nulls) and `lookup_reps.xlsx` (openpyxl, dates as Excel
/// dates, empty cells absent, sheet `Reps`) give the CSV's table.
#[test]
fn lookups_written_by_duckdb_and_openpyxl_read_as_the_csv() {
    let want = lookup(&["--by", "team,rep", "--grain", "week"]);
    for file in ["lookup_reps.parquet", "lookup_reps.xlsx"] {
        let mut a = args(&["--by", "team,rep", "--grain", "week"]);
        a[4] = format!("reps={}", f(file));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let got = eval_csv(&a);
        assert_eq!(got.header, want.header, "{file}");
        assert_eq!(got.rows, want.rows, "{file}");
    }
}

/// A key column hinted `int` is looked up as the file writes it (`7` matches the
/// lookup's `7`), with `lookup .. on` a column of another name.
#[test]
fn an_integer_key_is_looked_up_by_its_text() {
    let dir = tempdir("lookup_int_key");
    std::fs::write(dir.join("owners.csv"), "id,team\n7,east\n12,west\n").unwrap();
    std::fs::write(
        dir.join("acts.csv"),
        "ts,owner\n2026-01-05,7\n2026-01-06,12\n2026-01-07,12\n2026-01-08,99\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("d.kpi"),
        "source owners {\n  from \"owners.csv\"\n  key id\n  dimensions team\n}\n\
         source acts {\n  from \"acts.csv\"\n  time ts\n  lookup owners on owner\n  column owner: int\n}\n\
         metric n = count(acts)\nmetric west = count(acts where team == \"west\")\n",
    )
    .unwrap();
    let defs = dir.join("d.kpi");
    let t = eval_csv(&[defs.to_str().unwrap(), "--by", "team"]);
    assert_eq!(t.keys(1), vec![vec![""], vec!["east"], vec!["west"]]);
    expect(&t, &["east"], &[("n", "1")]);
    expect(&t, &["west"], &[("n", "2")]);
    expect(&t, &[""], &[("n", "1")]);
    // Read in a filter, the lookup row is computed per row from the typed key.
    let t = eval_csv(&[defs.to_str().unwrap()]);
    expect(&t, &[], &[("n", "4"), ("west", "2")]);
}
