#!/usr/bin/env python3
"""Differential check against kustomize's own end-to-end tests.

kustomize's api/krusty/*_test.go tests write small kustomization trees with
th.WriteK / th.WriteC / th.WriteF and build them with th.Run. This script
rebuilds each tree in a temporary directory, runs `kubectl kustomize` and our
`kbuild` example on it, and reports where the two differ. Nothing from the
tests is stored in this repository.

Usage:
    cargo build -p gantry-kustomize --example kbuild
    tools/krusty_diff.py KUSTOMIZE_CHECKOUT/api/krusty TARGET_DIR/debug/examples/kbuild

Prints one line per tree (SAME, DIFF, OURS-FAIL, KUBECTL-FAIL, BOTH-FAIL)
and a summary. Trees whose kustomization uses plugins (generators,
transformers, validators, helm) fail on our side by design.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

CALL = re.compile(
    r'th\.(WriteK|WriteF|WriteC)\(\s*"([^"]*)"\s*,\s*`([^`]*)`\s*\)'
    r'|th\.(?:Run|RunWithErr)\(\s*"([^"]*)"\s*,\s*th\.MakeDefaultOptions\(\)\s*\)'
)
HEADERS = {
    "WriteK": "\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
    "WriteC": "\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
}


def trees(krusty_dir):
    """Yields (name, {path: content}, build_dir) for every th.Run in a test."""
    for test_file in sorted(glob.glob(os.path.join(krusty_dir, "*_test.go"))):
        source = open(test_file).read()
        for body in re.split(r"\nfunc ", source):
            name = body.split("(")[0].strip()
            if not name.startswith("Test"):
                continue
            files = {}
            for i, m in enumerate(CALL.finditer(body)):
                kind, path, content, run = m.groups()
                if kind:
                    path = path.lstrip("/")
                    if kind in HEADERS:
                        files[os.path.join(path, "kustomization.yaml")] = HEADERS[kind] + content
                    else:
                        files[path] = content
                else:
                    yield f"{os.path.basename(test_file)[:-8]}:{name}:{i}", dict(files), run.lstrip("/") or "."


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode == 0, p.stdout


def main(krusty_dir, kbuild):
    counts = {}
    for name, files, build_dir in trees(krusty_dir):
        with tempfile.TemporaryDirectory() as tmp:
            for path, content in files.items():
                full = os.path.join(tmp, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w") as f:
                    f.write(content)
            target = os.path.join(tmp, build_dir)
            if not os.path.isdir(target):
                continue
            k_ok, k_out = run(["kubectl", "kustomize", target])
            m_ok, m_out = run([kbuild, target])
        if k_ok and m_ok:
            verdict = "SAME" if k_out == m_out else "DIFF"
        elif not k_ok and not m_ok:
            verdict = "BOTH-FAIL"
        else:
            verdict = "OURS-FAIL" if k_ok else "KUBECTL-FAIL"
        counts[verdict] = counts.get(verdict, 0) + 1
        print(verdict, name)
    print("summary:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
