package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/content"
)

// exportNamespace names what an export's documents depend on besides
// the render keys of the feed cache (which name the issues' files and
// the site's configuration): this very program, whose templates and
// code make the bytes; the base URL and hubs the feeds name; and the
// dates the record gives each issue and article, which pages show. The
// export reuses the last one's renders and links only under the same
// name. It is "" (nothing reused) when the program cannot be read.
func exportNamespace(base *url.URL, hubs []string, snap *content.Snapshot) string {
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
	b := []byte(base.String() + "\x00" + strings.Join(hubs, " ") + "\x00")
	for _, iss := range snap.Issues {
		b = strconv.AppendInt(b, int64(iss.Number), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, iss.Anchor().UnixNano(), 10)
		for _, a := range iss.Articles {
			b = append(b, ' ')
			b = strconv.AppendInt(b, a.Published().UnixNano(), 10)
		}
		b = append(b, '\n')
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
