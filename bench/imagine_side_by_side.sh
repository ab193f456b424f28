#!/usr/bin/env bash
# imagine_side_by_side.sh — the first-generation and the latent text-to-image model on the same
# prompts, side by side (issue 18's old-vs-new contact sheet for the README). For each prompt,
# apps/imagine draws --samples pictures (different noise, the same seeds for both models) with
# each weights file, sampled as each file advises (--steps 0, --sampler auto, --guidance_scale 0:
# apps/pipeline/sampling_advice.h) unless extra imagine flags say otherwise, as one grid per
# prompt and model, both shown at the same size (128 px a picture: the 32-px model upscaled 4x,
# the 64-px model 2x, nearest neighbour). Then it writes sheet.html, one labelled row per prompt
# (kind and prompt) and one labelled column per model (file, native size, sampler, steps,
# guidance), and, where Chromium is installed (headless, as tests/test_report_html.sh uses it),
# its screenshot sheet.png.
#
#   bash bench/imagine_side_by_side.sh [BUILD_DIR] [OUT_DIR] [--old FILE] [--new FILE]
#        [--samples N] [--seed S] [--prompts FILE] [--title TEXT] [-- extra imagine flags]
#
# Defaults: build, runs/side_by_side, --old models/weights/unet_emoji.synckpt, --new
# models/weights/latent_imagine.synckpt, 3 samples, seed 0, and a dozen prompts of
# config/judge_prompts.tsv (objects, scenes, moods, music words; eval_imagine's fixed list).
# --prompts FILE: one prompt a line, or judge_prompts.tsv's "kind<TAB>concept<TAB>prompt" lines
# ('#' lines and blank lines skipped). --title: the sheet's heading after "The same prompts, seed
# S, N samples each: " (default "first generation vs latent model"). Run from the source tree
# (relative weights resolve there).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BUILD=$1; shift; fi
OUT=runs/side_by_side
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then OUT=$1; shift; fi
OLD=models/weights/unet_emoji.synckpt NEW=models/weights/latent_imagine.synckpt
SAMPLES=3 SEED=0 PROMPTS= EXTRA=() TITLE="first generation vs latent model"
usage="usage: imagine_side_by_side.sh [BUILD_DIR] [OUT_DIR] [--old FILE] [--new FILE] [--samples N] [--seed S] [--prompts FILE] [--title TEXT] [-- imagine flags]"
while [ $# -gt 0 ]; do
  case $1 in
    --old) OLD=${2:?--old needs a file}; shift 2 ;;
    --new) NEW=${2:?--new needs a file}; shift 2 ;;
    --samples) SAMPLES=${2:?--samples needs a value}; shift 2 ;;
    --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
    --prompts) PROMPTS=${2:?--prompts needs a file}; shift 2 ;;
    --title) TITLE=${2:?--title needs a text}; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "imagine_side_by_side: unknown argument '$1' ($usage)" >&2; exit 2 ;;
  esac
done
IMAGINE=$BUILD/apps/imagine
[ -x "$IMAGINE" ] || { echo "imagine_side_by_side: $IMAGINE not built (cmake --build $BUILD --target imagine)" >&2; exit 2; }
for f in "$OLD" "$NEW"; do
  [ -f "$f" ] || [ -f "$SRC/$f" ] || { echo "imagine_side_by_side: weights '$f' do not exist" >&2; exit 2; }
done
case $SAMPLES in ''|*[!0-9]*|0) echo "imagine_side_by_side: --samples must be a positive number" >&2; exit 2 ;; esac
mkdir -p "$OUT"

# The prompts as "kind<TAB>prompt" lines.
if [ -n "$PROMPTS" ]; then
  [ -f "$PROMPTS" ] || { echo "imagine_side_by_side: --prompts '$PROMPTS' does not exist" >&2; exit 2; }
  awk -F'\t' '/^#/ || /^[[:space:]]*$/ { next } NF >= 3 { print $1 "\t" $3; next } { print "-\t" $0 }' \
    "$PROMPTS" > "$OUT/prompts.tsv"
