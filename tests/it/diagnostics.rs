//! Diagnostics of `kpi check`: one small input per error kind under
//! `tests/fixtures/diag/` (`err_<what>.kpi|yaml`, or a folder whose root is `main.kpi`
//! / `main.yaml` for multi-file cases). Each is snapshotted as the user sees it (the
//! rendered code frame), and its codes and positions are asserted exactly.
//!
//! Run from the crate root (cargo does), so paths in the output are relative.

use crate::support::kpi;
use std::collections::BTreeSet;
use std::path::Path;

use kpi::compile::{compile_root, Loader, Options};
use kpi::diag::{locate, render_all, Diagnostic, SourceMap};

/// Reviews are judged against this date, so snapshots do not age.
const TODAY: &str = "2026-11-27";
const DIR: &str = "tests/fixtures/diag";

/// `tests/fixtures/diag/...` for an absolute fixture path.
fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("fixture inside the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

/// Compile one root file as `kpi check` does, through the library.
fn compile(rel: &str, opts: &Options) -> (SourceMap, Vec<Diagnostic>) {
    let mut loader = Loader::new();
    let mut diags = Vec::new();
    if let Some(root) = loader.load(Path::new(rel), None) {
        let (_graph, more) = compile_root(&mut loader, root, opts);
        diags.extend(more);
    }
    diags.append(&mut loader.diags);
    (loader.map, diags)
}

fn check_opts() -> Options {
    Options {
        require_params: true,
        ..Options::default()
    }
}

/// (code, line, column) of each diagnostic.
fn positions(map: &SourceMap, diags: &[Diagnostic]) -> Vec<(&'static str, usize, usize)> {
    diags
        .iter()
        .map(|d| {
            let l = locate(map, d.span.expect("definition diagnostics have a location"));
            (d.code, l.line, l.column)
        })
        .collect()
}

#[test]
fn snapshots_of_rendered_diagnostics() {
    insta::glob!(
        "../fixtures/diag",
        "{err_*.kpi,err_*.yaml,*/main.kpi,*/main.yaml}",
        |path| {
            let rel = relative(path);
            let out = kpi(&["check", &rel, "--today", TODAY]);
            let code = out.code;
            assert!(code >= 0, "kpi exits normally (not by a signal)");
            assert!(
                code == 0 || code == 1,
                "{rel}: exit {code}\n{}",
                out.stderr.clone()
            );
            assert_eq!(
                out.stdout.clone(),
                "",
                "{rel}: human diagnostics go to stderr"
            );
            let stderr = out.stderr.clone();
            assert!(
                !stderr.contains("internal error"),
                "{rel} made kpi panic:\n{stderr}"
            );
            insta::with_settings!({ description => rel.clone(), omit_expression => true }, {
                insta::assert_snapshot!(format!("exit: {code}\n\n{stderr}"));
            });
        }
    );
}

/// (code, line, column) of one diagnostic.
type At = (&'static str, usize, usize);

/// Every fixture, with the exact (code, line, column) of each diagnostic, in order.
const EXPECTED: &[(&str, &[At])] = &[
    ("err_agg_bad_target.kpi", &[("E0405", 2, 22)]),
    ("err_agg_too_many_args.kpi", &[("E0405", 2, 39)]),
    ("err_aggregation_in_filter.kpi", &[("E0401", 2, 52)]),
    ("err_arity_if.kpi", &[("E0212", 3, 15)]),
    ("err_arity_prev.kpi", &[("E0212", 3, 21)]),
    ("err_arity_rolling.kpi", &[("E0212", 3, 19)]),
    ("err_arity_round.kpi", &[("E0212", 3, 18)]),
    ("err_bad_escape.kpi", &[("E0108", 2, 50)]),
    ("err_boolean_metric.kpi", &[("E0404", 3, 8)]),
    ("err_check_threshold_unit.kpi", &[("E0302", 7, 15)]),
    ("err_check_per_unknown.kpi", &[("E0415", 4, 7)]),
    ("err_check_unknown_grain.kpi", &[("E0408", 4, 9)]),
    ("err_check_without_every.kpi", &[("E0221", 3, 7)]),
    ("err_check_without_threshold.kpi", &[("E0221", 3, 7)]),
    ("err_coalesce_units.kpi", &[("E0301", 4, 35)]),
    ("err_column_outside_aggregation.kpi", &[("E0402", 6, 14)]),
    ("err_compare_units.kpi", &[("E0302", 4, 32)]),
    ("err_declared_unit.kpi", &[("E0303", 4, 47)]),
    ("err_dependency_cycle.kpi", &[("E0213", 2, 8)]),
    ("err_derived_cycle.kpi", &[("E0413", 3, 10)]),
    (
        "err_derived_twice.kpi",
        &[("E0412", 4, 10), ("E0412", 5, 10)],
    ),
    ("err_dotted_name_in_filter.kpi", &[("E0402", 2, 39)]),
    ("err_duplicate_across_kinds.kpi", &[("E0202", 3, 8)]),
    ("err_duplicate_import/main.kpi", &[("E0202", 2, 8)]),
    ("err_duplicate_metric.kpi", &[("E0202", 4, 8)]),
    ("err_duplicate_source.kpi", &[("E0202", 2, 8)]),
    ("err_duplicate_stage.kpi", &[("E0202", 6, 9)]),
    ("err_duration_too_large.kpi", &[("E0105", 2, 50)]),
    ("err_empty_funnel.kpi", &[("E0220", 1, 8)]),
    ("err_function_in_filter.kpi", &[("E0211", 2, 39)]),
    ("err_huge_number.kpi", &[("E0105", 1, 14)]),
    ("err_import_cycle/main.kpi", &[("E0209", 1, 8)]),
    ("err_import_not_found.kpi", &[("E0208", 1, 8)]),
    ("err_invalid_date.kpi", &[("E0105", 3, 23)]),
    ("err_journey_unknown_source.kpi", &[("E0204", 2, 21)]),
    ("err_kind_mismatch.kpi", &[("E0404", 3, 27)]),
    (
        "err_lookup_not_lookup.kpi",
        &[("E0414", 4, 10), ("E0204", 5, 10), ("E0414", 9, 39)],
    ),
    (
        "err_lookup_with_time.kpi",
        &[("E0414", 3, 8), ("E0414", 5, 12), ("E0414", 7, 46)],
    ),
    ("err_metric_in_filter.kpi", &[("E0401", 3, 52)]),
    ("err_missing_equals.kpi", &[("E0101", 2, 14)]),
    ("err_nested_too_deep.kpi", &[("E0103", 1, 78)]),
    ("err_not_utf8.kpi", &[("E0102", 2, 6)]),
    ("err_override_check_nothing.kpi", &[("E0203", 3, 16)]),
    ("err_override_nothing.kpi", &[("E0203", 3, 17)]),
    ("err_param_not_constant.kpi", &[("E0410", 3, 16)]),
    ("err_percentile_bad_fraction.kpi", &[("E0405", 2, 48)]),
    ("err_percentile_without_fraction.kpi", &[("E0405", 2, 14)]),
    ("err_profile_unknown_param.kpi", &[("E0215", 2, 22)]),
    ("err_required_param.kpi", &[("E0206", 1, 7)]),
    ("err_review_cadence.kpi", &[("E0408", 2, 49)]),
    ("err_review_overdue.kpi", &[("W0501", 4, 3)]),
    ("err_review_required.kpi", &[("W0502", 3, 8)]),
    ("err_rolling_bad_periods.kpi", &[("E0406", 3, 35)]),
    ("err_row_expr_two_sources.kpi", &[("E0411", 3, 35)]),
    ("err_script_missing.kpi", &[("E0230", 1, 8)]),
    ("err_script_arity/main.kpi", &[("E0212", 4, 12)]),
    ("err_script_import/main.kpi", &[("E0231", 2, 1)]),
    ("err_script_syntax/main.kpi", &[("E0231", 3, 8)]),
    ("err_script_twice/main.kpi", &[("E0232", 2, 8)]),
    ("err_script_unknown/main.kpi", &[("E0211", 4, 12)]),
    ("err_self_dependency.kpi", &[("E0213", 2, 8)]),
    ("err_setting_wrong_type.kpi", &[("E0110", 2, 12)]),
    ("err_single_equals.kpi", &[("E0101", 3, 31)]),
    ("err_sum_without_column.kpi", &[("E0405", 2, 20)]),
    (
        "err_three_errors.kpi",
        &[("E0109", 2, 64), ("E0204", 3, 23), ("E0201", 4, 26)],
    ),
    ("err_to_date_bad_grain.kpi", &[("E0406", 3, 35)]),
    ("err_unexpected_token.kpi", &[("E0101", 2, 36)]),
    ("err_unclosed_block_at_end.kpi", &[("E0101", 2, 14)]),
    ("err_unclosed_block.kpi", &[("E0101", 2, 14)]),
    ("err_unclosed_block_comment.kpi", &[("E0101", 2, 10)]),
    ("err_unit_mismatch_add.kpi", &[("E0301", 4, 27)]),
    ("err_unit_mismatch_sub.kpi", &[("E0301", 5, 30)]),
    ("err_unknown_calendar.kpi", &[("E0210", 1, 21)]),
    ("err_unknown_locale.kpi", &[("E0416", 1, 19)]),
    ("err_unknown_column_type.kpi", &[("E0111", 3, 18)]),
    (
        "err_read_options.kpi",
        &[
            ("E0112", 3, 13),
            ("E0112", 4, 11),
            ("E0112", 6, 12),
            ("E0112", 7, 10),
            ("E0112", 8, 25),
            ("E0112", 9, 10),
            ("E0112", 10, 10),
        ],
    ),
    (
        "err_yaml_read_options.yaml",
        &[("E0112", 6, 16), ("E0112", 7, 15)],
    ),
    ("err_unknown_format.kpi", &[("E0109", 2, 43)]),
    ("err_unknown_function.kpi", &[("E0211", 3, 21)]),
    ("err_unknown_funnel_member.kpi", &[("E0214", 8, 24)]),
    ("err_unknown_metric.kpi", &[("E0201", 4, 37)]),
    ("err_unknown_setting.kpi", &[("E0106", 3, 3)]),
    ("err_unknown_source.kpi", &[("E0204", 2, 22)]),
    ("err_unknown_timezone.kpi", &[("E0407", 2, 12)]),
    ("err_unknown_weekday.kpi", &[("E0111", 2, 21)]),
    ("err_unterminated_string.kpi", &[("E0101", 2, 47)]),
    ("err_uppercase_name.kpi", &[("E0107", 2, 8)]),
    ("err_week_start_sunday.kpi", &[("E0410", 2, 14)]),
    ("err_where_outside_aggregation.kpi", &[("E0401", 3, 36)]),
    ("err_window_on_non_metric.kpi", &[("E0406", 4, 24)]),
    ("err_yaml_bad_condition.yaml", &[("E0101", 10, 11)]),
    ("err_yaml_check_without_every.yaml", &[("E0221", 7, 3)]),
    ("err_yaml_duplicate_import/main.yaml", &[("E0202", 3, 3)]),
    ("err_yaml_duplicate_key.yaml", &[("E0154", 8, 5)]),
    ("err_yaml_escaped_expression.yaml", &[("E0201", 5, 10)]),
    ("err_yaml_expression.yaml", &[("E0101", 5, 50)]),
    ("err_yaml_invalid_date.yaml", &[("E0105", 4, 28)]),
    ("err_yaml_invalid_name.yaml", &[("E0107", 5, 3)]),
    (
        "err_yaml_misindented.yaml",
        &[("E0155", 6, 3), ("E0155", 7, 3)],
    ),
    ("err_yaml_missing_key.yaml", &[("E0153", 5, 3)]),
    ("err_yaml_multiple_documents.yaml", &[("E0150", 4, 1)]),
    ("err_yaml_nested_too_deep.yaml", &[("E0150", 2, 41)]),
    ("err_yaml_profile_unknown_param.yaml", &[("E0215", 4, 17)]),
    ("err_yaml_required_param.yaml", &[("E0206", 2, 3)]),
    ("err_yaml_review_overdue.yaml", &[("W0501", 7, 13)]),
    ("err_yaml_syntax.yaml", &[("E0150", 3, 11)]),
    (
        "err_yaml_three_errors.yaml",
        &[("E0151", 4, 5), ("E0109", 8, 13), ("E0201", 9, 20)],
    ),
    ("err_yaml_unit_mismatch.yaml", &[("E0301", 11, 20)]),
    ("err_yaml_unknown_format.yaml", &[("E0109", 7, 13)]),
    ("err_yaml_unknown_key.yaml", &[("E0151", 7, 5)]),
    ("err_yaml_unknown_metric.yaml", &[("E0201", 8, 12)]),
    ("err_yaml_unknown_section.yaml", &[("E0151", 1, 1)]),
    ("err_yaml_wrong_type.yaml", &[("E0152", 4, 17)]),
];

#[test]
fn codes_lines_and_columns() {
    let mut listed = BTreeSet::new();
    for (file, want) in EXPECTED {
        let rel = format!("{DIR}/{file}");
        let out = kpi(&["check", &rel, "--today", TODAY, "--format", "json"]);
        let json: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{rel}: JSON output: {e}"));
        let got: Vec<(String, u64, u64)> = json
            .as_array()
            .expect("an array")
            .iter()
            .map(|d| {
                if !file.contains('/') {
                    assert_eq!(
                        d["file"],
                        rel.as_str(),
                        "{rel}: the diagnostic names the file"
                    );
                }
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, u64, u64)> = want
            .iter()
            .map(|(c, l, col)| (c.to_string(), *l as u64, *col as u64))
            .collect();
        assert_eq!(got, want, "{rel}");
        let errors = want.iter().any(|(c, _, _)| c.starts_with('E'));
        assert_eq!(
            Some(out.code),
            Some(if errors { 1 } else { 0 }),
            "{rel}: exit code"
        );
        listed.insert(file.to_string());
    }
    // Every fixture is in the table (and the table names no missing file).
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            for main in ["main.kpi", "main.yaml"] {
                if path.join(main).exists() {
                    on_disk.insert(format!("{name}/{main}"));
                }
            }
        } else if name.starts_with("err_") {
            on_disk.insert(name);
        }
    }
    assert_eq!(listed, on_disk);
}

/// The library gives what the binary prints (minus its summary line).
#[test]
fn library_rendering_matches_the_cli() {
    for (file, want) in EXPECTED {
        if want.iter().any(|(c, _, _)| c.starts_with('W')) {
            continue; // overdue and missing reviews are judged by `kpi check` itself
        }
        let rel = format!("{DIR}/{file}");
        let (map, diags) = compile(&rel, &check_opts());
        let got: Vec<_> = positions(&map, &diags);
        assert_eq!(got, want.to_vec(), "{rel}");
        let out = kpi(&["check", &rel, "--today", TODAY]);
        let stderr = out.stderr.clone();
        let summary = stderr.rfind("checked 1 file").expect("a summary line");
        assert_eq!(render_all(&map, &diags, false), stderr[..summary], "{rel}");
    }
}

#[test]
fn import_cycle_is_printed_whole_and_duplicates_point_at_both_files() {
    let (map, diags) = compile(&format!("{DIR}/err_import_cycle/main.kpi"), &check_opts());
    assert_eq!(diags.len(), 1);
    let d = &diags[0];
    assert_eq!(d.code, "E0209");
    assert_eq!(
        locate(&map, d.span.unwrap()).file,
        format!("{DIR}/err_import_cycle/b.kpi")
    );
    let cycle = ["main.kpi", "a.kpi", "b.kpi", "main.kpi"]
        .map(|f| format!("{DIR}/err_import_cycle/{f}"))
        .join(" -> ");
    assert_eq!(d.notes, [format!("cycle: {cycle}")]);

    for main in [
        "err_duplicate_import/main.kpi",
        "err_yaml_duplicate_import/main.yaml",
    ] {
        let (map, diags) = compile(&format!("{DIR}/{main}"), &check_opts());
        assert_eq!(diags.len(), 1, "{main}");
        let d = &diags[0];
        assert_eq!(d.code, "E0202");
        let here = locate(&map, d.span.unwrap());
        let first = locate(&map, d.secondary[0].span);
        assert!(here.file.ends_with(main), "{}", here.file);
        assert!(first.file.contains("/base."), "{}", first.file);
        assert_eq!(d.secondary[0].message, "first defined here");
    }
}

#[test]
fn dependency_cycles_are_printed_whole() {
    let (map, diags) = compile(&format!("{DIR}/err_dependency_cycle.kpi"), &check_opts());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].notes, ["cycle: a -> b -> c -> a"]);
    let others: Vec<(usize, usize)> = diags[0]
        .secondary
        .iter()
        .map(|l| {
            let at = locate(&map, l.span);
            (at.line, at.column)
        })
        .collect();
    assert_eq!(others, [(3, 8), (4, 8)], "`b` and `c` are marked too");
    let (_, diags) = compile(&format!("{DIR}/err_self_dependency.kpi"), &check_opts());
    assert_eq!(diags[0].message, "metric `growth` depends on itself");
}

