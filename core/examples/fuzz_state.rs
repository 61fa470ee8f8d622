//! Long-running robustness fuzzer for the state reader and the plan reader.
//!
//! `cargo run --release -p gantry-core --example fuzz_state -- TARGET SECONDS [SEED]`, where
//! TARGET is `state` or `plan`, feeds random bytes, byte-mutated and structurally mutated copies
//! of the corpus in `core/fuzz/corpus/TARGET/` (state and plan files made by Gantry, and broken
//! variants of them) to `State::from_bytes` or `plan::file::from_bytes`. Structural mutations of
//! a plan are mostly resealed with a correct integrity digest, so that they get past it. What
//! decodes is driven through the code that consumes it: value decoding and marks, addresses,
//! redaction, re-serialisation (which must read back equal), the saved-plan checks, and the
//! engine itself: a plan against the fuzzed state, and an apply of the fuzzed plan, with an
//! in-memory provider whose resources the mutations retarget the corpus's addresses to.
//!
//! It catches panics per input, prints `target T: iterations N, panics P, longest input ms M`
//! and exits with 1 if any input panicked. A watchdog ends the run with exit code 2, printing
//! the input, if one input runs for over 60 s. Set `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true`
//! to have arithmetic overflow panic too, as in a debug build. `-- replay TARGET FILE` runs one
//! file without catching anything.

use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::engine::{self, Config, NoHook, PlanOptions, StateWriter, WalkSettings};
use gantry_core::plan::{self, Plan};
use gantry_core::provider::{
    ApplyRequest, AttributeSchema as A, BlockSchema, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse,
    Provider, ProviderError, ProviderFactory, ReadRequest, Registry, Schema,
};
use gantry_core::state::{OutputState, ResourceInstanceState, State, StateError};
use gantry_core::types::Type;
use gantry_core::value::Value;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[path = "../tests/generators/mod.rs"]
mod generators;
use generators::Rng;

// ---------------------------------------------------------------------------------------------
// The engine's side: a configuration and a provider for fuzzed state and plans to meet
// ---------------------------------------------------------------------------------------------

const CONFIG: &str = r#"
variable "secret" {
  type      = string
  default   = "s"
  sensitive = true
}
resource "fuzz_thing" "a" {
  name   = "a"
  tags   = { team = "ml" }
  secret = var.secret
}
resource "fuzz_thing" "b" {
  count = 2
  name  = "b${count.index}"
  tags  = { upstream = fuzz_thing.a.id }
}
resource "fuzz_thing" "c" {
  for_each = toset(["x", "y"])
  name     = each.key
  lifecycle {
    create_before_destroy = true
  }
}
moved {
  from = fuzz_thing.old
  to   = fuzz_thing.a
}
output "ids" {
  value = [for b in fuzz_thing.b : b.id]
}
"#;

fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let thing = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("tags", A::optional(Type::Map(Box::new(Type::String))))
            .attr("secret", A::optional(Type::String).sensitive())
            .attr("id", A::computed(Type::String));
        let mut s = Schema::default();
        s.resources.insert("fuzz_thing".into(), thing);
        s
    })
}

/// Every object exists as state says it does, so fuzzed state flows into the plan unchanged.
struct Echo;

#[async_trait::async_trait]
impl Provider for Echo {
    fn schema(&self) -> &Schema {
        schema()
    }
    async fn configure(&self, _: ConfigureRequest) -> Result<(), ProviderError> {
        Ok(())
    }
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Ok(Some(req.state.clone()))
    }
    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let Some(block) = schema().resources.get(req.type_name) else {
            return Err(ProviderError::new("Unknown resource type", req.type_name.to_string()));
        };
        Ok(gantry_core::provider::plan_by_schema(block, req.prior, req.config))
    }
    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Ok(req.planned.map(|p| known(p.clone().deep_unmarked())))
    }
    async fn import(&self, _: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Ok(None)
    }
}

/// The value with every unknown filled in, as a provider's apply must return it.
fn known(v: Value) -> Value {
    match v {
        Value::Unknown => Value::string("id"),
        Value::List(items) => Value::List(items.into_iter().map(known).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, known(v))).collect()),
        other => other,
    }
}

struct EchoFactory;

impl ProviderFactory for EchoFactory {
    fn name(&self) -> &str {
        "fuzz"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(Echo)
    }
}

/// Records what apply did in memory.
struct MemoryWriter(Mutex<State>);

