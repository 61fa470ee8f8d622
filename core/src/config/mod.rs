//! The static configuration model and its loader: every `*.hcl` file of a
//! directory forms one module; `module` blocks with local sources load child
//! modules, making a tree.

use crate::addr::{Mode, ModulePath};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceMap, Span};
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind, Reference};
use crate::types::Type;
use crate::value::Value;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of the file whose variable assignments are loaded automatically.
pub const AUTO_VARS_FILE: &str = "gantry.vars.hcl";

#[derive(Debug, Clone)]
pub struct Module {
    pub dir: PathBuf,
    pub settings: Option<Settings>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub outputs: IndexMap<String, Output>,
    pub providers: Vec<ProviderConfig>,
    pub resources: IndexMap<(Mode, String, String), Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub moved: Vec<Moved>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: Option<BackendConfig>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct BackendConfig {
    pub kind: String,
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: Type,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub expr: Expr,
    pub sensitive: bool,
    pub description: Option<String>,
    pub depends_on: Vec<Reference>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub name_span: Span,
    pub alias: Option<String>,
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    /// Attribute names whose changes are ignored; `all` ignores every attribute.
    pub ignore_changes: Vec<String>,
    pub ignore_all_changes: bool,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    /// `provider = kubernetes.gpu` → ("kubernetes", Some("gpu")).
    pub provider: Option<(String, Option<String>, Span)>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Reference>,
    pub lifecycle: Lifecycle,
    /// The configuration without meta-arguments, for the provider's schema.
    pub body: Body,
    pub span: Span,
    pub header_span: Span,
    /// The type label, which diagnostics about the type point at.
    pub type_span: Span,
}

impl Resource {
    pub fn local_name(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub source: String,
    pub source_span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Reference>,
    pub inputs: IndexMap<String, Attribute>,
    pub span: Span,
    pub header_span: Span,
}

#[derive(Debug, Clone)]
pub struct Moved {
    pub from: Reference,
    pub to: Reference,
    pub span: Span,
}

/// A loaded module and its children, keyed by call name.
#[derive(Debug, Clone)]
pub struct ModuleTree {
    pub module: Module,
    pub children: BTreeMap<String, ModuleTree>,
}

impl ModuleTree {
    pub fn get(&self, path: &ModulePath) -> Option<&ModuleTree> {
        let mut current = self;
        for name in &path.0 {
            current = current.children.get(name)?;
        }
        Some(current)
    }

