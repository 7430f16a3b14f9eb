// The VS Code client of `kpi lsp`: starts the server over stdio for .kpi files (and
// YAML definitions), restarts it when `kpi.path` changes.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function selector() {
  const docs = [{ scheme: "file", language: "kpi" }];
  if (vscode.workspace.getConfiguration("kpi").get("yaml", true)) {
    docs.push({ scheme: "file", language: "yaml", pattern: "**/*.{yaml,yml}" });
  }
  return docs;
}

async function start() {
  const command = vscode.workspace.getConfiguration("kpi").get("path", "kpi") || "kpi";
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "kpi",
    "kpi language server",
    { run, debug: run },
    { documentSelector: selector() }
  );
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `kpi: cannot start \`${command} lsp\` (${err.message || err}). Set "kpi.path" to the kpi executable.`
    );
  }
}

async function activate(context) {
  await start();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("kpi")) {
        await deactivate();
        await start();
      }
    })
  );
}

async function deactivate() {
  if (client) {
    const c = client;
    client = undefined;
    await c.stop();
  }
}

module.exports = { activate, deactivate };
