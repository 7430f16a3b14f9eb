//! The review report (`kpi report`, DESIGN 5.4): one self-contained HTML page with
//! inline CSS and SVG, no script, printable on A4 landscape. The command evaluates;
//! this module lays the results out: headline tiles, trends, funnels, the checks
//! heat map, the forecast, reviews due and the definitions.

pub mod charts;

use std::collections::{BTreeSet, HashMap};

use minijinja::context;
use serde::Serialize;

use crate::analyze::{weakest::weakest, FunnelRow, FunnelShape};
use crate::compile::graph::{Formula, Graph, NodeId, NodeKind};
use crate::eval::checks::{CheckRow, Status};
use crate::eval::{Cell, Output};

/// Most groups drawn as small multiples; more are drawn in one chart.
const MAX_MULTIPLES: usize = 12;

/// What the page is made of: the evaluations the command ran.
pub struct Inputs<'a> {
    pub graph: &'a Graph,
    pub title: String,
    pub subtitle: String,
    pub footer: String,
    /// Every trend metric and funnel member by group (the `--by` values) and period.
    pub main: &'a Output,
    /// The headline metrics over all groups, by period.
    pub totals: &'a Output,
    pub headline: Vec<NodeId>,
    pub trends: Vec<NodeId>,
    /// Labels of the periods only partly covered by the data.
    pub partial: BTreeSet<String>,
    pub checks: Vec<CheckRow>,
    pub funnels: Vec<FunnelShape>,
    pub forecast: Option<ForecastTable>,
    /// Reviews: (name, kind, owner, last, due, status), overdue first.
    pub reviews: Vec<[String; 6]>,
}