    /// Every module in the tree with its path, parents before children.
    pub fn walk(&self) -> Vec<(ModulePath, &ModuleTree)> {
        let mut out = Vec::new();
        let mut stack = vec![(ModulePath::root(), self)];
        while let Some((path, tree)) = stack.pop() {
            for (name, child) in tree.children.iter().rev() {
                stack.push((path.child(name), child));
            }
            out.push((path, tree));
        }
        out
    }
}

const TOP_LEVEL_BLOCKS: &[&str] =
    &["gantry", "variable", "locals", "output", "provider", "resource", "data", "module", "moved"];
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
    let mut module = Module {
        dir: dir.to_path_buf(),
        settings: None,
        variables: IndexMap::new(),
        locals: IndexMap::new(),
        outputs: IndexMap::new(),
        providers: Vec::new(),
        resources: IndexMap::new(),
        module_calls: IndexMap::new(),
        moved: Vec::new(),
    };
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

fn decode_module_body(body: &Body, module: &mut Module, diags: &mut Diagnostics) {
    for attr in &body.attributes {
        diags.push(
            Diagnostic::error(
                "Unsupported argument",
                format!(
                    "An argument named \"{}\" is not expected at the top level of a file. Top-level values belong in a locals block: locals {{ {} = ... }}.",
                    attr.name, attr.name
                ),
            )
            .at(attr.name_span),
        );
    }
    for block in &body.blocks {
        match block.kind.as_str() {
            "gantry" => decode_settings(block, module, diags),
            "variable" => decode_variable(block, module, diags),
            "locals" => {
                check_labels(block, &[], diags);
                for nested in &block.body.blocks {
                    diags.push(unexpected_block(nested, "locals"));
                }
                for attr in &block.body.attributes {
                    if let Some(prev) = module.locals.get(&attr.name) {
                        diags.push(duplicate("local value", &attr.name, attr.name_span, prev.span));
                        continue;
                    }
                    module.locals.insert(
                        attr.name.clone(),
                        Local { name: attr.name.clone(), expr: attr.expr.clone(), span: attr.name_span },
                    );
                }
            }
            "output" => decode_output(block, module, diags),
            "provider" => decode_provider(block, module, diags),
            "resource" => decode_resource(block, Mode::Managed, module, diags),
            "data" => decode_resource(block, Mode::Data, module, diags),
            "module" => decode_module_call(block, module, diags),
            "moved" => decode_moved(block, module, diags),
            other => {
                let hint = did_you_mean(other, TOP_LEVEL_BLOCKS.iter().copied());
                diags.push(
                    Diagnostic::error(
                        "Unsupported block type",
                        format!(
                            "Blocks of type \"{other}\" are not expected here.{hint} A configuration file holds gantry, variable, locals, output, provider, resource, data, module and moved blocks."
                        ),
                    )
                    .at(block.kind_span),
                );
            }
        }
    }
}

fn check_labels(block: &Block, names: &[&str], diags: &mut Diagnostics) -> bool {
    if block.labels.len() == names.len() {
        return true;
    }
    let expected = if names.is_empty() {
        format!("A {} block has no labels.", block.kind)
    } else {
        let shown: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        format!(
            "A {} block needs {} label(s): {}, e.g. {} {} {{ ... }}.",
            block.kind,
            names.len(),
            names.join(", "),
            block.kind,
            shown.join(" ")
        )
    };
    let summary =
        if block.labels.len() < names.len() { "Missing name for block" } else { "Extraneous label for block" };
    diags.push(Diagnostic::error(summary, expected).at(block.header_span()));
    false
}

fn duplicate(what: &str, name: &str, span: Span, _previous: Span) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "An" } else { "A" };
    Diagnostic::error(
        format!("Duplicate {what}"),
        format!("{article} {what} named \"{name}\" was already declared. Names must be unique within a module: rename or remove one of them."),
    )
    .at(span)
}

fn unexpected_block(block: &Block, parent: &str) -> Diagnostic {
    Diagnostic::error(
        "Unsupported block type",
        format!("Blocks of type \"{}\" are not expected in {} {parent} block.", block.kind, article(parent)),
    )
    .at(block.kind_span)
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Checks a body against the arguments and block types a Gantry block allows.
fn check_body(body: &Body, parent: &str, attrs: &[&str], blocks: &[&str], diags: &mut Diagnostics) {
    for attr in &body.attributes {
        if !attrs.contains(&attr.name.as_str()) {
            let hint = did_you_mean(&attr.name, attrs.iter().copied());
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{}\" is not expected in {} {parent} block.{hint}",
                        attr.name,
                        article(parent)
                    ),
                )
                .at(attr.name_span),
            );
        }
    }
    for block in &body.blocks {
        if !blocks.contains(&block.kind.as_str()) {
            let hint = did_you_mean(&block.kind, blocks.iter().copied());
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{}\" are not expected in {} {parent} block.{hint}",
                        block.kind,
                        article(parent)
                    ),
                )
                .at(block.kind_span),
            );
        }
    }
}

/// Reads an argument that must be a literal (no references), like `sensitive = true`.
fn literal(attr: &Attribute, diags: &mut Diagnostics) -> Option<Value> {
    match crate::eval::eval_constant(&attr.expr) {
        Ok(v) => Some(v),
        Err(_) => {
            diags.push(
                Diagnostic::error(
                    "Invalid value",
                    format!("\"{}\" must be a literal value; it cannot refer to variables or resources.", attr.name),
                )
                .at(attr.expr.span),
            );
            None
        }
    }
}

