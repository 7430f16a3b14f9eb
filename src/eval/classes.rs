//! Filter outcomes decided once per class of rows instead of once per row.
//!
//! After coding (see [`super::row::encode_filters`]) most filters only look at the
//! codes of a few text columns: `type == "call" and channel == "outbound"`. The
//! codes of a row, read as digits of a mixed-radix number, give its *class*; every
//! row of a class passes the same such filters. So for each class the set of
//! aggregates whose filter passes is computed once, up front, as a bit mask, and
//! a row only looks up its class's mask. Filters that look at anything else (a
//! number, a date, a column compared with a column) are tested per row, and only
//! in the classes where their coded conjuncts pass: `type == "deal_won" and
//! amount > 500` tests the amount of won deals only.

use super::row::RowVal;
use super::scan::AggPlan;
use crate::plan::filter::{Filter, RowConst, CODE_NULL, CODE_OTHER};
use crate::syntax::ast::{BinOp, UnOp};

/// Most classes (product of the coded columns' code counts) worth tabulating.
pub const MAX_CLASSES: usize = 4096;

/// The class table of one source.
#[derive(Clone, Debug)]
pub struct Classes {
    /// Per coded slot: what each code adds to the class number (its digit, for
    /// codes `0..n` then other and null, times the slot's stride).
    steps: Vec<[u32; 256]>,
    /// 64-bit words per class in `masks` and `per_row` (one bit per aggregate).
    words: usize,
    /// Per class: the aggregates whose filter passes (or that have none); kept for
    /// the tests (the scan reads the split of it into counted and `rest`).
    #[cfg(test)]
    masks: Vec<u64>,
    /// Per class: the aggregates whose filter is tested per row, in that class.
    per_row: Vec<u64>,
    /// Per aggregate tested per row: what is left to test of its filter where its
    /// coded conjuncts pass (the filter without them).
    residuals: Vec<Option<Filter>>,
    /// Per class: `masks` without the aggregates counted by group (see
    /// [`Classes::group`]).
    rest: Vec<u64>,
    /// Per class: its count group.
    class_group: Vec<u32>,
    /// Per class: whether `rest` or `per_row` has a bit set.
    any_rest: Vec<bool>,
    /// Per count group: the aggregates it counts (`words` words each).
    group_aggs: Vec<u64>,
    /// Number of count groups.
    groups: usize,
}

/// Count groups allowed beyond the number of aggregates they count: a scan keeps
/// one counter per group and slot, so that memory stays near the counts' own.
const GROUP_SLACK: usize = 4;

