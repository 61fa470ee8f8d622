//! The real charts render with their default values and every `ci/*.yaml` values
//! file, and every document is a Kubernetes object.

mod support;

use std::path::Path;

use gantry_helm::{render, Chart, ErrorKind, RenderOptions, Rendered};

fn opts(values: Vec<String>) -> RenderOptions {
    RenderOptions { release_name: "rel".into(), namespace: "ns".into(), values, ..Default::default() }
}

fn assert_objects(r: &Rendered, what: &str) {
    assert!(!r.objects.is_empty(), "{what}: no objects rendered");
    for o in r.objects.iter().chain(r.crds.iter()) {
        if o.doc.is_null() {
            continue;
        }
        for f in ["apiVersion", "kind"] {
            assert!(o.doc[f].is_string(), "{what}: {} lacks {f}: {}", o.source, o.content);
        }
        assert!(o.doc["metadata"]["name"].is_string(), "{what}: {} lacks metadata.name:\n{}", o.source, o.content);
    }
    for h in &r.hooks {
        assert!(!h.events.is_empty() && !h.kind.is_empty(), "{what}: hook {} malformed", h.source);
    }
    // What `helm template` prints parses back as the same documents.
    let docs = gantry_helm::yaml::parse_yaml_stream(&r.manifest).expect("manifest is a YAML stream");
    assert!(docs.len() >= r.objects.len(), "{what}: manifest lost documents");
}

fn ci_values(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("ci")) {
        for e in rd.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap_or_default().to_string_lossy().to_string();
            // kind-config.yaml configures a kind cluster, not the chart.
            if name.ends_with("-values.yaml") || name == "ci-values.yaml" {
                out.push((name, std::fs::read_to_string(&p).expect("values readable")));
            }
        }
    }
    out.sort();
    out
}

fn render_all(name: &str, base: RenderOptions) -> usize {
    let Some(dir) = support::chart_dir(name) else { return 0 };
    let chart = Chart::load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    let r = render(&chart, &base).unwrap_or_else(|e| panic!("{name} (defaults): {e}"));
    assert_objects(&r, name);
    let mut n = 1;
    for (file, text) in ci_values(&dir) {
        let mut o = base.clone();
        o.values.push(text);
        let r = render(&chart, &o).unwrap_or_else(|e| panic!("{name} with ci/{file}: {e}"));
        assert_objects(&r, &format!("{name} with ci/{file}"));
        n += 1;
    }
    n
}

#[test]
fn spark_operator_renders() {
    let n = render_all("spark-operator", opts(vec![]));
    if n > 0 {
        assert_eq!(n, 2, "defaults and ci/ci-values.yaml");
    }
}

#[test]
fn strimzi_renders_with_crds_first() {
    render_all("strimzi-kafka-operator", opts(vec![]));
    let Some(dir) = support::chart_dir("strimzi-kafka-operator") else { return };
    let chart = Chart::load(&dir).unwrap();
    let mut o = opts(vec![]);
    o.include_crds = true;
    let r = render(&chart, &o).unwrap();
    assert!(!r.crds.is_empty());
    assert!(r.manifest.starts_with("---\n# Source: strimzi-kafka-operator/crds/"), "{}", &r.manifest[..200]);
    assert!(r.notes.contains("strimzi"), "NOTES.txt rendered: {}", r.notes);
    // Install order: ServiceAccount before ClusterRole before Deployment.
    let kinds: Vec<&str> = r.objects.iter().filter_map(|o| o.doc["kind"].as_str()).collect();
    let pos = |k: &str| kinds.iter().position(|x| *x == k).unwrap_or_else(|| panic!("no {k} in {kinds:?}"));
    assert!(pos("ServiceAccount") < pos("ClusterRole") && pos("ClusterRole") < pos("Deployment"));
}

/// The shared copy of kube-prometheus-stack lacks four of its five dependencies in
/// `charts/`; the CLI refuses such a chart, so the default is a clear error.
#[test]
fn kube_prometheus_stack_missing_dependencies_are_named() {
    let Some(dir) = support::chart_dir("kube-prometheus-stack") else { return };
    let chart = Chart::load(&dir).unwrap();
    let missing = ["kube-state-metrics", "prometheus-node-exporter", "grafana", "prometheus-windows-exporter"];
    if missing.iter().all(|m| chart.dependencies.iter().any(|c| c.name() == *m)) {
        return;
    }
    let err = render(&chart, &opts(vec![])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::MissingDependency);
    assert!(err.message.contains("found in Chart.yaml, but missing in charts/ directory"), "{err}");
    assert!(err.message.contains("grafana"), "{err}");
}

/// With the absent subcharts switched off (their templates cannot render, and the
/// parent reads their defaults), the rest of the chart renders.
#[test]
fn kube_prometheus_stack_renders() {
    let mut o = opts(vec![]);
    o.allow_missing_dependencies = true;
    o.set = ["kubeStateMetrics.enabled", "nodeExporter.enabled", "grafana.enabled", "windowsMonitoring.enabled"]
        .iter()
        .map(|k| gantry_helm::SetValue::new(*k, "false"))
        .collect();
    let n = render_all("kube-prometheus-stack", o);
    if n > 0 {
        assert_eq!(n, 6, "defaults and five ci values files");
    }
}

#[test]
fn show_only_and_hooks() {
    let Some(dir) = support::chart_dir("spark-operator") else { return };
    let chart = Chart::load(&dir).unwrap();
    let mut o = opts(vec![]);
    o.show_only = vec!["templates/controller/deployment.yaml".into()];
    let r = render(&chart, &o).unwrap();
    assert!(r.manifest.starts_with("---\n# Source: spark-operator/templates/controller/deployment.yaml\n"));
    assert_eq!(r.manifest.matches("# Source:").count(), 1);
    o.show_only = vec!["templates/nope.yaml".into()];
    let e = render(&chart, &o).unwrap_err();
    assert_eq!(e.message, "could not find template templates/nope.yaml in chart");

    let r = render(&chart, &opts(vec![])).unwrap();
    for h in &r.hooks {
        assert!(r.manifest.contains(&format!("# Source: {}\n{}", h.source, h.manifest)));
    }
    let mut o = opts(vec![]);
    o.disable_hooks = true;
    let r2 = render(&chart, &o).unwrap();
    for h in &r.hooks {
        assert!(!r2.manifest.contains(&h.manifest));
    }
}
