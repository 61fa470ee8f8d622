//! How many Kubernetes API calls a refresh makes: `gantry plan` runs through a counting
//! proxy in front of the emulator, and the recorded requests are held to one LIST per
//! (apiVersion, kind, namespace) in state, no GET per object, each discovery document
//! fetched at most once, and a total that does not grow with the number of objects.

use crate::support::{config, gantry, kube_server, Run};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// An HTTP/1.1 proxy that records every request it forwards. Each test starts its own,
/// so its log holds that test's requests only, however many tests share the emulator.
/// Every request gets a fresh upstream connection and the client's connection is closed
/// after one response, so a request can never reach the emulator unrecorded on a kept-alive
/// connection.
pub struct CountingProxy {
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl CountingProxy {
    pub fn start(upstream: &str) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, log2, stop2) = (upstream.to_string(), log.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let (upstream, log) = (upstream.clone(), log2.clone());
                std::thread::spawn(move || {
                    if let Err(e) = forward(client, &upstream, &log) {
                        eprintln!("counting proxy: {e}");
                    }
                });
            }
        });
        CountingProxy { addr, log, stop }
    }

    /// A kubeconfig for a client that talks to the emulator through this proxy.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("proxy.kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: proxy\n  cluster:\n    server: http://{}\nusers:\n- name: proxy\n  user: {{}}\ncontexts:\n- name: proxy\n  context:\n    cluster: proxy\n    user: proxy\ncurrent-context: proxy\n",
            self.addr
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The requests recorded since the last call, as `METHOD path?query`.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

fn forward(client: TcpStream, upstream: &str, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut head = vec![request_line.trim_end().to_string()];
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" | "keep-alive" => continue,
            _ => {}
        }
        if !(chunked && name.eq_ignore_ascii_case("transfer-encoding")) {
            head.push(line.to_string());
        }
    }
    let body = if chunked { read_chunked(&mut reader)? } else { read_exact(&mut reader, length)? };
    if chunked {
        head.push(format!("Content-Length: {}", body.len()));
    }
    head.push("Connection: close".into());
    let mut parts = head[0].split_whitespace();
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    log.lock().unwrap().push(format!("{method} {target}"));

    let mut up = TcpStream::connect(upstream)?;
    up.write_all(format!("{}\r\n\r\n", head.join("\r\n")).as_bytes())?;
    up.write_all(&body)?;
    let mut answer = BufReader::new(up);
    let mut response_head = Vec::new();
    loop {
        let mut line = String::new();
        if answer.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        let name = line.split(':').next().unwrap_or_default().trim().to_ascii_lowercase();
        if name != "connection" && name != "keep-alive" {
            response_head.push(line);
        }
    }
    response_head.push("Connection: close".into());
    let mut client = client;
    client.write_all(format!("{}\r\n\r\n", response_head.join("\r\n")).as_bytes())?;
    // The emulator closes its side after the response (Connection: close), which ends the copy.
    std::io::copy(&mut answer, &mut client)?;
    client.flush()?;
    client.shutdown(std::net::Shutdown::Both)
}

fn read_exact(r: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_chunked(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size)?;
        let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if n == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut line = String::new();
                if r.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                    return Ok(body);
                }
            }
        }
        body.extend(read_exact(r, n)?);
        read_exact(r, 2)?;
    }
}

/// What a recorded request is, by its path alone.
#[derive(Debug, PartialEq)]
enum Call {
    Discovery,
    List,
    Get,
    Other,
}

