//! Assembles the one query of an evaluation as a chain of CTEs:
//!
//! 1. per source: `<src>__rows` (group keys, the event's local day) and `<src>__agg`
//!    (every aggregate of the source in one `GROUP BY` over keys and period, with
//!    `FILTER`/`CASE WHEN` per `where`);
//! 2. `joined__`: the sources' aggregates `FULL OUTER JOIN`ed on keys and period;
//! 3. with window functions or `--fill`: `range__` and a dense grid `cells__` of
//!    every group by every period (a missing period counts as an empty group);
//! 4. `base__`: empty groups get count 0, sum 0 and null averages; `cal__` adds
//!    `workdays`/`days`; `l1__`, `l2__`, ..: formulas, one layer per dependency depth;
//! 5. the output columns, named like the engine's, sorted by the keys then period.

use std::collections::{HashMap, HashSet};

use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::period::Grain;
use crate::eval::scan::SourcePlan as SourcePlanView;
use crate::eval::Request;
use crate::syntax::ast::AggFunc;

use super::analyze;
use super::calendar;
use super::dialect::{Dialect, SqlType};
use super::formula::{col, FormulaCx};
use super::rows::{RowTranslator, SourceCols};
use super::{OutColumn, Query, SqlError};

/// A CTE chain under construction.
struct Chain {
    ctes: Vec<(String, String)>,
}

impl Chain {
    fn push(&mut self, d: &dyn Dialect, name: &str, body: String) {
        self.ctes.push((d.quote_ident(name), body));
    }
}

/// Everything the builder shares.
struct Cx<'a> {
    graph: &'a Graph,
    d: &'a dyn Dialect,
    req: &'a Request,
    grain: Grain,
    windows: bool,
    dense: bool,
    calendar: bool,
    /// Internal key columns (unquoted): dims, then the period unless grain is all.
    dims: Vec<String>,
    konst_key: bool,
}

impl Cx<'_> {
    fn q(&self, s: &str) -> String {
        self.d.quote_ident(s)
    }

    /// Quoted join keys: dims, period, or the constant key.
    fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self.dims.iter().map(|s| self.q(s)).collect();
        if self.grain != Grain::All {
            k.push(self.q(col::PERIOD));
        }
        if self.konst_key {
            k.push(self.q("k__"));
        }
        k
    }
}

fn indent(items: &[String]) -> String {
    items.join(",\n    ")
}

/// Build the query for `req` (see the module docs).
pub fn build(
    graph: &Graph,
    req: &Request,
    d: &dyn Dialect,
    tables: &HashMap<String, String>,
) -> Result<Query, SqlError> {
    let needed = crate::eval::plan::closure(graph, &req.metrics);
    analyze::check_supported(graph, &needed, d.name())?;
    crate::eval::plan::check_rollable(graph, &needed).map_err(SqlError::Eval)?;
    let grain = req.grain;
    let windows = crate::eval::plan::uses_windows(graph, &needed) && grain != Grain::All;
    let views = source_views(graph, req, &needed, windows).map_err(SqlError::Eval)?;
    for v in &views {
        if graph.sources[v.source].time.is_none() {
            return Err(SqlError::Unsupported {
                construct: format!("the source `{}` without a `time` column", v.name),
                dialect: d.name().to_string(),
            });
        }
    }
    let calendar = needed.iter().any(|id| {
        matches!(&graph.node(*id).kind, NodeKind::Formula(f) if analyze::uses_calendar(f))
    });
    let cx = Cx {
        graph,
        d,
        req,
        grain,
        windows,
        dense: (windows || req.fill) && grain != Grain::All,
        calendar,
        dims: (0..req.by.len()).map(|i| format!("k{i}__")).collect(),
        konst_key: req.by.is_empty() && grain == Grain::All,
    };
    let columns = out_columns(graph, req);
    if views.is_empty() {
        return Ok(Query {
            sql: empty_query(&cx, &columns),
            columns,
        });
    }
    let mut chain = Chain { ctes: Vec::new() };
    let mut agg_names = Vec::new();
    for v in &views {
        agg_names.push(source_ctes(&cx, v, tables, &mut chain)?);
    }
    let joined = join(&cx, &views, &agg_names, &mut chain);
    if cx.dense || cx.calendar {
        range(&cx, &agg_names, &mut chain);
    }
    let aggs: Vec<NodeId> = views.iter().flat_map(|v| v.aggs.iter().map(|a| a.node)).collect();
    let mut cur = cells(&cx, &joined, &aggs, &mut chain);
    cur = base(&cx, &cur, &aggs, &mut chain);
    if cx.calendar {
        cur = calendar_ctes(&cx, &cur, &mut chain);
    }
    let exact = analyze::exact_nodes(graph, &needed);
    cur = layers(&cx, &needed, &exact, &cur, &mut chain)?;
    let sql = final_select(&cx, &columns, &exact, &cur, &chain);
    Ok(Query { sql, columns })
}

