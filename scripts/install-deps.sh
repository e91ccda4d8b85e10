#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/debian-packages.txt (only the
# missing ones; nothing at all when every one is present) and the npm packages
# the test oracles use (tests/node). Runs as root on a fresh Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | grep -v '^\s*$')
missing=()
for pkg in "${wanted[@]}"; do
  # nodejs/npm may come from outside Debian on some machines: a working
  # command is as good as the package.
  case "$pkg" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm)    command -v npm  >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: run as root (or install them yourself): apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Test oracles from the npm registry, pinned by tests/node/package-lock.json.
if [ -f tests/node/package.json ] && [ ! -d tests/node/node_modules ]; then
  echo "deps: installing npm packages for the tests (tests/node)"
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