#[async_trait::async_trait]
impl StateWriter for MemoryWriter {
    fn intent_id(&self) -> String {
        "fuzz".into()
    }
    async fn intend(&self, _intent: gantry_core::state::Intent) -> Result<(), StateError> {
        Ok(())
    }
    fn resolved(&self, _intent: &str) -> Result<(), StateError> {
        Ok(())
    }
    fn pending(&self) -> Vec<gantry_core::state::Intent> {
        Vec::new()
    }
    fn record(&self, instance: ResourceInstanceState, _resolves: Option<&str>) -> Result<(), StateError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).set(instance);
        Ok(())
    }
    fn forget(&self, addr: &ResourceInstanceAddr, _resolves: Option<&str>) -> Result<(), StateError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(addr);
        Ok(())
    }
    fn finish(&self, outputs: Option<BTreeMap<String, OutputState>>) -> Result<State, StateError> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state.outputs = outputs.unwrap_or_default();
        state.bump_serial()?;
        Ok(state.clone())
    }
    fn snapshot(&self) -> State {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

struct Engine {
    rt: tokio::runtime::Runtime,
    registry: Registry,
    config: Config,
    dir: PathBuf,
}

impl Engine {
    fn new(dir: &Path) -> Engine {
        std::fs::create_dir_all(dir).expect("temp dir");
        std::fs::write(dir.join("main.hcl"), CONFIG).expect("write main.hcl");
        let mut registry = Registry::default();
        registry.register(Arc::new(EchoFactory));
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = engine::load(dir, &registry, &sources, &mut diags).expect("the fuzz configuration loads");
        assert!(!diags.has_errors(), "the fuzz configuration has errors: {:?}", diags.0);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        Engine { rt, registry, config, dir: dir.to_path_buf() }
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

    /// Plans against the state (normally and for destroy), and applies what comes out.
    fn plan_and_apply(&self, state: &State) {
        for destroy in [false, true] {
            let opts = PlanOptions { destroy, refresh: true, ..Default::default() };
            let (planned, _) = self.rt.block_on(engine::plan(&self.config, &self.settings(), state, opts));
            if let Some(p) = planned {
                let met = p.changes.iter().any(|c| c.address.resource.type_name == "fuzz_thing" && c.before.is_some());
                MET.fetch_add(u64::from(met), Relaxed);
                self.apply(&p);
            }
        }
    }

    fn apply(&self, p: &Plan) {
        let writer = MemoryWriter(Mutex::new(p.refreshed_state.clone()));
        let _ = self.rt.block_on(engine::apply_with(&self.config, &self.settings(), p, &writer));
    }
}

// ---------------------------------------------------------------------------------------------
// Checks: what a decoded state or plan is put through
// ---------------------------------------------------------------------------------------------

fn round_trips(addr: &ResourceInstanceAddr) {
    let text = addr.to_string();
    match text.parse::<ResourceInstanceAddr>() {
        Ok(back) if &back == addr => {}
        other => panic!("property: address {text:?} does not parse back to itself: {other:?}"),
    }
}

fn drive_value(v: &Value) {
    let _ = v.to_string();
    let _ = v.sensitive_paths();
    let _ = gantry_core::redact::redacted_json(v);
    let _ = v.to_marked_json();
    let _ = v.nests_deeper_than(gantry_core::eval::MAX_VALUE_DEPTH);
    let _ = v.clone().deep_unmarked().to_json();
}

fn drive_state(state: &State) {
    match State::from_bytes(&state.to_bytes()) {
        Ok(back) if &back == state => {}
        Ok(_) => panic!("property: a state read back from its own bytes differs"),
        Err(e) => panic!("property: a state that was read cannot be read back from its own bytes: {e}"),
    }
    let mut copy = state.clone();
    for r in &state.resources {
        round_trips(&r.address);
        drive_value(&r.value());
        drive_value(&Value::from_marked_json(&r.attributes));
        for d in &r.dependencies {
            let _ = d.parse::<ResourceInstanceAddr>();
        }
        let _ = copy.get(&r.address);
        copy.set(r.clone());
        copy.remove(&r.address);
    }
    for o in state.outputs.values() {
        drive_value(&Value::from_json(&o.value));
    }
    let _ = serde_json::to_string(&state.to_redacted_json());
}

fn check_state(engine: &Engine, bytes: &[u8]) {
    // The same bytes read as a journal: replay must refuse or apply them, never panic.
    if let Ok(j) = gantry_core::state::journal::replay(State::new(), bytes, "fuzz") {
        drive_state(&j.state);
    }
    let Ok(state) = State::from_bytes(bytes) else { return };
    drive_state(&state);
    engine.plan_and_apply(&state);
}

fn check_plan(engine: &Engine, bytes: &[u8]) {
    let Ok(p) = plan::file::from_bytes(bytes) else { return };
    match plan::file::from_bytes(&plan::file::to_bytes(&p)) {
        Ok(back) if back == p => {}
        Ok(_) => panic!("property: a plan read back from its own bytes differs"),
        Err(e) => panic!("property: a plan that was read cannot be read back from its own bytes: {e}"),
    }
    let _ = (p.has_changes(), p.counts());
    for c in p.changes.iter().chain(&p.drift) {
        round_trips(&c.address);
        let _ = p.change(&c.address);
        for v in [&c.before, &c.after].into_iter().flatten() {
            drive_value(v);
        }
    }
    let variables: BTreeMap<String, Value> =
        p.variables.iter().map(|(k, v)| (k.clone(), Value::from_marked_json(v))).collect();
    variables.values().for_each(drive_value);
    for o in p.outputs.values() {
        for v in [&o.before, &o.after].into_iter().flatten() {
            drive_value(&Value::from_marked_json(v));
        }
    }
    p.data.values().for_each(|v| drive_value(&Value::from_marked_json(v)));
    for (from, to) in &p.moved {
        let _ = (from.parse::<ResourceInstanceAddr>(), to.parse::<ResourceInstanceAddr>());
    }
    let _ = serde_json::to_string(&plan::json::redacted(&p));
    drive_state(&p.refreshed_state);
    let sensitive: BTreeSet<String> = variables.keys().cloned().collect();
    let mut given = variables.clone();
    given.insert("secret".into(), Value::string("other"));
    for (state, vars) in [(Some(&p.refreshed_state), &variables), (None, &given)] {
        let here = plan::check::Here {
            state,
            config_digest: &p.config_digest,
            working_dir: &p.working_dir,
            variables: vars,
            sensitive_variables: &sensitive,
        };
        let _ = plan::check::check(&p, &here).map_err(|r| r.to_string());
    }
    MET.fetch_add(u64::from(p.changes.iter().any(|c| c.address.resource.type_name == "fuzz_thing")), Relaxed);
    engine.apply(&p);
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    let out: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).expect("read corpus file")).collect();
    assert!(!out.is_empty(), "the corpus in {} is empty", dir.display());
    out
}

