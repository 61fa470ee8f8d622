//! The top-level template data: `.Release`, `.Chart`, `.Capabilities`, `.Files`.

use std::rc::Rc;

use serde_json::Value as J;

use crate::chart::{Chart, Files};
use crate::value::{Map, Object, Value};

/// Kubernetes version used when the caller gives none (Helm derives its default
/// from the client-go it is built with).
pub const DEFAULT_KUBE_VERSION: &str = "v1.34.0";
/// What `.Capabilities.HelmVersion.Version` reports.
pub const HELM_VERSION: &str = "v3.19.0";

/// API group versions a Kubernetes client knows without asking a cluster
/// (client-go's scheme), which Helm offers as `.Capabilities.APIVersions`.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
];

#[derive(Debug)]
pub struct KubeVersion {
    pub version: String,
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parses `1.30`, `v1.30.2`, `v1.33.4-gke.1245000` as Helm's `ParseKubeVersion`.
    pub fn parse(s: &str) -> Result<KubeVersion, String> {
        let t = s.trim().trim_start_matches('v');
        let core: String = t.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let nums: Vec<&str> = core.split('.').filter(|p| !p.is_empty()).collect();
        if nums.len() < 2 || nums.iter().any(|n| n.parse::<u64>().is_err()) {
            return Err(format!("invalid kube version {s:?}: expected MAJOR.MINOR[.PATCH]"));
        }
        let patch = nums.get(2).copied().unwrap_or("0");
        Ok(KubeVersion {
            version: format!("v{t}"),
            normalized: format!("v{}.{}.{}", nums[0], nums[1], patch),
            major: nums[0].to_string(),
            minor: nums[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn member(&self, name: &str, _: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(Value::str(match name {
            "Version" | "GitVersion" => self.version.as_str(),
            "Major" => self.major.as_str(),
            "Minor" => self.minor.as_str(),
            "String" => self.normalized.as_str(),
            _ => return None,
        })))
    }
    fn display(&self) -> String {
        self.normalized.clone()
    }
    fn to_data(&self) -> Value {
        let mut m = Map::new();
        m.insert("Version".into(), Value::str(self.version.as_str()));
        m.insert("Major".into(), Value::str(self.major.as_str()));
        m.insert("Minor".into(), Value::str(self.minor.as_str()));
        Value::map(m)
    }
}

#[derive(Debug)]
pub struct ApiVersions(pub Vec<String>);

impl Object for ApiVersions {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn member(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Has" => Some(match args {
                [Value::Str(s)] => Ok(Value::Bool(self.0.iter().any(|v| v == s.as_ref()))),
                _ => Err("Has needs one string argument".into()),
            }),
            _ => None,
        }
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::list(self.0.iter().map(|s| Value::str(s.as_str())).collect())
    }
}

pub fn capabilities(kube: KubeVersion, api_versions: Vec<String>) -> Value {
    let mut helm = Map::new();
    helm.insert("Version".into(), Value::str(HELM_VERSION));
    helm.insert("GitCommit".into(), Value::str(""));
    helm.insert("GitTreeState".into(), Value::str(""));
    helm.insert("GoVersion".into(), Value::str("go1.24"));
    let mut m = Map::new();
    m.insert("KubeVersion".into(), Value::Object(Rc::new(kube)));
    m.insert("APIVersions".into(), Value::Object(Rc::new(ApiVersions(api_versions))));
    m.insert("HelmVersion".into(), Value::map(helm));
    Value::map(m)
}

pub struct ReleaseInfo<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub is_upgrade: bool,
    pub revision: i64,
}

pub fn release(r: &ReleaseInfo) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), Value::str(r.name));
    m.insert("Namespace".into(), Value::str(r.namespace));
    m.insert("IsUpgrade".into(), Value::Bool(r.is_upgrade));
    m.insert("IsInstall".into(), Value::Bool(!r.is_upgrade));
    m.insert("Revision".into(), Value::Int(r.revision));
    m.insert("Service".into(), Value::str("Helm"));
    Value::map(m)
}

/// Go field names of chart.Metadata, and the Chart.yaml keys they come from.
const METADATA_FIELDS: &[(&str, &str)] = &[
    ("Name", "name"),
    ("Home", "home"),
    ("Sources", "sources"),
    ("Version", "version"),
    ("Description", "description"),
    ("Keywords", "keywords"),
    ("Maintainers", "maintainers"),
    ("Icon", "icon"),
    ("APIVersion", "apiVersion"),
    ("Condition", "condition"),
    ("Tags", "tags"),
    ("AppVersion", "appVersion"),
    ("Deprecated", "deprecated"),
    ("Annotations", "annotations"),
    ("KubeVersion", "kubeVersion"),
    ("Dependencies", "dependencies"),
    ("Type", "type"),
];

/// `.Chart`: Chart.yaml under Go's field names, as Helm's `MetadataAsMap` builds it.
pub fn chart_value(chart: &Chart, name: &str, is_root: bool) -> Value {
    let raw = &chart.metadata.raw;
    let mut m = Map::new();
    for (go, yaml) in METADATA_FIELDS {
        let v = match (*go, &raw[*yaml]) {
            ("Name", _) => Value::str(name),
            ("APIVersion", _) => Value::str(chart.metadata.api_version.as_str()),
            ("Deprecated", J::Null) => Value::Bool(false),
            ("Maintainers", J::Array(a)) => Value::list(
                a.iter().map(|x| go_fields(x, &[("Name", "name"), ("Email", "email"), ("URL", "url")])).collect(),
            ),
            ("Dependencies", J::Array(a)) => Value::list(
                a.iter()
                    .map(|x| {
                        go_fields(
                            x,
                            &[
                                ("Name", "name"),
                                ("Version", "version"),
                                ("Repository", "repository"),
                                ("Condition", "condition"),
                                ("Tags", "tags"),
                                ("Enabled", "enabled"),
                                ("ImportValues", "import-values"),
                                ("Alias", "alias"),
                            ],
                        )
                    })
                    .collect(),
            ),
            (_, J::Null) if matches!(*go, "Sources" | "Keywords" | "Maintainers" | "Tags" | "Dependencies") => {
                Value::list(Vec::new())
            }
            (_, J::Null) if *go == "Annotations" => Value::empty_map(),
            (_, J::Null) => Value::str(""),
            (_, J::String(s)) => Value::str(s.as_str()),
            (_, other) => Value::from_json_with(other, false),
        };
        m.insert((*go).to_string(), v);
    }
    m.insert("IsRoot".into(), Value::Bool(is_root));
    Value::map(m)
}

fn go_fields(x: &J, fields: &[(&str, &str)]) -> Value {
    let mut m = Map::new();
    for (go, yaml) in fields {
        let v = match &x[*yaml] {
            J::Null => Value::str(""),
            other => Value::from_json_with(other, false),
        };
        m.insert((*go).to_string(), v);
    }
    Value::map(m)
}

pub fn files_value(chart: &Chart) -> Value {
    Value::Object(Rc::new(Files::new(chart.files.iter().map(|f| (f.name.clone(), f.data.clone())))))
}
