#!/usr/bin/env bash
# check_layering.sh ROOT — fails (exit 1) on any #include "…" in ROOT that points up the layer
# table of the README's Layout section, naming the file, the line and the rule it breaks.
#   engine/        engine/
#   kernels/       engine/ kernels/
#   models/        engine/ models/
#   data/          engine/ models/ data/
#   apps/cli/      … data/ apps/cli/
#   apps/pipeline/ … apps/cli/ apps/pipeline/
#   apps/eval/     … apps/pipeline/ apps/eval/
#   apps/train/    … apps/eval/ apps/train/
#   apps/*.cpp     every library above (a main never includes another main)
# bench/ and tests/ may include anything. Only quoted includes of the project are checked.
set -euo pipefail
root=${1:?usage: check_layering.sh ROOT}
cd "$root"

allowed_for() {  # the include prefixes a file at path $1 may use
  local base="engine/ models/ data/"
  case "$1" in
    engine/*) echo "engine/" ;;
    kernels/*) echo "engine/ kernels/" ;;
    models/*) echo "engine/ models/" ;;
    data/*) echo "$base" ;;
    apps/cli/*) echo "$base apps/cli/" ;;
    apps/pipeline/*) echo "$base apps/cli/ apps/pipeline/" ;;
    apps/eval/*) echo "$base apps/cli/ apps/pipeline/ apps/eval/" ;;
    apps/train/*) echo "$base apps/cli/ apps/pipeline/ apps/eval/ apps/train/" ;;
    apps/*/*) echo "UNKNOWN-APPS-LIBRARY" ;;
    apps/*) echo "$base apps/cli/ apps/pipeline/ apps/eval/ apps/train/" ;;
    *) echo "*" ;;
  esac
}

bad=0
checked=0
while IFS= read -r file; do
  allowed=$(allowed_for "$file")
  [ "$allowed" = "*" ] && continue
  checked=$((checked + 1))
  while IFS=: read -r line target; do
    case "$target" in engine/* | kernels/* | models/* | data/* | apps/* | bench/* | tests/*) ;; *) continue ;; esac
    ok=0
    for prefix in $allowed; do
      case "$target" in "$prefix"*) ok=1 ;; esac
    done
    if [ $ok -eq 0 ]; then
      echo "$file:$line: includes \"$target\", above its layer (allowed: $allowed)"
      bad=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
           sed -E 's/^([0-9]+):[^"]*"([^"]+)".*/\1:\2/')
done < <(find engine kernels models data apps -type f \
           \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) | sort)

if [ $checked -eq 0 ]; then
  echo "check_layering: no source file found under '$root'" >&2
  exit 2
fi
if [ $bad -ne 0 ]; then
  echo "check_layering: upward includes found (see the README's Layout section)" >&2
  exit 1
fi
echo "check_layering: $checked files, every include points down"