fn classify(request: &str) -> Call {
    let (method, target) = request.split_once(' ').unwrap_or((request, ""));
    let path = target.split('?').next().unwrap_or_default();
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let rest = match segs.as_slice() {
        ["api"] | ["apis"] | ["version"] | ["api", _] | ["apis", _] | ["apis", _, _] if method == "GET" => {
            return Call::Discovery
        }
        ["api", _, rest @ ..] => rest,
        ["apis", _, _, rest @ ..] => rest,
        _ => return Call::Other,
    };
    if method != "GET" {
        return Call::Other;
    }
    // A namespaced collection is namespaces/NS/RESOURCE; anything else is RESOURCE (a
    // cluster-scoped collection, Namespaces included) or RESOURCE/NAME.
    let (collection, object) = if rest.len() >= 3 && rest[0] == "namespaces" { (3, 4) } else { (1, 2) };
    match rest.len() {
        n if n == collection => Call::List,
        n if n >= object => Call::Get,
        _ => Call::Other,
    }
}

struct Counts {
    total: usize,
    lists: usize,
    discovery: usize,
}

/// Checks the rules on one plan's requests and returns the counts.
fn check(requests: &[String], kinds_in_state: usize, objects: usize) -> Counts {
    let of = |c: Call| requests.iter().filter(|r| classify(r) == c).cloned().collect::<Vec<_>>();
    let (lists, gets, discovery, other) = (of(Call::List), of(Call::Get), of(Call::Discovery), of(Call::Other));
    eprintln!(
        "refresh of {objects} objects: {} requests ({} lists, {} discovery, {} gets, {} other)",
        requests.len(),
        lists.len(),
        discovery.len(),
        gets.len(),
        other.len()
    );
    assert!(gets.is_empty(), "a GET per object: {gets:#?}");
    assert!(other.is_empty(), "a no-change plan only reads: {other:#?}");
    assert!(lists.len() <= kinds_in_state, "more LISTs than (apiVersion, kind, namespace) in state: {lists:#?}");
    let distinct: BTreeSet<&String> = discovery.iter().collect();
    assert_eq!(distinct.len(), discovery.len(), "a discovery document fetched twice: {discovery:#?}");
    Counts { total: requests.len(), lists: lists.len(), discovery: discovery.len() }
}

fn configuration(configmaps: usize) -> String {
    format!(
        r#"
variable "kubeconfig" {{
  type = string
}}

provider "kubernetes" {{
  config_path = var.kubeconfig
}}

locals {{
  namespaces = ["kcount-a", "kcount-b", "kcount-c"]
}}

resource "kubernetes_manifest" "ns" {{
  for_each = toset(local.namespaces)
  manifest = {{
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = {{ name = each.key }}
  }}
}}

resource "kubernetes_manifest" "crd" {{
  manifest = {{
    apiVersion = "apiextensions.k8s.io/v1"
    kind       = "CustomResourceDefinition"
    metadata   = {{ name = "widgets.kcount.gantry.dev" }}
    spec = {{
      group = "kcount.gantry.dev"
      scope = "Namespaced"
      names = {{ kind = "Widget", plural = "widgets", singular = "widget", listKind = "WidgetList" }}
      versions = [{{
        name    = "v1"
        served  = true
        storage = true
        schema  = {{ openAPIV3Schema = {{ type = "object", "x-kubernetes-preserve-unknown-fields" = true }} }}
      }}]
    }}
  }}
}}

resource "kubernetes_manifest" "widget" {{
  count = 3
  manifest = {{
    apiVersion = "kcount.gantry.dev/v1"
    kind       = "Widget"
    metadata   = {{ name = "w${{count.index}}", namespace = "kcount-a" }}
    spec       = {{ size = count.index }}
  }}
}}

resource "kubernetes_manifest" "app" {{
  for_each = toset(["kcount-a", "kcount-b"])
  manifest = {{
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = {{ name = "app", namespace = each.key, labels = {{ app = "app" }} }}
    spec = {{
      replicas = 1
      selector = {{ matchLabels = {{ app = "app" }} }}
      template = {{
        metadata = {{ labels = {{ app = "app" }} }}
        spec     = {{ containers = [{{ name = "app", image = "busybox:1.36" }}] }}
      }}
    }}
  }}
}}

resource "kubernetes_manifest" "svc" {{
  for_each = toset(["kcount-a", "kcount-b"])
  manifest = {{
    apiVersion = "v1"
    kind       = "Service"
    metadata   = {{ name = "app", namespace = each.key }}
    spec       = {{ selector = {{ app = "app" }}, ports = [{{ port = 80 }}] }}
  }}
}}

resource "kubernetes_manifest" "settings" {{
  count = {configmaps}
  manifest = {{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = {{ name = "settings-${{count.index}}", namespace = count.index % 2 == 0 ? "kcount-a" : "kcount-b" }}
    data       = {{ index = "${{count.index}}" }}
  }}
}}

resource "kubernetes_manifests" "bundle" {{
  content = file("${{path.module}}/bundle.yaml")
}}
"#
    )
}

