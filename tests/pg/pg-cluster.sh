#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for the tests.
#
#   pg-cluster.sh start DIR   creates DIR/data (initdb) and starts a server on a
#                             free port on 127.0.0.1, as an unprivileged user
#                             (PostgreSQL refuses to run as root); prints the
#                             libpq conninfo. The password for it is in
#                             DIR/password (scram-sha-256 over TCP).
#   pg-cluster.sh stop DIR    stops that server (fast shutdown).
#
# Uses the newest /usr/lib/postgresql/*/bin (Debian's packages: postgresql).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$(realpath -m "$2")

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg-cluster: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi

# Runs a command as the cluster's owner: ourselves unless we are root, then
# the `postgres` user the Debian package creates.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$command" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg-cluster: no user postgres (apt-get install postgresql)" >&2; exit 1; }
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  python3 -c 'import secrets; print(secrets.token_hex(16))' >"$dir/password"
  chmod 600 "$dir/password"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/password"
  as_owner "$bindir/initdb" -D "$dir/data" -U si --pwfile="$dir/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port can be taken between the check and the bind: try a few.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=100 -c fsync=off" \
        start >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      as_owner "$bindir/psql" -h "$dir" -p "$port" -U si -d postgres -qAt \
        -c "CREATE DATABASE si" >/dev/null
      echo "host=127.0.0.1 port=$port dbname=si user=si"
      exit 0
    fi
  done
  echo "pg-cluster: the server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  usage
  ;;
esac
