//! The docs stay true: every `gantry` command in the README's and the guide's
//! shell blocks runs, in order, against a temporary copy of the examples and
//! modules, and must succeed.
//!
//! A block is a fence whose info string starts with `sh` or `bash`; `dir=PATH` after
//! it runs the block in that folder of the copy, and `norun` leaves it out (for
//! commands that need a cloud). Lines that are not Gantry commands (the test suite,
//! a package install) are left out, except `cd` and `export`, which later lines
//! rely on. `cargo run --release [FLAGS] --` is read as the installed `gantry`.

use crate::support::*;
use std::path::Path;
use std::process::Command;

const DOCUMENTS: [&str; 2] = ["README.md", "docs/guide.md"];

struct Block {
    file: &'static str,
    line: usize,
    dir: Option<String>,
    script: Vec<String>,
}

fn blocks(file: &'static str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    let mut skipping = false;
    for (i, line) in text.lines().enumerate() {
        let Some(info) = line.strip_prefix("```") else {
            if let Some(b) = open.as_mut() {
                if let Some(command) = runnable(line) {
                    b.script.push(command);
                }
            }
            continue;
        };
        if open.is_some() || skipping {
            out.extend(open.take().filter(|b| b.script.iter().any(|l| l.contains("gantry "))));
            skipping = false;
            continue;
        }
        let mut words = info.split_whitespace();
        let shell = words.next().is_some_and(|w| w == "sh" || w == "bash");
        let attrs: Vec<&str> = words.collect();
        if !shell || attrs.contains(&"norun") {
            skipping = true;
            continue;
        }
        let dir = attrs.iter().find_map(|a| a.strip_prefix("dir=")).map(str::to_string);
        open = Some(Block { file, line: i + 1, dir, script: Vec::new() });
    }
    out
}

/// The line as it runs, if it is one the test runs.
fn runnable(line: &str) -> Option<String> {
    let line = match (line.find("cargo run --release"), line.find(" -- ")) {
        (Some(start), Some(end)) if start < end => format!("{}gantry {}", &line[..start], &line[end + 4..]),
        _ => line.to_string(),
    };
    let code = line.split(" #").next().unwrap_or("").trim();
    let command =
        code.split_whitespace().find(|w| !(w.contains('=') && !w.starts_with('-')) && !w.ends_with(';')).unwrap_or("");
    let after_cd = code.split("&& ").nth(1).unwrap_or("");
    let gantry = command == "gantry" || (command == "cd" && after_cd.starts_with("gantry "));
    (gantry || command == "cd" || command == "export").then(|| line.to_string())
}

fn run(block: &Block, root: &Path) {
    let gantry = Path::new(env!("CARGO_BIN_EXE_gantry"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let paths = std::iter::once(gantry.parent().unwrap().to_path_buf()).chain(std::env::split_paths(&path));
    let cwd = block.dir.as_ref().map_or(root.to_path_buf(), |d| root.join(d));
    let script = block.script.join("\n");
    let out = Command::new("sh")
        .args(["-ec", &script])
        .current_dir(&cwd)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}:{}: the documented commands fail (exit {:?}):\n{script}\n--- stdout\n{}\n--- stderr\n{}",
        block.file,
        block.line,
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_documented_gantry_command_runs() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ran = 0;
    for file in DOCUMENTS {
        // Each document starts from a fresh copy, as a reader following it would.
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&repo.join("examples"), &tmp.path().join("examples"));
        copy_dir(&repo.join("modules"), &tmp.path().join("modules"));
        let text = std::fs::read_to_string(repo.join(file)).unwrap();
        for block in blocks(file, &text) {
            run(&block, tmp.path());
            ran += block.script.len();
        }
    }
    assert!(ran >= 8, "the documents' commands were found ({ran})");
}

#[test]
fn the_reader_of_blocks_keeps_gantry_commands_and_leaves_the_rest() {
    let text = "```sh\ncargo run --release --no-default-features -- apply -auto-approve examples/quickstart   # main\nbash .ci/run\n```\n\n```sh norun\ngantry apply x\n```\n```text\ngantry plan\n```\n```sh dir=examples/q\nGANTRY_LOG=debug gantry plan .\ncd a && gantry plan .\n```\n";
    let found = blocks("x.md", text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].script, vec!["gantry apply -auto-approve examples/quickstart   # main"]);
    assert_eq!(found[1].dir.as_deref(), Some("examples/q"));
    assert_eq!(found[1].script.len(), 2);
}

#[test]
fn every_provider_page_holds_the_current_schema_reference() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for provider in ["local", "kubernetes", "aws", "helm", "kustomization"] {
        let page = repo.join(format!("docs/providers/{provider}.md"));
        let run = gantry(repo, &["docs", provider, "-update", page.to_str().unwrap(), "-check"]);
        assert_eq!(
            run.code,
            0,
            "docs/providers/{provider}.md is stale; run: gantry docs {provider} -update docs/providers/{provider}.md\n{}",
            run.all()
        );
    }
    // A page whose section no longer matches fails the check, and -update repairs it.
    let tmp = tempfile::tempdir().unwrap();
    let current = std::fs::read_to_string(repo.join("docs/providers/local.md")).unwrap();
    let stale = current.replacen("| `cluster_name` |", "| `cluster_nmae` |", 1);
    assert_ne!(stale, current, "the reference lists local_node_pool's cluster_name");
    let page = tmp.path().join("local.md");
    std::fs::write(&page, &stale).unwrap();
    let run = gantry(tmp.path(), &["docs", "local", "-update", "local.md", "-check"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("gantry docs local -update local.md"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), stale, "-check changes nothing");
    assert_eq!(gantry(tmp.path(), &["docs", "local", "-update", "local.md"]).code, 0);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), current);
}
