package content

import (
	"embed"
	"io/fs"
)

//go:embed sample
var sample embed.FS

// Sample returns the embedded default content: issue #87 of The AI Morning
// Post as it was printed. `morningpost serve` without --content serves it,
// and `morningpost init DIR` writes it out as a starting point.
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "sample")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
