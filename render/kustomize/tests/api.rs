//! The public API beyond `to_yaml`: ids, per-object JSON, ordering options.

use std::path::Path;

use gantry_kustomize::{build, Options, Reorder};

fn case(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name)
}

#[test]
fn ids_and_json_follow_output_order() {
    let b = build(&case("sort_legacy_default"), &Options::default()).unwrap();
    assert_eq!(
        b.ids(),
        [
            "~G_v1_Namespace|~X|n2",
            "apiextensions.k8s.io_v1_CustomResourceDefinition|~X|widgets.example.com",
            "~G_v1_Service|~X|s",
            // kustomize sorts a missing namespace as "~X", after named ones.
            "apps_v1_Deployment|n2|a",
            "apps_v1_Deployment|n2|b",
            "apps_v1_Deployment|~X|c",
            "example.com_v1_Widget|~X|w",
            "admissionregistration.k8s.io_v1_ValidatingWebhookConfiguration|~X|v",
        ]
    );
    let json = b.objects_json();
    assert_eq!(json[0], r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n2"}}"#);
    assert_eq!(b.objects().len(), json.len());
}

#[test]
fn reorder_none_keeps_input_order_and_legacy_overrides_fifo() {
    let none = build(&case("sort_legacy_default"), &Options { reorder: Reorder::None }).unwrap();
    assert_eq!(none.ids()[0], "admissionregistration.k8s.io_v1_ValidatingWebhookConfiguration|~X|v");
    // The kustomization asks for fifo; an explicit legacy order wins.
    let fifo = build(&case("sort_options_fifo"), &Options::default()).unwrap();
    assert_eq!(fifo.ids()[0], "apps_v1_Deployment|~X|z");
    let legacy = build(&case("sort_options_fifo"), &Options { reorder: Reorder::Legacy }).unwrap();
    assert_eq!(legacy.ids()[0], "~G_v1_Namespace|~X|a");
}

#[test]
fn errors_name_the_kustomization_and_field() {
    let e = build(&case("error_unknown_field"), &Options::default()).unwrap_err();
    match &e {
        gantry_kustomize::Error::Field { file, field, .. } => {
            assert!(file.ends_with("error_unknown_field/kustomization.yaml"), "{file:?}");
            assert_eq!(field, "namePrefx");
        }
        other => panic!("unexpected error {other:?}"),
    }
}
