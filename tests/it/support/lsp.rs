//! Driving `kpi lsp` through its stdin and stdout: Content-Length framing, request
//! ids, waiting for a response or a notification, and a deadline after which the
//! server is killed (a hang fails the test instead of blocking CI).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one test may talk to the server.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A running `kpi lsp`.
pub struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    next_id: i64,
    deadline: Instant,
    stderr: Arc<Mutex<String>>,
    /// Notifications received while waiting for something else.
    pub notifications: Vec<Value>,
}

/// The `file://` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A framed message.
pub fn frame(v: &Value) -> Vec<u8> {
    let body = serde_json::to_string(v).expect("JSON");
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Read one framed message; `None` at the end of the stream.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Lsp {
    pub fn start() -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kpi"))
            .arg("lsp")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kpi lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_message(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            sink.lock().expect("stderr").push_str(&s);
        });
        Lsp {
            stdin: child.stdin.take(),
            child,
            rx,
            next_id: 0,
            deadline: Instant::now() + DEADLINE,
            stderr,
            notifications: Vec::new(),
        }
    }

    /// Start and complete the `initialize` handshake; the `initialize` result.
    pub fn initialized() -> (Lsp, Value) {
        let mut lsp = Lsp::start();
        let init = lsp.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        lsp.notify("initialized", json!({}));
        (lsp, init)
    }

    pub fn send(&mut self, v: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(&frame(v)).expect("write to kpi lsp");
        stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its response (the whole message).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let m = self.recv();
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.notifications.push(m);
        }
    }

    /// The next message, or a failure at the deadline (the server is killed).
    pub fn recv(&mut self) -> Value {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!("kpi lsp did not answer within {DEADLINE:?}");
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("kpi lsp closed its output; stderr: {}", self.stderr())
            }
        }
    }

    /// The next `publishDiagnostics` for `uri` (earlier ones received are dropped).
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        if let Some(i) = self
            .notifications
            .iter()
            .position(|m| is_diagnostics_for(m, uri))
        {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"].clone();
        }
        loop {
            let m = self.recv();
            if is_diagnostics_for(&m, uri) {
                return m["params"]["diagnostics"].clone();
            }
            self.notifications.push(m);
        }
    }

    /// Open a document and return its first diagnostics.
    pub fn open(&mut self, uri: &str, text: &str) -> Value {
        let lang = if uri.ends_with(".kpi") { "kpi" } else { "yaml" };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": lang, "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }

    /// Close stdin (the client went away) and wait for the exit code.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait for the server to exit, until the deadline; its exit code.
    pub fn wait(&mut self) -> i32 {
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > self.deadline {
                let _ = self.child.kill();
                panic!("kpi lsp did not exit within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn is_diagnostics_for(m: &Value, uri: &str) -> bool {
    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
