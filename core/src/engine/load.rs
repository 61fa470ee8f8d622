//! Loading a configuration: the module tree, the static checks, the graph, and
//! what identifies it — a digest over every file it was loaded from and the
//! canonical path of its root directory — so that a saved plan can tell
//! whether it is being applied to the configuration it was made from.

use crate::addr::Mode;
use crate::config::ModuleTree;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::graph::ConfigGraph;
use crate::provider::Registry;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

/// A loaded, checked configuration, ready to walk.
pub struct Config {
    pub tree: ModuleTree,
    pub graph: ConfigGraph,
    pub sources: SourceMap,
    pub root_dir: PathBuf,
    /// `sha256:…` over the path (relative to the root) and contents of every file loaded.
    pub digest: String,
    /// The canonical path of the root directory.
    pub identity: String,
    /// The selected workspace, `gantry.workspace` in expressions; `default` unless the
    /// caller chose another (see `state::workspace::selected`).
    pub workspace: String,
}

/// Loads a configuration directory and runs every static check.
pub fn load(dir: &Path, registry: &Registry, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Config> {
    let tree = crate::config::load_tree(dir, sources, diags)?;
    crate::config::check_module_inputs(&tree, diags);
    check_resource_types(&tree, registry, diags);
    let names: Vec<&str> = registry.names().collect();
    let graph = crate::graph::build(&tree, &names, sources, diags);
    let identity = canonical(dir).to_string_lossy().into_owned();
    // Taken before anything else is added to the source map (variable files, -var values).
    let digest = digest(dir, sources);
    tracing::debug!(
        dir = %dir.display(),
        files = sources.files().len(),
        "configuration loaded"
    );
    let workspace = crate::state::DEFAULT_WORKSPACE.to_string();
    Some(Config { tree, graph, sources: sources.clone(), root_dir: dir.to_path_buf(), digest, identity, workspace })
}

/// The module tree in `dir` when it is the configuration a saved plan was made from (its
/// files' digest is `digest`), for showing the plan with its configuration.
pub fn tree_if_unchanged(dir: &Path, digest_wanted: &str) -> Option<ModuleTree> {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let tree = crate::config::load_tree(dir, &sources, &mut diags)?;
    (digest(dir, &sources) == digest_wanted).then_some(tree)
}

fn canonical(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// `path` relative to `base`, with `..` where it lies outside (a module in `../modules`).
fn relative(path: &Path, base: &Path) -> String {
    let path = canonical(path);
    let base = canonical(base);
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = b[common..].iter().map(|_| "..".to_string()).collect();
    out.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    out.join("/")
}

fn digest(root: &Path, sources: &SourceMap) -> String {
    let mut files: Vec<(String, Vec<u8>)> =
        sources.files().iter().map(|f| (relative(&f.path, root), Sha256::digest(f.text.as_bytes()).to_vec())).collect();
    files.sort();
    let mut all = Sha256::new();
    for (path, hash) in files {
        all.update(path.as_bytes());
        all.update([0]);
        all.update(&hash);
    }
    format!("sha256:{}", crate::plan::file::hex(&all.finalize()))
}

fn check_resource_types(tree: &ModuleTree, registry: &Registry, diags: &mut Diagnostics) {
    for (_, node) in tree.walk() {
        for r in node.module.resources.values() {
            if registry.type_schema(r.mode, &r.type_name).is_none() {
                let types = registry.all_types(r.mode);
                let hint = registry
                    .left_out_hint(&r.type_name)
                    .unwrap_or_else(|| crate::diag::did_you_mean(&r.type_name, types.iter().copied()));
                let what = if r.mode == Mode::Data { "data source" } else { "resource type" };
                let providers: Vec<&str> = registry.names().collect();
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {what}"),
                        format!(
                            "The {what} \"{}\" is not supported by any provider.{hint} Available providers: {}.",
                            r.type_name,
                            providers.join(", ")
                        ),
                    )
                    .at(r.type_span),
                );
            }
        }
    }
}
