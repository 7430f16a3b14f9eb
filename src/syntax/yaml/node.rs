//! The YAML document as a generic, order-preserving tree of spanned nodes.
//!
//! Every node is a [`Spanned`] so the builder knows the line, column and byte range of
//! each key and scalar. Mappings keep their entries in document order and keep
//! duplicate keys (the builder decides what a duplicate means). Loading is bounded by
//! the limits below, so no input can make it recurse deeply or allocate without end.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{
    Budget, DuplicateKeyPolicy, Error, MessageFormatter, NonFiniteFloatPolicy, Options, Spanned,
};

/// Deepest nesting of YAML collections accepted; the definitions need about six.
pub const MAX_DEPTH: usize = 32;
/// Most YAML nodes (scalars, lists, mappings) in one file, aliases expanded.
pub const MAX_NODES: usize = 200_000;
/// Most parser events in one file, aliases expanded.
const MAX_EVENTS: usize = 2 * MAX_NODES;
/// Most events replayed through aliases in one file (alias bombs).
const MAX_REPLAYED_EVENTS: usize = 100_000;
/// Most anchors and aliases in one file.
const MAX_ALIASES: usize = 10_000;
/// Most bytes of scalar text in one file.
const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;

/// A node with the location of its text (`defined` is where the text is; for an
/// alias, that is the anchored node).
pub type SNode = Spanned<Node>;

/// One YAML node, as implicit typing (YAML 1.2 core schema) resolved it.
#[derive(Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<SNode>),
    /// Entries in document order; duplicates are kept.
    Map(Vec<(SNode, SNode)>),
}

impl Node {
    /// How the node is described in "expected .., found .." messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_char<E>(self, v: char) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Node, A::Error> {
        Err(de::Error::custom("unsupported YAML value"))
    }
}

/// The parser options: YAML 1.2 booleans only (`yes`, `no`, `on`, `y` stay strings, so
/// they can be names), duplicate keys kept for the builder, and every budget explicit.
pub(crate) fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_events = MAX_EVENTS;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_recorded_anchor_events = MAX_REPLAYED_EVENTS;
    budget.max_total_scalar_bytes = MAX_SCALAR_BYTES;
    budget.max_documents = 2;
    let mut o = Options::default();
    o.budget = Some(budget);
    o.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    o.alias_limits.max_replay_stack_depth = MAX_DEPTH;
    o.strict_booleans = true;
    o.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    o.with_snippet = false;
    // `.inf`, `.nan`, `1e999` reach the builder, which reports them where they are.
    o.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    o
}

/// Parse the YAML text into a tree (an empty document is [`Node::Null`]).
pub fn load(text: &str) -> Result<SNode, Box<Error>> {
    serde_saphyr::from_str_with_options::<SNode>(text, options()).map_err(Box::new)
}

/// A YAML error as a message, a hint, and its 1-based line and column (if known).
pub struct YamlProblem {
    pub message: String,
    pub help: Option<String>,
    pub location: Option<serde_saphyr::Location>,
}

/// Describe a parser error for a diagnostic.
pub fn describe_error(err: &Error) -> YamlProblem {
    let location = err.location().filter(|l| l.line() > 0);
    let mut inner = err;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = inner {
        inner = error;
    }
    let (message, help) = match inner {
        Error::MultipleDocuments { .. } => (
            "a definitions file holds one YAML document".to_string(),
            Some("remove the `---` separator, or split the documents into files".to_string()),
        ),
        Error::Budget { breach, .. } => budget_message(breach),
        other => {
            let text = serde_saphyr::DefaultMessageFormatter.format_message(other);
            (format!("invalid YAML: {}", sanitize(&text)), None)
        }
    };
    YamlProblem {
        message,
        help,
        location,
    }
}

fn budget_message(breach: &BudgetBreach) -> (String, Option<String>) {
    let (what, help) = match breach {
        BudgetBreach::Depth { .. } => (
            "the YAML is nested too deeply".to_string(),
            format!("at most {MAX_DEPTH} levels of nested lists and mappings are allowed"),
        ),
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => (
            "the YAML document is too large".to_string(),
            format!("at most {MAX_NODES} YAML nodes (aliases expanded) are allowed"),
        ),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => (
            "the YAML uses too many anchors or aliases".to_string(),
            format!(
                "at most {MAX_ALIASES} anchors and aliases, each expanding to at most {MAX_REPLAYED_EVENTS} nodes, are allowed"
            ),
        ),
        BudgetBreach::ScalarBytes { .. } => (
            "the YAML holds too much text".to_string(),
            format!("at most {MAX_SCALAR_BYTES} bytes of scalar text are allowed"),
        ),
        other => (
            format!(
                "the YAML exceeds a parser limit ({})",
                sanitize(&format!("{other:?}"))
            ),
            "simplify the document: fewer aliases, less nesting, fewer nodes".to_string(),
        ),
    };
    (what, Some(help))
}

/// Parser messages may quote input; keep control characters out of the terminal.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
