//! The kubernetes state backend against the Kubernetes API emulator: the state in
//! gzip'd Secrets (split above 1 MiB), the journal as Secrets, the lock as a Lease.
//! Each test uses a secret_suffix of its own, so they share the emulator safely.

use crate::support::*;
use base64::Engine;
use serde_json::Value as Json;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid_like()[..10])
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}

fn backend_block(kubeconfig: &Path, suffix: &str) -> String {
    format!(
        r#"gantry {{
  backend "kubernetes" {{
    secret_suffix = "{suffix}"
    config_path   = "{}"
    labels = {{
      team = "ml"
    }}
  }}
}}
"#,
        kubeconfig.display()
    )
}

fn cluster_config(kubeconfig: &Path, suffix: &str, latency: &str, name: &str) -> String {
    format!(
        "{}provider \"local\" {{\n  latency = \"{latency}\"\n}}\nresource \"local_cluster\" \"a\" {{\n  name = \"{name}\"\n}}\n",
        backend_block(kubeconfig, suffix)
    )
}

fn get(addr: &str, path: &str) -> (u16, Json) {
    let (status, body) = http(addr, "GET", path, None);
    (status, serde_json::from_str(&body).unwrap_or(Json::Null))
}

fn secrets(addr: &str, selector: &str) -> Vec<Json> {
    let (status, list) = get(addr, &format!("/api/v1/namespaces/default/secrets?labelSelector={selector}"));
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().cloned().unwrap_or_default()
}

fn of_suffix(addr: &str, suffix: &str, role: &str) -> Vec<Json> {
    secrets(addr, &format!("gantryStateSecretSuffix%3D{suffix},gantryStateRole%3D{role}"))
}

fn lease_held(addr: &str, suffix: &str) -> bool {
    let path = format!("/apis/coordination.k8s.io/v1/namespaces/default/leases/lock-gantry-state-default-{suffix}");
    let (status, _) = get(addr, &path);
    status == 200
}

