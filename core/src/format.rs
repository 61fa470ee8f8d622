//! Canonical formatting of HCL source: the engine behind `gantry fmt`, following `terraform fmt`.
//!
//! The input is first parsed with `hcl-edit` so that invalid files are reported and never
//! rewritten. Formatting itself works on a token stream rather than on the syntax tree, the same
//! way Terraform's `hclwrite` does it: only whitespace between tokens changes, so the result is
//! the same program by construction and comments survive exactly where they were.
//!
//! Strings (including everything inside `${ }` / `%{ }`), heredocs and comments are lexed as
//! single opaque tokens, so their contents are never touched. A physical line break inside such a
//! token does not start a new formatting line, which is why heredoc bodies and the continuation
//! lines of a `/* */` comment keep their indentation.
//!
//! Per line the rules are `hclwrite`'s:
//! - indentation is two spaces per open bracket level (`{`, `[`, `(`), counted by the net bracket
//!   change of each line;
//! - a line is split into a *lead*, an *assign* cell (from the first `=` when the rest of the
//!   line is bracket-balanced) and a trailing line comment; the `=` of consecutive lines with an
//!   assign cell are aligned, and so are trailing comments of consecutive lines;
//! - spaces between tokens follow a small table (no space around `.`, before `,`, inside `()`
//!   and `[]`, after a unary `-` or `!`; one space inside `{ }` and around binary operators).
//!
//! One deliberate difference: whether a `:` has a space before it is kept from the input, so
//! `key: value` object items stay as written (`hclwrite` would turn them into `key : value`).

use hcl_edit::parser;

/// Returns the canonical form of an HCL source file, or the parse error (the caller reports it
/// and leaves the file alone).
pub fn format_source(src: &str) -> Result<String, parser::Error> {
    parser::parse_body(src)?;
    Ok(render(lex_lines(src)))
}

/// Token classes: only as fine-grained as the spacing and indentation rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    /// A whole quoted string, interpolations and nested strings included.
    Str,
    /// A whole heredoc, from `<<` to the closing delimiter.
    Heredoc,
    /// `#` or `//` comment, without its line ending.
    LineComment,
    BlockComment,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Ellipsis,
    DoubleColon,
    Equal,
    FatArrow,
    Colon,
    Question,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqOp,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Bang,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Tok<'a> {
    kind: Kind,
    text: &'a str,
    /// Whether the source had whitespace right before this token (only used for `:`).
    space_before: bool,
}

/// One formatting line: the tokens up to a line ending that is not inside an opaque token.
struct Line<'a> {
    toks: Vec<Tok<'a>>,
    newline: Option<&'a str>,
}

fn is_id_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_id_continue(c: char) -> bool {
    // HCL identifiers may contain dashes: `a-1` is one identifier, not a subtraction.
    c.is_alphanumeric() || c == '_' || c == '-'
}