fn literal_bool(body: &Body, name: &str, diags: &mut Diagnostics) -> bool {
    let Some(attr) = body.attribute(name) else { return false };
    match literal(attr, diags) {
        Some(Value::Bool(b)) => b,
        Some(other) => {
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("\"{name}\" must be true or false, not {}.", other.type_name()),
                )
                .at(attr.expr.span),
            );
            false
        }
        None => false,
    }
}

fn literal_string(body: &Body, name: &str, diags: &mut Diagnostics) -> Option<String> {
    let attr = body.attribute(name)?;
    match literal(attr, diags)? {
        Value::String(s) => Some(s),
        other => {
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("\"{name}\" must be a string, not {}.", other.type_name()),
                )
                .at(attr.expr.span),
            );
            None
        }
    }
}

fn decode_settings(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "gantry", &["required_version"], &["backend", "required_providers"], diags);
    let mut backend = None;
    for b in block.body.blocks_of("backend") {
        if !check_labels(b, &["type"], diags) {
            continue;
        }
        if backend.is_some() {
            diags.push(
                Diagnostic::error("Duplicate backend configuration", "A configuration has at most one backend.")
                    .at(b.header_span()),
            );
            continue;
        }
        backend = Some(BackendConfig { kind: b.labels[0].value.clone(), body: b.body.clone(), span: b.header_span() });
    }
    if module.settings.is_some() {
        diags.push(
            Diagnostic::error("Duplicate gantry block", "Settings belong in one gantry block per module.")
                .at(block.kind_span),
        );
        return;
    }
    module.settings = Some(Settings { backend, span: block.kind_span });
}

fn decode_variable(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    if !crate::value::is_identifier(&name) {
        diags.push(Diagnostic::error("Invalid variable name", "A name must start with a letter or underscore and may contain letters, digits, underscores and dashes.").at(block.labels[0].span));
        return;
    }
    if ["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on"].contains(&name.as_str()) {
        diags.push(
            Diagnostic::error(
                "Invalid variable name",
                format!("\"{name}\" is reserved for module call arguments; choose another name."),
            )
            .at(block.labels[0].span),
        );
    }
    check_body(
        &block.body,
        "variable",
        &["type", "default", "description", "sensitive", "nullable"],
        &["validation"],
        diags,
    );
    let ty = match block.body.attribute("type") {
        Some(attr) => match crate::types::parse_type(&attr.expr) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                Type::Any
            }
        },
        None => Type::Any,
    };
    let default = block.body.attribute("default").map(|a| a.expr.clone());
    if let Some(default_expr) = &default {
        match crate::eval::eval_constant(default_expr) {
            Ok(v) => {
                if let Err(e) = crate::types::convert(&v, &ty) {
                    diags.push(
                        Diagnostic::error("Invalid default value for variable", format!("This default does not fit the variable's type {ty}: {e}."))
                            .at(default_expr.span),
                    );
                }
            }
            Err(_) => diags.push(
                Diagnostic::error("Variables not allowed", "A variable's default must be a literal value; it cannot refer to other variables or resources. Use a local value instead.")
                    .at(default_expr.span),
            ),
        }
    }
    let mut validations = Vec::new();
    for v in block.body.blocks_of("validation") {
        check_labels(v, &[], diags);
        check_body(&v.body, "validation", &["condition", "error_message"], &[], diags);
        match (v.body.attribute("condition"), v.body.attribute("error_message")) {
            (Some(c), Some(m)) => {
                for r in c.expr.references() {
                    let ok = r.root == "var" && r.attr(0).is_some_and(|(n, _)| n == name);
                    if !ok && r.root != "path" {
                        diags.push(
                            Diagnostic::error(
                                "Invalid reference in variable validation",
                                format!("The condition for variable \"{name}\" can only refer to the variable itself, using var.{name}."),
                            )
                            .at(r.span),
                        );
                    }
                }
                validations.push(Validation { condition: c.expr.clone(), error_message: m.expr.clone() })
            }
            _ => diags.push(
                Diagnostic::error(
                    "Incomplete validation block",
                    "A validation block needs both condition and error_message.",
                )
                .at(v.kind_span),
            ),
        }
    }
    let variable = Variable {
        name: name.clone(),
        ty,
        default,
        description: literal_string(&block.body, "description", diags),
        sensitive: literal_bool(&block.body, "sensitive", diags),
        nullable: block.body.attribute("nullable").is_none() || literal_bool(&block.body, "nullable", diags),
        validations,
        span,
    };
    if let Some(prev) = module.variables.get(&name) {
        diags.push(duplicate("variable", &name, span, prev.span));
        return;
    }
    module.variables.insert(name, variable);
}

