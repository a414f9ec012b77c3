#!/usr/bin/env bash
# Installs the real components the test suite runs: promtool and Prometheus (Debian package).
# Idempotent: does nothing when they are already there.
set -euo pipefail
need_apt=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need ${need_apt[*]} (Debian packages); run as root or install them first" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
echo "setup: promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}')"
