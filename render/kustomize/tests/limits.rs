//! Bounds on bad input: nesting depth.

use gantry_kustomize::{build, Options};

#[test]
fn deeply_nested_bases_are_rejected_not_overflowed() {
    // On a 1 MiB stack, half of a test thread's default, to show the bound
    // leaves headroom in debug builds.
    std::thread::Builder::new().stack_size(1 << 20).spawn(nested_bases_rejected).unwrap().join().unwrap();
}

fn nested_bases_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..100 {
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources:\n- sub\n").unwrap();
        dir = dir.join("sub");
    }
    std::fs::write(dir.join("kustomization.yaml"), "resources: []\n").unwrap();
    let e = build(tmp.path(), &Options::default()).unwrap_err().to_string();
    assert!(e.contains("kustomizations nested more than 32 deep"), "{e}");
}

#[test]
fn moderately_nested_bases_build() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..20 {
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "resources:\n- sub\nnamePrefix: a-\n").unwrap();
        dir = dir.join("sub");
    }
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- cm.yaml\n").unwrap();
    std::fs::write(dir.join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").unwrap();
    let b = build(tmp.path(), &Options::default()).unwrap();
    assert_eq!(b.ids(), vec![format!("~G_v1_ConfigMap|~X|{}x", "a-".repeat(20))]);
}

#[test]
fn json_patch_replacing_the_whole_object_is_an_error() {
    // kubectl silently ignores this patch; an object that stops being an
    // object would break every later step, so we refuse it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources:\n- cm.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: '[{\"op\": \"replace\", \"path\": \"\", \"value\": 5}]'\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n").unwrap();
    let e = build(tmp.path(), &Options::default()).unwrap_err().to_string();
    assert!(
        e.contains(
            "field `patches`: JSON 6902 patch turned ~G_v1_ConfigMap|~X|cm into something that is not an object"
        ),
        "{e}"
    );
}
