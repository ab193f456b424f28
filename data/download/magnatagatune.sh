#!/usr/bin/env bash
# magnatagatune.sh — download MagnaTagATune (Law et al. 2009) and the standard split files into one
# folder, resumable, verified, and unzip the clips; the result is what data/datasets/magnatagatune.h reads.
#
#   data/download/magnatagatune.sh [DEST]        DEST defaults to ./data/datasets/magnatagatune
#   apps: --dataset magnatagatune --dataset_dir DEST
#
# Fetched (about 3 GB; the unzip needs about 6 GB free while the archive parts are still there):
#   from MTT_BASE_URL (the official host, City, University of London's MIRG):
#     annotations_final.csv, clip_info_final.csv   tag annotations and clip metadata
#     mp3.zip.001 .002 .003                          one zip archive in three byte ranges; joined
#                                                    and unzipped into DEST/0 ... DEST/f
#   from MTT_MUSICNN_URL (jordipons/musicnn-training at a pinned commit, data/index/mtt/):
#     train_gt_mtt.tsv val_gt_mtt.tsv test_gt_mtt.tsv index_mtt.tsv   the pons2017 split (the
#                                                    default of CLMR and musicnn)
#   from MTT_SOTA_URL (minzwon/sota-music-tagging-models, split/mtat/):
#     train.npy valid.npy test.npy binary.npy tags.npy                 the won2020 split
#
# Verification. No checksums of the official files are published (CLMR's download table has empty
# MD5 strings), so none is invented here: the three archive parts are checked by size (1,100,000,000
# + 1,100,000,000 + 772,769,864 bytes, as recorded by a third-party download script; the host does
# not publish them, hence MTT_SKIP_VERIFY below) and, after joining, by unzip's CRC-32 of every
# clip; the two CSV files by their header line. The musicnn
# files are checked exactly against their git blob ids in the pinned commit (SHA-1 of
# "blob <size>\0<content>", as `git hash-object` computes). The sota .npy files have no published
# checksum and are only checked to be .npy files.
#
# Resuming: a partial file is continued where it stopped (curl -C -, or wget -c); a file that
# already verifies is not fetched again; once the clips are unzipped (DEST/.mp3_extracted) the
# archive parts are not needed any more and are removed (MTT_KEEP_ZIPS=1 keeps them).
#
# Environment:
#   MTT_BASE_URL     default https://mirg.city.ac.uk/datasets/magnatagatune
#   MTT_MUSICNN_URL  default https://raw.githubusercontent.com/jordipons/musicnn-training/<commit>/data/index/mtt
#   MTT_SOTA_URL     default https://raw.githubusercontent.com/minzwon/sota-music-tagging-models/master/split/mtat
#                    (any of the three may be a file:// URL: tests/test_download_mtt.sh does that)
#   MTT_SPLITS       which split files to fetch: "pons2017 won2020" (default), "pons2017", ...
#   MTT_MANIFEST     a file replacing the built-in manifest below (same format)
#   MTT_KEEP_ZIPS    1: keep mp3.zip.00N after a successful unzip
#   MTT_SKIP_VERIFY  1: accept files whose size or checksum differs (if a host changes a file)
# Exit status: 0 done, 1 a download or check failed (the message says which file and what to do),
# 2 bad usage, 77 a required tool (curl or wget, unzip, sha1sum or shasum) is missing.
set -euo pipefail

