//! The configuration model that loading produces and the graph, plan and analysis read. Meta-
//! arguments (count, for_each, provider, lifecycle) are already taken out of resource bodies, so
//! later stages see only what the provider's schema describes.

use crate::addr::{Mode, ModulePath};
use crate::diag::Span;
use crate::syntax::{Attribute, Body, Expr, Reference};
use crate::types::Type;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::PathBuf;

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
    pub imports: Vec<Import>,
    pub removed: Vec<Removed>,
    pub checks: Vec<Check>,
}

impl Module {
    /// A module with nothing declared yet, in `dir`.
    pub fn empty(dir: PathBuf) -> Module {
        Module {
            dir,
            settings: None,
            variables: IndexMap::new(),
            locals: IndexMap::new(),
            outputs: IndexMap::new(),
            providers: Vec::new(),
            resources: IndexMap::new(),
            module_calls: IndexMap::new(),
            moved: Vec::new(),
            imports: Vec::new(),
            removed: Vec::new(),
            checks: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: Option<BackendConfig>,
    pub encryption: Option<EncryptionConfig>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct BackendConfig {
    pub kind: String,
    pub body: Body,
    pub span: Span,
}

/// `gantry { encryption { … } }`, as written: which key providers and methods exist and which
/// method each target uses. Nothing is evaluated here; `crate::encryption` checks the blocks
/// against the known types and evaluates them with the run's inputs.
#[derive(Debug, Clone)]
pub struct EncryptionConfig {
    pub key_providers: Vec<EncryptionItem>,
    pub methods: Vec<EncryptionItem>,
    pub state: Option<EncryptionTarget>,
    pub plan: Option<EncryptionTarget>,
    pub span: Span,
}

/// A `key_provider "TYPE" "NAME" { … }` or `method "TYPE" "NAME" { … }` block.
#[derive(Debug, Clone)]
pub struct EncryptionItem {
    pub kind: String,
    pub kind_span: Span,
    pub name: String,
    pub body: Body,
    pub span: Span,
}

/// A `state { … }` or `plan { … }` block, or a `fallback { … }` inside one: the method that
/// writes (the outermost one) and, in order, the methods that may also read.
#[derive(Debug, Clone)]
pub struct EncryptionTarget {
    pub method: Option<Expr>,
    /// Only the outermost block has it; a fallback is never used for writing.
    pub enforced: bool,
    pub fallback: Option<Box<EncryptionTarget>>,
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

/// `import { to = ADDR, id = "..." }`: an existing object the next apply adopts at `to`.
#[derive(Debug, Clone)]
pub struct Import {
    /// The module instance `to` is in (`module.pool["a"].…`), root when empty.
    pub to_module: crate::addr::ModuleInstance,
    /// The resource `to` names in that module; its instance key may be an expression
    /// (`aws_x.y[each.key]`), evaluated with `for_each`'s `each`.
    pub to_type: String,
    pub to_name: String,
    pub to_key: Option<Expr>,
    pub to_span: Span,
    pub id: Expr,
    pub for_each: Option<Expr>,
    /// `provider = aws.west` → ("aws", Some("west")).
    pub provider: Option<(String, Option<String>, Span)>,
    pub span: Span,
}

impl Import {
    /// The resource `to` names, without its instance key: `module.a.aws_x.y`.
    pub fn target_name(&self) -> String {
        let local = format!("{}.{}", self.to_type, self.to_name);
        if self.to_module.0.is_empty() {
            local
        } else {
            format!("{}.{local}", self.to_module)
        }
    }
}

/// `removed { from = ADDR  lifecycle { destroy = false } }`: what leaves the configuration and,
/// unless `destroy` is true, leaves state without being destroyed.
#[derive(Debug, Clone)]
pub struct Removed {
    pub from: Reference,
    pub destroy: bool,
    pub span: Span,
}

/// `check "name" { data … { } assert { condition, error_message } }`: assertions reported as
/// warnings after plan and apply, never blocking either.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    /// The nested data source, read for this check only.
    pub data: Option<Resource>,
    pub asserts: Vec<Assertion>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Assertion {
    pub condition: Expr,
    pub error_message: Expr,
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
