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

# One awk pass over every file (a process per file was slow on a loaded 2-core machine).
status=0
out=$(find engine kernels models data apps -type f \
        \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) -print0 | sort -z |
      xargs -0 awk '
  function allowed(f,   base) {
    base = "engine/ models/ data/"
    if (f ~ /^engine\//) return "engine/"
    if (f ~ /^kernels\//) return "engine/ kernels/"
    if (f ~ /^models\//) return "engine/ models/"
    if (f ~ /^data\//) return base
    if (f ~ /^apps\/cli\//) return base " apps/cli/"
    if (f ~ /^apps\/pipeline\//) return base " apps/cli/ apps/pipeline/"
    if (f ~ /^apps\/eval\//) return base " apps/cli/ apps/pipeline/ apps/eval/"
    if (f ~ /^apps\/train\//) return base " apps/cli/ apps/pipeline/ apps/eval/ apps/train/"
    if (f ~ /^apps\/[^\/]+\//) return "UNKNOWN-APPS-LIBRARY"
    return base " apps/cli/ apps/pipeline/ apps/eval/ apps/train/"
  }
  FNR == 1 { files++; ok_prefixes = allowed(FILENAME) }
  /^[ \t]*#[ \t]*include[ \t]*"/ {
    target = $0
    sub(/^[^"]*"/, "", target); sub(/".*$/, "", target)
    if (target !~ /^(engine|kernels|models|data|apps|bench|tests)\//) next
    n = split(ok_prefixes, p, " "); ok = 0
    for (i = 1; i <= n; i++) if (index(target, p[i]) == 1) ok = 1
    if (!ok) {
      printf "%s:%d: includes \"%s\", above its layer (allowed: %s)\n", FILENAME, FNR, target, ok_prefixes
      bad = 1
    }
  }
  END { printf "FILES %d\n", files; exit bad }') || status=$?
checked=$(awk '/^FILES / { n += $2 } END { print n + 0 }' <<<"$out")
grep -v '^FILES ' <<<"$out" || true
if [ "${checked:-0}" -eq 0 ]; then
  echo "check_layering: no source file found under '$root'" >&2
  exit 2
fi
if [ $status -ne 0 ]; then
  echo "check_layering: upward includes found (see the README's Layout section)" >&2
  exit 1
fi
echo "check_layering: $checked files, every include points down"
