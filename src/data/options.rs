//! How a source's file is read (DESIGN 5.1): the checked form of its reading
//! entries (`delimiter`, `decimal`, `null`, `header`, ..), the file's format and
//! compression from its name, and the checks the compiler runs on each entry.

use std::path::Path;

/// How to read one source's file. The default reads a clean ISO CSV/NDJSON.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash)]
pub struct ReadOptions {
    /// CSV field separator (default `,`; a tab for `.tsv`).
    pub delimiter: Option<u8>,
    /// Decimal separator of numbers (default `.`).
    pub decimal: Option<u8>,
    /// Grouping separator ignored inside numbers.
    pub thousands: Option<u8>,
    /// The WHATWG name of the file's encoding (default UTF-8).
    pub encoding: Option<&'static str>,
    /// Cell texts that mean "no value" (default: the empty cell only).
    pub null: Option<Vec<String>>,
    /// The xlsx sheet (default: the first).
    pub sheet: Option<String>,
    /// 1-based line (CSV) or row (xlsx) of the header (default 1).
    pub header: Option<u64>,
    /// strftime-style pattern of the time column.
    pub time_format: Option<String>,
    /// `(header in the file, name in the definitions)` for each `column "X" as y`.
    pub renames: Vec<(String, String)>,
}

impl ReadOptions {
    /// Whether the raw fields need rewriting before the engine sees them (null
    /// markers, a decimal comma, grouping separators, a time pattern).
    pub fn rewrites_fields(&self) -> bool {
        self.null.is_some()
            || self.decimal.is_some_and(|d| d != b'.')
            || self.thousands.is_some()
            || self.time_format.is_some()
    }

    /// The decoder of the file's bytes, unless they are UTF-8.
    pub fn encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        let e = encoding_rs::Encoding::for_label(self.encoding?.as_bytes())?;
        (e != encoding_rs::UTF_8).then_some(e)
    }

    /// The file's column names with the renames applied.
    pub fn rename(&self, names: &mut [String]) {
        for n in names.iter_mut() {
            if let Some((_, to)) = self
                .renames
                .iter()
                .find(|(from, _)| from == n || from.trim() == n.trim())
            {
                *n = to.clone();
            }
        }
    }
}

impl ReadOptions {
    /// Each entry as the language writes it (`delimiter ";"`, `column "Deal
    /// Amount" as amount`, ..), for `kpi explain` and `kpi diff`.
    pub fn entries(&self) -> Vec<String> {
        let q = |s: &str| crate::syntax::format::quote(s);
        let ch = |b: u8| q(&(b as char).to_string());
        let mut e = Vec::new();
        if let Some(d) = self.delimiter {
            e.push(format!("delimiter {}", ch(d)));
        }
        if let Some(d) = self.decimal {
            e.push(format!("decimal {}", ch(d)));
        }
        if let Some(t) = self.thousands {
            e.push(format!("thousands {}", ch(t)));
        }
        if let Some(enc) = self.encoding {
            e.push(format!("encoding {}", q(&enc.to_ascii_lowercase())));
        }
        if let Some(n) = &self.null {
            let list: Vec<String> = n.iter().map(|m| q(m)).collect();
            e.push(format!("null {}", list.join(", ")));
        }
        if let Some(s) = &self.sheet {
            e.push(format!("sheet {}", q(s)));
        }
        if let Some(h) = self.header {
            e.push(format!("header {h}"));
        }
        if let Some(f) = &self.time_format {
            e.push(format!("time format {}", q(f)));
        }
        for (from, to) in &self.renames {
            e.push(format!("column {} as {to}", q(from)));
        }
        e
    }
}

