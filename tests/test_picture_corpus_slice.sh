#!/usr/bin/env bash
# test_picture_corpus_slice.sh — apps/build_picture_corpus end to end on a small slice
# (--limit_per_source) of whichever picture sources are installed as Debian packages
# (fonts-noto-color-emoji with unicode-data, ruby-gemojione, openclipart-png,
# tuxpaint-stamps-default) or fetched into $SYN_PICTURE_SOURCES by data/pictures/fetch_sources.sh.
# Checks the corpus file, the manifest (one line per picture, a licence of the allowed list for
# each), the counts and one contact sheet per source, a licence exclusion, composed scenes
# (--scenes) from the slice, and bad flags.
# Exit 77 (skipped) when no source is present.
#   bash tests/test_picture_corpus_slice.sh build/apps
set -euo pipefail
apps="$1"
app="$apps/build_picture_corpus"
sources="${SYN_PICTURE_SOURCES:-/nonexistent-picture-sources}"
emoji_test=/usr/share/unicode/emoji/emoji-test.txt
have=0
[ -e "$sources" ] && have=1
[ -e "$emoji_test" ] && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && have=1
[ -e "$emoji_test" ] && [ -e /usr/share/rubygems-integration/all/gems/gemojione-3.3.0 ] && have=1
[ -e /usr/share/openclipart/png ] && have=1
[ -e /usr/share/tuxpaint/stamps ] && have=1
if [ "$have" = 0 ]; then
  echo "no picture source installed: skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$app" --sources "$sources" --limit_per_source 12 --output "$tmp/c.ckpt" \
  --manifest "$tmp/m.tsv" --counts "$tmp/counts.tsv" --contact_sheets "$tmp/sheets" \
  >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "the builder failed"; }
cat "$tmp/log"
[ -s "$tmp/c.ckpt" ] || fail "no corpus file"
n=$(awk -F'\t' '$1=="pictures"{print $2}' "$tmp/counts.tsv")
[ -n "$n" ] && [ "$n" -gt 0 ] || fail "counts.tsv has no picture count"
[ "$(($(wc -l <"$tmp/m.tsv") - 1))" = "$n" ] || fail "manifest lines != $n pictures"
head -n 1 "$tmp/m.tsv" | grep -q $'^id\tsource\tfile\tlicence\tconcept\tcaption\tsplit$' ||
  fail "manifest header"
bad=$(awk -F'\t' 'NR>1 && $4!~/^(Apache-2.0|CC-BY-4.0|CC-BY-SA-4.0|CC-PDDC|GPL-2.0-or-later)$/' \
  "$tmp/m.tsv" | wc -l)
[ "$bad" = 0 ] || fail "$bad pictures without a known licence"
for src in $(awk -F'\t' 'NR>1{print $2}' "$tmp/m.tsv" | sort -u); do
  per=$(awk -F'\t' -v s="$src" 'NR>1 && $2==s' "$tmp/m.tsv" | wc -l)
  [ "$per" -le 12 ] || fail "$src has $per pictures over --limit_per_source 12"
  [ -s "$tmp/sheets/$src.png" ] || fail "no contact sheet for $src"
done

# Excluding the licence of the first source leaves none of its pictures.
first=$(awk -F'\t' 'NR==2{print $4}' "$tmp/m.tsv")
if [ "$(awk -F'\t' -v l="$first" 'NR>1 && $4!=l' "$tmp/m.tsv" | wc -l)" -gt 0 ]; then
  "$app" --sources "$sources" --limit_per_source 12 --exclude_licences "$first" \
    --output "$tmp/x.ckpt" --manifest "$tmp/x.tsv" --counts "" --contact_sheets "" >/dev/null
  ! awk -F'\t' 'NR>1{print $4}' "$tmp/x.tsv" | grep -qx "$first" ||
    fail "--exclude_licences $first kept pictures of it"
fi

# Composed scenes from the slice (issue 15): a corpus-format file, captions and a sheet; the same
# seed gives the same bytes, another seed other scenes.
scenes() {
  "$app" --scene_corpus "$tmp/c.ckpt" --scenes 6 --scene_seed "$1" --scene_output "$tmp/$2.ckpt" \
    --scene_captions "$tmp/$2.tsv" --scene_sheet "$tmp/$2.png" >"$tmp/scene_log" 2>&1 ||
    { cat "$tmp/scene_log"; fail "--scenes failed"; }
}
scenes 3 s1
scenes 3 s2
scenes 4 s3
cat "$tmp/scene_log"
[ "$(($(wc -l <"$tmp/s1.tsv") - 1))" = 6 ] || fail "scenes.tsv does not list 6 scenes"
[ -s "$tmp/s1.png" ] || fail "no scene sheet"
cmp -s "$tmp/s1.ckpt" "$tmp/s2.ckpt" || fail "the same --scene_seed gave different scene files"
! cmp -s "$tmp/s1.ckpt" "$tmp/s3.ckpt" || fail "another --scene_seed gave the same scene file"
if "$app" --scene_corpus "$tmp/c.ckpt" --scenes 2 --scene_genre polka --scene_mood grumpy \
  >"$tmp/bad_scene" 2>&1; then
  fail "bad scene flags were accepted"
fi
grep -qF "unknown scene genre 'polka'" "$tmp/bad_scene" || { cat "$tmp/bad_scene"; fail "genre"; }

# Bad flags: every problem named at once, before any work.
if "$app" --licences MIT --use_sources flickr --holdout_percent 101 >"$tmp/bad" 2>&1; then
  fail "bad flags were accepted"
fi
for want in "--licences: 'MIT'" "--use_sources: 'flickr'" "--holdout_percent"; do
  grep -qF -- "$want" "$tmp/bad" || { cat "$tmp/bad"; fail "no error naming $want"; }
done
echo "ok: $n pictures"
