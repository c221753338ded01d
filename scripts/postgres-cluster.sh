#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and exports RAMPART_TEST_POSTGRES_URL; stops it and removes
# it when the calling shell exits. Source it: `source scripts/postgres-cluster.sh`.
# The cluster lives in a temporary directory, runs as the postgres user (when started as root) on a free loopback
# port, and trusts local connections: it holds nothing but test databases.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "postgres-cluster: no PostgreSQL server installed (scripts/install-deps.sh --test installs it); PostgreSQL tests are skipped" >&2
  return 0 2>/dev/null || exit 0
fi
rampart_pg_dir="$(mktemp -d /tmp/rampart-pg.XXXXXX)"
rampart_pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$rampart_pg_dir"
  rampart_pg_as() { runuser -u postgres -- "$@"; }
else
  rampart_pg_as() { "$@"; }
fi
rampart_pg_as "$pg_bin/initdb" -D "$rampart_pg_dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$rampart_pg_dir/initdb.log" 2>&1
# fsync=off: the cluster holds test databases only. A commit still reaches the kernel before it is acknowledged, so a
# killed server (the restart tests) loses nothing; only a machine crash could. The tests then do not wait for a disk
# that parallel builds keep busy (the likeliest cause of one run where five PostgreSQL tests passed their 15 s deadline).
rampart_pg_as "$pg_bin/pg_ctl" -D "$rampart_pg_dir/data" -l "$rampart_pg_dir/server.log" -w \
  -o "-p $rampart_pg_port -k $rampart_pg_dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null
rampart_pg_stop() {
  rampart_pg_as "$pg_bin/pg_ctl" -D "$rampart_pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$rampart_pg_dir"
}
trap rampart_pg_stop EXIT
export RAMPART_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$rampart_pg_port/postgres"
export RAMPART_TEST_POSTGRES_BIN="$pg_bin"
export RAMPART_TEST_POSTGRES_DATA="$rampart_pg_dir/data"
echo "postgres-cluster: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $rampart_pg_port ($rampart_pg_dir)"
