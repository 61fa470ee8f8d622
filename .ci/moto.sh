# Sourced by .ci/run: installs the AWS API emulator (moto) and the AWS CLI in a
# virtual environment kept outside the clone, starts moto on a free loopback port
# for the tests, and stops it when the run ends.
MOTO_PIN='moto[server]==5.2.5'
AWSCLI_PIN='awscli==1.46.3'
GANTRY_VENV="${GANTRY_VENV:-$HOME/.cache/gantry-venv}"
ensure_venv "$GANTRY_VENV" "$MOTO_PIN" "$AWSCLI_PIN"
MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_LOG="$(mktemp -t gantry-moto.XXXXXX.log)"
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$GANTRY_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
GANTRY_TEST_SERVER_PIDS+=("$MOTO_PID")
python3 - "$MOTO_PORT" <<'PY' || { cat "$MOTO_LOG"; echo "moto did not start" >&2; exit 1; }
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
export GANTRY_TEST_AWS_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export GANTRY_TEST_AWS_CLI="$GANTRY_VENV/bin/aws"
export GANTRY_REQUIRE_MOTO=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
echo "moto $MOTO_PIN listening on $GANTRY_TEST_AWS_ENDPOINT (log: $MOTO_LOG)"
