//! Remote bases: kustomize's git URL syntax and a per-build clone cache.
//!
//! Clones run the user's `git` with the user's own configuration, so
//! `url.<base>.insteadOf` rewrites and credential helpers apply.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::{Error, Result};

/// A parsed remote base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// What `git fetch` is given, e.g. `https://github.com/org/repo`.
    pub clone_url: String,
    /// Directory inside the repository.
    pub path: String,
    /// Branch, tag or commit; empty for the remote's HEAD.
    pub git_ref: String,
    pub submodules: bool,
    pub timeout: Duration,
}

/// True when `s` is written like a remote base rather than a local path.
pub fn looks_remote(s: &str) -> bool {
    s.starts_with("https://")
        || s.starts_with("http://")
        || s.starts_with("ssh://")
        || s.starts_with("git::")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
        || s.starts_with("file://")
}

pub fn parse(url: &str) -> Result<RepoSpec> {
    let bad = |m: &str| Error::Remote { url: url.to_string(), message: m.to_string() };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut git_ref = String::new();
    let mut submodules = true;
    let mut timeout = Duration::from_secs(27);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "ref" | "version" => git_ref = v.to_string(),
            "submodules" => submodules = v != "false",
            "timeout" => {
                let secs = v.strip_suffix('s').unwrap_or(v);
                timeout = secs
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| bad(&format!("invalid timeout {v:?} (want e.g. 60s)")))?;
            }
            _ => {}
        }
    }
    let base = base.strip_prefix("git::").unwrap_or(base);
    if (base.starts_with("https://") || base.starts_with("http://"))
        && [".yaml", ".yml", ".json"].iter().any(|ext| base.ends_with(ext))
        && !base.split_once("://").is_some_and(|(_, rest)| rest.contains("//"))
    {
        return Err(bad("a URL to a single file is not supported; list a git repository (ORG/REPO//path?ref=…) or download the file"));
    }
    // Split into "host part" (scheme + host + separator) and repository path.
    let (host, rest) = if let Some(r) = base.strip_prefix("git@") {
        let (h, p) = r.split_once(':').ok_or_else(|| bad("expected git@HOST:ORG/REPO"))?;
        (format!("git@{h}:"), p.to_string())
    } else if let Some((scheme, r)) = base.split_once("://") {
        if scheme == "file" {
            (String::from("file://"), r.to_string())
        } else {
            let (h, p) = r.split_once('/').ok_or_else(|| bad("missing repository path"))?;
            (format!("{scheme}://{h}/"), p.to_string())
        }
    } else {
        let (h, p) = base.split_once('/').ok_or_else(|| bad("missing repository path"))?;
        (format!("https://{h}/"), p.to_string())
    };
    let (repo, path) = if let Some((r, p)) = rest.split_once("//") {
        (r.to_string(), p.to_string())
    } else if let Some(i) = rest.find(".git/") {
        (rest[..i + 4].to_string(), rest[i + 5..].to_string())
    } else if rest.ends_with(".git") || host == "file://" {
        (rest.clone(), String::new())
    } else if host.contains("github.com") || host.contains("gitlab.com") || host.contains("bitbucket.org") {
        let mut parts = rest.splitn(3, '/');
        let org = parts.next().unwrap_or("");
        let name = parts.next().ok_or_else(|| bad("expected ORG/REPO after the host"))?;
        (format!("{org}/{name}"), parts.next().unwrap_or("").to_string())
    } else {
        return Err(bad("cannot tell the repository from the path; separate them with `//`"));
    };
    if repo.is_empty() {
        return Err(bad("missing repository"));
    }
    Ok(RepoSpec {
        clone_url: format!("{host}{repo}"),
        path: path.trim_matches('/').to_string(),
        git_ref,
        submodules,
        timeout,
    })
}

/// Clones each repository@ref once per build, into temporary directories
/// removed when the cache is dropped.
#[derive(Default)]
pub struct CloneCache {
    clones: HashMap<(String, String), tempfile::TempDir>,
}

