// Command morningpost publishes The AI Morning Post: it serves every issue
// and article as RSS 2.0, Atom 1.0 and JSON Feed 1.1, with the HTML pages
// they link to, from a folder of Markdown files.
//
// Usage:
//
//	morningpost serve [--addr HOST:PORT] [--content DIR] [--base-url URL] [--preview-token-file FILE] ...
//	morningpost init [--issues N] DIR
//	morningpost --version
//	morningpost check [--content DIR]
//	morningpost export [--content DIR] [--base-url URL] [--data DIR] [--database-url URL] [--at RFC3339] OUTDIR
//
// Run "morningpost help" for every command and flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
