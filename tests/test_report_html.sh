#!/usr/bin/env bash
# test_report_html.sh — report.html as a person sees it (issue 18): apps/pipeline on the bundled
# clip (the default latent model, few sampler steps), then headless Chromium loads the report and
# takes a screenshot, and tests/support/report_check.cpp checks the screenshot is a real page with
# the cover shown at its size, and that the HTML holds the <img> count it promises, every one an
# embedded PNG. Also: --report false writes no report.html.
#
#   bash tests/test_report_html.sh BUILD_DIR/apps REPORT_CHECK      (CTest runs it this way)
#
# Exit 0 pass, 1 fail, 77 skipped (no chromium binary, or the shipped weights absent).
# Debian: apt-get install -y chromium.
set -uo pipefail

APPS=$(cd "${1:?usage: test_report_html.sh BUILD_DIR/apps REPORT_CHECK}" && pwd)
CHECKER=${2:?usage: test_report_html.sh BUILD_DIR/apps REPORT_CHECK}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skipped: no chromium binary (apt-get install -y chromium)"; exit 77; }
[ -f "$SRC/models/weights/latent_imagine.synckpt" ] || { echo "skipped: no models/weights/latent_imagine.synckpt"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/syn_test_report.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

"$APPS/pipeline" -o "$WORK/out" --steps 4 --workers 1 > "$WORK/pipeline.log" 2>&1
check "pipeline on the bundled clip exits 0" test $? -eq 0
check "pipeline wrote report.html" test -s "$WORK/out/report.html"
check "the log names report.html" grep -q "report.html" "$WORK/pipeline.log"
check "pipeline.json names the report" grep -q '"report": "report.html"' "$WORK/out/pipeline.json"

# A private profile folder: parallel runs do not share Chromium's state.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$WORK/profile" --force-device-scale-factor=1 \
  --screenshot="$WORK/shot.png" --window-size=1200,2400 "file://$WORK/out/report.html" \
  > "$WORK/chromium.log" 2>&1
check "chromium took a screenshot" test -s "$WORK/shot.png"
if [ -s "$WORK/shot.png" ]; then
  "$CHECKER" "$WORK/shot.png" "$WORK/out/report.html" "$WORK/out/cover.png" > "$WORK/check.log" 2>&1
  check "the screenshot and the HTML pass report_check" test $? -eq 0
  cat "$WORK/check.log"
  [ -n "${SYN_KEEP_SCREENSHOT:-}" ] && cp "$WORK/shot.png" "$SYN_KEEP_SCREENSHOT"
fi

"$APPS/pipeline" -o "$WORK/noreport" --steps 2 --workers 1 --report false > "$WORK/noreport.log" 2>&1
check "--report false exits 0" test $? -eq 0
check "--report false writes no report.html" test ! -e "$WORK/noreport/report.html"

if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed; logs:"; tail -n 30 "$WORK/pipeline.log" "$WORK/chromium.log"
  exit 1
fi
echo "all checks passed"