impl Classes {
    /// The table for `aggs` whose coded columns have `sizes[k]` constants.
    pub fn build(aggs: &[AggPlan], sizes: &[usize]) -> Classes {
        let words = aggs.len().div_ceil(64).max(1);
        let mut strides = Vec::with_capacity(sizes.len());
        let mut n = 1usize;
        for &s in sizes {
            strides.push(n);
            n = n.saturating_mul(s + 2);
        }
        // Too many classes: tabulate nothing; every filter is tested per row.
        let tabulate = n <= MAX_CLASSES;
        let n = if tabulate { n } else { 1 };
        let mut masks = vec![0u64; n * words];
        let mut per_row = vec![0u64; n * words];
        let mut residuals = vec![None; aggs.len()];
        let class_codes: Vec<Vec<u8>> = (0..n)
            .map(|class| {
                (0..sizes.len())
                    .map(|k| match class / strides[k] % (sizes[k] + 2) {
                        d if d < sizes[k] => d as u8,
                        d if d == sizes[k] => CODE_OTHER,
                        _ => CODE_NULL,
                    })
                    .collect()
            })
            .collect();
        for (i, a) in aggs.iter().enumerate() {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            let set = |v: &mut Vec<u64>, class: usize| v[class * words + word] |= bit;
            let Some(f) = &a.filter else {
                (0..n).for_each(|class| set(&mut masks, class));
                continue;
            };
            if !tabulate {
                set(&mut per_row, 0);
                residuals[i] = Some(f.clone());
                continue;
            }
            let whole = codes_only(f);
            let mut coded = Vec::new();
            if !whole {
                coded_conjuncts(f, &mut coded);
                residuals[i] = residual(f);
            }
            for (class, codes) in class_codes.iter().enumerate() {
                if whole {
                    if f.test_coded(&[], codes) {
                        set(&mut masks, class);
                    }
                } else if coded.iter().all(|c| c.test_coded(&[], codes)) {
                    set(&mut per_row, class);
                }
            }
        }
        let steps = sizes
            .iter()
            .zip(&strides)
            .map(|(&size, &stride)| {
                let mut step = [0u32; 256];
                if tabulate {
                    for (code, s) in step.iter_mut().enumerate() {
                        let digit = match code as u8 {
                            CODE_NULL => size + 1,
                            CODE_OTHER => size,
                            c if usize::from(c) < size => usize::from(c),
                            _ => 0, // not a code of this slot
                        };
                        *s = (digit * stride) as u32;
                    }
                }
                step
            })
            .collect();
        // Plain row counts decided by the class alone (`count(src where type ==
        // "call")`): classes that pass the same set of them form a count group, and
        // a row only adds 1 to its group's counter (see `Classes::group`).
        let mut pure = vec![0u64; words];
        for (i, a) in aggs.iter().enumerate() {
            let by_class = match &a.filter {
                None => true,
                Some(f) => tabulate && codes_only(f),
            };
            if a.func == crate::syntax::ast::AggFunc::Count && a.column.is_none() && by_class {
                pure[i / 64] |= 1 << (i % 64);
            }
        }
        let mut ids: std::collections::HashMap<Vec<u64>, u32> = std::collections::HashMap::new();
        let mut group_aggs = Vec::new();
        let mut class_group = Vec::with_capacity(n);
        for class in 0..n {
            let key: Vec<u64> = masks[class * words..(class + 1) * words]
                .iter()
                .zip(&pure)
                .map(|(m, p)| m & p)
                .collect();
            let next = ids.len() as u32;
            let g = *ids.entry(key.clone()).or_insert_with(|| {
                group_aggs.extend_from_slice(&key);
                next
            });
            class_group.push(g);
        }
        let npure: usize = pure.iter().map(|w| w.count_ones() as usize).sum();
        if ids.len() > npure + GROUP_SLACK {
            pure.iter_mut().for_each(|w| *w = 0);
            class_group.iter_mut().for_each(|g| *g = 0);
            group_aggs = vec![0; words];
        }
        let rest: Vec<u64> = masks
            .chunks(words)
            .flat_map(|m| m.iter().zip(&pure).map(|(m, p)| m & !p))
            .collect();
        let any_rest = rest
            .chunks(words)
            .zip(per_row.chunks(words))
            .map(|(r, t)| r.iter().chain(t).any(|&w| w != 0))
            .collect();
        Classes {
            steps,
            words,
            #[cfg(test)]
            masks,
            per_row,
            residuals,
            rest,
            class_group,
            any_rest,
            groups: group_aggs.len() / words,
            group_aggs,
        }
    }

    /// Number of count groups (at least 1).
    #[inline(always)]
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The count group of `class`. Every row adds 1 to its group's counter instead
    /// of to the counts of [`Classes::group_aggs`], which are summed up at the end.
    #[inline(always)]
    pub fn group(&self, class: usize) -> usize {
        self.class_group[class] as usize
    }

    /// The row counts (no column, filter decided by class) that group `g` adds to.
    pub fn group_aggs(&self, g: usize) -> &[u64] {
        &self.group_aggs[g * self.words..(g + 1) * self.words]
    }

    /// Whether rows of `class` update any aggregate not counted by group.
    #[inline(always)]
    pub fn has_rest(&self, class: usize) -> bool {
        self.any_rest[class]
    }

    /// [`Classes::masks`] without the aggregates counted by group.
    #[inline(always)]
    pub fn rest(&self, class: usize) -> &[u64] {
        &self.rest[class * self.words..(class + 1) * self.words]
    }

    /// Whether a row of a class where aggregate `i` is tested per row passes its
    /// filter.
    #[inline(always)]
    pub fn test(&self, i: usize, row: &[RowVal], codes: &[u8]) -> bool {
        self.residuals[i]
            .as_ref()
            .is_none_or(|f| f.test_coded(row, codes))
    }