MUSICNN_COMMIT=c7aa67bd1641592fcf43467c37db01b553dd4e5c
MTT_BASE_URL=${MTT_BASE_URL:-https://mirg.city.ac.uk/datasets/magnatagatune}
MTT_MUSICNN_URL=${MTT_MUSICNN_URL:-https://raw.githubusercontent.com/jordipons/musicnn-training/$MUSICNN_COMMIT/data/index/mtt}
MTT_SOTA_URL=${MTT_SOTA_URL:-https://raw.githubusercontent.com/minzwon/sota-music-tagging-models/master/split/mtat}
MTT_SPLITS=${MTT_SPLITS:-pons2017 won2020}
MTT_KEEP_ZIPS=${MTT_KEEP_ZIPS:-0}
MTT_SKIP_VERIFY=${MTT_SKIP_VERIFY:-0}

# source  file  check  value — check is one of:
#   size N        exactly N bytes
#   gitsha1 H     git blob id H
#   header A,B    the first line contains each of the comma-separated words
#   npy -         starts with the .npy magic string
BUILTIN_MANIFEST='
mtt      annotations_final.csv  header   clip_id,no voice,english,mp3_path
mtt      clip_info_final.csv    header   clip_id,segmentStart,mp3_path
mtt      mp3.zip.001            size     1100000000
mtt      mp3.zip.002            size     1100000000
mtt      mp3.zip.003            size     772769864
pons2017 train_gt_mtt.tsv       gitsha1  84eaa6424306b76fdaa51fc02fd1d702ab10d7e0
pons2017 val_gt_mtt.tsv         gitsha1  30b7e73eecea822635d816b8b9dcbae8b196b814
pons2017 test_gt_mtt.tsv        gitsha1  d42d1e428e170203e19649d81b4ac1ac6f71d8af
pons2017 index_mtt.tsv          gitsha1  bfa2182dfe6b607c96ce52448ed973b1b067d5e5
won2020  train.npy              npy      -
won2020  valid.npy              npy      -
won2020  test.npy               npy      -
won2020  binary.npy             npy      -
won2020  tags.npy               npy      -
'

die() { echo "magnatagatune.sh: error: $*" >&2; exit 1; }
say() { echo "magnatagatune.sh: $*"; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then usage; exit 0; fi
if [[ $# -gt 1 || "${1:-}" == -* ]]; then usage >&2; exit 2; fi
DEST=${1:-./data/datasets/magnatagatune}

# Tools.
if command -v curl >/dev/null; then FETCH=curl
elif command -v wget >/dev/null; then FETCH=wget
else echo "magnatagatune.sh: needs curl or wget" >&2; exit 77; fi
command -v unzip >/dev/null || { echo "magnatagatune.sh: needs unzip" >&2; exit 77; }
if command -v sha1sum >/dev/null; then SHA1="sha1sum"
elif command -v shasum >/dev/null; then SHA1="shasum -a 1"
else echo "magnatagatune.sh: needs sha1sum or shasum" >&2; exit 77; fi

file_size() { stat -c %s "$1" 2>/dev/null || stat -f %z "$1"; }

git_blob_sha1() {  # the id `git hash-object FILE` prints
  { printf 'blob %s\0' "$(file_size "$1")"; cat "$1"; } | $SHA1 | cut -d' ' -f1
}

# verify FILE CHECK VALUE: 0 when it passes; prints why not otherwise.
verify() {
  local f=$1 check=$2 value=$3
  [[ -f "$f" ]] || { echo "missing"; return 1; }
  case "$check" in
    size)
      local got; got=$(file_size "$f")
      [[ "$got" == "$value" ]] || { echo "has $got bytes, expected $value"; return 1; } ;;
    gitsha1)
      local got; got=$(git_blob_sha1 "$f")
      [[ "$got" == "$value" ]] || { echo "git blob id $got, expected $value"; return 1; } ;;
    header)
      local first word; first=$(head -n 1 "$f" | tr -d '\r')
      IFS=',' read -r -a words <<<"$value"
      for word in "${words[@]}"; do
        [[ "$first" == *"$word"* ]] || { echo "header line lacks '$word'"; return 1; }
      done ;;
    npy)
      [[ "$(head -c 6 "$f" | tail -c 5)" == "NUMPY" ]] || { echo "is not a .npy file"; return 1; } ;;
    none) ;;
    *) die "manifest: unknown check '$check' for $f" ;;
  esac
  return 0
}

# fetch URL FILE: download, continuing a partial FILE.
fetch() {
  local url=$1 out=$2
  if [[ $FETCH == curl ]]; then
    curl --fail --location --silent --show-error --retry 3 --continue-at - --output "$out" "$url"
  else
    wget --quiet --continue --output-document="$out" "$url"
  fi
}