struct Lexer<'a> {
    src: &'a str,
    /// Byte offset; only ever advanced by whole characters, so always a char boundary.
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    /// Lexes the token starting with `c` (not whitespace or a line ending) and returns its kind.
    fn token(&mut self, c: char) -> Kind {
        let rest = self.rest();
        match c {
            '"' => {
                self.pos += 1;
                self.quoted();
                Kind::Str
            }
            '#' => {
                self.line_comment();
                Kind::LineComment
            }
            '/' if rest.starts_with("//") => {
                self.line_comment();
                Kind::LineComment
            }
            '/' if rest.starts_with("/*") => {
                self.block_comment();
                Kind::BlockComment
            }
            '<' if self.heredoc() => Kind::Heredoc,
            '0'..='9' => {
                self.number();
                Kind::Number
            }
            c if is_id_start(c) => {
                self.eat_while(is_id_continue);
                Kind::Ident
            }
            _ => self.punct(),
        }
    }

    fn punct(&mut self) -> Kind {
        const MULTI: [(&str, Kind); 9] = [
            ("...", Kind::Ellipsis),
            ("::", Kind::DoubleColon),
            ("=>", Kind::FatArrow),
            ("==", Kind::EqOp),
            ("!=", Kind::NotEq),
            ("<=", Kind::Le),
            (">=", Kind::Ge),
            ("&&", Kind::And),
            ("||", Kind::Or),
        ];
        let rest = self.rest();
        for (text, kind) in MULTI {
            if rest.starts_with(text) {
                self.pos += text.len();
                return kind;
            }
        }
        match self.bump() {
            Some('{') => Kind::OBrace,
            Some('}') => Kind::CBrace,
            Some('[') => Kind::OBrack,
            Some(']') => Kind::CBrack,
            Some('(') => Kind::OParen,
            Some(')') => Kind::CParen,
            Some(',') => Kind::Comma,
            Some('.') => Kind::Dot,
            Some('=') => Kind::Equal,
            Some(':') => Kind::Colon,
            Some('?') => Kind::Question,
            Some('+') => Kind::Plus,
            Some('-') => Kind::Minus,
            Some('*') => Kind::Star,
            Some('/') => Kind::Slash,
            Some('%') => Kind::Percent,
            Some('<') => Kind::Lt,
            Some('>') => Kind::Gt,
            Some('!') => Kind::Bang,
            _ => Kind::Other,
        }
    }

    fn number(&mut self) {
        self.eat_while(|c| c.is_ascii_digit());
        let rest = self.rest();
        if let Some(frac) = rest.strip_prefix('.') {
            if frac.starts_with(|c: char| c.is_ascii_digit()) {
                self.pos += 1;
                self.eat_while(|c| c.is_ascii_digit());
            }
        }
        let rest = self.rest();
        if let Some(exp) = rest.strip_prefix(['e', 'E']) {
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.starts_with(|c: char| c.is_ascii_digit()) {
                self.pos += rest.len() - digits.len();
                self.eat_while(|c| c.is_ascii_digit());
            }
        }
    }

    /// Consumes a `#` or `//` comment up to, not including, its line ending.
    fn line_comment(&mut self) {
        let rest = self.rest();
        let mut len = rest.find('\n').unwrap_or(rest.len());
        if rest[..len].ends_with('\r') {
            len -= 1;
        }
        self.pos += len;
    }

    fn block_comment(&mut self) {
        let rest = self.rest();
        self.pos += match rest.get(2..).and_then(|r| r.find("*/")) {
            Some(end) => end + 4,
            None => rest.len(),
        };
    }

    /// Consumes the rest of a quoted string after its opening `"`.
    fn quoted(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                // Unterminated: stop at the line end (cannot happen for input that parsed).
                return;
            }
            self.bump();
            match c {
                '\\' => {
                    self.bump();
                }
                '"' => return,
                '$' | '%' => self.template_sequence(c),
                _ => {}
            }
        }
    }

    /// Called right after a `$` or `%` inside a template: skips an escaped `$${` / `%%{`, or a
    /// whole `${ … }` / `%{ … }` sequence.
    fn template_sequence(&mut self, sigil: char) {
        let rest = self.rest();
        if rest.starts_with(sigil) && rest[sigil.len_utf8()..].starts_with('{') {
            self.pos += sigil.len_utf8() + 1;
        } else if rest.starts_with('{') {
            self.pos += 1;
            self.interpolation();
        }
    }

    /// Consumes an interpolation or directive body after its `${` / `%{`, up to the matching `}`.
    fn interpolation(&mut self) {
        let mut depth = 1usize;
        while let Some(c) = self.peek() {
            let rest = self.rest();
            if c == '#' || rest.starts_with("//") {
                self.line_comment();
                continue;
            }
            if rest.starts_with("/*") {
                self.block_comment();
                continue;
            }
            if c == '<' && self.heredoc() {
                continue;
            }
            self.bump();
            match c {
                '"' => self.quoted(),
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// If a heredoc starts here, consumes it through its closing delimiter and returns true.
    /// The end is found the way `hcl-edit` finds it: a line that is optional spaces or tabs, then
    /// the delimiter not followed by an identifier character, outside any interpolation.
    fn heredoc(&mut self) -> bool {
        let rest = self.rest();
        let Some(after) = rest.strip_prefix("<<") else {
            return false;
        };
        let after = after.strip_prefix('-').unwrap_or(after);
        if !after.starts_with(is_id_start) {
            return false;
        }
        let id_len = after.char_indices().find(|&(_, c)| !is_id_continue(c)).map_or(after.len(), |(i, _)| i);
        let (delim, tail) = after.split_at(id_len);
        let nl_len = if tail.starts_with('\n') {
            1
        } else if tail.starts_with("\r\n") {
            2
        } else {
            return false;
        };
        self.pos += rest.len() - tail.len() + nl_len;
        loop {
            let line = self.rest();
            let trimmed = line.trim_start_matches([' ', '\t']);
            if let Some(after_delim) = trimmed.strip_prefix(delim) {
                if !after_delim.starts_with(is_id_continue) {
                    self.pos += line.len() - after_delim.len();
                    return true;
                }
            }
            loop {
                match self.bump() {
                    None => return true,
                    Some('\n') => break,
                    Some(c @ ('$' | '%')) => self.template_sequence(c),
                    Some(_) => {}
                }
            }
        }
    }
}

/// Splits the source into formatting lines of tokens, dropping all whitespace between tokens.
fn lex_lines(src: &str) -> Vec<Line<'_>> {
    let mut lx = Lexer { src, pos: 0 };
    let mut lines = Vec::new();
    let mut toks = Vec::new();
    let mut space_before = false;
    while let Some(c) = lx.peek() {
        let start = lx.pos;
        let rest = lx.rest();
        if c == '\n' || rest.starts_with("\r\n") {
            lx.pos += if c == '\n' { 1 } else { 2 };
            lines.push(Line { toks: std::mem::take(&mut toks), newline: src.get(start..lx.pos) });
            space_before = false;
            continue;
        }
        if c.is_whitespace() {
            lx.bump();
            space_before = true;
            continue;
        }
        let kind = lx.token(c);
        if lx.pos == start {
            // Never loop without progress, whatever the input.
            lx.bump();
        }
        let mut text = src.get(start..lx.pos).unwrap_or("");
        if kind == Kind::LineComment {
            // Trailing whitespace goes, even inside a comment.
            text = text.trim_end();
        }
        toks.push(Tok { kind, text, space_before });
        space_before = false;
    }
    if !toks.is_empty() {
        lines.push(Line { toks, newline: None });
    }
    lines
}

fn bracket_change(kind: Kind) -> i32 {
    match kind {
        Kind::OBrace | Kind::OBrack | Kind::OParen => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen => -1,
        _ => 0,
    }
}

fn net_brackets(toks: &[Tok<'_>]) -> i32 {
    toks.iter().map(|t| bracket_change(t.kind)).sum()
}

/// `hclwrite`'s `spaceAfterToken`: whether `subject` is followed by a space when `before` and
/// `after` are its neighbours in the same cell.
fn space_after(subject: &Tok<'_>, before: Option<&Tok<'_>>, after: &Tok<'_>) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    let before = before.map(|t| t.kind);
    match () {
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        // `in` of a `for` is a keyword: `for x in [a]` must not become `in[a]`.
        _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
        _ if a == OBrack && (s == Ident || s == Number || bracket_change(s) < 0) => false,
        _ if s == Bang => false,
        // A minus after something that cannot end an operand is a negation.
        _ if s == Minus => !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqOp
                    | NotEq
                    | Gt
                    | Ge
                    | Lt
                    | Le
                    | And
                    | Or
                    | Bang
            )
        ),
        // Braces get inner spaces (`foo { a = 1 }`), except an empty pair: `{}`.
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if a == Colon => after.space_before,
        _ if bracket_change(s) > 0 => false,
        _ if bracket_change(a) < 0 => false,
        _ => true,
    }
}