/// How a file is compressed, from its last extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn of(path: &Path) -> Compression {
        match ext(path).as_deref() {
            Some("gz" | "gzip") => Compression::Gzip,
            Some("zst" | "zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

fn ext(path: &Path) -> Option<String> {
    Some(path.extension()?.to_str()?.to_ascii_lowercase())
}

/// The file's extension that names its format: `deals.csv.gz` -> `csv`.
pub fn format_extension(path: &Path) -> Option<String> {
    match Compression::of(path) {
        Compression::None => ext(path),
        _ => ext(Path::new(path.file_stem()?)),
    }
}

/// One ASCII character that can separate CSV fields.
pub fn check_delimiter(s: &str) -> Result<u8, String> {
    match s.as_bytes() {
        [b'"'] => Err("the quote `\"` cannot separate fields".into()),
        [b'\n' | b'\r'] => Err("a line break cannot separate fields".into()),
        [b] if b.is_ascii() => Ok(*b),
        _ if s == "tab" || s == "\\t" => Ok(b'\t'),
        _ => Err(format!(
            "a delimiter is one character, not `{}`",
            s.escape_default()
        )),
    }
}

/// The decimal separator: `.` or `,`.
pub fn check_decimal(s: &str) -> Result<u8, String> {
    match s {
        "." => Ok(b'.'),
        "," => Ok(b','),
        _ => Err(format!("a decimal separator is `.` or `,`, not `{s}`")),
    }
}

/// The grouping separator: `.`, `,`, `'`, `_` or a space.
pub fn check_thousands(s: &str) -> Result<u8, String> {
    match s.as_bytes() {
        [b @ (b'.' | b',' | b'\'' | b'_' | b' ')] => Ok(*b),
        _ => Err(format!(
            "a thousands separator is one of `.` `,` `'` `_` or a space, not `{s}`"
        )),
    }
}

/// The WHATWG name of an encoding label (`latin1` -> `windows-1252`).
pub fn check_encoding(s: &str) -> Result<&'static str, String> {
    match encoding_rs::Encoding::for_label(s.trim().as_bytes()) {
        Some(e) if e == encoding_rs::REPLACEMENT => {
            Err(format!("`{s}` is not an encoding a file can be read in"))
        }
        Some(e) => Ok(e.name()),
        None => Err(format!("unknown encoding `{s}`")),
    }
}

/// The labels suggested for an unknown encoding.
pub const COMMON_ENCODINGS: [&str; 8] = [
    "utf-8",
    "windows-1252",
    "iso-8859-1",
    "iso-8859-15",
    "utf-16le",
    "utf-16be",
    "shift_jis",
    "windows-1250",
];

/// A header line/row: a whole number from 1.
pub fn check_header(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "the header is a line number from 1 to 1000000, not `{s}`"
        )),
    }
}

/// A strftime-style time pattern that jiff can read times with.
pub fn check_time_format(s: &str) -> Result<(), String> {
    if !s.contains('%') {
        return Err(format!("`{s}` has no `%` field (e.g. `%d-%m-%Y %H:%M`)"));
    }
    let probe = jiff::civil::date(2026, 1, 5).at(9, 30, 0, 0);
    let zoned = probe
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map_err(|e| e.to_string())?;
    jiff::fmt::strtime::format(s, &zoned)
        .map(|_| ())
        .map_err(|e| format!("the pattern `{s}` does not parse: {e}"))
}

/// Texts that exports write for "no value".
pub const NULL_MARKERS: [&str; 11] = [
    "NA", "N/A", "n/a", "NULL", "null", "Null", "None", "-", "#N/A", "NaN", "nan",
];

