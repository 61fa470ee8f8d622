//! Remote bases through the real git code path: a throwaway local repository
//! is served as `https://github.com/...` by `url.<local>.insteadOf` in a
//! test-only git config. All cases run in one test because they set the
//! process-wide `GIT_CONFIG_GLOBAL`.

use std::path::{Path, PathBuf};
use std::process::Command;

use gantry_kustomize::{build, Options};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").args(args).current_dir(dir).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Turns `dir` into a repository with one commit tagged `tag`.
fn make_repo(dir: &Path, tag: &str) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", tag]);
    git(dir, &["tag", tag]);
}

fn thirdparty() -> Option<PathBuf> {
    // GANTRY_THIRDPARTY names the folder where a checkout does not sit beside it.
    let p = std::env::var_os("GANTRY_THIRDPARTY")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/thirdparty"));
    if p.join("kustomize").is_dir() {
        return Some(p);
    }
    if std::env::var("GANTRY_SKIP_THIRDPARTY").as_deref() == Ok("1") {
        return None;
    }
    panic!(
        "third-party test inputs missing: expected {} (the shared/thirdparty folder next to the workspace); set GANTRY_SKIP_THIRDPARTY=1 to skip",
        p.display()
    );
}

#[test]
fn remote_bases() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("deploy/base")).unwrap();
    std::fs::write(repo.join("deploy/base/kustomization.yaml"), "resources:\n- cm.yaml\n").unwrap();
    std::fs::write(
        repo.join("deploy/base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\ndata:\n  from: v1\n",
    )
    .unwrap();
    make_repo(&repo, "v1");
    // A later commit on the default branch must not be what ?ref=v1 sees.
    std::fs::write(
        repo.join("deploy/base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\ndata:\n  from: main\n",
    )
    .unwrap();
    git(&repo, &["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "main"]);

    let gitconfig = tmp.path().join("gitconfig");
    let mut config =
        format!("[url \"file://{}\"]\n\tinsteadOf = https://github.com/example-org/example-repo\n", repo.display());
    let argo = tmp.path().join("argo");
    let tp = thirdparty();
    if let Some(tp) = &tp {
        copy_dir(&tp.join("kustomize/argo-workflows-v4.0.8"), &argo);
        make_repo(&argo, "v4.0.8");
        config.push_str(&format!(
            "[url \"file://{}\"]\n\tinsteadOf = https://github.com/argoproj/argo-workflows\n",
            argo.display()
        ));
    }
    std::fs::write(&gitconfig, config).unwrap();
    std::env::set_var("GIT_CONFIG_GLOBAL", &gitconfig);
    std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");

    // Both URL spellings, the same repo@ref twice (cloned once), and a prefix.
    let overlay = tmp.path().join("overlay");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "namePrefix: o-\nresources:\n- https://github.com/example-org/example-repo//deploy/base?ref=v1\n",
    )
    .unwrap();
    let b = build(&overlay, &Options::default()).expect("remote base builds");
    assert_eq!(b.to_yaml(), "apiVersion: v1\ndata:\n  from: v1\nkind: ConfigMap\nmetadata:\n  name: o-remote\n");
    assert_eq!(b.ids(), vec!["~G_v1_ConfigMap|~X|o-remote".to_string()]);

    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- github.com/example-org/example-repo/deploy/base?version=v1&timeout=30s\n",
    )
    .unwrap();
    let b = build(&overlay, &Options::default()).expect("github.com/ORG/REPO/path form builds");
    assert!(b.to_yaml().contains("from: v1"), "{}", b.to_yaml());

    // Without a ref, the default branch's newest commit.
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- https://github.com/example-org/example-repo//deploy/base\n",
    )
    .unwrap();
    let b = build(&overlay, &Options::default()).expect("default branch builds");
    assert!(b.to_yaml().contains("from: main"), "{}", b.to_yaml());

    // An unreachable remote names the URL and git's own error.
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- https://github.com/example-org/missing-repo//base?ref=v1\n",
    )
    .unwrap();
    let e = build(&overlay, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("remote base https://github.com/example-org/missing-repo//base?ref=v1"), "{e}");
    assert!(e.contains("git fetch"), "{e}");
    assert!(e.contains("missing-repo"), "{e}");

    // A ref that does not exist.
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- https://github.com/example-org/example-repo//deploy/base?ref=v9\n",
    )
    .unwrap();
    let e = build(&overlay, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("?ref=v9") && e.contains("v9"), "{e}");

    // The real tree: Kubeflow Pipelines with Argo Workflows as remote bases.
    if let Some(tp) = &tp {
        let kfp = tp.join("kustomize/kubeflow-pipelines/env/platform-agnostic");
        // git's trace2 log shows how many fetches the build ran: the tree names
        // the same repository@ref five times, which must be one clone.
        let trace = tmp.path().join("trace2.json");
        std::env::set_var("GIT_TRACE2_EVENT", &trace);
        let b = build(&kfp, &Options::default()).expect("Kubeflow Pipelines builds");
        std::env::remove_var("GIT_TRACE2_EVENT");
        let fetches = std::fs::read_to_string(&trace)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"event\":\"cmd_name\"") && l.contains("\"name\":\"fetch\""))
            .count();
        assert_eq!(fetches, 1, "argo-workflows@v4.0.8 should be cloned once per build");
        let expected =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kfp/expected.yaml")).unwrap();
        assert_eq!(b.objects().len(), 72);
        if b.to_yaml() != expected {
            let got = b.to_yaml();
            let line = got.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!("Kubeflow Pipelines output differs from kubectl kustomize at line {}", line + 1);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
