//! Executes parse trees with Go's semantics: pipelines, variable scoping, field
//! chains on maps and host objects, `missingkey=zero`, truthiness and the
//! `range`/`with`/`if` forms, `break`/`continue`, and `template`.

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Arg, Branch, Command, List, Node, Pipe, Tree};
use super::format::fmt_v;
use super::Templates;
use crate::funcs::{FuncMap, Host};
use crate::value::Value;

/// A Go-style execution error, already formatted as `template: loc: ...`.
#[derive(Debug, Clone)]
pub struct ExecError(pub String);

/// Nested `template`/`include`/`tpl` calls allowed before giving up; Helm's own limit
/// is 1000 per template name, which this also enforces.
pub const MAX_EXEC_DEPTH: usize = 1500;
pub const MAX_INCLUDES_PER_NAME: usize = 1000;
/// Largest output one execution may build, so a runaway loop fails instead of
/// exhausting memory.
pub const MAX_OUTPUT_BYTES: usize = 256 << 20;
/// Most iterations `range` over an integer may run.
pub const MAX_RANGE_INT: i64 = 10_000_000;

enum Flow {
    Normal,
    Break,
    Continue,
}

pub struct Exec<'a> {
    pub templates: Rc<Templates>,
    pub funcs: &'a FuncMap,
    pub host: &'a dyn Host,
    pub depth: usize,
    pub include_counts: HashMap<String, usize>,
    /// The template being executed (for `executing "name"` and locations).
    tree: Rc<Tree>,
    name: String,
    vars: Vec<(String, Value)>,
}

type R<T> = Result<T, ExecError>;

impl<'a> Exec<'a> {
    pub fn new(templates: Rc<Templates>, funcs: &'a FuncMap, host: &'a dyn Host) -> Self {
        let tree = Rc::new(Tree { parse_name: String::new(), source: Rc::from(""), root: Vec::new() });
        Exec {
            templates,
            funcs,
            host,
            depth: 0,
            include_counts: HashMap::new(),
            tree,
            name: String::new(),
            vars: Vec::new(),
        }
    }