#[test]
fn all_errors_of_a_file_are_reported() {
    for (file, codes) in [
        ("err_three_errors.kpi", ["E0109", "E0204", "E0201"]),
        ("err_yaml_three_errors.yaml", ["E0151", "E0109", "E0201"]),
    ] {
        let rel = format!("{DIR}/{file}");
        let (map, diags) = compile(&rel, &check_opts());
        assert_eq!(diags.len(), 3, "{rel}: {diags:#?}");
        assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), codes);
        let lines: BTreeSet<usize> = positions(&map, &diags).iter().map(|p| p.1).collect();
        assert_eq!(lines.len(), 3, "three problems on three lines");
        let rendered = render_all(&map, &diags, false);
        assert_eq!(rendered.matches("error[").count(), 3, "{rendered}");
    }
    let out = kpi(&["check", &format!("{DIR}/err_three_errors.kpi")]);
    assert!(out
        .stderr
        .clone()
        .contains("3 errors, 0 warnings (invalid)"));
}

#[test]
fn syntax_errors_do_not_hide_the_items_after_them() {
    let mut map = SourceMap::new();
    let src = "metric a = 1 +\nmetric b = (2\nmetric c = 3\nmetric d = \"x\n";
    let id = map.add("t.kpi".into(), src.to_string());
    let (file, diags) = kpi::syntax::dsl::parse_file(id, src);
    assert_eq!(
        positions(&map, &diags),
        [("E0101", 2, 8), ("E0101", 3, 1), ("E0101", 4, 12)],
        "{}",
        render_all(&map, &diags, false)
    );
    assert_eq!(diags[2].message, "unterminated string");
    assert_eq!(file.items.len(), 1, "`metric c` still parses");
}

