#!/usr/bin/env bash
# run-with-cluster.sh COMMAND [ARG…]: starts a private PostgreSQL cluster in a
# temporary folder (tests/pg/pg-cluster.sh), runs COMMAND with SI_PG_CONNINFO
# and PGPASSWORD set for it, then stops the cluster and removes the folder,
# whatever COMMAND did. Exits with COMMAND's status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/si-pg-XXXXXX")
cleanup() {
  "$here/pg-cluster.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
conninfo=$("$here/pg-cluster.sh" start "$dir")
PGPASSWORD=$(cat "$dir/password")
export SI_PG_CONNINFO="$conninfo" PGPASSWORD
set +e
"$@"
status=$?
set -e
exit "$status"
