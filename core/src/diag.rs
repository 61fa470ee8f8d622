//! Diagnostics: problems found in user input, with the source range to blame.
//!
//! Every stage returns its result together with the diagnostics it found, so
//! that one run reports every problem rather than stopping at the first.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Identifies a file registered in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span { file, start: range.start, end: range.end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user would recognise it (relative to where Gantry ran, when possible).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// The file may hold sensitive values (a variables file that sets a sensitive variable), so
    /// diagnostics name the position but do not print its lines.
    pub withheld: bool,
    line_starts: Vec<usize>,
    /// The top-level blocks' byte ranges and headers, found on first use.
    blocks: std::sync::OnceLock<Vec<(std::ops::Range<usize>, String)>>,
}

/// A position for humans: 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name, path, text, withheld: false, line_starts, blocks: std::sync::OnceLock::new() }
    }

    /// The header of the top-level block that holds `byte` (`variable "replicas"`, `locals`),
    /// which Terraform names beside a diagnostic's position; `None` outside any block, or
    /// where the file is not HCL (a template).
    pub fn enclosing_block(&self, byte: usize) -> Option<&str> {
        let blocks = self.blocks.get_or_init(|| {
            let Ok(body) = hcl_edit::parser::parse_body(&self.text) else { return Vec::new() };
            body.blocks()
                .filter_map(|block| {
                    let range = hcl_edit::Span::span(block)?;
                    let mut header = block.ident.as_str().to_string();
                    for label in &block.labels {
                        header.push(' ');
                        match label {
                            hcl_edit::structure::BlockLabel::String(s) => header.push_str(&format!("{:?}", s.value())),
                            hcl_edit::structure::BlockLabel::Ident(i) => header.push_str(i.as_str()),
                        }
                    }
                    Some((range, header))
                })
                .collect()
        });
        blocks.iter().find(|(range, _)| range.contains(&byte)).map(|(_, header)| header.as_str())
    }

    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.text.get(line_start..byte).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Pos { line: line_index + 1, column, byte }
    }

    /// The text of the 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else { return "" };
        let end = self.line_starts.get(line).map(|e| e - 1).unwrap_or(self.text.len());
        self.text.get(start..end.max(start)).unwrap_or("").trim_end_matches('\r')
    }
}

/// All source files of a run, shared by the loader and the renderers.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Arc<RwLock<Vec<Arc<SourceFile>>>>,
}

impl SourceMap {
    pub fn add(&self, path: &Path, text: String) -> FileId {
        self.push(SourceFile::new(display_path(path), path.to_path_buf(), text))
    }

    /// Adds a file whose lines diagnostics must not print (see [`SourceFile::withheld`]).
    pub fn add_withheld(&self, path: &Path, text: String) -> FileId {
        self.push(SourceFile { withheld: true, ..SourceFile::new(display_path(path), path.to_path_buf(), text) })
    }

    fn push(&self, file: SourceFile) -> FileId {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(Arc::new(file));
        FileId((files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    /// Every file loaded so far, in the order it was loaded.
    pub fn files(&self) -> Vec<Arc<SourceFile>> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn text(&self, span: Span) -> String {
        self.get(span.file).and_then(|f| f.text.get(span.start..span.end).map(str::to_string)).unwrap_or_default()
    }
}

/// Shortens a path to be relative to the working directory when it lies below it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()).unwrap_or(path);
    let s = shown.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short and general: "Unsupported argument".
    pub summary: String,
    /// What is wrong, why, and how to fix it.
    pub detail: String,
    pub subject: Option<Span>,
    /// The resource or module instance the problem concerns, when there is one.
    pub address: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            subject: None,
            address: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(summary, detail) }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.subject = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        if self.subject.is_none() {
            self.subject = span;
        }
        self
    }

