#!/usr/bin/env bash
# Fault drill on one machine: runs the four services as separate processes (each the way its
# container runs it: its own JVM, heap and CPU count from deploy/memory-measured.tsv), drives
# `bin/glassbox load` against the gateway, and meanwhile kills (SIGKILL), freezes (SIGSTOP, then
# SIGCONT) or gracefully restarts (SIGTERM) the dependencies on a schedule. Prints the load tool's
# summary (latency from due time, errors by status, answers in deadline, degraded flags) and the
# resident memory of every service before, after and at its peak, followed across restarts.
#
#   deploy/fault.sh                      # 60 s at 20 calls/s, the default drill (every dependency once)
#   nice -n 10 deploy/fault.sh --duration 300s --rate 5 --timeout 2s --warmup 30s \
#       --faults 'kill explain-service 60 15; kill model-service 150 15'
#   nice -n 10 deploy/fault.sh --faults none --rate 100 --concurrency 64 --timeout 5s --duration 90s
#                                        # memory at 64 calls in flight (deploy/memory-measured.tsv)
#
# Options: --rate CALLS_PER_S (20), --duration D (60s), --concurrency N (256 in flight at most),
# --timeout D (2s, each call's deadline), --warmup D (20s: calls at the same rate first, not
# counted; cold JVMs are slow at first), --base-port P (52051: gateway, +1 feature, +2 model,
# +3 explain; metrics +30..+33; all on loopback), --work-dir DIR (logs and PID files; default a new /tmp folder),
# --faults PLAN: 'ACTION SERVICE AT HOLD; ...' with AT and HOLD in seconds from the start of the
# measured load (after the warm-up), in order of AT, not overlapping, or 'none'. ACTION: kill
# (SIGKILL, restart after HOLD s), stop (SIGSTOP for HOLD s, then SIGCONT), term (SIGTERM with
# drain, restart after HOLD s). SERVICE: feature-service, model-service, explain-service (the
# gateway is what is measured). Exit status: the load tool's (0 = every call answered OK in time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

rate=20
duration=60s
concurrency=256
timeout=2s
warmup=20s
base_port=52051
faults='kill explain-service 10 10; stop model-service 25 5; kill model-service 35 10; stop feature-service 50 3'
work=""

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --faults) faults="$2"; shift 2 ;;
    --base-port) base_port="$2"; shift 2 ;;
    --work-dir) work="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "fault: unknown option $1" >&2; usage ;;
  esac
done
[ "$faults" = none ] && faults=""
[ -n "$work" ] || work="$(mktemp -d /tmp/glassbox-fault.XXXXXX)"
mkdir -p "$work"

declare -A port=([gateway]=$base_port [feature-service]=$((base_port + 1))
                 [model-service]=$((base_port + 2)) [explain-service]=$((base_port + 3)))
order=(feature-service model-service explain-service gateway)
# Metrics on, as in the containers, off the default ports; the gateway's tell when it uses a
# restarted dependency again (its stage histogram counts calls by the status they ended with).
declare -A metrics_port=([gateway]=$((base_port + 30)) [feature-service]=$((base_port + 31))
                         [model-service]=$((base_port + 32)) [explain-service]=$((base_port + 33)))
declare -A stage=([feature-service]=features [model-service]=score [explain-service]=explain)

# Heap and CPU count per service, as its container gets them (the file the manifests are checked
# against). The heap is committed and touched at start (-Xms = -Xmx, AlwaysPreTouch), as in the
# containers, so the resident size measured includes the whole heap, not just what the run grew.
declare -A heap cpus
while read -r name c h _; do
  case "$name" in ''|'#'*) continue ;; esac
  cpus[$name]=$c
  heap[$name]=$h
done < deploy/memory-measured.tsv
for s in "${order[@]}"; do
  [ -n "${heap[$s]:-}" ] || { echo "fault: deploy/memory-measured.tsv has no line for $s" >&2; exit 2; }
done

# Build once, before any process starts (bin/glassbox builds on first use), then run java directly:
# a source edited during the drill must not make every restart rebuild.
bin/glassbox --version >/dev/null
classpath="launcher/target/classes:$(cat launcher/target/classpath.txt)"
glassbox() { exec java ${GLASSBOX_JAVA_OPTS:-} -cp "$classpath" io.glassbox.launcher.GlassboxCli "$@"; }

# The settings every container reads from glassbox.env (model batching, feature store, execution
# provider, ...), except what names a port, a target, an address or a key file path: those are set
# below for loopback. (Where the data and model are is the images' setting, not glassbox.env's: the
# processes read GLASSBOX_DATA_DIR, GLASSBOX_MODEL_DIR and GLASSBOX_MODEL_NAME from this shell.)
settings=()
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  case "${line%%=*}" in
    *_PORT|*_TARGET|GLASSBOX_BIND_ADDRESS|GLASSBOX_API_KEYS_FILE) ;;
    *) settings+=("$line") ;;
  esac
done < deploy/kubernetes/base/glassbox.env

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(now_ms)
log() {
  local ms=$(( $(now_ms) - ${load_start:-$t0} ))
  printf '[%4d.%d s] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" | tee -a "$work/events.log"
}

