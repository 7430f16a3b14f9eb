//! Reading definition files and following their imports (relative paths; cycles refused).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::syntax::ast::{File, Item};
use crate::syntax::{dsl, yaml};

/// Largest definition file accepted.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Loads and parses files once each, however many roots import them.
#[derive(Default)]
pub struct Loader {
    pub map: SourceMap,
    by_path: HashMap<PathBuf, FileId>,
    asts: HashMap<FileId, File>,
    /// Resolved imports of each file: (import span, imported file).
    imports: HashMap<FileId, Vec<(Span, FileId)>>,
    pub diags: Vec<Diagnostic>,
    /// Texts to use instead of reading the disk (an editor's unsaved buffers), by the
    /// same key as `by_path`.
    overlay: HashMap<PathBuf, String>,
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Whether `path` names a definitions file (`.kpi`, `.yaml`, `.yml`, but not `.test.yaml`).
pub fn is_definition_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".test.yaml") || name.ends_with(".test.yml") {
        return false;
    }
    name.ends_with(".kpi") || is_yaml(path)
}

impl Loader {
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Use `text` as the contents of `path` instead of reading it (an editor's unsaved
    /// buffer); takes effect for loads after this call.
    pub fn preload(&mut self, path: &Path, text: String) {
        let path = normalize(path);
        let key = std::fs::canonicalize(&path).unwrap_or(path);
        self.overlay.insert(key, text);
    }

    /// The file loaded from `path`, if any.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        let path = normalize(path);
        let key = std::fs::canonicalize(&path).unwrap_or(path);
        self.by_path.get(&key).copied()
    }

    pub fn ast(&self, id: FileId) -> &File {
        &self.asts[&id]
    }

    /// The syntax tree of `id`, if it was parsed (a file that could not be read has none).
    pub fn try_ast(&self, id: FileId) -> Option<&File> {
        self.asts.get(&id)
    }

    pub fn imports_of(&self, id: FileId) -> &[(Span, FileId)] {
        self.imports.get(&id).map_or(&[], |v| v.as_slice())
    }

    /// Read and parse one file (and, recursively, what it imports). `None` when the
    /// file itself could not be read (a diagnostic says why).
    pub fn load(&mut self, path: &Path, from: Option<Span>) -> Option<FileId> {
        let path = &normalize(path);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(&id) = self.by_path.get(&key) {
            return Some(id);
        }
        let read = match self.overlay.get(&key) {
            Some(text) if text.len() as u64 > MAX_FILE_BYTES => {
                Err(format!("larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024))
            }
            Some(text) => Ok(text.clone().into_bytes()),
            None => read_limited(path),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(msg) => {
                let mut d =
                    Diagnostic::error("E0208", format!("cannot read `{}`: {msg}", path.display()));
                if let Some(span) = from {
                    d = d.at(span, "imported here");
                }
                self.diags.push(d);
                return None;
            }
        };
        let (text, bad_utf8) = match String::from_utf8(bytes) {
            Ok(t) => (t, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        let id = self.map.add(path.to_path_buf(), text);
        self.by_path.insert(key, id);
        if let Some(at) = bad_utf8 {
            // The invalid byte is shown as U+FFFD, three bytes in the text.
            let len = self.map.get(id).text[at..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
            self.diags.push(
                Diagnostic::error("E0102", "file is not valid UTF-8")
                    .at(Span::new(id, at..at + len), "invalid byte here")
                    .with_help("save the file as UTF-8"),
            );
            self.asts.insert(
                id,
                File {
                    id,
                    items: Vec::new(),
                },
            );
            return Some(id);
        }
        let text = self.map.get(id).text.clone();
        let (ast, diags) = if is_yaml(path) {
            yaml::parse_file(id, &text)
        } else {
            dsl::parse_file(id, &text)
        };
        self.diags.extend(diags);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let imports: Vec<(Span, PathBuf)> = ast
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Import(s) => Some((s.span, normalize(&dir.join(&s.value)))),
                _ => None,
            })
            .collect();
        self.asts.insert(id, ast);
        let mut resolved = Vec::new();
        for (span, p) in imports {
            if let Some(child) = self.load(&p, Some(span)) {
                resolved.push((span, child));
            }
        }
        self.imports.insert(id, resolved);
        Some(id)
    }

    /// The files `root` depends on, imports before importers, root last. Import
    /// cycles are reported (once) and broken.
    pub fn closure(&mut self, root: FileId) -> Vec<FileId> {
        let mut order = Vec::new();
        let mut state: HashMap<FileId, u8> = HashMap::new(); // 1 = on stack, 2 = done
        let mut stack: Vec<(FileId, usize)> = vec![(root, 0)];
        let mut path: Vec<FileId> = vec![root];
        state.insert(root, 1);
        while let Some((f, i)) = stack.last_mut() {
            let f = *f;
            let imports = self.imports.get(&f).cloned().unwrap_or_default();
            if *i < imports.len() {
                let (span, child) = imports[*i];
                *i += 1;
                match state.get(&child) {
                    None => {
                        state.insert(child, 1);
                        stack.push((child, 0));
                        path.push(child);
                    }
                    Some(1) => {
                        let start = path.iter().position(|&p| p == child).unwrap_or(0);
                        let names: Vec<String> = path[start..]
                            .iter()
                            .chain(std::iter::once(&child))
                            .map(|&p| self.map.get(p).path.display().to_string())
                            .collect();
                        let d = Diagnostic::error("E0209", "import cycle")
                            .at(span, "this import closes the cycle")
                            .with_note(format!("cycle: {}", names.join(" -> ")))
                            .with_help("remove one of the imports; shared definitions belong in a file both can import");
                        if !self.diags.contains(&d) {
                            self.diags.push(d);
                        }
                    }
                    _ => {}
                }
            } else {
                state.insert(f, 2);
                order.push(f);
                stack.pop();
                path.pop();
            }
        }
        order
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_msg(&e))?;
    if meta.is_dir() {
        return Err("it is a directory".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
    }
    std::fs::read(path).map_err(|e| io_msg(&e))
}

fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Definition files under `paths` (files as given; folders searched recursively, sorted).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read folder `{}`: {e}", p.display()))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("no such file or folder: `{}`", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            walk(&e, out)?;
        } else if is_definition_file(&e) {
            out.push(e);
        }
    }
    Ok(())
}

/// `path` with `.` components dropped and `dir/..` pairs resolved, lexically (no
/// symlinks followed, nothing read): `metrics/clients/../sales.kpi` is
/// `metrics/sales.kpi`, `./base.kpi` is `base.kpi`. A relative path stays relative;
/// leading `..` that climb above it are kept.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod normalize_tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn lexical_normal_forms() {
        for (given, normal) in [
            ("metrics/clients/../sales.kpi", "metrics/sales.kpi"),
            ("./base.kpi", "base.kpi"),
            ("a/./b/../../c.kpi", "c.kpi"),
            ("../x/../y.kpi", "../y.kpi"),
            ("../../y.kpi", "../../y.kpi"),
            ("/a/../../b", "/b"),
            ("a/..", "."),
            ("metrics/../data/activities.csv", "data/activities.csv"),
        ] {
            assert_eq!(normalize(Path::new(given)), Path::new(normal), "{given}");
        }
    }
}
