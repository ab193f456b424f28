#!/usr/bin/env bash
# run_fuzzers.sh — runs libFuzzer targets (built with -DSYN_FUZZ=ON) for a fixed time each and
# prints one summary line per target: seconds, executions, coverage (edges) and features, and
# the crash/leak/timeout/oom files it left (a finding each).
#
#   bash tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS OUT_DIR [TARGET...]   (default: all)
#   e.g. bash tests/fuzz/run_fuzzers.sh build-fuzz 180 /tmp/fuzz npy zip
#
# Each target starts from a copy of tests/fuzz/seeds/<target>/ in OUT_DIR/corpus/<target> (the
# corpus it grows stays there) and writes findings to OUT_DIR/findings/<target>/. Limits: 10 s per
# input (-timeout), 2 GiB RSS and 1 GiB per allocation (-malloc_limit_mb; an oversized allocation
# is a finding even where the machine could satisfy it). Two targets run at a time (JOBS=2).
# Leaks inside the system's audio codec libraries are suppressed (lsan.supp says why).
set -euo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS OUT_DIR [TARGET...]}
seconds=${2:?seconds per target}
out=${3:?output directory}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(audio cbdt checkpoint config json npy pickle png tf_checkpoint tokenizer
           torch_checkpoint zip)
fi
mkdir -p "$out/corpus" "$out/findings" "$out/logs"

run_one() {
  local t=$1 bin="$build/tests/fuzz/fuzz_$1"
  [ -x "$bin" ] || { echo "$t: $bin is not built (configure with -DSYN_FUZZ=ON)"; return 1; }
  mkdir -p "$out/corpus/$t" "$out/findings/$t"
  cp -n "$here/seeds/$t/"* "$out/corpus/$t/" 2>/dev/null || true
  LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0" \
  "$bin" "$out/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$out/findings/$t/" \
    >"$out/logs/$t.log" 2>&1 || true
  local execs cov ft secs found
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/logs/$t.log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$out/logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' "$out/logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$out/logs/$t.log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "stopped early")
  found=$(ls "$out/findings/$t" | tr '\n' ' ')
  echo "$t: seconds=$secs executions=$execs cov=$cov ft=$ft findings=[${found}]"
}
export -f run_one
export build seconds out here
printf '%s\n' "${targets[@]}" | xargs -P "${JOBS:-2}" -I{} bash -c 'run_one {}'
