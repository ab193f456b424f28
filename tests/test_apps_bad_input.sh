#!/usr/bin/env bash
# test_apps_bad_input.sh — issue 20's hostile probes through the real apps: each bad input gets a
# clear error naming the flag or file, early (before any expensive stage), and nothing of ours
# overwrites a special file. Special files are made in a temporary folder, never the system's.
#
#   bash tests/test_apps_bad_input.sh BUILD_DIR/apps        (CTest runs it this way)
set -uo pipefail

APPS=$(cd "${1:?usage: test_apps_bad_input.sh BUILD_DIR/apps}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/syn_test_bad_input.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# fails_with LOG TEXT APP ARGS... — the app exits 1 within 10 s and its output holds TEXT.
fails_with() {
  local log=$1 text=$2; shift 2
  timeout 10 "$@" > "$log" 2>&1
  local rc=$?
  [ $rc -eq 1 ] || { echo "  exit code $rc (want 1): $*"; cat "$log"; return 1; }
  grep -qF -- "$text" "$log" || { echo "  no '$text' in:"; cat "$log"; return 1; }
}
mkfifo "$WORK/fifo"

# Outputs never replace a special file, and the FIFO is still a FIFO afterwards.
check "imagine -o FIFO is refused before sampling" \
  fails_with "$WORK/1.log" "is a FIFO" "$APPS/imagine" "red heart" -o "$WORK/fifo" --steps 2
check "... and the FIFO is untouched" test -p "$WORK/fifo"
check "imagine -o a folder is refused" \
  fails_with "$WORK/2.log" "is a folder" "$APPS/imagine" "red heart" -o "$WORK" --steps 2

echo old > "$WORK/keep.png"
timeout 120 "$APPS/imagine" "red heart" -o "$WORK/keep.png" --steps 2 > "$WORK/r.log" 2>&1
check "imagine replaces an existing regular file and says so" \
  grep -qF "wrote $WORK/keep.png (replacing the existing file)" "$WORK/r.log"

# Sizes and values that used to be accepted or end in std::bad_alloc.
check "imagine --size 65536 is a clear error" \
  fails_with "$WORK/3.log" "--size must be in 0..4096, got 65536" \
  "$APPS/imagine" "red heart" -o "$WORK/x.png" --size 65536
check "imagine --guidance_scale -100 is refused" \
  fails_with "$WORK/4.log" "--guidance_scale must be a number in [0, 100], got -100" \
  "$APPS/imagine" "red heart" -o "$WORK/x.png" --guidance_scale -100
check "an empty prompt is refused" \
  fails_with "$WORK/5.log" "the prompt is empty" "$APPS/imagine" "  " -o "$WORK/x.png"
check "every problem is reported at once" \
  fails_with "$WORK/6.log" "3 problems with the flags of imagine" \
  "$APPS/imagine" "" -o "$WORK/x.png" --steps -1 --batch -1
check "--workers -5 is refused (any app)" \
  fails_with "$WORK/7.log" "--workers must be 0" "$APPS/imagine" "red heart" -o "$WORK/x.png" --workers -5
check "imagine wrote nothing for those" test ! -e "$WORK/x.png"

# Unbounded or blocking reads.
check "--config /dev/zero is refused, not read" \
  fails_with "$WORK/8.log" "is a character device" "$APPS/imagine" --config /dev/zero
check "--config FIFO is refused, not waited on" \
  fails_with "$WORK/9.log" "is a FIFO" "$APPS/caption" --config "$WORK/fifo"
check "caption --from FIFO is refused, not waited on" \
  fails_with "$WORK/10.log" "is a FIFO" "$APPS/caption" --from "$WORK/fifo"
check "caption --from /dev/zero is refused" \
  fails_with "$WORK/11.log" "is a character device" "$APPS/caption" --from /dev/zero

check "imagine --weights FIFO is refused, not waited on" \
  fails_with "$WORK/15.log" "is a FIFO" "$APPS/imagine" "red heart" -o "$WORK/x.png" --weights "$WORK/fifo"
check "imagine --weights /dev/zero is refused, not read" \
  fails_with "$WORK/16.log" "is a character device" "$APPS/imagine" "red heart" -o "$WORK/x.png" --weights /dev/zero

# Validation before the dataset scan: every bad pretraining flag at once, in well under 10 s.
mkdir -p "$WORK/music"
check "pretrain reports --max_steps -1 and --batch_size 1 together, before scanning" \
  fails_with "$WORK/12.log" "--max_steps must be in 1.." \
  "$APPS/pretrain" --dataset_dir "$WORK/music" --max_steps -1 --batch_size 1
check "... including --batch_size" grep -qF -- "--batch_size must be in 2.." "$WORK/12.log"
check "pretrain --checkpoint_path FIFO is refused" \
  fails_with "$WORK/13.log" "is a FIFO" "$APPS/pretrain" --dataset synthetic --checkpoint_path "$WORK/fifo"
check "pretrain --encoder_blocks 3 with the default --audio_length names both" \
  fails_with "$WORK/14.log" "--audio_length 59049 does not fit a SampleCNN with 3 blocks" \
  "$APPS/pretrain" --dataset synthetic --encoder_blocks 3

check "tag --json into a missing folder fails before tagging, saying why" \
  fails_with "$WORK/20.log" "--json '$WORK/no/such/tags.json': its folder '$WORK/no/such' does not exist" \
  "$APPS/tag" --json "$WORK/no/such/tags.json"
check "... before tagging (no tag printed)" bash -c "! grep -q 'time: load' '$WORK/20.log'"

# The trainers and evaluators check their flags before loading any data.
check "train_captioner reports --max_steps -1 and --batch_size 0 together" \
  fails_with "$WORK/17.log" "2 problems with the flags of train_captioner" \
  "$APPS/train_captioner" --max_steps -1 --batch_size 0
check "train_imagine names a missing dataset and how to build it" \
  fails_with "$WORK/18.log" "build it with apps/build_emoji_dataset" \
  "$APPS/train_imagine" --dataset "$WORK/none.ckpt"
check "eval_imagine --samples_per_prompt 0 is refused" \
  fails_with "$WORK/19.log" "--samples_per_prompt must be in 1..4096, got 0" \
  "$APPS/eval_imagine" --samples_per_prompt 0
check "eval_imagine names a missing judge and how to train it, before sampling" \
  fails_with "$WORK/19b.log" "train it with apps/train_clip_judge" \
  "$APPS/eval_imagine" --judge "$WORK/none.synckpt"
check "train_autoencoder reports a missing corpus, a judge-less perceptual term and bad sizes" \
  fails_with "$WORK/21.log" "3 problems with the flags of train_autoencoder" \
  "$APPS/train_autoencoder" --corpus "$WORK/none.ckpt" --perceptual_weight 0.1 --norm_groups 5
check "... naming how to build the corpus" grep -qF "build it with apps/build_picture_corpus" \
  "$WORK/21.log"

echo "$((failures == 0 ? 1 : 0)) passed, $((failures == 0 ? 0 : 1)) failed"
[ $failures -eq 0 ]
