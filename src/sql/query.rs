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
use crate::eval::Request;
use crate::plan::SourcePlan as SourcePlanView;
use crate::syntax::ast::AggFunc;

use super::analyze;
use super::dialect::{Dialect, SqlType};
use super::formula::{col, FormulaCx};
use super::grid;
use super::{OutColumn, Query, SqlError};

/// A CTE chain under construction.
pub struct Chain {
    pub ctes: Vec<(String, String)>,
}

impl Chain {
    pub fn push(&mut self, d: &dyn Dialect, name: &str, body: String) {
        self.ctes.push((d.quote_ident(name), body));
    }
}

/// Everything the builder shares.
pub struct Cx<'a> {
    pub graph: &'a Graph,
    pub d: &'a dyn Dialect,
    pub req: &'a Request,
    pub grain: Grain,
    pub windows: bool,
    pub dense: bool,
    pub calendar: bool,
    /// Internal key columns (unquoted): dims, then the period unless grain is all.
    pub dims: Vec<String>,
    pub konst_key: bool,
}

impl Cx<'_> {
    pub fn q(&self, s: &str) -> String {
        self.d.quote_ident(s)
    }

    /// Quoted join keys: dims, period, or the constant key.
    pub fn keys(&self) -> Vec<String> {
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

pub fn indent(items: &[String]) -> String {
    items.join(",\n    ")
}

/// Build the query for `req` (see the module docs).
pub fn build(
    graph: &Graph,
    req: &Request,
    d: &dyn Dialect,
    tables: &HashMap<String, String>,
) -> Result<Query, SqlError> {
    let needed = crate::plan::closure(graph, &req.metrics);
    analyze::check_supported(graph, &needed, d.name())?;
    crate::plan::check_rollable(graph, &needed).map_err(SqlError::Eval)?;
    let grain = req.grain;
    let windows = crate::plan::uses_windows(graph, &needed) && grain != Grain::All;
    let views = source_views(graph, req, &needed, windows).map_err(SqlError::Eval)?;
    for v in &views {
        if graph.sources[v.source].time.is_none() {
            return Err(SqlError::Unsupported {
                construct: format!("the source `{}` without a `time` column", v.name),
                dialect: d.name().to_string(),
            });
        }
    }
    let calendar = needed.iter().any(
        |id| matches!(&graph.node(*id).kind, NodeKind::Formula(f) if analyze::uses_calendar(f)),
    );
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
        agg_names.push(super::sources::source_ctes(&cx, v, tables, &mut chain)?);
    }
    let joined = join(&cx, &views, &agg_names, &mut chain);
    if cx.dense || cx.calendar {
        grid::range(&cx, &agg_names, &mut chain);
    }
    let aggs: Vec<NodeId> = views
        .iter()
        .flat_map(|v| v.aggs.iter().map(|a| a.node))
        .collect();
    let mut cur = grid::cells(&cx, &joined, &aggs, &mut chain);
    cur = grid::base(&cx, &cur, &aggs, &mut chain);
    if cx.calendar {
        cur = grid::calendar_ctes(&cx, &cur, &mut chain);
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
        r.data.insert(
            s.name.clone(),
            std::path::PathBuf::from(format!("{}.table", s.name)),
        );
    }
    crate::plan::source_plans(graph, &r, needed, windows)
}

/// The output columns, as the engine names and types them.
fn out_columns(graph: &Graph, req: &Request) -> Vec<OutColumn> {
    let needed = crate::plan::closure(graph, &req.metrics);
    let exact = analyze::exact_nodes(graph, &needed);
    req.metrics
        .iter()
        .map(|&id| OutColumn {
            name: graph.node(id).name.clone(),
            node: id,
            format: graph.node(id).meta.format,
            exact: exact.contains(&id),
            count_like: graph.node(id).typing.count_like,
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
        items.push(format!(
            "{} AS {}",
            d.cast("NULL", SqlType::Text),
            d.quote_ident("period")
        ));
    }
    for c in columns {
        items.push(format!(
            "{} AS {}",
            d.cast("NULL", SqlType::Double),
            d.quote_ident(&c.name)
        ));
    }
    format!(
        "SELECT\n    {}\nFROM (SELECT 1 AS {}) AS t\nWHERE 1 = 0\n",
        indent(&items),
        d.quote_ident("one__")
    )
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
        let v = if !exact.contains(&c.node) && cx.graph.node(c.node).typing.integral {
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
    s.push_str(&format!(
        "\nSELECT\n    {}\nFROM {}",
        indent(&items),
        cx.q(from)
    ));
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
    if let Some(settings) = d.query_settings() {
        s.push_str(&format!("\nSETTINGS {settings}"));
    }
    s.push('\n');
    s
}
