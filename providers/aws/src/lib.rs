//! The `aws` provider: VPC networking, IAM roles, EKS clusters and managed node
//! groups, and S3 buckets, through aws-sdk-rust; the `s3` state backend
//! ([`backend::S3Store`]); and the `aws_kms` key provider for state and plan encryption
//! ([`kms::KmsKeyProviderFactory`]).
//!
//! Resource types, argument names and block shapes follow Terraform's AWS provider so
//! that configurations port with few changes; the differences are listed in
//! `docs/providers/aws.md`.

pub mod backend;
mod call_log;
mod data;
mod describe;
mod ec2;
mod eks;
mod iam;
mod identity;
pub mod kms;
mod retries;
mod s3;
pub mod util;

use gantry_core::provider::{
    plan_by_schema, ApplyRequest, AttributeSchema as A, BlockSchema, ConfigureRequest, FindRequest, IdentityRequest,
    ImportRequest, NestedBlock, Nesting, PlanRequest, PlanResponse, Provider, ProviderError, ProviderFactory,
    ReadDataRequest, ReadRequest, Schema, ValidateRequest,
};
use gantry_core::redact::shown;
use gantry_core::types::Type;
use gantry_core::value::{PathStep, Value};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use util::*;

pub struct AwsFactory;

impl AwsFactory {
    pub fn arc() -> Arc<dyn ProviderFactory> {
        Arc::new(AwsFactory)
    }
}

impl ProviderFactory for AwsFactory {
    fn name(&self) -> &str {
        "aws"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(AwsProvider::default())
    }
    fn describe(&self, type_name: &str, value: &Value) -> Option<gantry_core::analysis::describe::Description> {
        match type_name {
            "aws_eks_node_group" => describe::node_group(value).map(gantry_core::analysis::describe::Description::Pool),
            _ => None,
        }
    }
}

fn str_list() -> Type {
    Type::List(Box::new(Type::String))
}
fn str_map() -> Type {
    Type::Map(Box::new(Type::String))
}
fn single(block: BlockSchema, min: usize) -> NestedBlock {
    NestedBlock { nesting: Nesting::Single, block, min_items: min, max_items: Some(1), force_new: false }
}

