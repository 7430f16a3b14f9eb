//! Numbers for people (DESIGN 5.4): tables and Markdown write percentages with one
//! decimal, money with two and its currency, counts with thousands separators, in
//! the definitions' `locale`; CSV and JSON keep full precision. `--layout long` and
//! `-o FILE` on the table commands.

use crate::support::{kpi, tempdir};

const SALES: &str = "metrics/sales.kpi";
const NL: &str = "tests/fixtures/human/nl.kpi";
const NL_YAML: &str = "tests/fixtures/human/nl.yaml";

fn ok(args: &[&str]) -> String {
    let (code, out, err) = kpi(args).parts();
    assert_eq!(code, 0, "kpi {args:?}: {err}");
    out
}

/// Percent, money with its currency, counts, plain numbers to 3 significant digits.
#[test]
fn eval_table_writes_numbers_for_people() {
    let out = ok(&[
        "eval",
        SALES,
        "--by",
        "team",
        "--metrics",
        "calls,hit_rate,won_amount,avg_call_minutes,conversion_to_meeting,active_reps",
    ]);
    assert_eq!(
        out,
        "\
┌───────┬───────┬──────────┬────────────────┬──────────────────┬───────────────────────┬─────────────┐
│ team  ┆ calls ┆ hit_rate ┆ won_amount     ┆ avg_call_minutes ┆ conversion_to_meeting ┆ active_reps │
╞═══════╪═══════╪══════════╪════════════════╪══════════════════╪═══════════════════════╪═════════════╡
│ north ┆   625 ┆    46.6% ┆ 235,011.89 EUR ┆             7.59 ┆                  6.1% ┆           3 │
│ south ┆   567 ┆    39.4% ┆ 118,855.35 EUR ┆             7.53 ┆                  6.0% ┆           3 │
│ west  ┆   393 ┆    47.1% ┆ 151,158.35 EUR ┆             7.54 ┆                  7.2% ┆           2 │
└───────┴───────┴──────────┴────────────────┴──────────────────┴───────────────────────┴─────────────┘
"
    );
    // Counts get thousands separators, money in Markdown too.
    let md = ok(&[
        "eval",
        SALES,
        "--metrics",
        "calls,won_amount,avg_deal_size",
        "--format",
        "md",
    ]);
    assert_eq!(
        md,
        "| calls | won_amount | avg_deal_size |\n| ---: | ---: | ---: |\n| 1,585 | 505,025.59 EUR | 9,018.31 EUR |\n"
    );
}

/// CSV, JSON and NDJSON keep every digit and no separators.
#[test]
fn machine_formats_keep_full_precision() {
    let args = |f: &'static str| {
        vec![
            "eval",
            SALES,
            "--by",
            "team",
            "--metrics",
            "calls,hit_rate,won_amount",
            "--format",
            f,
        ]
    };
    assert_eq!(
        ok(&args("csv")),
        "team,calls,hit_rate,won_amount\nnorth,625,0.46551724137931033,235011.89\nsouth,567,0.3939393939393939,118855.35\nwest,393,0.47058823529411764,151158.35\n"
    );
    let nd = ok(&args("ndjson"));
    assert_eq!(
        nd.lines().next().unwrap(),
        r#"{"team":"north","calls":625,"hit_rate":0.46551724137931033,"won_amount":235011.89}"#
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&args("json"))).unwrap();
    assert_eq!(json[0]["won_amount"], serde_json::json!(235011.89));
    // The same in a Dutch locale: machine output does not change.
    let mut nl = args("csv");
    nl[1] = NL;
    assert_eq!(ok(&nl), ok(&args("csv")));
}

/// `settings { locale "nl-NL" }`: `151.107,27`, `6,1%`; the YAML form the same.
#[test]
fn dutch_locale() {
    let out = ok(&[
        "eval",
        NL,
        "--by",
        "team",
        "--metrics",
        "calls,hit_rate,won_amount,avg_call_minutes",
    ]);
    assert_eq!(
        out,
        "\
┌───────┬───────┬──────────┬────────────────┬──────────────────┐
│ team  ┆ calls ┆ hit_rate ┆ won_amount     ┆ avg_call_minutes │
╞═══════╪═══════╪══════════╪════════════════╪══════════════════╡
│ north ┆   625 ┆    46,6% ┆ 235.011,89 EUR ┆             7,59 │
│ south ┆   567 ┆    39,4% ┆ 118.855,35 EUR ┆             7,53 │
│ west  ┆   393 ┆    47,1% ┆ 151.158,35 EUR ┆             7,54 │
└───────┴───────┴──────────┴────────────────┴──────────────────┘
"
    );
    let md = ok(&[
        "eval",
        NL_YAML,
        "--metrics",
        "calls,won_amount",
        "--format",
        "md",
    ]);
    assert_eq!(
        md,
        "| calls | won_amount |\n| ---: | ---: |\n| 1.585 | 505.025,59 EUR |\n"
    );
    // The funnel's counts, rates and money too.
    let f = ok(&["funnel", NL, "outbound"]);
    assert!(
        f.contains("│   2.716 ┆      171 ┆  37 ┆          6,3% ┆    21,6% ┆       1,4% ┆ 9.692,34 EUR ┆ 358.616,74 EUR ┆"),
        "{f}"
    );
}

