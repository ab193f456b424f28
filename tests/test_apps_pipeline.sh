#!/usr/bin/env bash
# test_apps_pipeline.sh — the music → picture apps end to end, as a user runs them, on the shipped
# weights: apps/pipeline on the bundled clip and on a synthetic flute clip (apps/synth_clip),
# apps/compare_pictures on the two outputs, apps/imagine with its -o short flag, and
# apps/eval_imagine on a small prompt list when a picture corpus and the judge exist. The default
# text-to-image weights are the latent model's (models/weights/latent_imagine.synckpt, 64-px
# pictures); imagine also runs the first-generation models/weights/unet_emoji.synckpt (32 px).
#
#   bash tests/test_apps_pipeline.sh BUILD_DIR/apps        (CTest runs it this way)
#
# Few sampler steps keep it quick: this checks the wiring, files and formats, not picture quality
# (README: apps/eval_imagine measures that). Exit 0 pass, 1 fail, 77 skipped (shipped text-to-image
# weights absent).
set -uo pipefail

APPS=$(cd "${1:?usage: test_apps_pipeline.sh BUILD_DIR/apps}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$SRC/models/weights/latent_imagine.synckpt" ] || { echo "skipped: no models/weights/latent_imagine.synckpt"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/syn_test_pipeline.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
png_width() { od -An -tu4 --endian=big -j16 -N4 "$1" | tr -d ' '; }  # IHDR's width
fast=(--steps 4 --workers 1)

# 1. the bundled clip (no AUDIO argument), run from another directory: weights resolve from the tree
(cd "$WORK" && "$APPS/pipeline" -o a "${fast[@]}" > a.log 2>&1)
check "pipeline on the bundled clip exits 0" test $? -eq 0
for f in tags.json sentence.txt image_1_raw.png image_2_refined.png image_3_sentence.png \
         image_4_motifs.png cover.png pipeline.json; do
  check "pipeline wrote $f" test -s "$WORK/a/$f"
done
for f in "$WORK"/a/*.png; do check "$(basename "$f") is a PNG" is_png "$f"; done
for stage in tags sentence music images cover; do
  check "a log line for stage '$stage' with its time" grep -Eq "^\[pipeline\] $stage +[0-9]+\.[0-9]+ s" "$WORK/a.log"
done
check "tags.json holds the refined profile" grep -q '"refined"' "$WORK/a/tags.json"
check "pipeline.json records the motifs and the tempo" grep -q '"tempo_bpm"' "$WORK/a/pipeline.json"
check "pipeline.json records the latent model's 64-px pictures" grep -q '"native_size": *64' "$WORK/a/pipeline.json"
check "the pictures are saved at the default 256 px" test "$(png_width "$WORK/a/image_1_raw.png")" = 256
check "the designed cover is 512 px" test "$(png_width "$WORK/a/cover.png")" = 512
check "report.html embeds the four pictures and the cover" \
  test "$(grep -o 'data:image/png;base64' "$WORK/a/report.html" | wc -l)" -ge 5

# 2. a clip of another character, then the comparison
"$APPS/synth_clip" --timbre flute --seconds 30 -o "$WORK/flute.wav" > /dev/null
check "synth_clip wrote a WAV" test -s "$WORK/flute.wav"
"$APPS/pipeline" "$WORK/flute.wav" -o "$WORK/b" "${fast[@]}" > "$WORK/b.log" 2>&1
check "pipeline on the flute clip exits 0" test $? -eq 0
"$APPS/compare_pictures" "$WORK/a" "$WORK/b" > "$WORK/compare.txt" 2>&1
check "compare_pictures exits 0" test $? -eq 0
covers=$(sed -n 's/.*covers \([0-9.]*\),.*/\1/p' "$WORK/compare.txt")
check "the two covers differ in colour (histogram distance $covers > 0.1)" \
  awk -v d="${covers:-0}" 'BEGIN { exit !(d > 0.1) }'

# 3. errors name the problem
"$APPS/pipeline" "$WORK/missing.wav" -o "$WORK/c" > "$WORK/c.log" 2>&1
check "a missing audio file is an error (exit 1)" test $? -eq 1
check "... naming the file" grep -q "missing.wav" "$WORK/c.log"
"$APPS/pipeline" -o > "$WORK/d.log" 2>&1
check "-o without a value is an error naming it" grep -q -- "-o needs a value" "$WORK/d.log"

# 4. imagine with its short flag, a batch of 2
"$APPS/imagine" "red heart" -o "$WORK/heart.png" --batch 2 "${fast[@]}" > /dev/null 2>&1
check "imagine -o wrote heart.png and heart_1.png" is_png "$WORK/heart.png"
check "... and heart_1.png" is_png "$WORK/heart_1.png"
check "imagine's default (the latent model) writes 64-px pictures" test "$(png_width "$WORK/heart.png")" = 64
"$APPS/imagine" "red heart" -o "$WORK/old.png" --weights models/weights/unet_emoji.synckpt \
  "${fast[@]}" > "$WORK/old.log" 2>&1
check "imagine --weights unet_emoji.synckpt (the first generation) writes a 32-px picture" \
  test "$(png_width "$WORK/old.png")" = 32

# 5. eval_imagine on two prompts with the U-Net and both baselines, when a picture corpus
# (apps/build_picture_corpus; SYN_PICTURE_CORPUS or runs/pictures/) and the judge exist
# (tests/test_imagine_eval.cpp runs the same evaluation on a tiny corpus and judge everywhere)
CORPUS=${SYN_PICTURE_CORPUS:-$SRC/runs/pictures/picture_corpus.ckpt}
JUDGE=${SYN_CLIP_JUDGE:-$SRC/models/weights/clip_judge.synckpt}
if [ -f "$CORPUS" ] && [ -f "$JUDGE" ]; then
  printf 'object\tguitar\tguitar\nmood\t-\tsad\n' > "$WORK/prompts.tsv"
  "$APPS/eval_imagine" --corpus "$CORPUS" --judge "$JUDGE" --prompts "$WORK/prompts.tsv" \
    --samples_per_prompt 2 --output "$WORK/eval.json" --grid "$WORK/sheets" "${fast[@]}" \
    > "$WORK/eval.txt" 2>&1
  check "eval_imagine exits 0" test $? -eq 0
  check "eval_imagine prints the three model rows" \
    test "$(grep -cE '^(unet latent_imagine.synckpt|noise|lookup) +[0-9.]+% [0-9.]+%' "$WORK/eval.txt")" -eq 3
  check "eval_imagine prints the real held-out reference row" grep -q '^real held-out pictures' "$WORK/eval.txt"
  check "eval_imagine wrote its JSON" grep -q '"fd_floor_training_vs_held_out"' "$WORK/eval.json"
  check "eval_imagine wrote a contact sheet" is_png "$WORK/sheets/unet_object.png"
else
  echo "note: no picture corpus or judge; eval_imagine not run here"
fi

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed; logs:"; cat "$WORK"/*.log "$WORK/compare.txt" 2>/dev/null | tail -40
  exit 1
fi
echo "all checks passed"
