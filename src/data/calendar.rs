//! Working-day calendars: which weekdays are weekend, which dates are holidays,
//! and how many working days a range of days holds (the `workdays` built-in).

use jiff::civil::Weekday;

use super::period::weekday_index;

/// A working-day calendar over day numbers (see [`super::period`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Indexed Monday = 0 .. Sunday = 6.
    weekend: [bool; 7],
    /// Sorted, deduplicated holidays that fall on a non-weekend day (a holiday
    /// on a weekend day takes no working day away).
    holidays: Vec<i32>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::default_mon_fri()
    }
}

impl WorkCalendar {
    /// A calendar with the given weekend days and holidays (day numbers, any
    /// order, duplicates allowed).
    pub fn new(weekend_days: &[Weekday], holidays: &[i32]) -> Self {
        let mut weekend = [false; 7];
        for wd in weekend_days {
            weekend[wd.to_monday_zero_offset() as usize] = true;
        }
        let mut holidays: Vec<i32> = holidays
            .iter()
            .copied()
            .filter(|&d| !weekend[weekday_index(d)])
            .collect();
        holidays.sort_unstable();
        holidays.dedup();
        WorkCalendar { weekend, holidays }
    }

    /// Monday to Friday, no holidays.
    pub fn default_mon_fri() -> Self {
        WorkCalendar::new(&[Weekday::Saturday, Weekday::Sunday], &[])
    }

    /// Whether `day` is a working day.
    pub fn is_workday(&self, day: i32) -> bool {
        !self.weekend[weekday_index(day)] && self.holidays.binary_search(&day).is_err()
    }

    /// Whether `day` is one of the calendar's holidays (on a working weekday).
    pub fn is_holiday(&self, day: i32) -> bool {
        self.holidays.binary_search(&day).is_ok()
    }

    /// Working days from `from_day` to `to_day`, both inclusive; 0 if
    /// `from_day > to_day`. Constant time in the length of the range (whole
    /// weeks are counted at once) plus two binary searches over the holidays.
    pub fn workdays(&self, from_day: i32, to_day: i32) -> i64 {
        if from_day > to_day {
            return 0;
        }
        let per_week = self.weekend.iter().filter(|&&w| !w).count() as i64;
        let len = i64::from(to_day) - i64::from(from_day) + 1;
        let mut count = len / 7 * per_week;
        let rest = (len % 7) as usize;
        let first = weekday_index(from_day);
        for k in 0..rest {
            if !self.weekend[(first + k) % 7] {
                count += 1;
            }
        }
        let lo = self.holidays.partition_point(|&h| h < from_day);
        let hi = self.holidays.partition_point(|&h| h <= to_day);
        count - (hi - lo) as i64
    }

    /// Parses a lower-case English weekday name; see [`weekday_from_name`].
    pub fn weekday_from_name(s: &str) -> Option<Weekday> {
        weekday_from_name(s)
    }

    /// Calendar days from `from_day` to `to_day`, both inclusive; 0 if empty.
    pub fn days(from_day: i32, to_day: i32) -> i64 {
        (i64::from(to_day) - i64::from(from_day) + 1).max(0)
    }
}

/// Parses a lower-case English weekday name (`monday` .. `sunday`).
pub fn weekday_from_name(s: &str) -> Option<Weekday> {
    Some(match s {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::period::day_number;
    use super::*;

    #[test]
    fn mon_fri() {
        let c = WorkCalendar::default_mon_fri();
        let mon = day_number(2026, 1, 5);
        assert!(c.is_workday(mon));
        assert!(!c.is_workday(mon + 5));
        assert_eq!(c.workdays(mon, mon + 6), 5);
        assert_eq!(c.workdays(mon + 5, mon + 6), 0);
        assert_eq!(c.workdays(mon + 1, mon), 0);
        assert_eq!(c.workdays(mon, mon + 13), 10);
    }

    #[test]
    fn against_loop() {
        let hol = [
            day_number(2026, 12, 25),
            day_number(2026, 12, 26), // a Saturday
            day_number(2027, 1, 1),
            day_number(2026, 12, 25),
        ];
        let cals = [
            WorkCalendar::new(&[Weekday::Saturday, Weekday::Sunday], &hol),
            WorkCalendar::new(&[Weekday::Friday], &hol),
            WorkCalendar::new(&[], &hol),
            WorkCalendar::new(&[Weekday::Monday, Weekday::Sunday, Weekday::Wednesday], &[]),
        ];
        let base = day_number(2026, 11, 1);
        for c in &cals {
            for from in base..base + 90 {
                for to in from - 2..from + 40 {
                    let naive = (from..=to).filter(|&d| c.is_workday(d)).count() as i64;
                    assert_eq!(c.workdays(from, to), naive, "{from}..{to}");
                }
            }
        }
    }

    #[test]
    fn names() {
        assert_eq!(weekday_from_name("friday"), Some(Weekday::Friday));
        assert_eq!(weekday_from_name("Friday"), None);
        assert_eq!(
            WorkCalendar::weekday_from_name("sunday"),
            Some(Weekday::Sunday)
        );
    }
}
