#!/usr/bin/env bash
# bench_pipeline.sh — wall and CPU time of the whole music → picture pipeline on a 30 s clip
# (apps/pipeline: tags, sentence, music character, 7 pictures, cover), with its per-stage split.
#
#   bash bench/bench_pipeline.sh [BUILD_DIR] [--workers N] [--rounds R] [-- extra pipeline flags]
#
# Defaults: BUILD_DIR build, workers 1, rounds 3, the bundled clip. Model loading is included
# (a user's run pays it); the first round also warms the page cache, so it is printed but left
# out of the median. There is no PyTorch twin of the whole pipeline: bench_unet compares the
# dominant stage (DDIM sampling) with PyTorch in the same run.
set -euo pipefail

BUILD=build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BUILD=$1; shift; fi
WORKERS=1 ROUNDS=3 EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --workers) WORKERS=${2:?--workers needs a value}; shift 2 ;;
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "bench_pipeline: unknown argument '$1' (usage: bench_pipeline.sh [BUILD_DIR] [--workers N] [--rounds R] [-- flags])" >&2; exit 2 ;;
  esac
done
PIPELINE=$BUILD/apps/pipeline
[ -x "$PIPELINE" ] || { echo "bench_pipeline: $PIPELINE not built (cmake --build $BUILD --target pipeline)" >&2; exit 2; }
[ "$ROUNDS" -ge 2 ] || { echo "bench_pipeline: --rounds must be at least 2 (the first is a warm-up)" >&2; exit 2; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bench_pipeline.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

echo "pipeline on the bundled 30 s clip, --workers $WORKERS, $ROUNDS rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-6s %8s %8s %9s %9s %9s %9s %9s\n' round wall_s cpu_s tags sentence music images cover
TIMEFORMAT='%R %U %S'
for r in $(seq 1 "$ROUNDS"); do
  t=$( { time "$PIPELINE" -o "$OUT/r$r" --workers "$WORKERS" "${EXTRA[@]}" > "$OUT/r$r.log" 2>&1; } 2>&1 ) \
    || { echo "bench_pipeline: the pipeline failed:"; tail -5 "$OUT/r$r.log"; exit 1; }
  read -r wall user sys <<< "$t"
  # the stage lines of the log, in order: "[pipeline] tags        1.50 s  ..."
  stages=$(awk '$1 == "[pipeline]" && $2 ~ /^(tags|sentence|music|images|cover)$/ { printf " %9.2f", $3 }' \
           "$OUT/r$r.log")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  printf '%-6s %8.2f %8.2f%s\n' "$r" "$wall" "$cpu" "$stages" | tee -a "$OUT/rows"
done
median() { tail -n +2 "$OUT/rows" | awk -v k="$1" '{ print $k }' | sort -g |
            awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(median 2) cpu=$(median 3)
awk -v w="$wall" -v c="$cpu" 'BEGIN {
  printf "median of rounds 2..: wall %.2f s, CPU %.2f s for 30 s of audio (%.1fx real time)\n", w, c, 30 / w }'
