#!/usr/bin/env bash
# test_download_mtt.sh — data/download/magnatagatune.sh against a miniature of its three servers
# made here as file:// folders: the official host (annotations, clip info, a zip archive of a
# 0..f clip tree split into mp3.zip.001-003 like the real one), musicnn's split files and the
# sota .npy split files, with a manifest of their true sizes and git blob ids (computed here by
# `git hash-object`, an implementation independent of the script's).
#
#   bash tests/test_download_mtt.sh data/download/magnatagatune.sh     (CTest runs it this way)
#
# Checks: a fresh download verifies, joins and unzips; a re-run fetches nothing; an interrupted
# archive part is resumed; a corrupt part of the right size is caught by unzip; a file whose
# checksum does not match is fetched again and then refused, naming it; a file missing on the
# server is an error naming it. Exit 0 pass, 1 fail, 77 skipped (a tool is missing).
set -uo pipefail

SCRIPT=${1:?usage: test_download_mtt.sh path/to/magnatagatune.sh}
SCRIPT=$(cd "$(dirname "$SCRIPT")" && pwd)/$(basename "$SCRIPT")
for tool in curl zip unzip git split; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/syn_test_download_mtt.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# ---- the miniature servers --------------------------------------------------------------------
SRV=$WORK/srv
mkdir -p "$SRV/mtt" "$SRV/musicnn" "$SRV/sota" "$WORK/tree"
{
  printf '"clip_id"\t"no voice"\t"singer"'
  printf '\t"english"\t"mp3_path"\n'
  printf '"2"\t"0"\t"1"\t"0"\t"0/a.mp3"\n'
} >"$SRV/mtt/annotations_final.csv"
printf '"clip_id"\t"track_number"\t"title"\t"segmentStart"\t"mp3_path"\n"2"\t"1"\t"t"\t"0"\t"0/a.mp3"\n' \
  >"$SRV/mtt/clip_info_final.csv"
for d in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
  mkdir -p "$WORK/tree/$d"
  head -c 3000 /dev/urandom >"$WORK/tree/$d/clip_$d.mp3"  # content is irrelevant here
done
(cd "$WORK/tree" && zip -qr "$SRV/mtt/mp3.zip" 0 1 2 3 4 5 6 7 8 9 a b c d e f)
(cd "$SRV/mtt" && split -n 3 -d -a 3 --numeric-suffixes=1 mp3.zip mp3.zip. && rm mp3.zip)
for f in train_gt_mtt.tsv val_gt_mtt.tsv test_gt_mtt.tsv index_mtt.tsv; do
  printf '2\t[0.0, 1.0]\n%s\n' "$f" >"$SRV/musicnn/$f"
done
for f in train valid test binary tags; do
  printf '\x93NUMPY\x01\x00 fake %s' "$f" >"$SRV/sota/$f.npy"
done

MANIFEST=$WORK/manifest
{
  echo "mtt annotations_final.csv header clip_id,no voice,mp3_path"
  echo "mtt clip_info_final.csv header clip_id,segmentStart,mp3_path"
  for p in 001 002 003; do
    echo "mtt mp3.zip.$p size $(stat -c %s "$SRV/mtt/mp3.zip.$p")"
  done
  for f in train_gt_mtt.tsv val_gt_mtt.tsv test_gt_mtt.tsv index_mtt.tsv; do
    echo "pons2017 $f gitsha1 $(git hash-object "$SRV/musicnn/$f")"
  done
  for f in train valid test binary tags; do echo "won2020 $f.npy npy -"; done
} >"$MANIFEST"

export MTT_BASE_URL="file://$SRV/mtt" MTT_MUSICNN_URL="file://$SRV/musicnn"
export MTT_SOTA_URL="file://$SRV/sota" MTT_MANIFEST="$MANIFEST"
run() {  # run DEST LOG: the script's exit status
  bash "$SCRIPT" "$1" >"$2" 2>&1
}

# ---- a fresh download ---------------------------------------------------------------------------
D1=$WORK/d1
run "$D1" "$WORK/log1"; rc=$?
cat "$WORK/log1"
check "fresh download exits 0" test $rc -eq 0
check "annotations downloaded intact" cmp -s "$D1/annotations_final.csv" "$SRV/mtt/annotations_final.csv"
check "split files downloaded" test -f "$D1/val_gt_mtt.tsv" -a -f "$D1/tags.npy"
check "clip tree unzipped (0 .. f)" cmp -s "$D1/f/clip_f.mp3" "$WORK/tree/f/clip_f.mp3"
check "unzip marker counts 16 clips" grep -q "^16 mp3 files" "$D1/.mp3_extracted"
check "archive parts removed after the unzip" test ! -e "$D1/mp3.zip.001" -a ! -e "$D1/mp3.zip.joined"

