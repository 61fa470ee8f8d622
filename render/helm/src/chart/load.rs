//! Loading charts: walking a directory under `.helmignore`, unpacking archives,
//! and sorting files into metadata, values, templates, CRDs and subcharts.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::Value as J;

use super::helmignore::Rules;
use super::{Chart, ChartFile, Dependency, Metadata};
use crate::error::{Error, ErrorKind, Result};

/// Subcharts nest; a bound keeps a malicious archive from recursing forever.
const MAX_CHART_DEPTH: usize = 32;
/// Largest archive we unpack (uncompressed), against decompression bombs.
const MAX_ARCHIVE_BYTES: u64 = 512 << 20;

fn load_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Load, msg)
}

pub fn load_path(path: &Path) -> Result<Chart> {
    let meta = std::fs::metadata(path).map_err(|e| {
        load_err(format!("chart {}: {e} (is the path a chart directory or .tgz archive?)", path.display()))
    })?;
    if meta.is_dir() {
        let files = read_dir_files(path)?;
        from_files_depth(files, &path.display().to_string(), 0)
    } else {
        let bytes = std::fs::read(path).map_err(|e| load_err(format!("{}: {e}", path.display())))?;
        load_archive_depth(&bytes, &path.display().to_string(), 0)
    }
}

fn read_dir_files(root: &Path) -> Result<Vec<ChartFile>> {
    let ignore_text = std::fs::read_to_string(root.join(".helmignore")).unwrap_or_default();
    let rules = Rules::parse(&ignore_text);
    let mut out = Vec::new();
    walk(root, root, &rules, &mut out, 0)?;
    Ok(out)
}

