//! Properties of evaluation over random small datasets (reps in teams, types, amounts
//! with 2 decimals): additive metrics roll up (per rep summed per team = per team), and
//! a ratio at team level is the ratio of the team's sums, not a mean of rep ratios.

use std::collections::BTreeMap;

use crate::support::eval::*;
use kpi::data::period::Grain;
use kpi::eval::Cell;
use proptest::prelude::*;

const DEFS: &str =
    "source acts {\n  time ts\n  dimensions rep, team\n  column amount: decimal\n}\n\
metric calls  = count(acts where type == \"call\")\n\
metric deals  = count(acts where type == \"deal\")\n\
metric rows   = count(acts)\n\
metric amount = sum(acts.amount where type == \"deal\")\n\
metric gross  = sum(acts.amount)\n\
metric deal_size = amount / deals\n\
metric deals_per_call = deals / calls\n";

const REPS: [(&str, &str); 6] = [
    ("ann", "north"),
    ("bob", "north"),
    ("cem", "south"),
    ("dan", "south"),
    ("eve", "south"),
    ("fay", "west"),
];
const TYPES: [&str; 3] = ["call", "deal", "email"];

#[derive(Clone, Debug)]
struct Act {
    rep: usize,
    kind: usize,
    /// cents; `None` is an empty cell
    cents: Option<i64>,
    day: u32,
}

fn act() -> impl Strategy<Value = Act> {
    (
        0..REPS.len(),
        0..TYPES.len(),
        prop::option::weighted(0.8, -50_000i64..500_000),
        0u32..70,
    )
        .prop_map(|(rep, kind, cents, day)| Act {
            rep,
            kind,
            cents,
            day,
        })
}

fn csv(acts: &[Act]) -> Vec<u8> {
    let mut s = String::from("ts,rep,team,type,amount\n");
    for a in acts {
        // days from 2026-01-01 (a Thursday) over ten weeks and three months
        let (m, d) = match a.day {
            0..=30 => (1, a.day + 1),
            31..=58 => (2, a.day - 30),
            _ => (3, a.day - 58),
        };
        let amount = a.cents.map_or(String::new(), |c| {
            format!(
                "{}{}.{:02}",
                if c < 0 { "-" } else { "" },
                c.abs() / 100,
                c.abs() % 100
            )
        });
        s.push_str(&format!(
            "2026-{m:02}-{d:02}T10:00:00,{},{},{},{amount}\n",
            REPS[a.rep].0, REPS[a.rep].1, TYPES[a.kind]
        ));
    }
    s.into_bytes()
}

type Rows = BTreeMap<Vec<String>, BTreeMap<String, Cell>>;

fn int(c: &Cell) -> i64 {
    match c {
        Cell::Int(i) => *i,
        other => panic!("expected an integer count, got {other:?}"),
    }
}

