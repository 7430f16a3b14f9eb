//! The open documents, their analyses, and the diagnostics published for them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{Message, Notification};
use lsp_types::notification::Notification as _;
use lsp_types::{Diagnostic, PublishDiagnosticsParams, TextDocumentContentChangeEvent, Uri};

use super::analysis::{self, Analysis, ExtraChecks};
use super::text::{path_of, uri_of, LineIndex};
use crate::compile::load::is_definition_file;
use crate::diag::FileId;

/// An open document.
pub struct Doc {
    /// The URI as the client spelled it (answers use it).
    pub uri: Uri,
    pub text: String,
}

pub struct State {
    pub docs: HashMap<PathBuf, Doc>,
    /// One per open definitions document, compiled as a root.
    pub analyses: HashMap<PathBuf, Analysis>,
    /// Whether each analysis required values for `required` params.
    required: HashMap<PathBuf, bool>,
    /// What was last published for each file.
    published: HashMap<PathBuf, Vec<Diagnostic>>,
    extra: Option<ExtraChecks>,
    /// The day reviews are judged against.
    pub today: i32,
}

/// A document as a request sees it: its analysis, its file there, and its text.
pub struct View<'a> {
    pub analysis: &'a Analysis,
    pub file: FileId,
    pub text: &'a str,
    pub path: &'a Path,
}

impl State {
    pub fn new(extra: Option<ExtraChecks>) -> State {
        let now = jiff::ZonedDateTime::now().date();
        State {
            docs: HashMap::new(),
            analyses: HashMap::new(),
            required: HashMap::new(),
            published: HashMap::new(),
            extra,
            today: crate::compile::lower::day_number(now),
        }
    }

    pub fn open(&mut self, uri: Uri, text: String, out: &mut Vec<Message>) {
        let Some(path) = path_of(&uri) else { return };
        self.docs.insert(path.clone(), Doc { uri, text });
        self.refresh(&path, out);
    }

    pub fn change(
        &mut self,
        uri: &Uri,
        changes: Vec<TextDocumentContentChangeEvent>,
        out: &mut Vec<Message>,
    ) {
        let Some(path) = path_of(uri) else { return };
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        for c in changes {
            match c.range {
                None => doc.text = c.text,
                Some(r) => {
                    // Incremental edits, in case a client sends them anyway.
                    let idx = LineIndex::new(&doc.text);
                    let len = doc.text.len();
                    let start = idx.offset(r.start).unwrap_or(len);
                    let end = idx.offset(r.end).unwrap_or(len).max(start);
                    doc.text.replace_range(start..end, &c.text);
                }
            }
        }
        self.refresh(&path, out);
    }

    pub fn save(&mut self, uri: &Uri, text: Option<String>, out: &mut Vec<Message>) {
        let Some(path) = path_of(uri) else { return };
        if let (Some(doc), Some(t)) = (self.docs.get_mut(&path), text) {
            doc.text = t;
        }
        self.refresh(&path, out);
    }

    pub fn close(&mut self, uri: &Uri, out: &mut Vec<Message>) {
        let Some(path) = path_of(uri) else { return };
        self.docs.remove(&path);
        self.analyses.remove(&path);
        self.required.remove(&path);
        // Importers now read the file from disk.
        self.refresh(&path, out);
    }

    /// Recompute the analyses `changed` affects (its own and those of the open
    /// documents importing it) and publish what changed.
    fn refresh(&mut self, changed: &Path, out: &mut Vec<Message>) {
        let mut todo: Vec<PathBuf> = self
            .analyses
            .iter()
            .filter(|(p, a)| p.as_path() != changed && a.includes(changed))
            .map(|(p, _)| p.clone())
            .collect();
        if self.docs.contains_key(changed) && is_definition_file(changed) {
            todo.insert(0, changed.to_path_buf());
        }
        for p in &todo {
            self.analyze(p);
        }
        // A document imported by another open one is a library: its `required`
        // params are given by the importer (as `kpi check` on both files does).
        let stale: Vec<PathBuf> = self
            .analyses
            .keys()
            .filter(|p| self.required.get(*p) != Some(&self.wants_required(p)))
            .cloned()
            .collect();
        for p in &stale {
            self.analyze(p);
        }
        self.publish(changed, out);
    }

    fn wants_required(&self, path: &Path) -> bool {
        !self
            .analyses
            .iter()
            .any(|(p, a)| p.as_path() != path && a.includes(path))
    }

    fn analyze(&mut self, path: &Path) {
        let overlays: Vec<(PathBuf, &str)> = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.as_str()))
            .collect();
        let require = self.wants_required(path);
        let a = analysis::analyze(&analysis::Input {
            path,
            overlays: &overlays,
            require_params: require,
            today: self.today,
            extra: self.extra,
        });
        self.analyses.insert(path.to_path_buf(), a);
        self.required.insert(path.to_path_buf(), require);
    }

    /// Publish the diagnostics of every file that has some, had some, or is open;
    /// `always` is published even when unchanged.
    fn publish(&mut self, always: &Path, out: &mut Vec<Message>) {
        let mut by_file: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        let mut paths: Vec<&PathBuf> = self.analyses.keys().collect();
        paths.sort();
        for p in paths {
            for (file, d) in &self.analyses[p].diags {
                let list = by_file.entry(file.clone()).or_default();
                if !list.contains(d) {
                    list.push(d.clone());
                }
            }
        }
        let mut targets: HashSet<PathBuf> = by_file.keys().cloned().collect();
        targets.extend(self.docs.keys().cloned());
        targets.extend(
            self.published
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(p, _)| p.clone()),
        );
        targets.insert(always.to_path_buf());
        let mut targets: Vec<PathBuf> = targets.into_iter().collect();
        targets.sort();
        for path in targets {
            let diags = by_file.remove(&path).unwrap_or_default();
            if path != always && self.published.get(&path) == Some(&diags) {
                continue;
            }
            let uri = self
                .docs
                .get(&path)
                .map_or_else(|| uri_of(&path), |d| d.uri.clone());
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics: diags.clone(),
                version: None,
            };
            out.push(Message::Notification(Notification::new(
                lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
                params,
            )));
            self.published.insert(path, diags);
        }
    }

    /// The document at `uri` as analysed: its own analysis when it is open, else that
    /// of an open document importing it.
    pub fn view(&self, uri: &Uri) -> Option<View<'_>> {
        let path = path_of(uri)?;
        let analysis = match self.analyses.get(&path) {
            Some(a) => a,
            None => {
                let mut keys: Vec<&PathBuf> = self.analyses.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|k| &self.analyses[k])
                    .find(|a| a.includes(&path))?
            }
        };
        let file = analysis.file(&path)?;
        let (path, text) = analysis.source(file);
        Some(View {
            analysis,
            file,
            text,
            path,
        })
    }

    /// The URI to answer with for a path: the client's own for open documents.
    pub fn uri(&self, path: &Path) -> Uri {
        self.docs
            .get(path)
            .map_or_else(|| uri_of(path), |d| d.uri.clone())
    }

    /// The analyses that loaded `path`, in a stable order.
    pub fn analyses_with(&self, path: &Path) -> Vec<&Analysis> {
        let mut keys: Vec<&PathBuf> = self.analyses.keys().collect();
        keys.sort();
        keys.into_iter()
            .map(|k| &self.analyses[k])
            .filter(|a| a.includes(path))
            .collect()
    }
}
