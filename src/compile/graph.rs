//! The evaluation graph: a flat `Vec<Node>` indexed by [`NodeId`]. Scans, aggregates,
//! params, formulas (metrics and funnel members), journey steps; checks and reviews
//! refer to nodes. Everything downstream (`eval`, `sql`, `report`) reads only this.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::diag::Span;
use crate::syntax::ast::{AggFunc, BinOp, Format, UnOp};

use super::types::{Kind, Unit};

/// Index of a node in [`Graph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// A constant value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Num(f64),
    Bool(bool),
    Str(String),
    /// A day number (days since 1970-01-01).
    Date(i32),
    /// Seconds.
    Duration(i64),
}

impl Value {
    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Any,
            Value::Num(_) => Kind::Num,
            Value::Bool(_) => Kind::Bool,
            Value::Str(_) => Kind::Str,
            Value::Date(_) => Kind::Date,
            Value::Duration(_) => Kind::Duration,
        }
    }
}

/// Built-in functions callable in formulas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Coalesce,
    If,
    Min,
    Max,
    Abs,
    Round,
    /// `x is null` (not callable by name; `x is not null` is `not (x is null)`).
    IsNull,
}

impl Builtin {
    pub const NAMES: [&'static str; 6] = ["coalesce", "if", "min", "max", "abs", "round"];
    pub fn parse(s: &str) -> Option<Builtin> {
        Some(match s {
            "coalesce" => Builtin::Coalesce,
            "if" => Builtin::If,
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "abs" => Builtin::Abs,
            "round" => Builtin::Round,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Builtin::IsNull => "is null",
            _ => Builtin::NAMES[self as usize],
        }
    }
}

/// Functions over the period sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// `prev(m)`
    Prev,
    /// `change(m)` = (m - prev(m)) / prev(m)
    Change,
    /// `rolling(m, n)`
    Rolling(u32),
    /// `to_date(m, grain)`: cumulative within the enclosing period of `grain`.
    ToDate(crate::data::period::Grain),
}

/// A formula over nodes, evaluated per group (and period).
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    Const(Value),
    /// A param, aggregate, metric or funnel member.
    Node(NodeId),
    /// Working days of the period inside the range.
    Workdays,
    /// Calendar days of the period inside the range.
    Days,
    Unary(UnOp, Box<Formula>),
    Binary(BinOp, Box<Formula>, Box<Formula>),
    In(Box<Formula>, Vec<Formula>),
    Call(Builtin, Vec<Formula>),
    Window(Window, NodeId),
    /// A function from a Rhai script: (function name, arguments).
    Script(String, Vec<Formula>),
}

impl Formula {
    /// Every node this formula reads (directly, including through windows).
    pub fn deps(&self, out: &mut Vec<NodeId>) {
        match self {
            Formula::Node(id) | Formula::Window(_, id) => out.push(*id),
            Formula::Unary(_, a) => a.deps(out),
            Formula::Binary(_, a, b) => {
                a.deps(out);
                b.deps(out);
            }
            Formula::In(a, items) => {
                a.deps(out);
                items.iter().for_each(|i| i.deps(out));
            }
            Formula::Call(_, args) | Formula::Script(_, args) => {
                args.iter().for_each(|i| i.deps(out))
            }
            Formula::Const(_) | Formula::Workdays | Formula::Days => {}
        }
    }
}

/// An expression over the columns of one row (a `where` filter).
#[derive(Clone, Debug, PartialEq)]
pub enum RowExpr {
    Const(Value),
    Column(String),
    Unary(UnOp, Box<RowExpr>),
    Binary(BinOp, Box<RowExpr>, Box<RowExpr>),
    In(Box<RowExpr>, Vec<RowExpr>),
    Call(Builtin, Vec<RowExpr>),
}

