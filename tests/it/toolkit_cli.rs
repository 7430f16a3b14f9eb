//! The CI toolkit: `kpi test` (+ JUnit), `kpi check --format junit|sarif|json|github`,
//! `kpi schema` (the shipped YAML validates), `kpi diff`.

use crate::support::{kpi, tempdir};

use serde_json::Value;

#[test]
fn the_shipped_definition_tests_pass() {
    let (code, out, err) = kpi(&["test", "metrics"]).parts();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines().last().unwrap().ends_with(" passed, 0 failed"),
        "{out}"
    );
}

#[test]
fn a_failing_suite_shows_expected_and_got_and_writes_junit() {
    let junit = tempdir("junit").join("report.xml");
    let (code, out, _) = kpi(&[
        "test",
        "tests/fixtures/deftest/failing.test.yaml",
        "--junit",
        junit.to_str().unwrap(),
    ])
    .parts();
    assert_eq!(code, 1);
    assert!(
        out.contains("ok   tests/fixtures/deftest/failing.test.yaml :: right values"),
        "{out}"
    );
    assert!(
        out.contains("FAIL tests/fixtures/deftest/failing.test.yaml :: wrong values"),
        "{out}"
    );
    // the mismatch, side by side, and the extra group of `exact: true`
    assert!(out.contains("group rep=a"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["calls", "2", "1"]),
        "{out}"
    );
    assert!(out.contains("group rep=b"), "{out}");
    assert!(out.contains("an unexpected row"), "{out}");
    assert_eq!(out.lines().last().unwrap(), "1 passed, 1 failed");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("2"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[1].attribute("name"), Some("wrong values"));
    assert!(cases[1].children().any(|c| c.has_tag_name("failure")));
    assert!(!cases[0].children().any(|c| c.has_tag_name("failure")));
}

#[test]
fn kpi_test_usage_errors() {
    let (code, _, err) = kpi(&["test", "no/such/dir"]).parts();
    assert_eq!(code, 2, "{err}");
    let d = tempdir("badtest");
    let p = d.join("bad.test.yaml");
    std::fs::write(
        &p,
        "definitions: x.kpi\ntests:\n  - name: t\n    expekt: []\n",
    )
    .unwrap();
    let (code, out, _) = kpi(&["test", p.to_str().unwrap()]).parts();
    assert_eq!(code, 1);
    assert!(out.contains("expekt"), "unknown keys are named: {out}");
}

#[test]
fn check_machine_formats() {
    let bad = "tests/fixtures/diag/err_unknown_metric.kpi";
    let (code, out, _) = kpi(&["check", bad, "--format", "json"]).parts();
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let d = &v[0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "severity",
            "code",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "help"
        ]
    );
    assert_eq!(d["code"], "E0201");
    let (code, out, _) = kpi(&["check", bad, "--format", "sarif"]).parts();
    assert_eq!(code, 1);
    let s: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kpi");
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "E0201");
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "E0201");
    assert_eq!(r["level"], "error");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], d["line"]);
    assert_eq!(region["startColumn"], d["column"]);
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        bad
    );
    let (code, out, _) = kpi(&["check", bad, "metrics/sales.kpi", "--format", "junit"]).parts();
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&out).expect("JUnit parses");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attribute("name"), Some(bad));
    let (code, out, _) = kpi(&["check", bad, "--format", "github"]).parts();
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("::error file={bad},line=")),
        "{out}"
    );
}

