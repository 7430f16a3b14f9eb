//! Timestamp parsing for the event-time column.
//!
//! [`TimeParser::parse`] turns an ISO-8601 date or timestamp into *local civil
//! seconds*: seconds since 1970-01-01T00:00:00 on the wall clock of the
//! evaluation's time zone, so `secs.div_euclid(86_400)` is the local day number
//! (see [`super::period`]). Timestamps without an offset are already local and are
//! taken as they are; timestamps with `Z` or an offset are converted into the zone
//! with the real tz database, DST included.
//!
//! The fixed formats are parsed with hand-written byte arithmetic; conversion of
//! offset timestamps asks jiff for the zone's offset only once per stretch of time
//! between two transitions (a small cache of such stretches), so it stays cheap.

use jiff::tz::TimeZone;
use jiff::Timestamp;

#[cfg(test)]
use super::period::day_number;
use super::period::days_in_month;

/// Seconds in a day.
pub const SECS_PER_DAY: i64 = 86_400;

/// A stretch of UTC time `[lo, hi)` over which the zone's offset is constant.
#[derive(Clone, Copy, Debug)]
struct Span {
    lo: i64,
    hi: i64,
    offset: i64,
}

/// How many offset stretches [`TimeParser`] remembers.
const CACHE: usize = 8;

/// Parses timestamps into local civil seconds of one time zone. Keeps a small
/// cache, hence `&mut self`; make one per thread.
#[derive(Clone, Debug)]
pub struct TimeParser {
    tz: TimeZone,
    spans: [Span; CACHE],
    len: usize,
    next: usize,
    last: usize,
    /// The date part of the last `YYYY-MM-DDTHH:MM:SS` seen and its day: rows come
    /// in time order often enough that most rows repeat it.
    last_date: [u8; 10],
    last_day: Option<i32>,
}

impl TimeParser {
    /// A parser that converts offset timestamps into `tz`.
    pub fn new(tz: TimeZone) -> TimeParser {
        let empty = Span {
            lo: 0,
            hi: 0,
            offset: 0,
        };
        TimeParser {
            tz,
            spans: [empty; CACHE],
            len: 0,
            next: 0,
            last: 0,
            last_date: [0; 10],
            last_day: None,
        }
    }

    /// The zone local times are expressed in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Parses `YYYY-MM-DD` (midnight), `YYYY-MM-DDTHH:MM[:SS[.fff]]` (or with a
    /// space instead of `T`) as local time, and the same followed by `Z`,
    /// `+HH:MM`, `-HH:MM`, `+HHMM` or `+HH` as an instant converted into the zone.
    /// Returns local civil seconds since 1970-01-01T00:00:00, or `None` for
    /// anything else (including impossible dates and times such as 2026-02-30 or
    /// 25:00). Fractions of a second are truncated.
    #[inline]
    pub fn parse(&mut self, s: &[u8]) -> Option<i64> {
        let (local, offset) = parse_fixed(s)?;
        match offset {
            None => Some(local),
            Some(off) => self.to_local(local - off),
        }
    }

    /// Like [`TimeParser::parse`], but returns the local day number.
    #[inline]
    pub fn parse_day(&mut self, s: &[u8]) -> Option<i32> {
        if s.len() == 19 && s[..10] == self.last_date && valid_time_19(s) {
            if let Some(day) = self.last_day {
                return Some(day);
            }
        }
        self.parse_new_day(s)
    }

    /// [`TimeParser::parse_day`] of a date other than the last one: out of line,
    /// as consecutive rows of an export mostly share the date.
    #[inline(never)]
    fn parse_new_day(&mut self, s: &[u8]) -> Option<i32> {
        let day = self
            .parse(s)
            .map(|secs| secs.div_euclid(SECS_PER_DAY) as i32)?;
        // Remember the date only for the exact shape `valid_time_19` recognises
        // (no offset: the day is the date as written).
        if s.len() == 19 && valid_time_19(s) {
            self.last_date.copy_from_slice(&s[..10]);
            self.last_day = Some(day);
        }
        Some(day)
    }