/// A sum in cents (sums of 2-decimal amounts are exact: 10^-6 units / 10^4).
fn cents(c: &Cell) -> i128 {
    match c {
        Cell::Dec(d) => {
            assert_eq!(d % 10_000, 0, "not whole cents: {d}");
            d / 10_000
        }
        other => panic!("expected an exact decimal sum, got {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den != 0.0).then(|| num / den)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn rep_level_rolls_up_to_team_level(acts in prop::collection::vec(act(), 1..120), g in 0usize..3) {
        let grain = [Grain::All, Grain::Week, Grain::Month][g];
        let dir = std::env::temp_dir().join(format!("kpi-eval-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let defs = dir.join("p.kpi");
        if !defs.exists() {
            std::fs::write(dir.join("p.tmp"), DEFS).unwrap();
            std::fs::rename(dir.join("p.tmp"), &defs).unwrap();
        }
        let graph = compile_file(&defs);
        let data = csv(&acts);
        let by_rep = eval_lib(&graph, &Lib { by: &["rep"], grain, ..Default::default() }, &[("acts", "acts.csv", data.clone())]).unwrap();
        let by_team = eval_lib(&graph, &Lib { by: &["team"], grain, ..Default::default() }, &[("acts", "acts.csv", data)]).unwrap();
        let reps: Rows = cells(&by_rep);
        let teams: Rows = cells(&by_team);

        // Sum the rep rows per (team, period).
        let team_of = |rep: &str| REPS.iter().find(|r| r.0 == rep).unwrap().1.to_string();
        let mut rolled: BTreeMap<Vec<String>, (i64, i64, i64, i128, i128)> = BTreeMap::new();
        for (key, row) in &reps {
            let mut tk = vec![team_of(&key[0])];
            tk.extend(key[1..].iter().cloned());
            let e = rolled.entry(tk).or_default();
            e.0 += int(&row["calls"]);
            e.1 += int(&row["deals"]);
            e.2 += int(&row["rows"]);
            e.3 += cents(&row["amount"]);
            e.4 += cents(&row["gross"]);
        }
        prop_assert_eq!(rolled.keys().collect::<Vec<_>>(), teams.keys().collect::<Vec<_>>());
        for (key, (calls, deals, rows, amount, gross)) in &rolled {
            let t = &teams[key];
            prop_assert_eq!(int(&t["calls"]), *calls);
            prop_assert_eq!(int(&t["deals"]), *deals);
            prop_assert_eq!(int(&t["rows"]), *rows);
            prop_assert_eq!(cents(&t["amount"]), *amount);
            prop_assert_eq!(cents(&t["gross"]), *gross);
            // Ratios of the team's sums.
            let want = ratio(*deals as f64, *calls as f64);
            match (t["deals_per_call"].as_f64(), want) {
                (Some(a), Some(b)) => prop_assert!(close(a, b), "{:?}: {} vs {}", key, a, b),
                (a, b) => prop_assert_eq!(a, b),
            }
            let want = ratio(*amount as f64 / 100.0, *deals as f64);
            match (t["deal_size"].as_f64(), want) {
                (Some(a), Some(b)) => prop_assert!(close(a, b), "{:?}: {} vs {}", key, a, b),
                (a, b) => prop_assert_eq!(a, b),
            }
        }

        // And the totals against the generated rows themselves (integer cents).
        let total_deals: i64 = acts.iter().filter(|a| a.kind == 1).count() as i64;
        let total_amount: i128 = acts.iter().filter(|a| a.kind == 1).filter_map(|a| a.cents).map(i128::from).sum();
        let total_gross: i128 = acts.iter().filter_map(|a| a.cents).map(i128::from).sum();
        prop_assert_eq!(teams.values().map(|r| int(&r["deals"])).sum::<i64>(), total_deals);
        prop_assert_eq!(teams.values().map(|r| cents(&r["amount"])).sum::<i128>(), total_amount);
        prop_assert_eq!(teams.values().map(|r| cents(&r["gross"])).sum::<i128>(), total_gross);
        prop_assert_eq!(teams.values().map(|r| int(&r["rows"])).sum::<i64>(), acts.len() as i64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Grouping by more than three dimensions (a general hash key) gives the same
    /// groups and values as by up to three (a packed key): `--by rep,team,rep,team`
    /// is `--by rep,team` with the columns repeated.
    #[test]
    fn many_dimensions_group_like_few(acts in prop::collection::vec(act(), 1..120), g in 0usize..3) {
        let grain = [Grain::All, Grain::Week, Grain::Day][g];
        let dir = std::env::temp_dir().join(format!("kpi-eval-props-dims-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let defs = dir.join("p.kpi");
        if !defs.exists() {
            std::fs::write(dir.join("p.tmp"), DEFS).unwrap();
            std::fs::rename(dir.join("p.tmp"), &defs).unwrap();
        }
        let graph = compile_file(&defs);
        let data = csv(&acts);
        let few = eval_lib(&graph, &Lib { by: &["rep", "team"], grain, ..Default::default() }, &[("acts", "acts.csv", data.clone())]).unwrap();
        let many = eval_lib(&graph, &Lib { by: &["rep", "team", "rep", "team"], grain, ..Default::default() }, &[("acts", "acts.csv", data)]).unwrap();
        prop_assert_eq!(few.rows().len(), many.rows().len());
        for (a, b) in few.rows().iter().zip(many.rows()) {
            prop_assert_eq!(&b.dims, &vec![a.dims[0].clone(), a.dims[1].clone(), a.dims[0].clone(), a.dims[1].clone()]);
            prop_assert_eq!(&a.period, &b.period);
            prop_assert_eq!(&a.values, &b.values);
        }
        // and each rep is in one team, so the groups are the reps that have rows
        let reps: std::collections::BTreeSet<usize> = acts.iter().map(|a| a.rep).collect();
        if grain == Grain::All {
            prop_assert_eq!(few.rows().len(), reps.len());
        }
    }
}

/// A fixed case where the two differ: ann 1 deal / 1 call, bob 1 deal / 4 calls.
/// Team north: 2/5 = 0.4; the mean of the rep ratios would be (1 + 0.25) / 2 = 0.625.
#[test]
fn team_ratio_differs_from_mean_of_rep_ratios() {
    let dir = std::env::temp_dir().join(format!("kpi-eval-props-fixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("p.kpi"), DEFS).unwrap();
    let graph = compile_file(&dir.join("p.kpi"));
    let mut acts = vec![
        Act {
            rep: 0,
            kind: 0,
            cents: None,
            day: 3,
        },
        Act {
            rep: 0,
            kind: 1,
            cents: Some(10_000),
            day: 3,
        },
        Act {
            rep: 1,
            kind: 1,
            cents: Some(30_050),
            day: 4,
        },
    ];
    for _ in 0..4 {
        acts.push(Act {
            rep: 1,
            kind: 0,
            cents: None,
            day: 5,
        });
    }
    let out = eval_lib(
        &graph,
        &Lib {
            by: &["team"],
            metrics: &["deals_per_call", "deal_size", "amount"],
            ..Default::default()
        },
        &[("acts", "a.csv", csv(&acts))],
    )
    .unwrap();
    let c = cells(&out);
    let north = &c[&vec!["north".to_string()]];
    assert_eq!(north["deals_per_call"], Cell::Num(0.4));
    assert_eq!(north["amount"], Cell::Dec(400_500_000));
    assert_eq!(north["deal_size"], Cell::Num(200.25));
}