const INTERESTING: &[u8] = b"{}[]\",:0123456789-+.eE \n\\tfnul\x00\xff";

/// Byte-level damage: flips, overwrites, insertions, deletions, truncation, splices.
fn mutate_bytes(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = if b.is_empty() { 0 } else { rng.below(b.len()) };
        match rng.below(7) {
            0 if !b.is_empty() => b[at] ^= 1 << rng.below(8),
            1 if !b.is_empty() => b[at] = *rng.pick(INTERESTING),
            2 => {
                let n = 1 + rng.below(16);
                let chunk: Vec<u8> = (0..n).map(|_| *rng.pick(INTERESTING)).collect();
                b.splice(at..at, chunk);
            }
            3 if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            4 => b.truncate(at),
            5 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                b.splice(at..at, other[from..end].iter().copied());
            }
            _ if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                let copy = b[at..end].to_vec();
                b.splice(at..at, copy);
            }
            _ => {}
        }
    }
    b
}

const STRINGS: &[&str] = &[
    "",
    "__gantry_sensitive__",
    "__gantry_unknown__",
    "local_cluster.main",
    "fuzz_thing.a",
    "fuzz_thing.b[1]",
    "fuzz_thing.c[\"x\"]",
    "fuzz_thing.old",
    "module.pool[\"a100\"].local_node_pool.this[0]",
    "module.m[-1].fuzz_thing.a[\"\\\"]\"]",
    "data.fuzz_thing.a",
    "fuzz_thing.a[18446744073709551615]",
    "fuzz",
    "local",
    "kubernetes.gpu",
    "create",
    "delete",
    "delete-then-create",
    "create-then-delete",
    "no-op",
    "sha256:",
    "\u{E000}\u{E001}",
    "é🤔\u{0}",
    "${x}",
    "[[[[[[[[",
];

