//! `kpi test`: definition tests run in-process on fixture rows, like
//! `promtool test rules` for KPIs.

pub mod junit;
pub mod model;
mod place;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::compile::{self, Graph, Loader};
use crate::data::period::Grain;
use crate::eval::{self, checks::evaluate_check, Cell, Request};

use model::{TestCase, TestFile};
use place::TestText;

/// A mismatch: where, what was expected, what came out.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub group: String,
    pub column: String,
    pub expected: String,
    pub got: String,
}

/// The result of one test.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub file: PathBuf,
    pub name: String,
    /// Empty when the test passed.
    pub failures: Vec<Failure>,
    /// A problem that stopped the test (definitions rejected, data unreadable, ..).
    pub error: Option<String>,
    pub seconds: f64,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.error.is_none()
    }
}

/// Test files under `paths` (files as given, folders searched for `*.test.yaml`).
pub fn find(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut es: Vec<PathBuf> = std::fs::read_dir(d)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        es.sort();
        for e in es {
            if e.is_dir() {
                walk(&e, out)?;
            } else if e.to_string_lossy().ends_with(".test.yaml")
                || e.to_string_lossy().ends_with(".test.yml")
            {
                out.push(e);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("no such file or folder: `{}`", p.display()));
        }
    }
    Ok(out)
}

