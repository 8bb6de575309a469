#!/usr/bin/env bash
# Writes the build identity every server logs at start and exposes as glassbox_build_info
# (io.glassbox.server.BuildInfo): the Maven version and the git commit of the tree built, with
# "-modified" when it had uncommitted changes. GLASSBOX_BUILD_COMMIT, when set, is the commit as
# is (a Docker build has no .git: deploy/docker/Dockerfile passes it as a build arg). Without
# either the commit is "unknown": a build from a source tarball must not fail for want of git.
# Usage: build-info.sh VERSION OUTPUT_FILE
set -u
version=$1
out=$2
here=$(dirname "$0")
commit=${GLASSBOX_BUILD_COMMIT:-}
# Only a repository that tracks this script: git looks upward, and a source tarball unpacked
# inside another repository must not report that repository's commit.
if [ -z "$commit" ] && git -C "$here" ls-files --error-unmatch "${0##*/}" >/dev/null 2>&1; then
  commit=$(git -C "$here" rev-parse HEAD 2>/dev/null) || commit=""
  # Tracked files changed since that commit (untracked files and build outputs do not count). No
  # optional locks: bin/glassbox runs this on every command, beside a user's own git commands.
  if [ -n "$commit" ] && ! git --no-optional-locks -C "$here" diff --quiet HEAD -- 2>/dev/null; then
    commit="$commit-modified"
  fi
fi
mkdir -p "${out%/*}"
printf 'version=%s\ncommit=%s\n' "$version" "${commit:-unknown}" > "$out"