/// The fix a bad field suggests, if one is guessable: a null marker suggests
/// `null`, a number with a decimal comma (in a number column) `decimal ","`.
pub fn field_hint(text: &str, number: bool) -> Option<String> {
    let t = text.trim();
    if NULL_MARKERS.contains(&t) {
        return Some(format!(
            "if `{t}` means no value, add `null \"{}\"` to the source",
            t.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    if number && looks_decimal_comma(t) {
        let thousands = if t.contains('.') {
            " and `thousands \".\"`"
        } else {
            ""
        };
        return Some(format!(
            "if the file writes decimal commas, add `decimal \",\"`{thousands} to the source"
        ));
    }
    None
}

/// `1.234,56`, `12,5`, `-0,05`: digits with one comma followed by 1-2 or 4+
/// digits (three could be a thousands comma).
fn looks_decimal_comma(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    let Some((int, frac)) = t.rsplit_once(',') else {
        return false;
    };
    !int.is_empty()
        && !frac.is_empty()
        && frac.len() != 3
        && frac.bytes().all(|b| b.is_ascii_digit())
        && int.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The time patterns tried on a time that is not ISO, day-first before
/// month-first (a value with a day above 12 tells them apart).
pub const TIME_FORMATS: [&str; 18] = [
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
];

/// The first of [`TIME_FORMATS`] that reads every sample.
pub fn guess_time_format(samples: &[&str]) -> Option<&'static str> {
    if samples.is_empty() {
        return None;
    }
    TIME_FORMATS.into_iter().find(|f| {
        samples
            .iter()
            .all(|s| jiff::fmt::strtime::parse(f, s.trim()).is_ok_and(|t| t.to_date().is_ok()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_checked() {
        assert_eq!(check_delimiter(";"), Ok(b';'));
        assert_eq!(check_delimiter("\t"), Ok(b'\t'));
        assert_eq!(check_delimiter("tab"), Ok(b'\t'));
        assert!(check_delimiter(";;").is_err());
        assert!(check_delimiter("\"").is_err());
        assert_eq!(check_decimal(","), Ok(b','));
        assert!(check_decimal(";").is_err());
        assert_eq!(check_thousands("."), Ok(b'.'));
        assert_eq!(check_encoding("latin1"), Ok("windows-1252"));
        assert_eq!(check_encoding("UTF8"), Ok("UTF-8"));
        assert!(check_encoding("klingon").is_err());
        assert_eq!(check_header("3"), Ok(3));
        assert!(check_header("0").is_err());
        assert!(check_header("2.5").is_err());
        assert!(check_time_format("%d-%m-%Y %H:%M").is_ok());
        assert!(check_time_format("%d-%!").is_err());
        assert!(check_time_format("dd-mm-yyyy").is_err());
    }

    #[test]
    fn hints_for_bad_fields() {
        assert!(field_hint("NA", true)
            .unwrap()
            .contains("add `null \"NA\"`"));
        let h = field_hint("1.234,56", true).unwrap();
        assert!(h.contains("`decimal \",\"` and `thousands \".\"`"), "{h}");
        assert!(field_hint("12,5", true)
            .unwrap()
            .contains("`decimal \",\"` to"));
        assert_eq!(field_hint("1,234", true), None);
        assert_eq!(field_hint("12,5", false), None);
        assert_eq!(field_hint("abc", true), None);
    }

    #[test]
    fn time_formats_are_guessed() {
        assert_eq!(
            guess_time_format(&["05-01-2026 09:00"]),
            Some("%d-%m-%Y %H:%M")
        );
        assert_eq!(
            guess_time_format(&["01/05/2026", "01/13/2026"]),
            Some("%m/%d/%Y")
        );
        assert_eq!(guess_time_format(&["13/01/2026"]), Some("%d/%m/%Y"));
        assert_eq!(
            guess_time_format(&["1/5/2026 9:05 PM"]),
            Some("%m/%d/%Y %I:%M %p")
        );
        assert_eq!(guess_time_format(&["soon"]), None);
    }

    #[test]
    fn the_format_follows_the_name() {
        assert_eq!(
            format_extension(Path::new("a/deals.CSV.gz")).as_deref(),
            Some("csv")
        );
        assert_eq!(
            Compression::of(Path::new("deals.csv.zst")),
            Compression::Zstd
        );
        assert_eq!(
            format_extension(Path::new("deals.parquet")).as_deref(),
            Some("parquet")
        );
    }
}