/// The engine's scan plans (columns, their kinds, the aggregates of each source),
/// with every source bound to its table instead of a file.
fn source_views(
    graph: &Graph,
    req: &Request,
    needed: &[NodeId],
    windows: bool,
) -> Result<Vec<SourcePlanView>, crate::eval::EvalError> {
    let mut r = req.clone();
    r.hermetic = false;
    r.inline.clear();
    for s in &graph.sources {
        r.data
            .insert(s.name.clone(), std::path::PathBuf::from(format!("{}.table", s.name)));
    }
    crate::eval::plan::source_plans(graph, &r, needed, windows)
}

/// The output columns, as the engine names and types them.
fn out_columns(graph: &Graph, req: &Request) -> Vec<OutColumn> {
    let needed = crate::eval::plan::closure(graph, &req.metrics);
    let exact = analyze::exact_nodes(graph, &needed);
    req.metrics
        .iter()
        .map(|&id| OutColumn {
            name: graph.node(id).name.clone(),
            node: id,
            format: graph.node(id).meta.format,
            exact: exact.contains(&id),
            count_like: analyze::count_like(graph, id, 0),
        })
        .collect()
}

/// A query with the output's columns and no rows (nothing reads a source).
fn empty_query(cx: &Cx, columns: &[OutColumn]) -> String {
    let d = cx.d;
    let mut items: Vec<String> = cx
        .req
        .by
        .iter()
        .map(|b| format!("{} AS {}", d.cast("NULL", SqlType::Text), d.quote_ident(b)))
        .collect();
    if cx.grain != Grain::All {
        items.push(format!("{} AS {}", d.cast("NULL", SqlType::Text), d.quote_ident("period")));
    }
    for c in columns {
        items.push(format!("{} AS {}", d.cast("NULL", SqlType::Double), d.quote_ident(&c.name)));
    }
    format!(
        "SELECT\n    {}\nFROM (SELECT 1 AS {}) AS t\nWHERE 1 = 0\n",
        indent(&items),
        d.quote_ident("one__")
    )
}

/// A table name `schema.table` with each part quoted.
fn table_ref(d: &dyn Dialect, name: &str) -> String {
    name.split('.').map(|p| d.quote_ident(p)).collect::<Vec<_>>().join(".")
}

