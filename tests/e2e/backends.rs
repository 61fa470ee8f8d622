//! One suite every state backend passes, through the CLI: write and read back, two
//! applies at once with exactly one proceeding, force-unlock after a killed run,
//! workspaces kept apart, and a 20 MB state. A backend joins with a function that
//! returns its [`Case`] and one `backend_suite!` line.
//!
//! `local` always runs; `s3` needs moto (`GANTRY_TEST_AWS_ENDPOINT`) and `pg` a
//! PostgreSQL server (`GANTRY_TEST_PG_CONN`), which `.ci/run` starts; without them these
//! print a notice and pass, unless `GANTRY_REQUIRE_MOTO` / `GANTRY_REQUIRE_PG` is set.

use crate::aws::{aws, moto, unique, with_env};
use crate::support::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A backend under test.
pub struct Case {
    /// The `backend "…" { … }` block, or empty for the default local file.
    pub block: String,
    /// Environment the backend needs beyond the AWS test settings every run gets.
    pub env: Vec<(String, String)>,
    /// Whether the lock of a killed run stays until `force-unlock` (a file, an object),
    /// or ends with the run (a database session's lock).
    pub lock_outlives_a_killed_run: bool,
    /// Whether the state lives in the configuration's directory.
    pub state_in_dir: bool,
}

macro_rules! backend_suite {
    ($test:ident, $case:expr) => {
        #[test]
        fn $test() {
            if let Some(case) = $case {
                run_suite(&case);
            }
        }
    };
}

backend_suite!(the_local_backend_passes_the_backend_suite, Some(local_case()));
backend_suite!(the_s3_backend_passes_the_backend_suite, s3_case());
backend_suite!(the_pg_backend_passes_the_backend_suite, pg_case());

pub fn local_case() -> Case {
    Case { block: String::new(), env: Vec::new(), lock_outlives_a_killed_run: true, state_in_dir: true }
}

pub fn s3_case() -> Option<Case> {
    let m = moto()?;
    let bucket = unique("suite");
    aws(&m, &["s3api", "create-bucket", "--bucket", &bucket]).unwrap();
    aws(&m, &["s3api", "put-bucket-versioning", "--bucket", &bucket, "--versioning-configuration", "Status=Enabled"])
        .unwrap();
    let block = format!(
        "  backend \"s3\" {{\n    bucket       = \"{bucket}\"\n    key          = \"ml/state.json\"\n    region       = \"us-east-1\"\n    endpoint_url = \"{}\"\n  }}\n",
        m.endpoint
    );
    Some(Case { block, env: Vec::new(), lock_outlives_a_killed_run: true, state_in_dir: false })
}

/// The PostgreSQL server's connection string, if the tests have one.
pub fn pg_conn() -> Option<String> {
    let required = std::env::var("GANTRY_REQUIRE_PG").is_ok_and(|v| v == "1");
    match std::env::var("GANTRY_TEST_PG_CONN").ok().filter(|c| !c.is_empty()) {
        Some(conn) => Some(conn),
        None => {
            assert!(!required, "GANTRY_REQUIRE_PG=1 but GANTRY_TEST_PG_CONN is not set: .ci/run must start PostgreSQL");
            eprintln!("notice: skipping a PostgreSQL test: set GANTRY_TEST_PG_CONN (bash .ci/run does)");
            None
        }
    }
}

pub fn pg_case() -> Option<Case> {
    let conn = pg_conn()?;
    let schema = unique("suite").replace('-', "_");
    let block = format!("  backend \"pg\" {{\n    conn_str    = \"{conn}\"\n    schema_name = \"{schema}\"\n  }}\n");
    Some(Case { block, env: Vec::new(), lock_outlives_a_killed_run: false, state_in_dir: false })
}

