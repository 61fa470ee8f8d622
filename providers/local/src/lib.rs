//! The embedded `local` provider: a simulated cloud of clusters and node pools
//! that needs no credentials, kept in files so that it behaves like a real one
//! across runs. Its resource arguments mirror `aws_eks_cluster` and
//! `aws_eks_node_group`, so a configuration moves to AWS with few changes.

pub mod calls;
pub mod cluster;
pub mod describe;
pub mod faults;
pub mod network;
pub mod sim;
mod token_log;

use gantry_core::analysis::describe::Description;
use gantry_core::catalog::{catalog, SPOT_PRICE_FACTOR};
use gantry_core::provider::{
    plan_by_schema, ApplyRequest, AttributeSchema as A, BlockSchema, ConfigureRequest, FindRequest, IdentityRequest,
    ImportRequest, NestedBlock, Nesting, PlanRequest, PlanResponse, Provider, ProviderError, ProviderFactory,
    ReadRequest, Schema, ValidateRequest,
};
use gantry_core::redact::{shown, shown_text};
use gantry_core::types::Type;
use gantry_core::value::{quote, PathStep, Value};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

pub use cluster::KubernetesSimulator;
pub use sim::Sim;

pub struct LocalFactory;

impl LocalFactory {
    pub fn arc() -> Arc<dyn ProviderFactory> {
        Arc::new(LocalFactory)
    }
}

impl ProviderFactory for LocalFactory {
    fn name(&self) -> &str {
        "local"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        // Faults and retries wrap the simulator's calls (`calls`), so its resource code stays plain.
        Box::new(calls::LocalCalls::default())
    }
    fn describe(&self, type_name: &str, value: &Value) -> Option<Description> {
        match type_name {
            "local_node_pool" => describe::pool(value).map(Description::Pool),
            _ => None,
        }
    }
}

fn str_list() -> Type {
    Type::List(Box::new(Type::String))
}

/// The provider's schema, built once.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let provider = BlockSchema::default()
            .attr(
                "latency",
                A::optional(Type::String).describe("Delay added to every create, update and delete, e.g. \"200ms\"."),
            )
            .block("retry", gantry_core::retry::RetryPolicy::schema_block())
            .block("faults", faults::schema_block());
        let cluster = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("version", A::optional_computed(Type::String))
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("endpoint", A::computed(Type::String))
            .attr("status", A::computed(Type::String));
        let scaling = BlockSchema::default()
            .attr("min_size", A::required(Type::Number))
            .attr("max_size", A::required(Type::Number))
            .attr("desired_size", A::required(Type::Number));
        let gpu =
            BlockSchema::default().attr("model", A::required(Type::String)).attr("count", A::required(Type::Number));
        let taint = BlockSchema::default()
            .attr("key", A::required(Type::String))
            .attr("value", A::optional(Type::String))
            .attr("effect", A::required(Type::String));
        let pool = BlockSchema::default()
            .attr("cluster_name", A::required(Type::String).force_new())
            .attr("node_group_name", A::required(Type::String).force_new())
            .attr("instance_types", A::optional_computed(str_list()).force_new())
            .attr("capacity_type", A::optional_computed(Type::String).force_new())
            .attr("labels", A::optional(Type::Map(Box::new(Type::String))))
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("status", A::computed(Type::String))
            .attr("instance_type", A::computed(Type::String))
            .attr(
                "hourly_cost_usd",
                A::computed(Type::Number)
                    .describe("Price of the desired nodes per hour: on-demand, or the spot estimate for SPOT pools."),
            )
            .block(
                "scaling_config",
                NestedBlock {
                    nesting: Nesting::Single,
                    block: scaling,
                    min_items: 1,
                    max_items: Some(1),
                    force_new: false,
                },
            )
            .block(
                "gpu",
                NestedBlock { nesting: Nesting::Single, block: gpu, min_items: 0, max_items: Some(1), force_new: true },
            )
            .block(
                "taint",
                NestedBlock {
                    nesting: Nesting::List,
                    block: taint,
                    min_items: 0,
                    max_items: Some(50),
                    force_new: false,
                },
            );
        let mut s = Schema { provider, ..Default::default() };
        s.resources.insert("local_cluster".into(), cluster);
        s.resources.insert("local_node_pool".into(), pool);
        s.resources.insert(network::TYPE.into(), network::schema());
        s
    })
}

