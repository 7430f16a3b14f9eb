//! Per source: `<src>__rows` (group keys and the event's local day, from the table)
//! and `<src>__agg` (every aggregate of the source in one `GROUP BY` over the keys and
//! period, each `where` as `FILTER (WHERE ..)` or `CASE WHEN`).

use std::collections::HashMap;

use crate::compile::graph::{NodeId, NodeKind};
use crate::data::period::Grain;
use crate::plan::SourcePlan;
use crate::syntax::ast::AggFunc;

use super::calendar;
use super::dialect::{Dialect, SqlType};
use super::formula::col;
use super::query::{indent, Chain, Cx};
use super::rows::{RowTranslator, SourceCols};
use super::SqlError;

/// A table name `schema.table` with each part quoted.
fn table_ref(d: &dyn Dialect, name: &str) -> String {
    name.split('.')
        .map(|p| d.quote_column(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// `<src>__rows` and `<src>__agg`; returns the agg CTE's name.
pub fn source_ctes(
    cx: &Cx,
    v: &SourcePlan,
    tables: &HashMap<String, String>,
    chain: &mut Chain,
) -> Result<String, SqlError> {
    let d = cx.d;
    let src = &cx.graph.sources[v.source];
    let time = src.time.clone().unwrap_or_default();
    let cols = SourceCols {
        d,
        src,
        kinds: v
            .columns
            .iter()
            .cloned()
            .zip(v.kinds.iter().copied())
            .collect(),
        day_col: d.quote_ident("day__"),
        tz: cx.graph.settings.timezone.clone(),
        hidden: v
            .aggs
            .iter()
            .filter_map(|a| match &cx.graph.node(a.node).kind {
                NodeKind::Aggregate(spec) => spec.expr.clone(),
                _ => None,
            })
            .map(|e| (crate::plan::derive::expr_column_name(&e), e))
            .collect(),
        inlined: Default::default(),
    };
    let tr = RowTranslator {
        cols: &cols,
        exact: false,
    };
    let mut table = table_ref(
        d,
        tables
            .get(&src.name)
            .map_or(src.name.as_str(), |s| s.as_str()),
    );
    if !v.lookups.is_empty() {
        table = d.quote_ident(&lookup_ctes(cx, v, &table, tables, chain));
    }
    let mut items = vec!["*".to_string()];
    for (i, dim) in cx.req.by.iter().enumerate() {
        let key = match cols.derived_expr(dim) {
            Some(e) => format!("COALESCE({}, '')", derived_text(d, tr.expr(e)?)),
            None => cols.key(dim),
        };
        items.push(format!("{key} AS {}", cx.q(&cx.dims[i])));
    }
    let tz = &cx.graph.settings.timezone;
    let quoted = d.quote_column(&time);
    let local = super::rows::typed_day(d, src, &time, &quoted, tz)
        .unwrap_or_else(|| d.local_day(&d.cast(&quoted, SqlType::Text), tz));
    items.push(format!("{local} AS {}", cols.day()));
    let rows_name = format!("{}__rows", src.name);
    chain.push(
        d,
        &rows_name,
        format!("SELECT\n    {}\n  FROM {table}", indent(&items)),
    );

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
    for a in &v.aggs {
        let NodeKind::Aggregate(spec) = &cx.graph.node(a.node).kind else {
            continue;
        };
        let cond = spec.filter.as_ref().map(|f| tr.condition(f)).transpose()?;
        let hidden = spec
            .expr
            .as_ref()
            .map(crate::plan::derive::expr_column_name);
        let column = hidden.as_deref().or(spec.column.as_deref());
        items.extend(aggregate(
            cx,
            &cols,
            a.node,
            a.func,
            column,
            a.fraction,
            cond.as_deref(),
        )?);
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

/// `<src>__fact` (the fact rows with their local day) and `<src>__joined` (each row
/// with its lookups' dimensions: a LEFT JOIN on the key and, with validity, the day
/// inside `valid_from <= day < valid_to`); returns the joined CTE's name.
fn lookup_ctes(
    cx: &Cx,
    v: &SourcePlan,
    table: &str,
    tables: &HashMap<String, String>,
    chain: &mut Chain,
) -> String {
    let d = cx.d;
    let src = &cx.graph.sources[v.source];
    let day = d.quote_ident("jday__");
    let fact = format!("{}__fact", src.name);
    let time = src.time.clone().unwrap_or_default();
    let tz = &cx.graph.settings.timezone;
    let quoted = d.quote_column(&time);
    let local = match src.time {
        Some(_) => super::rows::typed_day(d, src, &time, &quoted, tz)
            .unwrap_or_else(|| d.local_day(&d.cast(&quoted, SqlType::Text), tz)),
        None => d.cast("NULL", SqlType::Date),
    };
    chain.push(
        d,
        &fact,
        format!("SELECT\n    *,\n    {local} AS {day}\n  FROM {table}"),
    );
    let mut items = vec!["f.*".to_string()];
    let mut joins = Vec::new();
    // Per join: the dimensions it adds (for dialects that nest the joins).
    let mut steps: Vec<Vec<String>> = Vec::new();
    for (k, l) in v.lookups.iter().enumerate() {
        let alias = format!("l{k}");
        let col = |c: &str| format!("{alias}.{}", d.quote_column(c));
        let k = src
            .lookups
            .iter()
            .position(|x| x.source == l.source)
            .unwrap_or(k);
        let mut step = Vec::new();
        for dim in &l.dims {
            let alias = super::rows::lookup_alias(k, dim);
            step.push(format!("{} AS {}", col(dim), d.quote_column(&alias)));
        }
        items.extend(step.iter().cloned());
        steps.push(step);
        let ltable = table_ref(
            d,
            tables.get(&l.name).map_or(l.name.as_str(), |s| s.as_str()),
        );
        let mut on = vec![format!(
            "{} = {}",
            d.cast(&format!("f.{}", d.quote_column(&l.on)), SqlType::Text),
            d.cast(&col(&l.key), SqlType::Text)
        )];
        let date = |c: &str| {
            d.cast(
                &format!("NULLIF({}, '')", d.cast(&col(c), SqlType::Text)),
                SqlType::Date,
            )
        };
        if let Some(c) = &l.valid_from {
            let x = date(c);
            on.push(format!("({x} IS NULL OR f.{day} >= {x})"));
        }
        if let Some(c) = &l.valid_to {
            let x = date(c);
            on.push(format!("({x} IS NULL OR f.{day} < {x})"));
        }
        joins.push(format!(
            "LEFT JOIN {ltable} {alias} ON {}",
            on.join(" AND ")
        ));
    }
    let name = format!("{}__joined", src.name);
    let body = if d.qualifies_joined_names() && joins.len() > 1 {
        // One join per SELECT: the fact rows (`f.*`) keep their columns' names.
        let mut from = format!("{} f", d.quote_ident(&fact));
        let mut body = String::new();
        for (step, join) in steps.iter().zip(&joins) {
            let mut items = vec!["f.*".to_string()];
            items.extend(step.iter().cloned());
            body = format!("SELECT\n    {}\n  FROM {from}\n  {join}", indent(&items));
            from = format!("(\n  {body}\n  ) f");
        }
        body
    } else {
        format!(
            "SELECT\n    {}\n  FROM {} f\n  {}",
            indent(&items),
            d.quote_ident(&fact),
            joins.join("\n  ")
        )
    };
    chain.push(d, &name, body);
    name
}

/// A derived value as text, as the engine writes it (numbers: see
/// [`super::rows::number_label`]).
fn derived_text(d: &dyn Dialect, x: super::expr::Expr) -> String {
    match x.kind {
        super::expr::K::Num => super::rows::number_label(d, &x.sql),
        _ => d.cast(&x.sql, SqlType::Text),
    }
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
    // A derived column's value computed inline (exactly for sums and averages).
    let derived = |c: &str, exact: bool| -> Result<Option<String>, SqlError> {
        match cols.derived_expr(c) {
            Some(e) => Ok(Some(RowTranslator { cols, exact }.expr(e)?.sql)),
            None => Ok(None),
        }
    };
    let text = |c: &str| -> Result<String, SqlError> {
        Ok(match cols.derived_expr(c) {
            Some(e) => derived_text(d, RowTranslator { cols, exact: false }.expr(e)?),
            None => cols.text(c),
        })
    };
    let number = |c: &str| -> Result<String, SqlError> {
        Ok(derived(c, true)?.unwrap_or_else(|| cols.number(c)))
    };
    let double = |c: &str| -> Result<String, SqlError> {
        Ok(match derived(c, false)? {
            Some(x) => d.cast(&x, SqlType::Double),
            None => cols.double(c),
        })
    };
    let numeric = |c: &str| -> Result<(), SqlError> {
        let is_time = cols.src.time.as_deref() == Some(c);
        if is_time || cols.kind(c) != crate::plan::ColKind::Num {
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
            vec![format!(
                "{} AS {}",
                filtered(&|v| format!("COUNT({v})"), "*"),
                name(col::node(id))
            )]
        }
        (AggFunc::Count, Some(c)) => {
            let v = derived(c, false)?.unwrap_or_else(|| cols.column(c).sql);
            vec![format!(
                "{} AS {}",
                filtered(&|v| format!("COUNT({v})"), &v),
                name(col::node(id))
            )]
        }
        (AggFunc::CountDistinct, Some(c)) => {
            let v = text(c)?;
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
                filtered(&|v| format!("SUM({v})"), &number(c)?),
                name(col::node(id))
            )]
        }
        (AggFunc::Avg, Some(c)) => {
            numeric(c)?;
            let v = number(c)?;
            vec![
                format!(
                    "{} AS {}",
                    filtered(&|v| format!("SUM({v})"), &v),
                    name(col::avg_sum(id))
                ),
                format!(
                    "{} AS {}",
                    filtered(&|v| format!("COUNT({v})"), &v),
                    name(col::avg_count(id))
                ),
            ]
        }
        (AggFunc::Min | AggFunc::Max, Some(c)) => {
            numeric(c)?;
            let f = if func == AggFunc::Min { "MIN" } else { "MAX" };
            vec![format!(
                "{} AS {}",
                filtered(&|v| format!("{f}({v})"), &double(c)?),
                name(col::node(id))
            )]
        }
        (AggFunc::Median | AggFunc::Percentile, Some(c)) => {
            numeric(c)?;
            let q = if func == AggFunc::Median {
                0.5
            } else {
                fraction.unwrap_or(0.5)
            };
            d.percentile("x", q).map_err(|why| SqlError::Unsupported {
                construct: format!("{}({}.{c}) ({why})", func.name(), cols.src.name),
                dialect: d.name().to_string(),
            })?;
            vec![format!(
                "{} AS {}",
                filtered(&|v| d.percentile(v, q).unwrap_or_default(), &double(c)?),
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