# ---- a re-run fetches nothing (the servers' split files are gone and it still succeeds) ----------
mv "$SRV/musicnn" "$SRV/musicnn.away"
run "$D1" "$WORK/log2"; rc=$?
check "re-run exits 0 without the servers" test $rc -eq 0
check "re-run reports every file as already here" \
  test "$(grep -c 'ok (already here)' "$WORK/log2")" -eq 11
check "re-run does not unzip again" grep -q "clips: already unzipped" "$WORK/log2"
mv "$SRV/musicnn.away" "$SRV/musicnn"

# ---- an interrupted archive part is resumed -------------------------------------------------------
# The server's first 1000 bytes are zeroed after the local copy got them: only a true byte-range
# resume (not a restart) ends with the intact part.
D2=$WORK/d2
mkdir -p "$D2"
head -c 1000 "$SRV/mtt/mp3.zip.002" >"$D2/mp3.zip.002"
cp "$SRV/mtt/mp3.zip.002" "$WORK/part2.orig"
dd if=/dev/zero of="$SRV/mtt/mp3.zip.002" bs=1000 count=1 conv=notrunc status=none
MTT_KEEP_ZIPS=1 run "$D2" "$WORK/log3"; rc=$?
check "resumed download exits 0" test $rc -eq 0
check "the partial part was resumed" grep -q "mp3.zip.002: resuming at 1000 bytes" "$WORK/log3"
check "the resumed part is intact (fetched from byte 1000 on)" cmp -s "$D2/mp3.zip.002" "$WORK/part2.orig"
cp "$WORK/part2.orig" "$SRV/mtt/mp3.zip.002"
check "MTT_KEEP_ZIPS=1 keeps the parts" test -f "$D2/mp3.zip.001"
check "clips unzipped after the resume" cmp -s "$D2/7/clip_7.mp3" "$WORK/tree/7/clip_7.mp3"

# ---- a corrupt part of the right size is caught by unzip ------------------------------------------
D3=$WORK/d3
mkdir -p "$D3"
size=$(stat -c %s "$SRV/mtt/mp3.zip.001")
head -c 200 "$SRV/mtt/mp3.zip.001" >"$D3/mp3.zip.001"
head -c $((size / 2 - 200)) /dev/zero >>"$D3/mp3.zip.001"  # damaged middle, resumed tail
tail -c $((size - size / 2)) "$SRV/mtt/mp3.zip.001" >>"$D3/mp3.zip.001"
run "$D3" "$WORK/log4"; rc=$?
check "corrupt archive part fails" test $rc -ne 0
check "...with a message saying a part is corrupt" grep -q "unzip failed: one of mp3.zip.001" "$WORK/log4"
check "...and no unzip marker" test ! -e "$D3/.mp3_extracted"

# ---- a checksum mismatch: fetched again, then refused naming the file ----------------------------
D4=$WORK/d4
cp "$SRV/musicnn/val_gt_mtt.tsv" "$WORK/val.orig"
printf '2\t[1.0, 1.0]\nval_gt_mtt.tsv\n' >"$SRV/musicnn/val_gt_mtt.tsv"  # same size, other bytes
MTT_SPLITS=pons2017 run "$D4" "$WORK/log5"; rc=$?
check "checksum mismatch fails" test $rc -ne 0
check "...after one fresh download" grep -q "val_gt_mtt.tsv: git blob id .*; downloading again" "$WORK/log5"
check "...naming the file" grep -q "error: val_gt_mtt.tsv: git blob id" "$WORK/log5"
MTT_SKIP_VERIFY=1 MTT_SPLITS=pons2017 run "$D4" "$WORK/log6"; rc=$?
check "MTT_SKIP_VERIFY=1 accepts it" test $rc -eq 0
cp "$WORK/val.orig" "$SRV/musicnn/val_gt_mtt.tsv"
# A local file with the right size but wrong content is replaced by the server's.
printf '2\t[1.0, 1.0]\nval_gt_mtt.tsv\n' >"$D4/val_gt_mtt.tsv"
MTT_SPLITS=pons2017 run "$D4" "$WORK/log7"; rc=$?
check "a damaged local split file is fetched again" test $rc -eq 0
check "...and is then intact" cmp -s "$D4/val_gt_mtt.tsv" "$SRV/musicnn/val_gt_mtt.tsv"

# ---- a file missing on the server ------------------------------------------------------------------
D5=$WORK/d5
mv "$SRV/sota/tags.npy" "$WORK/tags.npy.away"
run "$D5" "$WORK/log8"; rc=$?
check "missing server file fails" test $rc -ne 0
check "...naming it" grep -q "error: tags.npy: download from file://.*/tags.npy failed" "$WORK/log8"
mv "$WORK/tags.npy.away" "$SRV/sota/tags.npy"
check "bad usage exits 2" bash -c "bash '$SCRIPT' a b >/dev/null 2>&1; test \$? -eq 2"

echo "$failures failure(s)"
[[ $failures -eq 0 ]]
