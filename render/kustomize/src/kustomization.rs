//! The kustomization file's schema (kustomize v5 field names).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;

/// File names kustomize looks for in a directory, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Fields that need kustomize plugins or Helm, which this library does not run.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("helmCharts", "Helm chart inflation is not supported; render the chart separately"),
    ("helmGlobals", "Helm chart inflation is not supported"),
    ("helmChartInflationGenerator", "Helm chart inflation is not supported"),
    ("generators", "generator plugins are not supported"),
    ("transformers", "transformer plugins are not supported"),
    ("validators", "validator plugins are not supported"),
    ("openapi", "custom OpenAPI schemas are not supported"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // apiVersion/metadata are accepted and not needed
pub struct Kustomization {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub crds: Vec<String>,
    #[serde(default)]
    pub configurations: Vec<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name_prefix: Option<String>,
    #[serde(default)]
    pub name_suffix: Option<String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub patches: Vec<Patch>,
    #[serde(default)]
    pub patches_strategic_merge: Vec<String>,
    #[serde(default, rename = "patchesJson6902")]
    pub patches_json6902: Vec<Patch>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub replicas: Vec<Replica>,
    #[serde(default)]
    pub config_map_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub secret_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub generator_options: Option<GeneratorOptions>,
    #[serde(default)]
    pub replacements: Vec<ReplacementEntry>,
    #[serde(default)]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub sort_options: Option<SortOptions>,
    #[serde(default)]
    pub build_metadata: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub patch: Option<String>,
    #[serde(default)]
    pub target: Option<Selector>,
    #[serde(default)]
    pub options: BTreeMap<String, bool>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub label_selector: Option<String>,
    #[serde(default)]
    pub annotation_selector: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    pub name: String,
    #[serde(default)]
    pub new_name: Option<String>,
    #[serde(default)]
    pub new_tag: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default)]
    pub tag_suffix: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub behavior: Option<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default, rename = "type")]
    pub secret_type: Option<String>,
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub disable_name_suffix_hash: Option<bool>,
    #[serde(default)]
    pub immutable: Option<bool>,
}

/// A `replacements` entry: a file of replacements, or one inline.
#[derive(Debug, Clone)]
pub enum ReplacementEntry {
    Path { path: String },
    Inline(Box<Replacement>),
}

