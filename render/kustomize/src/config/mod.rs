//! Field specs beyond the built-in tables, from `configurations` and `crds`
//! files. They apply to the kustomization that lists them and to its parents.

pub mod configurations;
pub mod crds;

use crate::fieldspec::FieldSpec;

/// Field specs added by `crds` and `configurations` files, merged upwards
/// from bases (a base's configuration applies to its parents too).
#[derive(Clone, Debug, Default)]
pub struct ExtraConfig {
    pub labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub annotations: Vec<FieldSpec>,
    pub prefix: Vec<FieldSpec>,
    pub suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub varrefs: Vec<FieldSpec>,
    /// (referenced kind, group, version, referring field)
    pub namerefs: Vec<(String, String, String, FieldSpec)>,
}

impl ExtraConfig {
    pub fn merge(&mut self, other: &ExtraConfig) {
        let add = |to: &mut Vec<FieldSpec>, from: &[FieldSpec]| {
            for f in from {
                if !to
                    .iter()
                    .any(|t| t.path == f.path && t.kind == f.kind && t.group == f.group && t.version == f.version)
                {
                    to.push(f.clone());
                }
            }
        };
        add(&mut self.labels, &other.labels);
        add(&mut self.template_labels, &other.template_labels);
        add(&mut self.annotations, &other.annotations);
        add(&mut self.prefix, &other.prefix);
        add(&mut self.suffix, &other.suffix);
        add(&mut self.namespace, &other.namespace);
        add(&mut self.images, &other.images);
        add(&mut self.replicas, &other.replicas);
        add(&mut self.varrefs, &other.varrefs);
        self.namerefs.extend(other.namerefs.iter().cloned());
    }
}