/// The provider's schema, built once.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let endpoints = BlockSchema::default()
            .attr("ec2", A::optional(Type::String))
            .attr("eks", A::optional(Type::String))
            .attr("iam", A::optional(Type::String))
            .attr("s3", A::optional(Type::String))
            .attr("sts", A::optional(Type::String));
        let provider = BlockSchema::default()
            .attr("region", A::optional(Type::String).describe("AWS region; from the standard chain (AWS_REGION, profile) when unset."))
            .attr("profile", A::optional(Type::String).describe("Named profile from the shared config files."))
            .attr("endpoint_url", A::optional(Type::String).describe("Send every service's requests to this endpoint (an emulator, a proxy)."))
            .attr("s3_use_path_style", A::optional(Type::Bool).describe("Path-style S3 addressing; on by default when endpoint_url is set."))
            .attr("max_retries", A::optional(Type::Number).describe("Attempts for throttled or failed (5xx) requests, with exponential backoff; default 10."))
            .attr("poll_interval", A::optional(Type::String).describe("How often to check a cluster or node group that is changing; default \"10s\"."))
            .block("endpoints", single(endpoints, 0))
            .block("retry", gantry_core::retry::RetryPolicy::schema_block());
        let tags = || A::optional_computed(str_map());

        let vpc = BlockSchema::default()
            .attr("cidr_block", A::required(Type::String).force_new())
            .attr("enable_dns_support", A::optional_computed(Type::Bool))
            .attr("enable_dns_hostnames", A::optional_computed(Type::Bool))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String));
        let subnet = BlockSchema::default()
            .attr("vpc_id", A::required(Type::String).force_new())
            .attr("cidr_block", A::required(Type::String).force_new())
            .attr("availability_zone", A::optional_computed(Type::String).force_new())
            .attr("map_public_ip_on_launch", A::optional_computed(Type::Bool))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String));
        let sg = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("description", A::optional_computed(Type::String).force_new())
            .attr("vpc_id", A::required(Type::String).force_new())
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String));
        let role = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("assume_role_policy", A::required(Type::Any).describe("JSON text (jsonencode) or an HCL object."))
            .attr("description", A::optional_computed(Type::String))
            .attr("path", A::optional_computed(Type::String).force_new())
            .attr("max_session_duration", A::optional_computed(Type::Number))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("unique_id", A::computed(Type::String));
        let attachment = BlockSchema::default()
            .attr("role", A::required(Type::String).force_new())
            .attr("policy_arn", A::required(Type::String).force_new())
            .attr("id", A::computed(Type::String));
        let vpc_config = BlockSchema::default()
            .attr("subnet_ids", A::required(str_list()).force_new())
            .attr("security_group_ids", A::optional_computed(str_list()).force_new())
            .attr("endpoint_public_access", A::optional_computed(Type::Bool))
            .attr("endpoint_private_access", A::optional_computed(Type::Bool))
            .attr("cluster_security_group_id", A::computed(Type::String))
            .attr("vpc_id", A::computed(Type::String));
        let cluster = BlockSchema::default()
            .attr("name", A::required(Type::String).force_new())
            .attr("role_arn", A::required(Type::String).force_new())
            .attr("version", A::optional_computed(Type::String))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("endpoint", A::computed(Type::String))
            .attr("status", A::computed(Type::String))
            .attr("platform_version", A::computed(Type::String))
            .attr("certificate_authority", A::computed(Type::Any).describe("A list of one object with `data` (base64 PEM), as in Terraform."))
            .block("vpc_config", single(vpc_config, 1));
        let scaling = BlockSchema::default()
            .attr("min_size", A::required(Type::Number))
            .attr("max_size", A::required(Type::Number))
            .attr(
                "desired_size",
                A::optional_computed(Type::Number)
                    .describe("Unset: starts at min_size and whatever an autoscaler sets later is kept (not drift). Set: Gantry holds it."),
            );
        let taint = BlockSchema::default()
            .attr("key", A::required(Type::String))
            .attr("value", A::optional(Type::String))
            .attr("effect", A::required(Type::String));
        let update_config = BlockSchema::default()
            .attr("max_unavailable", A::optional_computed(Type::Number))
            .attr("max_unavailable_percentage", A::optional(Type::Number));
        let node_group = BlockSchema::default()
            .attr("cluster_name", A::required(Type::String).force_new())
            .attr("node_group_name", A::required(Type::String).force_new())
            .attr("node_role_arn", A::required(Type::String).force_new())
            .attr("subnet_ids", A::required(str_list()).force_new())
            .attr("instance_types", A::optional_computed(str_list()).force_new())
            .attr("ami_type", A::optional_computed(Type::String).force_new())
            .attr("capacity_type", A::optional_computed(Type::String).force_new())
            .attr("disk_size", A::optional_computed(Type::Number).force_new())
            .attr("version", A::optional_computed(Type::String))
            .attr("labels", A::optional(str_map()))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("status", A::computed(Type::String))
            .block("scaling_config", single(scaling, 1))
            .block("update_config", single(update_config, 0))
            .block("taint", NestedBlock { nesting: Nesting::List, block: taint, min_items: 0, max_items: Some(50), force_new: false });
        let versioning = BlockSchema::default().attr("enabled", A::optional_computed(Type::Bool));
        let bucket = BlockSchema::default()
            .attr("bucket", A::required(Type::String).force_new())
            .attr("force_destroy", A::optional_computed(Type::Bool).describe("Delete every object (and version) when the bucket is destroyed."))
            .attr("tags", tags())
            .attr("id", A::computed(Type::String))
            .attr("arn", A::computed(Type::String))
            .attr("region", A::computed(Type::String))
            .block("versioning", single(versioning, 0));

        let azs = BlockSchema::default()
            .attr("state", A::optional(Type::String))
            .attr("names", A::computed(str_list()))
            .attr("zone_ids", A::computed(str_list()))
            .attr("id", A::computed(Type::String));
        let itype = BlockSchema::default()
            .attr("instance_type", A::required(Type::String))
            .attr("default_vcpus", A::computed(Type::Number))
            .attr("memory_size", A::computed(Type::Number).describe("MiB"))
            .attr("gpus", A::computed(Type::Any).describe("List of { name, manufacturer, count, memory_size (MiB) }."))
            .attr("total_gpu_memory", A::computed(Type::Number).describe("MiB"))
            .attr("id", A::computed(Type::String));

        let mut s = Schema { provider, ..Default::default() };
        s.resources.insert("aws_vpc".into(), vpc);
        s.resources.insert("aws_subnet".into(), subnet);
        s.resources.insert("aws_security_group".into(), sg);
        s.resources.insert("aws_iam_role".into(), role);
        s.resources.insert("aws_iam_role_policy_attachment".into(), attachment);
        s.resources.insert("aws_eks_cluster".into(), cluster);
        s.resources.insert("aws_eks_node_group".into(), node_group);
        s.resources.insert("aws_s3_bucket".into(), bucket);
        s.data_sources.insert("aws_availability_zones".into(), azs);
        s.data_sources.insert("aws_ec2_instance_type".into(), itype);
        s
    })
}

