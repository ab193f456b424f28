#!/usr/bin/env bash
# bench_shared_core.sh — do our threads behave when another process holds a core? (issue #16)
#
#   bash bench/bench_shared_core.sh [BUILD_DIR] [OLD_BUILD_DIR]
#       BUILD_DIR      a build with bench_clmr_step (default: build)
#       OLD_BUILD_DIR  optional: a build of the code before the thread pool (OpenMP's
#                      parallel_for, libgomp's default wait policy), timed the same way
#
# Runs one workload at 1 and at 2 threads, first on its own and then while a competing busy
# loop is pinned to one core with taskset (CORE=1 by default), and prints the wall time of each
# run. Target: with the competitor running, 2 threads are no slower than 1. Before the pool,
# libgomp's spinning workers collapsed there (one descheduled sibling held up every barrier
# while the other spun its slice away).
#
# The workload (WORKLOAD, default "clmr"): bench_clmr_step --no-torch --batch 2 --warmup 1
# --repeats 3 (a small CLMR training step: convolutions, batch norm, pooling, Adam; hundreds of
# parallel regions per step); "unet": bench_unet --no-torch, one DDIM image set (batch 2,
# 10 steps) and 3 training steps of batch 8. REPEAT=N runs each cell N times and prints every
# time (default 1). Wall clock is what the issue is about, so the load average (uptime) is
# printed with the figures: on a machine shared with other jobs compare rows of the same run.
set -euo pipefail

build=${1:-build}
old=${2:-}
core=${CORE:-1}
workload=${WORKLOAD:-clmr}
repeat=${REPEAT:-1}

command -v taskset > /dev/null || { echo "bench_shared_core: taskset (util-linux) not found" >&2; exit 1; }
if (($(nproc) < 2)); then
  echo "bench_shared_core: needs at least 2 CPUs (this machine has $(nproc))" >&2
  exit 1
fi

workload_cmd() {  # $1 = build dir, $2 = threads
  case $workload in
    clmr) echo "$1/bench/bench_clmr_step --no-torch --batch 2 --warmup 1 --repeats 3 --threads $2" ;;
    unet) echo "$1/bench/bench_unet --no-torch --batch 8 --warmup 1 --repeats 3 --sample-batch 2 \
--sample-steps 10 --sample-warmup 0 --sample-repeats 1 --threads $2" ;;
    *) echo "bench_shared_core: WORKLOAD must be clmr or unet, got '$workload'" >&2; exit 1 ;;
  esac
}

for dir in "$build" $old; do
  exe=$(workload_cmd "$dir" 1 | cut -d' ' -f1)
  [[ -x $exe ]] || { echo "bench_shared_core: $exe not built (cmake --build $dir --target $(basename "$exe"))" >&2; exit 1; }
done

competitor=""
stop_competitor() {
  if [[ -n $competitor ]]; then
    kill "$competitor" 2> /dev/null || true
    wait "$competitor" 2> /dev/null || true
    competitor=""
  fi
}
trap stop_competitor EXIT

# Wall seconds of one run; the workload's own output goes to a log that is shown on failure.
time_run() {  # $1 = build dir, $2 = threads, $3.. = extra environment
  local dir=$1 threads=$2
  shift 2
  local log start end
  log=$(mktemp)
  start=$(date +%s.%N)
  # shellcheck disable=SC2046  # the command line is meant to split into words
  if ! env "$@" $(workload_cmd "$dir" "$threads") > "$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "bench_shared_core: the workload failed" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  rm -f "$log"
  echo "$start $end" | awk '{printf "%.2f", $2 - $1}'
}

row() {  # $1 = label, $2 = build dir, $3.. = extra environment
  local label=$1 dir=$2
  shift 2
  local one="" two="" t
  for ((r = 0; r < repeat; ++r)); do
    t=$(time_run "$dir" 1 "$@")
    one+="$t "
    t=$(time_run "$dir" 2 "$@")
    two+="$t "
  done
  printf "  %-52s 1 thread: %-14s 2 threads: %-14s load %s\n" "$label" "$one" "$two" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "workload $workload: $(workload_cmd "$build" N)"
echo "wall seconds; $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for phase in alone shared; do
  if [[ $phase == shared ]]; then
    taskset -c "$core" bash -c 'while :; do :; done' &
    competitor=$!
    sleep 0.5
    echo "with a busy loop pinned to core $core (pid $competitor):"
  else
    echo "on its own:"
  fi
  row "thread pool ($build)" "$build"
  if [[ -n $old ]]; then
    row "OpenMP, default wait policy ($old)" "$old"
    row "OpenMP, OMP_WAIT_POLICY=passive ($old)" "$old" OMP_WAIT_POLICY=passive
  fi
  stop_competitor
done
