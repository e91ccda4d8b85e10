#!/bin/sh
# Starts stripe-install for a web server that runs CGI programs (Apache
# mod_cgi/mod_cgid, lighttpd mod_cgi, a shared host's cgi-bin) and, unchanged,
# as Apache mod_fcgid's FcgidWrapper: exec keeps the FastCGI socket on stdin.
#
# Edit the two paths (or replace @CONFIG@ and @BINARY@ with sed); keep both
# files outside the web root. A STRIPE_INSTALL_CONFIG set by the server
# (Apache "SetEnv" with plain CGI) wins over the path written here.
STRIPE_INSTALL_CONFIG="${STRIPE_INSTALL_CONFIG:-@CONFIG@}"
export STRIPE_INSTALL_CONFIG
# The bundled libraries are found through the program's $ORIGIN run path,
# which the loader can only expand where /proc is mounted; naming the folder
# here too keeps a chrooted host without /proc working.
LD_LIBRARY_PATH="$(dirname "@BINARY@")/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
# The modules (lib/stripe-install-net.so and lib/stripe-install-postgresql.so
# in the dist) are found through /proc/self/exe too: name their folder for
# hosts without /proc.
if [ -z "${STRIPE_INSTALL_MODULE_DIR:-}" ] && { [ -e "$(dirname "@BINARY@")/lib/stripe-install-net.so" ] ||
   [ -e "$(dirname "@BINARY@")/lib/stripe-install-postgresql.so" ]; }; then
  STRIPE_INSTALL_MODULE_DIR="$(dirname "@BINARY@")/lib"
  export STRIPE_INSTALL_MODULE_DIR
fi
exec "@BINARY@"
