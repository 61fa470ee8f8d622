//! Parser from tokens to the parse tree, with Go's parse-time checks
//! (undefined functions and variables, misplaced `break`/`continue`/`else`/`end`).

use super::ast::{Arg, Branch, Command, List, Node, Pipe};
use super::lex::{lex, Tok, Token};

#[derive(Debug)]
pub struct ParseError {
    pub pos: usize,
    pub msg: String,
}

/// The result of parsing one source text: its body and the templates it defines.
pub struct Parsed {
    pub root: List,
    pub defines: Vec<(String, List)>,
}

/// Nesting bound for control structures and parentheses, so hostile input cannot
/// exhaust the stack.
const MAX_NESTING: usize = 200;

pub fn parse(src: &str, is_func: &dyn Fn(&str) -> bool) -> Result<Parsed, ParseError> {
    let toks = lex(src).map_err(|e| ParseError { pos: e.pos, msg: e.msg })?;
    let mut p = Parser { toks, i: 0, vars: vec!["$".into()], is_func, defines: Vec::new(), range_depth: 0, depth: 0 };
    let (root, end) = p.list(true)?;
    if let Some((pos, what)) = end {
        return Err(ParseError { pos, msg: format!("unexpected {what}") });
    }
    Ok(Parsed { root, defines: p.defines })
}

struct Parser<'a> {
    toks: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    is_func: &'a dyn Fn(&str) -> bool,
    defines: Vec<(String, List)>,
    range_depth: usize,
    depth: usize,
}

