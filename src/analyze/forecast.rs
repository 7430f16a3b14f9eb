//! Forecasts (`kpi forecast`, DESIGN 5.3): where a period is heading from what it
//! holds so far. The run rate itself is the engine's projection
//! ([`crate::eval::project`]); this module holds what surrounds it: the working-day
//! offset of `--today` and the same offset in earlier periods (backtests), the
//! funnel method, and the errors of a backtest.

use crate::data::calendar::WorkCalendar;
use crate::data::period::{period_first_day, period_last_day, Grain};

/// The last day of period `p` at the working-day offset of `--today`: its `k`-th
/// working day, and when `--today` is not a working day itself, the non-working days
/// that follow it as well (a forecast made on a Saturday has seen Saturday's rows).
/// A period with fewer than `k` working days is taken whole.
pub fn cut_day(cal: &WorkCalendar, grain: Grain, p: i32, k: i64, trailing: bool) -> i32 {
    let (first, last) = (period_first_day(grain, p), period_last_day(grain, p));
    let mut seen = 0;
    let mut d = first;
    while d <= last {
        if cal.is_workday(d) {
            seen += 1;
            if seen == k {
                break;
            }
        }
        d += 1;
    }
    if d > last {
        return last;
    }
    if trailing {
        while d < last && !cal.is_workday(d + 1) {
            d += 1;
        }
    }
    d
}

/// The funnel method for one group: the first stage run-rated (`first_forecast`),
/// each later stage its to-date volume plus the first stage's remaining volume times
/// the rates of `--rates-from` up to it, and the total its to-date value plus the
/// last stage's added volume times the `--rates-from` value.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelForecast {
    pub volumes: Vec<Option<f64>>,
    pub rates: Vec<Option<f64>>,
    pub conversion: Option<f64>,
    pub value: Option<f64>,
    pub total: Option<f64>,
}

/// What the remaining first-stage volume adds through a factor: nothing when none
/// remains (at the period's end, whatever the rates), else unknown without the factor.
fn added(remaining: Option<f64>, factor: Option<f64>) -> Option<f64> {
    match (remaining, factor) {
        (Some(0.0), _) => Some(0.0),
        (Some(m), Some(a)) => Some(m * a),
        _ => None,
    }
}

/// See [`FunnelForecast`]. `to_date`: the stages' volumes so far and the total so
/// far; `rates`/`value`: those of `--rates-from`.
pub fn funnel(
    to_date: &[Option<f64>],
    total_to_date: Option<f64>,
    first_forecast: Option<f64>,
    rates: &[Option<f64>],
    value: Option<f64>,
) -> FunnelForecast {
    let n = to_date.len();
    let mut volumes = vec![None; n];
    let remaining = match (first_forecast, to_date.first().copied().flatten()) {
        (Some(f), Some(t)) => Some(f - t),
        _ => None,
    };
    volumes[0] = first_forecast;
    // The share of the first stage's remaining volume that reaches stage k.
    let mut reach = Some(1.0);
    for k in 1..n {
        reach = match (reach, rates.get(k - 1).copied().flatten()) {
            (Some(a), Some(r)) => Some(a * r),
            _ => None,
        };
        volumes[k] = match (to_date[k], added(remaining, reach)) {
            (Some(t), Some(x)) => Some(t + x),
            _ => None,
        };
    }
    let total = match (
        total_to_date,
        added(remaining, reach.zip(value).map(|(a, v)| a * v)),
    ) {
        (Some(t), Some(x)) => Some(t + x),
        _ => None,
    };
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    };
    FunnelForecast {
        rates: (1..n).map(|k| ratio(volumes[k], volumes[k - 1])).collect(),
        conversion: ratio(volumes[n - 1], volumes[0]),
        value: ratio(total, volumes[n - 1]),
        total,
        volumes,
    }
}

/// How far forecasts were from what their periods came to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accuracy {
    /// Mean absolute percentage error (a fraction: 0.12 is 12 %).
    pub mape: Option<f64>,
    /// Mean signed percentage error: above 0 the forecast ran high.
    pub bias: Option<f64>,
    /// Cases in the means (a forecast and a non-zero actual value).
    pub n: usize,
    /// Cases left out: the period came to 0 (no percentage error) or a value is null.
    pub left_out: usize,
}

