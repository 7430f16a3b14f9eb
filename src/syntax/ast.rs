//! The one AST both front-ends (DSL and YAML) produce. Every node carries its span.

use crate::diag::{FileId, Span};

/// A name with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal with its location (paths, descriptions, owners).
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A calendar date literal with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct DateLit {
    pub value: jiff::civil::Date,
    pub span: Span,
}

/// A parsed definition file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Item>,
}

/// One top-level item.
#[derive(Clone, Debug, PartialEq)]
/// The rare large variants are boxed so that a list of items (mostly metrics)
/// stays compact (a file may hold tens of thousands).
pub enum Item {
    /// `import "path"`
    Import(StrLit),
    /// `script "path.rhai"`
    Script(StrLit),
    /// `settings { .. }`
    Settings(Settings),
    /// `calendar NAME { .. }`
    Calendar(Calendar),
    /// `source NAME { .. }`
    Source(Box<Source>),
    /// `param NAME = VALUE` or `param NAME required`
    Param(Param),
    /// `[override] metric NAME = EXPR { attrs }`
    Metric(Metric),
    /// `funnel NAME { stage .. value .. }`
    Funnel(Box<Funnel>),
    /// `funnel NAME over SRC by ENTITY within DUR { step .. }`
    Journey(Box<Journey>),
    /// `check NAME = EXPR { per .. every .. warn when .. fail when .. }`
    Check(Box<Check>),
    /// `profile NAME { param = value .. }`
    Profile(Profile),
}

/// `settings { .. }`; each field is optional.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Settings {
    pub span: Span,
    pub timezone: Option<StrLit>,
    pub week_start: Option<Ident>,
    pub currency: Option<StrLit>,
    /// `locale "nl-NL"`: how numbers are written for people.
    pub locale: Option<StrLit>,
    pub calendar: Option<Ident>,
    pub review_required: Option<(bool, Span)>,
}

/// `calendar NAME { weekend .. holiday .. }`
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    pub name: Ident,
    pub span: Span,
    /// Weekday names (`saturday`, ..); `None` means the default Saturday + Sunday.
    pub weekend: Option<Vec<Ident>>,
    pub holidays: Vec<DateLit>,
}

/// `source NAME { .. }`
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub name: Ident,
    pub span: Span,
    pub from: Option<StrLit>,
    pub time: Option<Ident>,
    pub dimensions: Vec<Ident>,
    pub entity: Option<Ident>,
    /// `column NAME: TYPE` hints and `column "Header" as NAME` renames.
    pub columns: Vec<ColumnEntry>,
    /// How the file is read: `delimiter`, `decimal`, `null`, `header`, ..
    pub read: ReadEntries,
    /// `key rep`: the source is a lookup (a dimension table) keyed by this column.
    pub key: Option<Ident>,
    /// `valid_from COL` / `valid_to COL`: a lookup row's validity (membership with history).
    pub valid_from: Option<Ident>,
    pub valid_to: Option<Ident>,
    /// `lookup reps [on owner_id]`: lookups whose dimensions this source gains.
    pub lookups: Vec<LookupRef>,
}

/// `lookup NAME [on COLUMN]` in a fact source.
#[derive(Clone, Debug, PartialEq)]
pub struct LookupRef {
    pub source: Ident,
    /// The fact column holding the key (default: the column named like the lookup's key).
    pub on: Option<Ident>,
}

/// `column NAME: TYPE`, `column "Odd Header" as NAME: TYPE` or `column Header as NAME`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnEntry {
    /// The file's header for the column when it differs from the name (`"Deal Amount"`).
    pub header: Option<StrLit>,
    /// The column's name in the definitions (the header itself without `as`).
    pub name: Ident,
    /// One of string|int|decimal|bool|timestamp|date.
    pub ty: Option<Ident>,
    /// `column revenue = qty * unit_price`: a column computed per row.
    pub expr: Option<Expr>,
}

/// A source's reading entries (DESIGN 5.1), as written; checked by the compiler.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ReadEntries {
    pub delimiter: Option<StrLit>,
    pub decimal: Option<StrLit>,
    pub thousands: Option<StrLit>,
    pub encoding: Option<StrLit>,
    /// Cell texts that mean "no value".
    pub null: Option<Vec<StrLit>>,
    pub sheet: Option<StrLit>,
    /// The header's line (CSV) or row (xlsx), as written.
    pub header: Option<StrLit>,
    /// `time COL format "..."`: the time column's pattern.
    pub time_format: Option<StrLit>,
}

impl ReadEntries {
    pub fn is_empty(&self) -> bool {
        *self == ReadEntries::default()
    }
}

/// `param NAME = VALUE` / `param NAME required`
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub span: Span,
    /// `None` for `required`.
    pub value: Option<Expr>,
    pub is_override: bool,
}

