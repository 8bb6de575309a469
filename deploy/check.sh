#!/usr/bin/env bash
# Static checks of deploy/ that need no Docker engine and no cluster: renders the kustomize base
# and GPU overlay (with kubectl or kustomize, when installed), parses every YAML file, and checks
# that Dockerfile, compose files and manifests agree (see check_deploy.py for the list).
# Needs: /usr/bin/python3 with PyYAML (Debian: python3-yaml). Optional: kubectl >= 1.21 or
# kustomize >= 3.7 (components); without one, the base is assembled by check_deploy.py itself and
# the GPU overlay is checked from its source files only. GLASSBOX_DEPLOY_REQUIRE_RENDER=1 makes a
# missing renderer an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3

if ! "$python" -c 'import yaml' 2>/dev/null; then
  echo "deploy-check: $python with PyYAML is needed (apt-get install python3-yaml)" >&2
  exit 1
fi

# The major version of a kustomize that understands `kind: Component` (>= 3.7), else nothing.
renderer=()
kustomize_major() { grep -oE 'v[0-9]+\.[0-9]+' | head -n 1 | tr -d v; }
if command -v kubectl >/dev/null 2>&1; then
  version="$(kubectl version --client 2>/dev/null | grep -i kustomize | kustomize_major || true)"
  if [ -n "$version" ] && [ "$(printf '%s\n3.7\n' "$version" | sort -V | head -n 1)" = "3.7" ]; then
    renderer=(kubectl kustomize)
  fi
fi
if [ ${#renderer[@]} -eq 0 ] && command -v kustomize >/dev/null 2>&1; then
  version="$(kustomize version 2>/dev/null | kustomize_major || true)"
  if [ -n "$version" ] && [ "$(printf '%s\n3.7\n' "$version" | sort -V | head -n 1)" = "3.7" ]; then
    renderer=(kustomize build)
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rendered=()
if [ ${#renderer[@]} -gt 0 ]; then
  for target in base overlays/gpu; do
    out="$work/$(basename "$target").yaml"
    if ! "${renderer[@]}" "$root/deploy/kubernetes/$target" >"$out" 2>"$work/err"; then
      echo "FAIL: ${renderer[*]} deploy/kubernetes/$target: $(cat "$work/err")"
      echo "deploy-check: 0 passed, 1 failed"
      exit 1
    fi
  done
  echo "deploy-check: rendered base and overlays/gpu with ${renderer[*]} (kustomize v$version)"
  rendered=(--rendered-base "$work/base.yaml" --rendered-gpu "$work/gpu.yaml")
elif [ "${GLASSBOX_DEPLOY_REQUIRE_RENDER:-0}" = 1 ]; then
  echo "deploy-check: no kubectl >= 1.21 or kustomize >= 3.7 to render the manifests" >&2
  exit 1
else
  echo "deploy-check: WARNING no kubectl >= 1.21 or kustomize >= 3.7; checking the base without kustomize" \
       "and the GPU component from its source (Debian's kubernetes-client 1.20 is too old for components)"
fi

# Compile the compose health-check client against the project's gRPC and protobuf versions, when
# javac and those jars are at hand (they are after any Maven build of the project); otherwise the
# first sign of a mistake in it would be a failing `docker build`.
healthcheck=(--healthcheck-compile skipped)
repo="${MAVEN_REPOSITORY:-$HOME/.m2/repository}"
grpc_version="$(sed -n 's:.*<grpc.version>\(.*\)</grpc.version>.*:\1:p' "$root/pom.xml")"
protobuf_version="$(sed -n 's:.*<protobuf.version>\(.*\)</protobuf.version>.*:\1:p' "$root/pom.xml")"
jars=("$repo/io/grpc/grpc-api/$grpc_version/grpc-api-$grpc_version.jar"
      "$repo/io/grpc/grpc-stub/$grpc_version/grpc-stub-$grpc_version.jar"
      "$repo/io/grpc/grpc-services/$grpc_version/grpc-services-$grpc_version.jar"
      "$repo/com/google/protobuf/protobuf-java/$protobuf_version/protobuf-java-$protobuf_version.jar")
if command -v javac >/dev/null 2>&1 && ls "${jars[@]}" >/dev/null 2>&1; then
  if javac --release 17 -d "$work/healthcheck" -cp "$(IFS=:; echo "${jars[*]}")" \
      "$root/deploy/docker/healthcheck/io/glassbox/deploy/GrpcHealthCheck.java" 2>"$work/javac.err"; then
    healthcheck=(--healthcheck-compile ok)
  else
    cat "$work/javac.err"
    healthcheck=(--healthcheck-compile failed)
  fi
else
  echo "deploy-check: WARNING javac or the gRPC $grpc_version jars missing; health-check client not compiled"
fi

"$python" "$root/deploy/check_deploy.py" --root "$root" "${rendered[@]}" "${healthcheck[@]}"