/// The SDK clients of one configured provider.
#[derive(Clone)]
pub(crate) struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub eks: aws_sdk_eks::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub region: String,
    pub poll: Duration,
}

#[derive(Default)]
pub struct AwsProvider {
    clients: RwLock<Option<Clients>>,
}

/// Connection settings shared by the provider and the S3 backend.
#[derive(Debug, Default, Clone)]
pub struct Connection {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_retries: Option<u32>,
    /// The `retry` block; when given it replaces `max_retries` and bounds each call's time.
    pub retry: Option<gantry_core::retry::RetryPolicy>,
}

/// Loads credentials and region from the standard chain (environment, profile, web
/// identity, container and instance metadata), with the overrides given.
pub async fn sdk_config(c: &Connection) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    loader = match &c.retry {
        Some(policy) => {
            loader.retry_config(retries::retry_config(policy)).timeout_config(retries::timeout_config(policy))
        }
        None => loader.retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(c.max_retries.unwrap_or(10).max(1)),
        ),
    };
    if let Some(r) = &c.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &c.profile {
        loader = loader.profile_name(p);
    }
    if let Some(e) = &c.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

/// Parses "500ms", "10s", "2m".
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().map_err(|_| format!("\"{t}\" is not a duration; write e.g. \"10s\""))?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" | "" => v,
        "m" => v * 60.0,
        _ => return Err(format!("\"{t}\" has an unknown unit; use ms, s or m")),
    };
    Ok(Duration::from_secs_f64(secs.clamp(0.0, 3600.0)))
}

impl AwsProvider {
    pub(crate) fn clients(&self) -> Result<Clients, ProviderError> {
        self.clients
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| err("Provider not configured", "the aws provider was used before it was configured"))
    }
}

