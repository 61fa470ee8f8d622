//! The provider protocol: the small set of verbs through which the engine asks a
//! cloud or cluster to read, plan and change objects.
//!
//! Contract, for every implementation:
//! - every call is idempotent: repeating an `apply` whose result was lost must not create a second object;
//! - `read` of an object that no longer exists returns `Ok(None)`, never an error;
//! - `plan` never changes anything; `apply` returns the object's full new state, with no unknown values;
//! - values in requests and responses are objects shaped by the type's [`BlockSchema`].
//!
//! Requests and responses are structs so that fields can be added without breaking implementations.

use crate::analysis::describe::Description;
use crate::types::Type;
use crate::value::{Map, PathStep, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a provider offers: its configuration, resource types and data sources.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub provider: BlockSchema,
    pub resources: BTreeMap<String, BlockSchema>,
    pub data_sources: BTreeMap<String, BlockSchema>,
}

/// The shape of a block body: attributes and nested blocks.
#[derive(Debug, Clone, Default)]
pub struct BlockSchema {
    pub attributes: BTreeMap<String, AttributeSchema>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct AttributeSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider (an id, an endpoint); unknown until apply unless kept from prior state.
    pub computed: bool,
    pub sensitive: bool,
    /// A change to this attribute cannot be made in place: the object is replaced.
    pub force_new: bool,
    pub description: String,
}

impl AttributeSchema {
    pub fn required(ty: Type) -> Self {
        AttributeSchema {
            ty,
            required: true,
            optional: false,
            computed: false,
            sensitive: false,
            force_new: false,
            description: String::new(),
        }
    }
    pub fn optional(ty: Type) -> Self {
        AttributeSchema { required: false, optional: true, ..Self::required(ty) }
    }
    pub fn computed(ty: Type) -> Self {
        AttributeSchema { required: false, optional: false, computed: true, ..Self::required(ty) }
    }
    /// Optional in configuration; the provider fills it in when it is not set.
    pub fn optional_computed(ty: Type) -> Self {
        AttributeSchema { required: false, optional: true, computed: true, ..Self::required(ty) }
    }
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; its value is an object (or null).
    Single,
    /// Repeated blocks; the value is a list of objects.
    List,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: BlockSchema,
    pub min_items: usize,
    pub max_items: Option<usize>,
    pub force_new: bool,
}

impl BlockSchema {
    pub fn attr(mut self, name: &str, schema: AttributeSchema) -> Self {
        self.attributes.insert(name.to_string(), schema);
        self
    }
    pub fn block(mut self, name: &str, block: NestedBlock) -> Self {
        self.blocks.insert(name.to_string(), block);
        self
    }