fn decode_output(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    check_body(&block.body, "output", &["value", "sensitive", "description", "depends_on"], &[], diags);
    let Some(value) = block.body.attribute("value") else {
        diags.push(
            Diagnostic::error("Missing required argument", format!("Output \"{name}\" needs a value: value = ..."))
                .at(span),
        );
        return;
    };
    let output = Output {
        name: name.clone(),
        expr: value.expr.clone(),
        sensitive: literal_bool(&block.body, "sensitive", diags),
        description: literal_string(&block.body, "description", diags),
        depends_on: depends_on(&block.body, diags),
        span,
    };
    if let Some(prev) = module.outputs.get(&name) {
        diags.push(duplicate("output", &name, span, prev.span));
        return;
    }
    module.outputs.insert(name, output);
}

fn decode_provider(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let alias = literal_string(&block.body, "alias", diags);
    let mut body = block.body.clone();
    body.attributes.retain(|a| a.name != "alias");
    if module.providers.iter().any(|p| p.name == name && p.alias == alias) {
        let what = match &alias {
            Some(a) => format!("{name}.{a}"),
            None => name.clone(),
        };
        diags.push(
            Diagnostic::error(
                "Duplicate provider configuration",
                format!("Provider \"{what}\" is configured twice. Give the second one an alias: alias = \"other\"."),
            )
            .at(block.header_span()),
        );
        return;
    }
    module.providers.push(ProviderConfig {
        name,
        name_span: block.labels[0].span,
        alias,
        body,
        span: block.header_span(),
    });
}

