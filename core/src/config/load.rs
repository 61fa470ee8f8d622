//! Reading module directories from disk and following local module calls into a tree. The
//! bounds here exist so that a module that calls itself, or a tree that multiplies, cannot hang
//! the loader.

use super::blocks::decode_module_body;
use super::model::{Module, ModuleTree};
use super::vars_file::AUTO_VARS_FILE;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How deep module calls may nest; deeper is almost certainly a module that calls itself.
const MAX_MODULE_DEPTH: usize = 32;

/// Loads the module in `dir` and, recursively, the local modules it calls.
pub fn load_tree(dir: &Path, sources: &SourceMap, diags: &mut Diagnostics) -> Option<ModuleTree> {
    let mut loader = TreeLoader { sources, ancestors: Vec::new(), loaded: 0 };
    loader.load(dir, diags, 0)
}

/// How many module configurations one tree may hold. Distinct modules that each call the next
/// several times multiply; this bounds the work for any input.
const MAX_MODULES: usize = 2_000;

struct TreeLoader<'a> {
    sources: &'a SourceMap,
    /// The directories on the current call path, to find a module that calls itself.
    ancestors: Vec<PathBuf>,
    loaded: usize,
}

impl TreeLoader<'_> {
    fn load(&mut self, dir: &Path, diags: &mut Diagnostics, depth: usize) -> Option<ModuleTree> {
        self.loaded += 1;
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        self.ancestors.push(canonical);
        let tree = self.load_children(dir, diags, depth);
        self.ancestors.pop();
        tree
    }

    fn load_children(&mut self, dir: &Path, diags: &mut Diagnostics, depth: usize) -> Option<ModuleTree> {
        let sources = self.sources;
        let mut module = load_module(dir, sources, diags)?;
        if depth > 0 {
            // Child modules receive their providers from the root; a configuration here would be ambiguous.
            for p in module.providers.drain(..) {
                diags.push(
                Diagnostic::error(
                    "Provider configuration in a child module",
                    format!("Provider \"{}\" is configured inside a module. Configure providers in the root module; child modules use the root's configurations.", p.name),
                )
                .at(p.span),
            );
            }
        }
        if depth > 0 {
            // State and plan files belong to the root module; only its settings can say how they are encrypted.
            if let Some(e) = module.settings.as_mut().and_then(|s| s.encryption.take()) {
                diags.push(
                    Diagnostic::error(
                        "Encryption configuration in a child module",
                        "A module called by another cannot configure encryption. Configure it in the root module's gantry block.",
                    )
                    .at(e.span),
                );
            }
        }
        let mut children = BTreeMap::new();
        for call in module.module_calls.values() {
            if !(call.source.starts_with("./") || call.source.starts_with("../")) {
                diags.push(
                Diagnostic::error(
                    "Unsupported module source",
                    format!(
                        "Module \"{}\" has source \"{}\". Gantry loads modules from local paths, which start with ./ or ../.",
                        call.name, call.source
                    ),
                )
                .at(call.source_span),
            );
                continue;
            }
            if depth >= MAX_MODULE_DEPTH {
                diags.push(
                Diagnostic::error(
                    "Module nesting too deep",
                    format!("Modules are nested more than {MAX_MODULE_DEPTH} levels deep here; a module probably calls itself."),
                )
                .at(call.source_span),
            );
                continue;
            }
            let child_dir = dir.join(&call.source);
            if !child_dir.is_dir() {
                diags.push(
                Diagnostic::error(
                    "Module not found",
                    format!("The directory {} does not exist. Check the module's source path, which is relative to this file's directory.", child_dir.display()),
                )
                .at(call.source_span),
            );
                continue;
            }
            let canonical = child_dir.canonicalize().unwrap_or_else(|_| child_dir.clone());
            if self.ancestors.contains(&canonical) {
                diags.push(
                Diagnostic::error(
                    "Module calls itself",
                    format!(
                        "Module \"{}\" has source \"{}\", which is this module or one that calls it, so loading it would never end. A module cannot include itself, directly or through other modules.",
                        call.name, call.source
                    ),
                )
                .at(call.source_span),
            );
                continue;
            }
            if self.loaded >= MAX_MODULES {
                diags.push(
                Diagnostic::error(
                    "Too many modules",
                    format!("The configuration calls more than {MAX_MODULES} modules in all; simplify the module structure."),
                )
                .at(call.source_span),
            );
                continue;
            }
            if let Some(child) = self.load(&child_dir, diags, depth + 1) {
                children.insert(call.name.clone(), child);
            }
        }
        Some(ModuleTree { module, children })
    }
}

/// The `*.hcl` files of a directory that make up a module, in name order.
pub fn module_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "hcl") && p.is_file())
        .filter(|p| p.file_name().is_some_and(|n| n != AUTO_VARS_FILE && !n.to_string_lossy().ends_with(".vars.hcl")))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads one module directory. Returns `None` only when the directory cannot be read.
pub fn load_module(dir: &Path, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Module> {
    let files = match module_files(dir) {
        Ok(files) => files,
        Err(err) => {
            diags.push(Diagnostic::error("Cannot read configuration directory", format!("{}: {err}", dir.display())));
            return None;
        }
    };
    let mut module = Module::empty(dir.to_path_buf());
    if files.is_empty() {
        diags.push(Diagnostic::error(
            "No configuration files",
            format!(
                "{} has no *.hcl files. Run Gantry in the directory of your configuration, or pass it as an argument.",
                dir.display()
            ),
        ));
    }
    for path in files {
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    diags.push(Diagnostic::error(
                        "Invalid file encoding",
                        format!("{} is not valid UTF-8.", path.display()),
                    ));
                    continue;
                }
            },
            Err(err) => {
                diags.push(Diagnostic::error("Cannot read file", format!("{}: {err}", path.display())));
                continue;
            }
        };
        let file = sources.add(&path, text.clone());
        match crate::syntax::parse_file(file, &text) {
            Ok(body) => decode_module_body(&body, &mut module, diags),
            Err(d) => diags.push(d),
        }
    }
    Some(module)
}
