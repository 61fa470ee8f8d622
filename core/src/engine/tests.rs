//! Data-driven engine tests: small configurations in, the expansion, graph edges,
//! plan actions or diagnostics out, against a provider that keeps objects in memory.

use super::*;
use crate::diag::{Diagnostics, SourceMap};
use crate::provider::{ApplyRequest, BlockSchema, ConfigureRequest, PlanRequest, Provider, ReadRequest};
use crate::provider::{AttributeSchema as A, ImportRequest, PlanResponse, ProviderError, ProviderFactory, Schema};
use crate::state::State;
use crate::types::Type;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A provider whose objects live in memory and that counts how it is asked to read.
#[derive(Default)]
struct Memory {
    objects: Mutex<BTreeMap<String, Value>>,
    reads: AtomicUsize,
    batch_reads: AtomicUsize,
    configures: AtomicUsize,
    /// When set, final plans grow `size` by one and change `secret`: a provider that is not deterministic.
    unsteady: std::sync::atomic::AtomicBool,
}

struct MemoryFactory(Arc<Memory>);

fn schema() -> &'static Schema {
    static S: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let thing = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("size", A::optional(Type::Number))
            .attr("tags", A::optional(Type::Map(Box::new(Type::String))))
            .attr("secret", A::optional(Type::String).sensitive())
            .attr("id", A::computed(Type::String))
            .block(
                "rule",
                crate::provider::NestedBlock {
                    nesting: crate::provider::Nesting::List,
                    block: BlockSchema::default()
                        .attr("port", A::required(Type::Number))
                        .attr("note", A::optional(Type::String)),
                    min_items: 0,
                    max_items: Some(4),
                    force_new: false,
                },
            );
        let mut s = Schema::default();
        s.provider = BlockSchema::default().attr("region", A::optional(Type::String));
        s.resources.insert("mem_thing".into(), thing);
        s
    })
}

struct Shared(Arc<Memory>);

#[async_trait::async_trait]
impl Provider for Shared {
    fn schema(&self) -> &Schema {
        schema()
    }
    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        self.0.configures.fetch_add(1, Ordering::SeqCst);
        match req.config.get("region").and_then(|r| r.as_str()) {
            Some("nowhere") => Err(ProviderError::new("No such region", "nowhere is not a region")),
            _ => Ok(()),
        }
    }
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.0.reads.fetch_add(1, Ordering::SeqCst);
        let id = req.state.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        Ok(self.0.objects.lock().unwrap().get(&id).cloned())
    }
    async fn read_batch(&self, reqs: Vec<ReadRequest<'_>>) -> Vec<Result<Option<Value>, ProviderError>> {
        self.0.batch_reads.fetch_add(1, Ordering::SeqCst);
        let objects = self.0.objects.lock().unwrap();
        reqs.iter()
            .map(|r| Ok(objects.get(r.state.get("id").and_then(|v| v.as_str()).unwrap_or_default()).cloned()))
            .collect()
    }
    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let mut response = crate::provider::plan_by_schema(&schema().resources["mem_thing"], req.prior, req.config);
        if self.0.unsteady.load(Ordering::SeqCst) {
            if let Value::Object(m) = &mut response.planned {
                if let Some(Value::Number(n)) = m.get("size").cloned() {
                    m.insert("size".into(), Value::Number(n.add(&crate::value::Number::from(1)).unwrap_or(n)));
                }
                if m.get("secret").is_some_and(|v| !v.is_null()) {
                    m.insert("secret".into(), Value::string("hunter3").mark_sensitive());
                }
            }
        }
        Ok(response)
    }
    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let mut objects = self.0.objects.lock().unwrap();
        match req.planned {
            None => {
                let id = req.prior.and_then(|p| p.get("id")).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                objects.remove(&id);
                Ok(None)
            }
            Some(planned) => {
                let mut v = planned.clone().deep_unmarked();
                let name = v.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), Value::string(format!("id-{name}")));
                }
                objects.insert(format!("id-{name}"), v.clone());
                Ok(Some(v))
            }
        }
    }
    async fn import(&self, _: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Ok(None)
    }
}