#[async_trait::async_trait]
impl Provider for AwsProvider {
    fn schema(&self) -> &Schema {
        schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        let c = req.config.clone().deep_unmarked();
        let conn = Connection {
            region: s(&c, "region"),
            profile: s(&c, "profile"),
            endpoint_url: s(&c, "endpoint_url"),
            max_retries: n(&c, "max_retries").map(|v| v as u32),
            retry: retries::policy(&c)?,
        };
        let poll = match s(&c, "poll_interval") {
            Some(p) => parse_duration(&p).map_err(|e| err("Invalid poll_interval", e))?,
            None => Duration::from_secs(10),
        };
        let sdk = sdk_config(&conn).await;
        let Some(region) = sdk.region().map(|r| r.to_string()) else {
            return Err(err(
                "No AWS region",
                "set region in the provider \"aws\" block, or AWS_REGION / a profile's region",
            ));
        };
        let endpoints = c.get("endpoints").cloned().unwrap_or(Value::Null);
        let ep = |name: &str| s(&endpoints, name);
        let mut ec2 = aws_sdk_ec2::config::Builder::from(&sdk).interceptor(call_log::CallLog);
        if let Some(e) = ep("ec2") {
            ec2 = ec2.endpoint_url(e);
        }
        let mut eks = aws_sdk_eks::config::Builder::from(&sdk).interceptor(call_log::CallLog);
        if let Some(e) = ep("eks") {
            eks = eks.endpoint_url(e);
        }
        let mut iam = aws_sdk_iam::config::Builder::from(&sdk).interceptor(call_log::CallLog);
        if let Some(e) = ep("iam") {
            iam = iam.endpoint_url(e);
        }
        let path_style = b(&c, "s3_use_path_style").unwrap_or(conn.endpoint_url.is_some() || ep("s3").is_some());
        let mut s3 =
            aws_sdk_s3::config::Builder::from(&sdk).force_path_style(path_style).interceptor(call_log::CallLog);
        if let Some(e) = ep("s3") {
            s3 = s3.endpoint_url(e);
        }
        let clients = Clients {
            ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
            eks: aws_sdk_eks::Client::from_conf(eks.build()),
            iam: aws_sdk_iam::Client::from_conf(iam.build()),
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            region,
            poll,
        };
        *self.clients.write().unwrap_or_else(|e| e.into_inner()) = Some(clients);
        Ok(())
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        let c = req.config;
        let mut out = Vec::new();
        if req.type_name == "aws_eks_node_group" {
            // Values keep their marks here, so `shown` can hide a sensitive one.
            if let Some(ct) = c.get("capacity_type").filter(|v| v.as_str().is_some()) {
                if !matches!(ct.as_str(), Some("ON_DEMAND" | "SPOT" | "CAPACITY_BLOCK")) {
                    out.push(
                        err(
                            "Invalid capacity_type",
                            format!("{} must be ON_DEMAND, SPOT or CAPACITY_BLOCK", shown(ct)),
                        )
                        .at(vec![PathStep::Key("capacity_type".into())]),
                    );
                }
            }
            if let Some(sc) = c.get("scaling_config") {
                if let (Some(min), Some(max)) = (n(sc, "min_size"), n(sc, "max_size")) {
                    let desired = n(sc, "desired_size").unwrap_or(min);
                    if !(0.0 <= min && min <= desired && desired <= max && max >= 1.0) {
                        let got = |k: &str| sc.get(k).filter(|v| !v.is_null()).map(shown);
                        let min = got("min_size").unwrap_or_default();
                        let desired = got("desired_size").unwrap_or_else(|| min.clone());
                        let max = got("max_size").unwrap_or_default();
                        out.push(
                            err("Invalid scaling_config", format!("need 0 ≤ min_size ≤ desired_size ≤ max_size and max_size ≥ 1, got {min} ≤ {desired} ≤ {max}"))
                                .at(vec![PathStep::Key("scaling_config".into())]),
                        );
                    }
                }
            }
            for (i, t) in c.get("taint").and_then(|t| t.as_list()).cloned().unwrap_or_default().iter().enumerate() {
                if let Some(effect) = s(t, "effect") {
                    if !["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"].contains(&effect.as_str()) {
                        out.push(
                            err(
                                "Invalid taint effect",
                                format!(
                                    "{} must be NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE",
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
            }
        }
        out
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.clients()?;
        read_any(&c, req.type_name, req.state).await
    }

    fn create_identity(&self, req: IdentityRequest<'_>) -> serde_json::Value {
        identity::create_identity(req.type_name, req.address, req.lineage, req.token)
    }

    async fn find(&self, req: FindRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.clients()?;
        identity::find(&c, req.type_name, req.identity, &req.planned.clone().deep_unmarked()).await
    }

    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let Some(schema) = schema().resources.get(req.type_name) else {
            return Err(err("Unknown resource type", req.type_name.to_string()));
        };
        let mut config = req.config.clone();
        match req.type_name {
            "aws_iam_role" => iam::normalize_role_config(&mut config, req.prior),
            "aws_eks_node_group" => eks::normalize_node_group_config(&mut config),
            "aws_s3_bucket" => {
                if !is_set(&config, "force_destroy") && config.get("force_destroy").is_some_and(|v| v.is_null()) {
                    set(&mut config, "force_destroy", Value::Bool(false));
                }
                // No versioning block means versioning off, which is also what AWS reports for a new bucket.
                if config.get("versioning").is_some_and(|v| v.is_null()) {
                    set(&mut config, "versioning", obj(vec![("enabled", Value::Bool(false))]));
                }
            }
            _ => {}
        }
        let mut resp = plan_by_schema(schema, req.prior, &config);
        if resp.requires_replace.is_empty() {
            if let Some(prior) = req.prior {
                keep_prior_nulls(schema, &mut resp.planned, prior);
            }
        }
        if resp.requires_replace.is_empty() {
            if let Some(prior) = req.prior {
                keep_prior_nulls(schema, &mut resp.planned, prior);
            }
        }
        if req.type_name == "aws_eks_node_group" {
            let prior = if resp.requires_replace.is_empty() { req.prior } else { None };
            eks::fix_node_group_plan(&mut resp.planned, prior, &config);
        }
        Ok(resp)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.clients()?;
        let planned = req.planned.map(|p| p.clone().deep_unmarked());
        let prior = req.prior.map(|p| p.clone().deep_unmarked());
        match (req.type_name, prior.as_ref(), planned.as_ref()) {
            (t, Some(prior), None) => delete_any(&c, t, prior).await.map(|_| None),
            (t, None, Some(planned)) => create_any(&c, t, planned, req.identity).await.map(Some),
            (t, Some(prior), Some(planned)) => update_any(&c, t, prior, planned).await.map(Some),
            (_, None, None) => Ok(None),
        }
    }

    async fn read_data(&self, req: ReadDataRequest<'_>) -> Result<Value, ProviderError> {
        let c = self.clients()?;
        let config = req.config.clone().deep_unmarked();
        match req.type_name {
            "aws_availability_zones" => data::availability_zones(&c, &config).await,
            "aws_ec2_instance_type" => data::instance_type(&c, &config).await,
            other => Err(err("Unknown data source", other.to_string())),
        }
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let c = self.clients()?;
        let id = req.id;
        let state = match req.type_name {
            "aws_vpc" | "aws_subnet" | "aws_security_group" => obj(vec![("id", vs(id))]),
            "aws_iam_role" => obj(vec![("name", vs(id))]),
            "aws_iam_role_policy_attachment" => match id.split_once('/') {
                Some((role, arn)) => obj(vec![("role", vs(role)), ("policy_arn", vs(arn))]),
                None => return Err(err("Invalid import ID", "an attachment is imported as ROLE_NAME/POLICY_ARN")),
            },
            "aws_eks_cluster" => obj(vec![("name", vs(id))]),
            "aws_eks_node_group" => match id.split_once(':') {
                Some((cluster, ng)) => obj(vec![("cluster_name", vs(cluster)), ("node_group_name", vs(ng))]),
                None => {
                    return Err(err("Invalid import ID", "a node group is imported as CLUSTER_NAME:NODE_GROUP_NAME"))
                }
            },
            "aws_s3_bucket" => obj(vec![("bucket", vs(id))]),
            other => return Err(err("Unknown resource type", other.to_string())),
        };
        read_any(&c, req.type_name, &state).await
    }
}

/// A computed attribute that AWS leaves empty stays empty: without this it would be
/// "known after apply" on every plan.
fn keep_prior_nulls(schema: &BlockSchema, planned: &mut Value, prior: &Value) {
    let Value::Object(m) = planned else { return };
    for (name, attr) in &schema.attributes {
        if attr.computed && m.get(name) == Some(&Value::Unknown) && prior.get(name).is_some_and(|v| v.is_null()) {
            m.insert(name.clone(), Value::Null);
        }
    }
    for (name, nested) in &schema.blocks {
        if let (Nesting::Single, Some(inner), Some(p)) = (nested.nesting, m.get_mut(name), prior.get(name)) {
            keep_prior_nulls(&nested.block, inner, p);
        }
    }
}

pub(crate) async fn read_any(c: &Clients, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
    let state = state.clone().deep_unmarked();
    match type_name {
        "aws_vpc" => ec2::read_vpc(c, &state).await,
        "aws_subnet" => ec2::read_subnet(c, &state).await,
        "aws_security_group" => ec2::read_sg(c, &state).await,
        "aws_iam_role" => iam::read_role(c, &state).await,
        "aws_iam_role_policy_attachment" => iam::read_attachment(c, &state).await,
        "aws_eks_cluster" => eks::read_cluster(c, &state).await,
        "aws_eks_node_group" => eks::read_node_group(c, &state).await,
        "aws_s3_bucket" => s3::read_bucket(c, &state).await,
        other => Err(err("Unknown resource type", other.to_string())),
    }
}

/// Reads an object right after a change; it must be there.
pub(crate) async fn must_read(c: &Clients, type_name: &str, state: &Value) -> Result<Value, ProviderError> {
    read_any(c, type_name, state)
        .await?
        .ok_or_else(|| err("Object vanished", format!("the {type_name} was changed but could not be read back; AWS may be eventually consistent, run plan again")))
}

async fn create_any(
    c: &Clients,
    type_name: &str,
    planned: &Value,
    identity: Option<&serde_json::Value>,
) -> Result<Value, ProviderError> {
    let token = identity::request_token(identity);
    match type_name {
        "aws_vpc" => ec2::create_vpc(c, planned, identity).await,
        "aws_subnet" => ec2::create_subnet(c, planned, identity).await,
        "aws_security_group" => ec2::create_sg(c, planned, identity).await,
        "aws_iam_role" => iam::create_role(c, planned).await,
        "aws_iam_role_policy_attachment" => iam::create_attachment(c, planned).await,
        "aws_eks_cluster" => eks::create_cluster(c, planned, token).await,
        "aws_eks_node_group" => eks::create_node_group(c, planned, token).await,
        "aws_s3_bucket" => s3::create_bucket(c, planned).await,
        other => Err(err("Unknown resource type", other.to_string())),
    }
}

async fn update_any(c: &Clients, type_name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    match type_name {
        "aws_vpc" => ec2::update_vpc(c, prior, planned).await,
        "aws_subnet" => ec2::update_subnet(c, prior, planned).await,
        "aws_security_group" => ec2::update_sg(c, prior, planned).await,
        "aws_iam_role" => iam::update_role(c, prior, planned).await,
        "aws_iam_role_policy_attachment" => must_read(c, type_name, planned).await,
        "aws_eks_cluster" => eks::update_cluster(c, prior, planned).await,
        "aws_eks_node_group" => eks::update_node_group(c, prior, planned).await,
        "aws_s3_bucket" => s3::update_bucket(c, prior, planned).await,
        other => Err(err("Unknown resource type", other.to_string())),
    }
}

async fn delete_any(c: &Clients, type_name: &str, prior: &Value) -> Result<(), ProviderError> {
    match type_name {
        "aws_vpc" => ec2::delete_vpc(c, prior).await,
        "aws_subnet" => ec2::delete_subnet(c, prior).await,
        "aws_security_group" => ec2::delete_sg(c, prior).await,
        "aws_iam_role" => iam::delete_role(c, prior).await,
        "aws_iam_role_policy_attachment" => iam::delete_attachment(c, prior).await,
        "aws_eks_cluster" => eks::delete_cluster(c, prior).await,
        "aws_eks_node_group" => eks::delete_node_group(c, prior).await,
        "aws_s3_bucket" => s3::delete_bucket(c, prior).await,
        other => Err(err("Unknown resource type", other.to_string())),
    }
}
