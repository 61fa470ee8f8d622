//! The chart model with small synthetic charts: values coalescing, `set` paths,
//! dependencies (conditions, tags, aliases, import-values, globals), built-in
//! objects, output format and order, hooks, errors, archives and `.helmignore`.

use gantry_helm::{render, Chart, ChartFile, ErrorKind, RenderOptions, SetKind, SetValue};

fn files(list: &[(&str, &str)]) -> Vec<ChartFile> {
    list.iter().map(|(n, d)| ChartFile { name: n.to_string(), data: d.as_bytes().to_vec() }).collect()
}

fn chart(list: &[(&str, &str)]) -> Chart {
    Chart::from_files(files(list), "test").unwrap()
}

const CHART_YAML: &str = "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: \"9.9\"\n";

fn opts() -> RenderOptions {
    RenderOptions { release_name: "rel".into(), namespace: "ns".into(), ..Default::default() }
}

fn out(c: &Chart, o: &RenderOptions, name: &str) -> String {
    let r = render(c, o).unwrap_or_else(|e| panic!("{e}"));
    r.manifests.get(name).cloned().unwrap_or_else(|| panic!("no {name} in {:?}", r.manifests.keys()))
}

#[test]
fn values_coalesce_like_helm() {
    let c = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("values.yaml", "a: 1\nkeep: {x: 1, y: 2}\ndrop: gone\nlist: [1, 2]\n"),
        (
            "templates/v.yaml",
            "# {{ toJson .Values }} {{ typeOf .Values.a }} {{ typeOf .Values.n }} {{ typeOf .Values.s }}",
        ),
    ]);
    let mut o = opts();
    o.values = vec!["keep: {y: 3}\ndrop: null\nlist: [9]\n".into(), "a: 2\n".into()];
    o.set = vec![
        SetValue::new("n", "5"),
        SetValue::new("s", "007"),
        SetValue::new("nested.list[1]", "x"),
        SetValue::new("dotted\\.key", "v"),
        SetValue::new("csv", "{a,b}"),
        SetValue::new("str", "true").with_kind(SetKind::String),
        SetValue::new("lit", "a,b=c").with_kind(SetKind::Literal),
        SetValue::new("js", "{\"q\": [1]}").with_kind(SetKind::Json),
    ];
    assert_eq!(
        out(&c, &o, "app/templates/v.yaml"),
        "# {\"a\":2,\"csv\":[\"a\",\"b\"],\"dotted.key\":\"v\",\"js\":{\"q\":[1]},\"keep\":{\"x\":1,\"y\":3},\"list\":[9],\"lit\":\"a,b=c\",\"n\":5,\"nested\":{\"list\":[null,\"x\"]},\"s\":\"007\",\"str\":\"true\"} float64 int64 string"
    );
    o.set = vec![SetValue::new("a.b", "")];
    o.values.clear();
    o.set = vec![SetValue::new("noval", "x"), SetValue::new("bad[x]", "1")];
    let e = render(&c, &o).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Values);
    assert!(e.message.contains("set \"bad[x]\"") && e.message.contains("failed to parse index"), "{e}");
    o.set.clear();
    o.values = vec!["a: [unclosed".into()];
    let e = render(&c, &o).unwrap_err();
    assert!(e.message.starts_with("values[0]: cannot parse values YAML"), "{e}");
}

fn parent_with_sub(sub_values: &str, deps: &str, parent_values: &str) -> Chart {
    chart(&[
        ("Chart.yaml", &format!("{CHART_YAML}dependencies:\n{deps}")),
        ("values.yaml", parent_values),
        ("templates/p.yaml", "parent={{ toJson .Values }}"),
        ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
        ("charts/sub/values.yaml", sub_values),
        (
            "charts/sub/templates/s.yaml",
            "{{ .Chart.Name }} {{ toJson .Values }} {{ .Template.Name }} {{ .Template.BasePath }}",
        ),
    ])
}