impl RowExpr {
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            RowExpr::Column(c) => {
                if !out.contains(c) {
                    out.push(c.clone())
                }
            }
            RowExpr::Const(_) => {}
            RowExpr::Unary(_, a) => a.columns(out),
            RowExpr::Binary(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            RowExpr::In(a, items) => {
                a.columns(out);
                items.iter().for_each(|i| i.columns(out));
            }
            RowExpr::Call(_, args) => args.iter().for_each(|i| i.columns(out)),
        }
    }
}

/// An aggregation over one source.
#[derive(Clone, Debug, PartialEq)]
pub struct AggSpec {
    pub source: usize,
    pub func: AggFunc,
    pub column: Option<String>,
    /// A row expression instead of a column (`sum(orders.qty * orders.unit_price)`).
    pub expr: Option<RowExpr>,
    /// The fraction of `percentile`.
    pub fraction: Option<f64>,
    pub filter: Option<RowExpr>,
}

/// Column type hints of a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int,
    Decimal,
    Bool,
    Timestamp,
    Date,
}

impl ColumnType {
    pub const NAMES: [&'static str; 6] = ["string", "int", "decimal", "bool", "timestamp", "date"];
    /// The type's name in the language.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    pub fn parse(s: &str) -> Option<ColumnType> {
        Some(match s {
            "string" => ColumnType::String,
            "int" => ColumnType::Int,
            "decimal" => ColumnType::Decimal,
            "bool" => ColumnType::Bool,
            "timestamp" => ColumnType::Timestamp,
            "date" => ColumnType::Date,
            _ => return None,
        })
    }
}

/// A data source.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceDef {
    pub name: String,
    pub span: Span,
    /// Default data file, resolved relative to the defining file.
    pub from: Option<PathBuf>,
    pub time: Option<String>,
    pub dimensions: Vec<String>,
    pub entity: Option<String>,
    pub columns: Vec<(String, ColumnType)>,
    /// How its file is read (delimiter, decimal, null markers, renames, ..).
    pub read: crate::data::ReadOptions,
    /// Columns computed per row (`column revenue = qty * unit_price`), in order.
    pub derived: Vec<DerivedColumn>,
    /// `key COL`: a lookup (dimension table) keyed by this column.
    pub key: Option<String>,
    /// A lookup row's validity columns (`valid_from`, `valid_to`).
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// The lookups whose dimensions this source gains (`lookup reps [on owner_id]`).
    pub lookups: Vec<LookupDef>,
}

/// `lookup NAME [on COLUMN]` in a fact source, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct LookupDef {
    /// The lookup source (an index into `Graph::sources`).
    pub source: usize,
    /// Its name.
    pub name: String,
    /// The fact column holding the key.
    pub on: String,
    /// The lookup's dimensions, which the fact source gains.
    pub dims: Vec<String>,
}

/// `column NAME = EXPR` in a source.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedColumn {
    pub name: String,
    pub expr: RowExpr,
    pub span: Span,
}

impl SourceDef {
    /// The derived column `col`, if it is one.
    pub fn derived(&self, col: &str) -> Option<&DerivedColumn> {
        self.derived.iter().find(|d| d.name == col)
    }

    /// Whether `col` is a name the source knows: its time, a dimension, the entity,
    /// a hinted or derived column.
    pub fn knows(&self, col: &str) -> bool {
        self.time.as_deref() == Some(col)
            || self.dimensions.iter().any(|d| d == col)
            || self.entity.as_deref() == Some(col)
            || self.column_type(col).is_some()
            || self.derived(col).is_some()
            || self.lookup_of(col).is_some()
    }

    /// The lookup (index into `lookups`) that gives dimension `col`, if one does.
    pub fn lookup_of(&self, col: &str) -> Option<usize> {
        self.lookups
            .iter()
            .position(|l| l.dims.iter().any(|d| d == col))
    }

    /// Whether the source is a lookup (a dimension table).
    pub fn is_lookup(&self) -> bool {
        self.key.is_some()
    }

