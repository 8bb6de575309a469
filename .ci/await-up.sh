# Sourced by .ci/smoke and .ci/own-shop.
# await_up WHAT LOG PID PORT: waits until the `bin/glassbox up` running as PID (output in LOG,
# gateway on PORT) is SERVING and has printed its start-up lines, stopping early if it has exited.
# SERVING is awaited for AWAIT_UP_SECONDS (180) in all: each try of `health` gets what is left,
# 5 s at most, and none starts once it is spent (the last may overrun by its JVM's start), then
# the start-up lines 30 s more. `up` prints "Glassbox is up", "Try:" and, last, "Viewer:" after
# its own warm-up calls, a moment after the gateway first answers health. On failure it prints
# "WHAT did not become SERVING" with the end of LOG, and fails.
await_up() {
  local what="$1" log="$2" pid="$3" port="$4" serving=false
  local deadline=$((SECONDS + ${AWAIT_UP_SECONDS:-180})) left
  while left=$((deadline - SECONDS)); [ "$left" -gt 0 ]; do
    if bin/glassbox health --target "localhost:$port" --wait "$((left < 5 ? left : 5))s" >/dev/null 2>&1; then
      serving=true
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
  done
  if [ "$serving" = true ]; then
    for _ in $(seq 60); do
      grep -q '^Viewer: ' "$log" && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    grep -q '^Viewer: ' "$log" && return 0
  fi
  echo "$what did not become SERVING and print its start-up lines; its output:" >&2
  grep -v '^\s*at ' "$log" | tail -n 40 >&2
  return 1
}