start_service() {
  local s=$1
  # The containers' settings from glassbox.env, on loopback ports; metrics, admin
  # and viewer ports are moved off their defaults so that the drill does not collide with a suite
  # already running on this machine.
  env "${settings[@]}" GLASSBOX_GATEWAY_PORT="${port[gateway]}" GLASSBOX_FEATURE_PORT="${port[feature-service]}" \
      GLASSBOX_MODEL_PORT="${port[model-service]}" GLASSBOX_EXPLAIN_PORT="${port[explain-service]}" \
      GLASSBOX_FEATURE_TARGET="localhost:${port[feature-service]}" \
      GLASSBOX_MODEL_TARGET="localhost:${port[model-service]}" \
      GLASSBOX_EXPLAIN_TARGET="localhost:${port[explain-service]}" \
      GLASSBOX_METRICS_PORT="${metrics_port[$s]}" GLASSBOX_GATEWAY_HTTP_PORT=$((base_port + 29)) \
      GLASSBOX_FEATURE_ADMIN_PORT=$((base_port + 11)) GLASSBOX_MODEL_ADMIN_PORT=$((base_port + 12)) \
      GLASSBOX_MODEL_INTRA_OP_THREADS="${cpus[$s]}" \
      java "-Xms${heap[$s]}m" "-Xmx${heap[$s]}m" -XX:+AlwaysPreTouch "-XX:ActiveProcessorCount=${cpus[$s]}" \
      -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      -cp "$classpath" io.glassbox.launcher.GlassboxCli serve "$s" >>"$work/$s.log" 2>&1 &
  disown $!
  # env execs java, so this is the JVM's PID.
  echo $! >"$work/$s.pid"
}

# Calls of the gateway's STAGE that ended OK so far (0 when the metrics cannot be read).
stage_ok() {
  curl -s --max-time 2 "http://127.0.0.1:${metrics_port[gateway]}/metrics" 2>/dev/null | awk -v s="$1" '
    /^glassbox_gateway_stage_seconds_count[{]/ && index($0, "stage=\"" s "\"") && index($0, "code=\"OK\"") { n += $NF }
    END { printf "%d\n", n }'
}

# Logs when the gateway first completes a call to a restarted dependency: every call to it
# failed since it went down, so the first OK after the restart is the first use.
await_used() {
  local s=$1 before=$2
  while [ "$(stage_ok "${stage[$s]}")" -le "$before" ]; do sleep 0.2; done
  log "gateway used $s again (first OK ${stage[$s]} call)"
}

await_serving() {
  local s=$1
  if ! (glassbox health --target "localhost:${port[$s]}" --wait 180s) >/dev/null 2>>"$work/health.log"; then
    log "$s did not become SERVING; its log: $work/$s.log"
    return 1
  fi
}

stop_all() {
  # Background waits for a restarted service first, then the services, gateway first.
  for job in $(jobs -p); do pkill -P "$job" 2>/dev/null || true; kill "$job" 2>/dev/null || true; done
  for s in gateway explain-service model-service feature-service; do
    if [ -f "$work/$s.pid" ]; then
      local pid; pid=$(cat "$work/$s.pid")
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for s in "${order[@]}"; do
    [ -f "$work/$s.pid" ] && while kill -0 "$(cat "$work/$s.pid")" 2>/dev/null; do sleep 0.2; done
  done
  true
}
trap stop_all EXIT

echo "fault: work dir $work; ports gateway ${port[gateway]}, feature ${port[feature-service]}," \
     "model ${port[model-service]}, explain ${port[explain-service]}"
for s in "${order[@]}"; do
  echo "fault: $s with a pre-touched ${heap[$s]} MiB heap, ${cpus[$s]} CPU(s)"
  start_service "$s"
  await_serving "$s"
done

rss=()
for s in "${order[@]}"; do rss+=(--rss "$s=@$work/$s.pid"); done
(glassbox load --target "localhost:${port[gateway]}" --rate "$rate" --duration "$duration" \
    --concurrency "$concurrency" --timeout "$timeout" --warmup "$warmup" "${rss[@]}") >"$work/load.log" 2>&1 &
load_pid=$!
# Fault times count from the start of the measured part, after the load tool's warm-up.
started='^load:'; [[ "$warmup" =~ ^0+(ms|s)?$ ]] || started='^warm-up:'
until grep -q "$started" "$work/load.log" 2>/dev/null; do
  kill -0 "$load_pid" 2>/dev/null || { cat "$work/load.log"; exit 1; }
  sleep 0.2
done
load_start=$(now_ms)
tail -n +1 -f "$work/load.log" --pid "$load_pid" &
tail_pid=$!

IFS=';' read -ra plan <<<"$faults"
for step in "${plan[@]}"; do
  read -r action s at hold <<<"$step"
  [ -n "${action:-}" ] || continue
  case "$s" in feature-service|model-service|explain-service) ;; *) log "fault: cannot act on '$s'"; exit 2 ;; esac
  wait_ms=$(( load_start + at * 1000 - $(now_ms) ))
  if [ "$wait_ms" -gt 0 ]; then sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"; fi
  pid=$(cat "$work/$s.pid")
  case "$action" in
    kill|term)
      signal=KILL; [ "$action" = term ] && signal=TERM
      log "SIG$signal $s (pid $pid); restart in $hold s"
      kill -"$signal" "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      sleep "$hold"
      before=$(stage_ok "${stage[$s]}")
      start_service "$s"
      log "restarted $s (pid $(cat "$work/$s.pid"))"
      # Waiting for it must not hold up the next fault.
      (await_serving "$s" && log "$s SERVING again") &
      (await_used "$s" "$before") &
      ;;
    stop)
      log "SIGSTOP $s (pid $pid) for $hold s"
      kill -STOP "$pid"
      sleep "$hold"
      kill -CONT "$pid"
      log "SIGCONT $s"
      ;;
    *) log "fault: unknown action '$action'"; exit 2 ;;
  esac
done

status=0
wait "$load_pid" || status=$?
wait "$tail_pid" 2>/dev/null || true
echo "fault: events"
cat "$work/events.log" 2>/dev/null || echo "(none)"
exit "$status"
