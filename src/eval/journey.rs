//! Journey funnels: entities (e.g. accounts) that reach step 1, then step 2, .. in
//! time order, each step within `within` of the previous one. An entity is counted
//! in the group and period of its first step-1 event.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::compile::graph::{Graph, JourneyDef, NodeId};
use crate::data::period::period_of_day;
use crate::data::scan::{BadRow, RowSink, ScanSpec};
use crate::data::time::TimeParser;
use crate::syntax::ast::AggFunc;

use super::accum::AccVec;
use super::merge::{Groups, Merged};
use super::plan::Request;
use super::row::Filter;
use super::scan::{typed_row, AggPlan, ColKind, MAX_COLUMNS};
use super::EvalError;

/// What to scan for one journey funnel.
pub struct JourneyPlan {
    pub name: String,
    /// The source's name (for inline data).
    pub source: String,
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub kinds: Vec<ColKind>,
    pub time: usize,
    pub entity: usize,
    pub dims: Vec<usize>,
    pub steps: Vec<Filter>,
    /// The step nodes, in step order.
    pub nodes: Vec<NodeId>,
    pub within: i64,
    pub tz: jiff::tz::TimeZone,
}

#[derive(Clone, Copy)]
struct Event {
    entity: u32,
    secs: i64,
    mask: u32,
    group: u32,
}

struct Sink<'p> {
    plan: &'p JourneyPlan,
    time: TimeParser,
    entities: HashMap<Vec<u8>, u32>,
    groups: HashMap<Vec<Vec<u8>>, u32>,
    group_values: Vec<Vec<String>>,
    events: Vec<Event>,
    fixed: Vec<Option<i128>>,
    nums: Vec<f64>,
}

impl RowSink for Sink<'_> {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        let plan = self.plan;
        let t = fields[plan.time];
        let secs = match self.time.parse(t) {
            Some(s) => s,
            None if t.is_empty() => return Err(BadRow::field(plan.time, "missing timestamp")),
            None => {
                return Err(BadRow::field(
                    plan.time,
                    format!(
                        "expected an ISO-8601 date or timestamp, found `{}`",
                        String::from_utf8_lossy(t)
                    ),
                ))
            }
        };
        let vals = typed_row(
            &plan.kinds,
            fields,
            &mut self.time,
            &mut self.fixed,
            &mut self.nums,
        )?;
        let row = &vals[..plan.kinds.len()];
        let mut mask = 0u32;
        for (k, f) in plan.steps.iter().enumerate() {
            if f.test(row) {
                mask |= 1 << k;
            }
        }
        let ent = fields[plan.entity];
        if mask == 0 || ent.is_empty() {
            return Ok(());
        }
        let n = self.entities.len() as u32;
        let entity = *self.entities.entry(ent.to_vec()).or_insert(n);
        let key: Vec<Vec<u8>> = plan.dims.iter().map(|&d| fields[d].to_vec()).collect();
        let group = match self.groups.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.group_values.len() as u32;
                self.group_values.push(
                    key.iter()
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .collect(),
                );
                self.groups.insert(key, g);
                g
            }
        };
        self.events.push(Event {
            entity,
            secs,
            mask,
            group,
        });
        Ok(())
    }
}

/// Plan the scan of one journey funnel.
pub fn plan(graph: &Graph, j: &JourneyDef, req: &Request) -> Result<JourneyPlan, EvalError> {
    let src = &graph.sources[j.source];
    let tz = jiff::tz::TimeZone::get(&graph.settings.timezone)
        .map_err(|e| EvalError::Usage(format!("time zone `{}`: {e}", graph.settings.timezone)))?;
    let Some(time_col) = &src.time else {
        return Err(EvalError::Data(format!(
            "journey funnel `{}` follows source `{}`, which has no `time` column",
            j.name, src.name
        )));
    };
    if j.steps.len() > 31 {
        return Err(EvalError::Data(format!(
            "journey funnel `{}` has more than 31 steps",
            j.name
        )));
    }
    let path = super::plan::data_path(req, src)?;
    let mut columns: Vec<String> = Vec::new();
    let mut col = |name: &str| -> usize {
        if let Some(i) = columns.iter().position(|c| c == name) {
            return i;
        }
        columns.push(name.to_string());
        columns.len() - 1
    };
    let time = col(time_col);
    let entity = col(&j.entity);
    let dims: Vec<usize> = req.by.iter().map(|d| col(d)).collect();
    let steps: Vec<Filter> = j
        .steps
        .iter()
        .map(|(_, f)| Filter::compile(f, &mut col))
        .collect();
    if columns.len() > MAX_COLUMNS {
        return Err(EvalError::Usage(format!(
            "journey funnel `{}` needs more than {MAX_COLUMNS} columns",
            j.name
        )));
    }
    let kinds = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match src.column_type(c) {
            _ if i == time => ColKind::Str,
            Some(
                crate::compile::graph::ColumnType::Decimal | crate::compile::graph::ColumnType::Int,
            ) => ColKind::Num,
            Some(crate::compile::graph::ColumnType::Bool) => ColKind::Bool,
            Some(
                crate::compile::graph::ColumnType::Date
                | crate::compile::graph::ColumnType::Timestamp,
            ) => ColKind::Date,
            _ => ColKind::Str,
        })
        .collect();
    Ok(JourneyPlan {
        name: j.name.clone(),
        source: src.name.clone(),
        path,
        columns,
        kinds,
        time,
        entity,
        dims,
        steps,
        nodes: j.members[..j.steps.len().min(j.members.len())].to_vec(),
        within: j.within_seconds,
        tz,
    })
}

