//! `kpi lsp` through its stdin and stdout, as an editor drives it: the handshake,
//! diagnostics as you type (the same codes, messages and spans as `kpi check`),
//! hover, definition and references across an import, the outline, completion,
//! formatting, and the protocol's edges (positions past the end, unknown methods,
//! shutdown, a client that goes away). Every session has a deadline.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::support::lsp::{uri, Lsp};
use crate::support::tempdir;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lsp")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture")
}

fn pos(u: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": u }, "position": { "line": line, "character": character } })
}

fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> Value {
    json!({ "start": { "line": l0, "character": c0 }, "end": { "line": l1, "character": c1 } })
}

/// A session with base.kpi and client.kpi (which imports it and overrides `hit_rate`) open.
fn with_client() -> (Lsp, String, String) {
    let (mut lsp, _) = Lsp::initialized();
    let base = uri(&fixture("base.kpi"));
    let client = uri(&fixture("client.kpi"));
    assert_eq!(lsp.open(&client, &text("client.kpi")), json!([]));
    assert_eq!(lsp.open(&base, &text("base.kpi")), json!([]));
    (lsp, base, client)
}

fn change(lsp: &mut Lsp, u: &str, version: i32, text: &str) {
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": u, "version": version },
            "contentChanges": [{ "text": text }],
        }),
    );
}

fn labels(resp: &Value) -> Vec<String> {
    resp["result"]["items"]
        .as_array()
        .expect("a completion list")
        .iter()
        .map(|i| i["label"].as_str().expect("a label").to_string())
        .collect()
}

#[test]
fn initialize_announces_the_capabilities() {
    let (mut lsp, init) = Lsp::initialized();
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["textDocumentSync"]["openClose"], json!(true));
    assert_eq!(
        caps["textDocumentSync"]["change"],
        json!(1),
        "full text sync"
    );
    assert_eq!(caps["hoverProvider"], json!(true));
    assert_eq!(caps["definitionProvider"], json!(true));
    assert_eq!(caps["referencesProvider"], json!(true));
    assert_eq!(caps["documentSymbolProvider"], json!(true));
    assert_eq!(caps["documentFormattingProvider"], json!(true));
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!(["."])
    );
    assert_eq!(init["result"]["serverInfo"]["name"], json!("kpi"));
    assert_eq!(lsp.request("shutdown", Value::Null)["result"], Value::Null);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait(), 0);
}

#[test]
fn diagnostics_as_you_type_then_fixed() {
    let (mut lsp, _) = Lsp::initialized();
    // Not on disk: the unsaved buffer is what is checked.
    let u = uri(&tempdir("lsp-diag").join("broken.kpi"));
    let diags = lsp.open(&u, "metric won_deals = 1\nmetric avg = won_deal / 2\n");
    assert_eq!(diags.as_array().map(Vec::len), Some(1), "{diags:#}");
    let d = &diags[0];
    // As `kpi check --format json`: line 2, columns 14..22 (1-based).
    assert_eq!(d["code"], json!("E0201"));
    assert_eq!(d["message"], json!("unknown metric `won_deal`"));
    assert_eq!(d["severity"], json!(1));
    assert_eq!(d["source"], json!("kpi"));
    assert_eq!(d["range"], range(1, 13, 1, 21));
    assert_eq!(
        d["relatedInformation"][0]["message"],
        json!("help: did you mean `won_deals`?")
    );
    change(
        &mut lsp,
        &u,
        2,
        "metric won_deals = 1\nmetric avg = won_deals / 2\n",
    );
    assert_eq!(lsp.diagnostics(&u), json!([]));
}

#[test]
fn utf16_columns_in_diagnostics() {
    let (mut lsp, _) = Lsp::initialized();
    let u = uri(&tempdir("lsp-utf16").join("u.kpi"));
    // `😀` is two UTF-16 code units, `é` one.
    let diags = lsp.open(
        &u,
        "metric a = 1 { description \"é😀\" }\nmetric b = nope\n",
    );
    assert_eq!(diags[0]["range"], range(1, 11, 1, 15), "{diags:#}");
    let diags2 = {
        change(
            &mut lsp,
            &u,
            2,
            "metric a = 1 { description \"é😀\" } metric b = nope\n",
        );
        lsp.diagnostics(&u)
    };
    // 0-based: `metric a = 1 { description "` is 28, é 1, 😀 2, `" } metric b = ` 15.
    assert_eq!(diags2[0]["range"], range(0, 46, 0, 50), "{diags2:#}");
}