/// The locale survives `fmt`, `convert` both ways and shows in `diff` and `schema`.
#[test]
fn locale_setting_round_trips() {
    let (code, _, err) = kpi(&["fmt", "--check", NL]).parts();
    assert_eq!(code, 0, "{err}");
    let dir = tempdir("human-locale");
    let yaml = dir.join("nl.yaml");
    let (code, _, err) =
        kpi(&["convert", NL, "--to", "yaml", "-o", yaml.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&yaml).unwrap();
    assert!(text.contains("settings:\n  locale: nl-NL\n"), "{text}");
    let (_, back, err) = kpi(&["convert", yaml.to_str().unwrap(), "--to", "kpi"]).parts();
    assert!(back.contains("locale \"nl-NL\""), "{back}{err}");
    let diff = ok(&["diff", SALES, NL]);
    assert!(diff.contains("locale \"nl-NL\""), "{diff}");
    let schema = ok(&["schema"]);
    assert!(schema.contains("\"nl-NL\""), "{schema}");
}

/// An unknown locale is an error that lists the known ones.
#[test]
fn unknown_locale_lists_the_known_ones() {
    let dir = tempdir("human-bad-locale");
    let f = dir.join("bad.kpi");
    std::fs::write(&f, "settings { locale \"pt-BR\" }\nmetric one = 1\n").unwrap();
    let (code, _, err) = kpi(&["check", f.to_str().unwrap()]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[E0416]: unknown locale `pt-BR`"),
        "{err}"
    );
    assert!(
        err.contains("locales: en, en-US, en-GB, nl-NL, de-DE, fr-FR"),
        "{err}"
    );
    // A locale that is not a string: the same message from both parsers.
    std::fs::write(&f, "settings { locale nl }\nmetric one = 1\n").unwrap();
    let (code, _, err) = kpi(&["check", f.to_str().unwrap()]).parts();
    assert_eq!(code, 1);
    assert!(err.contains("setting `locale` takes a string"), "{err}");
}

/// `plan`: needed volumes rounded up to whole activities in tables (JSON keeps the
/// exact values and adds `rounded`); a group without a plan says why.
#[test]
fn plan_rounds_up_and_says_why_there_is_none() {
    let args = [
        "plan",
        SALES,
        "outbound",
        "--target",
        "100000",
        "--rates-from",
        "2026-02",
        "--by",
        "rep",
    ];
    let out = ok(&args);
    assert_eq!(
        out,
        "\
┌─────┬───────────────┬────────────────┬─────────────────┬────────────┬────────────────────────────────┐
│ rep ┆ target        ┆ touches needed ┆ meetings needed ┆ won needed ┆ note                           │
╞═════╪═══════════════╪════════════════╪═════════════════╪════════════╪════════════════════════════════╡
│ ann ┆ 12,500.00 EUR ┆ 61             ┆ 6               ┆ 2          ┆                                │
│ bob ┆ 12,500.00 EUR ┆                ┆                 ┆            ┆ no won in --rates-from 2026-02 │
│ cem ┆ 12,500.00 EUR ┆                ┆                 ┆            ┆ no won in --rates-from 2026-02 │
│ dan ┆ 12,500.00 EUR ┆ 207            ┆ 5               ┆ 2          ┆                                │
│ eve ┆ 12,500.00 EUR ┆                ┆                 ┆            ┆ no won in --rates-from 2026-02 │
│ fay ┆ 12,500.00 EUR ┆                ┆                 ┆            ┆ no won in --rates-from 2026-02 │
│ gus ┆ 12,500.00 EUR ┆ 52             ┆ 3               ┆ 2          ┆                                │
│ hal ┆ 12,500.00 EUR ┆                ┆                 ┆            ┆ no won in --rates-from 2026-02 │
└─────┴───────────────┴────────────────┴─────────────────┴────────────┴────────────────────────────────┘
rates from 2026-02: meetings_rate 5.8%, won_rate 14.6%; value 9,728.88 EUR; needed volumes rounded up to whole activities
"
    );
    let mut j = args.to_vec();
    j.extend(["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&ok(&j)).unwrap();
    let ann = &v["groups"][0];
    assert_eq!(ann["group"]["rep"], "ann");
    let exact = ann["required"]["touches"].as_f64().unwrap();
    assert!((exact - 60.57673390503303).abs() < 1e-9, "{exact}");
    assert_eq!(ann["rounded"]["touches"], serde_json::json!(61));
    assert_eq!(v["rounded"]["touches"], serde_json::json!(1209));
    assert!(ann.get("no_plan").is_none());
    let bob = &v["groups"][1];
    assert_eq!(bob["required"]["touches"], serde_json::Value::Null);
    assert_eq!(bob["no_plan"], "no won in --rates-from 2026-02");
    // Without groups that all have a plan, no note column.
    let total = ok(&args[..7]);
    assert!(
        total
            .contains("│ total ┆ 100,000.00 EUR ┆ 1,209          ┆ 71              ┆ 11         │"),
        "{total}"
    );
    assert!(!total.contains("note"), "{total}");
}

/// `--layout long`: the group columns, then one row per metric.
#[test]
fn layout_long_has_one_row_per_metric() {
    let args = [
        "eval",
        SALES,
        "--by",
        "team",
        "--metrics",
        "calls,hit_rate,won_amount",
        "--layout",
        "long",
    ];
    assert_eq!(
        ok(&args),
        "\
┌───────┬────────────┬────────────────┐
│ team  ┆ metric     ┆ value          │
╞═══════╪════════════╪════════════════╡
│ north ┆ calls      ┆            625 │
│ north ┆ hit_rate   ┆          46.6% │
│ north ┆ won_amount ┆ 235,011.89 EUR │
│ south ┆ calls      ┆            567 │
│ south ┆ hit_rate   ┆          39.4% │
│ south ┆ won_amount ┆ 118,855.35 EUR │
│ west  ┆ calls      ┆            393 │
│ west  ┆ hit_rate   ┆          47.1% │
│ west  ┆ won_amount ┆ 151,158.35 EUR │
└───────┴────────────┴────────────────┘
"
    );
    // Markdown too, with the period; CSV ignores the layout.
    let md = ok(&[
        "eval",
        SALES,
        "--grain",
        "quarter",
        "--metrics",
        "calls,hit_rate",
        "--format",
        "md",
        "--layout",
        "long",
    ]);
    assert_eq!(
        md,
        "| period | metric | value |\n| --- | --- | ---: |\n| 2026-Q1 | calls | 1,513 |\n| 2026-Q1 | hit_rate | 41.7% |\n| 2026-Q2 | calls | 72 |\n| 2026-Q2 | hit_rate | 120.0% |\n\nnote: 2026-Q1 is partial: the data covers 62 of its 63 working days\nnote: 2026-Q2 is partial: the data covers 2 of its 60 working days\n"
    );
    let csv = ok(&[
        "eval",
        SALES,
        "--metrics",
        "calls",
        "--format",
        "csv",
        "--layout",
        "long",
    ]);
    assert_eq!(csv, "calls\n1585\n");
    // Not a terminal (a pipe, as here): `auto` is the wide table.
    let wide = ok(&[
        "eval",
        SALES,
        "--by",
        "team",
        "--metrics",
        "calls,hit_rate,won_amount",
    ]);
    assert!(
        wide.starts_with("┌───────┬───────┬──────────┬────────────────┐\n"),
        "{wide}"
    );
    // The other table commands take it too.
    let checks = kpi(&[
        "checks",
        SALES,
        "--checks",
        "attainment_low",
        "--only",
        "fail",
        "--layout",
        "long",
    ])
    .stdout;
    assert!(
        checks.contains("│ attainment_low ┆ rep=bob ┆ 2026-01 ┆ value  ┆ 0.0%       │"),
        "{checks}"
    );
    for cmd in [
        vec!["funnel", SALES, "outbound", "--layout", "long"],
        vec!["whatif", SALES, "outbound", "--layout", "long"],
        vec![
            "plan",
            SALES,
            "outbound",
            "--target",
            "1000",
            "--rates-from",
            "2026-02",
            "--layout",
            "long",
        ],
        vec![
            "insights",
            SALES,
            "--outcome",
            "won_amount",
            "--by",
            "rep",
            "--layout",
            "long",
        ],
        vec![
            "forecast",
            SALES,
            "--today",
            "2026-03-16",
            "--metrics",
            "calls",
            "--layout",
            "long",
        ],
        vec!["review", SALES, "--today", "2026-11-27", "--layout", "long"],
    ] {
        let (code, out, err) = kpi(&cmd).parts();
        assert_eq!(code, 0, "{cmd:?}: {err}");
        assert!(out.contains("┆ value"), "{cmd:?}:\n{out}");
    }
}

/// `-o FILE` on `checks` writes the table there and nothing to stdout.
#[test]
fn checks_write_to_a_file() {
    let dir = tempdir("human-checks-o");
    let f = dir.join("checks.md");
    let (code, out, err) = kpi(&[
        "checks",
        SALES,
        "--checks",
        "attainment_low",
        "--format",
        "md",
        "-o",
        f.to_str().unwrap(),
    ])
    .parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.starts_with("| check | group | period | value | warn | fail | status | streak |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| attainment_low | rep=ann | 2026-01 | 112.2% | 80.0% | 50.0% | pass |  |\n"),
        "{text}"
    );
    assert!(
        text.ends_with("\nattainment_low: 8 pass, 6 warn, 10 fail, 0 no_data, 8 partial\n"),
        "{text}"
    );
}
