#!/usr/bin/env bash
# crawl-archives.sh BASE_URL [PID]: walk prev-archive (next_url for JSON
# Feed) from every subscription feed in every format, as a crawler
# reconstructing the whole history would, and count documents and
# entries. With the server's PID, print its peak resident memory after.
#
#   morningpost init --issues 3650 /tmp/big
#   morningpost serve --content /tmp/big --addr 127.0.0.1:8081 --rate-limit 0 &
#   bench/crawl-archives.sh http://127.0.0.1:8081 $!
set -eu
BASE=${1%/}; PID=${2:-}
feeds="/feed /issues/feed"
for s in lead deep-dive opinion tools reading; do feeds="$feeds /sections/$s/feed"; done
docs=0; entries=0
for f in $feeds; do
  for fmt in atom rss json; do
    url="$BASE$f.$fmt"
    while [ -n "$url" ]; do
      body=$(curl -fsS -H 'Accept-Encoding: gzip' --compressed "$url")
      docs=$((docs + 1))
      case $fmt in
        atom) entries=$((entries + $(grep -c '<entry>' <<<"$body" || true)))
              url=$(grep -o '<link href="[^"]*" rel="prev-archive"' <<<"$body" | sed 's/<link href="\([^"]*\)".*/\1/' || true) ;;
        rss)  entries=$((entries + $(grep -c '<item>' <<<"$body" || true)))
              url=$(grep -o '<atom:link href="[^"]*" rel="prev-archive"' <<<"$body" | sed 's/<atom:link href="\([^"]*\)".*/\1/' || true) ;;
        json) entries=$((entries + $(grep -o '"id":"tag:' <<<"$body" | wc -l)))
              url=$(grep -o '"next_url":"[^"]*"' <<<"$body" | sed 's/"next_url":"\(.*\)"/\1/' || true) ;;
      esac
      # The documents name the site's base_url; fetch them from BASE.
      [ -n "$url" ] && url="$BASE/${url#*://*/}"
    done
  done
done
echo "documents $docs, entries $entries (subscription feeds included)"
[ -n "$PID" ] && grep -E 'VmHWM|VmRSS' "/proc/$PID/status"
exit 0
