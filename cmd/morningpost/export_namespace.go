package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"strings"
)

// exportNamespace names what an export's documents depend on besides
// the render keys of the feed cache (which name the issues' files, the
// dates the record gives them and the site's configuration): this very
// program, whose templates and code make the bytes, and the base URL and
// hubs the feeds name. The export reuses the last one's renders and
// links only under the same name, so the name must not change with the
// content: a day's new issue keeps it, and only the documents that show
// the new issue are rendered again. It is "" (nothing reused) when the
// program cannot be read.
func exportNamespace(base *url.URL, hubs []string) string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	h.Write([]byte(base.String() + "\x00" + strings.Join(hubs, " ") + "\x00"))
	return hex.EncodeToString(h.Sum(nil))
}
