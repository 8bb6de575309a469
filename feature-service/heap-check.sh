#!/usr/bin/env bash
# The in-memory store under the Kubernetes heap: starts the feature service alone with the JVM
# flags of deploy/kubernetes/base/feature-service.yaml at a 256 MiB heap, imports the embedded
# data's interactions four times, each under new user and order ids, and prints the old
# generation in use after a full collection before and after each import. It passes when the
# process is alive at the end (an import may be refused with RESOURCE_EXHAUSTED: that is the
# store keeping itself alive). See feature-service/README.md, Memory.
#   bash feature-service/heap-check.sh [heap MiB, default 256]
set -euo pipefail
cd "$(dirname "$0")/.."
heap="${1:-256}"
port="${HEAP_CHECK_PORT:-51061}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""

mvn -B -o -q -pl feature-service -am install -DskipTests
mvn -B -o -q -pl feature-service dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -DincludeScope=runtime
for copy in a b c d; do
  zcat data/uci-online-retail/interactions.csv.gz | awk -F, -v p="$copy" '
    NR == 1 { print "user_id,item_id,timestamp,event,basket_id"; next }
    { print p $1 "," $2 "," $3 "," $4 "," p $5 }' > "$work/$copy.csv"
done

GLASSBOX_FEATURE_PORT="$port" GLASSBOX_FEATURE_ADMIN_PORT="$((port + 1))" GLASSBOX_METRICS_PORT=0 \
  java "-Xms${heap}m" "-Xmx${heap}m" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:ActiveProcessorCount=1 \
  -cp "feature-service/target/classes:$(cat "$work/cp.txt")" io.glassbox.feature.FeatureMain > "$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 120); do
  grep -q "is SERVING" "$work/service.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 1
done
grep "In-memory store loaded" "$work/service.log" | sed 's/.*InMemoryEventStore \[\] - //'

old_generation() {
  jcmd "$pid" GC.run > /dev/null
  jcmd "$pid" GC.heap_info | awk '/tenured generation|old gen|Old Gen/ { for (i = 1; i <= NF; i++) if ($i == "used") { print $(i + 1); exit } }'
}
echo "old generation in use at start: $(old_generation) (of $(jcmd "$pid" GC.heap_info | awk '/tenured generation/ {sub(/,/, "", $4); print $4; exit}'))"
for copy in a b c d; do
  started=$(date +%s.%N)
  bin/glassbox import --interactions "$work/$copy.csv" --target "localhost:$((port + 1))" 2>&1 | tail -1 || true
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the feature service died during import $copy:"; tail -3 "$work/service.log"; exit 1
  fi
  awk -v c="$copy" -v s="$started" -v e="$(date +%s.%N)" -v g="$(old_generation)" \
    'BEGIN { printf "import %s: %.1f s; old generation in use after it: %s\n", c, e - s, g }'
done
grep -E "WARN|ERROR" "$work/service.log" | sed 's/^[0-9:.]* //' | cut -c1-220 || true
echo "OK: the feature service is alive after four imports at a ${heap} MiB heap"