impl ProviderFactory for MemoryFactory {
    fn name(&self) -> &str {
        "mem"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(Shared(self.0.clone()))
    }
}

struct Harness {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    registry: Registry,
    memory: Arc<Memory>,
    state: State,
}

impl Harness {
    fn new(files: &[(&str, &str)]) -> Harness {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let memory = Arc::new(Memory::default());
        let mut registry = Registry::default();
        registry.register(Arc::new(MemoryFactory(memory.clone())));
        Harness { _tmp: tmp, dir, registry, memory, state: State::new() }
    }

    fn load(&self) -> (Option<Config>, Diagnostics) {
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = load(&self.dir, &self.registry, &sources, &mut diags);
        (config, diags)
    }

    fn settings(&self) -> WalkSettings<'_> {
        WalkSettings {
            registry: &self.registry,
            working_dir: self.dir.clone(),
            inputs: Default::default(),
            parallelism: 4,
            hook: &NoHook,
            interrupt: Default::default(),
        }
    }

    /// Diagnostics of load + validate as `summary @ line:column`.
    async fn diagnostics(&self) -> Vec<String> {
        let (config, mut diags) = self.load();
        if let Some(config) = &config {
            diags.extend(validate(config, &self.settings()).await);
            return render(&diags, &config.sources);
        }
        render(&diags, &SourceMap::default())
    }

    /// Plan as `action address` lines.
    async fn plan(&self) -> Vec<String> {
        let (config, diags) = self.load();
        let config = config.unwrap();
        assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
        let (plan, diags) =
            plan(&config, &self.settings(), &self.state, PlanOptions { refresh: true, ..Default::default() }).await;
        assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
        plan.unwrap().changes.iter().map(|c| format!("{:?} {}", c.action, c.address)).collect()
    }

    async fn apply(&mut self) {
        let (config, _) = self.load();
        let config = config.unwrap();
        let (plan, diags) =
            plan(&config, &self.settings(), &self.state, PlanOptions { refresh: true, ..Default::default() }).await;
        assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
        let store: std::sync::Arc<dyn crate::state::StateStore> =
            std::sync::Arc::new(crate::state::LocalStore::new(self.dir.join("state.json")));
        let (state, diags) = apply(&config, &self.settings(), &plan.unwrap(), store).await;
        assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
        self.state = state;
    }

    fn edges(&self) -> Vec<String> {
        let (config, _) = self.load();
        let g = &config.unwrap().graph;
        let mut out: Vec<String> = g
            .graph
            .edge_indices()
            .filter_map(|e| g.graph.edge_endpoints(e))
            .map(|(a, b)| format!("{} -> {}", g.graph[a], g.graph[b]))
            .collect();
        out.sort();
        out
    }
}

fn render(diags: &Diagnostics, sources: &SourceMap) -> Vec<String> {
    diags
        .iter()
        .map(|d| match d.subject.and_then(|s| sources.get(s.file).map(|f| f.pos(s.start))) {
            Some(p) => format!("{} @ {}:{}", d.summary, p.line, p.column),
            None => d.summary.clone(),
        })
        .collect()
}

#[tokio::test]
async fn count_and_for_each_expand_into_typed_addresses() {
    let h = Harness::new(&[
        (
            "main.hcl",
            r#"
variable "pools" {
  default = { a100 = 8, t4 = 1 }
}
resource "mem_thing" "counted" {
  count = 2
  name  = "c${count.index}"
}
resource "mem_thing" "keyed" {
  for_each = var.pools
  name     = "${each.key}-${each.value}"
}
resource "mem_thing" "set" {
  for_each = toset(["x", "y"])
  name     = each.value
}
module "m" {
  source = "./m"
  count  = 2
  n      = count.index
}
"#,
        ),
        ("m/main.hcl", "variable \"n\" {}\nresource \"mem_thing\" \"this\" {\n  name = \"m${var.n}\"\n}\n"),
    ]);
    assert_eq!(
        h.plan().await,
        [
            "Create mem_thing.counted[0]",
            "Create mem_thing.counted[1]",
            "Create mem_thing.keyed[\"a100\"]",
            "Create mem_thing.keyed[\"t4\"]",
            "Create mem_thing.set[\"x\"]",
            "Create mem_thing.set[\"y\"]",
            "Create module.m[0].mem_thing.this",
            "Create module.m[1].mem_thing.this",
        ]
    );
}

