//! YAML and JSON text as Helm's `toYaml` and `toJson` produce it.
//!
//! `toYaml` is sigs.k8s.io/yaml: JSON first (so integral floats become integers),
//! then go-yaml v2's emitter: block style, sequences not indented under their key,
//! keys in go-yaml's "natural" order, strings plain unless they would read back as
//! another type or contain indicators, multi-line strings as literal blocks.

use std::cmp::Ordering;

use serde_json::Value as J;

/// go-yaml v2's map key order: runs of digits compare numerically, non-letters
/// sort before letters.
pub fn yaml_key_cmp(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.saturating_mul(10).saturating_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.saturating_mul(10).saturating_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// `toYaml` of plain data, without the trailing newline Helm trims.
pub fn to_yaml(v: &J) -> String {
    let mut out = String::new();
    emit(&mut out, v, 0, Ctx::Top);
    // Helm trims exactly one trailing newline (`strings.TrimSuffix`).
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Top,
    MapValue,
    SeqItem,
}

fn emit(out: &mut String, v: &J, indent: usize, ctx: Ctx) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) if !m.is_empty() => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| yaml_key_cmp(a, b));
            if ctx == Ctx::MapValue {
                out.push('\n');
            }
            for (i, k) in keys.iter().enumerate() {
                // The first key of a map inside a sequence item shares the "- " line.
                if !(i == 0 && ctx == Ctx::SeqItem) {
                    out.push_str(&pad);
                }
                out.push_str(&scalar_str(k, indent));
                out.push(':');
                let child = &m[*k];
                match child {
                    J::Object(c) if !c.is_empty() => emit(out, child, indent + 2, Ctx::MapValue),
                    J::Array(c) if !c.is_empty() => emit(out, child, indent, Ctx::MapValue),
                    _ => {
                        out.push(' ');
                        let col = column(out);
                        out.push_str(&scalar(child, indent + 2, col));
                        out.push('\n');
                    }
                }
            }
        }
        J::Array(a) if !a.is_empty() => {
            if ctx == Ctx::MapValue {
                out.push('\n');
            }
            for (i, item) in a.iter().enumerate() {
                if !(i == 0 && ctx == Ctx::SeqItem) {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                match item {
                    J::Object(c) if !c.is_empty() => emit(out, item, indent + 2, Ctx::SeqItem),
                    J::Array(c) if !c.is_empty() => emit(out, item, indent + 2, Ctx::SeqItem),
                    _ => {
                        let col = column(out);
                        out.push_str(&scalar(item, indent + 2, col));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            let col = column(out);
            out.push_str(&scalar(v, indent, col));
            out.push('\n');
        }
    }
}

/// The emitter's current column: characters since the last line break.
fn column(out: &str) -> usize {
    out.rsplit('\n').next().map_or(0, |l| l.chars().count())
}

/// go-yaml v2's emitter width: plain and single-quoted scalars fold at a single
/// space once the line is past this column.
const BEST_WIDTH: usize = 80;

/// Folds `text` (written starting at column `col`) as libyaml does: a lone space
/// past [`BEST_WIDTH`] becomes a line break plus `indent` spaces.
fn fold(text: &str, col: usize, indent: usize, skip_ends: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut column = col;
    let mut prev_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let at_end = skip_ends && (i == 0 || i + 1 == chars.len());
            let next_space = chars.get(i + 1) == Some(&' ');
            if !prev_space && column > BEST_WIDTH && !next_space && !at_end {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
            } else {
                out.push(c);
                column += 1;
            }
            prev_space = true;
        } else {
            out.push(c);
            column += 1;
            prev_space = false;
        }
    }
    out
}

fn scalar(v: &J, indent: usize, col: usize) -> String {
    match v {
        J::String(s) => scalar_value_str(s, indent, col),
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => yaml_number(n),
        J::Object(_) => "{}".into(),
        J::Array(_) => "[]".into(),
    }
}

fn yaml_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    // JSON printed integral floats below 1e21 without a fraction, so go-yaml read
    // them back as integers.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f}");
    }
    crate::template::format::format_float_g(f)
}

/// Would a plain scalar with this text read back as something other than a string?
fn resolves_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf",
        ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    if crate::funcs::convert::parse_go_int(&plain).is_some() {
        return true;
    }
    let float_re = regex_lite_float(&plain);
    if float_re {
        return true;
    }
    // go-yaml v2 resolves unquoted timestamps such as 2001-12-14.
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").is_ok()
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn regex_lite_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mant_ok = if let Some(frac) = mant.strip_prefix('.') {
        !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
    } else {
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit())
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mant_ok && exp_ok
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