impl CloneCache {
    /// Returns the directory of the spec's path inside its checkout.
    pub fn checkout(&mut self, spec: &RepoSpec, url: &str) -> Result<PathBuf> {
        let key = (spec.clone_url.clone(), spec.git_ref.clone());
        if !self.clones.contains_key(&key) {
            let dir = tempfile::Builder::new()
                .prefix("kustomize-")
                .tempdir()
                .map_err(|e| Error::Remote { url: url.into(), message: format!("temporary directory: {e}") })?;
            clone(spec, dir.path(), url)?;
            self.clones.insert(key.clone(), dir);
        }
        let root = self.clones[&key].path().to_path_buf();
        Ok(if spec.path.is_empty() { root } else { root.join(&spec.path) })
    }
}

fn clone(spec: &RepoSpec, dir: &Path, url: &str) -> Result<()> {
    let refspec = if spec.git_ref.is_empty() { "HEAD" } else { &spec.git_ref };
    run_git(dir, &["init", "--quiet"], spec, url)?;
    run_git(dir, &["remote", "add", "origin", &spec.clone_url], spec, url)?;
    run_git(dir, &["fetch", "--quiet", "--depth=1", "origin", refspec], spec, url)?;
    run_git(dir, &["checkout", "--quiet", "FETCH_HEAD"], spec, url)?;
    if spec.submodules {
        run_git(dir, &["submodule", "update", "--quiet", "--init", "--recursive"], spec, url)?;
    }
    Ok(())
}

fn run_git(dir: &Path, args: &[&str], spec: &RepoSpec, url: &str) -> Result<()> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("GIT_TERMINAL_PROMPT", "0")
        .spawn()
        .map_err(|e| Error::Remote { url: url.into(), message: format!("cannot run git: {e}") })?;
    let deadline = std::time::Instant::now() + spec.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Remote {
                    url: url.into(),
                    message: format!("git {} timed out after {:?}", args[0], spec.timeout),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::Remote { url: url.into(), message: e.to_string() }),
        }
    }
    let out = child.wait_with_output().map_err(|e| Error::Remote { url: url.into(), message: e.to_string() })?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::Remote {
        url: url.into(),
        message: format!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_without_double_slash() {
        let s = parse("https://github.com/argoproj/argo-workflows/manifests/base?ref=v4.0.8&timeout=60s").unwrap();
        assert_eq!(s.clone_url, "https://github.com/argoproj/argo-workflows");
        assert_eq!(s.path, "manifests/base");
        assert_eq!(s.git_ref, "v4.0.8");
        assert_eq!(s.timeout, Duration::from_secs(60));
    }

    #[test]
    fn double_slash_and_scp_forms() {
        let s = parse("https://example.com/org/repo//deploy/prod?version=v1").unwrap();
        assert_eq!(
            (s.clone_url.as_str(), s.path.as_str(), s.git_ref.as_str()),
            ("https://example.com/org/repo", "deploy/prod", "v1")
        );
        let s = parse("git@github.com:org/repo/base?ref=main&submodules=false").unwrap();
        assert_eq!((s.clone_url.as_str(), s.path.as_str(), s.submodules), ("git@github.com:org/repo", "base", false));
        let s = parse("github.com/org/repo/a/b").unwrap();
        assert_eq!((s.clone_url.as_str(), s.path.as_str()), ("https://github.com/org/repo", "a/b"));
    }

    #[test]
    fn single_file_urls_are_refused_clearly() {
        let e = parse("https://raw.githubusercontent.com/org/repo/main/deploy.yaml").unwrap_err().to_string();
        assert!(e.contains("a URL to a single file is not supported"), "{e}");
    }

    #[test]
    fn unsplittable_url_is_an_error() {
        let e = parse("https://example.com/org/repo/path").unwrap_err().to_string();
        assert!(e.contains("separate them with `//`"), "{e}");
    }
}