/// Joins a cell's tokens with the canonical spacing.
fn join(cell: &[Tok<'_>]) -> String {
    let mut out = String::new();
    for (i, tok) in cell.iter().enumerate() {
        if i > 0 {
            let before = i.checked_sub(2).and_then(|j| cell.get(j));
            if space_after(&cell[i - 1], before, tok) {
                out.push(' ');
            }
        }
        out.push_str(tok.text);
    }
    out
}

/// Display width of the last physical line of `s` (cells may hold multi-line tokens).
fn width(s: &str) -> usize {
    s.rsplit('\n').next().unwrap_or("").chars().count()
}

/// A formatted line split into `hclwrite`'s cells, each already rendered.
struct Cells<'a> {
    /// Indentation plus lead tokens.
    lead: String,
    /// Starts with `=` when present.
    assign: Option<String>,
    comment: Option<&'a str>,
    newline: Option<&'a str>,
}

fn render(lines: Vec<Line<'_>>) -> String {
    // Stack of the net bracket openings of each indented level (hclwrite's formatIndent).
    let mut indents: Vec<i32> = Vec::new();
    let mut cells = Vec::with_capacity(lines.len());
    for line in lines {
        let Line { mut toks, newline } = line;
        if toks.is_empty() {
            cells.push(Cells { lead: String::new(), assign: None, comment: None, newline });
            continue;
        }
        let net = net_brackets(&toks);
        let depth = indents.len();
        if net > 0 {
            indents.push(net);
        } else if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed < *top {
                    *top -= closed;
                    closed = 0;
                } else {
                    closed -= *top;
                    indents.pop();
                }
            }
        }
        // An opening line is indented at the outer level, a closing one at the level it returns
        // to.
        let depth = if net < 0 { indents.len() } else { depth };

        let comment = if toks.len() > 1 && toks.last().is_some_and(|t| t.kind == Kind::LineComment) {
            toks.pop().map(|t| t.text)
        } else {
            None
        };
        // The first `=` starts the assign cell, but only when the rest of the line is
        // bracket-balanced: `x = {` opens a multi-line value and takes no part in alignment.
        let mut assign = None;
        if let Some(i) = toks.iter().skip(1).position(|t| t.kind == Kind::Equal) {
            let i = i + 1;
            if net_brackets(&toks[i..]) == 0 {
                assign = Some(join(&toks.split_off(i)));
            }
        }
        cells.push(Cells { lead: format!("{}{}", "  ".repeat(depth), join(&toks)), assign, comment, newline });
    }

    // Align `=` over runs of consecutive lines that have an assign cell.
    let mut aligned: Vec<String> = Vec::with_capacity(cells.len());
    let mut i = 0;
    while i < cells.len() {
        if cells[i].assign.is_none() {
            aligned.push(cells[i].lead.clone());
            i += 1;
            continue;
        }
        let end = (i..cells.len()).find(|&j| cells[j].assign.is_none()).unwrap_or(cells.len());
        let max = cells[i..end].iter().map(|c| width(&c.lead)).max().unwrap_or(0);
        for c in &cells[i..end] {
            let pad = max - width(&c.lead) + 1;
            let assign = c.assign.as_deref().unwrap_or("");
            aligned.push(format!("{}{}{}", c.lead, " ".repeat(pad), assign));
        }
        i = end;
    }

    // Then align trailing comments over runs of consecutive lines that have one.
    let mut out = String::new();
    let mut i = 0;
    while i < cells.len() {
        let end = if cells[i].comment.is_some() {
            (i..cells.len()).find(|&j| cells[j].comment.is_none()).unwrap_or(cells.len())
        } else {
            i + 1
        };
        let max = aligned[i..end].iter().map(|s| width(s)).max().unwrap_or(0);
        for j in i..end {
            out.push_str(&aligned[j]);
            if let Some(comment) = cells[j].comment {
                out.push_str(&" ".repeat(max - width(&aligned[j]) + 1));
                out.push_str(comment);
            }
            out.push_str(cells[j].newline.unwrap_or(""));
        }
        i = end;
    }

    // Trailing blank lines go; the file ends with exactly one line ending. Every line ends in a
    // non-space token, so trimming cannot reach into a heredoc or comment.
    let body = out.trim_end();
    if body.is_empty() {
        return String::new();
    }
    let eol = if out.contains("\r\n") { "\r\n" } else { "\n" };
    format!("{body}{eol}")
}

#[cfg(test)]
mod tests;