/// `<src>__rows` and `<src>__agg`; returns the agg CTE's name.
fn source_ctes(
    cx: &Cx,
    v: &SourcePlanView,
    tables: &HashMap<String, String>,
    chain: &mut Chain,
) -> Result<String, SqlError> {
    let d = cx.d;
    let src = &cx.graph.sources[v.source];
    let time = src.time.clone().unwrap_or_default();
    let cols = SourceCols {
        d,
        src,
        kinds: v.columns.iter().cloned().zip(v.kinds.iter().copied()).collect(),
        day_col: d.quote_ident("day__"),
        tz: cx.graph.settings.timezone.clone(),
    };
    let table = table_ref(d, tables.get(&src.name).map_or(src.name.as_str(), |s| s.as_str()));
    let mut items = vec!["*".to_string()];
    for (i, dim) in cx.req.by.iter().enumerate() {
        items.push(format!("{} AS {}", cols.key(dim), cx.q(&cx.dims[i])));
    }
    let text = d.cast(&d.quote_ident(&time), SqlType::Text);
    items.push(format!(
        "{} AS {}",
        d.local_day(&text, &cx.graph.settings.timezone),
        cols.day()
    ));
    let rows_name = format!("{}__rows", src.name);
    chain.push(d, &rows_name, format!("SELECT\n    {}\n  FROM {table}", indent(&items)));

    let day = cols.day();
    let period = d.truncate(&day, cx.grain);
    let mut items: Vec<String> = cx.dims.iter().map(|k| cx.q(k)).collect();
    let mut group: Vec<String> = items.clone();
    if cx.grain != Grain::All {
        items.push(format!("{period} AS {}", cx.q(col::PERIOD)));
        group.push(period.clone());
    }
    if cx.konst_key {
        items.push(format!("1 AS {}", cx.q("k__")));
    }
    if cx.dense || cx.calendar {
        items.push(format!("MIN({day}) AS {}", cx.q("min_day__")));
        items.push(format!("MAX({day}) AS {}", cx.q("max_day__")));
    }
    let tr = RowTranslator { cols: &cols };
    for a in &v.aggs {
        let NodeKind::Aggregate(spec) = &cx.graph.node(a.node).kind else {
            continue;
        };
        let cond = spec.filter.as_ref().map(|f| tr.condition(f)).transpose()?;
        let column = spec.column.as_deref();
        items.extend(aggregate(cx, &cols, a.node, a.func, column, a.fraction, cond.as_deref())?);
    }
    let mut wh = Vec::new();
    if let Some(to) = cx.req.to {
        wh.push(format!("{day} <= {}", d.date_literal(to)));
    }
    if let Some(from) = cx.req.from {
        let lit = d.date_literal(from);
        if cx.windows {
            let start = d.date_literal(calendar::from_period_start(cx.grain, from));
            wh.push(format!("({day} >= {lit} OR {period} < {start})"));
        } else {
            wh.push(format!("{day} >= {lit}"));
        }
    }
    let mut body = format!(
        "SELECT\n    {}\n  FROM {}",
        indent(&items),
        d.quote_ident(&rows_name)
    );
    if !wh.is_empty() {
        body.push_str(&format!("\n  WHERE {}", wh.join(" AND ")));
    }
    if group.is_empty() {
        body.push_str("\n  HAVING COUNT(*) > 0");
    } else {
        body.push_str(&format!("\n  GROUP BY {}", group.join(", ")));
    }
    let name = format!("{}__agg", src.name);
    chain.push(d, &name, body);
    Ok(name)
}