fn depends_on(body: &Body, diags: &mut Diagnostics) -> Vec<Reference> {
    let Some(attr) = body.attribute("depends_on") else { return Vec::new() };
    let ExprKind::List(items) = &attr.expr.kind else {
        diags.push(
            Diagnostic::error(
                "Invalid depends_on",
                "depends_on is a list of references, e.g. depends_on = [local_cluster.main].",
            )
            .at(attr.expr.span),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_reference() {
            Some(r) => out.push(r),
            None => diags.push(
                Diagnostic::error(
                    "Invalid depends_on reference",
                    "Each element of depends_on must be a reference to a resource or module, not an expression.",
                )
                .at(item.span),
            ),
        }
    }
    out
}

const RESOURCE_META: &[&str] = &["count", "for_each", "depends_on", "provider", "lifecycle"];

fn decode_resource(block: &Block, mode: Mode, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["type", "name"], diags) {
        return;
    }
    let type_name = block.labels[0].value.clone();
    let name = block.labels[1].value.clone();
    if !crate::value::is_identifier(&name) {
        diags.push(Diagnostic::error("Invalid resource name", "A name must start with a letter or underscore and may contain letters, digits, underscores and dashes.").at(block.labels[1].span));
        return;
    }
    let body = &block.body;
    let count = body.attribute("count").map(|a| a.expr.clone());
    let for_each = body.attribute("for_each").map(|a| a.expr.clone());
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "A resource may use count or for_each, not both.",
            )
            .at(fe.span),
        );
    }
    let provider = body.attribute("provider").and_then(|attr| match attr.expr.as_reference() {
        Some(r) if r.steps.len() <= 1 => Some((r.root.clone(), r.attr(0).map(|(a, _)| a.to_string()), attr.expr.span)),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid provider reference",
                    "provider is written as NAME or NAME.ALIAS, e.g. provider = kubernetes.gpu.",
                )
                .at(attr.expr.span),
            );
            None
        }
    });
    let mut lifecycle = Lifecycle::default();
    for lc in body.blocks_of("lifecycle") {
        if mode == Mode::Data {
            diags.push(
                Diagnostic::error("Unsupported block type", "Data sources have no lifecycle block.").at(lc.kind_span),
            );
            continue;
        }
        check_body(&lc.body, "lifecycle", &["create_before_destroy", "prevent_destroy", "ignore_changes"], &[], diags);
        lifecycle.create_before_destroy = literal_bool(&lc.body, "create_before_destroy", diags);
        lifecycle.prevent_destroy = literal_bool(&lc.body, "prevent_destroy", diags);
        if let Some(attr) = lc.body.attribute("ignore_changes") {
            match &attr.expr.kind {
                ExprKind::Variable(all) if all == "all" => lifecycle.ignore_all_changes = true,
                ExprKind::List(items) => {
                    for item in items {
                        match item.as_reference() {
                            Some(r) if r.steps.is_empty() => lifecycle.ignore_changes.push(r.root),
                            _ => match &item.kind {
                                ExprKind::Literal(Value::String(s)) => lifecycle.ignore_changes.push(s.clone()),
                                _ => diags.push(
                                    Diagnostic::error("Invalid ignore_changes", "Each element is an attribute name of this resource, e.g. ignore_changes = [labels].")
                                        .at(item.span),
                                ),
                            },
                        }
                    }
                }
                _ => diags.push(
                    Diagnostic::error("Invalid ignore_changes", "ignore_changes is a list of attribute names, or all.")
                        .at(attr.expr.span),
                ),
            }
        }
    }
    let mut config_body = body.clone();
    config_body.attributes.retain(|a| !RESOURCE_META.contains(&a.name.as_str()));
    config_body.blocks.retain(|b| b.kind != "lifecycle");
    let resource = Resource {
        mode,
        type_name: type_name.clone(),
        name: name.clone(),
        provider,
        count,
        for_each,
        depends_on: depends_on(body, diags),
        lifecycle,
        body: config_body,
        span: block.span,
        header_span: block.header_span(),
        type_span: block.labels[0].span,
    };
    let key = (mode, type_name, name);
    if module.resources.contains_key(&key) {
        let what = if mode == Mode::Data { "data source" } else { "resource" };
        diags.push(
            Diagnostic::error(
                format!("Duplicate {what} configuration"),
                format!(
                    "A {what} \"{}\" \"{}\" was already declared in this module. Each needs a unique name.",
                    key.1, key.2
                ),
            )
            .at(block.header_span()),
        );
        return;
    }
    module.resources.insert(key, resource);
}