#[test]
fn an_importer_is_checked_against_the_unsaved_base() {
    let (mut lsp, base, client) = with_client();
    let without = text("base.kpi").replace(
        "metric won_deals = count(activities where type == \"deal_won\")\n",
        "",
    );
    change(&mut lsp, &base, 2, &without);
    let diags = lsp.diagnostics(&client);
    let first = diags
        .as_array()
        .and_then(|d| d.iter().find(|d| d["code"] == "E0201"))
        .cloned()
        .unwrap_or_else(|| panic!("an unknown metric in client.kpi: {diags:#}"));
    assert_eq!(first["message"], json!("unknown metric `won_deals`"));
    // `override metric hit_rate = won_deals / ..` in client.kpi.
    assert_eq!(first["range"], range(4, 27, 4, 36));
    change(&mut lsp, &base, 3, &text("base.kpi"));
    assert_eq!(lsp.diagnostics(&client), json!([]));
}

#[test]
fn hover_shows_the_formula_and_what_an_override_replaced() {
    let (mut lsp, base, client) = with_client();
    // `hit_rate` used on the last line of client.kpi.
    let h = lsp.request("textDocument/hover", pos(&client, 9, 50));
    assert_eq!(h["result"]["contents"]["kind"], json!("markdown"));
    assert_eq!(
        h["result"]["contents"]["value"],
        json!("```kpi\nmetric hit_rate = won_deals / (won_deals + opportunities)\n```\n- format: percent\n- owner: client-ops\n- overrides: base.kpi:21\n- defined at: client.kpi:5")
    );
    assert_eq!(h["result"]["range"], range(9, 48, 9, 56));
    // A base metric with a unit (a sum of a decimal column takes the currency).
    let h = lsp.request("textDocument/hover", pos(&base, 19, 9));
    assert_eq!(
        h["result"]["contents"]["value"],
        json!("```kpi\nmetric won_amount = sum(activities.amount where type == \"deal_won\")\n```\n- unit: `EUR`\n- format: currency\n- defined at: base.kpi:20")
    );
    // A funnel member.
    let h = lsp.request("textDocument/hover", pos(&client, 9, 35));
    assert_eq!(
        h["result"]["contents"]["value"],
        json!("```kpi\nmetric outbound.meetings_rate = outbound.meetings / outbound.touches\n```\n- format: percent\n- defined at: base.kpi:30")
    );
    // A param replaced by the importer.
    let h = lsp.request("textDocument/hover", pos(&client, 2, 8));
    assert_eq!(
        h["result"]["contents"]["value"],
        json!("```kpi\nparam calls_per_day_target = 50\n```\n- overrides: base.kpi:13\n- defined at: client.kpi:3")
    );
}

#[test]
fn definition_and_references_across_an_import() {
    let (mut lsp, base, client) = with_client();
    // `won_deals` in `override metric hit_rate = won_deals / ..`.
    let d = lsp.request("textDocument/definition", pos(&client, 4, 30));
    assert_eq!(
        d["result"],
        json!({ "uri": base, "range": range(18, 7, 18, 16) })
    );
    // `outbound.meetings_rate`: the funnel, then the stage the rate is made from.
    let d = lsp.request("textDocument/definition", pos(&client, 9, 25));
    assert_eq!(
        d["result"],
        json!({ "uri": base, "range": range(27, 7, 27, 15) })
    );
    let d = lsp.request("textDocument/definition", pos(&client, 9, 40));
    assert_eq!(
        d["result"],
        json!({ "uri": base, "range": range(29, 8, 29, 16) })
    );
    // The use of `hit_rate` goes to the override; the override to what it replaced.
    let d = lsp.request("textDocument/definition", pos(&client, 9, 50));
    assert_eq!(
        d["result"],
        json!({ "uri": client, "range": range(4, 16, 4, 24) })
    );
    let d = lsp.request("textDocument/definition", pos(&client, 4, 18));
    assert_eq!(
        d["result"],
        json!({ "uri": base, "range": range(20, 7, 20, 15) })
    );
    // The import itself opens the file.
    let d = lsp.request("textDocument/definition", pos(&client, 0, 10));
    assert_eq!(
        d["result"],
        json!({ "uri": base, "range": range(0, 0, 0, 0) })
    );

    let r = lsp.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": client },
            "position": { "line": 9, "character": 50 },
            "context": { "includeDeclaration": true },
        }),
    );
    assert_eq!(
        r["result"],
        json!([
            { "uri": base, "range": range(20, 7, 20, 15) },
            { "uri": client, "range": range(4, 16, 4, 24) },
            { "uri": client, "range": range(9, 48, 9, 56) },
        ])
    );
    // From the base file, uses in the open importer are found too.
    let r = lsp.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": base },
            "position": { "line": 18, "character": 10 },
            "context": { "includeDeclaration": false },
        }),
    );
    assert_eq!(
        r["result"],
        json!([
            { "uri": base, "range": range(20, 18, 20, 27) },
            { "uri": base, "range": range(25, 36, 25, 45) },
            { "uri": base, "range": range(30, 14, 30, 23) },
            { "uri": client, "range": range(4, 27, 4, 36) },
            { "uri": client, "range": range(4, 40, 4, 49) },
        ])
    );
}