#[derive(Default)]
pub struct LocalProvider {
    state: RwLock<Option<Configured>>,
}

#[derive(Clone)]
struct Configured {
    sim: Sim,
    latency: Duration,
}

/// Parses "200ms", "1.5s", "2m".
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("\"{s}\" is not a duration; write e.g. \"200ms\" or \"2s\""))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        _ => return Err(format!("\"{s}\" has an unknown unit; use ms, s or m")),
    };
    if !(0.0..=3600.0).contains(&secs) {
        return Err(format!("\"{s}\" is out of range (0 to 1h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Runs simulator file I/O on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ProviderError> + Send + 'static,
) -> Result<T, ProviderError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(err("Simulator call failed", format!("the simulator's worker failed: {e}"))))
}

fn err(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string()
}

impl LocalProvider {
    fn configured(&self) -> Result<Configured, ProviderError> {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| err("Provider not configured", "the local provider was used before it was configured"))
    }

    /// The simulated cloud's side of an apply: blocking file I/O.
    fn apply_blocking(c: &Configured, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let fail = |e: String| err("Simulator write failed", e);
        match (req.type_name, req.planned) {
            ("local_cluster", None) => {
                let prior = req.prior.cloned().unwrap_or_default();
                let name = s(&prior, "name");
                if !c.sim.pools(&name).is_empty() {
                    return Err(err(
                        "Cluster has node pools",
                        format!("cluster \"{name}\" still has node pools; delete them first"),
                    ));
                }
                c.sim.delete_cluster(&name).map_err(fail)?;
                Ok(None)
            }
            ("local_cluster", Some(planned)) => {
                let name = s(planned, "name");
                let mut v = planned.clone().deep_unmarked();
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), Value::string(name.clone()));
                    m.insert("arn".into(), Value::string(format!("arn:gantry:local:cluster/{name}")));
                    m.insert("endpoint".into(), Value::string(format!("https://{name}.local.gantry.invalid")));
                    m.insert("status".into(), Value::string("ACTIVE"));
                }
                c.sim.put_cluster(&name, &v).map_err(fail)?;
                Ok(Some(v))
            }
            ("local_node_pool", None) => {
                let _scheduling = c.sim.schedule_lock();
                let prior = req.prior.cloned().unwrap_or_default();
                let cluster = s(&prior, "cluster_name");
                c.sim.delete_pool(&cluster, &s(&prior, "node_group_name")).map_err(fail)?;
                c.sim.reschedule(&cluster).map_err(fail)?;
                Ok(None)
            }
            ("local_node_pool", Some(planned)) => {
                let _scheduling = c.sim.schedule_lock();
                let cluster = s(planned, "cluster_name");
                let name = s(planned, "node_group_name");
                if c.sim.get_cluster(&cluster).map_err(fail)?.is_none() {
                    return Err(err(
                        "Cluster not found",
                        format!("node pool \"{name}\" names cluster \"{cluster}\", which does not exist; create it first or fix cluster_name"),
                    ));
                }
                let mut v = planned.clone().deep_unmarked();
                if let Value::Object(m) = &mut v {
                    m.insert("id".into(), Value::string(format!("{cluster}:{name}")));
                    m.insert("arn".into(), Value::string(format!("arn:gantry:local:nodegroup/{cluster}/{name}")));
                    m.insert("status".into(), Value::string("ACTIVE"));
                }
                c.sim.put_pool(&cluster, &name, &v).map_err(fail)?;
                c.sim.reschedule(&cluster).map_err(fail)?;
                Ok(Some(v))
            }
            (network::TYPE, None) => network::delete(&c.sim, req.prior.unwrap_or(&Value::Null)).map(|()| None),
            (network::TYPE, Some(planned)) => match req.prior {
                Some(prior) => network::update(&c.sim, prior, planned).map(Some),
                None => network::create(&c.sim, planned, req.identity).map(Some),
            },
            (other, _) => Err(err("Unknown resource type", other.to_string())),
        }
    }

    /// Resolves the instance type: explicit `instance_types[0]`, or the cheapest type with the asked GPUs.
    fn instance_type(config: &Value) -> Result<Option<String>, ProviderError> {
        if let Some(types) = config.get("instance_types").and_then(|t| t.as_list()) {
            if let Some(first) = types.first() {
                return Ok(first.as_str().map(str::to_string));
            }
        }
        match config.get("gpu") {
            Some(gpu) if gpu.as_object().is_some() => {
                let model = s(gpu, "model");
                let count = gpu.get("count").and_then(|c| c.as_f64()).unwrap_or(0.0) as u32;
                match catalog().cheapest_gpu(&model, count) {
                    Some(t) => Ok(Some(t.name.clone())),
                    None => Err(err(
                        "No instance type matches",
                        format!(
                            "no instance type in the catalogue has exactly {count} × {model}.{} GPU models: {}",
                            {
                                let models = catalog().gpu_models();
                                let close = gantry_core::diag::suggest(
                                    &format!("nvidia-{}", model.to_lowercase()),
                                    models.iter().copied(),
                                )
                                .or_else(|| gantry_core::diag::suggest(&model.to_lowercase(), models.iter().copied()));
                                close.map(|c| format!(" Did you mean \"{c}\"?")).unwrap_or_default()
                            },
                            catalog().gpu_models().join(", ")
                        ),
                    )
                    .at(vec![PathStep::Key("gpu".into()), PathStep::Key("model".into())])),
                }
            }
            _ => Ok(None),
        }
    }
}

