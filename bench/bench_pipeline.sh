#!/usr/bin/env bash
# bench_pipeline.sh — wall and CPU time of the whole music → picture pipeline on a 30 s clip
# (apps/pipeline: tags, sentence, music character, 7 pictures, cover), with its per-stage split.
#
#   bash bench/bench_pipeline.sh [BUILD_DIR] [--workers N] [--rounds R] [--compare WEIGHTS]
#                                [-- extra pipeline flags]
#
# Defaults: BUILD_DIR build, workers 1, rounds 3, the bundled clip, the pipeline's default
# text-to-image weights (config/pipeline.yaml's image_model). Model loading is included (a user's
# run pays it); the first round also warms the page cache, so it is printed but left out of the
# median. --compare WEIGHTS also runs the pipeline with --image_model WEIGHTS (e.g.
# models/weights/unet_emoji.synckpt, the first generation), the two alternating within every round
# so both see the same machine load, and prints both medians and their ratio (default / compared):
#   bash bench/bench_pipeline.sh --workers 2 --rounds 4 --compare models/weights/unet_emoji.synckpt
# There is no PyTorch twin of the whole pipeline: bench_unet compares the first-generation model's
# dominant stage (DDIM sampling) with PyTorch in the same run; bench_imagine times one picture.
set -euo pipefail

BUILD=build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BUILD=$1; shift; fi
WORKERS=1 ROUNDS=3 EXTRA=() COMPARE=
while [ $# -gt 0 ]; do
  case $1 in
    --workers) WORKERS=${2:?--workers needs a value}; shift 2 ;;
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --compare) COMPARE=${2:?--compare needs a weights file}; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "bench_pipeline: unknown argument '$1' (usage: bench_pipeline.sh [BUILD_DIR] [--workers N] [--rounds R] [--compare WEIGHTS] [-- flags])" >&2; exit 2 ;;
  esac
done
PIPELINE=$BUILD/apps/pipeline
[ -x "$PIPELINE" ] || { echo "bench_pipeline: $PIPELINE not built (cmake --build $BUILD --target pipeline)" >&2; exit 2; }
[ "$ROUNDS" -ge 2 ] || { echo "bench_pipeline: --rounds must be at least 2 (the first is a warm-up)" >&2; exit 2; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bench_pipeline.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

if [ -n "$COMPARE" ]; then
  [ -f "$COMPARE" ] || { echo "bench_pipeline: --compare $COMPARE: no such weights file" >&2; exit 2; }
  COMPARE=$(cd "$(dirname "$COMPARE")" && pwd)/$(basename "$COMPARE")
fi
# The subjects: the default weights (label: the file config/pipeline.yaml names, or the
# --image_model among the extra flags), then the compared file.
default_label=$(sed -n 's/^image_model: *"\([^"]*\)".*/\1/p' "$(dirname "$0")/../config/pipeline.yaml")
for ((i = 0; i < ${#EXTRA[@]}; i++)); do
  case ${EXTRA[$i]} in
    --image_model) default_label=${EXTRA[$((i + 1))]:-$default_label} ;;
    --image_model=*) default_label=${EXTRA[$i]#--image_model=} ;;
  esac
done
labels=("$(basename "$default_label")") flags=("")
if [ -n "$COMPARE" ]; then labels+=("$(basename "$COMPARE")"); flags+=("$COMPARE"); fi

echo "pipeline on the bundled 30 s clip, --workers $WORKERS, $ROUNDS rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -n "$COMPARE" ]; then printf '%-24s ' weights; fi
printf '%-6s %8s %8s %9s %9s %9s %9s %9s\n' round wall_s cpu_s tags sentence music images cover
TIMEFORMAT='%R %U %S'
for r in $(seq 1 "$ROUNDS"); do
  for k in "${!labels[@]}"; do
    model=()
    if [ -n "${flags[$k]}" ]; then model=(--image_model "${flags[$k]}"); fi
    log="$OUT/r${r}_$k.log"
    t=$( { time "$PIPELINE" -o "$OUT/r${r}_$k" --workers "$WORKERS" "${EXTRA[@]}" "${model[@]}" > "$log" 2>&1; } 2>&1 ) \
      || { echo "bench_pipeline: the pipeline failed (${labels[$k]}):"; tail -5 "$log"; exit 1; }
    read -r wall user sys <<< "$t"
    # the stage lines of the log, in order: "[pipeline] tags        1.50 s  ..."
    stages=$(awk '$1 == "[pipeline]" && $2 ~ /^(tags|sentence|music|images|cover)$/ { printf " %9.2f", $3 }' \
             "$log")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    if [ -n "$COMPARE" ]; then printf '%-24s ' "${labels[$k]}"; fi
    printf '%-6s %8.2f %8.2f%s\n' "$r" "$wall" "$cpu" "$stages"
    if [ "$r" -gt 1 ]; then printf '%s %s\n' "$wall" "$cpu" >> "$OUT/rows_$k"; fi
  done
done
median() { awk -v k="$2" '{ print $k }' "$OUT/rows_$1" | sort -g |
            awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for k in "${!labels[@]}"; do
  wall=$(median "$k" 1) cpu=$(median "$k" 2)
  if [ -n "$COMPARE" ]; then printf '%s: ' "${labels[$k]}"; fi
  awk -v w="$wall" -v c="$cpu" 'BEGIN {
    printf "median of rounds 2..: wall %.2f s, CPU %.2f s for 30 s of audio (%.1fx real time)\n", w, c, 30 / w }'
done
if [ -n "$COMPARE" ]; then
  awk -v a="$(median 0 1)" -v b="$(median 1 1)" -v ca="$(median 0 2)" -v cb="$(median 1 2)" \
      -v na="${labels[0]}" -v nb="${labels[1]}" 'BEGIN {
    printf "ratio %s / %s: wall %.2fx, CPU %.2fx (load at the end %s)\n", na, nb, a / b, ca / cb, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'" }'
fi