/// A validator for the subset of JSON Schema `kpi schema` uses.
fn valid(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types.contains(&actual) {
            errors.push(format!("{path}: {actual} is not {types:?}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(|e| e.as_array()) {
        if !e.contains(v) {
            errors.push(format!("{path}: {v} not in {e:?}"));
        }
    }
    if let Some(alts) = schema.get("oneOf").and_then(|o| o.as_array()) {
        let ok = alts
            .iter()
            .filter(|a| {
                let mut e = Vec::new();
                valid(a, v, path, &mut e);
                e.is_empty()
            })
            .count();
        if ok != 1 {
            errors.push(format!("{path}: matches {ok} of oneOf"));
        }
    }
    if let (Some(obj), Value::Object(m)) = (schema.as_object(), v) {
        let props = obj.get("properties").and_then(|p| p.as_object());
        for req in obj
            .get("required")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            if !m.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{path}: missing {req}"));
            }
        }
        for (k, x) in m {
            let p = format!("{path}.{k}");
            match (
                props.and_then(|p| p.get(k)),
                obj.get("additionalProperties"),
            ) {
                (Some(s), _) => valid(s, x, &p, errors),
                (None, Some(Value::Bool(false))) => errors.push(format!("{p}: not allowed")),
                (None, Some(s @ Value::Object(_))) => valid(s, x, &p, errors),
                _ => {}
            }
        }
        if let Some(n) = obj.get("maxProperties").and_then(|n| n.as_u64()) {
            if m.len() as u64 > n {
                errors.push(format!("{path}: too many properties"));
            }
        }
    }
    if let (Some(items), Value::Array(a)) = (schema.get("items"), v) {
        for (i, x) in a.iter().enumerate() {
            valid(items, x, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn shipped_yaml_validates_against_the_schema_and_a_broken_one_does_not() {
    let (code, out, _) = kpi(&["schema"]).parts();
    assert_eq!(code, 0);
    let schema: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(schema["properties"]["metrics"]["description"]
        .as_str()
        .is_some());
    let mut n = 0;
    for f in ["metrics/yaml/sales.yaml", "tests/fixtures/yaml/design.yaml"] {
        let text = std::fs::read_to_string(f).unwrap();
        let doc: Value = serde_saphyr::from_str(&text).unwrap();
        let mut errors = Vec::new();
        valid(&schema, &doc, "$", &mut errors);
        assert!(errors.is_empty(), "{f}: {errors:?}");
        n += 1;
    }
    assert_eq!(n, 2);
    let bad: Value =
        serde_saphyr::from_str("metrics:\n  a: { valu: x }\nsettings: { timezon: UTC }\n").unwrap();
    let mut errors = Vec::new();
    valid(&schema, &bad, "$", &mut errors);
    assert!(errors.iter().any(|e| e.contains("timezon")), "{errors:?}");
}

#[test]
fn diff_compares_compiled_definitions() {
    let (code, out, _) = kpi(&[
        "diff",
        "metrics/sales.kpi",
        "metrics/clients/acme.kpi",
        "--exit-code",
    ])
    .parts();
    assert_eq!(code, 1);
    assert!(
        out.contains("~ metric hit_rate\n    - won_deals / opportunities"),
        "{out}"
    );
    assert!(
        out.contains("    + won_deals / (won_deals + lost_deals)"),
        "{out}"
    );
    assert!(
        out.contains("~ param calls_per_day_target\n    - 4\n    + 3"),
        "{out}"
    );
    assert!(
        out.contains("~ profile enterprise\n    - { calls_per_day_target = 2 }\n    + { calls_per_day_target = 1.5 }\n"),
        "{out}"
    );
    assert!(out.ends_with("0 added, 1 removed, 5 changed\n"), "{out}");
    // the YAML form and a reformatted copy have no changes
    let (code, out, _) = kpi(&[
        "diff",
        "metrics/sales.kpi",
        "metrics/yaml/sales.yaml",
        "--exit-code",
    ])
    .parts();
    assert_eq!((code, out.as_str()), (0, "0 added, 0 removed, 0 changed\n"));
    let d = tempdir("diff");
    let ugly = d.join("sales.kpi");
    let text = std::fs::read_to_string("metrics/sales.kpi")
        .unwrap()
        .replace("metric calls = ", "metric   calls   =   ");
    std::fs::write(&ugly, text.replace("from \"../data/", "from \"../../data/")).unwrap();
    std::fs::copy("metrics/functions.rhai", d.join("functions.rhai")).unwrap();
    let (code, _, err) = kpi(&[
        "diff",
        "metrics/sales.kpi",
        ugly.to_str().unwrap(),
        "--exit-code",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = kpi(&[
        "diff",
        "metrics/sales.kpi",
        "metrics/clients/acme.kpi",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let hr = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "hit_rate" && c["kind"] == "metric")
        .unwrap();
    assert_eq!(hr["change"], "changed");
    let (code, _, _) = kpi(&["diff", "metrics/sales.kpi", "no_such.kpi"]).parts();
    assert_eq!(code, 2);
}

/// Profiles, settings, sources and calendars are compared too, and printed in the
/// language's own syntax (no Rust debug text such as `Some("ts")` or day numbers).
#[test]
fn diff_covers_profiles_settings_sources_and_calendars() {
    let (code, out, err) = kpi(&[
        "diff",
        "tests/fixtures/diff/a.kpi",
        "tests/fixtures/diff/b.kpi",
        "--exit-code",
    ])
    .parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "~ profile big
    - { t = 2 }
    + { t = 1 }
+ profile smb = { t = 3 }
~ source deals
    - { time ts  dimensions rep  column amount: decimal }
    + { time ts  dimensions rep, team  entity account  column amount: decimal }
~ settings
    - { timezone \"UTC\"  currency \"EUR\"  calendar nl }
    + { timezone \"Europe/Amsterdam\"  currency \"EUR\"  calendar nl }
~ calendar nl
    - { weekend saturday, sunday  holiday 2026-01-01 }
    + { weekend saturday, sunday  holiday 2026-01-01, 2026-04-06 }
1 added, 0 removed, 4 changed
"
    );
    // Only a profile differs: still a difference for --exit-code.
    let d = tempdir("diff_profile");
    let a = std::fs::read_to_string("tests/fixtures/diff/a.kpi").unwrap();
    std::fs::write(d.join("a.kpi"), &a).unwrap();
    std::fs::write(
        d.join("b.kpi"),
        a.replace("profile big { t = 2 }", "profile big { t = 1 }"),
    )
    .unwrap();
    let (code, out, _) = kpi(&[
        "diff",
        d.join("a.kpi").to_str().unwrap(),
        d.join("b.kpi").to_str().unwrap(),
        "--exit-code",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{"kind": "profile", "name": "big", "change": "changed",
            "before": "{ t = 2 }", "after": "{ t = 1 }"}])
    );
}

/// `kpi convert -o` into another folder rewrites relative `import`, `script` and `from`
/// paths so that the written file still finds them (it checks and evaluates to the
/// same result); to stdout the paths stay as written.
#[test]
fn convert_into_another_folder_rebases_relative_paths() {
    let d = tempdir("convert_rebase");
    let out = d.join("other/dir/x.yaml");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let (code, _, err) = kpi(&[
        "convert",
        "metrics/sales.kpi",
        "--to",
        "yaml",
        "-o",
        out.to_str().unwrap(),
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = kpi(&["check", out.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{err}");
    let eval = |defs: &str| {
        kpi(&[
            "eval", defs, "--by", "team", "--grain", "month", "--format", "csv",
        ])
        .parts()
    };
    let (code, converted, err) = eval(out.to_str().unwrap());
    assert_eq!(code, 0, "{err}");
    assert_eq!(converted, eval("metrics/sales.kpi").1);
    // A client file into a sibling folder: the import is rebased too.
    let acme = d.join("clients2/acme.kpi");
    std::fs::create_dir_all(acme.parent().unwrap()).unwrap();
    let (code, _, err) = kpi(&[
        "convert",
        "metrics/yaml/sales.yaml",
        "--to",
        "kpi",
        "-o",
        acme.to_str().unwrap(),
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = kpi(&["check", acme.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{err}");
    // To stdout, paths stay as written.
    let (code, yaml, _) = kpi(&["convert", "metrics/sales.kpi", "--to", "yaml"]).parts();
    assert_eq!(code, 0);
    assert!(yaml.contains("from: ../data/activities.csv"), "{yaml}");
    assert!(yaml.contains("scripts: [functions.rhai]"), "{yaml}");
}

/// A name in a test that the definitions do not have (a metric in `eval.metrics`, a
/// column in `expect`, a check in `checks`) is a diagnostic at the test file's line
/// and column, with a "did you mean", on lines of its own; the test fails.
#[test]
fn kpi_test_names_typos_at_their_line() {
    let (code, out, err) = kpi(&["test", "tests/fixtures/deftest/typos.test.yaml"]).parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "FAIL tests/fixtures/deftest/typos.test.yaml :: check
error[E0201]: eval.metrics: unknown metric `revnue`
 --> tests/fixtures/deftest/typos.test.yaml:8:23
  |
8 |     eval: { metrics: [revnue] }
  |                       ^^^^^^ not defined

FAIL tests/fixtures/deftest/typos.test.yaml :: unknown column in expect
error[E0201]: expect: unknown column `cals`
  --> tests/fixtures/deftest/typos.test.yaml:17:11
   |
17 |       - { cals: 1 }
   |           ^^^^ not defined
   |
   = help: did you mean `calls`?

FAIL tests/fixtures/deftest/typos.test.yaml :: unknown check
error[E0216]: checks: unknown check `calls_per_dy`
  --> tests/fixtures/deftest/typos.test.yaml:24:18
   |
24 |       - { check: calls_per_dy, rep: ann, period: 2026-W02, status: fail }
   |                  ^^^^^^^^^^^^ not defined
   |
   = help: did you mean `calls_per_day`?

0 passed, 3 failed
"
    );
}

/// A column an expectation names is evaluated even when it is not in the default
/// output: a funnel member (`outbound.total`) needs no `eval.metrics`; a wrong value
/// there still fails.
#[test]
fn kpi_test_evaluates_the_columns_its_expectations_name() {
    let dir = tempdir("deftest_members");
    let defs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("metrics/sales.kpi");
    let write = |total: &str| {
        let path = dir.join("members.test.yaml");
        std::fs::write(
            &path,
            format!(
                "definitions: {}\ntests:\n  - name: members\n    data:\n      activities: |\n        ts,rep,team,region,channel,type,account,amount,duration_s\n        2026-01-05T09:00:00,ann,north,emea,outbound,call,a1,,60\n        2026-01-06T10:00:00,ann,north,emea,outbound,meeting,a1,,900\n        2026-01-08T11:00:00,ann,north,emea,outbound,deal_won,a1,300.00,\n      quotas: |\n        month,rep,team,amount\n    expect:\n      - {{ calls: 1, outbound.won_rate: 1, outbound.total: {total} }}\n",
                defs.display()
            ),
        )
        .unwrap();
        path
    };
    let ok = write("300");
    let (code, out, err) = kpi(&["test", ok.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{out}{err}");
    let wrong = write("301");
    let (code, out, _) = kpi(&["test", wrong.to_str().unwrap()]).parts();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outbound.total"), "{out}");
}