/// The accuracy of (forecast, actual) pairs.
pub fn accuracy(pairs: impl IntoIterator<Item = (Option<f64>, Option<f64>)>) -> Accuracy {
    let (mut abs, mut signed, mut n, mut left_out) = (0.0, 0.0, 0usize, 0usize);
    for (f, a) in pairs {
        match (f, a) {
            (Some(f), Some(a)) if a != 0.0 && f.is_finite() && a.is_finite() => {
                let e = (f - a) / a.abs();
                abs += e.abs();
                signed += e;
                n += 1;
            }
            _ => left_out += 1,
        }
    }
    Accuracy {
        mape: (n > 0).then(|| abs / n as f64),
        bias: (n > 0).then(|| signed / n as f64),
        n,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::period::{period_of_day, Grain};

    fn day(s: &str) -> i32 {
        crate::data::time::parse_date_arg(s).unwrap()
    }

    #[test]
    fn the_same_working_day_offset_in_another_month() {
        let cal = WorkCalendar::default_mon_fri();
        // 2026-03: Mon 2 is its 1st working day; Fri 6 its 5th.
        let march = period_of_day(Grain::Month, day("2026-03-10"));
        assert_eq!(
            cut_day(&cal, Grain::Month, march, 1, false),
            day("2026-03-02")
        );
        assert_eq!(
            cut_day(&cal, Grain::Month, march, 5, false),
            day("2026-03-06")
        );
        // Seen on a Saturday: the weekend after the 5th working day counts too.
        assert_eq!(
            cut_day(&cal, Grain::Month, march, 5, true),
            day("2026-03-08")
        );
        // 2026-02 has 20 working days: the 21st is past its end, the month is whole.
        let feb = period_of_day(Grain::Month, day("2026-02-10"));
        assert_eq!(
            cut_day(&cal, Grain::Month, feb, 21, false),
            day("2026-02-28")
        );
        assert_eq!(
            cut_day(&cal, Grain::Month, feb, 20, false),
            day("2026-02-27")
        );
        assert_eq!(
            cut_day(&cal, Grain::Month, feb, 20, true),
            day("2026-02-28")
        );
    }

    #[test]
    fn the_funnel_method_by_hand() {
        // 10 touches so far, run-rated to 40; 3 meetings, 1 won, 2,000 so far.
        // Rates of --rates-from: meetings 0.25 of touches, won 0.5 of meetings,
        // value 1,500 per won deal. 30 more touches: 7.5 more meetings, 3.75 more won,
        // 5,625 more.
        let f = funnel(
            &[Some(10.0), Some(3.0), Some(1.0)],
            Some(2000.0),
            Some(40.0),
            &[Some(0.25), Some(0.5)],
            Some(1500.0),
        );
        assert_eq!(f.volumes, vec![Some(40.0), Some(10.5), Some(4.75)]);
        assert_eq!(f.total, Some(7625.0));
        assert_eq!(f.rates, vec![Some(10.5 / 40.0), Some(4.75 / 10.5)]);
        assert_eq!(f.conversion, Some(4.75 / 40.0));
        assert_eq!(f.value, Some(7625.0 / 4.75));
        // At the period's end nothing remains: the forecast is what there is.
        let done = funnel(
            &[Some(10.0), Some(3.0), Some(1.0)],
            Some(2000.0),
            Some(10.0),
            &[Some(0.25), Some(0.5)],
            Some(1500.0),
        );
        assert_eq!(done.volumes, vec![Some(10.0), Some(3.0), Some(1.0)]);
        assert_eq!(done.total, Some(2000.0));
        // A null rate leaves the stages after it without a forecast.
        let gap = funnel(
            &[Some(10.0), Some(3.0), Some(1.0)],
            Some(2000.0),
            Some(40.0),
            &[None, Some(0.5)],
            Some(1500.0),
        );
        assert_eq!(gap.volumes, vec![Some(40.0), None, None]);
        assert_eq!(gap.total, None);
    }

    #[test]
    fn mape_and_bias_by_hand() {
        // Errors +10 % and -30 %: MAPE 20 %, bias -10 %; a zero actual and a null
        // forecast are left out.
        let a = accuracy([
            (Some(110.0), Some(100.0)),
            (Some(35.0), Some(50.0)),
            (Some(5.0), Some(0.0)),
            (None, Some(3.0)),
        ]);
        assert_eq!(a.n, 2);
        assert_eq!(a.left_out, 2);
        assert!((a.mape.unwrap() - 0.2).abs() < 1e-12);
        assert!((a.bias.unwrap() + 0.1).abs() < 1e-12);
        assert_eq!(accuracy([(None, None)]).mape, None);
    }
}
