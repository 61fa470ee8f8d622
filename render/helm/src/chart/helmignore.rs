//! `.helmignore` rules, matched as Helm's `ignore` package matches them: patterns
//! without a slash match the base name, others the whole relative path, a trailing
//! slash restricts a rule to directories, and `templates/.?*` is always ignored.
//!
//! Helm's negated rules have an odd behaviour that is reproduced on purpose: a
//! path that does *not* match a `!rule` is ignored.

use super::glob::shell_match;

pub struct Rules {
    patterns: Vec<Pattern>,
}

struct Pattern {
    raw: String,
    negate: bool,
    must_dir: bool,
}

impl Rules {
    pub fn parse(text: &str) -> Rules {
        let mut r = Rules { patterns: Vec::new() };
        for line in text.lines() {
            r.add(line);
        }
        r.add("templates/.?*");
        r
    }

    fn add(&mut self, line: &str) {
        let mut rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') || rule == "!" {
            return;
        }
        // Helm does not support "**" and skips such rules.
        if rule.contains("**") {
            return;
        }
        let negate = rule.starts_with('!');
        if negate {
            rule = &rule[1..];
        }
        let must_dir = rule.ends_with('/');
        let rule = rule.trim_end_matches('/');
        self.patterns.push(Pattern { raw: rule.to_string(), negate, must_dir });
    }

    /// Whether the chart-relative `path` (with `/` separators) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(path) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(path) {
                return true;
            }
        }
        false
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        if let Some(r) = self.raw.strip_prefix('/') {
            shell_match(r, path)
        } else if self.raw.contains('/') {
            shell_match(&self.raw, path)
        } else {
            let base = path.rsplit('/').next().unwrap_or(path);
            shell_match(&self.raw, base)
        }
    }
}