#[test]
fn subcharts_scopes_globals_alias_and_conditions() {
    let c = parent_with_sub(
        "own: 1\nglobal: {g: sub, only: s}\n",
        "  - name: sub\n    version: 0.1.0\n    condition: sub.enabled\n",
        "global: {g: parent}\nsub: {enabled: true, own: 2}\n",
    );
    let r = render(&c, &opts()).unwrap();
    assert_eq!(
        r.manifests["app/charts/sub/templates/s.yaml"],
        "sub {\"enabled\":true,\"global\":{\"g\":\"parent\",\"only\":\"s\"},\"own\":2} app/charts/sub/templates/s.yaml app/charts/sub/templates"
    );
    let mut o = opts();
    o.set = vec![SetValue::new("sub.enabled", "false")];
    let r = render(&c, &o).unwrap();
    assert!(!r.manifests.contains_key("app/charts/sub/templates/s.yaml"), "condition disables the subchart");

    let aliased =
        parent_with_sub("own: 1\n", "  - name: sub\n    version: 0.1.0\n    alias: other\n", "other: {own: 5}\n");
    let r = render(&aliased, &opts()).unwrap();
    assert_eq!(
        r.manifests["app/charts/other/templates/s.yaml"].split(' ').take(2).collect::<Vec<_>>(),
        ["other", "{\"global\":{},\"own\":5}"]
    );

    let tagged =
        parent_with_sub("own: 1\n", "  - name: sub\n    version: 0.1.0\n    tags: [extra]\n", "tags: {extra: false}\n");
    assert!(!render(&tagged, &opts()).unwrap().manifests.keys().any(|k| k.contains("charts/sub")));

    let imports = parent_with_sub(
        "exports: {data: {shared: 1}}\nchild: {table: {k: v}}\n",
        "  - name: sub\n    version: 0.1.0\n    import-values:\n      - data\n      - child: child.table\n        parent: imported\n",
        "shared: 0\n",
    );
    let r = render(&imports, &opts()).unwrap();
    let p = &r.manifests["app/templates/p.yaml"];
    assert!(p.contains("\"imported\":{\"k\":\"v\"}"), "{p}");
    assert!(p.contains("\"shared\":0"), "the parent's own value wins over an import: {p}");

    let missing = chart(&[("Chart.yaml", &format!("{CHART_YAML}dependencies:\n  - name: gone\n    version: 1.0.0\n"))]);
    let e = render(&missing, &opts()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::MissingDependency);
    assert!(e.message.contains("missing in charts/ directory: gone"), "{e}");
}

#[test]
fn built_in_objects() {
    let c = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("files/a.txt", "line1\nline2\n"),
        ("files/b.conf", "k=v"),
        (
            "templates/o.yaml",
            "# {{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.IsInstall }} {{ .Release.Revision }} {{ .Release.Service }}\n\
             # {{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Chart.IsRoot }}\n\
             # {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion.GitVersion }}\n\
             # {{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.APIVersions.Has \"x.io/v1\" }} {{ .Capabilities.HelmVersion.Version }}\n\
             # {{ .Files.Get \"files/b.conf\" }} {{ .Files.Lines \"files/a.txt\" }} {{ len (.Files.Glob \"files/*\") }}\n\
             # {{ (.Files.Glob \"files/*.conf\").AsConfig }}\n# {{ (.Files.Glob \"files/b*\").AsSecrets }}",
        ),
    ]);
    let mut o = opts();
    o.kube_version = Some("1.29.3-eks".into());
    o.api_versions = vec!["x.io/v1".into()];
    o.revision = 4;
    assert_eq!(
        out(&c, &o, "app/templates/o.yaml"),
        "# rel ns true 4 Helm\n# app 1.2.3 9.9 true\n# v1.29.3 1.29 v1.29.3-eks\n# true true v3.19.0\n# k=v [line1 line2] 2\n# b.conf: k=v\n# b.conf: az12"
    );
}