#[tokio::test]
async fn edges_come_from_references_depends_on_and_providers() {
    let h = Harness::new(&[(
        "main.hcl",
        r#"
locals {
  prefix = "p"
}
resource "mem_thing" "a" {
  name = local.prefix
}
resource "mem_thing" "b" {
  name       = "${mem_thing.a.id}-b"
  depends_on = [mem_thing.c]
}
resource "mem_thing" "c" {
  name = "c"
}
output "b" {
  value = mem_thing.b.id
}
"#,
    )]);
    assert_eq!(
        h.edges(),
        [
            "mem_thing.a -> local.prefix",
            "mem_thing.a -> provider.mem",
            "mem_thing.b -> mem_thing.a",
            "mem_thing.b -> mem_thing.c",
            "mem_thing.b -> provider.mem",
            "mem_thing.c -> provider.mem",
            "output.b -> mem_thing.b",
        ]
    );
}

#[tokio::test]
async fn diagnostics_cases() {
    let cases: &[(&str, &[&str])] = &[
        ("resource \"mem_thing\" \"a\" {\n  nam = \"x\"\n}\n", &["Unsupported argument @ 2:3", "Missing required argument @ 1:1"]),
        ("resource \"mem_thing\" \"a\" {\n  name = [1]\n}\n", &["Incorrect attribute value type @ 2:10"]),
        ("resource \"mem_thing\" \"a\" {\n  for_each = [1, 2]\n  name = \"x\"\n}\n", &["Invalid for_each argument @ 2:14"]),
        ("resource \"mem_thing\" \"a\" {\n  count = -1\n  name = \"x\"\n}\n", &["Invalid count argument @ 2:11"]),
        ("resource \"mem_thing\" \"a\" {\n  name = mem_thing.b.id\n}\nresource \"mem_thing\" \"b\" {\n  name = mem_thing.a.id\n}\n", &["Cycle in configuration @ 2:10"]),
        ("resource \"mem_thng\" \"a\" {\n  name = \"x\"\n}\n", &["Invalid resource type @ 1:10"]),
        ("output \"o\" {\n  value = local.nope\n}\n", &["Reference to undeclared local value @ 2:11"]),
        ("module \"m\" {\n  source = \"./\"\n}\n", &["Module calls itself @ 2:12"]),
    ];
    for (hcl, expected) in cases {
        let h = Harness::new(&[("main.hcl", hcl)]);
        let got = h.diagnostics().await;
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got_sorted, want, "for:\n{hcl}");
    }
}

#[tokio::test]
async fn refresh_reads_each_resource_in_one_batch_and_finds_no_changes() {
    let mut h = Harness::new(&[(
        "main.hcl",
        "resource \"mem_thing\" \"many\" {\n  count = 25\n  name  = \"n${count.index}\"\n}\n",
    )]);
    h.apply().await;
    h.memory.reads.store(0, Ordering::SeqCst);
    h.memory.batch_reads.store(0, Ordering::SeqCst);
    let actions = h.plan().await;
    assert!(actions.iter().all(|a| a.starts_with("NoOp")), "{actions:?}");
    assert_eq!(h.memory.batch_reads.load(Ordering::SeqCst), 1, "one batch for the resource");
    assert_eq!(h.memory.reads.load(Ordering::SeqCst), 0, "no per-object reads");
}

