#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster on loopback, then removes it.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d /tmp/patronage-pg.XXXXXX)
PORT=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
RUN=()
if [ "$(id -u)" -eq 0 ]; then
  id pgtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin pgtest
  chown pgtest "$DIR"
  RUN=(runuser -u pgtest --)
fi
install -d -m 700 "$DIR/data"; install -d -m 755 "$DIR/run"
[ ${#RUN[@]} -gt 0 ] && chown pgtest "$DIR/data" "$DIR/run"
cleanup() {
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"${RUN[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/run/pg.log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
echo "PostgreSQL on 127.0.0.1:$PORT" >&2
# As in production (docs/deploy.md): one role owns the tables and migrates them, the
# application connects as another, which row-level security holds to one tenant; search
# reads the trigram index as a third, without login (docs/deploy.md, "Roles").
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE patronage_owner LOGIN CREATEDB" -c "CREATE ROLE patronage_app LOGIN" \
  -c "CREATE ROLE patronage_search NOLOGIN" -c "GRANT patronage_search TO patronage_owner" \
  -c "CREATE DATABASE patronage OWNER patronage_owner" >/dev/null
export DATABASE_OWNER_URL="postgresql+psycopg://patronage_owner@127.0.0.1:$PORT/patronage"
export DATABASE_URL="postgresql+psycopg://patronage_app@127.0.0.1:$PORT/patronage"
"$@"