#[test]
fn unknown_profile_and_set_are_errors_with_hints() {
    let rel = "metrics/sales.kpi";
    let opts = Options {
        profile: Some("enterprize".into()),
        sets: vec![("calls_per_day_targt".into(), "5".into())],
        require_params: true,
    };
    let (_, diags) = compile(rel, &opts);
    let summary: Vec<(&str, &str, Option<&str>)> = diags
        .iter()
        .map(|d| (d.code, d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "E0207",
                "unknown profile `enterprize`",
                Some("did you mean `enterprise`?")
            ),
            (
                "E0215",
                "`--set calls_per_day_targt=..`: there is no param `calls_per_day_targt`",
                Some("did you mean `calls_per_day_target`?")
            ),
        ]
    );
    assert!(
        diags.iter().all(|d| d.span.is_none()),
        "command-line problems have no span"
    );
}

#[test]
fn a_too_long_expression_is_refused_at_its_start() {
    let terms = kpi::syntax::dsl::MAX_EXPR_TOKENS;
    let src = format!(
        "param a = 1\n\nparam total = {}\n",
        vec!["a"; terms].join(" + ")
    );
    let mut map = SourceMap::new();
    let id = map.add("long.kpi".into(), src.clone());
    let (_, diags) = kpi::syntax::dsl::parse_file(id, &src);
    assert_eq!(positions(&map, &diags), [("E0104", 3, 15)]);
    assert_eq!(diags[0].message, "expression is too long");
}

