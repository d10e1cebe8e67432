package handlers

import (
	"runtime"
	"syscall"
	"testing"
)

// cpuPerOp reports a benchmark's CPU time per operation (cpu-ns/op), of
// the thread running it: on a machine shared with other work, wall time
// (ns/op) counts the time others hold the CPU too. Call the function
// returned after the loop.
func cpuPerOp(b *testing.B) func() {
	runtime.LockOSThread()
	start := threadCPU(b)
	return func() {
		d := threadCPU(b) - start
		runtime.UnlockOSThread()
		b.ReportMetric(float64(d)/float64(b.N), "cpu-ns/op")
	}
}

// threadCPU is the calling thread's CPU time, user and system, in
// nanoseconds (getrusage RUSAGE_THREAD).
func threadCPU(b *testing.B) int64 {
	const rusageThread = 1 // RUSAGE_THREAD, which package syscall does not name
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)
}