fn main_hcl(case: &Case, cluster: &str) -> String {
    let settings = if case.block.is_empty() { String::new() } else { format!("gantry {{\n{}}}\n", case.block) };
    format!(
        "{settings}resource \"local_cluster\" \"a\" {{\n  name = \"{cluster}-${{gantry.workspace}}\"\n}}\noutput \"ws\" {{\n  value = gantry.workspace\n}}\n"
    )
}

fn command(case: &Case, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gantry"));
    with_env(cmd.args(args).current_dir(dir));
    cmd.env_remove("GANTRY_WORKSPACE");
    cmd.envs(case.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).envs(env.iter().copied());
    cmd
}

fn run(case: &Case, dir: &Path, args: &[&str]) -> Run {
    run_env(case, dir, args, &[])
}

fn run_env(case: &Case, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(case, dir, args, env).output().expect("gantry runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An apply stopped at its approval prompt: it holds the lock until answered or killed.
struct HeldApply {
    child: Child,
    output: std::sync::mpsc::Receiver<String>,
}

impl HeldApply {
    fn start(case: &Case, dir: &Path) -> HeldApply {
        let mut child = command(case, dir, &["apply"], &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            let mut told = false;
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                if !told && String::from_utf8_lossy(&seen).contains("Enter a value") {
                    told = true;
                    let _ = tx.send(String::new());
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
        });
        // A guard against a hang, not a timing assertion: the prompt comes after one plan.
        let first = rx.recv_timeout(std::time::Duration::from_secs(300)).expect("the apply reaches its prompt");
        if !first.is_empty() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("the apply ended before its prompt:\n{first}{err}");
        }
        HeldApply { child, output: rx }
    }

    fn approve(mut self) -> (i32, String) {
        self.child.stdin.take().unwrap().write_all(b"yes\n").unwrap();
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), self.output.recv().unwrap_or_default())
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn lock_id(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("ID:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("the holder's ID is shown: {stderr}"))
}

pub fn run_suite(case: &Case) {
    let cluster = unique("suite");
    let (_tmp, dir) = config(&[("main.hcl", &main_hcl(case, &cluster))]);
    write_and_read_back(case, &dir);
    two_applies_at_once(case, &dir, &cluster);
    force_unlock_after_a_killed_run(case, &dir, &cluster);
    std::fs::write(dir.join("main.hcl"), main_hcl(case, &cluster)).unwrap();
    let run = run(case, &dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    workspaces_are_kept_apart(case, &dir);
    a_20_mb_state_round_trips(case, &dir);
}

fn write_and_read_back(case: &Case, dir: &Path) {
    let run = run(case, dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(dir.join("gantry.state.json").exists(), case.state_in_dir);
    let run = self::run(case, dir, &["state", "list"]);
    assert_eq!(run.stdout.trim(), "local_cluster.a", "{}", run.all());
    let run = self::run(case, dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "the plan reads the state back: {}", run.all());
    assert_eq!(self::run(case, dir, &["output", "-raw", "ws"]).stdout, "default");
}

fn two_applies_at_once(case: &Case, dir: &Path, cluster: &str) {
    std::fs::write(dir.join("main.hcl"), main_hcl(case, &format!("{cluster}-2"))).unwrap();
    let first = HeldApply::start(case, dir);
    let holder_pid = first.child.id();
    let second = run(case, dir, &["apply", "-auto-approve"]);
    assert_eq!(second.code, 1, "{}", second.all());
    assert!(
        second.stderr.contains("the state is locked by another run")
            && second.stderr.contains("Operation: apply")
            && second.stderr.contains(&format!("pid {holder_pid})")),
        "the refusal names the holder: {}",
        second.stderr
    );
    let (code, out) = first.approve();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Apply complete!"), "{out}");
    let run = run(case, dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "the apply that proceeded is recorded and the lock released: {}", run.all());
}

fn force_unlock_after_a_killed_run(case: &Case, dir: &Path, cluster: &str) {
    std::fs::write(dir.join("main.hcl"), main_hcl(case, &format!("{cluster}-3"))).unwrap();
    let victim = HeldApply::start(case, dir);
    let refused = run(case, dir, &["plan"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    let id = lock_id(&refused.stderr);
    victim.kill();
    if case.lock_outlives_a_killed_run {
        let run = run(case, dir, &["plan"]);
        assert_eq!(run.code, 1, "the killed run's lock stays: {}", run.all());
        assert_eq!(lock_id(&run.stderr), id);
    }
    assert_eq!(run(case, dir, &["force-unlock", "-force", "not-the-id"]).code, 1);
    let run = run(case, dir, &["force-unlock", "-force", &id]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = self::run(case, dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "the lock is free and the killed apply changed nothing: {}", run.all());
}

fn workspaces_are_kept_apart(case: &Case, dir: &Path) {
    let run = run(case, dir, &["workspace", "new", "a"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Created and switched to workspace \"a\"!"), "{}", run.stdout);
    assert_eq!(self::run(case, dir, &["workspace", "show"]).stdout, "a\n");
    assert_eq!(self::run(case, dir, &["workspace", "list"]).stdout, "  default\n* a\n\n");
    let run = self::run(case, dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "workspace a starts empty: {}", run.all());
    let run = self::run(case, dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(self::run(case, dir, &["output", "-raw", "ws"]).stdout, "a");
    if case.state_in_dir {
        assert!(dir.join("gantry.state.d/a/gantry.state.json").exists());
    }

    let run = self::run(case, dir, &["workspace", "select", "default"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = self::run(case, dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "default's state does not see a's resources: {}", run.all());
    assert_eq!(self::run(case, dir, &["output", "-raw", "ws"]).stdout, "default");
    let in_a = run_env(case, dir, &["output", "-raw", "ws"], &[("GANTRY_WORKSPACE", "a")]);
    assert_eq!(in_a.stdout, "a", "{}", in_a.all());

    let run = self::run(case, dir, &["workspace", "delete", "a"]);
    assert_eq!(run.code, 1, "a still tracks a resource: {}", run.all());
    assert!(run.stderr.contains("  - local_cluster.a"), "{}", run.stderr);
    let run = self::run(case, dir, &["workspace", "delete", "-force", "a"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(self::run(case, dir, &["workspace", "list"]).stdout, "* default\n\n");
    let gone = run_env(case, dir, &["state", "list"], &[("GANTRY_WORKSPACE", "a")]);
    assert_eq!((gone.code, gone.stdout.as_str()), (0, ""), "{}", gone.all());
    assert_eq!(self::run(case, dir, &["state", "list"]).stdout.trim(), "local_cluster.a");
}

fn a_20_mb_state_round_trips(case: &Case, dir: &Path) {
    let run = run(case, dir, &["workspace", "new", "big"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let pulled = self::run(case, dir, &["state", "pull"]);
    let mut state: serde_json::Value = serde_json::from_str(&pulled.stdout).unwrap();
    let mut lcg = Lcg(20);
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 ";
    let blob: String =
        (0..20 * 1024 * 1024).map(|_| alphabet[lcg.next(alphabet.len() as u64) as usize] as char).collect();
    state["outputs"]["blob"] = serde_json::json!({ "value": blob, "sensitive": false });
    state["serial"] = serde_json::json!(state["serial"].as_u64().unwrap() + 1);
    let file = dir.join("big.json");
    std::fs::write(&file, serde_json::to_vec(&state).unwrap()).unwrap();
    let run = self::run(case, dir, &["state", "push", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let back = self::run(case, dir, &["state", "pull"]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    let back: serde_json::Value = serde_json::from_str(&back.stdout).unwrap();
    assert!(back["outputs"]["blob"]["value"].as_str() == Some(blob.as_str()), "the 20 MB output came back intact");
    assert_eq!(back["lineage"], state["lineage"]);
    self::run(case, dir, &["workspace", "select", "default"]);
    let run = self::run(case, dir, &["workspace", "delete", "big"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

fn psql(conn: &str, sql: &str) -> String {
    let out =
        Command::new("psql").args([conn, "-tAq", "-v", "ON_ERROR_STOP=1", "-c", sql]).output().expect("psql runs");
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// What only the pg backend does: tables made on first use, a password kept out of every
/// message, and a force-unlock that ends a live holder's session so it cannot write after.
#[test]
fn the_pg_backend_keeps_rows_per_workspace_hides_the_password_and_fences_a_forced_holder() {
    let Some(conn) = pg_conn() else { return };
    let schema = unique("pgonly").replace('-', "_");
    let secret = "hunter2-not-printed";
    let with_password = conn.replacen("postgresql://postgres@", &format!("postgresql://postgres:{secret}@"), 1);
    assert_ne!(with_password, conn, "the test server's connection string has the expected form");
    let case = Case {
        block: format!(
            "  backend \"pg\" {{\n    conn_str    = \"{with_password}\"\n    schema_name = \"{schema}\"\n  }}\n"
        ),
        env: Vec::new(),
        lock_outlives_a_killed_run: false,
        state_in_dir: false,
    };
    let cluster = unique("pgonly");
    let (_tmp, dir) = config(&[("main.hcl", &main_hcl(&case, &cluster))]);
    let run = run(&case, &dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains(secret));
    let data = psql(&conn, &format!("SELECT data FROM \"{schema}\".states WHERE name = 'default'"));
    assert!(data.contains("\"local_cluster.a\""), "the default workspace's row holds the state: {data}");
    assert_eq!(psql(&conn, &format!("SELECT count(*) FROM \"{schema}\".locks")), "0", "the lock record is gone");
    assert_eq!(psql(&conn, &format!("SELECT count(*) FROM \"{schema}\".journal")), "0", "the journal is folded in");
    assert_eq!(self::run(&case, &dir, &["workspace", "new", "b"]).code, 0);
    assert_eq!(
        psql(&conn, &format!("SELECT string_agg(name, ',' ORDER BY name) FROM \"{schema}\".states")),
        "b,default"
    );
    assert_eq!(self::run(&case, &dir, &["workspace", "select", "default"]).code, 0);

    // A run that still holds the lock: the refusal names the server without the password.
    std::fs::write(dir.join("main.hcl"), main_hcl(&case, &format!("{cluster}-2"))).unwrap();
    let holder = HeldApply::start(&case, &dir);
    let refused = self::run(&case, &dir, &["plan"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stderr.contains(&format!("schema {schema} workspace \"default\"")), "{}", refused.stderr);
    assert!(!refused.all().contains(secret), "{}", refused.all());
    let id = lock_id(&refused.stderr);
    let recorded = psql(&conn, &format!("SELECT info FROM \"{schema}\".locks WHERE name = 'default'"));
    assert!(recorded.contains(&id), "the lock row records the holder: {recorded}");

    // Forced release of a live holder ends its session: its approval can no longer write.
    let run = self::run(&case, &dir, &["force-unlock", "-force", &id]);
    assert_eq!(run.code, 0, "{}", run.all());
    let (code, out) = holder.approve();
    assert_eq!(code, 1, "the fenced run cannot apply: {out}");
    let after = psql(&conn, &format!("SELECT data FROM \"{schema}\".states WHERE name = 'default'"));
    assert_eq!(after, data, "the state is as it was before the fenced run");
    assert!(!dir.join(format!(".gantry/local/clusters/{cluster}-2-default.json")).exists());

    // A server that cannot be reached: a clear error, exit 1, no password.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = Case {
        block: format!(
            "  backend \"pg\" {{\n    conn_str = \"postgresql://postgres:{secret}@127.0.0.1:{port}/postgres\"\n  }}\n"
        ),
        ..case
    };
    std::fs::write(dir.join("main.hcl"), main_hcl(&closed, &cluster)).unwrap();
    let run = self::run(&closed, &dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("cannot connect to postgres://postgres@127.0.0.1:{port}/postgres")),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(secret), "{}", run.all());
}
