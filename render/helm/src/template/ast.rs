//! Parse tree of a Go template, and Go's `String()` rendering of nodes that error
//! messages quote as context (`executing "x" at <.Values.a.b>`).

use std::fmt;
use std::rc::Rc;

pub type List = Vec<Node>;

#[derive(Debug)]
pub enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Template { pos: usize, name: String, pipe: Option<Pipe> },
    Break(usize),
    Continue(usize),
}

#[derive(Debug)]
pub struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

#[derive(Debug)]
pub struct Pipe {
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub enum Arg {
    Field { pos: usize, names: Vec<String> },
    Variable { pos: usize, names: Vec<String> },
    Dot(usize),
    Nil(usize),
    Bool(bool),
    Int(i64, String),
    Float(f64, String),
    Str(String),
    Ident { pos: usize, name: String },
    Pipe(Box<Pipe>),
    Chain { pos: usize, node: Box<Arg>, names: Vec<String> },
}

impl Arg {
    pub fn pos(&self, fallback: usize) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Ident { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
            _ => fallback,
        }
    }
}

/// A parsed template: its body plus the source it came from (for line:column).
#[derive(Debug)]
pub struct Tree {
    /// The name errors give as the location (the file the text was parsed from).
    pub parse_name: String,
    pub source: Rc<str>,
    pub root: List,
}

impl Tree {
    /// Go's `ErrorContext` location: `name:line:col` with a 0-based byte column.
    pub fn location(&self, pos: usize) -> String {
        let pos = pos.min(self.source.len());
        let before = &self.source[..pos];
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(nl) => pos - nl - 1,
            None => pos,
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{} {} ", self.decl.join(", "), if self.is_assign { "=" } else { ":=" })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { names, .. } => {
                for n in names {
                    write!(f, ".{n}")?;
                }
                Ok(())
            }
            Arg::Variable { names, .. } => f.write_str(&names.join(".")),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(b) => write!(f, "{b}"),
            Arg::Int(_, text) | Arg::Float(_, text) => f.write_str(text),
            Arg::Str(s) => write!(f, "{}", crate::template::format::go_quote(s)),
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Pipe(p) => write!(f, "{p}"),
            Arg::Chain { node, names, .. } => {
                if matches!(**node, Arg::Pipe(_)) {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for n in names {
                    write!(f, ".{n}")?;
                }
                Ok(())
            }
        }
    }
}