#[async_trait::async_trait]
impl Provider for LocalProvider {
    fn schema(&self) -> &Schema {
        schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        let latency = match req.config.get("latency").and_then(|l| l.as_str()) {
            Some(l) => parse_duration(l).map_err(|e| err("Invalid latency", e))?,
            None => Duration::ZERO,
        };
        let sim = Sim::new(&req.working_dir);
        sim.remove_stale_temporaries();
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = Some(Configured { sim, latency });
        Ok(())
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        let c = req.config;
        if req.type_name != "local_node_pool" {
            return out;
        }
        let has_types = c.get("instance_types").and_then(|t| t.as_list()).is_some_and(|l| !l.is_empty());
        let has_gpu = c.get("gpu").is_some_and(|g| !g.is_null());
        if !has_types && !has_gpu && !c.get("instance_types").is_some_and(|v| *v == Value::Unknown) {
            out.push(err(
                "Missing instance type",
                "set instance_types = [\"m6i.xlarge\"] or a gpu { model, count } block",
            ));
        }
        // Values keep their marks here; a sensitive one is named `(sensitive value)` and gets no
        // "Did you mean", which would give away a close catalogue entry.
        if let Some(list) = c.get("instance_types") {
            let hidden = list.contains_sensitive();
            for name in list.as_list().into_iter().flatten().filter_map(Value::as_str) {
                if catalog().get(name).is_none() {
                    let hint = match catalog().suggest(name) {
                        Some(s) if !hidden => format!(" Did you mean \"{s}\"?"),
                        _ => String::new(),
                    };
                    let shown = shown_text(quote(name), hidden);
                    out.push(
                        err("Unknown instance type", format!("{shown} is not in the instance catalogue.{hint}"))
                            .at(vec![PathStep::Key("instance_types".into())]),
                    );
                }
            }
        }
        if has_gpu {
            if let Err(e) = Self::instance_type(&c.clone().deep_unmarked()) {
                if c.get("gpu").is_some_and(Value::contains_sensitive) {
                    out.push(
                        err(
                            "No instance type matches",
                            "no instance type in the catalogue has the GPUs of this (sensitive) gpu block",
                        )
                        .at(vec![PathStep::Key("gpu".into())]),
                    );
                } else if !c.contains_unknown() {
                    out.push(e);
                }
            }
        }
        if let Some(ct) = c.get("capacity_type").filter(|v| v.as_str().is_some()) {
            if !matches!(ct.as_str(), Some("ON_DEMAND" | "SPOT")) {
                out.push(
                    err("Invalid capacity_type", format!("{} must be ON_DEMAND or SPOT", shown(ct)))
                        .at(vec![PathStep::Key("capacity_type".into())]),
                );
            }
        }
        if let Some(sc) = c.get("scaling_config") {
            let n = |k: &str| sc.get(k).and_then(|v| v.as_f64());
            if let (Some(min), Some(max), Some(desired)) = (n("min_size"), n("max_size"), n("desired_size")) {
                if !(min <= desired && desired <= max) || min < 0.0 {
                    let got = |k: &str| sc.get(k).map(shown).unwrap_or_default();
                    out.push(
                        err(
                            "Invalid scaling_config",
                            format!(
                                "need 0 ≤ min_size ≤ desired_size ≤ max_size, got {} ≤ {} ≤ {}",
                                got("min_size"),
                                got("desired_size"),
                                got("max_size")
                            ),
                        )
                        .at(vec![PathStep::Key("scaling_config".into())]),
                    );
                }
            }
        }
        for (i, t) in c.get("taint").and_then(|t| t.as_list()).cloned().unwrap_or_default().iter().enumerate() {
            let effect = s(t, "effect");
            if !effect.is_empty() && !["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"].contains(&effect.as_str()) {
                out.push(
                    err(
                        "Invalid taint effect",
                        format!(
                            "{} must be NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE (AWS spelling)",
                            t.get("effect").map(shown).unwrap_or_default()
                        ),
                    )
                    .at(vec![
                        PathStep::Key("taint".into()),
                        PathStep::Index(i),
                        PathStep::Key("effect".into()),
                    ]),
                );
            }
        }
        out
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.configured()?;
        let st = req.state;
        let r = match req.type_name {
            "local_cluster" => c.sim.get_cluster(&s(st, "name")),
            "local_node_pool" => c.sim.get_pool(&s(st, "cluster_name"), &s(st, "node_group_name")),
            network::TYPE => return network::read(&c.sim, st),
            other => return Err(err("Unknown resource type", other.to_string())),
        };
        r.map_err(|e| err("Simulator read failed", e))
    }

