//! Filesystem functions: file, fileexists, templatefile and the path helpers abspath, basename, dirname.

use std::path::{Path, PathBuf};

use super::{arg_map, arg_str, echo_arg, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::{quote, Value};

pub(super) const FUNCS: &[Spec] = &[
    spec("file", 1, Some(1), file),
    spec("fileexists", 1, Some(1), fileexists),
    spec("templatefile", 2, Some(2), templatefile),
    spec("abspath", 1, Some(1), abspath),
    spec("basename", 1, Some(1), basename),
    spec("dirname", 1, Some(1), dirname),
    spec("filebase64", 1, Some(1), filebase64),
    spec("pathexpand", 1, Some(1), pathexpand),
    spec("fileset", 2, Some(2), fileset),
    spec("templatestring", 2, Some(2), templatestring),
];

/// A template given as a string value (read from a data source, say). The evaluator refuses a
/// literal template here, as Terraform does: a template string expression says the same directly.
fn templatestring(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "template")?;
    let vars = arg_map(args, 1, "vars")?;
    (ctx.render_template)(Path::new("templatestring"), &text, vars)
        .map_err(|e| FuncError::new(format!("error rendering template: {e}")))
}

/// Directories deeper than this are not searched: a link loop must end the walk, not the process.
const FILESET_MAX_DEPTH: usize = 64;

/// The files under `path` whose path relative to it matches the glob, as a sorted set. `*` and `?`
/// stay within one path segment, `**` spans any number, `{a,b}` and `[ab]` choose, as in Terraform.
fn fileset(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    let pattern = arg_str(args, 1, "pattern")?;
    let glob = globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| {
            FuncError::at(1, format!("failed to glob pattern {}: {}", echo_arg(1, quote(&pattern)), e.kind()))
        })?
        .compile_matcher();
    let root = resolve(ctx, &path);
    let mut found = Vec::new();
    let mut stack = vec![(root.clone(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let full = entry.path();
            let Ok(meta) = std::fs::metadata(&full) else { continue };
            if meta.is_dir() {
                if depth < FILESET_MAX_DEPTH {
                    stack.push((full, depth + 1));
                }
            } else if meta.is_file() {
                let Ok(rel) = full.strip_prefix(&root) else { continue };
                let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                if glob.is_match(&rel) {
                    found.push(Value::String(rel));
                }
            }
        }
    }
    Ok(Value::List(super::make_set(found)))
}

/// The file's bytes in standard Base64, for files that are not UTF-8 text.
fn filebase64(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    use base64::Engine;
    let bytes = read_bytes(ctx, &arg_str(args, 0, "path")?)?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// `~` or `~/…` with the home directory put in; any other path unchanged, as Terraform does.
fn pathexpand(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    let expanded = match (path.as_str(), home) {
        ("~", Some(home)) => home,
        (p, Some(home)) if p.starts_with("~/") => format!("{home}{}", &p[1..]),
        _ => path,
    };
    Ok(Value::String(expanded))
}

/// Resolves a path argument: `~/` means the home directory, as in Terraform,
/// and relative paths are taken from the calling module's directory.
fn resolve(ctx: &FuncContext, path: &str) -> PathBuf {
    let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        ctx.base_dir.join(expanded)
    }
}

/// The bytes of the file at `path`, for the functions that hash or encode a file.
pub(super) fn read_bytes(ctx: &FuncContext, path: &str) -> FResult<Vec<u8>> {
    let full = resolve(ctx, path);
    match std::fs::read(&full) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(FuncError::at(0, format!("no file exists at {}", echo_arg(0, quote(path)))))
        }
        Err(_) if full.is_dir() => {
            Err(FuncError::at(0, format!("{} is a directory, not a file", echo_arg(0, quote(path)))))
        }
        Err(e) => Err(FuncError::at(0, format!("failed to read {}: {e}", echo_arg(0, quote(path))))),
    }
}

fn read_text(ctx: &FuncContext, path: &str) -> FResult<String> {
    let bytes = read_bytes(ctx, path)?;
    String::from_utf8(bytes).map_err(|_| {
        FuncError::at(
            0,
            format!(
                "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents",
                echo_arg(0, quote(path))
            ),
        )
    })
}

fn file(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    read_text(ctx, &path).map(Value::String)
}