fn wait_for_lease(addr: &str, suffix: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lease_held(addr, suffix) {
        assert!(Instant::now() < deadline, "the run never took the lock");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chunk(secret: &Json) -> Vec<u8> {
    let text = secret["data"]["gantrystate"].as_str().expect("the Secret holds a chunk");
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("the payload is gzip'd");
    out
}

/// The ID the lock error shows.
fn holder_id(run: &Run) -> String {
    run.stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("ID:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("the holder's ID is shown: {}", run.all()))
}

#[test]
fn kubernetes_backend_keeps_state_in_a_secret_and_the_lock_in_a_lease() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let suffix = unique("suite");
    let (_tmp, dir) = config(&[("main.hcl", &cluster_config(&kubeconfig, &suffix, "0ms", "kube-backed"))]);

    // Write and read: the state is a gzip'd Secret with Terraform's labels, not a local file.
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!dir.join("gantry.state.json").exists());
    let (status, head) = get(&addr, &format!("/api/v1/namespaces/default/secrets/gantry-state-default-{suffix}"));
    assert_eq!(status, 200, "{head}");
    let labels = &head["metadata"]["labels"];
    assert_eq!(labels["gantryState"], "true");
    assert_eq!(labels["gantryStateSecretSuffix"], suffix.as_str());
    assert_eq!(labels["gantryStateWorkspace"], "default");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "gantry");
    assert_eq!(labels["team"], "ml", "the block's labels are on the Secret");
    let packed = chunk(&head);
    assert_eq!(&packed[..2], [0x1f, 0x8b], "the payload is gzip'd");
    let saved: Json = serde_json::from_slice(&gunzip(&packed)).unwrap();
    assert_eq!(saved["resources"][0]["address"], "local_cluster.a");
    assert!(of_suffix(&addr, &suffix, "journal").is_empty(), "a finished run folds its journal into the state");
    let run = gantry(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.stdout.trim(), "local_cluster.a", "{}", run.all());
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
    assert!(!lease_held(&addr, &suffix), "the lock is released after each run");

    // Two applies at once: exactly one proceeds, the other is told who holds the lock.
    std::fs::write(dir.join("main.hcl"), cluster_config(&kubeconfig, &suffix, "1500ms", "kube-backed-2")).unwrap();
    let first = spawn_gantry(&dir, &["apply", "-auto-approve", "."]);
    let second = spawn_gantry(&dir, &["apply", "-auto-approve", "."]);
    let outs = [first.wait_with_output().unwrap(), second.wait_with_output().unwrap()];
    let ok: Vec<_> = outs.iter().filter(|o| o.status.success()).collect();
    let refused: Vec<_> = outs.iter().filter(|o| !o.status.success()).collect();
    assert_eq!(ok.len(), 1, "exactly one apply proceeds: {outs:?}");
    let err = String::from_utf8_lossy(&refused[0].stderr);
    assert!(err.contains("the state is locked by another run") && err.contains("Operation: apply"), "{err}");
    assert!(err.contains("pid"), "the holder is named: {err}");
    assert!(!lease_held(&addr, &suffix));

    // A run killed mid-apply leaves its lock and its journal; the state stays readable,
    // force-unlock releases the lock, and the next apply completes what the journal says.
    std::fs::write(dir.join("main.hcl"), cluster_config(&kubeconfig, &suffix, "60s", "kube-backed-3")).unwrap();
    let mut victim = spawn_gantry(&dir, &["apply", "-auto-approve", "."]);
    wait_for_lease(&addr, &suffix);
    let deadline = Instant::now() + Duration::from_secs(60);
    while of_suffix(&addr, &suffix, "journal").is_empty() {
        assert!(Instant::now() < deadline, "the run never journalled its intent");
        std::thread::sleep(Duration::from_millis(100));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();
    let run = gantry(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.code, 0, "the state is readable after the kill: {}", run.all());
    std::fs::write(dir.join("main.hcl"), cluster_config(&kubeconfig, &suffix, "0ms", "kube-backed-3")).unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Operation: apply") && run.stderr.contains("pid"), "{}", run.stderr);
    let id = holder_id(&run);
    let run = gantry(&dir, &["force-unlock", "-force", "not-the-id", "--dir", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(lease_held(&addr, &suffix), "a wrong ID releases nothing");
    let run = gantry(&dir, &["force-unlock", "-force", &id, "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!lease_held(&addr, &suffix));
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
    assert!(of_suffix(&addr, &suffix, "journal").is_empty());
    let run = gantry(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.stdout.trim(), "local_cluster.a", "{}", run.all());

    // Workspaces: one head Secret each, found by label, and deleted with all their objects.
    let run = gantry(&dir, &["workspace", "new", "staging"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let heads = of_suffix(&addr, &suffix, "state");
    let mut names: Vec<&str> = heads.iter().filter_map(|s| s["metadata"]["name"].as_str()).collect();
    names.sort();
    assert_eq!(names, [format!("gantry-state-default-{suffix}"), format!("gantry-state-staging-{suffix}")]);
    let run = gantry(&dir, &["workspace", "list"]);
    assert_eq!(run.stdout, "  default\n* staging\n\n", "{}", run.all());
    assert_eq!(gantry(&dir, &["workspace", "select", "default"]).code, 0);
    let run = gantry(&dir, &["workspace", "delete", "staging"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let left = secrets(&addr, &format!("gantryStateSecretSuffix%3D{suffix},gantryStateWorkspace%3Dstaging"));
    assert!(left.is_empty(), "the workspace's Secrets are gone: {left:?}");
    assert_eq!(of_suffix(&addr, &suffix, "state").len(), 1, "the default workspace's state stays");
}

/// Random base64 text: gzip cannot shrink it below three quarters of its size.
fn incompressible(bytes: usize, seed: u64) -> String {
    let mut lcg = Lcg(seed);
    let raw: Vec<u8> = (0..bytes * 3 / 4).map(|_| lcg.next(256) as u8).collect();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

fn blob_config(kubeconfig: &Path, suffix: &str, blob: &str) -> String {
    format!(
        r#"{}resource "local_cluster" "c" {{
  name = "{suffix}"
}}
resource "local_node_pool" "p" {{
  cluster_name    = local_cluster.c.name
  node_group_name = "big"
  instance_types  = ["m6i.xlarge"]
  scaling_config {{
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }}
  labels = {{
    blob = "{blob}"
  }}
}}
output "blob" {{
  value = local_node_pool.p.labels["blob"]
}}
"#,
        backend_block(kubeconfig, suffix)
    )
}

/// The head's part count and generation, and the parts on the server.
fn parts(addr: &str, suffix: &str) -> (usize, Vec<Json>) {
    let (_, head) = get(addr, &format!("/api/v1/namespaces/default/secrets/gantry-state-default-{suffix}"));
    let note = head["metadata"]["annotations"]["gantry.dev/state-parts"].as_str().unwrap_or("none/0").to_string();
    let count: usize = note.split('/').nth(1).unwrap().parse().unwrap();
    (count, of_suffix(addr, suffix, "part"))
}

/// The value sits in a resource attribute, so the journal entry of its create is split
/// too. The 20 MB round trip is the shared backend suite's.
#[test]
fn a_state_over_1_mib_is_split_across_secrets_switched_whole_and_swept() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let suffix = unique("big");
    let blob = incompressible(4 << 20, 7);
    let (_tmp, dir) = config(&[("main.hcl", &blob_config(&kubeconfig, &suffix, &blob))]);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let (count, on_server) = parts(&addr, &suffix);
    assert!(
        count >= 4,
        "4 MB of random text, twice in the state, needs several 1 MiB Secrets; the head names {count} more"
    );
    assert_eq!(on_server.len(), count, "exactly the parts the head names exist");
    let run = gantry(&dir, &["output", "-raw", "blob"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout == blob, "the 4 MB value reads back intact ({} bytes read)", run.stdout.len());
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A writer killed before switching the head leaves parts of a generation no head
    // names: readers ignore them and the next write removes them.
    let orphan = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": format!("gantry-state-default-{suffix}-deadbeef00-part-1"),
            "labels": {
                "gantryState": "true", "gantryStateSecretSuffix": suffix, "gantryStateWorkspace": "default",
                "gantryStateRole": "part", "gantryStateGeneration": "deadbeef00",
            },
        },
        "data": {"gantrystate": base64::engine::general_purpose::STANDARD.encode(b"not a state")},
    });
    let (status, body) =
        http(&addr, "POST", "/api/v1/namespaces/default/secrets", Some(("application/json", &orphan.to_string())));
    assert!(status < 300, "{body}");
    let run = gantry(&dir, &["output", "-raw", "blob"]);
    assert!(run.code == 0 && run.stdout == blob, "an orphaned part changes nothing: {}", run.stderr);

    // A new value replaces the old one whole; the old generation and the orphan are gone.
    let blob2 = incompressible(4 << 20, 8);
    std::fs::write(dir.join("main.hcl"), blob_config(&kubeconfig, &suffix, &blob2)).unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (count, on_server) = parts(&addr, &suffix);
    assert_eq!(on_server.len(), count, "only the current generation's parts remain");
    let run = gantry(&dir, &["output", "-raw", "blob"]);
    assert!(run.stdout == blob2, "the new value reads back intact ({} bytes read)", run.stdout.len());
    assert!(of_suffix(&addr, &suffix, "journal").is_empty());
}

#[test]
fn bad_kubernetes_backend_settings_are_refused_at_the_block() {
    let Some((kubeconfig, _)) = kube_server() else { return };
    let text =
        format!("gantry {{\n  backend \"kubernetes\" {{\n    config_path = \"{}\"\n  }}\n}}\n", kubeconfig.display());
    let (_tmp, dir) = config(&[("main.hcl", &text)]);
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("needs \"secret_suffix\"") && run.stderr.contains("main.hcl:2:3"), "{}", run.stderr);

    let text = backend_block(&kubeconfig, "Not_Valid");
    std::fs::write(dir.join("main.hcl"), text).unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("not a valid Kubernetes name"), "{}", run.stderr);
}
