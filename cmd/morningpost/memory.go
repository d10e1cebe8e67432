package main

import "runtime/debug"

// memoryLimit is the Go heap's soft limit when GOMEMLIMIT does not set
// one. A ten-year archive holds about 150 MB live (content, the render
// cache and prepared headers); without a limit the heap grows to twice
// that between collections while a crawler fetches every archive
// document, and the process past 400 MB. With it, the collector runs
// earlier instead, keeping the process under 300 MB.
const memoryLimit = 256 << 20

// limitMemory sets memoryLimit unless the environment chose a limit.
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
