# Sourced by .ci/run: installs the Kubernetes API emulator (kmock, pinned) in a
# virtual environment kept outside the clone, starts it through the launcher shim
# on a free loopback port, and writes a kubeconfig for the tests and kubectl.
KMOCK_PIN='kmock==0.8'
KMOCK_VENV="${GANTRY_KMOCK_VENV:-$HOME/.cache/gantry-kmock-venv}"
ensure_venv "$KMOCK_VENV" "$KMOCK_PIN"
if ! command -v kubectl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq kubectl >/dev/null 2>&1 || echo "kubectl is not available: the kubectl cross-checks will be skipped"
fi
KMOCK_DIR="$(mktemp -d -t gantry-kmock.XXXXXX)"
"$KMOCK_VENV/bin/python" tests/support/kmock_launcher.py --port-file "$KMOCK_DIR/port" >"$KMOCK_DIR/log" 2>&1 &
GANTRY_TEST_SERVER_PIDS+=("$!")
for _ in $(seq 1 300); do
  [ -s "$KMOCK_DIR/port" ] && break
  kill -0 "${GANTRY_TEST_SERVER_PIDS[-1]}" 2>/dev/null || { cat "$KMOCK_DIR/log"; echo "kmock did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$KMOCK_DIR/port" ] || { cat "$KMOCK_DIR/log"; echo "kmock did not start" >&2; exit 1; }
KMOCK_PORT="$(cat "$KMOCK_DIR/port")"
cat >"$KMOCK_DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kmock
  cluster:
    server: http://127.0.0.1:$KMOCK_PORT
users:
- name: kmock
  user: {}
contexts:
- name: kmock
  context:
    cluster: kmock
    user: kmock
current-context: kmock
KC
export GANTRY_TEST_KUBECONFIG="$KMOCK_DIR/kubeconfig"
export GANTRY_REQUIRE_KMOCK=1
echo "kmock $KMOCK_PIN serving on 127.0.0.1:$KMOCK_PORT (log: $KMOCK_DIR/log)"