    pub fn column_type(&self, col: &str) -> Option<ColumnType> {
        self.columns.iter().find(|(c, _)| c == col).map(|(_, t)| *t)
    }
}

/// What a node is.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A param; `value` is `None` while a required param has no value.
    Param { value: Option<Value> },
    /// An aggregation of one source (a base value).
    Aggregate(AggSpec),
    /// A metric or aggregate-funnel member.
    Formula(Formula),
    /// Step `step` of journey funnel `journey`: entities that reached it.
    JourneyStep { journey: usize, step: usize },
}

/// Where a definition came from.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Meta {
    pub format: Option<Format>,
    pub description: Option<String>,
    pub owner: Option<String>,
    /// The definition it replaced, for `override`.
    pub overrides: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Metric name (`calls`, `outbound.total`), param name, or a generated label.
    pub name: String,
    pub kind: NodeKind,
    pub span: Span,
    pub unit: Unit,
    pub value_kind: Kind,
    pub meta: Meta,
    /// Whether this node is a user-visible metric (metrics and funnel members).
    pub is_metric: bool,
    /// How its values are typed beyond kind and unit ([`Graph::infer_typing`]).
    pub typing: Typing,
}

/// How a node's values are typed beyond kind and unit: worked out once by the
/// compiler; the engine and the SQL backend read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Typing {
    /// Whole numbers by construction: counts, their sums and differences, and
    /// `prev`/`rolling`/`to_date` of them.
    pub integral: bool,
    /// Printed as an integer where whole: what is `integral`, journey steps, and what
    /// has `format count` (and sums, differences and windows of those).
    pub count_like: bool,
    /// May be an exact decimal: a `sum`, and `+`/`-`/negation and
    /// `prev`/`rolling`/`to_date` of exact values (the engine keeps it exact where
    /// every summed value is a plain decimal; SQL keeps it as NUMERIC).
    pub exact: bool,
}

/// Cadence of a review.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewCadence {
    Grain(crate::data::period::Grain),
    Days(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReviewDef {
    pub name: String,
    /// "metric", "check" or "funnel".
    pub kind: &'static str,
    pub owner: Option<String>,
    /// Day number of the last review.
    pub last: i32,
    pub every: ReviewCadence,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    pub name: String,
    pub span: Span,
    pub value: Formula,
    pub per: Vec<String>,
    pub every: crate::data::period::Grain,
    pub warn: Option<(BinOp, Formula)>,
    pub fail: Option<(BinOp, Formula)>,
    pub unit: Unit,
    pub meta: Meta,
    /// The nodes that evaluate `value`, `warn` and `fail` (typed like any formula; not
    /// metrics, not named), so a request can carry many checks at once.
    pub nodes: CheckNodes,
}

/// The formula nodes of a check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckNodes {
    pub value: NodeId,
    pub warn: Option<NodeId>,
    pub fail: Option<NodeId>,
}

