//! The `helm` provider: `data "helm_template"` renders a chart as `helm template` does, at
//! plan time and with no cluster, through Gantry's own renderer (`gantry-helm`). Arguments
//! have the names of Terraform's helm provider. `resource "helm_release"` is not here yet.

use gantry_core::provider::{
    ApplyRequest, AttributeSchema, BlockSchema, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse, Provider,
    ProviderError, ProviderFactory, ReadDataRequest, ReadRequest, Schema,
};
use gantry_core::types::{ObjectAttr, Type};
use gantry_core::value::Value;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub struct HelmFactory;

impl HelmFactory {
    pub fn arc() -> std::sync::Arc<dyn ProviderFactory> {
        std::sync::Arc::new(HelmFactory)
    }
}

impl ProviderFactory for HelmFactory {
    fn name(&self) -> &str {
        "helm"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(HelmProvider::default())
    }
}

fn list(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

fn set_entry() -> Type {
    let attr = |ty: Type, optional: bool| ObjectAttr { ty, optional, default: None };
    Type::Object(
        [
            ("name".to_string(), attr(Type::String, false)),
            ("value".to_string(), attr(Type::String, false)),
            ("type".to_string(), attr(Type::String, true)),
        ]
        .into_iter()
        .collect(),
    )
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let template = BlockSchema::default()
            .attr("name", AttributeSchema::required(Type::String).describe("The release name (`.Release.Name`)."))
            .attr(
                "namespace",
                AttributeSchema::optional(Type::String).describe("`.Release.Namespace`; `default` when not set."),
            )
            .attr(
                "chart",
                AttributeSchema::required(Type::String)
                    .describe("The chart: a directory or a `.tgz` archive, relative to the working directory."),
            )
            .attr(
                "repository",
                AttributeSchema::optional(Type::String).describe("A chart repository URL; not supported yet."),
            )
            .attr("version", AttributeSchema::optional(Type::String).describe("The chart version the chart must have."))
            .attr(
                "values",
                AttributeSchema::optional(list(Type::String))
                    .describe("Values files' contents (YAML); later ones win."),
            )
            .attr(
                "set",
                AttributeSchema::optional(list(set_entry())).describe(
                    "`{ name, value, type }` entries with Helm's `--set` paths; `type` is `auto` or `string`.",
                ),
            )
            .attr(
                "set_sensitive",
                AttributeSchema::optional(list(set_entry())).sensitive().describe("As `set`, for secret values."),
            )
            .attr("kube_version", AttributeSchema::optional(Type::String).describe("`.Capabilities.KubeVersion`."))
            .attr(
                "api_versions",
                AttributeSchema::optional(list(Type::String)).describe("Extra `.Capabilities.APIVersions`."),
            )
            .attr("include_crds", AttributeSchema::optional(Type::Bool).describe("Put the chart's `crds/` first."))
            .attr(
                "show_only",
                AttributeSchema::optional(list(Type::String)).describe("Only these templates (`templates/x.yaml`)."),
            )
            .attr("skip_tests", AttributeSchema::optional(Type::Bool).describe("Leave out `test` hooks."))
            .attr("disable_hooks", AttributeSchema::optional(Type::Bool).describe("Leave hooks out of `manifest`."))
            .attr(
                "manifest",
                AttributeSchema::computed(Type::String).describe("The YAML stream, as `helm template` prints it."),
            )
            .attr(
                "manifests",
                AttributeSchema::computed(Type::Map(Box::new(Type::String))).describe("Template path → its YAML."),
            )
            .attr("notes", AttributeSchema::computed(Type::String).describe("The rendered NOTES.txt."));
        Schema {
            provider: BlockSchema::default(),
            resources: Default::default(),
            data_sources: [("helm_template".to_string(), template)].into_iter().collect(),
        }
    })
}

#[derive(Default)]
pub struct HelmProvider {
    working_dir: Mutex<PathBuf>,
}