    pub fn with_address(mut self, address: impl ToString) -> Diagnostic {
        self.address = Some(address.to_string());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A list of diagnostics collected over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        // The same expression can be evaluated once per instance; report each problem once.
        if !self.0.contains(&d) {
            self.0.push(d);
        }
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        for d in other {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Orders by file and position so that output is stable.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|d| (!d.is_error(), d.subject.map(|s| (s.file, s.start)).unwrap_or((FileId(u32::MAX), 0))));
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

/// Renders a diagnostic for a terminal: severity and summary, `--> file:line:column`,
/// the source line with the offending range underlined, then the detail.
pub fn render(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let (bold, red, yellow, blue, reset) =
        if color { ("\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[0m") } else { ("", "", "", "", "") };
    let (label, tint) = match d.severity {
        Severity::Error => ("Error", red),
        Severity::Warning => ("Warning", yellow),
    };
    let mut out = format!("{bold}{tint}{label}:{reset}{bold} {}{reset}\n", d.summary);
    if let Some(span) = d.subject {
        if let Some(file) = sources.get(span.file) {
            let start = file.pos(span.start);
            let end = file.pos(span.end.max(span.start));
            let context = file.enclosing_block(span.start).map(|b| format!(", in {b}")).unwrap_or_default();
            let _ = writeln!(out, "  {blue}-->{reset} {}:{}:{}{context}", file.name, start.line, start.column);
            if file.withheld {
                let _ = writeln!(out, "  (the line is not shown: this file sets a sensitive variable)");
            } else {
                render_line(&mut out, &file, start, end, tint, color);
            }
        }
    }
    if let Some(addr) = &d.address {
        let _ = writeln!(out, "  (in {addr})");
    }
    if !d.detail.is_empty() {
        out.push('\n');
        for line in d.detail.lines() {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// The source line of a diagnostic with its range underlined.
fn render_line(out: &mut String, file: &SourceFile, start: Pos, end: Pos, tint: &str, color: bool) {
    let (blue, reset) = if color { ("\x1b[34m", "\x1b[0m") } else { ("", "") };
    let gutter = start.line.to_string().len();
    let text = file.line_text(start.line);
    let _ = writeln!(out, "{:gutter$} {blue}|{reset}", "");
    let _ = writeln!(out, "{blue}{}{reset} {blue}|{reset} {}", start.line, text.replace('\t', " "));
    let line_chars = text.chars().count();
    let first = start.column.saturating_sub(1).min(line_chars);
    let last = if end.line == start.line { end.column.saturating_sub(1) } else { line_chars };
    let width = last.saturating_sub(first).max(1);
    let _ = writeln!(out, "{:gutter$} {blue}|{reset} {}{tint}{}{reset}", "", " ".repeat(first), "^".repeat(width));
}

/// The machine-readable form used by `-json` output.
pub fn to_json(d: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let range = d.subject.and_then(|span| {
        let file = sources.get(span.file)?;
        Some(serde_json::json!({
            "filename": file.name,
            "start": file.pos(span.start),
            "end": file.pos(span.end),
        }))
    });
    serde_json::json!({
        "severity": d.severity,
        "summary": d.summary,
        "detail": d.detail,
        "range": range,
        "address": d.address,
    })
}

/// "Did you mean" helper: the candidate closest to `name`, if close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// Appends ` Did you mean "x"?` when a close candidate exists.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match suggest(name, candidates) {
        Some(c) => format!(" Did you mean \"{c}\"?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_and_underline() {
        let sources = SourceMap::default();
        let file = sources.add(Path::new("main.hcl"), "a = 1\nbad = nope\n".into());
        let d = Diagnostic::error("Unknown thing", "Fix it.").at(Span::new(file, 12..16));
        let text = render(&d, &sources, false);
        assert!(text.contains("--> main.hcl:2:7"), "{text}");
        assert!(text.contains("2 | bad = nope\n  |       ^^^^"), "{text}");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("regoin", ["region", "zone"]), Some("region"));
        assert_eq!(suggest("xyz", ["region"]), None);
    }
}