struct Analysis {
    plain: bool,
    single: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    let mut a = Analysis { plain: true, single: true, block: true };
    if s.is_empty() {
        a.plain = false;
        a.block = false;
        return a;
    }
    if s.starts_with("---") || s.starts_with("...") {
        a.plain = false;
    }
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let blank = |i: usize| i >= n || chars[i] == ' ' || chars[i] == '\n';
    let mut prev_space = false;
    let mut prev_break = false;
    let mut line_breaks = false;
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                a.plain = false;
            }
            if (c == '?' || c == ':') && blank(1) {
                a.plain = false;
            }
            if c == '-' && blank(1) {
                a.plain = false;
            }
        } else {
            if ",?[]{}".contains(c) {
                a.plain = false;
            }
            if c == ':' {
                a.plain = false;
            }
            if c == '#' && chars[i - 1] == ' ' {
                a.plain = false;
            }
        }
        if !is_printable(c) {
            a.plain = false;
            a.single = false;
            a.block = false;
        }
        if c == '\n' {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 || i == n - 1 {
                a.plain = false;
            }
            if i == n - 1 {
                a.block = false;
            }
            if prev_break {
                a.plain = false;
                a.single = false;
            }
            prev_space = true;
            prev_break = false;
        } else if c == '\n' {
            if i == 0 || i == n - 1 {
                a.plain = false;
            }
            if prev_space {
                a.plain = false;
                a.single = false;
                a.block = false;
            }
            prev_break = true;
            prev_space = false;
        } else {
            prev_space = false;
            prev_break = false;
        }
    }
    if line_breaks {
        a.plain = false;
    }
    a
}

/// A string in value position, folded like go-yaml v2 folds long lines.
fn scalar_value_str(s: &str, indent: usize, col: usize) -> String {
    let styled = scalar_str(s, indent);
    if styled.starts_with('"') {
        return double_quoted_at(s, Some((col, indent)));
    }
    if s.contains('\n') {
        return styled;
    }
    if let Some(inner) = styled.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        return format!("'{}'", fold(inner, col + 1, indent, true));
    }
    fold(&styled, col, indent, false)
}

fn scalar_str(s: &str, indent: usize) -> String {
    let an = analyze(s);
    if s.contains('\n') {
        if an.block {
            return literal(s, indent);
        }
        return double_quoted(s);
    }
    if !resolves_non_string(s) && an.plain {
        return s.to_string();
    }
    if resolves_non_string(s) {
        return double_quoted(s);
    }
    if an.single {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

fn literal(s: &str, indent: usize) -> String {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") || s == "\n" {
        "+"
    } else {
        ""
    };
    let hint = if s.starts_with(' ') { "2" } else { "" };
    let pad = " ".repeat(indent.max(2));
    let body = s.strip_suffix('\n').unwrap_or(s);
    let mut out = format!("|{hint}{chomp}");
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

fn double_quoted(s: &str) -> String {
    double_quoted_at(s, None)
}

/// Double-quoted style; with `fold = Some((column, indent))` a lone space past
/// [`BEST_WIDTH`] (not the first or last character) becomes a line break, and a
/// following space is protected with `\`, as libyaml writes it.
fn double_quoted_at(s: &str, fold: Option<(usize, usize)>) -> String {
    let mut o = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    let mut column = fold.map_or(0, |(c, _)| c + 1);
    let mut prev_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if let Some((_, indent)) = fold {
                if !prev_space && column > BEST_WIDTH && i != 0 && i + 1 != chars.len() {
                    o.push('\n');
                    o.push_str(&" ".repeat(indent));
                    column = indent;
                    if chars.get(i + 1) == Some(&' ') {
                        o.push('\\');
                        column += 1;
                    }
                    prev_space = true;
                    continue;
                }
            }
            o.push(' ');
            column += 1;
            prev_space = true;
            continue;
        }
        prev_space = false;
        let before = o.len();
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\0' => o.push_str("\\0"),
            '\u{7}' => o.push_str("\\a"),
            '\u{8}' => o.push_str("\\b"),
            '\u{1b}' => o.push_str("\\e"),
            '\u{c}' => o.push_str("\\f"),
            '\u{b}' => o.push_str("\\v"),
            '\u{85}' => o.push_str("\\N"),
            '\u{a0}' => o.push_str("\\_"),
            '\u{2028}' => o.push_str("\\L"),
            '\u{2029}' => o.push_str("\\P"),
            c if !is_printable(c) => {
                let u = c as u32;
                if u <= 0xff {
                    o.push_str(&format!("\\x{u:02X}"));
                } else if u <= 0xffff {
                    o.push_str(&format!("\\u{u:04X}"));
                } else {
                    o.push_str(&format!("\\U{u:08X}"));
                }
            }
            c => o.push(c),
        }
        column += o[before..].chars().count();
    }
    o.push('"');
    o
}

/// Go's `encoding/json` text: sorted keys, integral floats without a fraction,
/// `<`, `>`, `&` escaped when `html` is set (as `json.Marshal` does).
pub fn to_json(v: &J, html: bool, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, v, html, if pretty { Some(0) } else { None });
    out
}

fn write_json(out: &mut String, v: &J, html: bool, indent: Option<usize>) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&json_number(n)),
        J::String(s) => json_string(out, s, html),
        J::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|n| n + 1));
                write_json(out, x, html, indent.map(|n| n + 1));
            }
            newline(out, indent);
            out.push(']');
        }
        J::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|n| n + 1));
                json_string(out, k, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, &m[*k], html, indent.map(|n| n + 1));
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&"  ".repeat(n));
    }
}

pub fn json_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    format!("{f}")
}

fn json_string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
