#!/usr/bin/env bash
# export.sh BIN CONTENT OUT: time and peak memory of a static export of
# CONTENT into a new OUT, then of exporting again unchanged (which must
# write nothing), with /usr/bin/time (apt-get install time).
#
#   go build -o /tmp/mp ./cmd/morningpost
#   /tmp/mp init --issues 3650 /tmp/big
#   .bench/export.sh /tmp/mp /tmp/big /tmp/big-site
set -eu
BIN=$1; CONTENT=$2; OUT=$3
AT=${AT:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}   # one moment for both runs
rm -rf "$OUT"
for run in fresh again; do
  /usr/bin/time -f "$run: %e s wall, %U s user, %S s system, peak RSS %M KB" \
    "$BIN" export --content "$CONTENT" --at "$AT" "$OUT" 2>&1 | grep -v '^  \|answer 404\|^note'
done
echo "files: $(find "$OUT" -type f | wc -l), $(du -sh "$OUT" | cut -f1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