/// The SELECT items of one aggregate (two for `avg`: its sum and count).
fn aggregate(
    cx: &Cx,
    cols: &SourceCols,
    id: NodeId,
    func: AggFunc,
    column: Option<&str>,
    fraction: Option<f64>,
    cond: Option<&str>,
) -> Result<Vec<String>, SqlError> {
    let d = cx.d;
    let filtered = |call: &dyn Fn(&str) -> String, value: &str| -> String {
        match cond {
            None => call(value),
            Some(c) if d.supports_filter() => format!("{} FILTER (WHERE {c})", call(value)),
            Some(c) => {
                let v = if value == "*" { "1" } else { value };
                call(&format!("CASE WHEN {c} THEN {v} END"))
            }
        }
    };
    let name = |c: String| cx.q(&c);
    let numeric = |c: &str| -> Result<(), SqlError> {
        let is_time = cols.src.time.as_deref() == Some(c);
        if is_time || cols.kind(c) != crate::eval::scan::ColKind::Num {
            return Err(SqlError::Unsupported {
                construct: format!(
                    "{}({}.{c}) over a column that is not a number",
                    func.name(),
                    cols.src.name
                ),
                dialect: d.name().to_string(),
            });
        }
        Ok(())
    };
    let out = match (func, column) {
        (AggFunc::Count, None) => {
            vec![format!("{} AS {}", filtered(&|v| format!("COUNT({v})"), "*"), name(col::node(id)))]
        }
        (AggFunc::Count, Some(c)) => {
            let v = cols.column(c).sql;
            vec![format!("{} AS {}", filtered(&|v| format!("COUNT({v})"), &v), name(col::node(id)))]
        }
        (AggFunc::CountDistinct, Some(c)) => {
            let v = cols.text(c);
            vec![format!(
                "{} AS {}",
                filtered(&|v| d.count_distinct(v), &v),
                name(col::node(id))
            )]
        }
        (AggFunc::Sum, Some(c)) => {
            numeric(c)?;
            vec![format!(
                "COALESCE({}, 0) AS {}",
                filtered(&|v| format!("SUM({v})"), &cols.number(c)),
                name(col::node(id))
            )]
        }
        (AggFunc::Avg, Some(c)) => {
            numeric(c)?;
            let v = cols.number(c);
            vec![
                format!("{} AS {}", filtered(&|v| format!("SUM({v})"), &v), name(col::avg_sum(id))),
                format!("{} AS {}", filtered(&|v| format!("COUNT({v})"), &v), name(col::avg_count(id))),
            ]
        }
        (AggFunc::Min | AggFunc::Max, Some(c)) => {
            numeric(c)?;
            let f = if func == AggFunc::Min { "MIN" } else { "MAX" };
            vec![format!(
                "{} AS {}",
                filtered(&|v| format!("{f}({v})"), &cols.double(c)),
                name(col::node(id))
            )]
        }
        (AggFunc::Median | AggFunc::Percentile, Some(c)) => {
            numeric(c)?;
            let q = if func == AggFunc::Median { 0.5 } else { fraction.unwrap_or(0.5) };
            d.percentile("x", q).map_err(|why| SqlError::Unsupported {
                construct: format!("{}({}.{c}): {why}", func.name(), cols.src.name),
                dialect: d.name().to_string(),
            })?;
            vec![format!(
                "{} AS {}",
                filtered(&|v| d.percentile(v, q).unwrap_or_default(), &cols.double(c)),
                name(col::node(id))
            )]
        }
        (_, None) => {
            return Err(SqlError::Unsupported {
                construct: format!("{}({}) without a column", func.name(), cols.src.name),
                dialect: d.name().to_string(),
            })
        }
    };
    Ok(out)
}

/// `joined__`: the per-source aggregates full-outer-joined on the keys; returns the
/// name of the CTE holding every aggregate (the only agg CTE for one source).
fn join(cx: &Cx, views: &[SourcePlanView], names: &[String], chain: &mut Chain) -> String {
    if names.len() == 1 {
        return names[0].clone();
    }
    let keys = cx.keys();
    let alias = |i: usize| format!("s{i}");
    let coalesced = |k: &str, upto: usize| -> String {
        let parts: Vec<String> = (0..upto).map(|i| format!("{}.{k}", alias(i))).collect();
        if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("COALESCE({})", parts.join(", "))
        }
    };
    let mut items: Vec<String> = keys
        .iter()
        .map(|k| format!("{} AS {k}", coalesced(k, names.len())))
        .collect();
    for (i, v) in views.iter().enumerate() {
        for a in &v.aggs {
            let cols = if a.func == AggFunc::Avg {
                vec![col::avg_sum(a.node), col::avg_count(a.node)]
            } else {
                vec![col::node(a.node)]
            };
            for c in cols {
                items.push(format!("{}.{}", alias(i), cx.q(&c)));
            }
        }
    }
    let mut from = format!("{} {}", cx.q(&names[0]), alias(0));
    for (i, n) in names.iter().enumerate().skip(1) {
        let on: Vec<String> = keys
            .iter()
            .map(|k| format!("{} = {}.{k}", coalesced(k, i), alias(i)))
            .collect();
        from.push_str(&format!(
            "\n  FULL OUTER JOIN {} {} ON {}",
            cx.q(n),
            alias(i),
            on.join(" AND ")
        ));
    }
    chain.push(
        cx.d,
        "joined__",
        format!("SELECT\n    {}\n  FROM {from}", indent(&items)),
    );
    "joined__".into()
}

