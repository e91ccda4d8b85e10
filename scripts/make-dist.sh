#!/usr/bin/env bash
# `make dist`: one tarball for hosts with no compiler and no Poco. It holds
# the program, the shared libraries it needs beyond glibc and libstdc++
# (found with ldd, loaded through an $ORIGIN-relative run path), the
# templates, the example configuration, the server configurations and
# (DT_RPATH, not RUNPATH, so the bundled libraries find each other too),
# INSTALL. Two modules sit in lib/ with the libraries they need (their run
# path is $ORIGIN): lib/stripe-install-net.so (Stripe API calls, [notify]
# url, the serve command: Poco Net/NetSSL/Crypto and OpenSSL) and
# lib/stripe-install-postgresql.so (loaded only for connector = postgresql:
# libpq and its libraries). Output: dist/stripe-install-VERSION-ARCH.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
build="${DIST_BUILD:-build-dist}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON '-DCMAKE_INSTALL_RPATH=$ORIGIN/lib' \
  -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags \
  -DCMAKE_MODULE_LINKER_FLAGS=-Wl,--disable-new-dtags >/dev/null
cmake --build "$build" -j "$(nproc)" --target stripe-install stripe-install-net stripe-install-postgresql
modules=("$build/stripe-install-net.so" "$build/stripe-install-postgresql.so")
version="$("$build/stripe-install" --version | head -1 | cut -d' ' -f2)"
arch="$(uname -m)"
name="stripe-install-$version-$arch"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/lib"
cp "$build/stripe-install" "$root/"
strip --strip-unneeded "$root/stripe-install"
for module in "${modules[@]}"; do
  cp "$module" "$root/lib/"
  strip --strip-unneeded "$root/lib/$(basename "$module")"
done
# Every library of the program and of the modules but the C runtime every
# Debian/Ubuntu host has.
{ ldd "$build/stripe-install"; for module in "${modules[@]}"; do ldd "$module"; done; } | awk '/=> \// {print $3}' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libstdc++.so.*|libgcc_s.so.*) ;;
    *) cp -L "$lib" "$root/lib/" ;;
  esac
done
cp -r templates apache lighttpd nginx cgi-bin "$root/"
mkdir -p "$root/config"
cp config/stripe-install.example.ini "$root/config/"
cp docs/INSTALL.txt "$root/INSTALL"
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz"