fn random_number(rng: &mut Rng) -> Json {
    match rng.below(10) {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(1e308),
        5 => json!(-0.0),
        6 => json!(0.5),
        7 => json!(2),
        8 => json!(u32::MAX),
        _ => json!(rng.next_u64() % 1000),
    }
}

/// A JSON value of a random kind, at most `depth` levels deep (deeper ones test the readers' limits).
fn random_json(rng: &mut Rng, depth: usize) -> Json {
    match rng.below(if depth == 0 { 4 } else { 9 }) {
        0 => Json::Null,
        1 => Json::Bool(rng.chance(50)),
        2 => random_number(rng),
        3 => Json::String(rng.pick(STRINGS).to_string()),
        4 => json!({ "__gantry_sensitive__": random_json(rng, depth - 1) }),
        5 => json!({ "__gantry_unknown__": true }),
        6 => Json::Array((0..rng.below(4)).map(|_| random_json(rng, depth - 1)).collect()),
        7 => {
            let mut nested = random_json(rng, 0);
            for _ in 0..rng.below(200) {
                nested = if rng.chance(50) { json!([nested]) } else { json!({ "a": nested }) };
            }
            nested
        }
        _ => Json::Object(
            (0..rng.below(4)).map(|_| (rng.pick(STRINGS).to_string(), random_json(rng, depth - 1))).collect(),
        ),
    }
}

/// One random node of the tree, reached by walking down from the root.
fn random_node<'j>(rng: &mut Rng, node: &'j mut Json) -> &'j mut Json {
    let len = match &*node {
        Json::Array(items) => items.len(),
        Json::Object(map) => map.len(),
        _ => 0,
    };
    if len == 0 || rng.chance(25) {
        return node;
    }
    let i = rng.below(len);
    match node {
        Json::Array(items) => random_node(rng, &mut items[i]),
        Json::Object(map) => random_node(rng, map.values_mut().nth(i).expect("i is below the length")),
        other => other,
    }
}