/// `bounds__` (the data's first and last day) and `range__` (the evaluated range,
/// its first and last period, the data's first period, where the grid starts).
fn range(cx: &Cx, names: &[String], chain: &mut Chain) {
    let d = cx.d;
    let parts: Vec<String> = names
        .iter()
        .map(|n| {
            format!(
                "SELECT {}, {} FROM {}",
                cx.q("min_day__"),
                cx.q("max_day__"),
                cx.q(n)
            )
        })
        .collect();
    chain.push(
        d,
        "bounds__",
        format!(
            "SELECT MIN({}) AS {}, MAX({}) AS {}\n  FROM ({}) AS u",
            cx.q("min_day__"),
            cx.q("min_day"),
            cx.q("max_day__"),
            cx.q("max_day"),
            parts.join(" UNION ALL ")
        ),
    );
    let (lo, hi) = calendar::range_bounds(d, cx.grain, cx.req.from, cx.req.to);
    let mut items = vec![format!("{lo} AS {}", cx.q("lo")), format!("{hi} AS {}", cx.q("hi"))];
    if cx.grain != Grain::All {
        let p_lo = d.truncate(&lo, cx.grain);
        let first = d.truncate(&cx.q("min_day"), cx.grain);
        items.push(format!("{p_lo} AS {}", cx.q("p_lo")));
        items.push(format!("{} AS {}", d.truncate(&hi, cx.grain), cx.q("p_hi")));
        items.push(format!("{first} AS {}", cx.q("first_ps")));
        let start = if cx.windows {
            format!("LEAST({first}, {p_lo})")
        } else {
            p_lo
        };
        items.push(format!("{start} AS {}", cx.q("start")));
    }
    chain.push(
        d,
        "range__",
        format!("SELECT\n    {}\n  FROM {}", indent(&items), cx.q("bounds__")),
    );
}

/// The aggregate columns (with `avg`'s parts) of `aggs`.
fn agg_columns(cx: &Cx, aggs: &[NodeId]) -> Vec<String> {
    let mut out = Vec::new();
    for &id in aggs {
        if let NodeKind::Aggregate(a) = &cx.graph.node(id).kind {
            if a.func == AggFunc::Avg {
                out.push(col::avg_sum(id));
                out.push(col::avg_count(id));
            } else {
                out.push(col::node(id));
            }
        }
    }
    out
}

/// `cells__`: the grid rows with the range's facts. Dense (windows, `--fill`): every
/// group present in the range by every period from `start`, `shown__` marking what
/// the output lists. Otherwise the present (group, period) pairs.
fn cells(cx: &Cx, joined: &str, aggs: &[NodeId], chain: &mut Chain) -> String {
    let d = cx.d;
    let r = |c: &str| format!("r.{}", cx.q(c));
    let j = |c: &str| format!("j.{}", cx.q(c));
    if !cx.dense {
        if !cx.calendar {
            return joined.to_string();
        }
        let mut items = vec!["j.*".to_string()];
        items.push(format!("{} AS {}", r("lo"), cx.q("lo__")));
        items.push(format!("{} AS {}", r("hi"), cx.q("hi__")));
        chain.push(
            d,
            "cells__",
            format!(
                "SELECT\n    {}\n  FROM {} j CROSS JOIN {} r",
                indent(&items),
                cx.q(joined),
                cx.q("range__")
            ),
        );
        return "cells__".into();
    }
    let dims: Vec<String> = cx.dims.iter().map(|k| cx.q(k)).collect();
    let group_items = if dims.is_empty() {
        format!("1 AS {}", cx.q("g__"))
    } else {
        dims.iter().map(|k| format!("j.{k}")).collect::<Vec<_>>().join(", ")
    };
    chain.push(
        d,
        "groups__",
        format!(
            "SELECT DISTINCT {group_items}\n  FROM {} j CROSS JOIN {} r\n  WHERE {} >= {} AND {} <= {}",
            cx.q(joined),
            cx.q("range__"),
            j(col::PERIOD),
            r("p_lo"),
            j(col::PERIOD),
            r("p_hi")
        ),
    );
    let ps = cx.q(col::PERIOD);
    chain.push(
        d,
        "periods__",
        d.period_series(
            &format!("{} r", cx.q("range__")),
            &r("start"),
            &r("p_hi"),
            cx.grain,
            &ps,
        ),
    );
    let mut items: Vec<String> = dims.iter().map(|k| format!("g.{k}")).collect();
    items.push(format!("p.{ps}"));
    for c in agg_columns(cx, aggs) {
        items.push(j(&c));
    }
    let present = if cx.req.fill {
        String::new()
    } else {
        format!("{} IS NOT NULL AND ", j(col::PERIOD))
    };
    items.push(format!(
        "CASE WHEN {present}p.{ps} >= {} THEN 1 ELSE 0 END AS {}",
        r("p_lo"),
        cx.q(col::SHOWN)
    ));
    items.push(format!("{} AS {}", r("first_ps"), cx.q(col::FIRST)));
    items.push(format!("{} AS {}", r("lo"), cx.q("lo__")));
    items.push(format!("{} AS {}", r("hi"), cx.q("hi__")));
    let mut on: Vec<String> = dims.iter().map(|k| format!("j.{k} = g.{k}")).collect();
    on.push(format!("j.{ps} = p.{ps}"));
    chain.push(
        d,
        "cells__",
        format!(
            "SELECT\n    {}\n  FROM {} g CROSS JOIN {} p CROSS JOIN {} r\n  LEFT JOIN {} j ON {}",
            indent(&items),
            cx.q("groups__"),
            cx.q("periods__"),
            cx.q("range__"),
            cx.q(joined),
            on.join(" AND ")
        ),
    );
    "cells__".into()
}

