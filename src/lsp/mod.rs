//! `kpi lsp`: a language server over stdio for `.kpi` files and the YAML form
//! (DESIGN 5.6), on the `lsp-server` scaffold. One thread handles one message at a
//! time: every open document is compiled as a root when it (or a file it imports)
//! changes, and requests read that analysis.
//!
//! - [`state`]: the open documents and their analyses, and diagnostics;
//! - [`analysis`]: compiling a document as `kpi check` does, and the index of names;
//! - [`hover`], [`navigate`] (definition, references), [`symbols`], [`completion`],
//!   [`formatting`]: one request each;
//! - [`text`]: UTF-16 positions and `file://` URIs.

pub mod analysis;
pub mod completion;
pub mod formatting;
pub mod hover;
pub mod navigate;
pub mod state;
pub mod symbols;
pub mod text;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CompletionOptions, HoverProviderCapability, OneOf, SaveOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};
use serde::de::DeserializeOwned;

pub use analysis::ExtraChecks;
pub use state::State;

/// What the server announces.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// How the session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// `exit` after `shutdown`.
    Clean,
    /// `exit` without `shutdown` (the protocol asks for exit code 1).
    ExitWithoutShutdown,
    /// The client went away (end of input).
    Disconnected,
}

/// A server: the state and the protocol rules (`shutdown`, then `exit`).
pub struct Server {
    pub state: State,
    shut_down: bool,
}

impl Server {
    pub fn new(extra: Option<ExtraChecks>) -> Server {
        Server {
            state: State::new(extra),
            shut_down: false,
        }
    }

    /// Handle one message; what to send back goes to `out`. `Some` when the session
    /// is over.
    pub fn handle(&mut self, msg: Message, out: &mut Vec<Message>) -> Option<End> {
        match msg {
            Message::Request(req) => {
                let id = req.id.clone();
                let method = req.method.clone();
                let shut_down = self.shut_down;
                let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.request(req, shut_down)
                }))
                .unwrap_or_else(|_| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("kpi lsp: internal error in `{method}`"),
                    )
                });
                if method == lsp_types::request::Shutdown::METHOD && resp.response_result.is_ok() {
                    self.shut_down = true;
                }
                out.push(Message::Response(resp));
                None
            }
            Message::Notification(n) => {
                if n.method == lsp_types::notification::Exit::METHOD {
                    return Some(if self.shut_down {
                        End::Clean
                    } else {
                        End::ExitWithoutShutdown
                    });
                }
                if !self.shut_down {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.notification(n, out)
                    }));
                }
                None
            }
            Message::Response(_) => None,
        }
    }

    fn request(&mut self, req: Request, shut_down: bool) -> Response {
        use lsp_types::request::*;
        let id = req.id.clone();
        if shut_down {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            );
        }
        let result: Result<serde_json::Value, Response> = match req.method.as_str() {
            Shutdown::METHOD => Ok(serde_json::Value::Null),
            Initialize::METHOD => Err(Response::new_err(
                id.clone(),
                ErrorCode::InvalidRequest as i32,
                "already initialized".into(),
            )),
            HoverRequest::METHOD => params(&req).map(|p| to_json(hover::hover(&self.state, &p))),
            GotoDefinition::METHOD => {
                params(&req).map(|p| to_json(navigate::definition(&self.state, &p)))
            }
            References::METHOD => {
                params(&req).map(|p| to_json(navigate::references(&self.state, &p)))
            }
            DocumentSymbolRequest::METHOD => {
                params(&req).map(|p| to_json(symbols::document_symbols(&self.state, &p)))
            }
            Completion::METHOD => {
                params(&req).map(|p| to_json(completion::completion(&self.state, &p)))
            }
            Formatting::METHOD => {
                params(&req).map(|p| to_json(formatting::format(&self.state, &p)))
            }
            _ => Err(Response::new_err(
                id.clone(),
                ErrorCode::MethodNotFound as i32,
                format!("unknown method `{}`", req.method),
            )),
        };
        match result {
            Ok(v) => Response::new_ok(id, v),
            Err(mut e) => {
                e.id = id;
                e
            }
        }
    }

    fn notification(&mut self, n: Notification, out: &mut Vec<Message>) {
        use lsp_types::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let d = p.text_document;
                    self.state.open(d.uri, d.text, out);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    self.state
                        .change(&p.text_document.uri, p.content_changes, out);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                {
                    self.state.save(&p.text_document.uri, p.text, out);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    self.state.close(&p.text_document.uri, out);
                }
            }
            _ => {}
        }
    }
}

fn params<P: DeserializeOwned>(req: &Request) -> Result<P, Response> {
    serde_json::from_value(req.params.clone()).map_err(|e| {
        Response::new_err(
            req.id.clone(),
            ErrorCode::InvalidParams as i32,
            format!("invalid params: {e}"),
        )
    })
}

fn to_json<T: serde::Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Serve over stdio until `exit` or the end of input. The exit code: 0 after
/// `shutdown` + `exit` or when the client goes away, 1 for `exit` without `shutdown`
/// or a broken stream.
pub fn serve_stdio(extra: Option<ExtraChecks>) -> u8 {
    let (conn, io) = Connection::stdio();
    let code = serve(&conn, extra);
    drop(conn);
    match io.join() {
        Ok(()) => code,
        Err(e) => {
            eprintln!("kpi lsp: {e}");
            1
        }
    }
}

/// Serve on a connection: the `initialize` handshake, then the main loop.
pub fn serve(conn: &Connection, extra: Option<ExtraChecks>) -> u8 {
    let caps = match serde_json::to_value(capabilities()) {
        Ok(c) => c,
        Err(_) => return 1,
    };
    let init = serde_json::json!({
        "capabilities": caps,
        "serverInfo": { "name": "kpi", "version": env!("CARGO_PKG_VERSION") },
    });
    let (id, _params) = match conn.initialize_start() {
        Ok(x) => x,
        Err(e) => {
            return if e.channel_is_disconnected() {
                0
            } else {
                eprintln!("kpi lsp: {e}");
                1
            };
        }
    };
    if let Err(e) = conn.initialize_finish(id, init) {
        if e.channel_is_disconnected() {
            return 0;
        }
        eprintln!("kpi lsp: {e}");
        return 1;
    }
    let mut server = Server::new(extra);
    let mut out = Vec::new();
    for msg in &conn.receiver {
        let end = server.handle(msg, &mut out);
        for m in out.drain(..) {
            if conn.sender.send(m).is_err() {
                return 0;
            }
        }
        match end {
            Some(End::Clean) => return 0,
            Some(End::ExitWithoutShutdown) => return 1,
            Some(End::Disconnected) | None => {}
        }
    }
    0
}