fn bad(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

fn text(config: &Value, key: &str) -> Option<String> {
    config.get(key).and_then(|v| v.unmarked().as_str().map(str::to_string))
}

fn flag(config: &Value, key: &str) -> bool {
    config.get(key).and_then(|v| v.unmarked().as_bool()).unwrap_or(false)
}

fn strings(config: &Value, key: &str) -> Vec<String> {
    match config.get(key).map(Value::unmarked) {
        Some(Value::List(items)) => items.iter().filter_map(|v| v.unmarked().as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn set_values(config: &Value, key: &str) -> Result<Vec<gantry_helm::SetValue>, ProviderError> {
    let Some(Value::List(items)) = config.get(key).map(Value::unmarked) else { return Ok(Vec::new()) };
    items
        .iter()
        .map(|item| {
            let name = text(item.unmarked(), "name").unwrap_or_default();
            let value = text(item.unmarked(), "value").unwrap_or_default();
            let kind = match text(item.unmarked(), "type").as_deref() {
                None | Some("") | Some("auto") => gantry_helm::SetKind::Auto,
                Some("string") => gantry_helm::SetKind::String,
                Some("literal") => gantry_helm::SetKind::Literal,
                Some("json") => gantry_helm::SetKind::Json,
                Some(other) => {
                    return Err(bad(
                        "Invalid set type",
                        format!("The type of {key} entry {name:?} is {other:?}; it must be \"auto\" or \"string\"."),
                    ))
                }
            };
            Ok(gantry_helm::SetValue::new(name, value).with_kind(kind))
        })
        .collect()
}

impl HelmProvider {
    fn template(&self, config: &Value) -> Result<Value, ProviderError> {
        if text(config, "repository").is_some_and(|r| !r.is_empty()) {
            return Err(bad(
                "Chart repositories are not supported yet",
                "helm_template renders a chart from a local directory or .tgz archive; download the chart and give its path as `chart`.",
            ));
        }
        let chart_arg = text(config, "chart").unwrap_or_default();
        let path = self.working_dir.lock().map(|d| d.join(&chart_arg)).unwrap_or_else(|_| PathBuf::from(&chart_arg));
        let chart = gantry_helm::Chart::load(&path)
            .map_err(|e| bad("Chart could not be loaded", format!("{chart_arg}: {}", e.message)))?;
        if let Some(version) = text(config, "version").filter(|v| !v.is_empty()) {
            if chart.metadata.version != version {
                return Err(bad(
                    "Chart version mismatch",
                    format!(
                        "{chart_arg} is version {}, but version {version:?} was asked for.",
                        chart.metadata.version
                    ),
                ));
            }
        }
        let mut set = set_values(config, "set")?;
        set.extend(set_values(config, "set_sensitive")?);
        let options = gantry_helm::RenderOptions {
            release_name: text(config, "name").unwrap_or_default(),
            namespace: text(config, "namespace").unwrap_or_default(),
            values: strings(config, "values"),
            set,
            kube_version: text(config, "kube_version"),
            api_versions: strings(config, "api_versions"),
            include_crds: flag(config, "include_crds"),
            show_only: strings(config, "show_only"),
            skip_tests: flag(config, "skip_tests"),
            disable_hooks: flag(config, "disable_hooks"),
            ..Default::default()
        };
        let rendered = gantry_helm::render(&chart, &options)
            .map_err(|e| bad("Chart could not be rendered", format!("{chart_arg}: {}", e.message)))?;
        // Secret values end up in the rendered text, so the text is as secret as they are.
        let secret = matches!(config.get("set_sensitive").map(Value::unmarked), Some(Value::List(l)) if !l.is_empty());
        let mark = |v: Value| if secret { v.mark_sensitive() } else { v };
        let manifests = rendered.manifests.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let mut out = config.clone();
        if let Value::Object(map) = &mut out {
            map.insert("manifest".into(), mark(Value::String(rendered.manifest)));
            map.insert("manifests".into(), mark(Value::Object(manifests)));
            map.insert("notes".into(), Value::String(rendered.notes));
        }
        Ok(out)
    }
}

fn no_resources(type_name: &str) -> ProviderError {
    bad("Unsupported resource type", format!("The helm provider has no resource type {type_name:?} yet."))
}

#[async_trait::async_trait]
impl Provider for HelmProvider {
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
            "helm_template" => self.template(req.config),
            other => Err(bad("Unsupported data source", format!("The helm provider has no data source {other:?}."))),
        }
    }
    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        Err(no_resources(req.type_name))
    }
}
