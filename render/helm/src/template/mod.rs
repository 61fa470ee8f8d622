//! A Go `text/template` engine: lexer, parser, executor and `fmt` formatting.

pub mod ast;
pub mod exec;
pub mod format;
pub mod lex;
pub mod parse;

use std::collections::HashMap;
use std::rc::Rc;

use crate::funcs::FuncMap;
use ast::Tree;

/// Named templates: each file's body plus every `define`d template.
pub type Templates = HashMap<String, Rc<Tree>>;

/// Parses `text` as template `name` into `set`; its `define`s are added too,
/// replacing earlier definitions of the same name (Go's later-parse-wins rule),
/// except that an empty body never replaces an existing template.
///
/// Errors read like Go's: `template: NAME:LINE: message`.
pub fn add_parse(set: &mut Templates, name: &str, text: &str, funcs: &FuncMap) -> Result<(), String> {
    let is_func = |f: &str| funcs.contains_key(f) || f == "and" || f == "or";
    let parsed = parse::parse(text, &is_func).map_err(|e| {
        let line = 1 + text[..e.pos.min(text.len())].matches('\n').count();
        format!("template: {name}:{line}: {}", e.msg)
    })?;
    let source: Rc<str> = Rc::from(text);
    for (dname, body) in parsed.defines {
        let empty = body.iter().all(is_blank);
        if empty && set.contains_key(&dname) {
            continue;
        }
        set.insert(dname, Rc::new(Tree { parse_name: name.to_string(), source: source.clone(), root: body }));
    }
    set.insert(name.to_string(), Rc::new(Tree { parse_name: name.to_string(), source, root: parsed.root }));
    Ok(())
}

fn is_blank(n: &ast::Node) -> bool {
    matches!(n, ast::Node::Text(t) if t.trim().is_empty())
}

/// Parses and executes one template text on `data`, with every function and no
/// cluster. Output is exactly Go's (no `<no value>` replacement); errors read as
/// Go's do.
pub fn render_string(name: &str, text: &str, data: &crate::value::Value) -> Result<String, String> {
    let funcs = crate::funcs::func_map();
    let mut set = Templates::new();
    add_parse(&mut set, name, text, &funcs)?;
    let host = crate::funcs::NoCluster;
    let mut ex = exec::Exec::new(Rc::new(set), &funcs, &host);
    let mut out = String::new();
    ex.execute(name, data, &mut out).map_err(|e| e.0)?;
    Ok(out)
}
