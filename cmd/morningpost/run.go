package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
)

const usage = `morningpost publishes The AI Morning Post as RSS, Atom and JSON Feed.

Usage:
  morningpost serve [--addr HOST:PORT] [--content DIR] [--base-url URL]
      Serve the feeds and pages. Without --content, the embedded sample
      (issue #87) is served. Content under DIR is reloaded when it changes.
      With --preview-token TOKEN, editors preview drafts at /preview.
  morningpost init [--issues N] DIR
      Write the sample content to DIR: the start of your own newsletter.
      With --issues N, write an archive of N issues (the sample and
      generated ones, one a day up to yesterday) to try morningpost at scale.
  morningpost check [--content DIR]
      Validate content; print every problem as path:line: message.
  morningpost sources poll [--content DIR] [--data DIR]
      Poll every upstream source now (except those that asked us to wait)
      and print one line per source.
  morningpost new-issue [--content DIR] [--data DIR] [--from-sources]
      Scaffold the next issue as a draft; with --from-sources, draft tools
      of the week and weekend reading from the freshest upstream items.
  morningpost export [--content DIR] [--base-url URL] [--data DIR] [--database-url URL] [--at RFC3339] OUTDIR
      Write every public page, feed, archive and asset as static files
      under OUTDIR, with .gz and .br siblings, file times equal to their
      Last-Modified, and _nginx.conf, _headers and _redirects to serve
      them as serve does. Exporting again writes only what changed.
  morningpost help
      Print this help.

Environment (flags win):
  MORNINGPOST_ADDR       address to listen on (default :8080)
  MORNINGPOST_CONTENT    content folder (default: the embedded sample)
  MORNINGPOST_BASE_URL   absolute URL the site is reached at (overrides base_url)
  MORNINGPOST_DATA       folder of the store: the audience, upstream sources (default ./data)
  MORNINGPOST_PREVIEW_TOKEN  token of the editor's preview (default: off)
  MORNINGPOST_LOG_FORMAT text or json (default text)
  MORNINGPOST_ACCESS_LOG one log line per request: true or false (default true)
  MORNINGPOST_RATE_LIMIT full downloads of one feed per client per hour;
                         0 switches abuse control off (default 60)
  MORNINGPOST_TRUSTED_PROXIES  CIDRs of proxies whose X-Forwarded-For is read
  MORNINGPOST_METRICS_ADDR     address to serve /metrics on instead of the
                               public one (default: on the public address)
  MORNINGPOST_DATABASE_URL     PostgreSQL URL of the store a fleet shares
                               (default: SQLite under MORNINGPOST_DATA)
  MORNINGPOST_WEBSUB_HUBS      comma-separated WebSub hub URLs, replacing
                               websub_hubs of morningpost.yaml

Run "morningpost COMMAND --help" for a command's flags.
`

// errUsage marks errors in how the command was called: exit code 2.
var errUsage = errors.New("usage")

// run is the whole program, with its surroundings passed in so tests can
// call it. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve":
		err = serve(ctx, rest, getenv, stdout, stderr)
	case "init":
		err = initCmd(rest, stdout, stderr)
	case "check":
		err = check(rest, getenv, stdout, stderr)
	case "sources":
		err = sourcesCmd(ctx, rest, getenv, stdout, stderr)
	case "new-issue":
		err = newIssue(ctx, rest, getenv, stdout, stderr)
	case "export":
		err = exportCmd(ctx, rest, getenv, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "morningpost: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		var ps content.Problems
		if !errors.As(err, &ps) {
			fmt.Fprintf(stderr, "morningpost: %v\n", err)
		}
		return 1
	}
}

// flags makes a FlagSet that prints its usage to stderr.
func flags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: morningpost %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning flag errors into errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// contentFS opens the content: the folder dir, or the embedded sample when
// dir is empty.
func contentFS(dir string) (fs.FS, error) {
	if dir == "" {
		return content.Sample(), nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("content folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("content folder %s is not a folder", dir)
	}
	return content.OpenDir(dir) // nothing outside dir is read, whatever links it holds
}

func check(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("check", "[--content DIR]", stderr)
	dir := fs.String("content", getenv("MORNINGPOST_CONTENT"), "content `folder` to check (default: the embedded sample; env MORNINGPOST_CONTENT)")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, c, err := loadContent(*dir, stdout, stderr)
	if err != nil {
		return err
	}
	for _, w := range c.Warnings() { // loaded, but not as written
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	articles := 0
	for _, iss := range c.Issues {
		articles += len(iss.Articles)
	}
	fmt.Fprintf(stdout, "ok: %d issue%s, %d article%s, %d source%s (version %s)\n",
		len(c.Issues), plural(len(c.Issues)), articles, plural(articles), len(c.Site.Sources), plural(len(c.Site.Sources)), c.Version)
	return nil
}

func initCmd(args []string, stdout, stderr io.Writer) error {
	fs := flags("init", "[--issues N] DIR", stderr)
	issues := fs.Int("issues", 0, "also write synthetic issues so the archive holds `N` issues, one a day up to yesterday (for trying morningpost at scale)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *issues < 0 {
		fs.Usage()
		return errUsage
	}
	dir := fs.Arg(0)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("init: %s is not empty; choose a new folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if *issues > 0 {
		if err := writeArchive(dir, *issues, time.Now()); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintf(stdout, "Wrote an archive of %d issues to %s.\nNext: morningpost serve --content %s\n", *issues, dir, dir)
		return nil
	}
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(stdout, "Wrote the sample newsletter to %s.\nNext: edit %s/morningpost.yaml, then run: morningpost serve --content %s\n",
		dir, strings.TrimSuffix(dir, "/"), dir)
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
