#!/usr/bin/env bash
# Installs the Debian packages the tests need (PostgreSQL server, Chromium) when missing.
set -euo pipefail
need=()
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Please install: ${need[*]} (apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "Installing ${need[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
