//! `commonLabels`, `labels` and `commonAnnotations`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::config::ExtraConfig;
use crate::fieldspec::{self, load_specs, FieldSpec};
use crate::kustomization::Label;
use crate::resource::Resource;

fn common_label_specs() -> Vec<FieldSpec> {
    load_specs(include_str!("../konfig/commonlabels.yaml"), "commonLabels")
}

fn apply_map(res: &mut [Resource], pairs: &BTreeMap<String, String>, specs: &[FieldSpec]) {
    if pairs.is_empty() {
        return;
    }
    for r in res.iter_mut() {
        let gvk = r.id().gvk;
        for s in specs.iter().filter(|s| s.applies_to(&gvk)) {
            fieldspec::visit(&mut r.obj, &s.segments(), s.create, &mut |v| {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                if let Value::Object(m) = v {
                    for (k, val) in pairs {
                        m.insert(k.clone(), Value::String(val.clone()));
                    }
                }
            });
        }
    }
}

pub fn common_labels(res: &mut [Resource], pairs: &BTreeMap<String, String>, extra: &[FieldSpec]) {
    let mut specs = common_label_specs();
    specs.extend(extra.iter().cloned());
    apply_map(res, pairs, &specs);
}

pub fn labels(res: &mut [Resource], l: &Label, extra: &ExtraConfig) {
    let mut specs = if l.include_selectors {
        let mut s = common_label_specs();
        s.extend(extra.labels.iter().cloned());
        s
    } else if l.include_templates {
        let mut s = load_specs(include_str!("../konfig/templatelabels.yaml"), "templateLabels");
        s.extend(extra.template_labels.iter().cloned());
        s
    } else {
        vec![FieldSpec { path: "metadata/labels".into(), create: true, ..Default::default() }]
    };
    specs.extend(l.fields.iter().cloned());
    apply_map(res, &l.pairs, &specs);
}

pub fn annotations(res: &mut [Resource], pairs: &BTreeMap<String, String>, extra: &[FieldSpec]) {
    let mut specs = load_specs(include_str!("../konfig/commonannotations.yaml"), "commonAnnotations");
    specs.extend(extra.iter().cloned());
    apply_map(res, pairs, &specs);
}
