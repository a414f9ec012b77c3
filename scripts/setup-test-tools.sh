#!/usr/bin/env bash
# Installs the real components the test suite runs (Debian packages): promtool and Prometheus, jsonnet as a
# second, independent jsonnet engine, PostgreSQL for the demo app (tests start private clusters), Chromium
# for headless screenshots of HTML output, Alertmanager with amtool for the generated alert routing, and
# VictoriaMetrics with vmalert, the second engine the compiled rules are run on.
# Idempotent: does nothing when they are already there.
set -euo pipefail
need_apt=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v jsonnet >/dev/null 2>&1 || need_apt+=(jsonnet)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v victoria-metrics >/dev/null 2>&1 && command -v vmalert >/dev/null 2>&1 || need_apt+=(victoria-metrics)
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
echo "setup: jsonnet $(jsonnet --version 2>&1 | head -1)"
echo "setup: postgresql $(ls -d /usr/lib/postgresql/*/bin | head -1)"
echo "setup: $(chromium --version 2>/dev/null | head -1)"
echo "setup: alertmanager $(amtool --version 2>&1 | head -1 | awk '{print $3}')"
echo "setup: victoria-metrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || echo '(not from a Debian package)')"
bash "$(dirname "$0")/setup-helm.sh"
