//! `kpi report`: the HTML page parses (html5ever, through scraper), has every
//! section, one SVG per chart with the expected points, bars and cells, the numbers
//! `kpi eval` gives, nothing fetched from anywhere; one chart is a snapshot; and a
//! headless Chromium renders the shipped example to PNG and PDF (CI installs it).

use scraper::{Html, Selector};

use crate::support::{kpi, tempdir};

const DEFS: &str = "tests/fixtures/forecast/forecast.kpi";

fn report(args: &[&str]) -> Html {
    let dir = tempdir("report");
    let out = dir.join("r.html");
    let mut all = vec!["report", DEFS, "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let r = kpi(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"), "{}", &text[..100]);
    Html::parse_document(&text)
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn count(doc: &Html, s: &str) -> usize {
    doc.select(&sel(s)).count()
}

fn texts(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// April and May 2026 by rep (whole months: `--from`/`--to`), made on 15 May.
fn fixture_report() -> Html {
    report(&[
        "--by",
        "rep",
        "--from",
        "2026-04-01",
        "--to",
        "2026-05-31",
        "--today",
        "2026-05-15",
    ])
}

#[test]
fn every_section_with_one_svg_per_chart() {
    let doc = fixture_report();
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    for id in [
        "headline",
        "trends",
        "funnels",
        "checks",
        "forecast",
        "reviews",
        "definitions",
    ] {
        assert_eq!(count(&doc, &format!("section#{id}")), 1, "section {id}");
    }
    // 6 tiles (the first six metrics), each with its sparkline.
    assert_eq!(count(&doc, ".tile"), 6);
    assert_eq!(count(&doc, ".tile svg.spark"), 6);
    // A trend chart per metric (12) and rep (ann, bob, cem; cem only in April).
    assert_eq!(count(&doc, "svg.trend"), 12 * 3);
    // Two funnels x three reps, each bar a stage.
    assert_eq!(count(&doc, "svg.funnel"), 6);
    assert_eq!(count(&doc, "svg.funnel rect.bar"), 12);
    // Heat maps: calls_low (3 reps x 2 months) and weekly_calls (3 reps x the 9 ISO
    // weeks 2026-W14..W22 that touch April and May).
    assert_eq!(count(&doc, "svg.heatmap"), 2);
    assert_eq!(count(&doc, "svg.heatmap g > rect.cell"), 3 * 2 + 3 * 9);
    // Every chart is one SVG with a title for screen readers.
    assert_eq!(count(&doc, "svg"), 6 + 36 + 6 + 2);
    assert_eq!(count(&doc, "svg > title"), 6 + 36 + 6 + 2);
    // The definitions: every metric.
    assert_eq!(count(&doc, "#definitions tbody tr"), 12);
}

#[test]
fn the_numbers_are_the_evaluations() {
    let doc = fixture_report();
    // Calls: April 4 (bob 2 Apr, ann 8 and 20 Apr, cem 15 Apr), May 6: +50 %.
    let names = texts(&doc, ".tile .name");
    let values = texts(&doc, ".tile .value");
    let changes = texts(&doc, ".tile .change");
    assert_eq!(names[0], "calls");
    assert_eq!(values[0], "6");
    assert_eq!(changes[0], "+50.0% vs 2026-04");
    // Won amount in May: 1,000.50 + 2,500 + 500.
    let k = names.iter().position(|n| n == "won_amount").unwrap();
    assert!(
        values[k].contains("4") && values[k].contains("000") && values[k].ends_with("50"),
        "{}",
        values[k]
    );
    // ann's calls trend: two points (April 2, May 4) on one line.
    let ann = doc
        .select(&sel("svg.trend"))
        .find(|s| {
            s.select(&sel("title"))
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                == "calls, rep ann"
        })
        .expect("a calls chart for ann");
    let points: Vec<String> = ann
        .select(&sel("circle.point title"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(points, vec!["2026-04: 2", "2026-05: 4"]);
    // The check on calls per working day is a heat map: cem fails May (0 calls).
    let cem_may = doc
        .select(&sel("svg.heatmap rect.cell title"))
        .map(|t| t.text().collect::<String>())
        .find(|t| t.starts_with("cem, 2026-05:"))
        .unwrap();
    assert!(
        cem_may.starts_with("cem, 2026-05: fail, value 0"),
        "{cem_may}"
    );
    // The forecast of May at its 10th working day: calls 2 so far -> 4 for ann.
    let ann_row = texts(&doc, "#forecast tbody tr")
        .into_iter()
        .find(|r| r.starts_with("ann"))
        .unwrap();
    assert!(ann_row.contains("2 \u{2192} 4"), "{ann_row}");
    assert_eq!(texts(&doc, "#forecast h2"), vec!["Forecast of 2026-05"]);
}

#[test]
fn nothing_is_fetched_and_no_script_runs() {
    let dir = tempdir("report-offline");
    let out = dir.join("r.html");
    let r = kpi(&[
        "report",
        "metrics/sales.kpi",
        "--by",
        "team",
        "--today",
        "2026-03-16",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = Html::parse_document(&text);
    assert_eq!(count(&doc, "script"), 0);
    assert_eq!(count(&doc, "link"), 0);
    assert_eq!(count(&doc, "img"), 0);
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            // The SVG namespace is a name, not an address anything loads.
            if name == "xmlns" {
                continue;
            }
            assert!(
                !value.contains("://"),
                "<{} {name}=\"{value}\">",
                e.value().name()
            );
        }
    }
    assert!(!text.contains("url(http") && !text.contains("@import"));
    // The shipped example's funnels mark a weakest step, and its checks streak.
    assert!(count(&doc, "svg.funnel .weakest") > 0);
    assert!(text.contains("in a row"));
}

#[test]
fn one_chart_as_svg() {
    let doc = fixture_report();
    let spark = doc.select(&sel(".tile svg.spark")).next().unwrap().html();
    insta::assert_snapshot!("report_sparkline_calls", spark);
    let funnel = doc.select(&sel("svg.funnel")).next().unwrap().html();
    insta::assert_snapshot!("report_funnel_pipe_ann", funnel);
}

#[test]
fn usage_errors_and_stdout() {
    let r = kpi(&["report", DEFS, "--grain", "all"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a report shows periods"), "{}", r.stderr);
    let r = kpi(&["report", DEFS, "--today", "2026-05-15"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("<!DOCTYPE html>"));
    let r = kpi(&["report", DEFS, "--headline", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown metric `nope`"), "{}", r.stderr);
}

/// Headless Chromium renders the shipped example's report to PNG and PDF: no console
/// error, a page that is not blank, charts that are not one colour. Skipped (with a
/// message) where Chromium is missing, except under `CI=true`, where `.ci/run`
/// installs it.
#[test]
fn chromium_renders_the_report() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but Chromium is missing: .ci/run installs Debian's chromium"
        );
        eprintln!("skipped: no Chromium (apt-get install chromium)");
        return;
    };
    let dir = tempdir("report-chromium");
    let html = dir.join("r.html");
    let r = kpi(&[
        "report",
        "metrics/sales.kpi",
        "--by",
        "team",
        "--metrics",
        "calls,won_amount,attainment",
        "--today",
        "2026-03-16",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run = |extra: &[String]| {
        let mut cmd = std::process::Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", dir.join("profile").display()),
        ]);
        cmd.args(extra);
        cmd.arg(format!("file://{}", html.display()));
        let out = cmd.output().expect("run chromium");
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "chromium failed: {log}");
        log
    };
    let png = dir.join("r.png");
    let log = run(&[
        "--window-size=1400,1800".into(),
        format!("--screenshot={}", png.display()),
    ]);
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") || line.contains("Uncaught")),
            "a console message: {line}"
        );
    }
    let pdf = dir.join("r.pdf");
    run(&[
        "--no-pdf-header-footer".into(),
        format!("--print-to-pdf={}", pdf.display()),
    ]);
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(
        pdf_bytes.starts_with(b"%PDF") && pdf_bytes.len() > 10_000,
        "{} bytes",
        pdf_bytes.len()
    );
    // The picture: not blank, and the chart band (below the tiles) has the line's
    // blue, the funnels' and checks' colours, many colours in all.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let step = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let pixel = |x: usize, y: usize| {
        let i = (y * w + x) * step;
        (bytes[i], bytes[i + 1], bytes[i + 2])
    };
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let p = pixel(x, y);
            colours.insert(p);
            if p != (255, 255, 255) {
                ink += 1;
            }
        }
    }
    assert!(
        ink * 100 > (w / 2) * (h / 2),
        "a blank page: {ink} inked pixels"
    );
    assert!(colours.len() > 50, "{} colours", colours.len());
    // The Okabe-Ito blue of the lines and bars is there.
    assert!(
        colours
            .iter()
            .any(|&(r, g, b)| r < 40 && (100..130).contains(&g) && b > 160),
        "no chart line drawn"
    );
}

