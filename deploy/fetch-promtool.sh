#!/usr/bin/env bash
# Fetches promtool (Prometheus' rule checker) for deploy/check.sh on a machine that has none: takes
# Debian's prometheus package with `apt-get download` (no root, nothing installed: the package would
# also install and start a Prometheus server) and unpacks only its promtool. apt checks the package
# against the signed archive lists. Usage: deploy/fetch-promtool.sh DEST (the binary's path).
set -euo pipefail
dest="$1"
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
  || { echo "fetch-promtool: needs apt-get and dpkg-deb (Debian)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetch-promtool: fetching Debian's prometheus package for its promtool" >&2
(cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1) \
  || { echo "fetch-promtool: apt-get download prometheus failed (no package lists or no network?)" >&2; exit 1; }
dpkg-deb -x "$work"/prometheus_*.deb "$work/unpacked"
mkdir -p "$(dirname "$dest")"
cp "$work/unpacked/usr/bin/promtool" "$dest.part"
chmod +x "$dest.part"
mv "$dest.part" "$dest"
"$dest" --version 2>&1 | head -n 1 >&2