impl<'de> Deserialize<'de> for ReplacementEntry {
    // By hand rather than `untagged`, so that a mistake inside an inline
    // replacement is reported as itself.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let v = Value::deserialize(d)?;
        if let Some(path) = v.get("path").and_then(Value::as_str) {
            if v.as_object().is_some_and(|m| m.len() == 1) {
                return Ok(ReplacementEntry::Path { path: path.to_string() });
            }
        }
        serde_json::from_value::<Replacement>(v)
            .map(|r| ReplacementEntry::Inline(Box::new(r)))
            .map_err(D::Error::custom)
    }
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replacement {
    #[serde(default)]
    pub source: Option<SourceSelector>,
    #[serde(default)]
    pub targets: Vec<TargetSelector>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSelector {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub field_path: Option<String>,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSelector {
    #[serde(default)]
    pub select: Option<Selector>,
    #[serde(default)]
    pub reject: Vec<Selector>,
    #[serde(default)]
    pub field_paths: Vec<String>,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // `encoding` is accepted; kustomize only knows the default
pub struct FieldOptions {
    #[serde(default)]
    pub delimiter: Option<String>,
    #[serde(default)]
    pub index: i64,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub create: bool,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Var {
    pub name: String,
    #[serde(rename = "objref")]
    pub obj_ref: VarRef,
    #[serde(default, rename = "fieldref")]
    pub field_ref: Option<VarFieldRef>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // vars match by kind, name and namespace
pub struct VarRef {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarFieldRef {
    #[serde(default)]
    pub field_path: String,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    pub order: String,
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    #[serde(default)]
    pub order_first: Vec<String>,
    #[serde(default)]
    pub order_last: Vec<String>,
}

impl Kustomization {
    /// Parses a kustomization; unsupported plugin fields and unknown fields
    /// are errors naming the field and the file.
    pub fn parse(value: Value, file: &Path) -> Result<Kustomization> {
        let Value::Object(map) = value else {
            if value.is_null() {
                return Ok(Kustomization::default());
            }
            return Err(Error::file(file, "a kustomization must be a YAML mapping"));
        };
        for (field, why) in UNSUPPORTED {
            if map.contains_key(*field) {
                return Err(Error::field(file, field, *why));
            }
        }
        if let Some(kind) = map.get("kind").and_then(Value::as_str) {
            if kind != "Kustomization" && kind != "Component" {
                return Err(Error::field(
                    file,
                    "kind",
                    format!("unknown kind {kind:?} (want Kustomization or Component)"),
                ));
            }
        }
        let map = match canonical_keys(Value::Object(map), &KUSTOMIZATION) {
            Value::Object(m) => m,
            _ => unreachable!("objects stay objects"),
        };
        if let Some(unknown) = map.keys().find(|k| !KUSTOMIZATION.fields.iter().any(|(f, _)| f == k)) {
            return Err(Error::field(file, unknown, "unknown field (not a kustomize v5 kustomization field)"));
        }
        // Errors inside a field (a typo in a patch, a wrong type) keep serde's
        // own wording, which names the offending key and what was expected.
        serde_json::from_value(Value::Object(map)).map_err(|e| Error::file(file, format!("invalid kustomization: {e}")))
    }
}

/// The field names of each kustomization struct, for matching keys without
/// regard to case as Go's `encoding/json` (and so kustomize) does.
struct Shape {
    fields: &'static [(&'static str, Option<&'static Shape>)],
}

const FIELD_SPEC: Shape =
    Shape { fields: &[("group", None), ("version", None), ("kind", None), ("path", None), ("create", None)] };
const SELECTOR: Shape = Shape {
    fields: &[
        ("group", None),
        ("version", None),
        ("kind", None),
        ("name", None),
        ("namespace", None),
        ("labelSelector", None),
        ("annotationSelector", None),
    ],
};
const PATCH: Shape =
    Shape { fields: &[("path", None), ("patch", None), ("target", Some(&SELECTOR)), ("options", None)] };
const GEN_OPTIONS: Shape =
    Shape { fields: &[("labels", None), ("annotations", None), ("disableNameSuffixHash", None), ("immutable", None)] };
const GENERATOR: Shape = Shape {
    fields: &[
        ("name", None),
        ("namespace", None),
        ("behavior", None),
        ("files", None),
        ("literals", None),
        ("envs", None),
        ("env", None),
        ("type", None),
        ("options", Some(&GEN_OPTIONS)),
    ],
};
const IMAGE: Shape =
    Shape { fields: &[("name", None), ("newName", None), ("newTag", None), ("digest", None), ("tagSuffix", None)] };
const REPLICA: Shape = Shape { fields: &[("name", None), ("count", None)] };
const LABEL: Shape = Shape {
    fields: &[("pairs", None), ("includeSelectors", None), ("includeTemplates", None), ("fields", Some(&FIELD_SPEC))],
};
const FIELD_OPTIONS: Shape =
    Shape { fields: &[("delimiter", None), ("index", None), ("encoding", None), ("create", None)] };
const SOURCE: Shape = Shape {
    fields: &[
        ("group", None),
        ("version", None),
        ("kind", None),
        ("name", None),
        ("namespace", None),
        ("fieldPath", None),
        ("options", Some(&FIELD_OPTIONS)),
    ],
};
const TARGET: Shape = Shape {
    fields: &[
        ("select", Some(&SELECTOR)),
        ("reject", Some(&SELECTOR)),
        ("fieldPaths", None),
        ("options", Some(&FIELD_OPTIONS)),
    ],
};
const REPLACEMENT: Shape = Shape { fields: &[("path", None), ("source", Some(&SOURCE)), ("targets", Some(&TARGET))] };
const VAR_REF: Shape = Shape {
    fields: &[
        ("apiVersion", None),
        ("group", None),
        ("version", None),
        ("kind", None),
        ("name", None),
        ("namespace", None),
    ],
};
const VAR_FIELD: Shape = Shape { fields: &[("fieldPath", None)] };
const VAR: Shape = Shape { fields: &[("name", None), ("objref", Some(&VAR_REF)), ("fieldref", Some(&VAR_FIELD))] };
const LEGACY_SORT: Shape = Shape { fields: &[("orderFirst", None), ("orderLast", None)] };
const SORT: Shape = Shape { fields: &[("order", None), ("legacySortOptions", Some(&LEGACY_SORT))] };
const KUSTOMIZATION: Shape = Shape {
    fields: &[
        ("apiVersion", None),
        ("kind", None),
        ("metadata", None),
        ("resources", None),
        ("bases", None),
        ("components", None),
        ("crds", None),
        ("configurations", None),
        ("namespace", None),
        ("namePrefix", None),
        ("nameSuffix", None),
        ("commonLabels", None),
        ("labels", Some(&LABEL)),
        ("commonAnnotations", None),
        ("patches", Some(&PATCH)),
        ("patchesStrategicMerge", None),
        ("patchesJson6902", Some(&PATCH)),
        ("images", Some(&IMAGE)),
        ("replicas", Some(&REPLICA)),
        ("configMapGenerator", Some(&GENERATOR)),
        ("secretGenerator", Some(&GENERATOR)),
        ("generatorOptions", Some(&GEN_OPTIONS)),
        ("replacements", Some(&REPLACEMENT)),
        ("vars", Some(&VAR)),
        ("sortOptions", Some(&SORT)),
        ("buildMetadata", None),
    ],
};

/// Renames keys that differ from a known field only in case, recursing into
/// nested structs (directly or as list elements). Maps of user data
/// (labels, annotations) are left alone.
fn canonical_keys(v: Value, shape: &Shape) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.into_iter().map(|i| canonical_keys(i, shape)).collect()),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, val) in m {
                let known = shape
                    .fields
                    .iter()
                    .find(|(f, _)| *f == k)
                    .or_else(|| shape.fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(&k)));
                match known {
                    Some((name, sub)) => {
                        let val = match sub {
                            Some(s) => canonical_keys(val, s),
                            None => val,
                        };
                        out.insert(name.to_string(), val);
                    }
                    None => {
                        out.insert(k, val);
                    }
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}