fn walk(root: &Path, dir: &Path, rules: &Rules, out: &mut Vec<ChartFile>, depth: usize) -> Result<()> {
    if depth > 64 {
        return Err(load_err(format!("{}: directories nest too deeply", dir.display())));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| load_err(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        let ft = e.file_type().map_err(|er| load_err(format!("{}: {er}", p.display())))?;
        // Follow symlinks to files and directories, as Helm does.
        let is_dir =
            if ft.is_symlink() { std::fs::metadata(&p).map(|m| m.is_dir()).unwrap_or(false) } else { ft.is_dir() };
        if rules.ignore(&rel, is_dir) {
            continue;
        }
        if is_dir {
            walk(root, &p, rules, out, depth + 1)?;
        } else {
            let data = std::fs::read(&p).map_err(|er| load_err(format!("{}: {er}", p.display())))?;
            out.push(ChartFile { name: rel, data });
        }
    }
    Ok(())
}

pub fn load_archive(bytes: &[u8], origin: &str) -> Result<Chart> {
    load_archive_depth(bytes, origin, 0)
}

fn load_archive_depth(bytes: &[u8], origin: &str, depth: usize) -> Result<Chart> {
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut ar = tar::Archive::new(gz.take(MAX_ARCHIVE_BYTES));
    let mut files = Vec::new();
    let entries = ar.entries().map_err(|e| load_err(format!("{origin}: not a gzipped tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| load_err(format!("{origin}: corrupt archive: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| load_err(format!("{origin}: bad path in archive: {e}")))?
            .to_string_lossy()
            .replace('\\', "/");
        // The first path element is the chart's directory name.
        let Some((_, rel)) = path.split_once('/') else {
            continue;
        };
        if rel.split('/').any(|seg| seg == "..") {
            return Err(load_err(format!("{origin}: chart illegally references parent directory: {path}")));
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| load_err(format!("{origin}: reading {path}: {e}")))?;
        files.push(ChartFile { name: rel.to_string(), data });
    }
    if files.is_empty() {
        return Err(load_err(format!("{origin}: no files in chart archive")));
    }
    from_files_depth(files, origin, depth)
}

pub fn from_files(files: Vec<ChartFile>, origin: &str) -> Result<Chart> {
    from_files_depth(files, origin, 0)
}

fn from_files_depth(files: Vec<ChartFile>, origin: &str, depth: usize) -> Result<Chart> {
    if depth > MAX_CHART_DEPTH {
        return Err(load_err(format!("{origin}: subcharts nest deeper than {MAX_CHART_DEPTH}")));
    }
    let mut chart_yaml = None;
    let mut requirements = None;
    let mut values = J::Object(Default::default());
    let mut schema = None;
    let mut templates = Vec::new();
    let mut crds = Vec::new();
    let mut other = Vec::new();
    let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
    for f in files {
        let text = || String::from_utf8_lossy(&f.data).into_owned();
        match f.name.as_str() {
            "Chart.yaml" => chart_yaml = Some(text()),
            "requirements.yaml" => requirements = Some(text()),
            "values.yaml" => {
                values =
                    crate::yaml::parse_yaml(&text()).map_err(|e| load_err(format!("{origin}/values.yaml: {e}")))?;
                if values.is_null() {
                    values = J::Object(Default::default());
                }
                if !values.is_object() {
                    return Err(load_err(format!("{origin}/values.yaml: top level must be a map")));
                }
                values = crate::values::floatify(values);
            }
            "values.schema.json" => {
                schema = Some(
                    serde_json::from_slice(&f.data)
                        .map_err(|e| load_err(format!("{origin}/values.schema.json: {e}")))?,
                )
            }
            "Chart.lock" | "requirements.lock" => {}
            n if n.starts_with("templates/") => templates.push(f),
            n if n.starts_with("charts/") => {
                let rest = &n["charts/".len()..];
                if rest.ends_with(".prov") {
                    other.push(f);
                    continue;
                }
                let cname = rest.split('/').next().unwrap_or(rest).to_string();
                let inner = rest[cname.len()..].trim_start_matches('/').to_string();
                subcharts.entry(cname).or_default().push(ChartFile { name: inner, data: f.data });
            }
            n => {
                if n.starts_with("crds/") {
                    crds.push(f.clone());
                }
                other.push(f);
            }
        }
    }
    let Some(chart_yaml) = chart_yaml else {
        return Err(load_err(format!("{origin}: Chart.yaml file is missing (is this a chart directory?)")));
    };
    let mut metadata = parse_metadata(&chart_yaml, origin)?;
    if let Some(req) = requirements {
        if metadata.dependencies.is_empty() {
            let j = crate::yaml::parse_yaml(&req).map_err(|e| load_err(format!("{origin}/requirements.yaml: {e}")))?;
            metadata.dependencies = parse_dependencies(&j["dependencies"]);
        }
    }
    let mut dependencies = Vec::new();
    for (cname, files) in subcharts {
        let sub_origin = format!("{origin}/charts/{cname}");
        if cname.ends_with(".tgz") || cname.ends_with(".tar.gz") {
            let data = files.into_iter().find(|f| f.name.is_empty()).map(|f| f.data);
            if let Some(data) = data {
                dependencies.push(load_archive_depth(&data, &sub_origin, depth + 1)?);
            }
            continue;
        }
        if cname.starts_with(['_', '.']) || files.iter().all(|f| f.name.is_empty()) {
            continue;
        }
        dependencies.push(from_files_depth(files, &sub_origin, depth + 1)?);
    }
    let mut crd_docs = Vec::new();
    for f in &crds {
        let text = String::from_utf8_lossy(&f.data);
        for doc in crate::render::manifests::split_manifests(&text) {
            let data = crate::yaml::parse_yaml(&doc)
                .map_err(|e| load_err(format!("{origin}/{}: YAML parse error: {e}", f.name)))?;
            crd_docs.push((f.name.clone(), doc, data));
        }
    }
    Ok(Chart { crd_docs, metadata, values, schema, templates, crds, files: other, dependencies })
}

fn s(j: &J, k: &str) -> String {
    match &j[k] {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

fn parse_metadata(text: &str, origin: &str) -> Result<Metadata> {
    let raw = crate::yaml::parse_yaml(text).map_err(|e| load_err(format!("{origin}/Chart.yaml: {e}")))?;
    if !raw.is_object() {
        return Err(load_err(format!("{origin}/Chart.yaml: not a map")));
    }
    let mut m = Metadata {
        api_version: s(&raw, "apiVersion"),
        name: s(&raw, "name"),
        version: s(&raw, "version"),
        app_version: s(&raw, "appVersion"),
        kube_version: s(&raw, "kubeVersion"),
        description: s(&raw, "description"),
        chart_type: s(&raw, "type"),
        dependencies: parse_dependencies(&raw["dependencies"]),
        raw,
    };
    if m.api_version.is_empty() {
        m.api_version = "v1".into();
    }
    if m.name.is_empty() {
        return Err(load_err(format!("{origin}/Chart.yaml: validation: chart.metadata.name is required")));
    }
    if m.version.is_empty() {
        return Err(load_err(format!("{origin}/Chart.yaml: validation: chart.metadata.version is required")));
    }
    if !matches!(m.chart_type.as_str(), "" | "application" | "library") {
        return Err(load_err(format!(
            "{origin}/Chart.yaml: validation: chart.metadata.type must be application or library, not {:?}",
            m.chart_type
        )));
    }
    Ok(m)
}

fn parse_dependencies(j: &J) -> Vec<Dependency> {
    let Some(list) = j.as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter(|d| d.is_object())
        .map(|d| Dependency {
            name: s(d, "name"),
            version: s(d, "version"),
            repository: s(d, "repository"),
            condition: s(d, "condition"),
            tags: d["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            alias: s(d, "alias"),
            import_values: d["import-values"].as_array().cloned().unwrap_or_default(),
        })
        .collect()
}
