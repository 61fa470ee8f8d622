//! Helpers for running the binary and reading what it left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn gantry(dir: &Path, args: &[&str]) -> Run {
    gantry_with_env(dir, args, &[])
}

/// Runs the binary with extra environment variables (`GANTRY_VAR_name`, `GANTRY_LOG`).
pub fn gantry_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("gantry runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Starts the binary with no input and its output piped, for runs a test races or interrupts.
pub fn spawn_gantry(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gantry starts")
}

/// A copy of `examples/NAME` laid out as in the repository, next to a copy of
/// `modules/`, so that the example's `../../modules/...` sources resolve.
pub fn example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dst = tmp.path().join("examples").join(name);
    copy_dir(&root.join("examples").join(name), &dst);
    copy_dir(&root.join("modules"), &tmp.path().join("modules"));
    (tmp, dst)
}

pub fn config(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    (tmp, dir)
}

/// Copies a folder, leaving out Gantry's state and simulator files.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".gantry" || name.to_string_lossy().starts_with("gantry.state") {
            continue;
        }
        let to = dst.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

pub fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("gantry.state.json")).expect("state file exists"))
        .expect("state is JSON")
}

pub fn addresses(dir: &Path) -> Vec<String> {
    state(dir)["resources"].as_array().unwrap().iter().map(|r| r["address"].as_str().unwrap().to_string()).collect()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Held by the tests that apply the examples' Kubernetes layers to the shared API
/// emulator: those examples use fixed namespace names (serving, kafka, ...), so two of
/// them at once would manage the same objects.
pub static PLATFORM_NAMESPACES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The kubeconfig written for the Kubernetes API emulator and the emulator's address,
/// or none when it is not running (then a test needing it returns, unless
/// GANTRY_REQUIRE_KMOCK=1 says it must be there).
pub fn kube_server() -> Option<(PathBuf, String)> {
    let required = std::env::var("GANTRY_REQUIRE_KMOCK").map(|v| v == "1").unwrap_or(false);
    let Some(path) = std::env::var_os("GANTRY_TEST_KUBECONFIG").map(PathBuf::from) else {
        assert!(!required, "GANTRY_REQUIRE_KMOCK=1 but GANTRY_TEST_KUBECONFIG is not set: .ci/run must start kmock");
        eprintln!(
            "notice: GANTRY_TEST_KUBECONFIG is not set; skipping a Kubernetes API test (run it with bash .ci/run)"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let server = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("kubeconfig has a server")
        .trim()
        .to_string();
    let addr = server.trim_start_matches("http://").trim_end_matches('/').to_string();
    if std::net::TcpStream::connect(&addr).is_err() {
        assert!(!required, "the Kubernetes test server at {addr} is not reachable");
        eprintln!("notice: the Kubernetes test server at {addr} is not reachable; skipping");
        return None;
    }
    Some((path, addr))
}

/// One HTTP/1.1 request to the Kubernetes API emulator, independent of Gantry's client: (status, body).
pub fn http(addr: &str, method: &str, path: &str, body: Option<(&str, &str)>) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let (ct, data) = body.unwrap_or(("application/json", ""));
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{data}",
        data.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

pub fn gantry_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    gantry_with_env(dir, args, env)
}

/// A small deterministic generator for the kill tests: the seed is printed so a failure
/// can be replayed.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}
