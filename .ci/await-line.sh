# Sourced by .ci/smoke and .ci/own-shop.
# await_line PATTERN LOG PID: waits (30 s at most) until LOG holds a line matching PATTERN (grep -E),
# stopping early if process PID has exited; fails if the line never came. `bin/glassbox up`
# prints its "Try:" and "Viewer:" lines after its own warm-up calls, which may end a moment after
# the gateway first answers health, so a script that saw SERVING waits for them.
await_line() {
  local pattern="$1" log="$2" pid="$3"
  for _ in $(seq 60); do
    grep -qE "$pattern" "$log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  grep -qE "$pattern" "$log"
}