#[tokio::test]
async fn force_new_replaces_and_in_place_updates_and_removed_instances_delete() {
    let mut h = Harness::new(&[(
        "main.hcl",
        "resource \"mem_thing\" \"a\" {\n  count = 2\n  name  = \"a${count.index}\"\n  size  = 1\n}\n",
    )]);
    h.apply().await;
    std::fs::write(
        h.dir.join("main.hcl"),
        "resource \"mem_thing\" \"a\" {\n  count = 1\n  name  = \"z${count.index}\"\n  size  = 2\n}\n",
    )
    .unwrap();
    assert_eq!(h.plan().await, ["DeleteThenCreate mem_thing.a[0]", "Delete mem_thing.a[1]"]);
    std::fs::write(
        h.dir.join("main.hcl"),
        "resource \"mem_thing\" \"a\" {\n  count = 2\n  name  = \"a${count.index}\"\n  size  = 3\n}\n",
    )
    .unwrap();
    assert_eq!(h.plan().await, ["Update mem_thing.a[0]", "Update mem_thing.a[1]"]);
}

#[tokio::test]
async fn ignore_changes_and_unknown_values_until_apply() {
    let mut h = Harness::new(&[(
        "main.hcl",
        "resource \"mem_thing\" \"a\" {\n  name = \"a\"\n  size = 1\n  lifecycle {\n    ignore_changes = [size]\n  }\n}\nresource \"mem_thing\" \"b\" {\n  name = \"b-${mem_thing.a.id}\"\n}\n",
    )]);
    let (config, _) = h.load();
    let (plan, _) = plan(&config.unwrap(), &h.settings(), &h.state, PlanOptions::default()).await;
    let b = plan.unwrap().changes.into_iter().find(|c| c.address.to_string() == "mem_thing.b").unwrap();
    assert_eq!(b.after.unwrap().get("name"), Some(&Value::Unknown));
    h.apply().await;
    assert_eq!(h.state.resources[1].attributes["name"], "b-id-a");
    std::fs::write(
        h.dir.join("main.hcl"),
        std::fs::read_to_string(h.dir.join("main.hcl")).unwrap().replace("size = 1", "size = 5"),
    )
    .unwrap();
    assert_eq!(h.plan().await, ["NoOp mem_thing.a", "NoOp mem_thing.b"]);
}

#[tokio::test]
async fn a_provider_is_configured_only_when_an_instance_needs_it() {
    let unused = "provider \"mem\" {\n  region = \"nowhere\"\n}\nresource \"mem_thing\" \"a\" {\n  count = 0\n  name  = \"a\"\n}\n";
    let h = Harness::new(&[("main.hcl", unused)]);
    assert!(h.plan().await.is_empty());
    assert_eq!(h.memory.configures.load(Ordering::SeqCst), 0, "no instance, no configuration");

    let h = Harness::new(&[("main.hcl", &unused.replace("count = 0", "count = 3"))]);
    let (config, _) = h.load();
    let config = config.unwrap();
    let (_, diags) = plan(&config, &h.settings(), &h.state, PlanOptions::default()).await;
    assert_eq!(
        render(&diags, &config.sources),
        ["Failed to configure provider \"mem\" @ 1:1"],
        "reported once, at the provider block"
    );
    assert_eq!(h.memory.configures.load(Ordering::SeqCst), 1, "configured once for three instances");
}

#[tokio::test]
async fn a_resource_without_instances_is_checked_for_mistakes_its_inputs_do_not_excuse() {
    // The variant of a module for another target: its inputs are null because it has no instances.
    let h = Harness::new(&[(
        "main.hcl",
        "variable \"aws\" {\n  default = null\n}\nresource \"mem_thing\" \"a\" {\n  count = var.aws == null ? 0 : 1\n  name  = var.aws.name\n}\n",
    )]);
    assert!(h.diagnostics().await.is_empty(), "{:?}", h.diagnostics().await);
    let h = Harness::new(&[(
        "main.hcl",
        "variable \"aws\" {\n  default = null\n}\nresource \"mem_thing\" \"a\" {\n  count  = 0\n  name   = nosuchfunction(var.aws.name)\n  colour = 1\n}\n",
    )]);
    assert_eq!(h.diagnostics().await, ["Call to unknown function @ 6:12", "Unsupported argument @ 7:3"]);
}

