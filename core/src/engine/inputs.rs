//! Root module inputs: the values of root variables from the environment,
//! `gantry.vars.hcl`, `-var-file` and `-var`, in Terraform's order of precedence.

use super::{Config, InputValues};
use crate::config::Module;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::value::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Builds the input values for the root module, reading each source in Terraform's order of
/// precedence (later wins): environment `GANTRY_VAR_name`, `gantry.vars.hcl`, then `-var-file`
/// and `-var` in the order given on the command line.
pub fn collect_inputs(
    config: &Config,
    env: &[(String, String)],
    cli: &[CliVar],
    diags: &mut Diagnostics,
) -> InputValues {
    collect(&config.tree.module, &config.sources, env, true, cli, diags)
}

/// As [`collect_inputs`], for a root module loaded on its own (`config::load_module`), as the
/// commands that read state or a saved plan without the rest of the configuration load it:
/// the encryption block's variables come from the same places.
pub fn module_inputs(
    module: &Module,
    sources: &SourceMap,
    env: &[(String, String)],
    cli: &[CliVar],
    diags: &mut Diagnostics,
) -> InputValues {
    collect(module, sources, env, true, cli, diags)
}

/// Only what the command line sets (`-var`, `-var-file`): what applying a saved plan compares with the plan.
pub fn command_line_inputs(config: &Config, cli: &[CliVar], diags: &mut Diagnostics) -> InputValues {
    collect(&config.tree.module, &config.sources, &[], false, cli, diags)
}

fn collect(
    module: &Module,
    sources: &SourceMap,
    env: &[(String, String)],
    with_auto_file: bool,
    cli: &[CliVar],
    diags: &mut Diagnostics,
) -> InputValues {
    let vars = &module.variables;
    let mut out = InputValues::new();
    let parse_raw = |name: &str, raw: &str| -> Value {
        let wants_string = matches!(vars.get(name).map(|v| &v.ty), Some(crate::types::Type::String));
        if wants_string {
            return Value::string(raw);
        }
        let file = if vars.get(name).is_some_and(|v| v.sensitive) {
            sources.add_withheld(Path::new("<value>"), raw.to_string())
        } else {
            sources.add(Path::new("<value>"), raw.to_string())
        };
        match crate::syntax::parse_expression(file, raw).ok().and_then(|e| crate::eval::eval_constant(&e).ok()) {
            Some(v) => v,
            None => Value::string(raw),
        }
    };
    for (k, v) in env {
        if let Some(name) = k.strip_prefix("GANTRY_VAR_") {
            if vars.contains_key(name) {
                out.insert(name.to_string(), (parse_raw(name, v), None));
            }
        }
    }
    let auto = module.dir.join(crate::config::AUTO_VARS_FILE);
    let mut files: Vec<PathBuf> = Vec::new();
    if with_auto_file && auto.is_file() {
        files.push(auto);
    }
    let sensitive: BTreeSet<String> = vars.iter().filter(|(_, v)| v.sensitive).map(|(k, _)| k.clone()).collect();
    let apply_file = |path: &Path, out: &mut InputValues, diags: &mut Diagnostics| {
        for (name, (v, span)) in crate::config::load_vars_file(path, sources, &sensitive, diags) {
            if !vars.contains_key(&name) {
                let hint = crate::diag::did_you_mean(&name, vars.keys().map(String::as_str));
                diags.push(
                    Diagnostic::warning(
                        "Value for undeclared variable",
                        format!("The variables file sets \"{name}\", but no such variable is declared.{hint}"),
                    )
                    .at(span),
                );
                continue;
            }
            out.insert(name, (v, Some(span)));
        }
    };
    for f in files {
        apply_file(&f, &mut out, diags);
    }
    for item in cli {
        match item {
            CliVar::File(path) => apply_file(path, &mut out, diags),
            CliVar::Assign(name, raw) => {
                if !vars.contains_key(name) {
                    let hint = crate::diag::did_you_mean(name, vars.keys().map(String::as_str));
                    diags.push(Diagnostic::error(
                        "Value for undeclared variable",
                        format!("-var sets \"{name}\", but the root module declares no variable of that name.{hint}"),
                    ));
                    continue;
                }
                out.insert(name.clone(), (parse_raw(name, raw), None));
            }
        }
    }
    out
}

/// One variable source from the command line, in the order given.
#[derive(Debug, Clone)]
pub enum CliVar {
    Assign(String, String),
    File(PathBuf),
}

/// Renders the values of a map for diagnostics; re-exported for the CLI.
pub fn map_value(m: &Map) -> Value {
    Value::Object(m.clone())
}
