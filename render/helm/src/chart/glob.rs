//! Glob matching: Go's `filepath.Match` (for `.helmignore`) and gobwas/glob with a
//! `/` separator (for `.Files.Glob`, which adds `**` and `{a,b}`).

/// `filepath.Match`: `*` and `?` never cross `/`; `[...]` classes with `^`/`!`.
pub fn shell_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob_at(&p, &n, false)
}

/// gobwas/glob semantics: `**` crosses `/`, `{a,b}` alternatives.
pub fn files_glob_match(pattern: &str, name: &str) -> bool {
    for alt in expand_braces(pattern) {
        let p: Vec<char> = alt.chars().collect();
        let n: Vec<char> = name.chars().collect();
        if glob_at(&p, &n, true) {
            return true;
        }
    }
    false
}

fn expand_braces(p: &str) -> Vec<String> {
    let Some(open) = p.find('{') else {
        return vec![p.to_string()];
    };
    let mut depth = 0;
    let mut close = None;
    for (i, c) in p[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![p.to_string()];
    };
    let (pre, body, post) = (&p[..open], &p[open + 1..close], &p[close + 1..]);
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    let mut out = Vec::new();
    for part in parts {
        for tail in expand_braces(post) {
            out.extend(expand_braces(&format!("{pre}{part}{tail}")));
        }
    }
    out
}

fn glob_at(p: &[char], n: &[char], super_star: bool) -> bool {
    // Iterative with a bounded backtracking budget so that hostile patterns
    // cannot take exponential time.
    let mut budget = 100_000usize;
    matches(p, n, super_star, &mut budget)
}

fn matches(p: &[char], n: &[char], ss: bool, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    if p.is_empty() {
        return n.is_empty();
    }
    match p[0] {
        '*' => {
            let double = ss && p.get(1) == Some(&'*');
            let rest = if double { &p[2..] } else { &p[1..] };
            for i in 0..=n.len() {
                if i > 0 && !double && n[i - 1] == '/' {
                    return false;
                }
                if matches(rest, &n[i..], ss, budget) {
                    return true;
                }
            }
            false
        }
        '?' => !n.is_empty() && n[0] != '/' && matches(&p[1..], &n[1..], ss, budget),
        '[' => {
            if n.is_empty() || n[0] == '/' {
                return false;
            }
            let Some(end) = p.iter().skip(1).position(|c| *c == ']').map(|e| e + 1) else {
                return false;
            };
            let class = &p[1..end];
            let (neg, class) = match class.first() {
                Some('^') | Some('!') => (true, &class[1..]),
                _ => (false, class),
            };
            let c = n[0];
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    if class[i] <= c && c <= class[i + 2] {
                        hit = true;
                    }
                    i += 3;
                } else {
                    if class[i] == c {
                        hit = true;
                    }
                    i += 1;
                }
            }
            hit != neg && matches(&p[end + 1..], &n[1..], ss, budget)
        }
        '\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && matches(&p[2..], &n[1..], ss, budget),
        c => !n.is_empty() && n[0] == c && matches(&p[1..], &n[1..], ss, budget),
    }
}