#[tokio::test]
async fn dynamic_blocks_generate_nested_blocks_in_source_order() {
    let h = Harness::new(&[(
        "main.hcl",
        r#"
variable "ports" {
  default = { http = 80, https = 443 }
}
resource "mem_thing" "a" {
  name = "a"
  dynamic "rule" {
    for_each = var.ports
    iterator = p
    content {
      port = p.value
      note = p.key
    }
  }
  rule {
    port = 22
  }
  dynamic "rule" {
    for_each = []
    content {
      port = rule.value
    }
  }
}
"#,
    )]);
    assert!(h.diagnostics().await.is_empty(), "{:?}", h.diagnostics().await);
    assert!(h.edges().contains(&"mem_thing.a -> var.ports".to_string()), "{:?}", h.edges());
    let (config, _) = h.load();
    let (plan, diags) = plan(&config.unwrap(), &h.settings(), &h.state, PlanOptions::default()).await;
    assert!(!diags.has_errors());
    let after = plan.unwrap().changes.remove(0).after.unwrap();
    let rules: Vec<String> = after
        .get("rule")
        .unwrap()
        .as_list()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r.get("port").unwrap().to_json(), r.get("note").unwrap().to_json()))
        .collect();
    assert_eq!(rules, ["80:\"http\"", "443:\"https\"", "22:null"]);
}

#[tokio::test]
async fn dynamic_blocks_are_checked() {
    let h = Harness::new(&[(
        "main.hcl",
        r#"resource "mem_thing" "a" {
  name = "a"
  dynamic "rules" {
    for_each = [1]
    content {
      port = rules.value
    }
  }
  dynamic "rule" {
    for_each = [1, 2, 3, 4, 5]
    iterator = r
    content {
      port   = r.value
      colour = "red"
    }
  }
  dynamic "rule" {
    items = [1]
  }
}
"#,
    )]);
    assert_eq!(
        h.diagnostics().await,
        [
            "Unsupported block type @ 3:11",
            "Too many blocks @ 9:3",
            // Once, though all five generated blocks have it.
            "Unsupported argument @ 14:7",
            "Missing required argument @ 17:3",
            "Invalid dynamic block @ 17:3",
            "Unsupported argument @ 18:5",
        ]
    );
}

#[tokio::test]
async fn a_final_plan_that_differs_from_the_saved_plan_fails_that_resource_and_skips_its_dependents() {
    let h = Harness::new(&[(
        "main.hcl",
        r#"
resource "mem_thing" "a" {
  name   = "a"
  size   = 1
  secret = "hunter2"
}
resource "mem_thing" "b" {
  name = "b-${mem_thing.a.id}"
}
resource "mem_thing" "c" {
  name = "c"
}
"#,
    )]);
    let (config, _) = h.load();
    let config = config.unwrap();
    let (plan, diags) =
        plan(&config, &h.settings(), &h.state, PlanOptions { refresh: true, ..Default::default() }).await;
    assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
    let plan = plan.unwrap();
    h.memory.unsteady.store(true, Ordering::SeqCst);
    let store: std::sync::Arc<dyn crate::state::StateStore> =
        std::sync::Arc::new(crate::state::LocalStore::new(h.dir.join("state.json")));
    let (state, diags) = apply(&config, &h.settings(), &plan, store.clone()).await;
    let errors: Vec<&crate::diag::Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{:?}", render(&diags, &config.sources));
    assert_eq!(errors[0].summary, "Provider produced inconsistent final plan");
    assert_eq!(errors[0].address.as_deref(), Some("mem_thing.a"));
    assert!(errors[0].detail.contains("size: was 1, but now 2"), "{}", errors[0].detail);
    assert!(
        errors[0].detail.contains("secret: was (sensitive value), but now (sensitive value)"),
        "{}",
        errors[0].detail
    );
    assert!(!errors[0].detail.contains("hunter"), "{}", errors[0].detail);
    // Nothing was created for a, b depends on it and was skipped, c is independent and was created.
    let objects = h.memory.objects.lock().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(objects, ["id-c"]);
    let addrs: Vec<String> = state.resources.iter().map(|r| r.address.to_string()).collect();
    assert_eq!(addrs, ["mem_thing.c"]);
    let saved = store.read().unwrap().unwrap();
    assert_eq!(saved.resources.len(), 1);
}

