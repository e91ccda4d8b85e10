#!/bin/sh
# The program must link only what a web request needs: each library below is
# loaded lazily by a module (stripe-install-net.so: Poco Net, NetSSL, Crypto,
# OpenSSL; stripe-install-postgresql.so: Poco Data, DataPostgreSQL, libpq) or
# not used at all (Poco Util, which brought XML and expat; Poco DataSQLite:
# the store uses SQLite's C API). A
# plain-CGI request starts the program afresh, and loading libraries is most
# of its cost (README, "Benchmarks"). Checks the program's own DT_NEEDED
# entries (readelf -d) and, when ldd is there, what they load in turn.
# Usage: check-needed.sh PROGRAM
set -eu
program="$1"
needed="$("${READELF:-readelf}" -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
if [ -z "$needed" ]; then
  echo "check-needed: readelf found no NEEDED entries in $program" >&2
  exit 1
fi
loaded=""
if command -v ldd >/dev/null 2>&1; then
  loaded="$(ldd "$program" | awk '{print $1}' | sed 's|.*/||')"
fi
status=0
for lib in libPocoNet libPocoNetSSL libPocoCrypto libPocoUtil libPocoXML libssl libcrypto libexpat \
           libPocoData libPocoDataSQLite libPocoDataPostgreSQL libpq; do
  if printf '%s\n' "$needed" | grep -q "^$lib\.so"; then
    echo "check-needed: $program links $lib (DT_NEEDED): code that needs it belongs in a module loaded on first use (src/net/, src/store/postgresql/, src/modules/)" >&2
    status=1
  elif printf '%s\n' "$loaded" | grep -q "^$lib\.so"; then
    echo "check-needed: $program loads $lib through another library it links (ldd): code that needs it belongs in a module loaded on first use (src/net/, src/modules/)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "check-needed: $program links only:" $needed
exit "$status"
