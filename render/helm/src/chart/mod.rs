//! The chart model: metadata from Chart.yaml, default values, templates, other
//! files, CRDs and dependencies, loaded from a directory or a `.tgz` archive.

mod files;
pub mod glob;
mod helmignore;
mod load;

pub use files::Files;

use serde_json::Value as J;

use crate::error::Result;

/// A file inside a chart, by its chart-relative path (`templates/x.yaml`).
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// A dependency as declared in Chart.yaml (or requirements.yaml for v1 charts).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub alias: String,
    pub import_values: Vec<J>,
}

/// Chart.yaml.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub api_version: String,
    pub name: String,
    pub version: String,
    pub app_version: String,
    pub kube_version: String,
    pub description: String,
    /// `application` or `library`.
    pub chart_type: String,
    pub dependencies: Vec<Dependency>,
    /// The whole file, for `.Chart` (which exposes every field).
    pub raw: J,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub metadata: Metadata,
    /// values.yaml as data (an empty object when absent).
    pub values: J,
    /// values.schema.json, when present.
    pub schema: Option<J>,
    /// Files under `templates/`.
    pub templates: Vec<ChartFile>,
    /// Files under `crds/` (never templated).
    pub crds: Vec<ChartFile>,
    /// The documents of `crds/`, split and parsed once at load: (file, text, data).
    pub crd_docs: Vec<(String, String, J)>,
    /// Every other file (`.Files`), `crds/` included as Helm does.
    pub files: Vec<ChartFile>,
    /// Charts loaded from `charts/`.
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// Loads a chart from a directory or a `.tgz`/`.tar.gz` archive.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Chart> {
        load::load_path(path.as_ref())
    }

    /// Loads a chart from an in-memory `.tgz` archive; `origin` names it in errors.
    pub fn load_archive_bytes(bytes: &[u8], origin: &str) -> Result<Chart> {
        load::load_archive(bytes, origin)
    }

    /// Builds a chart from its files (chart-relative names); `origin` names it in errors.
    pub fn from_files(files: Vec<ChartFile>, origin: &str) -> Result<Chart> {
        load::from_files(files, origin)
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }
}