fn decode_module_call(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    for nested in &block.body.blocks {
        diags.push(unexpected_block(nested, "module"));
    }
    let Some(source_attr) = block.body.attribute("source") else {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!("Module \"{name}\" needs a source: source = \"./modules/NAME\"."),
            )
            .at(span),
        );
        return;
    };
    let source = match &source_attr.expr.kind {
        ExprKind::Literal(Value::String(s)) => s.clone(),
        ExprKind::Template(parts) if parts.len() == 1 => match &parts[0] {
            crate::syntax::TemplatePart::Literal(s) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    if source.is_empty() {
        diags.push(
            Diagnostic::error(
                "Invalid module source",
                "source must be a literal string path, e.g. \"./modules/gpu-node-pool\".",
            )
            .at(source_attr.expr.span),
        );
        return;
    }
    let count = block.body.attribute("count").map(|a| a.expr.clone());
    let for_each = block.body.attribute("for_each").map(|a| a.expr.clone());
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "A module call may use count or for_each, not both.",
            )
            .at(fe.span),
        );
    }
    let inputs = block
        .body
        .attributes
        .iter()
        .filter(|a| !["source", "version", "count", "for_each", "depends_on", "providers"].contains(&a.name.as_str()))
        .map(|a| (a.name.clone(), a.clone()))
        .collect();
    let call = ModuleCall {
        name: name.clone(),
        source,
        source_span: source_attr.expr.span,
        count,
        for_each,
        depends_on: depends_on(&block.body, diags),
        inputs,
        span: block.span,
        header_span: span,
    };
    if let Some(prev) = module.module_calls.get(&name) {
        diags.push(duplicate("module call", &name, span, prev.header_span));
        return;
    }
    module.module_calls.insert(name, call);
}

fn decode_moved(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "moved", &["from", "to"], &[], diags);
    let get = |name: &str, diags: &mut Diagnostics| -> Option<Reference> {
        let attr = block.body.attribute(name)?;
        match attr.expr.as_reference() {
            Some(r) => Some(r),
            None => {
                diags.push(
                    Diagnostic::error(
                        "Invalid address",
                        format!("{name} must be a resource address, e.g. {name} = local_node_pool.old."),
                    )
                    .at(attr.expr.span),
                );
                None
            }
        }
    };
    match (get("from", diags), get("to", diags)) {
        (Some(from), Some(to)) => module.moved.push(Moved { from, to, span: block.kind_span }),
        _ => diags
            .push(Diagnostic::error("Incomplete moved block", "A moved block needs from and to.").at(block.kind_span)),
    }
}

/// Checks the inputs of every module call against the child module's variables.
pub fn check_module_inputs(tree: &ModuleTree, diags: &mut Diagnostics) {
    for (_, node) in tree.walk() {
        for call in node.module.module_calls.values() {
            let Some(child) = node.children.get(&call.name) else { continue };
            for (name, attr) in &call.inputs {
                if !child.module.variables.contains_key(name) {
                    let hint = did_you_mean(name, child.module.variables.keys().map(String::as_str));
                    diags.push(
                        Diagnostic::error(
                            "Unsupported argument",
                            format!("Module \"{}\" has no input variable named \"{name}\".{hint}", call.name),
                        )
                        .at(attr.name_span),
                    );
                }
            }
            for (name, var) in &child.module.variables {
                if var.default.is_none() && !call.inputs.contains_key(name) {
                    diags.push(
                        Diagnostic::error(
                            "Missing required argument",
                            format!("The input variable \"{name}\" of module \"{}\" has no default, so this call must set it: {name} = ...", call.name),
                        )
                        .at(call.header_span),
                    );
                }
            }
        }
    }
}

/// Reads variable assignments from a `.vars.hcl` file: `name = value` lines.
pub fn load_vars_file(path: &Path, sources: &SourceMap, diags: &mut Diagnostics) -> IndexMap<String, (Value, Span)> {
    let mut out = IndexMap::new();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(err) => {
            diags.push(Diagnostic::error("Cannot read variables file", format!("{}: {err}", path.display())));
            return out;
        }
    };
    let file = sources.add(path, text.clone());
    let body = match crate::syntax::parse_file(file, &text) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return out;
        }
    };
    for block in &body.blocks {
        diags.push(
            Diagnostic::error(
                "Unexpected block in variables file",
                "A variables file only holds assignments: name = value.",
            )
            .at(block.kind_span),
        );
    }
    for attr in &body.attributes {
        match crate::eval::eval_constant(&attr.expr) {
            Ok(v) => {
                out.insert(attr.name.clone(), (v, attr.name_span));
            }
            Err(d) => diags.push(d),
        }
    }
    out
}
