//! Value kinds and units. Units multiply and divide like physical dimensions;
//! a dimensionless value (no declared unit) combines with anything.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The kind of value an expression produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Num,
    Bool,
    Str,
    Date,
    Duration,
    /// Unknown until data is read (a column), or null.
    Any,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Num => "number",
            Kind::Bool => "boolean",
            Kind::Str => "string",
            Kind::Date => "date",
            Kind::Duration => "duration",
            Kind::Any => "any",
        }
    }
    /// Whether a value of this kind may stand where `want` is expected.
    pub fn fits(self, want: Kind) -> bool {
        self == want || self == Kind::Any || want == Kind::Any
    }
}

/// A unit: base unit names with integer exponents (`meetings/calls` = {meetings: 1, calls: -1}).
/// Dimensionless is `None`; units are shared, so cloning one (which inference does for
/// every reference to a metric) does not allocate.
#[derive(Clone, Debug, PartialEq, Eq, Default, Hash)]
pub struct Unit(Option<Arc<BTreeMap<String, i32>>>);

impl Unit {
    pub fn none() -> Unit {
        Unit(None)
    }
    pub fn named(name: &str) -> Unit {
        let mut m = BTreeMap::new();
        m.insert(name.to_string(), 1);
        Unit(Some(Arc::new(m)))
    }
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }
    /// The unit's names and their exponents (`EUR/deals`: `EUR` 1, `deals` -1).
    pub fn factors(&self) -> impl Iterator<Item = (&str, i32)> {
        self.0
            .as_deref()
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, &e)| (k.as_str(), e)))
    }
    pub fn mul(&self, other: &Unit) -> Unit {
        self.combine(other, 1)
    }
    pub fn div(&self, other: &Unit) -> Unit {
        self.combine(other, -1)
    }
    fn combine(&self, other: &Unit, sign: i32) -> Unit {
        let Some(theirs) = other.0.as_deref() else {
            return self.clone();
        };
        let mut m = self.0.as_deref().cloned().unwrap_or_default();
        for (k, v) in theirs {
            let e = m.entry(k.clone()).or_insert(0);
            *e += sign * v;
            if *e == 0 {
                m.remove(k);
            }
        }
        Unit((!m.is_empty()).then(|| Arc::new(m)))
    }
    /// For `+ - == < coalesce min max if`: both sides must agree unless one is
    /// dimensionless; `None` when they do not.
    pub fn unify(&self, other: &Unit) -> Option<Unit> {
        if self.is_none() {
            Some(other.clone())
        } else if other.is_none() || self == other {
            Some(self.clone())
        } else {
            None
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(map) = self.0.as_deref() else {
            return f.write_str("1 (dimensionless)");
        };
        let part = |sign: i32| -> Vec<String> {
            map.iter()
                .filter(|(_, &e)| e.signum() == sign)
                .map(|(k, &e)| {
                    if e.abs() == 1 {
                        k.clone()
                    } else {
                        format!("{k}^{}", e.abs())
                    }
                })
                .collect()
        };
        let num = part(1);
        let den = part(-1);
        let num_s = if num.is_empty() {
            "1".to_string()
        } else {
            num.join("*")
        };
        if den.is_empty() {
            f.write_str(&num_s)
        } else if den.len() == 1 {
            write!(f, "{num_s}/{}", den[0])
        } else {
            write!(f, "{num_s}/({})", den.join("*"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universal_sales_formula_is_money() {
        let calls = Unit::named("calls");
        let meetings = Unit::named("meetings");
        let deals = Unit::named("deals");
        let eur = Unit::named("EUR");
        let total = calls
            .mul(&meetings.div(&calls))
            .mul(&deals.div(&meetings))
            .mul(&eur.div(&deals));
        assert_eq!(total, eur);
        assert_eq!(meetings.div(&calls).to_string(), "meetings/calls");
        assert!(calls.unify(&meetings).is_none());
        assert_eq!(Unit::none().unify(&eur), Some(eur.clone()));
    }
}