/// Four ConfigMaps in a third namespace, read through the bundle resource type.
fn bundle() -> String {
    (0..4)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bundled-{i}\n  namespace: kcount-c\ndata:\n  n: \"{i}\"\n"))
        .collect()
}

/// Namespace, CRD, Widget in a, Deployment and Service in a and b, ConfigMap in a, b and c.
const KINDS_IN_STATE: usize = 10;
/// Namespaces, the CRD, Widgets, Deployments, Services and the bundle's ConfigMaps.
const FIXED_OBJECTS: usize = 3 + 1 + 3 + 2 + 2 + 4;

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn refresh_lists_each_kind_and_namespace_once_however_many_objects() {
    let Some((kubeconfig, _addr)) = kube_server() else { return };
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let upstream = text.lines().find_map(|l| l.trim().strip_prefix("server: http://")).unwrap().trim().to_string();
    let proxy = CountingProxy::start(upstream.trim_end_matches('/'));
    let (tmp, dir) = config(&[("main.hcl", &configuration(35 - FIXED_OBJECTS)), ("bundle.yaml", &bundle())]);
    let d = dir.to_str().unwrap();
    let direct = format!("kubeconfig={}", kubeconfig.to_str().unwrap());
    let counted = format!("kubeconfig={}", proxy.kubeconfig(tmp.path()).to_str().unwrap());

    let mut counts = Vec::new();
    for objects in [35, 350] {
        std::fs::write(dir.join("main.hcl"), configuration(objects - FIXED_OBJECTS)).unwrap();
        ok(&gantry(&dir, &["apply", "-auto-approve", "-var", &direct, d]));
        proxy.take();
        let run = gantry(&dir, &["plan", "-detailed-exitcode", "-var", &counted, d]);
        assert_eq!(run.code, 0, "no changes right after apply: {}", run.all());
        counts.push(check(&proxy.take(), KINDS_IN_STATE, objects));
    }
    let (small, large) = (&counts[0], &counts[1]);
    assert_eq!(
        (small.total, small.lists, small.discovery),
        (large.total, large.lists, large.discovery),
        "the number of calls grew with the number of objects"
    );
    ok(&gantry(&dir, &["destroy", "-auto-approve", "-var", &direct, d]));
}

#[test]
fn requests_are_told_apart_by_path() {
    assert_eq!(classify("GET /api/v1"), Call::Discovery);
    assert_eq!(classify("GET /apis/apps/v1"), Call::Discovery);
    assert_eq!(classify("GET /apis"), Call::Discovery);
    assert_eq!(classify("GET /api/v1/namespaces"), Call::List);
    assert_eq!(classify("GET /api/v1/namespaces/a"), Call::Get);
    assert_eq!(classify("GET /api/v1/namespaces/a/configmaps"), Call::List);
    assert_eq!(classify("GET /api/v1/namespaces/a/configmaps?limit=500"), Call::List);
    assert_eq!(classify("GET /api/v1/namespaces/a/configmaps/x"), Call::Get);
    assert_eq!(classify("GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions"), Call::List);
    assert_eq!(classify("GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/w.g"), Call::Get);
    assert_eq!(classify("PATCH /apis/apps/v1/namespaces/a/deployments/app?dryRun=All"), Call::Other);
}