#[tokio::test]
async fn a_targeted_instance_plans_only_that_instance_and_a_target_that_matches_nothing_is_an_error() {
    let mut h = Harness::new(&[(
        "main.hcl",
        "resource \"mem_thing\" \"a\" {\n  count = 3\n  name  = \"a${count.index}\"\n  size  = 1\n}\n",
    )]);
    h.apply().await;
    std::fs::write(
        h.dir.join("main.hcl"),
        "resource \"mem_thing\" \"a\" {\n  count = 3\n  name  = \"a${count.index}\"\n  size  = 2\n}\n",
    )
    .unwrap();
    let (config, _) = h.load();
    let config = config.unwrap();
    let targets = vec![ResourceAddrPattern::parse("mem_thing.a[1]").unwrap()];
    let opts = PlanOptions { refresh: true, targets, ..Default::default() };
    let (p, diags) = plan(&config, &h.settings(), &h.state, opts).await;
    assert!(!diags.has_errors(), "{:?}", render(&diags, &config.sources));
    let changes: Vec<String> = p.unwrap().changes.iter().map(|c| format!("{:?} {}", c.action, c.address)).collect();
    assert_eq!(changes, ["Update mem_thing.a[1]"]);
    for bad in ["mem_thing.a[7]", "mem_thing.nope", "module.nope"] {
        let opts = PlanOptions {
            refresh: true,
            targets: vec![ResourceAddrPattern::parse(bad).unwrap()],
            ..Default::default()
        };
        let (p, diags) = plan(&config, &h.settings(), &h.state, opts).await;
        assert!(p.is_none(), "{bad}");
        assert_eq!(render(&diags, &config.sources), ["Invalid target address"], "{bad}");
    }
    let opts = PlanOptions { refresh: true, replace: vec!["mem_thing.a[9]".parse().unwrap()], ..Default::default() };
    let (p, diags) = plan(&config, &h.settings(), &h.state, opts).await;
    assert!(p.is_none());
    assert_eq!(render(&diags, &config.sources), ["Invalid replace address"]);
}

#[tokio::test]
async fn create_before_destroy_creates_repoints_dependents_then_deletes() {
    let mut h = Harness::new(&[(
        "main.hcl",
        r#"
resource "mem_thing" "a" {
  name = "a1"
  lifecycle {
    create_before_destroy = true
  }
}
resource "mem_thing" "b" {
  name = "b"
  tags = { a = mem_thing.a.id }
}
"#,
    )]);
    h.apply().await;
    let text = std::fs::read_to_string(h.dir.join("main.hcl")).unwrap().replace("\"a1\"", "\"a2\"");
    std::fs::write(h.dir.join("main.hcl"), text).unwrap();
    assert_eq!(h.plan().await, ["CreateThenDelete mem_thing.a", "Update mem_thing.b"]);
    h.apply().await;
    let objects = h.memory.objects.lock().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(objects, ["id-a2", "id-b"], "the old object is gone, the new one and b remain");
    let b = h.state.get(&"mem_thing.b".parse().unwrap()).unwrap();
    assert_eq!(b.attributes["tags"]["a"], "id-a2");
}
