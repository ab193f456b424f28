#!/usr/bin/env bash
# test_layering.sh SOURCE_DIR — the include-direction rule holds on the tree, and the checker
# really refuses an upward include: planted into a copy of the tree, each must be reported.
set -euo pipefail
src=${1:?usage: test_layering.sh SOURCE_DIR}
checker="$src/tests/layering/check_layering.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

bash "$checker" "$src" || fail "the tree has upward includes"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# One copy of the sources; each plant appends one upward include to one file, checks that the
# checker reports it, and puts the file back.
mkdir -p "$tmp/tree"
(cd "$src" && find engine kernels models data apps -type f \
   \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) -print0 |
   xargs -0 cp --parents -t "$tmp/tree")
plant() {  # plant FILE INCLUDE
  local file="$tmp/tree/$1"
  [ -f "$file" ] || fail "planted file $1 does not exist"
  cp "$file" "$tmp/original"
  printf '#include "%s"\n' "$2" >> "$file"
  if out=$(bash "$checker" "$tmp/tree" 2>&1); then
    fail "an upward include from $1 to $2 was not reported"
  fi
  grep -q "^$1:[0-9]*: includes \"$2\"" <<<"$out" || fail "report does not name $1 → $2: $out"
  cp "$tmp/original" "$file"
  echo "refused as it should: $1 → $2"
}
plant engine/tensor.h models/clmr.h
plant engine/ops/conv1d.cpp data/audio/audio_io.h
plant models/clmr.cpp data/text/tokenizer.h
plant data/audio/audio_io.cpp apps/cli/app_config.h
plant apps/cli/app_config.cpp apps/pipeline/tagger.h
plant apps/pipeline/tagger.cpp apps/train/clmr_task.h
plant apps/eval/image_quality.cpp apps/train/clmr_task.h
plant kernels/conv1d.cu models/clmr.h
echo "1 passed, 0 failed"