    /// The aggregates (bit `i` of word `i / 64`) whose filter passes for every
    /// row of `class`.
    #[inline(always)]
    #[cfg(test)]
    pub fn masks(&self, class: usize) -> &[u64] {
        &self.masks[class * self.words..(class + 1) * self.words]
    }

    /// The aggregates whose filter is tested per row in `class`.
    #[inline(always)]
    pub fn per_row(&self, class: usize) -> &[u64] {
        &self.per_row[class * self.words..(class + 1) * self.words]
    }

    /// The class of a row with these codes.
    #[inline(always)]
    pub fn class(&self, codes: &[u8]) -> usize {
        codes
            .iter()
            .zip(&self.steps)
            .map(|(&c, step)| step[usize::from(c)] as usize)
            .sum()
    }
}

/// The conjuncts of `f` (an `and` chain) that depend on nothing but codes: the
/// filter cannot pass where one of them fails.
fn coded_conjuncts<'f>(f: &'f Filter, out: &mut Vec<&'f Filter>) {
    match f {
        Filter::Binary(BinOp::And, a, b) => {
            coded_conjuncts(a, out);
            coded_conjuncts(b, out);
        }
        f if codes_only(f) => out.push(f),
        _ => {}
    }
}

/// `f` without its coded conjuncts (`None`: nothing is left, it always passes).
fn residual(f: &Filter) -> Option<Filter> {
    match f {
        Filter::Binary(BinOp::And, a, b) => match (residual(a), residual(b)) {
            (Some(a), Some(b)) => Some(Filter::Binary(BinOp::And, Box::new(a), Box::new(b))),
            (a, b) => a.or(b),
        },
        f if codes_only(f) => None,
        f => Some(f.clone()),
    }
}

