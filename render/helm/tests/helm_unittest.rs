//! The charts' own helm-unittest suites, run against this renderer.

mod support;

/// Runs a chart's suites; every assertion must pass and there must be `expected`.
fn run_chart(chart: &str, suites: &str, expected: usize) {
    let Some(dir) = support::chart_dir(chart) else { return };
    let out = support::unittest::run(&dir, &dir.join(suites));
    eprintln!("{chart}: {}", out.summary());
    for f in &out.failures {
        eprintln!("  FAIL {f}");
    }
    assert!(out.total() > 0, "{chart}: no assertions found under {suites}");
    assert!(out.failures.is_empty() && out.unsupported.is_empty(), "{chart}: {}", out.summary());
    assert_eq!(out.passed, expected, "{chart}: {}", out.summary());
}

#[test]
fn spark_operator_suites() {
    run_chart("spark-operator", "tests", 367);
}

#[test]
fn kube_prometheus_stack_suites() {
    run_chart("kube-prometheus-stack", "unittests", 174);
}

#[test]
fn kube_prometheus_stack_crds_subchart_suites() {
    run_chart("kube-prometheus-stack/charts/crds", "unittests", 1);
}

#[test]
fn strimzi_suites() {
    run_chart("strimzi-kafka-operator", "tests", 69);
}
