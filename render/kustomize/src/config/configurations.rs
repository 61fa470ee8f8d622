//! `configurations`: kustomize's transformer configuration files.

use std::path::Path;

use serde_json::Value;

use super::ExtraConfig;
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;

/// A `configurations` file: kustomize's transformer configuration
/// (`nameReference`, `commonLabels`, `namePrefix`, …, each a field-spec list).
pub fn load_configuration(text: &str, origin: &Path, kfile: &Path) -> Result<ExtraConfig> {
    let v = crate::yaml_in::parse_kustomization(text, origin)?;
    let Value::Object(map) = v else {
        return Ok(ExtraConfig::default());
    };
    let bad = |k: &str, e: serde_json::Error| {
        Error::field(kfile, "configurations", format!("{}: {k}: {e}", origin.display()))
    };
    let mut cfg = ExtraConfig::default();
    for (k, val) in map {
        let specs = || -> Result<Vec<FieldSpec>> { serde_json::from_value(val.clone()).map_err(|e| bad(&k, e)) };
        match k.to_ascii_lowercase().as_str() {
            "nameprefix" => cfg.prefix = specs()?,
            "namesuffix" => cfg.suffix = specs()?,
            "namespace" => cfg.namespace = specs()?,
            "commonlabels" => cfg.labels = specs()?,
            "templatelabels" => cfg.template_labels = specs()?,
            "commonannotations" => cfg.annotations = specs()?,
            "images" => cfg.images = specs()?,
            "replicas" => cfg.replicas = specs()?,
            "varreference" => cfg.varrefs = specs()?,
            "namereference" => {
                #[derive(serde::Deserialize)]
                struct Ref {
                    kind: String,
                    #[serde(default)]
                    group: String,
                    #[serde(default)]
                    version: String,
                    #[serde(default, rename = "fieldSpecs")]
                    field_specs: Vec<FieldSpec>,
                }
                let refs: Vec<Ref> = serde_json::from_value(val.clone()).map_err(|e| bad(&k, e))?;
                for r in refs {
                    for f in r.field_specs {
                        cfg.namerefs.push((r.kind.clone(), r.group.clone(), r.version.clone(), f));
                    }
                }
            }
            other => {
                return Err(Error::field(
                    kfile,
                    "configurations",
                    format!("{}: unknown transformer configuration {other:?}", origin.display()),
                ))
            }
        }
    }
    Ok(cfg)
}
