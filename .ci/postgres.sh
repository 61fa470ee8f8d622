# Sourced by .ci/run: installs PostgreSQL (Debian's package) if absent, starts a
# throwaway cluster on a free loopback port for the pg backend's tests, and stops
# it when the run ends.
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PG_DIR="$(mktemp -d -t gantry-pg.XXXXXX)"
chown postgres "$PG_DIR"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log"; echo "initdb failed" >&2; exit 1; }
# In the foreground of a background job (not pg_ctl, which daemonizes), so that the
# job's PID is the server's and the trap's kill stops it like the other servers.
setpriv --reuid=postgres --regid=postgres --init-groups \
  "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" \
  -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 >"$PG_DIR/log" 2>&1 &
GANTRY_TEST_SERVER_PIDS+=("$!")
for _ in $(seq 1 300); do
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
  kill -0 "${GANTRY_TEST_SERVER_PIDS[-1]}" 2>/dev/null || { cat "$PG_DIR/log"; echo "postgres did not start" >&2; exit 1; }
  sleep 0.1
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { cat "$PG_DIR/log"; echo "postgres did not start" >&2; exit 1; }
export GANTRY_TEST_PG_CONN="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export GANTRY_REQUIRE_PG=1
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$PG_PORT (log: $PG_DIR/log)"