/// Whether `f` depends on nothing but codes (and constants).
fn codes_only(f: &Filter) -> bool {
    match f {
        Filter::CodeEq { .. } | Filter::CodeIn { .. } => true,
        Filter::Const(RowConst::Bool(_) | RowConst::Null) => true,
        Filter::Unary(UnOp::Not, a) => codes_only(a),
        Filter::Binary(BinOp::And | BinOp::Or, a, b) => codes_only(a) && codes_only(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::AggFunc;

    fn agg(filter: Option<Filter>) -> AggPlan {
        AggPlan {
            node: crate::compile::graph::NodeId(0),
            func: AggFunc::Count,
            column: None,
            fraction: None,
            filter,
        }
    }

    /// Every class's mask equals the filters tested on that class's codes.
    #[test]
    fn masks_match_the_filters() {
        let eq = |slot, code| Filter::CodeEq {
            slot,
            code,
            negate: false,
        };
        let aggs = vec![
            agg(None),
            agg(Some(eq(0, 1))),
            agg(Some(Filter::Binary(
                BinOp::And,
                Box::new(Filter::CodeIn {
                    slot: 0,
                    mask: 0b11,
                }),
                Box::new(eq(1, 0)),
            ))),
            agg(Some(Filter::Unary(UnOp::Not, Box::new(eq(1, 1))))),
            agg(Some(Filter::Column(3))),
            // Tested per row, only where `slot 0 is code 2` holds.
            agg(Some(Filter::Binary(
                BinOp::And,
                Box::new(eq(0, 2)),
                Box::new(Filter::Column(4)),
            ))),
        ];
        let c = Classes::build(&aggs, &[3, 2]);
        assert_eq!(c.masks.len(), 5 * 4);
        assert!(c.per_row.iter().all(|&m| m & (1 << 4) != 0));
        let all = [0, 1, 2, CODE_OTHER, CODE_NULL];
        for &a in &all {
            for &b in &all[1..] {
                if b == 2 {
                    continue; // slot 1 has two constants
                }
                let codes = [a, b];
                let mut want = 0u64;
                for (i, g) in aggs.iter().enumerate().take(4) {
                    if g.filter.as_ref().is_none_or(|f| f.test_coded(&[], &codes)) {
                        want |= 1 << i;
                    }
                }
                let class = c.class(&codes);
                assert_eq!(c.masks(class), [want], "codes {codes:?}");
                // Where aggregate 5's coded conjunct holds, only `Column(4)` is left.
                assert!(matches!(c.residuals[5], Some(Filter::Column(4))));
                let maybe = if a == 2 { 1 << 4 | 1 << 5 } else { 1 << 4 };
                assert_eq!(c.per_row(class), [maybe], "codes {codes:?}");
            }
        }
    }

    /// Count groups and the rest partition every class's mask; only counts of
    /// rows (no column, filter decided by the codes) are counted by group.
    #[test]
    fn count_groups_partition_the_masks() {
        let eq = |slot, code| Filter::CodeEq {
            slot,
            code,
            negate: false,
        };
        let mut with_column = agg(Some(eq(0, 1)));
        with_column.column = Some(2);
        let mut sum = agg(Some(eq(0, 0)));
        sum.func = AggFunc::Sum;
        sum.column = Some(2);
        let aggs = vec![
            agg(None),
            agg(Some(eq(0, 1))),
            agg(Some(eq(1, 0))),
            with_column,
            sum,
            agg(Some(Filter::Binary(
                BinOp::And,
                Box::new(eq(0, 2)),
                Box::new(Filter::Column(4)),
            ))),
        ];
        let c = Classes::build(&aggs, &[3, 2]);
        let grouped = 0b111u64;
        let all = [0, 1, 2, CODE_OTHER, CODE_NULL];
        let mut seen = std::collections::HashSet::new();
        for &a in &all {
            for &b in &[0, 1, CODE_OTHER, CODE_NULL] {
                let class = c.class(&[a, b]);
                let g = c.group(class);
                seen.insert(g);
                let (counted, rest) = (c.group_aggs(g)[0], c.rest(class)[0]);
                assert_eq!(counted | rest, c.masks(class)[0], "codes {a} {b}");
                assert_eq!(counted & rest, 0);
                assert_eq!(counted & !grouped, 0, "only plain counts are grouped");
                assert_eq!(counted, c.masks(class)[0] & grouped);
                assert_eq!(
                    c.has_rest(class),
                    rest != 0 || c.per_row(class)[0] != 0,
                    "codes {a} {b}"
                );
            }
        }
        // Classes passing the same plain counts share a group: {0}, {0,1},
        // {0,2}, {0,1,2}.
        assert_eq!(seen.len(), 4);
        assert_eq!(c.groups(), 4);
    }

    /// Far more count groups than counts: no grouping, one counter of rows.
    #[test]
    fn too_many_count_groups_fall_back() {
        let aggs: Vec<AggPlan> = (0..3)
            .map(|slot| {
                agg(Some(Filter::CodeEq {
                    slot,
                    code: 0,
                    negate: false,
                }))
            })
            .collect();
        let c = Classes::build(&aggs, &[1, 1, 1]);
        assert_eq!(c.groups(), 1);
        assert_eq!(c.group_aggs(0), [0]);
        let class = c.class(&[0, CODE_OTHER, 0]);
        assert_eq!(c.group(class), 0);
        assert_eq!(c.rest(class), [0b101]);
    }

    /// More aggregates than bits in a word: the masks take several words.
    #[test]
    fn many_aggregates() {
        let aggs: Vec<AggPlan> = (0..150)
            .map(|i| {
                agg(Some(Filter::CodeEq {
                    slot: 0,
                    code: (i % 3) as u8,
                    negate: false,
                }))
            })
            .collect();
        let c = Classes::build(&aggs, &[3]);
        let mut want = [0u64; 3];
        for i in (1..150).step_by(3) {
            want[i / 64] |= 1 << (i % 64);
        }
        assert_eq!(c.masks(c.class(&[1])), want);
        assert_eq!(c.per_row(c.class(&[1])), [0, 0, 0]);
        assert_eq!(c.masks(c.class(&[CODE_NULL])), [0, 0, 0]);
    }

    #[test]
    fn too_many_classes_tests_per_row() {
        let aggs = vec![
            agg(None),
            agg(Some(Filter::CodeEq {
                slot: 0,
                code: 0,
                negate: false,
            })),
        ];
        let c = Classes::build(&aggs, &[62, 62, 62]);
        assert_eq!(c.masks, vec![1]);
        assert_eq!(c.per_row, vec![2]);
        assert_eq!(c.class(&[5, CODE_NULL, 7]), 0);
    }
}