# get SOURCE FILE CHECK VALUE: make DEST/FILE present and verified.
get() {
  local source=$1 name=$2 check=$3 value=$4 base out why
  case "$source" in
    mtt) base=$MTT_BASE_URL ;;
    pons2017) base=$MTT_MUSICNN_URL ;;
    won2020) base=$MTT_SOTA_URL ;;
    *) die "manifest: unknown source '$source'" ;;
  esac
  out="$DEST/$name"
  if why=$(verify "$out" "$check" "$value"); then say "$name: ok (already here)"; return 0; fi
  # Larger than expected cannot be resumed: start again.
  if [[ $check == size && -f "$out" && $(file_size "$out") -gt $value ]]; then rm -f "$out"; fi
  if [[ -f "$out" ]]; then say "$name: resuming at $(file_size "$out") bytes"
  else say "$name: downloading"; fi
  fetch "$base/$name" "$out" || die "$name: download from $base/$name failed (re-run to resume)"
  if why=$(verify "$out" "$check" "$value"); then say "$name: ok"; return 0; fi
  if [[ $check != size ]]; then
    # A resumed file whose content does not match: fetch it once more from scratch.
    say "$name: $why; downloading again from scratch"
    rm -f "$out"
    fetch "$base/$name" "$out" || die "$name: download from $base/$name failed"
    if why=$(verify "$out" "$check" "$value"); then say "$name: ok"; return 0; fi
  fi
  if [[ $MTT_SKIP_VERIFY == 1 ]]; then say "$name: $why (accepted: MTT_SKIP_VERIFY=1)"; return 0; fi
  die "$name: $why. If the host has changed the file, re-run with MTT_SKIP_VERIFY=1; if it is a" \
      "broken partial download, delete '$out' and re-run"
}

mkdir -p "$DEST"
MANIFEST=$BUILTIN_MANIFEST
if [[ -n "${MTT_MANIFEST:-}" ]]; then
  [[ -f "$MTT_MANIFEST" ]] || die "MTT_MANIFEST '$MTT_MANIFEST' does not exist"
  MANIFEST=$(cat "$MTT_MANIFEST")
fi

extracted="$DEST/.mp3_extracted"
zips=()
while read -r source name check value; do
  [[ -z "${source:-}" || "$source" == \#* ]] && continue
  if [[ $source != mtt && " $MTT_SPLITS " != *" $source "* ]]; then continue; fi
  if [[ $name == mp3.zip.* ]]; then
    zips+=("$name")
    [[ -f "$extracted" ]] && continue  # the clips are already unzipped
  fi
  get "$source" "$name" "$check" "$value"
done <<<"$MANIFEST"

if [[ -f "$extracted" ]]; then
  say "clips: already unzipped ($(cat "$extracted"))"
elif [[ ${#zips[@]} -gt 0 ]]; then
  say "joining ${zips[*]} and unzipping into $DEST"
  joined="$DEST/mp3.zip.joined"
  (cd "$DEST" && cat "${zips[@]}") >"$joined"
  if ! unzip -q -o "$joined" -d "$DEST"; then
    rm -f "$joined"
    die "unzip failed: one of ${zips[*]} is corrupt although its size is right; delete the parts" \
        "in '$DEST' and re-run"
  fi
  rm -f "$joined"
  count=$(find "$DEST" -path "$DEST/[0-9a-f]/*.mp3" -type f | wc -l | tr -d ' ')
  for d in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
    [[ -d "$DEST/$d" ]] || die "after unzipping, folder '$DEST/$d' is missing"
  done
  echo "$count mp3 files" >"$extracted"
  say "clips: $count mp3 files in $DEST/0 ... $DEST/f"
  if [[ $MTT_KEEP_ZIPS != 1 ]]; then (cd "$DEST" && rm -f "${zips[@]}"); fi
fi
say "done: $DEST (use --dataset magnatagatune --dataset_dir $DEST)"