    /// Paths of attributes marked sensitive, for masking in output and state.
    pub fn sensitive_paths(&self, value: &Value) -> Vec<Vec<PathStep>> {
        let mut out = Vec::new();
        for (name, attr) in &self.attributes {
            if attr.sensitive {
                out.push(vec![PathStep::Key(name.clone())]);
            }
        }
        for (name, nested) in &self.blocks {
            let Some(v) = value.get(name) else { continue };
            match (nested.nesting, v.unmarked()) {
                (Nesting::Single, inner @ Value::Object(_)) => {
                    for p in nested.block.sensitive_paths(inner) {
                        let mut full = vec![PathStep::Key(name.clone())];
                        full.extend(p);
                        out.push(full);
                    }
                }
                (Nesting::List, Value::List(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        for p in nested.block.sensitive_paths(item) {
                            let mut full = vec![PathStep::Key(name.clone()), PathStep::Index(i)];
                            full.extend(p);
                            out.push(full);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// An error from a provider, shown to the user with the resource address.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct ProviderError {
    pub summary: String,
    pub detail: String,
    /// The attribute the problem concerns, when there is one.
    pub path: Option<Vec<PathStep>>,
    /// Whether the same call may succeed later; [`crate::retry`] retries only transient kinds.
    pub kind: ErrorKind,
}

/// What kind of failure a provider error is, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorKind {
    /// The request itself is wrong (4xx, validation, not found): repeating it gives the same answer.
    #[default]
    Permanent,
    /// The API asked the caller to slow down (HTTP 429, AWS `Throttling*`, `RequestLimitExceeded`).
    Throttled,
    /// The server failed (HTTP 5xx).
    Server,
    /// The connection was lost (reset, timed out) before an answer came: the call may or
    /// may not have been carried out, which is why every provider call must be idempotent.
    Connection,
}

impl ErrorKind {
    pub fn is_transient(self) -> bool {
        self != ErrorKind::Permanent
    }

    /// The kind an HTTP status answers with.
    pub fn of_status(status: u16) -> ErrorKind {
        match status {
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Permanent,
        }
    }
}

impl ProviderError {
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> ProviderError {
        ProviderError { summary: summary.into(), detail: detail.into(), path: None, kind: ErrorKind::Permanent }
    }
    pub fn at(mut self, path: Vec<PathStep>) -> ProviderError {
        self.path = Some(path);
        self
    }
    pub fn kind(mut self, kind: ErrorKind) -> ProviderError {
        self.kind = kind;
        self
    }
    pub fn is_transient(&self) -> bool {
        self.kind.is_transient()
    }

    /// The error with whatever the sensitive parts of `sent` (the values the provider was given)
    /// hold removed from its text. A provider sees values unmarked and may quote one in a message;
    /// the engine passes every provider error through here before it becomes a diagnostic.
    pub fn scrubbed<'v>(self, sent: impl IntoIterator<Item = &'v Value>) -> ProviderError {
        let secrets = crate::redact::Secrets::of(sent);
        ProviderError { summary: secrets.scrub(&self.summary), detail: secrets.scrub(&self.detail), ..self }
    }
}

pub struct ConfigureRequest {
    /// The provider block's configuration, shaped by `Schema::provider`.
    pub config: Value,
    /// The directory Gantry runs in; the embedded simulator keeps its objects below it.
    pub working_dir: PathBuf,
}

pub struct ValidateRequest<'a> {
    pub type_name: &'a str,
    pub config: &'a Value,
}

pub struct PlanRequest<'a> {
    pub type_name: &'a str,
    /// The object as it is now (after refresh), or none when it is to be created.
    pub prior: Option<&'a Value>,
    /// The desired configuration; may hold unknown values.
    pub config: &'a Value,
}

pub struct PlanResponse {
    /// The object as it will be after apply; unknown where the provider cannot tell yet.
    pub planned: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<Vec<PathStep>>,
}

pub struct ApplyRequest<'a> {
    pub type_name: &'a str,
    pub prior: Option<&'a Value>,
    /// The planned object, or none to delete.
    pub planned: Option<&'a Value>,
    pub config: &'a Value,
    /// For a create: what [`Provider::create_identity`] chose, already in the journal.
    /// The provider creates the object so that [`Provider::find`] can find it by this.
    pub identity: Option<&'a serde_json::Value>,
}

/// Asks how a create about to start could be found again if its result were lost.
pub struct IdentityRequest<'a> {
    pub type_name: &'a str,
    pub planned: &'a Value,
    /// The instance's address and the state's lineage: tags that say which state made an object.
    pub address: &'a str,
    pub lineage: &'a str,
    /// Unique to this create: an idempotency token the API can be given.
    pub token: &'a str,
}

/// Looks for the object of a create whose result was lost (the run was killed).
pub struct FindRequest<'a> {
    pub type_name: &'a str,
    /// What [`Provider::create_identity`] returned for the create.
    pub identity: &'a serde_json::Value,
    /// The planned object, unknown values as null.
    pub planned: &'a Value,
}

pub struct ReadRequest<'a> {
    pub type_name: &'a str,
    /// The object as last recorded in state.
    pub state: &'a Value,
}

pub struct ReadDataRequest<'a> {
    pub type_name: &'a str,
    pub config: &'a Value,
}

pub struct ImportRequest<'a> {
    pub type_name: &'a str,
    pub id: &'a str,
}