    /// Executes the named template with `data` as dot, appending to `out`.
    pub fn execute(&mut self, name: &str, data: &Value, out: &mut String) -> R<()> {
        let Some(tree) = self.templates.get(name).cloned() else {
            return Err(ExecError(if self.name.is_empty() {
                format!("template: no template {name:?} associated with template \"gotpl\"")
            } else {
                format!("template: no template {name:?} associated with template {:?}", self.name)
            }));
        };
        if self.depth >= MAX_EXEC_DEPTH {
            return Err(ExecError(format!("template: {}: exceeded maximum template depth ({MAX_EXEC_DEPTH})", name)));
        }
        self.depth += 1;
        let saved_tree = std::mem::replace(&mut self.tree, tree.clone());
        let saved_name = std::mem::replace(&mut self.name, name.to_string());
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), data.clone())]);
        let r = self.walk_list(data, &tree.root, out);
        self.tree = saved_tree;
        self.name = saved_name;
        self.vars = saved_vars;
        self.depth -= 1;
        r.map(|_| ())
    }

    fn errorf(&self, pos: usize, ctx: &str, msg: impl std::fmt::Display) -> ExecError {
        let mut ctx = ctx.to_string();
        if ctx.chars().count() > 20 {
            ctx = format!("{}...", ctx.chars().take(20).collect::<String>());
        }
        ExecError(format!("template: {}: executing {:?} at <{}>: {}", self.tree.location(pos), self.name, ctx, msg))
    }

    fn walk_list(&mut self, dot: &Value, list: &List, out: &mut String) -> R<Flow> {
        for n in list {
            match self.walk(dot, n, out)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &Node, out: &mut String) -> R<Flow> {
        match node {
            Node::Text(t) => {
                out.push_str(t);
                self.check_size(out)?;
            }
            Node::Action(p) => {
                let v = self.eval_pipeline(dot, p)?;
                if p.decl.is_empty() {
                    self.print_value(p, &v, out)?;
                    if out.len() > MAX_OUTPUT_BYTES {
                        return Err(self.errorf(
                            p.pos,
                            &p.to_string(),
                            format!("output exceeds {MAX_OUTPUT_BYTES} bytes"),
                        ));
                    }
                }
            }
            Node::If(b) | Node::With(b) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, &b.pipe)?;
                let truth = v.truthy();
                let is_with = matches!(node, Node::With(_));
                let r = if truth {
                    let d = if is_with { v } else { dot.clone() };
                    self.walk_list(&d, &b.list, out)
                } else if let Some(el) = &b.else_list {
                    self.walk_list(dot, el, out)
                } else {
                    Ok(Flow::Normal)
                };
                self.vars.truncate(mark);
                return r;
            }
            Node::Range(b) => return self.walk_range(dot, b, out),
            Node::Template { pos, name, pipe } => {
                let data = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Value::Nil,
                };
                if !self.templates.contains_key(name) {
                    return Err(self.errorf(
                        *pos,
                        &format!("template {name:?}"),
                        format!("template: no template {name:?} associated with template {:?}", self.name),
                    ));
                }
                self.execute(name, &data, out)?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_range(&mut self, dot: &Value, b: &Branch, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        let mut v = self.eval_pipeline(dot, &b.pipe)?;
        // Host objects that are Go maps or slices (`.Files.Glob`) range as their data.
        if let Value::Object(o) = &v {
            let data = o.to_data();
            if matches!(data, Value::Map(_) | Value::List(_)) {
                v = data;
            }
        }
        let items: Vec<(Value, Value)> = match &v {
            Value::Nil => Vec::new(),
            Value::List(l) => l.iter().enumerate().map(|(i, x)| (Value::Int(i as i64), x.clone())).collect(),
            Value::Bytes(bs) => {
                bs.iter().enumerate().map(|(i, x)| (Value::Int(i as i64), Value::Int(*x as i64))).collect()
            }
            // Snapshot: the body may `set` on the map being ranged over.
            Value::Map(m) => m.borrow().iter().map(|(k, x)| (Value::str(k.as_str()), x.clone())).collect(),
            Value::Int(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(
                        b.pos,
                        &b.pipe.to_string(),
                        "can't use range over integer with two variables",
                    ));
                }
                if *n > MAX_RANGE_INT {
                    return Err(self.errorf(
                        b.pos,
                        &b.pipe.to_string(),
                        format!("range over {n} exceeds the limit of {MAX_RANGE_INT} iterations"),
                    ));
                }
                (0..*n.max(&0)).map(|i| (Value::Int(i), Value::Int(i))).collect()
            }
            other => {
                return Err(self.errorf(
                    b.pipe.pos,
                    &b.pipe.to_string(),
                    format!("range can't iterate over {}", fmt_v(other)),
                ))
            }
        };
        if items.is_empty() {
            let r = match &b.else_list {
                Some(el) => self.walk_list(dot, el, out),
                None => Ok(Flow::Normal),
            };
            self.vars.truncate(mark);
            return r.map(|_| Flow::Normal);
        }
        for (index, elem) in items {
            let nd = b.pipe.decl.len();
            if nd > 0 {
                if b.pipe.is_assign {
                    let first = if nd > 1 { index.clone() } else { elem.clone() };
                    self.set_var(&b.pipe.decl[0], first);
                    if nd > 1 {
                        self.set_var(&b.pipe.decl[1], elem.clone());
                    }
                } else {
                    let top = self.vars.len();
                    self.vars[top - 1].1 = elem.clone();
                    if nd > 1 {
                        self.vars[top - 2].1 = index.clone();
                    }
                }
            }
            let inner = self.vars.len();
            let r = self.walk_list(&elem, &b.list, out);
            self.vars.truncate(inner);
            match r {
                Ok(Flow::Break) => break,
                Ok(_) => {}
                Err(e) => {
                    self.vars.truncate(mark);
                    return Err(e);
                }
            }
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    fn check_size(&self, out: &str) -> R<()> {
        if out.len() > MAX_OUTPUT_BYTES {
            return Err(ExecError(format!("template: {}: output exceeds {MAX_OUTPUT_BYTES} bytes", self.name)));
        }
        Ok(())
    }

    fn print_value(&self, p: &Pipe, v: &Value, out: &mut String) -> R<()> {
        match v {
            Value::Nil => out.push_str("<no value>"),
            other => out.push_str(&fmt_v(other)),
        }
        let _ = p;
        Ok(())
    }

    fn set_var(&mut self, name: &str, v: Value) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
        }
    }

    fn var(&self, pos: usize, name: &str) -> R<Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.errorf(pos, name, format!("undefined variable: {name}")))
    }

    pub fn eval_pipeline(&mut self, dot: &Value, p: &Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for c in &p.cmds {
            value = Some(self.eval_command(dot, c, value)?);
        }
        let value = value.unwrap_or(Value::Nil);
        for d in &p.decl {
            if p.is_assign {
                self.set_var(d, value.clone());
            } else {
                self.vars.push((d.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn eval_command(&mut self, dot: &Value, c: &Command, fin: Option<Value>) -> R<Value> {
        let first = &c.args[0];
        match first {
            Arg::Field { pos, names } => {
                return self.eval_field_chain(dot, dot.clone(), true, names, *pos, c, fin);
            }
            Arg::Chain { pos, node, names } => {
                let recv = self.eval_arg(dot, node)?;
                return self.eval_field_chain(dot, recv, true, names, *pos, c, fin);
            }
            Arg::Ident { pos, name } => return self.eval_function(dot, name, *pos, c, fin),
            Arg::Nil(pos) => return Err(self.errorf(*pos, "nil", "nil is not a command")),
            Arg::Variable { pos, names } => {
                let v = self.var(*pos, &names[0])?;
                if names.len() == 1 {
                    self.not_a_function(c, &fin)?;
                    return Ok(v);
                }
                return self.eval_field_chain(dot, v, true, &names[1..], *pos, c, fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(c, &fin)?;
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, p);
                self.vars.truncate(mark);
                return v;
            }
            _ => {}
        }
        self.not_a_function(c, &fin)?;
        self.eval_arg(dot, first)
    }

    fn not_a_function(&self, c: &Command, fin: &Option<Value>) -> R<()> {
        if c.args.len() > 1 || fin.is_some() {
            return Err(self.errorf(
                c.pos,
                &c.to_string(),
                format!("can't give argument to non-function {}", c.args[0]),
            ));
        }
        Ok(())
    }

    /// Evaluates an argument (not a command head).
    fn eval_arg(&mut self, dot: &Value, a: &Arg) -> R<Value> {
        Ok(match a {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => Value::Nil,
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Int(i, _) => Value::Int(*i),
            Arg::Float(f, _) => Value::Float(*f),
            Arg::Str(s) => Value::str(s.as_str()),
            Arg::Field { pos, names } => return self.eval_chain_plain(dot, dot.clone(), names, *pos, &a.to_string()),
            Arg::Variable { pos, names } => {
                let v = self.var(*pos, &names[0])?;
                return self.eval_chain_plain(dot, v, &names[1..], *pos, &a.to_string());
            }
            Arg::Chain { pos, node, names } => {
                let v = self.eval_arg(dot, node)?;
                return self.eval_chain_plain(dot, v, names, *pos, &a.to_string());
            }
            Arg::Pipe(p) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, p);
                self.vars.truncate(mark);
                return v;
            }
            Arg::Ident { pos, name } => {
                let cmd = Command { pos: *pos, args: vec![Arg::Ident { pos: *pos, name: name.clone() }] };
                return self.eval_function(dot, name, *pos, &cmd, None);
            }
        })
    }

    fn eval_chain_plain(&mut self, _dot: &Value, recv: Value, names: &[String], pos: usize, ctx: &str) -> R<Value> {
        let mut cur = recv;
        let mut from_lookup = false;
        for n in names {
            cur = self.field(cur, n, &[], false, from_lookup, pos, ctx)?;
            from_lookup = true;
        }
        Ok(cur)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        recv: Value,
        _first: bool,
        names: &[String],
        pos: usize,
        c: &Command,
        fin: Option<Value>,
    ) -> R<Value> {
        let ctx = c.args[0].to_string();
        let mut cur = recv;
        let mut from_lookup = false;
        let n = names.len();
        for name in &names[..n.saturating_sub(1)] {
            cur = self.field(cur, name, &[], false, from_lookup, pos, &ctx)?;
            from_lookup = true;
        }
        let mut args = Vec::new();
        for a in &c.args[1..] {
            args.push(self.eval_arg(dot, a)?);
        }
        let has_args = !args.is_empty() || fin.is_some();
        if let Some(f) = fin {
            args.push(f);
        }
        match names.last() {
            Some(last) => self.field(cur, last, &args, has_args, from_lookup, pos, &ctx),
            None => Ok(cur),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        recv: Value,
        name: &str,
        args: &[Value],
        has_args: bool,
        from_lookup: bool,
        pos: usize,
        ctx: &str,
    ) -> R<Value> {
        match &recv {
            Value::Nil => {
                if from_lookup {
                    Err(self.errorf(pos, ctx, format!("nil pointer evaluating interface {{}}.{name}")))
                } else {
                    Ok(Value::Nil)
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(pos, ctx, format!("{name} is not a method but has arguments")));
                }
                Ok(m.borrow().get(name).cloned().unwrap_or(Value::Nil))
            }
            Value::Object(o) => match o.member(name, args) {
                Some(r) => r.map_err(|e| self.errorf(pos, ctx, format!("error calling {name}: {e}"))),
                None => Err(self.errorf(pos, ctx, format!("can't evaluate field {name} in type {}", o.type_name()))),
            },
            _ => Err(self.errorf(pos, ctx, format!("can't evaluate field {name} in type interface {{}}"))),
        }
    }

    fn eval_function(&mut self, dot: &Value, name: &str, pos: usize, c: &Command, fin: Option<Value>) -> R<Value> {
        let ctx = c.to_string();
        // `and`/`or` evaluate lazily, stopping at the deciding operand (Go 1.18+).
        if name == "and" || name == "or" {
            let mut nodes: Vec<&Arg> = c.args[1..].iter().collect();
            if nodes.is_empty() && fin.is_none() {
                return Err(self.errorf(pos, &ctx, format!("wrong number of args for {name}: want at least 1 got 0")));
            }
            let mut last = Value::Nil;
            let total = nodes.len() + usize::from(fin.is_some());
            for (i, a) in nodes.drain(..).enumerate() {
                last = self.eval_arg(dot, a)?;
                let t = last.truthy();
                if (name == "and" && !t) || (name == "or" && t) || i + 1 == total {
                    return Ok(last);
                }
            }
            if let Some(f) = fin {
                last = f;
            }
            return Ok(last);
        }
        let Some(f) = self.funcs.get(name).copied() else {
            return Err(self.errorf(pos, &ctx, format!("{name:?} is not a defined function")));
        };
        let mut args = Vec::with_capacity(c.args.len());
        for a in &c.args[1..] {
            args.push(self.eval_arg(dot, a)?);
        }
        if let Some(v) = fin {
            args.push(v);
        }
        f(self, &args).map_err(|e| match crate::funcs::split_arg_error(&e) {
            // Go type-checks arguments before the call and blames the argument.
            Some((i, msg)) => match c.args.get(1 + i) {
                Some(a) => self.errorf(a.pos(c.pos), &a.to_string(), msg),
                None => self.errorf(c.pos, &ctx, msg),
            },
            None => self.errorf(c.pos, &ctx, format!("error calling {name}: {e}")),
        })
    }

    /// Runs `name` as `include` does: into a fresh buffer, counting recursion per name.
    pub fn include(&mut self, name: &str, data: &Value) -> Result<String, String> {
        let count = self.include_counts.entry(name.to_string()).or_insert(0);
        if *count > MAX_INCLUDES_PER_NAME {
            return Err(format!("rendering template has a nested reference name: {name}: unable to execute template"));
        }
        *count += 1;
        let mut buf = String::new();
        let r = self.execute(name, data, &mut buf);
        if let Some(c) = self.include_counts.get_mut(name) {
            *c -= 1;
        }
        r.map_err(|e| e.0)?;
        Ok(buf)
    }

    /// Parses and runs `text` as Helm's `tpl` does: in a copy of the current
    /// template set (so its `define`s stay local), named `gotpl` as in Helm's errors.
    pub fn tpl(&mut self, text: &str, data: &Value) -> Result<String, String> {
        // Helm parses tpl text as a new template named after its root template.
        let name = "gotpl".to_string();
        let mut set = (*self.templates).clone();
        super::add_parse(&mut set, &name, text, self.funcs)
            .map_err(|e| format!("cannot parse template {text:?}: {e}"))?;
        let saved = std::mem::replace(&mut self.templates, Rc::new(set));
        let mut buf = String::new();
        let r = self.execute(&name, data, &mut buf);
        self.templates = saved;
        r.map_err(|e| format!("error during tpl function execution for {text:?}: {}", e.0))?;
        Ok(buf.replace("<no value>", ""))
    }
}