#[test]
fn output_order_hooks_notes_and_partials() {
    let c = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("templates/_helpers.tpl", "{{ define \"app.name\" }}{{ .Chart.Name }}-x{{ end }}"),
        ("templates/NOTES.txt", "Installed {{ include \"app.name\" . }}{{ .Values.nothing }}."),
        ("templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.name\" . }}\n---\n# only a comment\n---\n"),
        ("templates/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"),
        ("templates/custom.yaml", "apiVersion: x.io/v1\nkind: Zebra\nmetadata:\n  name: z\n---\napiVersion: x.io/v1\nkind: Alpha\nmetadata:\n  name: a\n"),
        ("templates/empty.yaml", "{{- if false }}x{{ end }}\n"),
        (
            "templates/hooks.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n\
             ---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n",
        ),
        ("crds/crd.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: zs.x.io\n"),
    ]);
    let r = render(&c, &opts()).unwrap();
    assert_eq!(r.notes, "Installed app-x.");
    let kinds: Vec<&str> = r.objects.iter().map(|o| o.doc["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds, ["ServiceAccount", "Deployment", "", "Alpha", "Zebra"]);
    assert!(
        !r.manifests.contains_key("app/templates/empty.yaml")
            && !r.manifests.contains_key("app/templates/_helpers.tpl")
    );
    assert_eq!(r.hooks.len(), 2);
    let pre = &r.hooks[1];
    assert_eq!((pre.name.as_str(), pre.kind.as_str(), pre.weight), ("pre", "Job", -5));
    assert_eq!(pre.events, ["pre-install", "pre-upgrade"]);
    assert_eq!(pre.delete_policies, ["before-hook-creation", "hook-succeeded"]);
    assert!(r.hooks[0].is_test());
    assert!(r.manifest.starts_with(
        "---\n# Source: app/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\n# Source: app/templates/deploy.yaml\n"
    ), "{}", r.manifest);
    assert!(r.manifest.contains("---\n# Source: app/templates/deploy.yaml\n# only a comment\n"));
    assert!(r.manifest.ends_with("---\n# Source: app/templates/hooks.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n"), "{}", r.manifest);
    assert!(!r.manifest.contains("CustomResourceDefinition"));
    let mut o = opts();
    o.include_crds = true;
    o.skip_tests = true;
    let r = render(&c, &o).unwrap();
    assert!(r.manifest.starts_with("---\n# Source: app/crds/crd.yaml\n"));
    assert!(!r.manifest.contains("name: t\n") && r.hooks.len() == 1);
}

#[test]
fn template_errors_read_like_helm() {
    let base = |tpl: &str| chart(&[("Chart.yaml", CHART_YAML), ("templates/x.yaml", tpl)]);
    let e = render(&base("a: 1\nb: {{ required \"b is required\" .Values.b }}"), &opts()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Render);
    assert_eq!(e.message, "execution error at (app/templates/x.yaml:2:6): b is required");
    let e = render(&base("{{ fail \"nope\" }}"), &opts()).unwrap_err();
    assert_eq!(e.message, "execution error at (app/templates/x.yaml:1:3): nope");
    let e = render(&base("\n  {{ .Values.a.b }}"), &opts()).unwrap_err();
    assert_eq!(
        e.message,
        "template: app/templates/x.yaml:2:5: executing \"app/templates/x.yaml\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
    );
    let e = render(&base("ok\n{{ if }}"), &opts()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.message, "parse error at (app/templates/x.yaml:2): missing value for if");
    let e = render(&base("a: [\n"), &opts()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Manifest);
    assert!(e.message.starts_with("YAML parse error on app/templates/x.yaml:"), "{e}");
    // Helm removes every "<no value>" from the output.
    assert_eq!(out(&base("v={{ .Values.none }}"), &opts(), "app/templates/x.yaml"), "v=");
}

#[test]
fn schema_violations_name_the_values_path() {
    let c = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("values.yaml", "image: {tag: latest}\nreplicas: 1\n"),
        (
            "values.schema.json",
            r#"{"type":"object","properties":{"image":{"type":"object","properties":{"tag":{"type":"string"}}},"replicas":{"type":"integer","minimum":1}}}"#,
        ),
        ("templates/x.yaml", "x: 1"),
    ]);
    assert!(render(&c, &opts()).is_ok());
    let mut o = opts();
    o.set = vec![SetValue::new("image.tag", "5"), SetValue::new("replicas", "0")];
    let e = render(&c, &o).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Schema);
    assert!(
        e.message
            .starts_with("values don't meet the specifications of the schema(s) in the following chart(s):\napp:\n"),
        "{e}"
    );
    assert!(e.message.contains("- at '/image/tag': 5 is not of type \"string\""), "{e}");
    assert!(e.message.contains("- at '/replicas': 0 is less than the minimum of 1"), "{e}");
}

#[test]
fn defines_library_charts_and_override_order() {
    let c = chart(&[
        ("Chart.yaml", &format!("{CHART_YAML}dependencies:\n  - name: lib\n    version: 0.1.0\n")),
        ("templates/_h.tpl", "{{ define \"shared\" }}parent{{ end }}"),
        ("templates/x.yaml", "{{ include \"shared\" . }} {{ include \"lib.only\" . }}"),
        ("charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n"),
        (
            "charts/lib/templates/_lib.tpl",
            "{{ define \"shared\" }}lib{{ end }}{{ define \"lib.only\" }}from-lib{{ end }}",
        ),
        ("charts/lib/templates/not-rendered.yaml", "kind: X"),
    ]);
    let r = render(&c, &opts()).unwrap();
    assert_eq!(r.manifests["app/templates/x.yaml"], "parent from-lib");
    assert!(!r.manifests.keys().any(|k| k.contains("not-rendered")));
}

