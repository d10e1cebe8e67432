#!/usr/bin/env bash
# coldstart.sh BIN CONTENT_DIR [PORT] [RUNS]: start `BIN serve` on
# CONTENT_DIR RUNS times (default 5) and print, for each start, the
# seconds from process start to the first /healthz answer, the CPU time
# spent by then and the peak resident memory; then the median.
#
#   go build -o /tmp/mp ./cmd/morningpost && /tmp/mp init --issues 3650 /tmp/big
#   .bench/coldstart.sh /tmp/mp /tmp/big 8081
#
# The poller is one python3 process on a plain socket, trying every 5 ms:
# a loop of curl would fork a process each time and take CPU from the
# server it measures.
set -eu
BIN=$1; DIR=$2; PORT=${3:-8081}; RUNS=${4:-5}
exec python3 - "$BIN" "$DIR" "$PORT" "$RUNS" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time
binp, d, port, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
took = []
for _ in range(runs):
    data = tempfile.mkdtemp()
    t0 = time.monotonic()
    p = subprocess.Popen([binp, "serve", "--content", d, "--addr", f"127.0.0.1:{port}", "--rate-limit", "0",
                          "--access-log=false", "--data", data], stdout=subprocess.DEVNULL, stderr=open(data + "/serve.log", "w"))
    while True:
        if p.poll() is not None:
            sys.exit(open(data + "/serve.log").read())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            time.sleep(0.005)
    t = time.monotonic() - t0
    stat = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    hwm = next(l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM")).split()[1]
    print(f"healthz after {t:.2f} s (cpu {cpu:.2f} s), peak {int(hwm) // 1024} MB", flush=True)
    took.append(t)
    p.terminate()
    p.wait()
print(f"median {statistics.median(took):.2f} s of {runs} starts")
PY
