package main

import "runtime/debug"

// memoryLimit is the Go heap's soft limit when GOMEMLIMIT does not set
// one. A ten-year archive holds about 150 MB live (content, the render
// cache and prepared headers); without a limit the heap grows to twice
// that between collections while a crawler fetches every archive
// document, and the process past 400 MB. With it, the collector runs
// earlier instead, keeping the process under 300 MB.
const memoryLimit = 256 << 20

// exportMemoryLimit is memoryLimit for "morningpost export". An export of
// a ten-year archive holds about 200 MB live (the content, the last
// export's state and this one's): under memoryLimit the collector ran
// every few megabytes allocated and took a third of the export's CPU
// (an unchanged re-export of 3,650 issues: 27 s of CPU, 16 s with a
// limit of 400 MB, peak RSS 434 MB). The export must stay under 500 MB.
const exportMemoryLimit = 384 << 20

// limitMemory sets memoryLimit unless the environment chose a limit.
func limitMemory(getenv func(string) string) { setMemoryLimit(getenv, memoryLimit) }

// limitExportMemory sets exportMemoryLimit unless the environment chose
// a limit.
func limitExportMemory(getenv func(string) string) { setMemoryLimit(getenv, exportMemoryLimit) }

func setMemoryLimit(getenv func(string) string, limit int64) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}