/// What ended a list: `{{end}}`, `{{else}}`, or `{{else if ...}}`/`{{else with ...}}`.
enum End {
    Plain,
    Else,
    ElseChain(String),
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }
    fn pos(&self) -> usize {
        self.toks[self.i].pos
    }
    fn next(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn skip_space(&mut self) {
        while *self.peek() == Tok::Space {
            self.next();
        }
    }
    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError { pos, msg: msg.into() })
    }

    /// Parses nodes until EOF (top level) or an `end`/`else`.
    #[allow(clippy::type_complexity)]
    fn list(&mut self, top: bool) -> Result<(List, Option<(usize, String)>), ParseError> {
        let (list, end) = self.list_inner(top)?;
        Ok((list, end.map(|(p, e)| (p, end_name(&e)))))
    }

    fn list_inner(&mut self, top: bool) -> Result<(List, Option<(usize, End)>), ParseError> {
        let mut out = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Eof => {
                    if top {
                        return Ok((out, None));
                    }
                    return self.err(self.pos(), "unexpected EOF");
                }
                Tok::Text(t) => {
                    self.next();
                    out.push(Node::Text(t));
                }
                Tok::Left => {
                    let lpos = self.pos();
                    self.next();
                    self.skip_space();
                    if let Tok::Ident(kw) = self.peek().clone() {
                        match kw.as_str() {
                            "end" => {
                                self.next();
                                self.expect_right()?;
                                return Ok((out, Some((lpos, End::Plain))));
                            }
                            "else" => {
                                self.next();
                                self.skip_space();
                                if let Tok::Ident(k) = self.peek().clone() {
                                    if k == "if" || k == "with" {
                                        self.next();
                                        return Ok((out, Some((lpos, End::ElseChain(k)))));
                                    }
                                }
                                self.expect_right()?;
                                return Ok((out, Some((lpos, End::Else))));
                            }
                            _ => {}
                        }
                    }
                    if let Some(n) = self.action(top)? {
                        out.push(n);
                    }
                }
                other => return self.err(self.pos(), format!("unexpected {other:?}")),
            }
        }
    }

    fn expect_right(&mut self) -> Result<(), ParseError> {
        self.skip_space();
        match self.peek() {
            Tok::Right => {
                self.next();
                Ok(())
            }
            t => {
                let msg = format!("unexpected {} in end", tok_desc(t));
                self.err(self.pos(), msg)
            }
        }
    }

    fn action(&mut self, top: bool) -> Result<Option<Node>, ParseError> {
        let pos = self.pos();
        if let Tok::Ident(kw) = self.peek().clone() {
            match kw.as_str() {
                "if" | "with" | "range" => {
                    self.next();
                    return Ok(Some(self.control(&kw, pos)?));
                }
                "define" | "block" => {
                    if kw == "define" && !top {
                        return self.err(pos, "unexpected <define> in command");
                    }
                    self.next();
                    return self.define(kw == "block", pos);
                }
                "template" => {
                    self.next();
                    self.skip_space();
                    let name = match self.next().tok {
                        Tok::Str(s) => s,
                        t => return self.err(pos, format!("unexpected {} in template clause", tok_desc(&t))),
                    };
                    self.skip_space();
                    let pipe = if *self.peek() == Tok::Right {
                        self.next();
                        None
                    } else {
                        Some(self.pipeline("template", false)?)
                    };
                    return Ok(Some(Node::Template { pos, name, pipe }));
                }
                "break" | "continue" => {
                    self.next();
                    if self.range_depth == 0 {
                        return self.err(pos, format!("{{{{{kw}}}}} outside {{{{range}}}}"));
                    }
                    self.expect_right()?;
                    return Ok(Some(if kw == "break" { Node::Break(pos) } else { Node::Continue(pos) }));
                }
                _ => {}
            }
        }
        let pipe = self.pipeline("command", false)?;
        Ok(Some(Node::Action(pipe)))
    }

    fn define(&mut self, is_block: bool, pos: usize) -> Result<Option<Node>, ParseError> {
        self.skip_space();
        let name = match self.next().tok {
            Tok::Str(s) => s,
            t => return self.err(pos, format!("unexpected {} in define clause", tok_desc(&t))),
        };
        self.skip_space();
        let pipe = if is_block {
            if *self.peek() == Tok::Right {
                self.next();
                None
            } else {
                Some(self.pipeline("block", false)?)
            }
        } else {
            self.expect_right()?;
            None
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (body, end) = self.list_inner(false)?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        match end {
            Some((_, End::Plain)) => {}
            Some((p, e)) => return self.err(p, format!("unexpected {}", end_name(&e))),
            None => return self.err(pos, "unexpected EOF"),
        }
        self.defines.push((name.clone(), body));
        if is_block {
            Ok(Some(Node::Template { pos, name, pipe }))
        } else {
            Ok(None)
        }
    }

    fn control(&mut self, kw: &str, pos: usize) -> Result<Node, ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(pos, format!("control structures nest deeper than {MAX_NESTING}"));
        }
        let mark = self.vars.len();
        let pipe = self.pipeline(kw, kw == "range")?;
        if kw == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.list_inner(false)?;
        if kw == "range" {
            self.range_depth -= 1;
        }
        let else_list = match end {
            Some((_, End::Plain)) => None,
            Some((_, End::Else)) => {
                let (el, end2) = self.list_inner(false)?;
                match end2 {
                    Some((_, End::Plain)) => {}
                    Some((p, e)) => return self.err(p, format!("expected end; found {}", end_name(&e))),
                    None => return self.err(pos, "unexpected EOF"),
                }
                Some(el)
            }
            Some((p, End::ElseChain(k))) => {
                if kw == "range" || (k != kw) {
                    // Go allows `else if` only in if, `else with` only in with.
                    if !(kw == "if" && k == "if" || kw == "with" && k == "with") {
                        return self.err(p, format!("unexpected else {k}"));
                    }
                }
                // The chained control consumes the shared {{end}}.
                let nested = self.control(&k, p)?;
                Some(vec![nested])
            }
            None => return self.err(pos, "unexpected EOF"),
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        let b = Branch { pos, pipe, list, else_list };
        Ok(match kw {
            "if" => Node::If(b),
            "with" => Node::With(b),
            _ => Node::Range(b),
        })
    }

    /// Parses a pipeline up to `}}` (consumed), with optional declarations.
    fn pipeline(&mut self, ctx: &str, allow_two: bool) -> Result<Pipe, ParseError> {
        self.skip_space();
        let pos = self.pos();
        let mut decl = Vec::new();
        let mut is_assign = false;
        // Look ahead for `$x :=`, `$x =`, `$i, $v :=`.
        if let Tok::Var(v) = self.peek().clone() {
            let save = self.i;
            self.next();
            self.skip_space();
            match self.peek().clone() {
                Tok::Declare | Tok::Assign => {
                    is_assign = *self.peek() == Tok::Assign;
                    self.next();
                    decl.push(v);
                }
                Tok::Comma if allow_two => {
                    self.next();
                    self.skip_space();
                    if let Tok::Var(v2) = self.next().tok {
                        self.skip_space();
                        match self.next().tok {
                            Tok::Declare => {}
                            Tok::Assign => is_assign = true,
                            _ => return self.err(pos, "missing := in range"),
                        }
                        decl.push(v);
                        decl.push(v2);
                    } else {
                        return self.err(pos, "range can only initialize variables");
                    }
                }
                _ => self.i = save,
            }
        }
        for d in &decl {
            if is_assign && !self.vars.contains(d) {
                return self.err(pos, format!("undefined variable {d:?}"));
            }
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Tok::Right => {
                    self.next();
                    break;
                }
                Tok::RParen if ctx == "parenthesized pipeline" => {
                    self.next();
                    break;
                }
                _ => {}
            }
            let c = self.command(ctx)?;
            cmds.push(c);
            self.skip_space();
            if *self.peek() == Tok::Pipe {
                self.next();
                continue;
            }
        }
        if cmds.is_empty() {
            return self.err(pos, format!("missing value for {ctx}"));
        }
        if !is_assign {
            for d in &decl {
                self.vars.push(d.clone());
            }
        }
        Ok(Pipe { pos, is_assign, decl, cmds })
    }

    fn command(&mut self, ctx: &str) -> Result<Command, ParseError> {
        let pos = self.pos();
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Tok::Right | Tok::Pipe => break,
                Tok::RParen if ctx == "parenthesized pipeline" => break,
                Tok::Eof => return self.err(self.pos(), "unclosed action"),
                _ => {}
            }
            args.push(self.operand()?);
            match self.peek() {
                Tok::Space | Tok::Right | Tok::Pipe => {}
                Tok::RParen if ctx == "parenthesized pipeline" => {}
                t => {
                    let msg = format!("unexpected {} in operand", tok_desc(t));
                    return self.err(self.pos(), msg);
                }
            }
        }
        if args.is_empty() {
            return self.err(pos, "empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> Result<Arg, ParseError> {
        let t = self.next();
        let pos = t.pos;
        let term = match t.tok {
            Tok::Ident(name) => {
                if !(self.is_func)(&name) {
                    return self.err(pos, format!("function {name:?} not defined"));
                }
                Arg::Ident { pos, name }
            }
            Tok::Dot => Arg::Dot(pos),
            Tok::Nil => Arg::Nil(pos),
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Str(s) => Arg::Str(s),
            Tok::Char(c) => Arg::Int(c as i64, format!("{c:?}")),
            Tok::Number(n) => number(&n).ok_or(ParseError { pos, msg: format!("bad number syntax: {n:?}") })?,
            Tok::Var(v) => {
                if !self.vars.contains(&v) {
                    return self.err(pos, format!("undefined variable {v:?}"));
                }
                let mut names = vec![v];
                while let Tok::Field(f) = self.peek().clone() {
                    self.next();
                    names.push(f);
                }
                return Ok(Arg::Variable { pos, names });
            }
            Tok::Field(f) => {
                let mut names = vec![f];
                while let Tok::Field(f) = self.peek().clone() {
                    self.next();
                    names.push(f);
                }
                return Ok(Arg::Field { pos, names });
            }
            Tok::LParen => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return self.err(pos, format!("parentheses nest deeper than {MAX_NESTING}"));
                }
                let p = self.pipeline("parenthesized pipeline", false)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            other => return self.err(pos, format!("unexpected {} in operand", tok_desc(&other))),
        };
        let mut names = Vec::new();
        while let Tok::Field(f) = self.peek().clone() {
            self.next();
            names.push(f);
        }
        if names.is_empty() {
            return Ok(term);
        }
        match term {
            Arg::Dot(_) | Arg::Nil(_) | Arg::Bool(_) | Arg::Str(_) | Arg::Int(..) | Arg::Float(..) => {
                self.err(pos, format!("unexpected . after term {:?}", term.to_string()))
            }
            t => Ok(Arg::Chain { pos, node: Box::new(t), names }),
        }
    }
}

fn end_name(e: &End) -> String {
    match e {
        End::Plain => "{{end}}".into(),
        End::Else => "{{else}}".into(),
        End::ElseChain(k) => format!("{{{{else {k}}}}}"),
    }
}

fn tok_desc(t: &Tok) -> String {
    match t {
        Tok::Right => "\"}}\"".into(),
        Tok::Left => "\"{{\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::LParen => "\"(\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Eof => "EOF".into(),
        Tok::Ident(s) => format!("<{s}>"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Number(n) => format!("<{n}>"),
        Tok::Field(f) => format!("<.{f}>"),
        Tok::Var(v) => format!("<{v}>"),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Comma => "\",\"".into(),
        other => format!("{other:?}"),
    }
}

/// A number constant as Go's parser types it for an `interface{}` argument.
fn number(text: &str) -> Option<Arg> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    if !is_hex && lower.contains(['.', 'e', 'p']) {
        let f: f64 = body.parse().ok()?;
        return Some(Arg::Float(if neg { -f } else { f }, text.to_string()));
    }
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(Arg::Int(if neg { -v } else { v }, text.to_string()))
}