    /// [`TimeParser::parse`] of `s`, whose local day (from [`TimeParser::parse_day`])
    /// is `day`: the common shape `YYYY-MM-DDTHH:MM:SS` is then only its time of day.
    #[inline]
    pub fn parse_on(&mut self, s: &[u8], day: i32) -> Option<i64> {
        if s.len() == 19 && valid_time_19(s) {
            if let Some((h, mi, sec)) = parse_hms(s, 11) {
                return Some(i64::from(day) * SECS_PER_DAY + i64::from(h * 3600 + mi * 60 + sec));
            }
        }
        self.parse(s)
    }

    /// Converts UTC seconds since the epoch into local civil seconds in the zone.
    pub fn to_local(&mut self, utc: i64) -> Option<i64> {
        let last = self.spans[self.last];
        if self.len > 0 && last.lo <= utc && utc < last.hi {
            return Some(utc + last.offset);
        }
        for i in 0..self.len {
            let sp = self.spans[i];
            if sp.lo <= utc && utc < sp.hi {
                self.last = i;
                return Some(utc + sp.offset);
            }
        }
        let span = self.lookup(utc)?;
        let slot = self.next;
        self.spans[slot] = span;
        self.next = (slot + 1) % CACHE;
        self.len = (self.len + 1).min(CACHE);
        self.last = slot;
        Some(utc + span.offset)
    }

    /// Asks the tz database for the offset at `utc` and the stretch it holds for.
    #[cold]
    fn lookup(&self, utc: i64) -> Option<Span> {
        let ts = Timestamp::from_second(utc).ok()?;
        let offset = i64::from(self.tz.to_offset(ts).seconds());
        // A transition at exactly `utc` already applies, so look before `utc + 1`.
        let lo = Timestamp::from_second(utc + 1)
            .ok()
            .and_then(|after| self.tz.preceding(after).next())
            .map_or(i64::MIN, |t| t.timestamp().as_second());
        let hi = self
            .tz
            .following(ts)
            .next()
            .map_or(i64::MAX, |t| t.timestamp().as_second());
        Some(Span {
            lo: lo.min(utc),
            hi: hi.max(utc + 1),
            offset,
        })
    }
}