/// The headline's totals come from the by-group evaluation, combined across the
/// groups and the formulas evaluated again: they must be what an evaluation without
/// `--by` gives, for every metric whose aggregates combine.
#[test]
fn totals_from_the_groups_equal_an_evaluation_without_by() {
    use kpi::data::period::Grain;
    use kpi::eval::{evaluate, evaluate_extra, Extra, Request};
    let graph = crate::support::eval::compile_file(std::path::Path::new(DEFS));
    let metrics: Vec<_> = graph
        .metric_order
        .iter()
        .copied()
        .filter(|id| graph.node(*id).name != "active_reps") // count_distinct: no rollup
        .collect();
    let day = crate::support::eval::day;
    let req = Request {
        metrics,
        by: vec!["rep".into()],
        grain: Grain::Week,
        from: Some(day("2026-04-01")),
        to: Some(day("2026-05-31")),
        fill: true,
        data: Default::default(),
        inline: Default::default(),
        skip_bad_rows: false,
        threads: 2,
        hermetic: false,
        cut: None,
    };
    let e = evaluate_extra(
        &graph,
        &req,
        Extra {
            projector: None,
            totals: true,
        },
    )
    .unwrap();
    let rolled = e.totals.expect("counts, sums and averages combine");
    let direct = evaluate(
        &graph,
        &Request {
            by: Vec::new(),
            ..req.clone()
        },
    )
    .unwrap();
    assert_eq!(rolled.rows().len(), direct.rows().len());
    assert_eq!(rolled.rows().len(), 9); // 2026-W14 .. W22
    for (a, b) in rolled.rows().iter().zip(direct.rows()) {
        assert_eq!(a.period, b.period);
        for (k, (x, y)) in a.values.iter().zip(&b.values).enumerate() {
            let same = match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            assert!(
                same,
                "{:?} {}: {x:?} vs {y:?}",
                a.period, rolled.columns[k].name
            );
        }
    }
    // A distinct count does not combine: no rollup, the caller scans again.
    let with_distinct = Request {
        metrics: graph.metric_order.clone(),
        ..req
    };
    let e = evaluate_extra(
        &graph,
        &with_distinct,
        Extra {
            projector: None,
            totals: true,
        },
    )
    .unwrap();
    assert!(e.totals.is_none());
}

#[test]
fn the_forecast_from_the_reports_own_evaluation() {
    // The range ends on 31 May (--to) and the report is made that day: the forecast
    // is the evaluation's own projection, at working day 20 of 20: what May came to.
    let doc = report(&[
        "--by",
        "rep",
        "--from",
        "2026-04-01",
        "--to",
        "2026-05-31",
        "--today",
        "2026-05-31",
        "--headline",
        "calls,won_amount",
    ]);
    assert_eq!(texts(&doc, "#forecast h2"), vec!["Forecast of 2026-05"]);
    let rows = texts(&doc, "#forecast tbody tr");
    let ann = rows.iter().find(|r| r.starts_with("ann")).unwrap();
    assert!(ann.contains("4 \u{2192} 4"), "{ann}");
    assert!(texts(&doc, "#forecast .sub")[0].contains("working day 20 of 20"));
    // After the range's period: no forecast section.
    let doc = report(&["--to", "2026-05-31", "--today", "2026-07-01"]);
    assert_eq!(count(&doc, "section#forecast"), 0);
}
