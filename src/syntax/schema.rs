//! JSON Schema of the YAML form, built from the key tables the YAML front-end
//! validates against (`yaml::keys`), so the schema and the parser cannot disagree on
//! which keys exist. For editors (yaml-language-server) and CI.

use serde_json::{json, Map, Value};

use super::yaml::keys;

/// Description and JSON type of every key of the YAML form.
fn key_schema(section: &str, key: &str) -> Value {
    let expr = |d: &str| json!({"description": d, "type": ["string", "number", "boolean"]});
    let s = |d: &str| json!({"description": d, "type": "string"});
    let names = |d: &str| json!({"description": d, "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]});
    let review = json!({
        "description": "When the definition was last reviewed and how often it must be: `{every: quarter, last: 2026-09-30, owner: sales-ops}`",
        "type": "object",
        "additionalProperties": false,
        "required": ["every", "last"],
        "properties": {
            "every": {"description": "A grain (day, week, month, quarter, year) or a duration (90d, 2w)", "type": "string"},
            "last": {"description": "Date of the last review (YYYY-MM-DD)", "type": ["string"], "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
            "owner": {"description": "Who reviews it", "type": "string"}
        }
    });
    match (section, key) {
        (_, "review") => review,
        (_, "format") => json!({"description": "Display format", "enum": ["count", "number", "percent", "currency", "duration"]}),
        (_, "unit") => s("Declared unit (`EUR`, `calls`, ..); checked against the unit the formula computes"),
        (_, "description") => s("What the definition means"),
        (_, "owner") => s("Who owns the definition"),
        (_, "override") => json!({"description": "Replace an imported definition of the same name on purpose", "type": "boolean"}),
        ("settings", "timezone") => s("IANA time zone periods are cut in (default UTC)"),
        ("settings", "week_start") => json!({"description": "First day of the week (ISO weeks: monday)", "enum": ["monday"]}),
        ("settings", "currency") => s("Unit of sums of decimal columns (EUR, USD, ..)"),
        ("settings", "locale") => json!({"description": "How numbers are written for people (tables, Markdown, the HTML report; default en)", "enum": ["en", "en-US", "en-GB", "nl-NL", "de-DE", "fr-FR"]}),
        ("settings", "calendar") => s("Name of the calendar `workdays` uses"),
        ("settings", "review_required") => json!({"description": "List definitions without a review rule as unreviewed", "type": "boolean"}),
        ("calendar", "weekend") => json!({"description": "Weekend days", "type": "array", "items": {"enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]}}),
        ("calendar", "holidays") => json!({"description": "Holidays (YYYY-MM-DD)", "type": "array", "items": {"type": "string"}}),
        ("source", "from") => s("Default data file (.csv .tsv .txt .ndjson .jsonl .parquet .xlsx, each optionally .gz or .zst), relative to this file"),
        ("source", "time") => json!({"description": "The event-time column (ISO-8601 date or timestamp), or `{column, format}` with a strftime pattern (`%d-%m-%Y %H:%M`)", "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": false, "required": ["column"], "properties": {"column": {"type": "string"}, "format": {"type": "string"}}}]}),
        ("source", "delimiter") => s("CSV field separator (default `,`; a tab for .tsv)"),
        ("source", "decimal") => json!({"description": "Decimal separator of numbers (default `.`)", "enum": [".", ","]}),
        ("source", "thousands") => json!({"description": "Grouping separator ignored inside numbers", "enum": [".", ",", "'", "_", " "]}),
        ("source", "encoding") => s("The file's encoding, any WHATWG label (default utf-8; windows-1252, iso-8859-15, utf-16le, ..)"),
        ("source", "null") => json!({"description": "Cell texts that mean no value (default: the empty cell)", "oneOf": [{"type": "array", "items": {"type": ["string", "null"]}}, {"type": "string"}]}),
        ("source", "sheet") => s("The xlsx sheet (default: the first)"),
        ("source", "header") => json!({"description": "The line (CSV) or row (xlsx) of the header (default 1)", "type": "integer", "minimum": 1}),
        ("source", "dimensions") => names("Columns results can be grouped by (--by)"),
        ("source", "entity") => s("The key journey funnels follow (an account, a lead)"),
        ("source", "key") => s("Makes the source a lookup (a dimension table, no `time`) keyed by this column"),
        ("source", "valid_from") => s("A lookup row's first valid day (a date column; empty: always)"),
        ("source", "valid_to") => s("The day a lookup row stops being valid (a date column; empty: still valid)"),
        ("source", "lookup") => json!({"description": "Lookups whose dimensions this source gains: a name, `{source, on}` (the fact column with the key), or a list of them", "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": false, "required": ["source"], "properties": {"source": {"type": "string"}, "on": {"type": "string"}}}, {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": false, "required": ["source"], "properties": {"source": {"type": "string"}, "on": {"type": "string"}}}]}}]}),
        ("source", "columns") => json!({"description": "Column type hints, and names for odd headers: `amount: {header: Deal Amount, type: decimal}`", "type": "object", "additionalProperties": {"oneOf": [{"enum": ["string", "int", "decimal", "bool", "timestamp", "date"]}, {"type": "object", "additionalProperties": false, "properties": {"header": {"type": "string"}, "type": {"enum": ["string", "int", "decimal", "bool", "timestamp", "date"]}, "expr": {"type": "string", "description": "A derived column computed per row: `qty * unit_price`"}}}]}}),
        ("param", "value") => expr("The param's value"),
        ("param", "required") => json!({"description": "No value here: importers, profiles or --set must give one", "type": "boolean"}),
        ("metric", "value") => expr("The formula, e.g. `won_deals / opportunities` or `count(activities where type == \"call\")`"),
        ("funnel", "stages") => json!({"description": "Stages, first first: a list of `- name: expression`", "type": "array", "items": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": ["string", "number"]}}}),
        ("funnel", "value") => expr("Average value of the last stage (e.g. avg_deal_size): `F.total` = first stage x rates x value"),
        ("journey", "over") => s("The source whose rows the journey follows"),
        ("journey", "by") => s("The entity column (an account)"),
        ("journey", "within") => s("Each step must follow the previous within this duration (30d, 2w, 6h)"),
        ("journey", "steps") => json!({"description": "Steps, first first: a list of `- name: filter`", "type": "array", "items": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": "string"}}}),
        ("check", "value") => expr("The checked value, e.g. `calls / workdays`"),
        ("check", "per") => names("The groups checked (e.g. rep)"),
        ("check", "every") => json!({"description": "The review cadence", "enum": ["day", "week", "month", "quarter", "year"]}),
        ("check", "warn") => s("Warn condition: `< threshold` (quote conditions starting with `>` or `!`)"),
        ("check", "fail") => s("Fail condition: `< 0.5 * target`"),
        _ => json!({"description": format!("`{key}`")}),
    }
}

fn object(section: &str, keys: &[&str], required: &[&str]) -> Value {
    let props: Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), key_schema(section, k)))
        .collect();
    json!({"type": "object", "additionalProperties": false, "properties": props, "required": required})
}

/// The JSON Schema (draft 2020-12) of a YAML definitions file.
pub fn schema() -> Value {
    let named =
        |v: Value, d: &str| json!({"description": d, "type": "object", "additionalProperties": v});
    let expr_or = |obj: Value, d: &str| json!({"description": d, "oneOf": [{"type": ["string", "number", "boolean"]}, obj]});
    let funnel = json!({"oneOf": [object("funnel", keys::FUNNEL, &["stages"]), object("journey", keys::JOURNEY, &["over", "by", "within", "steps"])]});
    let list = |d: &str| json!({"description": d, "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]});
    let mut props = Map::new();
    for k in keys::TOP {
        let v = match *k {
            "imports" => list("Definition files to import, relative to this file"),
            "scripts" => list("Rhai scripts whose functions expressions may call"),
            "settings" => object("settings", keys::SETTINGS, &[]),
            "calendars" => named(
                object("calendar", keys::CALENDAR, &[]),
                "Working-day calendars by name",
            ),
            "sources" => named(object("source", keys::SOURCE, &[]), "Data sources by name"),
            "params" => named(
                expr_or(
                    object("param", keys::PARAM, &[]),
                    "A value, `required`, or {value, required, override}",
                ),
                "Params by name (overridable with --set and profiles)",
            ),
            "metrics" => named(
                expr_or(
                    object("metric", keys::METRIC, &["value"]),
                    "A formula, or {value, format, unit, ..}",
                ),
                "Metrics by name, in order",
            ),
            "funnels" => named(
                funnel.clone(),
                "Funnels by name: aggregate (stages, value) or journey (over, by, within, steps)",
            ),
            "checks" => named(
                object("check", keys::CHECK, &["value", "every"]),
                "Checks by name",
            ),
            "profiles" => named(
                json!({"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}),
                "Named sets of param values (--profile)",
            ),
            other => json!({"description": other}),
        };
        props.insert(k.to_string(), v);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kpi.dev/schema/definitions.json",
        "title": "kpi definitions (YAML form)",
        "description": "Metrics, funnels, checks and review rules for the kpi rules engine",
        "type": ["object", "null"],
        "additionalProperties": false,
        "properties": props
    })
}
