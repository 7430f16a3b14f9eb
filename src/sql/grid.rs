//! The grid of (group, period) rows formulas are computed over: `bounds__` and
//! `range__` (the evaluated range), with window functions or `--fill` a dense
//! `cells__` (every group by every period, a missing period an empty group),
//! `base__` (empty-group rules) and `span__`/`cal__` (`workdays`, `days`).

use crate::compile::graph::{NodeId, NodeKind};
use crate::data::period::Grain;
use crate::syntax::ast::AggFunc;

use super::calendar;
use super::dialect::SqlType;
use super::formula::col;
use super::query::{indent, Chain, Cx};

/// `bounds__` (the data's first and last day) and `range__` (the evaluated range,
/// its first and last period, the data's first period, where the grid starts).
pub fn range(cx: &Cx, names: &[String], chain: &mut Chain) {
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
    let mut items = vec![
        format!("{lo} AS {}", cx.q("lo")),
        format!("{hi} AS {}", cx.q("hi")),
    ];
    if cx.grain != Grain::All {
        // Period starts of the range ends (constants where the ends are).
        let start_of = |day: i32| d.date_literal(calendar::from_period_start(cx.grain, day));
        let first = d.truncate(&cx.q("min_day"), cx.grain);
        let last = d.truncate(&cx.q("max_day"), cx.grain);
        let p_lo = match (cx.req.from, cx.req.to) {
            (Some(a), _) => start_of(a),
            (None, Some(b)) => format!("LEAST({first}, {})", start_of(b)),
            (None, None) => first.clone(),
        };
        let p_hi = match (cx.req.from, cx.req.to) {
            (_, Some(b)) => start_of(b),
            (Some(a), None) => format!("GREATEST({last}, {})", start_of(a)),
            (None, None) => last,
        };
        // The grid starts at the data's first period when that is earlier.
        let start = if cx.windows && cx.req.from.is_some() {
            format!("LEAST({first}, {p_lo})")
        } else {
            p_lo.clone()
        };
        items.push(format!("{p_lo} AS {}", cx.q("p_lo")));
        items.push(format!("{p_hi} AS {}", cx.q("p_hi")));
        items.push(format!("{first} AS {}", cx.q("first_ps")));
        items.push(format!("{start} AS {}", cx.q("start")));
    }
    chain.push(
        d,
        "range__",
        format!(
            "SELECT\n    {}\n  FROM {}",
            indent(&items),
            cx.q("bounds__")
        ),
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
pub fn cells(cx: &Cx, joined: &str, aggs: &[NodeId], chain: &mut Chain) -> String {
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
        dims.iter()
            .map(|k| format!("j.{k}"))
            .collect::<Vec<_>>()
            .join(", ")
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
    let named = |c: String, name: &str| {
        if d.qualifies_joined_names() {
            format!("{c} AS {name}")
        } else {
            c
        }
    };
    let mut items: Vec<String> = dims.iter().map(|k| named(format!("g.{k}"), k)).collect();
    items.push(named(format!("p.{ps}"), &ps));
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
pub fn base(cx: &Cx, from: &str, aggs: &[NodeId], chain: &mut Chain) -> String {
    let d = cx.d;
    let mut items: Vec<String> = cx
        .keys()
        .into_iter()
        .filter(|k| *k != cx.q("k__"))
        .collect();
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
        let (a, b) = calendar::span(
            d,
            cx.grain,
            &cx.q(col::PERIOD),
            &cx.q("lo__"),
            &cx.q("hi__"),
        );
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
pub fn calendar_ctes(cx: &Cx, from: &str, chain: &mut Chain) -> String {
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
