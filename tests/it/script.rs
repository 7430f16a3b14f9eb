//! User functions in Rhai (`script "x.rhai"`), through the `kpi` binary: a working
//! script in `eval`; compile-time diagnostics (syntax error, unknown function, wrong
//! arity, `import`); and scripts that misbehave (endless loop, exponential string
//! growth, deep recursion, huge arrays, a slow loop, a runtime error, a result of the
//! wrong type), each stopped by the sandbox with a diagnostic pointing into the
//! `.rhai` file, exit code 1, no panic, and within seconds.
//!
//! Fixtures: `tests/fixtures/script/`. Run from the crate root (cargo does).

use std::time::Duration;

use crate::support::Run;

const DIR: &str = "tests/fixtures/script";

/// Never "hangs": every case here ends well within this (they take ~0.02-2 s).
const NEVER_HANGS: Duration = Duration::from_secs(20);

/// `kpi ARGS` (the shared runner), never panicking and never near hanging.
fn kpi(args: &[&str]) -> Run {
    let run = crate::support::kpi(args);
    eprintln!(
        "kpi {} -> exit {} in {:?}",
        args.join(" "),
        run.code,
        run.took
    );
    assert!(
        !run.stderr.contains("internal error") && !run.stderr.contains("panicked"),
        "kpi panicked:\n{}",
        run.stderr
    );
    assert!(run.took < NEVER_HANGS, "took {:?}", run.took);
    run
}

fn eval(name: &str) -> Run {
    kpi(&["eval", &format!("{DIR}/{name}.kpi"), "--by", "rep"])
}

/// `kpi eval` fails with exit 1 and every `want` in its message.
fn fails(name: &str, want: &[&str]) -> Run {
    let run = eval(name);
    assert_eq!(run.code, 1, "{name}: {}", run.stderr);
    assert_eq!(run.stdout, "", "{name}: no partial result");
    for w in want {
        assert!(
            run.stderr.contains(w),
            "{name}: want `{w}` in:\n{}",
            run.stderr
        );
    }
    run
}

#[test]
fn a_working_function_in_eval() {
    let run = kpi(&[
        "eval",
        &format!("{DIR}/good.kpi"),
        "--by",
        "rep",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "rep,won,avg_won,calls,wins,commission,avg_commission,large,effort,big,traced\n\
         ann,5000,2500,1,2,250,125,0,11,0,1\n\
         bob,20000,20000,2,1,1300,1300,1,7,1,2\n\
         cid,0,,1,0,0,,0,1,0,1\n"
    );
    // `print` goes to stderr, once per result row (3 reps), not once per data row (7).
    assert_eq!(
        run.stderr.matches("script: traced called").count(),
        3,
        "{}",
        run.stderr
    );
}

#[test]
fn scripts_run_per_group_and_period() {
    let run = kpi(&[
        "eval",
        &format!("{DIR}/good.kpi"),
        "--grain",
        "month",
        "--metrics",
        "traced,commission",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One group (all reps): the commission of the team's 25,000, not a sum of commissions.
    assert_eq!(
        run.stdout,
        "period,traced,commission\n2026-01,3,1700\n2026-02,1,0\n"
    );
    assert_eq!(run.stderr.matches("script: traced called").count(), 2);
}

#[test]
fn check_compiles_scripts_and_never_runs_them() {
    for name in ["good", "spin", "grow", "deep", "hoard", "slow"] {
        let run = kpi(&["check", &format!("{DIR}/{name}.kpi")]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
}

#[test]
fn a_syntax_error_points_into_the_script() {
    let run = fails(
        "syntax",
        &[
            "error[E0231]: Rhai syntax error: Unexpected '*'",
            "--> tests/fixtures/script/syntax.rhai:2:8",
            "2 |     x +* 2",
            "script declared here",
        ],
    );
    assert!(
        run.stderr.contains("tests/fixtures/script/syntax.kpi:1:8"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_undefined_function_is_reported_at_the_call_with_did_you_mean() {
    let run = fails(
        "unknown",
        &[
            "error[E0211]: unknown function `comission`",
            "--> tests/fixtures/script/unknown.kpi:9:12",
            "did you mean `commission`?",
            // a `private fn` is not callable from definitions
            "error[E0211]: unknown function `helper`",
        ],
    );
    assert!(
        run.stderr
            .contains("from scripts: band, commission, effort"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_wrong_number_of_arguments_is_reported_at_the_call() {
    fails(
        "unknown",
        &[
            "error[E0212]: `effort` takes 2 arguments, got 1",
            "--> tests/fixtures/script/unknown.kpi:10:12",
            "defines `fn effort(calls, deals)`",
        ],
    );
}

#[test]
fn an_import_is_refused() {
    fails(
        "import",
        &[
            "error[E0231]: scripts cannot load modules: `import` is not available",
            "--> tests/fixtures/script/import.rhai:2:1",
            "import \"good\" as good;",
        ],
    );
}

#[test]
fn an_endless_loop_stops_at_the_operation_limit() {
    fails(
        "spin",
        &[
            "script `tests/fixtures/script/adversarial.rhai`: function `spin` stopped at 5:",
            "too many operations (limit 1000000 per call)",
            "--> tests/fixtures/script/adversarial.rhai:5:",
            "loop { n += 1; }",
            "evaluating group rep=ann",
        ],
    );
}

#[test]
fn exponential_string_growth_stops_at_the_string_limit() {
    fails(
        "grow",
        &[
            "function `grow` stopped at 10:",
            "string too long (limit 100000 bytes)",
            "--> tests/fixtures/script/adversarial.rhai:10:",
        ],
    );
}

#[test]
fn deep_recursion_stops_at_the_call_depth_limit() {
    fails(
        "deep",
        &[
            "function `deep` stopped at 14:",
            "function calls nested too deep (limit 32 levels)",
            "deep(x + 1)",
        ],
    );
}

#[test]
fn huge_arrays_stop_at_the_array_limit() {
    fails(
        "hoard",
        &[
            "function `hoard` stopped at 19:",
            "array too large (limit 10000 items)",
        ],
    );
    fails(
        "doubling",
        &[
            "function `doubling` stopped at 24:",
            "array too large (limit 10000 items)",
        ],
    );
}

#[test]
fn a_slow_loop_stops_at_the_wall_clock_limit() {
    fails(
        "slow",
        &[
            "function `slow` stopped at 43:",
            "ran longer than 1 s (wall-clock limit per call)",
        ],
    );
}

#[test]
fn a_runtime_error_points_into_the_script() {
    fails(
        "boom",
        &[
            "function `boom` failed at 28:5: Runtime error: no commission for 3.0",
            "--> tests/fixtures/script/adversarial.rhai:28:5",
            "evaluating group rep=ann",
        ],
    );
    fails(
        "integer_division",
        &["function `integer_division` failed at 37:8: Division by zero"],
    );
}

#[test]
fn a_result_of_another_type_names_the_function_and_the_group() {
    fails(
        "shape",
        &[
            "function `shape` returned a value of type `map`",
            "--> tests/fixtures/script/adversarial.rhai:31:4",
            "evaluating group rep=ann",
            "must return a number, a string, a boolean, or () for null",
        ],
    );
}

#[test]
fn the_shipped_example_uses_a_script() {
    let run = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "won_amount,commission",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 33,652.12 won: 3% of 20,000 + 5% of 13,652.12
    assert!(
        run.stdout.contains("ann,2026-01,33652.12,1282.606"),
        "{}",
        run.stdout
    );
}
