//! The language's words and literal rules, in one place. The fast path
//! ([`super::dsl::fast`]), the pest builder and its errors ([`super::dsl`]) and the
//! tests' generators read them from here; `grammar/kpi.pest`, which cannot import
//! them, is held equal by the tests below.

use super::ast::DurationUnit;

/// Words that start an item (`metric NAME = ..`, `override metric ..`).
pub const ITEM_KEYWORDS: [&str; 11] = [
    "import", "script", "settings", "calendar", "source", "param", "metric", "funnel", "check",
    "profile", "override",
];

/// Words that are never names (the grammar's `keyword` rule): operators and literals.
pub const RESERVED: [&str; 7] = ["and", "or", "not", "in", "where", "true", "false"];

/// Every keyword of the grammar (its `kw_*` rules), items' and entries'.
pub const KEYWORDS: [&str; 52] = [
    "import",
    "script",
    "settings",
    "calendar",
    "source",
    "param",
    "metric",
    "funnel",
    "check",
    "profile",
    "override",
    "required",
    "where",
    "in",
    "every",
    "last",
    "owner",
    "when",
    "by",
    "column",
    "description",
    "dimensions",
    "entity",
    "fail",
    "format",
    "from",
    "holiday",
    "over",
    "per",
    "review",
    "stage",
    "step",
    "time",
    "unit",
    "value",
    "warn",
    "weekend",
    "within",
    "as",
    "delimiter",
    "decimal",
    "thousands",
    "encoding",
    "null",
    "sheet",
    "header",
    "is",
    "key",
    "valid_from",
    "valid_to",
    "lookup",
    "on",
];

/// A name: `[A-Za-z_][A-Za-z0-9_]*`, not a reserved word.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&s)
}

/// The largest amount of a duration literal (`30d`, `2w`, `6h`).
pub const MAX_DURATION: i64 = 1_000_000;

/// The unit of a duration suffix: `d`, `w` or `h`.
pub fn duration_unit(suffix: u8) -> Option<DurationUnit> {
    match suffix {
        b'd' => Some(DurationUnit::Days),
        b'w' => Some(DurationUnit::Weeks),
        b'h' => Some(DurationUnit::Hours),
        _ => None,
    }
}

/// The character an escape `\c` in a string stands for: `\"`, `\\` and `\t` (a tab,
/// for `delimiter "\t"`).
pub fn unescape(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '\\' => Some('\\'),
        't' => Some('\t'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAMMAR: &str = include_str!("../../grammar/kpi.pest");

    /// The grammar's `kw_*` words, in order.
    fn grammar_keywords() -> Vec<&'static str> {
        GRAMMAR
            .lines()
            .filter(|l| l.starts_with("kw_"))
            .filter_map(|l| l.split('"').nth(1))
            .collect()
    }

    #[test]
    fn the_keywords_are_the_grammars() {
        assert_eq!(grammar_keywords(), KEYWORDS.to_vec());
        for k in ITEM_KEYWORDS {
            assert!(KEYWORDS.contains(&k), "{k}");
        }
    }

    #[test]
    fn the_reserved_words_are_the_grammars_keyword_rule() {
        let rule = GRAMMAR
            .lines()
            .find(|l| l.starts_with("keyword"))
            .expect("the grammar's keyword rule");
        let words: Vec<&str> = rule.split('"').skip(1).step_by(2).collect();
        assert_eq!(words, RESERVED.to_vec());
    }

    #[test]
    fn the_duration_units_are_the_grammars() {
        let rule = GRAMMAR
            .lines()
            .find(|l| l.starts_with("duration "))
            .expect("the grammar's duration rule");
        let units: Vec<u8> = rule
            .split('"')
            .skip(1)
            .step_by(2)
            .map(|u| u.as_bytes()[0])
            .collect();
        assert_eq!(units, b"dwh".to_vec());
        for u in units {
            assert!(duration_unit(u).is_some());
        }
        assert_eq!(duration_unit(b'm'), None);
    }

    #[test]
    fn the_escapes_are_the_grammars() {
        // The grammar's string rule admits `\` followed by any character; the builder
        // reports all but these two (E0108).
        assert!(
            GRAMMAR.contains(r#""\\" ~ (!"\n" ~ ANY)"#),
            "string escapes in the grammar"
        );
        assert_eq!(unescape('"'), Some('"'));
        assert_eq!(unescape('\\'), Some('\\'));
        assert_eq!(unescape('n'), None);
    }
}