/// `base__`: the aggregates of empty groups (count 0, sum 0, null otherwise), and
/// the span `workdays`/`days` count.
fn base(cx: &Cx, from: &str, aggs: &[NodeId], chain: &mut Chain) -> String {
    let d = cx.d;
    let mut items: Vec<String> = cx.keys().into_iter().filter(|k| *k != cx.q("k__")).collect();
    if cx.dense {
        items.push(cx.q(col::SHOWN));
        items.push(cx.q(col::FIRST));
    }
    for &id in aggs {
        let NodeKind::Aggregate(a) = &cx.graph.node(id).kind else {
            continue;
        };
        let c = cx.q(&col::node(id));
        match a.func {
            AggFunc::Count | AggFunc::CountDistinct | AggFunc::Sum => {
                items.push(format!("COALESCE({c}, 0) AS {c}"))
            }
            AggFunc::Avg => {
                let (s, n) = (cx.q(&col::avg_sum(id)), cx.q(&col::avg_count(id)));
                items.push(format!(
                    "{} / NULLIF({n}, 0) AS {c}",
                    d.cast(&s, SqlType::Double)
                ));
                items.push(format!("COALESCE({s}, 0) AS {s}"));
                items.push(format!("COALESCE({n}, 0) AS {n}"));
            }
            _ => items.push(c),
        }
    }
    if cx.calendar {
        let (a, b) = calendar::span(d, cx.grain, &cx.q(col::PERIOD), &cx.q("lo__"), &cx.q("hi__"));
        items.push(format!("{a} AS {}", cx.q("wa__")));
        items.push(format!("{b} AS {}", cx.q("wb__")));
    }
    chain.push(
        d,
        "base__",
        format!("SELECT\n    {}\n  FROM {}", indent(&items), cx.q(from)),
    );
    "base__".into()
}

/// `span__` (length and first weekday of each row's span) and `cal__` (`workdays`, `days`).
fn calendar_ctes(cx: &Cx, from: &str, chain: &mut Chain) -> String {
    let d = cx.d;
    let (wa, wb) = (cx.q("wa__"), cx.q("wb__"));
    chain.push(
        d,
        "span__",
        format!(
            "SELECT\n    *,\n    {} + 1 AS {},\n    {} AS {}\n  FROM {}",
            d.days_between(&wa, &wb),
            cx.q("len__"),
            calendar::weekday(d, &wa),
            cx.q("dow__"),
            cx.q(from)
        ),
    );
    let len = cx.q("len__");
    let wd = calendar::workdays(d, cx.graph, &len, &cx.q("dow__"), &wa, &wb);
    let days = d.cast(
        &format!("(CASE WHEN {len} < 0 THEN 0 ELSE {len} END)"),
        SqlType::Double,
    );
    chain.push(
        d,
        "cal__",
        format!(
            "SELECT\n    *,\n    {wd} AS {},\n    {days} AS {}\n  FROM {}",
            cx.q(col::WORKDAYS),
            cx.q(col::DAYS),
            cx.q("span__")
        ),
    );
    "cal__".into()
}