/// One configured provider instance (one per `provider` block, alias included).
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The provider's schema; the same for every instance of a provider.
    fn schema(&self) -> &Schema;

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError>;

    /// Checks a resource's configuration beyond what the schema says (e.g. that an instance
    /// type exists). Unknown values must be accepted.
    fn validate(&self, _req: ValidateRequest<'_>) -> Vec<ProviderError> {
        Vec::new()
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError>;

    /// Reads many objects at once. Providers that can list a kind in one call override this;
    /// the default reads one by one.
    async fn read_batch(&self, reqs: Vec<ReadRequest<'_>>) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            out.push(self.read(req).await);
        }
        out
    }

    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError>;

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError>;

    async fn read_data(&self, req: ReadDataRequest<'_>) -> Result<Value, ProviderError> {
        Err(ProviderError::new("Unsupported data source", format!("{} has no data sources", req.type_name)))
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError>;

    /// How a create of this type is found again should its result be lost. Recorded in
    /// the journal before the create starts and passed to `apply` and `find`. Types whose
    /// objects are keyed by a name the configuration gives need nothing (`Null`): `find`
    /// reads them by the planned object. Types whose ID the cloud assigns return an
    /// idempotency token, or tags to set on create and search by.
    fn create_identity(&self, _req: IdentityRequest<'_>) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Finds the object a lost create made, or `None` when it was never made. The
    /// default reads the planned object, which finds objects keyed by their name.
    async fn find(&self, req: FindRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.read(ReadRequest { type_name: req.type_name, state: req.planned }).await
    }

    /// Ordering among deletes that references do not show (a Kubernetes object and its
    /// Namespace): the keys this object provides to others and the keys it needs from them.
    /// In one apply, an object is deleted before every object that provides a key it needs.
    fn delete_order(&self, _type_name: &str, _state: &Value) -> (Vec<String>, Vec<String>) {
        (Vec::new(), Vec::new())
    }
}

/// Makes provider instances; one factory per provider name.
pub trait ProviderFactory: Send + Sync {
    /// The provider's name, the prefix of its resource types (`local`, `kubernetes`).
    fn name(&self) -> &str;
    fn schema(&self) -> &Schema;
    fn instantiate(&self) -> Box<dyn Provider>;

    /// How the plan's analysis should see a value of one of this provider's
    /// resource types: a node pool, Kubernetes objects, or a workload's pods.
    /// `value` is planned or stored, and may hold unknown values. The default
    /// describes nothing, so the resource stays out of fit and cost.
    fn describe(&self, _type_name: &str, _value: &Value) -> Option<Description> {
        None
    }
}

/// The providers Gantry was built with.
#[derive(Default)]
pub struct Registry {
    factories: BTreeMap<String, std::sync::Arc<dyn ProviderFactory>>,
    /// Providers this build was made without, each with how to get a build that has it.
    left_out: BTreeMap<String, String>,
}

impl Registry {
    /// Records that this build leaves a provider out, so that a configuration using it
    /// is told how to get it rather than that the provider does not exist.
    pub fn leave_out(&mut self, name: &str, how_to_get_it: &str) {
        self.left_out.insert(name.to_string(), how_to_get_it.to_string());
    }

    /// The sentence to add to a diagnostic about a name that belongs to a left-out
    /// provider: a provider name or a resource type with its prefix.
    pub fn left_out_hint(&self, name: &str) -> Option<String> {
        let (provider, how) =
            self.left_out.iter().find(|(p, _)| name == p.as_str() || name.starts_with(&format!("{p}_")))?;
        Some(format!(" The {provider} provider is left out of this build of Gantry; {how}."))
    }

    pub fn register(&mut self, factory: std::sync::Arc<dyn ProviderFactory>) {
        self.factories.insert(factory.name().to_string(), factory);
    }

    pub fn get(&self, name: &str) -> Option<&std::sync::Arc<dyn ProviderFactory>> {
        self.factories.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    /// The provider that owns a resource type, by its prefix (`kubernetes_manifest` → `kubernetes`).
    pub fn provider_for_type(&self, type_name: &str) -> Option<&str> {
        self.factories
            .keys()
            .filter(|name| type_name == name.as_str() || type_name.starts_with(&format!("{name}_")))
            .max_by_key(|name| name.len())
            .map(String::as_str)
    }

    /// The analysis' view of a resource value, from the provider that owns its type.
    pub fn describe(&self, type_name: &str, value: &Value) -> Option<Description> {
        let provider = self.provider_for_type(type_name)?;
        self.factories.get(provider)?.describe(type_name, value)
    }

    /// The schema of a resource or data source type, whichever provider has it.
    pub fn type_schema(&self, mode: crate::addr::Mode, type_name: &str) -> Option<&BlockSchema> {
        let provider = self.provider_for_type(type_name)?;
        let schema = self.factories.get(provider)?.schema();
        match mode {
            crate::addr::Mode::Managed => schema.resources.get(type_name),
            crate::addr::Mode::Data => schema.data_sources.get(type_name),
        }
    }

    /// Every resource type name, for suggestions.
    pub fn all_types(&self, mode: crate::addr::Mode) -> Vec<&str> {
        self.factories
            .values()
            .flat_map(|f| {
                let s = f.schema();
                match mode {
                    crate::addr::Mode::Managed => s.resources.keys(),
                    crate::addr::Mode::Data => s.data_sources.keys(),
                }
            })
            .map(String::as_str)
            .collect()
    }
}

/// The plan most providers want: configured values win, computed attributes keep their
/// prior value (or become unknown on create or replacement), and a change to a
/// force-new attribute requires replacement.
pub fn plan_by_schema(schema: &BlockSchema, prior: Option<&Value>, config: &Value) -> PlanResponse {
    let mut requires_replace = Vec::new();
    collect_replace(schema, prior, config, &mut Vec::new(), &mut requires_replace);
    let replacing = !requires_replace.is_empty();
    let planned = merge_planned(schema, if replacing { None } else { prior }, config);
    PlanResponse { planned, requires_replace }
}

fn merge_planned(schema: &BlockSchema, prior: Option<&Value>, config: &Value) -> Value {
    let mut out = Map::new();
    for (name, attr) in &schema.attributes {
        let configured = config.get(name).cloned().unwrap_or(Value::Null);
        let value = if !configured.is_null() || !attr.computed {
            configured
        } else {
            match prior.and_then(|p| p.get(name)) {
                Some(v) if !v.is_null() => v.clone(),
                _ => Value::Unknown,
            }
        };
        out.insert(name.clone(), value);
    }
    for (name, nested) in &schema.blocks {
        let configured = config.get(name).cloned().unwrap_or(Value::Null);
        let prior_nested = prior.and_then(|p| p.get(name));
        let value = match (nested.nesting, configured.unmarked()) {
            (Nesting::Single, Value::Object(_)) => merge_planned(&nested.block, prior_nested, &configured),
            (Nesting::List, Value::List(items)) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = prior_nested.and_then(|p| p.as_list()).and_then(|l| l.get(i));
                        merge_planned(&nested.block, p, item)
                    })
                    .collect(),
            ),
            (_, other) => other.clone(),
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}

fn collect_replace(
    schema: &BlockSchema,
    prior: Option<&Value>,
    config: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<Vec<PathStep>>,
) {
    let Some(prior) = prior else { return };
    for (name, attr) in &schema.attributes {
        if !attr.force_new {
            continue;
        }
        let want = config.get(name).cloned().unwrap_or(Value::Null);
        let have = prior.get(name).cloned().unwrap_or(Value::Null);
        // An unset computed attribute keeps what the provider chose; only a configured change replaces.
        if want.is_null() && attr.computed {
            continue;
        }
        if want.deep_unmarked() != have.deep_unmarked() {
            let mut p = path.clone();
            p.push(PathStep::Key(name.clone()));
            out.push(p);
        }
    }
    for (name, nested) in &schema.blocks {
        let want = config.get(name).cloned().unwrap_or(Value::Null);
        let have = prior.get(name).cloned().unwrap_or(Value::Null);
        if nested.force_new {
            if want.deep_unmarked() != have.deep_unmarked() {
                let mut p = path.clone();
                p.push(PathStep::Key(name.clone()));
                out.push(p);
            }
            continue;
        }
        if let (Nesting::Single, Value::Object(_)) = (nested.nesting, want.unmarked()) {
            path.push(PathStep::Key(name.clone()));
            collect_replace(&nested.block, Some(&have), &want, path, out);
            path.pop();
        }
    }
}