#[test]
fn document_symbols_outline_the_file() {
    let (mut lsp, base, _) = with_client();
    let s = lsp.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": base } }),
    );
    let list = s["result"].as_array().expect("symbols");
    let names: Vec<(&str, &str)> = list
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("activities", "source"),
            ("calls_per_day_target", "param"),
            ("calls", "metric"),
            ("emails", "metric"),
            ("meetings", "metric"),
            ("opportunities", "metric"),
            ("won_deals", "metric"),
            ("won_amount", "metric"),
            ("hit_rate", "metric"),
            ("avg_deal_size", "metric"),
            ("outbound", "funnel"),
        ]
    );
    let funnel = &list[10];
    assert_eq!(funnel["selectionRange"], range(27, 7, 27, 15));
    assert_eq!(
        funnel["range"]["start"],
        json!({ "line": 27, "character": 0 })
    );
    let stages: Vec<&str> = funnel["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["touches", "meetings", "won"]);
    let hit_rate = &list[8];
    assert_eq!(
        hit_rate["range"]["start"],
        json!({ "line": 20, "character": 0 })
    );
    assert_eq!(hit_rate["range"]["end"]["line"], json!(24));
}

#[test]
fn completion_of_funnel_members_and_columns() {
    let (mut lsp, _, client) = with_client();
    let typed = format!("{}metric x = outbound.\n", text("client.kpi"));
    change(&mut lsp, &client, 2, &typed);
    lsp.diagnostics(&client);
    let c = lsp.request("textDocument/completion", pos(&client, 10, 20));
    assert_eq!(
        labels(&c),
        [
            "touches",
            "meetings",
            "won",
            "meetings_rate",
            "won_rate",
            "conversion",
            "total"
        ]
    );
    // Columns after `SOURCE.`: the declared ones, then the rest of the data file's header.
    let typed = format!("{}metric y = sum(activities.\n", text("client.kpi"));
    change(&mut lsp, &client, 3, &typed);
    lsp.diagnostics(&client);
    let c = lsp.request("textDocument/completion", pos(&client, 10, 26));
    assert_eq!(
        labels(&c),
        ["ts", "rep", "team", "amount", "type", "account", "channel"]
    );
    // Inside a `where`: the source's columns first, then everything else.
    let typed = format!(
        "{}metric z = count(activities where ty\n",
        text("client.kpi")
    );
    change(&mut lsp, &client, 4, &typed);
    lsp.diagnostics(&client);
    let c = lsp.request("textDocument/completion", pos(&client, 10, 36));
    let all = labels(&c);
    assert_eq!(
        all[..7],
        ["ts", "rep", "team", "amount", "type", "account", "channel"]
    );
    for name in [
        "hit_rate",
        "meeting_share",
        "calls_per_day_target",
        "outbound",
        "activities",
        "coalesce",
        "rolling",
        "percentile",
        "where",
        "override",
    ] {
        assert!(all.iter().any(|l| l == name), "{name} in {all:?}");
    }
}

#[test]
fn formatting_is_kpi_fmt() {
    let (mut lsp, _) = Lsp::initialized();
    let u = uri(&tempdir("lsp-fmt").join("messy.kpi"));
    let messy = "metric   a=1\nmetric b = a*2 {format percent}\n";
    lsp.open(&u, messy);
    let f = lsp.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(
        f["result"],
        json!([{
            "range": range(0, 0, 2, 0),
            "newText": "metric a = 1\nmetric b = a * 2 { format percent }\n",
        }])
    );
    // A file that does not parse is left alone.
    change(&mut lsp, &u, 2, "metric a = (1\n");
    lsp.diagnostics(&u);
    let f = lsp.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(f["result"], json!([]));
}

