# Sourced by .ci/run. ensure_venv DIR PIN...: a virtual environment at DIR (outside the
# clone, so later runs reuse it) holding exactly the pinned packages; rebuilt when the
# pins change. Installs python3-venv first on a machine that lacks it.
ensure_venv() {
  local dir="$1"
  shift
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.pins" 2>/dev/null)" = "$*" ]; then
    return
  fi
  rm -rf "$dir"
  if ! python3 -m venv "$dir" 2>/dev/null; then
    rm -rf "$dir"
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$dir"
  fi
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  echo "$*" > "$dir/.pins"
}
