#!/usr/bin/env bash
# bench_long_audio.sh — peak memory (max RSS) and wall time of apps/tag and apps/pipeline on long
# audio: 30 s, 5 min, 30 min and 2 h (issue 20: memory must not grow with the clip's length, time
# must stay linear in it).
#
#   bash bench/bench_long_audio.sh [BUILD_DIR] [--lengths "30 300 1800 7200"] [--workers N]
#                                  [--apps "tag pipeline"] [--dir /tmp/DIR]
#
# The audio: a 30 s synthetic clip (apps/synth_clip: flute, guitar and drums mixed) looped to each
# length and written as 22.05 kHz mono 16-bit WAV by Python's standard wave module (2 h = 318 MB;
# our readers need a regular file, so no FIFO). The files are kept in --dir (default
# ${TMPDIR:-/tmp}/syn_long_audio) and reused. Peak RSS comes from /usr/bin/time -v; time/length is
# wall seconds per second of audio (linear time = a constant column). The pipeline's wall time is
# mostly its pictures, which do not depend on the length: tags_s is its tags stage (from its log),
# the part that grows with the audio, and tags/audio that per second of audio.
set -euo pipefail

BUILD=build LENGTHS="30 300 1800 7200" WORKERS=0 APPS="tag pipeline"
DIR=${TMPDIR:-/tmp}/syn_long_audio
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BUILD=$1; shift; fi
while [ $# -gt 0 ]; do
  case $1 in
    --lengths) LENGTHS=${2:?--lengths needs a value}; shift 2 ;;
    --workers) WORKERS=${2:?--workers needs a value}; shift 2 ;;
    --apps) APPS=${2:?--apps needs a value}; shift 2 ;;
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    *) echo "bench_long_audio: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "bench_long_audio: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
for app in synth_clip $APPS; do
  [ -x "$BUILD/apps/$app" ] || { echo "bench_long_audio: $BUILD/apps/$app not built (cmake --build $BUILD --target $app)" >&2; exit 2; }
done
mkdir -p "$DIR"

# One 30 s bar of "music": three timbres mixed at equal weight.
if [ ! -f "$DIR/base.wav" ]; then
  for t in flute guitar drums; do
    "$BUILD/apps/synth_clip" --timbre $t --seconds 30 --seed 1 -o "$DIR/base_$t.wav" > /dev/null
  done
  python3 - "$DIR" <<'PY'
import array, sys, wave
d = sys.argv[1]
parts = []
for t in ("flute", "guitar", "drums"):
    with wave.open(f"{d}/base_{t}.wav") as w:
        rate = w.getframerate()
        parts.append(array.array("h", w.readframes(w.getnframes())))
n = min(len(p) for p in parts)
mix = array.array("h", (int(sum(p[i] for p in parts) / 3) for i in range(n)))
with wave.open(f"{d}/base.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(mix.tobytes())
PY
fi
make_clip() {  # seconds -> file (the base clip looped, cut to the length)
  local s=$1 f="$DIR/clip_$1s.wav"
  [ -f "$f" ] || python3 - "$DIR/base.wav" "$f" "$s" <<'PY'
import sys, wave
src, dst, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with wave.open(src) as w:
    rate = w.getframerate(); base = w.readframes(w.getnframes())
need = secs * rate * 2
with wave.open(dst, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    while need > 0:
        part = base[:need]; w.writeframes(part); need -= len(part)
PY
  echo "$f"
}

echo "bench_long_audio: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), --workers $WORKERS"
printf '%-9s %8s %10s %9s %12s %10s %10s %8s %11s\n' app audio_s wall_s cpu_s peak_rss_MB wall/audio cpu/audio tags_s tags/audio
for s in $LENGTHS; do
  f=$(make_clip "$s")
  for app in $APPS; do
    log="$DIR/${app}_${s}s.log"
    case $app in
      tag) cmd=("$BUILD/apps/tag" "$f" --workers "$WORKERS") ;;
      pipeline) cmd=("$BUILD/apps/pipeline" "$f" -o "$DIR/out_${s}s" --workers "$WORKERS") ;;
      *) echo "bench_long_audio: unknown app '$app' (tag, pipeline)" >&2; exit 2 ;;
    esac
    /usr/bin/time -v "${cmd[@]}" > "$log" 2>&1 || { echo "bench_long_audio: $app failed on $f:"; tail -5 "$log"; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (i = 1; i <= n; ++i) t = t * 60 + p[i]; print t }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
    # CPU seconds (user + system): far less sensitive than wall time to other jobs on the machine.
    cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { t += $2 } END { print t }' "$log")
    tags=$(awk '$1 == "[pipeline]" && $2 == "tags" { print $3 }' "$log")
    if [ -n "$tags" ]; then
      printf '%-9s %8d %10.1f %9.1f %12d %10.4f %10.4f %8.1f %11.4f\n' "$app" "$s" "$wall" "$cpu" "$rss" \
        "$(awk -v w="$wall" -v s="$s" 'BEGIN { print w / s }')" "$(awk -v w="$cpu" -v s="$s" 'BEGIN { print w / s }')" \
        "$tags" "$(awk -v w="$tags" -v s="$s" 'BEGIN { print w / s }')"
    else
      printf '%-9s %8d %10.1f %9.1f %12d %10.4f %10.4f %8s %11s\n' "$app" "$s" "$wall" "$cpu" "$rss" \
        "$(awk -v w="$wall" -v s="$s" 'BEGIN { print w / s }')" "$(awk -v w="$cpu" -v s="$s" 'BEGIN { print w / s }')" - -
    fi
  done
done