    fn create_identity(&self, req: IdentityRequest<'_>) -> serde_json::Value {
        match req.type_name {
            network::TYPE => network::identity(req.address, req.lineage, req.token),
            _ => serde_json::Value::Null,
        }
    }

    async fn find(&self, req: FindRequest<'_>) -> Result<Option<Value>, ProviderError> {
        match req.type_name {
            network::TYPE => Ok(network::find(&self.configured()?.sim, req.identity)),
            _ => self.read(ReadRequest { type_name: req.type_name, state: req.planned }).await,
        }
    }

    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let schema = &schema().resources[req.type_name];
        let mut config = req.config.clone();
        if req.type_name == "local_cluster" && config.get("version").is_some_and(|v| v.is_null()) {
            if let Value::Object(m) = &mut config {
                m.insert("version".into(), Value::string("1.31"));
            }
        }
        if req.type_name == "local_node_pool" {
            if let Value::Object(m) = &mut config {
                if m.get("capacity_type").is_none_or(|v| v.is_null()) {
                    m.insert("capacity_type".into(), Value::string("ON_DEMAND"));
                }
            }
        }
        let mut resp = plan_by_schema(schema, req.prior, &config);
        if req.type_name == "local_node_pool" && !config.contains_unknown() {
            let plain = config.clone().deep_unmarked();
            let instance_type = Self::instance_type(&plain)?;
            if let (Value::Object(m), Some(t)) = (&mut resp.planned, instance_type) {
                let on_demand = catalog().get(&t).map(|i| i.on_demand_hourly_usd).unwrap_or(0.0);
                // Spot pools are priced with the same estimate the plan's cost analysis uses.
                let spot = plain.get("capacity_type").and_then(|c| c.as_str()) == Some("SPOT");
                let price = if spot { on_demand * SPOT_PRICE_FACTOR } else { on_demand };
                let desired = plain
                    .get("scaling_config")
                    .and_then(|s| s.get("desired_size"))
                    .and_then(|d| d.as_f64())
                    .unwrap_or(0.0);
                if m.get("instance_types").is_some_and(|v| v.is_null() || *v == Value::Unknown) {
                    m.insert("instance_types".into(), Value::List(vec![Value::string(t.clone())]));
                }
                m.insert("instance_type".into(), Value::string(t));
                m.insert("hourly_cost_usd".into(), Value::from_f64((price * desired * 1e4).round() / 1e4));
            }
        }
        Ok(resp)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.configured()?;
        let latency = c.latency;
        // The latency is how long the simulated cloud takes to answer. It makes the change
        // halfway through, so that a run stopped in the first half finds nothing made and one
        // stopped in the second half finds the object made but unrecorded, and its own
        // bookkeeping on this machine's disk happens within that time, as a cloud's does,
        // not after it.
        let first_half = latency / 2;
        if !first_half.is_zero() {
            tokio::time::sleep(first_half).await;
        }
        // The simulator's writes are blocking file I/O; on the runtime's few worker threads
        // they would hold up every other change, so that parallelism never reached the disk.
        let (type_name, prior, planned, config) =
            (req.type_name.to_string(), req.prior.cloned(), req.planned.cloned(), req.config.clone());
        let identity = req.identity.cloned();
        let work = blocking(move || {
            Self::apply_blocking(
                &c,
                ApplyRequest {
                    type_name: &type_name,
                    prior: prior.as_ref(),
                    planned: planned.as_ref(),
                    config: &config,
                    identity: identity.as_ref(),
                },
            )
        });
        if latency.is_zero() {
            return work.await;
        }
        let (result, ()) = tokio::join!(work, tokio::time::sleep(latency - first_half));
        result
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.configured()?;
        let r = match req.type_name {
            "local_cluster" => c.sim.get_cluster(req.id),
            "local_node_pool" => match req.id.split_once(':') {
                Some((cluster, pool)) => c.sim.get_pool(cluster, pool),
                None => return Err(err("Invalid import ID", "a node pool is imported as CLUSTER:POOL")),
            },
            network::TYPE => return network::read(&c.sim, &Value::object([("id", Value::string(req.id))])),
            other => return Err(err("Unknown resource type", other.to_string())),
        };
        r.map_err(|e| err("Simulator read failed", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("5h").is_err());
    }