impl CheckNodes {
    /// The nodes in output order: value, then warn and fail where present.
    pub fn list(&self) -> Vec<NodeId> {
        let mut v = vec![self.value];
        v.extend(self.warn);
        v.extend(self.fail);
        v
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunnelDef {
    pub name: String,
    pub span: Span,
    pub stages: Vec<String>,
    /// Member node ids: stages, rates (stages 1..), conversion, total (if a value).
    pub members: Vec<NodeId>,
    pub has_value: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JourneyDef {
    pub name: String,
    pub span: Span,
    pub source: usize,
    pub entity: String,
    pub within_seconds: i64,
    pub steps: Vec<(String, RowExpr)>,
    pub members: Vec<NodeId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CalendarDef {
    pub name: String,
    pub weekend: Vec<jiff::civil::Weekday>,
    /// Day numbers.
    pub holidays: Vec<i32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SettingsDef {
    pub timezone: String,
    pub currency: Option<String>,
    /// How numbers are written for people (`settings { locale "nl-NL" }`).
    pub locale: crate::report::number::Locale,
    pub calendar: Option<CalendarDef>,
    pub review_required: bool,
}

impl Default for SettingsDef {
    fn default() -> Self {
        SettingsDef {
            timezone: "UTC".into(),
            currency: None,
            locale: crate::report::number::Locale::En,
            calendar: None,
            review_required: false,
        }
    }
}

/// A Rhai script of the definitions, read and checked at compile time; evaluation
/// compiles `text` (once per run) and calls its `functions`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptDef {
    /// Resolved relative to the defining file.
    pub path: PathBuf,
    pub text: String,
    /// Its public functions (name and parameters).
    pub functions: Vec<crate::script::ScriptFn>,
    /// Whether it was read and compiled; if not, an error was reported and calls to
    /// functions no script defines are not reported again.
    pub ok: bool,
}

/// A compiled, checked definition set.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub sources: Vec<SourceDef>,
    pub funnels: Vec<FunnelDef>,
    pub journeys: Vec<JourneyDef>,
    pub checks: Vec<CheckDef>,
    pub reviews: Vec<ReviewDef>,
    pub settings: SettingsDef,
    /// Rhai scripts (`script "x.rhai"`), in declaration order.
    pub scripts: Vec<ScriptDef>,
    /// Names of metrics (and funnel members) to node ids.
    pub by_name: HashMap<String, NodeId>,
    /// Metrics in definition order (what `eval` prints by default).
    pub metric_order: Vec<NodeId>,
    /// Param names to node ids.
    pub params: HashMap<String, NodeId>,
    /// Profiles: name -> (param, value).
    pub profiles: HashMap<String, Vec<(String, Value)>>,
    /// Names that are definitions without a review rule (for `review_required`).
    pub unreviewed: Vec<(String, &'static str, Span)>,
    /// A node computing `workdays` (the analyses' per-working-day rates).
    pub workdays: Option<NodeId>,
    /// A node computing `days` (the calendar days of a row's range).
    pub days: Option<NodeId>,
}

impl Graph {
    /// The working-day calendar of the settings (Monday to Friday without one).
    pub fn work_calendar(&self) -> crate::data::calendar::WorkCalendar {
        match &self.settings.calendar {
            Some(c) => crate::data::calendar::WorkCalendar::new(&c.weekend, &c.holidays),
            None => crate::data::calendar::WorkCalendar::default_mon_fri(),
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }
    pub fn metric(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }
    /// Whether a node is the compiler's own (a check's formula, `workdays`), not a
    /// definition: the graph pictures leave these out.
    pub fn is_internal(&self, id: NodeId) -> bool {
        self.workdays == Some(id)
            || self.days == Some(id)
            || self.checks.iter().any(|c| c.nodes.list().contains(&id))
    }
    /// Append a formula node that is not a definition (see [`Graph::is_internal`]).
    pub(crate) fn push_internal(&mut self, name: &str, f: Formula, span: Span) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            name: name.to_string(),
            kind: NodeKind::Formula(f),
            span,
            unit: Unit::none(),
            value_kind: Kind::Num,
            meta: Meta::default(),
            is_metric: false,
            typing: Typing::default(),
        });
        id
    }
    /// Work out every node's [`Typing`], inputs first (nodes on a cycle keep the
    /// default: such a graph is refused anyway).
    pub(crate) fn infer_typing(&mut self) {
        fn of(f: &Formula, t: &[Typing]) -> Typing {
            match f {
                Formula::Node(id)
                | Formula::Window(Window::Prev | Window::Rolling(_) | Window::ToDate(_), id) => {
                    t[id.0 as usize]
                }
                Formula::Binary(BinOp::Add | BinOp::Sub, a, b) => {
                    let (a, b) = (of(a, t), of(b, t));
                    Typing {
                        integral: a.integral && b.integral,
                        count_like: a.count_like && b.count_like,
                        exact: a.exact && b.exact,
                    }
                }
                Formula::Unary(UnOp::Neg, a) => Typing {
                    exact: of(a, t).exact,
                    ..Typing::default()
                },
                _ => Typing::default(),
            }
        }
        let mut t = vec![Typing::default(); self.nodes.len()];
        for id in self.topo_order() {
            let node = &self.nodes[id.0 as usize];
            let mut typing = match &node.kind {
                NodeKind::Aggregate(a) => {
                    let counts = matches!(a.func, AggFunc::Count | AggFunc::CountDistinct);
                    Typing {
                        integral: counts,
                        count_like: counts,
                        exact: a.func == AggFunc::Sum,
                    }
                }
                NodeKind::JourneyStep { .. } => Typing {
                    count_like: true,
                    ..Typing::default()
                },
                NodeKind::Formula(f) => of(f, &t),
                NodeKind::Param { .. } => Typing::default(),
            };
            if node.meta.format == Some(Format::Count) {
                typing.count_like = true;
            }
            t[id.0 as usize] = typing;
        }
        for (node, typing) in self.nodes.iter_mut().zip(t) {
            node.typing = typing;
        }
    }

    /// All nodes in an order where each comes after what it reads.
    pub fn topo_order(&self) -> Vec<NodeId> {
        let n = self.nodes.len();
        let mut indeg = vec![0u32; n];
        let mut users: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut deps = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let NodeKind::Formula(f) = &node.kind {
                deps.clear();
                f.deps(&mut deps);
                deps.sort();
                deps.dedup();
                for d in &deps {
                    indeg[i] += 1;
                    users[d.0 as usize].push(i as u32);
                }
            }
        }
        let mut order: Vec<NodeId> = Vec::with_capacity(n);
        let mut stack: Vec<u32> = (0..n as u32)
            .filter(|&i| indeg[i as usize] == 0)
            .rev()
            .collect();
        while let Some(i) = stack.pop() {
            order.push(NodeId(i));
            for &u in &users[i as usize] {
                indeg[u as usize] -= 1;
                if indeg[u as usize] == 0 {
                    stack.push(u);
                }
            }
        }
        order
    }
}

impl ReviewDef {
    /// Day number when the next review is due: `last + every`. A grain cadence from a
    /// month's last day lands on the target month's last day (`2026-09-30` + quarter =
    /// `2026-12-31`).
    pub fn due(&self) -> i32 {
        use crate::data::period::{civil_from_day, day_number, Grain};
        let months = match &self.every {
            ReviewCadence::Days(n) => return self.last.saturating_add(*n as i32),
            ReviewCadence::Grain(Grain::Day) => return self.last + 1,
            ReviewCadence::Grain(Grain::Week) => return self.last + 7,
            ReviewCadence::Grain(Grain::Month) => 1,
            ReviewCadence::Grain(Grain::Quarter) => 3,
            ReviewCadence::Grain(Grain::Year) | ReviewCadence::Grain(Grain::All) => 12,
        };
        let (y, m, d) = civil_from_day(self.last);
        let month_end = civil_from_day(self.last + 1).2 == 1;
        let idx = y * 12 + (m as i32 - 1) + months;
        let (ny, nm) = (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
        let first_next = day_number(ny, nm, 1);
        let (ay, am) = (
            (idx + 1).div_euclid(12),
            (idx + 1).rem_euclid(12) as u32 + 1,
        );
        let last_day = day_number(ay, am, 1) - first_next;
        let day = if month_end {
            last_day as u32
        } else {
            d.min(last_day as u32)
        };
        first_next + day as i32 - 1
    }

    /// `overdue` (due before today), `due_soon` (due within 14 days) or `ok`.
    pub fn status(&self, today: i32) -> &'static str {
        let due = self.due();
        if due < today {
            "overdue"
        } else if due <= today + 14 {
            "due_soon"
        } else {
            "ok"
        }
    }
}