/// Display format of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Count,
    Number,
    Percent,
    Currency,
    Duration,
}

impl Format {
    pub const ALL: [&'static str; 5] = ["count", "number", "percent", "currency", "duration"];
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "count" => Format::Count,
            "number" => Format::Number,
            "percent" => Format::Percent,
            "currency" => Format::Currency,
            "duration" => Format::Duration,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        Format::ALL[self as usize]
    }
}

/// `review every <grain|duration> last <date> [owner ".."]`
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub span: Span,
    pub every: ReviewEvery,
    pub last: DateLit,
    pub owner: Option<StrLit>,
}

/// The cadence of a review.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewEvery {
    Grain(Ident),
    Duration(DurationLit),
}

/// A duration literal: `30d`, `2w`, `6h`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DurationLit {
    pub amount: i64,
    pub unit: DurationUnit,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
}

impl DurationLit {
    pub fn seconds(&self) -> i64 {
        self.amount.saturating_mul(match self.unit {
            DurationUnit::Hours => 3600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 7 * 86_400,
        })
    }
    pub fn suffix(&self) -> char {
        match self.unit {
            DurationUnit::Hours => 'h',
            DurationUnit::Days => 'd',
            DurationUnit::Weeks => 'w',
        }
    }
}

/// Optional attributes shared by metrics, funnels and checks.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Attrs {
    pub format: Option<(Format, Span)>,
    pub unit: Option<Ident>,
    pub description: Option<StrLit>,
    pub owner: Option<StrLit>,
    pub review: Option<Review>,
}

/// `[override] metric NAME = EXPR { attrs }`
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: Ident,
    pub span: Span,
    pub expr: Expr,
    pub attrs: Attrs,
    pub is_override: bool,
}

/// Aggregate funnel: `funnel NAME { stage a = expr .. value expr }`
#[derive(Clone, Debug, PartialEq)]
pub struct Funnel {
    pub name: Ident,
    pub span: Span,
    pub stages: Vec<(Ident, Expr)>,
    pub value: Option<Expr>,
    pub attrs: Attrs,
    pub is_override: bool,
}

/// Journey funnel: `funnel NAME over SRC by ENTITY within DUR { step a where p .. }`
#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    pub name: Ident,
    pub span: Span,
    pub over: Ident,
    pub by: Ident,
    pub within: DurationLit,
    pub steps: Vec<(Ident, Expr)>,
    pub attrs: Attrs,
    pub is_override: bool,
}

/// A threshold condition: `when < EXPR`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub span: Span,
    pub op: BinOp,
    pub rhs: Expr,
}

/// `check NAME = EXPR { per .. every .. warn when .. fail when .. }`
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: Ident,
    pub span: Span,
    pub expr: Expr,
    pub per: Vec<Ident>,
    pub every: Option<Ident>,
    pub warn: Option<Condition>,
    pub fail: Option<Condition>,
    pub attrs: Attrs,
    pub is_override: bool,
}

/// `profile NAME { param = value .. }`
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: Ident,
    pub span: Span,
    pub sets: Vec<(Ident, Expr)>,
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number; `text` is the literal as written (`1_000_000`).
    Number {
        value: f64,
        text: String,
    },
    /// `12%`: `value` is 12.0 (the expression's value is 0.12).
    Percent {
        value: f64,
        text: String,
    },
    Str(String),
    Bool(bool),
    Date(jiff::civil::Date),
    Duration(DurationLit),
    /// `name` or `a.b` (funnel member, or `source.column` inside aggregations).
    Name(Vec<Ident>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `x in [a, b]`
    In(Box<Expr>, Vec<Expr>),
    /// A built-in or script function call.
    Call(Ident, Vec<Expr>),
    /// An aggregation over a source.
    Agg(Box<Aggregation>),
    /// `x is null` (`x is not null` when `negated`).
    IsNull(Box<Expr>, bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
    /// Binding power; higher binds tighter (DESIGN section 1).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    CountDistinct,
    Median,
    Percentile,
}

impl AggFunc {
    pub fn parse(s: &str) -> Option<AggFunc> {
        Some(match s {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "count_distinct" => AggFunc::CountDistinct,
            "median" => AggFunc::Median,
            "percentile" => AggFunc::Percentile,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::CountDistinct => "count_distinct",
            AggFunc::Median => "median",
            AggFunc::Percentile => "percentile",
        }
    }
}

/// `func(source[.column][, arg] [where filter])`
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregation {
    pub func: AggFunc,
    pub func_span: Span,
    pub source: Ident,
    pub column: Option<Ident>,
    /// A row expression as the first argument (`sum(orders.qty * orders.unit_price)`),
    /// its columns written `source.column`; `source` is then the one source it reads.
    pub expr: Option<Expr>,
    /// The fraction of `percentile`.
    pub arg: Option<Expr>,
    pub filter: Option<Expr>,
}
