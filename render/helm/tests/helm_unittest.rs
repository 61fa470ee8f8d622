//! The charts' own helm-unittest suites, run against this renderer.

mod support;

fn run_chart(chart: &str, suites: &str, min_pass: usize) {
    let Some(dir) = support::chart_dir(chart) else { return };
    let out = support::unittest::run(&dir, &dir.join(suites));
    eprintln!("{chart}: {}", out.summary());
    for f in &out.failures {
        eprintln!("  FAIL {f}");
    }
    assert!(out.total() > 0, "{chart}: no assertions found under {suites}");
    assert!(
        out.passed >= min_pass,
        "{chart}: only {} assertions pass (expected at least {min_pass}); {}",
        out.passed,
        out.summary()
    );
}

#[test]
fn spark_operator_suites() {
    run_chart("spark-operator", "tests", 0);
}

#[test]
fn kube_prometheus_stack_suites() {
    run_chart("kube-prometheus-stack", "unittests", 0);
}

#[test]
fn strimzi_suites() {
    run_chart("strimzi-kafka-operator", "tests", 0);
}