/// One CTE per formula layer.
fn layers(
    cx: &Cx,
    needed: &[NodeId],
    exact: &HashSet<NodeId>,
    from: &str,
    chain: &mut Chain,
) -> Result<String, SqlError> {
    let keys: Vec<String> = cx
        .keys()
        .into_iter()
        .filter(|k| *k != cx.q(col::PERIOD) && *k != cx.q("k__"))
        .collect();
    let fx = FormulaCx {
        graph: cx.graph,
        d: cx.d,
        grain: cx.grain,
        exact,
        keys,
        float_needed: Default::default(),
    };
    let layers = analyze::layers(cx.graph, needed);
    // Translate consumers before producers, so each exact formula knows whether
    // another formula reads its f64 value.
    let mut sql: HashMap<(NodeId, bool), String> = HashMap::new();
    for layer in layers.iter().rev() {
        for &id in layer.iter().rev() {
            sql.insert((id, false), fx.node_sql(id, false)?);
        }
        for &id in layer.iter().rev() {
            if exact.contains(&id) && fx.float_needed.borrow().contains(&id) {
                sql.insert((id, true), fx.node_sql(id, true)?);
            }
        }
    }
    let mut cur = from.to_string();
    for (i, layer) in layers.iter().enumerate() {
        let mut items = vec!["*".to_string()];
        for &id in layer {
            if let Some(s) = sql.get(&(id, false)) {
                items.push(format!("{s} AS {}", cx.q(&col::node(id))));
            }
            if let Some(s) = sql.get(&(id, true)) {
                items.push(format!("{s} AS {}", cx.q(&col::float(id))));
            }
        }
        let name = format!("l{}__", i + 1);
        chain.push(
            cx.d,
            &name,
            format!("SELECT\n    {}\n  FROM {}", indent(&items), cx.q(&cur)),
        );
        cur = name;
    }
    Ok(cur)
}

/// The WITH chain and the output SELECT.
fn final_select(
    cx: &Cx,
    columns: &[OutColumn],
    exact: &HashSet<NodeId>,
    from: &str,
    chain: &Chain,
) -> String {
    let d = cx.d;
    let mut items: Vec<String> = cx
        .dims
        .iter()
        .zip(&cx.req.by)
        .map(|(k, b)| format!("{} AS {}", cx.q(k), d.quote_ident(b)))
        .collect();
    if cx.grain != Grain::All {
        items.push(format!(
            "{} AS {}",
            d.period_label(&cx.q(col::PERIOD), cx.grain),
            d.quote_ident("period")
        ));
    }
    for c in columns {
        let v = cx.q(&col::node(c.node));
        let v = if !exact.contains(&c.node) && analyze::integral(cx.graph, c.node, 0) {
            d.cast(&v, SqlType::BigInt)
        } else {
            v
        };
        items.push(format!("{v} AS {}", d.quote_ident(&c.name)));
    }
    let mut s = String::from("WITH\n");
    let ctes: Vec<String> = chain
        .ctes
        .iter()
        .map(|(n, b)| format!("{n} AS (\n  {b}\n)"))
        .collect();
    s.push_str(&ctes.join(",\n"));
    s.push_str(&format!("\nSELECT\n    {}\nFROM {}", indent(&items), cx.q(from)));
    if cx.dense {
        s.push_str(&format!("\nWHERE {} = 1", cx.q(col::SHOWN)));
    }
    let mut order: Vec<String> = cx.dims.iter().map(|k| d.binary_order(&cx.q(k))).collect();
    if cx.grain != Grain::All {
        order.push(cx.q(col::PERIOD));
    }
    if !order.is_empty() {
        s.push_str(&format!("\nORDER BY {}", order.join(", ")));
    }
    s.push('\n');
    s
}