#[test]
fn positions_past_the_end_and_malformed_documents() {
    let (mut lsp, _, client) = with_client();
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        let r = lsp.request(method, pos(&client, 999, 3));
        assert_eq!(r["result"], Value::Null, "{method}: {r}");
        assert!(r.get("error").is_none(), "{method}: {r}");
    }
    // A column past the end of a line is its end.
    let r = lsp.request("textDocument/hover", pos(&client, 9, 999));
    assert!(r.get("error").is_none(), "{r}");
    // Garbage: diagnostics, and every request still answered.
    let u = uri(&tempdir("lsp-bad").join("bad.kpi"));
    let diags = lsp.open(
        &u,
        "metric = = {{{ \"unterminated\nfunnel x { stage }}\n\u{0}\u{FFFF}",
    );
    assert!(!diags.as_array().unwrap().is_empty());
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        let r = lsp.request(method, pos(&u, 1, 8));
        assert!(r.get("error").is_none(), "{method}: {r}");
    }
    let r = lsp.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": u } }),
    );
    assert!(r.get("error").is_none(), "{r}");
    // A document nobody opened.
    let r = lsp.request("textDocument/hover", pos("file:///nowhere/x.kpi", 0, 0));
    assert_eq!(r["result"], Value::Null);
}

#[test]
fn the_yaml_form_has_hover_and_definitions() {
    let (mut lsp, _) = Lsp::initialized();
    let u = uri(&fixture("sales.yaml"));
    assert_eq!(lsp.open(&u, &text("sales.yaml")), json!([]));
    // `visit_count` in `double_visits: visit_count * 2`.
    let h = lsp.request("textDocument/hover", pos(&u, 6, 20));
    assert_eq!(
        h["result"]["contents"]["value"],
        json!("```kpi\nmetric visit_count = count(visits)\n```\n- defined at: sales.yaml:6")
    );
    let d = lsp.request("textDocument/definition", pos(&u, 6, 20));
    assert_eq!(
        d["result"],
        json!({ "uri": u, "range": range(5, 2, 5, 13) })
    );
    let f = lsp.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(f["result"], json!([]), "kpi fmt leaves YAML alone");
}

#[test]
fn an_unknown_method_is_method_not_found() {
    let (mut lsp, _) = Lsp::initialized();
    let r = lsp.request("kpi/noSuchThing", json!({}));
    assert_eq!(r["error"]["code"], json!(-32601));
    // Still serving.
    let r = lsp.request("textDocument/hover", pos("file:///x.kpi", 0, 0));
    assert_eq!(r["result"], Value::Null);
}

#[test]
fn shutdown_then_exit_exits_zero() {
    let (mut lsp, _) = Lsp::initialized();
    let r = lsp.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait(), 0);
    assert!(!lsp.stderr().contains("panicked"), "{}", lsp.stderr());
}

#[test]
fn end_of_input_without_shutdown_exits_cleanly() {
    let (mut lsp, _, _) = with_client();
    lsp.close_stdin();
    assert_eq!(lsp.wait(), 0);
    let err = lsp.stderr();
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    // Before the handshake, too.
    let mut early = Lsp::start();
    early.close_stdin();
    assert_eq!(early.wait(), 0);
}

/// The VS Code grammar (tested with vscode-tmgrammar-test under editors/vscode, which
/// CI does not run) highlights every keyword of the language.
#[test]
fn the_textmate_grammar_highlights_every_keyword() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("editors/vscode/syntaxes/kpi.tmLanguage.json");
    let grammar: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the grammar")).expect("JSON");
    assert_eq!(grammar["scopeName"], json!("source.kpi"));
    let rule = grammar["repository"]["keyword"]["match"]
        .as_str()
        .expect("a keyword rule");
    let words: Vec<&str> = rule
        .strip_prefix("\\b(")
        .and_then(|r| r.strip_suffix(")\\b"))
        .expect("\\b(a|b|..)\\b")
        .split('|')
        .collect();
    for k in kpi::syntax::lexicon::KEYWORDS {
        assert!(words.contains(&k), "`{k}` is not highlighted");
    }
    let ops = grammar["repository"]["operator-word"]["match"]
        .as_str()
        .unwrap();
    for w in kpi::syntax::lexicon::RESERVED {
        assert!(
            ops.contains(w)
                || grammar["repository"]["constant"]["match"]
                    .as_str()
                    .unwrap()
                    .contains(w),
            "`{w}`"
        );
    }
}