else
  # a dozen of eval_imagine's fixed list: three objects, scenes, moods and music words each
  awk -F'\t' 'BEGIN {
      split("guitar|red heart|sun|sunset over the sea|a starry night sky|a lighthouse by the sea|" \
            "happy|calm and peaceful|mysterious|rock guitar|jazz saxophone|piano, sad, slow", want, "|")
      for (i in want) wanted[want[i]] = i }
    !/^#/ && ($3 in wanted) { row[wanted[$3]] = $1 "\t" $3 }
    END { for (i = 1; i <= 12; i++) if (i in row) print row[i] }' \
    "$SRC/config/judge_prompts.tsv" > "$OUT/prompts.tsv"
fi
[ -s "$OUT/prompts.tsv" ] || { echo "imagine_side_by_side: no prompts" >&2; exit 2; }

# One grid per prompt and model: <model>_<row>.png; the first run's line names the sampling.
declare -A caption
for model in old new; do
  weights=$OLD; [ "$model" = new ] && weights=$NEW
  row=0
  while IFS=$'\t' read -r kind prompt; do
    row=$((row + 1))
    # 128 px a picture: --size is a multiple of the native size (32 or 64), the grid scales it
    log=$("$IMAGINE" "$prompt" -o "$OUT/${model}_$row.png" --weights "$weights" --seed "$SEED" \
          --batch "$SAMPLES" --grid true --size 128 "${EXTRA[@]}" 2>&1) \
      || { echo "imagine_side_by_side: imagine failed on '$prompt' with $weights:"; echo "$log"; exit 1; }
    # the first line by expansion, not `| head -1`: under pipefail, head closing the pipe early
    # could fail the assignment and end the script silently
    [ -n "${caption[$model]:-}" ] || caption[$model]=${log%%$'\n'*}
  done < "$OUT/prompts.tsv"
  echo "$model: ${caption[$model]} ($row prompts x $SAMPLES samples)"
done

html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
{
  echo '<!doctype html><meta charset="utf-8"><title>old vs new text to image</title>'
  echo '<style>body{font-family:sans-serif;background:#14141c;color:#e8e8f0;margin:16px}'
  echo 'td,th{padding:4px 10px;text-align:left;vertical-align:middle}th{font-size:14px}'
  echo 'td.p{font-size:15px;width:230px}.k{color:#9a9ab0;font-size:12px}'
  echo 'img{image-rendering:pixelated;display:block}</style>'
  echo "<h3>The same prompts, seed $SEED, $SAMPLES samples each: $(printf '%s' "$TITLE" | html_escape)</h3>"
  printf '<table><tr><th>prompt</th><th>%s</th><th>%s</th></tr>\n' \
    "$(printf '%s' "${caption[old]}" | html_escape)" "$(printf '%s' "${caption[new]}" | html_escape)"
  row=0
  while IFS=$'\t' read -r kind prompt; do
    row=$((row + 1))
    label=$(printf '%s' "$prompt" | html_escape)
    [ "$kind" = - ] || label="<span class=\"k\">$(printf '%s' "$kind" | html_escape)</span><br>$label"
    printf '<tr><td class="p">%s</td><td><img src="old_%d.png"></td><td><img src="new_%d.png"></td></tr>\n' \
      "$label" "$row" "$row"
  done < "$OUT/prompts.tsv"
  echo '</table>'
} > "$OUT/sheet.html"
echo "wrote $OUT/sheet.html"

rm -f "$OUT/sheet.png"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
  rows=$(wc -l < "$OUT/prompts.tsv")
  width=$((300 + 2 * (SAMPLES * 136 + 40)))
  height=$((140 + rows * 160))  # the header may wrap to three lines
  profile=$(mktemp -d "${TMPDIR:-/tmp}/side_by_side_chromium.XXXXXX")
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --force-device-scale-factor=1 \
    --screenshot="$(cd "$OUT" && pwd)/sheet.png" --window-size="$width,$height" \
    "file://$(cd "$OUT" && pwd)/sheet.html" > "$OUT/chromium.log" 2>&1 || true
  rm -rf "$profile"
  if [ -s "$OUT/sheet.png" ]; then echo "wrote $OUT/sheet.png"; else echo "chromium wrote no sheet.png (see $OUT/chromium.log)"; fi
else
  echo "no chromium: open $OUT/sheet.html to see the sheet (apt-get install -y chromium for sheet.png)"
fi
