//! The report's charts as SVG: the geometry is computed here, the markup is written
//! by minijinja templates (`templates/*.svg.j2`), which escape every label. Colours
//! are the Okabe-Ito palette (readable with every common colour-vision deficiency),
//! and every status also carries a symbol and a pattern, never colour alone.

use minijinja::{context, Environment};
use serde::Serialize;

/// The templates of the charts and the page.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, text) in [
        (
            "sparkline.svg.j2",
            include_str!("templates/sparkline.svg.j2"),
        ),
        ("trend.svg.j2", include_str!("templates/trend.svg.j2")),
        ("funnel.svg.j2", include_str!("templates/funnel.svg.j2")),
        ("overlay.svg.j2", include_str!("templates/overlay.svg.j2")),
        ("heatmap.svg.j2", include_str!("templates/heatmap.svg.j2")),
        ("page.html.j2", include_str!("templates/page.html.j2")),
    ] {
        // The templates ship with the binary and are tested: a syntax error is a bug.
        if let Err(e) = env.add_template(name, text) {
            panic!("report template {name}: {e}");
        }
    }
    env
}

fn render(env: &Environment, name: &str, ctx: minijinja::Value) -> String {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| format!("<!-- chart {name} failed: {e} -->"))
}

/// Points of a series scaled into a box: (x, y) per value present; a null value
/// breaks the line.
fn scale(
    values: &[Option<f64>],
    lo: f64,
    hi: f64,
    w: f64,
    h: f64,
    pad: f64,
) -> Vec<Vec<(f64, f64)>> {
    let n = values.len().max(2) - 1;
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut runs = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => {
                let x = pad + (w - 2.0 * pad) * i as f64 / n as f64;
                let y = h - pad - (h - 2.0 * pad) * (v - lo) / span;
                if let Some(r) = runs.last_mut() {
                    r.push((round1(x), round1(y)));
                }
            }
            _ => {
                if runs.last().is_some_and(|r| !r.is_empty()) {
                    runs.push(Vec::new());
                }
            }
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// Point lists as markup that needs no escaping (digits, `.`, `,`, `-` and spaces
/// only: see [`points`]); escaping megabytes of them cost a large report a third of
/// its time.
fn safe(lists: Vec<String>) -> Vec<minijinja::Value> {
    lists
        .into_iter()
        .map(minijinja::Value::from_safe_string)
        .collect()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `x,y x,y ..` with one decimal each (tenths as integers: no float formatting,
/// which a report of hundreds of groups would spend most of its time in).
fn points(run: &[(f64, f64)]) -> String {
    let mut s = String::with_capacity(run.len() * 12);
    let push = |s: &mut String, v: f64| {
        let t = (v * 10.0).round() as i64;
        if t < 0 {
            s.push('-');
        }
        let t = t.unsigned_abs();
        s.push_str(itoa::Buffer::new().format(t / 10));
        if !t.is_multiple_of(10) {
            s.push('.');
            s.push(char::from(b'0' + (t % 10) as u8));
        }
    };
    for (i, (x, y)) in run.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        push(&mut s, *x);
        s.push(',');
        push(&mut s, *y);
    }
    s
}

fn bounds<'a>(series: impl Iterator<Item = &'a Option<f64>>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in series.flatten() {
        if v.is_finite() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    // Counts and amounts read from 0; a series far from 0 (a rate near 30 %) keeps
    // its own range so its movement shows.
    if lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    if lo == hi {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    }
}

/// A sparkline: the series as a line, its last point marked.
pub fn sparkline(env: &Environment, label: &str, values: &[Option<f64>]) -> String {
    let (w, h) = (120.0, 32.0);
    let (lo, hi) = bounds(values.iter());
    let runs = scale(values, lo, hi, w, h, 3.0);
    let last = runs.last().and_then(|r| r.last()).copied();
    render(
        env,
        "sparkline.svg.j2",
        context! { w, h, label, lines => runs.iter().map(|r| points(r)).collect::<Vec<_>>(),
        last => last.map(|(x, y)| vec![x, y]) },
    )
}

/// The right margin of a trend chart, where its range is labelled.
const RIGHT: f64 = 46.0;

/// A dashed threshold line of a trend chart.
#[derive(Serialize)]
struct Threshold {
    kind: &'static str,
    points: Vec<String>,
}

/// One group's trend of one metric: the line over the periods, the checks' warn and
/// fail thresholds dashed, the first and last period and the range labelled.
#[allow(clippy::too_many_arguments)]
pub fn trend(
    env: &Environment,
    title: &str,
    periods: &[String],
    partial: &[bool],
    values: &[Option<f64>],
    warn: Option<&[Option<f64>]>,
    fail: Option<&[Option<f64>]>,
    show: &dyn Fn(f64) -> String,
) -> String {
    let (w, h) = (260.0, 120.0);
    let (pad_l, pad_b) = (4.0, 18.0);
    let all = values
        .iter()
        .chain(warn.unwrap_or(&[]).iter())
        .chain(fail.unwrap_or(&[]).iter());
    let (lo, hi) = bounds(all);
    let plot_h = h - pad_b;
    let place = |vals: &[Option<f64>]| {
        scale(vals, lo, hi, w - pad_l - RIGHT, plot_h, 8.0)
            .into_iter()
            .map(|r| {
                points(
                    &r.into_iter()
                        .map(|(x, y)| (round1(x + pad_l), y))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    let mut thresholds = Vec::new();
    if let Some(f) = fail {
        thresholds.push(Threshold {
            kind: "fail",
            points: place(f),
        });
    }
    if let Some(wv) = warn {
        thresholds.push(Threshold {
            kind: "warn",
            points: place(wv),
        });
    }
    // A period only partly in the data is drawn hollow, and the line into it dashed:
    // its low value is the data's edge, not a fall.
    let whole: Vec<Option<f64>> = values
        .iter()
        .zip(partial)
        .map(|(v, p)| if *p { None } else { *v })
        .collect();
    let n = values.len().max(2) - 1;
    let dots: Vec<minijinja::Value> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
        .map(|(i, v)| {
            let x = 8.0 + (w - pad_l - RIGHT - 16.0) * i as f64 / n as f64 + pad_l;
            let span = if hi > lo { hi - lo } else { 1.0 };
            let y = plot_h - 8.0 - (plot_h - 16.0) * (v - lo) / span;
            let part = partial.get(i) == Some(&true);
            context! {
                x => round1(x), y => round1(y), partial => part,
                title => format!("{}: {}{}", periods.get(i).map(String::as_str).unwrap_or(""), show(v),
                                 if part { " (partial period)" } else { "" }),
            }
        })
        .collect();
    render(
        env,
        "trend.svg.j2",
        context! {
            w, h, title, plot_h,
            lines => safe(place(&whole)),
            edge => safe(place(values)),
            dots,
            thresholds => minijinja::Value::from(minijinja::value::Serde(&thresholds)),
            first => periods.first(),
            last => periods.last(),
            top => show(hi),
            bottom => show(lo),
        },
    )
}

/// Every group's series of one metric in one chart (too many groups for small
/// multiples): each group a faint line, the median over the groups bold.
pub fn overlay(
    env: &Environment,
    title: &str,
    periods: &[String],
    series: &[Vec<Option<f64>>],
    show: &dyn Fn(f64) -> String,
) -> String {
    let (w, h) = (560.0, 200.0);
    let plot_h = h - 18.0;
    let (lo, hi) = bounds(series.iter().flatten());
    let place = |vals: &[Option<f64>]| {
        scale(vals, lo, hi, w - 4.0 - RIGHT, plot_h, 8.0)
            .into_iter()
            .map(|r| {
                points(
                    &r.into_iter()
                        .map(|(x, y)| (round1(x + 4.0), y))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    let median: Vec<Option<f64>> = (0..periods.len())
        .map(|i| crate::analyze::median(series.iter().filter_map(|s| s.get(i).copied().flatten())))
        .collect();
    render(
        env,
        "overlay.svg.j2",
        context! {
            w, h, title, plot_h,
            faint => safe(series.iter().flat_map(|s| place(s)).collect()),
            median => safe(place(&median)),
            first => periods.first(),
            last => periods.last(),
            top => show(hi),
            bottom => show(lo),
        },
    )
}

/// A stage bar of a funnel chart.
#[derive(Serialize)]
struct Bar {
    y: f64,
    x: f64,
    width: f64,
    label: String,
    value: String,
    rate: Option<String>,
    weakest: bool,
}

/// One group's funnel: a centred bar per stage, its volume, the rate into it, the
/// weakest step marked (with its gain at the peer median).
pub fn funnel(
    env: &Environment,
    title: &str,
    stages: &[(String, Option<f64>, String)],
    rates: &[Option<String>],
    weakest: Option<usize>,
    note: Option<&str>,
) -> String {
    let (w, bar_h, gap) = (300.0, 22.0, 16.0);
    let max = stages
        .iter()
        .filter_map(|s| s.1)
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let bars: Vec<Bar> = stages
        .iter()
        .enumerate()
        .map(|(i, (name, v, shown))| {
            // Widths by square root: a 2 % stage stays visible next to its first one.
            let width = (v.unwrap_or(0.0).max(0.0) / max).sqrt() * (w - 120.0) + 2.0;
            Bar {
                y: 26.0 + i as f64 * (bar_h + gap),
                x: round1((w - 120.0 - width) / 2.0 + 2.0),
                width: round1(width),
                label: name.clone(),
                value: shown.clone(),
                rate: if i == 0 {
                    None
                } else {
                    rates.get(i - 1).cloned().flatten()
                },
                weakest: weakest == Some(i),
            }
        })
        .collect();
    let h = 26.0 + stages.len() as f64 * (bar_h + gap) + if note.is_some() { 14.0 } else { 0.0 };
    render(
        env,
        "funnel.svg.j2",
        context! { w, h, bar_h, title, bars => minijinja::Value::from(minijinja::value::Serde(&bars)), note, note_y => h - 6.0 },
    )
}

/// A cell of the checks heat map.
#[derive(Serialize)]
pub struct HeatCell {
    pub status: &'static str,
    pub symbol: &'static str,
    pub title: String,
    pub streak: u32,
}

/// Groups x periods, each cell its status's colour, pattern and symbol, a streak of
/// 2 or more written in it.
pub fn heatmap(
    env: &Environment,
    title: &str,
    groups: &[String],
    periods: &[String],
    cells: &[Vec<Option<HeatCell>>],
) -> String {
    let (cw, ch, left, top) = (30.0, 20.0, 90.0, 70.0);
    let w = left + cw * periods.len() as f64 + 40.0;
    let h = top + ch * groups.len() as f64 + 8.0;
    // Label every period when they fit, else every k-th (labels are slanted).
    let every = (periods.len() / 40).max(1);
    let labels: Vec<(f64, &String)> = periods
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, p)| (left + cw * i as f64 + cw / 2.0 - 2.0, p))
        .collect();
    let mut rects = Vec::new();
    for (gi, row) in cells.iter().enumerate() {
        for (pi, c) in row.iter().enumerate() {
            if let Some(c) = c {
                rects.push(context! {
                    x => left + cw * pi as f64, y => top + ch * gi as f64,
                    status => c.status, symbol => c.symbol, title => c.title.clone(),
                    streak => c.streak,
                });
            }
        }
    }
    render(
        env,
        "heatmap.svg.j2",
        context! {
            w, h, cw, ch, left, top, title,
            groups => groups.iter().enumerate().map(|(i, g)| context! { y => top + ch * i as f64 + ch / 2.0 + 4.0, label => g }).collect::<Vec<_>>(),
            labels => labels.iter().map(|(x, p)| context! { x => *x, label => *p }).collect::<Vec<_>>(),
            rects,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_breaks_the_line() {
        let runs = scale(
            &[Some(1.0), None, Some(2.0), Some(3.0)],
            1.0,
            3.0,
            40.0,
            20.0,
            0.0,
        );
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0], vec![(0.0, 20.0)]);
        assert_eq!(runs[1], vec![(26.7, 10.0), (40.0, 0.0)]);
    }

    #[test]
    fn ranges_read_from_zero_unless_far_from_it() {
        assert_eq!(bounds([Some(10.0), Some(40.0)].iter()), (0.0, 40.0));
        assert_eq!(bounds([Some(0.30), Some(0.35)].iter()), (0.30, 0.35));
        assert_eq!(bounds([Some(5.0)].iter()), (4.0, 6.0));
        assert_eq!(bounds([None].iter()), (0.0, 1.0));
    }
}
