//! Which metrics are part of an outcome rather than drivers of it (`kpi insights`):
//! a metric that reads the outcome (`attainment = won_amount / quota`), or that counts
//! the outcome's own rows (`won_deals` next to `won_amount`, both `type == "deal_won"`).

use std::collections::HashSet;

use crate::compile::graph::{AggSpec, Graph, NodeId, NodeKind, RowExpr, Value};
use crate::syntax::ast::BinOp;

/// Every node `id` reads, transitively, itself included.
pub fn lineage(graph: &Graph, id: NodeId) -> HashSet<NodeId> {
    let mut seen = HashSet::new();
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        if let NodeKind::Formula(f) = &graph.node(n).kind {
            let mut deps = Vec::new();
            f.deps(&mut deps);
            stack.extend(deps);
        }
    }
    seen
}

/// The `column == "literal"` tests a filter requires (the conjuncts of an `and` chain).
pub fn equalities(f: &RowExpr, out: &mut Vec<(String, Value)>) {
    match f {
        RowExpr::Binary(BinOp::And, a, b) => {
            equalities(a, out);
            equalities(b, out);
        }
        RowExpr::Binary(BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
            (RowExpr::Column(c), RowExpr::Const(v)) | (RowExpr::Const(v), RowExpr::Column(c)) => {
                out.push((c.clone(), v.clone()))
            }
            _ => {}
        },
        _ => {}
    }
}

fn aggregates<'g>(graph: &'g Graph, nodes: &HashSet<NodeId>) -> Vec<&'g AggSpec> {
    nodes
        .iter()
        .filter_map(|&n| match &graph.node(n).kind {
            NodeKind::Aggregate(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// Why `candidate` is part of `outcome` (None when it is a possible driver).
pub fn part_of(graph: &Graph, outcome: NodeId, candidate: NodeId) -> Option<String> {
    let mine = lineage(graph, candidate);
    let name = &graph.node(outcome).name;
    if mine.contains(&outcome) {
        return Some(format!("reads {name}"));
    }
    let theirs = lineage(graph, outcome);
    if mine
        .iter()
        .any(|n| theirs.contains(n) && matches!(graph.node(*n).kind, NodeKind::Aggregate(_)))
    {
        return Some(format!("shares an aggregate with {name}"));
    }
    for a in aggregates(graph, &theirs) {
        let mut want = Vec::new();
        if let Some(f) = &a.filter {
            equalities(f, &mut want);
        }
        for b in aggregates(graph, &mine) {
            let mut have = Vec::new();
            if let Some(f) = &b.filter {
                equalities(f, &mut have);
            }
            if let Some((c, v)) = have
                .iter()
                .find(|t| a.source == b.source && want.contains(t))
            {
                let v = crate::compile::show::value(v);
                return Some(format!("counts the rows of {name} ({c} == {v})"));
            }
        }
    }
    None
}