#[test]
fn loads_archives_and_honours_helmignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("app");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("secret")).unwrap();
    std::fs::write(root.join("Chart.yaml"), CHART_YAML).unwrap();
    std::fs::write(root.join(".helmignore"), "# comment\n*.bak\nsecret/\n").unwrap();
    std::fs::write(root.join("templates/x.yaml"), "{{ len (.Files.Glob \"**\") }}").unwrap();
    std::fs::write(root.join("keep.txt"), "k").unwrap();
    std::fs::write(root.join("old.bak"), "b").unwrap();
    std::fs::write(root.join("secret/s.txt"), "s").unwrap();
    std::fs::write(root.join("templates/.hidden.yaml"), "kind: Hidden").unwrap();
    let c = Chart::load(&root).unwrap();
    let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [".helmignore", "keep.txt"]);
    assert_eq!(c.templates.len(), 1, "templates/.hidden.yaml is ignored by default");

    // The same chart as a .tgz, with a subchart archive inside charts/.
    let sub = tgz(&[
        ("sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
        ("sub/templates/s.yaml", "sub: {{ .Release.Name }}"),
    ]);
    let mut entries: Vec<(String, Vec<u8>)> =
        vec![("app/Chart.yaml".into(), CHART_YAML.into()), ("app/templates/x.yaml".into(), "x: 1".into())];
    entries.push(("app/charts/sub-0.1.0.tgz".into(), sub));
    let bytes = tgz_bytes(&entries);
    let p = dir.path().join("app-1.2.3.tgz");
    std::fs::write(&p, &bytes).unwrap();
    let c = Chart::load(&p).unwrap();
    assert_eq!(c.dependencies.len(), 1);
    let r = render(&c, &opts()).unwrap();
    assert_eq!(r.manifests["app/charts/sub/templates/s.yaml"], "sub: rel");

    let e = Chart::load(dir.path().join("nope")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Load);
    assert!(e.message.contains("nope") && e.message.contains("is the path a chart directory or .tgz archive?"), "{e}");
    let e = Chart::load_archive_bytes(b"not gzip", "bad.tgz").unwrap_err();
    assert!(e.message.starts_with("bad.tgz:"), "{e}");
    let e = Chart::from_files(files(&[("values.yaml", "a: 1")]), "x").unwrap_err();
    assert_eq!(e.message, "x: Chart.yaml file is missing (is this a chart directory?)");
}

fn tgz(list: &[(&str, &str)]) -> Vec<u8> {
    tgz_bytes(&list.iter().map(|(n, d)| (n.to_string(), d.as_bytes().to_vec())).collect::<Vec<_>>())
}

fn tgz_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

struct FakeCluster;

impl gantry_helm::Host for FakeCluster {
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> gantry_helm::funcs::FnResult {
        let j = serde_json::json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"namespace": namespace, "name": name}, "data": {"k": "djE="}});
        Ok(gantry_helm::value::Value::from_json_helm(&j))
    }
}

#[test]
fn lookup_uses_the_callers_host_and_kube_version_is_checked() {
    let c = chart(&[
        ("Chart.yaml", &format!("{CHART_YAML}kubeVersion: \">=1.25.0-0\"\n")),
        (
            "templates/x.yaml",
            "# {{ $s := lookup \"v1\" \"Secret\" \"ns\" \"s\" }}{{ if $s }}{{ $s.data.k }}{{ else }}none{{ end }}",
        ),
    ]);
    assert_eq!(out(&c, &opts(), "app/templates/x.yaml"), "# none");
    let mut o = opts();
    o.lookup = Some(std::sync::Arc::new(FakeCluster));
    assert_eq!(out(&c, &o, "app/templates/x.yaml"), "# djE=");
    o.kube_version = Some("v1.24.1".into());
    let e = render(&c, &o).unwrap_err();
    let d =
        chart(&[("Chart.yaml", CHART_YAML), ("templates/x.yaml", "# {{ .Release.Name }} {{ .Release.Namespace }}")]);
    assert_eq!(out(&d, &RenderOptions::default(), "app/templates/x.yaml"), "# release-name default");
    assert_eq!(e.message, "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.1");
}

#[test]
fn runaway_templates_fail_instead_of_hanging() {
    let c = chart(&[("Chart.yaml", CHART_YAML), ("templates/x.yaml", "{{ range 100000000 }}x{{ end }}")]);
    let e = render(&c, &opts()).unwrap_err();
    assert!(e.message.contains("exceeds the limit of 10000000 iterations"), "{e}");
    let c = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("templates/x.yaml", "{{ $s := repeat 1000000 \"x\" }}{{ range until 1000 }}{{ $s }}{{ end }}"),
    ]);
    let e = render(&c, &opts()).unwrap_err();
    assert!(e.message.contains("output exceeds 268435456 bytes"), "{e}");
}

#[test]
fn subchart_nesting_is_bounded() {
    let mut list = Vec::new();
    let mut prefix = String::new();
    for i in 0..40 {
        list.push(ChartFile {
            name: format!("{prefix}Chart.yaml"),
            data: format!("apiVersion: v2\nname: c{i}\nversion: 0.1.0\n").into_bytes(),
        });
        prefix.push_str(&format!("charts/c{}/", i + 1));
    }
    let e = Chart::from_files(list, "deep").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Load);
    assert!(e.message.contains("subcharts nest deeper than 32"), "{e}");
}