/// Scan and count: one `Count` state per step, keyed by (group, period of step 1).
pub fn run(
    p: &JourneyPlan,
    req: &Request,
    groups: &mut Groups,
) -> Result<(Merged, Vec<AggPlan>), EvalError> {
    let spec = ScanSpec {
        path: p.path.clone(),
        columns: p.columns.clone(),
        threads: 1,
        skip_bad_rows: req.skip_bad_rows,
    };
    let make = || Sink {
        plan: p,
        time: TimeParser::new(p.tz.clone()),
        entities: HashMap::new(),
        groups: HashMap::new(),
        group_values: Vec::new(),
        events: Vec::new(),
        fixed: vec![None; p.columns.len()],
        nums: vec![f64::NAN; p.columns.len()],
    };
    let scanned = match req.inline.get(&p.source) {
        Some(bytes) => crate::data::scan::scan_bytes(&spec, bytes, make),
        None => crate::data::scan::scan(&spec, make),
    };
    let (mut sinks, _) =
        scanned.map_err(|e| EvalError::Data(format!("journey funnel `{}`: {e}", p.name)))?;
    let aggs: Vec<AggPlan> = p
        .nodes
        .iter()
        .map(|&node| AggPlan {
            node,
            func: AggFunc::Count,
            column: None,
            fraction: None,
            filter: None,
        })
        .collect();
    let mut m = Merged {
        slots: HashMap::default(),
        rows: Vec::new(),
        accs: aggs.iter().map(|a| AccVec::new(a.func)).collect(),
        min_day: i32::MAX,
        max_day: i32::MIN,
    };
    let Some(mut sink) = sinks.pop() else {
        return Ok((m, aggs));
    };
    let global: Vec<u32> = sink.group_values.drain(..).map(|v| groups.id(v)).collect();
    sink.events
        .sort_by_key(|e| (e.entity, e.secs, std::cmp::Reverse(e.mask)));
    let n = p.steps.len();
    let mut i = 0;
    while i < sink.events.len() {
        let ent = sink.events[i].entity;
        let mut j = i;
        let mut reached: Vec<Option<i64>> = vec![None; n];
        let mut first: Option<Event> = None;
        while j < sink.events.len() && sink.events[j].entity == ent {
            let e = sink.events[j];
            for k in (0..n).rev() {
                if e.mask & (1 << k) == 0 {
                    continue;
                }
                if k == 0 {
                    reached[0] = Some(e.secs);
                    first.get_or_insert(e);
                } else if let Some(prev) = reached[k - 1] {
                    if e.secs - prev <= p.within && e.secs >= prev {
                        reached[k] = Some(e.secs);
                    }
                }
            }
            j += 1;
        }
        i = j;
        let Some(first) = first else { continue };
        let day = first.secs.div_euclid(86_400) as i32;
        if req.from.is_some_and(|f| day < f) || req.to.is_some_and(|t| day > t) {
            continue;
        }
        let depth = reached
            .iter()
            .rposition(|r| r.is_some())
            .map_or(0, |k| k + 1);
        m.min_day = m.min_day.min(day);
        m.max_day = m.max_day.max(day);
        let key = (global[first.group as usize], period_of_day(req.grain, day));
        let slot = match m.slots.get(&key) {
            Some(&s) => s,
            None => {
                let s = m.rows.len();
                m.slots.insert(key, s);
                m.rows.push(0);
                for a in &mut m.accs {
                    a.grow();
                }
                s
            }
        };
        m.rows[slot] += 1;
        for k in 0..depth {
            if let AccVec::Count(v) = &mut m.accs[k] {
                v[slot] += 1;
            }
        }
    }
    Ok((m, aggs))
}
