//! The static configuration model and its loader: every `*.hcl` file of a
//! directory forms one module; `module` blocks with local sources load child
//! modules, making a tree.

mod blocks;
mod check_blocks;
mod checks;
mod encryption;
mod inputs;
mod load;
mod model;
mod removed_import;
mod resources;
mod vars_file;

pub use inputs::check_module_inputs;
pub use load::{load_module, load_tree, module_files};
pub use model::{
    Assertion, BackendConfig, Check, EncryptionConfig, EncryptionItem, EncryptionTarget, Import, Lifecycle, Local,
    Module, ModuleCall, ModuleTree, Moved, Output, ProviderConfig, Removed, Resource, Settings, Validation, Variable,
};
pub use vars_file::{load_vars_file, AUTO_VARS_FILE};
