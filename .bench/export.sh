#!/usr/bin/env bash
# export.sh BIN CONTENT OUT [AGAIN]: time and peak memory of a static
# export of CONTENT into a new OUT, then of exporting again unchanged
# AGAIN times (default 3; each must write nothing), with /usr/bin/time
# (apt-get install time). The store is a new folder, shared by the runs.
#
#   go build -o /tmp/mp ./cmd/morningpost
#   /tmp/mp init --issues 3650 /tmp/big
#   .bench/export.sh /tmp/mp /tmp/big /tmp/big-site
set -eu
BIN=$1; CONTENT=$2; OUT=$3; AGAIN=${4:-3}
AT=${AT:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}   # one moment for every run
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
rm -rf "$OUT"
run() {
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "$1: %e s wall, %U s user, %S s system, peak RSS %M KB" \
    "$BIN" export --content "$CONTENT" --data "$DATA" --at "$AT" "$OUT" 2>&1 | grep -v '^  \|answer 404\|^note'
}
run fresh
for i in $(seq "$AGAIN"); do run "again $i"; done
echo "files: $(find "$OUT" -type f | wc -l), $(du -sh "$OUT" | cut -f1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
