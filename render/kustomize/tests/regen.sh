#!/bin/sh
# Regenerates the conformance corpus expectations with the real kustomize:
# `kubectl kustomize` (kubectl 1.32, kustomize v5.5.0). For each case in
# tests/cases/NAME: a case with `expected_error.txt` must fail, and kubectl's
# message is kept in `kubectl_error.txt` for reference; any other case's
# output becomes `expected.yaml`. A case may hold a `reorder` file (none or
# legacy) passed as `--reorder`. A case with both `expected_error.txt` and
# `unsupported` exercises a kustomize feature this library rejects on purpose.
#
# Also records the Kubeflow Pipelines tree (tests/kfp/expected.yaml), serving
# the Argo Workflows tree as a local git repository through insteadOf.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v kubectl >/dev/null || { echo "regen.sh: kubectl not on PATH" >&2; exit 1; }
tmp_err=$(mktemp)
for dir in "$here"/cases/*/; do
  name=$(basename "$dir")
  set --
  if [ -f "$dir/reorder" ]; then set -- --reorder "$(cat "$dir/reorder")"; fi
  if [ -f "$dir/expected_error.txt" ] && [ -f "$dir/unsupported" ]; then
    # A feature kustomize has and this library refuses: keep kubectl's output
    # for reference only.
    kubectl kustomize "$@" "$dir" >"$dir/kubectl_output.yaml" 2>/dev/null || true
  elif [ -f "$dir/expected_error.txt" ]; then
    if kubectl kustomize "$@" "$dir" >/dev/null 2>"$tmp_err"; then
      echo "regen.sh: $name was expected to fail but kubectl built it" >&2; exit 1
    fi
    # Keep kubectl's message, not its log prefix or this checkout's location.
    sed -e 's/^E[0-9]\{4\} [0-9:.]* *[0-9]* run.go:[0-9]*\] //' -e "s|$here/cases/||g" "$tmp_err" >"$dir/kubectl_error.txt"
  else
    kubectl kustomize "$@" "$dir" >"$dir/expected.yaml" 2>/dev/null || {
      echo "regen.sh: kubectl failed on $name" >&2; exit 1; }
  fi
done

thirdparty="$here/../../../../shared/thirdparty"
[ -d "$thirdparty/kustomize" ] || { echo "regen.sh: $thirdparty/kustomize missing" >&2; exit 1; }
rm -f "$tmp_err"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$thirdparty/kustomize/argo-workflows-v4.0.8" "$tmp/argo"
( cd "$tmp/argo" && git init -q && git add -A &&
  git -c user.email=t@example.com -c user.name=t commit -qm v4.0.8 && git tag v4.0.8 )
printf '[url "file://%s/argo"]\n\tinsteadOf = https://github.com/argoproj/argo-workflows\n' "$tmp" >"$tmp/gitconfig"
mkdir -p "$here/kfp"
GIT_CONFIG_GLOBAL="$tmp/gitconfig" GIT_CONFIG_NOSYSTEM=1 \
  kubectl kustomize "$thirdparty/kustomize/kubeflow-pipelines/env/platform-agnostic" >"$here/kfp/expected.yaml"
echo "regen.sh: done"
