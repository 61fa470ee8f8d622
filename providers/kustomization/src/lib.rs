//! The `kustomization` provider: `data "kustomization_build"` builds a kustomization as
//! `kustomize build` does, through Gantry's own implementation (`gantry-kustomize`), with the
//! names of the kustomization Terraform provider. `resource "kustomization"` is not here yet.

use gantry_core::provider::{
    ApplyRequest, AttributeSchema, BlockSchema, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse, Provider,
    ProviderError, ProviderFactory, ReadDataRequest, ReadRequest, Schema,
};
use gantry_core::types::Type;
use gantry_core::value::Value;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub struct KustomizationFactory;

impl KustomizationFactory {
    pub fn arc() -> std::sync::Arc<dyn ProviderFactory> {
        std::sync::Arc::new(KustomizationFactory)
    }
}

impl ProviderFactory for KustomizationFactory {
    fn name(&self) -> &str {
        "kustomization"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(KustomizationProvider::default())
    }
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let build = BlockSchema::default()
            .attr(
                "path",
                AttributeSchema::required(Type::String).describe(
                    "A directory with a kustomization (relative to the working directory), or a remote base in kustomize's URL syntax (`https://github.com/ORG/REPO//dir?ref=v1`).",
                ),
            )
            .attr(
                "manifest",
                AttributeSchema::computed(Type::String).describe("The YAML stream, as `kustomize build` prints it."),
            )
            .attr(
                "manifests",
                AttributeSchema::computed(Type::Map(Box::new(Type::String)))
                    .describe("Each object as JSON, by its id `group_version_kind|namespace|name`."),
            )
            .attr(
                "ids",
                AttributeSchema::computed(Type::Set(Box::new(Type::String))).describe("The objects' ids."),
            );
        Schema {
            provider: BlockSchema::default(),
            resources: Default::default(),
            data_sources: [("kustomization_build".to_string(), build)].into_iter().collect(),
        }
    })
}

#[derive(Default)]
pub struct KustomizationProvider {
    working_dir: Mutex<PathBuf>,
}

fn no_resources(type_name: &str) -> ProviderError {
    ProviderError::new(
        "Unsupported resource type",
        format!("The kustomization provider has no resource type {type_name:?} yet."),
    )
}

impl KustomizationProvider {
    fn build(&self, config: &Value) -> Result<Value, ProviderError> {
        let path_arg = config.get("path").and_then(|v| v.unmarked().as_str()).unwrap_or_default().to_string();
        // A remote base is handed over as written; a local path is taken from the working directory.
        let remote = path_arg.contains("://") || path_arg.starts_with("github.com/") || path_arg.starts_with("git@");
        let path = if remote {
            PathBuf::from(&path_arg)
        } else {
            self.working_dir.lock().map(|d| d.join(&path_arg)).unwrap_or_else(|_| PathBuf::from(&path_arg))
        };
        let build = gantry_kustomize::build(&path, &gantry_kustomize::Options::default())
            .map_err(|e| ProviderError::new("Kustomization could not be built", e.to_string()))?;
        let ids = build.ids();
        let manifests = ids.iter().cloned().zip(build.objects_json().into_iter().map(Value::String)).collect();
        let mut sorted_ids: Vec<Value> = ids.into_iter().map(Value::String).collect();
        sorted_ids.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        let mut out = config.clone();
        if let Value::Object(map) = &mut out {
            map.insert("manifest".into(), Value::String(build.to_yaml()));
            map.insert("manifests".into(), Value::Object(manifests));
            map.insert("ids".into(), Value::List(sorted_ids));
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl Provider for KustomizationProvider {
    fn schema(&self) -> &Schema {
        schema()
    }
    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        if let Ok(mut dir) = self.working_dir.lock() {
            *dir = req.working_dir;
        }
        Ok(())
    }
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Err(no_resources(req.type_name))
    }
    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        Err(no_resources(req.type_name))
    }
    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Err(no_resources(req.type_name))
    }
    async fn read_data(&self, req: ReadDataRequest<'_>) -> Result<Value, ProviderError> {
        match req.type_name {
            "kustomization_build" => self.build(req.config),
            other => Err(ProviderError::new(
                "Unsupported data source",
                format!("The kustomization provider has no data source {other:?}."),
            )),
        }
    }
    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Err(no_resources(req.type_name))
    }
}
