//! Tokeniser for Go `text/template` source: text runs and the tokens inside `{{ }}`.
//!
//! Trim markers (`{{- ` and ` -}}`) are applied here, to the neighbouring text,
//! exactly as Go's lexer does, so the parser never sees them.

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Text(String),
    Left,
    Right,
    Ident(String),
    Field(String),
    Var(String),
    Dot,
    Number(String),
    Str(String),
    Char(char),
    Bool(bool),
    Nil,
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Comma,
    Space,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    /// Byte offset in the source, for line:column in errors.
    pub pos: usize,
}

pub struct LexError {
    pub pos: usize,
    pub msg: String,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits `src` into tokens. Comments are dropped.
pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let b = src.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let mut trim_next_text = false;
    while i < b.len() {
        // Text up to the next "{{".
        let start = i;
        let open = src[i..].find("{{").map(|o| i + o);
        let text_end = open.unwrap_or(b.len());
        let mut text = &src[start..text_end];
        let mut left_trim = false;
        if let Some(o) = open {
            if b.get(o + 2) == Some(&b'-') && b.get(o + 3).is_some_and(|c| is_space(*c)) {
                left_trim = true;
            }
        }
        if trim_next_text {
            text = text.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        if left_trim {
            text = text.trim_end_matches([' ', '\t', '\r', '\n']);
        }
        if !text.is_empty() {
            out.push(Token { tok: Tok::Text(text.to_string()), pos: start });
        }
        trim_next_text = false;
        let Some(o) = open else { break };
        i = o + 2;
        if left_trim {
            i += 2;
        }
        // Comments: "{{/*" ... "*/}}", possibly with trim markers.
        let after_ws = i;
        if src[after_ws..].starts_with("/*") {
            let Some(end) = src[after_ws + 2..].find("*/") else {
                return Err(LexError { pos: o, msg: "unclosed comment".into() });
            };
            let mut j = after_ws + 2 + end + 2;
            let mut right_trim = false;
            if src[j..].starts_with(" -}}") {
                right_trim = true;
                j += 4;
            } else if src[j..].starts_with("}}") {
                j += 2;
            } else {
                return Err(LexError { pos: o, msg: "comment ends before closing delimiter".into() });
            }
            trim_next_text = right_trim;
            i = j;
            continue;
        }
        out.push(Token { tok: Tok::Left, pos: o });
        i = lex_action(src, i, &mut out, &mut trim_next_text)?;
    }
    out.push(Token { tok: Tok::Eof, pos: b.len() });
    Ok(out)
}

/// Lexes the inside of one action starting at `i`; returns the offset after `}}`.
fn lex_action(src: &str, mut i: usize, out: &mut Vec<Token>, trim_next: &mut bool) -> Result<usize, LexError> {
    let b = src.as_bytes();
    let mut paren_depth = 0i32;
    loop {
        if i >= b.len() {
            return Err(LexError { pos: i, msg: "unclosed action".into() });
        }
        let c = b[i];
        if is_space(c) {
            let s = i;
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            if src[i..].starts_with("-}}") {
                *trim_next = true;
                out.push(Token { tok: Tok::Right, pos: i });
                return Ok(i + 3);
            }
            out.push(Token { tok: Tok::Space, pos: s });
            continue;
        }
        if src[i..].starts_with("}}") {
            if paren_depth > 0 {
                return Err(LexError { pos: i, msg: "unclosed left paren".into() });
            }
            out.push(Token { tok: Tok::Right, pos: i });
            return Ok(i + 2);
        }
        let pos = i;
        let ch = src[i..].chars().next().unwrap_or('\0');
        let tok = match ch {
            '|' => {
                i += 1;
                Tok::Pipe
            }
            '(' => {
                paren_depth += 1;
                i += 1;
                Tok::LParen
            }
            ')' => {
                paren_depth -= 1;
                if paren_depth < 0 {
                    return Err(LexError { pos, msg: "unexpected right paren".into() });
                }
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            ':' => {
                if b.get(i + 1) != Some(&b'=') {
                    return Err(LexError { pos, msg: "expected :=".into() });
                }
                i += 2;
                Tok::Declare
            }
            '=' => {
                i += 1;
                Tok::Assign
            }
            '"' => {
                let (s, n) = lex_quote(src, i)?;
                i = n;
                Tok::Str(s)
            }
            '`' => {
                let Some(end) = src[i + 1..].find('`') else {
                    return Err(LexError { pos, msg: "unterminated raw quoted string".into() });
                };
                let s = src[i + 1..i + 1 + end].to_string();
                i = i + 2 + end;
                Tok::Str(s)
            }
            '\'' => {
                let (c, n) = lex_char(src, i)?;
                i = n;
                Tok::Char(c)
            }
            '$' => {
                let s = i;
                i += 1;
                while let Some(c) = src[i..].chars().next().filter(|c| is_alnum(*c)) {
                    i += c.len_utf8();
                }
                Tok::Var(src[s..i].to_string())
            }
            '.' => {
                if b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                    let n = scan_number(src, i);
                    let t = Tok::Number(src[i..n].to_string());
                    i = n;
                    t
                } else {
                    i += 1;
                    let s = i;
                    while let Some(c) = src[i..].chars().next().filter(|c| is_alnum(*c)) {
                        i += c.len_utf8();
                    }
                    if s == i {
                        Tok::Dot
                    } else {
                        Tok::Field(src[s..i].to_string())
                    }
                }
            }
            '+' | '-' | '0'..='9' => {
                let n = scan_number(src, i);
                if n == i + 1 && !ch.is_ascii_digit() {
                    return Err(LexError { pos, msg: format!("bad number syntax: {:?}", &src[i..n]) });
                }
                let t = Tok::Number(src[i..n].to_string());
                i = n;
                t
            }
            c if is_alnum(c) => {
                let s = i;
                while let Some(c) = src[i..].chars().next().filter(|c| is_alnum(*c)) {
                    i += c.len_utf8();
                }
                match &src[s..i] {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    w => Tok::Ident(w.to_string()),
                }
            }
            other => return Err(LexError { pos, msg: format!("unrecognized character in action: {other:?}") }),
        };
        out.push(Token { tok, pos });
    }
}

fn scan_number(src: &str, mut i: usize) -> usize {
    let b = src.as_bytes();
    if matches!(b.get(i), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    while i < b.len() {
        let c = b[i];
        let prev = if i > 0 { b[i - 1] } else { 0 };
        let ok = c.is_ascii_alphanumeric()
            || c == b'.'
            || c == b'_'
            || ((c == b'+' || c == b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P'));
        if !ok {
            break;
        }
        i += 1;
    }
    i
}

fn lex_quote(src: &str, start: usize) -> Result<(String, usize), LexError> {
    let mut out = String::new();
    let mut it = src[start + 1..].char_indices();
    while let Some((off, c)) = it.next() {
        match c {
            '"' => return Ok((out, start + 1 + off + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = it.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            if let Some((_, d)) = it.next() {
                                v = v * 8 + d.to_digit(8).unwrap_or(0);
                            }
                        }
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            let d = it.next().and_then(|(_, d)| d.to_digit(16));
                            let Some(d) = d else {
                                return Err(LexError { pos: start, msg: "invalid syntax in quoted string".into() });
                            };
                            v = v * 16 + d;
                        }
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    _ => return Err(LexError { pos: start, msg: "invalid syntax in quoted string".into() }),
                }
            }
            c => out.push(c),
        }
    }
    Err(LexError { pos: start, msg: "unterminated quoted string".into() })
}

fn lex_char(src: &str, start: usize) -> Result<(char, usize), LexError> {
    let rest = &src[start + 1..];
    let mut it = rest.char_indices();
    let bad = || LexError { pos: start, msg: "unterminated character constant".into() };
    let (_, c) = it.next().ok_or_else(bad)?;
    let c = if c == '\\' {
        let (_, e) = it.next().ok_or_else(bad)?;
        match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '\\' => '\\',
            '\'' => '\'',
            '0' => '\0',
            other => other,
        }
    } else {
        c
    };
    let (off, q) = it.next().ok_or_else(bad)?;
    if q != '\'' {
        return Err(bad());
    }
    Ok((c, start + 1 + off + 1))
}
