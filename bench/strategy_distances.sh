#!/usr/bin/env bash
# strategy_distances.sh — issue 18's measurement: do the four prompt strategies (raw tags, refined
# tags, sentence, motifs) give measurably different pictures, and do clips of very different
# character? Runs apps/pipeline on the bundled clip and on synthetic clips (apps/synth_clip: a calm
# flute, a drum track, a brass line), then apps/compare_pictures on all of them: the colour and
# content (judge) distances between strategies within each clip and between clips per strategy,
# and each picture's prompt fit (pipeline.json, the judge's cosine).
#
#   [JUDGE=FILE] bash bench/strategy_distances.sh [BUILD_DIR] [OUT_DIR] [extra pipeline flags...]
#   (defaults: build, runs/strategy_distances, the shipped judge; flags e.g. --image_model
#   models/weights/unet_emoji.synckpt for the first-generation model)
# The pipeline's own defaults hold otherwise (the shipped latent text-to-image weights, sampled as
# they advise: dpmpp_2m, 20 steps, guidance 5; seed 0).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
OUT=${2:-runs/strategy_distances}
shift $(( $# > 2 ? 2 : $# )) || true
mkdir -p "$OUT"
judge=()
[ -n "${JUDGE:-}" ] && judge=(--judge "$JUDGE")

"$BUILD/apps/synth_clip" --timbre flute --seed 1 --seconds 30 -o "$OUT/flute.wav" > /dev/null
"$BUILD/apps/synth_clip" --timbre drums --seed 2 --seconds 30 -o "$OUT/drums.wav" > /dev/null
"$BUILD/apps/synth_clip" --timbre brass --seed 3 --seconds 30 -o "$OUT/brass.wav" > /dev/null

dirs=()
for clip in bundled flute drums brass; do
  if [ "$clip" = bundled ]; then audio=(); else audio=("$OUT/$clip.wav"); fi
  echo "== pipeline: $clip"
  "$BUILD/apps/pipeline" "${audio[@]}" -o "$OUT/$clip" "${judge[@]}" "$@" | tail -3
  dirs+=("$OUT/$clip")
done
echo "== compare_pictures"
"$BUILD/apps/compare_pictures" "${dirs[@]}" "${judge[@]}"
