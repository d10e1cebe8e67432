#!/usr/bin/env bash
# vs-hugo.sh [ISSUES] [WORK]: the export against a Hugo build of the same
# archive, on this machine, in one run. It writes a generated archive of
# ISSUES issues (default 1000; the newest dated yesterday), converts it
# into a Hugo site with ../shared/bench/to-hugo (relative to the
# repository), builds that site with Hugo, exports the archive with
# morningpost into a new folder (fresh), adds one new issue dated today
# and exports again into the same folder (re-export), then prints the CPU
# time (user + system) of each and the ratios to Hugo's build, with the
# number of files the re-export wrote. Work files go under WORK (default
# a new temporary folder, removed at the end).
#
#   apt-get install -y hugo time
#   .bench/vs-hugo.sh 1000
#   .bench/vs-hugo.sh 3650
#
# Each step runs once: the machine is shared, say its load with the
# figures (printed before and after).
set -eu
ISSUES=${1:-1000}
REPO=$(cd "$(dirname "$0")/.." && pwd)
TO_HUGO="$REPO/../shared/bench/to-hugo"
[ -x "$TO_HUGO" ] || { echo "vs-hugo: $TO_HUGO is missing" >&2; exit 2; }
command -v hugo >/dev/null || { echo "vs-hugo: hugo is not installed (apt-get install -y hugo)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "vs-hugo: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }
if [ -n "${2:-}" ]; then
  WORK=$2; mkdir -p "$WORK"
else
  WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
fi
BIN=$WORK/morningpost
(cd "$REPO" && go build -o "$BIN" ./cmd/morningpost)

# cpu LABEL CMD...: run CMD, print its CPU seconds (user + system) and
# peak memory on stderr's last line, and leave the CPU seconds in $CPU.
cpu() {
  local label=$1; shift
  "/usr/bin/time" -o "$WORK/time" -f '%U %S %M %e' "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" "$WORK/out" >&2; exit 1; }
  read -r u s m e <"$WORK/time"
  CPU=$(echo "$u + $s" | bc)
  printf '%-10s cpu %6.2f s (user %s, sys %s), wall %s s, peak %d MB\n' "$label" "$CPU" "$u" "$s" "$e" $((m / 1024))
}

echo "load before: $(uptime)"
rm -rf "$WORK/content" "$WORK/hugo" "$WORK/site" "$WORK/data"
"$BIN" init --issues "$ISSUES" "$WORK/content" >/dev/null
python3 "$TO_HUGO" "$WORK/content" "$WORK/hugo" >/dev/null
cpu hugo hugo --quiet --source "$WORK/hugo" --destination "$WORK/hugo/public"
HUGO=$CPU
echo "hugo: $(find "$WORK/hugo/public" -type f | wc -l) files"

# One moment for both exports: now, or, before today's issue is due
# (publish_time in the site's time zone), a minute after it is (an --at
# away from the clock reads the store and records nothing).
TZONE=$(sed -n 's/^time_zone: *//p' "$WORK/content/morningpost.yaml")
DUE=$(TZ=$TZONE date -d "today $(sed -n 's/^publish_time: *"\{0,1\}\([0-9:]*\).*/\1/p' "$WORK/content/morningpost.yaml")" +%s)
NOW=$(date +%s)
[ "$NOW" -gt $((DUE + 60)) ] || NOW=$((DUE + 60))
AT=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ)
echo "exports as of $AT"
cpu fresh "$BIN" export --content "$WORK/content" --data "$WORK/data" --at "$AT" "$WORK/site"
FRESH=$CPU
grep '^exported' "$WORK/out"

# One new issue dated today: the newest, copied, with a sentence more in
# each article (a copied article word for word is refused by check).
N=$((ISSUES + 1)); TODAY=$(date -u +%F)
cp -r "$WORK/content/issues/$ISSUES" "$WORK/content/issues/$N"
sed -i "s/^date: .*/date: $TODAY/" "$WORK/content/issues/$N/issue.md"
for f in "$WORK/content/issues/$N"/*.md; do
  [ "$(basename "$f")" = issue.md ] || printf '\nPublished on %s as issue %d.\n' "$TODAY" "$N" >>"$f"
done
cpu re-export "$BIN" export --content "$WORK/content" --data "$WORK/data" --at "$AT" "$WORK/site"
AGAIN=$CPU
grep '^exported' "$WORK/out"
WROTE=$(sed -n 's/.* wrote \([0-9]*\),.*/\1/p' "$WORK/out")

echo "load after: $(uptime)"
printf 'issues %d: fresh export / hugo build = %.2f; re-export / hugo build = %.2f; re-export wrote %d files\n' \
  "$ISSUES" "$(echo "$FRESH / $HUGO" | bc -l)" "$(echo "$AGAIN / $HUGO" | bc -l)" "$WROTE"
