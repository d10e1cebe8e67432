#!/usr/bin/env bash
# coldstart.sh BIN CONTENT_DIR [PORT]: start `BIN serve` on CONTENT_DIR and
# print the seconds from process start to the first /healthz answer, the
# CPU time spent by then, and the peak resident memory. The server keeps
# running; its PID is printed last (kill it when done).
#
#   go build -o /tmp/mp ./cmd/morningpost && /tmp/mp init --issues 3650 /tmp/big
#   bench/coldstart.sh /tmp/mp /tmp/big 8081
set -eu
BIN=$1; DIR=$2; PORT=${3:-8081}
data=$(mktemp -d)
start=$(date +%s.%N)
"$BIN" serve --content "$DIR" --addr "127.0.0.1:$PORT" --rate-limit 0 --access-log=false --data "$data" >"$data/serve.log" 2>&1 &
pid=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/serve.log"; exit 1; }
  sleep 0.01
done
end=$(date +%s.%N)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
tck=$(getconf CLK_TCK)
awk -v a="$start" -v b="$end" -v u="$utime" -v s="$stime" -v t="$tck" \
  'BEGIN{printf "healthz after %.2f s (cpu %.2f s)\n", b-a, (u+s)/t}'
grep VmHWM "/proc/$pid/status"
echo "pid $pid"