/// Every diagnostic code of the language (front-ends, compiler, `kpi check`) has a
/// fixture above or a dedicated test in this file.
#[test]
fn every_code_is_covered() {
    let mut in_source = BTreeSet::new();
    let roots = [
        "src/syntax",
        "src/compile",
        "src/cli/check.rs",
        "src/diag.rs",
    ];
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for r in roots {
        let p = Path::new(r);
        if p.is_dir() {
            let mut stack = vec![p.to_path_buf()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(d).unwrap() {
                    let e = e.unwrap().path();
                    if e.is_dir() {
                        stack.push(e);
                    } else if e.extension().is_some_and(|x| x == "rs") {
                        files.push(e);
                    }
                }
            }
        } else {
            files.push(p.to_path_buf());
        }
    }
    for f in files {
        let s = std::fs::read_to_string(&f).unwrap();
        let b = s.as_bytes();
        for i in 0..b.len().saturating_sub(6) {
            let code = &b[i..i + 7];
            if code[0] == b'"'
                && (code[1] == b'E' || code[1] == b'W')
                && code[2..6].iter().all(u8::is_ascii_digit)
                && code[6] == b'"'
            {
                in_source.insert(String::from_utf8(code[1..6].to_vec()).unwrap());
            }
        }
    }
    let mut covered: BTreeSet<String> = EXPECTED
        .iter()
        .flat_map(|(_, w)| w.iter().map(|(c, _, _)| c.to_string()))
        .collect();
    // Covered by the dedicated tests above; E0198 (a tree the grammar cannot give)
    // by the unit test `syntax::dsl::build::tests::a_missing_child_is_a_diagnostic`.
    covered.extend(["E0104", "E0207", "E0198"].map(String::from));
    let missing: Vec<&String> = in_source.difference(&covered).collect();
    assert!(missing.is_empty(), "codes without a test: {missing:?}");
    assert!(covered.len() >= 40, "{} codes covered", covered.len());
}