    #[tokio::test]
    async fn gpu_pool_resolves_cheapest_type_and_cost() {
        let p = LocalProvider::default();
        let dir = tempfile::tempdir().unwrap();
        p.configure(ConfigureRequest {
            config: Value::object([("latency", Value::Null)]),
            working_dir: dir.path().into(),
        })
        .await
        .unwrap();
        let config = Value::object([
            ("cluster_name", Value::string("ml")),
            ("node_group_name", Value::string("gpu")),
            ("instance_types", Value::Null),
            ("capacity_type", Value::Null),
            ("labels", Value::Null),
            ("gpu", Value::object([("model", Value::string("a10g")), ("count", Value::number(1))])),
            (
                "scaling_config",
                Value::object([
                    ("min_size", Value::number(0)),
                    ("max_size", Value::number(2)),
                    ("desired_size", Value::number(2)),
                ]),
            ),
            ("taint", Value::List(vec![])),
        ]);
        let plan = p.plan(PlanRequest { type_name: "local_node_pool", prior: None, config: &config }).await.unwrap();
        assert_eq!(plan.planned.get("instance_type"), Some(&Value::string("g5.xlarge")));
        let price = catalog().get("g5.xlarge").unwrap().on_demand_hourly_usd;
        assert_eq!(
            plan.planned.get("hourly_cost_usd").and_then(|v| v.as_f64()),
            Some((price * 2.0 * 1e4).round() / 1e4)
        );
    }
}