fn fileexists(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    match std::fs::metadata(resolve(ctx, &path)) {
        Ok(meta) if meta.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(FuncError::at(0, format!("{} exists but is not a regular file", echo_arg(0, quote(&path))))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(FuncError::at(0, format!("failed to stat {}: {e}", echo_arg(0, quote(&path))))),
    }
}

fn templatefile(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    let vars = arg_map(args, 1, "vars")?;
    let text = read_text(ctx, &path)?;
    (ctx.render_template)(&resolve(ctx, &path), &text, vars)
        // The renderer evaluates the template with the variables' marks, so its message hides them itself.
        .map_err(|e| FuncError::new(format!("error rendering template {}: {e}", echo_arg(0, quote(&path)))))
}

/// Go's filepath.Clean, lexically: collapses separators, `.` and `..`.
pub(crate) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn abspath(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    let mut full = resolve(ctx, &path);
    if !full.is_absolute() {
        // base_dir itself may be relative to the working directory.
        let cwd = std::env::current_dir()
            .map_err(|e| FuncError::new(format!("cannot determine the working directory: {e}")))?;
        full = cwd.join(full);
    }
    Ok(Value::String(clean(&full.to_string_lossy())))
}

fn basename(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    if path.is_empty() {
        return Ok(Value::string("."));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::string("/"));
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::string(base))
}

fn dirname(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let path = arg_str(args, 0, "path")?;
    let dir = match path.rfind('/') {
        Some(i) => clean(path.get(..=i).unwrap_or("")),
        None => ".".to_string(),
    };
    Ok(Value::String(dir))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{call, FuncError};
    use super::clean;
    use crate::value::Value;

    fn with_dir(f: impl FnOnce(&std::path::Path)) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        std::fs::write(dir.path().join("hello.txt"), "Hello World").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("tpl.tftpl"), "Hi ${name}!").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("bin"), [0xffu8, 0xfe]).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(dir.path().join("sub")).unwrap_or_else(|e| panic!("{e}"));
        f(dir.path());
    }

    fn run(dir: &std::path::Path, name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
        let mut out = None;
        ctx_in(dir, |ctx| out = Some(call(name, args, ctx)));
        out.unwrap_or_else(|| Err(FuncError::new("not called")))
    }

    #[test]
    fn file_reads_relative_to_module() {
        with_dir(|d| {
            assert_eq!(run(d, "file", vec![s("hello.txt")]), Ok(s("Hello World")));
            let abs = d.join("hello.txt").to_string_lossy().into_owned();
            assert_eq!(run(d, "file", vec![s(&abs)]), Ok(s("Hello World")));
            let e = run(d, "file", vec![s("missing.txt")]).err();
            assert_eq!(e.map(|e| (e.message, e.arg)), Some(("no file exists at \"missing.txt\"".to_string(), Some(0))));
            assert!(run(d, "file", vec![s("bin")]).is_err_and(|e| e.message.contains("not valid UTF-8")));
            assert!(run(d, "file", vec![s("sub")]).is_err());
        });
    }

    #[test]
    fn fileexists_checks() {
        with_dir(|d| {
            assert_eq!(run(d, "fileexists", vec![s("hello.txt")]), Ok(b(true)));
            assert_eq!(run(d, "fileexists", vec![s("nope.txt")]), Ok(b(false)));
            assert!(run(d, "fileexists", vec![s("sub")]).is_err());
        });
    }

    #[test]
    fn templatefile_renders_with_vars() {
        with_dir(|d| {
            assert_eq!(run(d, "templatefile", vec![s("tpl.tftpl"), o(&[("name", s("Ander"))])]), Ok(s("Hi Ander!")));
            assert!(run(d, "templatefile", vec![s("tpl.tftpl"), s("x")]).is_err_and(|e| e.arg == Some(1)));
            assert!(
                run(d, "templatefile", vec![s("none"), o(&[])]).is_err_and(|e| e.message.contains("no file exists"))
            );
            let bad = run(d, "templatefile", vec![s("tpl.tftpl"), o(&[("name", l(vec![]))])]);
            assert!(bad.is_err_and(|e| e.message.contains("error rendering template")));
        });
    }

    #[test]
    fn abspath_is_absolute_and_clean() {
        ctx_in(std::path::Path::new("/srv/mod"), |ctx| {
            assert_eq!(call("abspath", vec![s("../x/./y")], ctx), Ok(s("/srv/x/y")));
            assert_eq!(call("abspath", vec![s("/etc//hosts")], ctx), Ok(s("/etc/hosts")));
        });
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/../a"), "/a");
    }

    #[test]
    fn basename_examples() {
        assert_eq!(call_ok("basename", vec![s("foo/bar/baz.txt")]), s("baz.txt"));
        assert_eq!(call_ok("basename", vec![s("foo/bar/")]), s("bar"));
        assert_eq!(call_ok("basename", vec![s("/")]), s("/"));
        assert_eq!(call_ok("basename", vec![s("")]), s("."));
    }

    #[test]
    fn dirname_examples() {
        assert_eq!(call_ok("dirname", vec![s("foo/bar/baz.txt")]), s("foo/bar"));
        assert_eq!(call_ok("dirname", vec![s("foo")]), s("."));
        assert_eq!(call_ok("dirname", vec![s("/foo")]), s("/"));
        assert_eq!(call_err("dirname", vec![o(&[])]).arg, Some(0));
    }
}