/// Parse a test file (strict: unknown keys are errors).
pub fn parse(path: &Path, text: &str) -> Result<TestFile, String> {
    let mut o = crate::syntax::yaml::node::options();
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    serde_saphyr::from_str_with_options::<TestFile>(text, o)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Run every test of one file.
pub fn run_file(path: &Path) -> Vec<Outcome> {
    let fail_all = |msg: String| {
        vec![Outcome {
            file: path.to_path_buf(),
            name: "(file)".into(),
            failures: Vec::new(),
            error: Some(msg),
            seconds: 0.0,
        }]
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return fail_all(format!("cannot read `{}`: {e}", path.display())),
    };
    let tf = match parse(path, &text) {
        Ok(t) => t,
        Err(e) => return fail_all(e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    tf.tests
        .iter()
        .map(|t| run_test(&TestText { path, text: &text }, dir, &tf.definitions, t))
        .collect()
}

fn run_test(file: &TestText, dir: &Path, defs: &str, t: &TestCase) -> Outcome {
    let start = std::time::Instant::now();
    let mut out = Outcome {
        file: file.path.to_path_buf(),
        name: t.name.clone(),
        failures: Vec::new(),
        error: None,
        seconds: 0.0,
    };
    match run_case(file, dir, defs, t) {
        Ok(f) => out.failures = f,
        Err(e) => out.error = Some(e),
    }
    out.seconds = start.elapsed().as_secs_f64();
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn compile_defs(dir: &Path, defs: &str, t: &TestCase) -> Result<Graph, String> {
    let sets = t
        .eval
        .set
        .iter()
        .map(|(k, v)| (k.clone(), value_text(v)))
        .collect();
    let opts = compile::Options {
        profile: t.eval.profile.clone(),
        sets,
        require_params: true,
    };
    let mut loader = Loader::new();
    let (g, diags) = compile::compile_path(&mut loader, &dir.join(defs), &opts);
    let errors: Vec<_> = diags.into_iter().filter(|d| d.is_error()).collect();
    match g {
        Some(g) if errors.is_empty() => Ok(g),
        _ => Err(format!(
            "the definitions were rejected:\n{}",
            crate::diag::render_all(&loader.map, &errors, false)
        )),
    }
}

fn request(dir: &Path, graph: &Graph, t: &TestCase) -> Result<Request, String> {
    let date = |s: &Option<String>, flag: &str| -> Result<Option<i32>, String> {
        match s {
            None => Ok(None),
            Some(s) => crate::data::time::parse_date_arg(s)
                .map(Some)
                .ok_or(format!("eval.{flag}: `{s}` is not a date")),
        }
    };
    let grain = match &t.eval.grain {
        None => Grain::All,
        Some(g) => Grain::parse(g).ok_or(format!("eval.grain: unknown grain `{g}`"))?,
    };
    let mut data = HashMap::new();
    let mut inline = HashMap::new();
    for (src, v) in &t.data {
        if !graph.sources.iter().any(|s| &s.name == src) {
            return Err(format!(
                "data: there is no source `{src}` in the definitions"
            ));
        }
        if v.contains('\n') {
            let ext = if v.trim_start().starts_with('{') {
                "ndjson"
            } else {
                "csv"
            };
            data.insert(src.clone(), PathBuf::from(format!("{}:inline.{ext}", src)));
            inline.insert(src.clone(), Arc::new(v.as_bytes().to_vec()));
        } else {
            data.insert(src.clone(), dir.join(v));
        }
    }
    Ok(Request {
        metrics: Vec::new(),
        by: t.eval.by.clone(),
        grain,
        from: date(&t.eval.from, "from")?,
        to: date(&t.eval.to, "to")?,
        fill: t.eval.fill,
        data,
        inline,
        skip_bad_rows: false,
        threads: 1,
        hermetic: true,
        cut: None,
    })
}

/// The forecast of `f` as an evaluation's output: the `by` columns, `period`, and
/// each metric's forecast value.
fn forecast_output(
    graph: &Graph,
    req: &Request,
    f: &model::ForecastOpts,
) -> Result<eval::Output, String> {
    use crate::analyze::forecast_eval::{evaluate, forecasts, prepare, Method, Setup};
    let today = crate::data::time::parse_date_arg(&f.today)
        .ok_or(format!("forecast.today: `{}` is not a date", f.today))?;
    let method = match f.method.as_deref() {
        None | Some("run_rate") => Method::RunRate,
        Some("funnel") => Method::Funnel,
        Some(m) => return Err(format!("forecast.method: `{m}` is not run_rate or funnel")),
    };
    let setup = Setup {
        period: f.period.as_deref(),
        grain: Grain::Month,
        today,
        method,
        funnel: f.funnel.as_deref(),
        rates_from: f.rates_from.as_deref(),
        // The funnel method forecasts its funnel's members.
        metrics: (method == Method::RunRate).then(|| req.metrics.clone()),
        history: 1,
    };
    let (ctx, freq) = prepare(graph, &setup, req).map_err(|e| format!("forecast: {e}"))?;
    let (actual, projected) =
        evaluate(&ctx, &freq, &|p| p == ctx.period).map_err(|e| e.to_string())?;
    let rows = forecasts(&ctx, &actual, &projected, &|p| p == ctx.label)
        .into_iter()
        .map(|r| eval::Row {
            dims: r.dims,
            period: Some(r.period),
            values: r.forecast.into_iter().map(Cell::opt).collect(),
        })
        .collect();
    let columns = ctx
        .metrics
        .iter()
        .map(|id| (graph.node(*id).name.clone(), graph.node(*id).meta.format))
        .collect();
    Ok(crate::report::table_output(
        req.by.clone(),
        ctx.grain,
        columns,
        rows,
    ))
}

fn close(expected: f64, got: f64, tol: f64) -> bool {
    if expected == got {
        return true;
    }
    let scale = expected.abs().max(got.abs());
    (expected - got).abs() <= tol * scale.max(f64::MIN_POSITIVE) || (expected - got).abs() <= tol
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => "null".into(),
        other => crate::report::cell_raw(other),
    }
}

fn run_case(file: &TestText, dir: &Path, defs: &str, t: &TestCase) -> Result<Vec<Failure>, String> {
    let graph = compile_defs(dir, defs, t)?;
    let mut req = request(dir, &graph, t)?;
    let mut failures = Vec::new();
    if t.forecast.is_some() && req.grain == Grain::All {
        req.grain = Grain::Month; // a forecast's rows have a period
    }
    if !t.expect.is_empty() || t.exact {
        req.metrics = case_metrics(file, t, &graph)?;
        check_expect_columns(file, t, &graph, &req)?;
        // A column an expectation names is evaluated even when it is not in the
        // default output (funnel members such as `outbound.total`).
        for exp in &t.expect {
            for key in exp.keys() {
                if let Some(id) = graph.metric(key) {
                    if !req.metrics.contains(&id) {
                        req.metrics.push(id);
                    }
                }
            }
        }
        let out = match &t.forecast {
            Some(f) => forecast_output(&graph, &req, f)?,
            None => eval::evaluate(&graph, &req).map_err(|e| e.to_string())?,
        };
        failures.extend(compare_rows(t, &out));
    }
    failures.extend(compare_checks(file, t, &graph, &req)?);
    Ok(failures)
}

/// The metrics a case evaluates: `eval.metrics` (a funnel name lists its members), or
/// every metric.
fn case_metrics(
    file: &TestText,
    t: &TestCase,
    graph: &Graph,
) -> Result<Vec<crate::compile::NodeId>, String> {
    Ok(if t.eval.metrics.is_empty() {
        graph.metric_order.clone()
    } else {
        let mut m = Vec::new();
        for n in &t.eval.metrics {
            match graph.metric(n) {
                Some(id) => m.push(id),
                None => match graph.funnels.iter().find(|f| &f.name == n) {
                    Some(f) => m.extend(&f.members),
                    None => {
                        return Err(file.unknown(
                            &t.name,
                            "E0201",
                            format!("eval.metrics: unknown metric `{n}`"),
                            n,
                            metric_names(graph),
                        ))
                    }
                },
            }
        }
        m
    })
}

/// Every `expect` column must be a metric, a member, a `by` dimension or `period`.
fn check_expect_columns(
    file: &TestText,
    t: &TestCase,
    graph: &Graph,
    req: &Request,
) -> Result<(), String> {
    // A column no metric, member, `by` dimension or `period` can fill is a typo.
    for exp in &t.expect {
        for key in exp.keys() {
            let known = graph.metric(key).is_some()
                || req.by.contains(key)
                || (key == "period" && req.grain != Grain::All);
            if !known {
                let mut names: Vec<&str> = metric_names(graph).collect();
                names.extend(req.by.iter().map(String::as_str));
                if req.grain != Grain::All {
                    names.push("period");
                }
                return Err(file.unknown(
                    &t.name,
                    "E0201",
                    format!("expect: unknown column `{key}`"),
                    key,
                    names,
                ));
            }
        }
    }
    Ok(())
}

/// Compare the expected rows with the result (with `exact`, every row must be
/// expected).
fn compare_rows(t: &TestCase, out: &eval::Output) -> Vec<Failure> {
    let tol = t.tolerance.unwrap_or(1e-9);
    let mut failures = Vec::new();
    let keys: Vec<String> = out
        .by
        .iter()
        .cloned()
        .chain((out.grain != Grain::All).then(|| "period".to_string()))
        .collect();
    let mut matched = vec![false; out.rows().len()];
    for exp in &t.expect {
        let want: Vec<(String, String)> = keys
            .iter()
            .filter_map(|k| exp.get(k).map(|v| (k.clone(), value_text(v))))
            .collect();
        let label = want
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = out.rows().iter().position(|r| {
            want.iter().all(|(k, v)| {
                if k == "period" {
                    r.period.as_deref() == Some(v.as_str())
                } else {
                    out.by
                        .iter()
                        .position(|b| b == k)
                        .is_some_and(|i| r.dims[i] == *v)
                }
            })
        });
        let Some(ri) = found else {
            failures.push(Failure {
                group: label,
                column: "(row)".into(),
                expected: "a row".into(),
                got: "no such group in the result".into(),
            });
            continue;
        };
        matched[ri] = true;
        let row = &out.rows()[ri];
        for (col, v) in exp {
            if keys.contains(col) {
                continue;
            }
            let Some(ci) = out.columns.iter().position(|c| &c.name == col) else {
                failures.push(Failure {
                    group: label.clone(),
                    column: col.clone(),
                    expected: value_text(v),
                    got: "no such column".into(),
                });
                continue;
            };
            let got = &row.values[ci];
            let ok = match (v, got.as_f64()) {
                (Value::Null, None) => matches!(got, Cell::Null),
                (Value::Number(n), Some(g)) => n.as_f64().is_some_and(|e| close(e, g, tol)),
                _ => false,
            };
            if !ok {
                failures.push(Failure {
                    group: label.clone(),
                    column: col.clone(),
                    expected: value_text(v),
                    got: cell_text(got),
                });
            }
        }
    }
    if t.exact {
        for (ri, m) in matched.iter().enumerate() {
            if !m {
                let r = &out.rows()[ri];
                let mut label: Vec<String> = out
                    .by
                    .iter()
                    .zip(&r.dims)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if let Some(p) = &r.period {
                    label.push(format!("period={p}"));
                }
                failures.push(Failure {
                    group: label.join(" "),
                    column: "(row)".into(),
                    expected: "no such row (exact: true)".into(),
                    got: "an unexpected row".into(),
                });
            }
        }
    }
    failures
}

/// Compare the expected check statuses with the checks' results.
fn compare_checks(
    file: &TestText,
    t: &TestCase,
    graph: &Graph,
    req: &Request,
) -> Result<Vec<Failure>, String> {
    let mut failures = Vec::new();
    let mut cache: HashMap<String, Vec<eval::checks::CheckRow>> = HashMap::new();
    for exp in &t.checks {
        let name = exp
            .get("check")
            .map(value_text)
            .ok_or("checks: every entry needs `check`")?;
        let Some(def) = graph.checks.iter().find(|c| c.name == name) else {
            return Err(file.unknown(
                &t.name,
                "E0216",
                format!("checks: unknown check `{name}`"),
                &name,
                graph.checks.iter().map(|c| c.name.as_str()),
            ));
        };
        if !cache.contains_key(&name) {
            let rows = evaluate_check(graph, def, req).map_err(|e| e.to_string())?;
            cache.insert(name.clone(), rows);
        }
        let rows = &cache[&name];
        let want_status = exp
            .get("status")
            .map(value_text)
            .ok_or("checks: every entry needs `status`")?;
        let period = exp.get("period").map(value_text);
        let group: Vec<(String, String)> = def
            .per
            .iter()
            .filter_map(|d| exp.get(d).map(|v| (d.clone(), value_text(v))))
            .collect();
        let mut label: Vec<String> = vec![format!("check={name}")];
        label.extend(group.iter().map(|(k, v)| format!("{k}={v}")));
        if let Some(p) = &period {
            label.push(format!("period={p}"));
        }
        let found = rows.iter().find(|r| {
            group.iter().all(|g| r.group.contains(g))
                && period.as_ref().is_none_or(|p| *r.period == **p)
        });
        match found {
            Some(r) if r.status.as_str() == want_status => {}
            Some(r) => failures.push(Failure {
                group: label.join(" "),
                column: "status".into(),
                expected: want_status,
                got: format!(
                    "{} (value {})",
                    r.status.as_str(),
                    r.value.map_or("null".into(), crate::report::number::full)
                ),
            }),
            None => failures.push(Failure {
                group: label.join(" "),
                column: "status".into(),
                expected: want_status,
                got: "no such group and period".into(),
            }),
        }
    }
    Ok(failures)
}

/// Metric, funnel-member and funnel names (for "did you mean").
fn metric_names(graph: &Graph) -> impl Iterator<Item = &str> {
    graph
        .by_name
        .keys()
        .map(String::as_str)
        .chain(graph.funnels.iter().map(|f| f.name.as_str()))
}