/// The forecast section's table, as text.
#[derive(Serialize)]
pub struct ForecastTable {
    pub period: String,
    pub note: String,
    pub head: Vec<String>,
    /// How many leading columns are keys (not right-aligned numbers).
    pub keys: usize,
    pub rows: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct Tile {
    name: String,
    value: String,
    change: String,
    direction: &'static str,
    spark: String,
}

#[derive(Serialize)]
struct Small {
    group: String,
    svg: String,
}

#[derive(Serialize)]
struct Multiples {
    name: String,
    charts: Vec<Small>,
}

#[derive(Serialize)]
struct Definition {
    name: String,
    formula: String,
    unit: String,
    owner: String,
    description: String,
    lineage: String,
}

/// A value of `id` for people, in the definitions' locale: percent with one
/// decimal, money with two and its currency code, counts whole with separators,
/// others to at least three significant digits (`report::number`).
pub fn show(graph: &Graph, id: NodeId, x: f64) -> String {
    use crate::report::number::{human, num_kind};
    human(x, num_kind(graph, id), graph.settings.locale)
}

/// The column of node `id` in `out`.
fn column(out: &Output, id: NodeId) -> Option<usize> {
    out.columns.iter().position(|c| c.node == id)
}

/// Rows of `out` per group (the `--by` values), periods in order.
fn by_group(out: &Output) -> Vec<(Vec<String>, Vec<usize>)> {
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut rows: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    for (i, r) in out.rows().iter().enumerate() {
        if !rows.contains_key(&r.dims) {
            order.push(r.dims.clone());
        }
        rows.entry(r.dims.clone()).or_default().push(i);
    }
    order
        .into_iter()
        .map(|g| {
            let idx = rows.remove(&g).unwrap_or_default();
            (g, idx)
        })
        .collect()
}

fn group_label(by: &[String], dims: &[String]) -> String {
    if dims.is_empty() {
        return "all".into();
    }
    by.iter()
        .zip(dims)
        .map(|(b, d)| format!("{b} {d}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Render the page.
pub fn page(inp: &Inputs) -> String {
    let env = charts::environment();
    let g = inp.graph;
    let pct = |x: f64| {
        crate::report::number::human(
            x,
            crate::report::number::NumKind::Percent,
            g.settings.locale,
        )
    };
    let periods: Vec<String> = {
        let mut seen = BTreeSet::new();
        inp.totals
            .rows()
            .iter()
            .filter_map(|r| r.period.clone())
            .filter(|p| seen.insert(p.clone()))
            .collect()
    };
    // 1. Headline tiles: the latest complete period against the one before.
    let complete: Vec<&String> = periods
        .iter()
        .filter(|p| !inp.partial.contains(*p))
        .collect();
    let latest = complete.last().copied();
    let before = complete.len().checked_sub(2).map(|i| complete[i]);
    let total_rows = inp.totals.rows();
    let at = |p: Option<&String>, col: usize| -> Option<f64> {
        let p = p?;
        total_rows
            .iter()
            .find(|r| r.period.as_ref() == Some(p))
            .and_then(|r| r.values[col].as_f64())
    };
    let mut tiles = Vec::new();
    for &id in &inp.headline {
        let Some(col) = column(inp.totals, id) else {
            continue;
        };
        // Whole periods only: a partial one at the edge of the data is no fall.
        let series: Vec<Option<f64>> = total_rows
            .iter()
            .filter(|r| r.period.as_ref().is_some_and(|p| !inp.partial.contains(p)))
            .map(|r| r.values[col].as_f64())
            .collect();
        let (now, then) = (at(latest, col), at(before, col));
        let (change, direction) = match (now, then) {
            (Some(a), Some(b)) if b != 0.0 => {
                let c = (a - b) / b.abs();
                (
                    format!(
                        "{}{} vs {}",
                        if c > 0.0 { "+" } else { "" },
                        pct(c),
                        before.map(String::as_str).unwrap_or("")
                    ),
                    if c > 0.0 {
                        "up"
                    } else if c < 0.0 {
                        "down"
                    } else {
                        "flat"
                    },
                )
            }
            _ => ("no earlier period to compare".into(), "flat"),
        };
        let name = g.node(id).name.clone();
        tiles.push(Tile {
            spark: charts::sparkline(&env, &format!("{name} by period"), &series),
            value: now
                .map(|x| show(g, id, x))
                .unwrap_or_else(|| "no data".into()),
            name,
            change,
            direction,
        });
    }
    // 2. Trends: small multiples per group, thresholds of the checks on the metric.
    let groups = by_group(inp.main);
    let main_rows = inp.main.rows();
    let periods_main: Vec<String> = {
        let mut p: Vec<String> = main_rows.iter().filter_map(|r| r.period.clone()).collect();
        p.sort();
        p.dedup();
        p
    };
    let period_at: HashMap<&str, usize> = periods_main
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    // Check rows by (check, group values, period), for the thresholds.
    let check_dims: Vec<Vec<String>> = inp
        .checks
        .iter()
        .map(|r| r.group.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    let check_rows: HashMap<(&str, &[String], &str), &CheckRow> = inp
        .checks
        .iter()
        .zip(&check_dims)
        .map(|(r, d)| ((r.check.as_ref(), d.as_slice(), r.period.as_ref()), r))
        .collect();
    let one = |id: NodeId| -> Option<Multiples> {
        let col = column(inp.main, id)?;
        let check = g.checks.iter().find(|c| {
            matches!(&c.value, Formula::Node(n) if *n == id)
                && c.per == inp.main.by
                && c.every == inp.main.grain
        });
        let mut charts_of = Vec::new();
        if groups.len() > MAX_MULTIPLES {
            // One chart of every group: small multiples of hundreds of reps are no
            // picture anyone reads.
            let labels = &periods_main;
            let series: Vec<Vec<Option<f64>>> = groups
                .iter()
                .map(|(_, idx)| {
                    let mut v = vec![None; labels.len()];
                    for &i in idx {
                        let r = &main_rows[i];
                        if let Some(&k) = r.period.as_deref().and_then(|p| period_at.get(p)) {
                            v[k] = r.values[col].as_f64();
                        }
                    }
                    v
                })
                .collect();
            let name = &g.node(id).name;
            let svg = charts::overlay(
                &env,
                &format!("{name}: {} groups, the median bold", groups.len()),
                labels,
                &series,
                &|x| show(g, id, x),
            );
            charts_of.push(Small {
                group: format!("every {} (faint) and their median", inp.main.by.join(", ")),
                svg,
            });
            return Some(Multiples {
                name: name.clone(),
                charts: charts_of,
            });
        }
        for (dims, idx) in &groups {
            let labels: Vec<String> = idx
                .iter()
                .map(|&i| main_rows[i].period.clone().unwrap_or_default())
                .collect();
            let values: Vec<Option<f64>> = idx
                .iter()
                .map(|&i| main_rows[i].values[col].as_f64())
                .collect();
            let thresholds = check.map(|c| {
                let of = |pick: fn(&CheckRow) -> Option<f64>| -> Vec<Option<f64>> {
                    labels
                        .iter()
                        .map(|p| {
                            check_rows
                                .get(&(c.name.as_str(), dims.as_slice(), p.as_str()))
                                .and_then(|r| pick(r))
                        })
                        .collect()
                };
                (of(|r| r.warn), of(|r| r.fail))
            });
            let name = &g.node(id).name;
            let label = group_label(&inp.main.by, dims);
            let partial: Vec<bool> = labels.iter().map(|p| inp.partial.contains(p)).collect();
            let svg = charts::trend(
                &env,
                &format!("{name}, {label}"),
                &labels,
                &partial,
                &values,
                thresholds
                    .as_ref()
                    .map(|t| t.0.as_slice())
                    .filter(|t| t.iter().any(Option::is_some)),
                thresholds
                    .as_ref()
                    .map(|t| t.1.as_slice())
                    .filter(|t| t.iter().any(Option::is_some)),
                &|x| show(g, id, x),
            );
            charts_of.push(Small { group: label, svg });
        }
        let mut name = g.node(id).name.clone();
        if let Some(c) = check {
            name.push_str(&format!(
                " (check {}: warn and fail thresholds dashed)",
                c.name
            ));
        }
        Some(Multiples {
            name,
            charts: charts_of,
        })
    };
    // Hundreds of charts: drawn on two threads (the order kept).
    let half = inp.trends.len() / 2;
    let (first, second) = inp.trends.split_at(half);
    let trends: Vec<Multiples> = std::thread::scope(|s| {
        let other = s.spawn(|| first.iter().filter_map(|&id| one(id)).collect::<Vec<_>>());
        let mine: Vec<Multiples> = second.iter().filter_map(|&id| one(id)).collect();
        let mut all = other
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        all.extend(mine);
        all
    });
    // 3. Funnels: the latest complete period's funnel per group.
    let mut funnels = Vec::new();
    for f in &inp.funnels {
        let cols: Option<Vec<usize>> = f.stage_nodes.iter().map(|&n| column(inp.main, n)).collect();
        let rate_cols: Option<Vec<usize>> =
            f.rate_nodes.iter().map(|&n| column(inp.main, n)).collect();
        let (Some(cols), Some(rate_cols)) = (cols, rate_cols) else {
            continue;
        };
        let value_col = f.value.and_then(|n| column(inp.main, n));
        let total_col = f.total.and_then(|n| column(inp.main, n));
        let rows: Vec<FunnelRow> = main_rows
            .iter()
            .filter(|r| r.period.as_ref() == latest)
            .map(|r| FunnelRow {
                dims: r.dims.clone(),
                period: r.period.clone(),
                volumes: cols.iter().map(|&c| r.values[c].as_f64()).collect(),
                rates: rate_cols.iter().map(|&c| r.values[c].as_f64()).collect(),
                conversion: None,
                value: value_col.and_then(|c| r.values[c].as_f64()),
                total: total_col.and_then(|c| r.values[c].as_f64()),
                workdays: None,
            })
            .collect();
        let weak = weakest(&rows, f.value.is_some());
        let mut charts_of = Vec::new();
        for (r, w) in rows.iter().zip(&weak) {
            let stages: Vec<(String, Option<f64>, String)> = f
                .stages
                .iter()
                .zip(&r.volumes)
                .zip(&f.stage_nodes)
                .map(|((s, v), &n)| (s.clone(), *v, v.map(|x| show(g, n, x)).unwrap_or_default()))
                .collect();
            let rates: Vec<Option<String>> = r.rates.iter().map(|x| x.map(pct)).collect();
            let note = w.as_ref().map(|w| {
                let gain = w
                    .gain
                    .map(|x| match f.total {
                        Some(t) => format!(", +{} at the peer median", show(g, t, x)),
                        None => format!(", +{x:.1} at the peer median"),
                    })
                    .unwrap_or_default();
                format!(
                    "weakest: {} {} vs peers' {}{gain}",
                    f.stages[w.rate + 1],
                    pct(w.value),
                    pct(w.peer_median)
                )
            });
            let total = r
                .total
                .zip(f.total)
                .map(|(x, t)| format!(" = {}", show(g, t, x)))
                .unwrap_or_default();
            let title = format!(
                "{}{}{}",
                group_label(&inp.main.by, &r.dims),
                latest.map(|p| format!(", {p}")).unwrap_or_default(),
                total
            );
            charts_of.push(Small {
                group: String::new(),
                svg: charts::funnel(
                    &env,
                    &title,
                    &stages,
                    &rates,
                    w.as_ref().map(|w| w.rate + 1),
                    note.as_deref(),
                ),
            });
        }
        funnels.push(Multiples {
            name: f.name.clone(),
            charts: charts_of,
        });
    }
    // 4. Checks: a heat map per check.
    let mut checks = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for r in &inp.checks {
        if !names.contains(&r.check.as_ref()) {
            names.push(&r.check);
        }
    }
    for name in names {
        let rows: Vec<&CheckRow> = inp
            .checks
            .iter()
            .filter(|r| r.check.as_ref() == name)
            .collect();
        let label_of = |r: &CheckRow| {
            r.group
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let mut gs: Vec<String> = Vec::new();
        let mut g_at: HashMap<String, usize> = HashMap::new();
        let mut ps: Vec<String> = Vec::new();
        for r in &rows {
            let gl = label_of(r);
            if !g_at.contains_key(&gl) {
                g_at.insert(gl.clone(), gs.len());
                gs.push(gl);
            }
            ps.push(r.period.to_string());
        }
        ps.sort();
        ps.dedup();
        let p_at: HashMap<&str, usize> = ps
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        let mut cells: Vec<Vec<Option<charts::HeatCell>>> = gs
            .iter()
            .map(|_| ps.iter().map(|_| None).collect())
            .collect();
        let def = g.checks.iter().find(|c| c.name == name);
        let fmt_v = |x: Option<f64>| -> String {
            match (x, def) {
                (Some(x), Some(c)) => match &c.value {
                    Formula::Node(n) => show(g, *n, x),
                    _ => crate::report::cell_display(&Cell::Num(x), c.meta.format),
                },
                (Some(x), None) => format!("{x}"),
                (None, _) => "no value".into(),
            }
        };
        let mut fails = 0;
        for r in &rows {
            let gl = label_of(r);
            let (Some(&gi), Some(&pi)) = (g_at.get(&gl), p_at.get(r.period.as_ref())) else {
                continue;
            };
            let (symbol, status) = match r.status {
                Status::Pass => ("\u{2713}", "pass"),
                Status::Warn => ("!", "warn"),
                Status::Fail => ("\u{2717}", "fail"),
                Status::NoData => ("\u{2013}", "no_data"),
                Status::Partial => ("~", "partial"),
            };
            fails += usize::from(r.status == Status::Fail);
            cells[gi][pi] = Some(charts::HeatCell {
                status,
                symbol,
                title: format!(
                    "{gl}, {}: {status}, value {}{}",
                    r.period,
                    fmt_v(r.value),
                    if r.streak > 1 {
                        format!(", {} in a row", r.streak)
                    } else {
                        String::new()
                    }
                ),
                streak: r.streak,
            });
        }
        let per = def.map(|c| c.per.join(", ")).unwrap_or_default();
        let every = def.map(|c| c.every.as_str()).unwrap_or("");
        checks.push(context! {
            svg => charts::heatmap(&env, name, &gs, &ps, &cells),
            caption => format!("{name}: per {per}, every {every}; {fails} fail cell{}", if fails == 1 { "" } else { "s" }),
        });
    }
    // 7. Definitions.
    let definitions: Vec<Definition> = g
        .metric_order
        .iter()
        .map(|&id| {
            let node = g.node(id);
            let formula = match &node.kind {
                NodeKind::Formula(f) => g.show(f),
                _ => g.show_node(id),
            };
            let mut bases: Vec<String> = crate::plan::closure(g, &[id])
                .into_iter()
                .filter_map(|n| match &g.node(n).kind {
                    NodeKind::Aggregate(a) => Some(g.show_agg(a)),
                    _ => None,
                })
                .collect();
            bases.sort();
            bases.dedup();
            Definition {
                name: node.name.clone(),
                lineage: if bases.len() == 1 && bases[0] == formula {
                    String::new()
                } else {
                    bases.join("; ")
                },
                formula,
                unit: node.unit.to_string(),
                owner: node.meta.owner.clone().unwrap_or_default(),
                description: node.meta.description.clone().unwrap_or_default(),
            }
        })
        .collect();
    let reviews: Vec<minijinja::Value> = inp
        .reviews
        .iter()
        .map(|[name, kind, owner, last, due, status]| {
            context! { name, kind, owner, last, due, status,
            status_text => status.replace('_', " ") }
        })
        .collect();
    let headline_note = match (latest, before) {
        (Some(l), Some(b)) => format!(
            "{l}, the latest complete period, against {b}; the line is every period of the range"
        ),
        (Some(l), None) => format!("{l}, the only complete period"),
        _ => "no complete period in the range".into(),
    };
    let trends_note = if inp.main.by.is_empty() {
        "every period of the range".to_string()
    } else {
        format!(
            "one chart per {}; every period of the range",
            inp.main.by.join(", ")
        )
    };
    let funnels_note = match latest {
        Some(p) => format!("{p}: stage volumes (bar widths by square root), the rate into each stage; the weakest step is the rate furthest below its peers' median"),
        None => String::new(),
    };
    charts::environment()
        .get_template("page.html.j2")
        .and_then(|t| {
            t.render(context! {
                version => env!("CARGO_PKG_VERSION"),
                title => inp.title.clone(),
                subtitle => inp.subtitle.clone(),
                footer => inp.footer.clone(),
                headline_note, trends_note, funnels_note,
                tiles => minijinja::Value::from(minijinja::value::Serde(&tiles)),
                trends => minijinja::Value::from(minijinja::value::Serde(&trends)),
                funnels => minijinja::Value::from(minijinja::value::Serde(&funnels)),
                checks,
                forecast => inp.forecast.as_ref().map(|f| minijinja::Value::from(minijinja::value::Serde(f))),
                reviews,
                definitions => minijinja::Value::from(minijinja::value::Serde(&definitions)),
            })
        })
        .unwrap_or_else(|e| format!("<!DOCTYPE html><p>kpi: the report could not be rendered: {e}</p>"))
}