/// The value of ASCII digit `b`, or 10+ for anything else.
#[inline(always)]
fn dig(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

/// Two digits at `s[i..i + 2]`, or `None`.
#[inline(always)]
fn two(s: &[u8], i: usize) -> Option<u32> {
    let a = dig(*s.get(i)?);
    let b = dig(*s.get(i + 1)?);
    (a < 10 && b < 10).then_some(a * 10 + b)
}

/// Each byte below 0x80 and below 10 (after XOR with a digit template).
#[inline(always)]
fn all_below_ten(t: u64) -> bool {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ADD: u64 = 0x7676_7676_7676_7676;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    (((t & LOW7) + ADD) | t) & HIGH == 0
}

/// Eight bytes at `s[i..]` as a little-endian word.
#[inline(always)]
fn word(s: &[u8], i: usize) -> Option<u64> {
    let b = s.get(i..i + 8)?;
    Some(u64::from_le_bytes(b.try_into().unwrap_or([0xFF; 8])))
}

/// `"0000-00-"`: digits XOR `'0'` become their values, the dashes become 0.
const DATE_TEMPLATE: u64 = u64::from_le_bytes(*b"0000-00-");
const DATE_DASHES: u64 = u64::from_le_bytes([0, 0, 0, 0, 0xFF, 0, 0, 0xFF]);
/// `"00:00:00"` and its colons.
const TIME_TEMPLATE: u64 = u64::from_le_bytes(*b"00:00:00");
const TIME_COLONS: u64 = u64::from_le_bytes([0, 0, 0xFF, 0, 0, 0xFF, 0, 0]);

/// Days before each month (March-based year, see [`fast_day_number`]).
const MARCH_DOY: [u32; 12] = [0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337];

/// [`day_number`] for years 0..=9999 in unsigned arithmetic.
#[inline(always)]
fn fast_day_number(y: u32, m: u32, d: u32) -> i32 {
    // Count years from March, and from 400 years earlier to stay unsigned.
    let (yy, mp) = if m <= 2 {
        (y + 399, m + 9)
    } else {
        (y + 400, m - 3)
    };
    let era = yy / 400;
    let yoe = yy - era * 400;
    let doy = MARCH_DOY[mp as usize % 12] + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as i32 - 719_468 - 146_097
}

/// Parses `YYYY-MM-DD` at the start of `s` into a day number.
#[inline(always)]
fn parse_date(s: &[u8]) -> Option<i32> {
    let t = word(s, 0)? ^ DATE_TEMPLATE;
    let (d1, d2) = (dig(*s.get(8)?), dig(*s.get(9)?));
    if !all_below_ten(t) || t & DATE_DASHES != 0 || d1 > 9 || d2 > 9 {
        return None;
    }
    let b = t.to_le_bytes();
    let y = u32::from(b[0]) * 1000 + u32::from(b[1]) * 100 + u32::from(b[2]) * 10 + u32::from(b[3]);
    let m = u32::from(b[5]) * 10 + u32::from(b[6]);
    let d = d1 * 10 + d2;
    if d == 0 || d > days_in_month(y as i32, m) {
        return None;
    }
    Some(fast_day_number(y, m, d))
}

/// `HH:MM:SS` at `s[i..]`, if it is one.
#[inline(always)]
fn parse_hms(s: &[u8], i: usize) -> Option<(u32, u32, u32)> {
    let t = word(s, i)? ^ TIME_TEMPLATE;
    if !all_below_ten(t) || t & TIME_COLONS != 0 {
        return None;
    }
    let b = t.to_le_bytes();
    let v = |k: usize| u32::from(b[k]) * 10 + u32::from(b[k + 1]);
    Some((v(0), v(3), v(6)))
}

/// Whether `s[10..19]` is `THH:MM:SS`, a valid time of day without offset.
#[inline(always)]
fn valid_time_19(s: &[u8]) -> bool {
    s[10] == b'T'
        && matches!(parse_hms(s, 11), Some((h, mi, sec)) if h <= 23 && mi <= 59 && sec <= 59)
}

/// `"00T00:00"` (bytes 8..16 of a timestamp) and its non-digit bytes.
const MID_TEMPLATE: u64 = u64::from_le_bytes(*b"00T00:00");
const MID_SEPS: u64 = u64::from_le_bytes([0, 0, 0xFF, 0, 0, 0xFF, 0, 0]);
/// Days of each month in a common year, indexed 1..=12.
const MONTH_DAYS: [u32; 13] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The common case `YYYY-MM-DDTHH:MM:SS` (exactly), as local seconds; `None`
/// means "not this exact shape or not valid", and the general path decides.
#[inline(always)]
fn parse_19(s: &[u8]) -> Option<i64> {
    let a = word(s, 0)? ^ DATE_TEMPLATE;
    let b = word(s, 8)? ^ MID_TEMPLATE;
    let c = word(s, 11)? ^ TIME_TEMPLATE;
    if !(all_below_ten(a) && all_below_ten(b) && all_below_ten(c))
        || (a & DATE_DASHES) | (b & MID_SEPS) | (c & TIME_COLONS) != 0
    {
        return None;
    }
    let (a, b, c) = (a.to_le_bytes(), b.to_le_bytes(), c.to_le_bytes());
    let two = |x: [u8; 8], k: usize| u32::from(x[k]) * 10 + u32::from(x[k + 1]);
    let y = two(a, 0) * 100 + two(a, 2);
    let (m, d) = (two(a, 5), two(b, 0));
    let (h, mi, sec) = (two(c, 0), two(c, 3), two(c, 6));
    if !(1..=12).contains(&m) || h > 23 || mi > 59 || sec > 59 || d == 0 {
        return None;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if d > MONTH_DAYS[m as usize] + u32::from(m == 2 && leap) {
        return None;
    }
    let day = i64::from(fast_day_number(y, m, d));
    Some(day * SECS_PER_DAY + i64::from(h * 3600 + mi * 60 + sec))
}

/// Parses the fixed formats: local seconds as written, and the UTC offset in
/// seconds if the timestamp carries one.
#[inline]
fn parse_fixed(s: &[u8]) -> Option<(i64, Option<i64>)> {
    if s.len() == 19 {
        if let Some(secs) = parse_19(s) {
            return Some((secs, None));
        }
    }
    let day = i64::from(parse_date(s)?);
    let mut secs = day * SECS_PER_DAY;
    if s.len() == 10 {
        return Some((secs, None));
    }
    if !matches!(s[10], b'T' | b't' | b' ') || s.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi, sec, mut i) = match parse_hms(s, 11) {
        Some((h, mi, sec)) => (h, mi, sec, 19),
        None if s.get(16) == Some(&b':') => (two(s, 11)?, two(s, 14)?, two(s, 17)?, 19),
        None => (two(s, 11)?, two(s, 14)?, 0, 16),
    };
    if i == 19 && matches!(s.get(i), Some(b'.' | b',')) {
        i += 1;
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    // 60 is a leap second: keep it inside its minute.
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    secs += i64::from(h * 3600 + mi * 60 + sec.min(59));
    let offset = match s.get(i) {
        None => return Some((secs, None)),
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = two(s, i + 1)?;
            i += 3;
            let mut om = 0;
            if s.get(i) == Some(&b':') {
                om = two(s, i + 1)?;
                i += 3;
            } else if i < s.len() {
                om = two(s, i)?;
                i += 2;
            }
            if oh > 25 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        Some(_) => return None,
    };
    (i == s.len()).then_some((secs, Some(offset)))
}

/// An event time the engine accepts, rewritten for a warehouse's timestamp input:
/// `YYYY-MM-DD HH:MM:SS` as written (local time), followed by `+HH:MM` when it
/// carries `Z` or an offset (an instant). Fractions are dropped and a leap second
/// kept in its minute, as the engine reads them. `false` (and nothing written)
/// for text the engine does not read as a time.
pub fn canonical_instant(s: &[u8], out: &mut Vec<u8>) -> bool {
    let Some((local, offset)) = parse_fixed(s) else {
        return false;
    };
    let day = local.div_euclid(SECS_PER_DAY);
    let secs = local.rem_euclid(SECS_PER_DAY);
    let (y, m, d) = super::period::civil_from_day(day as i32);
    // Written in place (a `Vec` never fails to take bytes): no string per value.
    use std::io::Write;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if let Some(off) = offset {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        let _ = write!(out, "{sign}{:02}:{:02}", a / 3600, a / 60 % 60);
    }
    true
}

/// Parses a date given on the command line (`YYYY-MM-DD`) into a day number.
pub fn parse_date_arg(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    if b.len() != 10 {
        return None;
    }
    parse_date(b)
}

#[cfg(test)]
mod tests {

    #[test]
    fn parse_on_a_known_day_is_parse() {
        let mut p = TimeParser::new(TimeZone::get("Europe/Amsterdam").unwrap());
        for s in [
            "2026-03-29T02:30:00",
            "2026-03-28T22:59:59Z",
            "2026-03-29 01:30:00",
            "2026-03-29T23:59:59",
            "2026-03-29",
            "2026-03-29T01:30:00+05:00",
        ] {
            let day = p.parse_day(s.as_bytes()).unwrap();
            assert_eq!(p.parse_on(s.as_bytes(), day), p.parse(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn canonical_instants_for_warehouses() {
        let c = |s: &str| {
            let mut out = Vec::new();
            canonical_instant(s.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(c("2026-01-05").as_deref(), Some("2026-01-05 00:00:00"));
        assert_eq!(
            c("2026-01-05T04:30:00").as_deref(),
            Some("2026-01-05 04:30:00")
        );
        assert_eq!(
            c("2026-01-05t04:30:00z").as_deref(),
            Some("2026-01-05 04:30:00+00:00")
        );
        assert_eq!(
            c("2026-01-05 04:30Z").as_deref(),
            Some("2026-01-05 04:30:00+00:00")
        );
        assert_eq!(
            c("2026-01-05T04:59:59,5Z").as_deref(),
            Some("2026-01-05 04:59:59+00:00")
        );
        assert_eq!(
            c("2026-01-05T23:59:60Z").as_deref(),
            Some("2026-01-05 23:59:59+00:00")
        );
        assert_eq!(
            c("2026-01-05T04:30:00.125-0330").as_deref(),
            Some("2026-01-05 04:30:00-03:30")
        );
        assert_eq!(
            c("2026-01-05T04:30:00+05").as_deref(),
            Some("2026-01-05 04:30:00+05:00")
        );
        assert_eq!(c("2026-02-30"), None);
        assert_eq!(c("yesterday"), None);
    }
    use super::*;

    fn ams() -> TimeParser {
        TimeParser::new(TimeZone::get("Europe/Amsterdam").unwrap())
    }

    fn secs(y: i32, m: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
        i64::from(day_number(y, m, d)) * SECS_PER_DAY + h * 3600 + mi * 60 + s
    }

    #[test]
    fn local_formats() {
        let mut p = TimeParser::new(TimeZone::UTC);
        let want = secs(2026, 1, 5, 9, 30, 15);
        assert_eq!(p.parse(b"2026-01-05T09:30:15"), Some(want));
        assert_eq!(p.parse(b"2026-01-05 09:30:15"), Some(want));
        assert_eq!(p.parse(b"2026-01-05T09:30:15.999"), Some(want));
        assert_eq!(p.parse(b"2026-01-05T09:30"), Some(want - 15));
        assert_eq!(p.parse(b"2026-01-05"), Some(secs(2026, 1, 5, 0, 0, 0)));
        assert_eq!(p.parse(b"2026-01-05T09:30:15,5+00:00"), Some(want));
        assert_eq!(
            p.parse(b"0000-01-01"),
            Some(i64::from(day_number(0, 1, 1)) * SECS_PER_DAY)
        );
        assert_eq!(
            p.parse(b"9999-12-31T23:59:59"),
            Some(secs(9999, 12, 31, 23, 59, 59))
        );
        assert_eq!(p.parse(b"1969-12-31T23:59:59"), Some(-1));
        assert_eq!(p.parse(b"2024-02-29"), Some(secs(2024, 2, 29, 0, 0, 0)));
    }

    #[test]
    fn invalid() {
        let mut p = ams();
        for s in [
            "",
            "2026",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-05T25:00:00",
            "2026-01-05T24:00:00",
            "2026-01-05T12:60:00",
            "2026-01-05T12:00:61",
            "2026-01-05X12:00:00",
            "2026-01-05T12:00:00.",
            "2026-01-05T12:00:00+",
            "2026-01-05T12:00:00+1",
            "2026-01-05T12:00:00+01:0",
            "2026-01-05T12:00:00Zx",
            "2026-01-05T12",
            "2026-01-05T1:00:00",
            "garbage!!!!",
            "2026-1-05",
            "+026-01-05",
            "2026-01-05 ",
            "２０２６-01-05",
            "2026-01-05T09:30.5",
            "2026-01-05T09:30:1",
            "2026-01-05T09-30-15",
            "2026/01/05",
            "2026-01-0a",
            "2026-01-05T09:30:15\u{0}",
        ] {
            assert_eq!(p.parse(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn offsets_and_dst() {
        let mut p = ams();
        // Winter: UTC+1.
        assert_eq!(
            p.parse(b"2026-01-05T08:00:00Z"),
            Some(secs(2026, 1, 5, 9, 0, 0))
        );
        assert_eq!(
            p.parse(b"2026-01-05T10:00:00+02:00"),
            Some(secs(2026, 1, 5, 9, 0, 0))
        );
        assert_eq!(
            p.parse(b"2026-01-05T03:00:00-0500"),
            Some(secs(2026, 1, 5, 9, 0, 0))
        );
        assert_eq!(
            p.parse(b"2026-01-05T03:00:00-05"),
            Some(secs(2026, 1, 5, 9, 0, 0))
        );
        // Spring forward at 01:00 UTC on 2026-03-29.
        assert_eq!(
            p.parse(b"2026-03-29T00:59:59Z"),
            Some(secs(2026, 3, 29, 1, 59, 59))
        );
        assert_eq!(
            p.parse(b"2026-03-29T01:00:00Z"),
            Some(secs(2026, 3, 29, 3, 0, 0))
        );
        assert_eq!(
            p.parse(b"2026-03-29T01:30:00Z"),
            Some(secs(2026, 3, 29, 3, 30, 0))
        );
        // Fall back at 01:00 UTC on 2026-10-25.
        assert_eq!(
            p.parse(b"2026-10-25T00:30:00Z"),
            Some(secs(2026, 10, 25, 2, 30, 0))
        );
        assert_eq!(
            p.parse(b"2026-10-25T01:30:00Z"),
            Some(secs(2026, 10, 25, 2, 30, 0))
        );
        // Crossing midnight into the next local day.
        assert_eq!(
            p.parse_day(b"2026-07-01T22:30:00Z"),
            Some(day_number(2026, 7, 2))
        );
        assert_eq!(
            p.parse_day(b"2026-12-31T23:30:00Z"),
            Some(day_number(2027, 1, 1))
        );
        // Cached stretches stay right when going back and forth.
        for _ in 0..3 {
            assert_eq!(
                p.parse(b"2026-03-29T00:59:59Z"),
                Some(secs(2026, 3, 29, 1, 59, 59))
            );
            assert_eq!(
                p.parse(b"2026-03-29T01:00:00Z"),
                Some(secs(2026, 3, 29, 3, 0, 0))
            );
            assert_eq!(
                p.parse(b"2026-10-25T01:00:00Z"),
                Some(secs(2026, 10, 25, 2, 0, 0))
            );
            assert_eq!(
                p.parse(b"2026-10-25T00:59:59Z"),
                Some(secs(2026, 10, 25, 2, 59, 59))
            );
        }
    }

    #[test]
    fn against_jiff() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let mut p = TimeParser::new(tz.clone());
        let mut x: u64 = 12345;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let utc = (x >> 20) as i64 % (4_000_000_000) - 1_000_000_000;
            let ts = Timestamp::from_second(utc).unwrap();
            let dt = tz.to_datetime(ts);
            let want = i64::from(day_number(
                i32::from(dt.year()),
                dt.month() as u32,
                dt.day() as u32,
            )) * SECS_PER_DAY
                + i64::from(dt.hour()) * 3600
                + i64::from(dt.minute()) * 60
                + i64::from(dt.second());
            assert_eq!(p.to_local(utc), Some(want), "{ts}");
        }
    }

    #[test]
    fn fast_day_numbers() {
        for day in super::super::period::MIN_DAY..=super::super::period::MAX_DAY {
            let (y, m, d) = super::super::period::civil_from_day(day);
            assert_eq!(fast_day_number(y as u32, m, d), day);
        }
    }

    #[test]
    fn date_args() {
        assert_eq!(parse_date_arg("2026-01-05"), Some(day_number(2026, 1, 5)));
        assert_eq!(parse_date_arg("2026-02-29"), None);
        assert_eq!(parse_date_arg("2026-01-05T00:00:00"), None);
    }
}