/// Points the corpus's resources at the fuzz configuration's, so that the engine meets them.
fn retarget(json: &mut Json, rng: &mut Rng) {
    match json {
        Json::String(s) => {
            for from in ["local_cluster.", "local_node_pool.", "kubernetes_manifest.", "kubernetes_manifests."] {
                if let Some(rest) = s.strip_prefix(from) {
                    let name = ["a", "b", "c", "old"][rng.below(4)];
                    let key = rest.find('[').map(|i| &rest[i..]).unwrap_or("");
                    *s = format!("fuzz_thing.{name}{key}");
                }
            }
            if s == "local" || s == "kubernetes" {
                *s = "fuzz".into();
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| retarget(i, rng)),
        Json::Object(map) => map.values_mut().for_each(|v| retarget(v, rng)),
        _ => {}
    }
}

/// Members whose contents are any JSON (values, not the document's own structure): damage
/// there decodes, and reaches what consumes the values.
const FREE: &[&str] = &["attributes", "before", "after", "value", "variables", "data", "sensitive_paths", "address"];

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn free_paths(json: &Json, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match json {
        Json::Object(map) => {
            for (k, v) in map {
                path.push(Step::Key(k.clone()));
                if FREE.contains(&k.as_str()) {
                    out.push(path.clone());
                } else {
                    free_paths(v, path, out);
                }
                path.pop();
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                free_paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn follow<'j>(json: &'j mut Json, path: &[Step]) -> &'j mut Json {
    match path.split_first() {
        None => json,
        Some((step, rest)) => {
            let next = match (step, json) {
                (Step::Key(k), Json::Object(map)) => map.get_mut(k),
                (Step::Index(i), Json::Array(items)) => items.get_mut(*i),
                _ => None,
            };
            follow(next.expect("the path was taken from this tree"), rest)
        }
    }
}

/// Structural damage: replaced, removed and duplicated nodes, retargeted addresses. Half of
/// the time only inside values, so that the document still decodes.
fn mutate_tree(rng: &mut Rng, json: &mut Json) {
    if rng.chance(40) {
        retarget(json, rng);
    }
    for _ in 0..1 + rng.below(4) {
        let mut free = Vec::new();
        free_paths(json, &mut Vec::new(), &mut free);
        let node = if rng.chance(50) && !free.is_empty() {
            let path = rng.pick(&free).clone();
            random_node(rng, follow(json, &path))
        } else {
            random_node(rng, json)
        };
        match rng.below(5) {
            0 => *node = random_json(rng, 3),
            1 => {
                if let Json::Object(map) = node {
                    if !map.is_empty() {
                        let k = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                        map.remove(&k);
                    }
                }
            }
            2 => {
                if let Json::Array(items) = node {
                    if let Some(first) = items.first().cloned() {
                        items.push(first);
                    }
                }
            }
            3 => {
                if let Json::Object(map) = node {
                    map.insert(rng.pick(STRINGS).to_string(), random_json(rng, 2));
                }
            }
            _ => {
                let copy = node.clone();
                *node = json!([copy, random_json(rng, 1)]);
            }
        }
    }
}

/// A plan file's envelope with its integrity digest made to match its `plan` member, as
/// `plan::file` computes it.
fn reseal(envelope: &mut Json) {
    let Some(plan_json) = envelope.get("plan") else { return };
    let digest = Sha256::digest(serde_json::to_vec(plan_json).unwrap_or_default());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(map) = envelope.as_object_mut() {
        map.insert("integrity".into(), Json::String(format!("sha256:{hex}")));
    }
}

fn next_input(rng: &mut Rng, target: &str, seeds: &[Vec<u8>]) -> (String, Vec<u8>) {
    let seed = rng.pick(seeds);
    let other = rng.pick(seeds);
    match rng.below(100) {
        0..=4 => {
            let n = rng.below(400);
            (
                "random bytes".into(),
                (0..n).map(|_| if rng.chance(50) { *rng.pick(INTERESTING) } else { rng.next_u64() as u8 }).collect(),
            )
        }
        5..=34 => ("byte-mutated".into(), mutate_bytes(rng, seed, other)),
        _ => {
            let Ok(mut json) = serde_json::from_slice::<Json>(seed) else {
                return ("byte-mutated broken seed".into(), mutate_bytes(rng, seed, other));
            };
            if target == "plan" {
                if let Some(inner) = json.get_mut("plan") {
                    mutate_tree(rng, inner);
                } else {
                    mutate_tree(rng, &mut json);
                }
                if rng.chance(90) {
                    reseal(&mut json);
                }
            } else {
                mutate_tree(rng, &mut json);
            }
            let bytes = if rng.chance(50) {
                serde_json::to_vec_pretty(&json).unwrap_or_default()
            } else {
                serde_json::to_vec(&json).unwrap_or_default()
            };
            ("tree-mutated".into(), bytes)
        }
    }
}

/// `-- seed-corpus`: adds to the corpus a state and plans that the engine makes for the fuzz
/// configuration itself (the CLI cannot, as it has no `fuzz` provider), so that mutations of
/// them meet the configuration's resources from the start.
fn write_engine_seeds(engine: &Engine) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus");
    let run = |state: &State, destroy: bool| -> Plan {
        let opts = PlanOptions { destroy, refresh: true, ..Default::default() };
        let (p, diags) = engine.rt.block_on(engine::plan(&engine.config, &engine.settings(), state, opts));
        p.unwrap_or_else(|| panic!("the fuzz configuration plans: {:?}", diags.0))
    };
    let create = run(&State::new(), false);
    let writer = MemoryWriter(Mutex::new(create.refreshed_state.clone()));
    let (applied, diags) = engine.rt.block_on(engine::apply_with(&engine.config, &engine.settings(), &create, &writer));
    assert!(!diags.has_errors(), "the fuzz configuration applies: {:?}", diags.0);
    let mut moved = applied.clone();
    if let Some(r) = moved.resources.iter_mut().find(|r| r.address.to_string() == "fuzz_thing.a") {
        r.address = "fuzz_thing.old".parse().expect("an address");
    }
    let files = [
        ("plan/fuzz-config-create.plan", plan::file::to_bytes(&create)),
        ("plan/fuzz-config-moved.plan", plan::file::to_bytes(&run(&moved, false))),
        ("plan/fuzz-config-destroy.plan", plan::file::to_bytes(&run(&applied, true))),
        ("state/fuzz-config.json", applied.to_bytes()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write a corpus file");
        println!("wrote {name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Driver (as in fuzz_loader)
// ---------------------------------------------------------------------------------------------

static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Engine runs in which fuzzed objects met the fuzz configuration's resources: plans with a
/// change to one the state held, applies of plans with a change to one.
static MET: AtomicU64 = AtomicU64::new(0);
static PANICS: Mutex<Vec<(String, Vec<u8>)>> = Mutex::new(Vec::new());
/// Milliseconds since the start at which the current input began (0 = none running).
static STARTED_MS: AtomicU64 = AtomicU64::new(0);

fn shorten(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.len() <= max {
        return s.into_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &s[..end], bytes.len())
}

fn check(target: &str, engine: &Engine, bytes: &[u8]) {
    match target {
        "state" => check_state(engine, bytes),
        _ => check_plan(engine, bytes),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tmp = std::env::temp_dir().join(format!("gantry-fuzz-state-{}", std::process::id()));
    if args.get(1).map(String::as_str) == Some("replay") {
        let (Some(target), Some(file)) = (args.get(2), args.get(3)) else {
            eprintln!("usage: fuzz_state replay state|plan FILE");
            std::process::exit(2);
        };
        let engine = Engine::new(&tmp);
        check(target, &engine, &std::fs::read(file).expect("read the input"));
        let _ = std::fs::remove_dir_all(&tmp);
        println!("no panic");
        return;
    }
    if args.get(1).map(String::as_str) == Some("seed-corpus") {
        write_engine_seeds(&Engine::new(&tmp));
        let _ = std::fs::remove_dir_all(&tmp);
        return;
    }
    let target = args.get(1).cloned().unwrap_or_else(|| "state".into());
    if target != "state" && target != "plan" {
        eprintln!("the target is state or plan, not {target:?}");
        std::process::exit(2);
    }
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(60);
    let seed: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0x5747_2026);

    std::panic::set_hook(Box::new(|info| {
        let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
        let msg = info.to_string();
        eprintln!("PANIC: {msg}\n  input: {:?}", shorten(&input, 2000));
        PANICS.lock().unwrap_or_else(|e| e.into_inner()).push((msg, input));
    }));

    let seeds = corpus(&target);
    let engine = Engine::new(&tmp);
    // Every seed on its own first: the corpus must pass before mutations mean anything.
    for s in &seeds {
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = s.clone();
        check(&target, &engine, s);
    }

    let program_start = Instant::now();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let started = STARTED_MS.load(Relaxed);
        let now = program_start.elapsed().as_millis() as u64;
        if started != 0 && now.saturating_sub(started) > 60_000 {
            let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
            eprintln!("HANG: one input has run for over 60 s:\n  input: {:?}", shorten(&input, 4000));
            println!("hang after {} s; see stderr", now / 1000);
            std::process::exit(2);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rng = Rng::new(seed);
    let mut iterations: u64 = 0;
    let mut decoded: u64 = 0;
    let mut panics: u64 = 0;
    let mut longest = Duration::ZERO;
    let mut longest_desc = String::new();
    let mut last_report = Instant::now();
    let findings = tmp.join("findings");

    while Instant::now() < deadline {
        let (kind, bytes) = next_input(&mut rng, &target, &seeds);
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = bytes.clone();
        let started = Instant::now();
        STARTED_MS.store(program_start.elapsed().as_millis() as u64 + 1, Relaxed);
        let result = catch_unwind(AssertUnwindSafe(|| check(&target, &engine, &bytes)));
        STARTED_MS.store(0, Relaxed);
        let took = started.elapsed();
        if took > longest {
            longest = took;
            longest_desc = format!("{kind}: {}", shorten(&bytes, 300));
        }
        iterations += 1;
        let reads = match target.as_str() {
            "state" => State::from_bytes(&bytes).is_ok(),
            _ => plan::file::from_bytes(&bytes).is_ok(),
        };
        decoded += u64::from(reads);
        if result.is_err() {
            panics += 1;
            let _ = std::fs::create_dir_all(&findings);
            let _ = std::fs::write(findings.join(format!("{target}-{iterations}")), &bytes);
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            eprintln!(
                "... {iterations} iterations ({decoded} decoded), {panics} panics, longest {} ms",
                longest.as_millis()
            );
            last_report = Instant::now();
        }
    }

    eprintln!("slowest input: {longest_desc}");
    let recorded = PANICS.lock().map(|p| p.len()).unwrap_or(0);
    if recorded > 0 {
        eprintln!("{recorded} panic(s) recorded, inputs kept in {}", findings.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    println!(
        "target {target}: iterations {iterations} ({decoded} decoded, {} engine runs on fuzz_thing objects), panics {panics}, longest input ms {}",
        MET.load(Relaxed),
        longest.as_millis()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
